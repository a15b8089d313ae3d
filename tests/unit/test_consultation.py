"""Consultation (فراخوان): request, draft and period rules, participation, one vote per
person, decisions, key concerns, final version, event round trip."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jdatetime
import pytest
from eventsourcing.application import Application
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.consultation import (
    AgeBand,
    Consultation,
    Demographics,
    DraftKind,
    Gender,
    KeyConcern,
    ParticipationType,
    Phase,
    Province,
    VoteChoice,
    tehran_midnight,
)
from aggregates.errors import AlreadyExists, DomainError, InvalidInput, NotFound, TransitionRefused
from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.jalali import parse_jalali_date

# 2026-04-21 10:00 in Tehran, which is 1405-02-01 (Ordibehesht 1st).
NOW = datetime(2026, 4, 21, 6, 30, tzinfo=UTC)
OPENS = tehran_midnight(parse_jalali_date("1405/02/01", "x"))
CLOSES = tehran_midnight(parse_jalali_date("1405/02/15", "x"))
AFTER = CLOSES + timedelta(days=1)
ALICE, BOB, CAROL = "a" * 32, "b" * 32, "c" * 32
SHA = "ab" * 32
BASIS = "ماده ۹ تصویب‌نامه ۱۱۲۷۱۲۸ شورای عالی اداری (حقوق شهروندی)"
URL = "https://www.msrt.ir/drafts/1405/bylaw.pdf"


def new_code(kind: TrackingKind = TrackingKind.CONSULTATION, seed: int = 1) -> TrackingCode:
    return TrackingCode.new(kind, seed.to_bytes(8, "little"))


def fields_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return list(error.value.fields)


def request(**changes: Any) -> Consultation:
    args: dict[str, Any] = {
        "agency": "msrt",
        "unit": "معاونت آموزشی",
        "kind": DraftKind.BY_LAW,
        "participation_type": ParticipationType.SURVEY,
        "by": "MSRT",
    }
    args.update(changes)
    code = args.pop("tracking_code", None) or TrackingCode.new(TrackingKind.CONSULTATION)
    return Consultation.request(code, **args)


def draft_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "title_fa": "آیین‌نامه آموزشی",
        "title_en": "Education by-law",
        "summary_fa": "پیش‌نویس برای نظرخواهی",
        "summary_en": "Draft for comment",
        "document_sha256": SHA,
        "document_url": URL,
        "opens_on": "1405/02/01",
        "closes_on": "1405/02/15",
        "now": NOW,
        "by": "MSRT",
    }
    args.update(changes)
    return args


def published(type_: ParticipationType = ParticipationType.SURVEY, **changes: Any) -> Consultation:
    call = request(participation_type=type_)
    call.publish_draft(**draft_args(**changes))
    return call


def commented(*who: str) -> Consultation:
    call = published()
    for person in who or (ALICE,):
        call.comment(participant=person, text="پیشنهاد", now=NOW, by="MYGOV")
    return call


# --- request ------------------------------------------------------------------------------


def test_request_opens_a_call_awaiting_its_draft() -> None:
    code = new_code()
    call = request(tracking_code=code, kind="BILL", participation_type="vote")
    assert call.tracking_code == code.value
    assert call.id == Consultation.create_id(code.value)
    assert (call.agency, call.kind, call.participation_type) == (
        "MSRT",
        DraftKind.BILL,
        ParticipationType.VOTE,
    )
    assert call.phase(NOW) is Phase.REQUESTED and call.draft is None and call.period is None
    assert call.requested_by == "MSRT" and call.unit == "معاونت آموزشی"


def test_ids_are_deterministic_and_tolerate_loose_codes() -> None:
    code = new_code().value
    assert Consultation.create_id(code) == Consultation.create_id(code.replace("-", "").lower())
    assert Consultation.create_id(code) != Consultation.create_id(new_code(seed=2).value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tracking_code": new_code(TrackingKind.CASE)}, "tracking_code"),
        ({"tracking_code": "K-1234"}, "tracking_code"),
        ({"agency": "1X"}, "agency"),
        ({"unit": "  "}, "unit"),
        ({"unit": "x" * 201}, "unit"),
        ({"kind": "decree"}, "kind"),
        ({"participation_type": "poll"}, "participation_type"),
        ({"by": ""}, "by"),
    ],
)
def test_request_refuses_bad_input(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        request(**changes)
    assert fields_of(info) == [field]


def test_request_lists_every_violation() -> None:
    with pytest.raises(InvalidInput) as info:
        request(agency="", unit="", kind="", participation_type="", by="")
    assert fields_of(info) == ["agency", "unit", "kind", "participation_type", "by"]


# --- draft and period ---------------------------------------------------------------------


def test_publishing_the_draft_fixes_the_period_at_tehran_midnights() -> None:
    call = published()
    assert call.period is not None
    assert (call.period.opens, call.period.closes) == (OPENS, CLOSES)
    assert call.period.opens == datetime(2026, 4, 20, 20, 30, tzinfo=UTC)  # 00:00 +03:30
    assert call.title == ("آیین‌نامه آموزشی", "Education by-law")
    assert call.summary == ("پیش‌نویس برای نظرخواهی", "Draft for comment")
    assert call.draft is not None and (call.draft.sha256, call.draft.url) == (SHA, URL)
    assert call.minimum_days == 14


def test_a_loosely_typed_digest_and_persian_digits_are_accepted() -> None:
    call = published(document_sha256=SHA.upper(), opens_on="۱۴۰۵/۰۲/۰۱", closes_on="1405-2-15")
    assert call.draft is not None and call.draft.sha256 == SHA
    assert call.period is not None and call.period.closes == CLOSES


@pytest.mark.parametrize(
    ("kind", "rule", "earliest"),
    [
        (DraftKind.REGULATION, "two weeks", "1405/02/15"),
        (DraftKind.CIRCULAR, "two weeks", "1405/02/15"),
        (DraftKind.BY_LAW, "two weeks", "1405/02/15"),
        (DraftKind.BILL, "one Jalali calendar month", "1405/03/01"),  # Ordibehesht: 31 days
        (DraftKind.BOARD_RESOLUTION, "two weeks", "1405/02/15"),
    ],
)
def test_each_kind_has_its_calendar_minimum(kind: DraftKind, rule: str, earliest: str) -> None:
    day_before = parse_jalali_date(earliest, "x") - timedelta(days=1)
    j = jdatetime.date.fromgregorian(date=day_before)
    short = request(kind=kind)
    with pytest.raises(InvalidInput) as info:
        short.publish_draft(**draft_args(closes_on=f"{j.year}/{j.month}/{j.day}"))
    assert fields_of(info) == ["closes_on"]
    assert f"at least {rule}" in str(info.value)
    assert f"closes on {earliest.replace('/', '-')} at the earliest" in str(info.value)
    long_enough = request(kind=kind)
    long_enough.publish_draft(**draft_args(closes_on=earliest))
    assert long_enough.minimum_days == (parse_jalali_date(earliest, "x") - OPENS_DAY).days


OPENS_DAY = parse_jalali_date("1405/02/01", "x")


def test_a_bill_opened_on_nowruz_runs_to_the_first_of_ordibehesht() -> None:
    """1405/01/01 + one Jalali month = 1405/02/01 (31 days: Farvardin has 31)."""
    nowruz = datetime(2026, 3, 20, 21, 0, tzinfo=UTC)  # 1405-01-01 00:30 Tehran
    bill = request(kind=DraftKind.BILL)
    with pytest.raises(InvalidInput, match="closes on 1405-02-01 at the earliest"):
        bill.publish_draft(**draft_args(opens_on="1405/01/01", closes_on="1405/01/31", now=nowruz))
    bill.publish_draft(**draft_args(opens_on="1405/01/01", closes_on="1405/02/01", now=nowruz))
    assert bill.period is not None and bill.minimum_days == 31
    assert bill.period.closes == tehran_midnight(parse_jalali_date("1405/02/01", "x"))


def test_a_month_after_the_31st_ends_on_the_last_day_of_a_shorter_month() -> None:
    autumn = tehran_midnight(parse_jalali_date("1405/06/31", "x")) - timedelta(hours=1)
    bill = request(kind=DraftKind.BILL)
    with pytest.raises(InvalidInput, match="closes on 1405-07-30 at the earliest"):
        bill.publish_draft(**draft_args(opens_on="1405/06/31", closes_on="1405/07/29", now=autumn))
    bill.publish_draft(**draft_args(opens_on="1405/06/31", closes_on="1405/07/30", now=autumn))


def test_a_call_stays_open_at_most_three_jalali_months() -> None:
    with pytest.raises(InvalidInput, match="at most 3 Jalali months") as info:
        request().publish_draft(**draft_args(closes_on="1405/05/02"))
    assert "closes on 1405-05-01 at the latest" in str(info.value)
    call = request()
    call.publish_draft(**draft_args(closes_on="1405/05/01"))
    assert call.period is not None


def days_after_opening(days: int) -> str:
    """The Jalali date ``days`` after 1405/02/01."""
    day = jdatetime.date(1405, 2, 1) + timedelta(days=days)
    return f"{day.year}/{day.month}/{day.day}"


def test_an_agency_policy_can_raise_the_minimum() -> None:
    call = request()
    with pytest.raises(InvalidInput) as info:
        call.publish_draft(**draft_args(minimum_days=30))
    assert fields_of(info) == ["closes_on"]
    assert "agency MSRT's policy" in str(info.value) and "at least 30 days" in str(info.value)
    call.publish_draft(**draft_args(closes_on="1405/03/01", minimum_days=30))  # 31 days
    assert call.minimum_days == 30


def test_a_policy_below_the_kind_minimum_changes_nothing() -> None:
    call = request(kind=DraftKind.BILL)
    with pytest.raises(InvalidInput, match="a bill call must stay open at least one Jalali"):
        call.publish_draft(**draft_args(minimum_days=7))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title_fa": "Education by-law"}, "title_fa"),
        ({"title_en": "آیین‌نامه"}, "title_en"),
        ({"title_fa": ""}, "title_fa"),
        ({"summary_en": " "}, "summary_en"),
        ({"summary_fa": "x" * 1001}, "summary_fa"),
        ({"document_sha256": "ab" * 31}, "document_sha256"),
        ({"document_sha256": "zz" * 32}, "document_sha256"),
        ({"document_url": "http://www.msrt.ir/draft.pdf"}, "document_url"),
        ({"document_url": "https:///draft.pdf"}, "document_url"),
        ({"document_url": "https://msrt.ir/a b.pdf"}, "document_url"),
        ({"document_url": "https://msrt.ir:99999/a.pdf"}, "document_url"),
        ({"document_url": ""}, "document_url"),
        ({"opens_on": "1405/13/01"}, "opens_on"),
        ({"closes_on": "1404/12/30"}, "closes_on"),  # 1404 is not a leap year
        ({"closes_on": "next week"}, "closes_on"),
        ({"opens_on": "1405/01/31", "closes_on": "1405/02/20"}, "opens_on"),  # yesterday
        ({"closes_on": "1406/03/01"}, "closes_on"),  # longer than a year
        ({"closes_on": "1405/05/02"}, "closes_on"),  # longer than three months
        ({"minimum_days": -1}, "minimum_days"),
        ({"by": ""}, "by"),
    ],
)
def test_publish_refuses_bad_input(changes: dict[str, Any], field: str) -> None:
    call = request()
    with pytest.raises(InvalidInput) as info:
        call.publish_draft(**draft_args(**changes))
    assert fields_of(info) == [field]
    assert call.collect_events()[1:] == []  # only the request


def test_the_past_open_date_message_names_today_in_jalali() -> None:
    with pytest.raises(InvalidInput, match=r"1405-01-31 is in the past; today is 1405-02-01"):
        request().publish_draft(**draft_args(opens_on="1405/01/31", closes_on="1405/02/20"))


def test_a_nonexistent_day_is_explained() -> None:
    with pytest.raises(InvalidInput, match="1404 is not a leap year"):
        request().publish_draft(**draft_args(closes_on="1404/12/30"))


def test_publish_lists_every_violation() -> None:
    with pytest.raises(InvalidInput) as info:
        request().publish_draft(
            **draft_args(title_fa="", title_en="", document_sha256="", closes_on="1405/02/02")
        )
    assert fields_of(info) == ["title_fa", "title_en", "document_sha256", "closes_on"]


def test_the_draft_is_published_once() -> None:
    call = published()
    with pytest.raises(TransitionRefused, match="already published"):
        call.publish_draft(**draft_args())


def test_now_must_be_aware() -> None:
    with pytest.raises(TypeError):
        request().publish_draft(**draft_args(now=datetime(2026, 4, 21)))  # noqa: DTZ001


# --- phases -----------------------------------------------------------------------------


def test_the_clock_opens_and_closes_the_call() -> None:
    call = request()
    call.publish_draft(**draft_args(opens_on="1405/02/03", closes_on="1405/02/17"))
    assert call.period is not None
    opens, closes = call.period.opens, call.period.closes
    tick = timedelta(microseconds=1)
    assert call.phase(opens - tick) is Phase.SCHEDULED
    assert call.phase(opens) is Phase.OPEN
    assert call.phase(closes - tick) is Phase.OPEN
    assert call.phase(closes) is Phase.CLOSED


def test_a_scheduled_call_says_when_it_opens() -> None:
    call = request()
    call.publish_draft(**draft_args(opens_on="1405/02/03", closes_on="1405/02/17"))
    with pytest.raises(TransitionRefused, match="opens on 1405-02-03 00:00 Tehran time"):
        call.comment(participant=ALICE, text="زود", now=NOW, by="MYGOV")


# --- comments ---------------------------------------------------------------------------


def test_comments_are_numbered_suggestions() -> None:
    call = published()
    assert (
        call.comment(participant=ALICE, text=" نخست ", now=NOW, by="MYGOV", article="ماده ۲") == 1
    )
    assert call.comment(participant=BOB, text="دوم", now=NOW, by="MYGOV") == 2
    assert call.comment(participant=ALICE, text="سوم", now=NOW, by="MYGOV") == 3
    first = call.suggestions[0]
    assert (first.number, first.participant, first.text, first.article) == (
        1,
        ALICE,
        "نخست",
        "ماده ۲",
    )
    assert first.accepted is None and first.at == NOW
    assert call.participants == {ALICE, BOB}


def test_nothing_is_accepted_after_close_and_the_error_says_when_it_closed() -> None:
    call = published()
    with pytest.raises(TransitionRefused) as info:
        call.comment(participant=ALICE, text="دیر", now=CLOSES, by="MYGOV")
    assert "closed on 1405-02-15 00:00 Tehran time" in info.value.message
    assert info.value.field == "status"


def test_an_unpublished_call_takes_nothing() -> None:
    with pytest.raises(TransitionRefused, match="not published yet"):
        request().comment(participant=ALICE, text="x", now=NOW, by="MYGOV")


def test_a_vote_call_takes_no_comments_and_a_survey_no_votes() -> None:
    with pytest.raises(TransitionRefused, match="takes votes") as info:
        published(ParticipationType.VOTE).comment(participant=ALICE, text="x", now=NOW, by="M")
    assert info.value.field == "participation_type"
    with pytest.raises(TransitionRefused, match="takes comments"):
        published().vote(participant=ALICE, choice="agree", now=NOW, by="MYGOV")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participant": "0012345678"}, "participant"),  # a national code is not a pseudonym
        ({"participant": "A" * 32}, "participant"),
        ({"text": ""}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"article": "x" * 201}, "article"),
        ({"demographics": {"age_band": "18-29"}}, "demographics"),
        ({"by": " "}, "by"),
    ],
)
def test_comment_refuses_bad_input(changes: dict[str, Any], field: str) -> None:
    call = published()
    args: dict[str, Any] = {"participant": ALICE, "text": "نظر", "now": NOW, "by": "MYGOV"}
    args.update(changes)
    with pytest.raises(InvalidInput) as info:
        call.comment(**args)
    assert fields_of(info) == [field]


# --- votes --------------------------------------------------------------------------------


def test_one_vote_per_person() -> None:
    call = published(ParticipationType.VOTE)
    call.vote(participant=ALICE, choice=VoteChoice.AGREE, now=NOW, by="MYGOV")
    call.vote(participant=BOB, choice="DISAGREE", now=NOW, by="MYGOV")
    with pytest.raises(AlreadyExists) as info:
        call.vote(participant=ALICE, choice="disagree", now=NOW, by="MYGOV")
    assert "one vote per person" in info.value.message and call.tracking_code in info.value.message
    assert call.tally() == {VoteChoice.AGREE: 1, VoteChoice.DISAGREE: 1, VoteChoice.ABSTAIN: 0}
    assert call.vote_count == 2 and call.has_voted(ALICE) and not call.has_voted(CAROL)


def test_a_vote_needs_a_known_choice() -> None:
    with pytest.raises(InvalidInput) as info:
        published(ParticipationType.VOTE).vote(participant=ALICE, choice="maybe", now=NOW, by="M")
    assert fields_of(info) == ["choice"]


def test_a_concurrent_second_vote_conflicts_on_the_version() -> None:
    """Two writers holding the same version: the store refuses the second save."""
    from eventsourcing.persistence import IntegrityError

    app = application()
    call = published(ParticipationType.VOTE)
    app.save(call)
    first: Consultation = app.repository.get(call.id)
    second: Consultation = app.repository.get(call.id)
    first.vote(participant=ALICE, choice="agree", now=NOW, by="MYGOV")
    second.vote(participant=ALICE, choice="disagree", now=NOW, by="MYGOV")
    app.save(first)
    with pytest.raises(IntegrityError):
        app.save(second)
    retried: Consultation = app.repository.get(call.id)
    with pytest.raises(AlreadyExists):
        retried.vote(participant=ALICE, choice="disagree", now=NOW, by="MYGOV")


# --- demographics ---------------------------------------------------------------------------


def test_demographics_need_consent() -> None:
    with pytest.raises(InvalidInput) as info:
        Demographics.consented(consent=False, gender="female")
    assert fields_of(info) == ["demographics.consent"]
    assert Demographics.consented(consent=False) is None
    assert Demographics.consented(consent=True, age_band="", province=" ") is None


def test_demographics_are_checked() -> None:
    with pytest.raises(InvalidInput) as info:
        Demographics.consented(consent=True, age_band="12-17", gender="x", province="atlantis")
    assert fields_of(info) == [
        "demographics.age_band",
        "demographics.gender",
        "demographics.province",
    ]


def test_provinces_by_key_or_persian_name() -> None:
    assert len(Province) == 31
    assert len({p.title_fa for p in Province}) == 31
    given = Demographics.consented(consent=True, age_band="60+", province="خراسان رضوی")
    assert given == Demographics(AgeBand.AGE_60_PLUS, None, Province.RAZAVI_KHORASAN)
    assert Province.parse("Razavi-Khorasan") is Province.RAZAVI_KHORASAN
    assert Province.SISTAN_BALUCHESTAN.title_en == "Sistan and Baluchestan"
    assert Demographics.from_dict(given.to_dict()) == given  # type: ignore[union-attr]


def test_the_latest_consented_demographics_stand() -> None:
    call = published()
    teen = Demographics.consented(consent=True, age_band="18-29", gender="female")
    later = Demographics.consented(consent=True, age_band="30-44", province="fars")
    call.comment(participant=ALICE, text="۱", now=NOW, by="M", demographics=teen)
    call.comment(participant=ALICE, text="۲", now=NOW, by="M")  # none given: keeps the first
    assert call.demographics_of(ALICE) == Demographics(AgeBand.AGE_18_29, Gender.FEMALE, None)
    call.comment(participant=ALICE, text="۳", now=NOW, by="M", demographics=later)
    assert call.demographics_of(ALICE) == Demographics(AgeBand.AGE_30_44, None, Province.FARS)
    assert call.demographics_of(BOB) is None


# --- after close --------------------------------------------------------------------------


def test_suggestions_are_decided_once_with_a_reason_after_close() -> None:
    call = commented(ALICE, BOB)
    with pytest.raises(TransitionRefused, match="before the call closes on 1405-02-15"):
        call.decide_suggestion(
            1, accepted=True, reason="خوب", legal_basis=BASIS, now=NOW, by="MSRT"
        )
    call.decide_suggestion(
        1, accepted=True, reason=" اعمال شد ", legal_basis=BASIS, now=AFTER, by="MSRT"
    )
    call.decide_suggestion(
        2, accepted=False, reason="مغایر قانون", legal_basis=BASIS, now=AFTER, by="MSRT"
    )
    assert [(s.accepted, s.reason) for s in call.suggestions] == [
        (True, "اعمال شد"),
        (False, "مغایر قانون"),
    ]
    assert call.suggestions[0].decided_at == AFTER
    with pytest.raises(TransitionRefused, match="already accepted: اعمال شد") as info:
        call.decide_suggestion(
            1, accepted=False, reason="نه", legal_basis=BASIS, now=AFTER, by="MSRT"
        )
    assert info.value.field == "number"


def test_deciding_checks_its_input() -> None:
    call = commented()
    with pytest.raises(NotFound, match="suggestion 2"):
        call.decide_suggestion(
            2, accepted=True, reason="x", legal_basis=BASIS, now=AFTER, by="MSRT"
        )
    with pytest.raises(InvalidInput) as info:
        call.decide_suggestion(0, accepted="yes", reason="", legal_basis=" ", now=AFTER, by="")  # type: ignore[arg-type]
    assert fields_of(info) == ["number", "accepted", "reason", "legal_basis", "by"]


def test_key_concerns_are_recorded_once_in_both_languages() -> None:
    call = commented()
    concerns = [KeyConcern("هزینه", "Cost"), KeyConcern("زمان", "Timing")]
    with pytest.raises(TransitionRefused):
        call.record_key_concerns(concerns, now=NOW, by="MSRT")
    with pytest.raises(InvalidInput) as info:
        call.record_key_concerns([], now=AFTER, by="MSRT")
    assert fields_of(info) == ["key_concerns"]
    with pytest.raises(InvalidInput) as info:
        call.record_key_concerns(
            [KeyConcern("Cost", ""), KeyConcern("هزینه", "هزینه")], now=AFTER, by="MSRT"
        )
    assert fields_of(info) == [
        "key_concerns[0].fa",
        "key_concerns[0].en",
        "key_concerns[1].en",
    ]
    call.record_key_concerns(concerns, now=AFTER, by="MSRT")
    assert call.key_concerns == tuple(concerns)
    with pytest.raises(TransitionRefused, match="already recorded"):
        call.record_key_concerns(concerns, now=AFTER, by="MSRT")


def test_the_final_version_comes_after_every_decision_and_the_key_concerns() -> None:
    call = commented(ALICE, BOB, CAROL)
    final = {"document_sha256": "cd" * 32, "document_url": URL + "?v=final", "by": "MSRT"}
    with pytest.raises(TransitionRefused, match="before the call closes"):
        call.publish_final_version(now=NOW, **final)
    call.decide_suggestion(2, accepted=True, reason="r", legal_basis=BASIS, now=AFTER, by="MSRT")
    with pytest.raises(TransitionRefused, match=r"2 suggestion\(s\) are not decided yet \(1, 3\)"):
        call.publish_final_version(now=AFTER, **final)
    call.decide_suggestion(1, accepted=False, reason="r", legal_basis=BASIS, now=AFTER, by="MSRT")
    call.decide_suggestion(3, accepted=False, reason="r", legal_basis=BASIS, now=AFTER, by="MSRT")
    with pytest.raises(TransitionRefused, match="key concerns") as info:
        call.publish_final_version(now=AFTER, **final)
    assert info.value.field == "key_concerns"
    call.record_key_concerns([KeyConcern("هزینه", "Cost")], now=AFTER, by="MSRT")
    with pytest.raises(InvalidInput) as bad:
        call.publish_final_version(now=AFTER, document_sha256="x", document_url="ftp://x", by="M")
    assert fields_of(bad) == ["document_sha256", "document_url"]
    call.publish_final_version(now=AFTER, **final)
    assert call.phase(AFTER) is Phase.FINALISED
    assert call.final_version is not None and call.final_version.sha256 == "cd" * 32
    assert call.finalised_at == AFTER


def test_a_finished_call_is_frozen() -> None:
    call = finished()
    for command in (
        lambda: call.decide_suggestion(
            1, accepted=True, reason="r", legal_basis=BASIS, now=AFTER, by="MSRT"
        ),
        lambda: call.record_key_concerns([KeyConcern("الف", "A")], now=AFTER, by="MSRT"),
        lambda: call.publish_final_version(
            document_sha256=SHA, document_url=URL, now=AFTER, by="MSRT"
        ),
        lambda: call.comment(participant=ALICE, text="x", now=AFTER, by="MYGOV"),
    ):
        with pytest.raises(TransitionRefused):
            command()


def test_a_vote_call_needs_only_key_concerns_before_its_final_version() -> None:
    call = published(ParticipationType.VOTE)
    call.vote(participant=ALICE, choice="abstain", now=NOW, by="MYGOV")
    call.record_key_concerns([KeyConcern("اکثریت موافق", "Most agree")], now=AFTER, by="MSRT")
    call.publish_final_version(document_sha256=SHA, document_url=URL, now=AFTER, by="MSRT")
    assert call.phase(AFTER) is Phase.FINALISED


def test_reports_and_certificates_wait_for_the_close() -> None:
    with pytest.raises(TransitionRefused, match="draft is not published"):
        request().require_ended(NOW, "the report")
    with pytest.raises(TransitionRefused, match="the report comes after the call closes on"):
        published().require_ended(NOW, "the report")
    published().require_ended(CLOSES, "the report")
    finished().require_ended(AFTER, "the report")


# --- topics, persistence, any sequence ----------------------------------------------------


def finished() -> Consultation:
    call = commented(ALICE)
    call.decide_suggestion(1, accepted=True, reason="r", legal_basis=BASIS, now=AFTER, by="MSRT")
    call.record_key_concerns([KeyConcern("هزینه", "Cost")], now=AFTER, by="MSRT")
    call.publish_final_version(document_sha256=SHA, document_url=URL, now=AFTER, by="MSRT")
    return call


def test_every_event_has_an_explicit_topic() -> None:
    expected = {
        Consultation: "tabadol.consultation",
        Consultation.Requested: "tabadol.consultation.requested",
        Consultation.DraftPublished: "tabadol.consultation.draft_published",
        Consultation.Commented: "tabadol.consultation.commented",
        Consultation.Voted: "tabadol.consultation.voted",
        Consultation.SuggestionDecided: "tabadol.consultation.suggestion_decided",
        Consultation.KeyConcernsRecorded: "tabadol.consultation.key_concerns_recorded",
        Consultation.FinalVersionPublished: "tabadol.consultation.final_version_published",
    }
    assert {cls: get_topic(cls) for cls in expected} == expected
    assert Consultation.Created is Consultation.Requested


def application() -> Application[Any]:
    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_a_call_is_rebuilt_from_its_stored_events() -> None:
    app = application()
    call = finished()
    teen = Demographics.consented(consent=True, age_band="18-29", province="qom")
    vote = published(ParticipationType.VOTE)
    vote.vote(participant=BOB, choice="agree", now=NOW, by="MYGOV", demographics=teen)
    app.save(call, vote)
    copy: Consultation = app.repository.get(call.id)
    assert copy == call
    assert copy.suggestions == call.suggestions and copy.final_version == call.final_version
    assert copy.phase(AFTER) is Phase.FINALISED
    votes: Consultation = app.repository.get(vote.id)
    assert votes.tally()[VoteChoice.AGREE] == 1 and votes.demographics_of(BOB) == teen


COMMANDS: list[tuple[str, Callable[[Consultation], Any]]] = [
    ("alice comments", lambda c: c.comment(participant=ALICE, text="x", now=NOW, by="M")),
    ("bob comments", lambda c: c.comment(participant=BOB, text="y", now=NOW, by="M")),
    ("late comment", lambda c: c.comment(participant=BOB, text="y", now=AFTER, by="M")),
    ("empty comment", lambda c: c.comment(participant=BOB, text="", now=NOW, by="M")),
    ("vote", lambda c: c.vote(participant=ALICE, choice="agree", now=NOW, by="M")),
    (
        "accept 1",
        lambda c: c.decide_suggestion(
            1, accepted=True, reason="r", legal_basis=BASIS, now=AFTER, by="M"
        ),
    ),
    (
        "reject 2",
        lambda c: c.decide_suggestion(
            2, accepted=False, reason="r", legal_basis=BASIS, now=AFTER, by="M"
        ),
    ),
    (
        "early decision",
        lambda c: c.decide_suggestion(
            1, accepted=True, reason="r", legal_basis=BASIS, now=NOW, by="M"
        ),
    ),
    ("concerns", lambda c: c.record_key_concerns([KeyConcern("ک", "k")], now=AFTER, by="M")),
    (
        "final",
        lambda c: c.publish_final_version(document_sha256=SHA, document_url=URL, now=AFTER, by="M"),
    ),
]


@settings(max_examples=150)
@given(st.lists(st.sampled_from(COMMANDS), max_size=20))
def test_any_command_sequence_keeps_the_invariants(
    commands: list[tuple[str, Callable[[Consultation], Any]]],
) -> None:
    app = application()
    call = published()
    call.collect_events()
    for _, command in commands:
        before = call.version
        try:
            command(call)
        except DomainError:
            assert call.collect_events() == []
            assert call.version == before
        else:
            assert len(call.collect_events()) == 1
            assert call.version == before + 1
        if call.final_version is not None:
            assert all(s.accepted is not None for s in call.suggestions) and call.key_concerns
        assert [s.number for s in call.suggestions] == list(range(1, len(call.suggestions) + 1))
    call = published()
    for _, command in commands:
        with contextlib.suppress(DomainError):
            command(call)
    app.save(call)
    assert app.repository.get(call.id) == call
