"""Agency KPIs (شاخص‌های کارایی و اثربخشی دستگاه‌ها) and the monthly progress report
(002 art. 9 and notes; 004 art. 18).

The view keeps one row of facts per case (agency, service, when it opened, its due time,
how it ended, whether delivery needed a visit, the rating) and one row per inquiry; the
figures are computed from those rows when asked, so "past the time limit" can count open
cases against the time of asking.

Definitions, per agency and per service:

- cases: opened; delivered / rejected / cancelled / open by current status;
- hours to delivery: opening to delivery; the median and the 90th percentile interpolate
  linearly between ranks (the median of an even count is the mean of the middle two);
- share delivered without a visit: delivered with ``in_person`` false, over delivered;
- inquiries: every case event whose topic starts with ``tabadol.service_case.inquiry``;
  they all run through the hub's electronic exchange, so the electronic share is 1, and
  "n/a" (None) when no inquiry was recorded;
- average satisfaction over the rated cases (1-5);
- past the time limit: delivered after the due time, plus still open past it.

The monthly report groups by Tehran's Jalali month of each event: opened in the month,
closed in the month (delivered, rejected, cancelled), rated in the month, inquiries made.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any

import jdatetime
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import get_topic

from aggregates.errors import InvalidInput, shown
from aggregates.identifiers import normalize_digits
from aggregates.jalali import jalali_month, to_persian_digits
from aggregates.service_case import CaseStatus, ServiceCase
from aggregates.service_record import DEFAULT_EVALUATION, EvaluationMethod
from projections._events import CASE_TOPICS, parse_utc, utc_text
from projections._sql import Batch, Keyed, Rows, SQLProjection, SQLView

__all__ = [
    "INQUIRY_TOPIC_PREFIX",
    "AgencyKpis",
    "AgencyKpisProjection",
    "AgencyKpisView",
    "CaseFacts",
    "InquiryFact",
    "Kpis",
    "MonthlyReport",
    "QualityFacts",
    "ServiceQuality",
    "compute_kpis",
    "compute_monthly",
    "compute_quality",
    "parse_month",
    "percentile",
]

INQUIRY_TOPIC_PREFIX = "tabadol.service_case.inquiry"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def parse_month(text: str, field: str = "month") -> str:
    """A Jalali month as typed (``1405-1``, ``۱۴۰۵-۰۱``) in its key form ``1405-01``."""
    match = _MONTH.fullmatch(normalize_digits(text).strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise InvalidInput.field(field, f"{shown(text)} is not a Jalali month like 1405-01")
    return f"{int(match[1]):04d}-{int(match[2]):02d}"


@dataclass(frozen=True)
class CaseFacts:
    """What the KPIs need of one case."""

    agency: str
    service_code: str
    opened_at: datetime
    due_at: datetime
    status: str
    closed_at: datetime | None = None
    in_person: bool | None = None
    score: int | None = None
    rated_at: datetime | None = None

    @property
    def hours_to_delivery(self) -> float | None:
        if self.status != CaseStatus.DELIVERED or self.closed_at is None:
            return None
        return (self.closed_at - self.opened_at).total_seconds() / 3600

    @property
    def delivered_late(self) -> bool:
        closed = self.closed_at
        return self.status == CaseStatus.DELIVERED and closed is not None and closed > self.due_at

    def overdue_at(self, now: datetime) -> bool:
        return self.status == CaseStatus.OPEN and now > self.due_at


@dataclass(frozen=True)
class QualityFacts:
    """What the quality measures need of one case beyond its :class:`CaseFacts`: the
    record's time limit and evaluation method, the rework count and the answers."""

    case: CaseFacts
    limit_hours: int
    evaluation: EvaluationMethod
    corrections: int
    answers: Mapping[str, int]


@dataclass(frozen=True)
class ServiceQuality:
    """کیفیت خدمت (002 art. 8): one service's quality, measured as its record says.

    Every figure is computed; ``measures`` names the ones the record's evaluation method
    selects (the others are for the reports' totals). None means "n/a".
    """

    agency: str
    service_code: str
    cases: int
    delivered: int
    measures: tuple[str, ...]
    share_on_time: float | None  # delivered within the record's time limit / delivered
    median_over_limit: float | None  # median hours to delivery / the record's limit
    share_reworked: float | None  # cases sent back for correction at least once / cases
    share_in_person: float | None  # deliveries that needed a visit / delivered
    response_rate: float | None  # rated / delivered
    mean_answers: Mapping[str, float]  # by question key, on the record's scale
    scale: tuple[int, int]


def compute_quality(facts: Iterable[QualityFacts]) -> list[ServiceQuality]:
    """Each service's quality, by agency then service code; the evaluation method is the
    one of the service's latest case (the record's current revision, as far as cases go)."""
    grouped: dict[tuple[str, str], list[QualityFacts]] = defaultdict(list)
    for fact in facts:
        grouped[(fact.case.agency, fact.case.service_code)].append(fact)
    result = []
    for (agency, code), items in sorted(grouped.items()):
        latest = max(items, key=lambda f: f.case.opened_at).evaluation
        delivered = [f for f in items if f.case.status == CaseStatus.DELIVERED]
        ratios = sorted(
            h / f.limit_hours
            for f in delivered
            if (h := f.case.hours_to_delivery) is not None and f.limit_hours > 0
        )
        rated = [f for f in delivered if f.answers]
        keys = [q.key for q in latest.questions]
        means = {
            key: fmean(values)
            for key in keys
            if (values := [f.answers[key] for f in rated if key in f.answers])
        }
        result.append(
            ServiceQuality(
                agency=agency,
                service_code=code,
                cases=len(items),
                delivered=len(delivered),
                measures=tuple(m.value for m in latest.measures),
                share_on_time=_share(
                    sum(1 for f in delivered if not f.case.delivered_late), len(delivered)
                ),
                median_over_limit=percentile(ratios, 0.5),
                share_reworked=_share(sum(1 for f in items if f.corrections), len(items)),
                share_in_person=_share(
                    sum(1 for f in delivered if f.case.in_person), len(delivered)
                ),
                response_rate=_share(len(rated), len(delivered)),
                mean_answers=means,
                scale=(latest.scale_min, latest.scale_max),
            )
        )
    return result


@dataclass(frozen=True)
class InquiryFact:
    """One inquiry made for a case of ``agency``'s service, in a Jalali month."""

    agency: str
    service_code: str
    month: str


@dataclass(frozen=True)
class Kpis:
    """The figures for one agency (``service_code`` empty) or one of its services."""

    agency: str
    service_code: str
    cases: int
    open: int
    delivered: int
    rejected: int
    cancelled: int
    median_hours_to_delivery: float | None
    p90_hours_to_delivery: float | None
    share_delivered_without_visit: float | None
    inquiries: int
    share_inquiries_electronic: float | None
    ratings: int
    average_satisfaction: float | None
    late_deliveries: int
    overdue_open: int

    @property
    def past_time_limit(self) -> int:
        """Delivered late plus still open past the due time."""
        return self.late_deliveries + self.overdue_open


@dataclass(frozen=True)
class AgencyKpis:
    """An agency's totals and its services' figures (by service code)."""

    total: Kpis
    services: tuple[Kpis, ...]


@dataclass(frozen=True)
class MonthlyReport:
    """گزارش ماهانه پیشرفت: one agency's figures for one Jalali month."""

    agency: str
    month: str  # 1405-01
    opened: int
    delivered: int
    rejected: int
    cancelled: int
    delivered_without_visit: int
    median_hours_to_delivery: float | None
    late_deliveries: int
    ratings: int
    average_satisfaction: float | None
    inquiries: int

    @property
    def month_fa(self) -> str:
        """The month's Persian name and year: «فروردین ۱۴۰۵»."""
        year, month = (int(part) for part in self.month.split("-"))
        name = jdatetime.date(year, month, 1, locale=jdatetime.FA_LOCALE).strftime("%B")
        return f"{name} {to_persian_digits(str(year))}"


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) of sorted values, interpolating linearly between ranks."""
    if not ordered:
        return None
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _figures(
    agency: str, service_code: str, cases: Sequence[CaseFacts], inquiries: int, now: datetime
) -> Kpis:
    status = Counter(case.status for case in cases)
    hours = sorted(h for h in (c.hours_to_delivery for c in cases) if h is not None)
    scores = [c.score for c in cases if c.score is not None]
    without_visit = sum(1 for c in cases if c.status == CaseStatus.DELIVERED and not c.in_person)
    return Kpis(
        agency=agency,
        service_code=service_code,
        cases=len(cases),
        open=status[CaseStatus.OPEN],
        delivered=status[CaseStatus.DELIVERED],
        rejected=status[CaseStatus.REJECTED],
        cancelled=status[CaseStatus.CANCELLED],
        median_hours_to_delivery=percentile(hours, 0.5),
        p90_hours_to_delivery=percentile(hours, 0.9),
        share_delivered_without_visit=_share(without_visit, status[CaseStatus.DELIVERED]),
        inquiries=inquiries,
        share_inquiries_electronic=1.0 if inquiries else None,
        ratings=len(scores),
        average_satisfaction=fmean(scores) if scores else None,
        late_deliveries=sum(1 for c in cases if c.delivered_late),
        overdue_open=sum(1 for c in cases if c.overdue_at(now)),
    )


def compute_kpis(
    cases: Iterable[CaseFacts], inquiries: Iterable[InquiryFact], now: datetime
) -> list[AgencyKpis]:
    """Every agency's KPIs, agencies and services in code order."""
    by_service: dict[tuple[str, str], list[CaseFacts]] = defaultdict(list)
    for case in cases:
        by_service[(case.agency, case.service_code)].append(case)
    asked: dict[tuple[str, str], int] = defaultdict(int)
    for inquiry in inquiries:
        asked[(inquiry.agency, inquiry.service_code)] += 1
    agencies = sorted({agency for agency, _ in by_service} | {agency for agency, _ in asked})
    result = []
    for agency in agencies:
        codes = sorted({s for a, s in (*by_service, *asked) if a == agency})
        services = tuple(
            _figures(agency, code, by_service[(agency, code)], asked[(agency, code)], now)
            for code in codes
        )
        everything = [c for code in codes for c in by_service[(agency, code)]]
        total = _figures(agency, "", everything, sum(s.inquiries for s in services), now)
        result.append(AgencyKpis(total, services))
    return result


def compute_monthly(
    cases: Iterable[CaseFacts], inquiries: Iterable[InquiryFact]
) -> list[MonthlyReport]:
    """Every agency's report for every Jalali month with activity, by agency then month."""
    opened: dict[tuple[str, str], int] = defaultdict(int)
    closed: dict[tuple[str, str], list[CaseFacts]] = defaultdict(list)
    rated: dict[tuple[str, str], list[int]] = defaultdict(list)
    asked: dict[tuple[str, str], int] = defaultdict(int)
    for case in cases:
        opened[(case.agency, jalali_month(case.opened_at))] += 1
        if case.closed_at is not None:
            closed[(case.agency, jalali_month(case.closed_at))].append(case)
        if case.score is not None and case.rated_at is not None:
            rated[(case.agency, jalali_month(case.rated_at))].append(case.score)
    for inquiry in inquiries:
        asked[(inquiry.agency, inquiry.month)] += 1
    reports = []
    for key in sorted({*opened, *closed, *rated, *asked}):
        ended = closed.get(key, [])
        delivered = [c for c in ended if c.status == CaseStatus.DELIVERED]
        hours = sorted(h for c in delivered if (h := c.hours_to_delivery) is not None)
        scores = rated.get(key, [])
        reports.append(
            MonthlyReport(
                agency=key[0],
                month=key[1],
                opened=opened.get(key, 0),
                delivered=len(delivered),
                rejected=sum(1 for c in ended if c.status == CaseStatus.REJECTED),
                cancelled=sum(1 for c in ended if c.status == CaseStatus.CANCELLED),
                delivered_without_visit=sum(1 for c in delivered if not c.in_person),
                median_hours_to_delivery=percentile(hours, 0.5),
                late_deliveries=sum(1 for c in delivered if c.delivered_late),
                ratings=len(scores),
                average_satisfaction=fmean(scores) if scores else None,
                inquiries=asked.get(key, 0),
            )
        )
    return reports


class AgencyKpisView(SQLView):
    """Per-case facts and inquiries; the figures are computed when asked."""

    TABLES = ("kpi_case", "kpi_inquiry", "kpi_quality")

    def schema(self) -> Sequence[str]:
        return (
            "CREATE TABLE IF NOT EXISTS kpi_case ("
            " case_id TEXT PRIMARY KEY, agency TEXT NOT NULL, service_code TEXT NOT NULL,"
            " opened_at TEXT NOT NULL, due_at TEXT NOT NULL, status TEXT NOT NULL,"
            " closed_at TEXT, in_person BIGINT, score BIGINT, rated_at TEXT)",
            "CREATE INDEX IF NOT EXISTS kpi_case_agency ON kpi_case (agency, service_code)",
            "CREATE TABLE IF NOT EXISTS kpi_inquiry ("
            " position BIGINT PRIMARY KEY, case_id TEXT NOT NULL, agency TEXT NOT NULL,"
            " service_code TEXT NOT NULL, month TEXT NOT NULL)",
            # Added with the quality measures; a view made before has no rows here (its
            # cases read with the default method) until it is rebuilt.
            "CREATE TABLE IF NOT EXISTS kpi_quality ("
            " case_id TEXT PRIMARY KEY, limit_hours BIGINT NOT NULL, evaluation TEXT NOT NULL,"
            " corrections BIGINT NOT NULL, answers TEXT NOT NULL)",
        )

    def quality_facts(self, agency: str | None = None) -> list[QualityFacts]:
        """Each case's facts with its quality facts (defaults for cases without them)."""
        sql = (
            "SELECT c.*, q.limit_hours, q.evaluation, q.corrections, q.answers"
            " FROM kpi_case c LEFT JOIN kpi_quality q ON q.case_id = c.case_id"
        )
        rows = self.query(sql + " WHERE c.agency = ?", agency) if agency else self.query(sql)
        facts = []
        for row in rows:
            case = _facts(row)
            limit = row["limit_hours"]
            if limit is None:
                limit = round((case.due_at - case.opened_at).total_seconds() / 3600)
            facts.append(
                QualityFacts(
                    case=case,
                    limit_hours=int(limit),
                    evaluation=DEFAULT_EVALUATION
                    if row["evaluation"] is None
                    else EvaluationMethod.from_dict(json.loads(row["evaluation"])),
                    corrections=int(row["corrections"] or 0),
                    answers={}
                    if row["answers"] is None
                    else {k: int(v) for k, v in json.loads(row["answers"]).items()},
                )
            )
        return facts

    def service_quality(self, agency: str | None = None) -> list[ServiceQuality]:
        """Quality per service (002 art. 8), of one agency or all."""
        return compute_quality(self.quality_facts(agency))

    def cases(self, agency: str | None = None) -> list[CaseFacts]:
        """The case facts, of one agency or all."""
        sql = "SELECT * FROM kpi_case"
        rows = self.query(sql + " WHERE agency = ?", agency) if agency else self.query(sql)
        return [_facts(row) for row in rows]

    def inquiries(self, agency: str | None = None) -> list[InquiryFact]:
        """The inquiries made, of one agency's cases or all."""
        sql = "SELECT agency, service_code, month FROM kpi_inquiry"
        rows = self.query(sql + " WHERE agency = ?", agency) if agency else self.query(sql)
        return [InquiryFact(row["agency"], row["service_code"], row["month"]) for row in rows]

    def agency_kpis(self, now: datetime, agency: str | None = None) -> list[AgencyKpis]:
        """KPIs of one agency or all, with open cases judged against ``now``."""
        return compute_kpis(self.cases(agency), self.inquiries(agency), now)

    def monthly_reports(
        self, agency: str | None = None, month: str | None = None
    ) -> list[MonthlyReport]:
        """Monthly reports of one agency or all, for one Jalali month (``1405-01``) or all."""
        reports = compute_monthly(self.cases(agency), self.inquiries(agency))
        return [r for r in reports if month is None or r.month == month]


class SQLiteAgencyKpisView(AgencyKpisView, SQLiteTrackingRecorder):
    """KPI facts in an SQLite file."""


class PostgresAgencyKpisView(AgencyKpisView, PostgresTrackingRecorder):
    """KPI facts in PostgreSQL."""


def _time(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)


def _facts(row: Mapping[str, Any]) -> CaseFacts:
    return CaseFacts(
        agency=row["agency"],
        service_code=row["service_code"],
        opened_at=parse_utc(row["opened_at"]),
        due_at=parse_utc(row["due_at"]),
        status=row["status"],
        closed_at=_time(row["closed_at"]),
        in_person=None if row["in_person"] is None else bool(row["in_person"]),
        score=None if row["score"] is None else int(row["score"]),
        rated_at=_time(row["rated_at"]),
    )


_CASE_COLUMNS = (
    "case_id",
    "agency",
    "service_code",
    "opened_at",
    "due_at",
    "status",
    "closed_at",
    "in_person",
    "score",
    "rated_at",
)
_QUALITY_COLUMNS = ("case_id", "limit_hours", "evaluation", "corrections", "answers")
_INQUIRY_COLUMNS = ("position", "case_id", "agency", "service_code", "month")


_INQUIRIES: dict[type, bool] = {}


def _is_inquiry(event: object) -> bool:
    """Whether an event's topic is an inquiry's; remembered by event class."""
    event_class = type(event)
    if event_class not in _INQUIRIES:
        _INQUIRIES[event_class] = get_topic(event_class).startswith(INQUIRY_TOPIC_PREFIX)
    return _INQUIRIES[event_class]


class _KpiBatch(Batch):
    def __init__(self) -> None:
        self.quality = Keyed("kpi_quality", _QUALITY_COLUMNS)
        self.cases = Keyed("kpi_case", _CASE_COLUMNS)
        self.inquiries = Rows("kpi_inquiry", _INQUIRY_COLUMNS)
        self.tables = (self.quality, self.cases, self.inquiries)

    def close(
        self, event: ServiceCase.Event, key: str, status: CaseStatus, in_person: int | None
    ) -> None:
        case = self.cases.get(key)
        if case is not None:
            at = utc_text(event.timestamp)
            self.cases.change(case, status=status.value, closed_at=at, in_person=in_person)


class AgencyKpisProjection(SQLProjection[AgencyKpisView]):
    """Case events → per-case facts and inquiry rows."""

    name = "agency_kpis"
    topics = CASE_TOPICS

    def new_batch(self) -> _KpiBatch:
        return _KpiBatch()

    @singledispatchmethod
    def fold_event(self, event: Any, batch: _KpiBatch, position: int, key: str) -> None:
        if not _is_inquiry(event):
            return
        case = batch.cases.get(key)
        if case is not None:
            month = jalali_month(event.timestamp)
            batch.inquiries.rows.append(
                (position, key, case["agency"], case["service_code"], month)
            )

    @fold_event.register
    def _opened(self, event: ServiceCase.Opened, batch: _KpiBatch, position: int, key: str) -> None:
        batch.quality.add(
            {
                "case_id": key,
                "limit_hours": event.time_limit_hours,
                "evaluation": json.dumps(event.evaluation, ensure_ascii=False, sort_keys=True),
                "corrections": 0,
                "answers": "{}",
            }
        )
        batch.cases.add(
            {
                "case_id": key,
                "agency": event.agency,
                "service_code": event.service_code,
                "opened_at": utc_text(event.timestamp),
                "due_at": utc_text(event.timestamp + timedelta(hours=event.time_limit_hours)),
                "status": CaseStatus.OPEN.value,
                "closed_at": None,
                "in_person": None,
                "score": None,
                "rated_at": None,
            }
        )

    @fold_event.register
    def _delivered(
        self, event: ServiceCase.Delivered, batch: _KpiBatch, position: int, key: str
    ) -> None:
        batch.close(event, key, CaseStatus.DELIVERED, int(event.in_person))

    @fold_event.register
    def _rejected(
        self, event: ServiceCase.Rejected, batch: _KpiBatch, position: int, key: str
    ) -> None:
        batch.close(event, key, CaseStatus.REJECTED, None)

    @fold_event.register
    def _cancelled(
        self, event: ServiceCase.Cancelled, batch: _KpiBatch, position: int, key: str
    ) -> None:
        batch.close(event, key, CaseStatus.CANCELLED, None)

    @fold_event.register
    def _rated(self, event: ServiceCase.Rated, batch: _KpiBatch, position: int, key: str) -> None:
        case = batch.cases.get(key)
        if case is not None:
            batch.cases.change(case, score=event.score, rated_at=utc_text(event.timestamp))
        quality = batch.quality.get(key)
        if quality is not None:
            batch.quality.change(quality, answers=json.dumps(event.answers, sort_keys=True))

    @fold_event.register
    def _corrected(
        self, event: ServiceCase.CorrectionRequested, batch: _KpiBatch, position: int, key: str
    ) -> None:
        quality = batch.quality.get(key)
        if quality is not None:
            batch.quality.change(quality, corrections=int(quality["corrections"]) + 1)
