"""Offline evidence bundles: one file that proves a case's (or an event's) record.

A bundle holds the stored envelopes of the events, each with its RFC 9162 inclusion proof
in the tree of one signed checkpoint, the checkpoint note, and the hub's key history.
:func:`verify_bundle` needs no network and no database: it re-derives every leaf hash
from the envelopes, verifies each inclusion proof against the checkpoint's root, the
checkpoint's signature with the key history (pinned to the auditor's own key file when
given), and every envelope's chain and signature from version 1 of its aggregate.

The file is canonical JSON (:meth:`EvidenceBundle.to_json`): verification re-serialises
what it parsed and refuses any other spelling, so a changed byte anywhere fails, even
where it would not change a hash (white space, base64 padding bits, escapes).
Store positions are left out: only log indexes, which the proofs pin, are carried.

Complete records
----------------
A bundle for a code (a case, consultation, petition or 16-digit inquiry code; see
:mod:`hub.trail.subjects`) also carries the record's *map proof*
(:mod:`hub.trail.aggregate_map`): the checkpoint signs the latest version of every
aggregate at its size, and the proof shows that version for this one. Verification
then requires every version from 1 to that one, the last being exactly the event the map
names, so a bundle missing its first, a middle or its last events fails and says which.
A bundle for one event (``<aggregate id>:<version>``) proves that event and its chain
only, and says so (``complete`` is False).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from aggregates.errors import DomainError
from hub.trail.agency_signatures import AgencyKeyRing
from hub.trail.aggregate_map import MapError, MapProof
from hub.trail.cosignature import WitnessPolicy
from hub.trail.encoding import b64, unb64
from hub.trail.keys import KeyFileError, KeyHistory, PublicKeyRing
from hub.trail.merkle import ProofError, verify_inclusion
from hub.trail.subjects import CodeSubject, code_subject
from hub.trail.verify import (
    HubCheckpoint,
    TrailEvent,
    TrailProblem,
    open_hub_checkpoint,
    verify_events,
)

__all__ = [
    "BUNDLE_FORMAT",
    "BundleError",
    "BundleReport",
    "BundledEvent",
    "EvidenceBundle",
    "verify_bundle",
]

BUNDLE_FORMAT = "tabadol-evidence/2"
_FIELDS = ["format", "subject", "checkpoint", "events", "aggregate_map", "keys"]


class BundleError(ValueError):
    """A bundle is malformed or does not verify; the message says where."""


@dataclass(frozen=True)
class BundledEvent:
    log_index: int
    event: TrailEvent
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "log_index": self.log_index,
            "aggregate_id": self.event.aggregate_id,
            "version": self.event.version,
            "topic": self.event.topic,
            "state": b64(self.event.state),
            "inclusion_proof": [b64(h) for h in self.proof],
        }


@dataclass(frozen=True)
class EvidenceBundle:
    subject: str
    checkpoint: str
    events: tuple[BundledEvent, ...]
    aggregate_map: MapProof | None
    """The subject record's map proof (code subjects; None for an event id)."""
    keys: KeyHistory

    def to_json(self) -> str:
        """The canonical text of the bundle (UTF-8, two-space indent, fixed key order)."""
        document = {
            "format": BUNDLE_FORMAT,
            "subject": self.subject,
            "checkpoint": self.checkpoint,
            "events": [e.to_json() for e in self.events],
            "aggregate_map": self.aggregate_map.to_json() if self.aggregate_map else None,
            "keys": self.keys.to_document(),
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def parse(cls, data: bytes) -> EvidenceBundle:
        """Parse a bundle strictly; raise :class:`BundleError`."""
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BundleError(f"not a JSON bundle: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"not an evidence bundle (expected format {BUNDLE_FORMAT!r})")
        if list(document) != _FIELDS:
            raise BundleError(f"unexpected, missing or reordered top-level fields (want {_FIELDS})")
        subject, note, events = document["subject"], document["checkpoint"], document["events"]
        if not (isinstance(subject, str) and isinstance(note, str) and isinstance(events, list)):
            raise BundleError("subject, checkpoint and events have the wrong types")
        try:
            keys = KeyHistory.from_document(document["keys"], "bundled key history")
        except (KeyFileError, ValueError) as exc:
            raise BundleError(str(exc)) from None
        parsed = tuple(_parse_event(raw, i) for i, raw in enumerate(events, start=1))
        try:
            raw_map = document["aggregate_map"]
            proof = None if raw_map is None else MapProof.from_json(raw_map, "aggregate_map")
        except MapError as exc:
            raise BundleError(str(exc)) from None
        bundle = cls(subject, note, parsed, proof, keys)
        if bundle.to_json().encode("utf-8") != data:
            raise BundleError("the bundle is not in canonical form: it was edited")
        return bundle


def _parse_event(raw: object, number: int) -> BundledEvent:
    where = f"event {number}"
    fields = ["log_index", "aggregate_id", "version", "topic", "state", "inclusion_proof"]
    if not isinstance(raw, dict) or list(raw) != fields:
        raise BundleError(f"{where}: expected the fields {fields}")
    index, aggregate_id, version, topic = (raw[f] for f in fields[:4])
    if not (type(index) is int and type(version) is int and index >= 0 and version >= 1):
        raise BundleError(f"{where}: log_index and version must be non-negative integers")
    if not (isinstance(aggregate_id, str) and isinstance(topic, str)):
        raise BundleError(f"{where}: aggregate_id and topic must be strings")
    proof = raw["inclusion_proof"]
    if not isinstance(proof, list):
        raise BundleError(f"{where}: inclusion_proof must be a list")
    state = _decode(raw["state"], f"{where} state")
    hashes = tuple(_decode(h, f"{where} proof hash {i}") for i, h in enumerate(proof, start=1))
    return BundledEvent(index, TrailEvent(index, aggregate_id, version, topic, state), hashes)


# -- verifying ------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleReport:
    """What a verified bundle proves."""

    subject: str
    events: int
    aggregates: int
    tree_size: int
    key_id: str
    origin: str
    pinned: bool
    """True when the keys were checked against the auditor's own key file."""
    witnesses: str = ""
    """How the auditor's witness policy was met (empty without a policy)."""
    complete: bool = False
    """True when the aggregate map proved that every event of the record, up to the
    checkpoint, is in the bundle (code subjects)."""
    kind: str = "event"
    """case, consultation, petition, inquiry, or event (an event-id bundle)."""
    attested: int = 0
    """Events that carry an agency's signed request."""
    agency_signatures: Mapping[str, int] = field(default_factory=dict)
    """Agencies' request signatures verified, by agency (empty without agency keys)."""


def verify_bundle(
    data: bytes,
    trusted: PublicKeyRing | None = None,
    *,
    policy: WitnessPolicy | None = None,
    agency_keys: AgencyKeyRing | None = None,
) -> BundleReport:
    """Verify a bundle offline; raise :class:`BundleError` naming the first failure.

    ``trusted`` is the auditor's own public-key file. The bundled key history must agree
    with it (it may be newer); without it, the bundle's own history is used and the
    report says so (compare its genesis key id with the published one). With
    ``agency_keys`` every agency's request signature in the bundled events is verified.
    """
    bundle = EvidenceBundle.parse(data)
    ring = _effective_keys(bundle.keys, trusted)
    origin = ring.origin or bundle.keys.origin
    try:
        checkpoint = open_hub_checkpoint(bundle.checkpoint, ring, origin=origin)
    except ValueError as exc:
        raise BundleError(f"checkpoint: {exc}") from None
    witnessed = ""
    if policy is not None:
        result = policy.check(bundle.checkpoint)
        if not result.met:
            raise BundleError(f"checkpoint of size {checkpoint.size}: {result.describe()}")
        witnessed = result.describe()
    if not bundle.events:
        raise BundleError("the bundle holds no events")
    record = _record_of(bundle.subject)
    previous = -1
    for item in bundle.events:
        name = f"event {item.event.event_id} (log index {item.log_index})"
        if item.log_index <= previous:
            raise BundleError(f"{name}: events are not in log order")
        previous = item.log_index
        try:
            verify_inclusion(
                item.event.leaf_hash(), item.log_index, checkpoint.size, item.proof, checkpoint.root
            )
        except ProofError as exc:
            raise BundleError(f"{name}: not in the checkpoint's tree: {exc}") from None
    if record is not None:
        _check_complete(bundle, record, checkpoint)
    elif bundle.aggregate_map is not None:
        raise BundleError("an event bundle carries no aggregate map proof")
    report = verify_events(((e.log_index, e.event) for e in bundle.events), ring, agency_keys)
    problem = report.problem
    if isinstance(problem, TrailProblem):  # bundled events carry log indexes as positions
        raise BundleError(
            f"event {problem.aggregate_id}:{problem.version} (log index {problem.position}):"
            f" {problem.reason}"
        )
    _check_subject(bundle)
    return BundleReport(
        bundle.subject,
        len(bundle.events),
        report.aggregates,
        checkpoint.size,
        checkpoint.key_id,
        origin,
        trusted is not None,
        witnessed,
        complete=record is not None,
        kind=record.kind if record is not None else "event",
        attested=report.attested,
        agency_signatures=dict(report.agency_signatures),
    )


def _record_of(subject: str) -> CodeSubject | None:
    """The record a code subject names (None for an event id); BundleError if malformed."""
    if ":" in subject:
        return None
    try:
        record = code_subject(subject)
    except (ValueError, DomainError):
        raise BundleError(f"subject {subject!r} is not a code or an event id") from None
    if record.code != subject:
        raise BundleError(f"subject {subject!r} is not in canonical form ({record.code})")
    return record


def _check_complete(bundle: EvidenceBundle, record: CodeSubject, checkpoint: HubCheckpoint) -> None:
    """Every event of the record up to the checkpoint is in the bundle: the map says so."""
    name = f"{record.kind} {record.code}"
    try:
        head = checkpoint.aggregates
    except MapError as exc:
        raise BundleError(f"checkpoint: {exc}") from None
    if head is None:
        raise BundleError(
            f"the checkpoint (size {checkpoint.size}) carries no aggregate map, so nothing"
            f" proves the bundle holds every event of {name}: build it again on a newer"
            " checkpoint"
        )
    proof = bundle.aggregate_map
    if proof is None:
        raise BundleError(f"the bundle carries no aggregate map proof for {name}")
    entry = proof.entry
    if entry.aggregate_id != str(record.aggregate_id):
        raise BundleError(f"the aggregate map proof is for another aggregate than {name}")
    try:
        proof.verify(head)
    except MapError as exc:
        raise BundleError(f"aggregate map: {exc}") from None
    mine = [e for e in bundle.events if e.event.aggregate_id == entry.aggregate_id]
    if not mine:
        raise BundleError(f"the bundle holds no event of {name}")
    versions = [e.event.version for e in mine]
    first, last = versions[0], versions[-1]
    if first != 1:
        raise BundleError(
            f"{name}: the bundle starts at version {first}: versions 1–{first - 1} are"
            " missing (the start of the record was cut)"
        )
    if last < entry.version:
        missing = f"{last + 1}" if last + 1 == entry.version else f"{last + 1}–{entry.version}"
        raise BundleError(
            f"{name}: the bundle holds versions 1–{last}, but the checkpoint's aggregate map"
            f" says the record had {entry.version} events at size {checkpoint.size}: version"
            f" {missing} missing (the end of the record was cut)"
        )
    if last > entry.version or mine[-1].log_index != entry.log_index:
        raise BundleError(
            f"{name}: the bundle's last event (version {last}, log index {mine[-1].log_index})"
            f" is not the record's head in the aggregate map (version {entry.version}, log"
            f" index {entry.log_index})"
        )
    if mine[-1].event.leaf_hash() != entry.leaf_hash:
        raise BundleError(f"{name}: the last event is not the one the aggregate map names")


def _effective_keys(bundled: KeyHistory, trusted: PublicKeyRing | None) -> PublicKeyRing:
    if trusted is None:
        return PublicKeyRing.from_history(bundled)
    if trusted.history is not None and trusted.history.signed and bundled.signed:
        try:
            return PublicKeyRing.from_history(trusted.history.merged(bundled))
        except KeyFileError as exc:
            raise BundleError(f"the bundled key history does not match yours: {exc}") from None
    return trusted  # a legacy key file: only its own keys are trusted


def _check_subject(bundle: EvidenceBundle) -> None:
    present = {(e.event.aggregate_id, e.event.version) for e in bundle.events}
    subject = bundle.subject
    if ":" in subject:
        aggregate, _, version = subject.rpartition(":")
        try:
            wanted = (str(UUID(aggregate)), int(version))
        except ValueError:
            raise BundleError(f"subject {subject!r} is not an event id") from None
        if wanted != (aggregate, int(version)) or wanted not in present:
            raise BundleError(f"the bundle does not hold its subject event {subject}")
        return
    record = _record_of(subject)
    assert record is not None
    if (str(record.aggregate_id), 1) not in present:
        raise BundleError(f"the bundle does not hold the events of {record.kind} {subject}")


def _decode(value: object, where: str) -> bytes:
    return unb64(value, where, BundleError, canonical=False)
