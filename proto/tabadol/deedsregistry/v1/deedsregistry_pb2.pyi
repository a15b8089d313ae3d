import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LegalPersonStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEGAL_PERSON_STATUS_UNSPECIFIED: _ClassVar[LegalPersonStatus]
    LEGAL_PERSON_STATUS_ACTIVE: _ClassVar[LegalPersonStatus]
    LEGAL_PERSON_STATUS_DISSOLVED: _ClassVar[LegalPersonStatus]
LEGAL_PERSON_STATUS_UNSPECIFIED: LegalPersonStatus
LEGAL_PERSON_STATUS_ACTIVE: LegalPersonStatus
LEGAL_PERSON_STATUS_DISSOLVED: LegalPersonStatus

class LegalPerson(_message.Message):
    __slots__ = ("national_id", "name", "registration_number", "registration_date_jalali", "status")
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_DATE_JALALI_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    national_id: str
    name: str
    registration_number: str
    registration_date_jalali: str
    status: LegalPersonStatus
    def __init__(self, national_id: _Optional[str] = ..., name: _Optional[str] = ..., registration_number: _Optional[str] = ..., registration_date_jalali: _Optional[str] = ..., status: _Optional[_Union[LegalPersonStatus, str]] = ...) -> None: ...

class InquireLegalPersonRequest(_message.Message):
    __slots__ = ("national_id",)
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    national_id: str
    def __init__(self, national_id: _Optional[str] = ...) -> None: ...

class InquireLegalPersonResponse(_message.Message):
    __slots__ = ("legal_person", "inquiry_tracking_code", "inquired_at")
    LEGAL_PERSON_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    INQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    legal_person: LegalPerson
    inquiry_tracking_code: str
    inquired_at: _timestamp_pb2.Timestamp
    def __init__(self, legal_person: _Optional[_Union[LegalPerson, _Mapping]] = ..., inquiry_tracking_code: _Optional[str] = ..., inquired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyRepresentativeRequest(_message.Message):
    __slots__ = ("national_id", "national_code")
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    national_id: str
    national_code: str
    def __init__(self, national_id: _Optional[str] = ..., national_code: _Optional[str] = ...) -> None: ...

class VerifyRepresentativeResponse(_message.Message):
    __slots__ = ("authorized", "role", "inquiry_tracking_code", "inquired_at")
    AUTHORIZED_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    INQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    authorized: bool
    role: str
    inquiry_tracking_code: str
    inquired_at: _timestamp_pb2.Timestamp
    def __init__(self, authorized: _Optional[bool] = ..., role: _Optional[str] = ..., inquiry_tracking_code: _Optional[str] = ..., inquired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyInquiryRequest(_message.Message):
    __slots__ = ("inquiry_tracking_code",)
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    inquiry_tracking_code: str
    def __init__(self, inquiry_tracking_code: _Optional[str] = ...) -> None: ...

class VerifyInquiryResponse(_message.Message):
    __slots__ = ("authentic", "issued_at", "agency", "case_tracking_code", "inquiry_kind")
    AUTHENTIC_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    CASE_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_KIND_FIELD_NUMBER: _ClassVar[int]
    authentic: bool
    issued_at: _timestamp_pb2.Timestamp
    agency: str
    case_tracking_code: str
    inquiry_kind: str
    def __init__(self, authentic: _Optional[bool] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., agency: _Optional[str] = ..., case_tracking_code: _Optional[str] = ..., inquiry_kind: _Optional[str] = ...) -> None: ...
