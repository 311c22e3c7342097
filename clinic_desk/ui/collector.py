"""Python's cyclic garbage collection, kept on the GUI thread.

The collector runs in whichever thread happens to allocate when a threshold trips.
When that is a worker thread (a database read for a screen), Qt objects caught in a
reference cycle are destroyed outside the GUI thread, and the program can crash in
the middle of a query (seen in the test suite: a segmentation fault "Garbage-
collecting" inside a worker). So automatic collection is switched off and done here
instead, from a timer on the GUI thread, by the same thresholds (as Anki does).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect the oldest generation whose threshold is exceeded (a collection of a
        generation takes the younger ones with it)."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


def install(app: QObject) -> MainThreadCollector:
    """Once per application; later calls return the one installed."""
    existing = app.findChild(MainThreadCollector)
    if isinstance(existing, MainThreadCollector):
        return existing
    return MainThreadCollector(app)
