"""A flood of refused calls must not slow another agency (issue 10, Deliver 5).

The hub runs as its own process (``tabadol serve``, mTLS, SQLite); a flooding process calls
OpenCase as an agency without a grant, as fast as ``--flooders`` concurrent callers can;
the victim (this process, agency MOJ, granted) opens cases one after another and we
compare its OpenCase p50 with and without the flood. Goal: within 1.5x.

Run: ``.venv/bin/python -m benchmarks.flood [--calls 300] [--flooders 32]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.testing import DevPki, free_port
from tests.samples import SERVICE_CODE, applicant, spec_proto

_FLOOD = """
import asyncio, sys, time, grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk, servicedesk_pb2_grpc
ca, key, cert, target, flooders, stop_file = sys.argv[1:7]
async def main():
    creds = grpc.ssl_channel_credentials(open(ca,'rb').read(), open(key,'rb').read(), open(cert,'rb').read())
    counts = {}
    async with grpc.aio.secure_channel(target, creds) as ch:
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(ch)
        req = desk.OpenCaseRequest(service_code="13021000101", applicant_national_code="0012345679", postal_code="1316943891", channel="web")
        import os
        async def one():
            while not os.path.exists(stop_file):
                try:
                    await stub.OpenCase(req)
                except grpc.aio.AioRpcError as e:
                    counts[e.code().name] = counts.get(e.code().name, 0) + 1
        await asyncio.gather(*(one() for _ in range(int(flooders))))
    print(counts, flush=True)
asyncio.run(main())
"""


def _env(data: Path, pki: DevPki, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABADOL_")}
    return {
        **env,
        "TABADOL_DATA_DIR": str(data),
        "TABADOL_LISTEN": f"127.0.0.1:{port}",
        "TABADOL_HTTP_LISTEN": "off",
        **pki.tls_env(),
    }


async def _victim(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub, calls: int, start: int
) -> list[float]:
    times = []
    for i in range(calls):
        begun = time.perf_counter()
        await stub.OpenCase(
            desk.OpenCaseRequest(
                service_code=SERVICE_CODE,
                applicant_national_code=applicant(start + i),
                postal_code="1316943891",
                channel="web",
            )
        )
        times.append(time.perf_counter() - begun)
    return times


def _p50_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


async def run(calls: int, flooders: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pki = DevPki.create(root / "pki")
        port = free_port()
        env = _env(root / "data", pki, port)
        py = [sys.executable, "-m", "hub.cli"]
        subprocess.run([*py, "keys", "init"], env=env, check=True, capture_output=True)
        for target in (
            "tabadol.catalogue.v1.CatalogueService",
            "tabadol.servicedesk.v1.ServiceDeskService",
        ):
            subprocess.run(
                [*py, "access", "grant", "MOJ", target, "--reason", "benchmark"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
        hub = subprocess.Popen(
            [*py, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            target = f"localhost:{port}"
            async with grpc.aio.secure_channel(
                target, pki.channel_credentials("agency:MOJ")
            ) as channel:
                for _ in range(100):
                    try:
                        await health_pb2_grpc.HealthStub(channel).Check(
                            health_pb2.HealthCheckRequest(), timeout=1
                        )
                        break
                    except grpc.aio.AioRpcError:
                        await asyncio.sleep(0.1)
                await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
                    cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
                )
                stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
                await _victim(stub, 30, 1)  # warm up
                quiet = await _victim(stub, calls, 1000)
                flooder = pki.certificate("agency:ZZZ")
                stop = root / "stop"
                flood = subprocess.Popen(
                    [sys.executable, "-c", _FLOOD, str(pki.ca), str(flooder.key), str(flooder.cert),
                     target, str(flooders), str(stop)],
                    env=env, stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                await asyncio.sleep(1.0)  # let the flood reach full speed
                flood_started = time.perf_counter()
                flooded = await _victim(stub, calls, 5000)
                flood_seconds = time.perf_counter() - flood_started
                stop.touch()
                out, _ = flood.communicate(timeout=30)
        finally:
            hub.terminate()
            hub.wait(timeout=30)
        refused = sum(int(v) for v in eval(out.strip() or "{}").values())
        return {
            "quiet_p50_ms": _p50_ms(quiet),
            "flood_p50_ms": _p50_ms(flooded),
            "ratio": _p50_ms(flooded) / _p50_ms(quiet),
            "flood_calls": refused,
            "flood_seconds": flood_seconds + 1.0,
            "flood_detail": out.strip(),  # type: ignore[dict-item]
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--flooders", type=int, default=32)
    args = parser.parse_args()
    result = asyncio.run(run(args.calls, args.flooders))
    print(
        f"victim OpenCase p50: {result['quiet_p50_ms']:.2f} ms quiet,"
        f" {result['flood_p50_ms']:.2f} ms during the flood (ratio {result['ratio']:.2f}, goal <= 1.5)"
    )
    print(
        f"flood: {result['flood_calls']} refused calls in ~{result['flood_seconds']:.1f} s"
        f" ({result['flood_detail']})"
    )


if __name__ == "__main__":
    main()
