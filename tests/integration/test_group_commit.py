"""Group commit: queued commands share one transaction and one signature, and still each
get their own outcome; a conflict fails (or retries) only the command that caused it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from functools import partial

import pytest
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status
from tabadol.catalogue.v1 import catalogue_pb2 as cat

from aggregates.errors import AlreadyExists
from hub.application.hub import TabadolHub
from hub.audit.export import read_trail
from hub.config import store_env
from hub.ledger.executor import Executor, Overloaded
from hub.ledger.signing import Failed, Succeeded
from hub.servicers.convert import spec_from_proto
from hub.servicers.errors import status_for
from hub.trail.envelope import Envelope
from hub.trail.keys import PublicKeyRing, Signer
from hub.trail.verify import verify_trail
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

STEP = "ثبت درخواست"
REQUEST_STEPS = (STEP, "بررسی مدارک", "تکمیل پرونده")


def spec() -> object:
    process = [
        cat.ProcessStep(name=name, stage=cat.STAGE_REQUEST, time_limit_hours=1)
        for name in REQUEST_STEPS
    ]
    process += [
        cat.ProcessStep(name="استعلام سوابق", stage=cat.STAGE_PRODUCTION, time_limit_hours=48),
        cat.ProcessStep(name="ارسال الکترونیکی", stage=cat.STAGE_DELIVERY, time_limit_hours=2),
    ]
    return spec_from_proto(spec_proto(process=process))


@pytest.fixture
def hub(store_url: str, signer: Signer) -> Iterator[TabadolHub]:
    app = TabadolHub(signer, env=store_env(store_url))
    app.catalogue.register_service_record(SERVICE_CODE, spec(), by=AGENCY)
    yield app
    app.close()


def open_cases(hub: TabadolHub, n: int) -> list[str]:
    return [
        hub.cases.open_case(
            SERVICE_CODE, applicant(100 + i), channel="web", postal_code="1316943891", by=AGENCY
        ).tracking_code
        for i in range(n)
    ]


def batches_of(store_url: str) -> list[list[int]]:
    """The store's transactions, as runs of versions sharing one batch signature."""
    runs: list[list[int]] = []
    last = None
    for event in read_trail(store_url):
        envelope = Envelope.from_bytes(event.state)
        if envelope.signature != last:
            runs.append([])
            last = envelope.signature
        runs[-1].append(event.version)
    return runs


def test_a_group_is_one_transaction_under_one_signature(
    hub: TabadolHub, store_url: str, ring: PublicKeyRing
) -> None:
    codes = open_cases(hub, 4)
    before = len(batches_of(store_url))
    outcomes = hub.run_group([partial(hub.cases.record_step, c, STEP, by=AGENCY) for c in codes])
    assert all(isinstance(o, Succeeded) for o in outcomes)
    runs = batches_of(store_url)
    assert len(runs) == before + 1 and runs[-1] == [2, 2, 2, 2]
    report = verify_trail(read_trail(store_url), ring)
    assert report.ok, report.problem
    assert report.signatures == before + 1 and report.events == 1 + 4 + 4


def test_commands_on_one_aggregate_keep_their_order_in_one_group(
    hub: TabadolHub, store_url: str, ring: PublicKeyRing
) -> None:
    """Three steps, a cancellation, then a step the cancellation must refuse."""
    (code,) = open_cases(hub, 1)
    commands = [
        *(partial(hub.cases.record_step, code, step, by=AGENCY) for step in REQUEST_STEPS),
        partial(hub.cases.cancel, code, reason="انصراف متقاضی", by=AGENCY),
        partial(hub.cases.record_step, code, STEP, by=AGENCY),
    ]
    outcomes = hub.run_group(commands)
    assert [type(o) for o in outcomes] == [Succeeded] * 4 + [Failed], outcomes
    assert batches_of(store_url)[-1] == [2, 3, 4, 5]
    timeline = hub.cases.get_case(code).timeline
    assert [(e.kind, e.step) for e in timeline[1:4]] == [
        ("step_recorded", s) for s in REQUEST_STEPS
    ]
    assert timeline[-1].kind == "cancelled" and len(timeline) == 5
    assert verify_trail(read_trail(store_url), ring).ok


def test_one_commands_error_fails_only_that_command(
    hub: TabadolHub, store_url: str, ring: PublicKeyRing
) -> None:
    codes = open_cases(hub, 2)

    def broken() -> None:
        raise ValueError("this command is broken")

    outcomes = hub.run_group(
        [
            partial(hub.cases.record_step, codes[0], STEP, by=AGENCY),
            broken,
            partial(hub.cases.record_step, codes[0], STEP, by="OTHER"),  # refused: not its case
            partial(hub.cases.record_step, codes[1], STEP, by=AGENCY),
        ]
    )
    assert isinstance(outcomes[0], Succeeded) and isinstance(outcomes[3], Succeeded)
    assert isinstance(outcomes[1], Failed) and isinstance(outcomes[1].error, ValueError)
    assert isinstance(outcomes[2], Failed) and "belongs to" in str(outcomes[2].error)
    assert batches_of(store_url)[-1] == [2, 2]  # the two that succeeded, one transaction
    assert verify_trail(read_trail(store_url), ring).ok


def test_a_uniqueness_conflict_fails_only_the_conflicting_command(
    hub: TabadolHub, store_url: str
) -> None:
    codes = open_cases(hub, 2)
    outcomes = hub.run_group(
        [
            partial(hub.cases.record_step, codes[0], STEP, by=AGENCY),
            partial(
                hub.catalogue.register_service_record,
                SERVICE_CODE,
                spec(),
                by=AGENCY,
            ),
            partial(hub.cases.record_step, codes[1], STEP, by=AGENCY),
        ]
    )
    assert isinstance(outcomes[0], Succeeded) and isinstance(outcomes[2], Succeeded)
    assert isinstance(outcomes[1], Failed) and isinstance(outcomes[1].error, AlreadyExists)
    assert [len(hub.cases.get_case(c).timeline) for c in codes] == [2, 2]


def test_a_version_conflict_with_another_replica_is_retried_alone(
    hub: TabadolHub, store_url: str, signer: Signer, ring: PublicKeyRing
) -> None:
    """Another hub on the same store writes a case while a group holds a stale version of
    it: the group's transaction fails, each command runs again alone, and nothing is lost."""
    codes = open_cases(hub, 2)
    for code in codes:  # both replicas have the case cached
        hub.cases.get_case(code)
    replica = TabadolHub(signer, env=store_env(store_url))
    try:
        replica.cases.get_case(codes[0])
        interloped: list[bool] = []

        def interloper() -> str:
            if not interloped:  # once: the replica's own write, outside this group
                replica.cases.record_step(codes[0], STEP, by=AGENCY)
                interloped.append(True)
            return "done"

        outcomes = hub.run_group(
            [
                partial(hub.cases.record_step, codes[0], REQUEST_STEPS[1], by=AGENCY),  # reads v1
                interloper,  # the replica writes v2 of the same case
                partial(hub.cases.record_step, codes[0], REQUEST_STEPS[2], by=AGENCY),
                partial(hub.cases.record_step, codes[1], STEP, by=AGENCY),
            ]
        )
        assert all(isinstance(o, Succeeded) for o in outcomes), outcomes
        assert interloped == [True]
        steps = [e.step for e in hub.cases.get_case(codes[0]).timeline[1:]]
        assert steps == list(REQUEST_STEPS)  # the replica's first, then the group's, in order
        assert len(hub.cases.get_case(codes[1]).timeline) == 2
        # the replica's cached case fast-forwards to what the first hub wrote
        assert [e.step for e in replica.cases.get_case(codes[0]).timeline[1:]] == steps
    finally:
        replica.close()
    assert verify_trail(read_trail(store_url), ring).ok


def test_a_command_replays_only_what_its_cached_aggregate_has_not_seen(
    hub: TabadolHub,
) -> None:
    (code,) = open_cases(hub, 1)
    hub.cases.record_step(code, STEP, by=AGENCY)
    hub.cases.record_step(code, REQUEST_STEPS[1], by=AGENCY)
    decoded: list[int] = []
    mapper = hub.mapper
    original = mapper.to_domain_event

    def counting(stored: object) -> object:
        decoded.append(1)
        return original(stored)  # type: ignore[arg-type]

    mapper.to_domain_event = counting  # type: ignore[method-assign,assignment]
    try:
        hub.cases.record_step(code, REQUEST_STEPS[2], by=AGENCY)
        # three stored events: only the last one, which the cached case had not seen yet,
        # is read again (the fast-forward that keeps replicas on one store correct)
        assert decoded == [1]
        hub.cases.get_case(code)
        assert decoded == [1, 1]
    finally:
        mapper.to_domain_event = original  # type: ignore[method-assign]


async def test_the_writer_groups_queued_commands(
    hub: TabadolHub, store_url: str, ring: PublicKeyRing
) -> None:
    codes = open_cases(hub, 8)
    executor = Executor(hub, max_batch_seconds=60)  # no time cap here: a loaded machine
    gate = threading.Event()
    try:
        blocker = asyncio.ensure_future(executor.write(gate.wait, 10))
        await asyncio.sleep(0.05)  # the writer is now busy: the next commands queue up
        steps = [
            asyncio.ensure_future(executor.write(hub.cases.record_step, c, STEP, by=AGENCY))
            for c in codes
        ]
        await asyncio.sleep(0.05)
        gate.set()
        await blocker
        views = await asyncio.gather(*steps)
    finally:
        executor.close()
    assert [v.tracking_code for v in views] == codes
    assert executor.commands == 9 and executor.batches == 2
    assert batches_of(store_url)[-1] == [2] * 8
    assert verify_trail(read_trail(store_url), ring).ok


async def test_the_batch_is_capped_by_time(hub: TabadolHub, store_url: str) -> None:
    codes = open_cases(hub, 6)
    before = len(batches_of(store_url))
    executor = Executor(hub, max_batch_seconds=0.03)
    gate = threading.Event()

    def slow_step(code: str) -> str:
        threading.Event().wait(0.02)
        return hub.cases.record_step(code, STEP, by=AGENCY).tracking_code

    try:
        blocker = asyncio.ensure_future(executor.write(gate.wait, 10))
        await asyncio.sleep(0.05)
        steps = [asyncio.ensure_future(executor.write(slow_step, c)) for c in codes]
        await asyncio.sleep(0.05)
        gate.set()
        await blocker
        assert await asyncio.gather(*steps) == codes
    finally:
        executor.close()
    sizes = [len(run) for run in batches_of(store_url)[before:]]
    assert sum(sizes) == 6 and max(sizes) <= 2  # 20 ms each, 30 ms per batch


async def test_a_full_queue_answers_resource_exhausted_with_a_retry_delay(
    hub: TabadolHub,
) -> None:
    codes = open_cases(hub, 2)
    executor = Executor(hub, max_queue=2, retry_after=0.25)
    gate = threading.Event()
    try:
        blocker = asyncio.ensure_future(executor.write(gate.wait, 10))
        await asyncio.sleep(0.05)
        queued = [
            asyncio.wrap_future(
                executor.submit(partial(hub.cases.record_step, code, STEP, by=AGENCY))
            )
            for code in codes
        ]
        with pytest.raises(Overloaded) as refused:
            await executor.write(hub.cases.record_step, codes[0], REQUEST_STEPS[1], by=AGENCY)
        gate.set()
        await blocker
        await asyncio.gather(*queued)
    finally:
        executor.close()
    assert [len(hub.cases.get_case(c).timeline) for c in codes] == [
        2,
        2,
    ]  # the refused changed nothing
    grpc_status = status_for(refused.value)
    assert grpc_status.code.value[0] == code_pb2.RESOURCE_EXHAUSTED
    details = rpc_status.status_pb2.Status.FromString(
        dict(grpc_status.trailing_metadata)["grpc-status-details-bin"]
    ).details
    info = error_details_pb2.RetryInfo()
    assert details[0].Unpack(info) and info.retry_delay.ToMilliseconds() == 250
