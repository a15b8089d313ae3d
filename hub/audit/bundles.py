"""Building evidence bundles from the stored log (verification is :mod:`hub.trail.bundle`)."""

from __future__ import annotations

from aggregates.errors import InvalidInput, TransitionRefused
from hub.audit.checkpoints import AuditLog, LoggedEvent, LogInconsistent, Watch
from hub.trail.aggregate_map import MAP_EXTENSION, MapProof
from hub.trail.bundle import BundledEvent, EvidenceBundle
from hub.trail.keys import KeyHistory
from hub.trail.signed_note import Checkpoint
from hub.trail.subjects import code_subject, is_code

__all__ = ["build_bundle"]


def build_bundle(
    log: AuditLog,
    subject: str,
    history: KeyHistory,
    *,
    tree_size: int = 0,
    watch: Watch | None = None,
) -> EvidenceBundle:
    """The evidence for ``subject`` in a signed checkpoint (default: the latest).

    ``subject`` is a code (a case, consultation, petition or 16-digit inquiry code: the
    record's events up to the checkpoint, with its aggregate map proof), an event id
    ``<aggregate id>:<version>`` or a store position (that event and its aggregate's
    events from version 1 to the next signed one, so the chain verifies offline).
    ``watch`` wraps the events when the aggregate map is rebuilt from the store (progress).
    """
    checkpoint = log.checkpoint(tree_size)
    subject = subject.strip()
    proof: MapProof | None = None
    if ":" in subject or (subject.isdigit() and not is_code(subject)):
        selected = log.select(subject)
        if subject.isdigit():  # a position means nothing offline: name the event
            subject = selected[0].event.event_id
    else:
        record = code_subject(subject)
        subject = record.code
        selected = [e for e in log.select(subject) if e.log_index < checkpoint.tree_size]
        if not selected:
            raise InvalidInput.field(
                "subject", f"{record.kind} {subject} is newer than the latest signed checkpoint"
            )
        heads = log.aggregate_map(checkpoint.tree_size, watch)
        signed = Checkpoint.parse(checkpoint.note.split("\n\n", 1)[0] + "\n").extensions
        if not any(line.startswith(MAP_EXTENSION + " ") for line in signed):
            raise TransitionRefused(
                f"the checkpoint of size {checkpoint.tree_size} predates aggregate maps, so it"
                " cannot prove a record complete: sign a new one (tabadol audit checkpoint)",
                "tree_size",
            )
        if heads.head().extension() not in signed:
            raise LogInconsistent(
                f"the store's aggregate map at size {checkpoint.tree_size} is not the one its"
                " checkpoint signed: the stored log was changed"
            )
        proof = heads.proof(str(record.aggregate_id))
    context: list[LoggedEvent] = log.chain_context(selected)
    inclusion = log.inclusion(context, checkpoint.tree_size)
    return EvidenceBundle(
        subject,
        checkpoint.note,
        tuple(BundledEvent(e.log_index, e.event, tuple(p)) for e, p in inclusion.proofs),
        proof,
        history,
    )
