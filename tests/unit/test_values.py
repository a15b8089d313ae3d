"""Value objects are shared by copies of their aggregate, so they must be immutable all the
way down; a copied aggregate is still independent of the one it was copied from."""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from uuid import UUID

import pytest

from aggregates.service_case import TimelineEntry
from aggregates.stages import Stage
from aggregates.values import VALUE_OBJECTS, value_object
from tests.unit.test_service_case import RECEIVE, open_case

_ATOMS = (str, int, float, bool, bytes, type(None), datetime, date, timedelta, UUID)


def _immutable(hint: typing.Any) -> bool:
    origin = typing.get_origin(hint)
    if origin is tuple:
        return all(a is Ellipsis or _immutable(a) for a in typing.get_args(hint))
    if origin is types.MappingProxyType:  # read-only, over a dict nobody else holds
        return all(_immutable(a) for a in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return all(_immutable(a) for a in typing.get_args(hint))
    if origin is not None:  # list, dict, Mapping, set, ...
        return False
    if not isinstance(hint, type):
        return False  # Any, a TypeVar, ...
    return issubclass(hint, (*_ATOMS, Enum)) or hint in VALUE_OBJECTS


def test_every_value_object_holds_only_immutable_values() -> None:
    assert len(VALUE_OBJECTS) >= 8
    for cls in VALUE_OBJECTS:
        hints = typing.get_type_hints(cls, vars(__import__(cls.__module__, fromlist=["_"])))
        for field in dataclasses.fields(cls):
            assert _immutable(hints[field.name]), f"{cls.__name__}.{field.name}"


def test_only_frozen_dataclasses_may_be_marked() -> None:
    @dataclasses.dataclass
    class Mutable:
        items: list[str]

    with pytest.raises(TypeError, match="frozen dataclass"):
        value_object(Mutable)


def test_a_copy_shares_the_values_and_not_the_state() -> None:
    case = open_case()
    entry = TimelineEntry("step_recorded", Stage.REQUEST, "s", "", "MIMT", datetime.now(UTC))
    assert copy.deepcopy(entry) is entry
    twin = copy.deepcopy(case)
    assert twin is not case and twin.timeline == case.timeline
    assert all(a is b for a, b in zip(twin.timeline, case.timeline, strict=True))
    twin.record_step(RECEIVE, by="clerk-7")
    assert [e.step for e in twin.timeline][-1] == RECEIVE
    assert len(twin.timeline) == len(case.timeline) + 1
    assert not case.pending_events and twin.pending_events  # the command changed the twin only
