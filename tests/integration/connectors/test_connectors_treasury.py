"""Treasury payments over loopback: idempotency under retry, settlement, restarts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from connector_support import AGENCY, FAST, TRACKING, Serve
from tabadol.treasury.v1 import treasury_pb2_grpc as pb_grpc

from connectors import ConnectorError, synthetic, treasury
from connectors._simulation import Faults, start_server
from connectors.treasury import simulator
from connectors.treasury.book import PaymentBook

ACCOUNT = synthetic.revenue_accounts(1405, 1)[0]
PAYER = synthetic.people(1405, 1)[0].national_code


def fee(key: str = f"{TRACKING}:fee", amount: int = 1_250_000) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "amount_rials": amount,
        "revenue_account": ACCOUNT,
        "payer_national_code": PAYER,
        "reference": TRACKING,
    }


async def test_create_get_find_and_settle(serve: Serve) -> None:
    target = await serve(simulator.create_server, settle_after=None)
    async with await treasury.connect(target, agency=AGENCY, **FAST) as client:
        payment = await client.create_payment(**fee())
        assert payment.status == "pending"
        assert (payment.amount_rials, payment.reference) == (1_250_000, TRACKING)
        assert payment.settlement_reference is None
        assert await client.get_payment(payment.payment_id, tracking_code=TRACKING) == payment
        assert (
            await client.find_payment(fee()["idempotency_key"], tracking_code=TRACKING) == payment
        )
        assert await client.find_payment("never-used", tracking_code=TRACKING) is None

        settled = await client.settle_payment(payment.payment_id, tracking_code=TRACKING)
        assert settled.status == "settled"
        assert settled.settlement_reference is not None and len(settled.settlement_reference) == 12
        assert settled.settled_at is not None and settled.settled_at >= payment.created_at
        assert await client.settle_payment(payment.payment_id, tracking_code=TRACKING) == settled


async def test_a_payment_settles_by_itself(serve: Serve) -> None:
    target = await serve(simulator.create_server, settle_after=0)
    async with await treasury.connect(target, agency=AGENCY, **FAST) as client:
        payment = await client.create_payment(**fee())
        later = await client.get_payment(payment.payment_id, tracking_code=TRACKING)
    assert (payment.status, later.status) == ("pending", "settled")
    assert later.settlement_reference


async def test_one_key_is_one_payment_and_refuses_another_amount(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    async with await treasury.connect(target, agency=AGENCY, **FAST) as client:
        first = await client.create_payment(**fee())
        second = await client.create_payment(**fee())
        assert second.payment_id == first.payment_id
        with pytest.raises(ConnectorError) as caught:
            await client.create_payment(**fee(amount=2_000_000))
        other = await client.create_payment(**fee(key=f"{TRACKING}:fee-2"))
    error = caught.value
    assert (error.kind, error.code, error.reason) == (
        "refused",
        "ALREADY_EXISTS",
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert other.payment_id != first.payment_id


class DropsFirstAnswer(simulator.TreasuryServicer):
    """Commits the payment, then loses the answer once, as a reset connection would."""

    def __init__(self, book: PaymentBook) -> None:
        super().__init__(book)
        self.calls = 0

    async def CreatePayment(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        self.calls += 1
        response = await super().CreatePayment(request, context)
        if self.calls == 1:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "connection reset after commit")
        return response


async def test_a_retry_after_a_dropped_answer_does_not_charge_twice() -> None:
    book = PaymentBook(seed=1, clock=lambda: datetime.now(UTC))
    servicer = DropsFirstAnswer(book)
    server, port = await start_server(
        "127.0.0.1:0",
        register=lambda s: pb_grpc.add_TreasuryServiceServicer_to_server(servicer, s),
        service_names=(simulator.SERVICE_NAME,),
        faults=Faults(),
        seed=1,
    )
    try:
        async with await treasury.connect(f"127.0.0.1:{port}", agency=AGENCY, **FAST) as client:
            payment = await client.create_payment(**fee())
    finally:
        await server.stop(None)
    assert servicer.calls == 2  # the client retried the UNAVAILABLE answer
    assert len(book) == 1  # and the treasury charged once
    assert book.find(fee()["idempotency_key"]) == payment


async def test_a_restarted_treasury_reconciles_by_idempotency_key(
    serve: Serve, tmp_path: Path
) -> None:
    state = tmp_path / "treasury.json"
    first = await serve(simulator.create_server, state_file=state, settle_after=None)
    async with await treasury.connect(first, agency=AGENCY, **FAST) as client:
        paid = await client.create_payment(**fee())
    # The hub crashed before recording the payment; the treasury restarted meanwhile.
    second = await serve(simulator.create_server, state_file=state, settle_after=None)
    async with await treasury.connect(second, agency=AGENCY, **FAST) as client:
        found = await client.find_payment(fee()["idempotency_key"], tracking_code=TRACKING)
        again = await client.create_payment(**fee())
    assert found == paid == again


async def test_invalid_and_declined_payments(serve: Serve) -> None:
    target = await serve(simulator.create_server, decline_above_rials=10_000_000)
    async with await treasury.connect(target, agency=AGENCY, **FAST) as client:
        with pytest.raises(ConnectorError) as invalid:
            await client.create_payment(
                idempotency_key="bad key!",
                amount_rials=0,
                revenue_account="IR000000000000000000000000",
                payer_national_code="0013542418",
                reference=TRACKING,
            )
        declined = await client.create_payment(**fee(amount=10_000_001))
        with pytest.raises(ConnectorError) as unsettleable:
            await client.settle_payment(declined.payment_id, tracking_code=TRACKING)
        with pytest.raises(ConnectorError) as unknown:
            await client.get_payment("1" * 18, tracking_code=TRACKING)
    assert {v.field for v in invalid.value.violations} == {
        "idempotency_key",
        "amount_rials",
        "revenue_account",
        "payer_national_code",
    }
    assert declined.status == "failed" and declined.failure_reason
    assert unsettleable.value.code == "FAILED_PRECONDITION"
    assert unknown.value.code == "NOT_FOUND"
