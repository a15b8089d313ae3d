"""The hub's client of a time-stamping authority (RFC 3161 over HTTP, §3.4).

:meth:`TsaClient.timestamp` asks for a token over some bytes and returns the DER
``TimeStampResp`` once it is granted for *this* request (same imprint, same nonce).
Trust is not decided here: the token's signature and certificate chain are checked
against the pinned TSA roots by whoever verifies (``hub.trail.timestamps``). Every
failure is a :class:`~connectors.errors.ConnectorError` of system ``tsa``.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from typing import Final

from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

from connectors.errors import ConnectorError

__all__ = ["SYSTEM", "TsaClient"]

SYSTEM: Final = "tsa"
_QUERY, _REPLY = "application/timestamp-query", "application/timestamp-reply"


class TsaClient:
    """Blocking: call it from a worker thread, never on the event loop."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    def timestamp(self, data: bytes) -> bytes:
        """The DER ``TimeStampResp`` granting a token over SHA-256(``data``)."""
        request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
        http = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url, data=request.as_bytes(), headers={"Content-Type": _QUERY}, method="POST"
        )
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as answer:  # noqa: S310
                content_type = answer.headers.get("Content-Type", "")
                body: bytes = answer.read()
        except urllib.error.HTTPError as exc:
            raise ConnectorError(SYSTEM, "unavailable", f"HTTP {exc.code} from {self.url}") from exc
        except TimeoutError as exc:
            raise ConnectorError(SYSTEM, "timeout", f"no answer within {self.timeout} s") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectorError(SYSTEM, "unavailable", f"{self.url}: {exc}") from exc
        if content_type.split(";")[0].strip() != _REPLY:
            raise ConnectorError(SYSTEM, "invalid_answer", f"content type {content_type!r}")
        try:
            response = decode_timestamp_response(body)
        except ValueError as exc:
            raise ConnectorError(SYSTEM, "invalid_answer", f"not a TimeStampResp: {exc}") from exc
        if response.status not in (0, 1):  # granted, granted with modifications
            text = "; ".join(response.status_string) or f"status {response.status}"
            raise ConnectorError(SYSTEM, "refused", text)
        info = response.tst_info
        if info.message_imprint.message != hashlib.sha256(data).digest():
            raise ConnectorError(SYSTEM, "invalid_answer", "the token is over another imprint")
        if request.nonce is not None and info.nonce != request.nonce:
            raise ConnectorError(SYSTEM, "invalid_answer", "the token's nonce is not ours")
        return body
