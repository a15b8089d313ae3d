"""Deterministic synthetic registry data (داده‌های ساختگی) for the reference simulators.

Every generator takes a ``seed`` and a count ``n`` and returns the same list for the
same seed on every machine and Python version (each item comes from its own
``random.Random(f"{seed}/{kind}/{index}")``), and ``people(seed, 5)`` is the first five
of ``people(seed, 500)``, so a demo can pick valid people the simulator also holds.
Every code passes its check rule (see :mod:`connectors._codes`); codes are unique
within a list. The data are invented: any match with a real person is chance.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable
from typing import TypeVar

from connectors import _codes, _jalali
from connectors.civil_registry.records import Person
from connectors.deeds_registry.records import LegalPerson
from connectors.postal_code.records import PostalAddress

__all__ = ["legal_persons", "people", "postal_codes", "revenue_accounts"]

T = TypeVar("T")

_MALE_NAMES = (
    "علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "حمید", "سعید", "مجید", "احمد",
    "جواد", "حسن", "مصطفی", "ابراهیم", "کاظم", "فرهاد", "بهروز", "داریوش", "کامران",
    "سیاوش", "آرش", "بابک", "کوروش", "مرتضی", "یوسف", "عباس", "محسن", "هادی", "پرویز",
)  # fmt: skip
_FEMALE_NAMES = (
    "فاطمه", "زهرا", "مریم", "سارا", "نرگس", "لیلا", "مینا", "نازنین", "الهام", "سمیه",
    "زینب", "معصومه", "شیرین", "پریسا", "آزاده", "ریحانه", "مهسا", "نگار", "سحر",
    "هانیه", "فرشته", "طاهره", "رویا", "گلناز", "کیمیا",
)  # fmt: skip
_LAST_NAMES = (
    "احمدی", "محمدی", "حسینی", "رضایی", "موسوی", "کریمی", "جعفری", "هاشمی", "صادقی",
    "رحیمی", "قاسمی", "نوری", "کاظمی", "ابراهیمی", "طاهری", "اکبری", "سلطانی", "فرهادی",
    "شریفی", "نجفی", "مرادی", "یزدانی", "تهرانی", "اصفهانی", "شیرازی", "تبریزی",
    "کرمانی", "رستمی", "عباسی", "زمانی", "میرزایی", "بهرامی", "نیک‌نام", "پاک‌نژاد",
)  # fmt: skip
_PROVINCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("تهران", ("تهران", "ری", "شمیرانات", "اسلامشهر")),
    ("البرز", ("کرج", "فردیس", "نظرآباد")),
    ("اصفهان", ("اصفهان", "کاشان", "نجف‌آباد", "خمینی‌شهر")),
    ("فارس", ("شیراز", "مرودشت", "کازرون")),
    ("خراسان رضوی", ("مشهد", "نیشابور", "سبزوار")),
    ("آذربایجان شرقی", ("تبریز", "مراغه", "مرند")),
    ("آذربایجان غربی", ("ارومیه", "خوی", "مهاباد")),
    ("خوزستان", ("اهواز", "دزفول", "آبادان")),
    ("کرمان", ("کرمان", "رفسنجان", "سیرجان")),
    ("گیلان", ("رشت", "بندر انزلی", "لاهیجان")),
    ("مازندران", ("ساری", "بابل", "آمل")),
    ("یزد", ("یزد", "میبد", "اردکان")),
    ("قم", ("قم",)),
    ("کرمانشاه", ("کرمانشاه", "اسلام‌آباد غرب")),
    ("همدان", ("همدان", "ملایر")),
    ("سیستان و بلوچستان", ("زاهدان", "چابهار")),
    ("هرمزگان", ("بندرعباس", "قشم")),
    ("گلستان", ("گرگان", "گنبد کاووس")),
    ("زنجان", ("زنجان", "ابهر")),
    ("قزوین", ("قزوین", "تاکستان")),
    ("مرکزی", ("اراک", "ساوه")),
    ("لرستان", ("خرم‌آباد", "بروجرد")),
    ("اردبیل", ("اردبیل", "مشگین‌شهر")),
    ("کردستان", ("سنندج", "سقز")),
    ("بوشهر", ("بوشهر", "برازجان")),
    ("سمنان", ("سمنان", "شاهرود")),
    ("چهارمحال و بختیاری", ("شهرکرد", "بروجن")),
    ("کهگیلویه و بویراحمد", ("یاسوج", "دهدشت")),
    ("ایلام", ("ایلام", "دهلران")),
    ("خراسان شمالی", ("بجنورد", "شیروان")),
    ("خراسان جنوبی", ("بیرجند", "قائن")),
)
_STREETS = (
    "امام خمینی", "انقلاب", "آزادی", "ولیعصر", "شهید بهشتی", "طالقانی", "مطهری",
    "فردوسی", "حافظ", "سعدی", "شریعتی", "کارگر", "جمهوری", "ملت", "بهار", "نرگس",
)  # fmt: skip
_COMPANY_WORDS = (
    "فن‌آوران", "پارس", "نوین", "سپهر", "آریا", "البرز", "دماوند", "کیان", "آفتاب",
    "مهر", "پیشگامان", "توسعه", "داده‌پردازی", "صنایع", "بازرگانی", "ساختمانی", "زاگرس",
)  # fmt: skip
_COMPANY_FORMS = ("سهامی خاص", "سهامی عام", "با مسئولیت محدود", "تعاونی")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _rng(seed: int, kind: str, index: int) -> random.Random:
    # Reproducible test data, not secrets: a string seed is hashed with SHA-512.
    return random.Random(f"{seed}/{kind}/{index}")  # noqa: S311


def _unique(n: int, make: Callable[[int], T], key: Callable[[T], str]) -> list[T]:
    """The first ``n`` items of ``make(0), make(1), …`` whose keys are new (prefix-stable)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    items: list[T] = []
    seen: set[str] = set()
    for index in itertools.count():
        if len(items) == n:
            break
        if index > 2 * n + 100:
            raise RuntimeError("too many duplicates: the code space is exhausted")
        item = make(index)
        if key(item) not in seen:
            seen.add(key(item))
            items.append(item)
    return items


def _digits(rng: random.Random, count: int, alphabet: str = "0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def _jalali_date(rng: random.Random, first_year: int, last_year: int) -> str:
    year = rng.randint(first_year, last_year)
    month = rng.randint(1, 12)
    return _jalali.format_date(year, month, rng.randint(1, _jalali.days_in_month(year, month)))


def _national_code(rng: random.Random) -> str:
    while True:
        nine = _digits(rng, 9)
        code = nine + str(_codes.national_code_check_digit(nine))
        if _codes.is_national_code(code):
            return code


_SERIES_LETTERS = [
    "الف",
    "ب",
    "پ",
    "ت",
    "ث",
    "ج",
    "چ",
    "ح",
    "خ",
    "د",
    "ذ",
    "ر",
    "ز",
    "ژ",
    "س",
    "ش",
    "ص",
    "ض",
    "ط",
    "ظ",
    "ع",
    "غ",
    "ف",
    "ق",
    "ک",
    "گ",
    "ل",
    "م",
    "ن",
    "و",
    "ه",
    "ی",
]
_ROLES = ("مدیرعامل", "رئیس هیئت‌مدیره", "عضو هیئت‌مدیره", "صاحب امضای مجاز")


def _person(seed: int, index: int) -> Person:
    rng = _rng(seed, "person", index)
    female = rng.random() < 0.5
    # The certificate has its own stream, so adding it left every other field as it was.
    cert = _rng(seed, "birth-certificate", index)
    serial = str(cert.randint(100_000, 999_999))
    series = f"{cert.choice(_SERIES_LETTERS)}/{cert.randint(1, 99):02d}"
    return Person(
        birth_certificate_serial=serial,
        birth_certificate_series=series,
        national_code=_national_code(rng),
        first_name=rng.choice(_FEMALE_NAMES if female else _MALE_NAMES),
        last_name=rng.choice(_LAST_NAMES),
        father_name=rng.choice(_MALE_NAMES),
        gender="female" if female else "male",
        birth_date_jalali=_jalali_date(rng, 1320, 1385),
        alive=rng.random() >= 0.04,
    )


def people(seed: int, n: int) -> list[Person]:
    """``n`` natural persons: valid unique national codes, Persian names, Jalali birth dates."""
    return _unique(n, lambda i: _person(seed, i), lambda p: p.national_code)


def _representatives(seed: int, index: int) -> tuple[tuple[str, str], ...]:
    """One to three of the first 100 synthetic people (held by every civil-registry
    simulator of the same seed), each in a role."""
    rng = _rng(seed, "representatives", index)
    chosen = rng.sample(range(100), rng.randint(1, 3))
    holders = _first_hundred(seed)
    return tuple(
        (holders[i].national_code, _ROLES[0] if n == 0 else rng.choice(_ROLES[1:]))
        for n, i in enumerate(chosen)
    )


@functools.lru_cache(maxsize=8)
def _first_hundred(seed: int) -> tuple[Person, ...]:
    return tuple(people(seed, 100))


def _legal_person(seed: int, index: int) -> LegalPerson:
    rng = _rng(seed, "legal-person", index)
    ten = "10" + _digits(rng, 8)
    words = rng.sample(_COMPANY_WORDS, 2)
    return LegalPerson(
        representatives=_representatives(seed, index),
        national_id=ten + str(_codes.national_id_check_digit(ten)),
        name=f"شرکت {words[0]} {words[1]} ({rng.choice(_COMPANY_FORMS)})",
        registration_number=str(rng.randint(1, 999_999)),
        registration_date_jalali=_jalali_date(rng, 1340, 1403),
        status="dissolved" if rng.random() < 0.1 else "active",
    )


def legal_persons(seed: int, n: int) -> list[LegalPerson]:
    """``n`` legal persons: valid unique 11-digit national ids, Persian names, statuses."""
    return _unique(n, lambda i: _legal_person(seed, i), lambda p: p.national_id)


def _postal_code(rng: random.Random) -> str:
    while True:
        code = _digits(rng, 4, "13456789") + rng.choice("134679") + _digits(rng, 5, "013456789")
        if _codes.is_postal_code(code):  # the first four must not be one repeated digit
            return code


def _address(seed: int, index: int) -> PostalAddress:
    rng = _rng(seed, "postal-code", index)
    province, cities = rng.choice(_PROVINCES)
    alley, plaque = rng.randint(1, 40), rng.randint(1, 120)
    line = f"خیابان {rng.choice(_STREETS)}، کوچه {alley}، پلاک {plaque}"
    return PostalAddress(
        postal_code=_postal_code(rng),
        province=province,
        city=rng.choice(cities),
        address_line=line.translate(_PERSIAN_DIGITS),
    )


def postal_codes(seed: int, n: int) -> list[PostalAddress]:
    """``n`` addresses under valid unique postal codes, in real provinces and cities."""
    return _unique(n, lambda i: _address(seed, i), lambda a: a.postal_code)


def revenue_accounts(seed: int, n: int) -> list[str]:
    """``n`` valid unique Sheba numbers of treasury revenue accounts (Central Bank, 010)."""

    def make(index: int) -> str:
        return _codes.sheba_from_bban("010" + _digits(_rng(seed, "revenue-account", index), 19))

    return _unique(n, make, lambda sheba: sheba)
