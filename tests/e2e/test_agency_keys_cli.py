"""`tabadol agency-keys` as the operator and an agency run it: keygen (the agency),
register, rotate, list, revoke and export (the operator), the file an auditor loads."""

from __future__ import annotations

import json
from pathlib import Path

from hub.application.hub import TabadolHub
from hub.client.signing import RequestSigner, load_signing_key
from hub.config import Settings
from hub.ledger.signing import attested
from hub.servicers.convert import spec_from_proto
from hub.trail.agency_signatures import AgencyKeyRing, Attestation, body_hash, parse_metadata
from hub.trail.keys import load_signer
from tests.e2e.test_audit_cli import ok, tabadol
from tests.samples import SERVICE_CODE, spec_proto


def test_register_rotate_revoke_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok("keys", "init", data_dir=data)
    made = ok("agency-keys", "keygen", str(tmp_path / "moj.pem"), data_dir=data)
    first = made.split(":")[0]
    assert first.startswith("agency-") and (tmp_path / "moj.pem.pub").exists()
    ok("agency-keys", "keygen", str(tmp_path / "moj-2.pem"), data_dir=data)
    out = ok(
        "agency-keys",
        "register",
        "MOJ",
        str(tmp_path / "moj.pem.pub"),
        "--reason",
        "first",
        data_dir=data,
    )
    assert first in out and "MOJ" in out
    rotated = ok(
        "agency-keys",
        "register",
        "MOJ",
        str(tmp_path / "moj-2.pem.pub"),
        "--reason",
        "rotation",
        "--replaces",
        first,
        data_dir=data,
    )
    second = rotated.split()[0]
    listed = ok("agency-keys", "list", data_dir=data)
    assert second in listed and first not in listed
    assert "REVOKED" in ok("agency-keys", "list", "--all", data_dir=data)
    # An agency's private key is not what the operator registers.
    refused = tabadol(
        "agency-keys",
        "register",
        "TAX",
        str(tmp_path / "moj.pem"),
        "--reason",
        "x",
        data_dir=data,
    )
    assert refused.returncode == 2 and "PEM public key" in refused.stderr
    ok("agency-keys", "revoke", second, "--reason", "compromised", data_dir=data)
    ok("agency-keys", "export", "-o", str(tmp_path / "agency-keys.json"), data_dir=data)
    ring = AgencyKeyRing.load(tmp_path / "agency-keys.json")
    assert set(ring.keys) == {first, second}
    assert all(k.revoked_at is not None for k in ring.keys.values())
    document = json.loads(ok("agency-keys", "export", data_dir=data))
    assert document["format"] == "tabadol-agency-keys/1"


def test_audit_verify_checks_agency_signatures_with_the_exported_keys(tmp_path: Path) -> None:
    """An event written under MOJ's signed request: `audit verify --agency-keys` says it
    verified; with the key file of another agency's key it fails naming MOJ."""
    data = tmp_path / "data"
    ok("keys", "init", data_dir=data)
    ok("agency-keys", "keygen", str(tmp_path / "moj.pem"), data_dir=data)
    ok("agency-keys", "register", "MOJ", str(tmp_path / "moj.pem.pub"), "--reason", "r",
       data_dir=data)  # fmt: skip
    signer = RequestSigner("MOJ", load_signing_key(tmp_path / "moj.pem"))
    method = "/tabadol.catalogue.v1.CatalogueService/RegisterServiceRecord"
    signed = parse_metadata(signer.sign(method, b"request", "k-1"))
    attestation = Attestation(
        "MOJ", signed.key_id, method, signed.time_ms, signed.nonce, "k-1",
        body_hash(b"request"), signed.signature,
    )  # fmt: skip
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(data)})
    hub = TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env())
    with attested(attestation.to_bytes()):
        hub.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by="MOJ")
    hub.close()
    ok("agency-keys", "export", "-o", str(tmp_path / "agency-keys.json"), data_dir=data)
    store = str(data / "events.sqlite")
    out = ok("audit", "verify", store, "--agency-keys", str(tmp_path / "agency-keys.json"),
             "--allow-unanchored", data_dir=data)  # fmt: skip
    assert "agency signatures: 1 signed requests verified (MOJ 1)" in out
    # A key file without MOJ's key: the signature is named, exit 1.
    other = tmp_path / "other-keys.json"
    document = json.loads((tmp_path / "agency-keys.json").read_text())
    document["keys"] = []
    other.write_text(json.dumps(document))
    result = tabadol("audit", "verify", store, "--agency-keys", str(other), "--allow-unanchored",
                     data_dir=data)  # fmt: skip
    assert result.returncode == 1
    assert f"agency signature refused: key {signed.key_id} is not registered for agency MOJ" in (
        result.stdout
    )
