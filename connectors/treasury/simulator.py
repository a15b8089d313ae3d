"""Reference simulator of the treasury payment switch (خزانه / شتاب), 004 art. 9.

Payments are idempotent by key (see :class:`~connectors.treasury.book.PaymentBook`). A
pending payment settles by itself ``settle_after`` seconds after it was made (checked
when it is next read; ``None``: only ``SettlePayment`` settles it) and then carries a
12-digit Shetab reference. Amounts above ``decline_above_rials`` are declined (FAILED).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import grpc
from google.rpc import error_details_pb2
from tabadol.treasury.v1 import treasury_pb2 as pb
from tabadol.treasury.v1 import treasury_pb2_grpc as pb_grpc

from connectors import _codes, _jalali
from connectors._simulation import (
    DEFAULT_SEED,
    Checks,
    Faults,
    ServerTls,
    abort,
    start_server,
    timestamp,
)
from connectors.treasury.book import IdempotencyKeyReused, PaymentBook, PaymentNotSettleable
from connectors.treasury.records import Payment, PaymentChannel

__all__ = ["SERVICE_NAME", "TreasuryServicer", "create_server", "payment_message"]

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["TreasuryService"].full_name
MAX_AMOUNT_RIALS = 10**15
ERROR_DOMAIN = "treasury.tabadol.ir"

_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_PAYMENT_ID = re.compile(r"[0-9]{18}")
_STATUSES = {
    "pending": pb.PAYMENT_STATUS_PENDING,
    "settled": pb.PAYMENT_STATUS_SETTLED,
    "failed": pb.PAYMENT_STATUS_FAILED,
}


_CHANNELS: dict[int, PaymentChannel] = {
    pb.PAYMENT_CHANNEL_UNSPECIFIED: "agency_site",
    pb.PAYMENT_CHANNEL_AGENCY_SITE: "agency_site",
    pb.PAYMENT_CHANNEL_SHETAB: "shetab",
    pb.PAYMENT_CHANNEL_POS: "pos",
    pb.PAYMENT_CHANNEL_INTER_AGENCY: "inter_agency",
}
_CHANNEL_NUMBERS: dict[PaymentChannel, int] = {
    "agency_site": pb.PAYMENT_CHANNEL_AGENCY_SITE,
    "shetab": pb.PAYMENT_CHANNEL_SHETAB,
    "pos": pb.PAYMENT_CHANNEL_POS,
    "inter_agency": pb.PAYMENT_CHANNEL_INTER_AGENCY,
}
_FOREIGN_ID = re.compile(r"[1-9][0-9]{11}")


def payment_message(payment: Payment) -> pb.Payment:
    """A payment as its proto message."""
    message = pb.Payment(
        payment_id=payment.payment_id,
        idempotency_key=payment.idempotency_key,
        amount_rials=payment.amount_rials,
        revenue_account=payment.revenue_account,
        payer_national_code=payment.payer_national_code,
        reference=payment.reference,
        status=_STATUSES[payment.status],
        created_at=timestamp(payment.created_at),
        settlement_reference=payment.settlement_reference or "",
        failure_reason=payment.failure_reason or "",
        channel=_CHANNEL_NUMBERS[payment.channel],
        payer_account=payment.payer_account,
    )
    if payment.settled_at is not None:
        message.settled_at.CopyFrom(timestamp(payment.settled_at))
    return message


class TreasuryServicer(pb_grpc.TreasuryServiceServicer):
    """Takes payments into a :class:`PaymentBook`."""

    def __init__(self, book: PaymentBook) -> None:
        self.book = book

    async def CreatePayment(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.CreatePaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePaymentResponse:
        checks = Checks()
        checks.require(
            _IDEMPOTENCY_KEY.fullmatch(request.idempotency_key) is not None,
            "idempotency_key",
            "must be 1 to 128 of A-Z a-z 0-9 . _ : -",
        )
        checks.require(
            0 < request.amount_rials <= MAX_AMOUNT_RIALS,
            "amount_rials",
            f"must be 1 to {MAX_AMOUNT_RIALS} rials",
        )
        checks.require(
            _codes.is_sheba(request.revenue_account),
            "revenue_account",
            "must be a Sheba number: IR + 24 digits with valid check digits",
        )
        channel = _CHANNELS.get(request.channel)
        checks.require(channel is not None, "channel", "unknown payment channel")
        if channel == "inter_agency":
            checks.require(
                _codes.is_sheba(request.payer_account),
                "payer_account",
                "an inter-agency payment comes from the paying agency's Sheba account",
            )
            checks.require(
                not request.payer_national_code,
                "payer_national_code",
                "an inter-agency payment has no natural-person payer",
            )
            checks.require(
                request.payer_account != request.revenue_account,
                "payer_account",
                "an account cannot pay itself",
            )
        else:
            checks.require(
                _codes.is_national_code(request.payer_national_code)
                or _FOREIGN_ID.fullmatch(request.payer_national_code) is not None,
                "payer_national_code",
                "must be 10 digits with a valid check digit (or a 12-digit foreign-national id)",
            )
            checks.require(
                not request.payer_account,
                "payer_account",
                "only an inter-agency payment names a paying account",
            )
        checks.require(
            _codes.is_case_tracking_code(request.reference),
            "reference",
            "must be the case tracking code, 1 to 64 of A-Z a-z 0-9 -",
        )
        await checks.refuse_if_any(context)
        try:
            payment, replayed = self.book.create(
                idempotency_key=request.idempotency_key,
                amount_rials=request.amount_rials,
                revenue_account=request.revenue_account,
                payer_national_code=request.payer_national_code,
                reference=request.reference,
                channel=channel or "agency_site",
                payer_account=request.payer_account,
            )
        except IdempotencyKeyReused as reused:
            info = error_details_pb2.ErrorInfo(
                reason="IDEMPOTENCY_KEY_REUSED",
                domain=ERROR_DOMAIN,
                metadata={
                    "payment_id": reused.payment.payment_id,
                    "fields": ",".join(reused.fields),
                },
            )
            await abort(context, grpc.StatusCode.ALREADY_EXISTS, str(reused), info)
        return pb.CreatePaymentResponse(payment=payment_message(payment), replayed=replayed)

    async def _known(self, payment_id: str, context: grpc.aio.ServicerContext) -> Payment:
        checks = Checks()
        checks.require(
            _PAYMENT_ID.fullmatch(payment_id) is not None, "payment_id", "must be 18 digits"
        )
        await checks.refuse_if_any(context)
        payment = self.book.get(payment_id)
        if payment is None:
            await abort(context, grpc.StatusCode.NOT_FOUND, "no payment with this id")
        return payment

    async def GetPayment(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.GetPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPaymentResponse:
        payment = await self._known(request.payment_id, context)
        return pb.GetPaymentResponse(payment=payment_message(payment))

    async def FindPayment(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.FindPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.FindPaymentResponse:
        checks = Checks()
        checks.require(
            _IDEMPOTENCY_KEY.fullmatch(request.idempotency_key) is not None,
            "idempotency_key",
            "must be 1 to 128 of A-Z a-z 0-9 . _ : -",
        )
        await checks.refuse_if_any(context)
        payment = self.book.find(request.idempotency_key)
        if payment is None:
            await abort(context, grpc.StatusCode.NOT_FOUND, "no payment under this idempotency key")
        return pb.FindPaymentResponse(payment=payment_message(payment))

    async def SettlePayment(  # noqa: N802  # the name is the RPC's, fixed by the generated base
        self, request: pb.SettlePaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.SettlePaymentResponse:
        payment = await self._known(request.payment_id, context)
        try:
            settled = self.book.settle(payment.payment_id)
        except PaymentNotSettleable as problem:
            await abort(context, grpc.StatusCode.FAILED_PRECONDITION, str(problem))
        return pb.SettlePaymentResponse(payment=payment_message(settled))


async def create_server(
    address: str,
    *,
    latency: float = 0.0,
    error_rate: float = 0.0,
    seed: int = DEFAULT_SEED,
    state_file: str | Path | None = None,
    settle_after: float | None = 2.0,
    decline_above_rials: int | None = 100_000_000_000,
    faults: Faults | None = None,
    tls: ServerTls | None = None,
    clock: Callable[[], datetime] = _jalali.now_utc,
) -> tuple[grpc.aio.Server, int]:
    """Start a treasury simulator on ``address`` (``"127.0.0.1:0"`` for any port).

    Returns the started server and its bound port; stop it with ``await server.stop(0)``.
    ``state_file`` keeps payments across restarts (JSON); ``settle_after`` seconds after
    creation a pending payment settles by itself (``None``: only ``SettlePayment``);
    amounts above ``decline_above_rials`` fail. ``faults`` (mutable) overrides
    ``latency`` and ``error_rate`` when given.
    """
    book = PaymentBook(
        seed=seed,
        clock=clock,
        settle_after=settle_after,
        decline_above_rials=decline_above_rials,
        path=None if state_file is None else Path(state_file),
    )
    servicer = TreasuryServicer(book)
    return await start_server(
        address,
        register=lambda server: pb_grpc.add_TreasuryServiceServicer_to_server(servicer, server),
        service_names=(SERVICE_NAME,),
        faults=faults or Faults(latency=latency, error_rate=error_rate),
        seed=seed,
        tls=tls,
    )
