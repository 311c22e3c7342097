"""The weekly suggestion-box opening (spec F1): every note entered, saved at once.

The box is opened once a week; each note is a row (what it says, who wrote it
and how to reach them if they gave it, the department, the severity). Save all
is one service call: all the notes or none. When a note is refused the message
names it ("Note 2: ...") and the cursor goes to that row, so nothing is entered
twice. Rows left empty are skipped.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.services import complaints
from clinic_desk.core.services.base import Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import full_error_text
from clinic_desk.ui.quality.complaint_dialog import _pydate, _qdate
from clinic_desk.ui.quality.complaints import severity_label
from clinic_desk.ui.settings.common import MessageLabel, hint_label

COLUMNS = ("content", "complainant", "contact", "department", "severity")
COL_SEVERITY = 4
START_ROWS = 5
MAX_NOTES = 200
# The service names the refused note in its English template: "Note 3: ...".
NOTE_NUMBER = re.compile(r"\bNote (\d+)\b")


def note_number(error: BaseException) -> int | None:
    """Which note (1-based) an error is about, if it names one."""
    if not isinstance(error, ClinicError):
        return None
    for key in ("note", "number", "index"):
        value = error.params.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    match = NOTE_NUMBER.search(str(error))
    return int(match.group(1)) if match else None


class SuggestionBoxDialog(QDialog):
    """One opening of the suggestion box: the day and its notes."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False
        self.written: Written[Any] | None = None
        self.setObjectName("suggestion-box")
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        self.intro = hint_label(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        top = QHBoxLayout()
        self.day_label = QLabel(self)
        today = ctx.clinic.today()
        self.day = QDateEdit(_qdate(today), self)
        self.day.setObjectName("box-opened-on")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd ddd")
        self.day.setMaximumDate(_qdate(today))
        self.day_label.setBuddy(self.day)
        top.addWidget(self.day_label)
        top.addWidget(self.day)
        top.addStretch(1)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("box-notes")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() * 2 + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, 130)
        self.table.setColumnWidth(2, 150)
        self.table.setColumnWidth(3, 110)
        self.table.setColumnWidth(4, 110)
        layout.addWidget(self.table, 1)
        rows = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("box-add")
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("box-remove")
        self.remove_button.clicked.connect(self.remove_row)
        rows.addWidget(self.add_button)
        rows.addWidget(self.remove_button)
        rows.addStretch(1)
        layout.addLayout(rows)
        self.message = MessageLabel(self)
        self.message.setObjectName("box-message")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("box-save")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for _ in range(START_ROWS):
            self.add_row()
        self.retranslate()
        self.table.setCurrentCell(0, 0)
        self.table.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Suggestion box"))
        self.intro.setText(
            self.tr(
                "Enter every note found in the box, one per row, then save them all at once. "
                "Name and contact only if the writer gave them; empty rows are skipped. Each "
                "note becomes a complaint you own, received on the day the box was opened."
            )
        )
        self.day_label.setText(self.tr("&Opened on"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("What the note says"),
                self.tr("Name (if given)"),
                self.tr("Contact (if given)"),
                self.tr("Department"),
                self.tr("Severity"),
            ]
        )
        self.add_button.setText(self.tr("Add a row"))
        self.remove_button.setText(self.tr("Remove the row"))
        self.save_button.setText(self.tr("Save all"))
        for r in range(self.table.rowCount()):
            combo = self.severity(r)
            for i in range(combo.count()):
                combo.setItemText(i, severity_label(combo.itemData(i)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- rows ------------------------------------------------------------------------------

    def add_row(self, *, focus: bool = False) -> int:
        if self.table.rowCount() >= MAX_NOTES:
            self.message.show_error(
                self.tr("At most {n} notes at a time: save these, then open the box again.").format(
                    n=MAX_NOTES
                )
            )
            return -1
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c in range(COL_SEVERITY):
            self.table.setItem(r, c, QTableWidgetItem(""))
        combo = QComboBox(self.table)
        combo.setObjectName(f"box-severity-{r + 1}")
        for code in complaints.SEVERITIES:
            combo.addItem(severity_label(code), code)
        self.table.setCellWidget(r, COL_SEVERITY, combo)
        first = self.table.item(r, 0)
        if focus and first is not None:
            self.table.setCurrentCell(r, 0)
            self.table.editItem(first)
        return r

    def remove_row(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)
            if self.table.rowCount() == 0:
                self.add_row()

    def severity(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, COL_SEVERITY)
        assert isinstance(widget, QComboBox)
        return widget

    def set_note(self, row: int, **values: str) -> None:
        """Fill one row (typing into cells, for the tests and the keyboard alike)."""
        while self.table.rowCount() <= row:
            self.add_row()
        for key, value in values.items():
            if key == "severity":
                combo = self.severity(row)
                combo.setCurrentIndex(max(0, combo.findData(value)))
            else:
                item = self.table.item(row, COLUMNS.index(key))
                if item is not None:
                    item.setText(value)

    def _cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def notes(self) -> list[complaints.ComplaintInput]:
        # Every row is sent, empty ones too (the service skips them), so the
        # number in a refusal is the row's number on screen.
        return [
            complaints.ComplaintInput(
                channel="suggestion_box",
                content=self._cell(r, 0),
                complainant=self._cell(r, 1),
                contact=self._cell(r, 2),
                department=self._cell(r, 3),
                severity=self.severity(r).currentData(),
            )
            for r in range(self.table.rowCount())
        ]

    # -- saving ----------------------------------------------------------------------------

    def save(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        # A cell still being typed in holds its text in the editor until it is left.
        self.table.setCurrentCell(-1, -1)
        notes = self.notes()
        if not any(n.content.strip() or n.complainant.strip() or n.contact.strip() for n in notes):
            self.message.show_error(self.tr("Write at least one note, then save."))
            self.table.setCurrentCell(0, 0)
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self.ctx.runner.start(
            complaints.record_suggestion_box,
            self.ctx.clinic,
            actor,
            _pydate(self.day.date()),
            notes,
            on_success=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, written: Written[Any]) -> None:
        self.busy = False
        self.written = written
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.message.show_error(full_error_text(error))
        number = note_number(error)
        if number is not None and 1 <= number <= self.table.rowCount():
            self.table.setCurrentCell(number - 1, 0)
            self.table.scrollTo(self.table.model().index(number - 1, 0))
            self.table.setFocus()

    def reject(self) -> None:
        if not self.busy:
            super().reject()
