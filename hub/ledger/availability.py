"""Whether the event store answers, and calls that never wait on a store that does not.

A :class:`StoreProbe` opens a fresh connection and runs ``SELECT 1`` (its own connection,
not eventsourcing's pool, so it never waits behind retries). :class:`Availability` keeps
the verdict: while the store is down, new store calls fail at once with
:class:`StoreUnavailable` and calls already waiting are released with it, so an RPC answers
``UNAVAILABLE`` within the probe's bound instead of hanging in the driver's retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import structlog

__all__ = ["Availability", "StoreProbe", "StoreUnavailable"]

log = structlog.get_logger("tabadol.store")

_T = TypeVar("_T")


class StoreUnavailable(Exception):
    """The event store does not answer; nothing was done, and the call may be retried."""


class StoreProbe:
    """One cheap round trip to the store named by eventsourcing settings."""

    def __init__(self, env: Mapping[str, str], *, timeout: float = 1.0) -> None:
        self._env = dict(env)
        self.timeout = timeout

    def check(self) -> None:
        """Return when the store answers; raise (any error) when it does not."""
        if self._env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            import psycopg

            with psycopg.connect(
                host=self._env["POSTGRES_HOST"],
                port=int(self._env.get("POSTGRES_PORT", "5432")),
                dbname=self._env["POSTGRES_DBNAME"],
                user=self._env.get("POSTGRES_USER", "postgres"),
                password=self._env.get("POSTGRES_PASSWORD") or None,
                connect_timeout=max(1, round(self.timeout)),
            ) as conn:
                conn.execute("SELECT 1")
        elif self._env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
            name = self._env.get("SQLITE_DBNAME", ":memory:")
            if name != ":memory:" and not name.startswith("file:"):
                with contextlib.closing(sqlite3.connect(name, timeout=self.timeout)) as conn:
                    conn.execute("SELECT 1").fetchone()


class Availability:
    """The store's verdict, and the store calls waiting on it."""

    def __init__(self) -> None:
        self._reason: str | None = None
        self._waiting: set[asyncio.Future[object]] = set()
        self.listeners: list[Callable[[str | None], None]] = []

    @property
    def reason(self) -> str | None:
        """Why the store is taken to be down; None while it answers."""
        return self._reason

    def mark(self, reason: str | None) -> None:
        """Record the probe's verdict (on the event loop)."""
        if reason == self._reason:
            return
        was_down, self._reason = self._reason is not None, reason
        if reason is not None and not was_down:
            log.warning("event store unavailable", reason=reason[:300])
            for waiting in list(self._waiting):
                if not waiting.done():
                    waiting.set_exception(StoreUnavailable(reason))
        elif reason is None:
            log.info("event store answers again")
        for listener in list(self.listeners):
            listener(reason)

    async def call(self, start: Callable[[], Awaitable[_T]]) -> _T:
        """``await start()``, unless the store is down, or goes down while waiting."""
        if self._reason is not None:
            raise StoreUnavailable(self._reason)
        inner = asyncio.ensure_future(start())
        outer: asyncio.Future[object] = asyncio.get_running_loop().create_future()

        def settle(done: asyncio.Future[_T]) -> None:
            if outer.done():
                return
            if done.cancelled():
                outer.cancel()
            elif done.exception() is not None:
                outer.set_exception(done.exception())  # type: ignore[arg-type]
            else:
                outer.set_result(done.result())

        inner.add_done_callback(settle)
        self._waiting.add(outer)
        try:
            return await outer  # type: ignore[return-value]
        except StoreUnavailable:
            inner.cancel()  # a command still queued is never run
            raise
        finally:
            self._waiting.discard(outer)

    async def watch(self, probe: StoreProbe, stop: asyncio.Event, *, interval: float = 0.5) -> None:
        """Probe every ``interval`` until ``stop``; a probe with no answer within its
        timeout is a failure (the next one starts only when it has returned)."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tabadol-store-probe")
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[None] | None = None
        try:
            while not stop.is_set():
                started = time.monotonic()
                if pending is None:
                    pending = asyncio.ensure_future(loop.run_in_executor(pool, probe.check))
                done, _ = await asyncio.wait({pending}, timeout=probe.timeout)
                if done:
                    error = pending.exception()
                    pending = None
                    self.mark(None if error is None else f"{type(error).__name__}: {error}")
                else:
                    self.mark(f"no answer within {probe.timeout:g} s")
                rest = interval - (time.monotonic() - started)
                if rest > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=rest)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
