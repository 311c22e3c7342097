"""The desk's today board (spec B1-B8): who is expected, waiting, with the doctor, done.

Keyboard first: type a name in the search box and press Enter; a patient with an
appointment today goes straight to check-in, one without is offered a walk-in.
The board below is refreshed off the GUI thread whenever the queue or the book
changes and every 30 seconds, so the waiting minutes grow on their own; a row
waiting past ``reception.wait_alert_minutes`` turns red and comes first (the
service sorts by what needs attention).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import appointments, patient_search, reception, rosters
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.patients import common as patients_common
from clinic_desk.ui.patients.common import combo_index, full_error_text
from clinic_desk.ui.reception.common import (
    ADDRESS_COLOR_ROLE,
    ALERT_BG,
    ALERT_FG,
    BADGES_ROLE,
    GREEN_BG,
    GREEN_FG,
    GREY,
    LATE_FG,
    MEMBER_ROLE,
    NAME_ROLE,
    STATUS_BG,
    BoardDelegate,
    PatientSearch,
    badge_text,
    hit_line,
    label_of,
    local_time,
    member_tag,
    member_tooltip,
)
from clinic_desk.ui.settings.common import MessageLabel
from clinic_desk.ui.sync.attention import AttentionBanner

REFRESH_MS = 30_000
#: queue statuses the desk still acts on (not done, not gone)
OPEN_STATUSES = frozenset({"waiting", "called", "in_consultation", "sent_back"})
EXPECTING = frozenset({appointments.BOOKED, appointments.CONFIRMED})
#: booked rows the desk can check in (arrived: marked on the calendar, not queued yet)
CHECKABLE = EXPECTING | {appointments.ARRIVED}

COL_NO, COL_BOOKED, COL_PATIENT, COL_DOCTOR, COL_STATUS, COL_WAIT, COL_NEEDS, COL_NOTES = range(8)


@dataclass(frozen=True)
class BoardData:
    """The board and the doctors for the filter, loaded in one worker call."""

    board: reception.Board
    doctors: tuple[tuple[uuid.UUID, str], ...]


def load_board(clinic: Clinic, actor: Actor, language: str | None = None) -> BoardData:
    """Today's board for every doctor (the filter is applied on screen, so the search
    still finds a patient booked with another doctor); membership badges named in
    ``language`` (the screen's)."""
    board = reception.today_board(clinic, actor, badge_language=language)
    names: dict[uuid.UUID, str] = {c.doctor_id: c.doctor_name for c in board.counts}
    if actor.is_system or allowed(actor.role, Action.APPOINTMENT_VIEW):
        for d in rosters.list_doctors(clinic, actor, bookable_only=True):
            names.setdefault(d.id, d.display_name)
    doctors = tuple(sorted(names.items(), key=lambda pair: pair[1]))
    return BoardData(board, doctors)


def row_key(row: reception.BoardRow) -> tuple[str, uuid.UUID | None]:
    if row.entry_id is not None:
        return ("entry", row.entry_id)
    return ("appointment", row.appointment_id)


class BoardTable(QTableWidget):
    """The board; Enter acts on the current row (check in, or the row's actions)."""

    sig_enter = Signal(int)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.sig_enter.emit(self.currentRow())
            event.accept()
            return
        super().keyPressEvent(event)


def _unbroken(text: str) -> str:
    return "\u2060".join(text.replace(" ", "\u00a0"))


class ReceptionPage(QWidget):
    """Feature "Reception" (Ctrl+1): the search, the counts, the board, the row actions."""

    #: show something on another page: (feature key, target), e.g. ("calendar", (day, doctor))
    sig_open_feature = Signal(str, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("reception-page")
        self.data: BoardData | None = None
        self.shown: list[reception.BoardRow] = []
        self.doctor_id: uuid.UUID | None = None
        self.row_menu: QMenu | None = None
        self.loads = 0  # answers drawn so far (tests wait on it)
        self._ticket = 0
        self._select_patient: uuid.UUID | None = None
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)  # read at arm's length at the counter
        self.setFont(font)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.search = PatientSearch(ctx, self, describe=self._describe_hit)
        self.search.sig_activated.connect(self._hit_activated)
        self.search.sig_leave.connect(self.focus_board)
        top.addWidget(self.search, 1, Qt.AlignmentFlag.AlignTop)
        self.doctor_combo = QComboBox(self)
        self.doctor_combo.setObjectName("doctor-filter")
        self.doctor_combo.setMinimumWidth(150)
        self.doctor_combo.addItem("", None)
        self.doctor_combo.currentIndexChanged.connect(self._doctor_chosen)
        top.addWidget(self.doctor_combo, 0, Qt.AlignmentFlag.AlignTop)
        self.walk_in_button = QPushButton(self)
        self.walk_in_button.setObjectName("walk-in")
        self.walk_in_button.clicked.connect(self._walk_in_clicked)
        top.addWidget(self.walk_in_button, 0, Qt.AlignmentFlag.AlignTop)
        self.day_end_button = QPushButton(self)
        self.day_end_button.setObjectName("day-end")
        self.day_end_button.clicked.connect(self.day_end)
        top.addWidget(self.day_end_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        info = QHBoxLayout()
        self.counts = QLabel(self)
        self.counts.setObjectName("doctor-counts")
        self.counts.setWordWrap(True)
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        info.addWidget(self.counts, 1)
        self.alerts = QLabel(self)
        self.alerts.setObjectName("alert-summary")
        self.alerts.setStyleSheet(f"color: {ALERT_BG}; font-weight: bold;")
        info.addWidget(self.alerts, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout.addLayout(info)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        # Sync (issue 7): clashes from two desks that worked offline; hidden while none.
        self.attention = AttentionBanner(ctx, self)
        self.attention.sig_open.connect(self._open_attention_item)
        layout.addWidget(self.attention)

        self.table = BoardTable(0, 8, self)
        self.table.setObjectName("reception-board")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.setWordWrap(False)
        self.table.setItemDelegate(BoardDelegate(self.table))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.sig_enter.connect(self._enter_on_row)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_PATIENT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_NOTES, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.check_in_button = self._action_button("check-in", self.check_in_selected)
        self.alert_button = self._action_button("handle-alert", self.handle_alert_selected)
        self.green_button = self._action_button("green-channel", self.green_channel_selected)
        self.return_button = self._action_button("return-to-queue", self.return_selected)
        self.left_button = self._action_button("mark-left", self.mark_left_selected)
        for button in (
            self.check_in_button,
            self.alert_button,
            self.green_button,
            self.return_button,
            self.left_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        self.updated = QLabel(self)
        self.updated.setObjectName("board-updated")
        self.updated.setStyleSheet(f"color: {GREY};")
        actions.addWidget(self.updated)
        layout.addLayout(actions)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        for keys, slot in (("Ctrl+F", self.focus_search), ("Ctrl+N", self.open_walk_in)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
        ctx.sig_changes.connect(self._on_changes)
        ctx.sig_actor_changed.connect(self._actor_changed)
        self.retranslate()
        self._update_buttons()
        self.reload()

    def _action_button(self, name: str, slot: Any) -> QPushButton:
        button = QPushButton(self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.search.line.setPlaceholderText(
            self.tr("Find the patient: name, pinyin initials (zs), phone digits… then Enter")
        )
        self.doctor_combo.setItemText(0, self.tr("All doctors"))
        self.walk_in_button.setText(self.tr("Walk-in…"))
        self.walk_in_button.setToolTip(self.tr("Queue a patient without an appointment (Ctrl+N)"))
        self.day_end_button.setText(self.tr("Day's end…"))
        self.day_end_button.setToolTip(
            self.tr("Who is still waiting or with the doctor; mark the no-shows")
        )
        self.check_in_button.setText(self.tr("Check in"))
        self.check_in_button.setToolTip(self.tr("Check in the selected patient (Enter)"))
        self.alert_button.setText(self.tr("Handle wait alert…"))
        self.green_button.setText(self.tr("Green channel…"))
        self.green_button.setToolTip(self.tr("An emergency: first in the doctor's queue"))
        self.return_button.setText(self.tr("Back to the queue"))
        self.left_button.setText(self.tr("Left without being seen"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("No."),
                self.tr("Booked"),
                self.tr("Patient"),
                self.tr("Doctor"),
                self.tr("Status"),
                self.tr("Waiting"),
                self.tr("Needs"),
                self.tr("Notes"),
            ]
        )
        self._fill()
        self.search.refresh_texts()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            if self.data is not None:
                self.reload()  # the tiers' names on the badges are data, in each language
        super().changeEvent(event)

    # -- loading --------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.timer.isActive():
            self.timer.start()
            if self.data is not None:
                self.reload()  # back from another screen: the minutes have moved on
        if not self.search.line.hasFocus() and not self.table.hasFocus():
            self.focus_search()

    def hideEvent(self, event: Any) -> None:
        self.timer.stop()  # a hidden board need not tick; showing it reloads
        super().hideEvent(event)

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.CHECKIN):
            return
        self._ticket += 1
        ticket = self._ticket

        def show(data: BoardData) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(data)

        self.ctx.runner.start(
            load_board,
            self.ctx.clinic,
            actor,
            ui_language(),
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def _show(self, data: BoardData) -> None:
        self.data = data
        self.loads += 1
        if self.message.is_error:
            self.message.clear()
        self.doctor_combo.blockSignals(True)
        while self.doctor_combo.count() > 1:
            self.doctor_combo.removeItem(1)
        for doctor_id, name in data.doctors:
            self.doctor_combo.addItem(name, doctor_id)
        index = combo_index(self.doctor_combo, self.doctor_id)
        if index < 0:
            self.doctor_id = None
        self.doctor_combo.setCurrentIndex(max(0, index))
        self.doctor_combo.blockSignals(False)
        self._fill()
        self.search.refresh_texts()

    def _on_changes(self, changes: Changes) -> None:
        if (
            changes.touches(Topic.RECEPTION)
            or changes.touches(Topic.APPOINTMENTS)
            or changes.touches(Topic.PATIENTS)
        ):
            self.reload()

    def _actor_changed(self, _actor: object) -> None:
        self.search.clear()
        self.reload()

    def _doctor_chosen(self, _index: int) -> None:
        self.doctor_id = self.doctor_combo.currentData()
        self._fill()

    # -- drawing --------------------------------------------------------------------------

    def _visible(self, row: reception.BoardRow) -> bool:
        if self.doctor_id is None:
            return True
        # Unassigned walk-ins stay in view: any doctor may call them.
        return row.doctor_id == self.doctor_id or (row.kind == "queued" and row.doctor_id is None)

    def _fill(self) -> None:
        data = self.data
        if data is None:
            return
        board = data.board
        keep = self.selected_row()
        rows = [r for r in board.rows if self._visible(r)]
        self.shown = rows
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            self._fill_row(i, row, board)
        target = -1
        for i, row in enumerate(rows):
            if self._select_patient is not None and row.patient_id == self._select_patient:
                target = i
                break
            if keep is not None and row_key(row) == row_key(keep):
                target = i
        if self._select_patient is not None and target >= 0:
            self._select_patient = None
        if target >= 0:
            self.table.selectRow(target)
        self._show_counts(board)
        self.updated.setText(
            self.tr("Updated {time}").format(time=local_time(self.ctx, board.made_at))
        )
        self._update_buttons()

    def _show_counts(self, board: reception.Board) -> None:
        parts = []
        for c in board.counts:
            if self.doctor_id is not None and c.doctor_id != self.doctor_id:
                continue
            numbers = self.tr(
                "{expected} expected · {waiting} waiting · {consulting} in consultation · "
                "{done} done"
            ).format(
                expected=c.expected,
                waiting=c.waiting,
                consulting=c.in_consultation,
                done=c.done,
            )
            # One doctor's counts never break across lines; lines break between doctors.
            # One doctor's counts never break across lines, only between doctors: Qt's
            # rich text ignores nowrap, and breaks anywhere between Chinese characters,
            # so the characters are joined by WORD JOINER (U+2060).
            name, text = _unbroken(c.doctor_name), _unbroken(numbers)
            parts.append(f"<b>{_esc(name)}</b>\u2060\u00a0\u2060{_esc(text)}")
        if not parts:
            parts.append(_esc(self.tr("Nobody is expected or waiting today yet.")))
        self.counts.setText("&nbsp;&nbsp;│ ".join(parts))
        if board.alerts:
            self.alerts.setText(
                self.tr("⚠ %n waiting longer than {minutes} min", "", board.alerts).format(
                    minutes=board.wait_alert_minutes
                )
            )
        else:
            self.alerts.clear()

    def status_text(self, row: reception.BoardRow) -> str:
        if row.kind == "queued":
            return label_of(reception.QUEUE_STATUSES, row.status)
        if row.status in EXPECTING:
            return self.tr("Expected")
        return label_of(appointments.STATUSES, row.status, "Appointment")

    def wait_text(self, row: reception.BoardRow) -> str:
        if row.wait_minutes is None:
            return ""
        text = self.tr("{n} min").format(n=row.wait_minutes)
        return f"⚠ {text}" if row.alert else text

    def notes_text(self, row: reception.BoardRow) -> str:
        parts = []
        if row.green:
            parts.append(self.tr("✚ Green channel: {reason}").format(reason=row.green_reason))
        if row.walk_in:
            parts.append(self.tr("Walk-in"))
        if row.alert_handled:
            parts.append(self.tr("Wait explained"))
        if row.late_check_in:
            parts.append(self.tr("Checked in late"))
        return " · ".join(parts)

    def _fill_row(self, i: int, row: reception.BoardRow, board: reception.Board) -> None:
        overdue = (
            row.kind == "expected"
            and row.status in EXPECTING
            and row.booked_for is not None
            and row.booked_for < board.made_at
        )
        doctor = row.doctor_name or row.department or self.tr("Any doctor")
        texts = [
            ("✚ " if row.green else "") + (str(row.queue_no) if row.queue_no else ""),
            local_time(self.ctx, row.booked_for) or "—",
            f"{row.patient_name}  {row.address}".strip(),
            doctor,
            self.status_text(row),
            self.wait_text(row),
            " ".join(badge_text(code) for code in row.needs),
            self.notes_text(row),
        ]
        background: str | None = None
        foreground: str | None = None
        bold = False
        italic = False
        if row.alert:
            background, foreground, bold = ALERT_BG, ALERT_FG, True
        elif row.green and row.status in OPEN_STATUSES:
            background, foreground, bold = GREEN_BG, GREEN_FG, True
        elif row.kind == "queued" and row.status in STATUS_BG:
            background = STATUS_BG[row.status]
        elif row.status in ("done",):
            foreground = GREY
        elif row.status in ("left", appointments.NO_SHOW):
            foreground, italic = GREY, True
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if column == COL_NO:
                item.setData(Qt.ItemDataRole.UserRole, row_key(row))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if column == COL_PATIENT:
                item.setData(NAME_ROLE, (row.patient_name, row.address))
                item.setData(ADDRESS_COLOR_ROLE, "#ffcdd2" if row.alert else GREY)
                tips = []
                if row.record_no:
                    tips.append(self.tr("Record no. {no}").format(no=row.record_no))
                tag = member_tag(row.member)
                if tag is not None:
                    item.setData(MEMBER_ROLE, tag)
                    tips.append(member_tooltip(row.member))
                item.setToolTip("\n".join(tips))
            if column == COL_NEEDS and row.needs:
                item.setData(BADGES_ROLE, tuple(row.needs))
            if column == COL_NOTES and row.green:
                item.setToolTip(row.green_reason)
            if background is not None:
                item.setBackground(QBrush(QColor(background)))
            color = foreground
            if column == COL_BOOKED and overdue and not row.alert:
                color = LATE_FG
            if color is not None:
                item.setForeground(QBrush(QColor(color)))
            if bold or italic or (column == COL_WAIT and row.alert):
                font = QFont(self.table.font())
                font.setBold(bold or column == COL_WAIT)
                font.setItalic(italic)
                item.setFont(font)
            self.table.setItem(i, column, item)

    # -- selection and keys -----------------------------------------------------------------

    def selected_row(self) -> reception.BoardRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        index = rows[0].row() if rows else -1
        return self.shown[index] if 0 <= index < len(self.shown) else None

    def row_for_patient(self, patient_id: uuid.UUID) -> reception.BoardRow | None:
        """The row Enter on a search hit acts on: an appointment still to check in, else the
        patient's open place in the queue; None when neither (a walk-in is offered)."""
        if self.data is None:
            return None
        mine = [r for r in self.data.board.rows if r.patient_id == patient_id]
        for r in mine:
            if r.kind == "expected" and r.status in CHECKABLE:
                return r
        for r in mine:
            if r.kind == "queued" and r.status in OPEN_STATUSES:
                return r
        return None  # a no-show or a finished visit comes back as a walk-in

    def select_row_of(self, row: reception.BoardRow) -> None:
        if not self._visible(row):
            self.doctor_combo.setCurrentIndex(0)
        for i, shown in enumerate(self.shown):
            if row_key(shown) == row_key(row):
                self.table.selectRow(i)
                self.table.scrollTo(self.table.model().index(i, 0))
                return

    def _open_attention_item(self, key: str, target: object) -> None:
        """From the "needs attention" list: the board's own rows here, other pages by the
        main window."""
        if key != "reception":
            self.sig_open_feature.emit(key, target)
            return
        ids = set(target) if isinstance(target, tuple) else set()
        if self.doctor_id is not None:
            self.doctor_combo.setCurrentIndex(0)  # both rows in view
        for row in self.shown:
            if row.entry_id in ids:
                self.select_row_of(row)
                self.table.setFocus()
                return

    def focus_board(self) -> None:
        self.table.setFocus()
        if self.table.currentRow() < 0 and self.shown:
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.search.line.setFocus()
        self.search.line.selectAll()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        checkin = self.ctx.may(Action.CHECKIN)
        queued_open = row is not None and row.kind == "queued" and row.status in OPEN_STATUSES
        self.check_in_button.setEnabled(
            checkin and row is not None and row.kind == "expected" and row.status in CHECKABLE
        )
        self.alert_button.setEnabled(checkin and row is not None and row.alert)
        self.green_button.setEnabled(
            queued_open and row is not None and not row.green and row.status != "in_consultation"
        )
        self.return_button.setEnabled(
            row is not None and row.kind == "queued" and row.status in ("sent_back", "left")
        )
        self.left_button.setEnabled(
            checkin and queued_open and row is not None and row.status != "in_consultation"
        )

    def _enter_on_row(self, index: int) -> None:
        if not 0 <= index < len(self.shown):
            return
        row = self.shown[index]
        if row.kind == "expected" and row.status in CHECKABLE:
            self.check_in(row)
            return
        rect = self.table.visualRect(self.table.model().index(index, COL_PATIENT))
        self._show_menu(row, self.table.viewport().mapToGlobal(rect.center()))

    def _double_clicked(self, index: Any) -> None:
        self._enter_on_row(index.row())

    def _context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        row = self.selected_row()
        if row is not None:
            self._show_menu(row, self.table.viewport().mapToGlobal(position))

    def _show_menu(self, row: reception.BoardRow, where: QPoint) -> None:
        menu = QMenu(self)
        menu.setObjectName("row-actions")
        for button in (
            self.check_in_button,
            self.alert_button,
            self.green_button,
            self.return_button,
            self.left_button,
        ):
            action = QAction(button.text(), menu)
            action.setObjectName(button.objectName())
            action.setEnabled(button.isEnabled())
            action.triggered.connect(button.click)
            menu.addAction(action)
        first = next((a for a in menu.actions() if a.isEnabled()), None)
        if first is not None:
            menu.setActiveAction(first)
        self.row_menu = menu
        menu.popup(where)

    # -- the search -------------------------------------------------------------------------

    def _describe_hit(self, hit: patient_search.PatientHit) -> str:
        line = hit_line(hit)
        if hit.matched_kind == patient_search.KIND_CARD:
            line = f"{line}  · {self.tr('membership card')}"
        row = self.row_for_patient(hit.id)
        if row is None:
            what = self.tr("no appointment today · Enter: walk-in")
        elif row.kind == "expected":
            what = self.tr("{time} with {doctor} · Enter: check in").format(
                time=local_time(self.ctx, row.booked_for), doctor=row.doctor_name
            )
        else:
            what = self.tr("No. {no}, {status}").format(
                no=row.queue_no, status=self.status_text(row)
            )
        return f"{line}   — {what}"

    def _hit_activated(self, hit: patient_search.PatientHit) -> None:
        row = self.row_for_patient(hit.id)
        if row is None:
            self.open_walk_in(hit.id)
        elif row.kind == "expected":
            self.check_in(row)
        else:
            self.search.clear()
            self.select_row_of(row)
            self.table.setFocus()
            self.message.show_info(
                self.tr("Already in the queue: No. {no} ({status}).").format(
                    no=row.queue_no, status=self.status_text(row)
                )
            )

    # -- actions ----------------------------------------------------------------------------

    def _dialog_closed(self, patient_id: uuid.UUID | None) -> None:
        """Back from a dialog: the board has the keyboard, on the patient's row."""
        self.search.clear()
        self._select_patient = patient_id
        self.reload()
        self.focus_board()

    def check_in(self, row: reception.BoardRow) -> QDialog | None:
        from clinic_desk.ui.reception.checkin import CheckInDialog

        if row.appointment_id is None or not self.ctx.may(Action.CHECKIN):
            return None
        dialog = CheckInDialog(self.ctx, row.appointment_id, self)
        patient_id = row.patient_id
        dialog.finished.connect(lambda _r: self._dialog_closed(patient_id))
        dialog.open()
        return dialog

    def check_in_selected(self) -> None:
        row = self.selected_row()
        if row is not None and row.kind == "expected" and row.status in CHECKABLE:
            self.check_in(row)

    def _walk_in_clicked(self) -> None:
        self.open_walk_in(None)

    def open_walk_in(self, patient_id: uuid.UUID | None = None) -> QDialog | None:
        from clinic_desk.ui.reception.walkin import WalkInDialog

        if not self.ctx.may(Action.CHECKIN):
            return None
        dialog = WalkInDialog(self.ctx, self, patient_id=patient_id)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog.patient_id))
        dialog.open()
        return dialog

    def handle_alert_selected(self) -> QDialog | None:
        from clinic_desk.ui.reception.alerts import WaitAlertDialog

        row = self.selected_row()
        if row is None or row.entry_id is None or not row.alert:
            return None
        dialog = WaitAlertDialog(self.ctx, row, self)
        dialog.finished.connect(lambda _r: self._dialog_closed(row.patient_id))
        dialog.open()
        return dialog

    def green_channel_selected(self) -> QDialog | None:
        from clinic_desk.ui.reception.alerts import GreenChannelDialog

        row = self.selected_row()
        if row is None or row.entry_id is None:
            return None
        dialog = GreenChannelDialog(self.ctx, row, self)
        dialog.finished.connect(lambda _r: self._dialog_closed(row.patient_id))
        dialog.open()
        return dialog

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            on_success=self._written,
            on_error=self._failed,
            owner=self,
            **kwargs,
        )

    def _written(self, written: Any) -> None:
        self.message.clear()
        self.ctx.broadcast(written.changes)

    def return_selected(self) -> None:
        row = self.selected_row()
        if row is not None and row.entry_id is not None and row.status in ("sent_back", "left"):
            self._select_patient = row.patient_id
            self._run(reception.return_to_queue, row.entry_id)

    def mark_left_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.entry_id is None:
            return
        note = patients_common.ask_reason(
            self,
            self.tr("Left without being seen"),
            self.tr(
                "No. {no} left without seeing the doctor. A note for the record (optional), "
                "e.g. what the patient said:"
            ).format(no=row.queue_no),
        )
        if note is None:
            return
        self._run(reception.mark_left, row.entry_id, note=note.strip())

    def day_end(self) -> QDialog | None:
        """Who is still here, and the no-shows marked (the doctors' room's dialog)."""
        from clinic_desk.ui.reception.day_end import open_day_end

        if self.ctx.actor is None:
            return None
        return open_day_end(self.ctx, self)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
