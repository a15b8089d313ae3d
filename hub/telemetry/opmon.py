"""Operational records (X-Road operational monitoring's fields) for every RPC and exchange.

One :class:`OpRecord` per call the hub served (``side="hub"``) and per call it made to
another agency's system (``side="outbound"``): the four timestamps ``requestInTs``,
``requestOutTs``, ``responseInTs``, ``responseOutTs`` (milliseconds since the epoch), the
client and service ids, message id, user id, sizes, ``succeeded``, fault code and string,
and the case's tracking code when there is one.

They are operational data, not evidence: kept in their own table (SQLite file or
PostgreSQL, ``TABADOL_OPMON_STORE``), outside the signed trail, and deleted after
``TABADOL_OPMON_RETENTION_DAYS``. Recording is a list append on the event loop; a
background task writes batches off the loop (:meth:`OpmonStore.run`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import structlog

__all__ = ["OpRecord", "OpenDataRow", "OpmonStore", "now_ms"]

log = structlog.get_logger("tabadol.opmon")

FAULT_LIMIT = 200
HOUR_MS = 3_600_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class OpRecord:
    """One call, as X-Road's operational monitoring records it (plus the tracking code)."""

    side: str  # "hub": a call the hub served; "outbound": a call to another agency's system
    client_id: str  # the calling agency (for outbound: the agency the hub acted for)
    service_id: str  # "tabadol.servicedesk.v1.ServiceDeskService/OpenCase", "treasury/pay"
    request_in_ts: int
    request_out_ts: int
    response_in_ts: int
    response_out_ts: int
    succeeded: bool
    message_id: str = ""
    user_id: str = ""
    request_size: int = 0
    response_size: int = 0
    fault_code: str = ""
    fault_string: str = ""
    tracking_code: str = ""
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fault_string", self.fault_string[:FAULT_LIMIT])
        for name in ("client_id", "message_id", "user_id", "tracking_code"):
            object.__setattr__(self, name, getattr(self, name)[:100])


_COLUMNS = [f.name for f in fields(OpRecord)]


@dataclass(frozen=True)
class OpenDataRow:
    """Published operational data: per hour (rounded down), service and outcome, with no
    client, user, message or case in it."""

    hour_start_ms: int
    service_id: str
    succeeded: bool
    requests: int
    mean_duration_ms: float


class OpmonStore:
    """The operational-records table, with an in-memory buffer in front of it."""

    def __init__(self, url: str, *, retention_days: float = 7.0, flush_seconds: float = 1.0):
        parts = urlsplit(url)
        self._postgres = parts.scheme in ("postgresql", "postgres")
        if not self._postgres and parts.scheme != "sqlite":
            raise ValueError(
                f"TABADOL_OPMON_STORE: sqlite:///file or postgresql://, got {url[:100]!r}"
            )
        self._url = url
        self._path = unquote(parts.path.removeprefix("/")) if not self._postgres else ""
        self.retention_ms = int(retention_days * 86_400_000)
        self._flush_seconds = flush_seconds
        self._pending: list[OpRecord] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._create()

    # --- connections ----------------------------------------------------------------
    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self._postgres:
            import psycopg

            with psycopg.connect(self._url, connect_timeout=2, autocommit=False) as pg:
                with pg.cursor() as pg_cursor:
                    yield pg_cursor
                pg.commit()
            return
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        cur = conn.cursor()
        try:
            yield cur
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            cur.close()

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self._postgres else text

    def _create(self) -> None:
        seq = "BIGSERIAL PRIMARY KEY" if self._postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        with self._cursor() as cur:
            cur.execute(
                f"""CREATE TABLE IF NOT EXISTS tabadol_opmon (
                    seq {seq}, side TEXT NOT NULL, client_id TEXT NOT NULL,
                    service_id TEXT NOT NULL, request_in_ts BIGINT NOT NULL,
                    request_out_ts BIGINT NOT NULL, response_in_ts BIGINT NOT NULL,
                    response_out_ts BIGINT NOT NULL, succeeded BOOLEAN NOT NULL,
                    message_id TEXT NOT NULL, user_id TEXT NOT NULL,
                    request_size BIGINT NOT NULL, response_size BIGINT NOT NULL,
                    fault_code TEXT NOT NULL, fault_string TEXT NOT NULL,
                    tracking_code TEXT NOT NULL, record_id TEXT NOT NULL UNIQUE)"""
            )
            cur.execute(
                "CREATE INDEX IF NOT EXISTS tabadol_opmon_client ON tabadol_opmon (client_id, seq)"
            )
            cur.execute(
                "CREATE INDEX IF NOT EXISTS tabadol_opmon_time ON tabadol_opmon (request_in_ts)"
            )

    # --- writing --------------------------------------------------------------------
    def record(self, record: OpRecord) -> None:
        """Keep ``record``; it reaches the table at the next flush (cheap, never blocks)."""
        with self._lock:
            self._pending.append(record)

    def flush(self) -> int:
        """Write what is pending (blocking: call it off the event loop)."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return 0
        marks = ", ".join("?" for _ in _COLUMNS)
        # column names are the dataclass's fields; every value is a parameter
        insert = f"INSERT INTO tabadol_opmon ({', '.join(_COLUMNS)}) VALUES ({marks})"  # noqa: S608
        try:
            with self._cursor() as cur:
                cur.executemany(
                    self._sql(insert),
                    [astuple(r) for r in batch],
                )
        except Exception:
            with self._lock:  # keep them for the next try, but never without bound
                self._pending[:0] = batch[-10_000:]
            raise
        return len(batch)

    def expire(self, now: int | None = None) -> int:
        """Delete the records older than the retention period."""
        cutoff = (now if now is not None else now_ms()) - self.retention_ms
        with self._cursor() as cur:
            cur.execute(self._sql("DELETE FROM tabadol_opmon WHERE request_in_ts < ?"), (cutoff,))
            return int(cur.rowcount or 0)

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every ``flush_seconds`` and expire hourly until ``stop``; flush once more."""
        last_expiry = 0.0
        while True:
            stopping = stop.is_set()
            try:
                await asyncio.to_thread(self.flush)
                if time.monotonic() - last_expiry > 3600:
                    await asyncio.to_thread(self.expire)
                    last_expiry = time.monotonic()
            except Exception as error:  # operational data: log it, try again, never stop the hub
                log.warning("operational records not written", error=repr(error)[:300])
            if stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._flush_seconds)

    # --- reading --------------------------------------------------------------------
    def page(
        self,
        client_id: str,
        *,
        after: int = 0,
        limit: int = 100,
        since_ms: int = 0,
        until_ms: int | None = None,
        service_id: str = "",
        tracking_code: str = "",
    ) -> tuple[list[OpRecord], int]:
        """The client's own records after sequence number ``after``, oldest first, and the
        sequence number to continue from (0 when there is no more)."""
        where = ["client_id = ?", "seq > ?", "request_in_ts >= ?"]
        args: list[Any] = [client_id, after, since_ms]
        if until_ms is not None:
            where.append("request_in_ts < ?")
            args.append(until_ms)
        if service_id:
            where.append("service_id = ?")
            args.append(service_id)
        if tracking_code:
            where.append("tracking_code = ?")
            args.append(tracking_code)
        query = (  # fixed column names and conditions; every value is a parameter
            f"SELECT seq, {', '.join(_COLUMNS)} FROM tabadol_opmon"  # noqa: S608
            f" WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?"
        )
        with self._cursor() as cur:
            cur.execute(self._sql(query), (*args, limit + 1))
            rows = cur.fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        records = [OpRecord(**dict(zip(_COLUMNS, _typed(row[1:]), strict=True))) for row in rows]
        return records, (int(rows[-1][0]) if more and rows else 0)

    def open_data(self, *, delay_hours: float, now: int | None = None) -> list[OpenDataRow]:
        """Hourly aggregates of calls served by the hub, older than the delay: timestamps
        rounded down to the hour, no ids of clients, users, messages or cases."""
        cutoff = (now if now is not None else now_ms()) - int(delay_hours * HOUR_MS)
        cutoff -= cutoff % HOUR_MS  # only whole hours
        query = (
            "SELECT (request_in_ts / ?) * ? AS hour, service_id, succeeded, COUNT(*),"
            " AVG(response_out_ts - request_in_ts) FROM tabadol_opmon"
            " WHERE side = 'hub' AND request_in_ts < ?"
            " GROUP BY hour, service_id, succeeded ORDER BY hour, service_id, succeeded"
        )
        with self._cursor() as cur:
            cur.execute(self._sql(query), (HOUR_MS, HOUR_MS, cutoff))
            rows = cur.fetchall()
        return [
            OpenDataRow(int(h), str(s), bool(ok), int(n), round(float(mean or 0), 3))
            for h, s, ok, n, mean in rows
        ]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _typed(row: Sequence[Any]) -> list[Any]:
    values = list(row)
    values[_COLUMNS.index("succeeded")] = bool(values[_COLUMNS.index("succeeded")])
    return values
