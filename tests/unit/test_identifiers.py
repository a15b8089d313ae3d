"""Identifier value objects: check digits, normalization, and field-named errors."""

from __future__ import annotations

import re
from uuid import uuid5

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates._checks import NAMESPACE
from aggregates.errors import DomainError, InvalidInput
from aggregates.identifiers import (
    CROCKFORD_ALPHABET,
    AgencyCode,
    NationalCode,
    NationalId,
    PostalCode,
    ServiceCode,
    Sheba,
    TrackingCode,
    TrackingKind,
    case_id,
    normalize_digits,
)


def only_violation(error: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, str]:
    assert len(error.value.violations) == 1
    violation = error.value.violations[0]
    return violation.field, violation.description


# --- normalize_digits -----------------------------------------------------------------


def test_normalize_digits_turns_persian_and_arabic_indic_digits_into_ascii() -> None:
    assert normalize_digits("  ۰۱۲۳۴۵۶۷۸۹ ") == "0123456789"
    assert normalize_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert normalize_digits("abc-12") == "abc-12"


# --- NationalCode ---------------------------------------------------------------------

VALID_NATIONAL_CODES = ["0499370899", "0067749828", "0013542419", "1234567891"]


@pytest.mark.parametrize("code", VALID_NATIONAL_CODES)
def test_valid_national_codes_parse(code: str) -> None:
    parsed = NationalCode.parse(code)
    assert parsed.value == code
    assert str(parsed) == code
    assert NationalCode.is_valid(code)


def test_national_code_from_serial_appends_the_check_digit() -> None:
    assert NationalCode.from_serial("049937089").value == "0499370899"
    # s = 0 and s = 1 keep the remainder itself as the check digit.
    assert NationalCode.from_serial("001234567").value == "0012345679"


def test_national_code_accepts_persian_digits_and_spaces() -> None:
    assert NationalCode.parse(" ۰۴۹۹۳۷۰۸۹۹ ").value == "0499370899"
    assert NationalCode.parse("٠٤٩٩٣٧٠٨٩٩").value == "0499370899"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0000000000", "repeated"),
        ("1111111111", "repeated"),
        ("9999999999", "repeated"),
        ("0499370898", "check digit does not match"),
        ("049937089", "must be 10 digits"),
        ("04993708999", "must be 10 digits"),
        ("04993708a9", "only digits"),
        ("", "only digits"),
        ("0499-370899", "only digits"),
    ],
)
def test_invalid_national_codes_are_refused_with_the_field(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        NationalCode.parse(text, field="applicant_national_code")
    field, description = only_violation(error)
    assert field == "applicant_national_code"
    assert fragment in description
    assert not NationalCode.is_valid(text)


@pytest.mark.parametrize("digit", "0123456789")
def test_every_all_same_digit_code_is_refused(digit: str) -> None:
    assert not NationalCode.is_valid(digit * 10)


def test_national_code_default_field_and_error_root() -> None:
    with pytest.raises(DomainError) as error:
        NationalCode.parse("123")
    assert isinstance(error.value, InvalidInput)
    assert error.value.violations[0].field == "national_code"
    assert str(error.value).startswith("national_code: national code must be 10 digits")


def test_national_code_masked_shows_three_and_two_digits() -> None:
    assert NationalCode.parse("0012345679").masked() == "001*****79"


def test_constructing_an_invalid_national_code_directly_is_refused() -> None:
    with pytest.raises(InvalidInput):
        NationalCode("0499370898")


@given(st.text("0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_fits_each_serial(serial: str) -> None:
    fits = [d for d in "0123456789" if NationalCode.is_valid(serial + d)]
    if len(set(serial)) == 1 and fits == []:
        return  # the check digit would repeat the serial's digit: refused as repeated
    assert len(fits) == 1
    assert NationalCode.from_serial(serial).value == serial + fits[0]


# --- NationalId -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["10380284790", "14007650912"])
def test_valid_national_ids_parse(code: str) -> None:
    assert NationalId.parse(code).value == code
    assert NationalId.parse(code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))).value == code


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("10380284791", "check digit does not match"),
        ("1038028479", "must be 11 digits"),
        ("103802847900", "must be 11 digits"),
        ("1038028479O", "only digits"),
    ],
)
def test_invalid_national_ids_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        NationalId.parse(text, field="company_national_id")
    field, description = only_violation(error)
    assert field == "company_national_id"
    assert fragment in description


def test_national_id_default_field() -> None:
    with pytest.raises(InvalidInput) as error:
        NationalId.parse("1")
    assert error.value.violations[0].field == "national_id"


@given(st.text("0123456789", min_size=10, max_size=10))
def test_national_id_from_serial_is_valid_and_unique(serial: str) -> None:
    made = NationalId.from_serial(serial)
    assert made.value[:10] == serial
    fits = [d for d in "0123456789" if NationalId.is_valid(serial + d)]
    assert fits == [made.value[10]]


# --- PostalCode -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1193653471", "1619735744", "11936-53471", "۱۱۹۳۶۵۳۴۷۱"])
def test_valid_postal_codes_parse(text: str) -> None:
    assert PostalCode.parse(text).value in {"1193653471", "1619735744"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1093653471", "not a valid Iranian postal code"),  # 0 in the first four
        ("1293653471", "not a valid Iranian postal code"),  # 2 in the first four
        ("1193053471", "not a valid Iranian postal code"),  # fifth digit 0
        ("1193553471", "not a valid Iranian postal code"),  # fifth digit 5
        ("1111653471", "not a valid Iranian postal code"),  # four equal leading digits
        ("1193652471", "not a valid Iranian postal code"),  # 2 in the last five
        ("119365347", "must be 10 digits"),
        ("11936534711", "must be 10 digits"),
        ("11936534a1", "only digits"),
    ],
)
def test_invalid_postal_codes_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        PostalCode.parse(text)
    field, description = only_violation(error)
    assert field == "postal_code"
    assert fragment in description


def test_postal_code_zero_is_allowed_in_the_last_five() -> None:
    assert PostalCode.is_valid("1193600000")


# --- Sheba ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "IR062960000000100324200001",
        "ir06 2960 0000 0010 0324 2000 01",
        "IR۰۶۲۹۶۰۰۰۰۰۰۰۱۰۰۳۲۴۲۰۰۰۰۱",
    ],
)
def test_valid_sheba_parses_to_its_canonical_form(text: str) -> None:
    assert Sheba.parse(text).value == "IR062960000000100324200001"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("IR072960000000100324200001", "check digits do not match"),
        ("IR062960000000100324200002", "check digits do not match"),
        ("DE062960000000100324200001", "'IR' followed by 24 digits"),
        ("IR06296000000010032420000", "'IR' followed by 24 digits"),
        ("IR06296000000010032420000X", "'IR' followed by 24 digits"),
        ("", "'IR' followed by 24 digits"),
    ],
)
def test_invalid_sheba_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        Sheba.parse(text, field="spec.fee.revenue_account")
    field, description = only_violation(error)
    assert field == "spec.fee.revenue_account"
    assert fragment in description


def test_sheba_default_field_is_revenue_account() -> None:
    with pytest.raises(InvalidInput) as error:
        Sheba.parse("IR00")
    assert error.value.violations[0].field == "revenue_account"


@given(st.text("0123456789", min_size=22, max_size=22), st.data())
def test_sheba_from_bban_is_valid_and_any_changed_digit_is_caught(
    bban: str, data: st.DataObject
) -> None:
    sheba = Sheba.from_bban(bban)
    assert sheba.value[4:] == bban
    assert Sheba.is_valid(sheba.value)
    position = data.draw(st.integers(2, 25))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != sheba.value[position]))
    changed = sheba.value[:position] + digit + sheba.value[position + 1 :]
    assert not Sheba.is_valid(changed)


# --- AgencyCode and ServiceCode -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [(" sabt ", "SABT"), ("moi-02", "MOI-02"), ("A1", "A1"), ("X" * 16, "X" * 16)],
)
def test_agency_codes_are_uppercased(text: str, value: str) -> None:
    assert AgencyCode.parse(text).value == value


@pytest.mark.parametrize("text", ["A", "X" * 17, "1ABC", "-ABC", "AB_C", "AB C", "", "ثبت"])
def test_invalid_agency_codes_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        AgencyCode.parse(text, field="spec.owner_agency")
    assert only_violation(error)[0] == "spec.owner_agency"


@pytest.mark.parametrize("text", ["12345678", "12345678901234", "۱۲۳۴۵۶۷۸"])
def test_service_codes_of_8_to_14_digits_parse(text: str) -> None:
    assert ServiceCode.parse(text).value == normalize_digits(text)


@pytest.mark.parametrize("text", ["1234567", "123456789012345", "1234567a", ""])
def test_invalid_service_codes_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        ServiceCode.parse(text)
    assert only_violation(error)[0] == "service_code"


# --- TrackingCode ---------------------------------------------------------------------

CANONICAL = re.compile(
    r"[CIPKF]-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-."
)
VALUE = {ch: i for i, ch in enumerate(CROCKFORD_ALPHABET)} | {"I": 1}

kinds = st.sampled_from(list(TrackingKind))
entropy = st.binary(min_size=8, max_size=8)


def test_tracking_kinds_and_their_letters() -> None:
    assert [k.value for k in TrackingKind] == ["C", "I", "P", "K", "F"]
    assert TrackingKind("C") is TrackingKind.CASE
    assert isinstance(TrackingKind.CASE, str)


def test_new_tracking_code_has_the_documented_shape() -> None:
    code = TrackingCode.new(TrackingKind.CASE)
    assert CANONICAL.fullmatch(code.value)
    assert code.kind is TrackingKind.CASE
    assert str(code) == code.value


def test_new_tracking_code_is_reproducible_from_entropy() -> None:
    seed = bytes.fromhex("0123456789abcdef")
    assert TrackingCode.new(TrackingKind.PAYMENT, seed) == TrackingCode.new(
        TrackingKind.PAYMENT, seed
    )
    # Body all zero: interim = α^12·C(12), check = α^13·12 = 28·12 = 4 in GF(32).
    assert TrackingCode.new(TrackingKind.CASE, bytes(8)).value == "C-0000-0000-0000-4"


def gf32_multiply(a: int, b: int) -> int:
    """Reference GF(2^5) product: carry-less multiply, then reduce by x^5 + x^2 + 1."""
    product = 0
    for bit in range(5):
        if b >> bit & 1:
            product ^= a << bit
    for bit in range(8, 4, -1):
        if product >> bit & 1:
            product ^= 0b100101 << (bit - 5)
    return product


@given(kinds, entropy)
def test_check_character_matches_a_reference_damm_over_gf32(
    kind: TrackingKind, seed: bytes
) -> None:
    chars = symbols(TrackingCode.new(kind, seed))
    interim = 0
    for ch in chars[:13]:
        interim = gf32_multiply(2, interim) ^ VALUE[ch]
    assert VALUE[chars[13]] == gf32_multiply(2, interim)
    assert gf32_multiply(2, interim) ^ VALUE[chars[13]] == 0


def test_fresh_tracking_codes_differ() -> None:
    assert len({TrackingCode.new(TrackingKind.CASE).value for _ in range(200)}) == 200


def test_too_little_entropy_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="8 bytes"):
        TrackingCode.new(TrackingKind.CASE, b"1234567")


@given(kinds, entropy)
def test_parse_of_new_round_trips(kind: TrackingKind, seed: bytes) -> None:
    code = TrackingCode.new(kind, seed)
    assert CANONICAL.fullmatch(code.value)
    assert TrackingCode.parse(code.value) == code
    assert TrackingCode.parse(code.value).kind is kind


@given(kinds, entropy)
def test_parse_is_tolerant_of_case_dashes_spaces_and_aliases(
    kind: TrackingKind, seed: bytes
) -> None:
    code = TrackingCode.new(kind, seed)
    compact = code.value.replace("-", "")
    assert TrackingCode.parse(compact.lower()) == code
    assert TrackingCode.parse(" " + " - ".join(compact) + " ") == code
    assert TrackingCode.parse("--" + code.value + "--") == code
    aliased = compact[0] + compact[1:].replace("0", "o").replace("1", "L")
    assert TrackingCode.parse(aliased) == code


def test_parse_accepts_i_as_an_alias_of_one() -> None:
    code = TrackingCode.new(TrackingKind.INQUIRY, bytes.fromhex("0842108421084210"))
    assert "1" in code.value[1:]
    assert TrackingCode.parse(code.value[0] + code.value[1:].replace("1", "i")) == code


def symbols(code: TrackingCode) -> list[str]:
    return list(code.value.replace("-", ""))


def render(chars: list[str]) -> str:
    body = "".join(chars[1:13])
    return f"{chars[0]}-{body[0:4]}-{body[4:8]}-{body[8:12]}-{chars[13]}"


@settings(max_examples=60)
@given(kinds, entropy)
def test_every_single_substitution_is_rejected(kind: TrackingKind, seed: bytes) -> None:
    original = symbols(TrackingCode.new(kind, seed))
    for position, current in enumerate(original):
        for replacement in CROCKFORD_ALPHABET + "I":
            if VALUE[replacement] == VALUE[current]:
                continue  # an alias of the same symbol, not a substitution
            changed = [*original]
            changed[position] = replacement
            with pytest.raises(InvalidInput) as error:
                TrackingCode.parse(render(changed))
            if position > 0:
                assert "probably mistyped" in error.value.violations[0].description


@settings(max_examples=200)
@given(kinds, entropy)
def test_every_adjacent_transposition_is_rejected(kind: TrackingKind, seed: bytes) -> None:
    original = symbols(TrackingCode.new(kind, seed))
    for i in range(len(original) - 1):
        if VALUE[original[i]] == VALUE[original[i + 1]]:
            continue  # swapping equal symbols changes nothing
        swapped = [*original]
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        assert not TrackingCode.is_valid(render(swapped))


def test_transposing_neighbours_across_a_dash_is_rejected() -> None:
    code = TrackingCode.new(TrackingKind.CASE, bytes.fromhex("fedcba9876543210"))
    chars = symbols(code)
    chars[4], chars[5] = chars[5], chars[4]  # last of group one, first of group two
    assert chars != symbols(code)
    with pytest.raises(InvalidInput, match="probably mistyped"):
        TrackingCode.parse(render(chars))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("C-7K2M-9QX4-HAB3", "must have 14 characters"),
        ("C-7K2M-9QX4-HAB3-ZZ", "must have 14 characters"),
        ("", "must have 14 characters"),
        ("X-7K2M-9QX4-HAB3-Z", "kind 'X' is unknown"),
        ("7-7K2M-9QX4-HAB3-Z", "kind '7' is unknown"),
        ("C-7K2M-9QX4-HAU3-Z", "character 'U' at position 12 is not allowed"),
        ("C-7K2M-9Q*4-HAB3-Z", "character '*' at position 8 is not allowed"),
    ],
)
def test_malformed_tracking_codes_get_distinct_messages(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as error:
        TrackingCode.parse(text, field="case_tracking_code")
    field, description = only_violation(error)
    assert field == "case_tracking_code"
    assert fragment in description


def test_wrong_check_character_says_the_code_is_probably_mistyped() -> None:
    code = TrackingCode.new(TrackingKind.CASE, bytes.fromhex("0123456789abcdef"))
    wrong = "0" if code.value[-1] != "0" else "1"
    with pytest.raises(InvalidInput) as error:
        TrackingCode.parse(code.value[:-1] + wrong)
    field, description = only_violation(error)
    assert field == "tracking_code"
    assert "check character does not match" in description
    assert "probably mistyped" in description


def test_constructing_a_non_canonical_tracking_code_directly_is_refused() -> None:
    code = TrackingCode.new(TrackingKind.CASE, bytes(8))
    with pytest.raises(InvalidInput, match="must be written"):
        TrackingCode(code.value.lower())


def test_parsing_is_remembered_without_changing_any_answer() -> None:
    code = TrackingCode.new(TrackingKind.CASE, b"\x01\x02\x03\x04\x05\x06\x07\x08").value
    loose = code.lower().replace("-", " ")
    padded = " " * 80 + loose  # longer than what is remembered: parsed each time
    expected = uuid5(NAMESPACE, "service-case:" + code)
    for _ in range(2):  # the second time from memory
        assert case_id(loose) == case_id(code) == case_id(padded) == expected
        assert TrackingCode.parse(loose).value == TrackingCode.parse(padded).value == code
        assert case_id("not a code") == uuid5(NAMESPACE, "service-case:not a code")
        with pytest.raises(InvalidInput, match="check character does not match"):
            TrackingCode.parse(code[:-1] + ("0" if code[-1] != "0" else "1"))
