"""ConsultationService: proto ⇄ participation use cases for calls, reports and scores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from tabadol.participation.v1 import consultation_pb2 as pb
from tabadol.participation.v1 import consultation_pb2_grpc

from aggregates.consultation import (
    AgeBand,
    Demographics,
    DocumentRef,
    DraftKind,
    Gender,
    KeyConcern,
    LegalPersonKind,
    LegalPersonRef,
    ParticipationType,
    Phase,
    Suggestion,
    VersionNote,
    VoteChoice,
)
from aggregates.errors import DomainError, InvalidInput, NotFound, Violation
from hub.application.consultations import ConsultationView, PolicyView
from hub.application.hub import TabadolHub
from hub.ledger.executor import Executor
from hub.servicers.auth import current_agency, current_principal, note_refusal, require_operator
from hub.servicers.convert import enum_from_proto, enum_to_proto, jalali, timestamp
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status, status_for
from hub.servicers.scope import may_read_unpublished
from projections.citizen_score import ScoreRow
from projections.consultation_report import ConsultationReport, SuggestionOutcome
from projections.participation_table import TableRow, table_markdown

__all__ = [
    "ConsultationServicer",
    "consultation_to_proto",
    "register",
    "report_to_proto",
]

_AGE_BANDS = {
    pb.AGE_BAND_18_29: AgeBand.AGE_18_29,
    pb.AGE_BAND_30_44: AgeBand.AGE_30_44,
    pb.AGE_BAND_45_59: AgeBand.AGE_45_59,
    pb.AGE_BAND_60_PLUS: AgeBand.AGE_60_PLUS,
}
_OUTCOMES = {
    None: pb.SUGGESTION_OUTCOME_PENDING,
    True: pb.SUGGESTION_OUTCOME_ACCEPTED,
    False: pb.SUGGESTION_OUTCOME_REJECTED,
}
_REPORT_OUTCOMES = {
    "pending": pb.SUGGESTION_OUTCOME_PENDING,
    "accepted": pb.SUGGESTION_OUTCOME_ACCEPTED,
    "rejected": pb.SUGGESTION_OUTCOME_REJECTED,
}


def _kind(value: int) -> DraftKind:
    return enum_from_proto(DraftKind, pb.DraftKind, "DRAFT_KIND_", value, "kind")


def _type(value: int) -> ParticipationType:
    return enum_from_proto(
        ParticipationType, pb.ParticipationType, "PARTICIPATION_TYPE_", value, "participation_type"
    )


def _demographics(message: pb.Demographics, present: bool) -> Demographics | None:
    """The consented demographics, or None when the message is absent or empty."""
    if not present:
        return None
    if message.age_band and message.age_band not in _AGE_BANDS:
        raise InvalidInput.field("demographics.age_band", f"unknown value {message.age_band}")
    gender = None
    if message.gender:
        gender = enum_from_proto(
            Gender, pb.Gender, "GENDER_", message.gender, "demographics.gender"
        )
    return Demographics.consented(
        consent=message.consent,
        age_band=_AGE_BANDS.get(message.age_band),
        gender=gender,
        province=message.province,
    )


def _document(ref: DocumentRef | None) -> pb.Document | None:
    return None if ref is None else pb.Document(sha256=ref.sha256, url=ref.url)


def _maybe_timestamp(moment: datetime | None) -> Timestamp | None:
    return None if moment is None else timestamp(moment)


_LEGAL_KINDS = {
    pb.LEGAL_PERSON_KIND_NGO: LegalPersonKind.NGO,
    pb.LEGAL_PERSON_KIND_COMPANY: LegalPersonKind.COMPANY,
    pb.LEGAL_PERSON_KIND_OTHER: LegalPersonKind.OTHER,
}
_LEGAL_NUMBERS = {kind: number for number, kind in _LEGAL_KINDS.items()}
FOLLOW_POLL_SECONDS = 0.5
"""How often FollowDecisions looks for new decisions once it has sent the backlog."""


def _on_behalf_of(legal: LegalPersonRef | None) -> pb.OnBehalfOf | None:
    if legal is None:
        return None
    return pb.OnBehalfOf(national_id=legal.national_id, kind=_LEGAL_NUMBERS[legal.kind])


def _legal_kind(message: pb.OnBehalfOf) -> LegalPersonKind:
    kind = _LEGAL_KINDS.get(message.kind)
    if kind is None:
        raise InvalidInput.field("on_behalf_of.kind", "must be set: ngo, company or other")
    return kind


def _suggestion(s: Suggestion) -> pb.Suggestion:
    return pb.Suggestion(
        number=s.number,
        text=s.text,
        article=s.article,
        outcome=_OUTCOMES[s.accepted],
        reason=s.reason,
        at=timestamp(s.at),
        at_jalali=jalali(s.at),
        legal_basis=s.legal_basis,
        draft_version=s.draft_version,
        on_behalf_of=_on_behalf_of(s.on_behalf_of),
    )


def _version(v: VersionNote) -> pb.DraftVersion:
    return pb.DraftVersion(
        version=v.version,
        document=_document(v.document),
        changes=[pb.KeyConcern(fa=c.fa, en=c.en) for c in v.changes],
        published_at=timestamp(v.at),
        published_at_jalali=jalali(v.at),
    )


def policy_to_proto(view: PolicyView) -> pb.Policy:
    policy = pb.Policy(
        parents=dict(view.policies.parents),
        minimum_days=dict(view.policies.minimum_days),
        version=view.version,
        changed_by=view.changed_by,
    )
    if view.changed_at is not None:
        policy.changed_at.CopyFrom(timestamp(view.changed_at))
    return policy


def consultation_to_proto(view: ConsultationView) -> pb.Consultation:
    return pb.Consultation(
        tracking_code=view.tracking_code,
        agency=view.agency,
        unit=view.unit,
        kind=enum_to_proto(pb.DraftKind, "DRAFT_KIND_", view.kind),
        participation_type=enum_to_proto(
            pb.ParticipationType, "PARTICIPATION_TYPE_", view.participation_type
        ),
        phase=enum_to_proto(pb.ConsultationPhase, "CONSULTATION_PHASE_", view.phase),
        title_fa=view.title_fa,
        title_en=view.title_en,
        summary_fa=view.summary_fa,
        summary_en=view.summary_en,
        draft=_document(view.draft),
        opens_at=_maybe_timestamp(view.opens_at),
        opens_at_jalali=jalali(view.opens_at) if view.opens_at else "",
        closes_at=_maybe_timestamp(view.closes_at),
        closes_at_jalali=jalali(view.closes_at) if view.closes_at else "",
        minimum_days=view.minimum_days,
        participants=view.participants,
        comments=view.comments,
        votes=view.votes,
        suggestions=[_suggestion(s) for s in view.suggestions],
        key_concerns=[pb.KeyConcern(fa=c.fa, en=c.en) for c in view.key_concerns],
        final_version=_document(view.final_version),
        finalised_at=_maybe_timestamp(view.finalised_at),
        finalised_at_jalali=jalali(view.finalised_at) if view.finalised_at else "",
        draft_version=view.draft_version,
        versions=[_version(v) for v in view.revisions],
    )


def _row(row: TableRow) -> pb.TableRow:
    return pb.TableRow(
        row=row.row,
        tracking_code=row.tracking_code,
        agency=row.agency,
        title_fa=row.title_fa,
        title_en=row.title_en,
        draft=_document(row.draft),
        period_jalali=row.period_jalali,
        opens_at=timestamp(row.opens_at),
        closes_at=timestamp(row.closes_at),
        participation_type=enum_to_proto(
            pb.ParticipationType, "PARTICIPATION_TYPE_", row.participation_type
        ),
        final_version=_document(row.final_version),
        kind=enum_to_proto(pb.DraftKind, "DRAFT_KIND_", row.kind),
    )


def _report_suggestion(s: SuggestionOutcome) -> pb.Suggestion:
    return pb.Suggestion(
        number=s.number,
        text=s.text,
        article=s.article,
        outcome=_REPORT_OUTCOMES[s.outcome],
        reason=s.reason,
        legal_basis=s.legal_basis,
        draft_version=s.draft_version,
        on_behalf_of=(
            pb.OnBehalfOf(
                national_id=s.on_behalf_of["national_id"],
                kind=_LEGAL_NUMBERS[LegalPersonKind(s.on_behalf_of["kind"])],
            )
            if s.on_behalf_of
            else None
        ),
    )


def report_to_proto(report: ConsultationReport) -> pb.ConsultationReport:
    outcomes = report.outcomes
    return pb.ConsultationReport(
        tracking_code=report.tracking_code,
        participants=report.participants,
        participants_by_age_band=report.by_age_band,
        participants_by_gender=report.by_gender,
        participants_by_province=report.by_province,
        comments=report.comments,
        votes=pb.VoteTally(
            agree=report.votes["agree"],
            disagree=report.votes["disagree"],
            abstain=report.votes["abstain"],
        ),
        key_concerns=[pb.KeyConcern(fa=c.fa, en=c.en) for c in report.key_concerns],
        suggestions=[_report_suggestion(s) for s in report.suggestions],
        accepted=outcomes["accepted"],
        rejected=outcomes["rejected"],
        pending=outcomes["pending"],
        json=report.to_json(),
        markdown=report.to_markdown(),
        versions=[
            pb.DraftVersion(
                version=v.version,
                document=_document(v.document),
                changes=[pb.KeyConcern(fa=c.fa, en=c.en) for c in v.changes],
                published_at=_maybe_timestamp(v.published_at),
                published_at_jalali=jalali(v.published_at) if v.published_at else "",
                comments=v.comments,
            )
            for v in report.versions
        ],
        participants_by_person_kind=report.by_person_kind,
    )


def _score(row: ScoreRow) -> pb.CitizenScore:
    return pb.CitizenScore(
        rank=row.rank,
        participant=row.participant,
        score=row.score,
        comments=row.comments,
        accepted_suggestions=row.accepted_suggestions,
        votes=row.votes,
        consultations=row.consultations,
        display_name=row.display_name,
    )


def register(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: ConsultationService."""
    consultation_pb2_grpc.add_ConsultationServiceServicer_to_server(
        ConsultationServicer(edge.hub, edge.executor), server
    )
    return str(pb.DESCRIPTOR.services_by_name["ConsultationService"].full_name)


class ConsultationServicer(consultation_pb2_grpc.ConsultationServiceServicer):
    def __init__(self, hub: TabadolHub, executor: Executor) -> None:
        self._hub = hub
        self._run = executor

    @domain_errors_as_status
    async def RequestConsultation(  # noqa: N802 - gRPC method name
        self, request: pb.RequestConsultationRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestConsultationResponse:
        kind, type_ = _kind_and_type(request)
        view = await self._run.write(
            self._hub.consultations.request_consultation,
            unit=request.unit,
            kind=kind,
            participation_type=type_,
            by=current_agency(),
        )
        return pb.RequestConsultationResponse(consultation=consultation_to_proto(view))

    @domain_errors_as_status
    async def PublishDraft(  # noqa: N802
        self, request: pb.PublishDraftRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishDraftResponse:
        view = await self._run.write(
            self._hub.consultations.publish_draft,
            request.tracking_code,
            title_fa=request.title_fa,
            title_en=request.title_en,
            summary_fa=request.summary_fa,
            summary_en=request.summary_en,
            document_sha256=request.document.sha256,
            document_url=request.document.url,
            opens_on=request.opens_on,
            closes_on=request.closes_on,
            by=current_agency(),
        )
        return pb.PublishDraftResponse(consultation=consultation_to_proto(view))

    @domain_errors_as_status
    async def SubmitComment(  # noqa: N802
        self, request: pb.SubmitCommentRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitCommentResponse:
        demographics = _demographics(request.demographics, request.HasField("demographics"))
        participant, legal = await self._participant(request)
        receipt = await self._run.write(
            self._hub.consultations.submit_comment,
            request.tracking_code,
            participant=participant,
            text=request.text,
            article=request.article,
            demographics=demographics,
            by=current_agency(),
            on_behalf_of=legal,
        )
        return pb.SubmitCommentResponse(
            tracking_code=receipt.tracking_code,
            suggestion_number=receipt.suggestion_number,
            participant=receipt.participant,
        )

    @domain_errors_as_status
    async def CastVote(  # noqa: N802
        self, request: pb.CastVoteRequest, context: grpc.aio.ServicerContext
    ) -> pb.CastVoteResponse:
        choice = enum_from_proto(
            VoteChoice, pb.VoteChoice, "VOTE_CHOICE_", request.choice, "choice"
        )
        demographics = _demographics(request.demographics, request.HasField("demographics"))
        participant, legal = await self._participant(request)
        receipt = await self._run.write(
            self._hub.consultations.cast_vote,
            request.tracking_code,
            participant=participant,
            choice=choice,
            demographics=demographics,
            by=current_agency(),
            on_behalf_of=legal,
        )
        return pb.CastVoteResponse(
            tracking_code=receipt.tracking_code, participant=receipt.participant
        )

    @domain_errors_as_status
    async def DecideSuggestion(  # noqa: N802
        self, request: pb.DecideSuggestionRequest, context: grpc.aio.ServicerContext
    ) -> pb.DecideSuggestionResponse:
        view = await self._run.write(
            self._hub.consultations.decide_suggestion,
            request.tracking_code,
            request.number,
            accepted=request.accepted,
            reason=request.reason,
            legal_basis=request.legal_basis,
            by=current_agency(),
        )
        return pb.DecideSuggestionResponse(consultation=consultation_to_proto(view))

    async def _participant(
        self, request: pb.SubmitCommentRequest | pb.CastVoteRequest
    ) -> tuple[str, LegalPersonRef | None]:
        """The participant's pseudonym, and the legal person they represent once the
        deeds registry confirmed it (asked off the writer thread)."""
        if not request.HasField("on_behalf_of"):
            return await self._hub.participants.pseudonym_of(request.identity_token), None
        return await self._hub.participants.representing(
            request.identity_token,
            request.on_behalf_of.national_id,
            _legal_kind(request.on_behalf_of),
        )

    @domain_errors_as_status
    async def ReviseDraft(  # noqa: N802
        self, request: pb.ReviseDraftRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReviseDraftResponse:
        view = await self._run.write(
            self._hub.consultations.revise_draft,
            request.tracking_code,
            document_sha256=request.document.sha256,
            document_url=request.document.url,
            changes=[KeyConcern(c.fa, c.en) for c in request.changes],
            by=current_agency(),
        )
        return pb.ReviseDraftResponse(consultation=consultation_to_proto(view))

    @domain_errors_as_status
    async def SetRankingName(  # noqa: N802
        self, request: pb.SetRankingNameRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetRankingNameResponse:
        pseudonym = await self._hub.participants.pseudonym_of(request.identity_token)
        participant = await self._run.write(
            self._hub.consultations.name_in_ranking,
            pseudonym,
            request.display_name,
            by=current_agency(),
        )
        return pb.SetRankingNameResponse(participant=participant)

    async def FollowDecisions(  # noqa: N802
        self, request: pb.FollowDecisionsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.FollowDecisionsResponse]:
        try:
            participant = await self._hub.participants.pseudonym_of(request.identity_token)
        except DomainError as error:
            await context.abort_with_status(status_for(error))
        after = request.after_position
        while not context.cancelled():
            notices = await self._run.read(
                self._hub.consultations.decisions_for, participant, after
            )
            for n in notices:
                after = n.position
                yield pb.FollowDecisionsResponse(
                    position=n.position,
                    tracking_code=n.tracking_code,
                    suggestion_number=n.suggestion_number,
                    accepted=n.accepted,
                    reason=n.reason,
                    legal_basis=n.legal_basis,
                    decided_at=timestamp(n.decided_at),
                    decided_at_jalali=jalali(n.decided_at),
                )
            await asyncio.sleep(FOLLOW_POLL_SECONDS)

    @domain_errors_as_status
    async def ConfigurePolicy(  # noqa: N802
        self, request: pb.ConfigurePolicyRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfigurePolicyResponse:
        operator = await require_operator(context)
        view = await self._run.write(
            self._hub.consultations.configure_policy,
            parents=dict(request.parents),
            minimum_days=dict(request.minimum_days),
            by=operator.name,
        )
        return pb.ConfigurePolicyResponse(policy=policy_to_proto(view))

    @domain_errors_as_status
    async def GetPolicy(  # noqa: N802
        self, request: pb.GetPolicyRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPolicyResponse:
        view = await self._run.read(self._hub.consultations.policy)
        return pb.GetPolicyResponse(policy=policy_to_proto(view))

    @domain_errors_as_status
    async def RecordKeyConcerns(  # noqa: N802
        self, request: pb.RecordKeyConcernsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordKeyConcernsResponse:
        concerns = [KeyConcern(c.fa, c.en) for c in request.key_concerns]
        view = await self._run.write(
            self._hub.consultations.record_key_concerns,
            request.tracking_code,
            concerns,
            by=current_agency(),
        )
        return pb.RecordKeyConcernsResponse(consultation=consultation_to_proto(view))

    @domain_errors_as_status
    async def PublishFinalVersion(  # noqa: N802
        self, request: pb.PublishFinalVersionRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishFinalVersionResponse:
        view = await self._run.write(
            self._hub.consultations.publish_final_version,
            request.tracking_code,
            document_sha256=request.document.sha256,
            document_url=request.document.url,
            by=current_agency(),
        )
        return pb.PublishFinalVersionResponse(consultation=consultation_to_proto(view))

    @domain_errors_as_status
    async def GetConsultation(  # noqa: N802
        self, request: pb.GetConsultationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetConsultationResponse:
        view = await self._run.read(self._hub.consultations.get_consultation, request.tracking_code)
        if view.phase is Phase.REQUESTED and not may_read_unpublished(current_principal(), view):
            note_refusal("consultation not published")  # see hub.servicers.scope
            raise NotFound("consultation", view.tracking_code)  # as an unknown code answers
        return pb.GetConsultationResponse(consultation=consultation_to_proto(view))

    @domain_errors_as_status
    async def ListConsultations(  # noqa: N802
        self, request: pb.ListConsultationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListConsultationsResponse:
        rows = await self._run.read(
            self._hub.consultations.list_consultations, request.agency or None
        )
        return pb.ListConsultationsResponse(
            rows=[_row(r) for r in rows], markdown=table_markdown(rows)
        )

    @domain_errors_as_status
    async def GetConsultationReport(  # noqa: N802
        self, request: pb.GetConsultationReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetConsultationReportResponse:
        report = await self._run.read(
            self._hub.consultations.consultation_report, request.tracking_code
        )
        return pb.GetConsultationReportResponse(report=report_to_proto(report))

    @domain_errors_as_status
    async def IssueCertificate(  # noqa: N802
        self, request: pb.IssueCertificateRequest, context: grpc.aio.ServicerContext
    ) -> pb.IssueCertificateResponse:
        participant = await self._hub.participants.pseudonym_of(request.identity_token)
        issued = await self._run.read(
            self._hub.consultations.issue_certificate,
            request.tracking_code,
            participant=participant,
        )
        return pb.IssueCertificateResponse(
            certificate=issued.document,
            key_id=issued.key_id,
            participant=issued.certificate.participant,
        )

    @domain_errors_as_status
    async def GetCitizenRanking(  # noqa: N802
        self, request: pb.GetCitizenRankingRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCitizenRankingResponse:
        participant = await self._hub.participants.optional_pseudonym_of(request.identity_token)
        ranking = await self._run.read(
            self._hub.consultations.citizen_ranking,
            request.limit,
            participant=participant,
        )
        return pb.GetCitizenRankingResponse(
            top=[_score(r) for r in ranking.top],
            own=_score(ranking.own) if ranking.own else None,
        )


def _kind_and_type(request: pb.RequestConsultationRequest) -> tuple[DraftKind, ParticipationType]:
    """Both enums, every problem reported at once."""
    violations: list[Violation] = []
    kind: DraftKind | None = None
    type_: ParticipationType | None = None
    try:
        kind = _kind(request.kind)
    except InvalidInput as error:
        violations.extend(error.violations)
    try:
        type_ = _type(request.participation_type)
    except InvalidInput as error:
        violations.extend(error.violations)
    if kind is None or type_ is None:
        raise InvalidInput(*violations)
    return kind, type_
