"""Trail verification against its bare costs, on a synthetic signed trail of any size.

    python -m benchmarks.verify                      # 200,000 events, batches of 32
    python -m benchmarks.verify --quick              # 20,000 events (under 30 s)
    python -m benchmarks.verify --events 1000000 --sizes 100000,1000000   # RSS vs size
    python -m benchmarks.verify --agency-signatures  # also: every event an agency's signed call
    python -m benchmarks.verify --dir /tmp/v --events 10000000 --baseline /tmp/main-checkout

The trail is written straight into an SQLite store in the hub's format (envelope v2: one
Ed25519 signature per batch, a Merkle path per event; cases of ten events, a thousand
open at a time, realistic payloads) with a signed checkpoint (log root and aggregate map)
every ``--checkpoint-every`` events and at the end, which the verifier checks. With
``--dir`` the stores are kept there and reused by later runs. Each measurement runs in
its own process, so its peak RSS is its own. Figures printed side by side, same run:

* raw read: iterating the store's events (``hub.audit.export.read_trail``);
* bare loops: one Ed25519 verify per batch, and the SHA-256 work per event (the event
  hash and the log leaf hash, both over the stored bytes);
* ``verify_trail`` in one process, and over ``--jobs`` processes when asked (1,2);
* with ``--baseline DIR``, the same verification by the code of another checkout (its
  ``hub`` package first on the path), interleaved with this one's: before and after;
* with ``--agency-signatures``, the same on a trail whose every event was written by its
  own agency-signed call (the worst case: one agency signature per event; a call that
  writes several events is checked once), verified with the agencies' keys.

Rates in one process are events per CPU second of that process (this machine is shared:
wall-clock rates swing with the load); with several processes, events per wall second.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hub.audit.export import read_trail
from hub.audit.verification import verify_trail_parallel
from hub.trail.agency_signatures import KEYS_FORMAT, AgencyKeyRing, agency_key_id
from hub.trail.envelope import Envelope, batch_message
from hub.trail.keys import PublicKeyRing, init_keys, load_signer
from hub.trail.verify import verify_trail


def agency_keys_file(path: Path, agency: Ed25519PrivateKey) -> Path:
    raw = agency.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    entry = {
        "agency": "MOJ",
        "key_id": agency_key_id(agency.public_key()),
        "public_key": base64.b64encode(raw).decode(),
        "registered_at": "2026-01-01T00:00:00+00:00",
        "revoked_at": None,
    }
    path.write_text(json.dumps({"format": KEYS_FORMAT, "keys": [entry]}))
    return path


def trail(
    directory: Path,
    events: int,
    batch: int,
    checkpoint_every: int,
    agency: Ed25519PrivateKey | None = None,
) -> Path:
    """The store of a synthetic trail of ``events`` in ``directory`` (written unless it is
    there from an earlier run with the same keys), its checkpoint notes beside it."""
    from benchmarks._trail import generate  # here: the measuring child never needs it

    kind = "attested" if agency else "trail"
    store = directory / f"{kind}-{events}-b{batch}-c{checkpoint_every}.sqlite"
    notes = store.with_suffix(".checkpoints.json")
    if notes.exists():
        print(f"  {events:,} events: reusing {store} ({store.stat().st_size / 1e6:,.0f} MB)")
        return store
    store.unlink(missing_ok=True)
    signer = load_signer(directory / "hub.pem")
    origin = PublicKeyRing.load(directory / "public-keys.json").origin or ""
    written = generate(
        store, events, batch, signer, origin, checkpoint_every=checkpoint_every, agency=agency
    )
    notes.write_text(json.dumps(written.checkpoints))
    if agency is not None:
        agency_keys_file(store.with_suffix(".agency-keys.json"), agency)
    print(
        f"  {events:,} events written in {written.seconds:.1f} s"
        f" ({store.stat().st_size / 1e6:,.0f} MB, {len(written.checkpoints)} checkpoints)"
    )
    return store


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(what: str, store: Path, keys: Path, jobs: int) -> dict[str, float]:
    """One measurement in this process (called in a child process). A store with an
    ``.agency-keys.json`` file beside it is verified with the agencies' keys too."""
    url = f"sqlite:///{store}"
    ring = PublicKeyRing.load(keys)
    beside = store.with_suffix(".agency-keys.json")
    agency_keys = AgencyKeyRing.load(beside) if beside.exists() else None
    notes = json.loads(store.with_suffix(".checkpoints.json").read_text())
    started = time.perf_counter()
    cpu = time.process_time()
    count = 0
    if what == "read":
        for _ in read_trail(url):
            count += 1
    elif what == "loops":
        return _loops(url, ring)
    else:
        if jobs > 1:
            report = verify_trail_parallel(
                url, ring, checkpoints=notes, jobs=jobs, agency_keys=agency_keys
            )
        else:
            report = verify_trail(read_trail(url), ring, checkpoints=notes, agency_keys=agency_keys)
        assert report.ok, report.problem
        assert report.checkpoints == len(notes), (report.checkpoints, len(notes))
        if agency_keys is not None:
            assert sum(report.agency_signatures.values()) == report.events
        count = report.events
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = children.ru_utime + children.ru_stime
    # one process: events per CPU second (robust on a shared machine); several: wall clock,
    # and what the CPU accounting projects on idle cores (the busiest side bounds it)
    rate = count / (cpu if jobs == 1 else seconds)
    projected = count / max(cpu, workers_cpu / jobs) if jobs > 1 else rate
    return {
        "events": count,
        "seconds": seconds,
        "cpu": cpu,
        "workers_cpu": workers_cpu,
        "rate": rate,
        "projected": projected,
        "rss_mb": _rss_mb(),
        "workers_rss_mb": children.ru_maxrss / 1024,
    }


def _loops(url: str, ring: PublicKeyRing) -> dict[str, float]:
    """The bare costs: one Ed25519 verify per batch, two SHA-256 over the stored bytes."""
    pairs, states = [], []
    last = None
    for event in read_trail(url):
        envelope = Envelope.from_bytes(event.state)
        states.append(event.state)
        if envelope.signature != last and envelope.batch is not None:
            last = envelope.signature
            pairs.append((envelope.key_id, envelope.signature or b"", envelope.batch))
        if len(states) >= 50_000:
            break
    (key_id,) = ring.by_id
    public = ring.by_id[key_id]
    messages = [(s, batch_message(key_id, b.size, os.urandom(32))) for _, s, b in pairs]
    started = time.process_time()
    for signature, message in messages:
        with contextlib.suppress(Exception):  # a random root: only the cost counts
            public.verify(signature, message)
    ed = len(messages) / (time.process_time() - started)
    started = time.process_time()
    for state in states:
        hashlib.sha256(state).digest()
        hashlib.sha256(state).digest()
    sha = len(states) / (time.process_time() - started)
    return {
        "ed25519_per_s": ed,
        "sha_pairs_per_s": sha,
        "events_per_batch": len(states) / len(pairs),
    }


def _child(
    what: str, store: Path, keys: Path, jobs: int = 1, code: str | None = None
) -> dict[str, float]:
    """A measurement in its own process; ``code``: a checkout whose ``hub`` is measured."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (code, env.get("PYTHONPATH"))))
    out = subprocess.run(
        [sys.executable, __file__, "--measure", what, "--store", str(store),
         "--keys", str(keys), "--jobs", str(jobs)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=32, help="events per signed batch")
    parser.add_argument("--quick", action="store_true", help="20,000 events (under 30 s)")
    parser.add_argument("--sizes", default="", help="also verify prefixes: 100000,1000000")
    parser.add_argument("--jobs", default="1", help="process counts to compare: 1,2")
    parser.add_argument("--checkpoint-every", type=int, default=100_000)
    parser.add_argument("--dir", help="keep the stores here and reuse them (default: a temp dir)")
    parser.add_argument("--baseline", help="also measure the hub package of this checkout")
    parser.add_argument(
        "--agency-signatures",
        action="store_true",
        help="also verify a trail whose every event carries an agency-signed request",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--keys", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        jobs = int(args.jobs)
        print(json.dumps(measure(args.measure, Path(args.store), Path(args.keys), jobs)))
        return
    with contextlib.ExitStack() as stack:
        if args.dir:
            Path(args.dir).mkdir(parents=True, exist_ok=True)
            tmp = args.dir
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="tabadol-bench-verify-"))
        _run(args, Path(tmp))


def _run(args: argparse.Namespace, directory: Path) -> None:
    events = 20_000 if args.quick else args.events
    sizes = sorted({int(s) for s in args.sizes.split(",") if s} | {events})
    keys = directory / "public-keys.json"
    if not keys.exists():
        init_keys(directory / "hub.pem", keys)
    print(
        f"synthetic trail: batches of {args.batch}, cases of 10 events, a checkpoint every"
        f" {args.checkpoint_every:,} events; python {sys.version.split()[0]};"
        f" load {os.getloadavg()[0]:.1f}"
    )
    codes: dict[str, str | None] = {"this": None}
    if args.baseline:
        codes = {"baseline": args.baseline, **codes}
    jobs_list = [int(j) for j in args.jobs.split(",")]
    rows = []
    for size in sizes:
        store = trail(directory, size, args.batch, args.checkpoint_every)
        read = _child("read", store, keys)
        runs = {(name, j): _child("verify", store, keys, j, code) for j in jobs_list
                for name, code in codes.items()}  # fmt: skip
        rows.append((size, read, runs))
        store_loops = store
    loops = _child("loops", store_loops, keys)
    attested = []
    if args.agency_signatures:
        agency = Ed25519PrivateKey.generate()
        store = trail(directory, events, args.batch, args.checkpoint_every, agency)
        attested = [(j, _child("verify", store, keys, j)) for j in jobs_list]
    per_event = 1 / loops["sha_pairs_per_s"] + 1 / (
        loops["ed25519_per_s"] * loops["events_per_batch"]
    )
    print(
        f"\nbare Ed25519 verify: {loops['ed25519_per_s']:,.0f}/s; two SHA-256 over the stored bytes:"
        f" {loops['sha_pairs_per_s']:,.0f} events/s; {loops['events_per_batch']:.1f} events per batch"
    )
    print(
        f"bare budget (one signature per batch + two hashes per event): {1 / per_event:,.0f} events/s\n"
    )
    print("one process: events per CPU second; jobs > 1: events per wall second, and the rate")
    print("its CPU accounting projects on idle cores: events / max(parent, workers / jobs)")
    print(
        f"{'events':>10} {'code':>8} {'raw read ev/s':>14} {'jobs':>5} {'verify ev/s':>12}"
        f" {'projected':>10} {'÷ read':>7} {'÷ bare':>7} {'RSS MB':>7} {'worker RSS':>11}"
        f" {'CPU s':>7}"
    )
    for size, read, runs in rows:
        for (name, jobs), run in runs.items():
            print(
                f"{size:>10,} {name:>8} {read['rate']:>14,.0f} {jobs:>5} {run['rate']:>12,.0f}"
                f" {run['projected']:>10,.0f} {run['projected'] / read['rate']:>7.2f}"
                f" {run['projected'] * per_event:>7.2f} {run['rss_mb']:>7.0f}"
                f" {run['workers_rss_mb'] if jobs > 1 else 0:>11.0f} {run['cpu']:>7.1f}"
            )
    if attested:
        print("\nevery event written by its own agency-signed call (one more Ed25519 per event):")
        plain = {
            jobs: run["projected"] for (name, jobs), run in rows[-1][2].items() if name == "this"
        }
        for jobs, run in attested:
            print(
                f"{events:>10,} {'this':>8} {'':>14} {jobs:>5} {run['rate']:>12,.0f}"
                f" {run['projected']:>10,.0f}  ({run['projected'] / plain[jobs]:.2f} of the"
                f" unsigned trail's rate) RSS {run['rss_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
