"""Have every new checkpoint timestamped by an outside TSA (RFC 3161), in the background.

``TABADOL_TSA_URL`` turns it on. :class:`Timestamper` polls the checkpoint table and asks
the TSA for a token over each checkpoint body that has none yet (newest first, a bounded
backlog), checks that the token verifies against the TSA roots it was configured with
(``TABADOL_TSA_ROOTS``, when given), and stores it beside the checkpoint.

A TSA outage never stops the hub (X-Road stops accepting messages once its
timestamping tolerance is exceeded; the hub keeps its own signed checkpoints, which stay
valid, and timestamps the backlog when the TSA is back): it is *visible* instead, as a
warning in the log, in :attr:`Timestamper.status` (failures, the error, how long since
the last token, how many checkpoints wait) and in the metrics when they are wired.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import structlog
from cryptography import x509

from hub.audit.anchors import Anchor, AnchorStore
from hub.audit.checkpoints import CheckpointStore, StoredCheckpoint
from hub.trail.encoding import utc_text
from hub.trail.timestamps import TimestampError, timestamp_message, tsa_name, verify_timestamp

__all__ = ["TimestampSource", "Timestamper", "TimestamperStatus"]

log = structlog.get_logger("tabadol.timestamping")


class TimestampSource(Protocol):
    """A TSA client: ``timestamp(data)`` returns a DER TimeStampResp over SHA-256(data)."""

    def timestamp(self, data: bytes) -> bytes: ...


@dataclass
class TimestamperStatus:
    attempts: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    last_error: str = ""
    last_success: float | None = None
    """Monotonic time of the last token (None: none yet)."""
    backlog: int = 0
    """Checkpoints waiting for a token after the last round."""
    next_attempt: float = 0.0

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0


@dataclass
class Timestamper:
    store: CheckpointStore
    anchors: AnchorStore
    source: TimestampSource
    roots: Sequence[x509.Certificate] = ()
    backlog_limit: int = 100
    min_backoff: float = 1.0
    max_backoff: float = 60.0
    clock: Callable[[], float] = time.monotonic
    status: TimestamperStatus = field(default_factory=TimestamperStatus)
    poll: float = 1.0
    """Seconds between rounds of :meth:`run`."""
    on_result: Callable[[str, float], None] | None = None
    """Called with (outcome "granted"/"failed", seconds): metrics."""

    def pending(self) -> list[StoredCheckpoint]:
        """Checkpoints without a token, newest first (at most ``backlog_limit``)."""
        stamped = {a.tree_size for a in self.anchors.all() if a.kind == "timestamp"}
        waiting = [c for c in reversed(self.store.all()) if c.tree_size not in stamped]
        return waiting[: self.backlog_limit]

    def round(self) -> int:
        """Timestamp what is pending unless backing off; returns how many tokens were stored."""
        if self.clock() < self.status.next_attempt:
            return 0
        waiting = self.pending()
        self.status.backlog = len(waiting)
        stored = 0
        for checkpoint in waiting:
            if not self._stamp(checkpoint):
                break
            stored += 1
        return stored

    def _stamp(self, checkpoint: StoredCheckpoint) -> bool:
        started = self.clock()
        self.status.attempts += 1
        try:
            token = self.source.timestamp(timestamp_message(checkpoint.note))
            if self.roots:
                name = verify_timestamp(token, checkpoint.note, self.roots).tsa
            else:
                name = tsa_name(token)
        except (TimestampError, OSError, ValueError, Exception) as exc:
            self._failed(str(exc), started)
            return False
        self.anchors.add(
            Anchor(
                checkpoint.tree_size,
                "timestamp",
                name,
                base64.b64encode(token).decode(),
                utc_text(datetime.now(UTC)),
            )
        )
        if self.status.consecutive_failures:
            log.info("TSA back", after_failures=self.status.consecutive_failures)
        self.status.consecutive_failures, self.status.next_attempt = 0, 0.0
        self.status.last_error, self.status.last_success = "", self.clock()
        self.status.backlog = max(0, self.status.backlog - 1)
        log.info("checkpoint timestamped", size=checkpoint.tree_size, tsa=name)
        if self.on_result:
            self.on_result("granted", self.clock() - started)
        return True

    def _failed(self, error: str, started: float) -> None:
        s = self.status
        s.failures += 1
        s.consecutive_failures += 1
        delay = min(self.max_backoff, self.min_backoff * 2 ** (s.consecutive_failures - 1))
        s.next_attempt = self.clock() + delay
        if error != s.last_error:
            log.warning(
                "TSA unavailable: checkpoints wait for a timestamp",
                error=error,
                retry_in=delay,
                backlog=s.backlog,
            )
        s.last_error = error
        if self.on_result:
            self.on_result("failed", self.clock() - started)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.round)
            except Exception:  # the store is down, …: timestamping is never fatal
                log.exception("timestamp round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll)
