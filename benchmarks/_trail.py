"""A synthetic signed trail in the hub's format, written fast (for benchmarks.verify).

Envelope v2 (one Ed25519 signature per batch, a Merkle path per event), cases of ten
events with a thousand open at a time, ~260-byte JSON payloads, and a signed checkpoint
(log root and aggregate map) every ``checkpoint_every`` events and at the end. Rows go
straight into the eventsourcing SQLite table in transactions of 100,000 (the table is
created by eventsourcing's recorder); the first batch is cross-checked against
:meth:`Envelope.to_bytes` so the fast path cannot drift from the format.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import sqlite3
import struct
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from hub.audit.checkpoints import sign_checkpoint
from hub.config import APP_NAME, store_env
from hub.trail.agency_signatures import Attestation, agency_key_id, body_hash
from hub.trail.aggregate_map import AggregateMap
from hub.trail.envelope import GENESIS, MAGIC_V2, Envelope, batch_message, batch_proofs
from hub.trail.keys import Signer
from hub.trail.merkle import MerkleTree
from hub.trail.verify import log_entry

TOPIC = "tabadol.service_case.step_recorded"
_TOPIC = TOPIC.encode()
_HASH_DOMAIN = b"tabadol/event/v1\x00"
_ATTESTATION_DOMAIN = b"tabadol/attestation/v1\x00"
_ROWS_PER_TRANSACTION = 100_000
_TEMPLATE = json.dumps(
    {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-12-01T19:00:00.123456+00:00"},
        "step": "ثبت درخواست",
        "stage": "request",
        "by": "MOJ",
        "note": "n@SERIAL@",
        "version": 9999999,
    },
    ensure_ascii=False,
).encode()
_HEAD, _MIDDLE = _TEMPLATE.split(b"@SERIAL@")
_MIDDLE, _TAIL = _MIDDLE.split(b"9999999")


def payload(serial: int, version: int) -> bytes:
    """About 260 bytes of JSON, like a case event's stored state."""
    return b"%s%012d%s%d%s" % (_HEAD, serial, _MIDDLE, version, _TAIL)


def attestation(agency: Ed25519PrivateKey, serial: int) -> bytes:
    """An agency's signed request, as the hub keeps it in an envelope."""
    key_id = agency_key_id(agency.public_key())
    method = "/tabadol.servicedesk.v1.ServiceDeskService/RecordStep"
    unsigned = Attestation(
        "MOJ", key_id, method, 1796152814123 + serial, base64.b64encode(
            serial.to_bytes(16, "big")
        ).decode(), f"k-{serial}", body_hash(serial.to_bytes(8, "big")), b"",
    )  # fmt: skip
    return dataclasses.replace(unsigned, signature=agency.sign(unsigned.message)).to_bytes()


def _proofs(digests: list[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """Root and paths of a batch tree; a direct path for a power-of-two size."""
    n = len(digests)
    if n & (n - 1):
        root, proofs = batch_proofs(digests)
        return root, [list(p.path) for p in proofs]
    sha = hashlib.sha256
    levels = [digests]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append(
            [sha(b"\x01" + below[i] + below[i + 1]).digest() for i in range(0, len(below), 2)]
        )
    paths = [[levels[h][(i >> h) ^ 1] for h in range(len(levels) - 1)] for i in range(n)]
    return levels[-1][0], paths


@dataclasses.dataclass
class Written:
    seconds: float
    checkpoints: list[str]
    """The signed checkpoint notes, smallest first."""


def generate(
    path: Path,
    events: int,
    batch: int,
    signer: Signer,
    origin: str,
    *,
    checkpoint_every: int = 0,
    agency: Ed25519PrivateKey | None = None,
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Write ``events`` signed events into a new SQLite store at ``path``."""
    started = time.perf_counter()
    env = Environment(APP_NAME, store_env(f"sqlite:///{path}"))
    InfrastructureFactory.construct(env).application_recorder()  # creates the table
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    insert = "INSERT INTO stored_events VALUES (?,?,?,?)"
    kid = signer.key_id.encode()
    head = MAGIC_V2 + bytes((0x02 if agency else 0, len(kid))) + kid
    sha = hashlib.sha256
    tree, heads = MerkleTree(), AggregateMap()
    notes: list[str] = []
    open_cases: list[list[object]] = []  # [hex id, dashed id bytes, next version, head]
    rows: list[tuple[str, int, str, bytes]] = []
    written = serial = 0
    checked = False
    while written < events:
        size = min(batch, events - written)
        records = []
        for _ in range(size):
            if len(open_cases) < 1000:
                u = uuid.uuid4()
                open_cases.append([u.hex, str(u).encode(), 1, GENESIS])
            serial += 1
            case = open_cases[serial % len(open_cases)]
            hex_id, aid, version, prev = case
            assert isinstance(aid, bytes) and isinstance(prev, bytes)
            assert isinstance(version, int)
            body = payload(serial, version)
            signed = attestation(agency, serial) if agency else None
            digest = sha(
                _HASH_DOMAIN
                + prev
                + struct.pack(">I", len(aid))
                + aid
                + struct.pack(">QI", version, len(_TOPIC))
                + _TOPIC
                + struct.pack(">I", len(body))
                + body
                + (_ATTESTATION_DOMAIN + struct.pack(">I", len(signed)) + signed if signed else b"")
            ).digest()
            records.append((hex_id, aid, version, prev, body, signed, digest))
            case[2], case[3] = version + 1, digest
            if version == 10:
                open_cases.remove(case)
        root, paths = _proofs([r[6] for r in records])
        signature = signer.sign(batch_message(signer.key_id, size, root))
        for i, (hex_id, aid, version, prev, body, signed, _) in enumerate(records):
            state = b"".join(
                (
                    head,
                    prev,
                    struct.pack(">IIB", i, size, len(paths[i])),
                    *paths[i],
                    signature,
                    len(signed).to_bytes(2, "big") + signed if signed else b"",
                    body,
                )
            )
            if not checked:
                proof = batch_proofs([r[6] for r in records])[1][i]
                expected = Envelope(signer.key_id, prev, signature, body, proof, signed)
                assert state == expected.to_bytes(), "the fast envelope differs"
            rows.append((str(hex_id), version, TOPIC, state))
            text = aid.decode()
            leaf = sha(b"\x00" + log_entry(text, version, TOPIC, state)).digest()
            heads.update(text, version, tree.append_leaf_hash(leaf), leaf)
            written += 1
            if checkpoint_every and (written % checkpoint_every == 0 or written == events):
                notes.append(sign_checkpoint(signer, origin, written, tree.root(), heads.head()))
        checked = True
        if len(rows) >= _ROWS_PER_TRANSACTION or written >= events:
            db.execute("BEGIN")
            db.executemany(insert, rows)
            db.execute("COMMIT")
            rows = []
            if progress:
                progress(written)
    db.close()
    return Written(time.perf_counter() - started, notes)
