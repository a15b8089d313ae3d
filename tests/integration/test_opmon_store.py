"""Operational records: kept outside the trail, paged per client, expired, published late
and rounded to the hour (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.telemetry.opmon import HOUR_MS, OpmonStore, OpRecord

T0 = 1_764_000_000_000 - 1_764_000_000_000 % HOUR_MS  # an hour's start, in ms


@pytest.fixture(params=["sqlite", "postgres"])
def opmon(request: pytest.FixtureRequest, tmp_path: Path) -> OpmonStore:
    if request.param == "sqlite":
        return OpmonStore(f"sqlite:///{tmp_path / 'opmon.sqlite'}", retention_days=1)
    return OpmonStore(str(request.getfixturevalue("pg_url")), retention_days=1)


def record(client: str, at: int, *, ok: bool = True, **changes: object) -> OpRecord:
    values: dict[str, object] = {
        "side": "hub",
        "client_id": client,
        "service_id": "tabadol.servicedesk.v1.ServiceDeskService/OpenCase",
        "request_in_ts": at,
        "request_out_ts": at,
        "response_in_ts": at + 40,
        "response_out_ts": at + 40,
        "succeeded": ok,
        **changes,
    }
    return OpRecord(**values)  # type: ignore[arg-type]


def test_records_are_paged_per_client_and_filtered(opmon: OpmonStore) -> None:
    for i in range(25):
        opmon.record(record("MOJ" if i % 5 else "MOI", T0 + i, tracking_code=f"C-{i}"))
    assert opmon.flush() == 25
    pages, after = [], 0
    while True:
        page, after = opmon.page("MOJ", after=after, limit=7)
        pages.append(page)
        if not after:
            break
    assert [len(p) for p in pages] == [7, 7, 6]
    seen = [r.tracking_code for p in pages for r in p]
    assert seen == [f"C-{i}" for i in range(25) if i % 5]
    assert [r.tracking_code for r in opmon.page("MOI")[0]] == ["C-0", "C-5", "C-10", "C-15", "C-20"]
    assert [r.tracking_code for r in opmon.page("MOJ", tracking_code="C-7")[0]] == ["C-7"]
    assert opmon.page("MOJ", since_ms=T0 + 20)[0][0].tracking_code == "C-21"


def test_a_fault_string_is_cut_and_retention_expires_old_records(opmon: OpmonStore) -> None:
    opmon.record(
        record("MOJ", T0, ok=False, fault_code="INVALID_ARGUMENT", fault_string="x" * 5000)
    )
    opmon.record(record("MOJ", T0 + 2 * 86_400_000))
    opmon.flush()
    first = opmon.page("MOJ")[0][0]
    assert not first.succeeded and len(first.fault_string) == 200
    assert opmon.expire(now=T0 + 2 * 86_400_000) == 1
    assert len(opmon.page("MOJ")[0]) == 1


def test_open_data_is_late_hourly_and_names_no_one(opmon: OpmonStore) -> None:
    opmon.record(record("MOJ", T0 + 10))
    opmon.record(record("MOI", T0 + 20 * 60_000, ok=False))
    opmon.record(record("MOJ", T0 + HOUR_MS + 5))  # the next hour
    opmon.record(record("MOJ", T0 + 30, side="outbound", service_id="treasury/pay"))
    opmon.flush()
    assert opmon.open_data(delay_hours=24, now=T0 + 2 * HOUR_MS) == []
    rows = opmon.open_data(delay_hours=1, now=T0 + 3 * HOUR_MS)
    assert len(opmon.open_data(delay_hours=1, now=T0 + 3 * HOUR_MS - 1)) == 2  # whole hours
    assert [(r.hour_start_ms, r.succeeded, r.requests) for r in rows] == [
        (T0, False, 1),
        (T0, True, 1),
        (T0 + HOUR_MS, True, 1),
    ]
    assert rows[0].mean_duration_ms == 40
    assert "MOJ" not in repr(rows) and "treasury" not in repr(rows)
