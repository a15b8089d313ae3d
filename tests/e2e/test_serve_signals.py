"""``tabadol serve`` stopped by SIGTERM: in-flight work finishes, a last checkpoint is
signed over everything written, the exit is 0 — and /metrics answered while it ran."""

from __future__ import annotations

from pathlib import Path

import grpc
from tabadol.audit.v1 import audit_pb2, audit_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from tests.hubs import shared_keys, spawn_serve
from tests.samples import AGENCY, SERVICE_CODE, spec_proto

META = (("x-tabadol-agency", AGENCY),)


async def test_sigterm_signs_a_last_checkpoint_and_exits_zero(tmp_path: Path) -> None:
    hub = spawn_serve(
        tmp_path / "hub",
        {**shared_keys(tmp_path), "TABADOL_CHECKPOINT_SECONDS": "3600"},  # only the last one
    )
    try:
        await hub.wait_serving()
        async with grpc.aio.insecure_channel(hub.target) as channel:
            await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
                metadata=META,
                timeout=30,
            )
            audit = audit_pb2_grpc.AuditServiceStub(channel)
            try:
                latest = await audit.GetLatestCheckpoint(
                    audit_pb2.GetLatestCheckpointRequest(), metadata=META, timeout=30
                )
                before = latest.checkpoint.tree_size
            except grpc.aio.AioRpcError as error:  # none signed yet
                assert error.code() == grpc.StatusCode.NOT_FOUND
                before = 0
        handled = await hub.metric("tabadol_rpc_handled_total", method="RegisterServiceRecord")
        assert handled == 1
        assert hub.terminate(60) == 0
    finally:
        hub.stop()
    log = hub.log.read_text(encoding="utf-8")
    assert "Traceback" not in log
    signed = [e for e in hub.events() if e.get("event") == "checkpoint signed"]
    assert signed, log
    assert int(str(signed[-1]["size"])) >= 1 and int(str(signed[-1]["size"])) > before
