"""Client of the treasury payment switch: idempotent payments and their settlement.

Every payment carries the caller's idempotency key, so a retried ``create_payment`` (the
client's own retry after UNAVAILABLE, or the hub's after a crash or a timeout) never
charges twice: the treasury returns the payment the key already made. After a
``timeout`` the outcome is unknown: call :meth:`TreasuryClient.find_payment` with the
key, or repeat ``create_payment`` with the same key and fields.
"""

from __future__ import annotations

import re
from typing import Any, Unpack

from tabadol.treasury.v1 import treasury_pb2 as pb
from tabadol.treasury.v1 import treasury_pb2_grpc as pb_grpc

from connectors._answers import require, require_field, utc
from connectors._resilience import Caller, ConnectOptions, ConnectorClient, InvalidAnswer
from connectors.errors import ConnectorError
from connectors.treasury.records import Payment, PaymentChannel, PaymentStatus

__all__ = ["SYSTEM", "TreasuryClient", "connect"]

SYSTEM = "treasury"

_STATUSES: dict[int, PaymentStatus] = {
    pb.PAYMENT_STATUS_PENDING: "pending",
    pb.PAYMENT_STATUS_SETTLED: "settled",
    pb.PAYMENT_STATUS_FAILED: "failed",
}
_PAYMENT_ID = re.compile(r"[0-9]{18}")
_CHANNEL_NUMBERS: dict[PaymentChannel, int] = {
    "agency_site": pb.PAYMENT_CHANNEL_AGENCY_SITE,
    "shetab": pb.PAYMENT_CHANNEL_SHETAB,
    "pos": pb.PAYMENT_CHANNEL_POS,
    "inter_agency": pb.PAYMENT_CHANNEL_INTER_AGENCY,
}
_CHANNEL_NAMES = {number: name for name, number in _CHANNEL_NUMBERS.items()}
_SETTLEMENT_REFERENCE = re.compile(r"[0-9]{12}")


def _payment(response: Any, **expected: object) -> Payment:
    """The payment in ``response``; its fields named in ``expected`` must have those values."""
    message = require_field(response, "payment")
    require(
        _PAYMENT_ID.fullmatch(message.payment_id) is not None,
        f"malformed payment id {message.payment_id!r}",
    )
    for name, value in expected.items():
        require(getattr(message, name) == value, f"the payment's {name} is not the one asked")
    status = _STATUSES.get(message.status)
    if status is None:
        raise InvalidAnswer(f"unknown payment status {message.status}")
    settled = status == "settled"
    if settled:
        require(
            _SETTLEMENT_REFERENCE.fullmatch(message.settlement_reference) is not None,
            f"malformed settlement reference {message.settlement_reference!r}",
        )
    return Payment(
        payment_id=message.payment_id,
        idempotency_key=message.idempotency_key,
        amount_rials=message.amount_rials,
        revenue_account=message.revenue_account,
        payer_national_code=message.payer_national_code,
        reference=message.reference,
        status=status,
        created_at=utc(message, "created_at"),
        settled_at=utc(message, "settled_at") if settled else None,
        settlement_reference=message.settlement_reference if settled else None,
        failure_reason=(message.failure_reason or None) if status == "failed" else None,
        channel=_CHANNEL_NAMES.get(message.channel, "agency_site"),
        payer_account=message.payer_account,
    )


class TreasuryClient(ConnectorClient):
    """Pays tariffs into revenue accounts; every failure is a ``ConnectorError``."""

    def __init__(self, caller: Caller) -> None:
        super().__init__(caller)
        self._stub = pb_grpc.TreasuryServiceStub(caller.channel)

    async def create_payment(
        self,
        *,
        idempotency_key: str,
        amount_rials: int,
        revenue_account: str,
        payer_national_code: str,
        reference: str,
        channel: PaymentChannel = "agency_site",
        payer_account: str = "",
    ) -> Payment:
        """Charge ``amount_rials`` from the payer into ``revenue_account`` (a Sheba number).

        ``channel``: agency_site, shetab, pos, or inter_agency — then ``payer_account`` is
        the paying agency's Sheba account and ``payer_national_code`` is empty (004 art. 9).

        ``reference`` is the case tracking code (also sent as ``x-tabadol-tracking-code``).
        The same ``idempotency_key`` returns the same payment; reused with other fields it
        is refused with code ALREADY_EXISTS and reason ``IDEMPOTENCY_KEY_REUSED``.
        """
        request = pb.CreatePaymentRequest(
            idempotency_key=idempotency_key,
            amount_rials=amount_rials,
            revenue_account=revenue_account,
            payer_national_code=payer_national_code,
            reference=reference,
            channel=_CHANNEL_NUMBERS[channel],
            payer_account=payer_account,
        )
        return await self._caller.call(
            "CreatePayment",
            self._stub.CreatePayment,
            request,
            lambda response: _payment(
                response,
                idempotency_key=idempotency_key,
                amount_rials=amount_rials,
                revenue_account=revenue_account,
                payer_national_code=payer_national_code,
                reference=reference,
                payer_account=payer_account,
            ),
            tracking_code=reference,
        )

    async def get_payment(self, payment_id: str, *, tracking_code: str) -> Payment:
        """The payment ``payment_id`` as it stands now (unknown: refused, NOT_FOUND)."""
        return await self._caller.call(
            "GetPayment",
            self._stub.GetPayment,
            pb.GetPaymentRequest(payment_id=payment_id),
            lambda response: _payment(response, payment_id=payment_id),
            tracking_code=tracking_code,
        )

    async def find_payment(self, idempotency_key: str, *, tracking_code: str) -> Payment | None:
        """The payment made under ``idempotency_key``, or ``None`` if none was made."""
        try:
            return await self._caller.call(
                "FindPayment",
                self._stub.FindPayment,
                pb.FindPaymentRequest(idempotency_key=idempotency_key),
                lambda response: _payment(response, idempotency_key=idempotency_key),
                tracking_code=tracking_code,
            )
        except ConnectorError as error:
            if error.code == "NOT_FOUND":
                return None
            raise

    async def settle_payment(self, payment_id: str, *, tracking_code: str) -> Payment:
        """Settle a pending payment now; a settled one comes back unchanged.

        A failed payment is refused with code FAILED_PRECONDITION.
        """
        return await self._caller.call(
            "SettlePayment",
            self._stub.SettlePayment,
            pb.SettlePaymentRequest(payment_id=payment_id),
            lambda response: _payment(response, payment_id=payment_id),
            tracking_code=tracking_code,
        )


async def connect(target: str, *, agency: str, **options: Unpack[ConnectOptions]) -> TreasuryClient:
    """A client of the treasury at ``target`` (``host:port``) calling as ``agency``.

    Options as for every connector (:class:`~connectors._resilience.ConnectOptions`).
    """
    return TreasuryClient(Caller.open(SYSTEM, target, agency=agency, **options))
