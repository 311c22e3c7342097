"""Sync in the window (issue 7), against a real PostgreSQL hub and real encrypted clinics:
the status line, turning sync on, pairing and joining from the first-run wizard, the
conflicts dialog, the desk's "needs attention" banner, and two windows (the desk and
the doctor) on two data folders whose screens follow each other without a refresh.

Stations use the real clock (the hub refuses a clock more than 5 minutes off).
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWizard

from clinic_desk.core.security.keys import KdfParams, parse_recovery_key
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, patients, reception, staff
from clinic_desk.core.services import clinic as clinic_service
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.core.services.registry_rules import PatientInput
from clinic_desk.core.sync import engine
from clinic_desk.core.sync.engine import SyncEngine
from clinic_desk.core.sync.worker import SyncStatus
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.reception.board import ReceptionPage
from clinic_desk.ui.reception.queue import DoctorQueuePage
from clinic_desk.ui.settings.page import SettingsPage
from clinic_desk.ui.setup import wizard as wizard_pages
from clinic_desk.ui.setup.wizard import SetupWizard
from clinic_desk.ui.shell.main_window import MainWindow
from clinic_desk.ui.sync.conflicts import ConflictsDialog
from clinic_desk.ui.sync.pairing import PairingDialog
from tests.sync.conftest import (
    DIRECTOR,
    DIRECTOR_PASSWORD,
    PASSPHRASE,
    Station,
    make_first,
    make_joiner,
    make_standalone,
)

WAIT = 15_000
JOINER_PASSPHRASE = "紫色的山 walks slowly 七只 quiet herons"
STAFF_PASSWORD = "staff-pass-1234"


@pytest.fixture(scope="module", autouse=True)
def _english_and_fonts(qapp: Any) -> Iterator[None]:
    from clinic_desk.ui.fonts import register_fonts

    register_fonts(qapp)
    install_language("en")
    yield
    install_language("en")


def _round(station: Station) -> engine.RoundResult:
    eng = SyncEngine(station.clinic)
    try:
        return eng.run_round()
    finally:
        eng.close()


def _register(station: Station, given: str = "娜娜", phone: str = "13987654321") -> Any:
    return patients.register_patient(
        station.clinic,
        station.director,
        family_name="欧阳",
        given_name=given,
        phone=phone,
        sex="F",
        birth_date=date(1988, 3, 4),
    ).value


def _window(qtbot: Any, station: Station, login: str = DIRECTOR, password: str = "") -> MainWindow:
    ctx = AppContext(station.clinic, clock=station.clock)
    window = MainWindow(ctx, clock=station.clock)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window._signed_in(staff.sign_in(station.clinic, login, password or DIRECTOR_PASSWORD))
    return window


def _close(window: MainWindow) -> None:
    window.close()  # stops the sync thread before the test closes the clinic
    window.ctx.runner.wait(10_000)


@pytest.fixture
def pair(tmp_path: Path, hub_url: str) -> Iterator[tuple[Station, Station]]:
    desk = make_first(tmp_path, hub_url)
    _round(desk)  # the clinic's starting point goes to the hub
    room = make_joiner(tmp_path, desk, "room", name="Dr Wang's room")
    yield desk, room
    desk.clinic.close()
    room.clinic.close()


# -- the status line ----------------------------------------------------------------------


def test_a_standalone_workstation_shows_nothing_and_starts_no_thread(
    qtbot: Any, tmp_path: Path
) -> None:
    alone = make_standalone(tmp_path)
    window = _window(qtbot, alone)
    try:
        qtbot.waitUntil(lambda: window.ctx.runner.db_pool.activeThreadCount() == 0, timeout=WAIT)
        qtbot.wait(100)
        assert not window.sync.running
        assert not window.sync_label.isVisible()
        assert not window.act_sync_now.isVisible()
        assert not [t for t in threading.enumerate() if t.name.startswith("clinicdesk-sync")]
    finally:
        _close(window)
        alone.clinic.close()


def test_status_line_synced_sending_offline_and_stopped(
    qtbot: Any, tmp_path: Path, private_pg: Any, private_hub_url: str
) -> None:
    desk = make_first(tmp_path, private_hub_url)
    window = _window(qtbot, desk)
    label = window.sync_label
    seen: list[str] = []
    window.sync.sig_status.connect(lambda _s: seen.append(label.full_text))
    try:
        # The first round sends the clinic's starting point.
        qtbot.waitUntil(lambda: label.state == "synced", timeout=WAIT)
        assert label.isVisible() and label.text() == "Synced"
        assert window.act_sync_now.isVisible() and window.act_sync_now.shortcut().toString() == (
            "F9"
        )
        assert "Last synced at" in label.toolTip()
        assert any(t.startswith("Sending ") for t in seen)

        # Changes made here, then "Sync now": they are sent and the line says Synced.
        # (A round already under way may take them first, so which "Sending N" the
        # line showed depends on timing; the wording itself is checked just below.)
        _register(desk, "一")
        _register(desk, "二", "13987650002")
        window.act_sync_now.trigger()
        qtbot.waitUntil(
            lambda: sync_service.sync_info(desk.clinic).pending == 0
            and label.state == "synced",
            timeout=WAIT,
        )
        label.show_status(SyncStatus("syncing", 2))
        assert label.full_text == "Sending 2 changes…"
        label.show_status(SyncStatus("synced", 0))

        # The hub goes away: offline since when, and what is kept here.
        private_pg.stop()
        _register(desk, "三", "13987650003")
        _register(desk, "四", "13987650004")
        window.sync_now()
        # A round already under way when the hub stopped may say "offline" first, with
        # what was waiting then; the round asked for here counts the two new changes.
        qtbot.waitUntil(
            lambda: re.fullmatch(
                r"Offline since \d\d:\d\d — 2 changes kept here", label.full_text
            )
            is not None,
            timeout=WAIT,
        )
        assert label.state == "offline"
        assert "cannot be reached" in label.toolTip()
        assert "Last synced at" in label.toolTip()

        # Back: a click on the line syncs at once.
        private_pg.start()
        qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: label.state == "synced", timeout=WAIT)
        assert sync_service.sync_info(desk.clinic).pending == 0

        # A clock 7 minutes off stops sync, in red, with the reason.
        desk.clock.offset = timedelta(minutes=7)
        window.sync_now()
        qtbot.waitUntil(lambda: label.state == "error", timeout=WAIT)
        assert label.full_text.startswith("Sync stopped: This computer's clock is 7 minutes")
        assert "#b00020" in label.styleSheet()
        assert "Set the computer's date and time" in label.toolTip()
        desk.clock.offset = timedelta()
        window.sync_now()
        qtbot.waitUntil(lambda: label.state == "synced", timeout=WAIT)
    finally:
        _close(window)
        desk.clinic.close()
    assert not window.sync.running


# -- turning sync on ----------------------------------------------------------------------


def test_the_director_turns_sync_on_from_the_sync_tab(
    qtbot: Any, tmp_path: Path, hub_url: str
) -> None:
    alone = make_standalone(tmp_path)
    window = _window(qtbot, alone)
    try:
        page = window.show_feature("settings")
        assert isinstance(page, SettingsPage) and page.sync_tab is not None
        tab = page.sync_tab
        page.tabs.setCurrentWidget(tab)
        assert page.tabs.tabText(page.tabs.indexOf(tab)) == "Sync"
        qtbot.waitUntil(lambda: tab.loads >= 1, timeout=WAIT)
        assert tab.off_box.isVisible() and not tab.on_box.isVisible()
        assert tab.hub_edit.placeholderText() == ("postgresql://user:password@host:5432/clinicdesk")
        # A wrong address is a sentence; nothing changes.
        tab.hub_edit.setText("http://hub.example.com")
        tab.name_edit.setText("Front desk")
        qtbot.mouseClick(tab.enable_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.message.is_error, timeout=WAIT)
        assert "not a PostgreSQL address" in tab.message.text()
        assert not sync_service.sync_info(alone.clinic).enabled

        tab.hub_edit.setText(hub_url)
        qtbot.mouseClick(tab.enable_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.on_box.isVisible(), timeout=WAIT)
        assert not tab.message.is_error and "first workstation" in tab.message.text()
        assert tab.hub_edit.text() == ""  # the address (with its password) is not kept
        assert tab.name_value.text() == "Front desk"
        # The window starts syncing at once and sends the clinic's data.
        qtbot.waitUntil(lambda: window.sync.running, timeout=WAIT)
        qtbot.waitUntil(lambda: window.sync_label.state == "synced", timeout=WAIT)
        qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT)
        assert tab.table.item(0, 0).text() == "Front desk"
        assert tab.table.item(0, 4).text() == "This computer"
        info = sync_service.sync_info(alone.clinic)
        assert info.enabled and info.name == "Front desk"
        # Trimming the hub's log asks first, then sends a snapshot.
        asked: list[str] = []
        tab._ask = lambda title, text: asked.append(text) or True  # the person says yes
        qtbot.mouseClick(tab.compact_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Snapshot sent" in tab.message.text(), timeout=WAIT)
        assert "30 days" in asked[0] and not tab.message.is_error
        # A full resync asks, replaces the copy from that snapshot, and keeps working.
        qtbot.mouseClick(tab.resync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "up to date" in tab.message.text(), timeout=WAIT)
        assert not tab.message.is_error and len(asked) == 2
        assert sync_service.sync_info(alone.clinic).device_id != info.device_id
    finally:
        _close(window)
        alone.clinic.close()


# -- pairing and joining ------------------------------------------------------------------


def test_the_pairing_code_shown_lets_a_new_computer_join_from_the_wizard(
    qtbot: Any, tmp_path: Path, hub_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    desk = make_first(tmp_path, hub_url)
    _round(desk)
    window = _window(qtbot, desk)
    try:
        page = window.show_feature("settings")
        assert isinstance(page, SettingsPage) and page.sync_tab is not None
        tab = page.sync_tab
        page.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: tab.on_box.isVisible(), timeout=WAIT)
        dialog = tab.open_pairing_dialog()
        assert isinstance(dialog, PairingDialog)
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)  # no name yet
        qtbot.waitUntil(lambda: dialog.message.is_error, timeout=WAIT)
        assert "name people recognise" in dialog.message.text()
        dialog.name_edit.setText("Dr Wang's room")
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.shown is not None, timeout=WAIT)
        code = dialog.code_label.text()
        assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code)
        assert dialog.code_label.isVisible() and dialog.qr_label.isVisible()
        pixmap = dialog.qr_label.pixmap()
        assert not pixmap.isNull() and pixmap.width() >= 200
        assert re.search(r"until \d\d:\d\d", dialog.expiry_label.text())
        assert "Join a clinic that already syncs" in dialog.steps.text()
        dialog.copy_button.click()
        assert QGuiApplication.clipboard().text() == code
        qr_text = dialog.shown.pairing.qr_text  # type: ignore[union-attr]
        dialog.done_button.click()  # shown a moment ago: not yet laid out for a mouse click
        qtbot.waitUntil(lambda: tab.table.rowCount() == 2, timeout=WAIT)

        # The new computer: first-run setup, "Join a clinic that already syncs".
        data_dir = tmp_path / "new"
        wizard = SetupWizard(data_dir, kdf=KdfParams.floor())
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.welcome_page.join_radio.setChecked(True)
        wizard.next()
        assert wizard.currentId() == wizard_pages.JOIN
        join = wizard.join_page
        join.code_edit.setText("12345")
        assert "not a pairing code" in join.code_message.text()
        # A scanner types the QR code's text: it carries the hub address too.
        join.code_edit.setText(qr_text)
        assert join.code_edit.text() == code
        assert join.hub_edit.text() == hub_url
        join.login_edit.setText(DIRECTOR)
        join.password_edit.setText(DIRECTOR_PASSWORD)
        assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
        wizard.next()
        assert wizard.currentId() == wizard_pages.PASSPHRASE
        assert wizard.passphrase_page.title() == "This computer's passphrase"
        wizard.passphrase_page.passphrase_edit.setText(JOINER_PASSPHRASE)
        wizard.passphrase_page.confirm_edit.setText(JOINER_PASSPHRASE)
        qtbot.waitUntil(lambda: wizard.passphrase_page.isComplete(), timeout=WAIT)
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentId() == wizard_pages.KIT, timeout=60_000)
        result = wizard.result()
        assert result is not None
        assert parse_recovery_key(wizard.kit_page.key_label.text()) == parse_recovery_key(
            result.recovery_key
        )
        assert "this computer's copy" in wizard.kit_page.intro.text()
        assert wizard.clinic_name() == "示例诊所"
        wizard.kit_page.kept_box.setChecked(True)
        assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
        wizard.accept()
        joined = clinic_service.open_clinic(
            data_dir, passphrase=wizard.passphrase(), use_keyring=False
        )
        try:
            info = sync_service.sync_info(joined)
            assert info.enabled and info.name == "Dr Wang's room"
            assert joined.setting("clinic.name") == "示例诊所"
        finally:
            joined.close()
    finally:
        _close(window)
        desk.clinic.close()


def test_joining_with_a_used_code_says_so_and_sets_nothing_up(
    qtbot: Any, tmp_path: Path, pair: tuple[Station, Station]
) -> None:
    desk, _room = pair
    pairing = sync_service.create_pairing(desk.clinic, desk.director, name="Nurse")
    sync_service.join_clinic(
        tmp_path / "first",
        hub_url="",
        code=pairing.qr_text,
        passphrase=PASSPHRASE,
        director_login=DIRECTOR,
        director_password=DIRECTOR_PASSWORD,
        kdf=KdfParams.floor(),
        use_keyring=False,
    )
    data_dir = tmp_path / "second"
    wizard = SetupWizard(data_dir, kdf=KdfParams.floor())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.welcome_page.join_radio.setChecked(True)
    wizard.next()
    wizard.join_page.code_edit.setText(pairing.qr_text)
    wizard.join_page.login_edit.setText(DIRECTOR)
    wizard.join_page.password_edit.setText(DIRECTOR_PASSWORD)
    wizard.next()
    wizard.passphrase_page.passphrase_edit.setText(JOINER_PASSPHRASE)
    wizard.passphrase_page.confirm_edit.setText(JOINER_PASSPHRASE)
    qtbot.waitUntil(lambda: wizard.passphrase_page.isComplete(), timeout=WAIT)
    wizard.next()
    create = wizard.create_page
    qtbot.waitUntil(lambda: not create.running, timeout=60_000)
    assert "already used" in create.error.text()
    assert "could not join" in create.status.text()
    assert create.retry.isVisible() and wizard.result() is None
    assert not (data_dir / "clinic.db").exists()


# -- merge conflicts ----------------------------------------------------------------------


def test_the_conflicts_dialog_restores_the_lost_value(
    qtbot: Any, pair: tuple[Station, Station]
) -> None:
    desk, room = pair
    patient = _register(desk)
    _round(desk)
    _round(room)
    data = PatientInput(
        family_name="欧阳",
        given_name="娜娜",
        phone="13911112222",
        sex="F",
        birth_date=date(1988, 3, 4),
    )
    patients.update_patient(desk.clinic, desk.director, patient.id, data)
    room.clock.offset = timedelta(seconds=2)  # the room's edit is the later one
    patients.update_patient(
        room.clinic, room.director, patient.id, dataclasses.replace(data, phone="13933334444")
    )
    _round(desk)
    _round(room)
    _round(desk)
    ctx = AppContext(desk.clinic, clock=desk.clock)
    ctx.set_actor(desk.director)
    heard: list[Changes] = []
    ctx.sig_changes.connect(heard.append)
    dialog = ConflictsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        qtbot.waitUntil(lambda: dialog.loads >= 1, timeout=WAIT)
        texts = [
            [dialog.table.item(r, c).text() for c in range(5)]
            for r in range(dialog.table.rowCount())
        ]
        (row,) = [i for i, t in enumerate(texts) if t[0].startswith("Patient · phone")]
        assert texts[row][0] == "Patient · phone — 欧阳娜娜"
        assert texts[row][1] == "139 3333 4444"  # in the record now, as the desk reads it
        assert texts[row][2] == "139 1111 2222"  # lost
        assert dialog.table.item(row, 2).toolTip() == "+8613911112222"
        assert texts[row][3].endswith("at Front desk")
        assert texts[row][4].endswith("at Dr Wang's room")
        keep, restore = dialog.action_buttons[dialog.data.conflicts[row].id]  # type: ignore[union-attr]
        assert keep.isEnabled() and restore.isEnabled()
        qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.loads >= 2, timeout=WAIT)
        assert not [
            r
            for r in range(dialog.table.rowCount())
            if dialog.table.item(r, 0).text().startswith("Patient · phone")
        ]
        assert any(c.touches(Topic.PATIENTS) and c.touches(Topic.SYNC) for c in heard)
        details = patients.get_patient(desk.clinic, desk.director, patient.id)
        assert details.data.phone == "+8613911112222"
        # The restored value is an ordinary change: it reaches the room.
        _round(desk)
        _round(room)
        assert patients.get_patient(room.clinic, room.director, patient.id).data.phone == (
            "+8613911112222"
        )
    finally:
        dialog.close()
        ctx.runner.wait(10_000)


# -- needs attention ----------------------------------------------------------------------


def test_two_walk_ins_of_one_patient_at_two_desks_show_the_banner(
    qtbot: Any, pair: tuple[Station, Station]
) -> None:
    desk, room = pair
    patient = _register(desk)
    _round(desk)
    _round(room)
    # Both desks queue her while they cannot reach each other.
    for station in (desk, room):
        reception.walk_in(
            station.clinic,
            station.director,
            patient.id,
            doctor_id=None,
            identity_checked=True,
        )
    _round(desk)
    _round(room)
    _round(desk)
    ctx = AppContext(desk.clinic, clock=desk.clock)
    ctx.set_actor(desk.director)
    page = ReceptionPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    try:
        banner = page.attention
        qtbot.waitUntil(lambda: banner.loads >= 1 and page.loads >= 1, timeout=WAIT)
        assert banner.isVisible()
        assert banner.button.text().startswith("⚠ 2 items need attention")
        panel = banner.open_panel()
        sentences = panel.sentences()
        assert "欧阳娜娜 was checked in twice today" in sentences
        assert "Queue number 1 was given twice today" in sentences
        row = sentences.index("欧阳娜娜 was checked in twice today")
        button = panel.rows[row][2]
        assert button is not None and button.text() == "Show on the board"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        selected = page.selected_row()
        assert selected is not None and selected.patient_id == patient.id
        # Settling it is an ordinary change: one place is marked "left"; the list follows.
        assert selected.entry_id is not None
        written = reception.mark_left(desk.clinic, desk.director, selected.entry_id, note="")
        ctx.broadcast(written.changes)
        # Both items settle: one patient is in the queue once, so number 1 is no longer shared.
        qtbot.waitUntil(lambda: panel.sentences() == [], timeout=WAIT)
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT)
    finally:
        page.close()
        ctx.runner.wait(10_000)


def test_a_standalone_board_has_no_banner(qtbot: Any, tmp_path: Path) -> None:
    alone = make_standalone(tmp_path)
    ctx = AppContext(alone.clinic, clock=alone.clock)
    ctx.set_actor(alone.director)
    page = ReceptionPage(ctx)
    qtbot.addWidget(page)
    page.show()
    try:
        qtbot.waitUntil(lambda: page.attention.loads >= 1, timeout=WAIT)
        assert not page.attention.isVisible()
    finally:
        page.close()
        ctx.runner.wait(10_000)
        alone.clinic.close()


# -- two windows, two computers ------------------------------------------------------------


def _today_booking(desk: Station, doctor_id: Any, patient_id: Any) -> Any:
    zone = desk.clinic.timezone()
    now = desk.clinic.now().astimezone(zone)
    start = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    if start.hour == 23 and start.minute >= 50:
        start -= timedelta(minutes=10)  # stay on today
    return appointments.book(
        desk.clinic,
        desk.director,
        patient_id=patient_id,
        doctor_id=doctor_id,
        starts_at=start,
        minutes=5,
        channel="phone",
        identity_checked=True,
        override_reason="当日加号",
        confirm=appointments.CONFIRM_REASONS,
    ).value


def test_a_check_in_at_the_desk_appears_in_the_doctors_queue_without_a_refresh(
    qtbot: Any, tmp_path: Path, hub_url: str
) -> None:
    desk = make_first(tmp_path, hub_url)
    for login, name, role in (
        ("li.doc", "李医生", Role.DOCTOR),
        ("desk", "前台小王", Role.RECEPTIONIST),
    ):
        staff.add_staff(
            desk.clinic,
            desk.director,
            login=login,
            display_name=name,
            role=role,
            password=STAFF_PASSWORD,
        )
    li = staff.sign_in(desk.clinic, "li.doc", STAFF_PASSWORD)
    patient = _register(desk)
    booking = _today_booking(desk, li.staff_id, patient.id)
    _round(desk)
    room = make_joiner(tmp_path, desk, "room", name="Dr Li's room")
    desk_window = _window(qtbot, desk, "desk", STAFF_PASSWORD)
    doctor_window = _window(qtbot, room, "li.doc", STAFF_PASSWORD)
    try:
        for w in (desk_window, doctor_window):
            qtbot.waitUntil(lambda w=w: w.sync_label.state == "synced", timeout=WAIT)
        queue = doctor_window.show_feature("queue")
        assert isinstance(queue, DoctorQueuePage)
        qtbot.waitUntil(lambda: queue.loaded, timeout=WAIT)
        assert not [r for r in queue.rows if r.patient_id == patient.id]
        rounds_before = doctor_window.sync.rounds_with_changes

        # The desk checks her in (the service, then its own window hears of it, as the
        # check-in dialog does).
        desk_actor = desk_window.ctx.actor
        assert desk_actor is not None and desk_actor.login == "desk"
        written = reception.check_in(desk.clinic, desk_actor, booking.id, identity_checked=True)
        desk_window.ctx.broadcast(written.changes)

        # The doctor's "My queue" shows her, with no click and no timer (its own is 30 s).
        qtbot.waitUntil(lambda: any(r.patient_id == patient.id for r in queue.rows), timeout=WAIT)
        assert doctor_window.sync.rounds_with_changes > rounds_before
        (row,) = [r for r in queue.rows if r.patient_id == patient.id]
        assert row.queue_no == written.value.queue_no and row.status == "waiting"
    finally:
        _close(desk_window)
        _close(doctor_window)
        desk.clinic.close()
        room.clinic.close()
