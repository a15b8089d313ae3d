"""A principal's admitted calls at once: at most the limit, the rest wait in order, a
cancelled waiter gives its turn away, and principals do not share places."""

from __future__ import annotations

import asyncio

import pytest

from hub.servicers.auth import CallsInFlight


async def test_at_most_the_limit_run_at_once_and_all_finish() -> None:
    limit = CallsInFlight(2)
    running, most, done = 0, 0, []

    async def call(i: int) -> None:
        nonlocal running, most
        async with limit.place("agency:ZZZ"):
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1
            done.append(i)

    await asyncio.gather(*(call(i) for i in range(10)))
    assert most == 2 == limit.peak
    assert done == list(range(10))  # in order of arrival


async def test_a_cancelled_waiter_does_not_keep_a_place() -> None:
    limit = CallsInFlight(1)
    release = asyncio.Event()

    async def holder() -> None:
        async with limit.place("agency:ZZZ"):
            await release.wait()

    async def waiter() -> None:
        async with limit.place("agency:ZZZ"):
            pass

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    stuck = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck
    release.set()
    await first
    await asyncio.wait_for(waiter(), timeout=1)  # the place is free again
    async with limit.place("agency:MOJ"):  # another principal never waited
        pass
