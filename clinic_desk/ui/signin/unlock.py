"""Opening the clinic on a computer with no saved key: passphrase or recovery key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services.base import Clinic, Clock, system_clock
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.ui.errors import error_text


class UnlockDialog(QDialog):
    """Asks until the clinic opens or the person gives up; ``clinic`` holds the result."""

    def __init__(
        self, data_dir: Path, *, clock: Clock = system_clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.clock = clock
        self.clinic: Clinic | None = None
        self.setWindowTitle(self.tr("Open the clinic"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("This computer has no saved key for the clinic's data. Type the clinic "
                    "passphrase, or the recovery key from the printed recovery kit."),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.use_passphrase = QRadioButton(self.tr("Clinic passphrase"), self)
        self.use_recovery = QRadioButton(self.tr("Recovery key"), self)
        self.use_passphrase.setChecked(True)
        layout.addWidget(self.use_passphrase)
        layout.addWidget(self.use_recovery)
        self.secret = QLineEdit(self)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setMaxLength(1024)
        layout.addWidget(self.secret)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.try_open)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.use_recovery.toggled.connect(self._mode_changed)
        self._mode_changed()

    def _mode_changed(self) -> None:
        recovery = self.use_recovery.isChecked()
        self.secret.setEchoMode(
            QLineEdit.EchoMode.Normal if recovery else QLineEdit.EchoMode.Password
        )
        self.secret.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" if recovery
                                       else "")
        self.secret.setFocus()

    def try_open(self) -> None:
        text = self.secret.text()
        if not text.strip():
            self.message.setText(self.tr("Type the passphrase or recovery key first."))
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if self.use_recovery.isChecked():
                self.clinic = open_clinic(self.data_dir, recovery_key=text, clock=self.clock)
            else:
                self.clinic = open_clinic(self.data_dir, passphrase=text, clock=self.clock)
        except Exception as error:
            self.message.setText(error_text(error))
            self.secret.selectAll()
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()
