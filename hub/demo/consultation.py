"""The e-participation part of ``tabadol demo``: one call from request to final version.

Runs through gRPC only, as agencies and the national window would: the Ministry of
Science (MSRT) asks for a call on a draft by-law, a few dozen people comment through the
national window (``window:MYGOV``) with identity tokens from ``sign_in`` (the national
window's identity provider; without one, the development verifier's "token" is the national
code itself), the call closes, every suggestion is answered, the key concerns are recorded, the final
version is published, and the annex table, the report, a certificate and the ranking are
printed. The hub must run its participation use cases on ``clock`` (a
:class:`~hub.testing.ManualClock`) for the call to close within the demo; without
one the demo stops at the open call.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import grpc
import jdatetime
from tabadol.participation.v1 import consultation_pb2 as pb
from tabadol.participation.v1 import consultation_pb2_grpc

from aggregates.consultation import Province
from aggregates.identifiers import NationalCode
from aggregates.jalali import TEHRAN
from hub.servicers.auth import AGENCY_HEADER
from hub.testing import ManualClock

__all__ = ["run_consultation_demo"]

_AGENCY = (AGENCY_HEADER, "MSRT")
_WINDOW = (AGENCY_HEADER, "window:MYGOV")
_COMMENTS = (
    ("ماده ۳", "مهلت ثبت‌نام ترم تابستان کوتاه است؛ دو هفته شود."),
    ("ماده ۵", "سقف واحد برای دانشجویان شاغل کاهش یابد."),
    ("ماده ۵", "امکان حذف اضطراری یک درس در همه ترم‌ها فراهم شود."),
    ("ماده ۸", "آموزش مجازی برای دروس نظری تا نیمی از واحدها مجاز باشد."),
    ("ماده ۱۱", "شرایط مهمانی در دانشگاه‌های دیگر ساده شود."),
    ("ماده ۱۴", "معیار مشروطی برای ترم اول تعدیل شود."),
    ("", "متن پیش‌نویس برای دانشجویان دارای معلولیت تبصره خاصی ندارد."),
    ("ماده ۱۹", "ترتیب اثر دادن به اعتراض نمره در سامانه الکترونیکی باشد."),
)
_LEGAL_BASIS = "ماده ۹ حقوق شهروندی در نظام اداری (تصویب‌نامه ۱۱۲۷۱۲۸ شورای عالی اداری)"
_ACCEPT = (
    "در نسخه نهایی اعمال شد.",
    "با اصلاح جزئی پذیرفته شد و در ماده مربوط درج شد.",
)
_REJECT = (
    "با قانون مقررات انتظامی هیئت علمی مغایرت دارد.",
    "در حوزه اختیار شورای عالی برنامه‌ریزی است، نه این آیین‌نامه.",
    "در دستورالعمل اجرایی جداگانه‌ای پیش‌بینی شده است.",
)
_AGE_BANDS = (pb.AGE_BAND_18_29, pb.AGE_BAND_18_29, pb.AGE_BAND_30_44, pb.AGE_BAND_45_59)
_GENDERS = (pb.GENDER_FEMALE, pb.GENDER_MALE, pb.GENDER_UNSTATED)
_PROVINCES = tuple(p.value for p in Province)


def _say(text: str = "") -> None:
    print(text)


def _jalali_day(moment: datetime, days: int = 0) -> str:
    day = jdatetime.date.fromgregorian(date=(moment.astimezone(TEHRAN) + timedelta(days)).date())
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def _demographics(rng: random.Random) -> pb.Demographics | None:
    if rng.random() < 0.2:  # about one in five gives nothing
        return None
    return pb.Demographics(
        consent=True,
        age_band=rng.choice(_AGE_BANDS),
        gender=rng.choice(_GENDERS),
        province=rng.choice(("tehran", "isfahan", "fars", *_PROVINCES)),
    )


async def run_consultation_demo(
    channel: grpc.aio.Channel,
    *,
    participants: int = 36,
    seed: int = 1405,
    clock: ManualClock | None = None,
    before_close: Callable[[], Awaitable[None]] | None = None,
    sign_in: Callable[[str], Awaitable[str]] | None = None,
) -> None:
    """Run one consultation through gRPC on ``channel`` and print what a citizen and an
    auditor would see; ``clock`` must be the hub's participation clock to reach the end.
    ``sign_in`` gives a person's identity token from their national code."""
    if participants < 1:
        msg = f"a consultation demo needs participants, got {participants}"
        raise ValueError(msg)
    rng = random.Random(seed)  # noqa: S311 - reproducible fixtures, not secrets
    stub = consultation_pb2_grpc.ConsultationServiceStub(channel)
    now = clock() if clock else datetime.now(UTC)
    _say("\n== E-participation (مشارکت الکترونیکی) ==")
    asked = await stub.RequestConsultation(
        pb.RequestConsultationRequest(
            unit="معاونت آموزشی / Deputy for Education",
            kind=pb.DRAFT_KIND_BY_LAW,
            participation_type=pb.PARTICIPATION_TYPE_SURVEY,
        ),
        metadata=(_AGENCY,),
    )
    code = asked.consultation.tracking_code
    _say(f"call requested by MSRT: tracking code {code}")
    draft = pb.PublishDraftRequest(
        tracking_code=code,
        title_fa="آیین‌نامه آموزشی دوره کارشناسی",
        title_en="Undergraduate education by-law",
        summary_fa="پیش‌نویس مقدماتی و غیر قابل استناد آیین‌نامه آموزشی برای نظرخواهی عمومی.",
        summary_en="Preliminary, non-citable draft of the education by-law, for public comment.",
        document=pb.Document(
            sha256=hashlib.sha256(b"draft by-law v1").hexdigest(),
            url="https://www.msrt.ir/fa/news/draft-bylaw-1405.pdf",
        ),
        opens_on=_jalali_day(now),
        closes_on=_jalali_day(now, 10),
    )
    try:
        await stub.PublishDraft(draft, metadata=(_AGENCY,))
    except grpc.aio.AioRpcError as error:
        _say(f"a 10-day period is refused: {error.code().name}: {error.details()}")
    draft.closes_on = _jalali_day(now, 30)
    published = await stub.PublishDraft(draft, metadata=(_AGENCY,))
    c = published.consultation
    _say(f"draft published, open {c.opens_at_jalali} → {c.closes_at_jalali} (Tehran)")

    first_token = ""
    for i in range(participants):
        person = NationalCode.from_serial(f"{rng.randrange(1, 10**9):09d}").value
        token = await sign_in(person) if sign_in else person
        for _ in range(1 + (rng.random() < 0.25)):  # a quarter comment twice
            article, text = rng.choice(_COMMENTS)
            demographics = _demographics(rng) if i % 7 else None
            await stub.SubmitComment(
                pb.SubmitCommentRequest(
                    tracking_code=code,
                    identity_token=token,
                    text=text,
                    article=article,
                    demographics=demographics,
                ),
                metadata=(_WINDOW,),
            )
        if i == 0:
            first_token = token
    got = (
        await stub.GetConsultation(
            pb.GetConsultationRequest(tracking_code=code), metadata=(_WINDOW,)
        )
    ).consultation
    _say(f"{got.participants} participants sent {got.comments} comments through MYGOV")
    if clock is None:
        _say("the call stays open until its close date; run the hub on a demo clock to go on")
        return
    if before_close is not None:  # e.g. another call, published while this one is open
        await before_close()
    clock.advance(timedelta(days=31))
    try:
        await stub.SubmitComment(
            pb.SubmitCommentRequest(tracking_code=code, identity_token=first_token, text="دیر"),
            metadata=(_WINDOW,),
        )
    except grpc.aio.AioRpcError as error:
        _say(f"a late comment is refused: {error.code().name}: {error.details()}")

    for s in got.suggestions:
        accepted = rng.random() < 0.4
        await stub.DecideSuggestion(
            pb.DecideSuggestionRequest(
                tracking_code=code,
                number=s.number,
                accepted=accepted,
                reason=rng.choice(_ACCEPT if accepted else _REJECT),
                legal_basis=_LEGAL_BASIS,
            ),
            metadata=(_AGENCY,),
        )
    await stub.RecordKeyConcerns(
        pb.RecordKeyConcernsRequest(
            tracking_code=code,
            key_concerns=[
                pb.KeyConcern(
                    fa="انعطاف برای دانشجویان شاغل", en="Flexibility for working students"
                ),
                pb.KeyConcern(fa="سهم آموزش مجازی", en="The share of online teaching"),
                pb.KeyConcern(fa="فرایند اعتراض به نمره", en="How grades are appealed"),
            ],
        ),
        metadata=(_AGENCY,),
    )
    await stub.PublishFinalVersion(
        pb.PublishFinalVersionRequest(
            tracking_code=code,
            document=pb.Document(
                sha256=hashlib.sha256(b"final by-law").hexdigest(),
                url="https://www.msrt.ir/fa/regulations/bylaw-1405-final.pdf",
            ),
        ),
        metadata=(_AGENCY,),
    )
    table = await stub.ListConsultations(
        pb.ListConsultationsRequest(agency="MSRT"), metadata=(_WINDOW,)
    )
    _say("\nجدول فراخوان‌ها / Table of calls (000 annex):\n")
    _say(table.markdown)
    report = (
        await stub.GetConsultationReport(
            pb.GetConsultationReportRequest(tracking_code=code), metadata=(_WINDOW,)
        )
    ).report
    _print_report(report)
    certificate = await stub.IssueCertificate(
        pb.IssueCertificateRequest(tracking_code=code, identity_token=first_token),
        metadata=(_WINDOW,),
    )
    stated = json.loads(certificate.certificate)["certificate"]
    _say(
        f"\ncertificate for participant {certificate.participant[:12]}…: {stated['comments']}"
        f" comment(s), {stated['accepted_suggestions']} accepted; signed by"
        f" {certificate.key_id} ({len(certificate.certificate)} bytes, verifiable offline)"
    )
    ranking = await stub.GetCitizenRanking(
        pb.GetCitizenRankingRequest(limit=5), metadata=(_WINDOW,)
    )
    _say("\nشهروندان دیجیتال برتر / Top digital citizens (1 per comment, +3 accepted, +1 vote):")
    for row in ranking.top:
        _say(
            f"  {row.rank:>2}. {row.participant[:12]}…  score {row.score:>3}"
            f"  comments {row.comments}  accepted {row.accepted_suggestions}"
        )


def _print_report(r: pb.ConsultationReport) -> None:
    _say(f"گزارش جامع / Comprehensive report — {r.tracking_code}")
    _say(f"{'':2}{'شرکت‌کنندگان / participants':<34}{r.participants:>6}")
    _say(f"{'':2}{'پیشنهادها / suggestions':<34}{r.comments:>6}")
    _say(f"{'':2}{'پذیرفته / accepted':<34}{r.accepted:>6}")
    _say(f"{'':2}{'رد / rejected':<34}{r.rejected:>6}")
    for title, counts in (
        ("گروه سنی / age band", r.participants_by_age_band),
        ("جنسیت / gender", r.participants_by_gender),
    ):
        shown = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()) if n)
        _say(f"{'':2}{title:<34}{shown}")
    top = sorted(r.participants_by_province.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    _say(f"{'':2}{'استان (۵ اول) / province (top 5)':<34}{', '.join(f'{k} {n}' for k, n in top)}")
    _say(f"{'':2}دغدغه‌های کلیدی / key concerns:")
    for concern in r.key_concerns:
        _say(f"{'':4}- {concern.fa} / {concern.en}")
