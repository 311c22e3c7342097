"""Sync in the window: the background loop, its status line, and the redraws it causes.

``SyncController`` wraps the core's ``SyncLoop`` (a plain thread, no Qt). The
loop reports on its own thread; the reports reach the GUI thread through queued
signals. After a round that applied other workstations' changes the controller
broadcasts the topics of the tables that changed, so the desk's board and the
doctor's queue redraw without anyone pressing anything. A write made on this
computer (any broadcast) asks for a round at once, so the other workstations
see it within a second or two rather than at the next timer.

A standalone workstation (sync never enabled) starts no thread and shows nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Changes, Clinic, Topic
from clinic_desk.core.sync.engine import RoundResult
from clinic_desk.core.sync.worker import ERROR, OFFLINE, SYNCED, SYNCING, SyncLoop, SyncStatus
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text

log = logging.getLogger(__name__)

ERROR_COLOR = "#b00020"
OFFLINE_COLOR = "#8a5a00"
MAX_LABEL_WIDTH = 520  # px; the full sentence is in the tooltip

#: every topic a screen may redraw on (not the audit log or backups: they never sync)
_ALL_TOPICS = frozenset(Topic) - {Topic.AUDIT, Topic.BACKUP}
#: the clinical record: each of these rows belongs to a patient's file
_PATIENT_TABLES = frozenset(
    {
        "allergy",
        "assessment",
        "attachment",
        "clinical_note",
        "condition",
        "contact_log",
        "medication",
        "pharmacy_guidance",
        "prescription",
        "prescription_item",
        "referral",
        "visit",
        "vital_signs",
    }
)
_ROSTER_TABLES = frozenset({"appointment_type", "clinic_closure", "doctor_profile"})


def topics_of_table(table: str) -> frozenset[Topic]:
    """Which screens a changed table concerns (an unknown, newer table: all of them)."""
    if table == "sync_conflict":
        return frozenset({Topic.SYNC})
    if table in _ROSTER_TABLES or table.startswith(("roster", "resource")):
        return frozenset({Topic.ROSTERS})
    if table.startswith(("appointment", "waitlist", "absence")):
        return frozenset({Topic.APPOINTMENTS})
    if table.startswith(("queue", "wait_alert")):
        return frozenset({Topic.RECEPTION})
    if table == "staff":
        return frozenset({Topic.STAFF})
    if table == "setting":
        return frozenset({Topic.SETTINGS})
    if table in _PATIENT_TABLES or table.startswith("patient"):
        return frozenset({Topic.PATIENTS, Topic.CLINICAL})
    return _ALL_TOPICS


def topics_for_tables(tables: Iterable[str]) -> frozenset[Topic]:
    topics: frozenset[Topic] = frozenset()
    for table in tables:
        topics |= topics_of_table(table)
    return topics


class _LoopBox:
    """The running loop, shared with the worker that starts it (stop may come first)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: SyncLoop | None = None
        self.stopped = False


def start_loop(
    clinic: Clinic,
    box: _LoopBox,
    controller: SyncController,
    interval_s: float | None = None,
) -> bool:
    """On the worker thread: start the loop if this clinic syncs (False: standalone)."""
    if not sync_service.sync_info(clinic).enabled:
        return False
    with box.lock:
        if box.stopped:
            return False
        if box.loop is None:
            loop = SyncLoop(
                clinic,
                on_status=controller.report_status,
                on_round=controller.report_round,
                interval_s=interval_s,
            )
            loop.start()
            box.loop = loop
    return True


class SyncController(QObject):
    """One per window: starts the loop when the clinic syncs, stops it on close."""

    #: a new ``SyncStatus`` (GUI thread)
    sig_status = Signal(object)
    #: the loop started (True) or stopped (False)
    sig_running = Signal(bool)
    # From the sync thread to the GUI thread.
    _status_arrived = Signal(object)
    _round_arrived = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QObject | None = None, *, interval_s: float | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.interval_s = interval_s
        self.status: SyncStatus | None = None
        self.rounds_with_changes = 0  # rounds that brought other workstations' changes
        self._box = _LoopBox()
        self._checking = False
        self._relaying = False  # our own broadcast must not ask for another round
        self._status_arrived.connect(self._on_status, Qt.ConnectionType.QueuedConnection)
        self._round_arrived.connect(self._on_round, Qt.ConnectionType.QueuedConnection)
        ctx.sig_changes.connect(self._on_changes)

    @property
    def running(self) -> bool:
        return self._box.loop is not None and not self._box.stopped

    # -- starting and stopping ------------------------------------------------------------

    def start(self) -> None:
        """Start the loop if the open clinic syncs (checked off the GUI thread)."""
        if self.running or self._checking or self._box.stopped:
            return
        self._checking = True
        self.ctx.runner.start(
            start_loop,
            self.ctx.clinic,
            self._box,
            self,
            self.interval_s,
            on_success=self._checked,
            on_error=self._check_failed,
            owner=self,
        )

    def _checked(self, started: bool) -> None:
        self._checking = False
        if started and self.running:
            self.sig_running.emit(True)

    def _check_failed(self, error: BaseException) -> None:
        self._checking = False
        log.warning("could not start sync: %s", error)
        self._on_status(
            SyncStatus(
                ERROR,
                error=str(error),
                error_obj=error if isinstance(error, ClinicError) else None,
            )
        )

    def stop(self) -> None:
        """Stop the loop for good (the window closes); waits for a round in progress."""
        with self._box.lock:
            was_running = self._box.loop is not None and not self._box.stopped
            self._box.stopped = True
            loop = self._box.loop
        if loop is not None:
            loop.stop()
        if was_running:
            self.sig_running.emit(False)

    def sync_now(self) -> bool:
        """Ask for a round now; False when this workstation does not sync."""
        loop = self._box.loop
        if loop is None or self._box.stopped:
            return False
        loop.sync_now()
        return True

    # -- from the sync thread -------------------------------------------------------------

    def report_status(self, status: SyncStatus) -> None:
        if not self._box.stopped:
            self._status_arrived.emit(status)

    def report_round(self, result: RoundResult) -> None:
        if not self._box.stopped:
            self._round_arrived.emit(result)

    # -- on the GUI thread ----------------------------------------------------------------

    def _on_status(self, status: SyncStatus) -> None:
        if self._box.stopped:
            return
        self.status = status
        self.sig_status.emit(status)

    def _on_round(self, result: RoundResult) -> None:
        if self._box.stopped:
            return
        topics = topics_for_tables(result.tables)
        if result.conflicts:
            topics |= {Topic.SYNC}
        if "setting" in result.tables:
            self.ctx.clinic.forget_settings()
        self.rounds_with_changes += 1
        self._relaying = True
        try:
            self.ctx.broadcast(Changes(topics, result.patient_ids))
        finally:
            self._relaying = False

    def _on_changes(self, changes: Changes) -> None:
        if self._relaying or self._box.stopped:
            return
        if not self.running:
            if changes.touches(Topic.SYNC):
                self.start()  # sync was just enabled here
            return
        if changes.topics - {Topic.AUDIT, Topic.BACKUP}:
            self.sync_now()  # send what was just written


class SyncStatusLabel(QLabel):
    """The permanent status-bar line; a click asks for a round (as does F9)."""

    sig_clicked = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("syncStatus")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setContentsMargins(6, 0, 6, 0)
        self.status: SyncStatus | None = None
        self.full_text = ""  # the line before eliding
        self.state = ""  # what the line shows: synced, sending, offline, error, syncing
        self.hide()  # standalone: nothing

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.sig_clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        if self.status is not None:
            self._draw(self.status)

    def set_running(self, running: bool) -> None:
        if not running:
            self.hide()

    def show_status(self, status: SyncStatus) -> None:
        previous = self.status
        if status.state == SYNCING and previous is not None:
            if previous.state in (OFFLINE, ERROR) or status.pending == 0:
                # A round is under way: keep the last word until it ends, but carry the
                # time of the last success along.
                status = SyncStatus(
                    previous.state,
                    previous.pending if status.pending == 0 else status.pending,
                    previous.offline_since,
                    previous.error,
                    previous.error_obj,
                    status.last_ok or previous.last_ok,
                )
        self.status = status
        self._draw(status)
        self.show()

    # -- drawing --------------------------------------------------------------------------

    def _time(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        zone = self.ctx.clinic.timezone()
        here = moment.astimezone(zone)
        if here.date() != self.ctx.clock().astimezone(zone).date():
            return here.strftime("%m-%d %H:%M")
        return here.strftime("%H:%M")

    def reason(self, status: SyncStatus) -> str:
        if status.error_obj is not None:
            return error_text(status.error_obj)
        return self.tr(
            "an unexpected problem. The details are in the log file; please tell the person "
            "who looks after the clinic's computers."
        )

    def _draw(self, status: SyncStatus) -> None:
        color = ""
        tip = ""
        if status.state == OFFLINE:
            self.state = "offline"
            text = self.tr(
                "Offline since {time} — %n changes kept here", "", status.pending
            ).format(time=self._time(status.offline_since))
            color = OFFLINE_COLOR
            tip = error_text(status.error_obj) if status.error_obj is not None else ""
        elif status.state == ERROR:
            self.state = "error"
            reason = self.reason(status)
            text = self.tr("Sync stopped: {reason}").format(reason=reason)
            color = ERROR_COLOR
            tip = text
        elif status.pending > 0:
            self.state = "sending"
            text = self.tr("Sending %n changes…", "", status.pending)
        elif status.state == SYNCED:
            self.state = "synced"
            text = self.tr("Synced")
        else:
            self.state = "syncing"
            text = self.tr("Syncing…")
        last = (
            self.tr("Last synced at {time}.").format(time=self._time(status.last_ok))
            if status.last_ok is not None
            else self.tr("Not synced yet since ClinicDesk started.")
        )
        hint = self.tr("Click (or press F9) to sync now.")
        self.full_text = text
        self.setToolTip("\n\n".join(part for part in (tip, last, hint) if part))
        style = f"color: {color};" if color else ""
        if status.state == ERROR:
            style += " font-weight: bold;"
        self.setStyleSheet(f"QLabel#syncStatus {{ {style} }}" if style else "")
        width = MAX_LABEL_WIDTH
        self.setMaximumWidth(width)
        self.setText(self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width - 14))
