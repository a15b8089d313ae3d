"""Jalali at the edge: Tehran time for people, UTC in storage, dates that exist."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.errors import InvalidInput
from aggregates.jalali import (
    TEHRAN,
    JalaliPeriod,
    format_jalali,
    jalali_month,
    parse_jalali_date,
    to_persian_digits,
)

NOWRUZ_1405 = datetime(2026, 3, 20, 20, 30, tzinfo=UTC)


def test_tehran_is_the_iana_zone() -> None:
    assert TEHRAN.key == "Asia/Tehran"
    assert NOWRUZ_1405.astimezone(TEHRAN).utcoffset() == timedelta(hours=3, minutes=30)


def test_nowruz_1405_in_tehran() -> None:
    assert format_jalali(NOWRUZ_1405) == "1405-01-01 00:00:00"
    assert format_jalali(NOWRUZ_1405, with_time=False) == "1405-01-01"
    assert format_jalali(NOWRUZ_1405 - timedelta(seconds=1)) == "1404-12-29 23:59:59"


def test_format_jalali_with_persian_digits() -> None:
    assert format_jalali(NOWRUZ_1405, persian_digits=True) == "۱۴۰۵-۰۱-۰۱ ۰۰:۰۰:۰۰"


def test_format_jalali_converts_any_aware_zone() -> None:
    same_moment = NOWRUZ_1405.astimezone(timezone(timedelta(hours=-5)))
    assert format_jalali(same_moment) == "1405-01-01 00:00:00"


def test_format_jalali_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_jalali(datetime(2026, 3, 20, 20, 30))  # noqa: DTZ001 - the point of the test


def test_to_persian_digits() -> None:
    assert to_persian_digits("1403/12/30 ساعت 9") == "۱۴۰۳/۱۲/۳۰ ساعت ۹"


def test_jalali_month_follows_tehran_time() -> None:
    assert jalali_month(NOWRUZ_1405) == "1405-01"
    assert jalali_month(NOWRUZ_1405 - timedelta(minutes=1)) == "1404-12"


@pytest.mark.parametrize("text", ["1403/12/30", "1403-12-30", "۱۴۰۳/۱۲/۳۰", " 1403/12/30 "])
def test_1403_12_30_exists_because_1403_is_leap(text: str) -> None:
    assert parse_jalali_date(text, "birth_date") == date(2025, 3, 20)


def test_parse_jalali_date_of_nowruz_1405() -> None:
    assert parse_jalali_date("1405/1/1", "opens_on") == date(2026, 3, 21)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1404-12-30", "1404 is not a leap year"),
        ("1404/13/01", "month 13 does not exist"),
        ("1404/00/10", "month 0 does not exist"),
        ("1404/01/32", "day 32 does not exist"),
        ("1404/07/31", "مهر 1404 has 30 days"),
        ("1404/01/00", "day 0 does not exist"),
        ("1404.01.01", "is not a Jalali date"),
        ("yesterday", "is not a Jalali date"),
        ("", "is not a Jalali date"),
    ],
)
def test_dates_that_do_not_exist_are_refused_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_jalali_date(text, "birth_date")
    assert [v.field for v in error.value.violations] == ["birth_date"]
    assert fragment in error.value.violations[0].description


@given(st.dates(min_value=date(1921, 3, 21), max_value=date(2122, 3, 20)))  # Jalali 1300–1500
def test_format_then_parse_returns_the_same_day(day: date) -> None:
    noon_in_tehran = datetime.combine(day, time(12), tzinfo=TEHRAN)
    shown = format_jalali(noon_in_tehran, with_time=False)
    assert parse_jalali_date(shown, "day") == day
    assert jalali_month(noon_in_tehran) == shown[:7]


# --- JalaliPeriod ---------------------------------------------------------------------


def test_period_length_and_membership_are_half_open() -> None:
    period = JalaliPeriod(NOWRUZ_1405, NOWRUZ_1405 + timedelta(days=14, hours=12))
    assert period.days == 14.5
    assert period.contains(NOWRUZ_1405)
    assert period.contains(NOWRUZ_1405 + timedelta(days=3))
    assert not period.contains(period.closes)
    assert not period.contains(NOWRUZ_1405 - timedelta(microseconds=1))


def test_period_keeps_utc() -> None:
    opens = NOWRUZ_1405.astimezone(TEHRAN)
    period = JalaliPeriod(opens, opens + timedelta(days=1))
    assert period.opens == NOWRUZ_1405
    assert period.opens.tzinfo is UTC


def test_period_must_close_after_it_opens() -> None:
    with pytest.raises(InvalidInput) as error:
        JalaliPeriod(NOWRUZ_1405, NOWRUZ_1405)
    assert error.value.violations[0].field == "closes"


def test_period_refuses_naive_datetimes() -> None:
    naive = datetime(2026, 3, 21)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        JalaliPeriod(naive, NOWRUZ_1405 + timedelta(days=2))
    period = JalaliPeriod(NOWRUZ_1405, NOWRUZ_1405 + timedelta(days=2))
    with pytest.raises(ValueError, match="timezone-aware"):
        period.contains(naive)


def test_period_describes_itself_in_tehran_jalali() -> None:
    period = JalaliPeriod(NOWRUZ_1405, NOWRUZ_1405 + timedelta(days=14, hours=9))
    text = period.describe()
    assert "1405-01-01 00:00" in text
    assert "1405-01-15 09:00" in text
    assert "14.4 روز" in text
    persian = period.describe(persian_digits=True)
    assert "۱۴۰۵-۰۱-۰۱ ۰۰:۰۰" in persian
    assert "۱۴٫۴" in persian
    assert not any(ch.isascii() and ch.isdigit() for ch in persian)


def test_an_events_time_is_formatted_once_however_often_it_is_shown() -> None:
    from datetime import UTC, datetime

    from aggregates import jalali

    moment = datetime(2026, 3, 20, 20, 30, 7, 123, tzinfo=UTC)
    before = jalali._format_jalali.cache_info()
    first = jalali.format_jalali(moment)
    for _ in range(10):
        assert jalali.format_jalali(moment.replace()) == first == "1405-01-01 00:00:07"
    after = jalali._format_jalali.cache_info()
    assert after.misses == before.misses + 1 and after.hits == before.hits + 10
