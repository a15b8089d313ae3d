"""A service case's exchanges with other agencies' systems: identity, inquiries, payment.

Two layers, imports one way (this module uses :mod:`hub.application.hub`, never the reverse):

- :class:`CaseExchangeUseCases`: synchronous use cases on primitives, run on the
  executor (writes on its one writer thread). They read what an exchange needs and
  record its outcome on the case: a signed event, with an :class:`InquiryReceipt` in the
  same transaction for an inquiry.
- :class:`CaseExchanges`: the async orchestration the servicer calls. For each exchange it
  checks the input with the domain value objects, reads the case (refusing before any
  call goes out), calls the other system through a port (:mod:`hub.application.ports`) as the
  calling agency and under the case's tracking code, then records the outcome. A failed
  call is an outcome too: it is recorded as ``ExchangeFailed`` and raised as
  :class:`ExchangeFailedError`, which the servicer turns into a gRPC status.

The fee is paid with an idempotency key derived from the tracking code, and the intent
(``PaymentRequested``) is recorded before the treasury is called, so a crash between the
payment and its recording is repaired by :meth:`CaseExchanges.reconcile_payments`, which
finds the payment by its key.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Generic, Literal, TypeVar

import jdatetime
import structlog

from aggregates.applicants import ApplicantKind, BirthCertificate
from aggregates.counters import CounterAction
from aggregates.errors import InvalidInput, NotFound, TransitionRefused, Violation
from aggregates.identifiers import NationalId, PostalCode, TrackingCode, TrackingKind, case_id
from aggregates.inquiry_receipt import InquiryReceipt, InquiryTrackingCode
from aggregates.inter_agency_payment import InterAgencyPayment
from aggregates.jalali import parse_jalali_date
from aggregates.principals import HUB_CODE
from aggregates.service_case import (
    EXCHANGE_FAILURE_KINDS,
    CasePayment,
    InquiryRecord,
    PaymentStatus,
    ServiceCase,
)
from aggregates.service_record import InquiryKind
from hub.application.cases import Cases, CaseView, TrackingCodeCheck, case_view
from hub.application.counters import counter_of
from hub.application.errors import AccessDenied
from hub.application.ports import (
    CivilRegistry,
    Closable,
    DeedsRegistry,
    ExchangeFailure,
    IdentityProvider,
    InquiryVerificationAnswer,
    PaymentAnswer,
    PostalCodeService,
    Treasury,
)
from hub.application.store import Companions, Store
from hub.ledger.executor import Executor
from hub.telemetry import metrics
from hub.telemetry.opmon import OpmonStore, OpRecord, now_ms

__all__ = [
    "IDENTITY_SYSTEM",
    "RECONCILER",
    "REGISTRY_AGENCIES",
    "REGISTRY_SYSTEMS",
    "TREASURY_SYSTEM",
    "CaseDetails",
    "CaseExchangeUseCases",
    "CaseExchanges",
    "ExchangeClients",
    "ExchangeFailedError",
    "ExchangeState",
    "InquiryView",
    "PaymentView",
    "PerAgency",
    "ReconcileReport",
    "reconcile_in_background",
]

_log = structlog.get_logger("tabadol.exchanges")

REGISTRY_SYSTEMS: Mapping[InquiryKind, str] = {
    InquiryKind.CIVIL_REGISTRATION: "civil-registry",
    InquiryKind.DEEDS_REGISTRY: "deeds-registry",
    InquiryKind.POSTAL_CODE: "postal-code",
}
"""The system each inquiry goes to, as recorded on the case."""

REGISTRY_AGENCIES: Mapping[InquiryKind, str] = {
    InquiryKind.CIVIL_REGISTRATION: "SABTEAHVAL",  # سازمان ثبت احوال کشور
    InquiryKind.DEEDS_REGISTRY: "SSAA",  # سازمان ثبت اسناد و املاک کشور
    InquiryKind.POSTAL_CODE: "POST",  # شرکت ملی پست
}
"""The agency that issues each kind of inquiry tracking code (the default; configurable)."""

IDENTITY_SYSTEM = "identity"
TREASURY_SYSTEM = "treasury"
RECONCILER = "tabadol:reconcile"
"""The actor recorded when the hub reconciles payments by itself (never an agency code)."""

_INQUIRY_OPERATIONS: Mapping[InquiryKind, str] = {
    InquiryKind.CIVIL_REGISTRATION: "InquirePerson",
    InquiryKind.DEEDS_REGISTRY: "InquireLegalPerson",
    InquiryKind.POSTAL_CODE: "LookupPostalCode",
}
_SUBJECT_FIELDS: Mapping[InquiryKind, str] = {
    InquiryKind.CIVIL_REGISTRATION: "birth_date_jalali",
    InquiryKind.DEEDS_REGISTRY: "legal_person_national_id",
    InquiryKind.POSTAL_CODE: "postal_code",
}
_REASON_LENGTH = 1000
_MAX_TOKEN_LENGTH = 4096

_C = TypeVar("_C", bound=Closable)
_T = TypeVar("_T")
_A = TypeVar("_A", ServiceCase, InquiryReceipt, InterAgencyPayment)


# --- the clients, one per calling agency ----------------------------------------------


class PerAgency(Generic[_C]):
    """One client of one system per calling agency, connected on first use.

    Each agency calls under its own name (the ``x-tabadol-agency`` the other system
    sees and its access rights apply to), with its own circuit breaker.
    """

    def __init__(self, connect: Callable[[str], Awaitable[_C]]) -> None:
        self._connect = connect
        self._clients: dict[str, _C] = {}

    async def get(self, agency: str) -> _C:
        """The client calling as ``agency``."""
        client = self._clients.get(agency)
        if client is None:
            fresh = await self._connect(agency)
            client = self._clients.setdefault(agency, fresh)
            if client is not fresh:  # another task connected meanwhile
                await fresh.close()
        return client

    async def close(self) -> None:
        """Close every client's channel."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


@dataclass(frozen=True)
class ExchangeClients:
    """The ports to the five systems, and the exception their clients raise for a failed
    exchange (``connectors.ConnectorError``: it has the attributes of
    :class:`~hub.application.ports.ExchangeFailure`)."""

    civil_registry: PerAgency[CivilRegistry]
    deeds_registry: PerAgency[DeedsRegistry]
    postal_code: PerAgency[PostalCodeService]
    identity: PerAgency[IdentityProvider]
    treasury: PerAgency[Treasury]
    failure: type[Exception]

    async def close(self) -> None:
        """Close every channel."""
        for pool in (
            self.civil_registry,
            self.deeds_registry,
            self.postal_code,
            self.identity,
            self.treasury,
        ):
            await pool.close()


# --- views: plain values out ----------------------------------------------------------


@dataclass(frozen=True)
class InquiryView:
    kind: InquiryKind
    inquiry_tracking_code: str
    issuing_agency: str
    inquired_at: datetime
    facts: Mapping[str, str | bool]


@dataclass(frozen=True)
class PaymentView:
    status: PaymentStatus
    idempotency_key: str
    amount_rials: int
    revenue_account: str
    payment_id: str
    settlement_reference: str
    settled_at: datetime | None
    failure_reason: str
    channel: str = ""


@dataclass(frozen=True)
class ExchangeState:
    identity_level: int
    required_identity_level: int
    required_inquiries: tuple[InquiryKind, ...]
    inquiries: tuple[InquiryView, ...]
    payment: PaymentView | None
    fee_rials: int
    missing_for_delivery: tuple[str, ...]


@dataclass(frozen=True)
class CaseDetails:
    """A case as :meth:`TabadolHub.get_case` shows it, with where its exchanges stand."""

    case: CaseView
    exchanges: ExchangeState


@dataclass(frozen=True)
class TransferView:
    """One payment between agencies' accounts (004 art. 9 n2)."""

    tracking_code: str
    payer_agency: str
    payer_account: str
    payee_agency: str
    payee_account: str
    amount_rials: int
    purpose: str
    idempotency_key: str
    status: PaymentStatus
    payment_id: str
    settlement_reference: str
    settled_at: datetime | None
    failure_reason: str

    @property
    def outstanding(self) -> bool:
        """Whether the treasury's final word is still awaited."""
        return self.status in (PaymentStatus.REQUESTED, PaymentStatus.PENDING)


def _transfer_view(t: InterAgencyPayment) -> TransferView:
    o = t.outcome
    return TransferView(
        tracking_code=t.tracking_code,
        payer_agency=t.payer[0],
        payer_account=t.payer[1],
        payee_agency=t.payee[0],
        payee_account=t.payee[1],
        amount_rials=t.amount_rials,
        purpose=t.purpose,
        idempotency_key=t.idempotency_key,
        status=o.status,
        payment_id=o.payment_id,
        settlement_reference=o.settlement_reference,
        settled_at=o.settled_at,
        failure_reason=o.failure_reason,
    )


@dataclass
class ReconcileReport:
    """What one reconciliation found."""

    examined: int = 0
    settled: int = 0
    pending: int = 0
    declined: int = 0
    not_made: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    transfers_examined: int = 0
    transfers_settled: int = 0


@dataclass(frozen=True)
class _PaymentPlan:
    """What the treasury is asked, for one case's current payment."""

    tracking_code: str
    agency: str
    payer: str
    payment: CasePayment | None


def _inquiry_view(record: InquiryRecord) -> InquiryView:
    return InquiryView(
        kind=record.kind,
        inquiry_tracking_code=record.inquiry_tracking_code,
        issuing_agency=record.issuing_agency,
        inquired_at=record.inquired_at,
        facts=dict(record.facts),
    )


def _payment_view(payment: CasePayment) -> PaymentView:
    return PaymentView(
        status=payment.status,
        idempotency_key=payment.idempotency_key,
        amount_rials=payment.amount_rials,
        revenue_account=payment.revenue_account,
        payment_id=payment.payment_id,
        settlement_reference=payment.settlement_reference,
        settled_at=payment.settled_at,
        failure_reason=payment.failure_reason,
        channel=payment.channel,
    )


def _details(case: ServiceCase) -> CaseDetails:
    inquiries = case.inquiries
    return CaseDetails(
        case=case_view(case),
        exchanges=ExchangeState(
            identity_level=case.identity_level,
            required_identity_level=case.required_identity_level,
            required_inquiries=case.required_inquiries,
            inquiries=tuple(
                _inquiry_view(inquiries[kind]) for kind in InquiryKind if kind in inquiries
            ),
            payment=None if case.payment is None else _payment_view(case.payment),
            fee_rials=0 if case.fee is None else case.fee.tariff_rials,
            missing_for_delivery=case.missing_for_delivery(),
        ),
    )


class ExchangeFailedError(Exception):
    """An exchange with another agency's system failed; the failure is recorded on the case.

    ``kind`` is unavailable, timeout, refused, invalid_answer or circuit_open.
    """

    def __init__(
        self, system: str, operation: str, kind: str, reason: str, *, tracking_code: str
    ) -> None:
        self.system = system
        self.operation = operation
        self.kind = kind
        self.reason = reason
        self.tracking_code = tracking_code
        super().__init__(f"{system} {operation}: {kind}: {reason}")

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed later, unchanged."""
        return self.kind in ("unavailable", "timeout", "circuit_open")

    @property
    def message(self) -> str:
        """For a person: what failed, that it is recorded, and what to do."""
        then = (
            "try again later: the case continues where it stopped"
            if self.retryable
            else "the case stays open"
        )
        return (
            f"{self.system} {self.operation} failed ({self.kind}): {self.reason};"
            f" recorded on case {self.tracking_code}; {then}"
        )


# --- the synchronous use cases ---------------------------------------------------------


class CaseExchangeUseCases:
    """Reads what an exchange needs and records its outcome; runs on the executor.

    Every method takes the calling agency (``by``), which must be the case's main agency
    (:data:`RECONCILER` stands for the hub itself when it reconciles payments).
    """

    def __init__(self, store: Store, cases: Cases) -> None:
        self._store = store
        self._cases = cases

    # --- reads -----------------------------------------------------------------------

    def case_details(self, tracking_code: str) -> CaseDetails:
        """The case and where its exchanges stand (anyone may read, as GetCase)."""
        return _details(self._cases.load(tracking_code))

    def applicant_case_details(self, tracking_code: str, national_code: str) -> CaseDetails:
        """The case, for its applicant: ``national_code`` (from their verified identity
        token) must be the applicant's (the acting person's, for a legal person); otherwise
        NotFound, as for any case the caller may not see."""
        case = self._cases.load(tracking_code)
        if not hmac.compare_digest(case.applicant_national_code, national_code):
            raise NotFound("case", tracking_code)
        return _details(case)

    def check_identity_possible(self, tracking_code: str, *, by: str) -> None:
        """Refuse, before the identity provider is asked, what the case would refuse."""
        case = self._guarded(tracking_code, by, CounterAction.VERIFY_IDENTITY)
        case.check_can_verify_identity()

    def prepare_inquiry(self, tracking_code: str, kind: InquiryKind, *, by: str) -> str:
        """The applicant's national code, once the case may make the inquiry."""
        case = self._guarded(tracking_code, by, CounterAction.INQUIRY)
        case.check_can_make_inquiry(kind)
        return case.applicant_national_code

    def payment_plan(self, tracking_code: str, *, by: str) -> _PaymentPlan:
        """The case's current payment, to ask the treasury about."""
        return _plan(self._guarded(tracking_code, by, CounterAction.PAY))

    def outstanding_payments(self, agency: str | None = None) -> list[_PaymentPlan]:
        """Every case (of ``agency``, or all) whose current payment awaits the treasury's
        final word: requested with no recorded answer, or pending."""
        aggregate_ids = self._store.ids_with(ServiceCase.PaymentRequested.TOPIC)
        plans = []
        for aggregate_id in aggregate_ids:
            case = self._store.find(aggregate_id, ServiceCase)
            if case is None or case.payment is None:
                continue
            if case.payment.outstanding and agency in (None, case.agency):
                plans.append(_plan(case))
        return plans

    def receipt_of(self, text: str) -> tuple[str, InquiryKind | None, str]:
        """(canonical inquiry code, its kind, the case it was made for) from the hub's
        receipts; kind None when the hub holds no receipt of it."""
        inquiry = InquiryTrackingCode.parse(text, field="tracking_code").value
        receipt = self._store.find(InquiryReceipt.create_id(inquiry), InquiryReceipt)
        if receipt is None:
            return inquiry, None, ""
        return inquiry, receipt.kind, receipt.case_tracking_code

    def verify_tracking_code(self, text: str) -> TrackingCodeCheck:
        """As :meth:`hub.application.cases.Cases.verify_tracking_code`."""
        return self._cases.verify_tracking_code(text)

    # --- writes ----------------------------------------------------------------------

    def record_identity(
        self,
        tracking_code: str,
        *,
        active: bool,
        national_code: str | None,
        level: int | None,
        by: str,
    ) -> CaseDetails:
        """Record the identity provider's answer: IdentityVerified, or, for a token that is
        inactive, another person's or below the record's level, ExchangeFailed (refused)
        and the refusal raised."""
        refusal: TransitionRefused | None = None

        def verify(case: ServiceCase) -> None:
            nonlocal refusal
            refusal = None
            if not active:
                refusal = TransitionRefused(
                    "the applicant's token is not active (expired, revoked or not issued by"
                    " the national window): the applicant must sign in again",
                    field="applicant_token",
                )
            else:
                try:
                    case.verify_identity(national_code or "", level or 0, IDENTITY_SYSTEM, by=by)
                except TransitionRefused as refused:
                    refusal = refused
            if refusal is not None:
                case.record_exchange_failure(
                    IDENTITY_SYSTEM, "IntrospectToken", "refused", refusal.message, by=by
                )
            return None

        case = self._change(tracking_code, by, verify, CounterAction.VERIFY_IDENTITY)
        if refusal is not None:
            raise refusal
        return _details(case)

    def record_inquiry(
        self,
        tracking_code: str,
        kind: InquiryKind,
        *,
        inquiry_tracking_code: str,
        issuing_agency: str,
        facts: Mapping[str, str | bool],
        inquired_at: datetime,
        by: str,
    ) -> tuple[CaseDetails, InquiryView]:
        """Record an answered inquiry on the case and its receipt, in one transaction.

        A code the registry already issued for another inquiry is an invalid answer:
        recorded as ExchangeFailed and raised as :class:`ExchangeFailedError`.
        """
        system = REGISTRY_SYSTEMS[kind]
        receipt_id = InquiryReceipt.create_id(inquiry_tracking_code)
        duplicate = False

        def record(case: ServiceCase) -> Companions | None:
            nonlocal duplicate
            duplicate = self._store.contains(receipt_id)
            if duplicate:
                case.record_exchange_failure(
                    system,
                    _INQUIRY_OPERATIONS[kind],
                    "invalid_answer",
                    f"the registry gave inquiry tracking code {inquiry_tracking_code},"
                    " which it had already issued for another inquiry",
                    by=by,
                )
                return None
            case.record_inquiry(
                kind, inquiry_tracking_code, system, issuing_agency, facts, inquired_at, by=by
            )
            receipt = InquiryReceipt.record(
                inquiry_tracking_code,
                kind,
                issuing_agency,
                case.tracking_code,
                requested_by=case.agency,
                inquired_at=inquired_at,
            )
            return Companions((receipt,))

        case = self._change(tracking_code, by, record, CounterAction.INQUIRY)
        if duplicate:
            failure = case.exchange_failures[-1]
            raise ExchangeFailedError(
                system,
                failure.operation,
                failure.kind,
                failure.reason,
                tracking_code=case.tracking_code,
            )
        return _details(case), _inquiry_view(case.inquiries[kind])

    def start_payment(
        self, tracking_code: str, *, by: str, channel: str = "agency_site"
    ) -> _PaymentPlan:
        """The payment to ask the treasury about: the one under way or settled, else a new
        intent (PaymentRequested, before any call) with the next derived key."""

        def start(case: ServiceCase) -> None:
            payment = case.payment
            if payment is None or payment.status is PaymentStatus.DECLINED:
                case.request_payment(by=by, channel=channel)
            return None

        return _plan(self._change(tracking_code, by, start, CounterAction.PAY))

    def record_payment(
        self,
        tracking_code: str,
        *,
        idempotency_key: str,
        payment_id: str,
        status: str,
        settlement_reference: str = "",
        settled_at: datetime | None = None,
        failure_reason: str = "",
        by: str,
    ) -> CaseDetails:
        """Record the treasury's answer about the payment under ``idempotency_key``."""

        def record(case: ServiceCase) -> Companions | None:
            case.record_payment(
                idempotency_key,
                payment_id,
                status,
                by=by,
                settlement_reference=settlement_reference,
                settled_at=settled_at,
                failure_reason=failure_reason,
            )
            return None

        return _details(self._change(tracking_code, by, record, CounterAction.PAY))

    def representative_of(self, tracking_code: str, *, by: str) -> tuple[str, str]:
        """(legal person's national id, representative's national code) of a legal-person
        case that may still confirm its representative."""
        case = self._guarded(tracking_code, by, CounterAction.CONFIRM_REPRESENTATIVE)
        case.check_can_verify_identity()
        if case.applicant_kind is not ApplicantKind.LEGAL:
            raise TransitionRefused(
                "only a legal person's case has a representative to confirm",
                field="applicant_kind",
            )
        return case.legal_person_national_id, case.applicant_national_code

    def record_representation(
        self,
        tracking_code: str,
        *,
        authorized: bool,
        role: str,
        inquiry_tracking_code: str,
        by: str,
    ) -> CaseDetails:
        """Record the deeds registry's answer; a refusal is recorded and raised."""
        refused = False

        def record(case: ServiceCase) -> None:
            nonlocal refused
            refused = not authorized
            if refused:
                case.record_exchange_failure(
                    REGISTRY_SYSTEMS[InquiryKind.DEEDS_REGISTRY],
                    "VerifyRepresentative",
                    "refused",
                    "the deeds registry does not list the representative as acting for"
                    f" {case.legal_person_national_id}",
                    by=by,
                )
            else:
                case.confirm_representation(
                    role, inquiry_tracking_code, REGISTRY_SYSTEMS[InquiryKind.DEEDS_REGISTRY], by=by
                )
            return None

        case = self._change(tracking_code, by, record, CounterAction.CONFIRM_REPRESENTATIVE)
        if refused:
            raise TransitionRefused(
                case.exchange_failures[-1].reason, field="applicant_national_code"
            )
        return _details(case)

    # --- payments between agencies (004 art. 9 n2) --------------------------------------

    def request_transfer(
        self,
        *,
        payee_agency: str,
        payer_account: str,
        payee_account: str,
        amount_rials: int,
        purpose: str,
        by: str,
    ) -> TransferView:
        """Record the intent to pay another agency (before the treasury is called)."""
        transfer = self._store.create(
            TrackingKind.PAYMENT,
            lambda code: InterAgencyPayment.request(
                code,
                payer_agency=by,
                payer_account=payer_account,
                payee_agency=payee_agency,
                payee_account=payee_account,
                amount_rials=amount_rials,
                purpose=purpose,
                by=by,
            ),
        )
        return _transfer_view(transfer)

    def transfer(self, tracking_code: str) -> TransferView:
        """One inter-agency payment."""
        return _transfer_view(self._transfer(tracking_code))

    def record_transfer(
        self,
        tracking_code: str,
        *,
        payment_id: str,
        status: str,
        settlement_reference: str = "",
        settled_at: datetime | None = None,
        failure_reason: str = "",
        by: str,
    ) -> TransferView:
        """Record what the treasury says of an inter-agency payment."""
        code = TrackingCode.parse(tracking_code)

        def record(transfer: InterAgencyPayment) -> None:
            transfer.record_outcome(
                payment_id,
                status,
                by,
                settlement_reference=settlement_reference,
                settled_at=settled_at,
                failure_reason=failure_reason,
            )

        transfer, _ = self._store.change(
            InterAgencyPayment.create_id(code.value),
            InterAgencyPayment,
            "inter-agency payment",
            code.value,
            record,
        )
        return _transfer_view(transfer)

    def outstanding_transfers(self, agency: str | None = None) -> list[TransferView]:
        """Inter-agency payments (paid by ``agency``, or all) the treasury has not settled
        or declined yet, as far as the hub recorded."""
        found: list[TransferView] = []
        for aggregate_id in self._store.ids_with(InterAgencyPayment.Requested.TOPIC):
            transfer = self._store.find(aggregate_id, InterAgencyPayment)
            if (
                transfer is not None
                and transfer.outstanding
                and agency in (None, transfer.payer[0])
            ):
                found.append(_transfer_view(transfer))
        return found

    def _transfer(self, tracking_code: str) -> InterAgencyPayment:
        code = TrackingCode.parse(tracking_code)
        transfer = self._store.find(InterAgencyPayment.create_id(code.value), InterAgencyPayment)
        if transfer is None:
            raise NotFound("inter-agency payment", code.value)
        return transfer

    def record_exchange_failure(
        self, tracking_code: str, *, system: str, operation: str, kind: str, reason: str, by: str
    ) -> None:
        """Record that an exchange failed, so the case's timeline tells it."""

        def record(case: ServiceCase) -> Companions | None:
            case.record_exchange_failure(system, operation, kind, reason, by=by)
            return None

        self._change(tracking_code, by, record, CounterAction.NOTE)

    # --- plumbing ----------------------------------------------------------------------

    def _guarded(self, tracking_code: str, by: str, action: CounterAction) -> ServiceCase:
        case = self._cases.load(tracking_code)
        self._require_agency(case, by, action)
        return case

    def _require_agency(self, case: ServiceCase, by: str, action: CounterAction) -> None:
        """The case's main agency, or the counter it came through at a level allowing
        ``action`` (:meth:`Cases.authorise`); the reconciler may record payments."""
        if by != RECONCILER:
            self._cases.authorise(case, by, action)

    def _change(
        self,
        tracking_code: str,
        by: str,
        command: Callable[[ServiceCase], Companions | None],
        action: CounterAction,
    ) -> ServiceCase:
        """Load, check who acts, run the command, save the case with the companions the
        command returns in one transaction; on a concurrent write, run it again."""

        def guarded(case: ServiceCase) -> Companions | None:
            self._require_agency(case, by, action)
            return command(case)

        code = TrackingCode.parse(tracking_code)
        case, _ = self._store.change(
            case_id(code.value), ServiceCase, "case", tracking_code, guarded
        )
        return case


def _plan(case: ServiceCase) -> _PaymentPlan:
    return _PaymentPlan(
        tracking_code=case.tracking_code,
        agency=case.agency,
        payer=case.applicant_national_code,
        payment=case.payment,
    )


# --- input checks, before any call goes out --------------------------------------------


def _collect(violations: list[Violation], check: Callable[[], _T]) -> _T | None:
    try:
        return check()
    except InvalidInput as error:
        violations.extend(error.violations)
        return None


def _jalali_date(text: str, field_name: str) -> str:
    """A Jalali date as typed, checked to exist, written as the registries do: 1370/05/12."""
    day = jdatetime.date.fromgregorian(date=parse_jalali_date(text, field_name))
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def _token(text: str) -> str:
    token = text.strip() if isinstance(text, str) else ""
    if not token:
        raise InvalidInput.field("applicant_token", "the applicant's access token is required")
    if len(token) > _MAX_TOKEN_LENGTH or not (token.isascii() and token.isprintable()):
        raise InvalidInput.field(
            "applicant_token",
            f"an access token is 1 to {_MAX_TOKEN_LENGTH} printable ASCII characters",
        )
    return token


def _certificate(kind: InquiryKind, serial: str, series: str) -> BirthCertificate | None:
    """The birth certificate a civil-registration inquiry asks by, or None (by birth date)."""
    if not (serial.strip() or series.strip()):
        return None
    if kind is not InquiryKind.CIVIL_REGISTRATION:
        raise InvalidInput.field(
            "birth_certificate_serial", "only a civil_registration inquiry takes a certificate"
        )
    return BirthCertificate.parse(serial, series, field="birth_certificate")


def _subject(
    kind: InquiryKind, birth_date_jalali: str, legal_person_national_id: str, postal_code: str
) -> str:
    """The one input the inquiry needs, checked; the others must be empty."""
    given = {
        "birth_date_jalali": birth_date_jalali,
        "legal_person_national_id": legal_person_national_id,
        "postal_code": postal_code,
    }
    needed = _SUBJECT_FIELDS[kind]
    violations = [
        Violation(name, f"only a {_kind_of(name).value} inquiry takes {name}; leave it empty")
        for name, value in given.items()
        if name != needed and value.strip()
    ]
    subject: str | None
    if kind is InquiryKind.CIVIL_REGISTRATION:
        subject = _collect(violations, lambda: _jalali_date(birth_date_jalali, needed))
    elif kind is InquiryKind.DEEDS_REGISTRY:
        subject = _collect(
            violations, lambda: NationalId.parse(legal_person_national_id, field=needed).value
        )
    else:
        subject = _collect(violations, lambda: PostalCode.parse(postal_code, field=needed).value)
    if violations:
        raise InvalidInput(*violations)
    assert subject is not None
    return subject


def _treasury_channel(channel: str) -> Literal["agency_site", "shetab", "pos"]:
    if channel == "shetab":
        return "shetab"
    if channel == "pos":
        return "pos"
    return "agency_site"  # payments recorded before channels were paid on the site


def _kind_of(subject_field: str) -> InquiryKind:
    return next(kind for kind, name in _SUBJECT_FIELDS.items() if name == subject_field)


def _reason(failure: ExchangeFailure) -> str:
    parts = [failure.detail or failure.kind]
    if failure.code:
        parts.insert(0, failure.code)
    if failure.reason:
        parts.append(f"reason {failure.reason}")
    parts.extend(f"{v.field}: {v.description}" for v in failure.violations)
    text = "; ".join(p for p in parts if p)
    return text[:_REASON_LENGTH]


# --- the async orchestration -----------------------------------------------------------


class CaseExchanges:
    """What the servicer calls for a case's exchanges; one per hub process.

    ``use_cases`` run on ``executor`` (the hub's one writer thread for writes), so the
    exchanges share the write path of every other command.
    """

    def __init__(
        self,
        use_cases: CaseExchangeUseCases,
        executor: Executor,
        clients: ExchangeClients,
        *,
        registry_agencies: Mapping[InquiryKind, str] = REGISTRY_AGENCIES,
        opmon: OpmonStore | None = None,
    ) -> None:
        self.use_cases = use_cases
        self._run = executor
        self._clients = clients
        self._agencies = dict(registry_agencies)
        self._opmon = opmon

    async def close(self) -> None:
        """Close every client channel."""
        await self._clients.close()

    async def verify_identity(
        self, tracking_code: str, applicant_token: str, *, by: str
    ) -> tuple[CaseDetails, int]:
        """Ask the identity provider about the applicant's token and record the answer.

        Returns the case and the token's assurance level. The token is never recorded.
        """
        violations: list[Violation] = []
        code = _collect(violations, lambda: TrackingCode.parse(tracking_code).value)
        token = _collect(violations, lambda: _token(applicant_token))
        if violations:
            raise InvalidInput(*violations)
        assert code is not None and token is not None
        await self._run.read(self.use_cases.check_identity_possible, code, by=by)
        client = await self._clients.identity.get(await self._on_behalf(code, by))
        answer = await self._exchange(
            code,
            IDENTITY_SYSTEM,
            "IntrospectToken",
            by,
            lambda: client.introspect_token(token, tracking_code=code),
        )
        details = await self._run.write(
            self.use_cases.record_identity,
            code,
            active=answer.active,
            national_code=answer.national_code,
            level=answer.assurance_level,
            by=by,
        )
        return details, answer.assurance_level or 0

    async def make_inquiry(
        self,
        tracking_code: str,
        kind: InquiryKind,
        *,
        birth_date_jalali: str = "",
        legal_person_national_id: str = "",
        postal_code: str = "",
        birth_certificate_serial: str = "",
        birth_certificate_series: str = "",
        by: str,
    ) -> tuple[CaseDetails, InquiryView]:
        """Make the inquiry the record calls for and record only what the service needs.
        A civil-registration inquiry asks by birth date, or by the birth certificate's
        serial and series (000 circular item 3)."""
        violations: list[Violation] = []
        code = _collect(violations, lambda: TrackingCode.parse(tracking_code).value)
        certificate = _collect(
            violations,
            lambda: _certificate(kind, birth_certificate_serial, birth_certificate_series),
        )
        subject: str | None = ""
        if not (birth_certificate_serial.strip() or birth_certificate_series.strip()):
            subject = _collect(
                violations,
                lambda: _subject(kind, birth_date_jalali, legal_person_national_id, postal_code),
            )
        elif birth_date_jalali.strip():  # by certificate, and a birth date as well
            violations.append(
                Violation("birth_date_jalali", "ask by birth date or by certificate, not both")
            )
        if violations:
            raise InvalidInput(*violations)
        assert code is not None and subject is not None
        applicant = await self._run.read(self.use_cases.prepare_inquiry, code, kind, by=by)
        agency = await self._on_behalf(code, by)
        system, operation = REGISTRY_SYSTEMS[kind], _INQUIRY_OPERATIONS[kind]
        facts: dict[str, str | bool]
        if certificate is not None:
            civil = await self._clients.civil_registry.get(agency)
            person = await self._exchange(
                code,
                system,
                "InquireBirthCertificate",
                by,
                lambda: civil.inquire_birth_certificate(
                    applicant, certificate.serial, certificate.series, tracking_code=code
                ),
            )
            facts = {"alive": person.person.alive, "birth_certificate_matched": True}
            issued, at = person.inquiry_tracking_code, person.inquired_at
        elif kind is InquiryKind.CIVIL_REGISTRATION:
            civil = await self._clients.civil_registry.get(agency)
            person = await self._exchange(
                code,
                system,
                operation,
                by,
                lambda: civil.inquire_person(applicant, subject, tracking_code=code),
            )
            facts = {
                "alive": person.person.alive,
                "birth_date_matched": person.person.birth_date_jalali == subject,
            }
            issued, at = person.inquiry_tracking_code, person.inquired_at
        elif kind is InquiryKind.DEEDS_REGISTRY:
            deeds = await self._clients.deeds_registry.get(agency)
            company = await self._exchange(
                code,
                system,
                operation,
                by,
                lambda: deeds.inquire_legal_person(subject, tracking_code=code),
            )
            facts = {
                "national_id": company.legal_person.national_id,
                "status": company.legal_person.status,
            }
            issued, at = company.inquiry_tracking_code, company.inquired_at
        else:
            postal = await self._clients.postal_code.get(agency)
            place = await self._exchange(
                code,
                system,
                operation,
                by,
                lambda: postal.lookup_postal_code(subject, tracking_code=code),
            )
            facts = {"province": place.address.province}
            issued, at = place.inquiry_tracking_code, place.inquired_at
        return await self._run.write(
            self.use_cases.record_inquiry,
            code,
            kind,
            inquiry_tracking_code=issued,
            issuing_agency=self._agencies[kind],
            facts=facts,
            inquired_at=at,
            by=by,
        )

    async def pay_fee(
        self, tracking_code: str, *, by: str, channel: str = "agency_site"
    ) -> CaseDetails:
        """Pay the record's fee through ``channel`` (agency_site, shetab or pos, 004 art.
        9), or continue the payment under way; never twice.

        The intent is recorded before the treasury is called; the treasury's answer
        (pending, settled or declined) after. A settled fee is not asked about again.
        """
        code = TrackingCode.parse(tracking_code).value
        plan = await self._run.write(self.use_cases.start_payment, code, by=by, channel=channel)
        payment = plan.payment
        assert payment is not None  # start_payment requested one or refused
        if payment.status is PaymentStatus.SETTLED:
            return await self._run.read(self.use_cases.case_details, code)
        treasury = await self._clients.treasury.get(await self._on_behalf(code, by))
        if payment.payment_id:  # pending: ask how it stands
            answer: PaymentAnswer | None = await self._exchange(
                code,
                TREASURY_SYSTEM,
                "GetPayment",
                by,
                lambda: treasury.get_payment(payment.payment_id, tracking_code=code),
            )
        else:  # the same key returns the payment it already made, if any
            answer = await self._exchange(
                code,
                TREASURY_SYSTEM,
                "CreatePayment",
                by,
                lambda: treasury.create_payment(
                    idempotency_key=payment.idempotency_key,
                    amount_rials=payment.amount_rials,
                    revenue_account=payment.revenue_account,
                    payer_national_code=plan.payer,
                    reference=code,
                    channel=_treasury_channel(payment.channel),
                ),
            )
        assert answer is not None
        return await self._record_payment(code, payment, answer, by)

    async def payment_status(self, tracking_code: str, *, by: str) -> CaseDetails:
        """Ask the treasury how the case's payment stands and record any news; a case with
        no payment, or a settled or declined one, is answered from the record."""
        code = TrackingCode.parse(tracking_code).value
        plan = await self._run.read(self.use_cases.payment_plan, code, by=by)
        payment = plan.payment
        if payment is None or not payment.outstanding:
            return await self._run.read(self.use_cases.case_details, code)
        answer = await self._ask_treasury(plan, payment, by)
        if answer is None:  # the intent is recorded but nothing was paid yet
            return await self._run.read(self.use_cases.case_details, code)
        return await self._record_payment(code, payment, answer, by)

    async def reconcile_payments(self, *, agency: str | None = None) -> ReconcileReport:
        """Look up, by idempotency key, every payment whose outcome is not recorded (of
        ``agency``'s cases, or all) and record it: repairs a crash between paying and
        recording. A treasury that cannot be asked leaves the payment as it was."""
        by = agency or RECONCILER
        report = ReconcileReport()
        plans = await self._run.read(self.use_cases.outstanding_payments, agency)
        for plan in plans:
            payment = plan.payment
            assert payment is not None
            report.examined += 1
            try:
                answer = await self._ask_treasury(plan, payment, plan.agency, record=False)
            except self._clients.failure as error:
                report.failed += 1
                text = _reason(error) if isinstance(error, ExchangeFailure) else str(error)
                report.failures.append(f"{plan.tracking_code}: {text}")
                _log.warning("reconcile failed", tracking_code=plan.tracking_code, reason=text)
                continue
            if answer is None:
                report.not_made += 1
                continue
            details = await self._record_payment(plan.tracking_code, payment, answer, by)
            recorded = details.exchanges.payment
            status = PaymentStatus.REQUESTED if recorded is None else recorded.status
            if status is PaymentStatus.SETTLED:
                report.settled += 1
            elif status is PaymentStatus.DECLINED:
                report.declined += 1
            else:
                report.pending += 1
        await self._reconcile_transfers(report, agency)
        if report.examined:
            _log.info(
                "payments reconciled",
                examined=report.examined,
                settled=report.settled,
                pending=report.pending,
                declined=report.declined,
                not_made=report.not_made,
                failed=report.failed,
            )
        return report

    async def verify_tracking_code(
        self, text: str, *, ask_registry: bool, by: str
    ) -> TrackingCodeCheck:
        """As :meth:`CaseExchangeUseCases.verify_tracking_code`; with ``ask_registry`` an
        inquiry code is confirmed with the registry that issued it (000 circular item 3)
        and the answer says which source answered."""
        local = await self._run.read(self.use_cases.verify_tracking_code, text)
        if not ask_registry or local.kind is not TrackingKind.INQUIRY:
            return local
        code, kind, case_code = await self._run.read(self.use_cases.receipt_of, text)
        reference = case_code or code
        agency = await self._asking_for(case_code, by)
        kinds = (
            [kind]
            if kind is not None
            else [InquiryKind.CIVIL_REGISTRATION, InquiryKind.DEEDS_REGISTRY]
        )
        for asked in kinds:
            answer: InquiryVerificationAnswer
            system = REGISTRY_SYSTEMS[asked]
            if asked is InquiryKind.CIVIL_REGISTRATION:
                civil = await self._clients.civil_registry.get(agency)
                answer = await self._unrecorded(
                    reference,
                    system,
                    "VerifyInquiry",
                    partial(civil.verify_inquiry, code, tracking_code=reference),
                )
            elif asked is InquiryKind.DEEDS_REGISTRY:
                deeds = await self._clients.deeds_registry.get(agency)
                answer = await self._unrecorded(
                    reference,
                    system,
                    "VerifyInquiry",
                    partial(deeds.verify_inquiry, code, tracking_code=reference),
                )
            else:  # the postal service confirms no codes: the hub's receipt is all there is
                return local
            if answer.authentic or kind is not None:
                return TrackingCodeCheck(
                    code,
                    TrackingKind.INQUIRY,
                    authentic=answer.authentic,
                    inquiry_kind=asked if answer.authentic else None,
                    issuing_agency=self._agencies[asked] if answer.authentic else "",
                    issued_at=answer.issued_at,
                    source=REGISTRY_SYSTEMS[asked],
                )
        return TrackingCodeCheck(
            code,
            TrackingKind.INQUIRY,
            authentic=False,
            source=",".join(REGISTRY_SYSTEMS[k] for k in kinds),
        )

    async def confirm_representative(self, tracking_code: str, *, by: str) -> CaseDetails:
        """Ask the deeds registry whether the legal-person case's representative acts for
        it, and record the answer (004 art. 11 n3)."""
        code = TrackingCode.parse(tracking_code).value
        national_id, representative = await self._run.read(
            self.use_cases.representative_of, code, by=by
        )
        deeds = await self._clients.deeds_registry.get(await self._on_behalf(code, by))
        answer = await self._exchange(
            code,
            REGISTRY_SYSTEMS[InquiryKind.DEEDS_REGISTRY],
            "VerifyRepresentative",
            by,
            lambda: deeds.verify_representative(national_id, representative, tracking_code=code),
        )
        return await self._run.write(
            self.use_cases.record_representation,
            code,
            authorized=answer.authorized,
            role=answer.role,
            inquiry_tracking_code=answer.inquiry_tracking_code,
            by=by,
        )

    async def pay_agency(
        self,
        *,
        payee_agency: str,
        payer_account: str,
        payee_account: str,
        amount_rials: int,
        purpose: str,
        by: str,
    ) -> TransferView:
        """Pay another agency's account through the treasury (004 art. 9 n2): the intent
        is recorded first, then the treasury's answer; a failed call leaves the intent for
        reconciliation (the same key never pays twice)."""
        view = await self._run.write(
            self.use_cases.request_transfer,
            payee_agency=payee_agency,
            payer_account=payer_account,
            payee_account=payee_account,
            amount_rials=amount_rials,
            purpose=purpose,
            by=by,
        )
        treasury = await self._clients.treasury.get(by)
        answer = await self._unrecorded(
            view.tracking_code,
            TREASURY_SYSTEM,
            "CreatePayment",
            lambda: treasury.create_payment(
                idempotency_key=view.idempotency_key,
                amount_rials=view.amount_rials,
                revenue_account=view.payee_account,
                payer_national_code="",
                reference=view.tracking_code,
                channel="inter_agency",
                payer_account=view.payer_account,
            ),
        )
        return await self._record_transfer(view, answer, by)

    async def agency_payment(self, tracking_code: str, *, by: str) -> TransferView:
        """An inter-agency payment, asking the treasury for news while it is outstanding;
        the payer and the payee may read it."""
        view = await self._run.read(self.use_cases.transfer, tracking_code)
        if by not in (view.payer_agency, view.payee_agency):
            raise AccessDenied(
                f"payment {view.tracking_code} is between {view.payer_agency} and"
                f" {view.payee_agency}, not {by}"
            )
        if not view.outstanding:
            return view
        answer = await self._unrecorded(
            view.tracking_code, TREASURY_SYSTEM, "GetPayment", lambda: self._ask_transfer(view)
        )
        return view if answer is None else await self._record_transfer(view, answer, by)

    async def _on_behalf(self, code: str, by: str) -> str:
        """Whom the hub calls another agency's system for: the caller, or for a service
        counter the case's main agency (the counter acts for it, 004 art. 6 and 14)."""
        if counter_of(by) is None:
            return by
        details = await self._run.read(self.use_cases.case_details, code)
        return details.case.agency

    async def _asking_for(self, case_code: str, by: str) -> str:
        """Whom a registry is asked for about an inquiry code: as :meth:`_on_behalf` for the
        case the hub's receipt names; a counter asking about a code the hub holds no
        receipt of (no case, so no agency to act for), or of a case it did not take (it acts
        for no agency there), asks as the hub itself
        (:data:`~aggregates.principals.HUB_CODE`), never in its own name."""
        counter = counter_of(by)
        if counter is None:
            return by
        if not case_code:
            return HUB_CODE
        case = (await self._run.read(self.use_cases.case_details, case_code)).case
        return case.agency if case.counter == counter else HUB_CODE

    async def _unrecorded(
        self, code: str, system: str, operation: str, call: Callable[[], Awaitable[_T]]
    ) -> _T:
        """One call not about a case (nothing to record it on): a failure is raised as
        :class:`ExchangeFailedError`."""
        try:
            return await call()
        except self._clients.failure as error:
            if not isinstance(error, ExchangeFailure):
                raise
            kind = error.kind if error.kind in EXCHANGE_FAILURE_KINDS else "unavailable"
            raise ExchangeFailedError(
                system, operation, kind, _reason(error), tracking_code=code
            ) from error

    async def _ask_transfer(self, view: TransferView) -> PaymentAnswer | None:
        treasury = await self._clients.treasury.get(view.payer_agency)
        if view.payment_id:
            return await treasury.get_payment(view.payment_id, tracking_code=view.tracking_code)
        return await treasury.find_payment(view.idempotency_key, tracking_code=view.tracking_code)

    async def _record_transfer(
        self, view: TransferView, answer: PaymentAnswer, by: str
    ) -> TransferView:
        return await self._run.write(
            self.use_cases.record_transfer,
            view.tracking_code,
            payment_id=answer.payment_id,
            status=answer.status,
            settlement_reference=answer.settlement_reference or "",
            settled_at=answer.settled_at,
            failure_reason=answer.failure_reason or "",
            by=by,
        )

    async def _reconcile_transfers(self, report: ReconcileReport, agency: str | None) -> None:
        by = agency or RECONCILER
        for view in await self._run.read(self.use_cases.outstanding_transfers, agency):
            report.transfers_examined += 1
            try:
                answer = await self._ask_transfer(view)
            except self._clients.failure as error:
                report.failed += 1
                text = _reason(error) if isinstance(error, ExchangeFailure) else str(error)
                report.failures.append(f"{view.tracking_code}: {text}")
                continue
            if answer is None:
                report.not_made += 1
                continue
            recorded = await self._record_transfer(view, answer, by)
            if recorded.status is PaymentStatus.SETTLED:
                report.transfers_settled += 1

    # --- plumbing ----------------------------------------------------------------------

    async def _ask_treasury(
        self, plan: _PaymentPlan, payment: CasePayment, by: str, *, record: bool = True
    ) -> PaymentAnswer | None:
        treasury = await self._clients.treasury.get(plan.agency)
        code = plan.tracking_code
        if payment.payment_id:
            operation = "GetPayment"

            def ask() -> Awaitable[PaymentAnswer | None]:
                return treasury.get_payment(payment.payment_id, tracking_code=code)
        else:
            operation = "FindPayment"

            def ask() -> Awaitable[PaymentAnswer | None]:
                return treasury.find_payment(payment.idempotency_key, tracking_code=code)

        if not record:
            return await ask()
        return await self._exchange(code, TREASURY_SYSTEM, operation, by, ask)

    async def _record_payment(
        self, code: str, payment: CasePayment, answer: PaymentAnswer, by: str
    ) -> CaseDetails:
        return await self._run.write(
            self.use_cases.record_payment,
            code,
            idempotency_key=payment.idempotency_key,
            payment_id=answer.payment_id,
            status=answer.status,
            settlement_reference=answer.settlement_reference or "",
            settled_at=answer.settled_at,
            failure_reason=answer.failure_reason or "",
            by=by,
        )

    async def _exchange(
        self,
        code: str,
        system: str,
        operation: str,
        by: str,
        call: Callable[[], Awaitable[_T]],
    ) -> _T:
        """Make one call; a failure is recorded on the case and raised as
        :class:`ExchangeFailedError`. Anything else (a bug, a cancellation) passes."""
        started, sent = time.perf_counter(), now_ms()
        try:
            answer = await call()
        except self._clients.failure as error:
            if not isinstance(error, ExchangeFailure):
                raise
            kind = error.kind if error.kind in EXCHANGE_FAILURE_KINDS else "unavailable"
            metrics.observe_exchange(system, operation, kind, time.perf_counter() - started)
            self._record(code, system, operation, by, sent, kind, _reason(error))
            reason = _reason(error)
            await self._run.write(
                self.use_cases.record_exchange_failure,
                code,
                system=system,
                operation=operation,
                kind=kind,
                reason=reason,
                by=by,
            )
            raise ExchangeFailedError(
                system, operation, kind, reason, tracking_code=code
            ) from error
        metrics.observe_exchange(system, operation, "ok", time.perf_counter() - started)
        self._record(code, system, operation, by, sent, "", "")
        return answer

    def _record(
        self, code: str, system: str, operation: str, by: str, sent: int, kind: str, reason: str
    ) -> None:
        """The exchange's operational record (X-Road opmon, outbound side)."""
        if self._opmon is None:
            return
        answered = now_ms()
        self._opmon.record(
            OpRecord(
                side="outbound",
                client_id=by,
                service_id=f"{system}/{operation}",
                request_in_ts=sent,
                request_out_ts=sent,
                response_in_ts=answered,
                response_out_ts=answered,
                succeeded=not kind,
                fault_code=kind,
                fault_string=reason,
                tracking_code=code,
            )
        )


def reconcile_in_background(exchanges: CaseExchanges) -> asyncio.Task[ReconcileReport]:
    """Start reconciling every outstanding payment (on the running loop) without delaying
    the server's start; keep the task and cancel it on stop."""
    return asyncio.create_task(exchanges.reconcile_payments(), name="tabadol-reconcile-payments")
