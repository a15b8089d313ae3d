import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Maturity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATURITY_UNSPECIFIED: _ClassVar[Maturity]
    MATURITY_INFORMATIONAL: _ClassVar[Maturity]
    MATURITY_PARTLY_ELECTRONIC: _ClassVar[Maturity]
    MATURITY_ONLINE: _ClassVar[Maturity]
    MATURITY_SMART: _ClassVar[Maturity]

class RequirementKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUIREMENT_KIND_UNSPECIFIED: _ClassVar[RequirementKind]
    REQUIREMENT_KIND_PERMIT: _ClassVar[RequirementKind]
    REQUIREMENT_KIND_INQUIRY: _ClassVar[RequirementKind]
    REQUIREMENT_KIND_SERVICE: _ClassVar[RequirementKind]

class QualityMeasure(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_MEASURE_UNSPECIFIED: _ClassVar[QualityMeasure]
    QUALITY_MEASURE_TIME_TO_DELIVERY: _ClassVar[QualityMeasure]
    QUALITY_MEASURE_REWORK: _ClassVar[QualityMeasure]
    QUALITY_MEASURE_IN_PERSON_VISITS: _ClassVar[QualityMeasure]
    QUALITY_MEASURE_RESPONSE_RATE: _ClassVar[QualityMeasure]

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
MATURITY_UNSPECIFIED: Maturity
MATURITY_INFORMATIONAL: Maturity
MATURITY_PARTLY_ELECTRONIC: Maturity
MATURITY_ONLINE: Maturity
MATURITY_SMART: Maturity
REQUIREMENT_KIND_UNSPECIFIED: RequirementKind
REQUIREMENT_KIND_PERMIT: RequirementKind
REQUIREMENT_KIND_INQUIRY: RequirementKind
REQUIREMENT_KIND_SERVICE: RequirementKind
QUALITY_MEASURE_UNSPECIFIED: QualityMeasure
QUALITY_MEASURE_TIME_TO_DELIVERY: QualityMeasure
QUALITY_MEASURE_REWORK: QualityMeasure
QUALITY_MEASURE_IN_PERSON_VISITS: QualityMeasure
QUALITY_MEASURE_RESPONSE_RATE: QualityMeasure
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
    __slots__ = ("name", "stage", "time_limit_hours", "on_paper", "automated")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_HOURS_FIELD_NUMBER: _ClassVar[int]
    ON_PAPER_FIELD_NUMBER: _ClassVar[int]
    AUTOMATED_FIELD_NUMBER: _ClassVar[int]
    name: str
    stage: Stage
    time_limit_hours: int
    on_paper: bool
    automated: bool
    def __init__(self, name: _Optional[str] = ..., stage: _Optional[_Union[Stage, str]] = ..., time_limit_hours: _Optional[int] = ..., on_paper: _Optional[bool] = ..., automated: _Optional[bool] = ...) -> None: ...

class RequiredDocument(_message.Message):
    __slots__ = ("name", "json_schema")
    NAME_FIELD_NUMBER: _ClassVar[int]
    JSON_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    name: str
    json_schema: str
    def __init__(self, name: _Optional[str] = ..., json_schema: _Optional[str] = ...) -> None: ...

class ExternalRequirement(_message.Message):
    __slots__ = ("kind", "agency", "name", "reference", "on_paper")
    KIND_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ON_PAPER_FIELD_NUMBER: _ClassVar[int]
    kind: RequirementKind
    agency: str
    name: str
    reference: str
    on_paper: bool
    def __init__(self, kind: _Optional[_Union[RequirementKind, str]] = ..., agency: _Optional[str] = ..., name: _Optional[str] = ..., reference: _Optional[str] = ..., on_paper: _Optional[bool] = ...) -> None: ...

class NonElectronicPlan(_message.Message):
    __slots__ = ("electronic_by", "reasons", "deputy_approval")
    ELECTRONIC_BY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DEPUTY_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    electronic_by: str
    reasons: str
    deputy_approval: str
    def __init__(self, electronic_by: _Optional[str] = ..., reasons: _Optional[str] = ..., deputy_approval: _Optional[str] = ...) -> None: ...

class Question(_message.Message):
    __slots__ = ("key", "text_fa", "text_en")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FA_FIELD_NUMBER: _ClassVar[int]
    TEXT_EN_FIELD_NUMBER: _ClassVar[int]
    key: str
    text_fa: str
    text_en: str
    def __init__(self, key: _Optional[str] = ..., text_fa: _Optional[str] = ..., text_en: _Optional[str] = ...) -> None: ...

class EvaluationMethod(_message.Message):
    __slots__ = ("questions", "scale_min", "scale_max", "measures", "window_days")
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    SCALE_MIN_FIELD_NUMBER: _ClassVar[int]
    SCALE_MAX_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    questions: _containers.RepeatedCompositeFieldContainer[Question]
    scale_min: int
    scale_max: int
    measures: _containers.RepeatedScalarFieldContainer[QualityMeasure]
    window_days: int
    def __init__(self, questions: _Optional[_Iterable[_Union[Question, _Mapping]]] = ..., scale_min: _Optional[int] = ..., scale_max: _Optional[int] = ..., measures: _Optional[_Iterable[_Union[QualityMeasure, str]]] = ..., window_days: _Optional[int] = ...) -> None: ...

class Fee(_message.Message):
    __slots__ = ("tariff_rials", "revenue_account", "legal_permit")
    TARIFF_RIALS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    LEGAL_PERMIT_FIELD_NUMBER: _ClassVar[int]
    tariff_rials: int
    revenue_account: str
    legal_permit: str
    def __init__(self, tariff_rials: _Optional[int] = ..., revenue_account: _Optional[str] = ..., legal_permit: _Optional[str] = ...) -> None: ...

class ServiceRecordSpec(_message.Message):
    __slots__ = ("title_fa", "title_en", "legal_basis", "service_type", "owner_agency", "stakeholders", "required_inquiries", "identity_level", "fee", "in_person_required", "process", "units", "evaluation_method", "time_limit_hours", "required_documents", "legal_identity_level", "in_person_reasons", "external_requirements", "non_electronic", "evaluation")
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    STAKEHOLDERS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_INQUIRIES_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    IN_PERSON_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_METHOD_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_HOURS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    LEGAL_IDENTITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    IN_PERSON_REASONS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    NON_ELECTRONIC_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    title_fa: str
    title_en: str
    legal_basis: str
    service_type: ServiceType
    owner_agency: str
    stakeholders: _containers.RepeatedScalarFieldContainer[str]
    required_inquiries: _containers.RepeatedScalarFieldContainer[InquiryKind]
    identity_level: int
    fee: Fee
    in_person_required: bool
    process: _containers.RepeatedCompositeFieldContainer[ProcessStep]
    units: _containers.RepeatedScalarFieldContainer[str]
    evaluation_method: str
    time_limit_hours: int
    required_documents: _containers.RepeatedCompositeFieldContainer[RequiredDocument]
    legal_identity_level: int
    in_person_reasons: _containers.RepeatedScalarFieldContainer[str]
    external_requirements: _containers.RepeatedCompositeFieldContainer[ExternalRequirement]
    non_electronic: NonElectronicPlan
    evaluation: EvaluationMethod
    def __init__(self, title_fa: _Optional[str] = ..., title_en: _Optional[str] = ..., legal_basis: _Optional[str] = ..., service_type: _Optional[_Union[ServiceType, str]] = ..., owner_agency: _Optional[str] = ..., stakeholders: _Optional[_Iterable[str]] = ..., required_inquiries: _Optional[_Iterable[_Union[InquiryKind, str]]] = ..., identity_level: _Optional[int] = ..., fee: _Optional[_Union[Fee, _Mapping]] = ..., in_person_required: _Optional[bool] = ..., process: _Optional[_Iterable[_Union[ProcessStep, _Mapping]]] = ..., units: _Optional[_Iterable[str]] = ..., evaluation_method: _Optional[str] = ..., time_limit_hours: _Optional[int] = ..., required_documents: _Optional[_Iterable[_Union[RequiredDocument, _Mapping]]] = ..., legal_identity_level: _Optional[int] = ..., in_person_reasons: _Optional[_Iterable[str]] = ..., external_requirements: _Optional[_Iterable[_Union[ExternalRequirement, _Mapping]]] = ..., non_electronic: _Optional[_Union[NonElectronicPlan, _Mapping]] = ..., evaluation: _Optional[_Union[EvaluationMethod, _Mapping]] = ...) -> None: ...

class ServiceRecord(_message.Message):
    __slots__ = ("service_code", "revision", "spec", "registered_by", "revised_at", "revised_at_jalali", "revision_reason", "maturity", "stale", "review_due", "review_due_jalali")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    REVISED_AT_FIELD_NUMBER: _ClassVar[int]
    REVISED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    REVISION_REASON_FIELD_NUMBER: _ClassVar[int]
    MATURITY_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DUE_JALALI_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    revision: int
    spec: ServiceRecordSpec
    registered_by: str
    revised_at: _timestamp_pb2.Timestamp
    revised_at_jalali: str
    revision_reason: str
    maturity: Maturity
    stale: bool
    review_due: _timestamp_pb2.Timestamp
    review_due_jalali: str
    def __init__(self, service_code: _Optional[str] = ..., revision: _Optional[int] = ..., spec: _Optional[_Union[ServiceRecordSpec, _Mapping]] = ..., registered_by: _Optional[str] = ..., revised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revised_at_jalali: _Optional[str] = ..., revision_reason: _Optional[str] = ..., maturity: _Optional[_Union[Maturity, str]] = ..., stale: _Optional[bool] = ..., review_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., review_due_jalali: _Optional[str] = ...) -> None: ...

class CatalogueEntry(_message.Message):
    __slots__ = ("service_code", "title_fa", "title_en", "owner_agency", "maturity", "revision", "revised_at_jalali", "stale", "non_electronic")
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    MATURITY_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    REVISED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    NON_ELECTRONIC_FIELD_NUMBER: _ClassVar[int]
    service_code: str
    title_fa: str
    title_en: str
    owner_agency: str
    maturity: Maturity
    revision: int
    revised_at_jalali: str
    stale: bool
    non_electronic: NonElectronicPlan
    def __init__(self, service_code: _Optional[str] = ..., title_fa: _Optional[str] = ..., title_en: _Optional[str] = ..., owner_agency: _Optional[str] = ..., maturity: _Optional[_Union[Maturity, str]] = ..., revision: _Optional[int] = ..., revised_at_jalali: _Optional[str] = ..., stale: _Optional[bool] = ..., non_electronic: _Optional[_Union[NonElectronicPlan, _Mapping]] = ...) -> None: ...

class ListCatalogueRequest(_message.Message):
    __slots__ = ("owner_agency",)
    OWNER_AGENCY_FIELD_NUMBER: _ClassVar[int]
    owner_agency: str
    def __init__(self, owner_agency: _Optional[str] = ...) -> None: ...

class ListCatalogueResponse(_message.Message):
    __slots__ = ("electronic", "non_electronic", "stale")
    ELECTRONIC_FIELD_NUMBER: _ClassVar[int]
    NON_ELECTRONIC_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    electronic: _containers.RepeatedCompositeFieldContainer[CatalogueEntry]
    non_electronic: _containers.RepeatedCompositeFieldContainer[CatalogueEntry]
    stale: int
    def __init__(self, electronic: _Optional[_Iterable[_Union[CatalogueEntry, _Mapping]]] = ..., non_electronic: _Optional[_Iterable[_Union[CatalogueEntry, _Mapping]]] = ..., stale: _Optional[int] = ...) -> None: ...

class PermitProcedure(_message.Message):
    __slots__ = ("process", "cost_rials", "time_days")
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    COST_RIALS_FIELD_NUMBER: _ClassVar[int]
    TIME_DAYS_FIELD_NUMBER: _ClassVar[int]
    process: _containers.RepeatedScalarFieldContainer[str]
    cost_rials: int
    time_days: int
    def __init__(self, process: _Optional[_Iterable[str]] = ..., cost_rials: _Optional[int] = ..., time_days: _Optional[int] = ...) -> None: ...

class PermitKindSpec(_message.Message):
    __slots__ = ("title_fa", "title_en", "issuer", "legal_basis", "validity_months", "issue", "renewal", "cancellation", "reinstatement")
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_MONTHS_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_FIELD_NUMBER: _ClassVar[int]
    REINSTATEMENT_FIELD_NUMBER: _ClassVar[int]
    title_fa: str
    title_en: str
    issuer: str
    legal_basis: str
    validity_months: int
    issue: PermitProcedure
    renewal: PermitProcedure
    cancellation: PermitProcedure
    reinstatement: PermitProcedure
    def __init__(self, title_fa: _Optional[str] = ..., title_en: _Optional[str] = ..., issuer: _Optional[str] = ..., legal_basis: _Optional[str] = ..., validity_months: _Optional[int] = ..., issue: _Optional[_Union[PermitProcedure, _Mapping]] = ..., renewal: _Optional[_Union[PermitProcedure, _Mapping]] = ..., cancellation: _Optional[_Union[PermitProcedure, _Mapping]] = ..., reinstatement: _Optional[_Union[PermitProcedure, _Mapping]] = ...) -> None: ...

class PermitKind(_message.Message):
    __slots__ = ("code", "revision", "spec", "revised_at_jalali")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    REVISED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    code: str
    revision: int
    spec: PermitKindSpec
    revised_at_jalali: str
    def __init__(self, code: _Optional[str] = ..., revision: _Optional[int] = ..., spec: _Optional[_Union[PermitKindSpec, _Mapping]] = ..., revised_at_jalali: _Optional[str] = ...) -> None: ...

class DefinePermitKindRequest(_message.Message):
    __slots__ = ("code", "spec", "reason")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: str
    spec: PermitKindSpec
    reason: str
    def __init__(self, code: _Optional[str] = ..., spec: _Optional[_Union[PermitKindSpec, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DefinePermitKindResponse(_message.Message):
    __slots__ = ("permit",)
    PERMIT_FIELD_NUMBER: _ClassVar[int]
    permit: PermitKind
    def __init__(self, permit: _Optional[_Union[PermitKind, _Mapping]] = ...) -> None: ...

class GetPermitKindRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class GetPermitKindResponse(_message.Message):
    __slots__ = ("permit",)
    PERMIT_FIELD_NUMBER: _ClassVar[int]
    permit: PermitKind
    def __init__(self, permit: _Optional[_Union[PermitKind, _Mapping]] = ...) -> None: ...

class ListPermitKindsRequest(_message.Message):
    __slots__ = ("issuer",)
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    issuer: str
    def __init__(self, issuer: _Optional[str] = ...) -> None: ...

class ListPermitKindsResponse(_message.Message):
    __slots__ = ("permits",)
    PERMITS_FIELD_NUMBER: _ClassVar[int]
    permits: _containers.RepeatedCompositeFieldContainer[PermitKind]
    def __init__(self, permits: _Optional[_Iterable[_Union[PermitKind, _Mapping]]] = ...) -> None: ...

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
