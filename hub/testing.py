"""Fakes for tests and the demo: an in-memory identity provider, a hand-moved clock, free ports;
and for mTLS: a throw-away CA (:class:`DevPki`) and a hub serving mTLS with granted callers
(:func:`start_trusted_hub`, :class:`TrustedHub`).

Like ``structlog.testing``: part of the package so every tier of tests shares them, and
never imported by production code (an import-linter contract keeps it so).
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc

from aggregates.identifiers import NationalCode
from aggregates.principals import HUB_OPERATOR, Principal
from hub.application.participants import inactive_token
from hub.application.rights import HUB_SERVICES, write_rights_file
from hub.trail.pki import CA_CERT, CA_KEY, CRL_FILE, IssuedCertificate, init_ca, issue

__all__ = [
    "DEV_AGENCIES",
    "DEV_SEED_EVENTS",
    "HUB_PRINCIPAL",
    "DevPki",
    "InMemoryIdentityVerifier",
    "ManualClock",
    "TrustedHub",
    "dev_env",
    "dev_interceptor",
    "free_port",
    "start_trusted_hub",
    "trusted_settings",
]


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class InMemoryIdentityVerifier:
    """A fake identity provider for tests: tokens issued here, verified here."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    def issue(self, national_code: str) -> str:
        """A fresh token for ``national_code`` (checked)."""
        code = NationalCode.parse(national_code).value
        token = secrets.token_urlsafe(24)
        self._tokens[token] = code
        return token

    def revoke(self, token: str) -> None:
        """The token stops verifying."""
        self._tokens.pop(token, None)

    async def verify(self, token: str) -> str:
        """See :meth:`IdentityVerifier.verify`."""
        code = self._tokens.get(token)
        if code is None:
            raise inactive_token()
        return code


class ManualClock:
    """A clock moved by hand, for tests and the demo: ``now`` for the use cases."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new time."""
        self._now += delta
        return self._now


HUB_PRINCIPAL = HUB_OPERATOR.name


@dataclass
class DevPki:
    """A development CA in ``directory`` (:mod:`hub.trail.pki`, as ``tabadol pki`` makes
    it) and the certificates issued from it, one per principal."""

    directory: Path
    _issued: dict[Principal, IssuedCertificate] = field(default_factory=dict)

    @classmethod
    def create(cls, directory: Path) -> DevPki:
        init_ca(directory)
        return cls(directory)

    @classmethod
    def open(cls, directory: Path) -> DevPki:
        """The CA in ``directory``, made first if there is none (``tabadol pki init``)."""
        return cls(directory) if (directory / CA_KEY).exists() else cls.create(directory)

    @property
    def ca(self) -> Path:
        return self.directory / CA_CERT

    @property
    def crl(self) -> Path:
        return self.directory / CRL_FILE

    def certificate(self, principal: str | Principal) -> IssuedCertificate:
        """The certificate of ``principal`` (``agency:MOJ``, ``MOJ``, ``hub:TABADOL``), issued once."""
        who = principal if isinstance(principal, Principal) else Principal.parse(principal)
        if who not in self._issued:
            self._issued[who] = issue(self.directory, who)
        return self._issued[who]

    def channel_credentials(self, principal: str | Principal) -> grpc.ChannelCredentials:
        issued = self.certificate(principal)
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.read_bytes(),
            private_key=issued.key.read_bytes(),
            certificate_chain=issued.cert.read_bytes(),
        )

    def tls_env(self, principal: str = HUB_PRINCIPAL, *, crl: bool = True) -> dict[str, str]:
        """``TABADOL_TLS_*`` settings serving as ``principal`` (the hub by default)."""
        issued = self.certificate(principal)
        env = {
            "TABADOL_TLS_CERT": str(issued.cert),
            "TABADOL_TLS_KEY": str(issued.key),
            "TABADOL_TLS_CLIENT_CA": str(self.ca),
        }
        if crl:
            env["TABADOL_TLS_CRL"] = str(self.crl)
        return env


@dataclass
class TrustedHub:
    """A hub serving mTLS on a loopback port, with a PKI to make any caller's channel.

    ``channel("agency:MOJ")`` is an mTLS channel as that principal (cached);
    ``await grant("agency:MOJ", "service:tabadol.servicedesk.v1.ServiceDeskService")`` grants
    through the hub's own use cases (signed events, as the operator would).
    """

    pki: DevPki
    hub: Any
    running: Any
    settings: Any
    _channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return f"localhost:{self.running.port}"

    def channel(self, principal: str = HUB_PRINCIPAL) -> grpc.aio.Channel:
        name = Principal.parse(principal).name if principal != HUB_PRINCIPAL else principal
        if name not in self._channels:
            self._channels[name] = grpc.aio.secure_channel(
                self.target, self.pki.channel_credentials(name)
            )
        return self._channels[name]

    async def grant(self, grantee: str, *targets: str, reason: str = "test") -> list[str]:
        """Grant each target to ``grantee``; returns the grant ids."""
        ids = []
        for target in targets:
            grant = await self.running.executor.write(
                self.running.rights.grant, grantee, target, by="cli:test-operator", reason=reason
            )
            ids.append(grant["grant_id"])
        await self.running.executor.read(self.running.rights_cache.reload)
        return ids

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        await self.running.stop(grace=0)
        self.hub.close()


def trusted_settings(
    directory: Path, store_url: str, pki: DevPki, **env: str
) -> Any:  # -> hub.config.Settings
    """Settings of a hub on ``store_url`` serving mTLS with the hub certificate of ``pki``."""
    from hub.config import Settings

    return Settings.from_env(
        {
            "TABADOL_DATA_DIR": str(directory),
            "TABADOL_EVENT_STORE": store_url,
            "TABADOL_LISTEN": "127.0.0.1:0",
            **pki.tls_env(),
            **env,
        }
    )


async def start_trusted_hub(
    directory: Path, store_url: str, *, pki: DevPki | None = None, extra: Any = (), **env: str
) -> TrustedHub:
    """Keys, a PKI (unless given), and a hub serving mTLS over ``store_url``."""
    from hub.application.hub import TabadolHub
    from hub.bootstrap import create_server
    from hub.trail.keys import init_keys

    pki = pki or DevPki.create(directory / "pki")
    settings = trusted_settings(directory / "data", store_url, pki, **env)
    signer = init_keys(settings.signing_key, settings.public_keys)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    running = await create_server(hub, settings, extra=extra)
    return TrustedHub(pki, hub, running, settings)


DEV_AGENCIES = (
    "MOJ",
    "TAX",
    "MYGOV",
    "MSRT",
    "MIMT",
    "NOCR",
    "IPO",
    "MOI",
    "GUILDS",
    "JUDICIARY",
    "SABTEAHVAL",
    "AUDIT",
    "ROGUE",
    "RIVAL",
    "TEH-MUN",
    "POST",
    "window:MYGOV",
)
"""The principals the older, header-identified tests call as (agencies, and the national
window as the demo names it)."""


DEV_SEED_EVENTS = 2 + len(HUB_SERVICES)
"""Events the :func:`dev_env` rights file adds to a trail: started, one group, the grants."""


def dev_env(
    directory: Path,
    principals: Sequence[str] = DEV_AGENCIES,
    services: Sequence[str] = HUB_SERVICES,
) -> dict[str, str]:
    """Settings of the explicit insecure development mode (identity from the
    ``x-tabadol-agency`` header) with ``principals`` granted every hub service: for tests
    that predate mTLS. New tests use :func:`start_trusted_hub`."""
    rights = write_rights_file(directory / "dev-rights.json", principals, services)
    return {"TABADOL_INSECURE_DEV_AUTH": "1", "TABADOL_ACCESS_RIGHTS": str(rights)}


def dev_interceptor() -> grpc.aio.ServerInterceptor:
    """The trust interceptor in development mode, allowing every identified caller: for
    tests that wire a server by hand."""
    from aggregates.access import RightsTable
    from hub.servicers.auth import RefusalCounter, RightsCache, TrustInterceptor

    class _AllowAll(RightsTable):
        def allows(
            self, principal: Principal, method: str, service_code: str | None = None
        ) -> bool:
            return True

        def may_reach(self, principal: Principal, method: str) -> bool:
            return True

    return TrustInterceptor(mtls=False, rights=RightsCache(_AllowAll), refusals=RefusalCounter())
