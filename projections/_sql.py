"""SQL read models on eventsourcing's tracking recorders: one code path, SQLite or PostgreSQL.

A view applies a batch of events in one transaction: the tracking record of the first
event is written first (the single-row tracking table refuses a position at or below the
one recorded, and in PostgreSQL the row lock makes a second worker wait), then every
event's statements, then the tracking record of the last event. Applying an event twice
therefore fails and changes nothing, which is what makes every view idempotent by global
position and rebuildable from zero.

Statements are written once, with ``?`` placeholders and portable SQL (``INSERT … ON
CONFLICT``, ``INSERT … SELECT``); the PostgreSQL variant of a view swaps the placeholders.
Each view interface has one concrete subclass per store, found by :func:`view_class`.
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    Mapper,
    Notification,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

__all__ = [
    "Decoder",
    "EventBatch",
    "SQLProjection",
    "SQLView",
    "Statement",
    "catch_up",
    "open_view",
    "view_class",
]

_BACKENDS: Mapping[str, type[TrackingRecorder]] = {
    "eventsourcing.sqlite": SQLiteTrackingRecorder,
    "eventsourcing.postgres": PostgresTrackingRecorder,
}


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement with ``?`` placeholders and its parameters."""

    sql: str
    params: tuple[object, ...] = ()


@lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    return sql.replace("?", "%s")


class SQLView(TrackingRecorder):
    """Base of Tabadol's views: tables from :meth:`schema`, batches applied with tracking.

    Combine with a store's tracking recorder, mixin first:
    ``class SQLiteFeedView(FeedView, SQLiteTrackingRecorder)``.
    """

    TABLES: ClassVar[tuple[str, ...]] = ()
    """The view's own tables, in the order they are emptied and dumped."""

    if TYPE_CHECKING:  # provided by the store's tracking recorder, later in the MRO
        datastore: Any
        tracking_table_name: str

        def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...

    @abstractmethod
    def schema(self) -> Sequence[str]:
        """``CREATE TABLE IF NOT EXISTS`` / ``CREATE INDEX IF NOT EXISTS`` statements."""

    @property
    def _postgres(self) -> bool:
        return isinstance(self, PostgresTrackingRecorder)

    def _sql(self, sql: str) -> str:
        return _pyformat(sql) if self._postgres else sql

    def _create_table(self, c: Any) -> None:
        super()._create_table(c)  # type: ignore[misc]  # the store recorder's tables first
        for statement in self.schema():
            c.execute(statement)

    def apply(self, batch: Sequence[tuple[Tracking, Sequence[Statement]]]) -> None:
        """Apply a batch of events, in order, with their tracking, in one transaction.

        Raises :class:`~eventsourcing.persistence.IntegrityError` (and changes nothing) when
        the first position is not above the tracked one.
        """
        if not batch:
            return
        with self.datastore.transaction(commit=True) as c:
            self._insert_tracking(c, batch[0][0])
            # PostgreSQL: send the statements without waiting for each reply (psycopg's
            # pipeline mode); they still run in order, in this transaction.
            with c.connection.pipeline() if self._postgres else contextlib.nullcontext():
                for sql, rows in _runs(s for _, statements in batch for s in statements):
                    if len(rows) == 1:
                        c.execute(self._sql(sql), rows[0])
                    else:
                        c.executemany(self._sql(sql), rows)
            if len(batch) > 1:
                self._insert_tracking(c, batch[-1][0])

    def query(self, sql: str, *params: object) -> list[Mapping[str, Any]]:
        """Rows of a read-only query, each readable by column name."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._sql(sql), params)
            return list(c.fetchall())

    def reset(self, application_name: str) -> None:
        """Empty the view and forget its position, for a rebuild from zero."""
        tracking = self.tracking_table_name if self._postgres else "tracking"
        with self.datastore.transaction(commit=True) as c:
            for table in self.TABLES:
                c.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are class constants
            c.execute(
                self._sql(f"DELETE FROM {tracking} WHERE application_name = ?"),  # noqa: S608
                (application_name,),
            )

    def dump(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table, sorted: two views are equal when their dumps are."""
        dumped: dict[str, list[tuple[object, ...]]] = {}
        for table in self.TABLES:
            query = f"SELECT * FROM {table}"  # noqa: S608 - table names are class constants
            # sqlite3.Row iterates values and PostgreSQL's dict rows keys: name the keys
            rows = [tuple(row[k] for k in row.keys()) for row in self.query(query)]  # noqa: SIM118
            dumped[table] = sorted(rows, key=lambda r: [(v is None, str(v)) for v in r])
        return dumped


def _runs(statements: Iterable[Statement]) -> Iterator[tuple[str, list[tuple[object, ...]]]]:
    """Consecutive statements with the same SQL, as one ``executemany`` each: the order of
    every statement is kept."""
    sql: str | None = None
    rows: list[tuple[object, ...]] = []
    for statement in statements:
        if statement.sql != sql:
            if sql is not None:
                yield sql, rows
            sql, rows = statement.sql, []
        rows.append(statement.params)
    if sql is not None:
        yield sql, rows


_V = TypeVar("_V", bound=SQLView)


def view_class(interface: type[_V], persistence_module: str) -> type[_V]:
    """The concrete class of a view interface for a store (``eventsourcing.sqlite`` …)."""
    try:
        backend = _BACKENDS[persistence_module]
    except KeyError:
        raise ValueError(
            f"views live in SQLite or PostgreSQL, not {persistence_module!r}"
        ) from None
    for subclass in interface.__subclasses__():
        if issubclass(subclass, backend):
            return subclass
    raise TypeError(f"{interface.__name__} has no {backend.__name__} variant")


def open_view(interface: type[_V], name: str, env: Mapping[str, str]) -> _V:
    """Construct a view the way ``ProjectionRunner`` does: eventsourcing settings looked up
    with the ``<NAME>_`` prefix first (``WINDOW_FEED_SQLITE_DBNAME``), tables created."""
    environment = Environment(name, dict(env))
    module = environment.get("PERSISTENCE_MODULE") or "eventsourcing.popo"
    factory = cast("InfrastructureFactory[_V]", InfrastructureFactory.construct(env=environment))
    return factory.tracking_recorder(view_class(interface, module))


EventBatch = Sequence[tuple[Tracking, object | None]]
"""Events with their positions; ``None`` for an event the projection does not read."""

Decoder = Callable[[Notification], object]


class SQLProjection(Projection[_V], Generic[_V]):
    """A projection whose handlers return SQL statements for its view.

    Subclasses define ``changes`` as a ``singledispatchmethod`` with one handler per event
    class; an event without a handler changes nothing (its position is still tracked).
    """

    topics: tuple[str, ...] = ()

    @abstractmethod
    def changes(self, event: Any, position: int) -> list[Statement]:
        """The statements that apply ``event``, stored at global ``position``, to the view."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """One event, one transaction (how ``ProjectionRunner`` calls it)."""
        self.view.apply([(tracking, self.changes(domain_event, tracking.notification_id))])

    def process_batch(self, batch: EventBatch) -> None:
        """Many events, one transaction: for catching up, rebuilding and NATS workers."""
        changes = self._dispatching_changes()
        self.view.apply([(t, [] if e is None else changes(e, t.notification_id)) for t, e in batch])

    def _dispatching_changes(self) -> Callable[[Any, int], list[Statement]]:
        """``self.changes``, with the handler looked up straight in the dispatch registry
        (a ``singledispatchmethod`` builds a new bound wrapper on every attribute access,
        which costs more than most handlers)."""
        bound = self.changes  # also registers handlers deferred at class creation
        descriptor = next(
            k.__dict__["changes"] for k in type(self).__mro__ if "changes" in k.__dict__
        )
        dispatcher = getattr(descriptor, "dispatcher", None)
        if dispatcher is None:
            return bound
        dispatch = dispatcher.dispatch

        def changes(event: Any, position: int) -> list[Statement]:
            handler: Callable[..., list[Statement]] = dispatch(type(event))
            return handler(self, event, position)

        return changes

    def reads(self, notification: Notification) -> bool:
        """Whether this projection needs the event decoded (its topics, or all)."""
        return not self.topics or notification.topic in self.topics

    def decode_batch(
        self, notifications: Iterable[Notification], application_name: str, decode: Decoder
    ) -> list[tuple[Tracking, object | None]]:
        """Notifications as a batch, decoding only the events this projection reads."""
        return [
            (Tracking(application_name, n.id), decode(n) if self.reads(n) else None)
            for n in notifications
        ]


def catch_up(
    projections: SQLProjection[Any] | Sequence[SQLProjection[Any]],
    recorder: ApplicationRecorder,
    mapper: Mapper[Any],
    application_name: str,
    *,
    batch_size: int = 500,
    stop: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Apply every stored event after each view's position (up to ``stop``), in batches of
    one transaction per view; each batch is read and decoded once for all the views.
    Returns how many events were read; ``on_batch`` hears how many each batch read.

    Safe while another process applies the same events: a view whose batch lost the race
    reads on after what the other applied.
    """
    group = [projections] if isinstance(projections, SQLProjection) else list(projections)
    done = 0
    while True:
        tracked = {id(p): p.view.max_tracking_id(application_name) or 0 for p in group}
        notifications = recorder.select_notifications(
            min(tracked.values()), batch_size, stop=stop, inclusive_of_start=False
        )
        if not notifications:
            return done
        decoded = {
            n.id: mapper.to_domain_event(n)
            for n in notifications
            if any(p.reads(n) and n.id > tracked[id(p)] for p in group)
        }
        for projection in group:
            batch = [
                (
                    Tracking(application_name, n.id),
                    decoded.get(n.id) if projection.reads(n) else None,
                )
                for n in notifications
                if n.id > tracked[id(projection)]
            ]
            try:
                projection.process_batch(batch)
            except IntegrityError:
                if (projection.view.max_tracking_id(application_name) or 0) > tracked[
                    id(projection)
                ]:
                    continue  # another process applied some of these first: go on after them
                raise
        done += len(notifications)
        if on_batch is not None:
            on_batch(len(notifications))
