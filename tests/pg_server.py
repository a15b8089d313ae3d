"""A PostgreSQL server of a test's own: initdb in a temp dir, on a free port, started,
stopped and restarted with ``pg_ctl`` and stopped by PID. The shared server is never touched.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["PrivatePostgres", "free_port", "private_postgres"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found under /usr/lib/postgresql/*/bin")
    return found[-1]


class PrivatePostgres:
    """``start()``, ``stop()``, ``restart()``, ``remove()``; :attr:`url` for a database."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tabadol-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "run"
        self.socket_dir.mkdir()
        self._as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N")

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = ["runuser", "-u", "postgres", "--", *argv] if self._as_postgres else list(argv)
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=60)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.socket_dir}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.root / "log"), "-w", "-t", "30", "start",
        )  # fmt: skip

    def pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int((self.data / "postmaster.pid").read_text().split()[0])
        return None

    def stop(self, mode: str = "fast") -> None:
        """Stop it (``fast`` ends sessions, ``immediate`` is a crash)."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> float:
        """``pg_ctl restart``; returns the seconds it was down."""
        started = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - started

    def create_database(self, name: str) -> str:
        self._run(
            _bin("psql"), "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres",
            "-c", f'CREATE DATABASE "{name}"',
        )  # fmt: skip
        return self.url(name)

    def remove(self) -> None:
        pid = self.pid()
        self.stop("immediate")
        if pid is not None:  # still there after pg_ctl: by PID, never by name
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()
