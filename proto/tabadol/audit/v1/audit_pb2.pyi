import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignedCheckpoint(_message.Message):
    __slots__ = ("note", "tree_size", "root_hash", "key_id", "signed_at", "last_position")
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    note: str
    tree_size: int
    root_hash: bytes
    key_id: str
    signed_at: _timestamp_pb2.Timestamp
    last_position: int
    def __init__(self, note: _Optional[str] = ..., tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., key_id: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_position: _Optional[int] = ...) -> None: ...

class LoggedEvent(_message.Message):
    __slots__ = ("position", "log_index", "aggregate_id", "version", "topic", "state")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    position: int
    log_index: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes
    def __init__(self, position: _Optional[int] = ..., log_index: _Optional[int] = ..., aggregate_id: _Optional[str] = ..., version: _Optional[int] = ..., topic: _Optional[str] = ..., state: _Optional[bytes] = ...) -> None: ...

class EventInclusion(_message.Message):
    __slots__ = ("event", "audit_path")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    AUDIT_PATH_FIELD_NUMBER: _ClassVar[int]
    event: LoggedEvent
    audit_path: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, event: _Optional[_Union[LoggedEvent, _Mapping]] = ..., audit_path: _Optional[_Iterable[bytes]] = ...) -> None: ...

class GetLatestCheckpointRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetLatestCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: SignedCheckpoint
    def __init__(self, checkpoint: _Optional[_Union[SignedCheckpoint, _Mapping]] = ...) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("event_id", "position", "tracking_code", "tree_size")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    position: int
    tracking_code: str
    tree_size: int
    def __init__(self, event_id: _Optional[str] = ..., position: _Optional[int] = ..., tracking_code: _Optional[str] = ..., tree_size: _Optional[int] = ...) -> None: ...

class GetInclusionProofResponse(_message.Message):
    __slots__ = ("checkpoint", "inclusions")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    INCLUSIONS_FIELD_NUMBER: _ClassVar[int]
    checkpoint: SignedCheckpoint
    inclusions: _containers.RepeatedCompositeFieldContainer[EventInclusion]
    def __init__(self, checkpoint: _Optional[_Union[SignedCheckpoint, _Mapping]] = ..., inclusions: _Optional[_Iterable[_Union[EventInclusion, _Mapping]]] = ...) -> None: ...

class GetConsistencyProofRequest(_message.Message):
    __slots__ = ("old_size", "new_size")
    OLD_SIZE_FIELD_NUMBER: _ClassVar[int]
    NEW_SIZE_FIELD_NUMBER: _ClassVar[int]
    old_size: int
    new_size: int
    def __init__(self, old_size: _Optional[int] = ..., new_size: _Optional[int] = ...) -> None: ...

class GetConsistencyProofResponse(_message.Message):
    __slots__ = ("old_size", "new_size", "proof", "new_checkpoint", "old_checkpoint")
    OLD_SIZE_FIELD_NUMBER: _ClassVar[int]
    NEW_SIZE_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    NEW_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    OLD_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    old_size: int
    new_size: int
    proof: _containers.RepeatedScalarFieldContainer[bytes]
    new_checkpoint: SignedCheckpoint
    old_checkpoint: SignedCheckpoint
    def __init__(self, old_size: _Optional[int] = ..., new_size: _Optional[int] = ..., proof: _Optional[_Iterable[bytes]] = ..., new_checkpoint: _Optional[_Union[SignedCheckpoint, _Mapping]] = ..., old_checkpoint: _Optional[_Union[SignedCheckpoint, _Mapping]] = ...) -> None: ...

class ExportTrailRequest(_message.Message):
    __slots__ = ("from_position",)
    FROM_POSITION_FIELD_NUMBER: _ClassVar[int]
    from_position: int
    def __init__(self, from_position: _Optional[int] = ...) -> None: ...

class ExportTrailResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: LoggedEvent
    def __init__(self, event: _Optional[_Union[LoggedEvent, _Mapping]] = ...) -> None: ...
