"""The national window checks its feed entries against the signed log; a forged one fails."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.application.hub import TabadolHub
from hub.audit.checkpoints import AuditLog, Checkpointer, checkpoint_store_for
from hub.audit.export import open_recorder
from hub.config import APP_NAME, store_env
from hub.trail.feed import FEED_TOPICS, FeedEntryForged, FeedEvidence, verify_feed_entry
from hub.trail.keys import PublicKeyRing, init_keys, load_history
from hub.trail.pseudonyms import WINDOW_SUBJECT, Pseudonymiser
from projections._sql import catch_up, open_view
from projections.window_feed import WindowFeedProjection, WindowFeedView
from tests.integration.test_projections_cases import CaseFactory
from tests.samples import applicant


@dataclasses.dataclass
class Window:
    entries: list[dict[str, Any]]
    log: AuditLog
    keys: PublicKeyRing

    def evidence(self, position: int) -> FeedEvidence:
        """What AuditService.GetInclusionProof(position=…) answers."""
        (logged,) = self.log.select(str(position), kind="position")
        inclusion = self.log.inclusion([logged])
        ((event, proof),) = inclusion.proofs
        e = event.event
        return FeedEvidence(
            inclusion.checkpoint.note,
            e.position,
            event.log_index,
            e.aggregate_id,
            e.version,
            e.topic,
            e.state,
            tuple(proof),
        )


@pytest.fixture
def window(tmp_path: Path) -> Iterator[Window]:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    signer = init_keys(tmp_path / "hub.pem", tmp_path / "public-keys.json")
    hub = TabadolHub(signer, env=store_env(url))
    factory = CaseFactory(hub)
    factory.run("rated", applicant(41), score=4)
    factory.run("rejected", applicant(42))
    view = open_view(
        WindowFeedView,
        "window_feed",
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "v.db")},
    )
    projection = WindowFeedProjection.keyed(Pseudonymiser(b"k" * 32, WINDOW_SUBJECT))(view)
    catch_up(projection, hub.recorder, hub.mapper, APP_NAME)
    history = load_history(tmp_path / "public-keys.json")
    recorder = open_recorder(url)
    log = AuditLog(recorder, checkpoint_store_for(recorder), origin=history.origin)
    Checkpointer(log, signer).sign()
    yield Window(
        [e.to_dict() for e in view.entries(0, 1000)], log, PublicKeyRing.from_history(history)
    )
    hub.close()


def test_every_feed_entry_checks_against_the_signed_log(window: Window) -> None:
    kinds = {e["kind"] for e in window.entries}
    assert {
        "started",
        "step_recorded",
        "stage_completed",
        "delivered",
        "rated",
        "rejected",
    } <= kinds
    for entry in window.entries:
        check = verify_feed_entry(entry, window.evidence(entry["position"]), window.keys)
        assert "at" in check.checked and check.unchecked == ("subject",)
        assert check.tree_size == window.log.size


def _forge(window: Window, of: str, **changes: object) -> str:
    entry = next(e for e in window.entries if e["kind"] == of)
    evidence = window.evidence(entry["position"])
    with pytest.raises(FeedEntryForged) as caught:
        verify_feed_entry({**entry, **changes}, evidence, window.keys)
    return str(caught.value)


def test_a_forged_feed_entry_is_caught(window: Window) -> None:
    assert "the log holds a 'tabadol.service_case.rejected' event" in _forge(
        window, "rejected", kind="delivered", in_person=False
    )
    rejected = next(e for e in window.entries if e["kind"] == "rejected")["tracking_code"]
    other = next(e["tracking_code"] for e in window.entries if e["tracking_code"] != rejected)
    assert "belongs to another aggregate" in _forge(window, "rejected", tracking_code=other)
    assert "score is 5, the event's is 4" in _forge(window, "rated", score=5)
    assert "time" in _forge(window, "delivered", at="2026-01-01T00:00:00.000000Z")
    assert "step" in _forge(window, "step_recorded", step="جعلی")


def test_a_forged_proof_or_a_moved_position_is_caught(window: Window) -> None:
    entry = next(e for e in window.entries if e["kind"] == "delivered")
    evidence = window.evidence(entry["position"])
    with pytest.raises(FeedEntryForged, match="not in the signed log"):
        verify_feed_entry(
            entry, dataclasses.replace(evidence, topic=FEED_TOPICS["rated"]), window.keys
        )
    with pytest.raises(FeedEntryForged, match="the proof is for the event at position"):
        verify_feed_entry({**entry, "position": entry["position"] + 1}, evidence, window.keys)
    forged_note = evidence.checkpoint.replace("\n\n", "\nextra\n\n", 1)
    with pytest.raises(FeedEntryForged, match="checkpoint does not verify"):
        verify_feed_entry(entry, dataclasses.replace(evidence, checkpoint=forged_note), window.keys)


def test_the_feed_topics_are_the_case_events() -> None:
    from aggregates.service_case import ServiceCase

    assert set(FEED_TOPICS.values()) == set(WindowFeedProjection.topics)
    assert FEED_TOPICS["started"] == ServiceCase.Opened.TOPIC
