"""Signed checkpoints over the global event log: the log's Merkle tree, its checkpoint
table, and the task that signs a checkpoint every N events or T seconds.

The tree's leaves are the stored events in global order; the entry bytes are defined in
:mod:`hub.trail.verify` (:func:`~hub.trail.verify.log_entry`). A checkpoint is a C2SP tlog-checkpoint
(``<origin>\\n<size>\\n<base64 root>\\n``) signed as a C2SP note whose key name is the
origin (``tabadol.gov.ir/hub/<genesis key id>``, named by the key history). Its one
extension line is the head of the aggregate map (``tabadol/aggregate-map/v1 <count>
<base64 root>``, see :mod:`hub.trail.aggregate_map`): the latest version of every
aggregate at that size, so a bundle can prove it holds *all* of a case's events.

Where checkpoints are kept
--------------------------
In their own append-only table, ``tabadol_checkpoints``, in the event store's database
(SQLite file or PostgreSQL), and not as events of the log:

* a checkpoint is a statement *about* the log; recording it *in* the log would change the
  tree it signs, and excluding a "checkpoint" topic from the tree would give every
  verifier one more rule to get right and any forged event of that topic a hiding place;
* the same database means one backup, one connection pool and one place to look;
* auditors lose nothing: the notes are self-verifying, ``tabadol audit checkpoints``
  exports them, ``AuditService`` serves them, and ``tabadol audit verify`` reads them from
  the store and checks every one against the tree it recomputes.

The table is only ever inserted into (the primary key is the tree size, so two replicas
signing the same size collapse into one row). A checkpoint is signed only if the previous
stored checkpoint verifies and the new tree is consistent with it (an RFC 9162 consistency
proof is built from the tree rebuilt from the store and verified): a store whose history
was rewritten, truncated or reordered makes the hub refuse to sign and log the reason.

Where the tree is kept
----------------------
As C2SP tiles (:mod:`hub.trail.tiled_tree`) in ``tabadol_tiles`` beside the checkpoints
(:mod:`hub.audit.tile_store`), created with them: in memory only the right edge, the full
tiles no checkpoint covers yet and a small cache. A tile is written once the tree matched a
stored checkpoint that covers it (after signing, or passing one while syncing), so a long
rebuild writes as it goes. On the first sync the log resumes from the stored tiles and
checks itself against the latest checkpoint; what does not check is rebuilt from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol
from uuid import UUID

import structlog
from eventsourcing.persistence import ApplicationRecorder, PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from aggregates.errors import InvalidInput, NotFound, TransitionRefused
from hub.audit.dialect import Dialect
from hub.audit.export import events_from
from hub.audit.positions import Positions
from hub.audit.tile_store import tile_store_for
from hub.ledger.signing import LedgerApplication
from hub.telemetry import metrics
from hub.trail.aggregate_map import AggregateMap, MapHead
from hub.trail.encoding import utc_text
from hub.trail.envelope import Envelope, EnvelopeError
from hub.trail.keys import ORIGIN_PREFIX, PublicKeyRing, Signer, load_history
from hub.trail.merkle import ProofError, verify_consistency
from hub.trail.signed_note import Checkpoint, sign_note
from hub.trail.subjects import code_subject, is_code
from hub.trail.tiled_tree import TiledTree, TileError, TileStore
from hub.trail.verify import KeyNotAllowed, TrailEvent, open_hub_checkpoint

__all__ = [
    "AuditLog",
    "CheckpointCallback",
    "CheckpointStore",
    "Checkpointer",
    "ConsistencyProof",
    "Inclusion",
    "KeyFileSettings",
    "LogInconsistent",
    "LoggedEvent",
    "MemoryCheckpointStore",
    "SQLCheckpointStore",
    "StoredCheckpoint",
    "SubjectKind",
    "checkpoint_store_for",
    "count_events",
    "run_checkpointer",
    "sign_checkpoint",
]

log = structlog.get_logger("tabadol.checkpoints")

SubjectKind = Literal["subject", "event_id", "position", "tracking_code"]
"""How :meth:`AuditLog.select` reads a subject ("subject": guess from its form)."""

CheckpointCallback = Callable[[str], Awaitable[None]]
Watch = Callable[[Iterator[TrailEvent]], Iterable[TrailEvent]]
"""Wraps the events a long read goes through (a progress bar counts them)."""
"""Called with each new signed checkpoint note (e.g. to publish it on NATS)."""

_PAGE = 1000
_KEYS_PAGE = 100_000
_NEAR = 1 << 16
"""A checkpoint this many events ahead of the tree: check the tree at every one passed."""
TABLE = "tabadol_checkpoints"


class KeyFileSettings(Protocol):
    """What the log needs of :class:`hub.config.Settings`: where the key history is."""

    @property
    def public_keys(self) -> Path: ...


class LogInconsistent(Exception):
    """The stored log no longer extends the last signed checkpoint: it was rewritten."""


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint as kept in the checkpoint table."""

    tree_size: int
    root_hash: bytes
    last_position: int
    """Store position of the last covered event (0 for the empty tree): a hint, not signed."""
    key_id: str
    note: str
    signed_at: str
    """When the hub signed it (RFC 3339 UTC): maps revocation times to tree sizes."""


@dataclass(frozen=True)
class LoggedEvent:
    """A stored event with its log index (its Merkle leaf index)."""

    log_index: int
    event: TrailEvent


# -- the checkpoint table -------------------------------------------------------------


class CheckpointStore(Protocol):
    """Append-only storage of signed checkpoints."""

    def add(self, checkpoint: StoredCheckpoint) -> bool:
        """Insert; False if a checkpoint of that size is already stored."""
        ...

    def latest(self) -> StoredCheckpoint | None: ...

    def at_size(self, size: int) -> StoredCheckpoint | None: ...

    def all(self) -> list[StoredCheckpoint]:
        """Every checkpoint, smallest first."""
        ...


class MemoryCheckpointStore:
    """Checkpoints in a list: for the in-memory (POPO) store and tests."""

    def __init__(self) -> None:
        self._by_size: dict[int, StoredCheckpoint] = {}
        self._lock = threading.Lock()

    def add(self, checkpoint: StoredCheckpoint) -> bool:
        with self._lock:
            if checkpoint.tree_size in self._by_size:
                return False
            self._by_size[checkpoint.tree_size] = checkpoint
            return True

    def latest(self) -> StoredCheckpoint | None:
        with self._lock:
            return self._by_size[max(self._by_size)] if self._by_size else None

    def at_size(self, size: int) -> StoredCheckpoint | None:
        return self._by_size.get(size)

    def all(self) -> list[StoredCheckpoint]:
        with self._lock:
            return [self._by_size[s] for s in sorted(self._by_size)]


_COLUMNS = "tree_size, root_hash, last_position, key_id, note, signed_at"


class SQLCheckpointStore:
    """The ``tabadol_checkpoints`` table, next to the events (SQLite or PostgreSQL)."""

    def __init__(self, recorder: ApplicationRecorder, *, create: bool = True) -> None:
        self._sql = Dialect.of(recorder)
        if create:
            blob = "BLOB" if self._sql.sqlite else "BYTEA"
            self._sql.run(
                f"CREATE TABLE IF NOT EXISTS {self._sql.table(TABLE)} ("
                f"tree_size BIGINT PRIMARY KEY, root_hash {blob} NOT NULL,"
                " last_position BIGINT NOT NULL, key_id TEXT NOT NULL, note TEXT NOT NULL,"
                " signed_at TEXT NOT NULL)",
                commit=True,
                fetch=False,
            )

    def add(self, checkpoint: StoredCheckpoint) -> bool:
        c = checkpoint
        conflict = "ON CONFLICT (tree_size) DO NOTHING"
        rows = self._sql.run(  # identifiers are ours; values are bound parameters
            f"INSERT INTO {self._sql.table(TABLE)} ({_COLUMNS}) VALUES"  # noqa: S608
            f" ({', '.join([self._sql.mark] * 6)}) {conflict} RETURNING tree_size",
            (c.tree_size, c.root_hash, c.last_position, c.key_id, c.note, c.signed_at),
            commit=True,
        )
        return bool(rows)

    def latest(self) -> StoredCheckpoint | None:
        rows = self._select("ORDER BY tree_size DESC LIMIT 1")
        return rows[0] if rows else None

    def at_size(self, size: int) -> StoredCheckpoint | None:
        rows = self._select(f"WHERE tree_size = {self._sql.mark}", (size,))
        return rows[0] if rows else None

    def all(self) -> list[StoredCheckpoint]:
        return self._select("ORDER BY tree_size")

    def _select(self, tail: str, params: Sequence[Any] = ()) -> list[StoredCheckpoint]:
        if not self._sql.has_table(TABLE):
            return []
        query = f"SELECT {_COLUMNS} FROM {self._sql.table(TABLE)} {tail}"  # noqa: S608 - ours
        rows = self._sql.run(query, params)
        return [
            StoredCheckpoint(
                int(r["tree_size"]),
                bytes(r["root_hash"]),
                int(r["last_position"]),
                str(r["key_id"]),
                str(r["note"]),
                str(r["signed_at"]),
            )
            for r in rows
        ]


def checkpoint_store_for(recorder: ApplicationRecorder, *, create: bool = True) -> CheckpointStore:
    """The checkpoint table of the recorder's database (a list for in-memory stores)."""
    if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
        return SQLCheckpointStore(recorder, create=create)
    return MemoryCheckpointStore()


def count_events(recorder: ApplicationRecorder) -> int:
    """How many events the store holds: the size the log's tree has once synced."""
    if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
        sql = Dialect.of(recorder)
        if not sql.has_table(recorder.events_table_name):
            return 0
        (row,) = sql.run(f"SELECT COUNT(*) AS n FROM {sql.events}")  # noqa: S608 - ours
        return int(row["n"])
    return sum(1 for _ in events_from(recorder))


# -- the log --------------------------------------------------------------------------


@dataclass(frozen=True)
class Inclusion:
    """Inclusion proofs of some events in the tree of one signed checkpoint."""

    checkpoint: StoredCheckpoint
    proofs: list[tuple[LoggedEvent, list[bytes]]]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    proof: list[bytes]
    old_checkpoint: StoredCheckpoint | None
    new_checkpoint: StoredCheckpoint | None


class AuditLog:
    """The global event log as a Merkle tree, kept in step with the store, and its checkpoints.

    Blocking: call it from a worker thread. One lock guards the tree, so the checkpointer
    and the audit service may share an instance.
    """

    def __init__(
        self,
        recorder: ApplicationRecorder,
        store: CheckpointStore | None = None,
        *,
        origin: str,
        keys: PublicKeyRing | None = None,
        tiles: TileStore | None = None,
        tile_cache: int = 64,
    ) -> None:
        self.recorder = recorder
        self.store = store if store is not None else checkpoint_store_for(recorder)
        self.origin = origin
        self.keys = keys
        self.lock = threading.RLock()
        self.tiles = tiles if tiles is not None else tile_store_for(recorder)
        """Where the tree's full tiles are kept (the ``tabadol_tiles`` table)."""
        self._tile_cache = tile_cache
        self.tree = TiledTree(self.tiles, cache=tile_cache)
        self.aggregates = AggregateMap()
        """The head of every aggregate in the tree (see :mod:`hub.trail.aggregate_map`)."""
        self._sql = (
            Dialect.of(recorder)
            if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder)
            else None
        )
        self._positions = self._new_positions()
        self._started = False
        self._settled = 0
        """Size of the last checkpoint the tree matched: the tiles below it are written."""
        self._mismatch = 0

    @classmethod
    def open(
        cls, source: LedgerApplication | ApplicationRecorder | AuditLog, settings: KeyFileSettings
    ) -> AuditLog:
        """The log of a hub (or recorder) with the origin and keys of ``settings``."""
        if isinstance(source, AuditLog):
            return source
        recorder = source.recorder if isinstance(source, LedgerApplication) else source
        assert isinstance(recorder, ApplicationRecorder)
        keys: PublicKeyRing | None = None
        if settings.public_keys.exists():
            keys = PublicKeyRing.from_history(load_history(settings.public_keys))
        if keys is not None and keys.origin:
            origin = keys.origin
        elif isinstance(source, LedgerApplication):
            origin = ORIGIN_PREFIX + source.signer.key_id
        else:
            raise ValueError("no log origin: the public-key file is missing")
        return cls(recorder, origin=origin, keys=keys)

    # -- the tree ---------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.tree.size

    def sync(self, watch: Watch | None = None) -> int:
        """Append every event stored since the last call; return the tree size. ``watch``
        wraps the events as they are read (progress).

        The first call resumes from the stored tiles (:meth:`_resume`). Passing a stored
        checkpoint's size, the tree is checked against it and the tiles it covers are
        written (:meth:`settle`), so a long rebuild keeps memory bounded too."""
        with self.lock:
            if not self._started:
                self._started = True
                self._resume()
            marks = self._marks()
            start = self._positions.last + 1
            events = events_from(self.recorder, start)
            self._append(watch(events) if watch else events, marks)
            return self.tree.size

    def _append(
        self,
        events: Iterable[TrailEvent],
        marks: list[StoredCheckpoint],
        stop: int | None = None,
    ) -> None:
        tree, aggregates, positions = self.tree, self.aggregates, self._positions
        self._settle_passed(marks)
        for event in events:
            if stop is not None and tree.size >= stop:
                break
            leaf = event.leaf_hash()
            index = tree.append_leaf_hash(leaf)
            aggregates.update(event.aggregate_id, event.version, index, leaf)
            positions.append(event.position)
            if marks and marks[0].tree_size <= index + 1:
                self._settle_passed(marks)

    def _marks(self) -> list[StoredCheckpoint]:
        """The stored checkpoints the tree has still to be checked against, smallest first."""
        latest = self.store.latest()
        if latest is None or latest.tree_size <= self._settled:
            return []
        if latest.tree_size - self.tree.size <= _NEAR:
            return [latest]
        return [c for c in self.store.all() if c.tree_size > self._settled]  # a rebuild

    def _settle_passed(self, marks: list[StoredCheckpoint]) -> None:
        while marks and marks[0].tree_size <= self.tree.size:
            self.settle(marks.pop(0))

    def settle(self, checkpoint: StoredCheckpoint) -> None:
        """Write the full tiles ``checkpoint`` covers, if the tree matches it (the tiles
        are then what the signed root commits to); a store that fails keeps them pending."""
        with self.lock:
            size = checkpoint.tree_size
            if size <= self._settled or size > self.tree.size:
                return
            if self.tree.root(size) != checkpoint.root_hash:
                if self._mismatch != size:
                    self._mismatch = size
                    log.error("the log does not match checkpoint: tiles not written", size=size)
                return
            self._settled = size
            try:
                replaced = self.tree.flush(size)
            except PersistenceError as exc:
                log.warning("log tiles not written", error=str(exc)[:300])
                return
            if replaced:
                log.error(
                    "stored log tiles differed from the log and were replaced", tiles=replaced
                )

    def _new_positions(self) -> Positions:
        """Log index ⇄ position: pages of 256 read back from the store when it is SQL."""
        sql = self._sql
        if sql is None:
            return Positions(None)
        return Positions(lambda first, count: sql.positions(first - 1, count))

    def _resume(self) -> None:
        """Start from the stored tiles instead of rehashing the log: the tree from the full
        tiles, the positions and the aggregate map (each aggregate's latest version, its
        leaf hash from the tiles) from the store without event bytes; extended to the
        latest checkpoint and checked against it. Tiles that do not check leave the tree
        to be rebuilt from the log (and the tiles rewritten)."""
        if self._sql is None:
            return
        tree = TiledTree.resume(self.tiles, cache=self._tile_cache)
        latest = self.store.latest()
        if tree.size == 0 or latest is None or latest.tree_size < tree.size:
            if tree.size:
                log.warning("log tiles beyond the signed checkpoints: rebuilding from the log")
            return
        positions, aggregates = self._new_positions(), AggregateMap()
        while len(positions) < tree.size:
            page = self._sql.positions(positions.last, min(_KEYS_PAGE, tree.size - len(positions)))
            if not page:
                log.error("the store holds fewer events than its log tiles: rebuilding the tree")
                return
            positions.extend(page)
        try:
            for aggregate_id, version, position in self._sql.heads(positions.last):
                index = positions.index(position)
                aggregates.update(aggregate_id, version, index, tree.leaf_hash_at(index))
        except TileError as exc:
            log.error("log tiles unusable: rebuilding the tree from the log", error=str(exc))
            return
        self.tree, self.aggregates, self._positions = tree, aggregates, positions
        self._append(events_from(self.recorder, positions.last + 1), [], stop=latest.tree_size)
        if tree.size == latest.tree_size and tree.root(tree.size) != latest.root_hash:
            log.error("log tiles do not match the latest checkpoint: rebuilding from the log")
            self.tree = TiledTree(self.tiles, cache=self._tile_cache)
            self.aggregates, self._positions = AggregateMap(), self._new_positions()
            return
        self.settle(latest)

    def aggregate_map(self, size: int, watch: Watch | None = None) -> AggregateMap:
        """The aggregate map of the first ``size`` log entries (the one a checkpoint of
        that size commits to): the kept one for the current size, else from each
        aggregate's latest version up to that size in the store and the tree's leaf hashes
        (an in-memory store: rebuilt from its events, which ``watch`` wraps)."""
        with self.lock:
            if self.size < size:
                self.sync(watch)
            if size == self.size:
                return self.aggregates.copy()
            if self._sql is not None and 0 < size < self.size:
                return self._heads_at(size)
        rebuilt = AggregateMap()
        events = events_from(self.recorder)
        for index, event in enumerate(watch(events) if watch else events):
            if index == size:
                break
            rebuilt.update(event.aggregate_id, event.version, index, event.leaf_hash())
        return rebuilt

    def _heads_at(self, size: int) -> AggregateMap:
        """The aggregate map of the first ``size`` entries from one grouped query and the
        tree's leaf hashes: no event read or hashed (the tree is the store's, synced)."""
        assert self._sql is not None
        heads = AggregateMap()
        with _tiles_checked():
            for aggregate_id, version, position in self._sql.heads(self.position_at(size - 1)):
                index = self.index_of(position)
                heads.update(aggregate_id, version, index, self.tree.leaf_hash_at(index))
        return heads

    def position_at(self, log_index: int) -> int:
        return self._positions[log_index]

    def index_of(self, position: int) -> int:
        """The log index of the event stored at ``position``."""
        with self.lock:
            if not len(self._positions) or position > self._positions.last:
                self.sync()
            try:
                return self._positions.index(position)
            except ValueError:
                raise NotFound("event at position", str(position)) from None

    # -- finding events ---------------------------------------------------------------

    def select(self, subject: str, *, kind: SubjectKind = "subject") -> list[LoggedEvent]:
        """The events a subject names: a code (the events of the case, consultation,
        petition or 16-digit inquiry code it names), an event id ``<aggregate id>:<version>``,
        or a store position (other digits).

        With ``kind`` "subject" the form is guessed; otherwise it is required, and
        ``kind`` names the input field in errors.
        """
        subject = subject.strip()
        if kind == "event_id" or (kind == "subject" and ":" in subject):
            aggregate_id, version = _parse_event_id(subject, kind)
            found = [e for e in self.aggregate_events(aggregate_id) if e.event.version == version]
            if not found:
                raise NotFound("event", subject)
            return found
        if kind == "position" or (kind == "subject" and subject.isdigit() and not is_code(subject)):
            if not subject.isdigit():
                raise InvalidInput.field(kind, f"{subject!r} is not a store position")
            return [self._at_position(int(subject))]
        code = code_subject(subject, field=kind)
        events = self.aggregate_events(code.aggregate_id)
        if not events:
            raise NotFound(code.kind, code.code)
        return events

    def _at_position(self, position: int) -> LoggedEvent:
        i = self.index_of(position)
        (n,) = self.recorder.select_notifications(position, 1, stop=position)
        event = TrailEvent(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
        return LoggedEvent(i, event)

    def aggregate_events(self, aggregate_id: UUID) -> list[LoggedEvent]:
        """Every stored event of one aggregate, by version, with log indexes."""
        if self._sql is None:
            rows = [e for e in events_from(self.recorder) if e.aggregate_id == str(aggregate_id)]
        else:
            sql = self._sql
            # identifiers are the recorder's own; the id is a bound parameter
            query = (
                f"SELECT {sql.position} AS position, originator_version AS version, topic,"  # noqa: S608
                f" state FROM {sql.events} WHERE originator_id = {sql.mark}"
                " ORDER BY originator_version"
            )
            found = sql.run(query, [sql.id_param(aggregate_id)])
            rows = [
                TrailEvent(
                    int(r["position"]),
                    str(aggregate_id),
                    int(r["version"]),
                    str(r["topic"]),
                    bytes(r["state"]),
                )
                for r in found
            ]
        return [LoggedEvent(self.index_of(e.position), e) for e in rows]

    def chain_context(self, events: Sequence[LoggedEvent]) -> list[LoggedEvent]:
        """``events`` plus what verifies them offline: each aggregate's earlier events
        (back to version 1) and its later ones up to the next signed event."""
        wanted: dict[str, int] = {}
        for e in events:
            wanted[e.event.aggregate_id] = max(wanted.get(e.event.aggregate_id, 0), e.event.version)
        context: list[LoggedEvent] = []
        for aggregate_id, version in wanted.items():
            for e in self.aggregate_events(UUID(aggregate_id)):
                context.append(e)
                if e.event.version >= version and _is_signed(e.event.state):
                    break
        return sorted(context, key=lambda e: e.log_index)

    # -- checkpoints and proofs -------------------------------------------------------

    def checkpoint(self, size: int = 0) -> StoredCheckpoint:
        """The stored checkpoint of ``size``, or the latest one for 0."""
        found = self.store.at_size(size) if size else self.store.latest()
        if found is None:
            raise NotFound("checkpoint", f"of size {size}" if size else "(none signed yet)")
        return found

    def inclusion(self, events: Sequence[LoggedEvent], tree_size: int = 0) -> Inclusion:
        """Inclusion proofs of ``events`` in a signed checkpoint (default: the latest)."""
        checkpoint = self.checkpoint(tree_size)
        with self.lock:
            if self.size < checkpoint.tree_size:
                self.sync()
            self._require_matches(checkpoint)
            late = [e for e in events if e.log_index >= checkpoint.tree_size]
            if late:
                raise TransitionRefused(
                    f"event {late[0].event.event_id} (log index {late[0].log_index}) is not yet"
                    f" covered by a signed checkpoint (the latest covers {checkpoint.tree_size}"
                    " events); ask again after the next checkpoint",
                    "tree_size",
                )
            with _tiles_checked():
                proofs = [
                    (e, self.tree.inclusion_proof(e.log_index, checkpoint.tree_size))
                    for e in events
                ]
        return Inclusion(checkpoint, proofs)

    def consistency(self, old_size: int, new_size: int = 0) -> ConsistencyProof:
        """RFC 9162 proof that the tree of ``new_size`` (default: latest checkpoint)
        extends the tree of ``old_size``."""
        if new_size == 0:
            new_size = self.checkpoint().tree_size
        if not 0 <= old_size <= new_size:
            raise InvalidInput.field("old_size", f"must be between 0 and new size {new_size}")
        with self.lock:
            if self.size < new_size:
                self.sync()
            if new_size > self.size:
                raise InvalidInput.field("new_size", f"the log has only {self.size} events")
            with _tiles_checked():
                proof = self.tree.consistency_proof(old_size, new_size)
        return ConsistencyProof(
            old_size, new_size, proof, self.store.at_size(old_size), self.store.at_size(new_size)
        )

    def export(self, from_position: int = 1, limit: int = _PAGE) -> list[LoggedEvent]:
        """Up to ``limit`` events from ``from_position`` on, with their log indexes."""
        page = self.recorder.select_notifications(max(1, from_position), limit)
        if not page:
            return []
        first = self.index_of(page[0].id)
        return [
            LoggedEvent(
                first + i,
                TrailEvent(n.id, str(n.originator_id), n.originator_version, n.topic, n.state),
            )
            for i, n in enumerate(page)
        ]

    def _require_matches(self, checkpoint: StoredCheckpoint) -> None:
        if self.tree.size < checkpoint.tree_size or (
            self.tree.root(checkpoint.tree_size) != checkpoint.root_hash
        ):
            raise LogInconsistent(
                f"the stored log does not match checkpoint of size {checkpoint.tree_size}"
            )


@contextlib.contextmanager
def _tiles_checked() -> Iterator[None]:
    """A tile the store lost or changed is the log's data lost (DATA_LOSS at the edge)."""
    try:
        yield
    except TileError as exc:
        raise LogInconsistent(f"the log tree's stored tiles: {exc}") from exc


def _parse_event_id(text: str, field: str) -> tuple[UUID, int]:
    aggregate, _, version = text.rpartition(":")
    try:
        return UUID(aggregate), int(version)
    except ValueError:
        raise InvalidInput.field(field, f"{text!r} is not <aggregate id>:<version>") from None


def _is_signed(state: bytes) -> bool:
    try:
        return Envelope.from_bytes(state).signed
    except EnvelopeError:
        return False


# -- signing --------------------------------------------------------------------------


def sign_checkpoint(
    signer: Signer, origin: str, size: int, root: bytes, aggregates: MapHead | None = None
) -> str:
    """The C2SP checkpoint note for (size, root), signed with the hub's key.

    ``aggregates`` is the head of the aggregate map at ``size``: it becomes the first
    extension line. Witnesses add their cosignatures as further signature lines.
    """
    extensions = (aggregates.extension(),) if aggregates is not None else ()
    checkpoint = Checkpoint(origin, size, root, extensions)
    return sign_note(checkpoint.body(), origin, signer.private_key)


class Checkpointer:
    """Tails the store, keeps the tree, and signs a checkpoint every N events or T seconds."""

    def __init__(
        self,
        log: AuditLog,
        signer: Signer,
        *,
        every: int = 1000,
        seconds: float = 60.0,
        on_checkpoint: Iterable[CheckpointCallback] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if every < 1 or seconds <= 0:
            raise ValueError("checkpoint every N ≥ 1 events and T > 0 seconds")
        self.log = log
        self.signer = signer
        self.every = every
        self.seconds = seconds
        self.callbacks = list(on_checkpoint)
        self._clock = clock
        self._last_time = clock()
        self._refusal = ""

    def subscribe(self, callback: CheckpointCallback) -> None:
        """Call ``callback(note)`` after each new checkpoint (NATS publishing, …)."""
        self.callbacks.append(callback)

    def due(self) -> bool:
        """Whether a checkpoint is due now (syncs the tree first)."""
        size = self.log.sync()
        latest = self.log.store.latest()
        new = size - (latest.tree_size if latest else 0)
        return new >= self.every or (new > 0 and self._clock() - self._last_time >= self.seconds)

    def tick(self) -> StoredCheckpoint | None:
        """Sign a checkpoint if one is due; blocking."""
        return self.sign() if self.due() else None

    def sign(self) -> StoredCheckpoint | None:
        """Sign and store a checkpoint of the whole log now, unless nothing is new.

        :raises LogInconsistent: the log does not extend the latest stored checkpoint.
        """
        with self.log.lock:
            latest = self.log.store.latest()
            size = self.log.sync()
            root = self.log.tree.root(size)
            if latest is not None:
                self._check_extends(self._trusted_base(latest), size, root)
                if size < latest.tree_size:
                    raise LogInconsistent(
                        f"the store holds {size} events but checkpoint {latest.tree_size}"
                        " was signed: events were removed or the log was truncated"
                    )
                if size == latest.tree_size:
                    return None
            if size == 0:
                return None
            note = sign_checkpoint(
                self.signer, self.log.origin, size, root, self.log.aggregates.head()
            )
            stored = StoredCheckpoint(
                size,
                root,
                self.log.position_at(size - 1),
                self.signer.key_id,
                note,
                utc_text(datetime.now(UTC)),
            )
            added = self.log.store.add(stored)
            self.log.settle(stored)  # the tiles it covers are written now
        self._last_time = self._clock()
        if not added:
            return None
        metrics.checkpoint_signed(stored.tree_size)  # a one-off sign (the demo's) counts too
        return stored

    def _trusted_base(self, latest: StoredCheckpoint) -> StoredCheckpoint:
        """The newest stored checkpoint that still verifies: the latest, unless its key
        was revoked since (then the newest one signed within the key's trusted size)."""
        keys = self.log.keys or PublicKeyRing.of(self.signer.public_key)
        candidates = [latest, *reversed(self.log.store.all())]
        for checkpoint in candidates:
            try:
                opened = open_hub_checkpoint(checkpoint.note, keys, origin=self.log.origin)
            except KeyNotAllowed:
                continue  # signed by a key revoked before this size: look further back
            except ValueError as exc:
                raise LogInconsistent(
                    f"stored checkpoint of size {checkpoint.tree_size} does not verify: {exc}"
                ) from exc
            if opened.size != checkpoint.tree_size or opened.root != checkpoint.root_hash:
                raise LogInconsistent(
                    f"checkpoint row {checkpoint.tree_size} differs from its signed note"
                )
            return checkpoint
        raise LogInconsistent("no stored checkpoint verifies with the key history")

    def _check_extends(self, base: StoredCheckpoint, size: int, root: bytes) -> None:
        if size < base.tree_size:
            raise LogInconsistent(
                f"the store holds {size} events but checkpoint {base.tree_size} was signed:"
                " events were removed or the log was truncated"
            )
        proof = self.log.tree.consistency_proof(base.tree_size, size)
        try:
            verify_consistency(base.tree_size, size, base.root_hash, root, proof)
        except ProofError as exc:
            raise LogInconsistent(
                f"the log of {size} events does not extend checkpoint {base.tree_size}:"
                f" events below log index {base.tree_size} were removed, reordered or"
                f" changed ({exc})"
            ) from exc

    async def run(
        self,
        stop: asyncio.Event,
        *,
        poll: float | None = None,
        report: Callable[[str | None], None] | None = None,
        final: bool = False,
        leading: Callable[[], bool] | None = None,
    ) -> None:
        """Tick until ``stop`` is set; publish each new checkpoint to the callbacks.

        ``leading``: with several hub processes on one store, only the one it says leads
        signs checkpoints (hub/ledger/leadership.py); None: this one always does.

        ``report`` hears why checkpointing fails (a refused, inconsistent log; a store that
        cannot be read) and None when a tick works again; ``final`` signs one last
        checkpoint over everything written once ``stop`` is set (a graceful stop).
        """
        interval = poll if poll is not None else min(1.0, self.seconds / 4)
        while not stop.is_set():
            if leading is None or leading():
                await self._tick(self.tick, report)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
        if final and (leading is None or leading()):
            await self._tick(self.sign, report)

    async def _tick(
        self,
        step: Callable[[], StoredCheckpoint | None],
        report: Callable[[str | None], None] | None,
    ) -> None:
        problem: str | None = None
        try:
            stored = await asyncio.to_thread(step)
        except LogInconsistent as exc:
            metrics.checkpoint_failed("inconsistent")
            problem = f"checkpoint refused: {exc}"
            if str(exc) != self._refusal:
                self._refusal = str(exc)
                log.error("checkpoint refused", reason=str(exc))
            stored = None
        except (PersistenceError, TileError) as exc:  # the store is down: try again next tick
            metrics.checkpoint_failed("store")
            problem = f"cannot read the store: {exc}"
            log.warning("checkpointer cannot read the store", error=str(exc)[:300])
            stored = None
        if report is not None:
            report(problem)
        if stored is not None:
            log.info("checkpoint signed", size=stored.tree_size, key_id=stored.key_id)
            await self._publish(stored.note)

    async def _publish(self, note: str) -> None:
        for callback in self.callbacks:
            try:
                await callback(note)
            except Exception:  # publishing is a copy (NATS); the table is the record
                log.exception("checkpoint callback failed", callback=repr(callback))


async def run_checkpointer(
    hub_or_recorder: LedgerApplication | ApplicationRecorder | AuditLog,
    signer: Signer,
    settings: KeyFileSettings,
    stop: asyncio.Event,
    *,
    on_checkpoint: Iterable[CheckpointCallback] = (),
    report: Callable[[str | None], None] | None = None,
    final: bool = False,
    leading: Callable[[], bool] | None = None,
) -> None:
    """Run a :class:`Checkpointer` until ``stop`` is set (an asyncio task of ``serve``);
    ``report``, ``final`` and ``leading`` as in :meth:`Checkpointer.run`.

    The schedule is ``settings.checkpoint_every`` events / ``settings.checkpoint_seconds``
    seconds (TABADOL_CHECKPOINT_EVERY, TABADOL_CHECKPOINT_SECONDS; 1000 and 60 when the
    settings do not have them).
    """
    audit_log = AuditLog.open(hub_or_recorder, settings)
    checkpointer = Checkpointer(
        audit_log,
        signer,
        every=int(getattr(settings, "checkpoint_every", 1000)),
        seconds=float(getattr(settings, "checkpoint_seconds", 60.0)),
        on_checkpoint=on_checkpoint,
    )
    await asyncio.to_thread(audit_log.sync)  # rebuild the tree from the store first
    await checkpointer.run(stop, report=report, final=final, leading=leading)
