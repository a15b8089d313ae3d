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

from aggregates.errors import NotFound
from aggregates.identifiers import TrackingCode
from aggregates.jalali import format_jalali
from aggregates.service_case import CaseStatus, ServiceCase
from aggregates.stages import Stage
from projections._events import CASE_TOPIC_PREFIX, CASE_TOPICS, parse_utc, topic_of, utc_text
from projections._sql import SQLProjection, SQLView, Statement

__all__ = ["CaseProgress", "CaseStatusProjection", "CaseStatusView", "CaseStep"]

_CLOSING = {
    ServiceCase.Delivered.TOPIC: CaseStatus.DELIVERED,
    ServiceCase.Rejected.TOPIC: CaseStatus.REJECTED,
    ServiceCase.Cancelled.TOPIC: CaseStatus.CANCELLED,
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


_INSERT_STEP = (
    "INSERT INTO case_status_step (case_id, version, position, kind, stage, step, score, at)"
    " SELECT case_id, ?, ?, ?, COALESCE(?, stage), ?, ?, ? FROM case_status WHERE case_id = ?"
)


class CaseStatusProjection(SQLProjection[CaseStatusView]):
    """Every case event → a step; opening, stage changes, closing and rating → the status."""

    name = "case_status"
    topics = CASE_TOPICS

    @singledispatchmethod
    def changes(self, event: Any, position: int) -> list[Statement]:
        topic = topic_of(event)
        if not topic.startswith(CASE_TOPIC_PREFIX):
            return []
        return self._step(event, position, topic.removeprefix(CASE_TOPIC_PREFIX))

    @changes.register
    def _opened(self, event: ServiceCase.Opened, position: int) -> list[Statement]:
        due = utc_text(event.timestamp + timedelta(hours=event.time_limit_hours))
        return [
            Statement(
                "INSERT INTO case_status VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                (
                    str(event.originator_id),
                    event.tracking_code,
                    event.agency,
                    event.service_code,
                    CaseStatus.OPEN.value,
                    Stage.REQUEST.value,
                    utc_text(event.timestamp),
                    due,
                ),
            ),
            *self._step(event, position, "opened"),
        ]

    @changes.register
    def _step_recorded(self, event: ServiceCase.StepRecorded, position: int) -> list[Statement]:
        return self._step(event, position, "step_recorded", stage=event.stage, step=event.step)

    @changes.register
    def _stage_completed(self, event: ServiceCase.StageCompleted, position: int) -> list[Statement]:
        following = Stage(event.stage).next or Stage(event.stage)
        return [
            *self._step(event, position, "stage_completed", stage=event.stage),
            Statement(
                "UPDATE case_status SET stage = ? WHERE case_id = ?",
                (following.value, str(event.originator_id)),
            ),
        ]

    @changes.register
    def _rated(self, event: ServiceCase.Rated, position: int) -> list[Statement]:
        return [
            *self._step(event, position, "rated", score=event.score),
            Statement(
                "UPDATE case_status SET score = ? WHERE case_id = ?",
                (event.score, str(event.originator_id)),
            ),
        ]

    def _step(
        self,
        event: Any,
        position: int,
        kind: str,
        *,
        stage: str | None = None,
        step: str = "",
        score: int | None = None,
    ) -> list[Statement]:
        case_id = str(event.originator_id)
        at = utc_text(event.timestamp)
        statements = [
            Statement(
                _INSERT_STEP,
                (event.originator_version, position, kind, stage, step, score, at, case_id),
            )
        ]
        closing = _CLOSING.get(topic_of(event))
        if closing is not None:
            statements.append(
                Statement(
                    "UPDATE case_status SET status = ?, closed_at = ? WHERE case_id = ?",
                    (closing.value, at, case_id),
                )
            )
        return statements
