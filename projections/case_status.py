"""Case status by tracking code (وضعیت پرونده با کد رهگیری): every step of a case and its
latest status, for the applicant (004 art. 6 note), in Jalali time at the edge.

Every event of a case becomes a step named by its topic (``opened``, ``step_recorded``,
``inquiry_made``, ``payment_settled``…), so a new kind of case event shows up without a
change here. Notes, reasons, comments and registry answers stay out: the tracking code is
all it takes to read this view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import get_topic

from aggregates.errors import NotFound
from aggregates.identifiers import TrackingCode
from aggregates.jalali import format_jalali
from aggregates.service_case import CaseStatus, ServiceCase
from aggregates.stages import Stage
from projections._events import (
    CASE_TOPIC_PREFIX,
    CASE_TOPICS,
    Staged,
    complete_stage,
    parse_utc,
    staged,
    utc_text,
)
from projections._sql import Batch, Keyed, Row, Rows, SQLProjection, SQLView

__all__ = ["CaseProgress", "CaseStatusProjection", "CaseStatusView", "CaseStep"]

_CLOSING: dict[type, CaseStatus] = {
    ServiceCase.Delivered: CaseStatus.DELIVERED,
    ServiceCase.Rejected: CaseStatus.REJECTED,
    ServiceCase.Cancelled: CaseStatus.CANCELLED,
}


@dataclass(frozen=True)
class CaseStep:
    """One event of the case, as the applicant sees it."""

    kind: str
    stage: str
    step: str
    score: int | None
    at: datetime

    @property
    def at_jalali(self) -> str:
        return format_jalali(self.at)


@dataclass(frozen=True)
class CaseProgress:
    """A case's latest status and every step so far."""

    tracking_code: str
    agency: str
    service_code: str
    status: str
    stage: str
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None
    updated_at: datetime  # the last step's time
    score: int | None
    steps: tuple[CaseStep, ...]
    position: int  # the log position of the last step

    def overdue(self, now: datetime) -> bool:
        """Past the service record's time limit: delivered after it, or still open at ``now``."""
        if self.status == CaseStatus.OPEN:
            return now > self.due_at
        return (
            self.status == CaseStatus.DELIVERED
            and self.closed_at is not None
            and (self.closed_at > self.due_at)
        )


class CaseStatusView(SQLView):
    """One row per case and one per case event."""

    TABLES = ("case_status", "case_status_step")

    def schema(self) -> Sequence[str]:
        return (
            "CREATE TABLE IF NOT EXISTS case_status ("
            " case_id TEXT PRIMARY KEY, tracking_code TEXT NOT NULL UNIQUE,"
            " agency TEXT NOT NULL, service_code TEXT NOT NULL, status TEXT NOT NULL,"
            " stage TEXT NOT NULL, opened_at TEXT NOT NULL, due_at TEXT NOT NULL,"
            " closed_at TEXT, score BIGINT)",
            "CREATE TABLE IF NOT EXISTS case_status_step ("
            " case_id TEXT NOT NULL, version BIGINT NOT NULL, position BIGINT NOT NULL,"
            " kind TEXT NOT NULL, stage TEXT NOT NULL, step TEXT NOT NULL, score BIGINT,"
            " at TEXT NOT NULL, PRIMARY KEY (case_id, version))",
        )

    def progress(self, tracking_code: str) -> CaseProgress:
        """The case under ``tracking_code`` (typed loosely is fine), or :class:`NotFound`."""
        code = TrackingCode.parse(tracking_code).value
        rows = self.query("SELECT * FROM case_status WHERE tracking_code = ?", code)
        if not rows:
            raise NotFound("case", code)
        case = rows[0]
        steps = self.query(
            "SELECT * FROM case_status_step WHERE case_id = ? ORDER BY version", case["case_id"]
        )
        return _progress(case, steps)


class SQLiteCaseStatusView(CaseStatusView, SQLiteTrackingRecorder):
    """Case status in an SQLite file."""


class PostgresCaseStatusView(CaseStatusView, PostgresTrackingRecorder):
    """Case status in PostgreSQL."""


def _optional_time(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _progress(case: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]) -> CaseProgress:
    return CaseProgress(
        tracking_code=case["tracking_code"],
        agency=case["agency"],
        service_code=case["service_code"],
        status=case["status"],
        stage=case["stage"],
        opened_at=parse_utc(case["opened_at"]),
        due_at=parse_utc(case["due_at"]),
        closed_at=_optional_time(case["closed_at"]),
        updated_at=parse_utc(steps[-1]["at"]),
        score=_optional_int(case["score"]),
        steps=tuple(
            CaseStep(
                kind=s["kind"],
                stage=s["stage"],
                step=s["step"],
                score=_optional_int(s["score"]),
                at=parse_utc(s["at"]),
            )
            for s in steps
        ),
        position=max(int(s["position"]) for s in steps),
    )


_CASE_COLUMNS = (
    "case_id",
    "tracking_code",
    "agency",
    "service_code",
    "status",
    "stage",
    "opened_at",
    "due_at",
    "closed_at",
    "score",
)
_STEP_COLUMNS = ("case_id", "version", "position", "kind", "stage", "step", "score", "at")


class _StatusBatch(Batch):
    def __init__(self) -> None:
        self.cases = Keyed("case_status", _CASE_COLUMNS)
        self.steps = Rows("case_status_step", _STEP_COLUMNS)
        self.tables = (self.cases, self.steps)


class CaseStatusProjection(SQLProjection[CaseStatusView]):
    """Every case event → a step; opening, stage changes, closing and rating → the status."""

    name = "case_status"
    topics = CASE_TOPICS

    def new_batch(self) -> _StatusBatch:
        return _StatusBatch()

    @singledispatchmethod
    def fold_event(self, event: Any, batch: _StatusBatch, position: int, key: str) -> None:
        kind = _kind(event)
        if kind is not None:
            _step(batch, event, position, key, kind, None, "")

    @fold_event.register
    def _opened(
        self, event: ServiceCase.Opened, batch: _StatusBatch, position: int, key: str
    ) -> None:
        batch.cases.add(
            {
                "case_id": key,
                "tracking_code": event.tracking_code,
                "agency": event.agency,
                "service_code": event.service_code,
                "status": CaseStatus.OPEN.value,
                "stage": Stage.REQUEST.value,
                "opened_at": utc_text(event.timestamp),
                "due_at": utc_text(event.timestamp + timedelta(hours=event.time_limit_hours)),
                "closed_at": None,
                "score": None,
            }
        )
        _step(batch, event, position, key, "opened", None, "")

    @fold_event.register
    def _rated(
        self, event: ServiceCase.Rated, batch: _StatusBatch, position: int, key: str
    ) -> None:
        case = _step(batch, event, position, key, "rated", None, "", event.score)
        if case is not None:
            batch.cases.change(case, score=event.score)

    @fold_event.register(ServiceCase.StepRecorded)
    @fold_event.register(ServiceCase.StageCompleted)
    def _staged(self, event: Staged, batch: _StatusBatch, position: int, key: str) -> None:
        complete_stage(batch.cases, _step(batch, event, position, key, *staged(event)), event)


_KINDS: dict[type, str | None] = {}


def _kind(event: object) -> str | None:
    """A case event's step kind, named by its topic (None for another aggregate's);
    remembered by event class."""
    event_class = type(event)
    if event_class not in _KINDS:
        topic = get_topic(event_class)
        case_event = topic.startswith(CASE_TOPIC_PREFIX)
        _KINDS[event_class] = topic.removeprefix(CASE_TOPIC_PREFIX) if case_event else None
    return _KINDS[event_class]


def _step(
    batch: _StatusBatch,
    event: Any,
    position: int,
    key: str,
    kind: str,
    stage: str | None,
    step: str,
    score: int | None = None,
) -> Row | None:
    """The event as a step of its case (at the case's stage unless ``stage`` says), closing
    the case if it does; the case's row (None, and no step, for a case the view does not
    know)."""
    case = batch.cases.get(key)
    if case is None:
        return None
    at = utc_text(event.timestamp)
    batch.steps.rows.append(
        (
            key,
            event.originator_version,
            position,
            kind,
            case["stage"] if stage is None else stage,
            step,
            score,
            at,
        )
    )
    closing = _CLOSING.get(type(event))
    if closing is not None:
        batch.cases.change(case, status=closing.value, closed_at=at)
    return case
