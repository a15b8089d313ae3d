"""``TABADOL_OTEL=1 tabadol demo``: the demo builds its own settings, yet traces as ``serve``
does. Its hub exports to an OTLP collector in the test (``OTEL_EXPORTER_OTLP_ENDPOINT``):
SERVER spans of the story's RPCs, tagged with the agency and the case, and CLIENT spans of
the inquiries to the simulated civil registry in the same traces."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2

from hub.demo.story import run_demo
from tests.integration.test_tracing import Collector

OPEN_CASE = "/tabadol.servicedesk.v1.ServiceDeskService/OpenCase"
MAKE_INQUIRY = "/tabadol.servicedesk.v1.ServiceDeskService/MakeInquiry"


def _attributes(span: trace_pb2.Span) -> dict[str, str]:
    return {a.key: a.value.string_value for a in span.attributes}


@pytest.mark.timeout(240)
async def test_the_demo_traces_with_tabadol_otel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collector = Collector()
    otlp = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, otlp)
    port = otlp.add_insecure_port("127.0.0.1:0")
    await otlp.start()
    monkeypatch.setenv("TABADOL_OTEL", "1")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "tabadol-demo-hub")
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    try:
        assert await run_demo(cases=4, data_dir=tmp_path / "demo") == 0
    finally:
        await otlp.stop(None)  # the hub's stop exported its last spans before run_demo returned
    hub_spans = [span for service, span in collector.spans if service == "tabadol-demo-hub"]
    server = [s for s in hub_spans if s.kind == trace_pb2.Span.SPAN_KIND_SERVER]
    opened = [s for s in server if s.name == OPEN_CASE]
    assert opened, sorted({s.name for s in hub_spans})
    tagged = [_attributes(s) for s in opened if _attributes(s).get("tabadol.tracking_code")]
    assert tagged and all(a.get("tabadol.agency") for a in tagged), tagged
    inquiries = {s.trace_id for s in server if s.name == MAKE_INQUIRY}
    outbound = [
        s
        for s in hub_spans
        if s.kind == trace_pb2.Span.SPAN_KIND_CLIENT and "CivilRegistryService" in s.name
    ]
    assert outbound and {s.trace_id for s in outbound} & inquiries  # one trace, in and out
