"""The interceptors wrap each registered method's handler once, not on every call; a
method whose handler changes is wrapped anew."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from hub.servicers.observe import ObservingInterceptor


@dataclass
class _Details:
    method: str
    invocation_metadata: tuple[tuple[str, str], ...] = ()


async def _answer(request: Any, context: Any) -> Any:
    return request


async def test_each_method_is_wrapped_once_until_its_handler_changes() -> None:
    handlers = {
        "/x.v1.S/A": grpc.unary_unary_rpc_method_handler(_answer),
        "/x.v1.S/B": grpc.unary_unary_rpc_method_handler(_answer),
    }

    async def continuation(details: Any) -> Any:
        return handlers.get(details.method)

    interceptor = ObservingInterceptor()
    first = await interceptor.intercept_service(continuation, _Details("/x.v1.S/A"))
    again = await interceptor.intercept_service(continuation, _Details("/x.v1.S/A"))
    other = await interceptor.intercept_service(continuation, _Details("/x.v1.S/B"))
    assert first is again and other is not first
    assert first.unary_unary is not handlers["/x.v1.S/A"].unary_unary  # observed, not bare
    handlers["/x.v1.S/A"] = grpc.unary_unary_rpc_method_handler(_answer)
    renewed = await interceptor.intercept_service(continuation, _Details("/x.v1.S/A"))
    assert renewed is not first
    assert await interceptor.intercept_service(continuation, _Details("/x.v1.S/C")) is None
