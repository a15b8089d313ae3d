"""Projection benchmark: lag from append to visible in each view under a steady load, and
rebuild speed against the raw speed of reading the log.

Run:  .venv/bin/python -m benchmarks.views [--store sqlite|postgres] [--rate 150]
          [--seconds 10] [--cases 1500] [--nats nats://127.0.0.1:4222]
          [--rounds 3] [--batch 5000] [--rebuild-only] [--quick]
(as a module: run as a script, this file would shadow the ``projections`` package)

Lag: one writer thread (as the hub's executor) issues case commands at a steady rate, one
event each, and notes the time each command returned (its event committed) and its log
position. A watcher looks at each view's tracked position every 2 ms and stamps every
position it has passed. Lag = stamp − commit. Embedded mode: eventsourcing's
``ProjectionRunner`` (SQLite polling subscription every 20 ms, PostgreSQL LISTEN/NOTIFY);
with ``--nats``: relay → JetStream → one projection worker, views in the same store kind.

Rebuild: each view is emptied and rebuilt from the whole log in batches of ``--batch``
events (one transaction each; the hub's default), then all three together (the log read and decoded once for them); the
baselines read the same log with ``select_notifications`` in the same batches, and read it
and decode every event with the same mapper the views get. Each is the best of
``--rounds``, in events per second of wall-clock time and per CPU second of this process
(on a shared machine the CPU figure is the steadier). The goal of issue 12 is "all three"
÷ "read+decode" ≥ 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nats as nats_client
from tabadol.catalogue.v1 import catalogue_pb2 as cat

from aggregates.identifiers import NationalCode
from aggregates.service_record import Stage
from benchmarks._support import temporary_store
from hub.application.hub import TabadolHub
from hub.config import APP_NAME, Settings
from hub.ledger.log_reader import LogReader
from hub.servicers.convert import spec_from_proto
from hub.streams.projector import (
    EmbeddedProjections,
    ProjectionOptions,
    open_views,
    run_projection_worker,
)
from hub.streams.relay import NatsOptions, run_relay
from hub.trail.keys import init_keys
from projections._sql import CATCH_UP_BATCH, catch_up, open_view
from projections.monitoring import MonitoringViews

AGENCY = "MOJ"
SERVICE = "13021000101"
VIEWS = ("window_feed", "case_status", "agency_kpis")


def _record(hub: TabadolHub) -> None:
    spec = cat.ServiceRecordSpec(
        title_fa="صدور گواهی",
        title_en="Certificate",
        legal_basis="ماده ۳۶",
        service_type=cat.SERVICE_TYPE_SOVEREIGN,
        owner_agency=AGENCY,
        stakeholders=["شهروندان"],
        required_documents=[
            cat.RequiredDocument(name="فرم", json_schema=json.dumps({"type": "object"}))
        ],
        identity_level=1,
        in_person_required=False,
        process=[
            cat.ProcessStep(name="ثبت", stage=cat.STAGE_REQUEST, time_limit_hours=1),
            cat.ProcessStep(name="تولید", stage=cat.STAGE_PRODUCTION, time_limit_hours=1),
            cat.ProcessStep(name="ارسال", stage=cat.STAGE_DELIVERY, time_limit_hours=1),
        ],
        units=["واحد"],
        evaluation_method="نظرسنجی",
        time_limit_hours=24,
    )
    hub.catalogue.register_service_record(SERVICE, spec_from_proto(spec), by=AGENCY)


def _commands(hub: TabadolHub, serial: int) -> list[Callable[[], object]]:
    """One case from opening to rating: nine commands, one event each (no fee, no
    inquiry: the record asks for neither)."""
    exchanges = hub.exchange_records
    code = NationalCode.from_serial(f"{serial:09d}").value
    box: dict[str, str] = {}

    def opened() -> None:
        box["c"] = hub.cases.open_case(
            SERVICE, code, channel="web", postal_code="1316943891", by=AGENCY
        ).tracking_code

    return [
        opened,
        lambda: exchanges.record_identity(
            box["c"], active=True, national_code=code, level=1, by=AGENCY
        ),
        lambda: hub.cases.record_step(box["c"], "ثبت", by=AGENCY),
        lambda: hub.cases.complete_stage(box["c"], Stage.REQUEST, by=AGENCY),
        lambda: hub.cases.record_step(box["c"], "تولید", by=AGENCY),
        lambda: hub.cases.complete_stage(box["c"], Stage.PRODUCTION, by=AGENCY),
        lambda: hub.cases.record_step(box["c"], "ارسال", by=AGENCY),
        lambda: hub.cases.deliver(box["c"], by=AGENCY),
        lambda: hub.cases.rate_satisfaction(box["c"], score=4, by="MYGOV"),
    ]


def _fill(hub: TabadolHub, cases: int, first: int) -> None:
    for serial in range(first, first + cases):
        for command in _commands(hub, serial):
            command()


class Watcher(threading.Thread):
    """Stamps, per view, the time each log position became visible."""

    def __init__(self, views: MonitoringViews) -> None:
        super().__init__(daemon=True)
        self.views = {
            "window_feed": views.feed,
            "case_status": views.status,
            "agency_kpis": views.kpis,
        }
        self.seen: dict[str, dict[int, float]] = {name: {} for name in self.views}
        self.done = threading.Event()

    def run(self) -> None:
        last = {name: view.max_tracking_id(APP_NAME) or 0 for name, view in self.views.items()}
        while not self.done.is_set():
            for name, view in self.views.items():
                tracked = view.max_tracking_id(APP_NAME) or 0
                if tracked > last[name]:
                    now = time.perf_counter()
                    for position in range(last[name] + 1, tracked + 1):
                        self.seen[name][position] = now
                    last[name] = tracked
            time.sleep(0.002)


def _steady(hub: TabadolHub, rate: float, seconds: float, first: int) -> dict[int, float]:
    """Commands at ``rate`` per second for ``seconds``; position → commit time."""
    committed: dict[int, float] = {}
    interval, start, serial = 1 / rate, time.perf_counter(), first
    n = 0
    while time.perf_counter() - start < seconds:
        for command in _commands(hub, serial):
            due = start + n * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            command()
            committed[hub.recorder.max_notification_id() or 0] = time.perf_counter()
            n += 1
        serial += 1
    return committed


def _lags(committed: dict[int, float], watcher: Watcher) -> dict[str, tuple[float, float, int]]:
    deadline = time.monotonic() + 30
    last = max(committed)
    while any(last not in seen for seen in watcher.seen.values()) and time.monotonic() < deadline:
        time.sleep(0.01)
    watcher.done.set()
    result = {}
    for name, seen in watcher.seen.items():
        lags = sorted((seen[p] - t) * 1000 for p, t in committed.items() if p in seen)
        p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
        result[name] = (statistics.median(lags), p99, len(lags))
    return result


def _print_lags(
    title: str, lags: dict[str, tuple[float, float, int]], rate: float, committed: dict[int, float]
) -> None:
    times = sorted(committed.values())
    achieved = (len(times) - 1) / (times[-1] - times[0])
    print(
        f"\n{title} — steady load: {rate:.0f} commands/s asked, {achieved:.0f} achieved"
        " (one event each)"
    )
    print(f"{'view':<14} {'events':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (p50, p99, count) in lags.items():
        print(f"{name:<14} {count:>7} {p50:>8.1f} {p99:>8.1f}")


def _nats_thread(
    settings: Settings, options: ProjectionOptions, nats: NatsOptions
) -> tuple[threading.Thread, Callable[[], None]]:
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        await asyncio.gather(
            run_relay(settings, stop, nats), run_projection_worker(settings, stop, options, nats)
        )

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    return thread, lambda: loop.call_soon_threadsafe(stop.set)


Speed = tuple[float, float]
"""Events per second of wall-clock time and per CPU second of this process."""


def _timed(fn: Callable[[], int]) -> Speed:
    wall, cpu = time.perf_counter(), time.process_time()
    count = fn()
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def _best(runs: int, fn: Callable[[], Speed]) -> Speed:
    speeds = [fn() for _ in range(runs)]
    return max(s[0] for s in speeds), max(s[1] for s in speeds)


def _read(reader: LogReader, decode: bool, size: int) -> int:
    count, after = 0, 0
    while True:
        batch = reader.recorder.select_notifications(after, size, inclusive_of_start=False)
        if not batch:
            return count
        if decode:
            for n in batch:
                reader.mapper.to_domain_event(n)
        count += len(batch)
        after = batch[-1].id


def _rebuild_speed(
    settings: Settings, options: ProjectionOptions, rounds: int, size: int
) -> dict[str, Speed]:
    reader = LogReader(env=settings.eventsourcing_env())
    projections = [
        projection_class(
            open_view(interface, projection_class.name, options.view_env(projection_class.name))
        )
        for projection_class, interface in options.projection_classes()
    ]

    def rebuild(group: list[Any]) -> Speed:
        for projection in group:
            projection.view.reset(APP_NAME)
        return _timed(
            lambda: catch_up(group, reader.recorder, reader.mapper, APP_NAME, batch_size=size)
        )

    speeds = {p.name: _best(rounds, lambda p=p: rebuild([p])) for p in projections}
    speeds["all three"] = _best(rounds, lambda: rebuild(projections))  # read, decoded once
    speeds["read"] = _best(rounds, lambda: _timed(lambda: _read(reader, False, size)))
    speeds["read+decode"] = _best(rounds, lambda: _timed(lambda: _read(reader, True, size)))
    for projection in projections:
        projection.view.datastore.close()
    reader.close()
    return speeds


def _print_rebuilds(
    store: str, events: int, speeds: dict[str, Speed], rounds: int, size: int
) -> None:
    print(
        f"\nRebuild from zero, {store}, {events} events in the log (batches of {size}, best"
        f" of {rounds}; load average {os.getloadavg()[0]:.2f})"
    )
    if store == "postgres":
        print("(CPU: this process only; the PostgreSQL server's work is not in it)")
    decoded = speeds["read+decode"]
    print(
        f"{'what':<14} {'events/s':>10} {'ev/CPU-s':>10} {'÷ read+decode':>14}"
        f" {'(CPU)':>7} {'÷ read':>8}"
    )
    for name in (*VIEWS, "all three", "read+decode", "read"):
        wall, cpu = speeds[name]
        print(
            f"{name:<14} {wall:>10,.0f} {cpu:>10,.0f} {wall / decoded[0]:>14.3f}"
            f" {cpu / decoded[1]:>7.3f} {wall / speeds['read'][0]:>8.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rate", type=float, default=150, help="commands per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--cases", type=int, default=1500, help="extra cases before rebuild")
    parser.add_argument("--nats", help="also measure relay → JetStream → worker lag")
    parser.add_argument("--rounds", type=int, default=3, help="rebuilds and reads; best kept")
    parser.add_argument("--batch", type=int, default=CATCH_UP_BATCH, help="events a batch")
    parser.add_argument("--rebuild-only", action="store_true", help="no lag measurement")
    parser.add_argument("--quick", action="store_true", help="3 s of lag, 200 cases (under 30 s)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.cases = 3.0, 200

    tmp = Path(tempfile.mkdtemp(prefix="tabadol-bench-"))
    store, drop = (f"sqlite:///{tmp / 'events.sqlite'}", lambda: None)
    if args.store == "postgres":
        store, drop = temporary_store("postgres", Path("."))
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp),
            "TABADOL_EVENT_STORE": store,
            "TABADOL_NATS_URL": args.nats or "",
        }
    )
    hub = TabadolHub(
        init_keys(settings.signing_key, settings.public_keys), env=settings.eventsourcing_env()
    )
    read_models = store if args.store == "postgres" else f"sqlite:///{tmp / 'views'}"
    options = ProjectionOptions(read_models=read_models, pseudonym_key=tmp / "pseudonym.key")
    try:
        _record(hub)
        if not args.rebuild_only:
            embedded = EmbeddedProjections(settings, options)
            watcher = Watcher(embedded.start())
            watcher.start()
            committed = _steady(hub, args.rate, args.seconds, first=1)
            lags = _lags(committed, watcher)
            _print_lags(f"Embedded mode, {args.store}", lags, args.rate, committed)
            embedded.close()

        if args.nats and not args.rebuild_only:
            tag = uuid.uuid4().hex[:8]
            nats = NatsOptions(
                stream=f"BENCH_{tag}",
                subject_prefix=f"bench{tag}.events",
                window_stream=f"BENCH_WIN_{tag}",
                window_prefix=f"bench{tag}.window",
                durable_prefix=f"bench-{tag}",
            )
            thread, stop = _nats_thread(settings, options, nats)  # goes on from the views
            views = open_views(options)
            watcher = Watcher(views)
            _commands(hub, 99_999)[0]()  # a marker behind the backlog the worker skips
            while (views.position(APP_NAME) or 0) < (hub.recorder.max_notification_id() or 0):
                time.sleep(0.05)
            watcher.start()
            committed = _steady(hub, args.rate, args.seconds, first=100_000)
            lags = _lags(committed, watcher)
            _print_lags(f"Relay → JetStream → worker, {args.store}", lags, args.rate, committed)
            stop()
            thread.join(10)
            asyncio.run(_delete_streams(args.nats, nats))

        _fill(hub, args.cases, first=200_000)
        events = hub.recorder.max_notification_id() or 0
        speeds = _rebuild_speed(settings, options, args.rounds, args.batch)
        _print_rebuilds(args.store, events, speeds, args.rounds, args.batch)
    finally:
        hub.close()
        drop()


async def _delete_streams(url: str, options: NatsOptions) -> None:
    nc = await nats_client.connect(url)
    js = nc.jetstream()
    for stream in (options.stream, options.window_stream):
        await js.delete_stream(stream)
    await nc.close()


if __name__ == "__main__":
    main()
