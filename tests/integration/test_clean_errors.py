"""The reproductions of issue 11 answer cleanly over real gRPC: uint64 beyond the store's
range, oversized values, Gregorian dates in Jalali fields — INVALID_ARGUMENT, short."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from tabadol.audit.v1 import audit_pb2, audit_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.application.hub import TabadolHub
from hub.bootstrap import create_server
from hub.config import Settings
from hub.testing import dev_env
from hub.trail.keys import init_keys
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

META = (("x-tabadol-agency", AGENCY),)
HUGE = 2**63


@pytest.fixture
async def channel(tmp_path: Path) -> AsyncIterator[grpc.aio.Channel]:
    settings = Settings.from_env(
        {"TABADOL_DATA_DIR": str(tmp_path), "TABADOL_LISTEN": "127.0.0.1:0", **dev_env(tmp_path)}
    )
    signer = init_keys(settings.signing_key, settings.public_keys)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    running = await create_server(hub, settings)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as chan:
        yield chan
    await running.stop(grace=0)
    hub.close()


def trailer_bytes(error: grpc.aio.AioRpcError) -> int:
    """What the status costs on the wire: message (percent-encoded) plus details (base64)."""
    message = (error.details() or "").encode()
    encoded = sum(3 if b > 0x7E or b < 0x20 or b == 0x25 else 1 for b in message)
    details = sum(len(v) for k, v in error.trailing_metadata() or () if k.endswith("-bin"))
    return encoded + (details + 2) // 3 * 4


def violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)
    assert status is not None
    found = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found.update({v.field: v.description for v in bad.field_violations})
    return found


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call  # type: ignore[misc]
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT, error.value
    assert trailer_bytes(error.value) < 1024
    return error.value


async def test_uint64_beyond_the_store_is_invalid_argument_on_sqlite(
    channel: grpc.aio.Channel,
) -> None:
    audit = audit_pb2_grpc.AuditServiceStub(channel)
    export = audit.ExportTrail(audit_pb2.ExportTrailRequest(from_position=HUGE), metadata=META)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        async for _ in export:
            pass
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "from_position" in violations(error.value)
    proof = await refused(
        audit.GetInclusionProof(
            audit_pb2.GetInclusionProofRequest(position=1, tree_size=HUGE), metadata=META
        )
    )
    assert set(violations(proof)) == {"tree_size"}
    consistency = await refused(
        audit.GetConsistencyProof(
            audit_pb2.GetConsistencyProofRequest(old_size=HUGE, new_size=2**64 - 1),
            metadata=META,
        )
    )
    assert set(violations(consistency)) == {"old_size", "new_size"}


async def test_a_5000_character_value_makes_a_short_invalid_argument(
    channel: grpc.aio.Channel,
) -> None:
    catalogue = catalogue_pb2_grpc.CatalogueServiceStub(channel)
    await catalogue.RegisterServiceRecord(
        cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto()),
        metadata=META,
    )
    stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
    for value in ("x" * 5000, "ک" * 5000):
        error = await refused(
            stub.OpenCase(
                desk.OpenCaseRequest(
                    service_code=SERVICE_CODE,
                    applicant_national_code=applicant(),
                    postal_code="1316943891",
                    channel=value,
                ),
                metadata=META,
            )
        )
        described = violations(error)["channel"]
        assert value[:50] in described and len(described) < 240
    many = await refused(
        catalogue.RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(
                service_code="13021000102",
                spec=spec_proto(
                    title_fa="\u200f\u200d",  # RLM + ZWJ: nothing visible
                    title_en="ک" * 5000,
                    legal_basis="ک" * 5000,
                    units=["ک" * 5000] * 20,
                    evaluation_method="ک" * 5000,
                ),
            ),
            metadata=META,
        )
    )
    found = violations(many)
    assert found.get("spec.title_fa") == "Persian title is required"
    assert "more)" in (many.details() or "")  # what did not fit is counted, not dropped silently


async def test_two_agency_headers_are_refused_not_the_first_one_taken(
    channel: grpc.aio.Channel,
) -> None:
    stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.GetCase(
            desk.GetCaseRequest(tracking_code="C-7K2M-9QX4-HAB3-Z"),
            metadata=(("x-tabadol-agency", "MOJ"), ("x-tabadol-agency", "MOI")),
        )
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "send one x-tabadol-agency header, not 2" in (error.value.details() or "")
