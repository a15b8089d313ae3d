"""The registries as the regulations word them, over loopback: birth certificates by serial
and series (000 circular item 3), representatives confirmed and codes verified by the
deeds registry (004 art. 11 n3), payment channels and inter-agency payments (004 art. 9)."""

from __future__ import annotations

import pytest
from connector_support import AGENCY, FAST, TRACKING, Serve

from connectors import ConnectorError, civil_registry, deeds_registry, synthetic, treasury
from connectors.civil_registry import simulator as civil_simulator
from connectors.deeds_registry import simulator as deeds_simulator
from connectors.treasury import simulator as treasury_simulator

PEOPLE = synthetic.people(1405, 20)
COMPANIES = synthetic.legal_persons(1405, 20)
ACCOUNTS = synthetic.revenue_accounts(1405, 2)


async def test_a_birth_certificate_is_inquired_by_serial_and_series(serve: Serve) -> None:
    target = await serve(civil_simulator.create_server)
    person = PEOPLE[5]
    assert len(person.birth_certificate_serial) == 6 and "/" in person.birth_certificate_series
    async with await civil_registry.connect(target, agency=AGENCY, **FAST) as client:
        inquiry = await client.inquire_birth_certificate(
            person.national_code,
            person.birth_certificate_serial,
            person.birth_certificate_series,
            tracking_code=TRACKING,
        )
        assert inquiry.person == person
        verification = await client.verify_inquiry(
            inquiry.inquiry_tracking_code, tracking_code=TRACKING
        )
        assert verification.authentic and verification.inquiry_kind == "birth_certificate"
        by_code = await client.inquire_person(
            person.national_code, person.birth_date_jalali, tracking_code=TRACKING
        )
        again = await client.verify_inquiry(by_code.inquiry_tracking_code, tracking_code=TRACKING)
        assert again.inquiry_kind == "national_code"
        other = PEOPLE[6]
        with pytest.raises(ConnectorError) as caught:
            await client.inquire_birth_certificate(
                person.national_code,
                other.birth_certificate_serial,
                person.birth_certificate_series,
                tracking_code=TRACKING,
            )
        assert caught.value.code == "NOT_FOUND"
        with pytest.raises(ConnectorError) as caught:
            await client.inquire_birth_certificate(
                person.national_code, "12", "x", tracking_code=TRACKING
            )
    assert caught.value.code == "INVALID_ARGUMENT"
    assert {v.field for v in caught.value.violations} == {"serial", "series"}


async def test_the_deeds_registry_confirms_representatives_and_its_codes(serve: Serve) -> None:
    target = await serve(deeds_simulator.create_server)
    company = next(c for c in COMPANIES if c.status == "active")
    (code, role), *_ = company.representatives
    stranger = next(
        p.national_code for p in PEOPLE if p.national_code not in dict(company.representatives)
    )
    async with await deeds_registry.connect(target, agency=AGENCY, **FAST) as client:
        check = await client.verify_representative(
            company.national_id, code, tracking_code=TRACKING
        )
        assert (check.authorized, check.role) == (True, role) and role == "مدیرعامل"
        refused = await client.verify_representative(
            company.national_id, stranger, tracking_code=TRACKING
        )
        assert not refused.authorized and refused.inquiry_tracking_code == ""
        verification = await client.verify_inquiry(
            check.inquiry_tracking_code, tracking_code=TRACKING
        )
        assert verification.authentic and verification.inquiry_kind == "representative"
        assert verification.case_tracking_code == TRACKING
        unknown = await client.verify_inquiry("1234567890123452", tracking_code=TRACKING)
        assert not unknown.authentic


async def test_payments_record_their_channel_and_agencies_pay_each_other(serve: Serve) -> None:
    target = await serve(treasury_simulator.create_server, settle_after=None)
    async with await treasury.connect(target, agency=AGENCY, **FAST) as client:
        pos = await client.create_payment(
            idempotency_key=f"{TRACKING}:fee:1",
            amount_rials=500_000,
            revenue_account=ACCOUNTS[0],
            payer_national_code=PEOPLE[0].national_code,
            reference=TRACKING,
            channel="pos",
        )
        assert (pos.channel, pos.payer_account) == ("pos", "")
        between = await client.create_payment(
            idempotency_key="T-1:transfer",
            amount_rials=9_000_000,
            revenue_account=ACCOUNTS[0],
            payer_national_code="",
            reference="T-1",
            channel="inter_agency",
            payer_account=ACCOUNTS[1],
        )
        assert (between.channel, between.payer_account) == ("inter_agency", ACCOUNTS[1])
        settled = await client.settle_payment(between.payment_id, tracking_code="T-1")
        assert settled.status == "settled" and settled.payer_account == ACCOUNTS[1]
        with pytest.raises(ConnectorError) as caught:
            await client.create_payment(
                idempotency_key="T-2:transfer",
                amount_rials=1,
                revenue_account=ACCOUNTS[0],
                payer_national_code=PEOPLE[0].national_code,
                reference="T-2",
                channel="inter_agency",
                payer_account=ACCOUNTS[0],
            )
    assert caught.value.code == "INVALID_ARGUMENT"
    assert {v.field for v in caught.value.violations} == {"payer_account", "payer_national_code"}
