"""Tabadol's Python client for agencies: typed calls, mTLS, retries with idempotency,
rich errors as exceptions, and every request signed with the agency's own key.

It imports nothing of the hub but the generated bindings (an import-linter contract
holds it to that): an agency installs it beside the ``tabadol`` bindings and nothing else.
"""

from hub.client.client import AgencyClient, ClientTls, Rpc
from hub.client.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    TabadolError,
    Unauthenticated,
    Unavailable,
)
from hub.client.signing import RequestSigner

__all__ = [
    "AgencyClient",
    "AlreadyExists",
    "ClientTls",
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "RequestSigner",
    "ResourceExhausted",
    "Rpc",
    "TabadolError",
    "Unauthenticated",
    "Unavailable",
]
