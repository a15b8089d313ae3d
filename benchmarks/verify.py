"""Trail verification against its bare costs, on a synthetic signed trail of any size.

    python -m benchmarks.verify                      # 200,000 events, batches of 32
    python -m benchmarks.verify --quick              # 20,000 events (under 30 s)
    python -m benchmarks.verify --events 1000000 --sizes 100000,1000000   # RSS vs size
    python -m benchmarks.verify --agency-signatures  # also: every event an agency's signed call

The trail is written straight into an SQLite store in the hub's format (envelope v2: one
Ed25519 signature per batch, a Merkle path per event; cases of ten events, a thousand
open at a time, realistic payloads). Each measurement runs in its own process, so its
peak RSS is its own. Figures printed side by side, from the same run:

* raw read: iterating the store's events (``hub.audit.export.events_from``);
* bare loops: one Ed25519 verify per batch, and the SHA-256 work per event (the event
  hash and the log leaf hash, both over the stored bytes);
* ``verify_trail`` in one process, and over ``--jobs`` processes when asked (1,2);
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
import dataclasses
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment

from hub.audit.export import events_from, open_recorder
from hub.audit.verification import verify_trail_parallel
from hub.config import APP_NAME, store_env
from hub.trail.agency_signatures import (
    KEYS_FORMAT,
    AgencyKeyRing,
    Attestation,
    agency_key_id,
    body_hash,
)
from hub.trail.envelope import (
    GENESIS,
    Envelope,
    batch_message,
    batch_proofs,
    event_hash,
)
from hub.trail.keys import PublicKeyRing, Signer, init_keys
from hub.trail.verify import verify_trail

TOPIC = "tabadol.service_case.step_recorded"


def _payload(rng: int, version: int) -> bytes:
    """About 260 bytes of JSON, like a case event's stored state."""
    return json.dumps(
        {
            "timestamp": {"_type_": "datetime_iso", "_data_": "2026-12-01T19:00:00.123456+00:00"},
            "step": "ثبت درخواست",
            "stage": "request",
            "by": "MOJ",
            "note": f"n{rng:012d}",
            "version": version,
        },
        ensure_ascii=False,
    ).encode()


def _attestation(agency: Ed25519PrivateKey, serial: int) -> bytes:
    """An agency's signed request, as the hub keeps it in an envelope."""
    key_id = agency_key_id(agency.public_key())
    method = "/tabadol.servicedesk.v1.ServiceDeskService/RecordStep"
    unsigned = Attestation(
        "MOJ", key_id, method, 1796152814123 + serial, base64.b64encode(
            serial.to_bytes(16, "big")
        ).decode(), f"k-{serial}", body_hash(serial.to_bytes(8, "big")), b"",
    )  # fmt: skip
    signature = agency.sign(unsigned.message)
    return dataclasses.replace(unsigned, signature=signature).to_bytes()


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


def generate(
    path: Path,
    events: int,
    batch: int,
    signer: Signer,
    agency: Ed25519PrivateKey | None = None,
) -> float:
    """Write ``events`` signed events to an SQLite store at ``path``; returns seconds.
    With ``agency``, each event carries its own agency-signed request."""
    started = time.perf_counter()
    env = Environment(APP_NAME, store_env(f"sqlite:///{path}"))
    recorder = InfrastructureFactory.construct(env).application_recorder()
    open_cases: list[list[Any]] = []  # [id, next version, head]
    pending: list[StoredEvent] = []
    written = 0
    serial = 0
    while written < events:
        size = min(batch, events - written)
        records = []
        for _ in range(size):
            if len(open_cases) < 1000:
                open_cases.append([uuid.uuid4(), 1, GENESIS])
            serial += 1
            case = open_cases[serial % len(open_cases)]
            aggregate_id, version, prev = case
            payload = _payload(serial, version)
            attestation = _attestation(agency, serial) if agency else None
            digest = event_hash(prev, aggregate_id, version, TOPIC, payload, attestation)
            records.append((aggregate_id, version, prev, payload, digest, attestation))
            case[1], case[2] = version + 1, digest
            if version == 10:
                open_cases.remove(case)
        root, proofs = batch_proofs([r[4] for r in records])
        signature = signer.sign(batch_message(signer.key_id, len(records), root))
        for (aggregate_id, version, prev, payload, _, attestation), proof in zip(
            records, proofs, strict=True
        ):
            state = Envelope(signer.key_id, prev, signature, payload, proof, attestation).to_bytes()
            pending.append(StoredEvent(aggregate_id, version, TOPIC, state))
        written += size
        if len(pending) >= 4096 or written >= events:
            recorder.insert_events(pending)
            pending = []
    return time.perf_counter() - started


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(what: str, store: Path, keys: Path, jobs: int) -> dict[str, float]:
    """One measurement in this process (called in a child process). A store with an
    ``.agency-keys.json`` file beside it is verified with the agencies' keys too."""
    url = f"sqlite:///{store}"
    ring = PublicKeyRing.load(keys)
    beside = store.with_suffix(".agency-keys.json")
    agency_keys = AgencyKeyRing.load(beside) if beside.exists() else None
    started = time.perf_counter()
    cpu = time.process_time()
    count = 0
    if what == "read":
        for _ in events_from(open_recorder(url)):
            count += 1
    elif what == "loops":
        pairs, states = [], []
        last = None
        for event in events_from(open_recorder(url)):
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
    else:
        if jobs > 1:
            report = verify_trail_parallel(url, ring, jobs=jobs, agency_keys=agency_keys)
        else:
            report = verify_trail(events_from(open_recorder(url)), ring, agency_keys=agency_keys)
        assert report.ok, report.problem
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


def _child(what: str, store: Path, keys: Path, jobs: int = 1) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.verify", "--measure", what, "--store", str(store),
         "--keys", str(keys), "--jobs", str(jobs)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=32, help="events per signed batch")
    parser.add_argument("--quick", action="store_true", help="20,000 events (under 30 s)")
    parser.add_argument("--sizes", default="", help="also verify prefixes: 100000,1000000")
    parser.add_argument("--jobs", default="1", help="process counts to compare: 1,2")
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
    events = 20_000 if args.quick else args.events
    sizes = sorted({int(s) for s in args.sizes.split(",") if s} | {events})
    with tempfile.TemporaryDirectory(prefix="tabadol-bench-verify-") as tmp:
        keys = Path(tmp) / "public-keys.json"
        signer = init_keys(Path(tmp) / "hub.pem", keys)
        print(
            f"synthetic trail: batches of {args.batch}, cases of 10 events; python {sys.version.split()[0]}"
        )
        rows = []
        for size in sizes:
            store = Path(tmp) / f"trail-{size}.sqlite"
            seconds = generate(store, size, args.batch, signer)
            print(
                f"  {size:,} events written in {seconds:.1f} s ({store.stat().st_size / 1e6:.0f} MB)"
            )
            read = _child("read", store, keys)
            runs = {
                j: _child("verify", store, keys, j) for j in (int(j) for j in args.jobs.split(","))
            }
            rows.append((size, read, runs))
            store_loops = store
        loops = _child("loops", store_loops, keys)
        attested = []
        if args.agency_signatures:
            agency = Ed25519PrivateKey.generate()
            store = Path(tmp) / f"attested-{events}.sqlite"
            seconds = generate(store, events, args.batch, signer, agency)
            agency_keys_file(store.with_suffix(".agency-keys.json"), agency)
            print(
                f"  {events:,} agency-signed events written in {seconds:.1f} s"
                f" ({store.stat().st_size / 1e6:.0f} MB)"
            )
            attested = [
                (j, _child("verify", store, keys, j))
                for j in (int(j) for j in args.jobs.split(","))
            ]
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
        f"{'events':>10} {'raw read ev/s':>14} {'jobs':>5} {'verify ev/s':>12} {'projected':>10}"
        f" {'÷ read':>7} {'÷ bare':>7} {'RSS MB':>7} {'worker RSS':>11}"
    )
    for size, read, runs in rows:
        for jobs, run in runs.items():
            print(
                f"{size:>10,} {read['rate']:>14,.0f} {jobs:>5} {run['rate']:>12,.0f}"
                f" {run['projected']:>10,.0f} {run['projected'] / read['rate']:>7.2f}"
                f" {run['projected'] * per_event:>7.2f} {run['rss_mb']:>7.0f}"
                f" {run['workers_rss_mb'] if jobs > 1 else 0:>11.0f}"
            )
    if attested:
        print("\nevery event written by its own agency-signed call (one more Ed25519 per event):")
        plain = {jobs: run["projected"] for jobs, run in rows[-1][2].items()}
        for jobs, run in attested:
            print(
                f"{events:>10,} {'':>14} {jobs:>5} {run['rate']:>12,.0f}"
                f" {run['projected']:>10,.0f}  ({run['projected'] / plain[jobs]:.2f} of the"
                f" unsigned trail's rate) RSS {run['rss_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
