"""E-participation use cases (مشارکت الکترونیکی): consultations, petitions, reports,
certificates and scores, on primitives, as a mixin of the hub's application.

Mixed in as ``TabadolHub(ParticipationUseCases, LedgerApplication)``: it uses only
``save``, ``repository``, ``events``, ``recorder``, ``mapper`` and ``signer``, and its own
private names are specific (``_participation*``, ``*_by_code``…) so that, first in the
method resolution order, it shadows nothing of the hub's. Configure
it with :meth:`ParticipationUseCases.configure_participation`; until then agency-side
commands and anonymous petitions work, and anything that needs a participant's identity
is refused (FAILED_PRECONDITION) saying so.

Participants are known by a keyed pseudonym only: HMAC-SHA256 of the national code under
the hub's pseudonym key, truncated to 128 bits (32 hex digits). The national code is held
in memory for the length of one call and never stored. One pseudonym per person across
calls is what makes one-vote-per-person and the digital-citizen ranking possible; the
price is that one person's calls are linkable to each other (never to the person without
the key).

Reports, the annex table and scores are computed by replaying events through the
projections in ``projections/`` (correct and simple at this scale; the event-stream
projection runners can take them over unchanged).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from aggregates.consultation import (
    Consultation,
    Demographics,
    DocumentRef,
    DraftKind,
    KeyConcern,
    ParticipationType,
    Phase,
    Suggestion,
    VoteChoice,
)
from aggregates.errors import InvalidInput, NotFound, TransitionRefused
from aggregates.identifiers import AgencyCode, NationalCode, TrackingCode, TrackingKind
from aggregates.jalali import format_jalali
from aggregates.petition import Petition, PetitionKind, PetitionStatus, Route, RoutingTable
from hub.application.errors import AccessDenied, IdentityProviderUnavailable
from hub.trail.certificates import ParticipationCertificate, sign_certificate
from hub.trail.keys import KeyFileError
from projections.citizen_score import CitizenScores, ScoreRow
from projections.consultation_report import ConsultationReport, ConsultationReports
from projections.participation_table import ParticipationTable, TableRow

if TYPE_CHECKING:
    from hub.ledger.signing import LedgerApplication as _Base
else:
    _Base = object

__all__ = [
    "DEFAULT_ROUTING",
    "ConsultationView",
    "IdentityVerifier",
    "IntrospectingVerifier",
    "IssuedCertificate",
    "ParticipationReceipt",
    "ParticipationSettings",
    "ParticipationUseCases",
    "PetitionView",
    "Pseudonymiser",
    "RankingView",
    "TokenlessDevVerifier",
    "inactive_token",
    "load_pseudonym_key",
]

_A = TypeVar("_A", Consultation, Petition)
_R = TypeVar("_R")
_CONFLICT_RETRIES = 5
_PAGE = 500
_TOKEN_FIELD = "identity_token"  # noqa: S105 - a field name, not a secret

# --- identity: the port and its adapters ------------------------------------------------


class IdentityVerifier(Protocol):
    """Port: who holds an identity token (احراز هویت برخط, 000 circular; 002 art. 5).

    Synchronous: the use cases run on the hub's writer thread, off the event loop.
    """

    def verify(self, token: str) -> str:
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

    def verify(self, token: str) -> str:
        """The token parsed as a national code."""
        return NationalCode.parse(token, field=_TOKEN_FIELD).value


class _Introspection(Protocol):
    @property
    def active(self) -> bool: ...

    @property
    def national_code(self) -> str | None: ...

    @property
    def assurance_level(self) -> int | None: ...


class TokenIntrospector(Protocol):
    """What :class:`IntrospectingVerifier` needs of the identity provider's client."""

    async def introspect_token(self, token: str) -> _Introspection: ...


class IntrospectingVerifier:
    """Adapter from the identity provider's asyncio client to :class:`IdentityVerifier`.

    ``verify`` runs on a worker thread and waits for the client's coroutine on ``loop``
    (the server's event loop). Never call it on that loop itself: it would wait forever.
    ``failure`` is the client's exception type (the composition root passes the
    connectors' ``ConnectorError``): a refusal becomes an error on the token field, any
    other failure :class:`IdentityProviderUnavailable`.
    """

    def __init__(
        self,
        client: TokenIntrospector,
        loop: asyncio.AbstractEventLoop,
        *,
        timeout: float = 5.0,
        minimum_level: int = 1,
        failure: type[Exception] | None = None,
    ) -> None:
        self._client = client
        self._loop = loop
        self._timeout = timeout
        self._minimum_level = minimum_level
        self._failure = failure

    def verify(self, token: str) -> str:
        """See :meth:`IdentityVerifier.verify`."""
        future = asyncio.run_coroutine_threadsafe(self._client.introspect_token(token), self._loop)
        try:
            answer = future.result(self._timeout)
        except TimeoutError:
            future.cancel()
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


# --- pseudonyms, clock, settings ---------------------------------------------------------


class Pseudonymiser:
    """The keyed pseudonym of a national code: HMAC-SHA256, first 128 bits, in hex."""

    _CONTEXT = b"tabadol-participant/1\x00"

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            msg = f"a pseudonym key needs at least 32 bytes, got {len(key)}"
            raise ValueError(msg)
        self._key = key

    def __call__(self, national_code: str) -> str:
        code = NationalCode.parse(national_code, field=_TOKEN_FIELD).value
        digest = hmac.new(self._key, self._CONTEXT + code.encode(), hashlib.sha256).digest()
        return digest[:16].hex()

    def __repr__(self) -> str:
        return "<Pseudonymiser key=…>"


def load_pseudonym_key(path: Path, *, create: bool = False) -> bytes:
    """The hub's pseudonym key (base64 in ``path``); with ``create``, a new random key is
    written (mode 0600) when the file does not exist. Keep it as secret and as long-lived as
    the event store: a new key makes every participant a stranger (and able to vote again)."""
    if not path.exists():
        if not create:
            raise KeyFileError(f"no pseudonym key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    try:
        key = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (binascii.Error, UnicodeDecodeError) as error:
        raise KeyFileError(f"{path} is not a base64 pseudonym key: {error}") from None
    if len(key) < 32:
        raise KeyFileError(f"{path}: a pseudonym key needs at least 32 bytes, got {len(key)}")
    return key


def _utc_now() -> datetime:
    return datetime.now(UTC)


DEFAULT_ROUTING = RoutingTable.of(Route("TABADOL", "دبیرخانه مشارکت / participation secretariat"))


@dataclass(frozen=True)
class ParticipationSettings:
    """What the participation use cases need from the composition root.

    ``minimum_days`` maps an agency code to its policy's minimum period (e.g. 30 for an
    agency under 003); the kind's minimum applies when it is longer.
    """

    verifier: IdentityVerifier | None = None
    pseudonymise: Pseudonymiser | None = None
    minimum_days: Mapping[str, int] = field(default_factory=dict)
    routing: RoutingTable = DEFAULT_ROUTING
    now: Callable[[], datetime] = _utc_now


# --- views ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationView:
    tracking_code: str
    agency: str
    unit: str
    kind: DraftKind
    participation_type: ParticipationType
    phase: Phase
    title_fa: str
    title_en: str
    summary_fa: str
    summary_en: str
    draft: DocumentRef | None
    opens_at: datetime | None
    closes_at: datetime | None
    minimum_days: int
    participants: int
    comments: int
    votes: int
    suggestions: tuple[Suggestion, ...]
    key_concerns: tuple[KeyConcern, ...]
    final_version: DocumentRef | None
    finalised_at: datetime | None


@dataclass(frozen=True)
class ParticipationReceipt:
    """What a participant gets back: their pseudonym and, for a comment, its number."""

    tracking_code: str
    participant: str
    suggestion_number: int
    at: datetime


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


@dataclass(frozen=True)
class IssuedCertificate:
    """The signed document (keep its bytes unchanged) and what it states."""

    document: bytes
    key_id: str
    certificate: ParticipationCertificate


@dataclass(frozen=True)
class RankingView:
    top: list[ScoreRow]
    own: ScoreRow | None


def _consultation_view(c: Consultation, now: datetime) -> ConsultationView:
    period = c.period
    return ConsultationView(
        tracking_code=c.tracking_code,
        agency=c.agency,
        unit=c.unit,
        kind=c.kind,
        participation_type=c.participation_type,
        phase=c.phase(now),
        title_fa=c.title[0],
        title_en=c.title[1],
        summary_fa=c.summary[0],
        summary_en=c.summary[1],
        draft=c.draft,
        opens_at=period.opens if period else None,
        closes_at=period.closes if period else None,
        minimum_days=c.minimum_days,
        participants=len(c.participants),
        comments=len(c.suggestions),
        votes=c.vote_count,
        suggestions=c.suggestions,
        key_concerns=c.key_concerns,
        final_version=c.final_version,
        finalised_at=c.finalised_at,
    )


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


def _tracking_code(text: str, kind: TrackingKind, what: str) -> TrackingCode:
    code = TrackingCode.parse(text)
    if code.kind is not kind:
        raise InvalidInput.field(
            "tracking_code",
            f"a {what} tracking code starts with {kind.value}, got {code.kind.value}",
        )
    return code


# --- the use cases ----------------------------------------------------------------------------


class ParticipationUseCases(_Base):
    """Consultations (فراخوان), petitions (درخواست، شکایت، پیشنهاد), the report, the annex
    table, certificates and the digital-citizen ranking. Every method takes the calling
    agency (``by``) where it acts and returns plain values, never aggregates."""

    _participation: ParticipationSettings = ParticipationSettings()

    def configure_participation(
        self,
        *,
        verifier: IdentityVerifier,
        pseudonym_key: bytes,
        minimum_days: Mapping[str, int] | None = None,
        routing: RoutingTable | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Set the identity verifier, the pseudonym key (≥ 32 bytes, stable for the life
        of the store), the agencies' minimum-period policies, the petition routing table
        and the clock (aware UTC; tests pass a :class:`ManualClock`)."""
        policies: dict[str, int] = {}
        for agency, days in (minimum_days or {}).items():
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
                msg = f"minimum days for {agency} must be a whole number 0..365, got {days!r}"
                raise ValueError(msg)
            policies[AgencyCode.parse(agency).value] = days
        self._participation = ParticipationSettings(
            verifier=verifier,
            pseudonymise=Pseudonymiser(pseudonym_key),
            minimum_days=policies,
            routing=routing or DEFAULT_ROUTING,
            now=now or _utc_now,
        )

    # --- consultations: the agency's side -------------------------------------------------

    def request_consultation(
        self,
        *,
        unit: str,
        kind: DraftKind | str,
        participation_type: ParticipationType | str,
        by: str,
    ) -> ConsultationView:
        for _ in range(_CONFLICT_RETRIES):
            consultation = Consultation.request(
                TrackingCode.new(TrackingKind.CONSULTATION),
                agency=by,
                unit=unit,
                kind=kind,
                participation_type=participation_type,
                by=by,
            )
            try:
                self.save(consultation)
            except IntegrityError:  # a tracking-code collision: issue another
                continue
            return _consultation_view(consultation, self._participation_now())
        raise RuntimeError("could not issue a unique tracking code")  # pragma: no cover

    def publish_draft(
        self,
        tracking_code: str,
        *,
        title_fa: str,
        title_en: str,
        summary_fa: str,
        summary_en: str,
        document_sha256: str,
        document_url: str,
        opens_on: str,
        closes_on: str,
        by: str,
    ) -> ConsultationView:
        now = self._participation_now()

        def publish(c: Consultation) -> None:
            c.publish_draft(
                title_fa=title_fa,
                title_en=title_en,
                summary_fa=summary_fa,
                summary_en=summary_en,
                document_sha256=document_sha256,
                document_url=document_url,
                opens_on=opens_on,
                closes_on=closes_on,
                now=now,
                by=by,
                minimum_days=self._participation.minimum_days.get(c.agency, 0),
            )

        return self._as_call_owner(tracking_code, by, publish, now)

    def decide_suggestion(
        self, tracking_code: str, number: int, *, accepted: bool, reason: str, by: str
    ) -> ConsultationView:
        now = self._participation_now()
        return self._as_call_owner(
            tracking_code,
            by,
            lambda c: c.decide_suggestion(number, accepted=accepted, reason=reason, now=now, by=by),
            now,
        )

    def record_key_concerns(
        self, tracking_code: str, key_concerns: Sequence[KeyConcern], *, by: str
    ) -> ConsultationView:
        now = self._participation_now()
        return self._as_call_owner(
            tracking_code, by, lambda c: c.record_key_concerns(key_concerns, now=now, by=by), now
        )

    def publish_final_version(
        self, tracking_code: str, *, document_sha256: str, document_url: str, by: str
    ) -> ConsultationView:
        now = self._participation_now()
        return self._as_call_owner(
            tracking_code,
            by,
            lambda c: c.publish_final_version(
                document_sha256=document_sha256, document_url=document_url, now=now, by=by
            ),
            now,
        )

    # --- consultations: the participant's side --------------------------------------------

    def submit_comment(
        self,
        tracking_code: str,
        *,
        identity_token: str,
        text: str,
        article: str = "",
        demographics: Demographics | None = None,
        by: str,
        participant: str | None = None,
    ) -> ParticipationReceipt:
        """``participant``: the pseudonym :meth:`participant_of` already gave for the token
        (so the identity provider is asked off the writer thread); else it is asked here."""
        code = _tracking_code(tracking_code, TrackingKind.CONSULTATION, "consultation")
        participant = participant or self._pseudonym_of(identity_token)
        now = self._participation_now()

        def comment(c: Consultation) -> int:
            return c.comment(
                participant=participant,
                text=text,
                now=now,
                by=by,
                article=article,
                demographics=demographics,
            )

        _, number = self._change_by_code(Consultation, code, comment)
        return ParticipationReceipt(code.value, participant, number, now)

    def cast_vote(
        self,
        tracking_code: str,
        *,
        identity_token: str,
        choice: VoteChoice | str,
        demographics: Demographics | None = None,
        by: str,
        participant: str | None = None,
    ) -> ParticipationReceipt:
        """``participant`` as in :meth:`submit_comment`."""
        code = _tracking_code(tracking_code, TrackingKind.CONSULTATION, "consultation")
        participant = participant or self._pseudonym_of(identity_token)
        now = self._participation_now()

        def vote(c: Consultation) -> None:
            c.vote(
                participant=participant, choice=choice, now=now, by=by, demographics=demographics
            )

        self._change_by_code(Consultation, code, vote)
        return ParticipationReceipt(code.value, participant, 0, now)

    # --- consultations: reading -------------------------------------------------------------

    def get_consultation(self, tracking_code: str) -> ConsultationView:
        code = _tracking_code(tracking_code, TrackingKind.CONSULTATION, "consultation")
        return _consultation_view(self._load_by_code(Consultation, code), self._participation_now())

    def list_consultations(self, agency: str | None = None) -> list[TableRow]:
        """The public table of calls (000 annex), optionally one agency's."""
        table = ParticipationTable()
        for event in self._replay_participation(table.topics):
            table.process_event(event)
        return table.rows(agency or None)

    def consultation_report(self, tracking_code: str) -> ConsultationReport:
        """The comprehensive report (003), once the call has closed."""
        code = _tracking_code(tracking_code, TrackingKind.CONSULTATION, "consultation")
        consultation = self._load_by_code(Consultation, code)
        consultation.require_ended(self._participation_now(), "the report")
        reports = self._consultation_reports(consultation)
        report = reports.report(code.value)
        assert report is not None  # the call's own events include its request
        return report

    def issue_certificate(self, tracking_code: str, *, identity_token: str) -> IssuedCertificate:
        """A participant's signed e-participation certificate for a call that has closed."""
        code = _tracking_code(tracking_code, TrackingKind.CONSULTATION, "consultation")
        participant = self._pseudonym_of(identity_token)
        consultation = self._load_by_code(Consultation, code)
        now = self._participation_now()
        consultation.require_ended(now, "a participation certificate")
        mine = self._consultation_reports(consultation).contributions(code.value).get(participant)
        if mine is None:
            raise NotFound("participation", f"of this person in call {code.value}")
        period = consultation.period
        assert period is not None  # an ended call has a period
        certificate = ParticipationCertificate(
            consultation=code.value,
            agency=consultation.agency,
            unit=consultation.unit,
            title_fa=consultation.title[0],
            title_en=consultation.title[1],
            opens_at=period.opens.isoformat(),
            closes_at=period.closes.isoformat(),
            closed_on_jalali=format_jalali(period.closes, with_time=False),
            participant=participant,
            comments=mine.comments,
            accepted_suggestions=mine.accepted_suggestions,
            voted=mine.voted,
            issued_at=now.isoformat(),
        )
        return IssuedCertificate(
            sign_certificate(certificate, self.signer), self.signer.key_id, certificate
        )

    def citizen_ranking(self, limit: int = 10, *, identity_token: str = "") -> RankingView:
        """The top participants by digital-citizen score; with a token, that person's own
        standing too."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 100:
            raise InvalidInput.field("limit", f"limit must be 1 to 100 (0 means 10), got {limit}")
        own = self._pseudonym_of(identity_token) if identity_token else None
        scores = CitizenScores()
        for event in self._replay_participation(scores.topics):
            scores.process_event(event)
        return RankingView(scores.ranking(limit or 10), scores.standing(own) if own else None)

    # --- petitions (001 item 6) ------------------------------------------------------------

    def submit_petition(
        self,
        *,
        kind: PetitionKind | str,
        topic: str,
        subject: str,
        body: str,
        identity_token: str = "",
        by: str,
        participant: str | None = None,
    ) -> PetitionView:
        """``participant`` as in :meth:`submit_comment`; no token: an anonymous petition."""
        submitter = participant or (
            self._pseudonym_of(identity_token) if identity_token.strip() else ""
        )
        now = self._participation_now()
        for _ in range(_CONFLICT_RETRIES):
            petition = Petition.submit(
                TrackingCode.new(TrackingKind.PETITION),
                kind=kind,
                topic=topic,
                subject=subject,
                body=body,
                routing=self._participation.routing,
                now=now,
                by=by,
                submitter=submitter,
            )
            try:
                self.save(petition)
            except IntegrityError:  # a tracking-code collision: issue another
                continue
            return _petition_view(petition)
        raise RuntimeError("could not issue a unique tracking code")  # pragma: no cover

    def answer_petition(self, tracking_code: str, *, answer: str, by: str) -> PetitionView:
        code = _tracking_code(tracking_code, TrackingKind.PETITION, "petition")
        now = self._participation_now()

        def answer_it(p: Petition) -> None:
            if p.route.agency != by:
                raise AccessDenied(
                    f"petition {p.tracking_code} is routed to {p.route.agency}"
                    f" ({p.route.unit}), not {by}"
                )
            p.answer(answer, now=now, by=by)

        petition, _ = self._change_by_code(Petition, code, answer_it)
        return _petition_view(petition)

    def get_petition(self, tracking_code: str) -> PetitionView:
        code = _tracking_code(tracking_code, TrackingKind.PETITION, "petition")
        return _petition_view(self._load_by_code(Petition, code))

    # --- plumbing ----------------------------------------------------------------------------

    def _participation_now(self) -> datetime:
        now = self._participation.now()
        if now.utcoffset() is None:
            msg = f"the participation clock must give aware datetimes, got {now!r}"
            raise TypeError(msg)
        return now

    def participant_of(self, identity_token: str) -> str:
        """The pseudonym of the token's holder; asks the identity provider, so call it off
        the writer thread and hand the result to the command."""
        return self._pseudonym_of(identity_token)

    def _pseudonym_of(self, identity_token: str) -> str:
        """The pseudonym of the person holding ``identity_token``."""
        settings = self._participation
        if settings.verifier is None or settings.pseudonymise is None:
            raise TransitionRefused(
                "participation is not configured on this hub (no identity verifier or"
                " pseudonym key): ask its operator",
                field=_TOKEN_FIELD,
            )
        token = identity_token.strip() if isinstance(identity_token, str) else ""
        if not token:
            raise InvalidInput.field(
                _TOKEN_FIELD, "identity token is required: sign in through the national window"
            )
        return settings.pseudonymise(settings.verifier.verify(token))

    def _load_by_code(self, kind: type[_A], code: TrackingCode) -> _A:
        what = kind.__name__.lower()
        try:
            aggregate: object = self.repository.get(kind.create_id(code.value))
        except AggregateNotFoundError:
            raise NotFound(what, code.value) from None
        if not isinstance(aggregate, kind):  # pragma: no cover - ids are namespaced by kind
            raise NotFound(what, code.value)
        return aggregate

    def _change_by_code(
        self, kind: type[_A], code: TrackingCode, command: Callable[[_A], _R]
    ) -> tuple[_A, _R]:
        """Load, run the command, save; on a concurrent write, reload and run it again (so
        a second vote racing the first is refused once it sees the first)."""
        for attempt in range(_CONFLICT_RETRIES):
            aggregate = self._load_by_code(kind, code)
            result = command(aggregate)
            try:
                self.save(aggregate)
            except IntegrityError:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
                continue
            return aggregate, result
        raise AssertionError("unreachable")  # pragma: no cover

    def _as_call_owner(
        self,
        tracking_code: str,
        by: str,
        command: Callable[[Consultation], None],
        now: datetime,
    ) -> ConsultationView:
        """Run a command on a call as the agency that asked for it."""
        code = _tracking_code(tracking_code, TrackingKind.CONSULTATION, "consultation")

        def guarded(c: Consultation) -> None:
            if c.agency != by:
                raise AccessDenied(f"call {c.tracking_code} belongs to {c.agency}, not {by}")
            command(c)

        consultation, _ = self._change_by_code(Consultation, code, guarded)
        return _consultation_view(consultation, now)

    def _consultation_reports(self, consultation: Consultation) -> ConsultationReports:
        reports = ConsultationReports()
        for event in self.events.get(consultation.id):
            reports.process_event(event)
        return reports

    def _replay_participation(self, topics: Sequence[str]) -> Iterator[object]:
        """Every stored event of ``topics``, in global order, as domain events."""
        start = 1
        while True:
            page = self.recorder.select_notifications(start, _PAGE, topics=topics)
            for notification in page:
                yield self.mapper.to_domain_event(notification)
            if len(page) < _PAGE:
                return
            start = page[-1].id + 1
