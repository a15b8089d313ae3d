"""Who applies for a service (002 def. 10: Iranian natural and legal persons and foreign
nationals), and the birth certificate's serial and series (000 circular item 3).

- A natural person is known by the national code (کد ملی).
- A legal person (شخص حقوقی) by its national id (شناسه ملی), acting through a
  representative, a natural person known by national code; the representation is
  checked with the deeds registry (004 art. 11 note 3).
- A foreign national (تبعه خارجی) by a foreign-national identifier (شناسه اتباع, the
  FIDA code of the National Organization for Civil Registration's foreign nationals
  system). Its official check rule is not published; this hub's rule, documented on
  :class:`ForeignNationalId`, is its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from aggregates.errors import InvalidInput, Violation
from aggregates.identifiers import NationalCode, NationalId, normalize_digits

__all__ = [
    "SERIES_LETTERS",
    "Applicant",
    "ApplicantKind",
    "BirthCertificate",
    "ForeignNationalId",
]


# --- شناسه اتباع خارجی -------------------------------------------------------------------


def _foreign_check_digit(eleven: str) -> int:
    s = sum(int(d) * (12 - i) for i, d in enumerate(eleven)) % 11
    return s if s < 2 else 11 - s


def _foreign_problem(code: str) -> str | None:
    if re.fullmatch(r"[0-9]+", code) is None:
        return "foreign-national identifier must contain only digits"
    if len(code) != 12:
        return f"foreign-national identifier must be 12 digits, got {len(code)}"
    if code[0] == "0":
        return "foreign-national identifier cannot start with 0"
    if int(code[11]) != _foreign_check_digit(code[:11]):
        return "foreign-national identifier check digit does not match"
    return None


@dataclass(frozen=True)
class ForeignNationalId:
    """شناسه اتباع خارجی: a foreign national's 12-digit identifier.

    This hub's rule (documented here, since the issuer publishes none): 12 ASCII digits,
    the first not 0, the last a mod-11 check digit over the first eleven with weights
    12 down to 2 — ``r = Σ dᵢ·(12−i) mod 11``, check = ``r`` when ``r < 2``, else
    ``11 − r`` (the national code's scheme, one digit longer). Being 12 digits, it never
    collides with a 10-digit national code or an 11-digit national id.
    """

    value: str

    FIELD: ClassVar[str] = "foreign_national_id"

    def __post_init__(self) -> None:
        problem = _foreign_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "foreign_national_id") -> ForeignNationalId:
        """Parse what a person typed; ``field`` names the API field in errors."""
        code = normalize_digits(text).replace(" ", "").replace("-", "")
        problem = _foreign_problem(code)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(code)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether ``text`` parses."""
        return _foreign_problem(normalize_digits(text)) is None

    @classmethod
    def from_serial(cls, eleven_digits: str) -> ForeignNationalId:
        """The identifier with ``eleven_digits`` and its check digit (for synthetic data)."""
        return cls(eleven_digits + str(_foreign_check_digit(eleven_digits)))


# --- سری و سریال شناسنامه ----------------------------------------------------------------

SERIES_LETTERS = [
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
"""The Persian letters used as the letter of a birth certificate's series."""
_LETTER_ALIASES = {"ا": "الف", "آ": "الف", "ي": "ی", "ك": "ک"}  # Arabic keyboard forms


@dataclass(frozen=True)
class BirthCertificate:
    """سری و سریال شناسنامه: a birth certificate's serial (6 digits) and series (a Persian
    letter and a two-digit number, written ``الف/12`` or ``12 الف``), as printed on the
    new-style certificate. Rule: serial 6 digits (not all 0), series number 1..99, the
    letter one of :data:`SERIES_LETTERS`."""

    serial: str
    series_letter: str
    series_number: int

    def __post_init__(self) -> None:
        v = _certificate_problems(self.serial, self.series_letter, self.series_number)
        if v:
            raise InvalidInput(*v)

    @property
    def series(self) -> str:
        """Canonical series text: ``الف/12``."""
        return f"{self.series_letter}/{self.series_number:02d}"

    def __str__(self) -> str:
        return f"{self.series}-{self.serial}"

    @classmethod
    def parse(cls, serial: str, series: str, field: str = "birth_certificate") -> BirthCertificate:
        """Parse the serial and the series as typed (Persian digits, either order)."""
        number_text = normalize_digits(series)
        digits = re.findall(r"[0-9]+", number_text)
        letters = re.sub(r"[0-9/\-\s]+", " ", number_text).split()
        letter = _LETTER_ALIASES.get(letters[0], letters[0]) if len(letters) == 1 else ""
        number = int(digits[0]) if len(digits) == 1 else -1
        text = normalize_digits(serial).replace(" ", "")
        v = _certificate_problems(text, letter, number, field)
        if v:
            raise InvalidInput(*v)
        return cls(text, letter, number)


def _certificate_problems(
    serial: Any, letter: Any, number: Any, field: str = "birth_certificate"
) -> list[Violation]:
    v: list[Violation] = []
    if not (isinstance(serial, str) and re.fullmatch(r"[0-9]{6}", serial)) or serial == "000000":
        v.append(Violation(f"{field}.serial", "birth certificate serial must be 6 digits"))
    if letter not in SERIES_LETTERS or not isinstance(number, int) or not 1 <= number <= 99:
        v.append(
            Violation(
                f"{field}.series",
                "birth certificate series must be one Persian letter and a number 1 to 99,"
                " written like الف/12",
            )
        )
    return v


# --- the applicant -----------------------------------------------------------------------


class ApplicantKind(StrEnum):
    """نوع متقاضی (002 def. 10)."""

    NATURAL = "natural"  # شخص حقیقی ایرانی
    LEGAL = "legal"  # شخص حقوقی ایرانی
    FOREIGN = "foreign"  # تبعه خارجی


@dataclass(frozen=True)
class Applicant:
    """Who a case is for: its kind and identifier, and for a legal person the national
    code of the representative who acts for it."""

    kind: ApplicantKind
    identifier: str
    representative: str = ""

    @classmethod
    def natural(cls, national_code: str) -> Applicant:
        """An Iranian natural person."""
        return cls(ApplicantKind.NATURAL, NationalCode.parse(national_code).value)

    @classmethod
    def legal(cls, national_id: str, representative_national_code: str) -> Applicant:
        """An Iranian legal person, through its representative."""
        v: list[Violation] = []
        nid = _parsed(v, NationalId.parse, national_id, "legal_person_national_id")
        rep = _parsed(
            v, NationalCode.parse, representative_national_code, "applicant_national_code"
        )
        if v:
            raise InvalidInput(*v)
        return cls(ApplicantKind.LEGAL, nid, rep)

    @classmethod
    def foreign(cls, foreign_national_id: str) -> Applicant:
        """A foreign national."""
        return cls(ApplicantKind.FOREIGN, ForeignNationalId.parse(foreign_national_id).value)

    @property
    def acting_person(self) -> str:
        """Whose sign-in counts for the case: the national code of the natural person or
        of the legal person's representative; the foreign national's identifier."""
        return self.representative if self.kind is ApplicantKind.LEGAL else self.identifier


def _parsed(v: list[Violation], parse: Any, text: str, field: str) -> str:
    try:
        return str(parse(text, field))
    except InvalidInput as error:
        v.extend(error.violations)
        return ""
