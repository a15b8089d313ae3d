"""The demo's agency that signs what it asks (004 art. 13): MCTH must sign every call
(``TABADOL_REQUIRE_AGENCY_SIGNATURES=MCTH``) and calls through the agencies' client library."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from tabadol.catalogue.v1 import catalogue_pb2 as cat

from hub.bootstrap import Running
from hub.client import AgencyClient, ClientTls, RequestSigner, Unauthenticated
from hub.client.rpcs import REGISTER_SERVICE_RECORD
from hub.testing import DevPki

__all__ = ["SIGNING_AGENCY", "run_signed_requests_demo"]

SIGNING_AGENCY = "MCTH"
"""وزارت میراث فرهنگی، گردشگری و صنایع دستی"""


async def run_signed_requests_demo(
    running: Running, pki: DevPki, target: str, spec: cat.ServiceRecordSpec, *, by: str, keys: Path
) -> None:
    """Register MCTH's key (as ``tabadol agency-keys register``), show an unsigned call
    refused and a signed one accepted, and export the agencies' keys to ``keys``."""
    registry, cache = running.agency_keys, running.agency_keys_cache
    assert registry is not None and cache is not None
    print(f"\n== agencies sign what they ask (004 art. 13): {SIGNING_AGENCY} must sign ==")
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    registered = await running.executor.write(
        registry.register,
        SIGNING_AGENCY,
        base64.b64encode(raw).decode(),
        by=by,
        reason="the ministry's request-signing key",
    )
    await running.executor.read(cache.reload)
    print(f"agency-keys register {SIGNING_AGENCY}: {registered['key_id']} (a signed event)")
    issued = pki.certificate(f"agency:{SIGNING_AGENCY}")
    tls = ClientTls(pki.ca, issued.cert, issued.key)
    record = cat.ServiceRecordSpec()
    record.CopyFrom(spec)
    record.owner_agency = SIGNING_AGENCY
    record.title_fa = "صدور مجوز راهنمای گردشگری"
    record.title_en = "Tour guide licence"
    request = cat.RegisterServiceRecordRequest(service_code="13021000401", spec=record)
    async with AgencyClient(target, SIGNING_AGENCY, tls=tls, retries=0) as unsigned:
        try:
            await unsigned.call(REGISTER_SERVICE_RECORD, request)
        except Unauthenticated as error:
            print(f"an unsigned call is refused: {error}")
    signer = RequestSigner(SIGNING_AGENCY, key)
    async with AgencyClient(target, SIGNING_AGENCY, signer=signer, tls=tls) as client:
        reply = await client.call(REGISTER_SERVICE_RECORD, request)
    print(
        f"signed by {signer.key_id}: service {request.service_code} revision"
        f" {reply.record.revision} registered; its events keep the signed request"
    )
    keys.write_text(await running.executor.read(lambda: registry.ring().to_json()))
    print(f"agency-keys export -o {keys}")
