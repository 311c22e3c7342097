"""Recording a complaint and working it through its steps (spec F1-F6, C6).

``IntakeDialog`` records one complaint: whoever receives it owns it (首接负责制).
``ComplaintDialog`` shows one complaint: its deadlines (each step's due time in
local time, done, time left or overdue in red), the step buttons enabled in the
order the loop runs (accept, contact, answer, solution, rectification, reply,
close), and the history. A closed complaint is read-only until reopened with a
reason; someone who may not read the details sees only that the complaint
exists, who owns it and how far it has come. ``EscalationNotice`` shows the
director the serious complaints escalated to them since they last looked (F5).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QEvent, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import complaints, patient_search
from clinic_desk.core.services.base import Changes, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import TaskDialog
from clinic_desk.ui.patients.common import ReadOnlyTable, combo_index, full_error_text, local
from clinic_desk.ui.quality.complaints import (
    GREY,
    RED,
    channel_label,
    complexity_label,
    due_local,
    duration_text,
    event_label,
    left_minutes,
    left_text,
    reply_channel_label,
    severity_label,
    stage_label,
    step_label,
)
from clinic_desk.ui.reception.common import PatientSearch, fit_height, hit_line
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label

GREEN = "#1b5e20"
# Channels a person records by hand: the box has its batch screen, calls their dialog.
INTAKE_CHANNELS = ("in_person", "phone", "letter", "website")
SHORT = 200
LONG = 4000


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _qdatetime(ctx: AppContext, moment: datetime) -> QDateTime:
    here = moment.astimezone(ctx.clinic.timezone())
    return QDateTime(_qdate(here.date()), QTime(here.hour, here.minute))


def _moment(ctx: AppContext, edit: QDateTimeEdit) -> datetime:
    """The local date and time typed, as an aware datetime in the clinic's zone."""
    value = edit.dateTime()
    t = value.time()
    return datetime.combine(
        _pydate(value.date()), time(t.hour(), t.minute()), ctx.clinic.timezone()
    )


def _text_edit(parent: QWidget, name: str, height: int = 80) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(height)
    return edit


def _line(parent: QWidget, name: str, limit: int = SHORT) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setMaxLength(limit)
    return edit


# -- intake ----------------------------------------------------------------------------------


class IntakeDialog(TaskDialog):
    """Record a complaint as received; the one who records it owns it (F3)."""

    #: the complaint was recorded: its id (the list opens it)
    sig_recorded = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("complaint-intake")
        self.setMinimumWidth(640)
        self.patient_id: uuid.UUID | None = None
        self.channel = QComboBox(self)
        self.channel.setObjectName("intake-channel")
        for code in INTAKE_CHANNELS:
            self.channel.addItem(channel_label(code), code)
        self.channel_row = QLabel(self)
        self.form.addRow(self.channel_row, self.channel)
        self.complainant = _line(self, "intake-complainant", 100)
        self.complainant_row = QLabel(self)
        self.form.addRow(self.complainant_row, self.complainant)
        self.contact = _line(self, "intake-contact")
        self.contact_row = QLabel(self)
        self.form.addRow(self.contact_row, self.contact)
        self.address = _line(self, "intake-address", 500)
        self.address_row = QLabel(self)
        self.form.addRow(self.address_row, self.address)
        # The patient is optional: a relative or a passer-by may complain too.
        self.search = PatientSearch(ctx, self, rows=3)
        self.search.sig_activated.connect(self._patient_chosen)
        self.patient_label = QLabel(self)
        self.patient_label.setObjectName("intake-patient")
        self.patient_clear = QPushButton(self)
        self.patient_clear.setObjectName("intake-patient-clear")
        self.patient_clear.clicked.connect(self._patient_cleared)
        self.patient_clear.hide()
        patient_box = QVBoxLayout()
        patient_box.addWidget(self.search)
        chosen = QHBoxLayout()
        chosen.addWidget(self.patient_label, 1)
        chosen.addWidget(self.patient_clear)
        patient_box.addLayout(chosen)
        self.patient_row = QLabel(self)
        self.form.addRow(self.patient_row, patient_box)
        self.department = _line(self, "intake-department", 50)
        self.department_row = QLabel(self)
        self.form.addRow(self.department_row, self.department)
        staff_box = QHBoxLayout()
        self.staff_words = _line(self, "intake-staff-words")
        self.staff_pick = QComboBox(self)
        self.staff_pick.setObjectName("intake-staff-pick")
        self.staff_pick.addItem("", None)
        self.staff_pick.currentIndexChanged.connect(self._staff_picked)
        staff_box.addWidget(self.staff_words, 1)
        staff_box.addWidget(self.staff_pick)
        self.staff_row = QLabel(self)
        self.form.addRow(self.staff_row, staff_box)
        self.severity = QComboBox(self)
        self.severity.setObjectName("intake-severity")
        for code in complaints.SEVERITIES:
            self.severity.addItem(severity_label(code), code)
        self.severity.currentIndexChanged.connect(lambda _i: self._severity_changed())
        self.severity_hint = hint_label(self)
        self.severity_hint.setWordWrap(True)
        severity_box = QVBoxLayout()
        severity_box.addWidget(self.severity)
        severity_box.addWidget(self.severity_hint)
        self.severity_row = QLabel(self)
        self.form.addRow(self.severity_row, severity_box)
        self.complexity = QComboBox(self)
        self.complexity.setObjectName("intake-complexity")
        for code in complaints.COMPLEXITIES:
            self.complexity.addItem(complexity_label(code), code)
        self.complexity_row = QLabel(self)
        self.form.addRow(self.complexity_row, self.complexity)
        self.received = QDateTimeEdit(_qdatetime(ctx, ctx.clock()), self)
        self.received.setObjectName("intake-received")
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.received_touched = False
        self.received.dateTimeChanged.connect(self._received_edited)
        self.received_row = QLabel(self)
        self.form.addRow(self.received_row, self.received)
        self.content = _text_edit(self, "intake-content", 110)
        self.content_row = QLabel(self)
        self.form.addRow(self.content_row, self.content)
        self.finish_layout()
        self.retranslate()
        self._severity_changed()
        actor = ctx.actor
        if actor is not None:
            ctx.runner.start(
                complaints.colleagues, ctx.clinic, actor, on_success=self._people, owner=self
            )
        self.complainant.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Record a complaint"))
        self.intro.setText(
            self.tr(
                "Write down what the person says, in their words. You receive it, so you own "
                "it until it is closed or handed over; its deadlines start from the time "
                "received."
            )
        )
        self.channel_row.setText(self.tr("How it came"))
        self.complainant_row.setText(self.tr("Complainant"))
        self.complainant.setPlaceholderText(self.tr("Name as given"))
        self.contact_row.setText(self.tr("Contact"))
        self.contact.setPlaceholderText(self.tr("Phone, e-mail or WeChat, as given"))
        self.address_row.setText(self.tr("Address"))
        self.patient_row.setText(self.tr("Patient (optional)"))
        self.search.line.setPlaceholderText(self.tr("Find the patient: name, phone digits…"))
        self.patient_clear.setText(self.tr("Not a patient"))
        self.department_row.setText(self.tr("Department"))
        self.staff_row.setText(self.tr("Staff concerned"))
        self.staff_words.setPlaceholderText(self.tr("As the complainant put it"))
        self.staff_pick.setItemText(0, self.tr("(not one of our staff by name)"))
        self.severity_row.setText(self.tr("Severity"))
        self.complexity_row.setText(self.tr("Complexity"))
        self.complexity.setToolTip(
            self.tr("A complex dispute has 20 days for the answer instead of one")
        )
        self.received_row.setText(self.tr("Received at"))
        self.received.setToolTip(
            self.tr("Now, or earlier for a letter that arrived before it was opened")
        )
        self.content_row.setText(self.tr("The complaint"))
        self._severity_changed()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _severity_changed(self) -> None:
        if self.severity.currentData() == "serious":
            self.severity_hint.setText(
                self.tr("A serious complaint goes to the director at once, when you save it.")
            )
            self.severity_hint.setStyleSheet(f"color: {RED};")
        else:
            self.severity_hint.setText(
                self.tr("Serious: harm to a patient, a safety risk or a threat to go public.")
            )
            self.severity_hint.setStyleSheet(f"color: {GREY};")

    def _received_edited(self, _value: QDateTime) -> None:
        self.received_touched = True

    def _people(self, people: Sequence[tuple[uuid.UUID, str]]) -> None:
        for staff_id, name in people:
            self.staff_pick.addItem(name, staff_id)

    def _staff_picked(self, _index: int) -> None:
        if self.staff_pick.currentData() is not None and not self.staff_words.text().strip():
            self.staff_words.setText(self.staff_pick.currentText())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the search picks the patient; it must not also press Save.
        search = (self.search.line, self.search.results)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() in search:
            event.accept()
            return
        super().keyPressEvent(event)

    def _patient_chosen(self, hit: patient_search.PatientHit) -> None:
        self.patient_id = hit.id
        self.patient_label.setText(hit_line(hit))
        self.patient_clear.show()
        self.search.clear()
        QTimer.singleShot(0, self.department.setFocus)

    def _patient_cleared(self) -> None:
        self.patient_id = None
        self.patient_label.clear()
        self.patient_clear.hide()

    def data(self) -> complaints.ComplaintInput:
        return complaints.ComplaintInput(
            channel=self.channel.currentData(),
            content=self.content.toPlainText(),
            complainant=self.complainant.text(),
            contact=self.contact.text(),
            address=self.address.text(),
            patient_id=self.patient_id,
            department=self.department.text(),
            staff_concerned=self.staff_words.text(),
            staff_concerned_id=self.staff_pick.currentData(),
            severity=self.severity.currentData(),
            complexity=self.complexity.currentData(),
            # Left alone it is "now" as the service sees it when saving.
            received_at=_moment(self.ctx, self.received) if self.received_touched else None,
        )

    def save(self) -> None:
        self.run(complaints.record_complaint, self.data())

    def _saved(self, written: Written[Any]) -> None:
        super()._saved(written)
        self.sig_recorded.emit(written.value.id)


# -- one step --------------------------------------------------------------------------------


class StepDialog(TaskDialog):
    """One step of the loop: a few fields, saved by one service call."""

    #: the step was saved: its ``Written`` (emitted before the changes are broadcast)
    sig_saved = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        *,
        name: str,
        title: str,
        intro: str,
        fn: Callable[..., Any],
        args: Sequence[Any],
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName(f"complaint-step-{name}")
        self.setMinimumWidth(540)
        self.setWindowTitle(title)
        self.intro.setText(intro)
        self.fn = fn
        self.args = tuple(args)
        self.fields: dict[str, Callable[[], Any]] = {}
        self.widgets: dict[str, QWidget] = {}

    def _add(self, key: str, label: str, widget: QWidget, get: Callable[[], Any]) -> None:
        widget.setObjectName(f"step-{key}")
        self.form.addRow(label, widget)
        self.fields[key] = get
        self.widgets[key] = widget
        if len(self.widgets) == 1:
            widget.setFocus()

    def add_text(self, key: str, label: str, text: str = "", placeholder: str = "") -> None:
        edit = _text_edit(self, "")
        edit.setPlainText(text)
        edit.setPlaceholderText(placeholder)
        self._add(key, label, edit, edit.toPlainText)

    def add_line(self, key: str, label: str, text: str = "") -> None:
        edit = _line(self, "")
        edit.setText(text)
        self._add(key, label, edit, edit.text)

    def add_choice(
        self, key: str, label: str, choices: Sequence[tuple[Any, str]], current: Any = None
    ) -> None:
        combo = QComboBox(self)
        for code, shown in choices:
            combo.addItem(shown, code)
        if current is not None:
            combo.setCurrentIndex(max(0, combo_index(combo, current)))
        self._add(key, label, combo, combo.currentData)

    def add_date(self, key: str, label: str, day: date) -> None:
        edit = QDateEdit(_qdate(day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        self._add(key, label, edit, lambda: _pydate(edit.date()))

    def add_moment(self, key: str, label: str, moment: datetime) -> None:
        edit = QDateTimeEdit(_qdatetime(self.ctx, moment), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self._add(key, label, edit, lambda: _moment(self.ctx, edit))

    def start(self) -> StepDialog:
        self.finish_layout()
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open()
        fit_height(self)
        return self

    def values(self) -> dict[str, Any]:
        return {key: get() for key, get in self.fields.items()}

    def save(self) -> None:
        self.run(self.fn, *self.args, **self.values())

    def _saved(self, written: Written[Any]) -> None:
        # First, so the complaint dialog draws the answer before the broadcast reaches it.
        self.sig_saved.emit(written)
        super()._saved(written)


# -- the complaint ---------------------------------------------------------------------------

STEP_BUTTONS = (
    "accept",
    "contact",
    "answer",
    "solution",
    "rectify_set",
    "rectified",
    "reply",
    "close",
    "reopen",
    "hand_over",
    "case",
    "root_cause",
    "note",
)


def last_day(ctx: AppContext, due_at: datetime) -> date:
    """The local day a deadline falls at the end of (it is the next midnight)."""
    return (due_at.astimezone(ctx.clinic.timezone()) - timedelta(seconds=1)).date()


class ComplaintDialog(QDialog):
    """One complaint: who owns it, its deadlines, its steps and its history."""

    def __init__(self, ctx: AppContext, complaint_id: uuid.UUID, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint_id = complaint_id
        self.view: complaints.ComplaintView | None = None
        self.people: list[tuple[uuid.UUID, str]] | None = None
        self.step: QDialog | None = None
        self.loads = 0  # complaint() answers so far: each one is a "complaint.read" row
        self.shown = 0  # views drawn so far, loaded or returned by a step (tests wait on it)
        # The changes of a step saved here, drawn from its answer: not reloaded (C6: a
        # save is not a read).
        self.own_changes: Changes | None = None
        self.setObjectName("complaint-dialog")
        self.resize(1040, 760)
        layout = QVBoxLayout(self)
        self.header = title_label(self)
        self.header.setObjectName("complaint-header")
        layout.addWidget(self.header)
        self.facts = QLabel(self)
        self.facts.setObjectName("complaint-facts")
        self.facts.setWordWrap(True)
        layout.addWidget(self.facts)
        self.notice = QLabel(self)
        self.notice.setObjectName("complaint-notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)

        self.strip = QFrame(self)
        self.strip.setObjectName("complaint-deadlines")
        self.strip.setFrameShape(QFrame.Shape.StyledPanel)
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(6, 4, 6, 4)
        self.deadline_labels: dict[str, QLabel] = {}
        layout.addWidget(self.strip)

        middle = QHBoxLayout()
        self.details = QWidget(self)
        self.details_form = QFormLayout(self.details)
        self.details_form.setContentsMargins(0, 0, 0, 0)
        self.detail_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for key in (
            "complainant",
            "contact",
            "address",
            "patient",
            "department",
            "staff",
            "content",
            "response",
            "rectification",
            "reply",
        ):
            name = QLabel(self.details)
            value = QLabel(self.details)
            value.setObjectName(f"detail-{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.details_form.addRow(name, value)
            self.detail_labels[key] = (name, value)
        middle.addWidget(self.details, 3)
        history_box = QVBoxLayout()
        self.history_title = QLabel(self)
        history_box.addWidget(self.history_title)
        self.history = ReadOnlyTable(self)
        self.history.setObjectName("complaint-history")
        history_box.addWidget(self.history, 1)
        middle.addLayout(history_box, 4)
        layout.addLayout(middle, 1)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        handlers: dict[str, Callable[[], object]] = {
            "accept": self.do_accept,
            "contact": self.do_contact,
            "answer": self.do_answer,
            "solution": self.do_solution,
            "rectify_set": self.do_rectify_set,
            "rectified": self.do_rectified,
            "reply": self.do_reply,
            "close": self.do_close,
            "reopen": self.do_reopen,
            "hand_over": self.do_hand_over,
            "case": self.do_case,
            "root_cause": self.do_root_cause,
            "note": self.do_note,
        }
        for i, key in enumerate(STEP_BUTTONS):
            button = QPushButton(self)
            button.setObjectName(f"complaint-{key}")
            button.setEnabled(False)
            button.clicked.connect(handlers[key])
            self.buttons[key] = button
            grid.addWidget(button, i // 7, i % 7)
        self.steps_box = QWidget(self)
        self.steps_box.setLayout(grid)
        layout.addWidget(self.steps_box)
        # Takes the room of the hidden parts when only the existence may be shown.
        self.spacer = QWidget(self)
        self.spacer.hide()
        layout.addWidget(self.spacer, 1)
        self.message = MessageLabel(self)
        self.message.setObjectName("complaint-message")
        layout.addWidget(self.message)
        self.close_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_box.rejected.connect(self.reject)
        layout.addWidget(self.close_box)
        self.timer = QTimer(self)
        self.timer.setInterval(60_000)
        self.timer.timeout.connect(self._draw)
        self.timer.start()
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    # -- text ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Complaint"))
        names = {
            "complainant": self.tr("Complainant"),
            "contact": self.tr("Contact"),
            "address": self.tr("Address"),
            "patient": self.tr("Patient"),
            "department": self.tr("Department"),
            "staff": self.tr("Staff concerned"),
            "content": self.tr("The complaint"),
            "response": self.tr("Answer and solution"),
            "rectification": self.tr("Rectification"),
            "reply": self.tr("Reply to the complainant"),
        }
        for key, (name, _value) in self.detail_labels.items():
            name.setText(names[key])
        texts = {
            "accept": (self.tr("Accept"), self.tr("You take the complaint on")),
            "contact": (
                self.tr("Record contact…"),
                self.tr("The first contact with the complainant"),
            ),
            "answer": (self.tr("Answer…"), self.tr("What the clinic answers")),
            "solution": (self.tr("Propose solution…"), self.tr("The solution offered")),
            "rectify_set": (
                self.tr("Set rectification…"),
                self.tr("What is to change, who sees to it, by when"),
            ),
            "rectified": (self.tr("Rectified…"), self.tr("The change has been made")),
            "reply": (
                self.tr("Reply to the complainant…"),
                self.tr("When and how the complainant was told"),
            ),
            "close": (
                self.tr("Close…"),
                self.tr("Close the complaint: the complainant must have had the reply"),
            ),
            "reopen": (
                self.tr("Reopen…"),
                self.tr("Open the closed complaint again, with a reason"),
            ),
            "hand_over": (self.tr("Hand over…"), self.tr("Give the complaint to a colleague")),
            "case": (
                self.tr("Add to training library…"),
                self.tr("An anonymised case for everyone to learn from"),
            ),
            "root_cause": (self.tr("Root cause (5 Why)…"), self.tr("Ask why, five times")),
            "note": (self.tr("Add note…"), self.tr("A note in the history")),
        }
        for key, (text, tip) in texts.items():
            self.buttons[key].setText(text)
            self.buttons[key].setToolTip(tip)
        self.history_title.setText(self.tr("History"))
        self.history.set_headers([self.tr("When"), self.tr("What"), self.tr("By"), self.tr("Note")])
        self._draw()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            complaints.complaint,
            self.ctx.clinic,
            actor,
            self.complaint_id,
            on_success=self._loaded,
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, view: complaints.ComplaintView) -> None:
        self.loads += 1
        self._show(view)

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def _show(self, view: complaints.ComplaintView) -> None:
        self.view = view
        self.shown += 1
        if self.message.is_error:
            self.message.clear()
        self._draw()
        actor = self.ctx.actor
        if self.people is None and view.may_edit and actor is not None:
            self.people = []
            self.ctx.runner.start(
                complaints.colleagues, self.ctx.clinic, actor, on_success=self._people, owner=self
            )

    def _people(self, people: Sequence[tuple[uuid.UUID, str]]) -> None:
        self.people = list(people)

    def _on_changes(self, changes: Changes) -> None:
        if changes is self.own_changes:
            self.own_changes = None  # drawn already from the step's answer
            return
        if changes.touches(Topic.COMPLAINTS) and (
            not changes.ids or self.complaint_id in changes.ids
        ):
            self.reload()

    # -- drawing ---------------------------------------------------------------------------

    def _draw(self) -> None:
        view = self.view
        if view is None:
            self.header.setText(self.tr("Loading…"))
            for part in (self.strip, self.details, self.history, self.history_title):
                part.setVisible(False)
            return
        self.setWindowTitle(self.tr("Complaint {number}").format(number=view.number))
        status = stage_label(view.stage) if view.status == "open" else stage_label("closed")
        self.header.setText(
            self.tr("{number} · {stage} · owner {owner}").format(
                number=view.number, stage=status, owner=view.owner_name or "—"
            )
        )
        hidden = view.confidential
        facts = [
            self.tr("Received {time}").format(time=local(self.ctx, view.received_at)),
            channel_label(view.channel),
        ]
        if not hidden:
            facts += [severity_label(view.severity), complexity_label(view.complexity)]
            if view.recorded_by_name:
                facts.append(self.tr("recorded by {name}").format(name=view.recorded_by_name))
            if view.reopened:
                facts.append(self.tr("reopened %n time(s)", "", view.reopened))
        self.facts.setText(" · ".join(facts))
        notices: list[tuple[str, str]] = []
        if hidden:
            notices.append(
                (
                    self.tr(
                        "The details of this complaint are confidential: only customer "
                        "service, the director and the complaint's owner read them."
                    ),
                    GREY,
                )
            )
        else:
            if view.severity == "serious":
                notices.append((self.tr("Serious: escalated to the director."), RED))
            if view.status == "closed":
                notices.append(
                    (
                        self.tr(
                            "Closed {time} by {name}. Reopen to change it: every step is "
                            "locked while it is closed."
                        ).format(time=local(self.ctx, view.closed_at), name=view.closed_by_name),
                        GREY,
                    )
                )
            elif not view.may_edit:
                notices.append(
                    (
                        self.tr(
                            "Only its owner, customer service and the director work this "
                            "complaint; you may read it."
                        ),
                        GREY,
                    )
                )
        self.notice.setVisible(bool(notices))
        self.notice.setText("<br>".join(f'<span style="color:{c}">{t}</span>' for t, c in notices))
        for part in (self.strip, self.details, self.history, self.history_title):
            part.setVisible(not hidden)
        self.steps_box.setVisible(not hidden)
        if hidden and not self.spacer.isVisible():
            self.spacer.show()
            self.resize(640, 280)
        if not hidden:
            self._draw_deadlines(view)
            self._draw_details(view)
            self._draw_history(view)
        self._enable(view)

    def _draw_deadlines(self, view: complaints.ComplaintView) -> None:
        while self.strip_layout.count():
            item = self.strip_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.deadline_labels = {}
        now = self.ctx.clock()
        for d in view.deadlines:
            if d.done_at is not None:
                late = d.done_at > d.due_at
                state = self.tr("✓ done {time}").format(time=local(self.ctx, d.done_at))
                if late:
                    state += " " + self.tr("(late by {time})").format(
                        time=duration_text(left_minutes(d.due_at, d.done_at))
                    )
                color = RED if late else GREEN
            elif view.status == "closed":
                state, color = self.tr("not needed"), GREY
            else:
                minutes = left_minutes(d.due_at, now)
                state = left_text(minutes)
                color = RED if minutes < 0 else ""
            label = QLabel(self.strip)
            label.setObjectName(f"deadline-{d.step}")
            label.setWordWrap(True)
            style = f"color:{color}" if color else ""
            label.setText(
                f"<b>{step_label(d)}</b><br>{due_local(self.ctx, d.due_at)}"
                f'<br><span style="{style}">{state}</span>'
            )
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            self.strip_layout.addWidget(label, 1)
            self.deadline_labels[d.step] = label

    def _draw_details(self, view: complaints.ComplaintView) -> None:
        staff = view.staff_concerned
        if view.staff_concerned_name and view.staff_concerned_name not in staff:
            staff = " · ".join(p for p in (staff, view.staff_concerned_name) if p)
        rectification = view.rectification
        if rectification:
            rectification = self.tr("{action} — {owner}, by {due}").format(
                action=view.rectification,
                owner=view.rectify_owner_name or "—",
                due=view.rectify_due.isoformat() if view.rectify_due else "—",
            )
            if view.rectified_at is not None:
                rectification += "\n" + self.tr("Done {time}: {note}").format(
                    time=local(self.ctx, view.rectified_at), note=view.rectify_note
                )
        reply = ""
        if view.reply_at is not None:
            reply = self.tr("{time}, by {channel}: {text}").format(
                time=local(self.ctx, view.reply_at),
                channel=reply_channel_label(view.reply_channel),
                text=view.reply_text,
            )
        values = {
            "complainant": view.complainant,
            "contact": view.contact,
            "address": view.address,
            "patient": view.patient_name,
            "department": view.department,
            "staff": staff,
            "content": view.content,
            "response": view.response,
            "rectification": rectification,
            "reply": reply,
        }
        for key, (name, value) in self.detail_labels.items():
            text = values[key]
            value.setText(text)
            shown = bool(text) or key in ("complainant", "content")
            name.setVisible(shown)
            value.setVisible(shown)

    def _draw_history(self, view: complaints.ComplaintView) -> None:
        rows = []
        for e in reversed(view.events):  # newest first: what happened last is on top
            note = e.note
            extra = self._event_extra(e)
            if extra:
                note = f"{note} ({extra})" if note else extra
            rows.append((e.id, [local(self.ctx, e.at), event_label(e.kind), e.by_name, note]))
        self.history.set_rows(rows)

    def _event_extra(self, event: complaints.EventView) -> str:
        """The parts of an event's detail a person reads (the ids stay in the record)."""
        d = event.detail
        if event.kind == "handed_over":
            return self.tr("{old} to {new}").format(
                old=d.get("from_name") or "—", new=d.get("to_name") or "—"
            )
        if event.kind == "rectification_set" and d.get("due"):
            return self.tr("by {day}").format(day=d["due"])
        if event.kind == "replied" and d.get("channel"):
            return reply_channel_label(d["channel"])
        return ""

    def _enable(self, view: complaints.ComplaintView) -> None:
        actor = self.ctx.actor
        me = actor.staff_id if actor is not None else None
        open_ = view.status == "open"
        # The owner or customer service and the director (the service decides the same).
        works = not view.confidential and (
            view.may_edit
            or self.ctx.may(Action.COMPLAINT_HANDLE)
            or (me is not None and me == view.owner_id)
        )
        may = works and open_
        accepted = view.accepted_at is not None
        # An anonymous box note with no contact has no one to call or reply to.
        anonymous = view.channel == "suggestion_box" and not view.contact and not view.address
        contacted = view.contacted_at is not None or anonymous
        answered = view.answered_at is not None
        rectifying = bool(view.rectification) and view.rectified_at is None
        states = {
            "accept": may and not accepted,
            "contact": may and accepted and view.contacted_at is None and not anonymous,
            "answer": may and accepted and contacted and not answered,
            "solution": may and answered and view.solution_at is None,
            "rectify_set": may and answered and view.rectified_at is None,
            "rectified": open_
            and rectifying
            and (may or (me is not None and me == view.rectify_owner_id)),
            "reply": may and answered and view.reply_at is None and not anonymous,
            "close": may and accepted,
            "reopen": works and not open_,
            "hand_over": may,
            # Not steps: a lesson or a note may follow the closing too (the service agrees).
            "case": works and answered and view.case_id is None,
            "root_cause": not view.confidential and (open_ or bool(view.root_causes)),
            "note": works,
        }
        for key, on in states.items():
            self.buttons[key].setEnabled(on)

    # -- the steps -------------------------------------------------------------------------

    def _step(self, name: str, title: str, intro: str, fn: Callable[..., Any]) -> StepDialog:
        dialog = StepDialog(
            self.ctx, self, name=name, title=title, intro=intro, fn=fn, args=(self.complaint_id,)
        )
        dialog.sig_saved.connect(self._step_saved)
        self.step = dialog
        return dialog

    def _step_saved(self, written: Written[Any]) -> None:
        """Draw the complaint as the step returned it (the same view ``complaint()``
        gives, in the step's transaction), rather than reading it again: a reload would
        audit a second "complaint.read" for each save (C6). A step that returns something
        else (the training case) leaves the reload to the broadcast."""
        view = written.value
        if isinstance(view, complaints.ComplaintView) and view.id == self.complaint_id:
            self.own_changes = written.changes
            self._show(view)

    def _who(self) -> str:
        view = self.view
        return view.complainant if view is not None and view.complainant else ""

    def do_accept(self) -> StepDialog:
        dialog = self._step(
            "accept",
            self.tr("Accept the complaint"),
            self.tr("You take it on: the clock for the first contact keeps running."),
            complaints.accept,
        )
        dialog.add_text("note", self.tr("Note (optional)"))
        return dialog.start()

    def do_contact(self) -> StepDialog:
        dialog = self._step(
            "contact",
            self.tr("Record the first contact"),
            self.tr("How {who} was reached and what was agreed.").format(
                who=self._who() or self.tr("the complainant")
            ),
            complaints.record_contact,
        )
        dialog.add_text("note", self.tr("What was said"))
        return dialog.start()

    def do_answer(self) -> StepDialog:
        dialog = self._step(
            "answer",
            self.tr("Answer"),
            self.tr("The clinic's answer: what was found and what the clinic says about it."),
            complaints.record_answer,
        )
        dialog.add_text("response", self.tr("Answer"))
        return dialog.start()

    def do_solution(self) -> StepDialog:
        dialog = self._step(
            "solution",
            self.tr("Propose a solution"),
            self.tr("What the clinic offers to put it right."),
            complaints.record_solution,
        )
        dialog.add_text("solution", self.tr("Solution"))
        return dialog.start()

    def do_rectify_set(self) -> StepDialog:
        view = self.view
        due = self.ctx.clinic.today() + timedelta(days=15)
        if view is not None:
            rectify = next((d for d in view.deadlines if d.step == "rectify"), None)
            if rectify is not None:
                due = max(self.ctx.clinic.today(), last_day(self.ctx, rectify.due_at))
        dialog = self._step(
            "rectify_set",
            self.tr("Set the rectification"),
            self.tr(
                "What is to change so it does not happen again, who sees to it and by when "
                "(the rectification deadline is the default)."
            ),
            complaints.set_rectification,
        )
        dialog.add_text("action", self.tr("What is to change"), view.rectification if view else "")
        people = list(self.people or [])
        current = view.rectify_owner_id if view is not None else None
        actor = self.ctx.actor
        if current is None and actor is not None:
            current = actor.staff_id
        dialog.add_choice("owner_id", self.tr("Who sees to it"), people, current)
        dialog.add_date(
            "due", self.tr("By"), view.rectify_due if view and view.rectify_due else due
        )
        return dialog.start()

    def do_rectified(self) -> StepDialog:
        dialog = self._step(
            "rectified",
            self.tr("Rectification done"),
            self.view.rectification if self.view is not None else "",
            complaints.record_rectified,
        )
        dialog.add_text("note", self.tr("What was done"))
        return dialog.start()

    def do_reply(self) -> StepDialog:
        dialog = self._step(
            "reply",
            self.tr("Reply to the complainant"),
            self.tr("When and how the complainant was told the outcome, and what they were told."),
            complaints.record_reply,
        )
        dialog.add_choice(
            "channel",
            self.tr("How"),
            [(c, reply_channel_label(c)) for c in complaints.REPLY_CHANNELS],
        )
        dialog.add_moment("replied_at", self.tr("When"), self.ctx.clock())
        dialog.add_text("text", self.tr("What they were told"))
        return dialog.start()

    def do_close(self) -> StepDialog:
        dialog = self._step(
            "close",
            self.tr("Close the complaint"),
            self.tr(
                "Closing needs the reply to the complainant, and the rectification done if "
                "one was set. An anonymous note no one can be told about closes with a note."
            ),
            complaints.close,
        )
        dialog.add_text("note", self.tr("Note"))
        return dialog.start()

    def do_reopen(self) -> StepDialog:
        dialog = self._step(
            "reopen",
            self.tr("Reopen the complaint"),
            self.tr("Say why it is opened again: the reason stays in its history."),
            complaints.reopen,
        )
        dialog.add_text("reason", self.tr("Reason"))
        return dialog.start()

    def do_hand_over(self) -> StepDialog:
        dialog = self._step(
            "hand_over",
            self.tr("Hand the complaint over"),
            self.tr("The colleague owns it from now on; the hand-over stays in its history."),
            complaints.hand_over,
        )
        view = self.view
        people = [p for p in (self.people or []) if view is None or p[0] != view.owner_id]
        dialog.add_choice("to_staff_id", self.tr("To"), people)
        dialog.add_text("reason", self.tr("Reason"))
        return dialog.start()

    def do_case(self) -> StepDialog:
        view = self.view
        title = ""
        if view is not None:
            # Prefilled from the codes only: nothing that could name anyone.
            title = self.tr("{channel} complaint, {department}").format(
                channel=channel_label(view.channel), department=view.department or "—"
            )
        dialog = self._step(
            "case",
            self.tr("Add to the training library"),
            self.tr(
                "Cases are anonymised: write the summary in your own words, without the "
                "names of patients, complainants or staff, phone numbers or ID numbers."
            ),
            complaints.add_training_case,
        )
        dialog.add_line("title", self.tr("Title"), title)
        dialog.add_text(
            "summary",
            self.tr("What happened"),
            "",
            self.tr("In general terms: no names, no phone or ID numbers."),
        )
        dialog.add_text(
            "lessons",
            self.tr("Lessons"),
            view.rectification if view is not None else "",
        )
        dialog.add_line("department", self.tr("Department"), view.department if view else "")
        return dialog.start()

    def do_note(self) -> StepDialog:
        dialog = self._step(
            "note", self.tr("Add a note"), self.tr("A note in the history."), complaints.add_note
        )
        dialog.add_text("note", self.tr("Note"))
        return dialog.start()

    def do_root_cause(self) -> QDialog | None:
        from clinic_desk.ui.quality.root_causes import RootCauseDialog, open_root_cause

        view = self.view
        if view is None:
            return None
        if view.root_causes:
            dialog = open_root_cause(self.ctx, self, view.root_causes[0])
        else:
            dialog = RootCauseDialog(
                self.ctx, self, None, complaint_id=view.id, department=view.department
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()
        self.step = dialog
        return dialog


# -- the director's notice (F5) --------------------------------------------------------------


class EscalationNotice(QDialog):
    """Serious complaints escalated to the director and not yet seen."""

    def __init__(
        self,
        ctx: AppContext,
        items: Sequence[complaints.ComplaintSummary],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items = list(items)
        self.opened: QDialog | None = None
        self.setObjectName("escalation-notice")
        self.setMinimumSize(760, 360)
        layout = QVBoxLayout(self)
        self.intro = title_label(self)
        layout.addWidget(self.intro)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("escalation-table")
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.table, 1)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("escalation-open")
        self.open_button.clicked.connect(self.open_selected)
        self.seen_button = QPushButton(self)
        self.seen_button.setObjectName("escalation-seen")
        self.seen_button.clicked.connect(self.mark_seen)
        self.later = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.later.rejected.connect(self.reject)
        row.addWidget(self.open_button)
        row.addWidget(self.seen_button)
        row.addStretch(1)
        row.addWidget(self.later)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Serious complaints"))
        self.intro.setText(self.tr("%n serious complaint(s) escalated to you", "", len(self.items)))
        self.open_button.setText(self.tr("Open"))
        self.seen_button.setText(self.tr("Seen"))
        self.seen_button.setToolTip(self.tr("You have read it: it leaves this notice"))
        self.table.set_headers(
            [self.tr("Number"), self.tr("Received"), self.tr("Owner"), self.tr("Gist")]
        )
        self._fill()

    def _fill(self) -> None:
        self.table.set_rows(
            [
                (
                    c.id,
                    [c.number, local(self.ctx, c.received_at), c.owner_name, c.gist],
                )
                for c in self.items
            ]
        )
        if self.items and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self.open_button.setEnabled(bool(self.items))
        self.seen_button.setEnabled(bool(self.items))

    def open_selected(self) -> QDialog | None:
        chosen = self.table.current_id()
        if chosen is None:
            return None
        dialog = ComplaintDialog(self.ctx, chosen, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.opened = dialog
        dialog.open()
        return dialog

    def mark_seen(self) -> None:
        chosen = self.table.current_id()
        actor = self.ctx.actor
        if chosen is None or actor is None:
            return

        def done(written: Written[None]) -> None:
            self.ctx.broadcast(written.changes)
            self.items = [c for c in self.items if c.id != chosen]
            self.retranslate()
            if not self.items:
                self.accept()

        self.ctx.runner.start(
            complaints.mark_escalation_seen,
            self.ctx.clinic,
            actor,
            chosen,
            on_success=done,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )


def check_escalations(ctx: AppContext, parent: QWidget) -> None:
    """At sign-in: the director sees the serious complaints escalated since they last
    looked (F5). Others get none from the service; they are not asked at all."""
    actor = ctx.actor
    if actor is None or str(actor.role) != "director":
        return

    def show(items: list[complaints.ComplaintSummary]) -> None:
        if not items or ctx.actor is not actor:
            return
        notice = EscalationNotice(ctx, items, parent)
        notice.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        notice.open()

    ctx.runner.start(
        complaints.escalations_to_see, ctx.clinic, actor, on_success=show, owner=parent
    )
