"""Recurring appointments in the booking dialog, series cancellation, and the A9 statistics
view (spec A6, A9; issue 5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from PySide6.QtCore import QDate, QTime, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, patients, rosters, series, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.calendar.booking import AppointmentDialog, BookingDialog, describe_series
from clinic_desk.ui.calendar.stats import AppointmentStatsView, open_stats_dialog
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.patients.common import ReadOnlyTable
from tests.conftest import ClinicFixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOMORROW = date(2026, 11, 24)  # a Tuesday; the fake clock's today is Monday 2026-11-23 10:00
SHOTS = Path("/tmp/shots")


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


@pytest.fixture
def clinic(ui_clinic: ClinicFixture) -> dict[str, object]:
    """Two doctors working Mon-Sat 08:00-12:00 and 13:30-17:30, a desk, four patients."""
    SHOTS.mkdir(parents=True, exist_ok=True)
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
        for i, (f, g) in enumerate((("张", "三"), ("欧阳", "娜娜"), ("王", "德福"), ("陈", "静")))
    ]
    return {"doctors": doctors, "desk": desk, "patients": people}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _dialog(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object], patient: int = 0
) -> BookingDialog:
    ctx.set_actor(clinic["desk"])  # type: ignore[arg-type]
    dialog = BookingDialog(
        ctx,
        doctor_id=clinic["doctors"][0].staff_id,  # type: ignore[index]
        starts_at=_at(TOMORROW, 9),
        doctors=rosters.list_doctors(ctx.clinic, clinic["desk"]),  # type: ignore[arg-type]
        patient_id=clinic["patients"][patient].id,  # type: ignore[index]
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(dialog.patient_label.text()), timeout=5000)
    return dialog


def _shot(dialog: BookingDialog, name: str) -> None:
    dialog.adjustSize()  # its natural size, as it opens
    assert dialog.height() <= 800  # fits a 1280x800 screen
    dialog.grab().save(str(SHOTS / name))


def _series_rows(
    ctx: AppContext, clinic: dict[str, object], patient: int = 0
) -> list[appointments.AppointmentView]:
    rows = appointments.patient_appointments(
        ctx.clinic,
        clinic["desk"],  # type: ignore[arg-type]
        clinic["patients"][patient].id,  # type: ignore[index]
    )
    return sorted((r for r in rows if r.series_id is not None), key=lambda r: r.starts_at)


def _book_and_wait(qtbot: QtBot, dialog: BookingDialog) -> list[bool]:
    booked: list[bool] = []
    dialog.accepted.connect(lambda: booked.append(True))
    dialog.identity.setChecked(True)
    dialog.book()
    qtbot.waitUntil(lambda: bool(booked) or bool(dialog.message.text()), timeout=5000)
    return booked


def test_weekly_series_of_six_via_the_dialog(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    dialog = _dialog(qtbot, ctx, clinic)
    assert dialog.repeat_box.isHidden()  # collapsed until asked for
    dialog.repeat.setChecked(True)
    assert dialog.weekday_boxes[1].isChecked()  # Tuesday, the chosen day's weekday
    assert dialog.frequency_code() == "weekly"
    dialog.ends_after.setChecked(True)
    dialog.count.setValue(6)
    preview = dialog.preview.text()
    assert preview.startswith("6 appointment")
    assert "2026-11-24, 2026-12-01, 2026-12-08, 2026-12-15, 2026-12-22, 2026-12-29" in preview
    assert not dialog.notes.isEnabled()  # a series has no notes
    _shot(dialog, "series_booking_en.png")
    booked = _book_and_wait(qtbot, dialog)
    assert booked, dialog.message.text()
    rows = _series_rows(ctx, clinic)
    assert [r.starts_at.astimezone(SHANGHAI).date() for r in rows] == [
        TOMORROW + timedelta(weeks=i) for i in range(6)
    ]
    assert len({r.series_id for r in rows}) == 1
    assert all(r.starts_at.astimezone(SHANGHAI).hour == 9 for r in rows)


def test_repeat_section_in_chinese(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    try:
        assert install_language("zh_CN")
        dialog = _dialog(qtbot, ctx, clinic)
        dialog.repeat.setChecked(True)
        dialog.weekday_boxes[4].setChecked(True)  # Tuesdays and Fridays
        dialog.count.setValue(8)
        assert "2026-11-27" in dialog.preview.text()
        # Qt's own weekday names follow the language.
        assert any("\u4e00" <= ch <= "\u9fff" for ch in dialog.weekday_boxes[0].text())
        _shot(dialog, "series_booking_zh.png")
    finally:
        install_language("en")


def test_every_eight_weeks_holidays_and_rule_sentences(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    dialog = _dialog(qtbot, ctx, clinic)
    dialog.repeat.setChecked(True)
    dialog.interval.setValue(8)
    dialog.count.setValue(3)
    assert "3 appointment" in dialog.preview.text()
    assert "2026-11-24, 2027-01-19, 2027-03-16" in dialog.preview.text()
    # Fridays from Christmas: New Year's Day is a public holiday in the CN calendar.
    dialog.interval.setValue(1)
    dialog.day.setDate(QDate(2026, 12, 25))
    assert dialog.weekday_boxes[4].isChecked() and not dialog.weekday_boxes[1].isChecked()
    preview = dialog.preview.text()
    assert preview.startswith("2 appointment")
    assert "2027-01-01 is a public holiday (New Year's Day): skipped" in preview
    dialog.holiday_policy.setCurrentIndex(dialog.holiday_policy.findData("flag"))
    assert dialog.preview.text().startswith("3 appointment")
    assert "booked and flagged" in dialog.preview.text()
    # The rule's own sentences, as typed.
    dialog.interval.setValue(105)
    assert "between 1 and 104" in dialog.rule_error.text()
    assert dialog.preview.text() == ""
    dialog.interval.setValue(2)
    dialog.ends_on.setChecked(True)
    dialog.until.setDate(QDate(2026, 12, 1))
    assert "before its first day" in dialog.rule_error.text()
    dialog.ends_never.setChecked(True)
    assert dialog.rule_error.text() == ""
    assert "later dates are added" in dialog.preview.text()
    dialog.frequency.setCurrentIndex(dialog.frequency.findData("monthly"))
    assert dialog.weekdays_widget.isHidden()
    # Every 2 months on the 25th, up to 180 days from today.
    assert dialog.preview.text().startswith("3 appointment(s): 2026-12-25, 2027-02-25, 2027-04-25")


def test_a_conflicting_date_is_listed_and_can_be_skipped(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    li = clinic["doctors"][0]  # type: ignore[index]
    appointments.book(
        ctx.clinic,
        clinic["desk"],  # type: ignore[arg-type]
        patient_id=clinic["patients"][1].id,  # type: ignore[index]
        doctor_id=li.staff_id,
        starts_at=_at(date(2026, 12, 8), 9),
        minutes=15,
        channel="phone",
        identity_checked=True,
    )
    dialog = _dialog(qtbot, ctx, clinic)
    dialog.repeat.setChecked(True)
    dialog.count.setValue(6)
    booked = _book_and_wait(qtbot, dialog)
    assert not booked
    assert "2026-12-08" in dialog.message.text()
    qtbot.waitUntil(lambda: dialog.skip_button.isVisible(), timeout=2000)
    items = [dialog.conflict_list.item(i).text() for i in range(dialog.conflict_list.count())]
    assert len(items) == 1 and items[0].startswith("2026-12-08")
    assert "already booked" in items[0]
    assert "1 date" in dialog.skip_button.text()
    assert _series_rows(ctx, clinic) == []  # nothing half-written
    _shot(dialog, "series_conflict.png")
    done: list[bool] = []
    dialog.accepted.connect(lambda: done.append(True))
    dialog.skip_button.click()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    days = [r.starts_at.astimezone(SHANGHAI).date() for r in _series_rows(ctx, clinic)]
    assert len(days) == 5 and date(2026, 12, 8) not in days


def _answer_scope(qtbot: QtBot, scope: str) -> None:
    """Click a button of the scope question once it is up (it runs its own event loop)."""

    def click() -> None:
        boxes = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "series-scope" and w.isVisible()
        ]
        if not boxes:
            QTimer.singleShot(20, click)
            return
        box = boxes[0]
        box.grab().save(str(SHOTS / "series_cancel_scope.png"))
        button = next(b for b in box.findChildren(QPushButton) if b.objectName() == scope)
        button.click()

    QTimer.singleShot(20, click)


def test_cancel_this_and_following_from_the_details_dialog(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    desk = clinic["desk"]
    made = series.create_series(
        ctx.clinic,
        desk,  # type: ignore[arg-type]
        patient_id=clinic["patients"][0].id,  # type: ignore[index]
        doctor_id=clinic["doctors"][0].staff_id,  # type: ignore[index]
        first_day=TOMORROW,
        start_minute=9 * 60,
        minutes=15,
        frequency="weekly",
        interval=2,
        until=date(2027, 3, 2),
        channel="phone",
        identity_checked=True,
    ).value
    assert len(made.appointment_ids) == 8
    ctx.set_actor(desk)  # type: ignore[arg-type]
    third = appointments.get_appointment(ctx.clinic, desk, made.appointment_ids[2])  # type: ignore[arg-type]
    dialog = AppointmentDialog(ctx, third)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.series_label.isVisible(), timeout=5000)
    assert dialog.series_label.text() == (
        "Part of a series: every 2 weeks on Tuesday until 2027-03-02"
    )
    assert dialog.series_view is not None
    counted = replace(dialog.series_view, until=None, count=6)
    assert describe_series(counted) == "Part of a series: every 2 weeks on Tuesday 6 times in all"
    dialog.cancel_button.click()  # no reason yet: asked for first, nothing cancelled
    assert "why" in dialog.message.text().lower()
    dialog.reason.setText("Patient moves away")
    closed: list[bool] = []
    dialog.accepted.connect(lambda: closed.append(True))
    _answer_scope(qtbot, "scope:following")
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: bool(closed), timeout=5000)
    statuses = [r.status for r in _series_rows(ctx, clinic)]
    assert statuses == ["booked", "booked"] + ["cancelled"] * 6
    view = series.get_series(ctx.clinic, desk, made.id)  # type: ignore[arg-type]
    assert view.until == third.starts_at.astimezone(SHANGHAI).date() - timedelta(days=1)


@pytest.fixture
def known_month(ctx: AppContext, clinic: dict[str, object], ui_clinic: ClinicFixture) -> None:
    """On 2026-11-24 with 李医生: one done, one no-show, one cancelled late; a revisit booked."""
    cf = ui_clinic
    desk = clinic["desk"]
    li = clinic["doctors"][0].staff_id  # type: ignore[index]
    people = clinic["patients"]
    made = [
        appointments.book(
            cf.clinic,
            desk,  # type: ignore[arg-type]
            patient_id=people[i].id,  # type: ignore[index]
            doctor_id=li,
            starts_at=_at(TOMORROW, 9 + i),
            minutes=30,
            channel=channel,
            identity_checked=True,
        ).value
        for i, channel in enumerate(("phone", "phone", "online"))
    ]
    cf.clock.advance(hours=23, minutes=5)  # Tuesday 09:05
    appointments.mark_arrived(cf.clinic, cf.director, made[0].id)
    appointments.mark_started(cf.clinic, cf.director, made[0].id)
    appointments.mark_done(cf.clinic, cf.director, made[0].id)
    appointments.cancel(cf.clinic, desk, made[2].id, reason="不来了")  # type: ignore[arg-type]
    # The done patient books the next visit on the way out (A9 revisit).
    appointments.book(
        cf.clinic,
        desk,  # type: ignore[arg-type]
        patient_id=people[0].id,  # type: ignore[index]
        doctor_id=li,
        starts_at=_at(date(2026, 12, 8), 9),
        minutes=30,
        channel="on_site",
        identity_checked=True,
    )
    cf.clock.advance(hours=1, minutes=40)  # 10:45: the 10:00 patient is 45 minutes late
    assert appointments.mark_no_shows(cf.clinic, cf.director) == 1


def _wait_stats(qtbot: QtBot, view: AppointmentStatsView) -> None:
    qtbot.waitUntil(
        lambda: view.data is not None and view.ctx.runner.db_pool.activeThreadCount() == 0,
        timeout=5000,
    )
    qtbot.wait(30)  # the answer is delivered on the GUI thread


def _table(table: ReadOnlyTable) -> list[list[str]]:
    return [
        [(item.text() if (item := table.item(r, c)) else "") for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_statistics_table_revisit_rate_and_export(
    qtbot: QtBot,
    ctx: AppContext,
    clinic: dict[str, object],
    known_month: None,
    ui_clinic: ClinicFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx.set_actor(clinic["desk"])  # type: ignore[arg-type]
    assert open_stats_dialog(ctx) is None  # the desk has no QUALITY_REPORTS
    ctx.set_actor(ui_clinic.director)
    dialog = open_stats_dialog(ctx)
    assert dialog is not None
    qtbot.addWidget(dialog)
    view = dialog.findChild(AppointmentStatsView)
    assert view is not None
    _wait_stats(qtbot, view)
    assert view.period_days() == (date(2026, 11, 1), date(2026, 11, 30))
    day = ["2026-11-24", "3", "1", "50.0 %", "1", "50.0 %", "1", "1", "0", "0"]
    assert _table(view.table) == [day, ["Total", *day[1:]]]
    assert _table(view.revisit_table) == [["李医生", "1", "1", "100.0 %"]]
    view.by.setCurrentIndex(view.by.findData("channel"))
    _wait_stats(qtbot, view)
    qtbot.waitUntil(lambda: view.data is not None and view.data.by == "channel", timeout=5000)
    rows = {r[0]: r[1:3] for r in _table(view.table)}
    assert rows["Online (WeChat / website)"] == ["1", "0"] and rows["Phone"] == ["2", "1"]
    view.by.setCurrentIndex(view.by.findData("doctor"))
    qtbot.waitUntil(lambda: view.data is not None and view.data.by == "doctor", timeout=5000)
    _wait_stats(qtbot, view)
    assert _table(view.table)[0][:3] == ["李医生", "3", "1"]
    dialog.resize(1280, 800)
    dialog.grab().save(str(SHOTS / "appointment_stats.png"))
    view.period.setCurrentIndex(view.period.findData("last_month"))
    qtbot.waitUntil(
        lambda: view.data is not None and view.data.first_day == date(2026, 10, 1), timeout=5000
    )
    assert view.table.rowCount() == 0 and "No appointments" in view.message.text()
    view.period.setCurrentIndex(view.period.findData("range"))
    view.first_edit.setDate(QDate(2026, 11, 20))
    view.last_edit.setDate(QDate(2026, 12, 31))
    qtbot.waitUntil(
        lambda: view.data is not None and view.data.last_day == date(2026, 12, 31), timeout=5000
    )
    _wait_stats(qtbot, view)
    assert _table(view.table)[0][1] == "4"  # the December revisit booking too

    target = tmp_path / "stats"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    view.export_button.click()
    qtbot.waitUntil(lambda: "Saved" in view.message.text(), timeout=5000)
    book = openpyxl.load_workbook(tmp_path / "stats.xlsx")
    stats, revisit = book.worksheets
    values = [list(r) for r in stats.iter_rows(values_only=True)]
    assert values[0][:4] == ["Doctor", "Bookings", "Arrivals", "Arrival rate"]
    # One arrival, one no-show, one cancelled and the December booking still to come:
    # the rates are over the two that happened (A9).
    assert values[1][:6] == ["李医生", 4, 1, 0.5, 1, 0.5]
    assert values[0][-1] == "Still to come" and values[1][-1] == 1
    assert values[2][0] == "Total"
    assert stats.cell(row=2, column=4).number_format == "0.0%"
    assert any("2026-11-20" in str(r[0]) for r in values[3:])
    assert [list(r) for r in revisit.iter_rows(min_row=2, max_row=2, values_only=True)] == [
        ["李医生", 1, 1, 1.0]
    ]


def test_outside_hours_dates_can_be_confirmed(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    dialog = _dialog(qtbot, ctx, clinic, patient=2)
    dialog.start.setTime(QTime(12, 0))  # the doctors' lunch break
    dialog.repeat.setChecked(True)
    dialog.count.setValue(3)
    assert not _book_and_wait(qtbot, dialog)
    qtbot.waitUntil(lambda: "outside_hours" in dialog.reason_boxes, timeout=2000)
    assert dialog.conflict_list.count() == 3
    dialog.reason_boxes["outside_hours"].setChecked(True)
    done: list[bool] = []
    dialog.accepted.connect(lambda: done.append(True))
    dialog.book()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert len(_series_rows(ctx, clinic, patient=2)) == 3
