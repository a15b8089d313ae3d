"""Ledger benchmark: signed appends vs plain eventsourcing, verification vs bare Ed25519.

Run:  .venv/bin/python -m benchmarks.ledger [--events N] [--store sqlite|postgres]

Both sides of each ratio are measured in the same run on the same store kind.
Goals (issue 2): signed ≥ 0.8 × plain appends; verify ≥ 0.9 × the bare verify loop.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application

from benchmarks._support import Counter, temporary_store
from hub.audit.export import read_trail
from hub.config import store_env
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


def bench_verify(events: int, tmp: Path, rounds: int) -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    ring = PublicKeyRing.of(signer.public_key)
    url = f"sqlite:///{tmp / 'verify.sqlite'}"
    app = Signed(signer, env=store_env(url))
    for _ in range(events):
        app.save(Counter())
    app.close()
    trail: list[TrailEvent] = list(read_trail(url))
    # the bare loop: the same signatures over the same messages, nothing else
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("sqlite", "postgres") if args.store == "both" else (args.store,):
            bench_appends(
                kind, args.events if kind == "sqlite" else args.events // 3, Path(tmp), args.rounds
            )
        bench_verify(args.events, Path(tmp), args.rounds)


if __name__ == "__main__":
    main()
