"""Small pieces the settings tabs share: the inline message line and a few looks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressDialog,
    QWidget,
)

from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text

ERROR_COLOR = "#b00020"
OK_COLOR = "#1b5e20"
HINT_COLOR = "#757575"


class MessageLabel(QLabel):
    """One line under a form: a red sentence when something failed, green when done."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.is_error = False

    def show_error(self, text: str) -> None:
        self.is_error = True
        self.setStyleSheet(f"color: {ERROR_COLOR};")
        self.setText(text)

    def show_ok(self, text: str) -> None:
        self.is_error = False
        self.setStyleSheet(f"color: {OK_COLOR};")
        self.setText(text)

    def show_info(self, text: str) -> None:
        self.is_error = False
        self.setStyleSheet("")
        self.setText(text)

    def clear(self) -> None:
        self.is_error = False
        self.setStyleSheet("")
        super().clear()


def hint_label(parent: QWidget | None = None) -> QLabel:
    """Small grey text beside a field (the spec id, an explanation)."""
    label = QLabel(parent)
    font = QFont(label.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    label.setFont(font)
    label.setStyleSheet(f"color: {HINT_COLOR};")
    return label


def title_label(parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.25)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class NoWheelUnlessFocused(QObject):
    """Scrolling a long form must not change the number or choice under the mouse."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, (QAbstractSpinBox, QComboBox))
            and not watched.hasFocus()
        ):
            event.ignore()
            return True
        return super().eventFilter(watched, event)


class ServiceDialog(QDialog):
    """A dialog whose action runs one service call off the GUI thread.

    While the call runs the buttons are off and the dialog cannot be closed; a
    failure shows the core's sentence in ``self.message``. Subclasses create
    ``self.buttons`` and ``self.message`` and call ``start_call``.
    """

    buttons: QDialogButtonBox
    message: MessageLabel

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False

    def start_call(
        self, fn: Callable[..., Any], *args: Any, on_success: Callable[[Any], None], **kwargs: Any
    ) -> None:
        self.busy = True
        self.buttons.setEnabled(False)

        def succeeded(result: Any) -> None:
            self.busy = False
            self.buttons.setEnabled(True)
            on_success(result)

        self.ctx.runner.start(fn, *args, on_success=succeeded, on_error=self._failed, **kwargs)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.message.show_error(error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()


def task_progress_dialog(
    parent: QWidget, *, title: str, label: str, cancel: str, min_width: int = 380
) -> QProgressDialog:
    """A window-modal 0-100 progress dialog for a long task on the worker (backup,
    turning sync on); shown at once, left open until the task's answer closes it."""
    progress = QProgressDialog(parent)
    progress.setWindowTitle(title)
    progress.setLabelText(label)
    progress.setCancelButtonText(cancel)
    progress.setRange(0, 100)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    progress.setMinimumDuration(0)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumWidth(min_width)
    return progress
