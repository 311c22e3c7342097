"""Small pieces the patient file's tabs share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.settings.common import MessageLabel


def tr_code(context: str, text: str) -> str:
    """A label from a core code table (marked with QT_TRANSLATE_NOOP there)."""
    return QCoreApplication.translate(context, text)


def phone_text(ctx: AppContext, e164: str) -> str:
    """A stored E.164 number as the desk reads it in the clinic's region (138 1234 5678)."""
    from clinic_desk.core.rules.phones import format_phone

    if not e164:
        return ""
    return format_phone(e164, region=str(ctx.clinic.setting("clinic.phone_region")))


def combo_index(combo: QComboBox, value: object) -> int:
    """The row holding ``value``: ``findData`` compares Python objects (UUIDs) by identity."""
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            return i
    return -1


def local(ctx: AppContext, moment: datetime | None, *, seconds: bool = False) -> str:
    if moment is None:
        return ""
    fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return moment.astimezone(ctx.clinic.timezone()).strftime(fmt)


def full_error_text(error: BaseException) -> str:
    """Like ``error_text``, but keeps errors that compose their own message (vitals)."""
    if isinstance(error, ClinicError) and type(error).message is not ClinicError.message:
        return error.message(QCoreApplication.translate)
    return error_text(error)


class ReadOnlyTable(QTableWidget):
    """A plain list for a patient's rows; the first column's item carries the row's id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def set_headers(self, headers: Sequence[str]) -> None:
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(list(headers))

    def set_rows(
        self, rows: Sequence[tuple[Any, Sequence[str]]], *, red: Sequence[int] = ()
    ) -> None:
        """``rows`` as (id, cells); rows whose index is in ``red`` are shown in red."""
        self.setRowCount(len(rows))
        for r, (row_id, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, row_id)
                if r in red:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.setItem(r, c, item)
        self.resizeRowsToContents()

    def showEvent(self, event: Any) -> None:
        # Rows filled while the tab was hidden were sized for no width; size them now.
        super().showEvent(event)
        self.resizeRowsToContents()

    def current_id(self) -> Any:
        row = self.currentRow()
        if row < 0:
            return None
        item = self.item(row, 0)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)


def ask_reason(parent: QWidget, title: str, label: str) -> str | None:
    """A short reason (why something is ended, corrected or opened); None if cancelled."""
    text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, "")
    return text if ok else None


class FieldsDialog(QDialog):
    """A small form built from a list of fields, saved by one service call off the GUI thread.

    ``fields`` are (name, label, kind, choices) with kind "line", "text",
    "choice" (choices as (code, label)) or "date" (typed as year-month-day).
    The service is called as ``fn(clinic, actor, *args, **values)``.
    """

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        title: str,
        fields: Sequence[tuple[str, str, str, Sequence[tuple[str, str]]]],
        fn: Callable[..., Any],
        *args: Any,
        intro: str = "",
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fn = fn
        self.args = args
        self.busy = False
        self.result_value: Any = None
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        if intro:
            note = QLabel(intro, self)
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        layout.addLayout(form)
        self.widgets: dict[str, QWidget] = {}
        self.kinds: dict[str, str] = {}
        for name, label, kind, choices in fields:
            widget: QWidget
            if kind == "text":
                text = QPlainTextEdit(self)
                text.setTabChangesFocus(True)
                text.setMinimumHeight(70)
                widget = text
            elif kind == "choice":
                combo = QComboBox(self)
                for code, shown in choices:
                    combo.addItem(shown, code)
                widget = combo
            else:
                line = QLineEdit(self)
                if kind == "date":
                    # A fixed context: self.tr() in a base class looks up the subclass's name.
                    line.setPlaceholderText(
                        QCoreApplication.translate("FieldsDialog", "e.g. 2024-05-01")
                    )
                widget = line
            widget.setObjectName(f"field:{name}")
            self.widgets[name] = widget
            self.kinds[name] = kind
            form.addRow(label, widget)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        for name, widget in self.widgets.items():
            kind = self.kinds[name]
            if isinstance(widget, QPlainTextEdit):
                values[name] = widget.toPlainText()
            elif isinstance(widget, QComboBox):
                values[name] = widget.currentData()
            elif isinstance(widget, QLineEdit):
                if kind == "date":
                    text = widget.text().strip()
                    if not text:
                        values[name] = None
                        continue
                    try:
                        values[name] = date.fromisoformat(text.replace("/", "-"))
                    except ValueError:
                        self.message.show_error(
                            QCoreApplication.translate(
                                "FieldsDialog",
                                "This is not a date: type it as year-month-day, e.g. 2024-05-01.",
                            )
                        )
                        widget.setFocus()
                        return None
                else:
                    values[name] = widget.text()
        return values

    def save(self) -> None:
        values = self.values()
        actor = self.ctx.actor
        if values is None or actor is None or self.busy:
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self.ctx.runner.start(
            self.fn,
            self.ctx.clinic,
            actor,
            *self.args,
            **values,
            on_success=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, written: Any) -> None:
        self.busy = False
        self.result_value = written
        changes = getattr(written, "changes", None)
        if changes is not None:
            self.ctx.broadcast(changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.message.show_error(full_error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()
