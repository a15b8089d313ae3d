"""The national-window feed's allow-list: every field of every event it reads is classified,
and the keyed pseudonym is stable, keyed and not the national code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from eventsourcing.utils import resolve_topic

from aggregates.jalali import to_persian_digits
from hub.trail.pseudonyms import WINDOW_SUBJECT, Pseudonymiser, load_pseudonym_key
from projections.window_feed import (
    CONTENT_FIELDS,
    FEED_FIELDS,
    FRAMEWORK_FIELDS,
    PERSONAL_FIELDS,
    UNUSED_FIELDS,
    WindowFeedProjection,
)
from tests.samples import applicant

GROUPS = {
    "feed": FEED_FIELDS,
    "personal": PERSONAL_FIELDS,
    "content": CONTENT_FIELDS,
    "unused": UNUSED_FIELDS,
    "framework": FRAMEWORK_FIELDS,
}


@pytest.mark.parametrize("topic", WindowFeedProjection.topics)
def test_every_field_of_a_feed_event_is_classified(topic: str) -> None:
    names = {f.name for f in dataclasses.fields(resolve_topic(topic))}
    unclassified = names - set().union(*GROUPS.values())
    assert not unclassified, f"{topic}: classify {sorted(unclassified)} in projections.window_feed"


def test_no_field_is_in_two_groups() -> None:
    seen: dict[str, str] = {}
    for group, names in GROUPS.items():
        for name in names:
            assert name not in seen, f"{name} is both {seen[name]} and {group}"
            seen[name] = group
    assert "applicant_national_code" in PERSONAL_FIELDS and "note" in CONTENT_FIELDS


def test_a_pseudonym_is_stable_keyed_and_reveals_nothing() -> None:
    code = applicant(1234)
    one, other = Pseudonymiser(b"a" * 32, WINDOW_SUBJECT), Pseudonymiser(b"b" * 32, WINDOW_SUBJECT)
    assert one(code) == one(to_persian_digits(code)) == one(f" {code} ")
    assert one(code) != other(code) and one(code) != one(applicant(1235))
    assert len(one(code)) == 32 and int(one(code), 16) >= 0
    assert code not in one(code) and "a" * 32 not in repr(one)
    with pytest.raises(ValueError, match="32 bytes"):
        Pseudonymiser(b"short", WINDOW_SUBJECT)


def test_the_window_subject_cannot_be_linked_to_the_participant_pseudonym(
    tmp_path: Path,
) -> None:
    key = load_pseudonym_key(tmp_path / "pseudonym.key", create=True)  # one hub secret
    code = applicant(1234)
    assert Pseudonymiser(key, WINDOW_SUBJECT)(code) != Pseudonymiser(key)(code)
