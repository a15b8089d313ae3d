"""The one failure type every connector raises: which system, what kind, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["ConnectorError", "FailureKind", "FieldViolation"]

FailureKind = Literal["unavailable", "timeout", "refused", "invalid_answer", "circuit_open"]
"""How a call to another agency's system failed.

- ``unavailable``: the system could not be reached or failed on its side, after the
  bounded retries (UNAVAILABLE, or any status that is neither a refusal nor a deadline);
- ``timeout``: no answer before the per-call deadline: the outcome is unknown;
- ``refused``: the system answered and said no (INVALID_ARGUMENT, NOT_FOUND,
  ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION, OUT_OF_RANGE);
- ``invalid_answer``: the system answered something that breaks the contract;
- ``circuit_open``: not called at all, because the circuit breaker is open.
"""

FAILURE_KINDS: tuple[FailureKind, ...] = get_args(FailureKind)


@dataclass(frozen=True)
class FieldViolation:
    """One field the other system refused (from a ``google.rpc.BadRequest`` detail)."""

    field: str
    description: str


class ConnectorError(Exception):
    """A call to another agency's system did not give a usable answer.

    ``kind`` says how it failed (see :data:`FailureKind`); ``code`` is the gRPC status
    name when the system answered with one (e.g. ``"NOT_FOUND"``); ``reason`` is the
    ``google.rpc.ErrorInfo`` reason when one came (e.g. ``"IDEMPOTENCY_KEY_REUSED"``);
    ``violations`` are the refused fields. The hub records all of it as the event's reason.
    """

    def __init__(
        self,
        system: str,
        kind: FailureKind,
        detail: str,
        *,
        code: str | None = None,
        reason: str | None = None,
        violations: tuple[FieldViolation, ...] = (),
    ) -> None:
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}")
        super().__init__(system, kind, detail)
        self.system = system
        self.kind: FailureKind = kind
        self.detail = detail
        self.code = code
        self.reason = reason
        self.violations = violations

    @property
    def retryable(self) -> bool:
        """Whether trying again later may succeed (the other system, not the input, failed)."""
        return self.kind in ("unavailable", "timeout", "circuit_open")

    def __str__(self) -> str:
        text = f"{self.system}: {self.kind}: {self.detail}"
        if self.violations:
            fields = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
            text = f"{text} ({fields})"
        return text

    def __repr__(self) -> str:
        return (
            f"ConnectorError(system={self.system!r}, kind={self.kind!r}, "
            f"detail={self.detail!r}, code={self.code!r}, reason={self.reason!r})"
        )
