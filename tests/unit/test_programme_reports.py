"""The agencies' programmes (002 art. 6-7, 9 n1), the late agencies, the quarterly,
four-monthly and annual reports (004 preamble, art. 18-19), and the permits registry
(004 art. 5)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.jalali import TEHRAN
from aggregates.permit import PermitKind, PermitKindSpec, PermitProcedure
from aggregates.programme import (
    AgencyProgramme,
    PriorityAxis,
    ProgrammeItem,
    ProgressEntry,
    ProgressStatus,
    minimum_items,
)
from aggregates.service_record import DEFAULT_EVALUATION, NonElectronicPlan
from projections.agency_kpis import CaseFacts, InquiryFact, QualityFacts
from projections.programme_reports import (
    CatalogueLine,
    ProgrammeFacts,
    ReportPeriod,
    build_report,
    late_agencies,
    markdown,
    month_start,
    split_catalogue,
)

OWN = [f"1302100{n:04d}" for n in range(1, 11)]  # ten services of MOJ
OTHER = {"1402200001": "TAX"}


def item(code: str, priority: int, *deps: str, due: int = 12) -> ProgrammeItem:
    return ProgrammeItem(code, priority, (PriorityAxis.WIDE_USE,), deps, due)


def submit(*items: ProgrammeItem) -> AgencyProgramme:
    return AgencyProgramme.submit(
        "moj", 1405, items, own_services=OWN, other_services=OTHER, by="MOJ"
    )


def fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [v.field for v in error.value.violations]


# --- the programme -------------------------------------------------------------------------


def test_twenty_percent_is_rounded_up() -> None:
    assert [minimum_items(n) for n in (0, 1, 5, 10, 11, 100)] == [0, 1, 1, 2, 3, 20]


def test_a_programme_covers_at_least_twenty_percent_of_the_agencys_services() -> None:
    with pytest.raises(InvalidInput) as error:
        submit(item(OWN[0], 1))
    assert fields(error) == ["items"]
    assert "002 art. 6" in str(error.value)
    programme = submit(item(OWN[1], 2, "1402200001"), item(OWN[0], 1))
    assert [i.service_code for i in programme.items] == [OWN[0], OWN[1]]  # by priority
    assert PriorityAxis.SERVICE_CHAIN in programme.items[1].axes  # a dependency is a chain
    assert (programme.agency, programme.year, programme.services_total) == ("MOJ", 1405, 10)


def test_each_item_is_the_agencys_own_once_with_one_priority_and_real_dependencies() -> None:
    with pytest.raises(InvalidInput) as error:
        submit(
            item("1402200001", 1),
            item(OWN[0], 2, "1302100009"),
            item(OWN[0], 2),
            ProgrammeItem(OWN[2], 3, (), (), 13),
        )
    assert fields(error) == [
        "items[0].service_code",
        "items[1].depends_on[0]",
        "items[2].service_code",
        "items[2].priority",
        "items[3].axes",
        "items[3].due_month",
    ]


def test_monthly_reports_cover_every_item_once_a_month_and_not_ahead() -> None:
    programme = submit(item(OWN[0], 1), item(OWN[1], 2))
    done = ProgressEntry(OWN[0], ProgressStatus.DONE, 100)
    going = ProgressEntry(OWN[1], ProgressStatus.IN_PROGRESS, 40, "در حال اتصال")
    with pytest.raises(InvalidInput) as error:
        programme.report_progress(3, [done], current_month=2, by="MOJ")
    assert fields(error) == ["month"]
    with pytest.raises(InvalidInput) as error:
        programme.report_progress(1, [done], current_month=2, by="MOJ")
    assert "missing" in str(error.value)
    with pytest.raises(InvalidInput) as error:
        bad = ProgressEntry(OWN[1], ProgressStatus.DONE, 90)
        programme.report_progress(1, [done, bad], current_month=2, by="MOJ")
    assert fields(error) == ["entries[1].percent"]
    programme.report_progress(1, [done, going], current_month=2, by="MOJ")
    assert programme.reports[1] == (done, going)
    with pytest.raises(TransitionRefused):
        programme.report_progress(1, [done, going], current_month=2, by="MOJ")


# --- lateness and the reports ----------------------------------------------------------------


def line(
    code: str, agency: str, maturity: str, *, stale: bool = False, **extra: str
) -> CatalogueLine:
    return CatalogueLine(
        service_code=code,
        owner_agency=agency,
        title_fa="خدمت " + code,
        title_en="Service " + code,
        revision=1,
        maturity=maturity,
        electronic=maturity in ("online", "smart"),
        revised_at="1404-01-10",
        review_due="1405-01-10",
        stale=stale,
        **extra,
    )


CATALOGUE = [
    line("1302100001", "MOJ", "smart"),
    line("1302100002", "MOJ", "online"),
    line("1302100003", "MOJ", "partly_electronic", stale=True, electronic_by="1405/12/29"),
    line("1402200001", "TAX", "smart"),
    line("1402200002", "TAX", "online"),
    line("1502300001", "POST", "online"),
]
SUBMITTED = month_start(1405, 1) + timedelta(days=3)


def facts(
    agency: str, items: tuple[ProgrammeItem, ...], reports: dict[int, tuple[ProgressEntry, ...]]
) -> ProgrammeFacts:
    return ProgrammeFacts(agency, 1405, items, 3, SUBMITTED, reports)


def entries(*codes: str) -> tuple[ProgressEntry, ...]:
    return tuple(ProgressEntry(c, ProgressStatus.IN_PROGRESS, 50) for c in codes)


MOJ = facts(
    "MOJ",
    (item("1302100001", 1, due=2), item("1302100002", 2, due=3)),
    {1: entries("1302100001", "1302100002"), 2: entries("1302100001", "1302100002")},
)
TAX = facts(
    "TAX",
    (item("1402200001", 1, due=3),),
    {1: entries("1402200001"), 2: entries("1402200001"), 3: entries("1402200001")},
)


def test_late_agencies_are_named_with_their_reasons() -> None:
    at = month_start(1405, 4) + timedelta(days=2)  # Tir: Farvardin to Khordad have ended
    late = {x.agency: x.reasons for x in late_agencies(1405, [MOJ, TAX], CATALOGUE, at)}
    assert set(late) == {"MOJ", "POST"}
    assert late["POST"] == ("no programme for 1405 / بدون برنامه سال 1405",)
    moj = late["MOJ"]
    assert any("no progress report for 1405-03" in r for r in moj)
    assert any("1302100002 was due to be smart by 1405-03 and is online" in r for r in moj)
    assert not any("1302100001" in r for r in moj)  # due in month 2 and smart: on track


def test_nobody_is_late_before_the_year_starts() -> None:
    assert late_agencies(1406, [MOJ], CATALOGUE, month_start(1405, 5)) == []


def test_the_catalogue_lists_electronic_and_non_electronic_services_apart() -> None:
    electronic, other = split_catalogue(CATALOGUE)
    assert [x.service_code for x in other] == ["1302100003"]
    assert other[0].electronic_by == "1405/12/29"
    assert len(electronic) == 5


T = month_start(1405, 2) + timedelta(days=1)


def qfact(
    agency: str,
    code: str,
    *,
    hours: float,
    late: bool = False,
    score: int | None = None,
    corrections: int = 0,
) -> QualityFacts:
    closed = T + timedelta(hours=hours)
    case = CaseFacts(
        agency,
        code,
        T,
        T + timedelta(hours=hours - 1 if late else hours + 1),
        "delivered",
        closed,
        False,
        score,
        closed if score else None,
    )
    return QualityFacts(
        case, 10, DEFAULT_EVALUATION, corrections, {"overall": score} if score else {}
    )


CASES = [
    qfact("MOJ", "1302100001", hours=2, score=5),
    qfact("MOJ", "1302100001", hours=30, late=True, score=3, corrections=1),
    qfact("TAX", "1402200001", hours=1, score=4),
]
INQUIRIES = [
    InquiryFact("MOJ", "1302100001", "1405-02"),
    InquiryFact("MOJ", "1302100001", "1405-05"),
]


def test_the_quarterly_report_has_each_section_of_002_art_9_n1() -> None:
    now = month_start(1405, 4) + timedelta(days=2)
    report = build_report(
        ReportPeriod("quarterly", 1405, 1),
        catalogue=CATALOGUE,
        programmes=[MOJ, TAX],
        cases=CASES,
        inquiries=INQUIRIES,
        now=now,
    )
    assert report.period_jalali == "1405-01-01 .. 1405-03-31"
    moj = next(p for p in report.progress if p.agency == "MOJ")
    assert (
        moj.services,
        moj.electronic,
        moj.smart,
        moj.programme_items,
        moj.programme_achieved,
    ) == (3, 2, 1, 2, 1)
    assert (moj.latest_report_month, moj.stale_records) == (2, 1)
    quality = next(q for q in report.quality if q.agency == "MOJ")
    assert (quality.delivered, quality.inquiries) == (2, 1)  # the Mordad inquiry is outside
    assert quality.share_on_time == 0.5 and quality.average_satisfaction == 4
    assert quality.share_reworked == 0.5
    assert [x.agency for x in report.late] == ["MOJ", "POST"]
    assert [x.service_code for x in report.stale] == ["1302100003"]
    assert report.ranking == ()
    data = json.loads(report.to_json())
    assert data["format"] == "tabadol-report/1" and data["late"][0]["agency"] == "MOJ"
    text = markdown(report)
    for heading in (
        "گزارش سه‌ماهه به هیئت وزیران",
        "Quarterly report to the Cabinet",
        "Agencies late against their programme",
        "- **MOJ**",
        "Online inquiries through the hub",
        "not revised for a year",
        "electronic by 1405/12/29",
    ):
        assert heading in text


def test_a_report_of_a_running_period_is_as_at_now() -> None:
    now = month_start(1405, 3) + timedelta(days=5)  # Khordad: only Farvardin, Ordibehesht ended
    report = build_report(
        ReportPeriod("quarterly", 1405, 1),
        catalogue=CATALOGUE,
        programmes=[MOJ, TAX],
        cases=CASES,
        inquiries=[],
        now=now,
    )
    assert [x.agency for x in report.late] == ["POST"]  # MOJ's item is due in month 3


def test_four_monthly_and_annual_periods() -> None:
    assert ReportPeriod("four_monthly", 1405, 2).jalali == "1405-05-01 .. 1405-08-30"
    assert ReportPeriod("annual", 1403, 1).jalali == "1403-01-01 .. 1403-12-30"  # leap year
    assert ReportPeriod("semiannual", 1405, 2).jalali == "1405-07-01 .. 1405-12-29"
    with pytest.raises(ValueError):
        ReportPeriod("four_monthly", 1405, 4)


def test_the_annual_evaluation_ranks_agencies() -> None:
    now = datetime(2027, 4, 1, tzinfo=UTC)
    report = build_report(
        ReportPeriod("annual", 1405, 1),
        catalogue=CATALOGUE,
        programmes=[MOJ, TAX],
        cases=CASES,
        inquiries=INQUIRIES,
        now=now,
    )
    ranks = [(r.rank, r.agency) for r in report.ranking]
    assert ranks == [(1, "TAX"), (2, "MOJ"), (3, "POST")]
    tax = report.ranking[0]
    assert tax.score == pytest.approx(40 + 20 * 1 + 20 + 10 * 0.75 + 10)
    assert "Ranking of agencies (004 art. 19)" in markdown(report)
    assert report.title_en.startswith("Annual performance evaluation")


# --- the permits registry ---------------------------------------------------------------------

PROC = PermitProcedure(("ثبت درخواست", "بازدید", "صدور"), 2_000_000, 15)


def permit_spec(**changes: object) -> PermitKindSpec:
    spec = PermitKindSpec(
        "پروانه ساخت",
        "Building permit",
        "teh-mun",
        "قانون شهرداری ماده ۱۰۰",
        24,
        PROC,
        PROC,
        PermitProcedure(("ابطال",), 0, 3),
        None,
    )
    return dataclasses.replace(spec, **changes)


def test_a_permit_kind_records_issuer_and_every_procedure() -> None:
    permit = PermitKind.define("teh-build", permit_spec(), by="TEH-MUN")
    assert permit.code == "TEH-BUILD" and permit.spec.issuer == "TEH-MUN"
    assert permit.spec.reinstatement is None and permit.spec.renewal == PROC
    permit.revise(
        permit_spec(reinstatement=PermitProcedure(("درخواست احیا",), 500_000, 7)),
        "احیا ممکن شد",
        by="TEH-MUN",
    )
    assert permit.spec.reinstatement is not None
    with pytest.raises(TransitionRefused):
        permit.revise(permit_spec(issuer="MOI"), "x", by="MOI")


def test_a_permit_kind_is_checked() -> None:
    with pytest.raises(InvalidInput) as error:
        PermitKind.define(
            "x",
            permit_spec(
                validity_months=0,
                issue=PermitProcedure((), -1, 0),
                cancellation=None,  # type: ignore[arg-type]
            ),
            by="MOI",
        )
    assert [v.field for v in error.value.violations] == [
        "code",
        "spec.issue.process",
        "spec.issue.cost_rials",
        "spec.issue.time_days",
        "spec.cancellation",
        "spec.renewal",
    ]


def test_nothing_here_depends_on_tehran_time_being_utc() -> None:
    assert month_start(1405, 1).astimezone(TEHRAN).hour == 0
    assert NonElectronicPlan().to_dict() == {
        "electronic_by": "",
        "reasons": "",
        "deputy_approval": "",
    }
