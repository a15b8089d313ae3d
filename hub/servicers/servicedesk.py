"""ServiceDeskService: proto ⇄ application for service cases."""

from __future__ import annotations

import grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as pb
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application import CaseView, TabadolHub
from hub.auth import current_agency
from hub.executor import Executor
from hub.servicers.convert import enum_to_proto, jalali, stage_from_proto, stage_to_proto, timestamp
from hub.servicers.errors import domain_errors_as_status

__all__ = ["ServiceDeskServicer", "case_to_proto"]


def case_to_proto(view: CaseView, *, persian_digits: bool = False) -> pb.Case:
    case = pb.Case(
        tracking_code=view.tracking_code,
        service_code=view.service_code,
        record_revision=view.record_revision,
        agency=view.agency,
        applicant_masked=view.applicant_masked,
        status=enum_to_proto(pb.CaseStatus, "CASE_STATUS_", view.status),
        stage=stage_to_proto(view.stage),
        channel=view.channel,
        timeline=[
            pb.TimelineEntry(
                kind=e.kind,
                stage=stage_to_proto(e.stage),
                step=e.step,
                note=e.note,
                by_agency=e.by,
                at=timestamp(e.at),
                at_jalali=jalali(e.at, persian_digits),
            )
            for e in view.timeline
        ],
    )
    if view.satisfaction is not None:
        score, comment = view.satisfaction
        case.satisfaction.CopyFrom(pb.Satisfaction(score=score, comment=comment))
    return case


class ServiceDeskServicer(servicedesk_pb2_grpc.ServiceDeskServiceServicer):
    def __init__(self, hub: TabadolHub, executor: Executor) -> None:
        self._hub = hub
        self._run = executor

    @domain_errors_as_status
    async def OpenCase(  # noqa: N802 - gRPC method name
        self, request: pb.OpenCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.OpenCaseResponse:
        view = await self._run.write(
            self._hub.open_case,
            request.service_code,
            request.applicant_national_code,
            channel=request.channel,
            by=current_agency(),
        )
        return pb.OpenCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def RecordStep(  # noqa: N802
        self, request: pb.RecordStepRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordStepResponse:
        view = await self._run.write(
            self._hub.record_step,
            request.tracking_code,
            request.step,
            note=request.note,
            by=current_agency(),
        )
        return pb.RecordStepResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def CompleteStage(  # noqa: N802
        self, request: pb.CompleteStageRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteStageResponse:
        stage = stage_from_proto(request.stage)
        view = await self._run.write(
            self._hub.complete_stage, request.tracking_code, stage, by=current_agency()
        )
        return pb.CompleteStageResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def DeliverCase(  # noqa: N802
        self, request: pb.DeliverCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeliverCaseResponse:
        view = await self._run.write(
            self._hub.deliver,
            request.tracking_code,
            in_person=request.in_person,
            note=request.note,
            by=current_agency(),
        )
        return pb.DeliverCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def RejectCase(  # noqa: N802
        self, request: pb.RejectCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.RejectCaseResponse:
        view = await self._run.write(
            self._hub.reject, request.tracking_code, reason=request.reason, by=current_agency()
        )
        return pb.RejectCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def CancelCase(  # noqa: N802
        self, request: pb.CancelCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelCaseResponse:
        view = await self._run.write(
            self._hub.cancel, request.tracking_code, reason=request.reason, by=current_agency()
        )
        return pb.CancelCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def RateSatisfaction(  # noqa: N802
        self, request: pb.RateSatisfactionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RateSatisfactionResponse:
        view = await self._run.write(
            self._hub.rate_satisfaction,
            request.tracking_code,
            score=request.score,
            comment=request.comment,
            by=current_agency(),
        )
        return pb.RateSatisfactionResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def GetCase(  # noqa: N802
        self, request: pb.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCaseResponse:
        view = await self._run.read(self._hub.get_case, request.tracking_code)
        persian = request.digits == pb.DIGITS_PERSIAN
        return pb.GetCaseResponse(case=case_to_proto(view, persian_digits=persian))
