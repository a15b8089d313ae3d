"""The aggregate map: entries, head line, proofs and their tampering."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_the_root_is_the_rfc9162_tree_of_the_entries_in_order_of_first_appearance() -> None:
    amap, ids = _map(7)
    leaves = [amap.get(a).map_leaf() for a in ids]  # type: ignore[union-attr]
    assert amap.head() == MapHead(7, root_from_leaf_hashes(leaves))
    assert AggregateMap().head().root == hashlib.sha256(b"").digest()


@given(st.lists(st.integers(0, 40), min_size=1, max_size=300), st.integers(1, 50))
def test_incremental_heads_equal_a_fresh_map(updates: list[int], every: int) -> None:
    """Taking the head between updates (as checkpoints do) never changes the result."""
    ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"h{i}")) for i in range(41)]
    live, order, versions = AggregateMap(), [], {}
    for n, i in enumerate(updates):
        versions[i] = versions.get(i, 0) + 1
        if i not in order:
            order.append(i)
        live.update(ids[i], versions[i], n, _leaf(n))
        if n % every == 0:
            live.head()
    last = {i: max(n for n, j in enumerate(updates) if j == i) for i in order}
    leaves = [MapEntry(ids[i], versions[i], last[i], _leaf(last[i])).map_leaf() for i in order]
    assert live.head() == MapHead(len(order), root_from_leaf_hashes(leaves))
    for i in order:
        live.proof(ids[i]).verify(live.head())


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
    forged = MapProof(older, proof.index, proof.size, proof.proof)
    with pytest.raises(MapError, match="altered"):
        forged.verify(head)


def test_a_proof_for_another_map_or_index_fails() -> None:
    amap, ids = _map(6)
    head = amap.head()
    proof = amap.proof(ids[3])
    with pytest.raises(MapError, match="map of 6 aggregates"):
        proof.verify(MapHead(7, head.root))
    moved = MapProof(proof.entry, 2, proof.size, proof.proof)
    with pytest.raises(MapError, match="altered"):
        moved.verify(head)
