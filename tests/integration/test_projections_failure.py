"""A projection that fails is reported, not silent, and closing still releases everything."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import projections._sql as sql
from hub.bootstrap import build_hub, projection_options
from hub.config import Settings
from hub.servicers.convert import spec_from_proto
from hub.streams.projector import EmbeddedProjections
from hub.trail.keys import init_keys
from projections.case_status import CaseStatusView
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto


def test_a_failed_projection_is_reported_and_close_still_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(tmp_path)})
    init_keys(settings.signing_key, settings.public_keys)
    hub = build_hub(settings)
    embedded = EmbeddedProjections(settings, projection_options(settings))
    embedded.start()
    assert embedded.failure() is None

    def lost_connection(self: sql.SQLView, *batch: object) -> None:
        raise sql.IntegrityError("simulated: the read-model connection was lost")

    monkeypatch.setattr(sql.SQLView, "apply", lost_connection)
    hub.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    hub.cases.open_case(
        SERVICE_CODE, applicant(), channel="web", postal_code="1316943891", by=AGENCY
    )
    deadline = time.monotonic() + 10
    while embedded.failure() is None:
        assert time.monotonic() < deadline, "the failed projection was never reported"
        time.sleep(0.05)
    assert "connection was lost" in (embedded.failure() or "")
    embedded.close()  # logs the runners' errors instead of raising the first one
    hub.close()


def test_one_failed_view_stops_alone_and_restarts_from_its_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The views follow the log together, but a view whose batch fails stops alone: the
    others go on, and once opened again it catches up from where it stopped."""
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(tmp_path)})
    init_keys(settings.signing_key, settings.public_keys)
    hub = build_hub(settings)
    embedded = EmbeddedProjections(settings, projection_options(settings))
    embedded.start()
    real_apply = sql.SQLView.apply
    broken = {"case_status"}

    def flaky(self: sql.SQLView, *batch: object) -> None:
        if isinstance(self, CaseStatusView) and broken:
            raise sql.IntegrityError("simulated: case_status lost its connection")
        real_apply(self, *batch)  # type: ignore[arg-type]

    monkeypatch.setattr(sql.SQLView, "apply", flaky)
    try:
        hub.catalogue.register_service_record(
            SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY
        )
        code = hub.cases.open_case(
            SERVICE_CODE, applicant(), channel="web", postal_code="1316943891", by=AGENCY
        )
        head = hub.recorder.max_notification_id() or 0
        deadline = time.monotonic() + 10
        while embedded.failure() is None:
            assert time.monotonic() < deadline, "the failed view was never reported"
            time.sleep(0.02)
        assert "case_status" in (embedded.failure() or "")
        positions = embedded.positions()
        deadline = time.monotonic() + 10
        while positions["window_feed"][0] < head or positions["agency_kpis"][0] < head:
            assert time.monotonic() < deadline, f"the healthy views stopped too: {positions}"
            time.sleep(0.02)
            positions = embedded.positions()
        assert positions["case_status"][0] < head  # stopped before the case
        broken.clear()
        assert embedded.restart_failed() == ["case_status"]
        embedded.wait(head, timeout=10)
        assert embedded.failure() is None
        assert (
            embedded.views.status.progress(code.tracking_code).tracking_code == code.tracking_code
        )
    finally:
        embedded.close()
        hub.close()
