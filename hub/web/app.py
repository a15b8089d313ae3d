"""The ASGI app of the HTTP port: metrics, liveness, readiness, and whatever is mounted."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import REGISTRY, CollectorRegistry, make_asgi_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.telemetry.health import Health

__all__ = ["create_http_app"]


class _AsgiEndpoint:
    """An ASGI app as a Route's endpoint (Starlette wraps plain functions as
    request/response handlers; an instance is called as ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def create_http_app(
    *,
    health: Health,
    registry: CollectorRegistry = REGISTRY,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """``/metrics``, ``/healthz`` and ``/readyz``, then ``extra_routes`` (see hub/web)."""

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> JSONResponse:
        problems = health.problems()
        if problems:
            return JSONResponse({"status": "not ready", "failing": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        # A Route, not a Mount: a Mount answers ``/metrics`` with a 307 to ``/metrics/``,
        # which a plain ``curl`` (and many scrapers' health probes) shows as an empty reply.
        Route("/metrics", _AsgiEndpoint(make_asgi_app(registry)), methods=["GET", "HEAD"]),
        *extra_routes,
    ]
    return Starlette(routes=routes)
