"""The service desk and catalogue over real gRPC, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.service_record import InquiryKind
from hub.audit.export import read_trail
from hub.testing import DEV_SEED_EVENTS
from hub.trail.verify import verify_trail
from tests.conftest import LiveHub
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

MD = (("x-tabadol-agency", AGENCY),)


def stubs(live: LiveHub) -> tuple[Any, Any]:
    return (
        catalogue_pb2_grpc.CatalogueServiceStub(live.channel),
        servicedesk_pb2_grpc.ServiceDeskServiceStub(live.channel),
    )


async def register(live: LiveHub) -> None:
    catalogue, _ = stubs(live)
    await catalogue.RegisterServiceRecord(
        cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()), metadata=MD
    )


async def open_case(live: LiveHub) -> str:
    _, desk_stub = stubs(live)
    reply = await desk_stub.OpenCase(
        desk.OpenCaseRequest(
            service_code=SERVICE_CODE,
            applicant_national_code=applicant(),
            postal_code="1316943891",
            channel="web",
        ),
        metadata=MD,
    )
    return str(reply.case.tracking_code)


async def record_exchanges(live: LiveHub, code: str, *, identity: bool) -> None:
    """Record what the other agencies' systems answered, through the hub's use cases (the
    exchanges over gRPC, against the simulators, are in test_case_exchanges*.py)."""
    use_cases = live.hub.exchange_records

    def record() -> None:
        if identity:
            use_cases.record_identity(
                code, active=True, national_code=applicant(), level=2, by=AGENCY
            )
            return
        use_cases.record_inquiry(
            code,
            InquiryKind.CIVIL_REGISTRATION,
            inquiry_tracking_code="1234567890123452",
            issuing_agency="SABTEAHVAL",
            facts={"alive": True, "birth_date_matched": True},
            inquired_at=datetime.now(UTC),
            by=AGENCY,
        )
        plan = use_cases.start_payment(code, by=AGENCY)
        assert plan.payment is not None
        use_cases.record_payment(
            code,
            idempotency_key=plan.payment.idempotency_key,
            payment_id="123456789012345678",
            status="settled",
            settlement_reference="123456789012",
            settled_at=datetime.now(UTC),
            by=AGENCY,
        )

    await asyncio.to_thread(record)


async def test_case_runs_request_to_delivery_and_the_trail_verifies(live_hub: LiveHub) -> None:
    await register(live_hub)
    _, stub = stubs(live_hub)
    code = await open_case(live_hub)
    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ثبت درخواست"), metadata=MD
    )
    with pytest.raises(grpc.aio.AioRpcError) as unverified:
        await stub.CompleteStage(
            desk.CompleteStageRequest(tracking_code=code, stage=cat.STAGE_REQUEST), metadata=MD
        )
    assert unverified.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "identity is not verified at assurance level 2" in str(unverified.value.details())
    await record_exchanges(live_hub, code, identity=True)
    await stub.CompleteStage(
        desk.CompleteStageRequest(tracking_code=code, stage=cat.STAGE_REQUEST), metadata=MD
    )
    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="استعلام سوابق"), metadata=MD
    )
    await stub.CompleteStage(
        desk.CompleteStageRequest(tracking_code=code, stage=cat.STAGE_PRODUCTION), metadata=MD
    )
    await stub.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ارسال الکترونیکی"), metadata=MD
    )
    with pytest.raises(grpc.aio.AioRpcError) as unpaid:
        await stub.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD)
    assert unpaid.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "civil_registration inquiry" in str(unpaid.value.details())
    assert "the fee of 1,200,000 rials (not requested)" in str(unpaid.value.details())
    await record_exchanges(live_hub, code, identity=False)
    await stub.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD)
    rated = await stub.RateSatisfaction(
        desk.RateSatisfactionRequest(tracking_code=code, score=5, comment="عالی"),
        metadata=(("x-tabadol-agency", "MYGOV"),),
    )
    assert rated.case.satisfaction.score == 5

    got = (await stub.GetCase(desk.GetCaseRequest(tracking_code=code.lower()), metadata=MD)).case
    assert got.status == desk.CASE_STATUS_DELIVERED
    assert [e.kind for e in got.timeline] == [
        "opened", "step_recorded", "identity_verified", "stage_completed", "step_recorded",
        "stage_completed", "step_recorded", "inquiry_made", "payment_requested",
        "payment_settled", "delivered", "rated",
    ]  # fmt: skip
    assert got.identity_level == 2 and list(got.missing_for_delivery) == []
    assert got.payment.status == desk.PAYMENT_STATUS_SETTLED
    assert got.inquiries[0].facts == {"alive": "true", "birth_date_matched": "true"}
    assert got.timeline[0].by_agency == AGENCY and got.timeline[-1].by_agency == "MYGOV"
    assert got.timeline[0].at_jalali.startswith("14")  # Solar Hijri year
    assert got.applicant_masked != applicant() and got.applicant_masked.endswith(applicant()[-2:])
    persian = (
        await stub.GetCase(
            desk.GetCaseRequest(tracking_code=code, digits=desk.DIGITS_PERSIAN), metadata=MD
        )
    ).case
    assert persian.timeline[0].at_jalali[0] == "۱"

    report = verify_trail(read_trail(live_hub.settings.event_store), live_hub.ring)
    assert report.ok, report.problem
    # The record, the case and one inquiry receipt; one signature per transaction (the
    # inquiry and its receipt are recorded together); and the seeded rights table: one
    # aggregate, one signature over its group commit.
    assert report.events == DEV_SEED_EVENTS + 14
    assert report.aggregates == 4 and report.signatures == 14


async def test_record_revisions_keep_history(live_hub: LiveHub) -> None:
    await register(live_hub)
    catalogue, _ = stubs(live_hub)
    revised = await catalogue.ReviseServiceRecord(
        cat.ReviseServiceRecordRequest(
            service_code=SERVICE_CODE,
            spec=spec_proto(time_limit_hours=72),
            reason="کاهش زمان",
            expected_revision=1,
        ),
        metadata=MD,
    )
    assert revised.record.revision == 2
    first = await catalogue.GetServiceRecord(
        cat.GetServiceRecordRequest(service_code=SERVICE_CODE, revision=1), metadata=MD
    )
    latest = await catalogue.GetServiceRecord(
        cat.GetServiceRecordRequest(service_code=SERVICE_CODE), metadata=MD
    )
    assert (first.record.spec.time_limit_hours, latest.record.spec.time_limit_hours) == (96, 72)
    assert latest.record.revision_reason == "کاهش زمان"
    listed = await catalogue.ListServiceRecords(cat.ListServiceRecordsRequest(), metadata=MD)
    assert [r.service_code for r in listed.records] == [SERVICE_CODE]
    assert [r.revision for r in listed.records] == [2]


def _status(error: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, list[str]]:
    fields: list[str] = []
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
    return error.code(), fields


# One call per error kind (and the refusals only the edge can make, from proto values);
# the full table of the rules is tests/application/test_service_desk_rules.py.
BAD_CALLS: dict[str, tuple[Callable[[Any, Any, str], Awaitable[Any]], grpc.StatusCode, str]] = {
    "national code check digit": (
        lambda c, d, code: d.OpenCase(
            desk.OpenCaseRequest(
                service_code=SERVICE_CODE,
                applicant_national_code="0012345678",
                postal_code="1316943891",
                channel="web",
            ),
            metadata=MD,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "applicant_national_code",
    ),
    "unknown service": (
        lambda c, d, code: d.OpenCase(
            desk.OpenCaseRequest(
                service_code="99999999",
                applicant_national_code=applicant(),
                postal_code="1316943891",
                channel="web",
            ),
            metadata=MD,
        ),
        grpc.StatusCode.NOT_FOUND,
        "",
    ),
    "impossible transition": (
        lambda c, d, code: d.DeliverCase(desk.DeliverCaseRequest(tracking_code=code), metadata=MD),
        grpc.StatusCode.FAILED_PRECONDITION,
        "",
    ),
    "stage left unspecified": (
        lambda c, d, code: d.CompleteStage(
            desk.CompleteStageRequest(tracking_code=code), metadata=MD
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "stage",
    ),
    "service type unspecified": (
        lambda c, d, code: c.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(
                service_code="13021000999", spec=spec_proto(service_type=0)
            ),
            metadata=MD,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "spec.service_type",
    ),
    "registering twice": (
        lambda c, d, code: c.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
            metadata=MD,
        ),
        grpc.StatusCode.ALREADY_EXISTS,
        "",
    ),
    "another agency's case": (
        lambda c, d, code: d.RejectCase(
            desk.RejectCaseRequest(tracking_code=code, reason="x"),
            metadata=(("x-tabadol-agency", "TAX"),),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "",
    ),
    "no agency identified": (
        lambda c, d, code: d.GetCase(desk.GetCaseRequest(tracking_code=code)),
        grpc.StatusCode.UNAUTHENTICATED,
        "",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CALLS))
async def test_bad_input_is_refused_with_its_field_and_stores_nothing(
    live_hub: LiveHub, case: str
) -> None:
    await register(live_hub)
    code = await open_case(live_hub)
    before = live_hub.hub.recorder.max_notification_id()
    call, expected, field = BAD_CALLS[case]
    catalogue, stub = stubs(live_hub)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(catalogue, stub, code)
    got, fields = _status(raised.value)
    assert got == expected, raised.value.details()
    if field:
        assert field in fields, (fields, raised.value.details())
        assert field.split(".")[-1] in raised.value.details()
    assert raised.value.details()  # always a message a person can read
    assert live_hub.hub.recorder.max_notification_id() == before


async def test_health_and_reflection_are_on(live_hub: LiveHub) -> None:
    health = health_pb2_grpc.HealthStub(live_hub.channel)
    reply = await health.Check(
        health_pb2.HealthCheckRequest(service="tabadol.servicedesk.v1.ServiceDeskService")
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflect = reflection_pb2_grpc.ServerReflectionStub(live_hub.channel)
    call = reflect.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name async for r in call for s in r.list_services_response.service}
    assert {
        "tabadol.catalogue.v1.CatalogueService",
        "tabadol.servicedesk.v1.ServiceDeskService",
    } <= names
