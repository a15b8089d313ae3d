"""The log tree's tiles in the store (SQLite, PostgreSQL): written once a checkpoint covers
them, the same bytes by every replica, and a restart resumes from them without rehashing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eventsourcing.persistence import ApplicationRecorder, StoredEvent

from hub.application.hub import TabadolHub
from hub.audit.checkpoints import AuditLog, Checkpointer
from hub.audit.dialect import Dialect
from hub.audit.export import events_from, open_recorder
from hub.audit.tile_store import TILES, SQLTileStore
from hub.config import store_env
from hub.trail.aggregate_map import AggregateMap
from hub.trail.keys import PublicKeyRing, Signer, init_keys, load_history
from hub.trail.merkle import MerkleTree
from hub.trail.tiled_tree import TILE_WIDTH, MemoryTileStore
from hub.trail.verify import TrailEvent

AGGREGATES = [uuid.UUID(int=i + 1) for i in range(40)]


@dataclass
class Store:
    url: str
    signer: Signer
    keys: Path

    def log(self, *, tile_cache: int = 64) -> AuditLog:
        history = load_history(self.keys)
        return AuditLog(
            open_recorder(self.url),
            origin=history.origin,
            keys=PublicKeyRing.from_history(history),
            tile_cache=tile_cache,
        )

    def tiles(self) -> dict[tuple[int, int], bytes]:
        sql = Dialect.of(open_recorder(self.url))
        rows = sql.run(f"SELECT level, idx, hashes FROM {sql.table(TILES)}")
        return {(int(r["level"]), int(r["idx"])): bytes(r["hashes"]) for r in rows}

    def root(self) -> bytes:
        tree = MerkleTree()
        for event in events_from(open_recorder(self.url)):
            tree.append_leaf_hash(event.leaf_hash())
        return tree.root()


def _write(recorder: ApplicationRecorder, first: int, count: int) -> None:
    """``count`` synthetic events, round-robin over the aggregates (the tree reads only
    ids, versions, topics and bytes: no envelope is checked here)."""
    events = []
    for n in range(first, first + count):
        aggregate = AGGREGATES[n % len(AGGREGATES)]
        version = n // len(AGGREGATES) + 1
        events.append(StoredEvent(aggregate, version, "tabadol.test", f"event {n}".encode()))
    recorder.insert_events(events)


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    signer = init_keys(tmp_path / "hub.pem", tmp_path / "public-keys.json")
    hub = TabadolHub(signer, env=store_env(store_url))  # creates the events table
    _write(hub.recorder, 0, 1300)
    yield Store(store_url, signer, tmp_path / "public-keys.json")
    hub.close()


@pytest.fixture
def leaf_hashes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the leaf hashes computed from event bytes."""
    count = [0]
    original = TrailEvent.leaf_hash

    def counted(self: TrailEvent) -> bytes:
        count[0] += 1
        return original(self)

    monkeypatch.setattr(TrailEvent, "leaf_hash", counted)
    return count


def test_tiles_are_written_once_a_checkpoint_covers_them(store: Store) -> None:
    log = store.log()
    assert log.sync() == 1300
    assert store.tiles() == {}  # nothing signed yet: nothing written
    Checkpointer(log, store.signer).sign()
    assert sorted(store.tiles()) == [(0, i) for i in range(1300 // TILE_WIDTH)]
    assert log.tree.pending_tiles == 0


def test_a_restart_resumes_from_the_tiles_without_rehashing(
    store: Store, leaf_hashes: list[int]
) -> None:
    first = store.log()
    Checkpointer(first, store.signer).sign()
    _write(first.recorder, 1300, 200)  # after the checkpoint
    first.sync()
    before = leaf_hashes[0]

    again = store.log()
    assert again.sync() == 1500
    assert leaf_hashes[0] - before == 1500 - 1280  # only what the five stored tiles do not hold
    assert again.tree.tile_reads <= 2 * len(store.tiles())
    assert again.tree.root() == first.tree.root() == store.root()
    assert again.aggregates.head() == first.aggregates.head()
    assert [again.position_at(i) for i in (0, 1279, 1499)] == [
        first.position_at(i) for i in (0, 1279, 1499)
    ]
    for index in (0, 255, 1000, 1299):
        assert again.tree.inclusion_proof(index, 1300) == first.tree.inclusion_proof(index, 1300)
    signed = Checkpointer(again, store.signer).sign()  # consistent with the first checkpoint
    assert signed is not None and signed.tree_size == 1500


def test_replicas_write_the_same_tiles_and_a_changed_tile_is_rewritten(
    store: Store, leaf_hashes: list[int]
) -> None:
    one, other = store.log(), store.log()
    Checkpointer(one, store.signer).sign()
    written = store.tiles()
    other.sync()  # passes the same checkpoint: the same tiles, kept
    assert other.tree.pending_tiles == 0 and store.tiles() == written

    sql = Dialect.of(open_recorder(store.url))
    sql.run(
        f"UPDATE {sql.table(TILES)} SET hashes = {sql.mark} WHERE level = 0 AND idx = 1",
        (bytes(32 * TILE_WIDTH),),
        commit=True,
        fetch=False,
    )
    before = leaf_hashes[0]
    restarted = store.log()
    assert restarted.sync() == 1300
    # 20 events from the tiles' end to the checkpoint, which did not match: then the whole log
    assert leaf_hashes[0] - before == 20 + 1300
    assert restarted.tree.root() == store.root()
    assert store.tiles() == written  # and the changed tile rewritten


def test_memory_is_bounded_by_the_cache_not_the_log(store: Store) -> None:
    log = store.log(tile_cache=2)
    Checkpointer(log, store.signer).sign()
    for index in range(0, 1300, 7):
        log.tree.inclusion_proof(index, 1300)
        assert log.tree.cached_tiles <= 2
    assert log.tree.memory_bytes() <= 2 * 511 * 32 + 2 * 511 * 32  # cache + edge of 2 levels


def test_a_read_only_open_keeps_its_tiles_in_memory(store: Store) -> None:
    recorder = open_recorder(store.url)
    history = load_history(store.keys)
    tiles = SQLTileStore(recorder, create=False)
    log = AuditLog(recorder, origin=history.origin, tiles=tiles, tile_cache=1)
    Checkpointer(log, store.signer).sign()
    assert log.tree.pending_tiles == 0  # "written", to memory: the table was never made
    assert not Dialect.of(recorder).has_table(TILES)
    plain = MerkleTree()
    for event in events_from(recorder):
        plain.append_leaf_hash(event.leaf_hash())
    for index in (3, 300, 1299):  # read back from memory (a cache of one tile)
        assert log.tree.inclusion_proof(index, 1300) == plain.inclusion_proof(index, 1300)
    assert tiles.get(0, 4) is not None


def test_leadership_changing_hands_keeps_one_set_of_tiles(store: Store) -> None:
    """Two hub processes sign in turn (the leader lock moved); each writes the tiles its
    checkpoint covers; the table ends as one fresh rebuild computes it."""
    one, other = store.log(), store.log()
    Checkpointer(one, store.signer).sign()  # 1,300
    _write(one.recorder, 1300, 700)
    assert Checkpointer(other, store.signer).sign().tree_size == 2000  # type: ignore[union-attr]
    _write(one.recorder, 2000, 600)
    assert Checkpointer(one, store.signer).sign().tree_size == 2600  # type: ignore[union-attr]
    written = store.tiles()
    assert sorted(written) == [(0, i) for i in range(2600 // TILE_WIDTH)]

    fresh = MemoryTileStore()  # a rebuild from the log, tiles of its own
    rebuilt = AuditLog(open_recorder(store.url), origin=one.origin, tiles=fresh)
    rebuilt.sync()
    assert rebuilt.tree.root() == one.tree.root() == store.root()
    assert fresh.tiles == written


def test_an_earlier_aggregate_map_comes_from_the_store_and_the_tiles(
    store: Store, leaf_hashes: list[int]
) -> None:
    """A bundle for the latest checkpoint once the log grew past it: the map at that size
    without reading or hashing the log again."""
    log = store.log()
    Checkpointer(log, store.signer).sign()
    _write(log.recorder, 1300, 250)
    log.sync()
    expected = AggregateMap()
    for index, event in enumerate(events_from(open_recorder(store.url))):
        if index == 1300:
            break
        expected.update(event.aggregate_id, event.version, index, event.leaf_hash())
    before = leaf_hashes[0]
    assert log.aggregate_map(1300).head() == expected.head()
    assert log.aggregate_map(1).head() != expected.head()
    assert leaf_hashes[0] == before
