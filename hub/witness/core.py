"""The witness's one operation, ``add-checkpoint`` (c2sp.org/tlog-witness), without HTTP.

For each log it knows (by origin, with the log's public-key history), the witness keeps
the latest checkpoint it cosigned in a state file. A submission is::

    old <size>\\n
    <base64 consistency-proof hash>\\n   (0 to 63 lines)
    \\n
    <signed checkpoint note>

and the answers are the specification's: 404 unknown origin, 403 no valid log signature,
400 malformed or old size above the checkpoint's, 409 (with ``text/x.tlog.size``) when the
old size is not the size the witness last cosigned, 409 for a second root at the same
size, 422 when the consistency proof does not verify, 200 with the cosignature line.
Checking the old size and persisting the new checkpoint happen under one lock, and the
state file is written atomically and fsynced before the cosignature is returned.
Requests that prove misbehaviour (a bad proof, a split view) are kept in an evidence file.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.trail.cosignature import CosignerKey, cosign, parse_cosigner_secret
from hub.trail.keys import KeyFileError, PublicKeyRing
from hub.trail.merkle import ProofError, verify_consistency
from hub.trail.signed_note import Checkpoint, CheckpointError, NoteError
from hub.trail.verify import KeyNotAllowed, open_hub_checkpoint

__all__ = [
    "MAX_PROOF_LINES",
    "MAX_REQUEST_BYTES",
    "Answer",
    "LogKeys",
    "Witness",
    "WitnessState",
    "load_witness_key",
]

log = structlog.get_logger("tabadol.witness")

MAX_PROOF_LINES: Final = 63
MAX_REQUEST_BYTES: Final = 64 * 1024
STATE_FORMAT: Final = "tabadol-witness-state/1"
SIZE_TYPE: Final = "text/x.tlog.size"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type and body."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def text(cls, status: int, message: str) -> Answer:
        return cls(status, (message.rstrip("\n") + "\n").encode())


class LogKeys:
    """A log's public-key history file, re-read when it changes (the log rotated a key)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime = -1.0
        self._ring = PublicKeyRing.load(path)
        self._mtime = path.stat().st_mtime
        if self._ring.origin is None:
            raise KeyFileError(f"{path}: the key history names no log origin")

    @property
    def origin(self) -> str:
        return self.ring.origin or ""

    @property
    def ring(self) -> PublicKeyRing:
        try:
            mtime = self.path.stat().st_mtime
            if mtime != self._mtime:
                self._ring, self._mtime = PublicKeyRing.load(self.path), mtime
        except (OSError, KeyFileError) as exc:  # keep the keys it had: a half-written file
            log.warning("log keys not reloaded", path=str(self.path), error=str(exc))
        return self._ring


class WitnessState:
    """The latest cosigned (size, root) per origin, in a JSON file written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.logs: dict[str, tuple[int, bytes]] = {}
        if path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != STATE_FORMAT:
                raise ValueError(f"{path}: not a witness state file ({STATE_FORMAT})")
            for origin, entry in document["logs"].items():
                self.logs[origin] = (int(entry["size"]), base64.b64decode(entry["root"]))

    def get(self, origin: str) -> tuple[int, bytes | None]:
        size, root = self.logs.get(origin, (0, None))
        return size, root

    def put(self, origin: str, size: int, root: bytes, at: int) -> None:
        self.logs[origin] = (size, root)
        document = {
            "format": STATE_FORMAT,
            "logs": {
                name: {"size": s, "root": base64.b64encode(r).decode(), "updated": at}
                for name, (s, r) in sorted(self.logs.items())
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            out.write(json.dumps(document, indent=1) + "\n")
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def load_witness_key(path: Path) -> tuple[str, Ed25519PrivateKey]:
    """Read a witness secret key file (``tabadol witness init`` writes it, mode 0600)."""
    return parse_cosigner_secret(path.read_text(encoding="utf-8"))


class Witness:
    """Cosigns checkpoints of the logs it knows when they extend what it saw before."""

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey,
        logs: Mapping[str, LogKeys],
        state: WitnessState,
        *,
        evidence: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = CosignerKey.of(name, private_key.public_key())
        self._private_key = private_key
        self.logs = dict(logs)
        self.state = state
        self.evidence = evidence
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.key.name

    def add_checkpoint(self, request: bytes) -> Answer:
        """Handle one ``add-checkpoint`` body; never raises for bad input."""
        try:
            old, proof, note = _parse_request(request)
        except ValueError as exc:
            return Answer.text(400, f"malformed request: {exc}")
        origin = note.split("\n", 1)[0]
        keys = self.logs.get(origin)
        if keys is None:
            return Answer.text(404, f"unknown log origin {origin!r}")
        try:
            checkpoint = open_hub_checkpoint(note, keys.ring, origin=origin).checkpoint
        except NoteError as exc:
            return Answer.text(403, f"no valid signature by the log's keys: {exc}")
        except KeyNotAllowed as exc:
            return Answer.text(403, f"the log's key may not sign this checkpoint: {exc}")
        except CheckpointError as exc:
            return Answer.text(400, f"malformed checkpoint: {exc}")
        if old > checkpoint.size:
            return Answer.text(
                400, f"old size {old} is above the checkpoint size {checkpoint.size}"
            )
        if old == 0 and proof:
            return Answer.text(400, "the consistency proof must be empty when the old size is 0")
        with self._lock:
            return self._add(checkpoint, old, proof, request)

    def _add(self, checkpoint: Checkpoint, old: int, proof: list[bytes], request: bytes) -> Answer:
        size, root = self.state.get(checkpoint.origin)
        if old != size:
            return Answer(409, f"{size}\n".encode(), SIZE_TYPE)
        if root is not None and old == checkpoint.size and root != checkpoint.root_hash:
            self._keep_evidence(checkpoint, "a second root at the size already cosigned", request)
            return Answer.text(409, f"a different root was cosigned at size {size}: split view")
        if root is not None and old < checkpoint.size:
            try:
                verify_consistency(old, checkpoint.size, root, checkpoint.root_hash, proof)
            except ProofError as exc:
                self._keep_evidence(checkpoint, f"consistency proof fails: {exc}", request)
                return Answer.text(422, f"consistency proof does not verify: {exc}")
        now = int(self._clock())
        if checkpoint.size != size or root is None:
            self.state.put(checkpoint.origin, checkpoint.size, checkpoint.root_hash, now)
        line = cosign(checkpoint.body(), self.name, self._private_key, now)
        log.info("cosigned", origin=checkpoint.origin, size=checkpoint.size, old=old)
        return Answer(200, (line + "\n").encode())

    def _keep_evidence(self, checkpoint: Checkpoint, reason: str, request: bytes) -> None:
        log.warning("log misbehaviour", origin=checkpoint.origin, reason=reason)
        if self.evidence is None:
            return
        record = {
            "at": int(self._clock()),
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "reason": reason,
            "request": request.decode("utf-8"),
        }
        with self.evidence.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _parse_request(request: bytes) -> tuple[int, list[bytes], str]:
    if len(request) > MAX_REQUEST_BYTES:
        raise ValueError(f"more than {MAX_REQUEST_BYTES} bytes")
    try:
        text = request.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    if not blank or not note:
        raise ValueError("no empty line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old "):
        raise ValueError("the first line must be 'old <size>'")
    digits = first[4:]
    if not digits.isdigit() or not digits.isascii() or (digits != "0" and digits[0] == "0"):
        raise ValueError(f"old size {digits!r} is not a decimal without leading zeros")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof: list[bytes] = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            raw = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise ValueError(f"line {number} is not a base64 hash") from None
        if len(raw) != 32 or base64.b64encode(raw).decode() != line:
            raise ValueError(f"line {number} is not a canonical base64 SHA-256 hash")
        proof.append(raw)
    return int(digits), proof, note
