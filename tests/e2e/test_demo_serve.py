"""`tabadol demo --serve`: the story, then the dashboard's address, the hub kept running
until Ctrl-C, then the trail verified."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def test_demo_serve_prints_the_dashboard_and_runs_until_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "TABADOL_DATA_DIR": str(tmp_path), "TABADOL_LISTEN": "127.0.0.1:0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "demo", "--cases", "4", "--serve", "--http-port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = ""
        deadline = time.monotonic() + 120
        seen = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.match(r"dashboard: (http://127\.0\.0\.1:\d+/) ", line)
            if found:
                url = found[1]
                break
        assert url, "".join(seen)
        time.sleep(1.0)
        assert process.poll() is None, "the hub stopped instead of serving"
        with urllib.request.urlopen(url, timeout=10) as page:
            html = page.read().decode("utf-8")
        assert '<html lang="fa" dir="rtl">' in html and "نمای ملی" in html
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, rest + errors
    before = "".join(seen)  # the trail is verified before the dashboard is served
    assert "OK:" in before and "signatures verified" in before, before
