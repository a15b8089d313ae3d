"""What the aggregate map costs: the head a checkpoint signs, and one record's proof.

    .venv/bin/python -m benchmarks.aggregate_map [--aggregates 10000 100000 300000]

The map is kept as events are appended (O(1) each); taking the head (each checkpoint,
when signing and when ``audit verify`` recomputes it) rewrites the leaves changed since
the last one, O(log A) hashes each. "cold" is a first head over A new aggregates (a hub
restarting, a verifier's first checkpoint); "head/N" the head after N more events.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
import uuid

from hub.trail.aggregate_map import AggregateMap


def measure(count: int, batch: int) -> tuple[float, float, float, float]:
    """(update µs, cold head s, head after ``batch`` events s, proof s)."""
    heads = AggregateMap()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    leaf = hashlib.sha256(b"leaf").digest()
    start = time.perf_counter()
    for i, aggregate_id in enumerate(ids):
        heads.update(aggregate_id, 3, i, leaf)
    update = (time.perf_counter() - start) / count
    start = time.perf_counter()
    heads.head()
    cold = time.perf_counter() - start
    rng = random.Random(1405)
    for n in range(batch):  # one checkpoint's worth: half new aggregates, half updates
        if n % 2:
            heads.update(str(uuid.uuid4()), 1, count + n, leaf)
        else:
            heads.update(rng.choice(ids), 4, count + n, leaf)
    start = time.perf_counter()
    head = heads.head()
    warm = time.perf_counter() - start
    start = time.perf_counter()
    heads.proof(ids[count // 2]).verify(head)
    proof = time.perf_counter() - start
    return update * 1e6, cold, warm, proof


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--aggregates", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--batch", type=int, default=1000, help="events per checkpoint")
    parser.add_argument("--quick", action="store_true", help="10,000 aggregates only")
    args = parser.parse_args()
    if args.quick:
        args.aggregates = [10_000]
    print(
        f"{'aggregates':>10} {'update µs':>10} {'cold head s':>12}"
        f" {'head/' + str(args.batch) + ' ms':>14} {'proof ms':>9}"
    )
    for count in args.aggregates:
        update, cold, warm, proof = measure(count, args.batch)
        print(f"{count:>10} {update:>10.2f} {cold:>12.3f} {warm * 1e3:>14.2f} {proof * 1e3:>9.3f}")


if __name__ == "__main__":
    main()
