"""Requests, complaints and suggestions (001 item 6): a tracking code each, routed by topic
to the unit in charge, answered under the code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.petition import Petition, PetitionKind, PetitionStatus
from hub.application.consultations import tracking_code_of
from hub.application.errors import AccessDenied
from hub.application.participants import ParticipationSettings, aware_now
from hub.application.store import Store

__all__ = ["PetitionView", "Petitions"]

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


def _petition_view(p: Petition) -> PetitionView:
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
    ) -> PetitionView:
        """``participant``: the submitter's pseudonym from the edge; "" for an anonymous
        petition."""
        submitter = participant
        now = aware_now(self._settings())
        petition = self._store.create(
            TrackingKind.PETITION,
            lambda code: Petition.submit(
                code,
                kind=kind,
                topic=topic,
                subject=subject,
                body=body,
                routing=self._settings().routing,
                now=now,
                by=by,
                submitter=submitter,
            ),
        )
        return _petition_view(petition)

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
        return _petition_view(petition)

    def get_petition(self, tracking_code: str) -> PetitionView:
        code = tracking_code_of(tracking_code, TrackingKind.PETITION, "petition")
        return _petition_view(self._load(Petition, code))

    def _load(self, kind: type[Petition], code: TrackingCode) -> Petition:
        return self._store.get(kind.create_id(code.value), kind, "petition", code.value)

    def _change(
        self, kind: type[Petition], code: TrackingCode, command: Callable[[Petition], _R]
    ) -> tuple[Petition, _R]:
        return self._store.change(kind.create_id(code.value), kind, "petition", code.value, command)
