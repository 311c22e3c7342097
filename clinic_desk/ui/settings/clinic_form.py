"""Clinic settings: one form per catalog group, generated from the catalog.

The catalog (``clinic_desk.core.settings_catalog``) says each setting's type,
limits, default, label and group; this screen only lays them out. Save writes
every changed value in one ``update_settings`` call on the worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTime
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.core.services.clinic import check_clinic_name
from clinic_desk.core.settings_catalog import BY_KEY, CATALOG, SettingDef
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.i18n import LANGUAGE_NAMES, install_language
from clinic_desk.ui.settings.common import MessageLabel, NoWheelUnlessFocused, hint_label

TIME_FORMAT = "HH:mm"
# No seed default exists for the clinic's own name, address and phone: "Restore
# defaults" leaves them as they are instead of blanking them.
IDENTITY_KEYS = frozenset({"clinic.name", "clinic.address", "clinic.phone"})
# Pairs that must stay in order: (first, last), the first strictly earlier ("HH:MM"
# text compares in clock order).
ORDERED_PAIRS = (("outbox.send_from", "outbox.send_until"),)


def setting_label(definition: SettingDef) -> str:
    return QCoreApplication.translate("Settings", definition.label)


def group_label(group: str) -> str:
    return QCoreApplication.translate("Settings", group)


def choice_text(value: str) -> str:
    return LANGUAGE_NAMES.get(value) or QCoreApplication.translate("Settings", value)


def value_text(definition: SettingDef, value: Any) -> str:
    """A value as a person reads it (for the "Default: …" tooltip)."""
    if definition.kind == "bool":
        return (
            QCoreApplication.translate("ClinicSettingsTab", "Yes")
            if value
            else QCoreApplication.translate("ClinicSettingsTab", "No")
        )
    if definition.kind == "choice":
        return choice_text(str(value))
    if definition.kind == "secret":
        return "••••" if str(value) else QCoreApplication.translate("ClinicSettingsTab", "(empty)")
    if definition.kind in ("text", "secret") and not str(value):
        return QCoreApplication.translate("ClinicSettingsTab", "(empty)")
    return str(value)


class SettingRow:
    """One setting's label, editor and grey spec hint, kept together for retranslation."""

    def __init__(self, definition: SettingDef, parent: QWidget) -> None:
        self.definition = definition
        self.label = QLabel(parent)
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(220)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.editor = self._make_editor(parent)
        self.editor.setObjectName(f"setting:{definition.key}")
        self.label.setBuddy(self.editor)
        self.hint = hint_label(parent)
        self.retranslate()

    def _make_editor(self, parent: QWidget) -> QWidget:
        d = self.definition
        if d.kind == "int":
            spin = QSpinBox(parent)
            spin.setRange(
                d.minimum if d.minimum is not None else 0,
                d.maximum if d.maximum is not None else 2_147_483_647,
            )
            spin.setAccelerated(True)
            spin.setMinimumWidth(110)
            spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            return spin
        if d.kind == "bool":
            return QCheckBox(parent)
        if d.kind == "time":
            edit = QTimeEdit(parent)
            edit.setDisplayFormat(TIME_FORMAT)
            edit.setMinimumWidth(110)
            edit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            return edit
        if d.kind == "choice":
            combo = QComboBox(parent)
            for choice in d.choices:
                combo.addItem(choice_text(choice), choice)
            combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            combo.setMinimumWidth(160)
            return combo
        line = QLineEdit(parent)
        line.setMaxLength(d.max_length)
        if d.kind == "secret":  # a password: dots on screen, never in a tooltip
            line.setEchoMode(QLineEdit.EchoMode.Password)
        if d.max_length <= 8:  # a code such as "CN": a short box says so
            line.setFixedWidth(line.fontMetrics().horizontalAdvance("M") * 6 + 16)
        else:
            line.setMinimumWidth(240)
        return line

    @property
    def stretches(self) -> bool:
        return isinstance(self.editor, QLineEdit) and self.definition.max_length > 8

    def value(self) -> Any:
        e = self.editor
        if isinstance(e, QSpinBox):
            return e.value()
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QTimeEdit):
            return e.time().toString(TIME_FORMAT)
        if isinstance(e, QComboBox):
            return e.currentData()
        assert isinstance(e, QLineEdit)
        return e.text()

    def set_value(self, value: Any) -> None:
        e = self.editor
        if isinstance(e, QSpinBox):
            e.setValue(int(value))
        elif isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QTimeEdit):
            parsed = QTime.fromString(str(value), TIME_FORMAT)
            if not parsed.isValid():
                parsed = QTime.fromString(str(value), "H:mm")
            e.setTime(parsed)
        elif isinstance(e, QComboBox):
            index = e.findData(value)
            if index < 0:  # a value this version does not offer: show it, do not lose it
                e.addItem(str(value), value)
                index = e.count() - 1
            e.setCurrentIndex(index)
        elif isinstance(e, QLineEdit):
            e.setText(str(value))
            e.setCursorPosition(0)

    def connect_changed(self, callback: Callable[[], None]) -> None:
        e = self.editor
        if isinstance(e, QSpinBox):
            e.valueChanged.connect(lambda _v: callback())
        elif isinstance(e, QCheckBox):
            e.toggled.connect(lambda _v: callback())
        elif isinstance(e, QTimeEdit):
            e.timeChanged.connect(lambda _v: callback())
        elif isinstance(e, QComboBox):
            e.currentIndexChanged.connect(lambda _v: callback())
        elif isinstance(e, QLineEdit):
            e.textChanged.connect(lambda _v: callback())

    def retranslate(self) -> None:
        d = self.definition
        label = setting_label(d)
        self.label.setText(label)
        self.editor.setAccessibleName(label)
        tip = QCoreApplication.translate("ClinicSettingsTab", "Default: {value}").format(
            value=value_text(d, d.default)
        )
        self.label.setToolTip(tip)
        self.editor.setToolTip(tip)
        self.hint.setText(
            QCoreApplication.translate("ClinicSettingsTab", "spec {id}").format(id=d.spec)
            if d.spec
            else ""
        )
        self.hint.setToolTip(tip)
        if isinstance(self.editor, QComboBox):
            for i in range(self.editor.count()):
                self.editor.setItemText(i, choice_text(str(self.editor.itemData(i))))


class GroupForm(QWidget):
    """The settings of one catalog group, with its own "Restore defaults" button."""

    def __init__(self, group: str, rows: list[SettingRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.rows = rows
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        self.title = QLabel(self)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        outer.addWidget(self.title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        for r, row in enumerate(rows):
            for w in (row.label, row.editor, row.hint):
                w.setParent(self)
            grid.addWidget(row.label, r, 0, Qt.AlignmentFlag.AlignVCenter)
            field = QHBoxLayout()
            field.setSpacing(10)
            field.addWidget(row.editor, 1 if row.stretches else 0)
            field.addWidget(row.hint)
            if not row.stretches:
                field.addStretch(1)
            grid.addLayout(field, r, 1)
        outer.addLayout(grid)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addSpacing(6)
        outer.addWidget(line)
        buttons = QHBoxLayout()
        self.restore_button = QPushButton(self)
        self.restore_button.setObjectName(f"restore:{group}")
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        outer.addStretch(1)
        self.retranslate()

    def restore_defaults(self) -> None:
        """Fill the seed defaults into the editors; nothing is saved until Save."""
        for row in self.rows:
            if row.definition.key not in IDENTITY_KEYS:
                row.set_value(row.definition.default)

    def retranslate(self) -> None:
        self.title.setText(group_label(self.group))
        self.restore_button.setText(self.tr("Restore defaults"))
        self.restore_button.setToolTip(
            self.tr("Fill in the standard values for this group. Nothing changes until you "
                    "press Save. The clinic's name, address and phone are kept.")
        )
        for row in self.rows:
            row.retranslate()


class _Invalid(Exception):
    def __init__(self, key: str, text: str) -> None:
        super().__init__(text)
        self.key = key
        self.text = text


class ClinicSettingsTab(QWidget):
    """Every clinic setting, read-only for roles without ``Action.SETTINGS_EDIT``."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_edit = ctx.may(Action.SETTINGS_EDIT)
        self.baseline: dict[str, Any] = {}
        self.loaded = False
        self.saving = False
        self._wheel_filter = NoWheelUnlessFocused(self)

        layout = QVBoxLayout(self)
        self.readonly_note = QLabel(self)
        self.readonly_note.setWordWrap(True)
        self.readonly_note.setVisible(not self.can_edit)
        layout.addWidget(self.readonly_note)

        body = QHBoxLayout()
        self.group_list = QListWidget(self)
        self.group_list.setObjectName("settingGroups")
        self.group_list.setFixedWidth(170)
        self.group_list.setSpacing(3)
        self.stack = QStackedWidget(self)
        body.addWidget(self.group_list)
        body.addWidget(self.stack, 1)
        layout.addLayout(body, 1)

        self.rows: dict[str, SettingRow] = {}
        self.forms: list[GroupForm] = []
        groups: dict[str, list[SettingDef]] = {}
        for definition in CATALOG:
            groups.setdefault(definition.group, []).append(definition)
        for group, definitions in groups.items():
            rows = [SettingRow(d, self) for d in definitions]
            for row in rows:
                self.rows[row.definition.key] = row
                row.editor.installEventFilter(self._wheel_filter)
                row.editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                row.editor.setEnabled(False)  # until the values are loaded
                row.connect_changed(self._update_dirty)
            form = GroupForm(group, rows)
            form.restore_button.clicked.connect(
                lambda _=False, f=form: self._restore_defaults(f)
            )
            form.restore_button.setVisible(self.can_edit)
            scroll = QScrollArea(self)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(form)
            self.stack.addWidget(scroll)
            self.forms.append(form)
            self.group_list.addItem(group_label(group))
        self.group_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.group_list.setCurrentRow(0)

        bottom = QHBoxLayout()
        self.message = MessageLabel(self)
        bottom.addWidget(self.message, 1)
        self.revert_button = QPushButton(self)
        self.revert_button.setObjectName("revertSettings")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("saveSettings")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        for button in (self.revert_button, self.save_button):
            button.setVisible(self.can_edit)
            button.setEnabled(False)
            bottom.addWidget(button)
        layout.addLayout(bottom)

        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    # -- language -------------------------------------------------------------------

    def retranslate(self) -> None:
        self.readonly_note.setText(
            self.tr("Your role can see these settings but not change them. Ask the clinic "
                    "director if something should change.")
        )
        self.revert_button.setText(self.tr("Revert"))
        self.revert_button.setToolTip(self.tr("Undo the changes not saved yet"))
        self.save_button.setText(self.tr("Save"))
        self.save_button.setToolTip(self.tr("Save every changed setting"))
        for i, form in enumerate(self.forms):
            form.retranslate()
            item = self.group_list.item(i)
            if item is not None:
                item.setText(group_label(form.group))
        self._update_dirty()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading ----------------------------------------------------------------------

    def reload(self) -> None:
        """Read the stored values (worker thread) and show them; unsaved edits are dropped."""
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            settings_service.get_settings, self.ctx.clinic, actor,
            on_success=self._loaded, on_error=lambda e: self.message.show_error(error_text(e)),
        )

    def _loaded(self, values: dict[str, Any]) -> None:
        self.baseline = dict(values)
        for key, row in self.rows.items():
            if key in values:
                row.set_value(values[key])
            row.editor.setEnabled(self.can_edit)
        self.loaded = True
        self._update_dirty()

    def revert(self) -> None:
        self.message.clear()
        self.reload()

    def _on_changes(self, changes: Changes) -> None:
        # Someone saved settings (maybe on another screen): show them, unless this
        # person is in the middle of editing; their Save will still win per key.
        if changes.touches(Topic.SETTINGS) and not self.changed_values() and not self.saving:
            self.reload()

    # -- editing ----------------------------------------------------------------------

    def changed_values(self) -> dict[str, Any]:
        if not self.loaded:
            return {}
        return {
            key: row.value()
            for key, row in self.rows.items()
            if key in self.baseline and row.value() != self.baseline[key]
        }

    def _update_dirty(self) -> None:
        changed = self.changed_values()
        busy = self.saving or not self.loaded
        self.save_button.setEnabled(bool(changed) and not busy)
        self.revert_button.setEnabled(bool(changed) and not busy)
        for i, form in enumerate(self.forms):
            item = self.group_list.item(i)
            if item is None:
                continue
            font = item.font()
            font.setBold(any(row.definition.key in changed for row in form.rows))
            item.setFont(font)

    def _restore_defaults(self, form: GroupForm) -> None:
        form.restore_defaults()
        self.message.show_info(
            self.tr("Standard values filled in for {group}. Press Save to keep them.").format(
                group=group_label(form.group)
            )
        )

    def show_setting(self, key: str) -> None:
        """Bring the group holding ``key`` to the front and put the cursor in it."""
        for i, form in enumerate(self.forms):
            for row in form.rows:
                if row.definition.key == key:
                    self.group_list.setCurrentRow(i)
                    row.editor.setFocus()
                    return

    # -- saving -----------------------------------------------------------------------

    def _check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values in stored form, or ``_Invalid`` naming the first bad one."""
        clean: dict[str, Any] = {}
        for key, value in values.items():
            try:
                clean.update(settings_service.validate({key: value}))
                if key == "clinic.name":
                    check_clinic_name(str(value))
            except ClinicError as error:
                raise _Invalid(key, error_text(error)) from error
            if key == "clinic.timezone" and not _known_timezone(str(clean[key])):
                raise _Invalid(
                    key,
                    self.tr("{label}: type a time zone name such as Asia/Shanghai.").format(
                        label=setting_label(BY_KEY[key])
                    ),
                )
        merged = {**self.baseline, **clean}
        for first, last in ORDERED_PAIRS:
            if first in merged and last in merged and merged[first] >= merged[last]:
                raise _Invalid(
                    first if first in clean else last,
                    self.tr("“{first}” must be earlier than “{last}”.").format(
                        first=setting_label(BY_KEY[first]), last=setting_label(BY_KEY[last])
                    ),
                )
        return clean

    def save(self, changes: Mapping[str, Any] | None = None) -> bool:
        """Validate, then write every changed value in one call on the worker thread.

        ``changes`` defaults to what the person changed on screen. Returns False
        when nothing was sent (invalid input, nothing changed, busy).
        """
        actor = self.ctx.actor
        if actor is None or self.saving:
            return False
        values = dict(self.changed_values() if changes is None else changes)
        if not values:
            self.message.show_info(self.tr("There are no changes to save."))
            return False
        try:
            clean = self._check(values)
        except _Invalid as invalid:
            self.message.show_error(invalid.text)
            self.show_setting(invalid.key)
            return False
        old_language = self.baseline.get("clinic.language")
        self.saving = True
        self._update_dirty()
        self.message.show_info(self.tr("Saving…"))
        self.ctx.runner.start(
            settings_service.update_settings, self.ctx.clinic, actor, clean,
            on_success=lambda result: self._saved(result, clean, old_language),
            on_error=self._save_failed,
        )
        return True

    def _saved(self, changes: Changes, clean: dict[str, Any], old_language: Any) -> None:
        self.saving = False
        self.baseline.update(clean)
        for key, value in clean.items():
            if key in self.rows:
                self.rows[key].set_value(value)
        self._update_dirty()
        new_language = clean.get("clinic.language")
        installed = True
        if new_language is not None and new_language != old_language:
            installed = install_language(str(new_language))
            self.ctx.sig_language_changed.emit(str(new_language))
        if installed:
            self.message.show_ok(self.tr("Settings saved."))
        else:
            self.message.show_error(
                self.tr("Settings saved, but this installation has no translation for "
                        "{language}; the screens stay as they were. Reinstall ClinicDesk to "
                        "restore it.").format(language=choice_text(str(new_language)))
            )
        self.ctx.broadcast(changes)

    def _save_failed(self, error: BaseException) -> None:
        self.saving = False
        self._update_dirty()
        self.message.show_error(error_text(error))


def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return False
    return True
