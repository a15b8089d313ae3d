"""The projections' text times: fixed-width UTC text, the same whichever way it is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from projections._events import _UTC_FORMAT, parse_utc, utc_text

aware = st.datetimes(
    min_value=datetime(1000, 1, 2),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=3, minutes=30)), timezone(timedelta(hours=-5))]
    ),
)


@given(aware)
def test_utc_text_is_the_fixed_width_format_and_reads_back(moment: datetime) -> None:
    text = utc_text(moment)
    assert text == moment.astimezone(UTC).strftime(_UTC_FORMAT)  # what views stored before
    assert len(text) == 27 and parse_utc(text) == moment
