"""`tabadol demo --serve`: the story, then the dashboard's address, the hub kept running
until Ctrl-C, then the trail verified. The demo's hub serves mTLS only: a client without a
certificate (or with one of another CA) is refused at the handshake; one issued by the
demo's CA as TAX is known by its certificate alone and sees none of MOJ's cases. While it
serves, ``/metrics`` (no redirect: a plain ``curl`` shows it) holds the story's RPCs, writes,
views, exchanges, refusals and checkpoint."""

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
from prometheus_client.parser import text_string_to_metric_families
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


def _samples(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """``/metrics`` at ``url`` as sample name → [(labels, value)], asserting no redirect."""
    with urllib.request.urlopen(url, timeout=10) as reply:
        assert reply.status == 200 and reply.url == url  # urllib would follow a 307
        text = reply.read().decode("utf-8")
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def _one(samples: list[tuple[dict[str, str], float]], **labels: str) -> float:
    (value,) = [v for got, v in samples if all(got.get(k) == w for k, w in labels.items())]
    return value


def _check_metrics(url: str) -> None:
    m = _samples(url)
    desk_rpc = {"service": "tabadol.servicedesk.v1.ServiceDeskService", "method": "OpenCase"}
    assert _one(m["tabadol_rpc_handled_total"], **desk_rpc, code="OK") > 0
    assert _one(m["tabadol_rpc_handled_total"], **desk_rpc, code="INVALID_ARGUMENT") > 0
    assert _one(m["tabadol_rpc_duration_seconds_count"], **desk_rpc) > 0
    assert _one(m["tabadol_rpc_duration_seconds_bucket"], **desk_rpc, le="+Inf") > 0
    assert _one(m["tabadol_rpc_request_bytes_count"], **desk_rpc) > 0
    assert _one(m["tabadol_rpc_response_bytes_count"], **desk_rpc) > 0
    assert _one(m["tabadol_rpc_in_flight"], **desk_rpc) == 0
    for reason in ("invalid_argument", "permission_denied", "unavailable"):
        assert _one(m["tabadol_refusals_total"], reason=reason) > 0, reason
    assert _one(m["tabadol_writer_queue_depth"]) == 0  # the story is done
    assert _one(m["tabadol_writer_batch_size_count"]) > 0
    assert _one(m["tabadol_writer_commit_seconds_count"]) > 0
    assert _one(m["tabadol_writer_commands_total"], outcome="ok") > 0
    views = {labels["view"] for labels, _ in m["tabadol_projection_position"]}
    assert {"case_status", "agency_kpis", "window_feed"} <= views, views
    for view in views:
        assert _one(m["tabadol_projection_position"], view=view) > 0, view
        assert _one(m["tabadol_projection_lag_events"], view=view) >= 0, view
    head = _one(m["tabadol_log_head_position"])
    assert head >= max(v for _, v in m["tabadol_projection_position"]) > 0
    exchanges = {
        (labels["system"], labels["operation"], labels["outcome"])
        for labels, value in m["tabadol_exchanges_total"]
        if value > 0
    }
    assert {
        ("civil-registry", "InquireBirthCertificate", "ok"),
        ("treasury", "CreatePayment", "ok"),
        ("treasury", "CreatePayment", "unavailable"),
        ("identity", "IntrospectToken", "ok"),
    } <= exchanges, exchanges
    assert (
        _one(
            m["tabadol_exchange_duration_seconds_count"], system="treasury", operation="GetPayment"
        )
        > 0
    )
    # the demo signed a checkpoint over the whole story, and says so
    assert _one(m["tabadol_checkpoint_tree_size"]) > 0
    assert _one(m["tabadol_checkpoint_last_signed_timestamp_seconds"]) > time.time() - 600
    assert 0 <= _one(m["tabadol_checkpoint_age_seconds"]) < 600


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
        url = metrics_url = ""
        deadline = time.monotonic() + 120
        seen = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.match(r"dashboard: (http://127\.0\.0\.1:\d+/)  metrics: (\S+) ", line)
            if found:
                url, metrics_url = found[1], found[2]
                break
        assert url, "".join(seen)
        time.sleep(1.0)
        assert process.poll() is None, "the hub stopped instead of serving"
        with urllib.request.urlopen(url, timeout=10) as page:
            html = page.read().decode("utf-8")
        assert '<html lang="fa" dir="rtl">' in html and "نمای ملی" in html
        _check_mtls("".join(seen), tmp_path)
        assert metrics_url == f"{url}metrics"
        _check_metrics(metrics_url)
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, rest + errors
    before = "".join(seen)  # the trail is verified before the dashboard is served
    assert "OK:" in before and "signatures verified" in before, before
