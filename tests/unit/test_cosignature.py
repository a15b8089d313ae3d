"""cosignature/v1 (c2sp.org/tlog-cosignature): key IDs, the signed message, forgeries, policy."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hub.trail.cosignature import (
    CosignatureError,
    CosignerKey,
    WitnessPolicy,
    cosign,
    cosignatures,
    cosigned_message,
    cosigner_secret,
    merge_signature_lines,
    parse_cosigner_secret,
    parse_cosigner_vkey,
)
from hub.trail.signed_note import open_note, sign_note

BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def witness(name: str) -> tuple[Ed25519PrivateKey, CosignerKey]:
    key = Ed25519PrivateKey.generate()
    return key, CosignerKey.of(name, key.public_key())


def log_note() -> tuple[str, Ed25519PrivateKey]:
    log_key = Ed25519PrivateKey.generate()
    return sign_note(BODY, "example.com/behind-the-sofa", log_key), log_key


def test_the_key_id_is_the_spec_s_hash_with_type_0x04() -> None:
    key, cosigner = witness("witness.example.com/w1")
    expected = hashlib.sha256(b"witness.example.com/w1\n\x04" + raw(key)).digest()[:4]
    assert cosigner.key_id == expected
    note_key_id = hashlib.sha256(b"witness.example.com/w1\n\x01" + raw(key)).digest()[:4]
    assert cosigner.key_id != note_key_id  # never mistaken for a log's note key


def test_the_signed_message_is_header_time_and_body() -> None:
    assert cosigned_message(BODY, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + BODY.encode()
    )
    with pytest.raises(CosignatureError):
        cosigned_message(BODY, 2**63)


def test_a_cosignature_is_key_id_timestamp_and_signature_and_verifies() -> None:
    key, cosigner = witness("witness.example.com/w1")
    line = cosign(BODY, cosigner.name, key, 1679315147)
    name, encoded = line.removeprefix("\N{EM DASH} ").split(" ")
    blob = base64.b64decode(encoded)
    assert name == cosigner.name and len(blob) == 4 + 8 + 64
    assert blob[:4] == cosigner.key_id
    assert struct.unpack(">Q", blob[4:12]) == (1679315147,)
    key.public_key().verify(blob[12:], cosigned_message(BODY, 1679315147))
    note, _ = log_note()
    witnessed = merge_signature_lines(note, [line])
    (found,) = cosignatures(witnessed, [cosigner])
    assert found.timestamp == 1679315147 and found.witness == cosigner


def test_the_log_note_still_verifies_with_cosignatures_on_it() -> None:
    note, log_key = log_note()
    key, cosigner = witness("witness.example.com/w1")
    witnessed = merge_signature_lines(note, [cosign(BODY, cosigner.name, key, 7)])
    body, names = open_note(witnessed, [("example.com/behind-the-sofa", raw(log_key))])
    assert body == BODY and names == ["example.com/behind-the-sofa"]


def test_a_forged_or_misplaced_cosignature_is_refused() -> None:
    note, _ = log_note()
    key, cosigner = witness("witness.example.com/w1")
    line = cosign(BODY, cosigner.name, key, 100)
    name, encoded = line.removeprefix("\N{EM DASH} ").split(" ")
    blob = bytearray(base64.b64decode(encoded))
    blob[20] ^= 1
    forged = f"\N{EM DASH} {name} {base64.b64encode(bytes(blob)).decode()}"
    with pytest.raises(CosignatureError, match="forged cosignature"):
        cosignatures(merge_signature_lines(note, [forged]), [cosigner])
    # a changed timestamp breaks the signature too
    blob = bytearray(base64.b64decode(encoded))
    blob[11] ^= 1
    moved = f"\N{EM DASH} {name} {base64.b64encode(bytes(blob)).decode()}"
    with pytest.raises(CosignatureError):
        cosignatures(merge_signature_lines(note, [moved]), [cosigner])
    # a cosignature of another checkpoint copied onto this one
    other = cosign(BODY.replace("20852163", "20852164"), cosigner.name, key, 100)
    with pytest.raises(CosignatureError):
        cosignatures(merge_signature_lines(note, [other]), [cosigner])


def test_lines_of_unknown_witnesses_are_ignored() -> None:
    note, _ = log_note()
    key, cosigner = witness("witness.example.com/w1")
    stranger_key, stranger = witness("witness.example.com/w1")  # same name, other key
    witnessed = merge_signature_lines(note, [cosign(BODY, stranger.name, stranger_key, 1)])
    assert cosignatures(witnessed, [cosigner]) == []
    del key


def test_vkeys_and_secrets_round_trip_and_refuse_log_keys() -> None:
    key, cosigner = witness("witness.example/w2")
    assert parse_cosigner_vkey(cosigner.vkey) == cosigner
    name, private = parse_cosigner_secret(cosigner_secret("witness.example/w2", key))
    assert name == "witness.example/w2" and raw(private) == raw(key)
    encoded = base64.b64encode(b"\x01" + raw(key)).decode()
    with pytest.raises(CosignatureError, match="0x04"):
        parse_cosigner_vkey(f"witness.example/w2+{cosigner.key_id.hex()}+{encoded}")
    with pytest.raises(CosignatureError, match="key ID"):
        parse_cosigner_vkey(cosigner.vkey.replace(cosigner.key_id.hex(), "00000000"))


def test_a_policy_counts_distinct_witnesses_of_its_own() -> None:
    note, _ = log_note()
    keys = [witness(f"w{i}.example") for i in range(3)]
    policy = WitnessPolicy(2, tuple(k for _, k in keys))
    one = merge_signature_lines(note, [cosign(BODY, keys[0][1].name, keys[0][0], 5)])
    result = policy.check(one)
    assert not result.met and "w1.example, w2.example" in result.reason
    two = merge_signature_lines(one, [cosign(BODY, keys[2][1].name, keys[2][0], 6)])
    assert policy.check(two).met
    assert "2 of 2 required" in policy.check(two).describe()
    again = merge_signature_lines(one, [cosign(BODY, keys[0][1].name, keys[0][0], 9)])
    assert not policy.check(again).met  # one witness twice is still one
    with pytest.raises(CosignatureError, match="quorum"):
        WitnessPolicy(4, policy.witnesses)
    with pytest.raises(CosignatureError, match="once"):
        WitnessPolicy(1, (keys[0][1], keys[0][1]))
