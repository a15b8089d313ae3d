"""Agencies' request-signing keys (004 art. 13) as signed events: registration, rotation
and revocation.

:class:`AgencyKeyRegistry` is one aggregate (a fixed id) whose events are the whole
history of the agencies' Ed25519 public keys: the hub checks every signed request against
the keys in force, and an auditor checks the agencies' signatures kept in the trail with
the keys exported from this history (``tabadol agency-keys export``). Only the hub's
operator changes it. A key is never deleted: a revoked key stays, with the time from
which signatures by it are refused. Rotation registers the new key and revokes the old
one in the same transaction.

A key id is ``agency-`` + the first 16 hex digits of SHA-256 of the raw 32-byte public
key (as :func:`hub.trail.agency_signatures.agency_key_id` computes it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from aggregates._checks import (
    NAMESPACE,
    check_actor,
    check_change,
    check_text,
    raise_if_any,
)
from aggregates.errors import InvalidInput, NotFound, TransitionRefused, Violation
from aggregates.identifiers import AgencyCode

__all__ = ["AgencyKeyRegistry", "RegisteredKey", "key_id_of_raw"]


def key_id_of_raw(raw: bytes) -> str:
    """The key id of a raw Ed25519 public key."""
    return "agency-" + hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class RegisteredKey:
    agency: str
    key_id: str
    public_key: str
    """Base64 of the raw 32-byte Ed25519 public key."""
    registered_by: str
    registered_at: datetime
    reason: str
    revoked_by: str = ""
    revoked_at: datetime | None = None
    revoke_reason: str = ""

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _raw_key(violations: list[Violation], public_key: str) -> bytes:
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        violations.append(
            Violation("public_key", "a public key is the base64 of 32 raw Ed25519 bytes")
        )
    return raw


class AgencyKeyRegistry(Aggregate, created_event_name="Started"):
    """Every agency signing key ever registered, with its revocation if any."""

    TOPIC = "tabadol.agency_keys.registry"

    class Event(Aggregate.Event):
        """Base of this aggregate's events."""

    class Started(Event, Aggregate.Created):
        TOPIC = "tabadol.agency_keys.registry.started"
        by: str

    Created = Started

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "agency-key-registry")

    def __init__(self, by: str) -> None:
        self.started_by = by
        self.keys: dict[str, RegisteredKey] = {}
        self.required: tuple[str, ...] = ()
        """The agencies that must sign their requests (``*``: all), as last recorded."""

    @classmethod
    def start(cls, *, by: str) -> AgencyKeyRegistry:
        violations: list[Violation] = []
        by = check_actor(violations, by)
        raise_if_any(violations)
        return cls._create(cls.Started, id=cls.create_id(), by=by)

    # --- commands -------------------------------------------------------------------

    def register(
        self, agency: str, public_key: str, *, by: str, reason: str, replaces: str = ""
    ) -> str:
        """Register ``public_key`` (base64, raw Ed25519) for ``agency``; returns its key id.
        With ``replaces`` (a key id of the same agency) that key is revoked at once:
        a rotation."""
        violations: list[Violation] = []
        by = check_actor(violations, by)
        reason = check_text(violations, "reason", reason, max_length=500)
        try:
            agency = AgencyCode.parse(agency or "", field="agency").value
        except InvalidInput as error:
            violations.extend(error.violations)
        raw = _raw_key(violations, (public_key or "").strip())
        raise_if_any(violations)
        key_id = key_id_of_raw(raw)
        existing = self.keys.get(key_id)
        if existing is not None:
            raise TransitionRefused(
                f"key {key_id} is already registered (for {existing.agency}); a key is"
                " registered once, even after its revocation"
            )
        old = None
        if replaces:
            old = self.keys.get(replaces)
            if old is None:
                raise NotFound("agency key", replaces)
            if old.agency != agency:
                raise TransitionRefused(f"key {replaces} belongs to {old.agency}, not {agency}")
            if not old.active:
                raise TransitionRefused(f"key {replaces} is already revoked")
        self.trigger_event(
            self.Registered,
            agency=agency,
            key_id=key_id,
            public_key=base64.b64encode(raw).decode(),
            by=by,
            reason=reason,
        )
        if old is not None:
            self.trigger_event(
                self.Revoked, key_id=old.key_id, by=by, reason=f"rotated to {key_id}: {reason}"
            )
        return key_id

    def revoke(self, key_id: str, *, by: str, reason: str) -> None:
        """Refuse signatures by ``key_id`` from now on (they stay valid before now)."""
        by, reason = check_change(by, reason)
        existing = self.keys.get(key_id)
        if existing is None:
            raise NotFound("agency key", key_id)
        if not existing.active:
            raise TransitionRefused(f"key {key_id} is already revoked")
        self.trigger_event(self.Revoked, key_id=key_id, by=by, reason=reason)

    def require(self, agencies: Iterable[str], *, by: str) -> bool:
        """Record the agencies whose requests must be signed (``*``: all), when that
        differs from the requirement last recorded; True when it was recorded."""
        violations: list[Violation] = []
        by = check_actor(violations, by)
        raise_if_any(violations)
        wanted = tuple(sorted({a.strip().upper() for a in agencies if a.strip()}))
        if wanted == self.required:
            return False
        self.trigger_event(self.SignaturesRequired, agencies=list(wanted), by=by)
        return True

    class SignaturesRequired(Event):
        """From this event on, these agencies' calls must carry their signature."""

        TOPIC = "tabadol.agency_keys.registry.signatures_required"
        agencies: list[str]
        by: str

        def apply(self, aggregate: AgencyKeyRegistry) -> None:
            aggregate.required = tuple(self.agencies)

    class Registered(Event):
        TOPIC = "tabadol.agency_keys.registry.registered"
        agency: str
        key_id: str
        public_key: str
        by: str
        reason: str

        def apply(self, aggregate: AgencyKeyRegistry) -> None:
            aggregate.keys[self.key_id] = RegisteredKey(
                self.agency, self.key_id, self.public_key, self.by, self.timestamp, self.reason
            )

    class Revoked(Event):
        TOPIC = "tabadol.agency_keys.registry.revoked"
        key_id: str
        by: str
        reason: str

        def apply(self, aggregate: AgencyKeyRegistry) -> None:
            old = aggregate.keys[self.key_id]
            aggregate.keys[self.key_id] = replace(
                old, revoked_by=self.by, revoked_at=self.timestamp, revoke_reason=self.reason
            )
