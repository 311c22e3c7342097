"""A walk-in (spec B5, B7): find or register the patient, triage, queue.

The complaint category suggests the doctors (matching specialty, fewest
waiting, free now first); the best is preselected, the desk may pick another or
none (the first free doctor calls the patient). Real-name identity is ticked as
for a booking; the arrival time defaults to now.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import patient_search, patients, reception
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import full_error_text
from clinic_desk.ui.reception.common import (
    GREEN_FG,
    GREY,
    ArrivalEdit,
    PatientSearch,
    big_font,
    fit_height,
    label_of,
    queue_number_label,
)
from clinic_desk.ui.settings.common import MessageLabel


class WalkInDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.patient_name = ""
        self.suggestions: list[reception.TriageSuggestion] = []
        self.entry: reception.QueueEntryView | None = None
        self.done_number: int | None = None
        self.busy = False
        self._triage_ticket = 0
        self.setObjectName("walk-in-dialog")
        self.setMinimumWidth(720)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.setFont(font)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

        patient_box = QVBoxLayout()
        search_row = QHBoxLayout()
        self.search = PatientSearch(ctx, self, rows=4)
        self.search.sig_activated.connect(self._hit_chosen)
        search_row.addWidget(self.search, 1, Qt.AlignmentFlag.AlignTop)
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("new-patient")
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(self.new_patient)
        search_row.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignTop)
        patient_box.addLayout(search_row)
        self.chosen = QLabel(self)
        self.chosen.setObjectName("patient-chosen")
        self.chosen.setFont(big_font(self, 1.15))
        patient_box.addWidget(self.chosen)
        self.patient_row = QLabel(self)
        form.addRow(self.patient_row, patient_box)

        self.complaint = QComboBox(self)
        self.complaint.setObjectName("complaint")
        self.complaint.addItem("", "")
        for code in reception.COMPLAINTS:
            self.complaint.addItem("", code)
        self.complaint.currentIndexChanged.connect(self._complaint_chosen)
        self.complaint_row = QLabel(self)
        form.addRow(self.complaint_row, self.complaint)

        self.doctors = QTableWidget(0, 4, self)
        self.doctors.setObjectName("triage")
        self.doctors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.doctors.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.doctors.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.doctors.verticalHeader().hide()
        self.doctors.setMinimumHeight(self.fontMetrics().height() * 6)
        self.doctors.setMaximumHeight(self.fontMetrics().height() * 11)
        header = self.doctors.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.doctor_row = QLabel(self)
        form.addRow(self.doctor_row, self.doctors)
        self.triage_hint = QLabel(self)
        self.triage_hint.setStyleSheet(f"color: {GREY};")
        self.triage_hint.setWordWrap(True)
        form.addRow("", self.triage_hint)

        self.identity = QCheckBox(self)
        self.identity.setObjectName("identity-checked")
        self.identity.toggled.connect(self._identity_toggled)
        form.addRow(self.identity)
        self.arrived = ArrivalEdit(ctx, self)
        self.arrived_label = QLabel(self)
        form.addRow(self.arrived_label, self.arrived)

        layout.addStretch(1)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.number = queue_number_label(self)
        layout.addWidget(self.number)
        self.buttons = QDialogButtonBox(self)
        self.queue_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.queue_button.setObjectName("queue")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.queue_button.clicked.connect(self.queue)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.new_button.setVisible(ctx.may(Action.PATIENT_REGISTER))
        self.retranslate()
        if patient_id is not None:
            self._load_patient(patient_id)
            self.complaint.setFocus()
        else:
            self.search.line.setFocus()
        self.load_triage()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Walk-in"))
        self.patient_row.setText(self.tr("Patient"))
        self.search.line.setPlaceholderText(
            self.tr("Name, pinyin initials, phone digits or record number")
        )
        self.new_button.setText(self.tr("New patient…"))
        self.complaint_row.setText(self.tr("Complaint"))
        self.complaint.setItemText(0, self.tr("(choose the complaint)"))
        for i in range(1, self.complaint.count()):
            self.complaint.setItemText(
                i, label_of(reception.COMPLAINTS, str(self.complaint.itemData(i)))
            )
        self.doctor_row.setText(self.tr("Doctor"))
        self.doctors.setHorizontalHeaderLabels(
            [self.tr("Doctor"), self.tr("Department"), self.tr("Waiting"), self.tr("Free now")]
        )
        self.triage_hint.setText(
            self.tr(
                "Suggested from the complaint and who is free; the best is chosen. "
                "“Any doctor”: the first free doctor calls the patient."
            )
        )
        self.identity.setText(self.tr("Identity checked (real-name): the ID matches the patient"))
        self.arrived_label.setText(self.tr("Arrived at"))
        self.queue_button.setText(self.tr("Close") if self.done_number else self.tr("Queue"))
        self._show_chosen()
        self._fill_doctors()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- the patient ------------------------------------------------------------------------

    def _show_chosen(self) -> None:
        if self.patient_id is None:
            self.chosen.setText(self.tr("No patient chosen yet: search, or register a new one."))
            self.chosen.setStyleSheet(f"color: {GREY};")
        else:
            self.chosen.setText(self.patient_name or self.tr("Loading…"))
            self.chosen.setStyleSheet(f"color: {GREEN_FG};")

    def _hit_chosen(self, hit: patient_search.PatientHit) -> None:
        from clinic_desk.core.services.registry_rules import display_name

        self.patient_id = hit.id
        self.patient_name = display_name(hit.family_name, hit.given_name)
        self.search.clear()
        self._show_chosen()
        self.message.clear()
        self.complaint.setFocus()

    def _load_patient(self, patient_id: uuid.UUID) -> None:
        actor = self.ctx.actor
        self.patient_id = patient_id
        self.patient_name = ""
        self._show_chosen()
        if actor is None:
            return
        self.ctx.runner.start(
            patients.get_patient,
            self.ctx.clinic,
            actor,
            patient_id,
            on_success=self._got_patient,
            on_error=self._failed,
            owner=self,
        )

    def _got_patient(self, details: patients.PatientDetails) -> None:
        if details.id == self.patient_id:
            self.patient_name = f"{details.full_name}  ({details.record_no})"
            self._show_chosen()

    def new_patient(self) -> QDialog | None:
        from clinic_desk.ui.patients.form import PatientFormDialog

        if not self.ctx.may(Action.PATIENT_REGISTER):
            return None
        dialog = PatientFormDialog(self.ctx, self, initial_name=self.search.line.text())
        dialog.sig_open_patient.connect(self._load_patient)
        dialog.open()
        return dialog

    # -- triage -----------------------------------------------------------------------------

    def complaint_code(self) -> str:
        return str(self.complaint.currentData() or "")

    def _complaint_chosen(self, _index: int) -> None:
        self.load_triage()

    def load_triage(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._triage_ticket += 1
        ticket = self._triage_ticket

        def show(suggestions: list[reception.TriageSuggestion]) -> None:
            if ticket == self._triage_ticket:
                self.suggestions = list(suggestions)
                self._fill_doctors(keep=False)

        self.ctx.runner.start(
            reception.suggest_triage,
            self.ctx.clinic,
            actor,
            # No complaint yet: the general practitioners and whoever is free first.
            self.complaint_code() or "other",
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _fill_doctors(self, *, keep: bool = True) -> None:
        chosen = self.doctor_choice()
        was_any = 0 < self.doctors.rowCount() == self.doctors.currentRow() + 1
        rows: list[tuple[Any, list[str]]] = [
            (
                s,
                [
                    s.doctor_name,
                    s.department,
                    str(s.waiting),
                    self.tr("Free now") if s.free_now else self.tr("Busy"),
                ],
            )
            for s in self.suggestions
        ]
        rows.append((None, [self.tr("Any doctor"), "", "", ""]))
        self.doctors.setRowCount(len(rows))
        target = len(rows) - 1 if was_any else 0
        for r, (suggestion, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, suggestion)
                if c == 3 and suggestion is not None and suggestion.free_now:
                    item.setForeground(Qt.GlobalColor.darkGreen)
                self.doctors.setItem(r, c, item)
            if suggestion is not None and chosen is not None and suggestion.doctor_id == chosen:
                target = r
        self.doctors.selectRow(target if keep else 0)  # new suggestions: the best one

    def chosen_suggestion(self) -> reception.TriageSuggestion | None:
        row = self.doctors.currentRow()
        item = self.doctors.item(row, 0) if row >= 0 else None
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, reception.TriageSuggestion) else None

    def doctor_choice(self) -> uuid.UUID | None:
        chosen = self.chosen_suggestion()
        return chosen.doctor_id if chosen is not None else None

    # -- queueing ---------------------------------------------------------------------------

    def _identity_toggled(self, checked: bool) -> None:
        if checked and self.message.is_error:
            self.message.clear()

    def queue(self) -> None:
        if self.done_number is not None:
            self.accept()
            return
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        if self.patient_id is None:
            self.message.show_error(
                self.tr("Choose the patient first: search, or register a new patient.")
            )
            self.search.line.setFocus()
            return
        if not self.identity.isChecked():
            self.message.show_error(
                self.tr("Check the patient's identity first (real-name), then tick the box.")
            )
            self.identity.setFocus()
            return
        suggestion = self.chosen_suggestion()
        self.busy = True
        self.buttons.setEnabled(False)
        self.ctx.runner.start(
            reception.walk_in,
            self.ctx.clinic,
            actor,
            self.patient_id,
            doctor_id=suggestion.doctor_id if suggestion is not None else None,
            department=suggestion.department if suggestion is not None else "",
            complaint=self.complaint_code(),
            identity_checked=True,
            arrived_at=self.arrived.moment(),
            on_success=self._queued,
            on_error=self._failed,
            owner=self,
        )

    def _queued(self, written: Any) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.entry = written.value
        self.ctx.broadcast(written.changes)
        suggestion = self.chosen_suggestion()
        number = written.value.queue_no
        if suggestion is not None:
            text = self.tr("Queued. Please take a seat; {doctor} will call number {no}.").format(
                doctor=suggestion.doctor_name, no=number
            )
        else:
            text = self.tr("Queued. Please take a seat; the doctor will call number {no}.").format(
                no=number
            )
        self._finish(number, text)

    def _finish(self, number: int, text: str, *, ok: bool = True) -> None:
        self.done_number = number
        self.number.setText(self.tr("No. {no}").format(no=number))
        self.number.show()
        if ok:
            self.message.show_ok(text)
        else:
            self.message.show_info(text)
        for widget in (self.search, self.new_button, self.complaint, self.doctors):
            widget.setEnabled(False)
        self.identity.setEnabled(False)
        self.arrived.setEnabled(False)
        self.cancel_button.hide()
        self.queue_button.setText(self.tr("Close"))
        self.queue_button.setEnabled(True)
        self.queue_button.setDefault(True)
        self.queue_button.setFocus()
        fit_height(self)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        if isinstance(error, reception.AlreadyCheckedIn):
            self._finish(
                error.queue_no,
                self.tr("Already in today's queue: number {no}.").format(no=error.queue_no),
                ok=False,
            )
            return
        self.message.show_error(full_error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if focus is self.search.line or isinstance(focus, QListWidget):
                event.accept()  # the search picks the patient; it does not queue
                return
            if isinstance(focus, QPushButton) and focus is not self.queue_button:
                focus.click()
            else:
                self.queue()
            event.accept()
            return
        super().keyPressEvent(event)
