"""Anchored exports: `audit export` writes the checkpoints, `audit verify` proves the cut.

The reproductions of issue 14: deleting the last 1, 5 or 10 lines of an export, deleting a
one-event aggregate, swapping two lines or editing a line's index all verified OK; each is
now caught and named, and a tail no checkpoint covers fails unless --allow-unanchored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate

from hub.application.hub import TabadolHub
from hub.cli.audit import audit_verify
from hub.config import Settings
from hub.trail.keys import load_signer
from tests.e2e.test_audit_cli import add_cases, ok, tabadol


class Lone(Aggregate):
    """An aggregate of one event."""

    TOPIC = "test.anchored.lone"

    class Created(Aggregate.Created):
        TOPIC = "test.anchored.lone.created"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], int]:
    """A data directory with a hub's store and an export: (dir, export lines, lone's line)."""
    data = tmp_path_factory.mktemp("anchored")
    ok("keys", "init", data_dir=data)
    add_cases(data, range(61, 66), register=True)
    ok("audit", "checkpoint", data_dir=data)  # an older checkpoint, inside the export
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(data)})
    hub = TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env())
    lone = Lone()
    hub.save(lone)
    hub.close()
    add_cases(data, range(66, 72))
    out = data / "trail.jsonl"
    result = tabadol("audit", "export", "-o", str(out), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert "exported 24 events and 2 signed checkpoints" in result.stderr
    lines = out.read_text().splitlines()
    where = next(i for i, line in enumerate(lines) if str(lone.id) in line)
    return data, lines, where


def verify(
    data: Path, lines: list[str], capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    path = data / "tampered.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    code = audit_verify(
        str(path), data / "keys" / "public-keys.json", allow_unanchored="--allow" in extra
    )
    return code, capsys.readouterr().out


def test_the_export_carries_its_checkpoints_and_verifies(
    exported: tuple[Path, list[str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    data, lines, _ = exported
    header, first, second = (json.loads(line) for line in lines[:3])
    assert header["format"] == "tabadol-trail/2"
    assert [first["checkpoint"]["tree_size"], second["checkpoint"]["tree_size"]] == [11, 24]
    assert "tabadol/aggregate-map/v1 " in second["checkpoint"]["note"]
    assert json.loads(lines[3])["index"] == 0 and "position" not in lines[3]
    code, out = verify(data, lines, capsys)
    assert code == 0, out
    assert "OK: 24 events" in out and "2 signed checkpoints match" in out
    assert "anchored: the signed checkpoint of size 24 covers every event" in out
    assert "Not proven by the trail itself: that the log ended at 24" in out


@pytest.mark.parametrize("cut", [1, 5, 10])
def test_a_cut_tail_is_caught(
    exported: tuple[Path, list[str], int], capsys: pytest.CaptureFixture[str], cut: int
) -> None:
    data, lines, _ = exported
    code, out = verify(data, lines[:-cut], capsys)
    assert code == 1
    assert (
        f"the log was truncated: the checkpoint covers 24 events, the trail has only {24 - cut}"
        in out
    )


def test_a_removed_one_event_aggregate_is_caught(
    exported: tuple[Path, list[str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    data, lines, where = exported
    index = json.loads(lines[where])["index"]
    code, out = verify(data, lines[:where] + lines[where + 1 :], capsys)
    assert code == 1 and f"events were removed: log index {index} is missing" in out
    renumbered = lines[:3] + [
        json.dumps({**json.loads(line), "index": i}, separators=(",", ":"))
        for i, line in enumerate(lines[3:where] + lines[where + 1 :])
    ]
    code, out = verify(data, renumbered, capsys)  # hiding the gap: the tree tells
    assert code == 1 and "checkpoint of size 24" in out and "truncated" in out


def test_two_swapped_lines_are_caught(
    exported: tuple[Path, list[str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    data, lines, _ = exported
    swapped = [*lines]
    swapped[10], swapped[11] = swapped[11], swapped[10]
    code, out = verify(data, swapped, capsys)
    assert code == 1 and "lines are out of order: log index 8 comes where log index 7" in out


def test_an_edited_index_is_caught(
    exported: tuple[Path, list[str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    data, lines, _ = exported
    edited = [*lines]
    edited[12] = edited[12].replace('"index":9,', '"index":90,')
    code, out = verify(data, edited, capsys)
    assert code == 1 and "the line says log index 90, but it is log index 9" in out
    edited[12] = lines[12].replace('"index":9,', '"index":"9",')
    path = data / "bad.jsonl"
    path.write_text("".join(line + "\n" for line in edited))
    result = tabadol("audit", "verify", str(path), data_dir=data)
    assert result.returncode == 2 and "line 13: malformed event" in result.stderr


def test_a_tail_no_checkpoint_covers_fails_unless_allowed(
    exported: tuple[Path, list[str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    data, lines, _ = exported
    stripped = [lines[0], lines[1], *lines[3:]]  # the newest checkpoint removed
    code, out = verify(data, stripped, capsys)
    assert code == 1
    assert "FAILED: the last 13 events (log index 11–23) are covered by no signed checkpoint" in out
    code, out = verify(data, stripped, capsys, "--allow")
    assert code == 0 and "NOT PROVEN: the last 13 events (log index 11–23)" in out
    bare = [lines[0], *lines[3:]]
    code, out = verify(data, bare, capsys)
    assert code == 1 and "no signed checkpoint covers any of the 24 events" in out
    # and cut to the older checkpoint, with the newer one removed: what a file cannot prove
    code, out = verify(data, [lines[0], lines[1], *lines[3:14]], capsys)
    assert code == 0 and "Not proven by the trail itself: that the log ended at 11" in out


def test_export_leaves_out_what_no_checkpoint_covers(tmp_path: Path) -> None:
    ok("keys", "init", data_dir=tmp_path)
    add_cases(tmp_path, range(81, 83), register=True)
    ok("audit", "checkpoint", data_dir=tmp_path)
    add_cases(tmp_path, range(83, 84))
    (tmp_path / "keys" / "hub-signing.pem").rename(
        tmp_path / "elsewhere.pem"
    )  # not on this machine
    out = tmp_path / "trail.jsonl"
    result = tabadol("audit", "export", "-o", str(out), data_dir=tmp_path)
    assert result.returncode == 0 and "2 newer events are not covered" in result.stderr
    assert "OK: 5 events" in ok("audit", "verify", str(out), data_dir=tmp_path)
    everything = tabadol(
        "audit", "export", "--include-unanchored", "-o", str(out), data_dir=tmp_path
    )
    assert everything.returncode == 0
    failed = tabadol("audit", "verify", str(out), data_dir=tmp_path)
    assert failed.returncode == 1 and "the last 2 events (log index 5–6)" in failed.stdout
    allowed = ok("audit", "verify", str(out), "--allow-unanchored", data_dir=tmp_path)
    assert "NOT PROVEN" in allowed


def test_bundles_by_inquiry_code_and_the_cut_case_bundle(tmp_path: Path) -> None:
    ok("keys", "init", data_dir=tmp_path)
    codes = add_cases(tmp_path, range(91, 93), register=True)
    ok("audit", "checkpoint", data_dir=tmp_path)
    bundle = tmp_path / "evidence.json"
    ok("audit", "bundle", codes[0], "-o", str(bundle), data_dir=tmp_path)
    keys = str(tmp_path / "keys" / "public-keys.json")
    checked = ok("audit", "verify-bundle", str(bundle), "--keys", keys, data_dir=tmp_path)
    assert checked.startswith(f"OK: {codes[0]}: 2 events") and "complete:" in checked
    document = json.loads(bundle.read_text())
    document["events"] = document["events"][:1]
    bundle.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    failed = tabadol("audit", "verify-bundle", str(bundle), "--keys", keys, data_dir=tmp_path)
    assert failed.returncode == 1 and "the end of the record was cut" in failed.stdout
    unknown = tabadol("audit", "bundle", "1234567812345670", "-o", str(bundle), data_dir=tmp_path)
    assert unknown.returncode == 2 and "inquiry" in unknown.stderr  # a code, not a position
