"""Reading the stored log: a recorder on a store URL, its events in order, a trail export."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import Environment

from hub.ledger.stores import APP_NAME, store_env
from hub.trail.verify import TRAIL_FORMAT, TrailEvent, read_export

__all__ = [
    "StoreEvents",
    "events_from",
    "export_trail",
    "open_recorder",
    "read_trail",
    "store_url",
    "trail_size",
]

_PAGE = 1000


def open_recorder(url: str) -> ApplicationRecorder:
    """A recorder on an existing store, for reading (it creates no event table)."""
    env = store_env(url, create_table=False)
    factory = InfrastructureFactory.construct(Environment(name=APP_NAME, env=env))
    return factory.application_recorder()


_BIG_PAGE = 10_000
_HEX_ID = re.compile("[0-9a-f]{32}")
_RECENT_IDS = 8192

Row = tuple[int, str, int, str, bytes]
"""A stored event as plain values: position, aggregate id (text), version, topic, state."""


class StoreEvents(Iterator[TrailEvent]):
    """The stored events from position ``start`` on (up to ``stop``), in global order, as
    :class:`TrailEvent`; or, before iterating, as plain :data:`Row` tuples
    (:meth:`rows`: what :func:`~hub.trail.verify.verify_trail` reads, in big pages)."""

    def __init__(self, recorder: ApplicationRecorder, start: int, stop: int | None) -> None:
        self._recorder, self._start, self._stop = recorder, start, stop
        self._events: Iterator[TrailEvent] | None = None

    def __next__(self) -> TrailEvent:
        if self._events is None:
            self._events = (TrailEvent(*row) for row in self._pages(_PAGE))
        return next(self._events)

    def rows(self) -> Iterator[Row]:
        recorder = self._recorder
        if isinstance(recorder, SQLiteApplicationRecorder):
            return self._sqlite_rows(recorder)
        return self._pages(_BIG_PAGE)

    def _pages(self, size: int) -> Iterator[Row]:
        start, stop, recorder = self._start, self._stop, self._recorder
        while True:
            page = recorder.select_notifications(start, size, stop=stop)
            for n in page:
                yield n.id, str(n.originator_id), n.originator_version, n.topic, n.state
            if len(page) < size:
                return
            start = page[-1].id + 1

    def _sqlite_rows(self, recorder: SQLiteApplicationRecorder) -> Iterator[Row]:
        """Pages of raw tuples; an id is turned into its UUID text by slicing (what
        ``str(UUID(id))`` gives for the lowercase hex the recorder stores)."""
        start, stop = self._start, self._stop
        uuids = recorder.datastore.originator_id_type == "uuid"
        table = recorder.events_table_name  # the recorder's own name, not input
        bound = " AND rowid <= ?" if stop is not None else ""
        statement = f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} WHERE rowid >= ?{bound} ORDER BY rowid LIMIT ?"  # noqa: S608
        hexadecimal = _HEX_ID.fullmatch
        texts: dict[str, str] = {}  # the recent aggregates' ids as text (one case, many events)
        while True:
            params = (start, stop, _BIG_PAGE) if stop is not None else (start, _BIG_PAGE)
            with recorder.datastore.transaction(commit=False) as wrapped:
                cursor = wrapped.sqlite_cursor
                cursor.row_factory = None  # plain tuples
                page = cursor.execute(statement, params).fetchall()
            for position, raw, version, topic, state in page:
                aggregate_id = texts.get(raw) if uuids else raw
                if aggregate_id is None:
                    if hexadecimal(raw):
                        aggregate_id = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
                    else:
                        aggregate_id = str(recorder.convert_originator_id(raw))
                    if len(texts) >= _RECENT_IDS:
                        texts.clear()
                    texts[raw] = aggregate_id
                yield position, aggregate_id, version, topic, state
            if len(page) < _BIG_PAGE:
                return
            start = page[-1][0] + 1


def events_from(
    recorder: ApplicationRecorder, start: int = 1, stop: int | None = None
) -> StoreEvents:
    """Every stored event from position ``start`` on (up to ``stop``), in global order."""
    return StoreEvents(recorder, start, stop)


def _from_store(url: str) -> Iterator[TrailEvent]:
    return events_from(open_recorder(url))


def trail_size(source: str) -> int | None:
    """How many events a store holds at most (its last position), or None for a file."""
    url = store_url(source)
    return (open_recorder(url).max_notification_id() or 0) if url else None


def store_url(source: str) -> str | None:
    """The store URL of ``source`` (URL or SQLite file), or None for an export file."""
    if source.startswith(("postgresql://", "postgres://", "sqlite:///")):
        return source
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{source}: no such file")
    with path.open("rb") as probe:
        if probe.read(16).startswith(b"SQLite format 3"):
            return f"sqlite:///{path}"
    return None


def read_trail(source: str) -> Iterator[TrailEvent]:
    """Events from a trail file, an SQLite file (path or sqlite:///) or a PostgreSQL URL."""
    url = store_url(source)
    return _from_store(url) if url else read_export(Path(source))


def export_trail(
    source: str,
    out: IO[str],
    *,
    origin: str = "tabadol",
    checkpoints: Iterable[tuple[int, str, str, str | None]] = (),
    limit: int | None = None,
    watch: Callable[[Iterator[TrailEvent]], Iterable[TrailEvent]] | None = None,
) -> int:
    """Write the trail as JSON Lines (``tabadol-trail/2``): a header, one line per signed
    checkpoint ``(tree size, signed at, note with cosignatures, time-stamp token or None)``,
    then the first ``limit`` events (all when None), each with its log index. Returns how
    many events were written. ``watch`` wraps the events as they are read (progress)."""
    out.write(json.dumps({"format": TRAIL_FORMAT, "origin": origin}) + "\n")
    for size, signed_at, note, token in checkpoints:
        record: dict[str, object] = {"tree_size": size, "signed_at": signed_at, "note": note}
        if token:
            record["timestamp"] = token
        out.write(json.dumps({"checkpoint": record}, ensure_ascii=False) + "\n")
    count = 0
    events = read_trail(source)
    for event in watch(events) if watch else events:
        if count == limit:
            break
        out.write(event.export_line(count) + "\n")
        count += 1
    return count
