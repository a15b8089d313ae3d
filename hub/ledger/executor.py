"""Runs the synchronous eventsourcing application off the asyncio loop.

Commands go to one writer thread (one writer per process: no lock contention on SQLite,
ordered chain heads); queries run on the default thread pool.

Group commit: the writer takes the commands queued at that moment (at most
``max_batch``, and no more once ``max_batch_seconds`` of command work has gone into the
batch) and hands them to the ledger's ``run_group``, which records all their events in
one transaction under one signature. Each command gets its own outcome. The queue is
bounded: when ``max_queue`` commands wait, :meth:`Executor.write` raises
:class:`Overloaded` at once (RESOURCE_EXHAUSTED with a retry delay) rather
than letting latency grow without bound.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, ParamSpec, Protocol, TypeVar

from hub.ledger.availability import Availability
from hub.ledger.signing import Failed, Outcome, Succeeded
from hub.telemetry import metrics

__all__ = ["Executor", "GroupCommitter", "Overloaded"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Overloaded(Exception):
    """The hub's write queue is full (RESOURCE_EXHAUSTED at the edge): nothing was
    recorded; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class GroupCommitter(Protocol):
    def run_group(self, commands: Sequence[Callable[[], Any]]) -> list[Outcome]: ...


@dataclass(slots=True)
class _Command:
    call: Callable[[], Any]
    future: Future[Any]


class Executor:
    """The hub's one writer thread, with group commit when given a ``ledger``."""

    def __init__(
        self,
        ledger: GroupCommitter | None = None,
        *,
        max_batch: int = 64,
        max_batch_seconds: float = 0.02,
        max_queue: int = 1024,
        retry_after: float = 0.05,
        availability: Availability | None = None,
    ) -> None:
        self._ledger = ledger
        self.availability = availability or Availability()
        """While the store is down (hub/ledger/availability.py), calls raise
        ``StoreUnavailable`` at once instead of waiting on the driver's retries."""
        self._max_batch = max_batch if ledger is not None else 1
        self._max_batch_seconds = max_batch_seconds
        self._retry_after = retry_after
        self._queue: queue.Queue[_Command | None] = queue.Queue(maxsize=max_queue)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="tabadol-writer", daemon=True)
        self._thread.start()
        metrics.track_writer_queue(self._queue.qsize)
        self.batches = 0
        """How many batches (transactions of grouped commands) the writer ran."""
        self.commands = 0
        """How many commands the writer ran."""

    async def write(self, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run ``fn`` on the writer thread, grouped with other queued commands."""
        call = partial(fn, *args, **kwargs)
        result: _R = await self.availability.call(lambda: asyncio.wrap_future(self.submit(call)))
        return result

    def submit(self, call: Callable[[], _R]) -> Future[_R]:
        """Queue ``call`` for the writer; raises :class:`Overloaded` when the queue is full.
        The writer runs it in a copy of the caller's context (the call's attestation,
        :func:`hub.ledger.signing.attested`, goes with it)."""
        if self._closed:
            raise RuntimeError("the executor is closed")
        future: Future[_R] = Future()
        context = contextvars.copy_context()
        try:
            self._queue.put_nowait(_Command(partial(context.run, call), future))
        except queue.Full:
            raise Overloaded(
                f"the hub's write queue is full ({self._queue.maxsize} commands waiting)",
                retry_after=self._retry_after,
            ) from None
        return future

    async def read(self, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await self.availability.call(lambda: asyncio.to_thread(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish every queued command, then stop the writer."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    # -- the writer thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._execute(batch)
            if stop:
                return

    def _execute(self, batch: list[_Command]) -> None:
        live = [c for c in batch if c.future.set_running_or_notify_cancel()]
        while live:
            live = self._execute_running(live)

    def _execute_running(self, live: list[_Command]) -> list[_Command]:
        """Run one transaction's worth of ``live``; return the commands left for the next."""
        started = time.monotonic()
        if self._ledger is None or len(live) == 1:
            outcome = _call(live[0].call)
            metrics.observe_write_batch(
                1, time.monotonic() - started, failed=int(isinstance(outcome, Failed))
            )
            _settle(live[0], outcome)
            self.commands += 1
            self.batches += 1
            return live[1:]
        # Cap the batch by time: commands beyond the budget go into the next transaction.
        deadline = started + self._max_batch_seconds
        try:
            outcomes = self._ledger.run_group([_timed(c.call, deadline) for c in live])
        except Exception as error:  # a bug in grouping must not strand the callers
            outcomes = [Failed(error)] * len(live)
        left = [
            c
            for c, o in zip(live, outcomes, strict=True)
            if isinstance(o, Failed) and isinstance(o.error, _OverBudget)
        ]
        done = len(live) - len(left)
        failed = sum(isinstance(o, Failed) for o in outcomes) - len(left)
        metrics.observe_write_batch(done, time.monotonic() - started, failed=failed)
        for command, outcome in zip(live, outcomes, strict=True):
            if not (isinstance(outcome, Failed) and isinstance(outcome.error, _OverBudget)):
                _settle(command, outcome)
        self.commands += done
        self.batches += 1
        return left

    def __repr__(self) -> str:
        return f"<Executor queued={self._queue.qsize()} batches={self.batches}>"


class _OverBudget(Exception):
    """The batch's time budget ran out before this command started."""


def _timed(call: Callable[[], Any], deadline: float) -> Callable[[], Any]:
    def run() -> Any:
        if time.monotonic() > deadline:
            raise _OverBudget
        return call()

    return run


def _call(call: Callable[[], Any]) -> Outcome:
    try:
        return Succeeded(call())
    except Exception as error:
        return Failed(error)


def _settle(command: _Command, outcome: Outcome) -> None:
    if isinstance(outcome, Succeeded):
        command.future.set_result(outcome.value)
    else:
        command.future.set_exception(outcome.error)
