"""Petition (درخواست، شکایت، پیشنهاد): a citizen's request, complaint or suggestion gets a
tracking code, is routed automatically to the responsible unit by its topic, is answered
by that unit's agency, and the answer is looked up with the code (001 item 6).

Answers come "in the shortest possible time" (000 strategy item 4): every topic of the
routing table carries an answer deadline in days, fixed on the petition when it is
received (forwarding does not restart the citizen's clock). A unit that holds a petition
may forward it to another unit; every holder stays in the petition's trail. A comment on
a service (000 strategy item 5) is a petition of kind ``comment`` naming the service, so
the unit in charge of the service sees them summarised per service.

The routing table itself is configuration with a history: :class:`PetitionRouting` is
the aggregate whose signed events are the successive tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    LONG_TEXT,
    NAMESPACE,
    SHORT_TEXT,
    check_actor,
    check_int,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.consultation import check_choice, check_pseudonym
from aggregates.errors import TransitionRefused, Violation, shown
from aggregates.identifiers import AgencyCode, ServiceCode, TrackingCode, TrackingKind

__all__ = [
    "BODY_LENGTH",
    "DEFAULT_ANSWER_DAYS",
    "MAX_ANSWER_DAYS",
    "Holder",
    "Petition",
    "PetitionKind",
    "PetitionRouting",
    "PetitionStatus",
    "Route",
    "RoutingTable",
]

BODY_LENGTH = 4000
DEFAULT_ANSWER_DAYS = 7
"""Answer deadline of a topic whose route names none (000 item 4 asks for the shortest
possible time and names no figure: a week is the hub's default, each topic may set its
own)."""
MAX_ANSWER_DAYS = 90
_TOPIC = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class PetitionKind(StrEnum):
    """request (درخواست), complaint (شکایت) or suggestion (پیشنهاد)."""

    REQUEST = "request"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    COMMENT = "comment"  # نظر درباره خدمت (000 strategy item 5): names a service

    @property
    def title_fa(self) -> str:
        """The kind's Persian name."""
        return {
            "request": "درخواست",
            "complaint": "شکایت",
            "suggestion": "پیشنهاد",
            "comment": "نظر درباره خدمت",
        }[self.value]


class PetitionStatus(StrEnum):
    """routed (ارجاع‌شده, awaiting its answer) or answered (پاسخ‌داده‌شده)."""

    ROUTED = "routed"
    ANSWERED = "answered"


def _topic_problem(topic: str) -> str | None:
    if _TOPIC.fullmatch(topic) is None:
        return (
            "topic must be a key of 1 to 64 characters: lowercase letters a-z, digits,"
            f" '_' and '-', starting with a letter or digit; got {shown(topic)}"
        )
    return None


@dataclass(frozen=True)
class Route:
    """The unit responsible for a topic: an agency and one of its units (واحد تخصصی),
    and how many days it has to answer (000 strategy item 4)."""

    agency: str
    unit: str
    answer_days: int = DEFAULT_ANSWER_DAYS

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, as stored in routing events."""
        return {"agency": self.agency, "unit": self.unit, "answer_days": self.answer_days}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Route:
        """Inverse of :meth:`to_dict`."""
        return cls(d["agency"], d["unit"], int(d.get("answer_days", DEFAULT_ANSWER_DAYS)))


@dataclass(frozen=True)
class Holder:
    """One unit that held a petition, from ``since``; ``reason`` says why it came to it
    ('' for the first, routed by topic) and ``by`` who sent it there."""

    agency: str
    unit: str
    since: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class RoutingTable:
    """Topic → responsible unit, with a default unit for every other topic.

    Construct with :meth:`of`, which checks and normalises every entry.
    """

    default: Route
    routes: Mapping[str, Route] = field(default_factory=dict)

    @classmethod
    def of(cls, default: Route, routes: Mapping[str, Route] | None = None) -> RoutingTable:
        """A checked table: topics are keys (see :class:`Petition`), agencies valid codes."""
        v: list[Violation] = []
        checked = {
            topic.strip().lower(): _checked_route(v, f"routes[{shown(topic)}]", route)
            for topic, route in (routes or {}).items()
        }
        for topic in checked:
            problem = _topic_problem(topic)
            if problem:
                v.append(Violation(f"routes[{shown(topic)}]", problem))
        default_route = _checked_route(v, "default", default)
        raise_if_any(v)
        return cls(default_route, checked)

    def route(self, topic: str) -> Route:
        """Where a petition on ``topic`` goes (the default unit for an unlisted topic)."""
        return self.routes.get(topic.strip().lower(), self.default)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, as stored in :class:`PetitionRouting` events."""
        return {
            "default": self.default.to_dict(),
            "routes": {topic: route.to_dict() for topic, route in sorted(self.routes.items())},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoutingTable:
        """Inverse of :meth:`to_dict` (already checked when it was stored)."""
        routes = {topic: Route.from_dict(r) for topic, r in d.get("routes", {}).items()}
        return cls(Route.from_dict(d["default"]), routes)


def _checked_route(v: list[Violation], where: str, route: Any) -> Route:
    if not isinstance(route, Route):
        v.append(Violation(where, "must be a Route(agency, unit)"))
        return Route("", "")
    agency = check_parsed(v, AgencyCode.parse, route.agency, f"{where}.agency")
    unit = check_text(v, f"{where}.unit", route.unit, max_length=SHORT_TEXT, what="unit")
    days = check_int(
        v, f"{where}.answer_days", route.answer_days, 1, MAX_ANSWER_DAYS, "answer days"
    )
    return Route(agency, unit, days)


class Petition(Aggregate, created_event_name="Submitted"):
    """درخواست/شکایت/پیشنهاد: submitted and routed in one step, forwarded between units
    as often as needed, then answered once by the unit that holds it.

    The submitter is anonymous or a keyed pseudonym, never a national code.
    """

    TOPIC = "tabadol.petition"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Submitted(Event, Aggregate.Created):
        """The petition was received and routed to the responsible unit."""

        TOPIC = "tabadol.petition.submitted"
        tracking_code: str
        kind: str
        topic: str
        subject: str
        body: str
        submitter: str
        routed_agency: str
        routed_unit: str
        by: str
        at: str
        answer_due_at: str
        service_code: str

        # Version 2 adds the answer deadline (000 item 4) and the service a comment is
        # about (000 item 5). Petitions received before had neither: no deadline ('').
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("answer_due_at", "")
            state.setdefault("service_code", "")

    Created = Submitted  # the framework's "created" slot is Submitted, under its topic

    class Forwarded(Event):
        """The unit holding the petition sent it on to another unit (ارجاع)."""

        TOPIC = "tabadol.petition.forwarded"
        from_agency: str
        from_unit: str
        to_agency: str
        to_unit: str
        reason: str
        by: str
        at: str

        def apply(self, aggregate: Petition) -> None:
            aggregate._route = Route(self.to_agency, self.to_unit)
            aggregate._holders.append(
                Holder(
                    self.to_agency,
                    self.to_unit,
                    datetime.fromisoformat(self.at),
                    self.by,
                    self.reason,
                )
            )

    class Answered(Event):
        """The responsible agency answered."""

        TOPIC = "tabadol.petition.answered"
        answer: str
        by: str
        at: str

        def apply(self, aggregate: Petition) -> None:
            aggregate._answer = self.answer
            aggregate._answered_by = self.by
            aggregate._answered_at = datetime.fromisoformat(self.at)

    @staticmethod
    def create_id(tracking_code: str) -> UUID:
        """Deterministic id: uuid5 of Tabadol's namespace and ``petition:<code>``; a loosely
        typed code maps to the same id as its canonical form."""
        if TrackingCode.is_valid(tracking_code):
            tracking_code = TrackingCode.parse(tracking_code).value
        return uuid5(NAMESPACE, "petition:" + tracking_code)

    def __init__(
        self,
        tracking_code: str,
        kind: str,
        topic: str,
        subject: str,
        body: str,
        submitter: str,
        routed_agency: str,
        routed_unit: str,
        by: str,
        at: str,
        answer_due_at: str = "",
        service_code: str = "",
    ) -> None:
        # Runs when Submitted is applied; use submit() to submit a petition.
        self._tracking_code = tracking_code
        self._kind = PetitionKind(kind)
        self._topic = topic
        self._subject = subject
        self._body = body
        self._submitter = submitter
        self._route = Route(routed_agency, routed_unit)
        self._submitted_by = by
        self._submitted_at = datetime.fromisoformat(at)
        self._due_at = datetime.fromisoformat(answer_due_at) if answer_due_at else None
        self._service_code = service_code
        self._holders = [Holder(routed_agency, routed_unit, self._submitted_at, by, "")]
        self._answer = ""
        self._answered_by = ""
        self._answered_at: datetime | None = None

    # --- commands ----------------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        tracking_code: TrackingCode,
        *,
        kind: PetitionKind | str,
        topic: str,
        subject: str,
        body: str,
        routing: RoutingTable,
        now: datetime,
        by: str,
        submitter: str = "",
        service_code: str = "",
    ) -> Petition:
        """Receive a petition under a PETITION tracking code and route it by ``topic``;
        ``by`` is the channel's agency (e.g. the national window), ``submitter`` the
        citizen's pseudonym or '' when anonymous. A ``comment`` names the service it is
        about (``service_code``); other kinds may. The answer is due ``answer_days`` of
        the topic's route after ``now``."""
        now = _aware(now)
        v: list[Violation] = []
        if not isinstance(tracking_code, TrackingCode):
            v.append(Violation("tracking_code", "tracking code must be parsed first"))
        elif tracking_code.kind is not TrackingKind.PETITION:
            v.append(
                Violation(
                    "tracking_code",
                    "a petition needs a petition tracking code (starting with"
                    f" {TrackingKind.PETITION.value}), got kind {tracking_code.kind.value}",
                )
            )
        petition_kind = check_choice(v, "kind", PetitionKind, kind, "kind")
        key = topic.strip().lower() if isinstance(topic, str) else ""
        problem = _topic_problem(key)
        if problem:
            v.append(Violation("topic", problem))
        title = check_text(v, "subject", subject, max_length=SHORT_TEXT, what="subject")
        text = check_text(v, "body", body, max_length=BODY_LENGTH, what="body")
        who = check_pseudonym(v, submitter, "submitter") if submitter else ""
        actor = check_actor(v, by)
        service = ""
        if isinstance(service_code, str) and service_code.strip():
            service = check_parsed(v, ServiceCode.parse, service_code, "service_code")
        elif petition_kind is PetitionKind.COMMENT:
            v.append(
                Violation("service_code", "a comment on a service names the service it is about")
            )
        raise_if_any(v)
        assert petition_kind is not None  # raise_if_any raised otherwise
        route = routing.route(key)
        return cls(
            tracking_code=tracking_code.value,
            kind=petition_kind.value,
            topic=key,
            subject=title,
            body=text,
            submitter=who,
            routed_agency=route.agency,
            routed_unit=route.unit,
            by=actor,
            at=now.astimezone(UTC).isoformat(),
            answer_due_at=(now + timedelta(days=route.answer_days)).astimezone(UTC).isoformat(),
            service_code=service,
        )

    def forward(self, to: Route, *, reason: str, now: datetime, by: str) -> None:
        """Send the petition on to another unit (``to``'s deadline days are ignored: the
        answer stays due when it was). Only the agency holding it may forward it, not
        once it is answered, and not to the unit that holds it."""
        now = _aware(now)
        if self._answered_at is not None:
            msg = f"petition {self._tracking_code} is already answered"
            raise TransitionRefused(msg, field="status")
        v: list[Violation] = []
        target = _checked_route(v, "to", to)
        why = check_text(v, "reason", reason, max_length=LONG_TEXT, what="reason")
        actor = check_actor(v, by)
        raise_if_any(v)
        if (target.agency, target.unit) == (self._route.agency, self._route.unit):
            msg = f"petition {self._tracking_code} is already with {target.agency} ({target.unit})"
            raise TransitionRefused(msg, field="to")
        self.trigger_event(
            self.Forwarded,
            from_agency=self._route.agency,
            from_unit=self._route.unit,
            to_agency=target.agency,
            to_unit=target.unit,
            reason=why,
            by=actor,
            at=now.astimezone(UTC).isoformat(),
        )

    def answer(self, text: str, *, now: datetime, by: str) -> None:
        """The responsible agency's answer, once; the citizen reads it with the code."""
        now = _aware(now)
        if self._answered_at is not None:
            msg = f"petition {self._tracking_code} is already answered"
            raise TransitionRefused(msg, field="status")
        v: list[Violation] = []
        answer = check_text(v, "answer", text, max_length=LONG_TEXT * 4, what="answer")
        actor = check_actor(v, by)
        raise_if_any(v)
        self.trigger_event(
            self.Answered, answer=answer, by=actor, at=now.astimezone(UTC).isoformat()
        )

    # --- read side ---------------------------------------------------------------------

    @property
    def tracking_code(self) -> str:
        """کد رهگیری, canonical form."""
        return self._tracking_code

    @property
    def kind(self) -> PetitionKind:
        """Request, complaint, suggestion or comment on a service."""
        return self._kind

    @property
    def topic(self) -> str:
        """The topic key it was routed by."""
        return self._topic

    @property
    def subject(self) -> str:
        """A one-line subject."""
        return self._subject

    @property
    def body(self) -> str:
        """The text of the petition."""
        return self._body

    @property
    def submitter(self) -> str:
        """The citizen's pseudonym, or '' when anonymous."""
        return self._submitter

    @property
    def route(self) -> Route:
        """The agency and unit that hold it now (answer days are the petition's own)."""
        return self._route

    @property
    def holders(self) -> tuple[Holder, ...]:
        """Every unit that held it, first the one it was routed to, last the current."""
        return tuple(self._holders)

    @property
    def service_code(self) -> str:
        """The service a comment (or any petition) is about; '' when none."""
        return self._service_code

    @property
    def answer_due_at(self) -> datetime | None:
        """When the answer is due (UTC); None for petitions received before deadlines."""
        return self._due_at

    def overdue(self, now: datetime) -> bool:
        """Whether it is unanswered past its deadline at ``now`` (or was answered late)."""
        if self._due_at is None:
            return False
        end = self._answered_at or _aware(now)
        return end > self._due_at

    @property
    def submitted_by(self) -> str:
        """The agency whose channel carried it."""
        return self._submitted_by

    @property
    def submitted_at(self) -> datetime:
        """When it was received (UTC)."""
        return self._submitted_at

    @property
    def status(self) -> PetitionStatus:
        """Routed, or answered."""
        return PetitionStatus.ANSWERED if self._answered_at else PetitionStatus.ROUTED

    @property
    def answer_text(self) -> str:
        """The answer; '' until answered."""
        return self._answer

    @property
    def answered_by(self) -> str:
        """The agency that answered; '' until answered."""
        return self._answered_by

    @property
    def answered_at(self) -> datetime | None:
        """When it was answered (UTC)."""
        return self._answered_at


_ROUTING_KEY = "petition-routing"


class PetitionRouting(Aggregate, created_event_name="Started"):
    """The hub's petition routing table as configuration with a history (001 item 6):
    one aggregate, each table a signed event; changed through the API by the hub's
    operator only (the application checks who; the aggregate keeps who and when)."""

    TOPIC = "tabadol.petition_routing"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Started(Event, Aggregate.Created):
        """The first table was configured."""

        TOPIC = "tabadol.petition_routing.started"
        table: dict[str, Any]
        by: str
        at: str

    Created = Started

    class Configured(Event):
        """A new table replaced the previous one."""

        TOPIC = "tabadol.petition_routing.configured"
        table: dict[str, Any]
        by: str
        at: str

        def apply(self, aggregate: PetitionRouting) -> None:
            aggregate._table = RoutingTable.from_dict(self.table)
            aggregate._changed = (self.by, datetime.fromisoformat(self.at))

    @staticmethod
    def create_id() -> UUID:
        """The one routing table of a hub."""
        return uuid5(NAMESPACE, _ROUTING_KEY)

    def __init__(self, table: dict[str, Any], by: str, at: str) -> None:
        self._table = RoutingTable.from_dict(table)
        self._changed = (by, datetime.fromisoformat(at))

    @classmethod
    def start(cls, table: RoutingTable, *, now: datetime, by: str) -> PetitionRouting:
        """The first configured table (checked: build it with :meth:`RoutingTable.of`)."""
        actor, at = _config_checked(table, now, by)
        return cls(table=table.to_dict(), by=actor, at=at)

    def configure(self, table: RoutingTable, *, now: datetime, by: str) -> None:
        """Replace the table; the previous ones stay in the trail."""
        actor, at = _config_checked(table, now, by)
        self.trigger_event(self.Configured, table=table.to_dict(), by=actor, at=at)

    @property
    def table(self) -> RoutingTable:
        """The table in force."""
        return self._table

    @property
    def changed_by(self) -> str:
        """Who configured the table in force."""
        return self._changed[0]

    @property
    def changed_at(self) -> datetime:
        """When (UTC)."""
        return self._changed[1]


def _config_checked(table: Any, now: datetime, by: str) -> tuple[str, str]:
    now = _aware(now)
    v: list[Violation] = []
    if not isinstance(table, RoutingTable):
        v.append(Violation("table", "must be a checked routing table"))
    actor = check_actor(v, by)
    raise_if_any(v)
    return actor, now.astimezone(UTC).isoformat()


def _aware(now: Any) -> datetime:
    if not isinstance(now, datetime) or now.utcoffset() is None:
        msg = f"now must be a timezone-aware datetime, got {now!r}"
        raise TypeError(msg)
    return now
