import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ServiceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_TYPE_UNSPECIFIED: _ClassVar[ServiceType]
    SERVICE_TYPE_SOVEREIGN: _ClassVar[ServiceType]
    SERVICE_TYPE_SUPPORTIVE: _ClassVar[ServiceType]
    SERVICE_TYPE_ENTERPRISE: _ClassVar[ServiceType]

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_REQUEST: _ClassVar[Stage]
    STAGE_PRODUCTION: _ClassVar[Stage]
    STAGE_DELIVERY: _ClassVar[Stage]

class InquiryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INQUIRY_KIND_UNSPECIFIED: _ClassVar[InquiryKind]
    INQUIRY_KIND_CIVIL_REGISTRATION: _ClassVar[InquiryKind]
    INQUIRY_KIND_DEEDS_REGISTRY: _ClassVar[InquiryKind]
    INQUIRY_KIND_POSTAL_CODE: _ClassVar[InquiryKind]
SERVICE_TYPE_UNSPECIFIED: ServiceType
SERVICE_TYPE_SOVEREIGN: ServiceType
SERVICE_TYPE_SUPPORTIVE: ServiceType
SERVICE_TYPE_ENTERPRISE: ServiceType
STAGE_UNSPECIFIED: Stage
STAGE_REQUEST: Stage
STAGE_PRODUCTION: Stage
STAGE_DELIVERY: Stage
INQUIRY_KIND_UNSPECIFIED: InquiryKind
INQUIRY_KIND_CIVIL_REGISTRATION: InquiryKind
INQUIRY_KIND_DEEDS_REGISTRY: InquiryKind
INQUIRY_KIND_POSTAL_CODE: InquiryKind

class ProcessStep(_message.Message):
    __slots__ = ("name", "stage", "time_limit_hours")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_HOURS_FIELD_NUMBER: _ClassVar[int]
    name: str
    stage: Stage
    time_limit_hours: int
    def __init__(self, name: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ..., time_limit_hours: _Optional[int] = ...) -> None: ...

class Fee(_message.Message):
    __slots__ = ("tariff_rials", "revenue_account")
    TARIFF_RIALS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    tariff_rials: int
    revenue_account: str
    def __init__(self, tariff_rials: _Optional[int] = ..., revenue_account: _Optional[str] = ...) -> None: ...

class ServiceRecordSpec(_message.Message):
    __slots__ = ("title_fa", "title_en", "legal_basis", "service_type", "owner_agency", "stakeholders", "required_documents", "required_inquiries", "identity_level", "fee", "in_person_required", "process", "units", "evaluation_method", "time_limit_hours")
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    STAKEHOLDERS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    IN_PERSON_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_METHOD_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_HOURS_FIELD_NUMBER: _ClassVar[int]
    title_fa: str
    title_en: str
    legal_basis: str
    service_type: ServiceType
    owner_agency: str
    stakeholders: _containers.RepeatedScalarFieldContainer[str]
    required_documents: _containers.RepeatedScalarFieldContainer[str]
    required_inquiries: _containers.RepeatedScalarFieldContainer[InquiryKind]
    identity_level: int
    fee: Fee
    in_person_required: bool
    process: _containers.RepeatedCompositeFieldContainer[ProcessStep]
    units: _containers.RepeatedScalarFieldContainer[str]
    evaluation_method: str
    time_limit_hours: int
    def __init__(self, title_fa: _Optional[str] = ..., title_en: _Optional[str] = ..., legal_basis: _Optional[str] = ..., service_type: _Optional[_Union[ServiceType, str]] = ..., owner_agency: _Optional[str] = ..., stakeholders: _Optional[_Iterable[str]] = ..., required_documents: _Optional[_Iterable[str]] = ..., required_inquiries: _Optional[_Iterable[_Union[InquiryKind, str]]] = ..., identity_level: _Optional[int] = ..., fee: _Optional[_Union[Fee, _Mapping]] = ..., in_person_required: _Optional[bool] = ..., process: _Optional[_Iterable[_Union[ProcessStep, _Mapping]]] = ..., units: _Optional[_Iterable[str]] = ..., evaluation_method: _Optional[str] = ..., time_limit_hours: _Optional[int] = ...) -> None: ...

class ServiceRecord(_message.Message):
    __slots__ = ("service_code", "revision", "spec", "registered_by", "revised_at", "revised_at_jalali", "revision_reason")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    REVISED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    REVISION_REASON_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    revision: int
    spec: ServiceRecordSpec
    registered_by: str
    revised_at: _timestamp_pb2.Timestamp
    revised_at_jalali: str
    revision_reason: str
    def __init__(self, service_code: _Optional[str] = ..., revision: _Optional[int] = ..., spec: _Optional[_Union[ServiceRecordSpec, _Mapping]] = ..., registered_by: _Optional[str] = ..., revised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revised_at_jalali: _Optional[str] = ..., revision_reason: _Optional[str] = ...) -> None: ...

class RegisterServiceRecordRequest(_message.Message):
    __slots__ = ("service_code", "spec")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    spec: ServiceRecordSpec
    def __init__(self, service_code: _Optional[str] = ..., spec: _Optional[_Union[ServiceRecordSpec, _Mapping]] = ...) -> None: ...

class RegisterServiceRecordResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: ServiceRecord
    def __init__(self, record: _Optional[_Union[ServiceRecord, _Mapping]] = ...) -> None: ...

class ReviseServiceRecordRequest(_message.Message):
    __slots__ = ("service_code", "spec", "reason", "expected_revision")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    spec: ServiceRecordSpec
    reason: str
    expected_revision: int
    def __init__(self, service_code: _Optional[str] = ..., spec: _Optional[_Union[ServiceRecordSpec, _Mapping]] = ..., reason: _Optional[str] = ..., expected_revision: _Optional[int] = ...) -> None: ...

class ReviseServiceRecordResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: ServiceRecord
    def __init__(self, record: _Optional[_Union[ServiceRecord, _Mapping]] = ...) -> None: ...

class GetServiceRecordRequest(_message.Message):
    __slots__ = ("service_code", "revision")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    revision: int
    def __init__(self, service_code: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class GetServiceRecordResponse(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: ServiceRecord
    def __init__(self, record: _Optional[_Union[ServiceRecord, _Mapping]] = ...) -> None: ...

class ListServiceRecordsRequest(_message.Message):
    __slots__ = ("owner_agency",)
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    owner_agency: str
    def __init__(self, owner_agency: _Optional[str] = ...) -> None: ...

class ListServiceRecordsResponse(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ServiceRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[ServiceRecord, _Mapping]]] = ...) -> None: ...
