"""The hub's application: the signed ledger, composed with one room per use case.

``TabadolHub`` is the eventsourcing application (:class:`~hub.ledger.signing.LedgerApplication`,
so every event is signed and chained) and holds the use-case rooms, each built on one
:class:`~hub.application.store.Store` over it:

| room | what it does |
|---|---|
| ``hub.catalogue`` | service records (004 art. 2) |
| ``hub.cases`` | service cases, GetCase and VerifyTrackingCode (002 def. 11; 004 art. 6) |
| ``hub.counters`` | service counters, delegations at access levels, the public list (004 art. 14) |
| ``hub.exchange_records`` | what a case's exchanges with other agencies read and record |
| ``hub.consultations`` | public consultations, reports, certificates, ranking (000, 001, 003) |
| ``hub.petitions`` | requests, complaints and suggestions (001 item 6) |
| ``hub.participants`` | the async edge: identity token → pseudonym |
| ``hub.programme`` | the public catalogue, permits, agencies' programmes and reports (002 art. 6–9) |

Every method takes the calling agency (``by``) and returns plain values (views), never
aggregates. Domain errors (:mod:`aggregates.errors`) pass through for the edge to map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aggregates.access import DeniedCall
from aggregates.identifiers import AgencyCode
from aggregates.petition import RoutingTable
from hub.application.cases import Cases
from hub.application.catalogue import Catalogue
from hub.application.consultations import Consultations
from hub.application.counters import Counters
from hub.application.exchanges import CaseExchangeUseCases
from hub.application.participants import (
    DEFAULT_ROUTING,
    IdentityVerifier,
    Participants,
    ParticipationSettings,
    RepresentationChecker,
)
from hub.application.petitions import Petitions
from hub.application.programme import ProgrammeUseCases
from hub.application.store import Store
from hub.ledger.signing import LedgerApplication
from hub.ledger.stores import APP_NAME
from hub.trail.pseudonyms import PARTICIPANT, Pseudonymiser

__all__ = ["TabadolHub"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TabadolHub(LedgerApplication):
    """The hub's application: the catalogue, the service desk and e-participation."""

    name = APP_NAME  # env prefix TABADOLHUB_, clear of the TABADOL_* settings
    clock: Callable[[], datetime] = staticmethod(_utc_now)
    """The time for rules that depend on it (the rating window); tests set a ManualClock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.participation = ParticipationSettings()
        self.store = Store(self)
        self.catalogue = Catalogue(self.store)
        self.counters = Counters(self.store, self.catalogue)
        self.cases = Cases(self.store, self.catalogue, lambda: self.clock(), self.counters)
        self.exchange_records = CaseExchangeUseCases(self.store, self.cases)
        self.consultations = Consultations(self.store, self.signer, self._participation)
        self.petitions = Petitions(self.store, self._participation)
        self.participants = Participants(self._participation)
        self.programme = ProgrammeUseCases(self)

    def configure_participation(
        self,
        *,
        verifier: IdentityVerifier,
        pseudonym_key: bytes,
        minimum_days: Mapping[str, int] | None = None,
        routing: RoutingTable | None = None,
        now: Callable[[], datetime] | None = None,
        representation: RepresentationChecker | None = None,
    ) -> None:
        """Set the identity verifier, the pseudonym key (≥ 32 bytes, stable for the life
        of the store), the agencies' minimum-period policies, the petition routing table
        and the clock (aware UTC; tests pass a ``hub.testing.ManualClock``). Until then
        agency-side commands and anonymous petitions work, and anything that needs a
        participant's identity is refused (FAILED_PRECONDITION) saying so."""
        policies: dict[str, int] = {}
        for agency, days in (minimum_days or {}).items():
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
                msg = f"minimum days for {agency} must be a whole number 0..365, got {days!r}"
                raise ValueError(msg)
            policies[AgencyCode.parse(agency).value] = days
        self.participation = ParticipationSettings(
            verifier=verifier,
            pseudonymise=Pseudonymiser(pseudonym_key, PARTICIPANT),
            minimum_days=policies,
            routing=routing or DEFAULT_ROUTING,
            now=now or ParticipationSettings().now,
            representation=representation,
        )

    def record_denied_call(self, agency: str, method: str, reason: str) -> None:
        """A call the access-rights table refused: kept in the signed trail."""
        self.save(DeniedCall.record(agency, method, reason))

    def _participation(self) -> ParticipationSettings:
        return self.participation
