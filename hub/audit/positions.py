"""Log index ⇄ store position, in memory that does not grow with the log.

The log's leaves are the stored events in position order, so leaf ``i`` is the ``i``-th
position. :class:`Positions` keeps every 256th position (8 bytes per 256 events) and the
positions since the last of those; any other page of 256 is read from the store in one
indexed range query and kept in a small cache. PostgreSQL's positions may have gaps (a
rolled-back transaction uses up sequence numbers): pages are read, never computed.
"""

from __future__ import annotations

import bisect
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable

__all__ = ["PAGE", "Positions"]

PAGE = 256

PageReader = Callable[[int, int], list[int]]
"""``(first position, count)`` → the positions from ``first`` on, ``count`` of them."""


class Positions:
    """The positions of log indexes ``0 .. len - 1``, ascending."""

    def __init__(self, read: PageReader | None, *, cache: int = 16) -> None:
        self._read = read
        self._firsts = array("q")  # position of leaf PAGE * k
        self._tail = array("q")  # positions of the last, unfinished page (all of them: no reader)
        self._pages: OrderedDict[int, array[int]] = OrderedDict()
        self._cache = cache
        self._n = 0
        self.page_reads = 0
        """How many pages were read from the store (tests count them)."""

    def __len__(self) -> int:
        return self._n

    def append(self, position: int) -> None:
        if self._n % PAGE == 0 and self._read is not None:
            if self._firsts:  # the tail is a whole page now: cache it
                self._remember(len(self._firsts) - 1, self._tail)
            self._firsts.append(position)
            self._tail = array("q")
        self._tail.append(position)
        self._n += 1

    def extend(self, positions: Iterable[int]) -> None:
        for position in positions:
            self.append(position)

    @property
    def last(self) -> int:
        """The last position (0 when empty)."""
        return self._tail[-1] if self._tail else 0

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self._n:
            raise IndexError(f"log index {index} out of range for {self._n} events")
        return self._page(index // PAGE)[index % PAGE] if self._read else self._tail[index]

    def index(self, position: int) -> int:
        """The log index of ``position``; ValueError when no event of the log is there."""
        if self._read is None:
            page, k = self._tail, 0
        else:
            k = bisect.bisect_right(self._firsts, position) - 1
            if k < 0:
                raise ValueError(position)
            page = self._page(k)
        i = bisect.bisect_left(page, position)
        if i == len(page) or page[i] != position:
            raise ValueError(position)
        return k * PAGE + i

    def _page(self, k: int) -> array[int]:
        if k == len(self._firsts) - 1:
            return self._tail
        found = self._pages.get(k)
        if found is None:
            assert self._read is not None
            found = array("q", self._read(self._firsts[k], PAGE))
            self.page_reads += 1
            if len(found) != PAGE:
                raise LookupError(f"page {k} of the log's positions has {len(found)} events")
        self._remember(k, found)
        return found

    def _remember(self, k: int, page: array[int]) -> None:
        self._pages[k] = page
        self._pages.move_to_end(k)
        while len(self._pages) > self._cache:
            self._pages.popitem(last=False)
