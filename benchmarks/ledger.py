"""Ledger benchmark: signed appends vs plain eventsourcing, verification vs bare Ed25519.

Run:  .venv/bin/python -m benchmarks.ledger [--events N] [--store sqlite|postgres]
      .venv/bin/python -m benchmarks.ledger --quick      # a smaller run, under 30 s

Both sides of each ratio are measured in the same run on the same store kind.
Goals (issue 2): signed ≥ 0.8 × plain appends; verify ≥ 0.9 × the bare verify loop.
Goal (issue 12): at 16 concurrent writers, the signed ledger with group commit (the hub's
writer, hub.ledger.executor) ≥ 1.5 × plain eventsourcing (16 threads, one save each).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application

from benchmarks._support import Counter, temporary_store
from hub.audit.export import read_trail
from hub.config import store_env
from hub.ledger.executor import Executor
from hub.ledger.signing import LedgerApplication
from hub.trail.envelope import Envelope, event_hash, signed_message
from hub.trail.keys import PublicKeyRing, Signer
from hub.trail.verify import TrailEvent, verify_trail


class Plain(Application):
    name = "TabadolHub"


class Signed(LedgerApplication):
    name = "TabadolHub"


def _appends(app: Application, events: int, per_save: int) -> float:
    """Events per second: new aggregates, `per_save` events each, one save per aggregate."""
    start = time.perf_counter()
    for _ in range(events // per_save):
        counter = Counter()
        for _ in range(per_save - 1):
            counter.increment(by="MOJ", note="بررسی مدارک")
        app.save(counter)
    return (events // per_save * per_save) / (time.perf_counter() - start)


def _commands(app: Application, commands: int) -> float:
    """Commands per second: get a case-sized aggregate, add one event, save (the hub's write path).

    Commands go round-robin over commands/10 aggregates, so each ends with about ten events,
    the size of a service case.
    """
    ids = []
    for _ in range(max(1, commands // 10)):
        counter = Counter()
        app.save(counter)
        ids.append(counter.id)
    start = time.perf_counter()
    for i in range(commands):
        c = app.repository.get(ids[i % len(ids)])
        c.increment(by="MOJ", note="step")
        app.save(c)
    return commands / (time.perf_counter() - start)


def bench_appends(kind: str, events: int, tmp: Path, rounds: int) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    print(f"\n== appends on {kind} ({events} events per measurement, best of {rounds}) ==")
    print(f"{'workload':<34}{'plain':>12}{'signed':>12}{'ratio':>8}")
    for label, run in (
        ("1 event per save (ev/s)", lambda app: _appends(app, events, 1)),
        ("10 events per save (ev/s)", lambda app: _appends(app, events, 10)),
        ("get + 1 event + save (cmd/s)", lambda app: _commands(app, events // 2)),
    ):
        results: dict[str, list[float]] = {"plain": [], "signed": []}
        for _ in range(rounds):  # interleave, so drift hits both sides
            for side in ("plain", "signed"):
                url, drop = temporary_store(kind, tmp)
                env = store_env(url)
                app = Plain(env=env) if side == "plain" else Signed(signer, env=env)
                results[side].append(run(app))
                app.close()
                drop()
        plain, signed = max(results["plain"]), max(results["signed"])
        print(f"{label:<34}{plain:>12,.0f}{signed:>12,.0f}{signed / plain:>8.2f}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def _seed(app: Application, writers: int, per_writer: int) -> list[list[uuid.UUID]]:
    """Case-sized aggregates for each writer (ten commands each), created up front."""
    ids = []
    for _ in range(writers):
        mine = []
        for _ in range(max(1, per_writer // 10)):
            counter = Counter()
            app.save(counter)
            mine.append(counter.id)
        ids.append(mine)
    return ids


def _command(app: Application, aggregate_id: uuid.UUID) -> None:
    counter = app.repository.get(aggregate_id)
    counter.increment(by="MOJ", note="step")
    app.save(counter)


def _plain_concurrent(app: Application, writers: int, per_writer: int) -> tuple[float, list[float]]:
    """Plain eventsourcing: ``writers`` threads, each get + 1 event + save, one transaction each."""
    ids = _seed(app, writers, per_writer)
    latencies: list[float] = []
    start_gate = threading.Barrier(writers + 1)

    def writer(mine: list[uuid.UUID]) -> None:
        start_gate.wait()
        for i in range(per_writer):
            began = time.perf_counter()
            _command(app, mine[i % len(mine)])
            latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=writer, args=(mine,)) for mine in ids]
    for thread in threads:
        thread.start()
    start_gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return writers * per_writer / (time.perf_counter() - start), latencies


def _grouped_concurrent(
    app: LedgerApplication, writers: int, per_writer: int
) -> tuple[float, list[float], float]:
    """The hub's writer: ``writers`` callers in flight, commands group-committed."""
    ids = _seed(app, writers, per_writer)
    latencies: list[float] = []
    executor = Executor(app)

    async def writer(mine: list[uuid.UUID]) -> None:
        for i in range(per_writer):
            began = time.perf_counter()
            await executor.write(_command, app, mine[i % len(mine)])
            latencies.append(time.perf_counter() - began)

    async def run() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(writer(mine) for mine in ids))
        return time.perf_counter() - start

    try:
        seconds = asyncio.run(run())
    finally:
        executor.close()
    return writers * per_writer / seconds, latencies, executor.commands / executor.batches


def bench_concurrent(kind: str, commands: int, tmp: Path, rounds: int, writers: int = 16) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    per_writer = max(10, commands // writers)
    print(
        f"\n== {writers} concurrent writers on {kind}: get + 1 event + save"
        f" ({writers * per_writer} commands, best of {rounds}) =="
    )
    best: dict[str, tuple[float, list[float]]] = {}
    per_batch = 0.0
    for _ in range(rounds):
        for side in ("plain", "signed"):
            url, drop = temporary_store(kind, tmp)
            env = store_env(url)
            if side == "plain":
                plain = Plain(env=env)
                rate, latencies = _plain_concurrent(plain, writers, per_writer)
                plain.close()
            else:
                signed = Signed(signer, env=env)
                rate, latencies, per_batch = _grouped_concurrent(signed, writers, per_writer)
                signed.close()
            drop()
            if side not in best or rate > best[side][0]:
                best[side] = (rate, latencies)
    print(f"{'':<44}{'cmd/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for side, label in (
        ("plain", "plain eventsourcing, 16 threads"),
        ("signed", "signed ledger, hub writer (group commit)"),
    ):
        rate, latencies = best[side]
        print(f"{label:<44}{rate:>9,.0f}{_pct(latencies, 0.5):>9.2f}{_pct(latencies, 0.99):>9.2f}")
    print(
        f"ratio signed ÷ plain: {best['signed'][0] / best['plain'][0]:.2f}"
        f" (commands per transaction: {per_batch:.1f})"
    )


def bench_verify(events: int, tmp: Path, rounds: int) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    ring = PublicKeyRing.of(signer.public_key)
    url = f"sqlite:///{tmp / 'verify.sqlite'}"
    app = Signed(signer, env={**store_env(url), "ENVELOPE_VERSION": "1"})
    for _ in range(events):
        app.save(Counter())
    app.close()
    trail: list[TrailEvent] = list(read_trail(url))
    # the bare loop: the same signatures over the same messages, nothing else (envelope v1,
    # one signature per event; batch-signed v2 trails are measured by benchmarks.verify)
    pairs = []
    for t in trail:
        env = Envelope.from_bytes(t.state)
        digest = event_hash(
            env.prev_hash, uuid.UUID(t.aggregate_id), t.version, t.topic, env.payload
        )
        assert env.signature is not None
        pairs.append((env.signature, signed_message(env.key_id, digest)))
    key = signer.public_key
    bare, full, from_store = [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        for sig, msg in pairs:
            key.verify(sig, msg)
        bare.append(len(pairs) / (time.perf_counter() - start))
        start = time.perf_counter()
        report = verify_trail(trail, ring)
        full.append(report.events / (time.perf_counter() - start))
        assert report.ok and report.signatures == events
        start = time.perf_counter()
        report = verify_trail(read_trail(url), ring)
        from_store.append(report.events / (time.perf_counter() - start))
    b = statistics.median(bare)
    print(f"\n== audit verify ({events} signed events, median of {rounds}) ==")
    print(f"bare Ed25519 verify loop        {b:>10,.0f} /s")
    print(
        f"verify_trail (in memory)        {statistics.median(full):>10,.0f} ev/s   ratio {statistics.median(full) / b:.2f}"
    )
    print(
        f"verify_trail (read from SQLite) {statistics.median(from_store):>10,.0f} ev/s   ratio {statistics.median(from_store) / b:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="600 events, one round")
    parser.add_argument("--only", choices=["appends", "concurrent", "verify"], help="one part")
    args = parser.parse_args()
    events, rounds = (600, 1) if args.quick else (args.events, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
            scaled = events if kind == "sqlite" else events // 3
            if args.only in (None, "appends"):
                bench_appends(kind, scaled, Path(tmp), rounds)
            if args.only in (None, "concurrent"):
                bench_concurrent(kind, scaled, Path(tmp), rounds)
        if args.only in (None, "verify"):
            bench_verify(events, Path(tmp), rounds)


if __name__ == "__main__":
    main()
