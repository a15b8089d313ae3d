"""What the dashboard reads, as narrow interfaces: the monitoring views, the catalogue and
participation use cases, the audit trail, and hooks for sections other rooms add.

The dashboard never writes: every source is a reader. ``TabadolHub.catalogue``
satisfies :class:`Catalogue` and ``TabadolHub.consultations`` :class:`Participation`; :class:`hub.web.dashboard.audit.TrailAudit`
wraps the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from projections.consultation_report import ConsultationReport
from projections.monitoring import MonitoringViews
from projections.participation_table import TableRow

__all__ = [
    "AgencySection",
    "AuditTrail",
    "Catalogue",
    "DashboardSources",
    "LateAgency",
    "Participation",
    "ReadScope",
    "Section",
    "public_reads",
]


class Catalogue(Protocol):
    def list_service_records(self, owner_agency: str | None = None) -> Sequence[Any]:
        """Record views with ``service_code``, ``revision`` and ``spec``."""
        ...


class Participation(Protocol):
    def list_consultations(self, agency: str | None = None) -> Sequence[TableRow]: ...

    def consultation_report(self, tracking_code: str) -> ConsultationReport: ...

    def citizen_ranking(self, limit: int = 10, *, participant: str = "") -> Any:
        """A ranking view whose ``top`` holds score rows."""
        ...


class AuditTrail(Protocol):
    def latest(self) -> Any:
        """The latest signed checkpoint (``CheckpointInfo``) or None."""
        ...

    def check(self, tracking_code: str) -> Any:
        """The inclusion check of a case's events (``InclusionCheck``)."""
        ...


@dataclass(frozen=True)
class Section:
    """A table another room contributes to a page: titles in both languages, column
    titles, rows of plain values (text or numbers)."""

    title_fa: str
    title_en: str
    columns: Sequence[tuple[str, str]]
    rows: Sequence[Sequence[object]]
    note_fa: str = ""
    note_en: str = ""


AgencySection = Callable[[str], Section | None]
"""Given an agency code, its section (programme, counters, petitions' deadlines…) or None."""


@dataclass(frozen=True)
class LateAgency:
    agency: str
    reason_fa: str
    reason_en: str


ReadScope = Callable[[Any, str], bool]
"""(request, resource) → may this caller read it. The seam for the trust room's scoped
reads: today every dashboard resource is public and content-free."""


def public_reads(request: Any, resource: str) -> bool:
    return True


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DashboardSources:
    """Everything the dashboard shows. Only ``views`` is required; a missing source shows
    as "not recorded yet" on its page."""

    views: MonitoringViews
    catalogue: Catalogue | None = None
    participation: Participation | None = None
    audit: AuditTrail | None = None
    agency_sections: Sequence[AgencySection] = ()
    """Extra sections of an agency's page (programme, counters, petitions' deadlines)."""
    late_agencies: Callable[[], Sequence[LateAgency]] | None = None
    """Agencies late against their yearly programme (002 art. 9 n1), when recorded."""
    quarterly: Callable[[], Section | None] | None = None
    """The quarterly report to the Cabinet, when the reports room provides it."""
    datasets: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Open datasets other rooms publish, by name, with their Persian and English titles."""
    dataset: (
        Callable[[str], tuple[Sequence[str], list[dict[str, Any]], list[dict[str, Any]]]] | None
    ) = None
    """(CSV columns, rows, JSON documents) of one of :attr:`datasets`."""
    clock: Callable[[], datetime] = _utc_now
    """The time open cases are judged against."""
    can_read: ReadScope = public_reads
    application_name: str = "Tabadol"
    extra: dict[str, Any] = field(default_factory=dict)
