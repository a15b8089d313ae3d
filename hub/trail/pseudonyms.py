"""Keyed pseudonyms (نام مستعار): a person as the hub's outputs may name them, never by code.

``HMAC-SHA256(hub pseudonym key, context ‖ national code)``, the first 128 bits in hex.
The same person always gets the same pseudonym in one context, so the national window can
group an applicant's cases and a consultation can hold one vote per person; without the
key nobody can recompute it from a national code, not even by trying all 10^9. Two
contexts keep the uses apart: a person's window subject and their participant pseudonym
cannot be linked to each other.

The key is the hub's one pseudonym secret (base64 in ``<data>/keys/pseudonym.key``). Keep
it as secret and as long-lived as the event store: a new key makes every participant a
stranger (and able to vote again). Every process that writes or projects pseudonyms must
hold the same key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from aggregates.identifiers import normalize_digits
from hub.trail.keys import KeyFileError

__all__ = [
    "PARTICIPANT",
    "WINDOW_SUBJECT",
    "Pseudonymiser",
    "load_pseudonym_key",
]

PARTICIPANT = b"tabadol-participant/1\x00"
"""Context of e-participation pseudonyms (votes, comments, certificates, ranking)."""
WINDOW_SUBJECT = b"tabadol/window-subject/v1\x00"
"""Context of the national-window feed's subject (002 art. 8 note 1)."""

_MINIMUM_KEY = 32


class Pseudonymiser:
    """National code → its pseudonym in one context (32 hex digits)."""

    def __init__(self, key: bytes, context: bytes = PARTICIPANT) -> None:
        if len(key) < _MINIMUM_KEY:
            msg = f"a pseudonym key needs at least {_MINIMUM_KEY} bytes, got {len(key)}"
            raise ValueError(msg)
        self._key = key
        self._context = context

    def __call__(self, national_code: str) -> str:
        code = normalize_digits(national_code).strip()
        digest = hmac.new(self._key, self._context + code.encode(), hashlib.sha256).digest()
        return digest[:16].hex()

    def __repr__(self) -> str:
        return "<Pseudonymiser key=…>"


def load_pseudonym_key(path: Path, *, create: bool = False) -> bytes:
    """The hub's pseudonym key (base64 in ``path``); with ``create``, a new random key is
    written (mode 0600) when the file does not exist."""
    if not path.exists():
        if not create:
            raise KeyFileError(f"no pseudonym key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(base64.b64encode(secrets.token_bytes(_MINIMUM_KEY)).decode() + "\n")
    try:
        key = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (binascii.Error, UnicodeDecodeError) as error:
        raise KeyFileError(f"{path} is not a base64 pseudonym key: {error}") from None
    if len(key) < _MINIMUM_KEY:
        msg = f"{path}: a pseudonym key needs at least {_MINIMUM_KEY} bytes, got {len(key)}"
        raise KeyFileError(msg)
    return key
