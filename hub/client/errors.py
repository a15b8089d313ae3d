"""The hub's refusals as exceptions, with the rich details it sends (google.rpc)."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.rpc import error_details_pb2, status_pb2

__all__ = [
    "AlreadyExists",
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "TabadolError",
    "Unauthenticated",
    "Unavailable",
    "from_rpc_error",
]


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass
class TabadolError(Exception):
    """A call the hub did not answer OK: its gRPC code, message and details."""

    code: grpc.StatusCode
    message: str
    violations: tuple[FieldViolation, ...] = ()
    reason: str = ""
    retry_after: float | None = None
    error_id: str = ""
    attempts: int = 1
    details: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}"
        if self.violations:
            text += " (" + "; ".join(f"{v.field}: {v.description}" for v in self.violations) + ")"
        return text


class InvalidArgument(TabadolError):
    """Bad input: see :attr:`violations` for the fields."""


class NotFound(TabadolError):
    pass


class AlreadyExists(TabadolError):
    pass


class PermissionDenied(TabadolError):
    """The agency has no right to this call (it was recorded in the trail)."""


class Unauthenticated(TabadolError):
    """The agency was not identified, or its request signature was missing, wrong,
    stale or replayed."""


class FailedPrecondition(TabadolError):
    pass


class ResourceExhausted(TabadolError):
    pass


class Unavailable(TabadolError):
    """The hub or a system behind it is down; :attr:`retry_after` says when to retry."""


_BY_CODE: dict[grpc.StatusCode, type[TabadolError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
}


def from_rpc_error(error: grpc.aio.AioRpcError, *, attempts: int = 1) -> TabadolError:
    """The exception for a failed call, with the details of its ``grpc-status-details-bin``."""
    violations: list[FieldViolation] = []
    reason, retry_after, error_id = "", None, ""
    names: list[str] = []
    for key, value in error.trailing_metadata() or ():
        if key != "grpc-status-details-bin" or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            names.append(detail.type_url.rsplit("/", 1)[-1])
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations += [FieldViolation(v.field, v.description) for v in bad.field_violations]
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = info.reason
                error_id = info.metadata.get("error_id", "")
            elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                retry = error_details_pb2.RetryInfo()
                detail.Unpack(retry)
                retry_after = retry.retry_delay.ToTimedelta().total_seconds()
    kind = _BY_CODE.get(error.code(), TabadolError)
    return kind(
        error.code(),
        error.details() or "",
        tuple(violations),
        reason,
        retry_after,
        error_id,
        attempts,
        tuple(names),
    )
