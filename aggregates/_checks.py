"""Small checks shared by the aggregates: free text, whole numbers, the acting party."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any
from uuid import UUID

from aggregates.errors import InvalidInput, Violation

# Namespace of Tabadol's deterministic aggregate ids (uuid5 of "urn:tabadol:aggregates");
# never change it: the ids of stored aggregates derive from it.
NAMESPACE = UUID("5d8fe1e4-93c8-5f06-8c65-aff601227109")

SHORT_TEXT = 200
LONG_TEXT = 1000


def visible(text: str) -> str:
    """``text`` without what does not show: format characters (RLM, LRM, ZWJ, ZWNJ, BOM,
    word joiner, bidi controls), other control characters and spaces of any kind. A
    required field that is empty after this is empty (ZWNJ inside a word is kept by the
    caller: only the emptiness is judged here)."""
    return "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")
    )


def check_text(
    violations: list[Violation],
    field: str,
    value: Any,
    *,
    max_length: int,
    required: bool = True,
    what: str = "",
) -> str:
    """``value`` stripped; a violation is recorded when it is missing or too long."""
    label = what or field.rsplit(".", 1)[-1].replace("_", " ")
    if not isinstance(value, str):
        violations.append(Violation(field, f"{label} must be text"))
        return ""
    text = value.strip()
    if required and not visible(text):
        violations.append(Violation(field, f"{label} is required"))
    elif len(text) > max_length:
        violations.append(
            Violation(field, f"{label} must be at most {max_length} characters, got {len(text)}")
        )
    return text


def check_int(
    violations: list[Violation], field: str, value: Any, low: int, high: int, what: str
) -> int:
    """``value`` when it is a whole number in ``low..high``; else a violation is recorded."""
    if isinstance(value, bool) or not isinstance(value, int):
        violations.append(Violation(field, f"{what} must be a whole number"))
        return 0
    if not low <= value <= high:
        violations.append(Violation(field, f"{what} must be between {low} and {high}, got {value}"))
    return value


def raise_if_any(violations: list[Violation]) -> None:
    """Raise one :class:`InvalidInput` carrying every violation, if there are any."""
    if violations:
        raise InvalidInput(*violations)


def check_actor(violations: list[Violation], by: Any) -> str:
    """Who acts (a user or system id, recorded in every event) must be given."""
    return check_text(violations, "by", by, max_length=SHORT_TEXT, what="the acting party")


def check_change(by: Any, reason: Any, *, max_length: int = 500) -> tuple[str, str]:
    """Who acts and why (both required, recorded in the event), or InvalidInput."""
    violations: list[Violation] = []
    by = check_actor(violations, by)
    reason = check_text(violations, "reason", reason, max_length=max_length)
    raise_if_any(violations)
    return by, reason


def check_parsed(
    violations: list[Violation], parse: Callable[[str, str], object], text: Any, field: str
) -> str:
    """The canonical text of an identifier parsed with ``parse(text, field)``; on failure
    its violations are recorded and '' is returned."""
    if not isinstance(text, str):
        violations.append(Violation(field, "must be text"))
        return ""
    try:
        return str(parse(text, field))
    except InvalidInput as error:
        violations.extend(error.violations)
        return ""
