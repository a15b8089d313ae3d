"""Service counters (004 art. 14) through the use cases: registration, delegation by the
owning agency only, what each access level lets a counter do, revocation, supervision pages
and the public list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from aggregates.counters import AccessLevel, ServiceCounters
from aggregates.errors import InvalidInput, NotFound, TransitionRefused
from aggregates.principals import HUB_CODE
from aggregates.service_case import CaseStatus
from aggregates.service_record import Stage
from connectors._codes import luhn_check_digit
from hub.application.errors import AccessDenied
from hub.application.exchanges import CaseExchanges, ExchangeClients, PerAgency
from hub.application.hub import TabadolHub
from hub.ledger.executor import Executor
from hub.servicers.convert import spec_from_proto
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

SIMPLE = "13021000202"
"""A service with nothing to ask other agencies: delivered after its steps alone."""
COUNTER = "counter:P-1001"
OTHER = "counter:P-2002"
OPERATOR = "cli:test-key"


def _simple_spec() -> Any:
    proto = spec_proto(required_inquiries=[], identity_level=1)
    proto.ClearField("fee")
    return spec_from_proto(proto)


@pytest.fixture
def counters(hub: TabadolHub) -> TabadolHub:
    """Two registered counters; MOJ's simple service in the catalogue too."""
    hub.catalogue.register_service_record(SIMPLE, _simple_spec(), by=AGENCY)
    hub.counters.register_counter(
        "P-1001",
        name="دفتر پیشخوان ۱۰۰۱ تهران",
        kind="government",
        province="tehran",
        county="تهران",
        address="تهران، خیابان آزادی، پلاک ۱۲",
        postal_code="1316943891",
        by=COUNTER,
    )
    hub.counters.register_counter(
        "P-2002",
        name="دفتر پستی ۲۰۰۲ اصفهان",
        kind="post_office",
        province="اصفهان",
        county="کاشان",
        address="کاشان، میدان کمال‌الملک",
        postal_code="8715987658",
        by=OPERATOR,
    )
    return hub


def _open(hub: TabadolHub, by: str = COUNTER, service: str = SIMPLE, serial: int = 1) -> str:
    view = hub.cases.open_case(
        service, applicant(serial), channel="web", postal_code="1316943891", by=by
    )
    if service == SIMPLE:  # identity verified at the desk (intake's own work)
        hub.exchange_records.record_identity(
            view.tracking_code, active=True, national_code=applicant(serial), level=2, by=by
        )
    return view.tracking_code


def test_a_counter_registers_itself_or_the_operator_does(counters: TabadolHub) -> None:
    office = counters.counters.counter("P-2002")
    assert (office.province.value, office.county, office.kind.value) == (
        "isfahan",
        "کاشان",
        "post_office",
    )
    with pytest.raises(AccessDenied):  # not another counter, not an agency
        counters.counters.register_counter(
            "P-1001",
            name="x",
            kind="government",
            province="tehran",
            county="x",
            address="x",
            postal_code="1316943891",
            by=OTHER,
        )
    with pytest.raises(InvalidInput) as error:
        counters.counters.register_counter(
            "P-3003",
            name="",
            kind="kiosk",
            province="atlantis",
            county="x",
            address="x",
            postal_code="1234567890",
            by="counter:P-3003",
        )
    fields = {v.field for v in error.value.violations}
    assert {"name", "kind", "province", "postal_code"} <= fields


def test_only_the_owning_agency_or_the_operator_delegates(counters: TabadolHub) -> None:
    with pytest.raises(AccessDenied, match="only MOJ"):
        counters.counters.delegate(COUNTER, SIMPLE, level="full", by="TAX", reason="not mine")
    with pytest.raises(AccessDenied):
        counters.counters.delegate(COUNTER, SIMPLE, level="full", by=COUNTER, reason="myself")
    made = counters.counters.delegate(COUNTER, SIMPLE, level="full", by=OPERATOR, reason="ok")
    assert (made.agency, made.counter, made.level) == (AGENCY, "P-1001", AccessLevel.FULL)
    with pytest.raises(TransitionRefused, match="revoke it first"):
        counters.counters.delegate(COUNTER, SIMPLE, level="intake", by=AGENCY, reason="again")
    with pytest.raises(NotFound):  # a counter that never registered
        counters.counters.delegate("P-9999", SIMPLE, level="full", by=AGENCY, reason="who")
    with pytest.raises(InvalidInput) as error:
        counters.counters.delegate(OTHER, SIMPLE, level="everything", by=AGENCY, reason="")
    assert {v.field for v in error.value.violations} == {"level", "reason"}
    with pytest.raises(AccessDenied, match="only MOJ"):
        counters.counters.revoke(made.delegation_id, by="TAX", reason="not mine")


def test_a_counter_opens_only_delegated_services(counters: TabadolHub) -> None:
    with pytest.raises(AccessDenied, match="not delegated to counter P-1001"):
        _open(counters)
    counters.counters.delegate(COUNTER, SIMPLE, level="intake", by=AGENCY, reason="pilot")
    code = _open(counters)
    case = counters.cases.get_case(code)
    assert (case.agency, case.counter, case.channel) == (AGENCY, "P-1001", "counter")
    with pytest.raises(AccessDenied):  # delegated SIMPLE, not the sample service
        _open(counters, service=SERVICE_CODE)
    with pytest.raises(AccessDenied):  # another counter
        _open(counters, by=OTHER)


Action = Callable[[TabadolHub, str, str], Any]
STEPS: dict[str, Action] = {
    "record a request step": lambda h, c, by: h.cases.record_step(c, "ثبت درخواست", by=by),
    "complete the request stage": lambda h, c, by: h.cases.complete_stage(c, Stage.REQUEST, by=by),
    "record a production step": lambda h, c, by: h.cases.record_step(c, "استعلام سوابق", by=by),
    "complete the production stage": lambda h, c, by: h.cases.complete_stage(
        c, Stage.PRODUCTION, by=by
    ),
    "record a delivery step": lambda h, c, by: h.cases.record_step(c, "ارسال الکترونیکی", by=by),
    "deliver": lambda h, c, by: h.cases.deliver(c, by=by),
}
INTAKE_MAY = {"record a request step", "complete the request stage"}


@pytest.mark.parametrize("level", ["intake", "full"])
def test_what_each_level_lets_a_counter_do(counters: TabadolHub, level: str) -> None:
    counters.counters.delegate(COUNTER, SIMPLE, level=level, by=AGENCY, reason="pilot")
    code = _open(counters)
    for name, step in STEPS.items():
        if level == "full" or name in INTAKE_MAY:
            step(counters, code, COUNTER)
        else:
            with pytest.raises(AccessDenied, match=f"{level} delegation"):
                step(counters, code, COUNTER)
            step(counters, code, AGENCY)  # the agency does the rest of its case
    final = counters.cases.get_case(code)
    assert final.status is CaseStatus.DELIVERED
    by = {e.kind: e.by for e in final.timeline}
    assert by["delivered"] == (COUNTER if level == "full" else AGENCY)
    assert by["opened"] == COUNTER


def test_levels_refuse_reject_cancel_and_rating(counters: TabadolHub) -> None:
    counters.counters.delegate(COUNTER, SIMPLE, level="intake", by=AGENCY, reason="pilot")
    code = _open(counters)
    for refused in (
        lambda: counters.cases.reject(code, reason="incomplete", by=COUNTER),
        lambda: counters.cases.cancel(code, reason="withdrawn", by=COUNTER),
        lambda: counters.cases.request_correction(code, reason="photo", by=COUNTER),
    ):
        with pytest.raises(AccessDenied):
            refused()
    assert counters.cases.get_case(code).status is CaseStatus.OPEN  # nothing changed
    with pytest.raises(AccessDenied):  # another counter never acts on this case
        counters.cases.record_step(code, "ثبت درخواست", by=OTHER)


def test_payment_is_a_flag_apart_from_the_level(counters: TabadolHub) -> None:
    counters.counters.delegate(COUNTER, SERVICE_CODE, level="full", by=AGENCY, reason="no cash")
    code = _open(counters, service=SERVICE_CODE)
    with pytest.raises(AccessDenied, match="take the fee"):
        counters.exchange_records.start_payment(code, by=COUNTER, channel="pos")
    counters.counters.delegate(
        OTHER, SERVICE_CODE, level="intake", take_payment=True, by=AGENCY, reason="fee at the desk"
    )
    paying = _open(counters, by=OTHER, service=SERVICE_CODE, serial=2)
    counters.exchange_records.check_identity_possible(paying, by=OTHER)  # intake verifies
    counters.exchange_records.record_identity(
        paying, active=True, national_code=applicant(2), level=2, by=OTHER
    )
    plan = counters.exchange_records.start_payment(paying, by=OTHER, channel="pos")
    assert plan.payment is not None and plan.payment.channel == "pos"
    with pytest.raises(AccessDenied):  # inquiries are the production's: full only
        counters.exchange_records.prepare_inquiry(paying, _civil(), by=OTHER)


def _civil() -> Any:
    from aggregates.service_record import InquiryKind

    return InquiryKind.CIVIL_REGISTRATION


def test_revoking_stops_new_cases_and_further_action(counters: TabadolHub) -> None:
    made = counters.counters.delegate(COUNTER, SIMPLE, level="full", by=AGENCY, reason="pilot")
    code = _open(counters)
    revoked = counters.counters.revoke(made.delegation_id, by=AGENCY, reason="audit findings")
    assert not revoked.active and revoked.grant.revoke_reason == "audit findings"
    with pytest.raises(AccessDenied, match="not delegated"):
        _open(counters, serial=2)
    with pytest.raises(AccessDenied, match="no longer delegated"):
        counters.cases.record_step(code, "ثبت درخواست", by=COUNTER)
    counters.cases.record_step(code, "ثبت درخواست", by=AGENCY)  # the agency finishes it
    with pytest.raises(TransitionRefused):
        counters.counters.revoke(made.delegation_id, by=AGENCY, reason="twice")
    history = counters.counters.list_delegations(agency=AGENCY, include_revoked=True)
    assert [d.delegation_id for d in history] == [made.delegation_id]
    assert counters.counters.list_delegations(agency=AGENCY) == []
    # a new delegation (another level) works again
    counters.counters.delegate(COUNTER, SIMPLE, level="intake", by=AGENCY, reason="again")
    _open(counters, serial=3)


def test_every_change_is_a_signed_event(counters: TabadolHub) -> None:
    made = counters.counters.delegate(COUNTER, SIMPLE, level="full", by=AGENCY, reason="pilot")
    counters.counters.revoke(made.delegation_id, by=OPERATOR, reason="closed")
    kinds = [type(e) for e in counters.store.events_of(ServiceCounters.create_id())]
    assert kinds == [
        ServiceCounters.Started,
        ServiceCounters.Registered,
        ServiceCounters.Registered,
        ServiceCounters.Delegated,
        ServiceCounters.Revoked,
    ]
    assert (
        counters.repository.get(ServiceCounters.create_id())
        .delegations[made.delegation_id]
        .grant.revoked_by
        == OPERATOR
    )


def test_supervision_pages_the_cases_a_counter_handled(counters: TabadolHub) -> None:
    counters.counters.delegate(COUNTER, SIMPLE, level="intake", by=AGENCY, reason="pilot")
    counters.counters.delegate(OTHER, SIMPLE, level="intake", by=AGENCY, reason="pilot")
    mine = [_open(counters, serial=s) for s in range(1, 6)]
    _open(counters, by=OTHER, serial=50)
    _open(counters, by=AGENCY, serial=60)
    seen: list[str] = []
    token = ""
    while True:
        page = counters.cases.counter_cases(AGENCY, "P-1001", page_size=2, page_token=token)
        assert len(page.cases) <= 2
        seen += [c.tracking_code for c in page.cases]
        token = page.next_page_token
        if not token:
            break
    assert seen == mine
    assert counters.cases.counter_cases("TAX", "P-1001").cases == ()  # not TAX's
    with pytest.raises(InvalidInput):
        counters.cases.counter_cases(AGENCY, "P-1001", page_token="abc")


def test_supervision_reads_an_index_kept_up_to_date(counters: TabadolHub) -> None:
    """The index folds only what was opened since it last looked: a case opened after a
    page was read is on the next page, and a page token stays valid as cases are added."""
    counters.counters.delegate(COUNTER, SIMPLE, level="intake", by=AGENCY, reason="pilot")
    first = [_open(counters, serial=s) for s in range(1, 3)]
    page = counters.cases.counter_cases(AGENCY, "P-1001", page_size=2)
    assert [c.tracking_code for c in page.cases] == first and page.next_page_token == ""
    later = _open(counters, serial=3)
    assert [c.tracking_code for c in counters.cases.counter_cases(AGENCY, "P-1001").cases] == [
        *first,
        later,
    ]
    page = counters.cases.counter_cases(AGENCY, "P-1001", page_size=1)
    _open(counters, by=AGENCY, serial=4)  # MOJ's own: not the counter's
    rest = counters.cases.counter_cases(
        AGENCY, "P-1001", page_size=5, page_token=page.next_page_token
    )
    assert [c.tracking_code for c in rest.cases] == [first[1], later]


def test_the_public_list_by_province(counters: TabadolHub) -> None:
    counters.counters.delegate(COUNTER, SIMPLE, level="full", by=AGENCY, reason="pilot")
    made = counters.counters.delegate(
        COUNTER, SERVICE_CODE, level="intake", by=AGENCY, reason="pilot"
    )
    counters.counters.revoke(made.delegation_id, by=AGENCY, reason="ended")
    tehran = counters.counters.list_counters("تهران")
    assert [(e.code, [s.service_code for s in e.services]) for e in tehran] == [
        ("P-1001", [SIMPLE])
    ]
    assert tehran[0].address.startswith("تهران") and tehran[0].province_fa == "تهران"
    everyone = counters.counters.list_counters()
    assert [e.code for e in everyone] == ["P-2002", "P-1001"]  # isfahan before tehran
    assert [e.code for e in counters.counters.list_counters(agency=AGENCY)] == ["P-1001"]
    columns, rows, _ = counters.counters.open_dataset()
    assert set(rows[0]) == set(columns)
    assert [(r["counter"], r["service_code"], r["level"]) for r in rows] == [
        ("P-2002", "", ""),  # n2: the other offices are listed too
        ("P-1001", SIMPLE, "full"),
    ]
    assert rows[1]["service_title_fa"] == "صدور گواهی عدم سوءپیشینه"
    with pytest.raises(InvalidInput):
        counters.counters.list_counters("atlantis")


@dataclass(frozen=True)
class _Verified:
    authentic: bool = True
    issued_at: datetime | None = None
    agency: str = "NOCR"
    inquiry_kind: str = "civil_registration"


def _inquiry_code(fifteen: str) -> str:
    """A well-formed inquiry tracking code: fifteen digits and their Luhn check digit."""
    return fifteen + str(luhn_check_digit(fifteen))


class _Registry:
    """The civil registry as the hub sees it: which agency each client calls for."""

    def __init__(self, asked_for: list[str], agency: str) -> None:
        self._asked_for, self._agency = asked_for, agency

    async def verify_inquiry(self, inquiry_tracking_code: str, *, tracking_code: str) -> _Verified:
        self._asked_for.append(self._agency)
        return _Verified()

    async def close(self) -> None:
        return None


async def test_a_counter_confirms_an_inquiry_code_for_the_cases_agency(
    counters: TabadolHub,
) -> None:
    """VerifyTrackingCode(ask_registry) by a counter asks the registry for the case's main
    agency (as its other exchanges do), never in the counter's own name; for a code the hub
    holds no receipt of (no case), or one of a case another counter took, the hub asks as
    itself."""
    counters.counters.delegate(COUNTER, SERVICE_CODE, level="full", by=AGENCY, reason="pilot")
    code = _open(counters, service=SERVICE_CODE)
    issued = _inquiry_code("603799100000001")
    counters.exchange_records.record_inquiry(
        code,
        _civil(),
        inquiry_tracking_code=issued,
        issuing_agency="NOCR",
        facts={"alive": True, "birth_date_matched": True},
        inquired_at=datetime(2026, 3, 21, 7, 0, tzinfo=UTC),
        by=COUNTER,
    )
    asked_for: list[str] = []

    async def connect(agency: str) -> Any:
        return _Registry(asked_for, agency)

    unused: PerAgency[Any] = PerAgency(connect)
    clients = ExchangeClients(
        civil_registry=PerAgency(connect),
        deeds_registry=unused,
        postal_code=unused,
        identity=unused,
        treasury=unused,
        failure=RuntimeError,
    )
    executor = Executor()
    try:
        exchanges = CaseExchanges(counters.exchange_records, executor, clients)
        check = await exchanges.verify_tracking_code(issued, ask_registry=True, by=COUNTER)
        assert check.authentic and asked_for == [AGENCY]
        asked_for.clear()
        # another counter, not the case's: the hub asks as itself, not in MOJ's name
        check = await exchanges.verify_tracking_code(issued, ask_registry=True, by=OTHER)
        assert check.authentic and asked_for == [HUB_CODE]
        asked_for.clear()
        unknown = _inquiry_code("603799100000002")
        await exchanges.verify_tracking_code(unknown, ask_registry=True, by=COUNTER)
        assert asked_for and set(asked_for) == {HUB_CODE}  # civil registry, then deeds
    finally:
        executor.close()
