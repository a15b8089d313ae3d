"""Offline audit: export a trail, and verify one with public keys only.

A trail is read from an export file (JSON Lines), an SQLite file or a PostgreSQL URL.
Verification checks, in global order, every envelope, every chain link and every
signature (against the key valid at that log index, see :mod:`hub.trail.keys`), recomputes the
Merkle tree of the whole log and compares it with every signed checkpoint given, and
names the first bad event or checkpoint.

The log entry (what a Merkle leaf is)
-------------------------------------
Leaf ``i`` of the tree is the ``i``-th stored event in global order: ascending store
position (notification id), counting from 0 with gaps in the positions skipped, so the
*log index* ``i`` is not the position. Its entry bytes are::

    "tabadol/log-entry/v1" 0x00
    ‖ u32 length ‖ aggregate id   (canonical text: lowercase UUID with dashes, UTF-8)
    ‖ u64 version
    ‖ u32 length ‖ topic          (UTF-8)
    ‖ u32 length ‖ state          (the stored envelope: key id, previous hash,
                                   signature and payload, exactly as stored)

with big-endian integers, and the leaf hash is RFC 9162's ``SHA-256(0x00 ‖ entry)``.
Positions are left out on purpose: they are the store's numbering (PostgreSQL leaves gaps
after a rolled-back insert), while the order of the leaves is what the tree pins down.
Every field an auditor needs is in each line of an export, so the tree is recomputed from
an export alone.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import struct
from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

from hub.trail.agency_signatures import (
    REQUIREMENT_TOPIC,
    AgencyKeyRing,
    Attestation,
    RequestSignatureError,
)
from hub.trail.aggregate_map import LeafMap, MapError, MapHead, map_head_of
from hub.trail.encoding import length_prefixed
from hub.trail.envelope import (
    GENESIS,
    BatchVerifier,
    Envelope,
    EnvelopeError,
    plain_v2,
    record_hash,
    signed_message,
)
from hub.trail.heads import AggregateHeads
from hub.trail.keys import PublicKeyRing
from hub.trail.merkle import EMPTY_ROOT
from hub.trail.signed_note import Checkpoint, CheckpointError, NoteError, key_id, open_note

__all__ = [
    "CHECKPOINTS_FORMAT",
    "LOG_ENTRY_DOMAIN",
    "TRAIL_FORMAT",
    "TRAIL_FORMAT_V1",
    "CheckpointProblem",
    "ExportHeader",
    "HubCheckpoint",
    "KeyNotAllowed",
    "TrailEvent",
    "TrailPart",
    "TrailProblem",
    "TrailRows",
    "VerifyReport",
    "export_body_offset",
    "log_entry",
    "open_hub_checkpoint",
    "read_checkpoint_notes",
    "read_export",
    "read_export_header",
    "read_export_range",
    "stitch_parts",
    "verify_events",
    "verify_part",
    "verify_trail",
    "write_checkpoint_notes",
]

TRAIL_FORMAT = "tabadol-trail/2"
"""An export: a header, every checkpoint, then one event per line by log index."""
TRAIL_FORMAT_V1 = "tabadol-trail/1"
"""Older exports: no checkpoints, and each line's unsigned store position."""
_V2_FIELDS = ["index", "aggregate_id", "version", "topic", "state"]
CHECKPOINTS_FORMAT = "tabadol-checkpoints/1"
LOG_ENTRY_DOMAIN = b"tabadol/log-entry/v1\x00"
_PAGE = 1000
_SIG_PREFIX = "\N{EM DASH} "


def log_entry(aggregate_id: str, version: int, topic: str, state: bytes) -> bytes:
    """The Merkle entry of one stored event (see the module docstring)."""
    aid, top = aggregate_id.encode(), topic.encode()
    return b"".join(
        (
            LOG_ENTRY_DOMAIN,
            struct.pack(">I", len(aid)),
            aid,
            struct.pack(">QI", version, len(top)),
            top,
            struct.pack(">I", len(state)),
            state,
        )
    )


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

    def export_line(self, log_index: int) -> str:
        """The event's line in a ``tabadol-trail/2`` export: its log index, not its store
        position (the tree pins log indexes; positions are the store's, and unsigned)."""
        return json.dumps(
            {
                "index": log_index,
                "aggregate_id": self.aggregate_id,
                "version": self.version,
                "topic": self.topic,
                "state": base64.b64encode(self.state).decode(),
            },
            separators=(",", ":"),
        )

    @property
    def event_id(self) -> str:
        """``<aggregate id>:<version>``: how the audit service names an event."""
        return f"{self.aggregate_id}:{self.version}"

    def entry(self) -> bytes:
        return log_entry(self.aggregate_id, self.version, self.topic, self.state)

    def leaf_hash(self) -> bytes:
        """RFC 9162 leaf hash of :meth:`entry`."""
        return hashlib.sha256(b"\x00" + self.entry()).digest()


@dataclass(frozen=True)
class TrailProblem:
    position: int
    aggregate_id: str
    version: int
    reason: str
    where: str = "position"
    """What ``position`` counts: the store position, or the log index (format 2 exports)."""

    def __str__(self) -> str:
        return (
            f"event at {self.where} {self.position}: aggregate {self.aggregate_id}"
            f" version {self.version}: {self.reason}"
        )


@dataclass(frozen=True)
class CheckpointProblem:
    """A checkpoint that does not verify, or that the trail does not match.

    ``position`` is the store position where the trail and the checkpoint's tree diverge
    (0 when the checkpoint itself is bad), ``log_index`` the matching leaf index.
    """

    size: int
    reason: str
    position: int = 0
    log_index: int | None = None

    def __str__(self) -> str:
        return f"checkpoint of size {self.size}: {self.reason}"


@dataclass
class VerifyReport:
    events: int = 0
    aggregates: int = 0
    signatures: int = 0
    keys: Counter[str] = field(default_factory=Counter)
    problem: TrailProblem | CheckpointProblem | None = None
    checkpoints: int = 0
    """How many signed checkpoints the recomputed tree matched."""
    checkpoint_size: int = 0
    """The size of the largest matched checkpoint (0: none)."""
    root: bytes = b""
    """The Merkle root of the whole trail (RFC 9162), when it was read to the end."""
    attested: int = 0
    """Events that carry an agency's signed request (an attestation)."""
    agency_signatures: Counter[str] = field(default_factory=Counter)
    """Agencies' request signatures verified, by agency (0 without agency keys)."""
    requirements: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    """The agency-signature requirements recorded in the trail: (log index, agencies)."""

    @property
    def ok(self) -> bool:
        return self.problem is None


# -- reading trails -------------------------------------------------------------------


def _json_object(path: Path, number: int, line: str) -> dict[str, Any]:
    """One JSON Lines record as an object, or a ValueError naming the file and line."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: line {number}: not JSON ({error.msg})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path}: line {number}: expected a JSON object")
    return value


@dataclass(frozen=True)
class ExportHeader:
    """What an export says before its events: its format, origin and checkpoints."""

    format: str
    origin: str
    checkpoints: tuple[tuple[str, str | None], ...]
    """The signed checkpoint notes written into the export (format 2), smallest first,
    each with its RFC 3161 time-stamp token (base64 DER) or None."""

    @property
    def indexed(self) -> bool:
        """Whether each event line carries its log index (format 2) rather than a position."""
        return self.format == TRAIL_FORMAT


def read_export_header(path: Path) -> ExportHeader:
    """The header and the checkpoint lines of an export."""
    notes: list[tuple[str, str | None]] = []
    with path.open(encoding="utf-8") as lines:
        header = _json_object(path, 1, next(lines, "{}"))
        kind = header.get("format")
        if kind not in (TRAIL_FORMAT, TRAIL_FORMAT_V1):
            raise ValueError(f"{path}: not a trail export (expected format {TRAIL_FORMAT!r})")
        for number, line in enumerate(lines, start=2):
            if not line.startswith('{"checkpoint":'):
                break
            record = _json_object(path, number, line).get("checkpoint")
            if not isinstance(record, dict) or not isinstance(record.get("note"), str):
                raise ValueError(f"{path}: line {number}: malformed checkpoint line")
            token = record.get("timestamp")
            notes.append((record["note"], token if isinstance(token, str) else None))
    return ExportHeader(str(kind), str(header.get("origin", "")), tuple(notes))


def read_export(path: Path) -> Iterator[TrailEvent]:
    """The events of an export, in file order. In format 2 an event's ``position`` is the
    log index its line claims (:func:`verify_trail` with ``indexed=True`` checks it)."""
    with path.open(encoding="utf-8") as lines:
        header = _json_object(path, 1, next(lines, "{}"))
        kind = header.get("format")
        if kind not in (TRAIL_FORMAT, TRAIL_FORMAT_V1):
            raise ValueError(f"{path}: not a trail export (expected format {TRAIL_FORMAT!r})")
        for number, line in enumerate(lines, start=2):
            if not line.strip() or line.startswith('{"checkpoint":'):
                continue
            d = _json_object(path, number, line)
            if kind == TRAIL_FORMAT and list(d) != _V2_FIELDS:
                raise ValueError(
                    f"{path}: line {number}: expected the fields {_V2_FIELDS}, got {list(d)}"
                )
            try:
                index = d["index" if kind == TRAIL_FORMAT else "position"]
                if type(index) is not int:
                    raise TypeError("the log index must be an integer")
                event = TrailEvent(
                    index,
                    str(d["aggregate_id"]),
                    int(d["version"]),
                    str(d["topic"]),
                    base64.b64decode(d["state"], validate=True),
                )
            except KeyError as missing:
                raise ValueError(f"{path}: line {number}: field {missing} is missing") from None
            except (TypeError, ValueError) as error:
                raise ValueError(f"{path}: line {number}: malformed event: {error}") from None
            yield event


# -- checkpoints ----------------------------------------------------------------------

_NOTE = re.compile(r"(?:[^\n]+\n)+\n(?:\N{EM DASH} [^\n]+\n)+")


def write_checkpoint_notes(notes: Iterable[tuple[int, str, str]], out: IO[str]) -> int:
    """Write (tree size, signed at, note) rows as JSON Lines; return the count."""
    out.write(json.dumps({"format": CHECKPOINTS_FORMAT}) + "\n")
    count = 0
    for size, signed_at, note in notes:
        out.write(json.dumps({"tree_size": size, "signed_at": signed_at, "note": note}) + "\n")
        count += 1
    return count


def read_checkpoint_notes(path: Path) -> list[str]:
    """Checkpoint notes from a file: JSON Lines from ``tabadol audit checkpoints``, or
    plain notes one after another (as an auditor saves them), or a single note."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("{"):
        lines = [
            (n, _json_object(path, n, line))
            for n, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
        if not lines or lines[0][1].get("format") != CHECKPOINTS_FORMAT:
            raise ValueError(f"{path}: expected format {CHECKPOINTS_FORMAT!r}")
        missing = [n for n, line in lines[1:] if not isinstance(line.get("note"), str)]
        if missing:
            raise ValueError(f"{path}: line {missing[0]}: field 'note' is missing")
        return [str(line["note"]) for _, line in lines[1:]]
    notes = _NOTE.findall(text.replace("\r\n", "\n"))
    if not notes:
        raise ValueError(f"{path}: no signed checkpoint note found")
    return notes


class KeyNotAllowed(CheckpointError):
    """The checkpoint's signature is valid, but its key may not sign at that size."""


@dataclass(frozen=True)
class HubCheckpoint:
    """A checkpoint note whose signature verified with a hub key allowed at its size."""

    checkpoint: Checkpoint
    key_id: str
    note: str

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root_hash

    @property
    def aggregates(self) -> MapHead | None:
        """The signed head of the aggregate map, if the checkpoint carries one.

        :raises MapError: the map line is malformed.
        """
        return map_head_of(self.checkpoint.extensions)


def open_hub_checkpoint(
    note: str | bytes, keys: PublicKeyRing, *, origin: str | None = None
) -> HubCheckpoint:
    """Verify a checkpoint note against the hub's keys and their history.

    The note's key name is the log origin (from the key history unless ``origin`` is
    given); the signing key must be allowed to sign a checkpoint of that size (not
    revoked before it, not younger than it).

    :raises NoteError: bad or missing signature.
    :raises CheckpointError: malformed body, another origin, or a key not allowed.
    """
    origin = origin or keys.origin
    if origin is None:
        raise CheckpointError("no log origin: pass one, or use a key history that names it")
    text = note.decode("utf-8") if isinstance(note, bytes) else note
    by_note_id = {key_id(origin, public): kid for kid, public in keys.items()}
    body, _ = open_note(text, [(origin, public) for public in keys.values()])
    checkpoint = Checkpoint.parse(body)
    if checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    refusals: list[str] = []
    for line in text[len(body) + 1 :].splitlines():
        name, _, encoded = line.removeprefix(_SIG_PREFIX).partition(" ")
        hub_key = by_note_id.get(base64.b64decode(encoded)[:4]) if name == origin else None
        if hub_key is None:
            continue
        refusal = keys.check_checkpoint(hub_key, checkpoint.size)
        if not refusal:
            return HubCheckpoint(checkpoint, hub_key, text)
        refusals.append(refusal)
    if refusals:
        raise KeyNotAllowed("; ".join(refusals))
    raise CheckpointError("no hub key signed this checkpoint")


# -- verification ---------------------------------------------------------------------


_Proof = tuple[int, int, bytes]
"""A version-2 envelope's leaf index, batch size and path nodes (one after another)."""

ALL_AGENCIES_MARK = "*"


def unsigned_reason(agency: str, since: int, where: str = "position") -> str:
    """Why an event of a required agency's call without its signature fails."""
    return (
        f"{agency} was required to sign from {where} {since}; this event, written by"
        f" {agency}'s call (by={agency}), carries no agency signature"
    )


def _by(payload: bytes) -> str | None:
    """Who the event says acted (its ``by``), when its payload is readable and names one."""
    try:
        fields = json.loads(payload)
    except ValueError:
        return None  # an encrypted payload names nobody
    by = fields.get("by") if isinstance(fields, dict) else None
    return by if isinstance(by, str) and by else None


def _agency_like(by: str) -> bool:
    """Whether ``by`` may be an agency's code (``MOJ``), not ``kind:name`` or a person."""
    return by.isascii() and by.isupper() and ":" not in by and len(by) <= 32


class _Chains:
    """Per-aggregate chains: versions, links, signatures and the key rules.

    Each aggregate's state is one compact head (:class:`~hub.trail.heads.AggregateHeads`:
    bounded memory however many aggregates the log holds); a plain version-2 envelope is
    read by :func:`~hub.trail.envelope.plain_v2`, any other by :class:`Envelope`.
    """

    def __init__(
        self,
        keys: PublicKeyRing,
        report: VerifyReport,
        part: TrailPart | None = None,
        agency_keys: AgencyKeyRing | None = None,
    ) -> None:
        self.keys = keys
        self.report = report
        self.agency_keys = agency_keys
        self._attested: bytes | None = None
        self._attested_agency = ""
        """The attestation last verified: a call's events share one, and come together."""
        self.required: dict[str, int] = {}
        """Agencies that must sign (checked with agency keys), from which log index."""
        self.seen_requirement = False
        self.heads = AggregateHeads()
        self.unsigned: dict[str, tuple[int, int, int]] = {}
        """Aggregates whose latest events no signature covers yet: (number, position and
        version of the first such event)."""
        self.batches = BatchVerifier(keys.verify)
        self.part = part
        """A part of the trail, not its start: the links into it and the key rules are
        left to whoever joins the parts (:func:`stitch_parts`)."""
        self._topics: dict[str, bytes] = {}
        self._window: tuple[str, int, int | None] = ("", 0, 0)
        """A key id and the log indexes [first, end) where it may sign (checked once)."""
        self.record = b""
        """The last event's framed record (id, version, topic): its log entry's too."""
        self.aggregate = b""
        """The last event's aggregate id (UTF-8)."""
        self.number = 0
        """The last event's aggregate's number, in order of first appearance."""

    def problem(
        self, position: int, aggregate_id: str, version: int, topic: str, state: bytes, at: int
    ) -> TrailProblem | None:
        """Check the event at log index ``at``; None when it verifies."""
        reason = self.check(position, aggregate_id, version, topic, state, at)
        if reason:
            return TrailProblem(position, aggregate_id, version, reason)
        return None

    def close(self) -> None:
        self.heads.close()

    def uncovered(self) -> TrailProblem | None:
        """The first aggregate (in order of first appearance) whose last events no
        signature covers."""
        if not self.unsigned:
            return None
        aggregate_id, (_, position, version) = min(
            self.unsigned.items(), key=lambda item: item[1][0]
        )
        return TrailProblem(
            position,
            aggregate_id,
            version,
            "not covered by any signature (signed successor missing)",
        )

    def check(
        self, position: int, aggregate_id: str, version: int, topic: str, state: bytes, at: int
    ) -> str:
        """Check the event at log index ``at``: why it does not verify, or ""."""
        head = self.heads.hot.get(aggregate_id) or self.heads.get(aggregate_id)
        if head is None:
            number, last, chain_head = self.heads.number(), 0, GENESIS
        else:
            number, last, chain_head = head
        fields = plain_v2(state)
        envelope = None
        if fields is None:
            try:
                envelope = Envelope.from_bytes(state)
            except EnvelopeError as exc:
                return f"malformed envelope: {exc}"
            prev_hash, payload = envelope.prev_hash, envelope.payload
        else:
            prev_hash, payload = fields[1], fields[6]
        part = self.part
        if part is not None and last == 0 and aggregate_id not in part.first:
            # the aggregate's first event in this part: its link is checked when stitching
            part.first[aggregate_id] = (version, prev_hash)
            last, chain_head = version - 1, prev_hash
        expected = last + 1
        if version > expected:
            return f"version {expected} is missing: events were deleted from this aggregate"
        if version < expected:
            return f"version {version} repeats or comes out of order (expected {expected})"
        if prev_hash != chain_head:
            return f"chain broken: previous-event hash does not match version {version - 1}"
        # the id is hashed in its canonical text form, which the event already holds
        aggregate = aggregate_id.encode()
        framed_topic = self._topics.get(topic)
        if framed_topic is None:
            framed_topic = self._topics[topic] = length_prefixed(topic)
        record = b"".join(
            (len(aggregate).to_bytes(4, "big"), aggregate, version.to_bytes(8, "big"), framed_topic)
        )
        signature: bytes | None
        if fields is not None:
            key_id, _, signature, index, size, path, _ = fields
            digest = record_hash(prev_hash, record, payload)
            known, first, end = self._window
            if key_id == known and first <= at and (end is None or at < end) and part is None:
                batches = self.batches  # the key may sign here (the window of _key_rules)
                before = batches.signatures
                reason = batches.check_fields(key_id, signature, index, size, path, digest)
                if batches.signatures != before and not reason:
                    self.report.signatures += 1
                    self.report.keys[key_id] += 1
            else:
                reason = self._check_batch(at, digest, key_id, signature, (index, size, path))
            if reason:
                return reason
            if self.unsigned:
                self.unsigned.pop(aggregate_id, None)
            if self.agency_keys is not None:
                reason = self._check_required(payload, at)
                if reason:
                    return reason
        else:
            assert envelope is not None
            digest = record_hash(prev_hash, record, payload, envelope.attestation)
            reason = self._check_signatures(
                envelope, digest, at, position, version, number, aggregate_id
            )
            if reason:
                return reason
            if envelope.attestation is not None:
                reason = self._check_attestation(envelope.attestation, envelope.payload)
                if reason:
                    return reason
            elif self.agency_keys is not None:
                reason = self._check_required(envelope.payload, at)
                if reason:
                    return reason
            signature = envelope.signature
        if topic == REQUIREMENT_TOPIC:
            self._requirement(payload, at, position)
        if head is None:
            self.heads.add(aggregate_id, (number, version, digest))
        else:
            self.heads.hot[aggregate_id] = (number, version, digest)
        if part is not None and signature is not None:
            part.signed.add(aggregate_id)
        self.record, self.aggregate, self.number = record, aggregate, number
        return ""

    def _requirement(self, payload: bytes, log_index: int, position: int) -> None:
        """Note which agencies the hub recorded as required to sign from here on."""
        try:
            fields = json.loads(payload)
            agencies = tuple(str(a) for a in fields["agencies"])
        except (ValueError, KeyError, TypeError):
            agencies = ("(unreadable)",)
        self.report.requirements.append((log_index, agencies))
        self.seen_requirement = True
        # ``*`` (every agency) is reported, not checked: an event's ``by`` cannot tell an
        # agency's code from the national window's, which never signs.
        self.required = {
            a: self.required.get(a, position) for a in agencies if a != ALL_AGENCIES_MARK
        }

    def _check_required(self, payload: bytes, log_index: int) -> str:
        """An unattested event whose ``by`` names an agency that had to sign: refused (in a
        part, before its own first requirement event, noted for :func:`stitch_parts`)."""
        if not (self.required or (self.part is not None and not self.seen_requirement)):
            return ""
        by = _by(payload)
        if by is None:
            return ""
        since = self.required.get(by)
        if since is not None:
            return unsigned_reason(by, since)
        if self.part is not None and not self.seen_requirement and _agency_like(by):
            self.part.unattested.setdefault(by, log_index)
        return ""

    def _check_attestation(self, attestation: bytes, payload: bytes) -> str:
        """The agency's signature over the request that wrote the event, with the agencies'
        registered keys (none given: counted, not checked); an event whose ``by`` names
        an agency must carry that agency's signature, not another's."""
        self.report.attested += 1
        if self.agency_keys is None:
            return ""
        if attestation != self._attested:
            try:
                signed = Attestation.from_bytes(attestation)
                self.agency_keys.verify(signed)
            except RequestSignatureError as error:
                return (
                    f"agency signature refused: {error}: the hub holds no request signed by"
                    " that agency"
                )
            self._attested, self._attested_agency = attestation, signed.agency
            self.report.agency_signatures[signed.agency] += 1
        by = _by(payload)
        if by is not None and _agency_like(by) and by != self._attested_agency:
            return (
                f"agency signature refused: the event was written as {by}'s but carries"
                f" {self._attested_agency}'s signed request"
            )
        return ""

    def _check_batch(
        self, log_index: int, digest: bytes, key_id: str, signature: bytes, proof: _Proof
    ) -> str:
        """The batch signature over a version-2 envelope's event; ``proof`` is its leaf
        index, batch size and path nodes."""
        index, size, path = proof
        refusal = self._key_rules(key_id, log_index)
        if refusal:
            return refusal
        batches = self.batches
        before = batches.signatures
        reason = batches.check_fields(key_id, signature, index, size, path, digest)
        if reason:
            return reason
        part = self.part
        if part is not None and part.first_batch is None:
            part.first_batch = batches.current
        if batches.signatures != before:
            self.report.signatures += 1
            self.report.keys[key_id] += 1
        return ""

    def _check_signatures(
        self,
        envelope: Envelope,
        digest: bytes,
        log_index: int,
        position: int,
        version: int,
        number: int,
        aggregate_id: str,
    ) -> str:
        """The hub's signature (a batch's, or the event's own in version 1)."""
        if envelope.batch is not None:
            proof = envelope.batch
            assert envelope.signature is not None  # a version-2 envelope always has one
            reason = self._check_batch(
                log_index,
                digest,
                envelope.key_id,
                envelope.signature,
                (proof.index, proof.size, b"".join(proof.path)),
            )
            if reason:
                return reason
            self.unsigned.pop(aggregate_id, None)
        elif envelope.signature is None:
            self.unsigned.setdefault(aggregate_id, (number, position, version))
        else:
            refusal = self._key_rules(envelope.key_id, log_index)
            if refusal:
                return refusal
            if not self.keys.verify(
                envelope.key_id, envelope.signature, signed_message(envelope.key_id, digest)
            ):
                return f"bad signature (key {envelope.key_id}): the record was altered"
            self.report.signatures += 1
            self.report.keys[envelope.key_id] += 1
            self.unsigned.pop(aggregate_id, None)
        return ""

    def _key_rules(self, key_id: str, log_index: int) -> str:
        """Whether ``key_id`` may sign at ``log_index``; in a part, where log indexes are
        relative, only whether the key is known (the runs of keys are checked when the
        parts are joined)."""
        part = self.part
        if part is None:
            known, first, end = self._window
            if key_id == known and first <= log_index and (end is None or log_index < end):
                return ""
            refusal = self.keys.check_event(key_id, log_index)
            window = None if refusal else self.keys.event_window(key_id)
            if window is not None:
                self._window = (key_id, *window)
            return refusal
        if key_id not in self.keys.by_id:
            return f"signed by unknown key {key_id!r}"
        runs = part.keys
        if runs and runs[-1][2] == key_id and runs[-1][1] == log_index - 1:
            runs[-1] = (runs[-1][0], log_index, key_id)
        else:
            runs.append((log_index, log_index, key_id))
        return ""


@dataclass
class TrailPart:
    """What checking a contiguous part of a trail found, for :func:`stitch_parts`.
    Log indexes here count from the part's first event (0)."""

    events: int = 0
    leaves: bytearray = field(default_factory=bytearray)
    """The log leaf hashes, 32 bytes each, in order."""
    aggregates: list[str] = field(default_factory=list)
    """Each event's aggregate id, in order (for the aggregate map)."""
    versions: array[int] = field(default_factory=lambda: array("q"))
    positions: array[int] = field(default_factory=lambda: array("q"))
    keys: list[tuple[int, int, str]] = field(default_factory=list)
    """(first, last) relative log index of each run of signed events by one key."""
    first: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    """Each aggregate's first version in the part and the previous hash it links to."""
    last: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    """Each aggregate's last version and hash in the part."""
    unsigned: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Version-1 events at an aggregate's end of the part still waiting for a signature."""
    signed: set[str] = field(default_factory=set)
    """Aggregates with a signed event in the part (it covers their earlier unsigned ones)."""
    signatures: int = 0
    key_signatures: Counter[str] = field(default_factory=Counter)
    first_batch: tuple[str, bytes, int] | None = None
    """The batch of the part's first and last version-2 events: a batch cut by a part
    boundary is verified by both parts but counted once."""
    last_batch: tuple[str, bytes, int] | None = None
    problem: TrailProblem | None = None
    attested: int = 0
    agency_signatures: Counter[str] = field(default_factory=Counter)
    requirements: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    """As :attr:`VerifyReport.requirements`, log indexes counted from the part's start."""
    unattested: dict[str, int] = field(default_factory=dict)
    """Before the part's first requirement event: each ``by`` of an event without an
    agency's signature, with its first log index in the part (checked when stitching)."""


def verify_part(
    events: Iterable[TrailEvent],
    keys: PublicKeyRing,
    agency_keys: AgencyKeyRing | None = None,
) -> TrailPart:
    """Check the envelopes, signatures and links inside a part of a trail, and collect what
    joining it to the parts before it needs (a worker of a parallel verification)."""
    part = TrailPart()
    report = VerifyReport()
    chains = _Chains(keys, report, part, agency_keys)
    check, sha = chains.check, hashlib.sha256
    try:
        for position, aggregate_id, version, topic, state in _rows(events):
            reason = check(position, aggregate_id, version, topic, state, part.events)
            if reason:
                part.problem = TrailProblem(position, aggregate_id, version, reason)
                break
            part.leaves += sha(
                b"".join((_LEAF_HEAD, chains.record, len(state).to_bytes(4, "big"), state))
            ).digest()
            part.aggregates.append(aggregate_id)
            part.versions.append(version)
            part.positions.append(position)
            part.events += 1
        part.last = {a: (version, head) for a, (_, version, head) in chains.heads.items()}
    finally:
        chains.close()
    part.unsigned = {
        a: (position, version)
        for a, (_, position, version) in sorted(chains.unsigned.items(), key=lambda i: i[1][0])
    }
    part.signatures = report.signatures
    part.key_signatures = report.keys
    part.last_batch = chains.batches.current
    part.attested = report.attested
    part.agency_signatures = report.agency_signatures
    part.requirements = report.requirements
    return part


def stitch_parts(
    parts: Iterable[TrailPart],
    keys: PublicKeyRing,
    *,
    checkpoints: Iterable[str] = (),
    origin: str | None = None,
    indexed: bool = False,
) -> VerifyReport:
    """Join checked parts, in log order, into the report of the whole trail: the links
    between parts, the key rules at absolute log indexes, the claimed log indexes
    (``indexed``), and the tree and the aggregate map against every checkpoint. A problem
    is reported coarsely: verify in one process (:func:`verify_trail`) to have the first
    bad event named."""
    report = VerifyReport()
    pending, problem = _open_all(checkpoints, keys, origin)
    if problem:
        report.problem = problem
        return report
    heads = AggregateHeads()
    try:
        return _stitch(parts, keys, pending, heads, indexed, report)
    finally:
        heads.close()


def _stitch(
    parts: Iterable[TrailPart],
    keys: PublicKeyRing,
    pending: list[HubCheckpoint],
    heads: AggregateHeads,
    indexed: bool,
    report: VerifyReport,
) -> VerifyReport:
    unsigned: dict[str, tuple[int, int]] = {}
    tree = _Frontier()
    leaves_map = LeafMap()
    previous_batch: tuple[str, bytes, int] | None = None
    required: dict[str, int] = {}
    for part in parts:
        if part.problem is not None:
            report.problem = part.problem
            return report
        base = report.events
        for first, last, signer in part.keys:
            refusal = keys.check_event(signer, base + first) or keys.check_event(
                signer, base + last
            )
            if refusal:
                report.problem = CheckpointProblem(0, f"log index {base + first}: {refusal}")
                return report
        for aggregate_id, linked in part.first.items():
            head = heads.get(aggregate_id)
            expected = (head[1] + 1, head[2]) if head else (1, GENESIS)
            if linked != expected:
                report.problem = CheckpointProblem(
                    0, f"aggregate {aggregate_id} version {linked[0]}: its chain link is broken"
                )
                return report
        for aggregate_id, (version, digest) in part.last.items():
            head = heads.get(aggregate_id)
            if head is None:
                heads.add(aggregate_id, (heads.number(), version, digest))
            else:
                heads.hot[aggregate_id] = (head[0], version, digest)
        for aggregate_id in part.signed:
            unsigned.pop(aggregate_id, None)
        for aggregate_id, waiting in part.unsigned.items():
            unsigned.setdefault(aggregate_id, waiting)
        report.signatures += part.signatures
        report.keys.update(part.key_signatures)
        report.attested += part.attested
        report.agency_signatures.update(part.agency_signatures)
        for by, first in part.unattested.items():
            since = required.get(by)
            if since is not None:
                report.problem = CheckpointProblem(
                    0, f"log index {base + first}: {unsigned_reason(by, since, 'log index')}"
                )
                return report
        report.requirements += [(base + i, agencies) for i, agencies in part.requirements]
        for index, agencies in part.requirements:
            required = {
                a: required.get(a, base + index) for a in agencies if a != ALL_AGENCIES_MARK
            }
        if part.first_batch is not None and part.first_batch == previous_batch:
            report.signatures -= 1  # one batch across the boundary, verified by both parts
            report.keys[part.first_batch[0]] -= 1
        previous_batch = part.last_batch
        leaves = part.leaves
        for i in range(part.events):
            log_index = base + i
            if indexed and part.positions[i] != log_index:
                report.problem = CheckpointProblem(0, f"log index {log_index} is misplaced")
                return report
            leaf = bytes(leaves[32 * i : 32 * i + 32])
            tree.append_leaf_hash(leaf)
            if pending:
                aggregate_id = part.aggregates[i]
                head = heads.get(aggregate_id)
                assert head is not None  # every aggregate of the part is in part.last
                leaves_map.note(head[0], aggregate_id.encode(), part.versions[i], log_index, leaf)
            while pending and pending[-1].size == tree.size:
                checkpoint = pending.pop()
                if tree.root() != checkpoint.root:
                    report.problem = CheckpointProblem(
                        checkpoint.size, "the root does not match the recomputed tree"
                    )
                    return report
                report.problem = _check_map(checkpoint, leaves_map)
                if report.problem:
                    return report
                report.checkpoints += 1
                report.checkpoint_size = checkpoint.size
        report.events += part.events
    report.aggregates = len(heads)
    for aggregate_id, (position, version) in unsigned.items():
        report.problem = TrailProblem(
            position,
            aggregate_id,
            version,
            "not covered by any signature (signed successor missing)",
        )
        return report
    report.root = tree.root()
    if pending:
        report.problem = CheckpointProblem(
            pending[-1].size, "the trail is shorter than the checkpoint"
        )
    return report


def export_body_offset(path: Path) -> tuple[str, int]:
    """An export's format and where its event lines start (after the header line)."""
    with path.open("rb") as data:
        header = _json_object(path, 1, data.readline().decode("utf-8") or "{}")
        kind = header.get("format")
        if kind not in (TRAIL_FORMAT, TRAIL_FORMAT_V1):
            raise ValueError(f"{path}: not a trail export (expected format {TRAIL_FORMAT!r})")
        return str(kind), data.tell()


def read_export_range(path: Path, kind: str, start: int, stop: int) -> Iterator[TrailEvent]:
    """The events of the lines that begin in bytes ``[start, stop)`` of an export of format
    ``kind``; ``start`` is the beginning of a line. Errors count lines from ``start``."""
    with path.open("rb") as data:
        data.seek(start)
        number = 0
        while data.tell() < stop:
            raw = data.readline()
            if not raw:
                return
            number += 1
            line = raw.decode("utf-8")
            if line.strip() and not line.startswith('{"checkpoint":'):
                yield _export_line(path, kind, number, line)


def _export_line(path: Path, kind: str, number: int, line: str) -> TrailEvent:
    d = _json_object(path, number, line)
    if kind == TRAIL_FORMAT and list(d) != _V2_FIELDS:
        raise ValueError(f"{path}: line {number}: expected the fields {_V2_FIELDS}, got {list(d)}")
    try:
        index = d["index" if kind == TRAIL_FORMAT else "position"]
        if type(index) is not int:
            raise TypeError("the log index must be an integer")
        return TrailEvent(
            index,
            str(d["aggregate_id"]),
            int(d["version"]),
            str(d["topic"]),
            base64.b64decode(d["state"], validate=True),
        )
    except KeyError as missing:
        raise ValueError(f"{path}: line {number}: field {missing} is missing") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: line {number}: malformed event: {error}") from None


def verify_events(
    events: Iterable[tuple[int, TrailEvent]],
    keys: PublicKeyRing,
    agency_keys: AgencyKeyRing | None = None,
) -> VerifyReport:
    """Check chains and signatures of ``(log index, event)`` pairs, in log order.

    For a part of the log, such as an evidence bundle: every aggregate must start at
    version 1 and end with a signed event. No tree is computed.
    """
    report = VerifyReport()
    chains = _Chains(keys, report, agency_keys=agency_keys)
    try:
        for log_index, e in events:
            report.events += 1
            report.problem = chains.problem(
                e.position, e.aggregate_id, e.version, e.topic, e.state, log_index
            )
            if report.problem:
                return report
    finally:
        chains.close()
    report.aggregates = len(chains.heads)
    report.problem = chains.uncovered()
    return report


_LEAF_HEAD = b"\x00" + LOG_ENTRY_DOMAIN
"""What a log leaf hash covers before the event's framed record (RFC 9162 leaf prefix)."""


@runtime_checkable
class TrailRows(Protocol):
    """Events that can also be read as plain ``(position, aggregate id, version, topic,
    state)`` tuples (:class:`hub.audit.export.StoreEvents`): the verifier reads those."""

    def rows(self) -> Iterator[tuple[int, str, int, str, bytes]]: ...


def _rows(events: Iterable[TrailEvent]) -> Iterator[tuple[int, str, int, str, bytes]]:
    if isinstance(events, TrailRows):
        return events.rows()
    return ((e.position, e.aggregate_id, e.version, e.topic, e.state) for e in events)


def verify_trail(
    events: Iterable[TrailEvent],
    keys: PublicKeyRing,
    *,
    checkpoints: Iterable[str] = (),
    origin: str | None = None,
    indexed: bool = False,
    agency_keys: AgencyKeyRing | None = None,
) -> VerifyReport:
    """Check every envelope, link and signature in order; stop at the first bad event.

    The trail must be the whole log, from its first event: its log indexes are counted.
    With ``indexed`` each event's ``position`` is the log index its export line claims
    (format 2): a gap, a repeat, a swap or an edited index is named at the first line
    where the count and the claim differ. Each checkpoint note is verified with ``keys``
    and its root compared with the tree of the trail's first ``size`` events, and its
    aggregate map with the map recomputed from them; the first difference is reported
    with the log index and position where the trees diverge, and removal, truncation or
    reordering is named when the positions show it. With ``agency_keys`` every agency's
    request signature kept in an envelope is verified too (a call's events share one).

    Memory is bounded: the tree is its right edge, the aggregates' heads are kept compact
    (spilled to a temporary file past :data:`hub.trail.heads.HOT_AGGREGATES`), the
    aggregate map is its tree (64 bytes per aggregate, kept only while a checkpoint is
    still to be compared), and positions only since the last matched checkpoint.
    """
    report = VerifyReport()
    pending, problem = _open_all(checkpoints, keys, origin)
    if problem:
        report.problem = problem
        return report
    chains = _Chains(keys, report, agency_keys=agency_keys)
    try:
        return _verify(_rows(events), chains, pending, indexed, report)
    finally:
        chains.close()


def _verify(
    rows: Iterator[tuple[int, str, int, str, bytes]],
    chains: _Chains,
    pending: list[HubCheckpoint],
    indexed: bool,
    report: VerifyReport,
) -> VerifyReport:
    tree = _Frontier()
    leaves_map = LeafMap()
    positions = _Positions()
    keep_positions = bool(pending)
    matched_size = 0
    trail: Iterator[_Row] = _Peekable(rows) if indexed else rows
    check, append_leaf, sha = chains.check, tree.append_leaf_hash, hashlib.sha256
    append_position = positions.items.append  # forget_before drops items in place
    for log_index, row in enumerate(trail):
        position, aggregate_id, version, topic, state = row
        report.events = log_index + 1
        if indexed and position != log_index:
            assert isinstance(trail, _Peekable)
            report.problem = _misplaced(row, log_index, trail)
            return report
        reason = check(position, aggregate_id, version, topic, state, log_index)
        if reason:
            where = "log index" if indexed else "position"
            report.problem = TrailProblem(position, aggregate_id, version, reason, where)
            return report
        leaf = sha(
            b"".join((_LEAF_HEAD, chains.record, len(state).to_bytes(4, "big"), state))
        ).digest()
        append_leaf(leaf)
        if keep_positions:
            leaves_map.note(chains.number, chains.aggregate, version, log_index, leaf)
            append_position(position)
            while pending and pending[-1].size == tree.size:
                checkpoint = pending.pop()
                if tree.root() != checkpoint.root:
                    positions.extend(r[0] for r in trail)  # to tell a move from a loss
                    report.problem = _diverged(checkpoint, matched_size, positions, tree.size)
                    return report
                report.problem = _check_map(checkpoint, leaves_map)
                if report.problem:
                    return report
                report.checkpoints += 1
                report.checkpoint_size = matched_size = checkpoint.size
                positions.forget_before(matched_size)
                keep_positions = bool(pending)
    report.aggregates = len(chains.heads)
    report.problem = chains.uncovered()
    if report.problem and indexed:
        report.problem = dataclasses.replace(report.problem, where="log index")
    report.root = tree.root()
    if report.problem is None and pending:
        report.problem = _diverged(pending[-1], matched_size, positions, tree.size)
    return report


_LOOKAHEAD = 100_000
"""How many lines past a misplaced one are read to tell a move from a loss."""

_Row = tuple[int, str, int, str, bytes]


class _Peekable:
    """An iterator that can look ahead (to tell a swap from a removal or an edit)."""

    def __init__(self, items: Iterable[_Row]) -> None:
        self._items = iter(items)
        self._ahead: deque[_Row] = deque()

    def __iter__(self) -> _Peekable:
        return self

    def __next__(self) -> _Row:
        return self._ahead.popleft() if self._ahead else next(self._items)

    def ahead(self, n: int) -> _Row | None:
        """The ``n``-th next item (1: the next one), or None past the end."""
        while len(self._ahead) < n:
            try:
                self._ahead.append(next(self._items))
            except StopIteration:
                return None
        return self._ahead[n - 1]

    def find(self, index: int) -> int | None:
        """How many lines ahead the line claiming ``index`` is (within the look-ahead)."""
        for n in range(1, _LOOKAHEAD + 1):
            item = self.ahead(n)
            if item is None:
                return None
            if item[0] == index:
                return n
        return None


def _misplaced(event: _Row, expected: int, trail: _Peekable) -> TrailProblem:
    """Why the line claiming log index ``event[0]`` came where ``expected`` belongs."""
    claimed = event[0]
    following = trail.ahead(1)
    after = following[0] if following is not None else None
    later = trail.find(expected)
    if later is not None:
        reason = (
            f"lines are out of order: log index {claimed} comes where log index {expected}"
            f" belongs, and log index {expected} comes {later} line(s) later (events were"
            " swapped or moved)"
        )
    elif after == expected + 1 or (after is None and claimed < expected):
        reason = (
            f"the line says log index {claimed}, but it is log index {expected}: its index"
            " was edited"
        )
    elif claimed > expected:
        missing = f"{expected}" if claimed == expected + 1 else f"{expected}–{claimed - 1}"
        reason = (
            f"events were removed: log index {missing} is missing"
            f" ({claimed - expected} event(s) between log index {expected - 1} and {claimed})"
        )
    else:
        reason = (
            f"log index {claimed} comes again after log index {expected - 1}: events were"
            " duplicated or moved back"
        )
    return TrailProblem(claimed, event[1], event[2], reason, "log index")


def _check_map(checkpoint: HubCheckpoint, heads: LeafMap) -> CheckpointProblem | None:
    """Whether the checkpoint's signed aggregate map is the one the trail gives."""
    try:
        signed = checkpoint.aggregates
    except MapError as exc:
        return CheckpointProblem(checkpoint.size, f"malformed aggregate map line: {exc}")
    if signed is None:
        return None  # signed before checkpoints carried the map
    computed = heads.head()
    if computed != signed:
        return CheckpointProblem(
            checkpoint.size,
            f"the signed aggregate map ({signed.count} aggregates) is not the map of the"
            f" trail's first {checkpoint.size} events ({computed.count} aggregates): the hub"
            " signed a false map of the latest versions",
        )
    return None


def _open_all(
    notes: Iterable[str], keys: PublicKeyRing, origin: str | None
) -> tuple[list[HubCheckpoint], CheckpointProblem | None]:
    """Verify every note; return them largest first (a stack), or the first problem."""
    by_size: dict[int, HubCheckpoint] = {}
    for number, note in enumerate(notes, start=1):
        try:
            checkpoint = open_hub_checkpoint(note, keys, origin=origin)
        except (NoteError, CheckpointError, ValueError) as exc:
            return [], CheckpointProblem(_size_of(note), f"note {number} does not verify: {exc}")
        seen = by_size.setdefault(checkpoint.size, checkpoint)
        if seen.root != checkpoint.root:
            return [], CheckpointProblem(
                checkpoint.size,
                "two signed checkpoints of this size have different roots: the hub showed"
                " two different logs (split view)",
            )
    return sorted(by_size.values(), key=lambda c: c.size, reverse=True), None


def _size_of(note: str) -> int:
    lines = note.split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0


class _Frontier:
    """The right edge of the log's RFC 9162 tree: one hash per set bit of its size, so
    the root at the current size is at hand in O(log n) memory, however long the log."""

    __slots__ = ("nodes", "size")

    def __init__(self) -> None:
        self.nodes: list[bytes] = []
        self.size = 0

    def append_leaf_hash(self, leaf: bytes) -> None:
        nodes = self.nodes
        nodes.append(leaf)
        self.size = count = self.size + 1
        while not count & 1:
            right = nodes.pop()
            nodes[-1] = hashlib.sha256(b"\x01" + nodes[-1] + right).digest()
            count >>= 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        nodes = self.nodes
        root = nodes[-1]
        for left in reversed(nodes[:-1]):
            root = hashlib.sha256(b"\x01" + left + root).digest()
        return root


class _Positions:
    """Store positions by log index, kept only from the last matched checkpoint on (what
    explaining a divergence needs): memory stays bounded by the checkpoint interval."""

    def __init__(self) -> None:
        self.base = 0  # the log index of items[0]
        self.before = 0  # the position at log index base - 1 (0 before the log)
        self.items = array("q")

    def append(self, position: int) -> None:
        self.items.append(position)

    def extend(self, positions: Iterable[int]) -> None:
        self.items.extend(positions)

    def forget_before(self, index: int) -> None:
        drop = index - self.base
        if drop > 0:
            self.before = self.items[drop - 1]
            del self.items[:drop]
            self.base = index

    def __len__(self) -> int:
        return self.base + len(self.items)

    def __getitem__(self, index: int) -> int:
        if index < 0:
            return self.items[index] if self.items else self.before
        if index == self.base - 1:
            return self.before
        return self.items[index - self.base]


def _diverged(
    checkpoint: HubCheckpoint, lo: int, positions: _Positions, read: int
) -> CheckpointProblem:
    """Explain why the trail's leaves from ``lo`` on differ from the checkpoint's tree.

    ``lo`` is the size of the last matched checkpoint: the trees agree below it.
    ``positions`` are the store positions of the trail from ``lo`` on, ``read`` how many of its
    events were hashed (fewer than the checkpoint's size when the trail ended first).
    """
    size, have = checkpoint.size, len(positions)
    for i in range(lo, min(size, have)):
        before = positions[i - 1] if i else 0
        if positions[i] > before + 1:
            missing = before + 1
            later = next((j for j in range(i + 1, have) if positions[j] == missing), None)
            if later is not None:
                return CheckpointProblem(
                    size,
                    f"events were reordered: position {missing} belongs at log index {i}"
                    f" but comes at log index {later}; the trees diverge at log index {i}",
                    positions[i],
                    i,
                )
            return CheckpointProblem(
                size,
                f"events were removed: positions {missing}–{positions[i] - 1} are absent"
                f" before log index {i}; the trees diverge between log index {lo} and"
                f" {size - 1}",
                positions[i],
                i,
            )
        if positions[i] < before:
            return CheckpointProblem(
                size,
                f"events were reordered: position {positions[i]} (log index {i}) comes after"
                f" position {before}; the trees diverge between log index {lo} and {i}",
                positions[i],
                i,
            )
    if read < size:
        last = positions[-1] if positions else 0
        return CheckpointProblem(
            size,
            f"the log was truncated: the checkpoint covers {size} events, the trail has"
            f" only {read}; the trees diverge at log index {read} (after position {last})",
            last + 1,
            read,
        )
    return CheckpointProblem(
        size,
        f"the root does not match: events were replaced, reordered or inserted between log"
        f" index {lo} (position {positions[lo]}) and {size - 1} (position {positions[size - 1]})",
        positions[lo],
        lo,
    )
