"""MonitoringService over real gRPC on loopback, registered through ``create_server(extra=…)``
as ``tabadol serve`` does, with embedded projections following an SQLite store."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from tabadol.monitoring.v1 import monitoring_pb2 as pb
from tabadol.monitoring.v1 import monitoring_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from aggregates.jalali import jalali_month, to_persian_digits
from hub.application.hub import TabadolHub
from hub.bootstrap import Running, create_server
from hub.config import Settings
from hub.servicers.monitoring import SERVICE_NAME
from hub.streams.projector import EmbeddedProjections
from hub.testing import dev_env
from hub.trail.keys import init_keys
from tests.integration.test_projections_cases import CaseFactory, Outcome
from tests.samples import applicant

MD = (("x-tabadol-agency", "MYGOV"),)


@dataclass
class Monitored:
    hub: TabadolHub
    factory: CaseFactory
    embedded: EmbeddedProjections
    running: Running
    stub: monitoring_pb2_grpc.MonitoringServiceStub
    outcomes: list[Outcome]

    def settle(self) -> None:
        self.embedded.wait(self.hub.recorder.max_notification_id() or 0)


@pytest.fixture
async def monitored(tmp_path: Path) -> AsyncIterator[Monitored]:
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path),
            "TABADOL_EVENT_STORE": f"sqlite:///{tmp_path / 'events.sqlite'}",
            "TABADOL_LISTEN": "127.0.0.1:0",
            **dev_env(tmp_path),
        }
    )
    hub = TabadolHub(
        init_keys(settings.signing_key, settings.public_keys), env=settings.eventsourcing_env()
    )
    factory = CaseFactory(hub)
    outcomes = factory.many(8)
    embedded = EmbeddedProjections(settings)
    views = embedded.start()
    running = await create_server(hub, settings, views=views)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    monitored = Monitored(
        hub,
        factory,
        embedded,
        running,
        monitoring_pb2_grpc.MonitoringServiceStub(channel),
        outcomes,
    )
    monitored.settle()
    try:
        yield monitored
    finally:
        await channel.close()
        await running.stop(grace=0)
        embedded.close()
        hub.close()


async def test_case_status_in_persian_digits_and_errors_as_status(monitored: Monitored) -> None:
    assert SERVICE_NAME in monitored.running.services
    rated = next(o for o in monitored.outcomes if o.fate == "rated")
    reply = await monitored.stub.GetCaseStatus(
        pb.GetCaseStatusRequest(tracking_code=rated.tracking_code, digits=desk.DIGITS_PERSIAN),
        metadata=MD,
    )
    status = reply.case_status
    assert status.status == desk.CASE_STATUS_DELIVERED and status.score == rated.score
    assert status.steps[0].kind == "opened" and status.steps[-1].kind == "rated"
    assert status.opened_at_jalali[:4] == to_persian_digits(jalali_month(datetime.now(UTC))[:4])
    assert not status.overdue and reply.position > 0

    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await monitored.stub.GetCaseStatus(
            pb.GetCaseStatusRequest(tracking_code="C-1111-1111-1111-1"), metadata=MD
        )
    assert missing.value.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await monitored.stub.GetCaseStatus(pb.GetCaseStatusRequest(tracking_code="x"), metadata=MD)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_kpis_monthly_reports_and_open_data(monitored: Monitored) -> None:
    kpis = await monitored.stub.GetAgencyKpis(pb.GetAgencyKpisRequest(), metadata=MD)
    totals = {a.total.agency: a.total for a in kpis.agencies}
    assert set(totals) == {"MOJ", "MIMT"}
    assert sum(t.cases for t in totals.values()) == len(monitored.outcomes)
    moj = totals["MOJ"]
    assert moj.HasField("median_hours_to_delivery") and moj.share_inquiries_electronic == 1.0
    one = await monitored.stub.GetAgencyKpis(pb.GetAgencyKpisRequest(agency="mimt"), metadata=MD)
    assert [a.total.agency for a in one.agencies] == ["MIMT"]
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await monitored.stub.GetAgencyKpis(pb.GetAgencyKpisRequest(agency="1?"), metadata=MD)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    month = to_persian_digits(jalali_month(datetime.now(UTC)))
    monthly = await monitored.stub.GetMonthlyReport(
        pb.GetMonthlyReportRequest(agency="MOJ", month=month), metadata=MD
    )
    assert [r.agency for r in monthly.reports] == ["MOJ"]
    assert monthly.reports[0].opened == moj.cases and monthly.reports[0].month_fa

    as_csv = await monitored.stub.GetOpenData(
        pb.GetOpenDataRequest(dataset=pb.OPEN_DATASET_AGENCY_KPIS, format=pb.OPEN_DATA_FORMAT_CSV),
        metadata=MD,
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.data.decode())))
    assert as_csv.content_type.startswith("text/csv")
    assert {r["agency"] for r in rows} == {"MOJ", "MIMT"}
    assert {r["service_code"] for r in rows} == {"", "13021000101", "13021000202"}
    as_json = await monitored.stub.GetOpenData(
        pb.GetOpenDataRequest(
            dataset=pb.OPEN_DATASET_MONTHLY_REPORTS, format=pb.OPEN_DATA_FORMAT_JSON
        ),
        metadata=MD,
    )
    document = json.loads(as_json.data)
    assert document["dataset"] == "monthly_reports" and document["position"] == as_json.position
    assert {r["agency"] for r in document["rows"]} == {"MOJ", "MIMT"}
    with pytest.raises(grpc.aio.AioRpcError) as unset:
        await monitored.stub.GetOpenData(pb.GetOpenDataRequest(), metadata=MD)
    assert unset.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_the_window_feed_replays_then_follows(monitored: Monitored) -> None:
    existing = monitored.embedded.views.feed.entries(0, 10_000)
    middle = existing[len(existing) // 2].position
    call = monitored.stub.StreamWindowFeed(
        pb.StreamWindowFeedRequest(from_position=middle), metadata=MD
    )
    received: list[pb.WindowFeedEntry] = []

    async def read() -> None:
        async for reply in call:
            received.append(reply.entry)

    reader = asyncio.create_task(read())
    await asyncio.to_thread(monitored.factory.run, "rated", applicant(777), score=5)
    await asyncio.to_thread(monitored.settle)
    total = len(
        [e for e in monitored.embedded.views.feed.entries(0, 10_000) if e.position >= middle]
    )
    for _ in range(100):
        if len(received) >= total:
            break
        await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert [e.position for e in received] == sorted(e.position for e in received)
    assert received[0].position == middle and len(received) == total
    assert received[-1].kind == pb.FEED_EVENT_KIND_RATED and received[-1].score == 5
    assert len(received[-1].subject) == 32 and received[-1].at_jalali

    only = monitored.stub.StreamWindowFeed(pb.StreamWindowFeedRequest(agency="MIMT"), metadata=MD)
    first = await anext(aiter(only))
    only.cancel()
    assert first.entry.agency == "MIMT"
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        async for _ in monitored.stub.StreamWindowFeed(
            pb.StreamWindowFeedRequest(from_position=-1), metadata=MD
        ):
            pass
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_the_counters_open_dataset(monitored: Monitored) -> None:
    """The public list of service counters (004 art. 14 n1-n2) as open data, CSV and JSON."""
    counters = monitored.hub.counters
    for code, province in (("P-1001", "tehran"), ("P-2002", "isfahan")):
        await monitored.running.executor.write(
            counters.register_counter,
            code,
            by=f"counter:{code}",
            name=f"دفتر {code}",
            kind="government",
            province=province,
            county="مرکز",
            address="خیابان اصلی",
            postal_code="1316943891",
        )
    await monitored.running.executor.write(
        counters.delegate, "P-1001", "13021000101", level="intake", by="MOJ", reason="pilot"
    )
    as_csv = await monitored.stub.GetOpenData(
        pb.GetOpenDataRequest(dataset=pb.OPEN_DATASET_COUNTERS, format=pb.OPEN_DATA_FORMAT_CSV)
    )  # public: no identity needed
    rows = list(csv.DictReader(io.StringIO(as_csv.data.decode())))
    assert [(r["province"], r["counter"], r["service_code"], r["level"]) for r in rows] == [
        ("isfahan", "P-2002", "", ""),
        ("tehran", "P-1001", "13021000101", "intake"),
    ]
    as_json = await monitored.stub.GetOpenData(
        pb.GetOpenDataRequest(dataset=pb.OPEN_DATASET_COUNTERS, format=pb.OPEN_DATA_FORMAT_JSON)
    )
    document = json.loads(as_json.data)
    assert document["dataset"] == "counters" and document["rows"][1]["agency"] == "MOJ"
