"""Offline audit: export a trail, and verify one with public keys only.

A trail is read from an export file (JSON Lines), an SQLite file or a PostgreSQL URL.
Verification checks, in global order, every envelope, every chain link and every
signature, and names the first bad event.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.utils import Environment

from hub.config import APP_NAME, store_env
from hub.envelope import GENESIS, Envelope, EnvelopeError, event_hash, signed_message
from hub.keys import PublicKeyRing

__all__ = [
    "TRAIL_FORMAT",
    "TrailEvent",
    "TrailProblem",
    "VerifyReport",
    "export_trail",
    "read_trail",
    "verify_trail",
]

TRAIL_FORMAT = "tabadol-trail/1"
_PAGE = 1000


@dataclass(frozen=True, slots=True)
class TrailEvent:
    """One stored event as an auditor sees it: position, record and envelope bytes."""

    position: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "position": self.position,
                "aggregate_id": self.aggregate_id,
                "version": self.version,
                "topic": self.topic,
                "state": base64.b64encode(self.state).decode(),
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class TrailProblem:
    position: int
    aggregate_id: str
    version: int
    reason: str

    def __str__(self) -> str:
        return (
            f"event at position {self.position}: aggregate {self.aggregate_id}"
            f" version {self.version}: {self.reason}"
        )


@dataclass
class VerifyReport:
    events: int = 0
    aggregates: int = 0
    signatures: int = 0
    keys: Counter[str] = field(default_factory=Counter)
    problem: TrailProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _recorder(url: str) -> ApplicationRecorder:
    env = store_env(url, create_table=False)
    factory = InfrastructureFactory.construct(Environment(name=APP_NAME, env=env))
    return factory.application_recorder()


def _from_store(url: str) -> Iterator[TrailEvent]:
    recorder = _recorder(url)
    start = 1
    while True:
        page = recorder.select_notifications(start, _PAGE)
        for n in page:
            yield TrailEvent(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
        if len(page) < _PAGE:
            return
        start = page[-1].id + 1


def _from_file(path: Path) -> Iterator[TrailEvent]:
    with path.open(encoding="utf-8") as lines:
        header = json.loads(next(lines, "{}"))
        if header.get("format") != TRAIL_FORMAT:
            raise ValueError(f"{path}: not a trail export (expected format {TRAIL_FORMAT!r})")
        for line in lines:
            if line.strip():
                d = json.loads(line)
                yield TrailEvent(
                    d["position"],
                    d["aggregate_id"],
                    d["version"],
                    d["topic"],
                    base64.b64decode(d["state"]),
                )


def read_trail(source: str) -> Iterator[TrailEvent]:
    """Events from a trail file, an SQLite file (path or sqlite:///) or a PostgreSQL URL."""
    if source.startswith(("postgresql://", "postgres://", "sqlite:///")):
        return _from_store(source)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{source}: no such file")
    with path.open("rb") as probe:
        if probe.read(16).startswith(b"SQLite format 3"):
            return _from_store(f"sqlite:///{path}")
    return _from_file(path)


def export_trail(source: str, out: IO[str], *, origin: str = "tabadol") -> int:
    """Write the trail as JSON Lines: a header, then one event per line. Returns the count."""
    out.write(json.dumps({"format": TRAIL_FORMAT, "origin": origin}) + "\n")
    count = 0
    for event in read_trail(source):
        out.write(event.to_json() + "\n")
        count += 1
    return count


@dataclass
class _Chain:
    version: int = 0
    head: bytes = GENESIS
    unsigned: list[tuple[int, int]] = field(default_factory=list)  # (position, version)


def verify_trail(events: Iterable[TrailEvent], keys: PublicKeyRing) -> VerifyReport:
    """Check every envelope, link and signature in order; stop at the first bad event."""
    report = VerifyReport()
    chains: dict[str, _Chain] = {}
    for event in events:
        report.events += 1
        chain = chains.setdefault(event.aggregate_id, _Chain())
        problem = _check(event, chain, keys, report)
        if problem:
            report.problem = TrailProblem(
                event.position, event.aggregate_id, event.version, problem
            )
            return report
    report.aggregates = len(chains)
    for aggregate_id, chain in chains.items():
        if chain.unsigned:
            position, version = chain.unsigned[0]
            report.problem = TrailProblem(
                position,
                aggregate_id,
                version,
                "not covered by any signature (signed successor missing)",
            )
            break
    return report


def _check(event: TrailEvent, chain: _Chain, keys: PublicKeyRing, report: VerifyReport) -> str:
    try:
        envelope = Envelope.from_bytes(event.state)
    except EnvelopeError as exc:
        return f"malformed envelope: {exc}"
    expected = chain.version + 1
    if event.version > expected:
        return f"version {expected} is missing: events were deleted from this aggregate"
    if event.version < expected:
        return f"version {event.version} repeats or comes out of order (expected {expected})"
    if envelope.prev_hash != chain.head:
        return f"chain broken: previous-event hash does not match version {event.version - 1}"
    # the id is hashed in its canonical text form, which TrailEvent already holds
    digest = event_hash(
        envelope.prev_hash, event.aggregate_id, event.version, event.topic, envelope.payload
    )
    if envelope.signature is None:
        chain.unsigned.append((event.position, event.version))
    else:
        if envelope.key_id not in keys:
            return f"signed by unknown key {envelope.key_id!r}"
        if not keys.verify(
            envelope.key_id, envelope.signature, signed_message(envelope.key_id, digest)
        ):
            return f"bad signature (key {envelope.key_id}): the record was altered"
        report.signatures += 1
        report.keys[envelope.key_id] += 1
        chain.unsigned.clear()
    chain.version, chain.head = event.version, digest
    return ""
