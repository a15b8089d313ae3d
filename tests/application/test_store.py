"""The one load / change / create helper every use-case room stands on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.domain import Aggregate, event

from aggregates.errors import NotFound
from aggregates.identifiers import TrackingCode, TrackingKind
from hub.application.store import Companions, Store
from hub.ledger.signing import LedgerApplication
from hub.trail.keys import Signer


class Counter(Aggregate):
    TOPIC = "tests.counter"

    class Created(Aggregate.Created):
        TOPIC = "tests.counter.created"

    def __init__(self) -> None:
        self.count = 0

    @event("Bumped", topic="tests.counter.bumped")
    def bump(self) -> None:
        self.count += 1


@pytest.fixture
def store(signer: Signer) -> Iterator[Store]:
    app = LedgerApplication(signer, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield Store(app)
    app.close()


def test_change_runs_the_command_again_on_the_latest_state_after_a_concurrent_write(
    store: Store,
) -> None:
    counter = Counter()
    store.save(counter)
    seen: list[int] = []

    def bump(c: Counter) -> int:
        seen.append(c.count)
        if len(seen) == 1:  # someone else writes between our read and our save
            rival = store.get(c.id, Counter, "counter", "x")
            rival.bump()
            store.save(rival)
        c.bump()
        return c.count

    changed, result = store.change(counter.id, Counter, "counter", "x", bump)
    assert seen == [0, 1] and result == 2 and changed.version == 3
    assert store.get(counter.id, Counter, "counter", "x").count == 2


def test_change_saves_companions_in_the_same_transaction(store: Store) -> None:
    first, companion = Counter(), Counter()
    store.save(first)

    def bump_with_companion(c: Counter) -> Companions:
        c.bump()
        return Companions((companion,))

    store.change(first.id, Counter, "counter", "x", bump_with_companion)
    assert store.contains(companion.id)
    assert store.get(first.id, Counter, "counter", "x").count == 1


def test_change_without_new_events_writes_nothing(store: Store, signer: Signer) -> None:
    counter = Counter()
    store.save(counter)
    store.change(counter.id, Counter, "counter", "x", lambda c: None)
    assert store.get(counter.id, Counter, "counter", "x").version == 1


def test_get_names_what_is_missing(store: Store) -> None:
    with pytest.raises(NotFound, match="counter"):
        store.get(Counter().id, Counter, "counter", "C-1")
    counter = Counter()
    store.save(counter)
    with pytest.raises(NotFound, match="revision 7"):
        store.get(counter.id, Counter, "counter", "C-1", version=7)


def test_create_draws_a_fresh_code_after_a_collision(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = TrackingCode.new(TrackingKind.CASE)
    fresh = TrackingCode.new(TrackingKind.CASE)
    drawn = iter([taken, taken, fresh])
    monkeypatch.setattr(TrackingCode, "new", staticmethod(lambda kind: next(drawn)))
    made: list[str] = []

    class Coded(Aggregate):
        TOPIC = "tests.coded"

        class Created(Aggregate.Created):
            TOPIC = "tests.coded.created"
            code: str

        @staticmethod
        def create_id(code: str) -> object:
            from uuid import NAMESPACE_URL, uuid5

            return uuid5(NAMESPACE_URL, code)

        def __init__(self, code: str) -> None:
            self.code = code

    def make(code: TrackingCode) -> Coded:
        made.append(code.value)
        return Coded(code=code.value)

    store.create(TrackingKind.CASE, make)
    second = store.create(TrackingKind.CASE, make)
    assert made == [taken.value, taken.value, fresh.value]
    assert second.code == fresh.value


def test_ids_and_replay_page_through_topics_in_order(store: Store) -> None:
    counters = [Counter() for _ in range(3)]
    for c in counters:
        c.bump()
    store.save(*counters)
    assert store.ids_with(Counter.Created.TOPIC) == [c.id for c in counters]
    bumps = list(store.replay("tests.counter.bumped"))
    assert [b.originator_id for b in bumps] == [c.id for c in counters]
    assert [type(e).__name__ for e in store.events_of(counters[0].id)] == ["Created", "Bumped"]
