"""Verifying a trail file or a store, with its checkpoints (their witness cosignatures and
timestamps too), for a person."""

from __future__ import annotations

import base64
import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hub.audit.anchors import store_records
from hub.audit.export import events_from, open_recorder, read_trail, store_url
from hub.trail.agency_signatures import AgencyKeyRing
from hub.trail.anchoring import CheckpointRecord, check_anchors
from hub.trail.cosignature import WitnessPolicy
from hub.trail.envelope import Envelope, EnvelopeError, is_envelope
from hub.trail.keys import PublicKeyRing
from hub.trail.verify import (
    TRAIL_FORMAT,
    TrailEvent,
    TrailPart,
    VerifyReport,
    export_body_offset,
    read_export_header,
    read_export_range,
    stitch_parts,
    verify_part,
    verify_trail,
)

__all__ = ["verify_source", "verify_trail_parallel"]


def verify_source(
    source: str,
    keys: PublicKeyRing,
    notes: Sequence[str] = (),
    *,
    records: Sequence[CheckpointRecord] = (),
    policy: WitnessPolicy | None = None,
    tsa_roots: Sequence[x509.Certificate] = (),
    allow_unanchored: bool = False,
    watch: Callable[[Iterator[TrailEvent]], Iterable[TrailEvent]] | None = None,
    jobs: int = 1,
    agency_keys: AgencyKeyRing | None = None,
) -> tuple[bool, list[str]]:
    """Verify a trail file or a store for a person: whether it verified, and the lines
    that say what was checked and proven, or the first bad event.

    The checkpoints are ``notes`` and ``records`` (from ``audit checkpoints`` files) plus
    the store's own (a store) or the export's own (a file). With a witness ``policy``
    some checkpoint must carry its quorum of cosignatures, and with ``tsa_roots`` every
    checkpoint's RFC 3161 token is verified and reported. Unless ``allow_unanchored``,
    the trail fails when no signed checkpoint covers its last event: nothing would prove
    that the log was not cut there. ``watch`` wraps the events as they are read; with
    ``jobs`` > 1 that many processes verify (:func:`verify_trail_parallel`). With
    ``agency_keys`` the agencies' request signatures kept in the envelopes are verified.
    """
    records = [*records, *(CheckpointRecord(n) for n in notes)]
    url = store_url(source)
    indexed, legacy = False, False
    if url:
        records += store_records(url)
    else:
        header = read_export_header(Path(source))
        records += [CheckpointRecord(note, token) for note, token in header.checkpoints]
        indexed, legacy = header.indexed, header.format != TRAIL_FORMAT
    notes = [r.note for r in records]
    if jobs > 1:
        report = verify_trail_parallel(
            source,
            keys,
            checkpoints=notes,
            indexed=indexed,
            jobs=jobs,
            watch=watch,
            agency_keys=agency_keys,
        )
    else:
        events = read_trail(source)
        report = verify_trail(
            watch(events) if watch else events,
            keys,
            checkpoints=notes,
            indexed=indexed,
            agency_keys=agency_keys,
        )
    if report.problem:
        return False, [f"FAILED after {report.events} events", f"first bad {report.problem}"]
    anchors = check_anchors(records, policy=policy, tsa_roots=tsa_roots)
    if not anchors.ok:
        return False, [f"FAILED: {anchors.problem}", *anchors.lines(report.events)]
    lines = [
        f"OK: {report.events} events, {report.aggregates} aggregates,"
        f" {report.signatures} signatures verified"
    ]
    lines += [
        f"  key {key_id}: {count} signatures" for key_id, count in sorted(report.keys.items())
    ]
    lines += _agency_lines(report, agency_keys is not None)
    lines.append(f"tree: {report.events} leaves, root {base64.b64encode(report.root).decode()}")
    if report.checkpoints:
        lines.append(
            f"checkpoints: {report.checkpoints} signed checkpoints match the recomputed tree"
            f" and aggregate map (largest covers {report.checkpoint_size} events)"
        )
    if legacy:
        lines.append(
            "format tabadol-trail/1: the store positions in this file are not signed (format 2"
            " exports carry log indexes, which the tree pins); export again"
        )
    ok, lines = _anchoring(report, lines, allow_unanchored)
    return ok, lines + anchors.lines(report.events) + (access_lines(source) if ok else [])


def _requirement_lines(report: VerifyReport) -> list[str]:
    """Which agencies the hub recorded (signed, in the trail) as required to sign, from
    which log index; what that does not prove."""
    if not report.requirements:
        return ["agency signatures required: none recorded in the trail"]
    steps = "; ".join(
        f"{', '.join(agencies) or 'none'} from log index {index}"
        for index, agencies in report.requirements
    )
    return [
        f"agency signatures required: {steps} (as the hub recorded it): every event after"
        " that whose `by` names such an agency carries its signature; NOT PROVEN for events"
        " that name no caller in `by`, nor under `*` (a `by` does not tell an agency from"
        " the national window)"
    ]


def _agency_lines(report: VerifyReport, checked: bool) -> list[str]:
    """What the agencies' request signatures in the trail proved, or that they were not
    checked."""
    lines = _requirement_lines(report) if checked else []
    return lines + _agency_signed_lines(report, checked)


def _agency_signed_lines(report: VerifyReport, checked: bool) -> list[str]:
    """What the agencies' request signatures proved, or that they were not checked."""
    if not report.attested:
        return ["agency signatures: no event carries one"] if checked else []
    if not checked:
        return [
            f"agency signatures: {report.attested} events carry an agency's signed request,"
            " NOT CHECKED (pass --agency-keys, from tabadol agency-keys export)"
        ]
    total = sum(report.agency_signatures.values())
    by_agency = ", ".join(f"{a} {n}" for a, n in sorted(report.agency_signatures.items()))
    return [
        f"agency signatures: {total} signed requests verified ({by_agency}), covering"
        f" {report.attested} events: each agency signed the call that wrote them"
    ]


def _anchoring(
    report: VerifyReport, lines: list[str], allow_unanchored: bool
) -> tuple[bool, list[str]]:
    covered, total = report.checkpoint_size, report.events
    if covered == total:
        if total:
            lines.append(
                f"anchored: the signed checkpoint of size {covered} covers every event, so no"
                " event of the log's first"
                f" {covered} was removed, added, reordered or changed. Not proven by the"
                f" trail itself: that the log ended at {covered}; compare with a checkpoint you hold"
                " from elsewhere (a witness, the hub's /log/checkpoint)"
            )
        return True, lines
    if covered:
        gap = (
            f"the last {total - covered} events (log index {covered}–{total - 1}) are covered"
            f" by no signed checkpoint (the largest covers {covered})"
        )
    else:
        gap = f"no signed checkpoint covers any of the {total} events"
    if allow_unanchored:
        lines.append(
            f"NOT PROVEN: {gap}. Their signatures and chains verify, but nothing proves"
            " that events were not cut after them, or that an aggregate of theirs was not"
            " removed whole"
        )
        return True, lines
    after = f" after log index {covered - 1}" if covered else ""
    return False, [
        *lines,
        f"FAILED: {gap}: nothing proves the log was not cut{after}."
        " Export again (tabadol audit export signs a checkpoint first), sign one with"
        " tabadol audit checkpoint, or pass --allow-unanchored",
    ]


def _payload(state: bytes) -> dict[str, Any] | None:
    """An event's fields when its stored bytes are plain JSON (None when encrypted)."""
    try:
        data = Envelope.from_bytes(state).payload if is_envelope(state) else state
        value = json.loads(data)
    except (EnvelopeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


_CONFIGURATION = {
    "tabadol.petition_routing": "petition routing table",
    "tabadol.participation_policy": "agency hierarchy and policies",
}
"""The signed configuration beside the rights table, changed by the operator only."""


def access_lines(source: str) -> list[str]:
    """The rights-table changes in a trail (who, when, what, why), the other signed
    configuration's (routing, agency policies) and the refusal summaries."""
    changes: list[str] = []
    configuration: list[str] = []
    summaries = refused = 0
    for event in read_trail(source):
        if event.topic.startswith("tabadol.access.policy."):
            fields = _payload(event.state)
            kind = event.topic.rsplit(".", 1)[-1]
            if fields is None:
                changes.append(f"  #{event.position} {kind} (encrypted)")
                continue
            stamp = fields.get("timestamp", "")
            when = str(stamp.get("_data_", "") if isinstance(stamp, dict) else stamp)[:19]
            what = {
                "started": f"rights table started {fields.get('source') or ''}".rstrip(),
                "granted": f"granted {fields.get('grant_id')} {fields.get('target')}"
                f" to {fields.get('grantee')}",
                "revoked": f"revoked {fields.get('grant_id')}",
                "group_defined": f"group {fields.get('name')} = {fields.get('members')}",
            }.get(kind, kind)
            reason = fields.get("reason")
            changes.append(
                f"  #{event.position} {when} {what} by {fields.get('by')}"
                + (f": {reason}" if reason else "")
            )
        elif event.topic.rsplit(".", 1)[0] in _CONFIGURATION:
            fields = _payload(event.state) or {}
            what = _CONFIGURATION[event.topic.rsplit(".", 1)[0]]
            configuration.append(
                f"  #{event.position} {str(fields.get('at', ''))[:19]} {what}"
                f" {event.topic.rsplit('.', 1)[-1]} by {fields.get('by', '(encrypted)')}"
            )
        elif event.topic == "tabadol.access.refusal_summary.summarised":
            summaries += 1
            fields = _payload(event.state)
            if fields is not None:
                refused += sum(int(row[3]) for row in fields.get("counts", []))
    lines = [f"access rights: {len(changes)} signed changes", *changes]
    if configuration:
        lines += [f"configuration: {len(configuration)} signed changes", *configuration]
    if summaries:
        lines.append(f"refusals: {refused} refused calls in {summaries} signed summaries")
    return lines


# -- across processes -----------------------------------------------------------------

PART_EVENTS = 50_000
"""About how many events one worker checks at a time (store positions, or export bytes
at about 600 bytes an event)."""

_Range = tuple[str, str, str, int, int]  # (kind "store" | export format, source, start, stop)


def verify_trail_parallel(
    source: str,
    keys: PublicKeyRing,
    *,
    checkpoints: Sequence[str] = (),
    origin: str | None = None,
    indexed: bool = False,
    jobs: int = 2,
    watch: Callable[[Iterator[TrailEvent]], Iterable[TrailEvent]] | None = None,
    agency_keys: AgencyKeyRing | None = None,
) -> VerifyReport:
    """:func:`~hub.trail.verify.verify_trail` fanned out over ``jobs`` processes.

    The trail is cut into parts (store positions, or export bytes); workers check each
    part's envelopes, signatures, links and leaf hashes, and this process joins them in
    log order (links between parts, key rules, claimed log indexes, the tree and the
    aggregate map against every checkpoint). At most ``2 * jobs`` parts are in flight, so
    memory stays bounded. When anything is wrong, the trail is verified again in one
    process, so the report names the first bad event exactly as ``verify_trail`` does.
    """
    ring = {
        key_id: key.public_bytes(Encoding.Raw, PublicFormat.Raw) for key_id, key in keys.items()
    }
    agency = agency_keys.to_json() if agency_keys is not None else None
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        parts = _in_order(pool, _ranges(source), ring, agency, 2 * jobs)
        if watch is not None:
            parts = _watched(parts, watch)
        report = stitch_parts(parts, keys, checkpoints=checkpoints, origin=origin, indexed=indexed)
    if report.problem is not None:
        events = read_trail(source)
        return verify_trail(
            watch(events) if watch else events,
            keys,
            checkpoints=checkpoints,
            origin=origin,
            indexed=indexed,
            agency_keys=agency_keys,
        )
    return report


def _ranges(source: str) -> Iterator[_Range]:
    url = store_url(source)
    if url:
        last = open_recorder(url).max_notification_id() or 0
        for start in range(1, last + 1, PART_EVENTS):
            yield ("store", "", url, start, min(start + PART_EVENTS - 1, last))
        return
    path = Path(source)
    kind, start = export_body_offset(path)
    end, step = path.stat().st_size, PART_EVENTS * 600
    with path.open("rb") as data:
        while start < end:
            data.seek(min(start + step, end))
            if data.tell() < end:
                data.readline()  # on to the start of the next line
            stop = data.tell()
            yield ("export", kind, source, start, stop)
            start = stop


def _in_order(
    pool: ProcessPoolExecutor,
    ranges: Iterator[_Range],
    ring: dict[str, bytes],
    agency: str | None,
    ahead: int,
) -> Iterator[TrailPart]:
    """The parts' results in log order, with at most ``ahead`` parts submitted."""
    flight: deque[Future[TrailPart]] = deque()
    for part in ranges:
        flight.append(pool.submit(_verify_range, part, ring, agency))
        if len(flight) >= ahead:
            yield flight.popleft().result()
    while flight:
        yield flight.popleft().result()


def _watched(
    parts: Iterator[TrailPart], watch: Callable[[Iterator[TrailEvent]], Iterable[TrailEvent]]
) -> Iterator[TrailPart]:
    """Let ``watch`` (which counts what passes through it) see each part's events."""
    marks = iter(watch(_marks()))
    for part in parts:
        for _ in range(part.events):
            next(marks)
        yield part


def _marks() -> Iterator[TrailEvent]:
    mark = TrailEvent(0, "", 0, "", b"")
    while True:
        yield mark


def _verify_range(part: _Range, ring: dict[str, bytes], agency: str | None) -> TrailPart:
    """A worker's job, in another process: check one part of the trail."""
    keys = PublicKeyRing(
        {key_id: Ed25519PublicKey.from_public_bytes(raw) for key_id, raw in ring.items()}
    )
    agency_keys = AgencyKeyRing.from_document(json.loads(agency)) if agency else None
    where, kind, source, start, stop = part
    if where == "store":
        return verify_part(events_from(open_recorder(source), start, stop), keys, agency_keys)
    return verify_part(read_export_range(Path(source), kind, start, stop), keys, agency_keys)
