"""The standard gRPC health service, telling what :class:`hub.telemetry.health.Health` says:
SERVING or NOT_SERVING per service name, and ``""`` for the whole hub."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from grpc_health.v1 import health, health_pb2

from hub.telemetry.health import Health

__all__ = ["follow_health"]

_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def follow_health(
    state: Health, servicer: health.aio.HealthServicer, services: Sequence[str]
) -> None:
    """Set every service's status now, and again on every change of ``state``."""
    names = (*services, "")
    shown: dict[str, int] = {}
    pending: set[asyncio.Task[None]] = set()

    async def apply() -> None:
        for name in names:
            status = _SERVING if state.serving(name) else _NOT_SERVING
            if shown.get(name) != status:
                shown[name] = status
                await servicer.set(name, status)

    def changed() -> None:
        task = asyncio.get_running_loop().create_task(apply())
        pending.add(task)
        task.add_done_callback(pending.discard)

    await apply()
    state.subscribe(changed)
