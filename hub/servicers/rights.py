"""AccessService: the operator's API to the rights table and to the agencies'
request-signing keys (proto ⇄ :mod:`hub.application.rights`,
:mod:`hub.application.agency_keys`)."""

from __future__ import annotations

import base64
from typing import Any

import grpc
from tabadol.access.v1 import access_pb2 as pb
from tabadol.access.v1 import access_pb2_grpc

from hub.application.agency_keys import AgencyKeysUseCases
from hub.application.rights import AccessRightsUseCases
from hub.ledger.executor import Executor
from hub.servicers.auth import Refreshed, RightsCache, require_operator
from hub.servicers.convert import timestamp
from hub.servicers.errors import domain_errors_as_status

__all__ = ["AccessServicer", "agency_key_to_proto", "grant_to_proto"]


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


def agency_key_to_proto(key: dict[str, Any]) -> pb.AgencyKey:
    message = pb.AgencyKey(
        agency=key["agency"],
        key_id=key["key_id"],
        public_key=base64.b64decode(key["public_key"]),
        registered_by=key["registered_by"],
        registered_at=timestamp(key["registered_at"]),
        reason=key["reason"],
        revoked_by=key["revoked_by"],
        revoke_reason=key["revoke_reason"],
    )
    if key["revoked_at"] is not None:
        message.revoked_at.CopyFrom(timestamp(key["revoked_at"]))
    return message


class AccessServicer(access_pb2_grpc.AccessServiceServicer):
    """Every method requires the operator principal; changes take effect at once here and
    within the refresh period on other replicas."""

    def __init__(
        self,
        rights: AccessRightsUseCases,
        cache: RightsCache,
        executor: Executor,
        agency_keys: tuple[AgencyKeysUseCases, Refreshed[Any]],
    ):
        self._rights = rights
        self._cache = cache
        self._run = executor
        self._agency_keys = agency_keys

    @domain_errors_as_status
    async def RegisterAgencyKey(  # noqa: N802 - gRPC method name
        self, request: pb.RegisterAgencyKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterAgencyKeyResponse:
        operator = await require_operator(context)
        keys, cache = self._agency_keys
        key = await self._run.write(
            keys.register,
            request.agency,
            base64.b64encode(request.public_key).decode(),
            by=operator.name,
            reason=request.reason,
            replaces=request.replaces_key_id,
        )
        await self._run.read(cache.reload)
        return pb.RegisterAgencyKeyResponse(key=agency_key_to_proto(key))

    @domain_errors_as_status
    async def RevokeAgencyKey(  # noqa: N802 - gRPC method name
        self, request: pb.RevokeAgencyKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeAgencyKeyResponse:
        operator = await require_operator(context)
        keys, cache = self._agency_keys
        key = await self._run.write(
            keys.revoke, request.key_id, by=operator.name, reason=request.reason
        )
        await self._run.read(cache.reload)
        return pb.RevokeAgencyKeyResponse(key=agency_key_to_proto(key))

    @domain_errors_as_status
    async def ListAgencyKeys(  # noqa: N802 - gRPC method name
        self, request: pb.ListAgencyKeysRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAgencyKeysResponse:
        await require_operator(context)
        keys, _ = self._agency_keys
        found = await self._run.read(
            keys.list_keys, request.agency or None, include_revoked=request.include_revoked
        )
        return pb.ListAgencyKeysResponse(keys=[agency_key_to_proto(k) for k in found])

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
