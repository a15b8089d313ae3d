"""The demo's outside parties: two reference witnesses and a reference TSA, each its own
process (``tabadol witness serve``, ``tabadol simulate tsa``) with its own key and state."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
from pathlib import Path
from typing import IO

from hub.trail.cosignature import WitnessPolicy

__all__ = ["AnchorProcesses"]

_WITNESSES = ("witness.tabadol.example/w1", "witness.tabadol.example/w2")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AnchorProcesses:
    def __init__(self, state_dir: Path, log_keys: Path) -> None:
        self.dir = state_dir
        self.log_keys = log_keys
        self.vkeys: list[str] = []
        self.urls: list[str] = []
        self.tsa_url = ""
        self._processes: list[asyncio.subprocess.Process] = []
        self._logs: list[IO[bytes]] = []

    @property
    def tsa_root(self) -> Path:
        return self.dir / "tsa" / "tsa-root.pem"

    @property
    def policy(self) -> WitnessPolicy:
        return WitnessPolicy.parse(None, self.vkeys)

    def settings_env(self) -> dict[str, str]:
        return {
            "TABADOL_WITNESSES": json.dumps(
                [{"url": u, "key": k} for u, k in zip(self.urls, self.vkeys, strict=True)]
            ),
            "TABADOL_TSA_URL": self.tsa_url,
            "TABADOL_TSA_ROOTS": str(self.tsa_root),
        }

    async def _cli(self, *args: str, wait: bool) -> tuple[asyncio.subprocess.Process, bytes]:
        log = (self.dir / f"{args[0]}-{len(self._logs)}.log").open("ab")
        self._logs.append(log)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hub.cli",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if wait else log,
            stderr=log,
        )
        if not wait:
            self._processes.append(process)
            return process, b""
        out, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"tabadol {' '.join(args)} failed: see {log.name}")
        return process, out

    async def start_all(self) -> None:
        """Make the witnesses' keys (first run), start both witnesses and the TSA."""
        self.dir.mkdir(parents=True, exist_ok=True)
        ports: list[int] = []
        for name in _WITNESSES:
            key_file = self.dir / name.replace("/", "_") / "witness.key"
            if not key_file.exists():
                await self._cli(
                    "witness", "init", "--key-file", str(key_file), "--name", name, wait=True
                )
            _, out = await self._cli("witness", "key", "--key-file", str(key_file), wait=True)
            self.vkeys.append(out.decode().strip())
            port = _free_port()
            await self._cli(
                "witness",
                "serve",
                "--key-file",
                str(key_file),
                "--state-file",
                str(key_file.with_name("state.json")),
                "--log-keys",
                str(self.log_keys),
                "--listen",
                f"127.0.0.1:{port}",
                wait=False,
            )
            ports.append(port)
            self.urls.append(f"http://127.0.0.1:{port}")
        tsa_port = _free_port()
        await self._cli(
            "simulate",
            "tsa",
            "--port",
            str(tsa_port),
            "--state-dir",
            str(self.dir / "tsa"),
            wait=False,
        )
        self.tsa_url = f"http://127.0.0.1:{tsa_port}/"
        for port in (*ports, tsa_port):
            await _wait_port(port)

    async def stop_all(self) -> None:
        for process in self._processes:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        for process in self._processes:
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
        for log in self._logs:
            log.close()


async def _wait_port(port: int, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port}") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return
