"""The ``tabadol counters`` commands: the operator's local CLI to service counters and the
services delegated to them (004 art. 14).

Like ``tabadol access`` it holds the hub's signing key, so it acts as the operator
(recorded as ``cli:<key id>``) and writes the signed events straight into the hub's store;
serving replicas pick a delegation up within their rights refresh period (0.5 s). Agencies
delegate their own services through ``tabadol.counters.v1.CounterService``.
"""

from __future__ import annotations

import argparse
from typing import Any

from aggregates.counters import AccessLevel, CounterKind, Delegation
from aggregates.principals import CLI_ACTOR_PREFIX
from hub.config import Settings
from hub.trail.keys import load_signer

__all__ = ["add_counters_parser", "run_counters"]


def add_counters_parser(subparsers: Any) -> None:
    """Add ``counters`` and its subcommands to a ``tabadol`` subparsers object."""
    counters = subparsers.add_parser(
        "counters", help="service counters: register, delegate, revoke, list (signed events)"
    ).add_subparsers(dest="counters", required=True)
    register = counters.add_parser("register", help="register a counter, or update it")
    register.add_argument("code", help="the counter's code, as in its certificate: P-1001")
    register.add_argument("--name", required=True)
    register.add_argument("--kind", choices=[k.value for k in CounterKind], default="government")
    register.add_argument("--province", required=True, help="tehran, isfahan, … or اصفهان")
    register.add_argument("--county", required=True)
    register.add_argument("--address", required=True)
    register.add_argument("--postal-code", required=True)
    delegate = counters.add_parser("delegate", help="delegate a service to a counter at a level")
    delegate.add_argument("counter", help="P-1001 or counter:P-1001")
    delegate.add_argument("service_code")
    delegate.add_argument("--level", choices=[lv.value for lv in AccessLevel], required=True)
    delegate.add_argument("--take-payment", action="store_true", help="the counter takes the fee")
    delegate.add_argument("--reason", required=True, help="why, recorded in the trail")
    revoke = counters.add_parser("revoke", help="end a delegation (it stays in the history)")
    revoke.add_argument("delegation_id", help="d-<n>")
    revoke.add_argument("--reason", required=True)
    listing = counters.add_parser("list", help="counters and the delegations in force")
    listing.add_argument("--agency")
    listing.add_argument("--counter")
    listing.add_argument("--province", help="only the counters of this province")
    listing.add_argument("--all", action="store_true", help="include revoked delegations")


def _print_delegation(d: Delegation) -> None:
    grant = d.grant
    payment = " +payment" if d.take_payment else ""
    line = (
        f"{d.delegation_id:>6}  {d.agency:<8} {d.service_code:<14} → counter:{d.counter:<10}"
        f" {d.level.value}{payment}  (by {grant.granted_by} at"
        f" {grant.granted_at:%Y-%m-%dT%H:%M:%SZ}: {grant.reason})"
    )
    if grant.revoked_at is not None:
        line += (
            f"  REVOKED by {grant.revoked_by} at {grant.revoked_at:%Y-%m-%dT%H:%M:%SZ}:"
            f" {grant.revoke_reason}"
        )
    print(line)


def run_counters(args: argparse.Namespace, settings: Settings) -> int:
    """Run the ``counters`` subcommand in ``args``; returns the exit code."""
    from hub.application.hub import TabadolHub

    signer = load_signer(settings.signing_key)
    app = TabadolHub(signer, env=settings.eventsourcing_env())
    try:
        counters = app.counters
        by = f"{CLI_ACTOR_PREFIX}{signer.key_id}"
        if args.counters == "register":
            office = counters.register_counter(
                args.code,
                by=by,
                name=args.name,
                kind=args.kind,
                province=args.province,
                county=args.county,
                address=args.address,
                postal_code=args.postal_code,
            )
            print(
                f"counter:{office.code}  {office.name}  {office.province.title_fa}،"
                f" {office.county}، {office.address} ({office.postal_code})"
            )
        elif args.counters == "delegate":
            _print_delegation(
                counters.delegate(
                    args.counter,
                    args.service_code,
                    level=args.level,
                    take_payment=args.take_payment,
                    by=by,
                    reason=args.reason,
                )
            )
        elif args.counters == "revoke":
            _print_delegation(counters.revoke(args.delegation_id, by=by, reason=args.reason))
        else:
            for entry in counters.list_counters(args.province):
                if args.counter and entry.code != args.counter.removeprefix("counter:").upper():
                    continue
                print(
                    f"counter:{entry.code}  {entry.name}  [{entry.kind}]  {entry.province_fa}،"
                    f" {entry.county}، {entry.address} ({entry.postal_code})"
                )
            found = counters.list_delegations(
                agency=args.agency.upper() if args.agency else None,
                counter=args.counter,
                include_revoked=args.all,
            )
            for delegation in found:
                _print_delegation(delegation)
            if not found:
                print("no delegations: no counter may open a case")
    finally:
        app.close()
    return 0
