"""What every reference simulator shares: the server, fault injection, rich errors.

A simulator is a real ``grpc.aio`` server with the standard health service and server
reflection on. :class:`SimulatorInterceptor` wraps every ``/tabadol.…`` RPC:

1. waits ``faults.latency`` seconds (the client's deadline may expire meanwhile);
2. answers UNAVAILABLE to a share ``faults.error_rate`` of calls (a simulated outage);
3. refuses a call without the ``x-tabadol-agency`` metadata (UNAUTHENTICATED) and, where
   the contract demands it, without a well-formed ``x-tabadol-tracking-code``
   (INVALID_ARGUMENT), 004 art. 6.
4. served with :class:`ServerTls`, requires a client certificate from the configured CA
   (004 art. 13) naming exactly one principal by a URI SAN under
   ``spiffe://tabadol.gov.ir/``: the hub (``hub/<CODE>``, calling on behalf of the agency
   in ``x-tabadol-agency``) or that agency itself (``agency/<CODE>``); anyone else is
   PERMISSION_DENIED.

:class:`Faults` is mutable: a test may start an outage and end it on a running server.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import grpc
from cryptography import x509
from google.protobuf import any_pb2, timestamp_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from connectors import _codes
from connectors._resilience import AGENCY_KEY, TRACKING_CODE_KEY

__all__ = [
    "DEFAULT_SEED",
    "CallerInfo",
    "Checks",
    "Faults",
    "InquiryCodes",
    "IssuedInquiry",
    "ServerTls",
    "SimulatorInterceptor",
    "abort",
    "caller_of",
    "start_server",
    "timestamp",
]

DEFAULT_SEED = 1405
_URI_PREFIX = "spiffe://tabadol.gov.ir/"


@dataclass(frozen=True)
class ServerTls:
    """PEM files of a simulator served over TLS: its certificate and key, and the CA whose
    client certificates it accepts (required: mutual TLS)."""

    cert: Path
    key: Path
    client_ca: Path

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key.read_bytes(), self.cert.read_bytes())],
            root_certificates=self.client_ca.read_bytes(),
            require_client_auth=True,
        )


def peer_uri(context: grpc.aio.ServicerContext) -> str | None:
    """The one ``spiffe://tabadol.gov.ir/`` URI SAN of the client certificate (URI SANs
    only), or None when there is none or more than one."""
    pems = context.auth_context().get("x509_pem_cert") or []
    if not pems:
        return None
    try:
        cert = x509.load_pem_x509_certificate(pems[0])
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return None
    ours = [
        uri
        for uri in sans.get_values_for_type(x509.UniformResourceIdentifier)
        if uri.startswith(_URI_PREFIX)
    ]
    return ours[0] if len(ours) == 1 else None


@dataclass
class Faults:
    """Injected faults: ``latency`` seconds before each answer, ``error_rate`` (0..1) of
    calls answered UNAVAILABLE. Change the fields on a running server to start or end an
    outage."""

    latency: float = 0.0
    error_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")


def _status_code(code: grpc.StatusCode) -> int:
    value: int = code.value[0]
    return value


async def abort(
    context: grpc.aio.ServicerContext,
    code: grpc.StatusCode,
    message: str,
    *details: Any,
) -> NoReturn:
    """End the RPC with a rich status (``google.rpc.Status``) carrying ``details``."""
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    status = status_pb2.Status(code=_status_code(code), message=message, details=packed)
    await context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")  # it raises grpc.aio.AbortError


@dataclass
class Checks:
    """Collects field violations, then refuses them all at once as INVALID_ARGUMENT."""

    violations: list[tuple[str, str]] = field(default_factory=list)

    def require(self, ok: bool, field_name: str, description: str) -> None:
        """Record a violation of ``field_name`` unless ``ok``."""
        if not ok:
            self.violations.append((field_name, description))

    async def refuse_if_any(self, context: grpc.aio.ServicerContext) -> None:
        """Abort with INVALID_ARGUMENT and a ``BadRequest`` if any check failed."""
        if not self.violations:
            return
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=name, description=text)
                for name, text in self.violations
            ]
        )
        fields = ", ".join(name for name, _ in self.violations)
        await abort(context, grpc.StatusCode.INVALID_ARGUMENT, f"invalid {fields}", bad_request)


@dataclass(frozen=True)
class CallerInfo:
    """Who called, from the request metadata."""

    agency: str
    tracking_code: str


def caller_of(context: grpc.aio.ServicerContext) -> CallerInfo:
    """The calling agency and case tracking code (empty when absent)."""
    metadata = {key: value for key, value in context.invocation_metadata() or ()}
    return CallerInfo(
        agency=str(metadata.get(AGENCY_KEY, "")),
        tracking_code=str(metadata.get(TRACKING_CODE_KEY, "")),
    )


Behaviour = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class SimulatorInterceptor(grpc.aio.ServerInterceptor):
    """Latency, simulated outages and the metadata contract, for ``/tabadol.`` RPCs only."""

    def __init__(
        self,
        faults: Faults,
        rng: random.Random,
        *,
        tracking_required: bool,
        mtls: bool = False,
    ) -> None:
        self._faults = faults
        self._rng = rng
        self._tracking_required = tracking_required
        self._mtls = mtls

    async def intercept_service(
        self,
        continuation: Callable[[Any], Awaitable[Any]],
        handler_call_details: Any,
    ) -> Any:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or not method.startswith("/tabadol.") or handler.unary_unary is None:
            return handler
        return grpc.unary_unary_rpc_method_handler(
            self._wrap(handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _wrap(self, behaviour: Behaviour) -> Behaviour:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            if self._faults.latency > 0:
                await asyncio.sleep(self._faults.latency)
            if self._faults.error_rate > 0 and self._rng.random() < self._faults.error_rate:
                await abort(context, grpc.StatusCode.UNAVAILABLE, "simulated outage")
            caller = caller_of(context)
            if not _codes.is_agency_code(caller.agency):
                await abort(
                    context,
                    grpc.StatusCode.UNAUTHENTICATED,
                    f"metadata {AGENCY_KEY} must name the calling agency",
                )
            if self._mtls:
                uri = peer_uri(context)
                allowed = uri is not None and (
                    uri.startswith(_URI_PREFIX + "hub/")
                    or uri
                    in (
                        f"{_URI_PREFIX}agency/{caller.agency}",
                        f"{_URI_PREFIX}window/{caller.agency}",  # the national window's own
                    )
                )
                if not allowed:
                    await abort(
                        context,
                        grpc.StatusCode.PERMISSION_DENIED,
                        f"the client certificate ({uri or 'no principal URI'}) may not call"
                        f" for agency {caller.agency}: only the hub or that agency may",
                    )
            checks = Checks()
            checks.require(
                _codes.is_case_tracking_code(caller.tracking_code)
                or (not self._tracking_required and not caller.tracking_code),
                TRACKING_CODE_KEY,
                "the main agency's case tracking code is required (004 art. 6)",
            )
            await checks.refuse_if_any(context)
            return await behaviour(request, context)

        return wrapped


def timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    """An aware datetime as a protobuf ``Timestamp``."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


@dataclass(frozen=True)
class IssuedInquiry:
    """What a registry remembers about an inquiry tracking code it issued."""

    code: str
    subject: str
    agency: str
    case_tracking_code: str
    issued_at: datetime
    kind: str = ""


class InquiryCodes:
    """Issues unique 16-digit, Luhn-checked inquiry tracking codes and remembers them."""

    def __init__(self, seed: int, system: str) -> None:
        # Deterministic for reproducible demos; a real registry would use a CSPRNG.
        self._rng = random.Random(f"{seed}/{system}/inquiry-codes")  # noqa: S311
        self._issued: dict[str, IssuedInquiry] = {}

    def issue(
        self, *, subject: str, agency: str, case_tracking_code: str, at: datetime, kind: str = ""
    ) -> IssuedInquiry:
        """A new code for an inquiry about ``subject`` made by ``agency``."""
        while True:
            body = str(self._rng.randint(10**14, 10**15 - 1))
            code = body + str(_codes.luhn_check_digit(body))
            if code not in self._issued:
                break
        issued = IssuedInquiry(code, subject, agency, case_tracking_code, at, kind)
        self._issued[code] = issued
        return issued

    def get(self, code: str) -> IssuedInquiry | None:
        """What was issued under ``code``, if this registry issued it."""
        return self._issued.get(code)


async def start_server(
    address: str,
    *,
    register: Callable[[grpc.aio.Server], None],
    service_names: Sequence[str],
    faults: Faults,
    seed: int,
    tracking_required: bool = True,
    tls: ServerTls | None = None,
) -> tuple[grpc.aio.Server, int]:
    """Build, bind and start a simulator server; returns it with its bound port.

    With ``tls`` it serves mutual TLS only."""
    # Outages are drawn from the seed too, so a fault run can be replayed.
    rng = random.Random(f"{seed}/faults")  # noqa: S311
    server = grpc.aio.server(
        interceptors=[
            SimulatorInterceptor(
                faults, rng, tracking_required=tracking_required, mtls=tls is not None
            )
        ],
        options=[("grpc.so_reuseport", 0)],
    )
    register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", *service_names):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        (*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port: int = (
        server.add_secure_port(address, tls.credentials())
        if tls is not None
        else server.add_insecure_port(address)
    )
    await server.start()
    return server, port
