"""AccessService: the operator's API to the rights table (proto ⇄ :mod:`hub.rights`)."""

from __future__ import annotations

from typing import Any

import grpc
from tabadol.access.v1 import access_pb2 as pb
from tabadol.access.v1 import access_pb2_grpc

from hub.application.rights import AccessRightsUseCases
from hub.ledger.executor import Executor
from hub.servicers.auth import RightsCache, require_operator
from hub.servicers.convert import timestamp
from hub.servicers.errors import domain_errors_as_status

__all__ = ["AccessServicer", "grant_to_proto"]


def grant_to_proto(grant: dict[str, Any]) -> pb.AccessGrant:
    message = pb.AccessGrant(
        grant_id=grant["grant_id"],
        grantee=grant["grantee"],
        target=grant["target"],
        granted_by=grant["granted_by"],
        granted_at=timestamp(grant["granted_at"]),
        reason=grant["reason"],
        revoked_by=grant["revoked_by"],
        revoke_reason=grant["revoke_reason"],
    )
    if grant["revoked_at"] is not None:
        message.revoked_at.CopyFrom(timestamp(grant["revoked_at"]))
    return message


class AccessServicer(access_pb2_grpc.AccessServiceServicer):
    """Every method requires the operator principal; changes take effect at once here and
    within the refresh period on other replicas."""

    def __init__(self, rights: AccessRightsUseCases, cache: RightsCache, executor: Executor):
        self._rights = rights
        self._cache = cache
        self._run = executor

    async def _changed(self) -> None:
        await self._run.read(self._cache.reload)

    @domain_errors_as_status
    async def Grant(  # noqa: N802 - gRPC method name
        self, request: pb.GrantRequest, context: grpc.aio.ServicerContext
    ) -> pb.GrantResponse:
        operator = await require_operator(context)
        grant = await self._run.write(
            self._rights.grant,
            request.grantee,
            request.target,
            by=operator.name,
            reason=request.reason,
        )
        await self._changed()
        return pb.GrantResponse(grant=grant_to_proto(grant))

    @domain_errors_as_status
    async def Revoke(  # noqa: N802 - gRPC method name
        self, request: pb.RevokeRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeResponse:
        operator = await require_operator(context)
        grant = await self._run.write(
            self._rights.revoke, request.grant_id, by=operator.name, reason=request.reason
        )
        await self._changed()
        return pb.RevokeResponse(grant=grant_to_proto(grant))

    @domain_errors_as_status
    async def ListGrants(  # noqa: N802 - gRPC method name
        self, request: pb.ListGrantsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListGrantsResponse:
        await require_operator(context)
        grants, groups = await self._run.read(
            self._rights.list_grants,
            request.grantee or None,
            include_revoked=request.include_revoked,
        )
        return pb.ListGrantsResponse(
            grants=[grant_to_proto(g) for g in grants],
            groups=[pb.AccessGroup(name=n, members=m) for n, m in groups.items()],
        )

    @domain_errors_as_status
    async def DefineGroup(  # noqa: N802 - gRPC method name
        self, request: pb.DefineGroupRequest, context: grpc.aio.ServicerContext
    ) -> pb.DefineGroupResponse:
        operator = await require_operator(context)
        name, members = await self._run.write(
            self._rights.define_group,
            request.name,
            list(request.members),
            by=operator.name,
            reason=request.reason,
        )
        await self._changed()
        return pb.DefineGroupResponse(group=pb.AccessGroup(name=name, members=members))
