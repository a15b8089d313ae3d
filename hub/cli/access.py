"""The ``tabadol access`` commands: the operator's local CLI to the rights table.

It holds the hub's signing key, so it acts as the operator (recorded as ``cli:<key id>``)
and writes the signed events straight into the hub's store; serving replicas pick the
change up within their refresh period (0.5 s).
"""

from __future__ import annotations

import argparse
from typing import Any

from hub.application.rights import AccessRightsUseCases, cli_operator
from hub.config import Settings
from hub.trail.keys import load_signer

__all__ = ["add_access_parser", "run_access"]


def add_access_parser(subparsers: Any) -> None:
    """Add ``access`` and its subcommands to a ``tabadol`` subparsers object."""
    access = subparsers.add_parser(
        "access", help="the rights table: grant, revoke, list, groups (signed events)"
    ).add_subparsers(dest="access", required=True)
    grant = access.add_parser("grant", help="grant a principal or group the right to call a target")
    grant.add_argument("grantee", help="MOJ, agency:MOJ, counter:P-1001, window:MYGOV, group:NAME")
    grant.add_argument(
        "target",
        help="package.Service/Method, package.Service, or code:<service code> (case RPCs)",
    )
    grant.add_argument("--reason", required=True, help="why, recorded in the trail")
    revoke = access.add_parser("revoke", help="end a grant (it stays in the history)")
    revoke.add_argument("grant_id", help="g-<n>")
    revoke.add_argument("--reason", required=True)
    listing = access.add_parser("list", help="the grants in force (and the groups)")
    listing.add_argument("--grantee")
    listing.add_argument("--all", action="store_true", help="include revoked grants")
    groups = access.add_parser("groups", help="named groups of principals").add_subparsers(
        dest="groups", required=True
    )
    define = groups.add_parser("set", help="set a group's members (none: delete the group)")
    define.add_argument("name")
    define.add_argument("members", nargs="*")
    define.add_argument("--reason", required=True)
    groups.add_parser("list", help="every group and its members")


def _print_grant(grant: dict[str, Any]) -> None:
    line = (
        f"{grant['grant_id']:>6}  {grant['grantee']:<20} {grant['target']}"
        f"  (by {grant['granted_by']} at {grant['granted_at']:%Y-%m-%dT%H:%M:%SZ}: {grant['reason']})"
    )
    if grant["revoked_at"] is not None:
        line += f"  REVOKED by {grant['revoked_by']} at {grant['revoked_at']:%Y-%m-%dT%H:%M:%SZ}: {grant['revoke_reason']}"
    print(line)


def run_access(args: argparse.Namespace, settings: Settings) -> int:
    """Run the ``access`` subcommand in ``args``; returns the exit code."""
    from hub.application.hub import TabadolHub

    signer = load_signer(settings.signing_key)
    app = TabadolHub(signer, env=settings.eventsourcing_env())
    try:
        rights = AccessRightsUseCases(app)
        by = cli_operator(signer.key_id)
        if args.access == "grant":
            _print_grant(rights.grant(args.grantee, args.target, by=by, reason=args.reason))
        elif args.access == "revoke":
            _print_grant(rights.revoke(args.grant_id, by=by, reason=args.reason))
        elif args.access == "list":
            grants, groups = rights.list_grants(args.grantee, include_revoked=args.all)
            for grant in grants:
                _print_grant(grant)
            if not grants:
                print("no grants: every call but health and reflection is refused")
            for name, members in groups.items():
                print(f"group:{name}  {' '.join(members)}")
        elif args.groups == "set":
            name, members = rights.define_group(args.name, args.members, by=by, reason=args.reason)
            print(f"group:{name}  {' '.join(members) or '(deleted)'}")
        else:
            for name, members in rights.list_grants()[1].items():
                print(f"group:{name}  {' '.join(members)}")
    finally:
        app.close()
    return 0
