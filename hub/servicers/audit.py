"""AuditService: proto ⇄ the audit log (checkpoints, proofs, the trail)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

import grpc
from tabadol.audit.v1 import audit_pb2 as pb
from tabadol.audit.v1 import audit_pb2_grpc

from aggregates.errors import DomainError, InvalidInput
from hub.audit.checkpoints import (
    AuditLog,
    Inclusion,
    LoggedEvent,
    LogInconsistent,
    StoredCheckpoint,
    SubjectKind,
)
from hub.ledger.executor import Executor
from hub.servicers.convert import timestamp
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status, status_for
from hub.trail.encoding import parse_utc

__all__ = ["AuditServicer", "register"]

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["AuditService"].full_name
_PAGE = 500


def checkpoint_to_proto(checkpoint: StoredCheckpoint) -> pb.SignedCheckpoint:
    return pb.SignedCheckpoint(
        note=checkpoint.note,
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        key_id=checkpoint.key_id,
        signed_at=timestamp(parse_utc(checkpoint.signed_at)),
        last_position=checkpoint.last_position,
    )


def event_to_proto(logged: LoggedEvent) -> pb.LoggedEvent:
    e = logged.event
    return pb.LoggedEvent(
        position=e.position,
        log_index=logged.log_index,
        aggregate_id=e.aggregate_id,
        version=e.version,
        topic=e.topic,
        state=e.state,
    )


_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])


def _rewritten_log_as_data_loss(method: _F) -> _F:
    """A store that no longer matches its signed checkpoints is DATA_LOSS, said plainly."""

    @wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except LogInconsistent as error:
            await context.abort(grpc.StatusCode.DATA_LOSS, str(error))

    return wrapper  # type: ignore[return-value]


def _subject(request: pb.GetInclusionProofRequest) -> tuple[str, SubjectKind]:
    """The subject's text and the name of the request field that holds it."""
    which = request.WhichOneof("subject")
    if which is None:
        raise InvalidInput.field("subject", "give an event_id, a position or a tracking_code")
    kind: SubjectKind = which
    return str(getattr(request, which)), kind


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, log: AuditLog, executor: Executor) -> None:
        self._log = log
        self._run = executor

    @_rewritten_log_as_data_loss
    @domain_errors_as_status
    async def GetLatestCheckpoint(  # noqa: N802 - gRPC method name
        self, request: pb.GetLatestCheckpointRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetLatestCheckpointResponse:
        checkpoint = await self._run.read(self._log.checkpoint)
        return pb.GetLatestCheckpointResponse(checkpoint=checkpoint_to_proto(checkpoint))

    @_rewritten_log_as_data_loss
    @domain_errors_as_status
    async def GetInclusionProof(  # noqa: N802
        self, request: pb.GetInclusionProofRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetInclusionProofResponse:
        subject, kind = _subject(request)
        inclusion = await self._run.read(self._prove, subject, kind, request.tree_size)
        return pb.GetInclusionProofResponse(
            checkpoint=checkpoint_to_proto(inclusion.checkpoint),
            inclusions=[
                pb.EventInclusion(event=event_to_proto(e), audit_path=proof)
                for e, proof in inclusion.proofs
            ],
        )

    def _prove(self, subject: str, kind: SubjectKind, tree_size: int) -> Inclusion:
        events = self._log.select(subject, kind=kind)
        checkpoint = self._log.checkpoint(tree_size)
        if kind == "tracking_code":  # a case: the events the checkpoint covers
            covered = [e for e in events if e.log_index < checkpoint.tree_size]
            events = covered or events[:1]  # none covered: let inclusion() say so
        return self._log.inclusion(events, checkpoint.tree_size)

    @_rewritten_log_as_data_loss
    @domain_errors_as_status
    async def GetConsistencyProof(  # noqa: N802
        self, request: pb.GetConsistencyProofRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetConsistencyProofResponse:
        found = await self._run.read(self._log.consistency, request.old_size, request.new_size)
        response = pb.GetConsistencyProofResponse(
            old_size=found.old_size, new_size=found.new_size, proof=found.proof
        )
        if found.new_checkpoint is not None:
            response.new_checkpoint.CopyFrom(checkpoint_to_proto(found.new_checkpoint))
        if found.old_checkpoint is not None:
            response.old_checkpoint.CopyFrom(checkpoint_to_proto(found.old_checkpoint))
        return response

    async def ExportTrail(  # noqa: N802
        self, request: pb.ExportTrailRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ExportTrailResponse]:
        # A streaming handler cannot use domain_errors_as_status (it awaits a result).
        start = max(1, request.from_position)
        while True:
            try:
                page = await self._run.read(self._log.export, start, _PAGE)
            except DomainError as error:
                await context.abort_with_status(status_for(error))
                return
            except LogInconsistent as error:
                await context.abort(grpc.StatusCode.DATA_LOSS, str(error))
                return
            for logged in page:
                yield pb.ExportTrailResponse(event=event_to_proto(logged))
            if len(page) < _PAGE:
                return
            start = page[-1].event.position + 1


def register(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: AuditService over the edge's audit log."""
    audit_pb2_grpc.add_AuditServiceServicer_to_server(
        AuditServicer(edge.audit_log, edge.executor), server
    )
    return SERVICE_NAME
