"""Codes name aggregates offline, exactly as the aggregates derive their ids."""

from __future__ import annotations

import pytest

from aggregates.consultation import Consultation
from aggregates.errors import InvalidInput
from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.inquiry_receipt import InquiryReceipt
from aggregates.petition import Petition
from aggregates.service_case import ServiceCase
from hub.trail.subjects import code_subject, is_code

INQUIRY = "1234567812345670"  # Luhn-valid


@pytest.mark.parametrize(
    ("kind", "name", "create_id"),
    [
        (TrackingKind.CASE, "case", ServiceCase.create_id),
        (TrackingKind.CONSULTATION, "consultation", Consultation.create_id),
        (TrackingKind.PETITION, "petition", Petition.create_id),
    ],
)
def test_tracking_codes_name_their_aggregate(kind, name, create_id) -> None:  # type: ignore[no-untyped-def]
    code = TrackingCode.new(kind, b"12345678").value
    subject = code_subject(code.lower().replace("-", ""))
    assert (subject.code, subject.kind, subject.aggregate_id) == (code, name, create_id(code))


def test_an_inquiry_code_is_a_code_not_a_position() -> None:
    subject = code_subject("1234 5678 1234 5670")
    assert subject.kind == "inquiry" and subject.code == INQUIRY
    assert subject.aggregate_id == InquiryReceipt.create_id(INQUIRY)
    assert is_code(INQUIRY) and not is_code("42") and not is_code("x:1")
    with pytest.raises(InvalidInput, match="Luhn"):
        code_subject("1234567812345678")


def test_a_payment_code_names_no_aggregate() -> None:
    with pytest.raises(InvalidInput, match="payment code"):
        code_subject(TrackingCode.new(TrackingKind.PAYMENT, b"12345678").value)
