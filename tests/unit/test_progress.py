"""Progress of long work: drawn on a terminal, silent when output is not one."""

from __future__ import annotations

import io

import pytest

from hub.cli.progress import counted, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_written_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    with progress("verifying", 5000) as advance:
        assert list(counted(range(5000), advance)) == list(range(5000))
    assert pipe.getvalue() == ""


def test_a_terminal_sees_what_is_done_and_how_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    seen = []
    with progress("verifying", 5000) as advance:

        def recording(n: int) -> None:
            seen.append(n)
            advance(n)

        assert sum(1 for _ in counted(range(4500), recording)) == 4500
    assert seen == [1000, 1000, 1000, 1000, 500]
    assert "verifying" in terminal.getvalue()
