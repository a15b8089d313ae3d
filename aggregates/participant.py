"""ParticipantProfile: a participant's choice to be named in the public ranking (003:
public recognition of top participants, قدردانی عمومی از مشارکت‌کنندگان برتر).

Participants are pseudonyms; the ranking shows pseudonyms only, unless the person opts in
with the name they want shown. Opting out removes the name from the ranking again (the
trail keeps that it was shown, as every trail does)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import NAMESPACE, check_actor, check_text, raise_if_any
from aggregates.consultation import check_pseudonym
from aggregates.errors import TransitionRefused, Violation

__all__ = ["DISPLAY_NAME_LENGTH", "ParticipantProfile"]

DISPLAY_NAME_LENGTH = 60


class ParticipantProfile(Aggregate, created_event_name="NamedInRanking"):
    """One participant's public name, or none."""

    TOPIC = "tabadol.participant_profile"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class NamedInRanking(Event, Aggregate.Created):
        """The participant asked to be named in the public ranking (opt-in)."""

        TOPIC = "tabadol.participant_profile.named_in_ranking"
        participant: str
        display_name: str
        by: str
        at: str

    Created = NamedInRanking

    class Renamed(Event):
        """The participant opted in again, or changed the name shown."""

        TOPIC = "tabadol.participant_profile.renamed"
        display_name: str
        by: str
        at: str

        def apply(self, aggregate: ParticipantProfile) -> None:
            aggregate._display_name = self.display_name

    class NameWithdrawn(Event):
        """The participant opted out: shown by pseudonym again."""

        TOPIC = "tabadol.participant_profile.name_withdrawn"
        by: str
        at: str

        def apply(self, aggregate: ParticipantProfile) -> None:
            aggregate._display_name = ""

    @staticmethod
    def create_id(participant: str) -> UUID:
        """One profile per pseudonym."""
        return uuid5(NAMESPACE, "participant:" + participant)

    def __init__(self, participant: str, display_name: str, by: str, at: str) -> None:
        self._participant = participant
        self._display_name = display_name

    @classmethod
    def opt_in(
        cls, participant: str, display_name: str, *, now: datetime, by: str
    ) -> ParticipantProfile:
        """The first opt-in of ``participant`` (a pseudonym) with the name to show."""
        v: list[Violation] = []
        who = check_pseudonym(v, participant)
        name, actor, at = _checked(v, display_name, now, by)
        return cls(participant=who, display_name=name, by=actor, at=at)

    def rename(self, display_name: str, *, now: datetime, by: str) -> None:
        """Opt in again, or change the name shown."""
        name, actor, at = _checked([], display_name, now, by)
        if name != self._display_name:
            self.trigger_event(self.Renamed, display_name=name, by=actor, at=at)

    def withdraw(self, *, now: datetime, by: str) -> None:
        """Opt out of being named."""
        if not self._display_name:
            raise TransitionRefused("the participant is not named in the ranking", field="status")
        _, actor, at = _checked([], "-", now, by)
        self.trigger_event(self.NameWithdrawn, by=actor, at=at)

    @property
    def participant(self) -> str:
        """The pseudonym."""
        return self._participant

    @property
    def display_name(self) -> str:
        """The name shown in the ranking; '' when not named."""
        return self._display_name


def _checked(v: list[Violation], name: Any, now: Any, by: str) -> tuple[str, str, str]:
    if not isinstance(now, datetime) or now.utcoffset() is None:
        msg = f"now must be a timezone-aware datetime, got {now!r}"
        raise TypeError(msg)
    text = check_text(v, "display_name", name, max_length=DISPLAY_NAME_LENGTH, what="name")
    if text and any(not (ch.isprintable()) for ch in text):
        v.append(Violation("display_name", "the name must be printable text on one line"))
    actor = check_actor(v, by)
    raise_if_any(v)
    return text, actor, now.astimezone(UTC).isoformat()
