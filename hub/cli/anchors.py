"""Command-line glue for witnesses and timestamps.

* ``tabadol witness init|key|serve``: run a reference witness (an independent party:
  its own key file and state file);
* the options ``audit verify`` and ``audit verify-bundle`` take for a witness policy
  (``--witness VKEY`` repeated, ``--witness-quorum K``) and trusted TSA roots
  (``--tsa-root PEM``), and the reading of checkpoint records with their anchors.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.trail.cosignature import CosignatureError, CosignerKey, WitnessPolicy, cosigner_secret
from hub.trail.timestamps import load_tsa_roots

__all__ = [
    "add_anchor_options",
    "add_witness_parser",
    "policy_from",
    "run_witness",
    "tsa_roots_from",
]


# -- audit options ------------------------------------------------------------------


def add_anchor_options(parser: argparse.ArgumentParser, *, timestamps: bool = True) -> None:
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help="a witness key of your policy (repeatable): <name>+<key id>+<base64>",
    )
    parser.add_argument(
        "--witness-quorum",
        type=int,
        metavar="K",
        help="how many of the --witness keys must cosign (default: all of them)",
    )
    if timestamps:
        parser.add_argument(
            "--tsa-root",
            action="append",
            default=[],
            type=Path,
            metavar="PEM",
            help="a trusted TSA root certificate (repeatable): check every checkpoint's timestamp",
        )


def policy_from(args: argparse.Namespace) -> WitnessPolicy | None:
    """The witness policy of ``--witness`` / ``--witness-quorum`` (None without keys)."""
    if not args.witness:
        if args.witness_quorum:
            raise ValueError("--witness-quorum needs --witness keys")
        return None
    try:
        return WitnessPolicy.parse(args.witness_quorum, args.witness)
    except CosignatureError as exc:
        raise ValueError(str(exc)) from None


def tsa_roots_from(args: argparse.Namespace) -> list[Any]:
    return load_tsa_roots(getattr(args, "tsa_root", []) or [])


# -- tabadol witness ------------------------------------------------------------------


def add_witness_parser(subparsers: Any) -> None:
    witness = subparsers.add_parser(
        "witness", help="run a reference transparency-log witness (C2SP tlog-witness)"
    ).add_subparsers(dest="witness", required=True)
    init = witness.add_parser("init", help="make the witness's key file (0600) and print its vkey")
    init.add_argument("--key-file", type=Path, required=True)
    init.add_argument("--name", required=True, help="the witness's name, e.g. witness.example/w1")
    key = witness.add_parser("key", help="print the witness's public key (vkey)")
    key.add_argument("--key-file", type=Path, required=True)
    serve = witness.add_parser("serve", help="serve add-checkpoint over HTTP")
    serve.add_argument("--key-file", type=Path, required=True)
    serve.add_argument(
        "--state-file", type=Path, required=True, help="last cosigned checkpoint per log"
    )
    serve.add_argument(
        "--log-keys",
        type=Path,
        action="append",
        required=True,
        help="a log's public-key file (its key history names the origin); repeatable",
    )
    serve.add_argument("--listen", default="127.0.0.1:7380", help="host:port (default %(default)s)")
    serve.add_argument("--evidence", type=Path, help="keep requests that show misbehaviour here")


def run_witness(args: argparse.Namespace) -> int:
    from hub.witness.core import LogKeys, Witness, WitnessState, load_witness_key

    if args.witness == "init":
        if args.key_file.exists():
            print(
                f"tabadol: {args.key_file} exists; not overwriting a witness key", file=sys.stderr
            )
            return 2
        private_key = Ed25519PrivateKey.generate()
        args.key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(args.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(cosigner_secret(args.name, private_key) + "\n")
        print(CosignerKey.of(args.name, private_key.public_key()).vkey)
        return 0
    name, private_key = load_witness_key(args.key_file)
    if args.witness == "key":
        print(CosignerKey.of(name, private_key.public_key()).vkey)
        return 0
    from hub.witness.server import WitnessServer

    logs = {keys.origin: keys for keys in (LogKeys(p) for p in args.log_keys)}
    witness = Witness(
        name, private_key, logs, WitnessState(args.state_file), evidence=args.evidence
    )
    host, _, port = args.listen.rpartition(":")
    server = WitnessServer(witness, host or "127.0.0.1", int(port))
    print(f"witness {name} on {server.url} for {', '.join(logs)}", file=sys.stderr)
    print(witness.key.vkey, file=sys.stderr)
    import signal
    import threading

    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()
    return 0
