"""Case benchmark: whole service cases end to end over gRPC, against the reference
simulators, beside a bare gRPC call (the health Check) measured in the same run.

Run:  .venv/bin/python -m benchmarks.cases [--cases 200] [--concurrency 16] [--store sqlite|postgres]
          [--hub-env NAME=VALUE ...]
      .venv/bin/python -m benchmarks.cases --quick          # 40 cases, under 30 s

One case is: OpenCase, VerifyApplicantIdentity, MakeInquiry x2 (civil registration and
deeds registry), PayFee, the applicant paying at the gateway (the treasury simulator's
SettlePayment, outside the hub), GetPaymentStatus, RecordStep + CompleteStage for the
request and production stages, RecordStep for delivery, DeliverCase: 12 hub RPCs and 6
calls from the hub to other systems. One agency sends all the load, so the hub's
per-principal rate limit (200 calls/s by default, ~17 cases/s) is lifted (HUB_ENV);
``--hub-env TABADOL_RATE_LIMIT=200`` measures with the shipped default. The hub runs in this process (one event loop and
its writer thread, as a hub replica serves); the load generator runs in its own process,
as agencies would, and so do the five simulators. Tokens are minted before the clock
starts (the applicant signs in before the case). The writer's group commit is reported:
commands per transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.identifiers import Sheba
from benchmarks._support import temporary_store
from connectors import identity, synthetic, treasury
from hub.application.hub import TabadolHub
from hub.bootstrap import connect_clients, create_server
from hub.config import Settings
from hub.demo.exchanges import SimulatorProcesses
from hub.testing import dev_env
from hub.trail.keys import init_keys

T = TypeVar("T")
HUB_ENV = {"TABADOL_RATE_LIMIT": "1000000", "TABADOL_RATE_BURST": "1000000"}
"""The hub's settings for this benchmark beside its defaults: throughput, not admission."""
AGENCY = "MIMT"
MD = (("x-tabadol-agency", AGENCY),)
SERVICE = "13021000202"
STEPS = [("ثبت درخواست", cat.STAGE_REQUEST), ("استعلام", cat.STAGE_PRODUCTION)]
SPEC = cat.ServiceRecordSpec(
    title_fa="تمدید کارت بازرگانی",
    title_en="Commercial card renewal",
    legal_basis="آیین‌نامه کارت بازرگانی",
    service_type=cat.SERVICE_TYPE_SUPPORTIVE,
    owner_agency=AGENCY,
    stakeholders=["بازرگانان"],
    required_documents=[
        cat.RequiredDocument(name="اظهارنامه", json_schema=json.dumps({"type": "object"}))
    ],
    required_inquiries=[cat.INQUIRY_KIND_CIVIL_REGISTRATION, cat.INQUIRY_KIND_DEEDS_REGISTRY],
    identity_level=2,
    fee=cat.Fee(
        tariff_rials=5_000_000,
        revenue_account=Sheba.from_bban("0100000000999888777666").value,
        legal_permit="قانون بودجه سال ۱۴۰۵ کل کشور، جدول تعرفه‌ها",
    ),
    in_person_required=False,
    process=[
        cat.ProcessStep(name="ثبت درخواست", stage=cat.STAGE_REQUEST, time_limit_hours=1),
        cat.ProcessStep(name="استعلام", stage=cat.STAGE_PRODUCTION, time_limit_hours=24),
        cat.ProcessStep(name="تحویل", stage=cat.STAGE_DELIVERY, time_limit_hours=4),
    ],
    units=["اداره کل بازرگانی"],
    evaluation_method="نظرسنجی برخط",
    time_limit_hours=120,
)


class Timings:
    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)

    async def __call__(self, name: str, call: Awaitable[T]) -> T:
        start = time.perf_counter()
        result = await call
        self.samples[name].append(time.perf_counter() - start)
        return result


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def _case(
    stub: Any, gateway: Any, person: Any, company: Any, token: str, timed: Timings
) -> None:
    opened = await timed(
        "OpenCase",
        stub.OpenCase(
            desk.OpenCaseRequest(
                service_code=SERVICE,
                applicant_national_code=person.national_code,
                postal_code="1316943891",
                channel="api",
            ),
            metadata=MD,
        ),
    )
    code = opened.case.tracking_code
    await timed(
        "VerifyApplicantIdentity",
        stub.VerifyApplicantIdentity(
            desk.VerifyApplicantIdentityRequest(tracking_code=code, applicant_token=token),
            metadata=MD,
        ),
    )
    await timed(
        "MakeInquiry",
        stub.MakeInquiry(
            desk.MakeInquiryRequest(
                tracking_code=code,
                kind=cat.INQUIRY_KIND_CIVIL_REGISTRATION,
                birth_date_jalali=person.birth_date_jalali,
            ),
            metadata=MD,
        ),
    )
    await timed(
        "MakeInquiry",
        stub.MakeInquiry(
            desk.MakeInquiryRequest(
                tracking_code=code,
                kind=cat.INQUIRY_KIND_DEEDS_REGISTRY,
                legal_person_national_id=company.national_id,
            ),
            metadata=MD,
        ),
    )
    paid = await timed("PayFee", stub.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD))
    await timed(
        "(gateway settles)",
        gateway.settle_payment(paid.payment.payment_id, tracking_code=code),
    )
    status = await timed(
        "GetPaymentStatus",
        stub.GetPaymentStatus(desk.GetPaymentStatusRequest(tracking_code=code), metadata=MD),
    )
    assert status.payment.status == desk.PAYMENT_STATUS_SETTLED
    for step, stage in STEPS:
        await timed(
            "RecordStep",
            stub.RecordStep(desk.RecordStepRequest(tracking_code=code, step=step), metadata=MD),
        )
        await timed(
            "CompleteStage",
            stub.CompleteStage(
                desk.CompleteStageRequest(tracking_code=code, stage=stage), metadata=MD
            ),
        )
    await timed(
        "RecordStep",
        stub.RecordStep(desk.RecordStepRequest(tracking_code=code, step="تحویل"), metadata=MD),
    )
    done = await timed(
        "DeliverCase", stub.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD)
    )
    assert done.case.status == desk.CASE_STATUS_DELIVERED


async def _bounded(n: int, concurrency: int, make: Callable[[int], Awaitable[None]]) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await make(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - start


async def load(
    targets: str, identity_url: str, treasury_url: str, cases: int, concurrency: int
) -> dict[str, Any]:
    """The agencies' side, in its own process: warm up, bare health calls, then cases.

    ``targets``: the hub's ``host:port``, or several separated by commas (replicas on one
    store): case ``i`` and bare call ``i`` go to replica ``i mod n``, as a client-side
    round-robin balancer spreads them."""
    channels = [grpc.aio.insecure_channel(target) for target in targets.split(",")]
    idp = await identity.connect(identity_url, agency="MYGOV")
    gateway = await treasury.connect(treasury_url, agency="MYGOV")
    try:
        stubs = [servicedesk_pb2_grpc.ServiceDeskServiceStub(channel) for channel in channels]
        checks = [health_pb2_grpc.HealthStub(channel) for channel in channels]
        rng = random.Random(1405)
        people = [p for p in synthetic.people(1405, 1000) if p.alive]
        companies = [c for c in synthetic.legal_persons(1405, 300) if c.status == "active"]
        warmup = min(10, cases)
        picks = [(rng.choice(people), rng.choice(companies)) for _ in range(cases + warmup)]
        tokens = [
            (await idp.issue_token(p.national_code, 2, ttl_seconds=3600)).token for p, _ in picks
        ]

        async def health_calls(timed: Timings, n: int) -> float:
            async def one(i: int) -> None:
                check = checks[i % len(checks)]
                await timed("health Check", check.Check(health_pb2.HealthCheckRequest()))

            return await _bounded(n, concurrency, one)

        warm = Timings()
        await _bounded(
            warmup,
            concurrency,
            lambda i: _case(
                stubs[i % len(stubs)], gateway, *picks[cases + i], tokens[cases + i], warm
            ),
        )
        await health_calls(warm, 200)
        base = Timings()
        base_seconds = await health_calls(base, cases * RPCS_PER_CASE)
        timed = Timings()
        started = time.perf_counter()
        cpu = time.process_time()
        print("phase cases", flush=True)  # the hub counts its CPU time from here
        case_seconds = await _bounded(
            cases,
            concurrency,
            lambda i: timed(
                "(whole case)",
                _case(stubs[i % len(stubs)], gateway, *picks[i], tokens[i], timed),
            ),
        )
        load_cpu = time.process_time() - cpu
        print("phase done", flush=True)
        return {
            "base": base.samples,
            "base_seconds": base_seconds,
            "timed": timed.samples,
            "case_seconds": case_seconds,
            "started": started,
            "load_cpu": load_cpu,
        }
    finally:
        await idp.close()
        await gateway.close()
        for channel in channels:
            await channel.close()


RPCS_PER_CASE = 12


async def generate(
    hub_targets: str,
    systems: Mapping[str, str],
    cases: int,
    concurrency: int,
    *,
    started: Callable[[], Awaitable[None]],
    done: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """Run :func:`load` in its own process against ``hub_targets``; ``started`` and ``done``
    are awaited when its cases begin and end (to count the hub's CPU between them)."""
    generator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.cases", "--load", hub_targets,
        systems["identity"], systems["treasury"],
        "--cases", str(cases), "--concurrency", str(concurrency),
        stdout=asyncio.subprocess.PIPE, limit=1 << 26,
    )  # fmt: skip
    assert generator.stdout is not None
    last = ""
    while line := (await generator.stdout.readline()).decode():
        if line.startswith("phase cases"):
            await started()
        elif line.startswith("phase done"):
            await done()
        else:
            last = line
    if await generator.wait():
        raise SystemExit("the load generator failed")
    result: dict[str, Any] = json.loads(last)
    return result


async def run(cases: int, concurrency: int, store: str, hub_env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory(prefix="tabadol-bench-cases-") as tmp_dir:
        tmp = Path(tmp_dir)
        sims = SimulatorProcesses(tmp / "simulators")
        targets = await sims.start_all()
        url, drop = temporary_store(store, tmp)
        settings = Settings.from_env(
            {
                "TABADOL_DATA_DIR": str(tmp / "data"),
                "TABADOL_EVENT_STORE": url,
                "TABADOL_LISTEN": "127.0.0.1:0",
                **dev_env(tmp),
                **hub_env,
            }
        )
        hub = TabadolHub(
            init_keys(settings.signing_key, settings.public_keys),
            env=settings.eventsourcing_env(),
        )
        running = await create_server(hub, settings, clients=connect_clients(targets))
        executor, port = running.executor, running.port
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        try:
            await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=SERVICE, spec=SPEC), metadata=MD
            )
            gc.freeze()  # as `tabadol serve` does once it has started
            cpu = commands = batches = 0.0

            def counted() -> tuple[float, int, int]:
                return time.process_time(), executor.commands, executor.batches

            async def started() -> None:
                nonlocal cpu, commands, batches
                cpu, commands, batches = counted()

            async def done() -> None:
                nonlocal hub_cpu, commands, batches
                now, total, transactions = counted()
                hub_cpu, commands, batches = now - cpu, total - commands, transactions - batches

            hub_cpu = 0.0
            result = await generate(
                f"127.0.0.1:{port}", targets, cases, concurrency, started=started, done=done
            )
        finally:
            await channel.close()
            await running.stop(grace=0)
            hub.close()
            await sims.stop_all()
            drop()
    print(f"hub settings: {hub_env}; load average {os.getloadavg()}")
    _report(result, cases, concurrency, store, commands, batches, hub_cpu)


def _report(
    result: dict[str, Any],
    cases: int,
    concurrency: int,
    store: str,
    commands: float,
    batches: float,
    hub_cpu: float,
) -> None:
    bare = result["base"]["health Check"]
    timed: dict[str, list[float]] = result["timed"]
    base_seconds, case_seconds = result["base_seconds"], result["case_seconds"]
    bare_p50 = _pct(bare, 0.5)
    print(
        f"store: {store}; {cases} cases, {concurrency} in flight; load generator in its own"
        f" process; python {sys.version.split()[0]}"
    )
    print(f"\n{'call':<26} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'p50 / bare':>11}")
    print("-" * 63)
    for name, values in [("health Check (bare)", bare), *timed.items()]:
        print(
            f"{name:<26} {len(values):>6} {_pct(values, 0.5):>8.2f} {_pct(values, 0.99):>8.2f}"
            f" {_pct(values, 0.5) / bare_p50:>10.1f}x"
        )
    hub_rpcs = sum(len(v) for k, v in timed.items() if not k.startswith("("))
    case_rpcs = [v for k, vs in timed.items() if not k.startswith("(") for v in vs]
    cases_per_s = cases / case_seconds
    print(
        f"\nfull cases:       {cases_per_s:8.1f} cases/s  ({hub_rpcs / case_seconds:7.0f} hub RPC/s,"
        f" {RPCS_PER_CASE} RPCs per case)"
    )
    print(f"bare health Check: {len(bare) / base_seconds:7.0f} RPC/s")
    print(
        f"ratio: hub RPC/s within full cases = {hub_rpcs / case_seconds / (len(bare) / base_seconds):.2f}"
        f" x bare; a case costs the time of {(len(bare) / base_seconds) / cases_per_s:.0f} bare calls"
    )
    print(f"every case RPC: p50 {_pct(case_rpcs, 0.5):.1f} ms, p99 {_pct(case_rpcs, 0.99):.1f} ms")
    print(
        f"writer: {commands:.0f} commands in {batches:.0f} transactions"
        f" ({commands / max(batches, 1):.1f} per transaction)"
    )
    print(
        f"CPU during the cases: hub process {hub_cpu:.2f} s ({hub_cpu / cases * 1000:.1f} ms a case:"
        f" {cases / hub_cpu:.0f} cases/s per core of hub CPU), load generator"
        f" {result['load_cpu']:.2f} s, wall {case_seconds:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="40 cases (under 30 s)")
    parser.add_argument(
        "--hub-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a hub setting (repeatable; the benchmark sets {HUB_ENV})",
    )
    parser.add_argument(
        "--load", nargs=3, metavar=("TARGETS", "IDENTITY", "TREASURY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    cases = 40 if args.quick else args.cases
    if args.load:
        targets, identity_url, treasury_url = args.load
        result = asyncio.run(load(targets, identity_url, treasury_url, cases, args.concurrency))
        print(json.dumps(result))
        return
    hub_env = HUB_ENV | dict(item.split("=", 1) for item in args.hub_env)
    asyncio.run(run(cases, args.concurrency, args.store, hub_env))


if __name__ == "__main__":
    main()
