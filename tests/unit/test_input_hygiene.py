"""Every input error is clean: short, pointed at the field, and honest about what it saw."""

from __future__ import annotations

from datetime import date

import pytest

from aggregates._checks import check_text, visible
from aggregates.errors import InvalidInput, NotFound, TransitionRefused, Violation, shown
from aggregates.jalali import parse_jalali_date


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2026-12-10", "2026-12-10 looks like a Gregorian date, which is 1405/09/19 in Jalali"),
        ("1990/02/30", "looks like a Gregorian date: give the Jalali one"),
        ("0001/01/01", "year 1 is outside the Jalali years 1300–1500"),
        ("1501/01/01", "year 1501 is outside the Jalali years 1300–1500"),
        ("1299/12/29", "year 1299 is outside"),
    ],
)
def test_a_jalali_year_outside_1300_to_1500_is_refused_with_a_hint(text: str, hint: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_jalali_date(text, "opens_on")
    assert error.value.fields == ("opens_on",)
    assert hint in str(error.value)


def test_the_edges_of_the_jalali_range_and_a_latest_date() -> None:
    assert parse_jalali_date("1300/01/01", "d") == date(1921, 3, 21)
    assert parse_jalali_date("1500/01/01", "d").year == 2121
    assert parse_jalali_date("1370/05/12", "birth", latest=date(2026, 12, 1)) == date(1991, 8, 3)
    with pytest.raises(InvalidInput, match="1405/09/11 is in the future"):
        parse_jalali_date("1405/09/11", "birth", latest=date(2026, 12, 1))


@pytest.mark.parametrize(
    "text", ["\u200f\u200d", "\u200c", "\u200e \u2060", "\ufeff", " \u202b\u202c ", "\u00ad"]
)
def test_text_of_invisible_characters_only_counts_as_empty(text: str) -> None:
    found: list[Violation] = []
    check_text(found, "title_fa", text, max_length=200)
    assert [v.description for v in found] == ["title fa is required"]
    assert visible(text) == ""


def test_a_persian_word_with_a_zero_width_non_joiner_is_kept_whole() -> None:
    found: list[Violation] = []
    assert check_text(found, "title_fa", " می\u200cخواهم ", max_length=200) == "می\u200cخواهم"
    assert not found


def test_no_error_quotes_more_than_about_100_characters_of_a_value() -> None:
    value = "x" * 5000
    assert shown(value) == repr(value)[:100] + "… (5000 characters)"
    assert shown("short") == "'short'"
    for error in (
        InvalidInput.field("channel", f"channel must be one of web, got {value}"),
        InvalidInput.field(value, "bad"),
        NotFound("case", value),
        TransitionRefused(value, field=value),
    ):
        assert len(str(error)) < 400, type(error)
