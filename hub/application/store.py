"""The ledger as the use cases need it, written once: load, change with a retry on a
concurrent write, create under a fresh tracking code, and page through events by topic.

Every use-case room (catalogue, cases, exchanges, consultations, petitions) is composed
with one :class:`Store` over the hub's signed ledger; none of them subclasses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from aggregates.errors import NotFound
from aggregates.identifiers import TrackingCode, TrackingKind

__all__ = ["Companions", "Store"]

_A = TypeVar("_A", bound=Aggregate)
_R = TypeVar("_R")

CONFLICT_RETRIES = 5
"""How often a command is run again after a concurrent write to its aggregate."""
CODE_ATTEMPTS = 5
"""How often a fresh tracking code is drawn after a collision (practically never twice)."""
_PAGE = 500


class Companions(tuple[Aggregate, ...]):
    """What a command returns to have other aggregates saved in its transaction."""

    __slots__ = ()


class Store:
    """Load, change and create aggregates of one eventsourcing application."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app

    def save(self, *aggregates: Aggregate) -> None:
        """Save in one transaction (a version conflict raises IntegrityError)."""
        self._app.save(*aggregates)

    def contains(self, aggregate_id: UUID) -> bool:
        """Whether an aggregate with this id was ever saved."""
        return aggregate_id in self._app.repository

    def find(self, aggregate_id: UUID, kind: type[_A], version: int | None = None) -> _A | None:
        """The aggregate (at ``version``), or None when there is none of that kind."""
        try:
            aggregate: object = self._app.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, kind) or (version and aggregate.version != version):
            return None
        return aggregate

    def peek(self, aggregate_id: UUID, kind: type[_A]) -> _A | None:
        """The latest aggregate for reading only: the repository's cached instance itself
        (fast-forwarded, not deep-copied), so the caller must never change it."""
        try:
            aggregate: object = self._app.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def get(
        self, aggregate_id: UUID, kind: type[_A], what: str, key: str, version: int | None = None
    ) -> _A:
        """The aggregate, or NotFound naming ``what`` and ``key`` (and the version)."""
        aggregate = self.find(aggregate_id, kind, version)
        if aggregate is None:
            raise NotFound(what, f"{key} revision {version}" if version else key)
        return aggregate

    def change(
        self,
        aggregate_id: UUID,
        kind: type[_A],
        what: str,
        key: str,
        command: Callable[[_A], _R],
        *,
        start: Callable[[], _A] | None = None,
    ) -> tuple[_A, _R]:
        """Load, run the command, save the aggregate (and the :class:`Companions` the
        command returns) in one transaction; on a concurrent write, reload and run the
        command again, so it always decides on the latest state. Nothing new: no write.
        With ``start``, an aggregate not yet saved is started by it (a singleton)."""
        for attempt in range(CONFLICT_RETRIES):
            found = self.find(aggregate_id, kind) if start is not None else None
            aggregate = found or (start() if start else self.get(aggregate_id, kind, what, key))
            result = command(aggregate)
            companions: Sequence[Aggregate] = result if isinstance(result, Companions) else ()
            if not (aggregate.pending_events or companions):
                return aggregate, result
            try:
                self._app.save(aggregate, *companions)
            except IntegrityError:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                continue
            return aggregate, result
        raise AssertionError("unreachable")  # pragma: no cover

    def create(self, kind: TrackingKind, make: Callable[[TrackingCode], _A]) -> _A:
        """Make and save an aggregate under a fresh tracking code of ``kind``; on the rare
        collision with an existing code, draw another."""
        for _ in range(CODE_ATTEMPTS):
            aggregate = make(TrackingCode.new(kind))
            try:
                self._app.save(aggregate)
            except IntegrityError:  # a tracking-code collision: issue another
                continue
            return aggregate
        raise RuntimeError("could not issue a unique tracking code")  # pragma: no cover

    def ids_with(self, *topics: str) -> list[UUID]:
        """The ids of every aggregate with an event of ``topics``, first seen first."""
        ids: dict[UUID, None] = {}
        for notification in self._notifications(topics):
            ids.setdefault(UUID(str(notification.originator_id)), None)
        return list(ids)

    def replay(self, *topics: str) -> Iterator[Any]:
        """Every stored event of ``topics``, in global order, as domain events."""
        for notification in self._notifications(topics):
            yield self._app.mapper.to_domain_event(notification)

    def events_of(self, aggregate_id: UUID) -> Iterator[Any]:
        """One aggregate's events, oldest first."""
        yield from self._app.events.get(aggregate_id)

    def notifications(self, *topics: str) -> Iterator[Any]:
        """Every stored notification of ``topics`` (with its global position ``id``)."""
        return self._notifications(topics)

    def notifications_from(self, start: int, *topics: str) -> Iterator[Any]:
        """The stored notifications of ``topics`` from log position ``start`` on."""
        return self._notifications(topics, start)

    def fold_since(self, position: int, view: Any) -> int:
        """Fold into ``view`` (its ``topics``, ``process_event``) the events stored after log
        ``position``; the position of the last one folded (``position`` if none)."""
        for notification in self.notifications_from(position + 1, *view.topics):
            view.process_event(self.decode(notification))
            position = notification.id
        return position

    def decode(self, notification: Any) -> Any:
        """A notification as its domain event."""
        return self._app.mapper.to_domain_event(notification)

    def _notifications(self, topics: Sequence[str], start: int = 1) -> Iterator[Any]:
        while True:
            page = self._app.recorder.select_notifications(start, _PAGE, topics=topics)
            yield from page
            if len(page) < _PAGE:
                return
            start = page[-1].id + 1
