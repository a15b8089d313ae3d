"""A service case's exchanges over real gRPC: the hub against the five reference
simulators on loopback, on SQLite and on PostgreSQL.

The fixtures here (simulators, an exchange-enabled hub, call counting) are shared with
test_case_exchanges_failures.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.identifiers import TrackingCode, TrackingKind
from connectors import civil_registry, identity, synthetic, treasury
from connectors._codes import luhn_check_digit
from connectors._simulation import Faults
from connectors.civil_registry import simulator as civil_sim
from connectors.deeds_registry import simulator as deeds_sim
from connectors.identity import simulator as identity_sim
from connectors.postal_code import simulator as postal_sim
from connectors.treasury import simulator as treasury_sim
from hub.application.exchanges import CaseExchanges, ExchangeClients, PerAgency
from hub.application.hub import TabadolHub
from hub.audit.export import read_trail
from hub.bootstrap import Running, connect_clients, create_server
from hub.config import Settings
from hub.ledger.executor import Executor
from hub.testing import DEV_SEED_EVENTS, dev_env
from hub.trail.keys import PublicKeyRing, init_keys, load_signer
from hub.trail.verify import verify_trail
from tests.samples import ACCOUNT, AGENCY, SERVICE_CODE, spec_proto

MD = (("x-tabadol-agency", AGENCY),)
SEED = 1405
PEOPLE = [p for p in synthetic.people(SEED, 1000) if p.alive]
APPLICANT = PEOPLE[0]
OTHER_PERSON = PEOPLE[1]
COMPANY = next(c for c in synthetic.legal_persons(SEED, 300) if c.status == "active")
PLACE = synthetic.postal_codes(SEED, 1000)[0]
ALL_INQUIRIES = [
    cat.INQUIRY_KIND_CIVIL_REGISTRATION,
    cat.INQUIRY_KIND_DEEDS_REGISTRY,
    cat.INQUIRY_KIND_POSTAL_CODE,
]
# Short deadlines and backoffs, a breaker that cools down fast: a fault must not wait on
# production timings, and a retry after recovery must find the circuit closed again.
FAST: dict[str, Any] = {
    "timeout": 0.5,
    "retries": 1,
    "backoff": 0.01,
    "max_backoff": 0.02,
    "failure_threshold": 3,
    "cool_down": 0.2,
    # Reconnect within 0.1 s once a stopped simulator is back (these follow, and override,
    # the connectors' own reconnect settings).
    "channel_options": [
        ("grpc.initial_reconnect_backoff_ms", 50),
        ("grpc.min_reconnect_backoff_ms", 50),
        ("grpc.max_reconnect_backoff_ms", 100),
    ],
}
RECONNECT = 0.3  # seconds: enough for the clients' channels to reconnect (see FAST)

Create = Callable[..., Awaitable[tuple[grpc.aio.Server, int]]]
CREATORS: dict[str, Create] = {
    "identity": identity_sim.create_server,
    "civil-registry": civil_sim.create_server,
    "deeds-registry": deeds_sim.create_server,
    "postal-code": postal_sim.create_server,
    "treasury": treasury_sim.create_server,
}


@dataclass
class Simulators:
    """The five simulators on loopback; each can be stopped and started on its port."""

    tmp: Path
    ports: dict[str, int] = field(default_factory=dict)
    faults: dict[str, Faults] = field(default_factory=dict)
    servers: dict[str, grpc.aio.Server] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def targets(self) -> dict[str, str]:
        return {name: f"127.0.0.1:{port}" for name, port in self.ports.items()}

    async def start(self, name: str, **options: Any) -> None:
        self.options.setdefault(name, {}).update(options)
        faults = self.faults.setdefault(name, Faults())
        port = self.ports.get(name, 0)
        extra = dict(self.options[name])
        if name == "treasury":
            extra.setdefault("state_file", self.tmp / "treasury.json")
            extra.setdefault("settle_after", None)  # settled by the gateway (the test), or late
        server, bound = await CREATORS[name](f"127.0.0.1:{port}", faults=faults, **extra)
        self.servers[name], self.ports[name] = server, bound
        if port:  # a restart: let the clients' channels find it again
            await asyncio.sleep(RECONNECT)

    async def stop(self, name: str) -> None:
        await self.servers.pop(name).stop(None)

    async def stop_all(self) -> None:
        for name in list(self.servers):
            await self.stop(name)


@pytest.fixture
async def simulators(tmp_path: Path) -> AsyncIterator[Simulators]:
    sims = Simulators(tmp_path)
    for name in CREATORS:
        await sims.start(name)
    yield sims
    await sims.stop_all()


class CountingPort:
    """A port that counts the calls going out to its system, then forwards them."""

    def __init__(self, system: str, client: Any, calls: Counter[str]) -> None:
        self._system, self._client, self._calls = system, client, calls

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if name == "close" or not callable(target):
            return target

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[self._system] += 1
            return await target(*args, **kwargs)

        return counted


def counting(clients: ExchangeClients, calls: Counter[str]) -> ExchangeClients:
    def wrap(system: str, pool: PerAgency[Any]) -> PerAgency[Any]:
        async def connect(agency: str) -> Any:
            return CountingPort(system, await pool.get(agency), calls)

        return PerAgency(connect)

    wrapped = {
        name: wrap(name, getattr(clients, name))
        for name in ("civil_registry", "deeds_registry", "postal_code", "identity", "treasury")
    }
    return ExchangeClients(**wrapped, failure=clients.failure)


class HubStubs:
    """The hub's stubs on ``self.channel``."""

    channel: grpc.aio.Channel

    @property
    def desk(self) -> Any:
        return servicedesk_pb2_grpc.ServiceDeskServiceStub(self.channel)

    @property
    def catalogue(self) -> Any:
        return catalogue_pb2_grpc.CatalogueServiceStub(self.channel)


@dataclass
class ExchangeHub(HubStubs):
    hub: TabadolHub
    channel: grpc.aio.Channel
    settings: Settings
    exchanges: CaseExchanges
    executor: Executor
    simulators: Simulators
    calls: Counter[str]
    clients: ExchangeClients
    running: Running | None = None

    @property
    def ring(self) -> PublicKeyRing:
        return PublicKeyRing.load(self.settings.public_keys)

    def stored(self) -> int:
        return int(self.hub.recorder.max_notification_id() or 0)


@asynccontextmanager
async def exchange_hub_on(
    store_url: str, data: Path, sims: Simulators, **options: Any
) -> AsyncIterator[ExchangeHub]:
    """A hub over ``store_url`` whose exchanges call ``sims``; reuses keys in ``data``."""
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(data),
            "TABADOL_EVENT_STORE": store_url,
            "TABADOL_LISTEN": "127.0.0.1:0",
            **dev_env(data),
        }
    )
    if settings.signing_key.exists():
        signer = load_signer(settings.signing_key)
    else:
        signer = init_keys(settings.signing_key, settings.public_keys)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    calls: Counter[str] = Counter()
    real = connect_clients(sims.targets, **{**FAST, **options})
    running = await create_server(hub, settings, clients=counting(real, calls))
    assert running.exchanges is not None
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield ExchangeHub(
            hub, channel, settings, running.exchanges, running.executor, sims, calls, real, running
        )
    finally:
        await channel.close()
        await running.stop(grace=0)
        await real.close()
        hub.close()


@pytest.fixture
async def xhub(
    store_url: str, tmp_path: Path, simulators: Simulators
) -> AsyncIterator[ExchangeHub]:
    async with exchange_hub_on(store_url, tmp_path / "data", simulators) as live:
        yield live


# --- helpers ------------------------------------------------------------------------


async def register(live: ExchangeHub, **changes: Any) -> None:
    spec = spec_proto(**{"required_inquiries": ALL_INQUIRIES, **changes})
    await live.catalogue.RegisterServiceRecord(
        cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec), metadata=MD
    )


async def open_case(live: ExchangeHub, national_code: str = APPLICANT.national_code) -> str:
    reply = await live.desk.OpenCase(
        desk.OpenCaseRequest(
            service_code=SERVICE_CODE,
            applicant_national_code=national_code,
            postal_code="1316943891",
            channel="web",
        ),
        metadata=MD,
    )
    return str(reply.case.tracking_code)


async def token(live: ExchangeHub, national_code: str, level: int) -> str:
    """The applicant signs in at the national window (the identity simulator mints it)."""
    async with await identity.connect(live.simulators.targets["identity"], agency="MYGOV") as idp:
        return (await idp.issue_token(national_code, level)).token


async def verify(live: ExchangeHub, code: str, level: int = 2) -> Any:
    return await live.desk.VerifyApplicantIdentity(
        desk.VerifyApplicantIdentityRequest(
            tracking_code=code,
            applicant_token=await token(live, APPLICANT.national_code, level),
        ),
        metadata=MD,
    )


def inquiry(code: str, kind: int, **fields: str) -> desk.MakeInquiryRequest:
    defaults = {
        cat.INQUIRY_KIND_CIVIL_REGISTRATION: {"birth_date_jalali": APPLICANT.birth_date_jalali},
        cat.INQUIRY_KIND_DEEDS_REGISTRY: {"legal_person_national_id": COMPANY.national_id},
        cat.INQUIRY_KIND_POSTAL_CODE: {"postal_code": PLACE.postal_code},
    }[kind]
    return desk.MakeInquiryRequest(tracking_code=code, kind=kind, **(fields or defaults))


async def inquire_all(live: ExchangeHub, code: str) -> list[Any]:
    return [await live.desk.MakeInquiry(inquiry(code, k), metadata=MD) for k in ALL_INQUIRIES]


async def settle_at_gateway(live: ExchangeHub, payment_id: str, code: str) -> None:
    """The applicant pays at the Shetab gateway: the treasury settles the payment."""
    target = live.simulators.targets["treasury"]
    async with await treasury.connect(target, agency="MYGOV") as gateway:
        await gateway.settle_payment(payment_id, tracking_code=code)


async def pay(live: ExchangeHub, code: str) -> Any:
    paid = await live.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
    assert paid.payment.status == desk.PAYMENT_STATUS_PENDING, paid.payment
    await settle_at_gateway(live, paid.payment.payment_id, code)
    status = await live.desk.GetPaymentStatus(
        desk.GetPaymentStatusRequest(tracking_code=code), metadata=MD
    )
    assert status.payment.status == desk.PAYMENT_STATUS_SETTLED
    return status


async def steps_to_delivery(live: ExchangeHub, code: str) -> None:
    stub = live.desk
    for step, stage in (
        ("ثبت درخواست", cat.STAGE_REQUEST),
        ("استعلام سوابق", cat.STAGE_PRODUCTION),
    ):
        await stub.RecordStep(desk.RecordStepRequest(tracking_code=code, step=step), metadata=MD)
        await stub.CompleteStage(
            desk.CompleteStageRequest(tracking_code=code, stage=stage), metadata=MD
        )
    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ارسال الکترونیکی"), metadata=MD
    )


async def get_case(live: ExchangeHub, code: str) -> Any:
    return (await live.desk.GetCase(desk.GetCaseRequest(tracking_code=code), metadata=MD)).case


def status_of(error: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, list[str], str]:
    """The code, the BadRequest fields and the ErrorInfo reason of a refused call."""
    fields: list[str] = []
    reason = ""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
    return error.code(), fields, reason


async def refused(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


# --- the whole case -------------------------------------------------------------------


async def test_a_case_runs_its_exchanges_end_to_end_and_the_trail_verifies(
    xhub: ExchangeHub,
) -> None:
    await register(xhub)
    code = await open_case(xhub)
    stub = xhub.desk
    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ثبت درخواست"), metadata=MD
    )
    early = await refused(
        stub.CompleteStage(
            desk.CompleteStageRequest(tracking_code=code, stage=cat.STAGE_REQUEST), metadata=MD
        )
    )
    assert early.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "identity is not verified at assurance level 2" in str(early.details())

    verified = await verify(xhub, code, level=3)
    assert verified.assurance_level == 3 and verified.case.identity_level == 3
    await stub.CompleteStage(
        desk.CompleteStageRequest(tracking_code=code, stage=cat.STAGE_REQUEST), metadata=MD
    )

    civil, deeds, postal = await inquire_all(xhub, code)
    assert civil.inquiry.facts == {"alive": "true", "birth_date_matched": "true"}
    assert civil.inquiry.issuing_agency == "SABTEAHVAL"
    assert deeds.inquiry.facts == {"national_id": COMPANY.national_id, "status": "active"}
    assert postal.inquiry.facts == {"province": PLACE.province}
    assert postal.inquiry.inquired_at_jalali.startswith("14")
    codes = [r.inquiry.inquiry_tracking_code for r in (civil, deeds, postal)]
    assert all(len(c) == 16 and c.isdigit() for c in codes) and len(set(codes)) == 3

    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="استعلام سوابق"), metadata=MD
    )
    await stub.CompleteStage(
        desk.CompleteStageRequest(tracking_code=code, stage=cat.STAGE_PRODUCTION), metadata=MD
    )
    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ارسال الکترونیکی"), metadata=MD
    )
    unpaid = await refused(
        stub.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD)
    )
    assert unpaid.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "the fee of 1,200,000 rials (not requested)" in str(unpaid.details())

    status = await pay(xhub, code)
    assert status.payment.idempotency_key == f"{code}:fee:1"
    assert status.payment.amount_rials == 1_200_000 and status.payment.revenue_account == ACCOUNT
    assert len(status.payment.settlement_reference) == 12
    delivered = await stub.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD)
    assert delivered.case.status == desk.CASE_STATUS_DELIVERED

    got = await get_case(xhub, code)
    assert [e.kind for e in got.timeline] == [
        "opened", "step_recorded", "identity_verified", "stage_completed",
        "inquiry_made", "inquiry_made", "inquiry_made", "step_recorded", "stage_completed",
        "step_recorded", "payment_requested", "payment_accepted", "payment_settled",
        "delivered",
    ]  # fmt: skip
    assert list(got.missing_for_delivery) == [] and got.fee_rials == 1_200_000
    assert list(got.required_inquiries) == ALL_INQUIRIES
    assert [i.inquiry_tracking_code for i in got.inquiries] == codes

    # The registry saw the calling agency and the case's tracking code (004 art. 6).
    async with await civil_registry.connect(
        xhub.simulators.targets["civil-registry"], agency="AUDIT"
    ) as registry:
        seen = await registry.verify_inquiry(codes[0], tracking_code=code)
    assert (seen.authentic, seen.agency, seen.case_tracking_code) == (True, AGENCY, code)

    # Nothing of the person's record beyond what the service needs is stored.
    trail = list(read_trail(xhub.settings.event_store))
    assert all(APPLICANT.first_name.encode() not in e.state for e in trail)
    assert all(APPLICANT.last_name.encode() not in e.state for e in trail)
    # no token (the rights table names services, tabadol.<area>.v1.<Service>: not a token)
    assert all(b"v1." not in e.state for e in trail if not e.topic.startswith("tabadol.access."))
    report = verify_trail(trail, xhub.ring)
    assert report.ok, report.problem
    # The record, the case and three inquiry receipts (and the seeded rights table).
    assert report.aggregates == 5 + 1 and report.events == 1 + 14 + 3 + DEV_SEED_EVENTS


async def test_verify_tracking_code_for_cases_and_inquiries(xhub: ExchangeHub) -> None:
    await register(xhub)
    code = await open_case(xhub)
    await verify(xhub, code)
    made = await xhub.desk.MakeInquiry(inquiry(code, cat.INQUIRY_KIND_DEEDS_REGISTRY), metadata=MD)
    inquiry_code = made.inquiry.inquiry_tracking_code
    before = xhub.stored()

    async def check(text: str, digits: int = desk.DIGITS_LATIN) -> Any:
        return await xhub.desk.VerifyTrackingCode(
            desk.VerifyTrackingCodeRequest(tracking_code=text, digits=digits),
            metadata=(("x-tabadol-agency", "MYGOV"),),
        )

    case = await check(code.replace("-", "").lower())
    assert (case.authentic, case.kind, case.issuing_agency) == (
        True,
        desk.TRACKING_CODE_KIND_CASE,
        AGENCY,
    )
    assert case.tracking_code == code and case.issued_at_jalali.startswith("14")
    assert case.issued_at.seconds > 0

    issued = await check(inquiry_code, digits=desk.DIGITS_PERSIAN)
    assert (issued.authentic, issued.kind, issued.inquiry_kind, issued.issuing_agency) == (
        True,
        desk.TRACKING_CODE_KIND_INQUIRY,
        cat.INQUIRY_KIND_DEEDS_REGISTRY,
        "SSAA",
    )
    assert issued.issued_at_jalali[0] == "۱"  # Persian digits, as asked

    never = TrackingCode.new(TrackingKind.CASE).value
    assert (await check(never)).authentic is False
    luhn_ok = "100000000000000" + str(luhn_check_digit("100000000000000"))  # never issued
    unknown = await check(luhn_ok)
    assert (unknown.authentic, unknown.kind, unknown.issuing_agency) == (
        False,
        desk.TRACKING_CODE_KIND_INQUIRY,
        "",
    )
    assert not unknown.HasField("issued_at")

    typo_case = code[:-1] + ("0" if code[-1] != "0" else "1")
    typo_inquiry = inquiry_code[:-1] + str((int(inquiry_code[-1]) + 1) % 10)
    swapped = inquiry_code[:3] + inquiry_code[4] + inquiry_code[3] + inquiry_code[5:]
    for text, words in (
        (typo_case, "check character"),
        (typo_inquiry, "Luhn"),
        (swapped if swapped != inquiry_code else typo_inquiry, "Luhn"),
        ("12345", "16 digits"),
        ("P-0000-0000-0000-0", ""),
        (TrackingCode.new(TrackingKind.PETITION).value, "petition"),
    ):
        error = await refused(check(text))
        got, fields, _ = status_of(error)
        assert got == grpc.StatusCode.INVALID_ARGUMENT, (text, error.details())
        assert fields == ["tracking_code"]
        assert words in str(error.details())
    assert xhub.stored() == before  # checking a code stores nothing
    assert xhub.calls["deeds_registry"] == 1  # and asks no registry


async def test_the_same_inquiry_twice_or_one_the_record_does_not_call_for_is_refused_before_any_call(
    xhub: ExchangeHub,
) -> None:
    await register(xhub, required_inquiries=[cat.INQUIRY_KIND_CIVIL_REGISTRATION])
    code = await open_case(xhub)
    await verify(xhub, code)
    first = await xhub.desk.MakeInquiry(
        inquiry(code, cat.INQUIRY_KIND_CIVIL_REGISTRATION), metadata=MD
    )
    calls, before = dict(xhub.calls), xhub.stored()
    again = await refused(
        xhub.desk.MakeInquiry(inquiry(code, cat.INQUIRY_KIND_CIVIL_REGISTRATION), metadata=MD)
    )
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert first.inquiry.inquiry_tracking_code in str(again.details())
    postal = await refused(
        xhub.desk.MakeInquiry(inquiry(code, cat.INQUIRY_KIND_POSTAL_CODE), metadata=MD)
    )
    assert postal.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "does not call for a postal_code inquiry" in str(postal.details())
    other = await refused(
        xhub.desk.MakeInquiry(
            inquiry(code, cat.INQUIRY_KIND_CIVIL_REGISTRATION),
            metadata=(("x-tabadol-agency", "TAX"),),
        )
    )
    assert other.code() == grpc.StatusCode.PERMISSION_DENIED
    assert dict(xhub.calls) == calls and xhub.stored() == before


async def test_identity_must_be_the_applicants_own_at_the_records_level(xhub: ExchangeHub) -> None:
    await register(xhub, identity_level=3)
    code = await open_case(xhub)
    stub = xhub.desk

    async def attempt(applicant_token: str) -> grpc.aio.AioRpcError:
        return await refused(
            stub.VerifyApplicantIdentity(
                desk.VerifyApplicantIdentityRequest(
                    tracking_code=code, applicant_token=applicant_token
                ),
                metadata=MD,
            )
        )

    others = await attempt(await token(xhub, OTHER_PERSON.national_code, 4))
    low = await attempt(await token(xhub, APPLICANT.national_code, 2))
    forged = await attempt("v1.eyJzdWIiOiIxIn0.forged")
    for error, words in (
        (others, "another person's"),
        (low, "assurance level 2; this service requires level 3"),
        (forged, "not active"),
    ):
        got, _, _ = status_of(error)
        assert got == grpc.StatusCode.FAILED_PRECONDITION
        assert words in str(error.details())
    case = await get_case(xhub, code)
    failed = [e.note for e in case.timeline if e.kind == "exchange_failed"]
    assert len(failed) == 3 and all(
        n.startswith("identity IntrospectToken: refused") for n in failed
    )
    assert case.identity_level == 0
    assert "identity verification at assurance level 3" in case.missing_for_delivery
    ok = await verify(xhub, code, level=4)
    assert ok.case.identity_level == 4 and xhub.calls["identity"] == 4


async def test_a_registry_refusal_is_recorded_and_a_corrected_retry_continues(
    xhub: ExchangeHub,
) -> None:
    await register(xhub, required_inquiries=[cat.INQUIRY_KIND_CIVIL_REGISTRATION])
    code = await open_case(xhub)
    await verify(xhub, code)
    wrong = "1399/01/01" if APPLICANT.birth_date_jalali != "1399/01/01" else "1398/01/01"
    error = await refused(
        xhub.desk.MakeInquiry(
            inquiry(code, cat.INQUIRY_KIND_CIVIL_REGISTRATION, birth_date_jalali=wrong),
            metadata=MD,
        )
    )
    got, _, reason = status_of(error)
    assert (got, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "REFUSED")
    assert "no person with this national code and birth date" in str(error.details())
    case = await get_case(xhub, code)
    assert case.status == desk.CASE_STATUS_OPEN
    assert case.timeline[-1].kind == "exchange_failed"
    assert case.timeline[-1].note.startswith("civil-registry InquirePerson: refused: NOT_FOUND")
    fixed = await xhub.desk.MakeInquiry(
        inquiry(code, cat.INQUIRY_KIND_CIVIL_REGISTRATION), metadata=MD
    )
    assert fixed.case.missing_for_delivery == ["the fee of 1,200,000 rials (not requested)"]


BAD_INPUT: dict[str, tuple[Callable[[str], Any], str]] = {
    "birth date that does not exist": (
        lambda code: desk.MakeInquiryRequest(
            tracking_code=code,
            kind=cat.INQUIRY_KIND_CIVIL_REGISTRATION,
            birth_date_jalali="1404/12/30",  # 1404 is not a leap year
        ),
        "birth_date_jalali",
    ),
    "birth date not a date": (
        lambda code: desk.MakeInquiryRequest(
            tracking_code=code,
            kind=cat.INQUIRY_KIND_CIVIL_REGISTRATION,
            birth_date_jalali="yesterday",
        ),
        "birth_date_jalali",
    ),
    "national id check digit": (
        lambda code: desk.MakeInquiryRequest(
            tracking_code=code,
            kind=cat.INQUIRY_KIND_DEEDS_REGISTRY,
            legal_person_national_id=COMPANY.national_id[:-1]
            + str((int(COMPANY.national_id[-1]) + 1) % 10),
        ),
        "legal_person_national_id",
    ),
    "postal code rule": (
        lambda code: desk.MakeInquiryRequest(
            tracking_code=code, kind=cat.INQUIRY_KIND_POSTAL_CODE, postal_code="1234567890"
        ),
        "postal_code",
    ),
    "a field of another inquiry": (
        lambda code: desk.MakeInquiryRequest(
            tracking_code=code,
            kind=cat.INQUIRY_KIND_POSTAL_CODE,
            postal_code=PLACE.postal_code,
            birth_date_jalali="1370/01/01",
        ),
        "birth_date_jalali",
    ),
    "inquiry kind unspecified": (
        lambda code: desk.MakeInquiryRequest(tracking_code=code, postal_code=PLACE.postal_code),
        "kind",
    ),
    "mistyped tracking code": (
        lambda code: desk.MakeInquiryRequest(
            tracking_code=code[:-1] + ("0" if code[-1] != "0" else "1"),
            kind=cat.INQUIRY_KIND_POSTAL_CODE,
            postal_code=PLACE.postal_code,
        ),
        "tracking_code",
    ),
    "no token": (
        lambda code: desk.VerifyApplicantIdentityRequest(tracking_code=code, applicant_token=" "),
        "applicant_token",
    ),
    "a token that is no token": (
        lambda code: desk.VerifyApplicantIdentityRequest(
            tracking_code=code, applicant_token="توکن"
        ),
        "applicant_token",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
async def test_bad_input_is_refused_before_any_call_goes_out(xhub: ExchangeHub, case: str) -> None:
    await register(xhub)
    code = await open_case(xhub)
    build, field_name = BAD_INPUT[case]
    request = build(code)
    before = xhub.stored()
    call = (
        xhub.desk.VerifyApplicantIdentity
        if isinstance(request, desk.VerifyApplicantIdentityRequest)
        else xhub.desk.MakeInquiry
    )
    error = await refused(call(request, metadata=MD))
    got, fields, _ = status_of(error)
    assert got == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert field_name in fields, (fields, error.details())
    assert sum(xhub.calls.values()) == 0, xhub.calls  # no system was asked
    assert xhub.stored() == before  # and nothing was recorded


async def test_exchanges_on_a_closed_case_are_refused_before_any_call(xhub: ExchangeHub) -> None:
    await register(xhub)
    code = await open_case(xhub)
    await xhub.desk.CancelCase(
        desk.CancelCaseRequest(tracking_code=code, reason="انصراف"), metadata=MD
    )
    for call in (
        xhub.desk.MakeInquiry(inquiry(code, cat.INQUIRY_KIND_POSTAL_CODE), metadata=MD),
        xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD),
        xhub.desk.VerifyApplicantIdentity(
            desk.VerifyApplicantIdentityRequest(tracking_code=code, applicant_token="t"),
            metadata=MD,
        ),
    ):
        error = await refused(call)
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "cancelled" in str(error.details())
    assert sum(xhub.calls.values()) == 0


async def test_the_fee_is_paid_once_whatever_the_retries(xhub: ExchangeHub) -> None:
    await register(xhub, required_inquiries=[])
    code = await open_case(xhub)
    unverified = await refused(
        xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
    )
    assert unverified.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "verify the applicant's identity" in str(unverified.details())
    await verify(xhub, code)
    first = await xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
    again = await xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
    both = await asyncio.gather(
        *(xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD) for _ in range(3))
    )
    ids = {r.payment.payment_id for r in (first, again, *both)}
    assert len(ids) == 1 and first.payment.status == desk.PAYMENT_STATUS_PENDING
    await settle_at_gateway(xhub, first.payment.payment_id, code)
    settled = await xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
    assert settled.payment.status == desk.PAYMENT_STATUS_SETTLED
    calls = xhub.calls["treasury"]
    after = await xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
    assert after.payment == settled.payment and xhub.calls["treasury"] == calls  # not asked

    async with await treasury.connect(xhub.simulators.targets["treasury"], agency="AUDIT") as book:
        found = await book.find_payment(f"{code}:fee:1", tracking_code=code)
        assert found is not None and found.payment_id in ids and found.status == "settled"
        assert await book.find_payment(f"{code}:fee:2", tracking_code=code) is None
    case = await get_case(xhub, code)
    kinds = [e.kind for e in case.timeline]
    assert kinds.count("payment_requested") == 1 and kinds.count("payment_accepted") == 1
    assert kinds.count("payment_settled") == 1


async def test_a_declined_payment_is_recorded_and_a_new_attempt_takes_a_new_key(
    store_url: str, tmp_path: Path, simulators: Simulators
) -> None:
    await simulators.stop("treasury")
    await simulators.start("treasury", decline_above_rials=1_000_000)
    async with exchange_hub_on(store_url, tmp_path / "data", simulators) as live:
        await register(live, required_inquiries=[])
        code = await open_case(live)
        await verify(live, code)
        declined = await live.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
        assert declined.payment.status == desk.PAYMENT_STATUS_DECLINED
        assert "daily limit" in declined.payment.failure_reason
        retry = await live.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
        assert retry.payment.idempotency_key == f"{code}:fee:2"
        assert retry.payment.payment_id != declined.payment.payment_id
        case = await get_case(live, code)
        assert "the fee of 1,200,000 rials (declined)" in case.missing_for_delivery


async def test_without_connectors_the_exchange_rpcs_say_so_and_get_case_still_works(
    xhub: ExchangeHub,
) -> None:
    unconnected = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(xhub.settings.data_dir),
            "TABADOL_EVENT_STORE": xhub.settings.event_store,
            "TABADOL_LISTEN": "127.0.0.1:0",
            "TABADOL_INSECURE_DEV_AUTH": "1",
        }
    )
    running = await create_server(xhub.hub, unconnected)  # no TABADOL_*_URL: no exchanges
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
            await register(xhub)
            code = await open_case(xhub)
            error = await refused(stub.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD))
            assert error.code() == grpc.StatusCode.UNIMPLEMENTED
            assert "TABADOL_TREASURY_URL" in str(error.details())
            got = await stub.GetCase(desk.GetCaseRequest(tracking_code=code), metadata=MD)
            assert got.case.required_identity_level == 2
    finally:
        await running.stop(grace=0)
