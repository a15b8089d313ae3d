"""The verifier's compact state gives what the plain structures give: the aggregate map's
heads, chain heads spilled to disk, the key windows, the fast envelope reader."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment

from hub.audit.export import events_from, open_recorder
from hub.ledger.stores import APP_NAME, store_env
from hub.trail import heads as heads_module
from hub.trail.aggregate_map import AggregateMap, LeafMap
from hub.trail.envelope import (
    GENESIS,
    BatchProof,
    Envelope,
    event_hash,
    plain_v2,
    record_hash,
)
from hub.trail.heads import AggregateHeads
from hub.trail.keys import KeyHistory, PublicKeyRing, Signer
from hub.trail.verify import verify_trail
from tests.unit.test_verify_memory import trail


def test_the_leaf_map_has_the_heads_of_the_aggregate_map_at_every_checkpoint() -> None:
    rng = random.Random(7)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(300)]
    plain, leaves = AggregateMap(), LeafMap()
    numbers: dict[str, int] = {}
    versions: dict[str, int] = {}
    for log_index in range(3000):
        aggregate_id = ids[min(int(rng.expovariate(0.02)), len(ids) - 1)]
        version = versions[aggregate_id] = versions.get(aggregate_id, 0) + 1
        number = numbers.setdefault(aggregate_id, len(numbers))
        leaf = hashlib.sha256(log_index.to_bytes(8, "big")).digest()
        plain.update(aggregate_id, version, log_index, leaf)
        leaves.note(number, aggregate_id.encode(), version, log_index, leaf)
        if rng.random() < 0.01 or log_index in (0, 1, 2, 3, 2999):
            assert leaves.head() == plain.head(), log_index


def test_the_leaf_map_hashes_waiting_heads_when_too_many_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hub.trail.aggregate_map.PENDING_HEADS", 3)
    plain, leaves = AggregateMap(), LeafMap()
    for i in range(40):
        aggregate_id = f"a{i % 13}"
        leaf = bytes([i]) * 32
        plain.update(aggregate_id, i // 13 + 1, i, leaf)
        leaves.note(i % 13, aggregate_id.encode(), i // 13 + 1, i, leaf)
    assert len(leaves) == 13
    assert leaves.head() == plain.head()


def test_heads_spilled_to_disk_come_back_and_are_listed_in_order() -> None:
    heads = AggregateHeads(hot=4)
    for i in range(20):
        assert heads.get(f"id-{i}") is None
        heads.add(f"id-{i}", (heads.number(), 1, bytes([i]) * 32))
    assert heads.spilled > 0 and len(heads.hot) <= 4
    assert heads.get("id-0") == (0, 1, bytes(32))
    heads.hot["id-0"] = (0, 2, b"\xff" * 32)  # replaced in memory
    for i in range(20, 30):
        heads.add(f"id-{i}", (heads.number(), 1, bytes([i]) * 32))
    assert heads.get("id-0") == (0, 2, b"\xff" * 32)
    listed = list(heads.items())
    assert [aggregate_id for aggregate_id, _ in listed] == [f"id-{i}" for i in range(30)]
    assert listed[0][1] == (0, 2, b"\xff" * 32)
    assert len(heads) == 30
    heads.close()


def test_a_trail_verifies_alike_when_its_heads_spill_to_disk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    ring = PublicKeyRing.of(signer.public_key)
    events = list(trail(signer, 2_000, aggregates=200))
    whole = verify_trail(events, ring)
    monkeypatch.setattr(heads_module, "HOT_AGGREGATES", 8)
    spilled = verify_trail(events, ring)
    assert whole.ok and spilled.ok
    assert (spilled.events, spilled.aggregates, spilled.root) == (2_000, 200, whole.root)
    broken = list(events)
    broken.pop(1_500)  # an aggregate's version goes missing, long after it was spilled
    report = verify_trail(broken, ring)
    assert report.problem is not None and "is missing" in report.problem.reason


def test_a_keys_window_is_where_check_event_allows_it() -> None:
    genesis = Signer(Ed25519PrivateKey.generate())
    second = Signer(Ed25519PrivateKey.generate())
    at = datetime(2026, 1, 1, tzinfo=UTC)
    history = KeyHistory.genesis(genesis, at=at).rotated(genesis, second, at=at, from_size=50)
    history = history.revoked(genesis.key_id, second, at=at, trusted_size=80)
    ring = PublicKeyRing.from_history(history)
    for key_id in (genesis.key_id, second.key_id, "unknown"):
        window = ring.event_window(key_id)
        for index in range(0, 120):
            allowed = (
                window is not None
                and window[0] <= index
                and (window[1] is None or index < window[1])
            )
            assert allowed == (ring.check_event(key_id, index) == ""), (key_id, index)
    assert PublicKeyRing.of(genesis.public_key).event_window(genesis.key_id) == (0, None)


def test_the_fast_reader_reads_plain_v2_envelopes_and_leaves_the_rest() -> None:
    digest = event_hash(GENESIS, "a", 1, "t", b"p")
    proof = BatchProof(1, 3, (b"\x01" * 32, b"\x02" * 32))
    v2 = Envelope("k1", GENESIS, b"s" * 64, b"payload", proof)
    assert plain_v2(v2.to_bytes()) == (
        "k1", GENESIS, b"s" * 64, 1, 3, b"\x01" * 32 + b"\x02" * 32, b"payload"
    )  # fmt: skip
    attested = Envelope("k1", GENESIS, b"s" * 64, b"payload", proof, b"attestation")
    v1 = Envelope("k1", GENESIS, b"s" * 64, b"payload")
    for other in (attested.to_bytes(), v1.to_bytes(), v2.to_bytes()[:-70], b"TBD2", b""):
        assert plain_v2(other) is None
    framed = len(b"a").to_bytes(4, "big") + b"a" + (1).to_bytes(8, "big") + b"\0\0\0\1t"
    assert record_hash(GENESIS, framed, b"p") == digest


def test_a_stores_rows_are_its_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    env = Environment(APP_NAME, store_env(url))
    recorder = InfrastructureFactory.construct(env).application_recorder()
    ids = [uuid.uuid4() for _ in range(3)]
    recorder.insert_events(
        [StoredEvent(ids[i % 3], i // 3 + 1, "t.x", b"s%d" % i) for i in range(25)]
    )
    with recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        cursor.execute(  # an id in another spelling: read as the recorder reads it
            "UPDATE stored_events SET originator_id = upper(originator_id) WHERE rowid = 4"
        )
    reader = open_recorder(url)
    events = [
        (e.position, e.aggregate_id, e.version, e.topic, e.state) for e in events_from(reader)
    ]
    assert list(events_from(reader).rows()) == events
    assert events[3][1] == str(ids[0]) and len(events) == 25
    assert list(events_from(reader, 5, 9).rows()) == events[4:9]
