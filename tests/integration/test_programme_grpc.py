"""Issue 13 items 1-3 through the API, on real gRPC with embedded projections over SQLite:
the full identity card and its refusals, the public catalogue and permits registry, e-forms
at OpenCase, the record's evaluation method and rating window, rework, the agencies'
programmes, the quarterly / four-monthly / annual reports with late agencies, and the open
datasets. Public reads are made with no agency at all."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.monitoring.v1 import monitoring_pb2 as mon
from tabadol.monitoring.v1 import monitoring_pb2_grpc
from tabadol.programme.v1 import programme_pb2 as prog
from tabadol.programme.v1 import programme_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application.hub import TabadolHub
from hub.application.programme import jalali_today
from hub.bootstrap import Running, create_server
from hub.config import Settings
from hub.streams.projector import EmbeddedProjections
from hub.testing import dev_env
from hub.trail.keys import init_keys
from tests.samples import ACCOUNT, LEGAL_PERMIT, applicant, spec_proto


class ShiftedClock:
    """Real time moved forward by hand: events keep their real timestamps, and the rules
    that read the hub's clock (rating window, staleness) see the time moved on."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def md(agency: str) -> tuple[tuple[str, str], ...]:
    return (("x-tabadol-agency", agency),)


MOJ, MIMT = md("MOJ"), md("MIMT")
ONLINE, SMART, COUNTER = "13021000101", "13021000102", "13021000103"
FORMS = "13021000202"
STEP = cat.ProcessStep
TAX_FORM = {
    "type": "object",
    "required": ["tax_year", "declaration_number"],
    "properties": {
        "tax_year": {"type": "integer", "minimum": 1390},
        "declaration_number": {"type": "string", "pattern": "^[0-9]{6,12}$"},
    },
}
METHOD = cat.EvaluationMethod(
    questions=[
        cat.Question(key="overall", text_fa="رضایت کلی", text_en="Overall satisfaction"),
        cat.Question(key="waiting", text_fa="زمان انتظار", text_en="Waiting time"),
    ],
    scale_min=0,
    scale_max=10,
    measures=[cat.QUALITY_MEASURE_TIME_TO_DELIVERY, cat.QUALITY_MEASURE_REWORK],
    window_days=3,
)


def records() -> dict[str, tuple[cat.ServiceRecordSpec, tuple[tuple[str, str], ...]]]:
    automated = [
        STEP(name="ثبت", stage=cat.STAGE_REQUEST, time_limit_hours=1, automated=True),
        STEP(name="تولید", stage=cat.STAGE_PRODUCTION, time_limit_hours=1, automated=True),
        STEP(name="تحویل", stage=cat.STAGE_DELIVERY, time_limit_hours=1, automated=True),
    ]
    return {
        ONLINE: (spec_proto(evaluation=METHOD, legal_identity_level=2), MOJ),
        SMART: (spec_proto(title_en="Smart certificate", process=automated), MOJ),
        COUNTER: (
            spec_proto(
                title_en="Counter service",
                in_person_required=True,
                in_person_reasons=["انگشت‌نگاری متقاضی"],
                non_electronic=cat.NonElectronicPlan(electronic_by="1406/06/31"),
            ),
            MOJ,
        ),
        FORMS: (
            spec_proto(
                title_en="Commercial card",
                owner_agency="MIMT",
                required_inquiries=[],
                fee=cat.Fee(tariff_rials=5_000, revenue_account=ACCOUNT, legal_permit=LEGAL_PERMIT),
                required_documents=[
                    cat.RequiredDocument(name="اظهارنامه مالیاتی", json_schema=json.dumps(TAX_FORM))
                ],
                external_requirements=[
                    cat.ExternalRequirement(
                        kind=cat.REQUIREMENT_KIND_PERMIT,
                        agency="TEH-MUN",
                        name="پروانه کسب",
                        reference="TEH-BUSINESS",
                    )
                ],
            ),
            MIMT,
        ),
    }


@dataclass
class Api:
    hub: TabadolHub
    clock: ShiftedClock
    running: Running
    channel: grpc.aio.Channel
    embedded: EmbeddedProjections

    @property
    def catalogue(self) -> catalogue_pb2_grpc.CatalogueServiceStub:
        return catalogue_pb2_grpc.CatalogueServiceStub(self.channel)

    @property
    def permits(self) -> catalogue_pb2_grpc.PermitRegistryServiceStub:
        return catalogue_pb2_grpc.PermitRegistryServiceStub(self.channel)

    @property
    def desk(self) -> servicedesk_pb2_grpc.ServiceDeskServiceStub:
        return servicedesk_pb2_grpc.ServiceDeskServiceStub(self.channel)

    @property
    def programme(self) -> programme_pb2_grpc.ProgrammeServiceStub:
        return programme_pb2_grpc.ProgrammeServiceStub(self.channel)

    @property
    def monitoring(self) -> monitoring_pb2_grpc.MonitoringServiceStub:
        return monitoring_pb2_grpc.MonitoringServiceStub(self.channel)

    def settle(self) -> None:
        self.embedded.wait(self.hub.recorder.max_notification_id() or 0)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
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
    clock = ShiftedClock()
    hub.clock = clock
    embedded = EmbeddedProjections(settings)
    views = embedded.start()
    running = await create_server(hub, settings, views=views)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    api = Api(hub, clock, running, channel, embedded)
    for code, (spec, meta) in records().items():
        await api.catalogue.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=code, spec=spec), metadata=meta
        )
    try:
        yield api
    finally:
        await channel.close()
        await running.stop(grace=0)
        embedded.close()
        hub.close()


async def refused(call: Awaitable[Any]) -> tuple[grpc.StatusCode, dict[str, str], str]:
    """The code, the BadRequest field → description, and the details of a refused call."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    fields: dict[str, str] = {}
    status = rpc_status.from_call(raised.value)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields.update({v.field: v.description for v in bad.field_violations})
    return raised.value.code(), fields, raised.value.details() or ""


# --- reflection lists every new service ---------------------------------------------------


async def test_reflection_lists_the_programme_and_permit_services(api: Api) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(api.channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name async for reply in replies for s in reply.list_services_response.service}
    assert {
        "tabadol.programme.v1.ProgrammeService",
        "tabadol.catalogue.v1.PermitRegistryService",
        "tabadol.catalogue.v1.CatalogueService",
    } <= names


# --- the full identity card and the public catalogue ---------------------------------------


async def test_the_full_card_is_public_with_its_maturity_and_staleness(api: Api) -> None:
    reply = await api.catalogue.GetServiceRecord(cat.GetServiceRecordRequest(service_code=ONLINE))
    record = reply.record  # no agency metadata at all: the catalogue is public
    assert record.maturity == cat.MATURITY_ONLINE and not record.stale
    assert record.spec.fee.legal_permit == LEGAL_PERMIT
    assert record.spec.legal_identity_level == 2
    assert [q.key for q in record.spec.evaluation.questions] == ["overall", "waiting"]
    assert json.loads(record.spec.required_documents[0].json_schema)["type"] == "object"
    smart = await api.catalogue.GetServiceRecord(cat.GetServiceRecordRequest(service_code=SMART))
    assert smart.record.maturity == cat.MATURITY_SMART

    listing = await api.catalogue.ListCatalogue(cat.ListCatalogueRequest())
    assert [e.service_code for e in listing.non_electronic] == [COUNTER]
    assert listing.non_electronic[0].non_electronic.electronic_by == "1406/06/31"
    assert {e.service_code for e in listing.electronic} == {ONLINE, SMART, FORMS}
    assert listing.stale == 0

    api.clock.advance(timedelta(days=370))  # a year without a revision (002 art. 3 n1)
    later = await api.catalogue.ListCatalogue(cat.ListCatalogueRequest(owner_agency="MOJ"))
    assert later.stale == 3 and all(e.stale for e in later.electronic)
    again = await api.catalogue.GetServiceRecord(cat.GetServiceRecordRequest(service_code=ONLINE))
    assert again.record.stale and again.record.review_due.ToDatetime() < api.clock().replace(
        tzinfo=None
    )


@pytest.mark.parametrize(
    "name", ["کپی كارت ملي", "تصویر صفحه\u200cاول شناسنامه", "Scan of national ID card"]
)
async def test_a_record_asking_for_an_identity_copy_is_refused(api: Api, name: str) -> None:
    spec = spec_proto(
        required_documents=[cat.RequiredDocument(name=name, json_schema='{"type": "object"}')]
    )
    code, fields, _ = await refused(
        api.catalogue.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code="13021000909", spec=spec), metadata=MOJ
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "004 art. 12" in fields["spec.required_documents[0].name"]


async def test_a_non_electronic_card_needs_a_timetable_or_the_deputys_approval(api: Api) -> None:
    spec = spec_proto(in_person_required=True, in_person_reasons=["حضور الزامی"])
    code, fields, _ = await refused(
        api.catalogue.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code="13021000910", spec=spec), metadata=MOJ
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "spec.non_electronic" in fields


# --- e-forms at OpenCase, the evaluation method, rework -----------------------------------


async def test_open_case_checks_the_e_forms(api: Api) -> None:
    bad = desk.FormData(document="اظهارنامه مالیاتی", json=json.dumps({"tax_year": 1300}))
    code, fields, _ = await refused(
        api.desk.OpenCase(
            desk.OpenCaseRequest(
                service_code=FORMS,
                applicant_national_code=applicant(),
                channel="web",
                postal_code="1316943891",
                forms=[bad],
            ),
            metadata=MIMT,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(fields) == {
        "forms[اظهارنامه مالیاتی].tax_year",
        "forms[اظهارنامه مالیاتی].declaration_number",
    }
    code, fields, _ = await refused(
        api.desk.OpenCase(
            desk.OpenCaseRequest(
                service_code=FORMS,
                applicant_national_code=applicant(),
                postal_code="1316943891",
                channel="web",
                forms=[desk.FormData(document="اظهارنامه مالیاتی", json="{nope")],
            ),
            metadata=MIMT,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "forms[اظهارنامه مالیاتی]" in fields
    good = desk.FormData(
        document="اظهارنامه مالیاتی",
        json=json.dumps({"tax_year": 1404, "declaration_number": "1234567"}),
    )
    opened = await api.desk.OpenCase(
        desk.OpenCaseRequest(
            service_code=FORMS,
            applicant_national_code=applicant(),
            channel="web",
            postal_code="1316943891",
            forms=[good],
        ),
        metadata=MIMT,
    )
    assert opened.case.tracking_code.startswith("C-")


async def deliver(
    api: Api, service: str, meta: tuple[tuple[str, str], ...], *, correct: bool = False
) -> str:
    """A case of a record without inquiries or fee, through its three stages."""
    opened = await api.desk.OpenCase(
        desk.OpenCaseRequest(
            service_code=service,
            applicant_national_code=applicant(),
            postal_code="1316943891",
            channel="web",
        ),
        metadata=meta,
    )
    code = opened.case.tracking_code
    record = (
        await api.catalogue.GetServiceRecord(cat.GetServiceRecordRequest(service_code=service))
    ).record
    # the applicant signed in (the identity exchange over gRPC is in test_case_exchanges*.py)
    api.hub.exchange_records.record_identity(
        code, active=True, national_code=applicant(), level=4, by=meta[0][1]
    )
    for stage in (cat.STAGE_REQUEST, cat.STAGE_PRODUCTION, cat.STAGE_DELIVERY):
        for step in (s for s in record.spec.process if s.stage == stage):
            await api.desk.RecordStep(
                desk.RecordStepRequest(tracking_code=code, step=step.name), metadata=meta
            )
        if stage == cat.STAGE_REQUEST and correct:
            corrected = await api.desk.RequestCorrection(
                desk.RequestCorrectionRequest(tracking_code=code, reason="نقص مدارک"), metadata=meta
            )
            assert corrected.case.corrections == 1 and corrected.case.stage == cat.STAGE_REQUEST
            for step in (s for s in record.spec.process if s.stage == stage):
                await api.desk.RecordStep(
                    desk.RecordStepRequest(tracking_code=code, step=step.name), metadata=meta
                )
        if stage != cat.STAGE_DELIVERY:
            await api.desk.CompleteStage(
                desk.CompleteStageRequest(tracking_code=code, stage=stage), metadata=meta
            )
    await api.desk.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=meta)
    return code


SMART_NO_EXCHANGES = "13021000104"


async def test_the_applicant_is_asked_the_records_questions_in_its_window(api: Api) -> None:
    spec = spec_proto(evaluation=METHOD, required_inquiries=[])
    spec.ClearField("fee")
    await api.catalogue.RegisterServiceRecord(
        cat.RegisterServiceRecordRequest(service_code=SMART_NO_EXCHANGES, spec=spec), metadata=MOJ
    )
    code = await deliver(api, SMART_NO_EXCHANGES, MOJ, correct=True)
    asked = await api.desk.GetEvaluation(
        desk.GetEvaluationRequest(tracking_code=code), metadata=md("MYGOV")
    )
    assert [q.key for q in asked.method.questions] == ["overall", "waiting"]
    assert (asked.method.scale_min, asked.method.scale_max, asked.open) == (0, 10, True)
    assert asked.closes_at.ToDatetime() - asked.opens_at.ToDatetime() == timedelta(days=3)

    code_, fields, _ = await refused(
        api.desk.RateSatisfaction(
            desk.RateSatisfactionRequest(tracking_code=code, answers={"overall": 11}),
            metadata=md("MYGOV"),
        )
    )
    assert code_ == grpc.StatusCode.INVALID_ARGUMENT
    assert set(fields) == {"answers.overall", "answers.waiting"}
    rated = await api.desk.RateSatisfaction(
        desk.RateSatisfactionRequest(tracking_code=code, answers={"overall": 9, "waiting": 6}),
        metadata=md("MYGOV"),
    )
    assert dict(rated.case.satisfaction.answers) == {"overall": 9, "waiting": 6}
    assert rated.case.satisfaction.score == 4  # 7.5 of 10

    late = await deliver(api, SMART_NO_EXCHANGES, MOJ)
    api.clock.advance(timedelta(days=3, seconds=1))
    closed = await api.desk.GetEvaluation(
        desk.GetEvaluationRequest(tracking_code=late), metadata=md("MYGOV")
    )
    assert not closed.open
    code_, _, details = await refused(
        api.desk.RateSatisfaction(
            desk.RateSatisfactionRequest(tracking_code=late, answers={"overall": 5, "waiting": 5}),
            metadata=md("MYGOV"),
        )
    )
    assert code_ == grpc.StatusCode.FAILED_PRECONDITION and "002 art. 8" in details

    api.settle()
    quality = await api.programme.GetServiceQuality(prog.GetServiceQualityRequest(agency="MOJ"))
    [service] = [q for q in quality.services if q.service_code == SMART_NO_EXCHANGES]
    assert list(service.measures) == [
        cat.QUALITY_MEASURE_TIME_TO_DELIVERY,
        cat.QUALITY_MEASURE_REWORK,
    ]
    assert service.delivered == 2 and service.share_reworked == 0.5
    assert service.response_rate == 0.5 and dict(service.mean_answers) == {
        "overall": 9,
        "waiting": 6,
    }
    assert service.share_on_time == 1.0


# --- programmes and reports --------------------------------------------------------------


async def test_programmes_reports_and_late_agencies(api: Api) -> None:
    year, _ = jalali_today(api.clock())
    last = year - 1  # a year that has ended, whatever today is
    code, fields, _ = await refused(
        api.programme.SubmitProgramme(prog.SubmitProgrammeRequest(year=last), metadata=MOJ)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "002 art. 6" in fields["items"]
    axes = [prog.PRIORITY_AXIS_WIDE_USE]
    submitted = await api.programme.SubmitProgramme(
        prog.SubmitProgrammeRequest(
            year=last,
            items=[
                prog.ProgrammeItem(
                    service_code=ONLINE, priority=1, axes=axes, due_month=6, depends_on=[FORMS]
                ),
                prog.ProgrammeItem(service_code=SMART, priority=2, axes=axes, due_month=3),
            ],
        ),
        metadata=MOJ,
    )
    programme = submitted.programme
    assert (programme.services_total, programme.minimum_items) == (3, 1)
    assert programme.items[0].maturity == cat.MATURITY_ONLINE
    assert prog.PRIORITY_AXIS_SERVICE_CHAIN in programme.items[0].axes
    entries = [
        prog.ProgressEntry(
            service_code=ONLINE, status=prog.PROGRESS_STATUS_IN_PROGRESS, percent=30
        ),
        prog.ProgressEntry(service_code=SMART, status=prog.PROGRESS_STATUS_DONE, percent=100),
    ]
    reported = await api.programme.ReportProgress(
        prog.ReportProgressRequest(year=last, month=1, entries=entries), metadata=MOJ
    )
    assert [r.month for r in reported.programme.reports] == [1]
    code, _, _ = await refused(
        api.programme.ReportProgress(
            prog.ReportProgressRequest(year=last, month=1, entries=entries), metadata=MOJ
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    public = await api.programme.GetProgramme(prog.GetProgrammeRequest(agency="MOJ", year=last))
    assert public.programme.reports[0].entries[1].status == prog.PROGRESS_STATUS_DONE

    quarterly = await api.programme.GetReport(
        prog.GetReportRequest(kind=prog.REPORT_KIND_QUARTERLY, year=last, period=4)
    )
    late = {x.agency: list(x.reasons) for x in quarterly.late_agencies}
    assert set(late) == {"MOJ", "MIMT"}
    assert late["MIMT"][0].startswith(f"no programme for {last}")
    assert any(f"no progress report for {last}-12" in r for r in late["MOJ"])
    assert any(f"{ONLINE} was due to be smart by {last}-06 and is online" in r for r in late["MOJ"])
    assert quarterly.period_jalali.startswith(f"{last}-10-01 .. {last}-12-")
    assert (
        "Agencies late against their programme" in quarterly.markdown
        and "- **MOJ**" in quarterly.markdown
    )
    document = json.loads(quarterly.json)
    assert document["kind"] == "quarterly" and document["late"][0]["agency"] == "MIMT"

    four = await api.programme.GetReport(
        prog.GetReportRequest(kind=prog.REPORT_KIND_FOUR_MONTHLY, year=last, period=3)
    )
    assert "004 preamble item 2" in four.markdown
    half = await api.programme.GetReport(
        prog.GetReportRequest(kind=prog.REPORT_KIND_SEMIANNUAL, year=last, period=2)
    )
    assert half.period_jalali.startswith(f"{last}-07-01") and "002 art. 9" in half.markdown
    annual = await api.programme.GetReport(
        prog.GetReportRequest(kind=prog.REPORT_KIND_ANNUAL, year=last)
    )
    # MIMT: its one service electronic (40) and up to date (10) = 50; MOJ: 2 of 3 electronic
    # (26.7), half its programme smart (10), up to date (10) = 46.7
    assert [(r.rank, r.agency) for r in annual.ranking] == [(1, "MIMT"), (2, "MOJ")]
    assert annual.ranking[0].score == 50 and "004 art. 19" in annual.markdown
    code, fields, _ = await refused(
        api.programme.GetReport(
            prog.GetReportRequest(kind=prog.REPORT_KIND_QUARTERLY, year=last, period=5)
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT

    now_late = await api.programme.ListLateAgencies(prog.ListLateAgenciesRequest())
    assert {x.agency for x in now_late.late_agencies} == {"MOJ", "MIMT"}  # nothing for this year


# --- the permits registry and the open datasets ------------------------------------------


def permit_spec(issuer: str = "TEH-MUN") -> cat.PermitKindSpec:
    step = cat.PermitProcedure(
        process=["ثبت درخواست", "بازدید", "صدور"], cost_rials=2_000_000, time_days=10
    )
    return cat.PermitKindSpec(
        title_fa="پروانه کسب",
        title_en="Business licence",
        issuer=issuer,
        legal_basis="قانون نظام صنفی، ماده ۱۲",
        validity_months=60,
        issue=step,
        renewal=step,
        cancellation=cat.PermitProcedure(process=["ابطال"], cost_rials=0, time_days=2),
    )


async def test_the_permits_registry_is_public_and_written_by_the_issuer(api: Api) -> None:
    defined = await api.permits.DefinePermitKind(
        cat.DefinePermitKindRequest(code="teh-business", spec=permit_spec()), metadata=md("TEH-MUN")
    )
    assert defined.permit.code == "TEH-BUSINESS" and defined.permit.revision == 1
    code, _, _ = await refused(
        api.permits.DefinePermitKind(
            cat.DefinePermitKindRequest(code="TEH-BUSINESS", spec=permit_spec()), metadata=MOJ
        )
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    revised_spec = permit_spec()
    revised_spec.reinstatement.CopyFrom(
        cat.PermitProcedure(process=["احیا"], cost_rials=100, time_days=3)
    )
    revised = await api.permits.DefinePermitKind(
        cat.DefinePermitKindRequest(code="TEH-BUSINESS", spec=revised_spec, reason="احیا ممکن شد"),
        metadata=md("TEH-MUN"),
    )
    assert revised.permit.revision == 2
    got = await api.permits.GetPermitKind(cat.GetPermitKindRequest(code="TEH-BUSINESS"))
    assert got.permit.spec.reinstatement.time_days == 3 and got.permit.spec.issuer == "TEH-MUN"
    listed = await api.permits.ListPermitKinds(cat.ListPermitKindsRequest())
    assert [p.code for p in listed.permits] == ["TEH-BUSINESS"]


async def test_open_datasets_are_public(api: Api) -> None:
    await api.permits.DefinePermitKind(
        cat.DefinePermitKindRequest(code="TEH-BUSINESS", spec=permit_spec()), metadata=md("TEH-MUN")
    )
    api.settle()
    for dataset, key, expected in (
        (mon.OPEN_DATASET_CATALOGUE, "service_code", {ONLINE, SMART, COUNTER, FORMS}),
        (mon.OPEN_DATASET_PERMITS, "code", {"TEH-BUSINESS"}),
    ):
        as_csv = await api.monitoring.GetOpenData(
            mon.GetOpenDataRequest(dataset=dataset, format=mon.OPEN_DATA_FORMAT_CSV)
        )
        rows = list(csv.DictReader(io.StringIO(as_csv.data.decode("utf-8"))))
        assert {r[key] for r in rows} == expected
        as_json = await api.monitoring.GetOpenData(
            mon.GetOpenDataRequest(dataset=dataset, format=mon.OPEN_DATA_FORMAT_JSON)
        )
        assert {r[key] for r in json.loads(as_json.data)["rows"]} == expected
    catalogue = json.loads(
        (
            await api.monitoring.GetOpenData(
                mon.GetOpenDataRequest(
                    dataset=mon.OPEN_DATASET_CATALOGUE, format=mon.OPEN_DATA_FORMAT_JSON
                )
            )
        ).data
    )["rows"]
    counter = next(r for r in catalogue if r["service_code"] == COUNTER)
    assert (counter["electronic"], counter["electronic_by"]) == (False, "1406/06/31")
    reports = await api.monitoring.GetOpenData(
        mon.GetOpenDataRequest(dataset=mon.OPEN_DATASET_REPORTS, format=mon.OPEN_DATA_FORMAT_JSON)
    )
    kinds = {r["kind"] for r in json.loads(reports.data)["rows"]}
    assert kinds == {"quarterly", "four_monthly", "semiannual", "annual"}
    rows = list(
        csv.DictReader(
            io.StringIO(
                (
                    await api.monitoring.GetOpenData(
                        mon.GetOpenDataRequest(
                            dataset=mon.OPEN_DATASET_REPORTS, format=mon.OPEN_DATA_FORMAT_CSV
                        )
                    )
                ).data.decode()
            )
        )
    )
    assert {r["agency"] for r in rows} == {"MOJ", "MIMT"} and all(r["late"] == "True" for r in rows)
