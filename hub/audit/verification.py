"""Verifying a trail file or a store, with the store's own checkpoints, for a person."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from hub.audit.checkpoints import checkpoint_store_for
from hub.audit.export import open_recorder, read_trail, store_url
from hub.trail.keys import PublicKeyRing
from hub.trail.verify import verify_trail

__all__ = ["verify_source"]


def verify_source(
    source: str, keys: PublicKeyRing, notes: Sequence[str] = ()
) -> tuple[bool, list[str]]:
    """Verify a trail file or a store (with the store's own checkpoints) for a person:
    whether it verified, and the lines that say what was checked or the first bad event."""
    notes = list(notes)
    given = len(notes)
    url = store_url(source)
    if url:
        notes += [c.note for c in checkpoint_store_for(open_recorder(url), create=False).all()]
    report = verify_trail(read_trail(source), keys, checkpoints=notes)
    if report.problem:
        return False, [f"FAILED after {report.events} events", f"first bad {report.problem}"]
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
    return True, lines
