"""Witnesses and a TSA as an operator runs them: ``tabadol witness init/serve``,
``tabadol simulate tsa``, ``tabadol serve`` with TABADOL_WITNESSES and TABADOL_TSA_URL,
then ``audit verify`` / ``verify-bundle`` with a witness policy, as an auditor."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.trail.cosignature import CosignerKey
from tests.e2e.test_audit_cli import add_cases, ok, tabadol


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def spawn(
    args: list[str], env: dict[str, str], started: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # the CLI as a user starts it
        [sys.executable, "-m", "hub.cli", *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started.append(process)
    return process


def test_two_witnesses_and_a_tsa_anchor_the_checkpoints_of_a_serving_hub(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    data = tmp_path / "data"
    ok("keys", "init", data_dir=data)
    keys = data / "keys" / "public-keys.json"
    env = {"TABADOL_DATA_DIR": str(data)}
    vkeys, urls = [], []
    for i in (1, 2):
        key_file = tmp_path / f"w{i}" / "witness.key"
        vkeys.append(
            ok(
                "witness",
                "init",
                "--key-file",
                str(key_file),
                "--name",
                f"witness.test/w{i}",
                data_dir=data,
            ).strip()
        )
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert ok("witness", "key", "--key-file", str(key_file), data_dir=data).strip() == vkeys[-1]
        port = free_port()
        args = ["witness", "serve", "--key-file", str(key_file), "--log-keys", str(keys)]
        args += [
            "--state-file",
            str(tmp_path / f"w{i}" / "state.json"),
            "--listen",
            f"127.0.0.1:{port}",
        ]
        wait_port(port, spawn(args, env, processes))
        urls.append(f"http://127.0.0.1:{port}")
    tsa_port = free_port()
    tsa_dir = tmp_path / "tsa"
    tsa = spawn(
        ["simulate", "tsa", "--port", str(tsa_port), "--state-dir", str(tsa_dir)], env, processes
    )
    wait_port(tsa_port, tsa)
    codes = add_cases(data, range(21, 24), register=True)
    hub_env = {
        **env,
        "TABADOL_LISTEN": f"127.0.0.1:{free_port()}",
        "TABADOL_HTTP_LISTEN": "off",
        "TABADOL_INSECURE_DEV_AUTH": "1",
        "TABADOL_CHECKPOINT_SECONDS": "0.3",
        "TABADOL_WITNESSES": json.dumps(
            [{"url": u, "key": k} for u, k in zip(urls, vkeys, strict=True)]
        ),
        "TABADOL_TSA_URL": f"http://127.0.0.1:{tsa_port}/",
        "TABADOL_TSA_ROOTS": str(tsa_dir / "tsa-root.pem"),
    }
    hub = spawn(["serve"], hub_env, processes)
    deadline = time.monotonic() + 30
    while True:
        assert hub.poll() is None, hub.communicate()
        rows = [
            json.loads(line) for line in ok("audit", "checkpoints", data_dir=data).splitlines()[1:]
        ]
        if (
            rows
            and rows[-1]["tree_size"] == 7
            and "timestamp" in rows[-1]
            and rows[-1]["note"].count("\N{EM DASH}") == 3
        ):
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.2)
    policy = [arg for vkey in vkeys for arg in ("--witness", vkey)]
    out = ok(
        "audit",
        "verify",
        "--keys",
        str(keys),
        *policy,
        "--tsa-root",
        str(tsa_dir / "tsa-root.pem"),
        data_dir=data,
    )
    assert "policy 2 of 2 (witness.test/w1, witness.test/w2) met by the checkpoint of size 7" in out
    assert "checkpoint 7: timestamped" in out and "Tabadol reference TSA" in out
    ok("audit", "bundle", codes[0], "-o", str(tmp_path / "ev.json"), data_dir=data)
    out = ok(
        "audit",
        "verify-bundle",
        str(tmp_path / "ev.json"),
        "--keys",
        str(keys),
        *policy,
        data_dir=data,
    )
    assert "witnesses: 2 of 2 required (witness.test/w1 at" in out
    other = CosignerKey.of("witness.test/w3", Ed25519PrivateKey.generate().public_key()).vkey
    three = [*policy, "--witness", other]
    refused = tabadol(
        "audit",
        "verify-bundle",
        str(tmp_path / "ev.json"),
        "--keys",
        str(keys),
        *three,
        data_dir=data,
    )
    assert refused.returncode == 1 and "no cosignature by witness.test/w3" in refused.stdout
    refused = tabadol("audit", "verify", "--keys", str(keys), *three, data_dir=data)
    assert (
        refused.returncode == 1
        and "policy 3 of 3" in refused.stdout
        and "NOT met" in refused.stdout
    )
    (tmp_path / "ckpt.jsonl").write_text(ok("audit", "checkpoints", data_dir=data))
    # an auditor's offline copy: the export and the checkpoint file with their anchors
    ok("audit", "export", "-o", str(tmp_path / "trail.jsonl"), data_dir=data)
    out = ok(
        "audit",
        "verify",
        str(tmp_path / "trail.jsonl"),
        "--keys",
        str(keys),
        "--checkpoints",
        str(tmp_path / "ckpt.jsonl"),
        *policy,
        "--tsa-root",
        str(tsa_dir / "tsa-root.pem"),
        data_dir=data,
    )
    assert "met by the checkpoint of size 7" in out
    stranger = vkeys[0].replace("witness.test/w1", "witness.test/w9")  # wrong key id: refused
    bad = tabadol("audit", "verify", "--keys", str(keys), "--witness", stranger, data_dir=data)
    assert bad.returncode == 2 and "key ID" in bad.stderr
    unmet = tabadol(
        "audit", "verify", "--keys", str(keys), *policy, "--witness-quorum", "3", data_dir=data
    )
    assert unmet.returncode == 2 and "quorum 3" in unmet.stderr
