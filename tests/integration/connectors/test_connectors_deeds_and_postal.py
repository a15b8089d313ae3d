"""Deeds registry and postal codes over loopback: answers, refusals, unknowns."""

from __future__ import annotations

import pytest
from connector_support import AGENCY, FAST, TRACKING, Serve

from connectors import ConnectorError, _codes, deeds_registry, postal_code, synthetic
from connectors.deeds_registry import simulator as deeds_simulator
from connectors.postal_code import simulator as postal_simulator


async def test_inquire_legal_person(serve: Serve) -> None:
    target = await serve(deeds_simulator.create_server, seed=7)
    companies = synthetic.legal_persons(7, 300)
    dissolved = next(c for c in companies if c.status == "dissolved")
    async with await deeds_registry.connect(target, agency=AGENCY, **FAST) as client:
        for company in (companies[0], dissolved):
            inquiry = await client.inquire_legal_person(company.national_id, tracking_code=TRACKING)
            assert inquiry.legal_person == company
            assert _codes.is_inquiry_tracking_code(inquiry.inquiry_tracking_code)


async def test_legal_person_refusals(serve: Serve) -> None:
    target = await serve(deeds_simulator.create_server, population=10)
    stranger = synthetic.legal_persons(1405, 11)[10]
    async with await deeds_registry.connect(target, agency=AGENCY, **FAST) as client:
        with pytest.raises(ConnectorError) as malformed:
            await client.inquire_legal_person("1010038793", tracking_code=TRACKING)
        with pytest.raises(ConnectorError) as unknown:
            await client.inquire_legal_person(stranger.national_id, tracking_code=TRACKING)
    assert malformed.value.code == "INVALID_ARGUMENT"
    assert [v.field for v in malformed.value.violations] == ["national_id"]
    assert (unknown.value.kind, unknown.value.code) == ("refused", "NOT_FOUND")


async def test_lookup_postal_code(serve: Serve) -> None:
    target = await serve(postal_simulator.create_server)
    address = synthetic.postal_codes(1405, 5)[4]
    async with await postal_code.connect(target, agency=AGENCY, **FAST) as client:
        first = await client.lookup_postal_code(address.postal_code, tracking_code=TRACKING)
        second = await client.lookup_postal_code(address.postal_code, tracking_code=TRACKING)
    assert first.address == second.address == address
    assert first.inquiry_tracking_code != second.inquiry_tracking_code  # one code per inquiry


async def test_postal_code_refusals(serve: Serve) -> None:
    target = await serve(postal_simulator.create_server, population=10)
    stranger = synthetic.postal_codes(1405, 11)[10]
    async with await postal_code.connect(target, agency=AGENCY, **FAST) as client:
        with pytest.raises(ConnectorError) as malformed:
            await client.lookup_postal_code("1111123456", tracking_code=TRACKING)
        with pytest.raises(ConnectorError) as unknown:
            await client.lookup_postal_code(stranger.postal_code, tracking_code=TRACKING)
    assert [v.field for v in malformed.value.violations] == ["postal_code"]
    assert unknown.value.code == "NOT_FOUND"
