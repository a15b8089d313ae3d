"""What every connector client shares: metadata, deadlines, retries, the circuit breaker.

One :class:`Caller` per client holds the channel and one :class:`CircuitBreaker`; each
RPC goes through :meth:`Caller.call`, which

1. refuses at once (``circuit_open``) while the breaker is open;
2. sends the calling agency (``x-tabadol-agency``) and the case tracking code
   (``x-tabadol-tracking-code``, 004 art. 6) as request metadata;
3. gives every attempt its own deadline (``timeout`` seconds);
4. retries **only UNAVAILABLE**, at most ``retries`` times, sleeping an exponential
   backoff with full jitter (``uniform(0, min(max_backoff, backoff * 2**attempt))``);
5. turns the answer into a plain value with the client's ``parse``, or every failure
   into one :class:`~connectors.errors.ConnectorError`.

The breaker counts calls, not attempts: a call that ends ``unavailable``, ``timeout`` or
``invalid_answer`` is a failure, a refusal or an answer is a success (the system works).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self, TypedDict, TypeVar, Unpack

import grpc
import structlog
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from connectors import _codes
from connectors.errors import ConnectorError, FailureKind, FieldViolation

__all__ = [
    "AGENCY_KEY",
    "TRACKING_CODE_KEY",
    "Caller",
    "CircuitBreaker",
    "CircuitState",
    "ConnectOptions",
    "ConnectorClient",
    "InvalidAnswer",
    "RetryPolicy",
    "failure_from_rpc_error",
]

TRACKING_CODE_KEY = "x-tabadol-tracking-code"
AGENCY_KEY = "x-tabadol-agency"

DEFAULT_FAILURE_THRESHOLD = 5
DEFAULT_COOL_DOWN = 10.0

CircuitState = Literal["closed", "open", "half_open"]
T = TypeVar("T")

_log = structlog.get_logger("connectors")

_REFUSALS = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.OUT_OF_RANGE,
    }
)
_BREAKER_FAILURES: frozenset[FailureKind] = frozenset({"unavailable", "timeout", "invalid_answer"})

# Reconnect quickly once the other system is back: gRPC's default backoff grows to 120 s.
# After an outage a channel waits out its reconnect backoff before trying again, and calls
# in that window fail at once; capped at 1 s, it is back soon after the system is, within
# a client's own retries.
_CHANNEL_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1_000),
)


class InvalidAnswer(Exception):
    """Raised by a client's ``parse`` when an answer breaks the contract."""


class ConnectOptions(TypedDict, total=False):
    """Keyword options of every connector's ``connect``; all optional."""

    timeout: float
    """Deadline of each attempt, in seconds (default 2.0)."""
    retries: int
    """Extra attempts after an UNAVAILABLE answer (default 2; 0 disables retries)."""
    backoff: float
    """Backoff cap before the first retry, in seconds; doubles per retry (default 0.1)."""
    max_backoff: float
    """Upper bound of any backoff, in seconds (default 2.0)."""
    failure_threshold: int
    """Consecutive failed calls that open the circuit (default 5)."""
    cool_down: float
    """Seconds the circuit stays open before one trial call is let through (default 10.0)."""
    credentials: grpc.ChannelCredentials | None
    """TLS channel credentials (mTLS in production); ``None`` for a plaintext channel."""
    channel_options: Sequence[tuple[str, Any]]
    """Extra gRPC channel arguments, after the connector's own."""
    interceptors: Sequence[grpc.aio.ClientInterceptor]
    """Client interceptors of the channel (the hub's tracing, when it is on)."""
    clock: Callable[[], float]
    """Monotonic clock of the breaker, in seconds (tests pass a fake)."""
    rng: random.Random
    """Source of backoff jitter (tests pass a seeded one)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Deadline per attempt and bounded retries with exponential backoff and full jitter."""

    timeout: float = 2.0
    retries: int = 2
    backoff: float = 0.1
    max_backoff: float = 2.0

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")
        if self.retries < 0:
            raise ValueError("retries must be >= 0")
        if self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("backoff must be >= 0 seconds")

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds to sleep before retry number ``retry`` (0 for the first retry)."""
        return rng.uniform(0, min(self.max_backoff, self.backoff * 2**retry))


class CircuitBreaker:
    """Closed → open after ``failure_threshold`` consecutive failures → half-open after
    ``cool_down`` seconds, when one trial call goes through: success closes, failure
    re-opens for another cool-down. Not thread-safe: one event loop owns it.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        cool_down: float = DEFAULT_COOL_DOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        if cool_down < 0:
            raise ValueError("cool_down must be >= 0 seconds")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cool_down = cool_down
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> CircuitState:
        """Where the breaker stands now."""
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at < self.cool_down:
            return "open"
        return "half_open"

    def acquire(self) -> bool:
        """Admit a call: ``True`` if it is the half-open trial; raises if refused."""
        state = self.state
        if state == "closed":
            return False
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        raise ConnectorError(self.name, "circuit_open", f"circuit {state}: not calling")

    def record_success(self) -> None:
        """The call was answered: close the circuit."""
        if self._opened_at is not None:
            _log.info("circuit closed", system=self.name)
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self, *, trial: bool) -> None:
        """The call failed; a failed trial re-opens the circuit at once."""
        self._failures += 1
        if trial:
            self._trial_in_flight = False
            self._opened_at = self._clock()
            _log.warning("circuit re-opened", system=self.name)
        elif self._opened_at is None and self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            _log.warning("circuit opened", system=self.name, failures=self._failures)

    def release(self, *, trial: bool) -> None:
        """The call ended with no verdict (cancelled): free the trial slot."""
        if trial:
            self._trial_in_flight = False


def _violations(status: Any) -> tuple[tuple[FieldViolation, ...], str | None]:
    violations: list[FieldViolation] = []
    reason: str | None = None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend(
                FieldViolation(v.field, v.description) for v in bad_request.field_violations
            )
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason or None
    return tuple(violations), reason


def failure_from_rpc_error(system: str, error: grpc.aio.AioRpcError) -> ConnectorError:
    """Classify a failed RPC into a :class:`ConnectorError`, reading rich status details."""
    code = error.code()
    kind: FailureKind
    if code in _REFUSALS:
        kind = "refused"
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        kind = "timeout"
    else:
        kind = "unavailable"
    violations: tuple[FieldViolation, ...] = ()
    reason: str | None = None
    try:
        status = rpc_status.from_call(error)
    except ValueError:  # the trailers disagree with the status: keep the plain status
        status = None
    if status is not None:
        violations, reason = _violations(status)
    return ConnectorError(
        system,
        kind,
        error.details() or code.name,
        code=code.name,
        reason=reason,
        violations=violations,
    )


def _check_agency(agency: str) -> None:
    if not _codes.is_agency_code(agency):
        raise ValueError(f"agency must be an agency code like 'MOI-02', got {agency!r}")


class Caller:
    """One channel to one system, with its retry policy and circuit breaker."""

    def __init__(
        self,
        system: str,
        channel: grpc.aio.Channel,
        *,
        agency: str,
        policy: RetryPolicy,
        breaker: CircuitBreaker,
        rng: random.Random | None = None,
    ) -> None:
        _check_agency(agency)
        self.system = system
        self.channel = channel
        self.agency = agency
        self.policy = policy
        self.breaker = breaker
        # Jitter only spreads retries apart; it protects nothing.
        self._rng = rng or random.Random()  # noqa: S311

    @classmethod
    def open(
        cls, system: str, target: str, *, agency: str, **options: Unpack[ConnectOptions]
    ) -> Caller:
        """Open a channel to ``target`` (``host:port``) with the given options."""
        _check_agency(agency)
        policy = RetryPolicy(
            timeout=options.get("timeout", RetryPolicy.timeout),
            retries=options.get("retries", RetryPolicy.retries),
            backoff=options.get("backoff", RetryPolicy.backoff),
            max_backoff=options.get("max_backoff", RetryPolicy.max_backoff),
        )
        breaker = CircuitBreaker(
            system,
            failure_threshold=options.get("failure_threshold", DEFAULT_FAILURE_THRESHOLD),
            cool_down=options.get("cool_down", DEFAULT_COOL_DOWN),
            clock=options.get("clock", time.monotonic),
        )
        channel_options = [*_CHANNEL_OPTIONS, *options.get("channel_options", ())]
        credentials = options.get("credentials")
        interceptors = list(options.get("interceptors", ())) or None
        if credentials is None:
            channel = grpc.aio.insecure_channel(
                target, options=channel_options, interceptors=interceptors
            )
        else:
            channel = grpc.aio.secure_channel(
                target, credentials, options=channel_options, interceptors=interceptors
            )
        return cls(
            system,
            channel,
            agency=agency,
            policy=policy,
            breaker=breaker,
            rng=options.get("rng"),
        )

    def metadata(self, tracking_code: str | None) -> tuple[tuple[str, str], ...]:
        """The request metadata: the calling agency and, if given, the case tracking code."""
        if tracking_code is None:
            return ((AGENCY_KEY, self.agency),)
        if not _codes.is_case_tracking_code(tracking_code):
            raise ValueError(f"not a case tracking code: {tracking_code!r}")
        return (AGENCY_KEY, self.agency), (TRACKING_CODE_KEY, tracking_code)

    async def call(
        self,
        rpc: str,
        method: Callable[..., Awaitable[Any]],
        request: Any,
        parse: Callable[[Any], T],
        *,
        tracking_code: str | None,
    ) -> T:
        """Call ``method(request)`` with deadline, retries and breaker; ``parse`` the answer.

        Raises :class:`ConnectorError` for every failure of the other system, and
        ``ValueError`` for a malformed ``tracking_code`` (a bug of the caller, not a
        failure to record).
        """
        metadata = self.metadata(tracking_code)
        log = _log.bind(system=self.system, rpc=rpc, tracking_code=tracking_code)
        retry = 0
        while True:
            trial = self.breaker.acquire()
            try:
                response = await method(request, timeout=self.policy.timeout, metadata=metadata)
            except grpc.aio.AioRpcError as error:
                failure = failure_from_rpc_error(self.system, error)
            except BaseException:  # cancelled, or a local bug: no verdict on the system
                self.breaker.release(trial=trial)
                raise
            else:
                try:
                    result = parse(response)
                except InvalidAnswer as problem:
                    failure = ConnectorError(self.system, "invalid_answer", str(problem))
                else:
                    self.breaker.record_success()
                    return result
            if (
                failure.code == grpc.StatusCode.UNAVAILABLE.name
                and retry < self.policy.retries
                and not trial
            ):
                delay = self.policy.delay(retry, self._rng)
                log.info("retrying", retry=retry + 1, delay=round(delay, 3), detail=failure.detail)
                retry += 1
                await asyncio.sleep(delay)
                continue
            if failure.kind in _BREAKER_FAILURES:
                self.breaker.record_failure(trial=trial)
            else:
                self.breaker.record_success()
            # A refusal is the other system working as it should: not worth a warning.
            report = log.info if failure.kind == "refused" else log.warning
            report("call failed", kind=failure.kind, code=failure.code, detail=failure.detail)
            raise failure

    async def close(self) -> None:
        """Close the channel; calls in flight are cancelled."""
        await self.channel.close()


class ConnectorClient:
    """Base of the connector clients: owns a :class:`Caller`; an async context manager."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    @property
    def circuit_state(self) -> CircuitState:
        """The client's circuit breaker state: closed, open or half_open."""
        return self._caller.breaker.state

    async def close(self) -> None:
        """Close the channel."""
        await self._caller.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
