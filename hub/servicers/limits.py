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


def check_integer_ranges(message: Any) -> None:
    """Raise :class:`InvalidInput` naming every uint64 field above :data:`MAX_STORED_INT`."""
    if not hasattr(message, "ListFields"):
        return
    found: list[Violation] = []
    _walk(message, "", found)
    if found:
        raise InvalidInput(*found)
