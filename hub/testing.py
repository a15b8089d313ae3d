"""Fakes for tests and the demo: an in-memory identity provider, a hand-moved clock, free ports.

Like ``structlog.testing``: part of the package so every tier of tests shares them, and
never imported by production code (an import-linter contract keeps it so).
"""

from __future__ import annotations

import secrets
import socket
from datetime import UTC, datetime, timedelta

from aggregates.identifiers import NationalCode
from hub.application.participants import inactive_token

__all__ = ["InMemoryIdentityVerifier", "ManualClock", "free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class InMemoryIdentityVerifier:
    """A fake identity provider for tests: tokens issued here, verified here."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    def issue(self, national_code: str) -> str:
        """A fresh token for ``national_code`` (checked)."""
        code = NationalCode.parse(national_code).value
        token = secrets.token_urlsafe(24)
        self._tokens[token] = code
        return token

    def revoke(self, token: str) -> None:
        """The token stops verifying."""
        self._tokens.pop(token, None)

    async def verify(self, token: str) -> str:
        """See :meth:`IdentityVerifier.verify`."""
        code = self._tokens.get(token)
        if code is None:
            raise inactive_token()
        return code


class ManualClock:
    """A clock moved by hand, for tests and the demo: ``now`` for the use cases."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new time."""
        self._now += delta
        return self._now
