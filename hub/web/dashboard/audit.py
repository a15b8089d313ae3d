"""The audit page's reader: the latest signed checkpoint and a tracking code's inclusion check.

The check is the auditor's own: it builds the case's evidence bundle (events, RFC 9162
inclusion proofs, the signed checkpoint, the key history) and runs the offline bundle
verifier on its bytes against the hub's published public keys. What the page shows is
content-free: log indexes, event kinds, leaf hashes and proof lengths.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hub.audit.anchors import anchor_store_for, timestamp_of, witnessed_note
from hub.audit.bundles import build_bundle
from hub.audit.checkpoints import AuditLog
from hub.trail.bundle import BundleError, verify_bundle
from hub.trail.keys import KeyHistory, PublicKeyRing
from hub.trail.merkle import ProofError, verify_inclusion
from hub.trail.timestamps import load_tsa_roots, verify_timestamp

__all__ = ["CheckpointInfo", "InclusionCheck", "ProvenEvent", "TrailAudit"]

_SIG_PREFIX = "— "


@dataclass(frozen=True)
class CheckpointInfo:
    origin: str
    tree_size: int
    root_hash: str  # base64, as in the note
    key_id: str
    signed_at: datetime
    note: str  # with the witnesses' cosignature lines
    witnesses: tuple[str, ...]  # cosigners other than the hub itself
    timestamp: str = ""  # the RFC 3161 token's time and TSA, verified against the roots
    timestamp_at: datetime | None = None


@dataclass(frozen=True)
class ProvenEvent:
    log_index: int
    version: int
    kind: str
    leaf_hash: str  # hex
    proof_length: int
    verified: bool


@dataclass(frozen=True)
class InclusionCheck:
    subject: str
    tree_size: int
    events: tuple[ProvenEvent, ...]
    verified: bool
    message: str


def _signers(note: str) -> list[str]:
    block = note[note.rfind("\n\n") + 2 :]
    return [
        line.removeprefix(_SIG_PREFIX).partition(" ")[0]
        for line in block.splitlines()
        if line.startswith(_SIG_PREFIX)
    ]


class TrailAudit:
    """Reads the audit log of a running hub (blocking: call from a worker thread)."""

    def __init__(self, log: AuditLog, history: KeyHistory, tsa_roots: Sequence[Path] = ()) -> None:
        self._log = log
        self._history = history
        self._ring = PublicKeyRing.from_history(history)
        self._anchors = anchor_store_for(log.recorder)
        self._tsa_roots = list(tsa_roots)

    def _timestamp(self, token: str, note: str) -> tuple[str, datetime | None]:
        if not self._tsa_roots:
            return "", None
        try:
            info = verify_timestamp(token, note, load_tsa_roots(self._tsa_roots))
        except ValueError as exc:
            return f"not verified: {exc}", None
        return info.tsa, info.gen_time

    def latest(self) -> CheckpointInfo | None:
        stored = self._log.store.latest()
        if stored is None:
            return None
        origin = self._log.origin
        anchors = self._anchors.for_size(stored.tree_size)
        note = witnessed_note(stored.note, anchors)
        stamped = timestamp_of(anchors)
        tsa, at = self._timestamp(stamped.value, stored.note) if stamped else ("", None)
        return CheckpointInfo(
            origin=origin,
            tree_size=stored.tree_size,
            root_hash=base64.b64encode(stored.root_hash).decode("ascii"),
            key_id=stored.key_id,
            signed_at=datetime.fromisoformat(stored.signed_at.replace("Z", "+00:00")),
            note=note,
            witnesses=tuple(dict.fromkeys(n for n in _signers(note) if n != origin)),
            timestamp=tsa,
            timestamp_at=at,
        )

    def check(self, tracking_code: str) -> InclusionCheck:
        """Build the case's bundle and verify it as an auditor would; never raises on a
        failed verification (the result says so), only on an unknown or invalid code."""
        bundle = build_bundle(self._log, tracking_code, self._history)
        checkpoint = self._log.checkpoint()
        events = []
        for item in bundle.events:
            try:
                verify_inclusion(
                    item.event.leaf_hash(),
                    item.log_index,
                    checkpoint.tree_size,
                    item.proof,
                    checkpoint.root_hash,
                )
                ok = True
            except ProofError:
                ok = False
            events.append(
                ProvenEvent(
                    log_index=item.log_index,
                    version=item.event.version,
                    kind=item.event.topic.rpartition(".")[2],
                    leaf_hash=item.event.leaf_hash().hex(),
                    proof_length=len(item.proof),
                    verified=ok,
                )
            )
        try:
            report = verify_bundle(bundle.to_json().encode("utf-8"), self._ring)
        except BundleError as exc:
            return InclusionCheck(
                bundle.subject, checkpoint.tree_size, tuple(events), False, str(exc)
            )
        message = (
            f"{report.events} events of {report.aggregates} aggregate(s) in the tree of"
            f" {report.tree_size}, signed by {report.key_id}"
        )
        return InclusionCheck(
            bundle.subject,
            report.tree_size,
            tuple(events),
            all(e.verified for e in events),
            message,
        )
