"""Reference simulator of the deeds registry (ثبت اسناد و املاک) over synthetic companies.

It answers ``InquireLegalPerson`` from :func:`connectors.synthetic.legal_persons`
(``population`` legal persons drawn from ``seed``) and issues an inquiry tracking code
per answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import grpc
from tabadol.deedsregistry.v1 import deedsregistry_pb2 as pb
from tabadol.deedsregistry.v1 import deedsregistry_pb2_grpc as pb_grpc

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
from connectors.deeds_registry.records import LegalPerson

__all__ = ["SERVICE_NAME", "DeedsRegistryServicer", "create_server", "legal_person_message"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["DeedsRegistryService"].full_name

_STATUSES = {
    "active": pb.LEGAL_PERSON_STATUS_ACTIVE,
    "dissolved": pb.LEGAL_PERSON_STATUS_DISSOLVED,
}


def legal_person_message(legal_person: LegalPerson) -> pb.LegalPerson:
    """A legal-person record as its proto message."""
    return pb.LegalPerson(
        national_id=legal_person.national_id,
        name=legal_person.name,
        registration_number=legal_person.registration_number,
        registration_date_jalali=legal_person.registration_date_jalali,
        status=_STATUSES[legal_person.status],
    )


class DeedsRegistryServicer(pb_grpc.DeedsRegistryServiceServicer):
    """Answers inquiries about ``legal_persons``."""

    def __init__(
        self,
        legal_persons: Iterable[LegalPerson],
        codes: InquiryCodes,
        *,
        clock: Callable[[], datetime] = _jalali.now_utc,
    ) -> None:
        self._legal_persons = {person.national_id: person for person in legal_persons}
        self._codes = codes
        self._clock = clock

    async def InquireLegalPerson(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.InquireLegalPersonRequest, context: grpc.aio.ServicerContext
    ) -> pb.InquireLegalPersonResponse:
        checks = Checks()
        checks.require(
            _codes.is_national_id(request.national_id),
            "national_id",
            "must be 11 digits with a valid check digit",
        )
        await checks.refuse_if_any(context)
        legal_person = self._legal_persons.get(request.national_id)
        if legal_person is None:
            await abort(context, grpc.StatusCode.NOT_FOUND, "no legal person with this national id")
        caller = caller_of(context)
        issued = self._codes.issue(
            subject=legal_person.national_id,
            agency=caller.agency,
            case_tracking_code=caller.tracking_code,
            at=self._clock(),
            kind="legal_person",
        )
        return pb.InquireLegalPersonResponse(
            legal_person=legal_person_message(legal_person),
            inquiry_tracking_code=issued.code,
            inquired_at=timestamp(issued.issued_at),
        )

    async def VerifyRepresentative(  # noqa: N802  # the RPC's name
        self, request: pb.VerifyRepresentativeRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyRepresentativeResponse:
        checks = Checks()
        checks.require(
            _codes.is_national_id(request.national_id),
            "national_id",
            "must be 11 digits with a valid check digit",
        )
        checks.require(
            _codes.is_national_code(request.national_code),
            "national_code",
            "must be 10 digits with a valid check digit",
        )
        await checks.refuse_if_any(context)
        legal_person = self._legal_persons.get(request.national_id)
        if legal_person is None:
            await abort(context, grpc.StatusCode.NOT_FOUND, "no legal person with this national id")
        roles = dict(legal_person.representatives)
        role = roles.get(request.national_code)
        if role is None or legal_person.status != "active":
            return pb.VerifyRepresentativeResponse(authorized=False)
        caller = caller_of(context)
        issued = self._codes.issue(
            subject=legal_person.national_id,
            agency=caller.agency,
            case_tracking_code=caller.tracking_code,
            at=self._clock(),
            kind="representative",
        )
        return pb.VerifyRepresentativeResponse(
            authorized=True,
            role=role,
            inquiry_tracking_code=issued.code,
            inquired_at=timestamp(issued.issued_at),
        )

    async def VerifyInquiry(  # noqa: N802  # the RPC's name
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
    population: int = 300,
    faults: Faults | None = None,
    tls: ServerTls | None = None,
) -> tuple[grpc.aio.Server, int]:
    """Start a deeds-registry simulator on ``address`` (``"127.0.0.1:0"`` for any port).

    Returns the started server and its bound port; stop it with ``await server.stop(0)``.
    ``faults`` (mutable) overrides ``latency`` and ``error_rate`` when given.
    """
    servicer = DeedsRegistryServicer(
        synthetic.legal_persons(seed, population), InquiryCodes(seed, "deeds-registry")
    )
    return await start_server(
        address,
        register=lambda server: pb_grpc.add_DeedsRegistryServiceServicer_to_server(
            servicer, server
        ),
        service_names=(SERVICE_NAME,),
        faults=faults or Faults(latency=latency, error_rate=error_rate),
        seed=seed,
        tls=tls,
    )
