"""Settings → Rosters (issue 5; spec A2, A3, I2): the director sets up doctors' hours,
rooms and devices, appointment types and closures; others read them."""

from __future__ import annotations

import os
from datetime import date

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import rosters, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.patients.common import FieldsDialog
from clinic_desk.ui.settings.page import SettingsPage
from clinic_desk.ui.settings.rosters_tab import (
    AppointmentTypeDialog,
    ExceptionDialog,
    RostersTab,
    parse_spans,
)
from tests.conftest import ClinicFixture

SHOTS = "/tmp/shots"
NEXT_MONDAY = date(2026, 11, 30)  # the fake clock's today is Monday 2026-11-23


def type_text(edit: QLineEdit, text: str) -> None:
    """Key presses carrying each character (QTest.keyClicks only takes ASCII)."""
    edit.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def settle(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    """Until every service call and the calls its answer started have been answered."""
    for _ in range(3):
        qtbot.waitUntil(lambda: not ctx.runner._running, timeout=10_000)
        qtbot.wait(20)


def make_tab(qtbot, ctx: AppContext, actor: Actor) -> RostersTab:  # type: ignore[no-untyped-def]
    ctx.set_actor(actor)
    tab = RostersTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    settle(qtbot, ctx)
    return tab


def shot(widget: QWidget, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    widget.grab().save(f"{SHOTS}/{name}.png")


@pytest.fixture
def doctor(ui_clinic: ClinicFixture) -> Actor:
    return _staff(ui_clinic, "li.doc", "李医生", Role.DOCTOR)


def test_spans_are_typed_loosely_and_bad_pieces_named() -> None:
    assert parse_spans("08:00-12:00, 13:30-17:30") == [(480, 720), (810, 1050)]
    assert parse_spans("０８:００ 至 １２:００，13:30～17:30") == [(480, 720), (810, 1050)]
    assert parse_spans("  ") == []


def test_director_sets_weekly_hours_and_working_spans_follow(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, doctor: Actor
) -> None:
    tab = make_tab(qtbot, ctx, ui_clinic.director)
    panel = tab.doctors
    assert panel.current_id() == doctor.staff_id  # the only doctor is chosen
    assert panel.table.item(0, 0).text() == "李医生"
    week = panel.week
    type_text(week.work_edits[0], "08:00-12:00, 13:30-17:30")
    type_text(week.break_edits[0], "10:00-10:15")
    type_text(week.work_edits[2], "08:00-12:00")
    assert week.error == "" and panel.save_roster_button.isEnabled()
    assert week.totals[0].text() == "7 h 45 min"
    qtbot.mouseClick(panel.save_roster_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert "saved" in panel.roster_message.text()
    assert rosters.working_spans(ui_clinic.clinic, doctor.staff_id, NEXT_MONDAY) == [
        (480, 600),
        (615, 720),
        (810, 1050),
    ]
    assert rosters.working_spans(ui_clinic.clinic, doctor.staff_id, date(2026, 12, 2)) == [
        (480, 720)
    ]
    # After the reload the editor shows what was stored, and nothing is unsaved.
    assert week.work_edits[0].text() == "08:00-12:00, 13:30-17:30"
    assert not week.is_dirty()

    # The profile the desk reads to callers.
    panel.specialties.setText("内科, 糖尿病管理")
    panel.description.setPlainText("李医生擅长糖尿病和高血压的长期管理。")
    panel.color.set_color("#3a7bd5")
    qtbot.mouseClick(panel.save_profile_button, Qt.MouseButton.LeftButton)
    settle(qtbot, ctx)
    assert panel.profile_message.text() == "Profile saved."
    (view,) = rosters.list_doctors(ui_clinic.clinic, ui_clinic.director)
    assert (view.specialties, view.color) == ("内科, 糖尿病管理", "#3A7BD5")
    assert panel.table.item(0, 1).text() == "内科, 糖尿病管理"

    # A day off next Monday morning, through the dialog.
    dialog = panel.open_exception_dialog()
    assert isinstance(dialog, ExceptionDialog)
    dialog.day.setDate(dialog.day.date().addDays(6))  # tomorrow + 6 = next Monday
    dialog.whole_day.setChecked(False)
    type_text(dialog.start, "08:00")
    type_text(dialog.end, "10:00")
    type_text(dialog.reason, "培训")
    shot(dialog, "rosters_exception_dialog")
    dialog.submit()
    settle(qtbot, ctx)
    assert dialog.result() == ExceptionDialog.DialogCode.Accepted
    assert panel.exceptions.rowCount() == 1
    assert panel.exceptions.item(0, 3).text() == "08:00-10:00"
    assert rosters.working_spans(ui_clinic.clinic, doctor.staff_id, NEXT_MONDAY) == [
        (615, 720),  # off until 10:00, then the break until 10:15
        (810, 1050),
    ]
    shot(tab, "rosters_doctors")


def test_a_bad_block_is_explained_and_nothing_is_saved(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, doctor: Actor
) -> None:
    tab = make_tab(qtbot, ctx, ui_clinic.director)
    panel = tab.doctors
    week = panel.week
    type_text(week.work_edits[1], "12:00-08:00")
    assert week.error == (
        "Tuesday: 12:00-08:00 ends before it starts or has no length. Make the end later "
        "than the start; hours past midnight belong to the next day."
    )
    assert week.message.text() == week.error
    assert week.work_edits[1].styleSheet()  # the row is marked
    assert not panel.save_roster_button.isEnabled()
    shot(tab, "rosters_bad_block")
    panel.save_roster()  # even if called, the typed week is refused before the service
    settle(qtbot, ctx)
    assert (
        rosters.get_weekly_roster(ui_clinic.clinic, ui_clinic.director, doctor.staff_id).blocks
        == ()
    )

    week.work_edits[1].clear()
    type_text(week.work_edits[1], "08:00-12:00")
    type_text(week.break_edits[1], "12:30-13:00")
    assert "is not inside the working hours" in week.error
    week.break_edits[1].clear()
    type_text(week.work_edits[1], ", 8:30")
    assert "is not a span of time" in week.error
    week.work_edits[1].setText("08:00-12:00, 25:00-26:00")
    assert "25:00 is not a time of day" in week.error
    week.work_edits[1].setText("08:00-12:00")
    assert week.error == "" and panel.save_roster_button.isEnabled()


def test_a_receptionist_sees_the_rosters_read_only(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, doctor: Actor
) -> None:
    rosters.set_weekly_roster(
        ui_clinic.clinic,
        ui_clinic.director,
        doctor.staff_id,
        [rosters.RosterBlock(d, 8 * 60, 12 * 60) for d in range(5)],
    )
    rosters.add_resource(ui_clinic.clinic, ui_clinic.director, kind="room", name="B超室")
    desk = _staff(ui_clinic, "desk", "前台小王", Role.RECEPTIONIST)
    ctx.set_actor(desk)
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    tab = page.rosters_tab
    assert tab is not None and page.staff_tab is None
    page.tabs.setCurrentWidget(tab)
    settle(qtbot, ctx)
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "Rosters"
    assert tab.read_only_note.isVisible()
    panel = tab.doctors
    assert panel.week.work_edits[0].text() == "08:00-12:00"
    assert panel.week.work_edits[0].isReadOnly() and panel.specialties.isReadOnly()
    assert not panel.bookable.isEnabled()
    for button in (
        panel.save_roster_button,
        panel.save_profile_button,
        panel.add_exception_button,
        tab.resources.add_button,
        tab.types.add_button,
        tab.closures.add_button,
    ):
        assert button.isHidden()
    assert panel.open_exception_dialog() is None
    assert tab.resources.table.item(0, 0).text() == "B超室"
    shot(page, "rosters_read_only")


def test_adding_a_room_and_a_type_that_needs_it(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    tab = make_tab(qtbot, ctx, ui_clinic.director)
    tab.tabs.setCurrentWidget(tab.resources)
    dialog = tab.resources.open_add_dialog()
    assert isinstance(dialog, FieldsDialog)
    kind = dialog.widgets["kind"]
    assert isinstance(kind, QComboBox)
    kind.setCurrentIndex(kind.findData("room"))
    type_text(dialog.widgets["name"], "B超室")  # type: ignore[arg-type]
    type_text(dialog.widgets["description"], "二楼 203")  # type: ignore[arg-type]
    dialog.save()
    settle(qtbot, ctx)
    assert tab.resources.table.rowCount() == 1
    assert tab.resources.table.item(0, 1).text() == "Room"
    (room,) = rosters.list_resources(ui_clinic.clinic, ui_clinic.director)
    assert (room.name, room.description) == ("B超室", "二楼 203")

    # The same name again: the service's sentence, nothing added.
    again = tab.resources.open_add_dialog()
    assert isinstance(again, FieldsDialog)
    type_text(again.widgets["name"], "b超室")  # type: ignore[arg-type]
    again.save()
    settle(qtbot, ctx)
    assert again.message.text() == (
        "There is already a room or device called b超室. Choose another name."
    )
    again.reject()
    shot(tab, "rosters_rooms")

    tab.tabs.setCurrentWidget(tab.types)
    settle(qtbot, ctx)
    built_in = [tab.types.table.item(r, 0).text() for r in range(tab.types.table.rowCount())]
    assert "General consult" in built_in
    type_dialog = tab.types.open_add_dialog()
    assert isinstance(type_dialog, AppointmentTypeDialog)
    assert type_dialog.needs.count() == 1
    type_text(type_dialog.name, "腹部B超")
    type_dialog.minutes.setValue(25)
    type_dialog.color.set_color("#8E24AA")
    type_dialog.needs.item(0).setCheckState(Qt.CheckState.Checked)
    type_dialog.submit()
    settle(qtbot, ctx)
    assert type_dialog.result() == AppointmentTypeDialog.DialogCode.Accepted
    made = next(
        t
        for t in rosters.list_appointment_types(ui_clinic.clinic, ui_clinic.director)
        if t.name == "腹部B超"
    )
    assert (made.default_minutes, made.color, made.resource_ids) == (25, "#8E24AA", (room.id,))
    row = next(
        r
        for r in range(tab.types.table.rowCount())
        if tab.types.table.item(r, 0).text() == "腹部B超"
    )
    assert tab.types.table.item(row, 3).text() == "B超室"
    shot(tab, "rosters_types")

    # Deactivate the room: the type stops listing it.
    tab.tabs.setCurrentWidget(tab.resources)
    tab.resources.table.selectRow(0)
    tab.resources.toggle_selected()
    settle(qtbot, ctx)
    assert tab.resources.message.text() == "B超室 is off the calendar."
    assert tab.resources.table.rowCount() == 0  # hidden unless asked for
    tab.resources.show_inactive.setChecked(True)
    assert tab.resources.table.item(0, 3).text() == "Off the calendar"
    assert tab.types.table.item(row, 3).text() == ""


def test_a_closure_beside_the_public_holidays(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture
) -> None:
    tab = make_tab(qtbot, ctx, ui_clinic.director)
    panel = tab.closures
    tab.tabs.setCurrentWidget(panel)
    holidays = [panel.holidays.item(r, 0).text() for r in range(panel.holidays.rowCount())]
    assert "2026-10-01" in holidays  # National Day, calendar CN (the default)
    assert "mainland China" in panel.holidays_intro.text()
    dialog = panel.open_add_dialog()
    assert isinstance(dialog, FieldsDialog)
    type_text(dialog.widgets["day"], "2026-12-31")  # type: ignore[arg-type]
    dialog.save()
    settle(qtbot, ctx)
    assert dialog.message.text() == "The reason is empty. Please fill it in."
    type_text(dialog.widgets["reason"], "年终盘点")  # type: ignore[arg-type]
    dialog.save()
    settle(qtbot, ctx)
    assert panel.table.rowCount() == 1
    assert [panel.table.item(0, c).text() for c in range(3)] == [
        "2026-12-31",
        "Thursday",
        "年终盘点",
    ]
    assert rosters.day_info(ui_clinic.clinic, date(2026, 12, 31)).closed
    shot(tab, "rosters_closures")
    panel.table.selectRow(0)
    panel.remove_selected()
    settle(qtbot, ctx)
    assert panel.table.rowCount() == 0
    assert not rosters.day_info(ui_clinic.clinic, date(2026, 12, 31)).closed


def test_the_tab_in_chinese(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, doctor: Actor
) -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, str(root / "installer" / "build_translations.py")], check=True)
    rosters.set_weekly_roster(
        ui_clinic.clinic,
        ui_clinic.director,
        doctor.staff_id,
        [
            rosters.RosterBlock(d, s, e, k)
            for d in range(6)
            for s, e, k in ((480, 720, "work"), (810, 1050, "work"), (600, 615, "break"))
        ],
    )
    tab = make_tab(qtbot, ctx, ui_clinic.director)
    try:
        assert install_language("zh_CN")
        QApplication.processEvents()
        assert tab.doctors.table.horizontalHeaderItem(0).text()  # retranslated, not emptied
        assert tab.doctors.week.work_edits[5].text() == "08:00-12:00, 13:30-17:30"
        shot(tab, "rosters_doctors_zh")
        tab.tabs.setCurrentWidget(tab.closures)
        settle(qtbot, ctx)
        shot(tab, "rosters_closures_zh")
    finally:
        install_language("en")
        QApplication.processEvents()
