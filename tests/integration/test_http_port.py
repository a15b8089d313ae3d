"""The HTTP port beside gRPC: /metrics, /healthz, /readyz, and the gRPC health service
telling the same truth; every RPC measured; an unexpected error answered INTERNAL with an id."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from hub.application.hub import TabadolHub
from hub.application.rights import HUB_SERVICES
from hub.bootstrap import Running, create_server, start_http
from hub.config import Settings
from hub.testing import dev_env
from hub.trail.keys import init_keys
from hub.web.server import HttpServer
from tests.samples import AGENCY, SERVICE_CODE, spec_proto

META = (("x-tabadol-agency", AGENCY),)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def get(url: str) -> tuple[int, str]:
    return await asyncio.to_thread(_get, url)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in a Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _boom(server: grpc.aio.Server, edge: object) -> str:
    """A service whose one method fails with an exception no hub code expects."""

    async def explode(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise RuntimeError("secret detail " + "x" * 5000)

    handler = grpc.unary_unary_rpc_method_handler(explode)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("test.Boom", {"Explode": handler}),)
    )
    return "test.Boom"


class Hub:
    def __init__(self, running: Running, http: HttpServer, channel: grpc.aio.Channel) -> None:
        self.running, self.http, self.channel = running, http, channel


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Hub]:
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path),
            "TABADOL_LISTEN": "127.0.0.1:0",
            **dev_env(tmp_path, services=(*HUB_SERVICES, "test.Boom")),
        }
    )
    signer = init_keys(settings.signing_key, settings.public_keys)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    running = await create_server(hub, settings, extra=[_boom])
    http = await start_http(running, settings, address="127.0.0.1:0")
    assert http is not None
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield Hub(running, http, channel)
    finally:
        await channel.close()
        await running.stop(grace=0)
        hub.close()


async def test_metrics_show_each_rpc_and_the_writer(served: Hub) -> None:
    stub = catalogue_pb2_grpc.CatalogueServiceStub(served.channel)
    _, before = await get(f"{served.http.url}/metrics")
    await stub.RegisterServiceRecord(
        cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
        metadata=META,
    )
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetServiceRecord(
            cat.GetServiceRecordRequest(service_code="13021000999"), metadata=META
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:  # reading is public; writing is not
        await stub.ReviseServiceRecord(cat.ReviseServiceRecordRequest(service_code=SERVICE_CODE))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED

    status, text = await get(f"{served.http.url}/metrics")
    assert status == 200
    service = "tabadol.catalogue.v1.CatalogueService"
    for method, code in (
        ("RegisterServiceRecord", "OK"),
        ("GetServiceRecord", "NOT_FOUND"),
        ("ReviseServiceRecord", "UNAUTHENTICATED"),
    ):
        labels = {"service": service, "method": method, "code": code}
        assert sample(text, "tabadol_rpc_handled_total", **labels) == (
            sample(before, "tabadol_rpc_handled_total", **labels) + 1
        ), (method, code)
    timed = {"service": service, "method": "GetServiceRecord"}
    assert sample(text, "tabadol_rpc_duration_seconds_count", **timed) == (
        sample(before, "tabadol_rpc_duration_seconds_count", **timed) + 1
    )
    assert (
        sample(
            text, "tabadol_rpc_request_bytes_count", service=service, method="RegisterServiceRecord"
        )
        >= 1
    )
    assert sample(text, "tabadol_rpc_in_flight", service=service, method="GetServiceRecord") == 0
    assert sample(text, "tabadol_writer_batch_size_count") > sample(
        before, "tabadol_writer_batch_size_count"
    )
    assert sample(text, "tabadol_refusals_total", reason="unauthenticated") == (
        sample(before, "tabadol_refusals_total", reason="unauthenticated") + 1
    )
    assert "tabadol_writer_queue_depth" in text
    assert "tabadol_checkpoint_age_seconds" in text


async def test_readiness_and_grpc_health_tell_the_same_truth(served: Hub) -> None:
    health = health_pb2_grpc.HealthStub(served.channel)
    desk = "tabadol.servicedesk.v1.ServiceDeskService"

    async def grpc_status(service: str) -> int:
        reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
        return int(reply.status)

    serving, not_serving = (
        health_pb2.HealthCheckResponse.SERVING,
        health_pb2.HealthCheckResponse.NOT_SERVING,
    )
    assert (await get(f"{served.http.url}/healthz"))[0] == 200
    assert (await get(f"{served.http.url}/readyz"))[0] == 200
    assert await grpc_status("") == serving and await grpc_status(desk) == serving

    served.running.readiness.report("store", "the event store does not answer")
    await asyncio.sleep(0.05)
    status, body = await get(f"{served.http.url}/readyz")
    assert status == 503
    assert json.loads(body)["failing"] == {"store": "the event store does not answer"}
    assert await grpc_status("") == not_serving and await grpc_status(desk) == not_serving
    assert (await get(f"{served.http.url}/healthz"))[0] == 200  # alive, just not ready

    served.running.readiness.report("store", None)
    await asyncio.sleep(0.05)
    assert (await get(f"{served.http.url}/readyz"))[0] == 200
    assert await grpc_status("") == serving and await grpc_status(desk) == serving


async def test_an_unexpected_error_is_internal_with_an_error_id_logged_once(
    served: Hub,
) -> None:
    explode = served.channel.unary_unary("/test.Boom/Explode")
    with structlog.testing.capture_logs() as logs, pytest.raises(grpc.aio.AioRpcError) as error:
        await explode(b"", metadata=META)
    assert error.value.code() == grpc.StatusCode.INTERNAL
    found = re.search(r"internal error ([0-9a-f]{12})", error.value.details() or "")
    assert found, error.value.details()
    assert "secret" not in (error.value.details() or "")
    logged = [entry for entry in logs if entry.get("error_id") == found.group(1)]
    assert len(logged) == 1
    assert logged[0]["log_level"] == "error" and isinstance(logged[0]["exc_info"], RuntimeError)


async def test_a_port_in_use_is_a_clear_error(served: Hub) -> None:
    from hub.web.app import create_http_app

    with pytest.raises(OSError, match=r"cannot listen on 127\.0\.0\.1:\d+ \(HTTP\)"):
        HttpServer(
            create_http_app(health=served.running.readiness), f"127.0.0.1:{served.http.port}"
        )
