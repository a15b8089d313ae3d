"""The log as C2SP tlog-tiles over HTTP: a monitor mirrors it and verifies it without gRPC."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from eventsourcing.domain import Aggregate, event
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from hub.application.hub import TabadolHub
from hub.audit.checkpoints import AuditLog, Checkpointer, checkpoint_store_for
from hub.audit.export import open_recorder
from hub.bootstrap import start_http
from hub.cli.audit import audit_verify
from hub.cli.audit import main as audit_main
from hub.config import store_env
from hub.trail.keys import PublicKeyRing, init_keys, load_history
from hub.trail.merkle import MerkleTree
from hub.trail.mirror import MirrorError, http_fetch, mirror_log, tile_index_path
from hub.web.tiles import AuditLogTiles, parse_tile_path, tile_routes
from tests.conftest import LiveHub


class Note(Aggregate):
    TOPIC = "test.tiles.note"

    class Created(Aggregate.Created):
        TOPIC = "test.tiles.note.created"

    @event("Added", topic="test.tiles.note.added")
    def add(self, text: str) -> None:
        pass


def test_tile_paths_are_the_specs() -> None:
    assert tile_index_path(1234067) == "x001/x234/067"
    assert tile_index_path(5) == "005"
    assert parse_tile_path("0/x001/x234/067") == (0, 1234067, 256)
    assert parse_tile_path("entries/000.p/7") == (None, 0, 7)
    assert parse_tile_path("2/001.p/255") == (2, 1, 255)
    for bad in ("00/000", "64/000", "0/0000", "0/x01/000", "0/000.p/0", "0/000.p/256", "0/1"):
        with pytest.raises(ValueError):
            parse_tile_path(bad)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[tuple[AuditLog, PublicKeyRing, TabadolHub]]:
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    private, public = tmp_path / "hub.pem", tmp_path / "public-keys.json"
    signer = init_keys(private, public)
    app = TabadolHub(signer, env=store_env(url))
    for i in range(130):  # 130 aggregates, 4 events each: 520 events, two level-1 hashes
        note = Note()
        note.add(text=f"{i}")
        app.save(note)
        note.add(text="again")
        note.add(text="and again")
        app.save(note)
    history = load_history(public)
    recorder = open_recorder(url)
    audit_log = AuditLog(
        recorder,
        checkpoint_store_for(recorder),
        origin=history.origin,
        keys=PublicKeyRing.from_history(history),
    )
    Checkpointer(audit_log, signer).sign()
    yield audit_log, PublicKeyRing.from_history(history), app
    app.close()


def _client(audit_log: AuditLog) -> TestClient:
    return TestClient(
        Starlette(routes=[Mount("/log", routes=tile_routes(AuditLogTiles(audit_log)))])
    )


def test_a_monitor_mirrors_the_log_over_http_and_verifies_it(
    log: tuple[AuditLog, PublicKeyRing, TabadolHub],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    audit_log, keys, app = log
    app.save(Note())  # newer than the checkpoint: not served
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Mount("/log", routes=tile_routes(AuditLogTiles(audit_log)))]),
            host="127.0.0.1",
            port=_free_port(),
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        url = f"http://127.0.0.1:{server.config.port}/log"
        report = mirror_log(http_fetch(url), keys)
        out, key_file = tmp_path / "mirrored.jsonl", tmp_path / "public-keys.json"
        assert audit_main(["audit", "mirror", url, "--keys", str(key_file), "-o", str(out)]) == 0
        assert "OK: mirrored 520 entries (3 entry bundles, 4 hash tiles)" in capsys.readouterr().out
        assert audit_verify(str(out), key_file) == 0  # the mirror's copy, verified again
        assert "anchored: the signed checkpoint of size 520" in capsys.readouterr().out
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert report.size == 520 and len(report.events) == 520
    assert report.bundles == 3 and report.tiles == 3 + 1  # three level-0 tiles, one level-1
    assert report.trail.signatures == 260 and report.trail.checkpoints == 1
    tree = MerkleTree()
    for e in report.events:
        tree.append_leaf_hash(e.leaf_hash())
    assert tree.root() == audit_log.tree.root(520)


def test_what_the_checkpoint_does_not_cover_is_not_served(
    log: tuple[AuditLog, PublicKeyRing, TabadolHub],
) -> None:
    audit_log, _, _ = log
    client = _client(audit_log)
    checkpoint = client.get("/log/checkpoint")
    assert checkpoint.status_code == 200
    assert checkpoint.headers["content-type"] == "text/plain; charset=utf-8"
    assert checkpoint.text.splitlines()[1] == "520"
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200 and len(full.content) == 256 * 32
    assert "immutable" in full.headers["cache-control"]
    assert client.get("/log/tile/0/002.p/8").status_code == 200  # the checkpoint's width
    assert client.get("/log/tile/0/002").status_code == 404  # not full yet
    assert client.get("/log/tile/entries/002.p/9").status_code == 404  # beyond size 520
    assert client.get("/log/tile/1/000.p/2").status_code == 200
    assert client.get("/log/tile/1/000.p/3").status_code == 404
    assert client.get("/log/tile/00/000").status_code == 404


def test_a_lying_server_is_caught(log: tuple[AuditLog, PublicKeyRing, TabadolHub]) -> None:
    audit_log, keys, _ = log
    client = _client(audit_log)

    def fetch(path: str) -> bytes:
        response = client.get("/log/" + path)
        response.raise_for_status()
        return response.content

    def tampered(target: str, change: int) -> bytes:
        def serve(path: str) -> bytes:
            body = bytearray(fetch(path))
            if path == target:
                body[change] ^= 1
            return bytes(body)

        return mirror_log(serve, keys)  # type: ignore[return-value]

    with pytest.raises(MirrorError, match="tile 0/1: hash 3"):
        tampered("tile/0/001", 3 * 32 + 5)
    with pytest.raises(MirrorError, match="tile 1/0: hash 1"):
        tampered("tile/1/000.p/2", 32 + 1)
    with pytest.raises(MirrorError, match="checkpoint"):
        tampered("checkpoint", 60)
    with pytest.raises(MirrorError):  # an edited entry no longer matches its tile
        tampered("tile/entries/002.p/8", 100)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_hubs_http_port_serves_the_log_for_mirrors(live_hub: LiveHub) -> None:
    live_hub.hub.save(Note())
    await asyncio.to_thread(Checkpointer(live_hub.running.audit_log, live_hub.hub.signer).sign)  # type: ignore[arg-type]
    http = await start_http(live_hub.running, live_hub.settings, address="127.0.0.1:0")
    assert http is not None
    report = await asyncio.to_thread(
        mirror_log, http_fetch(f"http://127.0.0.1:{http.port}/log"), live_hub.ring
    )
    assert report.size == live_hub.running.audit_log.size  # type: ignore[union-attr]
    assert report.trail.checkpoints == 1
