"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against a hub
filled by the demo's whole story (simulators, cases over gRPC, a consultation, a signed
checkpoint), served the way ``tabadol demo --serve`` serves it.

The dashboard looks at the hub ten days after the story (its clock is moved, the hub's
is not), so the case the story leaves open is past its time limit and its agency is late.

Screenshots go to a temporary folder, or to ``TABADOL_SCREENSHOTS`` when set
(``make screenshots`` writes docs/screenshots/).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
from tabadol.monitoring.v1 import monitoring_pb2 as mon
from tabadol.monitoring.v1 import monitoring_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.identifiers import NationalCode
from hub.demo.story import ServeOptions, Serving, run_demo

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PERSIAN_DIGIT = re.compile("[۰-۹]")
JALALI_TIME = re.compile(r"^۱۴۰[۰-۹]/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}:[۰-۹]{2}$")
MIMT_FA = "وزارت صنعت، معدن و تجارت"
LATER = timedelta(days=10)


@dataclass
class Hub:
    url: str
    grpc_target: str
    credentials: Callable[[str], grpc.ChannelCredentials]
    stop: threading.Event = field(default_factory=threading.Event)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The demo's story, then its dashboard, served from a thread of its own."""
    ready: list[Serving] = []
    failed: list[BaseException] = []
    stop = threading.Event()

    async def until(serving: Serving) -> None:
        ready.append(serving)
        while not stop.is_set():
            await asyncio.sleep(0.05)

    def run() -> None:
        try:
            asyncio.run(
                run_demo(
                    cases=24,
                    data_dir=tmp_path_factory.mktemp("demo"),
                    serve=ServeOptions(
                        address="127.0.0.1:0",
                        until=until,
                        clock=lambda: datetime.now(UTC) + LATER,
                    ),
                )
            )
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=run, name="demo", daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not ready and not failed and time.monotonic() < deadline:
        time.sleep(0.1)
    if failed:
        raise failed[0]
    assert ready, "the demo did not start serving in 180 s"
    serving = ready[0]
    yield Hub(serving.dashboard_url.rstrip("/"), serving.grpc_target, serving.credentials, stop)
    stop.set()
    thread.join(60)
    assert not thread.is_alive(), "the demo did not stop"
    assert not failed, failed


@dataclass
class Watch:
    """What a page did: console errors, page errors and every request it made."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        def console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning") and "Download" not in message.text:
                self.errors.append(f"{message.type}: {message.text}")

        def request(req: Request) -> None:
            self.requests.append(req.url)

        page.on("console", console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("request", request)
        return page

    def check(self, base: str) -> None:
        assert not self.errors, self.errors
        outside = [u for u in self.requests if not u.startswith(base + "/")]
        assert not outside, f"requests left localhost: {outside}"
        assert self.requests, "no request was watched"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("TABADOL_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(browser: Browser, watch: Watch, width: int = 1280) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    return watch.attach(context.new_page())


def _api(page: Page, base: str, path: str) -> Any:
    response = page.request.get(base + path)
    assert response.ok, (path, response.status)
    return response.json()


def _svg_texts(page: Page, selector: str) -> list[str]:
    texts: list[str] = page.eval_on_selector_all(
        f"{selector} svg text", "els => els.map(e => e.textContent || '')"
    )
    return texts


def _contrast(fg: str, bg: str) -> float:
    def channels(css: str) -> list[float]:
        values = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]
        out = []
        for v in values:
            c = v / 255
            out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return out

    def luminance(css: str) -> float:
        r, g, b = channels(css)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rated_case(hub: Hub) -> str:
    """A rated case's code, from the national-window feed (as the window reads it, over
    mTLS); the overview's latest events may all be of later, unrated cases."""
    with grpc.secure_channel(hub.grpc_target, hub.credentials("window:MYGOV")) as channel:
        feed = monitoring_pb2_grpc.MonitoringServiceStub(channel).StreamWindowFeed(
            mon.StreamWindowFeedRequest(), timeout=30
        )
        try:
            for reply in feed:
                if reply.entry.kind == mon.FEED_EVENT_KIND_RATED:
                    return str(reply.entry.tracking_code)
        finally:
            feed.cancel()
    raise AssertionError("the demo rated no case")


def _open_case(hub: Hub) -> str:
    """MOJ opens a case, over mTLS with its certificate from the demo's CA."""
    with grpc.secure_channel(hub.grpc_target, hub.credentials("agency:MOJ")) as channel:
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
        reply = stub.OpenCase(
            desk.OpenCaseRequest(
                service_code="13021000101",
                applicant_national_code=str(NationalCode.from_serial("007654321")),
                postal_code="1316943891",
                channel="web",
            ),
        )
        return str(reply.case.tracking_code)


def test_overview_is_persian_live_and_lists_the_late_agency(
    hub: Hub, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = _page(browser, watch)
    page.goto(hub.url + "/")
    html = page.locator("html")
    assert html.get_attribute("lang") == "fa"
    assert html.get_attribute("dir") == "rtl"
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")
    page.wait_for_function("document.fonts.status === 'loaded'")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.includes('Vazirmatn') && f.status === 'loaded')"
    )
    assert page.locator("h1").inner_text() == "نمای ملی"

    kpis = page.locator("#kpi-table tbody tr")
    assert kpis.count() == 2  # MIMT and MOJ, from the story's 24 cases
    assert "وزارت دادگستری" in page.locator("#kpi-table").inner_text()
    late = page.locator("#late-list").inner_text()
    assert MIMT_FA in late  # the case left open is past its time limit
    assert "تأخیر نسبت به برنامه سالانه" in late  # and the programme room's late agencies
    assert "گزارش سه‌ماهه به هیئت وزیران" in page.locator("#quarter-h + section").inner_text()

    texts = _svg_texts(page, "#live figure")
    assert any(PERSIAN_DIGIT.search(t) for t in texts), texts
    assert not any(re.search("[0-9]", t) for t in texts if PERSIAN_DIGIT.search(t))
    assert any("آذر" in t or "دی" in t or "۱۴۰" in t for t in texts)  # Jalali months
    assert page.locator("#live table.chart-data").count() >= 2  # a table beside each chart
    page.screenshot(path=shots / "overview.png", full_page=True)

    # live: a case opened over gRPC shows up without a reload, within a second
    before = page.locator("#position").inner_text()
    page.evaluate("window.__marker = 1")
    code = _open_case(hub)
    opened = time.monotonic()
    page.wait_for_function(
        "code => document.querySelector('#feed-table').innerText.includes(code)",
        arg=code,
        timeout=5000,
    )
    lag = time.monotonic() - opened
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert page.locator("#position").inner_text() != before
    assert lag < 1.0, f"the overview took {lag:.2f} s to show the new case"
    watch.check(hub.url)


def test_case_lookup_shows_every_step_in_jalali(hub: Hub, browser: Browser, shots: Path) -> None:
    watch = Watch()
    page = _page(browser, watch)
    page.goto(hub.url + "/case")
    rated = _rated_case(hub)
    page.get_by_role("textbox", name="کد رهگیری").fill(rated)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/case\?code="))
    assert page.locator("#case-status").inner_text() == "تحویل‌شده"
    rows = page.locator("#steps tbody tr")
    assert rows.count() >= 8
    steps = _api(page, hub.url, f"/api/cases/{rated}")["steps"]
    assert rows.count() == len(steps)
    for cell in page.locator("#steps td.when").all_inner_texts():
        assert JALALI_TIME.match(cell), cell
    body = page.locator("main").inner_text()
    assert "ثبت درخواست" in body and "استعلام الکترونیکی" in body and "ثبت رضایت" in body
    page.screenshot(path=shots / "case.png", full_page=True)

    page.goto(hub.url + "/case?code=C-0000-0000-0000-0")
    assert page.locator(".error").count() == 1
    watch.errors = [e for e in watch.errors if "40" not in e]  # the refused lookups' status
    watch.check(hub.url)


def test_agency_page_shows_services_reports_and_hooks(
    hub: Hub, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = _page(browser, watch)
    page.goto(hub.url + "/")
    page.get_by_role("link", name="دستگاه‌ها").click()
    page.get_by_role("link", name=MIMT_FA).click()
    assert page.locator("h1").inner_text().startswith(MIMT_FA)
    services = page.locator("#services-table").inner_text()
    assert "تمدید کارت بازرگانی" in services and "۱۳۰۲۱۰۰۰۲۰۲" in services
    assert page.locator("figure svg").count() == 1
    assert page.get_by_role("heading", name=re.compile("^برنامه سالانه")).count() == 1
    assert page.get_by_role("heading", name="پیشخوان‌ها و خدمات واگذارشده").count() == 1
    page.goto(hub.url + "/agencies/MOJ")  # MOJ delegated its certificate service to counters
    counters = page.locator(
        "section", has=page.get_by_role("heading", name="پیشخوان‌ها و خدمات واگذارشده")
    )
    listed = counters.inner_text()  # P-2002's delegation was revoked: only P-1001 is listed
    assert "P-۱۰۰۱" in listed and "تمام‌فرایند" in listed and "P-۲۰۰۲" not in listed
    page.goto(hub.url + "/agencies/MIMT")
    page.screenshot(path=shots / "agency.png", full_page=True)
    watch.check(hub.url)


def test_consultations_show_annex_report_charts_decisions_and_ranking(
    hub: Hub, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = _page(browser, watch)
    page.goto(hub.url + "/consultations")
    assert page.locator("#annex tbody tr").count() >= 1
    report = page.locator("section[id^='call-']").first
    assert report.locator("figure").count() == 3  # age band, gender, province
    texts = report.locator("figure svg text").evaluate_all("els => els.map(e => e.textContent)")
    assert any(PERSIAN_DIGIT.search(t) for t in texts)
    assert "زن" in texts and "مرد" in texts
    decisions = report.locator("table.decisions").inner_text()
    assert "پذیرفته" in decisions
    assert page.locator("#ranking tbody tr").count() >= 3
    page.screenshot(path=shots / "consultations.png", full_page=True)
    watch.check(hub.url)


def test_audit_checks_a_tracking_code_with_its_inclusion_proof(
    hub: Hub, browser: Browser, shots: Path
) -> None:
    watch = Watch()
    page = _page(browser, watch)
    page.goto(hub.url + "/audit")
    size = page.locator("#tree-size").inner_text()
    assert PERSIAN_DIGIT.search(size)
    assert len(page.locator("#witnesses").inner_text().split(", ")) == 2  # the demo's witnesses
    assert re.match("^۱۴۰[۰-۹]/", page.locator("#timestamp").inner_text())  # RFC 3161, verified
    code = _rated_case(hub)
    page.get_by_role("textbox", name="کد رهگیری").fill(code)
    page.get_by_role("button", name="بررسی").click()
    assert page.locator("#verdict").inner_text().startswith("✓ تأیید شد")
    assert page.locator("#proofs tbody tr").count() >= 8
    assert "✗" not in page.locator("#proofs").inner_text()
    checked = _api(page, hub.url, f"/api/audit/inclusion/{code}")
    assert checked["verified"] is True
    page.screenshot(path=shots / "audit.png", full_page=True)
    watch.check(hub.url)


def test_open_data_downloads_every_dataset(hub: Hub, browser: Browser) -> None:
    watch = Watch()
    page = _page(browser, watch)
    page.goto(hub.url + "/open-data")
    links = page.locator("#datasets a")
    assert links.count() == 18  # 9 datasets (the counters' list among them), CSV and JSON each
    for i in range(links.count()):  # every file, as the browser fetches it
        href = links.nth(i).get_attribute("href") or ""
        answer = page.request.get(hub.url + href)
        assert answer.ok, (href, answer.status, answer.text()[:300])
        assert "attachment" in answer.headers["content-disposition"]
        if href.endswith(".json"):
            assert "rows" in json.loads(answer.text()), href
        else:
            assert len(list(csv.reader(io.StringIO(answer.text())))) >= 1, href
    for i in (0, 1):  # and two of them clicked and saved, CSV and JSON
        with page.expect_download() as info:
            links.nth(i).click()
        download = info.value
        body = Path(download.path()).read_text(encoding="utf-8")
        if download.suggested_filename.endswith(".json"):
            assert json.loads(body)["rows"], download.suggested_filename
        else:
            assert len(list(csv.reader(io.StringIO(body)))) >= 2, download.suggested_filename
    watch.check(hub.url)


def test_english_toggle_keyboard_contrast_and_api(hub: Hub, browser: Browser) -> None:
    watch = Watch()
    page = _page(browser, watch)
    page.goto(hub.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for selector in ("body", "a.lang", "#kpi-table th", "#kpi-table td", ".hint"):
        colours = page.eval_on_selector(
            selector,
            """e => { const s = getComputedStyle(e); let b = e, bg = 'rgba(0, 0, 0, 0)';
                 while (b && (bg = getComputedStyle(b).backgroundColor) === 'rgba(0, 0, 0, 0)') b = b.parentElement;
                 return [s.color, bg === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : bg]; }""",
        )
        assert _contrast(*colours) >= 4.5, (selector, colours)

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == "National overview"
    assert "Ministry of Justice" in page.locator("#kpi-table").inner_text()
    page.get_by_role("link", name="فارسی").click()
    assert page.locator("html").get_attribute("lang") == "fa"

    spec = _api(page, hub.url, "/api/openapi.json")
    assert spec["openapi"].startswith("3.")
    for path in ("/api/overview", "/api/cases/{code}", "/api/audit/inclusion/{code}"):
        assert path in spec["paths"]
    overview = _api(page, hub.url, "/api/overview")
    assert {a["agency"] for a in overview["agencies"]} == {"MIMT", "MOJ"}
    assert "subject" not in json.dumps(overview["feed"])  # no pseudonym, no content
    watch.check(hub.url)


@pytest.mark.parametrize("path", ["/", "/case", "/consultations", "/audit", "/agencies/MOJ"])
def test_phone_width(hub: Hub, browser: Browser, shots: Path, path: str) -> None:
    watch = Watch()
    page = _page(browser, watch, width=390)
    page.goto(hub.url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at 390"
    assert page.get_by_role("navigation").is_visible()
    if path == "/":
        page.screenshot(path=shots / "overview-390.png", full_page=True)
    watch.check(hub.url)
