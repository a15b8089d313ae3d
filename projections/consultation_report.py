"""گزارش جامع: the comprehensive report of a call (003) — participants by count, age band,
gender, province and person kind (natural persons, and legal persons through their
representatives); vote tallies; key concerns; every suggestion's outcome, reason and
legal basis; the draft's versions and what changed between them — in Persian and
English, as JSON and as a Markdown document.

A projection of the consultation events, rebuildable at any time: feed it events in order
(one call's stream, or the whole log) and query it. Events already seen (by aggregate
version) are skipped, so replaying is idempotent.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from aggregates.consultation import (
    AgeBand,
    Consultation,
    DocumentRef,
    DraftKind,
    Gender,
    KeyConcern,
    LegalPersonKind,
    ParticipationType,
    Province,
    VoteChoice,
)
from aggregates.jalali import format_jalali

__all__ = [
    "CONSULTATION_TOPICS",
    "NOT_GIVEN",
    "REPORT_FORMAT",
    "ConsultationReport",
    "ConsultationReports",
    "Contribution",
    "SuggestionOutcome",
    "VersionRow",
]

REPORT_FORMAT = "tabadol-consultation-report/1"
NOT_GIVEN = "not_given"  # a participant who gave no value (or no consent) for a dimension

CONSULTATION_TOPICS: tuple[str, ...] = (
    Consultation.Requested.TOPIC,
    Consultation.DraftPublished.TOPIC,
    Consultation.Commented.TOPIC,
    Consultation.Voted.TOPIC,
    Consultation.SuggestionDecided.TOPIC,
    Consultation.KeyConcernsRecorded.TOPIC,
    Consultation.FinalVersionPublished.TOPIC,
    Consultation.DraftRevised.TOPIC,
)


@dataclass(frozen=True)
class SuggestionOutcome:
    """One suggestion and what became of it: accepted, rejected or pending, and why."""

    number: int
    text: str
    article: str
    outcome: str
    reason: str
    legal_basis: str = ""
    draft_version: int = 1
    on_behalf_of: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VersionRow:
    """One version of the draft: 1 is the preliminary draft; each later one says what
    changed since the one before, and how many comments were made on it."""

    version: int
    document: DocumentRef
    published_at: datetime | None
    changes: tuple[KeyConcern, ...]
    comments: int


@dataclass(frozen=True)
class Contribution:
    """What one participant (a pseudonym) did in one call: for certificates and scores."""

    participant: str
    comments: int
    accepted_suggestions: int
    voted: bool


@dataclass
class _Suggestion:
    number: int
    participant: str
    text: str
    article: str
    accepted: bool | None = None
    reason: str = ""
    legal_basis: str = ""
    draft_version: int = 1
    on_behalf_of: dict[str, str] = field(default_factory=dict)


@dataclass
class _Call:
    tracking_code: str
    agency: str
    unit: str
    kind: DraftKind
    participation_type: ParticipationType
    title: tuple[str, str] = ("", "")
    summary: tuple[str, str] = ("", "")
    draft: DocumentRef | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    demographics: dict[str, dict[str, str]] = field(default_factory=dict)
    suggestions: list[_Suggestion] = field(default_factory=list)
    votes: dict[str, str] = field(default_factory=dict)
    key_concerns: tuple[KeyConcern, ...] = ()
    final: DocumentRef | None = None
    finalised_at: datetime | None = None
    version: int = 0
    versions: list[VersionRow] = field(default_factory=list)
    legal_persons: dict[str, str] = field(default_factory=dict)
    natural: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ConsultationReport:
    """The report of one call; :meth:`to_dict` is its JSON, :meth:`to_markdown` its text."""

    tracking_code: str
    agency: str
    unit: str
    kind: DraftKind
    participation_type: ParticipationType
    title_fa: str
    title_en: str
    summary_fa: str
    summary_en: str
    draft: DocumentRef | None
    opens_at: datetime | None
    closes_at: datetime | None
    final_version: DocumentRef | None
    finalised_at: datetime | None
    participants: int
    by_age_band: dict[str, int]
    by_gender: dict[str, int]
    by_province: dict[str, int]
    comments: int
    votes: dict[str, int]
    key_concerns: tuple[KeyConcern, ...]
    suggestions: tuple[SuggestionOutcome, ...]
    versions: tuple[VersionRow, ...] = ()
    by_person_kind: dict[str, int] = field(default_factory=dict)

    @property
    def outcomes(self) -> dict[str, int]:
        """How many suggestions were accepted, rejected, or are still pending."""
        counts = Counter(s.outcome for s in self.suggestions)
        return {key: counts[key] for key in ("accepted", "rejected", "pending")}

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready primitives, with Persian and English labels."""
        return {
            "format": REPORT_FORMAT,
            "tracking_code": self.tracking_code,
            "agency": self.agency,
            "unit": self.unit,
            "kind": {"key": self.kind.value, "fa": self.kind.title_fa, "en": self.kind.title_en},
            "participation_type": {
                "key": self.participation_type.value,
                "fa": self.participation_type.title_fa,
                "en": self.participation_type.value,
            },
            "title": {"fa": self.title_fa, "en": self.title_en},
            "summary": {"fa": self.summary_fa, "en": self.summary_en},
            "draft": _document(self.draft),
            "period": {
                "opens_at": self.opens_at.isoformat() if self.opens_at else None,
                "closes_at": self.closes_at.isoformat() if self.closes_at else None,
                "opens_on_jalali": _day(self.opens_at),
                "closes_on_jalali": _day(self.closes_at),
            },
            "final_version": _document(self.final_version),
            "participants": {
                "count": self.participants,
                "by_age_band": dict(self.by_age_band),
                "by_gender": dict(self.by_gender),
                "by_province": dict(self.by_province),
                "by_person_kind": dict(self.by_person_kind),
            },
            "versions": [
                {
                    "version": row.version,
                    "document": _document(row.document),
                    "published_at": row.published_at.isoformat() if row.published_at else None,
                    "published_on_jalali": _day(row.published_at),
                    "changes": [{"fa": c.fa, "en": c.en} for c in row.changes],
                    "comments": row.comments,
                }
                for row in self.versions
            ],
            "comments": self.comments,
            "votes": dict(self.votes),
            "key_concerns": [{"fa": c.fa, "en": c.en} for c in self.key_concerns],
            "suggestions": [
                {
                    "number": s.number,
                    "text": s.text,
                    "article": s.article,
                    "outcome": s.outcome,
                    "reason": s.reason,
                    "legal_basis": s.legal_basis,
                    "draft_version": s.draft_version,
                    "on_behalf_of": dict(s.on_behalf_of),
                }
                for s in self.suggestions
            ],
            "outcomes": self.outcomes,
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as UTF-8-friendly JSON text (Persian kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        """A readable bilingual document (Markdown)."""
        return "\n".join(_markdown(self)) + "\n"


class ConsultationReports:
    """The projection: one report per call, keyed by tracking code."""

    name = "consultation_report"
    topics = CONSULTATION_TOPICS

    def __init__(self) -> None:
        self._calls: dict[UUID, _Call] = {}
        self._by_code: dict[str, UUID] = {}

    def process_event(self, event: object) -> None:
        """Fold one consultation event in; others, and events already seen, are ignored."""
        if isinstance(event, Consultation.Requested):
            if event.originator_id in self._calls:
                return
            self._calls[event.originator_id] = _Call(
                event.tracking_code,
                event.agency,
                event.unit,
                DraftKind(event.kind),
                ParticipationType(event.participation_type),
                version=event.originator_version,
            )
            self._by_code[event.tracking_code] = event.originator_id
            return
        if not isinstance(event, Consultation.Event):
            return
        call = self._calls.get(event.originator_id)
        if call is None or event.originator_version <= call.version:
            return
        call.version = event.originator_version
        if isinstance(event, Consultation.DraftPublished):
            call.title = (event.title_fa, event.title_en)
            call.summary = (event.summary_fa, event.summary_en)
            call.draft = DocumentRef(event.document_sha256, event.document_url)
            call.opens_at = datetime.fromisoformat(event.opens_at)
            call.closes_at = datetime.fromisoformat(event.closes_at)
            call.versions = [VersionRow(1, call.draft, event.timestamp, (), 0)]
        elif isinstance(event, Consultation.DraftRevised):
            call.versions.append(
                VersionRow(
                    event.version,
                    DocumentRef(event.document_sha256, event.document_url),
                    datetime.fromisoformat(event.at),
                    tuple(KeyConcern(c["fa"], c["en"]) for c in event.changes),
                    0,
                )
            )
        elif isinstance(event, Consultation.Commented):
            behalf = dict(event.on_behalf_of)
            call.suggestions.append(
                _Suggestion(
                    event.number,
                    event.participant,
                    event.text,
                    event.article,
                    draft_version=event.draft_version,
                    on_behalf_of=behalf,
                )
            )
            _join(call, event.participant, event.demographics)
            _person_kind(call, event.participant, behalf)
        elif isinstance(event, Consultation.Voted):
            behalf = dict(event.on_behalf_of)
            key = f"legal:{behalf['national_id']}" if behalf else event.participant
            call.votes[key] = event.choice
            _join(call, event.participant, event.demographics)
            _person_kind(call, event.participant, behalf)
        elif isinstance(event, Consultation.SuggestionDecided):
            decided = call.suggestions[event.number - 1]
            decided.accepted, decided.reason = event.accepted, event.reason
            decided.legal_basis = event.legal_basis
        elif isinstance(event, Consultation.KeyConcernsRecorded):
            call.key_concerns = tuple(KeyConcern(c["fa"], c["en"]) for c in event.key_concerns)
        elif isinstance(event, Consultation.FinalVersionPublished):
            call.final = DocumentRef(event.document_sha256, event.document_url)
            call.finalised_at = datetime.fromisoformat(event.at)

    # --- queries -----------------------------------------------------------------------

    def tracking_codes(self) -> list[str]:
        """Every call seen, in the order requested."""
        return list(self._by_code)

    def report(self, tracking_code: str) -> ConsultationReport | None:
        """The report of the call, or None if no such call was seen."""
        call = self._call(tracking_code)
        return None if call is None else _report(call)

    def contributions(self, tracking_code: str) -> dict[str, Contribution]:
        """Every participant's contribution to the call, by pseudonym."""
        call = self._call(tracking_code)
        if call is None:
            return {}
        comments = Counter(s.participant for s in call.suggestions)
        accepted = Counter(s.participant for s in call.suggestions if s.accepted)
        return {
            who: Contribution(who, comments[who], accepted[who], who in call.votes)
            for who in call.demographics
        }

    def _call(self, tracking_code: str) -> _Call | None:
        key = self._by_code.get(tracking_code)
        return None if key is None else self._calls[key]


def _join(call: _Call, participant: str, demographics: dict[str, str]) -> None:
    """The participant counts once; their latest consented demographics stand."""
    if demographics or participant not in call.demographics:
        call.demographics[participant] = dict(demographics)


def _person_kind(call: _Call, participant: str, behalf: dict[str, str]) -> None:
    """Count who took part: the person for themselves, or the legal person they represent."""
    if behalf:
        call.legal_persons[behalf["national_id"]] = behalf["kind"]
    else:
        call.natural.add(participant)


def _by_person_kind(call: _Call) -> dict[str, int]:
    counts = Counter(call.legal_persons.values())
    return {"natural": len(call.natural)} | {k.value: counts[k.value] for k in LegalPersonKind}


def _versions(call: _Call) -> tuple[VersionRow, ...]:
    comments = Counter(s.draft_version for s in call.suggestions)
    return tuple(
        VersionRow(v.version, v.document, v.published_at, v.changes, comments[v.version])
        for v in call.versions
    )


def _breakdown(call: _Call, dimension: str, keys: list[str]) -> dict[str, int]:
    counts = Counter(d.get(dimension, NOT_GIVEN) for d in call.demographics.values())
    return {key: counts[key] for key in [*keys, NOT_GIVEN]}


def _report(call: _Call) -> ConsultationReport:
    votes = Counter(call.votes.values())
    provinces = _breakdown(call, "province", [p.value for p in Province])
    return ConsultationReport(
        tracking_code=call.tracking_code,
        agency=call.agency,
        unit=call.unit,
        kind=call.kind,
        participation_type=call.participation_type,
        title_fa=call.title[0],
        title_en=call.title[1],
        summary_fa=call.summary[0],
        summary_en=call.summary[1],
        draft=call.draft,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        final_version=call.final,
        finalised_at=call.finalised_at,
        participants=len(call.demographics),
        by_age_band=_breakdown(call, "age_band", [b.value for b in AgeBand]),
        by_gender=_breakdown(call, "gender", [g.value for g in Gender]),
        by_province={k: n for k, n in provinces.items() if n},
        comments=len(call.suggestions),
        votes={c.value: votes[c.value] for c in VoteChoice},
        key_concerns=call.key_concerns,
        suggestions=tuple(
            SuggestionOutcome(
                s.number,
                s.text,
                s.article,
                "pending" if s.accepted is None else ("accepted" if s.accepted else "rejected"),
                s.reason,
                s.legal_basis,
                s.draft_version,
                dict(s.on_behalf_of),
            )
            for s in call.suggestions
        ),
        versions=_versions(call),
        by_person_kind=_by_person_kind(call),
    )


def _document(ref: DocumentRef | None) -> dict[str, str] | None:
    return None if ref is None else {"sha256": ref.sha256, "url": ref.url}


def _day(moment: datetime | None) -> str | None:
    return None if moment is None else format_jalali(moment, with_time=False)


# --- Markdown ------------------------------------------------------------------------------

_OUTCOME_FA = {"accepted": "پذیرفته", "rejected": "رد", "pending": "در انتظار"}
_BAND_FA = {NOT_GIVEN: "اعلام‌نشده"}
_LABEL_EN = {NOT_GIVEN: "not given"}


def _label(dimension: str, key: str) -> str:
    if key == NOT_GIVEN:
        return f"{_BAND_FA[key]} / {_LABEL_EN[key]}"
    if dimension == "gender":
        return f"{Gender(key).title_fa} / {key}"
    if dimension == "province":
        province = Province(key)
        return f"{province.title_fa} / {province.title_en}"
    return key


def _markdown(r: ConsultationReport) -> list[str]:
    opens, closes = _day(r.opens_at) or "—", _day(r.closes_at) or "—"
    lines = [
        f"# گزارش جامع فراخوان {r.tracking_code} / Comprehensive report of call {r.tracking_code}",
        "",
        f"**{r.title_fa}** — *{r.title_en}*",
        "",
        f"- دستگاه / Agency: {r.agency} — {r.unit}",
        f"- نوع سند / Kind: {r.kind.title_fa} / {r.kind.title_en}",
        f"- نوع مشارکت / Participation: {r.participation_type.title_fa} / {r.participation_type.value}",
        f"- بازه / Period: {opens} → {closes} (Asia/Tehran)",
        f"- پیش‌نویس مقدماتی (غیر قابل استناد) / Preliminary draft (not citable): {_doc_md(r.draft)}",
        f"- نسخه نهایی / Final version: {_doc_md(r.final_version)}",
        "",
        "## خلاصه / Summary",
        "",
        r.summary_fa,
        "",
        r.summary_en,
        "",
        f"## مشارکت‌کنندگان / Participants: {r.participants}",
        "",
    ]
    for title, dimension, counts in (
        ("گروه سنی / Age band", "age_band", r.by_age_band),
        ("جنسیت / Gender", "gender", r.by_gender),
        ("استان / Province", "province", r.by_province),
    ):
        lines += [f"| {title} | تعداد / Count |", "|---|---:|"]
        lines += [f"| {_label(dimension, k)} | {n} |" for k, n in counts.items() if n]
        lines.append("")
    if r.participation_type is ParticipationType.VOTE:
        lines += ["## آرا / Votes", "", "| رأی / Vote | تعداد / Count |", "|---|---:|"]
        lines += [f"| {VoteChoice(k).title_fa} / {k} | {n} |" for k, n in r.votes.items()]
        lines.append("")
    if len(r.versions) > 1:
        lines += ["## نسخه‌های پیش‌نویس / Versions of the draft", ""]
        for row in r.versions:
            when = _day(row.published_at) or "—"
            lines.append(
                f"### نسخه {row.version} / version {row.version} — {when}"
                f" — {_doc_md(row.document)} — نظرها / comments: {row.comments}"
            )
            lines += [f"- {c.fa} — {c.en}" for c in row.changes] or [
                "- پیش‌نویس مقدماتی / preliminary draft"
            ]
            lines.append("")
    kinds = r.by_person_kind
    if kinds:
        lines += [
            f"- اشخاص حقیقی / natural persons: {kinds.get('natural', 0)};"
            + "".join(
                f" {k.title_fa} / {k.value}: {kinds.get(k.value, 0)};" for k in LegalPersonKind
            ),
            "",
        ]
    lines += ["## دغدغه‌های کلیدی / Key concerns", ""]
    lines += [f"{i}. {c.fa} — {c.en}" for i, c in enumerate(r.key_concerns, 1)] or ["—"]
    lines.append("")
    if r.participation_type is ParticipationType.SURVEY:
        o = r.outcomes
        lines += [
            f"## پیشنهادها / Suggestions: {r.comments}"
            f" (پذیرفته / accepted {o['accepted']}, رد / rejected {o['rejected']},"
            f" در انتظار / pending {o['pending']})",
            "",
            "| # | ماده / Article | پیشنهاد / Suggestion | نتیجه / Outcome | دلیل / Reason"
            " | مبنای قانونی / Legal basis |",
            "|---:|---|---|---|---|---|",
        ]
        lines += [
            f"| {s.number} | {_cell(s.article) or '—'} | {_cell(s.text)} |"
            f" {_OUTCOME_FA[s.outcome]} / {s.outcome} | {_cell(s.reason) or '—'} |"
            f" {_cell(s.legal_basis) or '—'} |"
            for s in r.suggestions
        ]
    return lines


def _doc_md(ref: DocumentRef | None) -> str:
    return "—" if ref is None else f"<{ref.url}> (SHA-256 `{ref.sha256[:16]}…`)"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")
