"""uvicorn inside the hub's event loop: one task beside the gRPC server.

The hub binds the socket itself (so a port in use is an ``OSError`` at start-up, and port 0
works in tests), hands it to uvicorn, and keeps its own signal handlers: uvicorn's are
switched off, ``serve`` stops the HTTP server with the rest of the hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import structlog
import uvicorn
from starlette.types import ASGIApp

__all__ = ["HttpServer", "parse_address"]

log = structlog.get_logger("tabadol.web")


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8080`` for IPv6) → (host, port); ``ValueError`` otherwise."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected host:port, got {address[:100]!r}")
    return host.strip("[]"), int(port)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the hub owns SIGTERM and SIGINT
        yield


class HttpServer:
    """An ASGI app served on ``address`` until :meth:`stop`."""

    def __init__(self, app: ASGIApp, address: str) -> None:
        host, port = parse_address(address)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except OSError as error:
            sock.close()
            raise OSError(
                error.errno, f"cannot listen on {address} (HTTP): {error.strerror}"
            ) from None
        sock.setblocking(False)
        self._socket = sock
        self.host = host
        self.port: int = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(
            self._server.serve(sockets=[self._socket]), name="tabadol-http"
        )
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise RuntimeError("the HTTP server stopped while starting")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None
        self._socket.close()
