"""Petition (درخواست، شکایت، پیشنهاد): tracking code, routing by topic, one answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.petition import Petition, PetitionKind, PetitionStatus, Route, RoutingTable

NOW = datetime(2026, 4, 21, 6, 30, tzinfo=UTC)
SHARES = Route("IPO", "دفتر سهام عدالت")
DEFAULT = Route("IPO", "روابط عمومی")
ROUTING = RoutingTable.of(DEFAULT, {"Shares": SHARES, "pension": Route("sso", "امور مستمری")})
PERSON = "f" * 32


def submit(**changes: Any) -> Petition:
    args: dict[str, Any] = {
        "kind": PetitionKind.COMPLAINT,
        "topic": "shares",
        "subject": "تأخیر در واریز سود سهام عدالت",
        "body": "سود سال گذشته هنوز واریز نشده است.",
        "routing": ROUTING,
        "now": NOW,
        "by": "MYGOV",
    }
    args.update(changes)
    code = args.pop("tracking_code", None) or TrackingCode.new(TrackingKind.PETITION)
    return Petition.submit(code, **args)


def test_a_petition_is_routed_by_its_topic() -> None:
    petition = submit(topic=" SHARES ")
    assert petition.topic == "shares"
    assert petition.route == SHARES
    assert petition.status is PetitionStatus.ROUTED
    assert (petition.kind, petition.submitted_by, petition.submitted_at) == (
        PetitionKind.COMPLAINT,
        "MYGOV",
        NOW,
    )
    assert petition.submitter == "" and petition.answered_at is None


def test_an_unlisted_topic_goes_to_the_default_unit() -> None:
    assert submit(topic="parking").route == DEFAULT
    assert submit(topic="pension").route == Route("SSO", "امور مستمری")


def test_routing_tables_are_checked() -> None:
    with pytest.raises(InvalidInput) as info:
        RoutingTable.of(Route("", ""), {"bad topic!": Route("IPO", "x"), "ok": Route("1", "")})
    assert set(info.value.fields) == {
        "routes['ok'].agency",
        "routes['ok'].unit",
        "routes['bad topic!']",
        "default.agency",
        "default.unit",
    }


def test_ids_are_deterministic_and_namespaced() -> None:
    code = TrackingCode.new(TrackingKind.PETITION).value
    assert Petition.create_id(code) == Petition.create_id(code.lower())
    assert Petition.create_id(code) != Petition.create_id(code.replace("P", "K", 1))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tracking_code": TrackingCode.new(TrackingKind.CONSULTATION)}, "tracking_code"),
        ({"kind": "praise"}, "kind"),
        ({"topic": ""}, "topic"),
        ({"topic": "سهام"}, "topic"),
        ({"topic": "x" * 65}, "topic"),
        ({"subject": " "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": ""}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"submitter": "0012345678"}, "submitter"),
        ({"by": ""}, "by"),
    ],
)
def test_submit_refuses_bad_input(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        submit(**changes)
    assert list(info.value.fields) == [field]


def test_a_signed_in_citizen_is_kept_as_a_pseudonym() -> None:
    petition = submit(submitter=PERSON, kind="request")
    assert petition.submitter == PERSON and petition.kind is PetitionKind.REQUEST


def test_a_petition_is_answered_once() -> None:
    petition = submit()
    later = NOW + timedelta(days=2)
    with pytest.raises(InvalidInput) as info:
        petition.answer(" ", now=later, by="IPO")
    assert list(info.value.fields) == ["answer"]
    petition.answer(" سود تا پایان ماه واریز می‌شود. ", now=later, by="IPO")
    assert petition.status is PetitionStatus.ANSWERED
    assert (petition.answer_text, petition.answered_by, petition.answered_at) == (
        "سود تا پایان ماه واریز می‌شود.",
        "IPO",
        later,
    )
    with pytest.raises(TransitionRefused, match="already answered"):
        petition.answer("دوباره", now=later, by="IPO")


def test_now_must_be_aware() -> None:
    with pytest.raises(TypeError):
        submit(now=datetime(2026, 4, 21))  # noqa: DTZ001


def test_every_event_has_an_explicit_topic() -> None:
    expected = {
        Petition: "tabadol.petition",
        Petition.Submitted: "tabadol.petition.submitted",
        Petition.Answered: "tabadol.petition.answered",
    }
    assert {cls: get_topic(cls) for cls in expected} == expected


def test_a_petition_is_rebuilt_from_its_stored_events() -> None:
    app: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    petition = submit(submitter=PERSON)
    petition.answer("پاسخ", now=NOW, by="IPO")
    app.save(petition)
    copy: Petition = app.repository.get(petition.id)
    assert copy == petition
    assert (copy.route, copy.answer_text, copy.submitter) == (SHARES, "پاسخ", PERSON)
