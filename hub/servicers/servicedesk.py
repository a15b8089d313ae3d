"""ServiceDeskService: proto ⇄ application for service cases and their exchanges."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.servicedesk.v1 import servicedesk_pb2 as pb
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.applicants import ApplicantKind
from aggregates.errors import InvalidInput, NotFound, Violation
from aggregates.principals import PrincipalKind
from aggregates.service_case import TimelineEntry
from aggregates.service_record import DEFAULT_EVALUATION, InquiryKind
from hub.application.cases import CaseView, TrackingCodeCheck
from hub.application.errors import AccessDenied
from hub.application.exchanges import (
    CaseDetails,
    CaseExchanges,
    ExchangeState,
    InquiryView,
    PaymentView,
    TransferView,
)
from hub.application.hub import TabadolHub
from hub.ledger.executor import Executor
from hub.servicers.auth import (
    allowed_for_service_code,
    current_agency,
    current_principal,
    note_refusal,
)
from hub.servicers.convert import (
    enum_from_proto,
    enum_to_proto,
    evaluation_to_proto,
    jalali,
    stage_from_proto,
    stage_to_proto,
    timestamp,
)
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status
from hub.servicers.scope import CaseScope, case_scope, is_national_window

__all__ = ["ServiceDeskServicer", "case_to_proto", "content_free", "register"]

_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])


_APPLICANT_KINDS = {
    pb.APPLICANT_KIND_UNSPECIFIED: ApplicantKind.NATURAL,
    pb.APPLICANT_KIND_NATURAL: ApplicantKind.NATURAL,
    pb.APPLICANT_KIND_LEGAL: ApplicantKind.LEGAL,
    pb.APPLICANT_KIND_FOREIGN: ApplicantKind.FOREIGN,
}
_PAYMENT_CHANNELS = {
    pb.PAYMENT_CHANNEL_UNSPECIFIED: "agency_site",
    pb.PAYMENT_CHANNEL_AGENCY_SITE: "agency_site",
    pb.PAYMENT_CHANNEL_SHETAB: "shetab",
    pb.PAYMENT_CHANNEL_POS: "pos",
}
_CHANNEL_NUMBERS = {name: number for number, name in _PAYMENT_CHANNELS.items() if number}


def transfer_to_proto(view: TransferView) -> pb.AgencyPayment:
    payment = pb.AgencyPayment(
        tracking_code=view.tracking_code,
        payer_agency=view.payer_agency,
        payer_account=view.payer_account,
        payee_agency=view.payee_agency,
        payee_account=view.payee_account,
        amount_rials=view.amount_rials,
        purpose=view.purpose,
        status=enum_to_proto(pb.PaymentStatus, "PAYMENT_STATUS_", view.status),
        payment_id=view.payment_id,
        settlement_reference=view.settlement_reference,
        failure_reason=view.failure_reason,
    )
    if view.settled_at is not None:
        payment.settled_at.CopyFrom(timestamp(view.settled_at))
        payment.settled_at_jalali = jalali(view.settled_at)
    return payment


def _inquiry_kind_to_proto(kind: InquiryKind) -> int:
    return enum_to_proto(cat.InquiryKind, "INQUIRY_KIND_", kind)


def _facts(facts: Mapping[str, str | bool]) -> dict[str, str]:
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for name, value in facts.items()
    }


def inquiry_to_proto(view: InquiryView, *, persian_digits: bool = False) -> pb.Inquiry:
    return pb.Inquiry(
        kind=_inquiry_kind_to_proto(view.kind),
        inquiry_tracking_code=view.inquiry_tracking_code,
        issuing_agency=view.issuing_agency,
        inquired_at=timestamp(view.inquired_at),
        inquired_at_jalali=jalali(view.inquired_at, persian_digits),
        facts=_facts(view.facts),
    )


def payment_to_proto(view: PaymentView, *, persian_digits: bool = False) -> pb.Payment:
    payment = pb.Payment(
        status=enum_to_proto(pb.PaymentStatus, "PAYMENT_STATUS_", view.status),
        idempotency_key=view.idempotency_key,
        amount_rials=view.amount_rials,
        revenue_account=view.revenue_account,
        payment_id=view.payment_id,
        settlement_reference=view.settlement_reference,
        failure_reason=view.failure_reason,
        channel=_CHANNEL_NUMBERS.get(view.channel, pb.PAYMENT_CHANNEL_UNSPECIFIED),
    )
    if view.settled_at is not None:
        payment.settled_at.CopyFrom(timestamp(view.settled_at))
        payment.settled_at_jalali = jalali(view.settled_at, persian_digits)
    return payment


def _add_exchanges(case: pb.Case, state: ExchangeState, persian_digits: bool) -> None:
    case.identity_level = state.identity_level
    case.required_identity_level = state.required_identity_level
    case.required_inquiries.extend(_inquiry_kind_to_proto(k) for k in state.required_inquiries)
    case.inquiries.extend(
        inquiry_to_proto(i, persian_digits=persian_digits) for i in state.inquiries
    )
    if state.payment is not None:
        case.payment.CopyFrom(payment_to_proto(state.payment, persian_digits=persian_digits))
    case.missing_for_delivery.extend(state.missing_for_delivery)
    case.fee_rials = state.fee_rials


def details_to_proto(details: CaseDetails, *, persian_digits: bool = False) -> pb.Case:
    """A case with where its exchanges stand."""
    return case_to_proto(details.case, persian_digits=persian_digits, exchanges=details.exchanges)


def tracking_check_to_proto(
    check: TrackingCodeCheck, *, persian_digits: bool = False
) -> pb.VerifyTrackingCodeResponse:
    reply = pb.VerifyTrackingCodeResponse(
        tracking_code=check.tracking_code,
        authentic=check.authentic,
        kind=enum_to_proto(pb.TrackingCodeKind, "TRACKING_CODE_KIND_", check.kind),
        issuing_agency=check.issuing_agency,
        source=check.source,
    )
    if check.inquiry_kind is not None:
        reply.inquiry_kind = _inquiry_kind_to_proto(check.inquiry_kind)
    if check.issued_at is not None:
        reply.issued_at.CopyFrom(timestamp(check.issued_at))
        reply.issued_at_jalali = jalali(check.issued_at, persian_digits)
    return reply


@lru_cache(maxsize=1 << 16)
def _timeline_wire(entry: TimelineEntry, persian_digits: bool) -> bytes:
    """One timeline entry as the wire form of a :class:`pb.Case` holding only it.

    Remembered for the last 65,536 entries: an event's line is built once, not on every
    response that shows its case (a case's timeline is sent again with each of its calls).
    The key is the whole entry, so equal bytes only ever stand for equal content; scoping
    (:func:`content_free`) works on a copy of the case, never on what is remembered.
    """
    line = pb.TimelineEntry(
        kind=entry.kind,
        stage=stage_to_proto(entry.stage),
        step=entry.step,
        note=entry.note,
        by_agency=entry.by,
        at=timestamp(entry.at),
        at_jalali=jalali(entry.at, persian_digits),
    )
    return bytes(pb.Case(timeline=[line]).SerializeToString())


def case_to_proto(
    view: CaseView, *, persian_digits: bool = False, exchanges: ExchangeState | None = None
) -> pb.Case:
    case = pb.Case(
        tracking_code=view.tracking_code,
        service_code=view.service_code,
        record_revision=view.record_revision,
        agency=view.agency,
        applicant_masked=view.applicant_masked,
        status=enum_to_proto(pb.CaseStatus, "CASE_STATUS_", view.status),
        stage=stage_to_proto(view.stage),
        channel=view.channel,
        postal_code=view.postal_code,
        applicant_kind=enum_to_proto(pb.ApplicantKind, "APPLICANT_KIND_", view.applicant_kind),
        legal_person_national_id=view.legal_person_national_id,
        representative_role=view.representative_role,
        counter=view.counter,
    )
    case.MergeFromString(b"".join([_timeline_wire(e, persian_digits) for e in view.timeline]))
    if view.satisfaction is not None:
        score, comment = view.satisfaction
        case.satisfaction.CopyFrom(
            pb.Satisfaction(score=score, comment=comment, answers=dict(view.answers or {}))
        )
    case.corrections = view.corrections
    if exchanges is not None:
        _add_exchanges(case, exchanges, persian_digits)
    return case


def content_free(case: pb.Case) -> pb.Case:
    """The national window's view (002 art. 8 n1): what happened when, no content."""
    view = pb.Case()
    view.CopyFrom(case)
    for entry in view.timeline:
        entry.note = ""
    for name in ("satisfaction", "payment"):
        if view.HasField(name):
            view.ClearField(name)
    del view.inquiries[:]
    return view


def _forms_from_proto(forms: Any) -> dict[str, Any]:
    """Each FormData's JSON parsed; a form that is not a JSON object is a field error."""
    parsed: dict[str, Any] = {}
    problems: list[Violation] = []
    for form in forms:
        field = f"forms[{form.document}]"
        try:
            data = json.loads(form.json) if form.json.strip() else {}
        except json.JSONDecodeError as error:
            problems.append(Violation(field, f"not JSON: {error.msg} at {error.pos}"))
            continue
        if form.document in parsed:
            problems.append(Violation(field, "sent twice"))
        parsed[form.document] = data
    if problems:
        raise InvalidInput(*problems)
    return parsed


def _agencies_only() -> None:
    """Payments between agencies' accounts are agencies' own business, never a counter's
    (no delegation reaches them)."""
    principal = current_principal()
    if principal.kind is PrincipalKind.COUNTER:
        raise AccessDenied(
            f"{principal.name}: a service counter makes no payments between agencies"
        )


def register(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: ServiceDeskService (with the edge's
    exchanges, when the hub is connected to the other agencies' systems)."""
    servicedesk_pb2_grpc.add_ServiceDeskServiceServicer_to_server(
        ServiceDeskServicer(edge.hub, edge.executor, edge.exchanges), server
    )
    return str(pb.DESCRIPTOR.services_by_name["ServiceDeskService"].full_name)


class ServiceDeskServicer(servicedesk_pb2_grpc.ServiceDeskServiceServicer):
    """Thin: each RPC translates proto ⇄ primitives and calls one use case.

    ``exchanges`` (the connector clients' side) may be absent: the exchange RPCs then
    answer UNIMPLEMENTED; GetCase and VerifyTrackingCode work either way.
    """

    def __init__(
        self, hub: TabadolHub, executor: Executor, exchanges: CaseExchanges | None = None
    ) -> None:
        self._hub = hub
        self._run = executor
        self._exchanges = exchanges
        self._desk = hub.exchange_records

    async def _may_open(self, service_code: str) -> None:
        """OpenCase only for a service the caller owns, or, for a counter, one delegated to
        it (the rights table already allowed the RPC, or this service code by a ``code:``
        grant, which a delegation implies)."""
        principal = current_principal()
        record = await self._run.read(self._hub.catalogue.get_service_record, service_code)
        owner = record.spec.owner_agency.strip().upper()
        if not allowed_for_service_code(record.service_code):
            raise AccessDenied(f"{principal.name} has no right to open cases of {service_code}")
        if principal.kind is PrincipalKind.AGENCY and principal.code == owner:
            return
        if principal.kind is PrincipalKind.COUNTER:
            return  # the use case checks the delegation (hub.application.counters)
        raise AccessDenied(
            f"{principal.name} may open cases only of its own services; {service_code} is {owner}'s"
        )

    async def _connected(self, context: grpc.aio.ServicerContext) -> CaseExchanges:
        if self._exchanges is None:
            await context.abort(
                grpc.StatusCode.UNIMPLEMENTED,
                "this hub is not connected to other agencies' systems: set"
                " TABADOL_IDENTITY_URL, TABADOL_CIVIL_REGISTRY_URL, TABADOL_DEEDS_REGISTRY_URL,"
                " TABADOL_POSTAL_CODE_URL and TABADOL_TREASURY_URL",
            )
        assert self._exchanges is not None
        return self._exchanges

    @domain_errors_as_status
    async def OpenCase(  # noqa: N802 - gRPC method name
        self, request: pb.OpenCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.OpenCaseResponse:
        await self._may_open(request.service_code)
        view = await self._run.write(
            self._hub.cases.open_case,
            request.service_code,
            request.applicant_national_code,
            channel=request.channel,
            by=current_agency(),
            forms=_forms_from_proto(request.forms),
            postal_code=request.postal_code,
            applicant_kind=_APPLICANT_KINDS[request.applicant_kind],
            legal_person_national_id=request.legal_person_national_id,
            foreign_national_id=request.foreign_national_id,
        )
        return pb.OpenCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def RecordStep(  # noqa: N802
        self, request: pb.RecordStepRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordStepResponse:
        view = await self._run.write(
            self._hub.cases.record_step,
            request.tracking_code,
            request.step,
            note=request.note,
            by=current_agency(),
        )
        return pb.RecordStepResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def CompleteStage(  # noqa: N802
        self, request: pb.CompleteStageRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteStageResponse:
        stage = stage_from_proto(request.stage)
        view = await self._run.write(
            self._hub.cases.complete_stage, request.tracking_code, stage, by=current_agency()
        )
        return pb.CompleteStageResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def DeliverCase(  # noqa: N802
        self, request: pb.DeliverCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeliverCaseResponse:
        view = await self._run.write(
            self._hub.cases.deliver,
            request.tracking_code,
            in_person=request.in_person,
            note=request.note,
            by=current_agency(),
        )
        return pb.DeliverCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def RejectCase(  # noqa: N802
        self, request: pb.RejectCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.RejectCaseResponse:
        view = await self._run.write(
            self._hub.cases.reject,
            request.tracking_code,
            reason=request.reason,
            by=current_agency(),
        )
        return pb.RejectCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def CancelCase(  # noqa: N802
        self, request: pb.CancelCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelCaseResponse:
        view = await self._run.write(
            self._hub.cases.cancel,
            request.tracking_code,
            reason=request.reason,
            by=current_agency(),
        )
        return pb.CancelCaseResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def RateSatisfaction(  # noqa: N802
        self, request: pb.RateSatisfactionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RateSatisfactionResponse:
        view = await self._run.write(
            self._hub.cases.rate_satisfaction,
            request.tracking_code,
            score=request.score,
            comment=request.comment,
            by=current_agency(),
            answers=dict(request.answers),
        )
        return pb.RateSatisfactionResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def GetEvaluation(  # noqa: N802
        self, request: pb.GetEvaluationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEvaluationResponse:
        """What the applicant is asked after delivery and when (002 art. 8); scoped as
        GetCase (whether a code exists and was delivered is not for everyone)."""
        view = await self._run.read(self._hub.cases.get_case, request.tracking_code)
        out_of_scope = case_scope(current_principal(), view) is CaseScope.NONE
        if out_of_scope or not allowed_for_service_code(view.service_code):  # as GetCase
            note_refusal("case out of scope")
            raise NotFound("case", request.tracking_code)
        reply = pb.GetEvaluationResponse(
            method=evaluation_to_proto(view.evaluation or DEFAULT_EVALUATION),
            rated=view.satisfaction is not None,
        )
        if view.rating_window is not None:
            opens, closes = view.rating_window
            now = self._hub.clock()
            reply.opens_at.CopyFrom(timestamp(opens))
            reply.closes_at.CopyFrom(timestamp(closes))
            reply.closes_at_jalali = jalali(closes)
            reply.open = opens <= now < closes and view.satisfaction is None
        return reply

    @domain_errors_as_status
    async def RequestCorrection(  # noqa: N802
        self, request: pb.RequestCorrectionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RequestCorrectionResponse:
        view = await self._run.write(
            self._hub.cases.request_correction,
            request.tracking_code,
            reason=request.reason,
            by=current_agency(),
        )
        return pb.RequestCorrectionResponse(case=case_to_proto(view))

    @domain_errors_as_status
    async def GetCase(  # noqa: N802
        self, request: pb.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCaseResponse:
        if request.applicant_token:
            details, scope = await self._applicants_case(request, context)
        else:
            details = await self._run.read(self._desk.case_details, request.tracking_code)
            scope = case_scope(current_principal(), details.case)
        if not allowed_for_service_code(details.case.service_code):
            scope = CaseScope.NONE  # a code: grant of another service
        if scope is CaseScope.NONE:  # see hub.servicers.scope: why NOT_FOUND
            note_refusal("case out of scope")
            raise NotFound("case", request.tracking_code)
        persian = request.digits == pb.DIGITS_PERSIAN
        case = details_to_proto(details, persian_digits=persian)
        if scope is CaseScope.CONTENT_FREE:
            case = content_free(case)
        return pb.GetCaseResponse(case=case)

    async def _applicants_case(
        self, request: pb.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> tuple[CaseDetails, CaseScope]:
        """The case for its applicant, whose identity token the national window relays."""
        if not is_national_window(current_principal()):
            await context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                "only the national window relays an applicant's identity token (an agency"
                " given it for its own case may not read the person's other cases with it)",
            )
        try:
            national_code = await self._hub.participants.national_code_of(request.applicant_token)
        except InvalidInput as error:  # named as this request names the token
            raise InvalidInput(
                *(Violation("applicant_token", v.description) for v in error.violations)
            ) from None
        try:
            details = await self._run.read(
                self._desk.applicant_case_details, request.tracking_code, national_code
            )
        except NotFound:
            note_refusal("not the applicant")
            raise
        return details, CaseScope.APPLICANT

    # --- exchanges with other agencies' systems ---------------------------------------

    @domain_errors_as_status
    async def VerifyApplicantIdentity(  # noqa: N802
        self, request: pb.VerifyApplicantIdentityRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyApplicantIdentityResponse:
        exchanges = await self._connected(context)
        details, level = await exchanges.verify_identity(
            request.tracking_code, request.applicant_token, by=current_agency()
        )
        return pb.VerifyApplicantIdentityResponse(
            case=details_to_proto(details), assurance_level=level
        )

    @domain_errors_as_status
    async def MakeInquiry(  # noqa: N802
        self, request: pb.MakeInquiryRequest, context: grpc.aio.ServicerContext
    ) -> pb.MakeInquiryResponse:
        kind = enum_from_proto(InquiryKind, cat.InquiryKind, "INQUIRY_KIND_", request.kind, "kind")
        exchanges = await self._connected(context)
        details, inquiry = await exchanges.make_inquiry(
            request.tracking_code,
            kind,
            birth_date_jalali=request.birth_date_jalali,
            legal_person_national_id=request.legal_person_national_id,
            postal_code=request.postal_code,
            birth_certificate_serial=request.birth_certificate_serial,
            birth_certificate_series=request.birth_certificate_series,
            by=current_agency(),
        )
        return pb.MakeInquiryResponse(
            case=details_to_proto(details), inquiry=inquiry_to_proto(inquiry)
        )

    @domain_errors_as_status
    async def PayFee(  # noqa: N802
        self, request: pb.PayFeeRequest, context: grpc.aio.ServicerContext
    ) -> pb.PayFeeResponse:
        exchanges = await self._connected(context)
        details = await exchanges.pay_fee(
            request.tracking_code,
            by=current_agency(),
            channel=_PAYMENT_CHANNELS.get(request.channel, "agency_site"),
        )
        reply = pb.PayFeeResponse(case=details_to_proto(details))
        if details.exchanges.payment is not None:
            reply.payment.CopyFrom(payment_to_proto(details.exchanges.payment))
        return reply

    @domain_errors_as_status
    async def GetPaymentStatus(  # noqa: N802
        self, request: pb.GetPaymentStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPaymentStatusResponse:
        exchanges = await self._connected(context)
        details = await exchanges.payment_status(request.tracking_code, by=current_agency())
        reply = pb.GetPaymentStatusResponse(case=details_to_proto(details))
        if details.exchanges.payment is not None:
            reply.payment.CopyFrom(payment_to_proto(details.exchanges.payment))
        return reply

    @domain_errors_as_status
    async def ReconcilePayments(  # noqa: N802
        self, request: pb.ReconcilePaymentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReconcilePaymentsResponse:
        _agencies_only()
        exchanges = await self._connected(context)
        report = await exchanges.reconcile_payments(agency=current_agency())
        return pb.ReconcilePaymentsResponse(
            examined=report.examined,
            settled=report.settled,
            pending=report.pending,
            declined=report.declined,
            not_made=report.not_made,
            failed=report.failed,
        )

    @domain_errors_as_status
    async def VerifyTrackingCode(  # noqa: N802
        self, request: pb.VerifyTrackingCodeRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyTrackingCodeResponse:
        if request.ask_registry:
            exchanges = await self._connected(context)
            check = await exchanges.verify_tracking_code(
                request.tracking_code, ask_registry=True, by=current_agency()
            )
        else:
            check = await self._run.read(
                self._hub.cases.verify_tracking_code, request.tracking_code
            )
        persian = request.digits == pb.DIGITS_PERSIAN
        return tracking_check_to_proto(check, persian_digits=persian)

    @domain_errors_as_status
    async def ConfirmRepresentative(  # noqa: N802
        self, request: pb.ConfirmRepresentativeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmRepresentativeResponse:
        exchanges = await self._connected(context)
        details = await exchanges.confirm_representative(request.tracking_code, by=current_agency())
        return pb.ConfirmRepresentativeResponse(
            case=details_to_proto(details),
            role=details.case.representative_role,
            inquiry_tracking_code=details.case.representative_inquiry_code,
        )

    @domain_errors_as_status
    async def PayAgency(  # noqa: N802
        self, request: pb.PayAgencyRequest, context: grpc.aio.ServicerContext
    ) -> pb.PayAgencyResponse:
        _agencies_only()
        exchanges = await self._connected(context)
        view = await exchanges.pay_agency(
            payee_agency=request.payee_agency,
            payer_account=request.payer_account,
            payee_account=request.payee_account,
            amount_rials=request.amount_rials,
            purpose=request.purpose,
            by=current_agency(),
        )
        return pb.PayAgencyResponse(payment=transfer_to_proto(view))

    @domain_errors_as_status
    async def GetAgencyPayment(  # noqa: N802
        self, request: pb.GetAgencyPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAgencyPaymentResponse:
        _agencies_only()
        exchanges = await self._connected(context)
        view = await exchanges.agency_payment(request.tracking_code, by=current_agency())
        return pb.GetAgencyPaymentResponse(payment=transfer_to_proto(view))
