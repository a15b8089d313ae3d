"""Client of civil registration (ثبت احوال): person inquiry and tracking-code verification."""

from __future__ import annotations

import re
from typing import Any, Unpack

from tabadol.civilregistry.v1 import civilregistry_pb2 as pb
from tabadol.civilregistry.v1 import civilregistry_pb2_grpc as pb_grpc

from connectors import _codes
from connectors._answers import require, require_field, require_inquiry_tracking_code, utc
from connectors._resilience import Caller, ConnectOptions, ConnectorClient, InvalidAnswer
from connectors.civil_registry.records import (
    Gender,
    InquiryVerification,
    Person,
    PersonInquiry,
)

__all__ = ["SYSTEM", "CivilRegistryClient", "connect"]

SYSTEM = "civil-registry"

_GENDERS: dict[int, Gender] = {pb.GENDER_MALE: "male", pb.GENDER_FEMALE: "female"}
_MASKED = re.compile(r"[0-9]{3}\*{5}[0-9]{2}")


def _person(message: Any, national_code: str, birth_date_jalali: str) -> Person:
    require(
        _codes.is_national_code(message.national_code),
        f"malformed national code {message.national_code!r}",
    )
    require(message.national_code == national_code, "the answer is about another person")
    require(message.birth_date_jalali == birth_date_jalali, "the birth date does not match")
    require(
        bool(message.first_name and message.last_name and message.father_name),
        "a name is missing",
    )
    gender = _GENDERS.get(message.gender)
    if gender is None:
        raise InvalidAnswer(f"unknown gender {message.gender}")
    return Person(
        national_code=message.national_code,
        first_name=message.first_name,
        last_name=message.last_name,
        father_name=message.father_name,
        gender=gender,
        birth_date_jalali=message.birth_date_jalali,
        alive=message.alive,
    )


def _verification(code: str, message: Any) -> InquiryVerification:
    if not message.authentic:
        return InquiryVerification(inquiry_tracking_code=code, authentic=False)
    require(
        _MASKED.fullmatch(message.national_code_masked) is not None,
        f"malformed masked national code {message.national_code_masked!r}",
    )
    return InquiryVerification(
        inquiry_tracking_code=code,
        authentic=True,
        issued_at=utc(message, "issued_at"),
        issued_at_jalali=message.issued_at_jalali,
        national_code_masked=message.national_code_masked,
        agency=message.agency,
        case_tracking_code=message.case_tracking_code,
        inquiry_kind=message.inquiry_kind,
    )


class CivilRegistryClient(ConnectorClient):
    """Asks the civil registry about natural persons; every failure is a ``ConnectorError``."""

    def __init__(self, caller: Caller) -> None:
        super().__init__(caller)
        self._stub = pb_grpc.CivilRegistryServiceStub(caller.channel)

    async def inquire_person(
        self, national_code: str, birth_date_jalali: str, *, tracking_code: str
    ) -> PersonInquiry:
        """The person under ``national_code`` born on ``birth_date_jalali`` ("1370/05/12").

        ``tracking_code`` is the main agency's case tracking code (004 art. 6). An unknown
        person, or a birth date that does not match, is refused with code NOT_FOUND.
        """

        def parse(response: Any) -> PersonInquiry:
            message = require_field(response, "person")
            return PersonInquiry(
                person=_person(message, national_code, birth_date_jalali),
                inquiry_tracking_code=require_inquiry_tracking_code(response.inquiry_tracking_code),
                inquired_at=utc(response, "inquired_at"),
            )

        request = pb.InquirePersonRequest(
            national_code=national_code, birth_date_jalali=birth_date_jalali
        )
        return await self._caller.call(
            "InquirePerson",
            self._stub.InquirePerson,
            request,
            parse,
            tracking_code=tracking_code,
        )

    async def inquire_birth_certificate(
        self, national_code: str, serial: str, series: str, *, tracking_code: str
    ) -> PersonInquiry:
        """The person under ``national_code`` whose birth certificate has ``serial`` (6
        digits) and ``series`` ("الف/12"); a mismatch is refused with code NOT_FOUND."""

        def parse(response: Any) -> PersonInquiry:
            message = require_field(response, "person")
            require(
                _codes.is_national_code(message.national_code),
                f"malformed national code {message.national_code!r}",
            )
            require(message.national_code == national_code, "the answer is about another person")
            return PersonInquiry(
                person=_person(message, national_code, message.birth_date_jalali),
                inquiry_tracking_code=require_inquiry_tracking_code(response.inquiry_tracking_code),
                inquired_at=utc(response, "inquired_at"),
            )

        request = pb.InquireBirthCertificateRequest(
            national_code=national_code, serial=serial, series=series
        )
        return await self._caller.call(
            "InquireBirthCertificate",
            self._stub.InquireBirthCertificate,
            request,
            parse,
            tracking_code=tracking_code,
        )

    async def verify_inquiry(
        self, inquiry_tracking_code: str, *, tracking_code: str
    ) -> InquiryVerification:
        """Whether the registry issued ``inquiry_tracking_code``, and when (no content)."""
        request = pb.VerifyInquiryRequest(inquiry_tracking_code=inquiry_tracking_code)
        return await self._caller.call(
            "VerifyInquiry",
            self._stub.VerifyInquiry,
            request,
            lambda response: _verification(inquiry_tracking_code, response),
            tracking_code=tracking_code,
        )


async def connect(
    target: str, *, agency: str, **options: Unpack[ConnectOptions]
) -> CivilRegistryClient:
    """A client of the civil registry at ``target`` (``host:port``) calling as ``agency``.

    Options (all keyword, see :class:`~connectors._resilience.ConnectOptions`):
    ``timeout`` per attempt (2.0 s), ``retries`` on UNAVAILABLE (2), ``backoff`` (0.1 s),
    ``max_backoff`` (2.0 s), ``failure_threshold`` (5), ``cool_down`` (10.0 s),
    ``credentials``, ``channel_options``, ``clock``, ``rng``. No I/O happens until a call.
    """
    return CivilRegistryClient(Caller.open(SYSTEM, target, agency=agency, **options))
