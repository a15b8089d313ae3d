"""The application tier: the use cases on eventsourcing's in-memory store (no SQL, no gRPC),
with the fakes of ``hub.testing`` (cosmic-python's service-layer tests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from aggregates.service_record import ServiceRecordSpec
from hub.application.hub import TabadolHub
from hub.servicers.convert import spec_from_proto
from hub.testing import InMemoryIdentityVerifier, ManualClock
from hub.trail.keys import Signer
from tests.samples import AGENCY, SERVICE_CODE, spec_proto

KEY = b"tabadol-application-tests-pseudonym-key"
START = datetime(2026, 3, 21, 6, 0, tzinfo=UTC)  # 1405/01/01 09:30 Tehran


def spec(**changes: object) -> ServiceRecordSpec:
    """The sample service record as the domain holds it."""
    return spec_from_proto(spec_proto(**changes))


@pytest.fixture
def hub(signer: Signer) -> Iterator[TabadolHub]:
    """A hub on the in-memory store with the sample service registered by its agency."""
    app = TabadolHub(signer, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.catalogue.register_service_record(SERVICE_CODE, spec(), by=AGENCY)
    yield app
    app.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ids() -> InMemoryIdentityVerifier:
    return InMemoryIdentityVerifier()


@pytest.fixture
def participating(hub: TabadolHub, ids: InMemoryIdentityVerifier, clock: ManualClock) -> TabadolHub:
    """The hub with e-participation configured (MSRT's 30-day policy, the manual clock)."""
    hub.configure_participation(
        verifier=ids, pseudonym_key=KEY, minimum_days={"MSRT": 30}, now=clock
    )
    return hub
