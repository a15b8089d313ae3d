"""Decisions on suggestions pushed to their authors over NATS (003: accepted or rejected
suggestions, with documented and legal reasons, are sent to the participants): the relay
publishes each decision on ``<prefix>.<pseudonym>.decisions``, once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nats.js.errors import NotFoundError

from aggregates.consultation import KeyConcern
from hub.application.hub import TabadolHub
from hub.config import Settings
from hub.streams.relay import NatsOptions, last_published, run_relay
from hub.testing import InMemoryIdentityVerifier, ManualClock
from hub.trail.keys import init_keys
from tests.nats_server import NATS_URL, delete_streams, jetstream, unique_options
from tests.samples import applicant

pytestmark = pytest.mark.nats

START = datetime(2026, 4, 21, 6, 30, tzinfo=UTC)  # 1405-02-01 10:00 Tehran
BASIS = "ماده ۹ تصویب‌نامه ۱۱۲۷۱۲۸ شورای عالی اداری"


@pytest.fixture
async def options() -> AsyncIterator[NatsOptions]:
    unique = unique_options(batch_size=10, poll_interval=0.01)
    yield unique
    await delete_streams(unique)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path),
            "TABADOL_EVENT_STORE": f"sqlite:///{tmp_path / 'events.sqlite'}",
            "TABADOL_NATS_URL": NATS_URL,
        }
    )


@pytest.fixture
def hub(settings: Settings) -> Iterator[TabadolHub]:
    hub = TabadolHub(
        init_keys(settings.signing_key, settings.public_keys), env=settings.eventsourcing_env()
    )
    yield hub
    hub.close()


async def _messages(options: NatsOptions, count: int, timeout: float = 20.0) -> list[object]:
    deadline = time.monotonic() + timeout
    async with jetstream() as js:
        while True:
            with contextlib.suppress(NotFoundError):
                info = await js.stream_info(options.participants_stream)
                if info.state.messages >= count:
                    return [
                        await js.get_msg(options.participants_stream, s)
                        for s in range(info.state.first_seq, info.state.last_seq + 1)
                    ]
            assert time.monotonic() < deadline, "the decisions did not reach the stream"
            await asyncio.sleep(0.05)


async def test_each_decision_reaches_its_author_by_pseudonym(
    hub: TabadolHub, settings: Settings, options: NatsOptions
) -> None:
    ids, clock = InMemoryIdentityVerifier(), ManualClock(START)
    hub.configure_participation(verifier=ids, pseudonym_key=b"k" * 32, now=clock)
    alice, bob = ids.issue(applicant(1)), ids.issue(applicant(2))
    consultations = hub.consultations
    call = consultations.request_consultation(
        unit="معاونت آموزشی", kind="by_law", participation_type="survey", by="MSRT"
    )
    code = call.tracking_code
    consultations.publish_draft(
        code,
        title_fa="آیین‌نامه",
        title_en="By-law",
        summary_fa="پیش‌نویس",
        summary_en="Draft",
        document_sha256="ab" * 32,
        document_url="https://www.msrt.ir/d.pdf",
        opens_on="1405/02/01",
        closes_on="1405/02/15",
        by="MSRT",
    )
    clock.advance(timedelta(hours=1))
    pa = await hub.participants.pseudonym_of(alice)
    pb = await hub.participants.pseudonym_of(bob)
    a = consultations.submit_comment(code, participant=pa, text="یک", by="MYGOV")
    b = consultations.submit_comment(code, participant=pb, text="دو", by="MYGOV")
    consultations.submit_comment(code, participant=pa, text="سه", by="MYGOV")
    clock.advance(timedelta(days=15))
    for number, accepted in ((1, True), (2, False), (3, False)):
        consultations.decide_suggestion(
            code, number, accepted=accepted, reason=f"دلیل {number}", legal_basis=BASIS, by="MSRT"
        )
    consultations.record_key_concerns(code, [KeyConcern("هزینه", "Cost")], by="MSRT")

    done = asyncio.Event()
    relay = asyncio.create_task(run_relay(settings, done, options))
    try:
        messages = await _messages(options, 3)
    finally:
        done.set()
        await relay
    bodies = [json.loads(m.data) for m in messages]  # type: ignore[attr-defined]
    subjects = [m.subject for m in messages]  # type: ignore[attr-defined]
    prefix = options.participants_prefix
    assert subjects == [
        f"{prefix}.{a.participant}.decisions",
        f"{prefix}.{b.participant}.decisions",
        f"{prefix}.{a.participant}.decisions",
    ]
    assert [(x["suggestion_number"], x["accepted"]) for x in bodies] == [
        (1, True),
        (2, False),
        (3, False),
    ]
    assert {x["legal_basis"] for x in bodies} == {BASIS} and bodies[0]["tracking_code"] == code
    positions = [x["position"] for x in bodies]
    assert positions == sorted(positions)
    async with jetstream() as js:
        assert await last_published(js, options.participants_stream) == positions[-1]
    # the same decisions are also what FollowDecisions streams over gRPC
    mine = consultations.decisions_for(a.participant)
    assert [n.position for n in mine] == [positions[0], positions[2]]
