"""Service counters (دفاتر پیشخوان خدمات دولت) and the services agencies delegate to them,
as signed events (004 art. 14 and notes 1-3).

One aggregate, :class:`ServiceCounters` (a fixed id, like :class:`~aggregates.access.AccessPolicy`):
its events are the whole history of the counters' registrations and of every delegation
and revocation, each saying who made it, when (the event's timestamp) and why.
:class:`DelegationTable` is the snapshot the hub checks counters' calls against.

A **counter** registers its name, kind (art. 14's three: a government service counter, an
office of the non-governmental public sector, a post office), province and county (n2:
provinces list the counters of their province or county), address and the address's postal
code (004 art. 11). A **delegation** gives one counter one service of the delegating agency's
catalogue at an **access level**, and separately the right to take the fee:

| level | the counter may, on the cases it opened | why |
|---|---|---|
| ``intake`` (پذیرش) | open cases of the service (with their e-forms), verify the applicant's identity and a legal person's representative, record the steps of the **request** stage and complete it | a counter receives requests; producing the service stays the agency's (art. 14 delegates what "can be delegated", n3 supervises it) |
| ``full`` (تمام‌فرایند) | also the production and delivery stages: steps, inquiries to other agencies' registries, deliver, reject, cancel, send back for correction | the whole service delivered at the counter |
| ``take_payment`` (a flag on either level) | pay the fee through the treasury (its POS terminal is one of art. 9's channels) | art. 9: the fee goes from the applicant's account to the agency's revenue account; who may move an applicant's money is a decision apart from how much of the process a counter runs (an intake counter may take the fee at the request; a full one may be kept off money) |

No level lets a counter rate a case (the satisfaction figures stay the applicants', 002 art.
8) or act on a case another counter or the agency opened. Every action needs the delegation
in force *now*: a revoked delegation stops new cases, any further action of the counter on
the cases it opened and its reads of them (least privilege: it no longer serves that agency;
the agency finishes the cases and keeps them, and its supervision still lists them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    NAMESPACE,
    SHORT_TEXT,
    check_actor,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.access import Grant
from aggregates.consultation import Province
from aggregates.errors import NotFound, TransitionRefused, Violation, shown
from aggregates.identifiers import AgencyCode, PostalCode, ServiceCode
from aggregates.stages import Stage

__all__ = [
    "AccessLevel",
    "CounterAction",
    "CounterKind",
    "CounterOffice",
    "Delegation",
    "DelegationTable",
    "ServiceCounters",
    "parse_counter_code",
]


_COUNTER = "counter:"
_CODE = "code:"


class AccessLevel(StrEnum):
    """سطح دسترسی: how much of a delegated service's process a counter runs."""

    INTAKE = "intake"
    FULL = "full"

    @property
    def title_fa(self) -> str:
        return {"intake": "پذیرش", "full": "تمام‌فرایند"}[self.value]


class CounterKind(StrEnum):
    """The three kinds of office art. 14 names."""

    GOVERNMENT = "government"  # دفتر پیشخوان خدمات دولت
    NON_GOVERNMENTAL_PUBLIC = "non_governmental_public"  # بخش عمومی غیردولتی
    POST_OFFICE = "post_office"  # دفتر پستی

    @property
    def title_fa(self) -> str:
        return {
            "government": "پیشخوان خدمات دولت",
            "non_governmental_public": "بخش عمومی غیردولتی",
            "post_office": "دفتر پستی",
        }[self.value]


class CounterAction(StrEnum):
    """What a counter may ask to do on a case (the service desk's case RPCs)."""

    OPEN = "open"
    VERIFY_IDENTITY = "verify_identity"
    CONFIRM_REPRESENTATIVE = "confirm_representative"
    RECORD_STEP = "record_step"
    COMPLETE_STAGE = "complete_stage"
    INQUIRY = "inquiry"
    DELIVER = "deliver"
    REJECT = "reject"
    CANCEL = "cancel"
    REQUEST_CORRECTION = "request_correction"
    PAY = "pay"
    NOTE = "note"  # record that one of its own exchanges failed: any level


_INTAKE = frozenset(
    {
        CounterAction.OPEN,
        CounterAction.VERIFY_IDENTITY,
        CounterAction.CONFIRM_REPRESENTATIVE,
        CounterAction.NOTE,
    }
)
_STAGED = frozenset({CounterAction.RECORD_STEP, CounterAction.COMPLETE_STAGE})


def parse_counter_code(text: str, field: str = "counter") -> str:
    """A counter's code (``P-1001``; ``counter:P-1001`` accepted), canonical."""
    raw = (text or "").strip()
    if raw.lower().startswith("counter:"):
        raw = raw[len("counter:") :]
    return AgencyCode.parse(raw, field=field).value


@dataclass(frozen=True)
class CounterOffice:
    """One registered counter: what the public list shows (n1-n2)."""

    code: str
    name: str
    kind: CounterKind
    province: Province
    county: str
    address: str
    postal_code: str
    registered_by: str
    registered_at: datetime


@dataclass(frozen=True)
class Delegation:
    """One service of one agency delegated to one counter at a level: the ``code:`` grant
    it amounts to (:class:`~aggregates.access.Grant`: the counter, the service, who, when,
    why, and its revocation) with the delegating agency, the level and the payment flag."""

    grant: Grant
    agency: str
    level: AccessLevel
    take_payment: bool

    @property
    def delegation_id(self) -> str:
        return self.grant.grant_id

    @property
    def counter(self) -> str:
        return self.grant.grantee.removeprefix(_COUNTER)

    @property
    def service_code(self) -> str:
        return self.grant.target.removeprefix(_CODE)

    @property
    def active(self) -> bool:
        return self.grant.active

    def permits(self, action: CounterAction, stage: Stage) -> bool:
        """Whether this delegation lets its counter do ``action`` on a case in ``stage``."""
        if action is CounterAction.PAY:
            return self.take_payment
        if self.level is AccessLevel.FULL:
            return True
        if action in _STAGED:
            return stage is Stage.REQUEST
        return action in _INTAKE


@dataclass(frozen=True)
class DelegationTable:
    """The counters and the delegations in force."""

    counters: Mapping[str, CounterOffice] = field(default_factory=dict)
    delegations: tuple[Delegation, ...] = ()

    def delegation(self, counter: str, service_code: str) -> Delegation | None:
        """The delegation in force of ``service_code`` to ``counter``, if any."""
        for d in self.delegations:
            if d.active and d.counter == counter and d.service_code == service_code:
                return d
        return None

    def services_of(self, counter: str) -> frozenset[str]:
        """The service codes delegated to ``counter`` now."""
        return frozenset(d.service_code for d in self.delegations if d.counter == counter)


class ServiceCounters(Aggregate, created_event_name="Started"):
    """The hub's counters and delegations; who may change what is the application's check
    (an agency delegates only its own services; the operator any)."""

    TOPIC = "tabadol.service_counters"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Started(Event, Aggregate.Created):
        TOPIC = "tabadol.service_counters.started"
        by: str

    Created = Started

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "service-counters")

    def __init__(self, by: str) -> None:
        self.started_by = by
        self.counters: dict[str, CounterOffice] = {}
        self.delegations: dict[str, Delegation] = {}
        self.last_delegation = 0

    @classmethod
    def start(cls, *, by: str) -> ServiceCounters:
        violations: list[Violation] = []
        by = check_actor(violations, by)
        raise_if_any(violations)
        return cls._create(cls.Started, id=cls.create_id(), by=by)

    # --- commands -------------------------------------------------------------------

    def register(
        self,
        code: str,
        *,
        name: str,
        kind: str,
        province: str,
        county: str,
        address: str,
        postal_code: str,
        by: str,
    ) -> None:
        """Register a counter, or change what it registered (the old entry stays in the
        trail)."""
        v: list[Violation] = []
        by = check_actor(v, by)
        code = check_parsed(v, parse_counter_code, code, "code")
        name = check_text(v, "name", name, max_length=SHORT_TEXT)
        county = check_text(v, "county", county, max_length=100)
        address = check_text(v, "address", address, max_length=500)
        postal = check_parsed(v, PostalCode.parse, postal_code, "postal_code")
        try:
            chosen_kind = CounterKind((kind or "").strip().lower())
        except ValueError:
            kinds = ", ".join(k.value for k in CounterKind)
            v.append(Violation("kind", f"kind must be one of {kinds}, got {shown(kind)}"))
        chosen_province = Province.parse(province or "")
        if chosen_province is None:
            v.append(Violation("province", f"not one of Iran's 31 provinces: {shown(province)}"))
        raise_if_any(v)
        self.trigger_event(
            self.Registered,
            code=code,
            name=name,
            kind=chosen_kind.value,
            province=chosen_province.value if chosen_province else "",
            county=county,
            address=address,
            postal_code=postal,
            by=by,
        )

    def delegate(
        self,
        agency: str,
        counter: str,
        service_code: str,
        *,
        level: str,
        take_payment: bool,
        by: str,
        reason: str,
    ) -> str:
        """Delegate ``service_code`` (``agency``'s) to ``counter``; returns ``d-<n>``."""
        v: list[Violation] = []
        by = check_actor(v, by)
        reason = check_text(v, "reason", reason, max_length=500)
        agency = check_parsed(v, AgencyCode.parse, agency, "agency")
        counter = check_parsed(v, parse_counter_code, counter, "counter")
        code = check_parsed(v, ServiceCode.parse, service_code, "service_code")
        try:
            chosen = AccessLevel((level or "").strip().lower())
        except ValueError:
            levels = ", ".join(lv.value for lv in AccessLevel)
            v.append(Violation("level", f"level must be one of {levels}, got {shown(level)}"))
        if not isinstance(take_payment, bool):
            v.append(Violation("take_payment", "must be true or false"))
        raise_if_any(v)
        if counter not in self.counters:
            raise NotFound("counter", counter)
        existing = self.table().delegation(counter, code)
        if existing is not None:
            raise TransitionRefused(
                f"{code} is already delegated to {counter} ({existing.delegation_id},"
                f" {existing.level.value}); revoke it first to change it"
            )
        delegation_id = f"d-{self.last_delegation + 1}"
        self.trigger_event(
            self.Delegated,
            delegation_id=delegation_id,
            agency=agency,
            counter=counter,
            service_code=code,
            level=chosen.value,
            take_payment=take_payment,
            by=by,
            reason=reason,
        )
        return delegation_id

    def revoke(self, delegation_id: str, *, by: str, reason: str) -> None:
        v: list[Violation] = []
        by = check_actor(v, by)
        reason = check_text(v, "reason", reason, max_length=500)
        raise_if_any(v)
        existing = self.delegations.get((delegation_id or "").strip())
        if existing is None:
            raise NotFound("delegation", delegation_id)
        if not existing.active:
            raise TransitionRefused(f"delegation {delegation_id} is already revoked")
        self.trigger_event(self.Revoked, delegation_id=existing.delegation_id, by=by, reason=reason)

    # --- events ---------------------------------------------------------------------

    class Registered(Event):
        TOPIC = "tabadol.service_counters.registered"
        code: str
        name: str
        kind: str
        province: str
        county: str
        address: str
        postal_code: str
        by: str

        def apply(self, aggregate: ServiceCounters) -> None:
            aggregate.counters[self.code] = CounterOffice(
                code=self.code,
                name=self.name,
                kind=CounterKind(self.kind),
                province=Province(self.province),
                county=self.county,
                address=self.address,
                postal_code=self.postal_code,
                registered_by=self.by,
                registered_at=self.timestamp,
            )

    class Delegated(Event):
        TOPIC = "tabadol.service_counters.delegated"
        delegation_id: str
        agency: str
        counter: str
        service_code: str
        level: str
        take_payment: bool
        by: str
        reason: str

        def apply(self, aggregate: ServiceCounters) -> None:
            aggregate.last_delegation = int(self.delegation_id.removeprefix("d-"))
            grant = Grant(
                grant_id=self.delegation_id,
                grantee=f"{_COUNTER}{self.counter}",
                target=f"{_CODE}{self.service_code}",
                granted_by=self.by,
                granted_at=self.timestamp,
                reason=self.reason,
            )
            aggregate.delegations[self.delegation_id] = Delegation(
                grant, self.agency, AccessLevel(self.level), self.take_payment
            )

    class Revoked(Event):
        TOPIC = "tabadol.service_counters.revoked"
        delegation_id: str
        by: str
        reason: str

        def apply(self, aggregate: ServiceCounters) -> None:
            old = aggregate.delegations[self.delegation_id]
            revoked = replace(
                old.grant, revoked_by=self.by, revoked_at=self.timestamp, revoke_reason=self.reason
            )
            aggregate.delegations[self.delegation_id] = replace(old, grant=revoked)

    def table(self) -> DelegationTable:
        # dict() and tuple() copy in one step: the cached instance may be fast-forwarded
        # by another thread meanwhile, which an iteration would trip over
        return DelegationTable(
            counters=dict(self.counters),
            delegations=tuple(d for d in tuple(self.delegations.values()) if d.active),
        )
