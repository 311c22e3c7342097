"""Patients: find a patient in a keystroke, register one, open the health file.

The search box is the desk's most frequent action (issue 4): results as you
type (name, pinyin or initials, any 4+ digits of a phone, ID number, record
number), Enter or a double-click opens the first or chosen patient's file.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.rules.phones import format_phone
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import patient_search
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text

_Index = QModelIndex | QPersistentModelIndex


class PatientTableModel(QAbstractTableModel):
    """Plain rows from the search service; never touches the database itself."""

    def __init__(self, region: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.region = region
        self.rows: list[patient_search.PatientHit] = []

    def set_rows(self, rows: list[patient_search.PatientHit]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 6

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return (
            self.tr("Record no."),
            self.tr("Name"),
            self.tr("Sex"),
            self.tr("Date of birth"),
            self.tr("Phone"),
            self.tr("ID document"),
        )[section]

    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return p.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        sex = {"F": self.tr("Female"), "M": self.tr("Male")}.get(p.sex, "")
        return (
            p.record_no,
            display_name(p.family_name, p.given_name),
            sex,
            p.birth_date.isoformat() if p.birth_date else "",
            format_phone(p.phone, region=self.region) if p.phone else "",
            p.id_number_masked,
        )[index.column()]


class SearchView(QWidget):
    def __init__(self, page: PatientsPage) -> None:
        super().__init__(page)
        self.page = page
        ctx = page.ctx
        self.ctx = ctx
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("patient-search")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(100)
        row.addWidget(self.search, 1)
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("new-patient")
        self.new_button.clicked.connect(lambda: page.new_patient(self.search.text()))
        row.addWidget(self.new_button)
        self.import_button = QPushButton(self)
        self.import_button.setObjectName("import-patients")
        self.import_button.clicked.connect(page.import_patients)
        row.addWidget(self.import_button)
        layout.addLayout(row)
        self.status = QLabel(self)
        self.status.setObjectName("search-status")
        layout.addWidget(self.status)
        region = str(ctx.clinic.setting("clinic.phone_region"))
        self.model = PatientTableModel(region, self)
        self.table = QTableView(self)
        self.table.setObjectName("patient-results")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setAlternatingRowColors(True)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        from clinic_desk.ui.patients.referrals_tab import IncomingReferralsPanel

        # Incoming referrals get a fast path (spec C5): always in view beside the search.
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        self.incoming = IncomingReferralsPanel(ctx, split)
        self.incoming.sig_open_patient.connect(page.open_patient)
        split.addWidget(self.incoming)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._open_current)
        self._pending = 0
        self.retranslate()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(
            self.tr(
                "Search: name, pinyin or initials (zs), phone digits, ID or record number (Ctrl+K)"
            )
        )
        self.new_button.setText(self.tr("New patient…"))
        self.new_button.setToolTip(self.tr("Register a new patient (Ctrl+N)"))
        self.import_button.setText(self.tr("Import…"))
        self.import_button.setToolTip(self.tr("Import patients from an Excel or CSV file"))
        self.new_button.setVisible(self.ctx.may(Action.PATIENT_REGISTER))
        self.incoming.setVisible(self.ctx.may(Action.REFERRAL_DESK))
        self.import_button.setVisible(self.ctx.may(Action.PATIENT_IMPORT))

    def run_search(self) -> None:
        actor = self.ctx.actor
        query = self.search.text()
        if actor is None:
            return
        if not query.strip():
            self.model.set_rows([])
            self.status.setText(self.tr("Type to search; Enter opens the first patient."))
            return
        self._pending += 1
        ticket = self._pending

        def show(rows: list[patient_search.PatientHit]) -> None:
            if ticket == self._pending:  # an older, slower answer must not replace a newer one
                self._show(rows)

        self.ctx.runner.start(
            patient_search.search_patients,
            self.ctx.clinic,
            actor,
            query,
            limit=50,
            on_success=show,
            on_error=lambda e: self.status.setText(error_text(e)),
            owner=self,
        )

    def _show(self, rows: list[patient_search.PatientHit]) -> None:
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
            self.status.setText(self.tr("%n patient(s) found", "", len(rows)))
        else:
            self.status.setText(
                self.tr("No patient found. Check the spelling, or register a new patient (Ctrl+N).")
            )

    def _open_index(self, index: QModelIndex) -> None:
        patient_id = self.model.data(self.model.index(index.row(), 0), Qt.ItemDataRole.UserRole)
        if patient_id is not None:
            self.page.open_patient(patient_id)

    def _open_current(self) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self.run_search()
            return
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else 0
        if self.model.rows:
            self.page.open_patient(self.model.rows[row].id)

    def keyPressEvent(self, event: Any) -> None:
        # Up/Down in the search box move through the results without leaving it.
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rows:
            rows = self.table.selectionModel().selectedRows()
            current = rows[0].row() if rows else -1
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            self.table.selectRow(max(0, min(len(self.model.rows) - 1, current + step)))
            return
        super().keyPressEvent(event)


class PatientsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack)
        self.search_view = SearchView(self)
        self.stack.addWidget(self.search_view)
        self.file_view: QWidget | None = None
        # Kept for callers (the shell's Ctrl+K) that reach the search box directly.
        self.search = self.search_view.search
        new = QShortcut(QKeySequence("Ctrl+N"), self)
        new.activated.connect(lambda: self.new_patient(""))
        ctx.sig_changes.connect(self._on_changes)
        ctx.sig_actor_changed.connect(self._actor_changed)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _actor_changed(self, _actor: object) -> None:
        # Someone else (or no one) now: close the open file; their rights may differ.
        self.close_file()
        self.search_view.model.set_rows([])
        self.search.clear()
        self.search_view.retranslate()

    def close_file(self) -> None:
        if self.file_view is not None:
            self.stack.removeWidget(self.file_view)
            self.file_view.deleteLater()
            self.file_view = None
        self.stack.setCurrentWidget(self.search_view)

    def retranslate(self) -> None:
        self.search_view.retranslate()
        retranslate = getattr(self.file_view, "retranslate", None)
        if retranslate is not None:
            retranslate()

    def find(self, text: str) -> None:  # type: ignore[override]  # the shell's search
        self.show_search()
        self.search.setText(text)
        self.search_view.run_search()

    def run_search(self) -> None:
        self.search_view.run_search()

    def show_search(self) -> None:
        self.stack.setCurrentWidget(self.search_view)
        self.search.setFocus()
        self.search.selectAll()

    def open_patient(self, patient_id: uuid.UUID) -> None:
        from clinic_desk.ui.patients.file import PatientFileView

        self.close_file()
        view = PatientFileView(self.ctx, patient_id, self)
        view.sig_back.connect(self.show_search)
        self.file_view = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)

    def new_patient(self, typed: str) -> None:
        from clinic_desk.ui.patients.form import PatientFormDialog

        if not self.ctx.may(Action.PATIENT_REGISTER):
            return
        dialog = PatientFormDialog(self.ctx, self, initial_name=typed)
        dialog.sig_open_patient.connect(self.open_patient)
        dialog.open()

    def import_patients(self) -> None:
        from clinic_desk.ui.patients.import_dialog import open_import_dialog

        open_import_dialog(self.ctx, self)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.PATIENTS) and self.search.text().strip():
            self.search_view.run_search()
