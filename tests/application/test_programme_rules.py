"""The programme use cases on the in-memory store: who may submit, report and define
permits, what the public catalogue and the open datasets hold, and the clock's say on
staleness, lateness and the rating window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aggregates.errors import InvalidInput, NotFound, TransitionRefused
from aggregates.permit import PermitKindSpec, PermitProcedure
from aggregates.programme import PriorityAxis, ProgrammeItem, ProgressEntry, ProgressStatus
from hub.application.errors import AccessDenied
from hub.application.hub import TabadolHub
from hub.application.programme import jalali_today
from hub.testing import ManualClock
from tests.samples import AGENCY, SERVICE_CODE

PROC = PermitProcedure(("درخواست", "صدور"), 1_000, 5)
PERMIT = PermitKindSpec("پروانه", "Licence", AGENCY, "قانون", 12, PROC, PROC, PROC, None)


def item(code: str = SERVICE_CODE, due: int = 12) -> ProgrammeItem:
    return ProgrammeItem(code, 1, (PriorityAxis.WIDE_USE,), (), due)


def test_an_agency_programmes_only_its_own_services(hub: TabadolHub) -> None:
    year, _ = jalali_today(datetime.now(UTC))
    with pytest.raises(InvalidInput) as error:
        hub.programme.submit_programme(year, [item()], by="MIMT")
    assert [v.field for v in error.value.violations] == ["items[0].service_code", "items"]
    view = hub.programme.submit_programme(year, [item()], by=AGENCY)
    assert (view.agency, view.services_total, view.minimum_items) == (AGENCY, 1, 1)
    with pytest.raises(Exception, match="already exists"):
        hub.programme.submit_programme(year, [item()], by=AGENCY)


def test_progress_is_reported_by_the_programmes_agency_for_a_begun_month(hub: TabadolHub) -> None:
    year, month = jalali_today(datetime.now(UTC))
    entry = ProgressEntry(SERVICE_CODE, ProgressStatus.IN_PROGRESS, 10)
    with pytest.raises(NotFound):
        hub.programme.report_progress(year, month, [entry], by="MIMT")
    hub.programme.submit_programme(year, [item()], by=AGENCY)
    if month < 12:
        with pytest.raises(InvalidInput):
            hub.programme.report_progress(year, month + 1, [entry], by=AGENCY)
    view = hub.programme.report_progress(year, month, [entry], by=AGENCY)
    assert view.reports[month] == (entry,)
    with pytest.raises(TransitionRefused):
        hub.programme.report_progress(year, month, [entry], by=AGENCY)


def test_only_the_issuer_defines_and_revises_a_permit_kind(hub: TabadolHub) -> None:
    with pytest.raises(AccessDenied):
        hub.programme.define_permit_kind("MOJ-P", PERMIT, by="MIMT")
    first = hub.programme.define_permit_kind("moj-p", PERMIT, by=AGENCY)
    assert (first.code, first.revision) == ("MOJ-P", 1)
    with pytest.raises(InvalidInput):  # a revision needs its reason
        hub.programme.define_permit_kind("MOJ-P", PERMIT, by=AGENCY)
    with pytest.raises(TransitionRefused):  # and a change
        hub.programme.define_permit_kind("MOJ-P", PERMIT, reason="همان", by=AGENCY)
    assert [p.code for p in hub.programme.list_permit_kinds(issuer=AGENCY)] == ["MOJ-P"]
    with pytest.raises(NotFound):
        hub.programme.get_permit_kind("NONE-1")


def test_the_clock_decides_staleness_and_lateness(hub: TabadolHub) -> None:
    [line] = hub.programme.catalogue()
    assert not line.stale and line.electronic
    later = datetime.now(UTC) + timedelta(days=400)
    hub.clock = ManualClock(later)
    [line] = hub.programme.catalogue()
    assert line.stale
    late = hub.programme.late_agencies()
    assert [x.agency for x in late] == [AGENCY]  # no programme for the clock's year
    assert late[0].reasons[0].startswith(f"no programme for {jalali_today(later)[0]}")


def test_open_datasets_by_name(hub: TabadolHub) -> None:
    hub.programme.define_permit_kind("MOJ-P", PERMIT, by=AGENCY)
    columns, rows, _ = hub.programme.open_dataset("catalogue")
    assert rows[0]["service_code"] == SERVICE_CODE and "stale" in columns
    columns, rows, _ = hub.programme.open_dataset("permits")
    assert (
        rows[0]["issue_process"] == "درخواست › صدور" and rows[0]["reinstatement_cost_rials"] is None
    )
    _, rows, documents = hub.programme.open_dataset("reports")
    assert {d["kind"] for d in documents} >= {"quarterly", "annual"}
    assert all(r["late"] for r in rows)
    with pytest.raises(InvalidInput):
        hub.programme.open_dataset("secrets")
