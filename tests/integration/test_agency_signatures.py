"""Agencies sign what they ask (004 art. 13): the client library against a hub that
requires MOJ's signatures under mTLS. An accepted call's events carry MOJ's signed request
beside the hub's signature and ``audit verify`` checks both; a missing, wrong-key, altered,
stale, replayed or revoked signature is UNAUTHENTICATED and writes nothing; a forged
agency signature in an exported trail is named."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from prometheus_client import REGISTRY
from tabadol.access.v1 import access_pb2 as acc
from tabadol.access.v1 import access_pb2_grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat

from hub.application.hub import TabadolHub
from hub.audit import verification
from hub.audit.bundles import build_bundle
from hub.audit.checkpoints import Checkpointer
from hub.audit.export import export_trail, open_recorder, read_trail
from hub.audit.verification import verify_source
from hub.bootstrap import create_server
from hub.client import AgencyClient, AlreadyExists, ClientTls, RequestSigner, Unauthenticated
from hub.client.rpcs import REGISTER_SERVICE_RECORD
from hub.config import store_env
from hub.ledger.executor import Executor
from hub.ledger.signing import attested
from hub.servicers.convert import spec_from_proto
from hub.testing import TrustedHub, start_trusted_hub, trusted_settings
from hub.trail.agency_signatures import REQUIREMENT_TOPIC, AgencyKeyRing, Attestation
from hub.trail.bundle import verify_bundle
from hub.trail.envelope import BatchProof, Envelope, batch_message, event_hash
from hub.trail.keys import PublicKeyRing, Signer, load_history, load_signer
from hub.trail.verify import verify_trail
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

CATALOGUE = "tabadol.catalogue.v1.CatalogueService"


@pytest.fixture
async def hub(tmp_path: Path, store_url: str) -> AsyncIterator[TrustedHub]:
    """A hub requiring MOJ's signatures, on SQLite and on PostgreSQL."""
    live = await start_trusted_hub(
        tmp_path,
        store_url,
        TABADOL_REQUIRE_AGENCY_SIGNATURES="MOJ",
        TABADOL_AGENCY_SIGNATURE_WINDOW_SECONDS="60",
    )
    await live.grant("agency:MOJ", f"service:{CATALOGUE}")
    try:
        yield live
    finally:
        await live.close()


async def _register_key(live: TrustedHub, key: Ed25519PrivateKey, agency: str = "MOJ") -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    registered = await live.running.executor.write(
        live.running.agency_keys.register,
        agency,
        base64.b64encode(raw).decode(),
        by="test-operator",
        reason="MOJ's signing key",
    )
    await live.running.executor.read(live.running.agency_keys_cache.reload)
    return str(registered["key_id"])


def _client(live: TrustedHub, signer: RequestSigner | None) -> AgencyClient:
    issued = live.pki.certificate("agency:MOJ")
    tls = ClientTls(live.pki.ca, issued.cert, issued.key)
    return AgencyClient(live.target, "MOJ", signer=signer, tls=tls, retries=0)


def _request(service_code: str = SERVICE_CODE) -> cat.RegisterServiceRecordRequest:
    return cat.RegisterServiceRecordRequest(service_code=service_code, spec=spec_proto())


def _stored(live: TrustedHub) -> int:
    return open_recorder(live.settings.event_store).max_notification_id() or 0


async def test_a_signed_call_is_accepted_and_its_events_carry_the_signature(
    hub: TrustedHub, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    key_id = await _register_key(hub, key)
    sized = {"service": CATALOGUE, "method": "RegisterServiceRecord"}
    before = REGISTRY.get_sample_value("tabadol_rpc_request_bytes_sum", sized) or 0.0
    async with _client(hub, RequestSigner("MOJ", key)) as client:
        await client.call(REGISTER_SERVICE_RECORD, _request())
    # the signed request's size is measured (the interceptor sees the message, not the pair)
    after = REGISTRY.get_sample_value("tabadol_rpc_request_bytes_sum", sized) or 0.0
    assert after - before == _request().ByteSize()
    attested = [
        Envelope.from_bytes(e.state).attestation
        for e in read_trail(hub.settings.event_store)
        if e.topic.startswith("tabadol.service_record.")
    ]
    assert attested and all(a is not None for a in attested)
    signed = Attestation.from_bytes(attested[0] or b"")
    assert (signed.agency, signed.key_id) == ("MOJ", key_id)
    assert signed.method == REGISTER_SERVICE_RECORD.method
    # The events written by the operator (grants, keys) carry no agency signature.
    assert any(
        Envelope.from_bytes(e.state).attestation is None
        for e in read_trail(hub.settings.event_store)
    )

    ring = PublicKeyRing.load(hub.settings.public_keys)
    agency_keys = hub.running.agency_keys.ring()
    ok, lines = verify_source(
        hub.settings.event_store, ring, allow_unanchored=True, agency_keys=agency_keys
    )
    assert ok, lines
    assert any("agency signatures: 1 signed requests verified (MOJ 1)" in line for line in lines)
    ok, lines = verify_source(hub.settings.event_store, ring, allow_unanchored=True)
    assert ok and any("NOT CHECKED" in line for line in lines), lines
    # an evidence bundle of the event carries MOJ's signature too
    event = next(
        e
        for e in read_trail(hub.settings.event_store)
        if e.topic.startswith("tabadol.service_record.")
    )
    await asyncio.to_thread(Checkpointer(hub.running.audit_log, hub.hub.signer).sign)
    bundle = build_bundle(
        hub.running.audit_log, event.event_id, load_history(hub.settings.public_keys)
    )
    checked = verify_bundle(bundle.to_json().encode(), ring, agency_keys=agency_keys)
    assert (checked.attested, dict(checked.agency_signatures)) == (1, {"MOJ": 1})
    # in worker processes too
    ok, lines = verify_source(
        hub.settings.event_store, ring, allow_unanchored=True, agency_keys=agency_keys, jobs=2
    )
    assert ok and any("(MOJ 1)" in line for line in lines), lines


async def test_unsigned_wrong_altered_stale_replayed_and_revoked_are_refused(
    hub: TrustedHub,
) -> None:
    key = Ed25519PrivateKey.generate()
    key_id = await _register_key(hub, key)
    before = _stored(hub)

    async def refused(client: AgencyClient, match: str) -> None:
        with pytest.raises(Unauthenticated, match=match):
            await client.call(REGISTER_SERVICE_RECORD, _request())

    async with _client(hub, None) as unsigned:
        await refused(unsigned, "MOJ must sign its requests")
    async with _client(hub, RequestSigner("MOJ", Ed25519PrivateKey.generate())) as stranger:
        await refused(stranger, "is not registered for MOJ")
    stale = RequestSigner("MOJ", key, clock=lambda: time.time() - 3600)
    async with _client(hub, stale) as late:
        await refused(late, "outside the 60 s window")

    signer = RequestSigner("MOJ", key)
    async with _client(hub, signer) as client:
        raw = client._callable(REGISTER_SERVICE_RECORD.method)
        data = _request().SerializeToString(deterministic=True)
        metadata = client.metadata(REGISTER_SERVICE_RECORD.method, data, "k-1")
        altered = _request("99999999").SerializeToString(deterministic=True)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await raw(altered, metadata=metadata)
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "does not verify" in str(error.value.details())
        assert _stored(hub) == before  # nothing written by any refusal so far
        await raw(data, metadata=metadata)  # the genuine call, once
        written = _stored(hub)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await raw(data, metadata=metadata)
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "already used: a replayed request" in str(error.value.details())

        await hub.running.executor.write(
            hub.running.agency_keys.revoke, key_id, by="test-operator", reason="compromised"
        )
        await hub.running.executor.read(hub.running.agency_keys_cache.reload)
        written = _stored(hub)
        await refused(client, f"key {key_id} of MOJ was revoked")
    assert _stored(hub) == written
    # Refusals are counted like every other (one signed summary per window).
    await hub.running.flush_refusals()
    summaries = [
        json.loads(Envelope.from_bytes(e.state).payload)
        for e in read_trail(hub.settings.event_store)
        if e.topic == "tabadol.access.refusal_summary.summarised"
    ]
    reasons = {row[2] for s in summaries for row in s["counts"]}
    assert any(r.startswith("request signature:") for r in reasons), reasons


async def test_a_forged_agency_signature_in_an_export_is_named(
    hub: TrustedHub, tmp_path: Path
) -> None:
    """A dishonest hub (it holds its own key) re-signs an event with a request MOJ never
    signed: the hub's signature verifies, MOJ's does not, and verify says so."""
    trail, lines, index, line = await _signed_export(hub, tmp_path)
    envelope = Envelope.from_bytes(base64.b64decode(line["state"]))
    genuine = Attestation.from_bytes(envelope.attestation or b"")
    # The hub claims MOJ asked for another method; it cannot sign that as MOJ.
    claim = Attestation(
        genuine.agency,
        genuine.key_id,
        "/tabadol.catalogue.v1.CatalogueService/WithdrawServiceRecord",
        genuine.time_ms,
        genuine.nonce,
        genuine.idempotency,
        genuine.body,
        Ed25519PrivateKey.generate().sign(b"not MOJ"),
    ).to_bytes()
    lines[index] = _resigned(hub, line, envelope.payload, claim)
    trail.write_text("".join(json.dumps(line) + "\n" for line in lines))

    ok, problem = _verified(hub, trail)
    assert not ok
    assert f"log index {line['index']}" in problem
    assert "agency signature refused" in problem and "of MOJ" in problem
    assert "does not verify" in problem


async def test_an_event_written_as_another_agencys_with_a_genuine_signature_is_named(
    hub: TrustedHub, tmp_path: Path
) -> None:
    """A dishonest hub moves MOJ's genuine signed request onto an event it writes as TAX's:
    both signatures verify, but the event's agency is not the one that signed."""
    trail, lines, index, line = await _signed_export(hub, tmp_path)
    envelope = Envelope.from_bytes(base64.b64decode(line["state"]))
    payload = json.loads(envelope.payload)
    payload["by"] = "TAX"
    written_as_tax = json.dumps(payload, separators=(",", ":")).encode()
    lines[index] = _resigned(hub, line, written_as_tax, envelope.attestation or b"")
    trail.write_text("".join(json.dumps(line) + "\n" for line in lines))

    ok, problem = _verified(hub, trail)
    assert not ok
    assert f"log index {line['index']}" in problem
    assert "written as TAX's but carries MOJ's signed request" in problem


async def _signed_export(
    hub: TrustedHub, tmp_path: Path
) -> tuple[Path, list[dict[str, Any]], int, dict[str, Any]]:
    """MOJ registers a record with a signed call; the exported trail, its lines, and the
    index and line of the first event MOJ's signed request wrote."""
    key = Ed25519PrivateKey.generate()
    await _register_key(hub, key)
    async with _client(hub, RequestSigner("MOJ", key)) as client:
        await client.call(REGISTER_SERVICE_RECORD, _request())
    trail = tmp_path / "trail.jsonl"
    with trail.open("w") as out:
        export_trail(hub.settings.event_store, out)
    lines = [json.loads(line) for line in trail.read_text().splitlines()]
    index, line = next(
        (i, line)
        for i, line in enumerate(lines)
        if "state" in line
        and Envelope.from_bytes(base64.b64decode(line["state"])).attestation is not None
    )
    assert json.loads(Envelope.from_bytes(base64.b64decode(line["state"])).payload)["by"] == "MOJ"
    return trail, lines, index, line


def _resigned(
    hub: TrustedHub, line: dict[str, Any], payload: bytes, attestation: bytes
) -> dict[str, Any]:
    """``line`` with ``payload`` and ``attestation``, re-signed with the hub's own key (what
    a dishonest hub can do)."""
    envelope = Envelope.from_bytes(base64.b64decode(line["state"]))
    hub_signer = load_signer(hub.settings.signing_key)
    digest = event_hash(
        envelope.prev_hash, line["aggregate_id"], line["version"], line["topic"], payload,
        attestation,
    )  # fmt: skip
    forged = Envelope(
        hub_signer.key_id,
        envelope.prev_hash,
        hub_signer.sign(batch_message(hub_signer.key_id, 1, digest)),
        payload,
        BatchProof(0, 1, ()),
        attestation,
    )
    return {**line, "state": base64.b64encode(forged.to_bytes()).decode()}


def _verified(hub: TrustedHub, trail: Path) -> tuple[bool, str]:
    """``audit verify --agency-keys`` of an exported trail: OK, and its report."""
    ring = PublicKeyRing.load(hub.settings.public_keys)
    agency_keys = AgencyKeyRing.from_document(hub.running.agency_keys.document())
    ok, report = verify_source(str(trail), ring, allow_unanchored=True, agency_keys=agency_keys)
    return ok, "\n".join(report)


async def test_commands_grouped_in_one_transaction_keep_their_own_attestations(
    tmp_path: Path,
) -> None:
    """The executor runs each command in the context of the call that queued it, so in a
    group commit every event carries its own call's attestation (or none)."""
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    app = TabadolHub(Signer(Ed25519PrivateKey.generate()), env=store_env(url))
    app.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    executor = Executor(app)
    serials = range(21, 33)

    async def open_case(serial: int) -> None:
        with attested(f"call {serial}".encode() if serial % 3 else None):
            await executor.write(
                app.cases.open_case,
                SERVICE_CODE,
                applicant(serial),
                channel="web",
                postal_code="1316943891",
                by=AGENCY,
            )

    await asyncio.gather(*(open_case(s) for s in serials))
    executor.close()
    assert executor.batches < executor.commands  # some were grouped
    found = 0
    for event in read_trail(url):
        envelope = Envelope.from_bytes(event.state)
        for serial in serials:
            if applicant(serial) in envelope.payload.decode():
                expected = f"call {serial}".encode() if serial % 3 else None
                assert envelope.attestation == expected
                found += 1
    assert found >= len(serials)
    app.close()
    assert verify_trail(read_trail(url), PublicKeyRing.of(app.signer.public_key)).ok


async def test_only_the_operator_registers_and_revokes_keys_over_grpc(hub: TrustedHub) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    request = acc.RegisterAgencyKeyRequest(agency="MOJ", public_key=raw, reason="MOJ's key")
    intruder = access_pb2_grpc.AccessServiceStub(hub.channel("agency:TAX"))
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await intruder.RegisterAgencyKey(request)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    operator = access_pb2_grpc.AccessServiceStub(hub.channel("hub:TABADOL"))
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await operator.RegisterAgencyKey(
            acc.RegisterAgencyKeyRequest(agency="MOJ", public_key=b"short", reason="")
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    registered = (await operator.RegisterAgencyKey(request)).key
    assert (registered.agency, registered.registered_by) == ("MOJ", "hub:TABADOL")
    async with _client(hub, RequestSigner("MOJ", key)) as client:
        await client.call(REGISTER_SERVICE_RECORD, _request())  # in force at once
        revoked = await operator.RevokeAgencyKey(
            acc.RevokeAgencyKeyRequest(key_id=registered.key_id, reason="compromised")
        )
        assert revoked.key.HasField("revoked_at")
        with pytest.raises(Unauthenticated, match="was revoked"):
            await client.call(REGISTER_SERVICE_RECORD, _request("99999999"))
    listed = await operator.ListAgencyKeys(acc.ListAgencyKeysRequest(include_revoked=True))
    assert [k.key_id for k in listed.keys] == [registered.key_id]
    assert not (await operator.ListAgencyKeys(acc.ListAgencyKeysRequest())).keys


async def test_a_retry_under_the_same_idempotency_key_runs_once(hub: TrustedHub) -> None:
    """Each attempt is signed afresh (a new nonce), the hub answers them all with the first
    outcome and writes once; the key with another request is INVALID_ARGUMENT."""
    key = Ed25519PrivateKey.generate()
    await _register_key(hub, key)
    async with _client(hub, RequestSigner("MOJ", key)) as client:
        raw = client._callable(REGISTER_SERVICE_RECORD.method)
        data = _request().SerializeToString(deterministic=True)

        def attempt(body: bytes = data) -> Any:
            return raw(body, metadata=client.metadata(REGISTER_SERVICE_RECORD.method, body, "k-7"))

        before = _stored(hub)
        first, second = await asyncio.gather(attempt(), attempt())  # one still in flight
        written = _stored(hub)
        assert written > before and first == second
        assert await attempt() == first and _stored(hub) == written  # after it succeeded
        with pytest.raises(grpc.aio.AioRpcError) as conflict:
            await attempt(_request("99999999").SerializeToString(deterministic=True))
        assert conflict.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "was used for another" in str(conflict.value.details())
        # a new key is a new call: the record exists already
        with pytest.raises(AlreadyExists):
            await client.call(REGISTER_SERVICE_RECORD, _request())
    assert _stored(hub) == written


_SIGNED_ENV = {
    "TABADOL_REQUIRE_AGENCY_SIGNATURES": "MOJ",
    "TABADOL_AGENCY_SIGNATURE_WINDOW_SECONDS": "60",
}


async def _replica(live: TrustedHub) -> TrustedHub:
    """Another hub process's server on the same store, keys and PKI (a replica)."""
    settings = trusted_settings(
        live.settings.data_dir, live.settings.event_store, live.pki, **_SIGNED_ENV
    )
    app = TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env())
    return TrustedHub(live.pki, app, await create_server(app, settings), settings)


def _records(live: TrustedHub) -> int:
    """The events of service records in the store (a replica's stop writes a refusal
    summary, which is not a command run twice)."""
    return sum(
        1
        for e in read_trail(live.settings.event_store)
        if e.topic.startswith("tabadol.service_record.")
    )


async def _raw(live: TrustedHub, data: bytes, metadata: Any) -> Any:
    issued = live.pki.certificate("agency:MOJ")
    tls = ClientTls(live.pki.ca, issued.cert, issued.key)
    async with AgencyClient(live.target, "MOJ", tls=tls, retries=0) as client:
        return await client._callable(REGISTER_SERVICE_RECORD.method)(data, metadata=metadata)


async def test_a_replay_to_another_replica_or_after_a_restart_is_refused(hub: TrustedHub) -> None:
    """Nonces live in the store's database: a signed request replayed to another replica,
    or to a restarted one, within the window is UNAUTHENTICATED and writes nothing."""
    key = Ed25519PrivateKey.generate()
    await _register_key(hub, key)
    other = await _replica(hub)
    try:
        async with _client(hub, RequestSigner("MOJ", key)) as client:
            data = _request().SerializeToString(deterministic=True)
            metadata = client.metadata(REGISTER_SERVICE_RECORD.method, data, "k-r")
        await _raw(hub, data, metadata)
        written = _records(hub)
        for target in (other, hub):
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await _raw(target, data, metadata)
            assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert "a replayed request" in str(error.value.details())
        await other.close()
        other = await _replica(hub)  # restarted: its memory is empty, the table is not
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await _raw(other, data, metadata)
        assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "another replica or before a restart" in str(error.value.details())
        assert _records(hub) == written
    finally:
        await other.close()


async def test_a_retry_on_another_replica_is_answered_with_the_first_outcome(
    hub: TrustedHub,
) -> None:
    """The same idempotency key on another replica (each attempt signed afresh) returns the
    first response and writes nothing; another request under it is INVALID_ARGUMENT."""
    key = Ed25519PrivateKey.generate()
    await _register_key(hub, key)
    other = await _replica(hub)
    try:
        async with _client(hub, RequestSigner("MOJ", key)) as client:

            def metadata(body: bytes) -> Any:
                return client.metadata(REGISTER_SERVICE_RECORD.method, body, "k-8")

            data = _request().SerializeToString(deterministic=True)
            first = await _raw(hub, data, metadata(data))
            written = _records(hub)
            assert await _raw(other, data, metadata(data)) == first
            await other.close()
            other = await _replica(hub)  # and after a restart
            assert await _raw(other, data, metadata(data)) == first
            assert _records(hub) == written
            altered = _request("99999999").SerializeToString(deterministic=True)
            with pytest.raises(grpc.aio.AioRpcError) as conflict:
                await _raw(other, altered, metadata(altered))
            assert conflict.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "was used for another" in str(conflict.value.details())
        assert _records(hub) == written
    finally:
        await other.close()


async def test_a_retry_while_another_replica_runs_the_call_waits_for_its_answer(
    hub: TrustedHub,
) -> None:
    """Another replica holds the key (its ``running`` row): the retry here waits, and is
    answered with that replica's response once it is stored; it runs nothing."""
    key = Ed25519PrivateKey.generate()
    await _register_key(hub, key)
    replays = hub.running.replays
    method = REGISTER_SERVICE_RECORD.method.lstrip("/")
    data = _request().SerializeToString(deterministic=True)
    claim_key = ("agency:MOJ", method, "k-busy")
    digest = hashlib.sha256(data).digest()
    claim = await asyncio.to_thread(replays.claim, claim_key, digest, lease=60)
    assert claim.state == "run"
    answer = cat.RegisterServiceRecordResponse(
        record=cat.ServiceRecord(service_code=SERVICE_CODE, revision=7)
    ).SerializeToString()
    before = _records(hub)

    async def the_other_replica_finishes() -> None:
        await asyncio.sleep(0.5)
        assert await asyncio.to_thread(replays.finish, claim_key, claim.owner, answer, ttl=60)

    async with _client(hub, RequestSigner("MOJ", key)) as client:
        finishing = asyncio.create_task(the_other_replica_finishes())
        started = time.perf_counter()
        response = await client.call(REGISTER_SERVICE_RECORD, _request(), idempotency_key="k-busy")
        await finishing
    assert response.SerializeToString() == answer and response.record.revision == 7
    assert 0.4 < time.perf_counter() - started < 5
    assert _records(hub) == before  # answered from the other replica's outcome


async def test_a_call_still_running_elsewhere_is_aborted_with_retry_info_and_retried(
    hub: TrustedHub,
) -> None:
    """Past the wait (5 s) the hub answers ABORTED with a RetryInfo; the client retries it
    after that delay and gets the other replica's answer."""
    key = Ed25519PrivateKey.generate()
    await _register_key(hub, key)
    replays = hub.running.replays
    data = _request().SerializeToString(deterministic=True)
    claim_key = ("agency:MOJ", REGISTER_SERVICE_RECORD.method.lstrip("/"), "k-slow")
    digest = hashlib.sha256(data).digest()
    claim = await asyncio.to_thread(replays.claim, claim_key, digest, lease=60)
    assert claim.state == "run"
    answer = cat.RegisterServiceRecordResponse(
        record=cat.ServiceRecord(service_code=SERVICE_CODE, revision=3)
    ).SerializeToString()

    async def the_other_replica_finishes() -> None:
        await asyncio.sleep(5.5)
        assert await asyncio.to_thread(replays.finish, claim_key, claim.owner, answer, ttl=60)

    issued = hub.pki.certificate("agency:MOJ")
    tls = ClientTls(hub.pki.ca, issued.cert, issued.key)
    async with AgencyClient(
        hub.target, "MOJ", signer=RequestSigner("MOJ", key), tls=tls, retries=1
    ) as client:
        finishing = asyncio.create_task(the_other_replica_finishes())
        response = await client.call(REGISTER_SERVICE_RECORD, _request(), idempotency_key="k-slow")
        await finishing
        assert client.attempts == 2  # ABORTED once, then answered
    assert response.record.revision == 3


def _requirements(live: TrustedHub) -> list[list[str]]:
    """The agency-signature requirements recorded in the store, in order."""
    return [
        json.loads(Envelope.from_bytes(e.state).payload)["agencies"]
        for e in read_trail(live.settings.event_store)
        if e.topic == REQUIREMENT_TOPIC
    ]


async def _restarted(live: TrustedHub, required: str) -> TrustedHub:
    """A hub process on the same store and keys, requiring ``required``."""
    settings = trusted_settings(
        live.settings.data_dir,
        live.settings.event_store,
        live.pki,
        TABADOL_REQUIRE_AGENCY_SIGNATURES=required,
    )
    app = TabadolHub(load_signer(settings.signing_key), env=settings.eventsourcing_env())
    return TrustedHub(live.pki, app, await create_server(app, settings), settings)


async def test_the_requirement_is_recorded_at_start_and_only_when_it_changes(
    hub: TrustedHub, tmp_path: Path
) -> None:
    """Which agencies must sign is a signed event of the agency key registry: written when
    a hub starts with a requirement other than the last recorded one, and reported by
    ``audit verify --agency-keys`` with the log index it holds from."""
    assert _requirements(hub) == [["MOJ"]]
    for required in ("MOJ", "TAX,MOJ", "MOJ,TAX", ""):
        restarted = await _restarted(hub, required)
        await restarted.close()
    assert _requirements(hub) == [["MOJ"], ["MOJ", "TAX"], []]

    trail = tmp_path / "trail.jsonl"
    with trail.open("w") as out:
        export_trail(hub.settings.event_store, out)
    indexes = [
        json.loads(line)["index"]
        for line in trail.read_text().splitlines()
        if json.loads(line).get("topic") == REQUIREMENT_TOPIC
    ]
    ring = PublicKeyRing.load(hub.settings.public_keys)
    agency_keys = AgencyKeyRing.from_document(hub.running.agency_keys.document())
    ok, lines = verify_source(str(trail), ring, allow_unanchored=True, agency_keys=agency_keys)
    assert ok, lines
    assert (
        f"agency signatures required: MOJ from log index {indexes[0]};"
        f" MOJ, TAX from log index {indexes[1]}; none from log index {indexes[2]}"
    ) in "\n".join(lines)


async def test_an_unsigned_event_of_a_required_agency_fails_verify(
    hub: TrustedHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub that stopped requiring MOJ's signature without recording it: an event of
    MOJ's call, re-signed by the hub without MOJ's attestation, fails with the reason."""
    key = Ed25519PrivateKey.generate()
    await _register_key(hub, key)
    async with _client(hub, RequestSigner("MOJ", key)) as client:
        await client.call(REGISTER_SERVICE_RECORD, _request())
    trail = tmp_path / "trail.jsonl"
    with trail.open("w") as out:
        export_trail(hub.settings.event_store, out)
    lines = [json.loads(line) for line in trail.read_text().splitlines()]
    since = next(line["index"] for line in lines if line.get("topic") == REQUIREMENT_TOPIC)
    index, line = next(
        (i, line)
        for i, line in enumerate(lines)
        if "state" in line
        and Envelope.from_bytes(base64.b64decode(line["state"])).attestation is not None
    )
    envelope = Envelope.from_bytes(base64.b64decode(line["state"]))
    assert json.loads(envelope.payload)["by"] == "MOJ"
    hub_signer = load_signer(hub.settings.signing_key)
    digest = event_hash(
        envelope.prev_hash, line["aggregate_id"], line["version"], line["topic"], envelope.payload
    )
    stripped = Envelope(
        hub_signer.key_id,
        envelope.prev_hash,
        hub_signer.sign(batch_message(hub_signer.key_id, 1, digest)),
        envelope.payload,
        BatchProof(0, 1, ()),
    )
    line["state"] = base64.b64encode(stripped.to_bytes()).decode()
    lines[index] = line
    trail.write_text("".join(json.dumps(line) + "\n" for line in lines))

    ring = PublicKeyRing.load(hub.settings.public_keys)
    agency_keys = AgencyKeyRing.from_document(hub.running.agency_keys.document())
    ok, report = verify_source(str(trail), ring, allow_unanchored=True, agency_keys=agency_keys)
    assert not ok
    problem = "\n".join(report)
    assert f"log index {line['index']}" in problem
    assert f"MOJ was required to sign from position {since}" in problem, problem
    assert "carries no agency signature" in problem
    # in parallel, with the requirement and the unsigned event in different parts
    monkeypatch.setattr(verification, "PART_EVENTS", 1)
    ok, report = verify_source(
        str(trail), ring, allow_unanchored=True, agency_keys=agency_keys, jobs=2
    )
    assert not ok
    problem = "\n".join(report)
    assert f"log index {line['index']}" in problem and "MOJ was required to sign" in problem
