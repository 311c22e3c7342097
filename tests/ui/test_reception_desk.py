"""The desk (issue 6; spec B1-B8, C4): the today board, check-in, walk-ins, wait alerts,
the green channel.

The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai. Li (general practice) and
Zhao (paediatrics) work today; 张三 is booked with Li at 10:30, 李四 with Zhao at 11:00,
欧阳娜娜 with Li tomorrow; 王小宝 (a child) has no appointment.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, clinical, patients, reception, rosters, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.reception.alerts import GreenChannelDialog, WaitAlertDialog
from clinic_desk.ui.reception.board import ReceptionPage
from clinic_desk.ui.reception.checkin import CheckInDialog
from clinic_desk.ui.reception.walkin import WalkInDialog
from clinic_desk.ui.shell.features import FEATURES
from tests.conftest import ClinicFixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHOTS = Path("/tmp/shots")
WAIT = 8000


def _today(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


@pytest.fixture
def day(ui_clinic: ClinicFixture) -> dict[str, Any]:
    cf = ui_clinic
    SHOTS.mkdir(parents=True, exist_ok=True)
    li = _staff(cf, "li.doc", "李医生", Role.DOCTOR)
    zhao = _staff(cf, "zhao.doc", "赵医生", Role.DOCTOR)
    blocks = [
        rosters.RosterBlock(d, s, e)
        for d in range(6)
        for s, e in ((8 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
    ]
    for doctor, specialties in ((li, "全科 内科 general practice"), (zhao, "儿科 paediatrics")):
        assert doctor.staff_id is not None
        rosters.set_weekly_roster(cf.clinic, cf.director, doctor.staff_id, blocks)
        rosters.set_doctor_profile(
            cf.clinic, cf.director, doctor.staff_id, specialties=specialties, description=""
        )
    desk = _staff(cf, "desk", "前台小王", Role.RECEPTIONIST)
    nurse = _staff(cf, "nurse", "护士小刘", Role.TRIAGE_NURSE)

    def person(family: str, given: str, phone: str, sex: str, born: date) -> uuid.UUID:
        return patients.register_patient(
            cf.clinic,
            cf.director,
            family_name=family,
            given_name=given,
            phone=phone,
            sex=sex,
            birth_date=born,
        ).value.id

    zhang = person("张", "三", "13812340000", "F", date(1980, 1, 1))
    lisi = person("李", "四", "13812340001", "M", date(1985, 6, 1))
    child = person("王", "小宝", "13812340002", "M", date(2020, 5, 1))
    ouyang = person("欧阳", "娜娜", "13812340003", "F", date(1990, 3, 3))

    def book(patient: Any, doctor: Actor, at: datetime) -> Any:
        # Today's book closed yesterday at 16:00 (A5): the director books past the cutoff.
        return appointments.book(
            cf.clinic,
            cf.director,
            patient_id=patient,
            doctor_id=doctor.staff_id,  # type: ignore[arg-type]
            starts_at=at,
            minutes=30,
            channel="phone",
            identity_checked=True,
            confirm={"after_cutoff"},
            override_reason="booked by phone yesterday",
        ).value

    return {
        "li": li.staff_id,
        "zhao": zhao.staff_id,
        "desk": desk,
        "nurse": nurse,
        "zhang": zhang,
        "lisi": lisi,
        "child": child,
        "ouyang": ouyang,
        "zhang_appt": book(zhang, li, _today(10, 30)),
        "lisi_appt": book(lisi, zhao, _today(11)),
        "ouyang_appt": book(ouyang, li, datetime(2026, 11, 24, 9, tzinfo=SHANGHAI)),
    }


def _idle(ctx: AppContext) -> bool:
    return ctx.runner.db_pool.activeThreadCount() == 0


def _page(qtbot: Any, ctx: AppContext) -> ReceptionPage:
    page = ReceptionPage(ctx)
    qtbot.addWidget(page)
    page.resize(1080, 740)  # the page's share of a 1280x800 window beside the menu
    page.show()
    qtbot.waitUntil(lambda: page.loads > 0 and _idle(ctx), timeout=WAIT)
    return page


def _reload(qtbot: Any, page: ReceptionPage) -> None:
    before = page.loads
    page.reload()
    qtbot.waitUntil(lambda: page.loads > before and _idle(page.ctx), timeout=WAIT)
    qtbot.wait(20)


def _row(page: ReceptionPage, name: str) -> reception.BoardRow:
    for row in page.shown:
        if row.patient_name == name:
            return row
    raise AssertionError(f"{name} is not on the board: {[r.patient_name for r in page.shown]}")


def _select(page: ReceptionPage, name: str) -> None:
    page.select_row_of(_row(page, name))


def _cell(page: ReceptionPage, row: int, column: int) -> str:
    item = page.table.item(row, column)
    return item.text() if item is not None else ""


def _dialog(qtbot: Any, parent: Any, kind: type) -> Any:
    qtbot.waitUntil(lambda: any(w.isVisible() for w in parent.findChildren(kind)), timeout=WAIT)
    return next(w for w in parent.findChildren(kind) if w.isVisible())


def test_keyboard_check_in_from_the_search(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    """B1-B2: type the name, Enter, tick identity, Enter: queue number 1, the row waits."""
    ctx.set_actor(day["desk"])
    page = _page(qtbot, ctx)
    assert [r.patient_name for r in page.shown] == ["张三", "李四"]  # expected, by time
    assert _cell(page, 0, 4) == "Expected"
    # The counts are glued with word joiners and no-break spaces so one doctor's stay on a line.
    counts = page.counts.text().replace("\u2060", "").replace("\u00a0", " ")
    assert "李医生" in counts and "1 expected" in counts
    assert page.search.line.hasFocus()

    qtbot.keyClicks(page.search.line, "zs")  # pinyin initials
    qtbot.waitUntil(lambda: page.search.results.count() == 1 and _idle(ctx), timeout=WAIT)
    assert "Enter: check in" in page.search.results.item(0).text()
    qtbot.keyClick(page.search.line, Qt.Key.Key_Return)
    dialog = _dialog(qtbot, page, CheckInDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    # The line the receptionist says, with the honorific and the booked time (B1, C4).
    assert "张女士" in dialog.greeting.text() and "10:30" in dialog.greeting.text()
    assert "李医生" in dialog.who.text()
    assert not dialog.vitals_group.isVisibleTo(dialog)  # the desk does not take vitals
    assert not dialog.safety_confirmed.isVisibleTo(dialog)  # nor reads the allergy list

    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # identity not ticked: refused, nothing written
    assert "identity" in dialog.message.text()
    assert dialog.done_number is None
    dialog.identity.setFocus()
    qtbot.keyClick(dialog.identity, Qt.Key.Key_Space)
    assert dialog.identity.isChecked()
    qtbot.keyClick(dialog.identity, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.done_number is not None, timeout=WAIT)
    assert dialog.number.text() == "No. 1"
    assert "李医生 will call number 1" in dialog.message.text()
    dialog.grab().save(str(SHOTS / "reception_checkin_done.png"))
    qtbot.keyClick(dialog.check_in_button, Qt.Key.Key_Return)  # Enter closes
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)

    qtbot.waitUntil(lambda: _row(page, "张三").status == "waiting" and _idle(ctx), timeout=WAIT)
    qtbot.wait(20)
    row = page.selected_row()
    assert row is not None and row.patient_name == "张三" and row.queue_no == 1
    assert page.focusWidget() is page.table  # the board has the keyboard after the search
    index = page.shown.index(row)
    assert _cell(page, index, 4) == "Waiting"
    assert _cell(page, index, 0) == "1"
    view = appointments.get_appointment(ctx.clinic, day["desk"], day["zhang_appt"].id)
    assert view.status == appointments.ARRIVED

    # On the board: Down to 李四 (expected), Enter checks in; on 张三 (waiting), Enter
    # opens the row's actions.
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    below = page.selected_row()
    assert below is not None and below.patient_name == "李四"
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    other = _dialog(qtbot, page, CheckInDialog)
    assert other.appointment_id == day["lisi_appt"].id
    other.reject()
    qtbot.waitUntil(lambda: not other.isVisible() and _idle(ctx), timeout=WAIT)
    page.select_row_of(_row(page, "张三"))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    menu = page.row_menu
    assert menu is not None and menu.isVisible()
    enabled = {a.objectName() for a in menu.actions() if a.isEnabled()}
    assert enabled == {"green-channel", "mark-left"}
    menu.close()

    # Found again, the search says where the patient is instead of checking in twice.
    qtbot.keyClicks(page.search.line, "13812340000")
    qtbot.waitUntil(lambda: page.search.results.count() == 1 and _idle(ctx), timeout=WAIT)
    assert "No. 1" in page.search.results.item(0).text()
    qtbot.keyClick(page.search.line, Qt.Key.Key_Return)
    assert "Already in the queue: No. 1" in page.message.text()
    again = page.selected_row()
    assert again is not None and again.patient_name == "张三"


def test_checking_in_twice_says_the_number(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    """A second check-in (another workstation was faster) shows the number it has."""
    ctx.set_actor(day["desk"])
    page = _page(qtbot, ctx)
    dialog = page.check_in(_row(page, "李四"))
    assert isinstance(dialog, CheckInDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    reception.check_in(ctx.clinic, day["desk"], day["zhang_appt"].id, identity_checked=True)
    reception.check_in(ctx.clinic, day["desk"], day["lisi_appt"].id, identity_checked=True)
    dialog.identity.setChecked(True)
    dialog.check_in()
    qtbot.waitUntil(lambda: dialog.done_number is not None, timeout=WAIT)
    assert dialog.number.text() == "No. 2"
    assert dialog.message.text() == "Already checked in today: queue number 2."
    assert not dialog.message.is_error
    dialog.check_in()  # Enter closes
    assert not dialog.isVisible()


def test_another_days_appointment_asks_and_unusual_vitals_ask(
    qtbot: Any, ctx: AppContext, day: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """B2, B3: tomorrow's booking asks before checking in for today; the nurse's unusual
    reading asks before it is recorded; an impossible one is refused with a sentence."""
    ctx.set_actor(day["nurse"])
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *a: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    host = _page(qtbot, ctx)
    dialog = CheckInDialog(ctx, day["ouyang_appt"].id, host)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    assert "2026-11-24" in dialog.who.text()
    assert dialog.notice.text() == "This appointment is not for today."
    assert dialog.vitals_group.isVisibleTo(dialog)
    dialog.identity.setChecked(True)
    dialog.safety_confirmed.setChecked(True)
    dialog.vitals.edits["temperature_c"].setText("35,0 ℃ 😷")  # not a number
    dialog.check_in()
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=WAIT)
    assert "°C" in dialog.message.text() or "temperature" in dialog.message.text().lower()
    assert not asked and dialog.done_number is None

    dialog.vitals.edits["bp"].setText("150/95")
    dialog.vitals.edits["temperature_c"].setText("41.2")  # possible but unusual
    dialog.vitals.edits["pulse"].setText("88")
    dialog.check_in()
    qtbot.waitUntil(lambda: dialog.done_number is not None, timeout=WAIT)
    assert any("41.2" in text for text in asked)  # the reading was asked about
    assert any("2026-11-24" in text and "not today" in text for text in asked)
    assert dialog.number.text() == "No. 1"
    record = clinical.read_record(ctx.clinic, day["nurse"], day["ouyang"])
    latest = record.vitals[0].current
    assert latest.temperature_c == 41.2 and latest.systolic == 150 and latest.pulse == 88


def test_walk_in_with_the_triage_suggestion(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    """B5, B6, B7: a child without an appointment; the complaint suggests the paediatrician."""
    ctx.set_actor(day["desk"])
    page = _page(qtbot, ctx)
    qtbot.keyClicks(page.search.line, "wxb")
    qtbot.waitUntil(lambda: page.search.results.count() == 1 and _idle(ctx), timeout=WAIT)
    assert "walk-in" in page.search.results.item(0).text()
    qtbot.keyClick(page.search.line, Qt.Key.Key_Return)
    dialog = _dialog(qtbot, page, WalkInDialog)
    assert dialog.patient_id == day["child"]
    qtbot.waitUntil(lambda: "王小宝" in dialog.chosen.text(), timeout=WAIT)

    dialog.queue()  # identity not ticked
    assert "identity" in dialog.message.text()
    dialog.complaint.setCurrentIndex(dialog.complaint.findData("child"))
    qtbot.waitUntil(
        lambda: bool(dialog.suggestions) and dialog.doctor_choice() == day["zhao"] and _idle(ctx),
        timeout=WAIT,
    )
    assert dialog.doctors.item(0, 0).text() == "赵医生"  # the best first, and chosen
    assert dialog.doctors.item(dialog.doctors.rowCount() - 1, 0).text() == "Any doctor"
    dialog.identity.setChecked(True)
    dialog.resize(760, 560)
    dialog.grab().save(str(SHOTS / "reception_walkin.png"))
    qtbot.keyClick(dialog.identity, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.done_number is not None, timeout=WAIT)
    assert dialog.number.text() == "No. 1"
    assert "赵医生 will call number 1" in dialog.message.text()
    dialog.queue()
    assert not dialog.isVisible()

    qtbot.waitUntil(lambda: any(r.patient_name == "王小宝" for r in page.shown), timeout=WAIT)
    row = _row(page, "王小宝")
    assert row.walk_in and row.doctor_id == day["zhao"] and row.status == "waiting"
    assert "child" in row.needs
    index = page.shown.index(row)
    assert "Walk-in" in _cell(page, index, 7)
    assert _cell(page, index, 6) == "Child"  # the badge (B6)

    # The same child again: already waiting, the number is said.
    again = page.open_walk_in(day["child"])
    assert isinstance(again, WalkInDialog)
    again.identity.setChecked(True)
    again.queue()
    qtbot.waitUntil(lambda: again.done_number == 1, timeout=WAIT)
    assert "Already in today's queue: number 1" in again.message.text()
    again.reject()

    # Nobody chosen: the dialog says what to do.
    empty = page.open_walk_in(None)
    assert isinstance(empty, WalkInDialog)
    empty.queue()
    assert "Choose the patient first" in empty.message.text()
    empty.reject()


def test_wait_alert_and_green_channel(
    qtbot: Any,
    ctx: AppContext,
    ui_clinic: ClinicFixture,
    day: dict[str, Any],
) -> None:
    """B4, B8: past 15 minutes the row is an alert and first; handled, it is not; the green
    channel puts a patient first, marked, with the reason."""
    from clinic_desk.ui.i18n import install_language

    ctx.set_actor(day["desk"])
    desk = day["desk"]
    reception.check_in(ctx.clinic, desk, day["zhang_appt"].id, identity_checked=True)
    ui_clinic.clock.advance(minutes=16)
    reception.check_in(ctx.clinic, desk, day["lisi_appt"].id, identity_checked=True)
    reception.walk_in(
        ctx.clinic,
        desk,
        day["child"],
        doctor_id=day["zhao"],
        complaint="fever",
        identity_checked=True,
    )
    elderly = patients.register_patient(
        ctx.clinic,
        ui_clinic.director,
        family_name="赵",
        given_name="桂兰",
        phone="13812340004",
        sex="F",
        birth_date=date(1942, 2, 2),
        special_needs=("accompanied",),
    ).value.id
    appointments.book(
        ctx.clinic,
        ui_clinic.director,
        patient_id=elderly,
        doctor_id=day["li"],
        starts_at=_today(11, 30),
        minutes=30,
        channel="phone",
        identity_checked=True,
        confirm={"after_cutoff"},
        override_reason="booked by phone yesterday",
    )
    page = _page(qtbot, ctx)
    assert [r.patient_name for r in page.shown] == ["张三", "李四", "王小宝", "赵桂兰"]
    old_lady = _row(page, "赵桂兰")
    assert old_lady.kind == "expected" and {"elderly", "accompanied"} <= set(old_lady.needs)
    assert _cell(page, 3, 6) == "Senior Escort" or _cell(page, 3, 6) == "Escort Senior"
    first = page.shown[0]
    assert first.patient_name == "张三" and first.alert
    assert _cell(page, 0, 5) == "⚠ 16 min"
    number_cell = page.table.item(0, 0)
    assert number_cell is not None and number_cell.background().color().name() == "#c62828"
    assert "1 waiting longer than 15 min" in page.alerts.text()
    assert not _row(page, "李四").alert

    # Green channel for 李四: the reason is required, and CJK and emoji are kept.
    _select(page, "李四")
    green = page.green_channel_selected()
    assert isinstance(green, GreenChannelDialog)
    assert "audit log" in green.audit_note.text()
    green.save()
    assert "reason" in green.message.text()
    green.reason.setPlainText("x" * 600)
    green.save()
    assert "too long" in green.message.text()
    green.reason.setPlainText("胸痛 chest pain 😣")
    green.save()
    qtbot.waitUntil(lambda: not green.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: _row(page, "李四").green and _idle(ctx), timeout=WAIT)
    qtbot.wait(20)
    assert [r.patient_name for r in page.shown[:3]] == ["张三", "李四", "王小宝"]  # alert, green
    assert _cell(page, 1, 0) == "✚ 2"
    assert "胸痛 chest pain 😣" in _cell(page, 1, 7)

    page.table.clearSelection()
    page.grab().save(str(SHOTS / "reception_board_en.png"))
    try:
        assert install_language("zh_CN")
        qtbot.wait(50)
        page.grab().save(str(SHOTS / "reception_board_zh_CN.png"))
    finally:
        install_language("en")
        qtbot.wait(50)

    # The alert is handled: what was done is recorded and the row is an alert no more.
    _select(page, "张三")
    assert page.alert_button.isEnabled()
    handle = page.handle_alert_selected()
    assert isinstance(handle, WaitAlertDialog)
    assert "No. 1 has waited 16 min" in handle.heading.text()
    handle.save()
    assert "Tick at least one" in handle.message.text()
    handle.boxes["explained"].setChecked(True)
    handle.boxes["drink"].setChecked(True)
    handle.note.setText("医生在处理急诊 🙏")
    handle.save()
    qtbot.waitUntil(lambda: not handle.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: not _row(page, "张三").alert and _idle(ctx), timeout=WAIT)
    qtbot.wait(20)
    assert _row(page, "张三").alert_handled
    assert page.shown[0].patient_name == "李四"  # the green channel now comes first
    assert "Wait explained" in _cell(page, page.shown.index(_row(page, "张三")), 7)
    assert not page.alerts.text()


def test_check_in_dialog_screenshots_and_the_patient_file(
    qtbot: Any, ctx: AppContext, day: dict[str, Any]
) -> None:
    """B2: allergies and medication are listed for confirmation; Change… opens the file."""
    from clinic_desk.ui.i18n import install_language
    from clinic_desk.ui.reception.common import PatientFileDialog

    clinical.add_allergy(
        ctx.clinic, day["nurse"], day["zhang"], substance="青霉素", reaction="皮疹"
    )
    ctx.set_actor(day["nurse"])
    page = _page(qtbot, ctx)
    dialog = page.check_in(_row(page, "张三"))
    assert isinstance(dialog, CheckInDialog)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=WAIT)
    assert "青霉素" in dialog.allergies.text()
    dialog.identity.setChecked(True)
    dialog.vitals.edits["bp"].setText("128/82")
    dialog.vitals.edits["temperature_c"].setText("36.8")
    dialog.resize(760, 640)
    dialog.grab().save(str(SHOTS / "reception_checkin.png"))
    try:
        assert install_language("zh_CN")
        qtbot.wait(50)
        dialog.grab().save(str(SHOTS / "reception_checkin_zh_CN.png"))
    finally:
        install_language("en")
        qtbot.wait(50)
    opened = dialog.open_file()
    assert isinstance(opened, PatientFileDialog)
    assert opened.view.patient_id == day["zhang"]
    opened.accept()
    dialog.reject()


def test_a_role_without_checkin_does_not_get_the_desk(
    qtbot: Any, ctx: AppContext, day: dict[str, Any], ui_clinic: ClinicFixture
) -> None:
    """The feature "Reception" (Ctrl+1) is for roles allowed to check in."""
    feature = next(f for f in FEATURES if f.key == "reception")
    assert feature.shortcut == "Ctrl+1"
    doctor = staff.sign_in(ui_clinic.clinic, "li.doc", "some-pass-123")
    ctx.set_actor(doctor)
    assert "reception" not in [f.key for f in FEATURES if ctx.may(f.action)]
    ctx.set_actor(day["desk"])
    assert "reception" in [f.key for f in FEATURES if ctx.may(f.action)]
    page = feature.factory(ctx)
    qtbot.addWidget(page)
    assert isinstance(page, ReceptionPage)
