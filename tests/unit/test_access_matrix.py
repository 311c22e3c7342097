"""Who may do what with a patient's record: every role against every service (spec C3, C6, I1).

The matrix is derived from ``ROLE_PERMISSIONS`` and checked by calling the real
services, so a service that forgets its check, or checks the wrong action,
fails here. The issue's own rule is asserted separately, in words, so a
change to the permission table that breaks it fails too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from clinic_desk.core.errors import BreakGlassReasonNeeded, PermissionDenied
from clinic_desk.core.security.permissions import ROLE_PERMISSIONS, Action, Role, allowed
from clinic_desk.core.services import (
    audit_log,
    clinical,
    patient_search,
    patients,
    prescriptions,
    referrals,
    staff,
)
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.registry_rules import PatientInput
from tests.conftest import ClinicFixture


@dataclass
class World:
    clinic: Clinic
    director: Actor
    patient: uuid.UUID
    other: uuid.UUID
    prescription: uuid.UUID
    actors: dict[Role, Actor]


Call = Callable[[World, Actor], Any]

# (name, action the issue says governs it, the call)
OPERATIONS: list[tuple[str, Action, Call]] = [
    (
        "search",
        Action.PATIENT_SEARCH,
        lambda w, a: patient_search.search_patients(w.clinic, a, "张"),
    ),
    (
        "register",
        Action.PATIENT_REGISTER,
        lambda w, a: patients.register_patient(w.clinic, a, family_name="新", given_name=a.login),
    ),
    (
        "edit demographics",
        Action.PATIENT_EDIT,
        lambda w, a: patients.update_patient(
            w.clinic,
            a,
            w.patient,
            PatientInput(family_name="张", given_name="三", address=f"地址 {a.login}"),
        ),
    ),
    (
        "merge",
        Action.PATIENT_MERGE,
        lambda w, a: patients.merge_patients(
            w.clinic, a, w.patient, w.other, reason="身份证号相同"
        ),
    ),
    (
        "read clinical record",
        Action.CLINICAL_READ,
        lambda w, a: clinical.read_record(w.clinic, a, w.patient),
    ),
    (
        "record a visit",
        Action.CLINICAL_WRITE,
        lambda w, a: clinical.record_visit(
            w.clinic, a, w.patient, diagnosis="上呼吸道感染", icd10="J06.9", category="cold"
        ),
    ),
    (
        "read allergies and medication",
        Action.SAFETY_READ,
        lambda w, a: clinical.read_safety(w.clinic, a, w.patient),
    ),
    (
        "add an allergy",
        Action.SAFETY_WRITE,
        lambda w, a: clinical.add_allergy(w.clinic, a, w.patient, substance=f"花粉 {a.login}"),
    ),
    (
        "record vital signs",
        Action.VITALS_RECORD,
        lambda w, a: clinical.record_vitals(w.clinic, a, w.patient, pulse=72),
    ),
    (
        "read prescriptions",
        Action.PRESCRIPTION_READ,
        lambda w, a: prescriptions.list_prescriptions(w.clinic, a, w.patient),
    ),
    (
        "write a prescription",
        Action.PRESCRIPTION_WRITE,
        lambda w, a: prescriptions.write_prescription(
            w.clinic,
            a,
            w.patient,
            [
                prescriptions.ItemInput(
                    drug="对乙酰氨基酚", dose="0.5g", frequency="tid", duration_days=3
                )
            ],
        ),
    ),
    (
        "record pharmacist guidance",
        Action.PHARMACY_GUIDANCE,
        lambda w, a: prescriptions.record_guidance(
            w.clinic, a, w.prescription, guidance="饭后服用"
        ),
    ),
    (
        "read referrals",
        Action.CLINICAL_READ,
        lambda w, a: referrals.list_referrals(w.clinic, a, w.patient),
    ),
    (
        "refer to a hospital",
        Action.REFERRAL_WRITE,
        lambda w, a: referrals.refer_out(
            w.clinic, a, w.patient, partner="市人民医院", reason="需要进一步检查"
        ),
    ),
    (
        "log an incoming referral",
        Action.REFERRAL_DESK,
        lambda w, a: referrals.log_incoming(w.clinic, a, w.patient, partner="社区诊所"),
    ),
    (
        "list incoming referrals",
        Action.REFERRAL_DESK,
        lambda w, a: referrals.list_incoming(w.clinic, a),
    ),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.conftest import FakeClock, make_clinic

    cf = make_clinic(tmp_path_factory.mktemp("matrix") / "clinic", FakeClock())
    actors: dict[Role, Actor] = {}
    for role in Role:
        login = f"{role.value.replace('_', '.')}1"
        staff.add_staff(
            cf.clinic,
            cf.director,
            login=login,
            display_name=login,
            role=role,
            password="some-pass-123",
        )
        actors[role] = staff.sign_in(cf.clinic, login, "some-pass-123")
    p = patients.register_patient(
        cf.clinic, cf.director, family_name="张", given_name="三", birth_date=date(1960, 1, 1)
    ).value
    rx = prescriptions.write_prescription(
        cf.clinic,
        cf.director,
        p.id,
        [prescriptions.ItemInput(drug="阿莫西林", dose="0.5g", frequency="tid", duration_days=5)],
    ).value
    yield World(cf.clinic, cf.director, p.id, uuid.uuid4(), rx.id, actors)
    cf.clinic.close()


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize(("name", "action", "call"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_role_action_matrix(
    world: World, role: Role, name: str, action: Action, call: Call
) -> None:
    actor = world.actors[role]
    if action == Action.PATIENT_MERGE:
        # A fresh duplicate each time, so the director's allowed merge has something to merge.
        world.other = patients.register_patient(
            world.clinic, world.director, family_name="张", given_name=f"三{role.value}"
        ).value.id
    if allowed(role, action):
        call(world, actor)
    else:
        with pytest.raises((PermissionDenied, BreakGlassReasonNeeded)):
            call(world, actor)
        denied = [
            r
            for r in audit_log.audit_report(world.clinic, world.director)
            if r.outcome == "denied" and r.staff_login == actor.login
        ]
        assert denied, f"{role} refused {name} without an audit row"


def test_the_issue_rule_in_words() -> None:
    """Receptionists and customer service: demographics, not clinical notes, diagnoses or
    prescriptions; doctors everything clinical; pharmacists prescriptions and allergies."""
    for role in (Role.RECEPTIONIST, Role.CUSTOMER_SERVICE):
        for action in (Action.CLINICAL_READ, Action.PRESCRIPTION_READ, Action.SAFETY_READ):
            assert not allowed(role, action), (role, action)
        assert allowed(role, Action.PATIENT_SEARCH)
    for action in (
        Action.CLINICAL_READ,
        Action.CLINICAL_WRITE,
        Action.PRESCRIPTION_READ,
        Action.PRESCRIPTION_WRITE,
        Action.SAFETY_READ,
    ):
        assert allowed(Role.DOCTOR, action)
    assert allowed(Role.PHARMACIST, Action.PRESCRIPTION_READ)
    assert allowed(Role.PHARMACIST, Action.SAFETY_READ)
    assert not allowed(Role.PHARMACIST, Action.CLINICAL_READ)
    assert not allowed(Role.PHARMACIST, Action.PRESCRIPTION_WRITE)
    only_director = [
        a for a in Action if [r for r in Role if a in ROLE_PERMISSIONS[r]] == [Role.DIRECTOR]
    ]
    assert Action.PATIENT_MERGE in only_director


def test_receptionist_cannot_see_the_visit_diagnosis_anywhere(cf: ClinicFixture) -> None:
    """Done-when of issue 4: the diagnosis a doctor wrote is not reachable by the desk."""
    login = "desk1"
    staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name="前台",
        role=Role.RECEPTIONIST,
        password="some-pass-123",
    )
    desk = staff.sign_in(cf.clinic, login, "some-pass-123")
    p = patients.register_patient(
        cf.clinic, desk, family_name="李", given_name="四", phone="13812345678"
    ).value
    clinical.record_visit(
        cf.clinic, cf.director, p.id, diagnosis="二型糖尿病", icd10="E11.9", category="chronic"
    )
    for call in (
        lambda: clinical.read_record(cf.clinic, desk, p.id),
        lambda: patients.read_clinical_record(cf.clinic, desk, p.id),
        lambda: referrals.compile_referral_summary(cf.clinic, desk, p.id),
        lambda: referrals.list_referrals(cf.clinic, desk, p.id),
    ):
        with pytest.raises((PermissionDenied, BreakGlassReasonNeeded)):
            call()
    # What the desk can reach holds no diagnosis.
    shown = repr(patients.get_patient(cf.clinic, desk, p.id))
    shown += repr(patient_search.search_patients(cf.clinic, desk, "李四"))
    shown += repr(patients.list_contacts(cf.clinic, desk, p.id))
    shown += repr(referrals.list_incoming(cf.clinic, desk))
    assert "糖尿病" not in shown and "E11" not in shown
