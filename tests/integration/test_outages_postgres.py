"""Outages of PostgreSQL, on a private server this test starts (never the shared one):
stopped → UNAVAILABLE with RetryInfo within the bound, NOT_SERVING, then recovery;
restarted under load → the hub keeps serving, its projections ride it out, nothing is lost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application.hub import TabadolHub
from hub.bootstrap import (
    Running,
    build_hub,
    create_server,
    projection_options,
    start_http,
    supervise_embedded,
)
from hub.config import Settings
from hub.streams.projector import EmbeddedProjections
from hub.testing import dev_env
from hub.trail.keys import init_keys
from tests.integration.test_http_port import get
from tests.pg_server import PrivatePostgres
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

META = (("x-tabadol-agency", AGENCY),)
BOUND = 2.0


@dataclass
class Hub:
    pg: PrivatePostgres
    app: TabadolHub
    running: Running
    embedded: EmbeddedProjections
    channel: grpc.aio.Channel
    url: str

    @property
    def desk(self) -> servicedesk_pb2_grpc.ServiceDeskServiceStub:
        return servicedesk_pb2_grpc.ServiceDeskServiceStub(self.channel)

    async def open_case(self, serial: int, timeout: float = 10) -> str:
        reply = await self.desk.OpenCase(
            desk.OpenCaseRequest(
                service_code=SERVICE_CODE,
                applicant_national_code=applicant(1_000_000 + serial),
                postal_code="1316943891",
                channel="web",
            ),
            metadata=META,
            timeout=timeout,
        )
        return str(reply.case.tracking_code)

    async def health(self) -> int:
        stub = health_pb2_grpc.HealthStub(self.channel)
        return int((await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)).status)


@pytest.fixture
async def on_private_postgres(tmp_path: Path) -> AsyncIterator[Hub]:
    pg = PrivatePostgres()
    pg.start()
    try:
        settings = Settings.from_env(
            {
                "TABADOL_DATA_DIR": str(tmp_path),
                "TABADOL_LISTEN": "127.0.0.1:0",
                "TABADOL_EVENT_STORE": pg.create_database("hub"),
                "TABADOL_STORE_TIMEOUT": str(BOUND),
                # these tests are about outages: the writers and the read-back of every
                # acknowledged case run faster than one agency's rate limit allows
                "TABADOL_RATE_LIMIT": "100000",
                "TABADOL_RATE_BURST": "100000",
                **dev_env(tmp_path),
            }
        )
        init_keys(settings.signing_key, settings.public_keys)
        hub = build_hub(settings)
        embedded = EmbeddedProjections(settings, projection_options(settings))
        views = embedded.start()
        running = await create_server(hub, settings, views=views)
        supervise_embedded(running, embedded, settings)
        http = await start_http(running, settings, address="127.0.0.1:0")
        assert http is not None
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
        await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
            metadata=META,
        )
        try:
            yield Hub(pg, hub, running, embedded, channel, http.url)
        finally:
            if pg.pid() is None:
                pg.start()
            await channel.close()
            await running.stop(grace=1)
            embedded.close()
            hub.close()
    finally:
        pg.remove()


async def eventually(check: object, seconds: float, what: str) -> float:
    started = time.monotonic()
    while True:
        try:
            if await check():  # type: ignore[operator]
                return time.monotonic() - started
        except grpc.aio.AioRpcError:
            pass
        assert time.monotonic() - started < seconds, f"{what} within {seconds} s"
        await asyncio.sleep(0.1)


@pytest.mark.timeout(90)
async def test_postgres_stopped_answers_unavailable_in_time_then_recovers(
    on_private_postgres: Hub,
) -> None:
    hub = on_private_postgres
    first = await hub.open_case(1)
    serving = health_pb2.HealthCheckResponse.SERVING

    await asyncio.to_thread(hub.pg.stop)
    for serial in (2, 3, 4):  # the first finds the store gone, the others are refused at once
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await hub.open_case(serial, timeout=30)
        took = time.monotonic() - started
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE, error.value
        assert took <= BOUND + 0.5, f"UNAVAILABLE took {took:.2f} s"
        status = rpc_status.from_call(error.value)
        assert status is not None
        retry = error_details_pb2.RetryInfo()
        assert any(d.Unpack(retry) for d in status.details)
    with pytest.raises(grpc.aio.AioRpcError) as read:
        await hub.desk.GetCase(desk.GetCaseRequest(tracking_code=first), metadata=META, timeout=30)
    assert read.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await hub.health() == health_pb2.HealthCheckResponse.NOT_SERVING
    status, body = await get(f"{hub.url}/readyz")
    assert status == 503 and '"store"' in body

    await asyncio.to_thread(hub.pg.start)
    await eventually(lambda: _is(hub.health(), serving), 15, "SERVING again")
    assert (await get(f"{hub.url}/readyz"))[0] == 200
    second = await hub.open_case(5)
    await hub.desk.GetCase(desk.GetCaseRequest(tracking_code=second), metadata=META)
    position = await asyncio.to_thread(hub.app.recorder.max_notification_id)
    await asyncio.to_thread(_views_reach, hub.embedded, position or 0)
    assert hub.embedded.failure() is None


async def _is(value: object, expected: object) -> bool:
    return (await value) == expected  # type: ignore[misc]


def _views_reach(embedded: EmbeddedProjections, position: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            embedded.wait(position, timeout=1)
            return
        except (TimeoutError, RuntimeError):
            assert time.monotonic() < deadline, embedded.failure()


@pytest.mark.timeout(120)
async def test_a_postgres_restart_under_load_loses_nothing(on_private_postgres: Hub) -> None:
    hub = on_private_postgres
    acked: list[str] = []
    refused = 0
    stop = asyncio.Event()

    async def client(worker: int) -> None:
        nonlocal refused
        serial = worker * 10_000
        while not stop.is_set():
            serial += 1
            try:
                acked.append(await hub.open_case(serial, timeout=10))
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.UNAVAILABLE, error
                refused += 1
                await asyncio.sleep(0.05)

    clients = [asyncio.create_task(client(w)) for w in range(4)]
    await asyncio.sleep(1.0)
    before = len(acked)
    down = await asyncio.to_thread(hub.pg.restart)
    await asyncio.sleep(3.0)
    stop.set()
    await asyncio.gather(*clients)
    assert before > 0 and len(acked) > before, "the hub kept serving after the restart"
    for code in acked:  # every acknowledged case is there
        await hub.desk.GetCase(desk.GetCaseRequest(tracking_code=code), metadata=META)
    position = await asyncio.to_thread(hub.app.recorder.max_notification_id)
    await asyncio.to_thread(_views_reach, hub.embedded, position or 0)  # rode it out
    assert await hub.health() == health_pb2.HealthCheckResponse.SERVING
    print(f"restart: down {down:.2f} s, acked {len(acked)}, UNAVAILABLE {refused}")
