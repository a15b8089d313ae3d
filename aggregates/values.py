"""Immutable value objects inside aggregates, which a copy of the aggregate shares.

The repository deep-copies an aggregate for every command (so a command that fails half
way leaves the cached one as it was). A frozen dataclass whose fields hold only immutable
values needs no copy: :func:`value_object` makes ``copy.deepcopy`` return the instance
itself, instead of rebuilding it and every datetime in it (a case's timeline is most of
what each command copied). tests/unit/test_values.py holds every marked class to the rule.
"""

from __future__ import annotations

import dataclasses
from copy import deepcopy
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

__all__ = ["VALUE_OBJECTS", "copy_sharing_values", "value_object"]

_T = TypeVar("_T", bound=type)
_O = TypeVar("_O")

VALUE_OBJECTS: list[type] = []
"""Every class marked with :func:`value_object` (for the test that checks their fields)."""
_SHARED = frozenset({str, int, float, bool, bytes, type(None), datetime, date, timedelta, UUID})


def _itself(self: Any, memo: dict[int, Any] | None = None) -> Any:
    return self


def value_object(cls: _T) -> _T:
    """Mark a frozen dataclass whose fields hold only str, numbers, enums, datetimes, tuples of
    them and other value objects: copies of it (deep or shallow) are the instance itself."""
    params = getattr(cls, "__dataclass_params__", None)
    if not dataclasses.is_dataclass(cls) or params is None or not params.frozen:
        raise TypeError(f"{cls.__name__}: a value object is a frozen dataclass")
    cls.__deepcopy__ = _itself  # type: ignore[attr-defined]
    cls.__copy__ = _itself  # type: ignore[attr-defined]
    VALUE_OBJECTS.append(cls)
    return cls


def copy_sharing_values(obj: _O, memo: dict[int, Any]) -> _O:
    """A deep copy of ``obj`` (an aggregate's ``__deepcopy__``) that shares its immutable
    attributes (str, numbers, datetimes, UUIDs, enums, value objects) and deep-copies the
    rest (lists, dicts, sets, tuples), as ``copy.deepcopy`` would."""
    cls = type(obj)
    twin = cls.__new__(cls)
    memo[id(obj)] = twin
    state = twin.__dict__
    for name, value in obj.__dict__.items():
        kind = type(value)
        shared = (
            kind in _SHARED or isinstance(value, Enum) or getattr(kind, "__copy__", None) is _itself
        )
        state[name] = value if shared else deepcopy(value, memo)
    return twin
