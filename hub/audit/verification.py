"""Verifying a trail file or a store, with the store's own checkpoints (and their witness
cosignatures and timestamps), for a person."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography import x509

from hub.audit.anchors import store_records
from hub.audit.export import read_trail, store_url
from hub.trail.anchoring import CheckpointRecord, check_anchors
from hub.trail.cosignature import WitnessPolicy
from hub.trail.keys import PublicKeyRing
from hub.trail.verify import verify_trail

__all__ = ["verify_source"]


def verify_source(
    source: str,
    keys: PublicKeyRing,
    notes: Sequence[str] = (),
    *,
    records: Sequence[CheckpointRecord] = (),
    policy: WitnessPolicy | None = None,
    tsa_roots: Sequence[x509.Certificate] = (),
) -> tuple[bool, list[str]]:
    """Verify a trail file or a store (with the store's own checkpoints) for a person:
    whether it verified, and the lines that say what was checked or the first bad event.

    ``records`` are checkpoints with their anchors (from ``audit checkpoints`` files); with
    a witness ``policy`` some checkpoint must carry its quorum of cosignatures, and with
    ``tsa_roots`` every checkpoint's RFC 3161 token is verified and reported."""
    records = [*records, *(CheckpointRecord(n) for n in notes)]
    given = len(records)
    url = store_url(source)
    if url:
        records += store_records(url)
    notes = [r.note for r in records]
    report = verify_trail(read_trail(source), keys, checkpoints=notes)
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
            f" (largest covers {report.checkpoint_size} events)"
        )
    elif not given and len(notes) == given:
        lines.append("checkpoints: none given or stored; nothing proves the log was not cut short")
    return True, lines + anchors.lines(report.events)
