"""OpenTelemetry traces (TABADOL_OTEL=1) over real gRPC on loopback: a hub on SQLite, the
reference simulators, and an OTLP collector the hub exports to as OTEL_* configures it.

The civil registry here is its reference servicer behind OpenTelemetry's own server
interceptor (spans in memory), as another agency's traced system would be, and behind an
interceptor that keeps the metadata it receives.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from opentelemetry.instrumentation.grpc import aio_server_interceptor
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.civilregistry.v1 import civilregistry_pb2_grpc as civil_pb_grpc

from connectors import synthetic
from connectors._simulation import InquiryCodes
from connectors.civil_registry import simulator as civil_sim
from hub.application.hub import TabadolHub
from hub.bootstrap import Running, create_server, tracing
from hub.config import ConfigError, Settings
from hub.testing import dev_env
from hub.trail.keys import init_keys
from tests.integration.test_case_exchanges import (
    MD,
    SEED,
    HubStubs,
    Simulators,
    inquiry,
    open_case,
    register,
)
from tests.samples import AGENCY

INQUIRY_RPC = "/tabadol.servicedesk.v1.ServiceDeskService/MakeInquiry"
REGISTRY_RPC = "/tabadol.civilregistry.v1.CivilRegistryService/InquirePerson"


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP trace receiver: keeps every span with its resource's service name."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, trace_pb2.Span]] = []

    async def Export(  # noqa: N802  # the RPC's name
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: Any
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                self.spans += [(attributes["service.name"], span) for span in scope.spans]
        return trace_service_pb2.ExportTraceServiceResponse()

    def named(self, name: str) -> trace_pb2.Span:
        (span,) = [span for _, span in self.spans if span.name == name]
        return span


class KeepMetadata(grpc.aio.ServerInterceptor):
    """Keeps the metadata of every call it sees."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        self.seen.append({k: v for k, v in details.invocation_metadata or () if isinstance(v, str)})
        return await continuation(details)


@dataclass
class World(HubStubs):
    running: Running
    channel: grpc.aio.Channel
    collector: Collector
    registry_spans: InMemorySpanExporter
    registry_metadata: KeepMetadata
    stopped: bool = False

    async def stop(self) -> None:
        """Stop the hub (once): its tracing exports what is left on the way."""
        if not self.stopped:
            self.stopped = True
            await self.running.stop(grace=0)

    async def make_civil_inquiry(self) -> str:
        """A case whose service needs civil registration, and that inquiry: its tracking code."""
        await register(self, required_inquiries=[cat.INQUIRY_KIND_CIVIL_REGISTRATION])
        code = await open_case(self)
        made = await self.desk.MakeInquiry(
            inquiry(code, cat.INQUIRY_KIND_CIVIL_REGISTRATION), metadata=MD
        )
        assert made.inquiry.facts == {"alive": "true", "birth_date_matched": "true"}
        return code


@asynccontextmanager
async def world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str
) -> AsyncIterator[World]:
    """A hub whose civil registry is traced and whose OTLP endpoint is a local collector
    (no service name from the environment: the hub's default applies)."""
    collector = Collector()
    otlp = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, otlp)
    otlp_port = otlp.add_insecure_port("127.0.0.1:0")
    await otlp.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{otlp_port}")
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)

    registry_spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(registry_spans))
    registry_metadata = KeepMetadata()
    registry = grpc.aio.server(interceptors=[registry_metadata, aio_server_interceptor(provider)])
    civil_pb_grpc.add_CivilRegistryServiceServicer_to_server(
        civil_sim.CivilRegistryServicer(
            synthetic.people(SEED, 1000), InquiryCodes(SEED, "civil-registry")
        ),
        registry,
    )
    registry_port = registry.add_insecure_port("127.0.0.1:0")
    await registry.start()

    sims = Simulators(tmp_path)
    for name in ("identity", "deeds-registry", "postal-code", "treasury"):
        await sims.start(name)
    targets = {**sims.targets, "civil-registry": f"127.0.0.1:{registry_port}"}
    data = tmp_path / "data"
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(data),
            "TABADOL_EVENT_STORE": f"sqlite:///{data / 'events.sqlite'}",
            "TABADOL_LISTEN": "127.0.0.1:0",
            **{f"TABADOL_{name.upper().replace('-', '_')}_URL": t for name, t in targets.items()},
            **dev_env(data),
            **env,
        }
    )
    signer = init_keys(settings.signing_key, settings.public_keys)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    running = await create_server(hub, settings)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    live = World(running, channel, collector, registry_spans, registry_metadata)
    try:
        yield live
    finally:
        await channel.close()
        await live.stop()
        hub.close()
        await sims.stop_all()
        await registry.stop(None)
        await otlp.stop(None)
        provider.shutdown()


async def test_a_traced_inquiry_is_one_trace_from_the_hub_to_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(tmp_path, monkeypatch, TABADOL_OTEL="1") as live:
        assert live.running.tracing is not None
        code = await live.make_civil_inquiry()
        await live.stop()  # the last batch of spans goes to the collector

        served = live.collector.named(INQUIRY_RPC)
        assert served.kind == trace_pb2.Span.SPAN_KIND_SERVER
        attributes = {a.key: a.value.string_value for a in served.attributes}
        assert attributes["tabadol.agency"] == AGENCY
        assert attributes["tabadol.tracking_code"] == code
        called = live.collector.named(REGISTRY_RPC)
        assert called.kind == trace_pb2.Span.SPAN_KIND_CLIENT
        assert called.trace_id == served.trace_id and called.parent_span_id == served.span_id
        assert {service for service, _ in live.collector.spans} == {"tabadol-hub"}
        assert not [s for _, s in live.collector.spans if s.name.startswith("/grpc.")]

        # The registry got the W3C traceparent: its own span is a child of the hub's call.
        (sent,) = live.registry_metadata.seen
        version, trace_id, parent_id, flags = sent["traceparent"].split("-")
        assert (version, trace_id, parent_id) == ("00", called.trace_id.hex(), called.span_id.hex())
        assert int(flags, 16) & 1  # sampled
        (remote,) = live.registry_spans.get_finished_spans()
        assert remote.kind == SpanKind.SERVER and remote.parent is not None
        assert remote.context.trace_id.to_bytes(16, "big") == called.trace_id
        assert remote.parent.span_id.to_bytes(8, "big") == called.span_id


async def test_without_tabadol_otel_nothing_is_traced_and_nothing_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with world(tmp_path, monkeypatch) as live:
        assert live.running.tracing is None
        await live.make_civil_inquiry()
        await live.stop()
        assert live.collector.spans == []
        (sent,) = live.registry_metadata.seen
        assert "traceparent" not in sent
        (remote,) = live.registry_spans.get_finished_spans()
        assert remote.parent is None  # the registry's own root span: no caller's context


def test_tabadol_otel_without_the_extra_is_a_clear_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.grpc.trace_exporter", None)
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(tmp_path), "TABADOL_OTEL": "1"})
    with pytest.raises(ConfigError, match=r"pip install 'tabadol\[otel\]'"):
        tracing(settings)
    assert tracing(Settings.from_env({"TABADOL_DATA_DIR": str(tmp_path)})) is None
    with pytest.raises(ConfigError, match="TABADOL_OTEL must be 1 or 0"):
        Settings.from_env({"TABADOL_OTEL": "yes"})
