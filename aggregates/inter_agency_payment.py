"""InterAgencyPayment (پرداخت بین دستگاهی): one agency pays another agency's account over
the inter-agency network through the treasury (004 art. 9 note 2).

Recorded like a case's fee: the intent first (with an idempotency key derived from the
payment's own tracking code), then what the treasury says — pending, settled or
declined — so a crash between paying and recording is reconciled by asking the treasury
under the same key, never by paying twice. The payment's electronic record is accepted
as a financial document (note 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    LONG_TEXT,
    NAMESPACE,
    SHORT_TEXT,
    check_actor,
    check_int,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.errors import TransitionRefused, Violation
from aggregates.identifiers import AgencyCode, Sheba, TrackingCode, TrackingKind
from aggregates.service_case import PaymentStatus

__all__ = ["MAX_TRANSFER_RIALS", "InterAgencyPayment", "TransferOutcome"]

MAX_TRANSFER_RIALS = 10**15
_ID_TEXT = 64


@dataclass(frozen=True)
class TransferOutcome:
    """What the treasury said last."""

    status: PaymentStatus
    payment_id: str = ""
    settlement_reference: str = ""
    settled_at: datetime | None = None
    failure_reason: str = ""


class InterAgencyPayment(Aggregate, created_event_name="Requested"):
    """One payment from ``payer_agency``'s account to ``payee_agency``'s account."""

    TOPIC = "tabadol.inter_agency_payment"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Requested(Event, Aggregate.Created):
        """The intent to pay, recorded before the treasury is called."""

        TOPIC = "tabadol.inter_agency_payment.requested"
        tracking_code: str
        payer_agency: str
        payer_account: str
        payee_agency: str
        payee_account: str
        amount_rials: int
        purpose: str
        by: str

    Created = Requested

    class Accepted(Event):
        """The treasury made the payment; it is pending settlement."""

        TOPIC = "tabadol.inter_agency_payment.accepted"
        payment_id: str
        by: str

        def apply(self, aggregate: InterAgencyPayment) -> None:
            aggregate._outcome = TransferOutcome(PaymentStatus.PENDING, self.payment_id)

    class Settled(Event):
        """The money reached the payee's account."""

        TOPIC = "tabadol.inter_agency_payment.settled"
        payment_id: str
        settlement_reference: str
        settled_at: str
        by: str

        def apply(self, aggregate: InterAgencyPayment) -> None:
            aggregate._outcome = TransferOutcome(
                PaymentStatus.SETTLED,
                self.payment_id,
                self.settlement_reference,
                datetime.fromisoformat(self.settled_at),
            )

    class Declined(Event):
        """The treasury refused it."""

        TOPIC = "tabadol.inter_agency_payment.declined"
        payment_id: str
        reason: str
        by: str

        def apply(self, aggregate: InterAgencyPayment) -> None:
            aggregate._outcome = TransferOutcome(
                PaymentStatus.DECLINED, self.payment_id, failure_reason=self.reason
            )

    @staticmethod
    def create_id(tracking_code: str) -> UUID:
        """Deterministic id from the payment's tracking code."""
        if TrackingCode.is_valid(tracking_code):
            tracking_code = TrackingCode.parse(tracking_code).value
        return uuid5(NAMESPACE, "inter-agency-payment:" + tracking_code)

    def __init__(
        self,
        tracking_code: str,
        payer_agency: str,
        payer_account: str,
        payee_agency: str,
        payee_account: str,
        amount_rials: int,
        purpose: str,
        by: str,
    ) -> None:
        self._tracking_code = tracking_code
        self._payer = (payer_agency, payer_account)
        self._payee = (payee_agency, payee_account)
        self._amount = amount_rials
        self._purpose = purpose
        self._outcome = TransferOutcome(PaymentStatus.REQUESTED)

    @classmethod
    def request(
        cls,
        tracking_code: TrackingCode,
        *,
        payer_agency: str,
        payer_account: str,
        payee_agency: str,
        payee_account: str,
        amount_rials: int,
        purpose: str,
        by: str,
    ) -> InterAgencyPayment:
        """Record the intent; ``by`` must be the paying agency (the application checks the
        caller), the accounts valid Sheba numbers and different, the agencies different."""
        v: list[Violation] = []
        if not isinstance(tracking_code, TrackingCode) or tracking_code.kind is not (
            TrackingKind.PAYMENT
        ):
            v.append(Violation("tracking_code", "a payment needs a payment tracking code (F…)"))
        payer = check_parsed(v, AgencyCode.parse, payer_agency, "payer_agency")
        payee = check_parsed(v, AgencyCode.parse, payee_agency, "payee_agency")
        from_account = check_parsed(v, Sheba.parse, payer_account, "payer_account")
        to_account = check_parsed(v, Sheba.parse, payee_account, "payee_account")
        amount = check_int(v, "amount_rials", amount_rials, 1, MAX_TRANSFER_RIALS, "amount")
        why = check_text(v, "purpose", purpose, max_length=SHORT_TEXT, what="purpose")
        actor = check_actor(v, by)
        if payer and payer == payee:
            v.append(Violation("payee_agency", "an agency does not pay itself"))
        if from_account and from_account == to_account:
            v.append(Violation("payee_account", "the payee's account is the payer's"))
        raise_if_any(v)
        assert isinstance(tracking_code, TrackingCode)  # raise_if_any raised otherwise
        return cls(
            tracking_code=tracking_code.value,
            payer_agency=payer,
            payer_account=from_account,
            payee_agency=payee,
            payee_account=to_account,
            amount_rials=amount,
            purpose=why,
            by=actor,
        )

    def record_outcome(
        self,
        payment_id: str,
        status: str,
        by: str,
        *,
        settlement_reference: str = "",
        settled_at: datetime | None = None,
        failure_reason: str = "",
    ) -> None:
        """What the treasury says: ``pending``, ``settled`` or ``failed``; repeating what
        is known changes nothing, and outcomes only move forward."""
        v: list[Violation] = []
        pid = check_text(v, "payment_id", payment_id, max_length=_ID_TEXT, what="payment id")
        actor = check_actor(v, by)
        if status not in ("pending", "settled", "failed"):
            v.append(Violation("status", f"status must be pending, settled or failed: {status!r}"))
        if status == "settled":
            check_text(
                v,
                "settlement_reference",
                settlement_reference,
                max_length=_ID_TEXT,
                what="settlement reference",
            )
            if not isinstance(settled_at, datetime) or settled_at.utcoffset() is None:
                v.append(Violation("settled_at", "the settlement time must be timezone-aware"))
        reason = check_text(
            v, "failure_reason", failure_reason or "declined", max_length=LONG_TEXT, what="reason"
        )
        raise_if_any(v)
        current = self._outcome
        if current.payment_id and current.payment_id != pid:
            msg = f"the treasury answered with payment {pid}, but this transfer is {current.payment_id}"
            raise TransitionRefused(msg, field="payment_id")
        final = current.status in (PaymentStatus.SETTLED, PaymentStatus.DECLINED)
        if status == "pending":
            if current.status is PaymentStatus.REQUESTED:
                self.trigger_event(self.Accepted, payment_id=pid, by=actor)
        elif status == "settled":
            if current.status is PaymentStatus.DECLINED:
                raise TransitionRefused("a declined payment cannot settle", field="status")
            if not final:
                assert settled_at is not None
                self.trigger_event(
                    self.Settled,
                    payment_id=pid,
                    settlement_reference=settlement_reference.strip(),
                    settled_at=settled_at.astimezone(UTC).isoformat(),
                    by=actor,
                )
        else:
            if current.status is PaymentStatus.SETTLED:
                raise TransitionRefused("a settled payment cannot be declined", field="status")
            if not final:
                self.trigger_event(self.Declined, payment_id=pid, reason=reason, by=actor)

    @property
    def idempotency_key(self) -> str:
        """The treasury's idempotency key: derived from the tracking code."""
        return f"{self._tracking_code}:transfer"

    @property
    def tracking_code(self) -> str:
        """کد رهگیری of the payment."""
        return self._tracking_code

    @property
    def payer(self) -> tuple[str, str]:
        """(agency, Sheba account) that pays."""
        return self._payer

    @property
    def payee(self) -> tuple[str, str]:
        """(agency, Sheba account) that is paid."""
        return self._payee

    @property
    def amount_rials(self) -> int:
        """The amount, in rials."""
        return self._amount

    @property
    def purpose(self) -> str:
        """What it pays for."""
        return self._purpose

    @property
    def outcome(self) -> TransferOutcome:
        """The treasury's last word."""
        return self._outcome

    @property
    def outstanding(self) -> bool:
        """Whether the treasury's final word is still awaited (reconciliation asks it)."""
        return self._outcome.status in (PaymentStatus.REQUESTED, PaymentStatus.PENDING)
