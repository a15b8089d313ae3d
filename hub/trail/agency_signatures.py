"""Agencies sign what they ask (004 art. 13; X-Road signs every message with the member's
key): the request-signature format, and its verification by the hub and by auditors.

An agency's client signs every call with an Ed25519 key registered for the agency. The
signed message is text, one ``<field> <value>`` line each, newline-terminated::

    tabadol/agency-request/v1
    agency MOJ
    key agency-0123456789abcdef
    method /tabadol.servicedesk.v1.ServiceDeskService/OpenCase
    time 1796152814123
    nonce 3q2+7wAAAAAAAAAAAAAAAA==
    idempotency 6f1c0a4e-…   (the client's key for this call, the same on its retries; "-": none)
    body <base64 SHA-256 of the serialized request message, as sent>

``time`` is Unix milliseconds, ``nonce`` 16 random bytes: the hub refuses a call whose
time is outside its window or whose nonce it has seen (a replay). The signature travels in
the metadata ``x-tabadol-request-signature`` as ``key=<id>;time=<ms>;nonce=<b64>;sig=<b64>``
and the idempotency key in ``x-tabadol-idempotency-key`` (the agency and method come from
the call itself, the body hash from its bytes).

The hub keeps, in the envelope of every event the call wrote, the *attestation*: the
signed message followed by ``sig <base64 signature>\\n``. An auditor verifies it with the
agency's registered keys (``tabadol agency-keys export``), without trusting the hub.

The agency's client (``hub.client``) has its own copy of the message builder, so that the
agency's code and the auditor's check are two implementations that must agree (a test
holds them to the same bytes).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

__all__ = [
    "HEADER",
    "REQUIREMENT_TOPIC",
    "SIGNATURE_METADATA",
    "AgencyKey",
    "AgencyKeyRing",
    "Attestation",
    "RequestSignatureError",
    "agency_key_id",
    "parse_metadata",
    "public_key_text",
    "request_message",
]

HEADER: Final = "tabadol/agency-request/v1"
SIGNATURE_METADATA: Final = "x-tabadol-request-signature"
IDEMPOTENCY_METADATA: Final = "x-tabadol-idempotency-key"
KEYS_FORMAT: Final = "tabadol-agency-keys/1"
REQUIREMENT_TOPIC: Final = "tabadol.agency_keys.registry.signatures_required"
"""The topic of the event recording which agencies must sign (``agencies``; ``*``: all)
(:class:`aggregates.agency_keys.AgencyKeyRegistry.SignaturesRequired`)."""
_NONCE_SIZE: Final = 16


class RequestSignatureError(ValueError):
    """A request signature is missing, malformed, by an unknown or revoked key, or forged."""


def agency_key_id(public_key: Ed25519PublicKey) -> str:
    """``agency-`` + the first 16 hex digits of SHA-256 of the raw public key."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "agency-" + hashlib.sha256(raw).hexdigest()[:16]


def body_hash(request_bytes: bytes) -> str:
    return base64.b64encode(hashlib.sha256(request_bytes).digest()).decode()


def request_message(
    *,
    agency: str,
    key_id: str,
    method: str,
    time_ms: int,
    nonce: str,
    idempotency: str,
    body: str,
) -> bytes:
    """The exact bytes an agency signs (see the module docstring)."""
    checked = (
        ("agency", agency),
        ("key", key_id),
        ("method", method),
        ("nonce", nonce),
        ("idempotency", idempotency),
    )
    for name, value in checked:
        if not value or any(c in value for c in " \n\r\t"):
            raise RequestSignatureError(
                f"request signature: {name} {value!r} is empty or has a space"
            )
    lines = [
        HEADER,
        f"agency {agency}",
        f"key {key_id}",
        f"method {method}",
        f"time {time_ms}",
        f"nonce {nonce}",
        f"idempotency {idempotency}",
        f"body {body}",
    ]
    return "".join(line + "\n" for line in lines).encode()


@dataclass(frozen=True)
class SignedRequest:
    """What the metadata carries: the key, the time, the nonce and the signature."""

    key_id: str
    time_ms: int
    nonce: str
    signature: bytes


def parse_metadata(value: str) -> SignedRequest:
    """Parse ``key=…;time=…;nonce=…;sig=…`` strictly."""
    fields: dict[str, str] = {}
    for part in value.split(";"):
        name, sep, text = part.strip().partition("=")
        if not sep or name in fields:
            raise RequestSignatureError(f"malformed {SIGNATURE_METADATA}: {part!r}")
        fields[name] = text
    if set(fields) != {"key", "time", "nonce", "sig"}:
        raise RequestSignatureError(
            f"{SIGNATURE_METADATA} must have exactly key, time, nonce and sig"
        )
    if not fields["time"].isdigit():
        raise RequestSignatureError("request signature: time must be Unix milliseconds")
    try:
        nonce = base64.b64decode(fields["nonce"], validate=True)
        signature = base64.b64decode(fields["sig"], validate=True)
    except binascii.Error:
        raise RequestSignatureError("request signature: nonce and sig must be base64") from None
    if len(nonce) != _NONCE_SIZE or len(signature) != 64:
        raise RequestSignatureError("request signature: a 16-byte nonce and a 64-byte signature")
    return SignedRequest(fields["key"], int(fields["time"]), fields["nonce"], signature)


@dataclass(frozen=True)
class Attestation:
    """An agency's signed request as kept in the trail, beside the hub's signature."""

    agency: str
    key_id: str
    method: str
    time_ms: int
    nonce: str
    idempotency: str
    body: str
    signature: bytes

    @property
    def message(self) -> bytes:
        return request_message(
            agency=self.agency,
            key_id=self.key_id,
            method=self.method,
            time_ms=self.time_ms,
            nonce=self.nonce,
            idempotency=self.idempotency,
            body=self.body,
        )

    def to_bytes(self) -> bytes:
        return self.message + f"sig {base64.b64encode(self.signature).decode()}\n".encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Attestation:
        try:
            lines = data.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            raise RequestSignatureError("attestation: not UTF-8") from None
        names = ["agency", "key", "method", "time", "nonce", "idempotency", "body", "sig"]
        if len(lines) != 10 or lines[0] != HEADER or lines[-1] != "":
            raise RequestSignatureError("attestation: not a tabadol/agency-request/v1 record")
        values: list[str] = []
        for name, line in zip(names, lines[1:9], strict=True):
            field, _, value = line.partition(" ")
            if field != name or not value:
                raise RequestSignatureError(f"attestation: expected a {name!r} line")
            values.append(value)
        agency, key_id, method, time_text, nonce, idempotency, body, sig = values
        if not time_text.isdigit():
            raise RequestSignatureError("attestation: time is not Unix milliseconds")
        try:
            signature = base64.b64decode(sig, validate=True)
        except binascii.Error:
            raise RequestSignatureError("attestation: sig is not base64") from None
        attestation = cls(
            agency, key_id, method, int(time_text), nonce, idempotency, body, signature
        )
        if attestation.to_bytes() != data:
            raise RequestSignatureError("attestation: not in canonical form")
        return attestation

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.time_ms / 1000, UTC)


@dataclass(frozen=True)
class AgencyKey:
    """A registered agency signing key and when it was valid (revocation ends it)."""

    agency: str
    key_id: str
    public_key: Ed25519PublicKey
    registered_at: datetime
    revoked_at: datetime | None = None

    def valid_at(self, moment: datetime) -> bool:
        return self.registered_at <= moment and (
            self.revoked_at is None or moment < self.revoked_at
        )

    def to_json(self) -> dict[str, Any]:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {
            "agency": self.agency,
            "key_id": self.key_id,
            "public_key": base64.b64encode(raw).decode(),
            "registered_at": self.registered_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class AgencyKeyRing:
    """The agencies' registered keys, by key id (from the trail or an exported file)."""

    keys: Mapping[str, AgencyKey]

    def verify(self, attestation: Attestation, *, slack_ms: int = 0) -> None:
        """Check an attestation: a registered key of that agency, valid at its time, and
        a signature that verifies. ``slack_ms`` tolerates clock skew at registration."""
        key = self.keys.get(attestation.key_id)
        if key is None or key.agency != attestation.agency:
            raise RequestSignatureError(
                f"key {attestation.key_id} is not registered for agency {attestation.agency}"
            )
        signed_ms = attestation.time_ms + slack_ms
        if key.revoked_at is not None and signed_ms >= _ms(key.revoked_at):
            raise RequestSignatureError(
                f"key {key.key_id} of {key.agency} was revoked at {key.revoked_at.isoformat()}"
            )
        if signed_ms < _ms(key.registered_at):
            raise RequestSignatureError(
                f"key {key.key_id} of {key.agency} was not registered yet at {attestation.at.isoformat()}"
            )
        try:
            key.public_key.verify(attestation.signature, attestation.message)
        except InvalidSignature:
            raise RequestSignatureError(
                f"the signature of {attestation.agency} (key {attestation.key_id}) does not verify"
            ) from None

    def to_json(self) -> str:
        document = {
            "format": KEYS_FORMAT,
            "keys": [
                k.to_json()
                for k in sorted(self.keys.values(), key=lambda k: (k.agency, k.registered_at))
            ],
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def load(cls, path: Path) -> AgencyKeyRing:
        """The key ring of an agency key file (``tabadol agency-keys export``)."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RequestSignatureError(f"{path}: {exc}") from None
        return cls.from_document(document, source=str(path))

    @classmethod
    def from_document(cls, document: Any, *, source: str = "agency keys") -> AgencyKeyRing:
        """The key ring of a parsed ``tabadol-agency-keys/1`` document."""
        if not isinstance(document, dict) or document.get("format") != KEYS_FORMAT:
            raise RequestSignatureError(f"{source}: not an agency key file ({KEYS_FORMAT})")
        keys: dict[str, AgencyKey] = {}
        for index, entry in enumerate(document.get("keys", [])):
            try:
                public = Ed25519PublicKey.from_public_bytes(
                    base64.b64decode(entry["public_key"], validate=True)
                )
                registered = _utc(entry["registered_at"])
                revoked = entry.get("revoked_at")
                key = AgencyKey(
                    str(entry["agency"]),
                    agency_key_id(public),
                    public,
                    registered,
                    _utc(revoked) if revoked else None,
                )
            except (KeyError, TypeError, ValueError, binascii.Error) as exc:
                raise RequestSignatureError(
                    f"{source}: keys[{index}] is malformed: {exc}"
                ) from None
            if key.key_id != entry.get("key_id"):
                raise RequestSignatureError(
                    f"{source}: key id {entry.get('key_id')} does not match its key"
                )
            keys[key.key_id] = key
        return cls(keys)


def _ms(moment: datetime) -> int:
    """Unix milliseconds, rounded down (signed times are whole milliseconds)."""
    return int(moment.timestamp() * 1000)


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


def public_key_text(data: bytes) -> str:
    """Base64 of the raw Ed25519 public key in ``data``: a PEM public key, or the base64
    of its 32 raw bytes."""
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = load_pem_public_key(text)
        except ValueError as exc:
            raise RequestSignatureError(f"not a PEM public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise RequestSignatureError("not an Ed25519 public key")
        raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error:
            raise RequestSignatureError("neither a PEM public key nor base64") from None
        if len(raw) != 32:
            raise RequestSignatureError("a raw Ed25519 public key has 32 bytes")
    return base64.b64encode(raw).decode()
