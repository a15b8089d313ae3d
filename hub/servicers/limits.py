"""Limits at the gRPC edge: integers the store can hold, and statuses that fit in trailers."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from aggregates.errors import InvalidInput, Violation

__all__ = ["MAX_STORED_INT", "check_integer_ranges"]

MAX_STORED_INT = 2**63 - 1
"""SQLite and PostgreSQL integers are signed 64-bit: a uint64 above this is refused."""

_UNSIGNED_64 = (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64)


def _walk(message: Any, prefix: str, found: list[Violation]) -> None:
    for descriptor, value in message.ListFields():
        name = f"{prefix}{descriptor.name}"
        if descriptor.type == FieldDescriptor.TYPE_MESSAGE:
            if descriptor.message_type.GetOptions().map_entry:
                continue
            items = value if _repeated(descriptor) else [value]
            for i, item in enumerate(items):
                _walk(item, f"{name}[{i}]." if _repeated(descriptor) else f"{name}.", found)
        elif descriptor.type in _UNSIGNED_64:
            values = value if _repeated(descriptor) else [value]
            if any(v > MAX_STORED_INT for v in values):
                found.append(Violation(name, f"must be at most {MAX_STORED_INT} (2^63 - 1)"))


def _repeated(descriptor: FieldDescriptor) -> bool:
    return bool(descriptor.is_repeated)


def _holds_unsigned(descriptor: Any, outer: frozenset[str] = frozenset()) -> bool:
    """Whether a message of this type can hold a uint64 field that :func:`_walk` checks."""
    known = _HOLDS_UNSIGNED.get(descriptor.full_name)
    if known is not None:
        return known
    inside = outer | {descriptor.full_name}
    holds = any(
        field.type in _UNSIGNED_64
        or (
            field.type == FieldDescriptor.TYPE_MESSAGE
            and not field.message_type.GetOptions().map_entry
            and field.message_type.full_name not in inside  # a recursive type
            and _holds_unsigned(field.message_type, inside)
        )
        for field in descriptor.fields
    )
    if not outer:  # a type's answer is final only when no enclosing type was cut short
        _HOLDS_UNSIGNED[descriptor.full_name] = holds
    return holds


_HOLDS_UNSIGNED: dict[str, bool] = {}
"""Per message type (bounded by the types the protos define)."""


def check_integer_ranges(message: Any) -> None:
    """Raise :class:`InvalidInput` naming every uint64 field above :data:`MAX_STORED_INT`
    (a message whose type can hold none is not walked)."""
    if not hasattr(message, "ListFields") or not _holds_unsigned(message.DESCRIPTOR):
        return
    found: list[Violation] = []
    _walk(message, "", found)
    if found:
        raise InvalidInput(*found)
