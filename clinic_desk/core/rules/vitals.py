"""Vital signs: parsing what was typed, and plausibility (spec C2, B2).

Pure rules, no database and no Qt. Each measurement has two ranges:

- the *possible* range: outside it the number cannot belong to a living
  person (a typing slip, a wrong unit, a broken device), so it is refused
  with a ``ValidationError`` saying what to check;
- the *usual* range: outside it the number is possible but rare, so it is
  recorded only when the person confirms it (the caller passes the field in
  ``confirmed``); otherwise ``UnusualVitals`` lists what needs confirming and
  the UI asks, e.g. "Temperature 42.5 °C is unusual. Record it anyway?".

The possible ranges are deliberately generous (survived extremes, newborns),
so that no real reading is ever refused outright.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clinic_desk.core.errors import ClinicError, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english

Number = int | float


@dataclass(frozen=True)
class VitalRule:
    field: str
    label: str  # marked for translation in the "Vitals" context
    unit: str
    whole: bool  # stored as an integer (mmHg, beats, breaths, %)
    decimals: int  # kept after rounding (for the non-whole ones)
    possible: tuple[float, float]  # inclusive
    usual: tuple[float, float]  # inclusive
    not_a_number: str  # templates in the "Errors" context: {text} / {value}
    impossible: str
    unusual: str
    units: tuple[str, ...] = ()  # suffixes accepted (and dropped) when parsing text


RULES: tuple[VitalRule, ...] = (
    VitalRule(
        "systolic",
        QT_TRANSLATE_NOOP("Vitals", "Blood pressure, upper (systolic)"),
        "mmHg",
        True,
        0,
        (40, 320),
        (80, 200),
        QT_TRANSLATE_NOOP(
            "Errors",
            "The upper (systolic) blood pressure “{text}” is not a whole number: type it in "
            "mmHg, for example 120.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "An upper (systolic) blood pressure of {value} mmHg is not possible: measure again "
            "and type the new reading.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors", "Upper (systolic) blood pressure {value} mmHg is unusual. Record it anyway?"
        ),
        ("mmhg",),
    ),
    VitalRule(
        "diastolic",
        QT_TRANSLATE_NOOP("Vitals", "Blood pressure, lower (diastolic)"),
        "mmHg",
        True,
        0,
        (20, 200),
        (40, 130),
        QT_TRANSLATE_NOOP(
            "Errors",
            "The lower (diastolic) blood pressure “{text}” is not a whole number: type it in "
            "mmHg, for example 80.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "A lower (diastolic) blood pressure of {value} mmHg is not possible: measure again "
            "and type the new reading.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors", "Lower (diastolic) blood pressure {value} mmHg is unusual. Record it anyway?"
        ),
        ("mmhg",),
    ),
    VitalRule(
        "pulse",
        QT_TRANSLATE_NOOP("Vitals", "Pulse"),
        "/min",
        True,
        0,
        (15, 320),
        (40, 160),
        QT_TRANSLATE_NOOP(
            "Errors",
            "The pulse “{text}” is not a whole number: type the beats per minute, for example 72.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "A pulse of {value} per minute is not possible: count again for a full minute and "
            "type it again.",
        ),
        QT_TRANSLATE_NOOP("Errors", "Pulse {value} per minute is unusual. Record it anyway?"),
        ("/min", "bpm", "次/分", "次/分钟", "次"),
    ),
    VitalRule(
        "temperature_c",
        QT_TRANSLATE_NOOP("Vitals", "Temperature"),
        "°C",
        False,
        1,
        # Up to 50 °C is asked about rather than refused (issue 4: "temperature
        # 50 °C asks for confirmation"); a slip of the finger is confirmed or fixed.
        (10.0, 50.0),
        (35.0, 41.0),
        QT_TRANSLATE_NOOP(
            "Errors",
            "The temperature “{text}” is not a number: type it in °C, for example 36.8.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "Temperature {value} °C is not possible for a living person: check the "
            "thermometer reading and type it again.",
        ),
        QT_TRANSLATE_NOOP("Errors", "Temperature {value} °C is unusual. Record it anyway?"),
        ("°c", "°", "c", "度"),
    ),
    VitalRule(
        "weight_kg",
        QT_TRANSLATE_NOOP("Vitals", "Weight"),
        "kg",
        False,
        2,
        (0.2, 650.0),
        (1.5, 180.0),
        QT_TRANSLATE_NOOP(
            "Errors", "The weight “{text}” is not a number: type it in kg, for example 65.5."
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "A weight of {value} kg is not possible: check the scale reading and that it is "
            "in kg (not jin or pounds), then type it again.",
        ),
        QT_TRANSLATE_NOOP("Errors", "Weight {value} kg is unusual. Record it anyway?"),
        ("kg", "公斤"),
    ),
    VitalRule(
        "height_cm",
        QT_TRANSLATE_NOOP("Vitals", "Height"),
        "cm",
        False,
        1,
        (20.0, 275.0),
        (40.0, 210.0),
        QT_TRANSLATE_NOOP(
            "Errors", "The height “{text}” is not a number: type it in cm, for example 170."
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "A height of {value} cm is not possible: check that it is in cm (not metres), "
            "then type it again.",
        ),
        QT_TRANSLATE_NOOP("Errors", "Height {value} cm is unusual. Record it anyway?"),
        ("cm", "厘米"),
    ),
    VitalRule(
        "spo2",
        QT_TRANSLATE_NOOP("Vitals", "Oxygen saturation (SpO₂)"),
        "%",
        True,
        0,
        (30, 100),
        (90, 100),
        QT_TRANSLATE_NOOP(
            "Errors",
            "The oxygen saturation “{text}” is not a whole number: type the percentage, for "
            "example 98.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "An oxygen saturation of {value}% is not possible (it is at most 100%): check the "
            "oximeter reading and type it again.",
        ),
        QT_TRANSLATE_NOOP("Errors", "Oxygen saturation {value}% is unusual. Record it anyway?"),
        ("%",),
    ),
    VitalRule(
        "respiration",
        QT_TRANSLATE_NOOP("Vitals", "Breathing rate"),
        "/min",
        True,
        0,
        (2, 100),
        (8, 60),
        QT_TRANSLATE_NOOP(
            "Errors",
            "The breathing rate “{text}” is not a whole number: type the breaths per minute, "
            "for example 16.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "A breathing rate of {value} per minute is not possible: count again for a full "
            "minute and type it again.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors", "Breathing rate {value} per minute is unusual. Record it anyway?"
        ),
        ("/min", "次/分", "次/分钟", "次"),
    ),
    VitalRule(
        "glucose_mmol",
        QT_TRANSLATE_NOOP("Vitals", "Blood glucose"),
        "mmol/L",
        False,
        1,
        (0.5, 80.0),
        (3.0, 25.0),
        QT_TRANSLATE_NOOP(
            "Errors",
            "The blood glucose “{text}” is not a number: type it in mmol/L, for example 5.6.",
        ),
        QT_TRANSLATE_NOOP(
            "Errors",
            "A blood glucose of {value} mmol/L is not possible: check the meter reading and "
            "that it is in mmol/L (not mg/dL), then type it again.",
        ),
        QT_TRANSLATE_NOOP("Errors", "Blood glucose {value} mmol/L is unusual. Record it anyway?"),
        ("mmol/l", "mmol"),
    ),
)

RULE_BY_FIELD: dict[str, VitalRule] = {rule.field: rule for rule in RULES}
FIELDS: tuple[str, ...] = tuple(RULE_BY_FIELD)

BP_NOT_HIGHER = QT_TRANSLATE_NOOP(
    "Errors",
    "The upper (systolic) blood pressure {systolic} must be higher than the lower "
    "(diastolic) {diastolic}: check that they are not swapped, then type them again.",
)
BP_HALF = QT_TRANSLATE_NOOP(
    "Errors",
    "A blood pressure needs both numbers, upper and lower, for example 120/80. Type the "
    "missing one, or clear both.",
)
BP_FORM = QT_TRANSLATE_NOOP(
    "Errors",
    "The blood pressure “{text}” is not in the right form: type the upper and lower numbers "
    "with a slash between them, for example 120/80.",
)
UNKNOWN_CONFIRMED = QT_TRANSLATE_NOOP(
    "Errors", "“{name}” is not a vital sign that can be confirmed."
)

_MAX_TEXT = 40
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", re.ASCII)
_BP = re.compile(r"([0-9]{1,3})\s*/\s*([0-9]{1,3})", re.ASCII)


def format_value(value: Number) -> str:
    """A reading as people write it: 36.8, 120, 50 (no trailing ".0")."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(int(value))


@dataclass(frozen=True)
class UnusualValue:
    """One reading that needs confirming, with the question to ask."""

    field: str
    value: Number
    template: str

    def message(self, translate: Translate = english) -> str:
        return translate("Errors", self.template).format(value=format_value(self.value))


class UnusualVitals(ClinicError):
    """Readings outside the usual range that were not confirmed; nothing was recorded.

    ``fields`` are the names to pass back in ``confirmed`` once the person says
    the readings are right; ``items`` carry the question for each.
    """

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Some readings are outside the usual range. Check them; if they are right, confirm "
        "them to record them anyway.",
    )

    def __init__(self, items: Iterable[UnusualValue]) -> None:
        self.items = tuple(items)
        self.fields = frozenset(item.field for item in self.items)
        super().__init__()
        # The exception text names the questions too (the command line prints it).
        self.args = (self.message(),)

    def message(self, translate: Translate = english) -> str:
        head = super().message(translate)
        return " ".join([head, *(item.message(translate) for item in self.items)])


def _clean_text(text: str) -> str:
    # NFKC turns full-width digits, "．", "，", "／" and "℃" into their plain forms.
    return unicodedata.normalize("NFKC", text).strip().casefold()


def parse_value(field: str, text: str) -> Number | None:
    """What was typed for ``field`` as a number, or None when empty.

    Accepts a decimal comma ("36,8"), full-width digits ("３６．８") and the
    field's unit after the number ("36.8℃", "72 次/分"). Refuses anything
    else with a ``ValidationError``; it does not check the ranges.
    """
    rule = RULE_BY_FIELD[field]
    cleaned = _clean_text(text)
    if not cleaned:
        return None
    for unit in sorted(rule.units, key=len, reverse=True):
        if cleaned.endswith(unit):
            cleaned = cleaned[: -len(unit)].rstrip()
            break
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if len(cleaned) > _MAX_TEXT or not _NUMBER.fullmatch(cleaned):
        raise ValidationError(rule.not_a_number, text=text.strip()[:_MAX_TEXT])
    number = float(cleaned)
    if rule.whole:
        if not number.is_integer():
            raise ValidationError(rule.not_a_number, text=text.strip()[:_MAX_TEXT])
        return int(number)
    return number


def parse_blood_pressure(text: str) -> tuple[int, int] | None:
    """Read "120/80" (also "１２０／８０", "120 / 80 mmHg") as (systolic, diastolic); None if empty.

    Only the form is checked here; ``check_vitals`` checks the numbers.
    """
    cleaned = _clean_text(text)
    if cleaned.endswith("mmhg"):
        cleaned = cleaned[:-4].rstrip()
    if not cleaned:
        return None
    found = _BP.fullmatch(cleaned)
    if found is None:
        raise ValidationError(BP_FORM, text=text.strip()[:_MAX_TEXT])
    return int(found.group(1)), int(found.group(2))


def _number(rule: VitalRule, value: Any) -> Number:
    """A value given as a number (not text): finite, and whole where it must be."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(rule.not_a_number, text=str(value)[:_MAX_TEXT])
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(rule.not_a_number, text=str(value))
    if rule.whole:
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(rule.not_a_number, text=format_value(value))
        return int(value)
    return round(float(value), rule.decimals)


def check_vitals(
    values: Mapping[str, Number | None], confirmed: Iterable[str] = ()
) -> dict[str, Number | None]:
    """The readings, checked and normalised (ints for whole fields, rounded floats).

    Missing fields and None are "not measured". Raises ``ValidationError`` for
    an impossible reading or a half or swapped blood pressure, then
    ``UnusualVitals`` for unusual readings not in ``confirmed``.
    """
    unknown = set(values) - set(FIELDS)
    if unknown:  # a programming error, not the user's
        raise KeyError(f"unknown vital sign fields: {sorted(unknown)}")
    confirmed = frozenset(confirmed)
    for name in confirmed:
        if name not in RULE_BY_FIELD:
            raise ValidationError(UNKNOWN_CONFIRMED, name=str(name)[:40])
    checked: dict[str, Number | None] = {}
    for rule in RULES:
        raw = values.get(rule.field)
        if raw is None:
            checked[rule.field] = None
            continue
        value = _number(rule, raw)
        low, high = rule.possible
        if not low <= value <= high:
            raise ValidationError(rule.impossible, value=format_value(value))
        checked[rule.field] = value
    systolic, diastolic = checked["systolic"], checked["diastolic"]
    if (systolic is None) != (diastolic is None):
        raise ValidationError(BP_HALF)
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        raise ValidationError(BP_NOT_HIGHER, systolic=systolic, diastolic=diastolic)
    unusual = [
        UnusualValue(rule.field, reading, rule.unusual)
        for rule in RULES
        if (reading := checked[rule.field]) is not None
        and not rule.usual[0] <= reading <= rule.usual[1]
        and rule.field not in confirmed
    ]
    if unusual:
        raise UnusualVitals(unusual)
    return checked


def unusual_fields(values: Mapping[str, Number | None]) -> frozenset[str]:
    """The fields whose (possible) readings are outside the usual range."""
    return frozenset(
        rule.field
        for rule in RULES
        if (value := values.get(rule.field)) is not None
        and not rule.usual[0] <= value <= rule.usual[1]
    )


def parse_vitals(texts: Mapping[str, str]) -> dict[str, Number | None]:
    """Parse a form's texts field by field; "blood_pressure" may hold "120/80"."""
    values: dict[str, Number | None] = {}
    for name, text in texts.items():
        if name == "blood_pressure":
            pair = parse_blood_pressure(text)
            if pair is not None:
                values["systolic"], values["diastolic"] = pair
            continue
        if name not in RULE_BY_FIELD:
            raise KeyError(f"unknown vital sign field: {name}")
        values[name] = parse_value(name, text)
    return values
