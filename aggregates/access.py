"""Access control records (X-Road style): a refused call is itself a signed event.

DESIGN property 3: an access-rights table says which agency may call which service;
a denied call answers PERMISSION_DENIED and is recorded here, in the trail auditors verify.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from aggregates._checks import check_text, raise_if_any
from aggregates.errors import Violation

__all__ = ["DeniedCall"]


class DeniedCall(Aggregate, created_event_name="Denied"):
    """One refused call: which agency called which method, and why it was refused."""

    TOPIC = "tabadol.access.denied_call"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Denied(Event, Aggregate.Created):
        TOPIC = "tabadol.access.denied_call.denied"
        agency: str
        method: str
        reason: str

    Created = Denied  # the framework's "created" slot is Denied, under its topic

    def __init__(self, agency: str, method: str, reason: str) -> None:
        self.agency = agency
        self.method = method
        self.reason = reason

    @classmethod
    def record(cls, agency: str, method: str, reason: str) -> DeniedCall:
        violations: list[Violation] = []
        agency = check_text(violations, "agency", agency, max_length=16)
        method = check_text(violations, "method", method, max_length=200)
        reason = check_text(violations, "reason", reason, max_length=500)
        raise_if_any(violations)
        return cls._create(cls.Denied, agency=agency, method=method, reason=reason)
