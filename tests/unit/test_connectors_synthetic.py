"""Synthetic registry data: deterministic, prefix-stable, unique and valid."""

from __future__ import annotations

import re

from connectors import _codes, _jalali, synthetic

PERSIAN = re.compile(r"[\u0600-\u06FF\u200c ()،]+")


def test_same_seed_gives_the_same_data() -> None:
    assert synthetic.people(1405, 50) == synthetic.people(1405, 50)
    assert synthetic.legal_persons(7, 20) == synthetic.legal_persons(7, 20)
    assert synthetic.postal_codes(7, 20) == synthetic.postal_codes(7, 20)
    assert synthetic.revenue_accounts(7, 5) == synthetic.revenue_accounts(7, 5)
    assert synthetic.people(1405, 10) != synthetic.people(1406, 10)


def test_a_short_list_is_a_prefix_of_a_long_one() -> None:
    assert synthetic.people(1405, 5) == synthetic.people(1405, 500)[:5]
    assert synthetic.postal_codes(1405, 5) == synthetic.postal_codes(1405, 300)[:5]


def test_known_values_do_not_drift() -> None:
    # A demo script or a saved fixture may rely on these: change them only on purpose.
    first = synthetic.people(1405, 1)[0]
    assert (first.national_code, first.birth_date_jalali) == ("2103743377", "1353/01/26")


def test_every_person_is_valid_and_unique() -> None:
    people = synthetic.people(1405, 1000)
    assert len({p.national_code for p in people}) == 1000
    for person in people:
        assert _codes.is_national_code(person.national_code)
        _jalali.parse_date(person.birth_date_jalali)
        assert PERSIAN.fullmatch(person.first_name + person.last_name + person.father_name)
        assert person.gender in ("male", "female")
    assert {p.gender for p in people} == {"male", "female"}
    assert any(not p.alive for p in people)


def test_every_legal_person_is_valid_and_unique() -> None:
    companies = synthetic.legal_persons(1405, 300)
    assert len({c.national_id for c in companies}) == 300
    for company in companies:
        assert _codes.is_national_id(company.national_id)
        _jalali.parse_date(company.registration_date_jalali)
        assert PERSIAN.fullmatch(company.name)
        assert company.registration_number.isdigit()
    assert {c.status for c in companies} == {"active", "dissolved"}


def test_every_postal_code_and_account_is_valid_and_unique() -> None:
    addresses = synthetic.postal_codes(1405, 1000)
    assert len({a.postal_code for a in addresses}) == 1000
    for address in addresses:
        assert _codes.is_postal_code(address.postal_code)
        assert PERSIAN.fullmatch(address.province + address.city)
        assert address.address_line.startswith("خیابان ")
    accounts = synthetic.revenue_accounts(1405, 20)
    assert len(set(accounts)) == 20
    assert all(_codes.is_sheba(a) and a.startswith("IR") and a[4:7] == "010" for a in accounts)


def test_zero_items() -> None:
    assert synthetic.people(1, 0) == []
