"""Phone numbers: one stored form (E.164), a display form, and digits for search.

Pure functions for the patient registry (spec C1), built on ``phonenumbers``
(Google's libphonenumber metadata). ``normalize_phone`` takes what the front
desk typed (spaces, hyphens, brackets, full-width digits from a Chinese IME,
``+86`` or ``0086``, a landline with its area code) and returns E.164, e.g.
``+8613912345678``, or raises ``ValidationError`` with a sentence saying what
is wrong and what to do. ``region`` is the clinic's region (ISO 3166 alpha-2):
numbers typed without a country code are read as numbers of that region.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

_MAX_INPUT_CHARS = 40
_MIN_DIGITS = 5
_MAX_DIGITS = 17  # "00" + the 15 digits E.164 allows

EMPTY = QT_TRANSLATE_NOOP("Errors", "Type a phone number.")
HAS_LETTERS = QT_TRANSLATE_NOOP(
    "Errors",
    "A phone number has only digits: remove the letters (write an extension in the notes).",
)
BAD_CHARACTERS = QT_TRANSLATE_NOOP(
    "Errors",
    "A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the "
    "other characters.",
)
TOO_SHORT = QT_TRANSLATE_NOOP(
    "Errors",
    "This phone number is too short: type all of its digits, with the area code for a "
    "landline.",
)
TOO_LONG = QT_TRANSLATE_NOOP(
    "Errors",
    "This phone number is too long: check the digits, and type only one number.",
)
BAD_COUNTRY_CODE = QT_TRANSLATE_NOOP(
    "Errors",
    "No country uses the code after the +: check it, or leave out the + for a number in "
    "this country.",
)
INVALID_CHINA = QT_TRANSLATE_NOOP(
    "Errors",
    "This is not a valid phone number for China: check the digits; for another country type "
    "+ and its country code.",
)
INVALID_IN_REGION = QT_TRANSLATE_NOOP(
    "Errors",
    "This is not a valid phone number in the clinic's region ({region}): check the digits; for "
    "another country type + and its country code.",
)
INVALID_FOR_CODE = QT_TRANSLATE_NOOP(
    "Errors",
    "This is not a valid phone number for country code +{code}: check the digits and the "
    "country code.",
)

_ALLOWED = re.compile(r"\(?\+?[0-9 \-.()/]*")
_SEPARATORS = str.maketrans("", "", " -.()/")
# Dashes and spaces NFKC leaves alone; a phone number copied from a web page has them.
_DASHES = str.maketrans(
    {ch: "-" for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"} | {"\u00a0": " "}
)


def _clean(text: str) -> str:
    """``+`` and digits only (``00`` turned into ``+``), or ``ValidationError``."""
    if len(text) > _MAX_INPUT_CHARS:
        raise ValidationError(TOO_LONG)
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES).strip()
    if not folded:
        raise ValidationError(EMPTY)
    if not _ALLOWED.fullmatch(folded):
        if any(ch.isalpha() for ch in folded):
            raise ValidationError(HAS_LETTERS)
        raise ValidationError(BAD_CHARACTERS)
    compact = folded.translate(_SEPARATORS)
    if compact.startswith("00"):  # the international prefix from China (and most places)
        compact = "+" + compact[2:]
    digits = len(compact.lstrip("+"))
    if digits < _MIN_DIGITS:
        raise ValidationError(TOO_SHORT)
    if digits > _MAX_DIGITS:
        raise ValidationError(TOO_LONG)
    return compact


def _invalid(number: PhoneNumber, *, explicit_code: bool, region: str) -> ValidationError:
    if explicit_code:
        return ValidationError(INVALID_FOR_CODE, code=number.country_code)
    if region == "CN":
        return ValidationError(INVALID_CHINA)
    return ValidationError(INVALID_IN_REGION, region=region)


def normalize_phone(text: str, *, region: str = "CN") -> str:
    """``text`` as E.164 (``+8613912345678``), or ``ValidationError`` saying what to fix."""
    region = region.upper()
    compact = _clean(text)
    explicit_code = compact.startswith("+")
    try:
        number = phonenumbers.parse(compact, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise ValidationError(BAD_COUNTRY_CODE) from None
        if exc.error_type == NumberParseException.TOO_LONG:
            raise ValidationError(TOO_LONG) from None
        if exc.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            raise ValidationError(TOO_SHORT) from None
        raise ValidationError(BAD_CHARACTERS) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        raise ValidationError(BAD_COUNTRY_CODE)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        raise ValidationError(TOO_SHORT)
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        raise ValidationError(TOO_LONG)
    if not phonenumbers.is_valid_number(number):
        raise _invalid(number, explicit_code=explicit_code, region=region)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parse_stored(e164: str) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(e164, None)
    except NumberParseException:
        return None


def phone_digits_for_search(e164: str) -> str:
    """The national significant number (``13912345678`` for ``+8613912345678``).

    What the search index holds, so "the last 4 digits" and a number typed
    without its country code or trunk 0 both find the patient. Text that is
    not E.164 (old data) gives its digits as they are.
    """
    number = _parse_stored(e164)
    if number is None:
        return "".join(ch for ch in e164 if ch.isascii() and ch.isdigit())
    return phonenumbers.national_significant_number(number)


_CN_MOBILE = re.compile(r"\+861[3-9]\d{9}")


def format_phone(e164: str, *, region: str = "CN") -> str:
    """For display: national format for numbers of the clinic's ``region``, international else.

    ``normalize_phone(format_phone(x, region=r), region=r) == x`` for valid ``x``.
    Text that is not E.164 is shown as it is.
    """
    if region.upper() == "CN" and _CN_MOBILE.fullmatch(e164):
        # Most numbers on a clinic's lists; parsing each costs ~0.3 ms (a worklist of
        # 800 patients: a quarter of a second). The same text phonenumbers gives.
        return f"{e164[3:6]} {e164[6:10]} {e164[10:]}"
    number = _parse_stored(e164)
    if number is None:
        return e164
    if number.country_code == phonenumbers.country_code_for_region(region.upper()):
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def is_mobile(e164: str) -> bool:
    """Whether the number can take text messages: a mobile, or a number whose plan does
    not tell mobiles from landlines (the USA, Canada...). False for text that is not E.164."""
    number = _parse_stored(e164)
    if number is None or not phonenumbers.is_valid_number(number):
        return False
    return phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
