"""Following the event log: a polling subscription for SQLite, and a read-only log reader.

eventsourcing 9.5 implements ``subscribe()`` for POPO and PostgreSQL (LISTEN/NOTIFY) but
not for SQLite. :class:`PollingSubscription` fills the gap: eventsourcing's own
``ListenNotifySubscription`` with its "new events" flag set by a timer instead of a
NOTIFY, so ``ProjectionRunner`` works on an SQLite store unchanged (STACK-NOTES §1.6).

:class:`LogReader` is the hub's log without the signing key: the relay, the projection
runners and the workers read through it. Its mapper strips the signed envelope, and an
event whose topic no loaded class claims (another context's aggregate, a newer hub) comes
back as a :class:`ForeignEvent` instead of failing the reader.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import ListenNotifySubscription, Mapper, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import TopicError, get_topic

from hub.ledger.signing import SigningMapper
from hub.ledger.stores import APP_NAME
from hub.trail.envelope import is_envelope, split_envelope

__all__ = [
    "POLL_INTERVAL",
    "ForeignEvent",
    "LogReader",
    "PollingSQLiteApplicationRecorder",
    "PollingSubscription",
    "ReadingMapper",
    "reader_env",
]

POLL_INTERVAL = 0.02
"""Seconds between looks at an SQLite log for new events."""


class PollingSubscription(ListenNotifySubscription[SQLiteApplicationRecorder]):
    """``ListenNotifySubscription`` woken by a timer: it looks for new events every
    ``interval`` seconds (one indexed query), and stops with the subscription."""

    def __init__(
        self,
        recorder: SQLiteApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
        interval: float = POLL_INTERVAL,
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._interval = interval
        self._stopped = threading.Event()
        threading.Thread(target=self._tick, name="tabadol-log-poll", daemon=True).start()

    def _tick(self) -> None:
        while not self._stopped.wait(self._interval):
            self._has_been_notified.set()

    def stop(self) -> None:
        self._stopped.set()
        super().stop()


class PollingSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder with a (polling) subscription."""

    poll_interval = POLL_INTERVAL

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> PollingSubscription:
        return PollingSubscription(self, gt=gt, topics=topics, interval=self.poll_interval)


@dataclass(frozen=True)
class ForeignEvent:
    """An event of a topic no loaded class claims: its coordinates and decoded state."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: Mapping[str, Any] = field(default_factory=dict)


class ReadingMapper(SigningMapper):
    """Strips the envelope; decodes an unknown topic to a :class:`ForeignEvent`."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        try:
            return super().to_domain_event(stored_event)
        except TopicError:
            payload = stored_event.state
            if is_envelope(payload):
                payload = split_envelope(payload)[1]
            if self.cipher:
                payload = self.cipher.decrypt(payload)
            if self.compressor:
                payload = self.compressor.decompress(payload)
            foreign: DomainEventProtocol[UUID] = ForeignEvent(
                UUID(str(stored_event.originator_id)),
                stored_event.originator_version,
                stored_event.topic,
                self.transcoder.decode(payload),
            )
            return foreign


class LogReader(Application[UUID]):
    """The hub's event log, read-only: recorder and decoding, no signing key."""

    name = APP_NAME  # same tables (PostgreSQL: tabadolhub_events), same tracking name

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        # On PostgreSQL a reader never runs the schema statements: eventsourcing's include a
        # CREATE OR REPLACE FUNCTION, which fails ("tuple concurrently updated") in a replica
        # starting at the same moment. The hub creates the tables (hub/ledger/leadership.py
        # SchemaLock); a reader started before them retries until they exist.
        settings = dict(env or {})
        if settings.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            settings["CREATE_TABLE"] = "n"
        super().__init__(env=settings)

    def construct_mapper(self) -> Mapper[UUID]:
        return ReadingMapper(
            transcoder=self.construct_transcoder(),
            compressor=self.factory.compressor(),
            cipher=self.factory.cipher(),
        )


def reader_env(store: Mapping[str, str]) -> dict[str, str]:
    """A log reader's eventsourcing settings: the store's, with subscriptions on SQLite."""
    env = dict(store)
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
        env["APPLICATION_RECORDER_TOPIC"] = get_topic(PollingSQLiteApplicationRecorder)
    return env
