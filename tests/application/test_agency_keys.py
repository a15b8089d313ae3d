"""Agencies' signing keys as signed events: register, rotate, revoke, and the key ring
the hub and auditors verify agencies' signatures with."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from aggregates.errors import InvalidInput, NotFound, TransitionRefused
from hub.application.agency_keys import AgencyKeysUseCases
from hub.application.hub import TabadolHub
from hub.client.signing import RequestSigner
from hub.trail.agency_signatures import (
    AgencyKeyRing,
    Attestation,
    RequestSignatureError,
    body_hash,
    parse_metadata,
)

METHOD = "/tabadol.servicedesk.v1.ServiceDeskService/OpenCase"


def _public(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _attestation(signer: RequestSigner, body: bytes = b"request") -> Attestation:
    signed = parse_metadata(signer.sign(METHOD, body, "k-1"))
    return Attestation(
        signer.agency,
        signed.key_id,
        METHOD,
        signed.time_ms,
        signed.nonce,
        "k-1",
        body_hash(body),
        signed.signature,
    )


def test_register_rotate_revoke_and_the_ring(hub: TabadolHub) -> None:
    keys = AgencyKeysUseCases(hub)
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    registered = keys.register("moj", _public(first), by="cli:op", reason="MOJ's first key")
    assert registered["agency"] == "MOJ"
    old = RequestSigner("MOJ", first)
    assert registered["key_id"] == old.key_id
    signed_before = _attestation(old)
    time.sleep(0.002)
    rotated = keys.register(
        "MOJ", _public(second), by="cli:op", reason="yearly rotation", replaces=old.key_id
    )
    listed = keys.list_keys("MOJ")
    assert [k["key_id"] for k in listed] == [rotated["key_id"]]
    every = keys.list_keys("MOJ", include_revoked=True)
    assert every[0]["revoked_at"] is not None
    assert "rotated to" in every[0]["revoke_reason"]

    ring = keys.ring()
    ring.verify(_attestation(RequestSigner("MOJ", second)))
    ring.verify(signed_before)  # signed while the old key was valid: still verifies
    with pytest.raises(RequestSignatureError, match="was revoked"):
        ring.verify(_attestation(old))
    # The exported document is what an auditor loads.
    assert AgencyKeyRing.from_document(keys.document()).keys.keys() == ring.keys.keys()

    keys.revoke(rotated["key_id"], by="cli:op", reason="compromised")
    with pytest.raises(RequestSignatureError, match="was revoked"):
        keys.ring().verify(_attestation(RequestSigner("MOJ", second)))
    assert keys.list_keys() == []


def test_a_key_of_another_agency_does_not_sign_for_it(hub: TabadolHub) -> None:
    keys = AgencyKeysUseCases(hub)
    key = Ed25519PrivateKey.generate()
    keys.register("TAX", _public(key), by="cli:op", reason="TAX's key")
    with pytest.raises(RequestSignatureError, match="not registered for agency MOJ"):
        keys.ring().verify(_attestation(RequestSigner("MOJ", key)))


def test_bad_registrations_change_nothing(hub: TabadolHub) -> None:
    keys = AgencyKeysUseCases(hub)
    key = Ed25519PrivateKey.generate()
    with pytest.raises(InvalidInput) as bad:
        keys.register("", "not-a-key", by="cli:op", reason="")
    assert {v.field for v in bad.value.violations} == {"agency", "public_key", "reason"}
    keys.register("MOJ", _public(key), by="cli:op", reason="first")
    with pytest.raises(TransitionRefused, match="already registered"):
        keys.register("TAX", _public(key), by="cli:op", reason="again")
    with pytest.raises(NotFound):
        keys.revoke("agency-0000000000000000", by="cli:op", reason="typo")
    with pytest.raises(NotFound):
        keys.register(
            "MOJ", _public(Ed25519PrivateKey.generate()), by="cli:op", reason="r", replaces="x"
        )
    assert len(keys.list_keys(include_revoked=True)) == 1
