"""Checking what the desk typed for a patient (spec C1), field by field.

Used by the registry service before it writes and by the UI as the user
types, so both say the same thing in the same words. Pure: no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import honorifics
from clinic_desk.core.rules.id_documents import MAX_AGE_YEARS, DocumentKind, parse_document
from clinic_desk.core.rules.phones import normalize_phone

SEXES = ("F", "M", "U")

# Preferred contact channels (spec C1), in the patient's order of preference.
CONTACT_CHANNELS: dict[str, str] = {
    "mobile": QT_TRANSLATE_NOOP("Patient", "Mobile call"),
    "sms": QT_TRANSLATE_NOOP("Patient", "SMS"),
    "wechat": QT_TRANSLATE_NOOP("Patient", "WeChat"),
    "qq": QT_TRANSLATE_NOOP("Patient", "QQ"),
    "email": QT_TRANSLATE_NOOP("Patient", "E-mail"),
    "letter": QT_TRANSLATE_NOOP("Patient", "Letter"),
    "home_visit": QT_TRANSLATE_NOOP("Patient", "Home visit"),
}

# How the patient came to the clinic (spec A1).
SOURCE_CHANNELS: dict[str, str] = {
    "walk_in": QT_TRANSLATE_NOOP("Patient", "Walked in"),
    "phone": QT_TRANSLATE_NOOP("Patient", "Phone booking"),
    "online": QT_TRANSLATE_NOOP("Patient", "Online booking"),
    "referral": QT_TRANSLATE_NOOP("Patient", "Referral"),
    "free_clinic": QT_TRANSLATE_NOOP("Patient", "Free-clinic event"),
    "recommended": QT_TRANSLATE_NOOP("Patient", "Recommended by someone"),
    "other": QT_TRANSLATE_NOOP("Patient", "Other"),
}

# Special needs (spec B6, H3). Child and elderly also follow from the age.
SPECIAL_NEEDS: dict[str, str] = {
    "child": QT_TRANSLATE_NOOP("Patient", "Child"),
    "elderly": QT_TRANSLATE_NOOP("Patient", "Elderly"),
    "disabled": QT_TRANSLATE_NOOP("Patient", "Disabled"),
    "accompanied": QT_TRANSLATE_NOOP("Patient", "Accompanied service"),
}

SEX_LABELS: dict[str, str] = {
    "F": QT_TRANSLATE_NOOP("Patient", "Female"),
    "M": QT_TRANSLATE_NOOP("Patient", "Male"),
    "U": QT_TRANSLATE_NOOP("Patient", "Not stated"),
}

ID_KIND_LABELS: dict[str, str] = {
    DocumentKind.RESIDENT_ID: QT_TRANSLATE_NOOP("Patient", "Resident ID card (mainland)"),
    DocumentKind.HK_ID: QT_TRANSLATE_NOOP("Patient", "Hong Kong identity card"),
    DocumentKind.MO_ID: QT_TRANSLATE_NOOP("Patient", "Macau identity card"),
    DocumentKind.TW_ID: QT_TRANSLATE_NOOP("Patient", "Taiwan ID card"),
    DocumentKind.HK_MO_PERMIT: QT_TRANSLATE_NOOP("Patient", "Mainland travel permit (HK/Macau)"),
    DocumentKind.TW_PERMIT: QT_TRANSLATE_NOOP("Patient", "Mainland travel permit (Taiwan)"),
    DocumentKind.HMT_RESIDENCE: QT_TRANSLATE_NOOP("Patient", "Residence permit (HK/Macau/TW)"),
    DocumentKind.FOREIGN_PERMANENT: QT_TRANSLATE_NOOP("Patient", "Foreign permanent resident ID"),
    DocumentKind.PASSPORT: QT_TRANSLATE_NOOP("Patient", "Passport"),
}

# Column widths of the ``patient`` table; the messages name them.
LIMITS: dict[str, int] = {
    "family_name": 100,
    "given_name": 100,
    "address": 500,
    "occupation": 100,
    "title": 100,
    "email": 200,
    "wechat": 100,
    "qq": 20,
    "emergency_name": 100,
    "emergency_relation": 50,
    "desk_notes": 4000,
    "honorific_override": 50,
}

_TOO_LONG = QT_TRANSLATE_NOOP("Errors", "This is too long: use at most {n} characters.")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_QQ = re.compile(r"[1-9][0-9]{4,11}")
_WECHAT = re.compile(r"[A-Za-z][-_A-Za-z0-9]{5,19}|\+?[0-9]{6,20}")
# Control characters (other than line breaks in notes) never belong in a record.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def display_name(family: str, given: str) -> str:
    """家名+名 for Chinese names, "Given Family" for names in Latin letters."""
    family, given = family.strip(), given.strip()
    if (family + given).isascii() and family and given:
        return f"{given} {family}"
    return family + given


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be part of a name, or None (letters are checked on the whole name).

    Any script's letters (and marks, and punctuation such as · ' -) make a
    name: 阿依古丽·买买提, O'Brien, ཚེ་རིང. Emoji, symbols and control
    characters do not: they do not print on cards or match an ID document.
    """
    for ch in text:
        if unicodedata.category(ch)[0] in "SC" and ch not in "\u200c\u200d":
            return QT_TRANSLATE_NOOP(
                "Errors", "A name is made of letters: remove the emoji or other symbols from it."
            )
    return None


def has_letters(text: str) -> bool:
    return any(unicodedata.category(ch)[0] == "L" for ch in text)


class FieldInvalid(ValidationError):
    """A ValidationError that names the form field it is about (for the UI)."""

    def __init__(self, field_name: str, error: ValidationError) -> None:
        super().__init__(error.template, **error.params)
        self.field = field_name


@dataclass(frozen=True)
class PatientInput:
    """What the desk typed; every field optional except a name."""

    family_name: str = ""
    given_name: str = ""
    sex: str = "U"
    birth_date: date | None = None
    phone: str = ""
    phone2: str = ""
    id_kind: str = ""
    id_number: str = ""
    address: str = ""
    occupation: str = ""
    title: str = ""
    email: str = ""
    wechat: str = ""
    qq: str = ""
    contact_channels: tuple[str, ...] = ()
    source_channel: str = ""
    special_needs: tuple[str, ...] = ()
    emergency_name: str = ""
    emergency_relation: str = ""
    emergency_phone: str = ""
    desk_notes: str = ""
    honorific_override: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.name != "extra")


def _text(value: str, name: str, *, multiline: bool = False) -> str:
    text = unicodedata.normalize("NFC", str(value))
    text = _CONTROL.sub("", text)
    if not multiline:
        text = " ".join(text.split())
    text = text.strip()
    limit = LIMITS.get(name)
    if limit is not None and len(text) > limit:
        raise FieldInvalid(name, ValidationError(_TOO_LONG, n=limit))
    return text


def check_birth_date(value: date | None, *, today: date) -> date | None:
    if value is None:
        return None
    if value > today:
        raise FieldInvalid(
            "birth_date",
            ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The birth date is in the future: check the year and the month."
                )
            ),
        )
    if honorifics.age_in_years(value, today) >= MAX_AGE_YEARS:
        raise FieldInvalid(
            "birth_date",
            ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The birth date is more than {years} years ago: check the year."
                ),
                years=MAX_AGE_YEARS,
            ),
        )
    return value


def check_phone(value: str, name: str, *, region: str) -> str:
    text = value.strip()
    if not text:
        return ""
    try:
        return normalize_phone(text, region=region or "CN")
    except ValidationError as exc:
        raise FieldInvalid(name, exc) from None


def _codes(
    values: tuple[str, ...] | list[str] | str, known: dict[str, str], name: str
) -> tuple[str, ...]:
    items = values.split(",") if isinstance(values, str) else list(values)
    seen: list[str] = []
    for raw in items:
        code = raw.strip()
        if not code:
            continue
        if code not in known:
            raise FieldInvalid(
                name,
                ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose from the offered values.")),
            )
        if code not in seen:
            seen.append(code)
    return tuple(seen)


def field_errors(data: PatientInput, *, region: str, today: date) -> dict[str, FieldInvalid]:
    """Every field that is wrong, with its message (for validating as the user types)."""
    errors: dict[str, FieldInvalid] = {}
    _check(data, region=region, today=today, errors=errors)
    return errors


def check_patient(data: PatientInput, *, region: str, today: date) -> PatientInput:
    """``data`` cleaned and normalised, or ``FieldInvalid`` naming the first bad field."""
    errors: dict[str, FieldInvalid] = {}
    clean = _check(data, region=region, today=today, errors=errors)
    if errors:
        order = PatientInput.field_names()
        first = min(errors, key=lambda n: order.index(n) if n in order else len(order))
        raise errors[first]
    assert clean is not None
    return clean


def _check(
    data: PatientInput, *, region: str, today: date, errors: dict[str, FieldInvalid]
) -> PatientInput | None:
    def attempt(name: str, check: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except FieldInvalid as exc:
            errors.setdefault(exc.field, exc)
        except ValidationError as exc:
            errors.setdefault(name, FieldInvalid(name, exc))
        return None

    def fail(name: str, template: str, **params: Any) -> None:
        errors.setdefault(name, FieldInvalid(name, ValidationError(template, **params)))

    text: dict[str, str] = {}
    for name in LIMITS:
        value = attempt(
            name, _text, getattr(data, name), name, multiline=name in ("desk_notes", "address")
        )
        text[name] = value if value is not None else ""
    for part in ("family_name", "given_name"):
        problem = name_problem(text[part])
        if problem is not None and part not in errors:
            fail(part, problem)
    whole = text["family_name"] + text["given_name"]
    if whole and not has_letters(whole) and "family_name" not in errors:
        fail(
            "family_name",
            QT_TRANSLATE_NOOP("Errors", "The name has no letters in it. Type the patient's name."),
        )
    if not (text["family_name"] or text["given_name"]) and "family_name" not in errors:
        fail(
            "family_name",
            QT_TRANSLATE_NOOP("Errors", "The patient's name is empty. Type the name."),
        )
    sex = data.sex
    if sex not in SEXES:
        fail("sex", QT_TRANSLATE_NOOP("Errors", "Choose the patient's sex."))
    birth = attempt("birth_date", check_birth_date, data.birth_date, today=today)
    id_kind, id_number = data.id_kind.strip(), data.id_number.strip()
    if id_number and not id_kind:
        fail(
            "id_kind",
            QT_TRANSLATE_NOOP("Errors", "Choose the kind of document the number is from."),
        )
    elif id_number:
        doc = attempt("id_number", parse_document, id_kind, id_number, today=today)
        if doc is not None:
            id_number = doc.number
            # The number encodes birth date and sex: they must agree with the form.
            if doc.birth_date is not None and "birth_date" not in errors:
                if birth is None:
                    birth = doc.birth_date
                elif birth != doc.birth_date:
                    fail(
                        "birth_date",
                        QT_TRANSLATE_NOOP(
                            "Errors",
                            "The birth date does not match the one in the ID number: "
                            "check both against the card.",
                        ),
                    )
            if doc.sex is not None and sex in SEXES:
                if sex == "U":
                    sex = doc.sex
                elif sex != doc.sex:
                    fail(
                        "sex",
                        QT_TRANSLATE_NOOP(
                            "Errors",
                            "The sex does not match the one in the ID number: check both "
                            "against the card.",
                        ),
                    )
    else:
        id_kind = ""
    if text["email"] and not _EMAIL.fullmatch(text["email"]):
        fail(
            "email",
            QT_TRANSLATE_NOOP(
                "Errors", "This is not an e-mail address: it looks like name@example.com."
            ),
        )
    if text["qq"] and not _QQ.fullmatch(text["qq"]):
        fail(
            "qq",
            QT_TRANSLATE_NOOP(
                "Errors", "A QQ number has 5 to 12 digits and does not start with 0."
            ),
        )
    if text["wechat"] and not _WECHAT.fullmatch(text["wechat"]):
        fail(
            "wechat",
            QT_TRANSLATE_NOOP(
                "Errors",
                "A WeChat ID has 6 to 20 letters, digits, - or _ and starts with a "
                "letter; or type the phone number it is linked to.",
            ),
        )
    override = text["honorific_override"]
    if override and honorifics.is_forbidden_preferred(
        override, text["family_name"], text["given_name"]
    ):
        fail(
            "honorific_override",
            QT_TRANSLATE_NOOP(
                "Errors",
                "Patients are never addressed by the bare full name or a bed number: "
                "type a form such as 王教授 or Ms Wong.",
            ),
        )
    source = data.source_channel.strip()
    if source and source not in SOURCE_CHANNELS:
        fail("source_channel", QT_TRANSLATE_NOOP("Errors", "Choose from the offered values."))
    phones = {
        name: attempt(name, check_phone, getattr(data, name), name, region=region)
        for name in ("phone", "phone2", "emergency_phone")
    }
    channels = attempt(
        "contact_channels", _codes, data.contact_channels, CONTACT_CHANNELS, "contact_channels"
    )
    needs = attempt("special_needs", _codes, data.special_needs, SPECIAL_NEEDS, "special_needs")
    if errors:
        return None
    changes: dict[str, Any] = {
        **text,
        **phones,
        "sex": sex,
        "birth_date": birth,
        "id_kind": id_kind,
        "id_number": id_number,
        "contact_channels": channels,
        "special_needs": needs,
        "source_channel": source,
    }
    return replace(data, **changes)
