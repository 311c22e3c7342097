"""A doctor's absence or substitution on screen (停诊/换人, spec A7; with A2, A6).

``open_absence_dialog`` records it (the whole day or a span, a substitute or
none, a reason) and then opens ``open_absence_worklist``: the desk's calling
list of every affected patient, with the alternatives the absence service
offers as buttons. Choosing one moves the booking through the service (the
identity is checked again, A2); a move or cancel that frees a slot the
substitute still works lists the waitlist candidates for it (A6).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt, QTime
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services import absence, appointments, rosters
from clinic_desk.core.services.absence import AbsenceView, AffectedView, Alternative
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.ui.calendar.waitlist import CandidatesBox
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import (
    ReadOnlyTable,
    combo_index,
    full_error_text,
    local,
    phone_text,
)
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label

# Alternative buttons per row in the worklist (there can be a handful of doctors).
ALTERNATIVES_PER_ROW = 3


def _notice_cutoff(clinic: Clinic) -> str:
    """The "known by, the day before" time (a setting; read on the worker thread)."""
    return str(clinic.setting("appointments.absence_notice_cutoff"))


def _clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# -- recording ------------------------------------------------------------------------------


class AbsenceDialog(QDialog):
    """Record that a doctor is away (the whole day or a span), optionally with a substitute."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        doctor_id: uuid.UUID | None = None,
        day: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("absence-dialog")
        self.setMinimumWidth(600)
        self.busy = False
        self.doctors: list[Any] = []
        self.cutoff = "16:00"  # the setting's default until it is read
        self.written: Written[AbsenceView] | None = None
        self.zone = ctx.clinic.timezone()
        self._wanted_doctor = doctor_id
        layout = QVBoxLayout(self)
        self.intro = hint_label(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(form)
        self.doctor = QComboBox(self)
        self.doctor.setObjectName("absence-doctor")
        self.doctor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.doctor.currentIndexChanged.connect(lambda _i: self._fill_substitutes())
        self.doctor_row = QLabel(self)
        form.addRow(self.doctor_row, self.doctor)
        self.day = QDateEdit(self)
        self.day.setObjectName("absence-day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = ctx.clock().astimezone(self.zone).date()
        first = day or today + timedelta(days=1)
        self.day.setDate(QDate(first.year, first.month, first.day))
        self.day.dateChanged.connect(lambda _d: self._update_late())
        self.day_row = QLabel(self)
        form.addRow(self.day_row, self.day)
        span = QHBoxLayout()
        self.whole_day = QCheckBox(self)
        self.whole_day.setObjectName("absence-whole-day")
        self.whole_day.setChecked(True)
        self.start = self._time_edit("absence-start", time(8, 0))
        self.dash = QLabel("–", self)
        self.end = self._time_edit("absence-end", time(12, 0))
        for w in (self.whole_day, self.start, self.dash, self.end):
            span.addWidget(w)
        span.addStretch(1)
        self.whole_day.toggled.connect(self._whole_day_toggled)
        self._whole_day_toggled(True)
        self.span_row = QLabel(self)
        form.addRow(self.span_row, span)
        self.substitute = QComboBox(self)
        self.substitute.setObjectName("absence-substitute")
        self.substitute.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.substitute_row = QLabel(self)
        form.addRow(self.substitute_row, self.substitute)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("absence-reason")
        self.reason.setMaxLength(absence.MAX_REASON)
        self.reason_row = QLabel(self)
        form.addRow(self.reason_row, self.reason)
        self.late = MessageLabel(self)
        self.late.setObjectName("absence-late")
        layout.addWidget(self.late)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("absence-save")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.retranslate()
        actor = ctx.actor
        if actor is not None:
            ctx.runner.start(
                rosters.list_doctors,
                ctx.clinic,
                actor,
                on_success=self._show_doctors,
                on_error=lambda e: self.message.show_error(full_error_text(e)),
                owner=self,
            )
            ctx.runner.start(_notice_cutoff, ctx.clinic, on_success=self._show_cutoff, owner=self)

    def _time_edit(self, name: str, at: time) -> QTimeEdit:
        edit = QTimeEdit(self)
        edit.setObjectName(name)
        edit.setDisplayFormat("HH:mm")
        edit.setTime(QTime(at.hour, at.minute))
        return edit

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Doctor absent or substituted"))
        self.intro.setText(
            self.tr(
                "Record that a doctor is away (停诊), or that another doctor stands in (换人). "
                "Every booked patient affected is then listed for the desk to call."
            )
        )
        self.doctor_row.setText(self.tr("Doctor away"))
        self.day_row.setText(self.tr("Day"))
        self.span_row.setText(self.tr("Time"))
        self.whole_day.setText(self.tr("The whole day"))
        self.substitute_row.setText(self.tr("Substitute"))
        if self.substitute.count():
            self.substitute.setItemText(0, self._no_substitute_text())
        self.reason_row.setText(self.tr("Reason"))
        self.reason.setPlaceholderText(self.tr("e.g. ill, training, family matter"))
        self.save_button.setText(self.tr("Record and list the patients"))
        self._update_late()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _no_substitute_text(self) -> str:
        return self.tr("Nobody: the patients are moved or cancelled")

    def _whole_day_toggled(self, whole: bool) -> None:
        for w in (self.start, self.dash, self.end):
            w.setEnabled(not whole)

    # -- lists -----------------------------------------------------------------------------

    def _show_doctors(self, doctors: list[Any]) -> None:
        actor = self.ctx.actor
        mine_only = actor is not None and str(actor.role) == Role.DOCTOR
        # A doctor records their own absence only (the service says so too).
        self.doctors = [
            d
            for d in doctors
            if d.active and (not mine_only or (actor is not None and d.id == actor.staff_id))
        ]
        self.doctor.blockSignals(True)
        self.doctor.clear()
        for d in self.doctors:
            self.doctor.addItem(d.display_name, d.id)
        wanted = self._wanted_doctor
        if wanted is None and mine_only and actor is not None:
            wanted = actor.staff_id
        if wanted is not None:
            self.doctor.setCurrentIndex(max(0, combo_index(self.doctor, wanted)))
        self.doctor.blockSignals(False)
        self._fill_substitutes()

    def _fill_substitutes(self) -> None:
        current = self.substitute.currentData()
        away = self.doctor.currentData()
        self.substitute.clear()
        self.substitute.addItem(self._no_substitute_text(), None)
        for d in self.doctors:
            if d.id != away and d.bookable:
                self.substitute.addItem(d.display_name, d.id)
        self.substitute.setCurrentIndex(max(0, combo_index(self.substitute, current)))

    def _show_cutoff(self, cutoff: str) -> None:
        self.cutoff = cutoff
        self._update_late()

    # -- the cutoff ------------------------------------------------------------------------

    def chosen_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def is_late(self) -> bool:
        """A7: an absence should be known by the cutoff the day before (the service decides)."""
        try:
            hours, minutes = (int(p) for p in self.cutoff.split(":"))
        except ValueError:
            hours, minutes = 16, 0
        deadline = datetime.combine(
            self.chosen_day() - timedelta(days=1), time(hours, minutes), self.zone
        )
        return self.ctx.clock() >= deadline.astimezone(UTC)

    def _update_late(self) -> None:
        if self.is_late():
            self.late.show_error(
                self.tr(
                    "This is after {time} the day before, so it is recorded as late notice: "
                    "call the patients first, they have little time to rearrange."
                ).format(time=self.cutoff)
            )
        else:
            self.late.clear()
        self.late.setVisible(bool(self.late.text()))

    # -- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        doctor_id = self.doctor.currentData()
        if doctor_id is None:
            self.message.show_error(self.tr("Choose the doctor who is away."))
            return
        start_minute = end_minute = None
        if not self.whole_day.isChecked():
            s, e = self.start.time(), self.end.time()
            start_minute, end_minute = s.hour() * 60 + s.minute(), e.hour() * 60 + e.minute()
        self.busy = True
        self.buttons.setEnabled(False)
        self.message.clear()
        self.ctx.runner.start(
            absence.record_absence,
            self.ctx.clinic,
            actor,
            doctor_id,
            self.chosen_day(),
            start_minute=start_minute,
            end_minute=end_minute,
            substitute_id=self.substitute.currentData(),
            reason=self.reason.text(),
            on_success=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, written: Written[AbsenceView]) -> None:
        self.busy = False
        self.written = written
        self.ctx.broadcast(written.changes)
        parent = self.parentWidget()
        self.accept()
        # The calling list is the point of recording it: open it straight away.
        _open_worklist(self.ctx, parent, written.value.exception_id, written.value)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.message.show_error(full_error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()


# -- the worklist ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistData:
    """One load of the calling list (worker thread)."""

    items: list[AffectedView]
    exception: Any  # rosters.RosterExceptionView, or None when it cannot be found
    names: dict[uuid.UUID, str]


def load_worklist(clinic: Clinic, actor: Actor, exception_id: uuid.UUID) -> WorklistData:
    items = absence.absence_worklist(clinic, actor, exception_id)
    names = {d.id: d.display_name for d in rosters.list_doctors(clinic, actor)}
    zone = clinic.timezone()
    if items:
        first = last = items[0].appointment.starts_at.astimezone(zone).date()
    else:  # nobody affected: look the absence up from today on
        first = clinic.now().astimezone(zone).date() - timedelta(days=31)
        last = first + timedelta(days=rosters.MAX_RANGE_DAYS - 1)
    found = [
        e
        for e in rosters.list_roster_exceptions(clinic, actor, first, last)
        if e.id == exception_id
    ]
    return WorklistData(items, found[0] if found else None, names)


class AbsenceWorklistDialog(QDialog):
    """A7: the desk's calling list for one absence, with progress and the offers to make."""

    def __init__(
        self,
        ctx: AppContext,
        exception_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        recorded: AbsenceView | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.exception_id = exception_id
        self.recorded = recorded
        self.setObjectName("absence-worklist")
        self.resize(1100, 720)
        self.data: WorklistData | None = None
        self.selected_id: uuid.UUID | None = None
        self.busy = False
        self._ticket = 0
        # A move the service wants confirmed: (contact, alternative, reasons).
        self.pending: tuple[AffectedView, Alternative, frozenset[str]] | None = None
        layout = QVBoxLayout(self)
        self.title = title_label(self)
        self.title.setObjectName("worklist-title")
        layout.addWidget(self.title)
        self.late = MessageLabel(self)
        self.late.setObjectName("worklist-late")
        layout.addWidget(self.late)
        self.progress = QLabel(self)
        self.progress.setObjectName("absence-progress")
        font = QFont(self.progress.font())
        font.setBold(True)
        self.progress.setFont(font)
        layout.addWidget(self.progress)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("absence-table")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 2)

        self.details = QGroupBox(self)
        self.details.setObjectName("absence-details")
        box = QVBoxLayout(self.details)
        self.who = QLabel(self.details)
        self.who.setObjectName("worklist-patient")
        self.who.setWordWrap(True)
        self.who.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.who)
        self.offer_label = QLabel(self.details)
        box.addWidget(self.offer_label)
        self.alternatives = QGridLayout()
        box.addLayout(self.alternatives)
        self.identity = QCheckBox(self.details)
        self.identity.setObjectName("identity-checked")
        box.addWidget(self.identity)
        note_row = QHBoxLayout()
        self.note_label = QLabel(self.details)
        self.note = QLineEdit(self.details)
        self.note.setObjectName("contact-note")
        self.note.setMaxLength(absence.MAX_NOTE)
        note_row.addWidget(self.note_label)
        note_row.addWidget(self.note, 1)
        box.addLayout(note_row)
        statuses = QHBoxLayout()
        self.kept_button = self._status_button("kept")
        self.cancelled_button = self._status_button("cancelled")
        self.unreachable_button = self._status_button("unreachable")
        for b in (self.kept_button, self.cancelled_button, self.unreachable_button):
            statuses.addWidget(b)
        statuses.addStretch(1)
        box.addLayout(statuses)
        self.done_hint = hint_label(self.details)
        self.done_hint.setWordWrap(True)
        box.addWidget(self.done_hint)
        layout.addWidget(self.details)

        self.message = MessageLabel(self)
        self.message.setObjectName("worklist-message")
        layout.addWidget(self.message)
        confirm_row = QHBoxLayout()
        self.override = QLineEdit(self)
        self.override.setObjectName("override-reason")
        self.override.setMaxLength(500)
        self.confirm_button = QPushButton(self)
        self.confirm_button.setObjectName("confirm-move")
        self.confirm_button.clicked.connect(self._confirm_pending)
        confirm_row.addWidget(self.override, 1)
        confirm_row.addWidget(self.confirm_button)
        layout.addLayout(confirm_row)
        self._hide_pending()
        self.candidates = CandidatesBox(ctx, self)
        self.candidates.hide()
        layout.addWidget(self.candidates, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("close")
        self.close_button.clicked.connect(self.accept)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    def _status_button(self, status: str) -> QPushButton:
        button = QPushButton(self.details)
        button.setObjectName(f"status:{status}")
        button.clicked.connect(lambda _c=False, s=status: self.resolve_selected(s))
        return button

    # -- text ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Patients to contact"))
        self.table.set_headers(
            [
                self.tr("Time"),
                self.tr("Patient"),
                self.tr("Phone"),
                self.tr("Status"),
                self.tr("Note"),
            ]
        )
        self.details.setTitle(self.tr("Selected patient"))
        self.offer_label.setText(self.tr("Offer the patient (moves the booking):"))
        self.identity.setText(self.tr("I checked the patient's identity (real-name booking)"))
        self.note_label.setText(self.tr("Note"))
        self.note.setPlaceholderText(
            self.tr("What was said, e.g. will come next week; call back after 18:00")
        )
        self.kept_button.setText(self.tr("Reached — keeps with substitute"))
        self.cancelled_button.setText(self.tr("Cancelled"))
        self.cancelled_button.setToolTip(self.tr("The patient cancels; the note is the reason"))
        self.unreachable_button.setText(self.tr("Could not reach"))
        self.confirm_button.setText(self.tr("Move anyway"))
        self.override.setPlaceholderText(self.tr("Reason for moving after the cutoff"))
        self.close_button.setText(self.tr("Close"))
        self._show_header()
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def status_text(self, status: str) -> str:
        return {
            "to_contact": self.tr("To contact"),
            "contacted": self.tr("Contacted"),
            "moved": self.tr("Moved"),
            "cancelled": self.tr("Cancelled"),
            "unreachable": self.tr("Could not reach"),
            "kept": self.tr("Keeps with substitute"),
        }.get(status, status)

    def _substitute_id(self) -> uuid.UUID | None:
        if self.data is not None and self.data.exception is not None:
            return self.data.exception.substitute_id
        return self.recorded.substitute_id if self.recorded is not None else None

    def _show_header(self) -> None:
        data = self.data
        exc = data.exception if data is not None else None
        source = exc or self.recorded
        if source is None:
            self.title.setText(self.tr("Doctor's absence"))
            self.late.clear()
            self.late.hide()
            return
        doctor_id = exc.staff_id if exc is not None else self.recorded.doctor_id  # type: ignore[union-attr]
        names = data.names if data is not None else {}
        if source.start_minute is None or source.end_minute is None:
            span = self.tr("the whole day")
        else:
            span = f"{_clock_text(source.start_minute)}–{_clock_text(source.end_minute)}"
        doctor = names.get(doctor_id, "")
        if source.substitute_id is not None:
            self.title.setText(
                self.tr("{doctor} is away on {day} ({span}); {substitute} stands in").format(
                    doctor=doctor,
                    day=source.day.isoformat(),
                    span=span,
                    substitute=names.get(source.substitute_id, ""),
                )
            )
        else:
            self.title.setText(
                self.tr("{doctor} is away on {day} ({span})").format(
                    doctor=doctor, day=source.day.isoformat(), span=span
                )
            )
        if source.late:
            self.late.show_error(
                self.tr("Late notice: recorded after the cutoff the day before. Call first.")
            )
        else:
            self.late.clear()
        self.late.setVisible(bool(self.late.text()))

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(data: WorklistData) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(data)

        self.ctx.runner.start(
            load_worklist,
            self.ctx.clinic,
            actor,
            self.exception_id,
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _show(self, data: WorklistData) -> None:
        self.data = data
        self._show_header()
        self._fill()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.APPOINTMENTS) or changes.touches(Topic.ROSTERS):
            self.reload()

    def progress_text(self) -> str:
        items = self.data.items if self.data is not None else []
        done = sum(1 for i in items if i.status not in ("to_contact", "unreachable"))
        missed = sum(1 for i in items if i.status == "unreachable")
        text = self.tr("{done} of {total} contacted").format(done=done, total=len(items))
        if missed:
            text += " · " + self.tr("%n could not be reached", "", missed)
        return text

    def _fill(self) -> None:
        if self.data is None:
            self.progress.setText(self.tr("Loading…"))
            self._selection_changed()
            return
        items = self.data.items
        self.progress.setText(
            self.progress_text() if items else self.tr("No booked patient is affected.")
        )
        rows = [
            (
                i.contact_id,
                [
                    local(self.ctx, i.appointment.starts_at),
                    i.patient_name,
                    phone_text(self.ctx, i.patient_phone),
                    self.status_text(i.status),
                    i.note,
                ],
            )
            for i in items
        ]
        open_rows = [r for r, i in enumerate(items) if i.status not in absence.FINAL_STATUSES]
        self.table.blockSignals(True)
        self.table.set_rows(rows, red=[r for r, i in enumerate(items) if i.status == "to_contact"])
        target = next((r for r, i in enumerate(items) if i.contact_id == self.selected_id), None)
        if target is None and items:
            # Start on the first patient still to call.
            target = next((r for r in open_rows if items[r].status == "to_contact"), 0)
        if target is not None:
            self.table.selectRow(target)
        self.table.blockSignals(False)
        self._selection_changed()

    def _current(self) -> AffectedView | None:
        chosen = self.table.current_id()
        items = self.data.items if self.data is not None else []
        return next((i for i in items if i.contact_id == chosen), None)

    def _clear_alternatives(self) -> None:
        while self.alternatives.count():
            taken = self.alternatives.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.hide()  # gone now, deleted when control returns to the loop
                widget.deleteLater()

    def alternative_text(self, alt: Alternative) -> str:
        if alt.kind == "substitute":
            return self.tr("Same time with {doctor} (substitute)").format(doctor=alt.doctor_name)
        if alt.kind == "same_doctor":
            return self.tr("{time} with {doctor}").format(
                time=local(self.ctx, alt.starts_at), doctor=alt.doctor_name
            )
        return self.tr("Same time with {doctor}").format(doctor=alt.doctor_name)

    def _selection_changed(self) -> None:
        item = self._current()
        if item is not None and item.contact_id != self.selected_id:
            # Identity is checked per patient: a new patient starts unchecked (A2).
            self.identity.setChecked(False)
            self.note.setText(item.note)
            self._hide_pending()
        self.selected_id = item.contact_id if item is not None else self.selected_id
        self._clear_alternatives()
        may = self.ctx.may(Action.APPOINTMENT_MANAGE)
        self.details.setVisible(item is not None)
        if item is None:
            return
        v = item.appointment
        self.who.setText(
            self.tr("{patient} · {phone} · {time} with {doctor} · {status}").format(
                patient=item.patient_name,
                phone=phone_text(self.ctx, item.patient_phone),
                time=local(self.ctx, v.starts_at),
                doctor=v.doctor_name,
                status=self.status_text(item.status),
            )
        )
        final = item.status in absence.FINAL_STATUSES
        for i, alt in enumerate(item.alternatives if may else ()):
            button = QPushButton(self.alternative_text(alt), self.details)
            button.setObjectName(f"alternative:{alt.kind}")
            button.clicked.connect(lambda _c=False, a=alt: self.move_to(a))
            self.alternatives.addWidget(button, i // ALTERNATIVES_PER_ROW, i % ALTERNATIVES_PER_ROW)
            button.show()
        self.offer_label.setVisible(may and not final)
        if may and not final and not item.alternatives:
            self.offer_label.setText(
                self.tr("No free time to offer right now: keep, cancel, or book on the calendar.")
            )
        else:
            self.offer_label.setText(self.tr("Offer the patient (moves the booking):"))
        for w in (self.identity, self.note_label, self.note, self.cancelled_button):
            w.setVisible(may and not final)
        self.unreachable_button.setVisible(may and not final)
        self.kept_button.setVisible(may and not final and self._substitute_id() is not None)
        if not may:
            self.done_hint.setText(
                self.tr("The front desk calls the patients and moves or cancels the bookings.")
            )
        elif final:
            self.done_hint.setText(
                self.tr(
                    "Done: the appointment was {status}. Change it on the calendar if needed."
                ).format(status=self.status_text(item.status).lower())
            )
        else:
            self.done_hint.clear()
        self.done_hint.setVisible(bool(self.done_hint.text()))

    # -- resolving -------------------------------------------------------------------------

    def move_to(
        self, alt: Alternative, confirm: frozenset[str] = frozenset(), override: str = ""
    ) -> None:
        item = self._current()
        if item is None:
            return
        self._resolve(
            item,
            "moved",
            new_starts_at=alt.starts_at,
            new_doctor_id=alt.doctor_id,
            confirm=confirm,
            override_reason=override,
            alternative=alt,
        )

    def resolve_selected(self, status: str) -> None:
        item = self._current()
        if item is not None:
            self._resolve(item, status)

    def _resolve(
        self,
        item: AffectedView,
        status: str,
        *,
        alternative: Alternative | None = None,
        **kwargs: Any,
    ) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self.busy = True
        self.details.setEnabled(False)
        self.message.clear()
        self._hide_pending()

        def failed(error: BaseException) -> None:
            self.busy = False
            self.details.setEnabled(True)
            self.message.show_error(full_error_text(error))
            if isinstance(error, appointments.NeedsConfirmation) and alternative is not None:
                self.pending = (item, alternative, error.reasons)
                self.confirm_button.show()
                self.override.setVisible(appointments.AFTER_CUTOFF in error.reasons)
            elif isinstance(error, appointments.SlotTaken):
                self.reload()  # free time changed while calling: offer afresh

        self.ctx.runner.start(
            absence.resolve_contact,
            self.ctx.clinic,
            actor,
            item.contact_id,
            status=status,
            note=self.note.text(),
            identity_checked=self.identity.isChecked(),
            offered=item.alternatives,
            **kwargs,
            on_success=lambda written: self._resolved(item, written),
            on_error=failed,
            owner=self,
        )

    def _resolved(self, item: AffectedView, written: Written[absence.ContactResult]) -> None:
        self.busy = False
        self.details.setEnabled(True)
        result = written.value
        self.message.show_ok(
            self.tr("{patient}: {status}.").format(
                patient=item.patient_name, status=self.status_text(result.status)
            )
        )
        substitute = self._substitute_id()
        if result.candidates and substitute is not None:
            names = self.data.names if self.data is not None else {}
            self.candidates.show_candidates(
                substitute,
                names.get(substitute, ""),
                item.appointment.starts_at,
                item.appointment.minutes,
                list(result.candidates),
            )
        self.selected_id = None  # go on to the next patient still to call
        self.ctx.broadcast(written.changes)

    def _confirm_pending(self) -> None:
        if self.pending is None:
            return
        _item, alt, reasons = self.pending
        self.move_to(alt, confirm=reasons, override=self.override.text())

    def _hide_pending(self) -> None:
        self.pending = None
        self.confirm_button.hide()
        self.override.hide()

    def reject(self) -> None:
        if not self.busy:
            super().reject()


# -- entry points ---------------------------------------------------------------------------


def _open_worklist(
    ctx: AppContext,
    parent: QWidget | None,
    exception_id: uuid.UUID,
    recorded: AbsenceView | None = None,
) -> AbsenceWorklistDialog | None:
    if not ctx.may(Action.APPOINTMENT_VIEW):
        return None
    dialog = AbsenceWorklistDialog(ctx, exception_id, parent, recorded=recorded)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_absence_dialog(
    ctx: AppContext,
    parent: QWidget | None,
    *,
    doctor_id: uuid.UUID | None = None,
    day: date | None = None,
) -> None:
    """Record a doctor's absence or substitution; the worklist opens after saving.

    Does nothing for a role that cannot record absences (the caller should not
    offer it; ``ctx.may(Action.ABSENCE_RECORD)``)."""
    if not ctx.may(Action.ABSENCE_RECORD):
        return
    dialog = AbsenceDialog(ctx, parent, doctor_id=doctor_id, day=day)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def open_absence_worklist(ctx: AppContext, parent: QWidget | None, exception_id: uuid.UUID) -> None:
    """The calling list of one absence (A7). Does nothing for a role without appointments."""
    _open_worklist(ctx, parent, exception_id)
