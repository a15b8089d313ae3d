"""Solar Hijri (Jalali) dates for the simulators, on jdatetime (the project's calendar).

A thin seam over :mod:`jdatetime` in the shapes the simulators speak: ``YYYY/MM/DD``
dates with ASCII digits and Asia/Tehran times for people.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import jdatetime

__all__ = [
    "TEHRAN",
    "days_in_month",
    "format_date",
    "format_datetime",
    "from_gregorian",
    "is_leap",
    "now_utc",
    "parse_date",
    "to_gregorian",
]

TEHRAN = ZoneInfo("Asia/Tehran")

_DATE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})")


def is_leap(jy: int) -> bool:
    """Whether Jalali year ``jy`` has 366 days (Esfand has 30 days)."""
    return bool(jdatetime.date(jy, 1, 1).isleap())


def days_in_month(jy: int, jm: int) -> int:
    """Days in month ``jm`` (1..12) of year ``jy``."""
    if not 1 <= jm <= 12:
        raise ValueError(f"Jalali month {jm} is out of range")
    if jm <= 6:
        return 31
    if jm <= 11:
        return 30
    return 30 if is_leap(jy) else 29


def to_gregorian(jy: int, jm: int, jd: int) -> date:
    """The Gregorian date of Jalali ``jy/jm/jd``; ``ValueError`` if it does not exist."""
    try:
        gregorian: date = jdatetime.date(jy, jm, jd).togregorian()
    except ValueError:
        raise ValueError(f"{jy:04d}/{jm:02d}/{jd:02d} is not a Jalali date") from None
    return gregorian


def from_gregorian(day: date) -> tuple[int, int, int]:
    """The Jalali (year, month, day) of a Gregorian date."""
    jalali = jdatetime.date.fromgregorian(date=day)
    return jalali.year, jalali.month, jalali.day


def parse_date(text: str) -> tuple[int, int, int]:
    """``"1370/05/12"`` → ``(1370, 5, 12)``; ``ValueError`` unless it is a real Jalali date."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError("expected a Jalali date written YYYY/MM/DD with ASCII digits")
    jy, jm, jd = (int(part) for part in match.groups())
    to_gregorian(jy, jm, jd)
    return jy, jm, jd


def format_date(jy: int, jm: int, jd: int) -> str:
    """``(1370, 5, 12)`` → ``"1370/05/12"``."""
    return f"{jy:04d}/{jm:02d}/{jd:02d}"


def format_datetime(moment: datetime) -> str:
    """An aware instant as Asia/Tehran Jalali ``"YYYY-MM-DD HH:MM:SS"``."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no defined instant")
    local = moment.astimezone(TEHRAN)
    jy, jm, jd = from_gregorian(local.date())
    return f"{jy:04d}-{jm:02d}-{jd:02d} {local:%H:%M:%S}"


def now_utc() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)
