"""The patient file's "Follow-ups" tab (spec E1-E5): this patient's tasks and calls.

For those who work the list: every task (open, done, closed with its reason)
and every call, and "Add a follow-up…". For those who edit the registry:
"Record death…" and "Calls and messages…" (the opt-outs), each confirmed
with a sentence saying what it will close, since neither can be undone from
here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import followups, patients
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import (
    AddFollowupDialog,
    TaskDialog,
    caller_text,
    channel_label,
    close_reason_label,
    code_label,
    kind_label,
    outcome_label,
    status_label,
    what_text,
)
from clinic_desk.ui.patients.common import ReadOnlyTable, full_error_text, local
from clinic_desk.ui.settings.common import MessageLabel, hint_label


@dataclass(frozen=True)
class PatientFollowups:
    tasks: list[followups.TaskView]
    calls: list[followups.CallView]
    name: str
    deceased_on: date | None
    opt_out_calls: bool
    opt_out_messages: bool


def load_patient_followups(clinic: Clinic, actor: Actor, patient_id: uuid.UUID) -> PatientFollowups:
    details = patients.get_patient(clinic, actor, patient_id)
    works = actor.is_system or allowed(actor.role, Action.FOLLOWUP_WORK)
    return PatientFollowups(
        tasks=followups.patient_tasks(clinic, actor, patient_id) if works else [],
        calls=followups.patient_calls(clinic, actor, patient_id) if works else [],
        name=details.full_name,
        deceased_on=details.deceased_on,
        opt_out_calls=details.opt_out_calls,
        opt_out_messages=details.opt_out_messages,
    )


def queued_messages(clinic: Clinic, actor: Actor, patient_id: uuid.UUID) -> int:
    """How many messages wait to go to the patient (what a death or opt-out cancels)."""
    try:
        from clinic_desk.core.services import outbox
    except ImportError:
        return 0
    if not (actor.is_system or allowed(actor.role, Action.FOLLOWUP_WORK)):
        return 0
    return len(outbox.list_messages(clinic, actor, states=("queued",), patient_id=patient_id))


class PatientFollowupsTab(QWidget):
    """Tasks above, calls below; the registry actions on the right of the button row."""

    def __init__(
        self, ctx: AppContext, patient_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.patient_id = patient_id
        self.setObjectName("patient-followups")
        self.data: PatientFollowups | None = None
        self.queued = 0
        self.loads = 0
        self._ticket = 0
        works = ctx.may(Action.FOLLOWUP_WORK)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("patient-add-followup")
        self.add_button.clicked.connect(self.add_followup)
        self.add_button.setVisible(works)
        row.addWidget(self.add_button)
        self.state = QLabel(self)
        self.state.setObjectName("patient-contact-state")
        self.state.setStyleSheet("color: #b00020; font-weight: bold;")
        row.addWidget(self.state, 1)
        self.death_button = QPushButton(self)
        self.death_button.setObjectName("patient-record-death")
        self.death_button.clicked.connect(self.record_death)
        self.optout_button = QPushButton(self)
        self.optout_button.setObjectName("patient-opt-outs")
        self.optout_button.clicked.connect(self.opt_outs)
        for b in (self.death_button, self.optout_button):
            b.setVisible(ctx.may(Action.PATIENT_EDIT))
            row.addWidget(b)
        layout.addLayout(row)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.tasks_title = QLabel(self)
        self.tasks = ReadOnlyTable(split)
        self.tasks.setObjectName("patient-tasks")
        self.calls_title = QLabel(self)
        self.calls = ReadOnlyTable(split)
        self.calls.setObjectName("patient-calls")
        for title, table in ((self.tasks_title, self.tasks), (self.calls_title, self.calls)):
            part = QWidget(split)
            col = QVBoxLayout(part)
            col.setContentsMargins(0, 0, 0, 0)
            title.setStyleSheet("font-weight: bold;")
            col.addWidget(title)
            col.addWidget(table, 1)
            split.addWidget(part)
        split.setVisible(works)
        layout.addWidget(split, 1)
        self.not_shown = hint_label(self)
        self.not_shown.setVisible(not works)
        layout.addWidget(self.not_shown)
        layout.addStretch(0 if works else 1)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()

    def title(self) -> str:
        return self.tr("Follow-ups")

    def retranslate(self) -> None:
        self.add_button.setText(self.tr("Add a follow-up…"))
        self.death_button.setText(self.tr("Record death…"))
        self.optout_button.setText(self.tr("Calls and messages…"))
        self.optout_button.setToolTip(
            self.tr("Whether the patient agrees to follow-up calls and to messages")
        )
        self.tasks_title.setText(self.tr("Calls and messages to make"))
        self.calls_title.setText(self.tr("Calls made"))
        self.not_shown.setText(self.tr("Follow-up calls are listed for the staff who make them."))
        self.tasks.set_headers(
            [
                self.tr("Due"),
                self.tr("Kind"),
                self.tr("What"),
                self.tr("Channel"),
                self.tr("Caller"),
                self.tr("Status"),
                self.tr("Attempts"),
            ]
        )
        self.calls.set_headers(
            [
                self.tr("Called"),
                self.tr("By"),
                self.tr("Channel"),
                self.tr("Outcome"),
                self.tr("Notes"),
                self.tr("Spot check"),
            ]
        )
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(data: PatientFollowups) -> None:
            if ticket == self._ticket:
                self.data = data
                self.loads += 1
                self._fill()

        self.ctx.runner.start(
            load_patient_followups,
            self.ctx.clinic,
            actor,
            self.patient_id,
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _on_changes(self, changes: Changes) -> None:
        mine = self.patient_id in changes.ids
        if mine and (changes.touches(Topic.FOLLOWUPS) or changes.touches(Topic.PATIENTS)):
            self.reload()

    def _fill(self) -> None:
        data = self.data
        if data is None:
            return
        state = []
        if data.deceased_on is not None:
            state.append(self.tr("Died {day}").format(day=data.deceased_on.isoformat()))
        if data.opt_out_calls:
            state.append(self.tr("No calls"))
        if data.opt_out_messages:
            state.append(self.tr("No messages"))
        self.state.setText(" · ".join(state))
        self.death_button.setEnabled(data.deceased_on is None)
        self.add_button.setEnabled(data.deceased_on is None)
        today = self.ctx.clinic.today()
        self.tasks.set_rows(
            [
                (
                    t.id,
                    [
                        f"{t.due_from.isoformat()} – {t.due_by.isoformat()}",
                        kind_label(t.kind),
                        what_text(self.ctx, t),
                        channel_label(t.channel),
                        caller_text(t),
                        status_label(t.status)
                        + (f" ({close_reason_label(t.close_reason)})" if t.close_reason else ""),
                        str(t.attempts) if t.attempts else "",
                    ],
                )
                for t in data.tasks
            ],
            red=[i for i, t in enumerate(data.tasks) if t.status == "open" and t.due_by < today],
        )
        self.calls.set_rows(
            [
                (
                    c.id,
                    [
                        local(self.ctx, c.called_at),
                        c.caller_name,
                        channel_label(c.channel),
                        outcome_label(c.outcome),
                        c.notes,
                        code_label(followups.RATING_LABELS, c.check_rating),
                    ],
                )
                for c in data.calls
            ]
        )

    # -- actions ---------------------------------------------------------------------------

    def add_followup(self) -> AddFollowupDialog:
        name = self.data.name if self.data is not None else ""
        dialog = AddFollowupDialog(self.ctx, self, patient_id=self.patient_id, patient_name=name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _open_tasks(self, channels: frozenset[str] = frozenset(followups.CHANNELS)) -> int:
        if self.data is None:
            return 0
        return sum(1 for t in self.data.tasks if t.status == "open" and t.channel in channels)

    def _then(self, make: Any) -> None:
        """Count the queued messages first: the confirmation names what will be cancelled."""
        actor = self.ctx.actor
        if actor is None:
            return

        def counted(n: int) -> None:
            self.queued = n
            make()

        self.ctx.runner.start(
            queued_messages,
            self.ctx.clinic,
            actor,
            self.patient_id,
            on_success=counted,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def record_death(self) -> None:
        self._then(self._open_death)

    def _open_death(self) -> None:
        dialog = DeathDialog(
            self.ctx,
            self.patient_id,
            self,
            tasks=self._open_tasks(),
            queued=self.queued,
            known=self.ctx.may(Action.FOLLOWUP_WORK),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def opt_outs(self) -> None:
        self._then(self._open_opt_outs)

    def _open_opt_outs(self) -> None:
        data = self.data
        dialog = OptOutDialog(
            self.ctx,
            self.patient_id,
            self,
            calls=data.opt_out_calls if data is not None else False,
            messages=data.opt_out_messages if data is not None else False,
            call_tasks=self._open_tasks(followups.CALL_CHANNELS),
            message_tasks=self._open_tasks(followups.MESSAGE_CHANNELS),
            queued=self.queued,
            known=self.ctx.may(Action.FOLLOWUP_WORK),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


def what_closes(tasks: int, queued: int, known: bool) -> str:
    """The sentence a confirmation shows: what recording this ends."""
    context = "PatientFollowupsTab"
    if not known:
        return QCoreApplication.translate(
            context, "Open follow-up calls and queued messages for this patient end too."
        )
    parts = []
    if tasks:
        parts.append(
            QCoreApplication.translate(
                context, "%n open follow-up task(s) will be closed.", "", tasks
            )
        )
    if queued:
        parts.append(
            QCoreApplication.translate(
                context, "%n queued message(s) will be cancelled.", "", queued
            )
        )
    return " ".join(parts) or QCoreApplication.translate(
        context, "Nothing is open or queued for this patient."
    )


class DeathDialog(TaskDialog):
    """The date of death: every call and message to the patient ends."""

    def __init__(
        self,
        ctx: AppContext,
        patient_id: uuid.UUID,
        parent: QWidget,
        *,
        tasks: int,
        queued: int,
        known: bool,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("patient-death-dialog")
        self.setMinimumWidth(480)
        self.patient_id = patient_id
        today = ctx.clinic.today()
        self.day = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.day.setObjectName("death-day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        self.day_row = QLabel(self)
        self.form.addRow(self.day_row, self.day)
        self.note = QLineEdit(self)
        self.note.setObjectName("death-note")
        self.note.setMaxLength(followups.MAX_NOTE)
        self.note_row = QLabel(self)
        self.form.addRow(self.note_row, self.note)
        self.finish_layout()
        self.setWindowTitle(self.tr("Record death"))
        self.intro.setText(
            self.tr("No more calls or messages go to this patient. {what}").format(
                what=what_closes(tasks, queued, known)
            )
        )
        self.day_row.setText(self.tr("Date of death"))
        self.note_row.setText(self.tr("Note (how the clinic learned of it)"))

    def save(self) -> None:
        answer = QMessageBox.question(
            self,
            self.windowTitle(),
            self.intro.text() + "\n\n" + self.tr("Record the death?"),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        d = self.day.date()
        self.run(
            patients.record_death,
            self.patient_id,
            on=date(d.year(), d.month(), d.day()),
            note=self.note.text(),
        )


class OptOutDialog(TaskDialog):
    """Whether the patient agrees to follow-up calls and to messages."""

    def __init__(
        self,
        ctx: AppContext,
        patient_id: uuid.UUID,
        parent: QWidget,
        *,
        calls: bool,
        messages: bool,
        call_tasks: int,
        message_tasks: int,
        queued: int,
        known: bool,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("patient-opt-out-dialog")
        self.setMinimumWidth(480)
        self.patient_id = patient_id
        self.before = (calls, messages)
        self.call_tasks = call_tasks
        self.message_tasks = message_tasks
        self.queued = queued
        self.known = known
        self.no_calls = QCheckBox(self)
        self.no_calls.setObjectName("opt-out-calls")
        self.no_calls.setChecked(calls)
        self.no_messages = QCheckBox(self)
        self.no_messages.setObjectName("opt-out-messages")
        self.no_messages.setChecked(messages)
        self.form.addRow("", self.no_calls)
        self.form.addRow("", self.no_messages)
        self.note = QLineEdit(self)
        self.note.setObjectName("opt-out-note")
        self.note.setMaxLength(followups.MAX_NOTE)
        self.note_row = QLabel(self)
        self.form.addRow(self.note_row, self.note)
        self.finish_layout()
        self.setWindowTitle(self.tr("Calls and messages"))
        self.intro.setText(
            self.tr(
                "What the patient agreed to. Ticking a box stops that kind of contact; "
                "unticking it later reopens nothing."
            )
        )
        self.no_calls.setText(self.tr("The patient does not want follow-up calls"))
        self.no_messages.setText(self.tr("The patient does not want messages"))
        self.note_row.setText(self.tr("Note (when and how they said so)"))

    def what_ends(self) -> list[str]:
        """What saving closes: only a box newly ticked ends anything (the service's rule)."""
        ending = []
        if self.no_calls.isChecked() and not self.before[0]:
            ending.append(
                self.tr("%n open follow-up call(s) will be closed.", "", self.call_tasks)
                if self.known
                else self.tr("Open follow-up calls will be closed.")
            )
        if self.no_messages.isChecked() and not self.before[1]:
            if self.known:
                ending.append(
                    self.tr("%n open message follow-up(s) will be closed.", "", self.message_tasks)
                )
                ending.append(self.tr("%n queued message(s) will be cancelled.", "", self.queued))
            else:
                ending.append(self.tr("Queued messages will be cancelled."))
        return ending

    def save(self) -> None:
        ending = self.what_ends()
        if ending:
            answer = QMessageBox.question(
                self, self.windowTitle(), " ".join(ending) + "\n\n" + self.tr("Save?")
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.run(
            patients.set_contact_opt_out,
            self.patient_id,
            calls=self.no_calls.isChecked(),
            messages=self.no_messages.isChecked(),
            note=self.note.text(),
        )
