"""Audit benchmark: checkpointing's cost on appends, proofs at 10^6 leaves, trail verification.

Run:  .venv/bin/python -m benchmarks.audit [--seconds S] [--leaves N] [--store sqlite|postgres|both]
      [--tree-leaves 1000000,10000000] [--only appends|proofs|tiles|verify]

Each ratio compares two figures measured in the same run on the same store:
* appends with the checkpointer running (tailing the store, signing every N events or
  T seconds, in its own thread as in ``tabadol serve``) against appends without it;
* inclusion and consistency proofs built and verified over a tree of 10^6 synthetic leaves;
* the log tree in memory (MerkleTree) against as C2SP tiles in an SQLite table (TiledTree)
  at 10^6 and 10^7 leaves: hashes held, peak RSS growth, build and proof rates, restart;
* ``verify_trail`` (chains, signatures, key history, Merkle tree vs checkpoints) against the
  bare loops it cannot beat: Ed25519 verification of the same signatures, and SHA-256 of the
  same leaves and tree nodes.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import random
import resource
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import StoredEvent

from benchmarks._support import Counter, temporary_store
from hub.audit.checkpoints import AuditLog, Checkpointer, checkpoint_store_for, sign_checkpoint
from hub.audit.export import events_from, read_trail
from hub.audit.tile_store import SQLTileStore
from hub.config import store_env
from hub.ledger.signing import LedgerApplication
from hub.trail.aggregate_map import AggregateMap
from hub.trail.envelope import Envelope, event_hash, signed_message
from hub.trail.keys import KeyHistory, PublicKeyRing, Signer
from hub.trail.merkle import MerkleTree, ProvableTree, verify_consistency, verify_inclusion
from hub.trail.tiled_tree import MemoryTileStore, TiledTree
from hub.trail.verify import TrailEvent, verify_trail


class Signed(LedgerApplication):
    name = "TabadolHub"


def _appends(app: Signed, seconds: float, per_save: int) -> float:
    """Events per second, appending new aggregates of ``per_save`` events for ``seconds``."""
    count = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        counter = Counter()
        for _ in range(per_save - 1):
            counter.increment(by="MOJ", note="بررسی مدارک")
        app.save(counter)
        count += per_save
    return count / elapsed


class _Background:
    """The checkpointer as ``tabadol serve`` runs it: an asyncio task, here in a thread."""

    def __init__(self, app: Signed, signer: Signer, every: int, seconds: float) -> None:
        history = KeyHistory.genesis(signer, at=datetime.now(UTC))
        self.log = AuditLog(
            app.recorder,
            checkpoint_store_for(app.recorder),
            origin=history.origin,
            keys=PublicKeyRing.from_history(history),
        )
        self.checkpointer = Checkpointer(self.log, signer, every=every, seconds=seconds)
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        async def run() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self.checkpointer.run(self._stop)

        asyncio.run(run())

    def __enter__(self) -> _Background:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()


def bench_appends(kind: str, seconds: float, tmp: Path, rounds: int) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    print(f"\n== appends on {kind} ({seconds:g} s per measurement, best of {rounds}) ==")
    print(f"{'workload':<44}{'off ev/s':>10}{'on ev/s':>10}{'ratio':>8}{'checkpoints':>13}")
    schedules = (("every 1000 ev / 60 s (default)", 1000, 60.0), ("every 100 ev / 1 s", 100, 1.0))
    for per_save in (1, 10):
        for label, every, period in schedules:
            off: list[float] = []
            on: list[float] = []
            signed = 0
            for _ in range(rounds):  # interleave, so drift hits both sides
                for side in ("off", "on"):
                    url, drop = temporary_store(kind, tmp)
                    app = Signed(signer, env=store_env(url))
                    if side == "off":
                        off.append(_appends(app, seconds, per_save))
                    else:
                        with _Background(app, signer, every, period) as background:
                            on.append(_appends(app, seconds, per_save))
                        signed = len(background.log.store.all())
                    app.close()
                    drop()
            row = f"{per_save} ev/save, {label}"
            print(
                f"{row:<44}{max(off):>10,.0f}{max(on):>10,.0f}{max(on) / max(off):>8.2f}{signed:>13}"
            )
    _checkpoint_work(kind, tmp, signer)


def _checkpoint_work(kind: str, tmp: Path, signer: Signer, events: int = 5000) -> None:
    """The checkpointer's own work, timed alone: tail and hash N events, then sign once."""
    url, drop = temporary_store(kind, tmp)
    app = Signed(signer, env=store_env(url))
    for _ in range(events // 10):
        counter = Counter()
        for _ in range(9):
            counter.increment(by="MOJ", note="بررسی مدارک")
        app.save(counter)
    background = _Background(app, signer, 1000, 60.0)
    start = time.perf_counter()
    background.log.sync()
    tail = (time.perf_counter() - start) / events
    start = time.perf_counter()
    assert background.checkpointer.sign() is not None
    sign = time.perf_counter() - start
    app.close()
    drop()
    print(
        f"checkpointer work alone: {tail * 1e6:.1f} µs per event tailed and hashed,"
        f" {sign * 1e3:.2f} ms per checkpoint (consistency check + sign + insert)"
    )


def bench_proofs(leaves: int, samples: int) -> None:
    rng = random.Random(9162)
    tree = MerkleTree()
    hashes = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(leaves)]
    start = time.perf_counter()
    for h in hashes:
        tree.append_leaf_hash(h)
    build = leaves / (time.perf_counter() - start)
    root = tree.root()
    indexes = [rng.randrange(leaves) for _ in range(samples)]
    start = time.perf_counter()
    proofs = [tree.inclusion_proof(i, leaves) for i in indexes]
    make = samples / (time.perf_counter() - start)
    start = time.perf_counter()
    for i, proof in zip(indexes, proofs, strict=True):
        verify_inclusion(hashes[i], i, leaves, proof, root)
    check = samples / (time.perf_counter() - start)
    olds = [rng.randrange(1, leaves) for _ in range(samples)]
    start = time.perf_counter()
    consistency = [(m, tree.root(m), tree.consistency_proof(m, leaves)) for m in olds]
    make_c = samples / (time.perf_counter() - start)
    start = time.perf_counter()
    for m, old_root, proof in consistency:
        verify_consistency(m, leaves, old_root, root, proof)
    check_c = samples / (time.perf_counter() - start)
    print(f"\n== proofs over a tree of {leaves:,} leaves ({samples:,} random samples) ==")
    print(f"tree build (append leaf hash)          {build:>12,.0f} leaves/s")
    print(f"inclusion proof generation             {make:>12,.0f} /s  ({len(proofs[0])} hashes)")
    print(f"inclusion proof verification           {check:>12,.0f} /s")
    print(f"consistency proof generation (+ root)  {make_c:>12,.0f} /s")
    print(f"consistency proof verification         {check_c:>12,.0f} /s")


def _leaf(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest()


def _rss_mib() -> float:
    """Peak resident set size of this process so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree_figures(tree: ProvableTree, leaves: int, samples: int) -> tuple[float, float]:
    """Inclusion and consistency proofs per second at ``leaves`` (CPU seconds)."""
    rng = random.Random(6962)
    indexes = [rng.randrange(leaves) for _ in range(samples)]
    start = time.process_time()
    for i in indexes:
        tree.inclusion_proof(i, leaves)
    inclusion = samples / (time.process_time() - start)
    start = time.process_time()
    for m in indexes:
        tree.consistency_proof(max(1, m), leaves)
    return inclusion, samples / (time.process_time() - start)


def bench_tiles(sizes: list[int], samples: int, tmp: Path) -> None:
    """The log tree kept in memory (MerkleTree) against kept as tiles in an SQLite table
    (TiledTree, tiles written every 1,000 leaves as checkpoints write them): hashes held,
    peak RSS growth, build rate, proof rates, and a restart from the stored tiles."""
    print("\n== the log tree: in memory vs C2SP tiles in the store (SQLite), CPU seconds ==")
    print(
        f"{'leaves':>12} {'tree':<9} {'hashes held':>12} {'RSS +MiB':>9} {'build/s':>10}"
        f" {'incl./s':>9} {'cons./s':>9}  note"
    )
    for leaves in sizes:
        url = f"sqlite:///{tmp / f'tiles-{leaves}.sqlite'}"
        app = Signed(Signer(Ed25519PrivateKey.generate()), env=store_env(url))
        store = SQLTileStore(app.recorder)
        rows = []
        for kind in ("tiled", "memory"):  # tiled first: peak RSS only grows
            rss = _rss_mib()
            tree: TiledTree | MerkleTree = TiledTree(store) if kind == "tiled" else MerkleTree()
            start = time.process_time()
            for i in range(leaves):
                tree.append_leaf_hash(_leaf(i))
                if i % 1000 == 999 and isinstance(tree, TiledTree):
                    tree.flush(i + 1)
            if isinstance(tree, TiledTree):
                tree.flush(leaves)
            build = leaves / (time.process_time() - start)
            held = (
                tree.memory_bytes()
                if isinstance(tree, TiledTree)
                else sum(len(level) for level in tree._levels)
            )
            inclusion, consistency = _tree_figures(tree, leaves, samples)
            note = ""
            if isinstance(tree, TiledTree):
                note = f"{tree.cached_tiles} tiles cached, {tree.tile_reads:,} tile reads"
            rows.append((kind, held, _rss_mib() - rss, build, inclusion, consistency, note))
            root = tree.root()
            del tree
        start = time.process_time()
        resumed = TiledTree.resume(store)
        resume = time.process_time() - start
        assert resumed.size == leaves // 256 * 256
        if resumed.size == leaves:
            assert resumed.root() == root
        for kind, held, rss_growth, build, inclusion, consistency, note in rows:
            print(
                f"{leaves:>12,} {kind:<9} {held / 2**20:>9,.2f} MiB {rss_growth:>9,.0f}"
                f" {build:>10,.0f} {inclusion:>9,.0f} {consistency:>9,.0f}  {note}"
            )
        print(
            f"{'':>12} restart: resume from {resumed.tile_reads} stored tiles in"
            f" {resume * 1e3:.1f} ms CPU, no leaf hashed; root {root.hex()[:16]}…"
        )
        app.close()


def bench_restart(kind: str, events: int, tmp: Path, rounds: int) -> None:
    """A hub's log opening a store of ``events`` events, as at a restart: rehashing the
    whole log (the tree in memory, as before) against resuming from the stored tiles."""
    url, drop = temporary_store(kind, tmp)
    signer = Signer(Ed25519PrivateKey.generate())
    origin = KeyHistory.genesis(signer, at=datetime.now(UTC)).origin
    app = Signed(signer, env=store_env(url))
    ids = [uuid.uuid4() for _ in range(1000)]
    for first in range(0, events, 10_000):  # synthetic events: the tree reads bytes, not envelopes
        app.recorder.insert_events(
            [
                StoredEvent(ids[n % 1000], n // 1000 + 1, "bench", b"x" * 200)
                for n in range(first, min(events, first + 10_000))
            ]
        )
    first_log = AuditLog(app.recorder, origin=origin)
    Checkpointer(first_log, signer).sign()  # writes the tiles
    rehash, resume = [], []
    for _ in range(rounds):  # interleaved, CPU seconds of this process
        for kind_of, times in (("rehash", rehash), ("resume", resume)):
            tiles = MemoryTileStore() if kind_of == "rehash" else None
            log = AuditLog(app.recorder, origin=origin, tiles=tiles)
            start = time.process_time()
            assert log.sync() == events
            times.append(time.process_time() - start)
            assert log.tree.root() == first_log.tree.root()
    app.recorder.insert_events([StoredEvent(ids[0], events // 1000 + 1, "bench", b"late")])
    log.sync()  # the log has grown past its checkpoint: a bundle needs the map at its size
    replay, grouped, grouped_wall = [], [], []
    for _ in range(rounds):
        start = time.process_time()
        rebuilt = AggregateMap()  # as before: every event read and hashed again
        for index, event in enumerate(events_from(app.recorder)):
            if index == events:
                break
            rebuilt.update(event.aggregate_id, event.version, index, event.leaf_hash())
        replay.append(time.process_time() - start)
        start, wall = time.process_time(), time.perf_counter()
        heads = log.aggregate_map(events)
        grouped.append(time.process_time() - start)
        grouped_wall.append(time.perf_counter() - wall)
        assert heads.head() == rebuilt.head()
    app.close()
    drop()
    a, b = statistics.median(rehash), statistics.median(resume)
    print(f"\n== restart over {events:,} stored events ({kind}, median of {rounds}, CPU s) ==")
    print(f"rehash the whole log (tree in memory, before)   {a:>8.2f} s  {events / a:>10,.0f} ev/s")
    print(
        f"resume from the stored tiles                    {b:>8.2f} s  {events / b:>10,.0f} ev/s"
        f"  ({a / b:.1f}x less CPU)"
    )
    c, d = statistics.median(replay), statistics.median(grouped)
    print("a bundle's aggregate map at the checkpoint, log grown past it (1,000 aggregates):")
    print(
        f"  replay the log (before)  {c:>8.2f} s    grouped query + tiles  {d:>8.3f} s"
        f"  ({statistics.median(grouped_wall):.3f} s wall, the database's work included)"
    )


def bench_verify(events: int, tmp: Path, rounds: int) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    history = KeyHistory.genesis(signer, at=datetime.now(UTC))
    ring = PublicKeyRing.from_history(history)
    url = f"sqlite:///{tmp / 'verify.sqlite'}"
    app = Signed(signer, env={**store_env(url), "ENVELOPE_VERSION": "1"})
    for _ in range(events):
        app.save(Counter())
    log = AuditLog(
        app.recorder, checkpoint_store_for(app.recorder), origin=history.origin, keys=ring
    )
    assert log.sync() == events
    notes = [  # a checkpoint every 1000 events, as the default schedule signs them
        sign_checkpoint(signer, log.origin, size, log.tree.root(size))
        for size in range(1000, events + 1, 1000)
    ]
    app.close()
    trail: list[TrailEvent] = list(read_trail(url))
    pairs = []
    for t in trail:
        env = Envelope.from_bytes(t.state)
        digest = event_hash(env.prev_hash, t.aggregate_id, t.version, t.topic, env.payload)
        assert env.signature is not None
        pairs.append((env.signature, signed_message(env.key_id, digest)))
    entries = [t.entry() for t in trail]
    key = signer.public_key
    bare_ed, bare_sha, plain, full = [], [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        for sig, msg in pairs:
            key.verify(sig, msg)
        bare_ed.append(len(pairs) / (time.perf_counter() - start))
        start = time.perf_counter()
        tree = MerkleTree()
        for entry in entries:  # the leaf hash and, amortised, one node hash per event
            tree.append_leaf_hash(hashlib.sha256(b"\x00" + entry).digest())
        bare_sha.append(len(entries) / (time.perf_counter() - start))
        start = time.perf_counter()
        report = verify_trail(trail, ring)
        plain.append(report.events / (time.perf_counter() - start))
        assert report.ok
        start = time.perf_counter()
        report = verify_trail(trail, ring, checkpoints=notes)
        full.append(report.events / (time.perf_counter() - start))
        assert report.ok and report.checkpoints == len(notes)
    ed, sha = statistics.median(bare_ed), statistics.median(bare_sha)
    floor = 1 / (1 / ed + 1 / sha)  # both bare loops, back to back
    print(f"\n== whole-trail verification ({events:,} signed events, median of {rounds}) ==")
    print(f"bare Ed25519 verify loop                    {ed:>10,.0f} /s")
    print(f"bare SHA-256 leaf + tree loop               {sha:>10,.0f} /s")
    print(f"bare loops together (the floor)             {floor:>10,.0f} /s")
    p, f = statistics.median(plain), statistics.median(full)
    print(f"verify_trail, no checkpoints                {p:>10,.0f} ev/s  ratio {p / floor:.2f}")
    print(
        f"verify_trail + {len(notes)} checkpoints{'':<17}{f:>10,.0f} ev/s  ratio {f / floor:.2f}"
        f"  ({f / ed:.2f} of bare Ed25519)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="per append measurement")
    parser.add_argument("--verify-events", type=int, default=20_000)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--tree-leaves", default="1000000,10000000", help="sizes of the in-memory vs tiled tree"
    )
    parser.add_argument("--restart-events", type=int, default=200_000)
    parser.add_argument(
        "--only", choices=["appends", "proofs", "tiles", "verify"], help="one section only"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.verify_events, args.leaves, args.samples, args.rounds = (
            0.5,
            2_000,
            100_000,
            2_000,
            1,
        )
        args.tree_leaves, args.restart_events = "100000", 20_000
        args.store = "sqlite" if args.store == "both" else args.store
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:

        def wanted(section: str) -> bool:
            return args.only in (None, section)

        for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
            if wanted("appends"):
                bench_appends(kind, args.seconds, Path(tmp), args.rounds)
        if wanted("proofs"):
            bench_proofs(args.leaves, args.samples)
        if wanted("tiles"):
            sizes = [int(n) for n in args.tree_leaves.split(",")]
            bench_tiles(sizes, args.samples, Path(tmp))
            for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
                bench_restart(kind, args.restart_events, Path(tmp), args.rounds)
        if wanted("verify"):
            bench_verify(args.verify_events, Path(tmp), args.rounds)


if __name__ == "__main__":
    main()
