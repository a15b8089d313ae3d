"""The replay guard's tables on SQLite and PostgreSQL: a nonce is used once until it
expires; an idempotency key is claimed by one attempt, which another replica waits for
(then ABORTED, retry later), answers from, or takes over when that attempt failed."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import structlog

from hub.config import store_env
from hub.ledger.replays import GuardUnavailable, ReplayStore, now_ms
from hub.servicers.idempotency import IdempotencyBusy, IdempotentCalls


@pytest.fixture
def replays(store_url: str) -> Iterator[ReplayStore]:
    store = ReplayStore.open(store_env(store_url))
    assert store is not None
    yield store
    store.close()


def test_a_nonce_is_used_once_until_it_expires(replays: ReplayStore, store_url: str) -> None:
    assert replays.first_use("MOJ", "n-1", expires_at=2_000, now=1_000)
    assert not replays.first_use("MOJ", "n-1", expires_at=2_500, now=1_500)
    again = ReplayStore.open(store_env(store_url))  # another replica, or after a restart
    assert again is not None and not again.first_use("MOJ", "n-1", expires_at=2_500, now=1_500)
    again.close()
    assert replays.first_use("TAX", "n-1", expires_at=2_000, now=1_000)  # per agency
    assert replays.expire(now=2_001) == 2
    assert replays.count() == 0
    assert replays.first_use("MOJ", "n-1", expires_at=9_000, now=3_000)


async def test_a_key_is_run_once_across_replicas(replays: ReplayStore, store_url: str) -> None:
    other = ReplayStore.open(store_env(store_url))
    assert other is not None
    here = IdempotentCalls(store=replays, wait=0.2)
    there = IdempotentCalls(store=other, wait=0.2)
    key = ("agency:MOJ", "svc/Register", "k-1")
    ran: list[str] = []
    release = asyncio.Event()

    async def first() -> bytes:
        ran.append("here")
        await release.wait()
        return b"answer"

    async def second() -> bytes:
        ran.append("there")
        return b"other"

    running = asyncio.create_task(here.run(key, b"req", first, bytes))
    while not ran:
        await asyncio.sleep(0.01)
    with pytest.raises(IdempotencyBusy) as busy:  # still running on the other replica
        await there.run(key, b"req", second)
    assert busy.value.retry_after > 0
    release.set()
    assert await running == b"answer"
    assert await there.run(key, b"req", second) == b"answer"  # from the table
    assert ran == ["here"] and there.replayed == 1

    async def failing() -> bytes:
        raise RuntimeError("store down")

    with pytest.raises(RuntimeError):
        await here.run(("agency:MOJ", "svc/Register", "k-2"), b"req", failing)
    # a failed attempt is not remembered: the retry on the other replica runs
    assert await there.run(("agency:MOJ", "svc/Register", "k-2"), b"req", second) == b"other"
    other.close()


async def test_a_call_whose_caller_went_away_runs_on_and_answers_its_retry(
    replays: ReplayStore, store_url: str
) -> None:
    """A deadline cancels the handler, not the write it started: the retry (here on another
    replica) gets that write's answer instead of writing a second time."""
    other = ReplayStore.open(store_env(store_url))
    assert other is not None
    here = IdempotentCalls(store=replays, wait=2.0)
    there = IdempotentCalls(store=other, wait=2.0)
    key = ("agency:MOJ", "svc/Register", "k-gone")
    ran: list[str] = []
    release = asyncio.Event()

    async def first() -> bytes:
        ran.append("here")
        await release.wait()  # the writer is busy: the caller's deadline passes meanwhile
        return b"written once"

    async def second() -> bytes:
        ran.append("there")
        return b"written twice"

    attempt = asyncio.create_task(here.run(key, b"req", first, bytes))
    while not ran:
        await asyncio.sleep(0.01)
    attempt.cancel()  # what grpc aio does to the handler when the deadline passes
    with pytest.raises(asyncio.CancelledError):
        await attempt
    release.set()  # the write commits after its caller left
    assert await there.run(key, b"req", second) == b"written once"
    assert ran == ["here"]
    other.close()


def test_a_connection_closed_under_the_guard_is_replaced_not_kept(replays: ReplayStore) -> None:
    """The next call after its connection was closed (by whatever) answers on a new one;
    the dead ones are let go (once, every call failed on it until the hub restarted)."""
    assert replays.first_use("MOJ", "c-0", expires_at=9_000, now=1_000)
    for i in range(1, 4):
        replays._local.conn.close()  # the connection this thread uses
        assert replays.first_use("MOJ", f"c-{i}", expires_at=9_000, now=1_000)
        assert not replays.first_use("MOJ", f"c-{i}", expires_at=9_000, now=1_000)
    assert len(replays._conns) == 1  # how many it keeps open


def test_a_session_the_server_ended_is_refused_once_then_replaced(pg_url: str) -> None:
    """PostgreSQL ends the guard's session (a restart, an idle timeout, an operator): the
    call that finds out is refused (GuardUnavailable: nothing was checked), the next one
    reconnects, and no dead connection stays in the pool."""
    replays = ReplayStore.open(store_env(pg_url))
    assert replays is not None
    try:
        for i in range(3):
            assert replays.first_use("MOJ", f"s-{i}", expires_at=9_000, now=1_000)
            pid = replays._local.conn.info.backend_pid
            with psycopg.connect(pg_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with pytest.raises(GuardUnavailable):
                replays.first_use("MOJ", f"t-{i}", expires_at=9_000, now=1_000)
        assert replays.first_use("MOJ", "t-0", expires_at=9_000, now=1_000)
        assert len(replays._conns) == 1
    finally:
        replays.close()


def test_a_lease_taken_over_is_no_longer_its_first_claimers(
    replays: ReplayStore, store_url: str
) -> None:
    """Each claim has an owner of its own: once another replica took over an expired
    lease, the first claimer can neither complete nor release the call under that key."""
    other = ReplayStore.open(store_env(store_url))
    assert other is not None
    key = ("agency:MOJ", "svc/Register", "k-lease")
    first = replays.claim(key, b"digest", lease=1.0, now=1_000)
    second = other.claim(key, b"digest", lease=1.0, now=3_000)  # the first lease ran out
    assert first.state == second.state == "run" and first.owner != second.owner
    assert not replays.finish(key, first.owner, b"stale", ttl=60)
    assert not replays.release(key, first.owner)
    assert other.claim(key, b"digest", lease=1.0, now=3_500).state == "running"  # the second's
    assert other.finish(key, second.owner, b"fresh", ttl=60)
    assert replays.claim(key, b"digest", lease=1.0).response == b"fresh"
    other.close()


async def test_a_stale_attempts_outcome_is_refused_and_logged(
    replays: ReplayStore, store_url: str
) -> None:
    """An attempt that outlived its lease still answers its caller (it ran), but its
    outcome does not overwrite the claim of the attempt that took the key over."""
    other = ReplayStore.open(store_env(store_url))
    assert other is not None
    here = IdempotentCalls(store=replays, lease=60.0)
    key = ("agency:MOJ", "svc/Register", "k-stale")
    digest = hashlib.sha256(b"req").digest()
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> bytes:
        started.set()
        await release.wait()
        return b"late answer"

    attempt = asyncio.create_task(here.run(key, b"req", slow, bytes))
    await started.wait()
    later = now_ms() + 3_600_000  # an hour on: the lease expired, another replica takes over
    taken = other.claim(key, digest, lease=60.0, now=later)
    assert taken.state == "run"
    with structlog.testing.capture_logs() as logs:
        release.set()
        assert await attempt == b"late answer"
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == [
        "idempotent outcome refused: the lease expired and another attempt holds the key"
    ]
    assert other.claim(key, digest, lease=60.0, now=later + 1).state == "running"  # still its
    assert other.finish(key, taken.owner, b"answer", ttl=60)
    other.close()


def test_an_older_hubs_outcomes_table_gains_the_owner(tmp_path: Path) -> None:
    """The table an older hub made (no owner column) is given one when the guard opens."""
    path = tmp_path / "events.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(
            """CREATE TABLE tabadol_idempotency (principal TEXT NOT NULL, method TEXT NOT NULL,
            key TEXT NOT NULL, digest BLOB NOT NULL, state TEXT NOT NULL, response BLOB,
            expires_at BIGINT NOT NULL, PRIMARY KEY (principal, method, key))"""
        )
    replays = ReplayStore.open(store_env(f"sqlite:///{path}"))
    assert replays is not None
    key = ("agency:MOJ", "svc/Register", "k-old")
    claim = replays.claim(key, b"digest", lease=60.0)
    assert claim.state == "run" and replays.finish(key, claim.owner, b"answer", ttl=60)
    replays.close()


def test_on_postgresql_expiry_is_by_the_databases_clock(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica whose clock runs an hour ahead neither takes a live nonce for expired
    (a replay let through), nor deletes the rows other replicas still need, nor takes over
    a lease still running elsewhere: on PostgreSQL the database's clock decides."""
    replays = ReplayStore.open(store_env(pg_url))
    assert replays is not None
    key = ("agency:MOJ", "svc/Register", "k-clock")
    try:
        assert replays.first_use("MOJ", "n-live", expires_at=now_ms() + 60_000)
        assert replays.claim(key, b"digest", lease=60.0).state == "run"
        real = now_ms
        monkeypatch.setattr("hub.ledger.replays.now_ms", lambda: real() + 3_600_000)
        assert not replays.first_use("MOJ", "n-live", expires_at=now_ms() + 60_000)
        assert replays.claim(key, b"digest", lease=60.0).state == "running"
        assert replays.expire() == 0
        assert replays.count() == 1
    finally:
        replays.close()
