"""The Settings page: clinic settings from the catalog, read-only roles, language
switching, and the director's keys and backups, against a real encrypted clinic."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTime, QTranslator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
)

from clinic_desk.core.errors import PermissionDenied
from clinic_desk.core.security.keys import KdfParams, read_key_file
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import maintenance, settings, staff
from clinic_desk.core.services.audit_log import audit_report
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.core.services.clinic import open_clinic, setup_clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.settings.clinic_form import ClinicSettingsTab
from clinic_desk.ui.settings.page import SettingsPage
from clinic_desk.ui.settings.security_tab import (
    ChangePassphraseDialog,
    RecoveryKeyDialog,
    SecurityTab,
)

PASSPHRASE = "马跑了 青山绿水 七点钟 rain"
NEW_PASSPHRASE = "橙色的猫 sleeps under 三棵 old pine trees"
DIRECTOR_PASSWORD = "director-pass-1"
WAIT = 10_000


@dataclass
class Env:
    data_dir: Path
    clinic: Clinic
    director: Actor
    recovery_key: str
    contexts: list[AppContext] = field(default_factory=list)
    pages: list[SettingsPage] = field(default_factory=list)  # kept alive for the test

    def add_doctor(self) -> Actor:
        staff.add_staff(self.clinic, self.director, login="dr.zhang", display_name="张医生",
                        role=Role.DOCTOR, password="doctor-pass-1")
        return staff.sign_in(self.clinic, "dr.zhang", "doctor-pass-1")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp) -> Iterator[Env]:
    monkeypatch.setenv("CLINIC_DESK_NO_KEYRING", "1")
    monkeypatch.delenv("CLINIC_DESK_PASSPHRASE", raising=False)
    data_dir = tmp_path / "clinic"
    result = setup_clinic(
        data_dir, clinic_name="仁和诊所", director_login="wang.li", director_name="王丽",
        director_password=DIRECTOR_PASSWORD, passphrase=PASSPHRASE, kdf=KdfParams.floor(),
        use_keyring=False,
    )
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    director = staff.sign_in(clinic, "wang.li", DIRECTOR_PASSWORD)
    environment = Env(data_dir, clinic, director, result.recovery_key)
    yield environment
    for ctx in environment.contexts:
        ctx.runner.wait(WAIT)
    clinic.close()


def make_page(qtbot, env: Env, actor: Actor) -> SettingsPage:
    ctx = AppContext(env.clinic)
    ctx.set_actor(actor)
    env.contexts.append(ctx)
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    env.pages.append(page)
    page.resize(1000, 700)
    page.show()
    qtbot.waitUntil(lambda: page.clinic_tab.loaded, timeout=WAIT)
    return page


def editor(tab: ClinicSettingsTab, key: str):  # type: ignore[no-untyped-def]
    return tab.rows[key].editor


def audit_actions(env: Env) -> list[str]:
    return [r.action for r in audit_report(env.clinic, env.director, limit=500)]


# -- clinic settings ----------------------------------------------------------------


def test_form_shows_defaults_and_saves_changes_in_one_audited_call(qtbot, env: Env) -> None:
    page = make_page(qtbot, env, env.director)
    tab = page.clinic_tab
    wait_alert = editor(tab, "reception.wait_alert_minutes")
    cutoff = editor(tab, "appointments.booking_cutoff")
    assert isinstance(wait_alert, QSpinBox) and wait_alert.value() == 15
    assert (wait_alert.minimum(), wait_alert.maximum()) == (1, 240)
    assert wait_alert.suffix() == ""
    assert isinstance(cutoff, QTimeEdit) and cutoff.time().toString("HH:mm") == "16:00"
    assert cutoff.displayFormat() == "HH:mm"
    assert isinstance(editor(tab, "backup.daily_enabled"), QCheckBox)
    assert isinstance(editor(tab, "clinic.language"), QComboBox)
    address = editor(tab, "clinic.address")
    assert isinstance(address, QLineEdit) and address.maxLength() == 500
    assert editor(tab, "clinic.name").text() == "仁和诊所"
    row = tab.rows["reception.wait_alert_minutes"]
    assert row.hint.text() == "spec B4"
    assert "Default: 15" in row.editor.toolTip()
    assert row.label.text() == "Waiting-time alert after (minutes)"
    assert [tab.group_list.item(i).text() for i in range(tab.group_list.count())] == [
        "Clinic", "Security", "Backup", "Patients", "Appointments", "Reception", "Sync",
        "Follow-up", "Complaints", "Quality", "Membership", "Printing", "Messages",
    ]
    assert not tab.save_button.isEnabled()  # nothing changed yet

    wait_alert.setValue(20)
    cutoff.setTime(QTime(15, 30))
    assert tab.changed_values() == {
        "reception.wait_alert_minutes": 20, "appointments.booking_cutoff": "15:30",
    }
    assert tab.save_button.isEnabled() and tab.save_button.isVisible()
    with qtbot.waitSignal(page.ctx.sig_changes, timeout=WAIT) as blocker:
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].touches(Topic.SETTINGS)
    qtbot.waitUntil(lambda: tab.message.text() == "Settings saved.", timeout=WAIT)
    assert env.clinic.setting("reception.wait_alert_minutes") == 20
    assert env.clinic.setting("appointments.booking_cutoff") == "15:30"
    rows = [r for r in audit_report(env.clinic, env.director) if r.action == "settings.update"]
    assert {r.object_id for r in rows} == {
        "reception.wait_alert_minutes", "appointments.booking_cutoff",
    }
    assert all(r.staff_login == "wang.li" for r in rows)
    qtbot.waitUntil(lambda: not tab.save_button.isEnabled(), timeout=WAIT)


def test_invalid_values_show_a_sentence_and_nothing_is_saved(qtbot, env: Env) -> None:
    page = make_page(qtbot, env, env.director)
    tab = page.clinic_tab
    address = editor(tab, "clinic.address")
    address.setText("路" * 600)
    assert len(address.text()) == 500  # capped by maxLength
    address.clear()

    assert not tab.save({"clinic.address": "x" * 600})
    assert tab.message.is_error
    assert tab.message.text() == "Address: use at most 500 characters."
    assert not tab.save({"reception.wait_alert_minutes": 0})
    assert "choose a number from 1 to 240" in tab.message.text()
    assert tab.stack.currentIndex() == 5  # the Reception group is brought forward
    assert not tab.save({"appointments.booking_cutoff": "25:99"})
    assert "HH:MM" in tab.message.text()
    assert not tab.save({"clinic.name": "   "})
    assert "clinic name is empty" in tab.message.text()
    assert not tab.save({"clinic.timezone": "Mars/Olympus"})
    assert "time zone" in tab.message.text()
    assert not tab.save({"outbox.send_from": "22:00"})
    assert "must be earlier than" in tab.message.text()
    # Typed on screen, the pair is checked against each other as well.
    editor(tab, "outbox.send_from").setTime(QTime(21, 30))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.message.is_error and "must be earlier than" in tab.message.text()

    page.ctx.runner.wait(WAIT)
    assert env.clinic.setting("clinic.address") == ""
    assert env.clinic.setting("outbox.send_from") == "08:00"
    assert "settings.update" not in audit_actions(env)


def test_restore_defaults_fills_a_group_but_saves_nothing_and_revert_reloads(
    qtbot, env: Env
) -> None:
    settings.update_settings(env.clinic, env.director, {
        "reception.wait_alert_minutes": 30, "reception.response_minutes": 5,
        "clinic.address": "北京市朝阳区",
    })
    page = make_page(qtbot, env, env.director)
    tab = page.clinic_tab
    assert editor(tab, "reception.wait_alert_minutes").value() == 30
    reception = tab.forms[5]
    assert reception.group == "Reception"
    qtbot.mouseClick(reception.restore_button, Qt.MouseButton.LeftButton)
    assert editor(tab, "reception.wait_alert_minutes").value() == 15
    assert editor(tab, "reception.response_minutes").value() == 3
    assert env.clinic.setting("reception.wait_alert_minutes") == 30  # not saved
    assert tab.save_button.isEnabled()
    assert tab.group_list.item(5).font().bold()  # the group shows unsaved changes
    # The clinic's own name and address have no default to go back to.
    qtbot.mouseClick(tab.forms[0].restore_button, Qt.MouseButton.LeftButton)
    assert editor(tab, "clinic.address").text() == "北京市朝阳区"
    assert editor(tab, "clinic.name").text() == "仁和诊所"

    qtbot.mouseClick(tab.revert_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor(tab, "reception.wait_alert_minutes").value() == 30,
                    timeout=WAIT)
    assert not tab.changed_values()
    assert not tab.group_list.item(5).font().bold()


def test_settings_saved_elsewhere_show_up(qtbot, env: Env) -> None:
    page = make_page(qtbot, env, env.director)
    changes = settings.update_settings(env.clinic, env.director,
                                       {"complaints.close_days": 9})
    page.ctx.broadcast(changes)
    qtbot.waitUntil(lambda: editor(page.clinic_tab, "complaints.close_days").value() == 9,
                    timeout=WAIT)


def test_saving_the_language_switches_the_interface(qtbot, env: Env) -> None:
    page = make_page(qtbot, env, env.director)
    tab = page.clinic_tab
    combo = editor(tab, "clinic.language")
    assert combo.currentData() == "zh_CN"
    assert [combo.itemText(i) for i in range(combo.count())] == ["简体中文", "繁體中文", "English"]
    combo.setCurrentIndex(combo.findData("en"))
    with qtbot.waitSignal(page.ctx.sig_language_changed, timeout=WAIT) as blocker:
        tab.save()
    assert blocker.args == ["en"]
    assert env.clinic.setting("clinic.language") == "en"
    assert tab.message.text() == "Settings saved."


def test_a_missing_translation_is_said_after_saving_the_language(
    qtbot, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clinic_desk.ui.settings.clinic_form as clinic_form

    asked: list[str] = []
    monkeypatch.setattr(clinic_form, "install_language", lambda code: asked.append(code) or False)
    page = make_page(qtbot, env, env.director)
    tab = page.clinic_tab
    combo = editor(tab, "clinic.language")
    combo.setCurrentIndex(combo.findData("zh_TW"))
    with qtbot.waitSignal(page.ctx.sig_language_changed, timeout=WAIT):
        tab.save()
    assert asked == ["zh_TW"]
    assert env.clinic.setting("clinic.language") == "zh_TW"
    assert tab.message.is_error and "no translation for 繁體中文" in tab.message.text()


class _Brackets(QTranslator):
    """Marks every translated string, so a test sees what re-translated."""

    def isEmpty(self) -> bool:  # Qt sends LanguageChange only for a non-empty translator
        return False

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        if context in {"Settings", "ClinicSettingsTab", "SettingsPage", "GroupForm",
                       "StaffTab", "StaffTableModel", "SecurityTab", "Roles"}:
            return f"[{source}]"
        return ""


def test_every_part_retranslates_on_language_change(qtbot, env: Env) -> None:
    page = make_page(qtbot, env, env.director)
    assert page.staff_tab is not None and page.security_tab is not None
    qtbot.waitUntil(lambda: page.staff_tab.model.rowCount() == 1, timeout=WAIT)
    translator = _Brackets()
    app = QCoreApplication.instance()
    app.installTranslator(translator)
    try:
        qtbot.waitUntil(lambda: page.tabs.tabText(0) == "[Clinic settings]", timeout=WAIT)
        tab = page.clinic_tab
        row = tab.rows["reception.wait_alert_minutes"]
        assert row.label.text() == "[Waiting-time alert after (minutes)]"
        assert row.hint.text() == "[spec B4]"
        assert tab.group_list.item(0).text() == "[Clinic]"
        assert tab.save_button.text() == "[Save]"
        assert tab.forms[0].restore_button.text() == "[Restore defaults]"
        assert page.tabs.tabText(1) == "[Staff]"
        model = page.staff_tab.model
        assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) \
            == "[Name]"
        assert model.data(model.index(0, 2), Qt.ItemDataRole.DisplayRole) == "[Director]"
        assert page.security_tab.backup_button.text() == "[Back up now…]"
    finally:
        app.removeTranslator(translator)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
    qtbot.waitUntil(lambda: page.tabs.tabText(0) == "Clinic settings", timeout=WAIT)


def test_a_doctor_sees_settings_read_only_and_the_service_refuses(qtbot, env: Env) -> None:
    doctor = env.add_doctor()
    page = make_page(qtbot, env, doctor)
    tab = page.clinic_tab
    assert page.staff_tab is None and page.security_tab is None
    # settings, rosters, follow-up plans and message templates, all read-only
    assert page.tabs.count() == 4
    assert page.plans_tab is not None and not page.plans_tab.save_button.isVisible()
    assert editor(tab, "reception.wait_alert_minutes").value() == 15
    assert all(not row.editor.isEnabled() for row in tab.rows.values())
    assert not tab.save_button.isVisible() and not tab.revert_button.isVisible()
    assert not tab.forms[0].restore_button.isVisible()
    assert tab.readonly_note.isVisible()
    with pytest.raises(PermissionDenied):
        settings.update_settings(env.clinic, doctor, {"reception.wait_alert_minutes": 20})
    # Even if the page were asked to save, the service says no, in a sentence.
    assert tab.save({"reception.wait_alert_minutes": 20})
    qtbot.waitUntil(lambda: tab.message.is_error, timeout=WAIT)
    assert "may not do this" in tab.message.text()
    assert env.clinic.setting("reception.wait_alert_minutes") == 15


# -- security and backup ------------------------------------------------------------


def security(qtbot, env: Env) -> SecurityTab:  # type: ignore[no-untyped-def]
    page = make_page(qtbot, env, env.director)
    assert page.security_tab is not None
    page.tabs.setCurrentWidget(page.security_tab)
    return page.security_tab


def test_security_tab_shows_the_backup_folder_and_last_daily_backup(qtbot, env: Env) -> None:
    tab = security(qtbot, env)
    qtbot.waitUntil(lambda: tab.status is not None, timeout=WAIT)
    assert tab.folder_edit.text() == str(env.data_dir / "backups")
    assert tab.daily_value.text().startswith("None yet")
    maintenance.run_daily_backup_if_due(env.clinic, force=True)
    tab.ctx.broadcast(Changes(frozenset({Topic.BACKUP})))
    today = env.clinic.now().astimezone(env.clinic.timezone()).date().isoformat()
    qtbot.waitUntil(lambda: tab.daily_value.text() == today, timeout=WAIT)


def test_back_up_now_writes_the_file_and_closes_the_progress(
    qtbot, env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = security(qtbot, env)
    target = tmp_path / "out" / "today"  # no suffix: .cdbak is added
    target.parent.mkdir()
    monkeypatch.setattr(tab, "ask_backup_path", lambda: target)
    qtbot.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    assert tab.progress_dialog is not None and tab.progress_dialog.isVisible()
    assert not tab.backup_button.isEnabled()
    qtbot.waitUntil(lambda: tab.progress_dialog is None, timeout=30_000)
    written = target.with_name("today.cdbak")
    assert written.is_file() and written.stat().st_size > 0
    assert tab.message.text().startswith("Backup saved:") and not tab.message.is_error
    assert tab.backup_button.isEnabled()
    assert "backup.create" in audit_actions(env)


def test_back_up_now_can_be_cancelled(qtbot, env: Env, tmp_path: Path) -> None:
    tab = security(qtbot, env)
    qtbot.waitUntil(lambda: tab.status is not None, timeout=WAIT)
    gate = threading.Event()
    tab.ctx.runner.start(gate.wait, 20)  # hold the single worker so the backup waits
    target = tmp_path / "cancelled.cdbak"
    assert tab.start_backup(target) is not None
    progress = tab.progress_dialog
    assert progress is not None
    cancel_button = progress.findChild(QPushButton)
    assert cancel_button is not None and cancel_button.text() == "Cancel"
    cancel_button.click()  # what the person does; emits canceled()
    gate.set()
    qtbot.waitUntil(lambda: tab.progress_dialog is None, timeout=30_000)
    assert tab.message.text() == "The backup was cancelled; no file was written."
    assert not target.exists()
    assert not list(tmp_path.glob(".cdbak-*"))


def test_a_failed_backup_shows_the_sentence(qtbot, env: Env, tmp_path: Path) -> None:
    tab = security(qtbot, env)
    tab.start_backup(tmp_path / "missing-folder" / "x.cdbak")
    qtbot.waitUntil(lambda: tab.progress_dialog is None, timeout=WAIT)
    assert tab.message.is_error and "does not exist" in tab.message.text()


def _ok(dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_change_passphrase_dialog(qtbot, env: Env) -> None:
    tab = security(qtbot, env)
    dialog = tab.open_passphrase_dialog()
    assert isinstance(dialog, ChangePassphraseDialog) and dialog.isVisible()
    dialog.new_edit.setText("password")
    dialog.update_strength()
    assert dialog.meter.label.text() in {"Very weak", "Weak", "Fair"}
    assert dialog.meter.problem.text()  # says what to improve
    dialog.new_edit.setText("仁和诊所 is the best clinic in town")
    dialog.update_strength()
    assert "clinic's name" in dialog.meter.problem.text()
    dialog.new_edit.setText(NEW_PASSPHRASE)
    dialog.update_strength()
    assert dialog.meter.label.text() in {"Strong", "Very strong"}
    assert dialog.meter.problem.text() == ""

    dialog.current_edit.setText("not the passphrase")
    dialog.again_edit.setText(NEW_PASSPHRASE + "x")
    _ok(dialog)
    assert "not the same" in dialog.message.text()
    dialog.again_edit.setText(NEW_PASSPHRASE)
    _ok(dialog)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert "does not open this clinic" in dialog.message.text() and dialog.isVisible()

    dialog.current_edit.setText(PASSPHRASE)
    _ok(dialog)
    qtbot.waitUntil(lambda: dialog.changed, timeout=30_000)
    assert not dialog.isVisible()
    assert dialog.new_edit.text() == ""  # secrets do not linger in the widgets
    assert "passphrase is changed" in tab.message.text()
    key_file = read_key_file(env.data_dir)
    assert key_file.open_with_passphrase(NEW_PASSPHRASE) == env.clinic.store.data_key
    assert key_file.open_with_passphrase(PASSPHRASE) is None


def test_new_recovery_key_is_shown_once_and_replaces_the_old(qtbot, env: Env) -> None:
    tab = security(qtbot, env)
    dialog = tab.open_recovery_dialog()
    assert isinstance(dialog, RecoveryKeyDialog)
    dialog.make_button.click()
    assert "Type the clinic passphrase" in dialog.message.text()
    dialog.passphrase_edit.setText("wrong passphrase here")
    dialog.make_button.click()
    qtbot.waitUntil(lambda: dialog.message.is_error and not dialog.busy, timeout=WAIT)
    assert "does not open this clinic" in dialog.message.text()

    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.make_button.click()
    qtbot.waitUntil(lambda: bool(dialog.key), timeout=30_000)
    key = dialog.key
    assert dialog.key_label.text() == key and dialog.key_label.isVisible()
    assert "shown only this once" in dialog.intro.text()
    assert "old recovery key no longer" in dialog.intro.text()
    dialog.reject()  # Escape does not lose the key before it is written down
    assert dialog.isVisible()
    dialog.close_button.click()
    assert not dialog.isVisible() and dialog.key_label.text() == ""
    key_file = read_key_file(env.data_dir)
    assert key_file.open_with_recovery(key) == env.clinic.store.data_key
    assert key_file.open_with_recovery(env.recovery_key) is None
    assert "keys.replace_recovery" in audit_actions(env)

