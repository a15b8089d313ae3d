import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PetitionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PETITION_KIND_UNSPECIFIED: _ClassVar[PetitionKind]
    PETITION_KIND_REQUEST: _ClassVar[PetitionKind]
    PETITION_KIND_COMPLAINT: _ClassVar[PetitionKind]
    PETITION_KIND_SUGGESTION: _ClassVar[PetitionKind]
    PETITION_KIND_COMMENT: _ClassVar[PetitionKind]

class PetitionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PETITION_STATUS_UNSPECIFIED: _ClassVar[PetitionStatus]
    PETITION_STATUS_ROUTED: _ClassVar[PetitionStatus]
    PETITION_STATUS_ANSWERED: _ClassVar[PetitionStatus]
PETITION_KIND_UNSPECIFIED: PetitionKind
PETITION_KIND_REQUEST: PetitionKind
PETITION_KIND_COMPLAINT: PetitionKind
PETITION_KIND_SUGGESTION: PetitionKind
PETITION_KIND_COMMENT: PetitionKind
PETITION_STATUS_UNSPECIFIED: PetitionStatus
PETITION_STATUS_ROUTED: PetitionStatus
PETITION_STATUS_ANSWERED: PetitionStatus

class Holder(_message.Message):
    __slots__ = ("agency", "unit", "since", "since_jalali", "by_agency", "reason")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    SINCE_JALALI_FIELD_NUMBER: _ClassVar[int]
    BY_AGENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    agency: str
    unit: str
    since: _timestamp_pb2.Timestamp
    since_jalali: str
    by_agency: str
    reason: str
    def __init__(self, agency: _Optional[str] = ..., unit: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., since_jalali: _Optional[str] = ..., by_agency: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Petition(_message.Message):
    __slots__ = ("tracking_code", "kind", "topic", "subject", "body", "routed_agency", "routed_unit", "status", "submitted_at", "submitted_at_jalali", "answer", "answered_by_agency", "answered_at", "answered_at_jalali", "identified", "service_code", "answer_due_at", "answer_due_at_jalali", "overdue", "holders")
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
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_DUE_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    HOLDERS_FIELD_NUMBER: _ClassVar[int]
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
    service_code: str
    answer_due_at: _timestamp_pb2.Timestamp
    answer_due_at_jalali: str
    overdue: bool
    holders: _containers.RepeatedCompositeFieldContainer[Holder]
    def __init__(self, tracking_code: _Optional[str] = ..., kind: _Optional[_Union[PetitionKind, str]] = ..., topic: _Optional[str] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., routed_agency: _Optional[str] = ..., routed_unit: _Optional[str] = ..., status: _Optional[_Union[PetitionStatus, str]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_at_jalali: _Optional[str] = ..., answer: _Optional[str] = ..., answered_by_agency: _Optional[str] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answered_at_jalali: _Optional[str] = ..., identified: _Optional[bool] = ..., service_code: _Optional[str] = ..., answer_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_due_at_jalali: _Optional[str] = ..., overdue: _Optional[bool] = ..., holders: _Optional[_Iterable[_Union[Holder, _Mapping]]] = ...) -> None: ...

class ForwardPetitionRequest(_message.Message):
    __slots__ = ("tracking_code", "to_agency", "to_unit", "reason")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    TO_AGENCY_FIELD_NUMBER: _ClassVar[int]
    TO_UNIT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    to_agency: str
    to_unit: str
    reason: str
    def __init__(self, tracking_code: _Optional[str] = ..., to_agency: _Optional[str] = ..., to_unit: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ForwardPetitionResponse(_message.Message):
    __slots__ = ("petition",)
    PETITION_FIELD_NUMBER: _ClassVar[int]
    petition: Petition
    def __init__(self, petition: _Optional[_Union[Petition, _Mapping]] = ...) -> None: ...

class Route(_message.Message):
    __slots__ = ("agency", "unit", "answer_days")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_DAYS_FIELD_NUMBER: _ClassVar[int]
    agency: str
    unit: str
    answer_days: int
    def __init__(self, agency: _Optional[str] = ..., unit: _Optional[str] = ..., answer_days: _Optional[int] = ...) -> None: ...

class ConfigureRoutingRequest(_message.Message):
    __slots__ = ("default_route", "routes")
    class RoutesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Route
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Route, _Mapping]] = ...) -> None: ...
    DEFAULT_ROUTE_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    default_route: Route
    routes: _containers.MessageMap[str, Route]
    def __init__(self, default_route: _Optional[_Union[Route, _Mapping]] = ..., routes: _Optional[_Mapping[str, Route]] = ...) -> None: ...

class ConfigureRoutingResponse(_message.Message):
    __slots__ = ("table",)
    TABLE_FIELD_NUMBER: _ClassVar[int]
    table: RoutingTable
    def __init__(self, table: _Optional[_Union[RoutingTable, _Mapping]] = ...) -> None: ...

class GetRoutingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRoutingResponse(_message.Message):
    __slots__ = ("table",)
    TABLE_FIELD_NUMBER: _ClassVar[int]
    table: RoutingTable
    def __init__(self, table: _Optional[_Union[RoutingTable, _Mapping]] = ...) -> None: ...

class RoutingTable(_message.Message):
    __slots__ = ("default_route", "routes", "version", "changed_by", "changed_at")
    class RoutesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Route
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Route, _Mapping]] = ...) -> None: ...
    DEFAULT_ROUTE_FIELD_NUMBER: _ClassVar[int]
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    default_route: Route
    routes: _containers.MessageMap[str, Route]
    version: int
    changed_by: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, default_route: _Optional[_Union[Route, _Mapping]] = ..., routes: _Optional[_Mapping[str, Route]] = ..., version: _Optional[int] = ..., changed_by: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetPetitionDeskRequest(_message.Message):
    __slots__ = ("agency",)
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    agency: str
    def __init__(self, agency: _Optional[str] = ...) -> None: ...

class OverduePetition(_message.Message):
    __slots__ = ("tracking_code", "kind", "topic", "subject", "service_code", "agency", "unit", "answer_due_at", "answer_due_at_jalali", "hours_late", "forwards")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_DUE_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    HOURS_LATE_FIELD_NUMBER: _ClassVar[int]
    FORWARDS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    kind: PetitionKind
    topic: str
    subject: str
    service_code: str
    agency: str
    unit: str
    answer_due_at: _timestamp_pb2.Timestamp
    answer_due_at_jalali: str
    hours_late: float
    forwards: int
    def __init__(self, tracking_code: _Optional[str] = ..., kind: _Optional[_Union[PetitionKind, str]] = ..., topic: _Optional[str] = ..., subject: _Optional[str] = ..., service_code: _Optional[str] = ..., agency: _Optional[str] = ..., unit: _Optional[str] = ..., answer_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_due_at_jalali: _Optional[str] = ..., hours_late: _Optional[float] = ..., forwards: _Optional[int] = ...) -> None: ...

class UnitKpis(_message.Message):
    __slots__ = ("agency", "unit", "received", "answered", "open", "overdue", "forwarded_away", "answered_on_time_percent", "median_answer_hours")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    FORWARDED_AWAY_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_ON_TIME_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_ANSWER_HOURS_FIELD_NUMBER: _ClassVar[int]
    agency: str
    unit: str
    received: int
    answered: int
    open: int
    overdue: int
    forwarded_away: int
    answered_on_time_percent: float
    median_answer_hours: float
    def __init__(self, agency: _Optional[str] = ..., unit: _Optional[str] = ..., received: _Optional[int] = ..., answered: _Optional[int] = ..., open: _Optional[int] = ..., overdue: _Optional[int] = ..., forwarded_away: _Optional[int] = ..., answered_on_time_percent: _Optional[float] = ..., median_answer_hours: _Optional[float] = ...) -> None: ...

class ServiceComments(_message.Message):
    __slots__ = ("service_code", "agency", "unit", "comments", "answered", "open", "overdue", "topics", "latest_subjects")
    class TopicsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    LATEST_SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    agency: str
    unit: str
    comments: int
    answered: int
    open: int
    overdue: int
    topics: _containers.ScalarMap[str, int]
    latest_subjects: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, service_code: _Optional[str] = ..., agency: _Optional[str] = ..., unit: _Optional[str] = ..., comments: _Optional[int] = ..., answered: _Optional[int] = ..., open: _Optional[int] = ..., overdue: _Optional[int] = ..., topics: _Optional[_Mapping[str, int]] = ..., latest_subjects: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPetitionDeskResponse(_message.Message):
    __slots__ = ("at", "overdue", "kpis", "service_comments")
    AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_COMMENTS_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    overdue: _containers.RepeatedCompositeFieldContainer[OverduePetition]
    kpis: _containers.RepeatedCompositeFieldContainer[UnitKpis]
    service_comments: _containers.RepeatedCompositeFieldContainer[ServiceComments]
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overdue: _Optional[_Iterable[_Union[OverduePetition, _Mapping]]] = ..., kpis: _Optional[_Iterable[_Union[UnitKpis, _Mapping]]] = ..., service_comments: _Optional[_Iterable[_Union[ServiceComments, _Mapping]]] = ...) -> None: ...

class SubmitPetitionRequest(_message.Message):
    __slots__ = ("kind", "topic", "subject", "body", "identity_token", "service_code")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    kind: PetitionKind
    topic: str
    subject: str
    body: str
    identity_token: str
    service_code: str
    def __init__(self, kind: _Optional[_Union[PetitionKind, str]] = ..., topic: _Optional[str] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., identity_token: _Optional[str] = ..., service_code: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("tracking_code", "identity_token")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    identity_token: str
    def __init__(self, tracking_code: _Optional[str] = ..., identity_token: _Optional[str] = ...) -> None: ...

class GetPetitionResponse(_message.Message):
    __slots__ = ("petition",)
    PETITION_FIELD_NUMBER: _ClassVar[int]
    petition: Petition
    def __init__(self, petition: _Optional[_Union[Petition, _Mapping]] = ...) -> None: ...
