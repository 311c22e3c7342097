"""Starting the desktop program: one instance per data folder, setup on first run,
unlock, sign-in, the main window."""

from __future__ import annotations

import linecache
import logging
import logging.handlers
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from clinic_desk.core import heap
from clinic_desk.core.errors import PassphraseNeeded
from clinic_desk.core.paths import resources_dir
from clinic_desk.core.rules import search_keys
from clinic_desk.core.services import maintenance
from clinic_desk.core.services.base import Clinic, Clock, system_clock
from clinic_desk.core.services.clinic import is_initialized, open_clinic
from clinic_desk.ui import collector
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.fonts import register_fonts
from clinic_desk.ui.i18n import install_language, system_language

log = logging.getLogger(__name__)
LOCK_FILE = "clinic.lock"


def _owner_only_log(path: Path) -> None:
    """Create ``path`` (0600) if missing and make it owner-only: logs may name staff and
    folders, and the clinic may have moved its data folder somewhere shared."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600))
    if os.name != "nt":  # chmod only toggles read-only there
        os.chmod(path, 0o600)


def _rotate_owner_only(source: str, dest: str) -> None:
    # The rotated file keeps its 0600; the new one is made 0600 before logging opens it.
    os.replace(source, dest)
    _owner_only_log(Path(source))


def setup_logging(data_dir: Path) -> Path:
    """A rotating log file in the data folder: errors and tracebacks, never patient data."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = logs / "clinicdesk.log"
    for old in logs.glob(f"{path.name}.*"):  # rotated by an older version, 0644
        if os.name != "nt":
            os.chmod(old, 0o600)
    _owner_only_log(path)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.rotator = _rotate_owner_only
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName("ClinicDesk")
    app.setOrganizationName("ClinicDesk")
    # The taskbar's icon; on Wayland the desktop entry (installer/build_linux.py) is
    # matched by this name.
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "clinicdesk.png")))
    app.setDesktopFileName("clinic-desk")
    register_fonts(app)
    collector.install(app)  # garbage collection on the GUI thread only
    return app


class InstanceLock:
    """One ClinicDesk window per data folder; a stale lock (crash) is taken over."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.lock = QLockFile(str(data_dir / LOCK_FILE))
        self.lock.setStaleLockTime(0)  # stale only when the owning process is gone

    def acquire(self) -> bool:
        return self.lock.tryLock(200)

    def release(self) -> None:
        self.lock.unlock()


def open_interactively(
    data_dir: Path, *, passphrase: str | None = None, clock: Clock = system_clock
) -> Clinic | None:
    """Keyring / env first; else ask. None if the person cancelled."""
    try:
        return open_clinic(data_dir, passphrase=passphrase, clock=clock)
    except PassphraseNeeded:
        pass
    from clinic_desk.ui.signin.unlock import UnlockDialog

    dialog = UnlockDialog(data_dir, clock=clock)
    if dialog.exec() and dialog.clinic is not None:
        return dialog.clinic
    return None


def run_app(
    data_dir: Path,
    *,
    language: str | None = None,
    clock: Clock = system_clock,
    auto_sign_in: tuple[str, str] | None = None,
    after_show: Callable[[object], None] | None = None,
) -> int:
    """The whole desktop program; returns the exit status."""
    app = application()
    install_language(language or system_language())
    lock = InstanceLock(data_dir)
    if not lock.acquire():
        QMessageBox.information(
            None,
            "ClinicDesk",
            app.translate(
                "App",
                "ClinicDesk is already open with this clinic's data on this computer. "
                "Switch to that window (look in the taskbar) instead of opening it twice.",
            ),
        )
        return 1
    try:
        setup_logging(data_dir)
        passphrase: str | None = None
        if not is_initialized(data_dir):
            from clinic_desk.ui.setup.wizard import SetupWizard

            wizard = SetupWizard(data_dir)
            if not wizard.exec():
                return 0
            passphrase = wizard.passphrase()
        try:
            clinic = open_interactively(data_dir, passphrase=passphrase, clock=clock)
        except Exception as error:
            QMessageBox.critical(None, "ClinicDesk", error_text(error))
            return 1
        if clinic is None:
            return 0
        if language is None:
            install_language(str(clinic.setting("clinic.language")))
        ctx = AppContext(clinic, clock=clock)
        from clinic_desk.ui.shell.main_window import MainWindow

        window = MainWindow(ctx, clock=clock)
        window.show()
        # PySide6's import hook reads the source of every module imported after it
        # (looking for "PySide6") and linecache keeps it all: ~33 MiB (issue 12).
        linecache.clearcache()
        heap.settle_after_start()
        # The search's pinyin dictionary loads off the GUI thread a moment after the
        # window is up: not before sign-in, nor at the first search (issue 12).
        QTimer.singleShot(
            1000,
            lambda: threading.Thread(
                target=search_keys.warm_up, name="pinyin-warm-up", daemon=True
            ).start(),
        )
        if auto_sign_in is not None:
            from clinic_desk.core.services import staff

            window._signed_in(staff.sign_in(clinic, *auto_sign_in))
        # The daily backup runs in the background a moment after start.
        QTimer.singleShot(
            3000,
            lambda: ctx.runner.start(
                maintenance.run_daily_backup_if_due,
                clinic,
                on_error=lambda e: window.statusBar().showMessage(error_text(e), 15000),
            ),
        )
        if after_show is not None:
            after_show(window)
        code = app.exec()
        ctx.runner.wait(30_000)
        window.sync.stop()  # the sync thread must not outlive the open database
        clinic.close()
        return code
    finally:
        lock.release()
