"""Offline verification catches every kind of tampering and names the first bad event."""

from __future__ import annotations

import base64
import json
import sqlite3
from functools import partial
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.application.hub import TabadolHub
from hub.audit import verification
from hub.audit.export import export_trail, read_trail
from hub.ledger.signing import Succeeded
from hub.servicers.convert import spec_from_proto
from hub.trail.envelope import Envelope, event_hash, signed_message
from hub.trail.keys import PublicKeyRing, Signer
from hub.trail.verify import verify_trail
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto


@pytest.fixture(params=["v1", "v2", "v2-grouped"])
def store(request: pytest.FixtureRequest, tmp_path: Path, signer: Signer) -> str:
    """An SQLite store holding a record and three cases, each opened, stepped and cancelled:
    envelope version 1, version 2 with one transaction per command, or version 2 with the
    three cases' commands group-committed (batches of three events under one signature)."""
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    from hub.config import store_env

    version = "1" if request.param == "v1" else "2"
    hub = TabadolHub(signer, env={**store_env(url), "ENVELOPE_VERSION": version})
    hub.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    if request.param == "v2-grouped":
        serials = (11, 12, 13)
        opened = hub.run_group(
            [
                partial(
                    hub.cases.open_case,
                    SERVICE_CODE,
                    applicant(s),
                    channel="web",
                    postal_code="1316943891",
                    by=AGENCY,
                )
                for s in serials
            ]
        )
        codes = [o.value.tracking_code for o in opened if isinstance(o, Succeeded)]
        assert len(codes) == 3
        for step in (
            partial(hub.cases.record_step, step="ثبت درخواست", by=AGENCY),
            partial(hub.cases.cancel, reason="انصراف متقاضی", by=AGENCY),
        ):
            outcomes = hub.run_group([partial(step, code) for code in codes])
            assert all(isinstance(o, Succeeded) for o in outcomes)
    else:
        for serial in (11, 12, 13):
            case = hub.cases.open_case(
                SERVICE_CODE, applicant(serial), channel="web", postal_code="1316943891", by=AGENCY
            )
            hub.cases.record_step(case.tracking_code, "ثبت درخواست", by=AGENCY)
            hub.cases.cancel(case.tracking_code, reason="انصراف متقاضی", by=AGENCY)
    hub.close()
    return url


def lines_of(store: str, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / "trail.jsonl"
    with out.open("w") as f:
        export_trail(store, f)
    return [json.loads(line) for line in out.read_text().splitlines()]


def verify_lines(lines: list[dict[str, object]], tmp_path: Path, ring: PublicKeyRing) -> str:
    path = tmp_path / "tampered.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = verify_trail(read_trail(str(path)), ring, indexed=True)
    return str(report.problem) if report.problem else ""


def test_an_untouched_trail_verifies_from_the_store_and_from_an_export(
    store: str, tmp_path: Path, ring: PublicKeyRing, request: pytest.FixtureRequest
) -> None:
    direct = verify_trail(read_trail(store), ring)
    assert direct.ok and direct.events == 10 and direct.aggregates == 4
    # one signature per transaction: ten alone, or the record and three batches of three
    assert direct.signatures == (4 if request.node.callspec.params["store"] == "v2-grouped" else 10)
    assert verify_lines(lines_of(store, tmp_path), tmp_path, ring) == ""


def test_a_changed_byte_is_caught_at_that_event(
    store: str, tmp_path: Path, ring: PublicKeyRing
) -> None:
    lines = lines_of(store, tmp_path)
    state = bytearray(base64.b64decode(str(lines[5]["state"])))
    state[-3] ^= 0x01
    lines[5]["state"] = base64.b64encode(bytes(state)).decode()
    problem = verify_lines(lines, tmp_path, ring)
    assert f"log index {lines[5]['index']}" in problem and "the record was altered" in problem


def test_a_deleted_event_is_caught_at_the_next_event_of_its_aggregate(
    store: str, tmp_path: Path, ring: PublicKeyRing
) -> None:
    lines = lines_of(store, tmp_path)
    victim = next(i for i, line in enumerate(lines[1:], 1) if line["version"] == 2)
    aggregate, index = lines[victim]["aggregate_id"], lines[victim]["index"]
    del lines[victim]
    problem = verify_lines(lines, tmp_path, ring)
    assert f"events were removed: log index {index} is missing" in problem
    renumbered = [lines[0], *({**line, "index": i} for i, line in enumerate(lines[1:]))]
    problem = verify_lines(renumbered, tmp_path, ring)  # the indexes hidden: the chain tells
    assert f"aggregate {aggregate} version 3" in problem and "version 2 is missing" in problem


def test_two_swapped_events_are_caught(store: str, tmp_path: Path, ring: PublicKeyRing) -> None:
    lines = lines_of(store, tmp_path)
    i = next(i for i, line in enumerate(lines[1:], 1) if line["version"] == 2)
    j = next(
        j
        for j, line in enumerate(lines)
        if line.get("aggregate_id") == lines[i]["aggregate_id"] and line.get("version") == 3
    )
    lines[i]["state"], lines[j]["state"] = lines[j]["state"], lines[i]["state"]
    lines[i]["topic"], lines[j]["topic"] = lines[j]["topic"], lines[i]["topic"]
    problem = verify_lines(lines, tmp_path, ring)
    assert f"log index {lines[i]['index']}" in problem and "chain broken" in problem


def test_a_signature_from_an_unknown_key_is_named(
    store: str, tmp_path: Path, ring: PublicKeyRing
) -> None:
    lines = lines_of(store, tmp_path)
    line = lines[2]
    envelope = Envelope.from_bytes(base64.b64decode(str(line["state"])))
    forger = Signer(Ed25519PrivateKey.generate())
    digest = event_hash(
        envelope.prev_hash,
        str(line["aggregate_id"]),
        int(str(line["version"])),
        str(line["topic"]),
        envelope.payload,
    )
    forged = Envelope(
        forger.key_id,
        envelope.prev_hash,
        forger.sign(signed_message(forger.key_id, digest)),
        envelope.payload,
    )
    line["state"] = base64.b64encode(forged.to_bytes()).decode()
    problem = verify_lines(lines, tmp_path, ring)
    assert f"log index {line['index']}" in problem and f"unknown key '{forger.key_id}'" in problem
    # and a trail checked against the wrong key file fails at its first event
    assert "unknown key" in verify_lines(
        lines_of(store, tmp_path), tmp_path, PublicKeyRing.of(forger.public_key)
    )


def test_tampering_inside_the_sqlite_file_is_caught(store: str, ring: PublicKeyRing) -> None:
    path = store.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        (state,) = db.execute("SELECT state FROM stored_events WHERE rowid = 2").fetchone()
        assert b'"web"' in state  # the case's Opened event, in clear
        db.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = 2",
            (state.replace(b'"web"', b'"api"'),),
        )
    report = verify_trail(read_trail(path), ring)
    assert report.problem is not None and report.problem.position == 2
    assert "the record was altered" in report.problem.reason


def test_a_changed_payload_is_caught_at_exactly_that_event_wherever_it_sits(
    store: str, tmp_path: Path, ring: PublicKeyRing
) -> None:
    """First, middle or last of a batch (v2) or of a chain (v1): the problem names it."""
    lines = lines_of(store, tmp_path)
    for i in range(1, len(lines)):
        tampered = [dict(line) for line in lines]
        state = bytearray(base64.b64decode(str(lines[i]["state"])))
        state[-2] ^= 0x04
        tampered[i]["state"] = base64.b64encode(bytes(state)).decode()
        problem = verify_lines(tampered, tmp_path, ring)
        if Envelope.from_bytes(bytes(state)).signature is None:  # v1: found by its signer
            assert "the record was altered" in problem
            continue
        assert f"log index {lines[i]['index']}:" in problem, (i, problem)
        assert "the record was altered" in problem


def test_a_changed_batch_path_is_caught_at_that_event(
    store: str, tmp_path: Path, ring: PublicKeyRing
) -> None:
    lines = lines_of(store, tmp_path)
    grouped = [
        i
        for i, line in enumerate(lines[1:], 1)
        if (b := Envelope.from_bytes(base64.b64decode(str(line["state"]))).batch) and b.path
    ]
    for i in grouped:
        envelope = Envelope.from_bytes(base64.b64decode(str(lines[i]["state"])))
        assert envelope.batch is not None
        bad_path = (bytes(32), *envelope.batch.path[1:])
        forged = Envelope(
            envelope.key_id,
            envelope.prev_hash,
            envelope.signature,
            envelope.payload,
            type(envelope.batch)(envelope.batch.index, envelope.batch.size, bad_path),
        )
        tampered = [dict(line) for line in lines]
        tampered[i]["state"] = base64.b64encode(forged.to_bytes()).decode()
        problem = verify_lines(tampered, tmp_path, ring)
        assert f"log index {lines[i]['index']}:" in problem and "altered" in problem, problem


def test_verifying_in_parts_over_processes_agrees_with_one_process(
    store: str, tmp_path: Path, ring: PublicKeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts of two events (so links, batches and v1 chains cross part boundaries), two
    processes: the same report as one process, from the store and from an export; and a
    tampered export is named exactly as one process names it."""
    monkeypatch.setattr(verification, "PART_EVENTS", 2)
    export = tmp_path / "trail.jsonl"
    with export.open("w") as out:
        export_trail(store, out)
    sequential = verify_trail(read_trail(store), ring)
    for source, indexed in ((store, False), (str(export), True)):
        parallel = verification.verify_trail_parallel(source, ring, jobs=2, indexed=indexed)
        assert parallel.ok, parallel.problem
        assert (parallel.events, parallel.aggregates, parallel.signatures, parallel.root) == (
            sequential.events,
            sequential.aggregates,
            sequential.signatures,
            sequential.root,
        )
    lines = lines_of(store, tmp_path)
    victim = next(i for i, line in enumerate(lines[1:], 1) if line.get("version") == 2)
    del lines[victim]
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(json.dumps(line) + "\n" for line in lines))
    expected = verify_trail(read_trail(str(tampered)), ring, indexed=True).problem
    got = verification.verify_trail_parallel(str(tampered), ring, jobs=2, indexed=True).problem
    assert expected is not None and str(got) == str(expected)
