"""The hub's own errors, beside the domain's (aggregates.errors): each maps to a gRPC code
in hub/servicers/errors.py."""

from __future__ import annotations

from aggregates.errors import DomainError
from aggregates.principals import is_operator_actor

__all__ = ["AccessDenied", "IdentityProviderUnavailable", "require_operator"]


class AccessDenied(DomainError):
    """The calling agency may not do this (PERMISSION_DENIED)."""


class IdentityProviderUnavailable(DomainError):
    """The identity provider did not answer usably (UNAVAILABLE): nothing was recorded,
    and the same call may succeed later."""


def require_operator(by: str, what: str) -> None:
    """Signed configuration (rights, routing tables, agency policies) changes only as the
    hub's operator: its certificate (``hub:CODE``) or the local CLI holding the hub key
    (``cli:<key id>``); anyone else is refused (PERMISSION_DENIED), nothing changes."""
    if not is_operator_actor(by):
        raise AccessDenied(
            f"only the hub's operator (spiffe://tabadol.gov.ir/hub/<CODE>, or the local CLI"
            f" holding the hub key) may change {what}, not {by}"
        )
