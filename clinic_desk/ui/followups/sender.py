"""Sending the outbox's e-mails in the background (spec A5, E7; issue 9).

One workstation sends: the one named in ``outbox.sending_workstation`` (its
computer name, or its sync name), or, when that setting is empty, this one as
long as the clinic does not sync (two synced desks sending the same queue
before either hears of the other would send twice). Every few minutes, when a
mail server is set, ``outbox.send_due`` runs as ClinicDesk itself off the GUI
thread, on a worker of its own: a mail server that keeps it waiting (up to the
timeout setting) must not hold up the screens' database work, which has the
shared worker. The screens redraw when a round changed something. Outside the
sending hours the service defers everything, so a round then costs nothing.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from clinic_desk.core.services import outbox
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.core.services.outbox import SendReport
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.operations.runner import Runner

log = logging.getLogger(__name__)

SEND_EVERY_MS = 5 * 60 * 1000  # a failed message's own retry delay is a setting
FIRST_ROUND_MS = 30_000  # let the window and the first sync round settle first
SENDER = "outbox"  # how the rounds appear in the audit log


def sends_here(clinic: Clinic) -> bool:
    """Whether this workstation is the one that sends the clinic's e-mails."""
    chosen = str(clinic.setting("outbox.sending_workstation")).strip().casefold()
    info = sync_service.sync_info(clinic)
    if not chosen:
        return not info.enabled
    names = {clinic.workstation.strip().casefold()}
    if info.enabled and info.name:
        names.add(info.name.strip().casefold())
    return chosen in names


def send_round(clinic: Clinic) -> SendReport | None:
    """On the worker thread: send what is due, if this workstation sends (None: it does not)."""
    if not str(clinic.setting("outbox.smtp_host")).strip() or not sends_here(clinic):
        return None
    return outbox.send_due(clinic, Actor.system(SENDER))


class OutboxSender(QObject):
    """Started by the main window while a clinic is open; stopped when it closes."""

    #: a round finished: its ``SendReport``, or None when this workstation does not send
    sig_round = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QObject | None = None,
        *,
        interval_ms: int = SEND_EVERY_MS,
        first_ms: int = FIRST_ROUND_MS,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = Runner(self)
        self.busy = False
        self.stopped = False
        self.rounds = 0
        self.last_report: SendReport | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.send_now)
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.setInterval(first_ms)
        self.first.timeout.connect(self.send_now)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def start(self) -> None:
        """Begin the rounds (does nothing once started or after ``stop``)."""
        if self.stopped or self.timer.isActive():
            return
        self.timer.start()
        self.first.start()

    def stop(self, wait_ms: int = 60_000) -> None:
        """No more rounds (the window closes); waits for a round under way, which the
        mail server's timeout bounds, so the clinic is not closed under it."""
        self.stopped = True
        self.timer.stop()
        self.first.stop()
        self.runner.wait(wait_ms)

    def send_now(self) -> None:
        if self.busy or self.stopped:
            return
        self.busy = True
        self.runner.start(
            send_round,
            self.ctx.clinic,
            on_success=self._done,
            on_error=self._failed,
            owner=self,
        )

    def _done(self, report: SendReport | None) -> None:
        self.busy = False
        self.rounds += 1
        if report is not None:
            self.last_report = report
            if report.sent or report.failed or report.errors:
                self.ctx.broadcast(Changes(frozenset({Topic.OUTBOX})))
        self.sig_round.emit(report)

    def _failed(self, error: BaseException) -> None:
        # The next round tries again; the outbox keeps each message's own reason.
        self.busy = False
        self.rounds += 1
        log.warning("sending the outbox failed: %s", error)
        self.sig_round.emit(None)
