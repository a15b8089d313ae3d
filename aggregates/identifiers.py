"""Identifier value objects, each checked with its check digit or rule.

Every ``parse`` accepts what a person types (Persian or Arabic-Indic digits, stray
spaces, lowercase) and returns a canonical value object, or raises
:class:`~aggregates.errors.InvalidInput` naming the API field. Constructing a value
object directly with a non-canonical value raises the same error, so an instance is
always valid.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar
from uuid import UUID, uuid5

from aggregates._checks import NAMESPACE
from aggregates.errors import InvalidInput, shown

__all__ = [
    "CROCKFORD_ALPHABET",
    "AgencyCode",
    "InquiryTrackingCode",
    "NationalCode",
    "NationalId",
    "PostalCode",
    "ServiceCode",
    "Sheba",
    "TrackingCode",
    "TrackingKind",
    "damm32_check",
    "normalize_digits",
]

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def normalize_digits(text: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII; surrounding spaces stripped."""
    return text.translate(_DIGITS).strip()


def _digits_only(text: str) -> bool:
    return _ASCII_DIGITS.fullmatch(text) is not None


# --- کد ملی ------------------------------------------------------------------------


def _national_code_check_digit(nine: str) -> int:
    s = sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11
    return s if s < 2 else 11 - s


def _national_code_problem(code: str) -> str | None:
    if not _digits_only(code):
        return "national code must contain only digits"
    if len(code) != 10:
        return f"national code must be 10 digits, got {len(code)}"
    if len(set(code)) == 1:
        return "national code cannot be one digit repeated ten times"
    if int(code[9]) != _national_code_check_digit(code[:9]):
        return "national code check digit does not match"
    return None


@dataclass(frozen=True)
class NationalCode:
    """کد ملی: a person's 10-digit national code with its mod-11 check digit."""

    value: str

    FIELD: ClassVar[str] = "national_code"

    def __post_init__(self) -> None:
        problem = _national_code_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "national_code") -> NationalCode:
        """Parse what a person typed; ``field`` names the API field in errors."""
        code = normalize_digits(text)
        problem = _national_code_problem(code)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(code)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether ``text`` parses as a national code."""
        return _national_code_problem(normalize_digits(text)) is None

    @classmethod
    def from_serial(cls, nine_digits: str) -> NationalCode:
        """The national code made of ``nine_digits`` and its check digit (for fixtures)."""
        nine = normalize_digits(nine_digits)
        if not (_digits_only(nine) and len(nine) == 9):
            raise InvalidInput.field("national_code", "a serial must be 9 digits")
        return cls.parse(nine + str(_national_code_check_digit(nine)))

    def masked(self) -> str:
        """The code with the middle hidden, e.g. ``001*****84``, for logs and receipts."""
        return f"{self.value[:3]}*****{self.value[-2:]}"


# --- شناسه ملی اشخاص حقوقی -----------------------------------------------------------

_NATIONAL_ID_COEFFICIENTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)


def _national_id_check_digit(ten: str) -> int:
    d = int(ten[9]) + 2
    s = sum((int(c) + d) * k for c, k in zip(ten, _NATIONAL_ID_COEFFICIENTS, strict=True)) % 11
    return 0 if s == 10 else s


def _national_id_problem(code: str) -> str | None:
    if not _digits_only(code):
        return "national id must contain only digits"
    if len(code) != 11:
        return f"national id must be 11 digits, got {len(code)}"
    if int(code[10]) != _national_id_check_digit(code[:10]):
        return "national id check digit does not match"
    return None


@dataclass(frozen=True)
class NationalId:
    """شناسه ملی اشخاص حقوقی: a legal person's 11-digit national id with its check digit."""

    value: str

    FIELD: ClassVar[str] = "national_id"

    def __post_init__(self) -> None:
        problem = _national_id_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "national_id") -> NationalId:
        """Parse what a person typed; ``field`` names the API field in errors."""
        code = normalize_digits(text)
        problem = _national_id_problem(code)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(code)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether ``text`` parses as a national id."""
        return _national_id_problem(normalize_digits(text)) is None

    @classmethod
    def from_serial(cls, ten_digits: str) -> NationalId:
        """The national id made of ``ten_digits`` and its check digit (for fixtures)."""
        ten = normalize_digits(ten_digits)
        if not (_digits_only(ten) and len(ten) == 10):
            raise InvalidInput.field("national_id", "a serial must be 10 digits")
        return cls.parse(ten + str(_national_id_check_digit(ten)))


# --- کد پستی -------------------------------------------------------------------------

# Iran Post's widely used validity rule for the 10-digit postal code:
#   - the first five digits (the area part) hold no 0 and no 2, and the fifth is not 5;
#   - the first four digits are not all the same;
#   - the last five digits (the building part) hold no 2.
_POSTAL_CODE = re.compile(r"(?!(\d)\1{3})[13-9]{4}[1346-9][013-9]{5}")


def _postal_code_problem(code: str) -> str | None:
    if not _digits_only(code):
        return "postal code must contain only digits"
    if len(code) != 10:
        return f"postal code must be 10 digits, got {len(code)}"
    if _POSTAL_CODE.fullmatch(code) is None:
        return (
            "postal code is not a valid Iranian postal code (no 0 or 2 in the first five"
            " digits, the fifth not 5, the first four not all equal, no 2 in the last five)"
        )
    return None


@dataclass(frozen=True)
class PostalCode:
    """کد پستی: a 10-digit Iranian postal code.

    Rule (Iran Post, as commonly validated): the first five digits contain neither 0
    nor 2 and the fifth is not 5; the first four are not one repeated digit; the last
    five contain no 2. Input may be written ``12345-67890``.
    """

    value: str

    FIELD: ClassVar[str] = "postal_code"

    def __post_init__(self) -> None:
        problem = _postal_code_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "postal_code") -> PostalCode:
        """Parse what a person typed; ``field`` names the API field in errors."""
        code = re.sub(r"[\s\-]", "", normalize_digits(text))
        problem = _postal_code_problem(code)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(code)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether ``text`` parses as a postal code."""
        return _postal_code_problem(re.sub(r"[\s\-]", "", normalize_digits(text))) is None


# --- شبا -----------------------------------------------------------------------------

_SHEBA = re.compile(r"IR[0-9]{24}")


def _iban_remainder(iban: str) -> int:
    rearranged = iban[4:] + iban[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97


def _sheba_problem(sheba: str) -> str | None:
    if _SHEBA.fullmatch(sheba) is None:
        return "Sheba must be 'IR' followed by 24 digits"
    if _iban_remainder(sheba) != 1:
        return "Sheba check digits do not match"
    return None


def _clean_sheba(text: str) -> str:
    return re.sub(r"[\s\-]", "", normalize_digits(text)).upper()


@dataclass(frozen=True)
class Sheba:
    """شبا: an Iranian IBAN, ``IR`` + 2 check digits + 22-digit BBAN (ISO 13616 mod 97)."""

    value: str

    FIELD: ClassVar[str] = "revenue_account"

    def __post_init__(self) -> None:
        problem = _sheba_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "revenue_account") -> Sheba:
        """Parse what a person typed (lowercase and spaces accepted)."""
        sheba = _clean_sheba(text)
        problem = _sheba_problem(sheba)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(sheba)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether ``text`` parses as a Sheba number."""
        return _sheba_problem(_clean_sheba(text)) is None

    @classmethod
    def from_bban(cls, twenty_two_digits: str) -> Sheba:
        """The Sheba for a 22-digit BBAN, with its check digits computed (for fixtures)."""
        bban = normalize_digits(twenty_two_digits)
        if not (_digits_only(bban) and len(bban) == 22):
            raise InvalidInput.field("revenue_account", "a BBAN must be 22 digits")
        check = 98 - _iban_remainder(f"IR00{bban}")
        return cls(f"IR{check:02d}{bban}")


# --- کد دستگاه و شناسه خدمت -------------------------------------------------------------

_AGENCY_CODE = re.compile(r"[A-Z][A-Z0-9-]*")


def _agency_code_problem(code: str) -> str | None:
    if not 2 <= len(code) <= 16:
        return f"agency code must be 2 to 16 characters, got {len(code)}"
    if _AGENCY_CODE.fullmatch(code) is None:
        return "agency code must start with a letter and hold only A-Z, 0-9 and '-'"
    return None


@dataclass(frozen=True)
class AgencyCode:
    """کد دستگاه: an agency's short code, e.g. ``SABTEAHVAL`` or ``MOI-02``."""

    value: str

    FIELD: ClassVar[str] = "agency"

    def __post_init__(self) -> None:
        problem = _agency_code_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "agency") -> AgencyCode:
        """Parse a code (case-insensitive); the canonical form is uppercase."""
        code = text.strip().upper()
        problem = _agency_code_problem(code)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(code)


def _service_code_problem(code: str) -> str | None:
    if not _digits_only(code):
        return "service code must contain only digits"
    if not 8 <= len(code) <= 14:
        return f"service code must be 8 to 14 digits, got {len(code)}"
    return None


@dataclass(frozen=True)
class ServiceCode:
    """شناسه خدمت: a service's 8 to 14-digit code in the national service catalogue."""

    value: str

    FIELD: ClassVar[str] = "service_code"

    def __post_init__(self) -> None:
        problem = _service_code_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "service_code") -> ServiceCode:
        """Parse what a person typed; ``field`` names the API field in errors."""
        code = normalize_digits(text)
        problem = _service_code_problem(code)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(code)


# --- کد رهگیری -------------------------------------------------------------------------

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_VALUE = {ch: i for i, ch in enumerate(CROCKFORD_ALPHABET)} | {
    "O": 0,
    "I": 1,
    "L": 1,
}
_GF32_REDUCTION = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)
_BODY_LENGTH = 12
_CODE_LENGTH = 1 + _BODY_LENGTH + 1  # kind, body, check
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_]")


class TrackingKind(StrEnum):
    """What a tracking code tracks; the letter leads the code."""

    CASE = "C"
    INQUIRY = "I"
    PETITION = "P"
    CONSULTATION = "K"
    PAYMENT = "F"


def _times_alpha(x: int) -> int:
    """Multiply by alpha = 2 in GF(2^5) = GF(2)[x]/(x^5 + x^2 + 1)."""
    x <<= 1
    return x ^ _GF32_REDUCTION if x & 0b100000 else x


def _damm_interim(values: list[int]) -> int:
    """Run the Damm quasigroup x∘y = (alpha·x) ⊕ y over ``values``, starting at 0."""
    interim = 0
    for v in values:
        interim = _times_alpha(interim) ^ v
    return interim


def damm32_check(values: list[int]) -> int:
    """The check symbol c for ``values`` (each 0..31): the interim run then ∘ c gives 0.

    The quasigroup is totally anti-symmetric because alpha ≠ 1, so the check
    catches every single substitution and every adjacent transposition.
    """
    return _times_alpha(_damm_interim(values))


_REMEMBERED_TEXT = 64
"""Texts up to this long are remembered by :func:`_tracking_code_canonical` and
:func:`case_id` (a code with dashes has 18 characters; longer ones are parsed each time)."""


def _tracking_code_canonical(text: str) -> tuple[str | None, str]:
    """(problem, canonical form) for ``text``; problem is None when it is valid.

    Remembered for the last 4,096 short texts: a call parses its case's code several times
    (the servicer, the use case, the command, the aggregate's own check)."""
    if len(text) > _REMEMBERED_TEXT:
        return _canonical(text)
    return _remembered_canonical(text)


def _canonical(text: str) -> tuple[str | None, str]:
    compact = _SEPARATORS.sub("", normalize_digits(text)).upper()
    if len(compact) != _CODE_LENGTH:
        return (
            f"tracking code must have {_CODE_LENGTH} characters (a kind letter, 12 code"
            f" characters and a check character, dashes optional), got {len(compact)}",
            "",
        )
    kind_letter = compact[0]
    kinds = [k.value for k in TrackingKind]
    if kind_letter not in kinds:
        return (
            f"tracking code kind {shown(kind_letter)} is unknown; it must be one of {', '.join(kinds)}",
            "",
        )
    values = [_CROCKFORD_VALUE[kind_letter]]
    for position, ch in enumerate(compact[1:], start=2):
        value = _CROCKFORD_VALUE.get(ch)
        if value is None:
            return (
                f"tracking code character {shown(ch)} at position {position} is not allowed"
                " (only digits and the letters A-Z except U)",
                "",
            )
        values.append(value)
    if _damm_interim(values) != 0:
        return (
            "tracking code check character does not match: the code is probably mistyped",
            "",
        )
    return None, _render_tracking_code(kind_letter, values[1:])


_remembered_canonical = lru_cache(maxsize=4096)(_canonical)


def _render_tracking_code(kind_letter: str, symbols: list[int]) -> str:
    body = "".join(CROCKFORD_ALPHABET[v] for v in symbols[:_BODY_LENGTH])
    check = CROCKFORD_ALPHABET[symbols[_BODY_LENGTH]]
    return f"{kind_letter}-{body[0:4]}-{body[4:8]}-{body[8:12]}-{check}"


@dataclass(frozen=True)
class TrackingCode:
    """کد رهگیری: e.g. ``C-7K2M-9QX4-HAB3-Z``.

    A kind letter, 60 random bits as 12 Crockford base-32 characters, and one Damm
    check character over GF(32), so a single mistyped character or two swapped
    neighbours are caught before any lookup.
    """

    value: str

    FIELD: ClassVar[str] = "tracking_code"

    def __post_init__(self) -> None:
        problem, canonical = _tracking_code_canonical(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)
        if canonical != self.value:
            raise InvalidInput.field(self.FIELD, f"tracking code must be written {canonical}")

    def __str__(self) -> str:
        return self.value

    @property
    def kind(self) -> TrackingKind:
        """What the code tracks."""
        return TrackingKind(self.value[0])

    @classmethod
    def parse(cls, text: str, field: str = "tracking_code") -> TrackingCode:
        """Parse what a person typed: any case, dashes and spaces optional, O→0, I/L→1."""
        problem, canonical = _tracking_code_canonical(text)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(canonical)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether ``text`` parses as a tracking code."""
        return _tracking_code_canonical(text)[0] is None

    @classmethod
    def new(cls, kind: TrackingKind, entropy: bytes | None = None) -> TrackingCode:
        """A fresh code of ``kind``: 60 bits from :mod:`secrets`, or the first 60 bits of
        ``entropy`` (at least 8 bytes) when given, for reproducible fixtures."""
        if entropy is None:
            bits = secrets.randbits(60)
        else:
            if len(entropy) < 8:
                msg = "entropy must hold at least 8 bytes (60 bits are used)"
                raise ValueError(msg)
            bits = int.from_bytes(entropy[:8], "big") >> 4
        body = [(bits >> (5 * (_BODY_LENGTH - 1 - i))) & 0b11111 for i in range(_BODY_LENGTH)]
        check = damm32_check([_CROCKFORD_VALUE[kind.value], *body])
        return cls(_render_tracking_code(kind.value, [*body, check]))


def case_id(tracking_code: str) -> UUID:
    """A service case's aggregate id: uuid5 of Tabadol's namespace and ``service-case:<code>``.

    A code typed loosely (lowercase, no dashes) maps to the same id as its canonical form.
    """
    if len(tracking_code) > _REMEMBERED_TEXT:
        return _case_id(tracking_code)
    return _remembered_case_id(tracking_code)


def _case_id(tracking_code: str) -> UUID:
    problem, canonical = _tracking_code_canonical(tracking_code)
    return uuid5(NAMESPACE, "service-case:" + (tracking_code if problem else canonical))


_remembered_case_id = lru_cache(maxsize=4096)(_case_id)


_INQUIRY_LENGTH = 16


def _luhn_check_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def _inquiry_compact(text: str) -> str:
    return _SEPARATORS.sub("", normalize_digits(text))


def _inquiry_problem(code: str) -> str | None:
    if _ASCII_DIGITS.fullmatch(code) is None:
        return "an inquiry tracking code holds only digits"
    if len(code) != _INQUIRY_LENGTH:
        return f"an inquiry tracking code has {_INQUIRY_LENGTH} digits, got {len(code)}"
    if int(code[-1]) != _luhn_check_digit(code[:-1]):
        return (
            "inquiry tracking code check digit (Luhn) does not match: the code is probably mistyped"
        )
    return None


@dataclass(frozen=True)
class InquiryTrackingCode:
    """کد رهگیری استعلام: a registry's 16-digit inquiry code, the last digit a Luhn check,
    so a mistyped digit or two swapped neighbours are caught before any lookup."""

    value: str

    FIELD: ClassVar[str] = "inquiry_tracking_code"

    def __post_init__(self) -> None:
        problem = _inquiry_problem(self.value)
        if problem:
            raise InvalidInput.field(self.FIELD, problem)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str, field: str = "inquiry_tracking_code") -> InquiryTrackingCode:
        """Parse what a person typed: Persian digits, spaces and dashes are accepted."""
        code = _inquiry_compact(text)
        problem = _inquiry_problem(code)
        if problem:
            raise InvalidInput.field(field, problem)
        return cls(code)

    @classmethod
    def is_valid(cls, text: str) -> bool:
        """Whether ``text`` parses as an inquiry tracking code."""
        return _inquiry_problem(_inquiry_compact(text)) is None

    @staticmethod
    def looks_like(text: str) -> bool:
        """Whether ``text`` is digits only (an inquiry code, perhaps mistyped) rather than a
        hub tracking code, which starts with its kind letter."""
        return _ASCII_DIGITS.fullmatch(_inquiry_compact(text)) is not None
