"""Root-cause records (spec G5): a 5-Why analysis of a complaint or a problem found.

``RootCausesPanel`` lists them (open first, the due time with the time left,
overdue in red); ``RootCauseDialog`` writes one: the problem, up to five "why"
answers, the root cause found and the actions; Done closes it. Anyone who finds
a problem may start one, so the problem is written in general terms: the list
is open to all staff. An analysis of a complaint may quote it, so its texts show
"Confidential" to whoever may not read that complaint's details (C6).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError, NotFound
from clinic_desk.core.services import complaints
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import TaskDialog, TaskTable
from clinic_desk.ui.patients.common import full_error_text, local
from clinic_desk.ui.quality.complaints import GREY, RED, left_minutes, left_text
from clinic_desk.ui.settings.common import MessageLabel

WHYS = 5
COL_DUE = 4


def due_text(ctx: AppContext, item: complaints.RootCauseView) -> tuple[str, bool]:
    """ "2026-11-24 10:00 (3 h left)", or done; and whether it is late."""
    if item.done_at is not None:
        return (
            QCoreApplication.translate("RootCausesPanel", "{due} (done {time})").format(
                due=local(ctx, item.due_at), time=local(ctx, item.done_at)
            ),
            item.done_at > item.due_at,
        )
    minutes = left_minutes(item.due_at, ctx.clock())
    return f"{local(ctx, item.due_at)} ({left_text(minutes)})", minutes < 0


def start_and_save(
    clinic: Clinic,
    actor: Actor,
    *,
    problem: str,
    complaint_id: uuid.UUID | None,
    department: str,
    whys: Sequence[str],
    root_cause: str,
    actions: str,
    done: bool,
) -> Written[complaints.RootCauseView]:
    """A new analysis: started (its 24-hour clock runs from now), then what is known saved.
    A refused save leaves the analysis started: the error says so (``StartedNotSaved``),
    so the dialog's next Save updates that one instead of starting another."""
    started = complaints.start_root_cause(
        clinic, actor, problem=problem, complaint_id=complaint_id, department=department
    )
    if not (any(w.strip() for w in whys) or root_cause.strip() or actions.strip() or done):
        return started
    try:
        saved = complaints.save_root_cause(
            clinic,
            actor,
            started.value.id,
            whys=whys,
            root_cause=root_cause,
            actions=actions,
            done=done,
        )
    except ClinicError as refused:
        raise StartedNotSaved(started, refused) from refused
    return Written(saved.value, started.changes | saved.changes)


class StartedNotSaved(Exception):
    """The analysis was started; what followed was refused (``refused`` says why)."""

    def __init__(self, started: Written[complaints.RootCauseView], refused: ClinicError) -> None:
        super().__init__(str(refused))
        self.started = started
        self.refused = refused


def find_root_cause(clinic: Clinic, actor: Actor, rid: uuid.UUID) -> complaints.RootCauseView:
    """One analysis by id (the list of all is short: a few a month)."""
    for item in complaints.root_causes(clinic, actor, status="all"):
        if item.id == rid:
            return item
    raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "root-cause analysis"))


def open_root_cause(ctx: AppContext, parent: QWidget, rid: uuid.UUID) -> RootCauseDialog:
    """The editor for an existing analysis, filled once it has been read."""
    dialog = RootCauseDialog(ctx, parent, None, loading=True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    actor = ctx.actor
    if actor is not None:
        ctx.runner.start(
            find_root_cause,
            ctx.clinic,
            actor,
            rid,
            on_success=dialog.set_view,
            on_error=dialog._failed,
            owner=dialog,
        )
    dialog.open()
    return dialog


class RootCauseDialog(TaskDialog):
    """The 5-Why editor: a new analysis (``view`` None) or an existing one."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        view: complaints.RootCauseView | None,
        *,
        complaint_id: uuid.UUID | None = None,
        department: str = "",
        problem: str = "",
        loading: bool = False,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("root-cause-dialog")
        self.setMinimumWidth(680)
        self.view = view
        self.loading = loading
        self.complaint_id = complaint_id
        self.problem = QPlainTextEdit(self)
        self.problem.setObjectName("rc-problem")
        self.problem.setTabChangesFocus(True)
        self.problem.setMaximumHeight(70)
        self.problem.setPlainText(problem)
        self.problem_row = QLabel(self)
        self.form.addRow(self.problem_row, self.problem)
        self.department = QLineEdit(department, self)
        self.department.setObjectName("rc-department")
        self.department.setMaxLength(50)
        self.department_row = QLabel(self)
        self.form.addRow(self.department_row, self.department)
        self.facts = QLabel(self)
        self.facts.setObjectName("rc-facts")
        self.facts_row = QLabel(self)
        self.form.addRow(self.facts_row, self.facts)
        self.whys: list[QLineEdit] = []
        self.why_rows: list[QLabel] = []
        for i in range(WHYS):
            edit = QLineEdit(self)
            edit.setObjectName(f"rc-why-{i + 1}")
            edit.setMaxLength(500)
            row = QLabel(self)
            self.form.addRow(row, edit)
            self.whys.append(edit)
            self.why_rows.append(row)
        self.root_cause = QPlainTextEdit(self)
        self.root_cause.setObjectName("rc-root-cause")
        self.root_cause.setTabChangesFocus(True)
        self.root_cause.setMaximumHeight(70)
        self.root_row = QLabel(self)
        self.form.addRow(self.root_row, self.root_cause)
        self.actions_edit = QPlainTextEdit(self)
        self.actions_edit.setObjectName("rc-actions")
        self.actions_edit.setTabChangesFocus(True)
        self.actions_edit.setMaximumHeight(90)
        self.actions_row = QLabel(self)
        self.form.addRow(self.actions_row, self.actions_edit)
        self.done_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.done_button.setObjectName("rc-done")
        self.done_button.clicked.connect(lambda: self.save(done=True))
        self.finish_layout()
        self.retranslate()
        self._fill()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Root cause (5 Why)"))
        self.intro.setText(
            self.tr(
                "Ask why it happened, then why that happened, up to five times, until you "
                "reach a cause the clinic can change. Write in general terms: no names."
            )
        )
        self.problem_row.setText(self.tr("Problem"))
        self.problem.setPlaceholderText(self.tr("What went wrong, in general terms"))
        self.department_row.setText(self.tr("Department"))
        self.facts_row.setText(self.tr("Owner and due"))
        for i, (row, edit) in enumerate(zip(self.why_rows, self.whys, strict=True)):
            row.setText(self.tr("Why {n}?").format(n=i + 1))
            edit.setPlaceholderText(
                self.tr("Why did the problem happen?")
                if i == 0
                else self.tr("Why did that happen?")
            )
        self.root_row.setText(self.tr("Root cause"))
        self.actions_row.setText(self.tr("Actions"))
        self.actions_edit.setPlaceholderText(self.tr("What will change, who does it, by when"))
        self.done_button.setText(self.tr("Done"))
        self.done_button.setToolTip(
            self.tr("The analysis is complete: the root cause and the actions are written")
        )
        self._fill_facts()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, StartedNotSaved):
            # Keep what was typed; from now on Save updates the started analysis.
            self.view = error.started.value
            self.problem.setReadOnly(True)
            self.department.setReadOnly(True)
            self._fill_facts()
            self.ctx.broadcast(error.started.changes)
            error = error.refused
        super()._failed(error)

    def set_view(self, view: complaints.RootCauseView) -> None:
        self.view = view
        self.loading = False
        self._fill()

    def _fill(self) -> None:
        view = self.view
        new = view is None and not self.loading
        self.problem.setReadOnly(not new)
        self.department.setReadOnly(not new)
        if view is not None:
            self.problem.setPlainText(view.problem)
            self.department.setText(view.department)
            for edit, text in zip(self.whys, list(view.whys) + [""] * WHYS, strict=False):
                edit.setText(text)
            self.root_cause.setPlainText(view.root_cause)
            self.actions_edit.setPlainText(view.actions)
            done = view.status == "done"
            for edit in self.whys:
                edit.setReadOnly(done)
            self.root_cause.setReadOnly(done)
            self.actions_edit.setReadOnly(done)
            self.buttons.setEnabled(not done)
            self.done_button.setEnabled(not done)
        else:
            self.buttons.setEnabled(not self.loading)
        self._fill_facts()
        (self.problem if new else self.whys[0]).setFocus()

    def _fill_facts(self) -> None:
        view = self.view
        if view is None:
            hours = int(self.ctx.clinic.setting("quality.root_cause_within_hours"))
            self.facts.setText(
                self.tr("You; due %n hour(s) after it is found (now).", "", hours)
                if not self.loading
                else self.tr("Loading…")
            )
            self.facts.setStyleSheet("")
            return
        text, late = due_text(self.ctx, view)
        parts = [view.owner_name or "—", text]
        if view.complaint_number:
            parts.append(self.tr("complaint {number}").format(number=view.complaint_number))
        self.facts.setText(" · ".join(parts))
        self.facts.setStyleSheet(f"color: {RED};" if late else "")

    def save(self, *, done: bool = False) -> None:
        whys = [edit.text() for edit in self.whys]
        # Trailing empty answers are not whys; the service counts 1..5.
        while whys and not whys[-1].strip():
            whys.pop()
        if self.view is None:
            if self.loading:
                return
            self.run(
                start_and_save,
                problem=self.problem.toPlainText(),
                complaint_id=self.complaint_id,
                department=self.department.text(),
                whys=whys,
                root_cause=self.root_cause.toPlainText(),
                actions=self.actions_edit.toPlainText(),
                done=done,
            )
        else:
            self.run(
                complaints.save_root_cause,
                self.view.id,
                whys=whys,
                root_cause=self.root_cause.toPlainText(),
                actions=self.actions_edit.toPlainText(),
                done=done,
            )


STATUSES = ("open", "done", "all")


class RootCausesPanel(QWidget):
    """Feature "Complaints & quality", tab "Root causes"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("root-causes-panel")
        self.items: list[complaints.RootCauseView] = []
        self.loaded = False
        self.loads = 0
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.status = QComboBox(self)
        self.status.setObjectName("rc-status")
        for code in STATUSES:
            self.status.addItem("", code)
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.status)
        self.counts = QLabel(self)
        bar.addWidget(self.counts, 1)
        layout.addLayout(bar)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.table = TaskTable(self)
        self.table.setObjectName("rc-table")
        self.table.sig_enter.connect(self.open_selected)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("rc-new")
        self.new_button.clicked.connect(self.new)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("rc-open")
        self.open_button.clicked.connect(self.open_selected)
        row.addWidget(self.new_button)
        row.addWidget(self.open_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.timer = QTimer(self)
        self.timer.setInterval(60_000)
        self.timer.timeout.connect(self._fill)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        names = {"open": self.tr("Open"), "done": self.tr("Done"), "all": self.tr("All")}
        for i in range(self.status.count()):
            self.status.setItemText(i, names[self.status.itemData(i)])
        self.new_button.setText(self.tr("New analysis…"))
        self.new_button.setToolTip(self.tr("A problem found: ask why, five times, within a day"))
        self.open_button.setText(self.tr("Open…"))
        self.table.set_headers(
            [
                self.tr("Problem"),
                self.tr("Complaint"),
                self.tr("Department"),
                self.tr("Owner"),
                self.tr("Due"),
                self.tr("Root cause"),
            ]
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 280)
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.timer.start()
        if not self.loaded:
            self.reload()

    def hideEvent(self, event: Any) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            complaints.root_causes,
            self.ctx.clinic,
            actor,
            status=self.status.currentData() or "open",
            on_success=self._show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _show(self, items: list[complaints.RootCauseView]) -> None:
        self.items = list(items)
        self.loaded = True
        self.loads += 1
        self.message.clear()
        self._fill()

    def _on_changes(self, changes: Changes) -> None:
        if self.loaded and (changes.touches(Topic.COMPLAINTS) or changes.touches(Topic.QUALITY)):
            self.reload()

    def _fill(self) -> None:
        rows: list[tuple[Any, list[str]]] = []
        late: list[int] = []
        for r, item in enumerate(self.items):
            due, is_late = due_text(self.ctx, item)
            if is_late and item.done_at is None:
                late.append(r)
            rows.append(
                (
                    item.id,
                    [
                        # C6: the complaints list's own word for details withheld.
                        QCoreApplication.translate("ComplaintsPanel", "Confidential")
                        if item.confidential
                        else item.problem,
                        item.complaint_number,
                        item.department,
                        item.owner_name,
                        due,
                        item.root_cause,
                    ],
                )
            )
        self.table.set_rows(rows, red=late)
        for r, item in enumerate(self.items):
            cell = self.table.item(r, 0)
            if item.confidential and cell is not None:
                cell.setForeground(QColor(GREY))
        for r in late:
            cell = self.table.item(r, COL_DUE)
            if cell is not None:
                cell.setForeground(QColor(RED))
        if self.items and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self.counts.setText(
            self.tr("%n analysis(es)", "", len(self.items)) if self.loaded else self.tr("Loading…")
        )
        self.open_button.setEnabled(bool(self.items))

    def selected(self) -> complaints.RootCauseView | None:
        chosen = self.table.current_id()
        return next((i for i in self.items if i.id == chosen), None)

    def new(self) -> RootCauseDialog:
        dialog = RootCauseDialog(self.ctx, self, None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_selected(self) -> RootCauseDialog | None:
        item = self.selected()
        if item is None:
            return None
        dialog = RootCauseDialog(self.ctx, self, item)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog
