"""Keeps the CRL in force fresh in the background, so no RPC waits on a file or a URL.

A CRL file is watched every ``watch`` seconds (its mtime and size: a ``tabadol pki revoke``
takes effect within that); a CRL URL is fetched every ``every`` seconds, sooner when the
CRL's nextUpdate comes first, and after a failure again in 1, 2, 4 … seconds (at most
``every``). Failures are logged and counted (``tabadol_crl_fetch_failures``); the age of the
CRL in force is the gauge ``tabadol_crl_age_seconds``. Whether a CRL may be relied on is
reported to health (``report``) after every refresh and again the moment the one in force
goes stale, so ``/readyz`` and the gRPC health service say not ready while calls are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog

from hub.telemetry.metrics import crl_fetch_failed, track_crl_age
from hub.trail.revocation import RevocationList

__all__ = ["next_wait", "refresh_crl_forever", "until_stale"]

log = structlog.get_logger("tabadol.crl")


def next_wait(due: float | None, *, every: float, failures: int) -> float:
    """Seconds until the next fetch of a CRL URL: ``every``, or sooner when the CRL's
    nextUpdate is ``due`` seconds away (at least 1 s); after ``failures`` in a row 1, 2, 4 …
    seconds, at most ``every``."""
    if failures:
        return float(min(every, 2 ** min(failures - 1, 16)))
    return max(1.0, every if due is None else min(every, due))


def until_stale(crl: RevocationList) -> float | None:
    """Seconds until the CRL in force goes stale (past nextUpdate by its tolerance), or None
    when it never does or already is."""
    due = crl.seconds_to_next_update()
    if due is None or due + crl.tolerance <= 0:
        return None
    return due + crl.tolerance


async def refresh_crl_forever(
    crl: RevocationList,
    stop: asyncio.Event,
    *,
    every: float = 300.0,
    watch: float = 1.0,
    report: Callable[[str | None], None] | None = None,
) -> None:
    """Refresh ``crl`` until ``stop`` is set (the first time at once); ``report`` hears
    :meth:`RevocationList.stale` (None: a CRL may be relied on) after each refresh."""
    track_crl_age(crl.age)
    failures = 0
    while not stop.is_set():
        try:
            if await asyncio.to_thread(crl.refresh):
                log.info("CRL in force", source=str(crl.source), next_update=str(crl.next_update))
            failures = 0
        except Exception as error:  # the refresher never dies: the last good CRL stays
            failures += 1
            crl_fetch_failed()
            if failures & (failures - 1) == 0:  # the 1st, 2nd, 4th, 8th … in a row
                log.warning(
                    "CRL refresh failed; the last good CRL stays", error=str(error), times=failures
                )
        if report is not None:
            report(crl.stale())
        wait = (
            next_wait(crl.seconds_to_next_update(), every=every, failures=failures)
            if crl.is_url
            else watch
        )
        stale_in = until_stale(crl)
        if stale_in is not None:  # wake when it goes stale, to say so at once
            wait = min(wait, stale_in + 0.05)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
