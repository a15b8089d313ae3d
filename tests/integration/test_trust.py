"""Deny by default under mTLS: identity from URI SANs only, rights as signed events
changed by the operator alone, refusals in signed summaries, a per-principal rate limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from tabadol.access.v1 import access_pb2 as acc
from tabadol.access.v1 import access_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.principals import Principal
from hub.audit.export import read_trail
from hub.testing import TrustedHub, start_trusted_hub
from hub.trail.keys import PublicKeyRing
from hub.trail.pki import issue, revoke
from hub.trail.verify import verify_trail
from tests.samples import SERVICE_CODE, spec_proto

CATALOGUE = "tabadol.catalogue.v1.CatalogueService"


@pytest.fixture
async def trusted(store_url: str, tmp_path: Path) -> AsyncIterator[TrustedHub]:
    live = await start_trusted_hub(
        tmp_path, store_url, TABADOL_RATE_LIMIT="50", TABADOL_RATE_BURST="20"
    )
    try:
        yield live
    finally:
        await live.close()


def _catalogue(live: TrustedHub, principal: str) -> catalogue_pb2_grpc.CatalogueServiceStub:
    return catalogue_pb2_grpc.CatalogueServiceStub(live.channel(principal))


async def _register(live: TrustedHub, principal: str = "agency:MOJ") -> None:
    await _catalogue(live, principal).RegisterServiceRecord(
        cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
    )


async def _code(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_without_a_grant_only_health_answers(trusted: TrustedHub) -> None:
    health = health_pb2_grpc.HealthStub(trusted.channel("agency:MOJ"))
    reply = await health.Check(health_pb2.HealthCheckRequest())
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    assert await _code(_register(trusted)) == grpc.StatusCode.PERMISSION_DENIED
    await trusted.grant("agency:MOJ", f"rpc:{CATALOGUE}/RegisterServiceRecord")
    assert await _code(_register(trusted)) == grpc.StatusCode.OK
    # The right is to that RPC only (the catalogue's reads are public).
    revise = _catalogue(trusted, "agency:MOJ").ReviseServiceRecord(
        cat.ReviseServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto(), reason="x")
    )
    assert await _code(revise) == grpc.StatusCode.PERMISSION_DENIED
    listing = _catalogue(trusted, "agency:MOJ").ListServiceRecords(cat.ListServiceRecordsRequest())
    assert await _code(listing) == grpc.StatusCode.OK


async def test_only_the_operator_changes_rights_and_each_change_is_signed(
    trusted: TrustedHub,
) -> None:
    operator = access_pb2_grpc.AccessServiceStub(trusted.channel("hub:TABADOL"))
    intruder = access_pb2_grpc.AccessServiceStub(trusted.channel("agency:MOJ"))
    request = acc.GrantRequest(grantee="MOJ", target=CATALOGUE, reason="owner of its records")
    assert await _code(intruder.Grant(request)) == grpc.StatusCode.PERMISSION_DENIED
    # Even a grant of AccessService itself does not make an agency an operator.
    await trusted.grant("agency:MOJ", "service:tabadol.access.v1.AccessService")
    assert await _code(intruder.Grant(request)) == grpc.StatusCode.PERMISSION_DENIED

    granted = (await operator.Grant(request)).grant
    assert (granted.grantee, granted.target) == ("agency:MOJ", f"service:{CATALOGUE}")
    assert granted.granted_by == "hub:TABADOL"
    assert granted.reason == "owner of its records"
    await _register(trusted)

    group = await operator.DefineGroup(
        acc.DefineGroupRequest(name="readers", members=["TAX", "window:MYGOV"], reason="read")
    )
    assert list(group.group.members) == ["agency:TAX", "window:MYGOV"]
    verify_code = "tabadol.servicedesk.v1.ServiceDeskService/VerifyTrackingCode"
    await operator.Grant(
        acc.GrantRequest(grantee="group:READERS", target=verify_code, reason="read")
    )
    check = desk.VerifyTrackingCodeRequest(tracking_code="C-7K2M-9QX4-HAB3-Z")

    def verifier(principal: str) -> servicedesk_pb2_grpc.ServiceDeskServiceStub:
        return servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel(principal))

    assert await _code(verifier("window:MYGOV").VerifyTrackingCode(check)) == grpc.StatusCode.OK
    assert await _code(verifier("agency:TAX").VerifyTrackingCode(check)) == grpc.StatusCode.OK
    assert (
        await _code(verifier("agency:MCI").VerifyTrackingCode(check))
        == grpc.StatusCode.PERMISSION_DENIED
    )
    await operator.Revoke(acc.RevokeRequest(grant_id=granted.grant_id, reason="moved"))
    assert await _code(_register(trusted)) == grpc.StatusCode.PERMISSION_DENIED

    listed = await operator.ListGrants(acc.ListGrantsRequest(include_revoked=True))
    revoked = next(g for g in listed.grants if g.grant_id == granted.grant_id)
    assert revoked.revoked_by == "hub:TABADOL" and revoked.revoke_reason == "moved"
    assert revoked.HasField("revoked_at")

    report = verify_trail(
        read_trail(trusted.settings.event_store), PublicKeyRing.load(trusted.settings.public_keys)
    )
    assert report.problem is None
    topics = [e.topic for e in read_trail(trusted.settings.event_store)]
    assert topics.count("tabadol.access.policy.granted") == 3
    assert "tabadol.access.policy.revoked" in topics
    assert "tabadol.access.policy.group_defined" in topics


async def test_refusals_are_counted_in_signed_summaries(trusted: TrustedHub) -> None:
    for _ in range(7):
        assert await _code(_register(trusted, "agency:ZZZ")) == grpc.StatusCode.PERMISSION_DENIED
    await trusted.running.flush_refusals()
    topics = [e.topic for e in read_trail(trusted.settings.event_store)]
    assert topics.count("tabadol.access.refusal_summary.summarised") == 1
    assert "tabadol.access.denied_call.denied" not in topics
    rows = _summary_rows(trusted)
    assert ["agency:ZZZ", f"{CATALOGUE}/RegisterServiceRecord", "no grant", 7] in rows


def _summary_rows(live: TrustedHub) -> list[list[object]]:
    from uuid import UUID

    from aggregates.access import RefusalSummary

    rows: list[list[object]] = []
    for event in read_trail(live.settings.event_store):
        if event.topic == "tabadol.access.refusal_summary.summarised":
            summary = live.hub.repository.get(UUID(event.aggregate_id))
            assert isinstance(summary, RefusalSummary)
            rows.extend(summary.counts)
    return rows


async def test_a_flood_is_rate_limited_with_retry_info(trusted: TrustedHub) -> None:
    codes = []
    error: grpc.aio.AioRpcError | None = None
    stub = _catalogue(trusted, "agency:FLOOD")

    async def call() -> None:
        nonlocal error
        try:
            await stub.ListServiceRecords(cat.ListServiceRecordsRequest())
        except grpc.aio.AioRpcError as refused:
            codes.append(refused.code())
            if refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                error = refused

    # 40 at once against a burst of 20: sent one by one, the refusals' pacing (50/s) would
    # let the bucket (50/s) refill between them, and whether it runs dry would be timing.
    await asyncio.gather(*(call() for _ in range(40)))
    assert grpc.StatusCode.RESOURCE_EXHAUSTED in codes
    assert error is not None
    status = rpc_status.from_call(error)
    assert status is not None
    retry = error_details_pb2.RetryInfo()
    assert any(d.Unpack(retry) for d in status.details)
    assert retry.retry_delay.ToNanoseconds() > 0
    # Another principal is not slowed or refused by FLOOD's limit.
    await trusted.grant("agency:MOJ", f"rpc:{CATALOGUE}/RegisterServiceRecord")
    assert await _code(_register(trusted)) == grpc.StatusCode.OK
    await trusted.running.flush_refusals()
    rows = _summary_rows(trusted)
    assert any(r[0] == "agency:FLOOD" and r[2] == "rate limit" for r in rows)


async def test_identity_comes_from_one_uri_san_and_the_crl(trusted: TrustedHub) -> None:
    await trusted.grant("agency:MOJ", f"rpc:{CATALOGUE}/RegisterServiceRecord")
    pki = trusted.pki.directory
    # A TAX certificate whose DNS SAN spells MOJ's URI is TAX, not MOJ.
    sneaky = issue(
        pki, Principal.agency("TAX"), dns_names=("localhost", "spiffe://tabadol.gov.ir/agency/MOJ")
    )
    two = issue(pki, Principal.agency("MCI"), extra_uris=("spiffe://tabadol.gov.ir/agency/MOJ",))

    async def as_cert(cert: Path, key: Path) -> grpc.StatusCode:
        credentials = grpc.ssl_channel_credentials(
            trusted.pki.ca.read_bytes(), key.read_bytes(), cert.read_bytes()
        )
        async with grpc.aio.secure_channel(trusted.target, credentials) as channel:
            stub = catalogue_pb2_grpc.CatalogueServiceStub(channel)
            return await _code(
                stub.RegisterServiceRecord(
                    cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
                )
            )

    assert await as_cert(sneaky.cert, sneaky.key) == grpc.StatusCode.PERMISSION_DENIED
    assert await as_cert(two.cert, two.key) == grpc.StatusCode.UNAUTHENTICATED
    moj = trusted.pki.certificate("agency:MOJ")
    assert await as_cert(moj.cert, moj.key) == grpc.StatusCode.OK
    revoke(pki, "agency:MOJ")
    await trusted.running.reload_crl()  # else within a second (the CRL file is watched)
    assert await as_cert(moj.cert, moj.key) == grpc.StatusCode.UNAUTHENTICATED
