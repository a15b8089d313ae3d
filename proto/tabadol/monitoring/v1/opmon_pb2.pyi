from tabadol.monitoring.v1 import monitoring_pb2 as _monitoring_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OperationalSide(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATIONAL_SIDE_UNSPECIFIED: _ClassVar[OperationalSide]
    OPERATIONAL_SIDE_HUB: _ClassVar[OperationalSide]
    OPERATIONAL_SIDE_OUTBOUND: _ClassVar[OperationalSide]
OPERATIONAL_SIDE_UNSPECIFIED: OperationalSide
OPERATIONAL_SIDE_HUB: OperationalSide
OPERATIONAL_SIDE_OUTBOUND: OperationalSide

class OperationalRecord(_message.Message):
    __slots__ = ("side", "client_id", "service_id", "request_in_ts", "request_out_ts", "response_in_ts", "response_out_ts", "succeeded", "message_id", "user_id", "request_size", "response_size", "fault_code", "fault_string", "tracking_code")
    SIDE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_IN_TS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_OUT_TS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_IN_TS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_OUT_TS_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SIZE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_SIZE_FIELD_NUMBER: _ClassVar[int]
    FAULT_CODE_FIELD_NUMBER: _ClassVar[int]
    FAULT_STRING_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    side: OperationalSide
    client_id: str
    service_id: str
    request_in_ts: int
    request_out_ts: int
    response_in_ts: int
    response_out_ts: int
    succeeded: bool
    message_id: str
    user_id: str
    request_size: int
    response_size: int
    fault_code: str
    fault_string: str
    tracking_code: str
    def __init__(self, side: _Optional[_Union[OperationalSide, str]] = ..., client_id: _Optional[str] = ..., service_id: _Optional[str] = ..., request_in_ts: _Optional[int] = ..., request_out_ts: _Optional[int] = ..., response_in_ts: _Optional[int] = ..., response_out_ts: _Optional[int] = ..., succeeded: _Optional[bool] = ..., message_id: _Optional[str] = ..., user_id: _Optional[str] = ..., request_size: _Optional[int] = ..., response_size: _Optional[int] = ..., fault_code: _Optional[str] = ..., fault_string: _Optional[str] = ..., tracking_code: _Optional[str] = ...) -> None: ...

class ListOperationalRecordsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "since_ms", "until_ms", "service_id", "tracking_code")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SINCE_MS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_MS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    since_ms: int
    until_ms: int
    service_id: str
    tracking_code: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., since_ms: _Optional[int] = ..., until_ms: _Optional[int] = ..., service_id: _Optional[str] = ..., tracking_code: _Optional[str] = ...) -> None: ...

class ListOperationalRecordsResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[OperationalRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[OperationalRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetOperationalOpenDataRequest(_message.Message):
    __slots__ = ("format",)
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    format: _monitoring_pb2.OpenDataFormat
    def __init__(self, format: _Optional[_Union[_monitoring_pb2.OpenDataFormat, str]] = ...) -> None: ...

class GetOperationalOpenDataResponse(_message.Message):
    __slots__ = ("content_type", "document")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    document: bytes
    def __init__(self, content_type: _Optional[str] = ..., document: _Optional[bytes] = ...) -> None: ...
