"""`tabadol agency-keys` as the operator and an agency run it: keygen (the agency),
register, rotate, list, revoke and export (the operator), the file an auditor loads."""

from __future__ import annotations

import json
from pathlib import Path

from hub.trail.agency_signatures import AgencyKeyRing
from tests.e2e.test_audit_cli import ok, tabadol


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
