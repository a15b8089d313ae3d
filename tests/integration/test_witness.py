"""The reference witness answers add-checkpoint as c2sp.org/tlog-witness says, over HTTP."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.checkpoints import sign_checkpoint
from hub.trail.cosignature import cosignatures, merge_signature_lines
from hub.trail.keys import Signer, init_keys, load_history
from hub.trail.merkle import MerkleTree
from hub.witness.core import LogKeys, Witness, WitnessState
from hub.witness.server import WitnessServer


@dataclass
class Log:
    signer: Signer
    origin: str
    keys: Path
    tree: MerkleTree

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.tree.append(f"entry {self.tree.size}".encode())

    def note(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        return sign_checkpoint(self.signer, self.origin, size, self.tree.root(size))

    def request(self, old: int, size: int | None = None, proof: list[bytes] | None = None) -> bytes:
        size = self.tree.size if size is None else size
        if proof is None:
            proof = self.tree.consistency_proof(old, size) if old else []
        lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        return f"old {old}\n{lines}\n{self.note(size)}".encode()


@pytest.fixture
def log(tmp_path: Path) -> Log:
    keys = tmp_path / "log" / "public-keys.json"
    signer = init_keys(tmp_path / "log" / "hub.pem", keys)
    origin = load_history(keys).origin
    assert origin is not None
    return Log(signer, origin, keys, MerkleTree())


def make_witness(log: Log, tmp_path: Path, key: Ed25519PrivateKey | None = None) -> Witness:
    return Witness(
        "witness.test/w1",
        key or Ed25519PrivateKey.generate(),
        {log.origin: LogKeys(log.keys)},
        WitnessState(tmp_path / "witness" / "state.json"),
        evidence=tmp_path / "witness" / "evidence.jsonl",
        clock=lambda: 1_700_000_000,
    )


def test_first_sight_then_growth_with_a_proof_are_cosigned(log: Log, tmp_path: Path) -> None:
    witness = make_witness(log, tmp_path)
    log.grow(5)
    answer = witness.add_checkpoint(log.request(0))
    assert answer.status == 200
    (line,) = answer.body.decode().splitlines()
    (cosig,) = cosignatures(merge_signature_lines(log.note(), [line]), [witness.key])
    assert cosig.timestamp == 1_700_000_000
    log.grow(8)
    assert witness.add_checkpoint(log.request(5)).status == 200
    assert witness.state.get(log.origin) == (13, log.tree.root())
    # the same checkpoint again is cosigned again (old size = its size, same root)
    assert witness.add_checkpoint(log.request(13)).status == 200


def test_the_state_file_survives_a_restart(log: Log, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    log.grow(3)
    assert make_witness(log, tmp_path, key).add_checkpoint(log.request(0)).status == 200
    document = json.loads((tmp_path / "witness" / "state.json").read_text())
    assert document["logs"][log.origin]["size"] == 3
    again = make_witness(log, tmp_path, key)
    answer = again.add_checkpoint(log.request(0))
    assert answer.status == 409 and answer.body == b"3\n"
    assert answer.content_type == "text/x.tlog.size"


def test_refusals_carry_the_spec_s_status_codes(log: Log, tmp_path: Path) -> None:
    witness = make_witness(log, tmp_path)
    log.grow(4)
    unknown = log.request(0).replace(log.origin.encode(), b"example.com/other")
    assert witness.add_checkpoint(unknown).status == 404
    stranger = Signer(Ed25519PrivateKey.generate())
    forged = sign_checkpoint(stranger, log.origin, 4, log.tree.root())
    assert witness.add_checkpoint(f"old 0\n\n{forged}".encode()).status == 403
    assert witness.add_checkpoint(b"old 7\n\n" + log.note().encode()).status == 400
    assert witness.add_checkpoint(b"old 01\n\n" + log.note().encode()).status == 400
    assert witness.add_checkpoint(b"no blank line").status == 400
    too_long = [log.tree.root()] * 64
    assert witness.add_checkpoint(log.request(0, proof=too_long)).status == 400
    assert witness.add_checkpoint(log.request(0, proof=[log.tree.root()])).status == 400
    assert witness.add_checkpoint(log.request(0)).status == 200
    log.grow(4)
    stale = witness.add_checkpoint(log.request(0))
    assert (stale.status, stale.body) == (409, b"4\n")
    bad_proof = log.request(4, proof=[b"\x00" * 32])
    answer = witness.add_checkpoint(bad_proof)
    assert answer.status == 422
    assert witness.state.get(log.origin)[0] == 4  # nothing was cosigned or stored
    evidence = (tmp_path / "witness" / "evidence.jsonl").read_text().splitlines()
    assert "consistency proof fails" in json.loads(evidence[-1])["reason"]


def test_a_split_view_at_the_same_size_is_refused(log: Log, tmp_path: Path) -> None:
    witness = make_witness(log, tmp_path)
    log.grow(6)
    assert witness.add_checkpoint(log.request(0)).status == 200
    fork = Log(log.signer, log.origin, log.keys, MerkleTree())
    for i in range(6):
        fork.tree.append(f"forked {i}".encode())
    answer = witness.add_checkpoint(fork.request(6, proof=[]))
    assert answer.status == 409 and b"split view" in answer.body
    log.grow(2)
    grown_fork = Log(log.signer, log.origin, log.keys, fork.tree)
    grown_fork.grow(2)
    assert witness.add_checkpoint(grown_fork.request(6)).status == 422


@pytest.fixture
def server(log: Log, tmp_path: Path) -> Iterator[WitnessServer]:
    running = WitnessServer(make_witness(log, tmp_path)).start()
    yield running
    running.stop()


def post(url: str, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_over_http(log: Log, server: WitnessServer) -> None:
    log.grow(2)
    status, _, body = post(server.url + "/add-checkpoint", log.request(0))
    assert status == 200 and body.decode().startswith("\N{EM DASH} witness.test/w1 ")
    status, content_type, body = post(server.url + "/add-checkpoint", log.request(0))
    assert (status, content_type, body) == (409, "text/x.tlog.size", b"2\n")
    assert post(server.url + "/elsewhere", b"")[0] == 404
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as answer:
        assert answer.read().decode().strip() == server.witness.key.vkey
