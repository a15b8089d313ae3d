"""One outcome per idempotency key: a retried call is answered with the first answer.

The agencies' client (:mod:`hub.client`) sends every attempt of one call with the same
``x-tabadol-idempotency-key`` (each attempt signed afresh). For a unary call that carries
one, :class:`IdempotentCalls` runs the handler once per (caller, method, key): a retry that
arrives while the first attempt runs waits for it; one that arrives after it succeeded gets
its response without running again (nothing is written twice). A failed attempt is not
remembered — the retry runs (a refusal is refused again; a transient failure wrote
nothing). The same key with another request is INVALID_ARGUMENT.

Memory: successes are kept for ``ttl`` seconds and at most ``capacity`` of them (the oldest
go first). It is one process's memory: a retry that reaches another replica runs again
there, and a restart forgets (a durable table of outcomes is the way past that).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["IdempotencyConflict", "IdempotentCalls"]


class IdempotencyConflict(Exception):
    """The key was used before with another request."""


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
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self.replayed = 0
        """How many retries were answered with a remembered response."""

    def __len__(self) -> int:
        return len(self._entries)

    def _expire(self) -> None:
        horizon = self._clock() - self._ttl
        entries = self._entries
        while entries:
            _, oldest = next(iter(entries.items()))
            if oldest.done.done() and (oldest.at < horizon or len(entries) > self._capacity):
                entries.popitem(last=False)
            else:
                break

    async def run(
        self, key: tuple[str, str, str], request: bytes, call: Callable[[], Awaitable[Any]]
    ) -> Any:
        """``call()``'s response, or the response of the first attempt under ``key``."""
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
                response = await asyncio.shield(entry.done)
            except Exception:  # noqa: S112 - the first attempt failed: this one runs
                continue
            self.replayed += 1
            return response
        entry = self._entries[key] = _Entry(digest)
        try:
            response = await call()
        except BaseException as error:
            self._entries.pop(key, None)
            entry.done.set_exception(_Failed(repr(error)))
            entry.done.exception()  # retrieved: a failure nobody waited for is not logged
            raise
        entry.at = self._clock()
        entry.done.set_result(response)
        self._entries.move_to_end(key)
        return response


class _Failed(Exception):
    """The first attempt failed (its own error went to its own caller)."""
