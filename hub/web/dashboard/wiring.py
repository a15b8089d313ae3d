"""Putting the dashboard's sources together from a running hub (mount the routes with
``hub.bootstrap.start_http(..., extra_routes=dashboard_routes(sources))``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.audit.checkpoints import AuditLog
from hub.ledger.signing import LedgerApplication
from hub.trail.keys import load_history
from projections.monitoring import MonitoringViews

from .audit import TrailAudit
from .counters import COUNTER_DATASETS, counters_section
from .programme import PROGRAMME_DATASETS, ProgrammeHooks
from .sources import AgencySection, DashboardSources

__all__ = ["hub_sources"]


def hub_sources(
    hub: Any,
    views: MonitoringViews,
    *,
    application_name: str,
    audit_log: AuditLog | None = None,
    public_keys: Path | None = None,
    tsa_roots: Sequence[Path] = (),
    clock: Callable[[], datetime] | None = None,
    agency_sections: Sequence[AgencySection] = (),
) -> DashboardSources:
    """The sources of a hub (a ``TabadolHub``): its views, its catalogue, consultations and
    programme use cases, and its audit log checked against the published public-key file."""
    now = clock or (lambda: datetime.now(UTC))
    hooks = ProgrammeHooks.of(hub, views.kpis, now) if isinstance(hub, LedgerApplication) else None
    audit = None
    if audit_log is not None and public_keys is not None and public_keys.exists():
        audit = TrailAudit(audit_log, load_history(public_keys), tsa_roots)
    sections = (*agency_sections, hooks.programme_section) if hooks else tuple(agency_sections)
    datasets = dict(PROGRAMME_DATASETS) if hooks else {}
    counters = getattr(hub, "counters", None)
    if counters is not None:
        sections = (*sections, counters_section(counters))
        datasets.update(COUNTER_DATASETS)

    def dataset(name: str) -> Any:
        if name in COUNTER_DATASETS and counters is not None:
            return counters.open_dataset()
        assert hooks is not None
        return hooks.dataset(name)

    return DashboardSources(
        views=views,
        catalogue=hub.catalogue,
        participation=hub.consultations,
        audit=audit,
        agency_sections=sections,
        late_agencies=hooks.late_agencies if hooks else None,
        quarterly=hooks.quarterly if hooks else None,
        datasets=datasets,
        dataset=dataset if datasets else None,
        clock=now,
        application_name=application_name,
    )
