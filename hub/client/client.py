"""The agency's client: one typed, signed, retried call at a time.

::

    signer = RequestSigner("MOJ", load_signing_key(Path("moj-signing.pem")))
    async with AgencyClient("hub.example:50051", "MOJ", signer=signer,
                            tls=ClientTls(ca, cert, key)) as hub:
        opened = await hub.call(OPEN_CASE, OpenCaseRequest(service_code=…, …))

* **Typed**: :class:`Rpc` names a method with its request and response message types
  (:mod:`hub.client.rpcs` has every agency-facing method of the hub).
* **Signed**: the request is serialized once; the signer signs exactly those bytes, and
  exactly those bytes are sent (the serializer is the identity).
* **mTLS**: with :class:`ClientTls` the agency is named by its certificate; without it the
  development header ``x-tabadol-agency`` is sent (a hub in development mode only).
* **Retries with idempotency**: UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are
  retried with exponential backoff and jitter (or the hub's RetryInfo), each attempt
  signed afresh (new time and nonce) under the same ``x-tabadol-idempotency-key``: the hub
  runs a command once per key and answers a retry with the first outcome — on any replica.
  ABORTED with a RetryInfo (the first attempt still runs on another replica) is retried too.
* **Rich errors**: a refusal raises a :class:`~hub.client.errors.TabadolError` subclass
  carrying the field violations, reason, retry delay and error id the hub sent.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import grpc

from hub.client.errors import from_rpc_error
from hub.client.signing import IDEMPOTENCY_METADATA, SIGNATURE_METADATA, RequestSigner

__all__ = ["AgencyClient", "ClientTls", "Rpc"]

AGENCY_HEADER = "x-tabadol-agency"
_RETRYABLE = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
)


class _Message(Protocol):
    def SerializeToString(self, *, deterministic: bool = ...) -> bytes: ...  # noqa: N802


Req = TypeVar("Req", bound=_Message)
Resp = TypeVar("Resp")


@dataclass(frozen=True)
class Rpc(Generic[Req, Resp]):
    """A unary method: its full name (``/pkg.Service/Method``) and message types."""

    method: str
    request: type[Req]
    response: type[Resp]


@dataclass(frozen=True)
class ClientTls:
    """The agency's client certificate and key, and the CA that issued the hub's."""

    ca: Path
    cert: Path
    key: Path
    server_name: str | None = None
    """Override the name checked in the hub's certificate (e.g. ``localhost``)."""


class AgencyClient:
    def __init__(
        self,
        target: str,
        agency: str,
        *,
        signer: RequestSigner | None = None,
        tls: ClientTls | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        if signer is not None and signer.agency != agency:
            raise ValueError(f"the signer signs for {signer.agency}, not {agency}")
        self.agency = agency
        self.signer = signer
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._tls = tls
        if tls is None:
            self._channel = grpc.aio.insecure_channel(target)
        else:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=tls.ca.read_bytes(),
                private_key=tls.key.read_bytes(),
                certificate_chain=tls.cert.read_bytes(),
            )
            options = (
                [("grpc.ssl_target_name_override", tls.server_name)] if tls.server_name else []
            )
            self._channel = grpc.aio.secure_channel(target, credentials, options=options)
        self._callables: dict[str, grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]] = {}
        self.attempts = 0
        """Calls sent so far, retries included (for tests and metrics)."""

    async def __aenter__(self) -> AgencyClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close()

    def _callable(self, method: str) -> grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]:
        known = self._callables.get(method)
        if known is None:
            known = self._channel.unary_unary(
                method, request_serializer=_identity, response_deserializer=_identity
            )
            self._callables[method] = known
        return known

    def metadata(self, method: str, data: bytes, idempotency_key: str) -> list[tuple[str, str]]:
        """The metadata of one attempt: identity (development), idempotency, signature."""
        metadata = [(IDEMPOTENCY_METADATA, idempotency_key)]
        if self._tls is None:
            metadata.append((AGENCY_HEADER, self.agency))
        if self.signer is not None:
            metadata.append((SIGNATURE_METADATA, self.signer.sign(method, data, idempotency_key)))
        return metadata

    async def call(
        self,
        rpc: Rpc[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        idempotency_key: str | None = None,
    ) -> Resp:
        """Send ``request``; retry transient failures; raise TabadolError on a refusal."""
        data = request.SerializeToString(deterministic=True)
        key = idempotency_key or str(uuid.uuid4())
        attempt = 0
        while True:
            attempt += 1
            self.attempts += 1
            try:
                raw = await self._callable(rpc.method)(
                    data,
                    timeout=timeout or self.timeout,
                    metadata=self.metadata(rpc.method, data, key),
                )
            except grpc.aio.AioRpcError as error:
                failure = from_rpc_error(error, attempts=attempt)
                retryable = error.code() in _RETRYABLE or (
                    error.code() == grpc.StatusCode.ABORTED and failure.retry_after is not None
                )  # ABORTED with RetryInfo: the first attempt still runs on another replica
                if not retryable or attempt > self.retries:
                    raise failure from None
                delay = failure.retry_after
                if delay is None:
                    delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                    delay *= 0.5 + random.random() / 2  # noqa: S311 - jitter, not a secret
                await self._sleep(delay)
                continue
            parse: Any = rpc.response
            response: Resp = parse.FromString(raw)
            return response


def _identity(data: bytes) -> bytes:
    return data
