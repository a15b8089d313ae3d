"""One leader among the hub processes that share a PostgreSQL store.

Checkpointing, the relay to NATS and payment reconciliation must run once, not once per
replica. The leader is whoever holds a PostgreSQL advisory lock (``pg_try_advisory_lock``)
on a connection of its own; the lock goes with the connection, so a leader that dies or
loses the database hands over by itself, and another replica takes it within
``interval`` seconds. With SQLite (one process per file) this process always leads.

:class:`SchemaLock` serialises start-up across those processes: PostgreSQL's ``CREATE TABLE
IF NOT EXISTS`` is not safe against the same statement in another session (one of them
fails on ``pg_type_typname_nsp_index`` or with "tuple concurrently updated"), so replicas
started together on a fresh database create the tables one after the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Mapping
from typing import Any

import structlog

from hub.telemetry import metrics

__all__ = ["LEADER_LOCK", "SCHEMA_LOCK", "Leadership", "SchemaLock"]

log = structlog.get_logger("tabadol.leader")

LEADER_LOCK = 0x7461_6261_646F_6C  # "tabadol": the advisory-lock key of the hub's leader
SCHEMA_LOCK = LEADER_LOCK + 1  # held while a process creates the store's tables


def _connect(env: Mapping[str, str], timeout: float) -> Any:
    """A connection of its own to the PostgreSQL store ``env`` names (autocommit)."""
    import psycopg

    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=int(env.get("POSTGRES_PORT", "5432")),
        dbname=env["POSTGRES_DBNAME"],
        user=env.get("POSTGRES_USER", "postgres"),
        password=env.get("POSTGRES_PASSWORD") or None,
        connect_timeout=max(1, round(timeout)),
        autocommit=True,
    )


_HOLDING: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "tabadol_schema_lock", default=frozenset()
)
"""The stores whose schema lock the running code holds (set by :meth:`SchemaLock.hold`)."""


class SchemaLock:
    """``acquire()`` waits (up to ``timeout`` s) until no other process of the store is
    creating its tables; ``release()`` lets the next one go (also when the process dies:
    the lock goes with the connection). Nothing to do on SQLite.

    Hold it for table creation only (``tabadol serve``: :func:`hub.bootstrap.open_hub`),
    never for a start-up's slow parts, or a replica starting meanwhile times out on it.
    Taken with :meth:`hold`, the lock covers what the coroutine then runs, its threads
    included: a part that creates tables of its own there (the replay guard) goes ahead
    instead of waiting on a second session for the first one's lock. The lock is the
    database's (advisory locks are per database), whatever else the settings say."""

    def __init__(self, env: Mapping[str, str], *, timeout: float = 60.0) -> None:
        self._env = dict(env)
        self._timeout = timeout
        self._conn: Any = None
        self._key = repr(
            [self._env.get(f"POSTGRES_{name}", "") for name in ("HOST", "PORT", "DBNAME")]
        )

    def acquire(self) -> None:
        if self._env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
            return
        if self._conn is not None or self._key in _HOLDING.get():
            return  # held already, by this lock or by the code that runs this
        conn = _connect(self._env, 2.0)
        try:
            conn.execute(f"SET statement_timeout = {int(self._timeout * 1000)}")
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        except Exception:
            conn.close()
            raise
        self._conn = conn

    async def hold(self) -> None:
        """:meth:`acquire` without blocking the loop; until :meth:`release`, what this
        coroutine runs is inside the lock."""
        await asyncio.to_thread(self.acquire)
        if self._conn is not None:
            _HOLDING.set(_HOLDING.get() | {self._key})

    def __enter__(self) -> SchemaLock:
        """``with SchemaLock(env):`` — :meth:`acquire`, then :meth:`release` on leaving."""
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._conn is not None:
            _HOLDING.set(_HOLDING.get() - {self._key})
            with contextlib.suppress(Exception):
                self._conn.close()  # the session's lock goes with it
            self._conn = None


class Leadership:
    """Whether this process leads; :meth:`run` keeps trying for the lock until ``stop``."""

    def __init__(self, env: Mapping[str, str], *, interval: float = 1.0) -> None:
        self._env = dict(env)
        self._interval = interval
        self._postgres = self._env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        self._leading = asyncio.Event()
        self._following = asyncio.Event()
        self._conn: Any = None
        self._set(not self._postgres)

    @property
    def leading(self) -> bool:
        return self._leading.is_set()

    async def wait(self) -> None:
        """Return once this process leads."""
        await self._leading.wait()

    async def wait_lost(self) -> None:
        """Return once this process does not lead (at once if it does not now)."""
        await self._following.wait()

    def _set(self, leading: bool) -> None:
        (self._leading.set if leading else self._leading.clear)()
        (self._following.clear if leading else self._following.set)()
        metrics.leading(leading)

    def _try(self) -> bool:
        """Hold the lock (taking it if free); False when another process holds it."""
        if self._conn is None:
            self._conn = _connect(self._env, 2.0)
        if self.leading:  # still ours while the connection lives
            self._conn.execute("SELECT 1")
            return True
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
        return bool(row and row[0])

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    async def run(self, stop: asyncio.Event) -> None:
        if not self._postgres:
            return
        try:
            while not stop.is_set():
                try:
                    held = await asyncio.wait_for(asyncio.to_thread(self._try), 5.0)
                except Exception as error:  # the database is away: not leading meanwhile
                    held = False
                    self._drop()
                    log.debug("leader lock unreachable", error=repr(error)[:200])
                if held and not self.leading:
                    self._set(True)
                    log.info("this process leads: checkpoints, relay, reconciliation")
                elif not held and self.leading:
                    self._set(False)
                    log.warning("this process no longer leads")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._interval)
        finally:
            self._set(False)
            await asyncio.to_thread(self._drop)
