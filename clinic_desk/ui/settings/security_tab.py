"""Security and backup (director only): the clinic passphrase, the recovery key and
a backup made now, with the backup folder and the last daily backup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.rules import passphrase as passphrase_rules
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import maintenance
from clinic_desk.core.services.base import Changes, Clinic, Topic
from clinic_desk.core.services.clinic import change_passphrase, replace_recovery_key
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.operations.runner import Operation
from clinic_desk.ui.settings.common import (
    HINT_COLOR,
    MessageLabel,
    ServiceDialog,
    task_progress_dialog,
)

STRENGTH_COLORS = ("#b00020", "#b00020", "#e65100", "#2e7d32", "#1b5e20")


@dataclass(frozen=True)
class BackupStatus:
    folder: Path
    last_daily: str | None  # local date "YYYY-MM-DD"
    daily_enabled: bool


def read_backup_status(clinic: Clinic) -> BackupStatus:
    """Runs on the worker thread: the folder, the last daily backup date, on or off."""
    return BackupStatus(
        maintenance.backup_folder(clinic),
        clinic.store.meta_value(maintenance.META_LAST_DAILY),
        bool(clinic.setting("backup.daily_enabled")),
    )


def _secret_edit(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(passphrase_rules.MAX_CHARS)
    return edit


class StrengthMeter(QWidget):
    """The passphrase strength bar and the first thing to improve, as in setup."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.label = QLabel(self)
        row.addWidget(self.bar, 1)
        row.addWidget(self.label)
        layout.addLayout(row)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {HINT_COLOR};")
        layout.addWidget(self.problem)
        self.strength: passphrase_rules.Strength | None = None

    def assess(self, text: str, avoid: tuple[str, ...]) -> passphrase_rules.Strength | None:
        if not text:
            self.strength = None
            self.bar.setValue(0)
            self.label.clear()
            self.problem.clear()
            return None
        strength = passphrase_rules.assess(text, avoid=avoid)
        self.strength = strength
        self.bar.setValue(strength.score)
        color = STRENGTH_COLORS[strength.score]
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {color}; }}")
        self.label.setStyleSheet(f"color: {color};")
        self.label.setText(QCoreApplication.translate("Passphrase", strength.label))
        if strength.problems:
            template, params = strength.problems[0]
            self.problem.setText(
                QCoreApplication.translate("Passphrase", template).format(**params)
            )
        else:
            self.problem.clear()
        return strength


class ChangePassphraseDialog(ServiceDialog):
    """Current passphrase, the new one twice, with live strength feedback."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.changed = False
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.current_edit = _secret_edit(self)
        self.new_edit = _secret_edit(self)
        self.again_edit = _secret_edit(self)
        self.meter = StrengthMeter(self)
        self.current_label = QLabel(self)
        self.new_label = QLabel(self)
        self.again_label = QLabel(self)
        form.addRow(self.current_label, self.current_edit)
        form.addRow(self.new_label, self.new_edit)
        form.addRow("", self.meter)
        form.addRow(self.again_label, self.again_edit)
        layout.addLayout(form)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.update_strength)
        self.new_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.setMinimumWidth(520)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Change the clinic passphrase"))
        self.intro.setText(
            self.tr("The passphrase unlocks the clinic's encrypted data. Change it if someone "
                    "who knew it should no longer have it. Backups made before today still "
                    "open with the old passphrase (or the recovery key).")
        )
        self.current_label.setText(self.tr("Current passphrase"))
        self.new_label.setText(self.tr("New passphrase"))
        self.again_label.setText(self.tr("New passphrase again"))
        self.update_strength()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _avoid(self) -> tuple[str, ...]:
        actor = self.ctx.actor
        name = str(self.ctx.clinic.setting("clinic.name"))
        return (name, actor.login) if actor is not None else (name,)

    def update_strength(self) -> None:
        self.meter.assess(self.new_edit.text(), self._avoid())

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        if not self.current_edit.text():
            self.message.show_error(self.tr("Type the current passphrase."))
            self.current_edit.setFocus()
            return
        if self.new_edit.text() != self.again_edit.text():
            self.message.show_error(
                self.tr("The two new passphrases are not the same. Type the same passphrase "
                        "twice.")
            )
            self.again_edit.setFocus()
            return
        self.message.show_info(self.tr("Changing the passphrase…"))
        self.start_call(
            change_passphrase, self.ctx.clinic, actor,
            current=self.current_edit.text(), new=self.new_edit.text(),
            confirmation=self.again_edit.text(),
            on_success=self._done,
        )

    def _done(self, _result: object) -> None:
        self.changed = True
        self.accept()

    def done(self, result: int) -> None:
        for edit in (self.current_edit, self.new_edit, self.again_edit):
            edit.clear()
        super().done(result)


class RecoveryKeyDialog(ServiceDialog):
    """Asks the passphrase, then shows the new recovery key once."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.key = ""
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.passphrase_label = QLabel(self)
        self.passphrase_edit = _secret_edit(self)
        form.addRow(self.passphrase_label, self.passphrase_edit)
        layout.addLayout(form)
        self.key_label = QLabel(self)
        self.key_label.setObjectName("recoveryKey")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), self.font().pointSizeF()) * 1.5)
        mono.setWeight(QFont.Weight.Bold)
        self.key_label.setFont(mono)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setWordWrap(True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.hide()
        layout.addWidget(self.key_label)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.make_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.hide()
        self.make_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.accept)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New recovery key"))
        self.passphrase_label.setText(self.tr("Clinic passphrase"))
        self.make_button.setText(self.tr("Make a new key"))
        self.close_button.setText(self.tr("I have written it down"))
        if self.key:
            self.intro.setText(
                self.tr("This is the clinic's new recovery key. Write it down or print it now "
                        "and keep it locked away: it is shown only this once. The old recovery "
                        "key no longer opens the clinic (backups made before today still open "
                        "with the old key).")
            )
            self.intro.setStyleSheet("color: #b00020; font-weight: bold;")
        else:
            self.intro.setText(
                self.tr("A new recovery key replaces the old one at once: the old key stops "
                        "working. Do this if the printed key was lost or seen by someone else. "
                        "Type the clinic passphrase to continue.")
            )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or self.key:
            return
        if not self.passphrase_edit.text():
            self.message.show_error(self.tr("Type the clinic passphrase."))
            return
        self.message.show_info(self.tr("Making the new key…"))
        self.start_call(
            replace_recovery_key, self.ctx.clinic, actor,
            passphrase=self.passphrase_edit.text(), on_success=self._made,
        )

    def _made(self, key: str) -> None:
        self.key = key
        self.passphrase_edit.clear()
        for w in (self.passphrase_label, self.passphrase_edit, self.make_button,
                  self.cancel_button):
            w.hide()
        self.message.clear()
        self.key_label.setText(key)
        self.key_label.show()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.retranslate()

    def reject(self) -> None:
        # Once the key exists, leave only through "I have written it down".
        if not self.key:
            super().reject()

    def done(self, result: int) -> None:
        self.passphrase_edit.clear()
        self.key_label.clear()
        super().done(result)


class SecurityTab(QWidget):
    """Passphrase and recovery key (``KEYS_MANAGE``), backups (``BACKUP_RUN``)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_keys = ctx.may(Action.KEYS_MANAGE)
        self.can_backup = ctx.may(Action.BACKUP_RUN)
        self.dialog: QDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.operation: Operation | None = None
        self.status: BackupStatus | None = None
        self.last_backup: maintenance.BackupInfo | None = None
        layout = QVBoxLayout(self)
        layout.setSpacing(14)

        self.keys_box = QGroupBox(self)
        keys = QVBoxLayout(self.keys_box)
        keys.setSpacing(12)
        self.passphrase_text = QLabel(self.keys_box)
        self.passphrase_text.setWordWrap(True)
        self.passphrase_button = QPushButton(self.keys_box)
        self.passphrase_button.clicked.connect(lambda: self.open_passphrase_dialog())
        self.recovery_text = QLabel(self.keys_box)
        self.recovery_text.setWordWrap(True)
        self.recovery_button = QPushButton(self.keys_box)
        self.recovery_button.clicked.connect(lambda: self.open_recovery_dialog())
        for text, button in ((self.passphrase_text, self.passphrase_button),
                             (self.recovery_text, self.recovery_button)):
            row = QHBoxLayout()
            row.addWidget(text, 1)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            keys.addLayout(row)
        self.keys_box.setVisible(self.can_keys)
        layout.addWidget(self.keys_box)

        self.backup_box = QGroupBox(self)
        backup = QVBoxLayout(self.backup_box)
        backup.setSpacing(12)
        self.backup_text = QLabel(self.backup_box)
        self.backup_text.setWordWrap(True)
        self.backup_button = QPushButton(self.backup_box)
        self.backup_button.clicked.connect(self.backup_now)
        row = QHBoxLayout()
        row.addWidget(self.backup_text, 1)
        row.addWidget(self.backup_button, 0, Qt.AlignmentFlag.AlignTop)
        backup.addLayout(row)
        facts = QFormLayout()
        facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.folder_label = QLabel(self.backup_box)
        self.folder_edit = QLineEdit(self.backup_box)  # long paths scroll instead of clipping
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setObjectName("backupFolder")
        self.daily_label = QLabel(self.backup_box)
        self.daily_value = QLabel(self.backup_box)
        self.daily_value.setObjectName("lastDailyBackup")
        facts.addRow(self.folder_label, self.folder_edit)
        facts.addRow(self.daily_label, self.daily_value)
        backup.addLayout(facts)
        self.backup_box.setVisible(self.can_backup)
        layout.addWidget(self.backup_box)

        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        layout.addStretch(1)

        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.refresh()

    # -- language -------------------------------------------------------------------

    def retranslate(self) -> None:
        self.keys_box.setTitle(self.tr("Clinic passphrase and recovery key"))
        self.passphrase_text.setText(
            self.tr("The passphrase unlocks the clinic's encrypted data and its backups. "
                    "Change it when someone who knew it leaves the clinic.")
        )
        self.passphrase_button.setText(self.tr("Change clinic passphrase…"))
        self.recovery_text.setText(
            self.tr("The recovery key opens the data if the passphrase is forgotten. Make a "
                    "new one if the printed key was lost or seen by someone else.")
        )
        self.recovery_button.setText(self.tr("New recovery key…"))
        self.backup_box.setTitle(self.tr("Backup"))
        self.backup_text.setText(
            self.tr("ClinicDesk makes a backup every day when the daily backup is on. Make one "
                    "now before a big change, or to take a copy away on a USB disk.")
        )
        self.backup_button.setText(self.tr("Back up now…"))
        self.folder_label.setText(self.tr("Daily backups go to"))
        self.daily_label.setText(self.tr("Last daily backup"))
        self._show_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- backup status ----------------------------------------------------------------

    def refresh(self) -> None:
        if not self.can_backup:
            return
        self.ctx.runner.start(
            read_backup_status, self.ctx.clinic,
            on_success=self._status_loaded,
            on_error=lambda e: self.message.show_error(error_text(e)),
        )

    def _status_loaded(self, status: BackupStatus) -> None:
        self.status = status
        self._show_status()

    def _show_status(self) -> None:
        status = self.status
        if status is None:
            self.folder_edit.clear()
            self.daily_value.setText(self.tr("…"))
            return
        self.folder_edit.setText(str(status.folder))
        self.folder_edit.setCursorPosition(0)
        if not status.daily_enabled:
            when = self.tr("Daily backups are turned off (see Settings › Backup).")
        elif status.last_daily:
            when = status.last_daily
        else:
            when = self.tr("None yet; the first is made when ClinicDesk starts.")
        self.daily_value.setText(when)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.SETTINGS) or changes.touches(Topic.BACKUP):
            self.refresh()

    # -- keys -------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_passphrase_dialog(self) -> QDialog:
        self.message.clear()
        dialog = ChangePassphraseDialog(self.ctx, self)
        dialog.accepted.connect(
            lambda: self.message.show_ok(
                self.tr("The clinic passphrase is changed. Use the new one from now on.")
            )
        )
        return self._open(dialog)

    def open_recovery_dialog(self) -> QDialog:
        self.message.clear()
        dialog = RecoveryKeyDialog(self.ctx, self)
        dialog.accepted.connect(
            lambda: self.message.show_ok(
                self.tr("The new recovery key is in place; the old one no longer works.")
            )
        )
        return self._open(dialog)

    # -- backup now -------------------------------------------------------------------

    def default_backup_path(self) -> Path:
        folder = self.status.folder if self.status is not None else Path.home()
        if not folder.is_dir():
            folder = Path.home()
        stamp = self.ctx.clinic.now().astimezone(self.ctx.clinic.timezone())
        return folder / f"clinicdesk-{stamp.strftime('%Y%m%d-%H%M')}{maintenance.BACKUP_SUFFIX}"

    def ask_backup_path(self) -> Path | None:
        """Where to save; None if the person cancelled (tests replace this)."""
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the backup as"), str(self.default_backup_path()),
            self.tr("ClinicDesk backup (*.cdbak)"),
        )
        return Path(name) if name else None

    def backup_now(self) -> None:
        if self.operation is not None:
            return
        path = self.ask_backup_path()
        if path is not None:
            self.start_backup(path)

    def start_backup(self, path: Path) -> Operation | None:
        """Run ``create_backup`` on the worker with a progress dialog that can cancel it."""
        actor = self.ctx.actor
        if actor is None or self.operation is not None:
            return None
        if path.suffix.lower() != maintenance.BACKUP_SUFFIX:
            path = path.with_name(path.name + maintenance.BACKUP_SUFFIX)
        self.message.clear()
        progress = task_progress_dialog(
            self,
            title=self.tr("Backup"),
            label=self.tr("Making the backup…"),
            cancel=self.tr("Cancel"),
        )
        self.progress_dialog = progress
        self.backup_button.setEnabled(False)
        op = self.ctx.runner.start(
            maintenance.create_backup, self.ctx.clinic, actor, path, with_state=True,
            on_progress=self._progressed, on_success=self._backed_up,
            on_error=self._backup_failed, on_cancel=self._backup_cancelled,
        )
        self.operation = op
        progress.canceled.connect(op.state.cancel)
        progress.canceled.connect(
            lambda: self.message.show_info(self.tr("Cancelling the backup…"))
        )
        progress.setValue(0)
        progress.show()
        return op

    def _progressed(self, fraction: float, step: str) -> None:
        progress = self.progress_dialog
        if progress is None:
            return
        progress.setValue(int(fraction * 100))
        label = {
            "export": self.tr("Copying the clinic's data…"),
            "verify": self.tr("Checking the copy…"),
            "pack": self.tr("Writing the backup file…"),
            "done": self.tr("Done."),
        }.get(step)
        if label:
            progress.setLabelText(label)

    def _end_backup(self) -> None:
        progress = self.progress_dialog
        self.progress_dialog = None
        self.operation = None
        self.backup_button.setEnabled(True)
        if progress is not None:
            progress.canceled.disconnect()
            progress.hide()
            progress.deleteLater()

    def _backed_up(self, info: maintenance.BackupInfo) -> None:
        self._end_backup()
        self.last_backup = info
        self.message.show_ok(
            self.tr("Backup saved: {path} ({size}).").format(
                path=str(info.path), size=QLocale().formattedDataSize(info.size_bytes)
            )
        )
        self.ctx.broadcast(Changes(frozenset({Topic.BACKUP})))

    def _backup_failed(self, error: BaseException) -> None:
        self._end_backup()
        self.message.show_error(error_text(error))

    def _backup_cancelled(self) -> None:
        self._end_backup()
        self.message.show_info(self.tr("The backup was cancelled; no file was written."))
