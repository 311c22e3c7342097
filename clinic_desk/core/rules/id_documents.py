"""Identity document numbers: check them, put them in one canonical form, read what they encode.

Pure functions for the patient registry (spec C1): no database, no Qt, no I/O.
``parse_document`` takes what the front desk typed (spaces, hyphens, brackets,
lowercase and the full-width characters of a Chinese IME are all fine) and
returns an ``IdDocument`` whose ``number`` is the canonical form the registry
stores and matches on, with the birth date and sex the number encodes, or
raises ``ValidationError`` with a sentence that says what is wrong and what to
do. ``guess_kind`` tells the search box which kind of number was typed.

The messages never repeat the number or the birth date it holds (errors never
contain patient data).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

Sex = Literal["F", "M"]

MAX_AGE_YEARS = 130
_MAX_INPUT_CHARS = 64  # longer than any document number with generous spacing


class DocumentKind(StrEnum):
    RESIDENT_ID = "resident_id"  # 中华人民共和国居民身份证
    HK_ID = "hk_id"  # 香港身份证
    TW_ID = "tw_id"  # 台湾身份证 (國民身分證)
    MO_ID = "mo_id"  # 澳门身份证
    HK_MO_PERMIT = "hk_mo_permit"  # 港澳居民来往内地通行证 (回乡证)
    TW_PERMIT = "tw_permit"  # 台湾居民来往大陆通行证 (台胞证)
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证
    HMT_RESIDENCE = "hmt_residence"  # 港澳台居民居住证
    PASSPORT = "passport"  # any country


@dataclass(frozen=True)
class IdDocument:
    kind: DocumentKind
    number: str  # canonical: uppercase, no separators; HK and Macau keep "(check digit)"
    birth_date: date | None  # as encoded in the number, when it encodes one
    sex: Sex | None  # as encoded in the number, when it encodes one


# --- messages ---------------------------------------------------------------

EMPTY = QT_TRANSLATE_NOOP("Errors", "Type the document number.")
TOO_LONG = QT_TRANSLATE_NOOP(
    "Errors",
    "This is too long for a document number: type only the number printed on the document.",
)
BAD_CHARACTERS = QT_TRANSLATE_NOOP(
    "Errors",
    "A document number has only letters and digits (spaces, hyphens and brackets are "
    "ignored): remove the other characters and check the number on the document.",
)
UNKNOWN_KIND = QT_TRANSLATE_NOOP("Errors", "Choose the kind of document first.")

FORMAT = {
    DocumentKind.RESIDENT_ID: QT_TRANSLATE_NOOP(
        "Errors",
        "A resident ID number has 18 characters: 17 digits, then a digit or X (cards from "
        "before 2004 may have 15 digits). Check the number on the card.",
    ),
    DocumentKind.HK_ID: QT_TRANSLATE_NOOP(
        "Errors",
        "A Hong Kong ID number is one or two letters, six digits and a check digit or A in "
        "brackets, for example A123456(3). Check the number on the card.",
    ),
    DocumentKind.TW_ID: QT_TRANSLATE_NOOP(
        "Errors",
        "A Taiwan ID number is one letter and nine digits, for example A123456789. Check the "
        "number on the card.",
    ),
    DocumentKind.MO_ID: QT_TRANSLATE_NOOP(
        "Errors",
        "A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for "
        "example 1234567(8). Check the number on the card.",
    ),
    DocumentKind.HK_MO_PERMIT: QT_TRANSLATE_NOOP(
        "Errors",
        "A Home Return Permit number is H or M followed by 8 digits (older permits add 2 "
        "more digits). Check the number on the permit.",
    ),
    DocumentKind.TW_PERMIT: QT_TRANSLATE_NOOP(
        "Errors",
        "A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). "
        "Check the number on the permit.",
    ),
    DocumentKind.FOREIGN_PERMANENT: QT_TRANSLATE_NOOP(
        "Errors",
        "A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 "
        "letters and 12 digits). Check the number on the card.",
    ),
    DocumentKind.HMT_RESIDENCE: QT_TRANSLATE_NOOP(
        "Errors",
        "A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: "
        "17 digits, then a digit or X. Check the number on the permit.",
    ),
    DocumentKind.PASSPORT: QT_TRANSLATE_NOOP(
        "Errors",
        "A passport number has 5 to 20 letters and digits. Check the number on the passport's "
        "photo page.",
    ),
}

CHECKSUM = {
    DocumentKind.RESIDENT_ID: QT_TRANSLATE_NOOP(
        "Errors",
        "The last character of this resident ID does not match the others: check the number "
        "on the card.",
    ),
    DocumentKind.HMT_RESIDENCE: QT_TRANSLATE_NOOP(
        "Errors",
        "The last character of this residence permit number does not match the others: check "
        "the number on the permit.",
    ),
    DocumentKind.FOREIGN_PERMANENT: QT_TRANSLATE_NOOP(
        "Errors",
        "The last character of this permanent resident ID does not match the others: check "
        "the number on the card.",
    ),
    DocumentKind.HK_ID: QT_TRANSLATE_NOOP(
        "Errors",
        "The check digit in brackets does not match this Hong Kong ID number: check the "
        "number on the card.",
    ),
    DocumentKind.TW_ID: QT_TRANSLATE_NOOP(
        "Errors",
        "The last digit of this Taiwan ID number does not match the others: check the number "
        "on the card.",
    ),
}

REGION_UNKNOWN = QT_TRANSLATE_NOOP(
    "Errors",
    "This resident ID starts with a region code that does not exist: check the first two "
    "digits on the card.",
)
REGION_IS_FOREIGN = QT_TRANSLATE_NOOP(
    "Errors",
    "Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent "
    "resident IDs. Check the number, or choose that kind of document.",
)
HMT_PREFIX = QT_TRANSLATE_NOOP(
    "Errors",
    "A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, "
    "820000 or 830000. Check the number, or choose Resident ID for a mainland card.",
)
TW_SECOND_DIGIT = QT_TRANSLATE_NOOP(
    "Errors",
    "The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.",
)
BIRTH_NOT_A_DATE = QT_TRANSLATE_NOOP(
    "Errors",
    "The birth date inside this number is not a real date: check the number on the card.",
)
BIRTH_IN_FUTURE = QT_TRANSLATE_NOOP(
    "Errors",
    "The birth date inside this number is in the future: check the number on the card.",
)
BIRTH_TOO_OLD = QT_TRANSLATE_NOOP(
    "Errors",
    "The birth date inside this number is more than {years} years ago: check the number on "
    "the card.",
)


# --- normalising ------------------------------------------------------------

# Separators people type or copy from cards; NFKC has already turned the
# full-width forms (－ （ ） 　) into these.
_SEPARATORS = frozenset(" \t\r\n-_/()[]{}\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00b7")
_ALNUM = re.compile(r"[A-Z0-9]*")


def _clean(text: str) -> str:
    """Uppercase letters and digits only, or ``ValidationError``."""
    if len(text) > _MAX_INPUT_CHARS:
        raise ValidationError(TOO_LONG)
    folded = unicodedata.normalize("NFKC", text).upper()
    compact = "".join(ch for ch in folded if ch not in _SEPARATORS)
    if not compact:
        raise ValidationError(EMPTY)
    if not _ALNUM.fullmatch(compact):
        raise ValidationError(BAD_CHARACTERS)
    return compact


# --- checksums and encoded fields ---------------------------------------------

_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"

# The first two digits (province-level region) of mainland codes: GB/T 2260,
# plus 71 (Taiwan) and 81/82/83 (residence permits of HK, Macau, Taiwan residents).
_PROVINCES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55),
     *range(61, 66), 71, 81, 82, 83]
)
_HMT_PREFIXES = ("810000", "820000", "830000")


def gb11643_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits (GB 11643-1999)."""
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS, strict=True))
    return _GB11643_CHECK[total % 11]


def upgrade_legacy_resident_id(number15: str) -> str:
    """The 18-character form of a valid 15-digit resident ID (century 19, new check char)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + gb11643_check_char(first17)


def _birth_date(year: int, month: int, day: int, *, today: date) -> date:
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValidationError(BIRTH_NOT_A_DATE) from None
    if born > today:
        raise ValidationError(BIRTH_IN_FUTURE)
    try:
        limit = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    if born < limit:
        raise ValidationError(BIRTH_TOO_OLD, years=MAX_AGE_YEARS)
    return born


def _sex_from_digit(digit: str) -> Sex:
    return "M" if int(digit) % 2 == 1 else "F"


def _gb11643_document(kind: DocumentKind, number: str, *, today: date) -> IdDocument:
    """An 18-character number with the resident-ID layout, already shape-checked."""
    born = _birth_date(int(number[6:10]), int(number[10:12]), int(number[12:14]), today=today)
    if gb11643_check_char(number[:17]) != number[17]:
        raise ValidationError(CHECKSUM[kind])
    return IdDocument(kind, number, born, _sex_from_digit(number[16]))


_RESIDENT_18 = re.compile(r"\d{17}[0-9X]")
_RESIDENT_15 = re.compile(r"\d{15}")


def _resident_id(number: str, *, today: date) -> IdDocument:
    kind = DocumentKind.RESIDENT_ID
    if not (_RESIDENT_18.fullmatch(number) or _RESIDENT_15.fullmatch(number)):
        raise ValidationError(FORMAT[kind])
    if number[0] == "9":
        raise ValidationError(REGION_IS_FOREIGN)
    if int(number[:2]) not in _PROVINCES:
        raise ValidationError(REGION_UNKNOWN)
    if len(number) == 18:
        return _gb11643_document(kind, number, today=today)
    # GB 11643-1989: 6-digit region, YYMMDD (all born in the 1900s), 3-digit
    # sequence whose last digit gives the sex; there is no check digit.
    born = _birth_date(
        1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]), today=today
    )
    return IdDocument(kind, number, born, _sex_from_digit(number[14]))


def _hmt_residence(number: str, *, today: date) -> IdDocument:
    kind = DocumentKind.HMT_RESIDENCE
    if not _RESIDENT_18.fullmatch(number):
        raise ValidationError(FORMAT[kind])
    if not number.startswith(_HMT_PREFIXES):
        raise ValidationError(HMT_PREFIX)
    return _gb11643_document(kind, number, today=today)


_FPR_2023 = re.compile(r"9\d{16}[0-9X]")
_FPR_OLD = re.compile(r"[A-Z]{3}\d{12}")


def _foreign_permanent(number: str, *, today: date) -> IdDocument:
    kind = DocumentKind.FOREIGN_PERMANENT
    if _FPR_2023.fullmatch(number):
        # 2023 card: 9, province of issue (2), nationality (3 digits), birth date
        # YYYYMMDD, sequence (3, the last odd for men), MOD 11-2 check character.
        return _gb11643_document(kind, number, today=today)
    if _FPR_OLD.fullmatch(number):
        # 2004/2017 card: nationality (ISO 3166 alpha-3), place of issue (4 digits),
        # birth date YYMMDD, then 2 more digits. The century is not written: take
        # the latest one that does not put the birth in the future. The last
        # digit is a check digit, but its algorithm is not in a public standard
        # we can cite, so it is not checked (refusing a genuine card at the desk
        # would be worse than missing a typo), and the sex is not read.
        yy, month, day = int(number[7:9]), int(number[9:11]), int(number[11:13])
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
        try:
            if date(year, month, day) > today:
                year -= 100
        except ValueError:
            pass  # _birth_date says the date is not real
        return IdDocument(kind, number, _birth_date(year, month, day, today=today), None)
    raise ValidationError(FORMAT[kind])


_HK_ID = re.compile(r"([A-Z]{1,2})(\d{6})([0-9A])")


def hk_id_check_char(letters: str, digits: str) -> str:
    """The check character of a Hong Kong ID: weights 9..2, letters A=10.., space=36, mod 11."""
    values = [36] if len(letters) == 1 else []
    values += [ord(ch) - ord("A") + 10 for ch in letters]
    values += [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def _hk_id(number: str) -> IdDocument:
    kind = DocumentKind.HK_ID
    match = _HK_ID.fullmatch(number)
    if not match:
        raise ValidationError(FORMAT[kind])
    letters, digits, check = match.groups()
    if hk_id_check_char(letters, digits) != check:
        raise ValidationError(CHECKSUM[kind])
    return IdDocument(kind, f"{letters}{digits}({check})", None, None)


# Taiwan: the letter stands for a two-digit number (the order is historical,
# hence I, O, W, X... out of place).
_TW_LETTERS = {
    letter: value
    for value, letter in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO", start=10)
}
_TW_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
_TW_ID = re.compile(r"[A-Z]\d{9}")


def tw_id_is_valid(number: str) -> bool:
    """Whether a letter + 9 digits passes the Taiwan ID check (weighted sum mod 10 == 0)."""
    value = _TW_LETTERS[number[0]]
    digits = [value // 10, value % 10, *(int(d) for d in number[1:])]
    return sum(d * w for d, w in zip(digits, _TW_WEIGHTS, strict=True)) % 10 == 0


def _tw_id(number: str) -> IdDocument:
    kind = DocumentKind.TW_ID
    if not _TW_ID.fullmatch(number):
        raise ValidationError(FORMAT[kind])
    # 1/2: citizens (men/women); 8/9: new residents' numbers since 2021 (men/women).
    if number[1] not in "1289":
        raise ValidationError(TW_SECOND_DIGIT)
    if not tw_id_is_valid(number):
        raise ValidationError(CHECKSUM[kind])
    sex: Sex = "M" if number[1] in "18" else "F"
    return IdDocument(kind, number, None, sex)


_MO_ID = re.compile(r"([157]\d{6})(\d)")


def _mo_id(number: str) -> IdDocument:
    # Macau publishes no algorithm for the digit in brackets, so only the
    # format is checked: 1, 5 or 7, six digits, and the check digit.
    match = _MO_ID.fullmatch(number)
    if not match:
        raise ValidationError(FORMAT[DocumentKind.MO_ID])
    body, check = match.groups()
    return IdDocument(DocumentKind.MO_ID, f"{body}({check})", None, None)


_HK_MO_PERMIT = re.compile(r"([HM]\d{8})(\d{2})?")


def _hk_mo_permit(number: str) -> IdDocument:
    # The 2 extra digits of older permits count renewals; they are not part of
    # the holder's lifelong number, so the canonical form drops them and the
    # same person matches across renewals.
    match = _HK_MO_PERMIT.fullmatch(number)
    if not match:
        raise ValidationError(FORMAT[DocumentKind.HK_MO_PERMIT])
    return IdDocument(DocumentKind.HK_MO_PERMIT, match.group(1), None, None)


_TW_PERMIT = re.compile(r"(\d{8})(\d{2}[A-Z]?|[A-Z]\d?)?")


def _tw_permit(number: str) -> IdDocument:
    # Card permits (since 2015) have the holder's lifelong 8-digit number;
    # older booklets wrote it with a 2-digit issue count after it, some with a
    # letter as well (12345678(B), 1234567890(B)). The canonical form is the 8 digits.
    match = _TW_PERMIT.fullmatch(number)
    if not match:
        raise ValidationError(FORMAT[DocumentKind.TW_PERMIT])
    return IdDocument(DocumentKind.TW_PERMIT, match.group(1), None, None)


_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")


def _passport(number: str) -> IdDocument:
    # Every country's passport numbers fit this; a number without any digit is
    # a name typed into the wrong field. A country code typed in front is kept.
    if not _PASSPORT.fullmatch(number) or not any(ch.isdigit() for ch in number):
        raise ValidationError(FORMAT[DocumentKind.PASSPORT])
    return IdDocument(DocumentKind.PASSPORT, number, None, None)


# --- public -------------------------------------------------------------------


def parse_document(kind: DocumentKind | str, text: str, *, today: date) -> IdDocument:
    """The canonical document for ``text`` typed as a ``kind`` number, or ``ValidationError``.

    ``today`` bounds the birth dates the number may encode (not in the future,
    at most ``MAX_AGE_YEARS`` ago).
    """
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise ValidationError(UNKNOWN_KIND) from None
    number = _clean(text)
    match kind:
        case DocumentKind.RESIDENT_ID:
            return _resident_id(number, today=today)
        case DocumentKind.HMT_RESIDENCE:
            return _hmt_residence(number, today=today)
        case DocumentKind.FOREIGN_PERMANENT:
            return _foreign_permanent(number, today=today)
        case DocumentKind.HK_ID:
            return _hk_id(number)
        case DocumentKind.TW_ID:
            return _tw_id(number)
        case DocumentKind.MO_ID:
            return _mo_id(number)
        case DocumentKind.HK_MO_PERMIT:
            return _hk_mo_permit(number)
        case DocumentKind.TW_PERMIT:
            return _tw_permit(number)
        case DocumentKind.PASSPORT:
            return _passport(number)


_HAS_BRACKETS = re.compile(r"[(\[/]")  # Macau cards print 1/234567/8
_HAS_LETTER_AND_DIGIT = re.compile(r"(?=.*[A-Z])(?=.*\d)")


def guess_kind(text: str) -> DocumentKind | None:
    """Which kind of document number ``text`` looks like, for the search box; None if none.

    By shape only (checksums are the job of ``parse_document``). Plain digits
    that fit no document (a phone number, a patient number) give None, and so
    do 8 digits with no brackets being either a Taiwan permit or a Macau ID
    without its brackets: they are taken as a Taiwan permit.
    """
    try:
        number = _clean(text)
    except ValidationError:
        return None
    folded = unicodedata.normalize("NFKC", text)
    if _RESIDENT_18.fullmatch(number):
        if number[0] == "9":
            return DocumentKind.FOREIGN_PERMANENT
        if number.startswith(_HMT_PREFIXES):
            return DocumentKind.HMT_RESIDENCE
        return DocumentKind.RESIDENT_ID
    if _RESIDENT_15.fullmatch(number):
        return DocumentKind.RESIDENT_ID
    if _FPR_OLD.fullmatch(number):
        return DocumentKind.FOREIGN_PERMANENT
    if _TW_ID.fullmatch(number) and number[1] in "1289":
        return DocumentKind.TW_ID
    if _HK_MO_PERMIT.fullmatch(number):
        return DocumentKind.HK_MO_PERMIT
    if _HK_ID.fullmatch(number):
        return DocumentKind.HK_ID
    if _MO_ID.fullmatch(number) and _HAS_BRACKETS.search(folded):
        return DocumentKind.MO_ID
    if _TW_PERMIT.fullmatch(number) and (number.isdigit() and len(number) in (8, 10)):
        return DocumentKind.TW_PERMIT
    if _PASSPORT.fullmatch(number) and _HAS_LETTER_AND_DIGIT.match(number):
        return DocumentKind.PASSPORT
    return None
