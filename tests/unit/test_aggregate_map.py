"""The aggregate map: entries, head line, proofs and their tampering."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from hub.trail.aggregate_map import (
    AggregateMap,
    MapEntry,
    MapError,
    MapHead,
    MapProof,
    map_head_of,
)
from hub.trail.merkle import root_from_leaf_hashes


def _leaf(n: int) -> bytes:
    return hashlib.sha256(b"leaf %d" % n).digest()


def _map(count: int) -> tuple[AggregateMap, list[str]]:
    ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"a{i}")) for i in range(count)]
    amap = AggregateMap()
    index = 0
    for version in (1, 2, 3):
        for aggregate_id in ids:
            amap.update(aggregate_id, version, index, _leaf(index))
            index += 1
    return amap, ids


def test_the_root_is_the_rfc9162_tree_of_the_sorted_entries() -> None:
    amap, ids = _map(7)
    leaves = [amap.get(a).map_leaf() for a in sorted(ids)]  # type: ignore[union-attr]
    assert amap.head() == MapHead(7, root_from_leaf_hashes(leaves))
    assert AggregateMap().head().root == hashlib.sha256(b"").digest()


def test_only_the_latest_version_counts() -> None:
    amap, ids = _map(3)
    entry = amap.get(ids[0])
    assert entry is not None and entry.version == 3 and entry.log_index == 6


@pytest.mark.parametrize("count", [1, 2, 3, 8, 13])
def test_every_aggregate_has_a_proof_that_verifies(count: int) -> None:
    amap, ids = _map(count)
    head = amap.head()
    for aggregate_id in ids:
        proof = amap.proof(aggregate_id)
        proof.verify(head)
        again = MapProof.from_json(proof.to_json())
        assert again == proof


def test_the_head_line_round_trips_and_is_strict() -> None:
    head = _map(5)[0].head()
    line = head.extension()
    assert line.startswith("tabadol/aggregate-map/v1 5 ")
    assert MapHead.parse(line) == head
    assert map_head_of(("other ext", line)) == head
    assert map_head_of(("other ext",)) is None
    for bad in (line.replace(" 5 ", " 05 "), line + " x", line.replace(" 5 ", " five ")):
        with pytest.raises(MapError):
            MapHead.parse(bad)
    with pytest.raises(MapError, match="two"):
        map_head_of((line, line))


def test_an_older_version_of_the_entry_does_not_verify() -> None:
    amap, ids = _map(6)
    head = amap.head()
    proof = amap.proof(ids[2])
    older = MapEntry(ids[2], 1, 2, _leaf(2))
    forged = MapProof(older, proof.index, proof.size, proof.proof, proof.left, proof.right)
    with pytest.raises(MapError, match="altered"):
        forged.verify(head)


def test_a_proof_without_its_neighbours_or_for_another_map_fails() -> None:
    amap, ids = _map(6)
    head = amap.head()
    proof = amap.proof(sorted(ids)[3])
    no_left = MapProof(proof.entry, proof.index, proof.size, proof.proof, None, proof.right)
    with pytest.raises(MapError, match="left neighbour"):
        no_left.verify(head)
    swapped = MapProof(proof.entry, proof.index, proof.size, proof.proof, proof.right, proof.left)
    with pytest.raises(MapError):
        swapped.verify(head)
    with pytest.raises(MapError, match="map of 6 aggregates"):
        proof.verify(MapHead(7, head.root))


def test_a_duplicate_entry_in_an_unsorted_map_is_refused_by_its_neighbours() -> None:
    """A map with the aggregate twice (old and new head): the old entry's neighbour is the
    new entry of the same id, which is not strictly greater."""
    ids = sorted(str(uuid.uuid5(uuid.NAMESPACE_URL, f"b{i}")) for i in range(3))
    old = MapEntry(ids[1], 1, 1, _leaf(1))
    new = MapEntry(ids[1], 2, 3, _leaf(3))
    entries = [MapEntry(ids[0], 1, 0, _leaf(0)), old, new, MapEntry(ids[2], 1, 2, _leaf(2))]
    from hub.trail.merkle import MerkleTree

    tree = MerkleTree()
    for e in entries:
        tree.append_leaf_hash(e.map_leaf())
    from hub.trail.aggregate_map import MapNeighbour

    proof = MapProof(
        old,
        1,
        4,
        tuple(tree.inclusion_proof(1, 4)),
        MapNeighbour(entries[0], tuple(tree.inclusion_proof(0, 4))),
        MapNeighbour(new, tuple(tree.inclusion_proof(2, 4))),
    )
    with pytest.raises(MapError, match="out of order"):
        proof.verify(MapHead(4, tree.root()))
