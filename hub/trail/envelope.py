"""The signed event envelope: the bytes Tabadol stores for every event.

An envelope wraps the stored payload (after transcoding, compression and encryption),
so a trail verifies without the decryption key::

    "TBD1" | flags (1) | key-id length (1) | key id | prev hash (32) | [signature (64)] | payload

The event hash binds the previous event's hash, the aggregate id, version, topic and
payload; the Ed25519 signature covers ``key id ‖ event hash``. An unsigned ("chained")
envelope is covered by the next signed event of the same aggregate, whose chain includes
its hash: group commit signs only the last event of each aggregate in a transaction.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from uuid import UUID

__all__ = [
    "GENESIS",
    "MAGIC",
    "Envelope",
    "EnvelopeError",
    "event_hash",
    "is_envelope",
    "signed_message",
]

MAGIC = b"TBD1"
GENESIS = bytes(32)
_SIGNED = 0x01
_HASH_DOMAIN = b"tabadol/event/v1\x00"
_SIG_DOMAIN = b"tabadol/signature/v1\x00"


class EnvelopeError(ValueError):
    """The stored bytes are not a well-formed Tabadol envelope."""


def _field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def event_hash(
    prev_hash: bytes, originator_id: UUID | str, version: int, topic: str, payload: bytes
) -> bytes:
    """SHA-256 over the previous hash and the stored record, length-prefixed."""
    return hashlib.sha256(
        _HASH_DOMAIN
        + prev_hash
        + _field(str(originator_id).encode())
        + struct.pack(">Q", version)
        + _field(topic.encode())
        + _field(payload)
    ).digest()


def signed_message(key_id: str, digest: bytes) -> bytes:
    """The exact bytes an Ed25519 signature covers."""
    return _SIG_DOMAIN + _field(key_id.encode()) + digest


def is_envelope(state: bytes) -> bool:
    return state[:4] == MAGIC


@dataclass(frozen=True, slots=True)
class Envelope:
    key_id: str
    prev_hash: bytes
    signature: bytes | None
    payload: bytes

    def to_bytes(self) -> bytes:
        kid = self.key_id.encode()
        flags = _SIGNED if self.signature is not None else 0
        return b"".join(
            (
                MAGIC,
                bytes((flags, len(kid))),
                kid,
                self.prev_hash,
                self.signature or b"",
                self.payload,
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        if not is_envelope(data) or len(data) < 6:
            raise EnvelopeError("not a signed envelope (bad magic)")
        flags, kid_len = data[4], data[5]
        if flags & ~_SIGNED:
            raise EnvelopeError(f"unknown envelope flags {flags:#x}")
        pos = 6 + kid_len
        try:
            key_id = data[6:pos].decode("ascii")
        except UnicodeDecodeError as exc:
            raise EnvelopeError("key id is not ASCII") from exc
        prev_hash = data[pos : pos + 32]
        pos += 32
        signature = None
        if flags & _SIGNED:
            signature = data[pos : pos + 64]
            pos += 64
        if len(prev_hash) != 32 or (signature is not None and len(signature) != 64):
            raise EnvelopeError("envelope is truncated")
        return cls(key_id, prev_hash, signature, data[pos:])

    @property
    def signed(self) -> bool:
        return self.signature is not None
