"""The complaints list (spec F1-F5, C6): every complaint, its stage and next deadline.

``ComplaintsPanel`` shows ``complaints.list_complaints``: open ones by default,
overdue first, in red; each row's next deadline with the time left counted from
the clock at drawing time (redrawn each minute). Everyone sees that complaints
exist; the complainant and the gist only reach those who may read them (the
service withholds them; the row then says "Confidential" in grey). Enter or a
double-click opens the complaint; Ctrl+N records a new one; the suggestion box
is opened once a week as one batch.

The words for the complaint service's codes live here, for the dialogs too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import complaints
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import TaskTable
from clinic_desk.ui.patients.common import full_error_text, local, tr_code
from clinic_desk.ui.settings.common import HINT_COLOR, MessageLabel

CONTEXT = "Complaint"
STEP_CONTEXT = "ComplaintStep"
RED = "#c62828"
GREY = HINT_COLOR
TICK_MS = 60_000  # the time left is redrawn each minute
SEARCH_DELAY_MS = 300

# -- the words for the service's codes -------------------------------------------------------


def code_label(table: dict[str, str], code: str, context: str = CONTEXT) -> str:
    """A core code's words (marked QT_TRANSLATE_NOOP there), or the code if unknown."""
    text = table.get(code)
    return tr_code(context, text) if text else code


def channel_label(code: str) -> str:
    return code_label(complaints.CHANNEL_LABELS, code)


def severity_label(code: str) -> str:
    return code_label(complaints.SEVERITY_LABELS, code)


def complexity_label(code: str) -> str:
    return code_label(complaints.COMPLEXITY_LABELS, code)


def stage_label(code: str) -> str:
    return code_label(complaints.STAGE_LABELS, code, "ComplaintStage")


def event_label(code: str) -> str:
    return code_label(complaints.EVENT_LABELS, code, "ComplaintEvent")


def reply_channel_label(code: str) -> str:
    return code_label(complaints.REPLY_CHANNEL_LABELS, code)


def step_label(deadline: complaints.DeadlineView) -> str:
    return tr_code(STEP_CONTEXT, deadline.label) if deadline.label else deadline.step


def duration_text(minutes: int) -> str:
    """A length of time as people say it: "1 day(s) 3 h", "2 h 10 min", "5 min"."""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = QCoreApplication.translate("Complaints", "%n day(s)", "", days)
        if hours:
            text += " " + QCoreApplication.translate("Complaints", "{h} h").format(h=hours)
        return text
    if hours and mins:
        return QCoreApplication.translate("Complaints", "{h} h {m} min").format(h=hours, m=mins)
    if hours:
        return QCoreApplication.translate("Complaints", "{h} h").format(h=hours)
    return QCoreApplication.translate("Complaints", "{m} min").format(m=mins)


def left_minutes(due_at: datetime, now: datetime) -> int:
    """Whole minutes left (negative: overdue), rounded towards "less time left"."""
    seconds = (due_at - now).total_seconds()
    return int(seconds // 60)


def left_text(minutes: int) -> str:
    """ "2 h 10 min left", or "overdue by 1 day 3 h"."""
    if minutes < 0:
        return QCoreApplication.translate("Complaints", "overdue by {time}").format(
            time=duration_text(minutes)
        )
    return QCoreApplication.translate("Complaints", "{time} left").format(
        time=duration_text(minutes)
    )


def due_local(ctx: AppContext, due_at: datetime) -> str:
    """When a step is due, in local time; a limit in days ends at midnight, which reads
    better as the end of the day before ("2026-12-08 end of day") than as 00:00 after."""
    here = due_at.astimezone(ctx.clinic.timezone())
    if here.hour == 0 and here.minute == 0:
        day = (here - timedelta(days=1)).date()
        return QCoreApplication.translate("Complaints", "{day} end of day").format(
            day=day.isoformat()
        )
    return local(ctx, due_at)


def deadline_text(ctx: AppContext, deadline: complaints.DeadlineView | None) -> tuple[str, bool]:
    """The next deadline cell: the step, when it is due, how long is left; and whether late."""
    if deadline is None:
        return "", False
    minutes = left_minutes(deadline.due_at, ctx.clock())
    text = QCoreApplication.translate("Complaints", "{step}: {due} ({left})").format(
        step=step_label(deadline), due=due_local(ctx, deadline.due_at), left=left_text(minutes)
    )
    return text, minutes < 0


# -- the panel -------------------------------------------------------------------------------

STATUSES = ("open", "closed", "all")
COL_WHO = 8
COL_DEADLINE = 7
COL_SEVERITY = 3


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class ComplaintsPanel(QWidget):
    """Feature "Complaints & quality", tab "Complaints"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("complaints-panel")
        self.items: list[complaints.ComplaintSummary] = []
        self.loaded = False
        self.loads = 0  # answers drawn so far (tests wait on it)
        self._ticket = 0
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.status = QComboBox(self)
        self.status.setObjectName("complaints-status")
        for code in STATUSES:
            self.status.addItem("", code)
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self.mine = QCheckBox(self)
        self.mine.setObjectName("complaints-mine")
        self.mine.toggled.connect(lambda _on: self.reload())
        self.overdue = QCheckBox(self)
        self.overdue.setObjectName("complaints-overdue")
        self.overdue.toggled.connect(lambda _on: self.reload())
        self.period = QCheckBox(self)
        self.period.setObjectName("complaints-period")
        today = ctx.clinic.today()
        self.first = QDateEdit(_qdate(today - timedelta(days=30)), self)
        self.first.setObjectName("complaints-first")
        self.last = QDateEdit(_qdate(today), self)
        self.last.setObjectName("complaints-last")
        self.until = QLabel(self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _d: self.reload() if self.period.isChecked() else None)
        self.period.toggled.connect(self._period_toggled)
        self.search = QLineEdit(self)
        self.search.setObjectName("complaints-search")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(100)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textEdited.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.reload)
        bar.addWidget(self.status)
        bar.addWidget(self.mine)
        bar.addWidget(self.overdue)
        bar.addSpacing(12)
        bar.addWidget(self.period)
        bar.addWidget(self.first)
        bar.addWidget(self.until)
        bar.addWidget(self.last)
        bar.addSpacing(12)
        bar.addWidget(self.search, 1)
        layout.addLayout(bar)

        self.counts = QLabel(self)
        self.counts.setObjectName("complaints-counts")
        layout.addWidget(self.counts)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self.table = TaskTable(self)
        self.table.setObjectName("complaints-table")
        self.table.sig_enter.connect(self.open_selected)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.record_button = QPushButton(self)
        self.record_button.setObjectName("complaints-record")
        self.record_button.clicked.connect(self.record)
        self.box_button = QPushButton(self)
        self.box_button.setObjectName("complaints-box")
        self.box_button.clicked.connect(self.open_box)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("complaints-open")
        self.open_button.clicked.connect(self.open_selected)
        for b in (self.record_button, self.box_button, self.open_button):
            actions.addWidget(b)
        actions.addStretch(1)
        layout.addLayout(actions)

        shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        # Only here: the other tabs of the page have shortcuts of their own.
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.record)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._fill)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self._selection_changed()

    # -- text ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        names = {"open": self.tr("Open"), "closed": self.tr("Closed"), "all": self.tr("All")}
        for i in range(self.status.count()):
            self.status.setItemText(i, names[self.status.itemData(i)])
        self.mine.setText(self.tr("Mine"))
        self.mine.setToolTip(self.tr("Only the complaints you own"))
        self.overdue.setText(self.tr("Overdue only"))
        self.period.setText(self.tr("Received from"))
        self.until.setText(self.tr("to"))
        self.search.setPlaceholderText(self.tr("Search: number, complainant, words in it…"))
        self.record_button.setText(self.tr("Record a complaint…"))
        self.record_button.setToolTip(
            self.tr("Whoever receives a complaint records it and owns it (Ctrl+N)")
        )
        self.box_button.setText(self.tr("Open suggestion box…"))
        self.box_button.setToolTip(self.tr("Enter the week's notes from the box, all at once"))
        self.open_button.setText(self.tr("Open…"))
        self.open_button.setToolTip(self.tr("Open the selected complaint (Enter)"))
        self.table.set_headers(
            [
                self.tr("Number"),
                self.tr("Received"),
                self.tr("Channel"),
                self.tr("Severity"),
                self.tr("Stage"),
                self.tr("Owner"),
                self.tr("Department"),
                self.tr("Next deadline"),
                self.tr("Complainant and gist"),
            ]
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_WHO, QHeaderView.ResizeMode.Stretch)
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading ---------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.timer.isActive():
            self.timer.start()
        if not self.loaded:
            self.reload()
        else:
            self._fill()

    def hideEvent(self, event: Any) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def _period_toggled(self, on: bool) -> None:
        self.first.setEnabled(on)
        self.last.setEnabled(on)
        self.reload()

    def reload(self) -> None:
        self._debounce.stop()
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket
        period = self.period.isChecked()

        def show(items: list[complaints.ComplaintSummary]) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(items)

        self.ctx.runner.start(
            complaints.list_complaints,
            self.ctx.clinic,
            actor,
            status=self.status.currentData() or "open",
            mine=self.mine.isChecked(),
            overdue_only=self.overdue.isChecked(),
            first=_pydate(self.first.date()) if period else None,
            last=_pydate(self.last.date()) if period else None,
            search=self.search.text(),
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def _show(self, items: list[complaints.ComplaintSummary]) -> None:
        self.items = list(items)
        self.loaded = True
        self.loads += 1
        if self.message.is_error:
            self.message.clear()
        self._fill()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.COMPLAINTS) and self.loaded:
            self.reload()

    # -- drawing ---------------------------------------------------------------------------

    def _fill(self) -> None:
        items = self.items
        rows: list[tuple[Any, list[str]]] = []
        late_rows: list[int] = []
        for r, c in enumerate(items):
            deadline, late = deadline_text(
                self.ctx, c.next_deadline if c.status == "open" else None
            )
            if c.status == "open" and (late or c.overdue):
                late_rows.append(r)
            who = (
                self.tr("Confidential")
                if c.confidential
                else " · ".join(p for p in (c.complainant, c.gist) if p)
            )
            rows.append(
                (
                    c.id,
                    [
                        c.number,
                        local(self.ctx, c.received_at),
                        channel_label(c.channel),
                        severity_label(c.severity),
                        stage_label(c.stage),
                        c.owner_name,
                        c.department,
                        deadline,
                        who,
                    ],
                )
            )
        selected = self.table.current_id()
        self.table.set_rows(rows, red=late_rows)
        for r, c in enumerate(items):
            if c.severity == "serious":
                item = self.table.item(r, COL_SEVERITY)
                if item is not None:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(QColor(RED))
            if c.confidential:
                item = self.table.item(r, COL_WHO)
                if item is not None:
                    item.setForeground(QColor(GREY))
            if r in late_rows:
                item = self.table.item(r, COL_DEADLINE)
                if item is not None:
                    item.setForeground(QColor(RED))
        for r, c in enumerate(items):
            if c.id == selected:
                self.table.selectRow(r)
        if self.table.currentRow() < 0 and items:
            self.table.selectRow(0)
        if not self.loaded:
            self.counts.setText(self.tr("Loading…"))
        elif not items:
            self.counts.setText(self.tr("No complaint matches."))
        else:
            text = self.tr("%n complaint(s)", "", len(items))
            if late_rows:
                text += " · " + self.tr("%n overdue", "", len(late_rows))
            self.counts.setText(text)
        self._selection_changed()

    def selected(self) -> complaints.ComplaintSummary | None:
        chosen = self.table.current_id()
        return next((c for c in self.items if c.id == chosen), None)

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(self.selected() is not None)

    # -- actions ---------------------------------------------------------------------------

    def open_selected(self) -> QDialog | None:
        item = self.selected()
        if item is None:
            return None
        return self.open_complaint(item.id)

    def open_complaint(self, complaint_id: uuid.UUID) -> QDialog:
        from clinic_desk.ui.quality.complaint_dialog import ComplaintDialog

        dialog = ComplaintDialog(self.ctx, complaint_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def record(self) -> QDialog:
        from clinic_desk.ui.quality.complaint_dialog import IntakeDialog

        dialog = IntakeDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_recorded.connect(self.open_complaint)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_box(self) -> QDialog:
        from clinic_desk.ui.quality.suggestion_box import SuggestionBoxDialog

        dialog = SuggestionBoxDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog
