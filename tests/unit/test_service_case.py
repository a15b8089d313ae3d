"""ServiceCase (پرونده خدمت): stages, steps, outcomes, rating, timeline, event round trip.

The exchanges a case makes (identity, inquiries, payment) have their own module,
test_service_case_exchanges.py; here they are recorded only where a stage needs them.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.errors import DomainError, InvalidInput, TransitionRefused
from aggregates.identifiers import NationalCode, PostalCode, Sheba, TrackingCode, TrackingKind
from aggregates.service_case import CaseStatus, PaymentStatus, ServiceCase, TimelineEntry
from aggregates.service_record import (
    Fee,
    InquiryKind,
    NonElectronicPlan,
    ProcessStep,
    RequiredDocument,
    ServiceRecordSpec,
    ServiceType,
    Stage,
)

PERMIT = "قانون بودجه ۱۴۰۵، جدول ۱۴"
FORM = {"type": "object", "properties": {"purpose": {"type": "string"}}}
APPLICANT = NationalCode.from_serial("001234567")
POSTAL = PostalCode.parse("1316943891")
RECEIVE, VERIFY, ISSUE, HAND_OVER = "دریافت درخواست", "بررسی مدارک", "صدور پروانه", "تحویل پروانه"

SPEC = ServiceRecordSpec(
    title_fa="صدور پروانه کسب",
    title_en="Business licence",
    legal_basis="قانون نظام صنفی، ماده ۱۲",
    service_type=ServiceType.SOVEREIGN,
    owner_agency="GUILDS",
    stakeholders=("کسب‌وکارها",),
    required_documents=(RequiredDocument("فرم درخواست", FORM),),
    required_inquiries=(InquiryKind.CIVIL_REGISTRATION, InquiryKind.POSTAL_CODE),
    identity_level=2,
    fee=Fee(1_000_000, Sheba.from_bban("0170000000100324200001").value, PERMIT),
    in_person_required=True,
    in_person_reasons=("تطبیق اصل مدارک صنفی",),
    non_electronic=NonElectronicPlan(electronic_by="1405/12/29"),
    process=(
        ProcessStep(RECEIVE, Stage.REQUEST, 4),
        ProcessStep(VERIFY, Stage.PRODUCTION, 24),
        ProcessStep(ISSUE, Stage.PRODUCTION, 24),
        ProcessStep(HAND_OVER, Stage.DELIVERY, 8),
    ),
    units=(),
    evaluation_method="نظرسنجی",
    time_limit_hours=72,
)
# A record whose production stage names no steps: any step may be recorded there.
FREE_PRODUCTION = dataclasses.replace(
    SPEC,
    process=(ProcessStep(RECEIVE, Stage.REQUEST, 4), ProcessStep(HAND_OVER, Stage.DELIVERY, 8)),
)


def new_code(kind: TrackingKind = TrackingKind.CASE, seed: int = 1) -> TrackingCode:
    return TrackingCode.new(kind, seed.to_bytes(8, "little"))


def open_case(
    record: ServiceRecordSpec = SPEC, *, collect: bool = True, **changes: Any
) -> ServiceCase:
    args: dict[str, Any] = {
        "tracking_code": new_code(),
        "service_code": "12345678",
        "record_revision": 3,
        "record": record,
        "applicant": APPLICANT,
        "agency": "guilds",
        "channel": "web",
        "by": "clerk-7",
        "postal_code": POSTAL,
    }
    args.update(changes)
    case = ServiceCase.open(**args)
    if collect:
        case.collect_events()
    return case


CIVIL_CODE, POSTAL_CODE = "1234567890123452", "9876543210987658"  # Luhn-valid
INQUIRED_AT = datetime(2026, 3, 21, 6, 30, tzinfo=UTC)


def verify(case: ServiceCase, by: str = "clerk") -> None:
    """The applicant signed in at the record's level (recorded from the identity provider)."""
    case.verify_identity(APPLICANT.value, 2, "identity", by=by)


def satisfy(case: ServiceCase, by: str = "clerk") -> None:
    """Record what delivery needs besides the steps: both inquiries and the paid fee."""
    case.record_inquiry(
        InquiryKind.CIVIL_REGISTRATION,
        CIVIL_CODE,
        "civil-registry",
        "SABTEAHVAL",
        {"alive": True, "birth_date_matched": True},
        INQUIRED_AT,
        by=by,
    )
    case.record_inquiry(
        InquiryKind.POSTAL_CODE,
        POSTAL_CODE,
        "postal-code",
        "POST",
        {"province": "تهران"},
        INQUIRED_AT,
        by=by,
    )
    case.request_payment(by=by)
    assert case.payment is not None
    case.record_payment(
        case.payment.idempotency_key,
        "123456789012345678",
        "settled",
        by=by,
        settlement_reference="123456789012",
        settled_at=INQUIRED_AT,
    )
    assert case.payment.status is PaymentStatus.SETTLED


def in_delivery() -> ServiceCase:
    case = open_case()
    verify(case)
    case.record_step(RECEIVE, by="clerk")
    case.complete_stage(Stage.REQUEST, by="clerk")
    case.record_step(VERIFY, by="clerk")
    case.record_step(ISSUE, by="clerk")
    case.complete_stage(Stage.PRODUCTION, by="clerk")
    case.collect_events()
    return case


def delivered() -> ServiceCase:
    case = in_delivery()
    satisfy(case)
    case.record_step(HAND_OVER, by="clerk")
    case.deliver(by="clerk")
    case.collect_events()
    return case


def refused(
    case: ServiceCase, error: type[DomainError], command: Callable[[], None]
) -> pytest.ExceptionInfo[Any]:
    """Run a command that must be refused, and check it changed nothing."""
    version, timeline = case.version, case.timeline
    with pytest.raises(error) as info:
        command()
    assert case.collect_events() == []
    assert case.version == version
    assert case.timeline == timeline
    return info


def fields_of(info: pytest.ExceptionInfo[Any]) -> list[str]:
    return [v.field for v in info.value.violations]


# --- open -----------------------------------------------------------------------------


def test_open_starts_in_the_request_stage() -> None:
    code = new_code()
    case = ServiceCase.open(
        code, "12345678", 3, SPEC, APPLICANT, " guilds ", " Web ", "clerk-7", postal_code=POSTAL
    )
    assert case.id == ServiceCase.create_id(code.value)
    assert case.tracking_code == code.value
    assert case.service_code == "12345678"
    assert case.record_revision == 3
    assert case.agency == "GUILDS"
    assert case.applicant_national_code == APPLICANT.value
    assert case.channel == "web"
    assert case.opened_by == "clerk-7"
    assert case.status is CaseStatus.OPEN
    assert case.stage is Stage.REQUEST
    assert case.satisfaction is None
    assert case.time_limit_hours == 72
    assert case.in_person_required is True
    assert case.process == SPEC.process
    assert case.opened_at == case.created_on
    assert (case.due_at - case.opened_at).total_seconds() == 72 * 3600
    assert case.closed_at is None
    assert case.timeline == [
        TimelineEntry("opened", Stage.REQUEST, "", "", "clerk-7", case.opened_at)
    ]
    [event] = case.collect_events()
    assert isinstance(event, ServiceCase.Opened)
    assert event.applicant_national_code == APPLICANT.value
    assert event.process[1] == {
        "name": VERIFY,
        "stage": "production",
        "time_limit_hours": 24,
        "electronic": True,
        "automated": False,
    }
    assert (event.time_limit_hours, event.in_person_required, event.by) == (72, True, "clerk-7")


@pytest.mark.parametrize("channel", ["web", "mobile", "counter", "api"])
def test_every_channel_opens(channel: str) -> None:
    assert open_case(channel=channel).channel == channel


def test_case_ids_are_deterministic_and_tolerate_loose_codes() -> None:
    code = new_code()
    loose = code.value.replace("-", "").lower()
    assert ServiceCase.create_id(loose) == ServiceCase.create_id(code.value)
    assert ServiceCase.create_id(code.value) != ServiceCase.create_id(new_code(seed=2).value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tracking_code": new_code(TrackingKind.PETITION)}, "tracking_code"),
        ({"tracking_code": new_code(TrackingKind.PAYMENT)}, "tracking_code"),
        ({"channel": "fax"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"agency": "1-BAD"}, "agency"),
        ({"service_code": "12"}, "service_code"),
        ({"record_revision": 0}, "record_revision"),
        ({"by": " "}, "by"),
    ],
)
def test_open_refuses_bad_input(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        open_case(**changes)
    assert fields_of(info) == [field]


def test_open_lists_every_violation() -> None:
    with pytest.raises(InvalidInput) as info:
        open_case(tracking_code=new_code(TrackingKind.INQUIRY), channel="fax", agency="")
    assert fields_of(info) == ["tracking_code", "agency", "channel"]
    assert "case tracking code" in info.value.violations[0].description


# --- record_step ----------------------------------------------------------------------


def test_record_step_of_the_current_stage() -> None:
    case = open_case()
    case.record_step(f" {RECEIVE} ", by="clerk", note="با مدارک کامل")
    assert case.step_recorded(Stage.REQUEST, RECEIVE)
    assert case.recorded_steps(Stage.REQUEST) == (RECEIVE,)
    [event] = case.collect_events()
    assert isinstance(event, ServiceCase.StepRecorded)
    assert (event.stage, event.step, event.note, event.by) == (
        "request",
        RECEIVE,
        "با مدارک کامل",
        "clerk",
    )
    entry = case.timeline[-1]
    assert (entry.kind, entry.stage, entry.step, entry.note) == (
        "step_recorded",
        Stage.REQUEST,
        RECEIVE,
        "با مدارک کامل",
    )


def test_a_step_of_another_stage_is_refused_listing_the_allowed_names() -> None:
    case = open_case()
    info = refused(case, InvalidInput, lambda: case.record_step(VERIFY, by="clerk"))
    assert fields_of(info) == ["step"]
    assert RECEIVE in info.value.violations[0].description


@pytest.mark.parametrize("step", ["", "   ", "x" * 201])
def test_step_text_is_checked(step: str) -> None:
    case = open_case(record=FREE_PRODUCTION)
    info = refused(case, InvalidInput, lambda: case.record_step(step, by="clerk"))
    assert fields_of(info) == ["step"]


def test_a_too_long_note_is_refused() -> None:
    case = open_case()
    info = refused(case, InvalidInput, lambda: case.record_step(RECEIVE, "clerk", "x" * 1001))
    assert fields_of(info) == ["note"]


def test_the_same_step_twice_is_refused() -> None:
    case = open_case()
    case.record_step(RECEIVE, by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.record_step(RECEIVE, by="clerk"))
    assert info.value.field == "step"
    assert "already recorded" in info.value.message


def test_no_free_text_step_in_a_stage_the_record_names_no_steps_for() -> None:
    """Step names reach the national-window feed, so only the record's public names pass:
    free text (which could carry a name or a phone number) is refused."""
    case = open_case(record=FREE_PRODUCTION)
    verify(case)
    case.record_step(RECEIVE, by="clerk")
    case.complete_stage(Stage.REQUEST, by="clerk")
    case.collect_events()
    info = refused(
        case, InvalidInput, lambda: case.record_step("called Ali Rezaei 09121234567", "inspector")
    )
    assert info.value.fields == ("step",)
    assert "names no steps for this stage" in str(info.value)
    case.complete_stage(Stage.PRODUCTION, by="inspector")  # the stage still completes
    assert case.stage == Stage.DELIVERY


def test_steps_cannot_be_recorded_on_a_closed_case() -> None:
    case = open_case()
    case.cancel("منصرف شد", by="applicant")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.record_step(RECEIVE, by="clerk"))
    assert "cancelled" in info.value.message


# --- complete_stage -------------------------------------------------------------------


def test_stages_follow_each_other() -> None:
    case = open_case()
    verify(case)
    stages = [case.stage]
    case.record_step(RECEIVE, by="clerk")
    case.complete_stage(Stage.REQUEST, by="supervisor")
    stages.append(case.stage)
    case.record_step(ISSUE, by="clerk")
    case.record_step(VERIFY, by="clerk")
    case.complete_stage(Stage.PRODUCTION, by="supervisor")
    stages.append(case.stage)
    assert stages == [Stage.REQUEST, Stage.PRODUCTION, Stage.DELIVERY]
    events = case.collect_events()
    completed = [e for e in events if isinstance(e, ServiceCase.StageCompleted)]
    assert [(e.stage, e.by) for e in completed] == [
        ("request", "supervisor"),
        ("production", "supervisor"),
    ]


def test_completing_another_stage_is_refused_naming_the_current_one() -> None:
    case = open_case()
    case.record_step(RECEIVE, by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.complete_stage(Stage.PRODUCTION, "x"))
    assert info.value.field == "stage"
    assert "in the request stage" in info.value.message


def test_completing_a_stage_with_missing_steps_is_refused_listing_them() -> None:
    case = open_case()
    verify(case)
    case.record_step(RECEIVE, by="clerk")
    case.complete_stage(Stage.REQUEST, by="clerk")
    case.record_step(ISSUE, by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.complete_stage(Stage.PRODUCTION, "x"))
    assert info.value.field == "stage"
    assert VERIFY in info.value.message
    assert ISSUE not in info.value.message


def test_the_delivery_stage_is_not_completed_but_delivered() -> None:
    case = in_delivery()
    case.record_step(HAND_OVER, by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.complete_stage(Stage.DELIVERY, "x"))
    assert info.value.field == "stage"
    assert "use deliver" in info.value.message


def test_an_unknown_stage_is_invalid_input() -> None:
    case = open_case()
    info = refused(case, InvalidInput, lambda: case.complete_stage("later", "x"))  # type: ignore[arg-type]
    assert fields_of(info) == ["stage"]


def test_stages_cannot_be_completed_on_a_closed_case() -> None:
    case = open_case()
    case.reject("مدارک ناقص", by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.complete_stage(Stage.REQUEST, "x"))
    assert "rejected" in info.value.message


# --- deliver, reject, cancel ----------------------------------------------------------


def test_deliver_closes_the_case() -> None:
    case = in_delivery()
    satisfy(case)
    case.record_step(HAND_OVER, by="clerk")
    case.deliver(by="clerk", in_person=True, note="تحویل حضوری")
    assert case.status is CaseStatus.DELIVERED
    assert case.delivered_in_person is True
    assert case.closed_at == case.modified_on
    event = case.collect_events()[-1]
    assert isinstance(event, ServiceCase.Delivered)
    assert (event.in_person, event.note, event.by) == (True, "تحویل حضوری", "clerk")


def test_deliver_before_the_delivery_stage_is_refused() -> None:
    case = open_case()
    info = refused(case, TransitionRefused, lambda: case.deliver(by="clerk"))
    assert info.value.field == "stage"
    assert "request stage" in info.value.message


def test_deliver_with_missing_delivery_steps_is_refused() -> None:
    case = in_delivery()
    info = refused(case, TransitionRefused, lambda: case.deliver(by="clerk"))
    assert HAND_OVER in info.value.message


def test_deliver_twice_is_refused() -> None:
    case = delivered()
    info = refused(case, TransitionRefused, lambda: case.deliver(by="clerk"))
    assert "delivered" in info.value.message


@pytest.mark.parametrize("command", ["reject", "cancel"])
def test_reject_and_cancel_close_an_open_case(command: str) -> None:
    case = open_case()
    getattr(case, command)(reason=" دلیل ", by="clerk")
    assert case.status is {"reject": CaseStatus.REJECTED, "cancel": CaseStatus.CANCELLED}[command]
    assert case.closed_at == case.modified_on
    [event] = case.collect_events()
    assert isinstance(
        event, {"reject": ServiceCase.Rejected, "cancel": ServiceCase.Cancelled}[command]
    )
    assert (event.reason, event.by) == ("دلیل", "clerk")
    assert case.timeline[-1].kind == {"reject": "rejected", "cancel": "cancelled"}[command]
    assert case.timeline[-1].note == "دلیل"


@pytest.mark.parametrize("command", ["reject", "cancel"])
@pytest.mark.parametrize("reason", ["", "  ", "x" * 1001])
def test_reject_and_cancel_need_a_reason(command: str, reason: str) -> None:
    case = open_case()
    info = refused(case, InvalidInput, lambda: getattr(case, command)(reason=reason, by="clerk"))
    assert fields_of(info) == ["reason"]


@pytest.mark.parametrize("command", ["reject", "cancel"])
def test_reject_and_cancel_only_while_open(command: str) -> None:
    case = delivered()
    info = refused(case, TransitionRefused, lambda: getattr(case, command)(reason="r", by="x"))
    assert "delivered" in info.value.message


# --- rate -----------------------------------------------------------------------------


def test_rate_a_delivered_case_once() -> None:
    case = delivered()
    case.rate(5, " عالی بود ", by="applicant")
    assert case.satisfaction == (5, "عالی بود")
    [event] = case.collect_events()
    assert isinstance(event, ServiceCase.Rated)
    assert (event.score, event.comment, event.by) == (5, "عالی بود", "applicant")
    info = refused(case, TransitionRefused, lambda: case.rate(4, "", by="applicant"))
    assert "already rated" in info.value.message


@pytest.mark.parametrize("make", [open_case, in_delivery])
def test_rating_before_delivery_is_refused(make: Callable[[], ServiceCase]) -> None:
    case = make()
    info = refused(case, TransitionRefused, lambda: case.rate(5, "", by="applicant"))
    assert "only a delivered case" in info.value.message


def test_a_cancelled_case_cannot_be_rated() -> None:
    case = open_case()
    case.cancel("r", by="applicant")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.rate(1, "", by="applicant"))
    assert "cancelled" in info.value.message


@pytest.mark.parametrize("score", [0, 6, -1, True, "5", 4.5])
def test_score_must_be_one_to_five(score: Any) -> None:
    case = delivered()
    info = refused(case, InvalidInput, lambda: case.rate(score, "", by="applicant"))
    assert fields_of(info) == ["score"]


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_scores_one_to_five_are_fine(score: int) -> None:
    case = delivered()
    case.rate(score, "", by="applicant")
    assert case.satisfaction == (score, "")


def test_a_too_long_comment_is_refused() -> None:
    case = delivered()
    info = refused(case, InvalidInput, lambda: case.rate(3, "x" * 1001, by="applicant"))
    assert fields_of(info) == ["comment"]
    case.rate(3, "x" * 1000, by="applicant")


# --- timeline, topics, persistence ----------------------------------------------------


def full_journey() -> ServiceCase:
    case = ServiceCase.open(
        new_code(), "12345678", 3, SPEC, APPLICANT, "GUILDS", "counter", "c1", postal_code=POSTAL
    )
    case.record_step(RECEIVE, by="c1")
    verify(case, by="c1")
    case.complete_stage(Stage.REQUEST, by="c1")
    case.record_step(VERIFY, by="c2", note="اصالت سنجی شد")
    satisfy(case, by="c2")
    case.record_step(ISSUE, by="c2")
    case.complete_stage(Stage.PRODUCTION, by="c2")
    case.record_step(HAND_OVER, by="c3")
    case.deliver(by="c3", in_person=True)
    case.rate(4, "خوب", by=APPLICANT.value)
    return case


def test_timeline_tells_the_whole_story() -> None:
    case = full_journey()
    assert [(e.kind, e.stage, e.step, e.by) for e in case.timeline] == [
        ("opened", Stage.REQUEST, "", "c1"),
        ("step_recorded", Stage.REQUEST, RECEIVE, "c1"),
        ("identity_verified", Stage.REQUEST, "", "c1"),
        ("stage_completed", Stage.REQUEST, "", "c1"),
        ("step_recorded", Stage.PRODUCTION, VERIFY, "c2"),
        ("inquiry_made", Stage.PRODUCTION, "", "c2"),
        ("inquiry_made", Stage.PRODUCTION, "", "c2"),
        ("payment_requested", Stage.PRODUCTION, "", "c2"),
        ("payment_settled", Stage.PRODUCTION, "", "c2"),
        ("step_recorded", Stage.PRODUCTION, ISSUE, "c2"),
        ("stage_completed", Stage.PRODUCTION, "", "c2"),
        ("step_recorded", Stage.DELIVERY, HAND_OVER, "c3"),
        ("delivered", Stage.DELIVERY, "", "c3"),
        ("rated", Stage.DELIVERY, "", APPLICANT.value),
    ]
    times = [e.at for e in case.timeline]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)
    assert case.timeline[4].note == "اصالت سنجی شد"
    assert case.timeline[5].note == f"civil_registration {CIVIL_CODE} (SABTEAHVAL)"
    case.timeline.clear()  # a copy: the aggregate keeps its history
    assert len(case.timeline) == 14


def test_every_event_has_an_explicit_topic() -> None:
    expected = {
        ServiceCase: "tabadol.service_case",
        ServiceCase.Opened: "tabadol.service_case.opened",
        ServiceCase.StepRecorded: "tabadol.service_case.step_recorded",
        ServiceCase.StageCompleted: "tabadol.service_case.stage_completed",
        ServiceCase.Delivered: "tabadol.service_case.delivered",
        ServiceCase.Rejected: "tabadol.service_case.rejected",
        ServiceCase.Cancelled: "tabadol.service_case.cancelled",
        ServiceCase.Rated: "tabadol.service_case.rated",
        ServiceCase.IdentityVerified: "tabadol.service_case.identity_verified",
        ServiceCase.InquiryMade: "tabadol.service_case.inquiry_made",
        ServiceCase.PaymentRequested: "tabadol.service_case.payment_requested",
        ServiceCase.PaymentAccepted: "tabadol.service_case.payment_accepted",
        ServiceCase.PaymentSettled: "tabadol.service_case.payment_settled",
        ServiceCase.PaymentDeclined: "tabadol.service_case.payment_declined",
        ServiceCase.ExchangeFailed: "tabadol.service_case.exchange_failed",
    }
    assert {cls: get_topic(cls) for cls in expected} == expected
    assert ServiceCase.Created is ServiceCase.Opened


def application() -> Application[Any]:
    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_case_is_rebuilt_from_its_stored_events() -> None:
    app = application()
    case = full_journey()
    app.save(case)
    copy: ServiceCase = app.repository.get(case.id)
    assert isinstance(copy, ServiceCase)
    assert copy == case
    assert copy.timeline == case.timeline
    assert (copy.status, copy.stage, copy.satisfaction) == (
        CaseStatus.DELIVERED,
        Stage.DELIVERY,
        (4, "خوب"),
    )
    assert copy.inquiries == case.inquiries and copy.payment == case.payment
    halfway: ServiceCase = app.repository.get(case.id, version=4)
    assert (halfway.status, halfway.stage) == (CaseStatus.OPEN, Stage.PRODUCTION)
    assert halfway.identity_level == 2 and halfway.inquiries == {}


# --- any sequence of commands ---------------------------------------------------------


def _settle(case: ServiceCase) -> None:
    key = case.payment.idempotency_key if case.payment else "none"
    case.record_payment(
        key, "1" * 18, "settled", by="a", settlement_reference="1" * 12, settled_at=INQUIRED_AT
    )


def _decline(case: ServiceCase) -> None:
    key = case.payment.idempotency_key if case.payment else "none"
    case.record_payment(key, "2" * 18, "failed", by="a", failure_reason="limit")


COMMANDS: list[tuple[str, Callable[[ServiceCase], None]]] = [
    ("verify identity", verify),
    ("verify at a low level", lambda c: c.verify_identity(APPLICANT.value, 1, "identity", "a")),
    (
        "inquire civil",
        lambda c: c.record_inquiry(
            InquiryKind.CIVIL_REGISTRATION,
            CIVIL_CODE,
            "civil-registry",
            "SABTEAHVAL",
            {"alive": True, "birth_date_matched": True},
            INQUIRED_AT,
            by="a",
        ),
    ),
    (
        "inquire postal",
        lambda c: c.record_inquiry(
            InquiryKind.POSTAL_CODE,
            POSTAL_CODE,
            "postal-code",
            "POST",
            {"province": "قم"},
            INQUIRED_AT,
            by="a",
        ),
    ),
    ("request payment", lambda c: c.request_payment(by="a")),
    ("payment settled", _settle),
    ("payment declined", _decline),
    ("exchange failed", lambda c: c.record_exchange_failure("treasury", "X", "timeout", "r", "a")),
    ("receive", lambda c: c.record_step(RECEIVE, by="a")),
    ("verify", lambda c: c.record_step(VERIFY, by="a")),
    ("issue", lambda c: c.record_step(ISSUE, by="a")),
    ("hand over", lambda c: c.record_step(HAND_OVER, by="a")),
    ("bad step", lambda c: c.record_step("", by="a")),
    ("complete request", lambda c: c.complete_stage(Stage.REQUEST, by="a")),
    ("complete production", lambda c: c.complete_stage(Stage.PRODUCTION, by="a")),
    ("complete delivery", lambda c: c.complete_stage(Stage.DELIVERY, by="a")),
    ("deliver", lambda c: c.deliver(by="a")),
    ("reject", lambda c: c.reject("r", by="a")),
    ("cancel", lambda c: c.cancel("r", by="a")),
    ("cancel without reason", lambda c: c.cancel("", by="a")),
    ("rate", lambda c: c.rate(5, "", by="a")),
    ("rate badly", lambda c: c.rate(9, "", by="a")),
]


@settings(max_examples=150)
@given(st.lists(st.sampled_from(COMMANDS), max_size=25))
def test_any_command_sequence_keeps_the_invariants(
    commands: list[tuple[str, Callable[[ServiceCase], None]]],
) -> None:
    app = application()
    case = open_case()
    for _, command in commands:
        before = case.version
        try:
            command(case)
        except DomainError:
            assert case.collect_events() == []
            assert case.version == before
        else:
            # Recording a payment outcome the case already knows changes nothing.
            assert len(case.collect_events()) == case.version - before <= 1
        if case.status is not CaseStatus.OPEN:
            assert case.closed_at is not None
        if case.satisfaction is not None:
            assert case.status is CaseStatus.DELIVERED
        if case.stage is not Stage.REQUEST:
            assert case.identity_level >= 2
        if case.status is CaseStatus.DELIVERED:
            assert case.stage is Stage.DELIVERY
            assert case.step_recorded(Stage.DELIVERY, HAND_OVER)
            assert case.missing_for_delivery() == ()
            assert case.payment is not None and case.payment.status is PaymentStatus.SETTLED
    assert len(case.timeline) == case.version
    # Replaying every event rebuilds the same case.
    case = open_case(collect=False)
    for _, command in commands:
        with contextlib.suppress(DomainError):
            command(case)
    app.save(case)
    assert app.repository.get(case.id) == case
