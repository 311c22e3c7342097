"""First run: the setup wizard that creates the clinic and hands over its recovery kit.

Pages: language, clinic, director's account, clinic passphrase, creation (off the
GUI thread), recovery kit. Or, for another computer of a clinic that already
syncs (issue 7): language, joining (hub, pairing code, the director's sign-in),
this computer's passphrase, joining (``join_clinic``, off the GUI thread on the
wizard's runner), recovery kit. Every text is set in a page's ``retranslate()`` so a
language chosen on the first page takes effect at once. Checks are the core's own
(``check_clinic_name``, ``normalize_login``, ``check_new_password``, the passphrase
rules), shown as sentences under the field; "Next" stays disabled until a page is
right.
"""

from __future__ import annotations

import io
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import ClinicError
from clinic_desk.core.printing.recovery_kit import build_recovery_kit
from clinic_desk.core.rules import passphrase as passphrase_rules
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.security.passwords import MAX_PASSWORD_CHARS, check_new_password
from clinic_desk.core.services.clinic import (
    MAX_CLINIC_NAME,
    SetupResult,
    check_clinic_name,
    open_clinic,
    setup_clinic,
)
from clinic_desk.core.services.staff import MAX_LOGIN, normalize_login
from clinic_desk.core.services.sync import join_clinic, parse_pairing_text
from clinic_desk.core.sync.hub import checked_url
from clinic_desk.core.sync.pairing import parse_code
from clinic_desk.core.tasks import TaskState
from clinic_desk.ui.errors import error_text, translate_core
from clinic_desk.ui.i18n import LANGUAGE_NAMES, LANGUAGES, install_language, system_language
from clinic_desk.ui.operations.runner import Operation, Runner
from clinic_desk.ui.printing.preview import preview_and_print_pdf, save_pdf_as

PREFERRED_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Macau")
MAX_DISPLAY_NAME = 200
MAX_ADDRESS = settings_catalog.BY_KEY["clinic.address"].max_length
MAX_PHONE = settings_catalog.BY_KEY["clinic.phone"].max_length
MAX_ZONE = settings_catalog.BY_KEY["clinic.timezone"].max_length
ASSESS_DELAY_MS = 150  # scoring a long passphrase takes ~0.1 s: wait for a pause in typing
ERROR_STYLE = "color: #b00020;"
HINT_STYLE = "color: palette(placeholder-text);"
STRENGTH_COLOURS = ("#c62828", "#d84315", "#b26a00", "#2e7d32", "#1b5e20")  # score 0..4

# Page ids, in order (JOIN comes after the welcome page when joining a clinic that syncs).
WELCOME, CLINIC, DIRECTOR, PASSPHRASE, CREATE, KIT, JOIN = range(7)
HUB_PLACEHOLDER = "postgresql://user:password@host:5432/clinicdesk"
MAX_HUB_URL = 1000
MAX_CODE_TEXT = 2000  # a scanned QR code carries the hub address too


@dataclass(frozen=True)
class SetupInput:
    """What the person typed, as ``setup_clinic`` takes it."""

    clinic_name: str
    address: str
    phone: str
    timezone: str
    language: str
    director_name: str
    director_login: str
    director_password: str
    passphrase: str
    passphrase_confirmation: str


@dataclass(frozen=True)
class JoinInput:
    """What the person typed to join a clinic that already syncs, as ``join_clinic`` takes it."""

    hub_url: str
    code: str
    director_login: str
    director_password: str
    passphrase: str
    passphrase_confirmation: str


@dataclass(frozen=True)
class Joined:
    result: SetupResult
    clinic_name: str


def join_and_read_name(
    data_dir: Path, *, values: JoinInput, kdf: KdfParams | None, state: TaskState | None = None
) -> Joined:
    """On the worker thread: join, then open the new copy once for the clinic's name
    (printed on the recovery kit). ``state`` carries the join's progress and cancel."""
    result = join_clinic(
        data_dir,
        hub_url=values.hub_url,
        code=values.code,
        passphrase=values.passphrase,
        passphrase_confirmation=values.passphrase_confirmation,
        director_login=values.director_login,
        director_password=values.director_password,
        kdf=kdf,
        state=state,
    )
    name = ""
    try:
        clinic = open_clinic(data_dir, passphrase=values.passphrase, use_keyring=False)
    except ClinicError:
        return Joined(result, name)
    try:
        name = str(clinic.setting("clinic.name"))
    finally:
        clinic.close()
    return Joined(result, name)


def zone_names() -> list[str]:
    """Time zones for the list: the Chinese-speaking regions first, then the rest A-Z."""
    available = {
        z
        for z in zoneinfo.available_timezones()
        if not z.startswith(("posix", "right/", "Etc/")) and z not in {"Factory", "localtime"}
    }
    rest = sorted(available - set(PREFERRED_ZONES) - {"UTC"})
    return [*PREFERRED_ZONES, "UTC", *rest]


def current_language() -> str:
    """The language the interface shows now (set by ``install_language``), else the system's."""
    name = QLocale().name()
    if name in LANGUAGES:
        return name
    if name == "en_US":
        return "en"
    return system_language()


def message_label(parent: QWidget, *, error: bool = True) -> QLabel:
    """A sentence under a field; hidden while empty so it takes no room."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE if error else HINT_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def with_message(edit: QWidget, message: QLabel) -> QWidget:
    """The field with its sentence underneath, as one form cell."""
    box = QWidget(edit.parentWidget())
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(edit)
    column.addWidget(message)
    return box


def wrapped(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    return label


def _kit_pdf(*, clinic_name: str, clinic_id: str, recovery_key: str, created_at: datetime) -> bytes:
    buf = io.BytesIO()
    build_recovery_kit(
        buf,
        clinic_name=clinic_name,
        clinic_id=clinic_id,
        recovery_key=recovery_key,
        created_at=created_at,
        translate=translate_core,
    )
    return buf.getvalue()


def _safe_file_name(text: str, limit: int = 60) -> str:
    """Something every file system accepts: no path or reserved characters, not too long."""
    cleaned = "".join(
        " " if ch in '<>:"/\\|?*' or unicodedata.category(ch).startswith("C") else ch for ch in text
    )
    return " ".join(cleaned.split())[:limit].strip(" .")


class _Page(QWizardPage):
    """Re-runs ``retranslate()`` when the interface language changes.

    Subclasses call ``self.tr`` only in their own body (PySide takes the context
    from the object's class, lupdate from the class the call is written in).
    """

    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        self.setup = setup

    def retranslate(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def validatePage(self) -> bool:
        # QWizard.next() does not look at isComplete(); Enter or a script must not skip a check.
        return self.isComplete()


class WelcomePage(_Page):
    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        layout = QVBoxLayout(self)
        self.intro = wrapped(self)
        layout.addWidget(self.intro)
        layout.addSpacing(8)
        self.language_label = QLabel(self)
        font = QFont(self.language_label.font())
        font.setBold(True)
        self.language_label.setFont(font)
        layout.addWidget(self.language_label)
        self.buttons = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        row = QHBoxLayout()
        for code in LANGUAGES:
            radio = QRadioButton(LANGUAGE_NAMES[code], self)  # each in its own script
            radio.setObjectName(f"language_{code}")
            self.radios[code] = radio
            self.buttons.addButton(radio)
            row.addWidget(radio)
        row.addStretch(1)
        layout.addLayout(row)
        self.language_message = message_label(self, error=False)
        layout.addWidget(self.language_message)
        layout.addSpacing(8)
        self.mode_label = QLabel(self)
        self.mode_label.setFont(font)
        layout.addWidget(self.mode_label)
        self.modes = QButtonGroup(self)
        self.new_radio = QRadioButton(self)
        self.new_radio.setObjectName("modeNew")
        self.join_radio = QRadioButton(self)
        self.join_radio.setObjectName("modeJoin")
        self.new_radio.setChecked(True)
        self.modes.addButton(self.new_radio)
        self.modes.addButton(self.join_radio)
        layout.addWidget(self.new_radio)
        layout.addWidget(self.join_radio)
        self.join_hint = message_label(self, error=False)
        self.join_hint.show()
        self.join_hint.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(self.join_hint)
        layout.addStretch(1)
        self.language = current_language()
        self.radios[self.language].setChecked(True)
        self._missing: str | None = None
        self.buttons.buttonToggled.connect(self._toggled)
        self.retranslate()

    def _toggled(self, radio: QRadioButton, on: bool) -> None:
        if on:
            self.choose_language(radio.objectName().removeprefix("language_"))

    def choose_language(self, code: str) -> None:
        """Switch the whole interface now; the clinic is created with this language too."""
        if not self.radios[code].isChecked():
            self.radios[code].setChecked(True)  # comes back here through buttonToggled
            return
        self.language = code
        ok = install_language(code)
        self._missing = None if ok else code
        self.setup.retranslate_all()

    def joining(self) -> bool:
        return self.join_radio.isChecked()

    def nextId(self) -> int:
        return JOIN if self.joining() else CLINIC

    def retranslate(self) -> None:
        self.setTitle(self.tr("Welcome to ClinicDesk"))
        self.mode_label.setText(self.tr("This computer"))
        self.new_radio.setText(self.tr("Set up a new clinic"))
        self.join_radio.setText(self.tr("Join a clinic that already syncs"))
        self.join_hint.setText(
            self.tr(
                "For another computer of a clinic whose first workstation already syncs: "
                "you need the hub address and a pairing code from that workstation "
                "(Settings → Sync → Add a workstation), and the director's user name and "
                "password."
            )
        )
        self.intro.setText(
            self.tr(
                "This assistant sets up ClinicDesk for your clinic on this computer. It "
                "takes about five minutes. You will need the clinic's name and address, a "
                "user name and password for the director, and a clinic passphrase. At the "
                "end you print the clinic's recovery kit, so have a printer ready or save "
                "it as a PDF."
            )
        )
        self.language_label.setText(self.tr("Language"))
        show_message(
            self.language_message,
            self.tr(
                "The translation files are missing, so the texts stay in English. "
                "Reinstall ClinicDesk to fix this."
            )
            if self._missing
            else "",
        )


class ClinicPage(_Page):
    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        layout = QVBoxLayout(self)
        self.intro = wrapped(self)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        layout.addStretch(1)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("clinicName")
        self.name_edit.setMaxLength(MAX_CLINIC_NAME)
        self.name_message = message_label(self)
        self.address_edit = QLineEdit(self)
        self.address_edit.setMaxLength(MAX_ADDRESS)
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setMaxLength(MAX_PHONE)
        self.zone_combo = QComboBox(self)
        self.zone_combo.setEditable(True)
        self.zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zones = zone_names()
        self.zone_combo.addItems(self.zones)
        self.zone_combo.setMaxVisibleItems(15)
        zone_edit = self.zone_combo.lineEdit()
        assert zone_edit is not None
        zone_edit.setMaxLength(MAX_ZONE)
        completer = QCompleter(self.zones, self.zone_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone_combo.setCompleter(completer)
        self.zone_combo.setCurrentText("Asia/Shanghai")
        self.zone_message = message_label(self)

        self.name_label, self.address_label = QLabel(self), QLabel(self)
        self.phone_label, self.zone_label = QLabel(self), QLabel(self)
        form.addRow(self.name_label, with_message(self.name_edit, self.name_message))
        form.addRow(self.address_label, self.address_edit)
        form.addRow(self.phone_label, self.phone_edit)
        form.addRow(self.zone_label, with_message(self.zone_combo, self.zone_message))

        self._touched = False
        self.name_edit.textChanged.connect(self._changed)
        self.zone_combo.currentTextChanged.connect(self._changed)
        self.retranslate()

    def _changed(self) -> None:
        self._touched = self._touched or bool(self.name_edit.text())
        self._check()
        self.completeChanged.emit()

    def name_problem(self) -> str:
        try:
            check_clinic_name(self.name_edit.text())
        except ClinicError as error:
            return error_text(error)
        return ""

    def zone_ok(self) -> bool:
        return self.zone_combo.currentText().strip() in self.zones

    def _check(self) -> None:
        problem = self.name_problem() if self._touched else ""
        if not problem and len(self.name_edit.text()) >= MAX_CLINIC_NAME:
            problem = self.tr("The name was cut at {n} characters: check its end.").format(
                n=MAX_CLINIC_NAME
            )
        show_message(self.name_message, problem)
        show_message(
            self.zone_message,
            ""
            if self.zone_ok()
            else self.tr("Choose a time zone from the list, such as Asia/Shanghai."),
        )

    def isComplete(self) -> bool:
        return not self.name_problem() and self.zone_ok()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Your clinic"))
        self.intro.setText(
            self.tr(
                "The clinic's name is printed on receipts, cards and the recovery kit. "
                "The address and phone can be filled in later in Settings."
            )
        )
        self.name_label.setText(self.tr("Clinic name"))
        self.address_label.setText(self.tr("Address"))
        self.phone_label.setText(self.tr("Phone"))
        self.zone_label.setText(self.tr("Time zone"))
        self.name_edit.setPlaceholderText(self.tr("e.g. 仁和诊所"))
        self._check()


class DirectorPage(_Page):
    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        layout = QVBoxLayout(self)
        self.intro = wrapped(self)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        layout.addStretch(1)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("directorName")
        self.name_edit.setMaxLength(MAX_DISPLAY_NAME)
        self.login_edit = QLineEdit(self)
        self.login_edit.setObjectName("directorLogin")
        self.login_edit.setMaxLength(MAX_LOGIN)
        self.login_message = message_label(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setMaxLength(MAX_PASSWORD_CHARS)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_message = message_label(self)
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setMaxLength(MAX_PASSWORD_CHARS)
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_message = message_label(self)

        self.name_label, self.login_label = QLabel(self), QLabel(self)
        self.password_label, self.confirm_label = QLabel(self), QLabel(self)
        form.addRow(self.name_label, self.name_edit)
        form.addRow(self.login_label, with_message(self.login_edit, self.login_message))
        form.addRow(self.password_label, with_message(self.password_edit, self.password_message))
        form.addRow(self.confirm_label, with_message(self.confirm_edit, self.confirm_message))

        self._touched: set[QLineEdit] = set()
        for edit in (self.login_edit, self.password_edit, self.confirm_edit):
            edit.textChanged.connect(lambda _t, edit=edit: self._changed(edit))
        self.retranslate()

    def _changed(self, edit: QLineEdit) -> None:
        if edit.text():
            self._touched.add(edit)
        self._check()
        self.completeChanged.emit()

    def login(self) -> str:
        """The login as it will be stored, or the raw text while it is not valid."""
        try:
            return normalize_login(self.login_edit.text())
        except ClinicError:
            return self.login_edit.text()

    def problems(self) -> tuple[str, str, str]:
        """Sentences for the login, the password and the confirmation ("" = fine)."""
        login = password = confirm = ""
        try:
            normalize_login(self.login_edit.text())
        except ClinicError as error:
            login = error_text(error)
        try:
            check_new_password(self.password_edit.text(), login=self.login())
        except ClinicError as error:
            password = error_text(error)
        if self.confirm_edit.text() != self.password_edit.text():
            confirm = self.tr("The two passwords are not the same. Type the same password twice.")
        return login, password, confirm

    def _check(self) -> None:
        login, password, confirm = self.problems()
        show_message(self.login_message, login if self.login_edit in self._touched else "")
        show_message(self.password_message, password if self.password_edit in self._touched else "")
        show_message(self.confirm_message, confirm if self.confirm_edit in self._touched else "")

    def isComplete(self) -> bool:
        return not any(self.problems())

    def retranslate(self) -> None:
        self.setTitle(self.tr("The director's account"))
        self.intro.setText(
            self.tr(
                "The director manages the clinic in ClinicDesk: staff accounts, settings "
                "and keys. Everyone signs in with their own user name; the director adds "
                "the other staff later."
            )
        )
        self.name_label.setText(self.tr("Director's name"))
        self.login_label.setText(self.tr("User name"))
        self.password_label.setText(self.tr("Password"))
        self.confirm_label.setText(self.tr("Password again"))
        self.name_edit.setPlaceholderText(self.tr("e.g. 王丽"))
        self.login_edit.setPlaceholderText(self.tr("e.g. wang.li (letters a-z and digits)"))
        self._check()


class JoinPage(_Page):
    """The hub, the pairing code (typed, or a scanned QR code's text) and the director."""

    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        layout = QVBoxLayout(self)
        self.intro = wrapped(self)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        layout.addStretch(1)

        self.hub_edit = QLineEdit(self)
        self.hub_edit.setObjectName("joinHub")
        self.hub_edit.setMaxLength(MAX_HUB_URL)
        self.hub_edit.setPlaceholderText(HUB_PLACEHOLDER)
        self.hub_message = message_label(self)
        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("joinCode")
        self.code_edit.setMaxLength(MAX_CODE_TEXT)
        self.code_message = message_label(self)
        self.login_edit = QLineEdit(self)
        self.login_edit.setObjectName("joinLogin")
        self.login_edit.setMaxLength(MAX_LOGIN)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("joinPassword")
        self.password_edit.setMaxLength(MAX_PASSWORD_CHARS)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)

        self.hub_label, self.code_label = QLabel(self), QLabel(self)
        self.login_label, self.password_label = QLabel(self), QLabel(self)
        form.addRow(self.hub_label, with_message(self.hub_edit, self.hub_message))
        form.addRow(self.code_label, with_message(self.code_edit, self.code_message))
        form.addRow(self.login_label, self.login_edit)
        form.addRow(self.password_label, self.password_edit)

        self._touched: set[QLineEdit] = set()
        self.code_edit.textChanged.connect(self._code_changed)
        for edit in (self.hub_edit, self.login_edit, self.password_edit):
            edit.textChanged.connect(lambda _t, edit=edit: self._changed(edit))
        self.retranslate()

    def nextId(self) -> int:
        return PASSPHRASE

    def _code_changed(self, text: str) -> None:
        # A scanner types the QR code's text: the hub address and the code, split here.
        hub_url, code = self._parsed(text)
        if hub_url is not None:
            self.code_edit.blockSignals(True)
            self.code_edit.setText(code)
            self.code_edit.blockSignals(False)
            self.hub_edit.setText(hub_url)
        self._changed(self.code_edit)

    @staticmethod
    def _parsed(text: str) -> tuple[str | None, str]:
        try:
            return parse_pairing_text(text)
        except ClinicError:
            return None, text

    def _changed(self, edit: QLineEdit) -> None:
        if edit.text():
            self._touched.add(edit)
        self._check()
        self.completeChanged.emit()

    def problems(self) -> tuple[str, str]:
        """Sentences for the hub address and the code ("" = fine)."""
        hub = code = ""
        try:
            checked_url(self.hub_edit.text())
        except ClinicError as error:
            hub = error_text(error)
        try:
            _url, typed = parse_pairing_text(self.code_edit.text())
            parse_code(typed)
        except ClinicError as error:
            code = error_text(error)
        return hub, code

    def _check(self) -> None:
        hub, code = self.problems()
        show_message(self.hub_message, hub if self.hub_edit in self._touched else "")
        show_message(self.code_message, code if self.code_edit in self._touched else "")

    def isComplete(self) -> bool:
        return (
            not any(self.problems())
            and bool(self.login_edit.text().strip())
            and bool(self.password_edit.text())
        )

    def login(self) -> str:
        try:
            return normalize_login(self.login_edit.text())
        except ClinicError:
            return self.login_edit.text().strip()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Join a clinic that already syncs"))
        self.intro.setText(
            self.tr(
                "On a computer that already syncs, the director opens Settings → Sync → "
                "Add a workstation, which shows a pairing code and a QR code. Type the "
                "hub address and the code here, or scan the QR code into the code field. "
                "The director then signs in here once to confirm."
            )
        )
        self.hub_label.setText(self.tr("Hub address"))
        self.code_label.setText(self.tr("Pairing code"))
        self.code_edit.setPlaceholderText(self.tr("e.g. 7KQ2M-XW4PD-9RTZB-H3N6C"))
        self.login_label.setText(self.tr("Director's user name"))
        self.password_label.setText(self.tr("Director's password"))
        self._check()


class PassphrasePage(_Page):
    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        layout = QVBoxLayout(self)
        self.intro = wrapped(self)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        layout.addStretch(1)

        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setObjectName("passphrase")
        self.passphrase_edit.setMaxLength(passphrase_rules.MAX_CHARS)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = QProgressBar(self)
        self.meter.setObjectName("strengthMeter")
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
        self.meter.setFixedHeight(10)
        self.strength_label = QLabel(self)
        self.strength_label.setObjectName("strengthLabel")
        meter_row = QWidget(self)
        row = QHBoxLayout(meter_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.meter, 1)
        row.addWidget(self.strength_label)
        self.problems_label = message_label(self)
        self.problems_label.setObjectName("strengthProblems")
        strength_box = QWidget(self)
        column = QVBoxLayout(strength_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.passphrase_edit)
        column.addWidget(meter_row)
        column.addWidget(self.problems_label)
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setMaxLength(passphrase_rules.MAX_CHARS)
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_message = message_label(self)
        self.show_box = QCheckBox(self)

        self.passphrase_label, self.confirm_label = QLabel(self), QLabel(self)
        form.addRow(self.passphrase_label, strength_box)
        form.addRow(self.confirm_label, with_message(self.confirm_edit, self.confirm_message))
        form.addRow("", self.show_box)

        self.strength: passphrase_rules.Strength | None = None  # None: not scored yet
        self._scored_text: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(ASSESS_DELAY_MS)
        self._timer.timeout.connect(self.assess_now)
        self.passphrase_edit.textChanged.connect(self._passphrase_changed)
        self.confirm_edit.textChanged.connect(self._confirm_changed)
        self.show_box.toggled.connect(self._show_toggled)
        self.retranslate()

    def initializePage(self) -> None:
        # The clinic's name, login and phone may have changed: score again against them.
        self.retranslate()  # a new clinic or joining one: the intro differs
        self.assess_now()

    def avoid(self) -> tuple[str, ...]:
        """The words the passphrase must not lean on, as ``setup_clinic`` checks them."""
        if self.setup.joining():
            return (self.setup.join_page.login(),)  # as ``join_clinic`` checks it
        name = unicodedata.normalize("NFC", self.setup.clinic_page.name_edit.text()).strip()
        phone = self.setup.clinic_page.phone_edit.text().strip()
        return (name, self.setup.director_page.login(), phone)

    def _passphrase_changed(self) -> None:
        self._scored_text = None  # "Next" waits for the new score
        self.completeChanged.emit()
        self._timer.start()
        self._show_confirm()

    def _confirm_changed(self) -> None:
        self._show_confirm()
        self.completeChanged.emit()

    def _show_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase_edit.setEchoMode(mode)
        self.confirm_edit.setEchoMode(mode)

    def assess_now(self) -> None:
        self._timer.stop()
        text = self.passphrase_edit.text()
        self.strength = assess(text, avoid=self.avoid())
        self._scored_text = text
        self._show_strength()
        self.completeChanged.emit()

    def _show_strength(self) -> None:
        strength = self.strength
        typed = bool(self.passphrase_edit.text())
        if strength is None or not typed:
            self.meter.setValue(0)
            self.strength_label.setText("")
            show_message(self.problems_label, "")
            return
        score = strength.score
        self.meter.setValue(score)
        colour = STRENGTH_COLOURS[score]
        self.meter.setStyleSheet(
            f"QProgressBar {{ border: 1px solid #999; border-radius: 3px; }}"
            f"QProgressBar::chunk {{ background: {colour}; }}"
        )
        self.strength_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.strength_label.setText(QCoreApplication.translate("Passphrase", strength.label))
        show_message(
            self.problems_label,
            "\n".join(
                QCoreApplication.translate("Passphrase", template).format(**params)
                for template, params in strength.problems
            ),
        )

    def _show_confirm(self) -> None:
        confirm = self.confirm_edit.text()
        show_message(
            self.confirm_message,
            self.tr("The two passphrases are not the same. Type the same passphrase twice.")
            if confirm and confirm != self.passphrase_edit.text()
            else "",
        )

    def isComplete(self) -> bool:
        text = self.passphrase_edit.text()
        return (
            self.strength is not None
            and self._scored_text == text
            and self.strength.acceptable
            and self.confirm_edit.text() == text
        )

    def retranslate(self) -> None:
        if self.setup.joining():
            self.setTitle(self.tr("This computer's passphrase"))
            self.intro.setText(
                self.tr(
                    "Each workstation keeps its own encrypted copy of the clinic's data, "
                    "opened by its own passphrase. Choose a sentence only you would say, of "
                    "four or more unrelated words; Chinese is fine. Keep it where the "
                    "director can find it, away from the computer."
                )
            )
        else:
            self.setTitle(self.tr("The clinic passphrase"))
            self.intro.setText(
                self.tr(
                    "The clinic passphrase opens the clinic's data on any computer: a new "
                    "one, or this one after a repair. Choose a sentence only you would say, "
                    "of four or more unrelated words; Chinese is fine. Do not lose it: keep "
                    "it where the director can find it, away from the computer."
                )
            )
        self.passphrase_label.setText(self.tr("Passphrase"))
        self.confirm_label.setText(self.tr("Passphrase again"))
        self.show_box.setText(self.tr("Show what I type"))
        self._show_strength()
        self._show_confirm()


def assess(text: str, *, avoid: tuple[str, ...]) -> passphrase_rules.Strength:
    return passphrase_rules.assess(text, avoid=avoid)


class CreatePage(_Page):
    """Runs ``setup_clinic`` on a worker; on success moves on to the recovery kit."""

    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        self.setCommitPage(True)  # once created, there is no going back to change it
        layout = QVBoxLayout(self)
        self.status = wrapped(self)
        self.status.setObjectName("createStatus")
        layout.addWidget(self.status)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("createProgress")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        layout.addWidget(self.busy)
        # Joining copies the whole clinic (minutes for a big one): what is happening, how far.
        self.step = wrapped(self)
        self.step.setObjectName("joinStep")
        self.step.hide()
        layout.addWidget(self.step)
        self.stop = QPushButton(self)
        self.stop.setObjectName("stopJoin")
        self.stop.hide()
        self.stop.clicked.connect(self._stop_join)
        stop_row = QHBoxLayout()
        stop_row.addWidget(self.stop)
        stop_row.addStretch(1)
        layout.addLayout(stop_row)
        self.error = message_label(self)
        self.error.setObjectName("createError")
        layout.addWidget(self.error)
        self.folder = wrapped(self)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.folder)
        self.retry = QPushButton(self)
        self.retry.hide()
        self.retry.clicked.connect(self.start)
        retry_row = QHBoxLayout()
        retry_row.addWidget(self.retry)
        retry_row.addStretch(1)
        layout.addLayout(retry_row)
        layout.addStretch(1)
        self.running = False
        self.join_op: Operation | None = None
        self.join_cancelled = False
        self._step = ("", 0.0)  # the join's last reported step and fraction
        self._error: BaseException | None = None
        self._values: SetupInput | None = None  # what the running creation was given
        self._passphrase = ""
        self.retranslate()

    def start(self) -> None:
        if self.running or self.setup.result() is not None:
            return
        self.running = True
        self._error = None
        self.join_cancelled = False
        self._step = ("", 0.0)
        self.setup.set_busy(True)
        if self.setup.joining():
            joining = self.setup.join_values()
            self._passphrase = joining.passphrase
            self.join_op = self.setup.runner.start(
                join_and_read_name,
                self.setup.data_dir,
                values=joining,
                kdf=self.setup.kdf,
                with_state=True,
                on_progress=self._join_progressed,
                on_success=self._joined,
                on_error=self._failed,
                on_cancel=self._join_stopped,
            )
            self._show_state()
            return
        self._show_state()
        values = self._values = self.setup.values()
        self._passphrase = values.passphrase
        self.setup.runner.start(
            setup_clinic,
            self.setup.data_dir,
            clinic_name=values.clinic_name,
            director_login=values.director_login,
            director_name=values.director_name,
            director_password=values.director_password,
            passphrase=values.passphrase,
            passphrase_confirmation=values.passphrase_confirmation,
            address=values.address,
            phone=values.phone,
            timezone=values.timezone,
            language=values.language,
            kdf=self.setup.kdf,
            on_success=self._created,
            on_error=self._failed,
        )

    def _join_progressed(self, fraction: float, step: str) -> None:
        if not self.running or self.join_cancelled:
            return
        self._step = (step, fraction)
        self._show_state()

    def _stop_join(self) -> None:
        if self.join_op is None or not self.running:
            return
        self.join_cancelled = True
        self.stop.setEnabled(False)
        self.join_op.state.cancel()
        self._show_state()

    def _join_stopped(self) -> None:
        self.running = False
        self.join_op = None
        self.setup.set_busy(False)
        self._show_state()
        self.completeChanged.emit()

    def _joined(self, joined: Joined) -> None:
        self.join_op = None
        self.setup.joined_clinic_name = joined.clinic_name
        self._created(joined.result)

    def _created(self, result: SetupResult) -> None:
        self.running = False
        self.setup.set_created(result, datetime.now(UTC), self._passphrase)
        self.setup.set_busy(False)
        self._show_state()
        self.completeChanged.emit()
        self.setup.next()

    def _failed(self, error: BaseException) -> None:
        self.running = False
        self.join_op = None
        self._error = error
        self.setup.set_busy(False)
        self._show_state()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.setup.result() is not None

    def _show_state(self) -> None:
        self.busy.setVisible(self.running)
        failed = self._error is not None
        self.retry.setVisible(failed)
        joining = self.setup.joining() and self.running
        self.step.setVisible(joining)
        self.stop.setVisible(joining)
        if joining:
            self.stop.setEnabled(not self.join_cancelled)
            self._show_join_step()
        else:
            self.busy.setRange(0, 0)  # creating: seconds, a bar that just moves
        if self.setup.joining():
            self._show_join_state(failed)
        elif self.running:
            self.status.setText(
                self.tr("Creating the clinic's encrypted data. This takes a few seconds…")
            )
        elif failed:
            self.status.setText(
                self.tr(
                    "The clinic could not be created. Nothing was changed on this "
                    "computer. Fix the problem below, or go back and change what you "
                    "typed, then try again."
                )
            )
        elif self.setup.result() is not None:
            self.status.setText(self.tr("The clinic is ready."))
        else:
            self.status.setText("")
        show_message(self.error, error_text(self._error) if self._error is not None else "")

    def _show_join_step(self) -> None:
        step, fraction = self._step
        percent = int(fraction * 100)
        if step:
            self.busy.setRange(0, 100)
            self.busy.setValue(percent)
            self.busy.setTextVisible(True)
        if self.join_cancelled:
            text = self.tr("Stopping… the copy made so far is being deleted.")
        elif step == "snapshot":
            text = self.tr("Copying the clinic's saved copy from the hub…")
        elif step == "pull":
            text = self.tr("Copying the clinic's data from the hub… {percent}% done").format(
                percent=percent
            )
        elif step == "index":
            text = self.tr("Preparing the patient search…")
        elif step == "director":
            text = self.tr("Checking the director's sign-in…")
        elif step == "done":
            text = self.tr("Done.")
        else:
            text = self.tr("Checking the pairing code with the hub…")
        self.step.setText(text)

    def _show_join_state(self, failed: bool) -> None:
        if self.running:
            self.status.setText(
                self.tr(
                    "Joining the clinic: checking the pairing code and copying the "
                    "clinic's data from the hub. A small clinic takes a minute; one with "
                    "years of records can take ten minutes or more. Keep this window open."
                )
            )
        elif self.join_cancelled and self.setup.result() is None:
            self.status.setText(
                self.tr(
                    "Joining was stopped. Nothing was set up on this computer. The pairing "
                    "code has been used: to try again, make a new one on a workstation that "
                    "already syncs (Settings → Sync → “Add a workstation…”), go back and "
                    "type it."
                )
            )
        elif failed:
            self.status.setText(
                self.tr(
                    "This computer could not join the clinic. Nothing was set up on this "
                    "computer. Fix the problem below, or go back and change what you "
                    "typed, then try again."
                )
            )
        elif self.setup.result() is not None:
            self.status.setText(self.tr("This computer has joined the clinic."))
        else:
            self.status.setText("")

    def initializePage(self) -> None:
        self.retranslate()
        self.start()

    def retranslate(self) -> None:
        if self.setup.joining():
            self.setTitle(self.tr("Joining the clinic"))
        else:
            self.setTitle(self.tr("Creating the clinic"))
        self.folder.setText(
            self.tr("The clinic's data is kept in this folder: {path}").format(
                path=str(self.setup.data_dir)
            )
        )
        self.retry.setText(self.tr("Try again"))
        self.stop.setText(self.tr("Stop joining"))
        self._show_state()


class RecoveryKitPage(_Page):
    def __init__(self, setup: SetupWizard) -> None:
        super().__init__(setup)
        layout = QVBoxLayout(self)
        self.intro = wrapped(self)
        layout.addWidget(self.intro)
        self.key_label = QLabel(self)
        self.key_label.setObjectName("recoveryKey")
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        key_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        # Named fonts first: the generic "monospace" alias is not always fixed-pitch.
        key_font.setFamilies(["Consolas", "Menlo", "DejaVu Sans Mono", key_font.family()])
        key_font.setStyleHint(QFont.StyleHint.TypeWriter)
        key_font.setPointSizeF(max(16.0, self.font().pointSizeF() * 1.9))
        key_font.setBold(True)
        self.key_label.setFont(key_font)
        self.key_label.setStyleSheet(
            "QLabel { background: white; color: black; border: 1px solid #999;"
            " border-radius: 4px; padding: 10px; }"
        )
        layout.addWidget(self.key_label)
        self.warning = wrapped(self)
        self.warning.setObjectName("recoveryWarning")
        self.warning.setStyleSheet(
            "QLabel { border: 2px solid #b00020; border-radius: 4px; padding: 8px;"
            " font-weight: bold; }"
        )
        layout.addWidget(self.warning)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveKit")
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("printKit")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = message_label(self, error=False)
        self.status.setObjectName("kitStatus")
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.kept_box = QCheckBox(self)
        self.kept_box.setObjectName("kitKept")
        layout.addWidget(self.kept_box)

        self.kit: bytes | None = None
        self._building = False
        self._then: list[str] = []  # what to do with the kit once it is built
        self._status: tuple[str, str] | None = None  # (what, detail) for retranslate
        self.save_button.clicked.connect(lambda: self._with_kit("save"))
        self.print_button.clicked.connect(lambda: self._with_kit("print"))
        self.kept_box.toggled.connect(lambda _on: self.completeChanged.emit())
        self.retranslate()

    def nextId(self) -> int:
        return -1  # the last page (JOIN has a higher id but comes earlier)

    def initializePage(self) -> None:
        self.retranslate()
        result = self.setup.result()
        key = result.recovery_key if result is not None else ""
        # Two rows of four groups, as on the printed kit.
        self.key_label.setText(f"{key[:19]}\n{key[20:]}" if len(key) == 39 else key)
        self.kept_box.setChecked(False)

    def isComplete(self) -> bool:
        return self.kept_box.isChecked()

    def _with_kit(self, then: str) -> None:
        """Build the PDF once (off the GUI thread), then save or print it."""
        if self.kit is not None:
            self._use_kit(then)
            return
        self._then.append(then)
        if self._building:
            return
        result, created_at = self.setup.result(), self.setup.created_at
        if result is None or created_at is None:
            return
        self._building = True
        self._set_status("building")
        self.setup.runner.start(
            _kit_pdf,
            clinic_name=self.setup.clinic_name(),
            clinic_id=result.clinic_id,
            recovery_key=result.recovery_key,
            created_at=created_at,
            on_success=self._built,
            on_error=self._build_failed,
        )

    def _built(self, data: bytes) -> None:
        self._building = False
        self.kit = data
        self._set_status("")
        pending, self._then = self._then, []
        for then in dict.fromkeys(pending):
            self._use_kit(then)

    def _build_failed(self, error: BaseException) -> None:
        self._building = False
        self._then = []
        self._set_status("error", error_text(error))

    def _use_kit(self, then: str) -> None:
        assert self.kit is not None
        if then == "save":
            name = _safe_file_name(
                self.tr("Recovery kit - {clinic}").format(clinic=self.setup.clinic_name())
            )
            try:
                path = save_pdf_as(self, self.kit, f"{name or 'recovery-kit'}.pdf")
            except OSError as error:
                self._set_status("error", error_text(error))
                return
            if path is not None:
                self._set_status("saved", str(path))
        else:
            if preview_and_print_pdf(self, self.kit, title=self.tr("Recovery kit")):
                self._set_status("printed")

    def _set_status(self, what: str, detail: str = "") -> None:
        self._status = (what, detail) if what else None
        self._show_status()

    def _show_status(self) -> None:
        what, detail = self._status or ("", "")
        busy = what == "building"
        self.save_button.setEnabled(not busy)
        self.print_button.setEnabled(not busy)
        self.status.setStyleSheet(ERROR_STYLE if what == "error" else "")
        show_message(
            self.status,
            {
                "building": self.tr("Preparing the recovery kit…"),
                "saved": self.tr(
                    "Saved as {path}. Print it, keep the paper somewhere safe, "
                    "then delete the file."
                ).format(path=detail),
                "printed": self.tr("The recovery kit was sent to the printer."),
                "error": detail,
            }.get(what, ""),
        )

    def retranslate(self) -> None:
        self.setTitle(self.tr("The recovery kit"))
        if self.setup.joining():
            self.intro.setText(
                self.tr(
                    "This is the recovery key of this computer's copy of the clinic's "
                    "data. It opens the copy if this computer's passphrase is forgotten. "
                    "It is shown only now: print the recovery kit, or save it as a PDF "
                    "and print it soon."
                )
            )
        else:
            self.intro.setText(
                self.tr(
                    "This is the clinic's recovery key. It opens the clinic's data if the "
                    "passphrase is forgotten. It is shown only now: print the recovery "
                    "kit, or save it as a PDF and print it soon."
                )
            )
        self.warning.setText(
            self.tr(
                "If the passphrase, this recovery key and every computer's saved key are "
                "all lost, the clinic's data cannot be recovered by anyone."
            )
        )
        self.save_button.setText(self.tr("Save as PDF…"))
        self.print_button.setText(self.tr("Print…"))
        self.kept_box.setText(
            self.tr("I have printed or saved the recovery kit and will keep it somewhere safe")
        )
        self._show_status()


class SetupWizard(QWizard):
    """The first-run assistant; ``exec()`` is accepted once the clinic exists.

    ``passphrase()`` is what was typed (so the app can open the clinic without
    asking again) and ``result()`` the core's ``SetupResult``; ``kdf`` is for
    tests, which use the cheapest allowed key derivation.
    """

    def __init__(
        self, data_dir: Path, *, kdf: KdfParams | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.kdf = kdf
        self.runner = Runner(self)
        self.busy = False
        self.created_at: datetime | None = None
        self._result: SetupResult | None = None
        self._passphrase = ""
        self.joined_clinic_name = ""  # when this computer joined a clinic that syncs
        self.setObjectName("setupWizard")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.welcome_page = WelcomePage(self)
        self.clinic_page = ClinicPage(self)
        self.director_page = DirectorPage(self)
        self.join_page = JoinPage(self)
        self.passphrase_page = PassphrasePage(self)
        self.create_page = CreatePage(self)
        self.kit_page = RecoveryKitPage(self)
        for page_id, page in enumerate(self.pages()):
            self.setPage(page_id, page)
        self.setStartId(WELCOME)
        self.resize(720, 560)
        self.retranslate()

    def pages(self) -> tuple[_Page, ...]:
        return (
            self.welcome_page,
            self.clinic_page,
            self.director_page,
            self.passphrase_page,
            self.create_page,
            self.kit_page,
            self.join_page,
        )

    # --- what the rest of the app reads -------------------------------------

    def passphrase(self) -> str:
        """The clinic passphrase the clinic was created with ("" before that)."""
        return self._passphrase

    def result(self) -> SetupResult | None:  # type: ignore[override]
        """The created clinic's ``SetupResult``, or None if it was not created.

        (Shadows ``QDialog.result()``; ``exec()`` still returns the dialog code.)
        """
        return self._result

    def joining(self) -> bool:
        """This computer joins a clinic that already syncs (chosen on the first page)."""
        return self.welcome_page.joining()

    def clinic_name(self) -> str:
        """The clinic's name for the recovery kit: typed, or the joined clinic's."""
        if self.joining():
            return self.joined_clinic_name
        return self.clinic_page.name_edit.text().strip()

    def join_values(self) -> JoinInput:
        join = self.join_page
        return JoinInput(
            hub_url=join.hub_edit.text().strip(),
            code=join.code_edit.text().strip(),
            director_login=join.login(),
            director_password=join.password_edit.text(),
            passphrase=self.passphrase_page.passphrase_edit.text(),
            passphrase_confirmation=self.passphrase_page.confirm_edit.text(),
        )

    def values(self) -> SetupInput:
        clinic, director = self.clinic_page, self.director_page
        return SetupInput(
            clinic_name=clinic.name_edit.text(),
            address=clinic.address_edit.text().strip(),
            phone=clinic.phone_edit.text().strip(),
            timezone=clinic.zone_combo.currentText().strip(),
            language=self.welcome_page.language,
            director_name=director.name_edit.text(),
            director_login=director.login_edit.text(),
            director_password=director.password_edit.text(),
            passphrase=self.passphrase_page.passphrase_edit.text(),
            passphrase_confirmation=self.passphrase_page.confirm_edit.text(),
        )

    # --- used by the pages ---------------------------------------------------

    def set_created(self, result: SetupResult, created_at: datetime, passphrase: str) -> None:
        self._result = result
        self.created_at = created_at
        self._passphrase = passphrase

    def set_busy(self, busy: bool) -> None:
        """While the clinic is being created there is no Back and no Cancel."""
        self.busy = busy
        # A commit page before the current one is what makes QWizard disable "Back".
        self.passphrase_page.setCommitPage(busy)
        cancel = self.button(QWizard.WizardButton.CancelButton)
        cancel.setEnabled(not busy)
        self.create_page.completeChanged.emit()  # QWizard refreshes its buttons

    def retranslate_all(self) -> None:
        self.retranslate()
        for page in self.pages():
            page.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Set up ClinicDesk"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Next >"))
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Next >"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Finish"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # --- closing -------------------------------------------------------------

    def reject(self) -> None:
        if self.busy:
            return  # creation cannot be stopped half-way; it takes seconds
        if self._result is not None and not self._confirm_close_without_kit():
            return
        super().reject()

    def _confirm_close_without_kit(self) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Close without the recovery kit?"),
            self.tr(
                "The clinic has been created, but its recovery key is shown only on this "
                "page. Close without printing or saving the recovery kit?"
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)

    def done(self, code: int) -> None:
        self.runner.wait(30_000)  # a kit still being built finishes before the window goes
        super().done(code)
