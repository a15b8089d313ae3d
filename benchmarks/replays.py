"""What the shared replay guard costs a signed call (issue 14 item 5).

One hub (mTLS, MOJ must sign) per run, on a fresh SQLite file or PostgreSQL database; the
agencies' client calls ``CatalogueService/ListServiceRecords`` one call after another
(signed, under a fresh idempotency key each, as the client sends). Runs alternate between
the shared guard (a nonce insert, an idempotency claim and its outcome in the store's
database) and the in-memory checks alone (``ReplayStore.open`` returning None), and print
the p50 and p99 of each.

Run: ``.venv/bin/python -m benchmarks.replays [--calls 300] [--runs 2]``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from benchmarks._support import temporary_store
from hub.client import AgencyClient, ClientTls, RequestSigner
from hub.client.rpcs import CATALOGUE
from hub.ledger import replays
from hub.testing import start_trusted_hub

SHARED = replays.ReplayStore.open


def _memory_only(cls: Any, env: Any) -> None:
    return None


async def measure(kind: str, guard: bool, calls: int) -> tuple[float, float]:
    """p50 and p99 (ms) of ``calls`` signed reads."""
    replays.ReplayStore.open = SHARED if guard else classmethod(_memory_only)  # type: ignore[method-assign,assignment]
    tmp = Path(tempfile.mkdtemp(prefix="tabadol-replays-"))
    url, drop = temporary_store(kind, tmp)
    try:
        live = await start_trusted_hub(tmp, url, TABADOL_REQUIRE_AGENCY_SIGNATURES="MOJ")
        await live.grant("agency:MOJ", "service:tabadol.catalogue.v1.CatalogueService")
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        running = live.running
        await running.executor.write(
            running.agency_keys.register, "MOJ", base64.b64encode(raw).decode(), by="op", reason="k"
        )
        await running.executor.read(running.agency_keys_cache.reload)
        issued = live.pki.certificate("agency:MOJ")
        tls = ClientTls(live.pki.ca, issued.cert, issued.key)
        rpc = CATALOGUE["ListServiceRecords"]
        times = []
        async with AgencyClient(
            live.target, "MOJ", signer=RequestSigner("MOJ", key), tls=tls, retries=0
        ) as client:
            for _ in range(30):  # warm-up
                await client.call(rpc, rpc.request())
            for _ in range(calls):
                start = time.perf_counter()
                await client.call(rpc, rpc.request())
                times.append((time.perf_counter() - start) * 1e3)
        await live.close()
    finally:
        replays.ReplayStore.open = SHARED  # type: ignore[method-assign]
        drop()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="50 calls, one run")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.runs = 50, 1
    for kind in ("sqlite", "postgres"):
        for _ in range(args.runs):
            for guard in (False, True):
                p50, p99 = await measure(kind, guard, args.calls)
                label = "shared guard" if guard else "memory only "
                print(f"{kind:8} {label} p50 {p50:5.2f} ms  p99 {p99:5.2f} ms", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
