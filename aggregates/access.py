"""Access rights (X-Road style) as signed events, and the records of refused calls.

DESIGN property 3: nothing is allowed until a right grants it. :class:`AccessPolicy` is
one aggregate (a fixed id) whose events are the whole history of the rights table: every
grant, revocation and group change says who made it (the operator), when (the event's
timestamp) and why. :class:`RightsTable` is the snapshot the hub checks calls against.

A **grant** names a principal — ``agency:MOJ``, ``counter:P-1001``, ``window:MYGOV``,
``auditor:DIWAN`` or ``group:NAME`` (a named group of principals) — and a target:

| target | allows |
|---|---|
| ``rpc:tabadol.servicedesk.v1.ServiceDeskService/OpenCase`` | that one RPC |
| ``service:tabadol.servicedesk.v1.ServiceDeskService`` | every RPC of that service |
| ``code:12345678`` | the service desk's case RPCs for cases of that catalogue service code |

:class:`DeniedCall` (one event per refusal) is kept for trails written before refusals
were summarised; :class:`RefusalSummary` counts refusals per principal, method and reason
in a time window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    NAMESPACE,
    check_actor,
    check_change,
    check_text,
    raise_if_any,
)
from aggregates.errors import InvalidInput, NotFound, TransitionRefused, Violation
from aggregates.identifiers import AgencyCode, ServiceCode
from aggregates.principals import Principal

__all__ = [
    "CODE_SCOPED_SERVICE",
    "AccessPolicy",
    "DeniedCall",
    "Grant",
    "RefusalSummary",
    "RightsTable",
    "parse_grantee",
    "parse_target",
]

CODE_SCOPED_SERVICE = "tabadol.servicedesk.v1.ServiceDeskService"
"""The service whose case RPCs a ``code:`` grant opens (checked per case by service code)."""

_GROUP = "group:"


def parse_grantee(text: str, field_name: str = "principal") -> str:
    """``group:NAME`` or a principal (:meth:`Principal.parse`), canonical."""
    text = (text or "").strip()
    if text.lower().startswith(_GROUP):
        name = AgencyCode.parse(text[len(_GROUP) :], field=field_name).value
        return f"{_GROUP}{name}"
    return Principal.parse(text, field_name).name


def parse_target(text: str, field_name: str = "target") -> str:
    """A grant's target, canonical: ``rpc:pkg.Service/Method``, ``service:pkg.Service`` or
    ``code:<service code>``; bare ``pkg.Service/Method`` and ``pkg.Service`` are accepted."""
    text = (text or "").strip()
    kind, sep, rest = text.partition(":")
    if not sep:
        kind, rest = ("rpc" if "/" in text else "service"), text
    kind = kind.lower()
    if kind == "code":
        return f"code:{ServiceCode.parse(rest, field=field_name).value}"
    service, slash, method = rest.partition("/")
    parts = service.split(".")
    well_formed = len(parts) >= 2 and all(p.isidentifier() for p in parts)
    if kind == "rpc" and slash and well_formed and method.isidentifier():
        return f"rpc:{service}/{method}"
    if kind == "service" and not slash and well_formed:
        return f"service:{service}"
    raise InvalidInput.field(
        field_name,
        f"{text!r}: a target is package.Service/Method, package.Service or code:<service code>",
    )


@dataclass(frozen=True)
class Grant:
    grant_id: str
    grantee: str
    target: str
    granted_by: str
    granted_at: datetime
    reason: str
    revoked_by: str = ""
    revoked_at: datetime | None = None
    revoke_reason: str = ""

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class RightsTable:
    """The active grants and groups: what the hub checks each call against."""

    grants: tuple[Grant, ...] = ()
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def _grantees(self, principal: Principal) -> set[str]:
        names = {principal.name}
        names.update(
            f"{_GROUP}{g}" for g, members in self.groups.items() if principal.name in members
        )
        return names

    def _targets(self, principal: Principal) -> list[str]:
        grantees = self._grantees(principal)
        return [g.target for g in self.grants if g.active and g.grantee in grantees]

    def allows(self, principal: Principal, method: str, service_code: str | None = None) -> bool:
        """Whether ``principal`` may call ``method`` (``pkg.Service/Method``); for a case of
        ``service_code``, ``code:`` grants count too."""
        service = method.partition("/")[0]
        for target in self._targets(principal):
            if target == f"rpc:{method}" or target == f"service:{service}":
                return True
            if (
                service_code is not None
                and service == CODE_SCOPED_SERVICE
                and target == f"code:{service_code}"
            ):
                return True
        return False

    def may_reach(self, principal: Principal, method: str) -> bool:
        """Whether the call may reach the servicer: allowed outright, or a ``code:`` grant
        that the servicer checks against the case's service code."""
        if self.allows(principal, method):
            return True
        return method.partition("/")[0] == CODE_SCOPED_SERVICE and any(
            t.startswith("code:") for t in self._targets(principal)
        )

    def service_codes(self, principal: Principal) -> frozenset[str]:
        """Service codes granted to ``principal`` by ``code:`` grants."""
        return frozenset(
            t.removeprefix("code:") for t in self._targets(principal) if t.startswith("code:")
        )


class AccessPolicy(Aggregate, created_event_name="Started"):
    """The hub's rights table: grants and groups, changed only by the operator."""

    TOPIC = "tabadol.access.policy"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Started(Event, Aggregate.Created):
        TOPIC = "tabadol.access.policy.started"
        by: str
        source: str

    Created = Started

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "access-policy")

    def __init__(self, by: str, source: str) -> None:
        self.started_by = by
        self.source = source
        self.grants: dict[str, Grant] = {}
        self.groups: dict[str, frozenset[str]] = {}
        self.last_grant = 0

    @classmethod
    def start(cls, *, by: str, source: str = "") -> AccessPolicy:
        """A new, empty rights table (``source`` names a seed file, when seeded)."""
        violations: list[Violation] = []
        by = check_actor(violations, by)
        source = check_text(violations, "source", source, max_length=500, required=False)
        raise_if_any(violations)
        return cls._create(cls.Started, id=cls.create_id(), by=by, source=source)

    # --- commands -------------------------------------------------------------------

    def grant(self, grantee: str, target: str, *, by: str, reason: str) -> str:
        """Grant ``target`` to ``grantee``; returns the new grant's id (``g-<n>``)."""
        violations: list[Violation] = []
        by = check_actor(violations, by)
        reason = check_text(violations, "reason", reason, max_length=500)
        try:
            grantee = parse_grantee(grantee)
        except InvalidInput as error:
            violations.extend(error.violations)
        try:
            target = parse_target(target)
        except InvalidInput as error:
            violations.extend(error.violations)
        raise_if_any(violations)
        for existing in self.grants.values():
            if existing.active and (existing.grantee, existing.target) == (grantee, target):
                raise TransitionRefused(f"{grantee} already holds {target} ({existing.grant_id})")
        grant_id = f"g-{self.last_grant + 1}"
        self.trigger_event(
            self.Granted, grant_id=grant_id, grantee=grantee, target=target, by=by, reason=reason
        )
        return grant_id

    def revoke(self, grant_id: str, *, by: str, reason: str) -> None:
        by, reason = check_change(by, reason)
        existing = self.grants.get(grant_id)
        if existing is None:
            raise NotFound("grant", grant_id)
        if not existing.active:
            raise TransitionRefused(f"grant {grant_id} is already revoked")
        self.trigger_event(self.Revoked, grant_id=grant_id, by=by, reason=reason)

    def define_group(self, name: str, members: Iterable[str], *, by: str, reason: str) -> None:
        """Set the members of group ``name`` (an empty list deletes it)."""
        violations: list[Violation] = []
        by = check_actor(violations, by)
        reason = check_text(violations, "reason", reason, max_length=500)
        canonical: list[str] = []
        try:
            name = AgencyCode.parse(name, field="name").value
        except InvalidInput as error:
            violations.extend(error.violations)
        for index, member in enumerate(members):
            try:
                canonical.append(Principal.parse(member, f"members[{index}]").name)
            except InvalidInput as error:
                violations.extend(error.violations)
        raise_if_any(violations)
        self.trigger_event(
            self.GroupDefined, name=name, members=sorted(set(canonical)), by=by, reason=reason
        )

    class Granted(Event):
        TOPIC = "tabadol.access.policy.granted"
        grant_id: str
        grantee: str
        target: str
        by: str
        reason: str

        def apply(self, aggregate: AccessPolicy) -> None:
            aggregate.last_grant = int(self.grant_id.removeprefix("g-"))
            aggregate.grants[self.grant_id] = Grant(
                self.grant_id, self.grantee, self.target, self.by, self.timestamp, self.reason
            )

    class Revoked(Event):
        TOPIC = "tabadol.access.policy.revoked"
        grant_id: str
        by: str
        reason: str

        def apply(self, aggregate: AccessPolicy) -> None:
            old = aggregate.grants[self.grant_id]
            aggregate.grants[self.grant_id] = replace(
                old, revoked_by=self.by, revoked_at=self.timestamp, revoke_reason=self.reason
            )

    class GroupDefined(Event):
        TOPIC = "tabadol.access.policy.group_defined"
        name: str
        members: list[str]
        by: str
        reason: str

        def apply(self, aggregate: AccessPolicy) -> None:
            if self.members:
                aggregate.groups[self.name] = frozenset(self.members)
            else:
                aggregate.groups.pop(self.name, None)

    def table(self) -> RightsTable:
        return RightsTable(
            grants=tuple(g for g in self.grants.values() if g.active), groups=dict(self.groups)
        )


class DeniedCall(Aggregate, created_event_name="Denied"):
    """One refused call: which agency called which method, and why it was refused."""

    TOPIC = "tabadol.access.denied_call"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Denied(Event, Aggregate.Created):
        TOPIC = "tabadol.access.denied_call.denied"
        agency: str
        method: str
        reason: str

    Created = Denied  # the framework's "created" slot is Denied, under its topic

    def __init__(self, agency: str, method: str, reason: str) -> None:
        self.agency = agency
        self.method = method
        self.reason = reason

    @classmethod
    def record(cls, agency: str, method: str, reason: str) -> DeniedCall:
        violations: list[Violation] = []
        agency = check_text(violations, "agency", agency, max_length=16)
        method = check_text(violations, "method", method, max_length=200)
        reason = check_text(violations, "reason", reason, max_length=500)
        raise_if_any(violations)
        return cls._create(cls.Denied, agency=agency, method=method, reason=reason)


class RefusalSummary(Aggregate, created_event_name="Summarised"):
    """Refused calls in one time window, counted per (principal, method, reason).

    One aggregate per window flush: a flood of refusals adds one event per window, not
    one per call. ``window_start``/``window_end`` are UTC ISO 8601; ``counts`` rows are
    ``[principal, method, reason, count]``.
    """

    TOPIC = "tabadol.access.refusal_summary"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Summarised(Event, Aggregate.Created):
        TOPIC = "tabadol.access.refusal_summary.summarised"
        replica: str
        window_start: str
        window_end: str
        counts: list[list[object]]

    Created = Summarised

    def __init__(
        self, replica: str, window_start: str, window_end: str, counts: list[list[object]]
    ) -> None:
        self.replica = replica
        self.window_start = window_start
        self.window_end = window_end
        self.counts = counts

    @classmethod
    def record(
        cls,
        *,
        replica: str,
        window_start: str,
        window_end: str,
        counts: Mapping[tuple[str, str, str], int],
    ) -> RefusalSummary:
        rows: list[list[object]] = [
            [principal[:64], method[:200], reason[:300], count]
            for (principal, method, reason), count in sorted(counts.items())
        ]
        return cls._create(
            cls.Summarised,
            replica=replica,
            window_start=window_start,
            window_end=window_end,
            counts=rows,
        )
