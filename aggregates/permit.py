"""PermitKind (نوع مجوز): one entry of the permits database, by-law 004 art. 5 note.

The database lists every kind of permit (گواهی، پروانه، جواز، موافقت …) an agency issues:
its issuer (مرجع), how it is issued, renewed, cancelled and reinstated (صدور، تمدید، لغو و
احیاء), the cost, the time and the process; it is public, for transparency.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
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
from aggregates.identifiers import AgencyCode

__all__ = ["PermitKind", "PermitKindSpec", "PermitProcedure", "parse_permit_code"]

_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
_MAX_STEPS = 30
_MAX_COST = 10**13


def parse_permit_code(text: str, field: str = "code") -> str:
    """A permit kind's code: 2 to 32 of A-Z, 0-9 and '-', upper-cased."""
    code = text.strip().upper() if isinstance(text, str) else ""
    if not _CODE.fullmatch(code):
        raise InvalidInput.field(field, f"{text!r} is not a permit code like MOI-BUILD-01")
    return code


@dataclass(frozen=True)
class PermitProcedure:
    """How one action on a permit is done: the steps, the cost and the time."""

    process: tuple[str, ...]
    cost_rials: int
    time_days: int

    def checked(self, v: list[Violation], field: str) -> PermitProcedure:
        steps = self.process
        if isinstance(steps, str) or not isinstance(steps, tuple | list):
            v.append(Violation(f"{field}.process", "must be a list of steps"))
            steps = ()
        if not steps:
            v.append(Violation(f"{field}.process", "name at least one step"))
        if len(steps) > _MAX_STEPS:
            v.append(Violation(f"{field}.process", f"at most {_MAX_STEPS} steps"))
        names = tuple(
            check_text(v, f"{field}.process[{i}]", s, max_length=SHORT_TEXT, what="step")
            for i, s in enumerate(steps)
        )
        cost = check_int(v, f"{field}.cost_rials", self.cost_rials, 0, _MAX_COST, "cost (rials)")
        days = check_int(v, f"{field}.time_days", self.time_days, 1, 3650, "time (days)")
        return PermitProcedure(names, cost, days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "process": list(self.process),
            "cost_rials": self.cost_rials,
            "time_days": self.time_days,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PermitProcedure:
        return cls(tuple(str(s) for s in d["process"]), int(d["cost_rials"]), int(d["time_days"]))


@dataclass(frozen=True)
class PermitKindSpec:
    """What the permits database says of one kind of permit."""

    title_fa: str
    title_en: str
    issuer: str
    legal_basis: str
    validity_months: int
    issue: PermitProcedure
    renewal: PermitProcedure | None
    cancellation: PermitProcedure
    reinstatement: PermitProcedure | None

    def validated(self) -> PermitKindSpec:
        v: list[Violation] = []
        fa = check_text(v, "spec.title_fa", self.title_fa, max_length=SHORT_TEXT)
        en = check_text(v, "spec.title_en", self.title_en, max_length=SHORT_TEXT)
        issuer = check_parsed(v, AgencyCode.parse, self.issuer, "spec.issuer")
        basis = check_text(v, "spec.legal_basis", self.legal_basis, max_length=500)
        months = check_int(
            v, "spec.validity_months", self.validity_months, 0, 1200, "validity (months)"
        )
        procedures: dict[str, PermitProcedure | None] = {}
        for name in ("issue", "renewal", "cancellation", "reinstatement"):
            procedure = getattr(self, name)
            optional = name in ("renewal", "reinstatement")
            if procedure is None and optional:
                procedures[name] = None
            elif not isinstance(procedure, PermitProcedure):
                v.append(Violation(f"spec.{name}", f"the {name} procedure is required"))
                procedures[name] = None
            else:
                procedures[name] = procedure.checked(v, f"spec.{name}")
        if procedures["renewal"] is not None and months == 0:
            v.append(Violation("spec.renewal", "a permit that never expires is not renewed"))
        raise_if_any(v)
        issue, cancellation = procedures["issue"], procedures["cancellation"]
        assert issue is not None and cancellation is not None
        return PermitKindSpec(
            fa,
            en,
            issuer,
            basis,
            months,
            issue,
            procedures["renewal"],
            cancellation,
            procedures["reinstatement"],
        )

    def to_dict(self) -> dict[str, Any]:
        def opt(p: PermitProcedure | None) -> dict[str, Any] | None:
            return None if p is None else p.to_dict()

        return {
            "title_fa": self.title_fa,
            "title_en": self.title_en,
            "issuer": self.issuer,
            "legal_basis": self.legal_basis,
            "validity_months": self.validity_months,
            "issue": self.issue.to_dict(),
            "renewal": opt(self.renewal),
            "cancellation": self.cancellation.to_dict(),
            "reinstatement": opt(self.reinstatement),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PermitKindSpec:
        def opt(x: Mapping[str, Any] | None) -> PermitProcedure | None:
            return None if x is None else PermitProcedure.from_dict(x)

        return cls(
            title_fa=str(d["title_fa"]),
            title_en=str(d["title_en"]),
            issuer=str(d["issuer"]),
            legal_basis=str(d["legal_basis"]),
            validity_months=int(d["validity_months"]),
            issue=PermitProcedure.from_dict(d["issue"]),
            renewal=opt(d.get("renewal")),
            cancellation=PermitProcedure.from_dict(d["cancellation"]),
            reinstatement=opt(d.get("reinstatement")),
        )


class PermitKind(Aggregate, created_event_name="Defined"):
    """نوع مجوز: a kind of permit in the public permits database; revised by its issuer."""

    TOPIC = "tabadol.permit_kind"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Defined(Event, Aggregate.Created):
        TOPIC = "tabadol.permit_kind.defined"
        code: str
        spec: dict[str, Any]
        by: str

    Created = Defined

    class Revised(Event):
        TOPIC = "tabadol.permit_kind.revised"
        spec: dict[str, Any]
        reason: str
        by: str

        def apply(self, aggregate: PermitKind) -> None:
            aggregate._spec = PermitKindSpec.from_dict(self.spec)

    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE, "permit-kind:" + code)

    def __init__(self, code: str, spec: dict[str, Any], by: str) -> None:
        self._code = code
        self._spec = PermitKindSpec.from_dict(spec)

    @classmethod
    def define(cls, code: str, spec: PermitKindSpec, by: str) -> PermitKind:
        """A new permit kind; only its issuer defines it."""
        v: list[Violation] = []
        checked_code = check_parsed(v, parse_permit_code, code, "code")
        checked = _validated(v, spec)
        actor = check_actor(v, by)
        raise_if_any(v)
        assert checked is not None
        return cls(code=checked_code, spec=checked.to_dict(), by=actor)

    def revise(self, spec: PermitKindSpec, reason: str, by: str) -> None:
        v: list[Violation] = []
        checked = _validated(v, spec)
        text = check_text(v, "reason", reason, max_length=500, what="reason")
        actor = check_actor(v, by)
        raise_if_any(v)
        assert checked is not None
        if checked.issuer != self._spec.issuer:
            raise TransitionRefused("the issuer of a permit kind does not change", field="issuer")
        if checked == self._spec:
            raise TransitionRefused("nothing changed", field="spec")
        self.trigger_event(self.Revised, spec=checked.to_dict(), reason=text, by=actor)

    @property
    def code(self) -> str:
        return self._code

    @property
    def spec(self) -> PermitKindSpec:
        return self._spec


def _validated(v: list[Violation], spec: PermitKindSpec) -> PermitKindSpec | None:
    if not isinstance(spec, PermitKindSpec):
        v.append(Violation("spec", "must be a PermitKindSpec"))
        return None
    try:
        return spec.validated()
    except InvalidInput as error:
        v.extend(error.violations)
        return None
