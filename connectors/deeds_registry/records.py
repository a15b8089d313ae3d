"""What the deeds registry (ثبت اسناد و املاک) answers, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = [
    "LegalPerson",
    "LegalPersonInquiry",
    "LegalPersonStatus",
    "RegistryInquiryVerification",
    "RepresentativeCheck",
]

LegalPersonStatus = Literal["active", "dissolved"]


@dataclass(frozen=True)
class LegalPerson:
    """A legal person's record; name in Persian, registration date Jalali ``"1388/02/15"``."""

    national_id: str
    name: str
    registration_number: str
    registration_date_jalali: str
    status: LegalPersonStatus
    # (national code, role) of the people registered as acting for it (simulator data)
    representatives: tuple[tuple[str, str], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class LegalPersonInquiry:
    """One answered inquiry: the record and the registry's inquiry tracking code."""

    legal_person: LegalPerson
    inquiry_tracking_code: str
    inquired_at: datetime  # aware, UTC


@dataclass(frozen=True)
class RepresentativeCheck:
    """Whether a person acts for a legal person; the role and inquiry code when so."""

    national_id: str
    national_code: str
    authorized: bool
    role: str = ""
    inquiry_tracking_code: str = ""
    inquired_at: datetime | None = None  # aware, UTC


@dataclass(frozen=True)
class RegistryInquiryVerification:
    """Whether the deeds registry issued an inquiry tracking code; no content."""

    inquiry_tracking_code: str
    authentic: bool
    issued_at: datetime | None = None  # aware, UTC
    agency: str = ""
    case_tracking_code: str = ""
    inquiry_kind: str = ""
