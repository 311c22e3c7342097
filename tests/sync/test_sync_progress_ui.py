"""Progress on screen while sync is turned on and while a computer joins (issue 7).

Settings → Sync → "Make this the clinic's first workstation" shows a window-modal
progress dialog that can cancel (then nothing changed); the first-run wizard's
join page shows a bar, a line saying what is happening and how far, and a
"Stop joining" button. Real SQLCipher clinics, a real PostgreSQL hub.

To look at a dialog mid-way, a gate holds the worker inside a real progress
report (the real ``write_snapshot`` / ``SyncEngine.pull`` run, wrapped) until the
test has looked. Screenshots go to ``tmp_path`` (zh_CN where the test says).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton

from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.sync import engine
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.settings.page import SettingsPage
from clinic_desk.ui.settings.sync_tab import SyncTab
from clinic_desk.ui.setup import wizard as wizard_pages
from clinic_desk.ui.setup.wizard import SetupWizard
from tests.sync.conftest import DIRECTOR, DIRECTOR_PASSWORD, Station
from tests.sync.helpers.stations import run_round
from tests.sync.test_sync_progress import _enable, _seeded
from tests.sync.test_sync_ui import JOINER_PASSPHRASE, WAIT, _close, _window


@pytest.fixture(autouse=True)
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # Many operations and pulled batches from a seeded clinic's few hundred rows.
    monkeypatch.setattr(engine, "SNAPSHOT_ROWS", 2)
    monkeypatch.setattr(engine, "PULL_BATCH", 3)


@pytest.fixture(scope="module", autouse=True)
def _fonts(qapp: Any) -> Iterator[None]:
    from clinic_desk.ui.fonts import register_fonts

    register_fonts(qapp)
    install_language("en")
    yield
    install_language("en")


class Gate:
    """Holds the worker in its ``at``-th progress report until ``release()``."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.calls = 0
        self.reached = threading.Event()
        self.released = threading.Event()

    def wrap(self, report: Callable[..., None]) -> Callable[..., None]:
        def gated(*args: Any) -> None:
            report(*args)  # the real report first: the screen shows it while held
            self.calls += 1
            if self.calls == self.at:
                self.reached.set()
                self.released.wait(30)

        return gated

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def snapshot_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate(at=6)
    real = engine.write_snapshot

    def gated(conn: Any, specs: Any, hlc: int, progress: Any = None) -> int:
        return real(conn, specs, hlc, gate.wrap(progress) if progress else None)

    monkeypatch.setattr(engine, "write_snapshot", gated)
    yield gate
    gate.release()  # never leave the worker waiting


@pytest.fixture
def pull_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate(at=3)
    real = engine.SyncEngine.pull

    def gated(self: engine.SyncEngine, *, one_transaction: bool = False, progress: Any = None):
        wrapped = gate.wrap(progress) if progress else None
        return real(self, one_transaction=one_transaction, progress=wrapped)

    monkeypatch.setattr(engine.SyncEngine, "pull", gated)
    yield gate
    gate.release()


def _sync_tab(qtbot: Any, window: Any) -> SyncTab:
    page = window.show_feature("settings")
    assert isinstance(page, SettingsPage) and page.sync_tab is not None
    page.tabs.setCurrentWidget(page.sync_tab)
    qtbot.waitUntil(lambda: page.sync_tab.loads >= 1, timeout=WAIT)
    return page.sync_tab


def _held_dialog(qtbot: Any, tab: SyncTab, gate: Gate) -> QProgressDialog:
    assert gate.reached.wait(30)
    dialog = tab.progress_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: "%" in dialog.labelText(), timeout=WAIT)
    return dialog


def test_enabling_from_the_tab_shows_a_progress_dialog_until_done(
    qtbot: Any, tmp_path: Path, hub_url: str, snapshot_gate: Gate
) -> None:
    """Issue 7: the snapshot's progress is a window-modal dialog with a percentage in
    plain words; it closes when sync is on. Screenshot in zh_CN."""
    alone = _seeded(tmp_path)
    assert install_language("zh_CN")
    window = _window(qtbot, alone)
    try:
        tab = _sync_tab(qtbot, window)
        tab.hub_edit.setText(hub_url)
        tab.name_edit.setText("前台")
        qtbot.mouseClick(tab.enable_button, Qt.MouseButton.LeftButton)
        dialog = _held_dialog(qtbot, tab, snapshot_gate)
        assert dialog.isVisible() and dialog.windowModality() == Qt.WindowModality.WindowModal
        assert 0 < dialog.value() < 100
        assert f"{dialog.value()}%" in dialog.labelText()
        assert not tab.enable_button.isEnabled()
        dialog.grab().save(str(tmp_path / "enable_progress_zh_CN.png"))
        window.grab().save(str(tmp_path / "enable_progress_window_zh_CN.png"))
        snapshot_gate.release()
        qtbot.waitUntil(lambda: tab.on_box.isVisible(), timeout=WAIT)
        assert tab.progress_dialog is None
        assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # hidden, then deleted
        assert sync_service.sync_info(alone.clinic).enabled
    finally:
        install_language("en")
        snapshot_gate.release()
        _close(window)
        alone.clinic.close()


def test_cancelling_the_dialog_changes_nothing_and_enabling_again_works(
    qtbot: Any, tmp_path: Path, hub_url: str, snapshot_gate: Gate
) -> None:
    """Issue 7: Cancel in the dialog rolls everything back: the tab says so, this
    workstation does not sync and has no outbox; the button works again."""
    alone = _seeded(tmp_path)
    window = _window(qtbot, alone)
    try:
        tab = _sync_tab(qtbot, window)
        tab.hub_edit.setText(hub_url)
        tab.name_edit.setText("Front desk")
        qtbot.mouseClick(tab.enable_button, Qt.MouseButton.LeftButton)
        dialog = _held_dialog(qtbot, tab, snapshot_gate)
        assert "Preparing the clinic's data for the hub" in dialog.labelText()
        cancel = dialog.findChild(QPushButton)
        assert cancel is not None and cancel.isVisible()
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        assert "Cancelling" in dialog.labelText()
        snapshot_gate.release()
        qtbot.waitUntil(lambda: "cancelled" in tab.message.text(), timeout=WAIT)
        assert "Nothing was changed" in tab.message.text()
        assert tab.progress_dialog is None and tab.enable_button.isEnabled()
        assert not sync_service.sync_info(alone.clinic).enabled
        assert engine.pending_count(alone.clinic) == 0
        assert tab.off_box.isVisible()

        qtbot.mouseClick(tab.enable_button, Qt.MouseButton.LeftButton)  # gate passed: runs
        qtbot.waitUntil(lambda: tab.on_box.isVisible(), timeout=WAIT)
        assert sync_service.sync_info(alone.clinic).enabled
    finally:
        snapshot_gate.release()
        _close(window)
        alone.clinic.close()


def _desk(tmp_path: Path, hub_url: str) -> Station:
    desk = _seeded(tmp_path)
    _enable(desk, hub_url, None)
    run_round(desk)
    return desk


def _to_join_page(
    qtbot: Any, data_dir: Path, qr_text: str, monkeypatch: pytest.MonkeyPatch
) -> SetupWizard:
    """The wizard's join path up to the page that runs ``join_and_read_name``."""
    # A test that fails with the wizard on the kit page must not hang on "Close without
    # the recovery kit?" when the wizard is closed.
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    wizard = SetupWizard(data_dir, kdf=KdfParams.floor())
    qtbot.addWidget(wizard)
    wizard.resize(720, 560)
    wizard.show()
    wizard.welcome_page.join_radio.setChecked(True)
    wizard.next()
    wizard.join_page.code_edit.setText(qr_text)
    wizard.join_page.login_edit.setText(DIRECTOR)
    wizard.join_page.password_edit.setText(DIRECTOR_PASSWORD)
    wizard.next()
    wizard.passphrase_page.passphrase_edit.setText(JOINER_PASSPHRASE)
    wizard.passphrase_page.confirm_edit.setText(JOINER_PASSPHRASE)
    qtbot.waitUntil(lambda: wizard.passphrase_page.isComplete(), timeout=WAIT)
    wizard.next()
    assert wizard.currentId() == wizard_pages.CREATE
    return wizard


def test_the_join_page_shows_what_it_copies_and_how_far(
    qtbot: Any,
    tmp_path: Path,
    hub_url: str,
    pull_gate: Gate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 7: joining shows a bar with a percentage and a line "Copying the clinic's
    data from the hub… N% done", then reaches the recovery kit. Screenshot in zh_CN."""
    desk = _desk(tmp_path, hub_url)
    pairing = sync_service.create_pairing(desk.clinic, desk.director, name="诊室")
    try:
        assert install_language("zh_CN")
        wizard = _to_join_page(qtbot, tmp_path / "new", pairing.qr_text, monkeypatch)
        create = wizard.create_page
        assert pull_gate.reached.wait(30)
        qtbot.waitUntil(lambda: "%" in create.step.text(), timeout=WAIT)
        assert create.busy.isVisible() and create.step.isVisible() and create.stop.isVisible()
        assert create.busy.maximum() == 100 and 10 <= create.busy.value() < 90
        assert f"{create.busy.value()}%" in create.step.text()
        wizard.grab().save(str(tmp_path / "join_progress_zh_CN.png"))
        pull_gate.release()
        qtbot.waitUntil(lambda: wizard.currentId() == wizard_pages.KIT, timeout=60_000)
        assert wizard.result() is not None and wizard.clinic_name() == "示例诊所"
        assert not create.stop.isVisible()
        wizard.kit_page.kept_box.setChecked(True)  # else closing asks about the kit
        wizard.accept()
    finally:
        install_language("en")
        pull_gate.release()
        desk.clinic.close()


def test_stopping_the_join_sets_nothing_up_and_says_a_new_code_is_needed(
    qtbot: Any,
    tmp_path: Path,
    hub_url: str,
    pull_gate: Gate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 7: "Stop joining" during the copy discards it: the folder stays empty and
    the page says the pairing code is used up; Back works again."""
    desk = _desk(tmp_path, hub_url)
    pairing = sync_service.create_pairing(desk.clinic, desk.director, name="Nurse")
    data_dir = tmp_path / "new"
    try:
        wizard = _to_join_page(qtbot, data_dir, pairing.qr_text, monkeypatch)
        create = wizard.create_page
        assert pull_gate.reached.wait(30)
        qtbot.waitUntil(lambda: create.stop.isVisible(), timeout=WAIT)
        qtbot.mouseClick(create.stop, Qt.MouseButton.LeftButton)
        assert "Stopping" in create.step.text() and not create.stop.isEnabled()
        pull_gate.release()
        qtbot.waitUntil(lambda: not create.running, timeout=WAIT)
        assert "Joining was stopped" in create.status.text()
        assert "new one" in create.status.text()
        assert not create.stop.isVisible() and not create.retry.isVisible()
        assert wizard.result() is None and not wizard.busy
        assert list(data_dir.iterdir()) == []
    finally:
        pull_gate.release()
        desk.clinic.close()
