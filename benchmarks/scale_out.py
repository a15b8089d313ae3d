"""Scale-out: the case benchmark against N ``tabadol serve`` processes on one PostgreSQL
database, N = 1 and N = 2 (or ``--replicas``) in the same run.

Run:  .venv/bin/python -m benchmarks.scale_out [--replicas 1,2] [--cases 200] [--concurrency 16]
          [--rounds 1] [--hub-env NAME=VALUE ...]
      .venv/bin/python -m benchmarks.scale_out --quick          # 40 cases, N = 1 and 2

Each N gets a new database, N real ``tabadol serve`` processes sharing the signing,
public and pseudonym keys (as an operator deploys replicas; one of them leads), the five
reference simulators (shared by every N) and the load generator of
:mod:`benchmarks.cases` in its own process, which spreads the cases round-robin over the
replicas (a case's calls stay on one). The replicas run no projections (``TABADOL_PROJECTIONS
=workers`` with no worker), so the figures compare with :mod:`benchmarks.cases`. Printed for each N: the case benchmark's table,
the serve processes' CPU during the cases (from ``/proc``), the writers' commands per
transaction (from their ``/metrics``), and cases/s against N = 1 of the same round.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from benchmarks._support import temporary_store
from benchmarks.cases import HUB_ENV, MD, SERVICE, SPEC, _report, generate
from hub.config import EXCHANGE_SETTINGS
from hub.demo.exchanges import SimulatorProcesses
from tests.hubs import Serve, shared_keys, spawn_serve

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


async def _writer(replicas: list[Serve]) -> tuple[float, float]:
    """Commands and transactions the replicas' writers finished so far."""
    commands = batches = 0.0
    for serve in replicas:
        commands += await serve.metric("tabadol_writer_commands_total", outcome="ok")
        batches += await serve.metric("tabadol_writer_batch_size_count")
    return commands, batches


async def one_round(
    n: int, cases: int, concurrency: int, targets: dict[str, str], hub_env: dict[str, str]
) -> float:
    """N replicas, one run of the cases; returns cases/s."""
    with tempfile.TemporaryDirectory(prefix=f"tabadol-bench-scale-{n}-") as tmp_dir:
        tmp = Path(tmp_dir)
        url, drop = temporary_store("postgres", tmp)
        env = {
            **shared_keys(tmp / "shared"),
            "TABADOL_EVENT_STORE": url,
            # the views are built by `tabadol project` workers (none run here), as in
            # benchmarks.cases, whose in-process hub runs no projections either
            "TABADOL_PROJECTIONS": "workers",
            **{EXCHANGE_SETTINGS[system]: target for system, target in targets.items()},
            **hub_env,
        }
        replicas = [spawn_serve(tmp / f"replica-{i}", env) for i in range(n)]
        try:
            await asyncio.gather(*(serve.wait_serving(within=120) for serve in replicas))
            async with grpc.aio.insecure_channel(replicas[0].target) as channel:
                await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
                    cat.RegisterServiceRecordRequest(service_code=SERVICE, spec=SPEC),
                    metadata=MD,
                )
            cpu = commands = batches = hub_cpu = 0.0

            def serving_cpu() -> float:
                return sum(_cpu_seconds(serve.process.pid) for serve in replicas)

            async def started() -> None:
                nonlocal cpu, commands, batches
                cpu = serving_cpu()
                commands, batches = await _writer(replicas)

            async def done() -> None:
                nonlocal hub_cpu, commands, batches
                hub_cpu = serving_cpu() - cpu
                total, transactions = await _writer(replicas)
                commands, batches = total - commands, transactions - batches

            result = await generate(
                ",".join(serve.target for serve in replicas),
                targets,
                cases,
                concurrency,
                started=started,
                done=done,
            )
        finally:
            for serve in replicas:
                serve.stop()
            drop()
    print(f"\n=== {n} serve process(es) on one PostgreSQL database; load {os.getloadavg()}")
    _report(result, cases, concurrency, "postgres", commands, batches, hub_cpu)
    return float(cases / result["case_seconds"])


async def run(
    replicas: list[int], cases: int, concurrency: int, rounds: int, hub_env: dict[str, str]
) -> None:
    with tempfile.TemporaryDirectory(prefix="tabadol-bench-scale-") as tmp_dir:
        sims = SimulatorProcesses(Path(tmp_dir) / "simulators")
        targets = await sims.start_all()
        rates: dict[int, list[float]] = {n: [] for n in replicas}
        try:
            for _ in range(rounds):
                for n in replicas:
                    started = time.monotonic()
                    rates[n].append(await one_round(n, cases, concurrency, targets, hub_env))
                    print(f"(round of {n}: {time.monotonic() - started:.0f} s)")
        finally:
            await sims.stop_all()
    base = max(rates[replicas[0]])
    print(f"\n{'serve processes':<16} {'best cases/s':>13} {'÷ first':>8}")
    for n in replicas:
        print(f"{n:<16} {max(rates[n]):>13.1f} {max(rates[n]) / base:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", default="1,2", help="comma-separated counts (1,2)")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="40 cases (under 30 s)")
    parser.add_argument(
        "--hub-env", action="append", default=[], metavar="NAME=VALUE", help="a hub setting"
    )
    args = parser.parse_args()
    replicas = [int(n) for n in args.replicas.split(",")]
    hub_env = HUB_ENV | dict(item.split("=", 1) for item in args.hub_env)
    cases = 40 if args.quick else args.cases
    asyncio.run(run(replicas, cases, args.concurrency, args.rounds, hub_env))


if __name__ == "__main__":
    main()
