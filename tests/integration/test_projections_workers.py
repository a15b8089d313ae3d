"""Scale-out: projection workers on JetStream keep the views in PostgreSQL.

Workers SIGKILLed mid-stream, and several sharing the durable consumers, leave views equal
to a rebuild from the event store (no gap, no duplicate), and the national-window stream
holds each feed entry once; a worker re-subscribes after NATS restarts.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.application.hub import TabadolHub
from hub.config import APP_NAME, Settings
from hub.streams.projector import ProjectionOptions, open_views, rebuild, run_projection_worker
from hub.streams.relay import NatsOptions, run_relay
from hub.trail.keys import init_keys
from projections.monitoring import MonitoringViews
from tests.integration.test_projections_cases import FATES, CaseFactory
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

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


@pytest.fixture
async def options() -> AsyncIterator[NatsOptions]:
    unique = unique_options(batch_size=10, poll_interval=0.01)
    yield unique
    await delete_streams(unique)


def write_cases(factory: CaseFactory, stop_writing: threading.Event) -> None:
    serial = 7000
    while not stop_writing.is_set():
        factory.run(FATES[serial % len(FATES)], applicant(serial), in_person=serial % 4 == 0)
        serial += 1


async def until_position(views: MonitoringViews, position: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(views.position, APP_NAME) < position:
        assert time.monotonic() < deadline, f"views did not reach position {position}"
        await asyncio.sleep(0.05)


def dumps(views: MonitoringViews) -> dict[str, object]:
    return {"feed": views.feed.dump(), "status": views.status.dump(), "kpis": views.kpis.dump()}


async def test_killed_and_concurrent_workers_leave_views_equal_to_a_rebuild(
    pg_url: str, tmp_path: Path, options: NatsOptions
) -> None:
    env = {
        "TABADOL_DATA_DIR": str(tmp_path),
        "TABADOL_EVENT_STORE": pg_url,
        "TABADOL_NATS_URL": NATS_URL,
    }
    settings = Settings.from_env(env)
    hub = TabadolHub(
        init_keys(settings.signing_key, settings.public_keys), env=settings.eventsourcing_env()
    )
    factory = CaseFactory(hub)
    factory.many(4)
    projection = ProjectionOptions(read_models=pg_url, pseudonym_key=tmp_path / "pseudonym.key")
    views = open_views(projection)
    done = asyncio.Event()
    relay = asyncio.create_task(run_relay(settings, done, options))
    stop_writing = threading.Event()
    writer = threading.Thread(target=write_cases, args=(factory, stop_writing))
    writer.start()
    try:
        first = spawn("worker", env, options, projection)
        await until_position(views, 30)
        kill(first)  # mid-stream: batches of 10, events still coming
        second, third = (spawn("worker", env, options, projection) for _ in range(2))
        reached = await asyncio.to_thread(views.position, APP_NAME)
        await until_position(views, reached + 40)
        kill(second)  # the third goes on alone with what the second left unacked
    finally:
        stop_writing.set()
        writer.join()
    try:
        await until_position(views, hub.recorder.max_notification_id() or 0)
        async with jetstream() as js:
            deadline = time.monotonic() + 20
            feed = [e.position for e in views.feed.entries(0, 100_000)]
            while (window := await stream_positions(js, options.window_stream)) != feed:
                assert time.monotonic() < deadline, "window stream incomplete"
                await asyncio.sleep(0.1)
    finally:
        stop(third)
        done.set()
        await relay

    rebuilt = ProjectionOptions(
        read_models=f"sqlite:///{tmp_path / 'rebuilt'}", pseudonym_key=projection.pseudonym_key
    )
    rebuild(settings, rebuilt)
    fresh = open_views(rebuilt)
    assert dumps(views) == dumps(fresh)  # PostgreSQL by workers == SQLite from the store
    assert len(window) == len(set(window)) > 100
    relevant = {
        n.id
        for n in hub.recorder.select_notifications(1, 100_000)
        if n.topic.removeprefix("tabadol.service_case.")
        in (
            "opened",
            "step_recorded",
            "stage_completed",
            "delivered",
            "rejected",
            "cancelled",
            "rated",
        )
    }
    assert set(feed) == relevant
    views.close()
    fresh.close()
    hub.close()


async def test_a_worker_resubscribes_after_nats_restarts(
    tmp_path: Path, options: NatsOptions
) -> None:
    server = PrivateNats()
    server.start()
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path),
            "TABADOL_EVENT_STORE": f"sqlite:///{tmp_path / 'events.sqlite'}",
            "TABADOL_NATS_URL": server.url,
        }
    )
    hub = TabadolHub(
        init_keys(settings.signing_key, settings.public_keys), env=settings.eventsourcing_env()
    )
    factory = CaseFactory(hub)
    projection = ProjectionOptions(
        read_models=f"sqlite:///{tmp_path / 'views'}", pseudonym_key=tmp_path / "pseudonym.key"
    )
    views = open_views(projection)
    done = asyncio.Event()
    tasks = [
        asyncio.create_task(run_relay(settings, done, options)),
        asyncio.create_task(run_projection_worker(settings, done, projection, options)),
    ]
    try:
        factory.many(2)
        await until_position(views, hub.recorder.max_notification_id() or 0)
        server.stop()
        await asyncio.sleep(0.3)
        server.start()
        await asyncio.to_thread(factory.many, 2)
        await until_position(views, hub.recorder.max_notification_id() or 0)
    finally:
        done.set()
        await asyncio.gather(*tasks)
        server.remove()
        views.close()
        hub.close()
