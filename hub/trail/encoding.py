"""The small encodings every signed format of the trail shares, written once: strict
base64, length-prefixed fields and UTC times as text.

Strict base64 is standard, padded base64 (RFC 4648 §4); *canonical* also refuses any
other spelling of the same bytes (non-zero padding bits), so a changed character can
never leave a signature valid.
"""

from __future__ import annotations

import base64
import binascii
import struct
from datetime import UTC, datetime

__all__ = ["b64", "length_prefixed", "parse_utc", "unb64", "utc_text"]


def b64(raw: bytes) -> str:
    """Standard, padded base64 text."""
    return base64.b64encode(raw).decode("ascii")


def unb64(
    value: object, where: str, error: type[Exception] = ValueError, *, canonical: bool = True
) -> bytes:
    """The bytes of base64 text ``value``, or ``error`` naming ``where``."""
    if not isinstance(value, str):
        raise error(f"{where} must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise error(f"{where} is not base64") from None
    if canonical and b64(raw) != value:
        raise error(f"{where} is not canonical base64")
    return raw


def length_prefixed(data: bytes | str) -> bytes:
    """A field for a hashed or signed message: u32 big-endian length, then the bytes
    (text as UTF-8)."""
    raw = data.encode() if isinstance(data, str) else data
    return struct.pack(">I", len(raw)) + raw


def utc_text(moment: datetime) -> str:
    """The canonical RFC 3339 text of an aware time, in UTC to the second: ``…T…Z``."""
    if moment.tzinfo is None:
        raise ValueError("a time in the trail must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """Parse an RFC 3339 / ISO 8601 time with an offset (``Z`` allowed) into UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset (add Z or +03:30)")
    return moment.astimezone(UTC)
