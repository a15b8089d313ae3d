"""C2SP signed notes and checkpoints: published known answers, then round trips and refusals.

Vector sources (repository, path, commit) are in tests/vectors/signed_note_vectors.json
("_source") and tests/vectors/README.md.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hub.trail.merkle import EMPTY_ROOT, MerkleTree, leaf_hash, verify_inclusion
from hub.trail.signed_note import (
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    NoteError,
    NoteVerifier,
    key_id,
    open_checkpoint,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    signer_key,
    verifier_key,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "signed_note_vectors.json").read_text(
        "utf-8"
    )
)
GO = VECTORS["golang_mod"]
TLOG = VECTORS["golang_mod_tlog"]
SUMDB = VECTORS["sumdb_checkpoint"]

TEXT: str = GO["text"]
PETER_VKEY: str = GO["peter_vkey"]
PETER_SKEY: str = GO["peter_skey"]
ENOCH_VKEY: str = GO["enoch_vkey"]
PETER_SIG: str = GO["peter_sig_line"]
ENOCH_SIG: str = GO["enoch_sig_line"]


# -- golang.org/x/mod/sumdb/note known answers ------------------------------------------


def test_sign_known_answer() -> None:
    # TestSign: Ed25519 is deterministic, so the signed note is byte-for-byte Go's.
    name, key = parse_signer_key(PETER_SKEY)
    assert name == "PeterNeumann"
    assert sign_note(TEXT, name, key) == GO["signed_note_peter"] == TEXT + "\n" + PETER_SIG


def test_key_strings_known_answer() -> None:
    name, key = parse_signer_key(PETER_SKEY)
    assert verifier_key(name, key.public_key()) == PETER_VKEY
    assert signer_key(name, key) == PETER_SKEY
    assert key_id(name, key.public_key()).hex() == "c74f20a3"
    peter = parse_verifier_key(PETER_VKEY)
    assert (peter.name, peter.key_id.hex(), peter.vkey) == ("PeterNeumann", "c74f20a3", PETER_VKEY)
    enoch = parse_verifier_key(ENOCH_VKEY)
    assert (enoch.name, enoch.key_id.hex()) == ("EnochRoot", "af0cfe78")


def test_open_known_answer() -> None:
    # TestOpen: one known key verifies, the other signature is ignored as unknown.
    note = GO["signed_note_peter_enoch"]
    assert open_note(note, [PETER_VKEY]) == (TEXT, ["PeterNeumann"])
    assert open_note(note, [PETER_VKEY, ENOCH_VKEY]) == (TEXT, ["PeterNeumann", "EnochRoot"])
    assert open_note(note.encode("utf-8"), [ENOCH_VKEY]) == (TEXT, ["EnochRoot"])
    with pytest.raises(NoteError, match="no valid signature"):
        open_note(note, [])


def test_open_repeated_and_unverified_signatures() -> None:
    # TestOpen, "Duplicated verified and unverified signatures".
    corrupt_enoch = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    note = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + corrupt_enoch
    assert open_note(note, [PETER_VKEY]) == (TEXT, ["PeterNeumann"])


def test_open_invalid_signature_from_known_key() -> None:
    with pytest.raises(NoteError, match=r"invalid signature for key PeterNeumann\+c74f20a3"):
        open_note(GO["invalid_signature_note"], [PETER_VKEY])


def test_open_too_many_signatures() -> None:
    note = TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1)
    for verifiers in ([PETER_VKEY], []):
        with pytest.raises(NoteError, match="more than 100"):
            open_note(note, verifiers)
    assert open_note(TEXT + "\n" + PETER_SIG * MAX_SIGNATURES, [PETER_VKEY])[1] == ["PeterNeumann"]


@pytest.mark.parametrize("message", GO["bad_msgs"], ids=range(len(GO["bad_msgs"])))
def test_open_malformed_notes(message: str) -> None:
    with pytest.raises(NoteError, match="malformed"):
        open_note(message, [PETER_VKEY])


def test_open_invalid_utf8() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode("utf-8"), [PETER_VKEY])
    with pytest.raises(NoteError, match="surrogate"):
        open_note("\udcff" + TEXT + "\n" + PETER_SIG, [PETER_VKEY])


def test_signatures_that_share_only_the_name_or_only_the_key_id_are_unknown() -> None:
    # c2sp.org/signed-note: a key is known by name and ID; sharing one of them is not enough.
    misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    wrong_id = PETER_SIG.replace("x08g", "xxxx")
    for line in (misnamed, wrong_id):
        with pytest.raises(NoteError, match="no valid signature"):
            open_note(TEXT + "\n" + line, [PETER_VKEY])
        assert open_note(TEXT + "\n" + line + PETER_SIG, [PETER_VKEY]) == (TEXT, ["PeterNeumann"])


def _all_manglings(key: str) -> list[str]:
    """TestNewVerifier / TestNewSigner: every proper substring and every one-char bump."""
    out = [key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)]
    out = [k for k in out if k != key]
    out += [key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))]
    return out


def test_mangled_verifier_keys_are_refused() -> None:
    for bad in [*_all_manglings(PETER_VKEY), *GO["bad_vkeys"]]:
        with pytest.raises(NoteError):
            parse_verifier_key(bad)


def test_mangled_signer_keys_are_refused() -> None:
    for bad in _all_manglings(PETER_SKEY):
        with pytest.raises(NoteError):
            parse_signer_key(bad)


def test_verifier_key_errors_say_why() -> None:
    with pytest.raises(NoteError, match="algorithm 0x65"):
        parse_verifier_key(GO["bad_vkeys"][1])
    with pytest.raises(NoteError, match="malformed verifier key"):
        parse_verifier_key(GO["bad_vkeys"][0])
    short = "PeterNeumann+c74f20a3+" + base64.b64encode(b"\x01" + b"k" * 31).decode()
    with pytest.raises(NoteError, match="31 bytes, not 32"):
        parse_verifier_key(short)
    with pytest.raises(NoteError, match="does not match"):
        parse_verifier_key(PETER_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(NoteError, match="lowercase hex"):
        parse_verifier_key(PETER_VKEY.replace("c74f20a3", "C74F20A3"))


# -- a checkpoint signed by the real sum.golang.org key ---------------------------------


def test_sumdb_checkpoint_known_answer() -> None:
    checkpoint, names = open_checkpoint(SUMDB["note"], [SUMDB["vkey"]], origin=SUMDB["origin"])
    assert names == ["sum.golang.org"]
    assert checkpoint == Checkpoint(
        SUMDB["origin"], SUMDB["size"], base64.b64decode(SUMDB["root_hash_b64"])
    )
    assert checkpoint.body() + "\n" == SUMDB["note"].split("— ")[0]


def test_sumdb_checkpoint_with_cosignatures() -> None:
    lines = SUMDB["cosigner_sig_lines"] + SUMDB["unknown_sig_lines"]
    note = SUMDB["note"] + "".join(line + "\n" for line in lines)
    body, names = open_note(note, [SUMDB["vkey"], *SUMDB["cosigner_vkeys"]])
    assert names == ["sum.golang.org", "monkeys", "bananas", "witness"]
    assert open_note(note, SUMDB["cosigner_vkeys"][:1]) == (body, ["monkeys"])


def test_sumdb_checkpoint_refusals() -> None:
    with pytest.raises(CheckpointError, match="origin"):
        open_checkpoint(SUMDB["note"], [SUMDB["vkey"]], origin="Go rocks but wrong ID")
    tampered = SUMDB["note"].replace("6476701", "6476702")
    with pytest.raises(NoteError, match="invalid signature"):
        open_checkpoint(tampered, [SUMDB["vkey"]], origin=SUMDB["origin"])


# -- checkpoint bodies (c2sp.org/tlog-checkpoint) ---------------------------------------


def test_checkpoint_body_known_answer() -> None:
    # sumdb/tlog TestFormatTree / TestParseTree; the hash is RecordHash("hello world").
    checkpoint = Checkpoint(TLOG["origin"], TLOG["size"], leaf_hash(TLOG["record"].encode()))
    assert checkpoint.body() == TLOG["tree_text"]
    assert Checkpoint.parse(TLOG["tree_text"]) == checkpoint


@pytest.mark.parametrize(
    "body",
    TLOG["bad_trees"] + [case["m"] for case in VECTORS["formats_checkpoint_invalid"]],
)
def test_published_malformed_checkpoints(body: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)


ROOT = leaf_hash(b"root")
ENC = base64.b64encode(ROOT).decode()
GOOD = f"example.com/log\n42\n{ENC}\n"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (GOOD[:-1], "end with a newline"),
        ("example.com/log\n42\n", "has 2 lines"),
        (GOOD.replace("\n42\n", "\n042\n"), "leading zeros"),
        (GOOD.replace("\n42\n", "\n+42\n"), "decimal"),
        (GOOD.replace("\n42\n", "\n 42\n"), "decimal"),
        (GOOD.replace("\n42\n", "\n4_2\n"), "decimal"),
        (GOOD.replace("\n42\n", "\n۴۲\n"), "decimal"),  # Persian digits are not ASCII digits
        (GOOD.replace("\n42\n", "\n٤٢\n"), "decimal"),  # nor are Arabic-Indic ones
        (GOOD.replace("\n42\n", f"\n{2**64}\n"), "64 bits"),
        (GOOD.replace("\n42\n", "\n\n"), "decimal"),
        (GOOD.replace("example.com/log", ""), "origin is empty"),
        (GOOD.replace("example.com/log", "example.com/\tlog"), "control character"),
        (GOOD + "\n", "extension line 1 is empty"),
        (GOOD + "ext\n\n", "extension line 2 is empty"),
        (GOOD + "ext\r\n", "control character"),
        (GOOD.replace(ENC, base64.b64encode(ROOT[:31]).decode()), "31 bytes"),
        (GOOD.replace(ENC, base64.b64encode(ROOT + b"!").decode()), "33 bytes"),
        (GOOD.replace(ENC, ENC.rstrip("=")), "base64"),
        (GOOD.replace(ENC, "_" + ENC[1:]), "base64"),  # URL-safe alphabet
        (GOOD.replace(ENC, "-" + ENC[1:]), "base64"),
        (GOOD.replace(ENC, ENC.encode().hex()), "66 bytes"),
    ],
)
def test_malformed_checkpoint_lines_are_refused(body: str, reason: str) -> None:
    assert body != GOOD
    with pytest.raises(CheckpointError, match=reason):
        Checkpoint.parse(body)


def test_non_canonical_base64_root_is_refused() -> None:
    encoded = base64.b64encode(ROOT).decode()
    # 32 bytes encode to 43 characters plus "="; the last character carries 2 unused bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet[alphabet.index(encoded[42]) | 1]
    assert base64.b64decode(encoded[:42] + last + "=") == ROOT
    with pytest.raises(CheckpointError, match="canonical"):
        Checkpoint.parse(GOOD.replace(encoded, encoded[:42] + last + "="))


def test_checkpoint_extensions_and_limits() -> None:
    checkpoint = Checkpoint("example.com/log", 42, ROOT, ("first ext", "— second"))
    assert checkpoint.body() == GOOD + "first ext\n— second\n"
    assert Checkpoint.parse(checkpoint.body()) == checkpoint
    assert Checkpoint.parse(GOOD.replace("42", "0")).size == 0
    assert Checkpoint.parse(GOOD.replace("42", str(2**64 - 1))).size == 2**64 - 1
    # The origin need not be a URL; spaces are allowed (the sumdb origin has them).
    assert Checkpoint.parse(TLOG["tree_text"]).origin == "go.sum database tree"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "a\nb"},
        {"size": -1},
        {"size": 2**64},
        {"size": True},
        {"root_hash": b"\x00" * 31},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
    ],
)
def test_checkpoint_constructor_refuses_bad_fields(kwargs: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"origin": "example.com/log", "size": 1, "root_hash": ROOT}
    fields.update(kwargs)
    with pytest.raises(CheckpointError):
        Checkpoint(**fields)


# -- round trips with fresh keys ---------------------------------------------------------


def test_round_trip_with_a_merkle_checkpoint() -> None:
    tree = MerkleTree()
    for i in range(1000):
        tree.append(f"event {i}".encode())
    key = Ed25519PrivateKey.generate()
    checkpoint = Checkpoint("tabadol.example/log", tree.size, tree.root())
    note = sign_note(checkpoint.body(), "tabadol.example/log", key)

    opened, names = open_checkpoint(
        note, [verifier_key("tabadol.example/log", key.public_key())], origin="tabadol.example/log"
    )
    assert (opened, names) == (checkpoint, ["tabadol.example/log"])
    # A client checks an event against the verified checkpoint, not against the server.
    proof = tree.inclusion_proof(123, opened.size)
    verify_inclusion(leaf_hash(b"event 123"), 123, opened.size, proof, opened.root_hash)


def test_empty_tree_checkpoint() -> None:
    key = Ed25519PrivateKey.generate()
    body = Checkpoint("log", 0, EMPTY_ROOT).body()
    assert body == "log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    assert open_checkpoint(sign_note(body, "log", key), [("log", key.public_key())], origin="log")


def test_verifier_forms() -> None:
    key = Ed25519PrivateKey.generate()
    note = sign_note("hello\n", "k", key)
    public = key.public_key()
    expected = ("hello\n", ["k"])
    assert open_note(note, [verifier_key("k", public)]) == expected
    assert open_note(note, [("k", public)]) == expected
    assert open_note(note, {"k": public}) == expected
    assert open_note(note, [NoteVerifier.from_public_key("k", public)]) == expected
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert open_note(note, [("k", raw)]) == expected
    assert open_note(note, {"k": raw}) == expected
    with pytest.raises(TypeError, match="single string"):
        open_note(note, verifier_key("k", public))


def test_tampered_body_or_signature_fails() -> None:
    key = Ed25519PrivateKey.generate()
    note = sign_note("example.com/log\n7\n" + base64.b64encode(ROOT).decode() + "\n", "log", key)
    vkey = verifier_key("log", key.public_key())
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(note.replace("\n7\n", "\n8\n"), [vkey])
    line = note.split("\n\n")[1]
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[-1] ^= 1
    bad_line = " ".join([*line.split(" ")[:2], base64.b64encode(bytes(raw)).decode()]) + "\n"
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(note.split("\n\n")[0] + "\n\n" + bad_line, [vkey])


def test_unknown_keys_are_ignored() -> None:
    ours, theirs = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    body = "text\n"
    note = sign_note(body, "ours", ours)
    their_line = sign_note(body, "theirs", theirs).split("\n\n")[1]
    # Same name as ours but another key: a different key ID, so unknown too.
    impostor_line = sign_note(body, "ours", theirs).split("\n\n")[1]
    combined = note + their_line + impostor_line
    assert open_note(combined, [verifier_key("ours", ours.public_key())]) == (body, ["ours"])
    with pytest.raises(NoteError, match="no valid signature"):
        open_note(their_line.join(["text\n\n", ""]), [verifier_key("ours", ours.public_key())])


def test_conflicting_verifiers_are_refused() -> None:
    enoch = parse_verifier_key(ENOCH_VKEY)
    other = Ed25519PrivateKey.generate().public_key()
    impostor = NoteVerifier(enoch.name, enoch.key_id, other)
    with pytest.raises(NoteError, match="ambiguous"):
        open_note(GO["signed_note_peter_enoch"], [enoch, impostor])
    # The same key given twice is not ambiguous.
    assert open_note(GO["signed_note_peter_enoch"], [ENOCH_VKEY, ENOCH_VKEY, PETER_VKEY])


@pytest.mark.parametrize(
    "line",
    [
        "- PeterNeumann " + PETER_SIG.split(" ")[2],  # hyphen, not em dash
        "—PeterNeumann " + PETER_SIG.split(" ")[2],  # no space after the dash
        "— PeterNeumann\n",  # no signature
        "— PeterNeumann \n",  # empty signature
        "— Peter+Neumann " + PETER_SIG.split(" ")[2],  # '+' in the key name
        "—  " + PETER_SIG.split(" ")[2],  # empty key name
        "— PeterNeumann AAAAAAB=\n",  # unused bits set: not canonical base64
        "— PeterNeumann AAAAAA==\n",  # 4 bytes: a key ID and no signature
        "— PeterNeumann x08go/ZJ kuBS9UG\n",  # space inside the base64
        PETER_SIG.replace("=\n", "\n"),  # missing padding
        PETER_SIG.replace("\n", "\r\n"),  # CRLF: U+000D is a control character
    ],
)
def test_malformed_signature_lines_are_refused(line: str) -> None:
    with pytest.raises(NoteError, match="malformed"):
        open_note(TEXT + "\n" + PETER_SIG + line, [PETER_VKEY])


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("no final newline", "k"),
        ("tab\there\n", "k"),
        ("ok\n", ""),
        ("ok\n", "a b"),
        ("ok\n", "a+b"),
        ("ok\n", "a\u00a0b"),
    ],
)
def test_sign_note_refuses_bad_input(body: str, name: str) -> None:
    with pytest.raises(NoteError):
        sign_note(body, name, Ed25519PrivateKey.generate())


def test_bodies_with_blank_lines_round_trip() -> None:
    # The text may contain empty lines; the signatures follow the last one.
    key = Ed25519PrivateKey.generate()
    for body in ("a\n\nb\n", "a\n\n", "\n", "Tabadol تبادل\n"):
        assert open_note(sign_note(body, "k", key), [("k", key.public_key())]) == (body, ["k"])
