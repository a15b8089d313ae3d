"""Who is calling: the agency behind each RPC (DESIGN property 3).

With mTLS, the agency is named by its client certificate's SAN URI
``spiffe://tabadol.gov.ir/agency/<CODE>``; in development mode by the metadata header
``x-tabadol-agency``. Servicers read it with :func:`current_agency`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import structlog

from aggregates.errors import InvalidInput
from aggregates.identifiers import AgencyCode
from hub.servicers.access import AccessRights

log = structlog.get_logger("tabadol.auth")

DeniedCallback = Callable[[str, str, str], Awaitable[None]]
"""Records a refused call: (agency, method, reason)."""

__all__ = [
    "AGENCY_HEADER",
    "PUBLIC_METHODS",
    "SPIFFE_PREFIX",
    "AgencyInterceptor",
    "current_agency",
]

AGENCY_HEADER = "x-tabadol-agency"
SPIFFE_PREFIX = "spiffe://tabadol.gov.ir/agency/"
_OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
PUBLIC_METHODS = frozenset(
    {
        # the public catalogue and permits registry (004 art. 2, 4 n1, 5 n)
        "tabadol.catalogue.v1.CatalogueService/GetServiceRecord",
        "tabadol.catalogue.v1.CatalogueService/ListServiceRecords",
        "tabadol.catalogue.v1.CatalogueService/ListCatalogue",
        "tabadol.catalogue.v1.PermitRegistryService/GetPermitKind",
        "tabadol.catalogue.v1.PermitRegistryService/ListPermitKinds",
        # the public system of agencies' progress (002 art. 9) and its reports
        "tabadol.programme.v1.ProgrammeService/GetProgramme",
        "tabadol.programme.v1.ProgrammeService/GetReport",
        "tabadol.programme.v1.ProgrammeService/ListLateAgencies",
        "tabadol.programme.v1.ProgrammeService/GetServiceQuality",
        # open data is public by definition (002 art. 9 n2)
        "tabadol.monitoring.v1.MonitoringService/GetOpenData",
    }
)
"""Methods anyone may call, identified or not, whatever the access-rights table says:
their handlers never ask :func:`current_agency`."""
_agency: contextvars.ContextVar[str] = contextvars.ContextVar("tabadol_agency")


def current_agency() -> str:
    """The calling agency's code; set by :class:`AgencyInterceptor` for every RPC."""
    return _agency.get()


def _from_certificate(context: grpc.aio.ServicerContext) -> str | None:
    for name in context.auth_context().get("x509_subject_alternative_name", []):
        text = name.decode() if isinstance(name, bytes) else str(name)
        if text.startswith(SPIFFE_PREFIX):
            return text.removeprefix(SPIFFE_PREFIX)
    return None


def _from_header(context: grpc.aio.ServicerContext) -> str | None:
    for key, value in context.invocation_metadata() or ():
        if key == AGENCY_HEADER:
            return value if isinstance(value, str) else value.decode()
    return None


class AgencyInterceptor(grpc.aio.ServerInterceptor):
    """Identifies the calling agency (or UNAUTHENTICATED) and checks its rights.

    A call the access-rights table does not allow is recorded through ``on_denied`` and
    answered PERMISSION_DENIED.
    """

    def __init__(
        self,
        *,
        mtls: bool,
        rights: AccessRights | None = None,
        on_denied: DeniedCallback | None = None,
    ) -> None:
        self._rights = rights or AccessRights.allow_all()
        self._on_denied = on_denied
        self._identify = _from_certificate if mtls else _from_header
        self._how = (
            f"a client certificate with a SAN URI {SPIFFE_PREFIX}<CODE>"
            if mtls
            else f"the metadata header {AGENCY_HEADER}: <agency code>"
        )

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(_OPEN_SERVICES):
            return handler
        method = handler_call_details.method.lstrip("/")
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap(handler.unary_unary, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    async def _authenticate(self, context: grpc.aio.ServicerContext, method: str) -> None:
        raw = self._identify(context)
        if method in PUBLIC_METHODS:
            return  # public reads: no agency, no rights
        if not raw:
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED, f"identify your agency with {self._how}"
            )
        try:
            agency = AgencyCode.parse(raw or "", field=AGENCY_HEADER).value
        except InvalidInput as error:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))
            raise  # abort() raises; this keeps the type checker sure
        if not self._rights.allows(agency, method):
            reason = f"agency {agency} has no right to call {method}"
            if self._on_denied is not None:
                await self._on_denied(agency, method, reason)
            log.warning("call denied", agency=agency, method=method)
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, reason)
        _agency.set(agency)

    def _wrap(self, behaviour: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await self._authenticate(context, method)
            return await behaviour(request, context)

        return wrapped

    def _wrap_stream(self, behaviour: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            await self._authenticate(context, method)
            async for item in behaviour(request, context):
                yield item

        return wrapped
