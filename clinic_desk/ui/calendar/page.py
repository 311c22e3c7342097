"""The appointment book (spec A1-A10): day (a column per doctor), week (one doctor), month.

Loading runs off the GUI thread through the services; the grid only draws.
Dragging an appointment calls the booking service's ``move`` with the same
checks as the dialog; a refusal is shown and the grid redraws as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.rules import slots
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import appointments, rosters, series
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.calendar.grid import AppointmentGrid, Column
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import combo_index, full_error_text
from clinic_desk.ui.settings.common import MessageLabel


@dataclass(frozen=True)
class ViewData:
    """Everything one screen of the calendar shows, loaded in one worker call."""

    mode: str
    first_day: date
    columns: list[Column]
    appointments: list[appointments.CalendarRow]  # what the blocks draw; see _with_full_view
    zone: ZoneInfo
    slot_minutes: int
    doctors: list[Any]
    month_counts: dict[date, int]


HOUSEKEEPING_EVERY = timedelta(minutes=5)
_HOUSEKEEPING: dict[int, datetime] = {}


def _local_bounds(zone: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the end of ``last``, local days, as UTC instants."""
    return slots.day_bounds_utc(first, zone)[0], slots.day_bounds_utc(last, zone)[1]


def load_view(
    clinic: Clinic, actor: Actor, mode: str, anchor: date, doctor_id: uuid.UUID | None
) -> ViewData:
    """Gather a day, week or month of the book (runs on the worker thread)."""
    may_manage = actor.is_system or allowed(actor.role, Action.APPOINTMENT_MANAGE)
    now = clinic.now()
    last = _HOUSEKEEPING.get(id(clinic))
    if may_manage and (last is None or now - last >= HOUSEKEEPING_EVERY):
        # Housekeeping the book needs before it is drawn: no-shows past their grace
        # period (A9) and open-ended series written further ahead. Both idempotent;
        # at most every few minutes, so redraws do not each write to the audit log.
        _HOUSEKEEPING[id(clinic)] = now
        appointments.mark_no_shows(clinic, actor)
        series.extend_open_series(clinic, actor)
    zone = clinic.timezone()
    slot = int(clinic.setting("appointments.slot_minutes"))
    doctors = [d for d in rosters.list_doctors(clinic, actor) if d.active and d.bookable]
    if mode == "month":
        first = anchor.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        start, end = _local_bounds(zone, first, last)
        rows = appointments.calendar_rows(clinic, actor, start, end)
        counts: dict[date, int] = {}
        for a in rows:
            day = a.starts_at.astimezone(zone).date()
            counts[day] = counts.get(day, 0) + 1
        return ViewData(mode, first, [], [], zone, slot, doctors, counts)
    if mode == "week":
        first = anchor - timedelta(days=anchor.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
        chosen = [d for d in doctors if d.id == doctor_id] or doctors[:1]
        pairs = [(chosen[0], day) for day in days] if chosen else []
    else:
        first = anchor
        days = [anchor]
        pairs = [(d, anchor) for d in doctors]
    doctor_ids = sorted({d.id for d, _day in pairs})
    spans = rosters.working_spans_range(clinic, doctor_ids, days[0], days[-1])
    start, end = _local_bounds(zone, days[0], days[-1])
    # The grid's rows only (CalendarRow): the full view of one is read when it is opened.
    rows = appointments.calendar_rows(clinic, actor, start, end, doctor_ids=doctor_ids)
    free: dict[tuple[uuid.UUID, date], tuple[int, int]] = {}
    for day in days:
        for did, counts in appointments.free_counts(clinic, actor, day, doctor_ids).items():
            free[(did, day)] = counts
    # A10: held slots from the rosters already read, once per draw (no query per block).
    held = appointments.held_slots_from(clinic, spans)
    info = {d.day: d for d in rosters.calendar_days(clinic, days[0], days[-1])}
    chinese = str(clinic.setting("clinic.language")).startswith("zh")
    columns = []
    for doctor, day in pairs:
        calendar_day = info[day]
        n, for_members = free.get((doctor.id, day), (0, 0))
        subtitle = QCoreApplication.translate("CalendarPage", "%n free", "", n)
        if for_members:
            subtitle += QCoreApplication.translate(
                "CalendarPage", ", %n for members", "", for_members
            )
        if calendar_day.closed:
            holiday = calendar_day.holiday_name_zh if chinese else calendar_day.holiday_name
            subtitle = holiday or calendar_day.holiday_name or calendar_day.closure_reason
            subtitle = subtitle or QCoreApplication.translate("CalendarPage", "Closed")
        title = doctor.display_name if mode == "day" else _day_title(day)
        columns.append(
            Column(
                doctor.id,
                day,
                title,
                subtitle,
                calendar_day.closed,
                tuple(spans.get((doctor.id, day), [])),
                tuple(held.get((doctor.id, day), [])),
            )
        )
    return ViewData(mode, first, columns, rows, zone, slot, doctors, {})


def _day_title(day: date) -> str:
    names = (
        QCoreApplication.translate("CalendarPage", "Mon"),
        QCoreApplication.translate("CalendarPage", "Tue"),
        QCoreApplication.translate("CalendarPage", "Wed"),
        QCoreApplication.translate("CalendarPage", "Thu"),
        QCoreApplication.translate("CalendarPage", "Fri"),
        QCoreApplication.translate("CalendarPage", "Sat"),
        QCoreApplication.translate("CalendarPage", "Sun"),
    )
    return f"{names[day.weekday()]} {day.month}/{day.day}"


class CalendarPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("calendar-page")
        self.mode = "day"
        self.anchor = ctx.clock().astimezone(ctx.clinic.timezone()).date()
        self.doctor_id: uuid.UUID | None = None
        self.data: ViewData | None = None
        self._ticket = 0
        self._error_after_reload: str | None = None  # shown once the reload is drawn
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.prev_button = QPushButton("◀", self)
        self.today_button = QPushButton(self)
        self.next_button = QPushButton("▶", self)
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        for w in (self.prev_button, self.today_button, self.next_button, self.date_edit):
            bar.addWidget(w)
        self.title = QLabel(self)
        self.title.setObjectName("calendar-title")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        bar.addWidget(self.title, 1)
        self.mode_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        for mode in ("day", "week", "month"):
            button = QPushButton(self)
            button.setCheckable(True)
            button.setObjectName(f"mode:{mode}")
            group.addButton(button)
            self.mode_buttons[mode] = button
            button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            bar.addWidget(button)
        self.mode_buttons["day"].setChecked(True)
        self.doctor_combo = QComboBox(self)
        self.doctor_combo.setObjectName("week-doctor")
        self.doctor_combo.currentIndexChanged.connect(self._doctor_chosen)
        bar.addWidget(self.doctor_combo)
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("new-appointment")
        self.new_button.clicked.connect(lambda: self.new_appointment(None, None))
        bar.addWidget(self.new_button)
        from clinic_desk.ui.calendar.print_list import PrintDayListButton

        # A8: tomorrow's list for the triage nurse, or the day or doctor shown.
        self.print_button = PrintDayListButton(
            ctx, self, current_day=lambda: self.anchor, current_doctor=lambda: self.doctor_id
        )
        bar.addWidget(self.print_button)
        self.absence_button = QPushButton(self)
        self.absence_button.setObjectName("record-absence")
        self.absence_button.clicked.connect(self.record_absence)
        bar.addWidget(self.absence_button)
        self.waitlist_button = QPushButton(self)
        self.waitlist_button.setObjectName("show-waitlist")
        self.waitlist_button.setCheckable(True)
        bar.addWidget(self.waitlist_button)
        self.stats_button = QPushButton(self)
        self.stats_button.setObjectName("appointment-stats")
        self.stats_button.clicked.connect(self.show_statistics)
        bar.addWidget(self.stats_button)
        layout.addLayout(bar)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.stack = QStackedWidget(self)
        self.grid = AppointmentGrid()
        self.grid.setObjectName("appointment-grid")
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.grid)
        self.stack.addWidget(self.scroll)
        self.month = QTableWidget(6, 7, self)
        self.month.setObjectName("month-table")
        self.month.verticalHeader().hide()
        self.month.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.month.cellDoubleClicked.connect(self._month_day_chosen)
        self.stack.addWidget(self.month)
        from clinic_desk.ui.calendar.waitlist import WaitlistPanel

        # The waitlist beside the book: freed slots are offered from it (A6).
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.stack)
        self.waitlist = WaitlistPanel(ctx, split)
        split.addWidget(self.waitlist)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        self.waitlist.hide()
        self.waitlist_button.toggled.connect(self.waitlist.setVisible)
        layout.addWidget(split, 1)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.date_edit.dateChanged.connect(self._date_edited)
        self.grid.sig_moved.connect(self._moved)
        self.grid.sig_slot_activated.connect(self._slot_activated)
        self.grid.sig_appointment_activated.connect(self._appointment_activated)
        for keys, fn in (
            ("PgUp", lambda: self.step(-1)),
            ("PgDown", lambda: self.step(1)),
            ("Home", self.go_today),
            ("Ctrl+N", lambda: self.new_appointment(None, None)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(fn)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self._sync_date_edit()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.today_button.setText(self.tr("Today"))
        self.prev_button.setToolTip(self.tr("Earlier (PgUp)"))
        self.next_button.setToolTip(self.tr("Later (PgDown)"))
        self.mode_buttons["day"].setText(self.tr("Day"))
        self.mode_buttons["week"].setText(self.tr("Week"))
        self.mode_buttons["month"].setText(self.tr("Month"))
        self.new_button.setText(self.tr("New appointment…"))
        self.new_button.setToolTip(self.tr("Book an appointment (Ctrl+N)"))
        self.new_button.setVisible(self.ctx.may(Action.APPOINTMENT_MANAGE))
        self.absence_button.setText(self.tr("Doctor absence…"))
        self.absence_button.setToolTip(
            self.tr(
                "A doctor cannot come (停诊) or another doctor stands in: list the patients to call"
            )
        )
        self.absence_button.setVisible(self.ctx.may(Action.ABSENCE_RECORD))
        self.waitlist_button.setText(self.tr("Waitlist"))
        self.stats_button.setText(self.tr("Statistics…"))
        self.stats_button.setToolTip(
            self.tr(
                "Bookings, arrivals, no-shows and late cancellations by day, doctor, channel (A9)"
            )
        )
        self.stats_button.setVisible(self.ctx.may(Action.QUALITY_REPORTS))
        self.waitlist_button.setVisible(self.ctx.may(Action.APPOINTMENT_VIEW))
        self.doctor_combo.setVisible(self.mode == "week")
        self.month.setHorizontalHeaderLabels(
            [
                self.tr("Mon"),
                self.tr("Tue"),
                self.tr("Wed"),
                self.tr("Thu"),
                self.tr("Fri"),
                self.tr("Sat"),
                self.tr("Sun"),
            ]
        )
        self._show_title()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_title(self) -> None:
        if self.mode == "month":
            self.title.setText(
                self.tr("{year}-{month:02d}").format(year=self.anchor.year, month=self.anchor.month)
            )
        elif self.mode == "week":
            first = self.anchor - timedelta(days=self.anchor.weekday())
            self.title.setText(self.tr("Week of {day}").format(day=first.isoformat()))
        else:
            self.title.setText(self.anchor.isoformat() + " " + _day_title(self.anchor)[:3])

    # -- navigation -----------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        self.doctor_combo.setVisible(mode == "week")
        self.stack.setCurrentWidget(self.month if mode == "month" else self.scroll)
        self._show_title()
        self.reload()

    def step(self, direction: int) -> None:
        if self.mode == "month":
            first = self.anchor.replace(day=1)
            if direction > 0:
                self.anchor = (first + timedelta(days=32)).replace(day=1)
            else:
                self.anchor = (first - timedelta(days=1)).replace(day=1)
        else:
            self.anchor += timedelta(days=direction * (7 if self.mode == "week" else 1))
        self._sync_date_edit()
        self.reload()

    def go_today(self) -> None:
        self.anchor = self.ctx.clock().astimezone(self.ctx.clinic.timezone()).date()
        self._sync_date_edit()
        self.reload()

    def show_day(self, day: date, doctor_id: uuid.UUID | None = None) -> None:
        self.anchor = day
        if doctor_id is not None:
            self.doctor_id = doctor_id
        self._sync_date_edit()
        self.set_mode("day")

    def _sync_date_edit(self) -> None:
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(self.anchor.year, self.anchor.month, self.anchor.day))
        self.date_edit.blockSignals(False)
        self._show_title()

    def _date_edited(self, qdate: QDate) -> None:
        self.anchor = date(qdate.year(), qdate.month(), qdate.day())
        self.reload()

    def _doctor_chosen(self, _index: int) -> None:
        chosen = self.doctor_combo.currentData()
        if chosen is not None and chosen != self.doctor_id:
            self.doctor_id = chosen
            if self.mode == "week":
                self.reload()

    def _month_day_chosen(self, row: int, column: int) -> None:
        item = self.month.item(row, column)
        day = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(day, date):
            self.show_day(day)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(data: ViewData) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(data)

        self.ctx.runner.start(
            load_view,
            self.ctx.clinic,
            actor,
            self.mode,
            self.anchor,
            self.doctor_id,
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _show(self, data: ViewData) -> None:
        self.data = data
        self.doctor_combo.blockSignals(True)
        self.doctor_combo.clear()
        for d in data.doctors:
            self.doctor_combo.addItem(d.display_name, d.id)
        if self.doctor_id is None and data.doctors:
            self.doctor_id = data.doctors[0].id
        index = combo_index(self.doctor_combo, self.doctor_id)
        self.doctor_combo.setCurrentIndex(max(0, index))
        self.doctor_combo.blockSignals(False)
        if data.mode == "month":
            self._show_month(data)
            return
        if not data.columns:
            self.message.show_info(
                self.tr(
                    "No doctor can be booked yet. The director adds doctors' working hours under "
                    "Settings → Rosters."
                )
            )
        elif self._error_after_reload:
            self.message.show_error(self._error_after_reload)
        else:
            self.message.clear()
        self._error_after_reload = None
        self.grid.set_data(
            data.columns, data.appointments, zone=data.zone, slot_minutes=data.slot_minutes
        )

    def _show_month(self, data: ViewData) -> None:
        first = data.first_day
        start = first - timedelta(days=first.weekday())
        for i in range(42):
            day = start + timedelta(days=i)
            n = data.month_counts.get(day, 0)
            text = f"{day.day}\n" + (self.tr("%n appointment(s)", "", n) if n else "")
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, day)
            if day.month != first.month:
                item.setForeground(Qt.GlobalColor.gray)
            self.month.setItem(i // 7, i % 7, item)
        self.month.resizeRowsToContents()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.APPOINTMENTS) or changes.touches(Topic.ROSTERS):
            self.reload()

    # -- actions --------------------------------------------------------------------------

    def _moved(self, view: Any, column: int, start_minute: int, minutes: int) -> None:
        """A drag ended: ask the booking service to move it, with the same checks.

        A series occurrence dropped on its own day may take the later ones along
        (A6): the scope is asked and ``series.change_series`` moves them.
        """
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.APPOINTMENT_MANAGE):
            self.reload()
            return
        target = self.grid.columns[column]
        starts_at = self.grid.local_start(column, start_minute)
        in_series = view.series_id is not None
        same_day = target.day == view.starts_at.astimezone(self.grid.zone).date()
        text = self.tr(
            "Move {patient} to {when} with {doctor}? Check the patient's identity "
            "(real-name booking) when you tell them."
        ).format(
            patient=view.patient_name,
            when=f"{starts_at:%Y-%m-%d %H:%M}",
            doctor=self._doctor_name(target.doctor_id),
        )
        if in_series and not same_day:
            text += "\n\n" + self.tr(
                "Only this appointment moves to another day; to change the weekdays of the "
                "series use Change the series…"
            )
        answer = QMessageBox.question(self, self.tr("Move the appointment"), text)
        if answer != QMessageBox.StandardButton.Yes:
            self.reload()
            return
        if in_series and same_day:
            from clinic_desk.ui.calendar.series_change import ask_move_scope

            scope = ask_move_scope(self)
            if scope is None:
                self.reload()
                return
            if scope != "one":
                self._move_series(view, scope, start_minute, minutes, target.doctor_id)
                return
        self._move(view, starts_at, minutes, target.doctor_id, frozenset())

    def _move_series(
        self, view: Any, scope: str, start_minute: int, minutes: int, doctor_id: uuid.UUID
    ) -> None:
        """Move this and the following (or all future) occurrences to the dropped time."""
        actor = self.ctx.actor
        assert actor is not None

        def failed(error: BaseException) -> None:
            if isinstance(error, series.SeriesConflict):
                # The dates are listed in the dialog, where they can be skipped or confirmed.
                self.open_series_change(
                    view,
                    scope=scope,
                    starts_at_minute=start_minute,
                    minutes=minutes,
                    doctor_id=doctor_id,
                    conflict=error,
                )
            else:
                QMessageBox.warning(self, self.tr("Not moved"), full_error_text(error))
            self.reload()

        self.ctx.runner.start(
            series.change_series,
            self.ctx.clinic,
            actor,
            view.id,
            scope=scope,
            identity_checked=True,  # as for one appointment: asked in the question above
            starts_at_minute=start_minute,
            minutes=minutes,
            # Always the column's doctor: an occurrence moved on its own to another
            # doctor would otherwise take the series' doctor back.
            doctor_id=doctor_id,
            on_success=lambda written: self.ctx.broadcast(written.changes),
            on_error=failed,
            owner=self,
        )

    def open_series_change(self, view: Any, **prefill: Any) -> None:
        from clinic_desk.ui.calendar.series_change import SeriesChangeDialog

        self._with_full_view(
            view, lambda full: SeriesChangeDialog(self.ctx, full, self, **prefill).open()
        )

    def _with_full_view(
        self, row: Any, then: Callable[[appointments.AppointmentView], None]
    ) -> None:
        """Call ``then`` with the appointment's full view, as it is now.

        The grid's blocks hold CalendarRows (what a block draws); the dialogs show
        every field, read when a block is opened. One that was deleted meanwhile is
        reported above the reloaded book.
        """
        if isinstance(row, appointments.AppointmentView):
            then(row)
            return
        actor = self.ctx.actor
        if actor is None:
            return

        def failed(error: BaseException) -> None:
            self._error_after_reload = full_error_text(error)
            self.reload()

        self.ctx.runner.start(
            appointments.get_appointment,
            self.ctx.clinic,
            actor,
            row.id,
            on_success=then,
            on_error=failed,
            owner=self,
        )

    def _move(
        self,
        view: Any,
        starts_at: datetime,
        minutes: int,
        doctor_id: uuid.UUID,
        confirm: frozenset[str],
        override_reason: str = "",
    ) -> None:
        actor = self.ctx.actor
        assert actor is not None

        def failed(error: BaseException) -> None:
            if isinstance(error, appointments.NeedsConfirmation):
                text = full_error_text(error) + "\n\n" + self.tr("Move it anyway?")
                if (
                    QMessageBox.question(self, self.tr("Please confirm"), text)
                    == QMessageBox.StandardButton.Yes
                ):
                    self._move(
                        view,
                        starts_at,
                        minutes,
                        doctor_id,
                        confirm | error.reasons,
                        override_reason,
                    )
                    return
            else:
                QMessageBox.warning(self, self.tr("Not moved"), full_error_text(error))
            self.reload()

        self.ctx.runner.start(
            appointments.move,
            self.ctx.clinic,
            actor,
            view.id,
            starts_at=starts_at,
            minutes=minutes,
            doctor_id=doctor_id,
            identity_checked=True,
            confirm=confirm,
            override_reason=override_reason,
            on_success=lambda written: self.ctx.broadcast(written.changes),
            on_error=failed,
            owner=self,
        )

    def _doctor_name(self, doctor_id: uuid.UUID) -> str:
        for d in self.data.doctors if self.data else []:
            if d.id == doctor_id:
                return str(d.display_name)
        return ""

    def show_statistics(self) -> None:
        from clinic_desk.ui.calendar.stats import open_stats_dialog

        open_stats_dialog(self.ctx, self)

    def record_absence(self) -> None:
        from clinic_desk.ui.calendar.absence import open_absence_dialog

        day = self.anchor if self.mode != "month" else None
        open_absence_dialog(self.ctx, self, doctor_id=self.doctor_id, day=day)

    def offer_freed_slot(self, view: Any) -> None:
        """After a cancellation: who on the waitlist could take the slot (A6)."""
        self.waitlist_button.setChecked(True)
        self.waitlist.show_candidates_for(
            view.doctor_id,
            view.starts_at,
            int((view.ends_at - view.starts_at).total_seconds() // 60),
        )

    def _slot_activated(self, column: int, minute: int) -> None:
        self.new_appointment(column, minute)

    def new_appointment(self, column: int | None, minute: int | None) -> None:
        from clinic_desk.ui.calendar.booking import BookingDialog

        if not self.ctx.may(Action.APPOINTMENT_MANAGE):
            return
        doctor_id = None
        starts_at = None
        if column is not None and minute is not None and self.grid.columns:
            doctor_id = self.grid.columns[column].doctor_id
            starts_at = self.grid.local_start(column, minute)
        BookingDialog(
            self.ctx,
            self,
            doctor_id=doctor_id,
            starts_at=starts_at,
            doctors=self.data.doctors if self.data else [],
        ).open()

    def _appointment_activated(self, row: Any) -> None:
        self._with_full_view(row, self._open_appointment)

    def _open_appointment(self, view: appointments.AppointmentView) -> None:
        from clinic_desk.ui.calendar.booking import AppointmentDialog

        dialog = AppointmentDialog(self.ctx, view, self)

        def finished(result: int) -> None:
            if result and dialog.cancelled and self.ctx.may(Action.APPOINTMENT_MANAGE):
                self.offer_freed_slot(view)  # A6: someone waiting may take the slot

        dialog.finished.connect(finished)
        dialog.open()
