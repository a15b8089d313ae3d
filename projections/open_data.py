"""Open data (داده باز, 004 art. 18; 002 art. 9): the public aggregates as CSV and JSON.

Only aggregates leave here: counts, shares, hours and averages per agency, service and
Jalali month. No case, no tracking code, no pseudonym. Empty figures ("n/a") are empty
CSV cells and JSON ``null``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from aggregates.jalali import format_jalali
from projections._events import utc_text
from projections.agency_kpis import AgencyKpis, Kpis, MonthlyReport

__all__ = [
    "KPI_COLUMNS",
    "MONTHLY_COLUMNS",
    "OPEN_DATA_FORMAT",
    "kpis_csv",
    "kpis_json",
    "monthly_csv",
    "monthly_json",
    "rows_csv",
    "rows_json",
]

OPEN_DATA_FORMAT = "tabadol-open-data/1"

KPI_COLUMNS: tuple[str, ...] = (
    "agency",
    "service_code",
    "cases",
    "open",
    "delivered",
    "rejected",
    "cancelled",
    "median_hours_to_delivery",
    "p90_hours_to_delivery",
    "share_delivered_without_visit",
    "inquiries",
    "share_inquiries_electronic",
    "ratings",
    "average_satisfaction",
    "late_deliveries",
    "overdue_open",
    "past_time_limit",
)

MONTHLY_COLUMNS: tuple[str, ...] = (
    "agency",
    "month",
    "month_fa",
    "opened",
    "delivered",
    "rejected",
    "cancelled",
    "delivered_without_visit",
    "median_hours_to_delivery",
    "late_deliveries",
    "ratings",
    "average_satisfaction",
    "inquiries",
)


def _rounded(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def _kpi_row(kpis: Kpis) -> dict[str, Any]:
    row = {k: _rounded(v) for k, v in asdict(kpis).items()}
    row["past_time_limit"] = kpis.past_time_limit
    return {column: row[column] for column in KPI_COLUMNS}


def _kpi_rows(agencies: Sequence[AgencyKpis]) -> list[dict[str, Any]]:
    """Each agency's total row (empty service code), then its services' rows."""
    return [_kpi_row(k) for agency in agencies for k in (agency.total, *agency.services)]


def _monthly_row(report: MonthlyReport) -> dict[str, Any]:
    row = {k: _rounded(v) for k, v in asdict(report).items()}
    row["month_fa"] = report.month_fa
    return {column: row[column] for column in MONTHLY_COLUMNS}


def _csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _json(dataset: str, rows: list[dict[str, Any]], as_of: datetime, position: int) -> bytes:
    document = {
        "format": OPEN_DATA_FORMAT,
        "dataset": dataset,
        "as_of": utc_text(as_of),
        "as_of_jalali": format_jalali(as_of),
        "position": position,
        "rows": rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def kpis_csv(agencies: Sequence[AgencyKpis]) -> str:
    """Agency KPIs as CSV (RFC 4180), one row per agency total and per service."""
    return _csv(KPI_COLUMNS, _kpi_rows(agencies))


def kpis_json(agencies: Sequence[AgencyKpis], *, as_of: datetime, position: int) -> bytes:
    """Agency KPIs as a JSON document stamped with the time and log position they reflect."""
    return _json("agency_kpis", _kpi_rows(agencies), as_of, position)


def monthly_csv(reports: Sequence[MonthlyReport]) -> str:
    """Monthly progress reports as CSV, one row per agency and Jalali month."""
    return _csv(MONTHLY_COLUMNS, [_monthly_row(r) for r in reports])


def monthly_json(reports: Sequence[MonthlyReport], *, as_of: datetime, position: int) -> bytes:
    """Monthly progress reports as a JSON document."""
    return _json("monthly_reports", [_monthly_row(r) for r in reports], as_of, position)


def rows_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """Any public dataset's rows as CSV, in ``columns`` order."""
    return _csv(columns, [{c: _rounded(row.get(c)) for c in columns} for row in rows])


def rows_json(
    dataset: str, rows: Sequence[dict[str, Any]], *, as_of: datetime, position: int
) -> bytes:
    """Any public dataset's rows as a JSON document stamped with time and position."""
    return _json(
        dataset, [{k: _rounded(v) for k, v in row.items()} for row in rows], as_of, position
    )
