"""No copies of identity documents (000 circular items 1 and 4; 004 art. 12).

Agencies may not ask applicants for a copy (کپی، تصویر، اسکن …) of the national card
(کارت ملی) or the birth certificate (شناسنامه): identity is verified online with the
civil registry. :func:`mentions_identity_copy` recognises such a demand in a document
name or an e-form's text, in Persian (with or without the zero-width non-joiner, with
Arabic ي/ك, with diacritics or tatweel) and in English; the card or certificate asked
for as such counts too, since a paper card handed in is the same demand. "شناسنامه
خدمت" (the service record itself) and "کد ملی" (the national code, a form field) are
not identity documents and pass.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["IDENTITY_COPY_RULE", "mentions_identity_copy", "normalize_text"]

IDENTITY_COPY_RULE = (
    "no copy of the national card or the birth certificate may be asked for: identity is"
    " verified online (000 circular items 1 and 4; 004 art. 12) /"
    " درخواست تصویر کارت ملی یا شناسنامه ممنوع است؛ هویت برخط احراز می‌شود"
)

_ARABIC = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ؤ": "و",
        "ـ": "",  # tatweel
        "\u200c": "",  # zero-width non-joiner
        "\u200d": "",  # zero-width joiner
        "\u200e": "",
        "\u200f": "",
        "\ufeff": "",
        "_": " ",
        "-": " ",
        ".": " ",
        "/": " ",
        "(": " ",
        ")": " ",
        "«": " ",
        "»": " ",
        '"': " ",
        "'": " ",
        ",": " ",
        "،": " ",
    }
)


def normalize_text(text: str) -> str:
    """Lower case, Persian letters for Arabic ones, no ZWNJ, tatweel or diacritics, one
    space between words; camelCase split (``nationalCardCopy`` → ``national card copy``)."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC).lower()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip()


# Without the ZWNJ the Persian words run together ("کارتملی"), so spaces are optional.
_FA_CARD = r"کارت ?(?:هوشمند ?)?(?:شناسایی ?)?ملی"
# "شناسنامه" followed by a thing's name is that thing's record, not a person's certificate.
_NOT_A_PERSON = "خدمت|خدمات|فنی|ساختمان|ملک|خودرو|کالا|محصول|دارو|پروژه|طرح|شغل|سلامت"
_FA_BIRTH = rf"(?:صفحه ?(?:اول|دوم|نخست|[0-9۰-۹]+) ?)?شناسنامه(?! ?(?:{_NOT_A_PERSON}))"
_FA = re.compile(rf"{_FA_CARD}|{_FA_BIRTH}")
_COPY = r"(?:copy|copies|photocopy|photocopies|scan|scanned|image|photo|picture|duplicate)"
_EN_CARD = (
    r"national ?(?:identity |id |identification |smart )?card|identity card|melli card"
    rf"|kart ?e? ?melli|{_COPY} (?:of )?(?:the |your |an |applicant s )?id ?card"
)
_EN_BIRTH = r"birth ?certificate|shenasnameh|shenasname|birth ?cert\b|identity ?booklet"
_EN = re.compile(rf"\b(?:{_EN_CARD}|{_EN_BIRTH})")


def mentions_identity_copy(text: str) -> bool:
    """Whether ``text`` asks for the national card or the birth certificate (a copy,
    a scan, a photo or the document itself)."""
    normal = normalize_text(text)
    return bool(_FA.search(normal) or _EN.search(normal))
