import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tabadol.catalogue.v1 import catalogue_pb2 as _catalogue_pb2
from tabadol.servicedesk.v1 import servicedesk_pb2 as _servicedesk_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FeedEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEED_EVENT_KIND_UNSPECIFIED: _ClassVar[FeedEventKind]
    FEED_EVENT_KIND_STARTED: _ClassVar[FeedEventKind]
    FEED_EVENT_KIND_STEP_RECORDED: _ClassVar[FeedEventKind]
    FEED_EVENT_KIND_STAGE_COMPLETED: _ClassVar[FeedEventKind]
    FEED_EVENT_KIND_DELIVERED: _ClassVar[FeedEventKind]
    FEED_EVENT_KIND_REJECTED: _ClassVar[FeedEventKind]
    FEED_EVENT_KIND_CANCELLED: _ClassVar[FeedEventKind]
    FEED_EVENT_KIND_RATED: _ClassVar[FeedEventKind]

class OpenDataFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPEN_DATA_FORMAT_UNSPECIFIED: _ClassVar[OpenDataFormat]
    OPEN_DATA_FORMAT_CSV: _ClassVar[OpenDataFormat]
    OPEN_DATA_FORMAT_JSON: _ClassVar[OpenDataFormat]

class OpenDataset(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPEN_DATASET_UNSPECIFIED: _ClassVar[OpenDataset]
    OPEN_DATASET_AGENCY_KPIS: _ClassVar[OpenDataset]
    OPEN_DATASET_MONTHLY_REPORTS: _ClassVar[OpenDataset]
    OPEN_DATASET_CATALOGUE: _ClassVar[OpenDataset]
    OPEN_DATASET_PERMITS: _ClassVar[OpenDataset]
    OPEN_DATASET_PROGRAMMES: _ClassVar[OpenDataset]
    OPEN_DATASET_REPORTS: _ClassVar[OpenDataset]
    OPEN_DATASET_COUNTERS: _ClassVar[OpenDataset]
FEED_EVENT_KIND_UNSPECIFIED: FeedEventKind
FEED_EVENT_KIND_STARTED: FeedEventKind
FEED_EVENT_KIND_STEP_RECORDED: FeedEventKind
FEED_EVENT_KIND_STAGE_COMPLETED: FeedEventKind
FEED_EVENT_KIND_DELIVERED: FeedEventKind
FEED_EVENT_KIND_REJECTED: FeedEventKind
FEED_EVENT_KIND_CANCELLED: FeedEventKind
FEED_EVENT_KIND_RATED: FeedEventKind
OPEN_DATA_FORMAT_UNSPECIFIED: OpenDataFormat
OPEN_DATA_FORMAT_CSV: OpenDataFormat
OPEN_DATA_FORMAT_JSON: OpenDataFormat
OPEN_DATASET_UNSPECIFIED: OpenDataset
OPEN_DATASET_AGENCY_KPIS: OpenDataset
OPEN_DATASET_MONTHLY_REPORTS: OpenDataset
OPEN_DATASET_CATALOGUE: OpenDataset
OPEN_DATASET_PERMITS: OpenDataset
OPEN_DATASET_PROGRAMMES: OpenDataset
OPEN_DATASET_REPORTS: OpenDataset
OPEN_DATASET_COUNTERS: OpenDataset

class CaseStep(_message.Message):
    __slots__ = ("kind", "stage", "step", "score", "at", "at_jalali")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    kind: str
    stage: _catalogue_pb2.Stage
    step: str
    score: int
    at: _timestamp_pb2.Timestamp
    at_jalali: str
    def __init__(self, kind: _Optional[str] = ..., stage: _Optional[_Union[_catalogue_pb2.Stage, str]] = ..., step: _Optional[str] = ..., score: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at_jalali: _Optional[str] = ...) -> None: ...

class CaseStatus(_message.Message):
    __slots__ = ("tracking_code", "agency", "service_code", "status", "stage", "opened_at", "opened_at_jalali", "due_at", "due_at_jalali", "overdue", "score", "steps")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    agency: str
    service_code: str
    status: _servicedesk_pb2.CaseStatus
    stage: _catalogue_pb2.Stage
    opened_at: _timestamp_pb2.Timestamp
    opened_at_jalali: str
    due_at: _timestamp_pb2.Timestamp
    due_at_jalali: str
    overdue: bool
    score: int
    steps: _containers.RepeatedCompositeFieldContainer[CaseStep]
    def __init__(self, tracking_code: _Optional[str] = ..., agency: _Optional[str] = ..., service_code: _Optional[str] = ..., status: _Optional[_Union[_servicedesk_pb2.CaseStatus, str]] = ..., stage: _Optional[_Union[_catalogue_pb2.Stage, str]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opened_at_jalali: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at_jalali: _Optional[str] = ..., overdue: _Optional[bool] = ..., score: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[CaseStep, _Mapping]]] = ...) -> None: ...

class GetCaseStatusRequest(_message.Message):
    __slots__ = ("tracking_code", "digits")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    digits: _servicedesk_pb2.Digits
    def __init__(self, tracking_code: _Optional[str] = ..., digits: _Optional[_Union[_servicedesk_pb2.Digits, str]] = ...) -> None: ...

class GetCaseStatusResponse(_message.Message):
    __slots__ = ("case_status", "position")
    CASE_STATUS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    case_status: CaseStatus
    position: int
    def __init__(self, case_status: _Optional[_Union[CaseStatus, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class Kpis(_message.Message):
    __slots__ = ("agency", "service_code", "cases", "open", "delivered", "rejected", "cancelled", "median_hours_to_delivery", "p90_hours_to_delivery", "share_delivered_without_visit", "inquiries", "share_inquiries_electronic", "ratings", "average_satisfaction", "late_deliveries", "overdue_open", "past_time_limit")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_HOURS_TO_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    P90_HOURS_TO_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    SHARE_DELIVERED_WITHOUT_VISIT_FIELD_NUMBER: _ClassVar[int]
    INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    SHARE_INQUIRIES_ELECTRONIC_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    LATE_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_OPEN_FIELD_NUMBER: _ClassVar[int]
    PAST_TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    agency: str
    service_code: str
    cases: int
    open: int
    delivered: int
    rejected: int
    cancelled: int
    median_hours_to_delivery: float
    p90_hours_to_delivery: float
    share_delivered_without_visit: float
    inquiries: int
    share_inquiries_electronic: float
    ratings: int
    average_satisfaction: float
    late_deliveries: int
    overdue_open: int
    past_time_limit: int
    def __init__(self, agency: _Optional[str] = ..., service_code: _Optional[str] = ..., cases: _Optional[int] = ..., open: _Optional[int] = ..., delivered: _Optional[int] = ..., rejected: _Optional[int] = ..., cancelled: _Optional[int] = ..., median_hours_to_delivery: _Optional[float] = ..., p90_hours_to_delivery: _Optional[float] = ..., share_delivered_without_visit: _Optional[float] = ..., inquiries: _Optional[int] = ..., share_inquiries_electronic: _Optional[float] = ..., ratings: _Optional[int] = ..., average_satisfaction: _Optional[float] = ..., late_deliveries: _Optional[int] = ..., overdue_open: _Optional[int] = ..., past_time_limit: _Optional[int] = ...) -> None: ...

class AgencyKpis(_message.Message):
    __slots__ = ("total", "services")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    total: Kpis
    services: _containers.RepeatedCompositeFieldContainer[Kpis]
    def __init__(self, total: _Optional[_Union[Kpis, _Mapping]] = ..., services: _Optional[_Iterable[_Union[Kpis, _Mapping]]] = ...) -> None: ...

class GetAgencyKpisRequest(_message.Message):
    __slots__ = ("agency",)
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    agency: str
    def __init__(self, agency: _Optional[str] = ...) -> None: ...

class GetAgencyKpisResponse(_message.Message):
    __slots__ = ("agencies", "as_of", "position")
    AGENCIES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    agencies: _containers.RepeatedCompositeFieldContainer[AgencyKpis]
    as_of: _timestamp_pb2.Timestamp
    position: int
    def __init__(self, agencies: _Optional[_Iterable[_Union[AgencyKpis, _Mapping]]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class MonthlyReport(_message.Message):
    __slots__ = ("agency", "month", "month_fa", "opened", "delivered", "rejected", "cancelled", "delivered_without_visit", "median_hours_to_delivery", "late_deliveries", "ratings", "average_satisfaction", "inquiries")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    MONTH_FA_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_WITHOUT_VISIT_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_HOURS_TO_DELIVERY_FIELD_NUMBER: _ClassVar[int]
    LATE_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    agency: str
    month: str
    month_fa: str
    opened: int
    delivered: int
    rejected: int
    cancelled: int
    delivered_without_visit: int
    median_hours_to_delivery: float
    late_deliveries: int
    ratings: int
    average_satisfaction: float
    inquiries: int
    def __init__(self, agency: _Optional[str] = ..., month: _Optional[str] = ..., month_fa: _Optional[str] = ..., opened: _Optional[int] = ..., delivered: _Optional[int] = ..., rejected: _Optional[int] = ..., cancelled: _Optional[int] = ..., delivered_without_visit: _Optional[int] = ..., median_hours_to_delivery: _Optional[float] = ..., late_deliveries: _Optional[int] = ..., ratings: _Optional[int] = ..., average_satisfaction: _Optional[float] = ..., inquiries: _Optional[int] = ...) -> None: ...

class GetMonthlyReportRequest(_message.Message):
    __slots__ = ("agency", "month")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    agency: str
    month: str
    def __init__(self, agency: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class GetMonthlyReportResponse(_message.Message):
    __slots__ = ("reports", "position")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[MonthlyReport]
    position: int
    def __init__(self, reports: _Optional[_Iterable[_Union[MonthlyReport, _Mapping]]] = ..., position: _Optional[int] = ...) -> None: ...

class GetOpenDataRequest(_message.Message):
    __slots__ = ("dataset", "format")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    dataset: OpenDataset
    format: OpenDataFormat
    def __init__(self, dataset: _Optional[_Union[OpenDataset, str]] = ..., format: _Optional[_Union[OpenDataFormat, str]] = ...) -> None: ...

class GetOpenDataResponse(_message.Message):
    __slots__ = ("content_type", "data", "position")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    data: bytes
    position: int
    def __init__(self, content_type: _Optional[str] = ..., data: _Optional[bytes] = ..., position: _Optional[int] = ...) -> None: ...

class WindowFeedEntry(_message.Message):
    __slots__ = ("position", "kind", "agency", "service_code", "tracking_code", "subject", "stage", "step", "score", "in_person", "at", "at_jalali")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    IN_PERSON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    position: int
    kind: FeedEventKind
    agency: str
    service_code: str
    tracking_code: str
    subject: str
    stage: _catalogue_pb2.Stage
    step: str
    score: int
    in_person: bool
    at: _timestamp_pb2.Timestamp
    at_jalali: str
    def __init__(self, position: _Optional[int] = ..., kind: _Optional[_Union[FeedEventKind, str]] = ..., agency: _Optional[str] = ..., service_code: _Optional[str] = ..., tracking_code: _Optional[str] = ..., subject: _Optional[str] = ..., stage: _Optional[_Union[_catalogue_pb2.Stage, str]] = ..., step: _Optional[str] = ..., score: _Optional[int] = ..., in_person: _Optional[bool] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at_jalali: _Optional[str] = ...) -> None: ...

class StreamWindowFeedRequest(_message.Message):
    __slots__ = ("from_position", "agency")
    FROM_POSITION_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    from_position: int
    agency: str
    def __init__(self, from_position: _Optional[int] = ..., agency: _Optional[str] = ...) -> None: ...

class StreamWindowFeedResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: WindowFeedEntry
    def __init__(self, entry: _Optional[_Union[WindowFeedEntry, _Mapping]] = ...) -> None: ...
