"""Civil registration over loopback: inquiry, tracking-code verification, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from connector_support import AGENCY, FAST, TRACKING, Serve
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from tabadol.civilregistry.v1 import civilregistry_pb2 as pb
from tabadol.civilregistry.v1 import civilregistry_pb2_grpc as pb_grpc

from connectors import ConnectorError, civil_registry, synthetic
from connectors.civil_registry import simulator

PEOPLE = synthetic.people(1405, 20)


async def test_inquire_person_returns_the_record_and_a_verifiable_code(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    person = PEOPLE[3]
    async with await civil_registry.connect(target, agency=AGENCY, **FAST) as client:
        inquiry = await client.inquire_person(
            person.national_code, person.birth_date_jalali, tracking_code=TRACKING
        )
        assert inquiry.person == person
        assert abs(inquiry.inquired_at - datetime.now(UTC)) < timedelta(seconds=5)

        verification = await client.verify_inquiry(
            inquiry.inquiry_tracking_code, tracking_code="C-OTHER-CASE"
        )
    assert verification.authentic
    assert verification.issued_at == inquiry.inquired_at
    assert verification.issued_at_jalali.startswith("14")
    assert verification.national_code_masked == (
        f"{person.national_code[:3]}*****{person.national_code[-2:]}"
    )
    # The metadata travelled: the registry knows who asked, for which case (004 art. 6).
    assert (verification.agency, verification.case_tracking_code) == (AGENCY, TRACKING)


async def test_an_unknown_tracking_code_is_not_authentic(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    async with await civil_registry.connect(target, agency=AGENCY, **FAST) as client:
        verification = await client.verify_inquiry("1234567890123452", tracking_code=TRACKING)
        assert not verification.authentic
        assert verification.issued_at is None and verification.national_code_masked == ""
        with pytest.raises(ConnectorError) as caught:
            await client.verify_inquiry("1234", tracking_code=TRACKING)
    assert caught.value.code == "INVALID_ARGUMENT"
    assert [v.field for v in caught.value.violations] == ["inquiry_tracking_code"]


async def test_malformed_input_is_refused_field_by_field(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    async with await civil_registry.connect(target, agency=AGENCY, **FAST) as client:
        with pytest.raises(ConnectorError) as caught:
            await client.inquire_person("0013542418", "1404/12/30", tracking_code=TRACKING)
    error = caught.value
    assert (error.system, error.kind, error.code) == (
        "civil-registry",
        "refused",
        "INVALID_ARGUMENT",
    )
    assert {v.field for v in error.violations} == {"national_code", "birth_date_jalali"}
    assert client.circuit_state == "closed"


async def test_unknown_person_or_wrong_birth_date_is_not_found(serve: Serve) -> None:
    target = await serve(simulator.create_server, population=20)
    stranger = synthetic.people(1405, 21)[20]
    person = PEOPLE[0]
    async with await civil_registry.connect(target, agency=AGENCY, **FAST) as client:
        for national_code, born in [
            (stranger.national_code, stranger.birth_date_jalali),
            (person.national_code, "1300/01/01"),
        ]:
            with pytest.raises(ConnectorError) as caught:
                await client.inquire_person(national_code, born, tracking_code=TRACKING)
            assert (caught.value.kind, caught.value.code) == ("refused", "NOT_FOUND")


async def test_calls_without_agency_or_tracking_code_are_refused(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    person = PEOPLE[0]
    request = pb.InquirePersonRequest(
        national_code=person.national_code, birth_date_jalali=person.birth_date_jalali
    )
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.CivilRegistryServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as anonymous:
            await stub.InquirePerson(request)
        with pytest.raises(grpc.aio.AioRpcError) as untracked:
            await stub.InquirePerson(request, metadata=(("x-tabadol-agency", AGENCY),))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert untracked.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_health_and_reflection_are_on(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    async with grpc.aio.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        answer = await health.Check(health_pb2.HealthCheckRequest(service=simulator.SERVICE_NAME))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING

        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        async for response in reflection.ServerReflectionInfo(iter([request])):
            names = {s.name for s in response.list_services_response.service}
            break
    assert "tabadol.civilregistry.v1.CivilRegistryService" in names
