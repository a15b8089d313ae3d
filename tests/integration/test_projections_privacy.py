"""Privacy of the national-window feed (002 art. 8 note 1; DESIGN property 5), as a property:
whatever cases run through the hub, and whatever personal data their notes, reasons and
comments quote, no serialized feed entry holds a national code, a name, a birth date or
any other field marked personal; the applicant appears only as the keyed pseudonym."""

from __future__ import annotations

import json
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregates.identifiers import NationalCode
from hub.application.hub import TabadolHub
from hub.config import APP_NAME
from hub.trail.keys import Signer
from hub.trail.pseudonyms import WINDOW_SUBJECT, Pseudonymiser
from projections._sql import catch_up, open_view
from projections.window_feed import PERSONAL_FIELDS, WindowFeedProjection, WindowFeedView
from tests.integration.test_projections_cases import FATES, SERVICES, CaseFactory

SIGNER = Signer(Ed25519PrivateKey.generate())
NAMES = ("زهرا", "محمد", "فاطمه", "علی", "Sara", "Reza", "حسین‌زاده", "Tehrani")

national_codes = (
    st.integers(1, 10**9 - 1)
    .map(lambda n: f"{n:09d}")
    .filter(lambda serial: len(set(serial)) > 1)  # one digit ten times is no national code
    .map(lambda serial: NationalCode.from_serial(serial).value)
)
people = st.fixed_dictionaries(
    {
        "national_code": national_codes,
        "name": st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)).map(" ".join),
        "birth_date": st.tuples(
            st.integers(1300, 1400), st.integers(1, 12), st.integers(1, 29)
        ).map(lambda d: f"{d[0]}/{d[1]:02d}/{d[2]:02d}"),
        "fate": st.sampled_from(FATES),
        "service_code": st.sampled_from(sorted(SERVICES)),
        "in_person": st.booleans(),
    }
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(people, min_size=1, max_size=4, unique_by=lambda p: p["national_code"]))
def test_the_feed_never_carries_personal_data(cases: list[dict[str, object]]) -> None:
    hub = TabadolHub(SIGNER, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    factory = CaseFactory(hub)
    for person in cases:
        factory.run(
            str(person["fate"]),
            str(person["national_code"]),
            service_code=str(person["service_code"]),
            in_person=bool(person["in_person"]),
            note=f"متقاضی {person['name']} متولد {person['birth_date']} کد ملی {person['national_code']}",
        )
    pseudonymize = Pseudonymiser(b"k" * 32, WINDOW_SUBJECT)
    view = open_view(
        WindowFeedView,
        "window_feed",
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"file:{uuid4().hex}?mode=memory&cache=shared",
        },
    )
    catch_up(WindowFeedProjection.keyed(pseudonymize)(view), hub.recorder, hub.mapper, APP_NAME)
    entries = view.entries(0, 10_000)

    serialized = json.dumps([e.to_dict() for e in entries], ensure_ascii=False)
    for person in cases:
        for secret in (person["national_code"], person["name"], person["birth_date"]):
            assert str(secret) not in serialized
    assert "متقاضی" not in serialized  # no note, reason or comment at all
    assert not PERSONAL_FIELDS & set(entries[0].to_dict())
    subjects = {e.tracking_code: e.subject for e in entries}
    for person, code in zip(
        cases, (e.tracking_code for e in entries if e.kind == "started"), strict=True
    ):
        assert subjects[code] == pseudonymize(str(person["national_code"]))
    view.datastore.close()
    hub.close()
