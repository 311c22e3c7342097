"""Permissions in services, break-the-glass, audited reads, the audit report (issue 2; C3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic_desk.core.errors import BreakGlassReasonNeeded, PermissionDenied
from clinic_desk.core.security.permissions import ROLE_PERMISSIONS, Action, Role, allowed
from clinic_desk.core.services import audit_log, patients, staff
from clinic_desk.core.services.base import Actor
from tests.conftest import ClinicFixture


def _actor(cf: ClinicFixture, role: Role) -> Actor:
    login = f"{role.value.replace('_', '.')}1"
    staff.add_staff(cf.clinic, cf.director, login=login, display_name=login, role=role,
                    password="some-pass-123")
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def test_every_role_has_a_permission_row_and_director_has_all() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert ROLE_PERMISSIONS[Role.DIRECTOR] == frozenset(Action)
    assert not allowed(Role.RECEPTIONIST, Action.CLINICAL_READ)
    assert allowed(Role.DOCTOR, Action.CLINICAL_WRITE)
    assert not allowed(Role.CUSTOMER_SERVICE, Action.CLINICAL_READ)


def test_clinical_read_is_audited_with_patient(cf: ClinicFixture) -> None:
    doctor = _actor(cf, Role.DOCTOR)
    patient = patients.register_patient(
        cf.clinic, cf.director, family_name="欧阳", given_name="娜娜", sex="F"
    ).value
    patients.add_clinical_note(cf.clinic, doctor, patient.id, body="高血压复诊，血压 150/95")
    record = patients.read_clinical_record(cf.clinic, doctor, patient.id)
    assert [n.body for n in record.notes] == ["高血压复诊，血压 150/95"]
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=patient.id)
    reads = [r for r in rows if r.action == "clinical.read"]
    assert len(reads) == 1 and reads[0].staff_login == doctor.login and not reads[0].break_glass


def test_break_glass_needs_a_reason_and_is_flagged(cf: ClinicFixture) -> None:
    desk = _actor(cf, Role.RECEPTIONIST)
    patient = patients.register_patient(
        cf.clinic, desk, family_name="李", given_name="雷", sex="M"
    ).value
    with pytest.raises(BreakGlassReasonNeeded):
        patients.read_clinical_record(cf.clinic, desk, patient.id)
    with pytest.raises(BreakGlassReasonNeeded):
        patients.read_clinical_record(cf.clinic, desk, patient.id, break_glass_reason="  ")
    record = patients.read_clinical_record(
        cf.clinic, desk, patient.id, break_glass_reason="患者在前台晕倒，需要查过敏史"
    )
    assert record.break_glass
    flagged = audit_log.audit_report(cf.clinic, cf.director, break_glass_only=True)
    assert len(flagged) == 1
    assert flagged[0].reason == "患者在前台晕倒，需要查过敏史"
    assert flagged[0].patient_id == patient.id
    denied = [r for r in audit_log.audit_report(cf.clinic, cf.director, patient_id=patient.id)
              if r.outcome == "denied"]
    assert len(denied) == 2


def test_no_break_glass_for_writes(cf: ClinicFixture) -> None:
    desk = _actor(cf, Role.RECEPTIONIST)
    patient = patients.register_patient(
        cf.clinic, desk, family_name="李", given_name="雷", sex="M"
    ).value
    with pytest.raises(PermissionDenied):
        patients.add_clinical_note(cf.clinic, desk, patient.id, body="x")


def test_report_filters_by_time_and_staff(cf: ClinicFixture) -> None:
    doctor = _actor(cf, Role.DOCTOR)
    start = cf.clock.now
    cf.clock.advance(hours=1)
    patient = patients.register_patient(
        cf.clinic, cf.director, family_name="陈", given_name="一", sex="U"
    ).value
    patients.read_clinical_record(cf.clinic, doctor, patient.id)
    cf.clock.advance(hours=1)
    window = audit_log.audit_report(
        cf.clinic, cf.director, since=start + timedelta(minutes=30),
        until=start + timedelta(minutes=90),
    )
    assert {r.action for r in window} == {"patient.register", "clinical.read"}
    by_doctor = audit_log.audit_report(cf.clinic, cf.director, staff_id=doctor.staff_id)
    assert {r.action for r in by_doctor} >= {"signin", "clinical.read"}
    assert all(r.staff_login == doctor.login for r in by_doctor)


def test_audit_report_needs_permission_and_is_itself_audited(cf: ClinicFixture) -> None:
    doctor = _actor(cf, Role.DOCTOR)
    with pytest.raises(PermissionDenied):
        audit_log.audit_report(cf.clinic, doctor)
    audit_log.audit_report(cf.clinic, cf.director)
    rows = audit_log.audit_report(cf.clinic, cf.director)
    assert rows[0].action == "audit.read" or rows[1].action == "audit.read"


def test_chain_holds_after_mixed_work(cf: ClinicFixture) -> None:
    doctor = _actor(cf, Role.DOCTOR)
    for i in range(20):
        p = patients.register_patient(
            cf.clinic, cf.director, family_name="测", given_name=f"试{i}·ü"
        ).value
        patients.add_clinical_note(cf.clinic, doctor, p.id, body=f"note {i}")
    result = audit_log.verify_audit(cf.clinic)
    assert result.ok and result.rows_checked > 40


def test_audit_rows_cannot_be_updated_through_sql(cf: ClinicFixture) -> None:
    from sqlalchemy import text

    for statement in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"):
        with (
            cf.clinic.store.unit_of_work(write=True) as uow,
            pytest.raises(Exception, match="append-only"),
        ):
            uow.session.execute(text(statement))
