"""The hub's ports to other agencies' systems: what it asks of them, as ``typing.Protocol``s.

The connector clients (:mod:`connectors`) satisfy these structurally; the hub names a
concrete connector only in its composition root. Answers are read-only views of the
connectors' frozen records: the hub reads only the fields it keeps.

Every port raises one exception type for a call that gave no usable answer; it carries
the attributes of :class:`ExchangeFailure` (``connectors.ConnectorError`` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "AddressAnswer",
    "CivilRegistry",
    "Closable",
    "DeedsRegistry",
    "ExchangeFailure",
    "FieldProblem",
    "IdentityProvider",
    "LegalPersonAnswer",
    "LegalPersonInquiryAnswer",
    "PaymentAnswer",
    "PersonAnswer",
    "PersonInquiryAnswer",
    "PostalCodeInquiryAnswer",
    "PostalCodeService",
    "TokenAnswer",
    "Treasury",
]


class Closable(Protocol):
    """A client holding a channel."""

    async def close(self) -> None:
        """Close the channel; calls in flight are cancelled."""


class FieldProblem(Protocol):
    """One field the other system refused."""

    @property
    def field(self) -> str: ...

    @property
    def description(self) -> str: ...


@runtime_checkable
class ExchangeFailure(Protocol):
    """What a port's failure tells: which system, how it failed and why.

    ``kind`` is one of unavailable, timeout, refused, invalid_answer, circuit_open;
    ``code`` the gRPC status name when the system answered with one.
    """

    @property
    def system(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def detail(self) -> str: ...

    @property
    def code(self) -> str | None: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def violations(self) -> Sequence[FieldProblem]: ...


# --- civil registration (ثبت احوال) ---------------------------------------------------


class PersonAnswer(Protocol):
    @property
    def national_code(self) -> str: ...

    @property
    def birth_date_jalali(self) -> str: ...

    @property
    def alive(self) -> bool: ...


class PersonInquiryAnswer(Protocol):
    @property
    def person(self) -> PersonAnswer: ...

    @property
    def inquiry_tracking_code(self) -> str: ...

    @property
    def inquired_at(self) -> datetime: ...


class InquiryVerificationAnswer(Protocol):
    """A registry's word on an inquiry tracking code it may have issued (no content)."""

    @property
    def authentic(self) -> bool: ...

    @property
    def issued_at(self) -> datetime | None: ...

    @property
    def agency(self) -> str: ...

    @property
    def inquiry_kind(self) -> str: ...


class CivilRegistry(Closable, Protocol):
    """Natural persons by national code and Jalali birth date ("1370/05/12"), or by the
    birth certificate's serial and series; verification of its inquiry codes."""

    async def inquire_person(
        self, national_code: str, birth_date_jalali: str, *, tracking_code: str
    ) -> PersonInquiryAnswer: ...

    async def inquire_birth_certificate(
        self, national_code: str, serial: str, series: str, *, tracking_code: str
    ) -> PersonInquiryAnswer: ...

    async def verify_inquiry(
        self, inquiry_tracking_code: str, *, tracking_code: str
    ) -> InquiryVerificationAnswer: ...


# --- deeds registry (ثبت اسناد و املاک) ------------------------------------------------


class LegalPersonAnswer(Protocol):
    @property
    def national_id(self) -> str: ...

    @property
    def status(self) -> str: ...


class LegalPersonInquiryAnswer(Protocol):
    @property
    def legal_person(self) -> LegalPersonAnswer: ...

    @property
    def inquiry_tracking_code(self) -> str: ...

    @property
    def inquired_at(self) -> datetime: ...


class RepresentativeAnswer(Protocol):
    @property
    def authorized(self) -> bool: ...

    @property
    def role(self) -> str: ...

    @property
    def inquiry_tracking_code(self) -> str: ...


class DeedsRegistry(Closable, Protocol):
    """Legal persons by 11-digit national id; their representatives; its inquiry codes."""

    async def inquire_legal_person(
        self, national_id: str, *, tracking_code: str
    ) -> LegalPersonInquiryAnswer: ...

    async def verify_representative(
        self, national_id: str, national_code: str, *, tracking_code: str
    ) -> RepresentativeAnswer: ...

    async def verify_inquiry(
        self, inquiry_tracking_code: str, *, tracking_code: str
    ) -> InquiryVerificationAnswer: ...


# --- postal code (کد پستی) -------------------------------------------------------------


class AddressAnswer(Protocol):
    @property
    def postal_code(self) -> str: ...

    @property
    def province(self) -> str: ...


class PostalCodeInquiryAnswer(Protocol):
    @property
    def address(self) -> AddressAnswer: ...

    @property
    def inquiry_tracking_code(self) -> str: ...

    @property
    def inquired_at(self) -> datetime: ...


class PostalCodeService(Closable, Protocol):
    """Addresses by 10-digit postal code."""

    async def lookup_postal_code(
        self, postal_code: str, *, tracking_code: str
    ) -> PostalCodeInquiryAnswer: ...


# --- identity provider of the national window (احراز هویت) ----------------------------


class TokenAnswer(Protocol):
    @property
    def active(self) -> bool: ...

    @property
    def national_code(self) -> str | None: ...

    @property
    def assurance_level(self) -> int | None: ...


class IdentityProvider(Closable, Protocol):
    """Token introspection: whose token it is and at which assurance level (1..4)."""

    async def introspect_token(
        self, token: str, *, tracking_code: str | None = None
    ) -> TokenAnswer: ...


# --- treasury (خزانه / شتاب) -----------------------------------------------------------


class PaymentAnswer(Protocol):
    @property
    def payment_id(self) -> str: ...

    @property
    def idempotency_key(self) -> str: ...

    @property
    def amount_rials(self) -> int: ...

    @property
    def status(self) -> str:
        """pending, settled or failed."""

    @property
    def settled_at(self) -> datetime | None: ...

    @property
    def settlement_reference(self) -> str | None: ...

    @property
    def failure_reason(self) -> str | None: ...


class Treasury(Closable, Protocol):
    """Idempotent payments of tariffs into revenue accounts (004 art. 9)."""

    async def create_payment(
        self,
        *,
        idempotency_key: str,
        amount_rials: int,
        revenue_account: str,
        payer_national_code: str,
        reference: str,
        channel: Literal["agency_site", "shetab", "pos", "inter_agency"] = "agency_site",
        payer_account: str = "",
    ) -> PaymentAnswer: ...

    async def get_payment(self, payment_id: str, *, tracking_code: str) -> PaymentAnswer: ...

    async def find_payment(
        self, idempotency_key: str, *, tracking_code: str
    ) -> PaymentAnswer | None: ...
