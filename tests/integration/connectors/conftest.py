"""Simulators on loopback port 0, stopped after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from connector_support import Create, Serve


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """``await serve(create_server, **options)`` starts a simulator; returns its target."""
    servers: list[grpc.aio.Server] = []

    async def start(create: Create, **options: Any) -> str:
        server, port = await create("127.0.0.1:0", **options)
        servers.append(server)
        return f"127.0.0.1:{port}"

    yield start
    for server in servers:
        await server.stop(None)
