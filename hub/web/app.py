"""The ASGI app of the HTTP port: metrics, liveness, readiness, and whatever is mounted."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import REGISTRY, CollectorRegistry, make_asgi_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from hub.telemetry.health import Health

__all__ = ["create_http_app"]


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
        Mount("/metrics", app=make_asgi_app(registry)),
        *extra_routes,
    ]
    return Starlette(routes=routes)
