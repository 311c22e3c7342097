"""Changing one's own password (forced after a reset or for a new account)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import staff
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text


class ChangePasswordDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, forced: bool) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.forced = forced
        self.setWindowTitle(self.tr("Change your password"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("Choose your own password before you start. Use at least 8 characters; "
                    "a short sentence is easy to remember and hard to guess.")
            if forced else self.tr("Type your current password, then the new one twice."),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.current = QLineEdit(self)
        self.new = QLineEdit(self)
        self.again = QLineEdit(self)
        for edit in (self.current, self.new, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(256)
        form.addRow(self.tr("Current password"), self.current)
        form.addRow(self.tr("New password"), self.new)
        form.addRow(self.tr("New password again"), self.again)
        layout.addLayout(form)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        if not forced:
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _submit(self) -> None:
        if self.new.text() != self.again.text():
            self.message.setText(self.tr("The two new passwords are not the same."))
            return
        actor = self.ctx.actor
        if actor is None:
            self.reject()
            return
        try:
            updated = staff.change_own_password(
                self.ctx.clinic, actor, current=self.current.text(), new=self.new.text()
            )
        except Exception as error:
            self.message.setText(error_text(error))
            return
        self.ctx.set_actor(updated)
        self.accept()

    def reject(self) -> None:
        # A forced change can only be left by locking or signing out.
        if self.forced and self.ctx.actor is not None and self.ctx.actor.must_change_password:
            parent = self.parent()
            super().reject()
            if parent is not None and hasattr(parent, "sign_out"):
                parent.sign_out()
            return
        super().reject()
