"""Consultation (فراخوان مشارکت الکترونیکی): a preliminary draft put up for comment or vote,
then the unit's answer to every suggestion and the final version (000 annex; 001; 003).

Life of a call, each step an event:

1. a unit of an agency requests a call for a draft of a kind, as a survey (نظرسنجی,
   comments) or a vote (رأی‌گیری) — :meth:`Consultation.request`;
2. the preliminary draft (پیش‌نویس مقدماتی، غیر قابل استناد) is published with a bilingual
   title and summary, its SHA-256 and https address, and a period in Jalali dates that
   meets the kind's minimum and the agency's policy — :meth:`~Consultation.publish_draft`;
3. while the period runs: comments or votes from participants, known only by a keyed
   pseudonym — :meth:`~Consultation.comment`, :meth:`~Consultation.vote`;
4. after it closes (by the clock: no event, the phase is derived from the time given to
   each command): every suggestion accepted or rejected with a reason, the key concerns
   summarised, then the final version (نسخه نهایی) — the last event.

Order rule: suggestions are decided and key concerns recorded in any order, but all of
them before the final version; once the final version is published the call is frozen.

One vote per person lives *inside* the aggregate: the one-vote rule is an invariant of
the call, checked against its state, and the aggregate's version is the consistency
boundary — two concurrent votes by one person are two writes of the same next version,
the store refuses the second on its primary key, and its retry sees the first vote and is
refused. A call's stream holds a few thousand events at most, which replays in
milliseconds (snapshots can be switched on if that ever grows). The report, the table
and the scores are projections of these events (``projections/``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    LONG_TEXT,
    NAMESPACE,
    SHORT_TEXT,
    check_actor,
    check_int,
    check_parsed,
    check_text,
    raise_if_any,
)
from aggregates.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    TransitionRefused,
    Violation,
    shown,
)
from aggregates.identifiers import AgencyCode, NationalId, TrackingCode, TrackingKind
from aggregates.jalali import (
    TEHRAN,
    JalaliPeriod,
    add_jalali_months,
    format_jalali,
    parse_jalali_date,
)

__all__ = [
    "COMMENT_LENGTH",
    "MAX_KEY_CONCERNS",
    "MAX_PERIOD_DAYS",
    "MAX_PERIOD_MONTHS",
    "AgeBand",
    "Consultation",
    "Demographics",
    "DocumentRef",
    "DraftKind",
    "Gender",
    "KeyConcern",
    "LegalPersonKind",
    "LegalPersonRef",
    "ParticipationType",
    "Phase",
    "Province",
    "Suggestion",
    "VersionNote",
    "VoteChoice",
    "check_choice",
    "check_pseudonym",
    "tehran_midnight",
]

COMMENT_LENGTH = 4000
MAX_PERIOD_DAYS = 365  # the largest agency policy minimum accepted, in days
MAX_PERIOD_MONTHS = 3
"""The longest a call may stay open, in Jalali calendar months from its open date
(1405/01/01 → 1405/04/01 at the latest). The regulations set only minimums (000 item 1,
001 items 1-2, 003); this hub's maximum is three months: three times a bill's month and
three times 003's 30 days, so a draft put up for comment is decided while still current,
and a call is never left open indefinitely."""
MAX_KEY_CONCERNS = 30
MAX_CHANGES = 30
URL_LENGTH = 2000
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PSEUDONYM = re.compile(r"[0-9a-f]{32}")
_PERSIAN_LETTER = re.compile(r"[\u0600-\u06FF]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")

_E = TypeVar("_E", bound=StrEnum)


class DraftKind(StrEnum):
    """نوع سند: the kind of draft put up for consultation (000 item 1; 001; 003)."""

    REGULATION = "regulation"  # دستورالعمل
    CIRCULAR = "circular"  # بخشنامه
    BY_LAW = "by_law"  # آیین‌نامه
    BILL = "bill"  # لایحه
    BOARD_RESOLUTION = "board_resolution"  # مصوبه هیئت‌امنا

    @property
    def minimum_days(self) -> int:
        """The nominal least period in days: 14 (two weeks), 30 for a bill; the rule
        itself is in calendar terms, see :meth:`earliest_close`."""
        return 30 if self is DraftKind.BILL else 14

    @property
    def minimum_text(self) -> str:
        """The minimum as the regulations word it."""
        return "one Jalali calendar month" if self is DraftKind.BILL else "two weeks"

    def earliest_close(self, opens: date) -> date:
        """The first day a call opened on ``opens`` may close on: two weeks later for
        regulations, circulars and the like (000 item 1; 001 item 1), one Jalali calendar
        month later for a bill (001 item 2: a bill opened 1405/01/01 runs to 1405/02/01)."""
        if self is DraftKind.BILL:
            return add_jalali_months(opens, 1)
        return opens + timedelta(weeks=2)

    @property
    def title_fa(self) -> str:
        """The kind's Persian name."""
        return _KIND_FA[self]

    @property
    def title_en(self) -> str:
        """The kind's English name."""
        return self.value.replace("_", "-")


_KIND_FA = {
    DraftKind.REGULATION: "دستورالعمل",
    DraftKind.CIRCULAR: "بخشنامه",
    DraftKind.BY_LAW: "آیین‌نامه",
    DraftKind.BILL: "لایحه",
    DraftKind.BOARD_RESOLUTION: "مصوبه هیئت‌امنا",
}


class ParticipationType(StrEnum):
    """نوع مشارکت: a survey takes comments (نظرسنجی); a vote takes votes (رأی‌گیری)."""

    SURVEY = "survey"
    VOTE = "vote"

    @property
    def title_fa(self) -> str:
        """The type's Persian name."""
        return "نظرسنجی" if self is ParticipationType.SURVEY else "رأی‌گیری"


class VoteChoice(StrEnum):
    """رأی: agree (موافق), disagree (مخالف) or abstain (ممتنع)."""

    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"

    @property
    def title_fa(self) -> str:
        """The choice's Persian name."""
        return {"agree": "موافق", "disagree": "مخالف", "abstain": "ممتنع"}[self.value]


class AgeBand(StrEnum):
    """گروه سنی, given with consent."""

    AGE_18_29 = "18-29"
    AGE_30_44 = "30-44"
    AGE_45_59 = "45-59"
    AGE_60_PLUS = "60+"


class Gender(StrEnum):
    """جنسیت, given with consent: female (زن), male (مرد), or unstated (ترجیح می‌دهم نگویم)."""

    FEMALE = "female"
    MALE = "male"
    UNSTATED = "unstated"

    @property
    def title_fa(self) -> str:
        """The value's Persian name."""
        return {"female": "زن", "male": "مرد", "unstated": "اظهارنشده"}[self.value]


class Province(StrEnum):
    """استان: the 31 provinces of Iran, keyed by an ASCII name."""

    EAST_AZERBAIJAN = "east_azerbaijan"
    WEST_AZERBAIJAN = "west_azerbaijan"
    ARDABIL = "ardabil"
    ISFAHAN = "isfahan"
    ALBORZ = "alborz"
    ILAM = "ilam"
    BUSHEHR = "bushehr"
    TEHRAN = "tehran"
    CHAHARMAHAL_BAKHTIARI = "chaharmahal_bakhtiari"
    SOUTH_KHORASAN = "south_khorasan"
    RAZAVI_KHORASAN = "razavi_khorasan"
    NORTH_KHORASAN = "north_khorasan"
    KHUZESTAN = "khuzestan"
    ZANJAN = "zanjan"
    SEMNAN = "semnan"
    SISTAN_BALUCHESTAN = "sistan_baluchestan"
    FARS = "fars"
    QAZVIN = "qazvin"
    QOM = "qom"
    KURDISTAN = "kurdistan"
    KERMAN = "kerman"
    KERMANSHAH = "kermanshah"
    KOHGILUYEH_BOYER_AHMAD = "kohgiluyeh_boyer_ahmad"
    GOLESTAN = "golestan"
    GILAN = "gilan"
    LORESTAN = "lorestan"
    MAZANDARAN = "mazandaran"
    MARKAZI = "markazi"
    HORMOZGAN = "hormozgan"
    HAMADAN = "hamadan"
    YAZD = "yazd"

    @property
    def title_fa(self) -> str:
        """The province's Persian name."""
        return _PROVINCES_FA[self]

    @property
    def title_en(self) -> str:
        """The province's English name."""
        return _PROVINCES_EN.get(self, self.value.replace("_", " ").title())

    @classmethod
    def parse(cls, text: str) -> Province | None:
        """The province keyed ``text`` (any case), or named ``text`` in Persian."""
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        for province in cls:
            if key == province.value or text.strip() == province.title_fa:
                return province
        return None


_PROVINCES_FA = {
    Province.EAST_AZERBAIJAN: "آذربایجان شرقی",
    Province.WEST_AZERBAIJAN: "آذربایجان غربی",
    Province.ARDABIL: "اردبیل",
    Province.ISFAHAN: "اصفهان",
    Province.ALBORZ: "البرز",
    Province.ILAM: "ایلام",
    Province.BUSHEHR: "بوشهر",
    Province.TEHRAN: "تهران",
    Province.CHAHARMAHAL_BAKHTIARI: "چهارمحال و بختیاری",
    Province.SOUTH_KHORASAN: "خراسان جنوبی",
    Province.RAZAVI_KHORASAN: "خراسان رضوی",
    Province.NORTH_KHORASAN: "خراسان شمالی",
    Province.KHUZESTAN: "خوزستان",
    Province.ZANJAN: "زنجان",
    Province.SEMNAN: "سمنان",
    Province.SISTAN_BALUCHESTAN: "سیستان و بلوچستان",
    Province.FARS: "فارس",
    Province.QAZVIN: "قزوین",
    Province.QOM: "قم",
    Province.KURDISTAN: "کردستان",
    Province.KERMAN: "کرمان",
    Province.KERMANSHAH: "کرمانشاه",
    Province.KOHGILUYEH_BOYER_AHMAD: "کهگیلویه و بویراحمد",
    Province.GOLESTAN: "گلستان",
    Province.GILAN: "گیلان",
    Province.LORESTAN: "لرستان",
    Province.MAZANDARAN: "مازندران",
    Province.MARKAZI: "مرکزی",
    Province.HORMOZGAN: "هرمزگان",
    Province.HAMADAN: "همدان",
    Province.YAZD: "یزد",
}


_PROVINCES_EN = {
    Province.CHAHARMAHAL_BAKHTIARI: "Chaharmahal and Bakhtiari",
    Province.SISTAN_BALUCHESTAN: "Sistan and Baluchestan",
    Province.KOHGILUYEH_BOYER_AHMAD: "Kohgiluyeh and Boyer-Ahmad",
}


class LegalPersonKind(StrEnum):
    """What kind of legal person takes part through its representative (003: NGOs, the
    private sector and the public, without discrimination)."""

    NGO = "ngo"  # سازمان مردم‌نهاد
    COMPANY = "company"  # شرکت
    OTHER = "other"  # سایر اشخاص حقوقی

    @property
    def title_fa(self) -> str:
        """The kind's Persian name."""
        return {"ngo": "سازمان مردم‌نهاد", "company": "شرکت", "other": "سایر اشخاص حقوقی"}[
            self.value
        ]


@dataclass(frozen=True)
class LegalPersonRef:
    """The legal person a participant acts for: its national id (شناسه ملی, public) and
    kind. The representation itself is checked with the deeds registry by the
    application before the command runs."""

    national_id: str
    kind: LegalPersonKind

    @classmethod
    def checked(
        cls, national_id: str, kind: LegalPersonKind | str, field: str = "on_behalf_of"
    ) -> LegalPersonRef:
        """Check the id's check digit and the kind."""
        v: list[Violation] = []
        nid = check_parsed(v, NationalId.parse, national_id, f"{field}.national_id")
        chosen = check_choice(v, f"{field}.kind", LegalPersonKind, kind, "legal person kind")
        raise_if_any(v)
        assert chosen is not None  # raise_if_any raised otherwise
        return cls(nid, chosen)

    def to_dict(self) -> dict[str, str]:
        """JSON-safe."""
        return {"national_id": self.national_id, "kind": self.kind.value}

    @classmethod
    def from_dict(cls, d: Mapping[str, str]) -> LegalPersonRef | None:
        """Inverse of :meth:`to_dict`; None for an empty mapping (acting for oneself)."""
        if not d:
            return None
        return cls(d["national_id"], LegalPersonKind(d["kind"]))


@dataclass(frozen=True)
class VersionNote:
    """One intermediate version of the draft and what changed since the one before."""

    version: int
    document: DocumentRef
    changes: tuple[KeyConcern, ...]
    at: datetime


class Phase(StrEnum):
    """Where a call stands at a moment: the clock, not an event, opens and closes it."""

    REQUESTED = "requested"  # the draft is not published yet
    SCHEDULED = "scheduled"  # published; the period has not begun
    OPEN = "open"  # taking comments or votes
    CLOSED = "closed"  # the period ended; the unit answers and summarises
    FINALISED = "finalised"  # the final version is published


# --- value objects ----------------------------------------------------------------------


def check_choice(
    v: list[Violation], field: str, kind: type[_E], value: Any, what: str
) -> _E | None:
    """``value`` as a member of ``kind`` (by value, any case); else a violation."""
    if isinstance(value, kind):
        return value
    text = value.strip().lower() if isinstance(value, str) else ""
    for member in kind:
        if text == member.value:
            return member
    allowed = ", ".join(m.value for m in kind)
    v.append(Violation(field, f"{what} must be one of {allowed}, got {shown(value)}"))
    return None


def _optional(v: list[Violation], field: str, kind: type[_E], value: Any, what: str) -> _E | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return check_choice(v, field, kind, value, what)


@dataclass(frozen=True)
class Demographics:
    """آمار تفکیکی: a participant's age band, gender and province, each optional, kept only
    with consent (003: participants by age, gender and geography)."""

    age_band: AgeBand | None = None
    gender: Gender | None = None
    province: Province | None = None

    @classmethod
    def consented(
        cls,
        *,
        consent: bool,
        age_band: AgeBand | str | None = None,
        gender: Gender | str | None = None,
        province: Province | str | None = None,
        field: str = "demographics",
    ) -> Demographics | None:
        """Check what a participant gave; None when nothing was given. Any value without
        ``consent`` is refused rather than silently dropped."""
        v: list[Violation] = []
        band = _optional(v, f"{field}.age_band", AgeBand, age_band, "age band")
        sex = _optional(v, f"{field}.gender", Gender, gender, "gender")
        place: Province | None = None
        if isinstance(province, Province):
            place = province
        elif isinstance(province, str) and province.strip():
            place = Province.parse(province)
            if place is None:
                v.append(
                    Violation(
                        f"{field}.province",
                        f"province {shown(province)} is not one of Iran's 31 provinces"
                        " (use its key, e.g. tehran, razavi_khorasan, or its Persian name)",
                    )
                )
        given = band is not None or sex is not None or place is not None
        if given and consent is not True:
            v.append(
                Violation(
                    f"{field}.consent",
                    "demographics are kept only with the participant's consent:"
                    " set consent, or leave age band, gender and province out",
                )
            )
        raise_if_any(v)
        return cls(band, sex, place) if given else None

    def to_dict(self) -> dict[str, str]:
        """JSON-safe: only the values given."""
        pairs = (("age_band", self.age_band), ("gender", self.gender), ("province", self.province))
        return {key: value.value for key, value in pairs if value is not None}

    @classmethod
    def from_dict(cls, d: Mapping[str, str]) -> Demographics | None:
        """Inverse of :meth:`to_dict`; None for an empty mapping."""
        if not d:
            return None
        return cls(
            AgeBand(d["age_band"]) if "age_band" in d else None,
            Gender(d["gender"]) if "gender" in d else None,
            Province(d["province"]) if "province" in d else None,
        )


@dataclass(frozen=True)
class DocumentRef:
    """A published document: its SHA-256 (64 lowercase hex digits) and https address."""

    sha256: str
    url: str

    @classmethod
    def checked(cls, v: list[Violation], prefix: str, sha256: Any, url: Any) -> DocumentRef:
        """Check both parts, recording violations under ``<prefix>_sha256`` and
        ``<prefix>_url``."""
        digest = sha256.strip().lower() if isinstance(sha256, str) else ""
        if _SHA256.fullmatch(digest) is None:
            v.append(
                Violation(
                    f"{prefix}_sha256",
                    "document SHA-256 must be 64 hexadecimal digits"
                    f" (got {len(digest)} characters)",
                )
            )
        address = url.strip() if isinstance(url, str) else ""
        problem = _url_problem(address)
        if problem:
            v.append(Violation(f"{prefix}_url", problem))
        return cls(digest, address)


def _url_problem(url: str) -> str | None:
    if not url:
        return "document url is required"
    if len(url) > URL_LENGTH or any(ch.isspace() for ch in url):
        return f"document url must be one address without spaces, at most {URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as error:
        return f"document url is malformed: {error}"
    if parts.scheme != "https" or not parts.hostname:
        return f"document url must be an https:// address with a host, got {shown(url)}"
    return None


@dataclass(frozen=True)
class KeyConcern:
    """دغدغه کلیدی: one key concern raised in the call, in Persian and English (003)."""

    fa: str
    en: str


@dataclass(frozen=True)
class Suggestion:
    """پیشنهاد: one comment of a survey, numbered from 1, and its outcome.

    ``accepted`` is None until decided; ``reason`` documents the decision (003).
    """

    number: int
    participant: str
    text: str
    article: str
    at: datetime
    accepted: bool | None = None
    reason: str = ""
    decided_at: datetime | None = None
    legal_basis: str = ""
    draft_version: int = 1
    on_behalf_of: LegalPersonRef | None = None


def check_pseudonym(v: list[Violation], value: Any, field: str = "participant") -> str:
    """A participant's pseudonym: 32 lowercase hex digits (a keyed hash, never a code)."""
    if not isinstance(value, str) or _PSEUDONYM.fullmatch(value) is None:
        v.append(Violation(field, "participant must be a pseudonym of 32 hexadecimal digits"))
        return ""
    return value


def tehran_midnight(day: date) -> datetime:
    """00:00 Asia/Tehran at the start of ``day``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=TEHRAN).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _when(moment: datetime) -> str:
    """For messages: ``1405-02-15 00:00 Tehran time``."""
    return f"{format_jalali(moment)[:-3]} Tehran time"


def _require_aware(moment: Any) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        msg = f"now must be a timezone-aware datetime, got {moment!r}"
        raise TypeError(msg)
    return moment


def _jalali_day(v: list[Violation], field: str, text: Any) -> date | None:
    if not isinstance(text, str):
        v.append(Violation(field, "must be a Jalali date like 1405/02/01"))
        return None
    try:
        return parse_jalali_date(text, field)
    except InvalidInput as error:
        v.extend(error.violations)
        return None


def _jalali_date_text(day: date) -> str:
    return format_jalali(tehran_midnight(day), with_time=False)


# --- the aggregate ------------------------------------------------------------------------


class Consultation(Aggregate, created_event_name="Requested"):
    """فراخوان: one call for participation on one draft, from request to final version.

    Every command checks everything before it triggers an event, so a refused command
    changes nothing. Commands that depend on the period take ``now`` (aware); the
    application passes its clock, so tests control time.
    """

    TOPIC = "tabadol.consultation"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Requested(Event, Aggregate.Created):
        """A unit asked for a call (000 annex step 1)."""

        TOPIC = "tabadol.consultation.requested"
        tracking_code: str
        agency: str
        unit: str
        kind: str
        participation_type: str
        by: str

    Created = Requested  # the framework's "created" slot is Requested, under its topic

    class DraftPublished(Event):
        """The preliminary draft, not citable, was published for its period (UTC ISO)."""

        TOPIC = "tabadol.consultation.draft_published"
        title_fa: str
        title_en: str
        summary_fa: str
        summary_en: str
        document_sha256: str
        document_url: str
        opens_at: str
        closes_at: str
        minimum_days: int
        by: str

        def apply(self, aggregate: Consultation) -> None:
            aggregate._title = (self.title_fa, self.title_en)
            aggregate._summary = (self.summary_fa, self.summary_en)
            aggregate._draft = DocumentRef(self.document_sha256, self.document_url)
            aggregate._period = JalaliPeriod(
                datetime.fromisoformat(self.opens_at), datetime.fromisoformat(self.closes_at)
            )
            aggregate._minimum_days = self.minimum_days

    class Commented(Event):
        """A participant commented on a survey: a numbered suggestion."""

        TOPIC = "tabadol.consultation.commented"
        number: int
        participant: str
        text: str
        article: str
        demographics: dict[str, str]
        by: str
        at: str
        draft_version: int
        on_behalf_of: dict[str, str]

        # Version 2: the draft version commented on, and the legal person acted for.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("draft_version", 1)
            state.setdefault("on_behalf_of", {})

        def apply(self, aggregate: Consultation) -> None:
            at = datetime.fromisoformat(self.at)
            aggregate._suggestions.append(
                Suggestion(
                    self.number,
                    self.participant,
                    self.text,
                    self.article,
                    at,
                    draft_version=self.draft_version,
                    on_behalf_of=LegalPersonRef.from_dict(self.on_behalf_of),
                )
            )
            aggregate._join(self.participant, self.demographics)

    class Voted(Event):
        """A participant voted, once."""

        TOPIC = "tabadol.consultation.voted"
        participant: str
        choice: str
        demographics: dict[str, str]
        by: str
        at: str
        on_behalf_of: dict[str, str]

        # Version 2: the legal person the vote is cast for ({} for oneself).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("on_behalf_of", {})

        def apply(self, aggregate: Consultation) -> None:
            legal = LegalPersonRef.from_dict(self.on_behalf_of)
            if legal is None:
                aggregate._votes[self.participant] = VoteChoice(self.choice)
            else:
                aggregate._legal_votes[legal.national_id] = VoteChoice(self.choice)
            aggregate._join(self.participant, self.demographics)

    class SuggestionDecided(Event):
        """The unit accepted or rejected a suggestion, with its documented reason."""

        TOPIC = "tabadol.consultation.suggestion_decided"
        number: int
        accepted: bool
        reason: str
        by: str
        at: str
        legal_basis: str

        # Version 2: the legal basis of the decision (003: documented and legal reasons).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("legal_basis", "")

        def apply(self, aggregate: Consultation) -> None:
            i = self.number - 1
            aggregate._suggestions[i] = replace(
                aggregate._suggestions[i],
                accepted=self.accepted,
                reason=self.reason,
                decided_at=datetime.fromisoformat(self.at),
                legal_basis=self.legal_basis,
            )

    class DraftRevised(Event):
        """An intermediate version of the draft was published, with its changelog."""

        TOPIC = "tabadol.consultation.draft_revised"
        version: int
        document_sha256: str
        document_url: str
        changes: list[dict[str, str]]
        by: str
        at: str

        def apply(self, aggregate: Consultation) -> None:
            aggregate._versions.append(
                VersionNote(
                    self.version,
                    DocumentRef(self.document_sha256, self.document_url),
                    tuple(KeyConcern(c["fa"], c["en"]) for c in self.changes),
                    datetime.fromisoformat(self.at),
                )
            )

    class KeyConcernsRecorded(Event):
        """The unit summarised the key concerns raised (003)."""

        TOPIC = "tabadol.consultation.key_concerns_recorded"
        key_concerns: list[dict[str, str]]
        by: str
        at: str

        def apply(self, aggregate: Consultation) -> None:
            aggregate._key_concerns = tuple(KeyConcern(c["fa"], c["en"]) for c in self.key_concerns)

    class FinalVersionPublished(Event):
        """The final version was published (000 annex step 5): the call is finished."""

        TOPIC = "tabadol.consultation.final_version_published"
        document_sha256: str
        document_url: str
        by: str
        at: str

        def apply(self, aggregate: Consultation) -> None:
            aggregate._final = DocumentRef(self.document_sha256, self.document_url)
            aggregate._finalised_at = datetime.fromisoformat(self.at)

    @staticmethod
    def create_id(tracking_code: str) -> UUID:
        """Deterministic id: uuid5 of Tabadol's namespace and ``consultation:<code>``; a
        loosely typed code maps to the same id as its canonical form."""
        if TrackingCode.is_valid(tracking_code):
            tracking_code = TrackingCode.parse(tracking_code).value
        return uuid5(NAMESPACE, "consultation:" + tracking_code)

    def __init__(
        self,
        tracking_code: str,
        agency: str,
        unit: str,
        kind: str,
        participation_type: str,
        by: str,
    ) -> None:
        # Runs when Requested is applied; use request() to ask for a call.
        self._tracking_code = tracking_code
        self._agency = agency
        self._unit = unit
        self._kind = DraftKind(kind)
        self._participation_type = ParticipationType(participation_type)
        self._requested_by = by
        self._title: tuple[str, str] = ("", "")
        self._summary: tuple[str, str] = ("", "")
        self._draft: DocumentRef | None = None
        self._period: JalaliPeriod | None = None
        self._minimum_days = 0
        self._suggestions: list[Suggestion] = []
        self._votes: dict[str, VoteChoice] = {}
        self._legal_votes: dict[str, VoteChoice] = {}
        self._versions: list[VersionNote] = []
        self._participants: dict[str, Demographics | None] = {}
        self._key_concerns: tuple[KeyConcern, ...] = ()
        self._final: DocumentRef | None = None
        self._finalised_at: datetime | None = None

    def _join(self, participant: str, demographics: Mapping[str, str]) -> None:
        """Count a participant; their latest consented demographics stand."""
        given = Demographics.from_dict(demographics)
        if given is not None or participant not in self._participants:
            self._participants[participant] = given or self._participants.get(participant)

    # --- commands ----------------------------------------------------------------------

    @classmethod
    def request(
        cls,
        tracking_code: TrackingCode,
        *,
        agency: str,
        unit: str,
        kind: DraftKind | str,
        participation_type: ParticipationType | str,
        by: str,
    ) -> Consultation:
        """A unit of ``agency`` asks for a call on a draft of ``kind`` as a survey or a
        vote, under a CONSULTATION tracking code."""
        v: list[Violation] = []
        if not isinstance(tracking_code, TrackingCode):
            v.append(Violation("tracking_code", "tracking code must be parsed first"))
        elif tracking_code.kind is not TrackingKind.CONSULTATION:
            v.append(
                Violation(
                    "tracking_code",
                    "a consultation needs a consultation tracking code (starting with"
                    f" {TrackingKind.CONSULTATION.value}), got kind {tracking_code.kind.value}",
                )
            )
        agency_code = check_parsed(v, AgencyCode.parse, agency, "agency")
        unit_name = check_text(v, "unit", unit, max_length=SHORT_TEXT, what="unit")
        draft_kind = check_choice(v, "kind", DraftKind, kind, "kind")
        type_ = check_choice(v, "participation_type", ParticipationType, participation_type, "type")
        actor = check_actor(v, by)
        raise_if_any(v)
        assert draft_kind is not None and type_ is not None  # raise_if_any raised otherwise
        return cls(
            tracking_code=tracking_code.value,
            agency=agency_code,
            unit=unit_name,
            kind=draft_kind.value,
            participation_type=type_.value,
            by=actor,
        )

    def publish_draft(
        self,
        *,
        title_fa: str,
        title_en: str,
        summary_fa: str,
        summary_en: str,
        document_sha256: str,
        document_url: str,
        opens_on: str,
        closes_on: str,
        now: datetime,
        by: str,
        minimum_days: int = 0,
    ) -> None:
        """Publish the preliminary draft for ``[opens_on, closes_on)``: Jalali dates, the
        call opens at 00:00 Tehran time on ``opens_on`` and closes at 00:00 on
        ``closes_on`` (the first day that takes nothing). The period must last the kind's
        calendar minimum (:meth:`DraftKind.earliest_close`) and ``minimum_days`` (the
        agency's policy, 003), whichever ends later, and at most :data:`MAX_PERIOD_MONTHS`
        Jalali months."""
        now = _require_aware(now)
        if self._period is not None:
            msg = f"the draft of call {self._tracking_code} is already published"
            raise TransitionRefused(msg, field="status")
        v: list[Violation] = []
        fa = _bilingual(v, "title_fa", title_fa, SHORT_TEXT, "Persian title", persian=True)
        en = _bilingual(v, "title_en", title_en, SHORT_TEXT, "English title", persian=False)
        sfa = _bilingual(v, "summary_fa", summary_fa, LONG_TEXT, "Persian summary", persian=True)
        sen = _bilingual(v, "summary_en", summary_en, LONG_TEXT, "English summary", persian=False)
        draft = DocumentRef.checked(v, "document", document_sha256, document_url)
        policy = check_int(v, "minimum_days", minimum_days, 0, MAX_PERIOD_DAYS, "minimum days")
        actor = check_actor(v, by)
        opens = _jalali_day(v, "opens_on", opens_on)
        closes = _jalali_day(v, "closes_on", closes_on)
        required = 0
        if opens is not None and closes is not None:
            required = self._check_period(v, opens, closes, policy, now)
        raise_if_any(v)
        assert opens is not None and closes is not None  # raise_if_any raised otherwise
        self.trigger_event(
            self.DraftPublished,
            title_fa=fa,
            title_en=en,
            summary_fa=sfa,
            summary_en=sen,
            document_sha256=draft.sha256,
            document_url=draft.url,
            opens_at=_iso(tehran_midnight(opens)),
            closes_at=_iso(tehran_midnight(closes)),
            minimum_days=required,
            by=actor,
        )

    def _check_period(
        self, v: list[Violation], opens: date, closes: date, policy: int, now: datetime
    ) -> int:
        """Check ``[opens, closes)`` against the kind's calendar minimum, the agency's
        policy in days and the maximum; return the minimum that applied, in days."""
        today = now.astimezone(TEHRAN).date()
        if opens < today:
            v.append(
                Violation(
                    "opens_on",
                    f"the open date {_jalali_date_text(opens)} is in the past;"
                    f" today is {_jalali_date_text(today)} in Tehran",
                )
            )
        by_kind = self._kind.earliest_close(opens)
        by_policy = opens + timedelta(days=policy)
        earliest = max(by_kind, by_policy)
        latest = add_jalali_months(opens, MAX_PERIOD_MONTHS)
        days = (closes - opens).days
        span = f"{_jalali_date_text(opens)} to {_jalali_date_text(closes)} is {days} days"
        if closes < earliest:
            if by_policy > by_kind:
                who = f"agency {self._agency}'s policy requires calls to stay open at least"
                rule = f"{policy} days"
            else:
                who = f"a {self._kind.title_en} call must stay open at least"
                rule = self._kind.minimum_text
            v.append(
                Violation(
                    "closes_on",
                    f"{who} {rule}: opened on {_jalali_date_text(opens)} it closes on"
                    f" {_jalali_date_text(earliest)} at the earliest; {span}",
                )
            )
        elif closes > latest:
            v.append(
                Violation(
                    "closes_on",
                    f"a call may stay open at most {MAX_PERIOD_MONTHS} Jalali months: opened on"
                    f" {_jalali_date_text(opens)} it closes on {_jalali_date_text(latest)} at"
                    f" the latest; {span}",
                )
            )
        return (earliest - opens).days

    def comment(
        self,
        *,
        participant: str,
        text: str,
        now: datetime,
        by: str,
        article: str = "",
        demographics: Demographics | None = None,
        on_behalf_of: LegalPersonRef | None = None,
    ) -> int:
        """A participant's comment on a survey, while it is open; returns its suggestion
        number (from 1). A person may comment more than once. ``by`` is the agency whose
        channel carried it (e.g. the national window). ``on_behalf_of``: the legal person
        the participant represents (checked by the application first)."""
        if self._participation_type is not ParticipationType.SURVEY:
            msg = "this call is a vote: it takes votes (agree, disagree, abstain), not comments"
            raise TransitionRefused(msg, field="participation_type")
        self._require_open(_require_aware(now), "comment")
        v: list[Violation] = []
        who = check_pseudonym(v, participant)
        body = check_text(v, "text", text, max_length=COMMENT_LENGTH, what="comment")
        where = check_text(v, "article", article, max_length=SHORT_TEXT, required=False)
        given = _checked_demographics(v, demographics)
        legal = _checked_legal(v, on_behalf_of)
        actor = check_actor(v, by)
        raise_if_any(v)
        number = len(self._suggestions) + 1
        self.trigger_event(
            self.Commented,
            number=number,
            participant=who,
            text=body,
            article=where,
            demographics=given,
            by=actor,
            at=_iso(now),
            draft_version=self.draft_version,
            on_behalf_of=legal,
        )
        return number

    def vote(
        self,
        *,
        participant: str,
        choice: VoteChoice | str,
        now: datetime,
        by: str,
        demographics: Demographics | None = None,
        on_behalf_of: LegalPersonRef | None = None,
    ) -> None:
        """A participant's vote on a vote call, while it is open; one per person, and one
        per legal person whoever represents it (``on_behalf_of``). ``by`` is the agency
        whose channel carried it."""
        if self._participation_type is not ParticipationType.VOTE:
            msg = "this call is a survey: it takes comments, not votes"
            raise TransitionRefused(msg, field="participation_type")
        self._require_open(_require_aware(now), "vote")
        v: list[Violation] = []
        who = check_pseudonym(v, participant)
        chosen = check_choice(v, "choice", VoteChoice, choice, "choice")
        given = _checked_demographics(v, demographics)
        legal = _checked_legal(v, on_behalf_of)
        actor = check_actor(v, by)
        raise_if_any(v)
        assert chosen is not None  # raise_if_any raised otherwise
        if legal and legal["national_id"] in self._legal_votes:
            raise AlreadyExists(
                "one vote per legal person: a vote for",
                f"{legal['national_id']} in call {self._tracking_code}",
            )
        if not legal and who in self._votes:
            raise AlreadyExists(
                "one vote per person: a vote by participant",
                f"{who[:8]}… in call {self._tracking_code}",
            )
        self.trigger_event(
            self.Voted,
            participant=who,
            choice=chosen.value,
            demographics=given,
            by=actor,
            at=_iso(now),
            on_behalf_of=legal,
        )

    def decide_suggestion(
        self,
        number: int,
        *,
        accepted: bool,
        reason: str,
        legal_basis: str,
        now: datetime,
        by: str,
    ) -> None:
        """Accept or reject suggestion ``number`` with a documented reason and its legal
        basis (003: دلایل مستند و قانونی, e.g. the article of the law relied on), after the
        call closed and before the final version; each suggestion is decided once."""
        self._require_closed(_require_aware(now), "decide a suggestion")
        v: list[Violation] = []
        n = check_int(v, "number", number, 1, 2**31 - 1, "suggestion number")
        if not isinstance(accepted, bool):
            v.append(Violation("accepted", "accepted must be true or false"))
        why = check_text(v, "reason", reason, max_length=LONG_TEXT, what="reason")
        basis = check_text(v, "legal_basis", legal_basis, max_length=LONG_TEXT, what="legal basis")
        actor = check_actor(v, by)
        raise_if_any(v)
        if n > len(self._suggestions):
            raise NotFound("suggestion", f"{n} of call {self._tracking_code}")
        done = self._suggestions[n - 1]
        if done.accepted is not None:
            outcome = "accepted" if done.accepted else "rejected"
            msg = f"suggestion {n} was already {outcome}: {done.reason}"
            raise TransitionRefused(msg, field="number")
        self.trigger_event(
            self.SuggestionDecided,
            number=n,
            accepted=accepted,
            reason=why,
            by=actor,
            at=_iso(now),
            legal_basis=basis,
        )

    def revise_draft(
        self,
        *,
        document_sha256: str,
        document_url: str,
        changes: Sequence[KeyConcern],
        now: datetime,
        by: str,
    ) -> int:
        """Publish an intermediate version of the draft while the call is scheduled or
        open, with its changelog (each change in Persian and English); returns the new
        version number (the first draft is version 1). Comments are recorded against the
        version in force when they came."""
        now = _require_aware(now)
        phase = self.phase(now)
        if phase not in (Phase.SCHEDULED, Phase.OPEN):
            if phase is Phase.REQUESTED:
                msg = "publish the draft before revising it"
            else:
                msg = "the call is closed: the next version is the final one"
            raise TransitionRefused(msg, field="status")
        v: list[Violation] = []
        document = DocumentRef.checked(v, "document", document_sha256, document_url)
        items = list(changes) if isinstance(changes, (list, tuple)) else []
        if not items:
            v.append(Violation("changes", "say what changed: at least one change is required"))
        elif len(items) > MAX_CHANGES:
            v.append(Violation("changes", f"at most {MAX_CHANGES} changes, got {len(items)}"))
        notes: list[dict[str, str]] = []
        for i, item in enumerate(items):
            field = f"changes[{i}]"
            if not isinstance(item, KeyConcern):
                v.append(Violation(field, "must be a change in Persian and English"))
                continue
            fa = _bilingual(v, f"{field}.fa", item.fa, LONG_TEXT, "Persian text", persian=True)
            en = _bilingual(v, f"{field}.en", item.en, LONG_TEXT, "English text", persian=False)
            notes.append({"fa": fa, "en": en})
        actor = check_actor(v, by)
        raise_if_any(v)
        known = [self._draft, *(n.document for n in self._versions)]
        if any(d is not None and d.sha256 == document.sha256 for d in known):
            raise TransitionRefused(
                "this document is already a version of the draft", field="document_sha256"
            )
        version = self.draft_version + 1
        self.trigger_event(
            self.DraftRevised,
            version=version,
            document_sha256=document.sha256,
            document_url=document.url,
            changes=notes,
            by=actor,
            at=_iso(now),
        )
        return version

    def record_key_concerns(
        self, key_concerns: Sequence[KeyConcern], *, now: datetime, by: str
    ) -> None:
        """Summarise the key concerns raised, in Persian and English, once, after the
        call closed and before the final version (003)."""
        self._require_closed(_require_aware(now), "record key concerns")
        if self._key_concerns:
            raise TransitionRefused("the key concerns are already recorded", field="key_concerns")
        v: list[Violation] = []
        items = list(key_concerns) if isinstance(key_concerns, (list, tuple)) else []
        if not items:
            v.append(Violation("key_concerns", "at least one key concern is required"))
        elif len(items) > MAX_KEY_CONCERNS:
            v.append(
                Violation(
                    "key_concerns", f"at most {MAX_KEY_CONCERNS} key concerns, got {len(items)}"
                )
            )
        concerns: list[dict[str, str]] = []
        for i, item in enumerate(items):
            field = f"key_concerns[{i}]"
            if not isinstance(item, KeyConcern):
                v.append(Violation(field, "must be a key concern in Persian and English"))
                continue
            fa = _bilingual(v, f"{field}.fa", item.fa, LONG_TEXT, "Persian text", persian=True)
            en = _bilingual(v, f"{field}.en", item.en, LONG_TEXT, "English text", persian=False)
            concerns.append({"fa": fa, "en": en})
        actor = check_actor(v, by)
        raise_if_any(v)
        self.trigger_event(self.KeyConcernsRecorded, key_concerns=concerns, by=actor, at=_iso(now))

    def publish_final_version(
        self, *, document_sha256: str, document_url: str, now: datetime, by: str
    ) -> None:
        """Publish the final version (نسخه نهایی): only after every suggestion is decided
        and the key concerns are recorded; the call is then frozen."""
        self._require_closed(_require_aware(now), "publish the final version")
        v: list[Violation] = []
        final = DocumentRef.checked(v, "document", document_sha256, document_url)
        actor = check_actor(v, by)
        raise_if_any(v)
        pending = [s.number for s in self._suggestions if s.accepted is None]
        if pending:
            shown = ", ".join(str(n) for n in pending[:10]) + (" …" if len(pending) > 10 else "")
            msg = (
                f"{len(pending)} suggestion(s) are not decided yet ({shown}): accept or reject"
                " each with its reason before the final version"
            )
            raise TransitionRefused(msg, field="suggestions")
        if not self._key_concerns:
            msg = "record the key concerns before the final version"
            raise TransitionRefused(msg, field="key_concerns")
        self.trigger_event(
            self.FinalVersionPublished,
            document_sha256=final.sha256,
            document_url=final.url,
            by=actor,
            at=_iso(now),
        )

    # --- guards ------------------------------------------------------------------------

    def _require_open(self, now: datetime, action: str) -> None:
        phase = self.phase(now)
        if phase is Phase.OPEN:
            return
        if phase is Phase.REQUESTED:
            msg = f"cannot {action}: the draft of call {self._tracking_code} is not published yet"
        elif phase is Phase.SCHEDULED:
            assert self._period is not None
            msg = f"cannot {action} yet: the call opens on {_when(self._period.opens)}"
        else:
            assert self._period is not None
            msg = f"cannot {action}: the call closed on {_when(self._period.closes)}"
        raise TransitionRefused(msg, field="status")

    def _require_closed(self, now: datetime, action: str) -> None:
        phase = self.phase(now)
        if phase is Phase.CLOSED:
            return
        if phase is Phase.FINALISED:
            msg = f"cannot {action}: the final version is published; the call is finished"
        elif self._period is None:
            msg = f"cannot {action}: the draft is not published yet"
        else:
            msg = f"cannot {action} before the call closes on {_when(self._period.closes)}"
        raise TransitionRefused(msg, field="status")

    def require_ended(self, now: datetime, what: str) -> None:
        """Refuse (FAILED_PRECONDITION) unless the call is closed or finalised: reports and
        certificates come after the period, never during it."""
        if self.phase(_require_aware(now)) in (Phase.CLOSED, Phase.FINALISED):
            return
        if self._period is None:
            msg = f"{what} comes after the call closes; its draft is not published yet"
        else:
            msg = f"{what} comes after the call closes on {_when(self._period.closes)}"
        raise TransitionRefused(msg, field="status")

    # --- read side ---------------------------------------------------------------------

    def phase(self, now: datetime) -> Phase:
        """Where the call stands at ``now`` (aware)."""
        if self._final is not None:
            return Phase.FINALISED
        if self._period is None:
            return Phase.REQUESTED
        if now < self._period.opens:
            return Phase.SCHEDULED
        if now < self._period.closes:
            return Phase.OPEN
        return Phase.CLOSED

    @property
    def tracking_code(self) -> str:
        """کد رهگیری, canonical form."""
        return self._tracking_code

    @property
    def agency(self) -> str:
        """The agency whose unit asked for the call."""
        return self._agency

    @property
    def unit(self) -> str:
        """The unit in charge (واحد متولی)."""
        return self._unit

    @property
    def kind(self) -> DraftKind:
        """The kind of draft."""
        return self._kind

    @property
    def participation_type(self) -> ParticipationType:
        """Survey or vote."""
        return self._participation_type

    @property
    def requested_by(self) -> str:
        """Who asked for the call."""
        return self._requested_by

    @property
    def title(self) -> tuple[str, str]:
        """(Persian, English); empty until the draft is published."""
        return self._title

    @property
    def summary(self) -> tuple[str, str]:
        """(Persian, English); empty until the draft is published."""
        return self._summary

    @property
    def draft(self) -> DocumentRef | None:
        """The preliminary draft; None until published."""
        return self._draft

    @property
    def period(self) -> JalaliPeriod | None:
        """``[opens, closes)`` in UTC; None until the draft is published."""
        return self._period

    @property
    def minimum_days(self) -> int:
        """The minimum period that applied when the draft was published."""
        return self._minimum_days

    @property
    def suggestions(self) -> tuple[Suggestion, ...]:
        """Every comment of a survey, numbered from 1, with its outcome."""
        return tuple(self._suggestions)

    @property
    def vote_count(self) -> int:
        """How many votes were cast (the tally is in the report, after the call closes)."""
        return len(self._votes) + len(self._legal_votes)

    def tally(self) -> dict[VoteChoice, int]:
        """Votes per choice, every choice present (natural and legal persons)."""
        counts = dict.fromkeys(VoteChoice, 0)
        for choice in (*self._votes.values(), *self._legal_votes.values()):
            counts[choice] += 1
        return counts

    def has_voted_for(self, national_id: str) -> bool:
        """Whether a vote was cast for the legal person ``national_id``."""
        return national_id in self._legal_votes

    @property
    def draft_version(self) -> int:
        """The version of the draft in force: 1 once published, +1 per revision (0
        before publication)."""
        if self._draft is None:
            return 0
        return 1 + len(self._versions)

    @property
    def revisions(self) -> tuple[VersionNote, ...]:
        """The intermediate versions after the first, in order, with their changelogs."""
        return tuple(self._versions)

    @property
    def current_draft(self) -> DocumentRef | None:
        """The latest version of the draft; None until published."""
        return self._versions[-1].document if self._versions else self._draft

    def has_voted(self, participant: str) -> bool:
        """Whether ``participant`` (a pseudonym) voted."""
        return participant in self._votes

    @property
    def participants(self) -> frozenset[str]:
        """The pseudonyms of everyone who commented or voted."""
        return frozenset(self._participants)

    def demographics_of(self, participant: str) -> Demographics | None:
        """The participant's latest consented demographics, if any."""
        return self._participants.get(participant)

    @property
    def key_concerns(self) -> tuple[KeyConcern, ...]:
        """The summary of key concerns; empty until recorded."""
        return self._key_concerns

    @property
    def final_version(self) -> DocumentRef | None:
        """The final version; None until published."""
        return self._final

    @property
    def finalised_at(self) -> datetime | None:
        """When the final version was published (UTC)."""
        return self._finalised_at


def _bilingual(
    v: list[Violation], field: str, value: Any, max_length: int, what: str, *, persian: bool
) -> str:
    """Required text in the named script: Persian text holds Persian letters, English text
    Latin ones (a swapped pair is caught)."""
    before = len(v)
    text = check_text(v, field, value, max_length=max_length, what=what)
    script = _PERSIAN_LETTER if persian else _LATIN_LETTER
    if len(v) == before and script.search(text) is None:
        v.append(
            Violation(field, f"{what} must be written in {'Persian' if persian else 'English'}")
        )
    return text


def _checked_legal(v: list[Violation], legal: Any) -> dict[str, str]:
    if legal is None:
        return {}
    if not isinstance(legal, LegalPersonRef):
        v.append(Violation("on_behalf_of", "the legal person must be checked first"))
        return {}
    return legal.to_dict()


def _checked_demographics(v: list[Violation], demographics: Any) -> dict[str, str]:
    if demographics is None:
        return {}
    if not isinstance(demographics, Demographics):
        v.append(Violation("demographics", "demographics must be checked first"))
        return {}
    return demographics.to_dict()
