"""Reading the stored log: a recorder on a store URL, its events in order, a trail export."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.utils import Environment

from hub.ledger.stores import APP_NAME, store_env
from hub.trail.verify import TRAIL_FORMAT, TrailEvent, read_export

__all__ = [
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


def events_from(
    recorder: ApplicationRecorder, start: int = 1, stop: int | None = None
) -> Iterator[TrailEvent]:
    """Every stored event from position ``start`` on (up to ``stop``), in global order."""
    while True:
        page = recorder.select_notifications(start, _PAGE, stop=stop)
        for n in page:
            yield TrailEvent(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
        if len(page) < _PAGE:
            return
        start = page[-1].id + 1


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
