"""What the civil registry (ثبت احوال) answers, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = ["Gender", "InquiryVerification", "Person", "PersonInquiry"]

Gender = Literal["male", "female"]


@dataclass(frozen=True)
class Person:
    """A natural person's record; names in Persian, birth date Jalali ``"1370/05/12"``."""

    national_code: str
    first_name: str
    last_name: str
    father_name: str
    gender: Gender
    birth_date_jalali: str
    alive: bool = True
    # The registry's own data, never in an answer (so not compared): سریال و سری شناسنامه.
    birth_certificate_serial: str = field(default="", compare=False)  # 6 digits
    birth_certificate_series: str = field(default="", compare=False)  # "الف/12"


@dataclass(frozen=True)
class PersonInquiry:
    """One answered inquiry: the record and the registry's inquiry tracking code."""

    person: Person
    inquiry_tracking_code: str
    inquired_at: datetime  # aware, UTC


@dataclass(frozen=True)
class InquiryVerification:
    """Whether an inquiry tracking code is authentic; no content of the inquiry.

    When ``authentic`` is false every other field is empty (``None`` or ``""``).
    """

    inquiry_tracking_code: str
    authentic: bool
    issued_at: datetime | None = None  # aware, UTC
    issued_at_jalali: str = ""  # Asia/Tehran, "1405-01-01 00:00:00"
    national_code_masked: str = ""  # "001*****84"
    agency: str = ""
    case_tracking_code: str = ""
    inquiry_kind: str = ""  # "national_code" or "birth_certificate"; "" from older registries
