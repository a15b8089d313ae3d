"""The monitoring views on SQLite and PostgreSQL, fed hand-made events at chosen times:
what each view shows, Jalali at the edge, idempotency by position, and ordering repairs."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from aggregates.errors import InvalidInput, NotFound
from aggregates.identifiers import TrackingCode, TrackingKind
from aggregates.service_case import ServiceCase
from aggregates.service_record import DEFAULT_EVALUATION
from hub.application.hub import TabadolHub
from hub.config import APP_NAME, store_env
from hub.ledger.log_reader import ForeignEvent, LogReader
from hub.streams.projector import apply_in_order
from hub.trail.keys import Signer
from projections._sql import SQLView, catch_up, open_view
from projections.agency_kpis import AgencyKpisProjection, AgencyKpisView
from projections.case_status import CaseStatusProjection, CaseStatusView
from projections.window_feed import WindowFeedProjection, WindowFeedView
from tests.integration.test_projections_cases import CaseFactory
from tests.samples import applicant

NOWRUZ = datetime(2026, 3, 20, 20, 30, tzinfo=UTC)  # 1405-01-01 00:00 in Tehran


def pseudonym(code: str) -> str:
    return "p-" + code[::-1]


Feed = WindowFeedProjection.keyed(pseudonym)


@pytest.fixture(params=["sqlite", "postgres"])
def view_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """name → eventsourcing settings of a fresh view in SQLite or PostgreSQL."""
    if request.param == "sqlite":
        yield lambda name: store_env(f"sqlite:///{tmp_path / (name + '.sqlite')}")
    else:
        url = request.getfixturevalue("pg_url")
        yield lambda name: store_env(url)


def open_(interface: type[SQLView], name: str, view_env: Any) -> Any:
    return open_view(interface, name, view_env(name))


@dataclass
class Log:
    """Hand-made case events with positions (gaps included, as PostgreSQL leaves them)."""

    position: int = 0
    events: list[tuple[Tracking, object]] = field(default_factory=list)

    def add(self, event: object) -> None:
        self.position += random.choice((1, 1, 1, 2))
        self.events.append((Tracking(APP_NAME, self.position), event))


@dataclass
class Case:
    log: Log
    agency: str = "MOJ"
    service_code: str = "13021000101"
    national_code: str = applicant(4242)
    limit_hours: int = 48
    code: str = field(default_factory=lambda: TrackingCode.new(TrackingKind.CASE).value)
    case_id: Any = field(default_factory=uuid4)
    version: int = 0

    def _event(self, event_class: type[Any], at: datetime, **fields: Any) -> None:
        self.version += 1
        self.log.add(
            event_class(
                originator_id=self.case_id, originator_version=self.version, timestamp=at, **fields
            )
        )

    def opened(self, at: datetime) -> Case:
        self._event(
            ServiceCase.Opened,
            at,
            originator_topic="tabadol.service_case",
            tracking_code=self.code,
            service_code=self.service_code,
            record_revision=1,
            agency=self.agency,
            applicant_national_code=self.national_code,
            channel="web",
            counter="",
            process=[],
            time_limit_hours=self.limit_hours,
            in_person_required=False,
            by=self.agency,
            required_inquiries=["civil_registration"],
            identity_level=2,
            fee=None,
            evaluation=DEFAULT_EVALUATION.to_dict(),
            forms={},
            applicant_kind="natural",
            legal_person_national_id="",
            applicant_postal_code="1316943891",
        )
        return self

    def step(self, at: datetime, stage: str, name: str, note: str = "") -> Case:
        self._event(ServiceCase.StepRecorded, at, stage=stage, step=name, note=note, by=self.agency)
        return self

    def completed(self, at: datetime, stage: str) -> Case:
        self._event(ServiceCase.StageCompleted, at, stage=stage, by=self.agency)
        return self

    def inquiry(self, at: datetime) -> Case:
        self._event(
            ServiceCase.InquiryMade,
            at,
            kind="civil_registration",
            inquiry_tracking_code="1234567812345670",
            system="civil-registry",
            issuing_agency="NOCR",
            facts={"alive": True},
            inquired_at=at,
            by=self.agency,
        )
        return self

    def delivered(self, at: datetime, in_person: bool = False, note: str = "") -> Case:
        self._event(ServiceCase.Delivered, at, in_person=in_person, note=note, by=self.agency)
        return self

    def rated(self, at: datetime, score: int, comment: str = "") -> Case:
        self._event(
            ServiceCase.Rated,
            at,
            score=score,
            comment=comment,
            by="MYGOV",
            answers={"overall": score},
        )
        return self

    def rejected(self, at: datetime, reason: str) -> Case:
        self._event(ServiceCase.Rejected, at, reason=reason, by=self.agency)
        return self

    def corrected(self, at: datetime) -> Case:
        self._event(ServiceCase.CorrectionRequested, at, reason="نقص مدارک", by=self.agency)
        return self

    def cancelled(self, at: datetime) -> Case:
        self._event(ServiceCase.Cancelled, at, reason="انصراف", by=self.agency)
        return self

    def full(self, at: datetime, hours: float, *, in_person: bool = False) -> Case:
        """Opened at ``at``, delivered ``hours`` later, through every stage."""
        done = at + timedelta(hours=hours)
        self.opened(at).step(at, "request", "ثبت درخواست").completed(at, "request")
        self.inquiry(at).step(done, "production", "استعلام سوابق").completed(done, "production")
        return self.step(done, "delivery", "ارسال").delivered(done, in_person)


def test_the_feed_carries_case_events_without_content_and_with_a_pseudonym(view_env: Any) -> None:
    view = open_(WindowFeedView, "window_feed", view_env)
    log = Log()
    case = Case(log).opened(NOWRUZ)
    case.step(NOWRUZ, "request", "ثبت درخواست", note=f"متقاضی {case.national_code}")
    case.completed(NOWRUZ, "request").inquiry(NOWRUZ)
    case.step(NOWRUZ, "production", "استعلام").completed(NOWRUZ, "production")
    case.step(NOWRUZ, "delivery", "ارسال").delivered(NOWRUZ + timedelta(hours=5), in_person=True)
    case.rated(NOWRUZ + timedelta(hours=6), 4, comment="علی رضایی، متولد ۱۳۶۰")
    Feed(view).process_batch(log.events)

    entries = view.entries()
    assert [e.kind for e in entries] == [
        "started",
        "step_recorded",
        "stage_completed",
        "step_recorded",
        "stage_completed",
        "step_recorded",
        "delivered",
        "rated",
    ]  # the inquiry is not a window event
    assert [e.stage for e in entries] == ["request"] * 3 + ["production"] * 2 + ["delivery"] * 3
    assert {e.subject for e in entries} == {pseudonym(case.national_code)}
    assert entries[-2].in_person is True and entries[-1].score == 4
    assert entries[0].at_jalali == "1405-01-01 00:00:00"
    text = repr([e.to_dict() for e in entries])
    assert case.national_code not in text and "علی" not in text and "متقاضی" not in text
    assert [e.position for e in view.entries(after=entries[3].position, limit=2)] == [
        e.position for e in entries[4:6]
    ]
    assert view.entries(agency="MIMT") == []


def test_case_status_has_every_step_the_latest_status_and_the_due_time(view_env: Any) -> None:
    view = open_(CaseStatusView, "case_status", view_env)
    log = Log()
    late = Case(log, limit_hours=10).full(NOWRUZ, 30, in_person=False).rated(NOWRUZ, 5)
    refused = Case(log).opened(NOWRUZ).rejected(NOWRUZ + timedelta(hours=1), "مدارک ناقص")
    waiting = Case(log, limit_hours=24).opened(NOWRUZ)
    CaseStatusProjection(view).process_batch(log.events)

    progress = view.progress(late.code.lower().replace("-", ""))  # typed loosely
    assert (progress.status, progress.stage, progress.score) == ("delivered", "delivery", 5)
    assert [s.kind for s in progress.steps] == [
        "opened",
        "step_recorded",
        "stage_completed",
        "inquiry_made",
        "step_recorded",
        "stage_completed",
        "step_recorded",
        "delivered",
        "rated",
    ]
    assert progress.steps[1].step == "ثبت درخواست" and progress.steps[3].stage == "production"
    assert progress.steps[0].at_jalali == "1405-01-01 00:00:00"
    assert progress.overdue(NOWRUZ) is True  # delivered 30 hours into a 10-hour limit
    assert view.progress(refused.code).status == "rejected"
    assert view.progress(refused.code).overdue(NOWRUZ + timedelta(days=9)) is False
    assert view.progress(waiting.code).overdue(NOWRUZ + timedelta(hours=23)) is False
    assert view.progress(waiting.code).overdue(NOWRUZ + timedelta(hours=25)) is True
    with pytest.raises(NotFound):
        view.progress(TrackingCode.new(TrackingKind.CASE).value)
    with pytest.raises(InvalidInput):
        view.progress("C-NOT-A-CODE")


def test_kpis_and_monthly_reports_from_known_times(view_env: Any) -> None:
    view = open_(AgencyKpisView, "agency_kpis", view_env)
    log = Log()
    before_nowruz = NOWRUZ - timedelta(hours=12)  # 1404-12-29, Tehran
    for hours, in_person in ((10, False), (20, True), (30, False), (50, False)):
        Case(log).full(before_nowruz, hours, in_person=in_person)
    Case(log).full(NOWRUZ, 6).rated(NOWRUZ + timedelta(hours=7), 3)
    Case(log, limit_hours=24).opened(NOWRUZ)  # overdue after a day
    Case(log, agency="MIMT", service_code="13021000202").opened(NOWRUZ).rejected(NOWRUZ, "x")
    AgencyKpisProjection(view).process_batch(log.events)

    by_agency = {a.total.agency: a for a in view.agency_kpis(NOWRUZ + timedelta(days=2))}
    moj = by_agency["MOJ"].total
    assert (moj.cases, moj.delivered, moj.open) == (6, 5, 1)
    assert moj.median_hours_to_delivery == pytest.approx(20)  # 6, 10, 20, 30, 50
    assert moj.p90_hours_to_delivery == pytest.approx(30 + 0.6 * 20)
    assert moj.share_delivered_without_visit == pytest.approx(4 / 5)
    assert (moj.inquiries, moj.share_inquiries_electronic) == (5, 1.0)
    assert (moj.ratings, moj.average_satisfaction) == (1, 3)
    assert (moj.late_deliveries, moj.overdue_open, moj.past_time_limit) == (1, 1, 2)
    mimt = by_agency["MIMT"].total
    assert (mimt.rejected, mimt.median_hours_to_delivery, mimt.inquiries) == (1, None, 0)
    assert mimt.share_inquiries_electronic is None  # n/a
    assert [s.service_code for s in by_agency["MOJ"].services] == ["13021000101"]

    months = {(r.agency, r.month): r for r in view.monthly_reports()}
    esfand, farvardin = months[("MOJ", "1404-12")], months[("MOJ", "1405-01")]
    assert (esfand.opened, esfand.delivered, esfand.inquiries) == (4, 1, 4)  # 10 h: same day
    assert (farvardin.opened, farvardin.delivered, farvardin.late_deliveries) == (2, 4, 1)
    assert farvardin.ratings == 1 and farvardin.month_fa == "فروردین ۱۴۰۵"
    assert [r.month for r in view.monthly_reports(agency="MIMT")] == ["1405-01"]
    assert view.monthly_reports(month="1404-11") == []


def test_quality_per_service_from_known_cases(view_env: Any) -> None:
    """Rework, visits, time against the limit and the answers, through the SQL view."""
    view = open_(AgencyKpisView, "agency_kpis", view_env)
    log = Log()
    reworked = Case(log).opened(NOWRUZ).corrected(NOWRUZ)
    done = NOWRUZ + timedelta(hours=10)
    reworked.step(NOWRUZ, "request", "ثبت درخواست").completed(NOWRUZ, "request")
    reworked.step(done, "production", "استعلام سوابق").completed(done, "production")
    reworked.step(done, "delivery", "ارسال").delivered(done).rated(done, 4)
    Case(log).full(NOWRUZ, 60, in_person=True)  # past the 48-hour limit
    Case(log).opened(NOWRUZ)
    AgencyKpisProjection(view).process_batch(log.events)
    [quality] = view.service_quality("MOJ")
    assert (quality.cases, quality.delivered) == (3, 2)
    assert quality.share_on_time == 0.5 and quality.share_in_person == 0.5
    assert quality.share_reworked == pytest.approx(1 / 3)
    assert quality.median_over_limit == pytest.approx((10 / 48 + 60 / 48) / 2)
    assert quality.response_rate == 0.5 and quality.mean_answers == {"overall": 4}
    assert quality.measures == ("time_to_delivery", "rework", "in_person_visits", "response_rate")


def test_an_event_is_applied_once_whatever_is_replayed(view_env: Any) -> None:
    view = open_(WindowFeedView, "window_feed", view_env)
    log = Log()
    Case(log).full(NOWRUZ, 5)
    feed = Feed(view)
    feed.process_batch(log.events[:4])
    before = view.dump()
    with pytest.raises(IntegrityError):
        feed.process_batch(log.events[2:6])  # overlaps: refused as a whole
    assert view.dump() == before
    with pytest.raises(IntegrityError):
        feed.process_event(log.events[3][1], log.events[3][0])
    feed.process_batch(log.events[4:])
    assert view.max_tracking_id(APP_NAME) == log.position
    assert len(view.entries()) == len(log.events) - 1  # all but the inquiry


def test_what_nats_delivers_twice_late_or_never_is_applied_once_in_order(
    tmp_path: Path, signer: Signer
) -> None:
    hub = TabadolHub(signer, env=store_env(f"sqlite:///{tmp_path / 'events.sqlite'}"))
    CaseFactory(hub).many(10)
    reader = LogReader(env=store_env(f"sqlite:///{tmp_path / 'events.sqlite'}"))
    notifications = list(hub.recorder.select_notifications(1, 10_000))
    by_nats = open_view(CaseStatusView, "case_status", store_env(f"sqlite:///{tmp_path}/a.db"))
    from_store = open_view(CaseStatusView, "case_status", store_env(f"sqlite:///{tmp_path}/b.db"))
    catch_up(CaseStatusProjection(from_store), reader.recorder, reader.mapper, APP_NAME)

    rng = random.Random(7)
    delivered = [n for n in notifications if rng.random() > 0.2]  # a fifth never arrives
    delivered += rng.sample(notifications, 30)  # some twice
    rng.shuffle(delivered)  # in any order
    projection = CaseStatusProjection(by_nats)
    for start in range(0, len(delivered), 25):  # in fetch-sized batches
        apply_in_order(projection, reader, delivered[start : start + 25])
    apply_in_order(projection, reader, notifications[-1:])  # the tail, as the next fetch
    assert by_nats.dump() == from_store.dump()
    reader.close()
    hub.close()


def _many_cases(rng: random.Random) -> list[tuple[Tracking, object | None]]:
    """Cases of every fate, their events interleaved at random (each case's in order), with
    events for a case never opened, another aggregate's event and unread positions."""
    logs: list[Log] = []

    def case(**fields: Any) -> Case:
        logs.append(Log())
        return Case(logs[-1], **fields)

    for i in range(12):
        at = NOWRUZ + timedelta(hours=i)
        case(limit_hours=10).full(at, 5 + 7 * i, in_person=i % 2 == 0).rated(at, 1 + i % 5)
        reworked = case().opened(at).corrected(at).step(at, "request", "ثبت").corrected(at)
        reworked.step(at, "request", "ثبت").completed(at, "request").inquiry(at).inquiry(at)
        reworked.step(at, "production", "صدور").completed(at, "production")
        reworked.step(at, "delivery", "ارسال").delivered(at + timedelta(days=3)).rated(at, 2)
        case(agency="MIMT", service_code="13021000202").opened(at).rejected(at, "مدارک ناقص")
        case().opened(at).step(at, "request", "ثبت").cancelled(at + timedelta(hours=1))
        case().opened(at).inquiry(at)
    orphan = case()  # never opened: its events change nothing
    orphan.version = 3
    orphan.step(NOWRUZ, "request", "ثبت").inquiry(NOWRUZ).delivered(NOWRUZ).rated(NOWRUZ, 5)
    queues = [[event for _, event in log.events] for log in logs]
    queues.append([ForeignEvent(uuid4(), 1, "tabadol.other.happened", {"x": 1}), None, None])
    merged: list[tuple[Tracking, object | None]] = []
    position = 0
    while queues:
        queue = rng.choice(queues)
        position += rng.choice((1, 1, 1, 2))
        merged.append((Tracking(APP_NAME, position), queue.pop(0)))
        if not queue:
            queues.remove(queue)
    return merged


@pytest.mark.parametrize(
    ("interface", "projection"),
    [
        (WindowFeedView, Feed),
        (CaseStatusView, CaseStatusProjection),
        (AgencyKpisView, AgencyKpisProjection),
    ],
)
def test_a_view_is_the_same_one_event_at_a_time_in_any_batches_or_in_one(
    view_env: Any, interface: type[SQLView], projection: type[Any]
) -> None:
    """The live path (one event per transaction, as ``ProjectionRunner`` calls it), a NATS
    worker's fetches and catching up (batches of any size) and a rebuild (one batch) leave
    the same tables."""
    rng = random.Random(1405)
    log = _many_cases(rng)
    view = open_(interface, projection.name, view_env)
    applied = projection(view)
    last_event = max(t.notification_id for t, event in log if event is not None)
    dumps = []
    for sizes in ("one", "random", "all"):
        view.reset(APP_NAME)
        if sizes == "one":
            for tracking, event in log:
                if event is not None:
                    applied.process_event(event, tracking)
        else:
            start = 0
            while start < len(log):
                size = rng.randint(1, 40) if sizes == "random" else len(log)
                applied.process_batch(log[start : start + size])
                start += size
        tracked = last_event if sizes == "one" else log[-1][0].notification_id
        assert view.max_tracking_id(APP_NAME) == tracked
        dumps.append(view.dump())
    assert all(rows for rows in dumps[0].values())  # every table has rows
    assert dumps[1] == dumps[0]
    assert dumps[2] == dumps[0]


def test_catching_up_leaves_the_collector_as_it_found_it(tmp_path: Path, signer: Signer) -> None:
    """catch_up freezes the heap it starts with for its own run only, and leaves a heap the
    process froze (``tabadol serve``) frozen."""
    hub = TabadolHub(signer, env=store_env(f"sqlite:///{tmp_path / 'events.sqlite'}"))
    CaseFactory(hub).many(2)
    view = open_view(CaseStatusView, "case_status", store_env(f"sqlite:///{tmp_path}/v.db"))
    projection = CaseStatusProjection(view)
    gc.unfreeze()
    try:
        catch_up(projection, hub.recorder, hub.mapper, APP_NAME)
        assert gc.get_freeze_count() == 0
        gc.freeze()
        frozen = gc.get_freeze_count()
        view.reset(APP_NAME)
        catch_up(projection, hub.recorder, hub.mapper, APP_NAME)
        assert 0 < gc.get_freeze_count() <= frozen  # still frozen, nothing more frozen
    finally:
        gc.unfreeze()
    assert view.max_tracking_id(APP_NAME) == hub.recorder.max_notification_id()
    hub.close()
