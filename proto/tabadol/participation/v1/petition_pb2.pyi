import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PetitionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PETITION_KIND_UNSPECIFIED: _ClassVar[PetitionKind]
    PETITION_KIND_REQUEST: _ClassVar[PetitionKind]
    PETITION_KIND_COMPLAINT: _ClassVar[PetitionKind]
    PETITION_KIND_SUGGESTION: _ClassVar[PetitionKind]

class PetitionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PETITION_STATUS_UNSPECIFIED: _ClassVar[PetitionStatus]
    PETITION_STATUS_ROUTED: _ClassVar[PetitionStatus]
    PETITION_STATUS_ANSWERED: _ClassVar[PetitionStatus]
PETITION_KIND_UNSPECIFIED: PetitionKind
PETITION_KIND_REQUEST: PetitionKind
PETITION_KIND_COMPLAINT: PetitionKind
PETITION_KIND_SUGGESTION: PetitionKind
PETITION_STATUS_UNSPECIFIED: PetitionStatus
PETITION_STATUS_ROUTED: PetitionStatus
PETITION_STATUS_ANSWERED: PetitionStatus

class Petition(_message.Message):
    __slots__ = ("tracking_code", "kind", "topic", "subject", "body", "routed_agency", "routed_unit", "status", "submitted_at", "submitted_at_jalali", "answer", "answered_by_agency", "answered_at", "answered_at_jalali", "identified")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    ROUTED_AGENCY_FIELD_NUMBER: _ClassVar[int]
    ROUTED_UNIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_AGENCY_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIED_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    kind: PetitionKind
    topic: str
    subject: str
    body: str
    routed_agency: str
    routed_unit: str
    status: PetitionStatus
    submitted_at: _timestamp_pb2.Timestamp
    submitted_at_jalali: str
    answer: str
    answered_by_agency: str
    answered_at: _timestamp_pb2.Timestamp
    answered_at_jalali: str
    identified: bool
    def __init__(self, tracking_code: _Optional[str] = ..., kind: _Optional[_Union[PetitionKind, str]] = ..., topic: _Optional[str] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., routed_agency: _Optional[str] = ..., routed_unit: _Optional[str] = ..., status: _Optional[_Union[PetitionStatus, str]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_at_jalali: _Optional[str] = ..., answer: _Optional[str] = ..., answered_by_agency: _Optional[str] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answered_at_jalali: _Optional[str] = ..., identified: _Optional[bool] = ...) -> None: ...

class SubmitPetitionRequest(_message.Message):
    __slots__ = ("kind", "topic", "subject", "body", "identity_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: PetitionKind
    topic: str
    subject: str
    body: str
    identity_token: str
    def __init__(self, kind: _Optional[_Union[PetitionKind, str]] = ..., topic: _Optional[str] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., identity_token: _Optional[str] = ...) -> None: ...

class SubmitPetitionResponse(_message.Message):
    __slots__ = ("petition",)
    PETITION_FIELD_NUMBER: _ClassVar[int]
    petition: Petition
    def __init__(self, petition: _Optional[_Union[Petition, _Mapping]] = ...) -> None: ...

class AnswerPetitionRequest(_message.Message):
    __slots__ = ("tracking_code", "answer")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    answer: str
    def __init__(self, tracking_code: _Optional[str] = ..., answer: _Optional[str] = ...) -> None: ...

class AnswerPetitionResponse(_message.Message):
    __slots__ = ("petition",)
    PETITION_FIELD_NUMBER: _ClassVar[int]
    petition: Petition
    def __init__(self, petition: _Optional[_Union[Petition, _Mapping]] = ...) -> None: ...

class GetPetitionRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class GetPetitionResponse(_message.Message):
    __slots__ = ("petition",)
    PETITION_FIELD_NUMBER: _ClassVar[int]
    petition: Petition
    def __init__(self, petition: _Optional[_Union[Petition, _Mapping]] = ...) -> None: ...
