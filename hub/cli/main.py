"""The ``tabadol`` command: serve, demo, keys and audit."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import structlog

from aggregates.errors import DomainError
from hub.application.rights import RightsFileError
from hub.cli.access import add_access_parser, run_access
from hub.cli.agency_keys import add_agency_keys_parser, run_agency_keys
from hub.cli.anchors import add_witness_parser, run_witness
from hub.cli.audit import add_audit_parser, run_audit
from hub.cli.configure import add_configure_parser, run_configure
from hub.cli.counters import add_counters_parser, run_counters
from hub.cli.keys import add_keys_parser, run_keys
from hub.cli.pki import add_pki_parser, run_pki
from hub.config import APP_NAME, ConfigError, Settings, settings_table
from hub.logs import configure_logging
from hub.trail.keys import KeyFileError
from hub.trail.pki import PkiError

__all__ = ["main"]

log = structlog.get_logger("tabadol")


async def _until_signal(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run(stop)


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task failed", task=task.get_name(), error=repr(task.exception()))


async def _serve(settings: Settings) -> int:
    from hub.bootstrap import (
        check_auth_settings,
        check_pseudonym_settings,
        configure_participation,
        connect_identity_verifier,
        connect_representation,
        create_server,
        nats_options,
        open_hub,
        projection_options,
        start_http,
        supervise_embedded,
        when_leading,
    )
    from hub.streams.projector import EmbeddedProjections, open_views
    from hub.streams.relay import run_relay, run_window_publisher

    check_auth_settings(settings)  # before anything starts: say how to make certificates
    check_pseudonym_settings(settings)

    # Whatever has started is closed again, in reverse order, even when start-up fails.
    async with contextlib.AsyncExitStack() as started:
        hub = await open_hub(settings)  # its tables made, in turn with other replicas
        started.callback(hub.close)
        identity = await connect_identity_verifier(settings)
        if identity is not None:  # participants sign in through the national window
            started.push_async_callback(identity[1])
            representation = await connect_representation(settings)
            if representation is not None:
                started.push_async_callback(representation[1])
            configure_participation(
                hub,
                settings,
                identity[0],
                representation=representation[0] if representation else None,
            )
        embedded = (
            EmbeddedProjections(settings, projection_options(settings))
            if settings.projections == "embedded"
            else None
        )
        views = embedded.start() if embedded else open_views(projection_options(settings))
        started.callback(embedded.close if embedded else views.close)
        running = await create_server(hub, settings, views=views)
        started.push_async_callback(running.stop)
        if embedded is not None:  # restarted when they stop, watched for lag
            supervise_embedded(running, embedded, settings)
        from hub.web.dashboard import dashboard_routes
        from hub.web.dashboard.wiring import hub_sources

        sources = hub_sources(
            hub,
            views,
            application_name=APP_NAME,
            audit_log=running.audit_log,
            public_keys=settings.public_keys,
            tsa_roots=settings.tsa_roots,
        )
        http = await start_http(running, settings, extra_routes=dashboard_routes(sources))
        # What start-up made lives as long as the process: out of the cyclic collector's
        # sight, whose full collections otherwise walk it every time (~100 ms each).
        gc.freeze()
        log.info(
            "serving",
            address=settings.listen,
            port=running.port,
            http=http.url if http else "off",
            store=settings.event_store.split("@")[-1],
            auth="mtls" if settings.mtls else "INSECURE DEVELOPMENT MODE (x-tabadol-agency header)",
            projections=settings.projections,
            nats=settings.nats_url or "off",
            traces="otlp" if settings.otel else "off",
            key_id=hub.signer.key_id,
        )

        async def run(stop: asyncio.Event) -> None:
            background: list[asyncio.Task[None]] = []
            if settings.nats_url:
                options = nats_options(settings)
                background.append(
                    asyncio.create_task(  # the leader relays, once for all replicas
                        when_leading(
                            running.leadership,
                            stop,
                            lambda term: run_relay(settings, term, options),
                        ),
                        name="relay",
                    )
                )
                if embedded:  # the national-window feed, from this process's views
                    background.append(
                        asyncio.create_task(
                            when_leading(
                                running.leadership,
                                stop,
                                lambda term: run_window_publisher(
                                    settings, views.feed, term, options
                                ),
                                duty="window",
                            ),
                            name="window-publisher",
                        )
                    )
            for task in background:
                task.add_done_callback(_report_failure)
            await stop.wait()
            log.info("stopping")
            await asyncio.gather(*background, return_exceptions=True)

        await _until_signal(run)
        return 0


async def _serve_or_say_why(settings: Settings) -> int:
    """``serve``, with a start-up failure told in one line (exit 1), not a traceback."""
    try:
        return await _serve(settings)
    except (ConfigError, KeyFileError, FileNotFoundError, ValueError):
        raise  # a bad setting: the caller's one line, exit 2
    except Exception as error:
        print(f"tabadol serve: cannot start: {_start_up_failure(error, settings)}", file=sys.stderr)
        return 1


def _start_up_failure(error: Exception, settings: Settings) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, RuntimeError) and "bind" in text.lower():  # grpc's add_*_port
        return f"cannot listen on {settings.listen} (TABADOL_LISTEN): in use or not an address"
    if type(error).__module__.startswith(("eventsourcing", "psycopg")):
        store = settings.event_store.split("@")[-1]
        return f"the event store {store} (TABADOL_EVENT_STORE) does not answer: {text[:200]}"
    return text[:300]


def _scale_out(args: argparse.Namespace, settings: Settings) -> int:
    """``tabadol relay`` and ``tabadol project``: the scale-out processes."""
    from hub.bootstrap import nats_options, projection_options
    from hub.streams.projector import rebuild, run_projection_worker
    from hub.streams.relay import run_relay

    if args.command == "project" and args.rebuild:
        from hub.audit.export import trail_size
        from hub.cli.progress import progress

        with progress("rebuilding the views", trail_size(settings.event_store)) as advance:
            projected = rebuild(settings, projection_options(settings), on_batch=advance)
        for name, count in projected.items():
            print(f"{name}: {count} events projected")
        return 0
    if not settings.nats_url:
        raise ConfigError(f"tabadol {args.command} needs TABADOL_NATS_URL (nats://host:4222)")
    if args.command == "relay":
        asyncio.run(_until_signal(lambda stop: run_relay(settings, stop, nats_options(settings))))
    else:
        asyncio.run(
            _until_signal(
                lambda stop: run_projection_worker(
                    settings, stop, projection_options(settings), nats_options(settings)
                )
            )
        )
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _settings_help() -> str:
    rows = settings_table()
    width = max(len(name) for name, _, _ in rows)
    lines = ["settings (environment variables, default in brackets):"]
    for name, meaning, default in rows:
        lines.append(f"  {name:<{width}}  {meaning} [{default}]")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tabadol", description="Tabadol (تبادل): the inter-agency exchange hub."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "serve",
        help="run the hub's gRPC server (settings from TABADOL_* variables)",
        description="Run the hub: gRPC on TABADOL_LISTEN, /metrics /healthz /readyz on"
        " TABADOL_HTTP_LISTEN. Every setting is an environment variable:",
        epilog=_settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_parser("relay", help="relay the event log to NATS JetStream (needs TABADOL_NATS_URL)")
    project = sub.add_parser(
        "project", help="a projection worker: the monitoring views from JetStream"
    )
    project.add_argument(
        "--rebuild",
        action="store_true",
        help="empty the views, project the whole log again from the store, exit",
    )
    demo = sub.add_parser("demo", help="start a hub, run real cases through gRPC, verify the trail")
    demo.add_argument(
        "--cases", type=_positive_int, default=24, help="how many cases to drive (default 24)"
    )
    demo.add_argument("--data-dir", type=Path, help="keep the demo's store here (default: temp)")
    demo.add_argument(
        "--serve",
        action="store_true",
        help="after the story, serve the dashboard and keep the hub running until Ctrl-C",
    )
    demo.add_argument(
        "--http-port",
        type=int,
        help="with --serve, the dashboard's port on 127.0.0.1 (default: TABADOL_HTTP_LISTEN,"
        " 127.0.0.1:8080; 0: any free port)",
    )

    sub.add_parser(
        "simulate",
        help="serve a reference simulator of another agency's system (see: tabadol simulate --help)",
        add_help=False,
    )
    add_keys_parser(sub)
    add_pki_parser(sub)
    add_access_parser(sub)
    add_configure_parser(sub)
    add_counters_parser(sub)
    add_agency_keys_parser(sub)
    add_audit_parser(sub)
    add_witness_parser(sub)
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
            return asyncio.run(_serve_or_say_why(settings))
        if args.command == "demo":
            from hub.demo.story import ServeOptions, run_demo

            address = (
                f"127.0.0.1:{args.http_port}"
                if args.http_port is not None
                else settings.http_listen or "127.0.0.1:8080"
            )
            serve = ServeOptions(address=address) if args.serve else None
            return asyncio.run(run_demo(cases=args.cases, data_dir=args.data_dir, serve=serve))
        if args.command in ("relay", "project"):
            return _scale_out(args, settings)
        if args.command == "keys":
            return run_keys(args, settings)
        if args.command == "pki":
            return run_pki(args, settings)
        if args.command == "access":
            return run_access(args, settings)
        if args.command == "configure":
            return run_configure(args, settings)
        if args.command == "counters":
            return run_counters(args, settings)
        if args.command == "agency-keys":
            return run_agency_keys(args, settings)
        if args.command == "audit":
            return run_audit(args, settings)
        if args.command == "witness":
            return run_witness(args)
    except (
        ConfigError,
        KeyFileError,
        PkiError,
        RightsFileError,
        DomainError,
        FileNotFoundError,
        ValueError,
    ) as error:
        print(f"tabadol: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
