"""Client of the national window's identity provider: token introspection and minting."""

from __future__ import annotations

from typing import Any, Unpack

from tabadol.identity.v1 import identity_pb2 as pb
from tabadol.identity.v1 import identity_pb2_grpc as pb_grpc

from connectors import _codes
from connectors._answers import require, utc
from connectors._resilience import Caller, ConnectOptions, ConnectorClient
from connectors.identity.records import IssuedToken, TokenIntrospection

__all__ = ["SYSTEM", "IdentityProviderClient", "connect"]

SYSTEM = "identity"


def _introspection(message: Any) -> TokenIntrospection:
    if not message.active:
        return TokenIntrospection(active=False)
    require(
        _codes.is_national_code(message.national_code),
        f"malformed national code {message.national_code!r}",
    )
    require(
        1 <= message.assurance_level <= 4, f"assurance level {message.assurance_level} not 1..4"
    )
    return TokenIntrospection(
        active=True,
        national_code=message.national_code,
        assurance_level=message.assurance_level,
        expires_at=utc(message, "expires_at"),
    )


class IdentityProviderClient(ConnectorClient):
    """Asks the identity provider about tokens; every failure is a ``ConnectorError``."""

    def __init__(self, caller: Caller) -> None:
        super().__init__(caller)
        self._stub = pb_grpc.IdentityProviderServiceStub(caller.channel)

    async def introspect_token(
        self, token: str, *, tracking_code: str | None = None
    ) -> TokenIntrospection:
        """Whether ``token`` is active, whose it is and its assurance level (1..4).

        An unknown, expired or forged token is not an error: ``active`` is false.
        ``tracking_code`` is the case's, when sign-in happens within one.
        """
        return await self._caller.call(
            "IntrospectToken",
            self._stub.IntrospectToken,
            pb.IntrospectTokenRequest(token=token),
            _introspection,
            tracking_code=tracking_code,
        )

    async def issue_token(
        self,
        national_code: str,
        assurance_level: int,
        *,
        ttl_seconds: int = 0,
        tracking_code: str | None = None,
    ) -> IssuedToken:
        """Mint a token for ``national_code`` at ``assurance_level`` (1..4), for demos.

        ``ttl_seconds`` is the lifetime (0: the provider's default, 900 s in the simulator).
        """

        def parse(response: Any) -> IssuedToken:
            require(bool(response.token), "the answer has no token")
            return IssuedToken(
                token=response.token,
                national_code=national_code,
                assurance_level=assurance_level,
                expires_at=utc(response, "expires_at"),
            )

        request = pb.IssueTokenRequest(
            national_code=national_code,
            assurance_level=assurance_level,
            ttl_seconds=ttl_seconds,
        )
        return await self._caller.call(
            "IssueToken", self._stub.IssueToken, request, parse, tracking_code=tracking_code
        )


async def connect(
    target: str, *, agency: str, **options: Unpack[ConnectOptions]
) -> IdentityProviderClient:
    """A client of the identity provider at ``target`` (``host:port``) calling as ``agency``.

    Options as for every connector (:class:`~connectors._resilience.ConnectOptions`).
    """
    return IdentityProviderClient(Caller.open(SYSTEM, target, agency=agency, **options))
