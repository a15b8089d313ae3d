"""What outside parties add to a signed checkpoint: witness cosignatures and TSA tokens.

They are kept beside the checkpoint table, in ``tabadol_checkpoint_anchors`` (same
database, insert-only, one row per checkpoint size, kind and authority), never in the
note row itself: the hub's signed note stays as it was signed, and a checkpoint is
handed out as :func:`witnessed_note` (the note with the stored cosignature lines
appended, which every C2SP note verifier reads: unknown keys are ignored) plus its
time-stamp token.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from hub.audit.checkpoints import checkpoint_store_for
from hub.audit.dialect import Dialect
from hub.audit.export import open_recorder
from hub.trail.anchoring import CheckpointRecord
from hub.trail.cosignature import merge_signature_lines
from hub.trail.verify import CHECKPOINTS_FORMAT

__all__ = [
    "ANCHORS_TABLE",
    "Anchor",
    "AnchorKind",
    "AnchorStore",
    "MemoryAnchorStore",
    "SQLAnchorStore",
    "anchor_store_for",
    "store_records",
    "timestamp_of",
    "witnessed_note",
    "write_checkpoint_records",
]

ANCHORS_TABLE = "tabadol_checkpoint_anchors"
AnchorKind = Literal["cosignature", "timestamp"]


@dataclass(frozen=True)
class Anchor:
    """One outside statement about the checkpoint of ``tree_size``.

    ``cosignature``: ``authority`` is the witness name, ``value`` its note signature line.
    ``timestamp``: ``authority`` is the TSA's name, ``value`` the base64 DER TimeStampResp.
    ``at`` is when the hub received it (RFC 3339 UTC; informative, not signed).
    """

    tree_size: int
    kind: AnchorKind
    authority: str
    value: str
    at: str

    @property
    def token(self) -> bytes:
        return base64.b64decode(self.value)


class AnchorStore(Protocol):
    def add(self, anchor: Anchor) -> bool: ...

    def for_size(self, tree_size: int) -> list[Anchor]: ...

    def all(self) -> list[Anchor]: ...


class MemoryAnchorStore:
    def __init__(self) -> None:
        self._rows: dict[tuple[int, str, str], Anchor] = {}
        self._lock = threading.Lock()

    def add(self, anchor: Anchor) -> bool:
        key = (anchor.tree_size, anchor.kind, anchor.authority)
        with self._lock:
            if key in self._rows:
                return False
            self._rows[key] = anchor
            return True

    def for_size(self, tree_size: int) -> list[Anchor]:
        with self._lock:
            return [a for k, a in sorted(self._rows.items()) if k[0] == tree_size]

    def all(self) -> list[Anchor]:
        with self._lock:
            return [a for _, a in sorted(self._rows.items())]


_COLUMNS = "tree_size, kind, authority, value, received_at"


class SQLAnchorStore:
    """The ``tabadol_checkpoint_anchors`` table next to the checkpoints (SQLite or PostgreSQL)."""

    def __init__(self, recorder: ApplicationRecorder, *, create: bool = True) -> None:
        self._sql = Dialect.of(recorder)
        if create:
            self._sql.run(
                f"CREATE TABLE IF NOT EXISTS {self._sql.table(ANCHORS_TABLE)} ("
                "tree_size BIGINT NOT NULL, kind TEXT NOT NULL, authority TEXT NOT NULL,"
                " value TEXT NOT NULL, received_at TEXT NOT NULL,"
                " PRIMARY KEY (tree_size, kind, authority))",
                commit=True,
                fetch=False,
            )

    def add(self, anchor: Anchor) -> bool:
        a = anchor
        rows = self._sql.run(  # identifiers are ours; values are bound parameters
            f"INSERT INTO {self._sql.table(ANCHORS_TABLE)} ({_COLUMNS}) VALUES"  # noqa: S608
            f" ({', '.join([self._sql.mark] * 5)})"
            " ON CONFLICT (tree_size, kind, authority) DO NOTHING RETURNING tree_size",
            (a.tree_size, a.kind, a.authority, a.value, a.at),
            commit=True,
        )
        return bool(rows)

    def for_size(self, tree_size: int) -> list[Anchor]:
        return self._select(f"WHERE tree_size = {self._sql.mark}", (tree_size,))

    def all(self) -> list[Anchor]:
        return self._select("")

    def _select(self, where: str, params: Sequence[Any] = ()) -> list[Anchor]:
        if not self._sql.has_table(ANCHORS_TABLE):
            return []
        rows = self._sql.run(
            f"SELECT {_COLUMNS} FROM {self._sql.table(ANCHORS_TABLE)} {where}"  # noqa: S608
            " ORDER BY tree_size, kind, authority",
            params,
        )
        return [
            Anchor(
                int(r["tree_size"]),
                r["kind"],
                str(r["authority"]),
                str(r["value"]),
                str(r["received_at"]),
            )
            for r in rows
        ]


def anchor_store_for(recorder: ApplicationRecorder, *, create: bool = True) -> AnchorStore:
    """The anchors table of the recorder's database (a dict for in-memory stores)."""
    if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
        return SQLAnchorStore(recorder, create=create)
    return MemoryAnchorStore()


def witnessed_note(note: str, anchors: Iterable[Anchor]) -> str:
    """The hub's signed note with the stored witness cosignature lines appended."""
    lines = [a.value for a in anchors if a.kind == "cosignature"]
    return merge_signature_lines(note, lines) if lines else note


def timestamp_of(anchors: Iterable[Anchor]) -> Anchor | None:
    """The (first) stored time-stamp token among a checkpoint's anchors."""
    return next((a for a in anchors if a.kind == "timestamp"), None)


def store_records(url: str) -> list[CheckpointRecord]:
    """Every stored checkpoint with its cosignatures merged in and its token."""
    recorder = open_recorder(url)
    checkpoints = checkpoint_store_for(recorder, create=False).all()
    anchors = anchor_store_for(recorder, create=False).all()
    by_size: dict[int, list[Any]] = {}
    for anchor in anchors:
        by_size.setdefault(anchor.tree_size, []).append(anchor)
    records = []
    for c in checkpoints:
        mine = by_size.get(c.tree_size, [])
        token = timestamp_of(mine)
        records.append(
            CheckpointRecord(witnessed_note(c.note, mine), token.value if token else None)
        )
    return records


def write_checkpoint_records(url: str, out: IO[str]) -> int:
    """``audit checkpoints``: JSON Lines, each note with its cosignatures and timestamp."""
    recorder = open_recorder(url)
    stored = {c.tree_size: c for c in checkpoint_store_for(recorder, create=False).all()}
    out.write(json.dumps({"format": CHECKPOINTS_FORMAT}) + "\n")
    for record in store_records(url):
        row: dict[str, Any] = {
            "tree_size": record.size,
            "signed_at": stored[record.size].signed_at,
            "note": record.note,
        }
        if record.timestamp:
            row["timestamp"] = record.timestamp
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(stored)
