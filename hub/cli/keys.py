"""The ``tabadol keys`` commands: init, rotate, revoke and list the hub's signing keys.

See :mod:`hub.trail.keys` for the signed key history and which key is valid where.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from hub.audit.checkpoints import checkpoint_store_for, count_events
from hub.audit.export import open_recorder
from hub.config import Settings
from hub.trail.encoding import parse_utc, utc_text
from hub.trail.keys import init_keys, load_history, revoke_key, rotate_keys

__all__ = ["add_keys_parser", "run_keys"]


def add_keys_parser(subparsers: Any) -> None:
    """Add ``keys`` and its subcommands to a ``tabadol`` subparsers object."""
    keys = subparsers.add_parser("keys", help="signing keys").add_subparsers(
        dest="keys", required=True
    )
    init = keys.add_parser("init", help="create the hub's signing key and the public-key file")
    init.add_argument("--force", action="store_true", help="replace an existing private key")

    rotate = keys.add_parser(
        "rotate", help="make a new signing key, endorsed by the current one (restart the hub)"
    )
    rotate.add_argument("--source", help="store to count events in (default: the hub's store)")

    revoke = keys.add_parser("revoke", help="revoke a compromised key, signed by the current key")
    revoke.add_argument("key_id", help="the key to revoke, e.g. hub-0123456789abcdef")
    revoke.add_argument(
        "--at", required=True, help="when it was compromised: ISO 8601 with offset, e.g. …Z"
    )
    revoke.add_argument(
        "--trusted-size",
        type=int,
        help="log size up to which its signatures stay trusted (default: the size of the"
        " last checkpoint signed before --at)",
    )
    revoke.add_argument("--reason", default="", help="why, for the record")
    revoke.add_argument("--source", help="store whose checkpoints date --at (default: the hub's)")

    keys.add_parser("list", help="show the key history")


def run_keys(args: argparse.Namespace, settings: Settings) -> int:
    """Run the ``keys`` subcommand in ``args``; returns the exit code."""
    if args.keys == "init":
        signer = init_keys(settings.signing_key, settings.public_keys, force=args.force)
        print(f"signing key  {settings.signing_key}  (mode 0600, keep it secret)")
        print(f"public keys  {settings.public_keys}  (give this file to auditors)")
        print(f"key id       {signer.key_id}")
        return 0
    if args.keys == "rotate":
        size = count_events(open_recorder(args.source or settings.event_store))
        old, new, retired = rotate_keys(settings.signing_key, settings.public_keys, from_size=size)
        print(f"retired key  {old.key_id}  (moved to {retired}; destroy it once no hub uses it)")
        print(f"new key      {new.key_id}  valid from log index {size}")
        print(f"public keys  {settings.public_keys}  (give the new file to auditors)")
        print("restart the hub (every replica) to sign with the new key")
        return 0
    if args.keys == "revoke":
        return _revoke(args, settings)
    history = load_history(settings.public_keys)
    print(f"origin {history.origin}" + ("" if history.signed else "  (legacy, unsigned)"))
    for entry in history.entries:
        revoked = entry.revocation
        print(
            f"  {entry.key_id}  from {entry.valid_from or '-'} (log index {entry.valid_from_size})"
            f"  until {entry.valid_until or '-'}"
            + (
                f"  REVOKED at {revoked.revoked_at} (trusted below {revoked.trusted_size})"
                if revoked
                else ""
            )
        )
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    at = parse_utc(args.at)
    trusted = args.trusted_size
    if trusted is None:
        stored = checkpoint_store_for(
            open_recorder(args.source or settings.event_store), create=False
        ).all()
        before = [c.tree_size for c in stored if c.signed_at <= utc_text(at)]
        trusted = max(before, default=0)
    revocation = revoke_key(
        settings.signing_key,
        settings.public_keys,
        args.key_id,
        at=at,
        trusted_size=trusted,
        reason=args.reason,
    )
    print(
        f"revoked {revocation.key_id} at {revocation.revoked_at} (signed by {revocation.by}):"
        f" its signatures on events at log index >= {trusted} and on checkpoints larger"
        f" than {trusted} are refused from now on"
    )
    if at > datetime.now(UTC):
        print("note: the revocation time is in the future")
    return 0
