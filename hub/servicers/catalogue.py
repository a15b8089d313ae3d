"""CatalogueService and PermitRegistryService: proto ⇄ application for service records
and permit kinds. Reading either is public (no agency needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as pb
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from aggregates.permit import PermitKindSpec, PermitProcedure
from aggregates.service_record import review_due
from hub.application.catalogue import RecordView
from hub.application.hub import TabadolHub
from hub.application.programme import PermitView
from hub.ledger.executor import Executor
from hub.servicers.auth import current_agency
from hub.servicers.convert import (
    enum_to_proto,
    jalali,
    maturity_to_proto,
    spec_from_proto,
    spec_to_proto,
    timestamp,
)
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status
from projections.programme_reports import CatalogueLine

__all__ = [
    "CatalogueServicer",
    "PermitRegistryServicer",
    "record_to_proto",
    "register",
    "register_permits",
]


def record_to_proto(view: RecordView, now: datetime | None = None) -> pb.ServiceRecord:
    due = review_due(view.revised_at)
    return pb.ServiceRecord(
        service_code=view.service_code,
        revision=view.revision,
        spec=spec_to_proto(view.spec),
        registered_by=view.registered_by,
        revised_at=timestamp(view.revised_at),
        revised_at_jalali=jalali(view.revised_at),
        revision_reason=view.revision_reason,
        maturity=maturity_to_proto(view.spec.maturity),
        stale=(now or datetime.now(UTC)) >= due,
        review_due=timestamp(due),
        review_due_jalali=jalali(due),
    )


def _line_to_proto(line: CatalogueLine) -> pb.CatalogueEntry:
    entry = pb.CatalogueEntry(
        service_code=line.service_code,
        title_fa=line.title_fa,
        title_en=line.title_en,
        owner_agency=line.owner_agency,
        maturity=enum_to_proto(pb.Maturity, "MATURITY_", line.level),
        revision=line.revision,
        revised_at_jalali=line.revised_at,
        stale=line.stale,
    )
    if not line.electronic:
        entry.non_electronic.CopyFrom(
            pb.NonElectronicPlan(
                electronic_by=line.electronic_by,
                reasons=line.reasons,
                deputy_approval=line.deputy_approval,
            )
        )
    return entry


def register(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: CatalogueService."""
    catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server(
        CatalogueServicer(edge.hub, edge.executor), server
    )
    return str(pb.DESCRIPTOR.services_by_name["CatalogueService"].full_name)


def register_permits(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: PermitRegistryService (004 art. 5)."""
    catalogue_pb2_grpc.add_PermitRegistryServiceServicer_to_server(
        PermitRegistryServicer(edge.hub, edge.executor), server
    )
    return str(pb.DESCRIPTOR.services_by_name["PermitRegistryService"].full_name)


class CatalogueServicer(catalogue_pb2_grpc.CatalogueServiceServicer):
    def __init__(self, hub: TabadolHub, executor: Executor) -> None:
        self._hub = hub
        self._run = executor
        self._public = hub.programme

    def _now(self) -> datetime:
        return self._hub.clock()

    @domain_errors_as_status
    async def RegisterServiceRecord(  # noqa: N802 - gRPC method name
        self, request: pb.RegisterServiceRecordRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterServiceRecordResponse:
        spec = spec_from_proto(request.spec)
        view = await self._run.write(
            self._hub.catalogue.register_service_record,
            request.service_code,
            spec,
            by=current_agency(),
        )
        return pb.RegisterServiceRecordResponse(record=record_to_proto(view, self._now()))

    @domain_errors_as_status
    async def ReviseServiceRecord(  # noqa: N802
        self, request: pb.ReviseServiceRecordRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReviseServiceRecordResponse:
        spec = spec_from_proto(request.spec)
        view = await self._run.write(
            self._hub.catalogue.revise_service_record,
            request.service_code,
            spec,
            reason=request.reason,
            expected_revision=request.expected_revision,
            by=current_agency(),
        )
        return pb.ReviseServiceRecordResponse(record=record_to_proto(view, self._now()))

    @domain_errors_as_status
    async def GetServiceRecord(  # noqa: N802
        self, request: pb.GetServiceRecordRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetServiceRecordResponse:
        view = await self._run.read(
            self._hub.catalogue.get_service_record, request.service_code, request.revision or None
        )
        return pb.GetServiceRecordResponse(record=record_to_proto(view, self._now()))

    @domain_errors_as_status
    async def ListServiceRecords(  # noqa: N802
        self, request: pb.ListServiceRecordsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListServiceRecordsResponse:
        views = await self._run.read(
            self._hub.catalogue.list_service_records, request.owner_agency or None
        )
        now = self._now()
        return pb.ListServiceRecordsResponse(records=[record_to_proto(v, now) for v in views])

    @domain_errors_as_status
    async def ListCatalogue(  # noqa: N802
        self, request: pb.ListCatalogueRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCatalogueResponse:
        lines = await self._run.read(self._public.catalogue, request.owner_agency or None)
        return pb.ListCatalogueResponse(
            electronic=[_line_to_proto(x) for x in lines if x.electronic],
            non_electronic=[_line_to_proto(x) for x in lines if not x.electronic],
            stale=sum(1 for x in lines if x.stale),
        )


def _procedure_from_proto(p: pb.PermitProcedure) -> PermitProcedure:
    return PermitProcedure(tuple(p.process), p.cost_rials, p.time_days)


def _procedure_to_proto(p: PermitProcedure | None) -> pb.PermitProcedure | None:
    if p is None:
        return None
    return pb.PermitProcedure(
        process=list(p.process), cost_rials=p.cost_rials, time_days=p.time_days
    )


def permit_spec_from_proto(spec: pb.PermitKindSpec) -> PermitKindSpec:
    return PermitKindSpec(
        title_fa=spec.title_fa,
        title_en=spec.title_en,
        issuer=spec.issuer,
        legal_basis=spec.legal_basis,
        validity_months=spec.validity_months,
        issue=_procedure_from_proto(spec.issue),
        renewal=_procedure_from_proto(spec.renewal) if spec.HasField("renewal") else None,
        cancellation=_procedure_from_proto(spec.cancellation),
        reinstatement=_procedure_from_proto(spec.reinstatement)
        if spec.HasField("reinstatement")
        else None,
    )


def permit_to_proto(view: PermitView) -> pb.PermitKind:
    s = view.spec
    return pb.PermitKind(
        code=view.code,
        revision=view.revision,
        revised_at_jalali=jalali(view.revised_at),
        spec=pb.PermitKindSpec(
            title_fa=s.title_fa,
            title_en=s.title_en,
            issuer=s.issuer,
            legal_basis=s.legal_basis,
            validity_months=s.validity_months,
            issue=_procedure_to_proto(s.issue),
            renewal=_procedure_to_proto(s.renewal),
            cancellation=_procedure_to_proto(s.cancellation),
            reinstatement=_procedure_to_proto(s.reinstatement),
        ),
    )


class PermitRegistryServicer(catalogue_pb2_grpc.PermitRegistryServiceServicer):
    """The permits database (004 art. 5 n); reads are public."""

    def __init__(self, hub: TabadolHub, executor: Executor) -> None:
        self._use = hub.programme
        self._run = executor

    @domain_errors_as_status
    async def DefinePermitKind(  # noqa: N802
        self, request: pb.DefinePermitKindRequest, context: grpc.aio.ServicerContext
    ) -> pb.DefinePermitKindResponse:
        view = await self._run.write(
            self._use.define_permit_kind,
            request.code,
            permit_spec_from_proto(request.spec),
            reason=request.reason,
            by=current_agency(),
        )
        return pb.DefinePermitKindResponse(permit=permit_to_proto(view))

    @domain_errors_as_status
    async def GetPermitKind(  # noqa: N802
        self, request: pb.GetPermitKindRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPermitKindResponse:
        view = await self._run.read(self._use.get_permit_kind, request.code)
        return pb.GetPermitKindResponse(permit=permit_to_proto(view))

    @domain_errors_as_status
    async def ListPermitKinds(  # noqa: N802
        self, request: pb.ListPermitKindsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPermitKindsResponse:
        views = await self._run.read(self._use.list_permit_kinds, request.issuer or None)
        return pb.ListPermitKindsResponse(permits=[permit_to_proto(v) for v in views])
