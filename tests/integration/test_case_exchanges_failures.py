"""Failure is an outcome, not a loss: every way another agency's system can fail leaves
the case open with the failure recorded (ExchangeFailed, signed), the caller gets a clear
status, and a retry after recovery finishes the case. Payments survive a crash between
paying and recording: they are reconciled from the treasury by idempotency key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.civilregistry.v1 import civilregistry_pb2 as civil_pb
from tabadol.civilregistry.v1 import civilregistry_pb2_grpc as civil_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from connectors import synthetic, treasury
from connectors._simulation import InquiryCodes, start_server
from connectors.civil_registry.simulator import SERVICE_NAME, CivilRegistryServicer
from hub.audit.export import read_trail
from hub.trail.verify import verify_trail
from tests.integration.test_case_exchanges import (
    APPLICANT,
    MD,
    SEED,
    ExchangeHub,
    Simulators,
    exchange_hub_on,
    get_case,
    inquiry,
    open_case,
    pay,
    refused,
    register,
    settle_at_gateway,
    simulators,
    status_of,
    steps_to_delivery,
    verify,
)

CIVIL = cat.INQUIRY_KIND_CIVIL_REGISTRATION
__all__ = ["simulators"]  # the shared fixture, imported for pytest to find


class LyingRegistry(CivilRegistryServicer):
    """Answers with an inquiry tracking code whose check digit is wrong: a broken contract."""

    async def InquirePerson(  # noqa: N802
        self, request: civil_pb.InquirePersonRequest, context: grpc.aio.ServicerContext
    ) -> civil_pb.InquirePersonResponse:
        answer = await super().InquirePerson(request, context)
        code = answer.inquiry_tracking_code
        answer.inquiry_tracking_code = code[:-1] + str((int(code[-1]) + 1) % 10)
        return answer


async def _break_down(sims: Simulators) -> Callable[[], Awaitable[None]]:
    await sims.stop("civil-registry")

    async def recover() -> None:
        await sims.start("civil-registry")

    return recover


async def _slow_down(sims: Simulators) -> Callable[[], Awaitable[None]]:
    sims.faults["civil-registry"].latency = 1.0  # past the 0.5 s deadline

    async def recover() -> None:
        sims.faults["civil-registry"].latency = 0.0

    return recover


async def _fail_every_call(sims: Simulators) -> Callable[[], Awaitable[None]]:
    sims.faults["civil-registry"].error_rate = 1.0

    async def recover() -> None:
        sims.faults["civil-registry"].error_rate = 0.0

    return recover


async def _answer_nonsense(sims: Simulators) -> Callable[[], Awaitable[None]]:
    port = sims.ports["civil-registry"]
    await sims.stop("civil-registry")
    servicer = LyingRegistry(synthetic.people(SEED, 1000), InquiryCodes(SEED, "civil-registry"))
    server, _ = await start_server(
        f"127.0.0.1:{port}",
        register=lambda s: civil_grpc.add_CivilRegistryServiceServicer_to_server(servicer, s),
        service_names=(SERVICE_NAME,),
        faults=sims.faults["civil-registry"],
        seed=SEED,
    )

    async def recover() -> None:
        await server.stop(None)
        await sims.start("civil-registry")

    return recover


FAILURES: dict[str, tuple[Callable[[Simulators], Awaitable[Any]], grpc.StatusCode, str]] = {
    "registry down": (_break_down, grpc.StatusCode.UNAVAILABLE, "unavailable"),
    "registry slower than the deadline": (_slow_down, grpc.StatusCode.DEADLINE_EXCEEDED, "timeout"),
    "registry failing every call": (_fail_every_call, grpc.StatusCode.UNAVAILABLE, "unavailable"),
    "registry answering nonsense": (
        _answer_nonsense,
        grpc.StatusCode.UNAVAILABLE,
        "invalid_answer",
    ),
}


@pytest.fixture
async def xhub(
    store_url: str, tmp_path: Path, simulators: Simulators
) -> AsyncIterator[ExchangeHub]:
    async with exchange_hub_on(store_url, tmp_path / "data", simulators) as live:
        yield live


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_a_failed_inquiry_is_recorded_and_a_retry_after_recovery_finishes_the_case(
    xhub: ExchangeHub, failure: str
) -> None:
    await register(xhub, required_inquiries=[CIVIL])
    code = await open_case(xhub)
    await verify(xhub, code)
    await steps_to_delivery(xhub, code)
    before = xhub.stored()

    breaks, expected, kind = FAILURES[failure]
    recover = await breaks(xhub.simulators)
    error = await refused(xhub.desk.MakeInquiry(inquiry(code, CIVIL), metadata=MD))
    got, _, reason = status_of(error)
    assert (got, reason) == (expected, kind.upper()), error.details()
    assert f"recorded on case {code}" in str(error.details())

    case = await get_case(xhub, code)
    assert case.status == desk.CASE_STATUS_OPEN
    last = case.timeline[-1]
    assert (last.kind, last.by_agency) == ("exchange_failed", "MOJ")
    assert last.note.startswith(f"civil-registry InquirePerson: {kind}: ")
    assert xhub.stored() == before + 1  # exactly the failure, signed like any event
    undelivered = await refused(
        xhub.desk.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD)
    )
    assert "civil_registration inquiry" in str(undelivered.details())

    await recover()
    made = await xhub.desk.MakeInquiry(inquiry(code, CIVIL), metadata=MD)
    assert made.inquiry.facts["alive"] == "true"
    await pay(xhub, code)
    done = await xhub.desk.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD)
    assert done.case.status == desk.CASE_STATUS_DELIVERED
    kinds = [e.kind for e in done.case.timeline]
    assert kinds.index("exchange_failed") < kinds.index("inquiry_made") < kinds.index("delivered")

    report = verify_trail(read_trail(xhub.settings.event_store), xhub.ring)
    assert report.ok, report.problem


async def test_an_open_circuit_is_recorded_and_answered_unavailable(xhub: ExchangeHub) -> None:
    await register(xhub, required_inquiries=[CIVIL])
    code = await open_case(xhub)
    await verify(xhub, code)
    xhub.simulators.faults["civil-registry"].error_rate = 1.0
    kinds = []
    for _ in range(4):  # the breaker opens after 3 failed calls
        error = await refused(xhub.desk.MakeInquiry(inquiry(code, CIVIL), metadata=MD))
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        kinds.append(status_of(error)[2])
    assert kinds == ["UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE", "CIRCUIT_OPEN"]
    case = await get_case(xhub, code)
    assert case.timeline[-1].note.startswith("civil-registry InquirePerson: circuit_open")


async def test_a_treasury_outage_at_payment_keeps_the_intent_and_a_retry_pays_once(
    xhub: ExchangeHub,
) -> None:
    await register(xhub, required_inquiries=[])
    code = await open_case(xhub)
    await verify(xhub, code)
    await steps_to_delivery(xhub, code)
    await xhub.simulators.stop("treasury")
    error = await refused(xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD))
    assert status_of(error)[::2] == (grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE")
    case = await get_case(xhub, code)
    assert [e.kind for e in case.timeline[-2:]] == ["payment_requested", "exchange_failed"]
    assert case.payment.status == desk.PAYMENT_STATUS_REQUESTED
    assert case.timeline[-1].note.startswith("treasury CreatePayment: unavailable")
    asked = await refused(
        xhub.desk.GetPaymentStatus(desk.GetPaymentStatusRequest(tracking_code=code), metadata=MD)
    )
    assert asked.code() == grpc.StatusCode.UNAVAILABLE
    case = await get_case(xhub, code)
    assert case.timeline[-1].note.startswith("treasury FindPayment: unavailable")
    assert case.payment.status == desk.PAYMENT_STATUS_REQUESTED

    await xhub.simulators.start("treasury")
    paid = await pay(xhub, code)
    assert paid.payment.idempotency_key == f"{code}:fee:1"  # the intent's key, not a new one
    delivered = await xhub.desk.DeliverCase(
        desk.DeliverCaseRequest(tracking_code=code), metadata=MD
    )
    assert delivered.case.status == desk.CASE_STATUS_DELIVERED


async def crashed_payments(
    store_url: str, data: Path, simulators: Simulators
) -> tuple[str, str, treasury.Payment]:
    """Two cases whose fee was asked for while the treasury was down, then the hub stopped;
    the first one's payment had reached the treasury (made here directly, with the key the
    hub derived and recorded as its intent), the second's never did. Returns both codes
    and the payment made."""
    async with exchange_hub_on(store_url, data, simulators) as live:
        await register(live, required_inquiries=[])
        code = await open_case(live)
        other = await open_case(live)
        for case_code in (code, other):
            await verify(live, case_code)
        await simulators.stop("treasury")
        for case_code in (code, other):
            await refused(
                live.desk.PayFee(desk.PayFeeRequest(tracking_code=case_code), metadata=MD)
            )
        intent = (await get_case(live, code)).payment
        assert intent.status == desk.PAYMENT_STATUS_REQUESTED
    await simulators.start("treasury")
    async with await treasury.connect(simulators.targets["treasury"], agency="MOJ") as book:
        made = await book.create_payment(
            idempotency_key=intent.idempotency_key,
            amount_rials=intent.amount_rials,
            revenue_account=intent.revenue_account,
            payer_national_code=APPLICANT.national_code,
            reference=code,
        )
    return code, other, made


async def test_a_crash_between_paying_and_recording_is_reconciled_by_idempotency_key(
    store_url: str, tmp_path: Path, simulators: Simulators
) -> None:
    data = tmp_path / "data"
    code, other, made = await crashed_payments(store_url, data, simulators)

    # The hub restarts over the same store: reconciliation finds the payment by its key.
    async with exchange_hub_on(store_url, data, simulators) as live:
        # the leader's own pass at start ends first: on a loaded machine it could still be
        # asking the treasury while the calls below are counted
        assert live.running is not None and live.running.reconciling is not None
        await live.running.reconciling
        report = await live.exchanges.reconcile_payments()
        assert (report.examined, report.pending, report.not_made, report.failed) == (2, 1, 1, 0)
        case = await get_case(live, code)
        assert case.payment.status == desk.PAYMENT_STATUS_PENDING
        assert case.payment.payment_id == made.payment_id
        assert case.timeline[-1].by_agency == "tabadol:reconcile"
        assert (await get_case(live, other)).payment.status == desk.PAYMENT_STATUS_REQUESTED

        await settle_at_gateway(live, made.payment_id, code)
        again = await live.desk.ReconcilePayments(desk.ReconcilePaymentsRequest(), metadata=MD)
        assert (again.examined, again.settled, again.not_made) == (2, 1, 1)
        calls = live.calls["treasury"]
        paid = await live.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD)
        assert paid.payment.payment_id == made.payment_id  # charged once
        assert paid.payment.status == desk.PAYMENT_STATUS_SETTLED
        assert live.calls["treasury"] == calls  # a settled fee is not asked about again
        others = await live.desk.ReconcilePayments(
            desk.ReconcilePaymentsRequest(), metadata=(("x-tabadol-agency", "TAX"),)
        )
        assert others.examined == 0  # an agency reconciles its own cases only

        # The other case's payment was never made: PayFee makes it under the same key.
        second = await live.desk.PayFee(desk.PayFeeRequest(tracking_code=other), metadata=MD)
        assert second.payment.idempotency_key == f"{other}:fee:1"
        assert second.payment.status == desk.PAYMENT_STATUS_PENDING

        report = verify_trail(read_trail(live.settings.event_store), live.ring)
        assert report.ok, report.problem


async def test_reconciliation_with_the_treasury_down_changes_nothing(xhub: ExchangeHub) -> None:
    await register(xhub, required_inquiries=[])
    code = await open_case(xhub)
    await verify(xhub, code)
    await xhub.simulators.stop("treasury")
    await refused(xhub.desk.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=MD))
    before = xhub.stored()
    report = await xhub.exchanges.reconcile_payments()
    assert (report.examined, report.failed) == (1, 1) and code in report.failures[0]
    assert xhub.stored() == before
