"""Garbage collection stays on the GUI thread (a cycle of Qt objects collected in a
worker thread crashed a test run)."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

from clinic_desk.ui import collector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_no_automatic_collection_and_the_timer_collects(qapp: Any) -> None:
    keeper = collector.install(qapp)
    assert collector.install(qapp) is keeper  # one per application
    assert not gc.isenabled()
    cycle = _Cycle()
    gone = weakref.ref(cycle)
    del cycle
    # Allocations in a worker thread trigger no collection there.
    worker = threading.Thread(target=lambda: [_Cycle() for _ in range(5000)])
    worker.start()
    worker.join()
    assert gone() is not None
    keeper.check()  # on this (the GUI) thread: the thresholds are exceeded by now
    assert gone() is None
