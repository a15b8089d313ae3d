"""RFC 3161 time-stamp tokens on checkpoints, verified offline with pinned TSA roots.

What is timestamped is a checkpoint's note *body* (origin, size, root and extension
lines, UTF-8, with the final newline): the token says "this tree head existed at
``genTime``" by the word of the TSA, independently of the hub's clock and of which
signatures (the hub's, witnesses') travel on the note. Verification uses rfc3161-client
(Trail of Bits): the CMS signature, the chain to a pinned root at ``genTime``, the
critical ``id-kp-timeStamping`` usage, and the imprint (SHA-256/384/512 of the body).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from rfc3161_client import (
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

__all__ = [
    "TimestampError",
    "TimestampInfo",
    "load_tsa_roots",
    "timestamp_message",
    "tsa_name",
    "verify_timestamp",
]


class TimestampError(ValueError):
    """A time-stamp token is malformed, not over this checkpoint, or not from a trusted TSA."""


@dataclass(frozen=True)
class TimestampInfo:
    """A verified token: when, by which TSA, under which policy, with which serial."""

    gen_time: datetime
    tsa: str
    policy: str
    serial: int
    accuracy_seconds: float | None

    def describe(self) -> str:
        accuracy = f" ±{self.accuracy_seconds:g} s" if self.accuracy_seconds else ""
        return f"{self.gen_time.isoformat()}{accuracy} by {self.tsa}"


def timestamp_message(note_or_body: str) -> bytes:
    """The bytes a checkpoint's token is over: its note body."""
    split = note_or_body.rfind("\n\n")
    body = note_or_body[: split + 1] if split >= 0 else note_or_body
    return body.encode("utf-8")


def load_tsa_roots(paths: Iterable[Path]) -> list[x509.Certificate]:
    """PEM certificates (one or more per file) of the TSAs an auditor trusts."""
    roots: list[x509.Certificate] = []
    for path in paths:
        try:
            roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
        except ValueError as exc:
            raise TimestampError(f"{path}: not PEM certificates: {exc}") from None
    return roots


def tsa_name(response_der: bytes) -> str:
    """The TSA named in a token (its TSTInfo ``tsa`` field, else its signer)."""
    response = _decode(response_der)
    return _name_of(response)


def verify_timestamp(
    response_der: bytes | str, note_or_body: str, roots: Sequence[x509.Certificate]
) -> TimestampInfo:
    """Verify a DER ``TimeStampResp`` (or its base64) over a checkpoint; return what it says."""
    if isinstance(response_der, str):
        try:
            response_der = base64.b64decode(response_der, validate=True)
        except binascii.Error:
            raise TimestampError("the token is not base64") from None
    if not roots:
        raise TimestampError("no trusted TSA root given")
    response = _decode(response_der)
    failures: list[str] = []
    for root in roots:
        verifier = VerifierBuilder().add_root_certificate(root).build()
        try:
            verifier.verify_message(response, timestamp_message(note_or_body))
        except VerificationError as exc:
            failures.append(str(exc))
            continue
        info = response.tst_info
        accuracy: float | None = None
        try:
            a = info.accuracy
            accuracy = a.seconds + (a.millis or 0) / 1e3 + (a.micros or 0) / 1e6
        except (ValueError, AttributeError):
            accuracy = None
        return TimestampInfo(
            info.gen_time,
            _name_of(response),
            info.policy.dotted_string,
            info.serial_number,
            accuracy,
        )
    reason = "; ".join(sorted(set(failures)))
    if "Mismatch between messages" in reason:
        reason = "the token is over other bytes than this checkpoint"
    elif "unable to get local issuer" in reason:
        reason = "its certificate does not chain to a trusted TSA root"
    elif "signature" in reason.lower():
        reason = f"the TSA's signature does not verify ({reason})"
    raise TimestampError(f"bad timestamp: {reason}")


def _decode(response_der: bytes) -> TimeStampResponse:
    try:
        return decode_timestamp_response(response_der)
    except ValueError as exc:
        raise TimestampError(f"not an RFC 3161 TimeStampResp: {exc}") from None


def _name_of(response: TimeStampResponse) -> str:
    info = response.tst_info
    try:
        name = info.name
        value = getattr(name, "value", None)
        if isinstance(value, x509.Name):
            return value.rfc4514_string()
        if value is not None:
            return str(value)
    except (ValueError, AttributeError):
        pass
    for signer in response.signed_data.signer_infos:
        return f"signer {signer.issuer.rfc4514_string()} #{signer.serial_number}"
    return "unnamed TSA"
