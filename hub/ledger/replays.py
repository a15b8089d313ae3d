"""The replay guard every replica shares: nonces and idempotency outcomes, durably.

Two small tables of their own beside eventsourcing's, in the event store's database (the
SQLite file or the PostgreSQL database that every ``tabadol serve`` of one hub shares).
They are operational data, not evidence — outside the signed trail, deleted once expired:

* ``tabadol_nonces (agency, nonce, expires_at)``, primary key (agency, nonce): the first
  insert of a nonce wins; a conflict with an unexpired row is a replay, on whichever
  replica, before or after a restart. A row expires when its signed time leaves the window
  (after that the time check refuses the request anyway).
* ``tabadol_idempotency (principal, method, key, digest, state, response, expires_at,
  owner)``, primary key (principal, method, key): the unique insert of a ``running`` row
  claims the call under a random ``owner`` token of that claim; the claimer runs it and
  stores the serialized response (``done``), or deletes the row when it failed (a failed
  attempt is not remembered). A ``running`` row is a lease: when its replica died mid-call,
  another claims it after ``lease`` seconds, with an owner of its own. Completing and
  releasing are conditional on the owner, so an attempt that outlived its lease cannot
  overwrite or delete the claim that took the key over (it is told: False).

Every method blocks (a round trip): call them off the event loop.

Whose clock: on PostgreSQL every expiry is decided by the database's clock (``now()``):
whether a nonce's row has expired (a replay), whether a lease ran out (another replica may
take the call over), when an outcome expires, and what housekeeping deletes. The replicas
then agree, whatever their own clocks say (with each replica's clock, the fastest one
deleted the rows the others still needed). The signed-time window itself is checked
against each replica's clock (:mod:`hub.servicers.signatures`): keep them synchronised
(NTP) with the database's. On SQLite the store is one file on one host: its processes read
that host's clock, which is the database's.

Durability: the guard's commits do not wait for the disk (PostgreSQL
``synchronous_commit = off``, SQLite ``synchronous=NORMAL`` in WAL): a crash of the
*database server* may lose its last fraction of a second of rows. A command's events are
committed after its nonce and synchronously, which flushes the nonce's log record too, so
what such a loss can let through is a replayed read, or the rerun of a command whose
outcome row was lost (a stopped or crashed hub loses nothing: the database has the rows).
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.ledger.leadership import SchemaLock

__all__ = ["Claim", "GuardUnavailable", "ReplayStore"]

NONCES = "tabadol_nonces"
OUTCOMES = "tabadol_idempotency"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


_PG_NOW_MS = "(EXTRACT(EPOCH FROM now()) * 1000)::BIGINT"


class GuardUnavailable(Exception):
    """The replay guard's database did not answer: nothing was checked (refuse the call)."""


@dataclass(frozen=True)
class Claim:
    """What :meth:`ReplayStore.claim` found: ``run`` (this caller runs the call),
    ``done`` (``response`` is the first attempt's), ``running`` (another attempt runs it)
    or ``conflict`` (the key was used for another request). ``owner`` is the claim's
    token, which completing or releasing it takes."""

    state: str
    response: bytes = b""
    owner: str = ""


class ReplayStore:
    """The two tables, on the store eventsourcing's settings ``env`` name."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self._postgres = env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        self._path = env.get("SQLITE_DBNAME", "")
        if not self._postgres and (not self._path or self._path == ":memory:"):
            raise ValueError("the replay guard needs a PostgreSQL database or an SQLite file")
        self._errors: tuple[type[Exception], ...] = (sqlite3.Error, OSError)
        if self._postgres:
            import psycopg

            self._errors = (*self._errors, psycopg.Error)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[Any] = []
        schema = SchemaLock(env)  # replicas started together create tables one at a time
        schema.acquire()
        try:
            self._create()
        finally:
            schema.release()

    @classmethod
    def open(cls, env: Mapping[str, str]) -> ReplayStore | None:
        """The guard of the store ``env`` names; None for an in-memory store (one process:
        the in-memory checks are then the whole truth)."""
        if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            return cls(env)
        name = env.get("SQLITE_DBNAME", "")
        sqlite = env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite"
        if not sqlite or not name or name == ":memory:" or name.startswith("file:"):
            return None
        return cls(env)

    # --- connections ----------------------------------------------------------------
    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        """A cursor in one transaction, on this thread's connection (kept open; replaced
        when it was found closed, before the call or by its failure)."""
        conn = self._connection()
        try:
            cur = conn.cursor()
            try:
                yield cur
                conn.commit()
            finally:
                with contextlib.suppress(Exception):
                    cur.close()
        except BaseException as error:
            with contextlib.suppress(Exception):
                conn.rollback()
            if self._closed(conn):
                self._drop(conn)  # reconnect at the next call
            if isinstance(error, self._errors):
                raise GuardUnavailable(repr(error)[:300]) from error
            raise

    def _connection(self) -> Any:
        """This thread's open connection: the kept one, or a new one in its place."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._closed(conn):
            self._drop(conn)
            conn = None
        if conn is None:
            try:
                conn = self._connect()
            except self._errors as error:
                raise GuardUnavailable(repr(error)[:300]) from error
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _closed(self, conn: Any) -> bool:
        """Whether ``conn`` is closed: by us, by the server, or lost (psycopg knows it
        after the failed call; sqlite3 says so when touched)."""
        if self._postgres:
            return bool(conn.closed or conn.broken)
        try:
            conn.total_changes  # noqa: B018 - raises on a closed sqlite3 connection
        except sqlite3.ProgrammingError:
            return True
        return False

    def _drop(self, conn: Any) -> None:
        """Let go of a dead connection: out of the pool, closed, no thread's any more."""
        with self._lock:
            self._conns = [kept for kept in self._conns if kept is not conn]
        with contextlib.suppress(Exception):
            conn.close()
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None

    def _connect(self) -> Any:
        if self._postgres:
            import psycopg

            env = self._env
            pg = psycopg.connect(
                host=env["POSTGRES_HOST"],
                port=int(env.get("POSTGRES_PORT", "5432")),
                dbname=env["POSTGRES_DBNAME"],
                user=env.get("POSTGRES_USER", "postgres"),
                password=env.get("POSTGRES_PASSWORD") or None,
                connect_timeout=2,
                autocommit=True,
            )
            pg.execute("SET synchronous_commit = off")  # see _DURABILITY
            pg.autocommit = False
            return pg
        Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, timeout=10, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # see _DURABILITY
        return conn

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self._postgres else text

    def _now(self, now: int | None) -> tuple[str, tuple[int, ...]]:
        """The current time in ms in SQL, and its parameters: ``now`` when given, else the
        database's clock on PostgreSQL and this host's on SQLite (see the module)."""
        if now is None and self._postgres:
            return _PG_NOW_MS, ()
        return "?", (now_ms() if now is None else now,)

    def _create(self) -> None:
        blob = "BYTEA" if self._postgres else "BLOB"
        with self._cursor() as cur:
            cur.execute(
                f"""CREATE TABLE IF NOT EXISTS {NONCES} (
                    agency TEXT NOT NULL, nonce TEXT NOT NULL, expires_at BIGINT NOT NULL,
                    PRIMARY KEY (agency, nonce))"""
            )
            cur.execute(
                f"""CREATE TABLE IF NOT EXISTS {OUTCOMES} (
                    principal TEXT NOT NULL, method TEXT NOT NULL, key TEXT NOT NULL,
                    digest {blob} NOT NULL, state TEXT NOT NULL, response {blob},
                    expires_at BIGINT NOT NULL, owner TEXT,
                    PRIMARY KEY (principal, method, key))"""
            )
            for table in (NONCES, OUTCOMES):
                cur.execute(f"CREATE INDEX IF NOT EXISTS {table}_expiry ON {table} (expires_at)")
            if "owner" not in self._columns(cur, OUTCOMES):  # a table of an older hub
                cur.execute(f"ALTER TABLE {OUTCOMES} ADD COLUMN owner TEXT")

    def _columns(self, cur: Any, table: str) -> set[str]:
        if self._postgres:
            cur.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s",
                (table,),
            )
            return {str(row[0]) for row in cur.fetchall()}
        cur.execute(f"PRAGMA table_info({table})")
        return {str(row[1]) for row in cur.fetchall()}

    # --- nonces ---------------------------------------------------------------------
    def first_use(self, agency: str, nonce: str, expires_at: int, now: int | None = None) -> bool:
        """Record ``nonce`` of ``agency``; False when an unexpired row holds it (a replay)."""
        clock, at = self._now(now)
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO tabadol_nonces (agency, nonce, expires_at) VALUES (?, ?, ?)"  # noqa: S608 - our clock SQL; values bound
                    " ON CONFLICT (agency, nonce) DO UPDATE SET expires_at = excluded.expires_at"
                    f" WHERE tabadol_nonces.expires_at < {clock}"
                ),
                (agency, nonce, expires_at, *at),
            )
            return int(cur.rowcount or 0) == 1

    # --- idempotency ----------------------------------------------------------------
    def claim(
        self, key: tuple[str, str, str], digest: bytes, *, lease: float, now: int | None = None
    ) -> Claim:
        """Claim the call under ``key`` (see the module), or say who has it."""
        clock, at = self._now(now)
        owner = secrets.token_hex(16)
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO tabadol_idempotency"  # noqa: S608 - our clock SQL; values bound
                    " (principal, method, key, digest, state, expires_at, owner)"
                    f" VALUES (?, ?, ?, ?, 'running', {clock} + ?, ?)"
                    " ON CONFLICT (principal, method, key) DO UPDATE SET"
                    " digest = excluded.digest, state = 'running', response = NULL,"
                    " expires_at = excluded.expires_at, owner = excluded.owner"
                    f" WHERE tabadol_idempotency.expires_at < {clock}"
                ),
                (*key, digest, *at, int(lease * 1000), owner, *at),
            )
            if int(cur.rowcount or 0) == 1:
                return Claim("run", owner=owner)
            cur.execute(
                self._sql(
                    "SELECT digest, state, response FROM tabadol_idempotency"
                    " WHERE principal = ? AND method = ? AND key = ?"
                ),
                key,
            )
            row = cur.fetchone()
        if row is None:  # deleted in between (the first attempt failed): claim again
            return self.claim(key, digest, lease=lease, now=now)
        if bytes(row[0]) != digest:
            return Claim("conflict")
        if row[1] == "done":
            return Claim("done", bytes(row[2] or b""))
        return Claim("running")

    def finish(self, key: tuple[str, str, str], owner: str, response: bytes, *, ttl: float) -> bool:
        """Keep the call's ``response`` for ``ttl`` seconds, if ``owner`` still holds its
        claim; False when not (its lease expired and another attempt took the key)."""
        clock, at = self._now(None)
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "UPDATE tabadol_idempotency SET state = 'done', response = ?,"  # noqa: S608 - our clock SQL; values bound
                    f" expires_at = {clock} + ?"
                    " WHERE principal = ? AND method = ? AND key = ? AND owner = ?"
                    " AND state = 'running'"
                ),
                (response, *at, int(ttl * 1000), *key, owner),
            )
            return int(cur.rowcount or 0) == 1

    def release(self, key: tuple[str, str, str], owner: str) -> bool:
        """Forget the call (it failed: a retry runs it), if ``owner`` still holds its
        claim; False when not."""
        with self._cursor() as cur:
            cur.execute(
                self._sql(
                    "DELETE FROM tabadol_idempotency WHERE principal = ? AND method = ? AND key = ?"
                    " AND owner = ? AND state = 'running'"
                ),
                (*key, owner),
            )
            return int(cur.rowcount or 0) == 1

    # --- housekeeping ---------------------------------------------------------------
    def expire(self, now: int | None = None) -> int:
        """Delete the expired rows of both tables; how many."""
        clock, at = self._now(now)
        deleted = 0
        with self._cursor() as cur:
            for table in (NONCES, OUTCOMES):
                delete = f"DELETE FROM {table} WHERE expires_at < {clock}"  # noqa: S608 - ours
                cur.execute(self._sql(delete), at)
                deleted += int(cur.rowcount or 0)
        return deleted

    def count(self, table: str = NONCES) -> int:
        with self._cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a module constant
            return int(cur.fetchone()[0])

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()
