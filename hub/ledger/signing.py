"""The signed ledger: an eventsourcing application whose every event is signed and chained.

``SigningEventStore.put`` wraps each stored payload in an :class:`~hub.trail.envelope.Envelope`
that carries the hash of the aggregate's previous event. Version 2 (the default): the
transaction's event hashes form a small Merkle tree whose root is signed once with
Ed25519, and every envelope carries that signature and its path. Version 1 (still
readable and verifiable): the last event of each aggregate in a transaction is signed.
Snapshots do not pass through this store: they are derived data, outside the trail.

Group commit: :meth:`LedgerApplication.run_group` runs several commands on the writer
thread with ``save`` deferred, then records all their events in one transaction (one
signature). Inside the group, ``repository.get`` sees the aggregates the group's earlier
commands saved, so commands on one aggregate keep their order without conflicting. When
the group's transaction fails (a version conflict with another writer, a uniqueness
violation a command expects to see), every command of the group is run again alone, so
only the conflicting one gets the error (or retries, as its use case does).

An agency's signed request (its attestation, :mod:`hub.trail.agency_signatures`) travels
with the call in a context variable (:func:`attested`): the gRPC edge sets it, the
executor runs each command in the context of the call that queued it, and every event the
command saves carries the attestation in its envelope, covered by the event hash.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent, Repository
from eventsourcing.domain import BaseAggregate, CollectEventsProtocol, DomainEventProtocol
from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    Mapper,
    Notification,
    Recording,
    StoredEvent,
)
from eventsourcing.utils import EnvType

from hub.trail.envelope import (
    GENESIS,
    Envelope,
    batch_message,
    batch_proofs,
    envelope_parts,
    event_hash,
    is_envelope,
    signed_message,
)
from hub.trail.keys import Signer

__all__ = [
    "ChainHeads",
    "Failed",
    "LedgerApplication",
    "Outcome",
    "SigningEventStore",
    "SigningMapper",
    "Succeeded",
    "attested",
    "current_attestation",
]

_R = TypeVar("_R")

_attestation: contextvars.ContextVar[bytes | None] = contextvars.ContextVar(
    "tabadol_attestation", default=None
)
_marks: contextvars.ContextVar[dict[int, bytes] | None] = contextvars.ContextVar(
    "tabadol_attestation_marks", default=None
)
"""Inside a group commit's transaction: the attestation of each event (by ``id``)."""


def current_attestation() -> bytes | None:
    """The agency's attestation of the call being served, if it signed one."""
    return _attestation.get()


@contextlib.contextmanager
def attested(attestation: bytes | None) -> Iterator[None]:
    """Events saved inside (in this context) carry ``attestation`` in their envelopes."""
    token = _attestation.set(attestation)
    try:
        yield
    finally:
        _attestation.reset(token)


_Parts = tuple[bytes, str, bytes, bytes | None]


class ChainHeads:
    """A bounded cache of chain heads by (aggregate id, version).

    Replaying an aggregate remembers each event's parts; the hash is computed only when a
    head is needed, i.e. for the one event a command's new event links to.
    """

    def __init__(self, maxsize: int = 100_000) -> None:
        self._heads: OrderedDict[tuple[UUID | str, int], bytes | _Parts] = OrderedDict()
        self._maxsize = maxsize

    def get(self, originator_id: UUID | str, version: int) -> bytes | None:
        head = self._heads.get((originator_id, version))
        if head is None or isinstance(head, bytes):
            return head
        prev_hash, topic, payload, attestation = head
        digest = event_hash(prev_hash, originator_id, version, topic, payload, attestation)
        self._heads[(originator_id, version)] = digest
        return digest

    def put(self, originator_id: UUID | str, version: int, digest: bytes) -> None:
        self._remember((originator_id, version), digest)

    def put_parts(
        self,
        originator_id: UUID | str,
        version: int,
        prev_hash: bytes,
        topic: str,
        payload: bytes,
        attestation: bytes | None = None,
    ) -> None:
        self._remember((originator_id, version), (prev_hash, topic, payload, attestation))

    def _remember(self, key: tuple[UUID | str, int], head: bytes | _Parts) -> None:
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
            prev_hash, attestation, payload = envelope_parts(state)
            if self.heads is not None:
                self.heads.put_parts(
                    stored_event.originator_id,
                    stored_event.originator_version,
                    prev_hash,
                    stored_event.topic,
                    payload,
                    attestation,
                )
            stored_event = StoredEvent(
                stored_event.originator_id,
                stored_event.originator_version,
                stored_event.topic,
                payload,
            )
        return super().to_domain_event(stored_event)


class SigningEventStore(EventStore[UUID]):
    """Maps, chains and signs a transaction's events, then records them in one insert."""

    def __init__(
        self,
        mapper: Mapper[UUID],
        recorder: AggregateRecorder,
        signer: Signer,
        heads: ChainHeads,
        envelope_version: int = 2,
    ) -> None:
        super().__init__(mapper, recorder)
        self.signer = signer
        self.heads = heads
        if envelope_version not in (1, 2):
            raise ValueError(f"unknown envelope version {envelope_version}")
        self.envelope_version = envelope_version

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
            envelope.prev_hash,
            stored.originator_id,
            version - 1,
            stored.topic,
            envelope.payload,
            envelope.attestation,
        )

    def put(
        self, domain_events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any
    ) -> list[Recording[UUID]]:
        plain = [self.mapper.to_stored_event(e) for e in domain_events]
        marks = _marks.get()
        if marks is None:
            attestations = [_attestation.get()] * len(plain)
        else:
            attestations = [marks.get(id(e)) for e in domain_events]
        hashes: dict[UUID | str, bytes] = {}
        prevs: list[bytes] = []
        new_heads: list[tuple[UUID | str, int, bytes]] = []
        for s, attestation in zip(plain, attestations, strict=True):
            prev = hashes.get(s.originator_id) or self._previous_hash(
                s.originator_id, s.originator_version
            )
            digest = event_hash(
                prev, s.originator_id, s.originator_version, s.topic, s.state, attestation
            )
            hashes[s.originator_id] = digest
            prevs.append(prev)
            new_heads.append((s.originator_id, s.originator_version, digest))
        key_id = self.signer.key_id
        digests = [h[2] for h in new_heads]
        if self.envelope_version == 2:
            envelopes = self._batch_envelopes(key_id, plain, prevs, digests, attestations)
        else:
            envelopes = self._chain_envelopes(key_id, plain, prevs, digests, attestations)
        sealed = [
            StoredEvent(s.originator_id, s.originator_version, s.topic, state)
            for s, state in zip(plain, envelopes, strict=True)
        ]
        notification_ids = self.recorder.insert_events(sealed, **kwargs)
        for head in new_heads:  # only after the transaction committed
            self.heads.put(*head)
        if not notification_ids:
            return []
        return [
            Recording(d, Notification(s.originator_id, s.originator_version, s.topic, s.state, n))
            for d, s, n in zip(domain_events, sealed, notification_ids, strict=True)
        ]

    def _batch_envelopes(
        self,
        key_id: str,
        plain: list[StoredEvent],
        prevs: list[bytes],
        digests: list[bytes],
        attestations: list[bytes | None],
    ) -> list[bytes]:
        """Version 2: one signature over the root of the transaction's event hashes."""
        if not plain:
            return []
        root, proofs = batch_proofs(digests)
        signature = self.signer.sign(batch_message(key_id, len(digests), root))
        return [
            Envelope(key_id, prev, signature, s.state, proof, attestation).to_bytes()
            for s, prev, proof, attestation in zip(plain, prevs, proofs, attestations, strict=True)
        ]

    def _chain_envelopes(
        self,
        key_id: str,
        plain: list[StoredEvent],
        prevs: list[bytes],
        digests: list[bytes],
        attestations: list[bytes | None],
    ) -> list[bytes]:
        """Version 1: the last event of each aggregate signed, the chain covering the rest."""
        last_index = {s.originator_id: i for i, s in enumerate(plain)}
        return [
            Envelope(
                key_id,
                prev,
                self.signer.sign(signed_message(key_id, digest))
                if last_index[s.originator_id] == i
                else None,
                s.state,
                attestation=attestation,
            ).to_bytes()
            for i, (s, prev, digest, attestation) in enumerate(
                zip(plain, prevs, digests, attestations, strict=True)
            )
        ]


# -- group commit -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Succeeded(Generic[_R]):
    value: _R


@dataclass(frozen=True, slots=True)
class Failed:
    error: BaseException


Outcome = Succeeded[Any] | Failed


@dataclass
class _Group:
    """The commands of one group commit: their deferred events and saved aggregates."""

    committed: ProcessingEvent[UUID] = field(default_factory=ProcessingEvent)
    current: ProcessingEvent[UUID] = field(default_factory=ProcessingEvent)
    marks: dict[int, bytes] = field(default_factory=dict)
    """The attestation of each event of an accepted command (by ``id``)."""
    current_marks: dict[int, bytes] = field(default_factory=dict)

    def collect(self, objs: Sequence[Any], kwargs: dict[str, Any]) -> None:
        current = self.current
        first = len(current.events)
        for obj in objs:
            if obj is None:
                continue
            if isinstance(obj, BaseAggregate):  # what commands save, without the protocol checks
                current.events.extend(obj.collect_events())
                current.aggregates[obj.id] = obj
                continue
            if isinstance(obj, DomainEventProtocol):
                current.events.append(obj)
                continue
            if isinstance(obj, CollectEventsProtocol):
                current.events.extend(obj.collect_events())
            current.aggregates[obj.id] = obj
        current.saved_kwargs.update(kwargs)
        attestation = _attestation.get()
        if attestation is not None:
            for event in current.events[first:]:
                self.current_marks[id(event)] = attestation

    def find(self, aggregate_id: UUID) -> Any:
        found = self.current.aggregates.get(aggregate_id)
        if found is None:
            found = self.committed.aggregates.get(aggregate_id)
        return found

    def accept(self) -> bool:
        """The current command succeeded: keep what it saved. True if it saved events."""
        current, self.current = self.current, ProcessingEvent()
        self.marks.update(self.current_marks)
        self.current_marks = {}
        self.committed.events.extend(current.events)
        self.committed.aggregates.update(current.aggregates)
        self.committed.saved_kwargs.update(current.saved_kwargs)
        return bool(current.events)

    def discard(self) -> None:
        self.current = ProcessingEvent()
        self.current_marks = {}


class _GroupRepository(Repository[UUID]):
    """A repository that, inside a group commit, returns what the group already saved."""

    group_of: Callable[[], _Group | None] = staticmethod(lambda: None)

    def get(self, aggregate_id: UUID, *, version: int | None = None, **kwargs: Any) -> Any:
        group = self.group_of()
        if group is not None and version is None:
            pending = group.find(aggregate_id)
            if pending is not None:
                return deepcopy(pending)
        kwargs.setdefault("projector_func", _project)
        return super().get(aggregate_id, version=version, **kwargs)


def _project(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's ``project_aggregate`` without its per-event ``isinstance`` against a
    runtime protocol (~5 % of the writer's time went to those checks, by py-spy)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LedgerApplication(Application[UUID]):
    """An eventsourcing application whose event store signs and chains every event.

    The repository caches aggregates (``AGGREGATE_CACHE_MAXSIZE``, default 10,000) and
    fast-forwards a cached aggregate from the store before each use, so replicas sharing
    one PostgreSQL stay correct; a command replays only the events it has not seen.
    Set ``ENVELOPE_VERSION=1`` to write the older envelope format.
    """

    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "10000"}

    def __init__(self, signer: Signer, env: EnvType | None = None) -> None:
        self.signer = signer
        self.chain_heads = ChainHeads()
        self._groups = threading.local()
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
        version = int(self.env.get("ENVELOPE_VERSION", "2"))
        return SigningEventStore(
            self.mapper, self.recorder, self.signer, self.chain_heads, envelope_version=version
        )

    def construct_repository(self) -> Repository[UUID]:
        plain = super().construct_repository()
        repository = _GroupRepository(
            event_store=plain.event_store,
            snapshot_store=plain.snapshot_store,
            fastforward=plain.fastforward,
            fastforward_skipping=plain.fastforward_skipping,
            deepcopy_from_cache=plain.deepcopy_from_cache,
        )
        repository.cache = plain.cache
        repository.group_of = self._group
        return repository

    def _group(self) -> _Group | None:
        group: _Group | None = getattr(self._groups, "group", None)
        return group

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Record the aggregates' new events in one transaction; inside a group commit,
        defer them to the group's transaction (and return no recordings)."""
        group = self._group()
        if group is None:
            return super().save(*objs, **kwargs)
        group.collect(objs, kwargs)
        return []

    def run_group(self, commands: Sequence[Callable[[], Any]]) -> list[Outcome]:
        """Run ``commands`` in order and record all their events in one transaction.

        Each command's outcome is its own: an error fails only that command. When the
        group's transaction fails, each command runs again alone, in order.
        """
        if len(commands) == 1:
            return [_run_alone(commands[0])]
        group = _Group()
        outcomes: list[Outcome] = []
        self._groups.group = group
        try:
            for command in commands:
                try:
                    value = command()
                except Exception as error:
                    group.discard()
                    outcomes.append(Failed(error))
                else:
                    group.accept()
                    outcomes.append(Succeeded(value))
        finally:
            self._groups.group = None
        batch = group.committed
        if not batch.events:
            return outcomes
        token = _marks.set(group.marks)
        try:
            recordings = self._record(batch)
        except Exception:
            recordings = None
        finally:
            _marks.reset(token)
        if recordings is None:
            # Which command conflicted is not known: run each alone, as if never grouped.
            return [_run_alone(command) for command in commands]
        self._take_snapshots(batch)
        self._notify(recordings)
        self.notify(batch.events)
        return outcomes


def _run_alone(command: Callable[[], Any]) -> Outcome:
    try:
        return Succeeded(command())
    except Exception as error:
        return Failed(error)
