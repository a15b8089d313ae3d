"""Who takes part (مشارکت‌کننده): identity tokens checked with the national window's identity
provider (000 circular; 002 art. 5) and turned into keyed pseudonyms, at the edge.

The edge (a servicer) awaits :meth:`Participants.pseudonym_of` on the event loop and hands
the pseudonym to the use case, which runs on the writer thread: the identity provider is
never called from the writer thread, and no thread waits on the loop. Participants are
known by a keyed pseudonym only (:mod:`hub.trail.pseudonyms`): the national code is held in
memory for the length of one call and never stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aggregates.consultation import LegalPersonKind, LegalPersonRef
from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.identifiers import NationalCode
from aggregates.petition import Route, RoutingTable
from hub.application.errors import IdentityProviderUnavailable
from hub.application.ports import TokenAnswer
from hub.trail.pseudonyms import Pseudonymiser

__all__ = [
    "DEFAULT_ROUTING",
    "DeedsRepresentation",
    "IdentityVerifier",
    "IntrospectingVerifier",
    "Participants",
    "ParticipationSettings",
    "RepresentationChecker",
    "TokenIntrospector",
    "TokenlessDevVerifier",
    "aware_now",
    "inactive_token",
]

TOKEN_FIELD = "identity_token"  # noqa: S105 - a field name, not a secret
_TOKEN_FIELD = TOKEN_FIELD


class IdentityVerifier(Protocol):
    """Port: who holds an identity token (احراز هویت برخط, 000 circular; 002 art. 5).

    Asynchronous: the edge awaits it on the event loop, before the use case runs on the
    writer thread with the pseudonym it gave.
    """

    async def verify(self, token: str) -> str:
        """The national code of the person the active ``token`` was issued to; raises
        :class:`~aggregates.errors.InvalidInput` on field ``identity_token`` otherwise."""
        ...


def inactive_token() -> InvalidInput:
    return InvalidInput.field(
        _TOKEN_FIELD,
        "the identity token is not active (unknown, expired or revoked): sign in again",
    )


class TokenlessDevVerifier:
    """DEVELOPMENT ONLY: the "token" is the national code itself, checked for its check
    digit and nothing else. Anyone can act as anyone: never configure it in production."""

    async def verify(self, token: str) -> str:
        """The token parsed as a national code."""
        return NationalCode.parse(token, field=_TOKEN_FIELD).value


class TokenIntrospector(Protocol):
    """What :class:`IntrospectingVerifier` needs of the identity provider's client."""

    async def introspect_token(self, token: str) -> TokenAnswer: ...


class IntrospectingVerifier:
    """Adapter from the identity provider's asyncio client to :class:`IdentityVerifier`.

    ``verify`` awaits the client's call, at most ``timeout`` seconds.
    ``failure`` is the client's exception type (the composition root passes the
    connectors' ``ConnectorError``): a refusal becomes an error on the token field, any
    other failure :class:`IdentityProviderUnavailable`.
    """

    def __init__(
        self,
        client: TokenIntrospector,
        *,
        timeout: float = 5.0,
        minimum_level: int = 1,
        failure: type[Exception] | None = None,
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._minimum_level = minimum_level
        self._failure = failure

    async def verify(self, token: str) -> str:
        """See :meth:`IdentityVerifier.verify`."""
        try:
            answer = await asyncio.wait_for(self._client.introspect_token(token), self._timeout)
        except TimeoutError:
            msg = f"the identity provider did not answer within {self._timeout:g} s; try again"
            raise IdentityProviderUnavailable(msg) from None
        except Exception as error:
            if self._failure is None or not isinstance(error, self._failure):
                raise
            if getattr(error, "kind", "") == "refused":
                raise InvalidInput.field(
                    _TOKEN_FIELD, f"the identity provider refused the token: {error}"
                ) from None
            msg = f"the identity provider is unavailable: {error}; try again"
            raise IdentityProviderUnavailable(msg) from None
        if not answer.active or not answer.national_code:
            raise inactive_token()
        if (answer.assurance_level or 0) < self._minimum_level:
            raise InvalidInput.field(
                _TOKEN_FIELD,
                f"sign in at assurance level {self._minimum_level} or higher"
                f" (this token is level {answer.assurance_level or 0})",
            )
        return NationalCode.parse(answer.national_code, field=_TOKEN_FIELD).value


def _utc_now() -> datetime:
    return datetime.now(UTC)


DEFAULT_ROUTING = RoutingTable.of(Route("TABADOL", "دبیرخانه مشارکت / participation secretariat"))

"""Until the operator configures a routing table, petitions go to the participation
secretariat (an agency code, like any route's). Who may change the table is not a setting:
the operator principal only (:func:`hub.application.errors.require_operator`)."""


class RepresentationChecker(Protocol):
    """Whether a natural person may act for a legal person (the deeds registry)."""

    async def role_of(self, national_id: str, national_code: str) -> str:
        """The registered role; raise InvalidInput (field ``on_behalf_of``) when the person
        does not act for it, IdentityProviderUnavailable when the registry cannot say."""


class DeedsRepresentation:
    """Adapter from the deeds registry's client to :class:`RepresentationChecker`;
    ``failure`` is the client's exception type (the connectors' ``ConnectorError``)."""

    def __init__(
        self, client: Any, *, timeout: float = 5.0, failure: type[Exception] | None = None
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._failure = failure

    async def role_of(self, national_id: str, national_code: str) -> str:
        """See :meth:`RepresentationChecker.role_of`."""
        try:
            answer = await asyncio.wait_for(
                self._client.verify_representative(
                    national_id, national_code, tracking_code="participation"
                ),
                self._timeout,
            )
        except TimeoutError:
            msg = f"the deeds registry did not answer within {self._timeout:g} s; try again"
            raise IdentityProviderUnavailable(msg) from None
        except Exception as error:
            if self._failure is None or not isinstance(error, self._failure):
                raise
            if getattr(error, "kind", "") == "refused":
                raise InvalidInput.field("on_behalf_of.national_id", str(error)) from None
            msg = f"the deeds registry is unavailable: {error}; try again"
            raise IdentityProviderUnavailable(msg) from None
        if not answer.authorized:
            raise InvalidInput.field(
                "on_behalf_of",
                f"the deeds registry does not list you as acting for {national_id}",
            )
        return str(answer.role)


@dataclass(frozen=True)
class ParticipationSettings:
    """What the participation use cases need from the composition root.

    ``minimum_days`` maps an agency code to its policy's minimum period (e.g. 30 for an
    agency under 003); the kind's minimum applies when it is longer.
    """

    verifier: IdentityVerifier | None = None
    pseudonymise: Pseudonymiser | None = None
    """The participant pseudonymiser (context :data:`hub.trail.pseudonyms.PARTICIPANT`)."""
    minimum_days: Mapping[str, int] = field(default_factory=dict)
    routing: RoutingTable = DEFAULT_ROUTING
    now: Callable[[], datetime] = _utc_now
    representation: RepresentationChecker | None = None


def aware_now(settings: ParticipationSettings) -> datetime:
    """The participation clock's time, refused unless it is timezone-aware."""
    now = settings.now()
    if now.utcoffset() is None:
        msg = f"the participation clock must give aware datetimes, got {now!r}"
        raise TypeError(msg)
    return now


class Participants:
    """The async edge of e-participation: a participant's pseudonym from their token."""

    def __init__(self, settings: Callable[[], ParticipationSettings]) -> None:
        self._settings = settings

    async def pseudonym_of(self, identity_token: str) -> str:
        """The pseudonym of the person holding ``identity_token``."""
        settings = self._settings()
        if settings.verifier is None or settings.pseudonymise is None:
            raise TransitionRefused(
                "participation is not configured on this hub (no identity verifier or"
                " pseudonym key): ask its operator",
                field=TOKEN_FIELD,
            )
        token = identity_token.strip() if isinstance(identity_token, str) else ""
        if not token:
            raise InvalidInput.field(
                TOKEN_FIELD, "identity token is required: sign in through the national window"
            )
        national_code = await settings.verifier.verify(token)
        return settings.pseudonymise(NationalCode.parse(national_code, field=TOKEN_FIELD).value)

    async def representing(
        self, identity_token: str, national_id: str, kind: LegalPersonKind | str
    ) -> tuple[str, LegalPersonRef]:
        """The pseudonym of the token's holder and the legal person they represent, once
        the deeds registry confirms they act for it (003: NGOs and companies take part
        through their representative)."""
        legal = LegalPersonRef.checked(national_id, kind)
        settings = self._settings()
        if settings.representation is None:
            raise TransitionRefused(
                "this hub cannot confirm representatives (no deeds registry is configured)",
                field="on_behalf_of",
            )
        national_code = await self.national_code_of(identity_token)
        await settings.representation.role_of(legal.national_id, national_code)
        assert settings.pseudonymise is not None  # national_code_of checked the settings
        return settings.pseudonymise(national_code), legal

    async def national_code_of(self, identity_token: str) -> str:
        """The national code of the person holding ``identity_token``: for a check that
        needs the person (an applicant reading their case), held for one call only."""
        settings = self._settings()
        if settings.verifier is None or settings.pseudonymise is None:
            raise TransitionRefused(
                "participation is not configured on this hub (no identity verifier or"
                " pseudonym key): ask its operator",
                field=TOKEN_FIELD,
            )
        token = identity_token.strip() if isinstance(identity_token, str) else ""
        if not token:
            raise InvalidInput.field(
                TOKEN_FIELD, "identity token is required: sign in through the national window"
            )
        national_code = await settings.verifier.verify(token)
        return NationalCode.parse(national_code, field=TOKEN_FIELD).value

    async def optional_pseudonym_of(self, identity_token: str) -> str:
        """As :meth:`pseudonym_of`, or "" when no token is given (an anonymous petition)."""
        if not (isinstance(identity_token, str) and identity_token.strip()):
            return ""
        return await self.pseudonym_of(identity_token)
