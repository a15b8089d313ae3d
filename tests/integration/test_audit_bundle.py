"""Evidence bundles: a case's record proven offline, and any changed byte refused."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate, event

from aggregates.errors import InvalidInput, TransitionRefused
from hub.application.hub import TabadolHub
from hub.audit.bundles import build_bundle
from hub.audit.checkpoints import AuditLog, Checkpointer, checkpoint_store_for
from hub.audit.export import open_recorder
from hub.config import store_env
from hub.servicers.convert import spec_from_proto
from hub.trail.bundle import BundleError, verify_bundle
from hub.trail.keys import (
    KeyHistory,
    PublicKeyRing,
    init_keys,
    load_history,
    load_signer,
    rotate_keys,
)
from hub.trail.verify import TrailEvent
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

STEP = "ثبت درخواست"


class Memo(Aggregate):
    TOPIC = "test.bundle.memo"

    class Created(Aggregate.Created):
        TOPIC = "test.bundle.memo.created"

    @event("Noted", topic="test.bundle.memo.noted")
    def note(self, text: str) -> None:
        pass


@dataclass
class Hub:
    hub: TabadolHub
    log: AuditLog
    keys: Path
    private: Path
    codes: list[str]

    @property
    def history(self) -> KeyHistory:
        return load_history(self.keys)

    def checkpoint(self) -> None:
        Checkpointer(self.log, load_signer(self.private)).sign()


def open_log(url: str, keys: Path) -> AuditLog:
    history = load_history(keys)
    recorder = open_recorder(url)
    return AuditLog(
        recorder,
        checkpoint_store_for(recorder),
        origin=history.origin,
        keys=PublicKeyRing.from_history(history),
    )


@pytest.fixture
def envelope_version() -> int:
    return 2


@pytest.fixture
def hub(store_url: str, tmp_path: Path, envelope_version: int) -> Iterator[Hub]:
    private, public = tmp_path / "keys" / "hub.pem", tmp_path / "keys" / "public-keys.json"
    signer = init_keys(private, public)
    env = {**store_env(store_url), "ENVELOPE_VERSION": str(envelope_version)}
    app = TabadolHub(signer, env=env)
    app.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    codes = []
    for serial in (31, 32):
        case = app.cases.open_case(
            SERVICE_CODE, applicant(serial), channel="web", postal_code="1316943891", by=AGENCY
        )
        app.cases.record_step(case.tracking_code, STEP, by=AGENCY)
        codes.append(case.tracking_code)
    result = Hub(app, open_log(store_url, public), public, private, codes)
    result.checkpoint()
    yield result
    app.close()


def test_a_case_bundle_verifies_offline(hub: Hub, tmp_path: Path) -> None:
    bundle = build_bundle(hub.log, hub.codes[1].lower().replace("-", ""), hub.history)
    assert bundle.subject == hub.codes[1]  # canonical form
    assert [e.event.version for e in bundle.events] == [1, 2]
    data = bundle.to_json().encode()
    pinned = verify_bundle(data, PublicKeyRing.load(hub.keys))
    assert pinned.pinned and pinned.events == 2 and pinned.tree_size == 5
    assert pinned.key_id == hub.history.current.key_id
    assert not verify_bundle(data).pinned
    assert "state" in json.loads(data)["events"][0] and "position" not in data.decode()


def test_every_changed_byte_is_refused(hub: Hub) -> None:
    data = build_bundle(hub.log, hub.codes[0], hub.history).to_json().encode()
    trusted = PublicKeyRing.load(hub.keys)
    verify_bundle(data, trusted)
    accepted = []
    for i in range(len(data)):
        for mask in (0x01, 0x20):
            changed = bytearray(data)
            changed[i] ^= mask
            try:
                verify_bundle(bytes(changed), trusted)
            except BundleError:
                continue
            accepted.append((i, mask, data[max(0, i - 20) : i + 20]))
    assert not accepted, accepted[:5]


@pytest.mark.parametrize("envelope_version", [1])
def test_a_v1_events_bundle_carries_its_chain_up_to_the_signed_event(hub: Hub) -> None:
    memo = Memo()
    memo.note(text="a")
    memo.note(text="b")
    hub.hub.save(memo)  # one transaction: versions 1 and 2 unsigned, 3 signed
    hub.checkpoint()
    bundle = build_bundle(hub.log, f"{memo.id}:1", hub.history)
    assert [e.event.version for e in bundle.events] == [1, 2, 3]
    report = verify_bundle(bundle.to_json().encode(), PublicKeyRing.load(hub.keys))
    assert report.subject == f"{memo.id}:1" and report.events == 3
    position = bundle.events[1].event.position
    by_position = build_bundle(hub.log, str(position), hub.history)
    assert by_position.subject == f"{memo.id}:2"
    lone = build_bundle(hub.log, f"{memo.id}:3", hub.history)
    trimmed = dataclasses.replace(lone, events=lone.events[2:])
    with pytest.raises(BundleError, match="version 1 is missing"):
        verify_bundle(trimmed.to_json().encode())


def test_a_v2_event_of_a_batch_is_evidence_on_its_own(hub: Hub) -> None:
    memo = Memo()
    memo.note(text="a")
    memo.note(text="b")
    hub.hub.save(memo)  # one transaction, one signature over the batch's tree
    hub.checkpoint()
    first = build_bundle(hub.log, f"{memo.id}:1", hub.history)
    assert [e.event.version for e in first.events] == [1]  # its path is in its envelope
    report = verify_bundle(first.to_json().encode(), PublicKeyRing.load(hub.keys))
    assert report.subject == f"{memo.id}:1" and report.events == 1
    second = build_bundle(hub.log, f"{memo.id}:2", hub.history)
    assert [e.event.version for e in second.events] == [1, 2]  # the chain from version 1
    assert verify_bundle(second.to_json().encode(), PublicKeyRing.load(hub.keys)).events == 2


def test_a_bundle_across_a_key_rotation(hub: Hub, store_url: str) -> None:
    older_keys = PublicKeyRing.load(hub.keys)  # the auditor's copy, from before the rotation
    _, new, _ = rotate_keys(hub.private, hub.keys, from_size=hub.log.sync())
    hub.hub.close()
    restarted = TabadolHub(new, env=store_env(store_url))
    restarted.cases.cancel(hub.codes[0], reason="انصراف", by=AGENCY)
    restarted.close()
    log = open_log(store_url, hub.keys)
    assert Checkpointer(log, new).sign() is not None
    bundle = build_bundle(log, hub.codes[0], load_history(hub.keys))
    data = bundle.to_json().encode()
    report = verify_bundle(data, older_keys)  # the newer history extends the auditor's
    assert report.key_id == new.key_id and report.events == 3
    assert len(bundle.keys.entries) == 2


def test_a_bundle_from_another_hub_is_refused(hub: Hub, tmp_path: Path) -> None:
    data = build_bundle(hub.log, hub.codes[0], hub.history).to_json().encode()
    other = tmp_path / "other.json"
    init_keys(tmp_path / "other.pem", other)
    with pytest.raises(BundleError, match="does not match yours"):
        verify_bundle(data, PublicKeyRing.load(other))


def test_bundles_wait_for_a_checkpoint(hub: Hub) -> None:
    case = hub.hub.cases.open_case(
        SERVICE_CODE, applicant(33), channel="web", postal_code="1316943891", by=AGENCY
    )
    with pytest.raises(InvalidInput, match="newer than the latest signed checkpoint"):
        build_bundle(hub.log, case.tracking_code, hub.history)
    memo = Memo()
    hub.hub.save(memo)
    with pytest.raises(TransitionRefused, match="not yet covered"):
        build_bundle(hub.log, f"{memo.id}:1", hub.history)
    with pytest.raises(InvalidInput, match="subject"):
        build_bundle(hub.log, "C-0000-0000-0000-1", hub.history)


def test_a_bundle_whose_subject_is_not_inside_is_refused(hub: Hub) -> None:
    bundle = build_bundle(hub.log, hub.codes[0], hub.history)
    other = build_bundle(hub.log, hub.codes[1], hub.history)
    swapped = dataclasses.replace(bundle, subject=other.subject)
    with pytest.raises(BundleError, match="map proof is for another aggregate than case"):
        verify_bundle(swapped.to_json().encode())
    both = dataclasses.replace(swapped, aggregate_map=other.aggregate_map)
    with pytest.raises(BundleError, match="holds no event of case"):
        verify_bundle(both.to_json().encode())


def test_a_store_with_checkpoints_verifies_the_same_over_two_processes(
    hub: Hub, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tree and the aggregate map against the store's signed checkpoints, parts of
    two events joined in order: the same lines as one process."""
    from hub.audit import verification

    monkeypatch.setattr(verification, "PART_EVENTS", 2)
    memo = Memo()
    memo.note(text="a")
    hub.hub.save(memo)
    hub.checkpoint()
    keys = PublicKeyRing.load(hub.keys)
    alone = verification.verify_source(store_url, keys)
    together = verification.verify_source(store_url, keys, jobs=2)
    assert alone[0] and together == alone
    assert any("checkpoints: 2 signed checkpoints match" in line for line in alone[1])


def test_a_bundle_reads_no_event_again_when_the_log_grew_past_its_checkpoint(hub: Hub) -> None:
    """``tabadol audit bundle`` on a log grown past its checkpoint: the checkpoint's
    aggregate map comes from each aggregate's latest version in the store and the tree's
    leaf hashes, not from a second pass over the log (``watch`` would see it)."""
    hub.hub.cases.open_case(
        SERVICE_CODE, applicant(34), channel="web", postal_code="1316943891", by=AGENCY
    )
    seen: list[int] = []

    def watch(events: Iterator[TrailEvent]) -> Iterator[TrailEvent]:
        for e in events:
            seen.append(e.position)
            yield e

    assert hub.log.sync(watch) == 6 and len(seen) == 1  # only what is new since the last sync
    seen.clear()
    bundle = build_bundle(hub.log, hub.codes[0], hub.history, watch=watch)
    assert [e.event.version for e in bundle.events] == [1, 2]
    assert seen == []  # no pass over the log: the map from the store and the tiles
