import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tabadol.servicedesk.v1 import servicedesk_pb2 as _servicedesk_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccessLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCESS_LEVEL_UNSPECIFIED: _ClassVar[AccessLevel]
    ACCESS_LEVEL_INTAKE: _ClassVar[AccessLevel]
    ACCESS_LEVEL_FULL: _ClassVar[AccessLevel]

class CounterKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COUNTER_KIND_UNSPECIFIED: _ClassVar[CounterKind]
    COUNTER_KIND_GOVERNMENT: _ClassVar[CounterKind]
    COUNTER_KIND_NON_GOVERNMENTAL_PUBLIC: _ClassVar[CounterKind]
    COUNTER_KIND_POST_OFFICE: _ClassVar[CounterKind]
ACCESS_LEVEL_UNSPECIFIED: AccessLevel
ACCESS_LEVEL_INTAKE: AccessLevel
ACCESS_LEVEL_FULL: AccessLevel
COUNTER_KIND_UNSPECIFIED: CounterKind
COUNTER_KIND_GOVERNMENT: CounterKind
COUNTER_KIND_NON_GOVERNMENTAL_PUBLIC: CounterKind
COUNTER_KIND_POST_OFFICE: CounterKind

class Counter(_message.Message):
    __slots__ = ("code", "name", "kind", "province", "province_fa", "county", "address", "postal_code", "registered_by", "registered_at")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FA_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: CounterKind
    province: str
    province_fa: str
    county: str
    address: str
    postal_code: str
    registered_by: str
    registered_at: _timestamp_pb2.Timestamp
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[CounterKind, str]] = ..., province: _Optional[str] = ..., province_fa: _Optional[str] = ..., county: _Optional[str] = ..., address: _Optional[str] = ..., postal_code: _Optional[str] = ..., registered_by: _Optional[str] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Delegation(_message.Message):
    __slots__ = ("delegation_id", "agency", "counter", "service_code", "level", "take_payment", "delegated_by", "delegated_at", "reason", "revoked_by", "revoked_at", "revoke_reason")
    DELEGATION_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TAKE_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    DELEGATED_BY_FIELD_NUMBER: _ClassVar[int]
    DELEGATED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKE_REASON_FIELD_NUMBER: _ClassVar[int]
    delegation_id: str
    agency: str
    counter: str
    service_code: str
    level: AccessLevel
    take_payment: bool
    delegated_by: str
    delegated_at: _timestamp_pb2.Timestamp
    reason: str
    revoked_by: str
    revoked_at: _timestamp_pb2.Timestamp
    revoke_reason: str
    def __init__(self, delegation_id: _Optional[str] = ..., agency: _Optional[str] = ..., counter: _Optional[str] = ..., service_code: _Optional[str] = ..., level: _Optional[_Union[AccessLevel, str]] = ..., take_payment: _Optional[bool] = ..., delegated_by: _Optional[str] = ..., delegated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., revoked_by: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_reason: _Optional[str] = ...) -> None: ...

class RegisterCounterRequest(_message.Message):
    __slots__ = ("code", "name", "kind", "province", "county", "address", "postal_code")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: CounterKind
    province: str
    county: str
    address: str
    postal_code: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[CounterKind, str]] = ..., province: _Optional[str] = ..., county: _Optional[str] = ..., address: _Optional[str] = ..., postal_code: _Optional[str] = ...) -> None: ...

class RegisterCounterResponse(_message.Message):
    __slots__ = ("counter",)
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    counter: Counter
    def __init__(self, counter: _Optional[_Union[Counter, _Mapping]] = ...) -> None: ...

class DelegateRequest(_message.Message):
    __slots__ = ("counter", "service_code", "level", "take_payment", "reason")
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TAKE_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    counter: str
    service_code: str
    level: AccessLevel
    take_payment: bool
    reason: str
    def __init__(self, counter: _Optional[str] = ..., service_code: _Optional[str] = ..., level: _Optional[_Union[AccessLevel, str]] = ..., take_payment: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class DelegateResponse(_message.Message):
    __slots__ = ("delegation",)
    DELEGATION_FIELD_NUMBER: _ClassVar[int]
    delegation: Delegation
    def __init__(self, delegation: _Optional[_Union[Delegation, _Mapping]] = ...) -> None: ...

class RevokeDelegationRequest(_message.Message):
    __slots__ = ("delegation_id", "reason")
    DELEGATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delegation_id: str
    reason: str
    def __init__(self, delegation_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeDelegationResponse(_message.Message):
    __slots__ = ("delegation",)
    DELEGATION_FIELD_NUMBER: _ClassVar[int]
    delegation: Delegation
    def __init__(self, delegation: _Optional[_Union[Delegation, _Mapping]] = ...) -> None: ...

class ListDelegationsRequest(_message.Message):
    __slots__ = ("counter", "include_revoked")
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    counter: str
    include_revoked: bool
    def __init__(self, counter: _Optional[str] = ..., include_revoked: _Optional[bool] = ...) -> None: ...

class ListDelegationsResponse(_message.Message):
    __slots__ = ("delegations",)
    DELEGATIONS_FIELD_NUMBER: _ClassVar[int]
    delegations: _containers.RepeatedCompositeFieldContainer[Delegation]
    def __init__(self, delegations: _Optional[_Iterable[_Union[Delegation, _Mapping]]] = ...) -> None: ...

class ListCounterCasesRequest(_message.Message):
    __slots__ = ("counter", "page_size", "page_token", "agency")
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    counter: str
    page_size: int
    page_token: str
    agency: str
    def __init__(self, counter: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., agency: _Optional[str] = ...) -> None: ...

class ListCounterCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[_servicedesk_pb2.Case]
    next_page_token: str
    def __init__(self, cases: _Optional[_Iterable[_Union[_servicedesk_pb2.Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListCountersRequest(_message.Message):
    __slots__ = ("province", "agency")
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    province: str
    agency: str
    def __init__(self, province: _Optional[str] = ..., agency: _Optional[str] = ...) -> None: ...

class DelegatedService(_message.Message):
    __slots__ = ("agency", "service_code", "title_fa", "level", "take_payment")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TAKE_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    agency: str
    service_code: str
    title_fa: str
    level: AccessLevel
    take_payment: bool
    def __init__(self, agency: _Optional[str] = ..., service_code: _Optional[str] = ..., title_fa: _Optional[str] = ..., level: _Optional[_Union[AccessLevel, str]] = ..., take_payment: _Optional[bool] = ...) -> None: ...

class CounterListing(_message.Message):
    __slots__ = ("counter", "services")
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    counter: Counter
    services: _containers.RepeatedCompositeFieldContainer[DelegatedService]
    def __init__(self, counter: _Optional[_Union[Counter, _Mapping]] = ..., services: _Optional[_Iterable[_Union[DelegatedService, _Mapping]]] = ...) -> None: ...

class ListCountersResponse(_message.Message):
    __slots__ = ("counters",)
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    counters: _containers.RepeatedCompositeFieldContainer[CounterListing]
    def __init__(self, counters: _Optional[_Iterable[_Union[CounterListing, _Mapping]]] = ...) -> None: ...
