"""`tabadol counters` as the operator runs it: register a counter, delegate a catalogued
service at a level, list, revoke (signed events in the hub's store)."""

from __future__ import annotations

from pathlib import Path

from hub.application.hub import TabadolHub
from hub.config import Settings
from hub.trail.keys import load_signer
from tests.application.conftest import spec
from tests.e2e.test_cli import tabadol
from tests.samples import AGENCY, SERVICE_CODE


def test_register_delegate_list_revoke(tmp_path: Path) -> None:
    assert tabadol("keys", "init", data_dir=tmp_path).returncode == 0
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(tmp_path)})
    app = TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env())
    app.catalogue.register_service_record(SERVICE_CODE, spec(), by=AGENCY)
    app.close()

    unknown = tabadol("counters", "delegate", "P-1001", SERVICE_CODE, "--level", "intake",
                      "--reason", "pilot", data_dir=tmp_path)  # fmt: skip
    assert unknown.returncode == 2 and "counter" in unknown.stderr  # not registered yet
    registered = tabadol(
        "counters", "register", "P-1001", "--name", "دفتر پیشخوان ۱۰۰۱",
        "--province", "اصفهان", "--county", "کاشان", "--address", "میدان کمال‌الملک",
        "--postal-code", "1316943891", data_dir=tmp_path,
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    assert "counter:P-1001" in registered.stdout and "اصفهان" in registered.stdout
    delegated = tabadol("counters", "delegate", "P-1001", SERVICE_CODE, "--level", "intake",
                        "--take-payment", "--reason", "pilot", data_dir=tmp_path)  # fmt: skip
    assert delegated.returncode == 0, delegated.stderr
    assert "d-1" in delegated.stdout and "intake +payment" in delegated.stdout
    assert "by cli:" in delegated.stdout
    listing = tabadol("counters", "list", "--province", "isfahan", data_dir=tmp_path)
    assert "counter:P-1001" in listing.stdout and "d-1" in listing.stdout
    revoked = tabadol("counters", "revoke", "d-1", "--reason", "ended", data_dir=tmp_path)
    assert revoked.returncode == 0 and "REVOKED by cli:" in revoked.stdout
    assert "no delegations" in tabadol("counters", "list", data_dir=tmp_path).stdout
