"""Locks the screen after the clinic's idle minutes (setting, default 10)."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from clinic_desk.core.services.base import Clock
from clinic_desk.ui.context import AppContext

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
}


class IdleLock(QObject):
    """Watches input application-wide; asks for a lock when idle too long.

    Time comes from the injected clock, so tests move a fake clock instead of
    sleeping; ``check()`` is what the timer calls.
    """

    def __init__(self, ctx: AppContext, clock: Clock, *, poll_ms: int = 5000) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        self.clock = clock
        self.last_activity: datetime = clock()
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def start(self) -> None:
        self.last_activity = self.clock()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def idle_limit(self) -> timedelta:
        return timedelta(minutes=int(self.ctx.clinic.setting("security.idle_lock_minutes")))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.last_activity = self.clock()
        return False

    def check(self) -> None:
        if self.ctx.actor is None or not self.timer.isActive():
            return
        if self.clock() - self.last_activity >= self.idle_limit():
            self.ctx.sig_lock_requested.emit()
