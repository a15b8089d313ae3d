"""Keyed pseudonyms for the national window (نام مستعار): the applicant as the window sees
them (002 art. 8 note 1).

``HMAC-SHA256(hub pseudonym key, "tabadol/window-subject/v1" ‖ national code)``, 128 bits
in hex. The same person always gets the same subject, so the window can group their cases;
without the key nobody can recompute it from a national code, not even by trying all 10^9.

The key is the hub's one pseudonym secret, the file e-participation already keeps
(:func:`hub.application.participation.load_pseudonym_key`: base64, ``<data>/keys/pseudonym.key``); the
context string differs from the participants' one, so a person's window subject and their
participant pseudonym cannot be linked. Every process that projects the feed (embedded or
a worker) must hold the same key file.
"""

from __future__ import annotations

import hashlib
import hmac

from aggregates.identifiers import normalize_digits
from hub.application.participation import load_pseudonym_key

__all__ = ["Pseudonymizer", "load_pseudonym_key"]

_CONTEXT = b"tabadol/window-subject/v1\x00"


class Pseudonymizer:
    """National code → the national window's subject (32 hex digits)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError(f"a pseudonym key needs at least 32 bytes, got {len(key)}")
        self._key = key

    def __call__(self, national_code: str) -> str:
        code = normalize_digits(national_code).strip()
        return hmac.new(self._key, _CONTEXT + code.encode(), hashlib.sha256).hexdigest()[:32]

    def __repr__(self) -> str:
        return "<Pseudonymizer key=…>"
