"""CounterService: proto ⇄ :mod:`hub.application.counters` (004 art. 14)."""

from __future__ import annotations

import grpc
from tabadol.counters.v1 import counters_pb2 as pb
from tabadol.counters.v1 import counters_pb2_grpc

from aggregates.counters import AccessLevel, CounterKind, CounterOffice, Delegation
from aggregates.principals import PrincipalKind, is_operator
from hub.application.errors import AccessDenied
from hub.application.hub import TabadolHub
from hub.ledger.executor import Executor
from hub.servicers.auth import RightsCache, current_agency, current_principal
from hub.servicers.convert import enum_from_proto, enum_to_proto, timestamp
from hub.servicers.edge import Edge
from hub.servicers.errors import domain_errors_as_status
from hub.servicers.servicedesk import case_to_proto, content_free
from projections.counter_directory import CounterEntry

__all__ = ["CounterServicer", "counter_to_proto", "delegation_to_proto", "register"]


def counter_to_proto(office: CounterOffice) -> pb.Counter:
    return pb.Counter(
        code=office.code,
        name=office.name,
        kind=enum_to_proto(pb.CounterKind, "COUNTER_KIND_", office.kind),
        province=office.province.value,
        province_fa=office.province.title_fa,
        county=office.county,
        address=office.address,
        postal_code=office.postal_code,
        registered_by=office.registered_by,
        registered_at=timestamp(office.registered_at),
    )


def delegation_to_proto(delegation: Delegation) -> pb.Delegation:
    grant = delegation.grant
    message = pb.Delegation(
        delegation_id=delegation.delegation_id,
        agency=delegation.agency,
        counter=delegation.counter,
        service_code=delegation.service_code,
        level=enum_to_proto(pb.AccessLevel, "ACCESS_LEVEL_", delegation.level),
        take_payment=delegation.take_payment,
        delegated_by=grant.granted_by,
        delegated_at=timestamp(grant.granted_at),
        reason=grant.reason,
        revoked_by=grant.revoked_by,
        revoke_reason=grant.revoke_reason,
    )
    if grant.revoked_at is not None:
        message.revoked_at.CopyFrom(timestamp(grant.revoked_at))
    return message


def _listing(entry: CounterEntry, titles: dict[str, str]) -> pb.CounterListing:
    return pb.CounterListing(
        counter=pb.Counter(
            code=entry.code,
            name=entry.name,
            kind=enum_to_proto(pb.CounterKind, "COUNTER_KIND_", CounterKind(entry.kind)),
            province=entry.province,
            province_fa=entry.province_fa,
            county=entry.county,
            address=entry.address,
            postal_code=entry.postal_code,
        ),
        services=[
            pb.DelegatedService(
                agency=s.agency,
                service_code=s.service_code,
                title_fa=titles.get(s.service_code, ""),
                level=enum_to_proto(pb.AccessLevel, "ACCESS_LEVEL_", AccessLevel(s.level)),
                take_payment=s.take_payment,
            )
            for s in entry.services
        ],
    )


def register(server: grpc.aio.Server, edge: Edge) -> str:
    """A :data:`~hub.servicers.edge.Registrar`: CounterService."""
    counters_pb2_grpc.add_CounterServiceServicer_to_server(
        CounterServicer(edge.hub, edge.executor, edge.rights), server
    )
    return str(pb.DESCRIPTOR.services_by_name["CounterService"].full_name)


class CounterServicer(counters_pb2_grpc.CounterServiceServicer):
    """Thin: who may do what is the use cases' (:mod:`hub.application.counters`); a change
    of delegations reloads the rights in force here at once (other replicas within their
    refresh period)."""

    def __init__(self, hub: TabadolHub, executor: Executor, rights: RightsCache | None) -> None:
        self._hub = hub
        self._counters = hub.counters
        self._run = executor
        self._rights = rights

    async def _changed(self) -> None:
        if self._rights is not None:
            await self._run.read(self._rights.reload)

    @domain_errors_as_status
    async def RegisterCounter(  # noqa: N802 - gRPC method name
        self, request: pb.RegisterCounterRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterCounterResponse:
        kind = enum_from_proto(CounterKind, pb.CounterKind, "COUNTER_KIND_", request.kind, "kind")
        office = await self._run.write(
            self._counters.register_counter,
            request.code,
            by=current_agency(),
            name=request.name,
            kind=kind.value,
            province=request.province,
            county=request.county,
            address=request.address,
            postal_code=request.postal_code,
        )
        return pb.RegisterCounterResponse(counter=counter_to_proto(office))

    @domain_errors_as_status
    async def Delegate(  # noqa: N802 - gRPC method name
        self, request: pb.DelegateRequest, context: grpc.aio.ServicerContext
    ) -> pb.DelegateResponse:
        level = enum_from_proto(
            AccessLevel, pb.AccessLevel, "ACCESS_LEVEL_", request.level, "level"
        )
        delegation = await self._run.write(
            self._counters.delegate,
            request.counter,
            request.service_code,
            level=level.value,
            take_payment=request.take_payment,
            by=current_agency(),
            reason=request.reason,
        )
        await self._changed()
        return pb.DelegateResponse(delegation=delegation_to_proto(delegation))

    @domain_errors_as_status
    async def RevokeDelegation(  # noqa: N802 - gRPC method name
        self, request: pb.RevokeDelegationRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeDelegationResponse:
        delegation = await self._run.write(
            self._counters.revoke, request.delegation_id, by=current_agency(), reason=request.reason
        )
        await self._changed()
        return pb.RevokeDelegationResponse(delegation=delegation_to_proto(delegation))

    @domain_errors_as_status
    async def ListDelegations(  # noqa: N802 - gRPC method name
        self, request: pb.ListDelegationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDelegationsResponse:
        principal = current_principal()
        agency, counter = None, request.counter or None
        if principal.kind is PrincipalKind.AGENCY:
            agency = principal.code
        elif principal.kind is PrincipalKind.COUNTER:
            if counter and counter.removeprefix("counter:").upper() != principal.code:
                raise AccessDenied(f"{principal.name} may list only its own delegations")
            counter = principal.code
        elif not is_operator(principal):
            raise AccessDenied(f"{principal.name} may not list delegations")
        found = await self._run.read(
            self._counters.list_delegations,
            agency=agency,
            counter=counter,
            include_revoked=request.include_revoked,
        )
        return pb.ListDelegationsResponse(delegations=[delegation_to_proto(d) for d in found])

    @domain_errors_as_status
    async def ListCounterCases(  # noqa: N802 - gRPC method name
        self, request: pb.ListCounterCasesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCounterCasesResponse:
        """Supervision (004 art. 14 n3): the delegating agency reads every case the counter
        opened for it, in full. The operator, who names the agency, sees what happened when
        and no content (as the national window does): running the hub does not make it a
        party to the agencies' cases."""
        principal = current_principal()
        if principal.kind is PrincipalKind.AGENCY:
            if request.agency and request.agency.strip().upper() != principal.code:
                raise AccessDenied(f"{principal.name} supervises only its own cases")
            agency = principal.code
        elif is_operator(principal) and request.agency.strip():
            agency = request.agency.strip().upper()
        elif is_operator(principal):
            raise AccessDenied("the operator names the agency whose cases to list (agency)")
        else:
            raise AccessDenied(
                f"{principal.name} may not supervise counters: the delegating agency does"
            )
        page = await self._run.read(
            self._hub.cases.counter_cases,
            agency,
            request.counter,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        cases = [case_to_proto(c) for c in page.cases]
        if principal.kind is not PrincipalKind.AGENCY:  # the operator
            cases = [content_free(case) for case in cases]
        return pb.ListCounterCasesResponse(cases=cases, next_page_token=page.next_page_token)

    @domain_errors_as_status
    async def ListCounters(  # noqa: N802 - gRPC method name
        self, request: pb.ListCountersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCountersResponse:
        """Public: anyone, identified or not (004 art. 14 n1-n2)."""
        entries, titles = await self._run.read(
            self._counters.public_list, request.province or None, request.agency or None
        )
        return pb.ListCountersResponse(counters=[_listing(e, titles) for e in entries])
