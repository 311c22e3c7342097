"""The Staff tab of Settings: the director adds, edits, resets, unlocks and disables
accounts through the staff service, against a real encrypted clinic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from clinic_desk.core.errors import AccountLocked
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import staff
from clinic_desk.core.services.audit_log import audit_report
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import open_clinic, setup_clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.settings.page import SettingsPage
from clinic_desk.ui.settings.staff_tab import ResetPasswordDialog, StaffDialog, StaffTab

PASSPHRASE = "马跑了 青山绿水 七点钟 rain"
DIRECTOR_PASSWORD = "director-pass-1"
WAIT = 10_000
DISPLAY, LOGIN, ROLE, PHONE, STATUS = range(5)


@dataclass
class Env:
    data_dir: Path
    clinic: Clinic
    director: Actor
    contexts: list[AppContext] = field(default_factory=list)
    pages: list[SettingsPage] = field(default_factory=list)  # kept alive for the test


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp) -> Iterator[Env]:
    monkeypatch.setenv("CLINIC_DESK_NO_KEYRING", "1")
    monkeypatch.delenv("CLINIC_DESK_PASSPHRASE", raising=False)
    data_dir = tmp_path / "clinic"
    setup_clinic(
        data_dir, clinic_name="仁和诊所", director_login="wang.li", director_name="王丽",
        director_password=DIRECTOR_PASSWORD, passphrase=PASSPHRASE, kdf=KdfParams.floor(),
        use_keyring=False,
    )
    clinic = open_clinic(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    director = staff.sign_in(clinic, "wang.li", DIRECTOR_PASSWORD)
    environment = Env(data_dir, clinic, director)
    yield environment
    for ctx in environment.contexts:
        ctx.runner.wait(WAIT)
    clinic.close()


@pytest.fixture
def tab(qtbot, env: Env) -> StaffTab:
    ctx = AppContext(env.clinic)
    ctx.set_actor(env.director)
    env.contexts.append(ctx)
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    env.pages.append(page)
    page.resize(1000, 700)
    page.show()
    assert page.staff_tab is not None
    page.tabs.setCurrentWidget(page.staff_tab)
    qtbot.waitUntil(lambda: page.staff_tab.model.rowCount() == 1, timeout=WAIT)
    return page.staff_tab


def cell(tab: StaffTab, login: str, column: int) -> str:
    row = next(i for i, info in enumerate(tab.model.rows) if info.login == login)
    return str(tab.model.data(tab.model.index(row, column), Qt.ItemDataRole.DisplayRole))


def logins(tab: StaffTab) -> list[str]:
    return [info.login for info in tab.model.rows]


def select(qtbot, tab: StaffTab, login: str) -> None:  # type: ignore[no-untyped-def]
    info = next(i for i in tab.model.rows if i.login == login)
    assert tab.select(info.id)
    assert tab.selected() is not None and tab.selected().login == login


def ok(dialog: QDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # type: ignore[attr-defined]


def fill_add(dialog: StaffDialog, *, login: str, name: str, role: Role = Role.RECEPTIONIST,
             password: str = "desk-pass-1", again: str | None = None, phone: str = "") -> None:
    dialog.login_edit.setText(login)
    dialog.name_edit.setText(name)
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(role.value))
    dialog.phone_edit.setText(phone)
    dialog.password_edit.setText(password)
    dialog.again_edit.setText(password if again is None else again)


def add(qtbot, tab: StaffTab, login: str, name: str, role: Role = Role.RECEPTIONIST) -> None:  # type: ignore[no-untyped-def]
    dialog = tab.open_add_dialog()
    assert isinstance(dialog, StaffDialog)
    fill_add(dialog, login=login, name=name, role=role)
    ok(dialog)
    qtbot.waitUntil(lambda: login in logins(tab), timeout=WAIT)
    assert dialog.result() == QDialog.DialogCode.Accepted


def audit_actions(env: Env) -> list[str]:
    return [r.action for r in audit_report(env.clinic, env.director, limit=500)]


def test_table_lists_staff_with_translated_role_and_status(tab: StaffTab) -> None:
    model = tab.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
               for c in range(model.columnCount())]
    assert headers == ["Name", "User name", "Role", "Phone", "Status"]
    assert cell(tab, "wang.li", DISPLAY) == "王丽"
    assert cell(tab, "wang.li", ROLE) == "Director"
    assert cell(tab, "wang.li", STATUS) == "Active"
    assert not tab.edit_button.isEnabled() and not tab.unlock_button.isEnabled()


def test_add_a_receptionist_through_the_dialog(qtbot, tab: StaffTab, env: Env) -> None:
    dialog = tab.open_add_dialog()
    assert isinstance(dialog, StaffDialog) and dialog.isVisible()
    assert dialog.role_combo.currentData() == Role.RECEPTIONIST.value
    fill_add(dialog, login="Desk", name="前台小李", phone=" 13800138000 ")
    ok(dialog)
    qtbot.waitUntil(lambda: "desk" in logins(tab), timeout=WAIT)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted
    assert cell(tab, "desk", DISPLAY) == "前台小李"
    assert cell(tab, "desk", ROLE) == "Receptionist"
    assert cell(tab, "desk", PHONE) == "13800138000"
    assert cell(tab, "desk", STATUS) == "Active"
    assert "staff.add" in audit_actions(env)
    actor = staff.sign_in(env.clinic, "desk", "desk-pass-1")
    assert actor.role == Role.RECEPTIONIST and actor.must_change_password


def test_dialog_shows_the_core_sentence_inline(qtbot, tab: StaffTab) -> None:
    add(qtbot, tab, "desk", "前台小李")
    dialog = tab.open_add_dialog()
    assert isinstance(dialog, StaffDialog)
    fill_add(dialog, login="desk", name="另一个人")
    ok(dialog)
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=WAIT)
    assert dialog.message.text() == "The user name desk is taken. Choose another user name."
    assert dialog.isVisible()

    fill_add(dialog, login="张丽", name="张丽")
    ok(dialog)
    qtbot.waitUntil(lambda: "letters a-z" in dialog.message.text(), timeout=WAIT)
    fill_add(dialog, login="zhang.li", name="张丽", password="short")
    ok(dialog)
    qtbot.waitUntil(lambda: "too short" in dialog.message.text(), timeout=WAIT)
    fill_add(dialog, login="zhang.li", name="   ", password="zhang-pass-1")
    ok(dialog)
    qtbot.waitUntil(lambda: "name is empty" in dialog.message.text(), timeout=WAIT)
    fill_add(dialog, login="zhang.li", name="张丽", password="zhang-pass-1", again="other-pass")
    ok(dialog)
    assert dialog.message.text() == "The two passwords are not the same."
    tab.ctx.runner.wait(WAIT)
    assert logins(tab).count("desk") == 1 and "zhang.li" not in logins(tab)


def test_emoji_and_cjk_names_are_accepted_and_very_long_names_capped(
    qtbot, tab: StaffTab, env: Env
) -> None:
    add(qtbot, tab, "li.long", "李小龍 🐉 Ｌｅｅ")
    assert cell(tab, "li.long", DISPLAY) == "李小龍 🐉 Ｌｅｅ"
    dialog = tab.open_add_dialog()
    assert isinstance(dialog, StaffDialog)
    fill_add(dialog, login="long.name", name="")
    dialog.name_edit.setText("名" * 10_000)
    assert len(dialog.name_edit.text()) == 200
    dialog.login_edit.setText("x" * 500)
    assert len(dialog.login_edit.text()) == 64
    dialog.login_edit.setText("long.name")
    dialog.phone_edit.setText("1" * 100)
    assert len(dialog.phone_edit.text()) == 32
    ok(dialog)
    qtbot.waitUntil(lambda: "long.name" in logins(tab), timeout=WAIT)
    assert cell(tab, "long.name", DISPLAY) == "名" * 200


def test_edit_changes_role_name_and_phone(qtbot, tab: StaffTab, env: Env) -> None:
    add(qtbot, tab, "desk", "前台小李")
    select(qtbot, tab, "desk")
    assert tab.edit_button.isEnabled()
    dialog = tab.open_edit_dialog()
    assert isinstance(dialog, StaffDialog)
    assert dialog.login_edit.isReadOnly() and dialog.login_edit.text() == "desk"
    assert not dialog.password_edit.isVisible()
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.TRIAGE_NURSE.value))
    dialog.name_edit.setText("分诊小李")
    ok(dialog)
    qtbot.waitUntil(lambda: cell(tab, "desk", ROLE) == "Triage nurse", timeout=WAIT)
    assert cell(tab, "desk", DISPLAY) == "分诊小李"
    assert tab.selected() is not None and tab.selected().login == "desk"  # kept selected
    rows = [r for r in audit_report(env.clinic, env.director) if r.action == "staff.update"]
    assert rows and "triage_nurse" in rows[0].detail


def test_disable_and_enable(qtbot, tab: StaffTab, env: Env) -> None:
    add(qtbot, tab, "desk", "前台小李")
    select(qtbot, tab, "desk")
    assert tab.toggle_button.text() == "Disable"
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(tab, "desk", STATUS) == "Disabled", timeout=WAIT)
    assert tab.toggle_button.text() == "Enable"
    assert "disabled" in tab.message.text()
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(tab, "desk", STATUS) == "Active", timeout=WAIT)
    assert tab.toggle_button.text() == "Disable"


def test_the_only_director_cannot_be_disabled_or_demoted(qtbot, tab: StaffTab) -> None:
    select(qtbot, tab, "wang.li")
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.message.is_error, timeout=WAIT)
    assert "only active director account" in tab.message.text()
    assert cell(tab, "wang.li", STATUS) == "Active"

    dialog = tab.open_edit_dialog()
    assert isinstance(dialog, StaffDialog)
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.DOCTOR.value))
    ok(dialog)
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=WAIT)
    assert "only active director account" in dialog.message.text()
    assert dialog.isVisible()
    dialog.reject()
    tab.refresh()
    tab.ctx.runner.wait(WAIT)
    assert cell(tab, "wang.li", ROLE) == "Director"


def test_reset_password(qtbot, tab: StaffTab, env: Env) -> None:
    add(qtbot, tab, "desk", "前台小李")
    actor = staff.sign_in(env.clinic, "desk", "desk-pass-1")
    staff.change_own_password(env.clinic, actor, current="desk-pass-1", new="my-own-pass-9")
    select(qtbot, tab, "desk")
    dialog = tab.open_reset_dialog()
    assert isinstance(dialog, ResetPasswordDialog)
    assert "前台小李" in dialog.intro.text()
    dialog.password_edit.setText("temp-pass-2")
    dialog.again_edit.setText("temp-pass-3")
    ok(dialog)
    assert "not the same" in dialog.message.text()
    dialog.again_edit.setText("temp-pass-2")
    ok(dialog)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=WAIT)
    assert "temporary password" in tab.message.text()
    signed = staff.sign_in(env.clinic, "desk", "temp-pass-2")
    assert signed.must_change_password
    assert "staff.reset_password" in audit_actions(env)


def test_unlock_a_locked_account(qtbot, tab: StaffTab, env: Env) -> None:
    add(qtbot, tab, "desk", "前台小李")
    for attempt in range(5):
        with pytest.raises(Exception) as caught:
            staff.sign_in(env.clinic, "desk", "wrong-password")
        if attempt == 4:
            assert isinstance(caught.value, AccountLocked)
    tab.refresh()  # locks come from sign-in attempts, not from a broadcast write
    qtbot.waitUntil(lambda: cell(tab, "desk", STATUS).startswith("Locked until"),
                    timeout=WAIT)
    assert re.fullmatch(r"Locked until \d\d:\d\d", cell(tab, "desk", STATUS))
    select(qtbot, tab, "desk")
    assert tab.unlock_button.isEnabled()
    qtbot.mouseClick(tab.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(tab, "desk", STATUS) == "Active", timeout=WAIT)
    assert not tab.unlock_button.isEnabled()
    assert "can sign in again" in tab.message.text()
    assert staff.sign_in(env.clinic, "desk", "desk-pass-1").login == "desk"
    assert "staff.unlock" in audit_actions(env)


def test_staff_model_passes_the_qt_model_tester(qtbot, tab: StaffTab) -> None:
    failures: list[str] = []

    def collect(_mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if context.category == "qt.modeltest" or "FAIL!" in message:
            failures.append(message)

    previous = qInstallMessageHandler(collect)
    try:
        tester = QAbstractItemModelTester(
            tab.model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        add(qtbot, tab, "desk", "前台小李")
        add(qtbot, tab, "nurse", "护士小王", Role.TRIAGE_NURSE)
        select(qtbot, tab, "nurse")
        qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: cell(tab, "nurse", STATUS) == "Disabled", timeout=WAIT)
        tab.model.retranslate()
        tab.model.set_rows([])
        tab.refresh()
        qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=WAIT)
        assert not tab.model.index(0, 5).isValid()
        del tester
    finally:
        qInstallMessageHandler(previous)
    assert failures == []


def test_the_tab_is_only_for_roles_that_manage_staff(qtbot, env: Env) -> None:
    staff.add_staff(env.clinic, env.director, login="desk", display_name="前台小李",
                    role=Role.RECEPTIONIST, password="desk-pass-1")
    actor = staff.sign_in(env.clinic, "desk", "desk-pass-1")
    ctx = AppContext(env.clinic)
    ctx.set_actor(actor)
    env.contexts.append(ctx)
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    env.pages.append(page)
    assert page.staff_tab is None and page.security_tab is None
    qtbot.waitUntil(lambda: page.clinic_tab.loaded, timeout=WAIT)
