"""Rescheduling a repeating appointment from the calendar (spec A6 "edit one,
this-and-following, or all"; issue 5): the series change dialog and dragging an occurrence."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt, QTime, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, patients, rosters, series, staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.calendar.booking import AppointmentDialog
from clinic_desk.ui.calendar.page import CalendarPage
from clinic_desk.ui.calendar.series_change import SeriesChangeDialog
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from tests.conftest import ClinicFixture

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOMORROW = date(2026, 11, 24)  # a Tuesday; the fake clock's today is Monday 2026-11-23 10:00
TUESDAYS = [TOMORROW + timedelta(weeks=i) for i in range(6)]  # 11-24 ... 12-29
SHOTS = Path("/tmp/shots")


def _staff(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password="some-pass-123"
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


@pytest.fixture
def clinic(ui_clinic: ClinicFixture) -> dict[str, object]:
    """Two doctors working Mon-Sat 08:00-12:00 and 13:30-17:30, a desk, two patients, and a
    weekly series for 张三 with 李医生: six Tuesdays at 09:00 from tomorrow."""
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
        for i, (f, g) in enumerate((("张", "三"), ("欧阳", "娜娜")))
    ]
    made = series.create_series(
        cf.clinic,
        desk,
        patient_id=people[0].id,
        doctor_id=doctors[0].staff_id,  # type: ignore[arg-type]
        first_day=TOMORROW,
        start_minute=9 * 60,
        minutes=15,
        frequency="weekly",
        count=6,
        channel="phone",
        purpose="针灸",
        identity_checked=True,
    ).value
    assert len(made.appointment_ids) == 6
    return {"doctors": doctors, "desk": desk, "patients": people, "series": made}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _rows(ctx: AppContext, clinic: dict[str, object]) -> list[appointments.AppointmentView]:
    """张三's series appointments over the six weeks, through the calendar's own query."""
    rows = appointments.appointments_between(
        ctx.clinic,
        clinic["desk"],  # type: ignore[arg-type]
        _at(TOMORROW, 0),
        _at(TUESDAYS[-1] + timedelta(days=7), 0),
    )
    patient = clinic["patients"][0].id  # type: ignore[index]
    return [r for r in rows if r.patient_id == patient and r.series_id is not None]


def _times(ctx: AppContext, clinic: dict[str, object]) -> dict[date, str]:
    """Day -> "HH:MM/minutes/doctor name" of each series appointment."""
    out: dict[date, str] = {}
    for r in _rows(ctx, clinic):
        local = r.starts_at.astimezone(SHANGHAI)
        out[local.date()] = f"{local:%H:%M}/{r.minutes}/{r.doctor_name}"
    return out


def _occurrence(
    ctx: AppContext, clinic: dict[str, object], day: date
) -> appointments.AppointmentView:
    return next(r for r in _rows(ctx, clinic) if r.starts_at.astimezone(SHANGHAI).date() == day)


def _open(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object], day: date
) -> SeriesChangeDialog:
    """From the appointment's details, "Change the series…", as the desk would."""
    ctx.set_actor(clinic["desk"])  # type: ignore[arg-type]
    details = AppointmentDialog(ctx, _occurrence(ctx, clinic, day))
    qtbot.addWidget(details)
    details.show()
    qtbot.waitUntil(lambda: details.series_label.isVisible(), timeout=5000)
    button = details.findChild(QPushButton, "change-series")
    assert button is not None and button.isVisible()
    assert button.text() in ("Change the series…", "更改系列预约…")  # en or zh_CN
    button.click()
    dialog = details.findChild(SeriesChangeDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    return dialog


def _change(qtbot: QtBot, dialog: SeriesChangeDialog, *, identity: bool = True) -> list[bool]:
    done: list[bool] = []
    dialog.accepted.connect(lambda: done.append(True))
    dialog.identity.setChecked(identity)
    button = dialog.findChild(QPushButton, "change")
    assert button is not None
    dialog.message.clear()
    button.click()
    qtbot.waitUntil(lambda: bool(done) or bool(dialog.message.text()), timeout=5000)
    return done


def test_this_and_following_moves_later_ones_and_keeps_earlier(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A6: from the third Tuesday on, 10:00; the first two keep 09:00; past never touched."""
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[2])
    assert dialog.scope() == "following"  # the default
    assert dialog.series_label.text().startswith("Part of a series: every week on Tuesday")
    assert "张三" in dialog.patient.text()
    assert dialog.start.time() == QTime(9, 0)
    assert dialog.minutes.value() == 15
    assert dialog.doctor.currentText() == "李医生"
    assert dialog.weekday_boxes[1].isChecked() and dialog.weekdays_widget.isVisible()
    # The time field steps by the clinic's slot length (15 minutes by default).
    dialog.start.setCurrentSection(dialog.start.Section.MinuteSection)
    dialog.start.stepBy(1)
    assert dialog.start.time() == QTime(9, 15)
    dialog.start.setTime(QTime(10, 0))
    assert dialog.changes() == {
        "starts_at_minute": 600,
        "minutes": None,
        "doctor_id": None,
        "weekdays": None,
    }
    assert _change(qtbot, dialog), dialog.message.text()
    times = _times(ctx, clinic)
    assert [times[d] for d in TUESDAYS] == ["09:00/15/李医生"] * 2 + ["10:00/15/李医生"] * 4
    old = series.get_series(ctx.clinic, clinic["desk"], clinic["series"].id)  # type: ignore[arg-type, attr-defined]
    assert old.until == TUESDAYS[2] - timedelta(days=1)
    later = {r.series_id for r in _rows(ctx, clinic) if r.starts_at > _at(TUESDAYS[2], 0)}
    assert len(later) == 1 and old.id not in later
    new = series.get_series(ctx.clinic, clinic["desk"], later.pop())  # type: ignore[arg-type]
    assert (new.start_minute, new.minutes, new.first_day) == (600, 15, TUESDAYS[2])


def test_all_future_ones_change_the_doctor(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A6 "all": every future occurrence goes to 赵医生; the series keeps its id."""
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[3])
    dialog.scope_buttons["all"].setChecked(True)
    assert "from today on" in dialog.scope_hint.text()
    dialog.doctor.setCurrentIndex(dialog.doctor.findText("赵医生"))
    changes = dialog.changes()
    assert changes["doctor_id"] == clinic["doctors"][1].staff_id  # type: ignore[index]
    assert changes["starts_at_minute"] is None and changes["weekdays"] is None
    assert _change(qtbot, dialog), dialog.message.text()
    assert set(_times(ctx, clinic).values()) == {"09:00/15/赵医生"}
    assert len(_rows(ctx, clinic)) == 6
    view = series.get_series(ctx.clinic, clinic["desk"], clinic["series"].id)  # type: ignore[arg-type, attr-defined]
    assert view.doctor_id == clinic["doctors"][1].staff_id  # type: ignore[index]


def test_only_this_one_changes_one_appointment(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A6 "one": the second Tuesday at 11:00 for 30 minutes; the rest and the rule stay."""
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[1])
    dialog.scope_buttons["one"].setChecked(True)
    assert not dialog.weekdays_widget.isEnabled()  # weekdays belong to the whole series
    assert "drag it in the calendar" in dialog.scope_hint.text()
    moved_id = _occurrence(ctx, clinic, TUESDAYS[1]).id
    dialog.start.setTime(QTime(11, 0))
    dialog.minutes.setValue(30)
    assert _change(qtbot, dialog), dialog.message.text()
    times = _times(ctx, clinic)
    assert times.pop(TUESDAYS[1]) == "11:00/30/李医生"
    assert set(times.values()) == {"09:00/15/李医生"} and len(times) == 5
    assert _occurrence(ctx, clinic, TUESDAYS[1]).id == moved_id  # moved, not rebooked
    view = series.get_series(ctx.clinic, clinic["desk"], clinic["series"].id)  # type: ignore[arg-type, attr-defined]
    assert (view.start_minute, view.minutes, view.until) == (540, 15, None)


def test_a_conflicting_date_is_listed_and_skipped(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A6: another patient holds 李医生 at 10:00 on 12-15; that date is named, then skipped."""
    appointments.book(
        ctx.clinic,
        clinic["desk"],  # type: ignore[arg-type]
        patient_id=clinic["patients"][1].id,  # type: ignore[index]
        doctor_id=clinic["doctors"][0].staff_id,  # type: ignore[index]
        starts_at=_at(TUESDAYS[3], 10),
        minutes=15,
        channel="phone",
        identity_checked=True,
    )
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[0])
    dialog.start.setTime(QTime(10, 0))
    assert not _change(qtbot, dialog)
    assert "2026-12-15" in dialog.message.text() and "Nothing was saved" in dialog.message.text()
    items = [dialog.conflict_list.item(i).text() for i in range(dialog.conflict_list.count())]
    assert items == ["2026-12-15 Tue: the doctor is already booked then"]
    assert dialog.skip_button.isVisible()
    assert "1 date" in dialog.skip_button.text() and "change the rest" in dialog.skip_button.text()
    assert "keeps its appointment" in dialog.skip_hint.text() and dialog.skip_hint.isVisible()
    assert not dialog.confirm_boxes  # a busy doctor cannot be confirmed away
    assert set(_times(ctx, clinic).values()) == {"09:00/15/李医生"}  # nothing half-written
    # Its natural size (adjustSize would cap it at 2/3 of the 800-pixel test screen).
    dialog.resize(dialog.sizeHint())
    assert dialog.height() <= 760  # fits a 1280x800 screen with the task bar
    dialog.grab().save(str(SHOTS / "series_change_conflict_en.png"))
    done: list[bool] = []
    dialog.accepted.connect(lambda: done.append(True))
    dialog.skip_button.click()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    times = _times(ctx, clinic)
    assert [times[d] for d in TUESDAYS if d != TUESDAYS[3]] == ["10:00/15/李医生"] * 5
    # The skipped date keeps the appointment it had: nothing the patient expects is lost.
    assert times[TUESDAYS[3]] == "09:00/15/李医生"


def test_changing_the_values_clears_an_earlier_skip(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A skip answered the question for one time; another time asks again."""
    appointments.book(
        ctx.clinic,
        clinic["desk"],  # type: ignore[arg-type]
        patient_id=clinic["patients"][1].id,  # type: ignore[index]
        doctor_id=clinic["doctors"][0].staff_id,  # type: ignore[index]
        starts_at=_at(TUESDAYS[3], 10),
        minutes=15,
        channel="phone",
        identity_checked=True,
    )
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[0])
    dialog.start.setTime(QTime(10, 0))
    assert not _change(qtbot, dialog)
    assert dialog.pending_skip == {TUESDAYS[3]}
    dialog.start.setTime(QTime(10, 30))
    assert dialog.conflict_list.isHidden() and dialog.skip_button.isHidden()
    assert not dialog.pending_skip and not dialog.skip_days
    assert _change(qtbot, dialog), dialog.message.text()
    assert set(_times(ctx, clinic).values()) == {"10:30/15/李医生"}


def test_identity_unchecked_is_refused_and_nothing_changes(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A2: changing a booking is real-name; the dialog says it is required, the service
    refuses without it. Bad input: nothing to change, no weekday, a huge length."""
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[1])
    assert "Required" in dialog.identity_hint.text()
    dialog.start.setTime(QTime(10, 0))
    assert not _change(qtbot, dialog, identity=False)
    assert "real-name" in dialog.message.text() and "identity" in dialog.message.text()
    assert set(_times(ctx, clinic).values()) == {"09:00/15/李医生"}
    # Nothing differs from the series: said, not sent.
    dialog.start.setTime(QTime(9, 0))
    assert not _change(qtbot, dialog)
    assert dialog.message.text().startswith("Nothing to change")
    # Every weekday unticked: said, not sent.
    dialog.weekday_boxes[1].setChecked(False)
    assert not _change(qtbot, dialog)
    assert "at least one weekday" in dialog.message.text()
    dialog.minutes.setValue(10_000)  # the field holds at most 8 hours
    assert dialog.minutes.value() == 480
    assert set(_times(ctx, clinic).values()) == {"09:00/15/李医生"}


def test_new_weekdays_for_the_following_ones(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A6: from the fourth week, Tuesdays and Thursdays (the weekdays go to a new series)."""
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[3])
    dialog.weekday_boxes[3].setChecked(True)
    assert dialog.changes()["weekdays"] == frozenset({1, 3})
    assert _change(qtbot, dialog), dialog.message.text()
    days = sorted(_times(ctx, clinic))
    assert days[:4] == TUESDAYS[:4]
    assert date(2026, 12, 17) in days  # a Thursday after the change
    assert not any(d.weekday() == 3 and d < TUESDAYS[3] for d in days)


def test_only_this_one_outside_hours_and_on_a_flagged_holiday_asks_to_confirm(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    """A4/A6: a change to the lunch break asks; so does one on a closed day (flagged)."""
    dialog = _open(qtbot, ctx, clinic, TUESDAYS[1])
    dialog.scope_buttons["one"].setChecked(True)
    dialog.start.setTime(QTime(12, 0))  # the doctors' lunch break
    assert not _change(qtbot, dialog)
    box = dialog.confirm_boxes.get("outside_hours")
    assert box is not None and box.objectName() == "confirm:outside_hours"
    box.setChecked(True)
    assert _change(qtbot, dialog), dialog.message.text()
    assert _times(ctx, clinic)[TUESDAYS[1]] == "12:00/15/李医生"
    # New Year's Day 2027 is closed (CN calendar): a series that flags holidays books it.
    desk = clinic["desk"]
    flagged = series.create_series(
        ctx.clinic,
        desk,  # type: ignore[arg-type]
        patient_id=clinic["patients"][1].id,  # type: ignore[index]
        doctor_id=clinic["doctors"][1].staff_id,  # type: ignore[index]
        first_day=date(2026, 12, 25),
        start_minute=9 * 60,
        minutes=15,
        frequency="weekly",
        count=2,
        channel="phone",
        holiday_policy="flag",
        identity_checked=True,
    ).value
    assert flagged.flagged_days == (date(2027, 1, 1),)
    on_holiday = appointments.get_appointment(ctx.clinic, desk, flagged.appointment_ids[1])  # type: ignore[arg-type]
    dialog = SeriesChangeDialog(ctx, on_holiday, scope="one")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    dialog.start.setTime(QTime(10, 0))
    assert not _change(qtbot, dialog)
    assert "closed_day" in dialog.confirm_boxes
    dialog.confirm_boxes["closed_day"].setChecked(True)
    assert _change(qtbot, dialog), dialog.message.text()
    moved = appointments.get_appointment(ctx.clinic, desk, flagged.appointment_ids[1])  # type: ignore[arg-type]
    assert moved.starts_at == _at(date(2027, 1, 1), 10) and moved.on_holiday


def test_a_role_without_appointment_manage_sees_no_button(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object], ui_clinic: ClinicFixture
) -> None:
    """I1: doctors view the book but do not manage bookings; a cancelled one has no button."""
    view = _occurrence(ctx, clinic, TUESDAYS[0])
    ctx.set_actor(clinic["doctors"][0])  # type: ignore[index]
    details = AppointmentDialog(ctx, view)
    qtbot.addWidget(details)
    details.show()
    qtbot.waitUntil(lambda: details.series_label.isVisible(), timeout=5000)
    button = details.findChild(QPushButton, "change-series")
    assert button is not None and not button.isVisible()
    ctx.set_actor(clinic["desk"])  # type: ignore[arg-type]
    appointments.cancel(ctx.clinic, clinic["desk"], view.id, reason="病人出差")  # type: ignore[arg-type]
    cancelled = appointments.get_appointment(ctx.clinic, clinic["desk"], view.id)  # type: ignore[arg-type]
    details = AppointmentDialog(ctx, cancelled)
    qtbot.addWidget(details)
    details.show()
    button = details.findChild(QPushButton, "change-series")
    assert button is not None and not button.isVisible()
    single = appointments.book(
        ctx.clinic,
        clinic["desk"],  # type: ignore[arg-type]
        patient_id=clinic["patients"][1].id,  # type: ignore[index]
        doctor_id=clinic["doctors"][1].staff_id,  # type: ignore[index]
        starts_at=_at(TOMORROW, 15),
        minutes=15,
        channel="phone",
        identity_checked=True,
    ).value
    details = AppointmentDialog(ctx, single)
    qtbot.addWidget(details)
    details.show()
    button = details.findChild(QPushButton, "change-series")
    assert button is not None and not button.isVisible()  # not part of a series


def test_dialog_screenshots_in_english_and_chinese(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object]
) -> None:
    for language, name in (("en", "series_change_en.png"), ("zh_CN", "series_change_zh.png")):
        try:
            install_language(language)
            dialog = _open(qtbot, ctx, clinic, TUESDAYS[2])
            dialog.start.setTime(QTime(10, 0))
            dialog.adjustSize()
            assert dialog.height() <= 800 and dialog.width() <= 1280  # fits a small screen
            for label in (dialog.scope_hint, dialog.identity_hint, dialog.series_label):
                assert label.isVisible() and label.text()
            if language == "zh_CN":  # Qt's own weekday names follow the language
                assert any("\u4e00" <= ch <= "\u9fff" for ch in dialog.weekday_boxes[0].text())
            dialog.grab().save(str(SHOTS / name))
            dialog.reject()
        finally:
            install_language("en")


# -- dragging on the calendar ------------------------------------------------------------------


def _wait_loaded(qtbot: QtBot, page: CalendarPage) -> None:
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


def _answer_scope(scope: str, asked: list[str]) -> None:
    """Click a button of the move-scope question once it is up (it runs its own loop)."""

    def click() -> None:
        boxes = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox)
            and w.objectName() == "series-move-scope"
            and w.isVisible()
        ]
        if not boxes:
            QTimer.singleShot(20, click)
            return
        box = boxes[0]
        asked.append(box.text())
        box.grab().save(str(SHOTS / "series_move_scope.png"))
        button = next(b for b in box.findChildren(QPushButton) if b.objectName() == scope)
        button.click()

    QTimer.singleShot(20, click)


def _drag_down_an_hour(qtbot: QtBot, ctx: AppContext, page: CalendarPage, day: date) -> None:
    page.show_day(day)
    _wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 1, timeout=5000)
    grid = page.grid
    block = grid.blocks[0]
    start = block.rect.center().toPoint()
    target = QPoint(start.x(), start.y() + 4 * grid.row_height)  # 4 rows of 15 minutes
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, target)
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)


@pytest.fixture
def page(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> CalendarPage:
    ctx.set_actor(clinic["desk"])  # type: ignore[arg-type]
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 900)
    page.show()
    # The system's yes/no box cannot be clicked here; answer it as the user would.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    return page


def test_dragging_an_occurrence_moves_it_and_the_following_ones(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object], page: CalendarPage
) -> None:
    """A6: drag the second Tuesday from 09:00 to 10:00, "this and the following ones"."""
    asked: list[str] = []
    _answer_scope("scope:following", asked)
    _drag_down_an_hour(qtbot, ctx, page, TUESDAYS[1])
    qtbot.waitUntil(lambda: _times(ctx, clinic)[TUESDAYS[-1]].startswith("10:00"), timeout=5000)
    assert asked and "part of a series" in asked[0]
    times = _times(ctx, clinic)
    assert [times[d] for d in TUESDAYS] == ["09:00/15/李医生"] + ["10:00/15/李医生"] * 5


def test_dragging_into_a_conflict_opens_the_dialog_to_skip(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object], page: CalendarPage
) -> None:
    """A6: a later date taken at the new time opens the change dialog with it listed."""
    appointments.book(
        ctx.clinic,
        clinic["desk"],  # type: ignore[arg-type]
        patient_id=clinic["patients"][1].id,  # type: ignore[index]
        doctor_id=clinic["doctors"][0].staff_id,  # type: ignore[index]
        starts_at=_at(TUESDAYS[4], 10),
        minutes=15,
        channel="phone",
        identity_checked=True,
    )
    _answer_scope("scope:all", [])
    # The 12-22 booking is in another column on another day: the 12-01 day shows one block.
    _drag_down_an_hour(qtbot, ctx, page, TUESDAYS[1])
    qtbot.waitUntil(lambda: page.findChild(SeriesChangeDialog) is not None, timeout=5000)
    dialog = page.findChild(SeriesChangeDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=5000)
    assert dialog.scope() == "all" and dialog.start.time() == QTime(10, 0)
    assert dialog.conflict_list.count() == 1
    assert dialog.conflict_list.item(0).text().startswith("2026-12-22")
    assert set(_times(ctx, clinic).values()) == {"09:00/15/李医生"}  # nothing moved yet
    dialog.identity.setChecked(True)
    done: list[bool] = []
    dialog.accepted.connect(lambda: done.append(True))
    dialog.skip_button.click()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    times = _times(ctx, clinic)
    assert [times[d] for d in TUESDAYS if d != TUESDAYS[4]] == ["10:00/15/李医生"] * 5


def test_dragging_only_this_one_leaves_the_series(
    qtbot: QtBot, ctx: AppContext, clinic: dict[str, object], page: CalendarPage
) -> None:
    """A6 "one" from the calendar: the booking service's move, as for a single appointment."""
    _answer_scope("scope:one", [])
    _drag_down_an_hour(qtbot, ctx, page, TUESDAYS[2])
    qtbot.waitUntil(lambda: _times(ctx, clinic)[TUESDAYS[2]].startswith("10:00"), timeout=5000)
    times = _times(ctx, clinic)
    assert [times[d] for d in TUESDAYS if d != TUESDAYS[2]] == ["09:00/15/李医生"] * 5


def test_dragging_to_another_day_says_only_this_one_moves(
    qtbot: QtBot,
    ctx: AppContext,
    clinic: dict[str, object],
    page: CalendarPage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A6: the week view's sideways drag moves one occurrence; the question says so."""
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *a: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    page.show_day(TUESDAYS[1])
    page.set_mode("week")
    _wait_loaded(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 1, timeout=5000)
    grid = page.grid
    start = grid.blocks[0].rect.center().toPoint()
    target = QPoint(int(start.x() + grid.column_width()), start.y())  # Tuesday to Wednesday
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(grid, target)
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=target)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert "Only this appointment moves to another day" in asked[0]
    assert "Change the series…" in asked[0]
    assert set(_times(ctx, clinic).values()) == {"09:00/15/李医生"}  # answered No
