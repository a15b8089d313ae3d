"""Complete bundles: the checkpoint's aggregate map proves a record's events are all there.

The reproduction of issue 14: a case bundle cut to its first 3 of 14 events verified OK.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.application.hub import TabadolHub
from hub.audit.bundles import build_bundle
from hub.audit.checkpoints import AuditLog, Checkpointer, checkpoint_store_for
from hub.audit.export import open_recorder
from hub.config import store_env
from hub.trail.bundle import BundleError, EvidenceBundle, verify_bundle
from hub.trail.envelope import Envelope
from hub.trail.keys import KeyHistory, PublicKeyRing, init_keys, load_history, load_signer
from tests.integration.test_projections_cases import CaseFactory
from tests.samples import applicant


@dataclass
class Store:
    hub: TabadolHub
    log: AuditLog
    keys: Path
    private: Path
    case: str
    inquiry: str

    @property
    def history(self) -> KeyHistory:
        return load_history(self.keys)

    @property
    def ring(self) -> PublicKeyRing:
        return PublicKeyRing.load(self.keys)

    def checkpoint(self) -> None:
        Checkpointer(self.log, load_signer(self.private)).sign()

    def bundle(self, subject: str) -> EvidenceBundle:
        return build_bundle(self.log, subject, self.history)


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    private, public = tmp_path / "hub.pem", tmp_path / "public-keys.json"
    signer = init_keys(private, public)
    hub = TabadolHub(signer, env=store_env(store_url))
    factory = CaseFactory(hub)
    case = factory.run("rated", applicant(51), score=5).tracking_code
    factory.run("rejected", applicant(52))
    history = load_history(public)
    recorder = open_recorder(store_url)
    log = AuditLog(
        recorder,
        checkpoint_store_for(recorder),
        origin=history.origin,
        keys=PublicKeyRing.from_history(history),
    )
    inquiry = next(
        e.event for e in log.select(case) if e.event.topic == "tabadol.service_case.inquiry_made"
    )
    code = json.loads(Envelope.from_bytes(inquiry.state).payload)["inquiry_tracking_code"]
    result = Store(hub, log, public, private, case, code)
    result.checkpoint()
    yield result
    hub.close()


def _cut(bundle: EvidenceBundle, keep: slice) -> bytes:
    return dataclasses.replace(bundle, events=bundle.events[keep]).to_json().encode()


def test_a_complete_case_bundle_and_the_issue_14_reproduction(store: Store) -> None:
    bundle = store.bundle(store.case)  # opened … delivered, rated
    n = len(bundle.events)
    assert [e.event.version for e in bundle.events] == list(range(1, n + 1)) and n >= 10
    report = verify_bundle(bundle.to_json().encode(), store.ring)
    assert report.complete and report.kind == "case" and report.events == n
    with pytest.raises(
        BundleError, match=rf"versions 1–3, .* had {n} events .* version 4–{n} missing"
    ):
        verify_bundle(_cut(bundle, slice(0, 3)), store.ring)  # keep only the first 3
    with pytest.raises(BundleError, match=rf"version {n} missing \(the end of the record was cut"):
        verify_bundle(_cut(bundle, slice(0, n - 1)), store.ring)  # drop `rated`
    with pytest.raises(BundleError, match=r"versions 1–1 are missing \(the start"):
        verify_bundle(_cut(bundle, slice(1, None)), store.ring)
    middle = bundle.events[:5] + bundle.events[6:]
    with pytest.raises(BundleError, match="version 6 is missing"):
        verify_bundle(dataclasses.replace(bundle, events=middle).to_json().encode(), store.ring)


def test_the_map_entry_cannot_be_edited_or_dropped(store: Store) -> None:
    bundle = store.bundle(store.case)
    proof = bundle.aggregate_map
    assert proof is not None and proof.entry.version == len(bundle.events)
    older = dataclasses.replace(proof, entry=dataclasses.replace(proof.entry, version=3))
    with pytest.raises(BundleError, match="not in the checkpoint's aggregate map"):
        verify_bundle(
            dataclasses.replace(bundle, events=bundle.events[:3], aggregate_map=older)
            .to_json()
            .encode(),
            store.ring,
        )
    with pytest.raises(BundleError, match="carries no aggregate map proof"):
        verify_bundle(dataclasses.replace(bundle, aggregate_map=None).to_json().encode())


def test_a_bundle_is_complete_up_to_its_checkpoint(store: Store) -> None:
    code = _open(store)
    store.checkpoint()
    store.hub.cases.record_step(code, "ثبت درخواست", by="MOJ")  # after the checkpoint
    bundle = store.bundle(code)
    assert [e.event.version for e in bundle.events] == [1]
    report = verify_bundle(bundle.to_json().encode(), store.ring)
    assert report.complete and report.tree_size == store.log.checkpoint().tree_size


def _open(store: Store) -> str:
    return store.hub.cases.open_case(
        "13021000101", applicant(53), channel="web", postal_code="1316943891", by="MOJ"
    ).tracking_code


def test_inquiry_consultation_and_petition_codes_are_records_not_positions(store: Store) -> None:
    consultation = store.hub.consultations.request_consultation(
        unit="دفتر حقوقی", kind="bill", participation_type="survey", by="MOJ"
    ).tracking_code
    petition = store.hub.petitions.submit_petition(
        kind="request", topic="tax", subject="درخواست", body="متن", by="MYGOV"
    ).tracking_code
    store.checkpoint()
    for code, kind in (
        (store.inquiry, "inquiry"),
        (consultation, "consultation"),
        (petition, "petition"),
    ):
        bundle = store.bundle(code)
        report = verify_bundle(bundle.to_json().encode(), store.ring)
        assert (report.kind, report.subject, report.complete) == (kind, code, True)
    assert len(store.inquiry) == 16 and store.inquiry.isdigit()


def test_an_event_bundle_claims_only_its_event(store: Store) -> None:
    first = store.log.select(store.case)[0].event
    bundle = store.bundle(first.event_id)
    assert bundle.aggregate_map is None
    report = verify_bundle(bundle.to_json().encode(), store.ring)
    assert not report.complete and report.kind == "event"
