"""The reference simulators serve mutual TLS: the hub's certificate (or the calling
agency's own) is accepted, anyone else's is refused, no certificate fails the handshake."""

from __future__ import annotations

from pathlib import Path

import pytest
from connector_support import AGENCY, FAST, TRACKING

from connectors import ConnectorError, civil_registry, synthetic
from connectors.simulators import ServerTls, create_server
from hub.testing import DevPki

PERSON = synthetic.people(1405, 5)[1]


@pytest.fixture
async def registry(tmp_path: Path):  # type: ignore[no-untyped-def]
    pki = DevPki.create(tmp_path / "pki")
    served = pki.certificate("agency:NOCR")
    server, port = await create_server(
        "civil-registry",
        "127.0.0.1:0",
        tls=ServerTls(served.cert, served.key, pki.ca),
    )
    yield pki, f"localhost:{port}"
    await server.stop(None)


async def _inquire(target: str, **options: object) -> str:
    async with await civil_registry.connect(target, agency=AGENCY, **FAST, **options) as client:  # type: ignore[arg-type]
        inquiry = await client.inquire_person(
            PERSON.national_code, PERSON.birth_date_jalali, tracking_code=TRACKING
        )
    return inquiry.person.national_code


async def test_the_hub_calls_over_mtls_with_its_own_certificate(registry) -> None:  # type: ignore[no-untyped-def]
    pki, target = registry
    code = await _inquire(target, credentials=pki.channel_credentials("hub:TABADOL"))
    assert code == PERSON.national_code


async def test_an_agency_may_call_for_itself_only(registry) -> None:  # type: ignore[no-untyped-def]
    pki, target = registry
    assert await _inquire(target, credentials=pki.channel_credentials(f"agency:{AGENCY}"))
    with pytest.raises(ConnectorError) as refused:
        await _inquire(target, credentials=pki.channel_credentials("agency:TAX"))
    assert refused.value.kind == "refused"
    assert "only the hub or that agency" in str(refused.value)


async def test_plaintext_and_certificate_less_clients_get_nothing(registry) -> None:  # type: ignore[no-untyped-def]
    import grpc

    pki, target = registry
    with pytest.raises(ConnectorError) as plain:
        await _inquire(target)
    assert plain.value.kind == "unavailable"
    no_cert = grpc.ssl_channel_credentials(root_certificates=pki.ca.read_bytes())
    with pytest.raises(ConnectorError) as anonymous:
        await _inquire(target, credentials=no_cert)
    assert anonymous.value.kind == "unavailable"
