"""The monitoring read models together: which projections feed which views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from projections._sql import SQLProjection, SQLView
from projections.agency_kpis import AgencyKpisProjection, AgencyKpisView
from projections.case_status import CaseStatusProjection, CaseStatusView
from projections.window_feed import WindowFeedProjection, WindowFeedView

__all__ = ["MONITORING", "MonitoringViews"]

MONITORING: tuple[tuple[type[SQLProjection[Any]], type[SQLView]], ...] = (
    (WindowFeedProjection, WindowFeedView),
    (CaseStatusProjection, CaseStatusView),
    (AgencyKpisProjection, AgencyKpisView),
)
"""Each monitoring projection with the interface of its view, by projection name."""


@dataclass(frozen=True)
class MonitoringViews:
    """The views the monitoring service reads."""

    feed: WindowFeedView
    status: CaseStatusView
    kpis: AgencyKpisView

    @classmethod
    def of(cls, views: Sequence[SQLView]) -> MonitoringViews:
        """The three views, in :data:`MONITORING` order."""
        feed, status, kpis = views
        if not (
            isinstance(feed, WindowFeedView)
            and isinstance(status, CaseStatusView)
            and isinstance(kpis, AgencyKpisView)
        ):
            raise TypeError(f"not the monitoring views in order: {views!r}")
        return cls(feed=feed, status=status, kpis=kpis)

    def position(self, application_name: str) -> int:
        """The lowest position all three views have reached (0 before any event)."""
        return min(
            view.max_tracking_id(application_name) or 0
            for view in (self.feed, self.status, self.kpis)
        )

    def close(self) -> None:
        for view in (self.feed, self.status, self.kpis):
            view.datastore.close()
