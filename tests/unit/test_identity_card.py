"""The full service identity card (004 art. 2, 4, 12; 002 art. 3 n1, def. 11-12): maturity
derived from the record, the non-electronic plan, in-person reasons, the fee's permit,
e-forms, no identity-document copies, staleness, and old events that still load."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import Application

from aggregates.errors import InvalidInput
from aggregates.id_copies import IDENTITY_COPY_RULE, mentions_identity_copy
from aggregates.identifiers import ServiceCode, Sheba
from aggregates.jalali import TEHRAN
from aggregates.service_record import (
    DEFAULT_EVALUATION,
    EvaluationMethod,
    ExternalRequirement,
    Fee,
    InquiryKind,
    Maturity,
    NonElectronicPlan,
    ProcessStep,
    QualityMeasure,
    Question,
    RequiredDocument,
    RequirementKind,
    ServiceRecord,
    ServiceRecordSpec,
    ServiceType,
    Stage,
    review_due,
)

SHEBA = Sheba.from_bban("0170000000100324200001").value
FORM = {
    "type": "object",
    "required": ["purpose"],
    "properties": {"purpose": {"type": "string", "minLength": 3}},
}


def spec(**changes: Any) -> ServiceRecordSpec:
    base = ServiceRecordSpec(
        title_fa="صدور پروانه",
        title_en="Licence",
        legal_basis="قانون نظام صنفی",
        service_type=ServiceType.SOVEREIGN,
        owner_agency="GUILDS",
        stakeholders=("کسب‌وکارها",),
        required_documents=(RequiredDocument("فرم درخواست", FORM),),
        required_inquiries=(InquiryKind.CIVIL_REGISTRATION,),
        identity_level=2,
        fee=Fee(1_000, SHEBA, "قانون بودجه ۱۴۰۵، جدول ۱۴"),
        in_person_required=False,
        process=(
            ProcessStep("ثبت", Stage.REQUEST, 1),
            ProcessStep("بررسی", Stage.PRODUCTION, 24),
            ProcessStep("تحویل", Stage.DELIVERY, 1),
        ),
        units=("اداره صدور",),
        evaluation_method="نظرسنجی برخط",
        time_limit_hours=48,
    )
    return dataclasses.replace(base, **changes)


def fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [v.field for v in error.value.violations]


def automated(*stages: Stage) -> tuple[ProcessStep, ...]:
    return tuple(ProcessStep(f"گام {s.value}", s, 1, automated=True) for s in stages)


# --- maturity (002 def. 11-12) -----------------------------------------------------------


def test_all_stages_electronic_with_a_person_deciding_is_online() -> None:
    assert spec().validated().maturity is Maturity.ONLINE


def test_online_with_no_human_step_is_smart() -> None:
    assert spec(process=automated(*Stage)).validated().maturity is Maturity.SMART


def test_a_paper_inquiry_keeps_an_automated_service_below_online() -> None:
    paper = ExternalRequirement(RequirementKind.INQUIRY, "TAX", "عدم بدهی", electronic=False)
    record = spec(
        process=automated(*Stage),
        external_requirements=(paper,),
        non_electronic=NonElectronicPlan(electronic_by="1405/12/29"),
    )
    # every stage runs electronically, but a paper inquiry is not online (def. 11)
    assert record.validated().maturity is Maturity.PARTLY_ELECTRONIC


def test_a_paper_step_makes_the_service_partly_electronic_and_all_paper_informational() -> None:
    plan = NonElectronicPlan(electronic_by="1405/06/31")
    partly = spec(
        process=(
            ProcessStep("ثبت", Stage.REQUEST, 1),
            ProcessStep("امضا", Stage.PRODUCTION, 1, electronic=False),
        ),
        non_electronic=plan,
    )
    assert partly.validated().maturity is Maturity.PARTLY_ELECTRONIC
    paper = spec(
        process=tuple(ProcessStep(f"p{s.value}", s, 1, electronic=False) for s in Stage),
        non_electronic=plan,
    )
    assert paper.validated().maturity is Maturity.INFORMATIONAL


def test_an_in_person_visit_is_not_online() -> None:
    record = spec(
        in_person_required=True,
        in_person_reasons=("انگشت‌نگاری",),
        non_electronic=NonElectronicPlan(electronic_by="1405/12/29"),
    ).validated()
    assert record.maturity is Maturity.PARTLY_ELECTRONIC
    assert not record.maturity.electronic


def test_an_automated_step_must_be_electronic() -> None:
    bad = spec(process=(ProcessStep("x", Stage.REQUEST, 1, electronic=False, automated=True),))
    with pytest.raises(InvalidInput) as error:
        bad.validated()
    assert fields(error) == ["spec.process[0].automated"]


# --- non-electronic services (004 art. 4 n1-n2) -----------------------------------------


def test_a_non_electronic_service_needs_a_timetable_or_the_deputys_approval() -> None:
    visit = {"in_person_required": True, "in_person_reasons": ("انگشت‌نگاری",)}
    with pytest.raises(InvalidInput) as error:
        spec(**visit).validated()
    assert fields(error) == ["spec.non_electronic"]
    assert "004 art. 4 n1" in str(error.value)
    timed = spec(**visit, non_electronic=NonElectronicPlan(electronic_by="1405/12/29"))
    assert timed.validated().non_electronic == NonElectronicPlan("1405/12/29", "", "")
    approved = NonElectronicPlan(
        reasons="حضور قانونی الزامی است", deputy_approval="۱۲۳/ص مورخ ۱۴۰۵/۰۲/۰۱"
    )
    assert spec(**visit, non_electronic=approved).validated().non_electronic == approved


@pytest.mark.parametrize(
    ("plan", "field"),
    [
        (NonElectronicPlan(electronic_by="1405/12/30"), "spec.non_electronic.electronic_by"),
        (NonElectronicPlan(reasons="دلیل"), "spec.non_electronic.deputy_approval"),
        (
            NonElectronicPlan(deputy_approval="123", electronic_by="1405/01/01"),
            "spec.non_electronic.deputy_approval",
        ),
    ],
)
def test_the_plan_is_checked(plan: NonElectronicPlan, field: str) -> None:
    record = spec(in_person_required=True, in_person_reasons=("x",), non_electronic=plan)
    with pytest.raises(InvalidInput) as error:
        record.validated()
    assert field in fields(error)


def test_an_online_service_carries_no_plan() -> None:
    with pytest.raises(InvalidInput) as error:
        spec(non_electronic=NonElectronicPlan(electronic_by="1405/12/29")).validated()
    assert fields(error) == ["spec.non_electronic"]


# --- in-person reasons, fee permit, identity levels --------------------------------------


def test_a_visit_needs_its_reasons_and_reasons_need_a_visit() -> None:
    plan = NonElectronicPlan(electronic_by="1405/12/29")
    with pytest.raises(InvalidInput) as error:
        spec(in_person_required=True, non_electronic=plan).validated()
    assert fields(error) == ["spec.in_person_reasons"]
    with pytest.raises(InvalidInput) as error:
        spec(in_person_reasons=("چرا",)).validated()
    assert fields(error) == ["spec.in_person_reasons"]


def test_the_fee_needs_its_legal_permit() -> None:
    with pytest.raises(InvalidInput) as error:
        spec(fee=Fee(1_000, SHEBA)).validated()
    assert fields(error) == ["spec.fee.legal_permit"]
    assert "004 art. 2" in str(error.value)


def test_identity_levels_for_natural_and_legal_persons() -> None:
    assert spec(legal_identity_level=3).validated().legal_identity_level == 3
    assert spec().validated().legal_identity_level == 0  # not for legal persons
    with pytest.raises(InvalidInput) as error:
        spec(legal_identity_level=5).validated()
    assert fields(error) == ["spec.legal_identity_level"]


def test_external_requirements_name_another_agency() -> None:
    good = (
        ExternalRequirement(RequirementKind.PERMIT, "moi", "پروانه ساخت", "MOI-BUILD"),
        ExternalRequirement(RequirementKind.SERVICE, "TAX", "مفاصاحساب", "1302100099"),
    )
    checked = spec(external_requirements=good).validated().external_requirements
    assert checked[0].agency == "MOI" and checked[1].reference == "1302100099"
    own = ExternalRequirement(RequirementKind.INQUIRY, "GUILDS", "x")
    bad_ref = ExternalRequirement(RequirementKind.SERVICE, "TAX", "x", "12")
    with pytest.raises(InvalidInput) as error:
        spec(external_requirements=(own, bad_ref)).validated()
    assert fields(error) == [
        "spec.external_requirements[0].agency",
        "spec.external_requirements[1].reference",
    ]


# --- e-forms (004 art. 2, art. 4 b) -------------------------------------------------------


def test_each_document_needs_a_valid_object_schema() -> None:
    cases = {
        "spec.required_documents[0].schema": RequiredDocument("a", {}),
        "spec.required_documents[1].schema": RequiredDocument("b", {"type": "objekt"}),
        "spec.required_documents[2].schema.type": RequiredDocument("c", {"type": "string"}),
    }
    with pytest.raises(InvalidInput) as error:
        spec(required_documents=tuple(cases.values())).validated()
    assert fields(error) == list(cases)


def test_form_data_is_checked_against_the_schema_with_paths() -> None:
    doc = RequiredDocument(
        "اظهارنامه",
        {
            "type": "object",
            "required": ["year"],
            "properties": {
                "year": {"type": "integer", "minimum": 1390},
                "items": {"type": "array", "items": {"type": "string"}},
            },
        },
    )
    assert doc.problems({"year": 1404}) == []
    problems = doc.problems({"year": 1200, "items": ["a", 3]})
    assert [p for p, _ in problems] == [".items[1]", ".year"]
    assert "1390" in problems[1][1]
    assert doc.problems({}) == [(".year", "'year' is required")]


# --- no copies of the national card or birth certificate (000; 004 art. 12) -------------

ASKS = [
    "تصویر کارت ملی",
    "کپی کارت ملی متقاضی",
    "کپی كارت ملي",  # Arabic kaf and yeh
    "تصویر صفحه\u200cاول شناسنامه",  # with ZWNJ
    "تصویر صفحه اول شناسنامه",
    "صفحهاولشناسنامه",  # ZWNJ dropped, words run together
    "اسکن کارت\u200cملی هوشمند",
    "فتوکپی شناسنامه",
    "شناسنامه",
    "كپي شناسنامه",
    "Copy of the national ID card",
    "photocopy of birth certificate",
    "Birth certificate (scan)",
    "national_card_image",
    "nationalCardCopy",
    "scan of your ID card",
    "Shenasnameh copy",
]
PASSES = [
    "فرم درخواست",
    "کد ملی متقاضی",
    "شناسنامه خدمت",
    "شناسنامه فنی ساختمان",
    "national code",
    "Application form",
    "certificate of no criminal record",
    "student card",
]


@pytest.mark.parametrize("text", ASKS)
def test_identity_copies_are_recognised(text: str) -> None:
    assert mentions_identity_copy(text)


@pytest.mark.parametrize("text", PASSES)
def test_other_documents_pass(text: str) -> None:
    assert not mentions_identity_copy(text)


@pytest.mark.parametrize("name", ["تصویر کارت ملی", "Copy of birth certificate"])
def test_a_record_asking_for_an_identity_copy_is_refused_citing_the_rule(name: str) -> None:
    with pytest.raises(InvalidInput) as error:
        spec(required_documents=(RequiredDocument(name, FORM),)).validated()
    assert fields(error) == ["spec.required_documents[0].name"]
    assert error.value.violations[0].description == IDENTITY_COPY_RULE
    assert "004 art. 12" in IDENTITY_COPY_RULE and "000" in IDENTITY_COPY_RULE


def test_an_identity_copy_hidden_in_the_form_is_refused() -> None:
    schema = {
        "type": "object",
        "properties": {
            "attachment": {"type": "string", "title": "تصویر کارت‌ملی", "contentEncoding": "base64"}
        },
    }
    with pytest.raises(InvalidInput) as error:
        spec(required_documents=(RequiredDocument("پیوست", schema),)).validated()
    assert fields(error) == ["spec.required_documents[0].schema"]
    field_named = {"type": "object", "properties": {"birth_certificate_scan": {"type": "string"}}}
    with pytest.raises(InvalidInput):
        spec(required_documents=(RequiredDocument("پیوست", field_named),)).validated()


def test_an_in_person_reason_asking_for_a_copy_is_refused() -> None:
    record = spec(
        in_person_required=True,
        in_person_reasons=("ارائه کپی شناسنامه",),
        non_electronic=NonElectronicPlan(electronic_by="1405/12/29"),
    )
    with pytest.raises(InvalidInput) as error:
        record.validated()
    assert fields(error) == ["spec.in_person_reasons[0]"]


# --- evaluation method (002 art. 8) --------------------------------------------------------


def test_the_evaluation_method_is_checked() -> None:
    method = EvaluationMethod(
        questions=(
            Question("overall", "رضایت", "Satisfaction"),
            Question("overall", "x", "y"),
            Question("Bad Key", "x", "y"),
        ),
        scale_min=2,
        scale_max=11,
        measures=(QualityMeasure.REWORK, QualityMeasure.REWORK),
        window_days=0,
    )
    with pytest.raises(InvalidInput) as error:
        spec(evaluation=method).validated()
    assert fields(error) == [
        "spec.evaluation.questions[1].key",
        "spec.evaluation.questions[2].key",
        "spec.evaluation.scale_min",
        "spec.evaluation.scale_max",
        "spec.evaluation.measures[1]",
        "spec.evaluation.window_days",
    ]


def test_a_scale_maps_onto_one_to_five() -> None:
    method = EvaluationMethod((Question("q", "س", "q"),), scale_min=0, scale_max=10)
    assert method.normalized(0) == 1 and method.normalized(10) == 5 and method.normalized(5) == 3


# --- staleness (002 art. 3 n1) -------------------------------------------------------------


def test_a_record_is_due_for_review_one_jalali_year_later() -> None:
    revised = datetime(2025, 3, 21, 8, 0, tzinfo=TEHRAN)  # 1404/01/01 08:00 Tehran
    due = review_due(revised)
    assert due.astimezone(TEHRAN) == datetime(2026, 3, 21, 8, 0, tzinfo=TEHRAN)  # 1405/01/01
    leap_end = datetime(2025, 3, 20, 12, 0, tzinfo=TEHRAN)  # 1403/12/30 (1403 is leap)
    assert (
        review_due(leap_end).astimezone(TEHRAN).date()
        == datetime(2026, 3, 21, tzinfo=TEHRAN).date()
    )


def test_a_record_not_revised_for_a_year_is_stale() -> None:
    record = ServiceRecord.register("12345678", spec(), by="GUILDS")
    assert not record.is_stale(record.revised_at + timedelta(days=364))
    assert record.is_stale(record.revised_at + timedelta(days=366))


# --- old events still load ----------------------------------------------------------------


def test_a_record_stored_before_the_full_card_still_loads() -> None:
    """A Registered event written by the first build: documents as names, no permit, no
    structured method. It loads with defaults, and its maturity is derived."""
    app: Application = Application()
    record = ServiceRecord.register("12345678", spec(), by="GUILDS")
    [registered] = record.collect_events()
    stored = app.mapper.to_stored_event(registered)
    state = json.loads(stored.state)
    old = state["spec"]
    for name in (
        "legal_identity_level",
        "in_person_reasons",
        "external_requirements",
        "non_electronic",
        "evaluation",
    ):
        old.pop(name)
    old["required_documents"] = ["فرم درخواست"]
    old["fee"].pop("legal_permit")
    for step in old["process"]:
        step.pop("electronic")
        step.pop("automated")
    app.recorder.insert_events([dataclasses.replace(stored, state=json.dumps(state).encode())])
    loaded: ServiceRecord = app.repository.get(
        ServiceRecord.create_id(ServiceCode.parse("12345678").value)
    )
    assert loaded.spec.required_documents == (RequiredDocument("فرم درخواست", {"type": "object"}),)
    assert loaded.spec.fee is not None and loaded.spec.fee.legal_permit == ""
    assert loaded.spec.evaluation == DEFAULT_EVALUATION
    assert loaded.spec.maturity is Maturity.ONLINE
