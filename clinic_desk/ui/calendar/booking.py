"""Booking an appointment, and one appointment's details (spec A1, A2, A4, A5, A6).

The dialog finds the patient as the search does, suggests slots for a
returning patient (usual doctor, usual time of day) and shows the
first-visit information for a new one; the booking service decides. A taken
slot is answered with who holds it and the next free times; a booking that
needs confirming (in the past, outside hours, a closed day, the patient
busy elsewhere, after the cutoff) lists the reasons to confirm.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import appointments, patient_search, patients, rosters
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import full_error_text, local, tr_code
from clinic_desk.ui.settings.common import MessageLabel


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
        info_box.addWidget(self.copy_info, 0, Qt.AlignmentFlag.AlignLeft)
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
        self.next_free = QHBoxLayout()
        layout.addLayout(self.next_free)
        self.reasons_box = QVBoxLayout()
        layout.addLayout(self.reasons_box)
        self.override = QLineEdit(self)
        self.override.setObjectName("override-reason")
        self.override.setMaxLength(500)
        self.override.hide()
        layout.addWidget(self.override)
        self.buttons = QDialogButtonBox(self)
        self.book_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setObjectName("book")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.book_button.clicked.connect(self.book)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
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
            self.doctor.setCurrentIndex(max(0, self.doctor.findData(doctor_id)))
        self.retranslate()
        actor = ctx.actor
        if actor is not None:
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
        self.override.setPlaceholderText(self.tr("Reason for booking after the cutoff"))
        self.book_button.setText(self.tr("Book"))

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
            item = QListWidgetItem(f"{h.record_no}  {h.family_name}{h.given_name}  {born}")
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
            widget = self.suggestions.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if first:
            self.info.setText(self.tr("First visit — tell the patient:") + "\n" + info)
            self.copy_info.show()
            return
        self.copy_info.hide()
        self.info.setText(self.tr("Returning patient: suggested times with the usual doctor"))
        for doctor_id, moment in getattr(suggestion, "slots", [])[:5]:
            button = QPushButton(local(self.ctx, moment), self)
            button.clicked.connect(lambda _c=False, d=doctor_id, m=moment: self._use_slot(d, m))
            self.suggestions.addWidget(button)

    def _use_slot(self, doctor_id: uuid.UUID, moment: datetime) -> None:
        local_moment = moment.astimezone(self.zone)
        self.doctor.setCurrentIndex(max(0, self.doctor.findData(doctor_id)))
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
            self.doctor.setCurrentIndex(max(0, self.doctor.findData(current)))

    def _type_chosen(self, _index: int) -> None:
        chosen = self.type.currentData()
        if chosen is not None:
            self.minutes.setValue(int(chosen.default_minutes))

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
            on_success=self._booked,
            on_error=self._failed,
            owner=self,
        )

    def _booked(self, written: Any) -> None:
        self.busy = False
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.message.show_error(full_error_text(error))
        while self.next_free.count():
            widget = self.next_free.takeAt(0).widget()
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
                if code not in self.reason_boxes:
                    box = QCheckBox(self._reason_text(code), self)
                    box.setObjectName(f"confirm:{code}")
                    self.reason_boxes[code] = box
                    self.reasons_box.addWidget(box)
            self.override.setVisible("after_cutoff" in error.reasons)

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
        }.get(code, code)

    def reject(self) -> None:
        if not self.busy:
            super().reject()


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
        self.setObjectName("appointment-dialog")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.confirm_button = QPushButton(self)
        self.confirm_button.setObjectName("confirm")
        self.confirm_button.clicked.connect(self._confirm)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancel-appointment")
        self.cancel_button.clicked.connect(self._cancel)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.accept)
        for b in (self.confirm_button, self.cancel_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("cancel-reason")
        self.reason.setMaxLength(500)
        layout.addWidget(self.reason)
        self.retranslate()

    def retranslate(self) -> None:
        v = self.view
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
        self.reason.setVisible(may and active)
        self.reason.setPlaceholderText(self.tr("Why it is cancelled (needed to cancel)"))
        self.close_button.setText(self.tr("Close"))

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

    def _cancel(self) -> None:
        self._run(appointments.cancel, self.view.id, reason=self.reason.text())
