"""InquiryReceipt (رسید استعلام): the hub's own index of the inquiry tracking codes the
registries issued for its cases, so a code's authenticity is checked locally (000 item 3).

A receipt holds no content of the inquiry: which registry issued the code, of what kind,
for which case and agency, and when. Its id derives from the code, so one code can be
recorded once only.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import NAMESPACE, check_actor, check_parsed, raise_if_any
from aggregates.errors import Violation, shown
from aggregates.identifiers import AgencyCode, InquiryTrackingCode, TrackingCode
from aggregates.service_record import InquiryKind

__all__ = ["InquiryReceipt", "InquiryTrackingCode"]


class InquiryReceipt(Aggregate, created_event_name="Recorded"):
    """رسید استعلام: one inquiry tracking code the hub received from a registry.

    Create with :meth:`record`, in the same transaction as the case's InquiryMade event.
    """

    TOPIC = "tabadol.inquiry_receipt"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Recorded(Event, Aggregate.Created):
        """The code was received from the registry for a case."""

        TOPIC = "tabadol.inquiry_receipt.recorded"
        inquiry_tracking_code: str
        kind: str
        issuing_agency: str
        case_tracking_code: str
        requested_by: str
        inquired_at: datetime

    Created = Recorded  # the framework's "created" slot is Recorded, under its topic

    @staticmethod
    def create_id(inquiry_tracking_code: str) -> UUID:
        """Deterministic id: uuid5 of Tabadol's namespace and ``inquiry:<code>``."""
        if InquiryTrackingCode.is_valid(inquiry_tracking_code):
            inquiry_tracking_code = InquiryTrackingCode.parse(inquiry_tracking_code).value
        return uuid5(NAMESPACE, "inquiry:" + inquiry_tracking_code)

    def __init__(
        self,
        inquiry_tracking_code: str,
        kind: str,
        issuing_agency: str,
        case_tracking_code: str,
        requested_by: str,
        inquired_at: datetime,
    ) -> None:
        # Runs when Recorded is applied; use record() to create a receipt.
        self._code = inquiry_tracking_code
        self._kind = InquiryKind(kind)
        self._issuing_agency = issuing_agency
        self._case_tracking_code = case_tracking_code
        self._requested_by = requested_by
        self._inquired_at = inquired_at

    @classmethod
    def record(
        cls,
        inquiry_tracking_code: str,
        kind: InquiryKind,
        issuing_agency: str,
        case_tracking_code: str,
        requested_by: str,
        inquired_at: datetime,
    ) -> InquiryReceipt:
        """A receipt for ``inquiry_tracking_code``, issued by ``issuing_agency`` for the
        case ``case_tracking_code`` that ``requested_by`` handles."""
        v: list[Violation] = []
        code = check_parsed(
            v, InquiryTrackingCode.parse, inquiry_tracking_code, "inquiry_tracking_code"
        )
        if not isinstance(kind, InquiryKind):
            v.append(Violation("kind", f"unknown inquiry kind {shown(kind)}"))
        issuer = check_parsed(v, AgencyCode.parse, issuing_agency, "issuing_agency")
        case_code = check_parsed(v, TrackingCode.parse, case_tracking_code, "tracking_code")
        requester = check_actor(v, requested_by)
        if not isinstance(inquired_at, datetime) or inquired_at.utcoffset() is None:
            v.append(Violation("inquired_at", "the inquiry time must be timezone-aware"))
        raise_if_any(v)
        return cls(
            inquiry_tracking_code=code,
            kind=kind.value,
            issuing_agency=issuer,
            case_tracking_code=case_code,
            requested_by=requester,
            inquired_at=inquired_at,
        )

    @property
    def inquiry_tracking_code(self) -> str:
        """The registry's code, 16 digits."""
        return self._code

    @property
    def kind(self) -> InquiryKind:
        """Which registry's inquiry."""
        return self._kind

    @property
    def issuing_agency(self) -> str:
        """The agency code of the registry that issued the code."""
        return self._issuing_agency

    @property
    def case_tracking_code(self) -> str:
        """The case the inquiry was made for."""
        return self._case_tracking_code

    @property
    def requested_by(self) -> str:
        """The main agency that made the inquiry."""
        return self._requested_by

    @property
    def inquired_at(self) -> datetime:
        """When the registry answered (UTC), as it said."""
        return self._inquired_at
