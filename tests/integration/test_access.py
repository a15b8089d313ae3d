"""Who may call: agencies named by mTLS certificates, rights enforced and refusals recorded."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application.hub import TabadolHub
from hub.audit.export import read_trail
from hub.bootstrap import Running, create_server
from hub.config import Settings
from hub.servicers.access import ACCESS_RIGHTS_FORMAT
from hub.trail.keys import PublicKeyRing, init_keys
from hub.trail.verify import verify_trail
from tests.samples import SERVICE_CODE, applicant, spec_proto

_NOW = dt.datetime.now(dt.UTC)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    san: list[x509.GeneralName],
    *,
    ca: bool = False,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW - dt.timedelta(hours=1))
        .not_valid_after(_NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


class Pki:
    """A throwaway certificate authority, server certificate and agency certificates."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca_key = _key()
        self.ca = _cert("Tabadol test CA", self.ca_key, None, [], ca=True)
        self.write("ca.pem", self.ca.public_bytes(serialization.Encoding.PEM))
        server_key = _key()
        server = _cert(
            "hub",
            server_key,
            (self.ca, self.ca_key),
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        )
        self.write("server.pem", server.public_bytes(serialization.Encoding.PEM))
        self.write("server.key", _pem(server_key))

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def client(self, uri: str | None) -> grpc.ChannelCredentials:
        key = _key()
        san: list[x509.GeneralName] = [x509.UniformResourceIdentifier(uri)] if uri else []
        cert = _cert("agency", key, (self.ca, self.ca_key), san)
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.public_bytes(serialization.Encoding.PEM),
            private_key=_pem(key),
            certificate_chain=cert.public_bytes(serialization.Encoding.PEM),
        )


@pytest.fixture
async def mtls_hub(tmp_path: Path) -> AsyncIterator[tuple[Running, Pki, TabadolHub, Settings]]:
    pki = Pki(tmp_path)
    rights = pki.write(
        "rights.json",
        json.dumps(
            {
                "format": ACCESS_RIGHTS_FORMAT,
                "rights": {
                    "MOJ": [
                        "tabadol.servicedesk.v1.ServiceDeskService/*",
                        "tabadol.catalogue.v1.*",
                    ],
                    "*": ["tabadol.catalogue.v1.CatalogueService/Get*"],
                },
            }
        ).encode(),
    )
    settings = Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(tmp_path / "data"),
            "TABADOL_LISTEN": "127.0.0.1:0",
            "TABADOL_TLS_CERT": str(tmp_path / "server.pem"),
            "TABADOL_TLS_KEY": str(tmp_path / "server.key"),
            "TABADOL_TLS_CLIENT_CA": str(tmp_path / "ca.pem"),
            "TABADOL_ACCESS_RIGHTS": str(rights),
        }
    )
    signer = init_keys(settings.signing_key, settings.public_keys)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    running = await create_server(hub, settings)
    yield running, pki, hub, settings
    await running.stop(grace=0)
    hub.close()


def _channel(running: Running, credentials: grpc.ChannelCredentials) -> grpc.aio.Channel:
    return grpc.aio.secure_channel(
        f"127.0.0.1:{running.port}",
        credentials,
        options=[("grpc.ssl_target_name_override", "localhost")],
    )


async def test_the_agency_is_named_by_its_certificate(
    mtls_hub: tuple[Running, Pki, TabadolHub, Settings],
) -> None:
    running, pki, _, _ = mtls_hub
    async with _channel(running, pki.client("spiffe://tabadol.gov.ir/agency/MOJ")) as channel:
        catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
        reply = await catalogue.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
        )
        assert reply.record.registered_by == "MOJ"


async def test_a_certificate_without_an_agency_uri_is_unauthenticated(
    mtls_hub: tuple[Running, Pki, TabadolHub, Settings],
) -> None:
    running, pki, _, _ = mtls_hub
    async with _channel(running, pki.client(None)) as channel:
        catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await catalogue.RegisterServiceRecord(
                cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
            )
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "spiffe://tabadol.gov.ir/agency/" in (raised.value.details() or "")


async def test_no_client_certificate_fails_the_handshake(
    mtls_hub: tuple[Running, Pki, TabadolHub, Settings],
) -> None:
    running, pki, _, _ = mtls_hub
    bare = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.public_bytes(serialization.Encoding.PEM)
    )
    async with _channel(running, bare) as channel:
        catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await catalogue.ListServiceRecords(cat.ListServiceRecordsRequest(), timeout=5)
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_call_outside_the_rights_table_is_denied_and_recorded(
    mtls_hub: tuple[Running, Pki, TabadolHub, Settings],
) -> None:
    running, pki, _, settings = mtls_hub
    async with _channel(running, pki.client("spiffe://tabadol.gov.ir/agency/MOJ")) as channel:
        await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
        )
    async with _channel(running, pki.client("spiffe://tabadol.gov.ir/agency/TAX")) as channel:
        desk_stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await desk_stub.OpenCase(
                desk.OpenCaseRequest(
                    service_code=SERVICE_CODE, applicant_national_code=applicant(), channel="web"
                )
            )
        assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "TAX" in (raised.value.details() or "") and "OpenCase" in (
            raised.value.details() or ""
        )
        # the "*" row lets every agency read the catalogue
        got = await catalogue_pb2_grpc.CatalogueServiceStub(channel).GetServiceRecord(
            cat.GetServiceRecordRequest(service_code=SERVICE_CODE)
        )
        assert got.record.service_code == SERVICE_CODE
    trail = list(read_trail(settings.event_store))
    assert [e.topic for e in trail] == [
        "tabadol.service_record.registered",
        "tabadol.access.denied_call.denied",
    ]
    assert verify_trail(trail, PublicKeyRing.load(settings.public_keys)).ok
