"""Help → About ClinicDesk: the one version, the Qt / Python / SQLCipher versions and the
data folder, in the interface language (issue 13)."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import PySide6
import sqlcipher3.dbapi2 as sqlcipher
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

from clinic_desk import __version__
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.shell.about import AboutDialog
from clinic_desk.ui.shell.main_window import MainWindow
from tests.conftest import ClinicFixture


def test_help_menu_opens_about_with_versions_and_data_folder(  # type: ignore[no-untyped-def]
    qtbot, ctx: AppContext, ui_clinic: ClinicFixture, tmp_path: Path
) -> None:
    window = MainWindow(ctx, clock=ui_clinic.clock)
    qtbot.addWidget(window)
    window.show()
    # Reachable before signing in: the IT person reads the version at the sign-in page.
    assert window.act_about in window.help_menu.actions()
    window.act_about.trigger()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert isinstance(dialog, AboutDialog)
    fields = {key: label.text() for key, label in dialog.fields.items()}
    assert fields["version"] == __version__
    assert dialog.title.text() == f"ClinicDesk {__version__}"
    assert fields["qt"].startswith(qVersion()) and PySide6.__version__ in fields["qt"]
    assert fields["python"].startswith(platform.python_version())
    conn = sqlcipher.connect(":memory:")
    cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
    conn.close()
    assert re.match(r"\d+\.\d+", cipher)
    assert fields["sqlcipher"].startswith(cipher)
    assert sqlcipher.sqlite_version in fields["sqlcipher"]
    assert Path(fields["data_dir"]) == ui_clinic.clinic.data_dir
    dialog.grab().save(str(tmp_path / "about.png"))
    assert (tmp_path / "about.png").stat().st_size > 0
    dialog.reject()
    assert not dialog.isVisible()


def test_about_follows_the_interface_language(qtbot, ui_clinic: ClinicFixture, qapp) -> None:  # type: ignore[no-untyped-def]
    try:
        assert install_language("zh_CN")
        dialog = AboutDialog(ui_clinic.clinic.data_dir)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "关于 ClinicDesk"
        assert re.search(r"[\u4e00-\u9fff]", dialog.tagline.text())
        assert dialog.title.text() == f"ClinicDesk {__version__}"
        install_language("en")
        QApplication.processEvents()  # LanguageChange reaches the dialog
        assert dialog.windowTitle() == "About ClinicDesk"
        tagline = "An offline-first desktop program for small private clinics."
        assert dialog.tagline.text() == tagline
    finally:
        install_language("en")
        QApplication.processEvents()


def test_application_carries_the_icon_and_desktop_name(qapp) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the window's icon and the name the Linux desktop entry is matched by."""
    from clinic_desk.ui.app import application

    app = application()
    assert app is qapp
    assert not app.windowIcon().isNull()
    assert app.windowIcon().availableSizes()[0].width() >= 256
    assert app.desktopFileName() == "clinic-desk"
