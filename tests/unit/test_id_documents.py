"""Identity document numbers (spec C1): canonical forms, encoded data, refusals with sentences.

Valid numbers in the data are either public examples (GB 11643's 11010519491231002X,
Hong Kong's A123456(3), Taiwan's A123456789) or built here with small
independent check-digit helpers, never by the code under test.
"""

from __future__ import annotations

import string
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import id_documents as ids
from clinic_desk.core.rules.id_documents import (
    DocumentKind,
    IdDocument,
    guess_kind,
    parse_document,
    upgrade_legacy_resident_id,
)

K = DocumentKind
TODAY = date(2026, 11, 23)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- independent helpers ------------------------------------------------------


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 written from the standard: weight 2^(n-1) mod 11, (12 - sum) mod 11."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def resident(region: str, born: date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + mod11_2(first17)


def hk_check(prefix: str, digits: str) -> str:
    padded = prefix.rjust(2)  # one-letter IDs count a leading space worth 36
    values = [36 if c == " " else string.ascii_uppercase.index(c) + 10 for c in padded]
    values += [int(d) for d in digits]
    remainder = sum(v * (9 - i) for i, v in enumerate(values)) % 11
    return {0: "0", 1: "A"}.get(remainder, str(11 - remainder))


TW_CODES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}


def tw_id(letter: str, first8: str) -> str:
    """Letter + 8 digits + the last digit that makes the weighted sum a multiple of 10."""
    code = TW_CODES[letter]
    weighted = sum(int(d) * w for d, w in zip(first8, range(8, 0, -1), strict=True))
    partial = code // 10 + (code % 10) * 9 + weighted
    return f"{letter}{first8}{(10 - partial % 10) % 10}"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def refusal(kind: DocumentKind | str, text: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse_document(kind, text, today=TODAY)
    return caught.value


def test_helpers_agree_with_public_examples() -> None:
    assert mod11_2("11010519491231002") == "X"
    assert mod11_2("44052418800101001") == "4"
    assert hk_check("A", "123456") == "3"
    assert tw_id("A", "12345678") == "A123456789"


# --- valid numbers --------------------------------------------------------------

HK_TWO_LETTERS = "XA" + "654321" + hk_check("XA", "654321")
HK_CHECK_A = next(
    f"B{d:06d}A" for d in range(1_000_000) if hk_check("B", f"{d:06d}") == "A"
)
TW_WOMAN = tw_id("F", "22345678")
TW_NEW_RESIDENT_MAN = tw_id("Z", "81234567")
TW_NEW_RESIDENT_WOMAN = tw_id("K", "91234567")

VALID = [
    # kind, typed, canonical, birth date, sex
    (K.RESIDENT_ID, "11010519491231002X", "11010519491231002X", date(1949, 12, 31), "F"),
    (K.RESIDENT_ID, " 110105 1949 1231 002x ", "11010519491231002X", date(1949, 12, 31), "F"),
    (K.RESIDENT_ID, full_width("11010519491231002X"), "11010519491231002X", date(1949, 12, 31),
     "F"),
    (K.RESIDENT_ID, "110105-19491231-002X", "11010519491231002X", date(1949, 12, 31), "F"),
    (K.RESIDENT_ID, resident("440305", date(1985, 2, 28), 123),
     resident("440305", date(1985, 2, 28), 123), date(1985, 2, 28), "M"),
    (K.RESIDENT_ID, resident("650102", date(2000, 2, 29), 40),
     resident("650102", date(2000, 2, 29), 40), date(2000, 2, 29), "F"),
    (K.RESIDENT_ID, resident("500101", TODAY, 1), resident("500101", TODAY, 1), TODAY, "M"),
    (K.RESIDENT_ID, "110105491231002", "110105491231002", date(1949, 12, 31), "F"),
    (K.RESIDENT_ID, "310104 750615 131", "310104750615131", date(1975, 6, 15), "M"),
    (K.HMT_RESIDENCE, resident("810000", date(1990, 1, 1), 101),
     resident("810000", date(1990, 1, 1), 101), date(1990, 1, 1), "M"),
    (K.HMT_RESIDENCE, resident("830000", date(1972, 10, 9), 8),
     resident("830000", date(1972, 10, 9), 8), date(1972, 10, 9), "F"),
    (K.HMT_RESIDENCE, resident("820000", date(2010, 5, 5), 55),
     resident("820000", date(2010, 5, 5), 55), date(2010, 5, 5), "M"),
    (K.FOREIGN_PERMANENT, resident("911840", date(1980, 7, 4), 12),
     resident("911840", date(1980, 7, 4), 12), date(1980, 7, 4), "F"),
    (K.FOREIGN_PERMANENT, resident("931276", date(1965, 3, 1), 7).lower(),
     resident("931276", date(1965, 3, 1), 7), date(1965, 3, 1), "M"),
    (K.FOREIGN_PERMANENT, "KAZ110090123105", "KAZ110090123105", date(1990, 12, 31), None),
    (K.FOREIGN_PERMANENT, "usa 3100 150310 27", "USA310015031027", date(2015, 3, 10), None),
    (K.HK_ID, "A123456(3)", "A123456(3)", None, None),
    (K.HK_ID, "a123456 3", "A123456(3)", None, None),
    (K.HK_ID, "A1234563", "A123456(3)", None, None),
    (K.HK_ID, "Ａ１２３４５６（３）", "A123456(3)", None, None),
    (K.HK_ID, HK_TWO_LETTERS, f"{HK_TWO_LETTERS[:-1]}({HK_TWO_LETTERS[-1]})", None, None),
    (K.HK_ID, HK_CHECK_A.lower(), f"{HK_CHECK_A[:-1]}(A)", None, None),
    (K.TW_ID, "A123456789", "A123456789", None, "M"),
    (K.TW_ID, "a 123 456 789", "A123456789", None, "M"),
    (K.TW_ID, TW_WOMAN, TW_WOMAN, None, "F"),
    (K.TW_ID, TW_NEW_RESIDENT_MAN, TW_NEW_RESIDENT_MAN, None, "M"),
    (K.TW_ID, TW_NEW_RESIDENT_WOMAN, TW_NEW_RESIDENT_WOMAN, None, "F"),
    (K.MO_ID, "1234567(8)", "1234567(8)", None, None),
    (K.MO_ID, "5/215299/8", "5215299(8)", None, None),
    (K.MO_ID, "71234560", "7123456(0)", None, None),
    (K.HK_MO_PERMIT, "H12345678", "H12345678", None, None),
    (K.HK_MO_PERMIT, "m 1234 5678", "M12345678", None, None),
    (K.HK_MO_PERMIT, "H1234567801", "H12345678", None, None),
    (K.TW_PERMIT, "12345678", "12345678", None, None),
    (K.TW_PERMIT, "1234567803", "12345678", None, None),
    (K.TW_PERMIT, "12345678(B)", "12345678", None, None),
    (K.TW_PERMIT, "1234567801(B)", "12345678", None, None),
    (K.PASSPORT, "E12345678", "E12345678", None, None),
    (K.PASSPORT, "ｅ１２３４５６７８", "E12345678", None, None),
    (K.PASSPORT, "533 380 006", "533380006", None, None),
    (K.PASSPORT, "X1234", "X1234", None, None),
    (K.PASSPORT, "A" * 19 + "1", "A" * 19 + "1", None, None),
]


@pytest.mark.parametrize(("kind", "typed", "canonical", "born", "sex"), VALID)
def test_valid_numbers_parse_to_canonical_form(kind, typed, canonical, born, sex) -> None:
    assert parse_document(kind, typed, today=TODAY) == IdDocument(kind, canonical, born, sex)


def test_kind_may_be_given_as_its_stored_value() -> None:
    assert parse_document("tw_id", "A123456789", today=TODAY).kind is K.TW_ID


def test_legacy_resident_id_upgrades_to_the_18_character_number() -> None:
    assert upgrade_legacy_resident_id("110105491231002") == "11010519491231002X"
    first17 = "310104" + "19750615" + "131"
    assert upgrade_legacy_resident_id("310104750615131") == first17 + mod11_2(first17)


# --- refusals -------------------------------------------------------------------

BAD_DATE_0230 = "110105" + "19900230" + "123"
FUTURE = "110105" + f"{TODAY + timedelta(days=1):%Y%m%d}" + "123"
OLD_150 = "110105" + f"{years_before(TODAY, 150):%Y%m%d}" + "123"
OLD_130_MINUS_A_DAY = "110105" + f"{years_before(TODAY, 130) - timedelta(days=1):%Y%m%d}" + "124"
REGION_00 = "000105" + "19900101" + "123"
REGION_19 = "190105" + "19900101" + "123"
REGION_99 = "990105" + "19900101" + "123"
FPR_BAD_CHECK = resident("911840", date(1980, 7, 4), 12)[:17] + (
    "0" if resident("911840", date(1980, 7, 4), 12)[17] != "0" else "1"
)

INVALID = [
    # kind, typed, template
    (K.RESIDENT_ID, "1101051949123100", ids.FORMAT[K.RESIDENT_ID]),
    (K.RESIDENT_ID, "11010519491231002XX", ids.FORMAT[K.RESIDENT_ID]),
    (K.RESIDENT_ID, "11010519491231002A", ids.FORMAT[K.RESIDENT_ID]),
    (K.RESIDENT_ID, "1101051949123X002X", ids.FORMAT[K.RESIDENT_ID]),
    (K.RESIDENT_ID, "110105194912310021", ids.CHECKSUM[K.RESIDENT_ID]),
    (K.RESIDENT_ID, "110105194912310027", ids.CHECKSUM[K.RESIDENT_ID]),
    (K.RESIDENT_ID, BAD_DATE_0230 + mod11_2(BAD_DATE_0230), ids.BIRTH_NOT_A_DATE),
    (K.RESIDENT_ID, "110105" + "19901301" + "123" + "0", ids.BIRTH_NOT_A_DATE),
    (K.RESIDENT_ID, "110105" + "900230" + "123", ids.BIRTH_NOT_A_DATE),
    (K.RESIDENT_ID, FUTURE + mod11_2(FUTURE), ids.BIRTH_IN_FUTURE),
    (K.RESIDENT_ID, OLD_150 + mod11_2(OLD_150), ids.BIRTH_TOO_OLD),
    (K.RESIDENT_ID, OLD_130_MINUS_A_DAY + mod11_2(OLD_130_MINUS_A_DAY), ids.BIRTH_TOO_OLD),
    (K.RESIDENT_ID, "440524188001010014", ids.BIRTH_TOO_OLD),  # GB 11643's own 1880 example
    (K.RESIDENT_ID, REGION_00 + mod11_2(REGION_00), ids.REGION_UNKNOWN),
    (K.RESIDENT_ID, REGION_19 + mod11_2(REGION_19), ids.REGION_UNKNOWN),
    (K.RESIDENT_ID, REGION_99 + mod11_2(REGION_99), ids.REGION_IS_FOREIGN),
    (K.RESIDENT_ID, resident("911840", date(1980, 7, 4), 12), ids.REGION_IS_FOREIGN),
    (K.RESIDENT_ID, "990105491231002", ids.REGION_IS_FOREIGN),
    (K.HMT_RESIDENCE, "11010519491231002X", ids.HMT_PREFIX),
    (K.HMT_RESIDENCE, "8100001990010110", ids.FORMAT[K.HMT_RESIDENCE]),
    (K.HMT_RESIDENCE, "810000199001011010", ids.CHECKSUM[K.HMT_RESIDENCE]),
    (K.FOREIGN_PERMANENT, "11010519491231002X", ids.FORMAT[K.FOREIGN_PERMANENT]),
    (K.FOREIGN_PERMANENT, FPR_BAD_CHECK, ids.CHECKSUM[K.FOREIGN_PERMANENT]),
    (K.FOREIGN_PERMANENT, "KA1110090123105", ids.FORMAT[K.FOREIGN_PERMANENT]),
    (K.FOREIGN_PERMANENT, "KAZ110090023105", ids.BIRTH_NOT_A_DATE),
    (K.HK_ID, "A123456(4)", ids.CHECKSUM[K.HK_ID]),
    (K.HK_ID, "A123456(A)", ids.CHECKSUM[K.HK_ID]),
    (K.HK_ID, "A12345(3)", ids.FORMAT[K.HK_ID]),
    (K.HK_ID, "ABC123456(3)", ids.FORMAT[K.HK_ID]),
    (K.HK_ID, "1234567(3)", ids.FORMAT[K.HK_ID]),
    (K.TW_ID, "A123456788", ids.CHECKSUM[K.TW_ID]),
    (K.TW_ID, "B123456789", ids.CHECKSUM[K.TW_ID]),
    (K.TW_ID, "A323456789", ids.TW_SECOND_DIGIT),
    (K.TW_ID, "1234567890", ids.FORMAT[K.TW_ID]),
    (K.TW_ID, "A12345678", ids.FORMAT[K.TW_ID]),
    (K.MO_ID, "2234567(8)", ids.FORMAT[K.MO_ID]),
    (K.MO_ID, "123456(7)", ids.FORMAT[K.MO_ID]),
    (K.MO_ID, "1234567(A)", ids.FORMAT[K.MO_ID]),
    (K.HK_MO_PERMIT, "X12345678", ids.FORMAT[K.HK_MO_PERMIT]),
    (K.HK_MO_PERMIT, "H1234567", ids.FORMAT[K.HK_MO_PERMIT]),
    (K.HK_MO_PERMIT, "H123456789", ids.FORMAT[K.HK_MO_PERMIT]),
    (K.TW_PERMIT, "1234567", ids.FORMAT[K.TW_PERMIT]),
    (K.TW_PERMIT, "13912345678", ids.FORMAT[K.TW_PERMIT]),
    (K.TW_PERMIT, "A2345678", ids.FORMAT[K.TW_PERMIT]),
    (K.PASSPORT, "E123", ids.FORMAT[K.PASSPORT]),
    (K.PASSPORT, "ZHANGWEI", ids.FORMAT[K.PASSPORT]),
    (K.PASSPORT, "E" + "1" * 20, ids.FORMAT[K.PASSPORT]),
    (K.PASSPORT, "", ids.EMPTY),
    (K.RESIDENT_ID, " - ( ) ", ids.EMPTY),
    ("driving_licence", "E12345678", ids.UNKNOWN_KIND),
]


@pytest.mark.parametrize(("kind", "typed", "template"), INVALID)
def test_invalid_numbers_are_refused_with_a_specific_sentence(kind, typed, template) -> None:
    err = refusal(kind, typed)
    assert err.template == template
    assert err.message().endswith(".")


HOSTILE = [
    "1'; DROP TABLE patient;--",
    "😀😀😀",
    "110105😀19491231002X",
    "张三",
    "A123456<3>",
    "<script>alert(1)</script>",
    "\x00\x1b[2J",
    "11010519491231002X\u200b",
]


@pytest.mark.parametrize("kind", list(K))
@pytest.mark.parametrize("typed", HOSTILE)
def test_hostile_text_is_refused_with_a_sentence(kind, typed) -> None:
    err = refusal(kind, typed)
    assert err.template == ids.BAD_CHARACTERS
    assert "DROP" not in err.message()


@pytest.mark.parametrize("kind", list(K))
def test_huge_input_is_refused_before_any_work(kind) -> None:
    assert refusal(kind, "1" * 10_000).template == ids.TOO_LONG
    assert refusal(kind, "😀" * 10_000).template == ids.TOO_LONG


def test_birth_date_limits_are_inclusive() -> None:
    oldest = years_before(TODAY, 130)
    assert parse_document(K.RESIDENT_ID, resident("110105", oldest, 5), today=TODAY).birth_date \
        == oldest
    assert refusal(K.RESIDENT_ID, resident("110105", oldest - timedelta(days=1), 5)).template \
        == ids.BIRTH_TOO_OLD


def test_too_old_message_names_the_limit_not_the_date() -> None:
    err = refusal(K.RESIDENT_ID, OLD_150 + mod11_2(OLD_150))
    assert err.params == {"years": 130}
    assert "130 years" in err.message()
    assert OLD_150[6:14] not in err.message()


# --- guessing the kind for the search box -----------------------------------------

GUESSES = [
    ("11010519491231002X", K.RESIDENT_ID),
    ("１１０１０５１９４９１２３１００２ｘ", K.RESIDENT_ID),
    ("110105491231002", K.RESIDENT_ID),
    ("810000199001011010", K.HMT_RESIDENCE),
    ("911840198007040120", K.FOREIGN_PERMANENT),
    ("KAZ110090123105", K.FOREIGN_PERMANENT),
    ("A123456(3)", K.HK_ID),
    ("a1234563", K.HK_ID),
    ("A123456789", K.TW_ID),
    ("1234567(8)", K.MO_ID),
    ("1/234567/8", K.MO_ID),
    ("H12345678", K.HK_MO_PERMIT),
    ("M1234567801", K.HK_MO_PERMIT),
    ("12345678", K.TW_PERMIT),
    ("1234567890", K.TW_PERMIT),
    ("E12345678", K.PASSPORT),
    ("G1234 5678", K.PASSPORT),
    ("13912345678", None),  # a phone number
    ("5678", None),
    ("张三", None),
    ("Zhang San", None),
    ("", None),
    ("1'; DROP TABLE patient;--", None),
    ("😀", None),
    ("9" * 10_000, None),
]


@pytest.mark.parametrize(("typed", "kind"), GUESSES)
def test_guess_kind(typed, kind) -> None:
    assert guess_kind(typed) == kind


# --- properties ---------------------------------------------------------------------

REGIONS = st.sampled_from(
    ["110101", "120104", "130102", "210102", "310115", "320102", "330106", "370202",
     "410105", "440106", "440305", "500103", "510107", "530102", "610113", "650102",
     "710000", "810000", "820000", "830000"]
)
BIRTH_DATES = st.dates(min_value=years_before(TODAY, 130), max_value=TODAY)
SEQUENCES = st.integers(min_value=0, max_value=999)


@FAST
@given(region=REGIONS, born=BIRTH_DATES, sequence=SEQUENCES)
def test_generated_resident_id_parses_back_to_its_date_and_sex(region, born, sequence) -> None:
    number = resident(region, born, sequence)
    doc = parse_document(K.RESIDENT_ID, number, today=TODAY)
    assert doc == IdDocument(K.RESIDENT_ID, number, born, "M" if sequence % 2 else "F")
    assert parse_document(K.RESIDENT_ID, full_width(number.lower()), today=TODAY) == doc
    assert guess_kind(number) in (K.RESIDENT_ID, K.HMT_RESIDENCE)


@FAST
@given(region=REGIONS, born=BIRTH_DATES, sequence=SEQUENCES)
def test_every_single_character_change_of_a_resident_id_is_refused(region, born, sequence) -> None:
    number = resident(region, born, sequence)
    for position, original in enumerate(number):
        for replacement in "0123456789X" if position == 17 else "0123456789":
            if replacement == original:
                continue
            changed = number[:position] + replacement + number[position + 1:]
            with pytest.raises(ValidationError):
                parse_document(K.RESIDENT_ID, changed, today=TODAY)


@FAST
@given(region=REGIONS, sequence=SEQUENCES, days=st.integers(min_value=1, max_value=40_000))
def test_future_birth_dates_are_refused(region, sequence, days) -> None:
    born = TODAY + timedelta(days=days)
    assert refusal(K.RESIDENT_ID, resident(region, born, sequence)).template \
        == ids.BIRTH_IN_FUTURE


@FAST
@given(
    region=REGIONS,
    sequence=SEQUENCES,
    born=st.dates(min_value=date(1800, 1, 1), max_value=years_before(TODAY, 130) - timedelta(1)),
)
def test_birth_dates_over_130_years_ago_are_refused(region, sequence, born) -> None:
    assert refusal(K.RESIDENT_ID, resident(region, born, sequence)).template == ids.BIRTH_TOO_OLD


@FAST
@given(
    prefix=st.text(string.ascii_uppercase, min_size=1, max_size=2),
    digits=st.text("0123456789", min_size=6, max_size=6),
)
def test_generated_hk_ids_parse_and_a_wrong_check_digit_is_refused(prefix, digits) -> None:
    check = hk_check(prefix, digits)
    doc = parse_document(K.HK_ID, f"{prefix.lower()}{digits}（{check}）", today=TODAY)
    assert doc.number == f"{prefix}{digits}({check})"
    for wrong in "0123456789A":
        if wrong != check:
            assert refusal(K.HK_ID, f"{prefix}{digits}({wrong})").template == ids.CHECKSUM[K.HK_ID]


@FAST
@given(
    letter=st.sampled_from(sorted(TW_CODES)),
    second=st.sampled_from("1289"),
    rest=st.text("0123456789", min_size=7, max_size=7),
)
def test_generated_taiwan_ids_parse_with_sex_and_a_wrong_last_digit_is_refused(
    letter, second, rest
) -> None:
    number = tw_id(letter, second + rest)
    doc = parse_document(K.TW_ID, full_width(number), today=TODAY)
    assert doc == IdDocument(K.TW_ID, number, None, "M" if second in "18" else "F")
    for wrong in "0123456789":
        if wrong != number[-1]:
            assert refusal(K.TW_ID, number[:-1] + wrong).template == ids.CHECKSUM[K.TW_ID]


NEAR_MISS = st.text(alphabet="0123456789XxAHM()- /（）１Ｘ", max_size=24)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(list(K)), text=st.one_of(st.text(max_size=80), NEAR_MISS))
def test_random_text_only_ever_raises_validation_error(kind, text) -> None:
    try:
        doc = parse_document(kind, text, today=TODAY)
    except ValidationError as err:
        assert err.message().strip()
    else:
        assert doc.kind is kind
        assert doc.number == unicodedata.normalize("NFKC", doc.number).upper()
        # canonical numbers parse to themselves
        assert parse_document(kind, doc.number, today=TODAY) == doc
    assert guess_kind(text) in (None, *K)
