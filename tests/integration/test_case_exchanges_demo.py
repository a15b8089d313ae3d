"""The demo's exchanges: simulators as their own processes, a treasury outage in the
middle of the cases, a payment reconciled after a simulated crash; the trail verifies."""

from __future__ import annotations

import random
from pathlib import Path

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application.hub import TabadolHub
from hub.audit.export import read_trail
from hub.bootstrap import connect_clients, create_server
from hub.config import Settings
from hub.demo.exchanges import SimulatorProcesses, run_exchange_demo
from hub.demo.story import DEMO_RECORDS
from hub.testing import dev_env
from hub.trail.keys import PublicKeyRing, init_keys
from hub.trail.verify import verify_trail

FATES = ["rated", "delivered", "rejected", "rated", "cancelled", "rated"]


async def test_the_demo_survives_a_treasury_outage_and_reconciles_a_crashed_payment(
    tmp_path: Path,
) -> None:
    simulators = SimulatorProcesses(tmp_path / "simulators")
    targets = await simulators.start_all()
    assert set(targets) == {
        "identity",
        "civil-registry",
        "deeds-registry",
        "postal-code",
        "treasury",
    }
    assert set(simulators.settings_env()) == {
        "TABADOL_IDENTITY_URL",
        "TABADOL_CIVIL_REGISTRY_URL",
        "TABADOL_DEEDS_REGISTRY_URL",
        "TABADOL_POSTAL_CODE_URL",
        "TABADOL_TREASURY_URL",
    }
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path / "data"),
            "TABADOL_LISTEN": "127.0.0.1:0",
            **dev_env(tmp_path),
        }
    )
    hub = TabadolHub(
        init_keys(settings.signing_key, settings.public_keys), env=settings.eventsourcing_env()
    )
    running = await create_server(hub, settings, clients=connect_clients(targets))
    lines: list[str] = []
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
            for code, spec in DEMO_RECORDS.items():
                await catalogue.RegisterServiceRecord(
                    cat.RegisterServiceRecordRequest(service_code=code, spec=spec),
                    metadata=(("x-tabadol-agency", spec.owner_agency),),
                )
            done = await run_exchange_demo(
                servicedesk_pb2_grpc.ServiceDeskServiceStub(channel),
                DEMO_RECORDS,
                simulators,
                cases=9,
                fates=FATES,
                rng=random.Random(1405),
                outage_cases=3,
                out=lines.append,
            )
    finally:
        await running.stop(grace=0)
        hub.close()
        await simulators.stop_all()

    assert [c.status for c in done].count(desk.CASE_STATUS_DELIVERED) == 6
    assert {c.status for c in done} == {
        desk.CASE_STATUS_DELIVERED,
        desk.CASE_STATUS_REJECTED,
        desk.CASE_STATUS_CANCELLED,
    }
    text = "\n".join(lines)
    # The last three cases: two pay (one is rejected before), and meet the stopped treasury.
    assert text.count("UNAVAILABLE\n    recorded: exchange_failed: treasury CreatePayment") == 2
    # Their agencies differ (MOJ, MIMT): the reconciling agency examines its own case only.
    assert "ReconcilePayments: examined 1, found 1, not yet made 0" in text
    assert text.count(":fee:1) settled, case delivered") == 2
    report = verify_trail(
        read_trail(settings.event_store), PublicKeyRing.load(settings.public_keys)
    )
    assert report.ok, report.problem
