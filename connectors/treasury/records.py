"""What the treasury answers about payments, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["Payment", "PaymentStatus"]

PaymentStatus = Literal["pending", "settled", "failed"]


@dataclass(frozen=True)
class Payment:
    """One payment of a tariff into a revenue account (amounts in rials, times UTC).

    ``settlement_reference`` (the 12-digit Shetab RRN) and ``settled_at`` are set once
    ``status == "settled"``; ``failure_reason`` once ``status == "failed"``.
    """

    payment_id: str
    idempotency_key: str
    amount_rials: int
    revenue_account: str
    payer_national_code: str
    reference: str
    status: PaymentStatus
    created_at: datetime
    settled_at: datetime | None = None
    settlement_reference: str | None = None
    failure_reason: str | None = None
