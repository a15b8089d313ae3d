"""AuditService over real gRPC, on SQLite and on PostgreSQL, with the checkpointer running.

The fixture builds its own server (the AuditService alone, on a free loopback port), so it
does not depend on how bootstrap wires the service in; cases are driven in process, through
the same executor the servicers use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from tabadol.audit.v1 import audit_pb2 as pb
from tabadol.audit.v1 import audit_pb2_grpc

from hub.application.hub import TabadolHub
from hub.audit.checkpoints import AuditLog, StoredCheckpoint, run_checkpointer, sign_checkpoint
from hub.audit.export import read_trail
from hub.config import Settings
from hub.ledger.executor import Executor
from hub.servicers.audit import SERVICE_NAME, register
from hub.servicers.convert import spec_from_proto
from hub.servicers.edge import Edge
from hub.trail.keys import PublicKeyRing, init_keys
from hub.trail.merkle import verify_consistency, verify_inclusion
from hub.trail.verify import TrailEvent, open_hub_checkpoint
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

STEP = "ثبت درخواست"
NO_SUCH_ID = "00000000-0000-0000-0000-000000000000"


@dataclass
class AuditHub:
    hub: TabadolHub
    log: AuditLog
    executor: Executor
    channel: grpc.aio.Channel
    settings: Settings
    published: list[str]
    service: str

    @property
    def ring(self) -> PublicKeyRing:
        return PublicKeyRing.load(self.settings.public_keys)

    @property
    def audit(self) -> Any:
        return audit_pb2_grpc.AuditServiceStub(self.channel)

    async def wait_for_checkpoint(self, size: int) -> pb.SignedCheckpoint:
        for _ in range(500):
            latest = await asyncio.to_thread(self.log.store.latest)
            if latest is not None and latest.tree_size >= size:
                reply = await self.audit.GetLatestCheckpoint(pb.GetLatestCheckpointRequest())
                return reply.checkpoint
            await asyncio.sleep(0.02)
        raise AssertionError(f"no checkpoint of size {size}")


@pytest.fixture
async def audit_hub(store_url: str, tmp_path: Path) -> AsyncIterator[AuditHub]:
    """The AuditService over the store under test, and a checkpointer task (every event)."""
    settings = Settings.from_env(
        {"TABADOL_DATA_DIR": str(tmp_path / "data"), "TABADOL_EVENT_STORE": store_url}
    )
    signer = init_keys(settings.signing_key, settings.public_keys)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    log = AuditLog.open(hub, settings)
    executor = Executor(hub)
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    service = register(server, Edge(hub, executor, log))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    published: list[str] = []

    async def publish(note: str) -> None:
        published.append(note)

    schedule = SimpleNamespace(checkpoint_every=1, checkpoint_seconds=0.1)
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_checkpointer(log, signer, schedule, stop, on_checkpoint=[publish])
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield AuditHub(hub, log, executor, channel, settings, published, service)
    finally:
        stop.set()
        await task
        await channel.close()
        await server.stop(0)
        executor.close()
        hub.close()


async def drive(live: AuditHub, cases: int = 2, *, first: int = 41) -> list[str]:
    """Register the service (once) and open and step cases, as the servicers would."""
    write = live.executor.write
    if first == 41:
        await write(
            live.hub.catalogue.register_service_record,
            SERVICE_CODE,
            spec_from_proto(spec_proto()),
            by=AGENCY,
        )
    codes = []
    for serial in range(first, first + cases):
        case = await write(
            live.hub.cases.open_case,
            SERVICE_CODE,
            applicant(serial),
            channel="web",
            postal_code="1316943891",
            by=AGENCY,
        )
        await write(live.hub.cases.record_step, case.tracking_code, STEP, by=AGENCY)
        codes.append(case.tracking_code)
    return codes


def trail_event(e: pb.LoggedEvent) -> TrailEvent:
    return TrailEvent(e.position, e.aggregate_id, e.version, e.topic, e.state)


async def test_inclusion_proofs_for_a_case_verify_against_the_signed_checkpoint(
    audit_hub: AuditHub,
) -> None:
    codes = await drive(audit_hub)
    signed = await audit_hub.wait_for_checkpoint(5)
    checkpoint = open_hub_checkpoint(signed.note, audit_hub.ring)
    assert checkpoint.size == signed.tree_size and checkpoint.root == signed.root_hash
    reply = await audit_hub.audit.GetInclusionProof(
        pb.GetInclusionProofRequest(tracking_code=codes[1], tree_size=signed.tree_size),
    )
    assert reply.checkpoint.note == signed.note
    assert [i.event.version for i in reply.inclusions] == [1, 2]
    for inclusion in reply.inclusions:
        verify_inclusion(
            trail_event(inclusion.event).leaf_hash(),
            inclusion.event.log_index,
            checkpoint.size,
            list(inclusion.audit_path),
            checkpoint.root,
        )
    opened = reply.inclusions[0].event
    by_id = await audit_hub.audit.GetInclusionProof(
        pb.GetInclusionProofRequest(event_id=f"{opened.aggregate_id}:1")
    )
    by_position = await audit_hub.audit.GetInclusionProof(
        pb.GetInclusionProofRequest(position=opened.position)
    )
    assert by_id.inclusions[0].event == by_position.inclusions[0].event == opened
    for _ in range(100):  # the task publishes right after it stores the checkpoint
        if audit_hub.published:
            break
        await asyncio.sleep(0.02)
    assert audit_hub.published[-1].startswith(checkpoint.checkpoint.origin + "\n")


async def test_consistency_proofs_between_checkpoints(audit_hub: AuditHub) -> None:
    await drive(audit_hub, cases=1)
    first = await audit_hub.wait_for_checkpoint(3)
    await drive(audit_hub, cases=1, first=51)
    second = await audit_hub.wait_for_checkpoint(first.tree_size + 2)
    reply = await audit_hub.audit.GetConsistencyProof(
        pb.GetConsistencyProofRequest(old_size=first.tree_size)
    )
    assert reply.new_size >= second.tree_size and reply.new_checkpoint.tree_size == reply.new_size
    assert reply.old_checkpoint.note == first.note
    verify_consistency(
        first.tree_size,
        reply.new_size,
        first.root_hash,
        reply.new_checkpoint.root_hash,
        list(reply.proof),
    )


async def test_export_trail_streams_the_log_in_order(audit_hub: AuditHub) -> None:
    await drive(audit_hub, cases=3)
    stored = list(read_trail(audit_hub.settings.event_store))
    events = [r.event async for r in audit_hub.audit.ExportTrail(pb.ExportTrailRequest())]
    assert [trail_event(e) for e in events] == stored
    assert [e.log_index for e in events] == list(range(len(stored)))
    tail = [
        r.event
        async for r in audit_hub.audit.ExportTrail(
            pb.ExportTrailRequest(from_position=stored[4].position)
        )
    ]
    assert [e.log_index for e in tail] == list(range(4, len(stored)))


async def test_errors_are_clear_statuses(audit_hub: AuditHub) -> None:
    async def code_of(request: pb.GetInclusionProofRequest) -> tuple[grpc.StatusCode, str]:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await audit_hub.audit.GetInclusionProof(request)
        return caught.value.code(), caught.value.details() or ""

    with pytest.raises(grpc.aio.AioRpcError) as none_yet:
        await audit_hub.audit.GetLatestCheckpoint(pb.GetLatestCheckpointRequest())
    assert none_yet.value.code() == grpc.StatusCode.NOT_FOUND
    codes = await drive(audit_hub, cases=1)
    await audit_hub.wait_for_checkpoint(3)
    invalid, not_found = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND
    expectations = [
        (pb.GetInclusionProofRequest(), invalid, "subject"),
        (pb.GetInclusionProofRequest(event_id="nope:1"), invalid, "event_id"),
        (pb.GetInclusionProofRequest(event_id="1234"), invalid, "event_id"),
        (pb.GetInclusionProofRequest(tracking_code="C-0000"), invalid, "tracking_code"),
        (pb.GetInclusionProofRequest(event_id=f"{NO_SUCH_ID}:1"), not_found, "not found"),
        (pb.GetInclusionProofRequest(position=10**9), not_found, "not found"),
        (pb.GetInclusionProofRequest(tracking_code=codes[0], tree_size=10**6), not_found, "size"),
    ]
    for request, status, words in expectations:
        code, details = await code_of(request)
        assert code == status and words in details, (request, code, details)
    if audit_hub.log.store.at_size(1) is None:  # the checkpointer may have skipped size 1
        root = audit_hub.log.tree.root(1)
        note = sign_checkpoint(audit_hub.hub.signer, audit_hub.log.origin, 1, root)
        audit_hub.log.store.add(
            StoredCheckpoint(1, root, 1, audit_hub.hub.signer.key_id, note, "2026-01-01T00:00:00Z")
        )
    at_size = pb.GetInclusionProofRequest(tracking_code=codes[0], tree_size=1)
    status, details = await code_of(at_size)  # the case is newer than checkpoint 1
    assert status == grpc.StatusCode.FAILED_PRECONDITION and "not yet covered" in details
    with pytest.raises(grpc.aio.AioRpcError) as too_far:
        await audit_hub.audit.GetConsistencyProof(
            pb.GetConsistencyProofRequest(old_size=5, new_size=2)
        )
    assert too_far.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_register_names_the_service(audit_hub: AuditHub) -> None:
    assert audit_hub.service == SERVICE_NAME == "tabadol.audit.v1.AuditService"
