"""Building evidence bundles from the stored log (verification is :mod:`hub.trail.bundle`)."""

from __future__ import annotations

from aggregates.errors import InvalidInput
from aggregates.identifiers import TrackingCode
from hub.audit.checkpoints import AuditLog, LoggedEvent
from hub.trail.bundle import BundledEvent, EvidenceBundle
from hub.trail.keys import KeyHistory

__all__ = ["build_bundle"]


def build_bundle(
    log: AuditLog, subject: str, history: KeyHistory, *, tree_size: int = 0
) -> EvidenceBundle:
    """The evidence for ``subject`` (tracking code, event id or position) in a checkpoint.

    A case's evidence is its events up to the checkpoint; an event's is its aggregate's
    events from version 1 to the next signed one, so the chain verifies offline.
    """
    checkpoint = log.checkpoint(tree_size)
    selected = log.select(subject)
    if subject.strip().isdigit():  # a position means nothing offline: name the event
        subject = selected[0].event.event_id
    elif ":" not in subject:
        subject = TrackingCode.parse(subject, field="subject").value
        selected = [e for e in selected if e.log_index < checkpoint.tree_size]
        if not selected:
            raise InvalidInput.field(
                "subject", f"case {subject} is newer than the latest signed checkpoint"
            )
    context: list[LoggedEvent] = log.chain_context(selected)
    inclusion = log.inclusion(context, checkpoint.tree_size)
    return EvidenceBundle(
        subject,
        checkpoint.note,
        tuple(BundledEvent(e.log_index, e.event, tuple(p)) for e, p in inclusion.proofs),
        history,
    )
