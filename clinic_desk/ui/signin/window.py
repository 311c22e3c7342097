"""The sign-in page: shown at start, after sign-out and whenever the screen locks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import staff
from clinic_desk.core.services.base import Actor
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text


class SignInWidget(QWidget):
    """Emits ``sig_signed_in(Actor)``; the password check runs off the GUI thread."""

    sig_signed_in = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("signIn")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame(self)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMinimumWidth(400)
        card.setMaximumWidth(520)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        box = QVBoxLayout(card)
        box.setContentsMargins(28, 24, 28, 24)
        self.clinic_label = QLabel(card)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        self.clinic_label.setFont(title_font)
        self.clinic_label.setWordWrap(True)
        self.clinic_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.clinic_label)
        self.reason_label = QLabel(card)
        self.reason_label.setWordWrap(True)
        self.reason_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.reason_label)
        form = QFormLayout()
        self.login_edit = QLineEdit(card)
        self.login_edit.setMaxLength(64)
        self.password_edit = QLineEdit(card)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(256)
        self.login_label = QLabel(card)
        self.password_label = QLabel(card)
        form.addRow(self.login_label, self.login_edit)
        form.addRow(self.password_label, self.password_edit)
        box.addLayout(form)
        self.message = QLabel(card)
        self.message.setWordWrap(True)
        self.message.setObjectName("signInMessage")
        self.message.setStyleSheet("color: #b00020;")
        box.addWidget(self.message)
        self.button = QPushButton(card)
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        box.addWidget(self.button)
        self.button.clicked.connect(self.submit)
        self.password_edit.returnPressed.connect(self.submit)
        self.login_edit.returnPressed.connect(self.password_edit.setFocus)
        self.retranslate()

    def retranslate(self) -> None:
        self.clinic_label.setText(str(self.ctx.clinic.setting("clinic.name"))[:200])
        self.login_label.setText(self.tr("User name"))
        self.password_label.setText(self.tr("Password"))
        self.button.setText(self.tr("Sign in"))
        self.login_edit.setPlaceholderText(self.tr("e.g. wang.li"))

    def reset(self, *, locked: bool = False, login: str = "") -> None:
        """Clear the form; ``locked`` explains why the screen is showing."""
        self.password_edit.clear()
        self.message.clear()
        self.login_edit.setText(login)
        self.reason_label.setText(
            self.tr("The screen was locked. Sign in to continue; patient data stays hidden "
                    "until then.")
            if locked
            else self.tr("Sign in with your own account.")
        )
        (self.password_edit if login else self.login_edit).setFocus()

    def submit(self) -> None:
        login = self.login_edit.text()
        password = self.password_edit.text()
        if not login.strip():
            self.message.setText(self.tr("Type your user name."))
            self.login_edit.setFocus()
            return
        if not password:
            self.message.setText(self.tr("Type your password."))
            self.password_edit.setFocus()
            return
        self.button.setEnabled(False)
        self.message.setText(self.tr("Checking…"))
        self.ctx.runner.start(
            staff.sign_in, self.ctx.clinic, login, password,
            on_success=self._succeeded, on_error=self._failed,
        )

    def _succeeded(self, actor: Actor) -> None:
        self.button.setEnabled(True)
        self.password_edit.clear()
        self.message.clear()
        self.sig_signed_in.emit(actor)

    def _failed(self, error: BaseException) -> None:
        self.button.setEnabled(True)
        self.password_edit.clear()
        self.password_edit.setFocus()
        self.message.setText(error_text(error))
