import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tabadol.catalogue.v1 import catalogue_pb2 as _catalogue_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicantKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLICANT_KIND_UNSPECIFIED: _ClassVar[ApplicantKind]
    APPLICANT_KIND_NATURAL: _ClassVar[ApplicantKind]
    APPLICANT_KIND_LEGAL: _ClassVar[ApplicantKind]
    APPLICANT_KIND_FOREIGN: _ClassVar[ApplicantKind]

class PaymentChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_CHANNEL_UNSPECIFIED: _ClassVar[PaymentChannel]
    PAYMENT_CHANNEL_AGENCY_SITE: _ClassVar[PaymentChannel]
    PAYMENT_CHANNEL_SHETAB: _ClassVar[PaymentChannel]
    PAYMENT_CHANNEL_POS: _ClassVar[PaymentChannel]

class CaseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATUS_UNSPECIFIED: _ClassVar[CaseStatus]
    CASE_STATUS_OPEN: _ClassVar[CaseStatus]
    CASE_STATUS_DELIVERED: _ClassVar[CaseStatus]
    CASE_STATUS_REJECTED: _ClassVar[CaseStatus]
    CASE_STATUS_CANCELLED: _ClassVar[CaseStatus]

class Digits(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIGITS_UNSPECIFIED: _ClassVar[Digits]
    DIGITS_LATIN: _ClassVar[Digits]
    DIGITS_PERSIAN: _ClassVar[Digits]

class PaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_STATUS_UNSPECIFIED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_REQUESTED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_PENDING: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_SETTLED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_DECLINED: _ClassVar[PaymentStatus]

class TrackingCodeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRACKING_CODE_KIND_UNSPECIFIED: _ClassVar[TrackingCodeKind]
    TRACKING_CODE_KIND_CASE: _ClassVar[TrackingCodeKind]
    TRACKING_CODE_KIND_INQUIRY: _ClassVar[TrackingCodeKind]
    TRACKING_CODE_KIND_PETITION: _ClassVar[TrackingCodeKind]
    TRACKING_CODE_KIND_CONSULTATION: _ClassVar[TrackingCodeKind]
    TRACKING_CODE_KIND_PAYMENT: _ClassVar[TrackingCodeKind]
APPLICANT_KIND_UNSPECIFIED: ApplicantKind
APPLICANT_KIND_NATURAL: ApplicantKind
APPLICANT_KIND_LEGAL: ApplicantKind
APPLICANT_KIND_FOREIGN: ApplicantKind
PAYMENT_CHANNEL_UNSPECIFIED: PaymentChannel
PAYMENT_CHANNEL_AGENCY_SITE: PaymentChannel
PAYMENT_CHANNEL_SHETAB: PaymentChannel
PAYMENT_CHANNEL_POS: PaymentChannel
CASE_STATUS_UNSPECIFIED: CaseStatus
CASE_STATUS_OPEN: CaseStatus
CASE_STATUS_DELIVERED: CaseStatus
CASE_STATUS_REJECTED: CaseStatus
CASE_STATUS_CANCELLED: CaseStatus
DIGITS_UNSPECIFIED: Digits
DIGITS_LATIN: Digits
DIGITS_PERSIAN: Digits
PAYMENT_STATUS_UNSPECIFIED: PaymentStatus
PAYMENT_STATUS_REQUESTED: PaymentStatus
PAYMENT_STATUS_PENDING: PaymentStatus
PAYMENT_STATUS_SETTLED: PaymentStatus
PAYMENT_STATUS_DECLINED: PaymentStatus
TRACKING_CODE_KIND_UNSPECIFIED: TrackingCodeKind
TRACKING_CODE_KIND_CASE: TrackingCodeKind
TRACKING_CODE_KIND_INQUIRY: TrackingCodeKind
TRACKING_CODE_KIND_PETITION: TrackingCodeKind
TRACKING_CODE_KIND_CONSULTATION: TrackingCodeKind
TRACKING_CODE_KIND_PAYMENT: TrackingCodeKind

class TimelineEntry(_message.Message):
    __slots__ = ("kind", "stage", "step", "note", "by_agency", "at", "at_jalali")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    BY_AGENCY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    kind: str
    stage: _catalogue_pb2.Stage
    step: str
    note: str
    by_agency: str
    at: _timestamp_pb2.Timestamp
    at_jalali: str
    def __init__(self, kind: _Optional[str] = ..., stage: _Optional[_Union[_catalogue_pb2.Stage, str]] = ..., step: _Optional[str] = ..., note: _Optional[str] = ..., by_agency: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at_jalali: _Optional[str] = ...) -> None: ...

class Satisfaction(_message.Message):
    __slots__ = ("score", "comment", "answers")
    class AnswersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    score: int
    comment: str
    answers: _containers.ScalarMap[str, int]
    def __init__(self, score: _Optional[int] = ..., comment: _Optional[str] = ..., answers: _Optional[_Mapping[str, int]] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("tracking_code", "service_code", "record_revision", "agency", "applicant_masked", "status", "stage", "timeline", "satisfaction", "channel", "identity_level", "required_identity_level", "required_inquiries", "inquiries", "payment", "missing_for_delivery", "fee_rials", "corrections", "postal_code", "applicant_kind", "legal_person_national_id", "representative_role", "counter")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    RECORD_REVISION_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_MASKED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_IDENTITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    MISSING_FOR_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    FEE_RIALS_FIELD_NUMBER: _ClassVar[int]
    CORRECTIONS_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_KIND_FIELD_NUMBER: _ClassVar[int]
    LEGAL_PERSON_NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    REPRESENTATIVE_ROLE_FIELD_NUMBER: _ClassVar[int]
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    service_code: str
    record_revision: int
    agency: str
    applicant_masked: str
    status: CaseStatus
    stage: _catalogue_pb2.Stage
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    satisfaction: Satisfaction
    channel: str
    identity_level: int
    required_identity_level: int
    required_inquiries: _containers.RepeatedScalarFieldContainer[_catalogue_pb2.InquiryKind]
    inquiries: _containers.RepeatedCompositeFieldContainer[Inquiry]
    payment: Payment
    missing_for_delivery: _containers.RepeatedScalarFieldContainer[str]
    fee_rials: int
    corrections: int
    postal_code: str
    applicant_kind: ApplicantKind
    legal_person_national_id: str
    representative_role: str
    counter: str
    def __init__(self, tracking_code: _Optional[str] = ..., service_code: _Optional[str] = ..., record_revision: _Optional[int] = ..., agency: _Optional[str] = ..., applicant_masked: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., stage: _Optional[_Union[_catalogue_pb2.Stage, str]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., satisfaction: _Optional[_Union[Satisfaction, _Mapping]] = ..., channel: _Optional[str] = ..., identity_level: _Optional[int] = ..., required_identity_level: _Optional[int] = ..., required_inquiries: _Optional[_Iterable[_Union[_catalogue_pb2.InquiryKind, str]]] = ..., inquiries: _Optional[_Iterable[_Union[Inquiry, _Mapping]]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ..., missing_for_delivery: _Optional[_Iterable[str]] = ..., fee_rials: _Optional[int] = ..., corrections: _Optional[int] = ..., postal_code: _Optional[str] = ..., applicant_kind: _Optional[_Union[ApplicantKind, str]] = ..., legal_person_national_id: _Optional[str] = ..., representative_role: _Optional[str] = ..., counter: _Optional[str] = ...) -> None: ...

class Inquiry(_message.Message):
    __slots__ = ("kind", "inquiry_tracking_code", "issuing_agency", "inquired_at", "inquired_at_jalali", "facts")
    class FactsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KIND_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    ISSUING_AGENCY_FIELD_NUMBER: _ClassVar[int]
    INQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    INQUIRED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    kind: _catalogue_pb2.InquiryKind
    inquiry_tracking_code: str
    issuing_agency: str
    inquired_at: _timestamp_pb2.Timestamp
    inquired_at_jalali: str
    facts: _containers.ScalarMap[str, str]
    def __init__(self, kind: _Optional[_Union[_catalogue_pb2.InquiryKind, str]] = ..., inquiry_tracking_code: _Optional[str] = ..., issuing_agency: _Optional[str] = ..., inquired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., inquired_at_jalali: _Optional[str] = ..., facts: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("status", "idempotency_key", "amount_rials", "revenue_account", "payment_id", "settlement_reference", "settled_at", "settled_at_jalali", "failure_reason", "channel")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_RIALS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    SETTLED_AT_FIELD_NUMBER: _ClassVar[int]
    SETTLED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    status: PaymentStatus
    idempotency_key: str
    amount_rials: int
    revenue_account: str
    payment_id: str
    settlement_reference: str
    settled_at: _timestamp_pb2.Timestamp
    settled_at_jalali: str
    failure_reason: str
    channel: PaymentChannel
    def __init__(self, status: _Optional[_Union[PaymentStatus, str]] = ..., idempotency_key: _Optional[str] = ..., amount_rials: _Optional[int] = ..., revenue_account: _Optional[str] = ..., payment_id: _Optional[str] = ..., settlement_reference: _Optional[str] = ..., settled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., settled_at_jalali: _Optional[str] = ..., failure_reason: _Optional[str] = ..., channel: _Optional[_Union[PaymentChannel, str]] = ...) -> None: ...

class OpenCaseRequest(_message.Message):
    __slots__ = ("service_code", "applicant_national_code", "channel", "forms", "postal_code", "applicant_kind", "legal_person_national_id", "foreign_national_id")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    FORMS_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_KIND_FIELD_NUMBER: _ClassVar[int]
    LEGAL_PERSON_NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    FOREIGN_NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    applicant_national_code: str
    channel: str
    forms: _containers.RepeatedCompositeFieldContainer[FormData]
    postal_code: str
    applicant_kind: ApplicantKind
    legal_person_national_id: str
    foreign_national_id: str
    def __init__(self, service_code: _Optional[str] = ..., applicant_national_code: _Optional[str] = ..., channel: _Optional[str] = ..., forms: _Optional[_Iterable[_Union[FormData, _Mapping]]] = ..., postal_code: _Optional[str] = ..., applicant_kind: _Optional[_Union[ApplicantKind, str]] = ..., legal_person_national_id: _Optional[str] = ..., foreign_national_id: _Optional[str] = ...) -> None: ...

class FormData(_message.Message):
    __slots__ = ("document", "json")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    document: str
    json: str
    def __init__(self, document: _Optional[str] = ..., json: _Optional[str] = ...) -> None: ...

class OpenCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class RecordStepRequest(_message.Message):
    __slots__ = ("tracking_code", "step", "note")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    step: str
    note: str
    def __init__(self, tracking_code: _Optional[str] = ..., step: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecordStepResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class CompleteStageRequest(_message.Message):
    __slots__ = ("tracking_code", "stage")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    stage: _catalogue_pb2.Stage
    def __init__(self, tracking_code: _Optional[str] = ..., stage: _Optional[_Union[_catalogue_pb2.Stage, str]] = ...) -> None: ...

class CompleteStageResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class DeliverCaseRequest(_message.Message):
    __slots__ = ("tracking_code", "in_person", "note")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    IN_PERSON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    in_person: bool
    note: str
    def __init__(self, tracking_code: _Optional[str] = ..., in_person: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class DeliverCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class RejectCaseRequest(_message.Message):
    __slots__ = ("tracking_code", "reason")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    reason: str
    def __init__(self, tracking_code: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class CancelCaseRequest(_message.Message):
    __slots__ = ("tracking_code", "reason")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    reason: str
    def __init__(self, tracking_code: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class RateSatisfactionRequest(_message.Message):
    __slots__ = ("tracking_code", "score", "comment", "answers")
    class AnswersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    score: int
    comment: str
    answers: _containers.ScalarMap[str, int]
    def __init__(self, tracking_code: _Optional[str] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ..., answers: _Optional[_Mapping[str, int]] = ...) -> None: ...

class GetEvaluationRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class GetEvaluationResponse(_message.Message):
    __slots__ = ("method", "open", "opens_at", "closes_at", "closes_at_jalali", "rated")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    RATED_FIELD_NUMBER: _ClassVar[int]
    method: _catalogue_pb2.EvaluationMethod
    open: bool
    opens_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    closes_at_jalali: str
    rated: bool
    def __init__(self, method: _Optional[_Union[_catalogue_pb2.EvaluationMethod, _Mapping]] = ..., open: _Optional[bool] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at_jalali: _Optional[str] = ..., rated: _Optional[bool] = ...) -> None: ...

class RequestCorrectionRequest(_message.Message):
    __slots__ = ("tracking_code", "reason")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    reason: str
    def __init__(self, tracking_code: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RequestCorrectionResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class RateSatisfactionResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("tracking_code", "digits", "applicant_token")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    digits: Digits
    applicant_token: str
    def __init__(self, tracking_code: _Optional[str] = ..., digits: _Optional[_Union[Digits, str]] = ..., applicant_token: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class VerifyApplicantIdentityRequest(_message.Message):
    __slots__ = ("tracking_code", "applicant_token")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    applicant_token: str
    def __init__(self, tracking_code: _Optional[str] = ..., applicant_token: _Optional[str] = ...) -> None: ...

class VerifyApplicantIdentityResponse(_message.Message):
    __slots__ = ("case", "assurance_level")
    CASE_FIELD_NUMBER: _ClassVar[int]
    ASSURANCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    case: Case
    assurance_level: int
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., assurance_level: _Optional[int] = ...) -> None: ...

class MakeInquiryRequest(_message.Message):
    __slots__ = ("tracking_code", "kind", "birth_date_jalali", "legal_person_national_id", "postal_code", "birth_certificate_serial", "birth_certificate_series")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_JALALI_FIELD_NUMBER: _ClassVar[int]
    LEGAL_PERSON_NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    BIRTH_CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    BIRTH_CERTIFICATE_SERIES_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    kind: _catalogue_pb2.InquiryKind
    birth_date_jalali: str
    legal_person_national_id: str
    postal_code: str
    birth_certificate_serial: str
    birth_certificate_series: str
    def __init__(self, tracking_code: _Optional[str] = ..., kind: _Optional[_Union[_catalogue_pb2.InquiryKind, str]] = ..., birth_date_jalali: _Optional[str] = ..., legal_person_national_id: _Optional[str] = ..., postal_code: _Optional[str] = ..., birth_certificate_serial: _Optional[str] = ..., birth_certificate_series: _Optional[str] = ...) -> None: ...

class MakeInquiryResponse(_message.Message):
    __slots__ = ("case", "inquiry")
    CASE_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_FIELD_NUMBER: _ClassVar[int]
    case: Case
    inquiry: Inquiry
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., inquiry: _Optional[_Union[Inquiry, _Mapping]] = ...) -> None: ...

class PayFeeRequest(_message.Message):
    __slots__ = ("tracking_code", "channel")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    channel: PaymentChannel
    def __init__(self, tracking_code: _Optional[str] = ..., channel: _Optional[_Union[PaymentChannel, str]] = ...) -> None: ...

class PayFeeResponse(_message.Message):
    __slots__ = ("case", "payment")
    CASE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    case: Case
    payment: Payment
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class GetPaymentStatusRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class GetPaymentStatusResponse(_message.Message):
    __slots__ = ("case", "payment")
    CASE_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    case: Case
    payment: Payment
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class ReconcilePaymentsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReconcilePaymentsResponse(_message.Message):
    __slots__ = ("examined", "settled", "pending", "declined", "not_made", "failed")
    EXAMINED_FIELD_NUMBER: _ClassVar[int]
    SETTLED_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    NOT_MADE_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    examined: int
    settled: int
    pending: int
    declined: int
    not_made: int
    failed: int
    def __init__(self, examined: _Optional[int] = ..., settled: _Optional[int] = ..., pending: _Optional[int] = ..., declined: _Optional[int] = ..., not_made: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class VerifyTrackingCodeRequest(_message.Message):
    __slots__ = ("tracking_code", "digits", "ask_registry")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    ASK_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    digits: Digits
    ask_registry: bool
    def __init__(self, tracking_code: _Optional[str] = ..., digits: _Optional[_Union[Digits, str]] = ..., ask_registry: _Optional[bool] = ...) -> None: ...

class VerifyTrackingCodeResponse(_message.Message):
    __slots__ = ("tracking_code", "authentic", "kind", "inquiry_kind", "issuing_agency", "issued_at", "issued_at_jalali", "source")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    AUTHENTIC_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_KIND_FIELD_NUMBER: _ClassVar[int]
    ISSUING_AGENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    authentic: bool
    kind: TrackingCodeKind
    inquiry_kind: _catalogue_pb2.InquiryKind
    issuing_agency: str
    issued_at: _timestamp_pb2.Timestamp
    issued_at_jalali: str
    source: str
    def __init__(self, tracking_code: _Optional[str] = ..., authentic: _Optional[bool] = ..., kind: _Optional[_Union[TrackingCodeKind, str]] = ..., inquiry_kind: _Optional[_Union[_catalogue_pb2.InquiryKind, str]] = ..., issuing_agency: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issued_at_jalali: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ConfirmRepresentativeRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class ConfirmRepresentativeResponse(_message.Message):
    __slots__ = ("case", "role", "inquiry_tracking_code")
    CASE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    role: str
    inquiry_tracking_code: str
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ..., role: _Optional[str] = ..., inquiry_tracking_code: _Optional[str] = ...) -> None: ...

class AgencyPayment(_message.Message):
    __slots__ = ("tracking_code", "payer_agency", "payer_account", "payee_agency", "payee_account", "amount_rials", "purpose", "status", "payment_id", "settlement_reference", "settled_at", "settled_at_jalali", "failure_reason")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    PAYER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    PAYER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYEE_AGENCY_FIELD_NUMBER: _ClassVar[int]
    PAYEE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_RIALS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    SETTLED_AT_FIELD_NUMBER: _ClassVar[int]
    SETTLED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    payer_agency: str
    payer_account: str
    payee_agency: str
    payee_account: str
    amount_rials: int
    purpose: str
    status: PaymentStatus
    payment_id: str
    settlement_reference: str
    settled_at: _timestamp_pb2.Timestamp
    settled_at_jalali: str
    failure_reason: str
    def __init__(self, tracking_code: _Optional[str] = ..., payer_agency: _Optional[str] = ..., payer_account: _Optional[str] = ..., payee_agency: _Optional[str] = ..., payee_account: _Optional[str] = ..., amount_rials: _Optional[int] = ..., purpose: _Optional[str] = ..., status: _Optional[_Union[PaymentStatus, str]] = ..., payment_id: _Optional[str] = ..., settlement_reference: _Optional[str] = ..., settled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., settled_at_jalali: _Optional[str] = ..., failure_reason: _Optional[str] = ...) -> None: ...

class PayAgencyRequest(_message.Message):
    __slots__ = ("payee_agency", "payer_account", "payee_account", "amount_rials", "purpose")
    PAYEE_AGENCY_FIELD_NUMBER: _ClassVar[int]
    PAYER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYEE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_RIALS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    payee_agency: str
    payer_account: str
    payee_account: str
    amount_rials: int
    purpose: str
    def __init__(self, payee_agency: _Optional[str] = ..., payer_account: _Optional[str] = ..., payee_account: _Optional[str] = ..., amount_rials: _Optional[int] = ..., purpose: _Optional[str] = ...) -> None: ...

class PayAgencyResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: AgencyPayment
    def __init__(self, payment: _Optional[_Union[AgencyPayment, _Mapping]] = ...) -> None: ...

class GetAgencyPaymentRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class GetAgencyPaymentResponse(_message.Message):
    __slots__ = ("payment",)
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    payment: AgencyPayment
    def __init__(self, payment: _Optional[_Union[AgencyPayment, _Mapping]] = ...) -> None: ...
