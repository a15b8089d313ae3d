"""What the treasury answers about payments, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["Payment", "PaymentChannel", "PaymentStatus"]

PaymentStatus = Literal["pending", "settled", "failed"]
PaymentChannel = Literal["agency_site", "shetab", "pos", "inter_agency"]
"""004 art. 9: the agency's site, a Shetab card, a POS terminal; note 2: between agencies."""


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
    channel: PaymentChannel = "agency_site"
    payer_account: str = ""  # the paying agency's Sheba of an inter-agency payment
