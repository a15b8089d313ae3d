"""The treasury simulator's payment book: idempotency, settlement, persistence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors import synthetic
from connectors.treasury.book import IdempotencyKeyReused, PaymentBook, PaymentNotSettleable
from connectors.treasury.records import Payment

ACCOUNT = synthetic.revenue_accounts(1405, 1)[0]
PAYER = synthetic.people(1405, 1)[0].national_code


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 21, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def pay(book: PaymentBook, key: str = "case-1:fee", amount: int = 500_000) -> tuple[Payment, bool]:
    return book.create(
        idempotency_key=key,
        amount_rials=amount,
        revenue_account=ACCOUNT,
        payer_national_code=PAYER,
        reference="C-1",
    )


def test_the_same_key_makes_one_payment() -> None:
    book = PaymentBook(seed=1, clock=Clock())
    first, replayed_first = pay(book)
    second, replayed_second = pay(book)
    assert (replayed_first, replayed_second) == (False, True)
    assert first == second
    assert len(book) == 1
    with pytest.raises(IdempotencyKeyReused) as caught:
        pay(book, amount=600_000)
    assert caught.value.fields == ("amount_rials",)
    assert len(book) == 1


def test_settles_by_itself_after_the_delay() -> None:
    clock = Clock()
    book = PaymentBook(seed=1, clock=clock, settle_after=2.0)
    payment, _ = pay(book)
    pending = book.get(payment.payment_id)
    assert pending is not None and pending.status == "pending"
    clock.now += timedelta(seconds=2)
    settled = book.get(payment.payment_id)
    assert settled is not None and settled.status == "settled"
    assert settled.settled_at == clock.now
    assert settled.settlement_reference is not None and len(settled.settlement_reference) == 12
    assert book.settle(payment.payment_id) == settled  # settling again changes nothing


def test_a_declined_payment_cannot_settle() -> None:
    book = PaymentBook(seed=1, clock=Clock(), decline_above_rials=1_000)
    payment, _ = pay(book, amount=1_001)
    assert payment.status == "failed" and payment.failure_reason
    with pytest.raises(PaymentNotSettleable):
        book.settle(payment.payment_id)


def test_a_restarted_book_still_knows_its_payments(tmp_path: Path) -> None:
    path = tmp_path / "payments.json"
    clock = Clock()
    book = PaymentBook(seed=1, clock=clock, path=path)
    made, _ = pay(book)
    settled = book.settle(pay(book, key="case-2:fee")[0].payment_id)

    restarted = PaymentBook(seed=1, clock=clock, path=path)
    assert restarted.find("case-1:fee") == made
    assert restarted.get(settled.payment_id) == settled
    again, replayed = pay(restarted)
    assert replayed and again == made
    fresh, _ = pay(restarted, key="case-3:fee")  # the same seed does not reuse an id
    assert fresh.payment_id not in {made.payment_id, settled.payment_id}
    assert not path.with_name("payments.json.tmp").exists()
