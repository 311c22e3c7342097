"""The doctor's room and the waiting-room display, driven as two windows on one clinic
(issue 6; spec B4, B6, B8, C4).

The desk and the doctor each have their own AppContext on the same clinic, as two
workstations would. An AppContext's ``sig_changes`` only reaches the screens of
its own window (ClinicDesk runs one window per clinic and computer); between
the two, the queue page's 30-second refresh is what carries changes. The
relay below stands for the sync that will carry them at once.

The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QComboBox, QPushButton, QTableWidget, QWidget

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, patients, reception, rosters, staff
from clinic_desk.core.services.base import Actor, Changes
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.patients.common import combo_index
from clinic_desk.ui.reception.day_end import DayEndDialog, open_day_end
from clinic_desk.ui.reception.display import WaitingRoomDisplay
from clinic_desk.ui.reception.queue import DoctorQueuePage, FinishDialog, SendBackDialog
from clinic_desk.ui.shell.features import FEATURES
from tests.conftest import ClinicFixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHOTS = Path("/tmp/shots")
TODAY = date(2026, 11, 23)
#: (family, given, sex, birth date, special needs); the given names must never reach
#: the waiting room's screen
PEOPLE = (
    ("张", "秀英", "F", date(1980, 1, 1), ()),
    ("欧阳", "娜娜", "F", date(1990, 5, 6), ("accompanied",)),
    ("王", "德福", "M", date(1944, 3, 2), ()),
    ("李", "小明", "M", date(2019, 8, 8), ()),
)


#: walk-ins filling the waiting room (their given names must not show either)
WALK_INS = tuple(
    zip(
        "陈刘杨黄赵周吴徐孙马朱胡郭何高林",
        (
            "建国",
            "丽华",
            "志强",
            "秀兰",
            "海燕",
            "国庆",
            "桂英",
            "玉兰",
            "红梅",
            "春生",
            "冬梅",
            "建华",
            "金凤",
            "宝山",
            "文静",
            "立新",
        ),
        strict=True,
    )
)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


class Relay(QObject):
    """Carries one window's changes to the other, as sync between workstations will."""

    def __init__(self, a: AppContext, b: AppContext) -> None:
        super().__init__(a)  # lives as long as the first window's context
        self.a, self.b = a, b
        self.passing = False
        a.sig_changes.connect(self.from_a)
        b.sig_changes.connect(self.from_b)

    def _pass(self, to: AppContext, changes: Changes) -> None:
        if not self.passing:  # the other side's re-broadcast must not come back
            self.passing = True
            try:
                to.broadcast(changes)
            finally:
                self.passing = False

    def from_a(self, changes: Changes) -> None:
        self._pass(self.b, changes)

    def from_b(self, changes: Changes) -> None:
        self._pass(self.a, changes)


@pytest.fixture
def day(ui_clinic: ClinicFixture) -> dict[str, Any]:
    """Doctors Li and Zhao (Mon-Sat 08:00-12:00, 13:30-17:30), a desk, four patients
    booked with Li this morning at 10:30, 10:45, 11:00, 11:15."""
    cf = ui_clinic
    SHOTS.mkdir(parents=True, exist_ok=True)
    li = _staff(cf, "li.doc", "李医生", Role.DOCTOR)
    zhao = _staff(cf, "zhao.doc", "赵医生", Role.DOCTOR)
    blocks = [
        rosters.RosterBlock(d, s, e)
        for d in range(6)
        for s, e in ((8 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
    ]
    for d in (li, zhao):
        assert d.staff_id is not None
        rosters.set_weekly_roster(cf.clinic, cf.director, d.staff_id, blocks)
    desk = _staff(cf, "desk", "前台小王", Role.RECEPTIONIST)
    people = [
        patients.register_patient(
            cf.clinic,
            desk,
            family_name=f,
            given_name=g,
            sex=sex,
            birth_date=born,
            special_needs=needs,
            phone=f"1381234{i:04d}",
        ).value
        for i, (f, g, sex, born, needs) in enumerate(PEOPLE)
    ]
    booked = [
        appointments.book(
            cf.clinic,
            cf.director,  # today's bookings are past the cutoff: the director adds them
            patient_id=p.id,
            doctor_id=li.staff_id,  # type: ignore[arg-type]
            starts_at=_at(10, 30 + 15 * i) if i < 2 else _at(11, 15 * (i - 2)),
            minutes=15,
            channel="phone",
            identity_checked=True,
            override_reason="当日加号",
            confirm={appointments.AFTER_CUTOFF},
        ).value
        for i, p in enumerate(people)
    ]
    return {"li": li, "zhao": zhao, "desk": desk, "people": people, "booked": booked}


@pytest.fixture
def windows(
    ui_clinic: ClinicFixture, day: dict[str, Any], qapp: Any
) -> Iterator[tuple[AppContext, AppContext]]:
    """The desk's window and the doctor's window: one AppContext each, same clinic."""
    desk = AppContext(ui_clinic.clinic, clock=ui_clinic.clock)
    desk.set_actor(day["desk"])
    doctor = AppContext(ui_clinic.clinic, clock=ui_clinic.clock)
    doctor.set_actor(day["li"])
    yield desk, doctor
    desk.runner.wait(10_000)
    doctor.runner.wait(10_000)


def _check_in(ctx: AppContext, day: dict[str, Any], i: int) -> reception.QueueEntryView:
    """The desk checks patient ``i`` in through the service and tells its own window."""
    written = reception.check_in(
        ctx.clinic, day["desk"], day["booked"][i].id, identity_checked=True
    )
    ctx.broadcast(written.changes)
    return written.value


def _page(qtbot: Any, ctx: AppContext) -> DoctorQueuePage:
    page = DoctorQueuePage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitUntil(lambda: page.loaded, timeout=5000)
    return page


def _settled(qtbot: Any, *contexts: AppContext) -> None:
    qtbot.waitUntil(
        lambda: all(c.runner.db_pool.activeThreadCount() == 0 for c in contexts), timeout=8000
    )
    qtbot.wait(30)  # answers are delivered on the GUI thread


def _statuses(page: DoctorQueuePage) -> list[tuple[int | None, str]]:
    return [(r.queue_no, r.status) for r in page.rows]


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def _board_status(ctx: AppContext, actor: Actor, entry_id: uuid.UUID) -> str:
    board = reception.today_board(ctx.clinic, actor)
    return next(r.status for r in board.rows if r.entry_id == entry_id)


@pytest.fixture
def displays(qtbot: Any) -> Iterator[Callable[[AppContext], WaitingRoomDisplay]]:
    """Opens waiting-room displays at 1920x1080; closes those still open at the end.

    Not qtbot.addWidget: Esc deletes the window, which pytest-qt would close again."""
    made: list[WaitingRoomDisplay] = []

    def open_one(ctx: AppContext) -> WaitingRoomDisplay:
        display = WaitingRoomDisplay(ctx)
        made.append(display)
        display.resize(1920, 1080)
        display.show()
        qtbot.waitUntil(lambda: display.loaded, timeout=5000)
        return display

    yield open_one
    for display in made:
        if shiboken6.isValid(display):
            display.close()
    qtbot.wait(10)


def _names_absent(texts: list[str]) -> None:
    names = [(p[0], p[1]) for p in PEOPLE] + list(WALK_INS)
    for family, given in names:
        for text in texts:
            assert given not in text, text
            assert family + given not in text, text


def test_desk_to_doctor_to_done_across_two_windows(
    qtbot: Any,
    windows: tuple[AppContext, AppContext],
    day: dict[str, Any],
    displays: Callable[[AppContext], WaitingRoomDisplay],
) -> None:
    """B4, C4: the desk checks in, the doctor's queue shows it with no refresh call; call
    next shows the number masked on the waiting-room display; start opens the file on
    the visits tab; finish with the kind of visit; the desk's board says done."""
    desk, doctor = windows
    Relay(desk, doctor)
    page = _page(qtbot, doctor)
    assert page.title.text() == "My queue"
    assert not page.doctor_combo.isVisible()  # a doctor sees their own queue
    assert page.empty_label.isVisible() and not page.table.isVisible()
    display = displays(desk)  # the desk drives the waiting room's screen
    assert display.nobody_called.isVisible()

    first = _check_in(desk, day, 0)
    second = _check_in(desk, day, 1)
    qtbot.waitUntil(lambda: len(page.rows) == 2, timeout=5000)
    assert _statuses(page) == [(first.queue_no, "waiting"), (second.queue_no, "waiting")]
    assert _cell(page.table, 0, 1) == "张秀英（张女士）"
    assert _cell(page.table, 0, 2) == "Waiting"
    assert _cell(page.table, 0, 3) == "0 min"
    assert _cell(page.table, 0, 6) == "10:30"
    assert _cell(page.table, 1, 4) == "Accompanied service"  # B6 badge

    page.call_button.click()
    qtbot.waitUntil(lambda: _statuses(page)[0] == (first.queue_no, "called"), timeout=5000)
    assert page.message.text() == f"No. {first.queue_no} has been called."
    assert "Called: No." in page.now_label.text()
    # The display (the desk's window) hears of the call through the relay.
    qtbot.waitUntil(lambda: display.called_labels[0][0].text() == str(first.queue_no), timeout=5000)
    masked = reception.masked_address("张女士", "张")
    assert display.called_labels[0][1].text() == masked
    assert display.called_labels[0][2].text()  # the doctor or room
    assert display.waiting_labels[0].text() == f"{second.queue_no}  " + reception.masked_address(
        "欧阳女士", "欧阳"
    )
    _names_absent(display.all_text())
    assert display.flash.isActive()  # a new call stands out for a few seconds
    display.grab().save(str(SHOTS / "reception_display_new_call.png"))

    page.recall_button.click()  # call again: the same number
    _settled(qtbot, doctor, desk)
    assert _statuses(page)[0] == (first.queue_no, "called")

    assert page.start_button.isEnabled()
    page.start_button.click()
    qtbot.waitUntil(lambda: page.file_view is not None, timeout=5000)
    qtbot.waitUntil(lambda: _statuses(page)[0][1] == "in_consultation", timeout=5000)
    file_view: Any = page.file_view
    assert file_view.patient_id == day["people"][0].id
    assert file_view.visits is not None and file_view.tabs.currentWidget() is file_view.visits
    assert page.file_panel.isVisible()
    assert _board_status(desk, day["desk"], first.entry_id) == "in_consultation"

    dialog = page.finish()
    assert isinstance(dialog, FinishDialog)
    dialog.save()  # no kind of visit chosen: a sentence, nothing sent
    assert "Choose the kind of visit" in dialog.message.text()
    combo = dialog.widgets["visit_category"]
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo_index(combo, "cold"))
    dialog.save()
    qtbot.waitUntil(lambda: first.entry_id not in [r.entry_id for r in page.rows], timeout=5000)
    assert _board_status(desk, day["desk"], first.entry_id) == "done"
    assert [r.entry_id for r in page.rows] == [second.entry_id]
    page.close_file()
    assert page.file_view is None and not page.file_panel.isVisible()


def test_send_back_to_the_desk_and_back_in_the_queue(
    qtbot: Any, windows: tuple[AppContext, AppContext], day: dict[str, Any]
) -> None:
    """B4: sent back for payment, the desk's board row reads "Back at the desk"; back in
    the queue, the patient keeps the number."""
    desk, doctor = windows
    page = _page(qtbot, doctor)
    entry = _check_in(desk, day, 2)
    page.timer.timeout.emit()  # what the 30 s timer does: another window's check-in
    qtbot.waitUntil(lambda: len(page.rows) == 1, timeout=5000)
    assert page.timer.isActive() and page.timer.interval() == 30_000
    page.call_button.click()
    qtbot.waitUntil(lambda: _statuses(page) == [(entry.queue_no, "called")], timeout=5000)

    dialog = page.send_back()
    assert isinstance(dialog, SendBackDialog)
    reason = dialog.widgets["reason"]
    assert isinstance(reason, QComboBox)
    reason.setCurrentIndex(combo_index(reason, "payment"))
    note: Any = dialog.widgets["note"]
    note.setText("先去缴费 💳 then come back")
    dialog.save()
    qtbot.waitUntil(lambda: _statuses(page) == [(entry.queue_no, "sent_back")], timeout=5000)
    board = reception.today_board(desk.clinic, day["desk"])
    row = next(r for r in board.rows if r.entry_id == entry.entry_id)
    assert row.status == "sent_back"
    assert reception.QUEUE_STATUSES[row.status] == "Back at the desk"
    assert _cell(page.table, 0, 2) == "Back at the desk（Payment）"

    assert page.return_button.isVisible() and page.return_button.isEnabled()
    page.return_button.click()
    qtbot.waitUntil(lambda: _statuses(page) == [(entry.queue_no, "waiting")], timeout=5000)


def test_call_next_with_nobody_waiting_is_a_calm_sentence(
    qtbot: Any, windows: tuple[AppContext, AppContext], day: dict[str, Any]
) -> None:
    """Bad input: calling next with an empty queue is a normal moment, not an error box."""
    _desk, doctor = windows
    page = _page(qtbot, doctor)
    qtbot.keyClick(page.table, Qt.Key.Key_F5)  # the shortcut, from the queue
    qtbot.waitUntil(lambda: "Nobody is waiting" in page.message.text(), timeout=5000)
    assert not page.message.is_error
    assert page.call_button.isEnabled()
    assert "F5" in page.call_button.toolTip() and "Ctrl+N" in page.call_button.toolTip()
    assert "Enter" in page.start_button.toolTip()
    assert "Ctrl+Enter" in page.finish_button.toolTip()


def test_green_channel_is_called_first_and_marked(
    qtbot: Any, windows: tuple[AppContext, AppContext], day: dict[str, Any]
) -> None:
    """B8: an emergency checked in last is put first, marked, and called first."""
    desk, doctor = windows
    Relay(desk, doctor)
    page = _page(qtbot, doctor)
    entries = [_check_in(desk, day, i) for i in range(3)]
    written = reception.set_green_channel(
        desk.clinic, day["desk"], entries[2].entry_id, reason="胸痛 chest pain"
    )
    desk.broadcast(written.changes)
    qtbot.waitUntil(
        lambda: len(page.rows) == 3 and page.rows[0].entry_id == entries[2].entry_id,
        timeout=5000,
    )
    assert _cell(page.table, 0, 5) == "Green channel"
    item = page.table.item(0, 0)
    assert item is not None and "chest pain" in item.toolTip()
    assert _cell(page.table, 1, 5) == ""
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.rows[0].status == "called", timeout=5000)
    assert page.rows[0].entry_id == entries[2].entry_id
    assert [r.status for r in page.rows[1:]] == ["waiting", "waiting"]
    # Enter starts the chosen (called) patient; Ctrl+Enter asks how to finish.
    assert page.table.hasFocus()  # the call puts the focus on the queue for Enter
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.rows[0].status == "in_consultation", timeout=5000)
    qtbot.waitUntil(lambda: page.file_view is not None, timeout=5000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    dialog = page.findChild(FinishDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()


def test_the_desk_chooses_whose_queue(qtbot: Any, ctx: AppContext, day: dict[str, Any]) -> None:
    """A receptionist also manages queues: the doctor is chosen in the combo."""
    ctx.set_actor(day["desk"])
    _check_in(ctx, day, 0)
    written = reception.walk_in(
        ctx.clinic,
        day["desk"],
        day["people"][3].id,
        doctor_id=day["zhao"].staff_id,
        complaint="fever",
        identity_checked=True,
    )
    ctx.broadcast(written.changes)
    page = _page(qtbot, ctx)
    assert page.doctor_combo.isVisible() and page.doctor_combo.count() == 2
    page.choose_doctor(day["zhao"].staff_id)
    qtbot.waitUntil(lambda: page.doctor_id == day["zhao"].staff_id and page.loaded, timeout=5000)
    _settled(qtbot, ctx)
    assert [r.patient_id for r in page.rows] == [day["people"][3].id]
    assert page.title.text() == "Queue of 赵医生"
    assert _cell(page.table, 0, 6) == "Walk-in"
    assert "Child" in _cell(page.table, 0, 4)  # B6: from the age
    page.choose_doctor(day["li"].staff_id)
    _settled(qtbot, ctx)
    assert [r.patient_id for r in page.rows] == [day["people"][0].id]


def test_waiting_room_display_never_shows_names_and_reads_big(
    qtbot: Any,
    windows: tuple[AppContext, AppContext],
    day: dict[str, Any],
    displays: Callable[[AppContext], WaitingRoomDisplay],
    ui_clinic: ClinicFixture,
) -> None:
    """C4: numbers, masked honorifics and the room only, for a full morning (three
    called, more waiting than fit); sizes follow the window and never outgrow it."""
    desk, doctor = windows
    entries = [_check_in(desk, day, i) for i in range(4)]
    for i, (family, given) in enumerate(WALK_INS):
        person = patients.register_patient(
            desk.clinic,
            day["desk"],
            family_name=family,
            given_name=given,
            sex="FM"[i % 2],
            birth_date=date(1975, 1, 1),
            phone=f"1391234{i:04d}",
        ).value
        reception.walk_in(
            desk.clinic,
            day["desk"],
            person.id,
            doctor_id=(day["li"] if i % 2 else day["zhao"]).staff_id,
            identity_checked=True,
        )
    for who in ("li", "zhao", "li"):  # Zhao's first is the first walk-in, number 5
        reception.call_next(doctor.clinic, day[who])
        ui_clinic.clock.advance(minutes=1)
    display = displays(desk)
    _settled(qtbot, desk)
    called = [n.text() for n, _name, _room in display.called_labels if n.text()]
    assert called == ["2", "5", "1"]  # newest first
    assert [room.text() for _n, _name, room in display.called_labels] == [
        "李医生",
        "赵医生",
        "李医生",
    ]
    waiting = [w.text() for w in display.waiting_labels if w.text()]
    assert len(waiting) == 16 and waiting[0].split()[0] == "3"
    assert display.more_label.text() == "and 1 more waiting"
    texts = display.all_text()
    _names_absent(texts)
    assert "仁和诊所" in texts
    assert display.clock_label.text().endswith("10:03")
    big = display.called_labels[0][0].font().pixelSize()
    assert big >= 1080 * 0.12  # the newest number: over a tenth of the screen's height
    display.resize(960, 540)
    assert display.called_labels[0][0].font().pixelSize() < big
    display.resize(1920, 1080)
    qtbot.wait(20)
    shot = display.grab()
    assert (shot.width(), shot.height()) == (1920, 1080)  # nothing pushed it larger
    shot.save(str(SHOTS / "reception_display_en.png"))
    del entries

    try:
        assert install_language("zh_CN")
        qtbot.wait(20)
        display.grab().save(str(SHOTS / "reception_display_zh_CN.png"))
        _names_absent(display.all_text())
    finally:
        install_language("en")
    qtbot.keyClick(display, Qt.Key.Key_Escape)
    assert not display.isVisible()


def test_queue_page_screenshots_with_alert_badges_and_green(
    qtbot: Any, windows: tuple[AppContext, AppContext], day: dict[str, Any], ui_clinic: Any
) -> None:
    """B4, B6, B8 on one screen: a long wait in red, badges, the green channel first."""
    desk, doctor = windows
    Relay(desk, doctor)
    entries = [_check_in(desk, day, i) for i in range(4)]
    desk.broadcast(
        reception.set_green_channel(
            desk.clinic, day["desk"], entries[3].entry_id, reason="高热惊厥 febrile seizure"
        ).changes
    )
    ui_clinic.clock.advance(minutes=20)  # past the 15-minute alert
    page = _page(qtbot, doctor)
    page.call_button.click()
    qtbot.waitUntil(lambda: any(r.status == "called" for r in page.rows), timeout=5000)
    page.start_button.click()
    qtbot.waitUntil(lambda: page.file_view is not None, timeout=5000)
    _settled(qtbot, doctor, desk)
    assert any(r.alert for r in page.rows)
    assert "In consultation: No." in page.now_label.text()
    page.grab().save(str(SHOTS / "reception_queue_en.png"))
    page.close_file()
    try:
        assert install_language("zh_CN")
        qtbot.wait(20)
        _settled(qtbot, doctor)
        page.grab().save(str(SHOTS / "reception_queue_zh_CN.png"))
    finally:
        install_language("en")


def test_day_end_lists_who_is_still_here_and_closes_them(
    qtbot: Any, windows: tuple[AppContext, AppContext], day: dict[str, Any], ui_clinic: Any
) -> None:
    """Day's end: still waiting, in consultation, no-shows marked; left / finish per row;
    past midnight the day before is still listed for its own day."""
    desk, doctor = windows
    Relay(desk, doctor)
    waiting = _check_in(desk, day, 0)
    seeing = _check_in(desk, day, 1)
    _check_in(desk, day, 2)
    for _ in range(2):
        called = reception.call_next(doctor.clinic, day["li"]).value
    assert called.entry_id == seeing.entry_id
    reception.start_consultation(doctor.clinic, day["li"], seeing.entry_id)
    ui_clinic.clock.advance(hours=2)  # 12:00: the 11:15 booking never came
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    dialog = open_day_end(desk, host)
    assert isinstance(dialog, DayEndDialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    assert dialog.data is not None
    assert [r.entry_id for r in dialog.data.in_consultation] == [seeing.entry_id]
    assert waiting.entry_id in [r.entry_id for r in dialog.data.still_waiting]
    assert dialog.data.no_shows_marked >= 1
    assert "marked as no-show" in dialog.summary.text()
    assert dialog.table.rowCount() == 3
    assert _cell(dialog.table, 0, 2) == "李医生"
    dialog.grab().save(str(SHOTS / "reception_day_end.png"))

    def button(name: str) -> QPushButton:
        found = dialog.findChild(QPushButton, name)
        assert found is not None
        return found

    button(f"left:{waiting.entry_id}").click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
    assert _board_status(desk, day["desk"], waiting.entry_id) == "left"
    assert dialog.findChild(QPushButton, f"left:{seeing.entry_id}") is None
    button(f"finish:{seeing.entry_id}").click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    assert _board_status(desk, day["desk"], seeing.entry_id) == "done"

    # Midnight passes with one patient still waiting: today is empty, yesterday lists them.
    ui_clinic.clock.advance(hours=14)
    later = DayEndDialog(desk, host)
    qtbot.waitUntil(lambda: later.loaded, timeout=5000)
    assert later.table.rowCount() == 0
    assert "Everyone has been seen" in later.summary.text()
    later.day_edit.setDate(later.day_edit.date().addDays(-1))
    qtbot.waitUntil(lambda: later.table.rowCount() == 1, timeout=5000)
    assert _cell(later.table, 0, 4).startswith("11-23")  # the earlier day's time, dated


def test_my_queue_is_a_feature_for_queue_managers() -> None:
    keys = [f.key for f in FEATURES]
    assert keys.index("queue") == keys.index("settings") + 1
    queue = FEATURES[keys.index("queue")]
    assert queue.shortcut == "Ctrl+8" and queue.title == "My queue"
    assert [f.shortcut for f in FEATURES[:7]] == [f"Ctrl+{i}" for i in range(1, 8)]


def test_desk_window_and_doctor_window_drive_the_whole_flow(
    qtbot: Any, windows: tuple[AppContext, AppContext], day: dict[str, Any]
) -> None:
    """Issue 6 "done when": the desk's board checks 张秀英 in with the keyboard, the
    doctor's window shows her without a refresh, calls, starts and finishes; the desk's
    board follows each step (B1-B4)."""
    from clinic_desk.ui.reception.board import ReceptionPage
    from clinic_desk.ui.reception.checkin import CheckInDialog

    desk, doctor = windows
    Relay(desk, doctor)
    board = ReceptionPage(desk)
    qtbot.addWidget(board)
    board.resize(1080, 740)
    board.show()
    qtbot.waitUntil(lambda: board.loads > 0, timeout=5000)
    queue = _page(qtbot, doctor)
    assert not queue.rows

    def board_status(name: str) -> str:
        return next(r.status for r in board.shown if r.patient_name == name)

    # The desk: initials, Enter, identity, Enter.
    qtbot.keyClicks(board.search.line, "zxy")
    qtbot.waitUntil(lambda: board.search.results.count() == 1, timeout=5000)
    qtbot.keyClick(board.search.line, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: any(w.isVisible() for w in board.findChildren(CheckInDialog)), timeout=5000
    )
    dialog = next(w for w in board.findChildren(CheckInDialog) if w.isVisible())
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=5000)
    dialog.identity.setChecked(True)
    qtbot.keyClick(dialog.identity, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.done_number is not None, timeout=5000)
    number = dialog.done_number
    qtbot.keyClick(dialog.check_in_button, Qt.Key.Key_Return)

    # The doctor's window hears of it with no refresh call.
    qtbot.waitUntil(lambda: _statuses(queue) == [(number, "waiting")], timeout=5000)
    qtbot.waitUntil(lambda: board_status("张秀英") == "waiting", timeout=5000)

    queue.call_button.click()
    qtbot.waitUntil(lambda: board_status("张秀英") == "called", timeout=5000)
    queue.start_button.click()
    qtbot.waitUntil(lambda: board_status("张秀英") == "in_consultation", timeout=5000)
    qtbot.waitUntil(lambda: _statuses(queue) == [(number, "in_consultation")], timeout=5000)
    _settled(qtbot, desk, doctor)
    finish = queue.finish()
    assert isinstance(finish, FinishDialog)
    combo = finish.widgets["visit_category"]
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo_index(combo, "cold"))
    finish.save()
    qtbot.waitUntil(lambda: board_status("张秀英") == "done", timeout=5000)
    qtbot.waitUntil(lambda: not queue.rows, timeout=5000)
    _settled(qtbot, desk, doctor)
    board.grab().save(str(SHOTS / "reception_flow_board_done.png"))
