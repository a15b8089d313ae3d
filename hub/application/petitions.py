"""Requests, complaints, suggestions and comments on services (000 items 4-5; 001 item 6):
a tracking code each, routed by the table in force to the unit in charge, forwarded with
the trail of who had it, answered under the code by a deadline; the desk's overdue list,
KPIs and comments per service; the routing table as signed configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.petition import (
    Holder,
    Petition,
    PetitionKind,
    PetitionRouting,
    PetitionStatus,
    Route,
    RoutingTable,
)
from hub.application.consultations import tracking_code_of
from hub.application.errors import AccessDenied, require_operator
from hub.application.participants import ParticipationSettings, aware_now
from hub.application.store import Store
from projections.petition_desk import PetitionDesk, PetitionRow, ServiceComments, UnitKpis

__all__ = ["PetitionDeskView", "PetitionView", "Petitions", "RoutingView"]

_RETRIES = 5


_R = TypeVar("_R")


@dataclass(frozen=True)
class PetitionView:
    tracking_code: str
    kind: PetitionKind
    topic: str
    subject: str
    body: str
    routed_agency: str
    routed_unit: str
    status: PetitionStatus
    submitted_at: datetime
    answer: str
    answered_by: str
    answered_at: datetime | None
    identified: bool
    service_code: str = ""
    answer_due_at: datetime | None = None
    overdue: bool = False
    holders: tuple[Holder, ...] = ()
    submitted_by: str = ""
    """The agency whose channel carried it (e.g. the national window)."""
    submitter: str = ""
    """The submitter's pseudonym ('' when anonymous): compared at the edge, never sent."""


@dataclass(frozen=True)
class RoutingView:
    """The petition routing table in force, who set it and when (version 0: never
    configured, the hub's default applies)."""

    table: RoutingTable
    version: int
    changed_by: str
    changed_at: datetime | None


@dataclass(frozen=True)
class PetitionDeskView:
    """What a unit's desk shows at ``at``: overdue petitions, KPIs, comments per service."""

    at: datetime
    overdue: list[PetitionRow]
    kpis: list[UnitKpis]
    service_comments: list[ServiceComments]


def _petition_view(p: Petition, now: datetime) -> PetitionView:
    return PetitionView(
        tracking_code=p.tracking_code,
        kind=p.kind,
        topic=p.topic,
        subject=p.subject,
        body=p.body,
        routed_agency=p.route.agency,
        routed_unit=p.route.unit,
        status=p.status,
        submitted_at=p.submitted_at,
        answer=p.answer_text,
        answered_by=p.answered_by,
        answered_at=p.answered_at,
        identified=bool(p.submitter),
        service_code=p.service_code,
        answer_due_at=p.answer_due_at,
        overdue=p.overdue(now),
        holders=p.holders,
        submitted_by=p.submitted_by,
        submitter=p.submitter,
    )


class Petitions:
    """Submit a petition (by pseudonym or anonymously), answer it as the routed agency."""

    def __init__(self, store: Store, settings: Callable[[], ParticipationSettings]) -> None:
        self._store = store
        self._settings = settings

    # --- petitions (001 item 6) ------------------------------------------------------------

    def submit_petition(
        self,
        *,
        kind: PetitionKind | str,
        topic: str,
        subject: str,
        body: str,
        by: str,
        participant: str = "",
        service_code: str = "",
    ) -> PetitionView:
        """``participant``: the submitter's pseudonym from the edge; "" for an anonymous
        petition. Routed by the table in force (:meth:`petition_routing`); a ``comment``
        names the service it is about (000 item 5)."""
        submitter = participant
        now = aware_now(self._settings())
        table = self.petition_routing().table
        petition = self._store.create(
            TrackingKind.PETITION,
            lambda code: Petition.submit(
                code,
                kind=kind,
                topic=topic,
                subject=subject,
                body=body,
                routing=table,
                now=now,
                by=by,
                submitter=submitter,
                service_code=service_code,
            ),
        )
        return _petition_view(petition, now)

    def answer_petition(self, tracking_code: str, *, answer: str, by: str) -> PetitionView:
        code = tracking_code_of(tracking_code, TrackingKind.PETITION, "petition")
        now = aware_now(self._settings())

        def answer_it(p: Petition) -> None:
            if p.route.agency != by:
                raise AccessDenied(
                    f"petition {p.tracking_code} is routed to {p.route.agency}"
                    f" ({p.route.unit}), not {by}"
                )
            p.answer(answer, now=now, by=by)

        petition, _ = self._change(Petition, code, answer_it)
        return _petition_view(petition, now)

    def forward_petition(
        self, tracking_code: str, *, to_agency: str, to_unit: str, reason: str, by: str
    ) -> PetitionView:
        """The agency holding a petition sends it on to another unit (its own or another
        agency's); the trail keeps every holder; the deadline does not move."""
        code = tracking_code_of(tracking_code, TrackingKind.PETITION, "petition")
        now = aware_now(self._settings())

        def forward(p: Petition) -> None:
            if p.route.agency != by:
                raise AccessDenied(
                    f"petition {p.tracking_code} is with {p.route.agency} ({p.route.unit}),"
                    f" not {by}: only its holder may forward it"
                )
            p.forward(Route(to_agency, to_unit), reason=reason, now=now, by=by)

        petition, _ = self._change(Petition, code, forward)
        return _petition_view(petition, now)

    def get_petition(self, tracking_code: str) -> PetitionView:
        code = tracking_code_of(tracking_code, TrackingKind.PETITION, "petition")
        return _petition_view(self._load(Petition, code), aware_now(self._settings()))

    def petition_desk(self, agency: str | None = None) -> PetitionDeskView:
        """The overdue list, answer KPIs per unit and comments per service (000 items
        4-5), of ``agency`` or of every agency, at the participation clock's now."""
        desk = PetitionDesk()
        for event in self._store.replay(*desk.topics):
            desk.process_event(event)
        now = aware_now(self._settings())
        who = agency or None
        return PetitionDeskView(
            now, desk.overdue(now, who), desk.kpis(now, who), desk.service_comments(now, who)
        )

    # --- the routing table (001 item 6): configuration, by the operator ---------------------

    def configure_petition_routing(
        self, default: Route, routes: Mapping[str, Route], *, by: str
    ) -> RoutingView:
        """Replace the routing table: a signed event, by the hub's operator only; every
        earlier table stays in the trail."""
        require_operator(by, "the petition routing table")
        table = RoutingTable.of(default, routes)
        now = aware_now(self._settings())
        for attempt in range(_RETRIES):
            routing = self._store.find(PetitionRouting.create_id(), PetitionRouting)
            if routing is None:
                routing = PetitionRouting.start(table, now=now, by=by)
            else:
                routing.configure(table, now=now, by=by)
            try:
                self._store.save(routing)
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
                continue
            return self.petition_routing()
        raise AssertionError("unreachable")  # pragma: no cover

    def petition_routing(self) -> RoutingView:
        """The table in force (the configured one, else the hub's default)."""
        routing = self._store.find(PetitionRouting.create_id(), PetitionRouting)
        if routing is None:
            return RoutingView(self._settings().routing, 0, "", None)
        return RoutingView(routing.table, routing.version, routing.changed_by, routing.changed_at)

    def _load(self, kind: type[Petition], code: TrackingCode) -> Petition:
        return self._store.get(kind.create_id(code.value), kind, "petition", code.value)

    def _change(
        self, kind: type[Petition], code: TrackingCode, command: Callable[[Petition], _R]
    ) -> tuple[Petition, _R]:
        return self._store.change(kind.create_id(code.value), kind, "petition", code.value, command)
