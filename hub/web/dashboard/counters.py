"""The dashboard's service counters (004 art. 14 n1): on an agency's page, the counters it
delegated services to with their addresses; among the open datasets, the public list."""

from __future__ import annotations

from typing import Any

from .sources import AgencySection, Section

__all__ = ["COUNTER_DATASETS", "counters_section"]

COUNTER_DATASETS: dict[str, tuple[str, str]] = {
    "counters": (
        "دفاتر پیشخوان و خدمات واگذارشده به آن‌ها",
        "Service counters and the services delegated to them",
    ),
}

_LEVELS = {"intake": "پذیرش", "full": "تمام‌فرایند"}


def counters_section(counters: Any) -> AgencySection:
    """An agency's section: each counter it delegated a service to (``hub.counters``)."""

    def section(agency: str) -> Section | None:
        entries, titles = counters.public_list(None, agency)
        if not entries:
            return None
        rows: list[list[object]] = [
            [
                f"{e.name} ({e.code})",
                f"{e.province_fa} / {e.county}",
                e.address,
                f"{s.service_code} {titles.get(s.service_code, '')}",
                _LEVELS.get(s.level, s.level) + (" + کارمزد" if s.take_payment else ""),
            ]
            for e in entries
            for s in e.services
        ]
        return Section(
            title_fa="پیشخوان‌ها و خدمات واگذارشده",
            title_en="Counters and delegated services",
            columns=(
                ("دفتر", "Counter"),
                ("استان / شهرستان", "Province / county"),
                ("نشانی", "Address"),
                ("خدمت", "Service"),
                ("سطح دسترسی", "Access level"),
            ),
            rows=rows,
            note_fa=(
                "ماده ۱۴ آیین‌نامه ۰۰۴. پذیرش: ثبت درخواست و احراز هویت؛ تمام‌فرایند: تا تحویل خدمت."
            ),
            note_en="004 art. 14. intake: the request and identity; full: up to delivery.",
        )

    return section
