"""Staff accounts: the director adds people, changes roles, resets passwords,
unlocks and disables accounts. Every change goes through the staff service,
which checks the permission and writes the audit row."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.passwords import MAX_PASSWORD_CHARS
from clinic_desk.core.security.permissions import ROLE_LABELS, Role
from clinic_desk.core.services import staff
from clinic_desk.core.services.base import Changes, Topic, Written
from clinic_desk.core.services.staff import MAX_LOGIN, StaffInfo
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.settings.common import MessageLabel, ServiceDialog

_Index = QModelIndex | QPersistentModelIndex
MAX_DISPLAY_NAME = 200
MAX_PHONE = 32
COLUMNS = 5


def role_text(role: Role | str) -> str:
    try:
        return QCoreApplication.translate("Roles", ROLE_LABELS[Role(role)])
    except (KeyError, ValueError):
        return str(role)


class StaffTableModel(QAbstractTableModel):
    """Plain ``StaffInfo`` rows from ``list_staff``; never touches the database."""

    def __init__(
        self, until_text: Callable[[datetime], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.rows: list[StaffInfo] = []
        self._until_text = until_text

    def set_rows(self, rows: list[StaffInfo]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def info(self, row: int) -> StaffInfo | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, staff_id: uuid.UUID) -> int:
        for i, info in enumerate(self.rows):
            if info.id == staff_id:
                return i
        return -1

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMNS - 1)
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.rows) - 1, COLUMNS - 1)
            )

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            role != Qt.ItemDataRole.DisplayRole
            or orientation != Qt.Orientation.Horizontal
            or not 0 <= section < COLUMNS
        ):
            return None
        return (
            self.tr("Name"), self.tr("User name"), self.tr("Role"), self.tr("Phone"),
            self.tr("Status"),
        )[section]

    def status_text(self, info: StaffInfo) -> str:
        if info.disabled:
            return self.tr("Disabled")
        if info.locked_until is not None:
            return self.tr("Locked until {time}").format(time=self._until_text(info.locked_until))
        return self.tr("Active")

    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        info = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                info.display_name, info.login, role_text(info.role), info.phone,
                self.status_text(info),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return info.display_name
            if column == 4 and info.must_change_password and not info.disabled:
                return self.tr("Must choose a new password at the next sign-in.")
        return None


class _StaffDialogBase(ServiceDialog):
    """A dialog whose OK runs one staff service call off the GUI thread."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(ctx, parent)
        self.written: Written[StaffInfo] | None = None
        self.layout_ = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.layout_.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout_.addLayout(self.form)
        self.message = MessageLabel(self)
        self.layout_.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(460)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.buttons)

    def submit(self) -> None:  # pragma: no cover - each dialog defines it
        raise NotImplementedError

    def run(self, fn: Callable[..., Written[StaffInfo]], *args: Any, **kwargs: Any) -> None:
        self.message.clear()
        self.start_call(fn, *args, on_success=self._done, **kwargs)

    def _done(self, written: Written[StaffInfo]) -> None:
        self.written = written
        self.ctx.broadcast(written.changes)
        self.accept()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:  # pragma: no cover - each dialog defines it
        raise NotImplementedError


def _password_edit(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(MAX_PASSWORD_CHARS)
    return edit


class StaffDialog(_StaffDialogBase):
    """Add a staff member (``info`` None) or edit one's name, role and phone."""

    def __init__(
        self, ctx: AppContext, info: StaffInfo | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.info = info
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(MAX_DISPLAY_NAME)
        self.login_edit = QLineEdit(self)
        self.login_edit.setMaxLength(MAX_LOGIN)
        self.role_combo = QComboBox(self)
        for role in Role:
            self.role_combo.addItem(role_text(role), role.value)
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setMaxLength(MAX_PHONE)
        self.password_edit = _password_edit(self)
        self.again_edit = _password_edit(self)
        self.name_label = QLabel(self)
        self.login_label = QLabel(self)
        self.role_label = QLabel(self)
        self.phone_label = QLabel(self)
        self.password_label = QLabel(self)
        self.again_label = QLabel(self)
        self.form.addRow(self.name_label, self.name_edit)
        self.form.addRow(self.login_label, self.login_edit)
        self.form.addRow(self.role_label, self.role_combo)
        self.form.addRow(self.phone_label, self.phone_edit)
        if info is None:
            self.role_combo.setCurrentIndex(self.role_combo.findData(Role.RECEPTIONIST.value))
            self.form.addRow(self.password_label, self.password_edit)
            self.form.addRow(self.again_label, self.again_edit)
        else:
            self.name_edit.setText(info.display_name)
            self.login_edit.setText(info.login)
            self.login_edit.setReadOnly(True)
            self.role_combo.setCurrentIndex(self.role_combo.findData(str(info.role)))
            self.phone_edit.setText(info.phone)
            for w in (self.password_label, self.password_edit, self.again_label,
                      self.again_edit):
                w.hide()
        self.finish_layout()
        self.retranslate()

    def retranslate(self) -> None:
        if self.info is None:
            self.setWindowTitle(self.tr("Add a staff member"))
            self.intro.setText(
                self.tr("The user name is what they type to sign in (letters a-z, digits and "
                        ". _ - @). Give them the temporary password in person: they must "
                        "choose their own at the first sign-in.")
            )
        else:
            self.setWindowTitle(self.tr("Edit a staff member"))
            self.intro.setText(
                self.tr("A user name cannot be changed. To rename a sign-in, add a new "
                        "account and disable this one.")
            )
        self.name_label.setText(self.tr("Name"))
        self.name_edit.setPlaceholderText(self.tr("e.g. 张丽"))
        self.login_label.setText(self.tr("User name"))
        self.login_edit.setPlaceholderText(self.tr("e.g. zhang.li"))
        self.role_label.setText(self.tr("Role"))
        self.phone_label.setText(self.tr("Phone"))
        self.password_label.setText(self.tr("Temporary password"))
        self.again_label.setText(self.tr("Temporary password again"))
        for i in range(self.role_combo.count()):
            self.role_combo.setItemText(i, role_text(str(self.role_combo.itemData(i))))

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        role = str(self.role_combo.currentData())
        if self.info is None:
            if self.password_edit.text() != self.again_edit.text():
                self.message.show_error(self.tr("The two passwords are not the same."))
                self.again_edit.setFocus()
                return
            self.run(
                staff.add_staff, self.ctx.clinic, actor,
                login=self.login_edit.text(), display_name=self.name_edit.text(), role=role,
                password=self.password_edit.text(), phone=self.phone_edit.text(),
            )
            return
        info = self.info
        changes: dict[str, Any] = {}
        if self.name_edit.text() != info.display_name:
            changes["display_name"] = self.name_edit.text()
        if role != str(info.role):
            changes["role"] = role
        if self.phone_edit.text() != info.phone:
            changes["phone"] = self.phone_edit.text()
        if not changes:
            self.accept()
            return
        self.run(staff.update_staff, self.ctx.clinic, actor, info.id, **changes)


class ResetPasswordDialog(_StaffDialogBase):
    """The director sets a temporary password; it also clears a lockout."""

    def __init__(self, ctx: AppContext, info: StaffInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info = info
        self.password_edit = _password_edit(self)
        self.again_edit = _password_edit(self)
        self.password_label = QLabel(self)
        self.again_label = QLabel(self)
        self.form.addRow(self.password_label, self.password_edit)
        self.form.addRow(self.again_label, self.again_edit)
        self.finish_layout()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Reset password"))
        self.intro.setText(
            self.tr("Set a temporary password for {name} ({login}). Tell it to them in "
                    "person; they must choose their own password at their next sign-in. "
                    "This also unlocks the account.").format(
                name=self.info.display_name, login=self.info.login
            )
        )
        self.password_label.setText(self.tr("Temporary password"))
        self.again_label.setText(self.tr("Temporary password again"))

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        if self.password_edit.text() != self.again_edit.text():
            self.message.show_error(self.tr("The two passwords are not the same."))
            self.again_edit.setFocus()
            return
        self.run(
            staff.reset_password, self.ctx.clinic, actor, self.info.id,
            temporary_password=self.password_edit.text(),
        )


class StaffTab(QWidget):
    """The staff table and its buttons (shown only with ``Action.STAFF_MANAGE``)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loads = 0
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.model = StaffTableModel(self._until_text, self)
        self.table = QTableView(self)
        self.table.setObjectName("staffTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((200, 140, 130, 140)):
            header.resizeSection(column, width)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _i: self.open_edit_dialog())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.edit_button = QPushButton(self)
        self.reset_button = QPushButton(self)
        self.unlock_button = QPushButton(self)
        self.toggle_button = QPushButton(self)
        self.add_button.clicked.connect(lambda: self.open_add_dialog())
        self.edit_button.clicked.connect(lambda: self.open_edit_dialog())
        self.reset_button.clicked.connect(lambda: self.open_reset_dialog())
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.toggle_button.clicked.connect(self.toggle_selected)
        for button in (self.add_button, self.edit_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.toggle_button)
        layout.addLayout(buttons)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.refresh()

    # -- language -------------------------------------------------------------------

    def retranslate(self) -> None:
        self.intro.setText(
            self.tr("Everyone who signs in to ClinicDesk. Disable the account of someone who "
                    "leaves; their name stays in the records they wrote.")
        )
        self.add_button.setText(self.tr("Add…"))
        self.edit_button.setText(self.tr("Edit…"))
        self.reset_button.setText(self.tr("Reset password…"))
        self.unlock_button.setText(self.tr("Unlock"))
        self.unlock_button.setToolTip(
            self.tr("Let a locked account sign in again before the lock ends")
        )
        self.model.retranslate()
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading ----------------------------------------------------------------------

    def _until_text(self, moment: datetime) -> str:
        clinic = self.ctx.clinic
        tz = clinic.timezone()
        local = moment.astimezone(tz)
        if local.date() == clinic.now().astimezone(tz).date():
            return local.strftime("%H:%M")
        return local.strftime("%Y-%m-%d %H:%M")

    def refresh(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            staff.list_staff, self.ctx.clinic, actor,
            on_success=self._show_rows, on_error=lambda e: self.message.show_error(error_text(e)),
        )

    def _show_rows(self, rows: list[StaffInfo]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.id)
        self.loads += 1
        self._update_buttons()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.STAFF):
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        # Locks run out with time, not with a write: look again when shown.
        if self.loads:
            self.refresh()
        super().showEvent(event)

    # -- selection --------------------------------------------------------------------

    def selected(self) -> StaffInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.info(rows[0].row()) if rows else None

    def select(self, staff_id: uuid.UUID) -> bool:
        row = self.model.row_of(staff_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def _update_buttons(self) -> None:
        info = self.selected()
        self.edit_button.setEnabled(info is not None)
        self.reset_button.setEnabled(info is not None)
        self.unlock_button.setEnabled(info is not None and info.locked_until is not None)
        self.toggle_button.setEnabled(info is not None)
        if info is not None and info.disabled:
            self.toggle_button.setText(self.tr("Enable"))
            self.toggle_button.setToolTip(self.tr("Let this person sign in again"))
        else:
            self.toggle_button.setText(self.tr("Disable"))
            self.toggle_button.setToolTip(
                self.tr("Stop this person signing in; their records stay")
            )

    # -- actions ----------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_add_dialog(self) -> QDialog | None:
        if self.ctx.actor is None:
            return None
        self.message.clear()
        return self._open(StaffDialog(self.ctx, None, self))

    def open_edit_dialog(self) -> QDialog | None:
        info = self.selected()
        if info is None or self.ctx.actor is None:
            return None
        self.message.clear()
        return self._open(StaffDialog(self.ctx, info, self))

    def open_reset_dialog(self) -> QDialog | None:
        info = self.selected()
        if info is None or self.ctx.actor is None:
            return None
        self.message.clear()
        dialog = ResetPasswordDialog(self.ctx, info, self)
        dialog.accepted.connect(
            lambda: self.message.show_ok(
                self.tr("{name} has a temporary password now.").format(name=info.display_name)
            )
        )
        return self._open(dialog)

    def unlock_selected(self) -> None:
        info = self.selected()
        actor = self.ctx.actor
        if info is None or actor is None:
            return
        self.message.clear()
        self.ctx.runner.start(
            staff.unlock_account, self.ctx.clinic, actor, info.id,
            on_success=lambda w: self._written(
                w, self.tr("{name} can sign in again.").format(name=info.display_name)
            ),
            on_error=lambda e: self.message.show_error(error_text(e)),
        )

    def toggle_selected(self) -> None:
        info = self.selected()
        actor = self.ctx.actor
        if info is None or actor is None:
            return
        self.message.clear()
        disable = not info.disabled
        done = (
            self.tr("{name}'s account is disabled.") if disable
            else self.tr("{name}'s account is enabled again.")
        ).format(name=info.display_name)
        self.ctx.runner.start(
            staff.update_staff, self.ctx.clinic, actor, info.id, disabled=disable,
            on_success=lambda w: self._written(w, done),
            on_error=lambda e: self.message.show_error(error_text(e)),
        )

    def _written(self, written: Written[StaffInfo], text: str) -> None:
        self.message.show_ok(text)
        self.ctx.broadcast(written.changes)
