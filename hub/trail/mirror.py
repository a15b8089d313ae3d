"""Mirror a Tabadol log served as C2SP tlog-tiles, and verify it independently.

A monitor needs nothing but HTTP GET and the hub's published public keys: it fetches the
checkpoint, every entry bundle and every hash tile the checkpoint covers, and checks

* the checkpoint's signature (with the key history: the key must be allowed at its size);
* every entry bundle against its level-0 tile, and every tile of every level against the
  tree it recomputes from the entries: a tile that lies is named;
* the recomputed root against the signed root;
* every envelope, chain link and signature of every entry (as ``tabadol audit verify``),
  and the checkpoint's aggregate map against the map it recomputes.

The result is a :class:`MirrorReport` with the entries as :class:`TrailEvent` (their
``position`` is their log index: a mirror never sees store positions).
"""

from __future__ import annotations

import json
import struct
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from hub.trail.keys import PublicKeyRing
from hub.trail.merkle import MerkleTree
from hub.trail.verify import (
    LOG_ENTRY_DOMAIN,
    TRAIL_FORMAT,
    TrailEvent,
    VerifyReport,
    open_hub_checkpoint,
    verify_trail,
)

__all__ = [
    "Fetch",
    "MirrorError",
    "MirrorReport",
    "http_fetch",
    "mirror_log",
    "parse_log_entry",
    "write_mirror",
]

Fetch = Callable[[str], bytes]
"""Fetch a resource by its path below the log's prefix (``checkpoint``, ``tile/0/000``)."""

_WIDTH = 256
_HASH = 32


class MirrorError(ValueError):
    """The served log does not verify; the message names the resource and the reason."""


@dataclass
class MirrorReport:
    note: str
    size: int
    events: list[TrailEvent]
    tiles: int
    bundles: int
    trail: VerifyReport


def http_fetch(prefix: str, *, timeout: float = 10.0) -> Fetch:
    """A :data:`Fetch` over HTTP(S) GET below ``prefix`` (``http://host:port/log``)."""
    base = prefix.rstrip("/") + "/"
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"{prefix}: not an http(s) URL")

    def fetch(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:  # noqa: S310
            return bytes(response.read())

    return fetch


def tile_index_path(index: int) -> str:
    """``1234067`` → ``x001/x234/067`` (c2sp.org/tlog-tiles)."""
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def _tile_path(level: int | None, index: int, width: int) -> str:
    name = "entries" if level is None else str(level)
    suffix = f".p/{width}" if width < _WIDTH else ""
    return f"tile/{name}/{tile_index_path(index)}{suffix}"


def parse_log_entry(entry: bytes, log_index: int) -> TrailEvent:
    """The event in a ``tabadol/log-entry/v1`` entry (the inverse of ``log_entry``)."""
    where = f"log entry {log_index}"
    if not entry.startswith(LOG_ENTRY_DOMAIN):
        raise MirrorError(f"{where}: not a tabadol/log-entry/v1 entry")
    at = len(LOG_ENTRY_DOMAIN)
    try:
        (n,) = struct.unpack_from(">I", entry, at)
        aggregate_id = entry[at + 4 : at + 4 + n].decode("utf-8")
        at += 4 + n
        version, n = struct.unpack_from(">QI", entry, at)
        topic = entry[at + 12 : at + 12 + n].decode("utf-8")
        at += 12 + n
        (n,) = struct.unpack_from(">I", entry, at)
        state = entry[at + 4 : at + 4 + n]
        at += 4 + n
    except (struct.error, UnicodeDecodeError) as exc:
        raise MirrorError(f"{where}: malformed ({exc})") from None
    if at != len(entry) or len(state) != n:
        raise MirrorError(f"{where}: malformed (length fields do not match the entry)")
    event = TrailEvent(log_index, aggregate_id, version, topic, state)
    if event.entry() != entry:
        raise MirrorError(f"{where}: not in canonical form")
    return event


def _bundle(data: bytes, start: int, width: int) -> list[bytes]:
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise MirrorError(f"entry bundle at {start}: truncated length")
        (n,) = struct.unpack_from(">H", data, at)
        entries.append(data[at + 2 : at + 2 + n])
        at += 2 + n
    if at != len(data) or len(entries) != width:
        raise MirrorError(
            f"entry bundle at log index {start}: expected {width} entries, got {len(entries)}"
        )
    return entries


def mirror_log(fetch: Fetch, keys: PublicKeyRing, *, origin: str | None = None) -> MirrorReport:
    """Fetch and verify the whole log the served checkpoint covers; raise MirrorError."""
    note = fetch("checkpoint").decode("utf-8")
    try:
        checkpoint = open_hub_checkpoint(note, keys, origin=origin)
    except ValueError as exc:
        raise MirrorError(f"checkpoint: {exc}") from None
    size = checkpoint.size
    tree = MerkleTree()
    events: list[TrailEvent] = []
    tiles = bundles = 0
    for n in range((size + _WIDTH - 1) // _WIDTH):
        width = min(_WIDTH, size - n * _WIDTH)
        start = n * _WIDTH
        raw = _bundle(fetch(_tile_path(None, n, width)), start, width)
        bundles += 1
        leaves = fetch(_tile_path(0, n, width))
        tiles += 1
        if len(leaves) != width * _HASH:
            raise MirrorError(f"tile 0/{n}: {len(leaves)} bytes, expected {width * _HASH}")
        for i, entry in enumerate(raw):
            event = parse_log_entry(entry, start + i)
            if leaves[i * _HASH : (i + 1) * _HASH] != event.leaf_hash():
                raise MirrorError(
                    f"tile 0/{n}: hash {i} is not the leaf hash of log entry {start + i}"
                )
            tree.append_leaf_hash(event.leaf_hash())
            events.append(event)
    if tree.root() != checkpoint.root:
        raise MirrorError(
            f"the entries served do not hash to the checkpoint's root (size {size}):"
            " the mirror was served another log"
        )
    level = 1
    while size >= _WIDTH**level:
        per_hash = _WIDTH**level
        hashes = size // per_hash
        for n in range((hashes + _WIDTH - 1) // _WIDTH):
            width = min(_WIDTH, hashes - n * _WIDTH)
            data = fetch(_tile_path(level, n, width))
            tiles += 1
            for i in range(width):
                lo = (n * _WIDTH + i) * per_hash
                if data[i * _HASH : (i + 1) * _HASH] != tree.subtree_hash(lo, lo + per_hash):
                    raise MirrorError(f"tile {level}/{n}: hash {i} does not match the tree")
        level += 1
    trail = verify_trail(events, keys, checkpoints=[note], origin=origin)
    if trail.problem:
        raise MirrorError(f"the mirrored trail does not verify: {trail.problem}")
    return MirrorReport(note, size, events, tiles, bundles, trail)


def write_mirror(report: MirrorReport, out: IO[str]) -> int:
    """Write a mirrored log as a ``tabadol-trail/2`` export (its checkpoint, then every
    entry by log index), which ``tabadol audit verify`` checks again."""
    origin = report.note.split("\n", 1)[0]
    out.write(json.dumps({"format": TRAIL_FORMAT, "origin": origin}) + "\n")
    record = {"tree_size": report.size, "signed_at": "", "note": report.note}
    out.write(json.dumps({"checkpoint": record}, ensure_ascii=False) + "\n")
    for index, event in enumerate(report.events):
        out.write(event.export_line(index) + "\n")
    return len(report.events)
