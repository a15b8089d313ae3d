"""Reference simulator of civil registration (ثبت احوال) over a synthetic population.

It answers ``InquirePerson`` and ``InquireBirthCertificate`` from
:func:`connectors.synthetic.people` (``population`` people drawn from ``seed``), issues an
inquiry tracking code per answer and verifies those codes with ``VerifyInquiry`` for as
long as it runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

import grpc
from tabadol.civilregistry.v1 import civilregistry_pb2 as pb
from tabadol.civilregistry.v1 import civilregistry_pb2_grpc as pb_grpc

from connectors import _codes, _jalali, synthetic
from connectors._simulation import (
    DEFAULT_SEED,
    Checks,
    Faults,
    InquiryCodes,
    ServerTls,
    abort,
    caller_of,
    start_server,
    timestamp,
)
from connectors.civil_registry.records import Person

__all__ = ["SERVICE_NAME", "CivilRegistryServicer", "create_server", "person_message"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["CivilRegistryService"].full_name

_GENDERS = {"male": pb.GENDER_MALE, "female": pb.GENDER_FEMALE}
_SERIAL = re.compile(r"[0-9]{6}")
_SERIES = re.compile(r"\S{1,3}/[0-9]{2}")


def person_message(person: Person) -> pb.Person:
    """A person record as its proto message."""
    return pb.Person(
        national_code=person.national_code,
        first_name=person.first_name,
        last_name=person.last_name,
        father_name=person.father_name,
        gender=_GENDERS[person.gender],
        birth_date_jalali=person.birth_date_jalali,
        alive=person.alive,
    )


def _is_jalali_date(text: str) -> bool:
    try:
        _jalali.parse_date(text)
    except ValueError:
        return False
    return True


class CivilRegistryServicer(pb_grpc.CivilRegistryServiceServicer):
    """Answers inquiries about ``people``; remembers the tracking codes it issues."""

    def __init__(
        self,
        people: Iterable[Person],
        codes: InquiryCodes,
        *,
        clock: Callable[[], datetime] = _jalali.now_utc,
    ) -> None:
        self._people = {person.national_code: person for person in people}
        self._codes = codes
        self._clock = clock

    async def InquirePerson(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.InquirePersonRequest, context: grpc.aio.ServicerContext
    ) -> pb.InquirePersonResponse:
        checks = Checks()
        checks.require(
            _codes.is_national_code(request.national_code),
            "national_code",
            "must be 10 digits with a valid check digit",
        )
        checks.require(
            _is_jalali_date(request.birth_date_jalali),
            "birth_date_jalali",
            "must be a real Jalali date written YYYY/MM/DD",
        )
        await checks.refuse_if_any(context)
        person = self._people.get(request.national_code)
        if person is None or person.birth_date_jalali != request.birth_date_jalali:
            # One answer for both: the registry does not confirm that a code exists.
            await abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                "no person with this national code and birth date",
            )
        caller = caller_of(context)
        issued = self._codes.issue(
            subject=person.national_code,
            agency=caller.agency,
            case_tracking_code=caller.tracking_code,
            at=self._clock(),
            kind="national_code",
        )
        return pb.InquirePersonResponse(
            person=person_message(person),
            inquiry_tracking_code=issued.code,
            inquired_at=timestamp(issued.issued_at),
        )

    async def InquireBirthCertificate(  # noqa: N802  # the RPC's name
        self, request: pb.InquireBirthCertificateRequest, context: grpc.aio.ServicerContext
    ) -> pb.InquireBirthCertificateResponse:
        checks = Checks()
        checks.require(
            _codes.is_national_code(request.national_code),
            "national_code",
            "must be 10 digits with a valid check digit",
        )
        checks.require(_SERIAL.fullmatch(request.serial) is not None, "serial", "must be 6 digits")
        checks.require(
            _SERIES.fullmatch(request.series) is not None,
            "series",
            "must be one Persian letter and two digits, written الف/12",
        )
        await checks.refuse_if_any(context)
        person = self._people.get(request.national_code)
        if person is None or (person.birth_certificate_serial, person.birth_certificate_series) != (
            request.serial,
            request.series,
        ):
            await abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                "no birth certificate of this serial and series for this national code",
            )
        caller = caller_of(context)
        issued = self._codes.issue(
            subject=person.national_code,
            agency=caller.agency,
            case_tracking_code=caller.tracking_code,
            at=self._clock(),
            kind="birth_certificate",
        )
        return pb.InquireBirthCertificateResponse(
            person=person_message(person),
            inquiry_tracking_code=issued.code,
            inquired_at=timestamp(issued.issued_at),
        )

    async def VerifyInquiry(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.VerifyInquiryRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyInquiryResponse:
        checks = Checks()
        checks.require(
            _codes.is_inquiry_tracking_code(request.inquiry_tracking_code),
            "inquiry_tracking_code",
            "must be 16 digits with a valid Luhn check digit",
        )
        await checks.refuse_if_any(context)
        issued = self._codes.get(request.inquiry_tracking_code)
        if issued is None:
            return pb.VerifyInquiryResponse(authentic=False)
        return pb.VerifyInquiryResponse(
            authentic=True,
            issued_at=timestamp(issued.issued_at),
            issued_at_jalali=_jalali.format_datetime(issued.issued_at),
            national_code_masked=_codes.mask_national_code(issued.subject),
            agency=issued.agency,
            case_tracking_code=issued.case_tracking_code,
            inquiry_kind=issued.kind,
        )


async def create_server(
    address: str,
    *,
    latency: float = 0.0,
    error_rate: float = 0.0,
    seed: int = DEFAULT_SEED,
    population: int = 1000,
    faults: Faults | None = None,
    tls: ServerTls | None = None,
) -> tuple[grpc.aio.Server, int]:
    """Start a civil-registry simulator on ``address`` (``"127.0.0.1:0"`` for any port).

    Returns the started server and its bound port; stop it with ``await server.stop(0)``.
    ``faults`` (mutable) overrides ``latency`` and ``error_rate`` when given.
    """
    servicer = CivilRegistryServicer(
        synthetic.people(seed, population), InquiryCodes(seed, "civil-registry")
    )
    return await start_server(
        address,
        register=lambda server: pb_grpc.add_CivilRegistryServiceServicer_to_server(
            servicer, server
        ),
        service_names=(SERVICE_NAME,),
        faults=faults or Faults(latency=latency, error_rate=error_rate),
        seed=seed,
        tls=tls,
    )
