import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Gender(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENDER_UNSPECIFIED: _ClassVar[Gender]
    GENDER_MALE: _ClassVar[Gender]
    GENDER_FEMALE: _ClassVar[Gender]
GENDER_UNSPECIFIED: Gender
GENDER_MALE: Gender
GENDER_FEMALE: Gender

class Person(_message.Message):
    __slots__ = ("national_code", "first_name", "last_name", "father_name", "gender", "birth_date_jalali", "alive")
    NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    FATHER_NAME_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_JALALI_FIELD_NUMBER: _ClassVar[int]
    ALIVE_FIELD_NUMBER: _ClassVar[int]
    national_code: str
    first_name: str
    last_name: str
    father_name: str
    gender: Gender
    birth_date_jalali: str
    alive: bool
    def __init__(self, national_code: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., father_name: _Optional[str] = ..., gender: _Optional[_Union[Gender, str]] = ..., birth_date_jalali: _Optional[str] = ..., alive: _Optional[bool] = ...) -> None: ...

class InquirePersonRequest(_message.Message):
    __slots__ = ("national_code", "birth_date_jalali")
    NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_JALALI_FIELD_NUMBER: _ClassVar[int]
    national_code: str
    birth_date_jalali: str
    def __init__(self, national_code: _Optional[str] = ..., birth_date_jalali: _Optional[str] = ...) -> None: ...

class InquirePersonResponse(_message.Message):
    __slots__ = ("person", "inquiry_tracking_code", "inquired_at")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    INQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    person: Person
    inquiry_tracking_code: str
    inquired_at: _timestamp_pb2.Timestamp
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ..., inquiry_tracking_code: _Optional[str] = ..., inquired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class InquireBirthCertificateRequest(_message.Message):
    __slots__ = ("national_code", "serial", "series")
    NATIONAL_CODE_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    national_code: str
    serial: str
    series: str
    def __init__(self, national_code: _Optional[str] = ..., serial: _Optional[str] = ..., series: _Optional[str] = ...) -> None: ...

class InquireBirthCertificateResponse(_message.Message):
    __slots__ = ("person", "inquiry_tracking_code", "inquired_at")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    INQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    person: Person
    inquiry_tracking_code: str
    inquired_at: _timestamp_pb2.Timestamp
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ..., inquiry_tracking_code: _Optional[str] = ..., inquired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyInquiryRequest(_message.Message):
    __slots__ = ("inquiry_tracking_code",)
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    inquiry_tracking_code: str
    def __init__(self, inquiry_tracking_code: _Optional[str] = ...) -> None: ...

class VerifyInquiryResponse(_message.Message):
    __slots__ = ("authentic", "issued_at", "issued_at_jalali", "national_code_masked", "agency", "case_tracking_code", "inquiry_kind")
    AUTHENTIC_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_CODE_MASKED_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    CASE_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_KIND_FIELD_NUMBER: _ClassVar[int]
    authentic: bool
    issued_at: _timestamp_pb2.Timestamp
    issued_at_jalali: str
    national_code_masked: str
    agency: str
    case_tracking_code: str
    inquiry_kind: str
    def __init__(self, authentic: _Optional[bool] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issued_at_jalali: _Optional[str] = ..., national_code_masked: _Optional[str] = ..., agency: _Optional[str] = ..., case_tracking_code: _Optional[str] = ..., inquiry_kind: _Optional[str] = ...) -> None: ...
