"""Service cases (پرونده خدمت, 002 def. 11; 004 art. 6): from request to delivery, read
back by tracking code, and tracking codes checked for authenticity."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aggregates.applicants import Applicant, ApplicantKind
from aggregates.counters import CounterAction, parse_counter_code
from aggregates.errors import InvalidInput, Violation
from aggregates.identifiers import NationalCode, PostalCode, TrackingCode, TrackingKind, case_id
from aggregates.inquiry_receipt import InquiryReceipt, InquiryTrackingCode
from aggregates.service_case import CaseStatus, ServiceCase, TimelineEntry
from aggregates.service_record import EvaluationMethod, InquiryKind, Stage
from hub.application.catalogue import Catalogue
from hub.application.counters import Counters
from hub.application.errors import AccessDenied
from hub.application.store import Store
from projections.counter_cases import CounterCases

__all__ = [
    "NATIONAL_WINDOW",
    "CaseView",
    "Cases",
    "CounterCasesPage",
    "TrackingCodeCheck",
    "case_view",
]

_Do = CounterAction
NATIONAL_WINDOW = "MYGOV"
"""The national window's agency code: it carries applicants' ratings (002 art. 8)."""


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
    postal_code: str = ""
    applicant_kind: ApplicantKind = ApplicantKind.NATURAL
    legal_person_national_id: str = ""
    representative_role: str = ""
    representative_inquiry_code: str = ""
    counter: str = ""


@dataclass(frozen=True)
class CounterCasesPage:
    """One page of the cases a counter handled for an agency, and where the next begins
    ('' at the end of the log)."""

    cases: tuple[CaseView, ...]
    next_page_token: str


@dataclass(frozen=True)
class TrackingCodeCheck:
    """Whether a tracking code is authentic, who issued it and when; no content."""

    tracking_code: str
    kind: TrackingKind
    authentic: bool
    inquiry_kind: InquiryKind | None = None
    issuing_agency: str = ""
    issued_at: datetime | None = None
    source: str = "hub"


def case_view(case: ServiceCase) -> CaseView:
    return CaseView(
        tracking_code=case.tracking_code,
        service_code=case.service_code,
        record_revision=case.record_revision,
        agency=case.agency,
        applicant_masked=_masked(case.applicant_national_code),
        channel=case.channel,
        status=case.status,
        stage=case.stage,
        timeline=tuple(case.timeline),
        satisfaction=case.satisfaction,
        answers=case.answers if case.satisfaction else None,
        corrections=case.corrections,
        rating_window=case.rating_window,
        evaluation=case.evaluation,
        postal_code=case.postal_code,
        applicant_kind=case.applicant_kind,
        legal_person_national_id=case.legal_person_national_id,
        representative_role=case.representation[0] if case.representation else "",
        representative_inquiry_code=case.representation[1] if case.representation else "",
        counter=case.counter,
    )


def _masked(identifier: str) -> str:
    """A national code or foreign-national id with its middle hidden."""
    if NationalCode.is_valid(identifier):
        return NationalCode.parse(identifier).masked()
    if len(identifier) <= 5:
        return "*" * len(identifier)
    return identifier[:3] + "*" * (len(identifier) - 5) + identifier[-2:]


def parse_applicant(
    kind: ApplicantKind | str,
    applicant_national_code: str,
    legal_person_national_id: str = "",
    foreign_national_id: str = "",
) -> Applicant:
    """The applicant as the request names it (002 def. 10); the fields another kind
    takes must be empty."""
    chosen = ApplicantKind(kind or ApplicantKind.NATURAL.value)
    v: list[Violation] = []
    if chosen is not ApplicantKind.LEGAL and legal_person_national_id.strip():
        v.append(Violation("legal_person_national_id", "only a legal person applicant has one"))
    if chosen is not ApplicantKind.FOREIGN and foreign_national_id.strip():
        v.append(Violation("foreign_national_id", "only a foreign national applicant has one"))
    if chosen is ApplicantKind.FOREIGN and applicant_national_code.strip():
        v.append(
            Violation(
                "applicant_national_code",
                "a foreign national is known by foreign_national_id; leave this empty",
            )
        )
    if v:
        raise InvalidInput(*v)
    if chosen is ApplicantKind.LEGAL:
        return Applicant.legal(legal_person_national_id, applicant_national_code)
    if chosen is ApplicantKind.FOREIGN:
        return Applicant.foreign(foreign_national_id)
    return Applicant(
        ApplicantKind.NATURAL,
        NationalCode.parse(applicant_national_code, field="applicant_national_code").value,
    )


class Cases:
    """Open a case of a catalogued service and move it on, as its main agency or as a
    service counter it was delegated to (at the delegation's level, :mod:`hub.application.counters`)."""

    def __init__(
        self, store: Store, catalogue: Catalogue, now: Callable[[], datetime], counters: Counters
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        self._now = now
        self._counters = counters
        self._counter_cases = CounterCases()
        self._counter_cases_position = 0
        self._counter_cases_lock = threading.Lock()

    def open_case(
        self,
        service_code: str,
        applicant_national_code: str,
        *,
        channel: str,
        by: str,
        forms: Mapping[str, Any] | None = None,
        postal_code: str,
        applicant_kind: ApplicantKind | str = ApplicantKind.NATURAL,
        legal_person_national_id: str = "",
        foreign_national_id: str = "",
    ) -> CaseView:
        """Open a case for a natural person, a legal person through its representative
        (``applicant_national_code`` is the representative's) or a foreign national, with
        the applicant's postal code (004 art. 11), checked with its rule. ``forms``: each
        required document's e-form data, checked against its schema. A counter
        (``by`` = ``counter:CODE``) opens only cases of a service delegated to it: the case's
        main agency is the service's owner, the case records the counter, the channel is
        ``counter``."""
        v: list[Violation] = []
        applicant: Applicant | None = None
        postal: PostalCode | None = None
        try:
            applicant = parse_applicant(
                applicant_kind,
                applicant_national_code,
                legal_person_national_id,
                foreign_national_id,
            )
        except InvalidInput as error:
            v.extend(error.violations)
        try:
            postal = PostalCode.parse(postal_code or "", field="postal_code")
        except InvalidInput as error:
            v.extend(error.violations)
        if v:
            raise InvalidInput(*v)
        assert applicant is not None and postal is not None
        record = self._catalogue.record(service_code)
        agency, counter = self._counters.opening(
            record.service_code, record.spec.owner_agency.strip().upper(), by
        )
        if counter:
            channel = "counter"
        case = self._store.create(
            TrackingKind.CASE,
            lambda code: ServiceCase.open(
                code,
                service_code=record.service_code,
                record_revision=record.revision,
                record=record.spec,
                applicant=applicant,
                agency=agency,
                channel=channel,
                by=by,
                forms=forms,
                postal_code=postal,
                counter=counter,
            ),
        )
        return case_view(case)

    def record_step(self, tracking_code: str, step: str, *, note: str = "", by: str) -> CaseView:
        return self._act(
            tracking_code, by, _Do.RECORD_STEP, lambda c: c.record_step(step, by=by, note=note)
        )

    def complete_stage(self, tracking_code: str, stage: Stage, *, by: str) -> CaseView:
        return self._act(
            tracking_code, by, _Do.COMPLETE_STAGE, lambda c: c.complete_stage(stage, by=by)
        )

    def deliver(
        self, tracking_code: str, *, in_person: bool = False, note: str = "", by: str
    ) -> CaseView:
        return self._act(
            tracking_code,
            by,
            _Do.DELIVER,
            lambda c: c.deliver(by=by, in_person=in_person, note=note),
        )

    def reject(self, tracking_code: str, *, reason: str, by: str) -> CaseView:
        return self._act(tracking_code, by, _Do.REJECT, lambda c: c.reject(reason, by=by))

    def cancel(self, tracking_code: str, *, reason: str, by: str) -> CaseView:
        return self._act(tracking_code, by, _Do.CANCEL, lambda c: c.cancel(reason, by=by))

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
        now = self._now()

        def rate(case: ServiceCase) -> None:
            if by not in (case.agency, NATIONAL_WINDOW):
                raise AccessDenied(
                    f"only {case.agency} or the national window ({NATIONAL_WINDOW})"
                    f" may carry the rating of case {case.tracking_code}, not {by}"
                )
            case.rate(dict(answers) if answers else score, comment, by=by, now=now)

        return case_view(self._change(tracking_code, rate))

    def request_correction(self, tracking_code: str, *, reason: str, by: str) -> CaseView:
        """Send the request back to the applicant to correct (rework, 002 art. 8)."""
        return self._act(
            tracking_code,
            by,
            _Do.REQUEST_CORRECTION,
            lambda c: c.request_correction(reason, by=by),
        )

    def get_case(self, tracking_code: str) -> CaseView:
        return case_view(self.load(tracking_code))

    def load(self, tracking_code: str) -> ServiceCase:
        """The case aggregate, for the other use-case rooms (never the edge)."""
        code = TrackingCode.parse(tracking_code)
        return self._store.get(case_id(code.value), ServiceCase, "case", tracking_code)

    def verify_tracking_code(self, text: str) -> TrackingCodeCheck:
        """Whether a case code (checked by its check character first) or a registry's
        inquiry code (checked by its Luhn digit first) was issued, by whom and when."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput.field("tracking_code", "a tracking code is required")
        if InquiryTrackingCode.looks_like(text):
            inquiry = InquiryTrackingCode.parse(text, field="tracking_code").value
            receipt = self._store.find(InquiryReceipt.create_id(inquiry), InquiryReceipt)
            if receipt is None:
                return TrackingCodeCheck(inquiry, TrackingKind.INQUIRY, authentic=False)
            return TrackingCodeCheck(
                inquiry,
                TrackingKind.INQUIRY,
                authentic=True,
                inquiry_kind=receipt.kind,
                issuing_agency=receipt.issuing_agency,
                issued_at=receipt.inquired_at,
            )
        code = TrackingCode.parse(text)
        if code.kind is not TrackingKind.CASE:
            msg = (
                f"this checks case codes ({TrackingKind.CASE.value}-…) and registries' inquiry"
                f" codes (16 digits); {code.value} is a {code.kind.name.lower()} code"
            )
            raise InvalidInput.field("tracking_code", msg)
        case = self._store.find(case_id(code.value), ServiceCase)
        if case is None:
            return TrackingCodeCheck(code.value, code.kind, authentic=False)
        return TrackingCodeCheck(
            code.value,
            code.kind,
            authentic=True,
            issuing_agency=case.agency,
            issued_at=case.opened_at,
        )

    def authorise(self, case: ServiceCase, by: str, action: CounterAction) -> None:
        """AccessDenied unless ``by`` is the case's main agency, or the counter it came
        through with a delegation in force whose level allows ``action``."""
        self._counters.authorise(case, by, action)

    def counter_cases(
        self, agency: str, counter: str, *, page_size: int = 50, page_token: str = ""
    ) -> CounterCasesPage:
        """Supervision (004 art. 14 n3): the cases ``counter`` opened for ``agency``, oldest
        first, ``page_size`` (1-500) at a time, read from the index of counters' cases
        (:mod:`projections.counter_cases`): a page loads only the cases it returns."""
        code = parse_counter_code(counter)
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 0 <= page_size <= 500
        ):
            raise InvalidInput.field("page_size", "a page is 1 to 500 cases (0: 50)")
        size = page_size or 50
        try:
            start = int(page_token) if page_token else 0
        except ValueError:
            raise InvalidInput.field(
                "page_token", "pass the next_page_token of the last page"
            ) from None
        if start < 0:
            raise InvalidInput.field("page_token", "pass the next_page_token of the last page")
        codes, more = self._read_counter_cases(agency, code, start, size)
        found = tuple(case_view(self.load(tracking_code)) for tracking_code in codes)
        return CounterCasesPage(found, str(start + len(codes)) if more else "")

    def _read_counter_cases(
        self, agency: str, counter: str, start: int, size: int
    ) -> tuple[list[str], bool]:
        """A page of the index, brought up to date first: it folds only the cases opened
        since it last looked (by log position), under a lock shared with the queries."""
        with self._counter_cases_lock:
            index = self._counter_cases
            self._counter_cases_position = self._store.fold_since(
                self._counter_cases_position, index
            )
            return index.page(agency, counter, start, size)

    def _act(
        self,
        tracking_code: str,
        by: str,
        action: CounterAction,
        command: Callable[[ServiceCase], None],
    ) -> CaseView:
        """Run a command on a case as its main agency or as the counter it came through."""

        def guarded(case: ServiceCase) -> None:
            self._counters.authorise(case, by, action)
            command(case)

        return case_view(self._change(tracking_code, guarded))

    def _change(self, tracking_code: str, command: Callable[[ServiceCase], None]) -> ServiceCase:
        code = TrackingCode.parse(tracking_code)
        case, _ = self._store.change(
            case_id(code.value), ServiceCase, "case", tracking_code, command
        )
        return case
