"""The `tabadol audit` and `tabadol keys` commands as an operator and an auditor run them.

ENTRY is the module run as ``tabadol``: ``hub.cli.audit`` mounts the same ``audit`` and
``keys`` parsers that ``hub.cli.main`` mounts, so these tests do not depend on the wiring.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hub.application.hub import TabadolHub
from hub.config import Settings, store_env
from hub.servicers.convert import spec_from_proto
from hub.trail.keys import load_signer
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

ENTRY = "hub.cli"
STEP = "ثبت درخواست"


def tabadol(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TABADOL_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", ENTRY, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(*args: str, data_dir: Path) -> str:
    result = tabadol(*args, data_dir=data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def add_cases(data_dir: Path, serials: range, *, register: bool = False) -> list[str]:
    """What the running hub would do: open and step cases in the data directory's store."""
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(data_dir)})
    hub = TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env())
    if register:
        hub.catalogue.register_service_record(
            SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY
        )
    codes = []
    for serial in serials:
        case = hub.cases.open_case(
            SERVICE_CODE, applicant(serial), channel="web", postal_code="1316943891", by=AGENCY
        )
        hub.cases.record_step(case.tracking_code, STEP, by=AGENCY)
        codes.append(case.tracking_code)
    hub.close()
    return codes


@pytest.fixture
def data(tmp_path: Path) -> Path:
    ok("keys", "init", data_dir=tmp_path)
    return tmp_path


def test_checkpoint_verify_and_an_evidence_bundle(data: Path) -> None:
    codes = add_cases(data, range(61, 64), register=True)
    note = ok("audit", "checkpoint", data_dir=data)
    assert note.splitlines()[1] == "7" and "\N{EM DASH} tabadol.gov.ir/hub/hub-" in note
    assert "nothing new" in ok("audit", "checkpoint", data_dir=data)
    verified = ok("audit", "verify", data_dir=data)
    assert "OK: 7 events" in verified and "1 signed checkpoints match" in verified

    bundle = data / "evidence.json"
    out = ok("audit", "bundle", codes[1], "-o", str(bundle), data_dir=data)
    assert f"wrote evidence for {codes[1]}: 2 events" in out
    keys = str(data / "keys" / "public-keys.json")
    checked = ok("audit", "verify-bundle", str(bundle), "--keys", keys, data_dir=data)
    assert checked.startswith(f"OK: {codes[1]}: 2 events")
    text = bundle.read_text()
    bundle.write_text(text.replace('"version": 2', '"version": 3'))
    failed = tabadol("audit", "verify-bundle", str(bundle), "--keys", keys, data_dir=data)
    assert failed.returncode == 1 and failed.stdout.startswith("FAILED:")

    wrong = tabadol("audit", "bundle", "C-0000", "-o", str(bundle), data_dir=data)
    assert wrong.returncode == 2 and "subject" in wrong.stderr


def test_consistency_of_two_checkpoints_an_auditor_kept(data: Path) -> None:
    add_cases(data, range(71, 73), register=True)
    old = data / "old.note"
    old.write_text(ok("audit", "checkpoint", data_dir=data))
    add_cases(data, range(73, 76))
    new = data / "new.note"
    new.write_text(ok("audit", "checkpoint", data_dir=data))
    out = ok("audit", "consistency", str(old), str(new), data_dir=data)
    assert out.startswith("OK: checkpoint of size 11") and "extends checkpoint of size 5" in out

    listing = data / "checkpoints.jsonl"
    ok("audit", "checkpoints", "-o", str(listing), data_dir=data)
    rows = [json.loads(line) for line in listing.read_text().splitlines()[1:]]
    assert [r["tree_size"] for r in rows] == [5, 11]
    store = str(data / "events.sqlite")
    out = ok("audit", "verify", store, "--checkpoints", str(listing), data_dir=data)
    assert "2 signed checkpoints match" in out

    proof = data / "proof.txt"
    proof.write_text("AAAA" * 11 + "=\n")  # not the proof
    bad = tabadol("audit", "consistency", str(old), str(new), "--proof", str(proof), data_dir=data)
    assert bad.returncode == 1 and "does not extend" in bad.stdout
    backwards = tabadol("audit", "consistency", str(new), str(old), data_dir=data)
    assert backwards.returncode == 1 and "FAILED" in backwards.stdout


def test_a_deleted_case_is_reported_and_refused(data: Path) -> None:
    codes = add_cases(data, range(81, 84), register=True)
    ok("audit", "checkpoint", data_dir=data)
    with sqlite3.connect(data / "events.sqlite") as db:
        (victim,) = db.execute("SELECT originator_id FROM stored_events WHERE rowid = 4").fetchone()
        db.execute("DELETE FROM stored_events WHERE originator_id = ?", (victim,))
    failed = tabadol("audit", "verify", data_dir=data)
    assert failed.returncode == 1
    assert "first bad checkpoint of size 7: events were removed" in failed.stdout
    refused = tabadol("audit", "checkpoint", data_dir=data)
    assert refused.returncode == 1 and refused.stdout.startswith("REFUSED:")
    assert len(codes) == 3


def test_rotate_and_revoke_keys(data: Path) -> None:
    add_cases(data, range(91, 92), register=True)
    ok("audit", "checkpoint", data_dir=data)
    first = json.loads((data / "keys" / "public-keys.json").read_text())["keys"][0]["key_id"]
    rotated = ok("keys", "rotate", data_dir=data)
    assert f"retired key  {first}" in rotated and "valid from log index 3" in rotated
    add_cases(data, range(92, 93))  # the restarted hub signs with the new key
    ok("audit", "checkpoint", data_dir=data)
    listing = ok("keys", "list", data_dir=data)
    assert listing.count("  hub-") == 2 and "(log index 3)" in listing
    assert "OK: 5 events" in ok("audit", "verify", data_dir=data)

    self_revoke = tabadol(
        "keys", "revoke", "hub-0000000000000000", "--at", "2026-01-01T00:00:00Z", data_dir=data
    )
    assert self_revoke.returncode == 2 and "not in the history" in self_revoke.stderr
    revoked = ok(
        "keys", "revoke", first, "--at", "2000-01-01T00:00:00Z", "--reason", "leak", data_dir=data
    )
    assert f"revoked {first}" in revoked and "log index >= 0" in revoked
    failed = tabadol("audit", "verify", data_dir=data)
    assert failed.returncode == 1 and f"revoked key {first}" in failed.stdout


def test_a_bundle_checked_without_the_hubs_keys_is_unpinned_not_ok(tmp_path: Path) -> None:
    """Anyone can build a self-consistent bundle under keys of their own."""
    data = tmp_path / "data"
    ok("keys", "init", data_dir=data)
    hub = TabadolHub(
        load_signer(data / "keys" / "hub-signing.pem"),
        env=store_env(f"sqlite:///{data / 'events.sqlite'}"),
    )
    hub.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    hub.close()
    ok("audit", "checkpoint", data_dir=data)
    bundle = tmp_path / "bundle.json"
    ok("audit", "bundle", "1", "-o", str(bundle), data_dir=data)
    alone = tabadol("audit", "verify-bundle", str(bundle), data_dir=tmp_path / "elsewhere")
    assert alone.returncode == 3, alone.stdout + alone.stderr
    assert alone.stdout.startswith("UNPINNED:") and "OK:" not in alone.stdout


def test_a_bundle_off_a_terminal_prints_its_one_line_and_no_progress(data: Path) -> None:
    codes = add_cases(data, range(81, 83), register=True)
    ok("audit", "checkpoint", data_dir=data)
    add_cases(data, range(83, 84))  # newer than the checkpoint: the map is rebuilt (watched)
    bundle = data / "evidence.json"
    result = tabadol("audit", "bundle", codes[0], "-o", str(bundle), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # stderr is a pipe here: no bar, no escape codes
    assert (
        result.stdout
        == f"wrote evidence for {codes[0]}: 2 events in the checkpoint of size 5 -> {bundle}\n"
    )
