"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1``) and the
witness policy an auditor applies ("k of these n witnesses").

A cosignature is one more signature line on a checkpoint note::

    — <witness name> base64(key ID || u64 timestamp || Ed25519 signature)

* key ID: ``SHA-256(<name> || 0x0A || 0x04 || 32-byte public key)[:4]`` (type 0x04,
  not the note signature type 0x01: the same key cannot be mistaken for a log key);
* signed message: ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint's
  note body (its origin, size, root and extension lines, with the final newline);
* timestamp: POSIX seconds, big-endian, below 2**63.

A verifier is configured with ``(name, public key)`` and ignores every signature line
whose name and key ID do not match a configured witness, as the specification asks; a
line that matches but does not verify is an error (a forged cosignature), not a skip.

Witness keys travel as vkeys: ``<name>+<8 hex key ID>+<base64(0x04 || public key)>``;
a witness keeps its secret as ``PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || seed)>``.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from hub.trail.encoding import b64, unb64

__all__ = [
    "COSIGNATURE_TYPE",
    "Cosignature",
    "CosignatureError",
    "CosignerKey",
    "PolicyResult",
    "WitnessPolicy",
    "cosign",
    "cosignatures",
    "cosigned_message",
    "merge_signature_lines",
    "note_body",
    "parse_cosigner_secret",
    "parse_cosigner_vkey",
    "signature_lines",
]

COSIGNATURE_TYPE: Final = 0x04
"""Key-ID algorithm byte of Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature)."""

_HEADER: Final = "cosignature/v1\n"
_SIG_PREFIX: Final = "\N{EM DASH} "
_MAX_TIMESTAMP: Final = 2**63 - 1
_KEY_SIZE: Final = 32
_SIGNATURE_SIZE: Final = 4 + 8 + 64


class CosignatureError(ValueError):
    """A cosigner key, a cosignature line or a note is malformed, or a cosignature is forged."""


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() or c < " " for c in name):
        raise CosignatureError(f"invalid cosigner name {name!r}: empty, or has a space or '+'")


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def cosigner_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """``SHA-256(name || 0x0A || 0x04 || public key)[:4]``."""
    _check_name(name)
    return hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_TYPE]) + _raw(public_key)
    ).digest()[:4]


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public identity: its name and Ed25519 key (cosignature/v1)."""

    name: str
    public_key: Ed25519PublicKey = field(compare=False)
    key_id: bytes

    @classmethod
    def of(cls, name: str, public_key: Ed25519PublicKey) -> CosignerKey:
        return cls(name, public_key, cosigner_key_id(name, public_key))

    @property
    def vkey(self) -> str:
        """``<name>+<hex key ID>+<base64(0x04 || public key)>``."""
        encoded = b64(bytes([COSIGNATURE_TYPE]) + _raw(self.public_key))
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def parse_cosigner_vkey(vkey: str) -> CosignerKey:
    """Parse a witness vkey (algorithm 0x04); the key ID must match the key."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise CosignatureError(f"malformed witness key {vkey!r}: expected <name>+<key ID>+<key>")
    name, hex_id, encoded = parts
    _check_name(name)
    data = _decode(encoded, f"witness key {name}")
    if len(data) != 1 + _KEY_SIZE or data[0] != COSIGNATURE_TYPE:
        raise CosignatureError(
            f"witness key {name}: expected 0x04 (Ed25519 cosignature/v1) and a 32-byte key"
        )
    key = CosignerKey.of(name, Ed25519PublicKey.from_public_bytes(data[1:]))
    if key.key_id.hex() != hex_id:
        raise CosignatureError(f"witness key {name}+{hex_id}: key ID does not match the key")
    return key


def cosigner_secret(name: str, private_key: Ed25519PrivateKey) -> str:
    """The witness's secret key string ``PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || seed)>``."""
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    kid = cosigner_key_id(name, private_key.public_key())
    return f"PRIVATE+KEY+{name}+{kid.hex()}+{b64(bytes([COSIGNATURE_TYPE]) + seed)}"


def parse_cosigner_secret(text: str) -> tuple[str, Ed25519PrivateKey]:
    """Parse :func:`cosigner_secret`'s string; return the name and the private key."""
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise CosignatureError("malformed witness secret: expected PRIVATE+KEY+<name>+<id>+<key>")
    _, _, name, hex_id, encoded = parts
    data = _decode(encoded, "witness secret")
    if len(data) != 1 + _KEY_SIZE or data[0] != COSIGNATURE_TYPE:
        raise CosignatureError("witness secret: expected 0x04 and a 32-byte seed")
    private_key = Ed25519PrivateKey.from_private_bytes(data[1:])
    if cosigner_key_id(name, private_key.public_key()).hex() != hex_id:
        raise CosignatureError(f"witness secret {name}+{hex_id}: key ID does not match the key")
    return name, private_key


# -- notes ------------------------------------------------------------------------------


def note_body(note: str) -> str:
    """The text of a signed note up to (and with) the newline before the blank line."""
    split = note.rfind("\n\n")
    if split < 0:
        raise CosignatureError("malformed note: no blank line before the signatures")
    return note[: split + 1]


def signature_lines(note: str) -> list[str]:
    """The note's signature lines, each without its newline."""
    block = note[len(note_body(note)) + 1 :]
    return [line for line in block.split("\n") if line]


def merge_signature_lines(note: str, lines: Iterable[str]) -> str:
    """``note`` with the signature ``lines`` it does not already carry appended."""
    have = signature_lines(note)
    extra = [line for line in lines if line and line not in have]
    for line in extra:
        if not line.startswith(_SIG_PREFIX) or "\n" in line:
            raise CosignatureError(f"not a note signature line: {line!r}")
    return note + "".join(line + "\n" for line in extra)


def cosigned_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header, the time line, the checkpoint body."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise CosignatureError(f"cosignature timestamp {timestamp} is outside 0..2**63-1")
    if not body.endswith("\n"):
        raise CosignatureError("checkpoint body must end with a newline")
    return f"{_HEADER}time {timestamp}\n{body}".encode()


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """The cosignature line (without newline) of ``name`` on a checkpoint ``body``."""
    kid = cosigner_key_id(name, private_key.public_key())
    signature = private_key.sign(cosigned_message(body, timestamp))
    return f"{_SIG_PREFIX}{name} {b64(kid + struct.pack('>Q', timestamp) + signature)}"


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: which witness, and when it cosigned (POSIX seconds)."""

    witness: CosignerKey
    timestamp: int
    line: str


def cosignatures(note: str, witnesses: Iterable[CosignerKey]) -> list[Cosignature]:
    """The verified cosignatures on ``note`` by the given witnesses (one per witness).

    Lines by other keys are ignored. A line whose name and key ID match a witness but
    whose signature does not verify raises :class:`CosignatureError`.
    """
    table = {(w.name, w.key_id): w for w in witnesses}
    body = note_body(note)
    found: dict[str, Cosignature] = {}
    for line in signature_lines(note):
        if not line.startswith(_SIG_PREFIX):
            raise CosignatureError(f"malformed signature line {line!r}")
        name, _, encoded = line[len(_SIG_PREFIX) :].partition(" ")
        try:
            raw = _decode(encoded, "signature")
        except CosignatureError:
            continue  # not ours to judge: the note's own parser names malformed lines
        witness = table.get((name, raw[:4]))
        if witness is None:
            continue
        if len(raw) != _SIGNATURE_SIZE:
            raise CosignatureError(f"cosignature by {name}: {len(raw)} bytes, not 76")
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        try:
            witness.public_key.verify(raw[12:], cosigned_message(body, timestamp))
        except (InvalidSignature, CosignatureError):
            raise CosignatureError(
                f"forged cosignature: the line by witness {name} does not verify"
            ) from None
        found.setdefault(name, Cosignature(witness, timestamp, line))
    return list(found.values())


def _utc(timestamp: int) -> str:
    """POSIX seconds as RFC 3339 UTC text."""
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"POSIX {timestamp}"


# -- policy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyResult:
    """The outcome of a witness policy on one checkpoint note."""

    met: bool
    quorum: int
    cosigned: tuple[Cosignature, ...]
    reason: str = ""

    def describe(self) -> str:
        names = ", ".join(f"{c.witness.name} at {_utc(c.timestamp)}" for c in self.cosigned)
        got = f"{len(self.cosigned)} of {self.quorum} required" + (f" ({names})" if names else "")
        return got if self.met else f"{got}: {self.reason}"


@dataclass(frozen=True)
class WitnessPolicy:
    """ "At least ``quorum`` of these ``witnesses`` cosigned" (the Go sumdb / Sigstore rule)."""

    quorum: int
    witnesses: tuple[CosignerKey, ...]

    def __post_init__(self) -> None:
        names = [w.name for w in self.witnesses]
        if len(set(names)) != len(names):
            raise CosignatureError("witness policy: each witness name may appear once")
        if not 1 <= self.quorum <= len(self.witnesses):
            raise CosignatureError(
                f"witness policy: quorum {self.quorum} must be between 1 and the"
                f" {len(self.witnesses)} witness keys given"
            )

    @classmethod
    def parse(cls, quorum: int | None, vkeys: Sequence[str]) -> WitnessPolicy:
        """From vkey strings; ``quorum`` None means all of them."""
        keys = tuple(parse_cosigner_vkey(v) for v in vkeys)
        return cls(len(keys) if quorum is None else quorum, keys)

    def check(self, note: str) -> PolicyResult:
        try:
            found = tuple(cosignatures(note, self.witnesses))
        except CosignatureError as exc:
            return PolicyResult(False, self.quorum, (), str(exc))
        if len(found) >= self.quorum:
            return PolicyResult(True, self.quorum, found)
        missing = [w.name for w in self.witnesses if w.name not in {c.witness.name for c in found}]
        return PolicyResult(
            False,
            self.quorum,
            found,
            f"witness policy not met: no cosignature by {', '.join(missing)}",
        )


def _decode(text: str, what: str) -> bytes:
    return unb64(text, what, CosignatureError)
