"""Log entries, proofs over them, and the checkpointer, on the in-memory (POPO) store."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import struct
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.domain import Aggregate, event

from hub.audit.checkpoints import (
    AuditLog,
    Checkpointer,
    LogInconsistent,
    MemoryCheckpointStore,
    StoredCheckpoint,
    sign_checkpoint,
)
from hub.audit.export import events_from
from hub.ledger.signing import LedgerApplication
from hub.trail.keys import KeyHistory, PublicKeyRing, Signer
from hub.trail.merkle import (
    MerkleTree,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from hub.trail.signed_note import CheckpointError, NoteError
from hub.trail.verify import (
    KeyNotAllowed,
    TrailEvent,
    log_entry,
    open_hub_checkpoint,
    read_checkpoint_notes,
    verify_trail,
)

NOW = datetime(2026, 3, 21, 8, 0, tzinfo=UTC)


class Memo(Aggregate):
    TOPIC = "test.checkpoints.memo"

    class Created(Aggregate.Created):
        TOPIC = "test.checkpoints.memo.created"
        text: str

    def __init__(self, text: str) -> None:
        self.text = text

    @event("Noted", topic="test.checkpoints.memo.noted")
    def note(self, text: str) -> None:
        self.text = text


class Ledger(LedgerApplication):
    name = "TabadolHub"


def new_signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def fill(app: Ledger, aggregates: int, notes: int = 0) -> list[Memo]:
    memos = []
    for i in range(aggregates):
        memo = Memo(f"memo {i}")
        for j in range(notes):
            memo.note(f"note {j}")
        app.save(memo)
        memos.append(memo)
    return memos


@pytest.fixture
def signer() -> Signer:
    return new_signer()


@pytest.fixture
def history(signer: Signer) -> KeyHistory:
    return KeyHistory.genesis(signer, at=NOW)


@pytest.fixture
def app(signer: Signer) -> Ledger:
    return Ledger(signer)


@pytest.fixture
def log(app: Ledger, history: KeyHistory) -> AuditLog:
    return AuditLog(
        app.recorder,
        MemoryCheckpointStore(),
        origin=history.origin,
        keys=PublicKeyRing.from_history(history),
    )


# -- the log entry -------------------------------------------------------------------


def test_the_log_entry_is_the_documented_bytes() -> None:
    aggregate = "0c4a1bde-0a1e-5a3b-8f0e-2a6f4d8d9b11"
    state = b"TBD1\x00\x03abc" + bytes(32) + b"payload"
    expected = (
        b"tabadol/log-entry/v1\x00"
        + bytes.fromhex("00000024")  # 36: the aggregate id's length
        + aggregate.encode()
        + bytes.fromhex("0000000000000007")  # version 7
        + bytes.fromhex("0000000f")  # 15: the topic's length
        + b"test.memo.noted"
        + struct.pack(">I", len(state))
        + state
    )
    entry = log_entry(aggregate, 7, "test.memo.noted", state)
    assert entry == expected
    event = TrailEvent(99, aggregate, 7, "test.memo.noted", state)
    assert event.entry() == entry
    assert event.leaf_hash() == hashlib.sha256(b"\x00" + entry).digest() == leaf_hash(entry)
    # the position is not in the entry: the same event at another position is the same leaf
    assert TrailEvent(3, aggregate, 7, "test.memo.noted", state).leaf_hash() == event.leaf_hash()


def test_each_field_changes_the_leaf() -> None:
    base = TrailEvent(1, "a", 1, "t", b"s")
    variants = [
        TrailEvent(1, "b", 1, "t", b"s"),
        TrailEvent(1, "a", 2, "t", b"s"),
        TrailEvent(1, "a", 1, "u", b"s"),
        TrailEvent(1, "a", 1, "t", b"S"),
        TrailEvent(1, "a", 1, "ts", b""),  # length prefixes keep fields apart
    ]
    assert len({v.leaf_hash() for v in [base, *variants]}) == 6


# -- proofs over log entries, every size 1..200, against the plain definitions ------


def synthetic_events(count: int) -> list[TrailEvent]:
    rng = random.Random(9162)
    return [
        TrailEvent(
            i + 1,
            f"{rng.getrandbits(128):032x}",
            rng.randrange(1, 50),
            rng.choice(["a.b", "c.d.e"]),
            rng.randbytes(rng.randrange(0, 300)),
        )
        for i in range(count)
    ]


EVENTS = synthetic_events(200)
LEAVES = [e.leaf_hash() for e in EVENTS]


@cache
def mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) by RFC 9162 §2.1.1, memoised over the shared leaf list."""
    return root_from_leaf_hashes(LEAVES[lo:hi])


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_path(m: int, lo: int, hi: int) -> list[bytes]:
    """PATH(m, D[lo:hi]) by RFC 9162 §2.1.3.1."""
    n = hi - lo
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*naive_path(m, lo, lo + k), mth(lo + k, hi)]
    return [*naive_path(m - k, lo + k, hi), mth(lo, lo + k)]


def naive_subproof(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[lo:hi], b) by RFC 9162 §2.1.4.1."""
    n = hi - lo
    if m == n:
        return [] if whole else [mth(lo, hi)]
    k = split(n)
    if m <= k:
        return [*naive_subproof(m, lo, lo + k, whole), mth(lo + k, hi)]
    return [*naive_subproof(m - k, lo + k, hi, False), mth(lo, lo + k)]


@pytest.fixture(scope="module")
def entry_tree() -> MerkleTree:
    tree = MerkleTree()
    for e in EVENTS:
        tree.append(e.entry())
    return tree


@pytest.mark.parametrize("size", range(1, 201))
def test_inclusion_and_consistency_proofs_of_log_entries(entry_tree: MerkleTree, size: int) -> None:
    root = entry_tree.root(size)
    assert root == mth(0, size)
    for index in range(size):
        proof = entry_tree.inclusion_proof(index, size)
        assert proof == naive_path(index, 0, size)
        verify_inclusion(EVENTS[index].leaf_hash(), index, size, proof, root)
    for old in range(1, size + 1):
        proof = entry_tree.consistency_proof(old, size)
        assert proof == (naive_subproof(old, 0, size, True) if old < size else [])
        verify_consistency(old, size, mth(0, old), root, proof)


def test_the_audit_log_builds_the_same_tree_as_an_auditor(app: Ledger, log: AuditLog) -> None:
    fill(app, 30, notes=2)
    assert log.sync() == 30 * 3
    trail = list(events_from(app.recorder))
    assert log.tree.root() == root_from_leaf_hashes([e.leaf_hash() for e in trail])
    assert [log.index_of(e.position) for e in trail] == list(range(90))


# -- the checkpointer ----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_checkpoint_every_n_events(app: Ledger, log: AuditLog, signer: Signer) -> None:
    checkpointer = Checkpointer(log, signer, every=5, seconds=3600, clock=Clock())
    fill(app, 4)
    assert checkpointer.tick() is None
    fill(app, 1)
    stored = checkpointer.tick()
    assert stored is not None and stored.tree_size == 5
    assert checkpointer.tick() is None  # nothing new
    fill(app, 12)
    stored = checkpointer.tick()
    assert stored is not None and stored.tree_size == 17
    assert [c.tree_size for c in log.store.all()] == [5, 17]


def test_a_checkpoint_every_t_seconds_when_something_is_new(
    app: Ledger, log: AuditLog, signer: Signer
) -> None:
    clock = Clock()
    checkpointer = Checkpointer(log, signer, every=1000, seconds=60, clock=clock)
    fill(app, 1)
    clock.now += 59
    assert checkpointer.tick() is None
    clock.now += 1
    stored = checkpointer.tick()
    assert stored is not None and stored.tree_size == 1
    clock.now += 600
    assert checkpointer.tick() is None  # time alone signs nothing


def test_a_checkpoint_is_a_c2sp_note_of_the_tree(
    app: Ledger, log: AuditLog, signer: Signer, history: KeyHistory
) -> None:
    fill(app, 3, notes=1)
    stored = Checkpointer(log, signer).sign()
    assert stored is not None
    body, signature = stored.note.split("\n\n")
    assert body.split("\n") == [
        history.origin,
        "6",
        base64.b64encode(log.tree.root()).decode(),
        log.aggregates.head().extension(),  # three aggregates, each at version 2
    ]
    assert log.aggregates.head().count == 3
    assert signature.startswith(f"\N{EM DASH} {history.origin} ")
    opened = open_hub_checkpoint(stored.note, PublicKeyRing.from_history(history))
    assert (opened.size, opened.root, opened.key_id) == (6, log.tree.root(), signer.key_id)
    assert stored.last_position == log.position_at(5)


def test_the_hub_refuses_to_sign_a_log_that_does_not_extend_its_last_checkpoint(
    app: Ledger, log: AuditLog, signer: Signer
) -> None:
    fill(app, 4)
    log.sync()
    forged_root = hashlib.sha256(b"another history").digest()
    note = sign_checkpoint(signer, log.origin, 3, forged_root)
    log.store.add(StoredCheckpoint(3, forged_root, 3, signer.key_id, note, "2026-03-21T08:00:00Z"))
    with pytest.raises(LogInconsistent, match="does not extend checkpoint 3"):
        Checkpointer(log, signer).sign()


def test_the_hub_refuses_to_sign_a_truncated_log(
    app: Ledger, log: AuditLog, signer: Signer
) -> None:
    fill(app, 2)
    root = hashlib.sha256(b"x").digest()
    note = sign_checkpoint(signer, log.origin, 5, root)
    log.store.add(StoredCheckpoint(5, root, 5, signer.key_id, note, "2026-03-21T08:00:00Z"))
    with pytest.raises(LogInconsistent, match="removed or the log was truncated"):
        Checkpointer(log, signer).sign()


def test_a_stored_checkpoint_whose_note_was_altered_stops_signing(
    app: Ledger, log: AuditLog, signer: Signer
) -> None:
    fill(app, 2)
    first = Checkpointer(log, signer).sign()
    assert first is not None
    bad = StoredCheckpoint(
        3, first.root_hash, 3, signer.key_id, first.note.replace("\n2\n", "\n3\n"), ""
    )
    log.store.add(bad)
    fill(app, 2)
    with pytest.raises(LogInconsistent, match="does not verify"):
        Checkpointer(log, signer).sign()


async def test_the_run_loop_signs_and_publishes_until_stopped(
    app: Ledger, log: AuditLog, signer: Signer
) -> None:
    published: list[str] = []

    async def publish(note: str) -> None:
        published.append(note)

    async def broken(note: str) -> None:
        raise RuntimeError("NATS is down")

    checkpointer = Checkpointer(log, signer, every=2, seconds=3600, on_checkpoint=[broken])
    checkpointer.subscribe(publish)
    fill(app, 3)
    stop = asyncio.Event()
    task = asyncio.create_task(checkpointer.run(stop, poll=0.01))
    for _ in range(200):
        if published:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(published) == 1 and "\n3\n" in published[0]


async def test_the_run_loop_keeps_refusing_without_crashing(
    app: Ledger, log: AuditLog, signer: Signer
) -> None:
    fill(app, 1)
    root = hashlib.sha256(b"x").digest()
    note = sign_checkpoint(signer, log.origin, 9, root)
    log.store.add(StoredCheckpoint(9, root, 9, signer.key_id, note, "2026-03-21T08:00:00Z"))
    stop = asyncio.Event()
    task = asyncio.create_task(Checkpointer(log, signer, every=1).run(stop, poll=0.01))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert [c.tree_size for c in log.store.all()] == [9]


def test_after_a_revocation_the_new_key_extends_the_last_trusted_checkpoint(
    app: Ledger, signer: Signer, history: KeyHistory
) -> None:
    fill(app, 2)
    store = MemoryCheckpointStore()
    ring = PublicKeyRing.from_history(history)
    old_log = AuditLog(app.recorder, store, origin=history.origin, keys=ring)
    assert Checkpointer(old_log, signer).sign() is not None  # size 2, trusted
    fill(app, 2)
    assert Checkpointer(old_log, signer).sign() is not None  # size 4, signed after the leak
    successor = new_signer()
    rotated = history.rotated(signer, successor, at=NOW, from_size=4)
    revoked = rotated.revoked(signer.key_id, successor, at=NOW, trusted_size=2)
    new_log = AuditLog(
        app.recorder, store, origin=history.origin, keys=PublicKeyRing.from_history(revoked)
    )
    fill(app, 1)
    stored = Checkpointer(new_log, successor).sign()
    assert stored is not None and stored.tree_size == 5 and stored.key_id == successor.key_id
    with pytest.raises(KeyNotAllowed, match="revoked key"):
        open_hub_checkpoint(store.all()[1].note, PublicKeyRing.from_history(revoked))


# -- checkpoint notes ----------------------------------------------------------------


def test_checkpoint_notes_verify_only_with_the_hubs_keys_and_origin(
    app: Ledger, log: AuditLog, signer: Signer, history: KeyHistory
) -> None:
    fill(app, 1)
    stored = Checkpointer(log, signer).sign()
    assert stored is not None
    ring = PublicKeyRing.from_history(history)
    with pytest.raises(NoteError, match="no valid signature"):
        open_hub_checkpoint(
            stored.note, PublicKeyRing.of(new_signer().public_key), origin=log.origin
        )
    with pytest.raises(NoteError):
        open_hub_checkpoint(stored.note, ring, origin="tabadol.gov.ir/hub/other")
    tampered = stored.note.replace("\n1\n", "\n2\n", 1)
    with pytest.raises(NoteError, match="invalid signature"):
        open_hub_checkpoint(tampered, ring)
    young = KeyHistory.genesis(signer, at=NOW)
    assert open_hub_checkpoint(stored.note, PublicKeyRing.from_history(young)).size == 1
    with pytest.raises(CheckpointError):
        open_hub_checkpoint(stored.note, PublicKeyRing.of(signer.public_key))  # no origin


def test_checkpoint_note_files_hold_one_or_many_notes(
    app: Ledger, log: AuditLog, signer: Signer, tmp_path: Path
) -> None:
    notes = []
    for _ in range(3):
        fill(app, 1)
        stored = Checkpointer(log, signer).sign()
        assert stored is not None
        notes.append(stored.note)
    plain = tmp_path / "notes.txt"
    plain.write_text("\n".join(notes))
    assert read_checkpoint_notes(plain) == notes
    single = tmp_path / "one.note"
    single.write_text(notes[0])
    assert read_checkpoint_notes(single) == notes[:1]
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here\n")
    with pytest.raises(ValueError, match="no signed checkpoint"):
        read_checkpoint_notes(empty)


def test_verify_trail_matches_every_checkpoint(
    app: Ledger, log: AuditLog, signer: Signer, history: KeyHistory
) -> None:
    checkpointer = Checkpointer(log, signer)
    notes = []
    for _ in range(4):
        fill(app, 3, notes=1)
        stored = checkpointer.sign()
        assert stored is not None
        notes.append(stored.note)
    report = verify_trail(
        events_from(app.recorder), PublicKeyRing.from_history(history), checkpoints=notes
    )
    assert report.ok and report.checkpoints == 4 and report.checkpoint_size == 24
    assert report.root == log.tree.root()
