"""OperationalMonitoringService: the operational records (X-Road opmon), each agency its own."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime

import grpc
from tabadol.monitoring.v1 import monitoring_pb2 as mon
from tabadol.monitoring.v1 import opmon_pb2 as pb
from tabadol.monitoring.v1 import opmon_pb2_grpc

from aggregates.errors import InvalidInput
from hub.servicers.auth import current_agency
from hub.servicers.edge import Edge, Registrar
from hub.servicers.errors import domain_errors_as_status
from hub.telemetry.opmon import OpenDataRow, OpmonStore, OpRecord

__all__ = ["OperationalMonitoringServicer", "opmon_registrar"]

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["OperationalMonitoringService"].full_name
_SIDES = {"hub": pb.OPERATIONAL_SIDE_HUB, "outbound": pb.OPERATIONAL_SIDE_OUTBOUND}
_COLUMNS = ("hour_start", "service_id", "succeeded", "requests", "mean_duration_ms")


def _to_proto(record: OpRecord) -> pb.OperationalRecord:
    return pb.OperationalRecord(
        side=_SIDES.get(record.side, pb.OPERATIONAL_SIDE_UNSPECIFIED),
        client_id=record.client_id,
        service_id=record.service_id,
        request_in_ts=record.request_in_ts,
        request_out_ts=record.request_out_ts,
        response_in_ts=record.response_in_ts,
        response_out_ts=record.response_out_ts,
        succeeded=record.succeeded,
        message_id=record.message_id,
        user_id=record.user_id,
        request_size=record.request_size,
        response_size=record.response_size,
        fault_code=record.fault_code,
        fault_string=record.fault_string,
        tracking_code=record.tracking_code,
    )


def _page_token(text: str) -> int:
    if not text:
        return 0
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput.field("page_token", "not a page token this service gave")
    return int(text)


def _row(row: OpenDataRow) -> dict[str, object]:
    hour = datetime.fromtimestamp(row.hour_start_ms / 1000, tz=UTC).isoformat()
    return {
        "hour_start": hour.replace("+00:00", "Z"),
        "service_id": row.service_id,
        "succeeded": row.succeeded,
        "requests": row.requests,
        "mean_duration_ms": row.mean_duration_ms,
    }


class OperationalMonitoringServicer(opmon_pb2_grpc.OperationalMonitoringServiceServicer):
    def __init__(self, store: OpmonStore, *, delay_hours: float) -> None:
        self._store = store
        self._delay_hours = delay_hours

    @domain_errors_as_status
    async def ListOperationalRecords(  # noqa: N802 - gRPC method name
        self, request: pb.ListOperationalRecordsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListOperationalRecordsResponse:
        if not 0 <= request.page_size <= 500:
            raise InvalidInput.field("page_size", "must be between 1 and 500 (0 for 100)")
        if request.since_ms < 0 or request.until_ms < 0:
            raise InvalidInput.field("since_ms", "times are milliseconds since 1970, not negative")
        after = _page_token(request.page_token)
        # the records live apart from the event store: read them even while it is down
        await asyncio.to_thread(self._store.flush)  # what this process holds, visible now
        records, more = await asyncio.to_thread(
            self._store.page,
            current_agency(),  # an agency sees its own records, never another's
            after=after,
            limit=request.page_size or 100,
            since_ms=request.since_ms,
            until_ms=request.until_ms or None,
            service_id=request.service_id[:200],
            tracking_code=request.tracking_code[:100],
        )
        return pb.ListOperationalRecordsResponse(
            records=[_to_proto(r) for r in records], next_page_token=str(more) if more else ""
        )

    @domain_errors_as_status
    async def GetOperationalOpenData(  # noqa: N802
        self, request: pb.GetOperationalOpenDataRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetOperationalOpenDataResponse:
        rows = [
            _row(r)
            for r in await asyncio.to_thread(self._store.open_data, delay_hours=self._delay_hours)
        ]
        if request.format == mon.OPEN_DATA_FORMAT_JSON:
            document = {"dataset": "operational", "delay_hours": self._delay_hours, "rows": rows}
            return pb.GetOperationalOpenDataResponse(
                content_type="application/json",
                document=json.dumps(document, ensure_ascii=False).encode(),
            )
        if request.format != mon.OPEN_DATA_FORMAT_CSV:
            raise InvalidInput.field("format", "choose OPEN_DATA_FORMAT_CSV or _JSON")
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return pb.GetOperationalOpenDataResponse(
            content_type="text/csv; charset=utf-8", document=out.getvalue().encode()
        )


def opmon_registrar(store: OpmonStore, *, delay_hours: float) -> Registrar:
    """A :data:`~hub.servicers.edge.Registrar` for OperationalMonitoringService on ``store``."""

    def register(server: grpc.aio.Server, edge: Edge) -> str:
        opmon_pb2_grpc.add_OperationalMonitoringServiceServicer_to_server(
            OperationalMonitoringServicer(store, delay_hours=delay_hours), server
        )
        return SERVICE_NAME

    return register
