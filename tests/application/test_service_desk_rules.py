"""The catalogue's and the service desk's rules, through the use cases on the in-memory
store. Each refusal names its field (where it has one) and stores nothing; the gRPC edge
keeps one test per error kind (tests/integration/test_servicedesk_grpc.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tabadol.catalogue.v1 import catalogue_pb2 as cat

from aggregates.errors import (
    AlreadyExists,
    DomainError,
    InvalidInput,
    NotFound,
    TransitionRefused,
)
from aggregates.identifiers import TrackingKind
from aggregates.service_case import CaseStatus
from aggregates.service_record import Stage
from hub.application.errors import AccessDenied
from hub.application.hub import TabadolHub
from tests.application.conftest import spec
from tests.samples import AGENCY, SERVICE_CODE, applicant

Call = Callable[[TabadolHub, str], Any]

REFUSALS: dict[str, tuple[Call, type[DomainError], str]] = {
    "national code check digit": (
        lambda h, code: h.cases.open_case(
            SERVICE_CODE, "0012345678", channel="web", postal_code="1316943891", by=AGENCY
        ),
        InvalidInput,
        "applicant_national_code",
    ),
    "unknown service": (
        lambda h, code: h.cases.open_case(
            "99999999", applicant(), channel="web", postal_code="1316943891", by=AGENCY
        ),
        NotFound,
        "",
    ),
    "malformed service code": (
        lambda h, code: h.cases.open_case(
            "13-A", applicant(), channel="web", postal_code="1316943891", by=AGENCY
        ),
        InvalidInput,
        "service_code",
    ),
    "unknown channel": (
        lambda h, code: h.cases.open_case(
            SERVICE_CODE, applicant(), channel="fax", postal_code="1316943891", by=AGENCY
        ),
        InvalidInput,
        "channel",
    ),
    "rating before delivery (the state is checked first)": (
        lambda h, code: h.cases.rate_satisfaction(code, score=7, by=AGENCY),
        TransitionRefused,
        "",
    ),
    "impossible transition": (
        lambda h, code: h.cases.deliver(code, by=AGENCY),
        TransitionRefused,
        "",
    ),
    "completing the wrong stage": (
        lambda h, code: h.cases.complete_stage(code, Stage.PRODUCTION, by=AGENCY),
        TransitionRefused,
        "",
    ),
    "step not in the record": (
        lambda h, code: h.cases.record_step(code, "قدم ناشناخته", by=AGENCY),
        InvalidInput,
        "step",
    ),
    "malformed tracking code": (
        lambda h, code: h.cases.get_case("C-12"),
        InvalidInput,
        "tracking_code",
    ),
    "mistyped tracking code": (
        lambda h, code: h.cases.reject(
            code[:-1] + ("0" if code[-1] != "0" else "1"), reason="x", by=AGENCY
        ),
        InvalidInput,
        "tracking_code",
    ),
    "reject without a reason": (
        lambda h, code: h.cases.reject(code, reason=" ", by=AGENCY),
        InvalidInput,
        "reason",
    ),
    "bad revenue account": (
        lambda h, code: h.catalogue.register_service_record(
            "13021000999",
            spec(fee=cat.Fee(tariff_rials=10, revenue_account="IR000000000000000000000000")),
            by=AGENCY,
        ),
        InvalidInput,
        "spec.fee.revenue_account",
    ),
    "registering twice": (
        lambda h, code: h.catalogue.register_service_record(SERVICE_CODE, spec(), by=AGENCY),
        AlreadyExists,
        "",
    ),
    "another agency's case": (
        lambda h, code: h.cases.reject(code, reason="x", by="TAX"),
        AccessDenied,
        "",
    ),
    "a service registered for another agency": (
        lambda h, code: h.catalogue.register_service_record("13021000999", spec(), by="ROGUE"),
        AccessDenied,
        "",
    ),
    "a revision by another agency": (
        lambda h, code: h.catalogue.revise_service_record(
            SERVICE_CODE, spec(), reason="x", by="ROGUE"
        ),
        AccessDenied,
        "",
    ),
    "a rating carried by an unrelated agency": (
        lambda h, code: h.cases.rate_satisfaction(code, score=1, by="RIVAL"),
        AccessDenied,
        "",
    ),
    "a stale expected revision": (
        lambda h, code: h.catalogue.revise_service_record(
            SERVICE_CODE, spec(), reason="x", expected_revision=5, by=AGENCY
        ),
        AlreadyExists,
        "",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_command_names_its_field_and_stores_nothing(hub: TabadolHub, case: str) -> None:
    code = hub.cases.open_case(
        SERVICE_CODE, applicant(), channel="web", postal_code="1316943891", by=AGENCY
    ).tracking_code
    before = hub.recorder.max_notification_id()
    call, expected, field = REFUSALS[case]
    with pytest.raises(expected) as refused:
        call(hub, code)
    if field:
        assert isinstance(refused.value, InvalidInput)
        assert field in refused.value.fields
    assert str(refused.value)  # always a message a person can read
    assert hub.recorder.max_notification_id() == before


def test_a_case_moves_on_and_its_code_checks_out(hub: TabadolHub) -> None:
    opened = hub.cases.open_case(
        SERVICE_CODE, applicant(), channel="web", postal_code="1316943891", by=AGENCY
    )
    code = opened.tracking_code
    assert opened.status is CaseStatus.OPEN and applicant() not in opened.applicant_masked
    hub.cases.record_step(code, "ثبت درخواست", by=AGENCY)
    with pytest.raises(TransitionRefused, match="identity"):
        hub.cases.complete_stage(code, Stage.REQUEST, by=AGENCY)
    hub.exchange_records.record_identity(
        code, active=True, national_code=applicant(), level=2, by=AGENCY
    )
    hub.cases.complete_stage(code, Stage.REQUEST, by=AGENCY)
    case = hub.cases.load(code)
    assert case.stage is Stage.PRODUCTION
    check = hub.cases.verify_tracking_code(code.lower().replace("-", ""))
    assert check.authentic and check.issuing_agency == AGENCY and check.kind is TrackingKind.CASE


def test_a_tracking_code_never_issued_is_not_authentic(hub: TabadolHub) -> None:
    code = hub.cases.open_case(
        SERVICE_CODE, applicant(), channel="web", postal_code="1316943891", by=AGENCY
    ).tracking_code
    hub.close()
    other = TabadolHub(hub.signer, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        assert not other.cases.verify_tracking_code(code).authentic
        petition = other.petitions.submit_petition(
            kind="complaint", topic="x", subject="s", body="b", by="MYGOV"
        )
        with pytest.raises(InvalidInput, match="petition code"):
            other.cases.verify_tracking_code(petition.tracking_code)
    finally:
        other.close()


def test_revisions_keep_history_and_listing_filters_by_owner(hub: TabadolHub) -> None:
    revised = hub.catalogue.revise_service_record(
        SERVICE_CODE, spec(time_limit_hours=72), reason="کاهش زمان", expected_revision=1, by=AGENCY
    )
    assert revised.revision == 2 and revised.revision_reason == "کاهش زمان"
    assert hub.catalogue.get_service_record(SERVICE_CODE, 1).spec.time_limit_hours == 96
    assert [r.service_code for r in hub.catalogue.list_service_records("moj")] == [SERVICE_CODE]
    assert hub.catalogue.list_service_records("TAX") == []
