"""The connectors' own copies of the check-digit rules, and their Jalali arithmetic."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import _codes, _jalali

COEFFICIENTS = [29, 27, 23, 19, 17, 29, 27, 23, 19, 17]
POSTAL_RULE = re.compile(r"^(?!(\d)\1{3})[13-9]{4}[1346-9][013-9]{5}$")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_national_code_rule_is_the_documented_formula(code: str) -> None:
    s = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    expected = s if s < 2 else 11 - s
    assert _codes.is_national_code(code) == (int(code[9]) == expected and len(set(code)) > 1)


def test_national_code_refusals() -> None:
    assert _codes.is_national_code("0013542419")
    assert not _codes.is_national_code("0013542418")  # wrong check digit
    assert not _codes.is_national_code("1111111111")  # passes the sum, never issued
    assert not _codes.is_national_code("001354241")  # nine digits
    assert not _codes.is_national_code("۰۰۱۳۵۴۲۴۱۹")  # Persian digits: callers normalise


def test_national_id_rule() -> None:
    ten = "1086193461"
    k = int(ten[9]) + 2
    s = sum((int(d) + k) * c for d, c in zip(ten, COEFFICIENTS, strict=True)) % 11
    assert _codes.national_id_check_digit(ten) == (0 if s == 10 else s)
    good = ten + str(_codes.national_id_check_digit(ten))
    assert _codes.is_national_id(good)
    bad = ten + str((int(good[10]) + 1) % 10)
    assert not _codes.is_national_id(bad)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_postal_code_rule_is_the_regex(code: str) -> None:
    assert _codes.is_postal_code(code) == (POSTAL_RULE.match(code) is not None)


def test_sheba_and_luhn() -> None:
    sheba = _codes.sheba_from_bban("0170000000000000000001")
    assert _codes.is_sheba(sheba)
    assert not _codes.is_sheba(sheba[:-1] + str((int(sheba[-1]) + 1) % 10))
    assert _codes.luhn_check_digit("7992739871") == 3
    body = "123456789012345"
    check = _codes.luhn_check_digit(body)
    assert _codes.is_inquiry_tracking_code(f"{body}{check}")
    assert not _codes.is_inquiry_tracking_code(f"{body}{(check + 1) % 10}")
    assert not _codes.is_inquiry_tracking_code(body)


def test_masking_and_metadata_tokens() -> None:
    assert _codes.mask_national_code("0013542419") == "001*****19"
    assert _codes.is_agency_code("MOI-02")
    assert not _codes.is_agency_code("moi")
    assert _codes.is_case_tracking_code("C-7K2M-9QX4-HAB3-Z")
    assert not _codes.is_case_tracking_code("کد")
    assert not _codes.is_case_tracking_code("-leading")


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2255, 12, 31)))
def test_jalali_agrees_with_jdatetime(day: date) -> None:
    expected = jdatetime.date.fromgregorian(date=day)
    assert _jalali.from_gregorian(day) == (expected.year, expected.month, expected.day)
    assert _jalali.to_gregorian(expected.year, expected.month, expected.day) == day


def test_every_year_boundary_from_1300_to_1500_agrees_with_jdatetime() -> None:
    for year in range(1300, 1501):
        nowruz = jdatetime.date(year, 1, 1).togregorian()
        assert _jalali.to_gregorian(year, 1, 1) == nowruz
        assert _jalali.from_gregorian(nowruz - timedelta(days=1)) == (
            year - 1,
            12,
            30 if jdatetime.date(year - 1, 1, 1).isleap() else 29,
        )
        assert _jalali.is_leap(year) == jdatetime.date(year, 1, 1).isleap()


def test_jalali_leap_years_and_invalid_dates() -> None:
    assert _jalali.is_leap(1403) and not _jalali.is_leap(1404)
    assert _jalali.parse_date("1403/12/30") == (1403, 12, 30)
    for text in ("1404/12/30", "1370/13/01", "1370/5/12", "۱۳۷۰/۰۵/۱۲", "1370-05-12"):
        with pytest.raises(ValueError):
            _jalali.parse_date(text)


def test_jalali_datetime_is_tehran_time() -> None:
    nowruz = datetime(2026, 3, 20, 20, 30, tzinfo=UTC)
    assert _jalali.format_datetime(nowruz) == "1405-01-01 00:00:00"
    assert _jalali.format_datetime(nowruz - timedelta(seconds=1)) == "1404-12-29 23:59:59"
    with pytest.raises(ValueError):
        _jalali.format_datetime(datetime(2026, 3, 20))  # noqa: DTZ001  # naive on purpose
