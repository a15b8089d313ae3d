import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_CHANNEL_UNSPECIFIED: _ClassVar[PaymentChannel]
    PAYMENT_CHANNEL_AGENCY_SITE: _ClassVar[PaymentChannel]
    PAYMENT_CHANNEL_SHETAB: _ClassVar[PaymentChannel]
    PAYMENT_CHANNEL_POS: _ClassVar[PaymentChannel]
    PAYMENT_CHANNEL_INTER_AGENCY: _ClassVar[PaymentChannel]

class PaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_STATUS_UNSPECIFIED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_PENDING: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_SETTLED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_FAILED: _ClassVar[PaymentStatus]
PAYMENT_CHANNEL_UNSPECIFIED: PaymentChannel
PAYMENT_CHANNEL_AGENCY_SITE: PaymentChannel
PAYMENT_CHANNEL_SHETAB: PaymentChannel
PAYMENT_CHANNEL_POS: PaymentChannel
PAYMENT_CHANNEL_INTER_AGENCY: PaymentChannel
PAYMENT_STATUS_UNSPECIFIED: PaymentStatus
PAYMENT_STATUS_PENDING: PaymentStatus
PAYMENT_STATUS_SETTLED: PaymentStatus
PAYMENT_STATUS_FAILED: PaymentStatus

class Payment(_message.Message):
    __slots__ = ("payment_id", "idempotency_key", "amount_rials", "revenue_account", "payer_national_code", "reference", "status", "created_at", "settled_at", "settlement_reference", "failure_reason", "channel", "payer_account")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_RIALS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYER_NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SETTLED_AT_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PAYER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    idempotency_key: str
    amount_rials: int
    revenue_account: str
    payer_national_code: str
    reference: str
    status: PaymentStatus
    created_at: _timestamp_pb2.Timestamp
    settled_at: _timestamp_pb2.Timestamp
    settlement_reference: str
    failure_reason: str
    channel: PaymentChannel
    payer_account: str
    def __init__(self, payment_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., amount_rials: _Optional[int] = ..., revenue_account: _Optional[str] = ..., payer_national_code: _Optional[str] = ..., reference: _Optional[str] = ..., status: _Optional[_Union[PaymentStatus, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., settled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., settlement_reference: _Optional[str] = ..., failure_reason: _Optional[str] = ..., channel: _Optional[_Union[PaymentChannel, str]] = ..., payer_account: _Optional[str] = ...) -> None: ...

class CreatePaymentRequest(_message.Message):
    __slots__ = ("idempotency_key", "amount_rials", "revenue_account", "payer_national_code", "reference", "channel", "payer_account")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_RIALS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYER_NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PAYER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    amount_rials: int
    revenue_account: str
    payer_national_code: str
    reference: str
    channel: PaymentChannel
    payer_account: str
    def __init__(self, idempotency_key: _Optional[str] = ..., amount_rials: _Optional[int] = ..., revenue_account: _Optional[str] = ..., payer_national_code: _Optional[str] = ..., reference: _Optional[str] = ..., channel: _Optional[_Union[PaymentChannel, str]] = ..., payer_account: _Optional[str] = ...) -> None: ...

class CreatePaymentResponse(_message.Message):
    __slots__ = ("payment", "replayed")
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    replayed: bool
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetPaymentRequest(_message.Message):
    __slots__ = ("payment_id",)
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    def __init__(self, payment_id: _Optional[str] = ...) -> None: ...

class GetPaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class FindPaymentRequest(_message.Message):
    __slots__ = ("idempotency_key",)
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    def __init__(self, idempotency_key: _Optional[str] = ...) -> None: ...

class FindPaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class SettlePaymentRequest(_message.Message):
    __slots__ = ("payment_id",)
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    def __init__(self, payment_id: _Optional[str] = ...) -> None: ...

class SettlePaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: Payment
    def __init__(self, payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...
