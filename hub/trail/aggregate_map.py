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

big-endian integers. The entries are sorted by aggregate id (byte order of the UTF-8
text) and the map root is the RFC 9162 Merkle tree hash over their leaf hashes
``SHA-256(0x00 ‖ entry)``: an ordinary RFC 9162 tree, so any RFC 9162 library checks a
map proof. The leaf hash rather than an envelope field names the head, so the map does
not depend on how envelopes sign (one signature per event or per batch).

The commitment is one extension line of the C2SP checkpoint (c2sp.org/tlog-checkpoint),
after the root hash line and before any other extension::

    tabadol.gov.ir/hub/<genesis key id>
    1234
    <base64 log root>
    tabadol/aggregate-map/v1 87 <base64 map root>

Signature lines stay C2SP signed-note lines, so witnesses add cosignatures as usual.

Map proofs
----------
A :class:`MapProof` for one aggregate is its entry, its index in the sorted map, the
inclusion proof of its leaf in the map tree, and the entries right before and after it
with their inclusion proofs. The neighbours prove that the entry is the only one for its
aggregate (in a sorted map, the id sits strictly between its neighbours), so a bundle
cannot be checked against an older entry of the same aggregate. That the map is sorted,
complete and true to the log is what ``tabadol audit verify`` checks, at every
checkpoint, by recomputing the map from the trail.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.trail.encoding import b64, unb64
from hub.trail.merkle import HASH_SIZE, MerkleTree, ProofError, verify_inclusion

__all__ = [
    "MAP_DOMAIN",
    "MAP_EXTENSION",
    "AggregateMap",
    "MapEntry",
    "MapError",
    "MapHead",
    "MapProof",
    "map_head_of",
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
class MapNeighbour:
    entry: MapEntry
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry.to_json(), "proof": [b64(h) for h in self.proof]}


@dataclass(frozen=True)
class MapProof:
    """Proof that ``entry`` is *the* entry of its aggregate in a map of ``size`` entries."""

    entry: MapEntry
    index: int
    size: int
    proof: tuple[bytes, ...]
    left: MapNeighbour | None
    right: MapNeighbour | None

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
        key = self.entry.aggregate_id.encode("utf-8")
        for side, neighbour, index in (
            ("left", self.left, self.index - 1),
            ("right", self.right, self.index + 1),
        ):
            if not 0 <= index < self.size:
                if neighbour is not None:
                    raise MapError(f"the map proof has a {side} neighbour where there is none")
                continue
            if neighbour is None:
                raise MapError(f"the map proof lacks its {side} neighbour (map index {index})")
            other = neighbour.entry.aggregate_id.encode("utf-8")
            if (other >= key) if side == "left" else (other <= key):
                raise MapError(
                    f"the map's {side} neighbour {neighbour.entry.aggregate_id} is out of order:"
                    " the aggregate may have another entry in the map"
                )
            try:
                verify_inclusion(
                    neighbour.entry.map_leaf(), index, self.size, neighbour.proof, head.root
                )
            except ProofError as exc:
                raise MapError(f"the map's {side} neighbour is not in the map ({exc})") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry.to_json(),
            "index": self.index,
            "size": self.size,
            "proof": [b64(h) for h in self.proof],
            "left": self.left.to_json() if self.left else None,
            "right": self.right.to_json() if self.right else None,
        }

    @classmethod
    def from_json(cls, raw: object, where: str = "map proof") -> MapProof:
        fields = ["entry", "index", "size", "proof", "left", "right"]
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
            _neighbour(raw["left"], f"{where} left neighbour"),
            _neighbour(raw["right"], f"{where} right neighbour"),
        )


def _neighbour(raw: object, where: str) -> MapNeighbour | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or list(raw) != ["entry", "proof"]:
        raise MapError(f"{where}: expected the fields ['entry', 'proof']")
    return MapNeighbour(
        MapEntry.from_json(raw["entry"], f"{where} entry"), _hashes(raw["proof"], where)
    )


def _hashes(raw: object, where: str) -> tuple[bytes, ...]:
    if not isinstance(raw, list):
        raise MapError(f"{where} must be a list of base64 hashes")
    return tuple(_decode(h, f"{where} hash {i}") for i, h in enumerate(raw, start=1))


class AggregateMap:
    """The heads of all aggregates seen so far, kept as events are appended in log order.

    :meth:`update` is O(1); :meth:`head` and :meth:`proof` sort the ids and hash the map
    (O(A log A) for A aggregates), once per checkpoint or per bundle. The heads are
    kept in memory (an id, two integers and two hashes per aggregate).
    """

    __slots__ = ("_heads",)

    def __init__(self) -> None:
        self._heads: dict[str, tuple[MapEntry, bytes]] = {}

    def __len__(self) -> int:
        return len(self._heads)

    def update(self, aggregate_id: str, version: int, log_index: int, leaf_hash: bytes) -> None:
        """Record that ``log_index`` holds version ``version`` of ``aggregate_id``."""
        entry = MapEntry(aggregate_id, version, log_index, leaf_hash)
        self._heads[aggregate_id] = (entry, entry.map_leaf())

    def get(self, aggregate_id: str) -> MapEntry | None:
        found = self._heads.get(aggregate_id)
        return found[0] if found else None

    def copy(self) -> AggregateMap:
        other = AggregateMap()
        other._heads = dict(self._heads)
        return other

    def _sorted(self) -> list[str]:
        return sorted(self._heads, key=lambda a: a.encode("utf-8"))

    def _tree(self, ids: Iterable[str]) -> MerkleTree:
        tree = MerkleTree()
        for aggregate_id in ids:
            tree.append_leaf_hash(self._heads[aggregate_id][1])
        return tree

    def head(self) -> MapHead:
        """The map head to sign into a checkpoint."""
        return MapHead(len(self._heads), self._tree(self._sorted()).root())

    def proof(self, aggregate_id: str) -> MapProof:
        """The map proof of one aggregate; KeyError if the map does not hold it."""
        ids = self._sorted()
        entry = self._heads[aggregate_id][0]
        tree = self._tree(ids)
        index = ids.index(aggregate_id)

        def neighbour(i: int) -> MapNeighbour | None:
            if not 0 <= i < len(ids):
                return None
            return MapNeighbour(self._heads[ids[i]][0], tuple(tree.inclusion_proof(i, tree.size)))

        return MapProof(
            entry,
            index,
            tree.size,
            tuple(tree.inclusion_proof(index, tree.size)),
            neighbour(index - 1),
            neighbour(index + 1),
        )


def _decode(value: object, where: str) -> bytes:
    return unb64(value, where, MapError, canonical=False)
