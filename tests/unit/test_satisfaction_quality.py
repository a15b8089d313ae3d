"""Satisfaction and quality as the record says (002 art. 8): the record's questions and
scale drive the rating, the window opens at delivery and closes after the record's days,
rework is counted, quality is computed per service; and e-form data is checked at opening."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import Application

from aggregates.errors import InvalidInput, TransitionRefused
from aggregates.service_case import CaseStatus, ServiceCase
from aggregates.service_record import (
    EvaluationMethod,
    QualityMeasure,
    Question,
    RequiredDocument,
    Stage,
)
from projections.agency_kpis import CaseFacts, QualityFacts, compute_quality
from tests.unit.test_service_case import (
    HAND_OVER,
    ISSUE,
    RECEIVE,
    SPEC,
    VERIFY,
    fields_of,
    open_case,
    refused,
    satisfy,
    verify,
)

METHOD = EvaluationMethod(
    questions=(
        Question("overall", "رضایت کلی", "Overall satisfaction"),
        Question("waiting", "زمان انتظار", "Waiting time"),
    ),
    scale_min=0,
    scale_max=10,
    measures=(QualityMeasure.TIME_TO_DELIVERY, QualityMeasure.REWORK),
    window_days=3,
)
RATED_SPEC = dataclasses.replace(SPEC, evaluation=METHOD)


def deliver(case: ServiceCase, collect: bool = True) -> ServiceCase:
    verify(case)
    case.record_step(RECEIVE, by="clerk")
    case.complete_stage(Stage.REQUEST, by="clerk")
    case.record_step(VERIFY, by="clerk")
    case.record_step(ISSUE, by="clerk")
    case.complete_stage(Stage.PRODUCTION, by="clerk")
    satisfy(case)
    case.record_step(HAND_OVER, by="clerk")
    case.deliver(by="clerk")
    if collect:
        case.collect_events()
    return case


def test_the_case_keeps_the_records_method_and_asks_its_questions() -> None:
    case = deliver(open_case(RATED_SPEC))
    assert case.evaluation == METHOD
    opens, closes = case.rating_window or (None, None)
    assert opens == case.closed_at and closes == opens + timedelta(days=3)  # type: ignore[operator]
    case.rate({"overall": 10, "waiting": 5}, "خوب", by="MYGOV", now=case.closed_at)
    [rated] = case.collect_events()
    assert isinstance(rated, ServiceCase.Rated)
    assert rated.answers == {"overall": 10, "waiting": 5}
    assert rated.score == 4  # mean 7.5 on 0-10 is 4 on 1-5
    assert case.answers == {"overall": 10, "waiting": 5}


def test_every_question_is_answered_on_the_records_scale_and_nothing_else() -> None:
    case = deliver(open_case(RATED_SPEC))
    at = case.closed_at
    info = refused(
        case,
        InvalidInput,
        lambda: case.rate({"overall": 11, "colour": 3}, "", by="MYGOV", now=at),
    )
    assert fields_of(info) == ["answers.overall", "answers.waiting", "answers.colour"]
    info = refused(case, InvalidInput, lambda: case.rate(7, "", by="MYGOV", now=at))
    assert fields_of(info) == ["answers"]  # a bare score answers only a one-question method


def test_the_window_closes_after_the_records_days() -> None:
    case = deliver(open_case(RATED_SPEC))
    assert case.closed_at is not None
    late = case.closed_at + timedelta(days=3)
    info = refused(
        case,
        TransitionRefused,
        lambda: case.rate({"overall": 5, "waiting": 5}, "", by="MYGOV", now=late),
    )
    assert "002 art. 8" in info.value.message and info.value.field == "window"
    case.rate({"overall": 5, "waiting": 5}, "", by="MYGOV", now=late - timedelta(seconds=1))


def test_an_undelivered_case_has_no_window() -> None:
    assert open_case(RATED_SPEC).rating_window is None


def test_a_correction_sends_the_case_back_and_counts_as_rework() -> None:
    case = open_case()
    verify(case)
    case.record_step(RECEIVE, by="clerk")
    case.complete_stage(Stage.REQUEST, by="clerk")
    case.request_correction("نقص مدارک: تاریخ اظهارنامه", by="clerk")
    assert (case.stage, case.corrections) == (Stage.REQUEST, 1)
    case.record_step(RECEIVE, by="clerk")  # the request steps are done again
    assert case.timeline[-2].kind == "correction_requested"
    case.complete_stage(Stage.REQUEST, by="clerk")
    case.record_step(VERIFY, by="clerk")
    case.record_step(ISSUE, by="clerk")
    case.complete_stage(Stage.PRODUCTION, by="clerk")
    case.collect_events()
    info = refused(case, TransitionRefused, lambda: case.request_correction("x", by="clerk"))
    assert "delivery stage" in info.value.message
    info = refused(case, InvalidInput, lambda: open_case().request_correction(" ", by="c"))


def test_rated_events_of_the_first_build_still_load() -> None:
    app = Application()
    case = deliver(open_case(collect=False), collect=False)
    case.rate(4, "ok", by="MYGOV")
    events = case.collect_events()
    for event in events:
        stored = app.mapper.to_stored_event(event)
        if event.__class__.__name__ == "Rated":
            state = json.loads(stored.state)
            state.pop("answers")
            state.pop("class_version")
            stored = dataclasses.replace(stored, state=json.dumps(state).encode())
        app.recorder.insert_events([stored])
    loaded: ServiceCase = app.repository.get(case.id)
    assert loaded.satisfaction == (4, "ok")
    assert loaded.answers == {"overall": 4}


# --- e-forms at opening (004 art. 2) ---------------------------------------------------

TAX_FORM = {
    "type": "object",
    "required": ["tax_year", "declaration_number"],
    "properties": {
        "tax_year": {"type": "integer", "minimum": 1390},
        "declaration_number": {"type": "string", "pattern": "^[0-9]{6,12}$"},
    },
}
FORMS_SPEC = dataclasses.replace(
    SPEC, required_documents=(RequiredDocument("اظهارنامه", TAX_FORM),)
)


def test_opening_checks_each_form_against_its_schema() -> None:
    with pytest.raises(InvalidInput) as error:
        open_case(FORMS_SPEC, forms={"اظهارنامه": {"tax_year": 1300, "declaration_number": "x"}})
    assert fields_of(error) == [
        "forms[اظهارنامه].declaration_number",
        "forms[اظهارنامه].tax_year",
    ]
    with pytest.raises(InvalidInput) as error:
        open_case(FORMS_SPEC)  # a form not sent is empty: its required fields are missing
    assert fields_of(error) == [
        "forms[اظهارنامه].declaration_number",
        "forms[اظهارنامه].tax_year",
    ]
    with pytest.raises(InvalidInput) as error:
        open_case(
            FORMS_SPEC,
            forms={"اظهارنامه": {"tax_year": 1404, "declaration_number": "123456"}, "other": {}},
        )
    assert fields_of(error) == ["forms[other]"]
    good = {"tax_year": 1404, "declaration_number": "1234567"}
    case = open_case(FORMS_SPEC, forms={"اظهارنامه": good}, collect=False)
    assert case.forms == {"اظهارنامه": good}
    [opened] = case.collect_events()
    assert opened.forms == {"اظهارنامه": good}  # type: ignore[attr-defined]


# --- quality per service -----------------------------------------------------------------

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


def fact(
    code: str,
    *,
    hours: float | None,
    limit: int = 10,
    corrections: int = 0,
    in_person: bool = False,
    answers: dict[str, int] | None = None,
    method: EvaluationMethod = METHOD,
    status: str = "delivered",
) -> QualityFacts:
    closed = None if hours is None else T0 + timedelta(hours=hours)
    case = CaseFacts(
        agency="GUILDS",
        service_code=code,
        opened_at=T0,
        due_at=T0 + timedelta(hours=limit),
        status=status if hours is not None else CaseStatus.OPEN.value,
        closed_at=closed,
        in_person=in_person if hours is not None else None,
        score=None,
    )
    return QualityFacts(case, limit, method, corrections, answers or {})


def test_quality_is_computed_per_service_with_the_records_measures() -> None:
    facts: list[Any] = [
        fact("11111111", hours=5, answers={"overall": 8, "waiting": 4}),
        fact(
            "11111111",
            hours=20,
            corrections=1,
            in_person=True,
            answers={"overall": 6, "waiting": 6},
        ),
        fact("11111111", hours=None, corrections=2),
        fact("11111111", hours=8),
        fact("22222222", hours=1, method=EvaluationMethod((Question("overall", "ر", "o"),))),
    ]
    first, second = compute_quality(facts)
    assert (first.service_code, first.cases, first.delivered) == ("11111111", 4, 3)
    assert first.measures == ("time_to_delivery", "rework")
    assert first.share_on_time == pytest.approx(2 / 3)
    assert first.median_over_limit == pytest.approx(0.8)
    assert first.share_reworked == pytest.approx(2 / 4)
    assert first.share_in_person == pytest.approx(1 / 3)
    assert first.response_rate == pytest.approx(2 / 3)
    assert first.mean_answers == {"overall": 7, "waiting": 5}
    assert first.scale == (0, 10)
    assert second.measures == tuple(m.value for m in QualityMeasure)
    assert second.response_rate == 0 and second.mean_answers == {}
