"""The `tabadol` command as a user runs it."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from hub.testing import free_port


def tabadol(*args: str, data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TABADOL_DATA_DIR": str(data_dir),
        "TABADOL_LISTEN": "127.0.0.1:0",
        "TABADOL_INSECURE_DEV_AUTH": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_serve_without_a_key_says_how_to_make_one(tmp_path: Path) -> None:
    result = tabadol("serve", data_dir=tmp_path)
    assert result.returncode == 2
    assert "tabadol keys init" in result.stderr


def test_keys_init_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    result = tabadol("keys", "init", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    private = tmp_path / "keys" / "hub-signing.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (tmp_path / "keys" / "public-keys.json").exists()
    again = tabadol("keys", "init", data_dir=tmp_path)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def test_demo_drives_cases_and_verifies_its_trail_then_the_cli_catches_tampering(
    tmp_path: Path,
) -> None:
    result = tabadol("demo", "--cases", "20", "--data-dir", str(tmp_path), data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("C-")]
    assert len(rows) == 20
    assert {row[3] for row in rows} == {"delivered", "rejected", "cancelled"}
    assert "OK:" in result.stdout and "signatures verified" in result.stdout
    # under mTLS with a seeded rights table: a cross-agency read refused, the grants verified
    assert "mTLS as hub:TABADOL" in result.stdout
    assert re.search(r"agency/TAX\) asks for MOJ's case C-[0-9A-Z-]+: NOT_FOUND", result.stdout)
    assert "granted g-4 service:tabadol.servicedesk.v1.ServiceDeskService to group:AGENCIES" in (
        result.stdout
    )
    assert "with their identity token (the full case, open" in result.stdout  # the applicant
    assert "the same code with another person's token: NOT_FOUND" in result.stdout
    # service counters: one delivers a delegated service, the other is refused beyond intake
    assert re.search(r"counter:P-1001 delivered case C-[0-9A-Z-]+ of MOJ", result.stdout)
    assert "counter:P-2002 asks civil registration (production's work): PERMISSION_DENIED" in (
        result.stdout
    )
    assert "configuration: 2 signed changes" in result.stdout  # routing and policies, by hub:
    assert "petition routing table started by hub:TABADOL" in result.stdout
    assert "INSECURE" not in result.stdout + result.stderr
    # MCTH must sign: unsigned refused, signed through the client library, both verified
    assert "an unsigned call is refused: UNAUTHENTICATED: MCTH must sign its requests" in (
        result.stdout
    )
    assert "agency signatures: 1 signed requests verified (MCTH 1)" in result.stdout
    assert (tmp_path / "pki" / "ca.crt").exists() and (tmp_path / "pki" / "agency-tax.crt").exists()

    export = tmp_path / "trail.jsonl"
    assert tabadol("audit", "export", "-o", str(export), data_dir=tmp_path).returncode == 0
    keys = str(tmp_path / "keys" / "public-keys.json")
    assert (
        tabadol("audit", "verify", str(export), "--keys", keys, data_dir=tmp_path).returncode == 0
    )
    lines = export.read_text().splitlines()
    del lines[5]
    export.write_text("\n".join(lines) + "\n")
    failed = tabadol("audit", "verify", str(export), "--keys", keys, data_dir=tmp_path)
    assert failed.returncode == 1
    assert "first bad event at log index" in failed.stdout and "missing" in failed.stdout


def test_verify_names_a_missing_file(tmp_path: Path) -> None:
    result = tabadol(
        "audit",
        "verify",
        str(tmp_path / "nope.jsonl"),
        "--keys",
        str(tmp_path / "k.json"),
        data_dir=tmp_path,
    )
    assert result.returncode == 2 and "not found" in result.stderr


async def test_simulate_serves_a_registry_that_a_client_can_query(tmp_path: Path) -> None:
    import asyncio

    from connectors import civil_registry
    from connectors.synthetic import people

    port = free_port()
    env = {**os.environ, "TABADOL_DATA_DIR": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", "simulate", "civil-registry", "--port", str(port),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        person = people(1405, 1)[0]
        client = await civil_registry.connect(
            f"127.0.0.1:{port}", agency="MOJ", retries=8, backoff=0.2, timeout=5.0
        )
        try:
            answer = await client.inquire_person(
                person.national_code, person.birth_date_jalali, tracking_code="C-7K2M-9QX4-HAB3-Z"
            )
        finally:
            await client.close()
        assert answer.person.national_code == person.national_code
        assert len(answer.inquiry_tracking_code) == 16
    finally:
        process.terminate()
        await process.wait()


def test_simulate_names_a_bad_option(tmp_path: Path) -> None:
    result = tabadol("simulate", "treasury", "--port", "0", "--error-rate", "2", data_dir=tmp_path)
    assert result.returncode == 2 and "error_rate must be between 0 and 1" in result.stderr


def test_malformed_inputs_are_named_not_tracebacks(tmp_path: Path) -> None:
    keys = tmp_path / "keys" / "public-keys.json"
    assert tabadol("keys", "init", data_dir=tmp_path).returncode == 0
    trail = tmp_path / "bad.jsonl"
    trail.write_text('{"format": "tabadol-trail/1"}\n{"position": 1}\n')
    result = tabadol("audit", "verify", str(trail), "--keys", str(keys), data_dir=tmp_path)
    assert result.returncode == 2 and "line 2: field 'aggregate_id' is missing" in result.stderr
    trail.write_text("[1]\n")
    result = tabadol("audit", "verify", str(trail), "--keys", str(keys), data_dir=tmp_path)
    assert result.returncode == 2 and "line 1: expected a JSON object" in result.stderr
    assert "Traceback" not in result.stderr
    demo = tabadol("demo", "--cases", "0", data_dir=tmp_path)
    assert demo.returncode == 2 and "--cases: must be at least 1" in demo.stderr


def test_serve_stops_with_a_message_when_start_up_fails(tmp_path: Path) -> None:
    assert tabadol("keys", "init", data_dir=tmp_path).returncode == 0
    env = {"TABADOL_ACCESS_RIGHTS": str(tmp_path / "missing.json")}
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve"],
        env={**os.environ, "TABADOL_DATA_DIR": str(tmp_path), "TABADOL_LISTEN": "127.0.0.1:0",
             "TABADOL_INSECURE_DEV_AUTH": "1", **env},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "TABADOL_ACCESS_RIGHTS" in result.stderr and "not found" in result.stderr
