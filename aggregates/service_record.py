"""ServiceRecord (شناسنامه خدمت): a service's catalogue entry, by-law 004 art. 2."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    NAMESPACE,
    SHORT_TEXT,
    check_actor,
    check_int,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.errors import InvalidInput, TransitionRefused, Violation
from aggregates.identifiers import AgencyCode, ServiceCode, Sheba, normalize_digits
from aggregates.stages import Stage

__all__ = [
    "Fee",
    "InquiryKind",
    "ProcessStep",
    "ServiceRecord",
    "ServiceRecordSpec",
    "ServiceType",
    "Stage",
]

MAX_HOURS = 8760  # one year
DESCRIPTION_LENGTH = 500


class ServiceType(StrEnum):
    """نوع خدمت: sovereign (حاکمیتی), supportive (پشتیبانی), enterprise (بنگاهی)."""

    SOVEREIGN = "sovereign"
    SUPPORTIVE = "supportive"
    ENTERPRISE = "enterprise"


class InquiryKind(StrEnum):
    """استعلام: an inquiry the service needs from another agency's system."""

    CIVIL_REGISTRATION = "civil_registration"  # ثبت احوال
    DEEDS_REGISTRY = "deeds_registry"  # ثبت اسناد و املاک
    POSTAL_CODE = "postal_code"  # پست


@dataclass(frozen=True)
class ProcessStep:
    """One step of the service's process, in a stage, with its time limit."""

    name: str
    stage: Stage
    time_limit_hours: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe primitives."""
        return {
            "name": self.name,
            "stage": _enum_value(self.stage),
            "time_limit_hours": self.time_limit_hours,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProcessStep:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=str(d["name"]),
            stage=Stage(d["stage"]),
            time_limit_hours=int(d["time_limit_hours"]),
        )


@dataclass(frozen=True)
class Fee:
    """تعرفه: the tariff in rials and the Sheba of the treasury revenue account."""

    tariff_rials: int
    revenue_account: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe primitives."""
        return {"tariff_rials": self.tariff_rials, "revenue_account": self.revenue_account}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fee:
        """Inverse of :meth:`to_dict`."""
        return cls(tariff_rials=int(d["tariff_rials"]), revenue_account=str(d["revenue_account"]))


@dataclass(frozen=True)
class ServiceRecordSpec:
    """The content of a service record (شناسنامه خدمت), as an agency declares it."""

    title_fa: str
    title_en: str
    legal_basis: str
    service_type: ServiceType
    owner_agency: str
    stakeholders: tuple[str, ...]
    required_documents: tuple[str, ...]
    required_inquiries: tuple[InquiryKind, ...]
    identity_level: int
    fee: Fee | None
    in_person_required: bool
    process: tuple[ProcessStep, ...]
    units: tuple[str, ...]
    evaluation_method: str
    time_limit_hours: int

    def validated(self) -> ServiceRecordSpec:
        """The spec normalized (trimmed text, uppercase agency code and Sheba), or
        :class:`InvalidInput` listing every violation with ``spec.``-prefixed fields."""
        v: list[Violation] = []
        title_fa = _description(v, "spec.title_fa", self.title_fa, "Persian title")
        title_en = _description(v, "spec.title_en", self.title_en, "English title")
        legal_basis = _description(v, "spec.legal_basis", self.legal_basis, "legal basis")
        evaluation = _description(
            v, "spec.evaluation_method", self.evaluation_method, "evaluation method"
        )
        service_type = _check_enum(v, "spec.service_type", ServiceType, self.service_type)
        owner_agency = check_parsed(v, AgencyCode.parse, self.owner_agency, "spec.owner_agency")
        stakeholders = _text_list(v, "spec.stakeholders", self.stakeholders, "stakeholder")
        if not stakeholders and not any(x.field.startswith("spec.stakeholders") for x in v):
            v.append(Violation("spec.stakeholders", "at least one stakeholder is required"))
        documents = _text_list(
            v, "spec.required_documents", self.required_documents, "document name"
        )
        inquiries = self._checked_inquiries(v)
        identity_level = check_int(
            v, "spec.identity_level", self.identity_level, 1, 4, "identity level"
        )
        fee = self._checked_fee(v)
        if not isinstance(self.in_person_required, bool):
            v.append(Violation("spec.in_person_required", "in person required must be true/false"))
        process = self._checked_process(v)
        units = _text_list(v, "spec.units", self.units, "unit name")
        time_limit = check_int(
            v, "spec.time_limit_hours", self.time_limit_hours, 1, MAX_HOURS, "time limit (hours)"
        )
        raise_if_any(v)
        return ServiceRecordSpec(
            title_fa=title_fa,
            title_en=title_en,
            legal_basis=legal_basis,
            service_type=service_type,
            owner_agency=owner_agency,
            stakeholders=stakeholders,
            required_documents=documents,
            required_inquiries=inquiries,
            identity_level=identity_level,
            fee=fee,
            in_person_required=self.in_person_required,
            process=process,
            units=units,
            evaluation_method=evaluation,
            time_limit_hours=time_limit,
        )

    def _checked_inquiries(self, v: list[Violation]) -> tuple[InquiryKind, ...]:
        kinds: list[InquiryKind] = []
        for i, raw in enumerate(
            _as_sequence(v, "spec.required_inquiries", self.required_inquiries)
        ):
            field = f"spec.required_inquiries[{i}]"
            kind = _check_enum(v, field, InquiryKind, raw)
            if kind in kinds:
                v.append(Violation(field, f"inquiry {kind.value} is listed twice"))
            kinds.append(kind)
        return tuple(kinds)

    def _checked_fee(self, v: list[Violation]) -> Fee | None:
        if self.fee is None:
            return None
        if not isinstance(self.fee, Fee):
            v.append(Violation("spec.fee", "fee must be a Fee or absent"))
            return None
        tariff = self.fee.tariff_rials
        if isinstance(tariff, bool) or not isinstance(tariff, int) or tariff <= 0:
            v.append(
                Violation("spec.fee.tariff_rials", "tariff must be a positive number of rials")
            )
        account = check_parsed(v, Sheba.parse, self.fee.revenue_account, "spec.fee.revenue_account")
        return Fee(tariff_rials=tariff, revenue_account=account)

    def _checked_process(self, v: list[Violation]) -> tuple[ProcessStep, ...]:
        steps = _as_sequence(v, "spec.process", self.process)
        if not steps and not any(x.field == "spec.process" for x in v):
            v.append(Violation("spec.process", "the process needs at least one step"))
        checked: list[ProcessStep] = []
        names: set[str] = set()
        for i, step in enumerate(steps):
            prefix = f"spec.process[{i}]"
            if not isinstance(step, ProcessStep):
                v.append(Violation(prefix, "a process step must be a ProcessStep"))
                continue
            name = check_text(
                v, f"{prefix}.name", step.name, max_length=SHORT_TEXT, what="step name"
            )
            if name and name in names:
                v.append(Violation(f"{prefix}.name", f"step name {name!r} is used twice"))
            names.add(name)
            stage = _check_enum(v, f"{prefix}.stage", Stage, step.stage)
            hours = check_int(
                v, f"{prefix}.time_limit_hours", step.time_limit_hours, 1, MAX_HOURS, "time limit"
            )
            checked.append(ProcessStep(name=name, stage=stage, time_limit_hours=hours))
        return tuple(checked)

    def steps_for(self, stage: Stage) -> tuple[str, ...]:
        """The names of the process steps of ``stage``, in process order."""
        return tuple(step.name for step in self.process if step.stage == stage)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe primitives only (the events store this)."""
        return {
            "title_fa": self.title_fa,
            "title_en": self.title_en,
            "legal_basis": self.legal_basis,
            "service_type": _enum_value(self.service_type),
            "owner_agency": self.owner_agency,
            "stakeholders": list(self.stakeholders),
            "required_documents": list(self.required_documents),
            "required_inquiries": [_enum_value(k) for k in self.required_inquiries],
            "identity_level": self.identity_level,
            "fee": None if self.fee is None else self.fee.to_dict(),
            "in_person_required": self.in_person_required,
            "process": [step.to_dict() for step in self.process],
            "units": list(self.units),
            "evaluation_method": self.evaluation_method,
            "time_limit_hours": self.time_limit_hours,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ServiceRecordSpec:
        """Inverse of :meth:`to_dict`."""
        fee = d.get("fee")
        return cls(
            title_fa=str(d["title_fa"]),
            title_en=str(d["title_en"]),
            legal_basis=str(d["legal_basis"]),
            service_type=ServiceType(d["service_type"]),
            owner_agency=str(d["owner_agency"]),
            stakeholders=tuple(str(x) for x in d["stakeholders"]),
            required_documents=tuple(str(x) for x in d["required_documents"]),
            required_inquiries=tuple(InquiryKind(x) for x in d["required_inquiries"]),
            identity_level=int(d["identity_level"]),
            fee=None if fee is None else Fee.from_dict(fee),
            in_person_required=bool(d["in_person_required"]),
            process=tuple(ProcessStep.from_dict(x) for x in d["process"]),
            units=tuple(str(x) for x in d.get("units", ())),
            evaluation_method=str(d["evaluation_method"]),
            time_limit_hours=int(d["time_limit_hours"]),
        )


_E = TypeVar("_E", bound=Enum)


def _enum_value(member: Enum | str) -> str:
    return str(member.value) if isinstance(member, Enum) else str(member)


def _check_enum(v: list[Violation], field: str, enum: type[_E], raw: Any) -> _E:
    """``raw`` as a member of ``enum`` (a member or its value); else a violation."""
    if isinstance(raw, enum):
        return raw
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum)
        what = field.rsplit(".", 1)[-1].split("[")[0].replace("_", " ")
        v.append(Violation(field, f"{what} must be one of {allowed}, got {raw!r}"))
        return next(iter(enum))


def _description(v: list[Violation], field: str, value: Any, what: str) -> str:
    return check_text(v, field, value, max_length=DESCRIPTION_LENGTH, what=what)


def _as_sequence(v: list[Violation], field: str, value: Any) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        v.append(Violation(field, "must be a list"))
        return ()
    return tuple(value)


def _text_list(v: list[Violation], field: str, value: Any, what: str) -> tuple[str, ...]:
    return tuple(
        check_text(v, f"{field}[{i}]", item, max_length=SHORT_TEXT, what=what)
        for i, item in enumerate(_as_sequence(v, field, value))
    )


class ServiceRecord(Aggregate, created_event_name="Registered"):
    """شناسنامه خدمت: the authoritative, revisioned description of one public service.

    Its id derives from the service code, so registering a code twice conflicts in the
    event store. Create with :meth:`register`; change with :meth:`revise`.
    """

    TOPIC = "tabadol.service_record"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Registered(Event, Aggregate.Created):
        """The record was registered (its first revision)."""

        TOPIC = "tabadol.service_record.registered"
        service_code: str
        spec: dict[str, Any]
        by: str

    Created = Registered  # the framework's "created" slot is Registered, under its topic

    class Revised(Event):
        """The record was revised: the whole spec is replaced."""

        TOPIC = "tabadol.service_record.revised"
        spec: dict[str, Any]
        reason: str
        by: str

        def apply(self, aggregate: ServiceRecord) -> None:
            aggregate._spec = ServiceRecordSpec.from_dict(self.spec)
            aggregate._revised_by = self.by
            aggregate._revision_reason = self.reason

    @staticmethod
    def create_id(service_code: str) -> UUID:
        """Deterministic id: uuid5 of Tabadol's namespace and ``service-record:<code>``."""
        return uuid5(NAMESPACE, "service-record:" + normalize_digits(service_code))

    def __init__(self, service_code: str, spec: dict[str, Any], by: str) -> None:
        # Runs when Registered is applied; use register() to create a record.
        self._service_code = service_code
        self._spec = ServiceRecordSpec.from_dict(spec)
        self._registered_by = by
        self._revised_by = by
        self._revision_reason = ""

    @classmethod
    def register(
        cls, service_code: ServiceCode | str, spec: ServiceRecordSpec, by: str
    ) -> ServiceRecord:
        """Register a new service record; ``spec`` is validated first.

        ``service_code`` may also be given as text, parsed with field ``service_code``.
        """
        violations: list[Violation] = []
        code = check_parsed(violations, ServiceCode.parse, str(service_code), "service_code")
        checked = spec
        try:
            checked = spec.validated()
        except InvalidInput as error:
            violations.extend(error.violations)
        actor = check_actor(violations, by)
        raise_if_any(violations)
        return cls(service_code=code, spec=checked.to_dict(), by=actor)

    def revise(self, spec: ServiceRecordSpec, reason: str, by: str) -> None:
        """Replace the spec; ``reason`` is required and the spec must actually change."""
        violations: list[Violation] = []
        checked = spec
        try:
            checked = spec.validated()
        except InvalidInput as error:
            violations.extend(error.violations)
        text = check_text(
            violations, "reason", reason, max_length=DESCRIPTION_LENGTH, what="reason"
        )
        actor = check_actor(violations, by)
        raise_if_any(violations)
        if checked == self._spec:
            msg = f"nothing changed: the spec equals revision {self.revision}"
            raise TransitionRefused(msg, field="spec")
        self.trigger_event(self.Revised, spec=checked.to_dict(), reason=text, by=actor)

    @property
    def service_code(self) -> str:
        """شناسه خدمت."""
        return self._service_code

    @property
    def spec(self) -> ServiceRecordSpec:
        """The current spec."""
        return self._spec

    @property
    def revision(self) -> int:
        """1 after registration, +1 per revision (the aggregate version)."""
        return self.version

    @property
    def registered_by(self) -> str:
        """Who registered the record."""
        return self._registered_by

    @property
    def registered_at(self) -> datetime:
        """When the record was registered (UTC)."""
        return self.created_on

    @property
    def revised_by(self) -> str:
        """Who made the current revision (the registrant for revision 1)."""
        return self._revised_by

    @property
    def revision_reason(self) -> str:
        """Why the current revision was made ('' for revision 1)."""
        return self._revision_reason

    @property
    def revised_at(self) -> datetime:
        """When the current revision was made (UTC)."""
        return self.modified_on
