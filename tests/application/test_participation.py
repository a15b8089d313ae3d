"""E-participation's use cases on the in-memory store: participants arrive as pseudonyms
from the async edge, one vote per person, the agency's own calls, routed petitions."""

from __future__ import annotations

from datetime import datetime, timedelta

import jdatetime
import pytest

from aggregates.errors import AlreadyExists, InvalidInput, TransitionRefused
from aggregates.identifiers import NationalCode
from aggregates.jalali import TEHRAN
from aggregates.petition import PetitionStatus, Route, RoutingTable
from hub.application.errors import AccessDenied
from hub.application.hub import TabadolHub
from hub.testing import InMemoryIdentityVerifier, ManualClock
from hub.trail.pseudonyms import PARTICIPANT, Pseudonymiser
from tests.application.conftest import KEY

SHA = "ab" * 32


def person(serial: int) -> str:
    return NationalCode.from_serial(f"{serial:09d}").value


def day(moment: datetime, days: int = 0) -> str:
    local = jdatetime.date.fromgregorian(date=(moment.astimezone(TEHRAN) + timedelta(days)).date())
    return f"{local.year:04d}/{local.month:02d}/{local.day:02d}"


def open_call(hub: TabadolHub, clock: ManualClock, *, days: int = 31, kind: str = "bill") -> str:
    code = hub.consultations.request_consultation(
        unit="معاونت آموزشی", kind=kind, participation_type="vote", by="MSRT"
    ).tracking_code
    hub.consultations.publish_draft(
        code,
        title_fa="آیین‌نامه آموزشی",
        title_en="Education by-law",
        summary_fa="پیش‌نویس مقدماتی",
        summary_en="Preliminary draft",
        document_sha256=SHA,
        document_url="https://www.msrt.ir/drafts/bylaw.pdf",
        opens_on=day(clock()),
        closes_on=day(clock(), days),
        by="MSRT",
    )
    return code


async def test_one_person_votes_once_by_pseudonym(
    participating: TabadolHub, ids: InMemoryIdentityVerifier, clock: ManualClock
) -> None:
    code = open_call(participating, clock)
    token = ids.issue(person(42))
    pseudonym = await participating.participants.pseudonym_of(token)
    assert pseudonym == Pseudonymiser(KEY, PARTICIPANT)(person(42))
    receipt = participating.consultations.cast_vote(
        code, participant=pseudonym, choice="agree", by="MYGOV"
    )
    assert receipt.participant == pseudonym and person(42) not in repr(receipt)
    again = await participating.participants.pseudonym_of(ids.issue(person(42)))
    with pytest.raises(AlreadyExists):
        participating.consultations.cast_vote(
            code, participant=again, choice="disagree", by="MYGOV"
        )
    assert participating.consultations.get_consultation(code).votes == 1


async def test_the_edge_refuses_a_missing_or_revoked_token(
    participating: TabadolHub, ids: InMemoryIdentityVerifier
) -> None:
    with pytest.raises(InvalidInput) as empty:
        await participating.participants.pseudonym_of("  ")
    assert empty.value.fields == ("identity_token",)
    token = ids.issue(person(7))
    ids.revoke(token)
    with pytest.raises(InvalidInput, match="not active"):
        await participating.participants.pseudonym_of(token)
    assert await participating.participants.optional_pseudonym_of("") == ""


def test_an_agency_policy_lengthens_the_minimum_and_only_the_owner_acts(
    participating: TabadolHub, clock: ManualClock
) -> None:
    with pytest.raises(InvalidInput, match="30"):
        open_call(participating, clock, days=20, kind="regulation")
    code = open_call(participating, clock)
    with pytest.raises(AccessDenied):
        participating.consultations.record_key_concerns(code, [], by="MOJ")
    with pytest.raises(TransitionRefused):
        participating.consultations.consultation_report(code)  # not closed yet
    clock.advance(timedelta(days=31))
    assert participating.consultations.consultation_report(code).tracking_code == code


def test_a_petition_is_routed_and_answered_only_by_the_unit_in_charge(
    hub: TabadolHub, ids: InMemoryIdentityVerifier, clock: ManualClock
) -> None:
    hub.configure_participation(
        verifier=ids,
        pseudonym_key=KEY,
        routing=RoutingTable.of(Route("MYGOV", "میز خدمت"), {"shares": Route("IPO", "سهام")}),
        now=clock,
    )
    submitted = hub.petitions.submit_petition(
        kind="complaint", topic="Shares", subject="تأخیر", body="سود واریز نشد", by="MYGOV"
    )
    assert (submitted.routed_agency, submitted.identified) == ("IPO", False)
    with pytest.raises(AccessDenied, match="routed to IPO"):
        hub.petitions.answer_petition(submitted.tracking_code, answer="x", by="MYGOV")
    answered = hub.petitions.answer_petition(submitted.tracking_code, answer="واریز شد", by="IPO")
    assert answered.status is PetitionStatus.ANSWERED
    assert hub.petitions.get_petition(submitted.tracking_code).answer == "واریز شد"
