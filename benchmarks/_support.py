"""What the benchmarks share, written once: a throw-away store and a counter aggregate."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from eventsourcing.domain import Aggregate, event

__all__ = ["Counter", "temporary_store"]

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


class Counter(Aggregate):
    """The smallest aggregate with a realistic event (an actor and a Persian note)."""

    TOPIC = "bench.counter"

    class Created(Aggregate.Created):
        TOPIC = "bench.counter.created"

    def __init__(self) -> None:
        self.count = 0

    @event("Incremented", topic="bench.counter.incremented")
    def increment(self, by: str, note: str) -> None:
        self.count += 1


def temporary_store(kind: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A new, empty store URL of ``kind`` (sqlite or postgres) and the call that drops it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'{uuid.uuid4().hex}.sqlite'}", lambda: None
    name = f"tabadol_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://postgres@127.0.0.1:5432/{name}", drop
