"""Reference simulator of the postal-code service over synthetic addresses.

It answers ``LookupPostalCode`` from :func:`connectors.synthetic.postal_codes`
(``population`` addresses drawn from ``seed``) and issues an inquiry tracking code per
answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import grpc
from tabadol.postalcode.v1 import postalcode_pb2 as pb
from tabadol.postalcode.v1 import postalcode_pb2_grpc as pb_grpc

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
from connectors.postal_code.records import PostalAddress

__all__ = ["SERVICE_NAME", "PostalCodeServicer", "address_message", "create_server"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["PostalCodeService"].full_name


def address_message(address: PostalAddress) -> pb.Address:
    """An address as its proto message."""
    return pb.Address(
        postal_code=address.postal_code,
        province=address.province,
        city=address.city,
        address_line=address.address_line,
    )


class PostalCodeServicer(pb_grpc.PostalCodeServiceServicer):
    """Answers lookups of ``addresses``."""

    def __init__(
        self,
        addresses: Iterable[PostalAddress],
        codes: InquiryCodes,
        *,
        clock: Callable[[], datetime] = _jalali.now_utc,
    ) -> None:
        self._addresses = {address.postal_code: address for address in addresses}
        self._codes = codes
        self._clock = clock

    async def LookupPostalCode(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.LookupPostalCodeRequest, context: grpc.aio.ServicerContext
    ) -> pb.LookupPostalCodeResponse:
        checks = Checks()
        checks.require(
            _codes.is_postal_code(request.postal_code),
            "postal_code",
            "must be 10 digits: no 0 or 2 in the first five, the fifth not 5, the first four"
            " not all equal, no 2 in the last five",
        )
        await checks.refuse_if_any(context)
        address = self._addresses.get(request.postal_code)
        if address is None:
            await abort(context, grpc.StatusCode.NOT_FOUND, "no address under this postal code")
        caller = caller_of(context)
        issued = self._codes.issue(
            subject=address.postal_code,
            agency=caller.agency,
            case_tracking_code=caller.tracking_code,
            at=self._clock(),
        )
        return pb.LookupPostalCodeResponse(
            address=address_message(address),
            inquiry_tracking_code=issued.code,
            inquired_at=timestamp(issued.issued_at),
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
    """Start a postal-code simulator on ``address`` (``"127.0.0.1:0"`` for any port).

    Returns the started server and its bound port; stop it with ``await server.stop(0)``.
    ``faults`` (mutable) overrides ``latency`` and ``error_rate`` when given.
    """
    servicer = PostalCodeServicer(
        synthetic.postal_codes(seed, population), InquiryCodes(seed, "postal-code")
    )
    return await start_server(
        address,
        register=lambda server: pb_grpc.add_PostalCodeServiceServicer_to_server(servicer, server),
        service_names=(SERVICE_NAME,),
        faults=faults or Faults(latency=latency, error_rate=error_rate),
        seed=seed,
        tls=tls,
    )
