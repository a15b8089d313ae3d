"""A CRL fetched by URL (TABADOL_CRL_URL): a revocation holds within the refresh period, a
CRL signed by another CA is not used, a stale CRL fails closed (UNAVAILABLE)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from prometheus_client import REGISTRY
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from hub.telemetry.health import Health
from hub.testing import DevPki, TrustedHub, start_trusted_hub
from hub.trail.pki import CA_CERT, CA_KEY, init_ca, revoke
from tests.samples import SERVICE_CODE, spec_proto


@dataclass
class CrlServer:
    """Serves ``body()`` at /crl (the test swaps what it returns)."""

    url: str
    body: list[bytes]
    hits: list[float]


@pytest.fixture
def crl_server() -> Iterator[CrlServer]:
    served = CrlServer("", [b""], [])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.hits.append(time.monotonic())
            body = served.body[0]
            self.send_response(200 if body else 503)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_port}/crl"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def _der(pem: Path) -> bytes:
    return x509.load_pem_x509_crl(pem.read_bytes()).public_bytes(serialization.Encoding.DER)


def _crl_due(pki: Path, next_update: dt.datetime) -> bytes:
    """An empty CRL signed by the CA of ``pki`` whose nextUpdate is ``next_update``."""
    ca = x509.load_pem_x509_certificate((pki / CA_CERT).read_bytes())
    key = serialization.load_pem_private_key((pki / CA_KEY).read_bytes(), None)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(next_update - dt.timedelta(hours=1))
        .next_update(next_update)
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return crl.public_bytes(serialization.Encoding.DER)


async def _hub(tmp_path: Path, pki: DevPki, url: str, **env: str) -> TrustedHub:
    return await start_trusted_hub(
        tmp_path,
        f"sqlite:///{tmp_path / 'events.sqlite'}",
        pki=pki,
        TABADOL_TLS_CRL="",
        TABADOL_CRL_URL=url,
        TABADOL_CRL_REFRESH_SECONDS="1",
        **env,
    )


@pytest.fixture
def pki(tmp_path: Path) -> DevPki:
    return DevPki.open(tmp_path / "pki")


async def _code(live: TrustedHub, principal: str) -> tuple[grpc.StatusCode, str]:
    """How the hub answers ``principal``'s RegisterServiceRecord (no grant: an identified
    caller is PERMISSION_DENIED, a revoked one UNAUTHENTICATED, no usable CRL UNAVAILABLE)."""
    stub = catalogue_pb2_grpc.CatalogueServiceStub(live.channel(principal))
    try:
        await stub.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
        )
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


async def _until(
    live: TrustedHub, principal: str, code: grpc.StatusCode, within: float
) -> tuple[float, str]:
    start = time.monotonic()
    while True:
        got, details = await _code(live, principal)
        if got == code:
            return time.monotonic() - start, details
        assert time.monotonic() - start < within, f"{principal}: still {got} ({details})"
        await asyncio.sleep(0.05)


@pytest.fixture
async def cleanup() -> AsyncIterator[list[TrustedHub]]:
    hubs: list[TrustedHub] = []
    yield hubs
    for live in hubs:
        await live.close()


async def test_a_revocation_by_url_holds_within_the_refresh_period(
    tmp_path: Path, pki: DevPki, crl_server: CrlServer, cleanup: list[TrustedHub]
) -> None:
    pki.certificate("agency:MOJ"), pki.certificate("agency:TAX")
    crl_server.body[0] = _der(pki.crl)
    live = await _hub(tmp_path, pki, crl_server.url)
    cleanup.append(live)
    assert (await _code(live, "agency:MOJ"))[0] == grpc.StatusCode.PERMISSION_DENIED
    revoke(pki.directory, "agency:MOJ")
    crl_server.body[0] = _der(pki.crl)
    took, details = await _until(live, "agency:MOJ", grpc.StatusCode.UNAUTHENTICATED, 3.0)
    assert "revoked" in details
    assert took <= 1.5  # the refresh period (1 s) and a call
    assert (await _code(live, "agency:TAX"))[0] == grpc.StatusCode.PERMISSION_DENIED
    age = REGISTRY.get_sample_value("tabadol_crl_age_seconds")
    assert age is not None and 0 <= age < 60


async def test_a_crl_signed_by_another_ca_is_not_used(
    tmp_path: Path, pki: DevPki, crl_server: CrlServer, cleanup: list[TrustedHub]
) -> None:
    other = tmp_path / "other"
    init_ca(other)
    pki.certificate("agency:MOJ")
    revoke(pki.directory, "agency:MOJ")
    crl_server.body[0] = _der(other / "crl.pem")  # empty, but not our CA's
    failures = REGISTRY.get_sample_value("tabadol_crl_fetch_failures_total") or 0.0
    live = await _hub(tmp_path, pki, crl_server.url)
    cleanup.append(live)
    code, details = await _code(live, "agency:MOJ")
    assert code == grpc.StatusCode.UNAVAILABLE and "not signed by the client CA" in details
    crl_server.body[0] = _der(pki.crl)  # ours: MOJ revoked
    await _until(live, "agency:MOJ", grpc.StatusCode.UNAUTHENTICATED, 5.0)
    crl_server.body[0] = _der(other / "crl.pem")  # another CA's again: MOJ stays revoked
    hits = len(crl_server.hits)
    while len(crl_server.hits) < hits + 2:
        await asyncio.sleep(0.1)
    assert (await _code(live, "agency:MOJ"))[0] == grpc.StatusCode.UNAUTHENTICATED
    after = REGISTRY.get_sample_value("tabadol_crl_fetch_failures_total") or 0.0
    assert after >= failures + 2


async def test_a_stale_crl_fails_closed(
    tmp_path: Path, pki: DevPki, crl_server: CrlServer, cleanup: list[TrustedHub]
) -> None:
    pki.certificate("agency:MOJ")
    now = dt.datetime.now(dt.UTC)
    crl_server.body[0] = _crl_due(pki.directory, now + dt.timedelta(seconds=2))
    live = await _hub(tmp_path, pki, crl_server.url, TABADOL_CRL_TOLERANCE_SECONDS="1")
    cleanup.append(live)
    assert (await _code(live, "agency:MOJ"))[0] == grpc.StatusCode.PERMISSION_DENIED
    readiness = live.running.readiness
    assert "crl" not in readiness.problems()
    crl_server.body[0] = b""  # the CRL server fails from now on: the last good CRL ages
    _, details = await _until(live, "agency:MOJ", grpc.StatusCode.UNAVAILABLE, 6.0)
    assert "stale" in details and crl_server.url in details
    # not before nextUpdate + tolerance (whole seconds: the CRL's times have no fraction)
    assert dt.datetime.now(dt.UTC) >= now.replace(microsecond=0) + dt.timedelta(seconds=3)
    # health says so as soon as calls are refused (within one wake of the refresher)
    await _until_health(readiness, lambda problems: "stale" in problems.get("crl", ""), 1.5)
    assert not readiness.ready
    # a fresh CRL restores service, and readiness with it
    crl_server.body[0] = _der(pki.crl)
    await _until(live, "agency:MOJ", grpc.StatusCode.PERMISSION_DENIED, 20.0)
    await _until_health(readiness, lambda problems: "crl" not in problems, 3.0)


async def _until_health(
    readiness: Health, holds: Callable[[dict[str, str]], bool], within: float
) -> None:
    start = time.monotonic()
    while not holds(readiness.problems()):
        assert time.monotonic() - start < within, f"health still {readiness.problems()}"
        await asyncio.sleep(0.05)


async def test_a_file_crl_is_watched_without_a_stat_per_call(
    tmp_path: Path, pki: DevPki, cleanup: list[TrustedHub]
) -> None:
    pki.certificate("agency:MOJ")
    live = await start_trusted_hub(tmp_path, f"sqlite:///{tmp_path / 'events.sqlite'}", pki=pki)
    cleanup.append(live)
    assert live.running.crl is not None and not live.running.crl.is_url
    assert (await _code(live, "agency:MOJ"))[0] == grpc.StatusCode.PERMISSION_DENIED
    revoke(pki.directory, "agency:MOJ")
    took, _ = await _until(live, "agency:MOJ", grpc.StatusCode.UNAUTHENTICATED, 3.0)
    assert took <= 1.5
