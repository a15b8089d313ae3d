"""Petitions and consultations as the regulations word them, through the hub's gRPC API
(000 items 1, 4-5; 001 items 1-2, 6; 003): routing tables configured by the operator,
forwarding with its trail, deadlines, the overdue list and KPIs, comments per service;
Jalali calendar periods, the agency hierarchy, legal persons through a representative the
deeds registry confirms, decisions with a legal basis pushed to the participant, the
opt-in public name, intermediate draft versions in the report."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from tabadol.participation.v1 import consultation_pb2 as pb
from tabadol.participation.v1 import petition_pb2 as pet

from connectors import deeds_registry, synthetic
from connectors.deeds_registry import simulator as deeds_sim
from connectors.errors import ConnectorError
from hub.application.participants import DeedsRepresentation
from hub.servicers.auth import AGENCY_HEADER
from tests.integration.test_participation_grpc import (
    IPO,
    KEY,
    MSRT,
    ROUTING,
    WINDOW,
    Live,
    draft,
    live,
    new_call,
)

__all__ = ["live"]  # the fixture, imported for pytest

OPERATOR = ((AGENCY_HEADER, "hub:TABADOL"),)  # the operator principal: no grant needed
GUILDS_MD = ((AGENCY_HEADER, "GUILDS"),)
BASIS = "ماده ۹ تصویب‌نامه ۱۱۲۷۱۲۸ شورای عالی اداری (حقوق شهروندی در نظام اداری)"
SEED = 1405


def _as_operator(live: Live) -> None:
    """The participation settings the tests below start from (who may configure is no
    setting: the operator principal, never an agency granted the whole service)."""
    live.hub.configure_participation(
        verifier=live.ids,
        pseudonym_key=KEY,
        minimum_days={"msrt": 30},
        routing=ROUTING,
        now=live.clock,
    )


def _code(error: pytest.ExceptionInfo[grpc.aio.AioRpcError]) -> grpc.StatusCode:
    return error.value.code()


# --- petitions --------------------------------------------------------------------------


async def test_routing_is_configured_by_the_operator_and_petitions_are_forwarded_in_time(
    live: Live,
) -> None:
    _as_operator(live)
    table = pet.ConfigureRoutingRequest(
        default_route=pet.Route(agency="MYGOV", unit="میز خدمت"),
        routes={
            "shares": pet.Route(agency="IPO", unit="دفتر سهام عدالت", answer_days=3),
            "desk": pet.Route(agency="IPO", unit="میز خدمت الکترونیکی", answer_days=5),
        },
    )
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await live.petitions.ConfigureRouting(table, metadata=IPO)
    assert _code(denied) == grpc.StatusCode.PERMISSION_DENIED
    assert "only the hub's operator" in (denied.value.details() or "")
    before = (await live.petitions.GetRouting(pet.GetRoutingRequest(), metadata=IPO)).table
    assert before.version == 0 and before.default_route.agency == ROUTING.default.agency
    set_ = (await live.petitions.ConfigureRouting(table, metadata=OPERATOR)).table
    assert (set_.version, set_.changed_by, set_.routes["shares"].answer_days) == (
        1,
        "hub:TABADOL",
        3,
    )

    submitted = (
        await live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=pet.PETITION_KIND_COMPLAINT,
                topic="shares",
                subject="تأخیر در واریز سود سهام عدالت",
                body="سود سال گذشته واریز نشده است.",
            ),
            metadata=WINDOW,
        )
    ).petition
    assert (submitted.routed_agency, submitted.routed_unit) == ("IPO", "دفتر سهام عدالت")
    due = submitted.answer_due_at.ToDatetime() - submitted.submitted_at.ToDatetime()
    assert due == timedelta(days=3) and not submitted.overdue
    code = submitted.tracking_code

    with pytest.raises(grpc.aio.AioRpcError) as not_holder:
        await live.petitions.ForwardPetition(
            pet.ForwardPetitionRequest(
                tracking_code=code, to_agency="MSRT", to_unit="x", reason="y"
            ),
            metadata=MSRT,
        )
    assert _code(not_holder) == grpc.StatusCode.PERMISSION_DENIED
    live.clock.advance(timedelta(hours=2))
    forwarded = (
        await live.petitions.ForwardPetition(
            pet.ForwardPetitionRequest(
                tracking_code=code,
                to_agency="IPO",
                to_unit="امور حقوقی",
                reason="نیاز به نظر حقوقی",
            ),
            metadata=IPO,
        )
    ).petition
    assert [(h.agency, h.unit, h.reason) for h in forwarded.holders] == [
        ("IPO", "دفتر سهام عدالت", ""),
        ("IPO", "امور حقوقی", "نیاز به نظر حقوقی"),
    ]
    assert forwarded.answer_due_at == submitted.answer_due_at

    comment = (
        await live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=pet.PETITION_KIND_COMMENT,
                topic="desk",
                subject="فرم درخواست مبهم است",
                body="بند ۳ فرم روشن نیست.",
                service_code="12010001",
            ),
            metadata=WINDOW,
        )
    ).petition
    assert comment.service_code == "12010001"
    with pytest.raises(grpc.aio.AioRpcError) as no_service:
        await live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=pet.PETITION_KIND_COMMENT, topic="desk", subject="s", body="b"
            ),
            metadata=WINDOW,
        )
    assert _code(no_service) == grpc.StatusCode.INVALID_ARGUMENT

    live.clock.advance(timedelta(days=4))
    late = (
        await live.petitions.GetPetition(pet.GetPetitionRequest(tracking_code=code), metadata=IPO)
    ).petition
    assert late.overdue
    desk = await live.petitions.GetPetitionDesk(pet.GetPetitionDeskRequest(), metadata=IPO)
    assert [(o.tracking_code, o.unit, o.forwards) for o in desk.overdue] == [
        (code, "امور حقوقی", 1)
    ]
    assert desk.overdue[0].hours_late == pytest.approx(26.0, abs=0.1)
    kpis = {k.unit: k for k in desk.kpis}
    assert (kpis["امور حقوقی"].received, kpis["امور حقوقی"].overdue) == (1, 1)
    assert kpis["دفتر سهام عدالت"].forwarded_away == 1
    assert kpis["امور حقوقی"].answered_on_time_percent == -1.0
    (summary,) = desk.service_comments
    assert (summary.service_code, summary.unit, summary.comments, summary.open) == (
        "12010001",
        "میز خدمت الکترونیکی",
        1,
        1,
    )
    assert list(summary.latest_subjects) == ["فرم درخواست مبهم است"]
    answered = (
        await live.petitions.AnswerPetition(
            pet.AnswerPetitionRequest(tracking_code=code, answer="سود واریز شد."), metadata=IPO
        )
    ).petition
    assert answered.overdue  # answered after its deadline
    after = await live.petitions.GetPetitionDesk(pet.GetPetitionDeskRequest(), metadata=IPO)
    assert [o.tracking_code for o in after.overdue] == []
    assert {k.unit: k for k in after.kpis}["امور حقوقی"].answered_on_time_percent == 0.0


# --- consultations ------------------------------------------------------------------------


async def test_calendar_periods_and_the_agency_hierarchy(live: Live) -> None:
    _as_operator(live)
    bill = await new_call(live, md=IPO, kind=pb.DRAFT_KIND_BILL, publish=False)
    # opened 1405/02/01, a month later is 1405/03/01 (Ordibehesht has 31 days)
    with pytest.raises(grpc.aio.AioRpcError) as short:
        await live.calls.PublishDraft(
            draft(live, bill, opens_on="1405/02/01", closes_on="1405/02/31"), metadata=IPO
        )
    assert "closes on 1405-03-01 at the earliest" in (short.value.details() or "")
    with pytest.raises(grpc.aio.AioRpcError) as long:
        await live.calls.PublishDraft(
            draft(live, bill, opens_on="1405/02/01", closes_on="1405/05/02"), metadata=IPO
        )
    assert "at most 3 Jalali months" in (long.value.details() or "")
    published = await live.calls.PublishDraft(
        draft(live, bill, opens_on="1405/02/01", closes_on="1405/03/01"), metadata=IPO
    )
    assert published.consultation.closes_at_jalali == "1405-03-01 00:00:00"

    policy = pb.ConfigurePolicyRequest(
        parents={"GUILDS": "MSRT"}, minimum_days={"MSRT": 30, "GUILDS": 20}
    )
    for not_operator in (MSRT, ((AGENCY_HEADER, "TABADOL"),), ((AGENCY_HEADER, "auditor:DIWAN"),)):
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await live.calls.ConfigurePolicy(policy, metadata=not_operator)
        assert _code(denied) == grpc.StatusCode.PERMISSION_DENIED
    got = (await live.calls.ConfigurePolicy(policy, metadata=OPERATOR)).policy
    assert (got.version, dict(got.parents)) == (1, {"GUILDS": "MSRT"})
    affiliated = await new_call(live, md=GUILDS_MD, publish=False)
    with pytest.raises(grpc.aio.AioRpcError) as covered:
        await live.calls.PublishDraft(draft(live, affiliated, days=21), metadata=GUILDS_MD)
    assert "agency GUILDS's policy requires calls to stay open at least 30 days" in (
        covered.value.details() or ""
    ) or "at least 30 days" in (covered.value.details() or "")
    ok = await live.calls.PublishDraft(draft(live, affiliated, days=30), metadata=GUILDS_MD)
    assert ok.consultation.minimum_days == 30
    read = (await live.calls.GetPolicy(pb.GetPolicyRequest(), metadata=IPO)).policy
    assert dict(read.minimum_days) == {"MSRT": 30, "GUILDS": 20}


@pytest.fixture
async def deeds(live: Live) -> AsyncIterator[str]:
    """A deeds-registry simulator the hub asks to confirm representatives."""
    server, port = await deeds_sim.create_server("127.0.0.1:0", seed=SEED)
    client = await deeds_registry.connect(f"127.0.0.1:{port}", agency="TABADOL")
    live.hub.configure_participation(
        verifier=live.ids,
        pseudonym_key=KEY,
        minimum_days={"msrt": 30},
        routing=ROUTING,
        now=live.clock,
        representation=DeedsRepresentation(client, failure=ConnectorError),
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await client.close()
        await server.stop(0)


async def test_legal_persons_decisions_names_and_versions(live: Live, deeds: str) -> None:
    company = next(c for c in synthetic.legal_persons(SEED, 300) if c.status == "active")
    director = company.representatives[0][0]
    rep_token = live.ids.issue(director)
    live.people[rep_token] = director
    citizen = live.person(7)
    code = await new_call(live)
    live.clock.advance(timedelta(hours=1))
    ngo = pb.OnBehalfOf(national_id=company.national_id, kind=pb.LEGAL_PERSON_KIND_COMPANY)
    first = await live.calls.SubmitComment(
        pb.SubmitCommentRequest(
            tracking_code=code, identity_token=rep_token, text="ماده ۲ مبهم است", on_behalf_of=ngo
        ),
        metadata=WINDOW,
    )
    with pytest.raises(grpc.aio.AioRpcError) as not_theirs:
        await live.calls.SubmitComment(
            pb.SubmitCommentRequest(
                tracking_code=code, identity_token=citizen, text="جعلی", on_behalf_of=ngo
            ),
            metadata=WINDOW,
        )
    assert _code(not_theirs) == grpc.StatusCode.INVALID_ARGUMENT
    revised = await live.calls.ReviseDraft(
        pb.ReviseDraftRequest(
            tracking_code=code,
            document=pb.Document(sha256="cd" * 32, url="https://www.msrt.ir/drafts/bylaw-v2.pdf"),
            changes=[pb.KeyConcern(fa="ماده ۲ روشن شد", en="Article 2 clarified")],
        ),
        metadata=MSRT,
    )
    assert revised.consultation.draft_version == 2
    assert revised.consultation.versions[0].changes[0].en == "Article 2 clarified"
    await live.calls.SubmitComment(
        pb.SubmitCommentRequest(tracking_code=code, identity_token=citizen, text="خوب است"),
        metadata=WINDOW,
    )
    named = await live.calls.SetRankingName(
        pb.SetRankingNameRequest(identity_token=citizen, display_name="مریم احمدی"),
        metadata=WINDOW,
    )

    stream = live.calls.FollowDecisions(
        pb.FollowDecisionsRequest(identity_token=rep_token), metadata=WINDOW
    )
    live.clock.advance(timedelta(days=32))
    with pytest.raises(grpc.aio.AioRpcError) as no_basis:
        await live.calls.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=code, number=1, accepted=True, reason="اعمال شد"
            ),
            metadata=MSRT,
        )
    assert _code(no_basis) == grpc.StatusCode.INVALID_ARGUMENT
    for number, accepted in ((1, True), (2, False)):
        await live.calls.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=code,
                number=number,
                accepted=accepted,
                reason="اعمال شد" if accepted else "خارج از موضوع",
                legal_basis=BASIS,
            ),
            metadata=MSRT,
        )
    pushed = await asyncio.wait_for(stream.read(), timeout=10)
    stream.cancel()
    assert (pushed.tracking_code, pushed.suggestion_number, pushed.accepted) == (code, 1, True)
    assert pushed.legal_basis == BASIS and pushed.position > 0

    report = (
        await live.calls.GetConsultationReport(
            pb.GetConsultationReportRequest(tracking_code=code), metadata=WINDOW
        )
    ).report
    assert [v.version for v in report.versions] == [1, 2]
    assert [v.comments for v in report.versions] == [1, 1]
    assert dict(report.participants_by_person_kind)["company"] == 1
    assert report.suggestions[0].on_behalf_of.national_id == company.national_id
    assert report.suggestions[0].legal_basis == BASIS
    assert json.loads(report.json)["versions"][1]["changes"][0]["en"] == "Article 2 clarified"
    ranking = await live.calls.GetCitizenRanking(pb.GetCitizenRankingRequest(), metadata=WINDOW)
    names = {r.participant: r.display_name for r in ranking.top}
    assert names[named.participant] == "مریم احمدی"
    assert names[first.participant] == ""


async def test_reflection_lists_the_new_rpcs(live: Live) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(live.channel)

    async def methods(service: str) -> set[str]:
        request = reflection_pb2.ServerReflectionRequest(file_containing_symbol=service)
        async for answer in stub.ServerReflectionInfo(iter([request])):
            names: set[str] = set()
            for raw in answer.file_descriptor_response.file_descriptor_proto:
                file = descriptor_pb2.FileDescriptorProto.FromString(raw)
                for svc in file.service:
                    names |= {m.name for m in svc.method}
            return names
        return set()

    assert {"ForwardPetition", "ConfigureRouting", "GetRouting", "GetPetitionDesk"} <= (
        await methods("tabadol.participation.v1.PetitionService")
    )
    assert {
        "ReviseDraft",
        "SetRankingName",
        "FollowDecisions",
        "ConfigurePolicy",
        "GetPolicy",
    } <= await methods("tabadol.participation.v1.ConsultationService")
