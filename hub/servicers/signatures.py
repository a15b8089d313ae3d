"""Agencies sign what they ask (004 art. 13): the hub's check of every signed request.

For an agency whose signatures are required (``TABADOL_REQUIRE_AGENCY_SIGNATURES``), the
trust interceptor hands each unary call's serialized request to
:meth:`RequestSignatures.check` with the call's metadata. A call is refused
(UNAUTHENTICATED) when its ``x-tabadol-request-signature`` is

* missing or malformed;
* by a key not registered for that agency, or revoked (the registry *now*, not at the
  time the agency wrote: a stolen key cannot sign into the past);
* stale: its time is more than the window away from the hub's clock;
* replayed: its nonce was seen within the window (nonces are remembered until their time
  leaves the window, so memory is bounded by the calls of one window);
* wrong: the signature does not verify over this method, these bytes, that time, nonce
  and idempotency key.

The accepted request becomes the call's *attestation*, which every event the call writes
carries in its envelope (:func:`hub.ledger.signing.attested`).

What is exempt, and why: the public methods (:data:`hub.servicers.auth.PUBLIC_METHODS`,
open to anyone, unidentified) and server-streaming reads (the client library's calls are
unary; a stream writes nothing). Every other unary call of a required agency — reads
included, as X-Road signs every message — must be signed. Only agencies sign: counters,
the national window, auditors and the operator are identified by certificate alone.

Nonces are checked twice: in this process's memory (a fast first filter), then in the
table every replica shares (:class:`hub.ledger.replays.ReplayStore`, a unique insert of
(agency, nonce)): a replay sent to another replica, or after a restart, within the window
is refused too. When that table cannot be reached the call is refused (UNAVAILABLE), never
let through unchecked.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Callable, Iterable
from typing import Final

from aggregates.principals import Principal, PrincipalKind
from hub.ledger.replays import ReplayStore
from hub.trail.agency_signatures import (
    IDEMPOTENCY_METADATA,
    SIGNATURE_METADATA,
    AgencyKeyRing,
    Attestation,
    RequestSignatureError,
    body_hash,
    parse_metadata,
)

__all__ = ["ALL_AGENCIES", "NonceMemory", "RequestSignatures"]

ALL_AGENCIES: Final = "*"


class NonceMemory:
    """Nonces seen, each kept only while its signed time is inside the window (after
    that the time check refuses a replay anyway): memory is bounded by one window's calls."""

    def __init__(self, window_ms: int) -> None:
        self._window_ms = window_ms
        self._seen: set[tuple[str, str]] = set()
        self._expiry: list[tuple[int, tuple[str, str]]] = []

    def __len__(self) -> int:
        return len(self._seen)

    def first_time(self, key_id: str, nonce: str, time_ms: int, now_ms: int) -> bool:
        """Remember ``nonce``; False when it was seen (a replay)."""
        expiry = self._expiry
        while expiry and expiry[0][0] < now_ms:
            self._seen.discard(heapq.heappop(expiry)[1])
        entry = (key_id, nonce)
        if entry in self._seen:
            return False
        self._seen.add(entry)
        heapq.heappush(expiry, (time_ms + self._window_ms, entry))
        return True


class RequestSignatures:
    """Which agencies must sign, and the check of one call (see the module)."""

    def __init__(
        self,
        required: Iterable[str],
        keys: Callable[[], AgencyKeyRing],
        *,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
        replays: ReplayStore | None = None,
    ) -> None:
        self.replays = replays
        self.required = frozenset(code.strip().upper() for code in required if code.strip())
        self._keys = keys
        self._window_ms = int(window_seconds * 1000)
        self._clock = clock
        self.nonces = NonceMemory(self._window_ms)

    def applies_to(self, principal: Principal) -> bool:
        return principal.kind is PrincipalKind.AGENCY and (
            ALL_AGENCIES in self.required or principal.code in self.required
        )

    def check(
        self,
        principal: Principal,
        method: str,
        request: bytes,
        metadata: Iterable[tuple[str, str | bytes]],
    ) -> bytes:
        """The attestation of an accepted call, its nonce checked in this process only;
        RequestSignatureError saying why not."""
        return self._check(principal, method, request, metadata).to_bytes()

    async def admit(
        self,
        principal: Principal,
        method: str,
        request: bytes,
        metadata: Iterable[tuple[str, str | bytes]],
    ) -> bytes:
        """:meth:`check`, then the nonce's first use in the table all replicas share."""
        attestation = self._check(principal, method, request, metadata)
        if self.replays is not None and not await asyncio.to_thread(
            self.replays.first_use,
            attestation.agency,
            attestation.nonce,
            attestation.time_ms + self._window_ms,
        ):
            raise RequestSignatureError(
                f"nonce {attestation.nonce} of {attestation.agency} was already used"
                " (seen by another replica or before a restart): a replayed request"
            )
        return attestation.to_bytes()

    def _check(
        self,
        principal: Principal,
        method: str,
        request: bytes,
        metadata: Iterable[tuple[str, str | bytes]],
    ) -> Attestation:
        values: dict[str, list[str]] = {SIGNATURE_METADATA: [], IDEMPOTENCY_METADATA: []}
        for name, value in metadata:
            if name in values:
                values[name].append(value if isinstance(value, str) else value.decode())
        signatures, idempotency = values[SIGNATURE_METADATA], values[IDEMPOTENCY_METADATA]
        agency = principal.code
        if not signatures:
            raise RequestSignatureError(
                f"{agency} must sign its requests: the metadata {SIGNATURE_METADATA} is missing"
                " (use hub.client.AgencyClient with a RequestSigner)"
            )
        if len(signatures) > 1 or len(idempotency) > 1:
            raise RequestSignatureError("send one request signature and one idempotency key")
        signed = parse_metadata(signatures[0])
        now_ms = int(self._clock() * 1000)
        skew = signed.time_ms - now_ms
        if abs(skew) > self._window_ms:
            raise RequestSignatureError(
                f"the request was signed {abs(skew) / 1000:.0f} s "
                f"{'ahead of' if skew > 0 else 'before'} the hub's clock, outside the"
                f" {self._window_ms // 1000} s window: sign it afresh (check the clock)"
            )
        key = self._keys().keys.get(signed.key_id)
        if key is None or key.agency != agency:
            raise RequestSignatureError(f"key {signed.key_id} is not registered for {agency}")
        if key.revoked_at is not None:
            raise RequestSignatureError(
                f"key {signed.key_id} of {agency} was revoked at {key.revoked_at.isoformat()}"
            )
        attestation = Attestation(
            agency,
            signed.key_id,
            method,
            signed.time_ms,
            signed.nonce,
            idempotency[0] if idempotency else "-",
            body_hash(request),
            signed.signature,
        )
        AgencyKeyRing({key.key_id: key}).verify(attestation)
        if not self.nonces.first_time(signed.key_id, signed.nonce, signed.time_ms, now_ms):
            raise RequestSignatureError(
                f"nonce {signed.nonce} of {agency} was already used: a replayed request"
            )
        return attestation
