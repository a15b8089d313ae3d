"""What a bundle subject names, offline: a tracking code's aggregate, or one event.

Tabadol's aggregate ids derive from their codes (uuid5 of Tabadol's namespace and
``<kind>:<code>``), so an auditor computes the aggregate a code names without asking the
hub, and a bundle cannot pass off another aggregate's events as the case's.

========================  ==============  ============================
code                      kind            aggregate id
========================  ==============  ============================
``C-…`` tracking code     case            uuid5(ns, "service-case:" + code)
``K-…`` tracking code     consultation    uuid5(ns, "consultation:" + code)
``P-…`` tracking code     petition        uuid5(ns, "petition:" + code)
16-digit inquiry code     inquiry         uuid5(ns, "inquiry:" + code)
========================  ==============  ============================

A payment code (``F-…``) names no aggregate of its own: bundle its case instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from aggregates._checks import NAMESPACE
from aggregates.errors import InvalidInput
from aggregates.identifiers import InquiryTrackingCode, TrackingCode, TrackingKind

__all__ = ["CodeSubject", "code_subject", "is_code"]

_BY_KIND = {
    TrackingKind.CASE: ("case", "service-case:"),
    TrackingKind.CONSULTATION: ("consultation", "consultation:"),
    TrackingKind.PETITION: ("petition", "petition:"),
}


@dataclass(frozen=True)
class CodeSubject:
    """A code and the one aggregate it names."""

    code: str
    """Canonical form: ``C-7K2M-9QX4-HAB3-Z`` or 16 digits."""
    kind: str
    """case, consultation, petition or inquiry."""
    aggregate_id: UUID


def is_code(text: str) -> bool:
    """Whether ``text`` is written as a code (a kind letter, or 16 digits) rather than an
    event id or a store position; it may still be mistyped."""
    text = text.strip()
    if ":" in text:
        return False
    if InquiryTrackingCode.looks_like(text):
        return len("".join(ch for ch in text if ch.isdigit())) == 16
    return True


def code_subject(text: str, field: str = "subject") -> CodeSubject:
    """The aggregate a tracking code or inquiry code names; InvalidInput if it names none."""
    text = text.strip()
    if InquiryTrackingCode.looks_like(text):
        code = InquiryTrackingCode.parse(text, field=field).value
        return CodeSubject(code, "inquiry", uuid5(NAMESPACE, "inquiry:" + code))
    tracking = TrackingCode.parse(text, field=field)
    found = _BY_KIND.get(tracking.kind)
    if found is None:
        raise InvalidInput.field(
            field,
            f"{tracking.value} is a {tracking.kind.name.lower()} code: it names no record of"
            " its own, bundle its case instead",
        )
    kind, prefix = found
    return CodeSubject(tracking.value, kind, uuid5(NAMESPACE, prefix + tracking.value))
