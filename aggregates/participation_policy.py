"""ParticipationPolicy (سیاست مشارکت): which agencies require longer consultation periods,
and which agencies are affiliated with which (دستگاه‌های وابسته), as configuration with a
history.

003 obliges "all parts of the ministry and the affiliated executive bodies" to keep drafts
open at least 30 calendar days: a policy set on a ministry covers every body below it in
the hierarchy. The minimum that applies to an agency is the largest of its own policy and
those of every agency above it. Each table is a signed event of this one aggregate, set
through the API by the hub's operator (the application checks who).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import NAMESPACE, check_actor, check_int, check_parsed, raise_if_any
from aggregates.errors import Violation
from aggregates.identifiers import AgencyCode

__all__ = ["MAX_POLICY_DAYS", "AgencyPolicies", "ParticipationPolicy"]

MAX_POLICY_DAYS = 90


@dataclass(frozen=True)
class AgencyPolicies:
    """The hierarchy (agency → the agency it is affiliated with) and the policies
    (agency → minimum days). Build it with :meth:`of`, which checks it."""

    parents: Mapping[str, str] = field(default_factory=dict)
    minimum_days: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls, parents: Mapping[str, str] | None = None, minimum_days: Mapping[str, int] | None = None
    ) -> AgencyPolicies:
        """A checked table: valid agency codes, whole days 1..90, no agency its own
        ancestor."""
        v: list[Violation] = []
        tree: dict[str, str] = {}
        for child, parent in (parents or {}).items():
            c = check_parsed(v, AgencyCode.parse, child, f"parents[{child!r}]")
            p = check_parsed(v, AgencyCode.parse, parent, f"parents[{child!r}].parent")
            if c and p:
                tree[c] = p
        days: dict[str, int] = {}
        for agency, value in (minimum_days or {}).items():
            a = check_parsed(v, AgencyCode.parse, agency, f"minimum_days[{agency!r}]")
            n = check_int(v, f"minimum_days[{agency!r}]", value, 1, MAX_POLICY_DAYS, "minimum days")
            if a:
                days[a] = n
        for start in tree:
            seen = {start}
            node = tree.get(start)
            while node is not None:
                if node in seen:
                    v.append(
                        Violation(
                            f"parents[{start!r}]",
                            f"agency {start} would be affiliated with itself through {node}",
                        )
                    )
                    break
                seen.add(node)
                node = tree.get(node)
        raise_if_any(v)
        return cls(dict(sorted(tree.items())), dict(sorted(days.items())))

    def chain(self, agency: str) -> list[str]:
        """``agency`` and every agency above it, nearest first."""
        out = [agency]
        node = self.parents.get(agency)
        while node is not None and node not in out:
            out.append(node)
            node = self.parents.get(node)
        return out

    def minimum_for(self, agency: str) -> tuple[int, str]:
        """The minimum days that apply to ``agency`` and the agency whose policy sets it
        (0 and '' when none applies)."""
        best, source = 0, ""
        for node in self.chain(agency):
            days = self.minimum_days.get(node, 0)
            if days > best:
                best, source = days, node
        return best, source

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, as stored in the events."""
        return {"parents": dict(self.parents), "minimum_days": dict(self.minimum_days)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AgencyPolicies:
        """Inverse of :meth:`to_dict`."""
        return cls(dict(d.get("parents", {})), dict(d.get("minimum_days", {})))


class ParticipationPolicy(Aggregate, created_event_name="Started"):
    """The hub's agency hierarchy and consultation policies; one aggregate per hub."""

    TOPIC = "tabadol.participation_policy"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Started(Event, Aggregate.Created):
        """The first table was configured."""

        TOPIC = "tabadol.participation_policy.started"
        table: dict[str, Any]
        by: str
        at: str

    Created = Started

    class Configured(Event):
        """A new table replaced the previous one."""

        TOPIC = "tabadol.participation_policy.configured"
        table: dict[str, Any]
        by: str
        at: str

        def apply(self, aggregate: ParticipationPolicy) -> None:
            aggregate._policies = AgencyPolicies.from_dict(self.table)
            aggregate._changed = (self.by, datetime.fromisoformat(self.at))

    @staticmethod
    def create_id() -> UUID:
        """The one policy table of a hub."""
        return uuid5(NAMESPACE, "participation-policy")

    def __init__(self, table: dict[str, Any], by: str, at: str) -> None:
        self._policies = AgencyPolicies.from_dict(table)
        self._changed = (by, datetime.fromisoformat(at))

    @classmethod
    def start(cls, policies: AgencyPolicies, *, now: datetime, by: str) -> ParticipationPolicy:
        """The first table."""
        actor, at = _checked(policies, now, by)
        return cls(table=policies.to_dict(), by=actor, at=at)

    def configure(self, policies: AgencyPolicies, *, now: datetime, by: str) -> None:
        """Replace the table; the previous ones stay in the trail."""
        actor, at = _checked(policies, now, by)
        self.trigger_event(self.Configured, table=policies.to_dict(), by=actor, at=at)

    @property
    def policies(self) -> AgencyPolicies:
        """The table in force."""
        return self._policies

    @property
    def changed_by(self) -> str:
        """Who configured the table in force."""
        return self._changed[0]

    @property
    def changed_at(self) -> datetime:
        """When (UTC)."""
        return self._changed[1]


def _checked(policies: Any, now: Any, by: str) -> tuple[str, str]:
    if not isinstance(now, datetime) or now.utcoffset() is None:
        msg = f"now must be a timezone-aware datetime, got {now!r}"
        raise TypeError(msg)
    v: list[Violation] = []
    if not isinstance(policies, AgencyPolicies):
        v.append(Violation("policies", "must be a checked policy table"))
    actor = check_actor(v, by)
    raise_if_any(v)
    return actor, now.astimezone(UTC).isoformat()
