"""One outcome per idempotency key: a retried call is answered with the first answer.

The agencies' client (:mod:`hub.client`) sends every attempt of one call with the same
``x-tabadol-idempotency-key`` (each attempt signed afresh). For a unary call that carries
one, :class:`IdempotentCalls` runs the handler once per (caller, method, key): a retry that
arrives while the first attempt runs waits for it; one that arrives after it succeeded gets
its response without running again (nothing is written twice). A failed attempt is not
remembered — the retry runs (a refusal is refused again; a transient failure wrote
nothing). The same key with another request is INVALID_ARGUMENT.

Memory: successes are kept for ``ttl`` seconds and at most ``capacity`` of them (the oldest
go first; a call still running stays, and does not hold back the eviction of newer ones) —
the fast path for a retry that reaches the same process.

Across replicas and restarts (with a :class:`hub.ledger.replays.ReplayStore`): before it
runs, an attempt claims the key in the table all replicas share (the unique insert of a
``running`` row) and, once it succeeded, stores its serialized response there for ``ttl``
seconds. A retry on another replica, or after a restart, is answered with those bytes and
runs nothing. A retry that finds the first attempt still running on another replica waits
for it (polling the row, up to ``wait`` seconds) and then answers ABORTED with a RetryInfo
(:class:`IdempotencyBusy`; the agencies' client retries it). A replica that died mid-call
leaves its ``running`` row, which another may claim after ``lease`` seconds; the table
being unreachable refuses the call (UNAVAILABLE) rather than risk running it twice. Each
claim has an owner token: an attempt that outlived its lease (the key taken over since)
still answers its caller, but its outcome is refused (and logged), never written over the
claim of the attempt that holds the key now.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog

from hub.ledger.replays import Claim, ReplayStore

__all__ = ["IdempotencyBusy", "IdempotencyConflict", "IdempotentCalls"]

log = structlog.get_logger("tabadol.idempotency")


class IdempotencyConflict(Exception):
    """The key was used before with another request."""


class IdempotencyBusy(Exception):
    """Another replica is still running the first attempt: retry after ``retry_after`` s."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Entry:
    digest: bytes
    done: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    at: float = 0.0


class IdempotentCalls:
    def __init__(
        self,
        *,
        ttl: float = 600.0,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
        store: ReplayStore | None = None,
        lease: float = 60.0,
        wait: float = 5.0,
    ) -> None:
        self.store = store
        self._lease = lease
        self._wait = wait
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self.replayed = 0
        """How many retries were answered with a remembered response."""
        self._late: set[asyncio.Future[None]] = set()
        """Calls whose caller went away, still running to keep their outcome."""

    def __len__(self) -> int:
        return len(self._entries)

    def _expire(self) -> None:
        """Forget the finished outcomes past ``ttl`` or over ``capacity``, oldest first.
        A call still running is passed over, not a stop: one stuck call does not keep every
        newer outcome in memory. Finished entries are in the order they finished (each
        moves to the end then), so the first one kept ends the scan."""
        horizon = self._clock() - self._ttl
        entries = self._entries
        doomed: list[tuple[str, str, str]] = []
        for key, entry in entries.items():
            if not entry.done.done():
                continue  # running: its retries wait on it
            if entry.at < horizon or len(entries) - len(doomed) > self._capacity:
                doomed.append(key)
            else:
                break
        for key in doomed:
            del entries[key]

    async def run(
        self,
        key: tuple[str, str, str],
        request: bytes,
        call: Callable[[], Awaitable[Any]],
        encode: Callable[[Any], bytes] | None = None,
    ) -> Any:
        """``call()``'s response, or the response of the first attempt under ``key`` (the
        serialized bytes when it comes from the shared table; ``encode`` serializes a
        response for it)."""
        digest = hashlib.sha256(request).digest()
        while True:
            self._expire()
            entry = self._entries.get(key)
            if entry is None:
                break
            if entry.digest != digest:
                raise IdempotencyConflict(
                    f"idempotency key {key[2]!r} was used for another {key[1]} request"
                )
            try:
                first = await asyncio.shield(entry.done)
            except Exception:  # noqa: S112 - the first attempt failed: this one runs
                continue
            self.replayed += 1
            return first
        entry = self._entries[key] = _Entry(digest)
        claimed = False
        owner = ""
        try:
            claim = await self._claim(key, digest) if self.store is not None else None
            if claim is not None and claim.state == "done":
                self.replayed += 1
                response: Any = claim.response
            else:
                claimed = claim is not None
                owner = claim.owner if claim is not None else ""
                task = asyncio.ensure_future(call())
                try:
                    response = await asyncio.shield(task)
                except asyncio.CancelledError:
                    if claimed and not task.done():
                        # The caller went away (its deadline, a cancel), not the call: its
                        # write may still commit, so it runs on and its outcome is kept
                        # for the retry, which would otherwise run it a second time.
                        claimed = False
                        self._settle_when_done(key, owner, task, encode)
                    raise
                if claimed:
                    claimed = False  # it ran: never released, whatever happens to the record
                    await self._finish(key, owner, encode(response) if encode else response)
        except BaseException as error:
            if claimed:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._release(key, owner))
            self._entries.pop(key, None)
            entry.done.set_exception(_Failed(repr(error)))
            entry.done.exception()  # retrieved: a failure nobody waited for is not logged
            raise
        entry.at = self._clock()
        entry.done.set_result(response)
        self._entries.move_to_end(key)
        return response

    async def _claim(self, key: tuple[str, str, str], digest: bytes) -> Claim:
        """``run`` (with its owner token) once this attempt holds the key in the shared
        table; ``done`` with the first attempt's stored response when it finished; see the
        module for the rest."""
        store = self.store
        assert store is not None
        deadline = time.monotonic() + self._wait
        pause = 0.02
        while True:
            claim = await asyncio.to_thread(store.claim, key, digest, lease=self._lease)
            if claim.state in ("run", "done"):
                return claim
            if claim.state == "conflict":
                raise IdempotencyConflict(
                    f"idempotency key {key[2]!r} was used for another {key[1]} request"
                )
            if time.monotonic() + pause > deadline:
                raise IdempotencyBusy(
                    f"the call under idempotency key {key[2]!r} is still running on another"
                    " replica: retry later for its outcome",
                    retry_after=1.0,
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.25)

    def _settle_when_done(
        self,
        key: tuple[str, str, str],
        owner: str,
        task: asyncio.Future[Any],
        encode: Callable[[Any], bytes] | None,
    ) -> None:
        """Once a call whose caller went away ends: keep its response, or forget the
        claim when it failed (a retry then runs it)."""
        store = self.store
        assert store is not None

        async def settle() -> None:
            try:
                response = await task
            except BaseException:
                with contextlib.suppress(Exception):
                    await self._release(key, owner)
                return
            await self._finish(key, owner, encode(response) if encode else response)

        late = asyncio.ensure_future(settle())
        self._late.add(late)
        late.add_done_callback(self._late.discard)

    async def _finish(self, key: tuple[str, str, str], owner: str, response: bytes) -> None:
        assert self.store is not None
        try:
            kept = await asyncio.to_thread(self.store.finish, key, owner, response, ttl=self._ttl)
        except Exception as error:  # it ran: answer it; a retry elsewhere waits for the lease
            log.warning("idempotent outcome not stored", key=key[2][:80], error=repr(error)[:200])
            return
        if not kept:  # it ran past its lease: the attempt that took the key over decides
            log.warning(
                "idempotent outcome refused: the lease expired and another attempt holds the key",
                key=key[2][:80],
                method=key[1],
                lease=self._lease,
            )

    async def _release(self, key: tuple[str, str, str], owner: str) -> None:
        assert self.store is not None
        if not await asyncio.to_thread(self.store.release, key, owner):
            log.info(
                "idempotent claim not released: another attempt holds the key", key=key[2][:80]
            )


class _Failed(Exception):
    """The first attempt failed (its own error went to its own caller)."""
