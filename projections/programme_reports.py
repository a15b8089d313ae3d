"""The programme's reports (002 art. 9 n1; 004 preamble item 2, art. 18-19) and the public
catalogue's lines (004 art. 4 n1; 002 art. 3 n1): plain functions over plain facts.

The builders take what the catalogue, the programmes and the KPI view hold — as the
dataclasses below — and return dataclasses (``to_dict`` for JSON, :func:`markdown` for a
bilingual page). Nothing here reads a store: the hub, the dashboard and the tests call
them with the facts they have.

Definitions:

- *smart* / *online*: the record's :class:`~aggregates.service_record.Maturity`;
- a programme item is *achieved* when its service is smart in the catalogue;
- an agency is *late* (as at a moment, for a Jalali year) when it owns services but has no
  programme; when a month of the year that ended since its programme was submitted has no
  progress report; or when an item whose due month has ended is not smart yet;
- the annual score (0-100, 004 art. 18-19) weighs: electronic share of its services 40,
  programme achieved 20, deliveries on time 20, satisfaction 10 ((mean - 1) / 4), records
  revised within the year 10; a missing figure counts 0. Ties rank by agency code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Any

import jdatetime

from aggregates.jalali import TEHRAN, format_jalali, to_persian_digits
from aggregates.programme import ProgrammeItem, ProgressEntry, minimum_items
from aggregates.service_record import Maturity, ServiceRecordSpec, review_due
from projections.agency_kpis import InquiryFact, QualityFacts, ServiceQuality

__all__ = [
    "REPORT_FORMAT",
    "AgencyProgress",
    "AgencyQuality",
    "AgencyRank",
    "CatalogueLine",
    "LateAgency",
    "ProgrammeFacts",
    "Report",
    "ReportPeriod",
    "build_report",
    "catalogue_lines",
    "jalali_month_fa",
    "late_agencies",
    "markdown",
    "month_end",
    "month_start",
    "split_catalogue",
]

REPORT_FORMAT = "tabadol-report/1"

_KINDS = {
    "quarterly": (
        3,
        "گزارش سه‌ماهه به هیئت وزیران",
        "Quarterly report to the Cabinet",
        "002 art. 9 n1",
    ),
    "semiannual": (
        6,
        "پایش شش‌ماهه هوشمندسازی دستگاه‌ها",
        "Six-monthly assessment of the agencies' smart services",
        "002 art. 9",
    ),
    "four_monthly": (
        4,
        "گزارش چهارماهه اجرای آیین‌نامه توسعه خدمات الکترونیکی",
        "Four-monthly report on the e-services by-law",
        "004 preamble item 2",
    ),
    "annual": (
        12,
        "ارزیابی عملکرد سالانه و رتبه‌بندی دستگاه‌ها",
        "Annual performance evaluation and ranking of agencies",
        "004 art. 18-19",
    ),
}


def month_start(year: int, month: int) -> datetime:
    """00:00 Tehran on the 1st of a Jalali month, in UTC (month 13 is next Farvardin)."""
    if month == 13:
        year, month = year + 1, 1
    g = jdatetime.date(year, month, 1).togregorian()
    return datetime(g.year, g.month, g.day, tzinfo=TEHRAN).astimezone(UTC)


def month_end(year: int, month: int) -> datetime:
    """The end of a Jalali month (the start of the next), UTC."""
    return month_start(year, month + 1)


def _month_of(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(TEHRAN)
    j = jdatetime.date.fromgregorian(date=local.date())
    return int(j.year), int(j.month)


def jalali_month_fa(year: int, month: int) -> str:
    """«خرداد ۱۴۰۵»."""
    name = jdatetime.date(year, month, 1, locale=jdatetime.FA_LOCALE).strftime("%B")
    return f"{name} {to_persian_digits(str(year))}"


@dataclass(frozen=True)
class ReportPeriod:
    """A Jalali span of whole months: ``kind`` quarterly (1-4), four_monthly (1-3),
    semiannual (1-2) or annual (1)."""

    kind: str
    year: int
    number: int

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"report kind must be one of {', '.join(_KINDS)}")
        months = _KINDS[self.kind][0]
        if not 1 <= self.number <= 12 // months:
            raise ValueError(f"a {self.kind} period is numbered 1 to {12 // months}")

    @property
    def first_month(self) -> int:
        return (self.number - 1) * _KINDS[self.kind][0] + 1

    @property
    def last_month(self) -> int:
        return self.first_month + _KINDS[self.kind][0] - 1

    @property
    def starts(self) -> datetime:
        return month_start(self.year, self.first_month)

    @property
    def ends(self) -> datetime:
        return month_end(self.year, self.last_month)

    @property
    def jalali(self) -> str:
        last_day = (self.ends - timedelta(seconds=1)).astimezone(TEHRAN).date()
        j = jdatetime.date.fromgregorian(date=last_day)
        return f"{self.year}-{self.first_month:02d}-01 .. {j.year}-{j.month:02d}-{j.day:02d}"

    def contains(self, moment: datetime) -> bool:
        return self.starts <= moment < self.ends


@dataclass(frozen=True)
class CatalogueLine:
    """One service of the public catalogue, as people read it."""

    service_code: str
    owner_agency: str
    title_fa: str
    title_en: str
    revision: int
    maturity: str  # informational, partly_electronic, online, smart
    electronic: bool
    revised_at: str  # Jalali
    review_due: str  # Jalali
    stale: bool  # not revised for a year (002 art. 3 n1)
    electronic_by: str = ""  # timetable of a non-electronic service (004 art. 4 n1)
    deputy_approval: str = ""  # approval not to be electronic (art. 4 n2)
    reasons: str = ""

    @property
    def level(self) -> Maturity:
        return Maturity[self.maturity.upper()]


def catalogue_lines(
    records: Iterable[tuple[str, int, ServiceRecordSpec, datetime]], now: datetime
) -> list[CatalogueLine]:
    """(service code, revision, spec, revised at) → catalogue lines, by service code."""
    lines = []
    for code, revision, spec, revised_at in records:
        maturity = spec.maturity
        due = review_due(revised_at)
        plan = spec.non_electronic
        lines.append(
            CatalogueLine(
                service_code=code,
                owner_agency=spec.owner_agency,
                title_fa=spec.title_fa,
                title_en=spec.title_en,
                revision=revision,
                maturity=maturity.name.lower(),
                electronic=maturity.electronic,
                revised_at=format_jalali(revised_at, with_time=False),
                review_due=format_jalali(due, with_time=False),
                stale=now >= due,
                electronic_by=plan.electronic_by if plan else "",
                deputy_approval=plan.deputy_approval if plan else "",
                reasons=plan.reasons if plan else "",
            )
        )
    return sorted(lines, key=lambda line: line.service_code)


def split_catalogue(
    lines: Sequence[CatalogueLine],
) -> tuple[list[CatalogueLine], list[CatalogueLine]]:
    """Electronic and non-electronic services, listed separately (004 art. 4 n1)."""
    return [x for x in lines if x.electronic], [x for x in lines if not x.electronic]


@dataclass(frozen=True)
class ProgrammeFacts:
    """An agency's programme for a year: its items and its monthly reports."""

    agency: str
    year: int
    items: tuple[ProgrammeItem, ...]
    services_total: int
    submitted_at: datetime
    reports: Mapping[int, tuple[ProgressEntry, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class LateAgency:
    """An agency late against its programme, with every reason found."""

    agency: str
    reasons: tuple[str, ...]


def late_agencies(
    year: int,
    programmes: Iterable[ProgrammeFacts],
    catalogue: Sequence[CatalogueLine],
    at: datetime,
) -> list[LateAgency]:
    """The agencies late as at ``at`` for Jalali ``year`` (see the module docstring)."""
    at_year, at_month = _month_of(at)
    if (at_year, at_month) < (year, 1):
        return []
    # the months of the year that have ended by ``at``
    ended = 12 if at_year > year else at_month - 1
    maturity = {line.service_code: line.level for line in catalogue}
    by_agency = {p.agency: p for p in programmes if p.year == year}
    owners = {line.owner_agency for line in catalogue}
    late = []
    for agency in sorted(owners | set(by_agency)):
        programme = by_agency.get(agency)
        if programme is None:
            late.append(LateAgency(agency, (f"no programme for {year} / بدون برنامه سال {year}",)))
            continue
        reasons = []
        sub_year, sub_month = _month_of(programme.submitted_at)
        first = 1 if sub_year < year else sub_month
        for month in range(first, ended + 1):
            if month not in programme.reports:
                reasons.append(
                    f"no progress report for {year}-{month:02d}"
                    f" / گزارش پیشرفت {jalali_month_fa(year, month)} ارسال نشده"
                )
        for item in programme.items:
            level = maturity.get(item.service_code)
            if item.due_month <= ended and level is not Maturity.SMART:
                now_is = level.name.lower() if level else "not in the catalogue"
                reasons.append(
                    f"{item.service_code} was due to be smart by {year}-{item.due_month:02d}"
                    f" and is {now_is} / خدمت {item.service_code} تا {jalali_month_fa(year, item.due_month)}"
                    " باید هوشمند می‌شد"
                )
        if reasons:
            late.append(LateAgency(agency, tuple(reasons)))
    return late


@dataclass(frozen=True)
class AgencyProgress:
    """Smart-service progress of one agency (002 art. 9 n1, first item)."""

    agency: str
    services: int
    electronic: int
    online: int
    smart: int
    stale_records: int
    programme_items: int
    programme_minimum: int
    programme_achieved: int
    latest_report_month: int  # 0: none
    reported_percent: float | None  # mean of the items' percent in the latest report


@dataclass(frozen=True)
class AgencyQuality:
    """Service quality and online inquiries of one agency in the period."""

    agency: str
    opened: int
    delivered: int
    share_on_time: float | None
    share_in_person: float | None
    average_satisfaction: float | None
    share_reworked: float | None
    inquiries: int  # online inquiries through the hub (002 art. 9 n1, second item)


@dataclass(frozen=True)
class AgencyRank:
    rank: int
    agency: str
    score: float
    parts: Mapping[str, float]


@dataclass(frozen=True)
class Report:
    """One report: the period, and a section per duty."""

    kind: str
    title_fa: str
    title_en: str
    basis: str
    year: int
    number: int
    period_jalali: str
    as_of: str  # Jalali
    progress: tuple[AgencyProgress, ...]
    quality: tuple[AgencyQuality, ...]
    late: tuple[LateAgency, ...]
    stale: tuple[CatalogueLine, ...]
    non_electronic: tuple[CatalogueLine, ...]
    services_quality: tuple[ServiceQuality, ...] = ()
    ranking: tuple[AgencyRank, ...] = ()
    totals: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = REPORT_FORMAT
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=str)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _progress(
    agency: str,
    lines: Sequence[CatalogueLine],
    programme: ProgrammeFacts | None,
    until_month: int,
) -> AgencyProgress:
    own = [line for line in lines if line.owner_agency == agency]
    levels = {line.service_code: line.level for line in own}
    items = programme.items if programme else ()
    months = [m for m in (programme.reports if programme else {}) if m <= until_month]
    latest = max(months, default=0)
    percent = None
    if programme and latest:
        percent = (
            fmean(e.percent for e in programme.reports[latest])
            if programme.reports[latest]
            else None
        )
    return AgencyProgress(
        agency=agency,
        services=len(own),
        electronic=sum(1 for line in own if line.electronic),
        online=sum(1 for line in own if line.level is Maturity.ONLINE),
        smart=sum(1 for line in own if line.level is Maturity.SMART),
        stale_records=sum(1 for line in own if line.stale),
        programme_items=len(items),
        programme_minimum=minimum_items(len(own)),
        programme_achieved=sum(1 for i in items if levels.get(i.service_code) is Maturity.SMART),
        latest_report_month=latest,
        reported_percent=percent,
    )


def _quality(
    agency: str,
    facts: Sequence[QualityFacts],
    inquiries: Sequence[InquiryFact],
    period: ReportPeriod,
) -> AgencyQuality:
    ours = [f for f in facts if f.case.agency == agency]
    mine = [f.case for f in ours]
    opened = [c for c in mine if period.contains(c.opened_at)]
    reworked = sum(1 for f in ours if period.contains(f.case.opened_at) and f.corrections)
    delivered = [
        c
        for c in mine
        if c.status == "delivered" and c.closed_at is not None and period.contains(c.closed_at)
    ]
    scores = [
        c.score
        for c in mine
        if c.score is not None and c.rated_at is not None and period.contains(c.rated_at)
    ]
    months = {
        f"{period.year:04d}-{m:02d}" for m in range(period.first_month, period.last_month + 1)
    }
    return AgencyQuality(
        agency=agency,
        opened=len(opened),
        delivered=len(delivered),
        share_on_time=_share(sum(1 for c in delivered if not c.delivered_late), len(delivered)),
        share_in_person=_share(sum(1 for c in delivered if c.in_person), len(delivered)),
        average_satisfaction=fmean(scores) if scores else None,
        share_reworked=_share(reworked, len(opened)),
        inquiries=sum(1 for i in inquiries if i.agency == agency and i.month in months),
    )


def _rank(progress: Sequence[AgencyProgress], quality: Sequence[AgencyQuality]) -> list[AgencyRank]:
    by_agency = {q.agency: q for q in quality}
    scored = []
    for p in progress:
        q = by_agency.get(p.agency)
        parts = {
            "electronic": 40 * (_share(p.electronic, p.services) or 0.0),
            "programme": 20 * (_share(p.programme_achieved, p.programme_items) or 0.0),
            "on_time": 20 * ((q.share_on_time if q else None) or 0.0),
            "satisfaction": 10
            * (((q.average_satisfaction - 1) / 4) if q and q.average_satisfaction else 0.0),
            "up_to_date": 10 * (1 - (_share(p.stale_records, p.services) or 0.0))
            if p.services
            else 0.0,
        }
        scored.append((round(sum(parts.values()), 2), p.agency, parts))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [
        AgencyRank(
            rank=i + 1, agency=agency, score=score, parts={k: round(v, 2) for k, v in parts.items()}
        )
        for i, (score, agency, parts) in enumerate(scored)
    ]


def build_report(
    period: ReportPeriod,
    *,
    catalogue: Sequence[CatalogueLine],
    programmes: Sequence[ProgrammeFacts],
    cases: Sequence[QualityFacts],
    inquiries: Sequence[InquiryFact],
    services_quality: Sequence[ServiceQuality] = (),
    now: datetime,
) -> Report:
    """The report for ``period``, as at the period's end or ``now`` if earlier; ``cases``
    are the KPI view's case facts with their quality facts."""
    at = min(now, period.ends)
    _, last_month_done = _month_of(at)
    until = period.last_month if now >= period.ends else last_month_done
    mine = {p.agency: p for p in programmes if p.year == period.year}
    agencies = sorted(
        {line.owner_agency for line in catalogue} | set(mine) | {f.case.agency for f in cases}
    )
    progress = tuple(_progress(a, catalogue, mine.get(a), until) for a in agencies)
    quality = tuple(_quality(a, cases, inquiries, period) for a in agencies)
    late = tuple(late_agencies(period.year, programmes, catalogue, at))
    _, non_electronic = split_catalogue(catalogue)
    _, title_fa, title_en, basis = _KINDS[period.kind]
    ranking = tuple(_rank(progress, quality)) if period.kind == "annual" else ()
    totals = {
        "services": sum(p.services for p in progress),
        "electronic": sum(p.electronic for p in progress),
        "smart": sum(p.smart for p in progress),
        "stale_records": sum(p.stale_records for p in progress),
        "inquiries": sum(q.inquiries for q in quality),
        "delivered": sum(q.delivered for q in quality),
        "late_agencies": len(late),
    }
    return Report(
        kind=period.kind,
        title_fa=title_fa,
        title_en=title_en,
        basis=basis,
        year=period.year,
        number=period.number,
        period_jalali=period.jalali,
        as_of=format_jalali(at),
        progress=progress,
        quality=quality,
        late=late,
        stale=tuple(line for line in catalogue if line.stale),
        non_electronic=tuple(non_electronic),
        services_quality=tuple(services_quality),
        ranking=ranking,
        totals=totals,
    )


def _fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.0f}%" if percent else f"{value:.2f}"


def markdown(report: Report) -> str:
    """The report as bilingual (Persian / English) Markdown."""
    out = [
        f"# {report.title_fa}",
        f"# {report.title_en}",
        "",
        f"- دوره / period: {report.period_jalali} ({report.kind} {report.number}, {report.year})",
        f"- تا تاریخ / as of: {report.as_of} (Asia/Tehran)",
        f"- مبنا / basis: {report.basis}",
        "",
        "## ۱. پیشرفت خدمات هوشمند / Smart-service progress",
        "",
        "| دستگاه / agency | خدمات / services | الکترونیکی / electronic | برخط / online | هوشمند / smart"
        " | برنامه / programme (min) | محقق / achieved | آخرین گزارش / last report | شناسنامه کهنه / stale |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in report.progress:
        last = f"{report.year}-{p.latest_report_month:02d}" if p.latest_report_month else "—"
        out.append(
            f"| {p.agency} | {p.services} | {p.electronic} | {p.online} | {p.smart}"
            f" | {p.programme_items} ({p.programme_minimum}) | {p.programme_achieved} | {last}"
            f" | {p.stale_records} |"
        )
    out += [
        "",
        "## ۲. استعلامات برخط از طریق مرکز تبادل و کیفیت خدمات / Online inquiries through the hub and service quality",
        "",
        "| دستگاه / agency | ثبت / opened | تحویل / delivered | به‌موقع / on time | حضوری / in person"
        " | رضایت / satisfaction (1-5) | بازکاری / rework | استعلام برخط / online inquiries |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for q in report.quality:
        out.append(
            f"| {q.agency} | {q.opened} | {q.delivered} | {_fmt(q.share_on_time, True)}"
            f" | {_fmt(q.share_in_person, True)} | {_fmt(q.average_satisfaction)}"
            f" | {_fmt(q.share_reworked, True)} | {q.inquiries} |"
        )
    out += [
        "",
        "## ۳. دستگاه‌های دارای تأخیر در اجرای برنامه / Agencies late against their programme",
        "",
    ]
    if not report.late:
        out.append("- هیچ / none")
    for late in report.late:
        out.append(f"- **{late.agency}**")
        out += [f"  - {reason}" for reason in late.reasons]
    out += [
        "",
        "## ۴. شناسنامه‌های به‌روزنشده در یک سال گذشته / Service records not revised for a year (002 art. 3 n1)",
        "",
    ]
    out += [
        f"- {line.service_code} {line.owner_agency} «{line.title_fa}» — revised {line.revised_at},"
        f" due {line.review_due}"
        for line in report.stale
    ] or ["- هیچ / none"]
    out += [
        "",
        "## ۵. خدمات الکترونیکی‌نشده و زمان‌بندی آن‌ها / Non-electronic services and their timetable (004 art. 4 n1-n2)",
        "",
    ]
    out += [
        f"- {line.service_code} {line.owner_agency} «{line.title_fa}» ({line.maturity}):"
        + (f" electronic by {line.electronic_by}" if line.electronic_by else "")
        + (f"; Deputy's approval {line.deputy_approval}" if line.deputy_approval else "")
        for line in report.non_electronic
    ] or ["- هیچ / none"]
    if report.services_quality:
        out += [
            "",
            "## ۶. کیفیت هر خدمت به روش ارزیابی شناسنامه / Quality per service, by its evaluation method (002 art. 8)",
            "",
            "| خدمت / service | دستگاه / agency | تحویل / delivered | سنجه‌ها / measures | به‌موقع / on time"
            " | بازکاری / rework | حضوری / in person | پاسخ / response | میانگین پاسخ‌ها / mean answers |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for s in report.services_quality:
            answers = (
                ", ".join(f"{k} {v:.1f}/{s.scale[1]}" for k, v in s.mean_answers.items()) or "—"
            )
            out.append(
                f"| {s.service_code} | {s.agency} | {s.delivered} | {', '.join(s.measures)}"
                f" | {_fmt(s.share_on_time, True)} | {_fmt(s.share_reworked, True)}"
                f" | {_fmt(s.share_in_person, True)} | {_fmt(s.response_rate, True)} | {answers} |"
            )
    if report.ranking:
        out += [
            "",
            "## رتبه‌بندی دستگاه‌ها / Ranking of agencies (004 art. 19)",
            "",
            "امتیاز: الکترونیکی ۴۰، تحقق برنامه ۲۰، به‌موقع ۲۰، رضایت ۱۰، به‌روز بودن شناسنامه ۱۰ /"
            " score: electronic 40, programme 20, on time 20, satisfaction 10, records up to date 10",
            "",
            "| رتبه / rank | دستگاه / agency | امتیاز / score |",
            "|---|---|---|",
        ]
        out += [f"| {r.rank} | {r.agency} | {r.score:.1f} |" for r in report.ranking]
    return "\n".join(out) + "\n"
