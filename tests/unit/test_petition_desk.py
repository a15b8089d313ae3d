"""Petitions answered in time (000 items 4-5; 001 item 6): deadlines per topic, forwarding
with the trail of who had it, the routing table as configuration, the desk's views."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.petition import (
    DEFAULT_ANSWER_DAYS,
    Holder,
    Petition,
    PetitionKind,
    PetitionRouting,
    Route,
    RoutingTable,
)
from projections.petition_desk import PetitionDesk

NOW = datetime(2026, 4, 21, 6, 30, tzinfo=UTC)
SHARES = Route("IPO", "دفتر سهام عدالت", answer_days=3)
DEFAULT = Route("IPO", "روابط عمومی")
LEGAL = Route("IPO", "امور حقوقی", answer_days=30)
ROUTING = RoutingTable.of(DEFAULT, {"shares": SHARES, "desk": Route("IPO", "میز خدمت", 5)})


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
    return Petition.submit(TrackingCode.new(TrackingKind.PETITION), **args)


def test_the_answer_is_due_by_the_topics_days() -> None:
    assert submit().answer_due_at == NOW + timedelta(days=3)
    assert submit(topic="other").answer_due_at == NOW + timedelta(days=DEFAULT_ANSWER_DAYS)
    petition = submit()
    assert not petition.overdue(NOW + timedelta(days=3))
    assert petition.overdue(NOW + timedelta(days=3, seconds=1))
    petition.answer("پاسخ", now=NOW + timedelta(days=1), by="IPO")
    assert not petition.overdue(NOW + timedelta(days=30))


def test_answer_days_are_checked_in_the_table() -> None:
    with pytest.raises(InvalidInput) as info:
        RoutingTable.of(Route("IPO", "x", 0), {"a": Route("IPO", "y", 91)})
    assert set(info.value.fields) == {"default.answer_days", "routes['a'].answer_days"}


def test_forwarding_keeps_the_trail_of_who_had_it_and_the_deadline() -> None:
    petition = submit()
    later = NOW + timedelta(hours=5)
    petition.forward(LEGAL, reason="نیاز به نظر حقوقی", now=later, by="IPO")
    assert petition.route == Route("IPO", "امور حقوقی")
    assert petition.holders == (
        Holder("IPO", "دفتر سهام عدالت", NOW, "MYGOV", ""),
        Holder("IPO", "امور حقوقی", later, "IPO", "نیاز به نظر حقوقی"),
    )
    assert petition.answer_due_at == NOW + timedelta(days=3)  # the citizen's clock runs on
    with pytest.raises(TransitionRefused, match="already with"):
        petition.forward(LEGAL, reason="again", now=later, by="IPO")
    with pytest.raises(InvalidInput) as info:
        petition.forward(Route("", "x"), reason=" ", now=later, by="IPO")
    assert set(info.value.fields) == {"to.agency", "reason"}
    petition.answer("پاسخ", now=later, by="IPO")
    with pytest.raises(TransitionRefused, match="already answered"):
        petition.forward(SHARES, reason="late", now=later, by="IPO")


def test_a_comment_names_the_service_it_is_about() -> None:
    with pytest.raises(InvalidInput) as info:
        submit(kind="comment", topic="desk")
    assert list(info.value.fields) == ["service_code"]
    with pytest.raises(InvalidInput) as info:
        submit(kind="comment", topic="desk", service_code="not a code")
    assert list(info.value.fields) == ["service_code"]
    comment = submit(kind="comment", topic="desk", service_code="۱۲۰۱۰۰۰۱")
    assert (comment.kind, comment.service_code) == (PetitionKind.COMMENT, "12010001")


def test_every_new_event_has_an_explicit_topic() -> None:
    expected = {
        Petition.Forwarded: "tabadol.petition.forwarded",
        PetitionRouting: "tabadol.petition_routing",
        PetitionRouting.Started: "tabadol.petition_routing.started",
        PetitionRouting.Configured: "tabadol.petition_routing.configured",
    }
    assert {cls: get_topic(cls) for cls in expected} == expected


def test_forwarded_petitions_and_tables_are_rebuilt_from_stored_events() -> None:
    app: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    petition = submit(kind="comment", service_code="12010001")
    petition.forward(LEGAL, reason="حقوقی", now=NOW, by="IPO")
    routing = PetitionRouting.start(ROUTING, now=NOW, by="TABADOL")
    routing.configure(RoutingTable.of(LEGAL), now=NOW + timedelta(days=1), by="TABADOL")
    app.save(petition, routing)
    copy: Petition = app.repository.get(petition.id)
    assert copy.holders == petition.holders and copy.service_code == "12010001"
    table: PetitionRouting = app.repository.get(PetitionRouting.create_id())
    assert table.table == RoutingTable.of(LEGAL)
    assert (table.version, table.changed_by) == (2, "TABADOL")
    assert table.table.route("anything").answer_days == 30


def test_a_petition_stored_before_deadlines_still_loads() -> None:
    """A version-1 Submitted (no deadline, no service) as the first build stored it."""
    app: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    petition = submit()
    (submitted,) = petition.collect_events()
    stored = app.mapper.to_stored_event(submitted)
    state = json.loads(stored.state)
    for name in ("answer_due_at", "service_code", "class_version"):
        state.pop(name)
    old = replace(stored, state=json.dumps(state).encode())
    event = app.mapper.to_domain_event(old)
    rebuilt = event.mutate(None)
    assert isinstance(rebuilt, Petition)
    assert rebuilt.answer_due_at is None and rebuilt.service_code == ""
    assert not rebuilt.overdue(NOW + timedelta(days=365))
    desk = PetitionDesk()
    desk.process_event(event)
    assert desk.overdue(NOW + timedelta(days=365)) == []


def _desk(*petitions: Petition) -> PetitionDesk:
    desk = PetitionDesk()
    for petition in petitions:
        for event in petition.collect_events():
            desk.process_event(event)
            desk.process_event(event)  # idempotent
    return desk


def test_the_desk_lists_overdue_petitions_and_unit_kpis() -> None:
    late = submit()  # due NOW + 3 days
    on_time = submit()
    on_time.answer("پاسخ", now=NOW + timedelta(days=1), by="IPO")
    forwarded = submit(topic="desk")  # due NOW + 5 days
    forwarded.forward(LEGAL, reason="حقوقی", now=NOW + timedelta(hours=1), by="IPO")
    answered_late = submit()
    answered_late.answer("دیر", now=NOW + timedelta(days=4), by="IPO")
    desk = _desk(late, on_time, forwarded, answered_late)
    at = NOW + timedelta(days=6)
    assert [r.tracking_code for r in desk.overdue(at)] == [
        late.tracking_code,
        forwarded.tracking_code,
    ]
    assert desk.overdue(NOW + timedelta(days=2)) == []
    row = desk.overdue(at, agency="IPO")[1]
    assert row.holders == (("IPO", "میز خدمت"), ("IPO", "امور حقوقی"))
    assert row.hours_late(at) == pytest.approx(24.0)
    kpis = {k.unit: k for k in desk.kpis(at)}
    assert set(kpis) == {"دفتر سهام عدالت", "امور حقوقی", "میز خدمت"}
    shares = kpis["دفتر سهام عدالت"]
    assert (shares.received, shares.answered, shares.open, shares.overdue) == (3, 2, 1, 1)
    assert shares.answered_on_time_percent == 50.0
    assert shares.median_answer_hours == pytest.approx(60.0)
    assert (kpis["میز خدمت"].received, kpis["میز خدمت"].forwarded_away) == (0, 1)
    assert kpis["امور حقوقی"].overdue == 1
    assert desk.kpis(at, agency="SSO") == []


def test_comments_are_summarised_per_service_for_the_unit_in_charge() -> None:
    first = submit(kind="comment", topic="desk", service_code="12010001", subject="صف طولانی")
    second = submit(
        kind="comment",
        topic="desk",
        service_code="12010001",
        subject="فرم مبهم",
        now=NOW + timedelta(minutes=1),
    )
    second.answer("اصلاح شد", now=NOW + timedelta(days=1), by="IPO")
    other = submit(kind="comment", topic="quality", service_code="12010002", subject="خوب")
    complaint = submit(service_code="12010001")  # not a comment: not in the summary
    desk = _desk(first, second, other, complaint)
    summary = desk.service_comments(NOW + timedelta(days=6))
    assert [
        (s.service_code, s.unit, s.comments, s.answered, s.open, s.overdue) for s in summary
    ] == [
        ("12010001", "میز خدمت", 2, 1, 1, 1),
        ("12010002", "روابط عمومی", 1, 0, 1, 0),
    ]
    assert summary[0].topics == (("desk", 2),)
    assert summary[0].latest_subjects == ("فرم مبهم", "صف طولانی")
