"""kill -9 of a hub under load, with group commit on, on SQLite and on a private PostgreSQL
server: no acknowledged event is lost and the trail verifies."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application.hub import TabadolHub
from hub.audit.export import read_trail
from hub.config import store_env
from hub.trail.keys import PublicKeyRing, load_signer
from hub.trail.verify import verify_trail
from tests.hubs import shared_keys, spawn_serve
from tests.pg_server import private_postgres
from tests.samples import AGENCY, SERVICE_CODE, open_case_request, spec_proto

MD = (("x-tabadol-agency", AGENCY),)
STEP = "ثبت درخواست"
IN_FLIGHT = 16


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The hub's event store: an SQLite file, or a database of a private PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite'}"
        return
    with private_postgres() as pg:
        yield pg.create_database("hub")


@pytest.mark.timeout(90)
async def test_kill_9_under_load_loses_no_acknowledged_event(tmp_path: Path, store: str) -> None:
    keys = shared_keys(tmp_path)
    hub = spawn_serve(tmp_path / "hub", {**keys, "TABADOL_EVENT_STORE": store})
    acknowledged: dict[str, int] = {}  # tracking code -> timeline entries acknowledged
    try:
        await hub.wait_serving()
        async with grpc.aio.insecure_channel(hub.target) as channel:
            await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
                metadata=MD,
            )
            service_desk = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)

            async def agency(worker: int) -> None:
                serial = worker * 10_000
                while True:
                    serial += 1
                    opened = await service_desk.OpenCase(open_case_request(serial), metadata=MD)
                    code = opened.case.tracking_code
                    acknowledged[code] = 1
                    await service_desk.RecordStep(
                        desk.RecordStepRequest(tracking_code=code, step=STEP), metadata=MD
                    )
                    acknowledged[code] = 2

            workers = [asyncio.ensure_future(agency(w)) for w in range(1, IN_FLIGHT + 1)]
            await asyncio.sleep(2.0)
            hub.kill()  # mid-flight: some calls get no answer
            results = await asyncio.gather(*workers, return_exceptions=True)
    finally:
        hub.stop()
    assert all(isinstance(r, grpc.aio.AioRpcError) for r in results)
    assert len(acknowledged) >= 20, "the load was too light to mean anything"

    signer = load_signer(Path(keys["TABADOL_SIGNING_KEY"]))
    reopened = TabadolHub(signer, env=store_env(store))
    try:
        for code, entries in acknowledged.items():
            assert len(reopened.cases.get_case(code).timeline) >= entries, code
    finally:
        reopened.close()
    report = verify_trail(read_trail(store), PublicKeyRing.load(Path(keys["TABADOL_PUBLIC_KEYS"])))
    assert report.ok, report.problem
    assert report.signatures < report.events  # group commit was on: batches shared one
