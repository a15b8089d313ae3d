"""The hub's own errors, beside the domain's (aggregates.errors): each maps to a gRPC code
in hub/servicers/errors.py."""

from __future__ import annotations

from aggregates.errors import DomainError

__all__ = ["AccessDenied", "IdentityProviderUnavailable"]


class AccessDenied(DomainError):
    """The calling agency may not do this (PERMISSION_DENIED)."""


class IdentityProviderUnavailable(DomainError):
    """The identity provider did not answer usably (UNAVAILABLE): nothing was recorded,
    and the same call may succeed later."""
