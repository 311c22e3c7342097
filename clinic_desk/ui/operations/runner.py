"""Running service calls off the GUI thread (STYLE 2, 4, 9).

Database work runs on a single worker thread, so writes from the UI are
serialised like Anki's collection executor; long tasks get a ``TaskState``
for progress and cancel. Results and errors come back on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from clinic_desk.core.tasks import Cancelled, TaskState

log = logging.getLogger(__name__)


def _while_alive(owner: QObject, callback: Callable[..., None] | None) -> Any:
    if callback is None:
        return None

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            callback(*args)

    return call


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    progressed = Signal(float, str)


class Operation(QRunnable):
    """One call of ``fn(*args, **kwargs)`` on a worker; connect before ``start()``."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.signals = _Signals()
        self.state = TaskState(on_progress=self.signals.progressed.emit)

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except Cancelled:
            self._emit("cancelled")
        except BaseException as error:  # handed to the GUI thread as a sentence
            self._emit("failed", error)
        else:
            self._emit("succeeded", result)

    def _emit(self, name: str, *args: Any) -> None:
        # The program may be closing: its objects are gone and nobody waits for the answer.
        try:
            if shiboken6.isValid(self.signals):
                getattr(self.signals, name).emit(*args)
        except RuntimeError:
            log.debug("operation finished after its signals were deleted")


class Runner(QObject):
    """Holds the pools and keeps running operations alive until they finish."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_pool = QThreadPool(self)
        self.db_pool.setMaxThreadCount(1)
        self._running: set[Operation] = set()

    def start(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        with_state: bool = False,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> Operation:
        """Run ``fn``; ``with_state=True`` passes ``state=TaskState`` for progress/cancel.

        With ``owner``, the callbacks are dropped if that widget has been
        deleted by the time the answer comes (a page closed while it searched).
        """
        if owner is not None:
            on_success, on_error, on_progress = (
                _while_alive(owner, cb) for cb in (on_success, on_error, on_progress)
            )
        op = Operation(fn, *args, **kwargs)
        if with_state:
            op.kwargs["state"] = op.state
        self._running.add(op)

        def done(*_: Any) -> None:
            self._running.discard(op)

        if on_success:
            op.signals.succeeded.connect(on_success)
        if on_error:
            op.signals.failed.connect(on_error)
        if on_progress:
            op.signals.progressed.connect(on_progress)
        if on_cancel:
            op.signals.cancelled.connect(on_cancel)
        for sig in (op.signals.succeeded, op.signals.failed, op.signals.cancelled):
            sig.connect(done)
        self.db_pool.start(op)
        return op

    def wait(self, msecs: int = 30_000) -> bool:
        return self.db_pool.waitForDone(msecs)
