"""ServiceCase (پرونده خدمت): one applicant's request for one service, from request to
delivery and the satisfaction rating after it (by-law 002 def. 11-12, 004 art. 6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    LONG_TEXT,
    NAMESPACE,
    SHORT_TEXT,
    check_actor,
    check_int,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.errors import TransitionRefused, Violation
from aggregates.identifiers import (
    AgencyCode,
    NationalCode,
    ServiceCode,
    TrackingCode,
    TrackingKind,
)
from aggregates.service_record import ProcessStep, ServiceRecordSpec
from aggregates.stages import Stage

__all__ = ["CHANNELS", "CaseStatus", "ServiceCase", "TimelineEntry"]

CHANNELS = ("web", "mobile", "counter", "api")


class CaseStatus(StrEnum):
    """وضعیت پرونده."""

    OPEN = "open"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's history, for the applicant and the national window.

    ``kind`` is one of opened, step_recorded, stage_completed, delivered, rejected,
    cancelled, rated; ``note`` holds the note, reason or rating comment.
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
        """The applicant rated the delivered service (002 art. 8)."""

        TOPIC = "tabadol.service_case.rated"
        score: int
        comment: str
        by: str

        def apply(self, aggregate: ServiceCase) -> None:
            aggregate._satisfaction = (self.score, self.comment)
            aggregate._note("rated", aggregate._stage, "", self.comment, self.by, self.timestamp)

    @staticmethod
    def create_id(tracking_code: str) -> UUID:
        """Deterministic id: uuid5 of Tabadol's namespace and ``service-case:<code>``.

        A code typed loosely (lowercase, no dashes) maps to the same id as its
        canonical form.
        """
        if TrackingCode.is_valid(tracking_code):
            tracking_code = TrackingCode.parse(tracking_code).value
        return uuid5(NAMESPACE, "service-case:" + tracking_code)

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
        applicant: NationalCode,
        agency: str,
        channel: str,
        by: str,
    ) -> ServiceCase:
        """Open a case for ``applicant`` under a CASE tracking code, following revision
        ``record_revision`` of the service record ``record``."""
        v: list[Violation] = []
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
        if not isinstance(applicant, NationalCode):
            v.append(Violation("applicant_national_code", "national code must be parsed first"))
        agency_code = check_parsed(v, AgencyCode.parse, agency, "agency")
        chosen = channel.strip().lower() if isinstance(channel, str) else ""
        if chosen not in CHANNELS:
            v.append(
                Violation(
                    "channel", f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}"
                )
            )
        actor = check_actor(v, by)
        raise_if_any(v)
        return cls(
            tracking_code=tracking_code.value,
            service_code=code,
            record_revision=revision,
            agency=agency_code,
            applicant_national_code=applicant.value,
            channel=chosen,
            process=[step.to_dict() for step in record.process],
            time_limit_hours=record.time_limit_hours,
            in_person_required=record.in_person_required,
            by=actor,
        )

    def record_step(self, step: str, by: str, note: str = "") -> None:
        """Record that ``step`` of the current stage was done."""
        self._require_open("record a step")
        v: list[Violation] = []
        name = check_text(v, "step", step, max_length=SHORT_TEXT, what="step")
        step_is_text = not v
        text = check_text(v, "note", note, max_length=LONG_TEXT, required=False, what="note")
        actor = check_actor(v, by)
        allowed = self.steps_for(self._stage)
        if step_is_text and allowed and name not in allowed:
            v.append(
                Violation(
                    "step",
                    f"{name!r} is not a step of the {self._stage.value} stage;"
                    f" expected one of: {', '.join(allowed)}",
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
            v.append(Violation("stage", f"stage must be one of {allowed}, got {stage!r}"))
        raise_if_any(v)
        assert ending is not None  # raise_if_any raised otherwise
        if ending is not self._stage:
            msg = f"the case is in the {self._stage.value} stage, not {ending.value}"
            raise TransitionRefused(msg, field="stage")
        if ending is Stage.DELIVERY:
            msg = "the delivery stage is not completed this way: use deliver"
            raise TransitionRefused(msg, field="stage")
        self._require_steps_done(ending)
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

    def rate(self, score: int, comment: str, by: str) -> None:
        """The applicant's satisfaction, 1 to 5, once, after delivery (002 art. 8)."""
        if self._status is not CaseStatus.DELIVERED:
            msg = f"only a delivered case can be rated; this case is {self._status.value}"
            raise TransitionRefused(msg, field="status")
        if self._satisfaction is not None:
            raise TransitionRefused("the case is already rated", field="score")
        v: list[Violation] = []
        value = check_int(v, "score", score, 1, 5, "score")
        text = check_text(
            v, "comment", comment, max_length=LONG_TEXT, required=False, what="comment"
        )
        actor = check_actor(v, by)
        raise_if_any(v)
        self.trigger_event(self.Rated, score=value, comment=text, by=actor)

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
