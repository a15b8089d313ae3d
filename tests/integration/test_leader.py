"""Three hubs on one PostgreSQL database: one leader (an advisory lock) signs the checkpoints
and reconciles; when it stops another takes over; the trail verifies afterwards. A leader
duty (the relay) runs only while its process leads: a leader that loses its lock stops it.
A payment left without an outcome by a crash is reconciled by the leader alone, and by the
next leader when it stops.

The same with real ``tabadol serve`` processes and kill -9: tests/e2e/test_replicas.py."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
import psycopg
import pytest
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from hub.application.hub import TabadolHub
from hub.audit.checkpoints import AuditLog
from hub.bootstrap import Running, create_server, when_leading
from hub.cli.audit import audit_verify
from hub.config import Settings, store_env
from hub.ledger.leadership import Leadership, SchemaLock
from hub.ledger.replays import ReplayStore
from hub.testing import dev_env
from hub.trail.keys import init_keys, load_signer
from tests.integration.test_case_exchanges import (
    ExchangeHub,
    Simulators,
    exchange_hub_on,
    get_case,
    simulators,
)
from tests.integration.test_case_exchanges_failures import crashed_payments
from tests.samples import AGENCY, spec_proto

META = (("x-tabadol-agency", AGENCY),)
__all__ = ["simulators"]  # the shared fixture, imported for pytest to find


async def leaders(hubs: list[Running], expected: int = 1, within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while True:
        found = [i for i, r in enumerate(hubs) if r.leadership and r.leadership.leading]
        if len(found) == expected:
            return found
        assert time.monotonic() < deadline, f"{len(found)} leaders, expected {expected}"
        await asyncio.sleep(0.1)


@pytest.mark.timeout(120)
async def test_one_leader_among_three_hubs_and_a_handover(pg_url: str, tmp_path: Path) -> None:
    env = {
        "TABADOL_DATA_DIR": str(tmp_path),
        "TABADOL_EVENT_STORE": pg_url,
        "TABADOL_LISTEN": "127.0.0.1:0",
        "TABADOL_CHECKPOINT_EVERY": "1",
        "TABADOL_CHECKPOINT_SECONDS": "0.5",
        **dev_env(tmp_path),
    }
    settings = Settings.from_env(env)
    init_keys(settings.signing_key, settings.public_keys)
    apps = [TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env()) for _ in range(3)]  # fmt: skip
    hubs = [await create_server(app, settings) for app in apps]
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{r.port}") for r in hubs]
    try:
        first = await leaders(hubs)
        for i in range(9):  # writes through every replica
            stub = catalogue_pb2_grpc.CatalogueServiceStub(channels[i % 3])
            await stub.RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=f"1302100{i:04d}", spec=spec_proto()),
                metadata=META,
            )
        await asyncio.sleep(1.5)
        assert await leaders(hubs, within=0) == first  # one leader all along

        leader = first[0]
        await hubs[leader].stop(grace=0)  # hands over: its lock goes with its connection
        rest = [r for i, r in enumerate(hubs) if i != leader]
        (successor,) = await leaders(rest)
        stub = catalogue_pb2_grpc.CatalogueServiceStub(channels[(leader + 1) % 3])
        await stub.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code="13021009999", spec=spec_proto()),
            metadata=META,
        )
        await asyncio.sleep(1.5)
        assert await leaders(rest, within=0) == [successor]
    finally:
        for channel in channels:
            await channel.close()
        for i, running in enumerate(hubs):
            if running.leadership is not None and not running.stop_background.is_set():
                await running.stop(grace=0)
            apps[i].close()
    assert await asyncio.to_thread(audit_verify, pg_url, settings.public_keys) == 0


async def test_a_duty_runs_only_while_its_process_leads(pg_url: str) -> None:
    """The lock's connection is cut (as a network split would): that process stops its
    duty, and the duty runs again in whichever process holds the lock, only there."""
    stop = asyncio.Event()
    replicas = [Leadership(store_env(pg_url), interval=0.2) for _ in range(2)]
    running: set[int] = set()
    starts: list[int] = []

    def duty(i: int) -> Callable[[asyncio.Event], Awaitable[None]]:
        async def relay(term: asyncio.Event) -> None:
            running.add(i)
            starts.append(i)
            await term.wait()
            running.discard(i)

        return relay

    tasks = [asyncio.ensure_future(r.run(stop)) for r in replicas] + [
        asyncio.ensure_future(when_leading(r, stop, duty(i))) for i, r in enumerate(replicas)
    ]

    async def settled() -> int:
        deadline = time.monotonic() + 10
        while True:
            leading = {i for i, r in enumerate(replicas) if r.leading}
            if len(leading) == 1 and running == leading:
                return leading.pop()
            assert time.monotonic() < deadline, f"leading {leading}, duty running in {running}"
            await asyncio.sleep(0.05)

    try:
        first = await settled()
        assert starts == [first]
        with psycopg.connect(pg_url, autocommit=True) as admin:  # cut the leader's lock
            cut = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchall()
        assert cut == [(True,)]
        deadline = time.monotonic() + 10
        while len(starts) < 2:  # the duty starts again, wherever the lock went
            assert time.monotonic() < deadline, starts
            await asyncio.sleep(0.05)
        await settled()
        assert len(starts) == 2
    finally:
        stop.set()
        await asyncio.gather(*tasks)


def _leads(live: ExchangeHub) -> bool:
    running = live.running
    return bool(running and running.leadership and running.leadership.leading)


def _reconciled(live: ExchangeHub) -> bool:
    running = live.running
    return bool(running and running.reconciling and running.reconciling.done())


async def _reconciled_by(lives: list[ExchangeHub], within: float = 15.0) -> int:
    """The one replica that leads, once its reconciliation is done (and nobody else's)."""
    deadline = time.monotonic() + within
    while True:
        leading = [i for i, live in enumerate(lives) if _leads(live)]
        done = [i for i, live in enumerate(lives) if _reconciled(live)]
        if len(leading) == 1 and done == leading:
            return leading[0]
        assert time.monotonic() < deadline, f"leading {leading}, reconciled in {done}"
        await asyncio.sleep(0.1)


@pytest.mark.timeout(120)
async def test_only_the_leader_reconciles_and_the_next_leader_does_on_hand_over(
    pg_url: str, tmp_path: Path, simulators: Simulators
) -> None:
    data = tmp_path / "data"
    code, other, made = await crashed_payments(pg_url, data, simulators)
    stacks = [contextlib.AsyncExitStack() for _ in range(3)]
    try:
        lives = [
            await stack.enter_async_context(exchange_hub_on(pg_url, data, simulators))
            for stack in stacks
        ]
        first = await _reconciled_by(lives)
        asked = [live.calls["treasury"] for live in lives]
        assert asked[first] == 2 and sum(asked) == 2  # two payments looked up, by one replica
        case = await get_case(lives[first], code)
        assert case.payment.payment_id == made.payment_id
        assert [e.by_agency for e in case.timeline].count("tabadol:reconcile") == 1
        assert (await get_case(lives[first], other)).payment.status == desk.PAYMENT_STATUS_REQUESTED

        await stacks[first].aclose()  # the leader stops: the next one reconciles, it alone
        rest = [live for i, live in enumerate(lives) if i != first]
        before = [live.calls["treasury"] for live in rest]
        second = await _reconciled_by(rest)
        assert before == [0, 0]
        assert [live.calls["treasury"] for live in rest] == [
            2 if i == second else 0 for i in range(2)
        ]
        case = await get_case(rest[second], code)
        assert [e.by_agency for e in case.timeline].count("tabadol:reconcile") == 1  # still pending
    finally:
        for stack in stacks:
            await stack.aclose()
    assert await asyncio.to_thread(audit_verify, pg_url, lives[0].settings.public_keys) == 0


def test_replicas_starting_together_on_a_fresh_database_create_the_tables_in_turn(
    pg_url: str, tmp_path: Path
) -> None:
    """Without the schema lock one of four fails (``CREATE TABLE IF NOT EXISTS`` in two
    sessions at once: a unique violation on pg_type) most of the times this runs."""
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(tmp_path), "TABADOL_EVENT_STORE": pg_url})
    init_keys(settings.signing_key, settings.public_keys)
    together = threading.Barrier(4)
    failures: list[BaseException] = []

    def start() -> None:
        schema = SchemaLock(settings.eventsourcing_env())
        together.wait()
        try:
            schema.acquire()
            app = TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env())
            AuditLog.open(app, settings)
            app.close()
        except Exception as error:
            failures.append(error)
        finally:
            schema.release()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []


async def test_what_serve_starts_inside_its_schema_lock_goes_ahead(
    pg_url: str, tmp_path: Path
) -> None:
    """``serve`` holds the schema lock through its start-up; the replay guard, created
    there, takes it again at once (it once waited 60 s on a second session for it)."""
    env = Settings.from_env(
        {"TABADOL_DATA_DIR": str(tmp_path), "TABADOL_EVENT_STORE": pg_url}
    ).eventsourcing_env()
    schema = SchemaLock(env)
    await schema.hold()
    try:
        started = time.monotonic()
        guard = await asyncio.wait_for(asyncio.to_thread(ReplayStore.open, env), 20)
        assert guard is not None and time.monotonic() - started < 10
        guard.close()
        outsider: list[BaseException] = []  # another process (a fresh context) still waits

        def other_process() -> None:
            try:
                SchemaLock(env, timeout=0.5).acquire()
            except Exception as error:
                outsider.append(error)

        thread = threading.Thread(target=other_process)
        thread.start()
        thread.join(10)
        assert outsider and "statement timeout" in str(outsider[0]), outsider
    finally:
        schema.release()
    after = SchemaLock(env, timeout=5)  # released: the next one gets it
    after.acquire()
    after.release()


class _StartUpStopped(Exception):
    """Raised by the test in place of the server, once it looked at the lock."""


async def test_serve_holds_the_schema_lock_for_its_tables_only(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once its tables exist, the rest of ``serve``'s start-up (catching the views up with
    a long log, connecting, the first CRL fetch…) runs outside the schema lock: another
    replica starting meanwhile waits for table creation only, not for that (it used to time
    out after 60 s behind a slow start-up)."""
    import hub.bootstrap
    from hub.cli.main import _serve

    env = {"TABADOL_DATA_DIR": str(tmp_path), "TABADOL_EVENT_STORE": pg_url, **dev_env(tmp_path)}
    settings = Settings.from_env({**env, "TABADOL_OPMON_STORE": pg_url})
    init_keys(settings.signing_key, settings.public_keys)
    settings.pseudonym_key.write_text(base64.b64encode(os.urandom(32)).decode(), "ascii")
    seen: dict[str, object] = {}

    async def create_server(*args: object, **kwargs: object) -> Running:
        def other_replica() -> None:  # a fresh context, as another process has
            try:
                lock = SchemaLock(settings.eventsourcing_env(), timeout=0.5)
                lock.acquire()
                lock.release()
                seen["other replica"] = "got the lock"
            except Exception as error:
                seen["other replica"] = repr(error)

        thread = threading.Thread(target=other_replica)
        thread.start()
        thread.join(10)
        with psycopg.connect(pg_url) as conn:  # every shared table is there already
            seen["tables"] = {
                name
                for (name,) in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            }
        raise _StartUpStopped

    monkeypatch.setattr(hub.bootstrap, "create_server", create_server)
    with pytest.raises(_StartUpStopped):
        await _serve(settings)
    assert seen["other replica"] == "got the lock"
    assert {
        "tabadolhub_events",
        "tabadol_checkpoints",
        "tabadol_checkpoint_anchors",
        "tabadol_nonces",
        "tabadol_idempotency",
        "tabadol_opmon",
    } <= seen["tables"]  # type: ignore[operator]
