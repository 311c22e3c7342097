"""The first-run setup wizard: driven end to end, bad input on every page, a folder
that cannot be written, live language switching, and the recovery kit buttons."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWizard

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.security.keys import KdfParams, parse_recovery_key
from clinic_desk.core.services import staff
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.ui.i18n import install_language
from clinic_desk.ui.setup import wizard as wizard_module
from clinic_desk.ui.setup.wizard import (
    CLINIC,
    CREATE,
    DIRECTOR,
    KIT,
    PASSPHRASE,
    PREFERRED_ZONES,
    WELCOME,
    SetupWizard,
)

PASSPHRASE_TEXT = "马跑了 青山绿水 七点钟 rain"
PASSWORD = "director-pass-1"
Button = QWizard.WizardButton


@pytest.fixture
def english(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    install_language("en")
    yield
    install_language("en")


@pytest.fixture
def make_wizard(qtbot, monkeypatch: pytest.MonkeyPatch, english: None):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CLINIC_DESK_NO_KEYRING", "1")
    # Closing after the clinic exists asks first; a modal question would hang a test.
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))

    def make(data_dir: Path) -> SetupWizard:
        w = SetupWizard(data_dir, kdf=KdfParams.floor())
        qtbot.addWidget(w)
        w.show()
        return w

    return make


@pytest.fixture
def wiz(make_wizard, tmp_path: Path) -> SetupWizard:  # type: ignore[no-untyped-def]
    return make_wizard(tmp_path / "clinic")


def next_enabled(w: SetupWizard) -> bool:
    button = w.button(Button.CommitButton if w.currentPage().isCommitPage() else Button.NextButton)
    return button.isEnabled()


def fill_clinic(w: SetupWizard, name: str = "仁和诊所", phone: str = "021-6488 1234") -> None:
    page = w.clinic_page
    page.name_edit.setText(name)
    page.address_edit.setText("上海市徐汇区漕溪北路 88 号")
    page.phone_edit.setText(phone)


def fill_director(w: SetupWizard, name: str = "王丽", login: str = "wang.li") -> None:
    page = w.director_page
    page.name_edit.setText(name)
    page.login_edit.setText(login)
    page.password_edit.setText(PASSWORD)
    page.confirm_edit.setText(PASSWORD)


def type_passphrase(qtbot, w: SetupWizard, text: str, confirm: str | None = None) -> None:  # type: ignore[no-untyped-def]
    page = w.passphrase_page
    page.passphrase_edit.setText(text)
    page.confirm_edit.setText(text if confirm is None else confirm)
    # The score is computed after a short pause in typing.
    qtbot.waitUntil(lambda: page._scored_text == page.passphrase_edit.text(), timeout=5000)


def go_to(qtbot, w: SetupWizard, page_id: int, **kw: str) -> None:  # type: ignore[no-untyped-def]
    """Fill the pages before ``page_id`` with good values and arrive on it."""
    assert w.currentId() == WELCOME
    w.next()
    if page_id == CLINIC:
        return
    fill_clinic(w, **{k: v for k, v in kw.items() if k in ("name", "phone")})
    assert next_enabled(w)
    w.next()
    if page_id == DIRECTOR:
        return
    fill_director(w, **{k.removeprefix("director_"): v for k, v in kw.items()
                        if k in ("director_name", "director_login")})
    assert next_enabled(w)
    w.next()
    assert w.currentId() == PASSPHRASE
    if page_id == PASSPHRASE:
        return
    type_passphrase(qtbot, w, PASSPHRASE_TEXT)
    assert next_enabled(w)
    w.next()
    if page_id == CREATE:
        return
    qtbot.waitUntil(lambda: w.currentId() == KIT, timeout=30_000)


# --- end to end ---------------------------------------------------------------


def test_end_to_end_creates_a_clinic_that_opens_with_the_passphrase(
    qtbot, wiz: SetupWizard, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    clinic_name, director_name = "仁和诊所 🏥", "王丽 😀"  # emoji are accepted
    go_to(qtbot, wiz, CREATE, name=clinic_name, director_name=director_name)
    # While the clinic is being created there is no way back and no cancelling.
    assert wiz.busy
    assert not wiz.button(Button.BackButton).isEnabled()
    assert not wiz.button(Button.CancelButton).isEnabled()
    wiz.reject()
    assert wiz.isVisible()

    qtbot.waitUntil(lambda: wiz.currentId() == KIT, timeout=30_000)
    data_dir = tmp_path / "clinic"
    assert (data_dir / "clinic.db").is_file()
    assert (data_dir / "clinic.key").is_file()
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".setup-")]

    result = wiz.result()
    assert result is not None
    shown = wiz.kit_page.key_label.text()
    assert parse_recovery_key(shown) == parse_recovery_key(result.recovery_key)
    assert QFontInfo(wiz.kit_page.key_label.font()).fixedPitch()
    assert "cannot be recovered by anyone" in wiz.kit_page.warning.text()

    finish = wiz.button(Button.FinishButton)
    assert not finish.isEnabled()
    assert not wiz.button(Button.BackButton).isVisible()
    wiz.kit_page.kept_box.setChecked(True)
    assert finish.isEnabled()
    wiz.kit_page.kept_box.setChecked(False)
    assert not finish.isEnabled()
    wiz.kit_page.kept_box.setChecked(True)
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert not wiz.isVisible()
    assert wiz.passphrase() == PASSPHRASE_TEXT

    clinic = open_clinic(data_dir, passphrase=wiz.passphrase(), use_keyring=False)
    try:
        assert clinic.setting("clinic.name") == clinic_name
        assert clinic.setting("clinic.timezone") == "Asia/Shanghai"
        assert clinic.setting("clinic.language") == "en"
        assert clinic.setting("clinic.phone") == "021-6488 1234"
        actor = staff.sign_in(clinic, "wang.li", PASSWORD)
        assert actor.display_name == director_name
    finally:
        clinic.close()


# --- bad input ------------------------------------------------------------------


def test_empty_passphrase_keeps_next_disabled(qtbot, wiz: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    go_to(qtbot, wiz, PASSPHRASE)
    type_passphrase(qtbot, wiz, "")
    assert not next_enabled(wiz)
    wiz.next()  # even forced, the page refuses to be left
    assert wiz.currentId() == PASSPHRASE


def test_weak_passphrase_is_explained(qtbot, wiz: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    go_to(qtbot, wiz, PASSPHRASE)
    type_passphrase(qtbot, wiz, "password123")
    page = wiz.passphrase_page
    assert not next_enabled(wiz)
    assert page.meter.value() <= 1
    assert page.strength_label.text() in {"Very weak", "Weak"}
    assert page.problems_label.isVisible()
    assert "Too easy to guess" in page.problems_label.text()


def test_passphrase_made_of_the_clinic_name_is_refused(qtbot, wiz: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    go_to(qtbot, wiz, PASSPHRASE, name="Renhe Family Clinic")
    type_passphrase(qtbot, wiz, "Renhe Family Clinic zebra umbrella")
    assert not next_enabled(wiz)
    assert "clinic's name" in wiz.passphrase_page.problems_label.text()


def test_mismatched_confirmation_says_so(qtbot, wiz: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    go_to(qtbot, wiz, PASSPHRASE)
    type_passphrase(qtbot, wiz, PASSPHRASE_TEXT, confirm=PASSPHRASE_TEXT + "!")
    page = wiz.passphrase_page
    assert page.strength is not None and page.strength.acceptable
    assert page.strength_label.text() in {"Strong", "Very strong"}
    assert not next_enabled(wiz)
    assert page.confirm_message.isVisible()
    assert "not the same" in page.confirm_message.text()
    page.confirm_edit.setText(PASSPHRASE_TEXT)
    assert not page.confirm_message.isVisible()
    assert next_enabled(wiz)


def test_strength_is_recomputed_as_the_person_types(qtbot, wiz: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    go_to(qtbot, wiz, PASSPHRASE)
    type_passphrase(qtbot, wiz, PASSPHRASE_TEXT)
    assert next_enabled(wiz)
    page = wiz.passphrase_page
    page.passphrase_edit.setText("abc")
    assert not next_enabled(wiz)  # at once, before the new score arrives
    qtbot.waitUntil(lambda: page._scored_text == "abc", timeout=5000)
    assert "at least 10 characters" in page.problems_label.text()


def test_ten_thousand_characters_do_not_freeze_or_crash(qtbot, wiz: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    huge = "诊" * 10_000
    wiz.next()
    page = wiz.clinic_page
    for edit in (page.name_edit, page.address_edit, page.phone_edit):
        edit.setText(huge)
        assert len(edit.text()) <= 500
    assert len(page.name_edit.text()) == 200
    assert "cut at 200" in page.name_message.text()
    page.phone_edit.setText("")
    assert next_enabled(wiz)  # a 200-character name is allowed
    wiz.next()
    director = wiz.director_page
    for edit in (director.name_edit, director.login_edit, director.password_edit,
                 director.confirm_edit):
        edit.setText("x" * 10_000)
        assert len(edit.text()) <= 256
    director.login_edit.setText("wang.li")
    assert next_enabled(wiz)
    wiz.next()
    type_passphrase(qtbot, wiz, "y" * 10_000)
    passphrase = wiz.passphrase_page
    assert len(passphrase.passphrase_edit.text()) == 1024
    assert not next_enabled(wiz)
    assert passphrase.problems_label.text()


def test_clinic_page_checks_name_and_time_zone(wiz: SetupWizard) -> None:
    wiz.next()
    page = wiz.clinic_page
    assert page.zone_combo.currentText() == "Asia/Shanghai"
    assert [page.zone_combo.itemText(i) for i in range(4)] == list(PREFERRED_ZONES)
    assert not next_enabled(wiz)
    assert not page.name_message.isVisible()  # nothing typed yet: no scolding
    page.name_edit.setText("   ")
    assert "clinic name is empty" in page.name_message.text()
    page.name_edit.setText("仁和诊所 🏥")
    assert not page.name_message.isVisible()
    assert next_enabled(wiz)
    page.zone_combo.setCurrentText("Mars/Olympus")
    assert not next_enabled(wiz)
    assert "time zone" in page.zone_message.text()
    page.zone_combo.setCurrentText("Asia/Taipei")
    assert next_enabled(wiz)


def test_director_page_checks_login_and_password(wiz: SetupWizard) -> None:
    wiz.next()
    fill_clinic(wiz)
    wiz.next()
    page = wiz.director_page
    assert not next_enabled(wiz)
    fill_director(wiz, name="王丽 😀", login="王丽")
    assert not next_enabled(wiz)
    assert "letters a-z" in page.login_message.text()
    page.login_edit.setText("Wang.Li.2026")
    assert not page.login_message.isVisible()
    page.password_edit.setText("WANG.LI.2026")
    assert "same as the user name" in page.password_message.text()
    page.password_edit.setText("short")
    assert "too short" in page.password_message.text()
    page.password_edit.setText(PASSWORD)
    page.confirm_edit.setText(PASSWORD + "x")
    assert "not the same" in page.confirm_message.text()
    assert not next_enabled(wiz)
    page.confirm_edit.setText(PASSWORD)
    assert not page.confirm_message.isVisible()
    assert next_enabled(wiz)
    assert wiz.values().director_name == "王丽 😀"


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "read-only"
    target.mkdir()
    if os.geteuid() == 0:
        # root ignores permission bits: only a read-only mount really refuses writes.
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(target)],
            capture_output=True, check=False,
        )
        if done.returncode != 0:
            pytest.skip("mounting a read-only tmpfs is not permitted here")
        try:
            yield target
        finally:
            subprocess.run(["umount", str(target)], check=False)
    else:
        target.chmod(0o555)
        try:
            yield target
        finally:
            target.chmod(0o755)


def test_unwritable_folder_shows_the_sentence_and_back_works(
    qtbot, make_wizard, read_only_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    w = make_wizard(read_only_dir)
    go_to(qtbot, w, CREATE)
    page = w.create_page
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    assert w.currentId() == CREATE
    assert w.result() is None
    assert page.error.isVisible()
    assert "cannot write in" in page.error.text()
    assert str(read_only_dir) in page.error.text()
    assert page.retry.isVisible()
    assert not next_enabled(w)
    assert w.button(Button.BackButton).isEnabled()
    assert w.button(Button.CancelButton).isEnabled()
    assert list(read_only_dir.iterdir()) == []  # nothing half-made

    page.retry.click()  # still not writable: the same sentence again
    qtbot.waitUntil(lambda: not page.running and page.error.isVisible(), timeout=30_000)

    w.back()
    assert w.currentId() == PASSPHRASE
    assert w.passphrase_page.passphrase_edit.text() == PASSPHRASE_TEXT  # kept
    assert next_enabled(w)


# --- language -------------------------------------------------------------------


def test_switching_language_on_the_first_page_retranslates(
    qtbot, wiz: SetupWizard, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    calls: list[str] = []
    original = wiz.retranslate

    def counting() -> None:
        calls.append(wiz.welcome_page.language)
        original()

    monkeypatch.setattr(wiz, "retranslate", counting)
    page = wiz.welcome_page
    page.radios["zh_CN"].click()
    assert page.language == "zh_CN"
    assert calls and calls[-1] == "zh_CN"
    page.radios["en"].click()
    assert page.language == "en"
    assert calls[-1] == "en"
    assert wiz.windowTitle() == "Set up ClinicDesk"
    assert page.title() == "Welcome to ClinicDesk"
    assert wiz.button(Button.NextButton).text() == "Next >"
    assert not page.language_message.isVisible()


class Pseudo(QTranslator):
    """Wraps every text in « », so a test sees which texts were translated live."""

    def translate(self, context, source, disambiguation=None, n=-1):  # type: ignore[no-untyped-def]
        if context in {"QGuiApplication", "QWidgetTextControl", "QLineEdit"}:
            return ""
        return f"«{source}»"

    def isEmpty(self) -> bool:
        return False


def test_every_page_follows_a_language_change(qtbot, wiz: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    wiz.next()
    wiz.clinic_page.name_edit.setText(" ")  # an inline sentence, from the core's Errors
    pseudo = Pseudo()
    QCoreApplication.installTranslator(pseudo)
    try:
        qtbot.waitUntil(lambda: wiz.windowTitle() == "«Set up ClinicDesk»", timeout=5000)
        assert wiz.clinic_page.title() == "«Your clinic»"
        assert wiz.clinic_page.name_label.text() == "«Clinic name»"
        assert wiz.clinic_page.name_message.text().startswith("«The clinic name is empty")
        assert wiz.director_page.login_label.text() == "«User name»"
        assert wiz.passphrase_page.title() == "«The clinic passphrase»"
        assert wiz.create_page.title() == "«Creating the clinic»"
        assert wiz.kit_page.save_button.text() == "«Save as PDF…»"
        assert wiz.button(Button.NextButton).text() == "«Next >»"
    finally:
        QCoreApplication.removeTranslator(pseudo)
    qtbot.waitUntil(lambda: wiz.windowTitle() == "Set up ClinicDesk", timeout=5000)
    assert wiz.kit_page.save_button.text() == "Save as PDF…"


# --- the recovery kit -----------------------------------------------------------


@pytest.fixture
def at_kit(qtbot, wiz: SetupWizard) -> SetupWizard:  # type: ignore[no-untyped-def]
    go_to(qtbot, wiz, KIT)
    return wiz


def test_save_as_pdf_writes_the_kit(
    qtbot, at_kit: SetupWizard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    target = tmp_path / "kit"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    page = at_kit.kit_page
    page.save_button.click()
    saved = tmp_path / "kit.pdf"
    qtbot.waitUntil(saved.exists, timeout=20_000)
    reader = pypdf.PdfReader(saved)
    assert len(reader.pages) == 1
    result = at_kit.result()
    assert result is not None
    text = reader.pages[0].extract_text()
    assert result.recovery_key[:4] in text
    assert saved.stat().st_mode & 0o077 == 0  # a secret: owner only
    assert str(saved) in page.status.text()


def test_print_opens_the_preview_with_the_kit(
    qtbot, at_kit: SetupWizard, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    shown: list[tuple[bytes, str]] = []

    def fake_preview(parent, pdf, *, title):  # type: ignore[no-untyped-def]
        shown.append((pdf, title))
        return True

    monkeypatch.setattr(wizard_module, "preview_and_print_pdf", fake_preview)
    page = at_kit.kit_page
    page.print_button.click()
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    pdf, title = shown[0]
    assert pdf.startswith(b"%PDF") and title == "Recovery kit"
    assert "sent to the printer" in page.status.text()
    page.print_button.click()  # built once, reused
    assert len(shown) == 2 and shown[1][0] is pdf


def test_kit_problems_are_sentences(
    qtbot, at_kit: SetupWizard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    def broken(**_kw: object) -> bytes:
        raise ValidationError("The font file {path} is missing.", path="x.ttf")

    original = wizard_module._kit_pdf
    monkeypatch.setattr(wizard_module, "_kit_pdf", broken)
    page = at_kit.kit_page
    page.save_button.click()
    qtbot.waitUntil(lambda: "font file x.ttf" in page.status.text(), timeout=20_000)
    assert page.save_button.isEnabled()

    monkeypatch.setattr(wizard_module, "_kit_pdf", original)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "no" / "such" / "k.pdf"), "")))
    page.save_button.click()
    qtbot.waitUntil(lambda: "problem with a file" in page.status.text(), timeout=20_000)


def test_closing_on_the_kit_page_asks_first(
    at_kit: SetupWizard, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(parent, title, text, *a):  # type: ignore[no-untyped-def]
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    at_kit.reject()
    assert at_kit.isVisible() and len(asked) == 1
    at_kit.reject()
    assert not at_kit.isVisible()
    assert "shown only on this page" in asked[0]
