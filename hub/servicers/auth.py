"""Who is calling and may they: identity, deny-by-default rights, refusals, rate limits.

DESIGN property 3. For every RPC except health and reflection, :class:`TrustInterceptor`

1. names the caller (:class:`~aggregates.principals.Principal`): under mTLS from the client
   certificate — only URI SANs, exactly one ``spiffe://tabadol.gov.ir/<kind>/<CODE>``
   (:func:`hub.pki.principal_of_certificate`), checked against the CRL in force
   (:mod:`hub.trail.revocation`: a stale or missing CRL is UNAVAILABLE, fail closed); in the
   explicit insecure development mode (``TABADOL_INSECURE_DEV_AUTH=1``) from the metadata
   header ``x-tabadol-agency`` (``MOJ`` or ``counter:P-1001``);
2. applies the caller's rate limit (token bucket): over it, RESOURCE_EXHAUSTED with a
   ``RetryInfo`` saying when to try again;
   every refusal it answers itself (identity, rate, rights) is paced per principal by
   :class:`RefusalPacer` — answered no faster than the refusal rate, each held at most a
   second — so a flooder in a closed loop gets its refusals at that rate however many calls
   it keeps in flight, and the hub's one event loop spends on them a bounded share; the
   transport bounds the calls in flight per connection (``grpc.max_concurrent_streams``);
3. checks the rights table (:class:`aggregates.access.RightsTable`): nothing is allowed until
   a grant allows it (the operator may always call its configuration methods,
   :data:`OPERATOR_METHODS`, and nobody else may whatever their grants say; and the
   counters' admin methods, :data:`OPERATOR_ALSO_METHODS`, which others call with a grant);
4. for an agency that must sign its requests (:mod:`hub.servicers.signatures`), checks
   the request signature over the call's bytes (UNAUTHENTICATED when missing, wrong,
   stale or replayed) and lets the events the call writes carry it;
5. counts every refusal — identity, rate, rights, and PERMISSION_DENIED raised further in
   (ownership, scope) — in :class:`RefusalCounter`, flushed as one signed
   :class:`~aggregates.access.RefusalSummary` per window, never one event per call.

Servicers read the caller with :func:`current_principal` (or :func:`current_agency`), check
``code:`` grants with :func:`allowed_for_service_code`, require the operator with
:func:`require_operator`, and count a hidden refusal (answered NOT_FOUND) with
:func:`note_refusal`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import grpc
import structlog
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from aggregates.access import RightsTable
from aggregates.errors import InvalidInput
from aggregates.principals import Principal, PrincipalKind, is_operator
from hub.ledger.replays import GuardUnavailable
from hub.ledger.signing import attested
from hub.servicers.idempotency import IdempotencyBusy, IdempotencyConflict, IdempotentCalls
from hub.servicers.signatures import RequestSignatures
from hub.trail.agency_signatures import IDEMPOTENCY_METADATA, RequestSignatureError
from hub.trail.pki import CertificateRefused, principal_of_certificate
from hub.trail.revocation import CrlUnavailable, RevocationList

log = structlog.get_logger("tabadol.auth")
_T = TypeVar("_T")

__all__ = [
    "ACCESS_SERVICE",
    "AGENCY_HEADER",
    "OPERATOR_ALSO_METHODS",
    "OPERATOR_METHODS",
    "PUBLIC_METHODS",
    "SPIFFE_PREFIX",
    "CallsInFlight",
    "RateLimiter",
    "Refreshed",
    "RefusalCounter",
    "RefusalPacer",
    "RightsCache",
    "TrustInterceptor",
    "allowed_for_service_code",
    "current_agency",
    "current_principal",
    "note_refusal",
    "require_operator",
]

AGENCY_HEADER = "x-tabadol-agency"
SPIFFE_PREFIX = "spiffe://tabadol.gov.ir/agency/"
ACCESS_SERVICE = "tabadol.access.v1.AccessService"
_OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
OPERATOR_METHODS = frozenset(
    {
        "tabadol.participation.v1.PetitionService/ConfigureRouting",
        "tabadol.participation.v1.ConsultationService/ConfigurePolicy",
    }
)
"""The signed configuration beside the rights table (every ``AccessService`` method): the
operator calls them without a grant; their handlers refuse anyone else
(:func:`require_operator`), even a caller granted the whole service."""
OPERATOR_ALSO_METHODS = frozenset(
    f"tabadol.counters.v1.CounterService/{rpc}"
    for rpc in (
        "RegisterCounter",
        "Delegate",
        "RevokeDelegation",
        "ListDelegations",
        "ListCounterCases",
    )
)
"""Admin-like methods the operator calls without a grant, on an agency's or a counter's
behalf (004 art. 14): the others need one, and the use cases decide what each may do."""
PUBLIC_METHODS = frozenset(
    {
        # the public catalogue and permits registry (004 art. 2, 4 n1, 5 n)
        "tabadol.catalogue.v1.CatalogueService/GetServiceRecord",
        "tabadol.catalogue.v1.CatalogueService/ListServiceRecords",
        "tabadol.catalogue.v1.CatalogueService/ListCatalogue",
        "tabadol.catalogue.v1.PermitRegistryService/GetPermitKind",
        "tabadol.catalogue.v1.PermitRegistryService/ListPermitKinds",
        # the public system of agencies' progress (002 art. 9) and its reports
        "tabadol.programme.v1.ProgrammeService/GetProgramme",
        "tabadol.programme.v1.ProgrammeService/GetReport",
        "tabadol.programme.v1.ProgrammeService/ListLateAgencies",
        "tabadol.programme.v1.ProgrammeService/GetServiceQuality",
        # the list of service counters and their delegated services (004 art. 14 n1-n2)
        "tabadol.counters.v1.CounterService/ListCounters",
        # open data is public by definition (002 art. 9 n2)
        "tabadol.monitoring.v1.MonitoringService/GetOpenData",
    }
)
"""Methods anyone may call, identified or not, whatever the rights table says: their
handlers never ask :func:`current_agency`."""


@dataclass(frozen=True)
class _Call:
    principal: Principal
    method: str
    rights: RightsTable
    refusals: RefusalCounter
    attestation: bytes | None = None
    """The agency's signed request (when its signatures are required)."""


_call: contextvars.ContextVar[_Call] = contextvars.ContextVar("tabadol_call")


def current_principal() -> Principal:
    """The caller of the current RPC; set by :class:`TrustInterceptor`."""
    return _call.get().principal


def current_agency() -> str:
    """The caller as the servicers' ``by``: the code of an agency or of the national window
    (``MOJ``, ``MYGOV``); ``kind:CODE`` for counters, auditors and the operator, so they never
    pass for an agency."""
    principal = current_principal()
    if principal.kind in (PrincipalKind.AGENCY, PrincipalKind.WINDOW):
        return principal.code
    return principal.name


def allowed_for_service_code(service_code: str) -> bool:
    """Whether the caller's rights allow the current RPC on a case of ``service_code``."""
    call = _call.get()
    return call.rights.allows(call.principal, call.method, service_code)


def note_refusal(reason: str) -> None:
    """Count a refusal the servicer answers without PERMISSION_DENIED (e.g. NOT_FOUND for a
    case the caller may not see)."""
    call = _call.get()
    call.refusals.note(call.principal.name, call.method, reason)


async def require_operator(context: grpc.aio.ServicerContext) -> Principal:
    """The operator principal, or PERMISSION_DENIED (counted as a refusal)."""
    principal = current_principal()
    if not is_operator(principal):
        await context.abort(
            grpc.StatusCode.PERMISSION_DENIED,
            f"only the hub's operator (spiffe://tabadol.gov.ir/hub/<CODE>) may do this,"
            f" not {principal.name}",
        )
    return principal


class Refreshed(Generic[_T]):
    """A value loaded from the store, refreshed by :meth:`refresh_forever` (other replicas
    and the local CLI change it too) and at once by :meth:`reload` after a change here."""

    what = "value"

    def __init__(self, load: Callable[[], _T], *, every: float = 0.5) -> None:
        self._load = load
        self._every = every
        self._reloads = 0
        self.value = load()

    def reload(self) -> None:
        self._reloads += 1
        self.value = self._load()

    async def refresh_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                reloads = self._reloads
                value = await asyncio.to_thread(self._load)
                if reloads == self._reloads:  # else a reload began since: it is as new
                    self.value = value
            except Exception as error:  # keep the last value; the store may be restarting
                log.warning(f"could not refresh the {self.what}", error=repr(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._every)


class RightsCache(Refreshed[RightsTable]):
    """The rights table in force."""

    what = "rights table"

    @property
    def table(self) -> RightsTable:
        return self.value


Flush = Callable[[str, str, dict[tuple[str, str, str], int]], Awaitable[None]]


@dataclass
class RefusalCounter:
    """Refusals counted per (principal, method, reason) in memory; :meth:`flush_forever`
    writes one signed summary per window that had any."""

    window_seconds: float = 10.0
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    total: int = 0

    def note(self, principal: str, method: str, reason: str) -> None:
        self.counts[(principal, method, reason)] += 1
        self.total += 1

    def take(self) -> tuple[str, str, dict[tuple[str, str, str], int]]:
        end = datetime.now(UTC)
        window = (self.started.isoformat(), end.isoformat(), dict(self.counts))
        self.counts = Counter()
        self.started = end
        return window

    async def flush(self, write: Flush) -> None:
        if self.counts:
            start, end, counts = self.take()
            try:
                await write(start, end, counts)
            except BaseException:  # not written (e.g. the write queue is full): count on
                self.counts.update(counts)
                self.started = datetime.fromisoformat(start)
                raise

    async def flush_forever(self, write: Flush, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.window_seconds)
            try:
                await self.flush(write)
            except Exception as error:  # the counts of that window are logged, not lost silently
                log.error("could not record a refusal summary", error=repr(error))


class RateLimiter:
    """A token bucket per principal: ``rate`` calls per second, bursts of ``burst``."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0.0 when a call may go ahead, else the seconds until one may."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self._rate


class RefusalPacer:
    """Each principal's refusals answered no faster than ``rate`` per second.

    A refused call waits for its principal's next slot (``1 / rate`` after the previous
    one), at most ``most`` seconds, before it is answered. A waiting call costs the event
    loop a timer, not a gRPC answer, so a closed-loop flood is paced by the hub: ``rate``
    answers a second per principal whatever its concurrency (the transport's stream cap
    bounds that per connection). A principal that is refused now and then waits nothing.
    """

    def __init__(
        self, rate: float, *, most: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = 1.0 / rate
        self._most = most
        self._clock = clock
        self._next: dict[str, float] = {}
        self.held = 0
        """Refused calls waiting for their slot now."""
        self.peak = 0
        """The most refused calls that waited at once."""

    def delay(self, key: str) -> float:
        """Seconds the refusal of ``key``'s call waits now (and take its slot)."""
        now = self._clock()
        slot = min(max(now, self._next.get(key, now)), now + self._most)
        if len(self._next) > 10_000:  # forget principals whose slots have passed
            self._next = {k: t for k, t in self._next.items() if t > now}
        self._next[key] = slot + self._interval
        return slot - now

    async def hold(self, key: str) -> float:
        """Wait for ``key``'s next refusal slot; the seconds waited."""
        wait = self.delay(key)
        if wait <= 0:
            return 0.0
        self.held += 1
        self.peak = max(self.peak, self.held)
        try:
            await asyncio.sleep(wait)
        finally:
            self.held -= 1
        return wait


def _exhausted(delay: float, principal: str) -> grpc.Status:
    retry = duration_pb2.Duration()
    retry.FromNanoseconds(max(1_000_000, int(delay * 1e9)))
    details = []
    for detail in (
        error_details_pb2.RetryInfo(retry_delay=retry),
        error_details_pb2.QuotaFailure(
            violations=[
                error_details_pb2.QuotaFailure.Violation(
                    subject=principal, description="per-principal call rate exceeded"
                )
            ]
        ),
    ):
        holder = any_pb2.Any()
        holder.Pack(detail)
        details.append(holder)
    return rpc_status.to_status(
        status_pb2.Status(
            code=code_pb2.RESOURCE_EXHAUSTED,
            message=f"{principal}: too many calls; retry in {delay:.2f} s",
            details=details,
        )
    )


class _AmbiguousIdentity(Exception):
    """More than one identity header: refused, never "the first one wins"."""


def _header(context: grpc.aio.ServicerContext) -> str | None:
    found = [
        value if isinstance(value, str) else value.decode(errors="replace")
        for key, value in context.invocation_metadata() or ()
        if key == AGENCY_HEADER
    ]
    if len(found) > 1:
        raise _AmbiguousIdentity(f"send one {AGENCY_HEADER} header, not {len(found)}")
    return found[0] if found else None


class TrustInterceptor(grpc.aio.ServerInterceptor):
    """Identity, rate limit, rights and refusal counting for every RPC (see the module)."""

    def __init__(
        self,
        *,
        mtls: bool,
        rights: RightsCache,
        refusals: RefusalCounter,
        limiter: RateLimiter | None = None,
        pacer: RefusalPacer | None = None,
        in_flight: CallsInFlight | None = None,
        crl: RevocationList | None = None,
        signatures: RequestSignatures | None = None,
        idempotency: IdempotentCalls | None = None,
    ) -> None:
        self._mtls = mtls
        self._signatures = signatures
        self._idempotency = idempotency
        self._rights = rights
        self._refusals = refusals
        self._limiter = limiter
        self._pacer = pacer
        self._in_flight = in_flight
        self._crl = crl
        self._known: dict[bytes, tuple[Principal, int]] = {}
        self._named: dict[str, Principal | str] = {}
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(_OPEN_SERVICES):
            return handler
        full = handler_call_details.method
        known = self._wrapped.get(full)
        if known is not None and known[0] is handler:  # wrapped once per registered method
            return known[1]
        wrapped = self._wrap_handler(handler, full.lstrip("/"))
        self._wrapped[full] = (handler, wrapped)
        return wrapped

    def _wrap_handler(self, handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
        if handler.unary_unary and self._signatures is not None and method not in PUBLIC_METHODS:
            # the signature covers the request's bytes as sent: keep them beside the message
            parse = handler.request_deserializer
            return grpc.unary_unary_rpc_method_handler(
                self._wrap(handler.unary_unary, method, handler.response_serializer, signed=True),
                request_deserializer=lambda raw: (raw, parse(raw) if parse else raw),
                response_serializer=_stored_or(handler.response_serializer),
            )
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap(handler.unary_unary, method, handler.response_serializer),
                request_deserializer=handler.request_deserializer,
                response_serializer=_stored_or(handler.response_serializer),
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _identify(self, context: grpc.aio.ServicerContext) -> Principal | str | CrlUnavailable:
        """The caller, or why it has no identity (or why no CRL can tell)."""
        if not self._mtls:
            try:
                raw = _header(context)
            except _AmbiguousIdentity as error:
                return str(error)
            if not raw:
                return f"identify yourself with the metadata header {AGENCY_HEADER}"
            named = self._named.get(raw)
            if named is None:  # parsed once per header value, as certificates are
                try:
                    named = Principal.parse(raw, field=AGENCY_HEADER)
                except InvalidInput as error:
                    named = str(error)
                if len(self._named) > 10_000:
                    self._named.clear()
                if len(raw) <= 64:  # a principal's name is short; others are not kept
                    self._named[raw] = named
            return named
        pems = context.auth_context().get("x509_pem_cert") or []
        if not pems:
            return "a client certificate is required"
        pem = pems[0]
        known = self._known.get(pem)
        try:
            if known is None:
                known = principal_of_certificate(pem)
                if len(self._known) > 10_000:
                    self._known.clear()
                self._known[pem] = known
            if self._crl is not None:
                self._crl.check(known[1])
        except CrlUnavailable as error:
            return error
        except CertificateRefused as error:
            return str(error)
        return known[0]

    async def _pace(self, name: str) -> float:
        return await self._pacer.hold(name) if self._pacer is not None else 0.0

    async def _limit(self, context: grpc.aio.ServicerContext, name: str, method: str) -> None:
        if self._limiter is not None:
            delay = self._limiter.take(name)
            if delay > 0:
                self._refusals.note(name, method, "rate limit")
                delay -= await self._pace(name)
                await context.abort_with_status(_exhausted(delay, name))

    async def _admit(
        self, context: grpc.aio.ServicerContext, method: str, raw: bytes | None = None
    ) -> _Call | None:
        who = self._identify(context)
        if isinstance(who, CrlUnavailable):
            if method not in PUBLIC_METHODS:
                self._refusals.note("unidentified", method, "crl unavailable")
                await self._pace("unidentified")
                await context.abort(grpc.StatusCode.UNAVAILABLE, str(who))
            who = str(who)  # public reads need no identity
        if method in PUBLIC_METHODS:  # public reads: anyone, no rights needed, rate-limited
            name = "unidentified" if isinstance(who, str) else who.name
            await self._limit(context, name, method)
            if isinstance(who, str):
                return None
            call = _Call(who, method, self._rights.table, self._refusals)
            _call.set(call)
            return call
        if isinstance(who, str):
            self._refusals.note("unidentified", method, who[:120])
            await self._pace("unidentified")
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, who)
            raise AssertionError("abort() raises")
        name = who.name
        await self._limit(context, name, method)
        attestation = None
        if raw is not None and self._signatures is not None and self._signatures.applies_to(who):
            try:
                attestation = await self._signatures.admit(
                    who, "/" + method, raw, context.invocation_metadata() or ()
                )
            except GuardUnavailable as error:
                log.warning("replay guard unreachable", error=repr(error)[:200])
                await context.abort(
                    grpc.StatusCode.UNAVAILABLE,
                    "the hub cannot check the request's nonce now: retry",
                )
                raise AssertionError("abort() raises") from error
            except RequestSignatureError as error:
                self._refusals.note(name, method, _reason(f"request signature: {error}"))
                await self._pace(name)
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))
        table = self._rights.table
        operator_call = is_operator(who) and (
            method.startswith(ACCESS_SERVICE + "/")
            or method in OPERATOR_METHODS
            or method in OPERATOR_ALSO_METHODS
        )
        if not operator_call and not table.may_reach(who, method):
            self._refusals.note(name, method, "no grant")
            await self._pace(name)
            await context.abort(
                grpc.StatusCode.PERMISSION_DENIED, f"{name} has no right to call {method}"
            )
        call = _Call(who, method, table, self._refusals, attestation)
        _call.set(call)
        return call

    def _inside(self, call: _Call | None, context: grpc.aio.ServicerContext) -> Any:
        """The context the servicer gets: its PERMISSION_DENIED (ownership, scope) is
        counted, then waits for the caller's refusal slot, like a refusal at the edge."""
        if call is None:
            return context
        return _RefusingContext(context, call, self._pacer)

    def _place(self, call: _Call | None) -> contextlib.AbstractAsyncContextManager[Any]:
        """One of the caller's places for admitted calls at once (:class:`CallsInFlight`)."""
        if call is None or self._in_flight is None:
            return contextlib.nullcontext()
        return self._in_flight.place(call.principal.name)

    def _wrap(
        self,
        behaviour: Callable[..., Any],
        method: str,
        encode: Callable[[Any], bytes] | None = None,
        *,
        signed: bool = False,
    ) -> Callable[..., Any]:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            raw = None
            if signed:
                raw, request = request
            call = await self._admit(context, method, raw)
            with attested(call.attestation if call else None):
                async with self._place(call):
                    inside = self._inside(call, context)
                    calls = self._idempotency
                    key = _idempotency_key(context) if calls is not None and call else None
                    if key is None or call is None or calls is None:
                        return await behaviour(request, inside)
                    body = raw if raw is not None else request.SerializeToString(deterministic=True)
                    try:
                        return await calls.run(
                            (call.principal.name, method, key),
                            body,
                            lambda: behaviour(request, inside),
                            encode,
                        )
                    except IdempotencyConflict as conflict:
                        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(conflict))
                    except IdempotencyBusy as busy:
                        await context.abort_with_status(_busy(busy))
                    except GuardUnavailable as error:
                        log.warning("idempotency table unreachable", error=repr(error)[:200])
                        await context.abort(
                            grpc.StatusCode.UNAVAILABLE,
                            "the hub cannot check the idempotency key now: retry",
                        )

        return wrapped

    def _wrap_stream(self, behaviour: Callable[..., Any], method: str) -> Callable[..., Any]:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            call = await self._admit(context, method)
            async for item in behaviour(request, self._inside(call, context)):
                yield item

        return wrapped


class CallsInFlight:
    """At most ``limit`` admitted calls of one principal run at once (across all its
    connections); the next wait for a place, which costs the event loop nothing until then.

    A flood of calls the principal may make then has that many in the hub's queues (the
    writer's, the loop's), so another principal's call waits behind at most that many.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._running: dict[str, int] = {}
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        self.peak = 0
        """The most calls of one principal that ran at once."""

    @contextlib.asynccontextmanager
    async def place(self, key: str) -> AsyncIterator[None]:
        """Run the body as one of ``key``'s at most ``limit`` calls."""
        if self._running.get(key, 0) >= self._limit:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(key, deque()).append(waiter)
            try:
                await waiter  # the place is handed over by the call that ends
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._release(key)  # handed over, but this call is gone
                else:
                    with contextlib.suppress(ValueError):
                        self._waiting.get(key, deque()).remove(waiter)
                raise
        else:
            self._running[key] = self._running.get(key, 0) + 1
        self.peak = max(self.peak, self._running[key])
        try:
            yield
        finally:
            self._release(key)

    def _release(self, key: str) -> None:
        waiting = self._waiting.get(key)
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the place passes on: running stays the same
                return
        self._waiting.pop(key, None)
        self._running[key] -= 1
        if not self._running[key]:
            del self._running[key]


class _RefusingContext:
    """A servicer context whose PERMISSION_DENIED (ownership, scope) is counted in the
    refusal summaries and then waits for the principal's refusal slot
    (:class:`RefusalPacer`) before it is sent; everything else is the context's own.

    The count comes first because ``abort`` sends the status before it raises: counted
    after, a caller could see its refusal before the summaries hold it."""

    __slots__ = ("_call", "_context", "_pacer")

    def __init__(
        self, context: grpc.aio.ServicerContext, call: _Call, pacer: RefusalPacer | None
    ) -> None:
        self._context = context
        self._call = call
        self._pacer = pacer

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._context, attribute)

    async def _refused(self, details: str | bytes | None) -> None:
        text = details.decode(errors="replace") if isinstance(details, bytes) else details or ""
        self._call.refusals.note(self._call.principal.name, self._call.method, _reason(text))
        if self._pacer is not None:
            await self._pacer.hold(self._call.principal.name)

    async def abort(
        self, code: grpc.StatusCode, details: str = "", trailing_metadata: Any = ()
    ) -> None:
        if code == grpc.StatusCode.PERMISSION_DENIED:
            await self._refused(details)
        await self._context.abort(code, details, trailing_metadata)

    async def abort_with_status(self, status: grpc.Status) -> None:
        if status.code == grpc.StatusCode.PERMISSION_DENIED:
            await self._refused(status.details)
        await self._context.abort_with_status(status)


def _stored_or(serialize: Callable[[Any], bytes] | None) -> Callable[[Any], bytes]:
    """The response serializer, passing through a response already serialized (an outcome
    answered from the shared idempotency table)."""

    def serialized(response: Any) -> bytes:
        if isinstance(response, bytes):
            return response
        return serialize(response) if serialize else response

    return serialized


def _busy(busy: IdempotencyBusy) -> grpc.Status:
    retry = duration_pb2.Duration()
    retry.FromNanoseconds(int(busy.retry_after * 1e9))
    holder = any_pb2.Any()
    holder.Pack(error_details_pb2.RetryInfo(retry_delay=retry))
    return rpc_status.to_status(
        status_pb2.Status(code=code_pb2.ABORTED, message=str(busy), details=[holder])
    )


def _idempotency_key(context: grpc.aio.ServicerContext) -> str | None:
    """The call's ``x-tabadol-idempotency-key`` (the agencies' client sends one per call)."""
    for key, value in context.invocation_metadata() or ():
        if key == IDEMPOTENCY_METADATA:
            return value if isinstance(value, str) else value.decode(errors="replace")
    return None


def _reason(details: str) -> str:
    """A refusal's reason without the identifiers that would make every count its own row."""
    return " ".join(w for w in details.split() if not any(c.isdigit() for c in w))[:120] or (
        "permission denied"
    )
