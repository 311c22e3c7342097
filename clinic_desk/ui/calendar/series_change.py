"""Rescheduling a repeating appointment (spec A6 "edit one, this-and-following, or all"; issue 5).

The dialog collects the new start time, length, doctor and (weekly series)
weekdays and how far the change reaches; ``series.change_series`` decides and
writes every date or none. Only the values that differ from what the service
would keep are passed. A date that cannot be booked comes back as
``SeriesConflict``: the dates are listed with their reasons, and the desk skips
them or confirms the reasons that may be confirmed. The calendar's drag uses
``ask_move_scope`` and opens this dialog, pre-filled, when dates conflict.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Qt, QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import appointments, rosters, series
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.ui.calendar.booking import conflict_text, describe_series
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import combo_index, full_error_text, local
from clinic_desk.ui.settings.common import MessageLabel, hint_label

DAY_MINUTES = 24 * 60


def _scope_label(scope: str) -> str:
    labels = {
        "one": QCoreApplication.translate("SeriesChangeDialog", "Only this one"),
        "following": QCoreApplication.translate(
            "SeriesChangeDialog", "This and the following ones"
        ),
        "all": QCoreApplication.translate("SeriesChangeDialog", "All future ones"),
    }
    return labels[scope]


def ask_move_scope(parent: QWidget | None) -> str | None:
    """After a drag of a series occurrence: "one", "following", "all", or None to keep it."""
    box = QMessageBox(parent)
    box.setObjectName("series-move-scope")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(
        QCoreApplication.translate("SeriesChangeDialog", "Move a repeating appointment")
    )
    box.setText(
        QCoreApplication.translate(
            "SeriesChangeDialog",
            "This appointment is part of a series. Move only this one, or the later ones "
            "too? They keep their own days and take the new time, length and doctor. Past "
            "appointments stay as they are.",
        )
    )
    scopes: dict[Any, str] = {}
    for scope in series.SCOPES:
        button = box.addButton(_scope_label(scope), QMessageBox.ButtonRole.AcceptRole)
        button.setObjectName(f"scope:{scope}")
        scopes[button] = scope
    keep = box.addButton(
        QCoreApplication.translate("SeriesChangeDialog", "Keep as it was"),
        QMessageBox.ButtonRole.RejectRole,
    )
    keep.setObjectName("scope:keep")
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return scopes.get(box.clickedButton())


@dataclass(frozen=True)
class ChangeData:
    """What the dialog needs from the clinic, read in one worker call."""

    slot_minutes: int
    doctors: list[rosters.DoctorView]
    series: series.SeriesView


def load_change_data(clinic: Clinic, actor: Actor, series_id: uuid.UUID) -> ChangeData:
    return ChangeData(
        slot_minutes=int(clinic.setting("appointments.slot_minutes")),
        doctors=rosters.list_doctors(clinic, actor, bookable_only=True),
        series=series.get_series(clinic, actor, series_id),
    )


class SlotTimeEdit(QTimeEdit):
    """A time field whose minutes step by the clinic's slot length (arrow keys, wheel)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.minute_step = 5
        self.setDisplayFormat("HH:mm")

    def stepBy(self, steps: int) -> None:
        if self.currentSection() != QDateTimeEdit.Section.MinuteSection or self.minute_step <= 1:
            super().stepBy(steps)
            return
        t = self.time()
        minute = t.hour() * 60 + t.minute()
        step = self.minute_step
        # Land on the slot grid: from 09:07 one step up is 09:15, one down 09:00.
        base = minute // step if steps > 0 else -(-minute // step)
        new = max(0, min(DAY_MINUTES - 1, (base + steps) * step))
        self.setTime(QTime(new // 60, new % 60))


def _minute_of(t: QTime) -> int:
    return t.hour() * 60 + t.minute()


class SeriesChangeDialog(QDialog):
    """Change the time, length, doctor or weekdays of one, the following or all occurrences."""

    def __init__(
        self,
        ctx: AppContext,
        view: Any,
        parent: QWidget | None = None,
        *,
        series_view: series.SeriesView | None = None,
        scope: str = "following",
        starts_at_minute: int | None = None,
        minutes: int | None = None,
        doctor_id: uuid.UUID | None = None,
        conflict: series.SeriesConflict | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = view  # the AppointmentView the change starts from
        self.series_view = series_view
        self.data: ChangeData | None = None
        self.busy = False
        self.zone = ctx.clinic.timezone()
        start = view.starts_at.astimezone(self.zone)
        self.own_start = start.hour * 60 + start.minute
        self.own_minutes = int((view.ends_at - view.starts_at).total_seconds() // 60)
        self.own_day: date = start.date()
        self.wanted_doctor: uuid.UUID = doctor_id or view.doctor_id
        self.skip_days: frozenset[date] = frozenset()
        self.pending_skip: frozenset[date] = frozenset()
        self.conflicts: dict[date, str] = {}
        self.confirm_boxes: dict[str, QCheckBox] = {}
        self.setObjectName("series-change-dialog")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)

        self.patient = QLabel(self)
        self.patient.setObjectName("series-patient")
        self.patient.setWordWrap(True)
        self.patient.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.patient)
        self.series_label = QLabel(self)
        self.series_label.setObjectName("series-info")
        self.series_label.setWordWrap(True)
        layout.addWidget(self.series_label)

        self.scope_title = QLabel(self)
        font = self.scope_title.font()
        font.setBold(True)
        self.scope_title.setFont(font)
        layout.addWidget(self.scope_title)
        self.scope_group = QButtonGroup(self)
        self.scope_buttons: dict[str, QRadioButton] = {}
        for code in series.SCOPES:
            button = QRadioButton(self)
            button.setObjectName(f"scope:{code}")
            self.scope_group.addButton(button)
            self.scope_buttons[code] = button
            layout.addWidget(button)
        self.scope_buttons[scope if scope in series.SCOPES else "following"].setChecked(True)
        self.scope_hint = hint_label(self)
        self.scope_hint.setObjectName("scope-hint")
        self.scope_hint.setWordWrap(True)
        layout.addWidget(self.scope_hint)

        form = QFormLayout()
        layout.addLayout(form)
        self.start = SlotTimeEdit(self)
        self.start.setObjectName("series-start")
        first = self.own_start if starts_at_minute is None else starts_at_minute
        self.start.setTime(QTime(first // 60, first % 60))
        start_box = QHBoxLayout()
        start_box.addWidget(self.start)
        start_box.addStretch(1)
        self.start_row = QLabel(self)
        form.addRow(self.start_row, start_box)
        length = QHBoxLayout()
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("series-minutes")
        self.minutes.setRange(5, 480)
        self.minutes.setSingleStep(5)
        self.minutes.setValue(self.own_minutes if minutes is None else minutes)
        self.minutes_label = QLabel(self)
        length.addWidget(self.minutes)
        length.addWidget(self.minutes_label)
        length.addStretch(1)
        self.minutes_row = QLabel(self)
        form.addRow(self.minutes_row, length)
        self.doctor = QComboBox(self)
        self.doctor.setObjectName("series-doctor")
        # Until the list arrives, the appointment's own doctor.
        self.doctor.addItem(str(view.doctor_name), view.doctor_id)
        self.doctor_row = QLabel(self)
        form.addRow(self.doctor_row, self.doctor)
        days = QHBoxLayout()
        days.setContentsMargins(0, 0, 0, 0)
        self.weekday_boxes: list[QCheckBox] = []
        for day in range(7):
            box = QCheckBox(self)
            box.setObjectName(f"weekday:{day}")
            self.weekday_boxes.append(box)
            days.addWidget(box)
        days.addStretch(1)
        self.weekdays_widget = QWidget(self)
        self.weekdays_widget.setLayout(days)
        self.weekdays_row = QLabel(self)
        form.addRow(self.weekdays_row, self.weekdays_widget)
        self.weekdays_widget.hide()  # until we know the series repeats weekly
        self.weekdays_row.hide()

        self.identity = QCheckBox(self)
        self.identity.setObjectName("identity")
        layout.addWidget(self.identity)
        self.identity_hint = hint_label(self)
        self.identity_hint.setObjectName("identity-hint")
        self.identity_hint.setWordWrap(True)
        layout.addWidget(self.identity_hint)

        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.conflict_list = QListWidget(self)
        self.conflict_list.setObjectName("series-conflicts")
        self.conflict_list.setMaximumHeight(90)
        self.conflict_list.hide()
        layout.addWidget(self.conflict_list)
        self.skip_hint = hint_label(self)
        self.skip_hint.setObjectName("skip-hint")
        self.skip_hint.setWordWrap(True)
        self.skip_hint.hide()
        layout.addWidget(self.skip_hint)
        self.skip_button = QPushButton(self)
        self.skip_button.setObjectName("skip-conflicts")
        self.skip_button.clicked.connect(self._skip_conflicts)
        self.skip_button.setEnabled(False)  # until loaded, like the Change button
        self.skip_button.hide()
        layout.addWidget(self.skip_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.reasons_box = QVBoxLayout()
        layout.addLayout(self.reasons_box)

        self.buttons = QDialogButtonBox(self)
        self.change_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.change_button.setObjectName("change")
        self.change_button.setEnabled(False)  # until the series and doctors are loaded
        self.close_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setObjectName("close")
        self.change_button.clicked.connect(self.change)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

        if conflict is not None:  # from a drag whose dates conflict
            self._show_conflicts(conflict)
            self.message.show_error(full_error_text(conflict))
        self.retranslate()
        self._scope_changed()
        # Connected after the pre-filled values are in, so they do not clear the conflicts.
        for signal in (
            self.start.timeChanged,
            self.minutes.valueChanged,
            self.doctor.currentIndexChanged,
        ):
            signal.connect(self._values_changed)
        for box in self.weekday_boxes:
            box.toggled.connect(self._values_changed)
        self.scope_group.buttonToggled.connect(self._scope_toggled)
        actor = ctx.actor
        if actor is not None and view.series_id is not None:
            ctx.runner.start(
                load_change_data,
                ctx.clinic,
                actor,
                view.series_id,
                on_success=self._got_data,
                on_error=self._load_failed,
                owner=self,
            )

    # -- text -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        v = self.view
        self.setWindowTitle(self.tr("Change a repeating appointment"))
        now = self.tr("Now: {when}, {minutes} min, {doctor}").format(
            when=local(self.ctx, v.starts_at), minutes=self.own_minutes, doctor=v.doctor_name
        )
        self.patient.setText(f"<b>{html.escape(str(v.patient_name))}</b><br>{html.escape(now)}")
        if self.series_view is not None:
            self.series_label.setText(describe_series(self.series_view))
        self.scope_title.setText(self.tr("Which appointments change?"))
        for code, button in self.scope_buttons.items():
            button.setText(_scope_label(code))
        self._show_scope_hint()
        self.start_row.setText(self.tr("Start time"))
        self.minutes_row.setText(self.tr("Length"))
        self.minutes_label.setText(self.tr("minutes"))
        self.doctor_row.setText(self.tr("Doctor"))
        self.weekdays_row.setText(self.tr("Weekdays"))
        locale = QLocale()
        for day, box in enumerate(self.weekday_boxes):
            # Qt knows the weekday names in every language (1 = Monday).
            box.setText(locale.dayName(day + 1, QLocale.FormatType.ShortFormat))
        self.weekdays_widget.setToolTip(
            self.tr("Weekdays belong to the whole series: change the following ones or all.")
        )
        self.identity.setText(self.tr("I have checked the patient's identity (real-name booking)"))
        self.identity_hint.setText(
            self.tr(
                "Required: bookings are real-name, so a change is refused until you have "
                "checked the patient's identity document (or name and ID number on the phone)."
            )
        )
        self.skip_hint.setText(
            self.tr(
                "A skipped date keeps its appointment as it is now; move it on its own if needed."
            )
        )
        self._show_conflict_list()
        for code, box in self.confirm_boxes.items():
            box.setText(self._confirm_text(code))
        self.change_button.setText(self.tr("Change"))
        self.close_button.setText(self.tr("Close"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_scope_hint(self) -> None:
        scope = self.scope()
        if scope == "one":
            text = self.tr(
                "Only this appointment changes, on its own day ({day}). To move it to another "
                "day, drag it in the calendar."
            ).format(day=self.own_day.isoformat())
        elif scope == "following":
            text = self.tr(
                "From {day} on, the series continues with the new values; earlier appointments "
                "stay as they are."
            ).format(day=self.own_day.isoformat())
        else:
            text = self.tr(
                "Every appointment of the series from today on changes; past appointments stay "
                "as they are."
            )
        self.scope_hint.setText(text)

    def _confirm_text(self, code: str) -> str:
        texts = {
            appointments.OUTSIDE_HOURS: self.tr("Change it although it is outside working hours"),
            appointments.PATIENT_BUSY: self.tr(
                "The patient has another appointment then: change anyway"
            ),
            appointments.PAST: self.tr("Change it although the time has passed"),
            appointments.CLOSED_DAY: self.tr("Change it although the clinic is closed that day"),
            appointments.MEMBER_SLOT: self.tr("Change it into the time held for members anyway"),
        }
        return texts.get(code, conflict_text(code))

    # -- loading ----------------------------------------------------------------------------

    def _got_data(self, data: ChangeData) -> None:
        self.data = data
        self.series_view = data.series
        self.start.minute_step = max(1, data.slot_minutes)
        self.doctor.blockSignals(True)
        self.doctor.clear()
        for d in data.doctors:
            self.doctor.addItem(d.display_name, d.id)
        if combo_index(self.doctor, self.view.doctor_id) < 0:
            # Its doctor is no longer bookable: shown, so the list does not silently change it.
            self.doctor.addItem(str(self.view.doctor_name), self.view.doctor_id)
        self.doctor.setCurrentIndex(max(0, combo_index(self.doctor, self.wanted_doctor)))
        self.doctor.blockSignals(False)
        weekly = data.series.frequency == "weekly"
        self.weekdays_widget.setVisible(weekly)
        self.weekdays_row.setVisible(weekly)
        for day, box in enumerate(self.weekday_boxes):
            box.blockSignals(True)
            box.setChecked(day in self.series_weekdays())
            box.blockSignals(False)
        self.series_label.setText(describe_series(data.series))
        self.change_button.setEnabled(True)
        self.skip_button.setEnabled(True)
        self._scope_changed()

    def _load_failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def series_weekdays(self) -> frozenset[int]:
        view = self.series_view
        if view is None:
            return frozenset()
        return view.weekdays or frozenset({view.first_day.weekday()})

    # -- choices ----------------------------------------------------------------------------

    def scope(self) -> str:
        for code, button in self.scope_buttons.items():
            if button.isChecked():
                return code
        return "following"

    def chosen_weekdays(self) -> frozenset[int]:
        return frozenset(d for d, box in enumerate(self.weekday_boxes) if box.isChecked())

    def _scope_toggled(self, _button: Any, on: bool) -> None:
        if on:
            self._scope_changed()
            self._values_changed()

    def _scope_changed(self) -> None:
        self.weekdays_widget.setEnabled(self.scope() != "one")
        self._show_scope_hint()

    def _values_changed(self, *_args: Any) -> None:
        # Skips answered the question for the earlier values; new values ask anew.
        self.skip_days = frozenset()
        self.pending_skip = frozenset()
        self.conflicts = {}
        self.conflict_list.hide()
        self.skip_hint.hide()
        self.skip_button.hide()

    def changes(self) -> dict[str, Any]:
        """The service's keyword arguments: None for what stays as the service would keep it."""
        scope = self.scope()
        start, length = _minute_of(self.start.time()), self.minutes.value()
        doctor = self.doctor.currentData()
        if scope == "one" or self.series_view is None:
            base: tuple[int, int, uuid.UUID] = (
                self.own_start,
                self.own_minutes,
                self.view.doctor_id,
            )
        else:
            # "following" and "all" keep the series' own values (this occurrence may
            # have been moved on its own).
            sv = self.series_view
            base = (sv.start_minute, sv.minutes, sv.doctor_id)
        weekdays: frozenset[int] | None = None
        weekly = self.series_view is not None and self.series_view.frequency == "weekly"
        if scope != "one" and weekly and self.chosen_weekdays() != self.series_weekdays():
            weekdays = self.chosen_weekdays()
        return {
            "starts_at_minute": None if start == base[0] else start,
            "minutes": None if length == base[1] else length,
            "doctor_id": None if doctor == base[2] else doctor,
            "weekdays": weekdays,
        }

    # -- saving -----------------------------------------------------------------------------

    def change(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or self.series_view is None:
            return
        scope = self.scope()
        values = self.changes()
        if values["weekdays"] is not None and not values["weekdays"]:
            self.message.show_error(self.tr("Tick at least one weekday for the series."))
            return
        if all(v is None for v in values.values()):
            self.message.show_error(
                self.tr("Nothing to change: choose another time, length, doctor or weekdays.")
            )
            return
        confirm = frozenset(code for code, box in self.confirm_boxes.items() if box.isChecked())
        if scope == "one":
            values.pop("weekdays")
        self._start(
            series.change_series,
            self.view.id,
            scope=scope,
            identity_checked=self.identity.isChecked(),
            # One appointment confirms what a move may (a past time, a closed day);
            # many dates only what the series service can re-plan with.
            confirm=confirm if scope == "one" else confirm & series.CONFIRMABLE,
            skip_days=self.skip_days if scope != "one" else (),
            **values,
        )

    def _start(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        actor = self.ctx.actor
        assert actor is not None
        self.busy = True
        self.buttons.setEnabled(False)
        self.skip_button.setEnabled(False)
        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            **kwargs,
            on_success=self._changed,
            on_error=self._failed,
            owner=self,
        )

    def _changed(self, written: Any) -> None:
        self.busy = False
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.skip_button.setEnabled(True)
        self.message.show_error(full_error_text(error))
        if isinstance(error, series.SeriesConflict):
            self._show_conflicts(error)
        elif isinstance(error, appointments.NeedsConfirmation):
            for code in sorted(error.reasons):
                self._add_confirm_box(code)

    def _show_conflicts(self, error: series.SeriesConflict) -> None:
        self.conflicts = dict(error.conflicts)
        self.pending_skip = frozenset(error.conflicts)
        self._show_conflict_list()
        self.conflict_list.show()
        self.skip_hint.show()
        self.skip_button.show()
        for code in sorted(set(error.conflicts.values()) & series.CONFIRMABLE):
            self._add_confirm_box(code)

    def _show_conflict_list(self) -> None:
        self.conflict_list.clear()
        locale = QLocale()
        for day, code in self.conflicts.items():
            weekday = locale.dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)
            self.conflict_list.addItem(f"{day.isoformat()} {weekday}: {conflict_text(code)}")
        self.skip_button.setText(
            self.tr("Skip these %n date(s) and change the rest", "", len(self.pending_skip))
        )

    def _add_confirm_box(self, code: str) -> None:
        if code not in self.confirm_boxes:
            box = QCheckBox(self._confirm_text(code), self)
            box.setObjectName(f"confirm:{code}")
            self.confirm_boxes[code] = box
            self.reasons_box.addWidget(box)

    def _skip_conflicts(self) -> None:
        self.skip_days = self.skip_days | self.pending_skip
        self.pending_skip = frozenset()
        self.change()

    def reject(self) -> None:
        if not self.busy:
            super().reject()
