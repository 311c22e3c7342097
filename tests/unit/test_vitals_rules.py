"""Vital-sign plausibility and parsing (rules/vitals.py) and the ICD-10 form (rules/icd10.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import vitals
from clinic_desk.core.rules.icd10 import is_icd10, normalize_icd10
from clinic_desk.core.rules.vitals import UnusualVitals, check_vitals

# (field, value) that are usual, unusual (need confirming) and impossible (refused).
USUAL = [
    ("systolic", 120),
    ("diastolic", 80),
    ("pulse", 72),
    ("temperature_c", 36.8),
    ("weight_kg", 65.5),
    ("height_cm", 170.0),
    ("spo2", 98),
    ("respiration", 16),
    ("glucose_mmol", 5.6),
    ("weight_kg", 3.2),
    ("height_cm", 50.0),
    ("pulse", 150),
]
UNUSUAL = [
    ("temperature_c", 42.5),
    ("temperature_c", 34.0),
    ("pulse", 35),
    ("pulse", 190),
    ("spo2", 85),
    ("weight_kg", 210.0),
    ("height_cm", 215.0),
    ("respiration", 6),
    ("glucose_mmol", 2.1),
    ("glucose_mmol", 30.0),
    ("weight_kg", 1.0),
    ("temperature_c", 50.0),  # the example: asks, does not refuse
]
IMPOSSIBLE = [
    ("temperature_c", 60.0),
    ("temperature_c", 50.5),
    ("temperature_c", 3.0),
    ("pulse", 0),
    ("pulse", 400),
    ("spo2", 101),
    ("spo2", 10),
    ("weight_kg", 0.0),
    ("weight_kg", 800.0),
    ("height_cm", 300.0),
    ("height_cm", 1.7),
    ("respiration", 0),
    ("glucose_mmol", 100.0),
    ("glucose_mmol", 0.0),
]


def _reading(field: str, value: float) -> dict[str, float | None]:
    # Blood pressure comes in pairs; give the other half a normal value.
    if field == "systolic":
        return {"systolic": value, "diastolic": 60}
    if field == "diastolic":
        return {"systolic": 190, "diastolic": value}
    return {field: value}


@pytest.mark.parametrize(("field", "value"), USUAL)
def test_usual_values_pass(field: str, value: float) -> None:
    assert check_vitals(_reading(field, value))[field] == value


@pytest.mark.parametrize(("field", "value"), UNUSUAL)
def test_unusual_values_need_confirming(field: str, value: float) -> None:
    with pytest.raises(UnusualVitals) as caught:
        check_vitals(_reading(field, value))
    assert caught.value.fields == {field}
    (item,) = caught.value.items
    assert item.message().endswith("is unusual. Record it anyway?")
    assert check_vitals(_reading(field, value), confirmed={field})[field] == value


@pytest.mark.parametrize(("field", "value"), IMPOSSIBLE)
def test_impossible_values_are_refused_even_when_confirmed(field: str, value: float) -> None:
    with pytest.raises(ValidationError) as caught:
        check_vitals(_reading(field, value), confirmed={field})
    assert not isinstance(caught.value, UnusualVitals)
    assert "not possible" in caught.value.message()


def test_messages_say_what_and_what_to_do() -> None:
    with pytest.raises(ValidationError) as caught:
        check_vitals({"temperature_c": 60})
    assert caught.value.message() == (
        "Temperature 60 °C is not possible for a living person: check the thermometer "
        "reading and type it again."
    )
    with pytest.raises(UnusualVitals) as unusual:
        check_vitals({"temperature_c": 42.5, "pulse": 180})
    assert [i.message() for i in unusual.value.items] == [
        "Pulse 180 per minute is unusual. Record it anyway?",
        "Temperature 42.5 °C is unusual. Record it anyway?",
    ]
    assert "42.5 °C" in str(unusual.value)
    # Only the ones not confirmed are asked about again.
    with pytest.raises(UnusualVitals) as again:
        check_vitals({"temperature_c": 42.5, "pulse": 180}, confirmed={"pulse"})
    assert again.value.fields == {"temperature_c"}


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"systolic": 80, "diastolic": 120}, "must be higher"),
        ({"systolic": 90, "diastolic": 90}, "must be higher"),
        ({"systolic": 120}, "needs both numbers"),
        ({"diastolic": 80}, "needs both numbers"),
        ({"pulse": 72.5}, "not a whole number"),
        ({"pulse": True}, "not a whole number"),
        ({"temperature_c": float("nan")}, "not a number"),
        ({"temperature_c": float("inf")}, "not a number"),
    ],
)
def test_blood_pressure_pairs_and_bad_numbers(values: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_vitals(values)  # type: ignore[arg-type]
    assert fragment in caught.value.message()


def test_normalised_types() -> None:
    out = check_vitals({"systolic": 120.0, "diastolic": 80, "temperature_c": 36.849})
    assert out["systolic"] == 120 and isinstance(out["systolic"], int)
    assert out["temperature_c"] == 36.8
    assert out["pulse"] is None and set(out) == set(vitals.FIELDS)
    with pytest.raises(KeyError):
        check_vitals({"bmi": 22})
    with pytest.raises(ValidationError):
        check_vitals({"pulse": 72}, confirmed={"bmi"})


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("temperature_c", "36.8", 36.8),
        ("temperature_c", "36,8", 36.8),
        ("temperature_c", "３６.８", 36.8),
        ("temperature_c", "３６．８", 36.8),
        ("temperature_c", "36.8℃", 36.8),
        ("temperature_c", " 36.8 °C ", 36.8),
        ("temperature_c", "37", 37.0),
        ("pulse", "72", 72),
        ("pulse", "72 次/分", 72),
        ("pulse", "７２", 72),
        ("weight_kg", "65,5 kg", 65.5),
        ("weight_kg", ".5", 0.5),
        ("spo2", "98%", 98),
        ("spo2", "９８％", 98),
        ("glucose_mmol", "5.6 mmol/L", 5.6),
        ("temperature_c", "", None),
        ("temperature_c", "   ", None),
    ],
)
def test_parse_value(field: str, text: str, expected: float | None) -> None:
    assert vitals.parse_value(field, text) == expected


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("temperature_c", "abc"),
        ("temperature_c", "36.8.1"),
        ("temperature_c", "-36"),
        ("temperature_c", "nan"),
        ("temperature_c", "inf"),
        ("temperature_c", "1e2"),
        ("temperature_c", "36,8,1"),
        ("pulse", "72.5"),
        ("pulse", "72 kg"),
        ("spo2", "98.4"),
    ],
)
def test_parse_value_refuses(field: str, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        vitals.parse_value(field, text)
    assert "for example" in caught.value.message()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120/80", (120, 80)),
        ("120 / 80", (120, 80)),
        ("１２０／８０", (120, 80)),
        ("120/80 mmHg", (120, 80)),
        ("", None),
    ],
)
def test_parse_blood_pressure(text: str, expected: tuple[int, int] | None) -> None:
    assert vitals.parse_blood_pressure(text) == expected


@pytest.mark.parametrize("text", ["120", "120-80", "120/", "/80", "120/80/60", "1200/80"])
def test_parse_blood_pressure_refuses(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        vitals.parse_blood_pressure(text)
    assert "120/80" in caught.value.message()


def test_parse_vitals_form() -> None:
    values = vitals.parse_vitals({"blood_pressure": "135/85", "temperature_c": "37,2"})
    assert values == {"systolic": 135, "diastolic": 85, "temperature_c": 37.2}
    assert check_vitals(values)["systolic"] == 135


@given(st.text(max_size=30), st.sampled_from(vitals.FIELDS))
def test_parsing_never_raises_anything_but_validation_error(text: str, field: str) -> None:
    try:
        value = vitals.parse_value(field, text)
    except ValidationError:
        return
    if value is not None:
        try:
            check_vitals(_reading(field, value))
        except (ValidationError, UnusualVitals):
            pass


@given(st.text(max_size=30))
def test_bp_parsing_never_raises_anything_but_validation_error(text: str) -> None:
    try:
        vitals.parse_blood_pressure(text)
    except ValidationError:
        pass


@given(
    st.sampled_from(vitals.FIELDS),
    st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_checking_any_number_raises_only_validation_errors(field: str, value: float) -> None:
    try:
        check_vitals(_reading(field, value))
    except (ValidationError, UnusualVitals):
        pass


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J06.9", "J06.9"),
        ("j06.9", "J06.9"),
        ("I10", "I10"),
        ("E11.9", "E11.9"),
        ("ｊ０６．９", "J06.9"),
        (" e11.9 ", "E11.9"),
        ("J069", "J06.9"),
        ("M47.802", "M47.802"),
        ("i10.x00", "I10.X00"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_icd10_normalised(text: str, expected: str) -> None:
    assert normalize_icd10(text) == expected


@pytest.mark.parametrize("text", ["J6.9", "06.9", "J06.", "J06.12345", "高血压", "J06-9", "JJ0.1"])
def test_icd10_bad_form(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_icd10(text)
    assert "for example J06.9" in caught.value.message()
    assert not is_icd10(text)
