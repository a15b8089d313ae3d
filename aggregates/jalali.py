"""Jalali (Solar Hijri) calendar at the edge: people read Asia/Tehran, storage is UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import jdatetime

from aggregates.errors import InvalidInput, shown
from aggregates.identifiers import normalize_digits

__all__ = [
    "JALALI_YEARS",
    "TEHRAN",
    "JalaliPeriod",
    "add_jalali_months",
    "format_jalali",
    "jalali_month",
    "parse_jalali_date",
    "to_persian_digits",
]

TEHRAN = ZoneInfo("Asia/Tehran")

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_JALALI_DATE = re.compile(r"([0-9]{4})[/-]([0-9]{1,2})[/-]([0-9]{1,2})")
_MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


def to_persian_digits(text: str) -> str:
    """ASCII digits to Persian digits (۰-۹); everything else unchanged."""
    return text.translate(_PERSIAN_DIGITS)


def _require_aware(moment: datetime, name: str = "moment") -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = f"{name} must be timezone-aware (stored times are UTC), got naive {moment!r}"
        raise ValueError(msg)


def _tehran_jalali(moment: datetime) -> tuple[int, int, int, datetime]:
    _require_aware(moment)
    local = moment.astimezone(TEHRAN)
    return (*_jalali_day(local.date()), local)


@lru_cache(maxsize=4096)
def _jalali_day(day: date) -> tuple[int, int, int]:
    """A Gregorian day's Jalali year, month and day; remembered, as jdatetime's conversion
    costs ~30 times the lookup (it asks the locale every time)."""
    j = jdatetime.date.fromgregorian(date=day)
    return int(j.year), int(j.month), int(j.day)


def format_jalali(moment: datetime, *, persian_digits: bool = False, with_time: bool = True) -> str:
    """An aware datetime as Tehran's Jalali date (and time): ``1405-01-01 00:00:00``.

    Remembered for the last 65,536 moments: an event's time is formatted once, not on
    every response that shows it (a case's timeline is shown again and again).
    """
    return _format_jalali(moment, persian_digits, with_time)


@lru_cache(maxsize=1 << 16)
def _format_jalali(moment: datetime, persian_digits: bool, with_time: bool) -> str:
    year, month, day, local = _tehran_jalali(moment)
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if with_time:
        text += f" {local:%H:%M:%S}"
    return to_persian_digits(text) if persian_digits else text


def jalali_month(moment: datetime) -> str:
    """The Tehran Jalali month of an aware datetime, ``1405-01``, for monthly reports."""
    year, month, _, _ = _tehran_jalali(moment)
    return f"{year:04d}-{month:02d}"


def _days_in_month(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


JALALI_YEARS = (1300, 1500)
"""The Jalali years a date of this hub may fall in (1921–2122 in the Gregorian calendar)."""


def _year_out_of_range(year: int, month: int, day: int) -> str:
    reason = f"year {year} is outside the Jalali years {JALALI_YEARS[0]}–{JALALI_YEARS[1]}"
    if 1900 <= year <= 2200:  # typed in the Gregorian calendar?
        try:
            as_jalali = jdatetime.date.fromgregorian(date=date(year, month, day))
        except ValueError:
            return reason + "; this looks like a Gregorian date: give the Jalali one"
        return (
            reason + f"; {year:04d}-{month:02d}-{day:02d} looks like a Gregorian date,"
            f" which is {as_jalali.year:04d}/{as_jalali.month:02d}/{as_jalali.day:02d} in Jalali"
        )
    return reason


def add_jalali_months(day: date, months: int) -> date:
    """The Gregorian date ``months`` Jalali calendar months after ``day``: the same day of
    the month, or the month's last day when it is shorter (31 Shahrivar + 1 month = 30
    Mehr). 1405/01/01 + 1 month = 1405/02/01."""
    j = jdatetime.date.fromgregorian(date=day)
    index = j.year * 12 + (j.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    target = jdatetime.date(year, month, min(j.day, _days_in_month(year, month)))
    g = target.togregorian()
    return date(g.year, g.month, g.day)


def parse_jalali_date(text: str, field: str, *, latest: date | None = None) -> date:
    """A Jalali date as typed (``1403/12/30`` or ``1403-12-30``, Persian digits too) to
    its Gregorian :class:`datetime.date`; a date that does not exist, one outside the
    years 1300–1500 (with a hint when it looks Gregorian) and one after ``latest`` (a
    birth date, say) are refused."""
    match = _JALALI_DATE.fullmatch(normalize_digits(text))
    if match is None:
        raise InvalidInput.field(field, f"{shown(text)} is not a Jalali date like 1403/12/30")
    year, month, day = (int(part) for part in match.groups())
    if not JALALI_YEARS[0] <= year <= JALALI_YEARS[1]:
        raise InvalidInput.field(field, _year_out_of_range(year, month, day))
    if not 1 <= month <= 12:
        raise InvalidInput.field(field, f"month {month} does not exist: months run 1 to 12")
    last = _days_in_month(year, month)
    if not 1 <= day <= last:
        reason = f"{_MONTHS_FA[month - 1]} {year} has {last} days, so day {day} does not exist"
        if month == 12 and day == 30:
            reason += f" ({year} is not a leap year)"
        raise InvalidInput.field(field, reason)
    gregorian = jdatetime.date(year, month, day).togregorian()
    day_ = date(gregorian.year, gregorian.month, gregorian.day)
    if latest is not None and day_ > latest:
        raise InvalidInput.field(field, f"{year:04d}/{month:02d}/{day:02d} is in the future")
    return day_


@dataclass(frozen=True)
class JalaliPeriod:
    """A half-open span of time ``[opens, closes)``, e.g. a consultation's comment window.

    Both ends are aware datetimes, kept in UTC; ``opens`` must be before ``closes``.
    """

    opens: datetime
    closes: datetime

    def __post_init__(self) -> None:
        _require_aware(self.opens, "opens")
        _require_aware(self.closes, "closes")
        object.__setattr__(self, "opens", self.opens.astimezone(UTC))
        object.__setattr__(self, "closes", self.closes.astimezone(UTC))
        if self.opens >= self.closes:
            raise InvalidInput.field("closes", "the period must close after it opens")

    @property
    def days(self) -> float:
        """The length in days (fractional)."""
        return (self.closes - self.opens).total_seconds() / 86400

    def contains(self, moment: datetime) -> bool:
        """Whether an aware ``moment`` falls in ``[opens, closes)``."""
        _require_aware(moment)
        return self.opens <= moment < self.closes

    def describe(self, persian_digits: bool = False) -> str:
        """For a person: ``از 1405-01-01 09:00 تا 1405-01-15 17:00 به وقت تهران (14.3 روز)``.

        With ``persian_digits`` the digits are Persian and the decimal separator is ``٫``.
        """
        opens = format_jalali(self.opens)[:-3]
        closes = format_jalali(self.closes)[:-3]
        days = f"{self.days:.1f}".removesuffix(".0")
        if persian_digits:
            days = days.replace(".", "٫")
        text = f"از {opens} تا {closes} به وقت تهران ({days} روز)"
        return to_persian_digits(text) if persian_digits else text
