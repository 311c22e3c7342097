"""Importing patients from an Excel or CSV list (issue 4, "Import"): the director's dialog.

Choose the file, check which column is which field (a combo per column),
check the rows without saving (a dry run), import with progress and Cancel,
then read the report and save the rejected rows for fixing. All the work is
``core.services.patient_import`` on the app's database worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import patient_import
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.core.services.patient_import import (
    FIELD_LABELS,
    FIELDS,
    IGNORE,
    ImportPlan,
    ImportReport,
)
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text, translate_core
from clinic_desk.ui.operations.runner import Operation
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label

MAX_SHOWN_REJECTED = 1000  # the saved report has them all


def field_text(name: str) -> str:
    return QCoreApplication.translate("Import", FIELD_LABELS.get(name, name))


class ImportPatientsDialog(QDialog):
    """File → mapping → check → import → report, each step running off the GUI thread."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: Path | None = None
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None
        self.operation: Operation | None = None
        self.setMinimumSize(760, 620)
        layout = QVBoxLayout(self)

        self.title = title_label(self)
        layout.addWidget(self.title)
        self.intro = hint_label(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        row = QHBoxLayout()
        self.file_edit = QLineEdit(self)
        self.file_edit.setReadOnly(True)
        row.addWidget(self.file_edit, 1)
        self.sheet_combo = QComboBox(self)
        self.sheet_combo.hide()
        self.sheet_combo.activated.connect(lambda _i: self._reload_sheet())
        row.addWidget(self.sheet_combo)
        self.choose_button = QPushButton(self)
        self.choose_button.clicked.connect(lambda: self.choose_file())
        row.addWidget(self.choose_button)
        layout.addLayout(row)
        self.file_info = hint_label(self)
        layout.addWidget(self.file_info)

        self.mapping_label = QLabel(self)
        layout.addWidget(self.mapping_label)
        self.mapping_table = QTableWidget(0, 3, self)
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.mapping_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.mapping_table, 2)

        actions = QHBoxLayout()
        self.check_button = QPushButton(self)
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        actions.addWidget(self.check_button)
        self.import_button = QPushButton(self)
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        actions.addWidget(self.import_button)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        actions.addWidget(self.progress, 1)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.cancel)
        actions.addWidget(self.cancel_button)
        layout.addLayout(actions)

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.rejected_table = QTableWidget(0, 3, self)
        self.rejected_table.verticalHeader().hide()
        self.rejected_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected_table.setWordWrap(True)
        header = self.rejected_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.rejected_table, 2)

        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        bottom = QHBoxLayout()
        self.save_button = QPushButton(self)
        self.save_button.clicked.connect(lambda: self.save_report())
        bottom.addWidget(self.save_button)
        bottom.addStretch(1)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.reject)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)

        ctx.sig_language_changed.connect(self._language_changed)  # bound: ends with it
        self.retranslate()
        self._update_buttons()

    def _language_changed(self, _code: str) -> None:
        self.retranslate()

    # -- texts ---------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Import patients"))
        self.title.setText(self.tr("Import patients from an Excel or CSV list"))
        self.intro.setText(
            self.tr(
                "Choose the file, check which column holds what, then check the rows before "
                "importing. Rows already registered are skipped, so importing the same file "
                "again adds nobody twice."
            )
        )
        self.file_edit.setPlaceholderText(self.tr("No file chosen"))
        self.choose_button.setText(self.tr("Choose file…"))
        self.sheet_combo.setToolTip(self.tr("The sheet of the workbook to import"))
        self.mapping_label.setText(self.tr("Columns in the file and what they are imported as:"))
        self.mapping_table.setHorizontalHeaderLabels(
            [self.tr("Column in the file"), self.tr("First rows"), self.tr("Imported as")]
        )
        self.rejected_table.setHorizontalHeaderLabels(
            [self.tr("Row"), self.tr("Column"), self.tr("Why it was not imported")]
        )
        self.check_button.setText(self.tr("Check without saving"))
        self.import_button.setText(self.tr("Import"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.save_button.setText(self.tr("Save report…"))
        self.close_button.setText(self.tr("Close"))
        for row in range(self.mapping_table.rowCount()):
            combo = self.mapping_table.cellWidget(row, 2)
            if isinstance(combo, QComboBox):
                for i in range(combo.count()):
                    combo.setItemText(i, field_text(str(combo.itemData(i))))
        if self.report is not None:
            self._show_report(self.report)

    # -- state -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.operation is not None

    def _update_buttons(self) -> None:
        ready = self.plan is not None and not self.running
        self.choose_button.setEnabled(not self.running)
        self.sheet_combo.setEnabled(not self.running)
        self.mapping_table.setEnabled(not self.running)
        self.check_button.setEnabled(ready)
        self.import_button.setEnabled(ready and self.ctx.may(Action.PATIENT_IMPORT))
        self.cancel_button.setEnabled(self.running)
        self.save_button.setEnabled(
            not self.running and self.report is not None and bool(self.report.rejected_rows)
        )
        self.close_button.setEnabled(not self.running)

    def _run(self, fn: Any, *args: Any, on_success: Any, **kwargs: Any) -> None:
        self.message.clear()

        def finished() -> None:
            self.operation = None
            self._update_buttons()

        def succeeded(result: Any) -> None:
            finished()
            on_success(result)

        def failed(error: BaseException) -> None:
            finished()
            self.progress.reset()
            self.message.show_error(error_text(error))

        def cancelled() -> None:
            finished()
            self.progress.reset()
            self.message.show_info(self.tr("Cancelled before anything was saved."))

        self.operation = self.ctx.runner.start(
            fn,
            *args,
            on_success=succeeded,
            on_error=failed,
            on_cancel=cancelled,
            on_progress=self._progressed,
            with_state=True,
            **kwargs,
        )
        self._update_buttons()

    def _progressed(self, fraction: float, _message: str) -> None:
        self.progress.setValue(round(fraction * 1000))

    # -- steps -----------------------------------------------------------------------------

    def choose_file(self, path: Path | str | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                self.tr("Choose the patient list"),
                str(Path.home()),
                self.tr("Excel or CSV (*.xlsx *.xlsm *.csv *.txt);;All files (*)"),
            )
            if not chosen:
                return
            path = chosen
        self.path = Path(path)
        self.file_edit.setText(str(self.path))
        self.sheet_combo.clear()
        self._plan(sheet=None)

    def _reload_sheet(self) -> None:
        if self.path is not None and not self.running:
            self._plan(sheet=self.sheet_combo.currentText() or None)

    def _plan(self, *, sheet: str | None) -> None:
        self.plan = None
        self.report = None
        self.mapping_table.setRowCount(0)
        self._clear_report()
        actor = self.ctx.actor
        if actor is None or self.path is None:
            return
        self._run(
            patient_import.plan_import,
            self.ctx.clinic,
            actor,
            self.path,
            sheet=sheet,
            on_success=self._show_plan,
        )

    def _show_plan(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.progress.reset()
        if plan.kind == "xlsx" and len(plan.sheet_names) > 1 and self.sheet_combo.count() == 0:
            self.sheet_combo.addItems(list(plan.sheet_names))
        self.sheet_combo.setCurrentText(plan.sheet)
        self.sheet_combo.setVisible(plan.kind == "xlsx" and len(plan.sheet_names) > 1)
        if plan.kind == "xlsx":
            info = self.tr("Excel workbook, sheet {sheet}; header in row {row}; {n} rows.")
        else:
            info = self.tr("CSV text ({encoding}); header in row {row}; {n} rows.")
        self.file_info.setText(
            info.format(
                sheet=plan.sheet,
                encoding=plan.encoding,
                row=plan.header_row,
                n=f"{plan.row_count:,}",
            )
        )
        self.mapping_table.setRowCount(len(plan.columns))
        for row, column in enumerate(plan.columns):
            self.mapping_table.setItem(row, 0, QTableWidgetItem(column.header))
            examples = [s[column.index] for s in plan.sample if column.index < len(s)]
            shown = " · ".join(e for e in examples[:3] if e)
            self.mapping_table.setItem(row, 1, QTableWidgetItem(shown))
            combo = QComboBox(self.mapping_table)
            for name in (IGNORE, *FIELDS):
                combo.addItem(field_text(name), name)
            combo.setCurrentIndex(max(0, combo.findData(column.field)))
            combo.currentIndexChanged.connect(lambda _i: self._mapping_changed())
            self.mapping_table.setCellWidget(row, 2, combo)
        self._update_buttons()

    def mapping(self) -> dict[str, str]:
        """The field chosen for every column, as the explicit mapping for the service."""
        chosen: dict[str, str] = {}
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, 0)
            combo = self.mapping_table.cellWidget(row, 2)
            if item is not None and isinstance(combo, QComboBox):
                chosen[item.text()] = str(combo.currentData())
        return chosen

    def set_field(self, header: str, field_name: str) -> None:
        """Choose ``field_name`` for the column ``header`` (what the combo does)."""
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, 0)
            combo = self.mapping_table.cellWidget(row, 2)
            if item is not None and item.text() == header and isinstance(combo, QComboBox):
                combo.setCurrentIndex(combo.findData(field_name))

    def _mapping_changed(self) -> None:
        # A field chosen twice would be refused: the newer choice wins, like the service.
        sender = self.sender()
        if isinstance(sender, QComboBox) and sender.currentData() != IGNORE:
            for row in range(self.mapping_table.rowCount()):
                combo = self.mapping_table.cellWidget(row, 2)
                if (
                    isinstance(combo, QComboBox)
                    and combo is not sender
                    and combo.currentData() == sender.currentData()
                ):
                    combo.blockSignals(True)
                    combo.setCurrentIndex(combo.findData(IGNORE))
                    combo.blockSignals(False)
        self.report = None
        self._clear_report()
        self._update_buttons()

    def start(self, *, dry_run: bool) -> None:
        actor = self.ctx.actor
        if self.plan is None or self.path is None or actor is None or self.running:
            return
        self._clear_report()
        self.summary.setText(
            self.tr("Checking the rows…") if dry_run else self.tr("Importing the patients…")
        )
        self._run(
            patient_import.run_import,
            self.ctx.clinic,
            actor,
            self.path,
            mapping=self.mapping(),
            sheet=self.plan.sheet or None,
            dry_run=dry_run,
            on_success=self._finished,
        )

    def cancel(self) -> None:
        if self.operation is not None:
            self.operation.state.cancel()
            self.cancel_button.setEnabled(False)

    def _finished(self, report: ImportReport) -> None:
        self.report = report
        self.progress.setValue(1000)
        if not report.dry_run and report.imported:
            self.ctx.broadcast(Changes(frozenset({Topic.PATIENTS})))
        self._show_report(report)
        self._update_buttons()

    # -- the report ------------------------------------------------------------------------

    def _clear_report(self) -> None:
        self.summary.clear()
        self.rejected_table.setRowCount(0)

    def _show_report(self, report: ImportReport) -> None:
        if report.dry_run:
            text = self.tr(
                "Checked {rows} rows without saving: {imported} would be imported, {present} "
                "are already registered, {rejected} have a problem."
            )
        else:
            text = self.tr(
                "{rows} rows: {imported} imported, {present} already registered, "
                "{rejected} not imported because of a problem."
            )
        lines = [
            text.format(
                rows=f"{report.rows:,}",
                imported=f"{report.imported:,}",
                present=f"{report.already_present:,}",
                rejected=f"{report.rejected:,}",
            )
        ]
        if report.cancelled:
            lines.append(
                self.tr(
                    "Cancelled: the {n} patients imported before stay; import the same file "
                    "again to add the rest."
                ).format(n=f"{report.imported:,}")
            )
        if report.error is not None:
            lines.append(error_text(report.error))
            lines.append(
                self.tr(
                    "The {n} patients imported before the problem stay; import the same file "
                    "again to add the rest."
                ).format(n=f"{report.imported:,}")
            )
        self.summary.setText("\n".join(lines))
        rows = report.rejected_rows[:MAX_SHOWN_REJECTED]
        self.rejected_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            number = QTableWidgetItem(str(r.row))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.rejected_table.setItem(i, 0, number)
            self.rejected_table.setItem(i, 1, QTableWidgetItem(r.column))
            self.rejected_table.setItem(i, 2, QTableWidgetItem(r.reason(translate_core)))
        self.rejected_table.resizeRowsToContents()
        if len(report.rejected_rows) > MAX_SHOWN_REJECTED:
            self.message.show_info(
                self.tr(
                    "The first {n} problems are shown; the saved report lists them all."
                ).format(n=MAX_SHOWN_REJECTED)
            )

    def save_report(self, path: Path | str | None = None) -> None:
        if self.report is None:
            return
        if path is None:
            suggested = Path(self.report.file_name).stem + "-" + self.tr("problems") + ".csv"
            base = self.path.parent if self.path is not None else Path.home()
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save the report"), str(base / suggested), self.tr("CSV (*.csv)")
            )
            if not chosen:
                return
            path = chosen
        try:
            patient_import.write_report_csv(self.report, Path(path), translate=translate_core)
        except OSError as error:
            self.message.show_error(error_text(error))
            return
        self.message.show_ok(self.tr("Report saved to {path}.").format(path=str(path)))

    def reject(self) -> None:
        if self.running:
            self.cancel()  # closing while it runs stops it; close again once it has stopped
            return
        super().reject()


def open_import_dialog(ctx: AppContext, parent: QWidget | None = None) -> None:
    """Show the import dialog (for the patients page's menu or button)."""
    dialog = ImportPatientsDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.exec()
