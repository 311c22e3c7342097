"""Booking an appointment, and one appointment's details (spec A1, A2, A4, A5, A6).

The dialog finds the patient as the search does, suggests slots for a
returning patient (usual doctor, usual time of day) and shows the
first-visit information for a new one; the booking service decides. A taken
slot is answered with who holds it and the next free times; a booking that
needs confirming (in the past, outside hours, a closed day, the patient
busy elsewhere, after the cutoff) lists the reasons to confirm.

"Repeat" (A6, issue 5) turns the booking into a series: the dates are
previewed as the rule is typed (``rules.recurrence``, the same arithmetic the
series service uses) and "Book" calls ``series.create_series``, which books
every date or none; its conflicts are listed with "skip these dates" and, for
the reasons that allow it, confirm boxes. The details dialog describes an
appointment's series and asks how far a cancellation reaches.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QLocale, Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import holidays, recurrence
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import (
    appointments,
    membership,
    patient_search,
    patients,
    rosters,
    series,
)
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.patients.common import combo_index, full_error_text, local, tr_code
from clinic_desk.ui.settings.common import MessageLabel, hint_label


class BookingDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        doctor_id: uuid.UUID | None = None,
        starts_at: datetime | None = None,
        doctors: list[Any] | None = None,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("booking-dialog")
        self.setMinimumWidth(640)
        self.patient_id: uuid.UUID | None = patient_id
        self.busy = False
        self.confirmed: frozenset[str] = frozenset()
        self.zone = ctx.clinic.timezone()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

        self.patient_edit = QLineEdit(self)
        self.patient_edit.setObjectName("patient-query")
        self.patient_edit.setMaxLength(100)
        self.patient_list = QListWidget(self)
        self.patient_list.setObjectName("patient-results")
        self.patient_list.setMaximumHeight(90)
        self.patient_list.itemClicked.connect(self._patient_chosen)
        self.patient_list.itemActivated.connect(self._patient_chosen)
        box = QVBoxLayout()
        box.addWidget(self.patient_edit)
        box.addWidget(self.patient_list)
        self.patient_label = QLabel(self)
        self.patient_label.setObjectName("patient-chosen")
        box.addWidget(self.patient_label)
        self.patient_row = QLabel(self)
        form.addRow(self.patient_row, box)
        self.info = QLabel(self)
        self.info.setObjectName("first-visit-or-suggestions")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.suggestions = QHBoxLayout()
        info_box = QVBoxLayout()
        info_box.addWidget(self.info)
        info_box.addLayout(self.suggestions)
        self.copy_info = QPushButton(self)
        self.copy_info.setObjectName("copy-first-visit")
        self.copy_info.hide()
        self.copy_info.clicked.connect(lambda: QApplication.clipboard().setText(self.info.text()))
        # K2: the same information on paper, for the patient at the desk.
        self.print_info = QPushButton(self)
        self.print_info.setObjectName("print-first-visit")
        self.print_info.hide()
        self.print_info.clicked.connect(self.print_first_visit)
        info_row = QHBoxLayout()
        info_row.addWidget(self.copy_info)
        info_row.addWidget(self.print_info)
        info_row.addStretch(1)
        info_box.addLayout(info_row)
        form.addRow(info_box)

        self.doctor = QComboBox(self)
        self.doctor.setObjectName("doctor")
        for d in doctors or []:
            self.doctor.addItem(d.display_name, d.id)
        self.doctor_row = QLabel(self)
        form.addRow(self.doctor_row, self.doctor)
        self.type = QComboBox(self)
        self.type.setObjectName("type")
        self.type.currentIndexChanged.connect(self._type_chosen)
        self.type_row = QLabel(self)
        form.addRow(self.type_row, self.type)
        # H1/H2/A10: the patient's membership badge and, for a home visit, the allowance.
        self.member_info = QLabel(self)
        self.member_info.setObjectName("member-info")
        self.member_info.setWordWrap(True)
        self.member_info.hide()
        form.addRow(self.member_info)
        self.member_context: tuple[Any, Any, str] | None = None
        self._member_token = 0
        when = QHBoxLayout()
        self.day = QDateEdit(self)
        self.day.setObjectName("day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.start = QTimeEdit(self)
        self.start.setObjectName("start")
        self.start.setDisplayFormat("HH:mm")
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("minutes")
        self.minutes.setRange(5, 12 * 60)
        self.minutes.setSingleStep(5)
        self.minutes.setValue(15)
        self.minutes_label = QLabel(self)
        when.addWidget(self.day)
        when.addWidget(self.start)
        when.addWidget(self.minutes)
        when.addWidget(self.minutes_label)
        when.addStretch(1)
        self.when_row = QLabel(self)
        form.addRow(self.when_row, when)
        self._build_repeat(form)
        self.channel = QComboBox(self)
        self.channel.setObjectName("channel")
        for code, label in appointments.CHANNELS.items():
            self.channel.addItem(tr_code("Appointment", label), code)
        self.channel_row = QLabel(self)
        form.addRow(self.channel_row, self.channel)
        self.purpose = QLineEdit(self)
        self.purpose.setObjectName("purpose")
        self.purpose.setMaxLength(200)
        self.purpose_row = QLabel(self)
        form.addRow(self.purpose_row, self.purpose)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setMaximumHeight(60)
        self.notes.setTabChangesFocus(True)
        self.notes_row = QLabel(self)
        form.addRow(self.notes_row, self.notes)
        self.add_on = QCheckBox(self)
        self.add_on.setObjectName("add-on")
        form.addRow(self.add_on)
        self.identity = QCheckBox(self)
        self.identity.setObjectName("identity-checked")
        form.addRow(self.identity)

        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        # A series' conflicting dates, and the way past them (skip, or confirm below).
        self.conflict_list = QListWidget(self)
        self.conflict_list.setObjectName("series-conflicts")
        self.conflict_list.setMaximumHeight(100)
        self.conflict_list.hide()
        layout.addWidget(self.conflict_list)
        self.skip_button = QPushButton(self)
        self.skip_button.setObjectName("skip-conflicts")
        self.skip_button.clicked.connect(self._skip_conflicts)
        self.skip_button.hide()
        layout.addWidget(self.skip_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.next_free = QHBoxLayout()
        layout.addLayout(self.next_free)
        self.reasons_box = QVBoxLayout()
        layout.addLayout(self.reasons_box)
        self.override = QLineEdit(self)
        self.override.setObjectName("override-reason")
        self.override.setMaxLength(500)
        self.override.hide()
        layout.addWidget(self.override)
        # H2: past a membership's allowance the director may allow one more, with a reason.
        self.allow_button = QPushButton(self)
        self.allow_button.setObjectName("allow-benefit")
        self.allow_button.hide()
        self.allow_button.clicked.connect(self._allow_benefit)
        layout.addWidget(self.allow_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.benefit_reason = QLineEdit(self)
        self.benefit_reason.setObjectName("benefit-override-reason")
        self.benefit_reason.setMaxLength(500)
        self.benefit_reason.hide()
        layout.addWidget(self.benefit_reason)
        self.buttons = QDialogButtonBox(self)
        self.book_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setObjectName("book")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.book_button.clicked.connect(self.book)
        self.cancel_button.clicked.connect(self.reject)
        # Beside the buttons, where it is seen when booking, and the dialog grows no taller.
        self.print_slip = QCheckBox(self)
        self.print_slip.setObjectName("print-slip")
        bottom = QHBoxLayout()
        bottom.addWidget(self.print_slip)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.reason_boxes: dict[str, QCheckBox] = {}

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._search)
        self.patient_edit.textEdited.connect(lambda _t: self._debounce.start())

        now = ctx.clock().astimezone(self.zone)
        moment = (starts_at or (now + timedelta(hours=1))).astimezone(self.zone)
        self.day.setDate(QDate(moment.year, moment.month, moment.day))
        self.start.setTime(QTime(moment.hour, moment.minute - moment.minute % 5))
        if doctor_id is not None:
            self.doctor.setCurrentIndex(max(0, combo_index(self.doctor, doctor_id)))
        self.until.setDate(self.day.date().addMonths(3))
        for signal in (
            self.day.dateChanged,
            self.start.timeChanged,
            self.minutes.valueChanged,
            self.doctor.currentIndexChanged,
        ):
            signal.connect(self._rule_changed)
        # The allowance is counted in the period of the visit's day (H2).
        self.day.dateChanged.connect(lambda _d: self._load_member_info())
        self.retranslate()
        actor = ctx.actor
        if actor is not None:
            ctx.runner.start(
                _series_settings, ctx.clinic, actor, on_success=self._got_settings, owner=self
            )
            ctx.runner.start(
                rosters.list_appointment_types,
                ctx.clinic,
                actor,
                on_success=self._show_types,
                owner=self,
            )
            if not doctors:
                ctx.runner.start(
                    rosters.list_doctors,
                    ctx.clinic,
                    actor,
                    on_success=self._show_doctors,
                    owner=self,
                )
        if patient_id is not None and actor is not None:
            ctx.runner.start(
                patients.get_patient,
                ctx.clinic,
                actor,
                patient_id,
                on_success=self._show_patient,
                owner=self,
            )
            self._load_patient_context()
            self._load_member_info()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New appointment"))
        self.patient_row.setText(self.tr("Patient"))
        self.patient_edit.setPlaceholderText(
            self.tr("Name, pinyin initials, phone digits or record number")
        )
        self.doctor_row.setText(self.tr("Doctor"))
        self.type_row.setText(self.tr("Purpose"))
        self.when_row.setText(self.tr("When"))
        self.minutes_label.setText(self.tr("minutes"))
        self.channel_row.setText(self.tr("Booked by"))
        self.purpose_row.setText(self.tr("Reason for the visit"))
        self.notes_row.setText(self.tr("Notes"))
        self.add_on.setText(self.tr("Emergency add-on (临时加号): book even if the doctor is full"))
        self.identity.setText(self.tr("I have checked the patient's identity (real-name booking)"))
        self.copy_info.setText(self.tr("Copy to send"))
        self.print_info.setText(self.tr("Print for the patient…"))
        self.print_slip.setText(self.tr("Print the slip"))
        self.print_slip.setToolTip(self.tr("Print the appointment slip after booking"))
        self.override.setPlaceholderText(self.tr("Reason for booking after the cutoff"))
        self.allow_button.setText(self.tr("Allow with a reason…"))
        self.benefit_reason.setPlaceholderText(
            self.tr("Why this visit is allowed past the allowance (kept in the audit log)")
        )
        self._show_member_info()
        self.book_button.setText(self.tr("Book"))
        self.repeat.setText(self.tr("Repeat this appointment"))
        self.every_row.setText(self.tr("Every"))
        for index, unit in enumerate((self.tr("day(s)"), self.tr("week(s)"), self.tr("month(s)"))):
            self.frequency.setItemText(index, unit)
        self.weekdays_row.setText(self.tr("On", "the weekdays of a weekly repeat"))
        locale = QLocale()
        for day, box in enumerate(self.weekday_boxes):
            # Qt knows the weekday names in every language (1 = Monday).
            box.setText(locale.dayName(day + 1, QLocale.FormatType.ShortFormat))
        self.ends_row.setText(self.tr("Ends"))
        self.ends_never.setText(self.tr("Never"))
        self.ends_on.setText(self.tr("On", "a series ends on a date"))
        self.ends_after.setText(self.tr("After"))
        self.count_label.setText(self.tr("times"))
        self.holiday_row.setText(self.tr("On public holidays"))
        self.holiday_policy.setItemText(0, self.tr("Skip the day"))
        self.holiday_policy.setItemText(1, self.tr("Book and flag it"))
        self.series_note.setText(
            self.tr(
                "A series books every date or none. Notes and the add-on mark are for "
                "single appointments."
            )
        )
        if self.pending_skip:
            self.skip_button.setText(
                self.tr("Skip these %n date(s) and book the rest", "", len(self.pending_skip))
            )
        self._update_preview()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- repeat (A6) ------------------------------------------------------------------------

    def _build_repeat(self, form: QFormLayout) -> None:
        """The "Repeat" section: collapsed (and off) until the box is ticked."""
        self.skip_days: frozenset[date] = frozenset()
        self.pending_skip: frozenset[date] = frozenset()
        # Until the clinic's settings arrive, preview with the catalogue's defaults.
        defaults = settings_catalog.default_values()
        self.holiday_calendar = str(defaults["appointments.holiday_calendar"])
        self.series_limit = int(defaults["appointments.max_series_occurrences"])
        self.horizon_days = int(defaults["appointments.series_horizon_days"])
        self._auto_weekday: int | None = None
        self.repeat = QCheckBox(self)
        self.repeat.setObjectName("repeat")
        self.repeat.toggled.connect(self._repeat_toggled)
        form.addRow(self.repeat)
        self.repeat_box = QFrame(self)
        self.repeat_box.setObjectName("repeat-section")
        self.repeat_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.repeat_box.hide()
        outer = QVBoxLayout(self.repeat_box)
        inner = QFormLayout()
        outer.addLayout(inner)
        every = QHBoxLayout()
        self.interval = QSpinBox(self.repeat_box)
        self.interval.setObjectName("repeat-interval")
        # Wider than the rule allows, so a too-long interval gets its sentence, not a clamp.
        self.interval.setRange(1, 999)
        self.frequency = QComboBox(self.repeat_box)
        self.frequency.setObjectName("repeat-frequency")
        for code in recurrence.FREQUENCIES:
            self.frequency.addItem("", code)
        self.frequency.setCurrentIndex(recurrence.FREQUENCIES.index("weekly"))
        every.addWidget(self.interval)
        every.addWidget(self.frequency)
        every.addStretch(1)
        self.every_row = QLabel(self.repeat_box)
        inner.addRow(self.every_row, every)
        days = QHBoxLayout()
        self.weekday_boxes: list[QCheckBox] = []
        for day in range(7):
            box = QCheckBox(self.repeat_box)
            box.setObjectName(f"weekday:{day}")
            box.toggled.connect(self._weekday_toggled)
            self.weekday_boxes.append(box)
            days.addWidget(box)
        days.addStretch(1)
        self.weekdays_row = QLabel(self.repeat_box)
        self.weekdays_widget = QWidget(self.repeat_box)
        self.weekdays_widget.setLayout(days)
        days.setContentsMargins(0, 0, 0, 0)
        inner.addRow(self.weekdays_row, self.weekdays_widget)
        ends = QHBoxLayout()
        self.ends_group = QButtonGroup(self.repeat_box)
        self.ends_never = QRadioButton(self.repeat_box)
        self.ends_never.setObjectName("ends-never")
        self.ends_on = QRadioButton(self.repeat_box)
        self.ends_on.setObjectName("ends-on")
        self.until = QDateEdit(self.repeat_box)
        self.until.setObjectName("repeat-until")
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("yyyy-MM-dd")
        self.ends_after = QRadioButton(self.repeat_box)
        self.ends_after.setObjectName("ends-after")
        self.count = QSpinBox(self.repeat_box)
        self.count.setObjectName("repeat-count")
        self.count.setRange(1, 9999)
        self.count.setValue(6)
        self.count_label = QLabel(self.repeat_box)
        for button in (self.ends_never, self.ends_on, self.ends_after):
            self.ends_group.addButton(button)
        self.ends_after.setChecked(True)
        for widget in (
            self.ends_never,
            self.ends_on,
            self.until,
            self.ends_after,
            self.count,
            self.count_label,
        ):
            ends.addWidget(widget)
        ends.addStretch(1)
        self.ends_row = QLabel(self.repeat_box)
        inner.addRow(self.ends_row, ends)
        self.holiday_policy = QComboBox(self.repeat_box)
        self.holiday_policy.setObjectName("holiday-policy")
        for code in series.POLICIES:
            self.holiday_policy.addItem("", code)
        self.holiday_row = QLabel(self.repeat_box)
        inner.addRow(self.holiday_row, self.holiday_policy)
        self.preview = QLabel(self.repeat_box)
        self.preview.setObjectName("repeat-preview")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Below the form, not in it: a wrapped line in a form row was cut off.
        outer.addWidget(self.preview)
        self.rule_error = MessageLabel(self.repeat_box)
        self.rule_error.setObjectName("repeat-error")
        self.rule_error.hide()
        outer.addWidget(self.rule_error)
        self.series_note = hint_label(self.repeat_box)
        self.series_note.setWordWrap(True)
        outer.addWidget(self.series_note)
        form.addRow(self.repeat_box)
        for signal in (
            self.interval.valueChanged,
            self.frequency.currentIndexChanged,
            self.until.dateChanged,
            self.count.valueChanged,
            self.holiday_policy.currentIndexChanged,
            self.ends_group.buttonToggled,
        ):
            signal.connect(self._rule_changed)

    def _got_settings(self, values: tuple[str, int, int]) -> None:
        self.holiday_calendar, self.series_limit, self.horizon_days = values
        self._update_preview()

    def _repeat_toggled(self, on: bool) -> None:
        self.repeat_box.setVisible(on)
        # A series has no notes or add-on mark (create_series takes neither).
        self.notes.setEnabled(not on)
        self.add_on.setEnabled(not on)
        if on and not any(box.isChecked() for box in self.weekday_boxes):
            self._tick_first_weekday()
        self._rule_changed()

    def _first_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def _tick_first_weekday(self) -> None:
        weekday = self._first_day().weekday()
        self.weekday_boxes[weekday].setChecked(True)
        self._auto_weekday = weekday

    def _weekday_toggled(self, _on: bool) -> None:
        self._auto_weekday = None  # the person chose the days; leave them alone
        self._rule_changed()

    def _rule_changed(self, *_args: Any) -> None:
        # The day picked for a series ticked its weekday; follow the day while untouched.
        if self._auto_weekday is not None and self.repeat.isChecked():
            weekday = self._first_day().weekday()
            if weekday != self._auto_weekday:
                for day, box in enumerate(self.weekday_boxes):
                    box.blockSignals(True)
                    box.setChecked(day == weekday)
                    box.blockSignals(False)
                self._auto_weekday = weekday
        # Skips and confirmations answered an earlier question; a new rule asks anew.
        self.skip_days = frozenset()
        self.pending_skip = frozenset()
        self.conflict_list.hide()
        self.skip_button.hide()
        self._update_preview()

    def frequency_code(self) -> str:
        return str(self.frequency.currentData())

    def rule(self) -> recurrence.Rule:
        """The series as typed (not yet checked)."""
        weekly = self.frequency_code() == "weekly"
        u = self.until.date()
        return recurrence.Rule(
            frequency=self.frequency_code(),
            first_day=self._first_day(),
            interval=self.interval.value(),
            weekdays=frozenset(
                d for d, box in enumerate(self.weekday_boxes) if weekly and box.isChecked()
            ),
            until=date(u.year(), u.month(), u.day()) if self.ends_on.isChecked() else None,
            count=self.count.value() if self.ends_after.isChecked() else None,
        )

    def _update_preview(self) -> None:
        if not hasattr(self, "conflict_list"):
            return  # still building the dialog
        weekly = self.frequency_code() == "weekly"
        self.weekdays_widget.setVisible(weekly)
        self.weekdays_row.setVisible(weekly)
        self.until.setEnabled(self.ends_on.isChecked())
        self.count.setEnabled(self.ends_after.isChecked())
        if not self.repeat.isChecked():
            return
        rule = self.rule()
        # As the service: an open-ended series is written up to today + the horizon.
        today = self.ctx.clock().astimezone(self.zone).date()
        horizon = today + timedelta(days=self.horizon_days)
        if not rule.open_ended:
            horizon = series.FAR_FUTURE
        try:
            days = recurrence.occurrences(rule, horizon=horizon, limit=self.series_limit)
        except ValidationError as error:
            self.preview.clear()
            self.rule_error.show_error(full_error_text(error))
            self.rule_error.show()
            return
        self.rule_error.clear()
        self.rule_error.hide()  # an empty line would leave a gap under the preview
        self.preview.setText(self.preview_text(rule, days))

    def preview_text(self, rule: recurrence.Rule, days: list[date]) -> str:
        """The line under the rule, e.g. "12 appointments: 2026-11-24, … (… skipped)"."""
        skip = self.holiday_policy.currentData() == "skip"
        chinese = QLocale().language() == QLocale.Language.Chinese
        booked: list[date] = []
        notes: list[str] = []
        for day in days:
            info = holidays.day_info(day, self.holiday_calendar)
            if info.is_holiday:
                name = (info.name_zh if chinese else "") or info.name
                if skip:
                    note = self.tr("{day} is a public holiday ({name}): skipped")
                else:
                    note = self.tr("{day} is a public holiday ({name}): booked and flagged")
                notes.append(note.format(day=day.isoformat(), name=name))
            if not (info.is_holiday and skip):
                booked.append(day)
        if not booked:
            return self.tr("No date to book: every date is a skipped holiday.")
        shown = [d.isoformat() for d in booked]
        if len(shown) > 6:
            shown = [*shown[:4], "…", shown[-1]]
        text = self.tr("%n appointment(s): {dates}", "", len(booked)).format(dates=", ".join(shown))
        if len(notes) > 3:
            notes = [*notes[:3], self.tr("and %n more holiday(s)", "", len(notes) - 3)]
        if notes:
            text += " (" + "; ".join(notes) + ")"
        if rule.open_ended:
            text += "\n" + self.tr(
                "No end: booked up to {day} now; later dates are added as time passes."
            ).format(day=booked[-1].isoformat())
        return text

    def _skip_conflicts(self) -> None:
        self.skip_days = self.skip_days | self.pending_skip
        self.pending_skip = frozenset()
        self.book()

    def _show_conflicts(self, error: series.SeriesConflict) -> None:
        self.conflict_list.clear()
        locale = QLocale()
        for day, code in error.conflicts.items():
            weekday = locale.dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)
            self.conflict_list.addItem(f"{day.isoformat()} {weekday}: {conflict_text(code)}")
        self.conflict_list.show()
        self.pending_skip = frozenset(error.conflicts)
        self.skip_button.setText(
            self.tr("Skip these %n date(s) and book the rest", "", len(self.pending_skip))
        )
        self.skip_button.show()
        for code in sorted(set(error.conflicts.values()) & series.CONFIRMABLE):
            self._add_reason_box(code)

    # -- patient ----------------------------------------------------------------------------

    def _search(self) -> None:
        actor = self.ctx.actor
        query = self.patient_edit.text()
        if actor is None or not query.strip():
            self.patient_list.clear()
            return
        self.ctx.runner.start(
            patient_search.search_patients,
            self.ctx.clinic,
            actor,
            query,
            limit=10,
            on_success=self._show_patients,
            owner=self,
        )

    def _show_patients(self, hits: list[patient_search.PatientHit]) -> None:
        self.patient_list.clear()
        for h in hits:
            born = h.birth_date.isoformat() if h.birth_date else ""
            name = display_name(h.family_name, h.given_name)
            item = QListWidgetItem(f"{h.record_no}  {name}  {born}")
            item.setData(Qt.ItemDataRole.UserRole, h.id)
            self.patient_list.addItem(item)
        if hits:
            self.patient_list.setCurrentRow(0)

    def _show_patient(self, details: Any) -> None:
        self.patient_label.setText(f"{details.record_no}  {details.full_name}")
        self.patient_edit.setText(details.full_name)

    def _patient_chosen(self, item: QListWidgetItem) -> None:
        self.patient_id = item.data(Qt.ItemDataRole.UserRole)
        self.patient_label.setText(item.text())
        self._load_patient_context()
        self._load_member_info()

    # -- membership (H2, A10) ------------------------------------------------------------------

    def _load_member_info(self) -> None:
        """The patient's badge and, for a benefit type, the allowance on the chosen day."""
        actor = self.ctx.actor
        self._member_token += 1
        if actor is None or self.patient_id is None:
            self.member_context = None
            self._show_member_info()
            return
        chosen = self.type.currentData()
        key = str(getattr(chosen, "benefit_key", "") or "")
        token = self._member_token
        self.ctx.runner.start(
            _member_context,
            self.ctx.clinic,
            actor,
            self.patient_id,
            key,
            self._first_day(),
            ui_language(),
            on_success=lambda found, t=token: self._got_member_info(t, found),
            on_error=lambda _e, t=token: self._got_member_info(t, None),
            owner=self,
        )

    def _got_member_info(self, token: int, found: Any) -> None:
        if token != self._member_token:
            return  # an answer for an earlier patient, type or day
        self.member_context = found
        self._show_member_info()

    def member_text(self) -> str:
        """The badge line and the allowance line, as shown."""
        if self.member_context is None:
            return ""
        badge, allowance, key = self.member_context
        lines: list[str] = []
        if badge is not None:
            if badge.priority:
                lines.append(
                    self.tr("Member: {tier} — priority booking").format(tier=badge.tier_name)
                )
            else:
                lines.append(self.tr("Member: {tier}").format(tier=badge.tier_name))
            if badge.status == "suspended":
                lines[-1] += " " + self.tr("(suspended)")
        if key:
            quota = allowance[1] if allowance is not None else None
            if quota is not None:
                lines.append(
                    self.tr("Home visits: {left} of {quota} left (until {last})").format(
                        left=max(0, quota.left), quota=quota.quota, last=quota.last.isoformat()
                    )
                )
            elif allowance is not None:
                lines.append(
                    self.tr(
                        "This membership has no home-visit allowance: this home visit is not "
                        "counted against an allowance"
                    )
                )
            else:
                lines.append(
                    self.tr("Not a member: this home visit is not counted against an allowance")
                )
        return "\n".join(lines)

    def _show_member_info(self) -> None:
        if not hasattr(self, "member_info"):
            return
        text = self.member_text()
        self.member_info.setText(text)
        self.member_info.setVisible(bool(text))

    def _allow_benefit(self) -> None:
        self.benefit_reason.show()
        self.benefit_reason.setFocus()
        self.allow_button.hide()
        self.message.show_info(
            self.tr(
                "Give the reason, then press Book again: the visit is counted past the "
                "allowance and the reason is kept in the audit log."
            )
        )

    def _load_patient_context(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.patient_id is None:
            return
        self.ctx.runner.start(
            _patient_context,
            self.ctx.clinic,
            actor,
            self.patient_id,
            self.minutes.value(),
            on_success=self._show_context,
            owner=self,
        )

    def _show_context(self, context: tuple[bool, str, Any]) -> None:
        first, info, suggestion = context
        while self.suggestions.count():
            item = self.suggestions.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if first:
            self.info.setText(self.tr("First visit — tell the patient:") + "\n" + info)
            self.copy_info.show()
            self.print_info.show()
            return
        self.copy_info.hide()
        self.print_info.hide()
        self.info.setText(self.tr("Returning patient: suggested times with the usual doctor"))
        for doctor_id, moment in getattr(suggestion, "slots", [])[:5]:
            button = QPushButton(local(self.ctx, moment), self)
            button.clicked.connect(lambda _c=False, d=doctor_id, m=moment: self._use_slot(d, m))
            self.suggestions.addWidget(button)

    def _use_slot(self, doctor_id: uuid.UUID, moment: datetime) -> None:
        local_moment = moment.astimezone(self.zone)
        self.doctor.setCurrentIndex(max(0, combo_index(self.doctor, doctor_id)))
        self.day.setDate(QDate(local_moment.year, local_moment.month, local_moment.day))
        self.start.setTime(QTime(local_moment.hour, local_moment.minute))

    # -- lists ------------------------------------------------------------------------------

    def _show_types(self, types: list[Any]) -> None:
        self.type.clear()
        self.type.addItem(self.tr("(choose)"), None)
        for t in types:
            self.type.addItem(tr_code("AppointmentType", t.name), t)

    def _show_doctors(self, doctors: list[Any]) -> None:
        current = self.doctor.currentData()
        self.doctor.clear()
        for d in doctors:
            if d.active and d.bookable:
                self.doctor.addItem(d.display_name, d.id)
        if current is not None:
            self.doctor.setCurrentIndex(max(0, combo_index(self.doctor, current)))

    def _type_chosen(self, _index: int) -> None:
        chosen = self.type.currentData()
        if chosen is not None:
            self.minutes.setValue(int(chosen.default_minutes))
        self._load_member_info()

    # -- booking ----------------------------------------------------------------------------

    def starts_at(self) -> datetime:
        d = self.day.date()
        t = self.start.time()
        return datetime.combine(
            date(d.year(), d.month(), d.day()), time(t.hour(), t.minute()), self.zone
        )

    def book(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        if self.patient_id is None:
            self.message.show_error(self.tr("Choose the patient first: search and pick one."))
            self.patient_edit.setFocus()
            return
        if self.doctor.currentData() is None:
            self.message.show_error(self.tr("Choose a doctor."))
            return
        confirm = frozenset(code for code, box in self.reason_boxes.items() if box.isChecked())
        chosen_type = self.type.currentData()
        if self.repeat.isChecked():
            self._book_series(actor, confirm, chosen_type)
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self.ctx.runner.start(
            appointments.book,
            self.ctx.clinic,
            actor,
            patient_id=self.patient_id,
            doctor_id=self.doctor.currentData(),
            starts_at=self.starts_at(),
            minutes=self.minutes.value(),
            type_id=chosen_type.id if chosen_type is not None else None,
            channel=self.channel.currentData(),
            purpose=self.purpose.text(),
            notes=self.notes.toPlainText(),
            identity_checked=self.identity.isChecked(),
            add_on=self.add_on.isChecked(),
            confirm=confirm,
            override_reason=self.override.text(),
            benefit_override_reason=(
                self.benefit_reason.text() if self.benefit_reason.isVisible() else ""
            ),
            on_success=self._booked,
            on_error=self._failed,
            owner=self,
        )

    def _book_series(self, actor: Actor, confirm: frozenset[str], chosen_type: Any) -> None:
        rule = self.rule()
        t = self.start.time()
        self.busy = True
        self.buttons.setEnabled(False)
        self.skip_button.setEnabled(False)
        self.ctx.runner.start(
            series.create_series,
            self.ctx.clinic,
            actor,
            patient_id=self.patient_id,
            doctor_id=self.doctor.currentData(),
            first_day=rule.first_day,
            start_minute=t.hour() * 60 + t.minute(),
            minutes=self.minutes.value(),
            frequency=rule.frequency,
            interval=rule.interval,
            weekdays=rule.weekdays,
            until=rule.until,
            count=rule.count,
            type_id=chosen_type.id if chosen_type is not None else None,
            channel=self.channel.currentData(),
            purpose=self.purpose.text(),
            identity_checked=self.identity.isChecked(),
            holiday_policy=self.holiday_policy.currentData(),
            # Only these two can be confirmed for a series; the rest are skipped.
            confirm=confirm & series.CONFIRMABLE,
            skip_days=self.skip_days,
            on_success=self._booked,
            on_error=self._failed,
            owner=self,
        )

    def _booked(self, written: Any) -> None:
        self.busy = False
        self.ctx.broadcast(written.changes)
        booked = getattr(written.value, "id", None)
        # One appointment only: a series' slips are printed from each appointment.
        if self.print_slip.isChecked() and not self.repeat.isChecked() and booked is not None:
            from clinic_desk.ui.printing import documents

            # The dialog closes now; the slip's preview belongs to the window beneath it.
            documents.print_appointment_slip(self.ctx, self.parentWidget() or self, booked)
        self.accept()

    def print_first_visit(self) -> None:
        from clinic_desk.ui.printing import documents

        documents.print_first_visit_sheet(self.ctx, self, patient_id=self.patient_id)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.skip_button.setEnabled(True)
        self.message.show_error(full_error_text(error))
        if isinstance(error, series.SeriesConflict):
            self._show_conflicts(error)
        while self.next_free.count():
            item = self.next_free.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if isinstance(error, appointments.SlotTaken):
            for moment in error.next_free[:3]:
                button = QPushButton(local(self.ctx, moment), self)
                button.setObjectName("next-free")
                button.clicked.connect(lambda _c=False, m=moment: self._use_time(m))
                self.next_free.addWidget(button)
        if isinstance(error, appointments.NeedsConfirmation):
            for code in error.reasons:
                self._add_reason_box(code)
            self.override.setVisible("after_cutoff" in error.reasons)
        if isinstance(error, membership.QuotaExhausted):
            # Only the director may allow a visit past the allowance (audited).
            actor = self.ctx.actor
            may = actor is not None and (
                actor.is_system or allowed(actor.role, Action.MEMBERSHIP_OVERRIDE)
            )
            self.allow_button.setVisible(may and not self.benefit_reason.isVisible())

    def _add_reason_box(self, code: str) -> None:
        if code not in self.reason_boxes:
            box = QCheckBox(self._reason_text(code), self)
            box.setObjectName(f"confirm:{code}")
            self.reason_boxes[code] = box
            self.reasons_box.addWidget(box)

    def _use_time(self, moment: datetime) -> None:
        local_moment = moment.astimezone(self.zone)
        self.day.setDate(QDate(local_moment.year, local_moment.month, local_moment.day))
        self.start.setTime(QTime(local_moment.hour, local_moment.minute))
        self.message.clear()

    def _reason_text(self, code: str) -> str:
        return {
            "past": self.tr("Book it although the time has passed"),
            "outside_hours": self.tr("Book outside the doctor's working hours"),
            "closed_day": self.tr("Book on a day the clinic is closed"),
            "patient_busy": self.tr("The patient has another appointment then: book anyway"),
            "after_cutoff": self.tr("Book after the cutoff (director, with a reason)"),
            "member_slot": self.tr("Book the time held for members anyway"),
        }.get(code, code)

    def reject(self) -> None:
        if not self.busy:
            super().reject()


def conflict_text(code: str) -> str:
    """Why a series date cannot be booked, in words (``series.SeriesConflict`` codes).

    Kept in the "BookingDialog" context, where these sentences were first translated.
    """
    texts = {
        series.DOCTOR_BUSY: QCoreApplication.translate(
            "BookingDialog", "the doctor is already booked then"
        ),
        series.RESOURCE_BUSY: QCoreApplication.translate(
            "BookingDialog", "a room or device is taken then"
        ),
        series.CUTOFF: QCoreApplication.translate("BookingDialog", "past the booking cutoff"),
        series.PAST: QCoreApplication.translate("BookingDialog", "the time has passed"),
        series.OUTSIDE_HOURS: QCoreApplication.translate(
            "BookingDialog", "outside the doctor's working hours"
        ),
        series.PATIENT_BUSY: QCoreApplication.translate(
            "BookingDialog", "the patient has another appointment then"
        ),
    }
    return texts.get(code, code)


def _series_settings(clinic: Clinic, actor: Actor) -> tuple[str, int, int]:
    """The settings the series preview needs (read off the GUI thread)."""
    return (
        str(clinic.setting("appointments.holiday_calendar")),
        int(clinic.setting("appointments.max_series_occurrences")),
        int(clinic.setting("appointments.series_horizon_days")),
    )


def _member_context(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    benefit_key: str,
    day: date,
    language: str,
) -> tuple[Any, Any, str]:
    """The patient's membership badge (the tier named in ``language``), and the
    allowance of ``benefit_key`` on ``day`` (None when the patient has no live
    membership)."""
    found = membership.badges(clinic, actor, [patient_id], day, language=language)
    badge = found.get(patient_id)
    allowance = None
    if benefit_key:
        allowance = membership.benefit_for_patient(clinic, actor, patient_id, benefit_key, day)
    return badge, allowance, benefit_key


def _patient_context(
    clinic: Any, actor: Any, patient_id: uuid.UUID, minutes: int
) -> tuple[bool, str, Any]:
    """First visit (and what to tell them), or slots suggested from their history."""
    if appointments.is_first_visit(clinic, actor, patient_id):
        return True, appointments.first_visit_info(clinic), None
    return False, "", appointments.suggest_slots(clinic, actor, patient_id, minutes=minutes)


class AppointmentDialog(QDialog):
    """One appointment: what it is, and what can be done with it now."""

    def __init__(self, ctx: AppContext, view: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = view
        self.cancelled = False  # set when the user cancels it here (the page reads it)
        self.setObjectName("appointment-dialog")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        self.series_view: series.SeriesView | None = None
        self.series_label = QLabel(self)
        self.series_label.setObjectName("series-info")
        self.series_label.setWordWrap(True)
        self.series_label.hide()
        layout.addWidget(self.series_label)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.confirm_button = QPushButton(self)
        self.confirm_button.setObjectName("confirm")
        self.confirm_button.clicked.connect(self._confirm)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancel-appointment")
        self.cancel_button.clicked.connect(self._cancel)
        # A6: reschedule one, this and the following, or all future ones.
        self.change_series_button = QPushButton(self)
        self.change_series_button.setObjectName("change-series")
        self.change_series_button.clicked.connect(self.change_series)
        self.series_dialog: QDialog | None = None
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.accept)
        # The slip to hand over (and, for a first visit, where to come and what to bring).
        self.slip_button = QPushButton(self)
        self.slip_button.setObjectName("print-slip")
        self.slip_button.clicked.connect(self.print_slip)
        self.first_visit_button = QPushButton(self)
        self.first_visit_button.setObjectName("print-first-visit")
        self.first_visit_button.clicked.connect(self.print_first_visit)
        self.first_visit_button.hide()  # shown once the patient is known to be new
        for b in (
            self.confirm_button,
            self.cancel_button,
            self.change_series_button,
            self.slip_button,
            self.first_visit_button,
        ):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("cancel-reason")
        self.reason.setMaxLength(500)
        layout.addWidget(self.reason)
        self.retranslate()
        actor = ctx.actor
        if actor is not None and view.status in ("booked", "confirmed"):
            ctx.runner.start(
                appointments.is_first_visit,
                ctx.clinic,
                actor,
                view.patient_id,
                on_success=self._first_visit_known,
                owner=self,
            )
        if view.series_id is not None and actor is not None:
            ctx.runner.start(
                series.get_series,
                ctx.clinic,
                actor,
                view.series_id,
                on_success=self._show_series,
                owner=self,
            )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_series(self, view: series.SeriesView) -> None:
        self.series_view = view
        self.series_label.setText(describe_series(view))
        self.series_label.show()

    def retranslate(self) -> None:
        v = self.view
        if self.series_view is not None:
            self.series_label.setText(describe_series(self.series_view))
        self.setWindowTitle(self.tr("Appointment"))
        status = tr_code("Appointment", appointments.STATUSES.get(v.status, v.status))
        lines = [
            f"<b>{v.patient_name}</b>",
            self.tr("{when} · {minutes} min · {doctor}").format(
                when=local(self.ctx, v.starts_at),
                minutes=int((v.ends_at - v.starts_at).total_seconds() // 60),
                doctor=v.doctor_name,
            ),
            self.tr("Status: {status}").format(status=status),
        ]
        if v.type_name:
            lines.append(tr_code("AppointmentType", v.type_name))
        if v.purpose:
            lines.append(v.purpose)
        if v.add_on:
            lines.append(self.tr("Emergency add-on"))
        self.text.setText("<br>".join(lines))
        may = self.ctx.may(Action.APPOINTMENT_MANAGE)
        active = v.status in ("booked", "confirmed")
        self.confirm_button.setText(self.tr("Patient confirmed"))
        self.confirm_button.setVisible(may and v.status == "booked")
        self.cancel_button.setText(self.tr("Cancel appointment"))
        self.cancel_button.setVisible(may and active)
        self.change_series_button.setText(self.tr("Change the series…"))
        self.change_series_button.setToolTip(
            self.tr("Another time, length, doctor or weekdays for this and later appointments")
        )
        self.change_series_button.setVisible(may and active and v.series_id is not None)
        self.reason.setVisible(may and active)
        self.reason.setPlaceholderText(self.tr("Why it is cancelled (needed to cancel)"))
        self.close_button.setText(self.tr("Close"))
        self.slip_button.setText(self.tr("Print slip…"))
        self.slip_button.setVisible(active)
        self.first_visit_button.setText(self.tr("First-visit information…"))

    def _first_visit_known(self, first: bool) -> None:
        self.first_visit_button.setVisible(bool(first))

    def print_slip(self) -> None:
        from clinic_desk.ui.printing import documents

        documents.print_appointment_slip(self.ctx, self, self.view.id)

    def print_first_visit(self) -> None:
        from clinic_desk.ui.printing import documents

        documents.print_first_visit_sheet(self.ctx, self, appointment_id=self.view.id)

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None:
            return

        def done(written: Any) -> None:
            self.ctx.broadcast(written.changes)
            self.accept()

        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            **kwargs,
            on_success=done,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _confirm(self) -> None:
        self._run(appointments.confirm_appointment, self.view.id)

    def change_series(self) -> None:
        """Open the series change dialog; this one closes once the change is saved."""
        from clinic_desk.ui.calendar.series_change import SeriesChangeDialog

        dialog = SeriesChangeDialog(self.ctx, self.view, self, series_view=self.series_view)
        dialog.accepted.connect(self.accept)
        self.series_dialog = dialog
        dialog.open()

    def _cancel(self) -> None:
        self.cancelled = True  # the page offers the freed slot to the waitlist once accepted
        if self.view.series_id is None:
            self._run(appointments.cancel, self.view.id, reason=self.reason.text())
            return
        if not self.reason.text().strip():
            # Ask for the reason before the scope, so the question is not asked twice.
            self.message.show_error(self.tr("Write why it is cancelled, then cancel again."))
            self.reason.setFocus()
            return
        scope = self.ask_scope()
        if scope is None:
            return
        # cancel_series handles "one" too (through appointments.cancel) and audits the series.
        self._run(series.cancel_series, self.view.id, scope=scope, reason=self.reason.text())

    def ask_scope(self) -> str | None:
        """Which appointments of the series to cancel: "one", "following", "all" or None."""
        box = QMessageBox(self)
        box.setObjectName("series-scope")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Cancel a repeating appointment"))
        box.setText(
            self.tr(
                "This appointment is part of a series. Which appointments should be cancelled? "
                "Past appointments stay as they are."
            )
        )
        scopes: dict[Any, str] = {}
        for scope, label in (
            ("one", self.tr("Only this one")),
            ("following", self.tr("This and the following ones")),
            ("all", self.tr("All future ones")),
        ):
            button = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
            button.setObjectName(f"scope:{scope}")
            scopes[button] = scope
        keep = box.addButton(self.tr("Keep them"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return scopes.get(box.clickedButton())


def describe_series(view: series.SeriesView) -> str:
    """The series in words, e.g. "Part of a series: every 2 weeks on Tuesday until …"."""
    n = view.interval
    if view.frequency == "daily":
        if n == 1:
            rule = QCoreApplication.translate("SeriesText", "every day")
        else:
            rule = QCoreApplication.translate("SeriesText", "every {n} days").format(n=n)
    elif view.frequency == "weekly":
        locale = QLocale()
        weekdays = sorted(view.weekdays or {view.first_day.weekday()})
        names = ", ".join(locale.dayName(d + 1, QLocale.FormatType.LongFormat) for d in weekdays)
        if n == 1:
            rule = QCoreApplication.translate("SeriesText", "every week on {days}")
        else:
            rule = QCoreApplication.translate("SeriesText", "every {n} weeks on {days}")
        rule = rule.format(n=n, days=names)
    else:
        if n == 1:
            rule = QCoreApplication.translate("SeriesText", "every month on day {day}")
        else:
            rule = QCoreApplication.translate("SeriesText", "every {n} months on day {day}")
        rule = rule.format(n=n, day=view.first_day.day)
    if view.until is not None:
        end = QCoreApplication.translate("SeriesText", "until {day}").format(
            day=view.until.isoformat()
        )
    elif view.count is not None:
        # lupdate does not see a numerus QCoreApplication.translate; two plain strings.
        if view.count == 1:
            end = QCoreApplication.translate("SeriesText", "once")
        else:
            end = QCoreApplication.translate("SeriesText", "{n} times in all").format(n=view.count)
    else:
        end = QCoreApplication.translate("SeriesText", "with no end date")
    text = QCoreApplication.translate("SeriesText", "Part of a series: {rule} {end}").format(
        rule=rule, end=end
    )
    if view.ended:
        text += " " + QCoreApplication.translate("SeriesText", "(the series has ended)")
    return text
