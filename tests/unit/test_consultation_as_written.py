"""Consultations as the regulations word them (000, 001, 003): legal persons through their
representative, decisions with a legal basis, intermediate draft versions with a
changelog, the agency hierarchy of 003's policy, and old stored events still loading."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import Application

from aggregates.consultation import (
    Consultation,
    DraftKind,
    KeyConcern,
    LegalPersonKind,
    LegalPersonRef,
    ParticipationType,
    tehran_midnight,
)
from aggregates.errors import AlreadyExists, InvalidInput, TransitionRefused
from aggregates.identifiers import NationalId, TrackingCode, TrackingKind
from aggregates.jalali import parse_jalali_date
from aggregates.participation_policy import AgencyPolicies, ParticipationPolicy
from projections.consultation_report import ConsultationReports

NOW = datetime(2026, 4, 21, 6, 30, tzinfo=UTC)  # 1405-02-01 10:00 Tehran
OPEN = NOW + timedelta(days=1)
AFTER = tehran_midnight(parse_jalali_date("1405/02/16", "x"))
ALICE, BOB = "a" * 32, "b" * 32
SHA, SHA2, SHA3 = "ab" * 32, "cd" * 32, "ef" * 32
URL = "https://www.msrt.ir/drafts/1405/bylaw.pdf"
BASIS = "ماده ۹ تصویب‌نامه ۱۱۲۷۱۲۸ شورای عالی اداری"
NGO = LegalPersonRef.checked(NationalId.from_serial("1010101010").value, "ngo")
FIRM = LegalPersonRef.checked(NationalId.from_serial("2020202020").value, LegalPersonKind.COMPANY)


def call(type_: ParticipationType = ParticipationType.SURVEY, **draft: Any) -> Consultation:
    c = Consultation.request(
        TrackingCode.new(TrackingKind.CONSULTATION),
        agency="MSRT",
        unit="معاونت آموزشی",
        kind=DraftKind.BY_LAW,
        participation_type=type_,
        by="MSRT",
    )
    args: dict[str, Any] = {
        "title_fa": "آیین‌نامه آموزشی",
        "title_en": "Education by-law",
        "summary_fa": "پیش‌نویس",
        "summary_en": "Draft",
        "document_sha256": SHA,
        "document_url": URL,
        "opens_on": "1405/02/01",
        "closes_on": "1405/02/15",
        "now": NOW,
        "by": "MSRT",
    }
    args.update(draft)
    c.publish_draft(**args)
    return c


# --- legal persons -------------------------------------------------------------------


def test_a_legal_person_is_checked() -> None:
    with pytest.raises(InvalidInput) as info:
        LegalPersonRef.checked("10101010101", "club")
    assert set(info.value.fields) == {"on_behalf_of.national_id", "on_behalf_of.kind"}
    assert NGO.kind is LegalPersonKind.NGO and NationalId.is_valid(NGO.national_id)


def test_representatives_comment_for_their_legal_person() -> None:
    c = call()
    c.comment(participant=ALICE, text="از طرف انجمن", now=OPEN, by="MYGOV", on_behalf_of=NGO)
    c.comment(participant=ALICE, text="از طرف خودم", now=OPEN, by="MYGOV")
    first, second = c.suggestions
    assert (first.on_behalf_of, second.on_behalf_of) == (NGO, None)
    with pytest.raises(InvalidInput) as info:
        c.comment(participant=BOB, text="x", now=OPEN, by="M", on_behalf_of="1234")  # type: ignore[arg-type]
    assert list(info.value.fields) == ["on_behalf_of"]


def test_one_vote_per_legal_person_whoever_represents_it() -> None:
    c = call(ParticipationType.VOTE)
    c.vote(participant=ALICE, choice="agree", now=OPEN, by="MYGOV", on_behalf_of=FIRM)
    c.vote(participant=ALICE, choice="disagree", now=OPEN, by="MYGOV")  # herself: her own vote
    with pytest.raises(AlreadyExists, match="one vote per legal person"):
        c.vote(participant=BOB, choice="abstain", now=OPEN, by="MYGOV", on_behalf_of=FIRM)
    c.vote(participant=BOB, choice="agree", now=OPEN, by="MYGOV", on_behalf_of=NGO)
    assert c.vote_count == 3 and c.has_voted_for(FIRM.national_id)
    assert {k.value: n for k, n in c.tally().items()} == {"agree": 2, "disagree": 1, "abstain": 0}


# --- decisions ----------------------------------------------------------------------


def test_a_decision_carries_its_legal_basis() -> None:
    c = call()
    c.comment(participant=ALICE, text="پیشنهاد", now=OPEN, by="MYGOV")
    with pytest.raises(InvalidInput) as info:
        c.decide_suggestion(1, accepted=False, reason="مغایر", legal_basis="", now=AFTER, by="MSRT")
    assert list(info.value.fields) == ["legal_basis"]
    c.decide_suggestion(1, accepted=False, reason="مغایر", legal_basis=BASIS, now=AFTER, by="MSRT")
    assert c.suggestions[0].legal_basis == BASIS


# --- intermediate versions ----------------------------------------------------------------


def test_intermediate_versions_carry_a_changelog_and_comments_their_version() -> None:
    c = call()
    assert c.draft_version == 1
    c.comment(participant=ALICE, text="ماده ۲ مبهم است", now=OPEN, by="MYGOV")
    change = KeyConcern("ماده ۲ روشن شد", "Article 2 clarified")
    assert (
        c.revise_draft(
            document_sha256=SHA2, document_url=URL + "?v=2", changes=[change], now=OPEN, by="MSRT"
        )
        == 2
    )
    c.comment(participant=BOB, text="اکنون روشن است", now=OPEN, by="MYGOV")
    assert [s.draft_version for s in c.suggestions] == [1, 2]
    assert c.current_draft is not None and c.current_draft.sha256 == SHA2
    assert c.draft is not None and c.draft.sha256 == SHA  # the preliminary draft stays
    (note,) = c.revisions
    assert (note.version, note.changes) == (2, (change,))
    with pytest.raises(TransitionRefused, match="already a version"):
        c.revise_draft(document_sha256=SHA, document_url=URL, changes=[change], now=OPEN, by="M")
    with pytest.raises(InvalidInput) as info:
        c.revise_draft(
            document_sha256=SHA3,
            document_url=URL,
            changes=[KeyConcern("English", "فارسی")],
            now=OPEN,
            by="M",
        )
    assert set(info.value.fields) == {"changes[0].fa", "changes[0].en"}
    with pytest.raises(InvalidInput) as info:
        c.revise_draft(document_sha256=SHA3, document_url=URL, changes=[], now=OPEN, by="M")
    assert list(info.value.fields) == ["changes"]
    with pytest.raises(TransitionRefused, match="the next version is the final one"):
        c.revise_draft(document_sha256=SHA3, document_url=URL, changes=[change], now=AFTER, by="M")


def test_the_report_shows_what_changed_between_versions_and_the_legal_basis() -> None:
    c = call()
    c.comment(participant=ALICE, text="ماده ۲ مبهم است", now=OPEN, by="MYGOV", on_behalf_of=NGO)
    c.revise_draft(
        document_sha256=SHA2,
        document_url=URL + "?v=2",
        changes=[KeyConcern("ماده ۲ روشن شد", "Article 2 clarified")],
        now=OPEN,
        by="MSRT",
    )
    c.comment(participant=BOB, text="خوب است", now=OPEN, by="MYGOV")
    c.decide_suggestion(1, accepted=True, reason="اعمال شد", legal_basis=BASIS, now=AFTER, by="M")
    reports = ConsultationReports()
    for event in c.collect_events():
        reports.process_event(event)
    report = reports.report(c.tracking_code)
    assert report is not None
    data = report.to_dict()
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["versions"][0]["comments"] == 1 and data["versions"][1]["comments"] == 1
    assert data["versions"][1]["changes"] == [{"fa": "ماده ۲ روشن شد", "en": "Article 2 clarified"}]
    assert data["versions"][1]["document"]["sha256"] == SHA2
    assert data["suggestions"][0]["legal_basis"] == BASIS
    assert data["suggestions"][0]["on_behalf_of"] == {"national_id": NGO.national_id, "kind": "ngo"}
    assert data["suggestions"][1]["draft_version"] == 2
    assert data["participants"]["by_person_kind"] == {
        "natural": 1,
        "ngo": 1,
        "company": 0,
        "other": 0,
    }
    text = report.to_markdown()
    assert "Article 2 clarified" in text and BASIS in text and "نسخه 2 / version 2" in text


# --- old stored events ------------------------------------------------------------------


def _as_first_build_stored(app: Application[Any], event: Any, *drop: str) -> Any:
    stored = app.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    for name in (*drop, "class_version"):
        state.pop(name, None)
    return app.mapper.to_domain_event(replace(stored, state=json.dumps(state).encode()))


def test_events_stored_by_the_first_build_still_load() -> None:
    app: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    c = call()
    c.comment(participant=ALICE, text="پیشنهاد", now=OPEN, by="MYGOV")
    c.decide_suggestion(1, accepted=True, reason="r", legal_basis=BASIS, now=AFTER, by="M")
    requested, published, commented, decided = c.collect_events()
    old = [
        requested,
        published,
        _as_first_build_stored(app, commented, "draft_version", "on_behalf_of"),
        _as_first_build_stored(app, decided, "legal_basis"),
    ]
    rebuilt = None
    for event in old:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Consultation)
    (s,) = rebuilt.suggestions
    assert (s.draft_version, s.on_behalf_of, s.legal_basis, s.accepted) == (1, None, "", True)
    vote_call = call(ParticipationType.VOTE)
    vote_call.vote(participant=ALICE, choice="agree", now=OPEN, by="MYGOV")
    *_, voted = vote_call.collect_events()
    old_vote = _as_first_build_stored(app, voted, "on_behalf_of")
    assert old_vote.on_behalf_of == {}


# --- the agency hierarchy (003) ------------------------------------------------------------


def test_a_policy_covers_the_agency_and_its_affiliated_bodies() -> None:
    policies = AgencyPolicies.of(
        parents={"sanjesh": "msrt", "irandoc": "msrt", "msrt-east": "sanjesh"},
        minimum_days={"MSRT": 30, "IRANDOC": 45},
    )
    assert policies.minimum_for("MSRT-EAST") == (30, "MSRT")
    assert policies.chain("MSRT-EAST") == ["MSRT-EAST", "SANJESH", "MSRT"]
    assert policies.minimum_for("IRANDOC") == (45, "IRANDOC")
    assert policies.minimum_for("MOJ") == (0, "")


def test_the_hierarchy_is_checked() -> None:
    with pytest.raises(InvalidInput) as info:
        AgencyPolicies.of(parents={"A1": "B1", "B1": "A1", "": "X1"}, minimum_days={"A1": 0})
    fields = set(info.value.fields)
    assert {"parents['A1']", "parents['B1']", "parents['']", "minimum_days['A1']"} <= fields


def test_the_policy_is_configuration_with_a_history() -> None:
    app: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    first = AgencyPolicies.of(minimum_days={"MSRT": 30})
    policy = ParticipationPolicy.start(first, now=NOW, by="TABADOL")
    policy.configure(
        AgencyPolicies.of(parents={"SANJESH": "MSRT"}, minimum_days={"MSRT": 30}),
        now=NOW,
        by="TABADOL",
    )
    app.save(policy)
    copy: ParticipationPolicy = app.repository.get(ParticipationPolicy.create_id())
    assert copy.version == 2 and copy.policies.minimum_for("SANJESH") == (30, "MSRT")
    assert copy.changed_by == "TABADOL"


# --- named in the public ranking (opt-in) ---------------------------------------------


def test_participants_opt_in_to_be_named_in_the_ranking() -> None:
    from aggregates.participant import ParticipantProfile
    from projections.citizen_score import CitizenScores

    c = call()
    c.comment(participant=ALICE, text="یک", now=OPEN, by="MYGOV")
    c.comment(participant=ALICE, text="دو", now=OPEN, by="MYGOV")
    c.comment(participant=BOB, text="سه", now=OPEN, by="MYGOV")
    with pytest.raises(InvalidInput) as info:
        ParticipantProfile.opt_in("not-a-pseudonym", " ", now=NOW, by="MYGOV")
    assert set(info.value.fields) == {"participant", "display_name"}
    profile = ParticipantProfile.opt_in(ALICE, "مریم احمدی", now=NOW, by="MYGOV")
    assert ParticipantProfile.create_id(ALICE) == profile.id
    scores = CitizenScores()
    events = [*c.collect_events(), *profile.collect_events()]
    for event in events:
        scores.process_event(event)
    first, second = scores.ranking()
    assert (first.participant, first.display_name) == (ALICE, "مریم احمدی")
    assert (second.participant, second.display_name) == (BOB, "")
    profile.rename("م. احمدی", now=NOW, by="MYGOV")
    profile.withdraw(now=NOW, by="MYGOV")
    with pytest.raises(TransitionRefused):
        profile.withdraw(now=NOW, by="MYGOV")
    renamed, withdrawn = profile.collect_events()
    scores.process_event(renamed)
    assert scores.ranking()[0].display_name == "م. احمدی"
    scores.process_event(withdrawn)
    assert scores.ranking()[0].display_name == ""
