"""The log as a C2SP tiled transparency log (c2sp.org/tlog-tiles), for mirrors and monitors.

Three kinds of static resources, under the prefix the routes are mounted at::

    GET <prefix>/checkpoint                      the latest signed checkpoint note
    GET <prefix>/tile/<L>/<N>[.p/<W>]            hash tiles: 256 (or W) Merkle tree hashes
    GET <prefix>/tile/entries/<N>[.p/<W>]        entry bundles: the log entries themselves

Everything is exactly as tlog-tiles specifies: tiles of height 8, ``<N>`` in zero-padded
3-digit path elements (``x001/x234/067``), level-0 tiles hold leaf hashes, a hash of a
level ``L`` tile is the tree hash of 256**L leaves, entry bundles are big-endian uint16
length-prefixed log entries whose RFC 9162 leaf hashes are the level-0 tile. A log entry
is Tabadol's ``tabadol/log-entry/v1`` record (see :func:`hub.trail.verify.log_entry`):
the stored envelope, so a mirror re-checks every chain and signature, not only the tree.

Only what the latest signed checkpoint covers is served: a tile or bundle that reaches
past it answers 404, so every resource served is immutable (long-lived caching); the
checkpoint itself may be cached for two seconds only. An entry
longer than 65,535 bytes cannot be put in a tlog-tiles bundle; such a bundle answers 500
and names the entry (Tabadol's envelopes are far smaller).

:func:`tile_routes` builds Starlette routes from any :class:`TiledLog`;
:class:`AuditLogTiles` is the one over the hub's :class:`~hub.audit.checkpoints.AuditLog`.
Mount them at the hub's HTTP port, e.g. ``Mount("/log", routes=tile_routes(tiles))``.
"""

from __future__ import annotations

import re
import struct
from typing import Protocol

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hub.audit.checkpoints import AuditLog

__all__ = ["TILE_HEIGHT", "AuditLogTiles", "TiledLog", "parse_tile_path", "tile_routes"]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_MAX_ENTRY = 0xFFFF
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
_OCTETS = "application/octet-stream"
_INDEX = re.compile(r"^(?:x\d{3}/)*\d{3}$")
_WIDTH = re.compile(r"^[1-9]\d{0,2}$")


class TiledLog(Protocol):
    """What the routes need of a log: its checkpoint, tree hashes and entries."""

    def checkpoint(self) -> tuple[int, str] | None:
        """``(tree size, note)`` of the latest signed checkpoint, or None."""
        ...

    def subtree_hash(self, lo: int, hi: int) -> bytes:
        """``MTH(D[lo:hi])`` for an aligned complete range within the checkpoint."""
        ...

    def entries(self, start: int, count: int) -> list[bytes]:
        """The log entries at log indexes ``start`` .. ``start + count - 1``."""
        ...


class AuditLogTiles:
    """The hub's :class:`AuditLog` as a :class:`TiledLog` (blocking; routes run it in a
    thread)."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    def checkpoint(self) -> tuple[int, str] | None:
        latest = self.log.store.latest()
        return (latest.tree_size, latest.note) if latest else None

    def subtree_hash(self, lo: int, hi: int) -> bytes:
        with self.log.lock:
            if self.log.size < hi:
                self.log.sync()
            return self.log.tree.subtree_hash(lo, hi)

    def entries(self, start: int, count: int) -> list[bytes]:
        with self.log.lock:
            if self.log.size < start + count:
                self.log.sync()
            position = self.log.position_at(start)
        return [e.event.entry() for e in self.log.export(position, count)]


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """``(level or None for entries, tile index, width)`` of a path below ``tile/``.

    ``width`` is 256 for a full tile. Raises ValueError for a path tlog-tiles does not
    allow (leading zeroes, a level above 63, a width of 0 or 256, …).
    """
    head, _, rest = path.partition("/")
    if head == "entries":
        level: int | None = None
    elif head.isdigit() and (head == "0" or not head.startswith("0")) and int(head) <= 63:
        level = int(head)
    else:
        raise ValueError(f"bad tile level {head!r}")
    width = TILE_WIDTH
    index_text, partial, width_text = rest.partition(".p/")
    if partial:
        if not _WIDTH.match(width_text) or int(width_text) >= TILE_WIDTH:
            raise ValueError(f"bad partial tile width {width_text!r}")
        width = int(width_text)
    if not _INDEX.match(index_text):
        raise ValueError(f"bad tile index {index_text!r}")
    index = int(index_text.replace("x", "").replace("/", ""))
    return level, index, width


def tile_routes(log: TiledLog) -> list[Route]:
    """The tlog-tiles routes over ``log`` (mount them at the log's prefix)."""

    def checkpoint(request: Request) -> Response:
        latest = log.checkpoint()
        if latest is None:
            return PlainTextResponse("no checkpoint signed yet\n", status_code=404)
        return Response(
            latest[1],
            media_type="text/plain; charset=utf-8",
            headers={"Cache-Control": "public, max-age=2"},
        )

    def tile(request: Request) -> Response:
        try:
            level, index, width = parse_tile_path(request.path_params["path"])
        except ValueError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=404)
        latest = log.checkpoint()
        size = latest[0] if latest else 0
        span = TILE_WIDTH ** ((level or 0) + 1)
        start = index * span
        per_hash = span // TILE_WIDTH
        if start + width * per_hash > size:
            return PlainTextResponse(
                f"not covered by the latest checkpoint (size {size})\n", status_code=404
            )
        if level is None:
            return _bundle(log.entries(start, width), start)
        body = b"".join(
            log.subtree_hash(start + i * per_hash, start + (i + 1) * per_hash) for i in range(width)
        )
        return Response(body, media_type=_OCTETS, headers=_IMMUTABLE)

    return [Route("/checkpoint", checkpoint), Route("/tile/{path:path}", tile)]


def _bundle(entries: list[bytes], start: int) -> Response:
    parts = []
    for offset, entry in enumerate(entries):
        if len(entry) > _MAX_ENTRY:
            return PlainTextResponse(
                f"log entry {start + offset} is {len(entry)} bytes: too long for a"
                " tlog-tiles entry bundle (uint16 lengths)\n",
                status_code=500,
            )
        parts.append(struct.pack(">H", len(entry)) + entry)
    return Response(b"".join(parts), media_type=_OCTETS, headers=_IMMUTABLE)
