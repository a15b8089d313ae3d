"""Verifying a trail file or a store, with its checkpoints (their witness cosignatures and
timestamps too), for a person."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from cryptography import x509

from hub.audit.anchors import store_records
from hub.audit.export import read_trail, store_url
from hub.trail.anchoring import CheckpointRecord, check_anchors
from hub.trail.cosignature import WitnessPolicy
from hub.trail.envelope import Envelope, EnvelopeError, is_envelope
from hub.trail.keys import PublicKeyRing
from hub.trail.verify import (
    TRAIL_FORMAT,
    TrailEvent,
    VerifyReport,
    read_export_header,
    verify_trail,
)

__all__ = ["verify_source"]


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
) -> tuple[bool, list[str]]:
    """Verify a trail file or a store for a person: whether it verified, and the lines
    that say what was checked and proven, or the first bad event.

    The checkpoints are ``notes`` and ``records`` (from ``audit checkpoints`` files) plus
    the store's own (a store) or the export's own (a file). With a witness ``policy``
    some checkpoint must carry its quorum of cosignatures, and with ``tsa_roots`` every
    checkpoint's RFC 3161 token is verified and reported. Unless ``allow_unanchored``,
    the trail fails when no signed checkpoint covers its last event: nothing would prove
    that the log was not cut there. ``watch`` wraps the events as they are read.
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
    events = read_trail(source)
    report = verify_trail(
        watch(events) if watch else events, keys, checkpoints=notes, indexed=indexed
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


def access_lines(source: str) -> list[str]:
    """The rights-table changes in a trail (who, when, what, why) and its refusal summaries."""
    changes: list[str] = []
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
        elif event.topic == "tabadol.access.refusal_summary.summarised":
            summaries += 1
            fields = _payload(event.state)
            if fields is not None:
                refused += sum(int(row[3]) for row in fields.get("counts", []))
    lines = [f"access rights: {len(changes)} signed changes", *changes]
    if summaries:
        lines.append(f"refusals: {refused} refused calls in {summaries} signed summaries")
    return lines
