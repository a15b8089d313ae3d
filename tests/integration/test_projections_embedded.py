"""Embedded mode (``tabadol serve``): the projections follow the log in process, on SQLite
(polling subscription) and PostgreSQL (LISTEN/NOTIFY), restart where they stopped, and a
rebuild from zero, in place or into SQLite, equals what they built following the log."""

from __future__ import annotations

from pathlib import Path

from hub.application.hub import TabadolHub
from hub.config import Settings
from hub.streams.projector import EmbeddedProjections, ProjectionOptions, open_views, rebuild
from hub.trail.keys import init_keys
from projections.monitoring import MonitoringViews
from tests.integration.test_projections_cases import CaseFactory
from tests.samples import applicant


def dumps(views: MonitoringViews) -> dict[str, object]:
    return {"feed": views.feed.dump(), "status": views.status.dump(), "kpis": views.kpis.dump()}


def test_embedded_projections_follow_restart_and_equal_a_rebuild(
    store_url: str, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {"TABADOL_DATA_DIR": str(tmp_path / "data"), "TABADOL_EVENT_STORE": store_url}
    )
    hub = TabadolHub(
        init_keys(settings.signing_key, settings.public_keys), env=settings.eventsourcing_env()
    )
    factory = CaseFactory(hub)
    factory.many(4)  # before the projections start: caught up in batches
    read_models = store_url if store_url.startswith("postgres") else f"sqlite:///{tmp_path / 'v'}"
    options = ProjectionOptions(read_models=read_models, pseudonym_key=tmp_path / "pseudonym.key")

    embedded = EmbeddedProjections(settings, options)
    views = embedded.start()
    live = factory.run("rated", applicant(900), score=4)  # followed as it happens
    embedded.wait(hub.recorder.max_notification_id() or 0)
    progress = views.status.progress(live.tracking_code)
    assert (progress.status, progress.score) == ("delivered", 4)
    assert views.feed.entries(0, 10_000)[-1].kind == "rated"
    embedded.close()

    factory.many(3)  # while nobody follows
    again = EmbeddedProjections(settings, options)
    views = again.start()
    again.wait(hub.recorder.max_notification_id() or 0)
    embedded_dump = dumps(views)
    again.close()

    counts = rebuild(settings, options)  # in place: the same store kind as the live views
    assert set(counts) == {"window_feed", "case_status", "agency_kpis"}
    in_place = open_views(options)
    assert dumps(in_place) == embedded_dump
    in_place.close()
    rebuilt = ProjectionOptions(
        read_models=f"sqlite:///{tmp_path / 'rebuilt'}", pseudonym_key=options.pseudonym_key
    )
    rebuild(settings, rebuilt)
    fresh = open_views(rebuilt)
    assert dumps(fresh) == embedded_dump
    fresh.close()
    hub.close()
