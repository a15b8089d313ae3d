"""The relay against the real JetStream server: every event once, in order, routed by
agency, service and type; a relay killed mid-stream (SIGKILL) resumes with no gap and no
duplicate; two relays at once and a NATS restart change nothing."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from nats.js.errors import NotFoundError

from hub.application.hub import TabadolHub
from hub.config import APP_NAME, Settings
from hub.streams.relay import NatsOptions, ensure_streams, last_published, run_relay
from hub.trail.keys import init_keys
from tests.integration.test_projections_cases import CaseFactory
from tests.nats_server import (
    NATS_URL,
    PrivateNats,
    delete_streams,
    jetstream,
    kill,
    spawn,
    stop,
    stream_positions,
    unique_options,
)
from tests.samples import applicant

pytestmark = pytest.mark.nats


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


async def until_published(options: NatsOptions, last: int, timeout: float = 20.0) -> list[int]:
    """The stream's positions, once it holds ``last``."""
    deadline = time.monotonic() + timeout
    async with jetstream() as js:
        while True:
            with contextlib.suppress(NotFoundError):  # the relay has not made it yet
                if await last_published(js, options.stream) >= last:
                    return await stream_positions(js, options.stream)
            assert time.monotonic() < deadline, f"stream did not reach position {last}"
            await asyncio.sleep(0.05)


def all_positions(hub: TabadolHub) -> list[int]:
    return [n.id for n in hub.recorder.select_notifications(1, 1_000_000)]


async def test_every_event_is_published_once_in_order_routed_by_agency_service_and_type(
    hub: TabadolHub, settings: Settings, options: NatsOptions
) -> None:
    CaseFactory(hub).many(6)
    done = asyncio.Event()
    relays = [asyncio.create_task(run_relay(settings, done, options)) for _ in range(2)]
    positions = await until_published(options, hub.recorder.max_notification_id() or 0)
    done.set()
    await asyncio.gather(*relays)

    assert positions == all_positions(hub)  # two relays at once: still once each, in order
    stored = {n.id: n for n in hub.recorder.select_notifications(1, 1000)}
    async with jetstream() as js:
        info = await js.stream_info(options.stream)
        messages = [await js.get_msg(options.stream, s) for s in range(1, info.state.last_seq + 1)]
    opened = next(m for m in messages if m.subject and m.subject.endswith("service_case.opened"))
    position = int(opened.headers["Tabadol-Position"])  # type: ignore[index]
    notification = stored[position]
    assert opened.subject == f"{options.subject_prefix}.MOJ.13021000101.service_case.opened"
    assert opened.data == notification.state  # the signed envelope, as stored
    assert opened.headers == {
        "Nats-Msg-Id": f"{APP_NAME}:{position}",
        "Tabadol-Position": str(position),
        "Tabadol-Aggregate-Id": str(notification.originator_id),
        "Tabadol-Version": "1",
        "Tabadol-Topic": "tabadol.service_case.opened",
    }
    subjects = {m.subject for m in messages}
    assert f"{options.subject_prefix}.MIMT.13021000202.service_case.delivered" in subjects
    assert f"{options.subject_prefix}.MIMT.13021000202.service_record.registered" in subjects
    assert any(
        s and s.startswith(f"{options.subject_prefix}._._.inquiry_receipt") for s in subjects
    )


def write_cases(factory: CaseFactory, stop_writing: threading.Event, first: int) -> None:
    serial = first
    while not stop_writing.is_set():
        factory.run("open", applicant(serial))
        serial += 1


async def test_a_relay_killed_mid_stream_resumes_with_no_gap_and_no_duplicate(
    hub: TabadolHub, settings: Settings, options: NatsOptions, tmp_path: Path
) -> None:
    factory = CaseFactory(hub)
    factory.many(4)
    env = {
        "TABADOL_DATA_DIR": str(tmp_path),
        "TABADOL_EVENT_STORE": settings.event_store,
        "TABADOL_NATS_URL": NATS_URL,
    }
    stop_writing = threading.Event()
    writer = threading.Thread(target=write_cases, args=(factory, stop_writing, 5000))
    writer.start()
    try:
        published = 0
        for _ in range(2):  # two relays, each SIGKILLed while publishing
            relay = spawn("relay", env, options)
            published = (await until_published(options, published + 5))[-1]
            kill(relay)
    finally:
        stop_writing.set()
        writer.join()
    relay = spawn("relay", env, options)
    try:
        positions = await until_published(options, hub.recorder.max_notification_id() or 0)
    finally:
        stop(relay)
    expected = all_positions(hub)
    assert len(expected) > 40
    assert positions == expected


async def test_the_relay_rides_out_a_nats_restart(
    hub: TabadolHub, settings: Settings, options: NatsOptions
) -> None:
    server = PrivateNats()
    server.start()
    factory = CaseFactory(hub)
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(settings.data_dir),
            "TABADOL_EVENT_STORE": settings.event_store,
            "TABADOL_NATS_URL": server.url,
        }
    )
    done = asyncio.Event()
    logs = structlog.testing.LogCapture()
    structlog.configure(processors=[logs])  # the conftest's configuration comes back after
    relay = asyncio.create_task(run_relay(settings, done, options))
    try:
        factory.many(3)
        await asyncio.sleep(0.5)
        server.stop()
        await asyncio.to_thread(factory.many, 3)  # written while NATS is down
        await asyncio.sleep(0.5)
        server.start()
        deadline = time.monotonic() + 20
        while True:
            async with jetstream(server.url) as js:
                positions = await stream_positions(js, options.stream)
            if positions and positions[-1] >= (hub.recorder.max_notification_id() or 0):
                break
            assert time.monotonic() < deadline, "relay did not catch up after the restart"
            await asyncio.sleep(0.2)
        assert sorted(set(positions)) == all_positions(hub)
        assert len(positions) == len(set(positions))
        nats_lines = [e for e in logs.entries if str(e.get("event", "")).startswith("nats")]
        assert [e["event"] for e in nats_lines] == [
            "nats connection lost; reconnecting",
            "nats reconnected",
        ], nats_lines  # one line each way, however many attempts failed, no tracebacks
        assert not any("exc_info" in e or "exception" in e for e in logs.entries)
    finally:
        done.set()
        await relay
        server.remove()
        structlog.reset_defaults()


async def test_processes_creating_the_streams_at_once_all_succeed(options: NatsOptions) -> None:
    """The relay and the projection workers start together; each ensures the streams."""

    async def one_process() -> None:
        async with jetstream() as js:
            await ensure_streams(js, options)

    await asyncio.gather(*(one_process() for _ in range(16)))
    async with jetstream() as js:
        for name, prefix in (
            (options.stream, options.subject_prefix),
            (options.window_stream, options.window_prefix),
        ):
            info = await js.stream_info(name)
            assert info.config.subjects == [f"{prefix}.>"]
