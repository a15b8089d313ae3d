"""Use cases of the rights table (:class:`aggregates.access.AccessPolicy`) and of refusal
summaries, on a signing eventsourcing application. Plain values in and out.

Only the operator changes rights: the gRPC edge checks the caller is the operator principal
(:func:`aggregates.principals.is_operator`); the local CLI acts as the operator because it
holds the hub's signing key (``by`` = ``cli:<key id>``, see :func:`cli_operator`); and the
use cases refuse any other ``by`` (:func:`hub.application.errors.require_operator`), as the
routing table and the agency policies do.

A rights file may seed a new hub once (:meth:`AccessRightsUseCases.seed`)::

    {"format": "tabadol-access-rights/2",
     "groups": {"REGISTRIES": ["agency:NOCR", "agency:SABT"]},
     "grants": [{"grantee": "agency:MOJ",
                 "target": "service:tabadol.servicedesk.v1.ServiceDeskService",
                 "reason": "MOJ runs its own cases"}]}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from aggregates.access import AccessPolicy, Grant, RefusalSummary, RightsTable, parse_grantee
from aggregates.errors import InvalidInput, NotFound
from aggregates.principals import CLI_ACTOR_PREFIX
from hub.application.errors import require_operator

__all__ = [
    "HUB_SERVICES",
    "RIGHTS_FORMAT",
    "AccessRightsUseCases",
    "RightsFileError",
    "cli_operator",
    "load_rights_file",
    "write_rights_file",
]

RIGHTS_FORMAT = "tabadol-access-rights/2"

HUB_SERVICES = (
    "tabadol.catalogue.v1.CatalogueService",
    "tabadol.catalogue.v1.PermitRegistryService",
    "tabadol.programme.v1.ProgrammeService",
    "tabadol.servicedesk.v1.ServiceDeskService",
    "tabadol.counters.v1.CounterService",
    "tabadol.participation.v1.ConsultationService",
    "tabadol.participation.v1.PetitionService",
    "tabadol.monitoring.v1.MonitoringService",
    "tabadol.monitoring.v1.OperationalMonitoringService",
    "tabadol.audit.v1.AuditService",
)
"""Every service of the hub but AccessService (the operator's)."""
_RETRIES = 5


def cli_operator(key_id: str) -> str:
    """The actor recorded for changes made by the local CLI holding the hub key ``key_id``."""
    return f"{CLI_ACTOR_PREFIX}{key_id}"


class RightsFileError(ValueError):
    """The rights file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class RightsFile:
    source: str
    groups: Mapping[str, list[str]]
    grants: list[tuple[str, str, str]]


def load_rights_file(path: Path) -> RightsFile:
    try:
        raw = path.read_bytes()
        document = json.loads(raw)
    except FileNotFoundError as exc:
        raise RightsFileError(f"TABADOL_ACCESS_RIGHTS: {path} not found") from exc
    except json.JSONDecodeError as exc:
        raise RightsFileError(f"TABADOL_ACCESS_RIGHTS: {path} is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != RIGHTS_FORMAT:
        raise RightsFileError(f"{path}: expected format {RIGHTS_FORMAT!r}")
    groups = document.get("groups", {})
    grants = document.get("grants", [])
    if not isinstance(groups, dict) or not all(
        isinstance(m, list) and all(isinstance(x, str) for x in m) for m in groups.values()
    ):
        raise RightsFileError(f"{path}: 'groups' maps names to lists of principals")
    if not isinstance(grants, list):
        raise RightsFileError(f"{path}: 'grants' is a list")
    rows: list[tuple[str, str, str]] = []
    for index, entry in enumerate(grants):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("grantee", "target")
        ):
            raise RightsFileError(f"{path}: grants[{index}] needs grantee and target")
        rows.append((entry["grantee"], entry["target"], str(entry.get("reason") or "seeded")))
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return RightsFile(f"{path.name} sha256:{digest}", groups, rows)


def write_rights_file(path: Path, principals: Sequence[str], services: Sequence[str]) -> Path:
    """A seed rights file granting every one of ``services`` to a group of ``principals``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "format": RIGHTS_FORMAT,
                "groups": {"MEMBERS": list(principals)},
                "grants": [
                    {"grantee": "group:MEMBERS", "target": f"service:{s}", "reason": "seeded"}
                    for s in services
                ],
            },
            indent=2,
        )
        + "\n"
    )
    return path


def _grant_dict(grant: Grant) -> dict[str, Any]:
    return {
        "grant_id": grant.grant_id,
        "grantee": grant.grantee,
        "target": grant.target,
        "granted_by": grant.granted_by,
        "granted_at": grant.granted_at,
        "reason": grant.reason,
        "revoked_by": grant.revoked_by,
        "revoked_at": grant.revoked_at,
        "revoke_reason": grant.revoke_reason,
    }


class AccessRightsUseCases:
    """Grant, revoke, group, list and seed; refusal summaries. Synchronous (run them on
    the hub's executor, never on the event loop)."""

    def __init__(self, app: Application[Any]) -> None:
        self._app = app

    def _policy(self) -> AccessPolicy | None:
        try:
            policy: object = self._app.repository.get(AccessPolicy.create_id())
        except AggregateNotFoundError:
            return None
        assert isinstance(policy, AccessPolicy)
        return policy

    def table(self) -> RightsTable:
        """The rights in force (empty: nothing is allowed)."""
        policy = self._policy()
        return policy.table() if policy else RightsTable()

    def version(self) -> int:
        policy = self._policy()
        return policy.version if policy else 0

    def _change(self, by: str, change: Any) -> Any:
        require_operator(by, "access rights")
        for attempt in range(_RETRIES):
            policy = self._policy() or AccessPolicy.start(by=by)
            result = change(policy)
            try:
                self._app.save(policy)
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
                continue
            return result, policy
        raise AssertionError("unreachable")  # pragma: no cover

    def grant(self, grantee: str, target: str, *, by: str, reason: str) -> dict[str, Any]:
        grant_id, policy = self._change(
            by, lambda p: p.grant(grantee, target, by=by, reason=reason)
        )
        return _grant_dict(policy.grants[grant_id])

    def revoke(self, grant_id: str, *, by: str, reason: str) -> dict[str, Any]:
        if self._policy() is None:
            raise NotFound("grant", grant_id)
        _, policy = self._change(by, lambda p: p.revoke(grant_id, by=by, reason=reason))
        return _grant_dict(policy.grants[grant_id])

    def define_group(
        self, name: str, members: list[str], *, by: str, reason: str
    ) -> tuple[str, list[str]]:
        _, policy = self._change(by, lambda p: p.define_group(name, members, by=by, reason=reason))
        canonical = name.strip().upper()
        return canonical, sorted(policy.groups.get(canonical, ()))

    def list_grants(
        self, grantee: str | None = None, *, include_revoked: bool = False
    ) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
        policy = self._policy()
        if policy is None:
            return [], {}
        grants = [
            _grant_dict(g)
            for g in policy.grants.values()
            if (include_revoked or g.active)
            and (not grantee or g.grantee == _canonical_grantee(grantee))
        ]
        return grants, {name: sorted(m) for name, m in sorted(policy.groups.items())}

    def seed(self, path: Path, *, by: str) -> bool:
        """Import a rights file into a hub that has no rights table yet; False (nothing
        changes) when one exists: a file seeds a hub once."""
        rights = load_rights_file(path)
        if self._policy() is not None:
            return False
        policy = AccessPolicy.start(by=by, source=rights.source)
        for name, members in rights.groups.items():
            policy.define_group(name, members, by=by, reason=f"seeded from {rights.source}")
        for grantee, target, reason in rights.grants:
            policy.grant(grantee, target, by=by, reason=reason)
        try:
            self._app.save(policy)
        except IntegrityError:
            return False  # another replica seeded it first
        return True

    def record_refusals(
        self,
        *,
        replica: str,
        window_start: str,
        window_end: str,
        counts: Mapping[tuple[str, str, str], int],
    ) -> None:
        """One signed summary of a window's refusals."""
        self._app.save(
            RefusalSummary.record(
                replica=replica, window_start=window_start, window_end=window_end, counts=counts
            )
        )


def _canonical_grantee(text: str) -> str:
    try:
        return parse_grantee(text)
    except InvalidInput:
        return text
