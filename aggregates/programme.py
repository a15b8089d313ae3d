"""AgencyProgramme (برنامه عملیاتی هوشمندسازی): an agency's yearly programme to make its
services smart, and the monthly progress reports it enters (002 art. 6 note, 7, 9 n1).

Each year an agency programmes at least 20 % of its services (art. 6 note), prioritised
on the axes of art. 7 — services in wide use, services of the Council's pioneering
projects, services among the e-government index priorities, and services that depend on
a chain of other agencies' services (whose codes the item lists). Every month it reports
its progress on each item, online (art. 9 n1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    LONG_TEXT,
    NAMESPACE,
    check_actor,
    check_int,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.errors import TransitionRefused, Violation
from aggregates.identifiers import AgencyCode, ServiceCode

__all__ = [
    "MINIMUM_SHARE",
    "AgencyProgramme",
    "PriorityAxis",
    "ProgrammeItem",
    "ProgressEntry",
    "ProgressStatus",
    "minimum_items",
]

MINIMUM_SHARE = 0.20
"""Each year at least 20 % of an agency's services (002 art. 6 note)."""


def minimum_items(services: int) -> int:
    """How many services a programme must cover: 20 % of ``services``, rounded up."""
    return math.ceil(services * MINIMUM_SHARE - 1e-9)


class PriorityAxis(StrEnum):
    """The axes of 002 art. 7 an item is prioritised on."""

    WIDE_USE = "wide_use"  # کاربری فراگیر برای افراد، خانوارها و کسب‌وکارها
    PIONEERING_PROJECT = "pioneering_project"  # طرح‌های پیشران مصوب شورا
    EGOV_INDEX = "egov_index"  # اولویت‌های شاخص توسعه دولت الکترونیکی
    SERVICE_CHAIN = "service_chain"  # زنجیره‌ای از خدمات سایر دستگاه‌ها


class ProgressStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"  # the service is smart, as the agency reports it


@dataclass(frozen=True)
class ProgrammeItem:
    """One service to make smart this year: its priority (1 first), the art. 7 axes, the
    other agencies' services it depends on, and the Jalali month it is due (1..12)."""

    service_code: str
    priority: int
    axes: tuple[PriorityAxis, ...]
    depends_on: tuple[str, ...] = ()
    due_month: int = 12

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_code": self.service_code,
            "priority": self.priority,
            "axes": [a.value for a in self.axes],
            "depends_on": list(self.depends_on),
            "due_month": self.due_month,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProgrammeItem:
        return cls(
            service_code=str(d["service_code"]),
            priority=int(d["priority"]),
            axes=tuple(PriorityAxis(a) for a in d["axes"]),
            depends_on=tuple(str(x) for x in d.get("depends_on", ())),
            due_month=int(d.get("due_month", 12)),
        )


@dataclass(frozen=True)
class ProgressEntry:
    """The agency's word on one item in a monthly report."""

    service_code: str
    status: ProgressStatus
    percent: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_code": self.service_code,
            "status": self.status.value,
            "percent": self.percent,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProgressEntry:
        return cls(
            str(d["service_code"]), ProgressStatus(d["status"]), int(d["percent"]), str(d["note"])
        )


class AgencyProgramme(Aggregate, created_event_name="Submitted"):
    """One agency's programme for one Jalali year, and its monthly progress reports."""

    TOPIC = "tabadol.programme"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Submitted(Event, Aggregate.Created):
        TOPIC = "tabadol.programme.submitted"
        agency: str
        year: int
        items: list[dict[str, Any]]
        services_total: int
        by: str

    Created = Submitted

    class ProgressReported(Event):
        """گزارش پیشرفت ماهانه (002 art. 9 n1)."""

        TOPIC = "tabadol.programme.progress_reported"
        month: int
        entries: list[dict[str, Any]]
        by: str

        def apply(self, aggregate: AgencyProgramme) -> None:
            aggregate._reports[self.month] = tuple(ProgressEntry.from_dict(e) for e in self.entries)

    @staticmethod
    def create_id(agency: str, year: int) -> UUID:
        return uuid5(NAMESPACE, f"programme:{agency}:{year}")

    def __init__(
        self, agency: str, year: int, items: list[dict[str, Any]], services_total: int, by: str
    ) -> None:
        self._agency = agency
        self._year = year
        self._items = tuple(ProgrammeItem.from_dict(i) for i in items)
        self._services_total = services_total
        self._reports: dict[int, tuple[ProgressEntry, ...]] = {}

    @classmethod
    def submit(
        cls,
        agency: str,
        year: int,
        items: Sequence[ProgrammeItem],
        *,
        own_services: Sequence[str],
        other_services: Mapping[str, str],
        by: str,
    ) -> AgencyProgramme:
        """The programme of ``agency`` for Jalali ``year``.

        ``own_services`` are the codes of the agency's services in the catalogue;
        ``other_services`` maps other agencies' service codes to their owner, for the
        dependencies. At least 20 % of the agency's services, each once, each its own.
        """
        v: list[Violation] = []
        code = check_parsed(v, AgencyCode.parse, agency, "agency")
        checked_year = check_int(v, "year", year, 1390, 1500, "Jalali year")
        own = set(own_services)
        seen: set[str] = set()
        priorities: set[int] = set()
        checked: list[ProgrammeItem] = []
        for i, item in enumerate(items):
            prefix = f"items[{i}]"
            if not isinstance(item, ProgrammeItem):
                v.append(Violation(prefix, "must be a ProgrammeItem"))
                continue
            service = check_parsed(
                v, ServiceCode.parse, item.service_code, f"{prefix}.service_code"
            )
            if service and service not in own:
                v.append(
                    Violation(f"{prefix}.service_code", f"{service} is not a service of {code}")
                )
            if service in seen:
                v.append(Violation(f"{prefix}.service_code", f"{service} is listed twice"))
            seen.add(service)
            priority = check_int(v, f"{prefix}.priority", item.priority, 1, 1000, "priority")
            if priority in priorities:
                v.append(Violation(f"{prefix}.priority", f"priority {priority} is given twice"))
            priorities.add(priority)
            axes = []
            for j, raw in enumerate(item.axes):
                try:
                    axes.append(PriorityAxis(raw))
                except ValueError:
                    allowed = ", ".join(a.value for a in PriorityAxis)
                    v.append(Violation(f"{prefix}.axes[{j}]", f"must be one of {allowed}"))
            if not item.axes:
                v.append(Violation(f"{prefix}.axes", "name the art. 7 axes of this priority"))
            deps = []
            for j, dep in enumerate(item.depends_on):
                dep_code = check_parsed(v, ServiceCode.parse, dep, f"{prefix}.depends_on[{j}]")
                if dep_code and dep_code not in other_services:
                    v.append(
                        Violation(
                            f"{prefix}.depends_on[{j}]",
                            f"{dep_code} is not another agency's service in the catalogue",
                        )
                    )
                deps.append(dep_code)
            if deps and PriorityAxis.SERVICE_CHAIN not in axes:
                axes.append(PriorityAxis.SERVICE_CHAIN)
            month = check_int(v, f"{prefix}.due_month", item.due_month, 1, 12, "due month")
            checked.append(ProgrammeItem(service, priority, tuple(axes), tuple(deps), month))
        needed = minimum_items(len(own))
        if len(own) == 0:
            v.append(Violation("items", f"{code} has no service in the catalogue"))
        elif len(checked) < needed:
            v.append(
                Violation(
                    "items",
                    f"{len(checked)} of {len(own)} services is under 20 %: programme at least"
                    f" {needed} (002 art. 6 note)",
                )
            )
        actor = check_actor(v, by)
        raise_if_any(v)
        ordered = sorted(checked, key=lambda x: x.priority)
        return cls(
            agency=code,
            year=checked_year,
            items=[x.to_dict() for x in ordered],
            services_total=len(own),
            by=actor,
        )

    def report_progress(
        self, month: int, entries: Sequence[ProgressEntry], *, current_month: int, by: str
    ) -> None:
        """The monthly report for Jalali ``month`` of the programme's year; one per month,
        not for a month still to come (``current_month`` is the month it is now, 13 when
        the year is over)."""
        v: list[Violation] = []
        m = check_int(v, "month", month, 1, 12, "month")
        if m and m > current_month:
            v.append(Violation("month", f"month {m} of {self._year} has not begun"))
        items = {i.service_code for i in self._items}
        seen: set[str] = set()
        checked: list[ProgressEntry] = []
        for i, entry in enumerate(entries):
            prefix = f"entries[{i}]"
            if not isinstance(entry, ProgressEntry):
                v.append(Violation(prefix, "must be a ProgressEntry"))
                continue
            code = check_parsed(v, ServiceCode.parse, entry.service_code, f"{prefix}.service_code")
            if code and code not in items:
                v.append(Violation(f"{prefix}.service_code", f"{code} is not in the programme"))
            if code in seen:
                v.append(Violation(f"{prefix}.service_code", f"{code} is reported twice"))
            seen.add(code)
            try:
                status = ProgressStatus(entry.status)
            except ValueError:
                v.append(Violation(f"{prefix}.status", "not_started, in_progress or done"))
                status = ProgressStatus.NOT_STARTED
            percent = check_int(v, f"{prefix}.percent", entry.percent, 0, 100, "percent")
            if status is ProgressStatus.DONE and percent != 100:
                v.append(Violation(f"{prefix}.percent", "a done item is at 100 %"))
            note = check_text(v, f"{prefix}.note", entry.note, max_length=LONG_TEXT, required=False)
            checked.append(ProgressEntry(code, status, percent, note))
        missing = items - seen
        if missing and not v:
            v.append(
                Violation("entries", f"report every item; missing: {', '.join(sorted(missing))}")
            )
        actor = check_actor(v, by)
        raise_if_any(v)
        if m in self._reports:
            raise TransitionRefused(
                f"the report for {self._year}-{m:02d} is already in", field="month"
            )
        self.trigger_event(
            self.ProgressReported, month=m, entries=[e.to_dict() for e in checked], by=actor
        )

    @property
    def agency(self) -> str:
        return self._agency

    @property
    def year(self) -> int:
        return self._year

    @property
    def items(self) -> tuple[ProgrammeItem, ...]:
        return self._items

    @property
    def services_total(self) -> int:
        return self._services_total

    @property
    def reports(self) -> Mapping[int, tuple[ProgressEntry, ...]]:
        return dict(self._reports)
