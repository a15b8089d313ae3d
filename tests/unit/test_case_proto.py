"""A case as the service desk answers it: each timeline line is built once and remembered,
and what is remembered never carries one caller's view into another's response."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from tabadol.catalogue.v1 import catalogue_pb2 as cat

from aggregates.service_case import CaseStatus, TimelineEntry
from aggregates.service_record import Stage
from hub.application.cases import CaseView
from hub.servicers.servicedesk import case_to_proto, content_free

T0 = datetime(2026, 3, 21, 4, 30, 15, 123456, tzinfo=UTC)


def _view(*entries: TimelineEntry) -> CaseView:
    return CaseView(
        tracking_code="MIMT-14050101-ABCDEFGH",
        service_code="13021000202",
        record_revision=1,
        agency="MIMT",
        applicant_masked="006***1234",
        channel="api",
        status=CaseStatus.OPEN,
        stage=Stage.REQUEST,
        timeline=entries,
        satisfaction=None,
    )


def _entry(step: str, note: str = "", seconds: int = 0) -> TimelineEntry:
    at = T0 + timedelta(seconds=seconds)
    return TimelineEntry("step_recorded", Stage.REQUEST, step, note, "MIMT", at)


def test_timeline_is_each_entry_field_by_field_in_order() -> None:
    entries = (_entry("ثبت درخواست", "یادداشت"), _entry("استعلام", seconds=90000))
    for persian, jalali in ((False, "1405-01-02 09:00:15"), (True, "۱۴۰۵-۰۱-۰۲ ۰۹:۰۰:۱۵")):
        case = case_to_proto(_view(*entries), persian_digits=persian)
        first, second = case.timeline
        assert (first.kind, first.stage, first.step, first.note, first.by_agency) == (
            "step_recorded",
            cat.STAGE_REQUEST,
            "ثبت درخواست",
            "یادداشت",
            "MIMT",
        )
        assert first.at.ToDatetime(tzinfo=UTC) == T0
        assert (second.step, second.note, second.at_jalali) == ("استعلام", "", jalali)  # UTC+3:30
        assert second.at.ToDatetime(tzinfo=UTC) == T0 + timedelta(seconds=90000)


def test_a_changed_case_answers_its_change() -> None:
    first = _entry("ثبت درخواست", "a")
    before = case_to_proto(_view(first))
    grown = case_to_proto(_view(first, _entry("استعلام", seconds=5)))
    renoted = case_to_proto(_view(dataclasses.replace(first, note="b")))
    assert [e.step for e in before.timeline] == ["ثبت درخواست"]
    assert [e.step for e in grown.timeline] == ["ثبت درخواست", "استعلام"]
    assert renoted.timeline[0].note == "b"
    assert case_to_proto(_view(first)).timeline[0].note == "a"


def test_thecontent_free_view_never_reaches_a_full_response() -> None:
    entries = (_entry("ثبت درخواست", "the agency's note"),)
    window = content_free(case_to_proto(_view(*entries)))
    full = case_to_proto(_view(*entries))
    assert window.timeline[0].note == ""
    assert full.timeline[0].note == "the agency's note"
    assert content_free(full).timeline[0].note == ""
    assert case_to_proto(_view(*entries)).timeline[0].note == "the agency's note"


def test_digits_are_the_callers_choice_for_each_response() -> None:
    entry = _entry("ثبت درخواست")
    persian = case_to_proto(_view(entry), persian_digits=True).timeline[0].at_jalali
    latin = case_to_proto(_view(entry)).timeline[0].at_jalali
    assert latin == "1405-01-01 08:00:15"
    assert persian == "۱۴۰۵-۰۱-۰۱ ۰۸:۰۰:۱۵"
