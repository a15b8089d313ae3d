"""The hub's Prometheus metrics, defined once, and the functions other rooms report through.

Every label takes its values from a bounded set: service and method names come from the
registered services only, status codes from ``grpc.StatusCode``, systems and operations
from the connectors' fixed tables, refusal reasons and outcomes from short fixed words.
Nothing a caller sends (a tracking code, an agency code it made up) becomes a label.

The writer (``hub/ledger/executor.py``) reports through :func:`track_writer_queue` (once)
and :func:`observe_write_batch` (per transaction): with group commit, one call per batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

__all__ = [
    "REGISTRY",
    "CollectorRegistry",
    "RpcMetrics",
    "checkpoint_failed",
    "checkpoint_signed",
    "crl_fetch_failed",
    "leader_duty_started",
    "leading",
    "nats_reconnected",
    "observe_exchange",
    "observe_timestamp",
    "observe_witness",
    "observe_write_batch",
    "projection_position",
    "refusal",
    "set_check",
    "track_crl_age",
    "track_writer_queue",
]

_LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BYTES = (64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)
_BATCH = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

RPC_HANDLED = Counter(
    "tabadol_rpc_handled",
    "gRPC calls the hub finished, by service, method and status code",
    ["service", "method", "code"],
)
RPC_SECONDS = Histogram(
    "tabadol_rpc_duration_seconds",
    "Time from receiving a gRPC call to its status, by service and method",
    ["service", "method"],
    buckets=_LATENCY,
)
RPC_IN_FLIGHT = Gauge(
    "tabadol_rpc_in_flight", "gRPC calls being handled now", ["service", "method"]
)
RPC_REQUEST_BYTES = Histogram(
    "tabadol_rpc_request_bytes",
    "Serialized size of request messages",
    ["service", "method"],
    buckets=_BYTES,
)
RPC_RESPONSE_BYTES = Histogram(
    "tabadol_rpc_response_bytes",
    "Serialized size of response messages (each message of a stream)",
    ["service", "method"],
    buckets=_BYTES,
)
REFUSALS = Counter(
    "tabadol_refusals",
    "Calls refused before or by the domain, by reason"
    " (unauthenticated, permission_denied, invalid_argument, precondition, overloaded, unavailable)",
    ["reason"],
)
WRITER_QUEUE = Gauge("tabadol_writer_queue_depth", "Commands waiting for the writer")
WRITER_BATCH = Histogram(
    "tabadol_writer_batch_size", "Commands per writer transaction", buckets=_BATCH
)
WRITER_COMMIT = Histogram(
    "tabadol_writer_commit_seconds", "Time of one writer transaction", buckets=_LATENCY
)
WRITER_COMMANDS = Counter(
    "tabadol_writer_commands", "Commands the writer finished, by outcome (ok, error)", ["outcome"]
)
PROJECTION_POSITION = Gauge(
    "tabadol_projection_position", "Last log position a view has applied", ["view"]
)
PROJECTION_LAG = Gauge(
    "tabadol_projection_lag_events",
    "Events of a view's topics in the log that the view has not applied yet",
    ["view"],
)
LOG_HEAD = Gauge("tabadol_log_head_position", "Highest position in the event log")
CHECKPOINT_SIGNED = Gauge(
    "tabadol_checkpoint_last_signed_timestamp_seconds",
    "Unix time of the last signed checkpoint (by this process)",
)
CHECKPOINT_SIZE = Gauge("tabadol_checkpoint_tree_size", "Tree size of the last signed checkpoint")
CHECKPOINT_AGE = Gauge(
    "tabadol_checkpoint_age_seconds",
    "Seconds since this process last signed a checkpoint (since start when none yet)",
)
CHECKPOINT_FAILURES = Counter(
    "tabadol_checkpoint_failures",
    "Checkpoint attempts that failed, by reason (store, inconsistent)",
    ["reason"],
)
EXCHANGES = Counter(
    "tabadol_exchanges",
    "Calls to other agencies' systems, by system, operation and outcome (ok or a failure kind)",
    ["system", "operation", "outcome"],
)
EXCHANGE_SECONDS = Histogram(
    "tabadol_exchange_duration_seconds",
    "Time of one call to another agency's system",
    ["system", "operation"],
    buckets=_LATENCY,
)
HEALTH = Gauge(
    "tabadol_health_check_ok", "1 while a health check passes, 0 while it fails", ["check"]
)
LEADER = Gauge(
    "tabadol_leader",
    "1 while this process leads the replicas on its store (signs checkpoints, relays to NATS,"
    " publishes the national-window feed, reconciles payments), else 0",
)
LEADER_DUTIES = Counter(
    "tabadol_leader_duty_starts",
    "Times this process started a duty only the leader runs (relay, window, reconciliation)",
    ["duty"],
)
NATS_RECONNECTS = Counter("tabadol_nats_reconnects", "Reconnections to NATS", ["role"])
WITNESS_SUBMISSIONS = Counter(
    "tabadol_witness_submissions",
    "add-checkpoint requests to each configured witness, by outcome (cosigned or failed)",
    ["witness", "outcome"],
)
WITNESS_SECONDS = Histogram(
    "tabadol_witness_duration_seconds",
    "Time to get one cosignature (or fail to)",
    ["witness"],
    buckets=_LATENCY,
)
WITNESS_COSIGNED_SIZE = Gauge(
    "tabadol_witness_cosigned_tree_size",
    "Largest checkpoint size each configured witness has cosigned",
    ["witness"],
)
TSA_REQUESTS = Counter(
    "tabadol_tsa_requests",
    "RFC 3161 time-stamp requests for checkpoints, by outcome (granted or failed)",
    ["outcome"],
)
TSA_SECONDS = Histogram(
    "tabadol_tsa_duration_seconds", "Time of one time-stamp request", buckets=_LATENCY
)
TSA_BACKLOG = Gauge(
    "tabadol_tsa_backlog_checkpoints", "Signed checkpoints still waiting for a TSA token"
)
TSA_LAST_TOKEN = Gauge(
    "tabadol_tsa_last_token_timestamp_seconds",
    "Unix time the last TSA token was received (0: none since start)",
)

CRL_AGE = Gauge(
    "tabadol_crl_age_seconds",
    "Seconds since the thisUpdate of the CRL in force (-1: no valid CRL yet)",
)
CRL_FETCH_FAILURES = Counter(
    "tabadol_crl_fetch_failures",
    "CRL refreshes (file or URL) that gave no usable CRL; the last good one stays in force",
)

_started = time.time()
_last_checkpoint: list[float] = []
CHECKPOINT_AGE.set_function(
    lambda: time.time() - (_last_checkpoint[-1] if _last_checkpoint else _started)
)

_REFUSAL_REASONS = {
    "UNAUTHENTICATED": "unauthenticated",
    "PERMISSION_DENIED": "permission_denied",
    "INVALID_ARGUMENT": "invalid_argument",
    "OUT_OF_RANGE": "invalid_argument",
    "FAILED_PRECONDITION": "precondition",
    "RESOURCE_EXHAUSTED": "overloaded",
    "UNAVAILABLE": "unavailable",
}


def split_method(full: str) -> tuple[str, str]:
    """``/pkg.Service/Method`` → (``pkg.Service``, ``Method``)."""
    service, _, method = full.lstrip("/").rpartition("/")
    return service, method


class RpcMetrics:
    """One method's series of the RPC metrics, each looked up once (``labels()`` takes a
    lock and builds its key on every call; a call reports five series)."""

    __slots__ = (
        "_handled",
        "in_flight",
        "method",
        "request_bytes",
        "response_bytes",
        "seconds",
        "service",
    )

    def __init__(self, service: str, method: str) -> None:
        self.service, self.method = service, method
        self.in_flight = RPC_IN_FLIGHT.labels(service, method)
        self.seconds = RPC_SECONDS.labels(service, method)
        self.request_bytes = RPC_REQUEST_BYTES.labels(service, method)
        self.response_bytes = RPC_RESPONSE_BYTES.labels(service, method)
        self._handled: dict[str, Counter] = {}

    def observe(self, code: str, seconds: float, *, request_bytes: int | None = None) -> None:
        """One finished call: its status code name (``OK``, ``NOT_FOUND``…) and duration."""
        handled = self._handled.get(code)
        if handled is None:  # codes are grpc.StatusCode names: at most 17 series
            handled = self._handled[code] = RPC_HANDLED.labels(self.service, self.method, code)
        handled.inc()
        self.seconds.observe(seconds)
        if request_bytes is not None:
            self.request_bytes.observe(request_bytes)
        reason = _REFUSAL_REASONS.get(code)
        if reason is not None:
            refusal(reason)

    def observe_response(self, size: int) -> None:
        self.response_bytes.observe(size)


def refusal(reason: str) -> None:
    REFUSALS.labels(reason).inc()


def track_writer_queue(depth: Callable[[], float]) -> None:
    """Report the writer's queue depth: ``depth`` is read at every scrape (cheap, no lock)."""
    WRITER_QUEUE.set_function(depth)


def observe_write_batch(size: int, seconds: float, *, failed: int = 0) -> None:
    """One writer transaction of ``size`` commands that took ``seconds``; ``failed`` of
    them raised (a refused command, a version conflict retried alone counts once)."""
    WRITER_BATCH.observe(size)
    WRITER_COMMIT.observe(seconds)
    if size - failed:
        WRITER_COMMANDS.labels("ok").inc(size - failed)
    if failed:
        WRITER_COMMANDS.labels("error").inc(failed)


def projection_position(view: str, position: int, lag: int) -> None:
    PROJECTION_POSITION.labels(view).set(position)
    PROJECTION_LAG.labels(view).set(lag)


def log_head(position: int) -> None:
    LOG_HEAD.set(position)


def checkpoint_signed(tree_size: int) -> None:
    _last_checkpoint[:] = [time.time()]
    CHECKPOINT_SIGNED.set(_last_checkpoint[0])
    CHECKPOINT_SIZE.set(tree_size)


def leading(now: bool) -> None:
    LEADER.set(1 if now else 0)


def leader_duty_started(duty: str) -> None:
    """``duty`` is a fixed word: ``relay``, ``window`` or ``reconciliation``."""
    LEADER_DUTIES.labels(duty).inc()


def checkpoint_failed(reason: str) -> None:
    CHECKPOINT_FAILURES.labels(reason).inc()


def observe_exchange(system: str, operation: str, outcome: str, seconds: float) -> None:
    """One call to another agency's system; ``outcome`` is ``ok`` or the failure kind."""
    EXCHANGES.labels(system, operation, outcome).inc()
    EXCHANGE_SECONDS.labels(system, operation).observe(seconds)


def set_check(check: str, ok: bool) -> None:
    HEALTH.labels(check).set(1 if ok else 0)


def nats_reconnected(role: str) -> None:
    NATS_RECONNECTS.labels(role).inc()


def observe_witness(witness: str, outcome: str, seconds: float, cosigned_size: int) -> None:
    """One add-checkpoint round trip to a configured witness (names come from config)."""
    WITNESS_SUBMISSIONS.labels(witness, outcome).inc()
    WITNESS_SECONDS.labels(witness).observe(seconds)
    WITNESS_COSIGNED_SIZE.labels(witness).set(cosigned_size)


def observe_timestamp(outcome: str, seconds: float, backlog: int) -> None:
    """One RFC 3161 request for a checkpoint; a TSA outage shows as failed and a backlog."""
    TSA_REQUESTS.labels(outcome).inc()
    TSA_SECONDS.observe(seconds)
    TSA_BACKLOG.set(backlog)
    if outcome == "granted":
        TSA_LAST_TOKEN.set(time.time())


def track_crl_age(age: Callable[[], float]) -> None:
    """Report the age of the CRL in force: ``age`` is read at every scrape."""
    CRL_AGE.set_function(age)


def crl_fetch_failed() -> None:
    CRL_FETCH_FAILURES.inc()
