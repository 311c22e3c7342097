"""Registering and finding a patient through the UI (issue 4, spec C1, C4)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from clinic_desk.core.services import patients
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.form import PatientFormDialog
from clinic_desk.ui.patients.page import PatientsPage
from tests.conftest import ClinicFixture


def _field(dialog: PatientFormDialog, name: str) -> QLineEdit:
    edit = dialog.findChild(QLineEdit, f"field:{name}")
    assert edit is not None
    return edit


def type_text(edit: QLineEdit, text: str) -> None:
    """Key presses carrying each character (QTest.keyClicks only takes ASCII)."""
    edit.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _error(dialog: PatientFormDialog, name: str) -> str:
    label = dialog.findChild(QLabel, f"error:{name}")
    assert label is not None
    return label.text() if label.isVisible() or not label.isHidden() else ""


def test_form_says_what_is_wrong_as_you_type(
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:  # type: ignore[no-untyped-def]
    ctx.set_actor(ui_clinic.director)
    dialog = PatientFormDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(_field(dialog, "family_name"), "张")
    type_text(_field(dialog, "phone"), "138abc")
    type_text(_field(dialog, "birth_date"), "2030-01-01")
    qtbot.waitUntil(lambda: bool(_error(dialog, "phone")), timeout=2000)
    assert "future" in _error(dialog, "birth_date")
    assert _error(dialog, "given_name") == ""  # untouched fields stay quiet
    _field(dialog, "birth_date").clear()
    type_text(_field(dialog, "birth_date"), "1985年3月")
    qtbot.waitUntil(lambda: "year-month-day" in _error(dialog, "birth_date"), timeout=2000)


def test_register_through_the_form_then_find_by_initials_and_phone_tail(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    ctx.set_actor(ui_clinic.director)
    page = PatientsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    dialog = PatientFormDialog(ctx, page, initial_name="张三")
    qtbot.addWidget(dialog)
    dialog.show()
    assert _field(dialog, "family_name").text() == "张"
    assert _field(dialog, "given_name").text() == "三"
    type_text(_field(dialog, "phone"), "138 1234 5678")
    type_text(_field(dialog, "title"), "科长")
    qtbot.waitUntil(lambda: "张科长" in dialog.address_preview.text(), timeout=2000)
    dialog.grab().save("/tmp/shots/patient_form.png")
    saved: list[object] = []
    dialog.sig_open_patient.connect(saved.append)
    save = dialog.findChild(QPushButton, "save")
    assert save is not None
    save.click()
    qtbot.waitUntil(lambda: bool(saved), timeout=5000)
    page.show_search()
    for query in ("zs", "5678"):
        page.find(query)
        qtbot.waitUntil(lambda: len(page.search_view.model.rows) == 1, timeout=5000)
        assert page.search_view.model.rows[0].id == saved[0]
    page.grab().save("/tmp/shots/patient_search.png")


def test_duplicate_offers_the_existing_record(
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:  # type: ignore[no-untyped-def]
    ctx.set_actor(ui_clinic.director)
    first = patients.register_patient(
        ui_clinic.clinic,
        ui_clinic.director,
        family_name="刘",
        given_name="洋",
        phone="13812345678",
        birth_date=__import__("datetime").date(1990, 1, 1),
    ).value
    dialog = PatientFormDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(_field(dialog, "family_name"), "刘")
    type_text(_field(dialog, "given_name"), "洋")
    type_text(_field(dialog, "phone"), "13812345678")
    type_text(_field(dialog, "birth_date"), "1990-01-01")
    opened: list[object] = []
    dialog.sig_open_patient.connect(opened.append)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.duplicates.isVisible(), timeout=5000)
    assert dialog.register_anyway.isVisible()
    dialog.grab().save("/tmp/shots/patient_duplicate.png")
    dialog.open_existing.click()
    assert opened == [first.id]
