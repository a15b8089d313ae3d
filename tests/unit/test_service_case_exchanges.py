"""ServiceCase's exchanges with other agencies' systems, as domain rules: identity at the
record's level before production, only the inquiries the record calls for and only the
facts the service needs, the fee paid once under a derived key, failures kept; delivery
waits for all of it. Plus the inquiry tracking code and its receipt, and old events."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.inquiry_receipt import InquiryReceipt, InquiryTrackingCode
from aggregates.service_case import (
    INQUIRY_FACTS,
    CaseStatus,
    PaymentStatus,
    ServiceCase,
)
from aggregates.service_record import InquiryKind, Stage
from tests.unit.test_service_case import (
    APPLICANT,
    CIVIL_CODE,
    HAND_OVER,
    INQUIRED_AT,
    ISSUE,
    POSTAL_CODE,
    RECEIVE,
    SPEC,
    VERIFY,
    application,
    new_code,
    open_case,
    refused,
    verify,
)

SETTLED_AT = datetime(2026, 3, 21, 7, 0, tzinfo=UTC)
PAYMENT_ID = "123456789012345678"


def civil(case: ServiceCase, code: str = CIVIL_CODE, **facts: Any) -> None:
    case.record_inquiry(
        InquiryKind.CIVIL_REGISTRATION,
        code,
        "civil-registry",
        "SABTEAHVAL",
        facts or {"alive": True, "birth_date_matched": True},
        INQUIRED_AT,
        by="clerk",
    )


def postal(case: ServiceCase) -> None:
    case.record_inquiry(
        InquiryKind.POSTAL_CODE,
        POSTAL_CODE,
        "postal-code",
        "POST",
        {"province": "اصفهان"},
        INQUIRED_AT,
        by="clerk",
    )


def settle(case: ServiceCase) -> None:
    assert case.payment is not None
    case.record_payment(
        case.payment.idempotency_key,
        PAYMENT_ID,
        "settled",
        by="clerk",
        settlement_reference="123456789012",
        settled_at=SETTLED_AT,
    )


def at_delivery() -> ServiceCase:
    case = open_case()
    verify(case)
    case.record_step(RECEIVE, by="clerk")
    case.complete_stage(Stage.REQUEST, by="clerk")
    case.record_step(VERIFY, by="clerk")
    case.record_step(ISSUE, by="clerk")
    case.complete_stage(Stage.PRODUCTION, by="clerk")
    case.record_step(HAND_OVER, by="clerk")
    case.collect_events()
    return case


# --- the record's demands travel with the case -----------------------------------------


def test_the_case_keeps_what_the_record_demands() -> None:
    case = open_case()
    assert case.required_identity_level == 2 and case.identity_level == 0
    assert case.required_inquiries == (InquiryKind.CIVIL_REGISTRATION, InquiryKind.POSTAL_CODE)
    assert case.fee == SPEC.fee
    assert case.payment is None and case.inquiries == {} and case.exchange_failures == ()
    assert case.missing_for_delivery() == (
        "identity verification at assurance level 2",
        "civil_registration inquiry",
        "postal_code inquiry",
        "the fee of 1,000,000 rials (not requested)",
    )


def test_a_free_service_with_no_inquiries_waits_only_for_identity() -> None:
    case = open_case(dataclasses.replace(SPEC, fee=None, required_inquiries=()))
    assert case.missing_for_delivery() == ("identity verification at assurance level 2",)
    verify(case)
    case.collect_events()
    assert case.missing_for_delivery() == ()
    info = refused(case, TransitionRefused, lambda: case.request_payment(by="clerk"))
    assert info.value.field == "fee"


# --- identity ------------------------------------------------------------------------


def test_production_waits_for_the_identity_at_the_records_level() -> None:
    case = open_case()
    case.record_step(RECEIVE, by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.complete_stage(Stage.REQUEST, "clerk"))
    assert info.value.field == "identity"
    assert "assurance level 2" in info.value.message
    case.verify_identity(APPLICANT.value, 3, "identity", by="clerk")
    case.complete_stage(Stage.REQUEST, by="clerk")
    assert case.stage is Stage.PRODUCTION and case.identity_level == 3
    verified = case.collect_events()[0]
    assert isinstance(verified, ServiceCase.IdentityVerified)
    assert (verified.level, verified.system, verified.by) == (3, "identity", "clerk")
    assert case.timeline[-2].kind == "identity_verified"
    assert case.timeline[-2].note == "assurance level 3 (identity)"


def test_identity_of_another_person_or_below_the_level_is_refused() -> None:
    case = open_case()
    other = "0012345679" if APPLICANT.value != "0012345679" else "0012345687"
    for national_code, level, words in (
        (other, 4, "another person's"),
        (APPLICANT.value, 1, "level 1; this service requires level 2"),
    ):
        info = refused(
            case,
            TransitionRefused,
            lambda nc=national_code, lv=level: case.verify_identity(nc, lv, "identity", "clerk"),
        )
        assert words in info.value.message and info.value.field == "applicant_token"


@pytest.mark.parametrize(
    ("national_code", "level", "system", "fields"),
    [
        ("0012345678", 2, "identity", ["national_code"]),
        (APPLICANT.value, 5, "identity", ["assurance_level"]),
        (APPLICANT.value, True, "identity", ["assurance_level"]),
        (APPLICANT.value, 2, " ", ["system"]),
    ],
)
def test_identity_answers_are_checked(
    national_code: str, level: Any, system: str, fields: list[str]
) -> None:
    case = open_case()
    info = refused(
        case, InvalidInput, lambda: case.verify_identity(national_code, level, system, "clerk")
    )
    assert [v.field for v in info.value.violations] == fields


# --- inquiries -----------------------------------------------------------------------


def test_an_inquiry_keeps_its_tracking_code_and_only_the_facts_the_service_needs() -> None:
    case = open_case()
    civil(case)
    [event] = case.collect_events()
    assert isinstance(event, ServiceCase.InquiryMade)
    assert (event.kind, event.inquiry_tracking_code, event.issuing_agency) == (
        "civil_registration",
        CIVIL_CODE,
        "SABTEAHVAL",
    )
    assert event.facts == {"alive": True, "birth_date_matched": True}
    record = case.inquiries[InquiryKind.CIVIL_REGISTRATION]
    assert (record.inquired_at, record.system, record.by) == (
        INQUIRED_AT,
        "civil-registry",
        "clerk",
    )
    assert case.timeline[-1].note == f"civil_registration {CIVIL_CODE} (SABTEAHVAL)"


def test_the_registrys_full_record_is_never_kept() -> None:
    case = open_case()
    info = refused(
        case,
        InvalidInput,
        lambda: civil(case, alive=True, birth_date_matched=True, first_name="علی"),
    )
    assert [v.field for v in info.value.violations] == ["facts.first_name"]
    assert "stays with the registry" in info.value.violations[0].description
    info = refused(case, InvalidInput, lambda: civil(case, alive=True))
    assert "birth_date_matched" in info.value.violations[0].description
    assert set(INQUIRY_FACTS) == set(InquiryKind)


def test_an_inquiry_the_record_does_not_call_for_or_made_twice_is_refused() -> None:
    case = open_case()
    info = refused(
        case, TransitionRefused, lambda: case.check_can_make_inquiry(InquiryKind.DEEDS_REGISTRY)
    )
    assert "does not call for a deeds_registry inquiry" in info.value.message
    civil(case)
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: civil(case, "1234567890123460"))
    assert CIVIL_CODE in info.value.message and info.value.field == "kind"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "1234567890123453"}, "inquiry_tracking_code"),
        ({"code": "C-0000"}, "inquiry_tracking_code"),
        ({"agency": "sabt ahval"}, "issuing_agency"),
        ({"at": datetime(2026, 3, 21)}, "inquired_at"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_inquiry_answers_are_checked(changes: dict[str, Any], field: str) -> None:
    case = open_case()
    args = {"code": CIVIL_CODE, "agency": "SABTEAHVAL", "at": INQUIRED_AT} | changes
    info = refused(
        case,
        InvalidInput,
        lambda: case.record_inquiry(
            InquiryKind.CIVIL_REGISTRATION,
            args["code"],
            "civil-registry",
            args["agency"],
            {"alive": True, "birth_date_matched": True},
            args["at"],
            by="clerk",
        ),
    )
    assert [v.field for v in info.value.violations] == [field]


def test_a_closed_case_makes_no_exchange() -> None:
    case = open_case()
    case.cancel("انصراف", by="applicant")
    case.collect_events()
    for command in (
        case.check_can_verify_identity,
        lambda: case.check_can_make_inquiry(InquiryKind.POSTAL_CODE),
        lambda: case.request_payment(by="clerk"),
        lambda: verify(case),
    ):
        info = refused(case, TransitionRefused, command)
        assert "cancelled" in info.value.message


# --- payment -------------------------------------------------------------------------


def test_the_fee_is_requested_before_the_treasury_is_called_under_a_derived_key() -> None:
    case = open_case()
    info = refused(case, TransitionRefused, lambda: case.request_payment(by="clerk"))
    assert info.value.field == "identity"
    verify(case)
    case.request_payment(by="clerk")
    events = case.collect_events()
    requested = events[-1]
    assert isinstance(requested, ServiceCase.PaymentRequested)
    key = f"{case.tracking_code}:fee:1"
    assert (requested.idempotency_key, requested.amount_rials, requested.revenue_account) == (
        key,
        1_000_000,
        SPEC.fee.revenue_account if SPEC.fee else "",
    )
    assert case.payment is not None and case.payment.status is PaymentStatus.REQUESTED
    assert case.payment.outstanding and case.payment_key(1) == key
    info = refused(case, TransitionRefused, lambda: case.request_payment(by="clerk"))
    assert "already under way" in info.value.message and key in info.value.message


def test_payment_outcomes_move_forward_only_and_repeat_harmlessly() -> None:
    case = open_case()
    verify(case)
    case.request_payment(by="clerk")
    key = case.payment_key(1)
    case.collect_events()
    case.record_payment(key, PAYMENT_ID, "pending", by="clerk")
    case.record_payment(key, PAYMENT_ID, "pending", by="clerk")  # nothing new
    assert [type(e) for e in case.collect_events()] == [ServiceCase.PaymentAccepted]
    settle(case)
    settle(case)
    [settled] = case.collect_events()
    assert isinstance(settled, ServiceCase.PaymentSettled)
    assert (settled.payment_id, settled.settlement_reference, settled.settled_at) == (
        PAYMENT_ID,
        "123456789012",
        SETTLED_AT,
    )
    assert case.payment is not None and case.payment.status is PaymentStatus.SETTLED
    assert not case.payment.outstanding
    info = refused(case, TransitionRefused, lambda: case.request_payment(by="clerk"))
    assert "already paid" in info.value.message
    info = refused(
        case, TransitionRefused, lambda: case.record_payment(key, PAYMENT_ID, "failed", "x")
    )
    assert "settled payment cannot be declined" in info.value.message


def test_a_declined_payment_is_kept_and_the_next_attempt_takes_the_next_key() -> None:
    case = open_case()
    verify(case)
    case.request_payment(by="clerk")
    case.record_payment(
        case.payment_key(1), PAYMENT_ID, "failed", by="clerk", failure_reason="limit reached"
    )
    assert case.payment is not None and case.payment.status is PaymentStatus.DECLINED
    assert case.payment.failure_reason == "limit reached"
    assert "the fee of 1,000,000 rials (declined)" in case.missing_for_delivery()
    case.request_payment(by="clerk")
    assert case.payment.idempotency_key == case.payment_key(2) and case.payment.attempt == 2
    case.collect_events()
    info = refused(
        case,
        TransitionRefused,
        lambda: case.record_payment(case.payment_key(1), PAYMENT_ID, "settled", "x"),
    )
    assert info.value.field == "idempotency_key"


def test_the_treasury_answering_about_another_payment_is_refused() -> None:
    case = open_case()
    verify(case)
    case.request_payment(by="clerk")
    case.record_payment(case.payment_key(1), PAYMENT_ID, "pending", by="clerk")
    case.collect_events()
    info = refused(
        case,
        TransitionRefused,
        lambda: case.record_payment(
            case.payment_key(1),
            "9" * 18,
            "settled",
            "x",
            settlement_reference="123456789012",
            settled_at=SETTLED_AT,
        ),
    )
    assert info.value.field == "payment_id"


@pytest.mark.parametrize(
    ("status", "extra", "field"),
    [
        ("refunded", {}, "status"),
        ("settled", {"settled_at": SETTLED_AT}, "settlement_reference"),
        ("settled", {"settlement_reference": "1"}, "settled_at"),
    ],
)
def test_payment_answers_are_checked(status: str, extra: dict[str, Any], field: str) -> None:
    case = open_case()
    verify(case)
    case.request_payment(by="clerk")
    case.collect_events()
    info = refused(
        case,
        InvalidInput,
        lambda: case.record_payment(case.payment_key(1), PAYMENT_ID, status, "x", **extra),
    )
    assert field in [v.field for v in info.value.violations]


def test_a_payment_outcome_is_recorded_even_on_a_closed_case() -> None:
    case = open_case()
    verify(case)
    case.request_payment(by="clerk")
    case.cancel("انصراف", by="applicant")
    settle(case)  # the money moved: the record must say so
    assert case.status is CaseStatus.CANCELLED
    assert case.payment is not None and case.payment.status is PaymentStatus.SETTLED


# --- delivery waits for every exchange --------------------------------------------------


def test_delivery_names_everything_still_missing_then_delivers() -> None:
    case = at_delivery()
    info = refused(case, TransitionRefused, lambda: case.deliver(by="clerk"))
    assert info.value.field == "prerequisites"
    assert info.value.message == (
        "cannot deliver yet, still missing: civil_registration inquiry; postal_code inquiry;"
        " the fee of 1,000,000 rials (not requested)"
    )
    civil(case)
    case.request_payment(by="clerk")
    case.record_payment(case.payment_key(1), PAYMENT_ID, "pending", by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.deliver(by="clerk"))
    assert info.value.message.endswith("postal_code inquiry; the fee of 1,000,000 rials (pending)")
    postal(case)
    settle(case)
    case.deliver(by="clerk")
    assert case.status is CaseStatus.DELIVERED


# --- failures ------------------------------------------------------------------------


def test_a_failed_exchange_is_kept_and_changes_nothing_else() -> None:
    case = open_case()
    version = case.version
    case.record_exchange_failure("civil-registry", "InquirePerson", "timeout", "no answer", "MOJ")
    [event] = case.collect_events()
    assert isinstance(event, ServiceCase.ExchangeFailed)
    assert case.version == version + 1 and case.status is CaseStatus.OPEN
    [failure] = case.exchange_failures
    assert (failure.system, failure.operation, failure.kind, failure.reason, failure.by) == (
        "civil-registry",
        "InquirePerson",
        "timeout",
        "no answer",
        "MOJ",
    )
    assert case.timeline[-1].note == "civil-registry InquirePerson: timeout: no answer"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "Op", "timeout", "r"), "system"),
        (("s", "Op", "lost", "r"), "kind"),
        (("s", "Op", "refused", " "), "reason"),
        (("s", "Op", "refused", "x" * 1001), "reason"),
    ],
)
def test_failures_are_checked(args: tuple[str, str, str, str], field: str) -> None:
    case = open_case()
    info = refused(case, InvalidInput, lambda: case.record_exchange_failure(*args, by="MOJ"))
    assert [v.field for v in info.value.violations] == [field]


# --- topics, persistence, old events ---------------------------------------------------


def test_the_new_events_round_trip_through_a_store() -> None:
    app = application()
    case = open_case(collect=False)
    verify(case)
    civil(case)
    postal(case)
    case.record_exchange_failure("treasury", "CreatePayment", "unavailable", "down", "MOJ")
    case.request_payment(by="clerk")
    settle(case)
    app.save(case)
    copy: ServiceCase = app.repository.get(case.id)
    assert copy == case
    assert copy.inquiries == case.inquiries and copy.payment == case.payment
    assert copy.exchange_failures == case.exchange_failures
    assert copy.timeline == case.timeline


def test_cases_opened_before_the_exchanges_still_load_and_demand_nothing() -> None:
    """An Opened event stored by the previous version (class version 1) has none of the new
    fields: it is upcast, and the case needs no identity, inquiry or fee."""
    app = application()
    case = open_case(collect=False)
    [opened] = case.collect_events()
    stored = app.mapper.to_stored_event(opened)
    state = json.loads(stored.state)
    for name in ("class_version", "required_inquiries", "identity_level", "fee"):
        state.pop(name)
    old = dataclasses.replace(stored, state=json.dumps(state).encode())
    app.recorder.insert_events([old])
    loaded: ServiceCase = app.repository.get(case.id)
    assert (loaded.required_identity_level, loaded.required_inquiries, loaded.fee) == (0, (), None)
    assert loaded.identity_sufficient and loaded.missing_for_delivery() == ()
    loaded.record_step(RECEIVE, by="clerk")
    loaded.complete_stage(Stage.REQUEST, by="clerk")  # as before: no identity check


def test_every_new_event_and_the_receipt_have_explicit_topics() -> None:
    assert get_topic(InquiryReceipt) == "tabadol.inquiry_receipt"
    assert get_topic(InquiryReceipt.Recorded) == "tabadol.inquiry_receipt.recorded"
    assert InquiryReceipt.Created is InquiryReceipt.Recorded
    assert ServiceCase.Opened.class_version == 5


# --- inquiry tracking codes and receipts -----------------------------------------------


def test_inquiry_tracking_codes_are_checked_by_their_luhn_digit() -> None:
    assert InquiryTrackingCode.parse(" ۱۲۳۴-۵۶۷۸-۹۰۱۲-۳۴۵۲ ").value == CIVIL_CODE
    for text, words in (
        ("1234567890123453", "Luhn"),
        ("2134567890123452", "Luhn"),  # two neighbours swapped
        ("123456789012345", "16 digits"),
        ("12345678901234AB", "only digits"),
    ):
        with pytest.raises(InvalidInput) as info:
            InquiryTrackingCode.parse(text, field="tracking_code")
        assert info.value.fields == ("tracking_code",) and words in str(info.value)
    assert InquiryTrackingCode.looks_like("1234 5678") and not InquiryTrackingCode.looks_like(
        "C-7K2M-9QX4-HAB3-Z"
    )
    with pytest.raises(InvalidInput):
        InquiryTrackingCode("1234567890123453")


def test_a_receipt_is_keyed_by_its_code_and_holds_no_content() -> None:
    case_code = new_code().value
    receipt = InquiryReceipt.record(
        CIVIL_CODE, InquiryKind.CIVIL_REGISTRATION, "sabteahval", case_code, "MOJ", INQUIRED_AT
    )
    assert receipt.id == InquiryReceipt.create_id(CIVIL_CODE)
    assert receipt.id == InquiryReceipt.create_id("1234-5678-9012-3452")
    assert receipt.id != ServiceCase.create_id(case_code)
    assert (receipt.kind, receipt.issuing_agency, receipt.case_tracking_code) == (
        InquiryKind.CIVIL_REGISTRATION,
        "SABTEAHVAL",
        case_code,
    )
    assert (receipt.requested_by, receipt.inquired_at) == ("MOJ", INQUIRED_AT)
    [event] = receipt.collect_events()
    assert set(vars(event)) - {"originator_id", "originator_version", "timestamp"} == {
        "originator_topic",
        "inquiry_tracking_code",
        "kind",
        "issuing_agency",
        "case_tracking_code",
        "requested_by",
        "inquired_at",
    }
    app = application()
    app.save(
        InquiryReceipt.record(
            CIVIL_CODE, InquiryKind.CIVIL_REGISTRATION, "SABTEAHVAL", case_code, "MOJ", INQUIRED_AT
        )
    )
    stored: InquiryReceipt = app.repository.get(receipt.id)
    assert stored.inquiry_tracking_code == CIVIL_CODE and stored.inquired_at == INQUIRED_AT


def test_receipts_check_their_input() -> None:
    with pytest.raises(InvalidInput) as info:
        InquiryReceipt.record(
            "1",
            "civil",
            "x y",
            "C-1",
            " ",
            datetime(2026, 1, 1),  # type: ignore[arg-type]  # noqa: DTZ001
        )
    assert info.value.fields == (
        "inquiry_tracking_code",
        "kind",
        "issuing_agency",
        "tracking_code",
        "by",
        "inquired_at",
    )
