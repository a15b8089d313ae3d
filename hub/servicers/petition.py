"""PetitionService: proto ⇄ participation use cases for requests, complaints, suggestions
and comments on services; routing, forwarding and the desk's overdue list and KPIs."""

from __future__ import annotations

import grpc
from tabadol.participation.v1 import petition_pb2 as pb
from tabadol.participation.v1 import petition_pb2_grpc

from aggregates.errors import NotFound
from aggregates.petition import DEFAULT_ANSWER_DAYS, PetitionKind, Route
from hub.application.hub import TabadolHub
from hub.application.petitions import PetitionDeskView, PetitionView, RoutingView
from hub.ledger.executor import Executor
from hub.servicers.auth import current_agency, current_principal, note_refusal, require_operator
from hub.servicers.convert import enum_from_proto, enum_to_proto, jalali, timestamp
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status
from hub.servicers.scope import may_read_petition

__all__ = [
    "PetitionServicer",
    "desk_to_proto",
    "petition_to_proto",
    "register",
    "routing_to_proto",
]


def petition_to_proto(view: PetitionView) -> pb.Petition:
    answered = view.answered_at
    due = view.answer_due_at
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
        service_code=view.service_code,
        answer_due_at=timestamp(due) if due else None,
        answer_due_at_jalali=jalali(due) if due else "",
        overdue=view.overdue,
        holders=[
            pb.Holder(
                agency=h.agency,
                unit=h.unit,
                since=timestamp(h.since),
                since_jalali=jalali(h.since),
                by_agency=h.by,
                reason=h.reason,
            )
            for h in view.holders
        ],
    )


def _route_to_proto(route: Route) -> pb.Route:
    return pb.Route(agency=route.agency, unit=route.unit, answer_days=route.answer_days)


def _route_from_proto(route: pb.Route) -> Route:
    return Route(route.agency, route.unit, route.answer_days or DEFAULT_ANSWER_DAYS)


def routing_to_proto(view: RoutingView) -> pb.RoutingTable:
    table = pb.RoutingTable(
        default_route=_route_to_proto(view.table.default),
        version=view.version,
        changed_by=view.changed_by,
    )
    for topic, route in view.table.routes.items():
        table.routes[topic].CopyFrom(_route_to_proto(route))
    if view.changed_at is not None:
        table.changed_at.CopyFrom(timestamp(view.changed_at))
    return table


def desk_to_proto(view: PetitionDeskView) -> pb.GetPetitionDeskResponse:
    reply = pb.GetPetitionDeskResponse(at=timestamp(view.at))
    for row in view.overdue:
        assert row.due_at is not None  # overdue rows have a deadline
        reply.overdue.append(
            pb.OverduePetition(
                tracking_code=row.tracking_code,
                kind=enum_to_proto(pb.PetitionKind, "PETITION_KIND_", row.kind),
                topic=row.topic,
                subject=row.subject,
                service_code=row.service_code,
                agency=row.agency,
                unit=row.unit,
                answer_due_at=timestamp(row.due_at),
                answer_due_at_jalali=jalali(row.due_at),
                hours_late=round(row.hours_late(view.at), 1),
                forwards=row.forwards,
            )
        )
    for k in view.kpis:
        reply.kpis.append(
            pb.UnitKpis(
                agency=k.agency,
                unit=k.unit,
                received=k.received,
                answered=k.answered,
                open=k.open,
                overdue=k.overdue,
                forwarded_away=k.forwarded_away,
                answered_on_time_percent=(
                    -1.0 if k.answered_on_time_percent is None else k.answered_on_time_percent
                ),
                median_answer_hours=(
                    -1.0 if k.median_answer_hours is None else k.median_answer_hours
                ),
            )
        )
    for c in view.service_comments:
        reply.service_comments.append(
            pb.ServiceComments(
                service_code=c.service_code,
                agency=c.agency,
                unit=c.unit,
                comments=c.comments,
                answered=c.answered,
                open=c.open,
                overdue=c.overdue,
                topics=dict(c.topics),
                latest_subjects=list(c.latest_subjects),
            )
        )
    return reply


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
            service_code=request.service_code,
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
        pseudonym = None
        if request.identity_token:
            pseudonym = await self._hub.participants.pseudonym_of(request.identity_token)
        view = await self._run.read(self._hub.petitions.get_petition, request.tracking_code)
        if not may_read_petition(current_principal(), view, pseudonym):
            note_refusal("petition out of scope")  # see hub.servicers.scope
            raise NotFound("petition", view.tracking_code)  # as an unknown code answers
        return pb.GetPetitionResponse(petition=petition_to_proto(view))

    @domain_errors_as_status
    async def ForwardPetition(  # noqa: N802
        self, request: pb.ForwardPetitionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ForwardPetitionResponse:
        view = await self._run.write(
            self._hub.petitions.forward_petition,
            request.tracking_code,
            to_agency=request.to_agency,
            to_unit=request.to_unit,
            reason=request.reason,
            by=current_agency(),
        )
        return pb.ForwardPetitionResponse(petition=petition_to_proto(view))

    @domain_errors_as_status
    async def ConfigureRouting(  # noqa: N802
        self, request: pb.ConfigureRoutingRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfigureRoutingResponse:
        operator = await require_operator(context)
        routes = {topic: _route_from_proto(r) for topic, r in request.routes.items()}
        view = await self._run.write(
            self._hub.petitions.configure_petition_routing,
            _route_from_proto(request.default_route),
            routes,
            by=operator.name,
        )
        return pb.ConfigureRoutingResponse(table=routing_to_proto(view))

    @domain_errors_as_status
    async def GetRouting(  # noqa: N802
        self, request: pb.GetRoutingRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRoutingResponse:
        view = await self._run.read(self._hub.petitions.petition_routing)
        return pb.GetRoutingResponse(table=routing_to_proto(view))

    @domain_errors_as_status
    async def GetPetitionDesk(  # noqa: N802
        self, request: pb.GetPetitionDeskRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPetitionDeskResponse:
        agency = request.agency.strip().upper() or current_agency()
        view = await self._run.read(self._hub.petitions.petition_desk, agency)
        return desk_to_proto(view)
