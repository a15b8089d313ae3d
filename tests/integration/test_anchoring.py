"""A serving hub gets every checkpoint cosigned by two witnesses and timestamped by a TSA,
without blocking writes; ``audit verify`` applies a witness policy and checks each token.
Tamper tests: an unmet policy, a forged cosignature, a bad timestamp; outages of a witness
and of the TSA."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import REGISTRY

from connectors.tsa.authority import TimestampAuthority
from connectors.tsa.client import TsaClient
from connectors.tsa.simulator import TsaServer
from hub.application.hub import TabadolHub
from hub.audit.anchors import ANCHORS_TABLE, anchor_store_for
from hub.audit.export import open_recorder
from hub.bootstrap import Running, create_server
from hub.cli.audit import audit_verify
from hub.config import Settings
from hub.servicers.convert import spec_from_proto
from hub.trail.cosignature import CosignerKey, WitnessPolicy
from hub.trail.keys import init_keys
from hub.witness.core import LogKeys, Witness, WitnessState
from hub.witness.server import WitnessServer
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto


@dataclass
class Anchored:
    hub: TabadolHub
    running: Running
    settings: Settings
    witnesses: list[WitnessServer]
    tsa: TsaServer

    @property
    def url(self) -> str:
        return self.settings.event_store

    def policy(self, quorum: int | None = None, extra: int = 0) -> WitnessPolicy:
        keys = [w.witness.key for w in self.witnesses]
        keys += [
            CosignerKey.of(f"witness.test/stranger{i}", Ed25519PrivateKey.generate().public_key())
            for i in range(extra)
        ]
        return WitnessPolicy(len(keys) if quorum is None else quorum, tuple(keys))

    def latest_size(self) -> int:
        assert self.running.audit_log is not None
        latest = self.running.audit_log.store.latest()
        return latest.tree_size if latest else 0

    def anchors(self) -> list[tuple[int, str, str]]:
        store = anchor_store_for(open_recorder(self.url), create=False)
        return [(a.tree_size, a.kind, a.authority) for a in store.all()]

    def sql(self, query: str, params: tuple[object, ...]) -> None:
        if self.url.startswith("sqlite:///"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as db:
                db.execute(query, params)
        else:
            with psycopg.connect(self.url) as db:
                db.execute(query.replace("?", "%s"), params)


async def until(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def start_witness(name: str, keys: Path, state: Path, port: int = 0) -> WitnessServer:
    key_file = state.with_suffix(".key")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if key_file.exists():
        key = Ed25519PrivateKey.from_private_bytes(key_file.read_bytes())
    else:
        key = Ed25519PrivateKey.generate()
        from cryptography.hazmat.primitives import serialization

        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        )
    logs = {LogKeys(keys).origin: LogKeys(keys)}
    witness = Witness(name, key, logs, WitnessState(state))
    return WitnessServer(witness, port=port).start()


@pytest.fixture
async def anchored(store_url: str, tmp_path: Path) -> AsyncIterator[Anchored]:
    data = tmp_path / "data"
    keys = data / "keys" / "public-keys.json"
    signer = init_keys(data / "keys" / "hub-signing.pem", keys)
    witnesses = [
        start_witness(f"witness.test/w{i}", keys, tmp_path / f"w{i}" / "state.json") for i in (1, 2)
    ]
    tsa = TsaServer(TimestampAuthority.open(tmp_path / "tsa")).start()
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(data),
            "TABADOL_EVENT_STORE": store_url,
            "TABADOL_LISTEN": "127.0.0.1:0",
            "TABADOL_HTTP_LISTEN": "off",
            "TABADOL_INSECURE_DEV_AUTH": "1",  # writes go through the use cases, not gRPC
            "TABADOL_CHECKPOINT_EVERY": "1",
            "TABADOL_CHECKPOINT_SECONDS": "0.2",
            "TABADOL_WITNESSES": json.dumps(
                [{"url": w.url, "key": w.witness.key.vkey} for w in witnesses]
            ),
            "TABADOL_TSA_URL": tsa.url,
            "TABADOL_TSA_ROOTS": str(tmp_path / "tsa" / "tsa-root.pem"),
        }
    )
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    running = await create_server(hub, settings)
    assert running.witnessing is not None and running.timestamping is not None
    running.witnessing.poll = running.timestamping.poll = 0.05
    running.witnessing.min_backoff = running.timestamping.min_backoff = 0.1
    try:
        yield Anchored(hub, running, settings, witnesses, tsa)
    finally:
        await running.stop(grace=0)
        hub.close()
        for w in witnesses:
            w.stop()
        tsa.stop()


async def write(anchored: Anchored, cases: int, first: int = 21) -> None:
    def run() -> None:
        if first == 21:
            anchored.hub.catalogue.register_service_record(
                SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY
            )
        for serial in range(first, first + cases):
            anchored.hub.cases.open_case(
                SERVICE_CODE, applicant(serial), channel="web", postal_code="1316943891", by=AGENCY
            )

    await asyncio.to_thread(run)


def anchored_at(anchored: Anchored, size: int, *authorities: str) -> Callable[[], bool]:
    def check() -> bool:
        have = {(s, a) for s, _, a in anchored.anchors()}
        return all((size, a) in have for a in authorities)

    return check


def verify(
    anchored: Anchored, capsys: pytest.CaptureFixture[str], **kwargs: object
) -> tuple[int, str]:
    code = audit_verify(anchored.url, anchored.settings.public_keys, **kwargs)  # type: ignore[arg-type]
    return code, capsys.readouterr().out


async def test_checkpoints_are_witnessed_and_timestamped_and_verified(
    anchored: Anchored, capsys: pytest.CaptureFixture[str]
) -> None:
    await write(anchored, 3)
    await until(lambda: anchored.latest_size() == 4, "a checkpoint of the 4 events")
    tsa_name = anchored.tsa.authority.name
    await until(
        anchored_at(anchored, 4, "witness.test/w1", "witness.test/w2", tsa_name),
        "two cosignatures and a token on checkpoint 4",
    )
    await write(anchored, 2, first=31)
    await until(lambda: anchored.latest_size() == 6, "a checkpoint of 6")
    await until(anchored_at(anchored, 6, "witness.test/w1", "witness.test/w2"), "cosigned 6")
    # each witness went from 4 to 6 with a consistency proof (its state says 6)
    for server in anchored.witnesses:
        assert server.witness.state.get(anchored.running.audit_log.origin)[0] == 6  # type: ignore[union-attr]
    await until(anchored_at(anchored, 6, tsa_name), "a token on checkpoint 6")
    roots = [anchored.tsa.authority.root]
    code, out = verify(anchored, capsys, policy=anchored.policy(), tsa_roots=roots)
    assert code == 0, out
    assert (
        "witnesses: policy 2 of 2 (witness.test/w1, witness.test/w2) met by the checkpoint of size 6"
        in out
    )
    assert "checkpoint 6: timestamped 20" in out and f"by {tsa_name}" in out
    metric = REGISTRY.get_sample_value(
        "tabadol_witness_submissions_total", {"witness": "witness.test/w1", "outcome": "cosigned"}
    )
    assert metric is not None and metric >= 2


async def test_an_unmet_policy_a_forged_cosignature_and_a_bad_timestamp_fail(
    anchored: Anchored, capsys: pytest.CaptureFixture[str]
) -> None:
    await write(anchored, 2)
    await until(lambda: anchored.latest_size() == 3, "a checkpoint of 3")
    tsa_name = anchored.tsa.authority.name
    await until(
        anchored_at(anchored, 3, "witness.test/w1", "witness.test/w2", tsa_name), "anchors of 3"
    )
    await anchored.running.stop(grace=0)  # nothing new from here on
    roots = [anchored.tsa.authority.root]
    code, out = verify(anchored, capsys, policy=anchored.policy(quorum=3, extra=1))
    assert code == 1 and "witness policy 3 of 3 not met by any checkpoint" in out, out
    assert "NOT met" in out

    table = f'"{ANCHORS_TABLE}"' if anchored.url.startswith("sqlite") else ANCHORS_TABLE
    store = anchor_store_for(open_recorder(anchored.url), create=False)
    (w1,) = [a for a in store.for_size(3) if a.authority == "witness.test/w1"]
    name, _, blob = w1.value.rpartition(" ")
    forged = f"{name} {blob[:20]}{'A' if blob[20] != 'A' else 'B'}{blob[21:]}"
    anchored.sql(
        f"UPDATE {table} SET value = ? WHERE tree_size = 3 AND authority = ?",
        (forged, "witness.test/w1"),
    )
    code, out = verify(anchored, capsys, policy=anchored.policy(quorum=1))
    assert code == 1 and "forged cosignature" in out and "witness.test/w1" in out, out

    # a genuine token of the same TSA, but over other bytes than checkpoint 3
    other = TsaClient(anchored.tsa.url).timestamp(b"tabadol\n3\nanother root\n")
    anchored.sql(
        f"UPDATE {table} SET value = ? WHERE tree_size = 3 AND kind = 'timestamp'",
        (base64.b64encode(other).decode(),),
    )
    code, out = verify(anchored, capsys, tsa_roots=roots)
    assert code == 1 and "checkpoint 3: bad timestamp" in out, out
    assert "other bytes than this checkpoint" in out


async def test_a_tsa_outage_never_stops_the_hub_and_is_visible(
    anchored: Anchored, capsys: pytest.CaptureFixture[str]
) -> None:
    await write(anchored, 1)
    await until(lambda: anchored.latest_size() == 2, "a checkpoint of 2")
    tsa_name = anchored.tsa.authority.name
    await until(anchored_at(anchored, 2, tsa_name), "a token on 2")
    anchored.tsa.faults.down = True
    failed_before = (
        REGISTRY.get_sample_value("tabadol_tsa_requests_total", {"outcome": "failed"}) or 0
    )
    await write(anchored, 2, first=41)
    await until(lambda: anchored.latest_size() == 4, "checkpoints go on during the outage")
    stamper = anchored.running.timestamping
    assert stamper is not None
    await until(lambda: stamper.status.failures > 0, "the outage is noticed")
    assert not stamper.status.healthy and "503" in stamper.status.last_error
    failed = REGISTRY.get_sample_value("tabadol_tsa_requests_total", {"outcome": "failed"})
    assert failed is not None and failed > failed_before
    assert REGISTRY.get_sample_value("tabadol_tsa_backlog_checkpoints") >= 1
    anchored.tsa.faults.down = False
    await until(anchored_at(anchored, 4, tsa_name), "the backlog is timestamped after the outage")
    assert stamper.status.healthy
    code, out = verify(anchored, capsys, tsa_roots=[anchored.tsa.authority.root])
    assert code == 0 and "checkpoint 4: timestamped" in out, out


async def test_a_witness_outage_is_retried_and_the_policy_says_what_is_witnessed(
    anchored: Anchored, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await write(anchored, 1)
    await until(anchored_at(anchored, 2, "witness.test/w1", "witness.test/w2"), "cosigned 2")
    down = anchored.witnesses[1]
    port = down.port
    down.stop()
    await write(anchored, 2, first=51)
    await until(anchored_at(anchored, 4, "witness.test/w1"), "w1 cosigns 4 alone")
    sender = anchored.running.witnessing
    assert sender is not None
    await until(lambda: sender.status["witness.test/w2"].failures > 0, "w2's failure")
    assert sender.status["witness.test/w2"].cosigned_size == 2
    code, out = verify(anchored, capsys, policy=anchored.policy())
    assert code == 0, out
    assert "met by the checkpoint of size 2" in out and "2 later events not yet witnessed" in out
    code, out = verify(anchored, capsys, policy=anchored.policy(quorum=1))
    assert code == 0 and "met by the checkpoint of size 4" in out, out
    # the same witness comes back (same key, same state file, same port): it catches up
    anchored.witnesses[1] = start_witness(
        "witness.test/w2", anchored.settings.public_keys, tmp_path / "w2" / "state.json", port
    )
    await until(anchored_at(anchored, 4, "witness.test/w2"), "w2 catches up from 2 to 4")
