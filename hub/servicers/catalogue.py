"""CatalogueService: proto ⇄ application for service records."""

from __future__ import annotations

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as pb
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from hub.application.hub import RecordView, TabadolHub
from hub.ledger.executor import Executor
from hub.servicers.auth import current_agency
from hub.servicers.convert import jalali, spec_from_proto, spec_to_proto, timestamp
from hub.servicers.errors import domain_errors_as_status

__all__ = ["CatalogueServicer"]


def record_to_proto(view: RecordView) -> pb.ServiceRecord:
    return pb.ServiceRecord(
        service_code=view.service_code,
        revision=view.revision,
        spec=spec_to_proto(view.spec),
        registered_by=view.registered_by,
        revised_at=timestamp(view.revised_at),
        revised_at_jalali=jalali(view.revised_at),
        revision_reason=view.revision_reason,
    )


class CatalogueServicer(catalogue_pb2_grpc.CatalogueServiceServicer):
    def __init__(self, hub: TabadolHub, executor: Executor) -> None:
        self._hub = hub
        self._run = executor

    @domain_errors_as_status
    async def RegisterServiceRecord(  # noqa: N802 - gRPC method name
        self, request: pb.RegisterServiceRecordRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterServiceRecordResponse:
        spec = spec_from_proto(request.spec)
        view = await self._run.write(
            self._hub.register_service_record, request.service_code, spec, by=current_agency()
        )
        return pb.RegisterServiceRecordResponse(record=record_to_proto(view))

    @domain_errors_as_status
    async def ReviseServiceRecord(  # noqa: N802
        self, request: pb.ReviseServiceRecordRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReviseServiceRecordResponse:
        spec = spec_from_proto(request.spec)
        view = await self._run.write(
            self._hub.revise_service_record,
            request.service_code,
            spec,
            reason=request.reason,
            expected_revision=request.expected_revision,
            by=current_agency(),
        )
        return pb.ReviseServiceRecordResponse(record=record_to_proto(view))

    @domain_errors_as_status
    async def GetServiceRecord(  # noqa: N802
        self, request: pb.GetServiceRecordRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetServiceRecordResponse:
        view = await self._run.read(
            self._hub.get_service_record, request.service_code, request.revision or None
        )
        return pb.GetServiceRecordResponse(record=record_to_proto(view))

    @domain_errors_as_status
    async def ListServiceRecords(  # noqa: N802
        self, request: pb.ListServiceRecordsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListServiceRecordsResponse:
        views = await self._run.read(self._hub.list_service_records, request.owner_agency or None)
        return pb.ListServiceRecordsResponse(records=[record_to_proto(v) for v in views])
