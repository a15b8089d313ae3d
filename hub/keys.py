"""Signing keys: the hub's private key and the public-key file auditors verify with.

Key ids are derived from the public key (``hub-`` + 16 hex digits of its SHA-256), so a
key id can never silently point at another key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "KeyFileError",
    "PublicKeyRing",
    "Signer",
    "init_keys",
    "key_id_for",
    "load_signer",
]

PUBLIC_KEYS_FORMAT = "tabadol-public-keys/1"


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


@dataclass(frozen=True)
class PublicKeyRing(Mapping[str, Ed25519PublicKey]):
    """Public keys by key id, as an auditor holds them."""

    by_id: Mapping[str, Ed25519PublicKey]

    def __getitem__(self, key_id: str) -> Ed25519PublicKey:
        return self.by_id[key_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_id)

    def __len__(self) -> int:
        return len(self.by_id)

    def verify(self, key_id: str, signature: bytes, message: bytes) -> bool:
        key = self.by_id.get(key_id)
        if key is None:
            return False
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def of(cls, *public_keys: Ed25519PublicKey) -> PublicKeyRing:
        return cls({key_id_for(k): k for k in public_keys})

    @classmethod
    def load(cls, path: Path) -> PublicKeyRing:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise KeyFileError(f"public-key file {path} not found") from exc
        except json.JSONDecodeError as exc:
            raise KeyFileError(f"public-key file {path} is not JSON: {exc}") from exc
        if document.get("format") != PUBLIC_KEYS_FORMAT:
            raise KeyFileError(f"{path}: expected format {PUBLIC_KEYS_FORMAT!r}")
        keys: dict[str, Ed25519PublicKey] = {}
        for entry in document.get("keys", []):
            raw = base64.b64decode(entry["public_key"])
            key = Ed25519PublicKey.from_public_bytes(raw)
            if key_id_for(key) != entry["key_id"]:
                raise KeyFileError(f"{path}: key id {entry['key_id']} does not match its key")
            keys[entry["key_id"]] = key
        return cls(keys)


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


def init_keys(private_path: Path, public_path: Path, *, force: bool = False) -> Signer:
    """Write a new private key (mode 0600) and add its public key to the public-key file."""
    if private_path.exists() and not force:
        raise KeyFileError(f"{private_path} already exists; refusing to overwrite a signing key")
    private_path.parent.mkdir(parents=True, exist_ok=True)
    signer = Signer(Ed25519PrivateKey.generate())
    pem = signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(private_path, 0o600)
    document: dict[str, Any] = {"format": PUBLIC_KEYS_FORMAT, "keys": []}
    if public_path.exists():
        PublicKeyRing.load(public_path)  # refuse to extend a malformed file
        document = json.loads(public_path.read_text(encoding="utf-8"))
    document["keys"].append(
        {
            "key_id": signer.key_id,
            "algorithm": "ed25519",
            "public_key": base64.b64encode(_raw_public(signer.public_key)).decode(),
            "created_at": datetime.now(UTC).isoformat(),
        }
    )
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return signer
