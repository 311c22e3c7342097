"""Prescriptions: warnings and overrides, roles, audit, guidance (spec D1)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from clinic_desk.core.errors import (
    BreakGlassReasonNeeded,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, patients, prescriptions, staff
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.prescriptions import ItemInput, PrescriptionWarnings
from clinic_desk.core.store.models import (
    Allergy,
    AuditEntry,
    Medication,
    Prescription,
    PrescriptionItem,
)
from tests.conftest import ClinicFixture


def _actor(cf: ClinicFixture, role: Role, n: int = 1) -> Actor:
    login = f"{role.value.replace('_', '.')}{n}"
    staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=f"{role.value} {n}",
        role=role,
        password="some-pass-123",
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _patient(cf: ClinicFixture, given: str = "三") -> uuid.UUID:
    return patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="张",
        given_name=given,
        sex="M",
        birth_date=date(1980, 1, 2),
    ).value.id


def _allergy(cf: ClinicFixture, patient_id: uuid.UUID, substance: str) -> None:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(Allergy(patient_id=patient_id, substance=substance))
        uow.commit()


def _item(drug: str, **kw: object) -> ItemInput:
    base = ItemInput(
        drug=drug,
        strength="0.25g",
        dose="2粒",
        frequency="tid",
        timing="after_meal",
        duration_days=5,
        quantity="1盒",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _count(cf: ClinicFixture, model: type) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(uow.scalar(select(func.count()).select_from(model)))


def _actions(cf: ClinicFixture, patient_id: uuid.UUID) -> list[tuple[str, str, str]]:
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=patient_id)
    return [(r.action, r.outcome, r.staff_login) for r in reversed(rows)]


@pytest.fixture
def doctor(cf: ClinicFixture) -> Actor:
    return _actor(cf, Role.DOCTOR)


def test_write_and_list_a_prescription(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    written = prescriptions.write_prescription(
        cf.clinic,
        doctor,
        pid,
        [
            _item("阿莫西林胶囊", cautions="如出现皮疹立即停药"),
            _item("布洛芬缓释胶囊", frequency="prn"),
        ],
        notes="急性咽炎",
    )
    rx = written.value
    assert written.changes.touches(Topic.CLINICAL) and pid in written.changes.ids
    assert rx.prescriber_id == doctor.staff_id and rx.prescriber_name == "doctor 1"
    assert rx.issued_at == cf.clock.now and rx.active and rx.warnings == ()
    assert [i.drug for i in rx.items] == ["阿莫西林胶囊", "布洛芬缓释胶囊"]
    assert rx.items[0].cautions == "如出现皮疹立即停药" and rx.items[1].frequency == "prn"
    listed = prescriptions.list_prescriptions(cf.clinic, doctor, pid)
    assert listed == [rx]
    # Each drug joins the current medication list, tied to the prescription.
    with cf.clinic.store.unit_of_work(write=False) as uow:
        meds = uow.session.execute(select(Medication).where(Medication.patient_id == pid))
        rows = {(m.drug, m.source, m.prescription_id, m.dose) for m in meds.scalars()}
    assert rows == {
        ("阿莫西林胶囊", "prescription", rx.id, "0.25g 2粒"),
        ("布洛芬缓释胶囊", "prescription", rx.id, "0.25g 2粒"),
    }
    actions = _actions(cf, pid)
    assert ("prescription.write", "ok", doctor.login) in actions
    assert ("prescription.read", "ok", doctor.login) in actions


def test_major_interaction_needs_confirmation_and_reason(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    prescriptions.write_prescription(
        cf.clinic, doctor, pid, [_item("华法林钠片", duration_days=30)]
    )
    before = (_count(cf, Prescription), _count(cf, PrescriptionItem), _count(cf, Medication))
    warnings = prescriptions.check_prescription(cf.clinic, doctor, pid, ["阿司匹林肠溶片"])
    assert [(w.kind, w.severity) for w in warnings] == [("interaction", "major")]
    with pytest.raises(PrescriptionWarnings) as caught:
        prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("阿司匹林肠溶片")])
    assert caught.value.warnings == tuple(warnings)
    assert "1 serious warning" in caught.value.message()
    # Confirming without a reason is not enough.
    with pytest.raises(PrescriptionWarnings):
        prescriptions.write_prescription(
            cf.clinic, doctor, pid, [_item("阿司匹林肠溶片")], acknowledged_warnings=True
        )
    with pytest.raises(PrescriptionWarnings):
        prescriptions.write_prescription(
            cf.clinic, doctor, pid, [_item("阿司匹林肠溶片")], override_reason="心内科会诊意见"
        )
    # Nothing half-written after the refusals.
    after = (_count(cf, Prescription), _count(cf, PrescriptionItem), _count(cf, Medication))
    assert after == before
    rx = prescriptions.write_prescription(
        cf.clinic,
        doctor,
        pid,
        [_item("阿司匹林肠溶片")],
        acknowledged_warnings=True,
        override_reason="心内科会诊意见，INR 每周复查",
    ).value
    assert rx.override_reason == "心内科会诊意见，INR 每周复查"
    assert [(w.kind, w.severity, w.other) for w in rx.warnings] == [
        ("interaction", "major", "华法林钠片")
    ]
    assert prescriptions.list_prescriptions(cf.clinic, doctor, pid)[0].warnings == rx.warnings


def test_allergy_blocks_until_overridden(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    _allergy(cf, pid, "青霉素")
    with pytest.raises(PrescriptionWarnings) as caught:
        prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("阿莫西林胶囊 0.25g")])
    [w] = caught.value.warnings
    assert (w.kind, w.severity, w.other) == ("allergy", "major", "青霉素")
    # Even a moderate allergy warning (cross-reaction) needs the doctor's reason.
    with pytest.raises(PrescriptionWarnings) as caught:
        prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("头孢氨苄")])
    assert [(w.kind, w.severity) for w in caught.value.warnings] == [("allergy", "moderate")]
    rx = prescriptions.write_prescription(
        cf.clinic,
        doctor,
        pid,
        [_item("头孢氨苄")],
        acknowledged_warnings=True,
        override_reason="皮试阴性",
    ).value
    assert rx.override_reason == "皮试阴性"
    # An ended allergy no longer warns.
    with cf.clinic.store.unit_of_work(write=True) as uow:
        for a in uow.session.execute(select(Allergy)).scalars():
            a.ended_at = cf.clock.now
        uow.commit()
    assert prescriptions.check_prescription(cf.clinic, doctor, pid, ["阿莫西林"]) == []


def test_moderate_interactions_are_stored_without_an_override(
    cf: ClinicFixture, doctor: Actor
) -> None:
    pid = _patient(cf)
    rx = prescriptions.write_prescription(
        cf.clinic, doctor, pid, [_item("布洛芬"), _item("双氯芬酸钠")]
    ).value
    assert [(w.kind, w.severity) for w in rx.warnings] == [("duplicate", "moderate")]
    assert rx.override_reason == ""


def test_cancel_ends_the_medication_and_stops_warning(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    rx = prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("华法林")]).value
    assert prescriptions.check_prescription(cf.clinic, doctor, pid, ["阿司匹林"])
    with pytest.raises(ValidationError, match="why"):
        prescriptions.cancel_prescription(cf.clinic, doctor, rx.id, reason="  ")
    cancelled = prescriptions.cancel_prescription(
        cf.clinic, doctor, rx.id, reason="患者已在外院调整抗凝方案"
    ).value
    assert not cancelled.active and cancelled.cancel_reason == "患者已在外院调整抗凝方案"
    with cf.clinic.store.unit_of_work(write=False) as uow:
        med = uow.session.execute(select(Medication)).scalars().one()
        ended = (med.ended_at, med.ended_by)
    assert ended == (cf.clock.now, doctor.staff_id)
    assert prescriptions.check_prescription(cf.clinic, doctor, pid, ["阿司匹林"]) == []
    with pytest.raises(ValidationError, match="already cancelled"):
        prescriptions.cancel_prescription(cf.clinic, doctor, rx.id, reason="again")
    assert ("prescription.cancel", "ok", doctor.login) in _actions(cf, pid)
    # Still listed, as history.
    assert [p.id for p in prescriptions.list_prescriptions(cf.clinic, doctor, pid)] == [rx.id]


def test_finished_course_no_longer_counts_as_current(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("甲硝唑", duration_days=7)])
    assert prescriptions.check_prescription(cf.clinic, doctor, pid, ["华法林"])
    cf.clock.advance(days=8)
    assert prescriptions.check_prescription(cf.clinic, doctor, pid, ["华法林"]) == []


def test_patient_reported_medication_counts(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add(Medication(patient_id=pid, drug="Sildenafil 50mg", source="patient"))
        uow.commit()
    [w] = prescriptions.check_prescription(cf.clinic, doctor, pid, [_item("硝酸甘油片")])
    assert (w.kind, w.severity, w.other) == ("interaction", "major", "Sildenafil 50mg")


@pytest.mark.parametrize(
    ("items", "says"),
    [
        ([], "no drugs"),
        ([ItemInput(drug="阿莫西林", frequency="tid", duration_days=5)] * 31, "at most 30"),
        ([_item("阿莫西林"), _item("   ")], "Line 2: the drug name is empty"),
        ([_item("阿莫西林", duration_days=0)], "Line 1: the duration must be"),
        ([_item("阿莫西林", duration_days=366)], "Line 1: the duration must be"),
        ([_item("阿莫西林", duration_days=None)], "Line 1: the duration must be"),
        ([_item("阿莫西林", duration_days=True)], "Line 1: the duration must be"),
        ([_item("x"), _item("x"), _item("阿莫西林", frequency="")], "Line 3: choose how often"),
        ([_item("阿莫西林", frequency="thrice")], "Line 1: choose how often"),
        ([_item("阿莫西林", route="by_magic")], "Line 1: choose how the drug is given"),
        ([_item("阿莫西林", timing="at_dawn")], "Line 1: choose when"),
        ([_item("阿莫西林", dose="9" * 51)], "Line 1: the dose is too long"),
        ([_item("阿莫西林", quantity="盒" * 51)], "Line 1: the quantity is too long"),
        ([_item("阿莫西林", strength="g" * 41)], "Line 1: the strength is too long"),
        ([_item("药" * 201)], "Line 1: the drug name is too long"),
        ([_item("阿莫西林", cautions="注" * 2001)], "Line 1: the cautions is too long"),
    ],
)
def test_bad_input_is_refused_with_the_line(
    cf: ClinicFixture, doctor: Actor, items: list[ItemInput], says: str
) -> None:
    pid = _patient(cf)
    with pytest.raises(ValidationError) as caught:
        prescriptions.write_prescription(cf.clinic, doctor, pid, items)
    assert says in caught.value.message()
    assert _count(cf, Prescription) == 0 and _count(cf, Medication) == 0


def test_huge_notes_and_reason_are_refused(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    with pytest.raises(ValidationError, match="notes is too long"):
        prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("x")], notes="n" * 5001)
    with pytest.raises(ValidationError, match="reason is too long"):
        prescriptions.write_prescription(
            cf.clinic, doctor, pid, [_item("x")], override_reason="r" * 501
        )
    assert _count(cf, Prescription) == 0


def test_sql_looking_text_cjk_and_emoji_are_stored_verbatim(
    cf: ClinicFixture, doctor: Actor
) -> None:
    pid = _patient(cf)
    drug = "Robert'); DROP TABLE prescription;-- 💊 華法林"
    rx = prescriptions.write_prescription(
        cf.clinic,
        doctor,
        pid,
        [_item("维生素C 😀", cautions="饭后\n多喝水 🥛; DELETE FROM x")],
        notes="1' OR '1'='1",
    ).value
    assert rx.items[0].drug == "维生素C 😀"
    assert rx.items[0].cautions == "饭后\n多喝水 🥛; DELETE FROM x"
    prescriptions.write_prescription(cf.clinic, doctor, pid, [_item(drug)])
    cf.reopen()
    listed = prescriptions.list_prescriptions(cf.clinic, doctor, pid)
    assert [p.items[0].drug for p in listed] == [drug, "维生素C 😀"]
    assert listed[1].notes == "1' OR '1'='1"


def test_control_characters_are_dropped(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    rx = prescriptions.write_prescription(
        cf.clinic, doctor, pid, [_item("阿莫\x00西林\t胶囊")]
    ).value
    assert rx.items[0].drug == "阿莫西林 胶囊"


def test_roles(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    desk = _actor(cf, Role.RECEPTIONIST)
    pharmacist = _actor(cf, Role.PHARMACIST)
    rx = prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("阿莫西林")]).value
    # The receptionist may not list prescriptions (only by breaking the glass).
    with pytest.raises(BreakGlassReasonNeeded):
        prescriptions.list_prescriptions(cf.clinic, desk, pid)
    with pytest.raises(PermissionDenied):
        prescriptions.write_prescription(cf.clinic, desk, pid, [_item("阿莫西林")])
    with pytest.raises(PermissionDenied):
        prescriptions.record_guidance(cf.clinic, desk, rx.id, guidance="x")
    # The pharmacist reads and guides but does not prescribe.
    assert [p.id for p in prescriptions.list_prescriptions(cf.clinic, pharmacist, pid)] == [rx.id]
    with pytest.raises(PermissionDenied):
        prescriptions.write_prescription(cf.clinic, pharmacist, pid, [_item("阿莫西林")])
    with pytest.raises(PermissionDenied):
        prescriptions.check_prescription(cf.clinic, pharmacist, pid, ["阿莫西林"])
    with pytest.raises(PermissionDenied):
        prescriptions.cancel_prescription(cf.clinic, pharmacist, rx.id, reason="x")
    guidance = prescriptions.record_guidance(
        cf.clinic, pharmacist, rx.id, guidance="饭后服用，连服5天，出现皮疹立即停药并复诊。"
    ).value
    assert guidance.pharmacist_id == pharmacist.staff_id
    [listed] = prescriptions.list_prescriptions(cf.clinic, doctor, pid)
    assert [(g.guidance, g.pharmacist_name) for g in listed.guidance] == [
        ("饭后服用，连服5天，出现皮疹立即停药并复诊。", "pharmacist 1")
    ]
    # The doctor does not record pharmacist guidance.
    with pytest.raises(PermissionDenied):
        prescriptions.record_guidance(cf.clinic, doctor, rx.id, guidance="x")
    actions = _actions(cf, pid)
    assert ("prescription.read", "denied", desk.login) in actions
    assert ("prescription.write", "denied", pharmacist.login) in actions
    assert ("prescription.read", "ok", pharmacist.login) in actions
    assert ("prescription.guidance", "ok", pharmacist.login) in actions


def test_every_read_is_audited_and_break_glass_flagged(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    desk = _actor(cf, Role.RECEPTIONIST)
    prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("阿莫西林")])
    prescriptions.check_prescription(cf.clinic, doctor, pid, ["布洛芬"])
    prescriptions.list_prescriptions(cf.clinic, doctor, pid)
    prescriptions.list_prescriptions(cf.clinic, doctor, pid)
    views = prescriptions.list_prescriptions(
        cf.clinic, desk, pid, break_glass_reason="患者晕倒，急诊需要知道用药"
    )
    assert len(views) == 1
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=pid)
    reads = [r for r in rows if r.action == "prescription.read" and r.outcome == "ok"]
    assert len(reads) == 3
    assert [r.break_glass for r in reads] == [True, False, False]
    assert reads[0].reason == "患者晕倒，急诊需要知道用药"
    assert any(r.action == "prescription.check" for r in rows)
    # No drug names or free text in the audit log.
    with cf.clinic.store.unit_of_work(write=False) as uow:
        details = " ".join(uow.session.execute(select(AuditEntry.detail)).scalars())
    assert "阿莫西林" not in details and "布洛芬" not in details


def test_guidance_validation(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    pharmacist = _actor(cf, Role.PHARMACIST)
    rx = prescriptions.write_prescription(cf.clinic, doctor, pid, [_item("阿莫西林")]).value
    with pytest.raises(ValidationError, match="empty"):
        prescriptions.record_guidance(cf.clinic, pharmacist, rx.id, guidance=" \n ")
    with pytest.raises(ValidationError, match="too long"):
        prescriptions.record_guidance(cf.clinic, pharmacist, rx.id, guidance="g" * 5001)
    with pytest.raises(NotFound):
        prescriptions.record_guidance(cf.clinic, pharmacist, uuid.uuid4(), guidance="ok")
    prescriptions.cancel_prescription(cf.clinic, doctor, rx.id, reason="开错了")
    with pytest.raises(ValidationError, match="cancelled"):
        prescriptions.record_guidance(cf.clinic, pharmacist, rx.id, guidance="ok")


def test_unknown_patient_or_visit(cf: ClinicFixture, doctor: Actor) -> None:
    with pytest.raises(NotFound):
        prescriptions.write_prescription(cf.clinic, doctor, uuid.uuid4(), [_item("阿莫西林")])
    with pytest.raises(NotFound):
        prescriptions.list_prescriptions(cf.clinic, doctor, uuid.uuid4())
    pid = _patient(cf)
    with pytest.raises(NotFound):
        prescriptions.write_prescription(
            cf.clinic, doctor, pid, [_item("阿莫西林")], visit_id=uuid.uuid4()
        )
    assert _count(cf, Prescription) == 0
