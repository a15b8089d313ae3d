"""Client of the postal-code service: address lookup by 10-digit postal code."""

from __future__ import annotations

from typing import Any, Unpack

from tabadol.postalcode.v1 import postalcode_pb2 as pb
from tabadol.postalcode.v1 import postalcode_pb2_grpc as pb_grpc

from connectors import _codes
from connectors._answers import require, require_field, require_inquiry_tracking_code, utc
from connectors._resilience import Caller, ConnectOptions, ConnectorClient
from connectors.postal_code.records import PostalAddress, PostalCodeInquiry

__all__ = ["SYSTEM", "PostalCodeClient", "connect"]

SYSTEM = "postal-code"


def _address(message: Any, postal_code: str) -> PostalAddress:
    require(
        _codes.is_postal_code(message.postal_code),
        f"malformed postal code {message.postal_code!r}",
    )
    require(message.postal_code == postal_code, "the answer is about another postal code")
    require(
        bool(message.province and message.city and message.address_line),
        "a part of the address is missing",
    )
    return PostalAddress(
        postal_code=message.postal_code,
        province=message.province,
        city=message.city,
        address_line=message.address_line,
    )


class PostalCodeClient(ConnectorClient):
    """Looks addresses up by postal code; every failure is a ``ConnectorError``."""

    def __init__(self, caller: Caller) -> None:
        super().__init__(caller)
        self._stub = pb_grpc.PostalCodeServiceStub(caller.channel)

    async def lookup_postal_code(
        self, postal_code: str, *, tracking_code: str
    ) -> PostalCodeInquiry:
        """The address under the 10-digit ``postal_code`` (unknown: refused, NOT_FOUND).

        ``tracking_code`` is the main agency's case tracking code (004 art. 6).
        """

        def parse(response: Any) -> PostalCodeInquiry:
            return PostalCodeInquiry(
                address=_address(require_field(response, "address"), postal_code),
                inquiry_tracking_code=require_inquiry_tracking_code(response.inquiry_tracking_code),
                inquired_at=utc(response, "inquired_at"),
            )

        return await self._caller.call(
            "LookupPostalCode",
            self._stub.LookupPostalCode,
            pb.LookupPostalCodeRequest(postal_code=postal_code),
            parse,
            tracking_code=tracking_code,
        )


async def connect(
    target: str, *, agency: str, **options: Unpack[ConnectOptions]
) -> PostalCodeClient:
    """A client of the postal-code service at ``target`` (``host:port``) calling as ``agency``.

    Options as for every connector (:class:`~connectors._resilience.ConnectOptions`).
    """
    return PostalCodeClient(Caller.open(SYSTEM, target, agency=agency, **options))
