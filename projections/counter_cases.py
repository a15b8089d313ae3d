"""The cases each service counter opened for each agency: the index supervision pages read
(004 art. 14 n3).

A projection of :class:`~aggregates.service_case.ServiceCase`'s ``Opened`` events (only
those recorded with a counter, ``Opened`` v5), keyed by (agency, counter), each list in log
order. Cases are never un-opened, so a list only grows and a position in it is a stable
page token on every replica (they fold the same log in the same order). Idempotent by
originator: an event seen twice is counted once.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aggregates.service_case import ServiceCase

__all__ = ["COUNTER_CASE_TOPICS", "CounterCases"]

COUNTER_CASE_TOPICS: tuple[str, ...] = (ServiceCase.Opened.TOPIC,)


class CounterCases:
    """(agency, counter) → the tracking codes of the cases the counter opened for it."""

    topics = COUNTER_CASE_TOPICS

    def __init__(self) -> None:
        self._cases: dict[tuple[str, str], list[str]] = {}
        self._seen: set[UUID] = set()

    def process_event(self, event: Any) -> None:
        """Fold one ``Opened`` event; others and cases opened by an agency are ignored."""
        counter = getattr(event, "counter", "")
        if not counter or event.originator_id in self._seen:
            return
        self._seen.add(event.originator_id)
        self._cases.setdefault((event.agency, counter), []).append(event.tracking_code)

    def page(self, agency: str, counter: str, start: int, size: int) -> tuple[list[str], bool]:
        """The tracking codes from position ``start`` (0 first), at most ``size``, and
        whether more follow."""
        cases = self._cases.get((agency, counter), [])
        return cases[start : start + size], start + size < len(cases)
