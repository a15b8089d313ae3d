"""The agency's signer (hub.client) and the hub's verifier (hub.trail) are two
implementations of ``tabadol/agency-request/v1``: they must agree byte for byte."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.client.signing import RequestSigner
from hub.servicers.idempotency import IdempotencyConflict, IdempotentCalls
from hub.servicers.signatures import NonceMemory
from hub.trail.agency_signatures import (
    Attestation,
    agency_key_id,
    body_hash,
    parse_metadata,
    request_message,
)

METHOD = "/tabadol.servicedesk.v1.ServiceDeskService/OpenCase"


def test_signer_and_verifier_build_the_same_bytes() -> None:
    key = Ed25519PrivateKey.generate()
    signer = RequestSigner("MOJ", key, clock=lambda: 1796152814.123)
    body = b"\x0a\x08serialized request"
    signed = parse_metadata(signer.sign(METHOD, body, "6f1c0a4e"))
    assert signed.key_id == signer.key_id == agency_key_id(key.public_key())
    assert signed.time_ms == 1796152814123
    hub_side = request_message(
        agency="MOJ",
        key_id=signed.key_id,
        method=METHOD,
        time_ms=signed.time_ms,
        nonce=signed.nonce,
        idempotency="6f1c0a4e",
        body=body_hash(body),
    )
    assert hub_side == signer.message(METHOD, body, signed.time_ms, signed.nonce, "6f1c0a4e")
    key.public_key().verify(signed.signature, hub_side)
    attestation = Attestation(
        "MOJ", signed.key_id, METHOD, signed.time_ms, signed.nonce, "6f1c0a4e",
        body_hash(body), signed.signature,
    )  # fmt: skip
    assert Attestation.from_bytes(attestation.to_bytes()) == attestation


def test_nonce_memory_refuses_a_replay_and_forgets_after_the_window() -> None:
    memory = NonceMemory(window_ms=1000)
    assert memory.first_time("k", "n1", time_ms=10_000, now_ms=10_000)
    assert not memory.first_time("k", "n1", time_ms=10_000, now_ms=10_500)
    assert memory.first_time("other-key", "n1", time_ms=10_000, now_ms=10_500)
    for i in range(1000):  # a window's worth of calls, one per millisecond
        assert memory.first_time("k", f"x{i}", time_ms=20_000 + i, now_ms=20_000 + i)
    # the first ones are forgotten once their time left the window: memory is one window
    assert len(memory) <= 1001
    assert memory.first_time("k", "n1", time_ms=30_000, now_ms=30_000)


async def test_idempotent_calls_forget_failures_and_expire_successes() -> None:
    now = [0.0]
    calls = IdempotentCalls(ttl=10, capacity=2, clock=lambda: now[0])
    runs: list[str] = []

    async def ok(name: str) -> str:
        runs.append(name)
        return name

    async def fail() -> str:
        runs.append("fail")
        raise RuntimeError("store down")

    key = ("agency:MOJ", "pkg.S/M", "k")
    with pytest.raises(RuntimeError):
        await calls.run(key, b"r", fail)
    assert await calls.run(key, b"r", lambda: ok("second")) == "second"  # a failure is forgotten
    assert await calls.run(key, b"r", lambda: ok("third")) == "second"  # a success is not
    with pytest.raises(IdempotencyConflict):
        await calls.run(key, b"other", lambda: ok("x"))
    now[0] = 11.0
    assert await calls.run(key, b"other", lambda: ok("later")) == "later"  # expired
    for i in range(3):
        await calls.run(("agency:MOJ", "pkg.S/M", f"k{i}"), b"r", lambda: ok("n"))
    assert len(calls) <= 3  # the oldest go first
    assert runs == ["fail", "second", "later", "n", "n", "n"]


async def test_a_stuck_call_does_not_keep_newer_outcomes_in_memory() -> None:
    """The oldest entry still running (a call stuck on its writer) stays; the finished
    ones after it are let go when they expire or pass the capacity, as without it."""
    now = [0.0]
    calls = IdempotentCalls(ttl=10, capacity=3, clock=lambda: now[0])
    stuck = asyncio.Event()

    async def never() -> str:
        await stuck.wait()
        return "stuck"

    async def ok() -> str:
        return "ok"

    waiting = asyncio.create_task(calls.run(("agency:MOJ", "pkg.S/M", "stuck"), b"r", never))
    await asyncio.sleep(0)  # it holds the oldest entry now
    for i in range(20):  # past the capacity
        await calls.run(("agency:MOJ", "pkg.S/M", f"k{i}"), b"r", ok)
    assert len(calls) <= 4  # the stuck one and the three newest
    now[0] = 11.0  # every finished one expired
    await calls.run(("agency:MOJ", "pkg.S/M", "last"), b"r", ok)
    assert len(calls) == 2  # the stuck one and the last
    stuck.set()
    assert await waiting == "stuck"
