"""``tabadol demo``: a hub on a free port, real cases through gRPC, a verified trail.

The demo runs as production does, under mutual TLS: a development CA in ``<data>/pki``
(``tabadol pki init``'s code), a certificate for the hub, for each reference simulator and
for every caller (:mod:`hub.demo.callers`); a rights table seeded from ``<data>/rights.json``
(:data:`hub.demo.trust.DEMO_RIGHTS`, imported once as signed events) and nothing allowed
beyond it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.monitoring.v1 import monitoring_pb2 as mon
from tabadol.monitoring.v1 import monitoring_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.identifiers import Sheba
from hub.application.rights import cli_operator
from hub.audit.anchors import anchor_store_for, timestamp_of, witnessed_note
from hub.audit.bundles import build_bundle
from hub.audit.checkpoints import Checkpointer
from hub.audit.verification import verify_source
from hub.bootstrap import (
    Running,
    build_hub,
    configure_participation,
    connect_identity_verifier,
    connect_representation,
    create_server,
    projection_options,
    start_http,
    supervise_embedded,
)
from hub.config import APP_NAME, Settings
from hub.demo.anchors import AnchorProcesses
from hub.demo.callers import CallerChannels, as_caller
from hub.demo.consultation import run_consultation_demo
from hub.demo.counters import run_counters_demo
from hub.demo.exchanges import (
    SYSTEM_PRINCIPALS,
    WORLD_PRINCIPAL,
    DemoWorld,
    SimulatorProcesses,
    demo_forms,
    run_exchange_demo,
)
from hub.demo.programme import run_programme_demo
from hub.demo.regulations import run_bill_call_demo, run_petition_demo, run_registries_demo
from hub.demo.signatures import SIGNING_AGENCY, run_signed_requests_demo
from hub.demo.trust import (
    DEMO_RIGHTS,
    OPEN_CASE_APPLICANT,
    applicant_reads,
    refused_read,
    write_rights,
)
from hub.streams.projector import EmbeddedProjections
from hub.testing import HUB_PRINCIPAL, DevPki, ManualClock
from hub.trail.agency_signatures import AgencyKeyRing
from hub.trail.bundle import verify_bundle
from hub.trail.keys import PublicKeyRing, init_keys, load_history
from hub.trail.timestamps import load_tsa_roots, verify_timestamp
from hub.web.dashboard import dashboard_routes
from hub.web.dashboard.wiring import hub_sources

__all__ = ["DEMO_RECORDS", "DEMO_RIGHTS", "ServeOptions", "Serving", "run_demo"]

_STEP = cat.ProcessStep
_REQ, _PROD, _DELIV = cat.STAGE_REQUEST, cat.STAGE_PRODUCTION, cat.STAGE_DELIVERY


def _form(name: str, schema: Mapping[str, Any]) -> cat.RequiredDocument:
    return cat.RequiredDocument(name=name, json_schema=json.dumps(schema, ensure_ascii=False))


_PURPOSE_FORM = {
    "type": "object",
    "title": "فرم درخواست",
    "properties": {"purpose": {"type": "string", "title": "مورد استفاده"}},
}
_TAX_FORM = {
    "type": "object",
    "title": "اظهارنامه مالیاتی",
    "required": ["tax_year", "declaration_number"],
    "properties": {
        "tax_year": {"type": "integer", "minimum": 1390, "maximum": 1500},
        "declaration_number": {"type": "string", "pattern": "^[0-9]{6,12}$"},
    },
}
_CHAMBER_FORM = {
    "type": "object",
    "title": "گواهی عضویت اتاق",
    "required": ["membership_number"],
    "properties": {"membership_number": {"type": "string", "minLength": 4}},
}

DEMO_RECORDS: dict[str, cat.ServiceRecordSpec] = {
    "13021000101": cat.ServiceRecordSpec(
        title_fa="صدور گواهی عدم سوءپیشینه",
        title_en="Certificate of no criminal record",
        legal_basis="قانون مدیریت خدمات کشوری، ماده ۳۶؛ آیین‌نامه اجرایی ماده ۱۶۴",
        service_type=cat.SERVICE_TYPE_SOVEREIGN,
        owner_agency="MOJ",
        stakeholders=["شهروندان", "اتباع مقیم"],
        required_documents=[_form("فرم درخواست الکترونیکی", _PURPOSE_FORM)],
        required_inquiries=[cat.INQUIRY_KIND_CIVIL_REGISTRATION],
        identity_level=2,
        fee=cat.Fee(
            tariff_rials=1_200_000,
            revenue_account=Sheba.from_bban("0170000000111222333444").value,
            legal_permit="قانون بودجه سال ۱۴۰۵ کل کشور، جدول ۱۴ (تعرفه خدمات قضایی)",
        ),
        in_person_required=False,
        process=[
            _STEP(name="ثبت درخواست", stage=_REQ, time_limit_hours=1),
            _STEP(name="استعلام سوابق", stage=_PROD, time_limit_hours=48),
            _STEP(name="صدور گواهی", stage=_PROD, time_limit_hours=24),
            _STEP(name="ارسال الکترونیکی", stage=_DELIV, time_limit_hours=2),
        ],
        units=["اداره کل سجل کیفری"],
        evaluation_method="نظرسنجی برخط پس از تحویل (۱ تا ۵)",
        time_limit_hours=96,
    ),
    "13021000202": cat.ServiceRecordSpec(
        title_fa="تمدید کارت بازرگانی",
        title_en="Commercial card renewal",
        legal_basis="قانون اصلاح ماده ۳ قانون نظام صنفی و آیین‌نامه کارت بازرگانی",
        service_type=cat.SERVICE_TYPE_SUPPORTIVE,
        owner_agency="MIMT",
        stakeholders=["بازرگانان", "شرکت‌های تجاری"],
        required_documents=[
            _form("اظهارنامه مالیاتی", _TAX_FORM),
            _form("گواهی عضویت اتاق", _CHAMBER_FORM),
        ],
        required_inquiries=[cat.INQUIRY_KIND_CIVIL_REGISTRATION, cat.INQUIRY_KIND_DEEDS_REGISTRY],
        identity_level=3,
        fee=cat.Fee(
            tariff_rials=5_000_000,
            revenue_account=Sheba.from_bban("0100000000999888777666").value,
            legal_permit="آیین‌نامه اجرایی ماده ۱۲ قانون نظام صنفی، تعرفه کارت بازرگانی",
        ),
        in_person_required=False,
        process=[
            _STEP(name="ثبت درخواست", stage=_REQ, time_limit_hours=1),
            _STEP(name="بررسی مدارک", stage=_REQ, time_limit_hours=24),
            _STEP(name="استعلام ثبت شرکت‌ها", stage=_PROD, time_limit_hours=24),
            _STEP(name="صدور کارت", stage=_PROD, time_limit_hours=48),
            _STEP(name="تحویل کارت الکترونیکی", stage=_DELIV, time_limit_hours=4),
        ],
        units=["اداره کل بازرگانی", "اتاق بازرگانی"],
        evaluation_method="نظرسنجی برخط پس از تحویل (۱ تا ۵)",
        time_limit_hours=120,
    ),
}


_meta = as_caller  # who makes a call: CallerChannels sends it with that certificate


def _print_cases(cases: list[desk.Case]) -> None:
    status = {v: k.removeprefix("CASE_STATUS_").lower() for k, v in desk.CaseStatus.items()}
    print(
        f"\n{'tracking code':<20} {'service':<12} {'applicant':<11} {'status':<10}"
        f" {'opened (Jalali)':<20} {'last event (Jalali)':<20} rating"
    )
    print("-" * 106)
    for c in cases:
        rating = str(c.satisfaction.score) if c.HasField("satisfaction") else "-"
        print(
            f"{c.tracking_code:<20} {c.service_code:<12} {c.applicant_masked:<11}"
            f" {status[c.status]:<10}"
            f" {c.timeline[0].at_jalali:<20} {c.timeline[-1].at_jalali:<20} {rating}"
        )


@dataclass(frozen=True)
class Serving:
    """Where the demo's hub answers while it serves, and the demo's PKI, whose
    certificates callers need (it serves mTLS only)."""

    dashboard_url: str
    grpc_target: str
    pki: DevPki

    def credentials(self, principal: str) -> grpc.ChannelCredentials:
        """mTLS credentials of ``principal`` (``agency:MOJ``), issued by the demo's CA."""
        return self.pki.channel_credentials(principal)


@dataclass(frozen=True)
class ServeOptions:
    """``tabadol demo --serve``: after the story, serve the dashboard until ``until`` ends
    (default: Ctrl-C or SIGTERM). ``clock`` is the time the dashboard judges open cases
    against (tests look at the hub "days later")."""

    address: str = "127.0.0.1:8080"
    until: Callable[[Serving], Awaitable[None]] | None = None
    clock: Callable[[], datetime] | None = None


async def run_demo(
    *, cases: int = 24, data_dir: Path | None = None, serve: ServeOptions | None = None
) -> int:
    """Run the whole demo; returns the exit code of the final trail verification."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="tabadol-demo-"))
    pki = DevPki.open(Settings.from_env({"TABADOL_DATA_DIR": str(data_dir)}).pki_dir)
    simulators = SimulatorProcesses(data_dir / "simulators", pki=pki)
    try:
        return await _run_demo(cases, data_dir, pki, simulators, serve)
    finally:
        await simulators.stop_all()


async def _until_interrupted(serving: Serving) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _leave_one_open(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub, rng: random.Random
) -> str:
    """A commercial-card renewal whose documents are still under review: it stays open."""
    opened = await stub.OpenCase(
        desk.OpenCaseRequest(
            service_code="13021000202",
            applicant_national_code=OPEN_CASE_APPLICANT,
            postal_code="1316943891",
            channel="counter",
            forms=demo_forms(DEMO_RECORDS["13021000202"], rng),
        ),
        metadata=_meta("MIMT"),
    )
    code = str(opened.case.tracking_code)
    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ثبت درخواست"), metadata=_meta("MIMT")
    )
    print(f"\none case stays open, its documents under review: {code}")
    return code


async def _print_monitoring(
    stub: monitoring_pb2_grpc.MonitoringServiceStub, tracking_code: str
) -> None:
    """The monitoring views as the national window and the public read them."""
    md = _meta(WORLD_PRINCIPAL)
    status = (
        await stub.GetCaseStatus(
            mon.GetCaseStatusRequest(tracking_code=tracking_code, digits=desk.DIGITS_PERSIAN),
            metadata=md,
        )
    ).case_status
    state = desk.CaseStatus.Name(status.status).removeprefix("CASE_STATUS_").lower()
    print(f"\ncase status by tracking code {status.tracking_code} (the case-status view):")
    print(
        f"  {state}, opened {status.opened_at_jalali}, due {status.due_at_jalali},"
        f" overdue: {'yes' if status.overdue else 'no'}, {len(status.steps)} steps,"
        f" rating {status.score if status.HasField('score') else '-'}"
    )
    kpis = await stub.GetAgencyKpis(mon.GetAgencyKpisRequest(), metadata=md)
    print(f"\nagency KPIs (log position {kpis.position}):")
    print(
        f"{'agency':<8} {'cases':>5} {'delivered':>9} {'median h':>8} {'p90 h':>6}"
        f" {'no visit':>8} {'inquiries':>9} {'electronic':>10} {'satisfaction':>12} {'late':>4}"
    )
    for agency in kpis.agencies:
        t = agency.total

        def fig(name: str, fmt: str, t: mon.Kpis = t) -> str:
            return format(getattr(t, name), fmt) if t.HasField(name) else "n/a"

        print(
            f"{t.agency:<8} {t.cases:>5} {t.delivered:>9} {fig('median_hours_to_delivery', '.3f'):>8}"
            f" {fig('p90_hours_to_delivery', '.3f'):>6} {fig('share_delivered_without_visit', '.0%'):>8}"
            f" {t.inquiries:>9} {fig('share_inquiries_electronic', '.0%'):>10}"
            f" {fig('average_satisfaction', '.2f'):>12} {t.past_time_limit:>4}"
        )
    monthly = await stub.GetMonthlyReport(mon.GetMonthlyReportRequest(), metadata=md)
    print("\nmonthly progress report:")
    for r in monthly.reports:
        print(
            f"  {r.month_fa} ({r.month}) {r.agency}: opened {r.opened}, delivered {r.delivered}"
            f" ({r.delivered_without_visit} without a visit), rejected {r.rejected},"
            f" cancelled {r.cancelled}, inquiries {r.inquiries}, ratings {r.ratings}"
        )
    print("\nnational-window feed (first 8 entries: no content, the applicant as a pseudonym):")
    feed = stub.StreamWindowFeed(mon.StreamWindowFeedRequest(), metadata=md)
    shown = 0
    try:
        async with asyncio.timeout(5):  # the stream is live: stop at 8 entries or when quiet
            async for reply in feed:
                e = reply.entry
                kind = mon.FeedEventKind.Name(e.kind).removeprefix("FEED_EVENT_KIND_").lower()
                print(
                    f"  {e.position:>4} {e.at_jalali} {kind:<16} {e.agency:<5}"
                    f" {e.tracking_code} {e.subject[:12]}… {e.step}"
                )
                shown += 1
                if shown == 8:
                    break
    except TimeoutError:
        pass
    finally:
        feed.cancel()
    data = await stub.GetOpenData(
        mon.GetOpenDataRequest(
            dataset=mon.OPEN_DATASET_AGENCY_KPIS, format=mon.OPEN_DATA_FORMAT_CSV
        ),
        metadata=md,
    )
    print("\nopen data (agency KPIs, CSV):")
    for line in data.data.decode().splitlines()[:3]:
        print(f"  {line}")


async def _run_demo(
    cases: int,
    data_dir: Path,
    pki: DevPki,
    simulators: SimulatorProcesses,
    serve: ServeOptions | None,
) -> int:
    print(f"development CA: {pki.ca} (CRL {pki.crl}); every party below holds a certificate")
    targets = await simulators.start_all()
    print(
        "reference simulators (mTLS): "
        + ", ".join(f"{n} {t} as {SYSTEM_PRINCIPALS[n]}" for n, t in targets.items())
    )
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(data_dir)})
    if not settings.signing_key.exists():
        init_keys(settings.signing_key, settings.public_keys)
    anchors = AnchorProcesses(data_dir / "anchors", settings.public_keys)
    try:
        await anchors.start_all()
        print(f"witnesses: {', '.join(anchors.urls)}; TSA: {anchors.tsa_url}")
        return await _run_anchored_demo(cases, data_dir, pki, simulators, anchors, serve)
    finally:
        await anchors.stop_all()


@contextlib.asynccontextmanager
async def _world(simulators: SimulatorProcesses) -> AsyncIterator[DemoWorld]:
    world = await DemoWorld.connect(simulators)
    try:
        yield world
    finally:
        await world.close()


async def _run_anchored_demo(
    cases: int,
    data_dir: Path,
    pki: DevPki,
    simulators: SimulatorProcesses,
    anchors: AnchorProcesses,
    serve: ServeOptions | None,
) -> int:
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(data_dir),
            "TABADOL_LISTEN": "127.0.0.1:0",
            **pki.tls_env(HUB_PRINCIPAL),
            "TABADOL_ACCESS_RIGHTS": str(write_rights(data_dir / "rights.json")),
            "TABADOL_REQUIRE_AGENCY_SIGNATURES": SIGNING_AGENCY,
            **simulators.settings_env(),
            **anchors.settings_env(),
            **_traces_env(),
        }
    )
    hub = build_hub(settings)
    # The consultation demo moves the calls past their close dates; it starts on the eve of
    # Nowruz 1405 (1404-12-29 10:00 Tehran) so a bill call can open on 1405/01/01.
    clock = ManualClock(datetime(2026, 3, 20, 6, 30, tzinfo=UTC))
    identity = await connect_identity_verifier(settings)  # tokens checked with the provider
    representation = await connect_representation(settings)
    assert identity is not None  # the simulators are configured
    configure_participation(
        hub,
        settings,
        identity[0],
        now=clock,
        representation=representation[0] if representation else None,
    )
    projections = EmbeddedProjections(settings, projection_options(settings))
    views = projections.start()
    try:
        running = await create_server(hub, settings, views=views)
    except BaseException:
        projections.close()
        hub.close()
        raise
    print(
        f"Tabadol hub listening on 127.0.0.1:{running.port} (mTLS as {HUB_PRINCIPAL},"
        f" store: {settings.event_store}); rights seeded from {settings.access_rights}"
    )
    if running.tracing is not None:
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317")
        print(f"traces (TABADOL_OTEL=1): OpenTelemetry spans by OTLP to {endpoint}")
    rng = random.Random(1405)  # noqa: S311 - reproducible fixtures, not secrets
    try:
        supervise_embedded(running, projections, settings)
        sources = hub_sources(
            hub,
            views,
            application_name=APP_NAME,
            audit_log=running.audit_log,
            public_keys=settings.public_keys,
            tsa_roots=settings.tsa_roots,
            clock=serve.clock if serve else None,
        )
        http = await start_http(
            running,
            settings,
            address=serve.address if serve else "127.0.0.1:0",
            extra_routes=dashboard_routes(sources),
        )
        if http is not None:
            print(
                f"dashboard on {http.url}/ (live while the story runs);"
                f" metrics and health on {http.url}/metrics and {http.url}/readyz"
            )
        target = f"127.0.0.1:{running.port}"
        async with (
            CallerChannels(target, pki, default=WORLD_PRINCIPAL) as channel,
            _world(simulators) as world,
        ):
            catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
            stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
            for code, spec in DEMO_RECORDS.items():
                reply = await catalogue.RegisterServiceRecord(
                    cat.RegisterServiceRecordRequest(service_code=code, spec=spec),
                    metadata=_meta(spec.owner_agency),
                )
                print(
                    f"registered service {code} «{spec.title_fa}» revision {reply.record.revision}"
                )
            await run_signed_requests_demo(
                running,
                pki,
                target,
                DEMO_RECORDS["13021000101"],
                by=cli_operator(hub.signer.key_id),
                keys=_agency_keys(settings),
            )
            try:
                await stub.OpenCase(
                    desk.OpenCaseRequest(
                        service_code="13021000101",
                        applicant_national_code="0012345678",
                        postal_code="1316943891",
                        channel="web",
                    ),
                    metadata=_meta("MOJ"),
                )
            except grpc.aio.AioRpcError as error:
                print(
                    f"a mistyped national code is refused: {error.code().name}: {error.details()}"
                )
            fates = [
                "rated",
                "rated",
                "delivered",
                "rated",
                "rejected",
                "rated",
                "cancelled",
                "rated",
            ]
            done = await run_exchange_demo(
                stub, DEMO_RECORDS, simulators, cases=cases, fates=fates, rng=rng
            )
            _print_cases(done)
            still_open = await _leave_one_open(stub, rng)
            await run_registries_demo(channel, world, "13021000101", DEMO_RECORDS["13021000101"])
            await asyncio.to_thread(projections.wait, hub.recorder.max_notification_id() or 0)
            await _print_monitoring(
                monitoring_pb2_grpc.MonitoringServiceStub(channel), done[0].tracking_code
            )
            one = await stub.GetCase(
                desk.GetCaseRequest(
                    tracking_code=done[0].tracking_code, digits=desk.DIGITS_PERSIAN
                ),
                metadata=_meta(WORLD_PRINCIPAL),
            )
            print(
                f"\ntimeline of {one.case.tracking_code} as the national window sees it"
                " (content-free: no notes, inquiries or payment):"
            )
            for entry in one.case.timeline:
                label = entry.step or entry.note
                print(f"  {entry.at_jalali}  {entry.kind:<16} {label}  [{entry.by_agency}]")
            await applicant_reads(stub, world, still_open)
            await refused_read(stub, next(c for c in done if c.agency == "MOJ"))
            await run_counters_demo(channel, world, DEMO_RECORDS)
            delivered = next(c for c in done if c.status == desk.CASE_STATUS_DELIVERED)
            await run_programme_demo(channel, delivered_code=delivered.tracking_code)
            await run_consultation_demo(
                channel,
                clock=clock,
                # while the clock stands before 1405/01/01
                before_close=lambda: run_bill_call_demo(channel),
                sign_in=lambda code: world.sign_in(code, 2),
            )
            await run_petition_demo(channel, clock)
        await running.flush_refusals()  # the refused read's summary, inside the checkpoint
        if running.audit_log is not None:  # a signed tree head over everything the demo did
            await asyncio.to_thread(Checkpointer(running.audit_log, hub.signer).sign)
            await _show_anchored_checkpoint(running, anchors)
            await asyncio.to_thread(
                _show_complete_bundle, running, settings, delivered.tracking_code
            )
        # The trail is verified as an auditor would, offline, before the dashboard is served.
        ok = await asyncio.to_thread(_verify_trail, settings, anchors)
        if serve is not None and http is not None:
            print(
                f"\ndashboard: {http.url}/  metrics: {http.url}/metrics"
                "  (the hub keeps running; Ctrl-C stops it)"
            )
            await (serve.until or _until_interrupted)(
                Serving(f"{http.url}/", f"127.0.0.1:{running.port}", pki)
            )
    finally:
        await running.stop()
        if representation is not None:
            await representation[1]()
        await identity[1]()
        projections.close()
        hub.close()
    return 0 if ok else 1


def _traces_env() -> dict[str, str]:
    """``TABADOL_OTEL`` from the environment, as ``tabadol serve`` reads it (the demo builds
    its own settings); the ``OTEL_*`` variables are read by OpenTelemetry's SDK itself."""
    otel = os.environ.get("TABADOL_OTEL")
    return {"TABADOL_OTEL": otel} if otel is not None else {}


def _agency_keys(settings: Settings) -> Path:
    """Where the demo exports the agencies' keys (``tabadol agency-keys export``)."""
    return settings.data_dir / "keys" / "agency-keys.json"


def _verify_trail(settings: Settings, anchors: AnchorProcesses) -> bool:
    """``tabadol audit verify`` over the demo's store, printed as the CLI prints it."""
    witnesses = " ".join(f"--witness {v}" for v in anchors.vkeys)
    print(
        f"\naudit verify {settings.event_store} --keys {settings.public_keys} {witnesses}"
        f" --tsa-root {anchors.tsa_root} --agency-keys {_agency_keys(settings)}"
    )
    ok, lines = verify_source(
        settings.event_store,
        PublicKeyRing.load(settings.public_keys),
        policy=anchors.policy,
        tsa_roots=load_tsa_roots([anchors.tsa_root]),
        agency_keys=AgencyKeyRing.load(_agency_keys(settings)),
    )
    print("\n".join(lines))
    return ok


def _show_complete_bundle(running: Running, settings: Settings, code: str) -> None:
    """Build a delivered case's evidence bundle and verify it offline, as an auditor would."""
    assert running.audit_log is not None
    bundle = build_bundle(running.audit_log, code, load_history(settings.public_keys))
    path = settings.data_dir / "evidence.json"
    path.write_text(bundle.to_json(), encoding="utf-8")
    report = verify_bundle(path.read_bytes(), PublicKeyRing.load(settings.public_keys))
    print(f"\naudit verify-bundle {path} --keys {settings.public_keys}")
    print(
        f"OK: {report.subject}: {report.events} events in the checkpoint of size"
        f" {report.tree_size}; complete: the checkpoint's aggregate map proves these are all"
        f" the events of {report.kind} {report.subject}"
    )


async def _show_anchored_checkpoint(running: Running, anchors: AnchorProcesses) -> None:
    """Wait (≤ 20 s) until the latest checkpoint is cosigned by both witnesses and
    timestamped, then print it as an auditor receives it."""
    assert running.audit_log is not None
    log = running.audit_log
    store = anchor_store_for(log.recorder)
    latest = log.store.latest()
    if latest is None:
        return
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        mine = await asyncio.to_thread(store.for_size, latest.tree_size)
        cosigned = {a.authority for a in mine if a.kind == "cosignature"}
        stamped = timestamp_of(mine)
        if len(cosigned) == len(anchors.vkeys) and stamped is not None:
            break
        if asyncio.get_running_loop().time() > deadline:
            print("\nthe witnesses or the TSA did not answer in 20 s: see the anchors logs")
            break
        await asyncio.sleep(0.1)
    print("\nwitnessed checkpoint (C2SP tlog-checkpoint + tlog-cosignature):")
    print(witnessed_note(latest.note, mine), end="")
    if stamped is not None:
        info = verify_timestamp(stamped.value, latest.note, load_tsa_roots([anchors.tsa_root]))
        print(f"RFC 3161 timestamp: {info.describe()} (serial {info.serial})")
