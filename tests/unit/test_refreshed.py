"""A value refreshed in the background never overwrites a newer reload with an older load."""

from __future__ import annotations

import asyncio
import threading

from hub.servicers.auth import Refreshed


async def test_a_refresh_that_began_before_a_reload_does_not_undo_it() -> None:
    table = {"version": 1}
    loading = threading.Event()
    release = threading.Event()

    def load() -> int:
        seen = table["version"]  # what the store held when the load read it
        if threading.current_thread() is not threading.main_thread():
            loading.set()
            release.wait(5)
        return seen

    refreshed = Refreshed(load, every=10)  # one background load only
    stop = asyncio.Event()
    task = asyncio.create_task(refreshed.refresh_forever(stop))
    assert await asyncio.to_thread(loading.wait, 5)  # a background load read version 1
    table["version"] = 2  # a grant is written here, then the hub reloads at once
    refreshed.reload()
    assert refreshed.value == 2
    release.set()  # the stale load finishes after the reload
    await asyncio.sleep(0.05)
    stop.set()
    await task
    assert refreshed.value == 2
