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
    "shown",
]

SHOWN_LIMIT = 100
"""At most this many characters of a rejected value appear in an error."""

_DESCRIPTION_LIMIT = 240


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters (saying how long
    the whole was): a 5,000-character value must not make a 15 KB status."""
    text = repr(value)
    if len(text) <= limit:
        return text
    length = f" ({len(value)} characters)" if isinstance(value, str | bytes) else ""
    return f"{text[:limit]}…{length}"


def _clamp(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Violation:
    """One bad field: its API name (e.g. ``spec.process[2].time_limit_hours``) and why."""

    field: str
    description: str

    def __post_init__(self) -> None:  # values quoted in a description stay short
        object.__setattr__(self, "field", _clamp(self.field, SHOWN_LIMIT))
        object.__setattr__(self, "description", _clamp(self.description, _DESCRIPTION_LIMIT))

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
        self.message = _clamp(message, _DESCRIPTION_LIMIT)
        self.field = _clamp(field, SHOWN_LIMIT)
        super().__init__(self.message)


class NotFound(DomainError):
    """The addressed thing does not exist (gRPC ``NOT_FOUND``)."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = _clamp(key, SHOWN_LIMIT)
        self.message = f"{what} {self.key} not found"
        super().__init__(self.message)


class AlreadyExists(DomainError):
    """The thing to create exists already (gRPC ``ALREADY_EXISTS``)."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = _clamp(key, SHOWN_LIMIT)
        self.message = f"{what} {self.key} already exists"
        super().__init__(self.message)
