"""Operational records over gRPC: every hub RPC and every outbound exchange, with X-Road's
fields and the tracking code; each agency sees its own; open data late and anonymous."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import grpc
import pytest
from tabadol.monitoring.v1 import monitoring_pb2 as mon
from tabadol.monitoring.v1 import opmon_pb2 as pb
from tabadol.monitoring.v1 import opmon_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from tests.integration.test_case_exchanges import (
    MD,
    Simulators,
    exchange_hub_on,
    inquire_all,
    open_case,
    register,
    simulators,
    verify,
)

__all__ = ["simulators"]  # the fixture, used by name

DESK = "tabadol.servicedesk.v1.ServiceDeskService"


async def records(stub: opmon_pb2_grpc.OperationalMonitoringServiceStub, agency: str, **query: object) -> list[pb.OperationalRecord]:  # fmt: skip
    found: list[pb.OperationalRecord] = []
    token = ""
    while True:
        page = await stub.ListOperationalRecords(
            pb.ListOperationalRecordsRequest(page_token=token, **query),  # type: ignore[arg-type]
            metadata=(("x-tabadol-agency", agency),),
        )
        found.extend(page.records)
        if not page.next_page_token:
            return found
        token = page.next_page_token


async def test_every_call_and_exchange_is_recorded_and_each_agency_sees_its_own(
    tmp_path: Path, simulators: Simulators
) -> None:
    store = f"sqlite:///{tmp_path / 'events.sqlite'}"
    async with exchange_hub_on(store, tmp_path / "data", simulators) as live:
        await register(live)
        code = await open_case(live)
        await verify(live, code)
        await inquire_all(live, code)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await live.desk.GetCase(
                desk.GetCaseRequest(tracking_code="C-0000-0000-0000-0"),
                metadata=(*MD, ("x-request-id", "req-42"), ("x-tabadol-user", "clerk-7")),
            )
        stub = opmon_pb2_grpc.OperationalMonitoringServiceStub(live.channel)
        mine = await records(stub, MD[0][1], page_size=3)

        opened = [r for r in mine if r.service_id == f"{DESK}/OpenCase"]
        assert len(opened) == 1 and opened[0].tracking_code == code and opened[0].succeeded
        first = opened[0]
        assert first.side == pb.OPERATIONAL_SIDE_HUB and first.client_id == MD[0][1]
        assert 0 < first.request_in_ts <= first.request_out_ts <= first.response_in_ts
        assert first.response_in_ts <= first.response_out_ts
        assert first.request_size > 0 and first.response_size > 0 and first.message_id

        outbound = [r for r in mine if r.side == pb.OPERATIONAL_SIDE_OUTBOUND]
        systems = {r.service_id.split("/")[0] for r in outbound}
        assert {"identity", "civil-registry", "deeds-registry", "postal-code"} <= systems
        assert all(r.tracking_code == code and r.succeeded for r in outbound)

        failed = [r for r in mine if r.message_id == "req-42"]
        assert len(failed) == 1 and not failed[0].succeeded
        assert failed[0].fault_code == refused.value.code().name
        assert failed[0].user_id == "clerk-7"
        assert failed[0].fault_string

        assert [r.tracking_code for r in await records(stub, MD[0][1], tracking_code=code)]
        others = await records(stub, "MOI")
        assert all(r.client_id == "MOI" for r in others)
        assert not any(r.tracking_code == code for r in others)

        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await stub.ListOperationalRecords(
                pb.ListOperationalRecordsRequest(page_token="x" * 500), metadata=MD
            )
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        as_csv = await stub.GetOperationalOpenData(
            pb.GetOperationalOpenDataRequest(format=mon.OPEN_DATA_FORMAT_CSV), metadata=MD
        )
        header = next(csv.reader(io.StringIO(as_csv.document.decode())))
        assert header == ["hour_start", "service_id", "succeeded", "requests", "mean_duration_ms"]
        as_json = await stub.GetOperationalOpenData(
            pb.GetOperationalOpenDataRequest(format=mon.OPEN_DATA_FORMAT_JSON), metadata=MD
        )
        document = json.loads(as_json.document)
        assert document["delay_hours"] == 24 and document["rows"] == []  # this hour: not yet
