"""Retries, the circuit breaker and error classification, without a network."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from connectors._resilience import (
    AGENCY_KEY,
    TRACKING_CODE_KEY,
    Caller,
    CircuitBreaker,
    InvalidAnswer,
    RetryPolicy,
    failure_from_rpc_error,
)
from connectors.errors import ConnectorError


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def rpc_error(code: grpc.StatusCode, details: str = "boom", *rich: Any) -> grpc.aio.AioRpcError:
    trailing = grpc.aio.Metadata()
    if rich:
        packed = []
        for detail in rich:
            holder = any_pb2.Any()
            holder.Pack(detail)
            packed.append(holder)
        status = status_pb2.Status(code=code.value[0], message=details, details=packed)
        trailing.add("grpc-status-details-bin", status.SerializeToString())
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, details=details)


class Script:
    """A fake RPC method answering from a script; records each attempt's metadata."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.attempts: list[dict[str, str]] = []

    async def __call__(self, request: Any, *, timeout: float, metadata: Any) -> Any:
        self.attempts.append(dict(metadata))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def make_caller(
    *, retries: int = 2, threshold: int = 3, clock: Callable[[], float] | None = None
) -> Caller:
    return Caller(
        "test-system",
        channel=None,
        agency="MOI",
        policy=RetryPolicy(timeout=1.0, retries=retries, backoff=0.001, max_backoff=0.002),
        breaker=CircuitBreaker(
            "test-system", failure_threshold=threshold, cool_down=5.0, clock=clock or FakeClock()
        ),
        rng=random.Random(0),
    )


def identity(answer: Any) -> Any:
    return answer


async def test_retries_unavailable_then_succeeds_with_the_same_metadata() -> None:
    caller = make_caller()
    method = Script(rpc_error(grpc.StatusCode.UNAVAILABLE), "answer")
    assert await caller.call("Rpc", method, None, identity, tracking_code="C-1") == "answer"
    assert len(method.attempts) == 2
    assert method.attempts[0] == {AGENCY_KEY: "MOI", TRACKING_CODE_KEY: "C-1"} == method.attempts[1]


async def test_unavailable_gives_up_after_bounded_retries() -> None:
    caller = make_caller(retries=2)
    method = Script(rpc_error(grpc.StatusCode.UNAVAILABLE, "connection refused"))
    with pytest.raises(ConnectorError) as caught:
        await caller.call("Rpc", method, None, identity, tracking_code="C-1")
    assert (caught.value.kind, caught.value.code) == ("unavailable", "UNAVAILABLE")
    assert len(method.attempts) == 3


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, "refused"),
        (grpc.StatusCode.NOT_FOUND, "refused"),
        (grpc.StatusCode.ALREADY_EXISTS, "refused"),
        (grpc.StatusCode.PERMISSION_DENIED, "refused"),
        (grpc.StatusCode.DEADLINE_EXCEEDED, "timeout"),
        (grpc.StatusCode.INTERNAL, "unavailable"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "unavailable"),
    ],
)
async def test_only_unavailable_is_retried(code: grpc.StatusCode, kind: str) -> None:
    caller = make_caller(retries=3)
    method = Script(rpc_error(code))
    with pytest.raises(ConnectorError) as caught:
        await caller.call("Rpc", method, None, identity, tracking_code=None)
    assert (caught.value.kind, caught.value.code) == (kind, code.name)
    assert len(method.attempts) == 1


def test_rich_status_details_are_read() -> None:
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="national_code", description="bad")
        ]
    )
    info = error_details_pb2.ErrorInfo(reason="IDEMPOTENCY_KEY_REUSED", domain="x")
    error = failure_from_rpc_error(
        "s", rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "invalid", bad_request, info)
    )
    assert error.violations[0].field == "national_code"
    assert error.reason == "IDEMPOTENCY_KEY_REUSED"
    assert "national_code: bad" in str(error)
    assert not error.retryable


async def test_an_invalid_answer_is_its_own_kind() -> None:
    def parse(answer: Any) -> Any:
        raise InvalidAnswer("malformed national code")

    with pytest.raises(ConnectorError) as caught:
        await make_caller().call("Rpc", Script("garbage"), None, parse, tracking_code=None)
    assert caught.value.kind == "invalid_answer"
    assert caught.value.code is None


async def test_breaker_opens_then_half_opens_after_the_cool_down() -> None:
    clock = FakeClock()
    caller = make_caller(retries=0, threshold=2, clock=clock)
    failing = Script(rpc_error(grpc.StatusCode.UNAVAILABLE))
    for _ in range(2):
        with pytest.raises(ConnectorError):
            await caller.call("Rpc", failing, None, identity, tracking_code=None)
    assert caller.breaker.state == "open"
    with pytest.raises(ConnectorError) as caught:
        await caller.call("Rpc", failing, None, identity, tracking_code=None)
    assert caught.value.kind == "circuit_open"
    assert len(failing.attempts) == 2  # the open circuit did not call

    clock.now += 5.0
    assert caller.breaker.state == "half_open"
    with pytest.raises(ConnectorError) as caught:  # the trial fails: open again at once
        await caller.call("Rpc", failing, None, identity, tracking_code=None)
    assert caught.value.kind == "unavailable"
    assert caller.breaker.state == "open"

    clock.now += 5.0
    assert await caller.call("Rpc", Script("ok"), None, identity, tracking_code=None) == "ok"
    assert caller.breaker.state == "closed"


async def test_refusals_do_not_open_the_breaker() -> None:
    caller = make_caller(threshold=1)
    with pytest.raises(ConnectorError):
        await caller.call(
            "Rpc", Script(rpc_error(grpc.StatusCode.NOT_FOUND)), None, identity, tracking_code=None
        )
    assert caller.breaker.state == "closed"


async def test_half_open_lets_one_trial_through_and_a_cancelled_trial_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("s", failure_threshold=1, cool_down=1.0, clock=clock)
    breaker.record_failure(trial=False)
    clock.now += 1.0
    assert breaker.acquire() is True
    with pytest.raises(ConnectorError, match="circuit_open"):
        breaker.acquire()  # a second caller while the trial runs

    caller = make_caller(threshold=1, clock=clock)
    caller.breaker.record_failure(trial=False)
    clock.now += 5.0
    started = asyncio.Event()

    async def hang(request: Any, *, timeout: float, metadata: Any) -> Any:
        started.set()
        await asyncio.sleep(10)

    task = asyncio.create_task(caller.call("Rpc", hang, None, identity, tracking_code=None))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert caller.breaker.acquire() is True  # the slot is free for the next trial


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    policy = RetryPolicy(backoff=0.1, max_backoff=0.5)
    rng = random.Random(1)
    for retry, cap in [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.5), (10, 0.5)]:
        delays = [policy.delay(retry, rng) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(timeout=0)
    with pytest.raises(ValueError):
        CircuitBreaker("s", failure_threshold=0)
    with pytest.raises(ValueError, match="agency"):
        make_caller().__class__(
            "s", None, agency="not an agency", policy=RetryPolicy(), breaker=CircuitBreaker("s")
        )
    with pytest.raises(ValueError, match="tracking code"):
        make_caller().metadata("کد رهگیری")
    with pytest.raises(ValueError):
        ConnectorError("s", "exploded", "?")  # type: ignore[arg-type]
