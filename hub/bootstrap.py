"""The composition root: settings in, a running application and gRPC server out."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Unpack

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from starlette.routing import BaseRoute, Mount
from tabadol.access.v1 import access_pb2, access_pb2_grpc

from aggregates.access import RightsTable
from aggregates.principals import HUB_CODE
from connectors import civil_registry, deeds_registry, identity, postal_code, treasury
from connectors._resilience import ConnectOptions
from connectors.errors import ConnectorError
from hub.application.agency_keys import AgencyKeysUseCases
from hub.application.counters import Counters
from hub.application.exchanges import (
    CaseExchanges,
    ExchangeClients,
    PerAgency,
    ReconcileReport,
)
from hub.application.hub import TabadolHub
from hub.application.participants import (
    DeedsRepresentation,
    IdentityVerifier,
    IntrospectingVerifier,
    RepresentationChecker,
    TokenlessDevVerifier,
)
from hub.application.rights import AccessRightsUseCases
from hub.audit.anchors import anchor_store_for
from hub.audit.checkpoints import (
    AuditLog,
    CheckpointCallback,
    checkpoint_store_for,
    run_checkpointer,
)
from hub.audit.timestamping import Timestamper
from hub.audit.witnessing import WitnessSender, parse_witnesses
from hub.config import ConfigError, Settings
from hub.ledger.availability import Availability, StoreProbe
from hub.ledger.executor import Executor
from hub.ledger.leadership import Leadership, SchemaLock
from hub.ledger.replays import GuardUnavailable, ReplayStore
from hub.ledger.stores import store_env
from hub.servicers import (
    audit,
    catalogue,
    consultation,
    counters,
    monitoring,
    petition,
    programme,
    servicedesk,
)
from hub.servicers.audit import SERVICE_NAME as AUDIT_SERVICE
from hub.servicers.auth import (
    CallsInFlight,
    RateLimiter,
    Refreshed,
    RefusalCounter,
    RefusalPacer,
    RightsCache,
    TrustInterceptor,
)
from hub.servicers.crl import refresh_crl_forever
from hub.servicers.edge import Edge, Registrar
from hub.servicers.health import follow_health
from hub.servicers.idempotency import IdempotentCalls
from hub.servicers.monitoring import SERVICE_NAME as MONITORING_SERVICE
from hub.servicers.observe import ObservingInterceptor
from hub.servicers.opmon import opmon_registrar
from hub.servicers.rights import AccessServicer
from hub.servicers.signatures import RequestSignatures
from hub.streams.projector import EmbeddedProjections, ProjectionOptions
from hub.streams.relay import NatsOptions
from hub.streams.supervision import supervise_projections
from hub.telemetry import metrics
from hub.telemetry.health import Health
from hub.telemetry.opmon import OpmonStore
from hub.telemetry.tracing import Tracing, start_tracing
from hub.trail.agency_signatures import AgencyKeyRing
from hub.trail.keys import load_signer
from hub.trail.pseudonyms import load_pseudonym_key
from hub.trail.revocation import CrlFetchFailed, RevocationList
from hub.web.app import create_http_app
from hub.web.server import HttpServer
from hub.web.tiles import AuditLogTiles, tile_routes
from projections.monitoring import MonitoringViews

log = structlog.get_logger("tabadol")

HUB_AGENCY = HUB_CODE  # the agency code the hub calls other systems under
"""The agency code the hub uses when it calls on its own behalf (e.g. token introspection)."""

__all__ = [
    "SERVICES",
    "Running",
    "build_hub",
    "configure_participation",
    "connect_identity_verifier",
    "connect_representation",
    "create_server",
    "nats_options",
    "projection_options",
    "start_http",
    "supervise_embedded",
    "tracing",
    "when_leading",
]

SERVICES: tuple[Registrar, ...] = (
    catalogue.register,
    catalogue.register_permits,
    servicedesk.register,
    counters.register,
    consultation.register,
    petition.register,
    audit.register,
    monitoring.register,
    programme.register,
)
"""Every gRPC service of the hub, registered the same way (health and reflection follow)."""


def connect_clients(
    targets: Mapping[str, str], **options: Unpack[ConnectOptions]
) -> ExchangeClients:
    """The hub's ports to the five systems at ``targets`` (system name → ``host:port``),
    one client per calling agency, with the connectors' ``options`` (deadline, retries,
    circuit breaker). No I/O happens until a call."""
    return ExchangeClients(
        civil_registry=PerAgency(
            lambda agency: civil_registry.connect(
                targets["civil-registry"], agency=agency, **options
            )
        ),
        deeds_registry=PerAgency(
            lambda agency: deeds_registry.connect(
                targets["deeds-registry"], agency=agency, **options
            )
        ),
        postal_code=PerAgency(
            lambda agency: postal_code.connect(targets["postal-code"], agency=agency, **options)
        ),
        identity=PerAgency(
            lambda agency: identity.connect(targets["identity"], agency=agency, **options)
        ),
        treasury=PerAgency(
            lambda agency: treasury.connect(targets["treasury"], agency=agency, **options)
        ),
        failure=ConnectorError,
    )


def build_hub(settings: Settings) -> TabadolHub:
    """The application on the configured store, signing with the configured key."""
    signer = load_signer(settings.signing_key)
    if settings.event_store.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    if settings.insecure_dev_auth:  # development only: the identity "token" is the national code
        configure_participation(hub, settings, TokenlessDevVerifier())
    return hub


async def open_hub(settings: Settings) -> TabadolHub:
    """:func:`build_hub`, with every table the hub keeps in a shared store created: the
    event store's, the checkpoints and their anchors, the replay guard's and (on
    PostgreSQL) the operational records. Replicas starting together on a fresh database
    create them one after the other (:class:`SchemaLock`); the lock is released when they
    exist, so what start-up does next (catching the views up, connecting, the first CRL
    fetch) never keeps another replica waiting for it."""
    schema = SchemaLock(settings.eventsourcing_env())
    await schema.hold()
    try:
        hub = await asyncio.to_thread(build_hub, settings)
        try:
            await asyncio.to_thread(_create_tables, hub, settings)
        except BaseException:
            hub.close()
            raise
    finally:
        schema.release()
    return hub


def _create_tables(hub: TabadolHub, settings: Settings) -> None:
    """The hub's own tables beside the events (inside the schema lock: see open_hub)."""
    checkpoint_store_for(hub.recorder)
    anchor_store_for(hub.recorder)
    replays = ReplayStore.open(settings.eventsourcing_env())
    if replays is not None:
        replays.close()
    if settings.opmon_store.startswith(("postgresql:", "postgres:")):  # maybe another database
        with SchemaLock(store_env(settings.opmon_store)):
            OpmonStore(settings.opmon_store)


# 003: the Ministry of Science's calls stay open at least 30 calendar days.
PARTICIPATION_POLICY = {"MSRT": 30}


def configure_participation(
    hub: TabadolHub,
    settings: Settings,
    verifier: IdentityVerifier,
    *,
    now: Callable[[], datetime] | None = None,
    representation: RepresentationChecker | None = None,
) -> None:
    """E-participation's identity verifier, pseudonym key, agency policies (the defaults
    until the operator configures the hierarchy through the API) and the deeds registry
    that confirms legal persons' representatives. Who may change routing and policies is
    no setting: the operator principal only, as for access rights.

    The tokenless development verifier (anyone may act as anyone) is refused with a
    :class:`ConfigError` unless TABADOL_INSECURE_DEV_AUTH=1."""
    if isinstance(verifier, TokenlessDevVerifier) and not settings.insecure_dev_auth:
        raise ConfigError(
            "TABADOL_INSECURE_DEV_AUTH: the tokenless e-participation verifier (the national"
            " code taken as the identity token, so anyone can act as anyone) is for development"
            " only; set TABADOL_IDENTITY_URL to check identity tokens with the national"
            " window's identity provider, or TABADOL_INSECURE_DEV_AUTH=1 on a development"
            " machine"
        )
    hub.configure_participation(
        verifier=verifier,
        pseudonym_key=load_pseudonym_key(settings.pseudonym_key, create=True),
        minimum_days=PARTICIPATION_POLICY,
        now=now,
        representation=representation,
    )


async def connect_representation(
    settings: Settings,
) -> tuple[RepresentationChecker, Callable[[], Awaitable[None]]] | None:
    """The deeds registry as e-participation's check of legal persons' representatives
    (with the coroutine that closes its client), or None when it is not configured."""
    if not settings.deeds_registry_url:
        return None
    client = await deeds_registry.connect(
        settings.deeds_registry_url, agency=HUB_AGENCY, credentials=outbound_credentials(settings)
    )
    checker = DeedsRepresentation(client, failure=ConnectorError)
    return checker, client.close


async def connect_identity_verifier(
    settings: Settings,
) -> tuple[IdentityVerifier, Callable[[], Awaitable[None]]] | None:
    """The national window's identity provider as e-participation's verifier (with the
    coroutine that closes its client), or None when TABADOL_IDENTITY_URL is not set."""
    if not settings.identity_url:
        return None
    from connectors import identity
    from connectors.errors import ConnectorError

    client = await identity.connect(
        settings.identity_url, agency=HUB_AGENCY, credentials=outbound_credentials(settings)
    )
    verifier = IntrospectingVerifier(client, failure=ConnectorError)
    return verifier, client.close


def projection_options(settings: Settings) -> ProjectionOptions:
    """Where the monitoring views live, and the hub's pseudonym key."""
    return ProjectionOptions(read_models=settings.read_models, pseudonym_key=settings.pseudonym_key)


def nats_options(settings: Settings) -> NatsOptions:
    """The JetStream streams and subjects of the relay, the workers and the window."""
    return NatsOptions(
        stream=settings.nats_stream,
        subject_prefix=settings.nats_subject_prefix,
        window_stream=settings.nats_window_stream,
        window_prefix=settings.nats_window_prefix,
    )


@dataclass
class Running:
    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    executor: Executor
    services: tuple[str, ...] = field(default=())
    exchanges: CaseExchanges | None = None
    reconciling: asyncio.Task[ReconcileReport] | None = None
    audit_log: AuditLog | None = None
    checkpointer: asyncio.Task[None] | None = None
    stop_checkpointer: asyncio.Event = field(default_factory=asyncio.Event)
    readiness: Health = field(default_factory=Health)
    http: HttpServer | None = None
    witnessing: WitnessSender | None = None
    timestamping: Timestamper | None = None
    anchoring: list[asyncio.Task[None]] = field(default_factory=list)
    background: list[asyncio.Task[None]] = field(default_factory=list)
    stop_background: asyncio.Event = field(default_factory=asyncio.Event)
    leadership: Leadership | None = None
    """Whether this process leads the replicas on one store (checkpoints, relay,
    reconciliation run on the leader only)."""

    rights: AccessRightsUseCases | None = None
    rights_cache: RightsCache | None = None
    refusals: RefusalCounter | None = None
    agency_keys: AgencyKeysUseCases | None = None
    agency_keys_cache: Refreshed[AgencyKeyRing] | None = None
    tracing: Tracing | None = None
    """OpenTelemetry's interceptors and provider (TABADOL_OTEL=1), else None."""
    pacer: RefusalPacer | None = None
    """Paces each principal's refusals (None with TABADOL_REFUSAL_RATE=0)."""
    in_flight: CallsInFlight | None = None
    """Bounds each principal's admitted calls at once (None with TABADOL_PRINCIPAL_CALLS=0)."""
    replays: ReplayStore | None = None
    """Nonces and idempotency outcomes every replica shares (None on an in-memory store)."""
    crl: RevocationList | None = None
    """The CRL in force (TABADOL_TLS_CRL or TABADOL_CRL_URL), refreshed in the background."""

    async def reload_crl(self) -> None:
        """Refresh the CRL now, not at the next tick (tests, after ``tabadol pki revoke``)."""
        if self.crl is not None:
            await asyncio.to_thread(self.crl.refresh)

    async def flush_refusals(self) -> None:
        """Write the refusals counted so far as a signed summary now (tests, shutdown)."""
        if self.refusals is not None and self.rights is not None:
            await self.refusals.flush(_summary_writer(self.executor, self.rights))

    async def stop(self, grace: float = 2.0) -> None:
        """A graceful stop: NOT_SERVING, no new calls, the calls in flight and the writes
        queued finish (``grace`` seconds at most), then one last checkpoint is signed."""
        await self.health.enter_graceful_shutdown()
        if self.reconciling is not None:
            self.reconciling.cancel()
        await self.server.stop(grace)
        await self.flush_refusals()  # before the last checkpoint, so it covers the summary
        await asyncio.to_thread(self.executor.close)  # the queued writes are done
        self.stop_checkpointer.set()
        if self.checkpointer is not None:
            await self.checkpointer
        for task in self.anchoring:
            await task
        if self.exchanges is not None:
            await self.exchanges.close()
        self.stop_background.set()
        await asyncio.gather(*self.background, return_exceptions=True)
        if self.http is not None:
            await self.http.stop()
        if self.tracing is not None:  # the last spans are exported
            await asyncio.to_thread(self.tracing.shutdown)
        if self.replays is not None:
            self.replays.close()


def outbound_credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    """mTLS to other agencies' systems with the hub's own certificate (004 art. 13), trusting
    the configured CA; None in development mode (plaintext)."""
    if not settings.mtls:
        return None
    assert settings.tls_cert and settings.tls_key and settings.tls_client_ca
    return grpc.ssl_channel_credentials(
        root_certificates=settings.tls_client_ca.read_bytes(),
        private_key=settings.tls_key.read_bytes(),
        certificate_chain=settings.tls_cert.read_bytes(),
    )


def tracing(settings: Settings) -> Tracing | None:
    """OpenTelemetry traces of gRPC in and out when TABADOL_OTEL=1; else None, and nothing
    of OpenTelemetry is imported."""
    if not settings.otel:
        return None
    try:
        return start_tracing()
    except ImportError as error:
        raise ConfigError(
            f"TABADOL_OTEL=1 needs OpenTelemetry ({error.name} is missing):"
            " pip install 'tabadol[otel]'"
        ) from None


def rights_in_force(
    rights: AccessRightsUseCases, delegations: Counters
) -> Callable[[], RightsTable]:
    """The rights table with each delegation to a counter in force as the ``code:`` grant it
    implies (what the counter may do on a case is then its level's, :mod:`hub.application.counters`)."""

    def load() -> RightsTable:
        table = rights.table()
        return replace(table, grants=(*table.grants, *delegations.code_grants()))

    return load


def _summary_writer(executor: Executor, rights: AccessRightsUseCases) -> Any:
    async def write(start: str, end: str, counts: dict[tuple[str, str, str], int]) -> None:
        await executor.write(
            rights.record_refusals, replica="hub", window_start=start, window_end=end, counts=counts
        )

    return write


def check_pseudonym_settings(settings: Settings) -> None:
    """A hub on PostgreSQL (replicas share the store) must be given the one pseudonym key
    every replica uses; it never makes its own, or one person would get one pseudonym per
    replica (and vote once per replica)."""
    if settings.event_store.startswith(("postgresql:", "postgres:")) and not (
        settings.pseudonym_key.exists()
    ):
        raise ConfigError(
            f"TABADOL_PSEUDONYM_KEY: no pseudonym key at {settings.pseudonym_key}; a hub on"
            " PostgreSQL needs the key every replica shares (at least 32 random bytes, base64),"
            " e.g.  head -c 32 /dev/urandom | base64 > pseudonym.key  and the same file on"
            " every replica and projection worker"
        )


def check_auth_settings(settings: Settings) -> None:
    """Refuse to serve without mTLS unless development mode is asked for explicitly."""
    if settings.mtls or settings.insecure_dev_auth:
        return
    raise ConfigError(
        "no TLS settings: the hub serves only mutual TLS. Make development certificates with\n"
        "  tabadol pki init && tabadol pki issue hub && tabadol pki issue MOJ\n"
        "then set TABADOL_TLS_CERT=<data>/pki/hub-tabadol.crt TABADOL_TLS_KEY=<data>/pki/hub-tabadol.key\n"
        "TABADOL_TLS_CLIENT_CA=<data>/pki/ca.crt TABADOL_TLS_CRL=<data>/pki/crl.pem; or, on a\n"
        "development machine only, TABADOL_INSECURE_DEV_AUTH=1 (identity from a header)"
    )


async def _reconcile_when_leading(
    leadership: Leadership, exchanges: CaseExchanges
) -> ReconcileReport:
    await leadership.wait()
    metrics.leader_duty_started("reconciliation")
    log.info("reconciling payments: this process leads")
    return await exchanges.reconcile_payments()


async def _first(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def _end_term(leadership: Leadership, stop: asyncio.Event, term: asyncio.Event) -> None:
    await _first(leadership.wait_lost(), stop.wait())
    term.set()


async def when_leading(
    leadership: Leadership | None,
    stop: asyncio.Event,
    start: Callable[[asyncio.Event], Awaitable[None]],
    *,
    duty: str = "relay",
) -> None:
    """Run ``start(term)`` only while this process leads (the relay, in ``serve``), until
    ``stop``: started when it becomes the leader, asked to end (``term`` set) when it no
    longer leads (another replica took the lock), started again if it leads again. None:
    no leadership to wait for, run until ``stop``."""
    if leadership is None:
        await start(stop)
        return
    while not stop.is_set():
        await _first(leadership.wait(), stop.wait())
        if stop.is_set():
            return
        term = asyncio.Event()
        ending = asyncio.ensure_future(_end_term(leadership, stop, term))
        metrics.leader_duty_started(duty)
        log.info("leader duty started", duty=duty)
        try:
            await start(term)
        finally:
            ending.cancel()
        if not term.is_set():  # it ended by itself: nothing to start again
            return
        if not stop.is_set():
            log.warning("leader duty stopped: this process no longer leads", duty=duty)


def _credentials(settings: Settings) -> grpc.ServerCredentials | None:
    if not settings.mtls:
        return None
    assert settings.tls_cert and settings.tls_key and settings.tls_client_ca
    return grpc.ssl_server_credentials(
        [(settings.tls_key.read_bytes(), settings.tls_cert.read_bytes())],
        root_certificates=settings.tls_client_ca.read_bytes(),
        require_client_auth=True,
    )


async def create_server(
    hub: TabadolHub,
    settings: Settings,
    *,
    address: str | None = None,
    clients: ExchangeClients | None = None,
    views: MonitoringViews | None = None,
    extra: Sequence[Registrar] = (),
    on_checkpoint: Sequence[CheckpointCallback] = (),
) -> Running:
    """Build and start the hub's gRPC server: the one place servers and clients are wired
    (``tabadol serve``, the demo, the integration tests and the benchmarks all call it).

    ``clients`` replaces the connector clients the settings name (tests wrap or fake
    them); ``views`` adds MonitoringService; ``address`` overrides TABADOL_LISTEN (port 0
    in tests: read ``Running.port``). With TABADOL_OTEL=1 the server and the clients it
    connects itself (not given ``clients``) are traced. Also starts the checkpointer
    (signed Merkle tree heads over the log) and, with exchanges, reconciles payments left
    without an outcome.
    """
    check_auth_settings(settings)
    traced = tracing(settings)
    if settings.insecure_dev_auth:
        log.warning(
            "INSECURE DEVELOPMENT MODE: callers name themselves in the x-tabadol-agency header"
            " and e-participation takes the national code as its identity token;"
            " never run this in production (unset TABADOL_INSECURE_DEV_AUTH, set TABADOL_TLS_*)"
        )
    availability = Availability()
    executor = Executor(hub, availability=availability)
    audit_log = await asyncio.to_thread(AuditLog.open, hub, settings)
    rights = AccessRightsUseCases(hub)
    if settings.access_rights is not None:
        seeded = await executor.write(
            rights.seed, settings.access_rights, by=f"seed:{hub.signer.key_id}"
        )
        log.info(
            "rights table seeded" if seeded else "rights table exists: seed file ignored",
            file=str(settings.access_rights),
        )
    rights_cache = RightsCache(rights_in_force(rights, hub.counters))
    if not rights_cache.table.grants:
        log.warning(
            "no access grants: every call but health and reflection is refused;"
            " grant with `tabadol access grant PRINCIPAL TARGET --reason …`"
        )
    refusals = RefusalCounter(window_seconds=settings.refusal_window)
    agency_keys = AgencyKeysUseCases(hub)
    if await executor.write(
        agency_keys.record_requirement,
        settings.require_agency_signatures,
        by=f"config:{hub.signer.key_id}",
    ):
        log.info(
            "agency signature requirement recorded in the trail",
            agencies=sorted(settings.require_agency_signatures),
        )
    agency_keys_cache = Refreshed(agency_keys.ring)
    agency_keys_cache.what = "agency key registry"
    replays = await asyncio.to_thread(ReplayStore.open, settings.eventsourcing_env())
    signatures = (
        RequestSignatures(
            settings.require_agency_signatures,
            lambda: agency_keys_cache.value,
            window_seconds=settings.agency_signature_window,
            replays=replays,
        )
        if settings.require_agency_signatures
        else None
    )
    if signatures is not None:
        log.info(
            "agencies must sign their requests",
            agencies=sorted(signatures.required),
            keys=len(agency_keys_cache.value.keys),
        )
    crl_source = settings.crl_url or settings.tls_crl
    crl = (
        RevocationList(crl_source, settings.tls_client_ca, tolerance=settings.crl_tolerance)
        if crl_source and settings.tls_client_ca
        else None
    )
    if crl is not None and crl.is_url:  # the first fetch before serving; retried if it fails
        with contextlib.suppress(CrlFetchFailed):
            await asyncio.to_thread(crl.refresh)
    opmon = OpmonStore(settings.opmon_store, retention_days=settings.opmon_retention_days)
    pacer = RefusalPacer(settings.refusal_rate) if settings.refusal_rate else None
    in_flight = CallsInFlight(settings.principal_calls) if settings.principal_calls else None
    server = grpc.aio.server(
        interceptors=[
            *([traced.server_interceptor] if traced else []),  # outermost: spans cover all
            ObservingInterceptor(opmon=opmon, annotate=traced.annotate if traced else None),
            TrustInterceptor(
                mtls=settings.mtls,
                rights=rights_cache,
                refusals=refusals,
                limiter=RateLimiter(settings.rate_limit, settings.rate_burst),
                pacer=pacer,
                in_flight=in_flight,
                crl=crl,
                signatures=signatures,
                idempotency=IdempotentCalls(store=replays),
            ),
        ],
        # One connection's calls in flight are bounded by HTTP/2 (SETTINGS_MAX_CONCURRENT_
        # STREAMS): the client's transport queues the rest, so a flood waits in the flooder.
        # gRPC's overload protection would instead reset streams over the limit, which the
        # client sees as UNAVAILABLE (measured: benchmarks/RESULTS.md, refusal floods).
        options=[
            ("grpc.so_reuseport", 0),
            ("grpc.max_concurrent_streams", settings.max_streams),
            ("grpc.http.overload_protection", 0),
        ],
    )
    access_pb2_grpc.add_AccessServiceServicer_to_server(
        AccessServicer(rights, rights_cache, executor, (agency_keys, agency_keys_cache)), server
    )
    targets = settings.exchange_targets
    if clients is None and targets:
        clients = connect_clients(
            targets,
            credentials=outbound_credentials(settings),
            interceptors=traced.client_interceptors if traced else (),
        )
    exchanges = (
        CaseExchanges(hub.exchange_records, executor, clients, opmon=opmon) if clients else None
    )
    if exchanges is None:
        log.warning(
            "no TABADOL_*_URL of other agencies' systems: exchange RPCs answer UNIMPLEMENTED"
        )
    edge = Edge(hub, executor, audit_log, exchanges, views, rights_cache)
    services = (
        access_pb2.DESCRIPTOR.services_by_name["AccessService"].full_name,
        *(
            name
            for register in (
                *SERVICES,
                opmon_registrar(opmon, delay_hours=settings.opmon_open_data_delay_hours),
                *extra,
            )
            if (name := register(server, edge)) is not None
        ),
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (
            *services,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    address = address or settings.listen
    credentials = _credentials(settings)
    port = (
        server.add_secure_port(address, credentials)
        if credentials
        else server.add_insecure_port(address)
    )
    await server.start()
    readiness = Health()
    await follow_health(readiness, health_servicer, services)
    availability.listeners.append(lambda reason: readiness.report("store", reason))
    stop_background = asyncio.Event()
    probe = StoreProbe(settings.eventsourcing_env(), timeout=settings.store_timeout / 2)
    background = [
        asyncio.create_task(
            availability.watch(probe, stop_background, interval=settings.store_timeout / 2),
            name="tabadol-store-probe",
        ),
        asyncio.create_task(rights_cache.refresh_forever(stop_background), name="tabadol-rights"),
        asyncio.create_task(
            agency_keys_cache.refresh_forever(stop_background), name="tabadol-agency-keys"
        ),
        asyncio.create_task(
            refusals.flush_forever(_summary_writer(executor, rights), stop_background),
            name="tabadol-refusal-summaries",
        ),
        asyncio.create_task(opmon.run(stop_background), name="tabadol-opmon"),
    ]
    if replays is not None:
        background.append(
            asyncio.create_task(
                _expire_replays(
                    replays, stop_background, min(60.0, settings.agency_signature_window)
                ),
                name="tabadol-replay-expiry",
            )
        )
    if crl is not None:
        background.append(
            asyncio.create_task(
                refresh_crl_forever(
                    crl,
                    stop_background,
                    every=settings.crl_refresh,
                    report=lambda problem: readiness.report("crl", problem),
                ),
                name="tabadol-crl",
            )
        )
    leadership = Leadership(settings.eventsourcing_env())
    background.append(asyncio.create_task(leadership.run(stop_background), name="tabadol-leader"))
    # A crash between a payment and its recording is repaired from the treasury, by key
    # (by the leader only, when several processes share the store).
    reconciling = (
        asyncio.create_task(
            _reconcile_when_leading(leadership, exchanges), name="tabadol-reconcile"
        )
        if exchanges
        else None
    )
    stop_checkpointer = asyncio.Event()
    audit_service = (AUDIT_SERVICE,)
    checkpointer = asyncio.create_task(
        run_checkpointer(
            audit_log,
            hub.signer,
            settings,
            stop_checkpointer,
            on_checkpoint=on_checkpoint,
            report=lambda problem: readiness.report("checkpoints", problem, affects=audit_service),
            final=True,
            leading=lambda: leadership.leading,
        ),
        name="tabadol-checkpointer",
    )
    witnessing, timestamping = anchoring(audit_log, settings)
    return Running(
        server,
        port,
        health_servicer,
        executor,
        services,
        exchanges,
        reconciling,
        audit_log=audit_log,
        checkpointer=checkpointer,
        stop_checkpointer=stop_checkpointer,
        readiness=readiness,
        witnessing=witnessing,
        timestamping=timestamping,
        anchoring=[
            asyncio.create_task(task.run(stop_checkpointer), name=f"tabadol-{name}")
            for name, task in (("witnessing", witnessing), ("timestamping", timestamping))
            if task is not None
        ],
        background=background,
        stop_background=stop_background,
        rights=rights,
        rights_cache=rights_cache,
        refusals=refusals,
        pacer=pacer,
        in_flight=in_flight,
        leadership=leadership,
        agency_keys=agency_keys,
        agency_keys_cache=agency_keys_cache,
        tracing=traced,
        replays=replays,
        crl=crl,
    )


async def _expire_replays(replays: ReplayStore, stop: asyncio.Event, interval: float) -> None:
    """Delete the replay guard's expired nonces and outcomes every ``interval`` s."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(replays.expire)
        except GuardUnavailable as error:  # the next round tries again
            log.warning("replay guard not expired", error=str(error)[:200])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def anchoring(
    audit_log: AuditLog, settings: Settings
) -> tuple[WitnessSender | None, Timestamper | None]:
    """The background senders of checkpoints to witnesses (TABADOL_WITNESSES) and to a
    time-stamping authority (TABADOL_TSA_URL); None for what is not configured."""
    if not settings.witnesses and not settings.tsa_url:
        return None, None
    anchors = anchor_store_for(audit_log.recorder)
    witnessing = None
    if settings.witnesses:
        endpoints = parse_witnesses(
            json.dumps([{"url": url, "key": key} for url, key in settings.witnesses])
        )
        witnessing = WitnessSender(audit_log, anchors, endpoints)

        def witnessed(name: str, outcome: str, seconds: float) -> None:
            assert witnessing is not None
            size = witnessing.status[name].cosigned_size
            metrics.observe_witness(name, outcome, seconds, size)

        witnessing.on_result = witnessed
    timestamping = None
    if settings.tsa_url:
        from connectors.tsa.client import TsaClient
        from hub.trail.timestamps import load_tsa_roots

        timestamping = Timestamper(
            audit_log.store,
            anchors,
            TsaClient(settings.tsa_url),
            roots=load_tsa_roots(settings.tsa_roots),
        )

        def stamped(outcome: str, seconds: float) -> None:
            assert timestamping is not None
            metrics.observe_timestamp(outcome, seconds, timestamping.status.backlog)

        timestamping.on_result = stamped
    else:
        log.info("no TABADOL_TSA_URL: checkpoints carry only the hub's own time")
    return witnessing, timestamping


async def start_http(
    running: Running,
    settings: Settings,
    *,
    address: str | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> HttpServer | None:
    """Serve the HTTP port (TABADOL_HTTP_LISTEN; ``address`` overrides it) on this loop,
    stopped with ``running``; None when it is off.

    The log is served under ``/log`` as C2SP tlog-tiles (:mod:`hub.web.tiles`).
    """
    address = address or settings.http_listen
    if address is None:
        return None
    routes: list[BaseRoute] = list(extra_routes)
    if running.audit_log is not None:
        routes.append(Mount("/log", routes=tile_routes(AuditLogTiles(running.audit_log))))
    app = create_http_app(health=running.readiness, extra_routes=routes)
    http = HttpServer(app, address)
    await http.start()
    running.http = http
    return http


def supervise_embedded(running: Running, embedded: EmbeddedProjections, settings: Settings) -> None:
    """Restart the embedded projections when they stop and report their lag and health
    (TABADOL_PROJECTION_STUCK_SECONDS), until ``running`` stops."""
    running.background.append(
        asyncio.create_task(
            supervise_projections(
                embedded,
                running.readiness,
                running.stop_background,
                stuck_after=settings.projection_stuck_seconds,
                affects=(MONITORING_SERVICE,),
                store_down=lambda: running.executor.availability.reason is not None,
            ),
            name="tabadol-projections",
        )
    )
