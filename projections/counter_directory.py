"""فهرست دفاتر پیشخوان: the public list of service counters with their addresses by province
and county, and the services delegated to each (004 art. 14 n1-n2).

A projection of :class:`~aggregates.counters.ServiceCounters`' events, rebuildable and
idempotent by aggregate version (like :mod:`projections.petition_desk`). Art. 14 n1: each
agency publishes its delegated services and the counters' addresses; n2: each province lists
the counters of its province or county, "and the other offices that provide services" — so a
registered counter with nothing delegated is listed too. Revoked delegations are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from aggregates.consultation import Province
from aggregates.counters import ServiceCounters

__all__ = [
    "COUNTER_COLUMNS",
    "COUNTER_TOPICS",
    "CounterDirectory",
    "CounterEntry",
    "DelegatedService",
]

COUNTER_TOPICS: tuple[str, ...] = (
    ServiceCounters.Registered.TOPIC,
    ServiceCounters.Delegated.TOPIC,
    ServiceCounters.Revoked.TOPIC,
)

COUNTER_COLUMNS = (
    "province",
    "province_fa",
    "county",
    "counter",
    "name",
    "kind",
    "address",
    "postal_code",
    "agency",
    "service_code",
    "service_title_fa",
    "level",
    "take_payment",
    "delegated_at",
)
"""The open dataset's columns: one row per delegated service (a counter with none: one row
with the service columns empty)."""


@dataclass(frozen=True)
class DelegatedService:
    agency: str
    service_code: str
    level: str
    take_payment: bool
    delegated_at: datetime
    delegation_id: str


@dataclass(frozen=True)
class CounterEntry:
    """One counter as the public sees it: where it is and what it may deliver."""

    code: str
    name: str
    kind: str
    province: str
    province_fa: str
    county: str
    address: str
    postal_code: str
    services: tuple[DelegatedService, ...]


class CounterDirectory:
    """The projection: counters by province and county, with their delegations in force."""

    name = "counter_directory"
    topics = COUNTER_TOPICS

    def __init__(self) -> None:
        self._counters: dict[str, CounterEntry] = {}
        self._delegations: dict[str, tuple[str, DelegatedService]] = {}
        self._versions: dict[UUID, int] = {}

    def process_event(self, event: object) -> None:
        """Fold one event in; others, and events already seen, are ignored."""
        if not isinstance(event, ServiceCounters.Event):
            return
        key = event.originator_id
        if event.originator_version <= self._versions.get(key, 0):
            return
        self._versions[key] = event.originator_version
        if isinstance(event, ServiceCounters.Registered):
            old = self._counters.get(event.code)
            self._counters[event.code] = CounterEntry(
                code=event.code,
                name=event.name,
                kind=event.kind,
                province=event.province,
                province_fa=Province(event.province).title_fa,
                county=event.county,
                address=event.address,
                postal_code=event.postal_code,
                services=old.services if old else (),
            )
        elif isinstance(event, ServiceCounters.Delegated):
            service = DelegatedService(
                agency=event.agency,
                service_code=event.service_code,
                level=event.level,
                take_payment=event.take_payment,
                delegated_at=event.timestamp,
                delegation_id=event.delegation_id,
            )
            self._delegations[event.delegation_id] = (event.counter, service)
            self._touch(event.counter)
        elif isinstance(event, ServiceCounters.Revoked):
            found = self._delegations.pop(event.delegation_id, None)
            if found is not None:
                self._touch(found[0])

    def _touch(self, counter: str) -> None:
        entry = self._counters.get(counter)
        if entry is None:  # pragma: no cover - a counter is registered before delegations
            return
        services = sorted(
            (s for c, s in self._delegations.values() if c == counter),
            key=lambda s: (s.agency, s.service_code),
        )
        self._counters[counter] = replace(entry, services=tuple(services))

    # --- views ---------------------------------------------------------------------------

    def counters(
        self, province: str | None = None, *, agency: str | None = None
    ) -> list[CounterEntry]:
        """Counters of ``province`` (all when None), by province, county and code; with
        ``agency``, only those delegated a service of that agency, showing only its services
        (its list under n1)."""
        found = []
        for entry in self._counters.values():
            if province and entry.province != province:
                continue
            if agency:
                mine = tuple(s for s in entry.services if s.agency == agency)
                if not mine:
                    continue
                entry = replace(entry, services=mine)
            found.append(entry)
        return sorted(found, key=lambda e: (e.province, e.county, e.code))

    def rows(self, titles: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """The open dataset's rows (:data:`COUNTER_COLUMNS`); ``titles`` names services."""
        titles = titles or {}
        out: list[dict[str, Any]] = []
        for entry in self.counters():
            base = {
                "province": entry.province,
                "province_fa": entry.province_fa,
                "county": entry.county,
                "counter": entry.code,
                "name": entry.name,
                "kind": entry.kind,
                "address": entry.address,
                "postal_code": entry.postal_code,
            }
            if not entry.services:
                out.append(
                    base
                    | {
                        "agency": "",
                        "service_code": "",
                        "service_title_fa": "",
                        "level": "",
                        "take_payment": None,
                        "delegated_at": None,
                    }
                )
            for s in entry.services:
                out.append(
                    base
                    | {
                        "agency": s.agency,
                        "service_code": s.service_code,
                        "service_title_fa": titles.get(s.service_code, ""),
                        "level": s.level,
                        "take_payment": s.take_payment,
                        "delegated_at": s.delegated_at.isoformat(),
                    }
                )
        return out
