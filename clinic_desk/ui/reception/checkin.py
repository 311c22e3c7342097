"""The check-in panel (spec B1-B3): greet, verify, confirm safety, measure, queue.

The greeting with the honorific is shown large: it is the line the receptionist
says. Identity (real-name) must be ticked; allergies and current medication are
read to the patient and confirmed, changes go to the patient file; vital signs
are checked for plausibility before anything is written, and an unusual
reading is asked about as in the patient file. Enter checks in; the queue
number then appears large and Enter closes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.rules import vitals as vital_rules
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import appointments, reception
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.patients.common import full_error_text
from clinic_desk.ui.patients.file import ALLERGY_RED, VitalsBox, parse_vital_texts
from clinic_desk.ui.reception.common import (
    GREY,
    LATE_FG,
    ArrivalEdit,
    PatientFileDialog,
    badge_text,
    big_font,
    fit_height,
    ink_on,
    local_time,
    member_tag,
    member_tooltip,
    queue_number_label,
)
from clinic_desk.ui.settings.common import MessageLabel


@dataclass(frozen=True)
class CheckedIn:
    entry: reception.QueueEntryView
    changes: Changes
    vitals_recorded: bool


def check_in_with_vitals(
    clinic: Clinic,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    identity_checked: bool,
    arrived_at: datetime | None,
    safety_confirmed: bool,
    confirm: frozenset[str],
    vitals: dict[str, str],
    vitals_confirmed: frozenset[str],
) -> CheckedIn:
    """Check in with the vital signs typed, in one transaction (runs on the worker thread).

    The readings are parsed here (a typing slip stops it); the service checks them
    before it writes (an unconfirmed unusual reading stops it), and the check-in, the
    readings and the audit are one commit (nothing half-written, and
    the 20 ms of bench/bench_reception.py).
    """
    values = parse_vital_texts(vitals) if any(t.strip() for t in vitals.values()) else {}
    written = reception.check_in(
        clinic,
        actor,
        appointment_id,
        identity_checked=identity_checked,
        arrived_at=arrived_at,
        safety_confirmed=safety_confirmed,
        confirm=confirm,
        vitals=values or None,
        vitals_confirmed=vitals_confirmed,
    )
    return CheckedIn(written.value, written.changes, bool(values))


class CheckInDialog(QDialog):
    def __init__(
        self, ctx: AppContext, appointment_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.appointment_id = appointment_id
        self.view: reception.CheckInView | None = None
        self.entry: reception.QueueEntryView | None = None
        self.busy = False
        self.done_number: int | None = None
        self.confirm: frozenset[str] = frozenset()
        self.vitals_confirmed: frozenset[str] = frozenset()
        self.setObjectName("check-in-dialog")
        self.setMinimumWidth(680)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.setFont(font)
        layout = QVBoxLayout(self)

        self.greeting = QLabel(self)
        self.greeting.setObjectName("greeting")
        self.greeting.setFont(big_font(self, 1.6))
        self.greeting.setWordWrap(True)
        self.greeting.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.greeting)
        who_row = QHBoxLayout()
        # The membership badge (H2): the tier's name in its colour, before who it is.
        self.member = QLabel(self)
        self.member.setObjectName("member-badge")
        self.member.hide()
        who_row.addWidget(self.member, 0, Qt.AlignmentFlag.AlignTop)
        self.who = QLabel(self)
        self.who.setObjectName("who")
        self.who.setWordWrap(True)
        who_row.addWidget(self.who, 1)
        layout.addLayout(who_row)
        self.identity = QCheckBox(self)
        self.identity.setObjectName("identity-checked")
        self.identity.toggled.connect(self._identity_toggled)
        layout.addWidget(self.identity)
        self.identity_hint = QLabel(self)
        self.identity_hint.setStyleSheet(f"color: {GREY};")
        self.identity_hint.setWordWrap(True)
        self.identity_hint.hide()
        layout.addWidget(self.identity_hint)
        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(f"color: {LATE_FG}; font-weight: bold;")
        self.notice.hide()
        layout.addWidget(self.notice)

        self.safety = QGroupBox(self)
        safety = QVBoxLayout(self.safety)
        self.allergies = QLabel(self.safety)
        self.allergies.setObjectName("allergies")
        self.allergies.setWordWrap(True)
        self.allergies.setTextFormat(Qt.TextFormat.RichText)
        safety.addWidget(self.allergies)
        self.medications = QLabel(self.safety)
        self.medications.setObjectName("medications")
        self.medications.setWordWrap(True)
        self.medications.setTextFormat(Qt.TextFormat.RichText)
        safety.addWidget(self.medications)
        row = QHBoxLayout()
        self.safety_confirmed = QCheckBox(self.safety)
        self.safety_confirmed.setObjectName("safety-confirmed")
        row.addWidget(self.safety_confirmed)
        row.addStretch(1)
        self.change_button = QPushButton(self.safety)
        self.change_button.setObjectName("change-safety")
        self.change_button.setAutoDefault(False)
        self.change_button.clicked.connect(self.open_file)
        row.addWidget(self.change_button)
        safety.addLayout(row)
        layout.addWidget(self.safety)

        self.vitals_group = QGroupBox(self)
        vitals = QVBoxLayout(self.vitals_group)
        self.vitals = VitalsBox(self.vitals_group)
        vitals.addWidget(self.vitals)
        self.vitals_group.setVisible(ctx.may(Action.VITALS_RECORD))
        layout.addWidget(self.vitals_group)

        form = QFormLayout()
        self.arrived = ArrivalEdit(ctx, self)
        self.arrived_label = QLabel(self)
        form.addRow(self.arrived_label, self.arrived)
        layout.addLayout(form)

        layout.addStretch(1)  # spare height below the form, not between its lines
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.number = queue_number_label(self)
        layout.addWidget(self.number)
        self.buttons = QDialogButtonBox(self)
        self.check_in_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.check_in_button.setObjectName("do-check-in")
        self.check_in_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.check_in_button.clicked.connect(self.check_in)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

        # Keyboard order: identity, safety, the readings, arrival, then the button.
        chain: list[QWidget] = [self.identity, self.safety_confirmed, self.change_button]
        if ctx.may(Action.VITALS_RECORD):
            chain += list(self.vitals.edits.values())
        chain += [self.arrived, self.check_in_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.identity.setFocus()
        self.load()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Check in"))
        self.identity.setText(
            self.tr("Identity checked (real-name): the ID or the patient's card matches")
        )
        self.safety.setTitle(self.tr("Allergies and current medication (ask the patient)"))
        self.safety_confirmed.setText(self.tr("Confirmed with the patient"))
        self.change_button.setText(self.tr("Change…"))
        self.change_button.setToolTip(
            self.tr("Open the patient file: allergies, medicines, the ID document")
        )
        self.vitals_group.setTitle(self.tr("Vital signs (leave empty what was not measured)"))
        self.vitals.retranslate()
        self.arrived_label.setText(self.tr("Arrived at"))
        self.arrived.setToolTip(
            self.tr("When the patient came to the counter; change it if they had to wait")
        )
        if self.done_number is None:
            self.check_in_button.setText(self.tr("Check in"))
        else:
            self.check_in_button.setText(self.tr("Close"))
        self._show_view()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading --------------------------------------------------------------------------

    def load(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            reception.check_in_view,
            self.ctx.clinic,
            actor,
            self.appointment_id,
            language=str(self.ctx.clinic.setting("clinic.language")),
            badge_language=ui_language(),
            on_success=self._got_view,
            on_error=self._failed,
            owner=self,
        )

    def _got_view(self, view: reception.CheckInView) -> None:
        self.view = view
        self._show_view()
        fit_height(self)

    def _show_view(self) -> None:
        v = self.view
        if v is None:
            self.greeting.setText(self.tr("Loading…"))
            return
        self.greeting.setText(v.greeting)
        parts = [v.patient_name]
        if v.doctor_name:
            parts.append(v.doctor_name)
        if v.booked_for is not None:
            zone = self.ctx.clinic.timezone()
            today = self.ctx.clock().astimezone(zone).date()
            booked = v.booked_for.astimezone(zone)
            when = local_time(self.ctx, v.booked_for)
            if booked.date() != today:
                when = f"{booked:%Y-%m-%d} {when}"
            parts.append(self.tr("booked for {time}").format(time=when))
        needs = "、".join(badge_text(code) for code in v.needs)
        if needs:
            parts.append(f"【{needs}】")
        self.who.setText("  ·  ".join(parts))
        self._show_member(v)
        self.identity_hint.setText(
            self.tr(
                "No ID document is on file yet: ask for it and add it with Change… "
                "(real-name registration)."
            )
        )
        self.identity_hint.setVisible(not v.identity_on_file)
        notices = []
        if v.queue_no is not None and self.done_number is None:
            notices.append(
                self.tr("Already in today's queue with number {no}.").format(no=v.queue_no)
            )
        if v.other_day:
            notices.append(self.tr("This appointment is not for today."))
        self.notice.setText(" ".join(notices))
        self.notice.setVisible(bool(notices))
        # A receptionist may not read the lists: they are empty because unread.
        self.safety_confirmed.setVisible(v.safety_visible)
        if not v.safety_visible:
            self.allergies.setText(
                _esc(
                    self.tr(
                        "Ask the patient about allergies and medicines taken recently; "
                        "the nurse or the doctor checks them against the file."
                    )
                )
            )
            self.medications.clear()
            self.medications.hide()
            return
        self.medications.show()
        if v.allergies:
            items = "；".join(_esc(a) for a in v.allergies)
            self.allergies.setText(
                f"<span style='color:{ALLERGY_RED}; font-weight:bold'>"
                + _esc(self.tr("Allergies:"))
                + f"</span> {items}"
            )
        else:
            self.allergies.setText(_esc(self.tr("Allergies: none recorded. Ask the patient.")))
        if v.medications:
            self.medications.setText(
                "<b>"
                + _esc(self.tr("Current medication:"))
                + "</b> "
                + "；".join(_esc(m) for m in v.medications)
            )
        else:
            self.medications.setText(
                _esc(self.tr("Current medication: none recorded. Ask the patient."))
            )

    def _show_member(self, v: reception.CheckInView) -> None:
        tag = member_tag(v.member)
        self.member.setVisible(tag is not None)
        if tag is None:
            self.member.clear()
            return
        label, color = tag
        self.member.setText(label)
        self.member.setToolTip(member_tooltip(v.member))
        self.member.setStyleSheet(
            f"background: {color}; color: {ink_on(color).name()}; font-weight: bold;"
            " border-radius: 9px; padding: 2px 10px;"
        )

    def _on_changes(self, changes: Changes) -> None:
        # The file was changed from the Change… window: show the new lines.
        if (
            self.view is not None
            and self.done_number is None
            and self.view.patient_id in changes.ids
            and (changes.touches(Topic.CLINICAL) or changes.touches(Topic.PATIENTS))
        ):
            self.load()

    # -- actions ----------------------------------------------------------------------------

    def _identity_toggled(self, checked: bool) -> None:
        if checked and self.message.is_error:
            self.message.clear()  # the complaint about it is answered

    def open_file(self) -> QDialog | None:
        if self.view is None:
            return None
        dialog = PatientFileDialog(self.ctx, self.view.patient_id, self)
        dialog.open()
        return dialog

    def check_in(self) -> None:
        if self.done_number is not None:
            self.accept()
            return
        actor = self.ctx.actor
        if actor is None or self.busy or self.view is None:
            return
        if not self.identity.isChecked():
            self.message.show_error(
                self.tr(
                    "Check the patient's identity first (real-name check-in), then tick the box."
                )
            )
            self.identity.setFocus()
            return
        self.busy = True
        self.buttons.setEnabled(False)
        texts = self.vitals.texts() if self.ctx.may(Action.VITALS_RECORD) else {}
        self.ctx.runner.start(
            check_in_with_vitals,
            self.ctx.clinic,
            actor,
            self.appointment_id,
            identity_checked=True,
            arrived_at=self.arrived.moment(),
            safety_confirmed=self.safety_confirmed.isVisibleTo(self)
            and self.safety_confirmed.isChecked(),
            confirm=self.confirm,
            vitals=texts,
            vitals_confirmed=self.vitals_confirmed,
            on_success=self._checked_in,
            on_error=self._failed,
            owner=self,
        )

    def _checked_in(self, result: CheckedIn) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.entry = result.entry
        self.ctx.broadcast(result.changes)
        doctor = self.view.doctor_name if self.view is not None else ""
        number = result.entry.queue_no
        if doctor:
            text = self.tr(
                "Checked in. Please take a seat; {doctor} will call number {no}."
            ).format(doctor=doctor, no=number)
        else:
            text = self.tr(
                "Checked in. Please take a seat; the doctor will call number {no}."
            ).format(no=number)
        self._finish(number, text)

    def _finish(self, number: int, text: str) -> None:
        """The number, large; the form is done and Enter closes."""
        self.done_number = number
        self.notice.hide()
        self.number.setText(self.tr("No. {no}").format(no=number))
        self.number.show()
        self.message.show_ok(text)
        for widget in (self.identity, self.safety, self.vitals_group, self.arrived):
            widget.setEnabled(False)
        self.cancel_button.hide()
        self.check_in_button.setText(self.tr("Close"))
        self.check_in_button.setEnabled(True)
        self.check_in_button.setDefault(True)
        self.check_in_button.setFocus()
        fit_height(self)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        if isinstance(error, reception.AlreadyCheckedIn):
            self._finish(
                error.queue_no,
                self.tr("Already checked in today: queue number {no}.").format(no=error.queue_no),
            )
            self.message.show_info(self.message.text())
            return
        if isinstance(error, appointments.NeedsConfirmation):
            self._ask_other_day(error)
            return
        self.message.show_error(full_error_text(error))
        if isinstance(error, vital_rules.UnusualVitals):
            answer = QMessageBox.question(
                self,
                self.tr("Unusual readings"),
                full_error_text(error) + "\n\n" + self.tr("Record them anyway?"),
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.vitals_confirmed = self.vitals_confirmed | error.fields
                self.check_in()

    def _ask_other_day(self, error: appointments.NeedsConfirmation) -> None:
        text = " ".join(error.sentences(QCoreApplication.translate).values())
        answer = QMessageBox.question(self, self.tr("Another day's appointment"), text)
        if answer == QMessageBox.StandardButton.Yes:
            self.confirm = self.confirm | error.reasons
            self.check_in()
        else:
            self.message.show_info(
                self.tr("Not checked in. Book the patient for today, or queue them as a walk-in.")
            )

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def keyPressEvent(self, event: Any) -> None:
        # Enter anywhere (a tick box has focus) checks in, or closes once done.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if isinstance(focus, QPushButton) and focus is not self.check_in_button:
                focus.click()
            else:
                self.check_in()
            event.accept()
            return
        super().keyPressEvent(event)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
