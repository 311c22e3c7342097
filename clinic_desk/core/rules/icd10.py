"""ICD-10 codes: the form check only (spec C2), no code list.

A code is a letter, two digits, and optionally a dot with 1-4 letters or
digits: ``I10``, ``J06.9``, ``E11.9``, and the longer codes of China's clinical
edition such as ``M47.802`` or ``I10.X00``. What was typed is normalised first
(full-width characters from a Chinese IME, lower case, a missing dot), so
``ｊ０６．９`` and ``j069`` both become ``J06.9``.
"""

from __future__ import annotations

import re
import unicodedata

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

MAX_LENGTH = 10  # the width of the ``icd10`` columns

_CODE = re.compile(r"[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?", re.ASCII)
_NO_DOT = re.compile(r"([A-Z][0-9]{2})([0-9A-Z]{1,4})", re.ASCII)

BAD_FORM = QT_TRANSLATE_NOOP(
    "Errors",
    "The ICD-10 code “{code}” is not in the right form: it is a letter and two digits, "
    "then optionally a dot and up to four letters or digits, for example J06.9 or I10. "
    "Check it and type it again, or leave it empty.",
)


def normalize_icd10(text: str) -> str:
    """The code in its stored form (upper case, with its dot), or "" for empty input.

    Raises ``ValidationError`` when it is not an ICD-10 code's form.
    """
    code = unicodedata.normalize("NFKC", text).strip().upper()
    # Spaces inside ("J06 .9") are typing slips, not part of a code.
    code = re.sub(r"\s+", "", code)
    if not code:
        return ""
    if _CODE.fullmatch(code):
        return code
    found = _NO_DOT.fullmatch(code)
    if found:
        return f"{found.group(1)}.{found.group(2)}"
    raise ValidationError(BAD_FORM, code=text.strip()[:20])


def is_icd10(text: str) -> bool:
    try:
        return normalize_icd10(text) != ""
    except ValidationError:
        return False
