"""The log's RFC 9162 tree kept as C2SP tiles in a store, so memory stays bounded as it grows.

C2SP tlog-tiles (c2sp.org/tlog-tiles) cuts the tree into tiles of height 8: the level-``L``
tile ``N`` holds the 256 hashes of tree height ``8L`` numbered ``256N`` to ``256N + 255``
(level 0: leaf hashes; a hash of level ``L`` is the tree hash of ``256**L`` leaves). A full
tile never changes, and is the same bytes whoever computes it from the same log.

:class:`TiledTree` offers what :class:`~hub.trail.merkle.MerkleTree` does (append leaf
hashes; the root, an inclusion proof or a consistency proof at any size) and holds in
memory only

* the right edge: the complete nodes inside the partial (rightmost) tile of each level,
  fewer than 512 hashes per level;
* the full tiles not yet written (:meth:`TiledTree.flush` writes those a size covers: the
  hub calls it once a signed checkpoint covers them);
* a least-recently-used cache of at most ``cache`` full tiles, with their inner nodes
  (16 KiB each).

Every other node is read from a :class:`TileStore`. A tile read from the store is checked
against its hash one level up (in a higher tile or the right edge), so a tile that a store
lost or changed raises :class:`TileError` and is never used in a proof. Memory is then
O(levels × 16 KiB + cache × 16 KiB) instead of 64 bytes per leaf.

:meth:`TiledTree.resume` restarts a tree from the full level-0 tiles a store holds, reading
at most 255 tiles per level, hashing no leaf.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final, Protocol

from hub.trail.merkle import HASH_SIZE, ProvableTree, checked_leaf_hash

__all__ = [
    "TILE_BYTES",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "MemoryTileStore",
    "Tile",
    "TileError",
    "TileStore",
    "TiledTree",
    "tile_root",
]

TILE_HEIGHT: Final = 8
TILE_WIDTH: Final = 1 << TILE_HEIGHT
TILE_BYTES: Final = TILE_WIDTH * HASH_SIZE
"""A full tile: 256 hashes, 8 KiB."""

Tile = tuple[int, int, bytes]
"""``(level, index, the 256 hashes back to back)``."""

_NODE: Final = b"\x01"
_sha256 = hashlib.sha256


class TileError(LookupError):
    """A tile the tree needs is missing from the store or does not match the tree."""


class TileStore(Protocol):
    """Full tiles by (level, index); written only in index order, a prefix per level."""

    def get(self, level: int, index: int) -> bytes | None:
        """The tile's 8 KiB, or None when it is not stored."""
        ...

    def get_many(self, level: int, start: int, count: int) -> list[bytes]:
        """Tiles ``start`` .. ``start + count - 1`` of ``level`` in order, up to the first
        one missing."""
        ...

    def full_tiles(self, level: int) -> int:
        """How many tiles of ``level`` are stored (tiles ``0`` .. ``n - 1``)."""
        ...

    def put(self, tiles: Sequence[Tile]) -> list[tuple[int, int]]:
        """Store the tiles not stored yet (one transaction; a tile is deterministic, so
        another writer's copy is kept when equal). Returns the (level, index) of those
        stored with other bytes, which are replaced."""
        ...


class MemoryTileStore:
    """Tiles in a dict: for in-memory stores, read-only opens and tests."""

    def __init__(self) -> None:
        self.tiles: dict[tuple[int, int], bytes] = {}
        self._lock = threading.Lock()

    def get(self, level: int, index: int) -> bytes | None:
        return self.tiles.get((level, index))

    def get_many(self, level: int, start: int, count: int) -> list[bytes]:
        found: list[bytes] = []
        for index in range(start, start + count):
            tile = self.tiles.get((level, index))
            if tile is None:
                break
            found.append(tile)
        return found

    def full_tiles(self, level: int) -> int:
        n = 0
        while (level, n) in self.tiles:
            n += 1
        return n

    def put(self, tiles: Sequence[Tile]) -> list[tuple[int, int]]:
        replaced: list[tuple[int, int]] = []
        with self._lock:
            for level, index, hashes in tiles:
                old = self.tiles.setdefault((level, index), hashes)
                if old != hashes:
                    self.tiles[(level, index)] = hashes
                    replaced.append((level, index))
        return replaced


def _expand(tile: bytes) -> tuple[bytes, ...]:
    """The tile's 8 rows of nodes: row ``r`` holds its ``256 >> r`` hashes of height ``r``."""
    rows = [tile]
    for _ in range(TILE_HEIGHT - 1):
        below = rows[-1]
        rows.append(
            b"".join(_sha256(_NODE + below[k : k + 64]).digest() for k in range(0, len(below), 64))
        )
    return tuple(rows)


def _root_of_rows(rows: tuple[bytes, ...]) -> bytes:
    return _sha256(_NODE + rows[-1]).digest()


def tile_root(tile: bytes) -> bytes:
    """The tree hash of a full tile's 256 hashes: its hash one level up."""
    return _root_of_rows(_expand(tile))


class TiledTree(ProvableTree):
    """An append-only RFC 9162 tree whose full tiles live in a :class:`TileStore`.

    ``self._edge[h]`` holds the complete nodes of height ``h`` inside the partial tile of
    level ``h // 8``: ``(size >> h) % (256 >> (h % 8))`` hashes, back to back.
    """

    __slots__ = ("_cache", "_cache_max", "_edge", "_pending", "_size", "store", "tile_reads")

    def __init__(self, store: TileStore | None = None, *, cache: int = 64) -> None:
        if cache < 1:
            raise ValueError("the tile cache holds at least one tile")
        self.store: TileStore = store if store is not None else MemoryTileStore()
        self._edge: list[bytearray] = [bytearray() for _ in range(TILE_HEIGHT)]
        self._size = 0
        self._pending: dict[tuple[int, int], bytes] = {}
        self._cache: OrderedDict[tuple[int, int], tuple[bytes, ...]] = OrderedDict()
        self._cache_max = cache
        self.tile_reads = 0
        """How many tiles were read from the store (tests and benchmarks count them)."""

    @classmethod
    def resume(cls, store: TileStore, *, cache: int = 64) -> TiledTree:
        """The tree of the first ``256 × n`` leaves, ``n`` the level-0 tiles ``store`` holds.

        Rebuilds the right edge from at most 255 stored tiles per level and hashes no
        leaf; a store whose tiles do not add up gives the empty tree. Check the
        result against a signed root before trusting it (the hub checks it against its
        latest checkpoint).
        """
        tree = cls(store, cache=cache)
        size = store.full_tiles(0) << TILE_HEIGHT
        level = 1
        while size >> (TILE_HEIGHT * level):
            complete = size >> (TILE_HEIGHT * level)  # nodes of height 8L: roots of tiles L-1
            width = complete % TILE_WIDTH
            first = complete - width
            tiles = store.get_many(level - 1, first, width)
            tree.tile_reads += len(tiles)
            if len(tiles) < width:  # the tiles do not add up: start from the log
                return cls(store, cache=cache)
            tree._push(TILE_HEIGHT * level, [tile_root(t) for t in tiles])
            level += 1
        tree._size = size
        return tree

    # -- the tree --------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def __len__(self) -> int:
        return self._size

    @property
    def cached_tiles(self) -> int:
        """Full tiles held in the cache now (at most ``cache``)."""
        return len(self._cache)

    @property
    def pending_tiles(self) -> int:
        """Full tiles computed but not written to the store yet."""
        return len(self._pending)

    def memory_bytes(self) -> int:
        """The hashes this tree holds in memory: edge, pending tiles and cache."""
        edge = sum(len(row) for row in self._edge)
        cached = sum(len(row) for rows in self._cache.values() for row in rows)
        return edge + TILE_BYTES * len(self._pending) + cached

    def append_leaf_hash(self, h: bytes) -> int:
        """Append a leaf by its leaf hash; return its 0-based index."""
        cur = checked_leaf_hash(h)
        index, edge = self._size, self._edge
        edge[0] += cur
        self._size = count = index + 1
        level = 0
        while count & 1 == 0:  # the last two nodes of this height complete a parent
            cur = _sha256(_NODE + edge[level][-64:-32] + cur).digest()
            level += 1
            count >>= 1
            if level % TILE_HEIGHT == 0:  # ... and that parent completes a tile
                base = level - TILE_HEIGHT
                key = (base // TILE_HEIGHT, count - 1)
                rows = tuple(bytes(row) for row in edge[base:level])
                self._pending[key] = rows[0]
                self._remember(key, rows)
                for row in edge[base:level]:
                    row.clear()
                if level == len(edge):
                    edge.extend(bytearray() for _ in range(TILE_HEIGHT))
            edge[level] += cur
        return index

    def leaf_hash_at(self, index: int) -> bytes:
        """Return the leaf hash of leaf ``index``."""
        if not 0 <= index < self._size:
            raise ValueError(f"leaf index {index} out of range for tree size {self._size}")
        return self._node(0, index)

    def flush(self, size: int) -> list[tuple[int, int]]:
        """Write the pending full tiles that lie within the first ``size`` leaves (one
        :meth:`TileStore.put`); return those the store held with other bytes (replaced).
        Pending tiles stay pending if the store fails."""
        ready = [
            (level, index, tile)
            for (level, index), tile in self._pending.items()
            if (index + 1) << (TILE_HEIGHT * (level + 1)) <= size
        ]
        if not ready:
            return []
        replaced = self.store.put(ready)
        for level, index, _ in ready:
            del self._pending[(level, index)]
        return replaced

    # -- internals -------------------------------------------------------------------

    def _push(self, height: int, hashes: Sequence[bytes]) -> None:
        """Fill the edge of the partial tile whose lowest row is ``height`` (resume)."""
        while len(self._edge) < height + TILE_HEIGHT:
            self._edge.append(bytearray())
        for count, cur in enumerate(hashes, 1):
            level = height
            self._edge[level] += cur
            while count & 1 == 0:
                cur = _sha256(_NODE + self._edge[level][-64:-32] + cur).digest()
                level += 1
                count >>= 1
                self._edge[level] += cur

    def _node(self, level: int, index: int) -> bytes:
        tile_level, row = divmod(level, TILE_HEIGHT)
        shift = TILE_HEIGHT - row  # nodes of this height per tile: 1 << shift
        tile = index >> shift
        at = (index & ((1 << shift) - 1)) * HASH_SIZE
        if tile == self._size >> (TILE_HEIGHT * (tile_level + 1)):  # the partial tile
            return bytes(self._edge[level][at : at + HASH_SIZE])
        return self._tile(tile_level, tile)[row][at : at + HASH_SIZE]

    def _tile(self, level: int, index: int) -> tuple[bytes, ...]:
        key = (level, index)
        rows = self._cache.get(key)
        if rows is not None:
            self._cache.move_to_end(key)
            return rows
        pending = self._pending.get(key)
        if pending is not None:
            rows = _expand(pending)
        else:
            stored = self.store.get(level, index)
            self.tile_reads += 1
            if stored is None or len(stored) != TILE_BYTES:
                raise TileError(f"tile {level}/{index} is missing from the tile store")
            rows = _expand(bytes(stored))
            if _root_of_rows(rows) != self._node(TILE_HEIGHT * (level + 1), index):
                raise TileError(f"stored tile {level}/{index} does not match the tree")
        self._remember(key, rows)
        return rows

    def _remember(self, key: tuple[int, int], rows: tuple[bytes, ...]) -> None:
        self._cache[key] = rows
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_max:
            self._cache.popitem(last=False)
