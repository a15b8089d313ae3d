"""The exchanges in ``tabadol demo``: cases that verify identity, make inquiries and pay
their fee against the reference simulators, each run as its own process.

- :class:`SimulatorProcesses` starts ``python -m connectors.simulators <system>`` on free
  ports, serving mutual TLS with a certificate of the demo's CA when given one
  (:data:`SYSTEM_PRINCIPALS`), and stops and restarts them (the treasury keeps its payments
  in a state file);
- :func:`drive_case` runs one case over gRPC, from opening to delivery;
- :func:`run_exchange_demo` drives the demo's cases, with one outage of the treasury in
  the middle (failures recorded, the cases finish after it restarts) and one payment
  reconciled by its idempotency key after a simulated crash.

Clients are wired by :func:`hub.bootstrap.connect_clients`, the one place that names
concrete connector clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from connectors import identity, synthetic, treasury
from connectors.civil_registry import Person
from connectors.deeds_registry.records import LegalPerson
from connectors.identity.client import IdentityProviderClient
from connectors.postal_code.records import PostalAddress
from connectors.systems import SYSTEMS
from connectors.treasury.client import TreasuryClient
from hub.config import EXCHANGE_SETTINGS as SYSTEM_SETTINGS
from hub.servicers.auth import AGENCY_HEADER
from hub.testing import HUB_PRINCIPAL, DevPki, free_port

__all__ = [
    "SYSTEM_PRINCIPALS",
    "WORLD_PRINCIPAL",
    "DemoWorld",
    "Prepared",
    "SimulatorProcesses",
    "drive_case",
    "finish_case",
    "prepare_case",
    "run_exchange_demo",
]

NATIONAL_WINDOW = "MYGOV"
DEMO_SEED = 1405  # the simulators' default seed: the demo's applicants exist there
_READY_TIMEOUT = 20.0
_STOP_TIMEOUT = 5.0
_PORT_ATTEMPTS = 3
_REQ, _PROD, _DELIV = cat.STAGE_REQUEST, cat.STAGE_PRODUCTION, cat.STAGE_DELIVERY

_RECONNECT_GRACE_SECONDS = 1.5  # longer than the connectors' reconnect backoff cap

SYSTEM_PRINCIPALS: dict[str, str] = {
    "civil-registry": "agency:NOCR",  # سازمان ثبت احوال
    "deeds-registry": "agency:SSAA",  # سازمان ثبت اسناد و املاک
    "postal-code": "agency:POST",
    "identity": "window:MYGOV",  # the national window's identity provider
    "treasury": "agency:TREASURY",  # خزانه‌داری کل کشور
}
"""The principal whose certificate each simulator serves TLS with."""
WORLD_PRINCIPAL = f"window:{NATIONAL_WINDOW}"
"""Who :class:`DemoWorld` calls the simulators as: the national window's sign-in and the
payment gateway it sends applicants to."""


def _channel(target: str, credentials: grpc.ChannelCredentials | None) -> grpc.aio.Channel:
    if credentials is None:
        return grpc.aio.insecure_channel(target)
    return grpc.aio.secure_channel(target, credentials)


async def _wait_serving(
    target: str,
    process: asyncio.subprocess.Process,
    timeout: float,
    credentials: grpc.ChannelCredentials | None = None,
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with _channel(target, credentials) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"the simulator at {target} exited with {process.returncode}")
            with contextlib.suppress(grpc.aio.AioRpcError):
                reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=0.5)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"the simulator at {target} did not start in {timeout} s")
            await asyncio.sleep(0.1)


@dataclass
class _Running:
    port: int
    process: asyncio.subprocess.Process | None
    log: IO[bytes]


class SimulatorProcesses:
    """The reference simulators, each ``python -m connectors.simulators <system>`` on a
    free loopback port; a restarted one keeps its port (and the treasury its payments).
    With ``pki`` each serves mutual TLS with its certificate (:data:`SYSTEM_PRINCIPALS`)
    and accepts clients of that CA only."""

    def __init__(
        self, state_dir: Path, *, seed: int = DEMO_SEED, pki: DevPki | None = None
    ) -> None:
        self._dir = state_dir
        self._seed = seed
        self._pki = pki
        self._running: dict[str, _Running] = {}

    def credentials(self, principal: str) -> grpc.ChannelCredentials | None:
        """mTLS credentials of ``principal`` to call the simulators; None when they serve
        plaintext."""
        return self._pki.channel_credentials(principal) if self._pki else None

    @property
    def targets(self) -> dict[str, str]:
        """System name → ``127.0.0.1:port``."""
        return {name: f"127.0.0.1:{run.port}" for name, run in self._running.items()}

    def settings_env(self) -> dict[str, str]:
        """The settings naming every started system, for ``Settings.from_env``."""
        return {SYSTEM_SETTINGS[name]: target for name, target in self.targets.items()}

    async def start_all(self, systems: Sequence[str] = SYSTEMS) -> dict[str, str]:
        """Start ``systems`` side by side; returns their targets."""
        await asyncio.gather(*(self.start(name) for name in systems))
        return self.targets

    async def start(self, system: str) -> str:
        """Start (or restart, on its old port) the simulator of ``system``."""
        if system not in SYSTEMS:
            raise ValueError(f"unknown system {system!r}; expected one of {', '.join(SYSTEMS)}")
        self._dir.mkdir(parents=True, exist_ok=True)
        known = self._running.get(system)
        if known is not None:
            return await self._start_on(system, known.port)
        for attempt in range(_PORT_ATTEMPTS):  # a probed port may be taken before it is bound
            try:
                return await self._start_on(system, free_port())
            except RuntimeError:
                failed = self._running.pop(system, None)
                if failed is not None:
                    failed.log.close()
                if attempt == _PORT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _start_on(self, system: str, port: int) -> str:
        known = self._running.get(system)
        if known is not None and known.process is not None:
            return f"127.0.0.1:{known.port}"
        args = [system, "--port", str(port), "--seed", str(self._seed)]
        if system == "treasury":
            args += ["--state-file", str(self._dir / "treasury-payments.json")]
        if self._pki is not None:
            served = self._pki.certificate(SYSTEM_PRINCIPALS[system])
            args += ["--tls-cert", str(served.cert), "--tls-key", str(served.key)]
            args += ["--client-ca", str(self._pki.ca)]
        log = known.log if known is not None else (self._dir / f"{system}.log").open("ab")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "connectors.simulators",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        self._running[system] = _Running(port, process, log)
        target = f"127.0.0.1:{port}"
        try:
            await _wait_serving(target, process, _READY_TIMEOUT, self.credentials(HUB_PRINCIPAL))
        except BaseException:
            await self.stop(system)
            raise
        return target

    async def stop(self, system: str) -> None:
        """Stop the simulator of ``system`` (SIGTERM, then SIGKILL); its port is kept."""
        running = self._running.get(system)
        if running is None or running.process is None:
            return
        process, running.process = running.process, None
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), _STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()

    async def restart(self, system: str) -> str:
        """Stop, then start again on the same port."""
        await self.stop(system)
        return await self.start(system)

    async def stop_all(self) -> None:
        """Stop every simulator and close their logs."""
        await asyncio.gather(*(self.stop(name) for name in list(self._running)))
        for running in self._running.values():
            running.log.close()
        self._running.clear()


# --- one case, driven over gRPC ---------------------------------------------------------


@dataclass
class DemoWorld:
    """What the demo plays outside the hub: the national window's sign-in (tokens) and the
    applicant paying at the Shetab gateway (settling), plus the simulators' people."""

    identity: IdentityProviderClient
    treasury: TreasuryClient
    people: list[Person]
    companies: list[LegalPerson]
    places: list[PostalAddress]

    @classmethod
    async def connect(cls, simulators: SimulatorProcesses, *, seed: int = DEMO_SEED) -> DemoWorld:
        """Clients of the identity provider and the treasury, as :data:`WORLD_PRINCIPAL`."""
        targets, tls = simulators.targets, simulators.credentials(WORLD_PRINCIPAL)
        # retries that outlast a channel's reconnect backoff after the treasury's outage
        return cls(
            identity=await identity.connect(
                targets["identity"], agency=NATIONAL_WINDOW, retries=6, backoff=0.3, credentials=tls
            ),
            treasury=await treasury.connect(
                targets["treasury"], agency=NATIONAL_WINDOW, retries=6, backoff=0.3, credentials=tls
            ),
            people=[p for p in synthetic.people(seed, 1000) if p.alive],
            companies=[c for c in synthetic.legal_persons(seed, 300) if c.status == "active"],
            places=synthetic.postal_codes(seed, 1000),
        )

    async def close(self) -> None:
        await self.identity.close()
        await self.treasury.close()

    async def sign_in(self, national_code: str, level: int) -> str:
        """The applicant signs in at the national window; the token the agency receives."""
        issued = await self.identity.issue_token(national_code, level)
        return issued.token

    async def pay_at_gateway(self, payment_id: str, tracking_code: str) -> None:
        """The applicant completes the payment at the Shetab gateway."""
        await self.treasury.settle_payment(payment_id, tracking_code=tracking_code)


_CHANNELS = (
    desk.PAYMENT_CHANNEL_AGENCY_SITE,
    desk.PAYMENT_CHANNEL_SHETAB,
    desk.PAYMENT_CHANNEL_POS,
)


def _meta(agency: str) -> tuple[tuple[str, str], ...]:
    return ((AGENCY_HEADER, agency),)


@dataclass(frozen=True)
class Prepared:
    """A case driven up to its payment."""

    code: str
    service_code: str
    spec: cat.ServiceRecordSpec
    fate: str
    national_code: str
    caller: str = ""
    """Who drives the case: its agency (''), or a service counter it was delegated to."""

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return _meta(self.caller or self.spec.owner_agency)


async def prepare_case(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub,
    service_code: str,
    spec: cat.ServiceRecordSpec,
    world: DemoWorld,
    fate: str,
    rng: random.Random,
    *,
    caller: str = "",
) -> Prepared | desk.Case:
    """Open a case, verify the applicant's identity, complete the request stage, make the
    record's inquiries and record the production and delivery steps. A case whose
    ``fate`` is rejected or cancelled ends after the request stage: it is returned.
    ``caller``: a service counter driving the case instead of the agency."""
    person = rng.choice(world.people)
    md = _meta(caller or spec.owner_agency)
    opened = await stub.OpenCase(
        desk.OpenCaseRequest(
            service_code=service_code,
            applicant_national_code=person.national_code,
            postal_code=rng.choice(world.places).postal_code,
            channel=rng.choice(["web", "mobile", "counter"]),
            forms=demo_forms(spec, rng),
        ),
        metadata=md,
    )
    code = opened.case.tracking_code
    token = await world.sign_in(person.national_code, max(spec.identity_level, 2))
    await stub.VerifyApplicantIdentity(
        desk.VerifyApplicantIdentityRequest(tracking_code=code, applicant_token=token),
        metadata=md,
    )
    await _steps(stub, code, spec, _REQ, md)
    await stub.CompleteStage(desk.CompleteStageRequest(tracking_code=code, stage=_REQ), metadata=md)
    if fate == "rejected":
        rejected = await stub.RejectCase(
            desk.RejectCaseRequest(
                tracking_code=code, reason="سوابق استعلام‌شده با درخواست مطابقت ندارد"
            ),
            metadata=md,
        )
        return rejected.case
    if fate == "cancelled":
        cancelled = await stub.CancelCase(
            desk.CancelCaseRequest(tracking_code=code, reason="انصراف متقاضی"), metadata=md
        )
        return cancelled.case
    for kind in spec.required_inquiries:
        request = desk.MakeInquiryRequest(tracking_code=code, kind=kind)
        if kind == cat.INQUIRY_KIND_CIVIL_REGISTRATION and rng.random() < 0.5:
            request.birth_certificate_serial = person.birth_certificate_serial
            request.birth_certificate_series = person.birth_certificate_series
        elif kind == cat.INQUIRY_KIND_CIVIL_REGISTRATION:
            request.birth_date_jalali = person.birth_date_jalali
        elif kind == cat.INQUIRY_KIND_DEEDS_REGISTRY:
            request.legal_person_national_id = rng.choice(world.companies).national_id
        else:
            request.postal_code = rng.choice(world.places).postal_code
        await stub.MakeInquiry(request, metadata=md)
    await _steps(stub, code, spec, _PROD, md)
    await stub.CompleteStage(
        desk.CompleteStageRequest(tracking_code=code, stage=_PROD), metadata=md
    )
    await _steps(stub, code, spec, _DELIV, md)
    return Prepared(code, service_code, spec, fate, person.national_code, caller)


def demo_forms(spec: cat.ServiceRecordSpec, rng: random.Random) -> list[desk.FormData]:
    """The applicant's e-forms for a demo service: what each form's schema asks for."""
    values: dict[str, object] = {
        "purpose": "ارائه به کارفرما",
        "tax_year": 1404,
        "declaration_number": f"{rng.randrange(10**8, 10**9)}",
        "membership_number": f"IR-{rng.randrange(10**4, 10**5)}",
    }
    forms = []
    for doc in spec.required_documents:
        schema = json.loads(doc.json_schema or "{}")
        data = {k: values[k] for k in schema.get("properties", {}) if k in values}
        forms.append(desk.FormData(document=doc.name, json=json.dumps(data, ensure_ascii=False)))
    return forms


async def _steps(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub,
    code: str,
    spec: cat.ServiceRecordSpec,
    stage: int,
    md: tuple[tuple[str, str], ...],
) -> None:
    for step in (s for s in spec.process if s.stage == stage):
        await stub.RecordStep(
            desk.RecordStepRequest(tracking_code=code, step=step.name), metadata=md
        )


async def pay(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub, world: DemoWorld, case: Prepared
) -> desk.Payment:
    """PayFee; the applicant pays at the gateway; the hub records the settlement."""
    md = case.metadata
    channel = _CHANNELS[sum(map(ord, case.code)) % len(_CHANNELS)]
    paid = await stub.PayFee(
        desk.PayFeeRequest(tracking_code=case.code, channel=channel), metadata=md
    )
    if paid.payment.status == desk.PAYMENT_STATUS_PENDING:
        await world.pay_at_gateway(paid.payment.payment_id, case.code)
    status = await stub.GetPaymentStatus(
        desk.GetPaymentStatusRequest(tracking_code=case.code), metadata=md
    )
    return status.payment


async def finish_case(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub,
    world: DemoWorld,
    case: Prepared,
    rng: random.Random,
) -> desk.Case:
    """Pay the fee, deliver, and (fate rated) rate the service as the national window."""
    if case.spec.HasField("fee"):
        await pay(stub, world, case)
    reply = await stub.DeliverCase(
        desk.DeliverCaseRequest(tracking_code=case.code), metadata=case.metadata
    )
    if case.fate != "rated":
        return reply.case
    rated = await stub.RateSatisfaction(
        desk.RateSatisfactionRequest(
            tracking_code=case.code,
            score=rng.choice([3, 4, 4, 5, 5]),
            comment="سریع و بدون مراجعه حضوری",
        ),
        metadata=_meta(WORLD_PRINCIPAL),
    )
    return rated.case


async def drive_case(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub,
    service_code: str,
    spec: cat.ServiceRecordSpec,
    world: DemoWorld,
    fate: str,
    rng: random.Random,
) -> desk.Case:
    """One case from opening to its ``fate`` (rated, delivered, rejected or cancelled):
    identity, the record's inquiries and its fee against the simulators, and the stages."""
    prepared = await prepare_case(stub, service_code, spec, world, fate, rng)
    if isinstance(prepared, desk.Case):
        return prepared
    return await finish_case(stub, world, prepared, rng)


# --- the demo's exchanges ---------------------------------------------------------------


async def run_exchange_demo(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub,
    records: Mapping[str, cat.ServiceRecordSpec],
    simulators: SimulatorProcesses,
    *,
    cases: int,
    fates: Sequence[str],
    rng: random.Random,
    outage_cases: int = 3,
    out: Callable[[str], None] = print,
) -> list[desk.Case]:
    """Drive ``cases`` cases over gRPC against the simulators; return them in order.

    The last ``outage_cases`` paying cases meet a stopped treasury at PayFee: each failure
    is recorded on its case (UNAVAILABLE). Once the treasury is back, the first of them
    plays a crash between paying and recording: its payment reaches the treasury under
    the case's derived key while the hub holds only the intent, and ReconcilePayments
    records it. Then every waiting case pays (never twice) and finishes.
    """
    world = await DemoWorld.connect(simulators)
    items = list(records.items())
    done: list[desk.Case] = []
    parked: list[tuple[int, Prepared]] = []
    outage_from = max(0, cases - outage_cases)
    try:
        for i in range(cases):
            service_code, spec = items[i % len(items)]
            prepared = await prepare_case(
                stub, service_code, spec, world, fates[i % len(fates)], rng
            )
            if isinstance(prepared, desk.Case):
                done.append(prepared)
            elif i < outage_from or not spec.HasField("fee"):
                done.append(await finish_case(stub, world, prepared, rng))
            else:
                if not parked:
                    await simulators.stop("treasury")
                    out("\nthe treasury stops: payments fail, and each failure is recorded")
                await _pay_while_down(stub, prepared, out)
                parked.append((len(done), prepared))
                done.append(desk.Case())  # filled in once the treasury is back
        if parked:
            await simulators.start("treasury")
            # Channels that failed during the outage reconnect within their backoff (≤ 1 s).
            await asyncio.sleep(_RECONNECT_GRACE_SECONDS)
            out("the treasury is back; the waiting cases pay under the same keys and finish")
            await _reconcile_after_crash(stub, world, parked[0][1], out)
            for index, prepared in parked:
                done[index] = await finish_case(stub, world, prepared, rng)
                got = await stub.GetCase(
                    desk.GetCaseRequest(tracking_code=prepared.code), metadata=prepared.metadata
                )
                paid = got.case.payment
                status = desk.PaymentStatus.Name(paid.status).removeprefix("PAYMENT_STATUS_")
                out(
                    f"  {prepared.code}: payment {paid.payment_id} ({paid.idempotency_key})"
                    f" {status.lower()}, case {desk.CaseStatus.Name(got.case.status)[12:].lower()}"
                )
    finally:
        await world.close()
    return done


async def _pay_while_down(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub,
    case: Prepared,
    out: Callable[[str], None],
) -> None:
    try:
        await stub.PayFee(desk.PayFeeRequest(tracking_code=case.code), metadata=case.metadata)
    except grpc.aio.AioRpcError as error:
        out(f"  PayFee {case.code}: {error.code().name}")
    else:  # pragma: no cover - the treasury is stopped
        raise RuntimeError("PayFee succeeded while the treasury was down")
    got = await stub.GetCase(desk.GetCaseRequest(tracking_code=case.code), metadata=case.metadata)
    last = got.case.timeline[-1]
    out(f"    recorded: {last.kind}: {last.note[:90]}")


async def _reconcile_after_crash(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub,
    world: DemoWorld,
    case: Prepared,
    out: Callable[[str], None],
) -> None:
    got = await stub.GetCase(desk.GetCaseRequest(tracking_code=case.code), metadata=case.metadata)
    intent = got.case.payment
    made = await world.treasury.create_payment(
        idempotency_key=intent.idempotency_key,
        amount_rials=intent.amount_rials,
        revenue_account=intent.revenue_account,
        payer_national_code=case.national_code,
        reference=case.code,
    )
    out(
        f"  as after a crash: payment {made.payment_id} reached the treasury under key"
        f" {intent.idempotency_key}, the hub holds only the intent"
    )
    report = await stub.ReconcilePayments(desk.ReconcilePaymentsRequest(), metadata=case.metadata)
    out(
        f"  ReconcilePayments: examined {report.examined}, found {report.pending + report.settled},"
        f" not yet made {report.not_made}"
    )
