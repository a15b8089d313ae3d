"""E-participation over real gRPC, on SQLite and on PostgreSQL: consultations from call to
final version, one vote per person (also across two hubs on one store), the report's
figures against the generated participation, certificates, ranking, petitions, every
refusal with its status and field, and the signed trail."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import jdatetime
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from tabadol.participation.v1 import consultation_pb2 as pb
from tabadol.participation.v1 import consultation_pb2_grpc, petition_pb2_grpc
from tabadol.participation.v1 import petition_pb2 as pet

from aggregates.errors import AlreadyExists
from aggregates.identifiers import NationalCode, TrackingCode, TrackingKind
from aggregates.jalali import TEHRAN
from aggregates.petition import Route, RoutingTable
from hub.application.hub import TabadolHub
from hub.application.participants import TokenlessDevVerifier
from hub.audit.export import read_trail
from hub.bootstrap import create_server
from hub.config import Settings, store_env
from hub.demo.consultation import run_consultation_demo
from hub.servicers.auth import AGENCY_HEADER
from hub.testing import DEV_SEED_EVENTS, InMemoryIdentityVerifier, ManualClock, dev_env
from hub.trail.certificates import CertificateError, verify_certificate
from hub.trail.keys import PublicKeyRing, Signer
from hub.trail.pseudonyms import Pseudonymiser
from hub.trail.verify import verify_trail

START = datetime(2026, 4, 21, 6, 30, tzinfo=UTC)  # 1405-02-01 10:00 in Tehran
KEY = b"tabadol-test-pseudonym-key-0123456789"
MSRT, IPO, WINDOW = (
    ((AGENCY_HEADER, "MSRT"),),
    ((AGENCY_HEADER, "IPO"),),
    ((AGENCY_HEADER, "MYGOV"),),
)
ROUTING = RoutingTable.of(Route("MYGOV", "میز خدمت"), {"shares": Route("IPO", "دفتر سهام عدالت")})
SHA = "ab" * 32


_Hub = TabadolHub  # the hub's application carries the participation use cases


def jalali_day(moment: datetime, days: int = 0) -> str:
    day = jdatetime.date.fromgregorian(date=(moment.astimezone(TEHRAN) + timedelta(days)).date())
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


@dataclass
class Live:
    hub: _Hub
    channel: grpc.aio.Channel
    clock: ManualClock
    ids: InMemoryIdentityVerifier
    store_url: str
    ring: PublicKeyRing
    people: dict[str, str] = field(default_factory=dict)  # token -> national code

    @property
    def calls(self) -> Any:
        return consultation_pb2_grpc.ConsultationServiceStub(self.channel)

    @property
    def petitions(self) -> Any:
        return petition_pb2_grpc.PetitionServiceStub(self.channel)

    def person(self, serial: int) -> str:
        """An identity token for the person with this serial number."""
        code = NationalCode.from_serial(f"{serial:09d}").value
        token = self.ids.issue(code)
        self.people[token] = code
        return token

    def stored(self) -> int:
        return self.hub.recorder.max_notification_id() or 0


def _configure(hub: _Hub, ids: Any, clock: ManualClock) -> None:
    hub.configure_participation(
        verifier=ids, pseudonym_key=KEY, minimum_days={"msrt": 30}, routing=ROUTING, now=clock
    )


@pytest.fixture
async def live(
    store_url: str, signer: Signer, ring: PublicKeyRing, tmp_path: Path
) -> AsyncIterator[Live]:
    """A hub with the participation services on a free loopback port (mirrors live_hub)."""
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path / "data"),
            "TABADOL_EVENT_STORE": store_url,
            "TABADOL_LISTEN": "127.0.0.1:0",
            **dev_env(tmp_path),
        }
    )
    hub = _Hub(signer, env=settings.eventsourcing_env())
    clock, ids = ManualClock(START), InMemoryIdentityVerifier()
    _configure(hub, ids, clock)
    running = await create_server(hub, settings)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield Live(hub, channel, clock, ids, store_url, ring)
    finally:
        await channel.close()
        await running.stop(grace=0)
        hub.close()


async def new_call(
    live: Live,
    *,
    type_: int = pb.PARTICIPATION_TYPE_SURVEY,
    kind: int = pb.DRAFT_KIND_BY_LAW,
    md: Any = MSRT,
    opens_in: int = 0,
    days: int = 31,
    publish: bool = True,
) -> str:
    asked = await live.calls.RequestConsultation(
        pb.RequestConsultationRequest(unit="معاونت آموزشی", kind=kind, participation_type=type_),
        metadata=md,
    )
    code = str(asked.consultation.tracking_code)
    if publish:
        await live.calls.PublishDraft(draft(live, code, opens_in=opens_in, days=days), metadata=md)
    return code


def draft(live: Live, code: str, *, opens_in: int = 0, days: int = 31, **changes: Any) -> Any:
    now = live.clock()
    request = pb.PublishDraftRequest(
        tracking_code=code,
        title_fa="آیین‌نامه آموزشی دوره کارشناسی",
        title_en="Undergraduate education by-law",
        summary_fa="پیش‌نویس مقدماتی برای نظرخواهی",
        summary_en="Preliminary draft for comment",
        document=pb.Document(sha256=SHA, url="https://www.msrt.ir/drafts/bylaw.pdf"),
        opens_on=jalali_day(now, opens_in),
        closes_on=jalali_day(now, opens_in + days),
    )
    for name, value in changes.items():
        if name in ("sha256", "url"):
            setattr(request.document, name, value)
        else:
            setattr(request, name, value)
    return request


def demographics(rng: random.Random) -> pb.Demographics | None:
    if rng.random() < 0.3:
        return None
    return pb.Demographics(
        consent=True,
        age_band=rng.choice([0, pb.AGE_BAND_18_29, pb.AGE_BAND_30_44, pb.AGE_BAND_60_PLUS]),
        gender=rng.choice([0, pb.GENDER_FEMALE, pb.GENDER_MALE, pb.GENDER_UNSTATED]),
        province=rng.choice(["", "tehran", "fars", "خوزستان", "razavi_khorasan"]),
    )


_BAND = {1: "18-29", 2: "30-44", 3: "45-59", 4: "60+"}
_GENDER = {1: "female", 2: "male", 3: "unstated"}
_PROVINCE = {"خوزستان": "khuzestan"}


def expected_breakdowns(latest: dict[str, pb.Demographics | None]) -> dict[str, Counter[str]]:
    """Participants by dimension, computed from what was sent (the last message given)."""
    out: dict[str, Counter[str]] = {"age": Counter(), "gender": Counter(), "province": Counter()}
    for given in latest.values():
        out["age"][_BAND.get(given.age_band, "not_given") if given else "not_given"] += 1
        out["gender"][_GENDER.get(given.gender, "not_given") if given else "not_given"] += 1
        place = (given.province if given else "") or "not_given"
        out["province"][_PROVINCE.get(place, place)] += 1
    return out


def nonzero(counts: Any) -> dict[str, int]:
    return {k: n for k, n in dict(counts).items() if n}


# --- the whole life of a survey ------------------------------------------------------------


async def test_a_survey_runs_from_call_to_final_version_and_its_report_adds_up(
    live: Live,
) -> None:
    rng = random.Random(1405)
    code = await new_call(live)
    tokens = [live.person(1000 + i) for i in range(40)]
    latest: dict[str, pb.Demographics | None] = {}
    authors: list[str] = []
    for token in tokens:
        for _ in range(rng.randint(1, 3)):
            given = demographics(rng)
            reply = await live.calls.SubmitComment(
                pb.SubmitCommentRequest(
                    tracking_code=code,
                    identity_token=token,
                    text=f"پیشنهاد شماره {len(authors) + 1}",
                    article=rng.choice(["", "ماده ۳", "ماده ۵"]),
                    demographics=given,
                ),
                metadata=WINDOW,
            )
            authors.append(reply.participant)
            assert reply.suggestion_number == len(authors)
            if given is not None or token not in latest:
                latest[token] = given
    got = (
        await live.calls.GetConsultation(
            pb.GetConsultationRequest(tracking_code=code), metadata=WINDOW
        )
    ).consultation
    assert (got.phase, got.participants, got.comments) == (
        pb.CONSULTATION_PHASE_OPEN,
        40,
        len(authors),
    )
    assert got.closes_at_jalali == jalali_day(START, 31).replace("/", "-") + " 00:00:00"

    live.clock.advance(timedelta(days=31))
    decisions: list[bool] = []
    for number in range(1, len(authors) + 1):
        decisions.append(rng.random() < 0.4)
        await live.calls.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=code,
                number=number,
                accepted=decisions[-1],
                reason=f"دلیل مستند {number}",
                legal_basis="ماده ۹ تصویب‌نامه ۱۱۲۷۱۲۸ شورای عالی اداری",
            ),
            metadata=MSRT,
        )
    concerns = [pb.KeyConcern(fa="هزینه", en="Cost"), pb.KeyConcern(fa="زمان", en="Timing")]
    await live.calls.RecordKeyConcerns(
        pb.RecordKeyConcernsRequest(tracking_code=code, key_concerns=concerns), metadata=MSRT
    )
    final = await live.calls.PublishFinalVersion(
        pb.PublishFinalVersionRequest(
            tracking_code=code,
            document=pb.Document(sha256="cd" * 32, url="https://www.msrt.ir/final.pdf"),
        ),
        metadata=MSRT,
    )
    assert final.consultation.phase == pb.CONSULTATION_PHASE_FINALISED

    report = (
        await live.calls.GetConsultationReport(
            pb.GetConsultationReportRequest(tracking_code=code), metadata=WINDOW
        )
    ).report
    expected = expected_breakdowns(latest)
    assert report.participants == 40 == len(set(authors))
    assert report.comments == len(authors)
    assert nonzero(report.participants_by_age_band) == dict(expected["age"])
    assert nonzero(report.participants_by_gender) == dict(expected["gender"])
    assert dict(report.participants_by_province) == dict(expected["province"])
    assert (report.accepted, report.rejected, report.pending) == (
        sum(decisions),
        len(decisions) - sum(decisions),
        0,
    )
    assert [
        (s.number, s.outcome == pb.SUGGESTION_OUTCOME_ACCEPTED, s.reason)
        for s in report.suggestions
    ] == [(n, ok, f"دلیل مستند {n}") for n, ok in enumerate(decisions, 1)]
    assert [(c.fa, c.en) for c in report.key_concerns] == [("هزینه", "Cost"), ("زمان", "Timing")]
    document = json.loads(report.json)
    assert document["participants"]["count"] == 40
    assert document["participants"]["by_province"] == dict(report.participants_by_province)
    assert "گزارش جامع" in report.markdown and "Comprehensive report" in report.markdown

    table = await live.calls.ListConsultations(
        pb.ListConsultationsRequest(agency="msrt"), metadata=WINDOW
    )
    assert [(r.row, r.tracking_code, r.final_version.url) for r in table.rows] == [
        (1, code, "https://www.msrt.ir/final.pdf")
    ]
    assert "نسخه نهایی / Final version" in table.markdown

    # A certificate for the first participant, verified offline; altered, it fails.
    first = tokens[0]
    issued = await live.calls.IssueCertificate(
        pb.IssueCertificateRequest(tracking_code=code, identity_token=first), metadata=WINDOW
    )
    stated = verify_certificate(issued.certificate, live.ring)
    mine = [i for i, who in enumerate(authors) if who == issued.participant]
    assert (stated.participant, stated.comments) == (issued.participant, len(mine))
    assert stated.accepted_suggestions == sum(decisions[i] for i in mine)
    assert stated.consultation == code and stated.closed_on_jalali == jalali_day(START, 31).replace(
        "/", "-"
    )
    altered = issued.certificate.replace(b'"comments":', b'"comments": ')
    with pytest.raises(CertificateError):
        verify_certificate(altered, live.ring)

    # The ranking follows the documented rule: 1 per comment, +3 per accepted suggestion.
    scores: Counter[str] = Counter()
    for who, accepted in zip(authors, decisions, strict=True):
        scores[who] += 1 + 3 * accepted
    ranking = await live.calls.GetCitizenRanking(
        pb.GetCitizenRankingRequest(limit=5, identity_token=first), metadata=WINDOW
    )
    assert [r.score for r in ranking.top] == sorted(scores.values(), reverse=True)[:5]
    assert all(scores[r.participant] == r.score for r in ranking.top)
    assert (
        ranking.own.participant == issued.participant
        and ranking.own.score == scores[issued.participant]
    )

    # The trail verifies offline, and holds no national code anywhere.
    trail = list(read_trail(live.store_url))
    verified = verify_trail(iter(trail), live.ring)
    assert verified.ok, verified.problem
    assert verified.events == DEV_SEED_EVENTS + 2 + len(authors) + len(decisions) + 2
    stored = b"".join(e.state for e in trail)
    assert not [c for c in live.people.values() if c.encode() in stored]


# --- votes --------------------------------------------------------------------------------------


async def test_a_vote_call_counts_one_vote_per_person(live: Live) -> None:
    rng = random.Random(7)
    code = await new_call(live, type_=pb.PARTICIPATION_TYPE_VOTE, kind=pb.DRAFT_KIND_BILL)
    choices = {live.person(2000 + i): rng.choice([1, 2, 3]) for i in range(25)}
    for token, choice in choices.items():
        await live.calls.CastVote(
            pb.CastVoteRequest(tracking_code=code, identity_token=token, choice=choice),
            metadata=WINDOW,
        )
    for token in list(choices)[:5]:
        before = live.stored()
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await live.calls.CastVote(
                pb.CastVoteRequest(tracking_code=code, identity_token=token, choice=1),
                metadata=WINDOW,
            )
        assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
        assert "one vote per person" in (refused.value.details() or "")
        assert live.stored() == before
    racer = live.person(2999)
    outcomes = await asyncio.gather(
        *(
            live.calls.CastVote(
                pb.CastVoteRequest(tracking_code=code, identity_token=racer, choice=2),
                metadata=WINDOW,
            )
            for _ in range(6)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert {o.code() for o in outcomes if isinstance(o, grpc.aio.AioRpcError)} == {
        grpc.StatusCode.ALREADY_EXISTS
    }
    choices[racer] = 2
    live.clock.advance(timedelta(days=31))
    report = (
        await live.calls.GetConsultationReport(
            pb.GetConsultationReportRequest(tracking_code=code), metadata=WINDOW
        )
    ).report
    tally = Counter(choices.values())
    assert (report.votes.agree, report.votes.disagree, report.votes.abstain) == (
        tally[1],
        tally[2],
        tally[3],
    )
    assert report.participants == len(choices) and report.comments == 0
    issued = await live.calls.IssueCertificate(
        pb.IssueCertificateRequest(tracking_code=code, identity_token=racer), metadata=WINDOW
    )
    assert verify_certificate(issued.certificate, live.ring).voted is True


async def test_two_hubs_on_one_store_count_a_racing_vote_once(live: Live, signer: Signer) -> None:
    """Concurrent writers conflict on (aggregate, version); the retry sees the first vote."""
    code = await new_call(live, type_=pb.PARTICIPATION_TYPE_VOTE)
    other = _Hub(signer, env=store_env(live.store_url))
    _configure(other, live.ids, live.clock)

    def participant_of(token: str) -> str:
        return Pseudonymiser(KEY)(live.people[token])

    try:
        for serial in range(8):
            token = live.person(3000 + serial)
            barrier = threading.Barrier(2)

            def vote(hub: _Hub, token: str = token, barrier: threading.Barrier = barrier) -> str:
                barrier.wait()
                try:
                    hub.consultations.cast_vote(
                        code, participant=participant_of(token), choice="agree", by="MYGOV"
                    )
                except AlreadyExists:
                    return "refused"
                return "counted"

            with ThreadPoolExecutor(2) as pool:
                results = sorted(pool.map(vote, (live.hub, other)))
            assert results == ["counted", "refused"]
    finally:
        other.close()
    view = await asyncio.to_thread(live.hub.consultations.get_consultation, code)
    assert view.votes == 8
    verified = verify_trail(read_trail(live.store_url), live.ring)
    assert verified.ok, verified.problem


# --- the clock and the policies ------------------------------------------------------------------


async def test_the_clock_opens_and_closes_a_call(live: Live) -> None:
    code = await new_call(live, md=IPO, opens_in=3, days=14)  # IPO has no longer policy
    token = live.person(4000)
    comment = pb.SubmitCommentRequest(tracking_code=code, identity_token=token, text="نظر")
    with pytest.raises(grpc.aio.AioRpcError) as early:
        await live.calls.SubmitComment(comment, metadata=WINDOW)
    assert early.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"opens on {jalali_day(START, 3).replace('/', '-')} 00:00" in (
        early.value.details() or ""
    )
    live.clock.advance(timedelta(days=3))
    await live.calls.SubmitComment(comment, metadata=WINDOW)
    got = (
        await live.calls.GetConsultation(
            pb.GetConsultationRequest(tracking_code=code), metadata=WINDOW
        )
    ).consultation
    live.clock.advance(got.closes_at.ToDatetime(tzinfo=UTC) - live.clock())  # exactly the close
    with pytest.raises(grpc.aio.AioRpcError) as late:
        await live.calls.SubmitComment(comment, metadata=WINDOW)
    assert late.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"closed on {jalali_day(START, 17).replace('/', '-')} 00:00 Tehran time" in (
        late.value.details() or ""
    )


async def test_minimum_periods_by_kind_and_agency_policy(live: Live) -> None:
    by_law = await new_call(live, md=IPO, publish=False)
    await live.calls.PublishDraft(draft(live, by_law, days=14), metadata=IPO)  # no IPO policy
    bill = await new_call(live, md=IPO, kind=pb.DRAFT_KIND_BILL, publish=False)
    with pytest.raises(grpc.aio.AioRpcError) as short:
        await live.calls.PublishDraft(draft(live, bill, days=29), metadata=IPO)
    assert "a bill call must stay open at least one Jalali calendar month" in (
        short.value.details() or ""
    )
    msrt = await new_call(live, publish=False)
    with pytest.raises(grpc.aio.AioRpcError) as policy:
        await live.calls.PublishDraft(draft(live, msrt, days=20), metadata=MSRT)
    assert "agency MSRT's policy requires calls to stay open at least 30 days" in (
        policy.value.details() or ""
    )
    published = await live.calls.PublishDraft(draft(live, msrt, days=30), metadata=MSRT)
    assert published.consultation.minimum_days == 30


async def test_a_call_is_its_agencys_own_until_its_draft_is_published(live: Live) -> None:
    code = await new_call(live, publish=False)

    async def phase(md: Any) -> int | grpc.StatusCode:
        try:
            reply = await live.calls.GetConsultation(
                pb.GetConsultationRequest(tracking_code=code), metadata=md
            )
        except grpc.aio.AioRpcError as error:
            return error.code()
        return reply.consultation.phase

    hidden = grpc.StatusCode.NOT_FOUND
    assert [await phase(md) for md in (MSRT, IPO, WINDOW)] == [
        pb.CONSULTATION_PHASE_REQUESTED,
        hidden,
        hidden,
    ]
    await live.calls.PublishDraft(draft(live, code), metadata=MSRT)
    assert await phase(WINDOW) == pb.CONSULTATION_PHASE_OPEN  # public once published


# --- petitions -----------------------------------------------------------------------------------


async def test_a_petition_is_routed_answered_and_looked_up_by_its_code(live: Live) -> None:
    token = live.person(5000)
    submitted = (
        await live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=pet.PETITION_KIND_COMPLAINT,
                topic="Shares",
                subject="تأخیر در واریز سود",
                body="سود سهام عدالت واریز نشده است.",
                identity_token=token,
            ),
            metadata=WINDOW,
        )
    ).petition
    assert submitted.tracking_code.startswith("P-")
    assert (submitted.routed_agency, submitted.routed_unit, submitted.status) == (
        "IPO",
        "دفتر سهام عدالت",
        pet.PETITION_STATUS_ROUTED,
    )
    assert submitted.identified and submitted.submitted_at_jalali.startswith("1405-02-01")
    anonymous = (
        await live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=pet.PETITION_KIND_SUGGESTION, topic="parking", subject="پارکینگ", body="..."
            ),
            metadata=WINDOW,
        )
    ).petition
    assert (anonymous.routed_agency, anonymous.identified) == ("MYGOV", False)
    live.clock.advance(timedelta(days=2))
    await live.petitions.AnswerPetition(
        pet.AnswerPetitionRequest(
            tracking_code=submitted.tracking_code, answer="تا پایان ماه واریز می‌شود."
        ),
        metadata=IPO,
    )
    looked_up = (
        await live.petitions.GetPetition(
            pet.GetPetitionRequest(
                tracking_code=submitted.tracking_code.lower().replace("-", ""),
                identity_token=token,  # the submitter, through the window it came by
            ),
            metadata=WINDOW,
        )
    ).petition
    assert (looked_up.status, looked_up.answer, looked_up.answered_by_agency) == (
        pet.PETITION_STATUS_ANSWERED,
        "تا پایان ماه واریز می‌شود.",
        "IPO",
    )
    assert looked_up.answered_at_jalali.startswith("1405-02-03")
    verified = verify_trail(read_trail(live.store_url), live.ring)
    assert verified.ok and verified.events == DEV_SEED_EVENTS + 3
    assert live.people[token].encode() not in b"".join(e.state for e in read_trail(live.store_url))


async def test_a_petition_is_read_by_its_holders_and_its_submitter_only(live: Live) -> None:
    token, stranger = live.person(5100), live.person(5101)

    async def submit(**fields: str) -> str:
        request = pet.SubmitPetitionRequest(
            kind=pet.PETITION_KIND_COMPLAINT, topic="shares", subject="سود", body="واریز نشده"
        )
        for name, value in fields.items():
            setattr(request, name, value)
        reply = await live.petitions.SubmitPetition(request, metadata=WINDOW)
        return str(reply.petition.tracking_code)

    signed, anonymous = await submit(identity_token=token), await submit()
    await live.petitions.ForwardPetition(
        pet.ForwardPetitionRequest(
            tracking_code=signed, to_agency="MSRT", to_unit="حقوقی", reason="نظر حقوقی"
        ),
        metadata=IPO,
    )

    async def read(code: str, md: Any, token: str = "") -> grpc.StatusCode:
        try:
            await live.petitions.GetPetition(
                pet.GetPetitionRequest(tracking_code=code, identity_token=token), metadata=md
            )
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    ok, hidden = grpc.StatusCode.OK, grpc.StatusCode.NOT_FOUND
    tax = ((AGENCY_HEADER, "TAX"),)
    assert [
        await read(signed, MSRT),  # the unit that holds it now
        await read(signed, IPO),  # the unit it was routed to, which forwarded it
        await read(signed, WINDOW, token),  # the submitter, through the channel it came by
        await read(signed, WINDOW),  # the channel alone: not for a signed-in citizen's
        await read(signed, WINDOW, stranger),  # another person's token
        await read(signed, tax, token),  # not its channel, whatever the token
        await read(anonymous, WINDOW),  # anonymous: the code is the only receipt
        await read(anonymous, tax),
    ] == [ok, ok, ok, hidden, hidden, hidden, ok, hidden]


# --- every refusal: status, field, message, nothing stored ----------------------------------------


@dataclass
class Scene:
    survey: str  # open survey
    vote: str  # open vote call; alice voted
    closed: str  # closed survey with one undecided suggestion by alice
    requested: str  # requested, not published
    petition: str  # routed to IPO
    alice: str
    stranger: str


async def scene(live: Live) -> Scene:
    alice, stranger = live.person(1), live.person(2)
    closed = await new_call(live)
    await live.calls.SubmitComment(
        pb.SubmitCommentRequest(tracking_code=closed, identity_token=alice, text="نظر"),
        metadata=WINDOW,
    )
    live.clock.advance(timedelta(days=31))
    survey = await new_call(live)
    vote = await new_call(live, type_=pb.PARTICIPATION_TYPE_VOTE)
    await live.calls.CastVote(
        pb.CastVoteRequest(tracking_code=vote, identity_token=alice, choice=1), metadata=WINDOW
    )
    requested = await new_call(live, publish=False)
    petition = await live.petitions.SubmitPetition(
        pet.SubmitPetitionRequest(kind=1, topic="shares", subject="سود", body="متن"),
        metadata=WINDOW,
    )
    return Scene(survey, vote, closed, requested, petition.petition.tracking_code, alice, stranger)


CLOSED_ON = jalali_day(START, 31).replace("/", "-")
UNKNOWN_CALL = str(TrackingCode.new(TrackingKind.CONSULTATION, bytes(8)))
UNKNOWN_PETITION = str(TrackingCode.new(TrackingKind.PETITION, bytes(8)))

_Call = Callable[[Live, Scene], Awaitable[Any]]


def comment(s: Scene, **changes: Any) -> Any:
    request = pb.SubmitCommentRequest(tracking_code=s.survey, identity_token=s.alice, text="نظر")
    for name, value in changes.items():
        if name == "demographics":
            request.demographics.CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


BAD_CALLS: dict[str, tuple[_Call, grpc.StatusCode, str, str]] = {
    "kind unspecified": (
        lambda live, s: live.calls.RequestConsultation(
            pb.RequestConsultationRequest(unit="u", participation_type=1), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "kind",
        "must be set",
    ),
    "participation type unspecified": (
        lambda live, s: live.calls.RequestConsultation(
            pb.RequestConsultationRequest(unit="u", kind=1), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "participation_type",
        "must be set",
    ),
    "no unit": (
        lambda live, s: live.calls.RequestConsultation(
            pb.RequestConsultationRequest(unit=" ", kind=1, participation_type=1), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "unit",
        "unit is required",
    ),
    "no agency identified": (
        lambda live, s: live.calls.RequestConsultation(
            pb.RequestConsultationRequest(unit="u", kind=1, participation_type=1)
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "",
        "x-tabadol-agency",
    ),
    "another agency publishes": (
        lambda live, s: live.calls.PublishDraft(draft(live, s.requested), metadata=IPO),
        grpc.StatusCode.PERMISSION_DENIED,
        "",
        "belongs to MSRT, not IPO",
    ),
    "period under the agency policy": (
        lambda live, s: live.calls.PublishDraft(draft(live, s.requested, days=14), metadata=MSRT),
        grpc.StatusCode.INVALID_ARGUMENT,
        "closes_on",
        "policy requires calls to stay open at least 30 days",
    ),
    "close date that does not exist": (
        lambda live, s: live.calls.PublishDraft(
            draft(live, s.requested, closes_on="1404/12/30"), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "closes_on",
        "1404 is not a leap year",
    ),
    "open date in the past": (
        lambda live, s: live.calls.PublishDraft(
            draft(live, s.requested, opens_on="1405/02/01"), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "opens_on",
        "is in the past",
    ),
    "draft address not https": (
        lambda live, s: live.calls.PublishDraft(
            draft(live, s.requested, url="http://www.msrt.ir/d.pdf"), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "document_url",
        "https://",
    ),
    "draft digest not SHA-256": (
        lambda live, s: live.calls.PublishDraft(
            draft(live, s.requested, sha256="abc"), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "document_sha256",
        "64 hexadecimal digits",
    ),
    "Persian title in English": (
        lambda live, s: live.calls.PublishDraft(
            draft(live, s.requested, title_fa="Education by-law"), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "title_fa",
        "written in Persian",
    ),
    "no English summary": (
        lambda live, s: live.calls.PublishDraft(
            draft(live, s.requested, summary_en=""), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "summary_en",
        "English summary is required",
    ),
    "publishing twice": (
        lambda live, s: live.calls.PublishDraft(draft(live, s.survey), metadata=MSRT),
        grpc.StatusCode.FAILED_PRECONDITION,
        "status",
        "already published",
    ),
    "malformed tracking code": (
        lambda live, s: live.calls.SubmitComment(comment(s, tracking_code="K-12"), metadata=WINDOW),
        grpc.StatusCode.INVALID_ARGUMENT,
        "tracking_code",
        "14 characters",
    ),
    "a petition's code for a call": (
        lambda live, s: live.calls.GetConsultation(
            pb.GetConsultationRequest(tracking_code=s.petition), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "tracking_code",
        "starts with K",
    ),
    "unknown call": (
        lambda live, s: live.calls.SubmitComment(
            comment(s, tracking_code=UNKNOWN_CALL), metadata=WINDOW
        ),
        grpc.StatusCode.NOT_FOUND,
        "",
        "not found",
    ),
    "no identity token": (
        lambda live, s: live.calls.SubmitComment(comment(s, identity_token=""), metadata=WINDOW),
        grpc.StatusCode.INVALID_ARGUMENT,
        "identity_token",
        "sign in",
    ),
    "inactive identity token": (
        lambda live, s: live.calls.SubmitComment(
            comment(s, identity_token="forged"), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "identity_token",
        "not active",
    ),
    "empty comment": (
        lambda live, s: live.calls.SubmitComment(comment(s, text=" "), metadata=WINDOW),
        grpc.StatusCode.INVALID_ARGUMENT,
        "text",
        "comment is required",
    ),
    "comment on a vote call": (
        lambda live, s: live.calls.SubmitComment(comment(s, tracking_code=s.vote), metadata=WINDOW),
        grpc.StatusCode.FAILED_PRECONDITION,
        "participation_type",
        "this call is a vote",
    ),
    "comment after the close": (
        lambda live, s: live.calls.SubmitComment(
            comment(s, tracking_code=s.closed), metadata=WINDOW
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "status",
        f"closed on {CLOSED_ON} 00:00 Tehran time",
    ),
    "comment before the draft": (
        lambda live, s: live.calls.SubmitComment(
            comment(s, tracking_code=s.requested), metadata=WINDOW
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "status",
        "not published yet",
    ),
    "demographics without consent": (
        lambda live, s: live.calls.SubmitComment(
            comment(s, demographics=pb.Demographics(gender=pb.GENDER_FEMALE)), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "demographics.consent",
        "consent",
    ),
    "unknown province": (
        lambda live, s: live.calls.SubmitComment(
            comment(s, demographics=pb.Demographics(consent=True, province="atlantis")),
            metadata=WINDOW,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "demographics.province",
        "31 provinces",
    ),
    "a second vote": (
        lambda live, s: live.calls.CastVote(
            pb.CastVoteRequest(tracking_code=s.vote, identity_token=s.alice, choice=2),
            metadata=WINDOW,
        ),
        grpc.StatusCode.ALREADY_EXISTS,
        "",
        "one vote per person",
    ),
    "vote choice unspecified": (
        lambda live, s: live.calls.CastVote(
            pb.CastVoteRequest(tracking_code=s.vote, identity_token=s.stranger), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "choice",
        "must be set",
    ),
    "vote on a survey": (
        lambda live, s: live.calls.CastVote(
            pb.CastVoteRequest(tracking_code=s.survey, identity_token=s.stranger, choice=1),
            metadata=WINDOW,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "participation_type",
        "takes comments, not votes",
    ),
    "deciding while open": (
        lambda live, s: live.calls.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=s.survey, number=1, reason="r", legal_basis="b"
            ),
            metadata=MSRT,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "status",
        "before the call closes on",
    ),
    "deciding an unknown suggestion": (
        lambda live, s: live.calls.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=s.closed, number=9, reason="r", legal_basis="b"
            ),
            metadata=MSRT,
        ),
        grpc.StatusCode.NOT_FOUND,
        "",
        "suggestion 9",
    ),
    "deciding without a reason": (
        lambda live, s: live.calls.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=s.closed, number=1, accepted=True, legal_basis="b"
            ),
            metadata=MSRT,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "reason",
        "reason is required",
    ),
    "another agency decides": (
        lambda live, s: live.calls.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=s.closed, number=1, reason="r", legal_basis="b"
            ),
            metadata=IPO,
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "",
        "belongs to MSRT",
    ),
    "no key concerns": (
        lambda live, s: live.calls.RecordKeyConcerns(
            pb.RecordKeyConcernsRequest(tracking_code=s.closed), metadata=MSRT
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "key_concerns",
        "at least one key concern",
    ),
    "a key concern without English": (
        lambda live, s: live.calls.RecordKeyConcerns(
            pb.RecordKeyConcernsRequest(
                tracking_code=s.closed, key_concerns=[pb.KeyConcern(fa="هزینه")]
            ),
            metadata=MSRT,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "key_concerns[0].en",
        "English text is required",
    ),
    "final version before every decision": (
        lambda live, s: live.calls.PublishFinalVersion(
            pb.PublishFinalVersionRequest(
                tracking_code=s.closed, document=pb.Document(sha256=SHA, url="https://x.ir/f")
            ),
            metadata=MSRT,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "suggestions",
        "1 suggestion(s) are not decided yet (1)",
    ),
    "final version with a bad address": (
        lambda live, s: live.calls.PublishFinalVersion(
            pb.PublishFinalVersionRequest(
                tracking_code=s.closed, document=pb.Document(sha256=SHA, url="x.ir/f")
            ),
            metadata=MSRT,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "document_url",
        "https://",
    ),
    "report while open": (
        lambda live, s: live.calls.GetConsultationReport(
            pb.GetConsultationReportRequest(tracking_code=s.survey), metadata=WINDOW
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "status",
        "the report comes after the call closes on",
    ),
    "certificate while open": (
        lambda live, s: live.calls.IssueCertificate(
            pb.IssueCertificateRequest(tracking_code=s.vote, identity_token=s.alice),
            metadata=WINDOW,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "status",
        "certificate comes after the call closes",
    ),
    "certificate for someone who took no part": (
        lambda live, s: live.calls.IssueCertificate(
            pb.IssueCertificateRequest(tracking_code=s.closed, identity_token=s.stranger),
            metadata=WINDOW,
        ),
        grpc.StatusCode.NOT_FOUND,
        "",
        "participation of this person",
    ),
    "ranking limit out of range": (
        lambda live, s: live.calls.GetCitizenRanking(
            pb.GetCitizenRankingRequest(limit=500), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "limit",
        "1 to 100",
    ),
    "petition kind unspecified": (
        lambda live, s: live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(topic="shares", subject="s", body="b"), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "kind",
        "must be set",
    ),
    "petition topic not a key": (
        lambda live, s: live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(kind=1, topic="سهام عدالت", subject="s", body="b"),
            metadata=WINDOW,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "topic",
        "lowercase letters",
    ),
    "petition without a subject": (
        lambda live, s: live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(kind=1, topic="shares", body="b"), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "subject",
        "subject is required",
    ),
    "petition with a forged token": (
        lambda live, s: live.petitions.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=1, topic="shares", subject="s", body="b", identity_token="forged"
            ),
            metadata=WINDOW,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "identity_token",
        "not active",
    ),
    "answer by an agency it was not routed to": (
        lambda live, s: live.petitions.AnswerPetition(
            pet.AnswerPetitionRequest(tracking_code=s.petition, answer="پاسخ"), metadata=MSRT
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "",
        "is routed to IPO",
    ),
    "empty answer": (
        lambda live, s: live.petitions.AnswerPetition(
            pet.AnswerPetitionRequest(tracking_code=s.petition, answer=""), metadata=IPO
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "answer",
        "answer is required",
    ),
    "unknown petition": (
        lambda live, s: live.petitions.GetPetition(
            pet.GetPetitionRequest(tracking_code=UNKNOWN_PETITION), metadata=WINDOW
        ),
        grpc.StatusCode.NOT_FOUND,
        "",
        f"petition {UNKNOWN_PETITION} not found",
    ),
    "a call's code for a petition": (
        lambda live, s: live.petitions.GetPetition(
            pet.GetPetitionRequest(tracking_code=s.survey), metadata=WINDOW
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "tracking_code",
        "starts with P",
    ),
}


def _status(error: grpc.aio.AioRpcError) -> list[str]:
    """The fields a rich status names: BadRequest fields and PreconditionFailure subjects."""
    fields: list[str] = []
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields += [v.field for v in bad.field_violations]
        elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            fields += [v.subject for v in failure.violations]
    return fields


@pytest.mark.parametrize("case", list(BAD_CALLS))
async def test_bad_calls_are_refused_with_status_field_and_message_and_store_nothing(
    live: Live, case: str
) -> None:
    s = await scene(live)
    before = live.stored()
    call, expected, field_name, message = BAD_CALLS[case]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(live, s)
    details = raised.value.details() or ""
    assert raised.value.code() == expected, details
    if field_name:
        assert field_name in _status(raised.value), (_status(raised.value), details)
    assert message in details, details
    assert live.stored() == before


async def test_participation_is_refused_until_configured(store_url: str, signer: Signer) -> None:
    hub = _Hub(signer, env=store_env(store_url))
    try:
        hub.consultations.request_consultation(
            unit="u", kind="bill", participation_type="vote", by="MSRT"
        )
        with pytest.raises(Exception, match="not configured") as refused:
            await hub.participants.pseudonym_of("x")
        assert refused.type.__name__ == "TransitionRefused"
    finally:
        hub.close()


# --- the demo -------------------------------------------------------------------------------------


async def test_the_consultation_demo_runs_through_grpc(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(live.hub, TokenlessDevVerifier(), live.clock)
    await run_consultation_demo(live.channel, participants=12, clock=live.clock)
    out = capsys.readouterr().out
    for line in (
        "a 10-day period is refused: INVALID_ARGUMENT",
        "a late comment is refused: FAILED_PRECONDITION",
        "| ردیف / Row |",
        "گزارش جامع / Comprehensive report",
        "شرکت‌کنندگان / participants",
        "verifiable offline",
        "Top digital citizens",
    ):
        assert line in out, line
    verified = verify_trail(read_trail(live.store_url), live.ring)
    assert verified.ok, verified.problem


async def test_health_and_reflection_cover_the_participation_services(live: Live) -> None:
    health = health_pb2_grpc.HealthStub(live.channel)
    for service in ("ConsultationService", "PetitionService"):
        reply = await health.Check(
            health_pb2.HealthCheckRequest(service=f"tabadol.participation.v1.{service}")
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflect = reflection_pb2_grpc.ServerReflectionStub(live.channel)
    call = reflect.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name async for r in call for s in r.list_services_response.service}
    assert {
        "tabadol.participation.v1.ConsultationService",
        "tabadol.participation.v1.PetitionService",
    } <= names
