"""Check-digit rules of Iranian identifiers, for the simulators (input) and clients (answers).

The connectors carry their own copy of these rules so they import nothing of the domain.

- **National code** (کد ملی), 10 digits ``d0..d9``:
  ``s = sum(d[i] * (10 - i) for i < 9) % 11``; the check digit ``d9`` is ``s`` if
  ``s < 2`` else ``11 - s``. Ten equal digits pass the sum but are never issued: refused.
- **Legal national id** (شناسه ملی), 11 digits ``d0..d10``: with ``k = d9 + 2`` and the
  coefficients ``[29, 27, 23, 19, 17, 29, 27, 23, 19, 17]``,
  ``s = sum((d[i] + k) * c[i] for i < 10) % 11``; the check digit ``d10`` is ``s``, or
  ``0`` when ``s == 10``.
- **Postal code** (کد پستی), 10 digits matching ``^(?!(\\d)\\1{3})[13-9]{4}[1346-9][013-9]{5}$``:
  no 0 or 2 in the first five, the fifth not 5, the first four not one repeated digit,
  no 2 in the last five.
- **Sheba** (شبا): ``IR`` + 2 check digits + 22 digits; ISO 13616 (move the first four
  characters to the end, letters to numbers, the whole ``% 97 == 1``).
- **Inquiry tracking code** (of our reference registries): 16 digits, the last a Luhn
  check digit.
"""

from __future__ import annotations

import re

__all__ = [
    "NATIONAL_ID_COEFFICIENTS",
    "is_agency_code",
    "is_case_tracking_code",
    "is_inquiry_tracking_code",
    "is_national_code",
    "is_national_id",
    "is_postal_code",
    "is_sheba",
    "luhn_check_digit",
    "mask_national_code",
    "national_code_check_digit",
    "national_id_check_digit",
    "sheba_from_bban",
]

NATIONAL_ID_COEFFICIENTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)

_POSTAL_CODE = re.compile(r"(?!(\d)\1{3})[13-9]{4}[1346-9][013-9]{5}")
_SHEBA = re.compile(r"IR[0-9]{24}")
_AGENCY_CODE = re.compile(r"[A-Z][A-Z0-9-]{1,15}")
_CASE_TRACKING_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


def _digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


def national_code_check_digit(nine: str) -> int:
    """The check digit of a national code's first nine digits."""
    s = sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11
    return s if s < 2 else 11 - s


def is_national_code(code: str) -> bool:
    """Whether ``code`` is a well-formed 10-digit national code (کد ملی)."""
    return (
        _digits(code, 10)
        and len(set(code)) > 1
        and int(code[9]) == national_code_check_digit(code[:9])
    )


def national_id_check_digit(ten: str) -> int:
    """The check digit of a legal national id's first ten digits."""
    k = int(ten[9]) + 2
    s = sum((int(d) + k) * c for d, c in zip(ten, NATIONAL_ID_COEFFICIENTS, strict=True)) % 11
    return 0 if s == 10 else s


def is_national_id(code: str) -> bool:
    """Whether ``code`` is a well-formed 11-digit legal national id (شناسه ملی)."""
    return _digits(code, 11) and int(code[10]) == national_id_check_digit(code[:10])


def is_postal_code(code: str) -> bool:
    """Whether ``code`` is a well-formed 10-digit postal code (کد پستی)."""
    return _digits(code, 10) and _POSTAL_CODE.fullmatch(code) is not None


def _iban_remainder(iban: str) -> int:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97


def is_sheba(sheba: str) -> bool:
    """Whether ``sheba`` is a well-formed Iranian IBAN (شبا)."""
    return _SHEBA.fullmatch(sheba) is not None and _iban_remainder(sheba) == 1


def sheba_from_bban(bban: str) -> str:
    """The Sheba number for a 22-digit BBAN, check digits computed."""
    if not _digits(bban, 22):
        raise ValueError("a BBAN is 22 digits")
    return f"IR{98 - _iban_remainder(f'IR00{bban}'):02d}{bban}"


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def is_inquiry_tracking_code(code: str) -> bool:
    """Whether ``code`` is a well-formed inquiry tracking code: 16 digits, Luhn-checked."""
    return _digits(code, 16) and int(code[15]) == luhn_check_digit(code[:15])


def is_agency_code(code: str) -> bool:
    """Whether ``code`` is an agency code: a letter, then 1..15 of A-Z, 0-9, '-'."""
    return _AGENCY_CODE.fullmatch(code) is not None


def is_case_tracking_code(code: str) -> bool:
    """Whether ``code`` may be a case tracking code: 1..64 of A-Z a-z 0-9 '-', no leading '-'.

    The main agency's format is its own; the registries only require a sane token.
    """
    return _CASE_TRACKING_CODE.fullmatch(code) is not None


def mask_national_code(code: str) -> str:
    """``"0012345684"`` → ``"001*****84"``: first three and last two digits shown."""
    return f"{code[:3]}*****{code[-2:]}"
