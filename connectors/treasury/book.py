"""The treasury simulator's payment book: idempotent by key, optionally kept in a JSON file.

With a ``path`` every change is written (to a temporary file, flushed and renamed over
the old one) before the simulator answers, so a restarted simulator still knows every
payment it acknowledged: a hub that crashed between paying and recording the payment
finds it again by its idempotency key.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.treasury.records import Payment, PaymentChannel

__all__ = ["IdempotencyKeyReused", "PaymentBook", "PaymentNotSettleable"]

_FORMAT_VERSION = 1


class IdempotencyKeyReused(Exception):
    """The idempotency key already made a payment with other fields."""

    def __init__(self, payment: Payment, fields: tuple[str, ...]) -> None:
        super().__init__(f"idempotency key already used with another {', '.join(fields)}")
        self.payment = payment
        self.fields = fields


class PaymentNotSettleable(Exception):
    """Only a pending payment can settle."""


def _to_json(payment: Payment) -> dict[str, Any]:
    record = dataclasses.asdict(payment)
    for name in ("created_at", "settled_at"):
        if record[name] is not None:
            record[name] = record[name].isoformat()
    return record


def _from_json(record: dict[str, Any]) -> Payment:
    for name in ("created_at", "settled_at"):
        if record.get(name) is not None:
            record[name] = datetime.fromisoformat(record[name])
    return Payment(**record)


class PaymentBook:
    """Payments by id and by idempotency key; settles pending ones after ``settle_after``."""

    def __init__(
        self,
        *,
        seed: int,
        clock: Callable[[], datetime],
        settle_after: float | None = None,
        decline_above_rials: int | None = None,
        path: Path | None = None,
    ) -> None:
        # Ids and references are reproducible from the seed, not secret.
        self._rng = random.Random(f"{seed}/treasury/ids")  # noqa: S311
        self._clock = clock
        self._settle_after = settle_after
        self._decline_above = decline_above_rials
        self._path = path
        self._by_id: dict[str, Payment] = {}
        self._by_key: dict[str, str] = {}
        if path is not None and path.exists():
            for record in json.loads(path.read_text("utf-8"))["payments"]:
                self._put(_from_json(record))

    def __len__(self) -> int:
        return len(self._by_id)

    def _put(self, payment: Payment) -> Payment:
        self._by_id[payment.payment_id] = payment
        self._by_key[payment.idempotency_key] = payment.payment_id
        return payment

    def _save(self) -> None:
        if self._path is None:
            return
        document = {
            "version": _FORMAT_VERSION,
            "payments": [_to_json(payment) for payment in self._by_id.values()],
        }
        temporary = self._path.with_name(self._path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(document, file, ensure_ascii=False, indent=1)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self._path)

    def _new_digits(self, count: int, taken: Callable[[str], bool]) -> str:
        while True:
            digits = str(self._rng.randint(10 ** (count - 1), 10**count - 1))
            if not taken(digits):
                return digits

    def create(
        self,
        *,
        idempotency_key: str,
        amount_rials: int,
        revenue_account: str,
        payer_national_code: str,
        reference: str,
        channel: PaymentChannel = "agency_site",
        payer_account: str = "",
    ) -> tuple[Payment, bool]:
        """The payment under ``idempotency_key``, made now if new; and whether it existed.

        Raises :class:`IdempotencyKeyReused` when the key made a payment with other fields.
        """
        asked = {
            "amount_rials": amount_rials,
            "revenue_account": revenue_account,
            "payer_national_code": payer_national_code,
            "reference": reference,
            "channel": channel,
            "payer_account": payer_account,
        }
        existing = self.find(idempotency_key)
        if existing is not None:
            differing = tuple(
                name for name, value in asked.items() if getattr(existing, name) != value
            )
            if differing:
                raise IdempotencyKeyReused(existing, differing)
            return existing, True
        declined = self._decline_above is not None and amount_rials > self._decline_above
        payment = Payment(
            payment_id=self._new_digits(18, lambda digits: digits in self._by_id),
            idempotency_key=idempotency_key,
            amount_rials=amount_rials,
            revenue_account=revenue_account,
            payer_national_code=payer_national_code,
            reference=reference,
            channel=channel,
            payer_account=payer_account,
            status="failed" if declined else "pending",
            created_at=self._clock(),
            failure_reason="the amount exceeds the payer's daily limit" if declined else None,
        )
        self._put(payment)
        self._save()
        return payment, False

    def get(self, payment_id: str) -> Payment | None:
        """The payment ``payment_id``, settled first if its time has come."""
        payment = self._by_id.get(payment_id)
        if payment is None:
            return None
        due = (
            payment.status == "pending"
            and self._settle_after is not None
            and self._clock() - payment.created_at >= timedelta(seconds=self._settle_after)
        )
        return self.settle(payment_id) if due else payment

    def find(self, idempotency_key: str) -> Payment | None:
        """The payment made under ``idempotency_key``, if any."""
        payment_id = self._by_key.get(idempotency_key)
        return None if payment_id is None else self.get(payment_id)

    def settle(self, payment_id: str) -> Payment:
        """Settle a pending payment now (a settled one is returned as it is)."""
        payment = self._by_id[payment_id]
        if payment.status == "settled":
            return payment
        if payment.status != "pending":
            raise PaymentNotSettleable(f"payment {payment_id} is {payment.status}")
        references = {p.settlement_reference for p in self._by_id.values()}
        settled = dataclasses.replace(
            payment,
            status="settled",
            settled_at=self._clock(),
            settlement_reference=self._new_digits(12, lambda digits: digits in references),
        )
        self._put(settled)
        self._save()
        return settled
