"""The little SQL the audit tables need, on the event store recorder's own connection pool.

SQLite or PostgreSQL, picked from the recorder; identifiers are ours or the recorder's,
values are always bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

__all__ = ["Dialect"]


class Dialect:
    """SQL on the recorder's own connection pool (SQLite or PostgreSQL)."""

    def __init__(self, recorder: ApplicationRecorder, *, sqlite: bool) -> None:
        self.recorder: Any = recorder
        self.sqlite = sqlite
        self.mark = "?" if sqlite else "%s"
        self.position = "rowid" if sqlite else "notification_id"
        self.events = self.table(recorder.events_table_name)  # type: ignore[attr-defined]

    @classmethod
    def of(cls, recorder: ApplicationRecorder) -> Dialect:
        if isinstance(recorder, SQLiteApplicationRecorder):
            return cls(recorder, sqlite=True)
        if isinstance(recorder, PostgresApplicationRecorder):
            return cls(recorder, sqlite=False)
        raise TypeError(f"no SQL dialect for {type(recorder).__name__}")

    def table(self, name: str) -> str:
        if self.sqlite:
            return f'"{name}"'
        return f'"{self.recorder.datastore.schema}"."{name}"'

    def id_param(self, aggregate_id: UUID) -> object:
        """The aggregate id as the events table stores it."""
        if not self.sqlite:
            return aggregate_id
        uuid_column = self.recorder.datastore.originator_id_type == "uuid"
        return aggregate_id.hex if uuid_column else str(aggregate_id)

    def has_table(self, name: str) -> bool:
        if self.sqlite:
            query, params = "SELECT name FROM sqlite_master WHERE type='table' AND name=?", [name]
        else:
            query = "SELECT to_regclass(%s) AS name"
            params = [f'"{self.recorder.datastore.schema}"."{name}"']
        rows = self.run(query, params)
        return bool(rows) and rows[0]["name"] is not None

    def run(
        self, query: str, params: Sequence[Any] = (), *, commit: bool = False, fetch: bool = True
    ) -> list[Any]:
        with self.recorder.datastore.transaction(commit=commit) as cursor:
            cursor.execute(query, list(params))
            return list(cursor.fetchall()) if fetch else []

    def positions(self, after: int, limit: int) -> list[int]:
        """The positions of up to ``limit`` events stored after position ``after``."""
        position, m = self.position, self.mark
        rows = self.run(
            f"SELECT {position} AS position FROM {self.events}"  # noqa: S608 - ours
            f" WHERE {position} > {m} ORDER BY {position} LIMIT {m}",
            (after, limit),
        )
        return [int(r["position"]) for r in rows]

    def heads(self, last: int) -> list[tuple[str, int, int]]:
        """``(aggregate id, latest version, its position)`` of every aggregate among the
        events up to position ``last``, in the order of their first events."""
        position, m, events = self.position, self.mark, self.events
        convert = getattr(self.recorder, "convert_originator_id", lambda value: value)
        rows = self.run(
            f"SELECT e.originator_id AS id, e.originator_version AS version,"  # noqa: S608
            f" e.{position} AS position FROM (SELECT originator_id, MIN({position}) AS first,"
            f" MAX(originator_version) AS version FROM {events} WHERE {position} <= {m}"
            f" GROUP BY originator_id) AS f JOIN {events} AS e"
            " ON e.originator_id = f.originator_id AND e.originator_version = f.version"
            " ORDER BY f.first",
            (last,),
        )
        return [(str(convert(r["id"])), int(r["version"]), int(r["position"])) for r in rows]
