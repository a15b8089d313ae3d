"""The dashboard's data, page by page, as JSON-ready primitives.

The HTML pages and ``/api/…`` read the same functions, so the JSON is exactly what the
pages show (numbers unformatted, times as UTC ISO text next to their Jalali form). All of
it is public and content-free: aggregates, catalogue entries, a case's steps and times,
consultation reports, pseudonymous rankings, checkpoint heads and proofs.
Blocking (SQL views, the event store): call from a worker thread.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from aggregates.errors import DomainError
from aggregates.jalali import format_jalali
from projections._events import utc_text
from projections.agency_kpis import Kpis, MonthlyReport
from projections.case_status import CaseProgress
from projections.consultation_report import ConsultationReport
from projections.open_data import kpis_csv, kpis_json, monthly_csv, monthly_json
from projections.participation_table import TableRow

from .sources import DashboardSources, LateAgency, Section

__all__ = [
    "DATASETS",
    "agency_page",
    "audit_page",
    "case_page",
    "consultations_page",
    "dataset",
    "datasets",
    "overview",
    "quarter_of",
]

QUARTERS_FA = ("بهار", "تابستان", "پاییز", "زمستان")
QUARTERS_EN = ("spring", "summer", "autumn", "winter")

DATASETS: dict[str, tuple[str, str]] = {
    "agency_kpis": ("شاخص‌های دستگاه‌ها و خدمات", "Agency and service KPIs"),
    "monthly_reports": ("گزارش‌های ماهانه پیشرفت", "Monthly progress reports"),
    "quarterly_summary": ("خلاصه فصلی", "Quarterly summary"),
    "consultations": ("جدول فراخوان‌ها (پیوست ۰۰۰)", "Table of calls (000 annex)"),
}


def _time(moment: datetime | None) -> dict[str, str] | None:
    if moment is None:
        return None
    return {
        "utc": utc_text(moment),
        "jalali": format_jalali(moment),
        "jalali_date": format_jalali(moment, with_time=False),
    }


def kpis_dict(k: Kpis) -> dict[str, Any]:
    row = asdict(k)
    row["past_time_limit"] = k.past_time_limit
    return row


def monthly_dict(r: MonthlyReport) -> dict[str, Any]:
    row = asdict(r)
    row["month_fa"] = r.month_fa
    return row


def quarter_of(month: str) -> str:
    """``1405-09`` → ``1405-Q3`` (Jalali quarters: spring is the first)."""
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


_SUMMED = (
    "opened",
    "delivered",
    "rejected",
    "cancelled",
    "delivered_without_visit",
    "late_deliveries",
    "ratings",
    "inquiries",
)


def quarterly_summary(reports: Sequence[MonthlyReport]) -> list[dict[str, Any]]:
    """The monthly reports summed by agency and Jalali quarter (counts only: medians and
    averages do not add up, so they stay in the monthly table)."""
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_SUMMED, 0))
    for r in reports:
        row = sums[(r.agency, quarter_of(r.month))]
        for name in _SUMMED:
            row[name] += getattr(r, name)
    out = []
    for (agency, quarter), row in sorted(sums.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        year, q = quarter.split("-Q")
        out.append(
            {
                "agency": agency,
                "quarter": quarter,
                "quarter_fa": f"{QUARTERS_FA[int(q) - 1]} {year}",
                "quarter_en": f"{QUARTERS_EN[int(q) - 1]} {year}",
                **row,
            }
        )
    return out


def _section(section: Section) -> dict[str, Any]:
    return {
        "title": {"fa": section.title_fa, "en": section.title_en},
        "columns": [{"fa": fa, "en": en} for fa, en in section.columns],
        "rows": [list(r) for r in section.rows],
        "note": {"fa": section.note_fa, "en": section.note_en},
    }


def _late(src: DashboardSources, totals: Sequence[Kpis]) -> list[dict[str, Any]]:
    late: list[LateAgency] = list(src.late_agencies()) if src.late_agencies else []
    rows: list[dict[str, Any]] = [
        {"agency": a.agency, "basis": "programme", "reason": {"fa": a.reason_fa, "en": a.reason_en}}
        for a in late
    ]
    for k in totals:
        if k.past_time_limit:
            rows.append(
                {
                    "agency": k.agency,
                    "basis": "cases",
                    "late_cases": k.past_time_limit,
                    "delivered_late": k.late_deliveries,
                    "open_overdue": k.overdue_open,
                }
            )
    return rows


def overview(src: DashboardSources) -> dict[str, Any]:
    """Every agency's KPIs, the monthly trends, the quarterly report, the late agencies and
    the latest national-window events."""
    now = src.clock()
    agencies = src.views.kpis.agency_kpis(now)
    monthly = src.views.kpis.monthly_reports()
    position = src.views.position(src.application_name)
    totals = [a.total for a in agencies]
    feed = src.views.feed.entries(max(position - 400, 0), 500, "")[-8:]
    quarterly = src.quarterly() if src.quarterly else None
    return {
        "as_of": _time(now),
        "position": position,
        "agencies": [kpis_dict(k) for k in totals],
        "monthly": [monthly_dict(r) for r in monthly],
        "quarterly": quarterly_summary(monthly),
        "quarterly_report": _section(quarterly) if quarterly else None,
        "late_agencies": _late(src, totals),
        "feed": [
            {
                "position": e.position,
                "kind": e.kind,
                "agency": e.agency,
                "service_code": e.service_code,
                "tracking_code": e.tracking_code,
                "step": e.step,
                "at": _time(e.at),
            }
            for e in reversed(feed)
        ],
    }


def _record(view: Any) -> dict[str, Any]:
    spec = view.spec
    maturity = getattr(spec, "maturity", None)
    return {
        "service_code": view.service_code,
        "revision": view.revision,
        "title": {"fa": spec.title_fa, "en": spec.title_en},
        "in_person_required": spec.in_person_required,
        "steps": len(spec.process),
        "time_limit_hours": spec.time_limit_hours,
        "maturity": None if maturity is None else str(getattr(maturity, "name", maturity)).lower(),
        "revised_at": _time(view.revised_at),
    }


def agency_page(src: DashboardSources, agency: str) -> dict[str, Any]:
    agency = agency.upper()
    now = src.clock()
    kpis = src.views.kpis.agency_kpis(now, agency)
    records = src.catalogue.list_service_records(agency) if src.catalogue else []
    calls = src.participation.list_consultations(agency) if src.participation else []
    sections = [s for s in (hook(agency) for hook in src.agency_sections) if s is not None]
    return {
        "agency": agency,
        "as_of": _time(now),
        "total": kpis_dict(kpis[0].total) if kpis else None,
        "services": [kpis_dict(s) for s in kpis[0].services] if kpis else [],
        "records": [_record(r) for r in records],
        "monthly": [monthly_dict(r) for r in src.views.kpis.monthly_reports(agency)],
        "consultations": [_table_row(r) for r in calls],
        "sections": [_section(s) for s in sections],
    }


def agency_codes(src: DashboardSources) -> list[str]:
    codes = {a.total.agency for a in src.views.kpis.agency_kpis(src.clock())}
    if src.catalogue:
        codes |= {r.spec.owner_agency for r in src.catalogue.list_service_records()}
    if src.participation:
        codes |= {r.agency for r in src.participation.list_consultations()}
    return sorted(codes)


def case_page(src: DashboardSources, tracking_code: str) -> dict[str, Any]:
    """A case's status and every step (raises NotFound / InvalidInput)."""
    p: CaseProgress = src.views.status.progress(tracking_code)
    return {
        "tracking_code": p.tracking_code,
        "agency": p.agency,
        "service_code": p.service_code,
        "status": p.status,
        "stage": p.stage,
        "opened_at": _time(p.opened_at),
        "due_at": _time(p.due_at),
        "closed_at": _time(p.closed_at),
        "overdue": p.overdue(src.clock()),
        "score": p.score,
        "steps": [
            {"kind": s.kind, "stage": s.stage, "step": s.step, "score": s.score, "at": _time(s.at)}
            for s in p.steps
        ],
        "position": p.position,
    }


def _doc(ref: Any) -> dict[str, str] | None:
    return None if ref is None else {"sha256": ref.sha256, "url": ref.url}


def _table_row(r: TableRow) -> dict[str, Any]:
    return {
        "row": r.row,
        "tracking_code": r.tracking_code,
        "agency": r.agency,
        "unit": r.unit,
        "kind": {"key": r.kind.value, "fa": r.kind.title_fa, "en": r.kind.title_en},
        "title": {"fa": r.title_fa, "en": r.title_en},
        "draft": _doc(r.draft),
        "opens_at": _time(r.opens_at),
        "closes_at": _time(r.closes_at),
        "period_jalali": r.period_jalali,
        "participation_type": r.participation_type.value,
        "final_version": _doc(r.final_version),
    }


def _report(report: ConsultationReport) -> dict[str, Any]:
    data = report.to_dict()
    data["suggestions"] = [
        {**s, "reason": s["reason"]} for s in data["suggestions"]
    ]  # reasons are the unit's public answer
    return data


def consultations_page(src: DashboardSources) -> dict[str, Any]:
    if src.participation is None:
        return {"calls": [], "reports": {}, "ranking": []}
    rows = src.participation.list_consultations()
    reports: dict[str, Any] = {}
    for r in rows:
        try:
            reports[r.tracking_code] = _report(
                src.participation.consultation_report(r.tracking_code)
            )
        except DomainError:
            reports[r.tracking_code] = None  # still open: the report comes after the close
    ranking = src.participation.citizen_ranking(10).top
    return {
        "calls": [_table_row(r) for r in rows],
        "reports": reports,
        "ranking": [asdict(row) for row in ranking],
    }


def audit_page(src: DashboardSources, tracking_code: str = "") -> dict[str, Any]:
    if src.audit is None:
        return {"checkpoint": None, "check": None}
    latest = src.audit.latest()
    checkpoint = None
    if latest is not None:
        checkpoint = {
            **asdict(latest),
            "signed_at": _time(latest.signed_at),
            "timestamp_at": _time(latest.timestamp_at),
        }
    check = None
    if tracking_code.strip():
        check = asdict(src.audit.check(tracking_code))
    return {"checkpoint": checkpoint, "check": check}


def datasets(src: DashboardSources) -> dict[str, tuple[str, str]]:
    """Every open dataset the dashboard offers, by name: its own and other rooms'."""
    return {**DATASETS, **src.datasets}


def _plain_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    out = io.StringIO()
    if rows or columns:
        names = list(columns) if columns is not None else list(rows[0])
        writer = csv.DictWriter(out, fieldnames=names, lineterminator="\r\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def _plain_json(name: str, rows: Sequence[Any], now: datetime, position: int) -> bytes:
    document = {
        "format": "tabadol-open-data/1",
        "dataset": name,
        "as_of": utc_text(now),
        "as_of_jalali": format_jalali(now),
        "position": position,
        "rows": rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def _flat_call(r: TableRow) -> dict[str, Any]:
    return {
        "row": r.row,
        "tracking_code": r.tracking_code,
        "agency": r.agency,
        "unit": r.unit,
        "kind": r.kind.value,
        "title_fa": r.title_fa,
        "title_en": r.title_en,
        "draft_url": r.draft.url,
        "draft_sha256": r.draft.sha256,
        "opens_on_jalali": format_jalali(r.opens_at, with_time=False),
        "closes_on_jalali": format_jalali(r.closes_at, with_time=False),
        "participation_type": r.participation_type.value,
        "final_version_url": r.final_version.url if r.final_version else "",
    }


def dataset(src: DashboardSources, name: str, fmt: str) -> tuple[bytes, str]:
    """An open dataset as (bytes, media type); KeyError for an unknown name or format."""
    if fmt not in ("csv", "json"):
        raise KeyError(fmt)
    now = src.clock()
    position = src.views.position(src.application_name)
    as_json = fmt == "json"
    if name == "agency_kpis":
        kpis = src.views.kpis.agency_kpis(now)
        data: bytes | str = (
            kpis_json(kpis, as_of=now, position=position) if as_json else kpis_csv(kpis)
        )
    elif name == "monthly_reports":
        reports = src.views.kpis.monthly_reports()
        data = (
            monthly_json(reports, as_of=now, position=position) if as_json else monthly_csv(reports)
        )
    elif name == "quarterly_summary":
        rows = quarterly_summary(src.views.kpis.monthly_reports())
        data = _plain_json(name, rows, now, position) if as_json else _plain_csv(rows)
    elif name == "consultations":
        calls = src.participation.list_consultations() if src.participation else []
        rows = [_flat_call(r) for r in calls]
        data = _plain_json(name, rows, now, position) if as_json else _plain_csv(rows)
    elif name in src.datasets and src.dataset is not None:
        columns, rows, documents = src.dataset(name)
        data = _plain_json(name, documents, now, position) if as_json else _plain_csv(rows, columns)
    else:
        raise KeyError(name)
    media = "application/json" if as_json else "text/csv; charset=utf-8"
    return (data if isinstance(data, bytes) else data.encode("utf-8")), media
