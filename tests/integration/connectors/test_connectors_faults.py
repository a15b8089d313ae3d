"""Fault tests: down, slow, failing, lying; and the circuit breaker over a real channel."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from connector_support import AGENCY, FAST, TRACKING, Serve
from tabadol.civilregistry.v1 import civilregistry_pb2_grpc as pb_grpc

from connectors import ConnectorError, civil_registry, postal_code, synthetic, treasury
from connectors._simulation import Faults, InquiryCodes, start_server
from connectors.civil_registry import simulator
from connectors.postal_code import simulator as postal_simulator
from connectors.treasury import simulator as treasury_simulator
from hub.testing import free_port

PERSON = synthetic.people(1405, 1)[0]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def inquire(client: civil_registry.CivilRegistryClient) -> civil_registry.PersonInquiry:
    return await client.inquire_person(
        PERSON.national_code, PERSON.birth_date_jalali, tracking_code=TRACKING
    )


async def test_a_system_that_is_down_is_unavailable_after_bounded_retries() -> None:
    target = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    async with await civil_registry.connect(target, agency=AGENCY, **FAST) as client:
        with pytest.raises(ConnectorError) as caught:
            await inquire(client)
    assert (caught.value.kind, caught.value.code) == ("unavailable", "UNAVAILABLE")
    assert caught.value.retryable
    assert time.monotonic() - started < 2.0


async def test_an_answer_later_than_the_deadline_is_a_timeout(serve: Serve) -> None:
    target = await serve(simulator.create_server, latency=0.5)
    async with await civil_registry.connect(
        target, agency=AGENCY, timeout=0.1, retries=3
    ) as client:
        started = time.monotonic()
        with pytest.raises(ConnectorError) as caught:
            await inquire(client)
    assert (caught.value.kind, caught.value.code) == ("timeout", "DEADLINE_EXCEEDED")
    assert time.monotonic() - started < 0.4  # a timeout is not retried


async def test_error_rate_one_is_unavailable(serve: Serve) -> None:
    target = await serve(postal_simulator.create_server, error_rate=1.0)
    address = synthetic.postal_codes(1405, 1)[0]
    async with await postal_code.connect(target, agency=AGENCY, **FAST) as client:
        with pytest.raises(ConnectorError) as caught:
            await client.lookup_postal_code(address.postal_code, tracking_code=TRACKING)
    assert (caught.value.system, caught.value.kind) == ("postal-code", "unavailable")
    assert caught.value.detail == "simulated outage"


async def test_retries_ride_out_an_intermittent_outage(serve: Serve) -> None:
    target = await serve(treasury_simulator.create_server, error_rate=0.5)
    account = synthetic.revenue_accounts(1405, 1)[0]
    options = {**FAST, "retries": 8}
    async with await treasury.connect(target, agency=AGENCY, **options) as client:
        payments = [
            await client.create_payment(
                idempotency_key=f"{TRACKING}:fee-{i % 2}",
                amount_rials=1_000,
                revenue_account=account,
                payer_national_code=PERSON.national_code,
                reference=TRACKING,
            )
            for i in range(6)
        ]
    assert len({p.payment_id for p in payments}) == 2  # six calls, two keys, two payments


class LyingRegistry(simulator.CivilRegistryServicer):
    """Answers with a national code whose check digit is wrong."""

    async def InquirePerson(self, request: Any, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        response = await super().InquirePerson(request, context)
        code = response.person.national_code
        response.person.national_code = code[:9] + str((int(code[9]) + 1) % 10)
        return response


async def test_a_malformed_answer_is_an_invalid_answer() -> None:
    servicer = LyingRegistry(synthetic.people(1405, 5), InquiryCodes(1405, "liar"))
    server, port = await start_server(
        "127.0.0.1:0",
        register=lambda s: pb_grpc.add_CivilRegistryServiceServicer_to_server(servicer, s),
        service_names=(simulator.SERVICE_NAME,),
        faults=Faults(),
        seed=1405,
    )
    try:
        async with await civil_registry.connect(
            f"127.0.0.1:{port}", agency=AGENCY, **FAST
        ) as client:
            with pytest.raises(ConnectorError) as caught:
                await inquire(client)
    finally:
        await server.stop(None)
    assert caught.value.kind == "invalid_answer"
    assert "national code" in caught.value.detail


async def test_the_circuit_opens_and_half_opens_over_a_real_channel(serve: Serve) -> None:
    faults = Faults(error_rate=1.0)
    target = await serve(simulator.create_server, faults=faults)
    clock = FakeClock()
    async with await civil_registry.connect(
        target,
        agency=AGENCY,
        timeout=1.0,
        retries=1,
        backoff=0.001,
        failure_threshold=2,
        cool_down=30.0,
        clock=clock,
    ) as client:
        for _ in range(2):
            with pytest.raises(ConnectorError) as caught:
                await inquire(client)
            assert caught.value.kind == "unavailable"
        assert client.circuit_state == "open"

        faults.error_rate = 0.0  # the registry is back, but the circuit is still open
        with pytest.raises(ConnectorError) as caught:
            await inquire(client)
        assert caught.value.kind == "circuit_open"

        clock.now += 30.0
        assert client.circuit_state == "half_open"
        assert (await inquire(client)).person == PERSON  # the trial call closes it
        assert client.circuit_state == "closed"
