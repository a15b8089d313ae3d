"""Public consultations (مشارکت الکترونیکی, 000, 001, 003): calls on not-citable drafts,
comments and votes by pseudonym, decisions with reasons, reports, certificates and scores.

Use cases on primitives, run on the writer thread; a participant arrives as the pseudonym
the edge got from :class:`hub.application.participants.Participants`. Reports, the annex
table and scores are computed by replaying events through the projections in
``projections/`` (correct and simple at this scale; the event-stream projection runners
can take them over unchanged).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from aggregates.consultation import (
    Consultation,
    Demographics,
    DocumentRef,
    DraftKind,
    KeyConcern,
    LegalPersonRef,
    ParticipationType,
    Phase,
    Suggestion,
    VersionNote,
    VoteChoice,
)
from aggregates.errors import InvalidInput, NotFound
from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.jalali import format_jalali
from aggregates.participant import ParticipantProfile
from aggregates.participation_policy import AgencyPolicies, ParticipationPolicy
from hub.application.errors import AccessDenied, require_operator
from hub.application.participants import ParticipationSettings, aware_now
from hub.application.store import Store
from hub.trail.certificates import ParticipationCertificate, sign_certificate
from hub.trail.keys import Signer
from projections.citizen_score import CitizenScores, ScoreRow
from projections.consultation_report import ConsultationReport, ConsultationReports
from projections.participation_table import ParticipationTable, TableRow

__all__ = [
    "ConsultationView",
    "Consultations",
    "DecisionNotice",
    "IssuedCertificate",
    "ParticipationReceipt",
    "PolicyView",
    "RankingView",
    "tracking_code_of",
]


from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

_R = TypeVar("_R")
_RETRIES = 5


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
    draft_version: int = 0
    revisions: tuple[VersionNote, ...] = ()
    current_draft: DocumentRef | None = None


@dataclass(frozen=True)
class PolicyView:
    """The agency hierarchy and consultation policies in force (version 0: never
    configured, the settings' minimums apply)."""

    policies: AgencyPolicies
    version: int
    changed_by: str
    changed_at: datetime | None


@dataclass(frozen=True)
class DecisionNotice:
    """A decision on one of a participant's suggestions, pushed to them (003)."""

    position: int
    tracking_code: str
    participant: str
    suggestion_number: int
    accepted: bool
    reason: str
    legal_basis: str
    decided_at: datetime


@dataclass(frozen=True)
class ParticipationReceipt:
    """What a participant gets back: their pseudonym and, for a comment, its number."""

    tracking_code: str
    participant: str
    suggestion_number: int
    at: datetime


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
        draft_version=c.draft_version,
        revisions=c.revisions,
        current_draft=c.current_draft,
    )


def tracking_code_of(text: str, kind: TrackingKind, what: str) -> TrackingCode:
    code = TrackingCode.parse(text)
    if code.kind is not kind:
        raise InvalidInput.field(
            "tracking_code",
            f"a {what} tracking code starts with {kind.value}, got {code.kind.value}",
        )
    return code


class Consultations:
    """Calls for comment or vote, as the agency that asked for them and as participants."""

    def __init__(
        self, store: Store, signer: Signer, settings: Callable[[], ParticipationSettings]
    ) -> None:
        self._store = store
        self._signer = signer
        self._settings = settings

    # --- consultations: the agency's side -------------------------------------------------

    def request_consultation(
        self,
        *,
        unit: str,
        kind: DraftKind | str,
        participation_type: ParticipationType | str,
        by: str,
    ) -> ConsultationView:
        consultation = self._store.create(
            TrackingKind.CONSULTATION,
            lambda code: Consultation.request(
                code,
                agency=by,
                unit=unit,
                kind=kind,
                participation_type=participation_type,
                by=by,
            ),
        )
        return _consultation_view(consultation, aware_now(self._settings()))

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
        now = aware_now(self._settings())

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
                minimum_days=self._minimum_days_for(c.agency),
            )

        return self._as_call_owner(tracking_code, by, publish, now)

    def decide_suggestion(
        self,
        tracking_code: str,
        number: int,
        *,
        accepted: bool,
        reason: str,
        legal_basis: str,
        by: str,
    ) -> ConsultationView:
        """Accept or reject a suggestion with its reason and legal basis (003); the
        decision is pushed to its author (:meth:`decisions_for`, and NATS)."""
        now = aware_now(self._settings())
        return self._as_call_owner(
            tracking_code,
            by,
            lambda c: c.decide_suggestion(
                number,
                accepted=accepted,
                reason=reason,
                legal_basis=legal_basis,
                now=now,
                by=by,
            ),
            now,
        )

    def revise_draft(
        self,
        tracking_code: str,
        *,
        document_sha256: str,
        document_url: str,
        changes: Sequence[KeyConcern],
        by: str,
    ) -> ConsultationView:
        """Publish an intermediate version of the draft with its changelog."""
        now = aware_now(self._settings())
        return self._as_call_owner(
            tracking_code,
            by,
            lambda c: c.revise_draft(
                document_sha256=document_sha256,
                document_url=document_url,
                changes=changes,
                now=now,
                by=by,
            ),
            now,
        )

    # --- the agency hierarchy and policies (003): configuration, by the operator ----------

    def configure_policy(
        self, *, parents: Mapping[str, str], minimum_days: Mapping[str, int], by: str
    ) -> PolicyView:
        """Replace the agency hierarchy and consultation policies (003: a ministry's
        minimum covers its affiliated bodies); a signed event, by the operator only."""
        require_operator(by, "the agency hierarchy and consultation policies")
        settings = self._settings()
        policies = AgencyPolicies.of(parents, minimum_days)
        now = aware_now(settings)
        for attempt in range(_RETRIES):
            policy = self._store.find(ParticipationPolicy.create_id(), ParticipationPolicy)
            if policy is None:
                policy = ParticipationPolicy.start(policies, now=now, by=by)
            else:
                policy.configure(policies, now=now, by=by)
            try:
                self._store.save(policy)
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
                continue
            return self.policy()
        raise AssertionError("unreachable")  # pragma: no cover

    def policy(self) -> PolicyView:
        """The hierarchy and policies in force (configured, else the settings' minimums)."""
        policy = self._store.find(ParticipationPolicy.create_id(), ParticipationPolicy)
        if policy is None:
            return PolicyView(AgencyPolicies({}, dict(self._settings().minimum_days)), 0, "", None)
        return PolicyView(policy.policies, policy.version, policy.changed_by, policy.changed_at)

    def _minimum_days_for(self, agency: str) -> int:
        days, _ = self.policy().policies.minimum_for(agency)
        return days

    # --- participants: public names and their decisions ----------------------------------

    def name_in_ranking(self, participant: str, display_name: str, *, by: str) -> str:
        """Opt in to be named in the public ranking (003), or change the name; an empty
        name opts out. Returns the pseudonym."""
        now = aware_now(self._settings())
        for attempt in range(_RETRIES):
            profile = self._store.find(
                ParticipantProfile.create_id(participant), ParticipantProfile
            )
            if profile is None:
                if not display_name.strip():
                    return participant
                profile = ParticipantProfile.opt_in(participant, display_name, now=now, by=by)
            elif display_name.strip():
                profile.rename(display_name, now=now, by=by)
            elif profile.display_name:
                profile.withdraw(now=now, by=by)
            if not profile.pending_events:
                return participant
            try:
                self._store.save(profile)
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
                continue
            return participant
        raise AssertionError("unreachable")  # pragma: no cover

    def decisions_for(self, participant: str, after: int = 0) -> list[DecisionNotice]:
        """The decisions on ``participant``'s suggestions (003), after global position
        ``after``, in order: what a participant following by pseudonym receives."""
        notices: list[DecisionNotice] = []
        authors: dict[tuple[UUID, int], str] = {}
        codes: dict[UUID, str] = {}
        for notification in self._store.notifications(
            Consultation.Requested.TOPIC,
            Consultation.Commented.TOPIC,
            Consultation.SuggestionDecided.TOPIC,
        ):
            event = self._store.decode(notification)
            call = event.originator_id
            if isinstance(event, Consultation.Requested):
                codes[call] = event.tracking_code
            elif isinstance(event, Consultation.Commented):
                authors[(call, event.number)] = event.participant
            elif (
                isinstance(event, Consultation.SuggestionDecided)
                and notification.id > after
                and authors.get((call, event.number)) == participant
            ):
                notices.append(
                    DecisionNotice(
                        position=notification.id,
                        tracking_code=codes.get(call, ""),
                        participant=participant,
                        suggestion_number=event.number,
                        accepted=event.accepted,
                        reason=event.reason,
                        legal_basis=event.legal_basis,
                        decided_at=datetime.fromisoformat(event.at),
                    )
                )
        return notices

    def record_key_concerns(
        self, tracking_code: str, key_concerns: Sequence[KeyConcern], *, by: str
    ) -> ConsultationView:
        now = aware_now(self._settings())
        return self._as_call_owner(
            tracking_code, by, lambda c: c.record_key_concerns(key_concerns, now=now, by=by), now
        )

    def publish_final_version(
        self, tracking_code: str, *, document_sha256: str, document_url: str, by: str
    ) -> ConsultationView:
        now = aware_now(self._settings())
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
        participant: str,
        text: str,
        article: str = "",
        demographics: Demographics | None = None,
        by: str,
        on_behalf_of: LegalPersonRef | None = None,
    ) -> ParticipationReceipt:
        """``participant``: the pseudonym the edge got for the commenter's identity token;
        ``on_behalf_of``: the legal person they represent, as the edge confirmed it."""
        code = tracking_code_of(tracking_code, TrackingKind.CONSULTATION, "consultation")
        now = aware_now(self._settings())

        def comment(c: Consultation) -> int:
            return c.comment(
                participant=participant,
                text=text,
                now=now,
                by=by,
                article=article,
                demographics=demographics,
                on_behalf_of=on_behalf_of,
            )

        _, number = self._change(Consultation, code, comment)
        return ParticipationReceipt(code.value, participant, number, now)

    def cast_vote(
        self,
        tracking_code: str,
        *,
        participant: str,
        choice: VoteChoice | str,
        demographics: Demographics | None = None,
        by: str,
        on_behalf_of: LegalPersonRef | None = None,
    ) -> ParticipationReceipt:
        """``participant`` and ``on_behalf_of`` as in :meth:`submit_comment`: one vote per
        pseudonym, and one per legal person."""
        code = tracking_code_of(tracking_code, TrackingKind.CONSULTATION, "consultation")
        now = aware_now(self._settings())

        def vote(c: Consultation) -> None:
            c.vote(
                participant=participant,
                choice=choice,
                now=now,
                by=by,
                demographics=demographics,
                on_behalf_of=on_behalf_of,
            )

        self._change(Consultation, code, vote)
        return ParticipationReceipt(code.value, participant, 0, now)

    # --- consultations: reading -------------------------------------------------------------

    def get_consultation(self, tracking_code: str) -> ConsultationView:
        code = tracking_code_of(tracking_code, TrackingKind.CONSULTATION, "consultation")
        return _consultation_view(self._load(Consultation, code), aware_now(self._settings()))

    def list_consultations(self, agency: str | None = None) -> list[TableRow]:
        """The public table of calls (000 annex), optionally one agency's."""
        table = ParticipationTable()
        for event in self._store.replay(*table.topics):
            table.process_event(event)
        return table.rows(agency or None)

    def consultation_report(self, tracking_code: str) -> ConsultationReport:
        """The comprehensive report (003), once the call has closed."""
        code = tracking_code_of(tracking_code, TrackingKind.CONSULTATION, "consultation")
        consultation = self._load(Consultation, code)
        consultation.require_ended(aware_now(self._settings()), "the report")
        reports = self._consultation_reports(consultation)
        report = reports.report(code.value)
        assert report is not None  # the call's own events include its request
        return report

    def issue_certificate(self, tracking_code: str, *, participant: str) -> IssuedCertificate:
        """A participant's signed e-participation certificate for a call that has closed."""
        code = tracking_code_of(tracking_code, TrackingKind.CONSULTATION, "consultation")
        consultation = self._load(Consultation, code)
        now = aware_now(self._settings())
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
            sign_certificate(certificate, self._signer), self._signer.key_id, certificate
        )

    def citizen_ranking(self, limit: int = 10, *, participant: str = "") -> RankingView:
        """The top participants by digital-citizen score; with a participant's pseudonym,
        that person's own standing too."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 100:
            raise InvalidInput.field("limit", f"limit must be 1 to 100 (0 means 10), got {limit}")
        own = participant or None
        scores = CitizenScores()
        for event in self._store.replay(*scores.topics):
            scores.process_event(event)
        return RankingView(scores.ranking(limit or 10), scores.standing(own) if own else None)

    # --- plumbing ----------------------------------------------------------------------------

    def _load(self, kind: type[Consultation], code: TrackingCode) -> Consultation:
        return self._store.get(kind.create_id(code.value), kind, "consultation", code.value)

    def _change(
        self, kind: type[Consultation], code: TrackingCode, command: Callable[[Consultation], _R]
    ) -> tuple[Consultation, _R]:
        """Load, run, save; on a concurrent write, run again (so a second vote racing the
        first is refused once it sees the first)."""
        return self._store.change(
            kind.create_id(code.value), kind, "consultation", code.value, command
        )

    def _as_call_owner(
        self,
        tracking_code: str,
        by: str,
        command: Callable[[Consultation], object],
        now: datetime,
    ) -> ConsultationView:
        """Run a command on a call as the agency that asked for it."""
        code = tracking_code_of(tracking_code, TrackingKind.CONSULTATION, "consultation")

        def guarded(c: Consultation) -> None:
            if c.agency != by:
                raise AccessDenied(f"call {c.tracking_code} belongs to {c.agency}, not {by}")
            command(c)

        consultation, _ = self._change(Consultation, code, guarded)
        return _consultation_view(consultation, now)

    def _consultation_reports(self, consultation: Consultation) -> ConsultationReports:
        reports = ConsultationReports()
        for event in self._store.events_of(consultation.id):
            reports.process_event(event)
        return reports
