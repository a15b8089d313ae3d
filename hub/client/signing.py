"""Signing requests (the agency's side of ``tabadol/agency-request/v1``).

Its own implementation of the signed message: the hub's verifier
(``hub.trail.agency_signatures``) is written apart, and a test holds both to the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "IDEMPOTENCY_METADATA",
    "SIGNATURE_METADATA",
    "RequestSigner",
    "key_id_of",
    "load_signing_key",
]

SIGNATURE_METADATA = "x-tabadol-request-signature"
IDEMPOTENCY_METADATA = "x-tabadol-idempotency-key"
_HEADER = "tabadol/agency-request/v1"


def key_id_of(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return "agency-" + hashlib.sha256(raw).hexdigest()[:16]


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM (PKCS#8) file."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


class RequestSigner:
    """Signs (method, request bytes, time, nonce, idempotency key) for one agency."""

    def __init__(
        self,
        agency: str,
        private_key: Ed25519PrivateKey,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.agency = agency
        self.private_key = private_key
        self.key_id = key_id_of(private_key)
        self._clock = clock

    def message(
        self, method: str, request: bytes, time_ms: int, nonce: str, idempotency: str
    ) -> bytes:
        body = base64.b64encode(hashlib.sha256(request).digest()).decode()
        lines = (
            _HEADER,
            f"agency {self.agency}",
            f"key {self.key_id}",
            f"method {method}",
            f"time {time_ms}",
            f"nonce {nonce}",
            f"idempotency {idempotency}",
            f"body {body}",
        )
        return "".join(f"{line}\n" for line in lines).encode("utf-8")

    def sign(self, method: str, request: bytes, idempotency: str = "-") -> str:
        """The value of the ``x-tabadol-request-signature`` metadata for this call."""
        time_ms = int(self._clock() * 1000)
        nonce = base64.b64encode(os.urandom(16)).decode()
        signature = self.private_key.sign(
            self.message(method, request, time_ms, nonce, idempotency)
        )
        sig = base64.b64encode(signature).decode()
        return f"key={self.key_id};time={time_ms};nonce={nonce};sig={sig}"
