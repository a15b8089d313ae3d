"""The dashboard's text at the edge: Persian digits, Jalali dates, quarters, SVG charts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hub.web.dashboard import charts
from hub.web.dashboard.data import quarter_of, quarterly_summary
from hub.web.dashboard.i18n import Labels, fmt_hours, fmt_number, fmt_share, jalali, label
from hub.web.dashboard.openapi import openapi_document
from projections.agency_kpis import MonthlyReport


def test_numbers_shares_and_durations_read_in_persian_and_english() -> None:
    assert fmt_number(1234567, "fa") == "۱٬۲۳۴٬۵۶۷"
    assert fmt_number(4.25, "fa", 2) == "۴٫۲۵"
    assert fmt_number(4.25, "en", 2) == "4.25"
    assert fmt_number(None, "fa") == "—"
    assert fmt_share(0.834, "fa") == "۸۳٪"
    assert fmt_share(1.0, "en") == "100%"
    assert fmt_hours(2 / 3600, "fa") == "۲ ثانیه"
    assert fmt_hours(0.5, "en") == "30 min"
    assert fmt_hours(36.0, "fa") == "۳۶٫۰ ساعت"


def test_dates_are_jalali_in_tehran_with_persian_digits() -> None:
    nowruz = datetime(2026, 3, 20, 20, 30, tzinfo=UTC)  # 1405-01-01 00:00 in Tehran
    assert jalali(nowruz, "fa") == "۱۴۰۵/۰۱/۰۱ ۰۰:۰۰:۰۰"
    assert jalali(nowruz, "en") == "1405-01-01 00:00:00"
    assert jalali(nowruz, "fa", with_time=False) == "۱۴۰۵/۰۱/۰۱"


def test_labels_fall_back_to_the_word_and_the_key() -> None:
    assert label("delivered", "fa") == "تحویل‌شده"
    assert label("some_new_kind", "en") == "some new kind"
    assert Labels("fa")("overview") == "نمای ملی"
    assert Labels("xx")("overview") == "نمای ملی"  # an unknown language is Persian
    assert Labels("en")("no-such-key") == "no-such-key"


def _report(agency: str, month: str, opened: int, late: int) -> MonthlyReport:
    return MonthlyReport(agency, month, opened, opened, 0, 0, opened, 1.0, late, 0, None, 2)


def test_quarters_sum_the_monthly_counts() -> None:
    assert quarter_of("1405-01") == "1405-Q1"
    assert quarter_of("1405-09") == "1405-Q3"
    assert quarter_of("1405-10") == "1405-Q4"
    rows = quarterly_summary(
        [
            _report("MOJ", "1405-07", 3, 1),
            _report("MOJ", "1405-09", 2, 0),
            _report("MOJ", "1405-10", 1, 1),
        ]
    )
    assert [(r["quarter"], r["opened"], r["late_deliveries"]) for r in rows] == [
        ("1405-Q3", 5, 1),
        ("1405-Q4", 1, 1),
    ]
    assert rows[0]["quarter_fa"] == "پاییز 1405"


def test_charts_are_svg_with_persian_numerals_read_from_the_right() -> None:
    svg = charts.bar_chart(
        [("فروردین ۱۴۰۵", 1200), ("اردیبهشت ۱۴۰۵", 30)],
        x_title="ماه",
        y_title="پرونده",
        lang="fa",
        description="test",
    )
    assert svg.startswith("<svg")
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    numbers = [t for t in ticks if re.fullmatch(r"[۰-۹٬]+", t)]
    assert "۱٬۲۰۰" in numbers or "۱٬۰۰۰" in numbers, ticks
    assert not [t for t in ticks if re.search("[0-9]", t)], ticks
    # right to left: the first month stands right of the second
    first = re.search(r'translate\(([\d.]+),[\d.]+\)"[^>]*>فروردین', svg)
    second = re.search(r'translate\(([\d.]+),[\d.]+\)"[^>]*>اردیبهشت', svg)
    assert first and second and float(first[1]) > float(second[1])
    english = charts.bar_chart([("a", 1200)], x_title="m", y_title="n", lang="en", description="t")
    assert "1,200" in english or "1,000" in english


def test_openapi_lists_every_read_and_only_gets() -> None:
    doc = openapi_document(["agency_kpis"])
    assert doc["openapi"] == "3.1.0"
    assert {m for p in doc["paths"].values() for m in p} == {"get"}
    assert "/api/cases/{code}" in doc["paths"]
