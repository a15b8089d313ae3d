"""The aggregate map: what every checkpoint says about the *latest* version of each aggregate.

The log's Merkle tree proves that an event is in the log; it cannot prove that a set of
events is *all* of an aggregate's events, so whoever holds an evidence bundle could drop
the last events of a case (``delivered``, ``rejected``, ``rated``) and still show a
bundle that verifies. The aggregate map closes that hole. At every checkpoint of size
``N`` the hub also commits to the head of every aggregate in the first ``N`` log
entries, and signs that commitment in the same note.

Map entries and the map root
----------------------------
One entry per aggregate: its id, its latest version, the log index of that event and
that event's RFC 9162 leaf hash (the log leaf, see :func:`hub.trail.verify.log_entry`)::

    "tabadol/aggregate-map/v1" 0x00
    ‖ u32 length ‖ aggregate id   (canonical text: lowercase UUID with dashes, UTF-8)
    ‖ u64 version                 (latest version at the checkpoint's size)
    ‖ u64 log index               (of that version's event)
    ‖ 32 bytes                    (that event's log leaf hash)

big-endian integers. Entry ``k`` is the aggregate whose first event comes ``k``-th in the
log (order of first appearance, so a new aggregate appends a leaf and a new version
rewrites one), and the map root is the RFC 9162 Merkle tree hash over the entries' leaf
hashes ``SHA-256(0x00 ‖ entry)``: an ordinary RFC 9162 tree, so any RFC 9162 library
checks a map proof. The leaf hash rather than an envelope field names the head, so the
map does not depend on how envelopes sign (one signature per event or per batch).

The commitment is one extension line of the C2SP checkpoint (c2sp.org/tlog-checkpoint),
after the root hash line and before any other extension::

    tabadol.gov.ir/hub/<genesis key id>
    1234
    <base64 log root>
    tabadol/aggregate-map/v1 87 <base64 map root>

Signature lines stay C2SP signed-note lines, so witnesses add cosignatures as usual.

Map proofs
----------
A :class:`MapProof` for one aggregate is its entry, its index in the map and the
inclusion proof of its leaf in the map tree: against the signed map root it proves the
aggregate's latest version at the checkpoint's size. This is a log-derived map (Trillian's
"verifiable log-derived map"): the map is a function of the log, so that it is complete,
has one entry per aggregate and is true to the log is what anyone who replays the log
checks, and ``tabadol audit verify`` does, at every checkpoint.

Cost: an update is O(1) (the leaf is rewritten when the head is next taken), taking the
head rehashes O(log A) nodes per aggregate changed since the last head, so a checkpoint
costs what changed, not what exists.
"""

from __future__ import annotations

import hashlib
import re
import struct
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.trail.encoding import b64, unb64
from hub.trail.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, node_hash, verify_inclusion

__all__ = [
    "MAP_DOMAIN",
    "MAP_EXTENSION",
    "AggregateMap",
    "LeafMap",
    "MapEntry",
    "MapError",
    "MapHead",
    "MapProof",
    "map_head_of",
    "map_leaf",
]

MAP_DOMAIN = b"tabadol/aggregate-map/v1\x00"
MAP_EXTENSION = "tabadol/aggregate-map/v1"
"""The first word of the checkpoint extension line that carries the map head."""


class MapError(ValueError):
    """A map proof or a map head does not verify, or is malformed; the message says why."""


@dataclass(frozen=True, slots=True)
class MapEntry:
    """The head of one aggregate at a checkpoint's size."""

    aggregate_id: str
    version: int
    log_index: int
    leaf_hash: bytes
    """The log leaf hash of the event ``(aggregate_id, version)``."""

    def encode(self) -> bytes:
        aid = self.aggregate_id.encode("utf-8")
        return b"".join(
            (
                MAP_DOMAIN,
                struct.pack(">I", len(aid)),
                aid,
                struct.pack(">QQ", self.version, self.log_index),
                self.leaf_hash,
            )
        )

    def map_leaf(self) -> bytes:
        """The RFC 9162 leaf hash of this entry in the map tree."""
        return hashlib.sha256(b"\x00" + self.encode()).digest()

    def to_json(self) -> dict[str, Any]:
        return {
            "aggregate_id": self.aggregate_id,
            "version": self.version,
            "log_index": self.log_index,
            "leaf_hash": b64(self.leaf_hash),
        }

    @classmethod
    def from_json(cls, raw: object, where: str) -> MapEntry:
        fields = ["aggregate_id", "version", "log_index", "leaf_hash"]
        if not isinstance(raw, dict) or list(raw) != fields:
            raise MapError(f"{where}: expected the fields {fields}")
        aggregate_id, version, log_index = raw["aggregate_id"], raw["version"], raw["log_index"]
        if not isinstance(aggregate_id, str) or not aggregate_id:
            raise MapError(f"{where}: aggregate_id must be a non-empty string")
        if not (type(version) is int and type(log_index) is int):
            raise MapError(f"{where}: version and log_index must be integers")
        if version < 1 or log_index < 0:
            raise MapError(f"{where}: version must be ≥ 1 and log_index ≥ 0")
        leaf = _decode(raw["leaf_hash"], f"{where} leaf_hash")
        if len(leaf) != HASH_SIZE:
            raise MapError(f"{where}: leaf_hash must be {HASH_SIZE} bytes")
        return cls(aggregate_id, version, log_index, leaf)


_LEAF_HEAD = b"\x00" + MAP_DOMAIN


def map_leaf(aggregate_id: bytes, version: int, log_index: int, leaf_hash: bytes) -> bytes:
    """:meth:`MapEntry.map_leaf` from the entry's fields (the id as UTF-8 bytes)."""
    return hashlib.sha256(
        b"".join(
            (
                _LEAF_HEAD,
                len(aggregate_id).to_bytes(4, "big"),
                aggregate_id,
                struct.pack(">QQ", version, log_index),
                leaf_hash,
            )
        )
    ).digest()


@dataclass(frozen=True, slots=True)
class MapHead:
    """The signed commitment: how many aggregates, and the map root."""

    count: int
    root: bytes

    def extension(self) -> str:
        """The checkpoint extension line."""
        return f"{MAP_EXTENSION} {self.count} {b64(self.root)}"

    @classmethod
    def parse(cls, line: str) -> MapHead:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != MAP_EXTENSION:
            raise MapError(f"not an aggregate-map line: {line!r}")
        count = parts[1]
        if not count.isdigit() or (count != "0" and count.startswith("0")):
            raise MapError(f"aggregate-map count {count!r} is not a decimal number")
        root = _decode(parts[2], "aggregate-map root")
        if len(root) != HASH_SIZE or b64(root) != parts[2]:
            raise MapError("aggregate-map root is not a canonical base64 SHA-256 hash")
        return cls(int(count), root)


def map_head_of(extensions: Sequence[str]) -> MapHead | None:
    """The map head among a checkpoint's extension lines (None if it has none).

    :raises MapError: a line names the map but is malformed, or there are two.
    """
    found = [line for line in extensions if line.split(" ", 1)[0] == MAP_EXTENSION]
    if len(found) > 1:
        raise MapError("the checkpoint carries two aggregate-map lines")
    return MapHead.parse(found[0]) if found else None


@dataclass(frozen=True)
class MapProof:
    """Proof that ``entry`` is in the aggregate map of ``size`` entries, at ``index``."""

    entry: MapEntry
    index: int
    size: int
    proof: tuple[bytes, ...]

    def verify(self, head: MapHead) -> None:
        """Check the proof against a signed map head; raise :class:`MapError`."""
        if self.size != head.count:
            raise MapError(
                f"the map proof is for a map of {self.size} aggregates, the checkpoint's"
                f" map has {head.count}"
            )
        try:
            verify_inclusion(self.entry.map_leaf(), self.index, self.size, self.proof, head.root)
        except ProofError as exc:
            raise MapError(
                f"the map entry of aggregate {self.entry.aggregate_id} is not in the"
                f" checkpoint's aggregate map ({exc}): the entry or its proof was altered"
            ) from None

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry.to_json(),
            "index": self.index,
            "size": self.size,
            "proof": [b64(h) for h in self.proof],
        }

    @classmethod
    def from_json(cls, raw: object, where: str = "map proof") -> MapProof:
        fields = ["entry", "index", "size", "proof"]
        if not isinstance(raw, dict) or list(raw) != fields:
            raise MapError(f"{where}: expected the fields {fields}")
        index, size = raw["index"], raw["size"]
        if not (type(index) is int and type(size) is int and 0 <= index < size):
            raise MapError(f"{where}: index and size must be integers, 0 ≤ index < size")
        return cls(
            MapEntry.from_json(raw["entry"], f"{where} entry"),
            index,
            size,
            _hashes(raw["proof"], f"{where} proof"),
        )


def _hashes(raw: object, where: str) -> tuple[bytes, ...]:
    if not isinstance(raw, list):
        raise MapError(f"{where} must be a list of base64 hashes")
    return tuple(_decode(h, f"{where} hash {i}") for i, h in enumerate(raw, start=1))


class _Tree:
    """An RFC 9162 tree whose leaves can be rewritten: the hashes of every complete
    aligned subtree, per level (as :class:`hub.trail.merkle.MerkleTree` keeps them)."""

    __slots__ = ("levels", "size")

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.size = 0

    def node(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def append(self, leaf: bytes) -> int:
        index, levels = self.size, self.levels
        levels[0] += leaf
        self.size = count = index + 1
        level, cur = 0, leaf
        while count & 1 == 0:
            cur = node_hash(bytes(levels[level][-64:-32]), cur)
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += cur
            count >>= 1
        return index

    def set(self, index: int, leaf: bytes) -> None:
        """Rewrite leaf ``index`` and every complete subtree above it."""
        levels, cur, level = self.levels, leaf, 0
        while True:
            levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE] = cur
            parent = index >> 1
            if level + 1 == len(levels) or parent >= len(levels[level + 1]) // HASH_SIZE:
                return
            sibling = self.node(level, index ^ 1)
            cur = node_hash(cur, sibling) if index % 2 == 0 else node_hash(sibling, cur)
            index, level = parent, level + 1

    def rewrite(self, dirty: Iterable[int]) -> None:
        """Recompute every complete subtree above the leaves ``dirty`` (ascending, each
        once), whose hashes were written into level 0 directly (also past the old end):
        one pass per level, so a subtree above several changed leaves is hashed once."""
        levels, sha = self.levels, hashlib.sha256
        below: Iterable[int] = dirty
        level = 0
        while True:
            lower = levels[level]
            complete = len(lower) // (2 * HASH_SIZE)
            if complete == 0:
                break
            if level + 1 == len(levels):
                levels.append(bytearray())
            upper, parents, last = levels[level + 1], array("I"), -1
            for index in below:
                parent = index >> 1
                if parent == last or parent >= complete:
                    continue
                last = parent
                node = sha(b"\x01" + lower[64 * parent : 64 * parent + 64]).digest()
                if 32 * parent < len(upper):
                    upper[32 * parent : 32 * parent + 32] = node
                else:
                    upper += node
                parents.append(parent)
            if not parents:
                break
            below, level = parents, level + 1
        self.size = len(levels[0]) // HASH_SIZE

    def mth(self, lo: int, hi: int) -> bytes:
        parts: list[bytes] = []
        while True:
            n = hi - lo
            if n & (n - 1) == 0 and lo % n == 0:
                parts.append(self.node(n.bit_length() - 1, lo // n))
                break
            k = 1 << ((n - 1).bit_length() - 1)
            parts.append(self.mth(lo, lo + k))
            lo += k
        result = parts.pop()
        while parts:
            result = node_hash(parts.pop(), result)
        return result

    def root(self) -> bytes:
        return self.mth(0, self.size) if self.size else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        path: list[bytes] = []
        lo, hi = 0, self.size
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                path.append(self.mth(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.mth(lo, lo + k))
                lo += k
        path.reverse()
        return path


class AggregateMap:
    """The heads of all aggregates seen so far, kept as events are appended in log order.

    :meth:`update` is O(1); :meth:`head` and :meth:`proof` first write the changed leaves
    into the tree (O(log A) each), then read the root or a path. Kept in memory: an id,
    two integers, two hashes per aggregate and the tree (about 64 bytes per aggregate).
    """

    __slots__ = ("_dirty", "_entries", "_index", "_tree")

    def __init__(self) -> None:
        self._entries: dict[str, MapEntry] = {}
        self._index: dict[str, int] = {}
        self._dirty: dict[str, None] = {}  # changed since the last flush, in log order
        self._tree = _Tree()

    def __len__(self) -> int:
        return len(self._entries)

    def update(self, aggregate_id: str, version: int, log_index: int, leaf_hash: bytes) -> None:
        """Record that ``log_index`` holds version ``version`` of ``aggregate_id``."""
        self._entries[aggregate_id] = MapEntry(aggregate_id, version, log_index, leaf_hash)
        self._dirty[aggregate_id] = None

    def get(self, aggregate_id: str) -> MapEntry | None:
        return self._entries.get(aggregate_id)

    def copy(self) -> AggregateMap:
        self._flush()
        other = AggregateMap()
        other._entries = dict(self._entries)
        other._index = dict(self._index)
        other._tree.levels = [bytearray(level) for level in self._tree.levels]
        other._tree.size = self._tree.size
        return other

    def _flush(self) -> None:
        tree, index = self._tree, self._index
        for aggregate_id in self._dirty:
            leaf = self._entries[aggregate_id].map_leaf()
            at = index.get(aggregate_id)
            if at is None:
                index[aggregate_id] = tree.append(leaf)
            else:
                tree.set(at, leaf)
        self._dirty.clear()

    def head(self) -> MapHead:
        """The map head to sign into a checkpoint."""
        self._flush()
        return MapHead(self._tree.size, self._tree.root())

    def proof(self, aggregate_id: str) -> MapProof:
        """The map proof of one aggregate; KeyError if the map does not hold it."""
        self._flush()
        entry, at = self._entries[aggregate_id], self._index[aggregate_id]
        return MapProof(entry, at, self._tree.size, tuple(self._tree.inclusion_proof(at)))


class LeafMap:
    """The aggregate map as a verifier recomputes it: only its tree, 64 bytes per
    aggregate (a map leaf and the nodes above), one byte per aggregate to mark the
    leaves changed since the last :meth:`head`, and the latest heads not yet hashed.

    The caller numbers the aggregates in order of first appearance (entry ``k``) and
    notes each new head; a head is hashed into its map leaf when :meth:`head` is taken
    (or when too many wait: at most :data:`PENDING_HEADS`), so an aggregate written ten
    times between two checkpoints costs one map leaf, and :meth:`head` rehashes every
    changed subtree once, level by level.
    """

    __slots__ = ("_changed", "_pending", "_tree")

    def __init__(self) -> None:
        self._tree = _Tree()
        self._changed = bytearray()
        self._pending: dict[int, tuple[bytes, int, int, bytes]] = {}

    def __len__(self) -> int:
        self._apply()
        return len(self._changed)

    def note(
        self, index: int, aggregate_id: bytes, version: int, log_index: int, leaf_hash: bytes
    ) -> None:
        """Entry ``index`` (at most the number of entries so far: a new one) is now
        ``version`` of ``aggregate_id`` (UTF-8), at ``log_index`` with that log leaf."""
        pending = self._pending
        pending[index] = (aggregate_id, version, log_index, leaf_hash)
        if len(pending) > PENDING_HEADS:
            self._apply()

    def set(self, index: int, leaf: bytes) -> None:
        """Entry ``index`` (at most the number of entries: a new one) has map leaf ``leaf``."""
        self._apply()
        self._set(index, leaf)

    def head(self) -> MapHead:
        self._apply()
        tree = self._tree
        changed = self._changed
        tree.rewrite(match.start() for match in re.finditer(b"\x01", changed))
        self._changed = bytearray(len(changed))
        return MapHead(tree.size, tree.root())

    def _set(self, index: int, leaf: bytes) -> None:
        level = self._tree.levels[0]
        if index == len(self._changed):
            level += leaf
            self._changed.append(1)
        else:
            level[32 * index : 32 * index + 32] = leaf
            self._changed[index] = 1

    def _apply(self) -> None:
        """Hash the noted heads into their leaves (new entries come in ascending order:
        an entry is noted first when its aggregate first appears)."""
        for index, (aggregate_id, version, log_index, leaf_hash) in self._pending.items():
            self._set(index, map_leaf(aggregate_id, version, log_index, leaf_hash))
        self._pending.clear()


PENDING_HEADS = 1 << 16
"""At most this many noted heads wait to be hashed (about 250 bytes each)."""


def _decode(value: object, where: str) -> bytes:
    return unb64(value, where, MapError, canonical=False)
