"""``tabadol simulate tsa``: the reference TSA over HTTP (RFC 3161 §3.4).

``POST /`` with ``Content-Type: application/timestamp-query`` and a DER ``TimeStampReq``
answers ``application/timestamp-reply``. Faults as for the other simulators: ``latency``
seconds before each answer and a share ``error_rate`` answered 503 (an outage); both are
mutable on a running server (``server.faults``).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import structlog

from connectors.tsa.authority import TimestampAuthority

__all__ = ["QUERY_TYPE", "REPLY_TYPE", "TsaFaults", "TsaServer", "main"]

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
_MAX_REQUEST = 16 * 1024

_log = structlog.get_logger("connectors.tsa")


@dataclass
class TsaFaults:
    latency: float = 0.0
    error_rate: float = 0.0
    down: bool = False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: TsaServer

    def do_POST(self) -> None:
        faults = self.server.faults
        if faults.latency:
            time.sleep(faults.latency)
        if faults.down or (faults.error_rate and random.random() < faults.error_rate):  # noqa: S311
            self._send(503, b"simulated outage\n", "text/plain")
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != QUERY_TYPE:
            self._send(415, f"expected {QUERY_TYPE}\n".encode(), "text/plain")
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send(411, b"Content-Length is required\n", "text/plain")
            return
        if not 0 < length <= _MAX_REQUEST:
            self._send(413, b"request too large\n", "text/plain")
            return
        answer = self.server.authority.respond(self.rfile.read(length))
        self.server.issued += 1
        self._send(200, answer, REPLY_TYPE)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("http", request=format % args)


class TsaServer(ThreadingHTTPServer):
    """The TSA simulator; ``port`` 0 picks a free port."""

    daemon_threads = True

    def __init__(
        self,
        authority: TimestampAuthority,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: TsaFaults | None = None,
    ) -> None:
        super().__init__((host, port), _Handler)
        self.authority = authority
        self.faults = faults or TsaFaults()
        self.issued = 0
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        return f"http://{host}:{self.port}/"

    def start(self) -> TsaServer:
        self._thread = threading.Thread(target=self.serve_forever, name="tsa", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)


def main(argv: Sequence[str] | None = None) -> None:
    """``tabadol simulate tsa --port N --state-dir DIR``: serve until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="tabadol simulate tsa", description="Serve a reference RFC 3161 TSA over HTTP."
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--state-dir", type=Path, required=True, help="certificates and keys (made on first run)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share answered 503")
    args = parser.parse_args(argv)
    authority = TimestampAuthority.open(args.state_dir)
    server = TsaServer(authority, args.host, args.port, TsaFaults(args.latency, args.error_rate))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    _log.info(
        "tsa serving",
        url=server.url,
        tsa=authority.name,
        root=str(args.state_dir / "tsa-root.pem"),
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()
