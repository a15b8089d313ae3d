"""The ``tabadol pki`` commands: a development CA, certificates for principals, a CRL.

See :mod:`hub.trail.pki` and :mod:`aggregates.principals` for what a certificate names.
"""

from __future__ import annotations

import argparse
from typing import Any

from aggregates.principals import HUB_OPERATOR, Principal
from hub.config import Settings
from hub.trail.pki import CA_CERT, CRL_FILE, init_ca, issue, revoke

__all__ = ["add_pki_parser", "run_pki"]


def add_pki_parser(subparsers: Any) -> None:
    """Add ``pki`` and its subcommands to a ``tabadol`` subparsers object."""
    pki = subparsers.add_parser(
        "pki", help="development CA and certificates (TABADOL_PKI_DIR, default <data>/pki)"
    ).add_subparsers(dest="pki", required=True)
    pki.add_parser("init", help="make a development CA and an empty CRL")
    issue_p = pki.add_parser(
        "issue",
        help="issue a certificate: AGENCY (or agency:CODE), counter:CODE, window:CODE,"
        " auditor:CODE or hub (the hub's own, its operator identity)",
    )
    issue_p.add_argument("principal")
    issue_p.add_argument("--dns", action="append", help="DNS SAN (default: localhost)")
    issue_p.add_argument("--ip", action="append", help="IP SAN (default: 127.0.0.1)")
    revoke_p = pki.add_parser("revoke", help="revoke a principal's certificates (or one serial)")
    revoke_p.add_argument("what", help="principal (agency:MOJ) or certificate serial number")


def hub_principal(text: str) -> Principal:
    """``hub`` alone is the hub operator ``hub:TABADOL``."""
    return HUB_OPERATOR if text.strip().lower() == "hub" else Principal.parse(text)


def run_pki(args: argparse.Namespace, settings: Settings) -> int:
    """Run the ``pki`` subcommand in ``args``; returns the exit code."""
    directory = settings.pki_dir
    if args.pki == "init":
        init_ca(directory)
        print(f"CA certificate  {directory / CA_CERT}  (TABADOL_TLS_CLIENT_CA)")
        print(f"CRL             {directory / CRL_FILE}  (TABADOL_TLS_CRL)")
        print("next: tabadol pki issue hub; tabadol pki issue MOJ")
        return 0
    if args.pki == "issue":
        principal = hub_principal(args.principal)
        issued = issue(
            directory,
            principal,
            dns_names=args.dns or ("localhost",),
            ip_addresses=args.ip or ("127.0.0.1",),
        )
        print(f"{principal.uri}")
        print(f"certificate  {issued.cert}")
        print(f"key          {issued.key}  (mode 0600)")
        print(f"serial       {issued.serial}")
        return 0
    serials = revoke(directory, args.what)
    print(f"revoked {', '.join(map(str, serials))}; CRL rewritten: {directory / CRL_FILE}")
    return 0
