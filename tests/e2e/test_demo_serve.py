"""`tabadol demo --serve`: the story, then the dashboard's address, the hub kept running
until Ctrl-C, then the trail verified. The demo's hub serves mTLS only: a client without a
certificate (or with one of another CA) is refused at the handshake; one issued by the
demo's CA as TAX is known by its certificate alone and sees none of MOJ's cases."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.principals import Principal
from hub.servicers.auth import AGENCY_HEADER
from hub.testing import DevPki
from hub.trail.pki import issue


def _get_case(target: str, code: str, credentials: grpc.ChannelCredentials | None) -> None:
    """GetCase over a fresh channel (plaintext when ``credentials`` is None)."""
    channel = (
        grpc.secure_channel(target, credentials)
        if credentials is not None
        else grpc.insecure_channel(target)
    )
    with channel:
        servicedesk_pb2_grpc.ServiceDeskServiceStub(channel).GetCase(
            desk.GetCaseRequest(tracking_code=code),
            metadata=((AGENCY_HEADER, "MOJ"),),  # a header names nobody under mTLS
            timeout=5,
        )


def _check_mtls(seen: str, tmp_path: Path) -> None:
    port = re.search(r"Tabadol hub listening on 127\.0\.0\.1:(\d+) \(mTLS as hub:TABADOL", seen)
    ca = re.search(r"development CA: (\S+)/ca\.crt", seen)
    case = re.search(r"asks for MOJ's case (C-[0-9A-Z-]+): NOT_FOUND", seen)
    assert port and ca and case, seen
    target, pki_dir, code = f"127.0.0.1:{port[1]}", Path(ca[1]), case[1]
    root = (pki_dir / "ca.crt").read_bytes()
    for refused in (None, grpc.ssl_channel_credentials(root_certificates=root)):
        with pytest.raises(grpc.RpcError) as no_cert:
            _get_case(target, code, refused)
        assert no_cert.value.code() == grpc.StatusCode.UNAVAILABLE  # no handshake, no call
    stranger = DevPki.create(tmp_path / "other-ca").certificate("agency:MOJ")
    with pytest.raises(grpc.RpcError) as other_ca:
        _get_case(
            target,
            code,
            grpc.ssl_channel_credentials(
                root, stranger.key.read_bytes(), stranger.cert.read_bytes()
            ),
        )
    assert other_ca.value.code() == grpc.StatusCode.UNAVAILABLE
    tax = issue(pki_dir, Principal.parse("agency:TAX"))  # `tabadol pki issue TAX`
    with pytest.raises(grpc.RpcError) as scoped:
        _get_case(
            target,
            code,
            grpc.ssl_channel_credentials(root, tax.key.read_bytes(), tax.cert.read_bytes()),
        )
    assert scoped.value.code() == grpc.StatusCode.NOT_FOUND


def test_demo_serve_prints_the_dashboard_and_runs_until_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "TABADOL_DATA_DIR": str(tmp_path), "TABADOL_LISTEN": "127.0.0.1:0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "demo", "--cases", "4", "--serve", "--http-port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = ""
        deadline = time.monotonic() + 120
        seen = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.match(r"dashboard: (http://127\.0\.0\.1:\d+/) ", line)
            if found:
                url = found[1]
                break
        assert url, "".join(seen)
        time.sleep(1.0)
        assert process.poll() is None, "the hub stopped instead of serving"
        with urllib.request.urlopen(url, timeout=10) as page:
            html = page.read().decode("utf-8")
        assert '<html lang="fa" dir="rtl">' in html and "نمای ملی" in html
        _check_mtls("".join(seen), tmp_path)
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, rest + errors
    before = "".join(seen)  # the trail is verified before the dashboard is served
    assert "OK:" in before and "signatures verified" in before, before
