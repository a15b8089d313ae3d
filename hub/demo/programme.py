"""The demo's programme part (issue 13 items 1-3), over gRPC as an agency or the public
would call it: the public catalogue with its electronic and non-electronic services, a
record refused for asking for an ID-card copy, the permits registry, an e-form refused
field by field, what the applicant is asked after delivery, the agencies' programmes and
a monthly progress report, and the quarterly report to the Cabinet naming the late
agencies, with the annual ranking."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.monitoring.v1 import monitoring_pb2 as mon
from tabadol.monitoring.v1 import monitoring_pb2_grpc
from tabadol.programme.v1 import programme_pb2 as prog
from tabadol.programme.v1 import programme_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.identifiers import Sheba
from hub.application.programme import jalali_today
from hub.servicers.auth import AGENCY_HEADER

__all__ = ["EXTRA_RECORDS", "run_programme_demo"]

_STEP = cat.ProcessStep
_REQ, _PROD, _DELIV = cat.STAGE_REQUEST, cat.STAGE_PRODUCTION, cat.STAGE_DELIVERY


def _meta(agency: str) -> tuple[tuple[str, str], ...]:
    return ((AGENCY_HEADER, agency),)


def _base(**fields: object) -> cat.ServiceRecordSpec:
    spec = cat.ServiceRecordSpec(
        legal_basis="قانون مدیریت خدمات کشوری، ماده ۳۶",
        service_type=cat.SERVICE_TYPE_SOVEREIGN,
        stakeholders=["شهروندان"],
        identity_level=2,
        units=["اداره کل خدمات الکترونیکی"],
        evaluation_method="نظرسنجی برخط پس از تحویل",
        time_limit_hours=72,
        required_documents=[
            cat.RequiredDocument(
                name="فرم درخواست", json_schema=json.dumps({"type": "object"}, ensure_ascii=False)
            )
        ],
    )
    for name, value in fields.items():
        if isinstance(value, list):
            spec.ClearField(name)
            getattr(spec, name).extend(value)
        elif hasattr(value, "CopyFrom"):
            getattr(spec, name).CopyFrom(value)
        else:
            setattr(spec, name, value)
    return spec


EXTRA_RECORDS: dict[str, cat.ServiceRecordSpec] = {
    "13021000103": _base(
        title_fa="ثبت نام آزمون کارشناسی رسمی",
        title_en="Official expert exam registration",
        owner_agency="MOJ",
        process=[
            _STEP(name="ثبت نام", stage=_REQ, time_limit_hours=1, automated=True),
            _STEP(name="تخصیص حوزه", stage=_PROD, time_limit_hours=1, automated=True),
            _STEP(name="صدور کارت ورود", stage=_DELIV, time_limit_hours=1, automated=True),
        ],
    ),
    "13021000104": _base(
        title_fa="احراز هویت حضوری کارشناس رسمی",
        title_en="In-person identification of official experts",
        owner_agency="MOJ",
        in_person_required=True,
        in_person_reasons=["انگشت‌نگاری و ثبت نمونه امضا"],
        non_electronic=cat.NonElectronicPlan(electronic_by="1406/06/31"),
        process=[
            _STEP(name="نوبت‌دهی", stage=_REQ, time_limit_hours=24),
            _STEP(name="حضور و انگشت‌نگاری", stage=_PROD, time_limit_hours=48, on_paper=True),
            _STEP(name="ثبت نتیجه", stage=_DELIV, time_limit_hours=24),
        ],
    ),
    "13021000301": _base(
        title_fa="صدور گواهی کد پستی",
        title_en="Postal code certificate",
        owner_agency="POST",
        fee=cat.Fee(
            tariff_rials=300_000,
            revenue_account=Sheba.from_bban("0170000000555666777888").value,
            legal_permit="مصوبه هیئت وزیران درباره تعرفه خدمات پستی",
        ),
        process=[
            _STEP(name="ثبت درخواست", stage=_REQ, time_limit_hours=1),
            _STEP(name="صدور گواهی", stage=_PROD, time_limit_hours=24),
            _STEP(name="ارسال الکترونیکی", stage=_DELIV, time_limit_hours=1),
        ],
    ),
}


async def run_programme_demo(
    channel: grpc.aio.Channel, *, delivered_code: str, now: datetime | None = None
) -> None:
    """Everything issue 13 items 1-3 adds, printed for a person."""
    catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
    permits = catalogue_pb2_grpc.PermitRegistryServiceStub(channel)
    desk_stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
    programme = programme_pb2_grpc.ProgrammeServiceStub(channel)
    monitoring = monitoring_pb2_grpc.MonitoringServiceStub(channel)

    print("\n== the full service identity card and the public catalogue (004 art. 2, 4, 5) ==")
    for code, spec in EXTRA_RECORDS.items():
        await catalogue.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=code, spec=spec),
            metadata=_meta(spec.owner_agency),
        )
    copy = cat.ServiceRecordSpec()
    copy.CopyFrom(EXTRA_RECORDS["13021000103"])
    copy.ClearField("required_documents")
    copy.required_documents.append(
        cat.RequiredDocument(name="تصویر صفحه\u200cاول شناسنامه", json_schema='{"type": "object"}')
    )
    try:
        await catalogue.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code="13021000199", spec=copy),
            metadata=_meta("MOJ"),
        )
    except grpc.aio.AioRpcError as error:
        print(f"a record asking for «تصویر صفحه‌اول شناسنامه» is refused: {error.code().name}:")
        print(f"  {error.details()}")
    listing = await catalogue.ListCatalogue(cat.ListCatalogueRequest())  # no agency: public
    maturity = {v: k.removeprefix("MATURITY_").lower() for k, v in cat.Maturity.items()}
    print("electronic services (خدمات الکترونیکی), a public read (no grant needed):")
    for e in listing.electronic:
        print(f"  {e.service_code} {e.owner_agency:<5} {maturity[e.maturity]:<7} «{e.title_fa}»")
    print("non-electronic services (خدمات الکترونیکی‌نشده) and their timetable (art. 4 n1):")
    for e in listing.non_electronic:
        print(
            f"  {e.service_code} {e.owner_agency:<5} {maturity[e.maturity]:<17} «{e.title_fa}»"
            f" electronic by {e.non_electronic.electronic_by}"
        )
    print(f"records not revised for a year: {listing.stale}")

    procedure = cat.PermitProcedure(
        process=["ثبت درخواست", "آزمون", "صدور پروانه"], cost_rials=4_500_000, time_days=30
    )
    defined = await permits.DefinePermitKind(
        cat.DefinePermitKindRequest(
            code="MOJ-EXPERT",
            spec=cat.PermitKindSpec(
                title_fa="پروانه کارشناسی رسمی دادگستری",
                title_en="Official expert licence",
                issuer="MOJ",
                legal_basis="قانون کانون کارشناسان رسمی دادگستری، ماده ۶",
                validity_months=36,
                issue=procedure,
                renewal=cat.PermitProcedure(
                    process=["درخواست تمدید"], cost_rials=1_000_000, time_days=7
                ),
                cancellation=cat.PermitProcedure(
                    process=["رأی دادگاه انتظامی"], cost_rials=0, time_days=30
                ),
                reinstatement=cat.PermitProcedure(
                    process=["درخواست اعاده"], cost_rials=500_000, time_days=14
                ),
            ),
        ),
        metadata=_meta("MOJ"),
    )
    p = defined.permit.spec
    print(
        f"permits registry (art. 5): {defined.permit.code} «{p.title_fa}» by {p.issuer}:"
        f" issue {p.issue.cost_rials:,} rials in {p.issue.time_days} days"
        f" ({' › '.join(p.issue.process)}), renewal {p.renewal.time_days} days,"
        f" cancellation, reinstatement {p.reinstatement.time_days} days"
    )

    print("\n== an e-form case (documents as e-forms, checked at OpenCase) ==")
    try:
        await desk_stub.OpenCase(
            desk.OpenCaseRequest(
                service_code="13021000202",
                applicant_national_code="0012345679",
                postal_code="1316943891",
                channel="web",
                forms=[
                    desk.FormData(
                        document="اظهارنامه مالیاتی",
                        json=json.dumps({"tax_year": 1370, "declaration_number": "12-34"}),
                    )
                ],
            ),
            metadata=_meta("MIMT"),
        )
    except grpc.aio.AioRpcError as error:
        print(f"OpenCase with a wrong tax form: {error.code().name}:")
        for problem in (error.details() or "").split("; "):
            print(f"  {problem}")
    forms = [
        desk.FormData(
            document="اظهارنامه مالیاتی",
            json=json.dumps({"tax_year": 1404, "declaration_number": "140412345"}),
        ),
        desk.FormData(
            document="گواهی عضویت اتاق", json=json.dumps({"membership_number": "IR-20417"})
        ),
    ]
    opened = await desk_stub.OpenCase(
        desk.OpenCaseRequest(
            service_code="13021000202",
            applicant_national_code="0012345679",
            postal_code="1316943891",
            channel="web",
            forms=forms,
        ),
        metadata=_meta("MIMT"),
    )
    print(
        f"the same request with valid e-forms opens case {opened.case.tracking_code}"
        f" ({', '.join(f.document for f in forms)} checked against their JSON Schemas)"
    )
    asked = await desk_stub.GetEvaluation(
        desk.GetEvaluationRequest(tracking_code=delivered_code), metadata=_meta("window:MYGOV")
    )
    questions = ", ".join(f"«{q.text_fa}» ({q.key})" for q in asked.method.questions)
    print(
        f"after delivery of {delivered_code} the applicant is asked {questions} on"
        f" {asked.method.scale_min}-{asked.method.scale_max}; the window closes"
        f" {asked.closes_at_jalali} ({'open' if asked.open else 'closed'}, rated: {asked.rated})"
    )
    quality = await programme.GetServiceQuality(prog.GetServiceQualityRequest())
    for q in quality.services:
        print(
            f"  quality {q.agency} {q.service_code}: delivered {q.delivered}, on time"
            f" {q.share_on_time:.0%}, in person {q.share_in_person:.0%},"
            f" reworked {max(q.share_reworked, 0):.0%}, answered {max(q.response_rate, 0):.0%}"
        )

    print("\n== the agencies' programmes and the reports (002 art. 6-9; 004 art. 18-19) ==")
    year, month = jalali_today(now or datetime.now(UTC))
    ended = max(month - 1, 1)
    axes = [prog.PRIORITY_AXIS_WIDE_USE]
    moj = await programme.SubmitProgramme(
        prog.SubmitProgrammeRequest(
            year=year,
            items=[
                prog.ProgrammeItem(
                    service_code="13021000101",
                    priority=1,
                    axes=axes,
                    depends_on=["13021000202"],
                    due_month=ended,
                ),
                prog.ProgrammeItem(service_code="13021000103", priority=2, axes=axes),
            ],
        ),
        metadata=_meta("MOJ"),
    )
    mimt = await programme.SubmitProgramme(
        prog.SubmitProgrammeRequest(
            year=year,
            items=[prog.ProgrammeItem(service_code="13021000202", priority=1, axes=axes)],
        ),
        metadata=_meta("MIMT"),
    )
    for submitted in (moj.programme, mimt.programme):
        print(
            f"{submitted.agency} programme {submitted.year}: {len(submitted.items)} of"
            f" {submitted.services_total} services (at least {submitted.minimum_items})"
        )
    reported = await programme.ReportProgress(
        prog.ReportProgressRequest(
            year=year,
            month=month,
            entries=[
                prog.ProgressEntry(
                    service_code="13021000202",
                    status=prog.PROGRESS_STATUS_IN_PROGRESS,
                    percent=60,
                    note="اتصال به سامانه مالیاتی",
                )
            ],
        ),
        metadata=_meta("MIMT"),
    )
    last = reported.programme.reports[-1]
    print(f"MIMT's monthly progress report for {last.month_fa}: {last.entries[0].percent}%")
    quarter = (month - 1) // 3 + 1
    report = await programme.GetReport(
        prog.GetReportRequest(kind=prog.REPORT_KIND_QUARTERLY, year=year, period=quarter)
    )
    print(f"\n{report.markdown}")
    annual = await programme.GetReport(
        prog.GetReportRequest(kind=prog.REPORT_KIND_ANNUAL, year=year)
    )
    print(
        "annual ranking (004 art. 19): "
        + ", ".join(f"{r.rank}. {r.agency} {r.score:.1f}" for r in annual.ranking)
    )
    for dataset in (
        mon.OPEN_DATASET_CATALOGUE,
        mon.OPEN_DATASET_PERMITS,
        mon.OPEN_DATASET_PROGRAMMES,
        mon.OPEN_DATASET_REPORTS,
    ):
        data = await monitoring.GetOpenData(
            mon.GetOpenDataRequest(dataset=dataset, format=mon.OPEN_DATA_FORMAT_CSV)
        )
        rows = data.data.decode().splitlines()
        name = mon.OpenDataset.Name(dataset).removeprefix("OPEN_DATASET_").lower()
        print(f"open data {name}: {len(rows) - 1} rows, columns {rows[0][:90]}…")
