"""Registries and identity as the regulations word them, through the hub's gRPC API against
the reference simulators (000 circular item 3; 002 def. 10; 004 art. 9, 11): the postal
code on every case, legal persons through a representative the deeds registry confirms,
foreign nationals, birth-certificate inquiries, inquiry codes confirmed with the issuing
registry, payment channels and payments between agencies' accounts."""

from __future__ import annotations

from typing import Any

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from aggregates.applicants import ForeignNationalId
from connectors import synthetic, treasury
from tests.integration.test_case_exchanges import (
    APPLICANT,
    MD,
    SEED,
    ExchangeHub,
    get_case,
    refused,
    register,
    settle_at_gateway,
    simulators,
    status_of,
    token,
    xhub,
)
from tests.samples import SERVICE_CODE

__all__ = ["simulators", "xhub"]  # the fixtures, imported for pytest

POSTAL = "1316943891"
ACTIVE = [c for c in synthetic.legal_persons(SEED, 300) if c.status == "active"]
COMPANY = ACTIVE[0]
DIRECTOR = COMPANY.representatives[0][0]
STRANGER = next(
    p.national_code
    for p in synthetic.people(SEED, 100)
    if p.national_code not in dict(COMPANY.representatives)
)
ACCOUNTS = synthetic.revenue_accounts(SEED, 2)


async def _open(live: ExchangeHub, **fields: Any) -> Any:
    request = desk.OpenCaseRequest(service_code=SERVICE_CODE, channel="web", **fields)
    return (await live.desk.OpenCase(request, metadata=MD)).case


async def test_every_case_carries_a_checked_postal_code(xhub: ExchangeHub) -> None:
    await register(xhub)
    missing = await refused(
        xhub.desk.OpenCase(
            desk.OpenCaseRequest(
                service_code=SERVICE_CODE,
                applicant_national_code=APPLICANT.national_code,
                channel="web",
            ),
            metadata=MD,
        )
    )
    assert status_of(missing)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, ["postal_code"])
    bad = await refused(
        _open(xhub, applicant_national_code=APPLICANT.national_code, postal_code="0316943891")
    )
    assert status_of(bad)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, ["postal_code"])
    case = await _open(
        xhub, applicant_national_code=APPLICANT.national_code, postal_code="13169-43891"
    )
    assert case.postal_code == POSTAL and case.applicant_kind == desk.APPLICANT_KIND_NATURAL
    assert (await get_case(xhub, case.tracking_code)).postal_code == POSTAL


async def test_a_legal_person_applies_through_a_confirmed_representative(
    xhub: ExchangeHub,
) -> None:
    await register(xhub, required_inquiries=[cat.INQUIRY_KIND_DEEDS_REGISTRY])
    case = await _open(
        xhub,
        applicant_kind=desk.APPLICANT_KIND_LEGAL,
        legal_person_national_id=COMPANY.national_id,
        applicant_national_code=DIRECTOR,
        postal_code=POSTAL,
    )
    assert (case.applicant_kind, case.legal_person_national_id) == (
        desk.APPLICANT_KIND_LEGAL,
        COMPANY.national_id,
    )
    assert "the deeds registry's confirmation of the representative" in (
        (await get_case(xhub, case.tracking_code)).missing_for_delivery
    )
    confirmed = await xhub.desk.ConfirmRepresentative(
        desk.ConfirmRepresentativeRequest(tracking_code=case.tracking_code), metadata=MD
    )
    assert confirmed.role == "مدیرعامل" and len(confirmed.inquiry_tracking_code) == 16
    assert confirmed.case.representative_role == "مدیرعامل"
    # the registry confirms the code it issued for the representation
    checked = await xhub.desk.VerifyTrackingCode(
        desk.VerifyTrackingCodeRequest(
            tracking_code=confirmed.inquiry_tracking_code, ask_registry=True
        ),
        metadata=MD,
    )
    assert (checked.authentic, checked.source) == (True, "deeds-registry")
    # the representative signs in for the company
    verified = await xhub.desk.VerifyApplicantIdentity(
        desk.VerifyApplicantIdentityRequest(
            tracking_code=case.tracking_code, applicant_token=await token(xhub, DIRECTOR, 2)
        ),
        metadata=MD,
    )
    assert verified.case.identity_level == 2
    stranger = await _open(
        xhub,
        applicant_kind=desk.APPLICANT_KIND_LEGAL,
        legal_person_national_id=COMPANY.national_id,
        applicant_national_code=STRANGER,
        postal_code=POSTAL,
    )
    no = await refused(
        xhub.desk.ConfirmRepresentative(
            desk.ConfirmRepresentativeRequest(tracking_code=stranger.tracking_code), metadata=MD
        )
    )
    assert no.code() == grpc.StatusCode.FAILED_PRECONDITION
    timeline = (await get_case(xhub, stranger.tracking_code)).timeline
    assert timeline[-1].kind == "exchange_failed" and "VerifyRepresentative" in timeline[-1].note


async def test_a_foreign_national_is_known_by_the_foreign_identifier(xhub: ExchangeHub) -> None:
    await register(xhub)
    foreigner = ForeignNationalId.from_serial("60012345678").value
    case = await _open(
        xhub,
        applicant_kind=desk.APPLICANT_KIND_FOREIGN,
        foreign_national_id=foreigner,
        postal_code=POSTAL,
    )
    assert case.applicant_kind == desk.APPLICANT_KIND_FOREIGN
    assert case.applicant_masked == foreigner[:3] + "*" * 7 + foreigner[-2:]
    wrong = await refused(
        _open(
            xhub,
            applicant_kind=desk.APPLICANT_KIND_FOREIGN,
            foreign_national_id=foreigner[:11] + str((int(foreigner[11]) + 1) % 10),
            applicant_national_code=APPLICANT.national_code,
            postal_code=POSTAL,
        )
    )
    assert status_of(wrong)[:2] == (
        grpc.StatusCode.INVALID_ARGUMENT,
        ["applicant_national_code"],
    ) or set(status_of(wrong)[1]) == {"applicant_national_code", "foreign_national_id"}


async def test_a_birth_certificate_inquiry_and_the_registry_confirming_its_code(
    xhub: ExchangeHub,
) -> None:
    await register(xhub)
    code = (
        await _open(xhub, applicant_national_code=APPLICANT.national_code, postal_code=POSTAL)
    ).tracking_code
    made = await xhub.desk.MakeInquiry(
        desk.MakeInquiryRequest(
            tracking_code=code,
            kind=cat.INQUIRY_KIND_CIVIL_REGISTRATION,
            birth_certificate_serial=APPLICANT.birth_certificate_serial,
            birth_certificate_series=APPLICANT.birth_certificate_series,
        ),
        metadata=MD,
    )
    assert dict(made.inquiry.facts) == {"alive": "true", "birth_certificate_matched": "true"}
    issued = made.inquiry.inquiry_tracking_code
    local = await xhub.desk.VerifyTrackingCode(
        desk.VerifyTrackingCodeRequest(tracking_code=issued), metadata=MD
    )
    assert (local.authentic, local.source) == (True, "hub")
    asked = await xhub.desk.VerifyTrackingCode(
        desk.VerifyTrackingCodeRequest(tracking_code=issued, ask_registry=True), metadata=MD
    )
    assert (asked.authentic, asked.source, asked.issuing_agency) == (
        True,
        "civil-registry",
        "SABTEAHVAL",
    )
    forged = "1234567890123452"
    unknown = await xhub.desk.VerifyTrackingCode(
        desk.VerifyTrackingCodeRequest(tracking_code=forged, ask_registry=True), metadata=MD
    )
    assert not unknown.authentic and unknown.source == "civil-registry,deeds-registry"
    wrong = await refused(
        xhub.desk.MakeInquiry(
            desk.MakeInquiryRequest(
                tracking_code=code,
                kind=cat.INQUIRY_KIND_CIVIL_REGISTRATION,
                birth_certificate_serial="12",
                birth_certificate_series="x",
            ),
            metadata=MD,
        )
    )
    assert set(status_of(wrong)[1]) == {
        "birth_certificate.serial",
        "birth_certificate.series",
    }


async def test_the_fee_records_its_channel(xhub: ExchangeHub) -> None:
    await register(xhub, required_inquiries=[])
    code = (
        await _open(xhub, applicant_national_code=APPLICANT.national_code, postal_code=POSTAL)
    ).tracking_code
    await xhub.desk.VerifyApplicantIdentity(
        desk.VerifyApplicantIdentityRequest(
            tracking_code=code, applicant_token=await token(xhub, APPLICANT.national_code, 2)
        ),
        metadata=MD,
    )
    paid = await xhub.desk.PayFee(
        desk.PayFeeRequest(tracking_code=code, channel=desk.PAYMENT_CHANNEL_POS), metadata=MD
    )
    assert paid.payment.channel == desk.PAYMENT_CHANNEL_POS
    async with await treasury.connect(xhub.simulators.targets["treasury"], agency="MOJ") as gateway:
        made = await gateway.get_payment(paid.payment.payment_id, tracking_code=code)
    assert made.channel == "pos"


async def test_agencies_pay_each_other_through_the_treasury_reconciled_like_fees(
    xhub: ExchangeHub,
) -> None:
    paid = await xhub.desk.PayAgency(
        desk.PayAgencyRequest(
            payee_agency="TAX",
            payer_account=ACCOUNTS[0],
            payee_account=ACCOUNTS[1],
            amount_rials=9_000_000,
            purpose="سهم ثبت اسناد از تعرفه خدمات ثبتی",
        ),
        metadata=MD,
    )
    payment = paid.payment
    assert payment.tracking_code.startswith("F-") and payment.payer_agency == "MOJ"
    assert payment.status == desk.PAYMENT_STATUS_PENDING and len(payment.payment_id) == 18
    await settle_at_gateway(xhub, payment.payment_id, payment.tracking_code)
    report = await xhub.desk.ReconcilePayments(desk.ReconcilePaymentsRequest(), metadata=MD)
    assert report.examined == 0  # no fee outstanding; the transfer is reconciled too
    settled = await xhub.desk.GetAgencyPayment(
        desk.GetAgencyPaymentRequest(tracking_code=payment.tracking_code),
        metadata=(("x-tabadol-agency", "TAX"),),
    )
    assert settled.payment.status == desk.PAYMENT_STATUS_SETTLED
    assert len(settled.payment.settlement_reference) == 12
    other = await refused(
        xhub.desk.GetAgencyPayment(
            desk.GetAgencyPaymentRequest(tracking_code=payment.tracking_code),
            metadata=(("x-tabadol-agency", "IPO"),),
        )
    )
    assert other.code() == grpc.StatusCode.PERMISSION_DENIED
    same = await refused(
        xhub.desk.PayAgency(
            desk.PayAgencyRequest(
                payee_agency="MOJ",
                payer_account=ACCOUNTS[0],
                payee_account=ACCOUNTS[0],
                amount_rials=0,
                purpose="",
            ),
            metadata=MD,
        )
    )
    assert set(status_of(same)[1]) == {
        "payee_agency",
        "payee_account",
        "amount_rials",
        "purpose",
    }
