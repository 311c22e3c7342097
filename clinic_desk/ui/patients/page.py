"""Patients: find a patient by name or phone (issue 4 grows this into the health file)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from clinic_desk.core.services import patients
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text

_Index = QModelIndex | QPersistentModelIndex


class PatientTableModel(QAbstractTableModel):
    """Plain rows from the search service; never touches the database itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[patients.PatientSummary] = []

    def set_rows(self, rows: list[patients.PatientSummary]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return (self.tr("Name"), self.tr("Sex"), self.tr("Date of birth"), self.tr("Phone"))[
            section
        ]

    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        p = self.rows[index.row()]
        sex = {"F": self.tr("Female"), "M": self.tr("Male")}.get(p.sex, self.tr("Unknown"))
        return (
            f"{p.family_name}{p.given_name}", sex,
            p.birth_date.isoformat() if p.birth_date else "", p.phone,
        )[index.column()]


class PatientsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(100)
        layout.addWidget(self.search)
        self.status = QLabel(self)
        layout.addWidget(self.status)
        self.model = PatientTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setAlternatingRowColors(True)
        layout.addWidget(self.table, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search patients by name or phone (Ctrl+K)"))

    def find(self, text: str) -> None:
        self.search.setText(text)
        self.run_search()

    def run_search(self) -> None:
        actor = self.ctx.actor
        query = self.search.text()
        if actor is None:
            return
        if not query.strip():
            self.model.set_rows([])
            self.status.clear()
            return
        self.ctx.runner.start(
            patients.search_patients, self.ctx.clinic, actor, query,
            on_success=self._show, on_error=lambda e: self.status.setText(error_text(e)),
        )

    def _show(self, rows: list[patients.PatientSummary]) -> None:
        self.model.set_rows(rows)
        self.status.setText(
            self.tr("%n patient(s) found", "", len(rows)) if rows else self.tr("No patient found.")
        )

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.PATIENTS) and self.search.text().strip():
            self.run_search()
