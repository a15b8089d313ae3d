"""Every RPC of the hub fuzzed with hypothesis: whatever a client sends, the answer is never
UNKNOWN or INTERNAL (no hub code fails unexpectedly), and a call that is refused writes
nothing (no partial writes). Requests are built from the services' descriptors, so a new
RPC is fuzzed without touching this file."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc

from hub.application.hub import TabadolHub
from hub.bootstrap import Running, create_server, projection_options
from hub.config import Settings
from hub.streams.projector import EmbeddedProjections
from hub.testing import dev_env
from hub.trail.keys import init_keys
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

BAD = (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL)
TEXT = st.one_of(
    st.sampled_from(
        ["", " ", "\u200f\u200d", "MOJ", SERVICE_CODE, applicant(), "1405/01/01", "2026-12-10",
         "C-7K2M-9QX4-HAB3-Z", "x" * 5000, "ک" * 300, "\x00", "web", "1:1", "-1"]
    ),
    st.text(max_size=40),
)  # fmt: skip
INTS = st.one_of(st.sampled_from([0, 1, -1, 2**31 - 1, -(2**31)]), st.integers(-(2**31), 2**31 - 1))
UINTS = st.one_of(st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64 - 1]), st.integers(0, 2**64 - 1))
INT64 = st.one_of(st.sampled_from([0, -1, 2**63 - 1, -(2**63)]), st.integers(-(2**63), 2**63 - 1))


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    t = field.type
    if t == FieldDescriptor.TYPE_STRING:
        return TEXT
    if t == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if t == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if t == FieldDescriptor.TYPE_ENUM:
        return st.sampled_from([v.number for v in field.enum_type.values] + [999])
    if t in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return UINTS
    if t in (
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_SFIXED64,
    ):
        return INT64
    if t in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=True, width=32)
    return INTS


def message(desc: Descriptor, depth: int = 0) -> st.SearchStrategy[Any]:
    cls = message_factory.GetMessageClass(desc)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        msg = cls()
        for field in desc.fields:
            if not draw(st.booleans()):
                continue
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if depth >= 2 or field.message_type.GetOptions().map_entry:
                    continue
                items = draw(st.lists(message(field.message_type, depth + 1), max_size=2)) if field.is_repeated else [draw(message(field.message_type, depth + 1))]  # fmt: skip
                target = getattr(msg, field.name)
                for item in items:
                    (target.add() if field.is_repeated else target).CopyFrom(item)
                continue
            values = draw(st.lists(_scalar(field), max_size=3)) if field.is_repeated else [draw(_scalar(field))]  # fmt: skip
            if field.is_repeated:
                getattr(msg, field.name).extend(values)
            else:
                setattr(msg, field.name, values[0])
        return msg

    return build()


@dataclass
class Live:
    running: Running
    hub: TabadolHub
    loop: asyncio.AbstractEventLoop


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(data),
            "TABADOL_LISTEN": "127.0.0.1:0",
            # no refusal summary is flushed mid-fuzz: "a refusal writes nothing" compares
            # the log's position before and after one call
            "TABADOL_REFUSAL_WINDOW_SECONDS": "3600",
            **dev_env(data),
        }
    )
    signer = init_keys(settings_.signing_key, settings_.public_keys)
    hub = TabadolHub(signer, env=settings_.eventsourcing_env())
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    embedded = EmbeddedProjections(settings_, projection_options(settings_))
    views = embedded.start()
    running = asyncio.run_coroutine_threadsafe(
        create_server(hub, settings_, views=views), loop
    ).result(60)
    try:
        yield Live(running, hub, loop)
    finally:
        asyncio.run_coroutine_threadsafe(running.stop(grace=0), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        embedded.close()
        hub.close()


def methods(live: Live) -> list[MethodDescriptor]:
    pool = descriptor_pool.Default()
    return [
        method
        for name in live.running.services
        if not name.startswith("test.")
        for method in pool.FindServiceByName(name).methods
    ]


def _position(hub: TabadolHub) -> int:
    return int(hub.recorder.max_notification_id() or 0)


def _fuzz(live: Live, channel: grpc.Channel, method: MethodDescriptor, codes: set[str]) -> None:
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    path = f"/{method.containing_service.full_name}/{method.name}"
    encode, decode = request_class.SerializeToString, response_class.FromString
    stream = method.server_streaming
    unary = channel.unary_unary(path, encode, decode)
    streaming = channel.unary_stream(path, encode, decode)
    harmless = (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)

    @settings(
        max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(request=message(method.input_type), agency=st.sampled_from(AGENCIES))
    def fuzz(request: Any, agency: str) -> None:
        before = _position(live.hub)
        metadata = (("x-tabadol-agency", agency),)
        try:
            if stream:
                for _ in streaming(request, metadata=metadata, timeout=1):
                    break
            else:
                unary(request, metadata=metadata, timeout=10)
            code = grpc.StatusCode.OK
        except grpc.RpcError as error:
            code = error.code()  # type: ignore[attr-defined]
            assert code not in BAD, (path, request, error)
            # a refusal writes nothing (PERMISSION_DENIED records the refusal, on purpose)
            if code not in (*harmless, grpc.StatusCode.PERMISSION_DENIED):
                assert _position(live.hub) == before, f"{path} refused ({code}) but wrote"
        codes.add(code.name)

    fuzz()


AGENCIES = [AGENCY, "MOI", "", "x" * 300]


def test_no_rpc_answers_unknown_or_internal_and_a_refusal_writes_nothing(live: Live) -> None:
    found = methods(live)
    assert len(found) >= 40, [m.full_name for m in found]
    with grpc.insecure_channel(f"127.0.0.1:{live.running.port}") as channel:
        catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
            metadata=(("x-tabadol-agency", AGENCY),),
        )  # a record for the fuzzed cases to be opened under
        codes: dict[str, set[str]] = {}
        for method in found:
            _fuzz(live, channel, method, codes.setdefault(method.full_name, set()))
    refused = [name for name, seen in codes.items() if seen - {"OK"}]
    assert len(refused) > len(codes) // 2, codes  # the fuzz did reach the checks
