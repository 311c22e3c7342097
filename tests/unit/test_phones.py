"""Phone numbers (spec C1): E.164 storage, display, search digits, refusals with sentences."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import phones
from clinic_desk.core.rules.phones import (
    format_phone,
    is_mobile,
    normalize_phone,
    phone_digits_for_search,
)

FAST = settings(max_examples=80, deadline=None)

VALID = [
    # typed, clinic region, E.164
    ("13912345678", "CN", "+8613912345678"),
    ("139 1234 5678", "CN", "+8613912345678"),
    ("139-1234-5678", "CN", "+8613912345678"),
    ("  139.1234.5678 ", "CN", "+8613912345678"),
    ("+86 139 1234 5678", "CN", "+8613912345678"),
    ("+86-139-1234-5678", "CN", "+8613912345678"),
    ("(+86) 139 1234 5678", "CN", "+8613912345678"),
    ("0086 139 1234 5678", "CN", "+8613912345678"),
    ("0086 139 1234 5678", "HK", "+8613912345678"),
    ("１３９１２３４５６７８", "CN", "+8613912345678"),
    ("＋８６ １３９－１２３４－５６７８", "CN", "+8613912345678"),
    ("139\u20131234\u20135678", "CN", "+8613912345678"),
    ("010-6512 3456", "CN", "+861065123456"),
    ("(010) 6512-3456", "CN", "+861065123456"),
    ("+86 (0)10 6512 3456", "CN", "+861065123456"),
    ("021 6123 4567", "CN", "+862161234567"),
    ("0755-8888 6666", "CN", "+8675588886666"),
    ("+852 9123 4567", "CN", "+85291234567"),
    ("9123 4567", "HK", "+85291234567"),
    ("+886 912 345 678", "CN", "+886912345678"),
    ("0912 345 678", "TW", "+886912345678"),
    ("+853 6612 3456", "CN", "+85366123456"),
    ("6612 3456", "MO", "+85366123456"),
    ("+1 650 253 0000", "CN", "+16502530000"),
]


@pytest.mark.parametrize(("typed", "region", "e164"), VALID)
def test_valid_numbers_normalize_to_e164(typed, region, e164) -> None:
    assert normalize_phone(typed, region=region) == e164


def test_region_defaults_to_china() -> None:
    assert normalize_phone("139 1234 5678") == "+8613912345678"


def refusal(typed: str, region: str = "CN") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed, region=region)
    return caught.value


INVALID = [
    # typed, clinic region, template
    ("", "CN", phones.EMPTY),
    ("   ", "CN", phones.EMPTY),
    ("139abc5678", "CN", phones.HAS_LETTERS),
    ("1-800-FLOWERS", "US", phones.HAS_LETTERS),
    ("139 1234 5678 ext 12", "CN", phones.HAS_LETTERS),
    ("1'; DROP TABLE patient;--", "CN", phones.HAS_LETTERS),
    ("张三", "CN", phones.HAS_LETTERS),
    ("😀", "CN", phones.BAD_CHARACTERS),
    ("139*1234#5678", "CN", phones.BAD_CHARACTERS),
    ("++86 139 1234 5678", "CN", phones.BAD_CHARACTERS),
    ("139+12345678", "CN", phones.BAD_CHARACTERS),
    ("123", "CN", phones.TOO_SHORT),
    ("+", "CN", phones.TOO_SHORT),
    ("0086", "CN", phones.TOO_SHORT),
    ("+86 139", "CN", phones.TOO_SHORT),
    ("12345678901234567890", "CN", phones.TOO_LONG),
    ("1" * 10_000, "CN", phones.TOO_LONG),
    ("😀" * 10_000, "CN", phones.TOO_LONG),
    ("+999 1234567", "CN", phones.BAD_COUNTRY_CODE),
    ("9123 4567", "CN", phones.INVALID_CHINA),
    ("1391234", "CN", phones.INVALID_CHINA),
    ("9123 4567", "GB", phones.INVALID_IN_REGION),
    ("+86 1234 5678 9", "CN", phones.INVALID_FOR_CODE),
    ("+852 1234 5678", "CN", phones.INVALID_FOR_CODE),
]


@pytest.mark.parametrize(("typed", "region", "template"), INVALID)
def test_invalid_numbers_are_refused_with_a_sentence(typed, region, template) -> None:
    err = refusal(typed, region)
    assert err.template == template
    message = err.message()
    assert message.endswith(".")
    assert "DROP" not in message


def test_invalid_messages_name_the_country_code_or_region_not_the_number() -> None:
    assert refusal("+852 1234 5678").params == {"code": 852}
    assert refusal("9123 4567", "GB").params == {"region": "GB"}
    assert "China" in refusal("9123 4567").message()


def test_search_digits_are_the_national_number() -> None:
    assert phone_digits_for_search("+8613912345678") == "13912345678"
    assert phone_digits_for_search("+861065123456") == "1065123456"
    assert phone_digits_for_search("+85291234567") == "91234567"
    assert phone_digits_for_search("+8613912345678").endswith("5678")
    assert phone_digits_for_search("not a phone 12") == "12"


FORMATS = [
    ("+8613912345678", "CN", "139 1234 5678"),
    ("+861065123456", "CN", "010 6512 3456"),
    ("+85291234567", "CN", "+852 9123 4567"),
    ("+85291234567", "HK", "9123 4567"),
    ("+8613912345678", "HK", "+86 139 1234 5678"),
    ("+886912345678", "TW", "0912 345 678"),
    ("+85366123456", "CN", "+853 6612 3456"),
    ("garbage", "CN", "garbage"),
]


@pytest.mark.parametrize(("e164", "region", "shown"), FORMATS)
def test_format_phone(e164, region, shown) -> None:
    assert format_phone(e164, region=region) == shown


@pytest.mark.parametrize(
    ("e164", "mobile"),
    [
        ("+8613912345678", True),
        ("+861065123456", False),
        ("+85291234567", True),
        ("+886912345678", True),
        ("+85366123456", True),
        ("+16502530000", True),  # the North American plan does not tell mobiles apart
        ("+8612345", False),
        ("", False),
        ("garbage", False),
    ],
)
def test_is_mobile(e164, mobile) -> None:
    assert is_mobile(e164) is mobile


REGIONS = ["CN", "HK", "MO", "TW", "SG", "MY", "JP", "KR", "US", "CA", "GB", "AU", "DE", "FR"]


def _example(region: str, kind: int) -> str | None:
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


EXAMPLES = sorted(
    {
        e164
        for region in REGIONS
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)
        if (e164 := _example(region, kind)) is not None
    }
)


def test_every_region_has_examples() -> None:
    assert len(EXAMPLES) >= 2 * len(REGIONS) - 4


@FAST
@given(e164=st.sampled_from(EXAMPLES), clinic_region=st.sampled_from(REGIONS))
def test_round_trip_through_display_form(e164, clinic_region) -> None:
    shown = format_phone(e164, region=clinic_region)
    assert normalize_phone(shown, region=clinic_region) == e164
    assert normalize_phone(e164, region=clinic_region) == e164
    assert phone_digits_for_search(e164) in e164


@FAST
@given(e164=st.sampled_from(EXAMPLES))
def test_full_width_and_0086_style_input_is_accepted(e164) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in format_phone(e164, region="ZZ") if c != " ")
    assert normalize_phone(wide) == e164
    assert normalize_phone("00" + e164[1:]) == e164


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(st.text(max_size=60), st.text(alphabet="0123456789+-() ０１８６", max_size=25)),
    region=st.sampled_from(REGIONS),
)
def test_random_text_only_ever_raises_validation_error(text, region) -> None:
    try:
        e164 = normalize_phone(text, region=region)
    except ValidationError as err:
        assert err.message().strip()
    else:
        assert e164.startswith("+")
        assert e164[1:].isdigit()
        assert normalize_phone(format_phone(e164, region=region), region=region) == e164
    phone_digits_for_search(text)
    format_phone(text, region=region)
    is_mobile(text)


@given(st.integers(min_value=13_000_000_000, max_value=19_999_999_999))
@settings(max_examples=300)
def test_mainland_mobile_shortcut_matches_phonenumbers(digits: int) -> None:
    """format_phone skips parsing for +861x mobiles (worklist speed, issue 9); the text
    must be what phonenumbers itself gives, for every such number."""
    e164 = f"+86{digits}"
    expected = phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.NATIONAL)
    assert phones.format_phone(e164, region="CN") == expected
