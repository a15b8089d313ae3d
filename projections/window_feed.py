"""National-window feed (خوراک پنجره ملی خدمات): the events of every service case for
my.gov.ir, without the content of the service and without personal data (002 art. 8 note 1).

For every case: its start, each recorded step, each completed stage, its delivery (or
rejection or withdrawal) and the satisfaction score. The applicant appears only as a keyed
pseudonym (HMAC with a hub secret, see :mod:`hub.application.pseudonyms`), so the window can group a
person's cases without ever learning who they are. What goes out is an allow-list:
:data:`FEED_FIELDS`; every other field of a case event is named in :data:`PERSONAL_FIELDS`,
:data:`CONTENT_FIELDS`, :data:`UNUSED_FIELDS` or :data:`FRAMEWORK_FIELDS`, and a test fails
when a new field is in none.

Each entry carries its log ``position``: the window checks an entry against the signed
log by asking ``AuditService.GetInclusionProof(position=…)`` and calling
:func:`hub.trail.feed.verify_feed_entry` (case, kind, time and content fields proven).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from aggregates.jalali import format_jalali
from aggregates.service_case import ServiceCase
from aggregates.stages import Stage
from projections._events import Staged, complete_stage, parse_utc, staged, utc_text
from projections._sql import Batch, Keyed, Row, Rows, SQLProjection, SQLView

__all__ = [
    "CONTENT_FIELDS",
    "FEED_FIELDS",
    "FRAMEWORK_FIELDS",
    "PERSONAL_FIELDS",
    "UNUSED_FIELDS",
    "FeedEntry",
    "Pseudonymize",
    "WindowFeedProjection",
    "WindowFeedView",
]

Pseudonymize = Callable[[str], str]
"""National code → stable keyed pseudonym (see :class:`hub.trail.pseudonyms.Pseudonymiser`)."""

FEED_FIELDS = frozenset(
    {"tracking_code", "service_code", "agency", "stage", "step", "score", "in_person"}
)
"""Event fields copied into the feed as they are."""

PERSONAL_FIELDS = frozenset(
    {
        "applicant_national_code",  # کد ملی: only its pseudonym goes out
        "national_code",
        "national_id",
        "first_name",
        "last_name",
        "name",
        "father_name",
        "birth_date",
        "birth_certificate",
        "postal_code",
        "applicant_postal_code",  # 004 art. 11: kept on the case, never in the feed
        "legal_person_national_id",
        "address",
        "phone",
        "mobile",
        "email",
        "by",  # who acted: an officer's identity once agencies send it
    }
)
"""Fields that are, or may hold, personal data: never in the feed."""

CONTENT_FIELDS = frozenset({"note", "reason", "comment", "process", "forms", "answers"})
"""The content of the service and free text (which may quote personal data): never in the feed."""

UNUSED_FIELDS = frozenset(
    {
        "channel",
        "counter",  # the service counter the case came through: in the public counters list
        "record_revision",
        "time_limit_hours",
        "in_person_required",
        "required_inquiries",
        "identity_level",
        "fee",  # the catalogue's tariff and revenue account
        "evaluation",  # the catalogue's evaluation method
        "applicant_kind",
    }
)
"""Neither personal nor content, but not part of the window's event contract."""

FRAMEWORK_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)
"""eventsourcing's own fields: the case id (internal), its version, the time, the class."""


@dataclass(frozen=True)
class FeedEntry:
    """One event of one case, as the national window receives it."""

    position: int
    kind: str  # started, step_recorded, stage_completed, delivered, rejected, cancelled, rated
    agency: str
    service_code: str
    tracking_code: str
    subject: str  # the applicant's keyed pseudonym
    stage: str
    step: str
    score: int | None
    in_person: bool | None
    at: datetime

    @property
    def at_jalali(self) -> str:
        """Tehran time in the Jalali calendar, ``1405-01-01 09:30:00``."""
        return format_jalali(self.at)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the window's message body and the open-data row."""
        return {
            "position": self.position,
            "kind": self.kind,
            "agency": self.agency,
            "service_code": self.service_code,
            "tracking_code": self.tracking_code,
            "subject": self.subject,
            "stage": self.stage,
            "step": self.step,
            "score": self.score,
            "in_person": self.in_person,
            "at": utc_text(self.at),
            "at_jalali": self.at_jalali,
        }


class WindowFeedView(SQLView):
    """The feed in global order, and each case's routing facts (agency, service, subject)."""

    TABLES = ("window_case", "window_feed")

    def schema(self) -> Sequence[str]:
        return (
            "CREATE TABLE IF NOT EXISTS window_case ("
            " case_id TEXT PRIMARY KEY, tracking_code TEXT NOT NULL, agency TEXT NOT NULL,"
            " service_code TEXT NOT NULL, subject TEXT NOT NULL, stage TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS window_feed ("
            " position BIGINT PRIMARY KEY, kind TEXT NOT NULL, case_id TEXT NOT NULL,"
            " tracking_code TEXT NOT NULL, agency TEXT NOT NULL, service_code TEXT NOT NULL,"
            " subject TEXT NOT NULL, stage TEXT NOT NULL, step TEXT NOT NULL,"
            " score BIGINT, in_person BIGINT, at TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS window_feed_agency ON window_feed (agency, position)",
        )

    def entries(self, after: int = 0, limit: int = 500, agency: str = "") -> list[FeedEntry]:
        """Entries with a position above ``after``, oldest first; one agency's if given."""
        sql = "SELECT * FROM window_feed WHERE position > ?"
        if agency:
            sql += " AND agency = ?"
        sql += " ORDER BY position LIMIT ?"
        rows = self.query(sql, after, agency, limit) if agency else self.query(sql, after, limit)
        return [_entry(row) for row in rows]


class SQLiteWindowFeedView(WindowFeedView, SQLiteTrackingRecorder):
    """The feed in an SQLite file."""


class PostgresWindowFeedView(WindowFeedView, PostgresTrackingRecorder):
    """The feed in PostgreSQL."""


def _entry(row: Mapping[str, Any]) -> FeedEntry:
    return FeedEntry(
        position=int(row["position"]),
        kind=row["kind"],
        agency=row["agency"],
        service_code=row["service_code"],
        tracking_code=row["tracking_code"],
        subject=row["subject"],
        stage=row["stage"],
        step=row["step"],
        score=None if row["score"] is None else int(row["score"]),
        in_person=None if row["in_person"] is None else bool(row["in_person"]),
        at=parse_utc(row["at"]),
    )


_CASE_COLUMNS = ("case_id", "tracking_code", "agency", "service_code", "subject", "stage")
_ENTRY_COLUMNS = (
    "position",
    "kind",
    "case_id",
    "tracking_code",
    "agency",
    "service_code",
    "subject",
    "stage",
    "step",
    "score",
    "in_person",
    "at",
)


class _FeedBatch(Batch):
    def __init__(self) -> None:
        self.cases = Keyed("window_case", _CASE_COLUMNS)
        self.entries = Rows("window_feed", _ENTRY_COLUMNS)
        self.tables = (self.cases, self.entries)


class WindowFeedProjection(SQLProjection[WindowFeedView]):
    """Case events → feed entries. Bind the hub's pseudonymizer with :meth:`keyed`."""

    name = "window_feed"
    topics = (
        ServiceCase.Opened.TOPIC,
        ServiceCase.StepRecorded.TOPIC,
        ServiceCase.StageCompleted.TOPIC,
        ServiceCase.Delivered.TOPIC,
        ServiceCase.Rejected.TOPIC,
        ServiceCase.Cancelled.TOPIC,
        ServiceCase.Rated.TOPIC,
    )
    pseudonymize: ClassVar[Pseudonymize | None] = None

    @classmethod
    def keyed(cls, pseudonymize: Pseudonymize) -> type[WindowFeedProjection]:
        """This projection with the hub's pseudonymizer (``ProjectionRunner`` builds
        projections from a class and a view only)."""
        namespace = {"name": cls.name, "pseudonymize": staticmethod(pseudonymize)}
        return type(cls.__name__, (cls,), namespace)

    def new_batch(self) -> _FeedBatch:
        return _FeedBatch()

    @singledispatchmethod
    def fold_event(self, event: Any, batch: _FeedBatch, position: int, key: str) -> None:
        pass

    @fold_event.register
    def _opened(
        self, event: ServiceCase.Opened, batch: _FeedBatch, position: int, key: str
    ) -> None:
        pseudonymize = type(self).pseudonymize
        if pseudonymize is None:
            raise RuntimeError("WindowFeedProjection needs keyed(pseudonymize) first")
        case = {
            "case_id": key,
            "tracking_code": event.tracking_code,
            "agency": event.agency,
            "service_code": event.service_code,
            "subject": pseudonymize(event.applicant_national_code),
            "stage": Stage.REQUEST.value,
        }
        batch.cases.add(case)
        _append(batch, event, position, key, "started")

    @fold_event.register(ServiceCase.StepRecorded)
    @fold_event.register(ServiceCase.StageCompleted)
    def _staged(self, event: Staged, batch: _FeedBatch, position: int, key: str) -> None:
        complete_stage(batch.cases, _append(batch, event, position, key, *staged(event)), event)

    @fold_event.register
    def _delivered(
        self, event: ServiceCase.Delivered, batch: _FeedBatch, position: int, key: str
    ) -> None:
        _append(batch, event, position, key, "delivered", in_person=_flag(event.in_person))

    @fold_event.register
    def _rejected(
        self, event: ServiceCase.Rejected, batch: _FeedBatch, position: int, key: str
    ) -> None:
        _append(batch, event, position, key, "rejected")

    @fold_event.register
    def _cancelled(
        self, event: ServiceCase.Cancelled, batch: _FeedBatch, position: int, key: str
    ) -> None:
        _append(batch, event, position, key, "cancelled")

    @fold_event.register
    def _rated(self, event: ServiceCase.Rated, batch: _FeedBatch, position: int, key: str) -> None:
        _append(batch, event, position, key, "rated", score=event.score)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _append(
    batch: _FeedBatch,
    event: ServiceCase.Event,
    position: int,
    key: str,
    kind: str,
    stage: str | None = None,
    step: str = "",
    score: int | None = None,
    in_person: int | None = None,
) -> Row | None:
    """An entry of the event's case, at the case's stage unless ``stage`` says; the case's
    row (None, and no entry, for a case the view does not know)."""
    case = batch.cases.get(key)
    if case is not None:
        batch.entries.rows.append(
            (
                position,
                kind,
                key,
                case["tracking_code"],
                case["agency"],
                case["service_code"],
                case["subject"],
                case["stage"] if stage is None else stage,
                step,
                score,
                in_person,
                utc_text(event.timestamp),
            )
        )
    return case
