"""Small checks clients run on answers; each raises :class:`InvalidAnswer` on a breach."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors import _codes
from connectors._resilience import InvalidAnswer

__all__ = ["require", "require_field", "require_inquiry_tracking_code", "utc"]


def require(ok: bool, problem: str) -> None:
    """Raise :class:`InvalidAnswer` with ``problem`` unless ``ok``."""
    if not ok:
        raise InvalidAnswer(problem)


def require_field(message: Any, name: str) -> Any:
    """The sub-message ``name`` of ``message``; a breach if it is absent."""
    require(message.HasField(name), f"the answer has no {name}")
    return getattr(message, name)


def utc(message: Any, name: str) -> datetime:
    """The timestamp field ``name`` as an aware UTC datetime; a breach if absent."""
    stamp = require_field(message, name)
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment


def require_inquiry_tracking_code(code: str) -> str:
    """``code`` if it is a well-formed inquiry tracking code."""
    require(_codes.is_inquiry_tracking_code(code), f"malformed inquiry tracking code {code!r}")
    return code
