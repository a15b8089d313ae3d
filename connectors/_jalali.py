"""Solar Hijri (Jalali) dates on the standard library alone, for the simulators.

The connectors may not depend on the domain's calendar helpers, so this is the
``jalaali`` arithmetic of jalaali-js (Borkowski's break years, defined for the Jalali
years -60..3177). It agrees day by day with jdatetime for the Jalali years 1179..1633
(Gregorian 1800..2255), which the tests check; outside, the two rules drift apart.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "TEHRAN",
    "days_in_month",
    "format_date",
    "format_datetime",
    "from_gregorian",
    "is_leap",
    "parse_date",
    "to_gregorian",
]

TEHRAN = ZoneInfo("Asia/Tehran")

_BREAKS = (
    -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210,
    1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178,
)  # fmt: skip
_DATE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})")


def _div(a: int, b: int) -> int:
    """Integer division truncated toward zero, as the reference algorithm expects."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _mod(a: int, b: int) -> int:
    return a - _div(a, b) * b


def _calendar(jy: int) -> tuple[int, int, int]:
    """(years since the last leap year 0..4, Gregorian year, March day of Nowruz)."""
    if not _BREAKS[0] < jy < _BREAKS[-1]:
        raise ValueError(f"Jalali year {jy} is out of range")
    gy = jy + 621
    leap_j = -14
    jp = _BREAKS[0]
    jump = 0
    for jm in _BREAKS[1:]:
        jump = jm - jp
        if jy < jm:
            break
        leap_j += _div(jump, 33) * 8 + _div(_mod(jump, 33), 4)
        jp = jm
    n = jy - jp
    leap_j += _div(n, 33) * 8 + _div(_mod(n, 33) + 3, 4)
    if _mod(jump, 33) == 4 and jump - n == 4:
        leap_j += 1
    leap_g = _div(gy, 4) - _div((_div(gy, 100) + 1) * 3, 4) - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + _div(jump + 4, 33) * 33
    leap = _mod(_mod(n + 1, 33) - 1, 4)
    if leap == -1:
        leap = 4
    return leap, gy, march


def is_leap(jy: int) -> bool:
    """Whether Jalali year ``jy`` has 366 days (Esfand has 30 days)."""
    return _calendar(jy)[0] == 0


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
    if not 1 <= jd <= days_in_month(jy, jm):
        raise ValueError(f"{jy:04d}/{jm:02d}/{jd:02d} is not a Jalali date")
    _, gy, march = _calendar(jy)
    nowruz = date(gy, 3, march).toordinal()
    return date.fromordinal(nowruz + (jm - 1) * 31 - _div(jm, 7) * (jm - 7) + jd - 1)


def from_gregorian(day: date) -> tuple[int, int, int]:
    """The Jalali (year, month, day) of a Gregorian date."""
    jy = day.year - 621
    leap, gy, march = _calendar(jy)
    k = day.toordinal() - date(gy, 3, march).toordinal()
    if k >= 0:
        if k <= 185:
            return jy, 1 + k // 31, k % 31 + 1
        k -= 186
    else:
        jy -= 1
        k += 179
        if leap == 1:  # the year before this one was the leap year
            k += 1
    return jy, 7 + k // 30, k % 30 + 1


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
