"""میز پاسخگویی: petitions by the unit that holds them — the overdue list, answer KPIs per
unit, and comments on services summarised per service for the unit in charge (000
strategy items 4-5; 001 item 6).

A projection of the petition events; rebuildable, idempotent by aggregate version. The
views are plain frozen dataclasses (a dashboard reads them as they are). "Overdue" is
decided at the moment asked: unanswered after its deadline, or answered after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from statistics import median
from uuid import UUID

from aggregates.petition import Petition, PetitionKind

__all__ = [
    "PETITION_TOPICS",
    "PetitionDesk",
    "PetitionRow",
    "ServiceComments",
    "UnitKpis",
]

PETITION_TOPICS: tuple[str, ...] = (
    Petition.Submitted.TOPIC,
    Petition.Forwarded.TOPIC,
    Petition.Answered.TOPIC,
)


@dataclass(frozen=True)
class PetitionRow:
    """One petition as a desk sees it: no body, no submitter."""

    tracking_code: str
    kind: PetitionKind
    topic: str
    subject: str
    service_code: str
    agency: str
    unit: str
    submitted_at: datetime
    due_at: datetime | None
    answered_at: datetime | None
    forwards: int
    holders: tuple[tuple[str, str], ...]

    def overdue(self, now: datetime) -> bool:
        """Unanswered past its deadline at ``now``, or answered after it."""
        if self.due_at is None:
            return False
        return (self.answered_at or now) > self.due_at

    def hours_late(self, now: datetime) -> float:
        """How long past the deadline (0 when not late)."""
        if self.due_at is None:
            return 0.0
        late = ((self.answered_at or now) - self.due_at).total_seconds() / 3600
        return max(late, 0.0)


@dataclass(frozen=True)
class UnitKpis:
    """One unit's answer figures at a moment (``answered_on_time_percent`` is of the
    answered petitions that had a deadline; None when there are none)."""

    agency: str
    unit: str
    received: int
    answered: int
    open: int
    overdue: int
    forwarded_away: int
    answered_on_time_percent: float | None
    median_answer_hours: float | None


@dataclass(frozen=True)
class ServiceComments:
    """Comments on one service, for the unit in charge of it (000 item 5)."""

    service_code: str
    agency: str
    unit: str
    comments: int
    answered: int
    open: int
    overdue: int
    topics: tuple[tuple[str, int], ...]
    latest_subjects: tuple[str, ...] = field(default_factory=tuple)


class PetitionDesk:
    """The projection: one row per petition, kept current as it moves and is answered."""

    name = "petition_desk"
    topics = PETITION_TOPICS

    def __init__(self) -> None:
        self._rows: dict[UUID, PetitionRow] = {}
        self._versions: dict[UUID, int] = {}
        self._forwarded_away: dict[tuple[str, str], int] = {}

    def process_event(self, event: object) -> None:
        """Fold one petition event in; others, and events already seen, are ignored."""
        if not isinstance(event, Petition.Event):
            return
        key = event.originator_id
        if event.originator_version <= self._versions.get(key, 0):
            return
        self._versions[key] = event.originator_version
        if isinstance(event, Petition.Submitted):
            at = datetime.fromisoformat(event.at)
            due = getattr(event, "answer_due_at", "")
            self._rows[key] = PetitionRow(
                tracking_code=event.tracking_code,
                kind=PetitionKind(event.kind),
                topic=event.topic,
                subject=event.subject,
                service_code=getattr(event, "service_code", ""),
                agency=event.routed_agency,
                unit=event.routed_unit,
                submitted_at=at,
                due_at=datetime.fromisoformat(due) if due else None,
                answered_at=None,
                forwards=0,
                holders=((event.routed_agency, event.routed_unit),),
            )
            return
        row = self._rows.get(key)
        if row is None:  # pragma: no cover - a stream starts with Submitted
            return
        if isinstance(event, Petition.Forwarded):
            away = (event.from_agency, event.from_unit)
            self._forwarded_away[away] = self._forwarded_away.get(away, 0) + 1
            self._rows[key] = replace(
                row,
                agency=event.to_agency,
                unit=event.to_unit,
                forwards=row.forwards + 1,
                holders=(*row.holders, (event.to_agency, event.to_unit)),
            )
        elif isinstance(event, Petition.Answered):
            self._rows[key] = replace(row, answered_at=datetime.fromisoformat(event.at))

    # --- views ---------------------------------------------------------------------------

    def rows(self, agency: str | None = None) -> list[PetitionRow]:
        """Petitions held by ``agency`` (all when None), oldest first."""
        found = [r for r in self._rows.values() if agency is None or r.agency == agency]
        return sorted(found, key=lambda r: (r.submitted_at, r.tracking_code))

    def overdue(self, now: datetime, agency: str | None = None) -> list[PetitionRow]:
        """Unanswered petitions past their deadline at ``now``, most overdue first."""
        late = [r for r in self.rows(agency) if r.answered_at is None and r.overdue(now)]
        return sorted(late, key=lambda r: (r.due_at, r.tracking_code))

    def kpis(self, now: datetime, agency: str | None = None) -> list[UnitKpis]:
        """Answer figures per unit that holds petitions, by agency then unit."""
        units: dict[tuple[str, str], list[PetitionRow]] = {}
        for row in self.rows(agency):
            units.setdefault((row.agency, row.unit), []).append(row)
        for away in self._forwarded_away:
            if agency is None or away[0] == agency:
                units.setdefault(away, [])
        result: list[UnitKpis] = []
        for (code, unit), rows in sorted(units.items()):
            answered = [r for r in rows if r.answered_at is not None]
            timed = [r for r in answered if r.due_at is not None]
            on_time = sum(1 for r in timed if not r.overdue(now))
            hours = [
                (r.answered_at - r.submitted_at).total_seconds() / 3600
                for r in answered
                if r.answered_at is not None
            ]
            result.append(
                UnitKpis(
                    agency=code,
                    unit=unit,
                    received=len(rows),
                    answered=len(answered),
                    open=len(rows) - len(answered),
                    overdue=sum(1 for r in rows if r.answered_at is None and r.overdue(now)),
                    forwarded_away=self._forwarded_away.get((code, unit), 0),
                    answered_on_time_percent=round(100 * on_time / len(timed), 1)
                    if timed
                    else None,
                    median_answer_hours=round(median(hours), 1) if hours else None,
                )
            )
        return result

    def service_comments(self, now: datetime, agency: str | None = None) -> list[ServiceComments]:
        """Comments on services (kind ``comment``), one summary per service and the unit
        that holds them, for the unit in charge; by service code."""
        groups: dict[tuple[str, str, str], list[PetitionRow]] = {}
        for row in self.rows(agency):
            if row.kind is PetitionKind.COMMENT and row.service_code:
                groups.setdefault((row.service_code, row.agency, row.unit), []).append(row)
        result: list[ServiceComments] = []
        for (service, code, unit), rows in sorted(groups.items()):
            counts: dict[str, int] = {}
            for row in rows:
                counts[row.topic] = counts.get(row.topic, 0) + 1
            answered = sum(1 for r in rows if r.answered_at is not None)
            result.append(
                ServiceComments(
                    service_code=service,
                    agency=code,
                    unit=unit,
                    comments=len(rows),
                    answered=answered,
                    open=len(rows) - answered,
                    overdue=sum(1 for r in rows if r.answered_at is None and r.overdue(now)),
                    topics=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
                    latest_subjects=tuple(r.subject for r in rows[-3:][::-1]),
                )
            )
        return result
