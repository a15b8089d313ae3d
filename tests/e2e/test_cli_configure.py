"""`tabadol configure`: the operator's local CLI (holding the hub key) sets the petition
routing table and the agency policies as signed events, and `audit verify` lists them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import tabadol


def test_the_local_cli_configures_routing_and_policies_as_the_operator(tmp_path: Path) -> None:
    assert tabadol("keys", "init", data_dir=tmp_path).returncode == 0
    shown = tabadol("configure", "routing", "show", data_dir=tmp_path)
    assert shown.returncode == 0 and "v0 (the default: never configured)" in shown.stdout
    table = tmp_path / "routing.json"
    table.write_text(
        json.dumps(
            {
                "default": {"agency": "MYGOV", "unit": "میز خدمت", "answer_days": 7},
                "routes": {"shares": {"agency": "IPO", "unit": "سهام", "answer_days": 3}},
            }
        ),
        encoding="utf-8",
    )
    set_ = tabadol("configure", "routing", "set", str(table), data_dir=tmp_path)
    assert set_.returncode == 0, set_.stderr
    assert "routing table v1 by cli:hub-" in set_.stdout and "shares  IPO/سهام  3 d" in set_.stdout
    policy = tabadol(
        "configure", "policy", "set", "--parent", "GUILDS=MSRT", "--minimum", "MSRT=30",
        data_dir=tmp_path,
    )  # fmt: skip
    assert policy.returncode == 0, policy.stderr
    assert "GUILDS is affiliated with MSRT" in policy.stdout
    bad = tabadol("configure", "policy", "set", "--minimum", "MSRT=400", data_dir=tmp_path)
    assert bad.returncode == 2 and "minimum_days" in bad.stderr
    table.write_text('{"default": {"unit": "x"}}', encoding="utf-8")
    no_agency = tabadol("configure", "routing", "set", str(table), data_dir=tmp_path)
    assert no_agency.returncode == 2 and "default" in no_agency.stderr

    keys = str(tmp_path / "keys" / "public-keys.json")
    verified = tabadol(
        "audit", "verify", f"sqlite:///{tmp_path / 'events.sqlite'}", "--keys", keys,
        "--allow-unanchored", data_dir=tmp_path,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "configuration: 2 signed changes" in verified.stdout
    assert "petition routing table started by cli:hub-" in verified.stdout
    assert "agency hierarchy and policies started by cli:hub-" in verified.stdout
