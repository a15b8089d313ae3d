"""The OpenAPI 3.1 description of the dashboard's read-only JSON (``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]

_TIME = {
    "type": ["object", "null"],
    "properties": {
        "utc": {"type": "string", "description": "UTC, 2026-03-20T20:30:00.000000Z"},
        "jalali": {"type": "string", "description": "Tehran time, Jalali: 1405-01-01 00:00:00"},
    },
}
_KPIS = {
    "type": "object",
    "description": "An agency's (service_code empty) or a service's figures.",
    "properties": {
        "agency": {"type": "string"},
        "service_code": {"type": "string"},
        "cases": {"type": "integer"},
        "open": {"type": "integer"},
        "delivered": {"type": "integer"},
        "rejected": {"type": "integer"},
        "cancelled": {"type": "integer"},
        "median_hours_to_delivery": {"type": ["number", "null"]},
        "p90_hours_to_delivery": {"type": ["number", "null"]},
        "share_delivered_without_visit": {"type": ["number", "null"]},
        "inquiries": {"type": "integer"},
        "share_inquiries_electronic": {"type": ["number", "null"]},
        "ratings": {"type": "integer"},
        "average_satisfaction": {"type": ["number", "null"]},
        "late_deliveries": {"type": "integer"},
        "overdue_open": {"type": "integer"},
        "past_time_limit": {"type": "integer"},
    },
}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def _op(summary: str, schema: dict[str, Any], *params: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": list(params),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                "403": {
                    "description": "This caller may not read it (scoped reads)",
                    "content": {"application/json": {"schema": _ERROR}},
                },
            },
        }
    }


def _path_param(name: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", **extra},
    }


def _with_errors(op: dict[str, Any]) -> dict[str, Any]:
    op["get"]["responses"]["404"] = {
        "description": "Not found",
        "content": {"application/json": {"schema": _ERROR}},
    }
    op["get"]["responses"]["400"] = {
        "description": "Malformed input (e.g. a tracking code with a wrong check character)",
        "content": {"application/json": {"schema": _ERROR}},
    }
    return op


def openapi_document(datasets: list[str]) -> dict[str, Any]:
    """The document; every operation is a GET of public, content-free data."""
    obj: dict[str, Any] = {"type": "object"}
    code = _path_param(
        "code", "A case tracking code, e.g. C-7K2M-9QX4-HAB3-Z (Persian digits accepted)"
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tabadol national-window dashboard API",
            "version": "1",
            "description": (
                "Read-only JSON behind the dashboard's pages: the same figures, unformatted."
                " Everything here is public and content-free (aggregates, catalogue entries,"
                " a case's steps and times, consultation reports, pseudonymous rankings,"
                " signed checkpoints and inclusion proofs). Times are UTC with their Jalali"
                " (Asia/Tehran) form."
            ),
        },
        "paths": {
            "/api/overview": _op(
                "Every agency's KPIs, monthly reports, the quarterly summary, late agencies and the latest feed entries",
                {
                    "type": "object",
                    "properties": {
                        "as_of": _TIME,
                        "position": {
                            "type": "integer",
                            "description": "event log position reflected",
                        },
                        "agencies": {"type": "array", "items": _KPIS},
                        "monthly": {"type": "array", "items": obj},
                        "quarterly": {"type": "array", "items": obj},
                        "quarterly_report": {"type": ["object", "null"]},
                        "late_agencies": {"type": "array", "items": obj},
                        "feed": {"type": "array", "items": obj},
                    },
                },
            ),
            "/api/agencies": _op(
                "Agency codes known to the hub", {"type": "array", "items": {"type": "string"}}
            ),
            "/api/agencies/{code}": _op(
                "One agency: KPIs per service, catalogue entries, monthly reports, calls, extra sections",
                obj,
                _path_param("code", "Agency code, e.g. MOJ"),
            ),
            "/api/cases/{code}": _with_errors(
                _op("A case's status and every step (content-free)", obj, code)
            ),
            "/api/consultations": _op(
                "The 000 annex table, each closed call's 003 report, the digital-citizen ranking",
                obj,
            ),
            "/api/audit/checkpoint": _op(
                "The latest signed checkpoint (C2SP note, witnesses)", {"type": ["object", "null"]}
            ),
            "/api/audit/inclusion/{code}": _with_errors(
                _op(
                    "A case's events with RFC 9162 inclusion proofs, verified against the latest checkpoint",
                    obj,
                    code,
                )
            ),
            "/api/open-data/{name}.{fmt}": _with_errors(
                {
                    "get": {
                        "summary": "An open dataset as CSV or JSON",
                        "parameters": [
                            _path_param("name", "Dataset", enum=datasets),
                            _path_param("fmt", "Format", enum=["csv", "json"]),
                        ],
                        "responses": {
                            "200": {
                                "description": "The dataset",
                                "content": {"text/csv": {}, "application/json": {"schema": obj}},
                            }
                        },
                    }
                }
            ),
        },
    }
