"""What the postal-code service answers, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["PostalAddress", "PostalCodeInquiry"]


@dataclass(frozen=True)
class PostalAddress:
    """The address under one postal code; province, city and street line in Persian."""

    postal_code: str
    province: str
    city: str
    address_line: str


@dataclass(frozen=True)
class PostalCodeInquiry:
    """One answered lookup: the address and the inquiry tracking code."""

    address: PostalAddress
    inquiry_tracking_code: str
    inquired_at: datetime  # aware, UTC
