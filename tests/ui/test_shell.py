"""The main window: sign-in, lockout, auto-lock with a fake clock, roles, global search,
one instance per data folder (issue 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import patients, staff
from clinic_desk.ui.app import InstanceLock
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.shell.main_window import MainWindow
from tests.conftest import DIRECTOR_PASSWORD, ClinicFixture


@pytest.fixture
def window(qtbot, ctx: AppContext, ui_clinic: ClinicFixture) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(ctx, clock=ui_clinic.clock)
    qtbot.addWidget(w)
    w.show()
    return w


def sign_in(qtbot, w: MainWindow, login: str, password: str) -> None:  # type: ignore[no-untyped-def]
    w.signin.login_edit.setText(login)
    w.signin.password_edit.setText(password)
    qtbot.mouseClick(w.signin.button, Qt.MouseButton.LeftButton)


def test_starts_on_sign_in_with_nothing_else_offered(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.signin
    assert not window.search_bar.isVisible()
    assert not window.act_lock.isEnabled()
    assert "仁和诊所" in window.signin.clinic_label.text()


def test_director_signs_in_and_sees_every_feature(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "wang.li", DIRECTOR_PASSWORD)
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    assert window.stack.currentWidget() is window.work
    assert [f.key for f in window.features] == [
        "reception", "calendar", "patients", "followups", "quality", "membership", "settings",
        "queue",
    ]
    assert "王丽" in window.who.text()


def test_role_decides_what_is_offered(qtbot, window: MainWindow, ui_clinic: ClinicFixture) -> None:  # type: ignore[no-untyped-def]
    staff.add_staff(ui_clinic.clinic, ui_clinic.director, login="desk", display_name="前台小李",
                    role=Role.RECEPTIONIST, password="desk-pass-1")
    sign_in(qtbot, window, "desk", "desk-pass-1")
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    keys = [f.key for f in window.features]
    assert "followups" not in keys
    assert "quality" in keys  # anyone may receive a complaint (F3, issue 10)
    assert "reception" in keys and "patients" in keys
    # A new account must choose its own password first.
    dialog = window.password_dialog
    assert dialog.isVisible()
    dialog.current.setText("desk-pass-1")
    dialog.new.setText("我自己的新密码 7")
    dialog.again.setText("我自己的新密码 7")
    dialog._submit()
    assert not dialog.isVisible()
    assert not window.ctx.actor.must_change_password  # type: ignore[union-attr]
    assert staff.sign_in(ui_clinic.clinic, "desk", "我自己的新密码 7")


def test_wrong_password_then_locked_says_until_when(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        sign_in(qtbot, window, "wang.li", "wrong")
        qtbot.waitUntil(lambda: window.signin.button.isEnabled(), timeout=5000)
        assert "not right" in window.signin.message.text()
    sign_in(qtbot, window, "wang.li", "wrong")
    qtbot.waitUntil(lambda: "locked" in window.signin.message.text(), timeout=5000)
    assert "2026-11-23" in window.signin.message.text()  # until when, local time
    sign_in(qtbot, window, "wang.li", DIRECTOR_PASSWORD)
    qtbot.waitUntil(lambda: window.signin.button.isEnabled(), timeout=5000)
    assert window.ctx.actor is None


def test_empty_fields_are_named(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "", "")
    assert "user name" in window.signin.message.text()
    sign_in(qtbot, window, "wang.li", "")
    assert "password" in window.signin.message.text()


def test_auto_lock_after_idle_minutes_hides_patient_data(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, ui_clinic: ClinicFixture
) -> None:
    patients.register_patient(ui_clinic.clinic, ui_clinic.director, family_name="欧阳",
                              given_name="娜娜", sex="F")
    sign_in(qtbot, window, "wang.li", DIRECTOR_PASSWORD)
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    page = window.show_feature("patients")
    page.find("欧阳")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: page.search_view.model.rowCount() == 1, timeout=5000)  # type: ignore[union-attr]

    ui_clinic.clock.advance(minutes=9)
    window.idle.check()
    assert window.ctx.actor is not None  # 9 of 10 minutes: still open
    qtbot.keyClick(window.search, Qt.Key.Key_A)  # activity resets the idle time
    ui_clinic.clock.advance(minutes=9)
    window.idle.check()
    assert window.ctx.actor is not None
    ui_clinic.clock.advance(minutes=1, seconds=1)
    window.idle.check()
    assert window.ctx.actor is None
    assert window.stack.currentWidget() is window.signin
    assert window.work is None and window.pages == {}
    assert "locked" in window.signin.reason_label.text()
    assert window.signin.login_edit.text() == "wang.li"
    assert window.search.text() == ""


def test_idle_minutes_is_a_setting(qtbot, window: MainWindow, ui_clinic: ClinicFixture) -> None:  # type: ignore[no-untyped-def]
    from clinic_desk.core.services import settings

    settings.update_settings(ui_clinic.clinic, ui_clinic.director,
                             {"security.idle_lock_minutes": 2})
    sign_in(qtbot, window, "wang.li", DIRECTOR_PASSWORD)
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    ui_clinic.clock.advance(minutes=2)
    window.idle.check()
    assert window.ctx.actor is None


def test_another_person_signs_in_after_lock(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, ui_clinic: ClinicFixture
) -> None:
    staff.add_staff(ui_clinic.clinic, ui_clinic.director, login="doc", display_name="张医生",
                    role=Role.DOCTOR, password="doctor-pass-1")
    sign_in(qtbot, window, "wang.li", DIRECTOR_PASSWORD)
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    window.act_lock.trigger()
    assert window.ctx.actor is None
    window.signin.login_edit.clear()
    sign_in(qtbot, window, "doc", "doctor-pass-1")
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    assert window.ctx.actor.login == "doc"  # type: ignore[union-attr]
    assert "settings" in [f.key for f in window.features]
    # The director's desk features are gone (the quality page is everyone's since issue 10).
    assert "reception" not in [f.key for f in window.features]


def test_global_search_from_anywhere(qtbot, window: MainWindow, ui_clinic: ClinicFixture) -> None:  # type: ignore[no-untyped-def]
    patients.register_patient(ui_clinic.clinic, ui_clinic.director, family_name="司马",
                              given_name="光", sex="M", phone="13912345678")
    sign_in(qtbot, window, "wang.li", DIRECTOR_PASSWORD)
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    window.show_feature("settings")
    assert QKeySequence("Ctrl+K") in window.act_search.shortcuts()
    assert QKeySequence("F2") in window.act_search.shortcuts()
    window.act_search.trigger()
    qtbot.keyClicks(window.search, "1391234")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    page = window.pages["patients"]
    qtbot.waitUntil(lambda: page.search_view.model.rowCount() == 1, timeout=5000)  # type: ignore[attr-defined]
    assert window.page_stack.currentWidget() is page  # type: ignore[union-attr]
    assert page.search_view.model.rows[0].family_name == "司马"  # type: ignore[attr-defined]


def test_shortcuts_are_shown_in_menus(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "wang.li", DIRECTOR_PASSWORD)
    qtbot.waitUntil(lambda: window.ctx.actor is not None, timeout=5000)
    go = window.go_menu.actions()
    assert [a.shortcut().toString() for a in go] == [f"Ctrl+{i}" for i in range(1, 9)]
    assert window.act_lock.shortcut().toString() == "Ctrl+L"


def test_one_instance_per_data_folder(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path)
    second = InstanceLock(tmp_path)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
