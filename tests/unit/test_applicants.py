"""Registries and identity as written (000 circular item 3; 002 def. 10; 004 art. 9, 11):
birth certificates by serial and series, legal persons through a representative, foreign
nationals by their own identifier, the postal code on every case, payment channels."""

from __future__ import annotations

import dataclasses
import json

import pytest

from aggregates.applicants import (
    SERIES_LETTERS,
    Applicant,
    ApplicantKind,
    BirthCertificate,
    ForeignNationalId,
)
from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.identifiers import NationalCode, NationalId, PostalCode
from aggregates.service_case import ServiceCase
from tests.unit.test_service_case import APPLICANT, CIVIL_CODE, application, open_case

COMPANY = NationalId.from_serial("1010101010")
FOREIGNER = ForeignNationalId.from_serial("60012345678")


# --- foreign-national identifier ----------------------------------------------------------


def test_the_foreign_national_identifier_rule() -> None:
    code = FOREIGNER.value
    assert len(code) == 12 and ForeignNationalId.parse(code) == FOREIGNER
    weights = sum(int(d) * (12 - i) for i, d in enumerate(code[:11])) % 11
    assert int(code[11]) == (weights if weights < 2 else 11 - weights)
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert ForeignNationalId.parse(persian) == FOREIGNER
    wrong = code[:11] + str((int(code[11]) + 1) % 10)
    for text, words in (
        (wrong, "check digit"),
        ("0" + code[1:], "cannot start with 0"),
        (code[:10], "12 digits"),
        ("60012345678X", "only digits"),
    ):
        with pytest.raises(InvalidInput, match=words) as info:
            ForeignNationalId.parse(text)
        assert info.value.fields == ("foreign_national_id",)
    assert not ForeignNationalId.is_valid(wrong)


# --- birth certificate ------------------------------------------------------------------


def test_a_birth_certificate_is_serial_and_series() -> None:
    certificate = BirthCertificate.parse("۱۲۳۴۵۶", "الف/۱۲")
    assert (certificate.serial, certificate.series) == ("123456", "الف/12")
    assert BirthCertificate.parse("123456", "12 الف") == certificate
    assert BirthCertificate.parse("123456", "ا-12") == certificate  # Arabic-keyboard alef
    assert str(certificate) == "الف/12-123456"
    assert "ی" in SERIES_LETTERS and len(SERIES_LETTERS) == 32


@pytest.mark.parametrize(
    ("serial", "series", "fields"),
    [
        ("12345", "الف/12", {"birth_certificate.serial"}),
        ("000000", "الف/12", {"birth_certificate.serial"}),
        ("123456", "12", {"birth_certificate.series"}),
        ("123456", "الف/0", {"birth_certificate.series"}),
        ("123456", "الف/100", {"birth_certificate.series"}),
        ("123456", "X/12", {"birth_certificate.series"}),
        ("abc", "", {"birth_certificate.serial", "birth_certificate.series"}),
    ],
)
def test_bad_certificates_are_refused(serial: str, series: str, fields: set[str]) -> None:
    with pytest.raises(InvalidInput) as info:
        BirthCertificate.parse(serial, series)
    assert set(info.value.fields) == fields


# --- applicants and cases ----------------------------------------------------------------


def test_every_case_carries_the_applicants_postal_code() -> None:
    case = open_case()
    assert case.postal_code == "1316943891"
    with pytest.raises(InvalidInput) as info:
        open_case(postal_code="1316943891")
    assert list(info.value.fields) == ["postal_code"]
    with pytest.raises(InvalidInput) as info:
        PostalCode.parse("0316943891")
    assert list(info.value.fields) == ["postal_code"]


def test_a_legal_person_applies_through_a_representative_confirmed_by_the_deeds_registry() -> None:
    applicant = Applicant.legal(COMPANY.value, APPLICANT.value)
    case = open_case(applicant=applicant)
    assert (case.applicant_kind, case.legal_person_national_id) == (
        ApplicantKind.LEGAL,
        COMPANY.value,
    )
    assert case.applicant_national_code == APPLICANT.value  # the representative signs in
    case.verify_identity(APPLICANT.value, 2, "identity", by="clerk")
    assert not case.identity_sufficient
    assert "the deeds registry's confirmation of the representative" in case.missing_for_delivery()
    with pytest.raises(InvalidInput) as info:
        case.confirm_representation("", "12", "deeds-registry", by="clerk")
    assert set(info.value.fields) == {"role", "inquiry_tracking_code"}
    case.confirm_representation("مدیرعامل", CIVIL_CODE, "deeds-registry", by="clerk")
    assert case.identity_sufficient and case.representation == ("مدیرعامل", CIVIL_CODE)
    assert case.timeline[-1].kind == "representation_confirmed"
    natural = open_case()
    with pytest.raises(TransitionRefused, match="only a legal person"):
        natural.confirm_representation("مدیرعامل", CIVIL_CODE, "deeds-registry", by="clerk")


def test_legal_applicants_are_checked() -> None:
    with pytest.raises(InvalidInput) as info:
        Applicant.legal("10101010100", "1234")
    assert set(info.value.fields) == {"legal_person_national_id", "applicant_national_code"}


def test_a_foreign_national_signs_in_with_the_foreign_identifier() -> None:
    case = open_case(applicant=Applicant.foreign(FOREIGNER.value))
    assert (case.applicant_kind, case.applicant_national_code) == (
        ApplicantKind.FOREIGN,
        FOREIGNER.value,
    )
    with pytest.raises(InvalidInput):
        case.verify_identity(APPLICANT.value, 2, "identity", by="clerk")
    case.verify_identity(FOREIGNER.value, 2, "identity", by="clerk")
    assert case.identity_sufficient


def test_the_payment_records_its_channel() -> None:
    from tests.unit.test_service_case_exchanges import civil, postal, verify

    case = open_case()
    verify(case)
    civil(case)
    postal(case)
    with pytest.raises(InvalidInput) as info:
        case.request_payment(by="clerk", channel="cash")
    assert list(info.value.fields) == ["channel"]
    case.request_payment(by="clerk", channel=" POS ")
    assert case.payment is not None and case.payment.channel == "pos"
    assert "via pos" in case.timeline[-1].note


def test_cases_opened_before_applicant_kinds_still_load() -> None:
    """An Opened event of class version 3 (no kind, no postal code) and a PaymentRequested
    of version 1 (no channel), as the previous build stored them."""
    app = application()
    case = open_case(collect=False)
    [opened] = case.collect_events()
    stored = app.mapper.to_stored_event(opened)
    state = json.loads(stored.state)
    for name in ("applicant_kind", "legal_person_national_id", "applicant_postal_code"):
        state.pop(name)
    state["class_version"] = 3
    app.recorder.insert_events([dataclasses.replace(stored, state=json.dumps(state).encode())])
    loaded: ServiceCase = app.repository.get(case.id)
    assert (loaded.applicant_kind, loaded.postal_code, loaded.legal_person_national_id) == (
        ApplicantKind.NATURAL,
        "",
        "",
    )
    assert NationalCode.parse(loaded.applicant_national_code) == APPLICANT


# --- payments between agencies' accounts (004 art. 9 n2) -----------------------------------


def test_an_inter_agency_payment_is_recorded_like_a_fee() -> None:
    from datetime import UTC, datetime

    from aggregates.identifiers import Sheba, TrackingCode, TrackingKind
    from aggregates.inter_agency_payment import InterAgencyPayment
    from aggregates.service_case import PaymentStatus

    a, b = Sheba.from_bban("0" * 21 + "1").value, Sheba.from_bban("0" * 21 + "2").value
    code = TrackingCode.new(TrackingKind.PAYMENT)
    with pytest.raises(InvalidInput) as info:
        InterAgencyPayment.request(
            TrackingCode.new(TrackingKind.CASE),
            payer_agency="MOJ",
            payer_account=a,
            payee_agency="moj",
            payee_account=a,
            amount_rials=0,
            purpose="",
            by="MOJ",
        )
    assert set(info.value.fields) == {
        "tracking_code",
        "payee_agency",
        "payee_account",
        "amount_rials",
        "purpose",
    }
    transfer = InterAgencyPayment.request(
        code,
        payer_agency="moj",
        payer_account=a,
        payee_agency="ssaa",
        payee_account=b,
        amount_rials=9_000_000,
        purpose="سهم ثبت اسناد از تعرفه",
        by="MOJ",
    )
    assert transfer.outstanding and transfer.idempotency_key == f"{code.value}:transfer"
    transfer.record_outcome("123456789012345678", "pending", by="MOJ")
    transfer.record_outcome("123456789012345678", "pending", by="MOJ")  # harmless repeat
    at = datetime(2026, 3, 21, 7, tzinfo=UTC)
    with pytest.raises(TransitionRefused):
        transfer.record_outcome(
            "999999999999999999",
            "settled",
            by="MOJ",
            settlement_reference="123456789012",
            settled_at=at,
        )
    transfer.record_outcome(
        "123456789012345678",
        "settled",
        by="MOJ",
        settlement_reference="123456789012",
        settled_at=at,
    )
    assert transfer.outcome.status is PaymentStatus.SETTLED and not transfer.outstanding
    with pytest.raises(TransitionRefused, match="settled payment cannot be declined"):
        transfer.record_outcome("123456789012345678", "failed", by="MOJ")
    assert [type(e).__name__ for e in transfer.collect_events()] == [
        "Requested",
        "Accepted",
        "Settled",
    ]
