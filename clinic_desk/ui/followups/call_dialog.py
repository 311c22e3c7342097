"""The call (spec E4, E5, G1): what to say, whom to call, and what was heard.

Left, what the caller needs before dialling (``followups.call_script``): the
script for that kind of call with the patient's form of address, the
patient's contact channels (a click copies one), age, address, record number,
the appointment, the clinical summary for those allowed to read it, and the
earlier attempts. Right, the record of the call: the outcome first, then
recovery, medication, satisfaction (1-5 per question), the open answer,
suggestions (forwarded to a department if asked: 抄告), a complaint heard,
notes. Fields that do not apply to the outcome are off. Save logs the call in
one service call; a refusal is shown in the dialog and nothing typed is lost.
A survey call (G1: the weekly sample) asks the questionnaire's items instead
of the fixed satisfaction questions; its answers go with the call.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFont, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.printing.forms import FollowUpFormLabels, followup_form_pdf
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import followups, printouts, reception, rosters
from clinic_desk.core.services.base import Actor, Clinic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import (
    GREY,
    caller_label,
    channel_label,
    close_reason_label,
    code_label,
    outcome_label,
    status_label,
)
from clinic_desk.ui.patients.common import full_error_text, local, tr_code
from clinic_desk.ui.settings.common import ERROR_COLOR, MessageLabel, hint_label

SURVEY_KINDS = ("plan", "manual")  # confirmation and no-show calls ask no survey
QUESTIONNAIRE_KIND = "survey"  # the weekly sample's call: the questionnaire's own items


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def recovery_choices() -> list[tuple[str, str]]:
    return [(c, code_label(followups.RECOVERY_LABELS, c)) for c in followups.RECOVERY]


def adherence_choices() -> list[tuple[str, str]]:
    return [(c, code_label(followups.ADHERENCE_LABELS, c)) for c in followups.ADHERENCE]


def contact_label(code: str) -> str:
    """The ways ``call_script`` lists to reach the patient."""
    return {
        "phone": QCoreApplication.translate("CallDialog", "Phone"),
        "phone2": QCoreApplication.translate("CallDialog", "Second phone"),
        "wechat": QCoreApplication.translate("CallDialog", "WeChat"),
        "qq": QCoreApplication.translate("CallDialog", "QQ"),
        "email": QCoreApplication.translate("CallDialog", "E-mail"),
    }.get(code, code)


# -- worker side -------------------------------------------------------------------------------


def departments(clinic: Clinic, actor: Actor) -> list[str]:
    """The departments a suggestion can go to: the doctors' specialties, first seen first."""
    if not (actor.is_system or allowed(actor.role, Action.APPOINTMENT_VIEW)):
        return []
    seen: dict[str, None] = {}
    for doctor in rosters.list_doctors(clinic, actor):
        # Split as the board and the follow-up service split them (one rule).
        for part in reception._specialties(doctor.specialties):
            seen.setdefault(part[: followups.MAX_DEPARTMENT], None)
    return list(seen)


def load_call(
    clinic: Clinic, actor: Actor, task_id: uuid.UUID
) -> tuple[followups.CallScript, list[str]]:
    return followups.call_script(clinic, actor, task_id), departments(clinic, actor)


def build_call_record_pdf(
    clinic: Clinic, actor: Actor, call_id: uuid.UUID, *, labels: FollowUpFormLabels
) -> bytes:
    """The seed's follow-up form (E4) filled from one call, with its spot check."""
    from clinic_desk.ui.printing.documents import FORM_PAGE

    form = printouts.followup_form(clinic, actor, call_id=call_id)
    settings = printouts.print_settings(clinic, actor)
    return followup_form_pdf(
        form, labels=labels, page=FORM_PAGE, extra_margin_mm=settings.extra_margin_mm
    )


def print_call_record(ctx: AppContext, parent: QWidget, call_id: uuid.UUID) -> Any:
    from clinic_desk.ui.printing import documents, labels

    return documents.start_print(
        ctx,
        parent,
        build_call_record_pdf,
        call_id,
        title=QCoreApplication.translate("PrintDocuments", "Follow-up call record"),
        labels=labels.followup_form_labels(),
    )


# -- a row of answers, one click or one key each ---------------------------------------------


class ChoiceRow(QFrame):
    """A row of toggle buttons, at most one on; keys 1-n choose, 0 or Delete clears.

    Clicking the chosen button again clears it: an answer not given stays empty.
    """

    def __init__(
        self,
        choices: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        wide: int = 0,
        fixed: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("choice-row")
        # The row, not each button, takes the keyboard focus: Tab goes row to row.
        self.setStyleSheet(
            "QFrame#choice-row { border: 1px solid transparent; border-radius: 3px; }"
            "QFrame#choice-row:focus { border: 1px solid palette(highlight); }"
            # The answer given must stand out at a glance, not as a faint shade.
            "QPushButton:checked { background: palette(highlight); "
            "color: palette(highlighted-text); font-weight: bold; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(4)
        self.buttons: list[tuple[str, QPushButton]] = []
        for code, label in choices:
            button = QPushButton(label, self)
            button.setObjectName(f"choice:{code}")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if wide:
                button.setMinimumWidth(wide)
            if fixed:  # the 1-5 scores: small square keys, the row stays narrow
                button.setFixedWidth(fixed)
            button.clicked.connect(lambda checked, c=code: self._clicked(c, checked))
            self.buttons.append((code, button))
            row.addWidget(button)
        row.addStretch(1)

    def value(self) -> str:
        return next((code for code, b in self.buttons if b.isChecked()), "")

    def set_value(self, value: str) -> None:
        for code, button in self.buttons:
            button.setChecked(code == value)

    def set_texts(self, choices: Sequence[tuple[str, str]]) -> None:
        words = dict(choices)
        for code, button in self.buttons:
            button.setText(words.get(code, code))

    def _clicked(self, code: str, checked: bool) -> None:
        self.set_value(code if checked else "")
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit():
            n = int(text)
            if n == 0:
                self.set_value("")
            elif n <= len(self.buttons):
                self.set_value(self.buttons[n - 1][0])
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_value("")
            event.accept()
            return
        super().keyPressEvent(event)


def _text_edit(parent: QWidget, name: str, lines: int = 2) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    height = edit.fontMetrics().lineSpacing() * lines + 14
    edit.setMinimumHeight(height)
    edit.setMaximumHeight(height + edit.fontMetrics().lineSpacing())
    return edit


class CallDialog(QDialog):
    """One call for one task, from the script to the saved record."""

    def __init__(self, ctx: AppContext, task_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task_id = task_id
        self.script: followups.CallScript | None = None
        self.result_value: followups.CallResult | None = None
        self.sent_advice: Any = None  # the outbox's MessageView once queued
        self.busy = False
        self.setObjectName("call-dialog")
        self.resize(1180, 720)
        outer = QVBoxLayout(self)
        self.banner = QLabel(self)
        self.banner.setObjectName("call-banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            f"color: white; background: {ERROR_COLOR}; padding: 6px; border-radius: 3px;"
        )
        self.banner.hide()
        outer.addWidget(self.banner)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(split, 1)
        split.addWidget(self._build_left(split))
        split.addWidget(self._build_right(split))
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setChildrenCollapsible(False)
        split.setSizes([470, 690])  # the script readable beside the form, not squeezed
        self.message = MessageLabel(self)
        self.message.setObjectName("call-message")
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("call-print")
        self.print_button.clicked.connect(self.print_record)
        self.print_button.setEnabled(False)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("call-save")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("call-cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)
        self.retranslate()
        self._apply_outcome()
        self.load()

    # -- building ----------------------------------------------------------------------------

    def _build_left(self, parent: QWidget) -> QWidget:
        scroll = QScrollArea(parent)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumWidth(360)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        box = QWidget(scroll)
        col = QVBoxLayout(box)
        self.who_title = QLabel(box)
        self.who_title.setObjectName("call-patient")
        self.who_title.setWordWrap(True)
        font = QFont(self.who_title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.who_title.setFont(font)
        col.addWidget(self.who_title)
        self.facts = QLabel(box)
        self.facts.setObjectName("call-facts")
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.facts)
        self.script_title = QLabel(box)
        self.script_title.setStyleSheet("font-weight: bold;")
        col.addWidget(self.script_title)
        self.script_text = QLabel(box)
        self.script_text.setObjectName("call-script")
        self.script_text.setWordWrap(True)
        self.script_text.setTextFormat(Qt.TextFormat.RichText)
        self.script_text.setStyleSheet(
            "background: palette(base); border: 1px solid palette(mid); padding: 8px;"
        )
        col.addWidget(self.script_text)
        advice = QHBoxLayout()
        self.advice_button = QPushButton(box)
        self.advice_button.setObjectName("call-send-advice")
        self.advice_button.clicked.connect(self.send_advice)
        self.advice_button.hide()
        advice.addWidget(self.advice_button)
        advice.addStretch(1)
        col.addLayout(advice)
        self.channels_title = QLabel(box)
        self.channels_title.setStyleSheet("font-weight: bold;")
        col.addWidget(self.channels_title)
        self.channels_box = QVBoxLayout()
        self.channels_box.setSpacing(2)
        col.addLayout(self.channels_box)
        self.channel_buttons: list[QPushButton] = []
        self.summary_title = QLabel(box)
        self.summary_title.setStyleSheet("font-weight: bold;")
        col.addWidget(self.summary_title)
        self.summary = QLabel(box)
        self.summary.setObjectName("call-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.summary)
        self.history_title = QLabel(box)
        self.history_title.setStyleSheet("font-weight: bold;")
        col.addWidget(self.history_title)
        self.history = QLabel(box)
        self.history.setObjectName("call-history")
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        col.addWidget(self.history)
        col.addStretch(1)
        scroll.setWidget(box)
        return scroll

    def _build_right(self, parent: QWidget) -> QWidget:
        scroll = QScrollArea(parent)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        box = QWidget(scroll)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form = form

        outcomes = QGridLayout()
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[str, QRadioButton] = {}
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.2)
        big.setBold(True)
        for i, code in enumerate(followups.OUTCOMES):
            radio = QRadioButton(box)
            radio.setObjectName(f"outcome:{code}")
            radio.setFont(big)
            radio.setMinimumHeight(34)
            self.outcome_group.addButton(radio)
            self.outcome_buttons[code] = radio
            outcomes.addWidget(radio, i // 2, i % 2)
            radio.toggled.connect(lambda _on: self._apply_outcome())
        self.outcome_row = QLabel(box)
        form.addRow(self.outcome_row, outcomes)

        self.channel = QComboBox(box)
        self.channel.setObjectName("call-channel")
        for code in followups.CHANNELS:
            self.channel.addItem("", code)
        self.channel_row = QLabel(box)
        form.addRow(self.channel_row, self.channel)

        self.levels = ChoiceRow([("yes", ""), ("no", "")], box, wide=70)
        self.levels.setObjectName("call-previous-levels")
        self.levels_row = QLabel(box)
        self.levels_row.setWordWrap(True)
        form.addRow(self.levels_row, self.levels)

        self.recovery = ChoiceRow(recovery_choices(), box)
        self.recovery.setObjectName("call-recovery")
        self.recovery_row = QLabel(box)
        form.addRow(self.recovery_row, self.recovery)
        self.adherence = ChoiceRow(adherence_choices(), box)
        self.adherence.setObjectName("call-adherence")
        self.adherence_row = QLabel(box)
        form.addRow(self.adherence_row, self.adherence)

        self.satisfaction_hint = hint_label(box)
        self.satisfaction_hint.setWordWrap(True)
        form.addRow(self.satisfaction_hint)
        self.satisfaction: dict[str, ChoiceRow] = {}
        self.satisfaction_labels: dict[str, QLabel] = {}
        for key, text in followups.SATISFACTION_QUESTIONS:
            row = ChoiceRow([(str(n), str(n)) for n in range(1, 6)], box, fixed=40)
            row.setObjectName(f"satisfaction:{key}")
            label = QLabel(box)
            label.setWordWrap(True)
            label.setProperty("source", text)
            self.satisfaction[key] = row
            self.satisfaction_labels[key] = label
            form.addRow(label, row)
        # Filled with the questionnaire's items once a survey call's questions are read.
        self.survey_box = QWidget(box)
        self.survey_box.setObjectName("call-survey")
        self.survey_layout = QVBoxLayout(self.survey_box)
        self.survey_layout.setContentsMargins(0, 0, 0, 0)
        self.survey_form: Any = None  # quality.surveys.AnswersForm
        self.survey_box.hide()
        form.addRow(self.survey_box)

        self.open_answer = _text_edit(box, "call-open-answer")
        self.open_row = QLabel(box)
        self.open_row.setWordWrap(True)
        form.addRow(self.open_row, self.open_answer)
        self.suggestions = _text_edit(box, "call-suggestions")
        self.suggestions_row = QLabel(box)
        form.addRow(self.suggestions_row, self.suggestions)
        forward = QHBoxLayout()
        self.forward = QCheckBox(box)
        self.forward.setObjectName("call-forward")
        self.department = QComboBox(box)
        self.department.setObjectName("call-department")
        self.department.setEditable(True)
        self.department.setMinimumWidth(160)
        self.department.lineEdit().setMaxLength(50)  # type: ignore[union-attr]
        self.forward.toggled.connect(lambda _on: self._apply_outcome())
        forward.addWidget(self.forward)
        forward.addWidget(self.department, 1)
        form.addRow("", forward)

        self.complaint_check = QCheckBox(box)
        self.complaint_check.setObjectName("call-complaining")
        self.complaint_check.toggled.connect(lambda _on: self._apply_outcome())
        form.addRow("", self.complaint_check)
        self.complaint = _text_edit(box, "call-complaint")
        self.complaint_row = QLabel(box)
        form.addRow(self.complaint_row, self.complaint)

        self.notes = _text_edit(box, "call-notes", 3)
        self.notes_row = QLabel(box)
        form.addRow(self.notes_row, self.notes)
        self.confirm = QCheckBox(box)
        self.confirm.setObjectName("call-confirm-appointment")
        form.addRow("", self.confirm)
        scroll.setWidget(box)
        return scroll

    # -- text --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Follow-up call"))
        self.script_title.setText(self.tr("What to say"))
        self.channels_title.setText(self.tr("How to reach them (click to copy)"))
        self.summary_title.setText(self.tr("From the record"))
        self.history_title.setText(self.tr("Earlier attempts"))
        self.outcome_row.setText(self.tr("Outcome"))
        words = {
            "reached": self.tr("Reached"),
            "no_answer": self.tr("No answer"),
            "wrong_number": self.tr("Wrong number"),
            "refused": self.tr("Refused to talk"),
        }
        for code, radio in self.outcome_buttons.items():
            radio.setText(words.get(code, code))
        self.channel_row.setText(self.tr("By"))
        for i in range(self.channel.count()):
            self.channel.setItemText(i, channel_label(self.channel.itemData(i)))
        self.levels_row.setText(self.tr("Did the level 1 and 2 calls happen?"))
        self.levels.set_texts([("yes", self.tr("Yes")), ("no", self.tr("No"))])
        self.recovery_row.setText(self.tr("Recovery"))
        self.recovery.set_texts(recovery_choices())
        self.adherence_row.setText(self.tr("Medication"))
        self.adherence.set_texts(adherence_choices())
        self.satisfaction_hint.setText(
            self.tr(
                "Satisfaction, 1 (very dissatisfied) to 5 (very satisfied): click, or press "
                "1-5 on the row; leave it empty if the patient did not answer."
            )
        )
        for key, label in self.satisfaction_labels.items():
            label.setText(tr_code("Satisfaction", str(label.property("source"))))
            self.satisfaction[key].setToolTip(
                self.tr("1 = very dissatisfied … 5 = very satisfied; 0 clears")
            )
        self.open_row.setText(self.tr("Anything else the patient said"))
        self.suggestions_row.setText(self.tr("Suggestions"))
        self.forward.setText(self.tr("Forward to department"))
        self.forward.setToolTip(
            self.tr("The department gets the suggestions as an item to answer (抄告)")
        )
        self.complaint_check.setText(self.tr("The patient is complaining"))
        self.complaint_check.setToolTip(
            self.tr("Opens a complaint with you as its owner until it is closed")
        )
        self.complaint_row.setText(self.tr("The complaint"))
        self.notes_row.setText(self.tr("Notes"))
        self.confirm.setText(self.tr("Confirm the appointment"))
        self.advice_button.setText(self.tr("Send the follow-up advice"))
        self.advice_button.setToolTip(
            self.tr("Queues the “follow-up advice” message for the patient in the outbox")
        )
        self.print_button.setText(self.tr("Print the call record…"))
        self.print_button.setToolTip(self.tr("The follow-up form filled from this call"))
        self.save_button.setText(self.tr("Save the call"))
        self.cancel_button.setText(self.tr("Close") if self.result_value else self.tr("Cancel"))
        if self.script is not None:
            self._show_script()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.who_title.setText(self.tr("Loading…"))
        self.ctx.runner.start(
            load_call,
            self.ctx.clinic,
            actor,
            self.task_id,
            on_success=self._loaded,
            on_error=self._load_failed,
            owner=self,
        )

    def _load_failed(self, error: BaseException) -> None:
        self.who_title.clear()
        self.message.show_error(full_error_text(error))

    def _loaded(self, answer: tuple[followups.CallScript, list[str]]) -> None:
        script, names = answer
        self.script = script
        department = script.task.department
        self.department.clear()
        for name in ([department] if department else []) + [n for n in names if n != department]:
            self.department.addItem(name)
        channel = script.task.channel if script.task.channel in followups.CHANNELS else "phone"
        self.channel.setCurrentIndex(max(0, self.channel.findData(channel)))
        if script.task.kind == QUESTIONNAIRE_KIND:
            self._load_survey()  # Save waits for the questions
        else:
            self.save_button.setEnabled(True)
        self._show_script()
        self._apply_outcome()
        self.outcome_buttons["reached"].setFocus()

    def _load_survey(self) -> None:
        from clinic_desk.core.services import surveys

        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            surveys.survey_questions_for_task,
            self.ctx.clinic,
            actor,
            self.task_id,
            on_success=self._survey_loaded,
            on_error=self._load_failed,
            owner=self,
        )

    def _survey_loaded(self, questionnaire: Any) -> None:
        # Imported here: the quality page imports this dialog's ChoiceRow.
        from clinic_desk.ui.quality.surveys import AnswersForm

        self.survey_form = AnswersForm(self.survey_box)
        self.survey_form.set_items(questionnaire.items if questionnaire is not None else ())
        self.survey_layout.addWidget(self.survey_form)
        self.save_button.setEnabled(True)
        self._apply_outcome()

    def _show_script(self) -> None:
        s = self.script
        if s is None:
            return
        task = s.task
        self.who_title.setText(
            f"{task.patient_name}（{s.honorific}）"
            if s.honorific and s.honorific != task.patient_name
            else task.patient_name
        )
        facts = []
        if s.age is not None:
            facts.append(self.tr("%n year(s)", "", s.age))
        if s.record_no:
            facts.append(self.tr("Record no. {no}").format(no=s.record_no))
        if task.doctor_name:
            facts.append(self.tr("Doctor: {name}").format(name=task.doctor_name))
        if task.department:
            facts.append(self.tr("Department: {name}").format(name=task.department))
        if s.appointment_at is not None:
            facts.append(
                self.tr("Appointment: {time}").format(time=local(self.ctx, s.appointment_at))
            )
        if s.address:
            facts.append(self.tr("Address: {address}").format(address=s.address))
        facts.append(
            self.tr("Due {first} to {last}").format(
                first=task.due_from.isoformat(), last=task.due_by.isoformat()
            )
        )
        self.facts.setText("\n".join(facts))
        self.script_text.setText(self.script_html(s))
        self.advice_button.setVisible(self.is_message_task() and self.sent_advice is None)
        self._show_channels(s)
        if s.clinical_summary is None:
            self.summary.setStyleSheet(f"color: {GREY};")
            self.summary.setText(self.tr("The clinical summary is not shown for your role."))
        else:
            self.summary.setStyleSheet("")
            self.summary.setText(s.clinical_summary or self.tr("Nothing recorded yet."))
        self._show_history(s)
        warnings = []
        if s.deceased:
            warnings.append(self.tr("This patient has died. Do not call; close the task."))
        if s.opted_out:
            warnings.append(
                self.tr("This patient asked not to be called. Do not call; close the task.")
            )
        self.banner.setText(" ".join(warnings))
        self.banner.setVisible(bool(warnings))

    def script_html(self, s: followups.CallScript) -> str:
        """The words for this kind of call, the form of address in bold."""
        task = s.task
        me = self.ctx.actor.display_name if self.ctx.actor is not None else ""
        clinic = str(self.ctx.clinic.setting("clinic.name"))
        who = f"<b>{_esc(s.honorific or task.patient_name)}</b>"
        doctor = _esc(task.doctor_name) or self.tr("the doctor")
        when = _esc(local(self.ctx, s.appointment_at))
        greeting = self.tr("Hello, is this {who}? This is {me} from {clinic}.").format(
            who=who, me=_esc(me), clinic=_esc(clinic)
        )
        if self.is_message_task():
            return "<p>{}</p><p>{}</p>".format(
                self.tr(
                    "This follow-up is a {channel} to {who}: the recovery advice and a reminder "
                    "to come back if it does not get better."
                ).format(channel=_esc(channel_label(task.channel)), who=who),
                self.tr(
                    "Queue it with “Send the follow-up advice”, then save the follow-up as "
                    "reached. If there is no way to send it, call instead."
                ),
            )
        lines = [greeting]
        if task.kind == "confirm":
            lines.append(
                self.tr(
                    "We are calling to confirm your appointment with {doctor} at {time}. "
                    "Will you be able to come?"
                ).format(doctor=doctor, time=when)
            )
            lines.append(
                self.tr(
                    "Yes: tick “Confirm the appointment”. No: offer another time, and note "
                    "what the patient said."
                )
            )
        elif task.kind == "no_show":
            lines.append(
                self.tr(
                    "You had an appointment with {doctor} at {time} and we missed you. We hope "
                    "all is well. Would you like to book another time?"
                ).format(doctor=doctor, time=when)
            )
            lines.append(self.tr("Note the reason the patient gives."))
        elif task.kind in ("manual", "renewal", "health_plan"):
            lines.append(self.tr("We are calling about: {what}").format(what=_esc(task.title)))
        elif task.kind == QUESTIONNAIRE_KIND:
            lines.append(
                self.tr(
                    "Thank you for visiting us recently. To improve our service we are asking "
                    "a few of our patients about their visit. It takes about three minutes; may "
                    "I ask you a few questions?"
                )
            )
            lines.append(
                self.tr(
                    "Read the questions on the right one by one; for each, the patient gives a "
                    "score from 1 (very dissatisfied) to 5 (very satisfied). Write down anything "
                    "else they say."
                )
            )
            lines.append(
                self.tr(
                    "Thank you very much, {who}, for your time and your opinion. We wish you "
                    "good health."
                ).format(who=who)
            )
        else:
            lines.append(
                self.tr(
                    "We are calling to see how you are after your visit with {doctor}. Do you "
                    "have a few minutes?"
                ).format(doctor=doctor)
            )
            extra = self._category_question(task.plan_category)
            questions = [self.tr("How are you feeling now?")]
            if extra:
                questions.append(extra)
            questions.append(self.tr("Are you taking your medicine as the doctor advised?"))
            if task.level == 3 or s.previous_levels:
                questions.append(
                    self.tr(
                        "On the day you went home, did a nurse call you? And did {doctor} "
                        "call you in the two weeks after?"
                    ).format(doctor=doctor)
                )
            questions.append(
                self.tr(
                    "On a scale of 1 to 5, how satisfied are you with your visit? (the "
                    "questions on the right)"
                )
            )
            questions.append(self.tr("Is there anything we could do better?"))
            lines.append("<ol>" + "".join(f"<li>{q}</li>" for q in questions) + "</ol>")
            lines.append(
                self.tr("Thank you, {who}. Call us any time if anything changes.").format(who=who)
            )
        return "".join(line if line.startswith("<") else f"<p>{line}</p>" for line in lines)

    def is_message_task(self) -> bool:
        s = self.script
        return (
            s is not None and s.task.kind == "plan" and s.task.channel in followups.MESSAGE_CHANNELS
        )

    def send_advice(self) -> None:
        """Queue the plan's message (E1: advice within 24 h) through the outbox."""
        from clinic_desk.core.services import outbox

        actor = self.ctx.actor
        if actor is None or self.script is None or self.sent_advice is not None:
            return
        self.advice_button.setEnabled(False)

        def queued(written: Written[Any]) -> None:
            self.sent_advice = written.value
            self.advice_button.hide()
            self.ctx.broadcast(written.changes)
            self.outcome_buttons["reached"].setChecked(True)
            self.message.show_ok(
                self.tr("Queued to {address}. Save the follow-up to finish it.").format(
                    address=written.value.address
                )
            )

        def failed(error: BaseException) -> None:
            self.advice_button.setEnabled(True)
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            outbox.queue_message,
            self.ctx.clinic,
            actor,
            self.script.task.patient_id,
            template_code="followup_advice",
            on_success=queued,
            on_error=failed,
            owner=self,
        )

    def _category_question(self, category: str) -> str:
        if category in ("post_operative", "inpatient_surgery", "outpatient_surgery"):
            return self.tr("How is the wound healing? Any fever, redness or pain?")
        if category == "family_planning":
            return self.tr("Any bleeding, pain or fever since the procedure?")
        if category in ("chronic", "chronic_discharge"):
            return self.tr("Are your readings (blood pressure, blood sugar) under control?")
        if category == "physical_exam_positive":
            return self.tr("Have you arranged the further check the report recommended?")
        if category == "cold":
            return self.tr("Have the fever and the cough gone?")
        return ""

    def _show_channels(self, s: followups.CallScript) -> None:
        for button in self.channel_buttons:
            self.channels_box.removeWidget(button)
            button.deleteLater()
        self.channel_buttons = []
        for code, value in s.channels:
            button = QPushButton(f"{contact_label(code)}:  {value}", self)
            button.setObjectName(f"contact:{code}")
            button.setFlat(True)
            button.setStyleSheet("text-align: left; padding: 3px;")
            button.setToolTip(self.tr("Copy to the clipboard"))
            button.clicked.connect(lambda _c=False, v=value: self.copy(v))
            self.channels_box.addWidget(button)
            self.channel_buttons.append(button)
        if not s.channels:
            button = QPushButton(self.tr("No phone or other contact recorded."), self)
            button.setFlat(True)
            button.setEnabled(False)
            self.channels_box.addWidget(button)
            self.channel_buttons.append(button)

    def copy(self, value: str) -> None:
        QGuiApplication.clipboard().setText(value)
        self.message.show_info(self.tr("Copied {value} to the clipboard.").format(value=value))

    def _show_history(self, s: followups.CallScript) -> None:
        parts = []
        for call in s.previous_calls:
            line = " · ".join(
                p
                for p in (
                    local(self.ctx, call.called_at),
                    call.caller_name,
                    outcome_label(call.outcome),
                    call.notes,
                )
                if p
            )
            parts.append(_esc(line))
        for level in s.previous_levels:
            state = status_label(level.status)
            if level.status == "closed" and level.close_reason:
                state += f" ({close_reason_label(level.close_reason)})"
            parts.append(
                _esc(
                    self.tr("Level {level} ({who}): {state}").format(
                        level=level.level, who=caller_label(level.caller_role), state=state
                    )
                )
            )
        if parts:
            self.history.setText("<br>".join(parts))
        else:
            first = self.tr("None: this is the first.")
            self.history.setText(f"<span style='color:{GREY}'>{_esc(first)}</span>")

    # -- the form follows the outcome ------------------------------------------------------

    def outcome(self) -> str:
        return next((c for c, r in self.outcome_buttons.items() if r.isChecked()), "")

    def _apply_outcome(self) -> None:
        outcome = self.outcome()
        script = self.script
        kind = script.task.kind if script is not None else "plan"
        reached = outcome == "reached"
        survey = kind in SURVEY_KINDS and not self.is_message_task()  # a message asks nothing
        levels = script is not None and (script.task.level == 3 or bool(script.previous_levels))
        for row, label, shown, on in (
            (self.recovery, self.recovery_row, survey, reached),
            (self.adherence, self.adherence_row, survey, reached),
            (self.levels, self.levels_row, levels, reached),
            (self.open_answer, self.open_row, survey, reached),
        ):
            row.setVisible(shown)
            label.setVisible(shown)
            row.setEnabled(on)
        questionnaire = kind == QUESTIONNAIRE_KIND
        self.satisfaction_hint.setVisible(survey or questionnaire)
        self.survey_box.setVisible(questionnaire)
        self.survey_box.setEnabled(reached)
        for key, row in self.satisfaction.items():
            row.setVisible(survey)
            self.satisfaction_labels[key].setVisible(survey)
            row.setEnabled(reached)
        for w in (self.suggestions, self.forward):
            w.setEnabled(reached)
        self.department.setEnabled(reached and self.forward.isChecked())
        # A refusal can still come with a complaint.
        self.complaint_check.setEnabled(outcome in ("reached", "refused"))
        self.complaint.setEnabled(
            self.complaint_check.isEnabled() and self.complaint_check.isChecked()
        )
        self.complaint.setVisible(self.complaint_check.isChecked())
        self.complaint_row.setVisible(self.complaint_check.isChecked())
        # Confirming the booking is the desk's (APPOINTMENT_MANAGE), as the service checks.
        self.confirm.setVisible(kind == "confirm" and self.ctx.may(Action.APPOINTMENT_MANAGE))
        self.confirm.setEnabled(reached)
        self.channel.setEnabled(bool(outcome))
        self.notes.setEnabled(bool(outcome))

    # -- saving ------------------------------------------------------------------------------

    def entry(self) -> followups.CallEntry | None:
        """What was typed, as the service takes it; None (and a sentence) if incomplete."""
        outcome = self.outcome()
        if not outcome:
            self.message.show_error(self.tr("Choose the outcome of the call first."))
            self.outcome_buttons["reached"].setFocus()
            return None

        def on(widget: QWidget) -> bool:
            return widget.isEnabled() and not widget.isHidden()

        complaint = self.complaint.toPlainText() if on(self.complaint) else ""
        if on(self.complaint) and not complaint.strip():
            self.message.show_error(
                self.tr("Write what the patient complains about, or untick the complaint.")
            )
            self.complaint.setFocus()
            return None
        suggestions = self.suggestions.toPlainText() if on(self.suggestions) else ""
        forward_to = ""
        if self.forward.isChecked() and on(self.forward):
            forward_to = self.department.currentText().strip()
            if not forward_to:
                self.message.show_error(
                    self.tr("Choose or type the department the suggestions go to.")
                )
                self.department.setFocus()
                return None
            if not suggestions.strip():
                self.message.show_error(
                    self.tr("Write the suggestions to forward, or untick the forwarding.")
                )
                self.suggestions.setFocus()
                return None
        satisfaction = {
            key: int(row.value())
            for key, row in self.satisfaction.items()
            if on(row) and row.value()
        }
        survey_answers = (
            self.survey_form.as_mapping()
            if self.survey_form is not None and on(self.survey_box)
            else {}
        )
        return followups.CallEntry(
            outcome=outcome,
            channel=self.channel.currentData() or "phone",
            recovery=self.recovery.value() if on(self.recovery) else "",
            adherence=self.adherence.value() if on(self.adherence) else "",
            satisfaction=satisfaction,
            open_answer=self.open_answer.toPlainText() if on(self.open_answer) else "",
            suggestions=suggestions,
            notes=self.notes.toPlainText(),
            previous_levels=self.levels.value() if on(self.levels) else "",
            forward_to=forward_to,
            complaint=complaint,
            confirm_appointment=on(self.confirm) and self.confirm.isChecked(),
            survey_answers=survey_answers,
        )

    def save(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or self.script is None or self.result_value is not None:
            return
        entry = self.entry()
        if entry is None:
            return
        self.busy = True
        self.save_button.setEnabled(False)
        self.message.clear()
        self.ctx.runner.start(
            followups.log_call,
            self.ctx.clinic,
            actor,
            self.task_id,
            entry,
            on_success=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        self.message.show_error(full_error_text(error))
        field = getattr(error, "field", "")
        widget = {
            "notes": self.notes,
            "open_answer": self.open_answer,
            "suggestions": self.suggestions,
            "complaint": self.complaint,
            "forward_to": self.department,
            "previous_levels": self.levels,
            "satisfaction": next(iter(self.satisfaction.values()), None),
            "survey": (
                next(iter(self.survey_form.scales.values()), None) if self.survey_form else None
            ),
            "recovery": self.recovery,
            "adherence": self.adherence,
        }.get(field)
        if widget is not None and widget.isEnabled():
            widget.setFocus()

    def _saved(self, written: Written[followups.CallResult]) -> None:
        self.busy = False
        result = written.value
        self.result_value = result
        self.ctx.broadcast(written.changes)
        # The record stays on screen, read-only, for printing; Enter closes.
        for scroll in self.findChildren(QScrollArea):
            inner = scroll.widget()
            if inner is not None and inner.findChild(QRadioButton) is not None:
                inner.setEnabled(False)
        self.print_button.setEnabled(True)
        self.save_button.hide()
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        self.message.show_ok(self.outcome_sentence(result))

    def outcome_sentence(self, result: followups.CallResult) -> str:
        task = result.task
        if task is None:
            text = self.tr("Saved.")
        elif task.status == "open" and task.next_try_at is not None:
            text = self.tr("Saved. No answer: the call comes back after {time}.").format(
                time=local(self.ctx, task.next_try_at)
            )
        elif task.status == "closed":
            text = self.tr("Saved. The task is closed: {reason}.").format(
                reason=close_reason_label(task.close_reason)
            )
        else:
            text = self.tr("Saved. This call is done.")
        if result.forward_id is not None:
            text += " " + self.tr("The suggestions were forwarded to {department}.").format(
                department=self.department.currentText().strip()
            )
        if result.complaint_id is not None:
            text += " " + self.tr("A complaint was opened; you own it until it is closed.")
        return text

    def print_record(self) -> None:
        if self.result_value is not None:
            print_call_record(self.ctx, self, self.result_value.call.id)

    def reject(self) -> None:
        if not self.busy:
            super().reject()
