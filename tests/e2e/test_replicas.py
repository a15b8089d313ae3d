"""Three ``tabadol serve`` processes (embedded projections, the default) started together on
a fresh database of a private PostgreSQL server, relaying to a private NATS server: every
replica takes writes; checkpoints, the relay, the national-window publisher and payment
reconciliation run in one of them, the leader (an advisory lock); kill -9 of the leader
under load hands them over to another, and no acknowledged write is lost; the trail
verifies and the stream holds every event once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.service_case import ServiceCase
from hub.audit.export import read_trail
from hub.cli.audit import audit_verify
from hub.testing import free_port
from tests.hubs import Serve, shared_keys, spawn_serve
from tests.nats_server import PrivateNats, jetstream, stream_positions
from tests.pg_server import private_postgres
from tests.samples import AGENCY, SERVICE_CODE, open_case_request, spec_proto

pytestmark = [pytest.mark.postgres, pytest.mark.nats, pytest.mark.timeout(150)]

META = (("x-tabadol-agency", AGENCY),)
DUTIES = ("relay", "window", "reconciliation")
STREAM, WINDOW = "TABADOL_EVENTS", "TABADOL_WINDOW"  # the defaults: a NATS server of our own
OPENED = ServiceCase.Opened.TOPIC


@dataclass
class Replicas:
    hubs: list[Serve]
    store: str
    nats: str
    public_keys: Path


@pytest.fixture
async def replicas(tmp_path: Path) -> AsyncIterator[Replicas]:
    keys = shared_keys(tmp_path)
    nowhere = f"127.0.0.1:{free_port()}"  # the other agencies' systems: never called here
    nats = PrivateNats()
    nats.start()
    try:
        with private_postgres() as pg:
            store = pg.create_database("hub")
            env = {
                **keys,
                "TABADOL_EVENT_STORE": store,
                "TABADOL_NATS_URL": nats.url,
                "TABADOL_PROJECTIONS": "embedded",
                "TABADOL_CHECKPOINT_EVERY": "5",
                "TABADOL_CHECKPOINT_SECONDS": "0.5",
                **{
                    f"TABADOL_{system}_URL": nowhere
                    for system in ("IDENTITY", "CIVIL_REGISTRY", "DEEDS_REGISTRY", "POSTAL_CODE")
                },
                "TABADOL_TREASURY_URL": nowhere,  # with exchanges on, serve reconciles payments
            }
            hubs = [spawn_serve(tmp_path / f"hub{i}", env) for i in range(3)]
            try:
                await asyncio.gather(*(hub.wait_serving() for hub in hubs))
                yield Replicas(hubs, store, nats.url, Path(keys["TABADOL_PUBLIC_KEYS"]))
            finally:
                for hub in hubs:
                    hub.stop()
    finally:
        nats.remove()


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 20.0) -> float:
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, f"{what} within {within} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def leaders(hubs: list[Serve]) -> list[int]:
    return [i for i, hub in enumerate(hubs) if await hub.metric("tabadol_leader") == 1]


async def duty_starts(hub: Serve) -> dict[str, float]:
    return {d: await hub.metric("tabadol_leader_duty_starts_total", duty=d) for d in DUTIES}


def signed_sizes(hub: Serve) -> list[int]:
    """The tree sizes of the checkpoints this process signed, from its log."""
    return [int(str(e["size"])) for e in hub.events() if e.get("event") == "checkpoint signed"]


async def open_cases(hub: Serve, first: int, count: int) -> None:
    async with grpc.aio.insecure_channel(hub.target) as channel:
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
        for serial in range(first, first + count):
            await stub.OpenCase(open_case_request(serial), metadata=META, timeout=10)


async def load(hub: Serve, serial: int, acked: list[str], stop: asyncio.Event) -> None:
    """OpenCase after OpenCase until ``stop``; each answered tracking code into ``acked``."""
    async with grpc.aio.insecure_channel(hub.target) as channel:
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
        while not stop.is_set():
            reply = await stub.OpenCase(open_case_request(serial), metadata=META, timeout=10)
            acked.append(reply.case.tracking_code)
            serial += 1


async def found(hub: Serve, codes: list[str]) -> list[str]:
    """The tracking codes ``hub`` answers GetCase for."""
    async with grpc.aio.insecure_channel(hub.target) as channel:
        stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
        replies = [
            await stub.GetCase(desk.GetCaseRequest(tracking_code=code), metadata=META, timeout=10)
            for code in codes
        ]
    return [reply.case.tracking_code for reply in replies]


def positions(store: str) -> list[int]:
    return [event.position for event in read_trail(store)]


async def test_three_serve_processes_one_leader_and_kill_9_of_it(replicas: Replicas) -> None:
    hubs = replicas.hubs
    async with grpc.aio.insecure_channel(hubs[0].target) as channel:
        await catalogue_pb2_grpc.CatalogueServiceStub(channel).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
            metadata=META,
        )
    await asyncio.gather(*(open_cases(hub, 1000 * (i + 1), 10) for i, hub in enumerate(hubs)))

    # One leader, and only it relays, reconciles and signs checkpoints.
    await until(lambda: _one(leaders(hubs)), "one leader")
    (first,) = await leaders(hubs)
    followers = [i for i in range(3) if i != first]
    await until(lambda: _covers(hubs[first], replicas.store), "the leader's checkpoints")
    assert await duty_starts(hubs[first]) == dict.fromkeys(DUTIES, 1.0)
    for i in followers:
        assert await duty_starts(hubs[i]) == dict.fromkeys(DUTIES, 0.0), i
        assert signed_sizes(hubs[i]) == [], i
        assert await hubs[i].metric("tabadol_checkpoint_tree_size") == 0, i
    assert hubs[first].logged("this process leads: checkpoints, relay, reconciliation") == 1
    assert hubs[first].logged("reconciling payments: this process leads") == 1
    before = max(signed_sizes(hubs[first]))

    # kill -9 of the leader under load: another takes the lock and its duties (the relay
    # resumes after whatever the dead one published), checkpoints go on.
    acked: list[str] = []
    stop = asyncio.Event()
    writers = [
        asyncio.ensure_future(load(hub, 100_000 * (i + 1) + 10_000 * w, acked, stop))
        for i, hub in enumerate(hubs)
        for w in range(2)
    ]
    await asyncio.sleep(1.0)
    hubs[first].kill()
    survivors = [hubs[i] for i in followers]
    took_over = await until(lambda: _one(leaders(survivors)), "a new leader")
    (second,) = await leaders(survivors)
    successor = survivors[second]
    await asyncio.sleep(1.0)  # the survivors keep taking writes
    stop.set()
    results = await asyncio.gather(*writers, return_exceptions=True)
    for i, result in enumerate(results):  # only the callers of the killed one failed
        assert (i // 2 == first) == isinstance(result, grpc.aio.AioRpcError), (i, result)
    assert len(acked) >= 20, "the load was too light to mean anything"
    assert await found(successor, acked) == acked  # every acknowledged write is stored
    await until(lambda: _covers(successor, replicas.store), "the successor's checkpoints")
    assert max(signed_sizes(successor)) > before
    assert await duty_starts(successor) == dict.fromkeys(DUTIES, 1.0)
    other = survivors[1 - second]
    assert await duty_starts(other) == dict.fromkeys(DUTIES, 0.0)
    assert signed_sizes(other) == []

    # The relayed stream holds every stored event exactly once, in log order.
    stored = positions(replicas.store)
    assert len(stored) >= 1 + 3 * 10 + len(acked)
    async with jetstream(replicas.nats) as js:

        async def relayed() -> bool:
            return len(await stream_positions(js, STREAM)) >= len(stored)

        await until(relayed, "every event relayed")
        assert await stream_positions(js, STREAM) == stored
        # Each case opened is one entry of the window's feed (acknowledged or not: a case
        # the killed leader stored without answering is there too).
        opened = [e.position for e in read_trail(replicas.store) if e.topic == OPENED]
        assert len(opened) >= 3 * 10 + len(acked)

        async def published() -> bool:
            return len(await stream_positions(js, WINDOW)) >= len(opened)

        await until(published, "the window feed published")
        window = await stream_positions(js, WINDOW)  # by the leaders only, each entry once
        assert window == opened

    for hub in survivors:  # SIGTERM: the leader signs a last checkpoint
        assert hub.terminate() == 0
    assert await asyncio.to_thread(audit_verify, replicas.store, replicas.public_keys) == 0
    print(
        f"take-over after kill -9: {took_over:.2f} s; {len(acked)} acknowledged under load,"
        f" {len(stored)} events"
    )


async def _one(found: Awaitable[list[int]]) -> bool:
    return len(await found) == 1


async def _covers(hub: Serve, store: str) -> bool:
    """Has ``hub`` signed a checkpoint over the whole log as it is now?"""
    size = len(await asyncio.to_thread(positions, store))
    return max(signed_sizes(hub), default=0) >= size
