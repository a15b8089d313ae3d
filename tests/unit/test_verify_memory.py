"""verify_trail streams: its memory does not grow with the length of the trail."""

from __future__ import annotations

import tracemalloc
import uuid
from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.trail.envelope import GENESIS, Envelope, batch_message, batch_proofs, event_hash
from hub.trail.keys import PublicKeyRing, Signer
from hub.trail.verify import TrailEvent, verify_trail

TOPIC = "test.memo.noted"


def trail(
    signer: Signer, events: int, aggregates: int = 50, batch: int = 16
) -> Iterator[TrailEvent]:
    """A signed v2 trail made on the fly: ``aggregates`` long chains, batches of ``batch``."""
    chains = [[str(uuid.uuid4()), 0, GENESIS] for _ in range(aggregates)]
    position = 0
    while position < events:
        records = []
        for _ in range(min(batch, events - position)):
            chain = chains[position % aggregates]
            chain[1] += 1
            payload = b'{"n": %d}' % position
            digest = event_hash(chain[2], chain[0], chain[1], TOPIC, payload)
            records.append((chain[0], chain[1], chain[2], payload, digest))
            chain[2] = digest
            position += 1
        root, proofs = batch_proofs([r[4] for r in records])
        signature = signer.sign(batch_message(signer.key_id, len(records), root))
        for (aggregate, version, prev, payload, _), proof in zip(records, proofs, strict=True):
            state = Envelope(signer.key_id, prev, signature, payload, proof).to_bytes()
            yield TrailEvent(position, aggregate, version, TOPIC, state)


def peak_while_verifying(events: int) -> int:
    signer = Signer(Ed25519PrivateKey.generate())
    ring = PublicKeyRing.of(signer.public_key)
    tracemalloc.start()
    try:
        report = verify_trail(trail(signer, events), ring)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok and report.events == events and report.signatures == -(-events // 16)
    return peak


def test_verifying_four_times_the_events_takes_no_more_memory() -> None:
    small, large = peak_while_verifying(2_000), peak_while_verifying(8_000)
    assert large < small * 1.25 + 64_000, (small, large)
