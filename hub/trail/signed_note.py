"""C2SP signed notes (c2sp.org/signed-note) and log checkpoints (c2sp.org/tlog-checkpoint).

A *signed note* is a UTF-8 text ending in a newline, a blank line, then one or more
signature lines ``— <key name> <base64(key ID || signature)>``. With Ed25519 (signature
type ``0x01``, the only one supported here) the key ID is the first four bytes of
``SHA-256(key name || 0x0A || 0x01 || public key)`` and the signature covers the note text
(the body, including its final newline, not the blank line).

A *checkpoint* is a note whose body is ``<origin>\\n<tree size>\\n<base64 root hash>\\n``
followed by optional, non-empty extension lines.

Keys travel as the strings of golang.org/x/mod/sumdb/note:

* verifier key: ``<name>+<8 hex digits key ID>+<base64(0x01 || 32-byte public key)>``
* signer key:   ``PRIVATE+KEY+<name>+<8 hex digits key ID>+<base64(0x01 || 32-byte seed)>``

Parsing is strict: anything the specifications do not allow is refused with a
:class:`NoteError` or :class:`CheckpointError` that says what is wrong. As the signed-note
specification requires, signatures by unknown keys are ignored, every signature by a known
key must verify, and a note is accepted only with at least one valid known signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, TypeAlias

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

from hub.trail.encoding import b64

__all__ = [
    "ED25519_SIGNATURE_TYPE",
    "MAX_SIGNATURES",
    "Checkpoint",
    "CheckpointError",
    "NoteError",
    "NoteVerifier",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
    "signer_key",
    "verifier_key",
]

ED25519_SIGNATURE_TYPE: Final = 0x01
"""Signature type byte of Ed25519 note signatures (c2sp.org/signed-note)."""

MAX_SIGNATURES: Final = 100
"""Notes with more signature lines are refused (the spec asks for a limit of at least 16)."""

_SIG_PREFIX: Final = "\N{EM DASH} "
_KEY_ID_SIZE: Final = 4
_ED25519_KEY_SIZE: Final = 32
_MAX_TREE_SIZE: Final = 2**64 - 1
_ROOT_HASH_SIZE: Final = 32
_HEX_KEY_ID: Final = re.compile(r"[0-9a-f]{8}")
_DECIMAL: Final = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A signed note, a key string or a signature is malformed or does not verify."""


class CheckpointError(ValueError):
    """A checkpoint body is malformed (c2sp.org/tlog-checkpoint)."""


# -- helpers --------------------------------------------------------------------------


def _b64decode_strict(text: str) -> bytes:
    """Decode standard, padded, canonical base64 (RFC 4648 §4), or raise ValueError."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"not standard base64: {exc}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical standard base64")
    return raw


def _is_valid_key_name(name: str) -> bool:
    """Key names are non-empty UTF-8 with no Unicode spaces, ``+`` or control characters."""
    if not isinstance(name, str) or not name or "+" in name:
        return False
    if any(c.isspace() or c < " " or c == "\x7f" for c in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _control_character(text: str) -> str | None:
    """Return the first character below U+0020 other than newline, if any."""
    for c in text:
        if c < " " and c != "\n":
            return c
    return None


def _raw_public_key(public_key: Ed25519PublicKey | bytes) -> bytes:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if isinstance(public_key, bytes) and len(public_key) == _ED25519_KEY_SIZE:
        return public_key
    raise NoteError("a public key must be an Ed25519PublicKey or 32 raw bytes")


def key_id(name: str, public_key: Ed25519PublicKey | bytes) -> bytes:
    """Return the 4-byte key ID ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``."""
    if not _is_valid_key_name(name):
        raise NoteError(f"invalid key name {name!r}: empty, or has a space or '+'")
    raw = _raw_public_key(public_key)
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ED25519_SIGNATURE_TYPE]) + raw
    ).digest()
    return digest[:_KEY_ID_SIZE]


# -- keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier: a key name, its key ID and the public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def from_public_key(cls, name: str, public_key: Ed25519PublicKey | bytes) -> NoteVerifier:
        """Build a verifier from a key name and an Ed25519 public key."""
        raw = _raw_public_key(public_key)
        return cls(name, key_id(name, raw), Ed25519PublicKey.from_public_bytes(raw))

    @property
    def vkey(self) -> str:
        """The verifier key string ``<name>+<hex key ID>+<base64(0x01 || key)>``."""
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        encoded = b64(bytes([ED25519_SIGNATURE_TYPE]) + raw)
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Report whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def verifier_key(name: str, public_key: Ed25519PublicKey | bytes) -> str:
    """Return the verifier key string ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
    return NoteVerifier.from_public_key(name, public_key).vkey


def _parse_key_fields(kind: str, name: str, hex_id: str, encoded: str) -> tuple[bytes, bytes]:
    """Check the common fields of a key string; return (key ID, 32 key bytes)."""
    if not _is_valid_key_name(name):
        raise NoteError(f"malformed {kind} key: invalid key name {name!r}")
    if not _HEX_KEY_ID.fullmatch(hex_id):
        raise NoteError(f"malformed {kind} key: key ID must be 8 lowercase hex digits")
    try:
        data = _b64decode_strict(encoded)
    except ValueError as exc:
        raise NoteError(f"malformed {kind} key: key data is {exc}") from None
    if not data:
        raise NoteError(f"malformed {kind} key: empty key data")
    if data[0] != ED25519_SIGNATURE_TYPE:
        raise NoteError(f"unsupported {kind} key algorithm 0x{data[0]:02x} (only Ed25519, 0x01)")
    if len(data) != 1 + _ED25519_KEY_SIZE:
        raise NoteError(f"malformed {kind} key: Ed25519 key is {len(data) - 1} bytes, not 32")
    return bytes.fromhex(hex_id), data[1:]


def parse_verifier_key(vkey: str) -> NoteVerifier:
    """Parse a verifier key string ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
    parts = vkey.split("+", 2)  # base64 key data may itself contain "+"
    if len(parts) != 3:
        raise NoteError("malformed verifier key: expected <name>+<key ID>+<key>")
    name, hex_id, encoded = parts
    kid, raw = _parse_key_fields("verifier", name, hex_id, encoded)
    if key_id(name, raw) != kid:
        raise NoteError(f"verifier key {name}+{hex_id}: key ID does not match the key")
    return NoteVerifier(name, kid, Ed25519PublicKey.from_public_bytes(raw))


def signer_key(name: str, private_key: Ed25519PrivateKey) -> str:
    """Return the secret signer key string ``PRIVATE+KEY+<name>+<hex key ID>+<base64>``."""
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    kid = key_id(name, private_key.public_key())
    encoded = b64(bytes([ED25519_SIGNATURE_TYPE]) + seed)
    return f"PRIVATE+KEY+{name}+{kid.hex()}+{encoded}"


def parse_signer_key(skey: str) -> tuple[str, Ed25519PrivateKey]:
    """Parse a signer key string; return the key name and the Ed25519 private key."""
    parts = skey.split("+", 4)  # base64 key data may itself contain "+"
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise NoteError("malformed signer key: expected PRIVATE+KEY+<name>+<key ID>+<key>")
    _, _, name, hex_id, encoded = parts
    kid, seed = _parse_key_fields("signer", name, hex_id, encoded)
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    if key_id(name, private_key.public_key()) != kid:
        raise NoteError(f"signer key {name}+{hex_id}: key ID does not match the key")
    return name, private_key


# -- notes ----------------------------------------------------------------------------


def _check_note_text(text: str, what: str) -> None:
    bad = _control_character(text)
    if bad is not None:
        raise NoteError(f"malformed {what}: control character U+{ord(bad):04X}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError(f"malformed {what}: not valid Unicode (lone surrogate)") from None


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``body`` with an Ed25519 key and return the signed note.

    ``body`` must end with a newline and must not contain control characters other than
    newline. The result is ``body + "\\n" + "— <name> <base64(key ID || signature)>\\n"``.
    """
    if not body.endswith("\n"):
        raise NoteError("note body must end with a newline")
    _check_note_text(body, "note body")
    if not _is_valid_key_name(name):
        raise NoteError(f"invalid key name {name!r}: empty, or has a space or '+'")
    kid = key_id(name, private_key.public_key())
    signature = private_key.sign(body.encode("utf-8"))
    return f"{body}\n{_SIG_PREFIX}{name} {b64(kid + signature)}\n"


VerifierSpec: TypeAlias = str | tuple[str, Ed25519PublicKey | bytes] | NoteVerifier
"""A known key: a verifier key string, a ``(name, public key)`` pair or a NoteVerifier."""


def _verifier_table(
    verifiers: Iterable[VerifierSpec] | Mapping[str, Ed25519PublicKey | bytes],
) -> dict[tuple[str, bytes], NoteVerifier]:
    if isinstance(verifiers, str | bytes):
        raise TypeError("verifiers must be a collection of keys, not a single string")
    specs: Iterable[VerifierSpec]
    specs = list(verifiers.items()) if isinstance(verifiers, Mapping) else verifiers
    table: dict[tuple[str, bytes], NoteVerifier] = {}
    for spec in specs:
        if isinstance(spec, NoteVerifier):
            v = spec
        elif isinstance(spec, str):
            v = parse_verifier_key(spec)
        elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
            v = NoteVerifier.from_public_key(spec[0], spec[1])
        else:
            raise TypeError(f"not a verifier: {spec!r}")
        key = (v.name, v.key_id)
        known = table.get(key)
        if known is not None and known.vkey != v.vkey:
            raise NoteError(
                f"ambiguous verifiers: two different keys for {v.name}+{v.key_id.hex()}"
            )
        table[key] = v
    return table


def open_note(
    note: str | bytes,
    verifiers: Iterable[VerifierSpec] | Mapping[str, Ed25519PublicKey | bytes],
) -> tuple[str, list[str]]:
    """Parse a signed note and verify its signatures against the known ``verifiers``.

    ``verifiers`` are verifier key strings, ``(name, public key)`` pairs, NoteVerifier
    objects, or a mapping from key name to public key.

    Returns ``(body, names)``: the note text (with its final newline) and the names of the
    known keys with a valid signature, in order of first appearance. Signature lines from
    unknown keys (a key is known by its name *and* key ID) are ignored.

    :raises NoteError: if the note is malformed, has more than :data:`MAX_SIGNATURES`
        signature lines, has an invalid signature from a known key, or has no valid
        signature from a known key.
    """
    table = _verifier_table(verifiers)
    if isinstance(note, bytes | bytearray):
        try:
            text = bytes(note).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError(f"malformed note: not valid UTF-8 ({exc.reason})") from None
    elif isinstance(note, str):
        text = note
    else:
        raise TypeError(f"a note must be str or bytes, not {type(note).__name__}")
    _check_note_text(text, "note")

    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line between the text and the signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block:
        raise NoteError("malformed note: no signature lines after the blank line")
    if not block.endswith("\n"):
        raise NoteError("malformed note: the last signature line does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signature lines")

    message = body.encode("utf-8")
    verified: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"malformed note: signature line {number} does not start with '— '")
        name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
        if not space or not _is_valid_key_name(name):
            raise NoteError(f"malformed note: signature line {number} has no valid key name")
        try:
            raw = _b64decode_strict(encoded)
        except ValueError as exc:
            raise NoteError(f"malformed note: signature line {number} is {exc}") from None
        if len(raw) <= _KEY_ID_SIZE:
            raise NoteError(f"malformed note: signature line {number} is too short")
        kid, signature = raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:]
        verifier = table.get((name, kid))
        if verifier is None:
            continue  # unknown key: ignored, as c2sp.org/signed-note requires
        if not verifier.verify(message, signature):
            raise NoteError(f"invalid signature for key {name}+{kid.hex()}")
        if name not in verified:
            verified.append(name)
    if not verified:
        raise NoteError("note has no valid signature from a known key")
    return body, verified


# -- checkpoints ----------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A transparency-log checkpoint body (c2sp.org/tlog-checkpoint).

    ``root_hash`` is the 32-byte RFC 6962 / RFC 9162 SHA-256 root of the first ``size``
    leaves of the log named ``origin``. ``extensions`` are extra, opaque, non-empty lines.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line("origin", self.origin)
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise CheckpointError(f"tree size must be an int, not {type(self.size).__name__}")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size} is outside 0..2**64-1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != _ROOT_HASH_SIZE:
            raise CheckpointError(f"root hash must be {_ROOT_HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise CheckpointError("extensions must be a tuple of lines")
        for i, ext in enumerate(self.extensions):
            _check_line(f"extension line {i + 1}", ext)

    def body(self) -> str:
        """Return the note text: origin, size and base64 root hash lines, then extensions."""
        lines = [self.origin, str(self.size), b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint body strictly; raise :class:`CheckpointError` if malformed."""
        if not isinstance(body, str):
            raise CheckpointError("checkpoint body must be a str")
        if not body.endswith("\n"):
            raise CheckpointError("checkpoint body must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(
                f"checkpoint body has {len(lines)} lines; origin, size and root hash are needed"
            )
        origin, size_text, hash_text, *extensions = lines
        if not _DECIMAL.fullmatch(size_text):
            raise CheckpointError(
                f"line 2: tree size {size_text!r} is not a decimal number without leading zeros"
            )
        size = int(size_text)
        if size > _MAX_TREE_SIZE:
            raise CheckpointError(f"line 2: tree size {size_text} does not fit in 64 bits")
        try:
            root_hash = _b64decode_strict(hash_text)
        except ValueError as exc:
            raise CheckpointError(f"line 3: root hash is {exc}") from None
        if len(root_hash) != _ROOT_HASH_SIZE:
            raise CheckpointError(
                f"line 3: root hash is {len(root_hash)} bytes, expected {_ROOT_HASH_SIZE}"
            )
        return cls(origin, size, root_hash, tuple(extensions))


def _check_line(what: str, line: str) -> None:
    if not isinstance(line, str):
        raise CheckpointError(f"{what} must be a str")
    if not line:
        raise CheckpointError(f"{what} is empty")
    if "\n" in line:
        raise CheckpointError(f"{what} contains a newline")
    bad = _control_character(line)
    if bad is not None:
        raise CheckpointError(f"{what} contains control character U+{ord(bad):04X}")


def open_checkpoint(
    note: str | bytes,
    verifiers: Iterable[VerifierSpec] | Mapping[str, Ed25519PublicKey | bytes],
    *,
    origin: str,
) -> tuple[Checkpoint, list[str]]:
    """Verify a signed checkpoint note and parse it; its origin must equal ``origin``.

    Returns the checkpoint and the names of the known keys that signed it.

    :raises NoteError: as :func:`open_note`.
    :raises CheckpointError: if the body is not a checkpoint, or is for another origin.
    """
    body, names = open_note(note, verifiers)
    checkpoint = Checkpoint.parse(body)
    if checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint, names
