"""What the projections need to know about events: topics and UTC text times."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from eventsourcing.utils import get_topic

from aggregates.service_case import ServiceCase

__all__ = ["CASE_TOPICS", "CASE_TOPIC_PREFIX", "parse_utc", "topic_of", "utc_text"]

_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

CASE_TOPIC_PREFIX = ServiceCase.TOPIC + "."

CASE_TOPICS: tuple[str, ...] = tuple(
    sorted(
        {
            get_topic(member)
            for member in vars(ServiceCase).values()
            if isinstance(member, type) and issubclass(member, ServiceCase.Event)
        }
    )
)
"""Every service-case event topic, read from the aggregate: a new event is included."""


def topic_of(event: object) -> str:
    """The stored topic of an event (its class's explicit ``TOPIC``)."""
    return get_topic(type(event))


@lru_cache(maxsize=4096)
def utc_text(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text (``2026-03-20T20:30:00.000000Z``): it sorts
    as text, and reads back the same from SQLite and PostgreSQL. Remembered for recent
    moments: the views of one rebuild format the same event's time once."""
    if moment.tzinfo is None:
        raise ValueError(f"event times are aware (UTC), got naive {moment!r}")
    return moment.astimezone(UTC).strftime(_UTC_FORMAT)


def parse_utc(text: str) -> datetime:
    """Inverse of :func:`utc_text`."""
    return datetime.strptime(text, _UTC_FORMAT).replace(tzinfo=UTC)
