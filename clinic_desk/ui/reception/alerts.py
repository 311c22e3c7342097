"""Waiting too long (spec B4) and the green channel (spec B8), one small dialog each.

Both are recorded by the reception service with time and staff; the wait
alerts and their handling are counted for the quality dashboard.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.services import reception
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import full_error_text
from clinic_desk.ui.reception.common import ALERT_BG, GREEN_FG, GREY, big_font, label_of
from clinic_desk.ui.settings.common import MessageLabel

NOTE_MAX = 500


class _SaveDialog(QDialog):
    """Save runs one reception call off the GUI thread, then closes; failures are shown."""

    def __init__(self, ctx: AppContext, row: reception.BoardRow, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.busy = False
        self.result_value: Any = None
        self.setMinimumWidth(560)
        self.layout_ = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setObjectName("heading")
        self.heading.setFont(big_font(self, 1.3))
        self.heading.setWordWrap(True)
        self.layout_.addWidget(self.heading)
        self.explain = QLabel(self)
        self.explain.setObjectName("explain")
        self.explain.setWordWrap(True)
        self.layout_.addWidget(self.explain)

    def _add_buttons(self) -> None:
        self.message = MessageLabel(self)
        self.layout_.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)

    def save(self) -> None:
        raise NotImplementedError

    def _start(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            on_success=self._saved,
            on_error=self._failed,
            owner=self,
            **kwargs,
        )

    def _saved(self, written: Any) -> None:
        self.busy = False
        self.result_value = written.value
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.message.show_error(full_error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        raise NotImplementedError


class WaitAlertDialog(_SaveDialog):
    """What the desk did for a patient waiting past the alert minutes (B4)."""

    def __init__(
        self, ctx: AppContext, row: reception.BoardRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, row, parent)
        self.setObjectName("wait-alert-dialog")
        self.heading.setStyleSheet(f"color: {ALERT_BG};")
        self.boxes: dict[str, QCheckBox] = {}
        for code in reception.WAIT_ACTIONS:
            box = QCheckBox(self)
            box.setObjectName(f"action:{code}")
            self.boxes[code] = box
            self.layout_.addWidget(box)
        self.note_label = QLabel(self)
        self.layout_.addWidget(self.note_label)
        self.note = QLineEdit(self)
        self.note.setObjectName("note")
        self.note.setMaxLength(NOTE_MAX)
        self.layout_.addWidget(self.note)
        self._add_buttons()
        self.retranslate()
        first = next(iter(self.boxes.values()), None)
        if first is not None:
            first.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Waiting too long"))
        self.heading.setText(
            self.tr("⚠ No. {no} has waited {minutes} min").format(
                no=self.row.queue_no, minutes=self.row.wait_minutes or 0
            )
        )
        self.explain.setText(
            self.tr(
                "Go to the patient and explain the reason for the wait. You may offer a drink "
                "or priority for an examination. Tick what you did; it is recorded."
            )
        )
        for code, box in self.boxes.items():
            box.setText(label_of(reception.WAIT_ACTIONS, code))
        self.note_label.setText(self.tr("Note (optional; needed for “Other”)"))

    def chosen_actions(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]

    def save(self) -> None:
        if not self.chosen_actions():
            self.message.show_error(self.tr("Tick at least one thing you did for the patient."))
            return
        assert self.row.entry_id is not None
        self._start(
            reception.record_wait_alert,
            self.row.entry_id,
            actions=self.chosen_actions(),
            note=self.note.text().strip(),
        )


class GreenChannelDialog(_SaveDialog):
    """An emergency goes first in the doctor's queue, with a reason (B8)."""

    def __init__(
        self, ctx: AppContext, row: reception.BoardRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, row, parent)
        self.setObjectName("green-channel-dialog")
        self.heading.setStyleSheet(f"color: {GREEN_FG};")
        self.reason_label = QLabel(self)
        self.layout_.addWidget(self.reason_label)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(90)
        self.layout_.addWidget(self.reason)
        self.audit_note = QLabel(self)
        self.audit_note.setObjectName("audit-note")
        self.audit_note.setWordWrap(True)
        self.audit_note.setStyleSheet(f"color: {GREY};")
        self.layout_.addWidget(self.audit_note)
        self._add_buttons()
        self.retranslate()
        self.reason.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Green channel"))
        who = self.row.doctor_name or self.tr("the doctor")
        self.heading.setText(self.tr("✚ Green channel for No. {no}").format(no=self.row.queue_no))
        self.explain.setText(
            self.tr(
                "An emergency: the patient goes first in {doctor}'s queue, before everyone waiting."
            ).format(doctor=who)
        )
        self.reason_label.setText(
            self.tr("Reason (required), e.g. chest pain, high fever in a baby")
        )
        self.audit_note.setText(
            self.tr(
                "Everyone sees the mark and the reason on the board and in the doctor's queue, "
                "and it is recorded in the audit log with your name and the time."
            )
        )

    def save(self) -> None:
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.message.show_error(
                self.tr("Write the reason for the green channel; the doctor reads it first.")
            )
            self.reason.setFocus()
            return
        if len(reason) > NOTE_MAX:
            self.message.show_error(
                self.tr("The reason is too long: keep it under {n} characters.").format(n=NOTE_MAX)
            )
            return
        assert self.row.entry_id is not None
        self._start(reception.set_green_channel, self.row.entry_id, reason=reason)
