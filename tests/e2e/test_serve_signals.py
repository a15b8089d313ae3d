"""``tabadol serve`` stopped by SIGTERM: in-flight work finishes, a last checkpoint is
signed over everything written, the exit is 0 — and /metrics answered while it ran."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
from tabadol.audit.v1 import audit_pb2, audit_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from hub.testing import dev_env
from tests.pg_server import free_port
from tests.samples import AGENCY, SERVICE_CODE, spec_proto

META = (("x-tabadol-agency", AGENCY),)


def test_sigterm_signs_a_last_checkpoint_and_exits_zero(tmp_path: Path) -> None:
    env = {**os.environ, "TABADOL_DATA_DIR": str(tmp_path), **dev_env(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "keys", "init"], env=env, check=True, timeout=60
    )
    grpc_port, http_port = free_port(), free_port()
    env |= {
        "TABADOL_LISTEN": f"127.0.0.1:{grpc_port}",
        "TABADOL_HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "TABADOL_CHECKPOINT_SECONDS": "3600",  # no checkpoint but the last one
    }
    hub = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/readyz", timeout=2):
                    break
            except OSError:
                assert hub.poll() is None, hub.stderr.read() if hub.stderr else ""
                assert time.monotonic() < deadline, "serve did not become ready"
                time.sleep(0.2)
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            stub = catalogue_pb2_grpc.CatalogueServiceStub(channel)
            stub.RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
                metadata=META,
                timeout=30,
            )
            audit = audit_pb2_grpc.AuditServiceStub(channel)
            try:
                before = audit.GetLatestCheckpoint(
                    audit_pb2.GetLatestCheckpointRequest(), metadata=META, timeout=30
                ).checkpoint.tree_size
            except grpc.RpcError as error:  # none signed yet
                assert error.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
                before = 0
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5) as r:
            metrics = r.read().decode()
        assert 'method="RegisterServiceRecord"' in metrics
        hub.send_signal(signal.SIGTERM)
        _, stderr = hub.communicate(timeout=60)
    finally:
        if hub.poll() is None:
            hub.kill()
    assert hub.returncode == 0, stderr
    assert "Traceback" not in stderr
    signed = [json.loads(line) for line in stderr.splitlines() if '"checkpoint signed"' in line]
    assert signed, stderr
    assert signed[-1]["size"] >= 1 and signed[-1]["size"] > before
