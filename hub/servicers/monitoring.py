"""MonitoringService: proto ⇄ the monitoring views (case status, KPIs, open data, feed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import grpc
from tabadol.monitoring.v1 import monitoring_pb2 as pb
from tabadol.monitoring.v1 import monitoring_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from aggregates.errors import InvalidInput
from aggregates.identifiers import AgencyCode
from aggregates.jalali import format_jalali
from aggregates.service_case import CaseStatus
from aggregates.stages import Stage
from hub.application.counters import Counters
from hub.application.programme import ProgrammeUseCases
from hub.ledger.executor import Executor
from hub.ledger.stores import APP_NAME
from hub.servicers.convert import enum_to_proto, jalali, stage_to_proto, timestamp
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status, status_for
from projections.agency_kpis import Kpis, MonthlyReport, parse_month
from projections.case_status import CaseProgress
from projections.monitoring import MonitoringViews
from projections.open_data import (
    kpis_csv,
    kpis_json,
    monthly_csv,
    monthly_json,
    rows_csv,
    rows_json,
)
from projections.window_feed import FeedEntry

__all__ = ["MonitoringServicer", "register"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["MonitoringService"].full_name
_PUBLIC_DATASETS = {
    pb.OPEN_DATASET_CATALOGUE: "catalogue",
    pb.OPEN_DATASET_PERMITS: "permits",
    pb.OPEN_DATASET_PROGRAMMES: "programmes",
    pb.OPEN_DATASET_REPORTS: "reports",
}
_CSV = "text/csv; charset=utf-8"
_JSON = "application/json"


def _agency(text: str) -> str | None:
    """An agency filter: empty for all, else a valid agency code."""
    return AgencyCode.parse(text).value if text.strip() else None


def _stage(value: str) -> int:
    return stage_to_proto(Stage(value))


def _progress_to_proto(p: CaseProgress, persian: bool, now: datetime) -> pb.CaseStatus:
    message = pb.CaseStatus(
        tracking_code=p.tracking_code,
        agency=p.agency,
        service_code=p.service_code,
        status=enum_to_proto(desk.CaseStatus, "CASE_STATUS_", CaseStatus(p.status)),
        stage=_stage(p.stage),
        opened_at=timestamp(p.opened_at),
        opened_at_jalali=jalali(p.opened_at, persian),
        due_at=timestamp(p.due_at),
        due_at_jalali=jalali(p.due_at, persian),
        overdue=p.overdue(now),
        steps=[
            pb.CaseStep(
                kind=s.kind,
                stage=_stage(s.stage),
                step=s.step,
                score=s.score,
                at=timestamp(s.at),
                at_jalali=jalali(s.at, persian),
            )
            for s in p.steps
        ],
    )
    if p.score is not None:
        message.score = p.score
    return message


def _kpis_to_proto(k: Kpis) -> pb.Kpis:
    return pb.Kpis(
        agency=k.agency,
        service_code=k.service_code,
        cases=k.cases,
        open=k.open,
        delivered=k.delivered,
        rejected=k.rejected,
        cancelled=k.cancelled,
        median_hours_to_delivery=k.median_hours_to_delivery,
        p90_hours_to_delivery=k.p90_hours_to_delivery,
        share_delivered_without_visit=k.share_delivered_without_visit,
        inquiries=k.inquiries,
        share_inquiries_electronic=k.share_inquiries_electronic,
        ratings=k.ratings,
        average_satisfaction=k.average_satisfaction,
        late_deliveries=k.late_deliveries,
        overdue_open=k.overdue_open,
        past_time_limit=k.past_time_limit,
    )


def _report_to_proto(r: MonthlyReport) -> pb.MonthlyReport:
    return pb.MonthlyReport(
        agency=r.agency,
        month=r.month,
        month_fa=r.month_fa,
        opened=r.opened,
        delivered=r.delivered,
        rejected=r.rejected,
        cancelled=r.cancelled,
        delivered_without_visit=r.delivered_without_visit,
        median_hours_to_delivery=r.median_hours_to_delivery,
        late_deliveries=r.late_deliveries,
        ratings=r.ratings,
        average_satisfaction=r.average_satisfaction,
        inquiries=r.inquiries,
    )


def entry_to_proto(e: FeedEntry) -> pb.WindowFeedEntry:
    """A feed entry as the window's message."""
    return pb.WindowFeedEntry(
        position=e.position,
        kind=int(pb.FeedEventKind.Value("FEED_EVENT_KIND_" + e.kind.upper())),
        agency=e.agency,
        service_code=e.service_code,
        tracking_code=e.tracking_code,
        subject=e.subject,
        stage=_stage(e.stage),
        step=e.step,
        score=e.score,
        in_person=e.in_person,
        at=timestamp(e.at),
        at_jalali=format_jalali(e.at),
    )


class MonitoringServicer(monitoring_pb2_grpc.MonitoringServiceServicer):
    """Thin: each RPC reads one view on the executor's read pool and translates."""

    def __init__(
        self,
        views: MonitoringViews,
        executor: Executor,
        *,
        poll_interval: float = 0.2,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        public: ProgrammeUseCases | None = None,
        counters: Counters | None = None,
    ) -> None:
        self._counters = counters
        self._views = views
        self._run = executor
        self._poll = poll_interval
        self._now = clock
        self._public = public

    async def _position(self) -> int:
        return await self._run.read(self._views.position, APP_NAME)

    @domain_errors_as_status
    async def GetCaseStatus(  # noqa: N802 - gRPC method name
        self, request: pb.GetCaseStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCaseStatusResponse:
        progress = await self._run.read(self._views.status.progress, request.tracking_code)
        persian = request.digits == desk.DIGITS_PERSIAN
        return pb.GetCaseStatusResponse(
            case_status=_progress_to_proto(progress, persian, self._now()),
            position=progress.position,
        )

    @domain_errors_as_status
    async def GetAgencyKpis(  # noqa: N802
        self, request: pb.GetAgencyKpisRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAgencyKpisResponse:
        now = self._now()
        agencies = await self._run.read(self._views.kpis.agency_kpis, now, _agency(request.agency))
        return pb.GetAgencyKpisResponse(
            agencies=[
                pb.AgencyKpis(
                    total=_kpis_to_proto(a.total),
                    services=[_kpis_to_proto(s) for s in a.services],
                )
                for a in agencies
            ],
            as_of=timestamp(now),
            position=await self._position(),
        )

    @domain_errors_as_status
    async def GetMonthlyReport(  # noqa: N802
        self, request: pb.GetMonthlyReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMonthlyReportResponse:
        month = parse_month(request.month) if request.month.strip() else None
        reports = await self._run.read(
            self._views.kpis.monthly_reports, _agency(request.agency), month
        )
        return pb.GetMonthlyReportResponse(
            reports=[_report_to_proto(r) for r in reports], position=await self._position()
        )

    @domain_errors_as_status
    async def GetOpenData(  # noqa: N802
        self, request: pb.GetOpenDataRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetOpenDataResponse:
        if request.format not in (pb.OPEN_DATA_FORMAT_CSV, pb.OPEN_DATA_FORMAT_JSON):
            raise InvalidInput.field("format", "must be set: csv or json")
        now, position = self._now(), await self._position()
        as_json = request.format == pb.OPEN_DATA_FORMAT_JSON
        if request.dataset == pb.OPEN_DATASET_AGENCY_KPIS:
            kpis = await self._run.read(self._views.kpis.agency_kpis, now)
            data = kpis_json(kpis, as_of=now, position=position) if as_json else kpis_csv(kpis)
        elif request.dataset == pb.OPEN_DATASET_MONTHLY_REPORTS:
            reports = await self._run.read(self._views.kpis.monthly_reports)
            data = (
                monthly_json(reports, as_of=now, position=position)
                if as_json
                else monthly_csv(reports)
            )
        elif request.dataset == pb.OPEN_DATASET_COUNTERS and self._counters is not None:
            columns, rows, documents = await self._run.read(self._counters.open_dataset)
            data = (
                rows_json("counters", documents, as_of=now, position=position)
                if as_json
                else rows_csv(columns, rows)
            )
        elif request.dataset in _PUBLIC_DATASETS and self._public is not None:
            name = _PUBLIC_DATASETS[request.dataset]
            columns, rows, documents = await self._run.read(
                self._public.open_dataset, name, self._views.kpis
            )
            data = (
                rows_json(name, documents, as_of=now, position=position)
                if as_json
                else rows_csv(columns, rows)
            )
        else:
            raise InvalidInput.field(
                "dataset",
                "must be set: agency_kpis, monthly_reports, catalogue, permits, programmes,"
                " reports or counters",
            )
        return pb.GetOpenDataResponse(
            content_type=_JSON if as_json else _CSV,
            data=data if isinstance(data, bytes) else data.encode("utf-8"),
            position=position,
        )

    async def StreamWindowFeed(  # noqa: N802
        self, request: pb.StreamWindowFeedRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamWindowFeedResponse]:
        try:
            agency = _agency(request.agency) or ""
            if request.from_position < 0:
                raise InvalidInput.field("from_position", "a log position is 0 or more")
        except InvalidInput as error:
            await context.abort_with_status(status_for(error))
            return
        after = max(request.from_position - 1, 0)
        while not context.cancelled():
            entries = await self._run.read(self._views.feed.entries, after, 500, agency)
            for entry in entries:
                yield pb.StreamWindowFeedResponse(entry=entry_to_proto(entry))
                after = entry.position
            if len(entries) < 500:
                await asyncio.sleep(self._poll)


def register(server: grpc.aio.Server, edge: Edge) -> str | None:
    """A :data:`~hub.servicers.edge.Registrar`: MonitoringService over the edge's views
    (None without views: projections run as workers elsewhere); open data includes the
    catalogue, permits, programmes and reports."""
    if edge.views is None:
        return None
    monitoring_pb2_grpc.add_MonitoringServiceServicer_to_server(
        MonitoringServicer(
            edge.views, edge.executor, public=edge.hub.programme, counters=edge.hub.counters
        ),
        server,
    )
    return str(SERVICE_NAME)
