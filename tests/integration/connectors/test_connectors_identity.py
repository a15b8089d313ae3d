"""The identity provider over loopback: minting, introspection, expiry, forgery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from connector_support import AGENCY, FAST, TRACKING, Serve

from connectors import ConnectorError, identity, synthetic
from connectors.identity import simulator

PERSON = synthetic.people(1405, 1)[0]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 21, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_issue_then_introspect(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    async with await identity.connect(target, agency=AGENCY, **FAST) as client:
        issued = await client.issue_token(PERSON.national_code, 3, ttl_seconds=600)
        seen = await client.introspect_token(issued.token, tracking_code=TRACKING)
    assert seen.active
    assert (seen.national_code, seen.assurance_level) == (PERSON.national_code, 3)
    assert seen.expires_at == issued.expires_at
    assert issued.expires_at - datetime.now(UTC) <= timedelta(seconds=600)


async def test_expired_and_forged_tokens_are_inactive(serve: Serve) -> None:
    clock = Clock()
    target = await serve(simulator.create_server, clock=clock)
    async with await identity.connect(target, agency=AGENCY, **FAST) as client:
        issued = await client.issue_token(PERSON.national_code, 2)  # default lifetime, 900 s
        forged = issued.token[:-2] + ("AA" if not issued.token.endswith("AA") else "BB")
        assert not (await client.introspect_token(forged)).active
        assert not (await client.introspect_token("not-a-token")).active
        clock.now += timedelta(seconds=899)
        assert (await client.introspect_token(issued.token)).active
        clock.now += timedelta(seconds=1)
        expired = await client.introspect_token(issued.token)
    assert expired == identity.TokenIntrospection(active=False)


async def test_a_restarted_provider_with_the_same_seed_knows_its_tokens(serve: Serve) -> None:
    first = await serve(simulator.create_server, seed=9)
    async with await identity.connect(first, agency=AGENCY, **FAST) as client:
        token = (await client.issue_token(PERSON.national_code, 4)).token
    for seed, active in [(9, True), (10, False)]:
        target = await serve(simulator.create_server, seed=seed)
        async with await identity.connect(target, agency=AGENCY, **FAST) as client:
            assert (await client.introspect_token(token)).active is active


async def test_bad_requests_are_refused(serve: Serve) -> None:
    target = await serve(simulator.create_server)
    async with await identity.connect(target, agency=AGENCY, **FAST) as client:
        with pytest.raises(ConnectorError) as bad_issue:
            await client.issue_token("0013542418", 5)
        with pytest.raises(ConnectorError) as empty_token:
            await client.introspect_token("")
    assert {v.field for v in bad_issue.value.violations} == {"national_code", "assurance_level"}
    assert [v.field for v in empty_token.value.violations] == ["token"]
