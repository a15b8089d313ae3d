"""SQL read models on eventsourcing's tracking recorders: one code path, SQLite or PostgreSQL.

A view applies a batch of events in one transaction: the tracking record of the first
event is written first (the single-row tracking table refuses a position at or below the
one recorded, and in PostgreSQL the row lock makes a second worker wait), then the batch's
changes, then the tracking record of the last event. Applying an event twice therefore
fails and changes nothing, which is what makes every view idempotent by global position
and rebuildable from zero.

A projection folds a batch in memory before it writes (:class:`Batch`): the stored rows the
batch's events touch are read with one query per table (:class:`Keyed`), each event changes
them in memory in log order, and then each table is written with one ``executemany`` of the
rows the batch added (``INSERT``) and one of the stored rows it changed (``UPDATE`` to their
last state); rows that only accumulate (a feed entry per event) are collected and inserted
at once (:class:`Rows`). The live path (one event per transaction) folds a batch of one, so
one event at a time, any batches and one batch leave the same tables.

Statements are written once, with ``?`` placeholders and portable SQL; the PostgreSQL
variant of a view swaps the placeholders. Each view interface has one concrete subclass per
store, found by :func:`view_class`.
"""

from __future__ import annotations

import contextlib
import gc
from abc import abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast
from uuid import UUID

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
    "CATCH_UP_BATCH",
    "Batch",
    "Decoder",
    "EventBatch",
    "Keyed",
    "Load",
    "Row",
    "Rows",
    "SQLProjection",
    "SQLView",
    "case_key",
    "catch_up",
    "open_view",
    "view_class",
]

_BACKENDS: Mapping[str, type[TrackingRecorder]] = {
    "eventsourcing.sqlite": SQLiteTrackingRecorder,
    "eventsourcing.postgres": PostgresTrackingRecorder,
}


Row = dict[str, Any]
"""One stored row, by column name."""

Write = tuple[str, list[tuple[object, ...]]]
"""One statement and the parameters of each row it is executed for."""

_CHUNK = 500  # keys per SELECT … IN (…): well under SQLite's limit on parameters

CATCH_UP_BATCH = 5000
"""Events per transaction when catching up or rebuilding. Larger batches write each table's
pages, the tracking row and the commit once for more events (a rebuild of 45,000 events
in three SQLite views: 22 % less CPU than batches of 500); a batch's decoded events and
folded rows stay in memory until it commits (a few MB)."""


_KEYS: dict[int, str] = {}
_KEYS_KEPT = 1 << 16


def case_key(originator_id: UUID) -> str:
    """An aggregate id as the views' text key. Remembered (by the id's integer: a UUID's own
    hash and equality are Python code), since every view of a batch asks for the ids of the
    same events."""
    number = originator_id.int
    key = _KEYS.get(number)
    if key is None:
        if len(_KEYS) >= _KEYS_KEPT:
            _KEYS.clear()
        key = _KEYS[number] = str(originator_id)
    return key


class Keyed:
    """One table's rows that a batch reads or writes, by key (the first column).

    :meth:`load` puts in the stored rows; ``get`` finds a row; :meth:`add` a new row (inserted, so a second row
    with a stored key fails the batch as a second ``INSERT`` would); :meth:`change` sets
    columns of a row ``get`` found, in memory. :meth:`writes` gives one ``INSERT`` of the added rows
    and one ``UPDATE`` of the changed stored rows, each with their last state.
    """

    __slots__ = ("_added", "_changed", "_rows", "_stored", "columns", "get", "table")

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._rows: dict[object, Row] = {}
        self.get: Callable[[object], Row | None] = self._rows.get
        """The row of a key as the batch has left it so far, or None."""
        self._stored: dict[object, Row] = {}
        self._added: list[Row] = []
        self._changed: dict[object, Row] = {}

    def select(self, count: int) -> str:
        """The query of the stored rows of ``count`` keys."""
        return _select(self.table, self.columns, count)

    def load(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Stored rows, as a query returned them."""
        columns = self.columns
        for stored in rows:
            row = {column: stored[column] for column in columns}
            self._rows[row[columns[0]]] = self._stored[row[columns[0]]] = row

    def add(self, row: Row) -> None:
        """A new row (every column)."""
        self._added.append(row)
        self._rows[row[self.columns[0]]] = row

    def change(self, row: Row, **values: object) -> None:
        """Set columns of a row ``get`` returned."""
        row.update(values)
        key = row[self.columns[0]]
        if self._stored.get(key) is row:
            self._changed[key] = row

    def writes(self) -> Iterator[Write]:
        columns = self.columns
        if self._added:
            values = itemgetter(*columns)
            yield _insert(self.table, columns), [values(row) for row in self._added]
        if self._changed:
            values = itemgetter(*columns[1:], columns[0])  # SET …, then WHERE key
            yield _update(self.table, columns), [values(row) for row in self._changed.values()]


class Rows:
    """Rows a batch only inserts (an entry per event), in the order they are added."""

    __slots__ = ("columns", "rows", "table")

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.rows: list[tuple[object, ...]] = []

    def writes(self) -> Iterator[Write]:
        if self.rows:
            yield _insert(self.table, self.columns), self.rows


@lru_cache(maxsize=1024)
def _select(table: str, columns: tuple[str, ...], count: int) -> str:
    marks = ", ".join("?" * count)
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {columns[0]} IN ({marks})"  # noqa: S608


@lru_cache(maxsize=64)
def _insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


@lru_cache(maxsize=64)
def _update(table: str, columns: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{column} = ?" for column in columns[1:])
    return f"UPDATE {table} SET {assignments} WHERE {columns[0]} = ?"  # noqa: S608


class Batch:
    """The tables one batch of events changes, held in memory until they are written:
    a view's subclass makes its :class:`Keyed` and :class:`Rows` attributes and lists them
    in :attr:`tables`, in the order they are written."""

    tables: tuple[Keyed | Rows, ...] = ()


Load = Callable[[Keyed, Collection[object]], None]
"""Fills a :class:`Keyed` table with the stored rows of some keys."""


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

    def apply(
        self, first: Tracking, last: Tracking, fold: Callable[[Load], Sequence[Keyed | Rows]]
    ) -> None:
        """Apply a batch of events (positions ``first`` to ``last``) in one transaction:
        ``fold`` loads the rows it needs, folds the events into them and returns the tables
        to write.

        Raises :class:`~eventsourcing.persistence.IntegrityError` (and changes nothing) when
        the first position is not above the tracked one.
        """
        with self.datastore.transaction(commit=True) as c:
            self._insert_tracking(c, first)

            def load(table: Keyed, keys: Collection[object]) -> None:
                keys = list(keys)
                for start in range(0, len(keys), _CHUNK):
                    chunk = keys[start : start + _CHUNK]
                    c.execute(self._sql(table.select(len(chunk))), chunk)
                    table.load(c.fetchall())

            tables = fold(load)
            # PostgreSQL: send the statements without waiting for each reply (psycopg's
            # pipeline mode); they still run in order, in this transaction.
            with c.connection.pipeline() if self._postgres else contextlib.nullcontext():
                for table in tables:
                    for sql, rows in table.writes():
                        c.executemany(self._sql(sql), rows)
            if last.notification_id != first.notification_id:
                self._insert_tracking(c, last)

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
    """A projection that folds batches of events into its view's tables.

    Subclasses make a fresh :class:`Batch` of their tables (:meth:`new_batch`) and define
    ``fold_event`` as a ``singledispatchmethod`` with one handler per event class, each
    changing the batch in memory; an event without a handler changes nothing (its position
    is still tracked). The stored rows of the batch's aggregates are loaded into every
    :class:`Keyed` table first (they are keyed by :func:`case_key`).
    """

    topics: tuple[str, ...] = ()

    @abstractmethod
    def new_batch(self) -> Batch:
        """The view's tables, empty, for one batch."""

    @abstractmethod
    def fold_event(self, event: Any, batch: Any, position: int, key: str) -> None:
        """Fold ``event``, stored at global ``position``, into ``batch``; ``key`` is its
        aggregate's :func:`case_key`."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """One event, one transaction (how ``ProjectionRunner`` calls it)."""
        self.apply_events(tracking, tracking, [(tracking.notification_id, domain_event)])

    def process_batch(self, batch: EventBatch) -> None:
        """Many events, one transaction: for catching up, rebuilding and NATS workers."""
        if batch:
            events = [(t.notification_id, e) for t, e in batch if e is not None]
            self.apply_events(batch[0][0], batch[-1][0], events)

    def apply_events(
        self, first: Tracking, last: Tracking, events: Sequence[tuple[int, Any]]
    ) -> None:
        """The events (with their positions) of the batch from ``first`` to ``last``."""
        self.view.apply(first, last, lambda load: self._fold(load, events))

    def _fold(self, load: Load, events: Sequence[tuple[int, Any]]) -> Sequence[Keyed | Rows]:
        batch = self.new_batch()
        keys = [case_key(event.originator_id) for _, event in events]
        if keys:
            stored = set(keys)
            for table in batch.tables:
                if isinstance(table, Keyed):
                    load(table, stored)
        handlers = self._handlers
        for (position, event), key in zip(events, keys, strict=True):
            kind = type(event)
            handler = handlers.get(kind)
            if handler is None:
                handler = handlers[kind] = self._handler(kind)
            handler(event, batch, position, key)
        return batch.tables

    @cached_property
    def _handlers(self) -> dict[type, Callable[[Any, Any, int, str], None]]:
        """Each event class's handler, bound, as :meth:`_handler` found it."""
        return {}

    def _handler(self, kind: type) -> Callable[[Any, Any, int, str], None]:
        """The ``fold_event`` handler of an event class, bound, looked up once in the
        dispatch registry (a ``singledispatchmethod`` builds a new bound wrapper and
        dispatches on every call, which costs more than most handlers)."""
        bound = self.fold_event  # also registers handlers deferred at class creation
        descriptor = next(
            k.__dict__["fold_event"] for k in type(self).__mro__ if "fold_event" in k.__dict__
        )
        dispatcher = getattr(descriptor, "dispatcher", None)
        if dispatcher is None:
            return bound
        return cast("Callable[[Any, Any, int, str], None]", dispatcher.dispatch(kind).__get__(self))

    def reads(self, notification: Notification) -> bool:
        """Whether this projection needs the event decoded (its topics, or all)."""
        return not self.topics or notification.topic in self._topic_set

    def reading(self, notifications: Sequence[Notification]) -> list[Notification]:
        """The notifications this projection needs decoded, in order."""
        topics = self._topic_set
        return [n for n in notifications if not topics or n.topic in topics]

    @cached_property
    def _topic_set(self) -> frozenset[str]:
        return frozenset(self.topics)

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
    batch_size: int = CATCH_UP_BATCH,
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
    with _heap_frozen():
        return _catch_up(group, recorder, mapper, application_name, batch_size, stop, on_batch)


@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects alive when a catch-up starts (the modules, the hub) out of the cyclic
    collector's generations until it ends: a batch allocates tens of thousands of objects
    that stay alive until it commits, and each collection they set off walked the whole heap
    again (12-18 % of a rebuild's CPU, measured). Nothing is lost: they are collected as
    before once unfrozen. A process that froze its heap already (``tabadol serve`` once
    started) is left as it is: unfreezing would undo its freeze, and freezing again and
    keeping it would keep whatever garbage is alive at that moment for good."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _catch_up(
    group: Sequence[SQLProjection[Any]],
    recorder: ApplicationRecorder,
    mapper: Mapper[Any],
    application_name: str,
    batch_size: int,
    stop: int | None,
    on_batch: Callable[[int], None] | None,
) -> int:
    done = 0
    while True:
        tracked = {id(p): p.view.max_tracking_id(application_name) or 0 for p in group}
        notifications = recorder.select_notifications(
            min(tracked.values()), batch_size, stop=stop, inclusive_of_start=False
        )
        if not notifications:
            return done
        plans = []
        for projection in group:
            after = tracked[id(projection)]
            fresh = [n for n in notifications if n.id > after]
            if fresh:
                plans.append((projection, fresh, projection.reading(fresh)))
        decoded: dict[int, object] = {}
        for _, _, read in plans:  # each event decoded once, for all the views that read it
            for n in read:
                if n.id not in decoded:
                    decoded[n.id] = mapper.to_domain_event(n)
        for projection, fresh, read in plans:
            first, last = (Tracking(application_name, n.id) for n in (fresh[0], fresh[-1]))
            try:
                projection.apply_events(first, last, [(n.id, decoded[n.id]) for n in read])
            except IntegrityError:
                if (projection.view.max_tracking_id(application_name) or 0) > tracked[
                    id(projection)
                ]:
                    continue  # another process applied some of these first: go on after them
                raise
        done += len(notifications)
        if on_batch is not None:
            on_batch(len(notifications))
