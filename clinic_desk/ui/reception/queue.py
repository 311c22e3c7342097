"""The doctor's room (issue 6; spec B4, B6, B8): the queue of one doctor, live.

The queue redraws itself whenever a write on this computer touches the
reception (the desk checks someone in, a colleague calls next) and every
30 seconds, which also keeps the waiting minutes current and picks up what
another workstation wrote. "Call next" takes the green channel first, then the
lowest number; starting a consultation opens the patient's file beside the
queue on the visits tab.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import clinical, reception, rosters
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.patients.common import FieldsDialog, combo_index, full_error_text, tr_code
from clinic_desk.ui.reception.common import (
    MEMBER_ROLE,
    NAME_ROLE,
    BoardDelegate,
    member_tag,
    member_tooltip,
)
from clinic_desk.ui.settings.common import MessageLabel

if TYPE_CHECKING:
    from clinic_desk.ui.reception.display import WaitingRoomDisplay

REFRESH_MS = 30_000  # the waiting minutes move on; other workstations' writes arrive
GREEN = "#1b5e20"
GREEN_BACKGROUND = "#e8f5e9"
ALERT = "#b00020"
#: queue statuses each button acts on (the service checks again and says why not)
CAN_RECALL = frozenset({"called"})
CAN_START = frozenset({"waiting", "called"})
CAN_FINISH = frozenset({"in_consultation", "sent_back"})
CAN_SEND_BACK = frozenset({"called", "in_consultation"})
CAN_RETURN = frozenset({"sent_back"})


@dataclass(frozen=True)
class QueueData:
    """One load of the page: whose queue, the doctors to choose from, the rows."""

    doctor_id: uuid.UUID | None
    doctors: tuple[rosters.DoctorView, ...]
    rows: tuple[reception.BoardRow, ...]


def load_queue(
    clinic: Clinic, actor: Actor, doctor_id: uuid.UUID | None, language: str | None = None
) -> QueueData:
    """The chosen doctor's queue; by default the actor's own (runs on the worker thread).
    Membership badges are named in ``language`` (the screen's)."""
    doctors: tuple[rosters.DoctorView, ...] = ()
    if actor.is_system or allowed(actor.role, Action.APPOINTMENT_VIEW):
        doctors = tuple(d for d in rosters.list_doctors(clinic, actor) if d.active)
    if doctor_id is None:
        ids = [d.id for d in doctors]
        if actor.staff_id is not None and actor.staff_id in ids:
            doctor_id = actor.staff_id
        elif ids:
            doctor_id = ids[0]  # the desk or the triage nurse: a doctor must be chosen
    rows = reception.doctor_queue(clinic, actor, doctor_id, badge_language=language)
    return QueueData(doctor_id, doctors, tuple(rows))


def need_label(code: str) -> str:
    """A special-need badge's words (B6); an unknown code is shown as it is."""
    known = reception.NEED_BADGES.get(code)
    return tr_code("Patient", known) if known is not None else code


def status_label(code: str, back_reason: str = "") -> str:
    """ "Back at the desk (Payment)": the status, and why for a patient sent back."""
    known = reception.QUEUE_STATUSES.get(code)
    text = tr_code("Reception", known) if known is not None else code
    reason = reception.BACK_REASONS.get(back_reason)
    if reason is not None:
        text = f"{text}（{tr_code('Reception', reason)}）"
    return text


def todays_visit(
    ctx: AppContext, record: clinical.RecordView | None, row: reception.BoardRow
) -> clinical.VisitView | None:
    """The visit written today in the open file for this patient, to link on finishing."""
    if record is None or record.patient.id != row.patient_id:
        return None
    zone = ctx.clinic.timezone()
    today = ctx.clock().astimezone(zone).date()
    visits = [
        v.current
        for v in record.visits
        if v.current.visit_at.astimezone(zone).date() == today
        and v.current.doctor_id in (None, row.doctor_id)
    ]
    return max(visits, key=lambda v: v.visit_at, default=None)


def local_time(ctx: AppContext, moment: datetime | None) -> str:
    """Today's times as 10:30; an earlier day's (past midnight) with its date."""
    if moment is None:
        return ""
    zone = ctx.clinic.timezone()
    here = moment.astimezone(zone)
    if here.date() != ctx.clock().astimezone(zone).date():
        return here.strftime("%m-%d %H:%M")
    return here.strftime("%H:%M")


class FinishDialog(FieldsDialog):
    """Finish the consultation with the kind of visit, which feeds the follow-up plans."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget,
        row: reception.BoardRow,
        visit: clinical.VisitView | None = None,
    ) -> None:
        self.visit = visit
        # Not self.tr(): the QObject does not exist before the base class is built.
        choices = [
            ("", QCoreApplication.translate("FinishDialog", "Choose the kind of visit…"))
        ] + [
            (code, tr_code("VisitCategory", clinical.VISIT_CATEGORY_LABELS.get(code, code)))
            for code in clinical.VISIT_CATEGORIES
        ]
        super().__init__(
            ctx,
            parent,
            QCoreApplication.translate("FinishDialog", "Finish the consultation"),
            [
                (
                    "visit_category",
                    QCoreApplication.translate("FinishDialog", "Kind of visit"),
                    "choice",
                    choices,
                )
            ],
            reception.finish_consultation,
            row.entry_id,
            intro=QCoreApplication.translate("FinishDialog", "No. {number} · {patient}").format(
                number=row.queue_no, patient=row.patient_name
            ),
        )
        self.setObjectName("finish-consultation")
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if save is not None:
            save.setText(self.tr("Finish"))
        combo = self.widgets["visit_category"]
        if visit is not None and isinstance(combo, QComboBox):
            # The visit written in the file today already says what kind it was.
            combo.setCurrentIndex(max(0, combo_index(combo, visit.category)))

    def values(self) -> dict[str, Any] | None:
        values = super().values()
        if values is not None and not values.get("visit_category"):
            self.message.show_error(
                self.tr("Choose the kind of visit: the follow-up plan depends on it.")
            )
            return None
        if values is not None and self.visit is not None:
            values["visit_id"] = self.visit.id
        return values


class SendBackDialog(FieldsDialog):
    """Send the patient back to the desk (payment, an examination) with a reason."""

    def __init__(self, ctx: AppContext, parent: QWidget, row: reception.BoardRow) -> None:
        choices = [
            (code, tr_code("Reception", label)) for code, label in reception.BACK_REASONS.items()
        ]
        super().__init__(
            ctx,
            parent,
            QCoreApplication.translate("SendBackDialog", "Send back to the desk"),
            [
                (
                    "reason",
                    QCoreApplication.translate("SendBackDialog", "Reason"),
                    "choice",
                    choices,
                ),
                (
                    "note",
                    QCoreApplication.translate("SendBackDialog", "Note for the desk"),
                    "line",
                    (),
                ),
            ],
            reception.send_back,
            row.entry_id,
            intro=QCoreApplication.translate(
                "SendBackDialog",
                "No. {number} · {patient} goes back to the desk and keeps the queue number.",
            ).format(number=row.queue_no, patient=row.patient_name),
        )
        self.setObjectName("send-back")
        note = self.widgets["note"]
        if isinstance(note, QLineEdit):
            note.setMaxLength(500)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if save is not None:
            save.setText(self.tr("Send back"))


class DoctorQueuePage(QWidget):
    """The "My queue" page: call next, call again, start, finish, send back (B4, B6, B8)."""

    #: a consultation started: the patient's file was opened (patient id)
    sig_file_opened = Signal(object)
    #: show something on another page (feature key, target): the open file's
    #: "Open in Membership" (the main window connects every page's signal)
    sig_open_feature = Signal(str, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("doctor-queue")
        self.doctor_id: uuid.UUID | None = None
        self.data: QueueData | None = None
        self.rows: tuple[reception.BoardRow, ...] = ()
        self.loaded = False
        self.selected_entry: uuid.UUID | None = None
        self.busy = False
        self.file_view: QWidget | None = None
        self.display: WaitingRoomDisplay | None = None
        self._ticket = 0

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("queue-title")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        bar.addWidget(self.title, 1)
        self.doctor_label = QLabel(self)
        bar.addWidget(self.doctor_label)
        self.doctor_combo = QComboBox(self)
        self.doctor_combo.setObjectName("queue-doctor")
        self.doctor_combo.setMinimumWidth(160)
        self.doctor_combo.currentIndexChanged.connect(self._doctor_chosen)
        bar.addWidget(self.doctor_combo)
        self.display_button = QPushButton(self)
        self.display_button.setObjectName("open-display")
        self.display_button.clicked.connect(self.open_display)
        bar.addWidget(self.display_button)
        layout.addLayout(bar)

        self.now_label = QLabel(self)
        self.now_label.setObjectName("now-serving")
        self.now_label.setWordWrap(True)
        now_font = QFont(self.now_label.font())
        now_font.setPointSizeF(now_font.pointSizeF() * 1.2)
        self.now_label.setFont(now_font)
        layout.addWidget(self.now_label)
        self.message = MessageLabel(self)
        self.message.setObjectName("queue-message")
        layout.addWidget(self.message)

        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.queue_panel = QWidget(self.split)
        panel = QVBoxLayout(self.queue_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.call_button = QPushButton(self.queue_panel)
        self.call_button.setObjectName("call-next")
        big = QFont(self.call_button.font())
        big.setPointSizeF(big.pointSizeF() * 1.5)
        big.setBold(True)
        self.call_button.setFont(big)
        self.call_button.setMinimumHeight(54)
        self.call_button.setMinimumWidth(180)
        self.call_button.clicked.connect(self.call_next)
        buttons.addWidget(self.call_button)
        self.recall_button = QPushButton(self.queue_panel)
        self.recall_button.setObjectName("recall")
        self.recall_button.clicked.connect(self.recall)
        self.start_button = QPushButton(self.queue_panel)
        self.start_button.setObjectName("start-consultation")
        self.start_button.clicked.connect(self.start_consultation)
        self.finish_button = QPushButton(self.queue_panel)
        self.finish_button.setObjectName("finish-consultation")
        self.finish_button.clicked.connect(self.finish)
        self.back_button = QPushButton(self.queue_panel)
        self.back_button.setObjectName("send-back")
        self.back_button.clicked.connect(self.send_back)
        self.return_button = QPushButton(self.queue_panel)
        self.return_button.setObjectName("return-to-queue")
        self.return_button.clicked.connect(self.return_to_queue)
        for button in (
            self.recall_button,
            self.start_button,
            self.finish_button,
            self.back_button,
            self.return_button,
        ):
            button.setMinimumHeight(40)
            buttons.addWidget(button)
        buttons.addStretch(1)
        panel.addLayout(buttons)
        self.table = QTableWidget(0, 7, self.queue_panel)
        self.table.setObjectName("queue-table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        # The patient cell ends with the membership tag (H2).
        self.table.setItemDelegateForColumn(1, BoardDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        row_font = QFont(self.table.font())
        row_font.setPointSizeF(row_font.pointSizeF() * 1.15)
        self.table.setFont(row_font)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 14)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        panel.addWidget(self.table, 1)
        self.empty_label = QLabel(self.queue_panel)
        self.empty_label.setObjectName("queue-empty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #555555; padding: 18px;")
        panel.addWidget(self.empty_label)
        self.split.addWidget(self.queue_panel)
        self.file_panel = QWidget(self.split)
        file_layout = QVBoxLayout(self.file_panel)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_bar = QHBoxLayout()
        self.file_title = QLabel(self.file_panel)
        file_bar.addWidget(self.file_title, 1)
        self.close_file_button = QPushButton(self.file_panel)
        self.close_file_button.setObjectName("close-file")
        self.close_file_button.clicked.connect(self.close_file)
        file_bar.addWidget(self.close_file_button)
        file_layout.addLayout(file_bar)
        self.file_layout = file_layout
        self.split.addWidget(self.file_panel)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        self.file_panel.hide()
        layout.addWidget(self.split, 1)

        # F5 / Ctrl+N anywhere on the page; Enter only while the queue has the focus,
        # so Enter typed in the open patient file never starts the next patient.
        self.shortcuts: dict[str, list[QShortcut]] = {}
        for name, keys, target, context in (
            ("call", ("F5", "Ctrl+N"), self, Qt.ShortcutContext.WidgetWithChildrenShortcut),
            (
                "start",
                ("Return", "Enter"),
                self.queue_panel,
                Qt.ShortcutContext.WidgetWithChildrenShortcut,
            ),
            (
                "finish",
                ("Ctrl+Return", "Ctrl+Enter"),
                self,
                Qt.ShortcutContext.WidgetWithChildrenShortcut,
            ),
        ):
            made = []
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), target)
                shortcut.setContext(context)
                made.append(shortcut)
            self.shortcuts[name] = made
        for shortcut in self.shortcuts["call"]:
            shortcut.activated.connect(self.call_next)
        for shortcut in self.shortcuts["start"]:
            shortcut.activated.connect(self.start_consultation)
        for shortcut in self.shortcuts["finish"]:
            shortcut.activated.connect(self.finish)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        self.timer.start()
        ctx.sig_changes.connect(self._on_changes)
        ctx.sig_actor_changed.connect(self._actor_changed)
        self.retranslate()
        self._update_buttons()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.doctor_label.setText(self.tr("Doctor:"))
        self.display_button.setText(self.tr("Waiting-room display"))
        self.display_button.setToolTip(
            self.tr("Show the called numbers on a second screen in the waiting room (names masked)")
        )
        self.call_button.setText(self.tr("Call next"))
        self.call_button.setToolTip(
            self.tr("Call the next patient: green channel first, then by number (F5 or Ctrl+N)")
        )
        self.recall_button.setText(self.tr("Call again"))
        self.recall_button.setToolTip(self.tr("Call the chosen number once more"))
        self.start_button.setText(self.tr("Start consultation"))
        self.start_button.setToolTip(
            self.tr("Start with the chosen patient and open their file (Enter)")
        )
        self.finish_button.setText(self.tr("Finish…"))
        self.finish_button.setToolTip(
            self.tr("Finish the consultation and choose the kind of visit (Ctrl+Enter)")
        )
        self.back_button.setText(self.tr("Send back to the desk…"))
        self.back_button.setToolTip(
            self.tr("For payment, an examination or medicine; the patient keeps the number")
        )
        self.return_button.setText(self.tr("Back in the queue"))
        self.return_button.setToolTip(
            self.tr("The patient is back from the desk and waits again with the same number")
        )
        self.close_file_button.setText(self.tr("Close the file"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("No."),
                self.tr("Patient"),
                self.tr("Status"),
                self.tr("Waiting"),
                self.tr("Needs"),
                self.tr("Green channel"),
                self.tr("Booked"),
            ]
        )
        self.empty_label.setText(
            self.tr(
                "Nobody is in your queue yet. Patients appear here as soon as the desk "
                "checks them in."
            )
        )
        self._show_title()
        if self.data is not None:
            self._fill(self.rows)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            if self.data is not None:
                self.reload()  # the tiers' names on the badges are data, in each language
        super().changeEvent(event)

    def _doctor_name(self, doctor_id: uuid.UUID | None) -> str:
        if self.data is not None:
            for d in self.data.doctors:
                if d.id == doctor_id:
                    return d.display_name
        actor = self.ctx.actor
        if actor is not None and actor.staff_id == doctor_id:
            return actor.display_name
        return ""

    def _show_title(self) -> None:
        actor = self.ctx.actor
        if actor is not None and self.doctor_id is not None and self.doctor_id == actor.staff_id:
            self.title.setText(self.tr("My queue"))
        elif self.doctor_id is not None:
            self.title.setText(
                self.tr("Queue of {doctor}").format(doctor=self._doctor_name(self.doctor_id))
            )
        else:
            self.title.setText(self.tr("Queue"))

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self._ticket += 1
        ticket = self._ticket

        def show(data: QueueData) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(data)

        self.ctx.runner.start(
            load_queue,
            self.ctx.clinic,
            actor,
            self.doctor_id,
            ui_language(),
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self._update_buttons()
        self.message.show_error(full_error_text(error))

    def _show(self, data: QueueData) -> None:
        self.data = data
        self.doctor_id = data.doctor_id
        self.doctor_combo.blockSignals(True)
        self.doctor_combo.clear()
        for d in data.doctors:
            self.doctor_combo.addItem(d.display_name, d.id)
        self.doctor_combo.setCurrentIndex(max(0, combo_index(self.doctor_combo, self.doctor_id)))
        self.doctor_combo.blockSignals(False)
        actor = self.ctx.actor
        own = actor is not None and actor.staff_id in {d.id for d in data.doctors}
        # A doctor sees their own queue; the desk, the triage nurse, the director choose.
        several = not own and len(data.doctors) > 0
        self.doctor_combo.setVisible(several)
        self.doctor_label.setVisible(several)
        self.rows = data.rows
        self.loaded = True
        self._show_title()
        self._fill(data.rows)

    def _fill(self, rows: tuple[reception.BoardRow, ...]) -> None:
        keep = self.selected_entry
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            waiting = (
                self.tr("{minutes} min").format(minutes=row.wait_minutes)
                if row.wait_minutes is not None
                else ""
            )
            booked = local_time(self.ctx, row.booked_for) if row.booked_for else self.tr("Walk-in")
            patient = (
                f"{row.patient_name}（{row.address}）"
                if row.address and row.address != row.patient_name
                else row.patient_name
            )
            cells = (
                str(row.queue_no) if row.queue_no is not None else "",
                patient,
                status_label(row.status, row.back_reason),
                waiting,
                "、".join(need_label(code) for code in row.needs),
                self.tr("Green channel") if row.green else "",
                booked,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, row.entry_id)
                if row.green:
                    item.setBackground(QBrush(QColor(GREEN_BACKGROUND)))
                    if c in (0, 5):
                        item.setForeground(QBrush(QColor(GREEN)))
                        bold = QFont(self.table.font())
                        bold.setBold(True)
                        item.setFont(bold)
                    if row.green_reason:
                        item.setToolTip(
                            self.tr("Green channel: {reason}").format(reason=row.green_reason)
                        )
                if c == 3 and row.alert:
                    item.setForeground(QBrush(QColor(ALERT)))
                    item.setToolTip(self.tr("Waiting longer than the clinic's limit"))
                if c == 1:
                    item.setData(NAME_ROLE, (text, ""))  # drawn alike, with or without a tag
                tag = member_tag(row.member) if c == 1 else None
                if tag is not None:
                    item.setData(MEMBER_ROLE, tag)
                    tips = (item.toolTip(), member_tooltip(row.member))
                    item.setToolTip("\n".join(t for t in tips if t))
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        self.table.setVisible(bool(rows))
        self.empty_label.setVisible(not rows)
        ids = [row.entry_id for row in rows]
        if keep not in ids:
            keep = self._default_entry(rows)
        self.select_entry(keep)
        self._show_now(rows)

    def _default_entry(self, rows: tuple[reception.BoardRow, ...]) -> uuid.UUID | None:
        """Who the buttons act on when nobody is chosen: the one with the doctor, or next."""
        for wanted in ("in_consultation", "called", "waiting"):
            for row in rows:
                if row.status == wanted:
                    return row.entry_id
        return rows[0].entry_id if rows else None

    def _show_now(self, rows: tuple[reception.BoardRow, ...]) -> None:
        current = [r for r in rows if r.status in ("in_consultation", "called")]
        waiting = sum(1 for r in rows if r.status == "waiting")
        parts = []
        for row in current:
            if row.status == "in_consultation":
                parts.append(
                    self.tr("In consultation: No. {number} {patient} since {time}").format(
                        number=row.queue_no,
                        patient=row.address or row.patient_name,
                        time=local_time(self.ctx, row.started_at),
                    )
                )
            else:
                parts.append(
                    self.tr("Called: No. {number} {patient} at {time}").format(
                        number=row.queue_no,
                        patient=row.address or row.patient_name,
                        time=local_time(self.ctx, row.called_at),
                    )
                )
        parts.append(self.tr("%n waiting", "", waiting))
        self.now_label.setText(" · ".join(parts))

    # -- choosing -------------------------------------------------------------------------

    def select_entry(self, entry_id: uuid.UUID | None) -> None:
        self.selected_entry = entry_id
        self.table.blockSignals(True)
        self.table.clearSelection()
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == entry_id:
                self.table.selectRow(r)
                break
        self.table.blockSignals(False)
        self._update_buttons()

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            item = self.table.item(rows[0].row(), 0)
            self.selected_entry = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        self._update_buttons()

    def selected_row(self) -> reception.BoardRow | None:
        return next((r for r in self.rows if r.entry_id == self.selected_entry), None)

    def _update_buttons(self) -> None:
        row = self.selected_row()
        status = row.status if row is not None else ""
        idle = not self.busy and self.ctx.actor is not None
        self.call_button.setEnabled(idle)
        self.recall_button.setEnabled(idle and status in CAN_RECALL)
        self.start_button.setEnabled(idle and status in CAN_START)
        self.finish_button.setEnabled(idle and status in CAN_FINISH)
        self.back_button.setEnabled(idle and status in CAN_SEND_BACK)
        self.return_button.setEnabled(idle and status in CAN_RETURN)
        self.return_button.setVisible(any(r.status in CAN_RETURN for r in self.rows))

    def _doctor_chosen(self, _index: int) -> None:
        chosen = self.doctor_combo.currentData()
        if chosen is not None and chosen != self.doctor_id:
            self.doctor_id = chosen
            self.selected_entry = None
            self.message.clear()
            self.reload()

    def choose_doctor(self, doctor_id: uuid.UUID) -> None:
        index = combo_index(self.doctor_combo, doctor_id)
        if index >= 0:
            self.doctor_combo.setCurrentIndex(index)
        else:
            self.doctor_id = doctor_id
            self.reload()

    # -- actions --------------------------------------------------------------------------

    def _run(self, fn: Any, *args: Any, done: Any = None, **kwargs: Any) -> bool:
        """One queue write off the GUI thread; the answer is broadcast to every screen."""
        actor = self.ctx.actor
        if actor is None or self.busy:
            return False
        self.busy = True
        self._update_buttons()

        def succeeded(written: Any) -> None:
            self.busy = False
            if done is not None:
                done(written.value)
            self.ctx.broadcast(written.changes)
            self._update_buttons()

        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            on_success=succeeded,
            on_error=self._action_failed,
            owner=self,
            **kwargs,
        )
        return True

    def _action_failed(self, error: BaseException) -> None:
        self.busy = False
        if isinstance(error, reception.QueueEmpty):
            # Nobody waiting is a normal moment of the day, not a fault.
            self.message.show_info(
                self.tr(
                    "Nobody is waiting for you right now. Take a breath; new patients "
                    "appear here as soon as the desk checks them in."
                )
            )
        else:
            self.message.show_error(full_error_text(error))
        self._update_buttons()
        self.reload()

    def call_next(self) -> None:
        if not self.call_button.isEnabled():
            return
        self.message.clear()
        self._run(reception.call_next, self.doctor_id, done=self._called)

    def _called(self, entry: reception.QueueEntryView) -> None:
        self.selected_entry = entry.entry_id
        if self.file_view is None or not self.file_view.isAncestorOf(self.focusWidget()):
            self.table.setFocus()  # so that Enter starts the consultation
        self.message.show_ok(self.tr("No. {number} has been called.").format(number=entry.queue_no))
        QApplication.beep()  # a short sound, as for a ticket machine

    def recall(self) -> None:
        row = self.selected_row()
        if row is None or row.entry_id is None or row.status not in CAN_RECALL:
            return
        self.message.clear()
        self._run(reception.recall, row.entry_id, done=self._called)

    def start_consultation(self) -> None:
        row = self.selected_row()
        if row is None or row.entry_id is None or not self.start_button.isEnabled():
            return
        self.message.clear()
        patient_id = row.patient_id
        self._run(
            reception.start_consultation,
            row.entry_id,
            done=lambda _entry: self.open_file(patient_id),
        )

    def finish(self) -> FinishDialog | None:
        row = self.selected_row()
        if row is None or row.status not in CAN_FINISH or self.busy:
            return None
        record = getattr(self.file_view, "record", None)
        dialog = FinishDialog(self.ctx, self, row, todays_visit(self.ctx, record, row))
        dialog.open()
        return dialog

    def send_back(self) -> SendBackDialog | None:
        row = self.selected_row()
        if row is None or row.status not in CAN_SEND_BACK or self.busy:
            return None
        dialog = SendBackDialog(self.ctx, self, row)
        dialog.open()
        return dialog

    def return_to_queue(self) -> None:
        row = self.selected_row()
        if row is None or row.entry_id is None or row.status not in CAN_RETURN:
            return
        self.message.clear()
        self._run(reception.return_to_queue, row.entry_id)

    # -- the patient's file beside the queue ----------------------------------------------

    def open_file(self, patient_id: uuid.UUID) -> QWidget:
        """The patient's file on the visits tab, with today's vital signs (issue 6)."""
        from clinic_desk.ui.patients.file import PatientFileView

        self.close_file()
        view = PatientFileView(self.ctx, patient_id, self.file_panel)
        # Esc or its back button leads back to the queue here, not to a search.
        view.back_button.hide()
        view.sig_back.connect(self.close_file)
        view.sig_open_feature.connect(self.sig_open_feature)
        if view.visits is not None:
            view.tabs.setCurrentWidget(view.visits)
        self.file_layout.addWidget(view, 1)
        self.file_view = view
        row = next((r for r in self.rows if r.patient_id == patient_id), None)
        self.file_title.setText(
            self.tr("No. {number}").format(number=row.queue_no) if row is not None else ""
        )
        self.file_panel.show()
        self.sig_file_opened.emit(patient_id)
        return view

    def close_file(self) -> None:
        if self.file_view is not None:
            self.file_layout.removeWidget(self.file_view)
            self.file_view.deleteLater()
            self.file_view = None
        self.file_panel.hide()

    # -- the waiting-room display ---------------------------------------------------------

    def open_display(self) -> WaitingRoomDisplay:
        """The waiting-room screen: full screen on a second monitor, else a window."""
        import shiboken6

        from clinic_desk.ui.reception.display import WaitingRoomDisplay

        display = self.display
        if display is None or not shiboken6.isValid(display):
            display = WaitingRoomDisplay(self.ctx)
            self.display = display
        here = self.screen()
        others = [s for s in QGuiApplication.screens() if s is not here]
        if others:
            display.show_full_screen_on(others[0])
        else:
            display.show_windowed()
        display.raise_()
        return display

    # -- signals --------------------------------------------------------------------------

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.RECEPTION):
            self.reload()

    def _actor_changed(self, _actor: object) -> None:
        # Someone else now: their own queue, and nothing of the last person's patient.
        self.close_file()
        self.doctor_id = None
        self.selected_entry = None
        self.rows = ()
        self.data = None
        self.message.clear()
        self._fill(())
        self.retranslate()
        self.reload()
