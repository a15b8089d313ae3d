"""ServiceCase (پرونده خدمت): one applicant's request for one service, from request to
delivery and the satisfaction rating after it (by-law 002 def. 11-12, 004 art. 6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    LONG_TEXT,
    SHORT_TEXT,
    check_actor,
    check_int,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.applicants import Applicant, ApplicantKind, ForeignNationalId
from aggregates.errors import InvalidInput, TransitionRefused, Violation, shown
from aggregates.identifiers import (
    AgencyCode,
    NationalCode,
    PostalCode,
    ServiceCode,
    TrackingCode,
    TrackingKind,
    case_id,
)
from aggregates.inquiry_receipt import InquiryTrackingCode
from aggregates.service_record import (
    DEFAULT_EVALUATION,
    EvaluationMethod,
    Fee,
    InquiryKind,
    ProcessStep,
    ServiceRecordSpec,
)
from aggregates.stages import Stage
from aggregates.values import copy_sharing_values, value_object

__all__ = [
    "CHANNELS",
    "EXCHANGE_FAILURE_KINDS",
    "INQUIRY_FACTS",
    "PAYMENT_CHANNELS",
    "CasePayment",
    "CaseStatus",
    "ExchangeFailure",
    "InquiryRecord",
    "PaymentStatus",
    "ServiceCase",
    "TimelineEntry",
]

CHANNELS = ("web", "mobile", "counter", "api")

PAYMENT_CHANNELS = ("agency_site", "shetab", "pos")
"""How the applicant pays (004 art. 9): the agency's web site (جایگاه اینترنتی دستگاه),
a Shetab card (شبکه شتاب) or a point-of-sale terminal (پایانه فروش), all through the
treasury switch."""

EXCHANGE_FAILURE_KINDS = ("unavailable", "timeout", "refused", "invalid_answer", "circuit_open")
"""How an exchange with another agency's system failed (the connectors' failure kinds)."""

INQUIRY_FACTS: Mapping[InquiryKind, tuple[str, ...]] = {
    InquiryKind.CIVIL_REGISTRATION: ("alive", "birth_date_matched"),
    InquiryKind.DEEDS_REGISTRY: ("national_id", "status"),
    InquiryKind.POSTAL_CODE: ("province",),
}
"""What a case keeps of each registry's answer: only what the service needs, never the
person's record (names, parents, address line stay with the registry)."""

BIRTH_CERTIFICATE_FACTS = ("alive", "birth_certificate_matched")
"""What a civil-registration inquiry by the birth certificate's serial and series keeps
instead (000 circular item 3)."""

_SYSTEM_TEXT = 64


class CaseStatus(StrEnum):
    """وضعیت پرونده."""

    OPEN = "open"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    """Where the fee payment stands (004 art. 9)."""

    REQUESTED = "requested"  # the intent is recorded; the treasury's answer is not (yet)
    PENDING = "pending"  # the treasury made the payment; not settled yet
    SETTLED = "settled"  # the money reached the revenue account
    DECLINED = "declined"  # the treasury refused it; a new attempt takes a new key


@value_object
@dataclass(frozen=True)
class InquiryRecord:
    """One inquiry made for the case: the registry's tracking code and only the facts the
    service needs (:data:`INQUIRY_FACTS`), read-only."""

    kind: InquiryKind
    inquiry_tracking_code: str
    system: str
    issuing_agency: str
    facts: MappingProxyType[str, str | bool]
    inquired_at: datetime
    by: str


@value_object
@dataclass(frozen=True)
class CasePayment:
    """The case's current fee payment attempt."""

    idempotency_key: str
    attempt: int
    amount_rials: int
    revenue_account: str
    status: PaymentStatus
    payment_id: str = ""
    settlement_reference: str = ""
    settled_at: datetime | None = None
    failure_reason: str = ""
    channel: str = ""

    @property
    def outstanding(self) -> bool:
        """Whether the treasury's final word (settled or declined) is still awaited."""
        return self.status in (PaymentStatus.REQUESTED, PaymentStatus.PENDING)


@value_object
@dataclass(frozen=True)
class ExchangeFailure:
    """A failed exchange with another agency's system, as recorded on the case."""

    system: str
    operation: str
    kind: str
    reason: str
    by: str
    at: datetime


@value_object
@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's history, for the applicant and the national window.

    ``kind`` is one of opened, step_recorded, stage_completed, delivered, rejected,
    cancelled, rated, identity_verified, inquiry_made, payment_requested,
    payment_accepted, payment_settled, payment_declined, exchange_failed; ``note`` holds
    the note, reason, rating comment or what the exchange gave.
    """

    kind: str
    stage: Stage
    step: str
    note: str
    by: str
    at: datetime


class ServiceCase(Aggregate, created_event_name="Opened"):
    """پرونده خدمت: moves through request → production → delivery, or ends rejected or
    cancelled; a delivered case can be rated once.

    Every command checks everything before it triggers an event, so a refused
    command changes nothing.
    """

    TOPIC = "tabadol.service_case"
    __deepcopy__ = copy_sharing_values  # the repository copies a case for every command

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Opened(Event, Aggregate.Created):
        """The case was opened under a tracking code, from one record revision."""

        TOPIC = "tabadol.service_case.opened"
        tracking_code: str
        service_code: str
        record_revision: int
        agency: str
        applicant_national_code: str
        channel: str
        process: list[dict[str, Any]]
        time_limit_hours: int
        in_person_required: bool
        by: str
        required_inquiries: list[str]
        identity_level: int
        fee: dict[str, Any] | None
        evaluation: dict[str, Any]
        forms: dict[str, Any]
        applicant_kind: str
        legal_person_national_id: str
        applicant_postal_code: str
        counter: str

        # Version 2 keeps what the exchanges need from the record: its inquiries, identity
        # level and fee. Cases opened before (version 1) need none of them.
        # Version 3 keeps the record's evaluation method (what the applicant is asked, and
        # for how long) and the e-form data submitted; older cases read the default method.
        # Version 4: the applicant's kind (002 def. 10), a legal person's national id and
        # the postal code (004 art. 11). Cases opened before were natural persons with no
        # postal code recorded ('').
        # Version 5: the service counter the case came through (004 art. 14), '' when the
        # agency opened it itself, as every case before did.
        class_version = 5

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("required_inquiries", [])
            state.setdefault("identity_level", 0)
            state.setdefault("fee", None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.setdefault("evaluation", DEFAULT_EVALUATION.to_dict())
            state.setdefault("forms", {})

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state.setdefault("applicant_kind", ApplicantKind.NATURAL.value)
            state.setdefault("legal_person_national_id", "")
            state.setdefault("applicant_postal_code", "")

        @staticmethod
        def upcast_v4_v5(state: dict[str, Any]) -> None:
            state.setdefault("counter", "")

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._note("opened", Stage.REQUEST, "", "", self.by, self.timestamp)

    Created = Opened  # the framework's "created" slot is Opened, under its topic

    class StepRecorded(Event):
        """A step of the current stage was done."""

        TOPIC = "tabadol.service_case.step_recorded"
        stage: str
        step: str
        note: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            stage = Stage(self.stage)
            aggregate._recorded.append((stage, self.step))
            aggregate._note("step_recorded", stage, self.step, self.note, self.by, self.timestamp)

    class StageCompleted(Event):
        """The current stage ended; the next one began."""

        TOPIC = "tabadol.service_case.stage_completed"
        stage: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            stage = Stage(self.stage)
            aggregate._stage = stage.next or stage
            aggregate._note("stage_completed", stage, "", "", self.by, self.timestamp)

    class Delivered(Event):
        """The service was delivered to the applicant."""

        TOPIC = "tabadol.service_case.delivered"
        in_person: bool
        note: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._status = CaseStatus.DELIVERED
            aggregate._delivered_in_person = self.in_person
            aggregate._closed_at = self.timestamp
            aggregate._note("delivered", aggregate._stage, "", self.note, self.by, self.timestamp)

    class Rejected(Event):
        """The agency refused the request, with a reason."""

        TOPIC = "tabadol.service_case.rejected"
        reason: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._status = CaseStatus.REJECTED
            aggregate._closed_at = self.timestamp
            aggregate._note("rejected", aggregate._stage, "", self.reason, self.by, self.timestamp)

    class Cancelled(Event):
        """The case was withdrawn, with a reason."""

        TOPIC = "tabadol.service_case.cancelled"
        reason: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._status = CaseStatus.CANCELLED
            aggregate._closed_at = self.timestamp
            aggregate._note("cancelled", aggregate._stage, "", self.reason, self.by, self.timestamp)

    class Rated(Event):
        """The applicant rated the delivered service (002 art. 8): an answer per question of
        the record's evaluation method; ``score`` is their mean on a 1-5 scale, rounded."""

        TOPIC = "tabadol.service_case.rated"
        score: int
        comment: str
        by: str
        answers: dict[str, int]

        class_version = 2  # version 1 had the score only

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("answers", {"overall": state["score"]})

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._satisfaction = (self.score, self.comment)
            aggregate._answers = dict(self.answers)
            aggregate._note("rated", aggregate._stage, "", self.comment, self.by, self.timestamp)

    class CorrectionRequested(Event):
        """The agency sent the request back to the applicant to correct (rework): the case
        returns to the request stage and its steps are done again."""

        TOPIC = "tabadol.service_case.correction_requested"
        reason: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            stage = aggregate._stage
            aggregate._stage = Stage.REQUEST
            aggregate._recorded = []
            aggregate._corrections += 1
            aggregate._note("correction_requested", stage, "", self.reason, self.by, self.timestamp)

    class IdentityVerified(Event):
        """The applicant's identity was verified online at an assurance level (004 art. 12)."""

        TOPIC = "tabadol.service_case.identity_verified"
        level: int
        system: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._identity_level = max(aggregate._identity_level, self.level)
            note = f"assurance level {self.level} ({self.system})"
            aggregate._note(
                "identity_verified", aggregate._stage, "", note, self.by, self.timestamp
            )

    class RepresentationConfirmed(Event):
        """The deeds registry confirmed that the case's representative acts for the legal
        person applicant (004 art. 11 note 3)."""

        TOPIC = "tabadol.service_case.representation_confirmed"
        national_id: str
        role: str
        inquiry_tracking_code: str
        system: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._representation = (self.role, self.inquiry_tracking_code)
            note = (
                f"representative ({self.role}) of {self.national_id}: {self.inquiry_tracking_code}"
            )
            aggregate._note(
                "representation_confirmed", aggregate._stage, "", note, self.by, self.timestamp
            )

    class InquiryMade(Event):
        """An inquiry was made of another agency's registry (004 art. 6)."""

        TOPIC = "tabadol.service_case.inquiry_made"
        kind: str
        inquiry_tracking_code: str
        system: str
        issuing_agency: str
        facts: dict[str, str | bool]
        inquired_at: datetime
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            kind = InquiryKind(self.kind)
            aggregate._inquiries[kind] = InquiryRecord(
                kind=kind,
                inquiry_tracking_code=self.inquiry_tracking_code,
                system=self.system,
                issuing_agency=self.issuing_agency,
                facts=MappingProxyType(dict(self.facts)),
                inquired_at=self.inquired_at,
                by=self.by,
            )
            note = f"{kind.value} {self.inquiry_tracking_code} ({self.issuing_agency})"
            aggregate._note("inquiry_made", aggregate._stage, "", note, self.by, self.timestamp)

    class PaymentRequested(Event):
        """The intent to charge the fee, recorded before the treasury is called."""

        TOPIC = "tabadol.service_case.payment_requested"
        idempotency_key: str
        amount_rials: int
        revenue_account: str
        by: str
        channel: str

        # Version 2: the payment channel (004 art. 9); '' for payments recorded before.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("channel", "")

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._payment_attempts += 1
            aggregate._payment = CasePayment(
                idempotency_key=self.idempotency_key,
                attempt=aggregate._payment_attempts,
                amount_rials=self.amount_rials,
                revenue_account=self.revenue_account,
                status=PaymentStatus.REQUESTED,
                channel=self.channel,
            )
            via = f" via {self.channel}" if self.channel else ""
            note = f"{self.amount_rials} rials{via}, key {self.idempotency_key}"
            aggregate._note(
                "payment_requested", aggregate._stage, "", note, self.by, self.timestamp
            )

    class PaymentAccepted(Event):
        """The treasury made the payment; it is pending settlement."""

        TOPIC = "tabadol.service_case.payment_accepted"
        idempotency_key: str
        payment_id: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._payment = replace(
                aggregate._current_payment(),
                status=PaymentStatus.PENDING,
                payment_id=self.payment_id,
            )
            note = f"payment {self.payment_id} pending"
            aggregate._note("payment_accepted", aggregate._stage, "", note, self.by, self.timestamp)

    class PaymentSettled(Event):
        """The fee reached the revenue account (an electronic financial document)."""

        TOPIC = "tabadol.service_case.payment_settled"
        idempotency_key: str
        payment_id: str
        settlement_reference: str
        settled_at: datetime
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._payment = replace(
                aggregate._current_payment(),
                status=PaymentStatus.SETTLED,
                payment_id=self.payment_id,
                settlement_reference=self.settlement_reference,
                settled_at=self.settled_at,
            )
            note = f"payment {self.payment_id} settled, reference {self.settlement_reference}"
            aggregate._note("payment_settled", aggregate._stage, "", note, self.by, self.timestamp)

    class PaymentDeclined(Event):
        """The treasury refused the payment; a new attempt takes a new idempotency key."""

        TOPIC = "tabadol.service_case.payment_declined"
        idempotency_key: str
        payment_id: str
        reason: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._payment = replace(
                aggregate._current_payment(),
                status=PaymentStatus.DECLINED,
                payment_id=self.payment_id,
                failure_reason=self.reason,
            )
            aggregate._note(
                "payment_declined", aggregate._stage, "", self.reason, self.by, self.timestamp
            )

    class ExchangeFailed(Event):
        """An exchange with another agency's system failed: an outcome, kept on the case."""

        TOPIC = "tabadol.service_case.exchange_failed"
        system: str
        operation: str
        kind: str
        reason: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            failure = ExchangeFailure(
                self.system, self.operation, self.kind, self.reason, self.by, self.timestamp
            )
            aggregate._failures.append(failure)
            note = f"{self.system} {self.operation}: {self.kind}: {self.reason}"
            aggregate._note("exchange_failed", aggregate._stage, "", note, self.by, self.timestamp)

    @staticmethod
    def create_id(tracking_code: str) -> UUID:
        """Deterministic id: uuid5 of Tabadol's namespace and ``service-case:<code>``.

        A code typed loosely (lowercase, no dashes) maps to the same id as its
        canonical form.
        """
        return case_id(tracking_code)

    def __init__(
        self,
        tracking_code: str,
        service_code: str,
        record_revision: int,
        agency: str,
        applicant_national_code: str,
        channel: str,
        process: list[dict[str, Any]],
        time_limit_hours: int,
        in_person_required: bool,
        by: str,
        required_inquiries: list[str] | None = None,
        identity_level: int = 0,
        fee: dict[str, Any] | None = None,
        evaluation: dict[str, Any] | None = None,
        forms: dict[str, Any] | None = None,
        applicant_kind: str = ApplicantKind.NATURAL.value,
        legal_person_national_id: str = "",
        applicant_postal_code: str = "",
        counter: str = "",
    ) -> None:
        # Runs when Opened is applied; use open() to open a case.
        self._tracking_code = tracking_code
        self._service_code = service_code
        self._record_revision = record_revision
        self._agency = agency
        self._applicant_national_code = applicant_national_code
        self._channel = channel
        self._process = tuple(ProcessStep.from_dict(step) for step in process)
        self._time_limit_hours = time_limit_hours
        self._in_person_required = in_person_required
        self._opened_by = by
        self._status = CaseStatus.OPEN
        self._stage = Stage.REQUEST
        self._recorded: list[tuple[Stage, str]] = []
        self._satisfaction: tuple[int, str] | None = None
        self._delivered_in_person: bool | None = None
        self._closed_at: datetime | None = None
        self._timeline: list[TimelineEntry] = []
        self._required_inquiries = tuple(InquiryKind(k) for k in required_inquiries or ())
        self._required_identity_level = identity_level
        self._fee = None if fee is None else Fee.from_dict(fee)
        self._identity_level = 0
        self._inquiries: dict[InquiryKind, InquiryRecord] = {}
        self._payment: CasePayment | None = None
        self._payment_attempts = 0
        self._failures: list[ExchangeFailure] = []
        self._evaluation = (
            DEFAULT_EVALUATION if evaluation is None else EvaluationMethod.from_dict(evaluation)
        )
        self._forms = dict(forms or {})
        self._answers: dict[str, int] = {}
        self._corrections = 0
        self._applicant_kind = ApplicantKind(applicant_kind)
        self._legal_person_national_id = legal_person_national_id
        self._postal_code = applicant_postal_code
        self._representation: tuple[str, str] | None = None
        self._counter = counter

    def _note(self, kind: str, stage: Stage, step: str, note: str, by: str, at: datetime) -> None:
        self._timeline.append(TimelineEntry(kind, stage, step, note, by, at))

    # --- commands ------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        tracking_code: TrackingCode,
        service_code: str,
        record_revision: int,
        record: ServiceRecordSpec,
        applicant: NationalCode | Applicant,
        agency: str,
        channel: str,
        by: str,
        forms: Mapping[str, Any] | None = None,
        *,
        postal_code: PostalCode,
        counter: str = "",
    ) -> ServiceCase:
        """Open a case for ``applicant`` under a CASE tracking code, following revision
        ``record_revision`` of the service record ``record``. The applicant is a natural
        person (a national code), a legal person through its representative, or a foreign
        national (002 def. 10); the postal code is on every case (004 art. 11).

        ``forms`` maps each required document's name to its e-form data, checked against
        the document's JSON Schema; every problem is a violation under
        ``forms[<name>]<path>``. ``counter``: the code of the service counter the case
        came through (004 art. 14), '' when the agency opens it itself.
        """
        v: list[Violation] = []
        submitted = _checked_forms(v, record, forms or {})
        if not isinstance(tracking_code, TrackingCode):
            v.append(Violation("tracking_code", "tracking code must be parsed first"))
        elif tracking_code.kind is not TrackingKind.CASE:
            v.append(
                Violation(
                    "tracking_code",
                    f"a service case needs a case tracking code (starting with"
                    f" {TrackingKind.CASE.value}), got kind {tracking_code.kind.value}",
                )
            )
        code = check_parsed(v, ServiceCode.parse, service_code, "service_code")
        revision = check_int(v, "record_revision", record_revision, 1, 2**31 - 1, "record revision")
        if isinstance(applicant, NationalCode):
            applicant = Applicant(ApplicantKind.NATURAL, applicant.value)
        if not isinstance(applicant, Applicant):
            v.append(Violation("applicant_national_code", "national code must be parsed first"))
            applicant = Applicant(ApplicantKind.NATURAL, "")
        if not isinstance(postal_code, PostalCode):
            v.append(
                Violation("postal_code", "the applicant's postal code is required (004 art. 11)")
            )
        agency_code = check_parsed(v, AgencyCode.parse, agency, "agency")
        counter_code = check_parsed(v, AgencyCode.parse, counter, "counter") if counter else ""
        chosen = channel.strip().lower() if isinstance(channel, str) else ""
        if chosen not in CHANNELS:
            v.append(
                Violation(
                    "channel", f"channel must be one of {', '.join(CHANNELS)}, got {shown(channel)}"
                )
            )
        actor = check_actor(v, by)
        raise_if_any(v)
        return cls(
            tracking_code=tracking_code.value,
            service_code=code,
            record_revision=revision,
            agency=agency_code,
            applicant_national_code=applicant.acting_person,
            channel=chosen,
            process=[step.to_dict() for step in record.process],
            time_limit_hours=record.time_limit_hours,
            in_person_required=record.in_person_required,
            by=actor,
            required_inquiries=[kind.value for kind in record.required_inquiries],
            identity_level=record.identity_level,
            fee=None if record.fee is None else record.fee.to_dict(),
            evaluation=record.evaluation.to_dict(),
            forms=submitted,
            applicant_kind=applicant.kind.value,
            legal_person_national_id=(
                applicant.identifier if applicant.kind is ApplicantKind.LEGAL else ""
            ),
            applicant_postal_code=postal_code.value,
            counter=counter_code,
        )

    def record_step(self, step: str, by: str, note: str = "") -> None:
        """Record that ``step`` of the current stage was done."""
        self._require_open("record a step")
        v: list[Violation] = []
        name = check_text(v, "step", step, max_length=SHORT_TEXT, what="step")
        step_is_text = not v
        text = check_text(v, "note", note, max_length=LONG_TEXT, required=False, what="note")
        actor = check_actor(v, by)
        # Only the service record's own step names: they are public catalogue text, so the
        # national-window feed (002 art. 8 note 1) can carry them without any content.
        allowed = self.steps_for(self._stage)
        if step_is_text and name not in allowed:
            expected = (
                f"expected one of: {', '.join(allowed)}"
                if allowed
                else "the service record names no steps for this stage: complete it instead"
            )
            v.append(
                Violation(
                    "step",
                    f"{shown(name)} is not a step of the {self._stage.value} stage; {expected}",
                )
            )
        raise_if_any(v)
        if (self._stage, name) in self._recorded:
            msg = f"step {name!r} was already recorded in the {self._stage.value} stage"
            raise TransitionRefused(msg, field="step")
        self.trigger_event(
            self.StepRecorded, stage=self._stage.value, step=name, note=text, by=actor
        )

    def complete_stage(self, stage: Stage, by: str) -> None:
        """End the current stage (request or production); the next one begins."""
        self._require_open("complete a stage")
        v: list[Violation] = []
        actor = check_actor(v, by)
        ending = next((s for s in Stage if s == stage), None)
        if ending is None:
            allowed = ", ".join(s.value for s in Stage)
            v.append(Violation("stage", f"stage must be one of {allowed}, got {shown(stage)}"))
        raise_if_any(v)
        assert ending is not None  # raise_if_any raised otherwise
        if ending is not self._stage:
            msg = f"the case is in the {self._stage.value} stage, not {ending.value}"
            raise TransitionRefused(msg, field="stage")
        if ending is Stage.DELIVERY:
            msg = "the delivery stage is not completed this way: use deliver"
            raise TransitionRefused(msg, field="stage")
        self._require_steps_done(ending)
        if ending is Stage.REQUEST and not self.identity_sufficient:
            msg = (
                f"the applicant's identity is not verified at assurance level"
                f" {self._required_identity_level} or higher yet (004 art. 12):"
                " verify it before production starts"
            )
            raise TransitionRefused(msg, field="identity")
        self.trigger_event(self.StageCompleted, stage=ending.value, by=actor)

    def deliver(self, by: str, in_person: bool = False, note: str = "") -> None:
        """Deliver the service; the case must be in the delivery stage with its steps done."""
        self._require_open("deliver")
        v: list[Violation] = []
        actor = check_actor(v, by)
        text = check_text(v, "note", note, max_length=LONG_TEXT, required=False, what="note")
        if not isinstance(in_person, bool):
            v.append(Violation("in_person", "in person must be true or false"))
        raise_if_any(v)
        if self._stage is not Stage.DELIVERY:
            msg = f"the case is in the {self._stage.value} stage; complete it before delivering"
            raise TransitionRefused(msg, field="stage")
        self._require_steps_done(Stage.DELIVERY)
        missing = self.missing_for_delivery()
        if missing:
            msg = f"cannot deliver yet, still missing: {'; '.join(missing)}"
            raise TransitionRefused(msg, field="prerequisites")
        self.trigger_event(self.Delivered, in_person=in_person, note=text, by=actor)

    def reject(self, reason: str, by: str) -> None:
        """Refuse the request (the agency's decision), with a reason."""
        self._require_open("reject")
        text, actor = self._reason_and_actor(reason, by)
        self.trigger_event(self.Rejected, reason=text, by=actor)

    def cancel(self, reason: str, by: str) -> None:
        """Withdraw the case, with a reason."""
        self._require_open("cancel")
        text, actor = self._reason_and_actor(reason, by)
        self.trigger_event(self.Cancelled, reason=text, by=actor)

    def rate(
        self,
        answers: Mapping[str, int] | int,
        comment: str,
        by: str,
        *,
        now: datetime | None = None,
    ) -> None:
        """The applicant's answers to the record's questions, on its scale, once, in the
        rating window: from delivery until ``window_days`` after it (002 art. 8:
        immediately after delivery). A bare number answers a one-question method."""
        if self._status is not CaseStatus.DELIVERED:
            msg = f"only a delivered case can be rated; this case is {self._status.value}"
            raise TransitionRefused(msg, field="status")
        if self._satisfaction is not None:
            raise TransitionRefused("the case is already rated", field="score")
        window = self.rating_window
        assert window is not None
        moment = now or datetime.now(UTC)
        if moment >= window[1]:
            msg = (
                f"the rating window closed {self._evaluation.window_days} days after"
                f" delivery, at {window[1].isoformat()} (002 art. 8)"
            )
            raise TransitionRefused(msg, field="window")
        method = self._evaluation
        v: list[Violation] = []
        if isinstance(answers, Mapping):
            given = dict(answers)
            fields = {q.key: f"answers.{q.key}" for q in method.questions}
        elif len(method.questions) == 1:  # a bare score answers the only question
            given = {method.questions[0].key: answers}
            fields = {method.questions[0].key: "score"}
        else:
            keys = ", ".join(q.key for q in method.questions)
            raise InvalidInput.field("answers", f"answer each question: {keys}")
        checked: dict[str, int] = {}
        for question in method.questions:
            field = fields[question.key]
            if question.key not in given:
                v.append(Violation(field, f"answer {question.text_en!r} / {question.text_fa}"))
                continue
            checked[question.key] = check_int(
                v, field, given.pop(question.key), method.scale_min, method.scale_max, "answer"
            )
        for extra in sorted(given):
            v.append(Violation(f"answers.{extra}", "not a question of this service"))
        text = check_text(
            v, "comment", comment, max_length=LONG_TEXT, required=False, what="comment"
        )
        actor = check_actor(v, by)
        raise_if_any(v)
        mean = sum(checked.values()) / len(checked)
        score = max(1, min(5, round(method.normalized(mean))))
        self.trigger_event(self.Rated, score=score, comment=text, by=actor, answers=checked)

    def request_correction(self, reason: str, by: str) -> None:
        """Send the request back to the applicant to correct (counted as rework, 002 art. 8);
        only before delivery, from the request or production stage."""
        self._require_open("request a correction")
        text, actor = self._reason_and_actor(reason, by)
        if self._stage is Stage.DELIVERY:
            msg = "the case is in the delivery stage: it cannot go back for correction"
            raise TransitionRefused(msg, field="stage")
        self.trigger_event(self.CorrectionRequested, reason=text, by=actor)

    # --- exchanges with other agencies' systems ----------------------------------------

    def check_can_verify_identity(self) -> None:
        """Refuse (before the identity provider is asked) when the case is closed."""
        self._require_open("verify the applicant's identity")

    def verify_identity(self, national_code: str, level: int, system: str, by: str) -> None:
        """Record that the applicant signed in at assurance ``level`` (1..4), as told by the
        identity provider ``system``; the token must be the applicant's own and its level
        at least the record's (004 art. 11-12)."""
        self._require_open("verify the applicant's identity")
        v: list[Violation] = []
        parse = (
            ForeignNationalId.parse
            if self._applicant_kind is ApplicantKind.FOREIGN
            else NationalCode.parse
        )
        code = check_parsed(v, parse, national_code, "national_code")
        value = check_int(v, "assurance_level", level, 1, 4, "assurance level")
        source = check_text(v, "system", system, max_length=_SYSTEM_TEXT, what="system")
        actor = check_actor(v, by)
        raise_if_any(v)
        if code != self._applicant_national_code:
            msg = "the token is another person's: it does not belong to the case's applicant"
            raise TransitionRefused(msg, field="applicant_token")
        if value < self._required_identity_level:
            msg = (
                f"the applicant signed in at assurance level {value}; this service requires"
                f" level {self._required_identity_level} or higher"
            )
            raise TransitionRefused(msg, field="applicant_token")
        self.trigger_event(self.IdentityVerified, level=value, system=source, by=actor)

    def confirm_representation(
        self, role: str, inquiry_tracking_code: str, system: str, by: str
    ) -> None:
        """Record that the deeds registry confirmed the representative acts for the legal
        person applicant, with the registry's inquiry tracking code."""
        self._require_open("confirm the representative")
        if self._applicant_kind is not ApplicantKind.LEGAL:
            msg = "only a legal person's case has a representative to confirm"
            raise TransitionRefused(msg, field="applicant_kind")
        v: list[Violation] = []
        what = check_text(v, "role", role, max_length=_SYSTEM_TEXT, what="role")
        code = check_parsed(
            v, InquiryTrackingCode.parse, inquiry_tracking_code, "inquiry_tracking_code"
        )
        source = check_text(v, "system", system, max_length=_SYSTEM_TEXT, what="system")
        actor = check_actor(v, by)
        raise_if_any(v)
        self.trigger_event(
            self.RepresentationConfirmed,
            national_id=self._legal_person_national_id,
            role=what,
            inquiry_tracking_code=code,
            system=source,
            by=actor,
        )

    def check_can_make_inquiry(self, kind: InquiryKind) -> None:
        """Refuse (before the registry is asked) an inquiry the case may not make: the case
        is closed, the record does not call for it, or it was made already."""
        self._require_open("make an inquiry")
        if not isinstance(kind, InquiryKind):
            raise InvalidInput.field("kind", f"unknown inquiry kind {shown(kind)}")
        if kind not in self._required_inquiries:
            needed = ", ".join(k.value for k in self._required_inquiries) or "none"
            msg = (
                f"the service record does not call for a {kind.value} inquiry, and a case"
                f" asks only what its service needs (it calls for: {needed})"
            )
            raise TransitionRefused(msg, field="kind")
        made = self._inquiries.get(kind)
        if made is not None:
            msg = (
                f"the {kind.value} inquiry was already made: tracking code"
                f" {made.inquiry_tracking_code}"
            )
            raise TransitionRefused(msg, field="kind")

    def record_inquiry(
        self,
        kind: InquiryKind,
        inquiry_tracking_code: str,
        system: str,
        issuing_agency: str,
        facts: Mapping[str, str | bool],
        inquired_at: datetime,
        by: str,
    ) -> None:
        """Record an answered inquiry with the registry's tracking code and only the facts
        the service needs (:data:`INQUIRY_FACTS`)."""
        self.check_can_make_inquiry(kind)
        v: list[Violation] = []
        code = check_parsed(
            v, InquiryTrackingCode.parse, inquiry_tracking_code, "inquiry_tracking_code"
        )
        source = check_text(v, "system", system, max_length=_SYSTEM_TEXT, what="system")
        issuer = check_parsed(v, AgencyCode.parse, issuing_agency, "issuing_agency")
        kept = _checked_facts(v, kind, facts)
        if not isinstance(inquired_at, datetime) or inquired_at.utcoffset() is None:
            v.append(Violation("inquired_at", "the inquiry time must be timezone-aware"))
        actor = check_actor(v, by)
        raise_if_any(v)
        self.trigger_event(
            self.InquiryMade,
            kind=kind.value,
            inquiry_tracking_code=code,
            system=source,
            issuing_agency=issuer,
            facts=kept,
            inquired_at=inquired_at,
            by=actor,
        )

    def payment_key(self, attempt: int) -> str:
        """The idempotency key of payment ``attempt``: derived from the tracking code, so a
        retry (or a restart) can only ever find the same payment."""
        return f"{self._tracking_code}:fee:{attempt}"

    def request_payment(self, by: str, channel: str = "agency_site") -> None:
        """Record the intent to charge the record's fee, before the treasury is called,
        and the channel it is paid through (:data:`PAYMENT_CHANNELS`).

        Refused when there is no fee, the applicant's identity is not verified, or a
        payment is already under way or settled; after a declined payment a new attempt
        takes the next key.
        """
        self._require_open("pay the fee")
        v: list[Violation] = []
        actor = check_actor(v, by)
        via = channel.strip().lower() if isinstance(channel, str) else ""
        if via not in PAYMENT_CHANNELS:
            allowed = ", ".join(PAYMENT_CHANNELS)
            v.append(
                Violation("channel", f"payment channel must be one of {allowed}, got {channel!r}")
            )
        raise_if_any(v)
        if self._fee is None:
            raise TransitionRefused("this service has no fee to pay", field="fee")
        if not self.identity_sufficient:
            msg = (
                "the payer is the applicant: verify the applicant's identity at assurance"
                f" level {self._required_identity_level} before paying"
            )
            raise TransitionRefused(msg, field="identity")
        current = self._payment
        if current is not None and current.status is PaymentStatus.SETTLED:
            msg = f"the fee is already paid: payment {current.payment_id}"
            raise TransitionRefused(msg, field="payment")
        if current is not None and current.outstanding:
            msg = (
                f"a payment is already under way (key {current.idempotency_key},"
                f" {current.status.value}): ask the treasury for its outcome"
            )
            raise TransitionRefused(msg, field="payment")
        self.trigger_event(
            self.PaymentRequested,
            idempotency_key=self.payment_key(self._payment_attempts + 1),
            amount_rials=self._fee.tariff_rials,
            revenue_account=self._fee.revenue_account,
            by=actor,
            channel=via,
        )

    def record_payment(
        self,
        idempotency_key: str,
        payment_id: str,
        status: str,
        by: str,
        *,
        settlement_reference: str = "",
        settled_at: datetime | None = None,
        failure_reason: str = "",
    ) -> None:
        """Record what the treasury says of the payment under ``idempotency_key``:
        ``pending``, ``settled`` or ``failed``. Recording what is already known changes
        nothing; a closed case still records it (the money moved either way)."""
        current = self._payment
        if current is None or current.idempotency_key != idempotency_key:
            msg = f"no payment was requested under the key {idempotency_key!r}"
            raise TransitionRefused(msg, field="idempotency_key")
        v: list[Violation] = []
        pid = check_text(v, "payment_id", payment_id, max_length=_SYSTEM_TEXT, what="payment id")
        actor = check_actor(v, by)
        if status not in ("pending", "settled", "failed"):
            v.append(
                Violation(
                    "status", f"status must be pending, settled or failed, got {shown(status)}"
                )
            )
        if status == "settled":
            check_text(
                v,
                "settlement_reference",
                settlement_reference,
                max_length=_SYSTEM_TEXT,
                what="settlement reference",
            )
            if not isinstance(settled_at, datetime) or settled_at.utcoffset() is None:
                v.append(Violation("settled_at", "the settlement time must be timezone-aware"))
        reason = check_text(
            v,
            "failure_reason",
            failure_reason or "declined",
            max_length=LONG_TEXT,
            what="failure reason",
        )
        raise_if_any(v)
        if current.payment_id and current.payment_id != pid:
            msg = (
                f"the treasury answered with payment {pid}, but key {idempotency_key} made"
                f" payment {current.payment_id}"
            )
            raise TransitionRefused(msg, field="payment_id")
        final = current.status in (PaymentStatus.SETTLED, PaymentStatus.DECLINED)
        if status == "pending":
            if current.status is PaymentStatus.REQUESTED:
                self.trigger_event(
                    self.PaymentAccepted, idempotency_key=idempotency_key, payment_id=pid, by=actor
                )
        elif status == "settled":
            if current.status is PaymentStatus.DECLINED:
                raise TransitionRefused("a declined payment cannot settle", field="status")
            if not final:
                self.trigger_event(
                    self.PaymentSettled,
                    idempotency_key=idempotency_key,
                    payment_id=pid,
                    settlement_reference=settlement_reference.strip(),
                    settled_at=settled_at,
                    by=actor,
                )
        else:
            if current.status is PaymentStatus.SETTLED:
                raise TransitionRefused("a settled payment cannot be declined", field="status")
            if not final:
                self.trigger_event(
                    self.PaymentDeclined,
                    idempotency_key=idempotency_key,
                    payment_id=pid,
                    reason=reason,
                    by=actor,
                )

    def record_exchange_failure(
        self, system: str, operation: str, kind: str, reason: str, by: str
    ) -> None:
        """Record that an exchange with ``system`` failed: unavailable, timeout, refused,
        invalid_answer or circuit_open, with the reason. The case stays as it was, so a
        later retry continues it."""
        v: list[Violation] = []
        source = check_text(v, "system", system, max_length=_SYSTEM_TEXT, what="system")
        op = check_text(v, "operation", operation, max_length=_SYSTEM_TEXT, what="operation")
        if kind not in EXCHANGE_FAILURE_KINDS:
            allowed = ", ".join(EXCHANGE_FAILURE_KINDS)
            v.append(Violation("kind", f"failure kind must be one of {allowed}, got {shown(kind)}"))
        text = check_text(v, "reason", reason, max_length=LONG_TEXT, what="reason")
        actor = check_actor(v, by)
        raise_if_any(v)
        self.trigger_event(
            self.ExchangeFailed, system=source, operation=op, kind=kind, reason=text, by=actor
        )

    # --- guards ----------------------------------------------------------------------

    def _require_open(self, action: str) -> None:
        if self._status is not CaseStatus.OPEN:
            msg = f"cannot {action}: the case is {self._status.value}"
            raise TransitionRefused(msg, field="status")

    def _require_steps_done(self, stage: Stage) -> None:
        missing = [name for name in self.steps_for(stage) if not self.step_recorded(stage, name)]
        if missing:
            msg = f"the {stage.value} stage has steps not yet recorded: {', '.join(missing)}"
            raise TransitionRefused(msg, field="stage")

    def _current_payment(self) -> CasePayment:
        assert self._payment is not None  # payment events follow PaymentRequested
        return self._payment

    @staticmethod
    def _reason_and_actor(reason: str, by: str) -> tuple[str, str]:
        v: list[Violation] = []
        text = check_text(v, "reason", reason, max_length=LONG_TEXT, what="reason")
        actor = check_actor(v, by)
        raise_if_any(v)
        return text, actor

    # --- read side -------------------------------------------------------------------

    @property
    def tracking_code(self) -> str:
        """کد رهگیری, canonical form."""
        return self._tracking_code

    @property
    def service_code(self) -> str:
        """The service's code in the catalogue."""
        return self._service_code

    @property
    def record_revision(self) -> int:
        """The service record revision the case follows."""
        return self._record_revision

    @property
    def agency(self) -> str:
        """The agency code handling the case."""
        return self._agency

    @property
    def applicant_national_code(self) -> str:
        """The applicant's national code."""
        return self._applicant_national_code

    @property
    def channel(self) -> str:
        """web, mobile, counter or api."""
        return self._channel

    @property
    def counter(self) -> str:
        """The service counter the case came through ('' when none, 004 art. 14)."""
        return self._counter

    @property
    def opened_by(self) -> str:
        """Who opened the case."""
        return self._opened_by

    @property
    def status(self) -> CaseStatus:
        """Open, delivered, rejected or cancelled."""
        return self._status

    @property
    def stage(self) -> Stage:
        """The current stage (the last one reached, once the case is closed)."""
        return self._stage

    @property
    def process(self) -> tuple[ProcessStep, ...]:
        """The record's process steps, copied when the case opened."""
        return self._process

    @property
    def in_person_required(self) -> bool:
        """Whether the record requires the applicant in person."""
        return self._in_person_required

    @property
    def delivered_in_person(self) -> bool | None:
        """Whether delivery was in person; None until delivered."""
        return self._delivered_in_person

    @property
    def satisfaction(self) -> tuple[int, str] | None:
        """(score, comment), or None before the applicant rates."""
        return self._satisfaction

    @property
    def evaluation(self) -> EvaluationMethod:
        """The record's evaluation method at the revision the case follows."""
        return self._evaluation

    @property
    def rating_window(self) -> tuple[datetime, datetime] | None:
        """[opens, closes): from delivery for the record's window days; None undelivered."""
        if self._status is not CaseStatus.DELIVERED or self._closed_at is None:
            return None
        return self._closed_at, self._closed_at + timedelta(days=self._evaluation.window_days)

    @property
    def answers(self) -> dict[str, int]:
        return dict(self._answers)

    @property
    def forms(self) -> dict[str, Any]:
        """The e-form data submitted with the request, by document name."""
        return dict(self._forms)

    @property
    def corrections(self) -> int:
        """How many times the request went back to the applicant (rework)."""
        return self._corrections

    @property
    def opened_at(self) -> datetime:
        """When the case was opened (UTC)."""
        return self.created_on

    @property
    def closed_at(self) -> datetime | None:
        """When the case was delivered, rejected or cancelled (UTC); None while open."""
        return self._closed_at

    @property
    def time_limit_hours(self) -> int:
        """The record's overall time limit, in hours."""
        return self._time_limit_hours

    @property
    def due_at(self) -> datetime:
        """``opened_at`` plus the time limit."""
        return self.created_on + timedelta(hours=self._time_limit_hours)

    @property
    def timeline(self) -> list[TimelineEntry]:
        """The case's history, oldest first (a copy)."""
        return list(self._timeline)

    def steps_for(self, stage: Stage) -> tuple[str, ...]:
        """The process step names of ``stage``, in order."""
        return tuple(step.name for step in self._process if step.stage is stage)

    def step_recorded(self, stage: Stage, step: str) -> bool:
        """Whether ``step`` was recorded in ``stage``."""
        return (stage, step) in self._recorded

    def recorded_steps(self, stage: Stage) -> tuple[str, ...]:
        """The steps recorded in ``stage``, in order."""
        return tuple(name for s, name in self._recorded if s is stage)

    @property
    def required_identity_level(self) -> int:
        """The assurance level the record demands (0 for cases opened before the checks)."""
        return self._required_identity_level

    @property
    def identity_level(self) -> int:
        """The highest assurance level the applicant was verified at (0: not yet)."""
        return self._identity_level

    @property
    def identity_sufficient(self) -> bool:
        """Whether the applicant's identity is verified at the record's level (and, for a
        legal person, its representative confirmed by the deeds registry)."""
        if self._applicant_kind is ApplicantKind.LEGAL and self._representation is None:
            return False
        return self._required_identity_level == 0 or (
            self._identity_level >= self._required_identity_level
        )

    @property
    def applicant_kind(self) -> ApplicantKind:
        """Natural person, legal person or foreign national (002 def. 10)."""
        return self._applicant_kind

    @property
    def legal_person_national_id(self) -> str:
        """The legal person applicant's national id; '' for other applicants."""
        return self._legal_person_national_id

    @property
    def postal_code(self) -> str:
        """The applicant's postal code (004 art. 11); '' for cases opened before."""
        return self._postal_code

    @property
    def representation(self) -> tuple[str, str] | None:
        """(role, deeds-registry inquiry code) once the representative is confirmed."""
        return self._representation

    @property
    def required_inquiries(self) -> tuple[InquiryKind, ...]:
        """The inquiries the record calls for."""
        return self._required_inquiries

    @property
    def inquiries(self) -> dict[InquiryKind, InquiryRecord]:
        """The inquiries made, by kind (a copy)."""
        return dict(self._inquiries)

    @property
    def fee(self) -> Fee | None:
        """The record's fee when the case opened; None for a free service."""
        return self._fee

    @property
    def payment(self) -> CasePayment | None:
        """The current fee payment attempt, if one was requested."""
        return self._payment

    @property
    def exchange_failures(self) -> tuple[ExchangeFailure, ...]:
        """Every failed exchange, oldest first."""
        return tuple(self._failures)

    def missing_for_delivery(self) -> tuple[str, ...]:
        """What delivery still waits for, for a person: identity, inquiries, the fee."""
        missing: list[str] = []
        if self._applicant_kind is ApplicantKind.LEGAL and self._representation is None:
            missing.append("the deeds registry's confirmation of the representative")
        if self._identity_level < self._required_identity_level:
            missing.append(
                f"identity verification at assurance level {self._required_identity_level}"
            )
        missing.extend(
            f"{kind.value} inquiry"
            for kind in self._required_inquiries
            if kind not in self._inquiries
        )
        if self._fee is not None:
            paid = self._payment is not None and self._payment.status is PaymentStatus.SETTLED
            if not paid:
                state = "not requested" if self._payment is None else self._payment.status.value
                missing.append(f"the fee of {self._fee.tariff_rials:,} rials ({state})")
        return tuple(missing)


def _checked_forms(
    v: list[Violation], record: ServiceRecordSpec, forms: Mapping[str, Any]
) -> dict[str, Any]:
    """Each required document's e-form data, valid against its schema (004 art. 2)."""
    if not isinstance(forms, Mapping):
        v.append(Violation("forms", "must map document names to e-form data"))
        return {}
    names = {doc.name for doc in record.required_documents}
    for name in sorted(set(forms) - names):
        v.append(Violation(f"forms[{name}]", "not a document this service asks for"))
    checked: dict[str, Any] = {}
    for doc in record.required_documents:
        field = f"forms[{doc.name}]"
        data = forms.get(doc.name, {})  # a form not sent is an empty one: its schema judges
        for path, message in doc.problems(data):
            v.append(Violation(field + path, message))
        checked[doc.name] = data
    return checked


def _checked_facts(
    v: list[Violation], kind: InquiryKind, facts: Mapping[str, str | bool]
) -> dict[str, str | bool]:
    """Only the facts the service needs of this kind of inquiry, as short text or flags."""
    allowed = INQUIRY_FACTS.get(kind, ())
    if kind is InquiryKind.CIVIL_REGISTRATION and "birth_certificate_matched" in facts:
        allowed = BIRTH_CERTIFICATE_FACTS
    if not isinstance(facts, Mapping):
        v.append(Violation("facts", "facts must be a mapping of names to text or true/false"))
        return {}
    kept: dict[str, str | bool] = {}
    for name, value in facts.items():
        if name not in allowed:
            v.append(
                Violation(
                    f"facts.{name}",
                    f"a {kind.value} inquiry keeps only {', '.join(allowed)}: the rest of the"
                    " registry's record stays with the registry",
                )
            )
        elif isinstance(value, bool):
            kept[name] = value
        else:
            kept[name] = check_text(v, f"facts.{name}", value, max_length=SHORT_TEXT, what=name)
    missing = [name for name in allowed if name not in facts]
    if missing:
        v.append(Violation("facts", f"a {kind.value} inquiry records {', '.join(missing)}"))
    return kept
