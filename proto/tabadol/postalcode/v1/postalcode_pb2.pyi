import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Address(_message.Message):
    __slots__ = ("postal_code", "province", "city", "address_line")
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_LINE_FIELD_NUMBER: _ClassVar[int]
    postal_code: str
    province: str
    city: str
    address_line: str
    def __init__(self, postal_code: _Optional[str] = ..., province: _Optional[str] = ..., city: _Optional[str] = ..., address_line: _Optional[str] = ...) -> None: ...

class LookupPostalCodeRequest(_message.Message):
    __slots__ = ("postal_code",)
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    postal_code: str
    def __init__(self, postal_code: _Optional[str] = ...) -> None: ...

class LookupPostalCodeResponse(_message.Message):
    __slots__ = ("address", "inquiry_tracking_code", "inquired_at")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    INQUIRED_AT_FIELD_NUMBER: _ClassVar[int]
    address: Address
    inquiry_tracking_code: str
    inquired_at: _timestamp_pb2.Timestamp
    def __init__(self, address: _Optional[_Union[Address, _Mapping]] = ..., inquiry_tracking_code: _Optional[str] = ..., inquired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
