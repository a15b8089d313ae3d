"""Shared constants and types of the connector integration tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

TRACKING = "C-7K2M-9QX4-HAB3-Z"
AGENCY = "MOI-02"
# Short deadlines and backoffs: a fault test must not wait on production timings.
FAST: dict[str, Any] = {"timeout": 1.0, "retries": 2, "backoff": 0.01, "max_backoff": 0.02}

Create = Callable[..., Awaitable[tuple[grpc.aio.Server, int]]]
Serve = Callable[..., Awaitable[str]]
