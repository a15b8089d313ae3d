"""امتیاز شهروند دیجیتال: the digital-citizen score and ranking of participants (003).

Scoring rule, over every call (a participant is a pseudonym, never a national code):

- 1 point per comment (each suggestion made in a survey);
- 3 more points per suggestion the unit accepted (so an accepted comment earns 4);
- 1 point per vote.

Names: a participant is shown by pseudonym unless they opted in to be named
(:class:`~aggregates.participant.ParticipantProfile`, 003's public recognition).

Ranking: higher score first; equal scores share a rank (standard competition ranking,
1-2-2-4); within a rank, rows are ordered by pseudonym so the order is stable.
A projection of the consultation events; rebuildable, idempotent by aggregate version.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from aggregates.consultation import Consultation
from aggregates.participant import ParticipantProfile
from projections.consultation_report import CONSULTATION_TOPICS

__all__ = [
    "POINTS_PER_ACCEPTED_SUGGESTION",
    "POINTS_PER_COMMENT",
    "POINTS_PER_VOTE",
    "CitizenScores",
    "ScoreRow",
]

POINTS_PER_COMMENT = 1
POINTS_PER_ACCEPTED_SUGGESTION = 3
POINTS_PER_VOTE = 1


@dataclass(frozen=True)
class ScoreRow:
    """One participant's standing."""

    rank: int
    participant: str
    score: int
    comments: int
    accepted_suggestions: int
    votes: int
    consultations: int
    display_name: str = ""


@dataclass
class _Tally:
    comments: int = 0
    accepted: int = 0
    votes: int = 0

    @property
    def score(self) -> int:
        return (
            self.comments * POINTS_PER_COMMENT
            + self.accepted * POINTS_PER_ACCEPTED_SUGGESTION
            + self.votes * POINTS_PER_VOTE
        )


class CitizenScores:
    """The projection: scores by pseudonym over all calls."""

    name = "citizen_score"
    topics = (
        *CONSULTATION_TOPICS,
        ParticipantProfile.NamedInRanking.TOPIC,
        ParticipantProfile.Renamed.TOPIC,
        ParticipantProfile.NameWithdrawn.TOPIC,
    )

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}
        self._calls: dict[str, set[UUID]] = {}
        self._authors: dict[tuple[UUID, int], str] = {}
        self._versions: dict[UUID, int] = {}
        self._names: dict[str, str] = {}
        self._profiles: dict[UUID, str] = {}

    def process_event(self, event: object) -> None:
        """Fold one consultation or profile event in; others, and events already seen, are
        ignored."""
        if isinstance(event, ParticipantProfile.Event):
            self._profile(event)
            return
        if not isinstance(event, Consultation.Event):
            return
        call = event.originator_id
        if event.originator_version <= self._versions.get(call, 0):
            return
        self._versions[call] = event.originator_version
        if isinstance(event, Consultation.Commented):
            self._authors[(call, event.number)] = event.participant
            self._tally(event.participant, call).comments += 1
        elif isinstance(event, Consultation.Voted):
            self._tally(event.participant, call).votes += 1
        elif isinstance(event, Consultation.SuggestionDecided) and event.accepted:
            author = self._authors.get((call, event.number))
            if author is not None:
                self._tally(author, call).accepted += 1

    def _profile(self, event: ParticipantProfile.Event) -> None:
        key = event.originator_id
        if event.originator_version <= self._versions.get(key, 0):
            return
        self._versions[key] = event.originator_version
        if isinstance(event, ParticipantProfile.NamedInRanking):
            self._profiles[key] = event.participant
            self._names[event.participant] = event.display_name
            return
        who = self._profiles.get(key)
        if who is None:  # pragma: no cover - a profile's stream starts with NamedInRanking
            return
        if isinstance(event, ParticipantProfile.Renamed):
            self._names[who] = event.display_name
        elif isinstance(event, ParticipantProfile.NameWithdrawn):
            self._names.pop(who, None)

    def _tally(self, participant: str, call: UUID) -> _Tally:
        self._calls.setdefault(participant, set()).add(call)
        return self._tallies.setdefault(participant, _Tally())

    def ranking(self, limit: int | None = None) -> list[ScoreRow]:
        """Participants by score, best first; the first ``limit`` rows when given."""
        order = sorted(self._tallies.items(), key=lambda item: (-item[1].score, item[0]))
        rows: list[ScoreRow] = []
        for position, (who, tally) in enumerate(order, 1):
            rank = rows[-1].rank if rows and rows[-1].score == tally.score else position
            rows.append(self._row(rank, who, tally))
            if limit is not None and len(rows) >= limit:
                break
        return rows

    def standing(self, participant: str) -> ScoreRow | None:
        """One participant's row, with their rank among all; None if they never took part."""
        tally = self._tallies.get(participant)
        if tally is None:
            return None
        better = sum(1 for t in self._tallies.values() if t.score > tally.score)
        return self._row(better + 1, participant, tally)

    def _row(self, rank: int, who: str, tally: _Tally) -> ScoreRow:
        return ScoreRow(
            rank,
            who,
            tally.score,
            tally.comments,
            tally.accepted,
            tally.votes,
            len(self._calls[who]),
            self._names.get(who, ""),
        )
