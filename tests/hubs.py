"""``tabadol serve`` as real processes, for the fault tests that kill them: settings, keys,
start, wait until serving, scrape ``/metrics``, read the JSON log, SIGKILL.

One process per data directory; replicas on one PostgreSQL store share the signing key,
the public keys and the pseudonym key (:func:`shared_keys`), as an operator deploys them.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from hub.testing import dev_env, free_port
from tests.integration.test_http_port import get, sample
from tests.nats_server import ROOT, kill

__all__ = ["Serve", "kill", "shared_keys", "spawn_serve"]


def shared_keys(directory: Path) -> dict[str, str]:
    """``tabadol keys init`` once, plus a pseudonym key: the settings every replica shares."""
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "keys", "init"],
        env={**os.environ, "TABADOL_DATA_DIR": str(directory)},
        cwd=ROOT, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    keys = directory / "keys"
    pseudonym = keys / "shared-pseudonym.key"
    pseudonym.write_text(base64.b64encode(os.urandom(32)).decode() + "\n", encoding="ascii")
    return {
        "TABADOL_SIGNING_KEY": str(keys / "hub-signing.pem"),
        "TABADOL_PUBLIC_KEYS": str(keys / "public-keys.json"),
        "TABADOL_PSEUDONYM_KEY": str(pseudonym),
        **dev_env(directory),
    }


@dataclass
class Serve:
    """One ``tabadol serve`` process: its gRPC target, HTTP base URL and log file."""

    process: subprocess.Popen[bytes]
    target: str
    http: str
    log: Path

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        kill(self.process)

    def stop(self) -> None:
        """SIGKILL if it still runs (clean-up)."""
        if self.alive:
            kill(self.process)

    def terminate(self, within: float = 30.0) -> int:
        """SIGTERM (a graceful stop: the last checkpoint is signed) and its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(within)

    def events(self) -> list[dict[str, object]]:
        """The JSON log lines written so far (a line cut short by SIGKILL is left out)."""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        found = []
        for line in lines:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found

    def logged(self, event: str) -> int:
        return sum(1 for line in self.events() if line.get("event") == event)

    async def wait_serving(self, within: float = 60.0) -> None:
        async with grpc.aio.insecure_channel(self.target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                assert self.alive, (
                    f"the hub exited during start-up:\n{self.log.read_text()[-3000:]}"
                )
                try:
                    reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"the hub did not start serving:\n{self.log.read_text()[-3000:]}")

    async def metric(self, name: str, **labels: str) -> float:
        """One series of its ``/metrics`` (0 when absent)."""
        status, text = await get(f"{self.http}/metrics")
        assert status == 200, status
        return sample(text, name, **labels)


def spawn_serve(data_dir: Path, env: Mapping[str, str]) -> Serve:
    """``python -m hub.cli serve`` on free gRPC and HTTP ports, its data in ``data_dir``,
    its JSON log in ``data_dir/serve.log``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = f"127.0.0.1:{free_port()}"
    http = f"127.0.0.1:{free_port()}"
    log = data_dir / "serve.log"
    child = {
        **os.environ,
        "TABADOL_DATA_DIR": str(data_dir),
        "TABADOL_LISTEN": target,
        "TABADOL_HTTP_LISTEN": http,
        **env,
    }
    with log.open("ab") as sink:  # a file, not a pipe: a chatty hub never blocks on it
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve"],
            env=child, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip
    return Serve(process, target, f"http://{http}", log)
