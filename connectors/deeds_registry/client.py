"""Client of the deeds registry (ثبت اسناد و املاک): legal-person inquiry by national id,
representatives' confirmation and inquiry tracking-code verification."""

from __future__ import annotations

from typing import Any, Unpack

from tabadol.deedsregistry.v1 import deedsregistry_pb2 as pb
from tabadol.deedsregistry.v1 import deedsregistry_pb2_grpc as pb_grpc

from connectors import _codes, _jalali
from connectors._answers import require, require_field, require_inquiry_tracking_code, utc
from connectors._resilience import Caller, ConnectOptions, ConnectorClient, InvalidAnswer
from connectors.deeds_registry.records import (
    LegalPerson,
    LegalPersonInquiry,
    LegalPersonStatus,
    RegistryInquiryVerification,
    RepresentativeCheck,
)

__all__ = ["SYSTEM", "DeedsRegistryClient", "connect"]

SYSTEM = "deeds-registry"

_STATUSES: dict[int, LegalPersonStatus] = {
    pb.LEGAL_PERSON_STATUS_ACTIVE: "active",
    pb.LEGAL_PERSON_STATUS_DISSOLVED: "dissolved",
}


def _legal_person(message: Any, national_id: str) -> LegalPerson:
    require(
        _codes.is_national_id(message.national_id),
        f"malformed national id {message.national_id!r}",
    )
    require(message.national_id == national_id, "the answer is about another legal person")
    require(bool(message.name), "the name is missing")
    require(
        message.registration_number.isascii() and message.registration_number.isdigit(),
        f"malformed registration number {message.registration_number!r}",
    )
    try:
        _jalali.parse_date(message.registration_date_jalali)
    except ValueError as problem:
        raise InvalidAnswer(f"registration date: {problem}") from problem
    status = _STATUSES.get(message.status)
    if status is None:
        raise InvalidAnswer(f"unknown legal-person status {message.status}")
    return LegalPerson(
        national_id=message.national_id,
        name=message.name,
        registration_number=message.registration_number,
        registration_date_jalali=message.registration_date_jalali,
        status=status,
    )


class DeedsRegistryClient(ConnectorClient):
    """Asks the deeds registry about legal persons; every failure is a ``ConnectorError``."""

    def __init__(self, caller: Caller) -> None:
        super().__init__(caller)
        self._stub = pb_grpc.DeedsRegistryServiceStub(caller.channel)

    async def inquire_legal_person(
        self, national_id: str, *, tracking_code: str
    ) -> LegalPersonInquiry:
        """The legal person under the 11-digit ``national_id`` (unknown: refused, NOT_FOUND).

        ``tracking_code`` is the main agency's case tracking code (004 art. 6).
        """

        def parse(response: Any) -> LegalPersonInquiry:
            return LegalPersonInquiry(
                legal_person=_legal_person(require_field(response, "legal_person"), national_id),
                inquiry_tracking_code=require_inquiry_tracking_code(response.inquiry_tracking_code),
                inquired_at=utc(response, "inquired_at"),
            )

        return await self._caller.call(
            "InquireLegalPerson",
            self._stub.InquireLegalPerson,
            pb.InquireLegalPersonRequest(national_id=national_id),
            parse,
            tracking_code=tracking_code,
        )

    async def verify_representative(
        self, national_id: str, national_code: str, *, tracking_code: str
    ) -> RepresentativeCheck:
        """Whether the person of ``national_code`` may act for the legal person
        ``national_id``, in which role, and the registry's inquiry code when so."""

        def parse(response: Any) -> RepresentativeCheck:
            if not response.authorized:
                return RepresentativeCheck(national_id, national_code, authorized=False)
            require(bool(response.role), "an authorised representative has no role")
            return RepresentativeCheck(
                national_id,
                national_code,
                authorized=True,
                role=response.role,
                inquiry_tracking_code=require_inquiry_tracking_code(response.inquiry_tracking_code),
                inquired_at=utc(response, "inquired_at"),
            )

        request = pb.VerifyRepresentativeRequest(
            national_id=national_id, national_code=national_code
        )
        return await self._caller.call(
            "VerifyRepresentative",
            self._stub.VerifyRepresentative,
            request,
            parse,
            tracking_code=tracking_code,
        )

    async def verify_inquiry(
        self, inquiry_tracking_code: str, *, tracking_code: str
    ) -> RegistryInquiryVerification:
        """Whether the registry issued ``inquiry_tracking_code``, and when (no content)."""

        def parse(response: Any) -> RegistryInquiryVerification:
            if not response.authentic:
                return RegistryInquiryVerification(inquiry_tracking_code, authentic=False)
            return RegistryInquiryVerification(
                inquiry_tracking_code,
                authentic=True,
                issued_at=utc(response, "issued_at"),
                agency=response.agency,
                case_tracking_code=response.case_tracking_code,
                inquiry_kind=response.inquiry_kind,
            )

        request = pb.VerifyInquiryRequest(inquiry_tracking_code=inquiry_tracking_code)
        return await self._caller.call(
            "VerifyInquiry", self._stub.VerifyInquiry, request, parse, tracking_code=tracking_code
        )


async def connect(
    target: str, *, agency: str, **options: Unpack[ConnectOptions]
) -> DeedsRegistryClient:
    """A client of the deeds registry at ``target`` (``host:port``) calling as ``agency``.

    Options as for every connector (:class:`~connectors._resilience.ConnectOptions`).
    """
    return DeedsRegistryClient(Caller.open(SYSTEM, target, agency=agency, **options))
