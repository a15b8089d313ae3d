"""Service counters (دفاتر پیشخوان, 004 art. 14): counters' registrations, delegations at an
access level (:mod:`aggregates.counters` defines the levels), what a counter may do on a
case, and the public list (n1-n2). Plain values in and out.

Who may change what (the gRPC edge names the caller; the local CLI holding the hub key acts
as the operator, ``cli:<key id>``):

| change | who |
|---|---|
| register a counter (name, kind, province, county, address) | the counter itself (``counter:CODE``) or the operator |
| delegate a service / revoke a delegation | the agency that owns the service in the catalogue, or the operator |

The callers' ``by`` is what the servicers record: ``MOJ`` for an agency, ``counter:P-1001``,
``hub:TABADOL`` or ``cli:<key id>`` for the operator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from aggregates.access import Grant
from aggregates.consultation import Province
from aggregates.counters import (
    CounterAction,
    CounterOffice,
    Delegation,
    DelegationTable,
    ServiceCounters,
    parse_counter_code,
)
from aggregates.errors import InvalidInput, NotFound
from aggregates.identifiers import ServiceCode
from aggregates.principals import is_operator_actor
from aggregates.service_case import ServiceCase
from hub.application.catalogue import Catalogue
from hub.application.errors import AccessDenied
from hub.application.store import Store
from projections.counter_directory import COUNTER_COLUMNS, CounterDirectory, CounterEntry

__all__ = ["COUNTER_PREFIX", "Counters", "counter_of"]

COUNTER_PREFIX = "counter:"
_PHRASES = {
    CounterAction.OPEN: "open cases",
    CounterAction.VERIFY_IDENTITY: "verify identities",
    CounterAction.CONFIRM_REPRESENTATIVE: "confirm representatives",
    CounterAction.RECORD_STEP: "record steps",
    CounterAction.COMPLETE_STAGE: "complete stages",
    CounterAction.INQUIRY: "make inquiries",
    CounterAction.DELIVER: "deliver",
    CounterAction.REJECT: "reject",
    CounterAction.CANCEL: "cancel",
    CounterAction.REQUEST_CORRECTION: "send cases back for correction",
    CounterAction.PAY: "take the fee",
    CounterAction.NOTE: "record exchange failures",
}
_STAGED = (CounterAction.RECORD_STEP, CounterAction.COMPLETE_STAGE)
_R = TypeVar("_R")


def counter_of(by: str) -> str | None:
    """The counter's code when ``by`` is a counter (``counter:P-1001``), else None."""
    return by.removeprefix(COUNTER_PREFIX) if by.startswith(COUNTER_PREFIX) else None


class Counters:
    """Register counters, delegate and revoke, check counters' actions, list them."""

    def __init__(self, store: Store, catalogue: Catalogue) -> None:
        self._store = store
        self._catalogue = catalogue
        self._directory = CounterDirectory()
        self._directory_position = 0
        self._directory_lock = threading.Lock()

    def _aggregate(self) -> ServiceCounters | None:
        """The table for reading (never changed here: :meth:`_change` loads its own copy)."""
        return self._store.peek(ServiceCounters.create_id(), ServiceCounters)

    def table(self) -> DelegationTable:
        """The counters and the delegations in force (empty before any)."""
        found = self._aggregate()
        return found.table() if found else DelegationTable()

    def _change(
        self, by: str, command: Callable[[ServiceCounters], _R]
    ) -> tuple[_R, ServiceCounters]:
        table, result = self._store.change(
            ServiceCounters.create_id(),
            ServiceCounters,
            "service counters",
            "",
            command,
            start=lambda: ServiceCounters.start(by=by),
        )
        return result, table

    # --- changes --------------------------------------------------------------------

    def register_counter(self, code: str, *, by: str, **details: str) -> CounterOffice:
        """Register (or re-register) counter ``code`` with its ``details`` (name, kind,
        province, county, address, postal_code: :meth:`ServiceCounters.register`); by the
        counter itself or the operator."""
        canonical = parse_counter_code(code, "code")
        if not is_operator_actor(by) and by != f"{COUNTER_PREFIX}{canonical}":
            raise AccessDenied(
                f"only the counter itself or the hub's operator may register counter"
                f" {canonical}, not {by}"
            )
        _, table = self._change(by, lambda t: t.register(canonical, by=by, **details))
        return table.counters[canonical]

    def delegate(
        self,
        counter: str,
        service_code: str,
        *,
        level: str,
        take_payment: bool = False,
        by: str,
        reason: str,
    ) -> Delegation:
        """Delegate one service to a counter; only its owning agency or the operator may."""
        record = self._catalogue.record(ServiceCode.parse(service_code).value)
        owner = record.spec.owner_agency.strip().upper()
        if not is_operator_actor(by) and by != owner:
            raise AccessDenied(
                f"only {owner}, which owns service {record.service_code}, or the hub's"
                f" operator may delegate it, not {by}"
            )
        delegation_id, table = self._change(
            by,
            lambda t: t.delegate(
                owner,
                counter,
                record.service_code,
                level=level,
                take_payment=take_payment,
                by=by,
                reason=reason,
            ),
        )
        return table.delegations[delegation_id]

    def revoke(self, delegation_id: str, *, by: str, reason: str) -> Delegation:
        """End a delegation (it stays in the history); by its agency or the operator."""
        found = self._aggregate()
        existing = found.delegations.get(delegation_id.strip()) if found else None
        if existing is None:
            raise NotFound("delegation", delegation_id)
        if not is_operator_actor(by) and by != existing.agency:
            raise AccessDenied(
                f"only {existing.agency}, which made delegation {existing.delegation_id},"
                f" or the hub's operator may revoke it, not {by}"
            )
        _, table = self._change(
            by, lambda t: t.revoke(existing.delegation_id, by=by, reason=reason)
        )
        return table.delegations[existing.delegation_id]

    # --- reads ----------------------------------------------------------------------

    def list_delegations(
        self,
        *,
        agency: str | None = None,
        counter: str | None = None,
        include_revoked: bool = False,
    ) -> list[Delegation]:
        """Delegations (in force, or all), of ``agency`` and/or to ``counter``."""
        found = self._aggregate()
        if found is None:
            return []
        code = parse_counter_code(counter) if counter else None
        return [
            d
            for d in tuple(found.delegations.values())  # one copy: another thread may apply
            if (include_revoked or d.active)
            and (agency is None or d.agency == agency)
            and (code is None or d.counter == code)
        ]

    def counter(self, code: str) -> CounterOffice:
        canonical = parse_counter_code(code)
        office = self.table().counters.get(canonical)
        if office is None:
            raise NotFound("counter", canonical)
        return office

    def code_grants(self) -> tuple[Grant, ...]:
        """Each delegation in force as the ``code:`` right it implies: a counter delegated
        a service may reach the service desk's case RPCs for it (what it may do there is
        then its level's, checked per case by :meth:`authorise`)."""
        return tuple(d.grant for d in self.table().delegations)

    # --- what a counter may do --------------------------------------------------------

    def opening(self, service_code: str, owner: str, by: str) -> tuple[str, str]:
        """(the case's main agency, the counter) for a case of ``service_code`` opened by
        ``by``; a counter needs a delegation in force of the service."""
        counter = counter_of(by)
        if counter is None:
            return by, ""
        delegation = self.table().delegation(counter, service_code)
        if delegation is None or delegation.agency != owner:
            raise AccessDenied(
                f"service {service_code} is not delegated to counter {counter}: it may open"
                f" cases only of services delegated to it"
            )
        return owner, counter

    def authorise(self, case: ServiceCase, by: str, action: CounterAction) -> None:
        """Whether ``by`` may do ``action`` on ``case``: its main agency always; a counter
        only on a case that came through it, with a delegation in force whose level allows
        the action at the case's stage. AccessDenied (PERMISSION_DENIED) otherwise."""
        counter = counter_of(by)
        if counter is None:
            if case.agency != by:
                raise AccessDenied(f"case {case.tracking_code} belongs to {case.agency}, not {by}")
            return
        if case.counter != counter:
            raise AccessDenied(
                f"case {case.tracking_code} did not come through counter {counter}: a counter"
                f" acts only on the cases it opened"
            )
        delegation = self.table().delegation(counter, case.service_code)
        if delegation is None or delegation.agency != case.agency:
            raise AccessDenied(
                f"service {case.service_code} is no longer delegated to counter {counter}:"
                f" {case.agency} finishes its cases"
            )
        if not delegation.permits(action, case.stage):
            where = f" in the {case.stage.value} stage" if action in _STAGED else ""
            raise AccessDenied(
                f"counter {counter}'s {delegation.level.value} delegation"
                f" ({delegation.delegation_id}) does not let it {_PHRASES[action]}{where}:"
                f" intake covers the request stage, full the whole service, the fee needs"
                f" take_payment"
            )

    # --- the public list (n1-n2) -----------------------------------------------------

    def _read_directory(self, query: Callable[[CounterDirectory], _R]) -> _R:
        """``query`` on the public list, brought up to date first: the projection
        (:mod:`projections.counter_directory`) folds only the events stored since it last
        looked (by log position), under a lock shared with the queries."""
        with self._directory_lock:
            view = self._directory
            self._directory_position = self._store.fold_since(self._directory_position, view)
            return query(view)

    def list_counters(
        self, province: str | None = None, agency: str | None = None
    ) -> list[CounterEntry]:
        """The counters of ``province`` (key or Persian name; all when None)."""
        key = None
        if province:
            found = Province.parse(province)
            if found is None:
                raise InvalidInput.field(
                    "province", f"not one of Iran's 31 provinces: {province!r}"
                )
            key = found.value
        chosen = agency.upper() if agency else None
        return self._read_directory(lambda view: view.counters(key, agency=chosen))

    def public_list(
        self, province: str | None = None, agency: str | None = None
    ) -> tuple[list[CounterEntry], dict[str, str]]:
        """The public list (:meth:`list_counters`) and the Persian titles of its services."""
        entries = self.list_counters(province, agency)
        return entries, self._titles(entries)

    def _titles(self, entries: list[CounterEntry]) -> dict[str, str]:
        codes = {s.service_code for e in entries for s in e.services}
        return {code: self._catalogue.record(code).spec.title_fa for code in sorted(codes)}

    def open_dataset(self) -> tuple[tuple[str, ...], list[dict[str, Any]], list[dict[str, Any]]]:
        """(CSV columns, rows, JSON documents) of the ``counters`` open dataset."""
        entries = self._read_directory(lambda view: view.counters())
        titles = self._titles(entries)
        rows = self._read_directory(lambda view: view.rows(titles))
        return COUNTER_COLUMNS, rows, rows
