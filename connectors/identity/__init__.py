"""The national window's identity provider: client and records; simulator in ``.simulator``."""

from connectors.identity.client import SYSTEM, IdentityProviderClient, connect
from connectors.identity.records import IssuedToken, TokenIntrospection

__all__ = ["SYSTEM", "IdentityProviderClient", "IssuedToken", "TokenIntrospection", "connect"]
