"""The refusal pacer: one slot per principal every 1/rate seconds, a wait of at most
``most``, a principal refused now and then never waits, and principals do not share slots."""

from __future__ import annotations

import pytest

from hub.servicers.auth import RefusalPacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_refusals_is_spread_at_the_rate() -> None:
    clock = Clock()
    pacer = RefusalPacer(10.0, clock=clock)
    waits = [pacer.delay("agency:ZZZ") for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    # another principal has its own slots
    assert pacer.delay("agency:TAX") == 0.0


def test_a_wait_is_at_most_most_seconds() -> None:
    clock = Clock()
    pacer = RefusalPacer(10.0, most=0.25, clock=clock)
    waits = [pacer.delay("agency:ZZZ") for _ in range(6)]
    assert max(waits) == pytest.approx(0.25)


def test_an_occasional_refusal_waits_nothing() -> None:
    clock = Clock()
    pacer = RefusalPacer(10.0, clock=clock)
    for _ in range(3):
        assert pacer.delay("agency:MOJ") == 0.0
        clock.now += 0.5
