"""kill -9 of a hub under load, with group commit on: no acknowledged event is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application.hub import TabadolHub
from hub.audit.export import read_trail
from hub.config import store_env
from hub.testing import dev_env
from hub.trail.keys import PublicKeyRing, load_signer
from hub.trail.verify import verify_trail
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

MD = (("x-tabadol-agency", AGENCY),)
STEP = "ثبت درخواست"
IN_FLIGHT = 16


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_serving(channel: grpc.aio.Channel, hub: subprocess.Popen[bytes]) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert hub.poll() is None, "the hub exited during start-up"
        try:
            reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.aio.AioRpcError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the hub did not start serving")


async def test_kill_9_under_load_loses_no_acknowledged_event(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TABADOL_DATA_DIR": str(tmp_path),
        "TABADOL_LISTEN": f"127.0.0.1:{_free_port()}",
        **dev_env(tmp_path),
    }
    subprocess.run([sys.executable, "-m", "hub.cli", "keys", "init"], env=env, check=True)
    hub = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acknowledged: dict[str, int] = {}  # tracking code -> timeline entries acknowledged
    try:
        async with grpc.aio.insecure_channel(env["TABADOL_LISTEN"]) as channel:
            await _wait_serving(channel, hub)
            await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
                metadata=MD,
            )
            service_desk = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)

            async def agency(worker: int) -> None:
                serial = worker * 10_000
                while True:
                    serial += 1
                    opened = await service_desk.OpenCase(
                        desk.OpenCaseRequest(
                            service_code=SERVICE_CODE,
                            applicant_national_code=applicant(serial),
                            postal_code="1316943891",
                            channel="web",
                        ),
                        metadata=MD,
                    )
                    code = opened.case.tracking_code
                    acknowledged[code] = 1
                    await service_desk.RecordStep(
                        desk.RecordStepRequest(tracking_code=code, step=STEP), metadata=MD
                    )
                    acknowledged[code] = 2

            workers = [asyncio.ensure_future(agency(w)) for w in range(1, IN_FLIGHT + 1)]
            await asyncio.sleep(2.0)
            os.kill(hub.pid, signal.SIGKILL)  # mid-flight: some calls get no answer
            hub.wait(timeout=10)
            results = await asyncio.gather(*workers, return_exceptions=True)
    finally:
        if hub.poll() is None:
            hub.kill()
            hub.wait()
    assert all(isinstance(r, grpc.aio.AioRpcError) for r in results)
    assert len(acknowledged) >= 20, "the load was too light to mean anything"

    store = f"sqlite:///{tmp_path / 'events.sqlite'}"
    keys = tmp_path / "keys"
    signer = load_signer(keys / "hub-signing.pem")
    reopened = TabadolHub(signer, env=store_env(store))
    try:
        for code, entries in acknowledged.items():
            assert len(reopened.cases.get_case(code).timeline) >= entries, code
    finally:
        reopened.close()
    report = verify_trail(read_trail(store), PublicKeyRing.load(keys / "public-keys.json"))
    assert report.ok, report.problem
    assert report.signatures < report.events  # group commit was on: batches shared one
