"""Positions: log index ⇄ store position with every 256th position in memory, pages read back."""

from __future__ import annotations

import itertools
import random

import pytest

from hub.audit.positions import PAGE, Positions


def _store(n: int) -> list[int]:
    rng = random.Random(12)
    positions, p = [], 0
    for _ in range(n):
        p += rng.choice((1, 1, 1, 2, 5))  # PostgreSQL leaves gaps
        positions.append(p)
    return positions


def test_indexes_and_positions_match_the_store_reading_pages_back() -> None:
    stored = _store(10 * PAGE + 17)
    reads: list[int] = []

    def read(first: int, count: int) -> list[int]:
        reads.append(first)
        return [p for p in stored if p >= first][:count]

    positions = Positions(read, cache=2)
    positions.extend(stored)
    assert len(positions) == len(stored) and positions.last == stored[-1]
    for i in range(0, len(stored), 37):
        assert positions[i] == stored[i]
        assert positions.index(stored[i]) == i
    assert reads  # old pages came from the store, not memory
    assert len(positions._pages) <= 2
    assert len(positions._firsts) == 11
    gap = next(p + 1 for p, q in itertools.pairwise(stored) if q > p + 1)
    for absent in (0, gap, stored[-1] + 1):
        with pytest.raises(ValueError):
            positions.index(absent)
    with pytest.raises(IndexError):
        positions[len(stored)]


def test_without_a_store_every_position_is_kept() -> None:
    stored = _store(600)
    positions = Positions(None)
    positions.extend(stored)
    assert [positions[i] for i in range(600)] == stored
    assert positions.index(stored[599]) == 599
