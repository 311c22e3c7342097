"""Long work as a plain function with a cancellable progress state (STYLE 9).

The UI runs such a function on a worker thread and shows ``TaskState``'s
progress; tests call it directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """The person cancelled; everything the task did has been undone."""


class TaskState:
    def __init__(self, on_progress: Callable[[float, str], None] | None = None) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress
        self.fraction = 0.0
        self.message = ""

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if cancel() was called; tasks call this between steps."""
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "", *, check: bool = True) -> None:
        """Report progress; also the place a cancel takes effect (unless ``check=False``,
        for reports after the point of no return)."""
        self.fraction = max(0.0, min(1.0, fraction))
        self.message = message
        if self._on_progress is not None:
            self._on_progress(self.fraction, message)
        if check:
            self.check()
