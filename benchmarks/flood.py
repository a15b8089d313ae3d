"""A flood of refused calls must not slow another agency (issue 10, Deliver 5).

Three processes, none sharing another's event loop or CPU time: the hub (``tabadol serve``,
mTLS, SQLite), a flooder (``python -m benchmarks.flood --flooder …``: agency ZZZ, a valid
certificate and no grant, calling OpenCase from ``--flooders`` concurrent callers in a
closed loop, ignoring RetryInfo as a flood does) and the victim (this process: agency MOJ,
granted, opening cases one after another). The victim's OpenCase latency is measured
without the flood, during it, and without it again; the quiet figure is both quiet phases
together, so a drift of the shared machine's load between phases shows in neither alone.
Goal: the victim's p50 during the flood within 1.5x of its quiet p50.

Run: ``.venv/bin/python -m benchmarks.flood [--calls 300] [--flooders 32] [--runs 3]``
     ``.venv/bin/python -m benchmarks.flood --quick``   # 100 calls a phase, one run, ~15 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.testing import DevPki, free_port
from tests.samples import SERVICE_CODE, applicant, spec_proto

GOAL = 1.5
OWN_SERVICE = "13021000202"


def _env(data: Path, pki: DevPki, port: int, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABADOL_")}
    return {
        **env,
        "TABADOL_DATA_DIR": str(data),
        "TABADOL_LISTEN": f"127.0.0.1:{port}",
        "TABADOL_HTTP_LISTEN": "off",
        **pki.tls_env(),
        **extra,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            ),
            timeout=30,
        )
        times.append(time.perf_counter() - begun)
    return times


def _percentile(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@dataclass
class Phase:
    p50_ms: float
    p99_ms: float
    seconds: float
    hub_cpu: float  # hub CPU seconds per wall second in this phase

    @classmethod
    def of(cls, times: list[float], seconds: float, hub_cpu: float) -> Phase:
        return cls(_percentile(times, 0.5), _percentile(times, 0.99), seconds, hub_cpu / seconds)


@dataclass
class Run:
    quiet: Phase
    flood: Phase
    flood_calls: dict[str, int]
    flood_rate: float  # flooder calls answered per second
    flood_cpu: float  # flooder CPU seconds per wall second
    retry_info: bool | None  # every RESOURCE_EXHAUSTED inspected had a RetryInfo (None: none)
    load: tuple[float, float]  # 1-min load average before and after

    @property
    def ratio(self) -> float:
        return self.flood.p50_ms / self.quiet.p50_ms

    def line(self) -> str:
        calls = ", ".join(f"{n} {code}" for code, n in sorted(self.flood_calls.items()))
        return (
            f"victim OpenCase p50/p99 quiet {self.quiet.p50_ms:.2f}/{self.quiet.p99_ms:.2f} ms,"
            f" flood {self.flood.p50_ms:.2f}/{self.flood.p99_ms:.2f} ms;"
            f" p50 ratio {self.ratio:.2f} (goal <= {GOAL})"
            f" | flood {self.flood_rate:.0f} calls/s ({calls}; RetryInfo: {self.retry_info})"
            f" | CPU hub {self.quiet.hub_cpu:.2f} quiet / {self.flood.hub_cpu:.2f} flood,"
            f" flooder {self.flood_cpu:.2f}"
            f" | load {self.load[0]:.1f}->{self.load[1]:.1f}"
        )


async def _wait_serving(channel: grpc.aio.Channel) -> None:
    for _ in range(200):
        try:
            await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1
            )
            return
        except grpc.aio.AioRpcError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the hub did not start")


async def run(
    calls: int, flooders: int, channels: int, hub_env: dict[str, str], kind: str = "refused"
) -> Run:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pki = DevPki.create(root / "pki")
        port = free_port()
        env = _env(root / "data", pki, port, hub_env)
        py = [sys.executable, "-m", "hub.cli"]
        subprocess.run([*py, "keys", "init"], env=env, check=True, capture_output=True)
        grants = [
            ("MOJ", "tabadol.catalogue.v1.CatalogueService"),
            ("MOJ", "tabadol.servicedesk.v1.ServiceDeskService"),
        ]
        if kind == "foreign":  # ZZZ may call OpenCase for MOJ's service, but does not own it
            grants.append(("ZZZ", f"code:{SERVICE_CODE}"))
        if kind == "owned":  # ZZZ opens real cases of a service of its own
            grants.append(("ZZZ", "tabadol.catalogue.v1.CatalogueService"))
            grants.append(("ZZZ", "tabadol.servicedesk.v1.ServiceDeskService"))
        for who, target in grants:
            subprocess.run(
                [*py, "access", "grant", who, target, "--reason", "benchmark"],
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
                await _wait_serving(channel)
                await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
                    cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
                )
                stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
                await _victim(stub, 50, 1)  # warm up

                async def phase(start: int) -> tuple[list[float], float, float]:
                    cpu, begun = _cpu_seconds(hub.pid), time.perf_counter()
                    times = await _victim(stub, calls, start)
                    return times, time.perf_counter() - begun, _cpu_seconds(hub.pid) - cpu

                quiet_a = await phase(1_000)
                flooder = pki.certificate("agency:ZZZ")
                stop = root / "stop"
                flood = subprocess.Popen(
                    [sys.executable, "-m", "benchmarks.flood", "--flooder", str(pki.ca),
                     str(flooder.key), str(flooder.cert), target, str(flooders), str(channels),
                     str(stop), kind],
                    env=env, stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                assert flood.stdout is not None
                ready = await asyncio.to_thread(flood.stdout.readline)  # flooding at full speed
                if ready.strip() != "ready":
                    raise RuntimeError(f"the flooder did not start: {ready!r}")
                flooded = await phase(10_000)
                stop.touch()
                out, _ = flood.communicate(timeout=60)
                quiet_b = await phase(20_000)
        finally:
            hub.terminate()
            hub.wait(timeout=30)
    report = json.loads(out)
    quiet_times = quiet_a[0] + quiet_b[0]
    return Run(
        quiet=Phase.of(quiet_times, quiet_a[1] + quiet_b[1], quiet_a[2] + quiet_b[2]),
        flood=Phase.of(*flooded),
        flood_calls=report["codes"],
        flood_rate=sum(report["codes"].values()) / report["seconds"],
        flood_cpu=report["cpu"] / report["seconds"],
        retry_info=report["retry_info"],
        load=(load_before, os.getloadavg()[0]),
    )


# -- the flooder's process --------------------------------------------------------------


async def _flood(
    ca: str, key: str, cert: str, target: str, flooders: int, channels: int, stop: str, kind: str
) -> None:
    creds = grpc.ssl_channel_credentials(
        Path(ca).read_bytes(), Path(key).read_bytes(), Path(cert).read_bytes()
    )
    codes: dict[str, int] = {}
    retry_info = {"seen": 0, "with": 0}
    sent = iter(range(100_000, 10**9))
    service = OWN_SERVICE if kind == "owned" else SERVICE_CODE

    def request() -> desk.OpenCaseRequest:
        return desk.OpenCaseRequest(
            service_code=service,
            applicant_national_code=applicant(next(sent)),
            postal_code="1316943891",
            channel="web",
        )

    opened = [grpc.aio.secure_channel(target, creds) for _ in range(channels)]
    if kind == "owned":
        await catalogue_pb2_grpc.CatalogueServiceStub(opened[0]).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(
                service_code=OWN_SERVICE, spec=spec_proto(owner_agency="ZZZ")
            )
        )
    stubs = [servicedesk_pb2_grpc.ServiceDeskServiceStub(c) for c in opened]
    warm = asyncio.Event()

    async def caller(stub: servicedesk_pb2_grpc.ServiceDeskServiceStub) -> None:
        while not os.path.exists(stop):
            try:
                await stub.OpenCase(request(), timeout=30)
                code = "OK"
            except grpc.aio.AioRpcError as error:
                code = error.code().name
                if code == "RESOURCE_EXHAUSTED" and retry_info["seen"] < 200:
                    retry_info["seen"] += 1
                    status = rpc_status.from_call(error)
                    retry_info["with"] += any(
                        d.type_url.endswith("google.rpc.RetryInfo") for d in status.details
                    ) if status else 0  # fmt: skip
            codes[code] = codes.get(code, 0) + 1
            if not warm.is_set() and sum(codes.values()) >= 500:
                warm.set()

    begun = time.perf_counter()
    tasks = [asyncio.create_task(caller(stubs[i % channels])) for i in range(flooders)]
    await warm.wait()
    print("ready", flush=True)
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - begun
    for channel in opened:
        await channel.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    seen = retry_info["seen"]
    print(
        json.dumps(
            {
                "codes": codes,
                "seconds": seconds,
                "cpu": usage.ru_utime + usage.ru_stime,
                "retry_info": retry_info["with"] == seen if seen else None,
            }
        ),
        flush=True,
    )


# -- the command --------------------------------------------------------------------------


def _median_line(runs: list[Run]) -> str:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    return (
        f"median of {len(runs)} runs: victim OpenCase p50 quiet"
        f" {med([r.quiet.p50_ms for r in runs]):.2f} ms, flood"
        f" {med([r.flood.p50_ms for r in runs]):.2f} ms; p99 quiet"
        f" {med([r.quiet.p99_ms for r in runs]):.2f} ms, flood"
        f" {med([r.flood.p99_ms for r in runs]):.2f} ms; p50 ratio"
        f" {med([r.ratio for r in runs]):.2f} (goal <= {GOAL}:"
        f" {'met' if med([r.ratio for r in runs]) <= GOAL else 'NOT met'});"
        f" flood {med([r.flood_rate for r in runs]):.0f} calls/s"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--flooder":
        ca, key, cert, target, flooders, channels, stop, kind = sys.argv[2:10]
        asyncio.run(_flood(ca, key, cert, target, int(flooders), int(channels), stop, kind))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300, help="victim calls per phase")
    parser.add_argument("--flooders", type=int, default=32, help="flooder's concurrent callers")
    parser.add_argument("--channels", type=int, default=1, help="flooder's connections")
    parser.add_argument("--runs", type=int, default=1, help="whole runs; the median is printed")
    parser.add_argument("--quick", action="store_true", help="100 calls a phase, one run")
    parser.add_argument(
        "--flood",
        choices=("refused", "foreign", "owned"),
        default="refused",
        help="refused: ZZZ has no grant; foreign: may call OpenCase for MOJ's service but is"
        " refused as not its owner; owned: opens real cases of its own service",
    )
    parser.add_argument(
        "--hub-env", action="append", default=[], metavar="NAME=VALUE", help="hub setting"
    )
    args = parser.parse_args()
    calls = 100 if args.quick else args.calls
    hub_env = dict(item.split("=", 1) for item in args.hub_env)
    print(
        f"flood benchmark: {calls} victim calls a phase, {args.flooders} flooders on"
        f" {args.channels} connection(s), {args.flood} calls,"
        f" {os.cpu_count()} CPUs, hub settings {hub_env or '-'}",
        flush=True,
    )
    runs = []
    for i in range(1 if args.quick else args.runs):
        result = asyncio.run(run(calls, args.flooders, args.channels, hub_env, args.flood))
        runs.append(result)
        print(f"run {i + 1}: {result.line()}", flush=True)
    print(_median_line(runs))


if __name__ == "__main__":
    main()
