"""Checkpoints catch what chains cannot: a whole aggregate removed, the tail cut off, two
aggregates' events reordered. On SQLite and on PostgreSQL, in the store and in an export."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hub.application.hub import TabadolHub
from hub.audit.checkpoints import AuditLog, Checkpointer, LogInconsistent, checkpoint_store_for
from hub.audit.export import export_trail, open_recorder, read_trail
from hub.config import store_env
from hub.servicers.convert import spec_from_proto
from hub.trail.keys import PublicKeyRing, init_keys, load_history, load_signer, rotate_keys
from hub.trail.verify import CheckpointProblem, read_checkpoint_notes, verify_trail
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

STEP = "ثبت درخواست"


@dataclass
class Store:
    url: str
    keys: Path
    private: Path
    codes: list[str]

    @property
    def ring(self) -> PublicKeyRing:
        return PublicKeyRing.load(self.keys)

    def log(self) -> AuditLog:
        history = load_history(self.keys)
        recorder = open_recorder(self.url)
        return AuditLog(
            recorder,
            checkpoint_store_for(recorder),
            origin=history.origin,
            keys=PublicKeyRing.from_history(history),
        )

    def notes(self) -> list[str]:
        return [c.note for c in self.log().store.all()]

    def execute(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """Run SQL on the events table, as someone with database access would."""
        if self.url.startswith("sqlite:///"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                for sql, params in statements:
                    db.execute(sql.replace("{events}", "stored_events"), params)
            return
        with psycopg.connect(self.url, autocommit=False) as db:
            for sql, params in statements:
                db.execute(
                    sql.replace("{events}", "tabadolhub_events")
                    .replace("rowid", "notification_id")
                    .replace("?", "%s"),
                    params,
                )

    def id_param(self, aggregate_id: str) -> str:
        return aggregate_id.replace("-", "") if self.url.startswith("sqlite") else aggregate_id


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """A record and six cases, opened then stepped; a checkpoint after every transaction."""
    private, public = tmp_path / "keys" / "hub.pem", tmp_path / "keys" / "public-keys.json"
    signer = init_keys(private, public)
    hub = TabadolHub(signer, env=store_env(store_url))
    result = Store(store_url, public, private, [])
    log = result.log()
    checkpointer = Checkpointer(log, signer, every=1)
    hub.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    checkpointer.tick()
    for serial in range(21, 27):
        case = hub.cases.open_case(
            SERVICE_CODE, applicant(serial), channel="web", postal_code="1316943891", by=AGENCY
        )
        result.codes.append(case.tracking_code)
        checkpointer.tick()
    for code in result.codes:
        hub.cases.record_step(code, STEP, by=AGENCY)
        checkpointer.tick()
    hub.close()
    assert [c.tree_size for c in log.store.all()] == list(range(1, 14))
    yield result


def positions(store: Store) -> list[tuple[int, str, int]]:
    return [(e.position, e.aggregate_id, e.version) for e in read_trail(store.url)]


def test_an_untouched_log_matches_every_checkpoint(store: Store, tmp_path: Path) -> None:
    report = verify_trail(read_trail(store.url), store.ring, checkpoints=store.notes())
    assert report.ok and report.events == 13 and report.checkpoints == 13
    assert report.root == store.log().store.all()[-1].root_hash
    export = tmp_path / "trail.jsonl"
    with export.open("w") as out:
        export_trail(store.url, out)
    notes = tmp_path / "checkpoints.txt"
    notes.write_text("".join(store.notes()))
    assert read_checkpoint_notes(notes) == store.notes()
    again = verify_trail(
        read_trail(str(export)), store.ring, checkpoints=read_checkpoint_notes(notes)
    )
    assert again.ok and again.checkpoints == 13


def test_a_whole_aggregate_deleted_from_the_store_is_caught(store: Store) -> None:
    trail = positions(store)
    victim = trail[3][1]  # the third case: opened at log index 3, stepped at 10
    store.execute(("DELETE FROM {events} WHERE originator_id = ?", (store.id_param(victim),)))
    # the chains alone cannot see it: every remaining aggregate is whole
    assert verify_trail(read_trail(store.url), store.ring).ok
    report = verify_trail(read_trail(store.url), store.ring, checkpoints=store.notes())
    problem = report.problem
    assert isinstance(problem, CheckpointProblem)
    assert problem.size == 4 and problem.log_index == 3 and problem.position == trail[4][0]
    assert f"positions {trail[3][0]}–{trail[3][0]} are absent" in problem.reason
    assert "removed" in problem.reason
    with pytest.raises(LogInconsistent, match="events were removed"):
        Checkpointer(store.log(), load_signer(store.private)).sign()


def test_a_truncated_tail_is_caught(store: Store) -> None:
    trail = positions(store)
    store.execute(("DELETE FROM {events} WHERE rowid >= ?", (trail[11][0],)))
    assert verify_trail(read_trail(store.url), store.ring).ok
    report = verify_trail(read_trail(store.url), store.ring, checkpoints=store.notes())
    problem = report.problem
    assert isinstance(problem, CheckpointProblem) and problem.size == 12
    assert problem.log_index == 11 and problem.position == trail[10][0] + 1
    assert "truncated" in problem.reason and "the trail has only 11" in problem.reason
    with pytest.raises(LogInconsistent, match="truncated"):
        Checkpointer(store.log(), load_signer(store.private)).sign()


def test_two_events_of_different_aggregates_swapped_in_the_store_are_caught(store: Store) -> None:
    trail = positions(store)
    (a, *_), (b, *_) = trail[2], trail[5]  # two cases' Opened events
    store.execute(
        ("UPDATE {events} SET rowid = ? WHERE rowid = ?", (-1, a)),
        ("UPDATE {events} SET rowid = ? WHERE rowid = ?", (a, b)),
        ("UPDATE {events} SET rowid = ? WHERE rowid = ?", (b, -1)),
    )
    assert verify_trail(read_trail(store.url), store.ring).ok  # every chain still holds
    report = verify_trail(read_trail(store.url), store.ring, checkpoints=store.notes())
    problem = report.problem
    assert isinstance(problem, CheckpointProblem) and problem.size == 3
    assert problem.log_index == 2 and problem.position == a
    assert "root does not match" in problem.reason
    with pytest.raises(LogInconsistent):
        Checkpointer(store.log(), load_signer(store.private)).sign()


def test_an_export_with_two_lines_swapped_is_caught(store: Store, tmp_path: Path) -> None:
    export = tmp_path / "trail.jsonl"
    with export.open("w") as out:
        export_trail(store.url, out)
    lines = export.read_text().splitlines()
    lines[4], lines[8] = lines[8], lines[4]  # log indexes 3 and 7: two different cases
    assert json.loads(lines[4])["aggregate_id"] != json.loads(lines[8])["aggregate_id"]
    export.write_text("\n".join(lines) + "\n")
    assert verify_trail(read_trail(str(export)), store.ring).ok
    report = verify_trail(read_trail(str(export)), store.ring, checkpoints=store.notes())
    problem = report.problem
    assert isinstance(problem, CheckpointProblem) and problem.size == 4
    moved = json.loads(lines[4])["index"]
    assert problem.position == moved and "events were reordered" in problem.reason
    indexed = verify_trail(read_trail(str(export)), store.ring, indexed=True)  # format 2
    assert indexed.problem is not None
    assert "log index 7 comes where log index 3 belongs, and log index 3 comes 4 line" in str(
        indexed.problem
    )


def test_sparse_checkpoints_still_bound_where_the_trees_diverge(store: Store) -> None:
    trail = positions(store)
    notes = store.notes()
    store.execute(("DELETE FROM {events} WHERE originator_id = ?", (store.id_param(trail[5][1]),)))
    report = verify_trail(read_trail(store.url), store.ring, checkpoints=[notes[3], notes[12]])
    problem = report.problem
    assert isinstance(problem, CheckpointProblem) and problem.size == 13
    assert "between log index 4 and 12" in problem.reason and "removed" in problem.reason


def test_a_forged_or_split_checkpoint_is_named(store: Store) -> None:
    notes = store.notes()
    forged = notes[2].replace("\n3\n", "\n4\n")
    report = verify_trail(read_trail(store.url), store.ring, checkpoints=[notes[0], forged])
    assert isinstance(report.problem, CheckpointProblem)
    assert "note 2 does not verify" in report.problem.reason


def test_the_next_hub_key_extends_the_log_after_a_rotation(store: Store) -> None:
    retired, new, _ = rotate_keys(store.private, store.keys, from_size=13)
    hub = TabadolHub(new, env=store_env(store.url))
    hub.cases.cancel(store.codes[0], reason="انصراف متقاضی", by=AGENCY)
    hub.close()
    log = store.log()
    stored = Checkpointer(log, new).sign()
    assert stored is not None and stored.tree_size == 14 and stored.key_id == new.key_id
    report = verify_trail(read_trail(store.url), store.ring, checkpoints=store.notes())
    assert report.ok and report.checkpoints == 14
    assert report.keys == {retired.key_id: 13, new.key_id: 1}
