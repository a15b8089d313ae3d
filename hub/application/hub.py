"""Tabadol's use cases, on primitives: the servicers call these and nothing else.

Every method takes the calling agency (``by``) and returns plain values (views), never
aggregates. Domain errors (:mod:`aggregates.errors`) pass through for the edge to map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from aggregates.access import DeniedCall
from aggregates.errors import AlreadyExists, NotFound
from aggregates.identifiers import NationalCode, ServiceCode, TrackingCode, TrackingKind
from aggregates.service_case import CaseStatus, ServiceCase, TimelineEntry
from aggregates.service_record import EvaluationMethod, ServiceRecord, ServiceRecordSpec, Stage
from hub.application.errors import AccessDenied
from hub.application.participation import ParticipationUseCases
from hub.ledger.signing import LedgerApplication
from hub.ledger.stores import APP_NAME

__all__ = ["AccessDenied", "CaseView", "RecordView", "TabadolHub", "case_view"]

_A = TypeVar("_A", ServiceCase, ServiceRecord)
_CONFLICT_RETRIES = 5

NATIONAL_WINDOW = "MYGOV"
"""The national window's agency code: it carries applicants' ratings (002 art. 8)."""


@dataclass(frozen=True)
class RecordView:
    service_code: str
    revision: int
    spec: ServiceRecordSpec
    registered_by: str
    revised_at: datetime
    revision_reason: str


@dataclass(frozen=True)
class CaseView:
    tracking_code: str
    service_code: str
    record_revision: int
    agency: str
    applicant_masked: str
    channel: str
    status: CaseStatus
    stage: Stage
    timeline: tuple[TimelineEntry, ...]
    satisfaction: tuple[int, str] | None
    answers: Mapping[str, int] | None = None
    corrections: int = 0
    rating_window: tuple[datetime, datetime] | None = None
    evaluation: EvaluationMethod | None = None


def _require_owner(spec: ServiceRecordSpec, by: str) -> None:
    """An agency registers and revises only its own services."""
    owner = spec.owner_agency.strip().upper()
    if owner and owner != by:
        raise AccessDenied(f"agency {by} may not register or revise a service owned by {owner}")


def _record_view(record: ServiceRecord) -> RecordView:
    return RecordView(
        service_code=record.service_code,
        revision=record.revision,
        spec=record.spec,
        registered_by=record.registered_by,
        revised_at=record.revised_at,
        revision_reason=record.revision_reason,
    )


def case_view(case: ServiceCase) -> CaseView:
    return CaseView(
        tracking_code=case.tracking_code,
        service_code=case.service_code,
        record_revision=case.record_revision,
        agency=case.agency,
        applicant_masked=NationalCode.parse(case.applicant_national_code).masked(),
        channel=case.channel,
        status=case.status,
        stage=case.stage,
        timeline=tuple(case.timeline),
        satisfaction=case.satisfaction,
        answers=case.answers if case.satisfaction else None,
        corrections=case.corrections,
        rating_window=case.rating_window,
        evaluation=case.evaluation,
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TabadolHub(ParticipationUseCases, LedgerApplication):
    """The hub's application: the catalogue, the service desk and e-participation."""

    name = APP_NAME  # env prefix TABADOLHUB_, clear of the TABADOL_* settings
    clock: Callable[[], datetime] = staticmethod(_utc_now)
    """The time for rules that depend on it (the rating window); tests set a ManualClock."""

    # --- access control -------------------------------------------------------------

    def record_denied_call(self, agency: str, method: str, reason: str) -> None:
        """A call the access-rights table refused: kept in the signed trail."""
        self.save(DeniedCall.record(agency, method, reason))

    # --- catalogue (شناسنامه خدمات) -------------------------------------------------

    def register_service_record(
        self, service_code: str, spec: ServiceRecordSpec, *, by: str
    ) -> RecordView:
        code = ServiceCode.parse(service_code)
        _require_owner(spec, by)
        record = ServiceRecord.register(code, spec, by=by)
        try:
            self.save(record)
        except IntegrityError:
            raise AlreadyExists("service record", code.value) from None
        return _record_view(record)

    def revise_service_record(
        self,
        service_code: str,
        spec: ServiceRecordSpec,
        *,
        reason: str,
        expected_revision: int = 0,
        by: str,
    ) -> RecordView:
        def revise(record: ServiceRecord) -> None:
            if record.registered_by != by:
                raise AccessDenied(f"only {record.registered_by} may revise service {service_code}")
            if expected_revision and record.revision != expected_revision:
                raise AlreadyExists(
                    "revision", f"{expected_revision + 1} (the record is at {record.revision})"
                )
            _require_owner(spec, by)
            record.revise(spec, reason=reason, by=by)

        return _record_view(
            self._update(self._record_id(service_code), revise, "service record", service_code)
        )

    def get_service_record(self, service_code: str, revision: int | None = None) -> RecordView:
        record = self._get(
            self._record_id(service_code), ServiceRecord, "service record", service_code, revision
        )
        return _record_view(record)

    def list_service_records(self, owner_agency: str | None = None) -> list[RecordView]:
        ids: list[UUID] = []
        start = 1
        while True:
            page = self.recorder.select_notifications(
                start, 500, topics=[ServiceRecord.Registered.TOPIC]
            )
            ids.extend(UUID(str(n.originator_id)) for n in page)
            if len(page) < 500:
                break
            start = page[-1].id + 1
        records = [_record_view(self.repository.get(i)) for i in ids]
        if owner_agency:
            records = [r for r in records if r.spec.owner_agency == owner_agency.upper()]
        return sorted(records, key=lambda r: r.service_code)

    # --- service desk (پرونده خدمت) --------------------------------------------------

    def open_case(
        self,
        service_code: str,
        applicant_national_code: str,
        *,
        channel: str,
        by: str,
        forms: Mapping[str, Any] | None = None,
    ) -> CaseView:
        """``forms``: each required document's e-form data, checked against its schema."""
        applicant = NationalCode.parse(applicant_national_code, field="applicant_national_code")
        record = self._get(
            self._record_id(service_code), ServiceRecord, "service record", service_code
        )
        for _ in range(_CONFLICT_RETRIES):
            case = ServiceCase.open(
                TrackingCode.new(TrackingKind.CASE),
                service_code=record.service_code,
                record_revision=record.revision,
                record=record.spec,
                applicant=applicant,
                agency=by,
                channel=channel,
                by=by,
                forms=forms,
            )
            try:
                self.save(case)
            except IntegrityError:  # a tracking-code collision: issue another
                continue
            return case_view(case)
        raise RuntimeError("could not issue a unique tracking code")  # pragma: no cover

    def record_step(self, tracking_code: str, step: str, *, note: str = "", by: str) -> CaseView:
        return self._act(tracking_code, by, lambda c: c.record_step(step, by=by, note=note))

    def complete_stage(self, tracking_code: str, stage: Stage, *, by: str) -> CaseView:
        return self._act(tracking_code, by, lambda c: c.complete_stage(stage, by=by))

    def deliver(
        self, tracking_code: str, *, in_person: bool = False, note: str = "", by: str
    ) -> CaseView:
        return self._act(
            tracking_code, by, lambda c: c.deliver(by=by, in_person=in_person, note=note)
        )

    def reject(self, tracking_code: str, *, reason: str, by: str) -> CaseView:
        return self._act(tracking_code, by, lambda c: c.reject(reason, by=by))

    def cancel(self, tracking_code: str, *, reason: str, by: str) -> CaseView:
        return self._act(tracking_code, by, lambda c: c.cancel(reason, by=by))

    def rate_satisfaction(
        self,
        tracking_code: str,
        *,
        score: int = 0,
        comment: str = "",
        by: str,
        answers: Mapping[str, int] | None = None,
    ) -> CaseView:
        """The applicant's rating, carried by the national window or the case's own agency
        (its window); no other agency may rate, so the satisfaction figures stay the
        applicants' own. ``answers`` answer the record's questions (002 art. 8); a bare
        ``score`` answers a one-question method."""
        now = self.clock()
        case_id = self._case_id(tracking_code)

        def rate(case: ServiceCase) -> None:
            if by not in (case.agency, NATIONAL_WINDOW):
                raise AccessDenied(
                    f"only {case.agency} or the national window ({NATIONAL_WINDOW})"
                    f" may carry the rating of case {case.tracking_code}, not {by}"
                )
            case.rate(dict(answers) if answers else score, comment, by=by, now=now)

        return case_view(self._update(case_id, rate, "case", tracking_code))

    def request_correction(self, tracking_code: str, *, reason: str, by: str) -> CaseView:
        """Send the request back to the applicant to correct (rework, 002 art. 8)."""
        return self._act(tracking_code, by, lambda c: c.request_correction(reason, by=by))

    def get_case(self, tracking_code: str) -> CaseView:
        return case_view(
            self._get(self._case_id(tracking_code), ServiceCase, "case", tracking_code)
        )

    # --- plumbing ------------------------------------------------------------------

    @staticmethod
    def _record_id(service_code: str) -> UUID:
        return ServiceRecord.create_id(ServiceCode.parse(service_code).value)

    @staticmethod
    def _case_id(tracking_code: str) -> UUID:
        code = TrackingCode.parse(tracking_code)
        return ServiceCase.create_id(code.value)

    def _get(
        self, aggregate_id: UUID, kind: type[_A], what: str, key: str, version: int | None = None
    ) -> _A:
        try:
            aggregate: object = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(what, key) from None
        if not isinstance(aggregate, kind) or (version and aggregate.version != version):
            raise NotFound(what, f"{key} revision {version}" if version else key)
        return aggregate

    def _act(self, tracking_code: str, by: str, command: Callable[[ServiceCase], None]) -> CaseView:
        """Run a command on a case as its main agency."""

        def guarded(case: ServiceCase) -> None:
            if case.agency != by:
                raise AccessDenied(f"case {case.tracking_code} belongs to {case.agency}, not {by}")
            command(case)

        return case_view(self._update(self._case_id(tracking_code), guarded, "case", tracking_code))

    def _update(self, aggregate_id: UUID, command: Callable[[_A], None], what: str, key: str) -> _A:
        """Load, run the command, save; on a concurrent write, reload and run it again."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                aggregate: _A = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                raise NotFound(what, key) from None
            command(aggregate)
            try:
                self.save(aggregate)
            except IntegrityError:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
                continue
            return aggregate
        raise AssertionError("unreachable")  # pragma: no cover
