"""What every servicer is built from, and the one way a servicer is registered.

Each servicer module has ``register(server, edge) -> service name`` (a :data:`Registrar`);
the composition root (:func:`hub.bootstrap.create_server`) calls every one of them with
one :class:`Edge`, then turns on health and reflection for the names they return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc

from hub.application.exchanges import CaseExchanges
from hub.application.hub import TabadolHub
from hub.audit.checkpoints import AuditLog
from hub.ledger.executor import Executor
from hub.servicers.auth import RightsCache
from projections.monitoring import MonitoringViews

__all__ = ["Edge", "Registrar"]


@dataclass(frozen=True)
class Edge:
    """The application and its helpers, as the gRPC edge sees them (one per server)."""

    hub: TabadolHub
    executor: Executor
    audit_log: AuditLog
    exchanges: CaseExchanges | None = None
    """The connector clients' side; None: the exchange RPCs answer UNIMPLEMENTED."""
    views: MonitoringViews | None = None
    """The monitoring views (embedded projections); None: no MonitoringService here."""
    rights: RightsCache | None = None
    """The rights in force, reloaded at once after a change made through this server."""


Registrar = Callable[[grpc.aio.Server, Edge], "str | None"]
"""Adds one service to ``server``; returns its full name, or None when ``edge`` lacks what
the service needs (then it is not served)."""
