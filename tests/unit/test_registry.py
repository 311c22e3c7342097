"""The patient registry (spec C1, C4; issue 4): checks, duplicates, merge, record numbers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.rules.id_documents import gb11643_check_char
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, patients, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.core.services.registry_rules import (
    FieldInvalid,
    PatientInput,
    check_patient,
    field_errors,
)
from clinic_desk.core.store.models import Patient
from tests.conftest import ClinicFixture

TODAY = date(2026, 11, 23)


def resident_id(first17: str) -> str:
    return first17 + gb11643_check_char(first17)


# 110101 Beijing, born 1985-03-12, sequence 123 (odd: male)
ZHANG_ID = resident_id("11010119850312123")


def _actor(cf: ClinicFixture, role: Role) -> Actor:
    login = f"{role.value.replace('_', '.')}1"
    staff.add_staff(cf.clinic, cf.director, login=login, display_name=login, role=role,
                    password="some-pass-123")
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _check(**kw: object) -> PatientInput:
    return check_patient(PatientInput(**kw), region="CN", today=TODAY)  # type: ignore[arg-type]


# -- field checks -----------------------------------------------------------------


def test_resident_id_fills_birth_date_and_sex_and_normalises() -> None:
    clean = _check(family_name="张", given_name="三", id_kind="resident_id",
                   id_number=ZHANG_ID.lower().replace("x", "x") + " ")
    assert clean.birth_date == date(1985, 3, 12)
    assert clean.sex == "M"
    assert clean.id_number == ZHANG_ID


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"id_kind": "resident_id", "id_number": ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0"
                                                                  else "1")},
         "id_number", "check"),
        ({"id_number": ZHANG_ID}, "id_kind", "kind of document"),
        ({"id_kind": "resident_id", "id_number": ZHANG_ID, "sex": "F"}, "sex", "does not match"),
        ({"id_kind": "resident_id", "id_number": ZHANG_ID, "birth_date": date(1985, 3, 13)},
         "birth_date", "does not match"),
        ({"birth_date": date(2027, 1, 1)}, "birth_date", "future"),
        ({"birth_date": date(1876, 1, 1)}, "birth_date", "years ago"),
        ({"phone": "138abc12345"}, "phone", ""),
        ({"phone": "12"}, "phone", ""),
        ({"email": "not-an-address"}, "email", "e-mail"),
        ({"qq": "0123"}, "qq", "QQ"),
        ({"contact_channels": ("pigeon",)}, "contact_channels", "offered"),
        ({"honorific_override": "张三"}, "honorific_override", "bare full name"),
        ({"honorific_override": "3床"}, "honorific_override", "bed number"),
        ({"given_name": "三" * 101}, "given_name", "at most 100"),
        ({"given_name": "三😀"}, "given_name", "emoji"),
        ({"family_name": "12", "given_name": "123"}, "family_name", "no letters"),
    ],
)
def test_bad_input_names_the_field_and_says_what_to_do(
    kw: dict[str, object], field: str, words: str
) -> None:
    data = {"family_name": "张", "given_name": "三", **kw}
    with pytest.raises(FieldInvalid) as err:
        _check(**data)
    assert err.value.field == field
    assert words in err.value.message()


@pytest.mark.parametrize(
    ("family", "given"),
    [("阿依古丽·买买提", ""), ("O'Brien", "Seán"), ("ཚེ་རིང", "བཀྲ་ཤིས"), ("Иванов", "Пётр"),
     ("𠮷", "野"), ("Nguyễn", "Thị Minh Khai"), ("محمد", "علي")],
)
def test_names_in_any_script_are_kept_as_written(family: str, given: str) -> None:
    clean = _check(family_name=family, given_name=given)
    assert (clean.family_name, clean.given_name) == (family, given)


def test_empty_name_refused() -> None:
    with pytest.raises(FieldInvalid) as err:
        _check(family_name="  ", given_name="\t")
    assert err.value.field == "family_name"
    assert "empty" in err.value.message()


def test_field_errors_reports_every_bad_field_at_once() -> None:
    errors = field_errors(
        PatientInput(family_name="张", given_name="三", phone="abc", email="x", qq="1"),
        region="CN", today=TODAY,
    )
    assert set(errors) == {"phone", "email", "qq"}


def test_phones_are_normalised_to_e164_with_the_clinic_region() -> None:
    assert _check(family_name="王", phone="138 1234 5678").phone == "+8613812345678"
    hk = check_patient(PatientInput(family_name="陳", given_name="大文", phone="9123 4567"),
                       region="HK", today=TODAY)
    assert hk.phone == "+85291234567"


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.text(max_size=300), st.text(max_size=40))
def test_any_text_is_either_accepted_or_refused_in_words(
    family: str, given_name: str, phone: str
) -> None:
    try:
        clean = _check(family_name=family, given_name=given_name, phone=phone)
    except ValidationError as exc:
        assert exc.message()
    else:
        assert clean.family_name or clean.given_name
        assert len(clean.family_name) <= 100


# -- the service ------------------------------------------------------------------


def test_register_stores_everything_and_numbers_the_record(cf: ClinicFixture) -> None:
    data = PatientInput(
        family_name="张", given_name="三", id_kind="resident_id", id_number=ZHANG_ID,
        phone="13812345678", address="北京市东城区 1 号 😀", occupation="教师", title="",
        contact_channels=("wechat", "sms"), source_channel="phone",
        special_needs=("accompanied",), emergency_name="李四", emergency_relation="妻子",
        emergency_phone="13900001111", desk_notes="'); DROP TABLE patient;--",
        wechat="zhang_san88",
    )
    first = patients.register_patient(cf.clinic, cf.director, data).value
    second = patients.register_patient(cf.clinic, cf.director, family_name="王",
                                       given_name="芳").value
    assert first.record_no == "2026-000001"
    assert second.record_no == "2026-000002"
    details = patients.get_patient(cf.clinic, cf.director, first.id)
    assert details.data.desk_notes == "'); DROP TABLE patient;--"
    assert details.data.address == "北京市东城区 1 号 😀"
    assert details.data.contact_channels == ("wechat", "sms")
    assert details.data.birth_date == date(1985, 3, 12)
    assert details.data.emergency_phone == "+8613900001111"
    assert details.age == 41
    assert patients.address_patient(cf.clinic, details, "zh_CN") == "张老师"
    assert patients.address_patient(cf.clinic, details, "en") == "Mr Zhang"


def test_children_and_elderly_get_their_needs_and_forms_of_address(cf: ClinicFixture) -> None:
    child = patients.register_patient(cf.clinic, cf.director, family_name="李",
                                      given_name="小明", sex="M",
                                      birth_date=date(2020, 5, 1)).value
    old = patients.register_patient(cf.clinic, cf.director, family_name="王",
                                    given_name="德福", sex="M",
                                    birth_date=date(1940, 5, 1)).value
    c = patients.get_patient(cf.clinic, cf.director, child.id)
    o = patients.get_patient(cf.clinic, cf.director, old.id)
    assert "child" in c.needs and "elderly" in o.needs
    assert patients.address_patient(cf.clinic, c, "zh_CN") == "小明小朋友"
    assert patients.address_patient(cf.clinic, o, "zh_CN") == "王大爷"
    assert patients.address_patient(cf.clinic, o, "zh_TW") == "王伯伯"


def test_patient_override_wins(cf: ClinicFixture) -> None:
    p = patients.register_patient(cf.clinic, cf.director, family_name="黄", given_name="志明",
                                  sex="M", honorific_override="黄教授").value
    d = patients.get_patient(cf.clinic, cf.director, p.id)
    assert patients.address_patient(cf.clinic, d, "en") == "黄教授"


def test_same_id_number_is_never_registered_twice(cf: ClinicFixture) -> None:
    first = patients.register_patient(cf.clinic, cf.director, family_name="张", given_name="三",
                                      id_kind="resident_id", id_number=ZHANG_ID).value
    with pytest.raises(patients.DuplicatePatient) as err:
        patients.register_patient(cf.clinic, cf.director, family_name="张", given_name="叁",
                                  id_kind="resident_id", id_number=ZHANG_ID,
                                  not_duplicate=True)
    assert err.value.certain
    assert [c.id for c in err.value.candidates] == [first.id]


def test_name_birth_phone_match_is_offered_then_may_be_confirmed(cf: ClinicFixture) -> None:
    kw = {"family_name": "刘", "given_name": "洋", "birth_date": date(2019, 1, 1),
          "phone": "13812345678"}
    first = patients.register_patient(cf.clinic, cf.director, **kw).value
    found = patients.find_duplicates(cf.clinic, cf.director, PatientInput(**kw))  # type: ignore[arg-type]
    assert [f.id for f in found] == [first.id]
    with pytest.raises(patients.DuplicatePatient) as err:
        patients.register_patient(cf.clinic, cf.director, **kw)
    assert not err.value.certain
    twin = patients.register_patient(cf.clinic, cf.director, not_duplicate=True, **kw).value
    assert twin.id != first.id
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=twin.id)
    assert json.loads(rows[0].detail)["confirmed_not_duplicate"] is True


def test_update_records_changed_field_names_not_values(cf: ClinicFixture) -> None:
    p = patients.register_patient(cf.clinic, cf.director, family_name="赵", given_name="六",
                                  phone="13812345678").value
    d = patients.get_patient(cf.clinic, cf.director, p.id)
    from dataclasses import replace

    patients.update_patient(cf.clinic, cf.director, p.id,
                            replace(d.data, phone="13987654321", title="科长"))
    d2 = patients.get_patient(cf.clinic, cf.director, p.id)
    assert d2.data.phone == "+8613987654321"
    assert patients.address_patient(cf.clinic, d2, "zh_CN") == "赵科长"
    rows = [r for r in audit_log.audit_report(cf.clinic, cf.director, patient_id=p.id)
            if r.action == "patient.update"]
    assert json.loads(rows[0].detail) == {"fields": ["phone", "title"]}
    assert "13987654321" not in rows[0].detail


def test_refused_update_changes_nothing(cf: ClinicFixture) -> None:
    p = patients.register_patient(cf.clinic, cf.director, family_name="赵", given_name="六",
                                  phone="13812345678").value
    d = patients.get_patient(cf.clinic, cf.director, p.id)
    from dataclasses import replace

    with pytest.raises(FieldInvalid):
        patients.update_patient(cf.clinic, cf.director, p.id,
                                replace(d.data, address="新地址", phone="abc"))
    assert patients.get_patient(cf.clinic, cf.director, p.id).data.address == ""


def test_merge_is_director_only_keeps_both_histories_and_is_audited(cf: ClinicFixture) -> None:
    doctor = _actor(cf, Role.DOCTOR)
    keep = patients.register_patient(cf.clinic, cf.director, family_name="孙", given_name="悟空",
                                      phone="13812345678").value
    dup = patients.register_patient(cf.clinic, cf.director, family_name="孫", given_name="悟空",
                                     address="花果山").value
    patients.add_clinical_note(cf.clinic, doctor, keep.id, body="第一次")
    patients.add_clinical_note(cf.clinic, doctor, dup.id, body="第二次")
    with pytest.raises(PermissionDenied):
        patients.merge_patients(cf.clinic, doctor, keep.id, dup.id, reason="same person")
    with pytest.raises(ValidationError):
        patients.merge_patients(cf.clinic, cf.director, keep.id, dup.id, reason="")
    merged = patients.merge_patients(cf.clinic, cf.director, keep.id, dup.id,
                                     reason="同一人，身份证核对").value
    assert merged.data.address == "花果山"
    assert merged.data.phone == "+8613812345678"
    record = patients.read_clinical_record(cf.clinic, doctor, keep.id)
    assert sorted(n.body for n in record.notes) == ["第一次", "第二次"]
    gone = patients.get_patient(cf.clinic, cf.director, dup.id)
    assert gone.merged_into == keep.id
    assert [h.id for h in patients.search_patients(cf.clinic, cf.director, "悟空")] == [keep.id]
    actions = {r.action for r in audit_log.audit_report(cf.clinic, cf.director,
                                                       patient_id=keep.id)}
    assert "patient.merge" in actions
    with cf.clinic.store.unit_of_work(write=False) as uow:
        assert uow.session.get(Patient, dup.id) is not None  # tombstone, not erased


def test_receptionist_registers_and_finds_by_initials_and_phone_tail(cf: ClinicFixture) -> None:
    desk = _actor(cf, Role.RECEPTIONIST)
    p = patients.register_patient(cf.clinic, desk, family_name="张", given_name="三",
                                  phone="13812345678").value
    assert [h.id for h in patients.search_patients(cf.clinic, desk, "zs")] == [p.id]
    assert [h.id for h in patients.search_patients(cf.clinic, desk, "5678")] == [p.id]


def test_pharmacist_cannot_register(cf: ClinicFixture) -> None:
    pharmacist = _actor(cf, Role.PHARMACIST)
    with pytest.raises(PermissionDenied):
        patients.register_patient(cf.clinic, pharmacist, family_name="张", given_name="三")
