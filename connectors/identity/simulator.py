"""Reference simulator of the national window's identity provider (002 art. 5).

Tokens are self-contained and HMAC-SHA256-signed with a key derived from ``seed``:
``v1.<base64url(JSON claims)>.<base64url(MAC)>`` with the claims ``sub`` (national
code), ``acr`` (assurance level 1..4), ``iat``, ``exp`` (Unix seconds) and ``jti``. A
restarted simulator with the same seed still recognises its tokens; a token that is
forged, garbled or expired is simply inactive (RFC 7662).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from tabadol.identity.v1 import identity_pb2 as pb
from tabadol.identity.v1 import identity_pb2_grpc as pb_grpc

from connectors import _codes, _jalali
from connectors._simulation import DEFAULT_SEED, Checks, Faults, ServerTls, start_server, timestamp

__all__ = ["DEFAULT_TTL_SECONDS", "SERVICE_NAME", "IdentityProviderServicer", "create_server"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["IdentityProviderService"].full_name
DEFAULT_TTL_SECONDS = 900
MAX_TTL_SECONDS = 86_400
MAX_TOKEN_LENGTH = 4096
_PREFIX = "v1."


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenMinter:
    """Signs and reads the simulator's self-contained tokens."""

    def __init__(self, seed: int) -> None:
        self._key = hashlib.sha256(f"tabadol/identity-simulator/{seed}".encode()).digest()
        # Token ids only need to differ; determinism keeps demo runs reproducible.
        self._rng = random.Random(f"{seed}/identity/jti")  # noqa: S311

    def _mac(self, signed: str) -> str:
        return _b64encode(hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).digest())

    def mint(
        self, national_code: str, level: int, issued_at: datetime, expires_at: datetime
    ) -> str:
        """A token for ``national_code`` at ``level``, valid until ``expires_at``."""
        claims = {
            "sub": national_code,
            "acr": level,
            "iat": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": f"{self._rng.getrandbits(64):016x}",
        }
        payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
        signed = _PREFIX + payload
        return f"{signed}.{self._mac(signed)}"

    def read(self, token: str) -> dict[str, Any] | None:
        """The claims of a genuine token, or ``None`` for anything else."""
        signed, _, mac = token.rpartition(".")
        if not signed.startswith(_PREFIX) or not hmac.compare_digest(self._mac(signed), mac):
            return None
        try:
            claims = json.loads(_b64decode(signed[len(_PREFIX) :]))
        except (binascii.Error, ValueError):
            return None
        return claims if isinstance(claims, dict) else None


class IdentityProviderServicer(pb_grpc.IdentityProviderServiceServicer):
    """Mints and introspects tokens; keeps no state beyond its key."""

    def __init__(
        self, minter: TokenMinter, *, clock: Callable[[], datetime] = _jalali.now_utc
    ) -> None:
        self._minter = minter
        self._clock = clock

    async def IntrospectToken(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.IntrospectTokenRequest, context: grpc.aio.ServicerContext
    ) -> pb.IntrospectTokenResponse:
        token = request.token
        checks = Checks()
        checks.require(
            0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.isprintable(),
            "token",
            f"must be 1 to {MAX_TOKEN_LENGTH} printable ASCII characters",
        )
        await checks.refuse_if_any(context)
        claims = self._minter.read(token)
        if claims is None:
            return pb.IntrospectTokenResponse(active=False)
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
        if expires_at <= self._clock():
            return pb.IntrospectTokenResponse(active=False)
        return pb.IntrospectTokenResponse(
            active=True,
            national_code=str(claims["sub"]),
            assurance_level=int(claims["acr"]),
            expires_at=timestamp(expires_at),
        )

    async def IssueToken(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.IssueTokenRequest, context: grpc.aio.ServicerContext
    ) -> pb.IssueTokenResponse:
        checks = Checks()
        checks.require(
            _codes.is_national_code(request.national_code),
            "national_code",
            "must be 10 digits with a valid check digit",
        )
        checks.require(1 <= request.assurance_level <= 4, "assurance_level", "must be 1 to 4")
        checks.require(
            request.ttl_seconds <= MAX_TTL_SECONDS,
            "ttl_seconds",
            f"must be 0 (default) to {MAX_TTL_SECONDS}",
        )
        await checks.refuse_if_any(context)
        now = self._clock().replace(microsecond=0)
        expires_at = now + timedelta(seconds=request.ttl_seconds or DEFAULT_TTL_SECONDS)
        token = self._minter.mint(request.national_code, request.assurance_level, now, expires_at)
        return pb.IssueTokenResponse(token=token, expires_at=timestamp(expires_at))


async def create_server(
    address: str,
    *,
    latency: float = 0.0,
    error_rate: float = 0.0,
    seed: int = DEFAULT_SEED,
    faults: Faults | None = None,
    tls: ServerTls | None = None,
    clock: Callable[[], datetime] = _jalali.now_utc,
) -> tuple[grpc.aio.Server, int]:
    """Start an identity-provider simulator on ``address`` (``"127.0.0.1:0"``: any port).

    Returns the started server and its bound port; stop it with ``await server.stop(0)``.
    ``faults`` (mutable) overrides ``latency`` and ``error_rate`` when given; ``clock``
    (aware UTC) decides expiry. The case tracking code is optional here: sign-in comes
    before any case.
    """
    servicer = IdentityProviderServicer(TokenMinter(seed), clock=clock)
    return await start_server(
        address,
        register=lambda server: pb_grpc.add_IdentityProviderServiceServicer_to_server(
            servicer, server
        ),
        service_names=(SERVICE_NAME,),
        faults=faults or Faults(latency=latency, error_rate=error_rate),
        seed=seed,
        tls=tls,
        tracking_required=False,
    )
