"""Guards against a Qt binding that corrupts the interpreter.

PySide6-Essentials 6.12.0 on Python 3.11 dropped one reference to None on every
call returning nothing, until Python aborted (``none_dealloc``) — after minutes
of normal use. We pin 6.11.3; this test fails if a bump brings such a build back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qapp) -> None:  # type: ignore[no-untyped-def]
    obj = QObject()
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(5000):
        obj.setObjectName("x")
        label.setText("y")
        qapp.processEvents()
    drift = sys.getrefcount(None) - before
    assert abs(drift) < 100, f"None lost {-drift} references in 15,000 calls"
