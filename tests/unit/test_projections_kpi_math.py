"""KPI arithmetic and the open-data documents, on hand-made case facts."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.errors import InvalidInput
from projections.agency_kpis import (
    CaseFacts,
    InquiryFact,
    MonthlyReport,
    compute_kpis,
    compute_monthly,
    parse_month,
    percentile,
)
from projections.open_data import (
    KPI_COLUMNS,
    kpis_csv,
    kpis_json,
    monthly_csv,
    monthly_json,
)

T0 = datetime(2026, 3, 20, 20, 30, tzinfo=UTC)  # 1405-01-01 00:00 Tehran


def case(
    hours: float | None, *, status: str = "delivered", limit: float = 48, **more: object
) -> CaseFacts:
    return CaseFacts(
        agency=str(more.pop("agency", "MOJ")),
        service_code=str(more.pop("service_code", "13021000101")),
        opened_at=T0,
        due_at=T0 + timedelta(hours=limit),
        status=status,
        closed_at=None if hours is None else T0 + timedelta(hours=hours),
        **more,  # type: ignore[arg-type]
    )


@given(st.lists(st.floats(0, 10_000), min_size=2, max_size=60))
def test_percentiles_agree_with_the_statistics_module(values: list[float]) -> None:
    ordered = sorted(values)
    assert percentile(ordered, 0.5) == pytest.approx(statistics.median(values), abs=1e-9)
    expected = statistics.quantiles(values, n=10, method="inclusive")[8]
    assert percentile(ordered, 0.9) == pytest.approx(expected, abs=1e-6)


def test_percentile_of_nothing_and_of_one() -> None:
    assert percentile([], 0.5) is None and percentile([7.0], 0.9) == 7.0


def test_kpis_per_agency_and_service() -> None:
    facts = [
        case(10, in_person=False, score=5, rated_at=T0),
        case(60, in_person=True),  # late
        case(None, status="open", limit=24),  # overdue at T0 + 2 days
        case(None, status="open", limit=96),
        case(5, status="rejected"),
        case(2, agency="MIMT", service_code="13021000202", in_person=False),
    ]
    inquiries = [InquiryFact("MOJ", "13021000101", "1405-01")] * 3
    mimt, moj = compute_kpis(facts, inquiries, T0 + timedelta(days=2))  # by agency code
    assert moj.total.agency == "MOJ" and [s.service_code for s in moj.services] == ["13021000101"]
    total = moj.total
    assert (total.cases, total.delivered, total.open, total.rejected) == (5, 2, 2, 1)
    assert total.median_hours_to_delivery == 35 and total.p90_hours_to_delivery == 55
    assert total.share_delivered_without_visit == 0.5
    assert (total.inquiries, total.share_inquiries_electronic) == (3, 1.0)
    assert (total.late_deliveries, total.overdue_open, total.past_time_limit) == (1, 1, 2)
    assert (total.ratings, total.average_satisfaction) == (1, 5)
    assert mimt.total.inquiries == 0 and mimt.total.share_inquiries_electronic is None
    assert mimt.total.average_satisfaction is None


def test_monthly_reports_follow_tehran_jalali_months() -> None:
    esfand = T0 - timedelta(minutes=1)  # 1404-12-29 23:59 Tehran
    facts = [
        CaseFacts(
            "MOJ",
            "13021000101",
            esfand,
            esfand + timedelta(hours=1),
            "delivered",
            closed_at=T0 + timedelta(hours=2),
            in_person=False,
            score=4,
            rated_at=T0 + timedelta(days=40),
        ),
    ]
    reports = {r.month: r for r in compute_monthly(facts, [InquiryFact("MOJ", "x", "1404-12")])}
    assert set(reports) == {"1404-12", "1405-01", "1405-02"}
    assert (reports["1404-12"].opened, reports["1404-12"].inquiries) == (1, 1)
    assert (reports["1405-01"].delivered, reports["1405-01"].late_deliveries) == (1, 1)
    assert reports["1405-02"].average_satisfaction == 4
    assert reports["1404-12"].month_fa == "اسفند ۱۴۰۴"


def test_a_month_is_parsed_as_typed() -> None:
    assert parse_month("۱۴۰۵-۱") == "1405-01" and parse_month(" 1405-12 ") == "1405-12"
    for wrong in ("1405/01", "1405-13", "05-01", ""):
        with pytest.raises(InvalidInput):
            parse_month(wrong)


def test_open_data_is_csv_with_empty_cells_for_na_and_json_with_nulls() -> None:
    agencies = compute_kpis([case(10, in_person=False)], [], T0)
    rows = list(csv.DictReader(io.StringIO(kpis_csv(agencies))))
    assert list(rows[0]) == list(KPI_COLUMNS) and len(rows) == 2  # total + one service
    assert rows[0]["service_code"] == "" and rows[1]["service_code"] == "13021000101"
    assert rows[0]["average_satisfaction"] == "" and rows[0]["median_hours_to_delivery"] == "10.0"
    document = json.loads(kpis_json(agencies, as_of=T0, position=42))
    assert document["format"] == "tabadol-open-data/1" and document["position"] == 42
    assert document["as_of_jalali"] == "1405-01-01 00:00:00"
    assert document["rows"][0]["share_inquiries_electronic"] is None

    report = MonthlyReport("MOJ", "1405-01", 1, 1, 0, 0, 1, 2.5, 0, 0, None, 0)
    assert "فروردین ۱۴۰۵" in monthly_csv([report])
    assert json.loads(monthly_json([report], as_of=T0, position=1))["rows"][0]["month"] == "1405-01"
