"""Shared fixtures: keys, fresh stores (SQLite file, PostgreSQL database) and a live hub.

Integration tests use the real local PostgreSQL (127.0.0.1:5432) and NATS (4222). They are
never skipped: if a server is down the fixture fails with a message saying how to start it
(`.ci/run` starts them before `make test`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import settings as hypothesis_settings

from hub.application.hub import TabadolHub
from hub.bootstrap import Running, create_server
from hub.config import Settings
from hub.testing import dev_env
from hub.trail.keys import PublicKeyRing, Signer, init_keys

PG_ADMIN = os.environ.get("TABADOL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN_ID = uuid.uuid4().hex[:8]
# Hubs the tests start (in process or as `tabadol serve`) take a free HTTP port, never the
# default 8080 that another run on the same machine may hold.
os.environ.setdefault("TABADOL_HTTP_LISTEN", "127.0.0.1:0")

# Properties are about behaviour, not speed: no per-example deadline (a loaded CI machine
# made a 35 ms example take 370 ms). Speed goals live in benchmarks/.
hypothesis_settings.register_profile("tabadol", deadline=None)
hypothesis_settings.load_profile("tabadol")


@pytest.fixture
def signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


@pytest.fixture
def ring(signer: Signer) -> PublicKeyRing:
    return PublicKeyRing.of(signer.public_key)


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN}: {error}\n"
            "start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            pytrace=False,
        )


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test, dropped afterwards."""
    name = f"tabadol_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The event store under test: an SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


@dataclass
class LiveHub:
    hub: TabadolHub
    running: Running
    channel: grpc.aio.Channel
    settings: Settings

    @property
    def ring(self) -> PublicKeyRing:
        return PublicKeyRing.load(self.settings.public_keys)


@pytest.fixture
async def live_hub(store_url: str, tmp_path: Path) -> AsyncIterator[LiveHub]:
    """A hub serving gRPC on a free loopback port, over the store under test."""
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path / "data"),
            "TABADOL_EVENT_STORE": store_url,
            "TABADOL_LISTEN": "127.0.0.1:0",
            **dev_env(tmp_path),
        }
    )
    signer = init_keys(settings.signing_key, settings.public_keys)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    running = await create_server(hub, settings)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield LiveHub(hub, running, channel, settings)
    finally:
        await channel.close()
        await running.stop(grace=0)
        hub.close()
