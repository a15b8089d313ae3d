"""جدول فراخوان‌ها: the public table of the 000 annex — row, preliminary draft (not
citable), survey period, participation type, final version — one row per published call.

A projection of the consultation events; rebuildable, idempotent by aggregate version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from aggregates.consultation import Consultation, DocumentRef, DraftKind, ParticipationType
from aggregates.jalali import format_jalali
from projections.consultation_report import CONSULTATION_TOPICS

__all__ = ["ParticipationTable", "TableRow", "table_markdown"]


@dataclass(frozen=True)
class TableRow:
    """One row of the annex table; ``row`` numbers the rows of the table it appears in."""

    row: int
    tracking_code: str
    agency: str
    unit: str
    kind: DraftKind
    title_fa: str
    title_en: str
    draft: DocumentRef
    opens_at: datetime
    closes_at: datetime
    participation_type: ParticipationType
    final_version: DocumentRef | None

    @property
    def period_jalali(self) -> str:
        """The survey period as Jalali dates, e.g. ``1405-02-01 → 1405-03-01``."""
        opens = format_jalali(self.opens_at, with_time=False)
        closes = format_jalali(self.closes_at, with_time=False)
        return f"{opens} → {closes}"


class ParticipationTable:
    """The projection: calls in the order their drafts were published."""

    name = "participation_table"
    topics = CONSULTATION_TOPICS

    def __init__(self) -> None:
        self._requested: dict[UUID, Consultation.Requested] = {}
        self._rows: dict[UUID, TableRow] = {}
        self._versions: dict[UUID, int] = {}

    def process_event(self, event: object) -> None:
        """Fold one consultation event in; others, and events already seen, are ignored."""
        if not isinstance(event, Consultation.Event):
            return
        key = event.originator_id
        if event.originator_version <= self._versions.get(key, 0):
            return
        self._versions[key] = event.originator_version
        if isinstance(event, Consultation.Requested):
            self._requested[key] = event
        elif isinstance(event, Consultation.DraftPublished) and key in self._requested:
            asked = self._requested[key]
            self._rows[key] = TableRow(
                row=len(self._rows) + 1,
                tracking_code=asked.tracking_code,
                agency=asked.agency,
                unit=asked.unit,
                kind=DraftKind(asked.kind),
                title_fa=event.title_fa,
                title_en=event.title_en,
                draft=DocumentRef(event.document_sha256, event.document_url),
                opens_at=datetime.fromisoformat(event.opens_at),
                closes_at=datetime.fromisoformat(event.closes_at),
                participation_type=ParticipationType(asked.participation_type),
                final_version=None,
            )
        elif isinstance(event, Consultation.FinalVersionPublished) and key in self._rows:
            final = DocumentRef(event.document_sha256, event.document_url)
            self._rows[key] = replace(self._rows[key], final_version=final)

    def rows(self, agency: str | None = None) -> list[TableRow]:
        """The table, optionally one agency's, its rows numbered from 1."""
        chosen = [r for r in self._rows.values() if agency is None or r.agency == agency.upper()]
        return [replace(r, row=i) for i, r in enumerate(chosen, 1)]


def table_markdown(rows: list[TableRow]) -> str:
    """The annex table as bilingual Markdown."""
    lines = [
        "| ردیف / Row | پیش‌نویس مقدماتی (غیر قابل استناد) / Preliminary draft (not citable)"
        " | بازه زمانی نظرسنجی / Survey period | نوع مشارکت / Participation type"
        " | نسخه نهایی / Final version |",
        "|---:|---|---|---|---|",
    ]
    for r in rows:
        final = f"<{r.final_version.url}>" if r.final_version else "—"
        lines.append(
            f"| {r.row} | {r.title_fa} / {r.title_en} ({r.tracking_code}) <{r.draft.url}>"
            f" | {r.period_jalali} | {r.participation_type.title_fa} / {r.participation_type.value}"
            f" | {final} |"
        )
    return "\n".join(lines) + "\n"
