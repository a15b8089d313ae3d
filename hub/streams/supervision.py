"""Embedded projections supervised: restarted with backoff when they stop, watched for lag.

A projection never stops the hub: one that fails (a database restart broke its
subscription, say) is started again from its tracked position, with a growing pause while
it cannot start; meanwhile, and while a view is behind the log without moving for
``stuck_after`` seconds, the ``projections`` health check fails for the services named.
Each view's position and lag go to ``tabadol_projection_position`` / ``_lag_events``, the
log's head to ``tabadol_log_head_position``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable

import structlog

from hub.streams.projector import EmbeddedProjections
from hub.telemetry import metrics
from hub.telemetry.health import Health

__all__ = ["supervise_projections"]

log = structlog.get_logger("tabadol.projector")

_CHECK = "projections"


async def supervise_projections(
    embedded: EmbeddedProjections,
    health: Health,
    stop: asyncio.Event,
    *,
    stuck_after: float = 30.0,
    affects: Iterable[str] | None = None,
    store_down: Callable[[], bool] = lambda: False,
    interval: float = 1.0,
) -> None:
    """Until ``stop``: restart failed projections, measure lag, report health."""
    services = None if affects is None else tuple(affects)
    backoff, next_try = 0.5, 0.0
    moved: dict[str, tuple[int, float]] = {}
    while not stop.is_set():
        now = time.monotonic()
        failure = embedded.failure()
        if failure is not None:
            health.report(_CHECK, f"{failure[:150]}; restarting", affects=services)
            if now >= next_try:
                try:
                    restarted = await asyncio.to_thread(embedded.restart_failed)
                except Exception as error:  # the store is still down: a longer pause
                    log.warning(
                        "projection cannot restart yet", error=repr(error)[:200], retry_in=backoff
                    )
                    next_try, backoff = now + backoff, min(backoff * 2, 30.0)
                else:
                    log.info("projections restarted", views=restarted)
                    backoff, next_try = 0.5, 0.0
                    moved.clear()
        elif not store_down():
            try:
                positions = await asyncio.wait_for(asyncio.to_thread(embedded.positions), 5.0)
                head = await asyncio.wait_for(asyncio.to_thread(embedded.head), 5.0)
            except Exception as error:  # the store went away meanwhile: next round
                log.debug("projection lag unknown", error=repr(error)[:200])
            else:
                metrics.log_head(head)
                stuck = []
                for name, (position, pending) in positions.items():
                    metrics.projection_position(name, position, pending)
                    last = moved.get(name)
                    if pending == 0 or last is None or last[0] != position:
                        moved[name] = (position, now)
                    elif now - last[1] > stuck_after:
                        stuck.append(
                            f"{name} at {position}, {pending} behind for {now - last[1]:.0f} s"
                        )
                health.report(
                    _CHECK, "stuck: " + "; ".join(stuck) if stuck else None, affects=services
                )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
