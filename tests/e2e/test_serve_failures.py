"""``tabadol serve`` as an operator meets it: every setting in ``--help``, and a start-up
failure told in one line with a non-zero exit, never a traceback."""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import settings_table
from hub.testing import dev_env
from tests.pg_server import free_port


def serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        **os.environ,
        "TABADOL_DATA_DIR": str(tmp_path),
        "TABADOL_HTTP_LISTEN": "127.0.0.1:0",
        **dev_env(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve"],
        env={**base, "TABADOL_LISTEN": "127.0.0.1:0", **env},
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip


@pytest.fixture
def keyed(tmp_path: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "keys", "init"],
        env={**os.environ, "TABADOL_DATA_DIR": str(tmp_path)},
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return tmp_path


def test_serve_help_lists_every_setting_with_its_default() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve", "--help"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    rows = settings_table()
    assert len(rows) > 25
    for name, _, default in rows:
        assert name in result.stdout and f"[{default}]" in result.stdout, name
    config = Path(__file__).resolve().parents[2] / "hub" / "config.py"
    read = set(re.findall(r'env(?:\.get\(|, )"(TABADOL_[A-Z_]+)"', config.read_text()))
    named = [part.strip() for row in rows for part in row[0].split("/")]
    for name in read:  # "TABADOL_NATS_STREAM / _SUBJECT_PREFIX" names both
        assert any(name == n or (n.startswith("_") and name.endswith(n)) for n in named), name


def _one_clear_line(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tabadol serve: cannot start:") and fragment in last, last


def test_a_grpc_port_in_use_is_one_line(keyed: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _one_clear_line(serve(keyed, TABADOL_LISTEN=f"127.0.0.1:{port}"), "TABADOL_LISTEN")


def test_an_http_port_in_use_is_one_line(keyed: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _one_clear_line(serve(keyed, TABADOL_HTTP_LISTEN=f"127.0.0.1:{port}"), "(HTTP)")


def test_a_bad_address_is_one_line(keyed: Path) -> None:
    _one_clear_line(serve(keyed, TABADOL_LISTEN="no-such-host.invalid:x"), "TABADOL_LISTEN")
    bad_http = serve(keyed, TABADOL_HTTP_LISTEN="8080")
    assert bad_http.returncode == 2 and "TABADOL_HTTP_LISTEN" in bad_http.stderr


def test_an_unreachable_store_is_one_line(keyed: Path) -> None:
    store = f"postgresql://postgres@127.0.0.1:{free_port()}/tabadol"
    shared = keyed / "shared-pseudonym.key"  # a PostgreSQL hub needs the replicas' shared key
    shared.write_text(base64.b64encode(os.urandom(32)).decode() + "\n", encoding="ascii")
    result = serve(keyed, TABADOL_EVENT_STORE=store, TABADOL_PSEUDONYM_KEY=str(shared))
    _one_clear_line(result, "TABADOL_EVENT_STORE")
