"""Appointment statistics for the director (spec A9; issue 5).

Bookings, arrivals, no-shows, late cancellations and add-ons for a period,
per day, doctor, channel or appointment type, and each doctor's revisit
booking rate. The figures come from ``appointment_reports`` on the worker
thread (it needs ``QUALITY_REPORTS``); the Excel file is written there too,
from plain values and headers translated here on the GUI thread.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDir, QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import appointment_reports, appointments
from clinic_desk.core.services.appointment_reports import StatRow
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import ReadOnlyTable, full_error_text, tr_code
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label

PERIODS = ("this_month", "last_month", "range")
# An Excel sheet name: at most 31 characters, none of these.
_SHEET_FORBIDDEN = set("[]:*?/\\")

Cell = str | int | float | None


@dataclass(frozen=True)
class StatsData:
    first_day: date
    last_day: date
    by: str
    rows: list[StatRow]
    # doctor id -> (visits done, followed by a booking within 30 days, the share)
    revisit: dict[uuid.UUID, tuple[int, int, float | None]]
    doctor_names: dict[uuid.UUID, str]


@dataclass(frozen=True)
class Sheet:
    """One worksheet of the export: a title, headers, rows, and which columns are rates."""

    title: str
    headers: list[str]
    rows: list[list[Cell]]
    percent_columns: frozenset[int] = frozenset()
    note: str = ""  # a line under the table (the period)


# -- worker side (no widgets) ------------------------------------------------------------------


def load_stats(clinic: Clinic, actor: Actor, first_day: date, last_day: date, by: str) -> StatsData:
    rows = appointment_reports.statistics(clinic, actor, first_day, last_day, by=by)
    revisit = appointment_reports.revisit_booking_rate(clinic, actor, first_day, last_day)
    per_doctor = (
        rows
        if by == "doctor"
        else appointment_reports.statistics(clinic, actor, first_day, last_day, by="doctor")
    )
    # A doctor with done visits in the period has bookings in it, so is named here.
    names = {uuid.UUID(hex=r.key): r.label for r in per_doctor}
    return StatsData(first_day, last_day, by, rows, revisit, names)


def _sheet_title(text: str, taken: set[str]) -> str:
    title = "".join("_" if c in _SHEET_FORBIDDEN else c for c in text).strip()[:31] or "Sheet"
    base, n = title, 2
    while title in taken:
        title = f"{base[:28]} {n}"
        n += 1
    taken.add(title)
    return title


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write the sheets as an Excel workbook (numbers stay numbers, rates as percent)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # a new workbook has one empty sheet
    taken: set[str] = set()
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title, taken))
        ws.append(sheet.headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append(row)
        if sheet.note:
            ws.append([])
            ws.append([sheet.note])
        for column in sheet.percent_columns:
            for (cell,) in ws.iter_rows(
                min_row=2, max_row=len(sheet.rows) + 1, min_col=column + 1, max_col=column + 1
            ):
                cell.number_format = "0.0%"
        for index, header in enumerate(sheet.headers):
            widest = max([len(str(header))] + [len(str(r[index] or "")) for r in sheet.rows])
            letter = ws.cell(row=1, column=index + 1).column_letter
            ws.column_dimensions[letter].width = min(60, max(10, widest + 4))
        ws.freeze_panes = "A2"
    book.save(path)
    return path


def _total(rows: Sequence[StatRow]) -> StatRow:
    """The period's sum; the rates are recomputed over what was due, as the report does."""
    bookings = sum(r.bookings for r in rows)
    arrivals = sum(r.arrivals for r in rows)
    no_shows = sum(r.no_shows for r in rows)
    cancelled = sum(r.cancellations for r in rows)
    settled = arrivals + no_shows
    return StatRow(
        key="",
        bookings=bookings,
        arrivals=arrivals,
        arrival_rate=arrivals / settled if settled else None,
        no_shows=no_shows,
        no_show_rate=no_shows / settled if settled else None,
        late_cancellations=sum(r.late_cancellations for r in rows),
        add_ons=sum(r.add_ons for r in rows),
        cancellations=cancelled,
        pending=sum(r.pending for r in rows),
    )


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def month_bounds(day: date, months_back: int = 0) -> tuple[date, date]:
    """The first and last day of ``day``'s month, or of a month before it."""
    index = day.year * 12 + day.month - 1 - months_back
    first = date(index // 12, index % 12 + 1, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


# -- the view ------------------------------------------------------------------------------------


class AppointmentStatsView(QWidget):
    """A9: the period's figures in a table, the revisit rates, and an Excel export."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("appointment-stats")
        self.data: StatsData | None = None
        self._ticket = 0
        self.zone = ctx.clinic.timezone()
        layout = QVBoxLayout(self)
        self.title = title_label(self)
        layout.addWidget(self.title)
        bar = QHBoxLayout()
        self.period_label = QLabel(self)
        self.period = QComboBox(self)
        self.period.setObjectName("stats-period")
        for code in PERIODS:
            self.period.addItem("", code)
        self.first_edit = QDateEdit(self)
        self.first_edit.setObjectName("stats-first-day")
        self.last_edit = QDateEdit(self)
        self.last_edit.setObjectName("stats-last-day")
        for edit in (self.first_edit, self.last_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.dash = QLabel("–", self)
        self.by_label = QLabel(self)
        self.by = QComboBox(self)
        self.by.setObjectName("stats-by")
        for code in appointment_reports.GROUPINGS:
            self.by.addItem("", code)
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("stats-export")
        self.export_button.clicked.connect(self.export)
        for w in (self.period_label, self.period, self.first_edit, self.dash, self.last_edit):
            bar.addWidget(w)
        bar.addSpacing(16)
        bar.addWidget(self.by_label)
        bar.addWidget(self.by)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("stats-table")
        layout.addWidget(self.table, 3)
        self.revisit_table = ReadOnlyTable(self)
        self.revisit_table.setObjectName("revisit-table")
        for table in (self.table, self.revisit_table):
            # Columns of figures share the width; a stretched last one reads as a gap.
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.revisit_title = QLabel(self)
        font = QFont(self.revisit_title.font())
        font.setBold(True)
        self.revisit_title.setFont(font)
        layout.addWidget(self.revisit_title)
        layout.addWidget(self.revisit_table, 1)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        today = ctx.clock().astimezone(self.zone).date()
        first, last = month_bounds(today)
        self.first_edit.setDate(QDate(first.year, first.month, first.day))
        self.last_edit.setDate(QDate(last.year, last.month, last.day))
        self.period.currentIndexChanged.connect(self._period_chosen)
        self.first_edit.dateChanged.connect(lambda _d: self.reload())
        self.last_edit.dateChanged.connect(lambda _d: self.reload())
        self.by.currentIndexChanged.connect(lambda _i: self.reload())
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self._period_chosen()

    # -- text -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Appointment statistics"))
        self.period_label.setText(self.tr("Period"))
        for index, label in enumerate(
            (self.tr("This month"), self.tr("Last month"), self.tr("Dates"))
        ):
            self.period.setItemText(index, label)
        self.by_label.setText(self.tr("By"))
        for index, label in enumerate(
            (self.tr("Day"), self.tr("Doctor"), self.tr("Booked by"), self.tr("Type"))
        ):
            self.by.setItemText(index, label)
        self.export_button.setText(self.tr("Export to Excel"))
        self.revisit_title.setText(
            self.tr(
                "Revisit booking rate: done visits followed by another booking with the same "
                "doctor made within 30 days"
            )
        )
        self.hint.setText(
            self.tr(
                "Bookings count every appointment starting in the period, cancelled ones "
                "included. The arrival and no-show rates are over the appointments that have "
                "happened (arrived or no-show); those still to come are counted apart. A "
                "cancellation is late within the hours set under Settings, Appointments."
            )
        )
        self.table.set_headers(self.headers())
        self.revisit_table.set_headers(self.revisit_headers())
        if self.data is not None:
            self._show(self.data)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def headers(self) -> list[str]:
        key = {
            "day": self.tr("Day"),
            "doctor": self.tr("Doctor"),
            "channel": self.tr("Booked by"),
            "type": self.tr("Type"),
        }[self.by_code()]
        return [
            key,
            self.tr("Bookings"),
            self.tr("Arrivals"),
            self.tr("Arrival rate"),
            self.tr("No-shows"),
            self.tr("No-show rate"),
            self.tr("Cancellations"),
            self.tr("Late cancellations"),
            self.tr("Add-ons"),
            self.tr("Still to come"),
        ]

    def revisit_headers(self) -> list[str]:
        return [
            self.tr("Doctor"),
            self.tr("Visits done"),
            self.tr("Rebooked within 30 days"),
            self.tr("Revisit booking rate"),
        ]

    # -- period and loading -----------------------------------------------------------------

    def by_code(self) -> str:
        return str(self.by.currentData())

    def period_days(self) -> tuple[date, date]:
        code = self.period.currentData()
        today = self.ctx.clock().astimezone(self.zone).date()
        if code == "this_month":
            return month_bounds(today)
        if code == "last_month":
            return month_bounds(today, 1)
        a, b = self.first_edit.date(), self.last_edit.date()
        return date(a.year(), a.month(), a.day()), date(b.year(), b.month(), b.day())

    def _period_chosen(self, *_args: Any) -> None:
        custom = self.period.currentData() == "range"
        self.first_edit.setEnabled(custom)
        self.last_edit.setEnabled(custom)
        if not custom:
            # Show the month chosen in the date fields, without a reload per field.
            first, last = self.period_days()
            for edit, day in ((self.first_edit, first), (self.last_edit, last)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        first, last = self.period_days()
        self._ticket += 1
        ticket = self._ticket

        def show(data: StatsData) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self.message.clear()
                self._show(data)

        def failed(error: BaseException) -> None:
            if ticket == self._ticket:
                self.data = None
                self.table.setRowCount(0)
                self.revisit_table.setRowCount(0)
                self.export_button.setEnabled(False)
                self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            load_stats,
            self.ctx.clinic,
            actor,
            first,
            last,
            self.by_code(),
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.APPOINTMENTS):
            self.reload()

    # -- showing ----------------------------------------------------------------------------

    def key_text(self, by: str, row: StatRow) -> str:
        if by == "channel":
            return tr_code("Appointment", appointments.CHANNELS.get(row.key, row.key))
        if by == "type":
            return tr_code("AppointmentType", row.label) if row.label else self.tr("(no type)")
        return row.label or row.key

    def table_rows(self, data: StatsData) -> list[list[str]]:
        """The table's cells as shown, the total last (when there is anything)."""
        rows = [self._cells(self.key_text(data.by, r), r) for r in data.rows]
        if data.rows:
            rows.append(self._cells(self.tr("Total"), _total(data.rows)))
        return rows

    @staticmethod
    def _cells(key: str, r: StatRow) -> list[str]:
        return [
            key,
            str(r.bookings),
            str(r.arrivals),
            _percent(r.arrival_rate),
            str(r.no_shows),
            _percent(r.no_show_rate),
            str(r.cancellations),
            str(r.late_cancellations),
            str(r.add_ons),
            str(r.pending),
        ]

    def revisit_rows(self, data: StatsData) -> list[tuple[uuid.UUID, int, int, float | None]]:
        return sorted(
            ((doctor, *figures) for doctor, figures in data.revisit.items()),
            key=lambda r: data.doctor_names.get(r[0], ""),
        )

    def _show(self, data: StatsData) -> None:
        self.data = data
        self.table.set_headers(self.headers())
        rows = self.table_rows(data)
        self.table.set_rows([(None, cells) for cells in rows])
        if data.rows:
            bold = QFont(self.table.font())
            bold.setBold(True)
            for c in range(self.table.columnCount()):
                item = self.table.item(len(rows) - 1, c)
                if item is not None:
                    item.setFont(bold)
        self.revisit_table.set_rows(
            [
                (
                    doctor,
                    [data.doctor_names.get(doctor, "?"), str(done), str(rebooked), _percent(rate)],
                )
                for doctor, done, rebooked, rate in self.revisit_rows(data)
            ]
        )
        for table in (self.table, self.revisit_table):
            _align_figures(table)
        if not data.rows:
            self.message.show_info(self.tr("No appointments in this period."))
        self.export_button.setEnabled(True)

    # -- export -----------------------------------------------------------------------------

    def sheets(self, data: StatsData) -> list[Sheet]:
        """The export, from the data (not the shown text): numbers stay numbers."""
        rows: list[list[Cell]] = [self._values(self.key_text(data.by, r), r) for r in data.rows]
        if data.rows:
            rows.append(self._values(self.tr("Total"), _total(data.rows)))
        period = self.tr("Period: {first} to {last}").format(
            first=data.first_day.isoformat(), last=data.last_day.isoformat()
        )
        revisit: list[list[Cell]] = [
            [data.doctor_names.get(doctor, "?"), done, rebooked, rate]
            for doctor, done, rebooked, rate in self.revisit_rows(data)
        ]
        return [
            Sheet(self.tr("Statistics"), self.headers(), rows, frozenset({3, 5}), period),
            Sheet(
                self.tr("Revisit booking rate"),
                self.revisit_headers(),
                revisit,
                frozenset({3}),
                period,
            ),
        ]

    @staticmethod
    def _values(key: str, r: StatRow) -> list[Cell]:
        return [
            key,
            r.bookings,
            r.arrivals,
            r.arrival_rate,
            r.no_shows,
            r.no_show_rate,
            r.cancellations,
            r.late_cancellations,
            r.add_ons,
            r.pending,
        ]

    def export(self) -> None:
        data = self.data
        if data is None:
            return
        suggested = QDir.home().filePath(
            f"appointment-statistics-{data.first_day.isoformat()}-{data.last_day.isoformat()}.xlsx"
        )
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export to Excel"), suggested, self.tr("Excel workbook (*.xlsx)")
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        self.export_button.setEnabled(False)

        def saved(written: Path) -> None:
            self.export_button.setEnabled(True)
            self.message.show_ok(self.tr("Saved to {path}").format(path=str(written)))

        def failed(error: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            write_xlsx, target, self.sheets(data), on_success=saved, on_error=failed, owner=self
        )


def _align_figures(table: ReadOnlyTable) -> None:
    """Figures right-aligned (the first column is the name)."""
    for r in range(table.rowCount()):
        for c in range(1, table.columnCount()):
            item = table.item(r, c)
            if item is not None:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class AppointmentStatsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appointment-stats-dialog")
        layout = QVBoxLayout(self)
        self.view = AppointmentStatsView(ctx, self)
        layout.addWidget(self.view, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(1000, 640)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Appointment statistics"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def open_stats_dialog(ctx: AppContext, parent: QWidget | None = None) -> QDialog | None:
    """Show the statistics to those allowed to see them (QUALITY_REPORTS); None otherwise."""
    if not ctx.may(Action.QUALITY_REPORTS):
        return None
    dialog = AppointmentStatsDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
