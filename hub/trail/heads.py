"""Each aggregate's chain head while a trail is verified, in bounded memory.

A verifier needs, per aggregate, its number in order of first appearance (its entry in
the aggregate map), its latest version and that event's hash. The recently written
aggregates stay in a dictionary of at most ``hot`` entries; when it is full, the older
half goes to a private SQLite file (deleted when closed) and is read back when one of
them appears again. Memory is bounded by ``hot``, not by how many aggregates the log
holds; a log of one open aggregate after another never touches the disk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from itertools import islice

__all__ = ["HOT_AGGREGATES", "AggregateHeads", "Head"]

HOT_AGGREGATES = 1 << 17
"""How many aggregates' heads stay in memory (about 180 bytes each)."""

Head = tuple[int, int, bytes]
"""(number in order of first appearance, latest version, that event's hash)."""


class AggregateHeads:
    """The heads of the aggregates seen so far, by aggregate id (its text)."""

    __slots__ = ("_cold", "_count", "_limit", "hot", "spilled")

    def __init__(self, hot: int | None = None) -> None:
        self.hot: dict[str, Head] = {}
        """The heads in memory: a head that :meth:`get` returned may be replaced here."""
        self._limit = max(2, HOT_AGGREGATES if hot is None else hot)
        self._cold: sqlite3.Connection | None = None
        self._count = 0
        self.spilled = 0
        """How many heads were written to the disk (for the curious; 0 for most trails)."""

    def __len__(self) -> int:
        """How many aggregates have a number (:meth:`number` handed out)."""
        return self._count

    def get(self, aggregate_id: str) -> Head | None:
        head = self.hot.get(aggregate_id)
        if head is None and self._cold is not None:
            row = self._cold.execute(
                "SELECT n, version, head FROM heads WHERE id = ?", (aggregate_id,)
            ).fetchone()
            if row is not None:
                head = (row[0], row[1], row[2])
                self.add(aggregate_id, head)
        return head

    def number(self) -> int:
        """The number of the next new aggregate (then counted)."""
        self._count += 1
        return self._count - 1

    def add(self, aggregate_id: str, head: Head) -> None:
        """The head of an aggregate that :meth:`get` did not find."""
        self.hot[aggregate_id] = head
        if len(self.hot) > self._limit:
            self._spill(len(self.hot) // 2)

    def items(self) -> Iterator[tuple[str, Head]]:
        """Every aggregate's head, in order of first appearance."""
        if self._cold is None:
            yield from sorted(self.hot.items(), key=lambda item: item[1][0])
            return
        self._spill(len(self.hot))
        for aggregate_id, number, version, head in self._cold.execute(
            "SELECT id, n, version, head FROM heads ORDER BY n"
        ):
            yield aggregate_id, (number, version, head)

    def close(self) -> None:
        if self._cold is not None:
            self._cold.close()
            self._cold = None

    def _spill(self, count: int) -> None:
        """Move the ``count`` heads longest in memory to the disk."""
        if self._cold is None:
            self._cold = sqlite3.connect("", isolation_level=None)  # a private temp file
            self._cold.execute("PRAGMA journal_mode = OFF")
            self._cold.execute("PRAGMA synchronous = OFF")
            self._cold.execute(
                "CREATE TABLE heads (id TEXT PRIMARY KEY, n INTEGER, version INTEGER,"
                " head BLOB) WITHOUT ROWID"
            )
        hot = self.hot
        oldest = list(islice(hot.items(), count))
        self._cold.execute("BEGIN")
        self._cold.executemany(
            "INSERT OR REPLACE INTO heads VALUES (?, ?, ?, ?)",
            [(key, n, version, head) for key, (n, version, head) in oldest],
        )
        self._cold.execute("COMMIT")
        for key, _ in oldest:
            del hot[key]
        self.spilled += len(oldest)
