"""The agencies' programmes, the public catalogue's lines, the permits registry and the
reports built on them (002 art. 3 n1, 6-9; 004 art. 4-5, 18-19): use cases on primitives.

:class:`ProgrammeUseCases` takes the ledger application it reads and writes; the report
builders themselves are plain functions in :mod:`projections.programme_reports`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import jdatetime
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from aggregates.errors import AlreadyExists, InvalidInput, NotFound
from aggregates.identifiers import AgencyCode
from aggregates.jalali import JALALI_YEARS, TEHRAN
from aggregates.permit import PermitKind, PermitKindSpec, parse_permit_code
from aggregates.programme import (
    AgencyProgramme,
    ProgrammeItem,
    ProgressEntry,
    minimum_items,
)
from aggregates.service_record import Maturity, ServiceRecord
from hub.application.errors import AccessDenied
from hub.ledger.signing import LedgerApplication
from projections.agency_kpis import AgencyKpisView, ServiceQuality
from projections.programme_reports import (
    CatalogueLine,
    LateAgency,
    ProgrammeFacts,
    Report,
    ReportPeriod,
    build_report,
    catalogue_lines,
    late_agencies,
)

__all__ = [
    "CATALOGUE_COLUMNS",
    "PERMIT_COLUMNS",
    "PROGRAMME_COLUMNS",
    "REPORT_COLUMNS",
    "PermitView",
    "ProgrammeUseCases",
    "ProgrammeView",
    "jalali_today",
]

CATALOGUE_COLUMNS = tuple(f.name for f in fields(CatalogueLine))
PERMIT_COLUMNS = (
    "code",
    "issuer",
    "title_fa",
    "title_en",
    "legal_basis",
    "validity_months",
    *(
        f"{action}_{part}"
        for action in ("issue", "renewal", "cancellation", "reinstatement")
        for part in ("process", "cost_rials", "time_days")
    ),
    "revision",
)
PROGRAMME_COLUMNS = (
    "agency",
    "year",
    "service_code",
    "priority",
    "axes",
    "depends_on",
    "due_month",
    "maturity",
    "reported_month",
    "reported_status",
    "reported_percent",
)
REPORT_COLUMNS = (
    "kind",
    "year",
    "number",
    "period",
    "agency",
    "services",
    "electronic",
    "smart",
    "programme_items",
    "programme_achieved",
    "delivered",
    "share_on_time",
    "average_satisfaction",
    "inquiries",
    "late",
    "rank",
    "score",
)


def _permit_row(p: PermitView) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": p.code,
        "issuer": p.spec.issuer,
        "title_fa": p.spec.title_fa,
        "title_en": p.spec.title_en,
        "legal_basis": p.spec.legal_basis,
        "validity_months": p.spec.validity_months,
        "revision": p.revision,
    }
    for action in ("issue", "renewal", "cancellation", "reinstatement"):
        procedure = getattr(p.spec, action)
        row[f"{action}_process"] = " › ".join(procedure.process) if procedure else None
        row[f"{action}_cost_rials"] = procedure.cost_rials if procedure else None
        row[f"{action}_time_days"] = procedure.time_days if procedure else None
    return row


def _report_rows(report: Report) -> list[dict[str, Any]]:
    quality = {q.agency: q for q in report.quality}
    ranks = {r.agency: r for r in report.ranking}
    late = {x.agency for x in report.late}
    rows = []
    for p in report.progress:
        q = quality.get(p.agency)
        rank = ranks.get(p.agency)
        rows.append(
            {
                "kind": report.kind,
                "year": report.year,
                "number": report.number,
                "period": report.period_jalali,
                "agency": p.agency,
                "services": p.services,
                "electronic": p.electronic,
                "smart": p.smart,
                "programme_items": p.programme_items,
                "programme_achieved": p.programme_achieved,
                "delivered": q.delivered if q else 0,
                "share_on_time": q.share_on_time if q else None,
                "average_satisfaction": q.average_satisfaction if q else None,
                "inquiries": q.inquiries if q else 0,
                "late": p.agency in late,
                "rank": rank.rank if rank else None,
                "score": rank.score if rank else None,
            }
        )
    return rows


_A = TypeVar("_A", AgencyProgramme, PermitKind)
_PAGE = 500
_RETRIES = 5


def _utc_now() -> datetime:
    return datetime.now(UTC)


def jalali_today(now: datetime) -> tuple[int, int]:
    """(Jalali year, month) in Tehran at ``now``."""
    local = now.astimezone(TEHRAN)
    j = jdatetime.date.fromgregorian(date=local.date())
    return int(j.year), int(j.month)


@dataclass(frozen=True)
class ProgrammeView:
    agency: str
    year: int
    items: tuple[ProgrammeItem, ...]
    maturity: dict[str, Maturity | None]  # by service code, in the catalogue now
    services_total: int
    minimum_items: int
    reports: dict[int, tuple[ProgressEntry, ...]]
    submitted_at: datetime


@dataclass(frozen=True)
class PermitView:
    code: str
    revision: int
    spec: PermitKindSpec
    revised_at: datetime


def _permit_view(p: PermitKind) -> PermitView:
    return PermitView(p.code, p.version, p.spec, p.modified_on)


class ProgrammeUseCases:
    """Programmes, progress reports, catalogue lines, permits and reports."""

    def __init__(self, app: LedgerApplication, now: Callable[[], datetime] | None = None) -> None:
        self._app = app
        self._now = now or (lambda: getattr(app, "clock", _utc_now)())

    # --- reading the log ---------------------------------------------------------------

    def _ids(self, topic: str) -> Iterator[UUID]:
        start = 1
        while True:
            page = self._app.recorder.select_notifications(start, _PAGE, topics=[topic])
            yield from (UUID(str(n.originator_id)) for n in page)
            if len(page) < _PAGE:
                return
            start = page[-1].id + 1

    def _records(self) -> list[ServiceRecord]:
        return [self._app.repository.get(i) for i in self._ids(ServiceRecord.Registered.TOPIC)]

    def _programmes(self) -> list[AgencyProgramme]:
        return [self._app.repository.get(i) for i in self._ids(AgencyProgramme.Submitted.TOPIC)]

    def _save_new(self, aggregate: AgencyProgramme | PermitKind, what: str, key: str) -> None:
        try:
            self._app.save(aggregate)
        except IntegrityError:
            raise AlreadyExists(what, key) from None

    def _update(self, aggregate_id: UUID, command: Callable[[_A], None], what: str, key: str) -> _A:
        for attempt in range(_RETRIES):
            try:
                aggregate: _A = self._app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                raise NotFound(what, key) from None
            command(aggregate)
            try:
                self._app.save(aggregate)
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
                continue
            return aggregate
        raise AssertionError("unreachable")  # pragma: no cover

    # --- the public catalogue (004 art. 4 n1; 002 art. 3 n1) ---------------------------

    def catalogue(self, owner_agency: str | None = None) -> list[CatalogueLine]:
        """Every service as the public reads it, by code; electronic or not, and stale."""
        owner = AgencyCode.parse(owner_agency).value if owner_agency else None
        lines = catalogue_lines(
            (
                (r.service_code, r.revision, r.spec, r.revised_at)
                for r in self._records()
                if owner is None or r.spec.owner_agency == owner
            ),
            self._now(),
        )
        return lines

    # --- programmes (002 art. 6-7, 9 n1) ----------------------------------------------

    def submit_programme(
        self, year: int, items: Sequence[ProgrammeItem], *, by: str
    ) -> ProgrammeView:
        """``by``'s programme for Jalali ``year``, against the catalogue as it is now."""
        agency = AgencyCode.parse(by, field="agency").value
        records = self._records()
        own = [r.service_code for r in records if r.spec.owner_agency == agency]
        others = {
            r.service_code: r.spec.owner_agency for r in records if r.spec.owner_agency != agency
        }
        programme = AgencyProgramme.submit(
            agency, year, items, own_services=own, other_services=others, by=by
        )
        self._save_new(programme, "programme", f"{agency} {year}")
        return self._view(programme, records)

    def report_progress(
        self, year: int, month: int, entries: Sequence[ProgressEntry], *, by: str
    ) -> ProgrammeView:
        """``by``'s monthly progress report for ``year``-``month`` (a signed event)."""
        agency = AgencyCode.parse(by, field="agency").value
        now_year, now_month = jalali_today(self._now())
        current = 13 if now_year > year else (now_month if now_year == year else 0)

        def report(programme: AgencyProgramme) -> None:
            programme.report_progress(month, entries, current_month=current, by=by)

        key = f"{agency} {year}"
        programme = self._update(AgencyProgramme.create_id(agency, year), report, "programme", key)
        return self._view(programme, self._records())

    def get_programme(self, agency: str, year: int) -> ProgrammeView:
        code = AgencyCode.parse(agency, field="agency").value
        try:
            programme: AgencyProgramme = self._app.repository.get(
                AgencyProgramme.create_id(code, year)
            )
        except AggregateNotFoundError:
            raise NotFound("programme", f"{code} {year}") from None
        return self._view(programme, self._records())

    def programme_facts(self) -> list[ProgrammeFacts]:
        return [
            ProgrammeFacts(
                p.agency, p.year, p.items, p.services_total, p.created_on, dict(p.reports)
            )
            for p in self._programmes()
        ]

    def _view(self, p: AgencyProgramme, records: Sequence[ServiceRecord]) -> ProgrammeView:
        levels = {r.service_code: r.spec.maturity for r in records}
        return ProgrammeView(
            agency=p.agency,
            year=p.year,
            items=p.items,
            maturity={i.service_code: levels.get(i.service_code) for i in p.items},
            services_total=p.services_total,
            minimum_items=minimum_items(p.services_total),
            reports=dict(p.reports),
            submitted_at=p.created_on,
        )

    # --- reports (002 art. 9 n1; 004 preamble, art. 18-19) ------------------------------

    def report(
        self, kind: str, year: int, number: int, kpis: AgencyKpisView | None = None
    ) -> Report:
        """The quarterly, four-monthly or annual report; with the KPI view, service quality
        and online inquiries too."""
        if not JALALI_YEARS[0] <= year <= JALALI_YEARS[1]:  # jdatetime raises past them
            raise InvalidInput.field(
                "year", f"must be a Jalali year {JALALI_YEARS[0]}–{JALALI_YEARS[1]}, got {year}"
            )
        try:
            period = ReportPeriod(kind, year, number if kind != "annual" else 1)
        except ValueError as error:
            raise InvalidInput.field("period", str(error)) from None
        facts = kpis.quality_facts() if kpis else []
        return build_report(
            period,
            catalogue=self.catalogue(),
            programmes=self.programme_facts(),
            cases=facts,
            inquiries=kpis.inquiries() if kpis else [],
            services_quality=kpis.service_quality() if kpis else [],
            now=self._now(),
        )

    def late_agencies(self) -> list[LateAgency]:
        """The agencies late now against this year's programme."""
        now = self._now()
        year, _ = jalali_today(now)
        return late_agencies(year, self.programme_facts(), self.catalogue(), now)

    @staticmethod
    def service_quality(kpis: AgencyKpisView, agency: str | None = None) -> list[ServiceQuality]:
        return kpis.service_quality(AgencyCode.parse(agency).value if agency else None)

    # --- open data (002 art. 9 n2) -------------------------------------------------------

    def open_dataset(
        self, name: str, kpis: AgencyKpisView | None = None
    ) -> tuple[tuple[str, ...], list[dict[str, Any]], list[dict[str, Any]]]:
        """(CSV columns, rows, JSON documents) of a public dataset: catalogue, permits,
        programmes or reports (this year's, as far as they have begun)."""
        if name == "catalogue":
            rows = [asdict(line) for line in self.catalogue()]
            return CATALOGUE_COLUMNS, rows, rows
        if name == "permits":
            rows = [_permit_row(p) for p in self.list_permit_kinds()]
            return PERMIT_COLUMNS, rows, rows
        if name == "programmes":
            rows = self._programme_rows()
            return PROGRAMME_COLUMNS, rows, rows
        if name == "reports":
            reports = self._reports_this_year(kpis)
            rows = [row for r in reports for row in _report_rows(r)]
            return REPORT_COLUMNS, rows, [r.to_dict() for r in reports]
        raise InvalidInput.field("dataset", f"unknown dataset {name!r}")

    def _programme_rows(self) -> list[dict[str, Any]]:
        levels = {line.service_code: line.maturity for line in self.catalogue()}
        rows = []
        for p in self.programme_facts():
            latest = max(p.reports, default=0)
            said = {e.service_code: e for e in p.reports.get(latest, ())}
            for item in p.items:
                entry = said.get(item.service_code)
                rows.append(
                    {
                        "agency": p.agency,
                        "year": p.year,
                        "service_code": item.service_code,
                        "priority": item.priority,
                        "axes": " ".join(a.value for a in item.axes),
                        "depends_on": " ".join(item.depends_on),
                        "due_month": item.due_month,
                        "maturity": levels.get(item.service_code, ""),
                        "reported_month": latest or None,
                        "reported_status": entry.status.value if entry else None,
                        "reported_percent": entry.percent if entry else None,
                    }
                )
        return rows

    def _reports_this_year(self, kpis: AgencyKpisView | None) -> list[Report]:
        year, month = jalali_today(self._now())
        reports = [self.report("quarterly", year, q, kpis) for q in range(1, (month - 1) // 3 + 2)]
        reports += [
            self.report("four_monthly", year, f, kpis) for f in range(1, (month - 1) // 4 + 2)
        ]
        reports += [
            self.report("semiannual", year, h, kpis) for h in range(1, (month - 1) // 6 + 2)
        ]
        reports.append(self.report("annual", year, 1, kpis))
        return reports

    # --- the permits registry (004 art. 5 n) --------------------------------------------

    def define_permit_kind(
        self, code: str, spec: PermitKindSpec, *, reason: str = "", by: str
    ) -> PermitView:
        """Register a permit kind, or revise it when it exists; only its issuer may."""
        checked_code = parse_permit_code(code)
        issuer = spec.issuer.strip().upper() if isinstance(spec.issuer, str) else ""
        if issuer and issuer != by:
            raise AccessDenied(f"agency {by} may not define a permit issued by {issuer}")
        permit_id = PermitKind.create_id(checked_code)
        try:
            self._app.repository.get(permit_id)
        except AggregateNotFoundError:
            permit = PermitKind.define(checked_code, spec, by=by)
            self._save_new(permit, "permit kind", checked_code)
            return _permit_view(permit)

        def revise(permit: PermitKind) -> None:
            permit.revise(spec, reason, by=by)

        updated = self._update(permit_id, revise, "permit kind", checked_code)
        return _permit_view(updated)

    def get_permit_kind(self, code: str) -> PermitView:
        checked = parse_permit_code(code)
        try:
            return _permit_view(self._app.repository.get(PermitKind.create_id(checked)))
        except AggregateNotFoundError:
            raise NotFound("permit kind", checked) from None

    def list_permit_kinds(self, issuer: str | None = None) -> list[PermitView]:
        code = AgencyCode.parse(issuer).value if issuer else None
        permits = [
            _permit_view(self._app.repository.get(i)) for i in self._ids(PermitKind.Defined.TOPIC)
        ]
        return sorted(
            (p for p in permits if code is None or p.spec.issuer == code), key=lambda p: p.code
        )
