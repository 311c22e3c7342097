"""Day's end at the desk (issue 6): who is still waiting or with a doctor, and the
no-shows marked.

Opening it runs the service's day end, which marks the day's no-shows
(appointments never arrived); each remaining patient can be recorded as
having left without being seen, or their consultation finished.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import reception
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import full_error_text
from clinic_desk.ui.reception.queue import CAN_FINISH, local_time, status_label
from clinic_desk.ui.settings.common import MessageLabel, title_label

#: statuses from which a patient can be recorded as gone without being seen
CAN_LEAVE = frozenset({"waiting", "called", "sent_back"})


def open_day_end(ctx: AppContext, parent: QWidget | None) -> DayEndDialog:
    """The desk's "Day's end…" button: the dialog, window-modal, without blocking."""
    dialog = DayEndDialog(ctx, parent)
    dialog.open()
    return dialog


class DayEndDialog(QDialog):
    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, day: date | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("day-end")
        self.setMinimumSize(860, 480)
        self.day = day or ctx.clock().astimezone(ctx.clinic.timezone()).date()
        self.data: reception.DayEnd | None = None
        self.rows: list[reception.BoardRow] = []
        self.loaded = False
        self.busy = False
        self._ticket = 0

        layout = QVBoxLayout(self)
        self.title = title_label(self)
        layout.addWidget(self.title)
        bar = QHBoxLayout()
        self.day_label = QLabel(self)
        bar.addWidget(self.day_label)
        self.day_edit = QDateEdit(self)
        self.day_edit.setObjectName("day-end-day")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setDate(QDate(self.day.year, self.day.month, self.day.day))
        self.day_edit.dateChanged.connect(self._day_changed)
        bar.addWidget(self.day_edit)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.summary = QLabel(self)
        self.summary.setObjectName("day-end-summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("day-end-table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Day's end"))
        self.title.setText(self.tr("Day's end: who is still here"))
        self.day_label.setText(self.tr("Day:"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("No."),
                self.tr("Patient"),
                self.tr("Doctor"),
                self.tr("Status"),
                self.tr("Since"),
                self.tr("What happened"),
            ]
        )
        if self.data is not None:
            self._show(self.data)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading --------------------------------------------------------------------------

    def _day_changed(self, qdate: QDate) -> None:
        self.day = date(qdate.year(), qdate.month(), qdate.day())
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(data: reception.DayEnd) -> None:
            if ticket == self._ticket:
                self._got(data)

        self.ctx.runner.start(
            reception.day_end,
            self.ctx.clinic,
            actor,
            day=self.day,
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.message.show_error(full_error_text(error))

    def _got(self, data: reception.DayEnd) -> None:
        if data.no_shows_marked:
            # The day end marked bookings as no-shows: the book and the board redraw.
            # Not RECEPTION, which would reload this dialog and mark again.
            self.ctx.broadcast(Changes(frozenset({Topic.APPOINTMENTS})))
        self.data = data
        self.loaded = True
        self._show(data)

    def _show(self, data: reception.DayEnd) -> None:
        self.rows = [*data.in_consultation, *data.still_waiting]
        parts = [
            self.tr("%n patient(s) still waiting", "", len(data.still_waiting)),
            self.tr("%n still in consultation", "", len(data.in_consultation)),
            self.tr("%n booking(s) marked as no-show", "", data.no_shows_marked),
        ]
        text = " · ".join(parts)
        if not self.rows:
            text += "\n" + self.tr("Everyone has been seen: nothing is left open for this day.")
        self.summary.setText(text)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            if row.status == "in_consultation":
                since = row.started_at
            elif row.status == "called":
                since = row.called_at
            else:
                since = row.checked_in_at or row.arrived_at
            cells = (
                str(row.queue_no) if row.queue_no is not None else "",
                row.patient_name,
                row.doctor_name,
                status_label(row.status, row.back_reason),
                local_time(self.ctx, since),
            )
            for c, text_cell in enumerate(cells):
                item = QTableWidgetItem(text_cell)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, row.entry_id)
                self.table.setItem(r, c, item)
            self.table.setCellWidget(r, 5, self._actions(row))
        self.table.resizeRowsToContents()

    def _actions(self, row: reception.BoardRow) -> QWidget:
        box = QWidget(self.table)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(2, 1, 2, 1)
        entry_id = row.entry_id
        if entry_id is not None and row.status in CAN_LEAVE and self.ctx.may(Action.CHECKIN):
            left = QPushButton(self.tr("Left without being seen"), box)
            left.setObjectName(f"left:{entry_id}")
            left.clicked.connect(lambda _c=False, e=entry_id: self.mark_left(e))
            layout.addWidget(left)
        if entry_id is not None and row.status in CAN_FINISH and self.ctx.may(Action.QUEUE_MANAGE):
            finish = QPushButton(self.tr("Finish"), box)
            finish.setObjectName(f"finish:{entry_id}")
            finish.clicked.connect(lambda _c=False, e=entry_id: self.finish(e))
            layout.addWidget(finish)
        layout.addStretch(1)
        return box

    # -- actions --------------------------------------------------------------------------

    def _run(self, fn: Any, entry_id: uuid.UUID) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self.busy = True
        self.message.clear()

        def done(written: Any) -> None:
            self.busy = False
            self.ctx.broadcast(written.changes)  # reloads this list and every other screen

        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            entry_id,
            on_success=done,
            on_error=self._failed,
            owner=self,
        )

    def mark_left(self, entry_id: uuid.UUID) -> None:
        self._run(reception.mark_left, entry_id)

    def finish(self, entry_id: uuid.UUID) -> None:
        # The doctor has gone home; the kind of visit stays as the visit recorded it.
        self._run(reception.finish_consultation, entry_id)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.RECEPTION):
            self.reload()
