"""Runs the synchronous eventsourcing application off the asyncio loop.

Commands go to one writer thread (one writer per process: no lock contention on SQLite,
ordered chain heads); queries run on the default thread pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

from hub.telemetry import metrics

__all__ = ["Executor"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _timed(fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """Run one command on the writer thread; its time is the batch's commit time."""
    started = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    except BaseException:
        metrics.observe_write_batch(1, time.perf_counter() - started, failed=1)
        raise
    metrics.observe_write_batch(1, time.perf_counter() - started)
    return result


class Executor:
    def __init__(self) -> None:
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tabadol-writer")
        metrics.track_writer_queue(self._writer._work_queue.qsize)

    async def write(self, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, partial(_timed, fn, *args, **kwargs))

    async def read(self, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await asyncio.to_thread(fn, *args, **kwargs)

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def __repr__(self) -> str:
        return f"<Executor writer={self._writer!r}>"
