"""OpenTelemetry traces of gRPC in and out (``TABADOL_OTEL=1``), off by default.

OpenTelemetry's own gRPC aio interceptors (``opentelemetry-instrumentation-grpc``) make the
spans: one SERVER span per RPC the hub serves (health checks and reflection excepted) and
one CLIENT span per call to another agency's system, whose W3C ``traceparent`` travels in
the call's metadata, so that system's spans join the caller's trace. The hub adds the
calling agency and the case's tracking code to its SERVER span (:meth:`Tracing.annotate`).

Spans leave by OTLP over gRPC, configured by OpenTelemetry's standard variables, read by
the SDK itself: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (``http://localhost:4317``),
``OTEL_EXPORTER_OTLP_TRACES_*``, ``OTEL_TRACES_SAMPLER``, ``OTEL_BSP_*``,
``OTEL_PROPAGATORS``; the service is ``OTEL_SERVICE_NAME`` or ``service.name`` in
``OTEL_RESOURCE_ATTRIBUTES``, ``tabadol-hub`` when neither names one. The provider is the
hub's own, not the process-global one.

Off, nothing of OpenTelemetry is imported and no interceptor is installed. The packages
come with the ``otel`` extra (``pip install 'tabadol[otel]'``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import grpc

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

__all__ = ["DEFAULT_SERVICE_NAME", "Tracing", "start_tracing"]

DEFAULT_SERVICE_NAME = "tabadol-hub"
_UNTRACED = ("grpc.health.v1.Health", "grpc.reflection.")


@dataclass(frozen=True)
class Tracing:
    """The hub's tracer provider and the interceptors that make its spans."""

    provider: TracerProvider
    server_interceptor: grpc.aio.ServerInterceptor
    client_interceptors: Sequence[grpc.aio.ClientInterceptor]

    @staticmethod
    def annotate(agency: str | None, tracking_code: str) -> None:
        """Name the calling agency and the case on the current span, if it records."""
        from opentelemetry import trace

        span = trace.get_current_span()
        if not span.is_recording():
            return
        if agency:
            span.set_attribute("tabadol.agency", agency)
        if tracking_code:
            span.set_attribute("tabadol.tracking_code", tracking_code)

    def shutdown(self, timeout: float = 2.0) -> None:
        """Export what is left and stop, waiting ``timeout`` seconds at most: the exporter
        retries an unreachable collector for up to OTEL_EXPORTER_OTLP_TIMEOUT (10 s), which
        must not hold up a stop. Blocking: call it off the event loop."""
        stopping = threading.Thread(
            target=self.provider.shutdown, name="tabadol-otel-shutdown", daemon=True
        )
        stopping.start()
        stopping.join(timeout)


def start_tracing() -> Tracing:
    """A tracer provider exporting by OTLP as the ``OTEL_*`` variables say, with the
    instrumentation's aio server and client interceptors bound to it.

    Raises ImportError when the ``otel`` extra is not installed."""
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor
    from opentelemetry.instrumentation.grpc.filters import any_of, negate, service_prefix
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    untraced = negate(any_of(*(service_prefix(prefix) for prefix in _UNTRACED)))
    return Tracing(
        provider=provider,
        server_interceptor=aio_server_interceptor(provider, filter_=untraced),
        client_interceptors=tuple(aio_client_interceptors(provider)),
    )
