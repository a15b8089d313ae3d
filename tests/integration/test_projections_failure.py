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
