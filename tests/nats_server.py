"""NATS for the tests: the local JetStream server, streams unique to a test, the relay and
the projection worker as processes of their own (so a test can SIGKILL them), and a
private nats-server that a test may stop and start again.

Run a role directly: ``python -m tests.nats_server relay|worker`` with the TABADOL_*
settings and ``TEST_NATS_OPTIONS`` / ``TEST_PROJECTION_OPTIONS`` (JSON) in the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict, replace
from pathlib import Path

import nats
import pytest

from hub.config import Settings
from hub.streams.projector import ProjectionOptions, run_projection_worker
from hub.streams.relay import NatsOptions, run_relay
from hub.testing import free_port

NATS_URL = os.environ.get("TABADOL_TEST_NATS", "nats://127.0.0.1:4222")
ROOT = Path(__file__).resolve().parents[1]


def unique_options(**changes: object) -> NatsOptions:
    """Streams, subjects and consumers no other test (or run) uses."""
    tag = uuid.uuid4().hex[:10]
    unique = NatsOptions(
        stream=f"TEST_EVENTS_{tag}",
        subject_prefix=f"test{tag}.events",
        window_stream=f"TEST_WINDOW_{tag}",
        window_prefix=f"test{tag}.window",
        durable_prefix=f"test-{tag}",
        participants_stream=f"TEST_PARTICIPANTS_{tag}",
        participants_prefix=f"test{tag}.participants",
    )
    return replace(unique, **changes)


@contextlib.asynccontextmanager
async def jetstream(
    url: str = NATS_URL,
) -> AsyncIterator[nats.js.JetStreamContext]:
    """A JetStream context on the test server; fails (never skips) when it is down."""
    try:
        nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0)
    except Exception as error:  # the message says how to start it
        pytest.fail(
            f"NATS is not reachable at {url}: {error!r}\n"
            "start it: nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server",
            pytrace=False,
        )
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


async def delete_streams(options: NatsOptions, url: str = NATS_URL) -> None:
    async with jetstream(url) as js:
        for stream in (options.stream, options.window_stream, options.participants_stream):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(stream)


async def stream_positions(js: nats.js.JetStreamContext, stream: str) -> list[int]:
    """The ``Tabadol-Position`` of every message in the stream, in stream order."""
    info = await js.stream_info(stream)
    positions = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(stream, seq)
        positions.append(int((message.headers or {})["Tabadol-Position"]))
    return positions


def spawn(
    role: str,
    env: Mapping[str, str],
    options: NatsOptions,
    projection: ProjectionOptions | None = None,
) -> subprocess.Popen[bytes]:
    """The relay or a projection worker in a process of its own."""
    child = {
        **os.environ,
        **env,
        "PYTHONPATH": str(ROOT),
        "TEST_NATS_OPTIONS": json.dumps(asdict(options)),
    }
    if projection is not None:
        child["TEST_PROJECTION_OPTIONS"] = json.dumps(
            {**asdict(projection), "pseudonym_key": str(projection.pseudonym_key)}
        )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.nats_server", role],
        env=child,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no chance to finish a batch, close a transaction or say goodbye."""
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def stop(process: subprocess.Popen[bytes]) -> str:
    """SIGTERM and wait; returns what the process wrote to stderr."""
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=15)
    return err.decode(errors="replace")


class PrivateNats:
    """A nats-server of this test's own, with JetStream, that can be restarted in place."""

    def __init__(self) -> None:
        self.port = free_port()
        self.store = tempfile.mkdtemp(prefix="tabadol-nats-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self._process = subprocess.Popen(
            [binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", self.store],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


def _main(role: str) -> None:  # pragma: no cover - runs in the child process
    settings = Settings.from_env()
    options = NatsOptions(**json.loads(os.environ["TEST_NATS_OPTIONS"]))

    async def run() -> None:
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, done.set)
        if role == "relay":
            await run_relay(settings, done, options)
        else:
            raw = json.loads(os.environ["TEST_PROJECTION_OPTIONS"])
            raw["pseudonym_key"] = Path(raw["pseudonym_key"])
            await run_projection_worker(settings, done, ProjectionOptions(**raw), options)

    asyncio.run(run())


if __name__ == "__main__":
    _main(sys.argv[1])
