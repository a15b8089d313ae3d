"""The ``tabadol`` command: serve, demo, keys and audit."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog

from hub.audit_cli import add_audit_parser, audit_verify, run_audit
from hub.config import ConfigError, Settings
from hub.keys import KeyFileError
from hub.keys_cli import add_keys_parser, run_keys
from hub.logs import configure_logging

__all__ = ["audit_verify", "main"]

log = structlog.get_logger("tabadol")


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
    add_keys_parser(sub)
    add_audit_parser(sub)
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
            return run_keys(args, settings)
        if args.command == "audit":
            return run_audit(args, settings)
    except (ConfigError, KeyFileError, FileNotFoundError, ValueError) as error:
        print(f"tabadol: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
