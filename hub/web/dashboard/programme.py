"""The programme room's readers as dashboard hooks: the late agencies (002 art. 9 n1), the
current quarter's report to the Cabinet, an agency's yearly programme, and the public
datasets (catalogue, permits, programmes, reports)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.application.programme import ProgrammeUseCases, jalali_today
from projections.agency_kpis import AgencyKpisView

from .sources import LateAgency, Section

__all__ = ["PROGRAMME_DATASETS", "ProgrammeHooks"]

PROGRAMME_DATASETS: dict[str, tuple[str, str]] = {
    "catalogue": ("فهرست عمومی خدمات", "Public catalogue of services"),
    "permits": ("ثبت مجوزها", "Permits registry"),
    "programmes": ("برنامه‌های سالانه دستگاه‌ها", "Agencies' yearly programmes"),
    "reports": ("گزارش‌های سه‌ماهه، چهارماهه و سالانه", "Quarterly, four-monthly and annual reports"),
}


def _split(reason: str) -> tuple[str, str]:
    """The reports write a reason as ``english / فارسی``."""
    english, _, persian = reason.partition(" / ")
    return (persian or english), english


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@dataclass
class ProgrammeHooks:
    """Reads :class:`ProgrammeUseCases` of a hub for the dashboard (blocking)."""

    use: ProgrammeUseCases
    kpis: AgencyKpisView
    now: Callable[[], datetime]

    @classmethod
    def of(cls, hub: Any, kpis: AgencyKpisView, now: Callable[[], datetime]) -> ProgrammeHooks:
        return cls(ProgrammeUseCases(hub, now=now), kpis, now)

    def late_agencies(self) -> list[LateAgency]:
        late = []
        for agency in self.use.late_agencies():
            pairs = [_split(r) for r in agency.reasons]
            late.append(
                LateAgency(
                    agency.agency,
                    "؛ ".join(fa for fa, _ in pairs),
                    "; ".join(en for _, en in pairs),
                )
            )
        return late

    def quarterly(self) -> Section:
        year, month = jalali_today(self.now())
        report = self.use.report("quarterly", year, (month - 1) // 3 + 1, self.kpis)
        quality = {q.agency: q for q in report.quality}
        rows = []
        for p in report.progress:
            q = quality.get(p.agency)
            rows.append(
                [
                    p.agency,
                    p.services,
                    p.online,
                    p.smart,
                    f"{p.programme_achieved}/{p.programme_items} (≥{p.programme_minimum})",
                    _pct(None if p.reported_percent is None else p.reported_percent / 100),
                    q.inquiries if q else 0,
                    _pct(q.share_on_time if q else None),
                    "—"
                    if q is None or q.average_satisfaction is None
                    else f"{q.average_satisfaction:.2f}",
                ]
            )
        late = ", ".join(a.agency for a in report.late) or "—"
        return Section(
            title_fa=f"{report.title_fa} — {report.period_jalali}",
            title_en=f"{report.title_en} — {report.period_jalali}",
            columns=(
                ("دستگاه", "Agency"),
                ("خدمات", "Services"),
                ("برخط", "Online"),
                ("هوشمند", "Smart"),
                ("برنامه: محقق/اقلام (حداقل)", "Programme: achieved/items (minimum)"),
                ("پیشرفت گزارش‌شده", "Reported progress"),
                ("استعلام‌های برخط", "Online inquiries"),
                ("تحویل به‌موقع", "Delivered on time"),
                ("رضایت", "Satisfaction"),
            ),
            rows=rows,
            note_fa=f"{report.basis} · دستگاه‌های دارای تأخیر: {late}",
            note_en=f"{report.basis} · late agencies: {late}",
        )

    def programme_section(self, agency: str) -> Section:
        year, _ = jalali_today(self.now())
        facts = [p for p in self.use.programme_facts() if p.agency == agency and p.year == year]
        levels = {line.service_code: line.maturity for line in self.use.catalogue(agency)}
        rows: list[list[object]] = []
        for p in facts:
            latest = max(p.reports, default=0)
            said = {e.service_code: e for e in p.reports.get(latest, ())}
            for item in p.items:
                entry = said.get(item.service_code)
                rows.append(
                    [
                        item.service_code,
                        item.priority,
                        f"{p.year}-{item.due_month:02d}",
                        levels.get(item.service_code, "—"),
                        " ".join(item.depends_on) or "—",
                        f"{entry.status.value} {entry.percent}%" if entry else "—",
                    ]
                )
        months = ", ".join(str(m) for m in sorted(facts[0].reports)) if facts else ""
        return Section(
            title_fa=f"برنامه سالانه {year}",
            title_en=f"Yearly programme {year}",
            columns=(
                ("خدمت", "Service"),
                ("اولویت", "Priority"),
                ("موعد هوشمندسازی", "Smart by"),
                ("بلوغ کنونی", "Maturity now"),
                ("وابسته به", "Depends on"),
                ("آخرین گزارش", "Latest report"),
            ),
            rows=rows,
            note_fa=(
                f"ماه‌های گزارش‌شده: {months}" if facts else f"برنامه‌ای برای سال {year} ثبت نشده است."
            ),
            note_en=(f"Months reported: {months}" if facts else f"No programme for {year}."),
        )

    def dataset(
        self, name: str
    ) -> tuple[tuple[str, ...], list[dict[str, Any]], list[dict[str, Any]]]:
        return self.use.open_dataset(name, self.kpis)
