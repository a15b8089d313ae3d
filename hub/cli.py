"""The ``tabadol`` command: serve, demo, keys and audit."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog

from hub.audit import export_trail, read_trail, verify_trail
from hub.config import ConfigError, Settings
from hub.keys import KeyFileError, PublicKeyRing, init_keys
from hub.logs import configure_logging

__all__ = ["main"]

log = structlog.get_logger("tabadol")


def _keys_init(args: argparse.Namespace, settings: Settings) -> int:
    signer = init_keys(settings.signing_key, settings.public_keys, force=args.force)
    print(f"signing key  {settings.signing_key}  (mode 0600, keep it secret)")
    print(f"public keys  {settings.public_keys}  (give this file to auditors)")
    print(f"key id       {signer.key_id}")
    return 0


async def _serve(settings: Settings) -> None:
    from hub.bootstrap import build_hub, create_server

    hub = build_hub(settings)
    running = await create_server(hub, settings)
    log.info(
        "serving",
        address=settings.listen,
        port=running.port,
        store=settings.event_store.split("@")[-1],
        auth="mtls" if settings.mtls else "development (x-tabadol-agency header)",
        key_id=hub.signer.key_id,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    await running.stop()
    hub.close()


def _audit_export(args: argparse.Namespace, settings: Settings) -> int:
    source = args.source or settings.event_store
    if args.output == "-":
        count = export_trail(source, sys.stdout)
    else:
        with Path(args.output).open("w", encoding="utf-8") as out:
            count = export_trail(source, out)
        print(f"exported {count} events to {args.output}", file=sys.stderr)
    return 0


def audit_verify(source: str, keys_path: Path) -> int:
    """Verify a trail and print the outcome; returns the process exit code."""
    keys = PublicKeyRing.load(keys_path)
    report = verify_trail(read_trail(source), keys)
    if report.problem:
        print(f"FAILED after {report.events} events")
        print(f"first bad {report.problem}")
        return 1
    print(
        f"OK: {report.events} events, {report.aggregates} aggregates,"
        f" {report.signatures} signatures verified"
    )
    for key_id, count in sorted(report.keys.items()):
        print(f"  key {key_id}: {count} signatures")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tabadol", description="Tabadol (تبادل): the inter-agency exchange hub."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the hub's gRPC server (settings from TABADOL_* variables)")
    demo = sub.add_parser("demo", help="start a hub, run real cases through gRPC, verify the trail")
    demo.add_argument("--cases", type=int, default=24, help="how many cases to drive (default 24)")
    demo.add_argument("--data-dir", type=Path, help="keep the demo's store here (default: temp)")

    sub.add_parser(
        "simulate",
        help="serve a reference simulator of another agency's system (see: tabadol simulate --help)",
        add_help=False,
    )
    keys = sub.add_parser("keys", help="signing keys").add_subparsers(dest="keys", required=True)
    init = keys.add_parser("init", help="create the hub's signing key and the public-key file")
    init.add_argument("--force", action="store_true", help="replace an existing private key")

    audit = sub.add_parser("audit", help="export and verify the signed trail").add_subparsers(
        dest="audit", required=True
    )
    export = audit.add_parser("export", help="write the trail as JSON Lines")
    export.add_argument("--source", help="store URL or SQLite file (default: the hub's store)")
    export.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    verify = audit.add_parser("verify", help="verify a trail offline with public keys only")
    verify.add_argument("source", nargs="?", help="trail file, SQLite file or postgresql:// URL")
    verify.add_argument("--keys", type=Path, help="public-key file (default: TABADOL_PUBLIC_KEYS)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["simulate"]:  # the simulators parse their own options
        configure_logging()
        from connectors.simulators import main as simulate

        try:
            simulate(argv[1:] or ["--help"])
        except ValueError as error:
            print(f"tabadol simulate: {error}", file=sys.stderr)
            return 2
        return 0
    args = _parser().parse_args(argv)
    configure_logging()
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            asyncio.run(_serve(settings))
            return 0
        if args.command == "demo":
            from hub.demo import run_demo

            return asyncio.run(run_demo(cases=args.cases, data_dir=args.data_dir))
        if args.command == "keys":
            return _keys_init(args, settings)
        if args.command == "audit" and args.audit == "export":
            return _audit_export(args, settings)
        if args.command == "audit" and args.audit == "verify":
            return audit_verify(
                args.source or settings.event_store, args.keys or settings.public_keys
            )
    except (ConfigError, KeyFileError, FileNotFoundError, ValueError) as error:
        print(f"tabadol: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
