"""The appointment book on screen (issue 5; spec A1-A6): day/week/month, booking, drag to move."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QPushButton

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, patients, rosters, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.calendar.booking import BookingDialog
from clinic_desk.ui.calendar.grid import HEADER_HEIGHT, TIME_WIDTH
from clinic_desk.ui.calendar.page import CalendarPage, load_view
from clinic_desk.ui.context import AppContext
from tests.conftest import ClinicFixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOMORROW = date(2026, 11, 24)  # the fake clock's today is Monday 2026-11-23


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


@pytest.fixture
def book(ui_clinic: ClinicFixture) -> dict[str, object]:
    """Two doctors working Mon-Sat 08:00-12:00 and 13:30-17:30, a desk, three bookings."""
    cf = ui_clinic
    doctors = [
        _staff(cf, "li.doc", "李医生", Role.DOCTOR),
        _staff(cf, "zhao.doc", "赵医生", Role.DOCTOR),
    ]
    blocks = [
        rosters.RosterBlock(d, s, e)
        for d in range(6)
        for s, e in ((8 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
    ]
    for d in doctors:
        rosters.set_weekly_roster(cf.clinic, cf.director, d.staff_id, blocks)  # type: ignore[arg-type]
    desk = _staff(cf, "desk", "前台小王", Role.RECEPTIONIST)
    people = [
        patients.register_patient(
            cf.clinic, desk, family_name=f, given_name=g, phone=f"1381234{i:04d}"
        ).value
        for i, (f, g) in enumerate((("张", "三"), ("欧阳", "娜娜"), ("王", "德福")))
    ]
    made = []
    for i, p in enumerate(people):
        made.append(
            appointments.book(
                cf.clinic,
                desk,
                patient_id=p.id,
                doctor_id=doctors[i % 2].staff_id,
                starts_at=datetime(2026, 11, 24, 14 + i, 0, tzinfo=SHANGHAI),
                minutes=30,
                channel="phone",
                purpose="复诊",
                identity_checked=True,
            ).value
        )
    return {"doctors": doctors, "desk": desk, "patients": people, "made": made}


def _wait_loaded(qtbot, page: CalendarPage) -> None:  # type: ignore[no-untyped-def]
    """Until the newest request's answer is shown (older answers are dropped by the page)."""
    expected = page._ticket

    def shown() -> bool:
        data = page.data
        return (
            page._ticket == expected
            and data is not None
            and data.mode == page.mode
            and page.ctx.runner.db_pool.activeThreadCount() == 0
        )

    qtbot.waitUntil(shown, timeout=5000)
    qtbot.wait(30)  # the answer's signal is delivered on the GUI thread


def test_day_view_shows_a_column_per_doctor_with_free_slots(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, book: dict[str, object]
) -> None:
    ctx.set_actor(book["desk"])  # type: ignore[arg-type]
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.show_day(TOMORROW)  # bookings close for a day at 16:00 the day before (A5)
    _wait_loaded(qtbot, page)
    assert [c.title for c in page.grid.columns] == ["李医生", "赵医生"]
    assert len(page.grid.blocks) == 3
    assert all("free" in c.subtitle for c in page.grid.columns)
    page.grab().save("/tmp/shots/calendar_day.png")
    page.set_mode("week")
    _wait_loaded(qtbot, page)
    assert len(page.grid.columns) == 7
    page.grab().save("/tmp/shots/calendar_week.png")
    page.set_mode("month")
    _wait_loaded(qtbot, page)
    texts = [
        page.month.item(r, c).text()
        for r in range(6)
        for c in range(7)
        if page.month.item(r, c) is not None
    ]
    assert any("appointment" in t for t in texts)
    page.grab().save("/tmp/shots/calendar_month.png")


def test_drag_moves_an_appointment_through_the_service(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, book: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx.set_actor(book["desk"])  # type: ignore[arg-type]
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 900)
    page.show()
    page.show_day(TOMORROW)
    _wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 3, timeout=5000)
    grid = page.grid
    block = next(b for b in grid.blocks if b.view.patient_name == "张三")
    # The system's yes/no box cannot be clicked here; answer it as the user would.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    start = block.rect.center().toPoint()
    # Down by two hours (8 rows of 15 minutes) and over to the other doctor's column.
    target = QPoint(int(TIME_WIDTH + grid.column_width() * 1.5), start.y() + 8 * grid.row_height)
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, target)
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)
    moved_id = block.view.id

    def moved() -> bool:
        view = appointments.get_appointment(ctx.clinic, book["desk"], moved_id)  # type: ignore[arg-type]
        return view.starts_at.astimezone(SHANGHAI).hour == 16

    qtbot.waitUntil(moved, timeout=5000)
    view = appointments.get_appointment(ctx.clinic, book["desk"], moved_id)  # type: ignore[arg-type]
    assert view.doctor_id == book["doctors"][1].staff_id  # type: ignore[index]
    assert view.id == moved_id  # the same booking, moved, not a new one
    assert HEADER_HEIGHT > 0


def test_booking_dialog_says_who_holds_a_taken_slot_and_offers_the_next(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, book: dict[str, object]
) -> None:
    ctx.set_actor(book["desk"])  # type: ignore[arg-type]
    doctors = rosters.list_doctors(ctx.clinic, book["desk"])  # type: ignore[arg-type]
    doctor = book["doctors"][0]  # type: ignore[index]
    taken = datetime(2026, 11, 24, 14, 0, tzinfo=SHANGHAI)
    someone = book["patients"][1]  # type: ignore[index]
    dialog = BookingDialog(
        ctx, doctor_id=doctor.staff_id, starts_at=taken, doctors=doctors, patient_id=someone.id
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.identity.setChecked(True)
    dialog.book()
    qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=5000)
    assert "李医生" in dialog.message.text()
    offers = [w for w in dialog.findChildren(QPushButton) if w.objectName() == "next-free"]
    qtbot.waitUntil(
        lambda: bool(
            [w for w in dialog.findChildren(QPushButton) if w.objectName() == "next-free"]
        ),
        timeout=2000,
    )
    offers = [w for w in dialog.findChildren(QPushButton) if w.objectName() == "next-free"]
    dialog.grab().save("/tmp/shots/calendar_taken.png")
    offers[0].click()
    booked: list[object] = []
    dialog.accepted.connect(lambda: booked.append(True))
    dialog.book()
    qtbot.waitUntil(lambda: bool(booked) or bool(dialog.reason_boxes), timeout=5000)
    if dialog.reason_boxes:  # e.g. the offered time is today and asks to confirm
        for box in dialog.findChildren(QCheckBox):
            if box.objectName().startswith("confirm:"):
                box.setChecked(True)
        dialog.book()
        qtbot.waitUntil(lambda: bool(booked), timeout=5000)
    mine = appointments.patient_appointments(ctx.clinic, book["desk"], someone.id)  # type: ignore[arg-type]
    assert any(a.starts_at > taken for a in mine)


def test_real_name_check_is_required(qtbot, ctx: AppContext, book: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    ctx.set_actor(book["desk"])  # type: ignore[arg-type]
    doctors = rosters.list_doctors(ctx.clinic, book["desk"])  # type: ignore[arg-type]
    dialog = BookingDialog(
        ctx,
        doctor_id=book["doctors"][0].staff_id,  # type: ignore[index]
        starts_at=datetime.combine(TOMORROW, datetime.min.time(), SHANGHAI) + timedelta(hours=9),
        doctors=doctors,
        patient_id=book["patients"][0].id,
    )  # type: ignore[index]
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.book()
    qtbot.waitUntil(lambda: bool(dialog.message.text()), timeout=5000)
    assert "identity" in dialog.message.text()


def test_cancelling_offers_the_freed_slot_to_the_waitlist(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, book: dict[str, object]
) -> None:
    """A6: a cancellation opens the waitlist with who could take the slot."""
    from clinic_desk.ui.calendar.booking import AppointmentDialog

    ctx.set_actor(book["desk"])  # type: ignore[arg-type]
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.show_day(TOMORROW)
    _wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 3, timeout=5000)
    view = page.grid.blocks[0].view
    page._appointment_activated(view)  # reads the full appointment, then opens it
    qtbot.waitUntil(lambda: page.findChild(AppointmentDialog) is not None, timeout=5000)
    dialog = page.findChild(AppointmentDialog)
    assert dialog is not None
    dialog.reason.setText("病人改期")
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not page.waitlist.isHidden(), timeout=5000)
    assert page.waitlist_button.isChecked()
    cancelled = appointments.get_appointment(ctx.clinic, book["desk"], view.id)  # type: ignore[arg-type]
    assert cancelled.status == "cancelled"


def test_blocks_carry_their_type_colour(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, book: dict[str, object]
) -> None:
    """Issue 5: colour by type as well as by status (the block's left edge)."""
    exam = next(
        t
        for t in rosters.list_appointment_types(ui_clinic.clinic, ui_clinic.director)
        if t.name == "Physical exam"
    )
    rosters.update_appointment_type(ui_clinic.clinic, ui_clinic.director, exam.id, color="#8E24AA")
    appointments.book(
        ui_clinic.clinic,
        book["desk"],
        patient_id=book["patients"][0].id,  # type: ignore[arg-type, index]
        doctor_id=book["doctors"][0].staff_id,  # type: ignore[index]
        starts_at=datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI),
        type_id=exam.id,
        channel="online",
        identity_checked=True,
    )
    ctx.set_actor(book["desk"])  # type: ignore[arg-type]
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.show_day(TOMORROW)
    _wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 4, timeout=5000)
    colours = {b.view.type_color for b in page.grid.blocks}
    assert "#8E24AA" in colours
    page.grab().save("/tmp/shots/calendar_type_colour.png")


def test_the_grid_holds_calendar_rows_and_a_block_opens_as_it_is_now(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, book: dict[str, object]
) -> None:
    """Issue 5: the book loads the slim rows; opening one reads the whole appointment
    afresh, so a change made at another desk meanwhile is what the dialog shows."""
    from clinic_desk.ui.calendar.booking import AppointmentDialog

    desk = book["desk"]
    data = load_view(ui_clinic.clinic, desk, "week", TOMORROW, None)  # type: ignore[arg-type]
    assert data.appointments and all(
        isinstance(r, appointments.CalendarRow) for r in data.appointments
    )
    ctx.set_actor(desk)  # type: ignore[arg-type]
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.show_day(TOMORROW)
    _wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 3, timeout=5000)
    row = page.grid.blocks[0].view
    assert isinstance(row, appointments.CalendarRow) and row.status == "booked"
    appointments.confirm_appointment(ui_clinic.clinic, desk, row.id)  # type: ignore[arg-type]
    page._appointment_activated(row)
    qtbot.waitUntil(lambda: page.findChild(AppointmentDialog) is not None, timeout=5000)
    dialog = page.findChild(AppointmentDialog)
    assert dialog is not None and isinstance(dialog.view, appointments.AppointmentView)
    assert dialog.view.id == row.id and dialog.view.status == "confirmed"
    assert dialog.view.doctor_name in ("李医生", "赵医生")
    dialog.reject()


def test_a_booking_from_elsewhere_shows_on_the_next_load(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, book: dict[str, object]
) -> None:
    """No cache between loads: a booking made by another window appears when the page
    hears of it, and one that vanished meanwhile is reported when opened."""
    from clinic_desk.core.store.models import Appointment

    desk = book["desk"]
    ctx.set_actor(desk)  # type: ignore[arg-type]
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.show_day(TOMORROW)
    _wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 3, timeout=5000)
    written = appointments.book(
        ui_clinic.clinic,
        desk,  # type: ignore[arg-type]
        patient_id=book["patients"][0].id,  # type: ignore[index]
        doctor_id=book["doctors"][1].staff_id,  # type: ignore[index]
        starts_at=datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI),
        channel="phone",
        identity_checked=True,
    )
    ctx.broadcast(written.changes)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 4, timeout=5000)
    row = next(b.view for b in page.grid.blocks if b.view.id == written.value.id)
    # Removed meanwhile (as a merge of patient records does): reported, and the book reloads.
    with ui_clinic.clinic.store.unit_of_work(write=True) as uow:
        found = uow.session.get(Appointment, row.id)
        assert found is not None
        found.deleted_at = ui_clinic.clinic.now()
        uow.commit()
    page._appointment_activated(row)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 3, timeout=5000)
    assert "appointment" in page.message.text()
