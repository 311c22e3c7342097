"""Referrals: outgoing with a compiled summary, the desk's incoming fast path (spec C5)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from clinic_desk.core.errors import (
    BreakGlassReasonNeeded,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import audit_log, patients, referrals, staff
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.store.models import (
    Allergy,
    Attachment,
    Condition,
    Medication,
    Referral,
    Visit,
    VitalSigns,
)
from tests.conftest import ClinicFixture


def _actor(cf: ClinicFixture, role: Role, n: int = 1) -> Actor:
    login = f"{role.value.replace('_', '.')}{n}"
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=login, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _patient(cf: ClinicFixture, family: str = "张", given: str = "三") -> uuid.UUID:
    return patients.register_patient(
        cf.clinic,
        cf.director,
        family_name=family,
        given_name=given,
        sex="M",
        birth_date=date(1980, 1, 2),
    ).value.id


def _count(cf: ClinicFixture) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(uow.scalar(select(func.count()).select_from(Referral)))


@pytest.fixture
def doctor(cf: ClinicFixture) -> Actor:
    return _actor(cf, Role.DOCTOR)


@pytest.fixture
def desk(cf: ClinicFixture) -> Actor:
    return _actor(cf, Role.RECEPTIONIST)


def test_refer_out_and_list(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        report = Attachment(
            patient_id=pid, title="心电图", filename="ecg.pdf", size=3, sha256="0" * 64, data=b"pdf"
        )
        uow.session.add(report)
        uow.session.flush()
        report_id = report.id
        uow.commit()
    written = referrals.refer_out(
        cf.clinic,
        doctor,
        pid,
        partner="市第一人民医院",
        department="心内科",
        urgency="urgent",
        reason="胸痛待查，心电图 ST 段改变",
        summary="见附件",
        attachment_ids=[report_id],
    )
    view = written.value
    assert written.changes.touches(Topic.CLINICAL) and pid in written.changes.ids
    assert (view.direction, view.status, view.urgency) == ("out", "open", "urgent")
    assert view.attachment_ids == (report_id,) and view.referred_at == cf.clock.now
    assert referrals.list_referrals(cf.clinic, doctor, pid) == [view]
    actions = [r.action for r in audit_log.audit_report(cf.clinic, cf.director, patient_id=pid)]
    assert "referral.out" in actions and "referral.read" in actions


def test_refer_out_refuses_bad_input_and_foreign_attachments(
    cf: ClinicFixture, doctor: Actor
) -> None:
    pid, other = _patient(cf), _patient(cf, "李", "四")
    with cf.clinic.store.unit_of_work(write=True) as uow:
        report = Attachment(
            patient_id=other, title="x", filename="x", size=1, sha256="0" * 64, data=b"x"
        )
        uow.session.add(report)
        uow.session.flush()
        foreign = report.id
        uow.commit()
    cases: list[tuple[dict[str, object], type[Exception], str]] = [
        ({"partner": " ", "reason": "r"}, ValidationError, "hospital or clinic is empty"),
        ({"partner": "医院", "reason": ""}, ValidationError, "reason for referral is empty"),
        ({"partner": "医" * 201, "reason": "r"}, ValidationError, "too long"),
        ({"partner": "医院", "reason": "r" * 5001}, ValidationError, "too long"),
        ({"partner": "医院", "reason": "r", "summary": "s" * 20_001}, ValidationError, "too long"),
        ({"partner": "医院", "reason": "r", "urgency": "asap"}, ValidationError, "urgency"),
        ({"partner": "医院", "reason": "r", "attachment_ids": [foreign]}, NotFound, "report"),
        ({"partner": "医院", "reason": "r", "attachment_ids": [uuid.uuid4()]}, NotFound, "report"),
    ]
    for kwargs, error, says in cases:
        with pytest.raises(error, match=says):
            referrals.refer_out(cf.clinic, doctor, pid, **kwargs)  # type: ignore[arg-type]
    assert _count(cf) == 0


def test_roles_for_outgoing(cf: ClinicFixture, desk: Actor) -> None:
    pid = _patient(cf)
    pharmacist = _actor(cf, Role.PHARMACIST)
    for who in (desk, pharmacist):
        with pytest.raises(PermissionDenied):
            referrals.refer_out(cf.clinic, who, pid, partner="医院", reason="r")
    with pytest.raises(BreakGlassReasonNeeded):
        referrals.list_referrals(cf.clinic, desk, pid)
    with pytest.raises(BreakGlassReasonNeeded):
        referrals.compile_referral_summary(cf.clinic, pharmacist, pid)
    assert _count(cf) == 0


def test_incoming_fast_path_hides_clinical_content_from_the_desk(
    cf: ClinicFixture, doctor: Actor, desk: Actor
) -> None:
    a, b, c = _patient(cf, "王", "五"), _patient(cf, "赵", "六"), _patient(cf, "Smith", "John")
    first = referrals.log_incoming(
        cf.clinic,
        desk,
        a,
        partner="社区卫生服务中心",
        reason="糖尿病控制不佳",
        summary="HbA1c 9.1%",
    ).value
    assert first.reason == "" and first.summary == ""  # the desk logged it, cannot read it
    cf.clock.advance(minutes=10)
    referrals.log_incoming(
        cf.clinic, desk, b, partner="和平诊所", urgency="urgent", reason="疑似骨折"
    )
    cf.clock.advance(minutes=10)
    referrals.log_incoming(cf.clinic, desk, c, partner="Harbour Clinic", urgency="urgent")
    cf.clock.advance(minutes=10)
    referrals.log_incoming(
        cf.clinic, desk, a, partner="社区卫生服务中心", urgency="emergency", reason="胸痛"
    )
    items = referrals.list_incoming(cf.clinic, desk)
    # Most urgent first, then the longest waiting.
    assert [(i.patient_name, i.urgency) for i in items] == [
        ("王五", "emergency"),
        ("赵六", "urgent"),
        ("John Smith", "urgent"),
        ("王五", "routine"),
    ]
    assert all(i.reason is None and i.summary is None for i in items)
    assert items[-1].referred_at == first.referred_at and items[-1].status == "open"
    # A doctor sees the reasons, and each patient's content shown is an audited read.
    shown = referrals.list_incoming(cf.clinic, doctor)
    assert [i.reason for i in shown] == ["胸痛", "疑似骨折", "", "糖尿病控制不佳"]
    assert shown[-1].summary == "HbA1c 9.1%"
    reads = [
        r
        for r in audit_log.audit_report(cf.clinic, cf.director)
        if r.action == "referral.read" and r.staff_login == doctor.login
    ]
    assert {r.patient_id for r in reads} == {a, b, c}
    listing = [
        r
        for r in audit_log.audit_report(cf.clinic, cf.director)
        if r.action == "referral.list_incoming"
    ]
    assert [r.staff_login for r in listing] == [doctor.login, desk.login]
    # The desk closes one; it leaves the open list but stays in the full list.
    handled = referrals.mark_referral_handled(cf.clinic, desk, items[0].id).value
    assert handled.status == "handled" and handled.handled_by == desk.staff_id
    assert handled.reason == ""
    assert len(referrals.list_incoming(cf.clinic, desk)) == 3
    assert len(referrals.list_incoming(cf.clinic, desk, open_only=False)) == 4
    # Handling twice is harmless and not logged twice.
    referrals.mark_referral_handled(cf.clinic, desk, items[0].id)
    done = [
        r
        for r in audit_log.audit_report(cf.clinic, cf.director, patient_id=a)
        if r.action == "referral.handled"
    ]
    assert len(done) == 1


def test_incoming_roles_and_validation(cf: ClinicFixture, doctor: Actor, desk: Actor) -> None:
    pid = _patient(cf)
    pharmacist = _actor(cf, Role.PHARMACIST)
    with pytest.raises(PermissionDenied):
        referrals.log_incoming(cf.clinic, pharmacist, pid, partner="诊所")
    with pytest.raises(PermissionDenied):
        referrals.list_incoming(cf.clinic, pharmacist)
    with pytest.raises(ValidationError, match="referring clinic is empty"):
        referrals.log_incoming(cf.clinic, desk, pid, partner="")
    with pytest.raises(ValidationError, match="urgency"):
        referrals.log_incoming(cf.clinic, desk, pid, partner="诊所", urgency="now!!")
    with pytest.raises(NotFound):
        referrals.log_incoming(cf.clinic, desk, uuid.uuid4(), partner="诊所")
    assert _count(cf) == 0
    out = referrals.refer_out(cf.clinic, doctor, pid, partner="医院", reason="r").value
    incoming = referrals.log_incoming(cf.clinic, desk, pid, partner="诊所").value
    # The desk may not close a doctor's outgoing referral; nobody outside may close either.
    with pytest.raises(PermissionDenied):
        referrals.mark_referral_handled(cf.clinic, desk, out.id)
    with pytest.raises(PermissionDenied):
        referrals.mark_referral_handled(cf.clinic, pharmacist, incoming.id)
    with pytest.raises(NotFound):
        referrals.mark_referral_handled(cf.clinic, doctor, uuid.uuid4())
    assert referrals.mark_referral_handled(cf.clinic, doctor, out.id).value.status == "handled"
    # Outgoing referrals never appear on the desk's incoming list.
    assert [i.id for i in referrals.list_incoming(cf.clinic, desk)] == [incoming.id]


def test_text_is_stored_verbatim(cf: ClinicFixture, doctor: Actor, desk: Actor) -> None:
    pid = _patient(cf)
    partner = "Robert'); DROP TABLE referral;-- 醫院 🏥"
    reason = "1' OR '1'='1\n胸痛 😰"
    referrals.log_incoming(cf.clinic, desk, pid, partner=partner, reason=reason)
    cf.reopen()
    [view] = referrals.list_referrals(cf.clinic, doctor, pid)
    assert (view.partner, view.reason) == (partner, reason)


def test_compiled_summary(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    t0 = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        s.add_all(
            [
                Allergy(patient_id=pid, substance="青霉素", reaction="皮疹", severity="moderate"),
                Allergy(patient_id=pid, substance="已排除的过敏", ended_at=t0),
                Medication(patient_id=pid, drug="氨氯地平", dose="5mg", frequency="qd"),
                Medication(patient_id=pid, drug="已停的药", ended_at=t0),
                Condition(patient_id=pid, name="高血压", icd10="I10", since=date(2015, 3, 1)),
            ]
        )
        visits = []
        for n, diagnosis in enumerate(["上呼吸道感染", "高血压复诊", "胃炎", "头晕待查"]):
            v = Visit(
                patient_id=pid,
                doctor_id=doctor.staff_id,
                visit_at=t0 + timedelta(days=n),
                diagnosis=diagnosis,
            )
            s.add(v)
            visits.append(v)
        s.flush()
        # A correction replaces the newest visit's diagnosis; only the correction counts.
        s.add(
            Visit(
                patient_id=pid,
                doctor_id=doctor.staff_id,
                visit_at=t0 + timedelta(days=3),
                diagnosis="良性阵发性位置性眩晕",
                icd10="H81.1",
                corrects_id=visits[-1].id,
            )
        )
        s.add(VitalSigns(patient_id=pid, taken_at=t0, systolic=120, diastolic=80))
        s.add(
            VitalSigns(
                patient_id=pid,
                taken_at=t0 + timedelta(days=3),
                systolic=152,
                diastolic=96,
                pulse=88,
                temperature_c=36.6,
            )
        )
        uow.commit()
    text = referrals.compile_referral_summary(cf.clinic, doctor, pid)
    assert "张三" in text and "1980-01-02 (46)" in text
    assert "- 青霉素 (皮疹) (moderate)" in text and "已排除的过敏" not in text
    assert "- 氨氯地平 5mg qd" in text and "已停的药" not in text
    assert "- 高血压 [I10] (since 2015-03-01)" in text
    assert "良性阵发性位置性眩晕 [H81.1]" in text and "头晕待查" not in text
    assert "胃炎" in text and "高血压复诊" in text and "上呼吸道感染" not in text
    assert "BP 152/96 mmHg" in text and "Pulse 88/min" in text and "36.6 °C" in text
    assert "120/80" not in text
    # Translated headings come from the caller's translator.
    zh = referrals.compile_referral_summary(
        cf.clinic,
        doctor,
        pid,
        translate=lambda ctx, s: {"Allergies": "过敏史"}.get(s, s),
    )
    assert "过敏史:" in zh
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=pid)
    assert sum(r.action == "referral.summary" for r in rows) == 2


def test_summary_of_an_empty_record(cf: ClinicFixture, doctor: Actor) -> None:
    pid = _patient(cf)
    text = referrals.compile_referral_summary(cf.clinic, doctor, pid)
    assert text.count("None recorded.") == 5
