"""A doctor's absence and the waitlist on screen (issue 5; spec A6, A7, A10).

The fake clock is Monday 2026-11-23 10:00 Asia/Shanghai; bookings are for tomorrow.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QPushButton, QTableWidget, QWidget

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import absence, appointments, patients, rosters, staff, waitlist
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.calendar.absence import (
    AbsenceDialog,
    AbsenceWorklistDialog,
    open_absence_dialog,
    open_absence_worklist,
)
from clinic_desk.ui.calendar.booking import BookingDialog
from clinic_desk.ui.calendar.waitlist import WaitlistAddDialog, WaitlistPanel
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients import common as patients_common
from clinic_desk.ui.patients.common import combo_index
from tests.conftest import ClinicFixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHOTS = Path("/tmp/shots")


def _at(hour: int) -> datetime:
    return datetime(2026, 11, 24, hour, 0, tzinfo=SHANGHAI)  # tomorrow


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


@pytest.fixture
def clinic_day(ui_clinic: ClinicFixture) -> dict[str, Any]:
    """Three doctors (Mon-Sat 08:00-12:00, 13:30-17:30), a desk, Li's two patients tomorrow."""
    cf = ui_clinic
    SHOTS.mkdir(parents=True, exist_ok=True)
    li, zhao, wang = (
        _staff(cf, "li.doc", "李医生", Role.DOCTOR),
        _staff(cf, "zhao.doc", "赵医生", Role.DOCTOR),
        _staff(cf, "wang.doc", "王医生", Role.DOCTOR),
    )
    blocks = [
        rosters.RosterBlock(d, s, e)
        for d in range(6)
        for s, e in ((8 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
    ]
    for d in (li, zhao, wang):
        assert d.staff_id is not None
        rosters.set_weekly_roster(cf.clinic, cf.director, d.staff_id, blocks)
    desk = _staff(cf, "desk", "前台小王", Role.RECEPTIONIST)
    people = [
        patients.register_patient(
            cf.clinic, desk, family_name=f, given_name=g, phone=f"1381234{i:04d}"
        ).value
        for i, (f, g) in enumerate((("张", "三"), ("欧阳", "娜娜"), ("王", "德福")))
    ]
    made = [
        appointments.book(
            cf.clinic,
            desk,
            patient_id=people[i].id,
            doctor_id=li.staff_id,  # type: ignore[arg-type]
            starts_at=_at(9 + i),
            minutes=30,
            channel="phone",
            identity_checked=True,
        ).value
        for i in range(2)
    ]
    return {
        "li": li.staff_id,
        "zhao": zhao.staff_id,
        "wang": wang.staff_id,
        "li_actor": li,
        "desk": desk,
        "patients": people,
        "made": made,
    }


def _host(qtbot: Any) -> QWidget:
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(1280, 800)
    host.show()
    return host


def _worklist_loaded(qtbot: Any, dialog: AbsenceWorklistDialog, n: int) -> None:
    qtbot.waitUntil(
        lambda: (
            dialog.data is not None
            and len(dialog.data.items) == n
            and dialog.ctx.runner.db_pool.activeThreadCount() == 0
        ),
        timeout=8000,
    )
    qtbot.wait(30)  # the answer's signal is delivered on the GUI thread


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def _buttons(widget: QWidget, prefix: str) -> list[QPushButton]:
    return [
        b
        for b in widget.findChildren(QPushButton)
        if b.objectName().startswith(prefix) and not b.isHidden()
    ]


def test_absence_worklist_moves_to_the_substitute_and_counts_progress(
    qtbot: Any, ctx: AppContext, clinic_day: dict[str, Any]
) -> None:
    ctx.set_actor(clinic_day["desk"])
    host = _host(qtbot)
    open_absence_dialog(ctx, host, doctor_id=clinic_day["li"])
    dialog = host.findChild(AbsenceDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.substitute.count() == 3, timeout=5000)  # nobody, Wang, Zhao
    assert dialog.doctor.currentData() == clinic_day["li"]
    assert not dialog.late.text()  # Monday 10:00 is before 16:00 the day before
    dialog.day.setDate(QDate(2026, 11, 23))  # today: past the cutoff, a warning sentence
    assert "late notice" in dialog.late.text()
    dialog.whole_day.setChecked(False)
    dialog.grab().save(str(SHOTS / "absence_dialog_late.png"))
    dialog.day.setDate(QDate(2026, 11, 24))
    assert not dialog.late.text()
    dialog.substitute.setCurrentIndex(combo_index(dialog.substitute, clinic_day["zhao"]))
    dialog.whole_day.setChecked(True)
    dialog.reason.setText("发烧 fever")
    dialog.grab().save(str(SHOTS / "absence_dialog.png"))
    dialog.save()

    qtbot.waitUntil(lambda: host.findChild(AbsenceWorklistDialog) is not None, timeout=5000)
    work = host.findChild(AbsenceWorklistDialog)
    assert work is not None
    _worklist_loaded(qtbot, work, 2)
    assert [i.patient_name for i in work.data.items] == ["张三", "欧阳娜娜"]  # type: ignore[union-attr]
    assert work.progress.text() == "0 of 2 contacted"
    assert "李医生" in work.title.text() and "赵医生" in work.title.text()
    assert _cell(work.table, 0, 2).replace(" ", "").endswith("12340000")  # the phone to call
    # The offers as buttons: the substitute, Li's next free times, Wang at the same time.
    texts = [b.text() for b in _buttons(work, "alternative:")]
    assert "Same time with 赵医生 (substitute)" in texts
    assert "Same time with 王医生" in texts
    assert any(t.endswith("with 李医生") and t.startswith("2026-11-25") for t in texts)
    work.grab().save(str(SHOTS / "absence_worklist.png"))

    # 张三 agrees to see the substitute: identity checked, then the booking moves.
    assert work._current().patient_name == "张三"  # type: ignore[union-attr]
    work.identity.setChecked(True)
    _buttons(work, "alternative:substitute")[0].click()
    moved_id = clinic_day["made"][0].id

    def moved() -> bool:
        view = appointments.get_appointment(ctx.clinic, clinic_day["desk"], moved_id)
        return view.doctor_id == clinic_day["zhao"]

    qtbot.waitUntil(moved, timeout=5000)
    qtbot.waitUntil(lambda: work.progress.text() == "1 of 2 contacted", timeout=5000)
    view = appointments.get_appointment(ctx.clinic, clinic_day["desk"], moved_id)
    assert view.starts_at == _at(9)  # same time, the substitute's column

    # 欧阳娜娜 is next; the phone is off.
    qtbot.waitUntil(lambda: work._current() is not None, timeout=2000)
    assert work._current().patient_name == "欧阳娜娜"  # type: ignore[union-attr]
    assert not work.identity.isChecked()  # checked again for each patient
    work.note.setText("关机 phone off")
    work.unreachable_button.click()
    qtbot.waitUntil(
        lambda: work.progress.text() == "1 of 2 contacted · 1 could not be reached",
        timeout=5000,
    )
    statuses = [i.status for i in work.data.items]  # type: ignore[union-attr]
    assert statuses == ["moved", "unreachable"]
    assert _cell(work.table, 1, 4) == "关机 phone off"
    work.table.selectRow(0)  # a moved patient: done, no more offers
    assert not _buttons(work, "alternative:")
    work.table.selectRow(1)
    qtbot.wait(50)  # new buttons are shown once control returns to the event loop
    work.grab().save(str(SHOTS / "absence_worklist_done.png"))


def test_waitlist_add_remove_and_candidates_after_a_cancellation(
    qtbot: Any,
    ctx: AppContext,
    clinic_day: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx.set_actor(clinic_day["desk"])
    panel = WaitlistPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    qtbot.waitUntil(lambda: panel.loaded and panel.filter.count() == 4, timeout=5000)
    assert "Nobody is waiting" in panel.message.text()

    def add(phone: str, doctor: uuid.UUID | None, priority: int, preferred: str) -> None:
        dialog = panel.add()
        assert isinstance(dialog, WaitlistAddDialog)
        qtbot.keyClicks(dialog.patient_edit, phone)
        qtbot.waitUntil(lambda: dialog.patient_list.count() == 1, timeout=5000)
        dialog._patient_chosen(dialog.patient_list.item(0))
        dialog.doctor.setCurrentIndex(combo_index(dialog.doctor, doctor))
        dialog.priority.setValue(priority)
        dialog.preferred.setText(preferred)
        dialog.use_latest.setChecked(True)
        before = len(panel.entries)
        dialog.save()
        qtbot.waitUntil(lambda: len(panel.entries) == before + 1, timeout=5000)

    add("13812340002", clinic_day["li"], 0, "上午 mornings")
    add("13812340001", None, 10, "")  # a member: priority 10, any doctor
    # Members first (A10), then who waited longest.
    assert [e.patient_name for e in panel.entries] == ["欧阳娜娜", "王德福"]
    assert _cell(panel.table, 0, 2) == "Any doctor"
    assert _cell(panel.table, 1, 2) == "李医生"

    # Filter by doctor: Li's list holds Li's patients and those who take anyone.
    panel.filter.setCurrentIndex(combo_index(panel.filter, clinic_day["zhao"]))
    qtbot.waitUntil(lambda: len(panel.entries) == 1, timeout=5000)
    panel.filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(panel.entries) == 2, timeout=5000)

    # 欧阳娜娜 is not needed any more: off the list, with a reason.
    monkeypatch.setattr(patients_common, "ask_reason", lambda *a: "不需要了 not needed")
    panel.table.selectRow(0)
    panel.remove()
    qtbot.waitUntil(lambda: len(panel.entries) == 1, timeout=5000)
    assert panel.entries[0].patient_name == "王德福"

    # 张三 cancels his 09:00 with Li: who could take it? 王德福 (waiting for Li).
    first = clinic_day["made"][0]
    written = appointments.cancel(ctx.clinic, clinic_day["desk"], first.id, reason="出差")
    ctx.broadcast(written.changes)
    panel.show_candidates_for(clinic_day["li"], first.starts_at, 30)
    qtbot.waitUntil(lambda: panel.candidates.table.rowCount() == 1, timeout=5000)
    assert panel.candidates.isVisible()
    assert "李医生" in panel.candidates.title.text()
    assert _cell(panel.candidates.table, 0, 0) == "王德福"
    offer = _buttons(panel.candidates, "offer")
    assert len(offer) == 1
    offer[0].click()
    entry_id, entry_patient = panel.entries[0].id, panel.entries[0].patient_id
    qtbot.waitUntil(
        lambda: waitlist.list_waitlist(ctx.clinic, clinic_day["desk"])[0].status == "offered",
        timeout=5000,
    )
    qtbot.waitUntil(lambda: bool(_buttons(panel.candidates, "book-offered")), timeout=5000)
    qtbot.waitUntil(lambda: panel.entries and panel.entries[0].status == "offered", timeout=5000)
    assert panel.entries[0].id == entry_id
    panel.table.selectRow(0)
    assert panel.declined_button.isEnabled()
    panel.grab().save(str(SHOTS / "waitlist_panel.png"))

    # 王德福 takes it: the booking dialog opens on the freed slot; booked, the entry closes.
    _buttons(panel.candidates, "book-offered")[0].click()
    qtbot.waitUntil(lambda: panel.candidates.findChild(BookingDialog) is not None, timeout=5000)
    booking = panel.candidates.findChild(BookingDialog)
    assert booking is not None
    assert booking.doctor.currentData() == clinic_day["li"]
    assert booking.starts_at() == first.starts_at and booking.minutes.value() == 30
    booking.identity.setChecked(True)
    booking.book()
    qtbot.waitUntil(lambda: not panel.entries, timeout=5000)
    mine = appointments.patient_appointments(ctx.clinic, clinic_day["desk"], entry_patient)
    assert [a.starts_at for a in mine] == [first.starts_at]


def test_cancelling_in_the_worklist_shows_who_could_take_the_substitutes_slot(
    qtbot: Any, ctx: AppContext, clinic_day: dict[str, Any]
) -> None:
    desk = clinic_day["desk"]
    ctx.set_actor(desk)
    # 王德福 waits for any doctor; Zhao stands in for Li tomorrow.
    waitlist.add_to_waitlist(ctx.clinic, desk, clinic_day["patients"][2].id, preferred="上午")
    recorded = absence.record_absence(
        ctx.clinic,
        desk,
        clinic_day["li"],
        _at(9).date(),
        substitute_id=clinic_day["zhao"],
        reason="培训 training",
    ).value
    host = _host(qtbot)
    open_absence_worklist(ctx, host, recorded.exception_id)
    work = host.findChild(AbsenceWorklistDialog)
    assert work is not None
    _worklist_loaded(qtbot, work, 2)
    assert work.kept_button.isVisible()  # a substitution: keeping the time is an answer too
    work.note.setText("不来了")
    work.cancelled_button.click()
    qtbot.waitUntil(lambda: work.candidates.table.rowCount() == 1, timeout=5000)
    assert _cell(work.candidates.table, 0, 0) == "王德福"
    assert "赵医生" in work.candidates.title.text()
    view = appointments.get_appointment(ctx.clinic, desk, clinic_day["made"][0].id)
    assert view.status == "cancelled"
    qtbot.waitUntil(lambda: work.progress.text() == "1 of 2 contacted", timeout=5000)
    # The next patient keeps the time with the substitute.
    qtbot.waitUntil(lambda: work._current() is not None, timeout=2000)
    work.kept_button.click()
    qtbot.waitUntil(lambda: work.progress.text() == "2 of 2 contacted", timeout=5000)
    work.grab().save(str(SHOTS / "absence_worklist_candidates.png"))


def test_roles_decide_what_is_offered(
    qtbot: Any, ctx: AppContext, ui_clinic: ClinicFixture, clinic_day: dict[str, Any]
) -> None:
    pharmacist = _staff(ui_clinic, "yao", "药师小李", Role.PHARMACIST)
    ctx.set_actor(pharmacist)
    host = _host(qtbot)
    open_absence_dialog(ctx, host, doctor_id=clinic_day["li"])
    recorded = absence.record_absence(
        ctx.clinic, clinic_day["desk"], clinic_day["li"], _at(9).date(), reason="病假"
    ).value
    open_absence_worklist(ctx, host, recorded.exception_id)
    qtbot.wait(50)
    assert host.findChild(AbsenceDialog) is None
    assert host.findChild(AbsenceWorklistDialog) is None
    panel = WaitlistPanel(ctx, host)
    panel.show()
    assert panel.table.isHidden() and panel.add_button.isHidden()
    assert "does not include appointments" in panel.denied.text()
    assert panel.add() is None

    # A doctor records only their own absence and sees the list without the desk's buttons.
    ctx.set_actor(clinic_day["li_actor"])
    assert not panel.table.isHidden() and panel.add_button.isHidden()
    open_absence_dialog(ctx, host)
    dialog = host.findChild(AbsenceDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.doctor.count() == 1, timeout=5000)
    assert dialog.doctor.currentData() == clinic_day["li"]
    dialog.reject()
    open_absence_worklist(ctx, host, recorded.exception_id)
    work = host.findChild(AbsenceWorklistDialog)
    assert work is not None
    _worklist_loaded(qtbot, work, 2)
    assert not _buttons(work, "alternative:")
    assert work.unreachable_button.isHidden()
    assert "front desk" in work.done_hint.text()
    work.close()
