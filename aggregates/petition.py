"""Petition (درخواست، شکایت، پیشنهاد): a citizen's request, complaint or suggestion gets a
tracking code, is routed automatically to the responsible unit by its topic, is answered
by that unit's agency, and the answer is looked up with the code (001 item 6)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    LONG_TEXT,
    NAMESPACE,
    SHORT_TEXT,
    check_actor,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.consultation import check_choice, check_pseudonym
from aggregates.errors import TransitionRefused, Violation, shown
from aggregates.identifiers import AgencyCode, TrackingCode, TrackingKind

__all__ = [
    "BODY_LENGTH",
    "Petition",
    "PetitionKind",
    "PetitionStatus",
    "Route",
    "RoutingTable",
]

BODY_LENGTH = 4000
_TOPIC = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class PetitionKind(StrEnum):
    """request (درخواست), complaint (شکایت) or suggestion (پیشنهاد)."""

    REQUEST = "request"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"

    @property
    def title_fa(self) -> str:
        """The kind's Persian name."""
        return {"request": "درخواست", "complaint": "شکایت", "suggestion": "پیشنهاد"}[self.value]


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
    """The unit responsible for a topic: an agency and one of its units (واحد تخصصی)."""

    agency: str
    unit: str


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


def _checked_route(v: list[Violation], where: str, route: Any) -> Route:
    if not isinstance(route, Route):
        v.append(Violation(where, "must be a Route(agency, unit)"))
        return Route("", "")
    agency = check_parsed(v, AgencyCode.parse, route.agency, f"{where}.agency")
    unit = check_text(v, f"{where}.unit", route.unit, max_length=SHORT_TEXT, what="unit")
    return Route(agency, unit)


class Petition(Aggregate, created_event_name="Submitted"):
    """درخواست/شکایت/پیشنهاد: submitted and routed in one step, then answered once.

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

    Created = Submitted  # the framework's "created" slot is Submitted, under its topic

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
    ) -> Petition:
        """Receive a petition under a PETITION tracking code and route it by ``topic``;
        ``by`` is the channel's agency (e.g. the national window), ``submitter`` the
        citizen's pseudonym or '' when anonymous."""
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
        """Request, complaint or suggestion."""
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
        """The responsible agency and unit."""
        return self._route

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


def _aware(now: Any) -> datetime:
    if not isinstance(now, datetime) or now.utcoffset() is None:
        msg = f"now must be a timezone-aware datetime, got {now!r}"
        raise TypeError(msg)
    return now
