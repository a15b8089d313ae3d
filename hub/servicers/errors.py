"""The one table from the hub's errors to gRPC status: domain errors (with field-level
details), a full write queue (RetryInfo) and failed exchanges with other agencies' systems
(ErrorInfo naming the system; RetryInfo when trying again may succeed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from aggregates.errors import (
    AlreadyExists,
    DomainError,
    InvalidInput,
    NotFound,
    TransitionRefused,
)
from hub.application.errors import AccessDenied, IdentityProviderUnavailable
from hub.application.exchanges import ExchangeFailedError
from hub.ledger.executor import Overloaded

__all__ = ["domain_errors_as_status", "exchange_failure_status", "status_for"]

_CODES: list[tuple[type[DomainError] | type[Overloaded], int]] = [
    (InvalidInput, code_pb2.INVALID_ARGUMENT),
    (TransitionRefused, code_pb2.FAILED_PRECONDITION),
    (NotFound, code_pb2.NOT_FOUND),
    (AlreadyExists, code_pb2.ALREADY_EXISTS),
    (AccessDenied, code_pb2.PERMISSION_DENIED),
    (IdentityProviderUnavailable, code_pb2.UNAVAILABLE),
    (Overloaded, code_pb2.RESOURCE_EXHAUSTED),
]


def status_for(error: DomainError | Overloaded) -> grpc.Status:
    """The rich status for a domain error: a code, a message and google.rpc details."""
    code = next((c for kind, c in _CODES if isinstance(error, kind)), code_pb2.FAILED_PRECONDITION)
    details: list[any_pb2.Any] = []
    if isinstance(error, InvalidInput):
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in error.violations
            ]
        )
        details.append(_pack(bad))
    elif isinstance(error, TransitionRefused):
        failure = error_details_pb2.PreconditionFailure(
            violations=[
                error_details_pb2.PreconditionFailure.Violation(
                    type="STATE", subject=error.field, description=error.message
                )
            ]
        )
        details.append(_pack(failure))
    elif isinstance(error, Overloaded):
        delay = duration_pb2.Duration()
        delay.FromTimedelta(timedelta(seconds=error.retry_after))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    elif isinstance(error, NotFound):
        details.append(
            _pack(error_details_pb2.ResourceInfo(resource_type=error.what, resource_name=error.key))
        )
    return _within_budget(code, str(error), details)


MESSAGE_LIMIT = 220
"""Bytes of the message on the wire, where it is percent-encoded (a Persian letter costs 6)."""
DETAILS_BUDGET = 300
"""Bytes of serialized details. ``grpc-status-details-bin`` carries them and the message
again, in base64: with these limits a status stays under 1 KB of trailers (a default client
refuses ~8 KB of them as RESOURCE_EXHAUSTED)."""


def _wire(ch: str) -> int:
    return 1 if " " <= ch <= "~" and ch != "%" else 3 * len(ch.encode())


def _cut(message: str) -> str:
    """``message`` cut so that its percent-encoded form fits in :data:`MESSAGE_LIMIT`."""
    if sum(map(_wire, message)) <= MESSAGE_LIMIT:
        return message
    used, end = 0, 0
    for end, ch in enumerate(message):  # noqa: B007 - ``end`` is where the budget ran out
        used += _wire(ch)
        if used > MESSAGE_LIMIT - 3 * 3 - 16:  # room for "…" and "(+N more)"
            break
    return message[:end] + "…"


def _within_budget(code: int, message: str, details: list[any_pb2.Any]) -> grpc.Status:
    """The status, its message cut to :data:`MESSAGE_LIMIT` bytes and its field
    violations to :data:`DETAILS_BUDGET` bytes (the message says how many were left out)."""
    left_out = 0
    for packed in details:
        if not packed.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            continue
        bad = error_details_pb2.BadRequest()
        packed.Unpack(bad)
        while len(bad.field_violations) > 1 and bad.ByteSize() > DETAILS_BUDGET:
            bad.field_violations.pop()
            left_out += 1
        packed.Pack(bad)
    message = _cut(message)
    if left_out:
        message += f" (+{left_out} more)"
    return rpc_status.to_status(status_pb2.Status(code=code, message=message, details=details))


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


# How a failed exchange with another agency's system answers the caller.
_EXCHANGE_CODES = {
    "unavailable": code_pb2.UNAVAILABLE,
    "circuit_open": code_pb2.UNAVAILABLE,
    "invalid_answer": code_pb2.UNAVAILABLE,
    "timeout": code_pb2.DEADLINE_EXCEEDED,
    "refused": code_pb2.FAILED_PRECONDITION,
}
_ERROR_DOMAIN = "tabadol.gov.ir"
_RETRY_AFTER_SECONDS = 1


def exchange_failure_status(error: ExchangeFailedError) -> grpc.Status:
    """The rich status of a failed exchange: its code, ErrorInfo naming the system and the
    operation, and RetryInfo when trying again later may succeed (else PreconditionFailure)."""
    details = [
        error_details_pb2.ErrorInfo(
            reason=error.kind.upper(),
            domain=_ERROR_DOMAIN,
            metadata={
                "system": error.system,
                "operation": error.operation,
                "tracking_code": error.tracking_code,
            },
        )
    ]
    if error.retryable:
        delay = duration_pb2.Duration(seconds=_RETRY_AFTER_SECONDS)
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    else:
        details.append(
            error_details_pb2.PreconditionFailure(
                violations=[
                    error_details_pb2.PreconditionFailure.Violation(
                        type="EXCHANGE", subject=error.system, description=error.reason
                    )
                ]
            )
        )
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    code = _EXCHANGE_CODES.get(error.kind, code_pb2.UNAVAILABLE)
    return rpc_status.to_status(status_pb2.Status(code=code, message=error.message, details=packed))


_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])


def domain_errors_as_status(method: _F) -> _F:
    """Turn an error a servicer method raises (domain, overload, failed exchange) into its
    gRPC status, from the one table above."""

    @wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except (DomainError, Overloaded) as error:
            await context.abort_with_status(status_for(error))
        except ExchangeFailedError as error:  # already recorded on the case
            await context.abort_with_status(exchange_failure_status(error))

    return wrapper  # type: ignore[return-value]
