"""The dashboard's routes: Persian pages, live updates, read-only JSON and its OpenAPI.

``dashboard_routes(sources)`` gives Starlette routes to mount into the hub's HTTP app;
``dashboard_app(sources)`` wraps them in an app of their own. Pages are Jinja2 templates
rendered on the server; charts are SVG from :mod:`hub.web.dashboard.charts`; the only
script is ``live.js``, which swaps the overview's live region when the server sends a
new one over server-sent events (``/live``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from aggregates.errors import DomainError, InvalidInput, NotFound

from . import charts, data
from .i18n import (
    LANGS,
    Labels,
    agency_name,
    digits,
    fmt_hours,
    fmt_number,
    fmt_share,
    label,
    persian_date,
)
from .openapi import openapi_document
from .sources import DashboardSources

__all__ = ["dashboard_app", "dashboard_routes"]

_HERE = Path(__file__).parent
_JSON_HEADERS = {"Cache-Control": "no-store"}


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


class _Dashboard:
    def __init__(self, sources: DashboardSources, poll_interval: float) -> None:
        self.src = sources
        self.poll = poll_interval
        self.env = _env()

    # --- rendering ------------------------------------------------------------------------

    def _lang(self, request: Request) -> str:
        lang = request.query_params.get("lang", "fa")
        return lang if lang in LANGS else "fa"

    def _context(self, query: Mapping[str, str], path: str, lang: str, page: str) -> dict[str, Any]:
        def url(path: str, **params: str) -> str:
            query = {k: v for k, v in params.items() if v}
            if lang != "fa":
                query["lang"] = lang
            return path + ("?" + urlencode(query) if query else "")

        other = "en" if lang == "fa" else "fa"
        toggle = dict(query)
        toggle["lang"] = other
        if other == "fa":
            toggle.pop("lang")
        return {
            "lang": lang,
            "dir": "rtl" if lang == "fa" else "ltr",
            "page": page,
            "t": Labels(lang),
            "url": url,
            "toggle_url": path + ("?" + urlencode(toggle) if toggle else ""),
            "num": lambda v, places=0: fmt_number(v, lang, places),
            "share": lambda v: fmt_share(v, lang),
            "dg": lambda text: digits(str(text), lang),
            "lbl": lambda word: label(str(word), lang),
            "agency_name": lambda code: agency_name(code, lang),
            "prov": lambda key: _province(key, lang),
            "bi": lambda pair: (pair or {}).get(lang) or (pair or {}).get("fa", ""),
            "when": lambda t: (
                (persian_date(t["jalali"]) if lang == "fa" else t["jalali"]) if t else "—"
            ),
            "hours": lambda h: fmt_hours(h, lang),
            "day": lambda t: (
                (persian_date(t["jalali_date"]) if lang == "fa" else t["jalali_date"]) if t else "—"
            ),
        }

    def _html(
        self, request: Request, template: str, page: str, status: int = 200, **values: Any
    ) -> HTMLResponse:
        lang = self._lang(request)
        context = {**self._context(request.query_params, request.url.path, lang, page), **values}
        body = self.env.get_template(template).render(context)
        return HTMLResponse(body, status_code=status)

    def _fragment(self, lang: str, template: str, **values: Any) -> str:
        query = {"lang": lang} if lang != "fa" else {}
        context = self._context(query, "/", lang, "overview")
        return self.env.get_template(template).render({**context, **values})

    def _allowed(self, request: Request, resource: str) -> bool:
        return self.src.can_read(request, resource)

    # --- overview ---------------------------------------------------------------------------

    def _overview_charts(self, o: dict[str, Any], lang: str) -> dict[str, Markup]:
        t = Labels(lang)
        per_agency = [(agency_name(a["agency"], lang), a["cases"]) for a in o["agencies"]]
        month_label = {
            m["month"]: m["month_fa"] if lang == "fa" else m["month"] for m in o["monthly"]
        }
        months = sorted(month_label)
        trend = [
            (month_label[m["month"]], agency_name(m["agency"], lang), m["opened"])
            for month in months
            for m in o["monthly"]
            if m["month"] == month
        ]
        return {
            "cases": Markup(  # noqa: S704 - SVG rendered by vl-convert from our own spec
                charts.bar_chart(
                    per_agency,
                    x_title=t("agency"),
                    y_title=t("cases"),
                    lang=lang,
                    description=t("cases"),
                )
            ),
            "trend": Markup(  # noqa: S704
                charts.grouped_bar_chart(
                    trend,
                    x_title=t("month"),
                    y_title=t("opened"),
                    series_title=t("agency"),
                    lang=lang,
                    description=t("trends"),
                )
            ),
        }

    def _live_region(self, lang: str) -> str:
        o = data.overview(self.src)
        return self._fragment(lang, "_live.html", o=o, charts=self._overview_charts(o, lang))

    async def overview(self, request: Request) -> Response:
        lang = self._lang(request)
        live = await run_in_threadpool(self._live_region, lang)
        return self._html(request, "overview.html", "overview", live=Markup(live))  # noqa: S704

    async def live(self, request: Request) -> Response:
        """Server-sent events: the overview's live region each time the log moves."""
        lang = self._lang(request)

        async def stream() -> AsyncIterator[str]:
            position = -1
            idle = 0.0
            yield "retry: 1000\n\n"
            while True:
                now_at = await run_in_threadpool(self.src.views.position, self.src.application_name)
                if now_at != position:
                    if position >= 0:
                        html = await run_in_threadpool(self._live_region, lang)
                        lines = "".join(f"data: {line}\n" for line in html.splitlines())
                        yield f"event: overview\nid: {now_at}\n{lines}\n"
                    position = now_at
                    idle = 0.0
                elif idle >= 15:
                    yield ": keep-alive\n\n"
                    idle = 0.0
                await asyncio.sleep(self.poll)
                idle += self.poll

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    # --- pages ------------------------------------------------------------------------------

    async def agencies(self, request: Request) -> Response:
        codes = await run_in_threadpool(data.agency_codes, self.src)
        return self._html(request, "agencies.html", "agencies", codes=codes)

    async def agency(self, request: Request) -> Response:
        code = request.path_params["code"]
        a = await run_in_threadpool(data.agency_page, self.src, code)
        lang = self._lang(request)
        t = Labels(lang)
        monthly = [
            (m["month_fa"] if lang == "fa" else m["month"], m["opened"]) for m in a["monthly"]
        ]
        chart = await run_in_threadpool(
            charts.bar_chart,
            monthly,
            x_title=t("month"),
            y_title=t("opened"),
            lang=lang,
            description=t("progress_reports"),
        )
        return self._html(
            request,
            "agency.html",
            "agencies",
            a=a,
            monthly_chart=Markup(chart),  # noqa: S704
        )

    async def case(self, request: Request) -> Response:
        code = request.query_params.get("code", "").strip()
        if not code:
            return self._html(request, "case.html", "case", code="", c=None, error="")
        try:
            c = await run_in_threadpool(data.case_page, self.src, code)
        except NotFound:
            return self._html(
                request, "case.html", "case", 404, code=code, c=None, error="not_found"
            )
        except InvalidInput:
            return self._html(
                request, "case.html", "case", 400, code=code, c=None, error="bad_code"
            )
        return self._html(request, "case.html", "case", code=code, c=c, error="")

    async def consultations(self, request: Request) -> Response:
        lang = self._lang(request)
        page = await run_in_threadpool(data.consultations_page, self.src)
        figures = await run_in_threadpool(self._report_charts, page["reports"], lang)
        return self._html(request, "consultations.html", "consultations", p=page, figures=figures)

    def _report_charts(self, reports: dict[str, Any], lang: str) -> dict[str, dict[str, Markup]]:
        t = Labels(lang)
        out: dict[str, dict[str, Markup]] = {}
        for code, report in reports.items():
            if report is None:
                continue
            people = report["participants"]
            out[code] = {}
            names: dict[str, Callable[[str], str]] = {
                "by_age_band": lambda k: digits(label(k, lang), lang),
                "by_gender": lambda k: label(k, lang),
                "by_province": lambda k: _province(k, lang),
            }
            for key, title in (
                ("by_age_band", "by_age"),
                ("by_gender", "by_gender"),
                ("by_province", "by_province"),
            ):
                rows = [(names[key](k), n) for k, n in people[key].items()]
                out[code][key] = Markup(  # noqa: S704
                    charts.bar_chart(
                        rows,
                        x_title=t(title),
                        y_title=t("participants"),
                        lang=lang,
                        description=f"{t(title)} — {code}",
                        width=300,
                        horizontal=key == "by_province",
                    )
                )
        return out

    async def audit(self, request: Request) -> Response:
        code = request.query_params.get("code", "").strip()
        error = ""
        try:
            page = await run_in_threadpool(data.audit_page, self.src, code)
        except DomainError as exc:
            page = await run_in_threadpool(data.audit_page, self.src, "")
            error = str(exc)
        return self._html(request, "audit.html", "audit", code=code, p=page, error=error)

    async def open_data(self, request: Request) -> Response:
        return self._html(request, "open_data.html", "open_data", datasets=data.datasets(self.src))

    async def download(self, request: Request) -> Response:
        name, fmt = request.path_params["name"], request.path_params["fmt"]
        if not self._allowed(request, f"open_data:{name}"):
            return JSONResponse({"error": "not allowed"}, status_code=403)
        try:
            body, media = await run_in_threadpool(data.dataset, self.src, name, fmt)
        except KeyError:
            return JSONResponse({"error": f"no dataset {name}.{fmt}"}, status_code=404)
        except DomainError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
        )

    # --- JSON -------------------------------------------------------------------------------

    def _api(self, resource: str, build: Callable[..., Any], *keys: str) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            if not self._allowed(request, resource):
                return JSONResponse({"error": "not allowed"}, status_code=403)
            args = [request.path_params[k] for k in keys]
            try:
                body = await run_in_threadpool(build, self.src, *args)
            except NotFound as exc:
                return JSONResponse({"error": str(exc)}, status_code=404, headers=_JSON_HEADERS)
            except DomainError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400, headers=_JSON_HEADERS)
            return Response(
                json.dumps(body, ensure_ascii=False, default=str),
                media_type="application/json",
                headers=_JSON_HEADERS,
            )

        return endpoint

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(list(data.datasets(self.src))))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.overview, name="dashboard_overview"),
            Route("/live", self.live, name="dashboard_live"),
            Route("/agencies", self.agencies),
            Route("/agencies/{code:str}", self.agency),
            Route("/case", self.case),
            Route("/consultations", self.consultations),
            Route("/audit", self.audit),
            Route("/open-data", self.open_data),
            Route("/open-data/{name:str}.{fmt:str}", self.download),
            Route("/api/openapi.json", self.openapi),
            Route("/api/overview", self._api("overview", data.overview)),
            Route("/api/agencies", self._api("agencies", data.agency_codes)),
            Route("/api/agencies/{code:str}", self._api("agency", data.agency_page, "code")),
            Route("/api/cases/{code:str}", self._api("case", data.case_page, "code")),
            Route("/api/consultations", self._api("consultations", data.consultations_page)),
            Route("/api/audit/checkpoint", self._api("audit", _checkpoint_only)),
            Route("/api/audit/inclusion/{code:str}", self._api("audit", _inclusion, "code")),
            Route("/api/open-data/{name:str}.{fmt:str}", self.download),
            Mount("/static", app=StaticFiles(directory=_HERE / "static"), name="dashboard_static"),
        ]


def _checkpoint_only(src: DashboardSources) -> Any:
    return data.audit_page(src)["checkpoint"]


def _inclusion(src: DashboardSources, code: str) -> Any:
    if src.audit is None:
        raise NotFound("audit trail", "on this hub")
    return data.audit_page(src, code)["check"]


def _province(key: str, lang: str) -> str:
    from aggregates.consultation import Province

    try:
        province = Province(key)
    except ValueError:
        return label(key, lang)
    return province.title_fa if lang == "fa" else province.title_en


def dashboard_routes(sources: DashboardSources, *, poll_interval: float = 0.2) -> list[BaseRoute]:
    """The dashboard's routes, to mount at the root of the hub's HTTP app."""
    return _Dashboard(sources, poll_interval).routes()


def dashboard_app(sources: DashboardSources, *, poll_interval: float = 0.2) -> Starlette:
    """The dashboard as an ASGI app of its own."""
    return Starlette(routes=dashboard_routes(sources, poll_interval=poll_interval))
