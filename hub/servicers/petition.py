"""PetitionService: proto ⇄ participation use cases for requests, complaints, suggestions."""

from __future__ import annotations

import grpc
from tabadol.participation.v1 import petition_pb2 as pb
from tabadol.participation.v1 import petition_pb2_grpc

from aggregates.petition import PetitionKind
from hub.application.hub import TabadolHub
from hub.application.petitions import PetitionView
from hub.ledger.executor import Executor
from hub.servicers.auth import current_agency
from hub.servicers.convert import enum_from_proto, enum_to_proto, jalali, timestamp
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status

__all__ = ["PetitionServicer", "petition_to_proto", "register"]


def petition_to_proto(view: PetitionView) -> pb.Petition:
    answered = view.answered_at
    return pb.Petition(
        tracking_code=view.tracking_code,
        kind=enum_to_proto(pb.PetitionKind, "PETITION_KIND_", view.kind),
        topic=view.topic,
        subject=view.subject,
        body=view.body,
        routed_agency=view.routed_agency,
        routed_unit=view.routed_unit,
        status=enum_to_proto(pb.PetitionStatus, "PETITION_STATUS_", view.status),
        submitted_at=timestamp(view.submitted_at),
        submitted_at_jalali=jalali(view.submitted_at),
        answer=view.answer,
        answered_by_agency=view.answered_by,
        answered_at=timestamp(answered) if answered else None,
        answered_at_jalali=jalali(answered) if answered else "",
        identified=view.identified,
    )


def register(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: PetitionService."""
    petition_pb2_grpc.add_PetitionServiceServicer_to_server(
        PetitionServicer(edge.hub, edge.executor), server
    )
    return str(pb.DESCRIPTOR.services_by_name["PetitionService"].full_name)


class PetitionServicer(petition_pb2_grpc.PetitionServiceServicer):
    def __init__(self, hub: TabadolHub, executor: Executor) -> None:
        self._hub = hub
        self._run = executor

    @domain_errors_as_status
    async def SubmitPetition(  # noqa: N802 - gRPC method name
        self, request: pb.SubmitPetitionRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitPetitionResponse:
        kind = enum_from_proto(
            PetitionKind, pb.PetitionKind, "PETITION_KIND_", request.kind, "kind"
        )
        participant = await self._hub.participants.optional_pseudonym_of(request.identity_token)
        view = await self._run.write(
            self._hub.petitions.submit_petition,
            participant=participant,
            kind=kind,
            topic=request.topic,
            subject=request.subject,
            body=request.body,
            by=current_agency(),
        )
        return pb.SubmitPetitionResponse(petition=petition_to_proto(view))

    @domain_errors_as_status
    async def AnswerPetition(  # noqa: N802
        self, request: pb.AnswerPetitionRequest, context: grpc.aio.ServicerContext
    ) -> pb.AnswerPetitionResponse:
        view = await self._run.write(
            self._hub.petitions.answer_petition,
            request.tracking_code,
            answer=request.answer,
            by=current_agency(),
        )
        return pb.AnswerPetitionResponse(petition=petition_to_proto(view))

    @domain_errors_as_status
    async def GetPetition(  # noqa: N802
        self, request: pb.GetPetitionRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPetitionResponse:
        view = await self._run.read(self._hub.petitions.get_petition, request.tracking_code)
        return pb.GetPetitionResponse(petition=petition_to_proto(view))
