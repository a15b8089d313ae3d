"""Persian first, English on request: labels, digits and Jalali dates at the edge.

The page language comes from ``?lang=en`` (links keep it); everything else is Persian.
Dates are always Jalali in Tehran time; in Persian they are written with Persian digits.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from aggregates.jalali import format_jalali, to_persian_digits

__all__ = [
    "LANGS",
    "Labels",
    "agency_name",
    "digits",
    "fmt_hours",
    "fmt_number",
    "fmt_share",
    "jalali",
    "label",
    "persian_date",
]

LANGS = ("fa", "en")

_AGENCIES: dict[str, tuple[str, str]] = {
    "MOJ": ("وزارت دادگستری", "Ministry of Justice"),
    "MIMT": ("وزارت صنعت، معدن و تجارت", "Ministry of Industry, Mine and Trade"),
    "MSRT": ("وزارت علوم، تحقیقات و فناوری", "Ministry of Science, Research and Technology"),
    "MYGOV": ("پنجره ملی خدمات دولت هوشمند", "National window (my.gov.ir)"),
    "NOCR": ("سازمان ثبت احوال کشور", "National Organization for Civil Registration"),
    "SSAA": ("سازمان ثبت اسناد و املاک کشور", "Registration of Deeds and Properties"),
    "POST": ("شرکت ملی پست", "Iran Post"),
    "TREASURY": ("خزانه‌داری کل کشور", "Treasury"),
    "TABADOL": ("دبیرخانه تبادل", "Tabadol secretariat"),
}

_WORDS: dict[str, tuple[str, str]] = {
    # statuses, stages and step kinds of a case
    "open": ("باز", "open"),
    "delivered": ("تحویل‌شده", "delivered"),
    "rejected": ("ردشده", "rejected"),
    "cancelled": ("لغوشده", "cancelled"),
    "request": ("درخواست", "request"),
    "production": ("تولید", "production"),
    "delivery": ("تحویل", "delivery"),
    "opened": ("ثبت درخواست", "opened"),
    "step_recorded": ("انجام گام", "step recorded"),
    "stage_completed": ("پایان مرحله", "stage completed"),
    "rated": ("ثبت رضایت", "rated"),
    "identity_verified": ("احراز هویت", "identity verified"),
    "inquiry_made": ("استعلام الکترونیکی", "electronic inquiry"),
    "payment_requested": ("درخواست پرداخت", "payment requested"),
    "payment_accepted": ("پذیرش پرداخت", "payment accepted"),
    "payment_settled": ("تسویه پرداخت", "payment settled"),
    "payment_declined": ("رد پرداخت", "payment declined"),
    "exchange_failed": ("خطای تبادل (ثبت‌شده)", "exchange failed (recorded)"),
    "started": ("شروع", "started"),
    # maturity of a service (002 def. 11-13)
    "informational": ("اطلاع‌رسانی", "informational"),
    "partly_electronic": ("نیمه‌الکترونیکی", "partly electronic"),
    "online": ("برخط", "online"),
    "smart": ("هوشمند", "smart"),
    # consultation dimensions
    "not_given": ("اعلام‌نشده", "not given"),
    "male": ("مرد", "male"),
    "female": ("زن", "female"),
    "unstated": ("اظهارنشده", "unstated"),
    "accepted": ("پذیرفته", "accepted"),
    "pending": ("در انتظار", "pending"),
    "yes": ("موافق", "yes"),
    "no": ("مخالف", "no"),
    "abstain": ("ممتنع", "abstain"),
    "survey": ("نظرسنجی", "survey"),
    "vote": ("رأی‌گیری", "vote"),
}


class Labels:
    """The fixed texts of the pages in one language: ``t("overview")``."""

    TEXTS: ClassVar[dict[str, tuple[str, str]]] = {
        "site": ("داشبورد پنجره ملی — تبادل", "National window dashboard — Tabadol"),
        "skip": ("پرش به محتوا", "Skip to content"),
        "nav": ("بخش‌ها", "Sections"),
        "overview": ("نمای ملی", "National overview"),
        "agencies": ("دستگاه‌ها", "Agencies"),
        "case": ("پیگیری پرونده", "Case lookup"),
        "consultations": ("مشارکت عمومی", "Consultations"),
        "audit": ("حسابرسی", "Audit"),
        "open_data": ("داده باز", "Open data"),
        "api": ("API", "API"),
        "switch": ("English", "فارسی"),
        "as_of": ("به‌روز تا", "As of"),
        "position": ("جایگاه در دفتر رویدادها", "event log position"),
        "live_on": ("به‌روزرسانی زنده", "Live updates"),
        "agency": ("دستگاه", "Agency"),
        "service": ("خدمت", "Service"),
        "cases": ("پرونده‌ها", "Cases"),
        "open_cases": ("باز", "Open"),
        "delivered": ("تحویل‌شده", "Delivered"),
        "median_h": ("میانه زمان تا تحویل", "Median time to delivery"),
        "p90_h": ("صدک ۹۰ زمان تا تحویل", "p90 time to delivery"),
        "no_visit": ("سهم بدون مراجعه حضوری", "Share without a visit"),
        "inquiries": ("استعلام‌های الکترونیکی", "Electronic inquiries"),
        "satisfaction": ("میانگین رضایت (۱ تا ۵)", "Average satisfaction (1–5)"),
        "late": ("پرونده‌های دیرکرد", "Late cases"),
        "kpis": ("شاخص‌های کارایی و اثربخشی دستگاه‌ها", "Agencies' efficiency indicators"),
        "trends": ("روند ماهانه", "Monthly trends"),
        "month": ("ماه", "Month"),
        "opened": ("ثبت‌شده", "Opened"),
        "quarterly": ("گزارش فصلی", "Quarterly report"),
        "quarter": ("فصل", "Quarter"),
        "late_agencies": ("دستگاه‌های دارای تأخیر", "Late agencies"),
        "late_none": ("دستگاهی با تأخیر ثبت نشده است.", "No agency is late."),
        "late_basis_cases": (
            "دستگاه‌هایی که پرونده‌ای پس از مهلت شناسنامه خدمت تحویل داده‌اند یا پرونده باز گذشته از مهلت دارند.",
            "Agencies with a case delivered after its service record's time limit, or still open past it.",
        ),
        "late_basis_programme": (
            "تأخیر نسبت به برنامه سالانه هوشمندسازی (ماده ۹ مصوبه ۰۰۲)",
            "Late against the yearly smart-services programme (002 art. 9)",
        ),
        "rejected": ("ردشده", "Rejected"),
        "cancelled": ("لغوشده", "Cancelled"),
        "ratings": ("تعداد نظرها", "Ratings"),
        "services": ("خدمات", "Services"),
        "title": ("عنوان", "Title"),
        "code": ("کد", "Code"),
        "revision": ("ویرایش", "Revision"),
        "in_person": ("مراجعه حضوری لازم", "Visit required"),
        "steps": ("گام‌ها", "Steps"),
        "time_limit": ("مهلت (ساعت)", "Time limit (h)"),
        "maturity": ("بلوغ (برخط / هوشمند)", "Maturity (online / smart)"),
        "progress_reports": ("گزارش‌های ماهانه پیشرفت", "Monthly progress reports"),
        "programme": ("برنامه سالانه", "Yearly programme"),
        "counters": ("پیشخوان‌ها و خدمات واگذارشده", "Counters and delegated services"),
        "petitions": ("مهلت پاسخ به درخواست‌ها و شکایت‌ها", "Petitions' answer deadlines"),
        "not_yet": (
            "این بخش هنوز در هاب ثبت نمی‌شود.",
            "The hub does not record this yet.",
        ),
        "agency_consultations": ("فراخوان‌های این دستگاه", "This agency's calls"),
        "tracking_code": ("کد رهگیری", "Tracking code"),
        "lookup": ("جستجو", "Look up"),
        "status": ("وضعیت", "Status"),
        "stage": ("مرحله", "Stage"),
        "opened_at": ("زمان ثبت", "Opened"),
        "due_at": ("مهلت", "Due"),
        "closed_at": ("زمان پایان", "Closed"),
        "overdue": ("گذشته از مهلت", "Past the time limit"),
        "yes": ("بله", "yes"),
        "no": ("خیر", "no"),
        "kind": ("رویداد", "Event"),
        "step": ("گام", "Step"),
        "at": ("زمان (تهران)", "Time (Tehran)"),
        "score": ("امتیاز", "Score"),
        "case_hint": (
            "نمای بدون محتوا: فقط گام‌ها و زمان‌ها؛ نه نام، نه کد ملی، نه یادداشت.",
            "Content-free view: steps and times only; no name, national code or note.",
        ),
        "not_found": ("پرونده‌ای با این کد رهگیری یافت نشد.", "No case with this tracking code."),
        "bad_code": ("کد رهگیری معتبر نیست", "Not a valid tracking code"),
        "annex": ("جدول فراخوان‌ها (پیوست ۰۰۰)", "Table of calls (000 annex)"),
        "row": ("ردیف", "Row"),
        "draft": ("پیش‌نویس مقدماتی (غیر قابل استناد)", "Preliminary draft (not citable)"),
        "period": ("بازه زمانی نظرسنجی", "Survey period"),
        "participation": ("نوع مشارکت", "Participation type"),
        "final": ("نسخه نهایی", "Final version"),
        "report": ("گزارش جامع (۰۰۳)", "Comprehensive report (003)"),
        "report_not_yet": (
            "گزارش پس از پایان فراخوان منتشر می‌شود.",
            "Published once the call has closed.",
        ),
        "participants": ("مشارکت‌کنندگان", "Participants"),
        "by_age": ("به تفکیک گروه سنی", "By age band"),
        "by_gender": ("به تفکیک جنسیت", "By gender"),
        "by_province": ("به تفکیک استان", "By province"),
        "count": ("تعداد", "Count"),
        "votes": ("آرا", "Votes"),
        "key_concerns": ("دغدغه‌های کلیدی", "Key concerns"),
        "decisions": ("تصمیم‌ها درباره پیشنهادها", "Decisions on suggestions"),
        "article": ("ماده", "Article"),
        "suggestion": ("پیشنهاد", "Suggestion"),
        "outcome": ("نتیجه", "Outcome"),
        "reason": ("دلیل", "Reason"),
        "ranking": ("رتبه‌بندی شهروند دیجیتال", "Digital-citizen ranking"),
        "rank": ("رتبه", "Rank"),
        "participant": ("مشارکت‌کننده (نام مستعار)", "Participant (pseudonym)"),
        "comments": ("نظرها", "Comments"),
        "accepted_suggestions": ("پیشنهادهای پذیرفته", "Accepted suggestions"),
        "calls": ("فراخوان‌ها", "Calls"),
        "checkpoint": ("آخرین نقطه بازرسی امضاشده", "Latest signed checkpoint"),
        "tree_size": ("اندازه درخت", "Tree size"),
        "root_hash": ("ریشه درخت مرکل", "Merkle root"),
        "key_id": ("شناسه کلید", "Key id"),
        "signed_at": ("زمان امضا", "Signed at"),
        "witnesses": ("گواهان", "Witnesses"),
        "witnesses_none": ("هنوز گواهی امضا نکرده است.", "No witness has cosigned yet."),
        "note": ("متن امضاشده (C2SP)", "Signed note (C2SP)"),
        "timestamp": ("مهر زمانی (RFC 3161)", "Timestamp (RFC 3161)"),
        "timestamp_none": ("مهر زمانی ثبت نشده است.", "No timestamp recorded."),
        "no_checkpoint": ("هنوز نقطه بازرسی امضا نشده است.", "No checkpoint signed yet."),
        "proof_check": ("بررسی شمول کد رهگیری", "Tracking-code inclusion check"),
        "check": ("بررسی", "Check"),
        "verified": ("تأیید شد", "Verified"),
        "failed": ("تأیید نشد", "Not verified"),
        "log_index": ("نمایه در دفتر", "Log index"),
        "leaf_hash": ("درهم‌ساز برگ", "Leaf hash"),
        "proof_len": ("طول اثبات", "Proof length"),
        "event": ("رویداد", "Event"),
        "proof_summary": (
            "رویدادهای پرونده با اثبات شمول RFC 9162 در درخت نقطه بازرسی امضاشده بررسی شدند و امضاها با کلیدهای عمومی تأیید شد.",
            "The case's events were checked with RFC 9162 inclusion proofs against the signed checkpoint's tree, and the signatures against the public keys.",
        ),
        "datasets": ("مجموعه‌داده‌ها", "Datasets"),
        "dataset": ("مجموعه‌داده", "Dataset"),
        "download": ("دریافت", "Download"),
        "rows": ("ردیف‌ها", "Rows"),
        "chart_table": ("جدول داده‌های نمودار", "The chart's data"),
        "hours": ("ساعت", "hours"),
        "none": ("—", "—"),
        "total": ("کل", "Total"),
        "all_agencies": ("همه دستگاه‌ها", "All agencies"),
        "feed": ("آخرین رویدادهای پنجره ملی", "Latest national-window events"),
    }

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "fa"
        self._i = LANGS.index(self.lang)

    def __call__(self, key: str) -> str:
        pair = self.TEXTS.get(key)
        return key if pair is None else pair[self._i]


def label(word: str, lang: str) -> str:
    """A status, stage, step kind or dimension value in ``lang``; unknown words as they are."""
    pair = _WORDS.get(word)
    if pair is None:
        return word.replace("_", " ")
    return pair[0] if lang == "fa" else pair[1]


def agency_name(code: str, lang: str) -> str:
    pair = _AGENCIES.get(code)
    if pair is None:
        return code
    return pair[0] if lang == "fa" else pair[1]


def digits(text: str, lang: str) -> str:
    return to_persian_digits(text) if lang == "fa" else text


def fmt_number(value: float | int | None, lang: str, places: int = 0) -> str:
    """A figure with grouping, Persian digits and separators in Persian; "—" for none."""
    if value is None:
        return "—"
    text = f"{value:,.{places}f}" if isinstance(value, float) else f"{value:,}"
    if lang != "fa":
        return text
    return to_persian_digits(text.replace(",", "\u066c").replace(".", "\u066b"))


def fmt_share(value: float | None, lang: str) -> str:
    """A share as a percentage: «۸۳٪»."""
    if value is None:
        return "—"
    text = f"{value * 100:.0f}"
    return f"{to_persian_digits(text)}٪" if lang == "fa" else f"{text}%"


def fmt_hours(hours: float | None, lang: str) -> str:
    """A duration given in hours, in the unit that reads best: seconds, minutes or hours."""
    if hours is None:
        return "—"
    seconds = hours * 3600
    if seconds < 90:
        value, unit = f"{seconds:.0f}", ("ثانیه", "s")
    elif seconds < 5400:
        value, unit = f"{seconds / 60:.0f}", ("دقیقه", "min")
    else:
        value, unit = f"{hours:.1f}", ("ساعت", "h")
    if lang == "fa":
        return to_persian_digits(value.replace(".", "\u066b")) + " " + unit[0]
    return f"{value} {unit[1]}"


def jalali(moment: datetime | None, lang: str, *, with_time: bool = True) -> str:
    """Tehran time in the Jalali calendar, ``۱۴۰۵-۰۹-۱۰ ۲۲:۱۵:۰۳`` in Persian."""
    if moment is None:
        return "—"
    text = format_jalali(moment, with_time=with_time)
    return persian_date(text) if lang == "fa" else text


def persian_date(text: str) -> str:
    """``1405-09-10 22:15:03`` → ``۱۴۰۵/۰۹/۱۰ ۲۲:۱۵:۰۳`` (slashes, as Persian dates are written)."""
    return to_persian_digits(text.replace("-", "/"))
