"""One agency's flood is contained (issue 10, Deliver 5): its refusals carry RetryInfo and
are answered at the refusal rate, its calls in flight are bounded per connection by the
transport (queued in its own client, never UNAVAILABLE), and another agency's calls all
succeed meanwhile. The benchmark (benchmarks/flood.py) measures the latency; this test
asserts the behaviour."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.catalogue.v1 import catalogue_pb2_grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from hub.testing import start_trusted_hub
from tests.integration.test_trust import _summary_rows
from tests.samples import SERVICE_CODE, applicant, spec_proto

CATALOGUE = "tabadol.catalogue.v1.CatalogueService"
SERVICEDESK = "tabadol.servicedesk.v1.ServiceDeskService"
STREAMS = 4
REFUSAL_RATE = 40.0
FLOODERS = 16


def _open(i: int) -> desk.OpenCaseRequest:
    return desk.OpenCaseRequest(
        service_code=SERVICE_CODE,
        applicant_national_code=applicant(i),
        postal_code="1316943891",
        channel="web",
    )


async def test_a_flood_is_paced_and_bounded_while_another_agency_is_served(
    store_url: str, tmp_path: Path
) -> None:
    live = await start_trusted_hub(
        tmp_path,
        store_url,
        TABADOL_RATE_LIMIT="10",
        TABADOL_RATE_BURST="20",
        TABADOL_REFUSAL_RATE=str(REFUSAL_RATE),
        TABADOL_MAX_STREAMS=str(STREAMS),
    )
    try:
        await live.grant("agency:MOJ", f"service:{CATALOGUE}", f"service:{SERVICEDESK}")
        victim = servicedesk_pb2_grpc.ServiceDeskServiceStub(live.channel("agency:MOJ"))
        await catalogue_pb2_grpc.CatalogueServiceStub(live.channel("agency:MOJ")).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
        )  # fmt: skip

        # ZZZ floods OpenCase (no grant) on one connection, FLOODERS calls kept in flight,
        # RetryInfo ignored: its refusals come at the refusal rate, above its rate limit.
        opens = servicedesk_pb2_grpc.ServiceDeskServiceStub(live.channel("agency:ZZZ"))
        codes: Counter[str] = Counter()
        retry_delays: list[int] = []
        stop = asyncio.Event()

        async def flooder() -> None:
            while not stop.is_set():
                try:
                    await opens.OpenCase(_open(1), timeout=30)
                    codes["OK"] += 1
                except grpc.aio.AioRpcError as error:
                    codes[error.code().name] += 1
                    if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                        status = rpc_status.from_call(error)
                        assert status is not None
                        retry = error_details_pb2.RetryInfo()
                        assert any(d.Unpack(retry) for d in status.details)
                        retry_delays.append(retry.retry_delay.ToNanoseconds())

        begun = time.monotonic()
        flood = [asyncio.create_task(flooder()) for _ in range(FLOODERS)]
        while not codes["RESOURCE_EXHAUSTED"]:  # its burst is spent
            await asyncio.sleep(0.02)
        refused_before = codes["RESOURCE_EXHAUSTED"] + codes["PERMISSION_DENIED"]
        counted_from = time.monotonic()

        # MOJ's calls during the flood: every one succeeds.
        opened = [await victim.OpenCase(_open(100 + i), timeout=30) for i in range(15)]
        assert len({c.case.tracking_code for c in opened}) == 15

        refused = codes["RESOURCE_EXHAUSTED"] + codes["PERMISSION_DENIED"] - refused_before
        elapsed = time.monotonic() - counted_from
        stop.set()
        await asyncio.gather(*flood)
        assert time.monotonic() - begun < 60

        # The flooder is refused with the reasons it earned, RetryInfo on the rate limit,
        # and never UNAVAILABLE: calls over the stream cap waited in its own transport.
        assert codes["RESOURCE_EXHAUSTED"] > 0 and codes["PERMISSION_DENIED"] > 0
        assert set(codes) == {"RESOURCE_EXHAUSTED", "PERMISSION_DENIED"}, codes
        assert retry_delays and min(retry_delays) > 0
        # Its refusals came no faster than the refusal rate (one slot each, the first free)...
        assert refused <= REFUSAL_RATE * elapsed + 2, (refused, elapsed)
        # ...and at most STREAMS of its FLOODERS calls were ever held in the hub at once.
        pacer = live.running.pacer
        assert pacer is not None and 2 <= pacer.peak <= STREAMS, pacer.peak
        assert pacer.held == 0

        # Every refusal is in the signed summaries, not one event per call.
        await live.running.flush_refusals()
        rows = {(r[0], r[1], r[2]): r[3] for r in _summary_rows(live)}
        assert rows[("agency:ZZZ", f"{SERVICEDESK}/OpenCase", "rate limit")] > 0
        assert rows[("agency:ZZZ", f"{SERVICEDESK}/OpenCase", "no grant")] > 0
        assert not any(who == "agency:MOJ" for who, _, _ in rows)
    finally:
        await live.close()


async def test_a_refusal_inside_a_servicer_is_paced_too(store_url: str, tmp_path: Path) -> None:
    # ZZZ may call OpenCase for MOJ's service code but does not own it: the servicer refuses
    # (PERMISSION_DENIED), and that refusal waits for ZZZ's slot like one at the edge.
    live = await start_trusted_hub(tmp_path, store_url, TABADOL_REFUSAL_RATE=str(REFUSAL_RATE))
    try:
        await live.grant("agency:MOJ", f"service:{CATALOGUE}")
        await live.grant("agency:ZZZ", f"code:{SERVICE_CODE}")
        await catalogue_pb2_grpc.CatalogueServiceStub(live.channel("agency:MOJ")).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
        )  # fmt: skip
        opens = servicedesk_pb2_grpc.ServiceDeskServiceStub(live.channel("agency:ZZZ"))

        async def one(i: int) -> grpc.StatusCode:
            try:
                await opens.OpenCase(_open(200 + i), timeout=30)
            except grpc.aio.AioRpcError as error:
                return error.code()
            return grpc.StatusCode.OK

        codes = await asyncio.gather(*(one(i) for i in range(8)))
        assert set(codes) == {grpc.StatusCode.PERMISSION_DENIED}
        pacer = live.running.pacer
        assert pacer is not None and pacer.peak >= 2 and pacer.held == 0
    finally:
        await live.close()


async def test_a_principal_runs_at_most_its_calls_at_once(store_url: str, tmp_path: Path) -> None:
    live = await start_trusted_hub(tmp_path, store_url, TABADOL_PRINCIPAL_CALLS="2")
    try:
        await live.grant("agency:MOJ", f"service:{CATALOGUE}", f"service:{SERVICEDESK}")
        await catalogue_pb2_grpc.CatalogueServiceStub(live.channel("agency:MOJ")).RegisterServiceRecord(
            cat.RegisterServiceRecordRequest(service_code=SERVICE_CODE, spec=spec_proto())
        )  # fmt: skip
        desk_stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(live.channel("agency:MOJ"))
        opened = await asyncio.gather(
            *(desk_stub.OpenCase(_open(300 + i), timeout=30) for i in range(10))
        )
        assert len({c.case.tracking_code for c in opened}) == 10  # all served, in turn
        in_flight = live.running.in_flight
        assert in_flight is not None and in_flight.peak == 2
    finally:
        await live.close()
