"""The bundle's entry point: the ``clinic-desk`` command (issue 13).

With ``CLINIC_DESK_SMOKE_SIGNIN=DATA_DIR`` set it instead opens that clinic's
window, waits until the sign-in page is on screen, prints how long that took
and quits: the installer test (installer/test_bundle.py) uses it to check that
the bundled Qt, plugins, fonts and SQLCipher really start the program. With
``CLINIC_DESK_SMOKE_SHOT=FILE.png`` it also saves a picture of the window, and
with ``CLINIC_DESK_SMOKE_PDF=FILE.pdf`` it prints a recovery kit in the
clinic's language (reportlab with the bundled CJK font, segno's QR code).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

SMOKE_ENV = "CLINIC_DESK_SMOKE_SIGNIN"
SHOT_ENV = "CLINIC_DESK_SMOKE_SHOT"
PDF_ENV = "CLINIC_DESK_SMOKE_PDF"
# A made-up key of the right shape: the smoke test's kit protects nothing.
SAMPLE_KEY = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"


def smoke_pdf(window: object, out: Path) -> None:
    from clinic_desk.core.printing.recovery_kit import build_recovery_kit
    from clinic_desk.ui.errors import translate_core
    from clinic_desk.ui.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    clinic = window.ctx.clinic
    build_recovery_kit(
        out,
        clinic_name=str(clinic.setting("clinic.name")),
        clinic_id=clinic.clinic_id,
        recovery_key=SAMPLE_KEY,
        created_at=clinic.now(),
        translate=translate_core,
    )


def smoke_signin(data_dir: Path, shot: str | None, pdf: str | None) -> int:
    """Open the clinic, report once the sign-in page shows, then quit (exit 0 only if it did)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clinic_desk.ui.app import run_app

    seen: list[bool] = []

    def shown(window: object) -> None:
        def report() -> None:
            from clinic_desk.ui.shell.main_window import MainWindow

            try:
                assert isinstance(window, MainWindow)
                ms = (time.perf_counter() - START) * 1000
                ok = window.isVisible() and window.stack.currentWidget() is window.signin
                print(f"sign-in window: {'shown' if ok else 'NOT shown'} after {ms:.0f} ms; "
                      f"title {window.windowTitle()!r}; platform {QApplication.platformName()}",
                      flush=True)
                if shot:
                    window.grab().save(shot)
                if pdf:
                    smoke_pdf(window, Path(pdf))
                seen.append(ok)
            finally:  # an error above must not leave the window open forever
                QApplication.quit()

        QTimer.singleShot(0, report)

    code = run_app(data_dir, after_show=shown)
    return code if seen == [True] else 3


def main() -> int:
    smoke = os.environ.get(SMOKE_ENV)
    if smoke:
        return smoke_signin(Path(smoke), os.environ.get(SHOT_ENV), os.environ.get(PDF_ENV))
    from clinic_desk.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
