"""ServiceRecord (شناسنامه خدمت): a service's catalogue entry, by-law 004 art. 2."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum, IntEnum, StrEnum
from typing import Any, TypeVar
from uuid import UUID, uuid5

import jdatetime
import jsonschema
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
from aggregates.errors import InvalidInput, TransitionRefused, Violation, shown
from aggregates.id_copies import IDENTITY_COPY_RULE, mentions_identity_copy
from aggregates.identifiers import AgencyCode, ServiceCode, Sheba, normalize_digits
from aggregates.jalali import TEHRAN, parse_jalali_date
from aggregates.stages import Stage
from aggregates.values import value_object

__all__ = [
    "DEFAULT_EVALUATION",
    "EvaluationMethod",
    "ExternalRequirement",
    "Fee",
    "InquiryKind",
    "Maturity",
    "NonElectronicPlan",
    "ProcessStep",
    "QualityMeasure",
    "Question",
    "RequiredDocument",
    "RequirementKind",
    "ServiceRecord",
    "ServiceRecordSpec",
    "ServiceType",
    "Stage",
    "review_due",
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


@value_object
@dataclass(frozen=True)
class ProcessStep:
    """One step of the service's process, in a stage, with its time limit.

    ``electronic``: the step runs on e-forms and a predefined workflow (002 def. 11), not
    on paper or at a desk; ``automated``: no human acts in it (002 def. 12). Steps stored
    before these flags existed read as electronic and not automated.
    """

    name: str
    stage: Stage
    time_limit_hours: int
    electronic: bool = True
    automated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe primitives."""
        return {
            "name": self.name,
            "stage": _enum_value(self.stage),
            "time_limit_hours": self.time_limit_hours,
            "electronic": self.electronic,
            "automated": self.automated,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProcessStep:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=str(d["name"]),
            stage=Stage(d["stage"]),
            time_limit_hours=int(d["time_limit_hours"]),
            electronic=bool(d.get("electronic", True)),
            automated=bool(d.get("automated", False)),
        )


@value_object
@dataclass(frozen=True)
class Fee:
    """مجوز و تعرفه اخذ هزینه و شماره حساب (004 art. 2): the legal permit to charge the
    fee, the tariff in rials and the Sheba of the treasury revenue account.

    Fees stored before the permit was recorded read with an empty permit.
    """

    tariff_rials: int
    revenue_account: str
    legal_permit: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe primitives."""
        return {
            "tariff_rials": self.tariff_rials,
            "revenue_account": self.revenue_account,
            "legal_permit": self.legal_permit,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fee:
        """Inverse of :meth:`to_dict`."""
        return cls(
            tariff_rials=int(d["tariff_rials"]),
            revenue_account=str(d["revenue_account"]),
            legal_permit=str(d.get("legal_permit", "")),
        )


class Maturity(IntEnum):
    """سطح بلوغ خدمت, derived from the record (002 def. 11-13)."""

    INFORMATIONAL = 1  # no stage wholly electronic: only information is online (004 art. 4 a)
    PARTLY_ELECTRONIC = 2  # some stages electronic
    ONLINE = 3  # خدمت برخط: request, production and delivery all electronic (def. 11)
    SMART = 4  # خدمت هوشمند: online, no human step, no paper inquiry (def. 12)

    @property
    def electronic(self) -> bool:
        """Whether the service counts as electronic (004 art. 4 n1): online or smart."""
        return self >= Maturity.ONLINE

    @property
    def title_fa(self) -> str:
        return _MATURITY_FA[self]


_MATURITY_FA = {
    Maturity.INFORMATIONAL: "اطلاع‌رسانی",
    Maturity.PARTLY_ELECTRONIC: "نیمه الکترونیکی",
    Maturity.ONLINE: "برخط",
    Maturity.SMART: "هوشمند",
}


class RequirementKind(StrEnum):
    """What a service needs from another agency (004 art. 2; 002 art. 7 item 4)."""

    PERMIT = "permit"  # مجوز
    INQUIRY = "inquiry"  # استعلام
    SERVICE = "service"  # a prerequisite service of another agency (a chain of services)


@dataclass(frozen=True)
class ExternalRequirement:
    """نیازمندی اطلاعاتی از سایر دستگاه‌ها: a permit, inquiry or prior service needed from
    another agency; ``reference`` names the permit kind (registry code) or the other
    agency's service code; ``electronic`` false means it comes on paper."""

    kind: RequirementKind
    agency: str
    name: str
    reference: str = ""
    electronic: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": _enum_value(self.kind),
            "agency": self.agency,
            "name": self.name,
            "reference": self.reference,
            "electronic": self.electronic,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExternalRequirement:
        return cls(
            kind=RequirementKind(d["kind"]),
            agency=str(d["agency"]),
            name=str(d["name"]),
            reference=str(d.get("reference", "")),
            electronic=bool(d.get("electronic", True)),
        )


OPEN_FORM: Mapping[str, Any] = {"type": "object"}
"""The form of a document stored by name only, before documents were e-forms."""


@dataclass(frozen=True)
class RequiredDocument:
    """کاربرگ الکترونیکی: a document required from the applicant, as an e-form whose data
    is described by a JSON Schema (draft 2020-12, an object)."""

    name: str
    schema: Mapping[str, Any] = field(default_factory=lambda: dict(OPEN_FORM))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "schema": dict(self.schema)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | str) -> RequiredDocument:
        if isinstance(d, str):  # stored before e-forms: a name only
            return cls(name=d, schema=dict(OPEN_FORM))
        return cls(name=str(d["name"]), schema=dict(d.get("schema") or OPEN_FORM))

    def problems(self, data: Any) -> list[tuple[str, str]]:
        """(path, message) for each way ``data`` breaks the form's schema, in path order."""
        validator = jsonschema.Draft202012Validator(dict(self.schema))
        found = []
        for error in validator.iter_errors(data):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            if error.validator == "required" and isinstance(error.instance, Mapping):
                # one problem per missing property, under the property's own path
                for name in error.validator_value:
                    if name not in error.instance:
                        found.append((f"{path}.{name}", f"{name!r} is required"))
                continue
            found.append((path, error.message))
        return sorted(set(found))


@dataclass(frozen=True)
class NonElectronicPlan:
    """A service not (yet) electronic: the timetable to make it electronic (004 art. 4 n1)
    and, when it cannot be, the reasons and the Deputy's approval (art. 4 n2)."""

    electronic_by: str = ""  # Jalali date, e.g. 1405/12/29
    reasons: str = ""
    deputy_approval: str = ""  # the approval's reference (letter number and date)

    def to_dict(self) -> dict[str, Any]:
        return {
            "electronic_by": self.electronic_by,
            "reasons": self.reasons,
            "deputy_approval": self.deputy_approval,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NonElectronicPlan:
        return cls(
            electronic_by=str(d.get("electronic_by", "")),
            reasons=str(d.get("reasons", "")),
            deputy_approval=str(d.get("deputy_approval", "")),
        )


class QualityMeasure(StrEnum):
    """A measure of service quality computed per service (002 art. 8)."""

    TIME_TO_DELIVERY = "time_to_delivery"  # against the record's time limits
    REWORK = "rework"  # cases sent back to the applicant for correction
    IN_PERSON_VISITS = "in_person_visits"  # deliveries that needed a visit
    RESPONSE_RATE = "response_rate"  # rated over delivered


@value_object
@dataclass(frozen=True)
class Question:
    """One question the applicant is asked after delivery, in both languages."""

    key: str
    text_fa: str
    text_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "text_fa": self.text_fa, "text_en": self.text_en}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Question:
        return cls(key=str(d["key"]), text_fa=str(d["text_fa"]), text_en=str(d["text_en"]))


@value_object
@dataclass(frozen=True)
class EvaluationMethod:
    """روش ارزیابی (002 art. 8): the questions, their scale, the quality measures and how
    many days after delivery the rating window stays open."""

    questions: tuple[Question, ...]
    scale_min: int = 1
    scale_max: int = 5
    measures: tuple[QualityMeasure, ...] = tuple(QualityMeasure)
    window_days: int = 7

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": [q.to_dict() for q in self.questions],
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "measures": [_enum_value(m) for m in self.measures],
            "window_days": self.window_days,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EvaluationMethod:
        return cls(
            questions=tuple(Question.from_dict(q) for q in d["questions"]),
            scale_min=int(d.get("scale_min", 1)),
            scale_max=int(d.get("scale_max", 5)),
            measures=tuple(QualityMeasure(m) for m in d.get("measures", ())),
            window_days=int(d.get("window_days", 7)),
        )

    def normalized(self, score: float) -> float:
        """A score on this scale mapped onto 1..5, so services compare."""
        return 1 + 4 * (score - self.scale_min) / (self.scale_max - self.scale_min)


DEFAULT_EVALUATION = EvaluationMethod(
    questions=(Question("overall", "رضایت کلی از خدمت", "Overall satisfaction with the service"),)
)
"""The method of records stored before it was structured: one 1-5 question, a week."""

_QUESTION_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
_MAX_SCHEMA_BYTES = 32_000


@dataclass(frozen=True)
class ServiceRecordSpec:
    """The content of a service record (شناسنامه خدمت), as an agency declares it."""

    title_fa: str
    title_en: str
    legal_basis: str
    service_type: ServiceType
    owner_agency: str
    stakeholders: tuple[str, ...]
    required_documents: tuple[RequiredDocument, ...]
    required_inquiries: tuple[InquiryKind, ...]
    identity_level: int
    fee: Fee | None
    in_person_required: bool
    process: tuple[ProcessStep, ...]
    units: tuple[str, ...]
    evaluation_method: str
    time_limit_hours: int
    legal_identity_level: int = 0
    """Identity level for legal persons (0: the service is not for legal persons)."""
    in_person_reasons: tuple[str, ...] = ()
    """ذکر ضرورت‌های مراجعه حضوری: why a visit is necessary (required when it is)."""
    external_requirements: tuple[ExternalRequirement, ...] = ()
    non_electronic: NonElectronicPlan | None = None
    evaluation: EvaluationMethod = DEFAULT_EVALUATION

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
        documents = self._checked_documents(v)
        inquiries = self._checked_inquiries(v)
        identity_level = check_int(
            v, "spec.identity_level", self.identity_level, 1, 4, "identity level"
        )
        legal_level = check_int(
            v,
            "spec.legal_identity_level",
            self.legal_identity_level,
            0,
            4,
            "identity level for legal persons",
        )
        fee = self._checked_fee(v)
        if not isinstance(self.in_person_required, bool):
            v.append(Violation("spec.in_person_required", "in person required must be true/false"))
        reasons = _text_list(v, "spec.in_person_reasons", self.in_person_reasons, "reason")
        if self.in_person_required is True and not reasons:
            v.append(
                Violation(
                    "spec.in_person_reasons",
                    "a service that needs an in-person visit must say why (004 art. 2)",
                )
            )
        elif self.in_person_required is False and reasons:
            v.append(Violation("spec.in_person_reasons", "reasons given but no visit is required"))
        for i, reason in enumerate(reasons):
            if mentions_identity_copy(reason):
                v.append(Violation(f"spec.in_person_reasons[{i}]", IDENTITY_COPY_RULE))
        process = self._checked_process(v)
        units = _text_list(v, "spec.units", self.units, "unit name")
        time_limit = check_int(
            v, "spec.time_limit_hours", self.time_limit_hours, 1, MAX_HOURS, "time limit (hours)"
        )
        owner = owner_agency or str(self.owner_agency).strip().upper()
        external = self._checked_external(v, owner)
        evaluation_method = self._checked_evaluation(v)
        raise_if_any(v)
        checked = ServiceRecordSpec(
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
            legal_identity_level=legal_level,
            in_person_reasons=reasons,
            external_requirements=external,
            non_electronic=None,
            evaluation=evaluation_method,
        )
        plan = checked._checked_plan(v, self.non_electronic)
        raise_if_any(v)
        return replace(checked, non_electronic=plan)

    @property
    def maturity(self) -> Maturity:
        """سطح بلوغ, from the record alone: which stages are wholly electronic, whether a
        visit or a paper inquiry is needed, whether any step needs a person."""
        electronic = {
            stage for stage in Stage if all(s.electronic for s in self.process if s.stage == stage)
        }
        paper = any(not r.electronic for r in self.external_requirements)
        if len(electronic) == len(Stage) and not self.in_person_required and not paper:
            if all(s.automated for s in self.process):
                return Maturity.SMART
            return Maturity.ONLINE
        return Maturity.PARTLY_ELECTRONIC if electronic else Maturity.INFORMATIONAL

    def _checked_documents(self, v: list[Violation]) -> tuple[RequiredDocument, ...]:
        checked: list[RequiredDocument] = []
        names: set[str] = set()
        for i, doc in enumerate(
            _as_sequence(v, "spec.required_documents", self.required_documents)
        ):
            prefix = f"spec.required_documents[{i}]"
            if not isinstance(doc, RequiredDocument):
                v.append(Violation(prefix, "a required document must be an e-form (name, schema)"))
                continue
            name = check_text(
                v, f"{prefix}.name", doc.name, max_length=SHORT_TEXT, what="document name"
            )
            if name and name in names:
                v.append(Violation(f"{prefix}.name", f"document {name!r} is listed twice"))
            names.add(name)
            if mentions_identity_copy(name):
                v.append(Violation(f"{prefix}.name", IDENTITY_COPY_RULE))
            schema = _checked_schema(v, f"{prefix}.schema", doc.schema)
            checked.append(RequiredDocument(name=name, schema=schema))
        return tuple(checked)

    def _checked_external(self, v: list[Violation], owner: str) -> tuple[ExternalRequirement, ...]:
        checked: list[ExternalRequirement] = []
        for i, req in enumerate(
            _as_sequence(v, "spec.external_requirements", self.external_requirements)
        ):
            prefix = f"spec.external_requirements[{i}]"
            if not isinstance(req, ExternalRequirement):
                v.append(Violation(prefix, "must be an ExternalRequirement"))
                continue
            kind = _check_enum(v, f"{prefix}.kind", RequirementKind, req.kind)
            agency = check_parsed(v, AgencyCode.parse, req.agency, f"{prefix}.agency")
            if agency and agency == owner:
                v.append(
                    Violation(f"{prefix}.agency", "must be another agency than the service's own")
                )
            name = check_text(v, f"{prefix}.name", req.name, max_length=SHORT_TEXT, what="name")
            reference = check_text(
                v, f"{prefix}.reference", req.reference, max_length=64, required=False
            )
            if kind is RequirementKind.SERVICE:
                reference = (
                    check_parsed(v, ServiceCode.parse, reference, f"{prefix}.reference")
                    or reference
                )
            if not isinstance(req.electronic, bool):
                v.append(Violation(f"{prefix}.electronic", "must be true or false"))
            checked.append(ExternalRequirement(kind, agency, name, reference, req.electronic))
        return tuple(checked)

    def _checked_evaluation(self, v: list[Violation]) -> EvaluationMethod:
        method = self.evaluation
        if not isinstance(method, EvaluationMethod):
            v.append(Violation("spec.evaluation", "must be an EvaluationMethod"))
            return DEFAULT_EVALUATION
        questions: list[Question] = []
        keys: set[str] = set()
        items = _as_sequence(v, "spec.evaluation.questions", method.questions)
        if not items:
            v.append(Violation("spec.evaluation.questions", "ask at least one question"))
        if len(items) > 10:
            v.append(Violation("spec.evaluation.questions", "at most 10 questions"))
        for i, q in enumerate(items):
            prefix = f"spec.evaluation.questions[{i}]"
            if not isinstance(q, Question):
                v.append(Violation(prefix, "must be a Question"))
                continue
            key = q.key.strip() if isinstance(q.key, str) else ""
            if not _QUESTION_KEY.fullmatch(key):
                v.append(Violation(f"{prefix}.key", "key must be like overall or waiting_time"))
            elif key in keys:
                v.append(Violation(f"{prefix}.key", f"question {key!r} is asked twice"))
            keys.add(key)
            fa = check_text(v, f"{prefix}.text_fa", q.text_fa, max_length=SHORT_TEXT)
            en = check_text(v, f"{prefix}.text_en", q.text_en, max_length=SHORT_TEXT)
            questions.append(Question(key, fa, en))
        low = check_int(v, "spec.evaluation.scale_min", method.scale_min, 0, 1, "lowest score")
        high = check_int(v, "spec.evaluation.scale_max", method.scale_max, 2, 10, "highest score")
        measures: list[QualityMeasure] = []
        for i, raw in enumerate(_as_sequence(v, "spec.evaluation.measures", method.measures)):
            measure = _check_enum(v, f"spec.evaluation.measures[{i}]", QualityMeasure, raw)
            if measure in measures:
                v.append(Violation(f"spec.evaluation.measures[{i}]", "listed twice"))
            measures.append(measure)
        days = check_int(
            v, "spec.evaluation.window_days", method.window_days, 1, 90, "rating window (days)"
        )
        return EvaluationMethod(tuple(questions), low, high, tuple(measures), days)

    def _checked_plan(
        self, v: list[Violation], plan: NonElectronicPlan | None
    ) -> NonElectronicPlan | None:
        """A service below online needs a timetable, or the Deputy's approval with the
        reasons it cannot be electronic (004 art. 4 n1-n2); an online one needs neither."""
        field_ = "spec.non_electronic"
        if plan is not None and not isinstance(plan, NonElectronicPlan):
            v.append(Violation(field_, "must be a NonElectronicPlan or absent"))
            return None
        if self.maturity.electronic:
            if plan is not None and any(plan.to_dict().values()):
                v.append(Violation(field_, f"the service is {self.maturity.name.lower()}: no plan"))
            return None
        if plan is None:
            plan = NonElectronicPlan()
        by = check_text(
            v, f"{field_}.electronic_by", plan.electronic_by, max_length=10, required=False
        )
        if by:
            try:
                parse_jalali_date(by, f"{field_}.electronic_by")
            except InvalidInput as error:
                v.extend(error.violations)
        reasons = check_text(
            v, f"{field_}.reasons", plan.reasons, max_length=DESCRIPTION_LENGTH, required=False
        )
        approval = check_text(
            v,
            f"{field_}.deputy_approval",
            plan.deputy_approval,
            max_length=SHORT_TEXT,
            required=False,
        )
        if bool(reasons) != bool(approval):
            v.append(
                Violation(
                    f"{field_}.deputy_approval",
                    "a service that cannot be electronic needs both the reasons and the"
                    " Deputy's approval (004 art. 4 n2)",
                )
            )
        if not by and not approval:
            v.append(
                Violation(
                    field_,
                    f"the service is not electronic ({self.maturity.name.lower()}): give the"
                    " timetable to make it electronic (004 art. 4 n1), or the reasons and the"
                    " Deputy's approval not to (art. 4 n2)",
                )
            )
        return NonElectronicPlan(by, reasons, approval)

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
        permit = check_text(
            v,
            "spec.fee.legal_permit",
            self.fee.legal_permit,
            max_length=DESCRIPTION_LENGTH,
            what="the fee's legal permit (004 art. 2)",
        )
        return Fee(tariff_rials=tariff, revenue_account=account, legal_permit=permit)

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
                v.append(Violation(f"{prefix}.name", f"step name {shown(name)} is used twice"))
            names.add(name)
            stage = _check_enum(v, f"{prefix}.stage", Stage, step.stage)
            hours = check_int(
                v, f"{prefix}.time_limit_hours", step.time_limit_hours, 1, MAX_HOURS, "time limit"
            )
            for flag in ("electronic", "automated"):
                if not isinstance(getattr(step, flag), bool):
                    v.append(Violation(f"{prefix}.{flag}", f"{flag} must be true or false"))
            if step.automated and not step.electronic:
                v.append(Violation(f"{prefix}.automated", "an automated step is electronic"))
            if mentions_identity_copy(name):
                v.append(Violation(f"{prefix}.name", IDENTITY_COPY_RULE))
            checked.append(
                ProcessStep(name, stage, hours, bool(step.electronic), bool(step.automated))
            )
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
            "required_documents": [d.to_dict() for d in self.required_documents],
            "required_inquiries": [_enum_value(k) for k in self.required_inquiries],
            "identity_level": self.identity_level,
            "fee": None if self.fee is None else self.fee.to_dict(),
            "in_person_required": self.in_person_required,
            "process": [step.to_dict() for step in self.process],
            "units": list(self.units),
            "evaluation_method": self.evaluation_method,
            "time_limit_hours": self.time_limit_hours,
            "legal_identity_level": self.legal_identity_level,
            "in_person_reasons": list(self.in_person_reasons),
            "external_requirements": [r.to_dict() for r in self.external_requirements],
            "non_electronic": None
            if self.non_electronic is None
            else self.non_electronic.to_dict(),
            "evaluation": self.evaluation.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ServiceRecordSpec:
        """Inverse of :meth:`to_dict`; specs stored before a field existed read with its
        default (documents as open e-forms, the default evaluation method)."""
        fee = d.get("fee")
        plan = d.get("non_electronic")
        evaluation = d.get("evaluation")
        return cls(
            title_fa=str(d["title_fa"]),
            title_en=str(d["title_en"]),
            legal_basis=str(d["legal_basis"]),
            service_type=ServiceType(d["service_type"]),
            owner_agency=str(d["owner_agency"]),
            stakeholders=tuple(str(x) for x in d["stakeholders"]),
            required_documents=tuple(
                RequiredDocument.from_dict(x) for x in d["required_documents"]
            ),
            required_inquiries=tuple(InquiryKind(x) for x in d["required_inquiries"]),
            identity_level=int(d["identity_level"]),
            fee=None if fee is None else Fee.from_dict(fee),
            in_person_required=bool(d["in_person_required"]),
            process=tuple(ProcessStep.from_dict(x) for x in d["process"]),
            units=tuple(str(x) for x in d.get("units", ())),
            evaluation_method=str(d["evaluation_method"]),
            time_limit_hours=int(d["time_limit_hours"]),
            legal_identity_level=int(d.get("legal_identity_level", 0)),
            in_person_reasons=tuple(str(x) for x in d.get("in_person_reasons", ())),
            external_requirements=tuple(
                ExternalRequirement.from_dict(x) for x in d.get("external_requirements", ())
            ),
            non_electronic=None if plan is None else NonElectronicPlan.from_dict(plan),
            evaluation=DEFAULT_EVALUATION
            if evaluation is None
            else EvaluationMethod.from_dict(evaluation),
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
        v.append(Violation(field, f"{what} must be one of {allowed}, got {shown(raw)}"))
        return next(iter(enum))


def _checked_schema(v: list[Violation], field: str, schema: Any) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for an object, asking for no identity-document copy."""
    if not isinstance(schema, Mapping) or not schema:
        v.append(Violation(field, "each document needs its e-form as a JSON Schema object"))
        return dict(OPEN_FORM)
    plain = dict(schema)
    try:
        text = json.dumps(plain, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        v.append(Violation(field, "the schema must be JSON"))
        return dict(OPEN_FORM)
    if len(text.encode()) > _MAX_SCHEMA_BYTES:
        v.append(Violation(field, f"the schema must be at most {_MAX_SCHEMA_BYTES} bytes"))
    try:
        jsonschema.Draft202012Validator.check_schema(plain)
    except jsonschema.SchemaError as error:
        v.append(Violation(field, f"not a valid JSON Schema: {error.message}"))
        return plain
    if plain.get("type") != "object":
        v.append(Violation(f"{field}.type", 'an e-form\'s schema must have "type": "object"'))
    if any(mentions_identity_copy(t) for t in _schema_words(plain)):
        v.append(Violation(field, IDENTITY_COPY_RULE))
    return plain


def _schema_words(node: Any) -> Iterable[str]:
    """Property names, titles and descriptions anywhere in a schema."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("title", "description") and isinstance(value, str):
                yield value
            if key == "properties" and isinstance(value, Mapping):
                yield from (str(name) for name in value)
            yield from _schema_words(value)
    elif isinstance(node, list):
        for item in node:
            yield from _schema_words(item)


def review_due(revised_at: datetime) -> datetime:
    """When a record revised at ``revised_at`` must be revised again: the same Tehran date
    one Jalali year later (002 art. 3 n1: at least yearly); 30 Esfand → 1 Farvardin."""
    local = revised_at.astimezone(TEHRAN)
    j = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    try:
        later = j.replace(year=j.year + 1)
    except ValueError:  # 30 Esfand of a leap year
        later = jdatetime.datetime(
            j.year + 1, 12, 29, j.hour, j.minute, j.second
        ) + jdatetime.timedelta(days=1)
    due: datetime = later.togregorian().replace(tzinfo=TEHRAN)
    return due.astimezone(UTC)


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

    def is_stale(self, now: datetime) -> bool:
        """Not revised for a Jalali year (002 art. 3 n1)."""
        return now >= review_due(self.revised_at)
