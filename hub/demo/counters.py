"""The demo's service counters (دفاتر پیشخوان, 004 art. 14): the operator lets agencies
delegate and counters register; two counters register where they are; MOJ delegates its
certificate service to one at ``full`` with the fee, to the other at ``intake``; the first
delivers a case from request to delivery, the second is refused what its level does not
allow; MOJ supervises both; the public list by province; a revocation stops new cases."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Mapping

import grpc
from tabadol.access.v1 import access_pb2 as acc
from tabadol.access.v1 import access_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.counters.v1 import counters_pb2 as ctr
from tabadol.counters.v1 import counters_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.principals import HUB_OPERATOR
from hub.demo.exchanges import DemoWorld, Prepared, finish_case, prepare_case
from hub.servicers.auth import AGENCY_HEADER

__all__ = ["COUNTERS", "run_counters_demo"]

SERVICE = "tabadol.counters.v1.CounterService"
OPERATOR = HUB_OPERATOR.name
COUNTERS = {
    "P-1001": ("دفتر پیشخوان خدمات دولت ۱۰۰۱", ctr.COUNTER_KIND_GOVERNMENT, "tehran", "تهران",
               "تهران، خیابان آزادی، پلاک ۱۲", "1316943891"),
    "P-2002": ("دفتر پستی ۲۰۰۲ کاشان", ctr.COUNTER_KIND_POST_OFFICE, "isfahan", "کاشان",
               "کاشان، میدان کمال‌الملک", "8715987658"),
}  # fmt: skip
"""The demo's counters: name, kind, province, county, address, postal code."""


def _as(caller: str) -> tuple[tuple[str, str], ...]:
    return ((AGENCY_HEADER, caller),)


_REFUSALS = (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)


async def _refused(call: Awaitable[object], what: str) -> None:
    """Await ``call``; print its refusal (PERMISSION_DENIED, or NOT_FOUND for a read out
    of scope: hub.servicers.scope says why)."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        if error.code() not in _REFUSALS:
            raise
        print(f"  {what}: {error.code().name} — {error.details()}")
        return
    raise RuntimeError(f"not refused: {what}")


async def run_counters_demo(
    channel: grpc.aio.Channel,
    world: DemoWorld,
    records: Mapping[str, cat.ServiceRecordSpec],
    *,
    service_code: str = "13021000101",
    seed: int = 1414,
) -> None:
    """The scene (see the module); every change is a signed event, every refusal counted.
    Its own random choices (``seed``), so the rest of the story stays as it was."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fixtures, not secrets
    access = access_pb2_grpc.AccessServiceStub(channel)
    counters = counters_pb2_grpc.CounterServiceStub(channel)
    stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
    spec = records[service_code]
    agency = spec.owner_agency
    print("\nservice counters (دفاتر پیشخوان، آیین‌نامه ۰۰۴ ماده ۱۴):")
    await access.Grant(
        acc.GrantRequest(
            grantee="group:AGENCIES",
            target=f"service:{SERVICE}",
            reason="agencies delegate their services to counters and supervise them",
        ),
        metadata=_as(OPERATOR),
    )
    for code, (name, kind, province, county, address, postal) in COUNTERS.items():
        await access.Grant(
            acc.GrantRequest(
                grantee=f"counter:{code}",
                target=f"rpc:{SERVICE}/RegisterCounter",
                reason="a counter registers where it is",
            ),
            metadata=_as(OPERATOR),
        )
        reply = await counters.RegisterCounter(
            ctr.RegisterCounterRequest(
                code=code,
                name=name,
                kind=kind,
                province=province,
                county=county,
                address=address,
                postal_code=postal,
            ),
            metadata=_as(f"counter:{code}"),
        )
        c = reply.counter
        print(f"  counter:{c.code} registered itself: {c.name}, {c.province_fa}، {c.county}")
    levels = {"P-1001": (ctr.ACCESS_LEVEL_FULL, True), "P-2002": (ctr.ACCESS_LEVEL_INTAKE, False)}
    delegations = {}
    for code, (level, fee) in levels.items():
        made = await counters.Delegate(
            ctr.DelegateRequest(
                counter=code,
                service_code=service_code,
                level=level,
                take_payment=fee,
                reason="واگذاری به دفتر پیشخوان طبق تفاهم‌نامه",
            ),
            metadata=_as(agency),
        )
        d = made.delegation
        delegations[code] = d.delegation_id
        level_name = ctr.AccessLevel.Name(d.level).removeprefix("ACCESS_LEVEL_").lower()
        print(
            f"  {agency} delegated {service_code} to counter:{code} at {level_name}"
            f"{' with the fee' if d.take_payment else ''} ({d.delegation_id})"
        )

    # P-1001 delivers the service from request to delivery, fee included
    prepared = await prepare_case(
        stub, service_code, spec, world, "delivered", rng, caller="counter:P-1001"
    )
    assert isinstance(prepared, Prepared)
    delivered = await finish_case(stub, world, prepared, rng)
    print(
        f"  counter:P-1001 delivered case {delivered.tracking_code} of {agency}: identity,"
        f" inquiries, fee and delivery at the counter (timeline by: "
        f"{', '.join(sorted({e.by_agency for e in delivered.timeline}))})"
    )

    # P-2002 takes a request, and is refused what intake does not allow
    person = rng.choice(world.people)
    opened = await stub.OpenCase(
        desk.OpenCaseRequest(
            service_code=service_code,
            applicant_national_code=person.national_code,
            postal_code="8715987658",
            channel="web",
        ),
        metadata=_as("counter:P-2002"),
    )
    code = opened.case.tracking_code
    print(f"  counter:P-2002 (intake) opened case {code} (channel: {opened.case.channel})")
    await _refused(
        stub.MakeInquiry(
            desk.MakeInquiryRequest(
                tracking_code=code,
                kind=cat.INQUIRY_KIND_CIVIL_REGISTRATION,
                birth_date_jalali=person.birth_date_jalali,
            ),
            metadata=_as("counter:P-2002"),
        ),
        "counter:P-2002 asks civil registration (production's work)",
    )
    await _refused(
        stub.PayFee(desk.PayFeeRequest(tracking_code=code), metadata=_as("counter:P-2002")),
        "counter:P-2002 takes the fee",
    )
    await _refused(
        stub.GetCase(
            desk.GetCaseRequest(tracking_code=delivered.tracking_code),
            metadata=_as("counter:P-2002"),
        ),
        f"counter:P-2002 reads P-1001's case {delivered.tracking_code}",
    )

    # supervision (n3): MOJ reads every case each counter handled for it
    for counter in COUNTERS:
        page = await counters.ListCounterCases(
            ctr.ListCounterCasesRequest(counter=counter), metadata=_as(agency)
        )
        listed = ", ".join(
            f"{c.tracking_code} {desk.CaseStatus.Name(c.status).removeprefix('CASE_STATUS_').lower()}"
            for c in page.cases
        )
        print(f"  {agency} supervises counter:{counter}: {listed}")

    # the public list (n1-n2), read by anyone
    public = await counters.ListCounters(ctr.ListCountersRequest())
    for listing in public.counters:
        c = listing.counter
        services = "; ".join(
            f"{s.service_code} «{s.title_fa}» "
            f"{ctr.AccessLevel.Name(s.level).removeprefix('ACCESS_LEVEL_').lower()}"
            for s in listing.services
        )
        print(f"  public list: {c.province_fa} / {c.county}: {c.name}, {c.address} — {services}")

    # revocation stops new cases
    await counters.RevokeDelegation(
        ctr.RevokeDelegationRequest(
            delegation_id=delegations["P-2002"], reason="پایان دوره آزمایشی"
        ),
        metadata=_as(agency),
    )
    await _refused(
        stub.OpenCase(
            desk.OpenCaseRequest(
                service_code=service_code,
                applicant_national_code=person.national_code,
                postal_code="8715987658",
                channel="web",
            ),
            metadata=_as("counter:P-2002"),
        ),
        f"after {agency} revoked {delegations['P-2002']}, counter:P-2002 opens a case",
    )
