import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccessGrant(_message.Message):
    __slots__ = ("grant_id", "grantee", "target", "granted_by", "granted_at", "reason", "revoked_by", "revoked_at", "revoke_reason")
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTEE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    GRANTED_BY_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKE_REASON_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    grantee: str
    target: str
    granted_by: str
    granted_at: _timestamp_pb2.Timestamp
    reason: str
    revoked_by: str
    revoked_at: _timestamp_pb2.Timestamp
    revoke_reason: str
    def __init__(self, grant_id: _Optional[str] = ..., grantee: _Optional[str] = ..., target: _Optional[str] = ..., granted_by: _Optional[str] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., revoked_by: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_reason: _Optional[str] = ...) -> None: ...

class AccessGroup(_message.Message):
    __slots__ = ("name", "members")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    members: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., members: _Optional[_Iterable[str]] = ...) -> None: ...

class GrantRequest(_message.Message):
    __slots__ = ("grantee", "target", "reason")
    GRANTEE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    grantee: str
    target: str
    reason: str
    def __init__(self, grantee: _Optional[str] = ..., target: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GrantResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: AccessGrant
    def __init__(self, grant: _Optional[_Union[AccessGrant, _Mapping]] = ...) -> None: ...

class RevokeRequest(_message.Message):
    __slots__ = ("grant_id", "reason")
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    reason: str
    def __init__(self, grant_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: AccessGrant
    def __init__(self, grant: _Optional[_Union[AccessGrant, _Mapping]] = ...) -> None: ...

class ListGrantsRequest(_message.Message):
    __slots__ = ("grantee", "include_revoked")
    GRANTEE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    grantee: str
    include_revoked: bool
    def __init__(self, grantee: _Optional[str] = ..., include_revoked: _Optional[bool] = ...) -> None: ...

class ListGrantsResponse(_message.Message):
    __slots__ = ("grants", "groups")
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[AccessGrant]
    groups: _containers.RepeatedCompositeFieldContainer[AccessGroup]
    def __init__(self, grants: _Optional[_Iterable[_Union[AccessGrant, _Mapping]]] = ..., groups: _Optional[_Iterable[_Union[AccessGroup, _Mapping]]] = ...) -> None: ...

class DefineGroupRequest(_message.Message):
    __slots__ = ("name", "members", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    members: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, name: _Optional[str] = ..., members: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class DefineGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: AccessGroup
    def __init__(self, group: _Optional[_Union[AccessGroup, _Mapping]] = ...) -> None: ...

class AgencyKey(_message.Message):
    __slots__ = ("agency", "key_id", "public_key", "registered_by", "registered_at", "reason", "revoked_by", "revoked_at", "revoke_reason")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKE_REASON_FIELD_NUMBER: _ClassVar[int]
    agency: str
    key_id: str
    public_key: bytes
    registered_by: str
    registered_at: _timestamp_pb2.Timestamp
    reason: str
    revoked_by: str
    revoked_at: _timestamp_pb2.Timestamp
    revoke_reason: str
    def __init__(self, agency: _Optional[str] = ..., key_id: _Optional[str] = ..., public_key: _Optional[bytes] = ..., registered_by: _Optional[str] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., revoked_by: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_reason: _Optional[str] = ...) -> None: ...

class RegisterAgencyKeyRequest(_message.Message):
    __slots__ = ("agency", "public_key", "reason", "replaces_key_id")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REPLACES_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    agency: str
    public_key: bytes
    reason: str
    replaces_key_id: str
    def __init__(self, agency: _Optional[str] = ..., public_key: _Optional[bytes] = ..., reason: _Optional[str] = ..., replaces_key_id: _Optional[str] = ...) -> None: ...

class RegisterAgencyKeyResponse(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: AgencyKey
    def __init__(self, key: _Optional[_Union[AgencyKey, _Mapping]] = ...) -> None: ...

class RevokeAgencyKeyRequest(_message.Message):
    __slots__ = ("key_id", "reason")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    reason: str
    def __init__(self, key_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeAgencyKeyResponse(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: AgencyKey
    def __init__(self, key: _Optional[_Union[AgencyKey, _Mapping]] = ...) -> None: ...

class ListAgencyKeysRequest(_message.Message):
    __slots__ = ("agency", "include_revoked")
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    agency: str
    include_revoked: bool
    def __init__(self, agency: _Optional[str] = ..., include_revoked: _Optional[bool] = ...) -> None: ...

class ListAgencyKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[AgencyKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[AgencyKey, _Mapping]]] = ...) -> None: ...
