"""The signed ledger: an eventsourcing application whose every event is signed and chained.

``SigningEventStore.put`` wraps each stored payload in an :class:`~hub.trail.envelope.Envelope`
that carries the hash of the aggregate's previous event; within one transaction the last
event of each aggregate is signed with Ed25519 (the chain covers the events before it).
Snapshots do not pass through this store: they are derived data, outside the trail.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    Mapper,
    Notification,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import EnvType

from hub.trail.envelope import GENESIS, Envelope, event_hash, is_envelope, signed_message
from hub.trail.keys import Signer

__all__ = ["ChainHeads", "LedgerApplication", "SigningEventStore", "SigningMapper"]


class ChainHeads:
    """A bounded cache of chain heads by (aggregate id, version).

    Replaying an aggregate remembers each event's parts; the hash is computed only when a
    head is needed, i.e. for the one event a command's new event links to.
    """

    def __init__(self, maxsize: int = 100_000) -> None:
        self._heads: OrderedDict[tuple[UUID | str, int], bytes | tuple[bytes, str, bytes]] = (
            OrderedDict()
        )
        self._maxsize = maxsize

    def get(self, originator_id: UUID | str, version: int) -> bytes | None:
        head = self._heads.get((originator_id, version))
        if head is None or isinstance(head, bytes):
            return head
        prev_hash, topic, payload = head
        digest = event_hash(prev_hash, originator_id, version, topic, payload)
        self._heads[(originator_id, version)] = digest
        return digest

    def put(self, originator_id: UUID | str, version: int, digest: bytes) -> None:
        self._remember((originator_id, version), digest)

    def put_parts(
        self, originator_id: UUID | str, version: int, prev_hash: bytes, topic: str, payload: bytes
    ) -> None:
        self._remember((originator_id, version), (prev_hash, topic, payload))

    def _remember(
        self, key: tuple[UUID | str, int], head: bytes | tuple[bytes, str, bytes]
    ) -> None:
        self._heads[key] = head
        self._heads.move_to_end(key)
        while len(self._heads) > self._maxsize:
            self._heads.popitem(last=False)


class SigningMapper(Mapper[UUID]):
    """Strips the envelope when reading, and remembers each event's hash as a chain head."""

    heads: ChainHeads | None = None

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        state = stored_event.state
        if is_envelope(state):
            envelope = Envelope.from_bytes(state)
            if self.heads is not None:
                self.heads.put_parts(
                    stored_event.originator_id,
                    stored_event.originator_version,
                    envelope.prev_hash,
                    stored_event.topic,
                    envelope.payload,
                )
            stored_event = StoredEvent(
                stored_event.originator_id,
                stored_event.originator_version,
                stored_event.topic,
                envelope.payload,
            )
        return super().to_domain_event(stored_event)


class SigningEventStore(EventStore[UUID]):
    """Maps, chains and signs a transaction's events, then records them in one insert."""

    def __init__(
        self, mapper: Mapper[UUID], recorder: AggregateRecorder, signer: Signer, heads: ChainHeads
    ) -> None:
        super().__init__(mapper, recorder)
        self.signer = signer
        self.heads = heads

    def _previous_hash(self, originator_id: UUID | str, version: int) -> bytes:
        if version == 1:
            return GENESIS
        cached = self.heads.get(originator_id, version - 1)
        if cached is not None:
            return cached
        previous = self.recorder.select_events(originator_id, lte=version - 1, desc=True, limit=1)
        if not previous or previous[0].originator_version != version - 1:
            # The version check in the store will refuse this write; chain to nothing.
            return GENESIS
        stored = previous[0]
        envelope = Envelope.from_bytes(stored.state)
        return event_hash(
            envelope.prev_hash, stored.originator_id, version - 1, stored.topic, envelope.payload
        )

    def put(
        self, domain_events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any
    ) -> list[Recording[UUID]]:
        plain = [self.mapper.to_stored_event(e) for e in domain_events]
        last_index = {s.originator_id: i for i, s in enumerate(plain)}
        hashes: dict[UUID | str, bytes] = {}
        sealed: list[StoredEvent] = []
        new_heads: list[tuple[UUID | str, int, bytes]] = []
        for i, s in enumerate(plain):
            prev = hashes.get(s.originator_id) or self._previous_hash(
                s.originator_id, s.originator_version
            )
            digest = event_hash(prev, s.originator_id, s.originator_version, s.topic, s.state)
            hashes[s.originator_id] = digest
            new_heads.append((s.originator_id, s.originator_version, digest))
            key_id = self.signer.key_id
            signature = (
                self.signer.sign(signed_message(key_id, digest))
                if last_index[s.originator_id] == i
                else None
            )
            state = Envelope(key_id, prev, signature, s.state).to_bytes()
            sealed.append(StoredEvent(s.originator_id, s.originator_version, s.topic, state))
        notification_ids = self.recorder.insert_events(sealed, **kwargs)
        for head in new_heads:  # only after the transaction committed
            self.heads.put(*head)
        if not notification_ids:
            return []
        return [
            Recording(d, Notification(s.originator_id, s.originator_version, s.topic, s.state, n))
            for d, s, n in zip(domain_events, sealed, notification_ids, strict=True)
        ]


class LedgerApplication(Application[UUID]):
    """An eventsourcing application whose event store signs and chains every event."""

    def __init__(self, signer: Signer, env: EnvType | None = None) -> None:
        self.signer = signer
        self.chain_heads = ChainHeads()
        super().__init__(env)

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = SigningMapper(
            transcoder=self.construct_transcoder(),
            compressor=self.factory.compressor(),
            cipher=self.factory.cipher(),
        )
        mapper.heads = self.chain_heads
        return mapper

    def construct_event_store(self) -> EventStore[UUID]:
        return SigningEventStore(self.mapper, self.recorder, self.signer, self.chain_heads)
