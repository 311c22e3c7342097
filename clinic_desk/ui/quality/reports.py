"""Quality reports (spec F7, G3): the PDFs and the CSV export of the underlying tables.

The weekly complaint feedback, the monthly analysis for the director and the
quarterly and yearly summaries are built by ``quality.report`` on the worker
thread and shown in the printing layer's preview (print or save as PDF from
there). "Export CSV…" writes one table of the same period as UTF-8; the file
is written whole or not at all (a temporary file beside it, then a rename).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QDir, QEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.files import write_atomic
from clinic_desk.core.services import quality
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import translate_core
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.operations.runner import Operation
from clinic_desk.ui.patients.common import full_error_text
from clinic_desk.ui.printing import documents
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label


def write_csv(
    clinic: Clinic, actor: Actor, table: str, first: date, last: date, target: Path
) -> int:
    """Export one table to ``target`` (whole or not at all); the number of data rows."""
    text = quality.export_csv(clinic, actor, table, first, last)
    rows = sum(1 for _ in csv.reader(io.StringIO(text)))
    write_atomic(target, text.encode("utf-8"))
    return max(0, rows - 1)  # the header is not a row of data


def table_label(code: str) -> str:
    return {
        "complaints": QCoreApplication.translate("QualityReports", "Complaints"),
        "survey_answers": QCoreApplication.translate("QualityReports", "Survey answers"),
        "followup_calls": QCoreApplication.translate("QualityReports", "Follow-up calls"),
        "self_checks": QCoreApplication.translate("QualityReports", "Self-checks"),
        "root_causes": QCoreApplication.translate("QualityReports", "Root-cause analyses"),
        "metrics": QCoreApplication.translate("QualityReports", "Dashboard figures"),
    }.get(code, code)


class ReportsPanel(QWidget):
    """F7/G3: choose the period, preview the report, or export a table."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("quality-reports")
        self.operation: Operation | None = None
        self.last_pdf: bytes | None = None
        self.zone = ctx.clinic.timezone()
        outer = QVBoxLayout(self)
        self.title = title_label(self)
        outer.addWidget(self.title)
        form = QFormLayout()
        self.period = QComboBox(self)
        self.period.setObjectName("report-period")
        for code in quality.PERIODS:
            self.period.addItem("", code)
        self.period.setCurrentIndex(max(0, self.period.findData("month")))
        self.day = QDateEdit(self)
        self.day.setObjectName("report-day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = ctx.clock().astimezone(self.zone).date()
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.span = hint_label(self)
        self.span.setObjectName("report-span")
        day_row = QHBoxLayout()
        day_row.addWidget(self.day)
        day_row.addWidget(self.span, 1)
        self.period_row = QLabel(self)
        self.day_row = QLabel(self)
        form.addRow(self.period_row, self.period)
        form.addRow(self.day_row, day_row)
        outer.addLayout(form)

        self.preview_title = QLabel(self)
        self.preview_title.setStyleSheet("font-weight: bold;")
        outer.addWidget(self.preview_title)
        self.preview_hint = hint_label(self)
        self.preview_hint.setWordWrap(True)
        outer.addWidget(self.preview_hint)
        row = QHBoxLayout()
        self.preview_button = QPushButton(self)
        self.preview_button.setObjectName("report-preview")
        self.preview_button.clicked.connect(self.preview)
        row.addWidget(self.preview_button)
        row.addStretch(1)
        outer.addLayout(row)

        self.csv_title = QLabel(self)
        self.csv_title.setStyleSheet("font-weight: bold;")
        outer.addWidget(self.csv_title)
        row = QHBoxLayout()
        self.table_label = QLabel(self)
        self.table = QComboBox(self)
        self.table.setObjectName("report-table")
        for code in quality.CSV_TABLES:
            self.table.addItem("", code)
        self.csv_button = QPushButton(self)
        self.csv_button.setObjectName("report-csv")
        self.csv_button.clicked.connect(self.export_csv)
        for w in (self.table_label, self.table, self.csv_button):
            row.addWidget(w)
        row.addStretch(1)
        outer.addLayout(row)
        self.message = MessageLabel(self)
        self.message.setObjectName("report-message")
        outer.addWidget(self.message)
        outer.addStretch(1)
        self.period.currentIndexChanged.connect(lambda _i: self._show_span())
        self.day.dateChanged.connect(lambda _d: self._show_span())
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Quality reports"))
        words = {
            "week": self.tr("Week: complaint feedback"),
            "month": self.tr("Month: analysis for the director"),
            "quarter": self.tr("Quarter: summary"),
            "year": self.tr("Year: summary"),
        }
        for i in range(self.period.count()):
            self.period.setItemText(i, words.get(str(self.period.itemData(i)), ""))
        self.period_row.setText(self.tr("Report"))
        self.day_row.setText(self.tr("Period holding"))
        self.preview_title.setText(self.tr("Report as PDF"))
        self.preview_hint.setText(
            self.tr(
                "The preview can print the report or save it as a PDF. Complaint details "
                "appear only for those who may read them."
            )
        )
        self.preview_button.setText(self.tr("Preview…"))
        self.csv_title.setText(self.tr("The figures behind it, as a CSV file"))
        self.table_label.setText(self.tr("Table"))
        for i in range(self.table.count()):
            self.table.setItemText(i, table_label(str(self.table.itemData(i))))
        self.csv_button.setText(self.tr("Export CSV…"))
        self._show_span()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def period_code(self) -> str:
        return str(self.period.currentData())

    def chosen_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def span_days(self) -> tuple[date, date]:
        return quality.report_period(self.period_code(), self.chosen_day())

    def _show_span(self) -> None:
        first, last = self.span_days()
        self.span.setText(
            self.tr("{first} to {last}").format(first=first.isoformat(), last=last.isoformat())
        )

    def report_title(self) -> str:
        first, last = self.span_days()
        names = {
            "week": self.tr("Weekly complaint feedback {first} to {last}"),
            "month": self.tr("Monthly quality analysis {first} to {last}"),
            "quarter": self.tr("Quarterly quality summary {first} to {last}"),
            "year": self.tr("Yearly quality summary {first} to {last}"),
        }
        return names[self.period_code()].format(first=first.isoformat(), last=last.isoformat())

    # -- PDF ------------------------------------------------------------------------------------

    def preview(self) -> None:
        """Build the report on the worker, then open the preview (print / save from there)."""
        self.message.show_info(self.tr("Building the report…"))
        self.preview_button.setEnabled(False)
        period, day = self.period_code(), self.chosen_day()
        first, last = self.span_days()

        def built(data: bytes) -> None:
            self.last_pdf = data
            self.preview_button.setEnabled(True)
            self.message.clear()

        self.operation = documents.start_print(
            self.ctx,
            self,
            quality.report,
            period,
            day,
            title=self.report_title(),
            file_name=f"quality-{period}-{first.isoformat()}-{last.isoformat()}.pdf",
            on_done=built,
            language=ui_language(),
            translate=translate_core,
        )
        if self.operation is None:
            self.preview_button.setEnabled(True)
            return
        # start_print shows a refusal in a message box; the button comes back either way.
        self.operation.signals.failed.connect(lambda _e: self._preview_failed())

    def _preview_failed(self) -> None:
        self.preview_button.setEnabled(True)
        self.message.clear()

    # -- CSV ------------------------------------------------------------------------------------

    def export_csv(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        table = str(self.table.currentData())
        first, last = self.span_days()
        suggested = QDir.home().filePath(f"{table}-{first.isoformat()}-{last.isoformat()}.csv")
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export CSV"), suggested, self.tr("CSV files (*.csv)")
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".csv":
            target = target.with_name(target.name + ".csv")
        self.csv_button.setEnabled(False)
        self.message.show_info(self.tr("Exporting…"))

        def saved(rows: int) -> None:
            self.csv_button.setEnabled(True)
            self.message.show_ok(
                self.tr("Saved %n row(s) of {table} to {path}.", "", rows).format(
                    table=table_label(table), path=str(target)
                )
            )

        def failed(error: BaseException) -> None:
            self.csv_button.setEnabled(True)
            if isinstance(error, OSError):
                reason = error.strerror or str(error)
                self.message.show_error(
                    self.tr(
                        "Could not write {path}: {reason}. Nothing was saved. Choose a folder "
                        "you may write to (for example your Documents) and try again."
                    ).format(path=str(target), reason=reason)
                )
            else:
                self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            write_csv,
            self.ctx.clinic,
            actor,
            table,
            first,
            last,
            target,
            on_success=saved,
            on_error=failed,
            owner=self,
        )
