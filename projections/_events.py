"""What the projections need to know about events: topics and UTC text times."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from eventsourcing.utils import get_topic

from aggregates.service_case import ServiceCase
from aggregates.stages import Stage
from projections._sql import Keyed, Row

__all__ = [
    "CASE_TOPICS",
    "CASE_TOPIC_PREFIX",
    "Staged",
    "complete_stage",
    "following_stage",
    "parse_utc",
    "staged",
    "utc_text",
]

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


@lru_cache(maxsize=1 << 14)
def utc_text(moment: datetime) -> str:
    """An aware datetime as fixed-width UTC text (``2026-03-20T20:30:00.000000Z``): it sorts
    as text, and reads back the same from SQLite and PostgreSQL. Remembered for recent
    moments: the views of one rebuild format the same event's time once (more moments
    than a catch-up batch has events, or each view's pass would evict the next one's)."""
    if moment.tzinfo is None:
        raise ValueError(f"event times are aware (UTC), got naive {moment!r}")
    # isoformat (``…T20:30:00.000000+00:00`` in UTC) is what strftime(_UTC_FORMAT) writes,
    # at half the cost; the year is written with four digits
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:26] + "Z"


@lru_cache(maxsize=8)
def following_stage(stage: str) -> str:
    """The stage a case is at once ``stage`` is completed (the last stage stays)."""
    completed = Stage(stage)
    return (completed.next or completed).value


Staged = ServiceCase.StepRecorded | ServiceCase.StageCompleted
"""The events that move a case through its stages."""


def staged(event: Staged) -> tuple[str, str, str]:
    """A recorded step or a completed stage as the views write it: kind, stage, step."""
    if isinstance(event, ServiceCase.StepRecorded):
        return "step_recorded", event.stage, event.step
    return "stage_completed", event.stage, ""


def complete_stage(cases: Keyed, case: Row | None, event: Staged) -> None:
    """After a completed stage, move its case's row (the ``stage`` column) to the next one;
    nothing for a recorded step, or for a case the view does not know."""
    if case is not None and isinstance(event, ServiceCase.StageCompleted):
        cases.change(case, stage=following_stage(event.stage))


def parse_utc(text: str) -> datetime:
    """Inverse of :func:`utc_text`."""
    return datetime.strptime(text, _UTC_FORMAT).replace(tzinfo=UTC)
