"""What the deeds registry (ثبت اسناد و املاک) answers, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["LegalPerson", "LegalPersonInquiry", "LegalPersonStatus"]

LegalPersonStatus = Literal["active", "dissolved"]


@dataclass(frozen=True)
class LegalPerson:
    """A legal person's record; name in Persian, registration date Jalali ``"1388/02/15"``."""

    national_id: str
    name: str
    registration_number: str
    registration_date_jalali: str
    status: LegalPersonStatus


@dataclass(frozen=True)
class LegalPersonInquiry:
    """One answered inquiry: the record and the registry's inquiry tracking code."""

    legal_person: LegalPerson
    inquiry_tracking_code: str
    inquired_at: datetime  # aware, UTC
