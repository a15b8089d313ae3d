"""Check a national-window feed entry against the signed log.

Every feed entry carries its log ``position``. To check one, the window asks the hub's
``AuditService.GetInclusionProof(position=…)`` for that event, its log index, its
inclusion proof and the signed checkpoint it is proven in, and calls
:func:`verify_feed_entry` with the hub's published public keys. It proves that

* the checkpoint is signed by a hub key allowed at its size, and the event is its leaf at
  that log index (RFC 9162 inclusion proof): the hub cannot later deny or change it;
* the event belongs to the entry's case (the case's aggregate id derives from its
  tracking code) and is of the entry's kind (its topic): a ``delivered`` entry for a case
  the log shows as ``rejected``, or for another case, is caught;
* when the stored payload is readable (not encrypted at rest), the entry's time, stage,
  step, score, in-person flag, agency and service code equal the event's.

Not proven by the entry alone: the applicant's pseudonym (a keyed HMAC the window
cannot recompute, by design), and the case facts (agency, service) on entries other than
``started``, which come from the case's ``started`` entry, checked the same way. With
encryption at rest the content fields are reported unchecked and only the case, the
kind and the position in the log are proven.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.trail.envelope import Envelope, EnvelopeError
from hub.trail.keys import PublicKeyRing
from hub.trail.merkle import ProofError, verify_inclusion
from hub.trail.subjects import code_subject
from hub.trail.verify import TrailEvent, open_hub_checkpoint

__all__ = ["FEED_TOPICS", "FeedCheck", "FeedEntryForged", "FeedEvidence", "verify_feed_entry"]

FEED_TOPICS = {
    "started": "tabadol.service_case.opened",
    "step_recorded": "tabadol.service_case.step_recorded",
    "stage_completed": "tabadol.service_case.stage_completed",
    "delivered": "tabadol.service_case.delivered",
    "rejected": "tabadol.service_case.rejected",
    "cancelled": "tabadol.service_case.cancelled",
    "rated": "tabadol.service_case.rated",
}
"""The event topic behind each kind of feed entry."""

_CONTENT = {  # feed field -> payload field, per kind
    "started": {"agency": "agency", "service_code": "service_code"},
    "step_recorded": {"stage": "stage", "step": "step"},
    "stage_completed": {"stage": "stage"},
    "delivered": {"in_person": "in_person"},
    "rated": {"score": "score"},
}


class FeedEntryForged(ValueError):
    """The feed entry does not match the signed log; the message says how."""


@dataclass(frozen=True)
class FeedEvidence:
    """What ``GetInclusionProof(position=…)`` answers: the event and its proof."""

    checkpoint: str
    position: int
    log_index: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes
    audit_path: tuple[bytes, ...]


@dataclass(frozen=True)
class FeedCheck:
    """What a verified feed entry is proven to say."""

    log_index: int
    tree_size: int
    key_id: str
    checked: tuple[str, ...]
    unchecked: tuple[str, ...]


def verify_feed_entry(
    entry: Mapping[str, Any], evidence: FeedEvidence, keys: PublicKeyRing
) -> FeedCheck:
    """Check one feed entry (its JSON form) against the log; raise FeedEntryForged."""
    try:
        checkpoint = open_hub_checkpoint(evidence.checkpoint, keys)
    except ValueError as exc:
        raise FeedEntryForged(f"the checkpoint does not verify: {exc}") from None
    event = TrailEvent(
        evidence.position, evidence.aggregate_id, evidence.version, evidence.topic, evidence.state
    )
    try:
        verify_inclusion(
            event.leaf_hash(),
            evidence.log_index,
            checkpoint.size,
            evidence.audit_path,
            checkpoint.root,
        )
    except ProofError as exc:
        raise FeedEntryForged(f"the event is not in the signed log: {exc}") from None
    if entry.get("position") != evidence.position:
        raise FeedEntryForged(
            f"the entry says position {entry.get('position')}, the proof is for the event at"
            f" position {evidence.position}"
        )
    kind = str(entry.get("kind"))
    topic = FEED_TOPICS.get(kind)
    if topic is None:
        raise FeedEntryForged(f"unknown feed entry kind {kind!r}")
    try:
        case_id = str(code_subject(str(entry.get("tracking_code"))).aggregate_id)
    except ValueError as exc:
        raise FeedEntryForged(f"the entry's tracking code is not valid: {exc}") from None
    if evidence.aggregate_id != case_id:
        raise FeedEntryForged(
            f"the entry names case {entry.get('tracking_code')}, but the event at log index"
            f" {evidence.log_index} belongs to another aggregate"
        )
    if evidence.topic != topic:
        raise FeedEntryForged(
            f"the entry says {kind!r}, but the log holds a {evidence.topic!r} event at log"
            f" index {evidence.log_index}"
        )
    checked = ["position", "tracking_code", "kind"]
    content = ["at", *_CONTENT.get(kind, {})]
    payload = _payload(evidence.state)
    if payload is None:
        unchecked = (*content, "subject")
        return FeedCheck(
            evidence.log_index, checkpoint.size, checkpoint.key_id, (*checked,), unchecked
        )
    for field, name in _CONTENT.get(kind, {}).items():
        if entry.get(field) != payload.get(name):
            raise FeedEntryForged(
                f"the entry's {field} is {entry.get(field)!r}, the event's is {payload.get(name)!r}"
            )
    if _event_time(payload) != _entry_time(entry.get("at")):
        raise FeedEntryForged(f"the entry's time {entry.get('at')!r} is not the event's")
    checked += content
    return FeedCheck(
        evidence.log_index, checkpoint.size, checkpoint.key_id, tuple(checked), ("subject",)
    )


def _payload(state: bytes) -> dict[str, Any] | None:
    """The event's fields, or None when the payload is not plain JSON (encrypted)."""
    try:
        value = json.loads(Envelope.from_bytes(state).payload)
    except (EnvelopeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _event_time(payload: Mapping[str, Any]) -> datetime | None:
    stamp = payload.get("timestamp")
    if isinstance(stamp, dict) and stamp.get("_type_") == "datetime_iso":
        try:
            return datetime.fromisoformat(str(stamp.get("_data_"))).astimezone(UTC)
        except ValueError:
            return None
    return None


def _entry_time(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)).astimezone(UTC)
    except ValueError:
        return None
