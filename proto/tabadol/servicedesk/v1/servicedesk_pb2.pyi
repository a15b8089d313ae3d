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
CASE_STATUS_UNSPECIFIED: CaseStatus
CASE_STATUS_OPEN: CaseStatus
CASE_STATUS_DELIVERED: CaseStatus
CASE_STATUS_REJECTED: CaseStatus
CASE_STATUS_CANCELLED: CaseStatus
DIGITS_UNSPECIFIED: Digits
DIGITS_LATIN: Digits
DIGITS_PERSIAN: Digits

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
    __slots__ = ("score", "comment")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    score: int
    comment: str
    def __init__(self, score: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("tracking_code", "service_code", "record_revision", "agency", "applicant_masked", "status", "stage", "timeline", "satisfaction", "channel")
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
    def __init__(self, tracking_code: _Optional[str] = ..., service_code: _Optional[str] = ..., record_revision: _Optional[int] = ..., agency: _Optional[str] = ..., applicant_masked: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., stage: _Optional[_Union[_catalogue_pb2.Stage, str]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., satisfaction: _Optional[_Union[Satisfaction, _Mapping]] = ..., channel: _Optional[str] = ...) -> None: ...

class OpenCaseRequest(_message.Message):
    __slots__ = ("service_code", "applicant_national_code", "channel")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    applicant_national_code: str
    channel: str
    def __init__(self, service_code: _Optional[str] = ..., applicant_national_code: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("tracking_code", "score", "comment")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    score: int
    comment: str
    def __init__(self, tracking_code: _Optional[str] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class RateSatisfactionResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("tracking_code", "digits")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    digits: Digits
    def __init__(self, tracking_code: _Optional[str] = ..., digits: _Optional[_Union[Digits, str]] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...
