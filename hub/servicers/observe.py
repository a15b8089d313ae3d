"""The outermost gRPC interceptor: metrics for every call, and no error left unanswered.

- Every request: uint64 fields above what the store holds → ``INVALID_ARGUMENT``.
- Per call: ``tabadol_rpc_handled{service,method,code}``, its duration, the request and
  response sizes, and the calls in flight (:mod:`hub.telemetry.metrics`).
- The store unreachable (eventsourcing's ``OperationalError``/``InterfaceError``, or no
  answer within the bound) → ``UNAVAILABLE`` with a ``google.rpc.RetryInfo``.
- With an :class:`~hub.telemetry.opmon.OpmonStore`, one operational record per call
  (X-Road's fields; health checks and reflection are not recorded).
- With ``annotate`` (tracing on), the calling agency and the case's tracking code go on the
  call's trace span.
- Any other unexpected exception is logged once, with its traceback and an error id, and
  answered ``INTERNAL`` with that id (never ``UNKNOWN``, never the exception's text).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from aggregates.errors import InvalidInput
from hub.ledger.availability import StoreUnavailable
from hub.servicers.auth import AGENCY_HEADER, current_agency
from hub.servicers.errors import status_for
from hub.servicers.limits import check_integer_ranges
from hub.telemetry import metrics
from hub.telemetry.opmon import OpmonStore, OpRecord, now_ms

__all__ = ["ObservingInterceptor", "unavailable_status"]

log = structlog.get_logger("tabadol.rpc")


_UNAVAILABLE = (OperationalError, InterfaceError, StoreUnavailable)


def unavailable_status(message: str, retry_after: float = 1.0) -> grpc.Status:
    """UNAVAILABLE with a RetryInfo saying when to try again."""
    delay = duration_pb2.Duration()
    delay.FromMilliseconds(int(retry_after * 1000))
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.RetryInfo(retry_delay=delay))
    return rpc_status.to_status(
        status_pb2.Status(code=code_pb2.UNAVAILABLE, message=message, details=[detail])
    )


def _code_name(context: grpc.aio.ServicerContext) -> str:
    code = context.code()
    if code is None:
        return "CANCELLED" if context.cancelled() else "OK"
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    try:
        return str(grpc.StatusCode(code).name)
    except ValueError:
        return "UNKNOWN"


_UNRECORDED = ("grpc.health.", "grpc.reflection.")


def _headers(context: grpc.aio.ServicerContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if not key.endswith("-bin") and key not in found:
            found[key] = (value if isinstance(value, str) else value.decode(errors="replace"))[:100]
    return found


def _tracking_code(request: Any, response: Any) -> str:
    """The case's tracking code, when the request or the response names one."""
    for message in (request, response, getattr(response, "case", None)):
        code = getattr(message, "tracking_code", "")
        if isinstance(code, str) and code:
            return code[:100]
    return ""


def _message(request: Any) -> Any:
    """The request message: with agency signatures required, the trust interceptor below
    deserializes a unary request as ``(raw bytes, message)`` (the signature covers the
    bytes as sent); sizes, range checks, opmon and traces look at the message."""
    if isinstance(request, tuple) and len(request) == 2 and isinstance(request[0], bytes):
        return request[1]
    return request


def _size(message: Any) -> int | None:
    size = getattr(message, "ByteSize", None)
    return size() if size is not None else None


class ObservingInterceptor(grpc.aio.ServerInterceptor):
    """Measures every call and turns unexpected errors into clean statuses."""

    def __init__(
        self,
        *,
        retry_after: float = 1.0,
        opmon: OpmonStore | None = None,
        annotate: Callable[[str | None, str], None] | None = None,
    ) -> None:
        self._retry_after = retry_after
        self._opmon = opmon
        self._annotate = annotate
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        full = handler_call_details.method
        known = self._wrapped.get(full)
        if known is not None and known[0] is handler:  # wrapped once per registered method
            return known[1]
        wrapped = self._wrap(handler, *metrics.split_method(full))
        self._wrapped[full] = (handler, wrapped)
        return wrapped

    def _wrap(
        self, handler: grpc.RpcMethodHandler, service: str, method: str
    ) -> grpc.RpcMethodHandler:
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, service, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(handler.unary_stream, service, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _trace(self, request: Any, response: Any) -> None:
        if self._annotate is None:
            return
        try:
            agency: str | None = current_agency()
        except LookupError:  # refused before it was identified
            agency = None
        self._annotate(agency, _tracking_code(request, response))

    def _record(
        self,
        service: str,
        method: str,
        code: str,
        context: grpc.aio.ServicerContext,
        request: Any,
        response: Any,
        received: int,
    ) -> None:
        if self._opmon is None or service.startswith(_UNRECORDED):
            return
        answered = now_ms()
        headers = _headers(context)
        try:
            client = current_agency()
        except LookupError:  # refused before it was identified: what it claimed, cut short
            client = headers.get(AGENCY_HEADER, "")
        ok = code == "OK"
        self._opmon.record(
            OpRecord(
                side="hub",
                client_id=client,
                service_id=f"{service}/{method}",
                request_in_ts=received,
                request_out_ts=received,
                response_in_ts=answered,
                response_out_ts=answered,
                succeeded=ok,
                message_id=headers.get("x-request-id") or uuid.uuid4().hex,
                user_id=headers.get("x-tabadol-user", ""),
                request_size=_size(request) or 0,
                response_size=response if isinstance(response, int) else (_size(response) or 0),
                fault_code="" if ok else code,
                fault_string="" if ok else str(context.details() or ""),
                tracking_code=_tracking_code(request, response),
            )
        )

    async def _check(self, request: Any, context: grpc.aio.ServicerContext) -> None:
        try:
            check_integer_ranges(request)
        except InvalidInput as error:
            await context.abort_with_status(status_for(error))

    async def _fail(
        self, error: Exception, context: grpc.aio.ServicerContext, service: str, method: str
    ) -> None:
        if isinstance(error, _UNAVAILABLE):
            # expected while the store is down: the store's own log line says so, once
            log.debug("store unavailable", rpc=f"{service}/{method}", error=repr(error)[:300])
            await context.abort_with_status(
                unavailable_status(
                    "the event store is unavailable; try again later", self._retry_after
                )
            )
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error", rpc=f"{service}/{method}", error_id=error_id, exc_info=error)
        await context.abort(
            grpc.StatusCode.INTERNAL,
            f"internal error {error_id}: the hub's log has the details under this id",
        )

    def _unary(
        self, behaviour: Callable[..., Awaitable[Any]], service: str, method: str
    ) -> Callable[..., Awaitable[Any]]:
        series = metrics.RpcMetrics(service, method)
        in_flight = series.in_flight

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started, received = time.perf_counter(), now_ms()
            in_flight.inc()
            response: Any = None
            message = _message(request)
            try:
                try:
                    await self._check(message, context)
                    response = await behaviour(request, context)
                except grpc.aio.AbortError:
                    raise
                except Exception as error:
                    await self._fail(error, context, service, method)
                    raise  # _fail aborts; this keeps the type checker sure
                size = _size(response)
                if size is not None:
                    series.observe_response(size)
                return response
            finally:
                in_flight.dec()
                code = _code_name(context)
                series.observe(code, time.perf_counter() - started, request_bytes=_size(message))
                self._record(service, method, code, context, message, response, received)
                self._trace(message, response)

        return wrapped

    def _stream(
        self, behaviour: Callable[..., AsyncIterator[Any]], service: str, method: str
    ) -> Callable[..., AsyncIterator[Any]]:
        series = metrics.RpcMetrics(service, method)
        in_flight = series.in_flight

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started, received = time.perf_counter(), now_ms()
            in_flight.inc()
            sent = 0
            try:
                try:
                    await self._check(request, context)
                    async for item in behaviour(request, context):
                        size = _size(item)
                        if size is not None:
                            series.observe_response(size)
                            sent += size
                        yield item
                except grpc.aio.AbortError:
                    raise
                except Exception as error:
                    await self._fail(error, context, service, method)
                    raise
            finally:
                in_flight.dec()
                code = _code_name(context)
                series.observe(code, time.perf_counter() - started, request_bytes=_size(request))
                self._record(service, method, code, context, request, sent, received)
                self._trace(request, None)

        return wrapped
