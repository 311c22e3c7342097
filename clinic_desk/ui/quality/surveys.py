"""Satisfaction surveys (spec G1): the weekly sample, returned forms, results, questionnaires.

Each week a share of the week's patients (a setting, 10 %) is drawn, the
same draw on every workstation. In call mode each drawn patient becomes a
survey call on the follow-up worklist; in form mode the desk prints a form
per patient (anonymous, with a small reference code at the foot) and types
the returned ones in here. Results are read by question, doctor or
department with the share of satisfied answers (4 or 5).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pypdfium2 as pdfium
from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import surveys
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.ui.calendar.stats import month_bounds
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.call_dialog import ChoiceRow
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.patients.common import ReadOnlyTable, combo_index, full_error_text, tr_code
from clinic_desk.ui.printing import documents
from clinic_desk.ui.settings.common import MessageLabel, ServiceDialog, hint_label

GROUPINGS = ("question", "doctor", "department")


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def status_label(code: str) -> str:
    return tr_code("Survey", surveys.SAMPLE_STATUS_LABELS.get(code, code))


def mode_label(code: str) -> str:
    return tr_code("Survey", surveys.MODE_LABELS.get(code, code))


def purpose_label(code: str) -> str:
    return tr_code("Survey", surveys.PURPOSE_LABELS.get(code, code))


def questionnaire_name(q: surveys.QuestionnaireView) -> str:
    """The default questionnaire's name is translated; the clinic's own are as typed."""
    return tr_code("Survey", q.name) if q.id == surveys.DEFAULT_QUESTIONNAIRE_ID else q.name


def item_label(text: str) -> str:
    """A questionnaire item in the interface language (the default items are translated)."""
    return tr_code("Satisfaction", text)


def scale_choices() -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in range(1, 6)]


# -- worker side -------------------------------------------------------------------------------


def load_week(
    clinic: Clinic, actor: Actor, week_start: date, *, with_sample: bool
) -> tuple[surveys.WeekDraw | None, list[surveys.QuestionnaireView]]:
    """The week's sample (for those who run the draw) and the questionnaires."""
    draw = surveys.week_samples(clinic, actor, week_start) if with_sample else None
    return draw, surveys.questionnaires(clinic, actor)


def record_form(
    clinic: Clinic,
    actor: Actor,
    *,
    questionnaire_id: uuid.UUID,
    answers: Sequence[surveys.AnswerInput],
    code: str,
    answered_on: date,
) -> Written[surveys.ResponseView]:
    """A returned form typed in; the code at its foot, if given, names its sample."""
    sample = surveys.find_sample(clinic, actor, code) if code.strip() else None
    return surveys.record_response(
        clinic,
        actor,
        questionnaire_id=questionnaire_id,
        answers=answers,
        via="form",
        sample_id=sample.id if sample is not None else None,
        answered_on=answered_on,
    )


def build_forms_pdf(
    clinic: Clinic,
    actor: Actor,
    questionnaire_id: uuid.UUID,
    sample_ids: Sequence[uuid.UUID],
    *,
    language: str,
) -> bytes:
    """One form per sampled patient (each with its reference code), or a blank one."""
    if not sample_ids:
        return surveys.survey_form_pdf(clinic, actor, questionnaire_id, language=language)
    merged = pdfium.PdfDocument.new()
    try:
        for sample_id in sample_ids:
            one = pdfium.PdfDocument(
                surveys.survey_form_pdf(
                    clinic, actor, questionnaire_id, language=language, sample_id=sample_id
                )
            )
            try:
                merged.import_pages(one)
            finally:
                one.close()
        out = io.BytesIO()
        merged.save(out)
        return out.getvalue()
    finally:
        merged.close()


# -- entering a returned form -------------------------------------------------------------------


class AnswersForm(QWidget):
    """The questionnaire's items: a 1-5 row per scale item, a text box per open one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.scales: dict[str, ChoiceRow] = {}
        self.texts: dict[str, QPlainTextEdit] = {}

    def set_items(self, items: Sequence[surveys.QuestionItem]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.scales, self.texts = {}, {}
        for item in items:
            label = QLabel(item_label(item.text), self)
            label.setWordWrap(True)
            if item.kind == "scale":
                row = ChoiceRow(scale_choices(), self, fixed=40)
                row.setObjectName(f"answer:{item.key}")
                row.setToolTip(
                    QCoreApplication.translate(
                        "Surveys", "1 = very dissatisfied … 5 = very satisfied; 0 clears"
                    )
                )
                self.scales[item.key] = row
                self.form.addRow(label, row)
            else:
                edit = QPlainTextEdit(self)
                edit.setObjectName(f"answer:{item.key}")
                edit.setTabChangesFocus(True)
                edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * 3 + 14)
                self.texts[item.key] = edit
                self.form.addRow(label, edit)

    def answers(self) -> list[surveys.AnswerInput]:
        out = [
            surveys.AnswerInput(key=key, score=int(row.value()))
            for key, row in self.scales.items()
            if row.value()
        ]
        out += [
            surveys.AnswerInput(key=key, text=edit.toPlainText().strip())
            for key, edit in self.texts.items()
            if edit.toPlainText().strip()
        ]
        return out

    def as_mapping(self) -> dict[str, int | str]:
        """The answers as a survey call passes them (``CallEntry.survey_answers``)."""
        return {a.key: a.score if a.score is not None else a.text for a in self.answers()}


class EnterFormDialog(ServiceDialog):
    """Type in a returned paper form: its answers, and the sample it came from if known."""

    def __init__(
        self,
        ctx: AppContext,
        questionnaires: Sequence[surveys.QuestionnaireView],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("enter-form-dialog")
        self.setWindowTitle(self.tr("Enter a returned form"))
        self.result_value: Any = None
        self.questionnaires = [q for q in questionnaires if q.active] or list(questionnaires)
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.questionnaire = QComboBox(self)
        self.questionnaire.setObjectName("form-questionnaire")
        for q in self.questionnaires:
            self.questionnaire.addItem(questionnaire_name(q), q.id)
        self.code = QLineEdit(self)
        self.code.setObjectName("form-code")
        self.code.setMaxLength(20)
        self.code.setPlaceholderText(self.tr("e.g. 3F2A-9C1B; empty if the form has none"))
        self.day = QDateEdit(self)
        self.day.setObjectName("form-day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = ctx.clock().astimezone(ctx.clinic.timezone()).date()
        self.day.setDate(QDate(today.year, today.month, today.day))
        top.addRow(self.tr("Questionnaire"), self.questionnaire)
        top.addRow(self.tr("Reference code"), self.code)
        top.addRow(self.tr("Answered on"), self.day)
        layout.addLayout(top)
        hint = hint_label(self)
        hint.setWordWrap(True)
        hint.setText(
            self.tr(
                "The code is printed small at the foot of the form. Leave a question empty "
                "if the patient did not answer it."
            )
        )
        layout.addWidget(hint)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        self.answers = AnswersForm(scroll)
        scroll.setWidget(self.answers)
        layout.addWidget(scroll, 1)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.questionnaire.currentIndexChanged.connect(lambda _i: self._show_items())
        self._show_items()
        self.resize(640, 620)

    def current(self) -> surveys.QuestionnaireView | None:
        qid = self.questionnaire.currentData()
        return next((q for q in self.questionnaires if q.id == qid), None)

    def _show_items(self) -> None:
        q = self.current()
        self.answers.set_items(q.items if q is not None else ())

    def save(self) -> None:
        actor = self.ctx.actor
        q = self.current()
        if actor is None or q is None or self.busy:
            return
        answers = self.answers.answers()
        if not answers:
            self.message.show_error(self.tr("Enter at least one answer from the form."))
            return
        d = self.day.date()

        def done(written: Written[Any]) -> None:
            self.result_value = written.value
            self.ctx.broadcast(written.changes)
            self.accept()

        self.start_call(
            record_form,
            self.ctx.clinic,
            actor,
            questionnaire_id=q.id,
            answers=answers,
            code=self.code.text(),
            answered_on=date(d.year(), d.month(), d.day()),
            on_success=done,
        )


# -- the questionnaire editor -------------------------------------------------------------------


class QuestionnaireDialog(ServiceDialog):
    """Edit or add a questionnaire: name, purpose, items (kind, words), in order.

    An item's key is what its answers are stored under, so once saved it is
    shown but cannot be changed; the words can.
    """

    def __init__(
        self,
        ctx: AppContext,
        questionnaires: Sequence[surveys.QuestionnaireView],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("questionnaire-dialog")
        self.setWindowTitle(self.tr("Questionnaires"))
        self.questionnaires = list(questionnaires)
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.which = QComboBox(self)
        self.which.setObjectName("questionnaire-which")
        for q in self.questionnaires:
            self.which.addItem(questionnaire_name(q), q.id)
        self.which.addItem(self.tr("New questionnaire"), None)
        self.name = QLineEdit(self)
        self.name.setObjectName("questionnaire-name")
        self.name.setMaxLength(100)
        self.purpose = QComboBox(self)
        self.purpose.setObjectName("questionnaire-purpose")
        for code in surveys.PURPOSES:
            self.purpose.addItem(purpose_label(code), code)
        form.addRow(self.tr("Questionnaire"), self.which)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Used for"), self.purpose)
        layout.addLayout(form)
        body = QHBoxLayout()
        self.table = QTableWidget(self)
        self.table.setObjectName("questionnaire-items")
        self.table.setColumnCount(3)
        self.table.setHorizontalHeaderLabels([self.tr("Key"), self.tr("Kind"), self.tr("Question")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        body.addWidget(self.table, 1)
        side = QVBoxLayout()
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setObjectName("questionnaire-add")
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setObjectName("questionnaire-remove")
        self.up_button = QPushButton(self.tr("Up"), self)
        self.down_button = QPushButton(self.tr("Down"), self)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            side.addWidget(b)
        side.addStretch(1)
        body.addLayout(side)
        layout.addLayout(body, 1)
        hint = hint_label(self)
        hint.setWordWrap(True)
        hint.setText(
            self.tr(
                "Keys are short codes (a-z, 0-9, _) the answers are stored under; once saved "
                "they stay. At least one item must be a 1-5 scale."
            )
        )
        layout.addWidget(hint)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.add_button.clicked.connect(lambda: self.add_row("", "scale", "", saved=False))
        self.remove_button.clicked.connect(self.remove_row)
        self.up_button.clicked.connect(lambda: self.move_row(-1))
        self.down_button.clicked.connect(lambda: self.move_row(1))
        self.which.currentIndexChanged.connect(lambda _i: self._show())
        self._show()
        self.resize(820, 560)

    def current(self) -> surveys.QuestionnaireView | None:
        qid = self.which.currentData()
        return next((q for q in self.questionnaires if q.id == qid), None)

    def _show(self) -> None:
        q = self.current()
        self.name.setText(questionnaire_name(q) if q else "")
        self.purpose.setCurrentIndex(max(0, self.purpose.findData(q.purpose if q else "weekly")))
        self.table.setRowCount(0)
        for item in q.items if q else ():
            self.add_row(item.key, item.kind, item_label(item.text), saved=True, source=item.text)
        self.message.clear()

    def add_row(self, key: str, kind: str, text: str, *, saved: bool, source: str = "") -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        key_item = QTableWidgetItem(key)
        if saved:  # the answers are stored under it
            key_item.setFlags(key_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            key_item.setToolTip(self.tr("Saved keys cannot change: earlier answers use them"))
        self.table.setItem(row, 0, key_item)
        combo = QComboBox(self.table)
        for code in surveys.ITEM_KINDS:
            combo.addItem(tr_code("Survey", surveys.ITEM_KIND_LABELS[code]), code)
        combo.setCurrentIndex(max(0, combo.findData(kind)))
        self.table.setCellWidget(row, 1, combo)
        text_item = QTableWidgetItem(text)
        text_item.setData(Qt.ItemDataRole.UserRole, source)
        self.table.setItem(row, 2, text_item)
        self.table.setCurrentCell(row, 0 if not saved else 2)

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def move_row(self, step: int) -> None:
        row = self.table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        items = self.items()
        saved, sources = [], []
        for r in range(self.table.rowCount()):
            key_item, text_item = self.table.item(r, 0), self.table.item(r, 2)
            saved.append(key_item is not None and not key_item.flags() & Qt.ItemFlag.ItemIsEditable)
            sources.append(str(text_item.data(Qt.ItemDataRole.UserRole) or "") if text_item else "")
        order = list(range(len(items)))
        order[row], order[target] = order[target], order[row]
        self.table.setRowCount(0)
        for index in order:
            item = items[index]
            shown = item_label(item.text) if sources[index] == item.text else item.text
            self.add_row(item.key, item.kind, shown, saved=saved[index], source=sources[index])
        self.table.setCurrentCell(target, 2)

    def items(self) -> list[surveys.QuestionItem]:
        out = []
        for r in range(self.table.rowCount()):
            key_item, text_item = self.table.item(r, 0), self.table.item(r, 2)
            combo = self.table.cellWidget(r, 1)
            text = text_item.text().strip() if text_item else ""
            source = text_item.data(Qt.ItemDataRole.UserRole) if text_item else ""
            # A default item left as shown keeps its source words (still translated).
            if source and text == item_label(str(source)):
                text = str(source)
            out.append(
                surveys.QuestionItem(
                    key=key_item.text().strip() if key_item else "",
                    kind=str(combo.currentData()) if isinstance(combo, QComboBox) else "scale",
                    text=text,
                )
            )
        return out

    def save(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        q = self.current()

        def done(written: Written[surveys.QuestionnaireView]) -> None:
            saved = written.value
            self.result_value = saved
            self.ctx.broadcast(written.changes)
            self.questionnaires = [x for x in self.questionnaires if x.id != saved.id] + [saved]
            self.which.blockSignals(True)
            index = combo_index(self.which, saved.id)
            if index < 0:
                self.which.insertItem(self.which.count() - 1, saved.name, saved.id)
                index = combo_index(self.which, saved.id)
            self.which.setItemText(index, saved.name)
            self.which.setCurrentIndex(index)
            self.which.blockSignals(False)
            self._show()
            self.message.show_ok(self.tr("Saved."))

        self.start_call(
            surveys.save_questionnaire,
            self.ctx.clinic,
            actor,
            q.id if q else None,
            name=self.name.text(),
            purpose=str(self.purpose.currentData()),
            items=self.items(),
            active=q.active if q else True,
            on_success=done,
        )


# -- the panel ---------------------------------------------------------------------------------


class SurveysPanel(QWidget):
    """G1: draw the week's sample, follow it, type in forms, read the results."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("quality-surveys")
        self.zone = ctx.clinic.timezone()
        self.draw: surveys.WeekDraw | None = None
        self.questionnaires: list[surveys.QuestionnaireView] = []
        self.results: list[surveys.ResultRow] = []
        self.loads = 0
        self.result_loads = 0
        self._stale = False  # a reload was asked for while hidden: done when shown
        self.may_draw = ctx.may(Action.QUALITY_REPORTS) or ctx.may(Action.FOLLOWUP_SUPERVISE)
        self.may_edit = ctx.may(Action.QUALITY_REPORTS)
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical, self)
        outer.addWidget(split)

        week_box = QGroupBox(split)
        self.week_box = week_box
        col = QVBoxLayout(week_box)
        bar = QHBoxLayout()
        self.week_label = QLabel(week_box)
        self.week = QDateEdit(week_box)
        self.week.setObjectName("survey-week")
        self.week.setCalendarPopup(True)
        self.week.setDisplayFormat("yyyy-MM-dd")
        self.prev_button = QPushButton("◀", week_box)
        self.next_button = QPushButton("▶", week_box)
        for b in (self.prev_button, self.next_button):
            b.setFixedWidth(32)
        self.week_span = hint_label(week_box)
        self.mode_label = QLabel(week_box)
        self.mode = QComboBox(week_box)
        self.mode.setObjectName("survey-mode")
        for code in ("call", "form"):
            self.mode.addItem("", code)
        setting_mode = str(ctx.clinic.setting("quality.survey_mode"))
        self.mode.setCurrentIndex(max(0, self.mode.findData(setting_mode)))
        self.draw_button = QPushButton(week_box)
        self.draw_button.setObjectName("survey-draw")
        self.draw_button.clicked.connect(self.draw_sample)
        for w in (self.week_label, self.prev_button, self.week, self.next_button, self.week_span):
            bar.addWidget(w)
        bar.addSpacing(16)
        bar.addWidget(self.mode_label)
        bar.addWidget(self.mode)
        bar.addWidget(self.draw_button)
        bar.addStretch(1)
        col.addLayout(bar)
        self.summary = QLabel(week_box)
        self.summary.setObjectName("survey-summary")
        self.summary.setWordWrap(True)
        col.addWidget(self.summary)
        self.samples = ReadOnlyTable(week_box)
        self.samples.setObjectName("survey-samples")
        col.addWidget(self.samples, 1)
        buttons = QHBoxLayout()
        self.print_button = QPushButton(week_box)
        self.print_button.setObjectName("survey-print-forms")
        self.print_button.clicked.connect(self.print_forms)
        self.enter_button = QPushButton(week_box)
        self.enter_button.setObjectName("survey-enter-form")
        self.enter_button.clicked.connect(self.enter_form)
        self.edit_button = QPushButton(week_box)
        self.edit_button.setObjectName("survey-questionnaires")
        self.edit_button.clicked.connect(self.edit_questionnaires)
        self.edit_button.setVisible(self.may_edit)
        for b in (self.print_button, self.enter_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        col.addLayout(buttons)
        self.message = MessageLabel(week_box)
        self.message.setObjectName("survey-message")
        col.addWidget(self.message)
        split.addWidget(week_box)

        results_box = QGroupBox(split)
        self.results_box = results_box
        col = QVBoxLayout(results_box)
        bar = QHBoxLayout()
        self.first_edit = QDateEdit(results_box)
        self.first_edit.setObjectName("survey-first-day")
        self.last_edit = QDateEdit(results_box)
        self.last_edit.setObjectName("survey-last-day")
        today = ctx.clock().astimezone(self.zone).date()
        first, last = month_bounds(today)
        for edit, day in ((self.first_edit, first), (self.last_edit, last)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(day.year, day.month, day.day))
        self.by_label = QLabel(results_box)
        self.by = QComboBox(results_box)
        self.by.setObjectName("survey-by")
        for code in GROUPINGS:
            self.by.addItem("", code)
        for w in (self.first_edit, QLabel("–", results_box), self.last_edit):
            bar.addWidget(w)
        bar.addSpacing(16)
        bar.addWidget(self.by_label)
        bar.addWidget(self.by)
        bar.addStretch(1)
        col.addLayout(bar)
        self.results_table = ReadOnlyTable(results_box)
        self.results_table.setObjectName("survey-results")
        # The question (or name) takes the room; the figures stay as wide as they need.
        self.results_table.horizontalHeader().setStretchLastSection(False)
        col.addWidget(self.results_table, 1)
        self.results_message = MessageLabel(results_box)
        col.addWidget(self.results_message)
        split.addWidget(results_box)
        split.setSizes([420, 300])

        # The week to draw is the last finished one (G1: a week's patients, once seen).
        last_week = today - timedelta(days=7)
        self.week.setDate(QDate(last_week.year, last_week.month, last_week.day))
        self._snap_week()
        self.week.dateChanged.connect(lambda _d: self._snap_week())
        self.prev_button.clicked.connect(lambda: self.step_week(-7))
        self.next_button.clicked.connect(lambda: self.step_week(7))
        self.first_edit.dateChanged.connect(lambda _d: self.reload_results())
        self.last_edit.dateChanged.connect(lambda _d: self.reload_results())
        self.by.currentIndexChanged.connect(lambda _i: self.reload_results())
        self.mode.currentIndexChanged.connect(lambda _i: self._apply_mode())
        ctx.sig_changes.connect(self._on_changes)
        # Callers (FOLLOWUP_WORK) type in forms; the draw and the figures are the
        # supervisors' and the director's, as the service allows.
        for shown in (self.draw_button, self.mode, self.mode_label, self.samples, self.summary):
            shown.setVisible(self.may_draw)
        self.may_read_results = ctx.may(Action.QUALITY_REPORTS)
        self.results_box.setVisible(self.may_read_results)
        self.retranslate()
        self.reload_results()  # the week's sample was loaded by _snap_week above

    # -- text -----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.week_box.setTitle(self.tr("Weekly sample"))
        self.results_box.setTitle(self.tr("Results"))
        self.week_label.setText(self.tr("Week of"))
        self.prev_button.setToolTip(self.tr("The week before"))
        self.next_button.setToolTip(self.tr("The week after"))
        self.mode_label.setText(self.tr("Ask by"))
        for i in range(self.mode.count()):
            self.mode.setItemText(i, mode_label(str(self.mode.itemData(i))))
        self.draw_button.setText(self.tr("Draw this week's sample"))
        self.draw_button.setToolTip(
            self.tr(
                "Draws the week's share of patients seen (Settings, Quality). Drawing again "
                "keeps those already drawn; every workstation draws the same patients."
            )
        )
        self.print_button.setText(self.tr("Print forms…"))
        self.enter_button.setText(self.tr("Enter a returned form…"))
        self.edit_button.setText(self.tr("Questionnaires…"))
        self.samples.set_headers(
            [
                self.tr("Patient"),
                self.tr("Doctor"),
                self.tr("Department"),
                self.tr("Visit"),
                self.tr("Asked by"),
                self.tr("Status"),
                self.tr("Code"),
            ]
        )
        self.by_label.setText(self.tr("By"))
        for i, label in enumerate((self.tr("Question"), self.tr("Doctor"), self.tr("Department"))):
            self.by.setItemText(i, label)
        self.results_table.set_headers(
            [
                {"question": self.tr("Question"), "doctor": self.tr("Doctor")}.get(
                    self.by_code(), self.tr("Department")
                ),
                self.tr("Responses"),
                self.tr("Answers"),
                self.tr("Mean (1-5)"),
                self.tr("Satisfied (4-5)"),
                self.tr("Satisfied %"),
            ]
        )
        self._show_span()
        self._show_week()
        self._show_results()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- the week ---------------------------------------------------------------------------------

    def week_start(self) -> date:
        d = self.week.date()
        return monday_of(date(d.year(), d.month(), d.day()))

    def _snap_week(self) -> None:
        monday = self.week_start()
        self.week.blockSignals(True)
        self.week.setDate(QDate(monday.year, monday.month, monday.day))
        self.week.blockSignals(False)
        self._show_span()
        self.reload()

    def _show_span(self) -> None:
        monday = self.week_start()
        self.week_span.setText(
            self.tr("{first} to {last}").format(
                first=monday.isoformat(), last=(monday + timedelta(days=6)).isoformat()
            )
        )

    def step_week(self, days: int) -> None:
        monday = self.week_start() + timedelta(days=days)
        self.week.setDate(QDate(monday.year, monday.month, monday.day))

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.QUALITY) or changes.touches(Topic.FOLLOWUPS):
            self.reload()
            self.reload_results()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not hasattr(self, "samples"):
            return
        if not self.isVisible():
            # The week's sample reads ~130 MiB of pages (~1.3 s) on the 5-year clinic:
            # not at every sign-in for a tab nobody opened (issue 12 review).
            self._stale = True
            return
        self._stale = False
        week = self.week_start()

        def show(answer: tuple[surveys.WeekDraw | None, list[surveys.QuestionnaireView]]) -> None:
            if week != self.week_start():
                return
            self.loads += 1
            self.draw, self.questionnaires = answer
            self._show_week()

        def failed(error: BaseException) -> None:
            self.loads += 1
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            load_week,
            self.ctx.clinic,
            actor,
            week,
            with_sample=self.may_draw,
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def draw_sample(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.draw_button.setEnabled(False)

        def drawn(written: Written[surveys.WeekDraw]) -> None:
            self.draw_button.setEnabled(True)
            self.draw = written.value
            self._show_week()
            self.ctx.broadcast(written.changes)
            d = written.value
            if not d.patients_seen:
                self.message.show_info(self.tr("No patients were seen that week: nobody to ask."))
            else:
                self.message.show_ok(
                    self.tr("Drew {n} of {seen} patients seen ({percent} %).").format(
                        n=len(d.drawn), seen=d.patients_seen, percent=d.percent
                    )
                )

        def failed(error: BaseException) -> None:
            self.draw_button.setEnabled(True)
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            surveys.draw_week,
            self.ctx.clinic,
            actor,
            self.week_start(),
            mode=str(self.mode.currentData()),
            on_success=drawn,
            on_error=failed,
            owner=self,
        )

    def _apply_mode(self) -> None:
        self._show_week()

    def _show_week(self) -> None:
        d = self.draw
        drawn = d.drawn if d is not None and d.week_start == self.week_start() else ()
        self.samples.set_rows(
            [
                (
                    s.id,
                    [
                        s.patient_name,
                        s.doctor_name,
                        s.department,
                        s.visit_day.isoformat() if s.visit_day else "",
                        mode_label(s.mode),
                        status_label(s.status),
                        s.code if s.mode == "form" else "",
                    ],
                )
                for s in drawn
            ]
        )
        if d is None or d.week_start != self.week_start():
            self.summary.setText("")
        elif not drawn:
            self.summary.setText(self.tr("Not drawn yet for this week."))
        else:
            modes = sorted({s.mode for s in drawn})
            answered = sum(1 for s in drawn if s.status == "answered")
            self.summary.setText(
                self.tr(
                    "Patients seen: {seen}. Drawn: {n} ({percent} %), asked by {mode}. "
                    "Answered so far: {answered}."
                ).format(
                    seen=d.patients_seen,
                    n=len(drawn),
                    percent=d.percent,
                    mode=" / ".join(mode_label(m) for m in modes),
                    answered=answered,
                )
            )
        forms = any(s.mode == "form" for s in drawn)
        self.print_button.setEnabled(bool(self.questionnaires))
        self.print_button.setToolTip(
            self.tr("One form per patient drawn for a printed form, with its code")
            if forms
            else self.tr("A blank form (no patient drawn for a printed form this week)")
        )
        self.enter_button.setEnabled(bool(self.questionnaires))

    def weekly_questionnaire(self) -> surveys.QuestionnaireView | None:
        active = [q for q in self.questionnaires if q.active]
        return next((q for q in active if q.purpose == "weekly"), active[0] if active else None)

    def print_forms(self) -> None:
        q = self.weekly_questionnaire()
        if q is None:
            return
        d = self.draw
        ids = [s.id for s in d.drawn if s.mode == "form" and s.status == "drawn"] if d else []
        documents.start_print(
            self.ctx,
            self,
            build_forms_pdf,
            q.id,
            ids,
            title=self.tr("Satisfaction survey forms"),
            file_name=f"survey-forms-{self.week_start().isoformat()}.pdf",
            language=ui_language(),
        )

    def enter_form(self) -> EnterFormDialog | None:
        if not self.questionnaires:
            return None
        dialog = EnterFormDialog(self.ctx, self.questionnaires, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.message.show_ok(self.tr("The form's answers are saved."))
        )
        dialog.open()
        return dialog

    def edit_questionnaires(self) -> QuestionnaireDialog | None:
        if not self.may_edit:
            return None
        dialog = QuestionnaireDialog(self.ctx, self.questionnaires, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- results ----------------------------------------------------------------------------------

    def by_code(self) -> str:
        return str(self.by.currentData())

    def period(self) -> tuple[date, date]:
        a, b = self.first_edit.date(), self.last_edit.date()
        return date(a.year(), a.month(), a.day()), date(b.year(), b.month(), b.day())

    def reload_results(self) -> None:
        actor = self.ctx.actor
        if actor is None or not getattr(self, "may_read_results", False):
            return
        first, last = self.period()
        by = self.by_code()

        def show(rows: list[surveys.ResultRow]) -> None:
            if (first, last, by) != (*self.period(), self.by_code()):
                return
            self.result_loads += 1
            self.results = rows
            self.results_message.clear()
            self.retranslate()

        def failed(error: BaseException) -> None:
            self.result_loads += 1
            self.results = []
            self._show_results()
            self.results_message.show_error(full_error_text(error))

        self.ctx.runner.start(
            surveys.survey_results,
            self.ctx.clinic,
            actor,
            first,
            last,
            by=by,
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def result_key(self, row: surveys.ResultRow) -> str:
        if self.by_code() == "question":
            return item_label(row.label)
        return row.label or self.tr("(not recorded)")

    def _show_results(self) -> None:
        header = self.results_table.horizontalHeader()
        if self.results_table.columnCount():
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.results_table.set_rows(
            [
                (
                    r.key,
                    [
                        self.result_key(r),
                        str(r.responses),
                        str(r.answers),
                        "—" if r.mean is None else f"{r.mean:.2f}",
                        str(r.satisfied),
                        "—" if r.satisfied_rate is None else f"{r.satisfied_rate * 100:.1f} %",
                    ],
                )
                for r in self.results
            ]
        )
        if not self.results and not self.results_message.is_error:
            self.results_message.show_info(self.tr("No survey answers in this period."))
