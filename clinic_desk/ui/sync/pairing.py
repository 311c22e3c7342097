"""Adding a workstation (issue 7): its name, then a one-time pairing code and its QR code.

The code is shown once, here. The new computer's first-run setup ("Join a clinic
that already syncs") takes the hub address and the code, or the QR code's text
from a scanner, which carries both.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.settings.common import ERROR_COLOR, MessageLabel, ServiceDialog

QR_PIXELS = 260  # about 6.5 cm on a 100 dpi screen: a phone or a desk scanner reads it


@dataclass(frozen=True)
class PairingShown:
    pairing: sync_service.Pairing
    qr_png: bytes


def qr_png(text: str, pixels: int = QR_PIXELS) -> bytes:
    """The text as a QR code PNG, about ``pixels`` wide, with its quiet zone."""
    code = segno.make(text, error="m", micro=False)
    width, _ = code.symbol_size(scale=1, border=4)
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=max(2, pixels // width), border=4)
    return buf.getvalue()


def create_pairing_shown(clinic: Clinic, actor: Actor, *, name: str) -> PairingShown:
    """On the worker thread: register the workstation on the hub and draw its QR code."""
    pairing = sync_service.create_pairing(clinic, actor, name=name)
    return PairingShown(pairing, qr_png(pairing.qr_text))


class PairingDialog(ServiceDialog):
    """Name the new workstation, then show its pairing code until it is used or expires."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("pairingDialog")
        self.shown: PairingShown | None = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.form = QWidget(self)
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        self.name_label = QLabel(self.form)
        self.name_edit = QLineEdit(self.form)
        self.name_edit.setObjectName("workstationName")
        self.name_edit.setMaxLength(sync_service.MAX_NAME)
        form.addRow(self.name_label, self.name_edit)
        layout.addWidget(self.form)

        self.code_box = QWidget(self)
        box = QVBoxLayout(self.code_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        self.code_label = QLabel(self.code_box)
        self.code_label.setObjectName("pairingCode")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setFamilies(["Consolas", "Menlo", "DejaVu Sans Mono", mono.family()])
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        mono.setPointSizeF(max(18.0, self.font().pointSizeF() * 2.0))
        mono.setBold(True)
        self.code_label.setFont(mono)
        self.code_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.code_label.setStyleSheet(
            "QLabel { background: white; color: black; border: 1px solid #999;"
            " border-radius: 4px; padding: 10px 16px; }"
        )
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # The whole code on one line, whatever the font: it is read out or typed.
        self.code_label.setMinimumWidth(
            self.code_label.fontMetrics().horizontalAdvance("W" * 23) + 40
        )
        box.addWidget(self.code_label)
        below = QHBoxLayout()
        below.setSpacing(18)
        self.qr_label = QLabel(self.code_box)
        self.qr_label.setObjectName("pairingQr")
        self.qr_label.setFixedSize(QR_PIXELS + 12, QR_PIXELS + 12)
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_label.setStyleSheet("background: white;")
        below.addWidget(self.qr_label, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        copy_row = QHBoxLayout()
        self.copy_button = QPushButton(self.code_box)
        self.copy_button.setObjectName("copyCode")
        self.copy_button.clicked.connect(self.copy_code)
        copy_row.addWidget(self.copy_button)
        copy_row.addStretch(1)
        right.addLayout(copy_row)
        self.expiry_label = QLabel(self.code_box)
        self.expiry_label.setObjectName("pairingExpiry")
        self.expiry_label.setWordWrap(True)
        right.addWidget(self.expiry_label)
        self.steps = QLabel(self.code_box)
        self.steps.setObjectName("pairingSteps")
        self.steps.setWordWrap(True)
        right.addWidget(self.steps)
        right.addStretch(1)
        below.addLayout(right, 1)
        box.addLayout(below)
        self.code_box.hide()
        layout.addWidget(self.code_box)

        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.create_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("createCode")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.done_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.setObjectName("pairingDone")
        self.done_button.hide()
        self.create_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.done_button.clicked.connect(self.accept)
        layout.addWidget(self.buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(5_000)
        self.timer.timeout.connect(self._show_expiry)
        self.setMinimumWidth(640)
        self.retranslate()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Add a workstation"))
        self.name_label.setText(self.tr("Name of the new workstation"))
        self.name_edit.setPlaceholderText(self.tr("e.g. Dr Wang's room"))
        self.create_button.setText(self.tr("Create pairing code"))
        self.done_button.setText(self.tr("Done"))
        self.copy_button.setText(self.tr("Copy the code"))
        if self.shown is None:
            self.intro.setText(
                self.tr(
                    "A pairing code lets one more computer join this clinic's sync. Give the "
                    "computer a name people recognise; it appears in the list of workstations."
                )
            )
        else:
            self.intro.setText(
                self.tr("The pairing code for “{name}”. It is shown only now.").format(
                    name=self.shown.pairing.name
                )
            )
            self.steps.setText(
                self.tr(
                    "On the new computer: install ClinicDesk and start it. In the first-run "
                    "setup choose “Join a clinic that already syncs”. Type the hub address "
                    "and this code, or scan the QR code into the code field (it carries "
                    "both), then the director's user name and password."
                )
            )
        self._show_expiry()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- creating -------------------------------------------------------------------------

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or self.shown is not None:
            return
        self.message.show_info(self.tr("Registering the workstation on the hub…"))
        self.start_call(
            create_pairing_shown,
            self.ctx.clinic,
            actor,
            name=self.name_edit.text(),
            on_success=self._created,
        )

    def _created(self, shown: PairingShown) -> None:
        self.shown = shown
        self.message.clear()
        self.form.hide()
        self.create_button.hide()
        self.cancel_button.hide()
        self.done_button.show()
        self.done_button.setDefault(True)
        self.code_label.setText(shown.pairing.code)
        pixmap = QPixmap()
        pixmap.loadFromData(shown.qr_png, "PNG")
        self.qr_label.setPixmap(pixmap)
        self.code_box.show()
        self.timer.start()
        self.retranslate()
        self.adjustSize()

    def expired(self) -> bool:
        return self.shown is not None and self.ctx.clinic.now() >= self.shown.pairing.expires_at

    def _show_expiry(self) -> None:
        shown = self.shown
        if shown is None:
            self.expiry_label.clear()
            return
        until = shown.pairing.expires_at.astimezone(self.ctx.clinic.timezone()).strftime("%H:%M")
        if self.expired():
            self.expiry_label.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
            self.expiry_label.setText(
                self.tr(
                    "This code expired at {time}. Close this window and create a new one."
                ).format(time=until)
            )
            self.timer.stop()
        else:
            self.expiry_label.setStyleSheet("")
            self.expiry_label.setText(
                self.tr("The code works once, until {time}.").format(time=until)
            )

    def copy_code(self) -> None:
        """Only the code: the QR text also carries the hub's password."""
        if self.shown is not None:
            QGuiApplication.clipboard().setText(self.shown.pairing.code)
            self.message.show_ok(self.tr("The code is on the clipboard."))
