"""The patient's health file through the UI, by role (issue 4, spec C1-C6, D1)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPlainTextEdit, QWidget

from clinic_desk.core.errors import BreakGlassReasonNeeded, PermissionDenied
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import (
    audit_log,
    clinical,
    patients,
    prescriptions,
    referrals,
    staff,
)
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients import file as file_module
from clinic_desk.ui.patients.common import FieldsDialog
from clinic_desk.ui.patients.file import PatientFileView, VisitDialog
from clinic_desk.ui.patients.merge import MergeDialog
from clinic_desk.ui.patients.prescriptions_tab import PrescriptionDialog, PrescriptionsTab
from clinic_desk.ui.patients.referrals_tab import (
    IncomingReferralsPanel,
    ReferOutDialog,
    ReferralsTab,
)
from clinic_desk.ui.patients.reports_tab import AttachmentDialog, ReportsTab
from tests.conftest import ClinicFixture
from tests.ui.test_patient_form import type_text

SHOTS = Path("/tmp/shots")


def _actor(cf: ClinicFixture, role: Role) -> Actor:
    login = f"{role.value.replace('_', '.')}1"
    names = {Role.DOCTOR: "李医生", Role.RECEPTIONIST: "前台小周", Role.PHARMACIST: "药师陈"}
    staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=names.get(role, login),
        role=role,
        password="some-pass-123",
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _patient(cf: ClinicFixture, given: str = "建国", phone: str = "13812345678") -> uuid.UUID:
    return patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="张",
        given_name=given,
        sex="M",
        birth_date=date(1958, 4, 12),
        phone=phone,
        not_duplicate=True,
    ).value.id


def _open(qtbot, ctx: AppContext, patient_id: uuid.UUID) -> PatientFileView:  # type: ignore[no-untyped-def]
    view = PatientFileView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitUntil(lambda: view.details is not None, timeout=5000)
    return view


def _tab_titles(view: PatientFileView) -> list[str]:
    return [view.tabs.tabText(i) for i in range(view.tabs.count())]


def _tab(view: PatientFileView, kind: type) -> QWidget:
    found = [t for t in view.extra_tabs if isinstance(t, kind)]
    assert len(found) == 1
    return found[0]


def _dialog(parent: QWidget, kind: type) -> QDialog:
    found = [d for d in parent.findChildren(kind) if d.isVisible()]
    assert found, f"no {kind.__name__} open"
    return found[-1]


def _settle(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    ctx.runner.wait(5000)
    qtbot.wait(50)
    QApplication.processEvents()


def _shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _add_allergy_through_form(qtbot, ctx: AppContext, view: PatientFileView) -> None:  # type: ignore[no-untyped-def]
    view.overview._add_allergy()
    dialog = _dialog(view.overview, FieldsDialog)
    assert isinstance(dialog, FieldsDialog)
    type_text(dialog.widgets["substance"], "青霉素")  # type: ignore[arg-type]
    type_text(dialog.widgets["reaction"], "全身皮疹")  # type: ignore[arg-type]
    severity = dialog.widgets["severity"]
    severity.setCurrentIndex(severity.findData("severe"))  # type: ignore[attr-defined]
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    qtbot.waitUntil(lambda: "青霉素" in view.allergy_banner.text(), timeout=5000)


def test_doctor_records_a_visit_an_allergy_and_a_confirmed_prescription(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    cf = ui_clinic
    doctor = _actor(cf, Role.DOCTOR)
    patient_id = _patient(cf)
    ctx.set_actor(doctor)
    view = _open(qtbot, ctx, patient_id)
    qtbot.waitUntil(lambda: view.record is not None, timeout=5000)
    titles = _tab_titles(view)
    for title in ("Overview", "Visits", "Prescriptions", "Reports and assessments", "Referrals"):
        assert title in titles

    # A visit with its vital signs, through the visit form.
    assert view.visits is not None
    visit = VisitDialog(ctx, patient_id, view.visits)
    qtbot.addWidget(visit)
    visit.show()
    visit.widgets["chief_complaint"].setPlainText("咳嗽、咳痰三天，无发热")  # type: ignore[attr-defined]
    visit.widgets["findings"].setPlainText("双肺呼吸音粗，未闻及干湿啰音")  # type: ignore[attr-defined]
    type_text(visit.widgets["diagnosis"], "急性支气管炎")  # type: ignore[arg-type]
    type_text(visit.widgets["icd10"], "J20.9")  # type: ignore[arg-type]
    visit.widgets["plan"].setPlainText("多饮水，对症治疗，一周后复诊")  # type: ignore[attr-defined]
    type_text(visit.vitals.edits["bp"], "120/80")
    type_text(visit.vitals.edits["temperature_c"], "36.8")
    visit.save()
    qtbot.waitUntil(lambda: visit.result() == QDialog.DialogCode.Accepted, timeout=5000)
    qtbot.waitUntil(
        lambda: view.visits is not None and view.visits.table.rowCount() == 1, timeout=5000
    )
    assert "120/80" in view.visits.detail.toPlainText()
    assert "36.8" in view.visits.detail.toPlainText()

    # A penicillin allergy shows in the red banner above every tab.
    _add_allergy_through_form(qtbot, ctx, view)
    assert view.allergy_banner.isVisible()
    assert "b00020" in view.allergy_banner.styleSheet()

    # Warfarin with aspirin: warned, and not saved until confirmed with a reason.
    tab = _tab(view, PrescriptionsTab)
    assert isinstance(tab, PrescriptionsTab)
    tab.new_prescription()
    rx = _dialog(tab, PrescriptionDialog)
    assert isinstance(rx, PrescriptionDialog)
    assert "青霉素" in rx.allergies.text()
    assert "NOT a complete reference" in rx.disclaimer.text()
    rx.set_line(0, drug="华法林钠片", strength="2.5mg", dose="1片", frequency="qd", days="30")
    rx.set_line(
        1,
        drug="阿司匹林肠溶片",
        strength="100mg",
        dose="1片",
        frequency="qd",
        timing="after_meal",
        days="30",
        quantity="30片",
    )
    rx.check()
    qtbot.waitUntil(lambda: not rx.busy, timeout=5000)
    assert any(w.severity == "major" and w.kind == "interaction" for w in rx.warnings)
    assert "华法林" in rx.warning_list.item(0).text()
    assert rx.override.isVisible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    _shot(rx, "file_prescription_dialog.png")

    rx.save()  # not acknowledged: refused
    qtbot.waitUntil(lambda: not rx.busy, timeout=5000)
    assert rx.result() != QDialog.DialogCode.Accepted
    assert "tick" in rx.message.text()
    assert prescriptions.list_prescriptions(cf.clinic, doctor, patient_id) == []

    rx.acknowledge.setChecked(True)  # acknowledged but no reason: still refused
    rx.save()
    qtbot.waitUntil(lambda: not rx.busy, timeout=5000)
    assert "reason" in rx.message.text()
    assert prescriptions.list_prescriptions(cf.clinic, doctor, patient_id) == []

    type_text(rx.reason, "房颤合并冠心病，心内科会诊后同意短期联用")
    rx.save()
    qtbot.waitUntil(lambda: rx.result() == QDialog.DialogCode.Accepted, timeout=5000)
    written = prescriptions.list_prescriptions(cf.clinic, doctor, patient_id)
    assert len(written) == 1
    assert written[0].override_reason.startswith("房颤")
    assert [i.drug for i in written[0].items] == ["华法林钠片", "阿司匹林肠溶片"]
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=5000)
    assert "阿司匹林肠溶片 100mg, 1片" in tab.table.item(0, 2).text()
    assert "房颤" in tab.detail.toPlainText()

    # A referral out, its summary drafted from the record and left editable.
    referrals_tab = _tab(view, ReferralsTab)
    assert isinstance(referrals_tab, ReferralsTab)
    referrals_tab.refer_out()
    refer = _dialog(referrals_tab, ReferOutDialog)
    assert isinstance(refer, ReferOutDialog)
    qtbot.waitUntil(lambda: "青霉素" in refer.summary.toPlainText(), timeout=5000)
    assert "急性支气管炎" in refer.summary.toPlainText()
    type_text(refer.widgets["partner"], "市第一人民医院")  # type: ignore[arg-type]
    type_text(refer.widgets["department"], "心内科")  # type: ignore[arg-type]
    refer.widgets["reason"].setPlainText("房颤抗凝方案评估")  # type: ignore[attr-defined]
    refer.save()
    qtbot.waitUntil(lambda: refer.result() == QDialog.DialogCode.Accepted, timeout=5000)
    qtbot.waitUntil(lambda: referrals_tab.table.rowCount() == 1, timeout=5000)
    assert "房颤抗凝方案评估" in referrals_tab.detail.toPlainText()

    # A report and a health assessment, so the reports tab has something to show.
    clinical.add_attachment(
        cf.clinic,
        doctor,
        patient_id,
        title="胸部X线片",
        filename="胸片.jpg",
        data=b"\xff\xd8" * 300_000,
        kind="imaging",
    )
    reports = _tab(view, ReportsTab)
    assert isinstance(reports, ReportsTab)
    reports.new_assessment()
    assess = _dialog(reports, FieldsDialog)
    assert isinstance(assess, FieldsDialog)
    type_text(assess.widgets["kind"], "心血管风险")  # type: ignore[arg-type]
    assess.widgets["summary"].setPlainText("房颤，高血压病史，出血风险评分偏高")  # type: ignore[attr-defined]
    risk = assess.widgets["risk_level"]
    risk.setCurrentIndex(risk.findData("high"))  # type: ignore[attr-defined]
    assess.save()
    qtbot.waitUntil(lambda: reports.assessments.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: reports.files.rowCount() == 1, timeout=5000)
    assert reports.files.item(0, 4).text() == "586 KB"

    # Screenshots of every tab at 1280x800.
    _settle(qtbot, ctx)
    names = [
        "overview",
        "visits",
        "prescriptions",
        "reports",
        "referrals",
        "followups",
        "membership",
        "contacts",
    ]
    assert view.tabs.count() == len(names)
    for i, name in enumerate(names):
        view.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        _shot(view, f"file_doctor_{i}_{name}.png")


def test_receptionist_sees_no_clinical_tabs_and_the_services_refuse(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    cf = ui_clinic
    desk = _actor(cf, Role.RECEPTIONIST)
    patient_id = _patient(cf)
    clinical.add_allergy(cf.clinic, cf.director, patient_id, substance="青霉素", severity="severe")
    ctx.set_actor(desk)
    view = _open(qtbot, ctx, patient_id)
    _settle(qtbot, ctx)
    titles = _tab_titles(view)
    for title in ("Visits", "Prescriptions", "Reports and assessments"):
        assert title not in titles
    assert "Referrals" in titles  # the desk's incoming entries
    # No allergy content for the desk (file.py leaves the empty banner shown, not hidden).
    assert view.allergy_banner.isHidden() or not view.allergy_banner.text()
    assert "青霉素" not in view.allergy_banner.text()
    assert view.glass_button.isVisible()
    with pytest.raises((PermissionDenied, BreakGlassReasonNeeded)):
        clinical.read_record(cf.clinic, desk, patient_id)
    with pytest.raises((PermissionDenied, BreakGlassReasonNeeded)):
        prescriptions.list_prescriptions(cf.clinic, desk, patient_id)
    with pytest.raises(PermissionDenied):
        clinical.add_allergy(cf.clinic, desk, patient_id, substance="花粉")
    _shot(view, "file_receptionist.png")


def test_pharmacist_sees_prescriptions_and_allergies_not_visits(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    cf = ui_clinic
    pharmacist = _actor(cf, Role.PHARMACIST)
    patient_id = _patient(cf)
    clinical.add_allergy(cf.clinic, cf.director, patient_id, substance="青霉素", severity="severe")
    prescriptions.write_prescription(
        cf.clinic,
        cf.director,
        patient_id,
        [prescriptions.ItemInput("阿莫西林胶囊", "0.25g", "0.5g", "oral", "tid", "after_meal", 7)],
        acknowledged_warnings=True,
        override_reason="皮试阴性，患者坚持",
    )
    ctx.set_actor(pharmacist)
    view = _open(qtbot, ctx, patient_id)
    qtbot.waitUntil(lambda: "青霉素" in view.allergy_banner.text(), timeout=5000)
    titles = _tab_titles(view)
    assert "Prescriptions" in titles
    assert "Visits" not in titles and "Reports and assessments" not in titles
    assert view.allergy_banner.isVisible()
    tab = _tab(view, PrescriptionsTab)
    assert isinstance(tab, PrescriptionsTab)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=5000)
    assert not tab.guidance_button.isHidden() and tab.new_button.isHidden()
    assert "阿莫西林胶囊 0.25g, 0.5g" in tab.table.item(0, 2).text()
    tab.record_guidance()
    dialog = _dialog(tab, FieldsDialog)
    assert isinstance(dialog, FieldsDialog)
    text = dialog.widgets["guidance"]
    assert isinstance(text, QPlainTextEdit)
    text.setPlainText("饭后服用，出现皮疹立即停药就诊")
    dialog.save()
    qtbot.waitUntil(lambda: "出现皮疹立即停药" in tab.detail.toPlainText(), timeout=5000)
    _shot(view, "file_pharmacist.png")


def test_break_glass_opens_the_record_and_is_audited(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, monkeypatch
) -> None:
    cf = ui_clinic
    desk = _actor(cf, Role.RECEPTIONIST)
    patient_id = _patient(cf)
    ctx.set_actor(desk)
    view = _open(qtbot, ctx, patient_id)
    assert "Visits" not in _tab_titles(view)
    monkeypatch.setattr(file_module, "ask_reason", lambda *_a: "患者在候诊区晕倒，需查过敏史")
    view.break_glass()
    qtbot.waitUntil(lambda: view.record is not None, timeout=5000)
    _settle(qtbot, ctx)
    assert "Visits" in _tab_titles(view)
    assert not view.message.is_error, view.message.text()
    assert view.allergy_banner.isVisible()
    rows = audit_log.audit_report(cf.clinic, cf.director, patient_id=patient_id)
    glass = [r for r in rows if r.break_glass]
    assert glass and all(r.staff_login == desk.login for r in glass)
    assert {"clinical.read", "prescription.read"} <= {r.action for r in glass}


def test_reports_add_a_file_and_save_a_copy(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, tmp_path: Path
) -> None:
    cf = ui_clinic
    doctor = _actor(cf, Role.DOCTOR)
    patient_id = _patient(cf)
    ctx.set_actor(doctor)
    view = _open(qtbot, ctx, patient_id)
    qtbot.waitUntil(lambda: view.record is not None, timeout=5000)
    tab = _tab(view, ReportsTab)
    assert isinstance(tab, ReportsTab)
    source = tmp_path / "血常规 2026-11.pdf"
    source.write_bytes(b"%PDF-1.4 blood test " * 200)
    dialog = AttachmentDialog(ctx, patient_id, tab, str(source))
    qtbot.addWidget(dialog)
    dialog.show()
    title = dialog.widgets["title"]
    assert isinstance(title, QLineEdit) and title.text() == "血常规 2026-11"
    dialog.save()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    qtbot.waitUntil(lambda: tab.files.rowCount() == 1, timeout=5000)
    assert tab.files.item(0, 4).text() == "4 KB"

    missing = AttachmentDialog(ctx, patient_id, tab, str(tmp_path / "gone.pdf"))
    qtbot.addWidget(missing)
    missing.save()
    qtbot.waitUntil(lambda: bool(missing.message.text()), timeout=5000)
    assert "could not be read" in missing.message.text()

    tab.files.selectRow(0)
    target = tmp_path / "copy.pdf"
    tab.save_copy_to(tab.files.current_id(), str(target))
    qtbot.waitUntil(target.exists, timeout=5000)
    assert target.read_bytes() == source.read_bytes()


def test_desk_logs_incoming_referrals_and_the_panel_lists_them_urgent_first(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    cf = ui_clinic
    desk = _actor(cf, Role.RECEPTIONIST)
    first = _patient(cf)
    second = _patient(cf, given="秀英", phone="13900001111")
    referrals.log_incoming(cf.clinic, desk, first, partner="社区卫生服务中心", reason="血压控制差")
    ctx.set_actor(desk)
    panel = IncomingReferralsPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=5000)
    written = referrals.log_incoming(
        cf.clinic, desk, second, partner="镇卫生院", urgency="urgent", reason="胸痛待查"
    )
    ctx.broadcast(written.changes)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=5000)
    assert panel.table.item(0, 1).text() == "张秀英"  # urgent first
    assert "(2)" in panel.heading.text()
    opened: list[object] = []
    panel.sig_open_patient.connect(opened.append)
    panel._open(panel.table.model().index(0, 0))
    assert opened == [second]

    view = _open(qtbot, ctx, first)
    tab = _tab(view, ReferralsTab)
    assert isinstance(tab, ReferralsTab)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=5000)
    assert tab.table.item(0, 1).text() == "社区卫生服务中心"
    assert "血压控制差" not in tab.detail.toPlainText()
    tab.mark_handled()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=5000)


def test_director_merges_a_duplicate_found_by_typing(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    cf = ui_clinic
    keep = _patient(cf)
    duplicate = _patient(cf, phone="13900002222")
    patients.register_patient(cf.clinic, cf.director, family_name="李", given_name="四")
    ctx.set_actor(cf.director)
    details = patients.get_patient(cf.clinic, cf.director, keep)
    dialog = MergeDialog(ctx, details)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "cannot be undone" in dialog.warning.text()
    assert not dialog.merge_button.isEnabled()
    type_text(dialog.search, "张建国")
    qtbot.waitUntil(lambda: dialog.results.rowCount() == 1, timeout=5000)
    assert dialog.hits[0].id == duplicate  # the current record is not offered
    dialog.results.selectRow(0)
    assert dialog.dup_values["phone"].text().replace(" ", "").endswith("2222")
    _shot(dialog, "file_merge_dialog.png")
    dialog.merge()  # no reason: the service says what is wrong
    qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=5000)
    assert "at least 4 characters" in dialog.message.text()
    type_text(dialog.reason, "同一人，前台重复登记")
    changes: list[object] = []
    ctx.sig_changes.connect(changes.append)
    dialog.merge()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    assert changes
    gone = patients.get_patient(cf.clinic, cf.director, duplicate)
    assert gone.merged_into == keep


def test_chinese_interface_shows_chinese_advice(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    from clinic_desk.ui.i18n import install_language

    cf = ui_clinic
    doctor = _actor(cf, Role.DOCTOR)
    patient_id = _patient(cf)
    clinical.add_allergy(cf.clinic, cf.director, patient_id, substance="青霉素", severity="severe")
    install_language("zh_CN")
    try:
        ctx.set_actor(doctor)
        view = _open(qtbot, ctx, patient_id)
        tab = _tab(view, PrescriptionsTab)
        assert isinstance(tab, PrescriptionsTab)
        tab.new_prescription()
        rx = _dialog(tab, PrescriptionDialog)
        assert isinstance(rx, PrescriptionDialog)
        rx.set_line(
            0, drug="阿莫西林胶囊", strength="0.25g", dose="0.5g", frequency="tid", days="7"
        )
        rx.check()
        qtbot.waitUntil(lambda: not rx.busy, timeout=5000)
        assert any(w.kind == "allergy" for w in rx.warnings)
        assert "青霉素" in rx.warning_list.item(0).text()
        assert "allergy" not in rx.warning_list.item(0).text().lower().split("—")[-1]
        _shot(rx, "file_prescription_dialog_zh.png")
    finally:
        install_language("en")
