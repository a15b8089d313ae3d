"""Participation read models (report, annex table, citizen score) against figures computed
directly from generated participation; certificates; pseudonyms and identity adapters."""

from __future__ import annotations

import asyncio
import json
import stat
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.consultation import (
    AgeBand,
    Consultation,
    Demographics,
    DraftKind,
    Gender,
    KeyConcern,
    ParticipationType,
    Province,
    VoteChoice,
    tehran_midnight,
)
from aggregates.errors import InvalidInput
from aggregates.identifiers import NationalCode, TrackingCode, TrackingKind
from aggregates.jalali import parse_jalali_date
from hub.application.participants import (
    IntrospectingVerifier,
    Participants,
    ParticipationSettings,
    TokenlessDevVerifier,
)
from hub.testing import InMemoryIdentityVerifier
from hub.trail.certificates import (
    CertificateError,
    ParticipationCertificate,
    canonical_json,
    sign_certificate,
    verify_certificate,
)
from hub.trail.keys import KeyFileError, PublicKeyRing, Signer
from hub.trail.pseudonyms import Pseudonymiser, load_pseudonym_key
from projections.citizen_score import CitizenScores
from projections.consultation_report import NOT_GIVEN, ConsultationReports
from projections.participation_table import ParticipationTable, table_markdown

NOW = datetime(2026, 4, 21, 6, 30, tzinfo=UTC)  # 1405-02-01 in Tehran
AFTER = tehran_midnight(parse_jalali_date("1405/02/16", "x"))
SHA, URL = "ab" * 32, "https://www.msrt.ir/drafts/d.pdf"
BASIS = "ماده ۹ تصویب‌نامه ۱۱۲۷۱۲۸ شورای عالی اداری"


def new_call(
    type_: ParticipationType = ParticipationType.SURVEY, agency: str = "MSRT"
) -> Consultation:
    call = Consultation.request(
        TrackingCode.new(TrackingKind.CONSULTATION),
        agency=agency,
        unit="دفتر حقوقی",
        kind=DraftKind.CIRCULAR,
        participation_type=type_,
        by=agency,
    )
    call.publish_draft(
        title_fa="بخشنامه نمونه",
        title_en="Sample circular",
        summary_fa="خلاصه",
        summary_en="Summary",
        document_sha256=SHA,
        document_url=URL,
        opens_on="1405/02/01",
        closes_on="1405/02/15",
        now=NOW,
        by=agency,
    )
    return call


def replay(projection: Any, *calls: Consultation, times: int = 1) -> Any:
    events = [e for call in calls for e in call.collect_events()]
    for _ in range(times):
        for event in events:
            projection.process_event(event)
    return projection


# --- generated participation -----------------------------------------------------------------

people = st.integers(0, 11).map(lambda i: f"{i:032x}")
demographics = st.none() | st.builds(
    Demographics,
    st.none() | st.sampled_from(AgeBand),
    st.none() | st.sampled_from(Gender),
    st.none() | st.sampled_from(Province),
).filter(lambda d: bool(d.to_dict()))
comments = st.lists(
    st.tuples(people, demographics, st.none() | st.booleans()), min_size=0, max_size=25
)


@dataclass
class Expected:
    """Figures computed straight from what was generated, not from any projection."""

    latest: dict[str, Demographics | None]

    def breakdown(self, attribute: str, keys: list[str]) -> dict[str, int]:
        values = Counter(
            getattr(d, attribute).value if d and getattr(d, attribute) else NOT_GIVEN
            for d in self.latest.values()
        )
        return {k: values[k] for k in [*keys, NOT_GIVEN]}


def _expected(actions: list[tuple[str, Demographics | None]]) -> Expected:
    latest: dict[str, Demographics | None] = {}
    for who, offered in actions:
        if offered is not None or who not in latest:
            latest[who] = offered
    return Expected(latest)


@settings(max_examples=60, deadline=None)
@given(comments)
def test_survey_report_figures_equal_the_generated_participation(
    generated: list[tuple[str, Demographics | None, bool | None]],
) -> None:
    call = new_call()
    for who, offered, _ in generated:
        call.comment(
            participant=who, text=f"نظر {who[-2:]}", now=NOW, by="MYGOV", demographics=offered
        )
    for number, (_, _, decision) in enumerate(generated, 1):
        if decision is not None:
            call.decide_suggestion(
                number,
                accepted=decision,
                reason=f"دلیل {number}",
                legal_basis=BASIS,
                now=AFTER,
                by="MSRT",
            )
    call.record_key_concerns([KeyConcern("هزینه", "Cost")], now=AFTER, by="MSRT")
    report = replay(ConsultationReports(), call, times=2).report(call.tracking_code)
    expected = _expected([(who, offered) for who, offered, _ in generated])

    assert report.participants == len(expected.latest) == len(call.participants)
    assert report.comments == len(generated)
    assert report.by_age_band == expected.breakdown("age_band", [b.value for b in AgeBand])
    assert report.by_gender == expected.breakdown("gender", [g.value for g in Gender])
    provinces = expected.breakdown("province", [p.value for p in Province])
    assert report.by_province == {k: n for k, n in provinces.items() if n}
    assert sum(report.by_age_band.values()) == report.participants
    outcomes = Counter(
        "pending" if d is None else ("accepted" if d else "rejected") for _, _, d in generated
    )
    assert report.outcomes == {k: outcomes[k] for k in ("accepted", "rejected", "pending")}
    assert [(s.number, s.outcome, s.reason) for s in report.suggestions] == [
        (
            n,
            "pending" if d is None else ("accepted" if d else "rejected"),
            "" if d is None else f"دلیل {n}",
        )
        for n, (_, _, d) in enumerate(generated, 1)
    ]
    assert report.key_concerns == (KeyConcern("هزینه", "Cost"),)
    document = json.loads(report.to_json())
    assert document["participants"]["count"] == report.participants
    assert document["outcomes"] == report.outcomes


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(people, st.tuples(st.sampled_from(VoteChoice), demographics), max_size=12))
def test_vote_tallies_equal_the_generated_votes(
    generated: dict[str, tuple[VoteChoice, Demographics | None]],
) -> None:
    call = new_call(ParticipationType.VOTE)
    for who, (choice, offered) in generated.items():
        call.vote(participant=who, choice=choice, now=NOW, by="MYGOV", demographics=offered)
    reports = replay(ConsultationReports(), call)
    report = reports.report(call.tracking_code)
    tally = Counter(choice.value for choice, _ in generated.values())
    assert report.votes == {c.value: tally[c.value] for c in VoteChoice}
    assert report.participants == len(generated)
    expected = _expected([(who, offered) for who, (_, offered) in generated.items()])
    assert report.by_gender == expected.breakdown("gender", [g.value for g in Gender])
    assert all(
        c.voted and c.comments == 0 for c in reports.contributions(call.tracking_code).values()
    )


def test_the_report_reads_in_both_languages() -> None:
    call = new_call()
    teen = Demographics(AgeBand.AGE_18_29, Gender.FEMALE, Province.KHUZESTAN)
    call.comment(
        participant="1" * 32, text="a | b", now=NOW, by="M", article="ماده ۱", demographics=teen
    )
    call.decide_suggestion(
        1, accepted=True, reason="اعمال شد", legal_basis=BASIS, now=AFTER, by="MSRT"
    )
    call.record_key_concerns([KeyConcern("شفافیت", "Transparency")], now=AFTER, by="MSRT")
    call.publish_final_version(
        document_sha256="cd" * 32, document_url=URL + "?f", now=AFTER, by="MSRT"
    )
    report = replay(ConsultationReports(), call).report(call.tracking_code)
    text = report.to_markdown()
    for phrase in (
        "گزارش جامع فراخوان",
        "Comprehensive report",
        "بخشنامه / circular",
        "خوزستان / Khuzestan",
        "زن / female",
        "شفافیت — Transparency",
        "پذیرفته / accepted",
        "a \\| b",
        "1405-02-01 → 1405-02-15",
    ):
        assert phrase in text, phrase
    document = report.to_dict()
    assert document["kind"] == {"key": "circular", "fa": "بخشنامه", "en": "circular"}
    assert document["final_version"] == {"sha256": "cd" * 32, "url": URL + "?f"}
    assert document["period"]["closes_on_jalali"] == "1405-02-15"


def test_contributions_per_participant() -> None:
    call = new_call()
    for who in ("1" * 32, "2" * 32, "1" * 32):
        call.comment(participant=who, text="نظر", now=NOW, by="M")
    call.decide_suggestion(3, accepted=True, reason="r", legal_basis=BASIS, now=AFTER, by="MSRT")
    found = replay(ConsultationReports(), call).contributions(call.tracking_code)
    assert {k: (c.comments, c.accepted_suggestions, c.voted) for k, c in found.items()} == {
        "1" * 32: (2, 1, False),
        "2" * 32: (1, 0, False),
    }


# --- the annex table ------------------------------------------------------------------------


def test_the_annex_table_lists_published_calls_in_order() -> None:
    first, second = new_call(), new_call(ParticipationType.VOTE, agency="IPO")
    unpublished = Consultation.request(
        TrackingCode.new(TrackingKind.CONSULTATION),
        agency="MSRT",
        unit="u",
        kind="bill",
        participation_type="survey",
        by="MSRT",
    )
    first.record_key_concerns([KeyConcern("الف", "A")], now=AFTER, by="MSRT")
    first.publish_final_version(document_sha256=SHA, document_url=URL + "?final", now=AFTER, by="M")
    table = replay(ParticipationTable(), first, unpublished, second, times=2)
    rows = table.rows()
    assert [(r.row, r.tracking_code) for r in rows] == [
        (1, first.tracking_code),
        (2, second.tracking_code),
    ]
    assert rows[0].final_version is not None and rows[0].final_version.url == URL + "?final"
    assert rows[1].final_version is None
    assert rows[0].period_jalali == "1405-02-01 → 1405-02-15"
    assert [(r.row, r.agency) for r in table.rows("ipo")] == [(1, "IPO")]
    text = table_markdown(rows)
    assert "ردیف / Row" in text and "پیش‌نویس مقدماتی (غیر قابل استناد)" in text
    assert "رأی‌گیری / vote" in text and "نظرسنجی / survey" in text


# --- the digital-citizen score ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(comments, min_size=1, max_size=3), st.lists(st.sets(people, max_size=8), max_size=2)
)
def test_scores_follow_the_documented_rule(
    surveys: list[list[tuple[str, Demographics | None, bool | None]]], votes: list[set[str]]
) -> None:
    calls: list[Consultation] = []
    expected: Counter[str] = Counter()
    for generated in surveys:
        call = new_call()
        for who, _, _ in generated:
            call.comment(participant=who, text="نظر", now=NOW, by="M")
            expected[who] += 1
        for number, (who, _, decision) in enumerate(generated, 1):
            if decision is not None:
                call.decide_suggestion(
                    number, accepted=decision, reason="r", legal_basis=BASIS, now=AFTER, by="M"
                )
                expected[who] += 3 if decision else 0
        calls.append(call)
    for voters in votes:
        call = new_call(ParticipationType.VOTE)
        for who in voters:
            call.vote(participant=who, choice="agree", now=NOW, by="M")
            expected[who] += 1
        calls.append(call)
    scores = replay(CitizenScores(), *calls, times=2)
    ranking = scores.ranking()
    assert {r.participant: r.score for r in ranking} == dict(expected)
    assert [r.score for r in ranking] == sorted(expected.values(), reverse=True)
    for row in ranking:
        assert row.rank == 1 + sum(1 for s in expected.values() if s > row.score)
        assert scores.standing(row.participant) == row
    assert scores.ranking(limit=2) == ranking[:2]
    assert scores.standing("e" * 32) is None


def test_equal_scores_share_a_rank() -> None:
    call = new_call(ParticipationType.VOTE)
    for who in ("3" * 32, "1" * 32, "2" * 32):
        call.vote(participant=who, choice="agree", now=NOW, by="M")
    survey = new_call()
    survey.comment(participant="2" * 32, text="x", now=NOW, by="M")
    ranking = replay(CitizenScores(), call, survey).ranking()
    assert [(r.rank, r.participant[0], r.score, r.consultations) for r in ranking] == [
        (1, "2", 2, 2),
        (2, "1", 1, 1),
        (2, "3", 1, 1),
    ]


# --- certificates ---------------------------------------------------------------------------------


def certificate() -> ParticipationCertificate:
    return ParticipationCertificate(
        consultation="K-0000-0000-0000-0",
        agency="MSRT",
        unit="معاونت آموزشی",
        title_fa="آیین‌نامه آموزشی",
        title_en="Education by-law",
        opens_at="2026-04-20T20:30:00+00:00",
        closes_at="2026-05-04T20:30:00+00:00",
        closed_on_jalali="1405-02-15",
        participant="a" * 32,
        comments=2,
        accepted_suggestions=1,
        voted=False,
        issued_at="2026-05-05T08:00:00+00:00",
    )


@pytest.fixture
def hub_signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def test_a_certificate_verifies_offline_with_the_public_key(hub_signer: Signer) -> None:
    document = sign_certificate(certificate(), hub_signer)
    assert verify_certificate(document, PublicKeyRing.of(hub_signer.public_key)) == certificate()
    assert document == canonical_json(json.loads(document))
    assert "آیین‌نامه".encode() in document  # readable UTF-8, not escaped


def test_any_altered_byte_fails_verification(hub_signer: Signer) -> None:
    document = sign_certificate(certificate(), hub_signer)
    ring = PublicKeyRing.of(hub_signer.public_key)
    for i in range(len(document)):
        altered = bytearray(document)
        altered[i] ^= 0x01
        with pytest.raises(CertificateError):
            verify_certificate(bytes(altered), ring)
    spaced = document.replace(b'","', b'", "', 1)
    with pytest.raises(CertificateError, match="canonical"):
        verify_certificate(spaced, ring)


def test_a_certificate_from_another_key_or_with_another_claim_fails(hub_signer: Signer) -> None:
    other = Signer(Ed25519PrivateKey.generate())
    document = sign_certificate(certificate(), hub_signer)
    with pytest.raises(CertificateError, match="unknown key"):
        verify_certificate(document, PublicKeyRing.of(other.public_key))
    forged = json.loads(document)
    forged["certificate"]["accepted_suggestions"] = 9
    with pytest.raises(CertificateError, match="does not verify"):
        verify_certificate(canonical_json(forged), PublicKeyRing.of(hub_signer.public_key))
    with pytest.raises(CertificateError, match="not a certificate"):
        verify_certificate(b"\xff", PublicKeyRing.of(hub_signer.public_key))


# --- pseudonyms and identity adapters ------------------------------------------------------------

CODE = NationalCode.from_serial("001234567").value


def test_pseudonyms_are_keyed_stable_and_reveal_nothing() -> None:
    one, two = Pseudonymiser(b"k" * 32), Pseudonymiser(b"j" * 32)
    persian = CODE.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert one(CODE) == one(persian) and len(one(CODE)) == 32
    assert int(one(CODE), 16) >= 0 and CODE not in one(CODE)
    assert one(CODE) != two(CODE)
    assert one(CODE) != one(NationalCode.from_serial("001234568").value)
    with pytest.raises(ValueError, match="32 bytes"):
        Pseudonymiser(b"short")
    assert "kkkk" not in repr(one)


async def test_a_participant_with_a_malformed_national_code_is_refused_at_the_edge() -> None:
    settings = ParticipationSettings(
        verifier=TokenlessDevVerifier(), pseudonymise=Pseudonymiser(b"k" * 32)
    )
    participants = Participants(lambda: settings)
    assert await participants.pseudonym_of(CODE) == Pseudonymiser(b"k" * 32)(CODE)
    with pytest.raises(InvalidInput):
        await participants.pseudonym_of("0012345678")


async def test_the_in_memory_verifier_issues_and_revokes() -> None:
    verifier = InMemoryIdentityVerifier()
    token = verifier.issue(CODE)
    assert await verifier.verify(token) == CODE
    verifier.revoke(token)
    with pytest.raises(InvalidInput) as info:
        await verifier.verify(token)
    assert info.value.fields == ("identity_token",)


async def test_the_dev_verifier_takes_a_national_code() -> None:
    assert await TokenlessDevVerifier().verify(CODE) == CODE
    with pytest.raises(InvalidInput) as info:
        await TokenlessDevVerifier().verify("0012345678")
    assert info.value.fields == ("identity_token",)


@dataclass(frozen=True)
class _Answer:
    active: bool
    national_code: str | None
    assurance_level: int | None


class _Provider:
    def __init__(self) -> None:
        self.tokens = {"good": _Answer(True, CODE, 2), "weak": _Answer(True, CODE, 1)}

    async def introspect_token(self, token: str) -> _Answer:
        await asyncio.sleep(0)
        return self.tokens.get(token, _Answer(False, None, None))


async def test_the_introspecting_verifier_awaits_the_async_client() -> None:
    verifier = IntrospectingVerifier(_Provider(), minimum_level=2)
    assert await verifier.verify("good") == CODE
    with pytest.raises(InvalidInput, match="not active"):
        await verifier.verify("forged")
    with pytest.raises(InvalidInput, match="assurance level 2"):
        await verifier.verify("weak")


def test_the_pseudonym_key_file(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "pseudonym.key"
    with pytest.raises(KeyFileError, match="no pseudonym key"):
        load_pseudonym_key(path)
    key = load_pseudonym_key(path, create=True)
    assert len(key) == 32 and load_pseudonym_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("not base64!\n")
    with pytest.raises(KeyFileError, match="not a base64"):
        load_pseudonym_key(path)
    path.write_text("c2hvcnQ=\n")
    with pytest.raises(KeyFileError, match="32 bytes"):
        load_pseudonym_key(path)
