"""The clinical record services (spec C2, C3): safety list, conditions, visits with
corrections, vitals, attachments, assessments, and who may read what."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from clinic_desk.core.errors import (
    BreakGlassReasonNeeded,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from clinic_desk.core.rules.vitals import UnusualVitals
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, clinical, patients, staff
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.settings import update_settings
from clinic_desk.core.store.models import Attachment, AuditEntry, Visit, VitalSigns
from tests.conftest import ClinicFixture

SQL = "'); DROP TABLE patient;--"
CJK = "青霉素 💊 过敏（皮疹）"


def _actor(cf: ClinicFixture, role: Role) -> Actor:
    login = f"{role.value.replace('_', '.')}1"
    staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=f"{role.value} 一号",
        role=role,
        password="some-pass-123",
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _patient(cf: ClinicFixture) -> uuid.UUID:
    return patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="张",
        given_name="三",
        sex="M",
        birth_date=date(1980, 1, 2),
    ).value.id


def _audit(cf: ClinicFixture, patient_id: uuid.UUID) -> list[audit_log.AuditRow]:
    return audit_log.audit_report(cf.clinic, cf.director, patient_id=patient_id)


def _count(cf: ClinicFixture, model: type) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(uow.scalar(select(func.count()).select_from(model)))


@pytest.fixture
def doctor(cf: ClinicFixture) -> Actor:
    return _actor(cf, Role.DOCTOR)


@pytest.fixture
def pid(cf: ClinicFixture) -> uuid.UUID:
    return _patient(cf)


# --- safety list ---------------------------------------------------------------------------


def test_allergies_and_medication_round_trip(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    written = clinical.add_allergy(
        cf.clinic, doctor, pid, substance="  青霉素 ", reaction="皮疹", severity="severe"
    )
    assert written.changes.touches(Topic.CLINICAL) and written.changes.ids == {pid}
    allergy = written.value
    assert (allergy.substance, allergy.severity, allergy.active) == ("青霉素", "severe", True)
    assert allergy.recorded_at == cf.clock.now and allergy.recorded_by == doctor.staff_id
    med = clinical.add_medication(
        cf.clinic,
        doctor,
        pid,
        drug="氨氯地平片",
        dose="5 mg",
        frequency="每日一次",
        since=date(2025, 3, 1),
    ).value
    assert med.source == "patient" and med.since == date(2025, 3, 1)

    safety = clinical.read_safety(cf.clinic, doctor, pid)
    assert [a.substance for a in safety.allergies] == ["青霉素"]
    assert [m.drug for m in safety.medications] == ["氨氯地平片"]
    assert not safety.break_glass

    cf.clock.advance(minutes=5)
    ended = clinical.end_allergy(cf.clinic, doctor, allergy.id, reason="entered in error").value
    assert not ended.active and ended.ended_at == cf.clock.now
    assert ended.ended_by == doctor.staff_id and ended.end_reason == "entered in error"
    clinical.end_medication(cf.clinic, doctor, med.id, reason="医生停药")
    safety = clinical.read_safety(cf.clinic, doctor, pid)
    assert safety.allergies == () and safety.medications == ()
    # Ended, not erased: the full record still shows them.
    record = clinical.read_record(cf.clinic, doctor, pid)
    assert [a.end_reason for a in record.allergies] == ["entered in error"]
    assert record.active_allergies == () and record.current_medications == ()
    with pytest.raises(ValidationError, match="already ended"):
        clinical.end_allergy(cf.clinic, doctor, allergy.id, reason="again")

    actions = [r.action for r in _audit(cf, pid)]
    for action in (
        "safety.allergy_add",
        "safety.medication_add",
        "safety.allergy_end",
        "safety.medication_end",
        "safety.read",
        "clinical.read",
    ):
        assert action in actions


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"substance": "   "}, "The substance is empty. Type what the patient is allergic to."),
        ({"substance": "x" * 201}, "at most 200 characters"),
        ({"substance": "花粉", "severity": "deadly"}, "how severe"),
        ({"substance": "花粉", "reaction": "x" * 501}, "at most 500 characters"),
    ],
)
def test_allergy_input_refused(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID, kwargs: dict[str, str], fragment: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        clinical.add_allergy(cf.clinic, doctor, pid, **kwargs)
    assert fragment in caught.value.message()


def test_duplicate_active_allergy_and_empty_reasons(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    first = clinical.add_allergy(cf.clinic, doctor, pid, substance="Penicillin").value
    with pytest.raises(ValidationError, match="already on the patient's allergy list"):
        clinical.add_allergy(cf.clinic, doctor, pid, substance="penicillin")
    with pytest.raises(ValidationError, match="The reason is empty"):
        clinical.end_allergy(cf.clinic, doctor, first.id, reason="  ")
    with pytest.raises(NotFound):
        clinical.end_allergy(cf.clinic, doctor, uuid.uuid4(), reason="x")
    with pytest.raises(ValidationError, match="in the future"):
        clinical.add_medication(cf.clinic, doctor, pid, drug="阿司匹林", since=date(2030, 1, 1))
    with pytest.raises(ValidationError, match="where the medication"):
        clinical.add_medication(cf.clinic, doctor, pid, drug="阿司匹林", source="shop")


def test_text_is_stored_verbatim(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    clinical.add_allergy(cf.clinic, doctor, pid, substance=SQL, reaction=CJK)
    visit = clinical.record_visit(
        cf.clinic,
        doctor,
        pid,
        chief_complaint=SQL,
        findings=CJK + "\n第二行 😷",
        diagnosis="上呼吸道感染",
        icd10="j06.9",
    ).value
    assert visit.icd10 == "J06.9" and visit.findings == CJK + "\n第二行 😷"
    cf.reopen()
    record = clinical.read_record(cf.clinic, doctor, pid)
    assert (record.allergies[0].substance, record.allergies[0].reaction) == (SQL, CJK)
    assert record.visits[0].current.chief_complaint == SQL
    assert record.patient.family_name == "张"  # the patient table is still there


def test_control_characters_are_dropped(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    allergy = clinical.add_allergy(cf.clinic, doctor, pid, substance="花\x00粉\n过敏\t").value
    assert allergy.substance == "花粉 过敏"


# --- role rules and break-the-glass ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.CUSTOMER_SERVICE])
def test_front_desk_may_not_read_clinical_sections(
    cf: ClinicFixture, pid: uuid.UUID, role: Role
) -> None:
    desk = _actor(cf, role)
    with pytest.raises(BreakGlassReasonNeeded):
        clinical.read_record(cf.clinic, desk, pid)
    with pytest.raises(BreakGlassReasonNeeded):
        clinical.read_safety(cf.clinic, desk, pid)
    with pytest.raises(PermissionDenied):
        clinical.add_allergy(cf.clinic, desk, pid, substance="花粉")
    with pytest.raises(PermissionDenied):
        clinical.record_visit(cf.clinic, desk, pid, chief_complaint="头痛")
    denied = [r for r in reversed(_audit(cf, pid)) if r.outcome == "denied"]
    assert [r.action for r in denied] == [
        "clinical.read",
        "safety.read",
        "safety.write",
        "clinical.write",
    ]
    assert all(r.staff_login == desk.login for r in denied)


def test_pharmacist_reads_safety_not_the_record(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    pharmacist = _actor(cf, Role.PHARMACIST)
    clinical.add_allergy(cf.clinic, doctor, pid, substance="磺胺类")
    assert [a.substance for a in clinical.read_safety(cf.clinic, pharmacist, pid).allergies] == [
        "磺胺类"
    ]
    with pytest.raises(BreakGlassReasonNeeded):
        clinical.read_record(cf.clinic, pharmacist, pid)
    # The pharmacist may correct the allergy list but not write a visit.
    clinical.add_allergy(cf.clinic, pharmacist, pid, substance="头孢类")
    with pytest.raises(PermissionDenied):
        clinical.record_visit(cf.clinic, pharmacist, pid, diagnosis="x")


def test_nurse_records_vitals_but_not_visits(cf: ClinicFixture, pid: uuid.UUID) -> None:
    nurse = _actor(cf, Role.TRIAGE_NURSE)
    clinical.record_vitals(cf.clinic, nurse, pid, systolic=120, diastolic=80)
    with pytest.raises(PermissionDenied):
        clinical.record_visit(cf.clinic, nurse, pid, diagnosis="x")
    manager = _actor(cf, Role.HEALTH_MANAGER)
    with pytest.raises(PermissionDenied):
        clinical.record_vitals(cf.clinic, manager, pid, pulse=70)
    assert clinical.read_record(cf.clinic, manager, pid).vitals[0].current.systolic == 120


def test_break_glass_with_a_reason_is_flagged(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    desk = _actor(cf, Role.RECEPTIONIST)
    clinical.add_allergy(cf.clinic, doctor, pid, substance="青霉素", severity="life_threatening")
    data = clinical.add_attachment(
        cf.clinic, doctor, pid, title="心电图", filename="ecg.pdf", data=b"%PDF-1.4 test"
    ).value
    with pytest.raises(BreakGlassReasonNeeded):
        clinical.read_safety(cf.clinic, desk, pid, break_glass_reason=" ")
    why = "患者在前台晕倒，需要查过敏史"
    safety = clinical.read_safety(cf.clinic, desk, pid, break_glass_reason=why)
    assert safety.break_glass and safety.allergies[0].severity == "life_threatening"
    record = clinical.read_record(cf.clinic, desk, pid, break_glass_reason=why)
    assert record.break_glass and record.allergies[0].substance == "青霉素"
    meta, content = clinical.read_attachment(cf.clinic, desk, data.id, break_glass_reason=why)
    assert content == b"%PDF-1.4 test" and meta.id == data.id
    flagged = audit_log.audit_report(cf.clinic, cf.director, break_glass_only=True)[::-1]
    assert [r.action for r in flagged] == [
        "safety.read",
        "clinical.read",
        "clinical.attachment_read",
    ]
    assert all(r.reason == why and r.patient_id == pid for r in flagged)
    # A doctor's read is not flagged.
    assert not clinical.read_record(cf.clinic, doctor, pid).break_glass


def test_reads_of_a_missing_patient(cf: ClinicFixture, doctor: Actor) -> None:
    with pytest.raises(NotFound):
        clinical.read_record(cf.clinic, doctor, uuid.uuid4())
    with pytest.raises(NotFound):
        clinical.read_safety(cf.clinic, doctor, uuid.uuid4())
    with pytest.raises(NotFound):
        clinical.add_condition(cf.clinic, doctor, uuid.uuid4(), name="高血压")


# --- conditions, visits and corrections -------------------------------------------------------


def test_conditions(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    cond = clinical.add_condition(
        cf.clinic, doctor, pid, name="原发性高血压", icd10="i10", since=date(2020, 5, 1)
    ).value
    assert (cond.icd10, cond.active) == ("I10", True)
    with pytest.raises(ValidationError, match="is not in the right form"):
        clinical.add_condition(cf.clinic, doctor, pid, name="糖尿病", icd10="E1.9")
    with pytest.raises(ValidationError, match="The condition is empty"):
        clinical.add_condition(cf.clinic, doctor, pid, name="")
    clinical.end_condition(cf.clinic, doctor, cond.id, reason="诊断有误")
    record = clinical.read_record(cf.clinic, doctor, pid)
    assert [(c.name, c.active, c.end_reason) for c in record.conditions] == [
        ("原发性高血压", False, "诊断有误")
    ]


def test_visit_defaults_and_checks(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    visit = clinical.record_visit(
        cf.clinic, doctor, pid, chief_complaint="咽痛两天", category="cold"
    ).value
    assert visit.doctor_id == doctor.staff_id and visit.author_id == doctor.staff_id
    assert visit.visit_at == cf.clock.now and visit.finished_at == cf.clock.now
    assert visit.category in clinical.VISIT_CATEGORIES
    assert set(clinical.VISIT_CATEGORY_LABELS) == set(clinical.VISIT_CATEGORIES)
    open_visit = clinical.record_visit(cf.clinic, doctor, pid, plan="复查", finished=False).value
    assert open_visit.finished_at is None and open_visit.category == "other"
    with pytest.raises(ValidationError, match="The visit is empty"):
        clinical.record_visit(cf.clinic, doctor, pid, chief_complaint="  ")
    with pytest.raises(ValidationError, match="kind of visit"):
        clinical.record_visit(cf.clinic, doctor, pid, diagnosis="x", category="flu")
    with pytest.raises(ValidationError, match="in the future"):
        clinical.record_visit(
            cf.clinic, doctor, pid, diagnosis="x", visit_at=cf.clock.now + timedelta(days=3)
        )
    with pytest.raises(ValidationError, match="not a staff member"):
        clinical.record_visit(cf.clinic, doctor, pid, diagnosis="x", doctor_id=uuid.uuid4())
    with pytest.raises(ValueError, match="timezone-aware"):
        clinical.record_visit(
            cf.clinic, doctor, pid, diagnosis="x", visit_at=datetime(2026, 1, 1, 9, 0)
        )
    with pytest.raises(ValidationError, match="at most 20000"):
        clinical.record_visit(cf.clinic, doctor, pid, findings="x" * 20_001)


def test_corrections_are_appended_and_both_kept(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    first = clinical.record_visit(
        cf.clinic,
        doctor,
        pid,
        category="cold",
        chief_complaint="咽痛",
        diagnosis="急性咽炎",
        icd10="J02.9",
        plan="含片",
    ).value
    other_doctor = _actor(cf, Role.HEALTH_MANAGER)  # a reader, to check names later
    cf.clock.advance(hours=2)
    second = clinical.correct_visit(
        cf.clinic,
        cf.director,
        first.id,
        reason="诊断写错",
        diagnosis="上呼吸道感染",
        icd10="J06.9",
    ).value
    assert second.corrects_id == first.id and second.correction_reason == "诊断写错"
    assert (second.chief_complaint, second.plan, second.category) == ("咽痛", "含片", "cold")
    assert second.visit_at == first.visit_at and second.finished_at == first.finished_at
    assert second.author_id == cf.director.staff_id and second.doctor_id == doctor.staff_id
    with pytest.raises(ValidationError, match="corrected already"):
        clinical.correct_visit(cf.clinic, doctor, first.id, reason="x", plan="y")
    with pytest.raises(ValidationError, match="The reason is empty"):
        clinical.correct_visit(cf.clinic, doctor, second.id, reason="", plan="y")
    with pytest.raises(TypeError):
        clinical.correct_visit(cf.clinic, doctor, second.id, reason="x", colour="red")
    cf.clock.advance(hours=1)
    third = clinical.correct_visit(
        cf.clinic, doctor, second.id, reason="补充处理", plan="含片，多饮水"
    ).value
    assert _count(cf, Visit) == 3

    record = clinical.read_record(cf.clinic, other_doctor, pid)
    (entry,) = record.visits
    assert entry.current.id == third.id and entry.corrected
    assert [v.id for v in entry.earlier] == [second.id, first.id]
    assert entry.original.id == first.id
    assert entry.earlier[0].written_at == cf.clock.now - timedelta(hours=1)
    assert record.staff_name(entry.earlier[0].author_id) == "王丽"
    assert record.staff_name(entry.current.author_id) == "doctor 一号"


def test_notes_vitals_and_assessments_corrected(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    note = patients.add_clinical_note(cf.clinic, doctor, pid, body="血压 150/95").value
    fixed = clinical.correct_note(cf.clinic, doctor, note.id, reason="抄错", body="血压 130/85")
    assert fixed.value.corrects_id == note.id
    vit = clinical.record_vitals(
        cf.clinic, doctor, pid, temperature_c=42.0, confirmed=frozenset({"temperature_c"})
    ).value
    assert vit.confirmed_unusual == {"temperature_c"}
    # Unchanged, the confirmed reading stays confirmed in the correction.
    vit2 = clinical.correct_vitals(cf.clinic, doctor, vit.id, reason="补测脉搏", pulse=88).value
    assert (vit2.temperature_c, vit2.pulse, vit2.confirmed_unusual) == (42.0, 88, {"temperature_c"})
    with pytest.raises(UnusualVitals):
        clinical.correct_vitals(cf.clinic, doctor, vit2.id, reason="x", temperature_c=42.3)
    vit3 = clinical.correct_vitals(
        cf.clinic, doctor, vit2.id, reason="体温计读错", temperature_c=37.2
    ).value
    assert vit3.confirmed_unusual == frozenset()
    assess = clinical.add_assessment(
        cf.clinic, doctor, pid, summary="心血管风险中等", risk_level="medium"
    ).value
    assert assess.kind == "general" and assess.assessed_at == cf.clock.now
    better = clinical.correct_assessment(
        cf.clinic, doctor, assess.id, reason="复核", risk_level="high"
    ).value
    assert (better.summary, better.risk_level) == ("心血管风险中等", "high")

    record = clinical.read_record(cf.clinic, doctor, pid)
    (n,) = record.notes
    assert n.current.body == "血压 130/85" and n.current.correction_reason == "抄错"
    assert [e.body for e in n.earlier] == ["血压 150/95"]
    (v,) = record.vitals
    assert v.current.id == vit3.id and len(v.earlier) == 2
    (a,) = record.assessments
    assert a.current.risk_level == "high" and a.earlier[0].risk_level == "medium"
    # patients.read_clinical_record still lists the raw notes.
    old_view = patients.read_clinical_record(cf.clinic, doctor, pid)
    assert len(old_view.notes) == 2


# --- vitals ----------------------------------------------------------------------------------


def test_vitals_unusual_and_impossible(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    with pytest.raises(UnusualVitals) as caught:
        clinical.record_vitals(cf.clinic, doctor, pid, temperature_c=42.5, pulse=72)
    assert caught.value.fields == {"temperature_c"}
    assert _count(cf, VitalSigns) == 0
    with pytest.raises(ValidationError, match="not possible"):
        clinical.record_vitals(
            cf.clinic, doctor, pid, temperature_c=60, confirmed=frozenset({"temperature_c"})
        )
    with pytest.raises(ValidationError, match="must be higher"):
        clinical.record_vitals(cf.clinic, doctor, pid, systolic=80, diastolic=120)
    with pytest.raises(ValidationError, match="No measurement"):
        clinical.record_vitals(cf.clinic, doctor, pid)
    assert _count(cf, VitalSigns) == 0
    ok = clinical.record_vitals(
        cf.clinic,
        doctor,
        pid,
        temperature_c=42.5,
        pulse=72,
        confirmed=frozenset({"temperature_c", "pulse"}),
    ).value
    # Only what really was unusual is kept as confirmed.
    assert ok.confirmed_unusual == {"temperature_c"} and ok.pulse == 72
    with cf.clinic.store.unit_of_work(write=False) as uow:
        assert uow.scalar(select(VitalSigns.confirmed_unusual)) == "temperature_c"


def test_vitals_history_newest_first_and_visit_link(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    visit = clinical.record_visit(cf.clinic, doctor, pid, diagnosis="高血压").value
    for systolic in (150, 140, 130):
        clinical.record_vitals(
            cf.clinic, doctor, pid, systolic=systolic, diastolic=90, visit_id=visit.id
        )
        cf.clock.advance(days=30)
    record = clinical.read_record(cf.clinic, doctor, pid)
    assert [v.current.systolic for v in record.vitals] == [130, 140, 150]
    assert {v.current.visit_id for v in record.vitals} == {visit.id}
    other = _patient(cf)
    with pytest.raises(ValidationError, match="another patient"):
        clinical.record_vitals(cf.clinic, doctor, other, pulse=70, visit_id=visit.id)


# --- attachments ----------------------------------------------------------------------------


def test_attachment_round_trip(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    data = bytes(range(256)) * 10
    meta = clinical.add_attachment(
        cf.clinic,
        doctor,
        pid,
        title="血常规",
        filename="C:\\scans\\..\\血常规 2026.pdf",
        data=data,
        kind="lab",
    ).value
    assert meta.filename == "血常规 2026.pdf" and meta.mime == "application/pdf"
    assert meta.size == len(data) and meta.sha256 == hashlib.sha256(data).hexdigest()
    record = clinical.read_record(cf.clinic, doctor, pid)
    assert record.attachments == (meta,)
    got_meta, got = clinical.read_attachment(cf.clinic, doctor, meta.id)
    assert got == data and got_meta == meta
    reads = [r for r in _audit(cf, pid) if r.action == "clinical.attachment_read"]
    assert len(reads) == 1 and reads[0].object_id == meta.id.hex
    desk = _actor(cf, Role.RECEPTIONIST)
    with pytest.raises(BreakGlassReasonNeeded):
        clinical.read_attachment(cf.clinic, desk, meta.id)
    with pytest.raises(NotFound):
        clinical.read_attachment(cf.clinic, doctor, uuid.uuid4())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("a/b\\c.png", "c.png"),
        ('bad<>:"|?*.jpg', "bad_______.jpg"),
        ("  ", "attachment"),
        ("..", "attachment"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
        ("line\nbreak.txt", "line break.txt"),
    ],
)
def test_filenames_are_sanitised(name: str, expected: str) -> None:
    assert clinical.clean_filename(name) == expected


def test_attachment_limits(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    update_settings(cf.clinic, cf.director, {"patients.attachment_max_mb": 1})
    cf.clinic.forget_settings()
    too_big = b"x" * (1024 * 1024 + 1)
    with pytest.raises(ValidationError) as caught:
        clinical.add_attachment(cf.clinic, doctor, pid, title="CT", filename="ct.dcm", data=too_big)
    assert "limit of 1 MB" in caught.value.message()
    with pytest.raises(ValidationError, match="The file is empty"):
        clinical.add_attachment(cf.clinic, doctor, pid, title="CT", filename="ct.dcm", data=b"")
    with pytest.raises(ValidationError, match="The title is empty"):
        clinical.add_attachment(cf.clinic, doctor, pid, title=" ", filename="a.pdf", data=b"1")
    with pytest.raises(ValidationError, match="file type"):
        clinical.add_attachment(
            cf.clinic, doctor, pid, title="a", filename="a.pdf", data=b"1", mime="not a mime"
        )
    assert _count(cf, Attachment) == 0
    assert not [r for r in _audit(cf, pid) if r.action == "clinical.attachment_add"]
    exact = clinical.add_attachment(
        cf.clinic, doctor, pid, title="CT", filename="scan", data=b"x" * (1024 * 1024)
    ).value
    assert exact.mime == "application/octet-stream"


def test_system_actor_cannot_correct_a_note(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID
) -> None:
    note = patients.add_clinical_note(cf.clinic, doctor, pid, body="x").value
    with pytest.raises(ValidationError, match="signed-in staff member"):
        clinical.correct_note(cf.clinic, Actor.system(), note.id, reason="r", body="y")


def test_read_record_is_one_audit_row(cf: ClinicFixture, doctor: Actor, pid: uuid.UUID) -> None:
    clinical.record_visit(cf.clinic, doctor, pid, diagnosis="x")
    with cf.clinic.store.unit_of_work(write=False) as uow:
        before = int(uow.scalar(select(func.count()).select_from(AuditEntry)))
    clinical.read_record(cf.clinic, doctor, pid)
    with cf.clinic.store.unit_of_work(write=False) as uow:
        after = int(uow.scalar(select(func.count()).select_from(AuditEntry)))
    assert after == before + 1
    assert audit_log.verify_audit(cf.clinic).ok


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=60))
def test_any_substance_text_is_stored_or_refused_cleanly(
    cf: ClinicFixture, doctor: Actor, pid: uuid.UUID, text: str
) -> None:
    try:
        written = clinical.add_allergy(cf.clinic, doctor, pid, substance=text).value
    except ValidationError:
        return
    safety = clinical.read_safety(cf.clinic, doctor, pid)
    assert written.substance in [a.substance for a in safety.allergies]
    clinical.end_allergy(cf.clinic, doctor, written.id, reason="test")


# --- the demo data is a valid clinical record -----------------------------------------------


def test_demo_visits_are_valid_records(cf: ClinicFixture) -> None:
    from clinic_desk.core.rules.icd10 import normalize_icd10
    from clinic_desk.core.rules.vitals import check_vitals
    from clinic_desk.core.services import demo
    from clinic_desk.core.store.models import Allergy, ClinicalNote, Condition, Medication

    summary = demo.generate_demo(cf.clinic, cf.director, patients=120, years=1, seed=4)
    assert summary.visits == _count(cf, Visit) and _count(cf, ClinicalNote) == 0
    assert 0 < summary.vital_signs == _count(cf, VitalSigns) <= summary.visits
    assert _count(cf, Condition) > 0 and _count(cf, Medication) == _count(cf, Condition)
    assert _count(cf, Allergy) > 0
    with cf.clinic.store.unit_of_work(write=False) as uow:
        visits = list(uow.session.execute(select(*Visit.__table__.c)))
        vitals = list(uow.session.execute(select(*VitalSigns.__table__.c)))
        chronic = uow.scalar(select(Condition.patient_id).limit(1))
    categories = {v.category for v in visits}
    assert categories <= set(clinical.VISIT_CATEGORIES) and {"cold", "chronic"} <= categories
    for v in visits:
        assert normalize_icd10(v.icd10) == v.icd10 != ""
        assert v.chief_complaint and v.diagnosis and v.plan and "{" not in v.findings
        assert v.finished_at > v.visit_at
    visit_times = {v.id: v.visit_at for v in visits}
    for s in vitals:
        values = {name: getattr(s, name) for name in clinical.vital_rules.FIELDS}
        check_vitals(values)  # all plausible and usual: nothing to confirm
        assert s.taken_at <= visit_times[s.visit_id]
    doctor = _actor(cf, Role.DOCTOR)
    record = clinical.read_record(cf.clinic, doctor, chronic)
    assert record.conditions and record.current_medications
    assert all(c.icd10 for c in record.conditions)
