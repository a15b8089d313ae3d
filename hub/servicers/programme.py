"""ProgrammeService: proto ⇄ the programme use cases and the reports (002 art. 6-9;
004 preamble, art. 18-19). Reads are public; submitting and reporting are the agency's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.programme.v1 import programme_pb2 as pb
from tabadol.programme.v1 import programme_pb2_grpc

from aggregates.errors import InvalidInput
from aggregates.programme import PriorityAxis, ProgrammeItem, ProgressEntry, ProgressStatus
from hub.application.hub import TabadolHub
from hub.application.programme import ProgrammeView
from hub.ledger.executor import Executor
from hub.servicers.auth import current_agency
from hub.servicers.convert import enum_from_proto, enum_to_proto, maturity_to_proto
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status
from projections.agency_kpis import AgencyKpisView, ServiceQuality
from projections.programme_reports import LateAgency, jalali_month_fa, markdown

__all__ = ["SERVICE_NAME", "ProgrammeServicer", "register"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ProgrammeService"].full_name

_KINDS = {
    pb.REPORT_KIND_QUARTERLY: "quarterly",
    pb.REPORT_KIND_FOUR_MONTHLY: "four_monthly",
    pb.REPORT_KIND_ANNUAL: "annual",
    pb.REPORT_KIND_SEMIANNUAL: "semiannual",
}


def _na(value: float | None) -> float:
    return -1.0 if value is None else float(value)


def items_from_proto(items: Iterable[Any]) -> list[ProgrammeItem]:
    result = []
    for i, item in enumerate(items):
        axes = tuple(
            enum_from_proto(
                PriorityAxis, pb.PriorityAxis, "PRIORITY_AXIS_", a, f"items[{i}].axes[{j}]"
            )
            for j, a in enumerate(item.axes)
        )
        result.append(
            ProgrammeItem(
                service_code=item.service_code,
                priority=item.priority,
                axes=axes,
                depends_on=tuple(item.depends_on),
                due_month=item.due_month or 12,
            )
        )
    return result


def entries_from_proto(entries: Iterable[Any]) -> list[ProgressEntry]:
    return [
        ProgressEntry(
            service_code=e.service_code,
            status=enum_from_proto(
                ProgressStatus,
                pb.ProgressStatus,
                "PROGRESS_STATUS_",
                e.status,
                f"entries[{i}].status",
            ),
            percent=e.percent,
            note=e.note,
        )
        for i, e in enumerate(entries)
    ]


def programme_to_proto(view: ProgrammeView) -> pb.Programme:
    return pb.Programme(
        agency=view.agency,
        year=view.year,
        services_total=view.services_total,
        minimum_items=view.minimum_items,
        items=[
            pb.ProgrammeItem(
                service_code=i.service_code,
                priority=i.priority,
                axes=[enum_to_proto(pb.PriorityAxis, "PRIORITY_AXIS_", a) for a in i.axes],
                depends_on=list(i.depends_on),
                due_month=i.due_month,
                maturity=maturity_to_proto(m) if (m := view.maturity.get(i.service_code)) else 0,
            )
            for i in view.items
        ],
        reports=[
            pb.MonthlyProgress(
                month=month,
                month_fa=jalali_month_fa(view.year, month),
                entries=[
                    pb.ProgressEntry(
                        service_code=e.service_code,
                        status=enum_to_proto(pb.ProgressStatus, "PROGRESS_STATUS_", e.status),
                        percent=e.percent,
                        note=e.note,
                    )
                    for e in entries
                ],
            )
            for month, entries in sorted(view.reports.items())
        ],
    )


def _late_to_proto(late: LateAgency) -> pb.LateAgency:
    return pb.LateAgency(agency=late.agency, reasons=list(late.reasons))


def quality_to_proto(q: ServiceQuality) -> pb.ServiceQuality:
    return pb.ServiceQuality(
        agency=q.agency,
        service_code=q.service_code,
        delivered=q.delivered,
        measures=[cat.QualityMeasure.Value("QUALITY_MEASURE_" + m.upper()) for m in q.measures],
        share_on_time=_na(q.share_on_time),
        median_over_limit=_na(q.median_over_limit),
        share_reworked=_na(q.share_reworked),
        share_in_person=_na(q.share_in_person),
        response_rate=_na(q.response_rate),
        mean_answers=dict(q.mean_answers),
    )


class ProgrammeServicer(programme_pb2_grpc.ProgrammeServiceServicer):
    def __init__(self, hub: TabadolHub, executor: Executor, kpis: AgencyKpisView | None) -> None:
        self._use = hub.programme
        self._run = executor
        self._kpis = kpis

    @domain_errors_as_status
    async def SubmitProgramme(  # noqa: N802
        self, request: pb.SubmitProgrammeRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitProgrammeResponse:
        items = items_from_proto(request.items)
        view = await self._run.write(
            self._use.submit_programme, request.year, items, by=current_agency()
        )
        return pb.SubmitProgrammeResponse(programme=programme_to_proto(view))

    @domain_errors_as_status
    async def ReportProgress(  # noqa: N802
        self, request: pb.ReportProgressRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReportProgressResponse:
        entries = entries_from_proto(request.entries)
        view = await self._run.write(
            self._use.report_progress, request.year, request.month, entries, by=current_agency()
        )
        return pb.ReportProgressResponse(programme=programme_to_proto(view))

    @domain_errors_as_status
    async def GetProgramme(  # noqa: N802
        self, request: pb.GetProgrammeRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetProgrammeResponse:
        view = await self._run.read(self._use.get_programme, request.agency, request.year)
        return pb.GetProgrammeResponse(programme=programme_to_proto(view))

    @domain_errors_as_status
    async def GetReport(  # noqa: N802
        self, request: pb.GetReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetReportResponse:
        kind = _KINDS.get(request.kind)
        if kind is None:
            raise InvalidInput.field(
                "kind", "must be set: quarterly, four_monthly, semiannual or annual"
            )
        report = await self._run.read(
            self._use.report, kind, request.year, request.period, self._kpis
        )
        return pb.GetReportResponse(
            title=f"{report.title_fa} / {report.title_en}",
            period_jalali=report.period_jalali,
            json=report.to_json(),
            markdown=markdown(report),
            late_agencies=[_late_to_proto(x) for x in report.late],
            ranking=[
                pb.AgencyRank(rank=r.rank, agency=r.agency, score=r.score) for r in report.ranking
            ],
        )

    @domain_errors_as_status
    async def ListLateAgencies(  # noqa: N802
        self, request: pb.ListLateAgenciesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLateAgenciesResponse:
        late = await self._run.read(self._use.late_agencies)
        return pb.ListLateAgenciesResponse(late_agencies=[_late_to_proto(x) for x in late])

    @domain_errors_as_status
    async def GetServiceQuality(  # noqa: N802
        self, request: pb.GetServiceQualityRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetServiceQualityResponse:
        if self._kpis is None:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "this hub serves no monitoring views")
        assert self._kpis is not None
        quality = await self._run.read(
            self._use.service_quality, self._kpis, request.agency or None
        )
        return pb.GetServiceQualityResponse(services=[quality_to_proto(q) for q in quality])


def register(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: ProgrammeService (with the KPI view for
    service quality, when the projections run here)."""
    kpis = edge.views.kpis if edge.views else None
    programme_pb2_grpc.add_ProgrammeServiceServicer_to_server(
        ProgrammeServicer(edge.hub, edge.executor, kpis), server
    )
    return str(SERVICE_NAME)
