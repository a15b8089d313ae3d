"""Checking what outside parties said about a trail's checkpoints, offline.

Given the checkpoint records (a note, with any witness cosignature lines, and its RFC
3161 token when one was taken), an auditor's witness policy and pinned TSA roots:

* **witnesses**: each checkpoint's cosignatures by the policy's witnesses are verified
  (a forged one fails the whole check); the policy is *met* when at least one checkpoint
  carries ``quorum`` of them. Every earlier checkpoint is a prefix of the largest
  witnessed one (the trail verifier recomputes them all from the same tree), so the
  witnessed size is what the witnesses vouch for: no other history of those events was
  shown to them. Events after it are reported as not yet witnessed.
* **timestamps**: each token is verified (signature, chain to a pinned root at its
  ``genTime``, imprint = the checkpoint body) and reported with its time and TSA; a bad
  token fails the check; with roots given, at least one checkpoint must carry a valid one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from hub.trail.cosignature import PolicyResult, WitnessPolicy
from hub.trail.timestamps import TimestampError, TimestampInfo, verify_timestamp
from hub.trail.verify import read_checkpoint_notes

__all__ = ["AnchorReport", "CheckpointRecord", "check_anchors", "read_checkpoint_records"]


@dataclass(frozen=True)
class CheckpointRecord:
    """A checkpoint note (cosignatures included) and its base64 DER time-stamp token."""

    note: str
    timestamp: str | None = None

    @property
    def size(self) -> int:
        lines = self.note.split("\n")
        return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0


@dataclass
class AnchorReport:
    policy: WitnessPolicy | None
    witnessed: list[tuple[int, PolicyResult]] = field(default_factory=list)
    witnessed_size: int = 0
    """The largest checkpoint size meeting the policy (0: none does)."""
    timestamps: list[tuple[int, TimestampInfo | None, str]] = field(default_factory=list)
    """(size, verified token or None, why not) for every checkpoint."""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def lines(self, trail_size: int) -> list[str]:
        """What a person reads after the trail's summary."""
        out: list[str] = []
        if self.policy is not None:
            names = ", ".join(w.name for w in self.policy.witnesses)
            rule = f"{self.policy.quorum} of {len(self.policy.witnesses)} ({names})"
            best = next((r for s, r in self.witnessed if s == self.witnessed_size), None)
            if best is not None and best.met:
                tail = trail_size - self.witnessed_size
                after = f"; {tail} later events not yet witnessed" if tail > 0 else ""
                out.append(
                    f"witnesses: policy {rule} met by the checkpoint of size"
                    f" {self.witnessed_size}: {best.describe()}{after}"
                )
            else:
                out.append(f"witnesses: policy {rule} NOT met by any checkpoint")
        for size, info, why in self.timestamps:
            if info is not None:
                out.append(f"  checkpoint {size}: timestamped {info.describe()}")
            else:
                out.append(f"  checkpoint {size}: {why}")
        if self.timestamps:
            out.insert(len(out) - len(self.timestamps), "timestamps (RFC 3161):")
        return out


def check_anchors(
    records: Iterable[CheckpointRecord],
    *,
    policy: WitnessPolicy | None = None,
    tsa_roots: Sequence[x509.Certificate] = (),
    report_timestamps: bool = True,
) -> AnchorReport:
    """Verify the witness policy and the time-stamp tokens of the given checkpoints."""
    report = AnchorReport(policy)
    by_size: dict[int, CheckpointRecord] = {}
    for record in records:
        known = by_size.get(record.size)
        if known is None or (record.timestamp and not known.timestamp):
            by_size[record.size] = record
        elif known.note != record.note and len(record.note) > len(known.note):
            by_size[record.size] = CheckpointRecord(record.note, known.timestamp)
    ordered = [by_size[s] for s in sorted(by_size)]
    if policy is not None:
        for record in ordered:
            result = policy.check(record.note)
            report.witnessed.append((record.size, result))
            if result.met:
                report.witnessed_size = record.size
            elif result.reason.startswith("forged"):
                report.problem = f"checkpoint {record.size}: {result.reason}"
                return report
        if not report.witnessed_size:
            largest = report.witnessed[-1][1].describe() if report.witnessed else "no checkpoint"
            report.problem = (
                f"witness policy {policy.quorum} of {len(policy.witnesses)} not met by any"
                f" checkpoint (the largest has {largest})"
            )
    if report_timestamps:
        valid = 0
        for record in ordered:
            if record.timestamp is None:
                report.timestamps.append((record.size, None, "no timestamp"))
            elif not tsa_roots:
                report.timestamps.append(
                    (record.size, None, "timestamp present, not checked (pass --tsa-root)")
                )
            else:
                try:
                    info = verify_timestamp(record.timestamp, record.note, tsa_roots)
                except TimestampError as exc:
                    report.problem = report.problem or f"checkpoint {record.size}: {exc}"
                    report.timestamps.append((record.size, None, str(exc)))
                    continue
                valid += 1
                report.timestamps.append((record.size, info, ""))
        if tsa_roots and not valid and not report.problem:
            report.problem = "no checkpoint carries a valid timestamp from a trusted TSA"
    return report


def read_checkpoint_records(paths: Iterable[Path]) -> list[CheckpointRecord]:
    """Checkpoint records from ``audit checkpoints`` files (plain notes carry no token)."""
    records: list[CheckpointRecord] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if text.startswith("{"):
            for line in text.splitlines()[1:]:
                if line.strip():
                    row = json.loads(line)
                    records.append(CheckpointRecord(str(row["note"]), row.get("timestamp")))
        else:
            records.extend(CheckpointRecord(n) for n in read_checkpoint_notes(path))
    return records
