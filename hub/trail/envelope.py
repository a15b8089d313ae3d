"""The signed event envelope: the bytes Tabadol stores for every event.

An envelope wraps the stored payload (after transcoding, compression and encryption),
so a trail verifies without the decryption key. Two versions exist; both verify.

Version 1 (one signature per aggregate per transaction)::

    "TBD1" | flags (1) | key-id length (1) | key id | prev hash (32) | [signature (64)] | payload

The event hash binds the previous event's hash, the aggregate id, version, topic and
payload; the Ed25519 signature covers ``key id ‖ event hash``. An unsigned ("chained")
envelope is covered by the next signed event of the same aggregate, whose chain includes
its hash.

Version 2 (one signature per transaction, a batch)::

    "TBD2" | flags (1) = 0 | key-id length (1) | key id | prev hash (32)
           | leaf index (u32) | batch size (u32) | path length (u8) | path (32 each)
           | signature (64) | payload

The event hashes of a transaction's events, in order, are the leaves of an RFC 9162
Merkle tree (the event hash itself is the leaf hash: its own domain prefix keeps it
apart from interior nodes). The hub signs ``key id ‖ batch size ‖ root`` once
(:func:`batch_message`); every envelope carries that signature and its inclusion path,
so each event verifies on its own (one signature, ``len(path)`` hashes), and a verifier
that reads the batch in order checks one signature and about two hashes per event
(:class:`BatchVerifier`).

An agency's attestation (either version, flag 0x02): the event was written by a call the
agency signed (:mod:`hub.trail.agency_signatures`); the signed request record sits before
the payload as ``u16 length ‖ attestation``, and the event hash covers it (so the hub's
signature binds it to the event)::

    … signature | [attestation length (u16) | attestation] | payload
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from hub.trail.encoding import length_prefixed
from hub.trail.merkle import MerkleTree

__all__ = [
    "GENESIS",
    "MAGIC",
    "MAGIC_V2",
    "BatchProof",
    "BatchVerifier",
    "Envelope",
    "EnvelopeError",
    "batch_message",
    "batch_proofs",
    "batch_root",
    "envelope_parts",
    "event_hash",
    "is_envelope",
    "plain_v2",
    "record_hash",
    "signed_message",
    "split_envelope",
]

MAGIC = b"TBD1"
MAGIC_V2 = b"TBD2"
GENESIS = bytes(32)
_SIGNED = 0x01
_ATTESTED = 0x02
_ATTESTATION_DOMAIN = b"tabadol/attestation/v1\x00"
_HASH_DOMAIN = b"tabadol/event/v1\x00"
_SIG_DOMAIN = b"tabadol/signature/v1\x00"
_BATCH_DOMAIN = b"tabadol/batch-signature/v2\x00"
_NODE = b"\x01"
_MAX_PATH = 32
_V2_PROOF = struct.Struct(">IIB")


class EnvelopeError(ValueError):
    """The stored bytes are not a well-formed Tabadol envelope."""


def event_hash(
    prev_hash: bytes,
    originator_id: UUID | str,
    version: int,
    topic: str,
    payload: bytes,
    attestation: bytes | None = None,
) -> bytes:
    """SHA-256 over the previous hash and the stored record, length-prefixed; an agency's
    attestation, when the envelope carries one, is appended under its own domain."""
    record = (
        length_prefixed(str(originator_id).encode())
        + struct.pack(">Q", version)
        + length_prefixed(topic.encode())
    )
    return record_hash(prev_hash, record, payload, attestation)


def record_hash(
    prev_hash: bytes, record: bytes, payload: bytes, attestation: bytes | None = None
) -> bytes:
    """:func:`event_hash` from the record's framed fields, ``u32 length ‖ id ‖ u64 version
    ‖ u32 length ‖ topic`` (which the log entry frames alike: a verifier builds it once)."""
    return hashlib.sha256(
        b"".join(
            (
                _HASH_DOMAIN,
                prev_hash,
                record,
                len(payload).to_bytes(4, "big"),
                payload,
                _ATTESTATION_DOMAIN + length_prefixed(attestation)
                if attestation is not None
                else b"",
            )
        )
    ).digest()


def signed_message(key_id: str, digest: bytes) -> bytes:
    """The exact bytes an Ed25519 signature covers."""
    return _SIG_DOMAIN + length_prefixed(key_id.encode()) + digest


def batch_message(key_id: str, size: int, root: bytes) -> bytes:
    """The exact bytes a version-2 (batch) signature covers."""
    return _BATCH_DOMAIN + length_prefixed(key_id.encode()) + struct.pack(">Q", size) + root


def split_envelope(data: bytes) -> tuple[bytes, bytes]:
    """``(previous hash, payload)`` of an envelope of either version, reading nothing else
    (for decoding events; verification parses the whole envelope)."""
    prev_hash, _, payload = envelope_parts(data)
    return prev_hash, payload


def envelope_parts(data: bytes) -> tuple[bytes, bytes | None, bytes]:
    """``(previous hash, attestation or None, payload)``: what the event hash covers
    besides the record's id, version and topic."""
    magic = data[:4]
    if len(data) < 6 or magic not in (MAGIC, MAGIC_V2):
        raise EnvelopeError("not a signed envelope (bad magic)")
    pos = 6 + data[5]
    prev_hash = data[pos : pos + 32]
    pos += 32
    if magic == MAGIC_V2:
        if len(data) < pos + 9:
            raise EnvelopeError("envelope is truncated")
        pos += 9 + 32 * data[pos + 8] + 64
    elif data[4] & _SIGNED:
        pos += 64
    attestation = None
    if data[4] & _ATTESTED:
        if len(data) < pos + 2:
            raise EnvelopeError("envelope is truncated")
        end = pos + 2 + int.from_bytes(data[pos : pos + 2], "big")
        attestation = data[pos + 2 : end]
        pos = end
    if len(data) < pos:
        raise EnvelopeError("envelope is truncated")
    return prev_hash, attestation, data[pos:]


PlainV2 = tuple[str, bytes, bytes, int, int, bytes, bytes]
"""(key id, previous hash, signature, leaf index, batch size, path nodes, payload)."""


def plain_v2(data: bytes) -> PlainV2 | None:
    """The fields of a well-formed version-2 envelope without flags (what the hub writes
    for an event without an agency's signature), or None for any other bytes: then
    :meth:`Envelope.from_bytes` reads them (and says what is wrong)."""
    if data[:4] != MAGIC_V2 or len(data) < 6 or data[4]:
        return None
    pos = 6 + data[5]
    if len(data) < pos + 41:
        return None
    key_id = data[6:pos]
    if not key_id.isascii():
        return None
    index, size, count = _V2_PROOF.unpack_from(data, pos + 32)
    start = pos + 41
    end = start + 32 * count
    signature = data[end : end + 64]
    if len(signature) != 64 or count > _MAX_PATH or index >= size:
        return None
    return (
        key_id.decode("ascii"),
        data[pos : pos + 32],
        signature,
        index,
        size,
        data[start:end],
        data[end + 64 :],
    )


def is_envelope(state: bytes) -> bool:
    return state[:4] in (MAGIC, MAGIC_V2)


@dataclass(frozen=True, slots=True)
class BatchProof:
    """Where a version-2 envelope's event sits in its batch's tree."""

    index: int
    size: int
    path: tuple[bytes, ...]


def batch_root(digests: Sequence[bytes]) -> bytes:
    """The root of the batch tree whose leaves are ``digests`` (event hashes)."""
    tree = MerkleTree()
    for digest in digests:
        tree.append_leaf_hash(digest)
    return tree.root()


def batch_proofs(digests: Sequence[bytes]) -> tuple[bytes, list[BatchProof]]:
    """The root of the batch tree over ``digests`` and every leaf's inclusion proof."""
    tree = MerkleTree()
    for digest in digests:
        tree.append_leaf_hash(digest)
    size = tree.size
    proofs = [BatchProof(i, size, tuple(tree.inclusion_proof(i, size))) for i in range(size)]
    return tree.root(), proofs


def fold_path(digest: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root that ``path`` leads ``digest`` to (RFC 9162 §2.1.3.2), or None when the
    path does not fit the index and size."""
    return _fold(digest, index, size, b"".join(path), None, None)


def _fold(
    digest: bytes,
    index: int,
    size: int,
    path: bytes,
    known: set[bytes] | None,
    seen: list[bytes] | None,
) -> bytes | None:
    """Fold ``path`` (its 32-byte nodes one after another) from ``digest`` upwards. With
    ``known`` (nodes of a tree already verified against its signed root), stop at the
    first computed node found there and return it; ``seen`` collects the nodes computed
    on the way."""
    if index >= size:
        return None
    sha = hashlib.sha256
    fn, sn = index, size - 1
    r = digest
    for at in range(0, len(path), 32):
        p = path[at : at + 32]
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha(_NODE + p + r).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha(_NODE + r + p).digest()
        fn >>= 1
        sn >>= 1
        if known is not None and r in known:
            if seen is not None:
                seen.append(r)
            return r
        if seen is not None:
            seen.append(r)
    if sn != 0:
        return None
    return r


class BatchVerifier:
    """Checks version-2 envelopes: one signature per batch, about two hashes per event.

    Events of one batch arrive next to each other in the log. The first event of a batch
    folds its path to the root and checks the batch signature; every later event folds
    only until it meets a node already proven, so a batch of n events costs n event
    hashes, n - 1 node hashes and one signature. An event out of its batch's run still
    verifies, by a full fold and (at worst) one more signature check.
    """

    __slots__ = ("_batch", "_known", "_verify", "signatures")

    def __init__(self, verify: Callable[[str, bytes, bytes], bool]) -> None:
        self._verify = verify
        self._batch: tuple[str, bytes, int] | None = None
        self._known: set[bytes] = set()
        self.signatures = 0
        """How many batch signatures were checked."""

    @property
    def current(self) -> tuple[str, bytes, int] | None:
        """The batch (key id, signature, size) last proven."""
        return self._batch

    def check(self, envelope: Envelope, digest: bytes) -> str:
        """ "" (the event is covered by a valid batch signature) or what is wrong."""
        proof = envelope.batch
        signature = envelope.signature
        if proof is None or signature is None:
            return "not a version-2 envelope"
        return self.check_fields(
            envelope.key_id, signature, proof.index, proof.size, b"".join(proof.path), digest
        )

    def check_fields(
        self,
        key_id: str,
        signature: bytes,
        index: int,
        size: int,
        path: bytes,
        digest: bytes,
    ) -> str:
        """:meth:`check` from a version-2 envelope's fields (a verifier that parses them
        itself); ``path`` is the envelope's path nodes as stored, one after another."""
        key = (key_id, signature, size)
        if key == self._batch:
            if digest in self._known:
                return "the same event hash appears twice in one batch"
            seen: list[bytes] = [digest]
            top = _fold(digest, index, size, path, self._known, seen)
            if top is None or top not in self._known:
                return "batch proof does not lead to the signed root: the record was altered"
            self._known.update(seen)
            return ""
        seen = [digest]
        root = _fold(digest, index, size, path, None, seen)  # the nodes proven with the root
        if root is None:
            return f"batch proof does not fit leaf {index} of {size}"
        self.signatures += 1
        if not self._verify(key_id, signature, batch_message(key_id, size, root)):
            return f"bad signature (key {key_id}): the record was altered"
        self._batch = key
        self._known = set(seen)
        return ""


@dataclass(frozen=True, slots=True)
class Envelope:
    key_id: str
    prev_hash: bytes
    signature: bytes | None
    payload: bytes
    batch: BatchProof | None = None
    """Version 2: the event's place in its batch's tree (the signature is the batch's)."""
    attestation: bytes | None = None
    """The agency's signed request that wrote the event (``tabadol/agency-request/v1``)."""

    @property
    def version(self) -> int:
        return 2 if self.batch is not None else 1

    def to_bytes(self) -> bytes:
        kid = self.key_id.encode()
        attested = b""
        if self.attestation is not None:
            if len(self.attestation) > 0xFFFF:
                raise EnvelopeError("an attestation is at most 65535 bytes")
            attested = len(self.attestation).to_bytes(2, "big") + self.attestation
        marks = _ATTESTED if self.attestation is not None else 0
        if self.batch is not None:
            if self.signature is None or len(self.batch.path) > _MAX_PATH:
                raise EnvelopeError("a version-2 envelope needs a signature and a short path")
            return b"".join(
                (
                    MAGIC_V2,
                    bytes((marks, len(kid))),
                    kid,
                    self.prev_hash,
                    struct.pack(">IIB", self.batch.index, self.batch.size, len(self.batch.path)),
                    *self.batch.path,
                    self.signature,
                    attested,
                    self.payload,
                )
            )
        flags = (_SIGNED if self.signature is not None else 0) | marks
        return b"".join(
            (
                MAGIC,
                bytes((flags, len(kid))),
                kid,
                self.prev_hash,
                self.signature or b"",
                attested,
                self.payload,
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        magic = data[:4]
        if magic not in (MAGIC, MAGIC_V2) or len(data) < 6:
            raise EnvelopeError("not a signed envelope (bad magic)")
        flags, kid_len = data[4], data[5]
        if flags & ~((_SIGNED if magic == MAGIC else 0) | _ATTESTED):
            raise EnvelopeError(f"unknown envelope flags {flags:#x}")
        pos = 6 + kid_len
        try:
            key_id = data[6:pos].decode("ascii")
        except UnicodeDecodeError as exc:
            raise EnvelopeError("key id is not ASCII") from exc
        prev_hash = data[pos : pos + 32]
        pos += 32
        if len(prev_hash) != 32:
            raise EnvelopeError("envelope is truncated")
        if magic == MAGIC_V2:
            head = data[pos : pos + 9]
            if len(head) != 9:
                raise EnvelopeError("envelope is truncated")
            index, size, count = struct.unpack(">IIB", head)
            pos += 9
            end = pos + 32 * count
            path = tuple(data[i : i + 32] for i in range(pos, end, 32))
            batch_signature = data[end : end + 64]
            if len(batch_signature) != 64:
                raise EnvelopeError("envelope is truncated")
            if count > _MAX_PATH or index >= size:
                raise EnvelopeError(f"batch proof out of range (leaf {index} of {size})")
            proof = BatchProof(index, size, path)
            attestation, rest = _attestation(data, end + 64, flags)
            return cls(key_id, prev_hash, batch_signature, rest, proof, attestation)
        signature = None
        if flags & _SIGNED:
            signature = data[pos : pos + 64]
            pos += 64
            if len(signature) != 64:
                raise EnvelopeError("envelope is truncated")
        attestation, rest = _attestation(data, pos, flags)
        return cls(key_id, prev_hash, signature, rest, None, attestation)

    @property
    def signed(self) -> bool:
        return self.signature is not None


def _attestation(data: bytes, pos: int, flags: int) -> tuple[bytes | None, bytes]:
    """The attestation at ``pos`` (when flagged) and the payload after it."""
    if not flags & _ATTESTED:
        return None, data[pos:]
    head = data[pos : pos + 2]
    if len(head) != 2:
        raise EnvelopeError("envelope is truncated")
    end = pos + 2 + int.from_bytes(head, "big")
    if len(data) < end:
        raise EnvelopeError("envelope is truncated (attestation)")
    return data[pos + 2 : end], data[end:]
