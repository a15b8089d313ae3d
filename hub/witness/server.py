"""The witness over HTTP: ``POST <prefix>/add-checkpoint`` (c2sp.org/tlog-witness).

A small threaded HTTP/1.1 server from the standard library (keep-alive, bounded bodies):
a reference witness needs no framework, and the witness stays independent of the hub's
own HTTP edge. ``GET /healthz`` answers 200 and the witness's vkey.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog

from hub.witness.core import MAX_REQUEST_BYTES, Answer, Witness

__all__ = ["WitnessServer"]

log = structlog.get_logger("tabadol.witness")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: WitnessServer

    def do_POST(self) -> None:
        if self.path.rstrip("/") != self.server.prefix + "/add-checkpoint":
            self._answer(Answer.text(404, f"no such endpoint {self.path}"))
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._answer(Answer.text(411, "Content-Length is required"), close=True)
            return
        if length < 0 or length > MAX_REQUEST_BYTES:
            self._answer(Answer.text(413, f"request above {MAX_REQUEST_BYTES} bytes"), close=True)
            return
        body = self.rfile.read(length)
        self._answer(self.server.witness.add_checkpoint(body))

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/healthz":
            self._answer(Answer.text(200, self.server.witness.key.vkey))
        else:
            self._answer(Answer.text(404, f"no such endpoint {self.path}"))

    def _answer(self, answer: Answer, *, close: bool = False) -> None:
        self.send_response(answer.status, HTTPStatus(answer.status).phrase)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http", request=format % args)


class WitnessServer(ThreadingHTTPServer):
    """Serves one :class:`Witness`; ``port`` is the bound port (0 picks a free one)."""

    daemon_threads = True

    def __init__(self, witness: Witness, host: str = "127.0.0.1", port: int = 0, prefix: str = ""):
        super().__init__((host, port), _Handler)
        self.witness = witness
        self.prefix = prefix.rstrip("/")
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        return f"http://{host}:{self.port}{self.prefix}"

    def start(self) -> WitnessServer:
        """Serve in a background thread (tests, the demo)."""
        self._thread = threading.Thread(target=self.serve_forever, name="witness", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)
