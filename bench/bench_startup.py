"""Time from process start to the sign-in window (issue 3's closing figure).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_startup.py DATA_DIR

Needs CLINIC_DESK_PASSPHRASE (or a keyring entry) for the clinic in DATA_DIR.
"""

from __future__ import annotations

import sys
import time

START = time.perf_counter()

from pathlib import Path  # noqa: E402

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from clinic_desk.ui.app import run_app  # noqa: E402


def shown(window: object) -> None:
    def report() -> None:
        print(f"launch to sign-in window: {(time.perf_counter() - START) * 1000:.0f} ms")
        QApplication.quit()

    QTimer.singleShot(0, report)


run_app(Path(sys.argv[1]), language="zh_CN", after_show=shown)
