"""The signing event store: chains across writers, conflicts, and encryption at rest."""

from __future__ import annotations

import base64
import os

import pytest
from eventsourcing.persistence import IntegrityError

from aggregates.service_case import ServiceCase
from aggregates.service_record import Stage
from hub.application.hub import TabadolHub
from hub.audit.export import read_trail
from hub.config import Settings, store_env
from hub.servicers.convert import spec_from_proto
from hub.trail.keys import PublicKeyRing, Signer
from hub.trail.verify import verify_trail
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto


def _hub(url: str, signer: Signer, **extra: str) -> TabadolHub:
    return TabadolHub(signer, env={**store_env(url), **extra})


def test_two_writers_on_one_store_keep_one_verifiable_chain(
    store_url: str, signer: Signer, ring: PublicKeyRing
) -> None:
    first, second = _hub(store_url, signer), _hub(store_url, signer)
    first.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    code = first.cases.open_case(
        SERVICE_CODE, applicant(), channel="web", postal_code="1316943891", by=AGENCY
    ).tracking_code
    second.cases.record_step(code, "ثبت درخواست", by=AGENCY)  # cold cache: reads its head
    second.exchange_records.record_identity(  # production needs the applicant verified
        code, active=True, national_code=applicant(), level=2, by=AGENCY
    )
    first.cases.complete_stage(code, Stage.REQUEST, by=AGENCY)  # stale cache: replays first
    second.cases.record_step(code, "استعلام سوابق", by=AGENCY)
    report = verify_trail(read_trail(store_url), ring)
    assert report.ok, report.problem
    assert report.events == 6
    first.close()
    second.close()


def test_a_conflicting_write_is_refused_and_the_chain_does_not_fork(
    store_url: str, signer: Signer, ring: PublicKeyRing
) -> None:
    first, second = _hub(store_url, signer), _hub(store_url, signer)
    first.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    code = first.cases.open_case(
        SERVICE_CODE, applicant(), channel="web", postal_code="1316943891", by=AGENCY
    ).tracking_code
    case_id = ServiceCase.create_id(code)
    a, b = first.repository.get(case_id), second.repository.get(case_id)
    a.record_step("ثبت درخواست", by=AGENCY)
    b.reject("تکراری", by=AGENCY)
    first.save(a)
    with pytest.raises(IntegrityError):
        second.save(b)
    assert verify_trail(read_trail(store_url), ring).ok
    first.close()
    second.close()


def test_encrypted_payloads_verify_without_the_decryption_key(
    tmp_path: object, signer: Signer, ring: PublicKeyRing
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings.from_env({"TABADOL_DATA_DIR": str(tmp_path), "TABADOL_CIPHER_KEY": key})
    hub = TabadolHub(signer, env=settings.eventsourcing_env())
    hub.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    national_code = applicant()
    code = hub.cases.open_case(
        SERVICE_CODE, national_code, channel="web", postal_code="1316943891", by=AGENCY
    ).tracking_code
    assert hub.cases.get_case(code).applicant_masked.endswith(national_code[-2:])
    hub.close()
    trail = list(read_trail(settings.event_store))
    assert all(national_code.encode() not in e.state and b"web" not in e.state for e in trail)
    report = verify_trail(trail, ring)  # no cipher key given: public keys only
    assert report.ok and report.events == 2
