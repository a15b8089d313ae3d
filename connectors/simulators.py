"""Run any reference simulator by its system name: the seam the CLI and the demo use.

``python -m connectors.simulators civil-registry --port 50061`` serves one from a shell.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

import grpc
import structlog

from connectors._simulation import DEFAULT_SEED, Faults, ServerTls
from connectors.civil_registry import simulator as civil_registry
from connectors.deeds_registry import simulator as deeds_registry
from connectors.identity import simulator as identity
from connectors.postal_code import simulator as postal_code
from connectors.systems import SYSTEMS, System
from connectors.treasury import simulator as treasury

__all__ = [
    "DEFAULT_SEED",
    "SYSTEMS",
    "Faults",
    "ServerTls",
    "System",
    "create_server",
    "main",
    "run_simulator",
]


_log = structlog.get_logger("connectors.simulators")


async def create_server(
    system: str,
    address: str,
    *,
    latency: float = 0.0,
    error_rate: float = 0.0,
    seed: int = DEFAULT_SEED,
    state_file: str | Path | None = None,
    faults: Faults | None = None,
    tls: ServerTls | None = None,
) -> tuple[grpc.aio.Server, int]:
    """Start the simulator of ``system`` on ``address``; returns it and its bound port.

    ``state_file`` (treasury only) keeps payments across restarts; ``tls`` serves mutual TLS.
    """
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}; expected one of {', '.join(SYSTEMS)}")
    if state_file is not None and system != "treasury":
        raise ValueError("state_file is for the treasury simulator only")
    faults = faults or Faults(latency=latency, error_rate=error_rate)
    if system == "civil-registry":
        return await civil_registry.create_server(address, seed=seed, faults=faults, tls=tls)
    if system == "deeds-registry":
        return await deeds_registry.create_server(address, seed=seed, faults=faults, tls=tls)
    if system == "postal-code":
        return await postal_code.create_server(address, seed=seed, faults=faults, tls=tls)
    if system == "identity":
        return await identity.create_server(address, seed=seed, faults=faults, tls=tls)
    return await treasury.create_server(
        address, seed=seed, faults=faults, state_file=state_file, tls=tls
    )


async def run_simulator(
    system: str,
    port: int,
    *,
    host: str = "127.0.0.1",
    latency: float = 0.0,
    error_rate: float = 0.0,
    seed: int = DEFAULT_SEED,
    state_file: str | Path | None = None,
    on_ready: Callable[[int], None] | None = None,
    tls: ServerTls | None = None,
) -> None:
    """Serve the simulator of ``system`` until cancelled or sent SIGTERM, then stop gracefully.

    ``port`` 0 picks a free port; ``on_ready(port)`` is called with the bound port once
    the server accepts calls.
    """
    server, bound = await create_server(
        system,
        f"{host}:{port}",
        latency=latency,
        error_rate=error_rate,
        seed=seed,
        state_file=state_file,
        tls=tls,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handles_sigterm = False
    # Signal handlers can only be set from the main thread of the main interpreter.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        handles_sigterm = True
    _log.info(
        "simulator serving",
        system=system,
        address=f"{host}:{bound}",
        seed=seed,
        transport="mtls" if tls else "plaintext",
    )
    try:
        if on_ready is not None:
            on_ready(bound)
        await stop.wait()
    finally:
        if handles_sigterm:
            loop.remove_signal_handler(signal.SIGTERM)
        await server.stop(1.0)
        _log.info("simulator stopped", system=system)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: serve one simulator until SIGTERM or Ctrl-C (``tsa``: an RFC 3161 TSA)."""
    argv = list(argv) if argv is not None else None
    if argv and argv[0] == "tsa":
        from connectors.tsa.simulator import main as tsa

        tsa(argv[1:])
        return
    parser = argparse.ArgumentParser(description="Run a Tabadol reference simulator.")
    parser.add_argument("system", choices=SYSTEMS)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share answered UNAVAILABLE")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--state-file", type=Path, help="treasury only: keep payments here")
    parser.add_argument("--tls-cert", type=Path, help="serve mutual TLS with this certificate")
    parser.add_argument("--tls-key", type=Path, help="…its private key")
    parser.add_argument("--client-ca", type=Path, help="…and accept client certificates of this CA")
    args = parser.parse_args(argv)
    tls_args = (args.tls_cert, args.tls_key, args.client_ca)
    if any(tls_args) and not all(tls_args):
        parser.error("--tls-cert, --tls-key and --client-ca go together")
    tls = ServerTls(args.tls_cert, args.tls_key, args.client_ca) if all(tls_args) else None
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_simulator(
                args.system,
                args.port,
                host=args.host,
                latency=args.latency,
                error_rate=args.error_rate,
                seed=args.seed,
                state_file=args.state_file,
                tls=tls,
            )
        )


if __name__ == "__main__":
    main()
