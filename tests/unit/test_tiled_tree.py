"""TiledTree: the same roots and proofs as MerkleTree, from tiles in a store, in bounded memory."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.trail.merkle import (
    MerkleTree,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from hub.trail.tiled_tree import (
    TILE_BYTES,
    TILE_WIDTH,
    MemoryTileStore,
    TiledTree,
    TileError,
    tile_root,
)

_LEAVES = [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(70_000)]


def _trees(n: int, *, cache: int = 4) -> tuple[MerkleTree, TiledTree]:
    plain, tiled = MerkleTree(), TiledTree(MemoryTileStore(), cache=cache)
    for h in _LEAVES[:n]:
        plain.append_leaf_hash(h)
        tiled.append_leaf_hash(h)
        if tiled.size % 1000 == 0:  # tiles written as checkpoints cover them
            tiled.flush(tiled.size)
    return plain, tiled


_BIG_PLAIN, _BIG_TILED = _trees(70_000)  # three tile levels: 273 level-0, 1 level-1 tiles


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_roots_and_proofs_equal_merkle_trees(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, _BIG_TILED.size))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    plain, tiled = _BIG_PLAIN, _BIG_TILED
    assert tiled.root(size) == plain.root(size)
    assert tiled.inclusion_proof(index, size) == plain.inclusion_proof(index, size)
    assert tiled.consistency_proof(old, size) == plain.consistency_proof(old, size)
    assert tiled.leaf_hash_at(index) == _LEAVES[index]
    verify_inclusion(
        _LEAVES[index], index, size, tiled.inclusion_proof(index, size), plain.root(size)
    )
    verify_consistency(
        old, size, plain.root(old), plain.root(size), tiled.consistency_proof(old, size)
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3 * TILE_WIDTH * TILE_WIDTH // 2), st.integers(1, 5))
def test_every_size_while_appending(n: int, cache: int) -> None:
    n = min(n, len(_LEAVES))
    plain, tiled = _trees(n, cache=cache)
    assert tiled.size == plain.size == n
    assert tiled.root() == plain.root()
    if n:
        assert tiled.subtree_hash(0, n) == plain.subtree_hash(0, n)


def test_memory_is_the_edge_the_pending_tiles_and_a_bounded_cache() -> None:
    tree = _BIG_TILED
    for size in range(1, tree.size, 997):  # proofs all over the tree
        tree.inclusion_proof(size // 3, size)
        assert tree.cached_tiles <= 4
    assert tree.pending_tiles == 0  # flushed as "checkpoints" covered them
    stored = tree.store
    assert isinstance(stored, MemoryTileStore)
    assert len(stored.tiles) == 70_000 // TILE_WIDTH + 1  # 273 level-0 tiles, 1 level-1
    # edge: < 512 hashes per level (3 levels), cache: 4 tiles of 511 hashes
    assert tree.memory_bytes() <= 3 * 511 * 32 + 4 * 511 * 32
    assert tree.memory_bytes() < 70_000 * 64 // 20


def test_unflushed_tiles_stay_in_memory_until_a_size_covers_them() -> None:
    store = MemoryTileStore()
    tree = TiledTree(store)
    for h in _LEAVES[:1000]:
        tree.append_leaf_hash(h)
    assert tree.pending_tiles == 3 and not store.tiles
    assert tree.flush(600) == [] and sorted(store.tiles) == [(0, 0), (0, 1)]
    assert tree.pending_tiles == 1
    tree.flush(1000)
    assert sorted(store.tiles) == [(0, 0), (0, 1), (0, 2)]


def test_resume_reads_tiles_and_hashes_no_leaf() -> None:
    plain, tiled = _BIG_PLAIN, _BIG_TILED
    resumed = TiledTree.resume(tiled.store)
    assert resumed.size == 70_000 // TILE_WIDTH * TILE_WIDTH  # the full level-0 tiles
    assert resumed.root() == plain.root(resumed.size)
    assert resumed.tile_reads <= 2 * 255 + 2
    for h in _LEAVES[resumed.size : 70_000]:  # extended from the log
        resumed.append_leaf_hash(h)
    assert resumed.root() == plain.root()
    assert resumed.inclusion_proof(5, 70_000) == plain.inclusion_proof(5, 70_000)


def test_a_changed_stored_tile_is_refused_not_used() -> None:
    _, tiled = _trees(3 * TILE_WIDTH * TILE_WIDTH // 2 + 7, cache=1)
    store = tiled.store
    assert isinstance(store, MemoryTileStore)
    store.tiles[(0, 3)] = bytes(TILE_BYTES)  # zeroed by a broken disk or a hand
    tiled.inclusion_proof(0, tiled.size)  # another tile: fine, and evicts tile 3
    with pytest.raises(TileError, match="0/3 does not match"):
        tiled.inclusion_proof(3 * TILE_WIDTH + 1, tiled.size)
    del store.tiles[(0, 4)]
    with pytest.raises(TileError, match="0/4 is missing"):
        tiled.leaf_hash_at(4 * TILE_WIDTH)


def test_put_keeps_equal_tiles_and_reports_other_bytes() -> None:
    store = MemoryTileStore()
    tile = b"".join(_LEAVES[:TILE_WIDTH])
    assert store.put([(0, 0, tile)]) == []
    assert store.put([(0, 0, tile)]) == []  # another replica, same bytes
    assert store.put([(0, 0, bytes(TILE_BYTES))]) == [(0, 0)]
    assert tile_root(tile) == root_from_leaf_hashes(_LEAVES[:TILE_WIDTH])
