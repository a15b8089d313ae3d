"""Principal × RPC × resource under mTLS, on SQLite and PostgreSQL: deny by default, scoped
reads (NOT_FOUND out of scope), ownership of writes, and every refusal found in the signed
refusal summaries (hub.servicers.scope documents who sees what); service counters at each
access level on their own cases and on the agency's, supervision, the public list and
revocation (aggregates/counters.py documents the levels)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import grpc
import pytest
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.counters.v1 import counters_pb2 as ctr
from tabadol.counters.v1 import counters_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.access import RefusalSummary
from hub.audit.export import read_trail
from hub.testing import HUB_PRINCIPAL, InMemoryIdentityVerifier, TrustedHub, start_trusted_hub
from tests.samples import SERVICE_CODE, applicant, spec_proto

DESK = "tabadol.servicedesk.v1.ServiceDeskService"
COUNTERS = "tabadol.counters.v1.CounterService"
OK, DENIED, HIDDEN, NOT_YET = (
    grpc.StatusCode.OK,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
)

GRANTS = {
    "agency:MOJ": [f"service:{DESK}", "service:tabadol.catalogue.v1.CatalogueService"],
    "agency:TAX": [f"service:{DESK}"],
    "counter:P-1001": [f"service:{DESK}"],  # a right to call, but no delegation of MOJ's service
    "window:MYGOV": [f"rpc:{DESK}/GetCase"],
    "auditor:DIWAN": [f"rpc:{DESK}/GetCase"],
    "agency:ZZZ": [],  # identified by a valid certificate, granted nothing
}

# principal -> RPC -> expected status on MOJ's service / case
TABLE = {
    "agency:MOJ": {"OpenCase": OK, "GetCase": OK, "RecordStep": OK, "CancelCase": OK},
    "agency:TAX": {"OpenCase": DENIED, "GetCase": HIDDEN, "RecordStep": DENIED, "CancelCase": DENIED},
    "counter:P-1001": {"OpenCase": DENIED, "GetCase": HIDDEN, "RecordStep": DENIED, "CancelCase": DENIED},
    "window:MYGOV": {"OpenCase": DENIED, "GetCase": OK, "RecordStep": DENIED, "CancelCase": DENIED},
    "auditor:DIWAN": {"OpenCase": DENIED, "GetCase": OK, "RecordStep": DENIED, "CancelCase": DENIED},
    "agency:ZZZ": {"OpenCase": DENIED, "GetCase": DENIED, "RecordStep": DENIED, "CancelCase": DENIED},
}  # fmt: skip


@pytest.fixture
async def trusted(store_url: str, tmp_path: Path) -> AsyncIterator[TrustedHub]:
    live = await start_trusted_hub(tmp_path, store_url)
    try:
        for principal, targets in GRANTS.items():
            await live.grant(principal, *targets)
        await catalogue_pb2_grpc.CatalogueServiceStub(
            live.channel("agency:MOJ")
        ).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
        )
        yield live
    finally:
        await live.close()


async def _open(stub: servicedesk_pb2_grpc.ServiceDeskServiceStub, serial: int) -> str:
    reply = await stub.OpenCase(
        desk.OpenCaseRequest(
            service_code=SERVICE_CODE,
            applicant_national_code=applicant(serial),
            postal_code="1316943891",
            channel="web",
        )
    )
    return str(reply.case.tracking_code)


def _requests(stub: Any, code: str, serial: int, note: str) -> dict[str, Any]:
    """Each service-desk RPC of the matrices on ``code`` (OpenCase: a new case)."""
    return {
        "OpenCase": lambda: stub.OpenCase(
            desk.OpenCaseRequest(
                service_code=SERVICE_CODE,
                applicant_national_code=applicant(serial),
                postal_code="1316943891",
                channel="web",
            )
        ),
        "GetCase": lambda: stub.GetCase(desk.GetCaseRequest(tracking_code=code)),
        "RecordStep": lambda: stub.RecordStep(
            desk.RecordStepRequest(tracking_code=code, step="ثبت درخواست", note=note)
        ),
        "DeliverCase": lambda: stub.DeliverCase(desk.DeliverCaseRequest(tracking_code=code)),
        "RejectCase": lambda: stub.RejectCase(
            desk.RejectCaseRequest(tracking_code=code, reason="documents incomplete")
        ),
        "CancelCase": lambda: stub.CancelCase(
            desk.CancelCaseRequest(tracking_code=code, reason="withdrawn")
        ),
    }


async def _call(
    live: TrustedHub, principal: str, rpc: str, code: str, serial: int
) -> grpc.StatusCode:
    stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(live.channel(principal))
    requests = _requests(stub, code, serial, "internal note")
    try:
        reply = await requests[rpc]()
    except grpc.aio.AioRpcError as error:
        return error.code()
    if rpc == "GetCase" and principal == "window:MYGOV":  # the content-free view
        assert all(entry.note == "" for entry in reply.case.timeline)
        assert not reply.case.HasField("payment") and not reply.case.inquiries
    if rpc == "GetCase" and principal in ("agency:MOJ", "auditor:DIWAN"):
        assert any(entry.note == "internal note" for entry in reply.case.timeline)
    return grpc.StatusCode.OK


def _summaries(live: TrustedHub) -> Counter[tuple[str, str]]:
    counted: Counter[tuple[str, str]] = Counter()
    for event in read_trail(live.settings.event_store):
        if event.topic == "tabadol.access.refusal_summary.summarised":
            summary = live.hub.repository.get(UUID(event.aggregate_id))
            assert isinstance(summary, RefusalSummary)
            for principal, method, _reason, count in summary.counts:
                counted[(str(principal), str(method))] += int(count)  # type: ignore[call-overload]
    return counted


async def test_principal_by_rpc_on_mojs_case(trusted: TrustedHub) -> None:
    owner = servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel("agency:MOJ"))
    code = await _open(owner, 1)  # MOJ goes first and records the step with its note
    refusals: Counter[tuple[str, str]] = Counter()
    got: dict[str, dict[str, grpc.StatusCode]] = {}
    serial = 100
    for principal, expected in TABLE.items():
        got[principal] = {}
        for rpc in ("OpenCase", "RecordStep", "GetCase"):
            serial += 1
            status = await _call(trusted, principal, rpc, code, serial)
            got[principal][rpc] = status
            if status != OK:
                refusals[(principal, f"{DESK}/{rpc}")] += 1
        # CancelCase last, on a case of its own for the owner
        target = await _open(owner, serial + 1000) if principal == "agency:MOJ" else code
        status = await _call(trusted, principal, "CancelCase", target, serial)
        got[principal]["CancelCase"] = status
        if status != OK:
            refusals[(principal, f"{DESK}/CancelCase")] += 1
        assert got[principal] == expected, principal
    await trusted.running.flush_refusals()
    assert _summaries(trusted) == refusals


async def test_the_applicant_reads_their_case_with_their_token_through_the_window(
    trusted: TrustedHub,
) -> None:
    ids = InMemoryIdentityVerifier()
    trusted.hub.configure_participation(verifier=ids, pseudonym_key=b"k" * 32)
    owner = servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel("agency:MOJ"))
    code = await _open(owner, 1)
    await owner.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ثبت درخواست", note="internal note")
    )
    mine, theirs, gone = ids.issue(applicant(1)), ids.issue(applicant(2)), ids.issue(applicant(1))
    ids.revoke(gone)

    async def read(principal: str, token: str) -> desk.Case | grpc.aio.AioRpcError:
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel(principal))
        try:
            request = desk.GetCaseRequest(tracking_code=code, applicant_token=token)
            return (await stub.GetCase(request)).case
        except grpc.aio.AioRpcError as error:
            return error

    case = await read("window:MYGOV", mine)  # the full case, for its applicant
    assert isinstance(case, desk.Case) and case.tracking_code == code
    assert any(entry.note == "internal note" for entry in case.timeline)
    other = await read("window:MYGOV", theirs)  # another person's token: nothing to see
    assert isinstance(other, grpc.aio.AioRpcError) and other.code() == HIDDEN
    revoked = await read("window:MYGOV", gone)
    assert isinstance(revoked, grpc.aio.AioRpcError)
    assert revoked.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "applicant_token" in (revoked.details() or "")
    for relay in ("agency:TAX", "agency:MOJ"):  # only the national window relays a token
        refused = await read(relay, mine)
        assert isinstance(refused, grpc.aio.AioRpcError) and refused.code() == DENIED
        assert "only the national window" in (refused.details() or "")
    await trusted.running.flush_refusals()
    assert _summaries(trusted) == Counter(
        {
            ("window:MYGOV", f"{DESK}/GetCase"): 1,
            ("agency:TAX", f"{DESK}/GetCase"): 1,
            ("agency:MOJ", f"{DESK}/GetCase"): 1,
        }
    )


# --- service counters (004 art. 14): a counter at each access level x RPC -----------------

LEVELS = {
    "counter:P-2001": ctr.ACCESS_LEVEL_INTAKE,
    "counter:P-3001": ctr.ACCESS_LEVEL_FULL,
}
# principal -> RPC -> expected status on the case the counter opened itself, in this order;
# DeliverCase is allowed at full (then refused by the case: its steps are not done)
OWN_CASE = {
    "counter:P-2001": {"OpenCase": OK, "RecordStep": OK, "GetCase": OK, "DeliverCase": DENIED, "RejectCase": DENIED, "CancelCase": DENIED},
    "counter:P-3001": {"OpenCase": OK, "RecordStep": OK, "GetCase": OK, "DeliverCase": NOT_YET, "RejectCase": OK, "CancelCase": NOT_YET},
}  # fmt: skip
# on MOJ's own case (not through the counter), at any level
MOJS_CASE = {"RecordStep": DENIED, "GetCase": HIDDEN, "CancelCase": DENIED}
# after MOJ revokes the delegation: no new case, no further action, no more reads of it
REVOKED = {"OpenCase": DENIED, "RecordStep": DENIED, "GetCase": DENIED}


async def _desk_call(stub: Any, rpc: str, code: str, serial: int) -> grpc.StatusCode:
    requests = _requests(stub, code, serial, "at the desk")
    try:
        await requests[rpc]()
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


@pytest.fixture
async def counters(trusted: TrustedHub) -> TrustedHub:
    """Two counters registered over mTLS (by themselves) and delegated MOJ's service by MOJ,
    one at each level; only the right to register is granted, the rest comes from MOJ."""
    await trusted.grant("agency:MOJ", f"service:{COUNTERS}")
    for number, principal in enumerate(LEVELS, start=1):
        await trusted.grant(principal, f"rpc:{COUNTERS}/RegisterCounter")
        code = principal.removeprefix("counter:")
        await counters_pb2_grpc.CounterServiceStub(trusted.channel(principal)).RegisterCounter(
            ctr.RegisterCounterRequest(
                code=code,
                name=f"دفتر پیشخوان {code}",
                kind=ctr.COUNTER_KIND_GOVERNMENT,
                province="tehran" if number == 1 else "isfahan",
                county="تهران" if number == 1 else "کاشان",
                address=f"خیابان {number}",
                postal_code="1316943891",
            )
        )
    moj = counters_pb2_grpc.CounterServiceStub(trusted.channel("agency:MOJ"))
    for principal, level in LEVELS.items():
        await moj.Delegate(
            ctr.DelegateRequest(
                counter=principal, service_code=SERVICE_CODE, level=level, reason="pilot"
            )
        )
    return trusted


async def test_counter_at_each_level_by_rpc(counters: TrustedHub) -> None:
    owner = servicedesk_pb2_grpc.ServiceDeskServiceStub(counters.channel("agency:MOJ"))
    mojs = await _open(owner, 1)
    refusals: Counter[tuple[str, str]] = Counter()

    def count(principal: str, rpc: str, status: grpc.StatusCode) -> None:
        if status in (DENIED, HIDDEN):
            refusals[(principal, f"{DESK}/{rpc}")] += 1

    serial = 200
    opened: dict[str, str] = {}
    for principal, expected in OWN_CASE.items():
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(counters.channel(principal))
        reply = await stub.OpenCase(
            desk.OpenCaseRequest(
                service_code=SERVICE_CODE,
                applicant_national_code=applicant(serial),
                postal_code="1316943891",
                channel="web",
            )
        )
        opened[principal] = code = reply.case.tracking_code
        assert (reply.case.agency, reply.case.counter) == (
            "MOJ",
            principal.removeprefix("counter:"),
        )
        got = {"OpenCase": OK}
        for rpc in list(expected)[1:]:
            serial += 1
            got[rpc] = status = await _desk_call(stub, rpc, code, serial)
            count(principal, rpc, status)
        assert got == expected, principal
        got = {}
        for rpc in MOJS_CASE:
            got[rpc] = status = await _desk_call(stub, rpc, mojs, serial)
            count(principal, rpc, status)
        assert got == MOJS_CASE, principal

    # supervision: MOJ reads every case each counter opened for it, in full
    supervise = counters_pb2_grpc.CounterServiceStub(counters.channel("agency:MOJ"))
    for principal, code in opened.items():
        page = await supervise.ListCounterCases(ctr.ListCounterCasesRequest(counter=principal))
        assert [c.tracking_code for c in page.cases] == [code]
        assert any(e.note == "at the desk" for e in page.cases[0].timeline)
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # a counter supervises nobody
        await counters_pb2_grpc.CounterServiceStub(
            counters.channel("counter:P-2001")
        ).ListCounterCases(ctr.ListCounterCasesRequest(counter="P-2001"))
    assert refused.value.code() == DENIED
    refusals[("counter:P-2001", f"{COUNTERS}/ListCounterCases")] += 1

    # the public list: anyone identified, granted nothing
    public = await counters_pb2_grpc.CounterServiceStub(
        counters.channel("agency:ZZZ")
    ).ListCounters(ctr.ListCountersRequest(province="اصفهان"))
    assert [(c.counter.code, [s.service_code for s in c.services]) for c in public.counters] == [
        ("P-3001", [SERVICE_CODE])
    ]

    # revocation: no new case, no further action, no read: the agency keeps its cases
    listed = await supervise.ListDelegations(ctr.ListDelegationsRequest(counter="P-2001"))
    [delegation] = listed.delegations
    await supervise.RevokeDelegation(
        ctr.RevokeDelegationRequest(delegation_id=delegation.delegation_id, reason="audit")
    )
    stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(counters.channel("counter:P-2001"))
    got = {}
    for rpc in REVOKED:
        serial += 1
        got[rpc] = status = await _desk_call(stub, rpc, opened["counter:P-2001"], serial)
        count("counter:P-2001", rpc, status)
    assert got == REVOKED
    # still at the desk for another service, it learns nothing of the revoked one's cases
    await counters.grant("counter:P-2001", "code:99999999999")
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await stub.GetEvaluation(desk.GetEvaluationRequest(tracking_code=opened["counter:P-2001"]))
    assert hidden.value.code() == HIDDEN
    refusals[("counter:P-2001", f"{DESK}/GetEvaluation")] += 1

    # only the owning agency delegates its services
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await counters_pb2_grpc.CounterServiceStub(counters.channel("agency:TAX")).Delegate(
            ctr.DelegateRequest(
                counter="P-2001",
                service_code=SERVICE_CODE,
                level=ctr.ACCESS_LEVEL_FULL,
                reason="not mine",
            )
        )
    assert refused.value.code() == DENIED  # TAX has no grant for CounterService at all
    refusals[("agency:TAX", f"{COUNTERS}/Delegate")] += 1

    await counters.running.flush_refusals()
    assert _summaries(counters) == refusals


async def test_the_operator_runs_counters_for_an_agency_without_a_grant(
    trusted: TrustedHub,
) -> None:
    """The operator (``hub:TABADOL``, granted nothing) registers a counter, delegates MOJ's
    service to it on MOJ's behalf, lists and supervises it and revokes, as AccessService's
    methods pass the rights table; its other calls still need a grant."""
    operator = counters_pb2_grpc.CounterServiceStub(trusted.channel(HUB_PRINCIPAL))
    await operator.RegisterCounter(
        ctr.RegisterCounterRequest(
            code="P-4001",
            name="دفتر پیشخوان ۴۰۰۱",
            kind=ctr.COUNTER_KIND_POST_OFFICE,
            province="tehran",
            county="تهران",
            address="خیابان ۴",
            postal_code="1316943891",
        )
    )
    delegated = await operator.Delegate(
        ctr.DelegateRequest(
            counter="P-4001", service_code=SERVICE_CODE, level=ctr.ACCESS_LEVEL_FULL, reason="MOJ"
        )
    )
    assert (delegated.delegation.agency, delegated.delegation.delegated_by) == (
        "MOJ",
        HUB_PRINCIPAL,
    )
    counter = servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel("counter:P-4001"))
    code = await _open(counter, 400)
    await counter.RecordStep(
        desk.RecordStepRequest(tracking_code=code, step="ثبت درخواست", note="مدارک کامل است")
    )
    listed = await operator.ListDelegations(ctr.ListDelegationsRequest(counter="P-4001"))
    assert [d.delegation_id for d in listed.delegations] == [delegated.delegation.delegation_id]
    page = await operator.ListCounterCases(
        ctr.ListCounterCasesRequest(agency="MOJ", counter="P-4001")
    )
    assert [c.tracking_code for c in page.cases] == [code]
    # the operator sees what happened when, not the content (as the national window does)
    (seen,) = page.cases
    assert "ثبت درخواست" in [entry.step for entry in seen.timeline]
    assert all(entry.note == "" for entry in seen.timeline)
    assert not seen.inquiries and not seen.HasField("payment")
    await trusted.grant("agency:MOJ", "service:tabadol.counters.v1.CounterService")
    owner = counters_pb2_grpc.CounterServiceStub(trusted.channel("agency:MOJ"))
    full = await owner.ListCounterCases(ctr.ListCounterCasesRequest(counter="P-4001"))
    assert "مدارک کامل است" in [entry.note for entry in full.cases[0].timeline]  # its own
    revoked = await operator.RevokeDelegation(
        ctr.RevokeDelegationRequest(
            delegation_id=delegated.delegation.delegation_id, reason="پایان"
        )
    )
    assert revoked.delegation.revoked_by == HUB_PRINCIPAL
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # the exemption is the counters' only
        await servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel()).GetCase(
            desk.GetCaseRequest(tracking_code=code)
        )
    assert refused.value.code() == DENIED
    await trusted.running.flush_refusals()
    assert _summaries(trusted) == Counter({(HUB_PRINCIPAL, f"{DESK}/GetCase"): 1})


async def test_the_evaluation_of_a_case_is_scoped_as_the_case(trusted: TrustedHub) -> None:
    code = await _open(
        servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel("agency:MOJ")), 1
    )
    await trusted.grant("window:MYGOV", f"rpc:{DESK}/GetEvaluation")

    async def evaluation(principal: str) -> grpc.StatusCode:
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(trusted.channel(principal))
        try:
            await stub.GetEvaluation(desk.GetEvaluationRequest(tracking_code=code))
        except grpc.aio.AioRpcError as error:
            return error.code()
        return OK

    got = [await evaluation(p) for p in ("agency:MOJ", "window:MYGOV", "agency:TAX")]
    assert got == [OK, OK, HIDDEN]
