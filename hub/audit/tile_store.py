"""The log tree's full tiles in their own table, ``tabadol_tiles``, beside the events.

One row per full C2SP tile (level, index, its 256 hashes: 8 KiB). Derived data, like the
views: a tile is a function of the log, so whoever writes it writes the same bytes;
rows are only inserted (a replica writing a tile already stored keeps the stored row),
and a stored row with other bytes is replaced by the one the writer just checked against
a signed checkpoint, and reported. The table is created where the checkpoint table is
(:class:`hub.audit.checkpoints.AuditLog`), so under the same schema lock at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from hub.audit.dialect import Dialect
from hub.trail.tiled_tree import MemoryTileStore, Tile, TileStore

__all__ = ["TILES", "SQLTileStore", "tile_store_for"]

TILES = "tabadol_tiles"


class SQLTileStore:
    """The ``tabadol_tiles`` table (SQLite or PostgreSQL). Without ``create`` (a read-only
    open) it reads the table if it exists and keeps what it would write in memory."""

    def __init__(self, recorder: ApplicationRecorder, *, create: bool = True) -> None:
        self._sql = Dialect.of(recorder)
        self._table = self._sql.table(TILES)
        self._overlay = None if create else MemoryTileStore()
        self._exists = False
        if create:
            blob = "BLOB" if self._sql.sqlite else "BYTEA"
            self._sql.run(
                f"CREATE TABLE IF NOT EXISTS {self._table} (level INTEGER NOT NULL,"
                f" idx BIGINT NOT NULL, hashes {blob} NOT NULL, PRIMARY KEY (level, idx))",
                commit=True,
                fetch=False,
            )
            self._exists = True

    def _readable(self) -> bool:
        if not self._exists:
            self._exists = self._sql.has_table(TILES)
        return self._exists

    def get(self, level: int, index: int) -> bytes | None:
        if self._overlay is not None and (found := self._overlay.get(level, index)) is not None:
            return found
        if not self._readable():
            return None
        m = self._sql.mark
        rows = self._sql.run(
            f"SELECT hashes FROM {self._table} WHERE level = {m} AND idx = {m}",  # noqa: S608
            (level, index),
        )
        return bytes(rows[0]["hashes"]) if rows else None

    def get_many(self, level: int, start: int, count: int) -> list[bytes]:
        if count <= 0 or not self._readable():
            return []
        m = self._sql.mark
        rows = self._sql.run(
            f"SELECT idx, hashes FROM {self._table} WHERE level = {m}"  # noqa: S608 - ours
            f" AND idx >= {m} AND idx < {m} ORDER BY idx",
            (level, start, start + count),
        )
        found: list[bytes] = []
        for row in rows:
            if int(row["idx"]) != start + len(found):
                break
            found.append(bytes(row["hashes"]))
        return found

    def full_tiles(self, level: int) -> int:
        if not self._readable():
            return 0
        (row,) = self._sql.run(
            f"SELECT COUNT(*) AS n, MAX(idx) AS last FROM {self._table}"  # noqa: S608 - ours
            f" WHERE level = {self._sql.mark}",
            (level,),
        )
        n = int(row["n"])
        return n if n and int(row["last"]) == n - 1 else 0  # not a prefix: trust none

    def put(self, tiles: Sequence[Tile]) -> list[tuple[int, int]]:
        if self._overlay is not None:
            return self._overlay.put(tiles)
        if not tiles:
            return []
        m = self._sql.mark
        replaced: list[tuple[int, int]] = []
        with self._sql.recorder.datastore.transaction(commit=True) as cursor:
            for level, index, hashes in tiles:
                cursor.execute(
                    f"SELECT hashes FROM {self._table} WHERE level = {m} AND idx = {m}",  # noqa: S608
                    [level, index],
                )
                found = cursor.fetchall()
                if not found:
                    cursor.execute(
                        f"INSERT INTO {self._table} (level, idx, hashes)"  # noqa: S608 - ours
                        f" VALUES ({m}, {m}, {m}) ON CONFLICT (level, idx) DO NOTHING",
                        [level, index, hashes],
                    )
                elif bytes(found[0]["hashes"]) != hashes:
                    cursor.execute(
                        f"UPDATE {self._table} SET hashes = {m}"  # noqa: S608 - ours
                        f" WHERE level = {m} AND idx = {m}",
                        [hashes, level, index],
                    )
                    replaced.append((level, index))
        return replaced


def tile_store_for(recorder: ApplicationRecorder, *, create: bool = True) -> TileStore:
    """The tile table of the recorder's database (a dict for in-memory stores)."""
    if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
        return SQLTileStore(recorder, create=create)
    return MemoryTileStore()
