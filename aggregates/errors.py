"""The one error root of the domain: every refusal the aggregates raise.

The hub maps each class to one gRPC status code (see the class docstrings); field
names in violations are the API's field names, so a client can point at the input.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AlreadyExists",
    "DomainError",
    "InvalidInput",
    "NotFound",
    "TransitionRefused",
    "Violation",
]


@dataclass(frozen=True)
class Violation:
    """One bad field: its API name (e.g. ``spec.process[2].time_limit_hours``) and why."""

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


class DomainError(Exception):
    """Root of every error the domain raises on purpose."""


class InvalidInput(DomainError):
    """The input is malformed or breaks an invariant (gRPC ``INVALID_ARGUMENT``).

    Carries every violation found, not only the first, so a client fixes all at once.
    """

    def __init__(self, *violations: Violation) -> None:
        if not violations:
            msg = "InvalidInput needs at least one violation"
            raise ValueError(msg)
        self.violations: tuple[Violation, ...] = tuple(violations)
        super().__init__("; ".join(str(v) for v in self.violations))

    @classmethod
    def field(cls, field: str, description: str) -> InvalidInput:
        """A single-violation error."""
        return cls(Violation(field, description))

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the offending fields, in order."""
        return tuple(v.field for v in self.violations)


class TransitionRefused(DomainError):
    """The command is impossible in the aggregate's state (gRPC ``FAILED_PRECONDITION``).

    For example delivering a cancelled case, or rating a case twice.
    """

    def __init__(self, message: str, field: str = "") -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class NotFound(DomainError):
    """The addressed thing does not exist (gRPC ``NOT_FOUND``)."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        self.message = f"{what} {key} not found"
        super().__init__(self.message)


class AlreadyExists(DomainError):
    """The thing to create exists already (gRPC ``ALREADY_EXISTS``)."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        self.message = f"{what} {key} already exists"
        super().__init__(self.message)
