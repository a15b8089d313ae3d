"""Proto ⇄ domain translation shared by the servicers (no business rules here)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp
from tabadol.catalogue.v1 import catalogue_pb2 as cat

from aggregates.errors import InvalidInput, Violation
from aggregates.jalali import format_jalali
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
    ServiceRecordSpec,
    ServiceType,
    Stage,
)

__all__ = [
    "enum_from_proto",
    "enum_to_proto",
    "evaluation_to_proto",
    "maturity_to_proto",
    "plan_to_proto",
    "spec_from_proto",
    "spec_to_proto",
    "timestamp",
]

_E = TypeVar("_E", bound=Enum)


def enum_from_proto(kind: type[_E], descriptor: Any, prefix: str, value: int, field: str) -> _E:
    """A proto enum number as the domain enum; UNSPECIFIED or unknown is a field error."""
    try:
        name = descriptor.Name(value)
    except ValueError:
        raise InvalidInput.field(field, f"unknown value {value}") from None
    member = name.removeprefix(prefix)
    if member == "UNSPECIFIED" or member not in kind.__members__:
        choices = ", ".join(m.lower() for m in kind.__members__)
        raise InvalidInput.field(field, f"must be set: one of {choices}")
    return kind[member]


def enum_to_proto(descriptor: Any, prefix: str, member: Enum) -> int:
    return int(descriptor.Value(prefix + member.name))


def timestamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


def jalali(moment: datetime, persian_digits: bool = False) -> str:
    return format_jalali(moment, persian_digits=persian_digits)


def stage_from_proto(value: int, field: str = "stage") -> Stage:
    return enum_from_proto(Stage, cat.Stage, "STAGE_", value, field)


def stage_to_proto(stage: Stage) -> int:
    return enum_to_proto(cat.Stage, "STAGE_", stage)


def spec_from_proto(spec: cat.ServiceRecordSpec, field: str = "spec") -> ServiceRecordSpec:
    """Translate, collecting every enum problem; the domain then validates the rest."""
    violations: list[Violation] = []

    def convert(kind: type[_E], descriptor: Any, prefix: str, value: int, name: str) -> _E | None:
        try:
            return enum_from_proto(kind, descriptor, prefix, value, name)
        except InvalidInput as error:
            violations.extend(error.violations)
            return None

    service_type = convert(
        ServiceType, cat.ServiceType, "SERVICE_TYPE_", spec.service_type, f"{field}.service_type"
    )
    inquiries = [
        convert(
            InquiryKind, cat.InquiryKind, "INQUIRY_KIND_", v, f"{field}.required_inquiries[{i}]"
        )
        for i, v in enumerate(spec.required_inquiries)
    ]
    stages = [
        convert(Stage, cat.Stage, "STAGE_", s.stage, f"{field}.process[{i}].stage")
        for i, s in enumerate(spec.process)
    ]
    kinds = [
        convert(
            RequirementKind,
            cat.RequirementKind,
            "REQUIREMENT_KIND_",
            r.kind,
            f"{field}.external_requirements[{i}].kind",
        )
        for i, r in enumerate(spec.external_requirements)
    ]
    measures = [
        convert(
            QualityMeasure,
            cat.QualityMeasure,
            "QUALITY_MEASURE_",
            m,
            f"{field}.evaluation.measures[{i}]",
        )
        for i, m in enumerate(spec.evaluation.measures)
    ]
    documents = []
    for i, doc in enumerate(spec.required_documents):
        try:
            schema = json.loads(doc.json_schema) if doc.json_schema.strip() else {}
        except json.JSONDecodeError as error:
            violations.append(
                Violation(f"{field}.required_documents[{i}].json_schema", f"not JSON: {error}")
            )
            continue
        documents.append(RequiredDocument(doc.name, schema))
    if violations:
        raise InvalidInput(*violations)
    assert service_type is not None
    evaluation = DEFAULT_EVALUATION
    if spec.HasField("evaluation"):
        e = spec.evaluation
        evaluation = EvaluationMethod(
            questions=tuple(Question(q.key, q.text_fa, q.text_en) for q in e.questions),
            scale_min=e.scale_min,
            scale_max=e.scale_max,
            measures=tuple(m for m in measures if m is not None),
            window_days=e.window_days,
        )
    plan = None
    if spec.HasField("non_electronic"):
        n = spec.non_electronic
        plan = NonElectronicPlan(n.electronic_by, n.reasons, n.deputy_approval)
    return ServiceRecordSpec(
        title_fa=spec.title_fa,
        title_en=spec.title_en,
        legal_basis=spec.legal_basis,
        service_type=service_type,
        owner_agency=spec.owner_agency,
        stakeholders=tuple(spec.stakeholders),
        required_documents=tuple(documents),
        required_inquiries=tuple(k for k in inquiries if k is not None),
        identity_level=spec.identity_level,
        fee=Fee(spec.fee.tariff_rials, spec.fee.revenue_account, spec.fee.legal_permit)
        if spec.HasField("fee")
        else None,
        in_person_required=spec.in_person_required,
        process=tuple(
            ProcessStep(s.name, stage, s.time_limit_hours, not s.on_paper, s.automated)
            for s, stage in zip(spec.process, stages, strict=True)
            if stage is not None
        ),
        units=tuple(spec.units),
        evaluation_method=spec.evaluation_method,
        time_limit_hours=spec.time_limit_hours,
        legal_identity_level=spec.legal_identity_level,
        in_person_reasons=tuple(spec.in_person_reasons),
        external_requirements=tuple(
            ExternalRequirement(kind, r.agency, r.name, r.reference, not r.on_paper)
            for r, kind in zip(spec.external_requirements, kinds, strict=True)
            if kind is not None
        ),
        non_electronic=plan,
        evaluation=evaluation,
    )


def maturity_to_proto(maturity: Maturity) -> int:
    return enum_to_proto(cat.Maturity, "MATURITY_", maturity)


def plan_to_proto(plan: NonElectronicPlan | None) -> cat.NonElectronicPlan | None:
    if plan is None:
        return None
    return cat.NonElectronicPlan(
        electronic_by=plan.electronic_by, reasons=plan.reasons, deputy_approval=plan.deputy_approval
    )


def evaluation_to_proto(e: EvaluationMethod) -> cat.EvaluationMethod:
    return cat.EvaluationMethod(
        questions=[
            cat.Question(key=q.key, text_fa=q.text_fa, text_en=q.text_en) for q in e.questions
        ],
        scale_min=e.scale_min,
        scale_max=e.scale_max,
        measures=[enum_to_proto(cat.QualityMeasure, "QUALITY_MEASURE_", m) for m in e.measures],
        window_days=e.window_days,
    )


def spec_to_proto(spec: ServiceRecordSpec) -> cat.ServiceRecordSpec:
    return cat.ServiceRecordSpec(
        title_fa=spec.title_fa,
        title_en=spec.title_en,
        legal_basis=spec.legal_basis,
        service_type=enum_to_proto(cat.ServiceType, "SERVICE_TYPE_", spec.service_type),
        owner_agency=spec.owner_agency,
        stakeholders=list(spec.stakeholders),
        required_documents=[
            cat.RequiredDocument(
                name=d.name, json_schema=json.dumps(dict(d.schema), ensure_ascii=False)
            )
            for d in spec.required_documents
        ],
        required_inquiries=[
            enum_to_proto(cat.InquiryKind, "INQUIRY_KIND_", k) for k in spec.required_inquiries
        ],
        identity_level=spec.identity_level,
        fee=cat.Fee(
            tariff_rials=spec.fee.tariff_rials,
            revenue_account=spec.fee.revenue_account,
            legal_permit=spec.fee.legal_permit,
        )
        if spec.fee
        else None,
        in_person_required=spec.in_person_required,
        process=[
            cat.ProcessStep(
                name=s.name,
                stage=stage_to_proto(s.stage),
                time_limit_hours=s.time_limit_hours,
                on_paper=not s.electronic,
                automated=s.automated,
            )
            for s in spec.process
        ],
        units=list(spec.units),
        evaluation_method=spec.evaluation_method,
        time_limit_hours=spec.time_limit_hours,
        legal_identity_level=spec.legal_identity_level,
        in_person_reasons=list(spec.in_person_reasons),
        external_requirements=[
            cat.ExternalRequirement(
                kind=enum_to_proto(cat.RequirementKind, "REQUIREMENT_KIND_", r.kind),
                agency=r.agency,
                name=r.name,
                reference=r.reference,
                on_paper=not r.electronic,
            )
            for r in spec.external_requirements
        ],
        non_electronic=plan_to_proto(spec.non_electronic),
        evaluation=evaluation_to_proto(spec.evaluation),
    )
