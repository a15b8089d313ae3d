"""The national window's dashboard: Persian pages, live overview, read-only JSON.

Mount :func:`dashboard_routes` into the hub's HTTP app, or serve :func:`dashboard_app`.
"""

from hub.web.dashboard.routes import dashboard_app, dashboard_routes
from hub.web.dashboard.sources import DashboardSources, LateAgency, Section

__all__ = ["DashboardSources", "LateAgency", "Section", "dashboard_app", "dashboard_routes"]
