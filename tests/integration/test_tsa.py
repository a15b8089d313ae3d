"""The reference TSA issues RFC 3161 tokens that rfc3161-client verifies, and nothing else does."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import tsp
from rfc3161_client import decode_timestamp_response

from connectors.errors import ConnectorError
from connectors.tsa.authority import TimestampAuthority
from connectors.tsa.client import TsaClient
from connectors.tsa.simulator import TsaServer
from hub.trail.timestamps import TimestampError, verify_timestamp

BODY = "tabadol.gov.ir/hub/hub-0123456789abcdef\n12\nq1Zx0Jm4B3yIYdn0Wc0Bwvtf3dc3Lsl4ZG4ZrRaqR2g=\n"


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[TsaServer]:
    server = TsaServer(TimestampAuthority.open(tmp_path / "tsa")).start()
    yield server
    server.stop()


def test_a_token_over_a_checkpoint_verifies_with_the_pinned_root(tsa: TsaServer) -> None:
    token = TsaClient(tsa.url).timestamp(BODY.encode())
    info = verify_timestamp(token, BODY, [tsa.authority.root])
    assert info.tsa == tsa.authority.name and "Tabadol reference TSA" in info.tsa
    assert info.accuracy_seconds == 1
    response = decode_timestamp_response(token)
    assert response.tst_info.message_imprint.message == hashlib.sha256(BODY.encode()).digest()
    assert response.tst_info.nonce  # the client's nonce came back
    # the note's signature lines are not part of what is timestamped
    assert verify_timestamp(token, BODY + "\n\N{EM DASH} x AAAA\n", [tsa.authority.root])


def test_a_token_for_another_checkpoint_or_tsa_or_a_flipped_byte_fails(
    tsa: TsaServer, tmp_path: Path
) -> None:
    token = TsaClient(tsa.url).timestamp(BODY.encode())
    with pytest.raises(TimestampError, match="other bytes"):
        verify_timestamp(token, BODY.replace("\n12\n", "\n13\n"), [tsa.authority.root])
    stranger = TimestampAuthority.open(tmp_path / "other")
    with pytest.raises(TimestampError, match="trusted TSA root"):
        verify_timestamp(token, BODY, [stranger.root])
    flipped = bytearray(token)
    flipped[-10] ^= 0x01  # inside the ECDSA signature
    with pytest.raises(TimestampError):
        verify_timestamp(bytes(flipped), BODY, [tsa.authority.root])
    with pytest.raises(TimestampError, match="no trusted TSA root"):
        verify_timestamp(token, BODY, [])


def test_the_chain_is_kept_across_restarts(tmp_path: Path) -> None:
    first = TimestampAuthority.open(tmp_path / "tsa")
    again = TimestampAuthority.open(tmp_path / "tsa")
    assert first.root == again.root and first.certificate == again.certificate
    assert (tmp_path / "tsa" / "tsa-key.pem").stat().st_mode & 0o777 == 0o600


def test_an_unsupported_request_is_rejected_not_granted(tmp_path: Path) -> None:
    authority = TimestampAuthority.open(tmp_path / "tsa")
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "md5"},
                "hashed_message": hashlib.md5(b"x").digest(),
            },
            "cert_req": True,
        }
    )
    answer = decode_timestamp_response(authority.respond(request.dump()))
    assert answer.status == 2  # rejection
    assert "unsupported hash algorithm" in answer.status_string[0]
    status = tsp.PKIStatusInfo.load(authority.respond(request.dump())[2:])
    assert "bad_alg" in status["fail_info"].native
    garbage = decode_timestamp_response(authority.respond(b"\x30\x03\x02\x01\x07"))
    assert garbage.status == 2


def test_an_outage_is_a_connector_error(tsa: TsaServer) -> None:
    tsa.faults.down = True
    with pytest.raises(ConnectorError) as caught:
        TsaClient(tsa.url, timeout=2).timestamp(b"x")
    assert caught.value.kind == "unavailable" and caught.value.retryable
    tsa.faults.down = False
    assert TsaClient(tsa.url).timestamp(b"x")
    tsa.stop()
    with pytest.raises(ConnectorError, match="unavailable"):
        TsaClient(tsa.url, timeout=2).timestamp(b"x")
