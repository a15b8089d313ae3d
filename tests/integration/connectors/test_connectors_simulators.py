"""The simulator runner: every system by name, cancellation, SIGTERM from a shell."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from connectors.simulators import SYSTEMS, create_server, run_simulator

ROOT = Path(__file__).resolve().parents[3]


async def healthy(target: str, *, attempts: int = 1) -> bool:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for _ in range(attempts):
            try:
                answer = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
            except grpc.aio.AioRpcError:
                await asyncio.sleep(0.1)
                continue
            return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)
    return False


def test_the_system_names() -> None:
    assert SYSTEMS == ("civil-registry", "deeds-registry", "postal-code", "identity", "treasury")


@pytest.mark.parametrize("system", SYSTEMS)
async def test_run_simulator_serves_until_cancelled(system: str) -> None:
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_simulator(system, 0, on_ready=ready.set_result))
    port = await asyncio.wait_for(ready, timeout=5)
    assert await healthy(f"127.0.0.1:{port}")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not await healthy(f"127.0.0.1:{port}")


async def test_bad_runner_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown system"):
        await create_server("tax-office", "127.0.0.1:0")
    with pytest.raises(ValueError, match="treasury simulator only"):
        await create_server("identity", "127.0.0.1:0", state_file=tmp_path / "x.json")


async def test_sigterm_stops_a_simulator_started_from_a_shell() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "connectors.simulators",
        "deeds-registry",
        "--port",
        str(port),
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert await healthy(f"127.0.0.1:{port}", attempts=50)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=5) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (await process.stdout.read()).decode() if process.stdout else ""
    assert "simulator stopped" in output
