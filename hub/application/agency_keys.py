"""Use cases of the agencies' request-signing keys
(:class:`aggregates.agency_keys.AgencyKeyRegistry`): register, rotate, revoke, list, and
the key ring the hub and auditors check agencies' signatures with.

Only the operator changes the registry: the local CLI acts as the operator because it holds
the hub's signing key (``by`` = ``cli:<key id>``, as for the rights table).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from eventsourcing.application import Application

from aggregates.agency_keys import AgencyKeyRegistry, RegisteredKey
from aggregates.errors import NotFound
from hub.application.store import Store
from hub.trail.agency_signatures import KEYS_FORMAT, AgencyKeyRing

__all__ = ["AgencyKeysUseCases"]


def _key_dict(key: RegisteredKey) -> dict[str, Any]:
    return asdict(key)


class AgencyKeysUseCases:
    """Synchronous (run them on the hub's executor, never on the event loop)."""

    def __init__(self, app: Application[Any]) -> None:
        self._store = Store(app)

    def _registry(self) -> AgencyKeyRegistry | None:
        return self._store.find(AgencyKeyRegistry.create_id(), AgencyKeyRegistry)

    def _change(self, by: str, change: Any) -> tuple[Any, AgencyKeyRegistry]:
        registry, result = self._store.change(
            AgencyKeyRegistry.create_id(),
            AgencyKeyRegistry,
            "agency key registry",
            "",
            change,
            start=lambda: AgencyKeyRegistry.start(by=by),
        )
        return result, registry

    def register(
        self, agency: str, public_key: str, *, by: str, reason: str, replaces: str = ""
    ) -> dict[str, Any]:
        """Register a key (base64 of the raw Ed25519 public key); with ``replaces``, revoke
        that key of the same agency in the same transaction (a rotation)."""
        key_id, registry = self._change(
            by,
            lambda r: r.register(agency, public_key, by=by, reason=reason, replaces=replaces),
        )
        return _key_dict(registry.keys[key_id])

    def record_requirement(self, agencies: Iterable[str], *, by: str) -> bool:
        """Record which agencies must sign (``*``: all) as a signed event, only when it
        differs from the last recorded requirement (none recorded: nobody had to sign)."""
        wanted = sorted(agencies)
        registry = self._registry()
        if registry is None and not wanted:
            return False
        changed, _ = self._change(by, lambda r: r.require(wanted, by=by))
        return bool(changed)

    def required(self) -> tuple[str, ...]:
        """The requirement last recorded."""
        registry = self._registry()
        return registry.required if registry else ()

    def revoke(self, key_id: str, *, by: str, reason: str) -> dict[str, Any]:
        if self._registry() is None:
            raise NotFound("agency key", key_id)
        _, registry = self._change(by, lambda r: r.revoke(key_id, by=by, reason=reason))
        return _key_dict(registry.keys[key_id])

    def list_keys(
        self, agency: str | None = None, *, include_revoked: bool = False
    ) -> list[dict[str, Any]]:
        registry = self._registry()
        if registry is None:
            return []
        wanted = (agency or "").strip().upper()
        return [
            _key_dict(k)
            for k in sorted(registry.keys.values(), key=lambda k: (k.agency, k.registered_at))
            if (include_revoked or k.active) and (not wanted or k.agency == wanted)
        ]

    def document(self) -> dict[str, Any]:
        """Every key ever registered, revoked ones included, as a ``tabadol-agency-keys/1``
        document (what ``tabadol agency-keys export`` writes)."""
        registry = self._registry()
        keys = (
            sorted(registry.keys.values(), key=lambda k: (k.agency, k.registered_at))
            if (registry)
            else []
        )
        return {
            "format": KEYS_FORMAT,
            "keys": [
                {
                    "agency": k.agency,
                    "key_id": k.key_id,
                    "public_key": k.public_key,
                    "registered_at": k.registered_at.isoformat(),
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                }
                for k in keys
            ],
        }

    def ring(self) -> AgencyKeyRing:
        """The registered keys, with their validity, as the verifier takes them."""
        return AgencyKeyRing.from_document(self.document(), source="the agency key registry")
