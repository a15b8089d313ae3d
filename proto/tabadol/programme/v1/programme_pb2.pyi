from tabadol.catalogue.v1 import catalogue_pb2 as _catalogue_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PriorityAxis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_AXIS_UNSPECIFIED: _ClassVar[PriorityAxis]
    PRIORITY_AXIS_WIDE_USE: _ClassVar[PriorityAxis]
    PRIORITY_AXIS_PIONEERING_PROJECT: _ClassVar[PriorityAxis]
    PRIORITY_AXIS_EGOV_INDEX: _ClassVar[PriorityAxis]
    PRIORITY_AXIS_SERVICE_CHAIN: _ClassVar[PriorityAxis]

class ProgressStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROGRESS_STATUS_UNSPECIFIED: _ClassVar[ProgressStatus]
    PROGRESS_STATUS_NOT_STARTED: _ClassVar[ProgressStatus]
    PROGRESS_STATUS_IN_PROGRESS: _ClassVar[ProgressStatus]
    PROGRESS_STATUS_DONE: _ClassVar[ProgressStatus]

class ReportKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPORT_KIND_UNSPECIFIED: _ClassVar[ReportKind]
    REPORT_KIND_QUARTERLY: _ClassVar[ReportKind]
    REPORT_KIND_FOUR_MONTHLY: _ClassVar[ReportKind]
    REPORT_KIND_ANNUAL: _ClassVar[ReportKind]
    REPORT_KIND_SEMIANNUAL: _ClassVar[ReportKind]
PRIORITY_AXIS_UNSPECIFIED: PriorityAxis
PRIORITY_AXIS_WIDE_USE: PriorityAxis
PRIORITY_AXIS_PIONEERING_PROJECT: PriorityAxis
PRIORITY_AXIS_EGOV_INDEX: PriorityAxis
PRIORITY_AXIS_SERVICE_CHAIN: PriorityAxis
PROGRESS_STATUS_UNSPECIFIED: ProgressStatus
PROGRESS_STATUS_NOT_STARTED: ProgressStatus
PROGRESS_STATUS_IN_PROGRESS: ProgressStatus
PROGRESS_STATUS_DONE: ProgressStatus
REPORT_KIND_UNSPECIFIED: ReportKind
REPORT_KIND_QUARTERLY: ReportKind
REPORT_KIND_FOUR_MONTHLY: ReportKind
REPORT_KIND_ANNUAL: ReportKind
REPORT_KIND_SEMIANNUAL: ReportKind

class ProgrammeItem(_message.Message):
    __slots__ = ("service_code", "priority", "axes", "depends_on", "due_month", "maturity")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    AXES_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    DUE_MONTH_FIELD_NUMBER: _ClassVar[int]
    MATURITY_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    priority: int
    axes: _containers.RepeatedScalarFieldContainer[PriorityAxis]
    depends_on: _containers.RepeatedScalarFieldContainer[str]
    due_month: int
    maturity: _catalogue_pb2.Maturity
    def __init__(self, service_code: _Optional[str] = ..., priority: _Optional[int] = ..., axes: _Optional[_Iterable[_Union[PriorityAxis, str]]] = ..., depends_on: _Optional[_Iterable[str]] = ..., due_month: _Optional[int] = ..., maturity: _Optional[_Union[_catalogue_pb2.Maturity, str]] = ...) -> None: ...

class ProgressEntry(_message.Message):
    __slots__ = ("service_code", "status", "percent", "note")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    status: ProgressStatus
    percent: int
    note: str
    def __init__(self, service_code: _Optional[str] = ..., status: _Optional[_Union[ProgressStatus, str]] = ..., percent: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class MonthlyProgress(_message.Message):
    __slots__ = ("month", "month_fa", "entries")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    MONTH_FA_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    month: int
    month_fa: str
    entries: _containers.RepeatedCompositeFieldContainer[ProgressEntry]
    def __init__(self, month: _Optional[int] = ..., month_fa: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[ProgressEntry, _Mapping]]] = ...) -> None: ...

class Programme(_message.Message):
    __slots__ = ("agency", "year", "items", "services_total", "minimum_items", "reports")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SERVICES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_ITEMS_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    agency: str
    year: int
    items: _containers.RepeatedCompositeFieldContainer[ProgrammeItem]
    services_total: int
    minimum_items: int
    reports: _containers.RepeatedCompositeFieldContainer[MonthlyProgress]
    def __init__(self, agency: _Optional[str] = ..., year: _Optional[int] = ..., items: _Optional[_Iterable[_Union[ProgrammeItem, _Mapping]]] = ..., services_total: _Optional[int] = ..., minimum_items: _Optional[int] = ..., reports: _Optional[_Iterable[_Union[MonthlyProgress, _Mapping]]] = ...) -> None: ...

class SubmitProgrammeRequest(_message.Message):
    __slots__ = ("year", "items")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    year: int
    items: _containers.RepeatedCompositeFieldContainer[ProgrammeItem]
    def __init__(self, year: _Optional[int] = ..., items: _Optional[_Iterable[_Union[ProgrammeItem, _Mapping]]] = ...) -> None: ...

class SubmitProgrammeResponse(_message.Message):
    __slots__ = ("programme",)
    PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    programme: Programme
    def __init__(self, programme: _Optional[_Union[Programme, _Mapping]] = ...) -> None: ...

class ReportProgressRequest(_message.Message):
    __slots__ = ("year", "month", "entries")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    year: int
    month: int
    entries: _containers.RepeatedCompositeFieldContainer[ProgressEntry]
    def __init__(self, year: _Optional[int] = ..., month: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[ProgressEntry, _Mapping]]] = ...) -> None: ...

class ReportProgressResponse(_message.Message):
    __slots__ = ("programme",)
    PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    programme: Programme
    def __init__(self, programme: _Optional[_Union[Programme, _Mapping]] = ...) -> None: ...

class GetProgrammeRequest(_message.Message):
    __slots__ = ("agency", "year")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    agency: str
    year: int
    def __init__(self, agency: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class GetProgrammeResponse(_message.Message):
    __slots__ = ("programme",)
    PROGRAMME_FIELD_NUMBER: _ClassVar[int]
    programme: Programme
    def __init__(self, programme: _Optional[_Union[Programme, _Mapping]] = ...) -> None: ...

class LateAgency(_message.Message):
    __slots__ = ("agency", "reasons")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    agency: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, agency: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class AgencyRank(_message.Message):
    __slots__ = ("rank", "agency", "score")
    RANK_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    rank: int
    agency: str
    score: float
    def __init__(self, rank: _Optional[int] = ..., agency: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("kind", "year", "period")
    KIND_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    kind: ReportKind
    year: int
    period: int
    def __init__(self, kind: _Optional[_Union[ReportKind, str]] = ..., year: _Optional[int] = ..., period: _Optional[int] = ...) -> None: ...

class GetReportResponse(_message.Message):
    __slots__ = ("title", "period_jalali", "json", "markdown", "late_agencies", "ranking")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_JALALI_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    LATE_AGENCIES_FIELD_NUMBER: _ClassVar[int]
    RANKING_FIELD_NUMBER: _ClassVar[int]
    title: str
    period_jalali: str
    json: str
    markdown: str
    late_agencies: _containers.RepeatedCompositeFieldContainer[LateAgency]
    ranking: _containers.RepeatedCompositeFieldContainer[AgencyRank]
    def __init__(self, title: _Optional[str] = ..., period_jalali: _Optional[str] = ..., json: _Optional[str] = ..., markdown: _Optional[str] = ..., late_agencies: _Optional[_Iterable[_Union[LateAgency, _Mapping]]] = ..., ranking: _Optional[_Iterable[_Union[AgencyRank, _Mapping]]] = ...) -> None: ...

class ListLateAgenciesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListLateAgenciesResponse(_message.Message):
    __slots__ = ("late_agencies",)
    LATE_AGENCIES_FIELD_NUMBER: _ClassVar[int]
    late_agencies: _containers.RepeatedCompositeFieldContainer[LateAgency]
    def __init__(self, late_agencies: _Optional[_Iterable[_Union[LateAgency, _Mapping]]] = ...) -> None: ...

class ServiceQuality(_message.Message):
    __slots__ = ("agency", "service_code", "delivered", "measures", "share_on_time", "median_over_limit", "share_reworked", "share_in_person", "response_rate", "mean_answers")
    class MeanAnswersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    SHARE_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_OVER_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SHARE_REWORKED_FIELD_NUMBER: _ClassVar[int]
    SHARE_IN_PERSON_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_RATE_FIELD_NUMBER: _ClassVar[int]
    MEAN_ANSWERS_FIELD_NUMBER: _ClassVar[int]
    agency: str
    service_code: str
    delivered: int
    measures: _containers.RepeatedScalarFieldContainer[_catalogue_pb2.QualityMeasure]
    share_on_time: float
    median_over_limit: float
    share_reworked: float
    share_in_person: float
    response_rate: float
    mean_answers: _containers.ScalarMap[str, float]
    def __init__(self, agency: _Optional[str] = ..., service_code: _Optional[str] = ..., delivered: _Optional[int] = ..., measures: _Optional[_Iterable[_Union[_catalogue_pb2.QualityMeasure, str]]] = ..., share_on_time: _Optional[float] = ..., median_over_limit: _Optional[float] = ..., share_reworked: _Optional[float] = ..., share_in_person: _Optional[float] = ..., response_rate: _Optional[float] = ..., mean_answers: _Optional[_Mapping[str, float]] = ...) -> None: ...

class GetServiceQualityRequest(_message.Message):
    __slots__ = ("agency",)
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    agency: str
    def __init__(self, agency: _Optional[str] = ...) -> None: ...

class GetServiceQualityResponse(_message.Message):
    __slots__ = ("services",)
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[ServiceQuality]
    def __init__(self, services: _Optional[_Iterable[_Union[ServiceQuality, _Mapping]]] = ...) -> None: ...
