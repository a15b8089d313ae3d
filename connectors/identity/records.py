"""What the national window's identity provider answers, as plain frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["IssuedToken", "TokenIntrospection"]


@dataclass(frozen=True)
class TokenIntrospection:
    """Whether a token is active and, if so, whose and at which assurance level (1..4)."""

    active: bool
    national_code: str | None = None
    assurance_level: int | None = None
    expires_at: datetime | None = None  # aware, UTC


@dataclass(frozen=True)
class IssuedToken:
    """A freshly minted access token for ``national_code`` at ``assurance_level``."""

    token: str
    national_code: str
    assurance_level: int
    expires_at: datetime  # aware, UTC
