"""The demo's gRPC clients: every caller on its own mTLS channel, with its own certificate.

The demo's code names who makes each call as a development-mode client would (metadata
``x-tabadol-agency: MOJ``, ``window:MYGOV``, ``counter:P-1001``, ``hub:TABADOL``).
:class:`CallerChannels` stands where a channel stands (stubs are built on it) and sends each
call over the mTLS channel of the principal it names, with that principal's certificate from
the demo's development CA (:class:`hub.testing.DevPki`, the code behind ``tabadol pki``,
issued on first use). The header is taken off before the call leaves the process: the hub,
serving mTLS only, knows the caller by its certificate alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from aggregates.principals import Principal
from hub.servicers.auth import AGENCY_HEADER
from hub.testing import DevPki

__all__ = ["CallerChannels", "as_caller"]

Metadata = Sequence[tuple[str, str | bytes]]


def as_caller(principal: str) -> tuple[tuple[str, str], ...]:
    """The metadata naming who makes a call (``MOJ``, ``window:MYGOV``): on
    :class:`CallerChannels` it goes with that principal's certificate."""
    return ((AGENCY_HEADER, principal),)


class _Routed:
    """One method's multicallable: picks the caller's channel on every call."""

    def __init__(self, owner: CallerChannels, kind: str, method: str, options: Any) -> None:
        self._owner = owner
        self._kind = kind
        self._method = method
        self._options = options

    def __call__(self, request: Any, *, metadata: Metadata | None = None, **call: Any) -> Any:
        channel, rest = self._owner.route(metadata)
        real = getattr(channel, self._kind)(self._method, **self._options)
        return real(request, metadata=rest or None, **call)


class CallerChannels(grpc.aio.Channel):  # type: ignore[misc]
    """Channels to ``target`` as any principal of ``pki``; a call that names no caller goes
    as ``default`` (e.g. a public catalogue read: under mTLS every client has a certificate)."""

    def __init__(self, target: str, pki: DevPki, *, default: str) -> None:
        self.target = target
        self._pki = pki
        self._default = Principal.parse(default)
        self._channels: dict[Principal, grpc.aio.Channel] = {}

    def channel(self, principal: str | Principal) -> grpc.aio.Channel:
        """The mTLS channel of ``principal`` (made, and its certificate issued, once)."""
        who = principal if isinstance(principal, Principal) else Principal.parse(principal)
        if who not in self._channels:
            self._channels[who] = grpc.aio.secure_channel(
                self.target, self._pki.channel_credentials(who)
            )
        return self._channels[who]

    def route(self, metadata: Metadata | None) -> tuple[grpc.aio.Channel, list[Any]]:
        """The named caller's channel and the metadata without the caller's name."""
        named = [v for k, v in metadata or () if k == AGENCY_HEADER]
        rest = [(k, v) for k, v in metadata or () if k != AGENCY_HEADER]
        if len(named) > 1:
            raise ValueError(f"one caller per call, not {named}")
        who = named[0] if named else self._default
        if isinstance(who, bytes):
            who = who.decode()
        return self.channel(who), rest

    def unary_unary(self, method: str, **options: Any) -> _Routed:
        return _Routed(self, "unary_unary", method, options)

    def unary_stream(self, method: str, **options: Any) -> _Routed:
        return _Routed(self, "unary_stream", method, options)

    def stream_unary(self, method: str, **options: Any) -> _Routed:
        return _Routed(self, "stream_unary", method, options)

    def stream_stream(self, method: str, **options: Any) -> _Routed:
        return _Routed(self, "stream_stream", method, options)

    async def close(self, grace: float | None = None) -> None:
        for channel in self._channels.values():
            await channel.close(grace)
        self._channels.clear()

    async def __aenter__(self) -> CallerChannels:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        return self.channel(self._default).get_state(try_to_connect)

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity) -> None:
        await self.channel(self._default).wait_for_state_change(last_observed_state)

    async def channel_ready(self) -> None:
        await self.channel(self._default).channel_ready()
