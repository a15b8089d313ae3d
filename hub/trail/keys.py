"""Signing keys: the hub's private key, and the signed key history auditors verify with.

Key ids are derived from the public key (``hub-`` + 16 hex digits of its SHA-256), so a
key id can never silently point at another key.

The public-key file (``TABADOL_PUBLIC_KEYS``)
---------------------------------------------
Format ``tabadol-public-keys/2`` is a *signed key history*: the log's origin (the name its
checkpoints carry), then every key the hub ever signed with, oldest first. Each entry is
endorsed: the first by its own key, every later one by the key before it, over::

    "tabadol/key-history/entry/v1" 0x00 ‖ hash of the previous entry's statement (32 zero
    bytes for the first) ‖ origin ‖ key id ‖ algorithm ‖ public key ‖ valid from (RFC 3339
    UTC text) ‖ u64 valid-from size

(strings and bytes length-prefixed with a u32, integers big-endian), so nobody can add,
drop, reorder or change a key without the previous private key. ``valid_until`` and
``revoked_at`` are written next to each key for people; they are derived (the successor's
``valid_from``, the revocation's time) and checked on load. A revocation is a statement::

    "tabadol/key-history/revocation/v1" 0x00 ‖ origin ‖ key id ‖ revoked at ‖
    u64 trusted size ‖ reason ‖ revoking key id

signed by another key of the history (rotate first if the current key is compromised).

Format ``tabadol-public-keys/1`` (a plain, unsigned list of keys) is still read: its keys
are valid everywhere, and the origin defaults to ``tabadol.gov.ir/hub/<first key id>``.

Which key is valid where
------------------------
An event's time cannot be read from its envelope (the payload may be encrypted, and the
timestamp inside is the writer's claim), so validity is expressed in *log indexes*: the
0-based index of an event in the global log, which is its Merkle leaf index and which an
auditor recomputes by counting a whole trail (or reads from an inclusion proof).

* ``valid_from_size`` S: the log held S events when the key was made (``keys rotate``
  counts them). An event at index < S, or a checkpoint of size < S, signed by that key is
  refused: the key did not exist yet, so the signature was back-dated.
* A revocation with *trusted size* T (by default the size of the last checkpoint signed
  before ``--at``): the key's signatures on events at index ≥ T and on checkpoints of size
  > T are refused, named as signatures by a revoked key. Everything the key signed below T
  stays valid: a checkpoint signed before the compromise already pins it.
* Rotation alone invalidates nothing: a retired key's past signatures stay valid, and
  replicas may keep signing with it until they restart with the new key. Destroy the
  retired private key; if it leaks, revoke it.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.trail.encoding import b64, length_prefixed, parse_utc, unb64, utc_text

__all__ = [
    "KEY_HISTORY_FORMAT",
    "ORIGIN_PREFIX",
    "PUBLIC_KEYS_FORMAT",
    "KeyEntry",
    "KeyFileError",
    "KeyHistory",
    "PublicKeyRing",
    "Revocation",
    "Signer",
    "init_keys",
    "key_id_for",
    "load_history",
    "load_signer",
    "revoke_key",
    "rotate_keys",
]

PUBLIC_KEYS_FORMAT = "tabadol-public-keys/1"
KEY_HISTORY_FORMAT = "tabadol-public-keys/2"
ORIGIN_PREFIX = "tabadol.gov.ir/hub/"
_ALGORITHM = "ed25519"
_ENTRY_DOMAIN = b"tabadol/key-history/entry/v1\x00"
_REVOCATION_DOMAIN = b"tabadol/key-history/revocation/v1\x00"
_NO_PREVIOUS = bytes(32)


class KeyFileError(Exception):
    """A key file is missing or malformed; the message says what to do."""


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(public_key: Ed25519PublicKey) -> str:
    return "hub-" + hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    """The hub's Ed25519 private key and its key id."""

    private_key: Ed25519PrivateKey
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", key_id_for(self.private_key.public_key()))

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


def _verifies(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


# -- the key history ------------------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    """A signed statement that ``key_id`` is compromised from ``revoked_at`` on."""

    key_id: str
    revoked_at: str
    trusted_size: int
    reason: str
    by: str
    signature: bytes

    def message(self, origin: str) -> bytes:
        return (
            _REVOCATION_DOMAIN
            + length_prefixed(origin)
            + length_prefixed(self.key_id)
            + length_prefixed(self.revoked_at)
            + struct.pack(">Q", self.trusted_size)
            + length_prefixed(self.reason)
            + length_prefixed(self.by)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "revoked_at": self.revoked_at,
            "trusted_size": self.trusted_size,
            "reason": self.reason,
            "by": self.by,
            "signature": b64(self.signature),
        }


@dataclass(frozen=True)
class KeyEntry:
    """One key of the history. ``endorsement`` is None only in a legacy (format 1) file."""

    key_id: str
    public_key: Ed25519PublicKey
    valid_from: str | None = None
    valid_from_size: int = 0
    endorsed_by: str | None = None
    endorsement: bytes | None = None
    valid_until: str | None = None
    revocation: Revocation | None = None

    def statement(self, origin: str, previous: bytes) -> bytes:
        """The bytes the endorsement signs; their SHA-256 links the next entry."""
        return (
            _ENTRY_DOMAIN
            + previous
            + length_prefixed(origin)
            + length_prefixed(self.key_id)
            + length_prefixed(_ALGORITHM)
            + length_prefixed(_raw_public(self.public_key))
            + length_prefixed(self.valid_from or "")
            + struct.pack(">Q", self.valid_from_size)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "algorithm": _ALGORITHM,
            "public_key": b64(_raw_public(self.public_key)),
            "valid_from": self.valid_from,
            "valid_from_size": self.valid_from_size,
            "valid_until": self.valid_until,
            "revoked_at": self.revocation.revoked_at if self.revocation else None,
            "endorsed_by": self.endorsed_by,
            "endorsement": b64(self.endorsement) if self.endorsement else None,
        }


def _expect(entry: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = entry.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise KeyFileError(f"{where}: field {name!r} is missing or of the wrong type")
    return value


@dataclass(frozen=True)
class KeyHistory:
    """The hub's keys over time; ``signed`` is False for a legacy (format 1) file."""

    origin: str
    entries: tuple[KeyEntry, ...]
    signed: bool = True

    # -- lookups ----------------------------------------------------------------------

    def entry(self, key_id: str) -> KeyEntry | None:
        return next((e for e in self.entries if e.key_id == key_id), None)

    @property
    def current(self) -> KeyEntry:
        return self.entries[-1]

    def check_event(self, key_id: str, log_index: int) -> str:
        """Why ``key_id`` may not sign the event at ``log_index`` ("" when it may)."""
        entry = self.entry(key_id)
        if entry is None:
            return f"signed by unknown key {key_id!r}"
        if log_index < entry.valid_from_size:
            return (
                f"signed by key {key_id} before it existed: the key is valid from log"
                f" index {entry.valid_from_size}, the event is at log index {log_index}"
            )
        revoked = entry.revocation
        if revoked is not None and log_index >= revoked.trusted_size:
            return (
                f"signed by revoked key {key_id} (revoked at {revoked.revoked_at}:"
                f" only events below log index {revoked.trusted_size} are trusted)"
            )
        return ""

    def check_checkpoint(self, key_id: str, size: int) -> str:
        """Why ``key_id`` may not sign a checkpoint of ``size`` ("" when it may)."""
        entry = self.entry(key_id)
        if entry is None:
            return f"checkpoint signed by unknown key {key_id!r}"
        if size < entry.valid_from_size:
            return (
                f"checkpoint of size {size} signed by key {key_id} before it existed"
                f" (valid from size {entry.valid_from_size})"
            )
        revoked = entry.revocation
        if revoked is not None and size > revoked.trusted_size:
            return (
                f"checkpoint of size {size} signed by revoked key {key_id} after its"
                f" revocation at {revoked.revoked_at} (trusted up to size {revoked.trusted_size})"
            )
        return ""

    # -- building ---------------------------------------------------------------------

    @classmethod
    def genesis(cls, signer: Signer, *, at: datetime, origin: str | None = None) -> KeyHistory:
        """A new history whose first, self-endorsed key is ``signer``'s."""
        origin = origin or ORIGIN_PREFIX + signer.key_id
        entry = KeyEntry(signer.key_id, signer.public_key, utc_text(at), 0, signer.key_id)
        endorsement = signer.sign(entry.statement(origin, _NO_PREVIOUS))
        return cls(origin, (replace(entry, endorsement=endorsement),))

    def rotated(self, current: Signer, new: Signer, *, at: datetime, from_size: int) -> KeyHistory:
        """This history plus ``new``, endorsed by ``current`` (the latest key)."""
        self._require_signed("rotate")
        if current.key_id != self.current.key_id:
            raise KeyFileError(
                f"the signing key {current.key_id} is not the latest key of the history"
                f" ({self.current.key_id}); only the latest key may endorse its successor"
            )
        if self.entry(new.key_id) is not None:
            raise KeyFileError(f"key {new.key_id} is already in the history")
        since = utc_text(at)
        if self.current.valid_from and since < self.current.valid_from:
            raise KeyFileError(f"valid from {since} is before the current key's start")
        entry = KeyEntry(new.key_id, new.public_key, since, from_size, current.key_id)
        previous = self._statement_hash(len(self.entries) - 1)
        signed = replace(entry, endorsement=current.sign(entry.statement(self.origin, previous)))
        entries = (*self.entries[:-1], replace(self.current, valid_until=since), signed)
        return replace(self, entries=entries)

    def revoked(
        self, key_id: str, by: Signer, *, at: datetime, trusted_size: int, reason: str = ""
    ) -> KeyHistory:
        """This history with ``key_id`` revoked by ``by`` (another key of the history)."""
        self._require_signed("revoke")
        entry = self.entry(key_id)
        if entry is None:
            raise KeyFileError(f"key {key_id} is not in the history")
        if entry.revocation is not None:
            raise KeyFileError(f"key {key_id} is already revoked ({entry.revocation.revoked_at})")
        if by.key_id == key_id:
            raise KeyFileError(
                f"key {key_id} cannot revoke itself: rotate to a new key first"
                " (tabadol keys rotate), then revoke the old one with the new key"
            )
        if self.entry(by.key_id) is None:
            raise KeyFileError(f"the signing key {by.key_id} is not in the history")
        unsigned = Revocation(key_id, utc_text(at), trusted_size, reason, by.key_id, b"")
        revocation = replace(unsigned, signature=by.sign(unsigned.message(self.origin)))
        entries = tuple(
            replace(e, revocation=revocation) if e.key_id == key_id else e for e in self.entries
        )
        return replace(self, entries=entries)

    def _require_signed(self, what: str) -> None:
        if not self.signed:
            raise KeyFileError(
                f"cannot {what}: the public-key file is in the legacy format"
                f" {PUBLIC_KEYS_FORMAT!r}, which has no signed history; start a new"
                " history with `tabadol keys init` in a new data directory"
            )

    def _statement_hash(self, index: int) -> bytes:
        previous = _NO_PREVIOUS
        for entry in self.entries[: index + 1]:
            previous = hashlib.sha256(entry.statement(self.origin, previous)).digest()
        return previous

    def merged(self, other: KeyHistory) -> KeyHistory:
        """The longer of two histories of the same log, with the revocations of both.

        One history's keys must be a prefix of the other's: a newer copy of the file may
        add keys and revocations but never change an older key.
        """
        if self.origin != other.origin:
            raise KeyFileError(f"key histories of two logs: {self.origin!r}, {other.origin!r}")
        short, long = sorted((self, other), key=lambda h: len(h.entries))
        for mine, theirs in zip(short.entries, long.entries, strict=False):
            if mine.key_id != theirs.key_id or mine.valid_from_size != theirs.valid_from_size:
                raise KeyFileError(
                    f"key histories disagree at key {mine.key_id} / {theirs.key_id}:"
                    " one is not an extension of the other"
                )
        revocations = {
            e.key_id: e.revocation for e in (*short.entries, *long.entries) if e.revocation
        }
        entries = tuple(
            replace(e, revocation=e.revocation or revocations.get(e.key_id)) for e in long.entries
        )
        return replace(long, entries=entries, signed=self.signed and other.signed)

    # -- the file ---------------------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        if not self.signed:
            return {
                "format": PUBLIC_KEYS_FORMAT,
                "keys": [
                    {
                        "key_id": e.key_id,
                        "algorithm": _ALGORITHM,
                        "public_key": b64(_raw_public(e.public_key)),
                    }
                    for e in self.entries
                ],
            }
        return {
            "format": KEY_HISTORY_FORMAT,
            "origin": self.origin,
            "keys": [e.to_json() for e in self.entries],
            "revocations": [e.revocation.to_json() for e in self.entries if e.revocation],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_document(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_document(cls, document: object, where: str = "key history") -> KeyHistory:
        """Parse and verify a key-history document (either format); raise KeyFileError."""
        if not isinstance(document, dict):
            raise KeyFileError(f"{where}: not a JSON object")
        if document.get("format") == PUBLIC_KEYS_FORMAT:
            return cls._legacy(document, where)
        if document.get("format") != KEY_HISTORY_FORMAT:
            raise KeyFileError(
                f"{where}: expected format {KEY_HISTORY_FORMAT!r} or {PUBLIC_KEYS_FORMAT!r}"
            )
        origin = _expect(document, "origin", str, where)
        raw_keys = _expect(document, "keys", list, where)
        raw_revocations = _expect(document, "revocations", list, where)
        if not raw_keys:
            raise KeyFileError(f"{where}: the key history is empty")
        entries = [_parse_entry(raw, f"{where}: key {i + 1}") for i, raw in enumerate(raw_keys)]
        history = cls(origin, tuple(entries))
        history._verify_chain(where)
        history = history._with_revocations(raw_revocations, where)
        for raw, entry in zip(raw_keys, history.entries, strict=True):
            if raw.get("revoked_at") != (entry.revocation and entry.revocation.revoked_at):
                raise KeyFileError(
                    f"{where}: revoked_at of key {entry.key_id} is not its revocation's"
                )
        return history

    @classmethod
    def _legacy(cls, document: Mapping[str, Any], where: str) -> KeyHistory:
        entries: list[KeyEntry] = []
        for i, raw in enumerate(_expect(document, "keys", list, where)):
            at = f"{where}: key {i + 1}"
            if not isinstance(raw, dict):
                raise KeyFileError(f"{at}: not a JSON object")
            key = Ed25519PublicKey.from_public_bytes(
                _unb64(raw.get("public_key"), f"{at} public_key")
            )
            if key_id_for(key) != raw.get("key_id"):
                raise KeyFileError(f"{where}: key id {raw.get('key_id')} does not match its key")
            entries.append(KeyEntry(key_id_for(key), key))
        if not entries:
            raise KeyFileError(f"{where}: no keys")
        return cls(ORIGIN_PREFIX + entries[0].key_id, tuple(entries), signed=False)

    def _verify_chain(self, where: str) -> None:
        previous = _NO_PREVIOUS
        seen: set[str] = set()
        for i, entry in enumerate(self.entries):
            if entry.key_id in seen:
                raise KeyFileError(f"{where}: key {entry.key_id} appears twice")
            seen.add(entry.key_id)
            endorser = self.entries[i - 1] if i else entry
            if entry.endorsed_by != endorser.key_id:
                raise KeyFileError(
                    f"{where}: key {entry.key_id} must be endorsed by {endorser.key_id},"
                    f" not {entry.endorsed_by}"
                )
            statement = entry.statement(self.origin, previous)
            if entry.endorsement is None or not _verifies(
                endorser.public_key, entry.endorsement, statement
            ):
                raise KeyFileError(
                    f"{where}: bad endorsement of key {entry.key_id} by {endorser.key_id}:"
                    " the key history was altered"
                )
            if i and (entry.valid_from or "") < (self.entries[i - 1].valid_from or ""):
                raise KeyFileError(f"{where}: key {entry.key_id} starts before its predecessor")
            if i and entry.valid_from_size < self.entries[i - 1].valid_from_size:
                raise KeyFileError(f"{where}: key {entry.key_id} starts at a smaller log size")
            successor = self.entries[i + 1].valid_from if i + 1 < len(self.entries) else None
            if entry.valid_until != successor:
                raise KeyFileError(
                    f"{where}: valid_until of key {entry.key_id} is not its successor's valid_from"
                )
            previous = hashlib.sha256(statement).digest()

    def _with_revocations(self, raw_revocations: list[Any], where: str) -> KeyHistory:
        history = self
        for i, raw in enumerate(raw_revocations):
            at = f"{where}: revocation {i + 1}"
            if not isinstance(raw, dict):
                raise KeyFileError(f"{at}: not a JSON object")
            revocation = Revocation(
                _expect(raw, "key_id", str, at),
                _expect(raw, "revoked_at", str, at),
                _expect(raw, "trusted_size", int, at),
                _expect(raw, "reason", str, at),
                _expect(raw, "by", str, at),
                _unb64(raw.get("signature"), f"{at} signature"),
            )
            _check_time(revocation.revoked_at, at)
            target, signer = history.entry(revocation.key_id), history.entry(revocation.by)
            if target is None or signer is None or signer is target:
                raise KeyFileError(f"{at}: must revoke a key of the history with another key")
            if target.revocation is not None:
                raise KeyFileError(f"{at}: key {target.key_id} is revoked twice")
            if revocation.trusted_size < 0 or not _verifies(
                signer.public_key, revocation.signature, revocation.message(history.origin)
            ):
                raise KeyFileError(f"{at}: bad signature by {signer.key_id}: it was altered")
            history = replace(
                history,
                entries=tuple(
                    replace(e, revocation=revocation) if e is target else e for e in history.entries
                ),
            )
        return history


def _check_time(text: str, where: str) -> None:
    try:
        canonical = utc_text(parse_utc(text))
    except ValueError as exc:
        raise KeyFileError(f"{where}: {exc}") from None
    if canonical != text:
        raise KeyFileError(f"{where}: time {text!r} is not canonical ({canonical})")


def _parse_entry(raw: object, where: str) -> KeyEntry:
    if not isinstance(raw, dict):
        raise KeyFileError(f"{where}: not a JSON object")
    if raw.get("algorithm") != _ALGORITHM:
        raise KeyFileError(f"{where}: algorithm must be {_ALGORITHM!r}")
    key = Ed25519PublicKey.from_public_bytes(_unb64(raw.get("public_key"), f"{where} public_key"))
    key_id = _expect(raw, "key_id", str, where)
    if key_id_for(key) != key_id:
        raise KeyFileError(f"{where}: key id {key_id} does not match its key")
    valid_from = _expect(raw, "valid_from", str, where)
    _check_time(valid_from, where)
    valid_until = raw.get("valid_until")
    if valid_until is not None and not isinstance(valid_until, str):
        raise KeyFileError(f"{where}: valid_until must be a time or null")
    size = _expect(raw, "valid_from_size", int, where)
    if size < 0:
        raise KeyFileError(f"{where}: valid_from_size is negative")
    known = {
        "key_id",
        "algorithm",
        "public_key",
        "valid_from",
        "valid_from_size",
        "valid_until",
        "revoked_at",
        "endorsed_by",
        "endorsement",
    }
    if set(raw) != known:
        raise KeyFileError(f"{where}: unexpected or missing fields {sorted(set(raw) ^ known)}")
    return KeyEntry(
        key_id,
        key,
        valid_from,
        size,
        _expect(raw, "endorsed_by", str, where),
        _unb64(raw.get("endorsement"), f"{where} endorsement"),
        valid_until,
    )


# -- what auditors hold ---------------------------------------------------------------


@dataclass(frozen=True)
class PublicKeyRing(Mapping[str, Ed25519PublicKey]):
    """Public keys by key id, as an auditor holds them, with their history when known."""

    by_id: Mapping[str, Ed25519PublicKey]
    history: KeyHistory | None = None

    def __getitem__(self, key_id: str) -> Ed25519PublicKey:
        return self.by_id[key_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_id)

    def __len__(self) -> int:
        return len(self.by_id)

    def verify(self, key_id: str, signature: bytes, message: bytes) -> bool:
        key = self.by_id.get(key_id)
        return key is not None and _verifies(key, signature, message)

    def check_event(self, key_id: str, log_index: int) -> str:
        """Why the history forbids ``key_id`` at ``log_index`` ("" if allowed or no history)."""
        if self.history is None or not self.history.signed:
            return "" if key_id in self.by_id else f"signed by unknown key {key_id!r}"
        return self.history.check_event(key_id, log_index)

    def event_window(self, key_id: str) -> tuple[int, int | None] | None:
        """The log indexes ``[first, end)`` (``end`` None: no end) at which
        :meth:`check_event` allows ``key_id``, or None when it allows it nowhere: lets a
        verifier check a run of events by one key with two comparisons."""
        if self.history is None or not self.history.signed:
            return (0, None) if key_id in self.by_id else None
        entry = self.history.entry(key_id)
        if entry is None:
            return None
        revoked = entry.revocation
        return entry.valid_from_size, revoked.trusted_size if revoked is not None else None

    def check_checkpoint(self, key_id: str, size: int) -> str:
        if self.history is None or not self.history.signed:
            return "" if key_id in self.by_id else f"checkpoint signed by unknown key {key_id!r}"
        return self.history.check_checkpoint(key_id, size)

    @property
    def origin(self) -> str | None:
        """The log origin checkpoints must carry, when a history names it."""
        return self.history.origin if self.history else None

    @classmethod
    def of(cls, *public_keys: Ed25519PublicKey) -> PublicKeyRing:
        return cls({key_id_for(k): k for k in public_keys})

    @classmethod
    def from_history(cls, history: KeyHistory) -> PublicKeyRing:
        return cls({e.key_id: e.public_key for e in history.entries}, history)

    @classmethod
    def load(cls, path: Path) -> PublicKeyRing:
        return cls.from_history(load_history(path))


def load_history(path: Path) -> KeyHistory:
    """Read and verify a public-key file of either format."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyFileError(f"public-key file {path} not found") from exc
    except json.JSONDecodeError as exc:
        raise KeyFileError(f"public-key file {path} is not JSON: {exc}") from exc
    try:
        return KeyHistory.from_document(document, str(path))
    except ValueError as exc:  # a malformed key inside (cryptography raises ValueError)
        raise KeyFileError(f"{path}: {exc}") from exc


def _write_public(path: Path, history: KeyHistory) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(history.to_json(), encoding="utf-8")
    temporary.replace(path)  # atomic: a reader never sees half a file


def _write_private(path: Path, signer: Signer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(path, 0o600)


def load_signer(path: Path) -> Signer:
    """Load the hub's private key; the error says how to create one."""
    try:
        pem = path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyFileError(
            f"no signing key at {path}. Create one with:  tabadol keys init"
            " (or point TABADOL_SIGNING_KEY at an existing key)"
        ) from exc
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 private key")
    return Signer(key)


def init_keys(
    private_path: Path, public_path: Path, *, force: bool = False, now: datetime | None = None
) -> Signer:
    """Write a new private key (mode 0600) and start a signed key history with it.

    A legacy (format 1) public-key file is extended in its own format, as before; a signed
    history cannot be restarted here: extend it with :func:`rotate_keys`.
    """
    if private_path.exists() and not force:
        raise KeyFileError(f"{private_path} already exists; refusing to overwrite a signing key")
    signer = Signer(Ed25519PrivateKey.generate())
    moment = now or datetime.now(UTC)
    if not public_path.exists():
        _write_private(private_path, signer)
        _write_public(public_path, KeyHistory.genesis(signer, at=moment))
        return signer
    if load_history(public_path).signed:  # also refuses to extend a malformed file
        raise KeyFileError(
            f"{public_path} holds a signed key history: add a key with"
            " `tabadol keys rotate` (it needs the current private key), or move the"
            " file away to start a new log"
        )
    document = json.loads(public_path.read_text(encoding="utf-8"))
    document["keys"].append(
        {
            "key_id": signer.key_id,
            "algorithm": _ALGORITHM,
            "public_key": b64(_raw_public(signer.public_key)),
            "created_at": moment.isoformat(),
        }
    )
    _write_private(private_path, signer)
    public_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return signer


def rotate_keys(
    private_path: Path, public_path: Path, *, from_size: int, now: datetime | None = None
) -> tuple[Signer, Signer, Path]:
    """Make a new signing key endorsed by the current one; retire the current private key.

    ``from_size`` is how many events the log holds now (the new key cannot have signed
    any of them). Returns (retired signer, new signer, where the retired key was moved).
    The hub signs with the new key from its next start.
    """
    current = load_signer(private_path)
    history = load_history(public_path)
    new = Signer(Ed25519PrivateKey.generate())
    rotated = history.rotated(current, new, at=now or datetime.now(UTC), from_size=from_size)
    retired = private_path.with_name(f"{private_path.name}.{current.key_id}.retired")
    staged = private_path.with_name(f"{private_path.name}.{new.key_id}.new")
    # every step leaves a usable state: the public file first (the old key stays valid),
    # then the old key kept under a second name, then the new key swapped in atomically
    _write_private(staged, new)
    _write_public(public_path, rotated)
    os.link(private_path, retired)
    os.replace(staged, private_path)
    return current, new, retired


def revoke_key(
    private_path: Path,
    public_path: Path,
    key_id: str,
    *,
    at: datetime,
    trusted_size: int,
    reason: str = "",
) -> Revocation:
    """Revoke ``key_id`` from ``at`` on, signed with the current signing key."""
    signer = load_signer(private_path)
    history = load_history(public_path).revoked(
        key_id, signer, at=at, trusted_size=trusted_size, reason=reason
    )
    _write_public(public_path, history)
    entry = history.entry(key_id)
    assert entry is not None and entry.revocation is not None
    return entry.revocation


def _unb64(text: object, what: str) -> bytes:
    return unb64(text, what, KeyFileError)
