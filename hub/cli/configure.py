"""The ``tabadol configure`` commands: the operator's local CLI to the hub's signed
configuration beside the rights table — the petition routing table (001 item 6) and the
agency hierarchy with its consultation minimums (003).

Like ``tabadol access`` it holds the hub's signing key, so it acts as the operator
(recorded as ``cli:<key id>``), the one guard the gRPC methods ``ConfigureRouting`` and
``ConfigurePolicy`` apply to certificates (:func:`hub.application.errors.require_operator`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from aggregates.errors import InvalidInput
from aggregates.petition import Route
from hub.application.petitions import RoutingView
from hub.application.rights import cli_operator
from hub.config import Settings
from hub.trail.keys import load_signer

__all__ = ["add_configure_parser", "run_configure"]


def add_configure_parser(subparsers: Any) -> None:
    """Add ``configure`` and its subcommands to a ``tabadol`` subparsers object."""
    configure = subparsers.add_parser(
        "configure", help="petition routing and agency policies (signed events, operator only)"
    ).add_subparsers(dest="configure", required=True)
    routing = configure.add_parser("routing", help="the petition routing table").add_subparsers(
        dest="action", required=True
    )
    routing.add_parser("show", help="the table in force")
    set_routing = routing.add_parser(
        "set",
        help='replace it from a JSON file: {"default": {"agency", "unit", "answer_days"},'
        ' "routes": {"<topic>": {…}}}',
    )
    set_routing.add_argument("file", type=Path)
    policy = configure.add_parser(
        "policy", help="the agency hierarchy and consultation minimums"
    ).add_subparsers(dest="action", required=True)
    policy.add_parser("show", help="the hierarchy and minimums in force")
    set_policy = policy.add_parser("set", help="replace them (003: a minimum covers affiliates)")
    set_policy.add_argument(
        "--parent", action="append", default=[], metavar="CHILD=PARENT", help="GUILDS=MSRT"
    )
    set_policy.add_argument(
        "--minimum", action="append", default=[], metavar="AGENCY=DAYS", help="MSRT=30"
    )


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key.strip() or not item.strip():
            raise InvalidInput.field(option, f"expected KEY=VALUE, got {value!r}")
        pairs[key.strip()] = item.strip()
    return pairs


def _route(raw: Any, where: str) -> Route:
    if not isinstance(raw, dict) or not isinstance(raw.get("agency"), str):
        raise InvalidInput.field(where, "a route is {agency, unit, answer_days}")
    return Route.from_dict({"unit": "", **raw})


def _print_routing(view: RoutingView) -> None:
    by = f" by {view.changed_by} at {view.changed_at:%Y-%m-%dT%H:%M:%SZ}" if view.changed_at else ""
    print(f"routing table v{view.version}{by or ' (the default: never configured)'}")
    d = view.table.default
    print(f"  (default)  {d.agency}/{d.unit}  {d.answer_days} d")
    for topic, r in sorted(view.table.routes.items()):
        print(f"  {topic}  {r.agency}/{r.unit}  {r.answer_days} d")


def run_configure(args: argparse.Namespace, settings: Settings) -> int:
    """Run the ``configure`` subcommand in ``args``; returns the exit code."""
    from hub.application.hub import TabadolHub

    signer = load_signer(settings.signing_key)
    app = TabadolHub(signer, env=settings.eventsourcing_env())
    by = cli_operator(signer.key_id)
    try:
        if args.configure == "routing":
            if args.action == "set":
                document = json.loads(args.file.read_text(encoding="utf-8"))
                if not isinstance(document, dict):
                    raise InvalidInput.field("file", "a JSON object with default and routes")
                routes = document.get("routes") or {}
                if not isinstance(routes, dict):
                    raise InvalidInput.field("routes", "maps topics to routes")
                _print_routing(
                    app.petitions.configure_petition_routing(
                        _route(document.get("default"), "default"),
                        {t: _route(r, f"routes[{t!r}]") for t, r in routes.items()},
                        by=by,
                    )
                )
            else:
                _print_routing(app.petitions.petition_routing())
            return 0
        if args.action == "set":
            minimums = _pairs(args.minimum, "--minimum")
            if not all(v.isdigit() for v in minimums.values()):
                raise InvalidInput.field("--minimum", "days are whole numbers")
            view = app.consultations.configure_policy(
                parents=_pairs(args.parent, "--parent"),
                minimum_days={a: int(d) for a, d in minimums.items()},
                by=by,
            )
        else:
            view = app.consultations.policy()
        by_line = f" by {view.changed_by}" if view.changed_by else " (never configured)"
        print(f"agency policies v{view.version}{by_line}")
        for child, parent in sorted(view.policies.parents.items()):
            print(f"  {child} is affiliated with {parent}")
        for agency, days in sorted(view.policies.minimum_days.items()):
            print(f"  {agency}: calls stay open at least {days} days")
        return 0
    finally:
        app.close()
