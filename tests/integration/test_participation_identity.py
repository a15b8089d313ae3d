"""E-participation signs participants in through the real identity provider's contract; the
tokenless development verifier only in the explicit development mode."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from aggregates.errors import InvalidInput
from connectors import identity
from connectors.errors import ConnectorError
from connectors.identity.simulator import create_server
from hub.application.errors import IdentityProviderUnavailable
from hub.application.hub import TabadolHub
from hub.application.participants import IntrospectingVerifier, TokenlessDevVerifier
from hub.bootstrap import configure_participation
from hub.config import ConfigError, Settings
from hub.servicers.errors import status_for
from hub.trail.keys import Signer
from tests.samples import applicant


async def test_a_token_verifies_and_an_outage_is_a_clear_unavailable() -> None:
    server, port = await create_server("127.0.0.1:0")
    client = await identity.connect(f"127.0.0.1:{port}", agency="TABADOL", retries=0, timeout=1.0)
    verifier = IntrospectingVerifier(client, timeout=3.0, minimum_level=2, failure=ConnectorError)
    try:
        good = await client.issue_token(applicant(), 2)
        weak = await client.issue_token(applicant(), 1)
        assert await verifier.verify(good.token) == applicant()
        with pytest.raises(InvalidInput) as low:
            await verifier.verify(weak.token)
        assert low.value.violations[0].field == "identity_token"
        assert "assurance level 2" in low.value.violations[0].description

        await server.stop(0)
        with pytest.raises(IdentityProviderUnavailable) as down:
            await verifier.verify(good.token)
        assert "try again" in str(down.value)
        assert status_for(down.value).code == grpc.StatusCode.UNAVAILABLE
    finally:
        await client.close()
        await server.stop(0)


async def test_the_tokenless_verifier_is_refused_outside_development_mode(
    tmp_path: Path, signer: Signer
) -> None:
    base = {"TABADOL_DATA_DIR": str(tmp_path / "data")}
    production, development = (
        Settings.from_env(base),
        Settings.from_env({**base, "TABADOL_INSECURE_DEV_AUTH": "1"}),
    )
    production.data_dir.mkdir()
    hub = TabadolHub(signer, env=production.eventsourcing_env())
    try:
        with pytest.raises(ConfigError, match="TABADOL_INSECURE_DEV_AUTH") as refused:
            configure_participation(hub, production, TokenlessDevVerifier())
        assert "TABADOL_IDENTITY_URL" in str(refused.value)
        with pytest.raises(Exception, match="not configured"):  # nothing was configured
            await hub.participants.pseudonym_of(applicant())
        assert not production.pseudonym_key.exists()

        configure_participation(hub, development, TokenlessDevVerifier())
        assert await hub.participants.pseudonym_of(applicant()) != applicant()
    finally:
        hub.close()
