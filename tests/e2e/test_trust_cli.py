"""Deny by default as a user meets it: `tabadol serve` under mTLS refuses OpenCase until
`tabadol access grant`, and `audit verify` lists the grant; without TLS serve refuses to
start and says how to make certificates."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.testing import free_port
from tests.samples import SERVICE_CODE, applicant, spec_proto


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABADOL_")}
    return {**env, "TABADOL_DATA_DIR": str(data), "TABADOL_HTTP_LISTEN": "off", **extra}


def tabadol(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_serve_without_tls_refuses_and_says_how_to_make_certificates(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert tabadol("keys", "init", env=env).returncode == 0
    result = tabadol("serve", env=env)
    assert result.returncode == 2
    assert "tabadol pki init" in result.stderr and "TABADOL_TLS_CERT" in result.stderr


async def test_serve_refuses_open_case_until_the_operator_grants_it(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    port = free_port()
    env = _env(tmp_path, TABADOL_LISTEN=f"127.0.0.1:{port}")
    for command in (
        ("keys", "init"),
        ("pki", "init"),
        ("pki", "issue", "hub"),
        ("pki", "issue", "MOJ"),
    ):
        result = tabadol(*command, env=env)
        assert result.returncode == 0, result.stderr
    env |= {
        "TABADOL_TLS_CERT": str(pki / "hub-tabadol.crt"),
        "TABADOL_TLS_KEY": str(pki / "hub-tabadol.key"),
        "TABADOL_TLS_CLIENT_CA": str(pki / "ca.crt"),
        "TABADOL_TLS_CRL": str(pki / "crl.pem"),
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", "serve", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    credentials = grpc.ssl_channel_credentials(
        (pki / "ca.crt").read_bytes(),
        (pki / "agency-moj.key").read_bytes(),
        (pki / "agency-moj.crt").read_bytes(),
    )
    try:
        async with grpc.aio.secure_channel(f"localhost:{port}", credentials) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for _ in range(100):
                try:
                    await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    break
                except grpc.aio.AioRpcError:
                    await asyncio.sleep(0.1)
            catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
            desk_stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
            request = desk.OpenCaseRequest(
                service_code=SERVICE_CODE,
                applicant_national_code=applicant(),
                postal_code="1316943891",
                channel="web",
            )
            try:
                await desk_stub.OpenCase(request)
                raise AssertionError("OpenCase answered without a grant")
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.PERMISSION_DENIED
            for target in (
                "tabadol.catalogue.v1.CatalogueService",
                "tabadol.servicedesk.v1.ServiceDeskService",
            ):
                granted = await asyncio.to_thread(
                    tabadol, "access", "grant", "MOJ", target, "--reason", "MOJ's own desk", env=env
                )
                assert granted.returncode == 0, granted.stderr
            await asyncio.sleep(1.0)  # the serving hub re-reads the rights table every 0.5 s
            await catalogue.RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
            )
            opened = await desk_stub.OpenCase(request)
            assert opened.case.tracking_code.startswith("C-")
    finally:
        server.terminate()
        await server.wait()
    listing = tabadol("access", "list", env=env)
    assert "agency:MOJ" in listing.stdout and "MOJ's own desk" in listing.stdout
    assert tabadol("audit", "checkpoint", env=env).returncode == 0
    verified = tabadol(
        "audit", "verify", str(tmp_path / "events.sqlite"),
        "--keys", str(tmp_path / "keys" / "public-keys.json"), env=env,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert (
        "granted g-1 service:tabadol.catalogue.v1.CatalogueService to agency:MOJ" in verified.stdout
    )
    assert "by cli:hub-" in verified.stdout
    assert "refusals: 1 refused calls" in verified.stdout


def test_serve_on_postgres_refuses_without_the_shared_pseudonym_key(
    tmp_path: Path, pg_url: str
) -> None:
    env = _env(tmp_path, TABADOL_EVENT_STORE=pg_url, TABADOL_INSECURE_DEV_AUTH="1")
    assert tabadol("keys", "init", env=env).returncode == 0
    result = tabadol("serve", env=env)
    assert result.returncode == 2
    assert "TABADOL_PSEUDONYM_KEY" in result.stderr and "every replica" in result.stderr
    assert not (tmp_path / "keys" / "pseudonym.key").exists()  # it made no key of its own
