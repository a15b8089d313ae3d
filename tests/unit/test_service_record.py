"""ServiceRecord (شناسنامه خدمت): spec rules, registration, revision, event round trip."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.identifiers import ServiceCode, Sheba
from aggregates.service_record import (
    Fee,
    InquiryKind,
    ProcessStep,
    RequiredDocument,
    ServiceRecord,
    ServiceRecordSpec,
    ServiceType,
    Stage,
)

PERMIT = "قانون بودجه ۱۴۰۵، جدول ۱۴"
FORM = {"type": "object", "properties": {"purpose": {"type": "string"}}}
CODE = ServiceCode.parse("12345678")
SHEBA = Sheba.from_bban("0170000000100324200001").value


def make_spec(**changes: Any) -> ServiceRecordSpec:
    spec = ServiceRecordSpec(
        title_fa="صدور گواهی عدم سوء پیشینه",
        title_en="Certificate of no criminal record",
        legal_basis="قانون مدیریت خدمات کشوری، ماده ۱",
        service_type=ServiceType.SOVEREIGN,
        owner_agency="JUDICIARY",
        stakeholders=("شهروندان",),
        required_documents=(RequiredDocument("فرم درخواست", FORM),),
        required_inquiries=(InquiryKind.CIVIL_REGISTRATION,),
        identity_level=2,
        fee=Fee(tariff_rials=500_000, revenue_account=SHEBA, legal_permit=PERMIT),
        in_person_required=False,
        process=(
            ProcessStep("دریافت درخواست", Stage.REQUEST, 4),
            ProcessStep("استعلام ثبت احوال", Stage.PRODUCTION, 24),
            ProcessStep("صدور گواهی", Stage.PRODUCTION, 48),
            ProcessStep("ارسال به متقاضی", Stage.DELIVERY, 24),
        ),
        units=("دفاتر خدمات الکترونیک قضایی",),
        evaluation_method="نظرسنجی پس از تحویل",
        time_limit_hours=120,
    )
    return dataclasses.replace(spec, **changes)


def step(name: str = "x", stage: Stage = Stage.REQUEST, hours: int = 1) -> ProcessStep:
    return ProcessStep(name, stage, hours)


def fields_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [v.field for v in error.value.violations]


# --- ServiceRecordSpec ----------------------------------------------------------------


def test_a_good_spec_validates_unchanged() -> None:
    spec = make_spec()
    assert spec.validated() == spec


def test_validated_normalizes_text_agency_and_sheba() -> None:
    spaced = SHEBA.lower()[:6] + " " + SHEBA.lower()[6:]
    spec = make_spec(
        title_en="  Certificate  ",
        owner_agency=" judiciary ",
        fee=Fee(500_000, spaced, PERMIT),
        stakeholders=(" شهروندان ",),
        process=(step(" گام ", Stage.REQUEST, 2),),
    ).validated()
    assert spec.title_en == "Certificate"
    assert spec.owner_agency == "JUDICIARY"
    assert spec.fee == Fee(500_000, SHEBA, PERMIT)
    assert spec.stakeholders == ("شهروندان",)
    assert spec.process[0].name == "گام"


def test_validated_accepts_enum_values_as_text() -> None:
    spec = make_spec(
        service_type="enterprise",
        required_inquiries=("postal_code",),
        process=(ProcessStep("a", "delivery", 1),),  # type: ignore[arg-type]
    ).validated()
    assert spec.service_type is ServiceType.ENTERPRISE
    assert spec.required_inquiries == (InquiryKind.POSTAL_CODE,)
    assert spec.process[0].stage is Stage.DELIVERY


def test_a_spec_without_fee_is_fine() -> None:
    assert make_spec(fee=None).validated().fee is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title_fa": ""}, "spec.title_fa"),
        ({"title_en": "   "}, "spec.title_en"),
        ({"title_en": "x" * 501}, "spec.title_en"),
        ({"legal_basis": ""}, "spec.legal_basis"),
        ({"evaluation_method": ""}, "spec.evaluation_method"),
        ({"evaluation_method": "x" * 501}, "spec.evaluation_method"),
        ({"service_type": None}, "spec.service_type"),
        ({"service_type": "military"}, "spec.service_type"),
        ({"owner_agency": "1JUD"}, "spec.owner_agency"),
        ({"owner_agency": ""}, "spec.owner_agency"),
        ({"stakeholders": ()}, "spec.stakeholders"),
        ({"stakeholders": ("ok", " ")}, "spec.stakeholders[1]"),
        ({"required_documents": ("",)}, "spec.required_documents[0]"),
        ({"required_inquiries": ("telepathy",)}, "spec.required_inquiries[0]"),
        (
            {"required_inquiries": (InquiryKind.POSTAL_CODE, InquiryKind.POSTAL_CODE)},
            "spec.required_inquiries[1]",
        ),
        ({"identity_level": 0}, "spec.identity_level"),
        ({"identity_level": 5}, "spec.identity_level"),
        ({"identity_level": True}, "spec.identity_level"),
        ({"fee": Fee(0, SHEBA, PERMIT)}, "spec.fee.tariff_rials"),
        ({"fee": Fee(-1, SHEBA, PERMIT)}, "spec.fee.tariff_rials"),
        ({"fee": Fee(1000, "IR000170000000100324200001", PERMIT)}, "spec.fee.revenue_account"),
        ({"fee": Fee(1000, "", PERMIT)}, "spec.fee.revenue_account"),
        ({"in_person_required": "yes"}, "spec.in_person_required"),
        ({"process": ()}, "spec.process"),
        ({"process": (step(""),)}, "spec.process[0].name"),
        ({"process": (step("a"), step("b"), step("a"))}, "spec.process[2].name"),
        ({"process": (step("a"), step("b", hours=0))}, "spec.process[1].time_limit_hours"),
        (
            {"process": (step("a"), step("b"), step("c", hours=8761))},
            "spec.process[2].time_limit_hours",
        ),
        ({"process": (step("a"), ProcessStep("b", "later", 1))}, "spec.process[1].stage"),  # type: ignore[arg-type]
        ({"units": ("x" * 201,)}, "spec.units[0]"),
        ({"time_limit_hours": 0}, "spec.time_limit_hours"),
        ({"time_limit_hours": 8761}, "spec.time_limit_hours"),
    ],
)
def test_each_rule_names_its_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        make_spec(**changes).validated()
    assert fields_of(error) == [field]


def test_time_limits_at_the_bounds_are_fine() -> None:
    make_spec(time_limit_hours=1, process=(step("a", hours=8760),)).validated()
    make_spec(time_limit_hours=8760).validated()


def test_all_violations_are_listed_at_once() -> None:
    spec = make_spec(
        title_en="",
        identity_level=9,
        fee=Fee(0, "nope", PERMIT),
        process=(step("a"), step("a", hours=0)),
    )
    with pytest.raises(InvalidInput) as error:
        spec.validated()
    assert fields_of(error) == [
        "spec.title_en",
        "spec.identity_level",
        "spec.fee.tariff_rials",
        "spec.fee.revenue_account",
        "spec.process[1].name",
        "spec.process[1].time_limit_hours",
    ]
    assert "spec.title_en: English title is required" in str(error.value)


def test_to_dict_is_json_primitives_and_round_trips() -> None:
    spec = make_spec()
    data = spec.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["service_type"] == "sovereign"
    assert data["process"][0] == {
        "name": "دریافت درخواست",
        "stage": "request",
        "time_limit_hours": 4,
        "electronic": True,
        "automated": False,
    }
    assert ServiceRecordSpec.from_dict(data) == spec
    assert ServiceRecordSpec.from_dict(json.loads(json.dumps(make_spec(fee=None).to_dict()))) == (
        make_spec(fee=None)
    )


def test_steps_for_a_stage_keeps_process_order() -> None:
    spec = make_spec()
    assert spec.steps_for(Stage.REQUEST) == ("دریافت درخواست",)
    assert spec.steps_for(Stage.PRODUCTION) == ("استعلام ثبت احوال", "صدور گواهی")
    assert spec.steps_for(Stage.DELIVERY) == ("ارسال به متقاضی",)


# --- ServiceRecord --------------------------------------------------------------------


def registered() -> ServiceRecord:
    record = ServiceRecord.register(CODE, make_spec(), by="catalogue-admin")
    record.collect_events()
    return record


def test_register_creates_revision_one() -> None:
    record = ServiceRecord.register(CODE, make_spec(owner_agency="judiciary"), by="admin")
    assert record.id == ServiceRecord.create_id("12345678")
    assert record.service_code == "12345678"
    assert record.spec == make_spec()
    assert record.revision == 1
    assert record.registered_by == "admin"
    assert record.revised_by == "admin"
    assert record.revision_reason == ""
    assert record.revised_at == record.registered_at == record.created_on
    [event] = record.collect_events()
    assert isinstance(event, ServiceRecord.Registered)
    assert event.service_code == "12345678"
    assert event.spec == make_spec().to_dict()
    assert event.by == "admin"


def test_register_accepts_the_code_as_text() -> None:
    assert ServiceRecord.register("۱۲۳۴۵۶۷۸", make_spec(), by="admin").service_code == "12345678"


def test_ids_are_deterministic_per_service_code() -> None:
    assert ServiceRecord.create_id("12345678") == ServiceRecord.create_id("۱۲۳۴۵۶۷۸")
    assert ServiceRecord.create_id("12345678") != ServiceRecord.create_id("12345679")


def test_register_refuses_an_invalid_spec_listing_every_violation() -> None:
    with pytest.raises(InvalidInput) as error:
        ServiceRecord.register(CODE, make_spec(title_fa="", time_limit_hours=0), by="")
    assert fields_of(error) == ["spec.title_fa", "spec.time_limit_hours", "by"]


def test_register_refuses_a_bad_service_code() -> None:
    with pytest.raises(InvalidInput) as error:
        ServiceRecord.register("123", make_spec(), by="admin")
    assert fields_of(error) == ["service_code"]


def test_revise_replaces_the_spec() -> None:
    record = registered()
    record.revise(make_spec(time_limit_hours=96), reason=" تسریع فرایند ", by="editor")
    assert record.revision == 2
    assert record.spec.time_limit_hours == 96
    assert record.revised_by == "editor"
    assert record.registered_by == "catalogue-admin"
    assert record.revision_reason == "تسریع فرایند"
    assert record.revised_at == record.modified_on
    assert record.revised_at >= record.registered_at
    [event] = record.collect_events()
    assert isinstance(event, ServiceRecord.Revised)
    assert event.spec["time_limit_hours"] == 96
    assert event.reason == "تسریع فرایند"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_revise_needs_a_reason_and_changes_nothing_without_one(reason: str) -> None:
    record = registered()
    with pytest.raises(InvalidInput) as error:
        record.revise(make_spec(time_limit_hours=96), reason=reason, by="editor")
    assert fields_of(error) == ["reason"]
    assert record.collect_events() == []
    assert record.revision == 1
    assert record.spec == make_spec()


def test_revise_refuses_an_identical_spec() -> None:
    record = registered()
    with pytest.raises(TransitionRefused) as error:
        record.revise(make_spec(owner_agency="judiciary"), reason="again", by="editor")
    assert error.value.field == "spec"
    assert "nothing changed" in error.value.message
    assert record.collect_events() == []


def test_revise_refuses_an_invalid_spec_and_changes_nothing() -> None:
    record = registered()
    with pytest.raises(InvalidInput) as error:
        record.revise(make_spec(identity_level=0, stakeholders=()), reason="", by=" ")
    assert fields_of(error) == ["spec.stakeholders", "spec.identity_level", "reason", "by"]
    assert record.collect_events() == []
    assert record.revision == 1


def test_every_event_has_an_explicit_topic() -> None:
    assert ServiceRecord.TOPIC == "tabadol.service_record"
    assert get_topic(ServiceRecord) == "tabadol.service_record"
    assert get_topic(ServiceRecord.Registered) == "tabadol.service_record.registered"
    assert get_topic(ServiceRecord.Revised) == "tabadol.service_record.revised"
    assert ServiceRecord.Created is ServiceRecord.Registered


def application() -> Application[Any]:
    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_record_is_rebuilt_from_its_stored_events() -> None:
    app = application()
    record = ServiceRecord.register(CODE, make_spec(), by="admin")
    record.revise(make_spec(fee=None), reason="free of charge", by="editor")
    app.save(record)
    copy: ServiceRecord = app.repository.get(record.id)
    assert isinstance(copy, ServiceRecord)
    assert copy == record
    assert copy.spec == make_spec(fee=None)
    assert copy.revision == 2
    assert (copy.revised_by, copy.revision_reason) == ("editor", "free of charge")
    first: ServiceRecord = app.repository.get(record.id, version=1)
    assert first.spec == make_spec()
    topics = [n.topic for n in app.notification_log.select(1, 10)]
    assert topics == ["tabadol.service_record.registered", "tabadol.service_record.revised"]


def test_registering_a_code_twice_conflicts_in_the_store() -> None:
    app = application()
    app.save(ServiceRecord.register(CODE, make_spec(), by="admin"))
    with pytest.raises(IntegrityError):
        app.save(ServiceRecord.register(CODE, make_spec(title_en="Other"), by="admin"))
