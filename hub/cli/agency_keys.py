"""The ``tabadol agency-keys`` commands: the agencies' request-signing keys (004 art. 13).

``register``, ``revoke`` and ``list`` act on the hub's store as the operator (the CLI holds
the hub's signing key; recorded as ``cli:<key id>``); serving replicas pick a change up
within their refresh period. ``export`` writes the public keys file an auditor checks the
agencies' signatures with (``tabadol audit verify --agency-keys``). ``keygen`` is the
agency's side: a new Ed25519 key pair, the private key for ``hub.client.RequestSigner``
and the public key to hand to the hub's operator.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from hub.application.agency_keys import AgencyKeysUseCases
from hub.application.rights import cli_operator
from hub.config import Settings
from hub.trail.agency_signatures import agency_key_id, public_key_text
from hub.trail.keys import load_signer

__all__ = ["add_agency_keys_parser", "run_agency_keys"]


def add_agency_keys_parser(subparsers: Any) -> None:
    """Add ``agency-keys`` and its subcommands to a ``tabadol`` subparsers object."""
    keys = subparsers.add_parser(
        "agency-keys",
        help="agencies' request-signing keys: register, revoke, list, export (signed events)",
    ).add_subparsers(dest="agency_keys", required=True)
    register = keys.add_parser("register", help="register an agency's Ed25519 public key")
    register.add_argument("agency", help="the agency's code, e.g. MOJ")
    register.add_argument("public_key", type=Path, help="PEM public key (or base64 raw) file")
    register.add_argument("--reason", required=True, help="why, recorded in the trail")
    register.add_argument(
        "--replaces", default="", metavar="KEY_ID", help="rotation: revoke this key at once"
    )
    revoke = keys.add_parser("revoke", help="refuse a key's signatures from now on")
    revoke.add_argument("key_id", help="agency-<16 hex digits>")
    revoke.add_argument("--reason", required=True)
    listing = keys.add_parser("list", help="the keys in force")
    listing.add_argument("--agency")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    export = keys.add_parser("export", help="the agency public keys file auditors verify with")
    export.add_argument("-o", "--output", type=Path, help="file (default: standard output)")
    keygen = keys.add_parser("keygen", help="(the agency) a new signing key pair")
    keygen.add_argument("output", type=Path, help="private key file (PEM); the public key: .pub")


def _print_key(key: dict[str, Any]) -> None:
    line = (
        f"{key['key_id']}  {key['agency']:<12}"
        f"  (by {key['registered_by']} at {key['registered_at']:%Y-%m-%dT%H:%M:%SZ}: {key['reason']})"
    )
    if key["revoked_at"] is not None:
        line += (
            f"  REVOKED by {key['revoked_by']} at {key['revoked_at']:%Y-%m-%dT%H:%M:%SZ}:"
            f" {key['revoke_reason']}"
        )
    print(line)


def _keygen(path: Path) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        raise ValueError(f"{path} exists: not overwritten")
    private = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    public = path.with_name(path.name + ".pub")
    public.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    print(f"{agency_key_id(private.public_key())}: private key {path}, public key {public}")
    return 0


def run_agency_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Run the ``agency-keys`` subcommand in ``args``; returns the exit code."""
    if args.agency_keys == "keygen":
        return _keygen(args.output)
    from hub.application.hub import TabadolHub

    signer = load_signer(settings.signing_key)
    app = TabadolHub(signer, env=settings.eventsourcing_env())
    try:
        keys = AgencyKeysUseCases(app)
        by = cli_operator(signer.key_id)
        if args.agency_keys == "register":
            public = public_key_text(args.public_key.read_bytes())
            _print_key(
                keys.register(
                    args.agency, public, by=by, reason=args.reason, replaces=args.replaces
                )
            )
        elif args.agency_keys == "revoke":
            _print_key(keys.revoke(args.key_id, by=by, reason=args.reason))
        elif args.agency_keys == "list":
            found = keys.list_keys(args.agency, include_revoked=args.all)
            for key in found:
                _print_key(key)
            if not found:
                print("no agency keys registered")
        else:
            text = json.dumps(keys.document(), indent=2) + "\n"
            if args.output is None:
                print(text, end="")
            else:
                args.output.write_text(text, encoding="utf-8")
                print(f"{len(keys.document()['keys'])} agency keys written to {args.output}")
    finally:
        app.close()
    return 0
