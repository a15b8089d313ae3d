"""Projection workers starting together on a fresh PostgreSQL database of views create the
views' tables one at a time (the schema lock), instead of racing in PostgreSQL's catalogue."""

from __future__ import annotations

import threading
from pathlib import Path

from hub.streams.projector import ProjectionOptions, _open_projections


def test_workers_starting_together_create_the_views_tables_once(
    pg_url: str, tmp_path: Path
) -> None:
    options = ProjectionOptions(read_models=pg_url, pseudonym_key=tmp_path / "pseudonym.key")
    _ = options.projection_classes()  # the pseudonym key, made once before the race
    errors: list[BaseException] = []
    opened: list[int] = []
    gate = threading.Barrier(6)

    def start() -> None:
        gate.wait()
        try:
            projections = _open_projections(options)
            opened.append(len(projections))
            for projection in projections:
                projection.view.datastore.close()
        except BaseException as error:  # the test reports every one
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert opened == [3] * 6
