"""گواهی مشارکت الکترونیکی: a signed e-participation certificate (003), verifiable offline.

A certificate is one JSON document in canonical form (keys sorted, no whitespace, UTF-8,
only strings, integers and booleans)::

    {"certificate":{...},"key_id":"hub-…","signature":"<base64 Ed25519>"}

The signature is the hub's Ed25519 signature (:class:`hub.trail.keys.Signer`) over
``b"tabadol-participation-certificate/1\\n"`` followed by the canonical bytes of the
``certificate`` object; the prefix keeps these signatures apart from the ledger's. The
participant is named by pseudonym only. :func:`verify_certificate` needs nothing but the
document and the public keys (:class:`hub.trail.keys.PublicKeyRing`); any change to the bytes —
even whitespace — fails it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from hub.trail.keys import PublicKeyRing, Signer

__all__ = [
    "CERTIFICATE_FORMAT",
    "CertificateError",
    "ParticipationCertificate",
    "canonical_json",
    "sign_certificate",
    "verify_certificate",
]

CERTIFICATE_FORMAT = "tabadol-participation-certificate/1"
_CONTEXT = (CERTIFICATE_FORMAT + "\n").encode()


class CertificateError(ValueError):
    """A certificate does not verify; the message says why."""


@dataclass(frozen=True)
class ParticipationCertificate:
    """What a certificate states: who (pseudonym) took part in which call, and how.

    Times are UTC ISO 8601; ``closed_on_jalali`` is the Tehran date the call closed.
    """

    consultation: str
    agency: str
    unit: str
    title_fa: str
    title_en: str
    opens_at: str
    closes_at: str
    closed_on_jalali: str
    participant: str
    comments: int
    accepted_suggestions: int
    voted: bool
    issued_at: str
    format: str = CERTIFICATE_FORMAT

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe primitives."""
        return asdict(self)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (no escapes for non-ASCII text)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign_certificate(certificate: ParticipationCertificate, signer: Signer) -> bytes:
    """The signed certificate document (canonical JSON bytes)."""
    body = certificate.to_dict()
    signature = signer.sign(_CONTEXT + canonical_json(body))
    return canonical_json(
        {
            "certificate": body,
            "key_id": signer.key_id,
            "signature": base64.b64encode(signature).decode("ascii"),
        }
    )


def verify_certificate(document: bytes, ring: PublicKeyRing) -> ParticipationCertificate:
    """The certificate a document states, if its bytes are exactly as signed by a key in
    ``ring``; else :class:`CertificateError`."""
    try:
        outer = json.loads(document.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CertificateError(f"not a certificate document: {error}") from None
    if not isinstance(outer, dict) or set(outer) != {"certificate", "key_id", "signature"}:
        raise CertificateError("a certificate document holds certificate, key_id and signature")
    if canonical_json(outer) != document:
        raise CertificateError("the document is not in canonical form: it was altered")
    body, key_id = outer["certificate"], outer["key_id"]
    try:
        signature = base64.b64decode(outer["signature"], validate=True)
    except (binascii.Error, TypeError):
        raise CertificateError("the signature is not base64") from None
    if not isinstance(body, dict) or not isinstance(key_id, str):
        raise CertificateError("malformed certificate or key id")
    if key_id not in ring:
        raise CertificateError(f"unknown key {key_id!r}: not in the public-key file")
    if not ring.verify(key_id, signature, _CONTEXT + canonical_json(body)):
        raise CertificateError(f"the signature does not verify under {key_id}")
    if body.get("format") != CERTIFICATE_FORMAT or set(body) != {f.name for f in _FIELDS}:
        raise CertificateError(f"not a {CERTIFICATE_FORMAT} certificate")
    return ParticipationCertificate(**body)


_FIELDS = fields(ParticipationCertificate)
