"""Health as the hub knows it: named checks, each passing or failing with a reason.

A check is reported by the room that owns what it watches (the store probe, the
projection monitor, the checkpointer) and may name the gRPC services it affects; the
gRPC health service (per service name, and ``""`` for the whole hub) and ``/readyz``
both read one :class:`Health`. Listeners hear every change of verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import structlog

from hub.telemetry import metrics

__all__ = ["Health"]

log = structlog.get_logger("tabadol.health")

_REASON_LIMIT = 200


@dataclass(frozen=True)
class _Problem:
    reason: str
    affects: frozenset[str] | None  # None: every service


class Health:
    """The current verdict of every check; the hub is ready when none fails."""

    def __init__(self) -> None:
        self._problems: dict[str, _Problem] = {}
        self._listeners: list[Callable[[], None]] = []

    def report(
        self, check: str, problem: str | None, *, affects: Iterable[str] | None = None
    ) -> None:
        """``problem`` None: the check passes; otherwise why it fails, and (``affects``)
        which services it makes unable to serve (None: all of them)."""
        before = self._problems.get(check)
        if problem is None:
            if before is None:
                metrics.set_check(check, True)
                return
            del self._problems[check]
            log.info("health check passes again", check=check)
        else:
            new = _Problem(problem[:_REASON_LIMIT], None if affects is None else frozenset(affects))
            if before == new:
                return
            self._problems[check] = new
            if before is None:
                log.warning("health check fails", check=check, reason=new.reason)
        metrics.set_check(check, problem is None)
        for listener in list(self._listeners):
            listener()

    @property
    def ready(self) -> bool:
        return not self._problems

    def problems(self) -> dict[str, str]:
        """Failing check → reason."""
        return {check: problem.reason for check, problem in self._problems.items()}

    def serving(self, service: str) -> bool:
        """Whether ``service`` can serve (``""``: the whole hub, i.e. :attr:`ready`)."""
        if not service:
            return self.ready
        return not any(p.affects is None or service in p.affects for p in self._problems.values())

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on the reporting thread: the event loop) on every change."""
        self._listeners.append(listener)
