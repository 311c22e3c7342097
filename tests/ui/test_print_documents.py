"""Printing cards, slips, hand-outs and forms from the screens that offer them (issue 8).

Each entry point is driven as a person would (a button, a menu entry, the
booking dialog's box), the PDF is built on the worker and handed to the
preview. The system print dialog cannot run here, so ``preview_and_print_pdf``
is replaced by a recorder; the preview dialog itself, with "Save as PDF…" and
the no-printer notice, is tested on its own.
"""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QAction
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLabel, QMessageBox, QWidget

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import (
    appointments,
    patients,
    prescriptions,
    referrals,
    rosters,
    staff,
)
from clinic_desk.core.services.settings import update_settings
from clinic_desk.ui.calendar.booking import AppointmentDialog, BookingDialog
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.file import PatientFileView
from clinic_desk.ui.patients.prescriptions_tab import PrescriptionsTab
from clinic_desk.ui.patients.referrals_tab import ReferralsTab
from clinic_desk.ui.printing import documents, labels, preview
from clinic_desk.ui.printing.documents import MedicationCardDialog
from tests.conftest import ClinicFixture
from tests.ui.test_print_list import add_doctor
from tests.unit.test_printouts import own_temp_dir

SH = ZoneInfo("Asia/Shanghai")
WAIT = 20_000
DRUGS = [
    prescriptions.ItemInput("阿莫西林胶囊", "0.25g", "2粒", "oral", "tid", "after_meal", 7),
    prescriptions.ItemInput("艾司唑仑片", "1mg", "1片", "oral", "qn", "bedtime", 7, "", "勿驾车"),
]


def text_of(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str, str | None]]:
    got: list[tuple[bytes, str, str | None]] = []

    def fake_preview(parent: Any, pdf: bytes, *, title: str, save_name: str | None = None) -> bool:
        got.append((pdf, title, save_name))
        return True

    monkeypatch.setattr(preview, "preview_and_print_pdf", fake_preview)
    return got


@pytest.fixture
def setup(ui_clinic: ClinicFixture, ctx: AppContext) -> dict[str, Any]:
    cf = ui_clinic
    update_settings(
        cf.clinic,
        cf.director,
        {
            "clinic.phone": "010-8888 6666",
            "clinic.address": "北京市朝阳区建国路 88 号",
            "clinic.first_visit_info": "停车：地下停车场。请携带：身份证。",
        },
    )
    doctor_id = add_doctor(cf)
    doctor = staff.sign_in(cf.clinic, "li.doc", "some-pass-123")
    patient = patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="张",
        given_name="秀英",
        sex="F",
        birth_date=date(1980, 3, 2),
        phone="13812345678",
    ).value.id
    rx = prescriptions.write_prescription(cf.clinic, doctor, patient, DRUGS).value.id
    ctx.set_actor(cf.director)
    return {"cf": cf, "doctor_id": doctor_id, "doctor": doctor, "patient": patient, "rx": rx}


def _open(qtbot: Any, ctx: AppContext, patient_id: uuid.UUID) -> PatientFileView:
    view = PatientFileView(ctx, patient_id)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: view.details is not None, timeout=WAIT)
    return view


def _tab(view: PatientFileView, kind: type) -> Any:
    found = [t for t in view.extra_tabs if isinstance(t, kind)]
    assert len(found) == 1
    return found[0]


def _card_dialog(parent: QWidget) -> MedicationCardDialog:
    found = [d for d in parent.findChildren(MedicationCardDialog) if d.isVisible()]
    assert found
    return found[-1]


# -- the medication card from the prescriptions tab -------------------------------------------


def test_prescriptions_tab_prints_the_card_bilingual(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    view = _open(qtbot, ctx, setup["patient"])
    tab = _tab(view, PrescriptionsTab)
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.loaded and bool(tab.rows), timeout=WAIT)
    assert tab.card_button.isVisible() and tab.card_button.text() == "Print medication card…"
    tab.table.selectRow(0)
    tab.card_button.click()
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in tab.findChildren(MedicationCardDialog)), timeout=WAIT
    )
    dialog = _card_dialog(tab)
    assert dialog.size().width() >= 380  # the size box does not hide QWidget.size()
    assert not dialog.large.isChecked()  # 46 years old: normal print
    assert dialog.card_size.currentData() == "A6"
    assert "from age 70" in dialog.hint.text()
    dialog.bilingual.setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: bool(printed), timeout=WAIT)
    data, title, save_name = printed[0]
    assert title == "Medication card" and save_name == "Medication card.pdf"
    text = text_of(data)
    # The English interface prints Chinese first, English under it (the .qm gives 早, 饭后).
    for word in ("张女士", "MsZhang", "阿莫西林胶囊0.25g", "早", "Morning", "饭后", "aftermeals"):
        assert word in text, word
    assert PdfReader(io.BytesIO(data)).pages[0].mediabox.width == pytest.approx(297.6, abs=1)


def test_large_print_is_suggested_for_the_elderly_and_follows_its_size(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    cf = setup["cf"]
    old = patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="赵",
        given_name="大山",
        sex="M",
        birth_date=date(1944, 1, 1),
        phone="13900000001",
    ).value.id
    rx = prescriptions.write_prescription(cf.clinic, setup["doctor"], old, DRUGS[:1]).value.id
    parent = QWidget()
    qtbot.addWidget(parent)
    documents.print_medication_card(ctx, parent, rx)
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in parent.findChildren(MedicationCardDialog)),
        timeout=WAIT,
    )
    dialog = _card_dialog(parent)
    assert dialog.large.isChecked() and dialog.card_size.currentData() == "A5"
    assert "the patient is 82" in dialog.hint.text()
    dialog.large.setChecked(False)
    assert dialog.card_size.currentData() == "A6"  # the normal card's size, until one is chosen
    dialog.large.setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: bool(printed), timeout=WAIT)
    text = text_of(printed[0][0])
    assert "Medicationremindercard(largeprint)" in text and "赵大爷" not in text  # English UI
    assert "MrZhao" in text


def test_a_cancelled_prescription_has_no_card(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    cf = setup["cf"]
    prescriptions.cancel_prescription(cf.clinic, setup["doctor"], setup["rx"], reason="改方")
    view = _open(qtbot, ctx, setup["patient"])
    tab = _tab(view, PrescriptionsTab)
    qtbot.waitUntil(lambda: tab.loaded and bool(tab.rows), timeout=WAIT)
    tab.table.selectRow(0)
    tab.print_card()
    assert view.message.is_error and "cancelled" in view.message.text()
    assert not printed


# -- the slip and the first-visit sheet from the calendar's dialogs ----------------------------


def _book(setup: dict[str, Any]) -> uuid.UUID:
    cf = setup["cf"]
    return appointments.book(
        cf.clinic,
        cf.director,
        patient_id=setup["patient"],
        doctor_id=setup["doctor_id"],
        starts_at=datetime(2026, 11, 24, 9, 30, tzinfo=SH),
        channel="phone",
        identity_checked=True,
        minutes=15,
        purpose="复诊",
    ).value.id


def test_appointment_dialog_prints_the_slip_and_the_first_visit_sheet(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    cf = setup["cf"]
    view = appointments.get_appointment(cf.clinic, cf.director, _book(setup))
    dialog = AppointmentDialog(ctx, view)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.slip_button.isVisible() and dialog.slip_button.text() == "Print slip…"
    qtbot.waitUntil(dialog.first_visit_button.isVisible, timeout=WAIT)  # a new patient
    dialog.slip_button.click()
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=WAIT)
    text = text_of(printed[0][0])
    for word in (
        "Appointmentslip",
        "MsZhang,yourappointmentis:",  # the English form of address
        "Tuesday2026-11-24",
        "09:30",
        "李医生",
        "Calluson010-88886666before16:00thedaybefore.",
    ):
        assert word in text, word
    dialog.first_visit_button.click()
    qtbot.waitUntil(lambda: len(printed) == 2, timeout=WAIT)
    text = text_of(printed[1][0])
    assert "Yourfirstvisit" in text and "停车：地下停车场。" in text and "09:30" in text


def test_booking_dialog_prints_the_slip_after_booking_and_the_first_visit_sheet(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    doctors = rosters.list_doctors(setup["cf"].clinic, setup["cf"].director)
    dialog = BookingDialog(
        ctx,
        parent,
        doctor_id=setup["doctor_id"],
        doctors=doctors,
        starts_at=datetime(2026, 11, 25, 10, 0, tzinfo=SH),
        patient_id=setup["patient"],
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.print_info.isVisible, timeout=WAIT)  # first visit: offered on paper
    dialog.print_info.click()
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=WAIT)
    assert "Yourfirstvisit" in text_of(printed[0][0])
    assert dialog.print_slip.toolTip() == "Print the appointment slip after booking"
    dialog.identity.setChecked(True)
    dialog.print_slip.setChecked(True)
    dialog.book()
    qtbot.waitUntil(lambda: len(printed) == 2, timeout=WAIT)
    assert dialog.result() == QDialog.DialogCode.Accepted
    text = text_of(printed[1][0])
    assert "Appointmentslip" in text and "Wednesday2026-11-25" in text and "10:00" in text


# -- the patient file's print menu, and the referrals tab ------------------------------------


def test_patient_file_prints_the_contact_card_and_the_followup_forms(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    view = _open(qtbot, ctx, setup["patient"])
    assert view.print_button.isVisible()
    view.contact_card_action.trigger()
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=WAIT)
    text = text_of(printed[0][0])
    assert "Contactcard" in text and "010-88886666" in text and "ForMsZhang" in text
    view.followup_action.trigger()
    qtbot.waitUntil(lambda: len(printed) == 2, timeout=WAIT)
    filled = text_of(printed[1][0])
    assert "Follow-upcallrecord" in filled and "张秀英" in filled and "王丽" in filled
    view.followup_blank_action.trigger()
    qtbot.waitUntil(lambda: len(printed) == 3, timeout=WAIT)
    blank = text_of(printed[2][0])
    assert "Supervisor'sspotcheck" in blank and "张秀英" not in blank
    view.first_visit_action.trigger()
    qtbot.waitUntil(lambda: len(printed) == 4, timeout=WAIT)
    assert "Yourfirstvisit" in text_of(printed[3][0])


def test_customer_service_sees_only_what_it_may_print(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    cf = setup["cf"]
    staff.add_staff(
        cf.clinic,
        cf.director,
        login="kefu",
        display_name="客服小林",
        role=Role.CUSTOMER_SERVICE,
        password="some-pass-123",
    )
    ctx.set_actor(staff.sign_in(cf.clinic, "kefu", "some-pass-123"))
    view = _open(qtbot, ctx, setup["patient"])
    assert view.followup_action.isVisible() and view.contact_card_action.isVisible()
    assert not any(isinstance(t, PrescriptionsTab) for t in view.extra_tabs)


def test_referrals_tab_prints_the_letter(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any]
) -> None:
    cf = setup["cf"]
    referrals.refer_out(
        cf.clinic,
        setup["doctor"],
        setup["patient"],
        partner="北京协和医院",
        department="内分泌科",
        urgency="urgent",
        reason="血糖控制不佳",
    )
    view = _open(qtbot, ctx, setup["patient"])
    tab = _tab(view, ReferralsTab)
    view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.loaded and bool(tab.full_rows), timeout=WAIT)
    assert tab.letter_button.isVisible()
    tab.table.selectRow(0)
    tab.letter_button.click()
    qtbot.waitUntil(lambda: bool(printed), timeout=WAIT)
    text = text_of(printed[0][0])
    for word in (
        "Referralletter",
        "北京协和医院",
        "内分泌科",
        "血糖控制不佳",
        "阿莫西林胶囊",
        "李医生",
    ):
        assert word in text, word


def test_an_error_is_shown_not_raised(
    qtbot: Any, ctx: AppContext, setup: dict[str, Any], printed: list[Any], monkeypatch: Any
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    update_settings(setup["cf"].clinic, setup["cf"].director, {"clinic.first_visit_info": ""})
    parent = QWidget()
    qtbot.addWidget(parent)
    documents.print_first_visit_sheet(ctx, parent)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    assert "first-visit information" in shown[0] and not printed


def test_printing_leaves_no_temporary_file(
    qtbot: Any,
    ctx: AppContext,
    setup: dict[str, Any],
    printed: list[Any],
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    temp = own_temp_dir(tmp_path, monkeypatch)  # Qt reads TMPDIR too
    before = {p.name for p in temp.iterdir()}
    parent = QWidget()
    qtbot.addWidget(parent)
    documents.print_contact_card(ctx, parent, setup["patient"])
    documents.print_followup_form(ctx, parent, setup["patient"])
    qtbot.waitUntil(lambda: len(printed) == 2, timeout=WAIT)
    assert {p.name for p in temp.iterdir()} == before


# -- the preview: save as PDF, no printer, a printer that refuses -----------------------------


def test_preview_saves_as_pdf_and_says_when_there_is_no_printer(
    qtbot: Any, setup: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    cf = setup["cf"]
    data = documents.build_contact_card_pdf(
        cf.clinic, cf.director, None, labels=labels.contact_card_labels(), language="en"
    )
    monkeypatch.setattr(QPrinterInfo, "availablePrinters", staticmethod(lambda: []))
    dialog, _printer = preview.make_preview_dialog(
        None, data, title="Contact card", save_name="Contact card.pdf"
    )
    qtbot.addWidget(dialog)
    banner = dialog.findChild(QLabel, "no-printer")
    assert banner is not None and "No printer is set up on this computer" in banner.text()
    print_action = preview._print_action(dialog)
    assert print_action is not None and not print_action.isEnabled()

    out = tmp_path / "saved"
    out.mkdir()
    chosen = out / "连心卡"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(chosen), "")))
    save = dialog.findChild(QAction, "save-pdf")
    assert save is not None and save.text() == "Save as PDF…"
    save.trigger()
    saved = out / "连心卡.pdf"
    assert saved.read_bytes() == data and saved.stat().st_mode & 0o077 == 0
    assert [p.name for p in out.iterdir()] == ["连心卡.pdf"]  # no temporary left behind


def test_a_printer_that_refuses_gets_a_clear_message(
    qtbot: Any, setup: dict[str, Any], monkeypatch: Any
) -> None:
    cf = setup["cf"]
    data = documents.build_followup_form_pdf(
        cf.clinic, cf.director, None, labels=labels.followup_form_labels()
    )
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    dialog, _printer = preview.make_preview_dialog(None, data, title="Form")
    qtbot.addWidget(dialog)
    gone = QPrinter(QPrinter.PrinterMode.HighResolution)
    gone.setPrinterName("前台打印机")  # not installed: the job cannot start
    dialog.paintRequested.emit(gone)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    assert "Could not print on" in shown[0] and "save the document as a PDF" in shown[0]
    QApplication.processEvents()


def test_labels_are_filled_from_the_translations() -> None:
    card = labels.medication_card_labels()
    assert card.title == "Medication reminder card" and card.times["morning"] == "Morning"
    chinese = labels.medication_card_labels(labels.translator_for("zh_CN"))
    assert chinese.times["morning"] == "早" and chinese.meal_short["after_meal"] == "饭后"
    assert labels.weekdays("zh_CN")[0] == "星期一" and len(labels.weekdays(short=True)) == 7
    assert documents.second_language("zh_TW", "zh_CN") == "en"
    assert documents.second_language("en", "zh_TW") == "zh_TW"
