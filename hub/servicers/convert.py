"""Proto ⇄ domain translation shared by the servicers (no business rules here)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp
from tabadol.catalogue.v1 import catalogue_pb2 as cat

from aggregates.errors import InvalidInput, Violation
from aggregates.jalali import format_jalali
from aggregates.service_record import (
    Fee,
    InquiryKind,
    ProcessStep,
    ServiceRecordSpec,
    ServiceType,
    Stage,
)

__all__ = [
    "enum_from_proto",
    "enum_to_proto",
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
    if violations:
        raise InvalidInput(*violations)
    assert service_type is not None
    return ServiceRecordSpec(
        title_fa=spec.title_fa,
        title_en=spec.title_en,
        legal_basis=spec.legal_basis,
        service_type=service_type,
        owner_agency=spec.owner_agency,
        stakeholders=tuple(spec.stakeholders),
        required_documents=tuple(spec.required_documents),
        required_inquiries=tuple(k for k in inquiries if k is not None),
        identity_level=spec.identity_level,
        fee=Fee(spec.fee.tariff_rials, spec.fee.revenue_account) if spec.HasField("fee") else None,
        in_person_required=spec.in_person_required,
        process=tuple(
            ProcessStep(s.name, stage, s.time_limit_hours)
            for s, stage in zip(spec.process, stages, strict=True)
            if stage is not None
        ),
        units=tuple(spec.units),
        evaluation_method=spec.evaluation_method,
        time_limit_hours=spec.time_limit_hours,
    )


def spec_to_proto(spec: ServiceRecordSpec) -> cat.ServiceRecordSpec:
    return cat.ServiceRecordSpec(
        title_fa=spec.title_fa,
        title_en=spec.title_en,
        legal_basis=spec.legal_basis,
        service_type=enum_to_proto(cat.ServiceType, "SERVICE_TYPE_", spec.service_type),
        owner_agency=spec.owner_agency,
        stakeholders=list(spec.stakeholders),
        required_documents=list(spec.required_documents),
        required_inquiries=[
            enum_to_proto(cat.InquiryKind, "INQUIRY_KIND_", k) for k in spec.required_inquiries
        ],
        identity_level=spec.identity_level,
        fee=cat.Fee(tariff_rials=spec.fee.tariff_rials, revenue_account=spec.fee.revenue_account)
        if spec.fee
        else None,
        in_person_required=spec.in_person_required,
        process=[
            cat.ProcessStep(
                name=s.name, stage=stage_to_proto(s.stage), time_limit_hours=s.time_limit_hours
            )
            for s in spec.process
        ],
        units=list(spec.units),
        evaluation_method=spec.evaluation_method,
        time_limit_hours=spec.time_limit_hours,
    )
