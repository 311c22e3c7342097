"""The daily self-check (spec G4, 当日服务自查表).

Everyone ticks their role's checklist at the end of the day; an item left
unticked needs a word on what was missed. Submitting again the same day
updates the entry. Those who read the quality reports also see who has not
submitted (staff, day, role), and those who edit settings keep each role's
checklist.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import ROLE_LABELS, Action, Role
from clinic_desk.core.services import surveys
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import ReadOnlyTable, full_error_text, local, tr_code
from clinic_desk.ui.settings.common import ERROR_COLOR, MessageLabel, hint_label, title_label

MAX_ITEMS = 20


def role_label(role: str) -> str:
    try:
        return tr_code("Roles", ROLE_LABELS[Role(role)])
    except ValueError:
        return role


def item_text(item: str) -> str:
    """A checklist item in the interface language (the defaults are translated)."""
    return tr_code("SelfCheck", item)


def load_mine(clinic: Clinic, actor: Actor) -> tuple[tuple[str, ...], surveys.SelfCheckView | None]:
    return surveys.my_self_check(clinic, actor)


class ItemRow(QWidget):
    """One checklist item: ticked, or not and then a note saying what was missed."""

    def __init__(self, number: int, item: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.number = number
        row = QVBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        row.setSpacing(2)
        self.check = QCheckBox(f"{number}. {item_text(item)}", self)
        self.check.setObjectName(f"selfcheck-item:{number}")
        self.note = QLineEdit(self)
        self.note.setObjectName(f"selfcheck-note:{number}")
        self.note.setMaxLength(200)
        self.retranslate()
        row.addWidget(self.check)
        row.addWidget(self.note)
        self.check.toggled.connect(lambda _on: self._apply())
        self._apply()

    def retranslate(self) -> None:
        self.check.setText(f"{self.number}. {item_text(self.item)}")
        self.note.setPlaceholderText(
            QCoreApplication.translate("SelfCheckPanel", "What was missed, and what you did")
        )

    def _apply(self) -> None:
        # The note is asked for only when the item was not done.
        self.note.setVisible(not self.check.isChecked())

    def answer(self) -> tuple[str, bool, str]:
        ok = self.check.isChecked()
        return self.item, ok, "" if ok else self.note.text().strip()


class SelfCheckPanel(QWidget):
    """My checklist for today; for supervisors the missing ones and the checklist editor."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("quality-selfcheck")
        self.zone = ctx.clinic.timezone()
        self.entry: surveys.SelfCheckView | None = None
        self.rows: list[ItemRow] = []
        self.shown: tuple[list[tuple[str, bool, str]], str] = ([], "")
        self.busy = False
        self.loads = 0
        outer = QHBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(split)

        mine = QWidget(split)
        col = QVBoxLayout(mine)
        self.title = title_label(mine)
        col.addWidget(self.title)
        self.status = QLabel(mine)
        self.status.setObjectName("selfcheck-status")
        col.addWidget(self.status)
        self.items_box = QVBoxLayout()
        col.addLayout(self.items_box)
        self.note_label = QLabel(mine)
        col.addWidget(self.note_label)
        self.note = QPlainTextEdit(mine)
        self.note.setObjectName("selfcheck-note")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(80)
        col.addWidget(self.note)
        self.message = MessageLabel(mine)
        self.message.setObjectName("selfcheck-message")
        col.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.submit_button = QPushButton(mine)
        self.submit_button.setObjectName("selfcheck-submit")
        self.submit_button.setEnabled(False)
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.submit_button)
        col.addLayout(buttons)
        col.addStretch(1)
        split.addWidget(mine)

        self.missing: MissingPanel | None = None
        self.editor: ChecklistEditor | None = None
        if ctx.may(Action.QUALITY_REPORTS) or ctx.may(Action.SETTINGS_EDIT):
            self.side = QTabWidget(split)
            if ctx.may(Action.QUALITY_REPORTS):
                self.missing = MissingPanel(ctx, self.side)
                self.side.addTab(self.missing, "")
            if ctx.may(Action.SETTINGS_EDIT):
                self.editor = ChecklistEditor(ctx, self.side)
                self.side.addTab(self.editor, "")
            split.addWidget(self.side)
            split.setSizes([520, 620])
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    def retranslate(self) -> None:
        today = self.ctx.clock().astimezone(self.zone).date()
        self.title.setText(self.tr("My self-check for {day}").format(day=today.isoformat()))
        self.note_label.setText(self.tr("Anything else about today (optional)"))
        if self.missing is not None:
            self.side.setTabText(self.side.indexOf(self.missing), self.tr("Missing self-checks"))
        if self.editor is not None:
            self.side.setTabText(self.side.indexOf(self.editor), self.tr("Checklists"))
        for row in self.rows:
            row.retranslate()
        self._show_status()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _on_changes(self, changes: Changes) -> None:
        # Any quality change (a complaint step, a sync round) would redraw the list:
        # not while the person is ticking it, or their unsaved ticks and notes are lost.
        if changes.touches(Topic.QUALITY) and not self.busy and not self.edited():
            self.reload()

    def _state(self) -> tuple[list[tuple[str, bool, str]], str]:
        return [row.answer() for row in self.rows], self.note.toPlainText()

    def edited(self) -> bool:
        """Whether the form differs from what was loaded or last submitted."""
        return self._state() != self.shown

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            load_mine,
            self.ctx.clinic,
            actor,
            on_success=self._loaded,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _loaded(self, answer: tuple[tuple[str, ...], surveys.SelfCheckView | None]) -> None:
        items, entry = answer
        self.loads += 1
        self.entry = entry
        for row in self.rows:
            self.items_box.removeWidget(row)
            row.deleteLater()
        self.rows = []
        done = {item: (ok, note) for item, ok, note in entry.answers} if entry else {}
        for number, item in enumerate(items, start=1):
            row = ItemRow(number, item, self)
            ok, note = done.get(item, (False, ""))
            row.check.setChecked(ok)
            row.note.setText(note)
            self.items_box.addWidget(row)
            self.rows.append(row)
        self.note.setPlainText(entry.note if entry else "")
        self.shown = self._state()
        self.submit_button.setEnabled(bool(items))
        if not items:
            self.message.show_info(self.tr("Your role has no checklist yet."))
        self._show_status()

    def _show_status(self) -> None:
        if self.entry is None:
            self.status.setText(self.tr("Not submitted yet: tick each item at the end of the day."))
            self.status.setStyleSheet(f"color: {ERROR_COLOR};")
            self.submit_button.setText(self.tr("Submit"))
        else:
            when = local(self.ctx, self.entry.completed_at)[-5:]
            self.status.setText(
                self.tr("Submitted at {time}. You can change it and submit again.").format(
                    time=when
                )
            )
            self.status.setStyleSheet("color: #1b5e20;")
            self.submit_button.setText(self.tr("Update"))

    def answers(self) -> list[tuple[str, bool, str]] | None:
        """The ticks and notes; None (and a sentence) when an unticked item has no note."""
        for row in self.rows:
            _item, ok, note = row.answer()
            if not ok and not note:
                self.message.show_error(
                    self.tr("Say what was missed in item {n}, or tick it if it was done.").format(
                        n=row.number
                    )
                )
                row.note.setFocus()
                return None
        return [row.answer() for row in self.rows]

    def submit(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        answers = self.answers()
        if answers is None:
            return
        self.busy = True
        self.submit_button.setEnabled(False)

        def done(written: Written[surveys.SelfCheckView]) -> None:
            self.busy = False
            self.submit_button.setEnabled(True)
            self.entry = written.value
            self.shown = self._state()
            self._show_status()
            self.message.show_ok(self.tr("Thank you. Your self-check is saved."))
            self.ctx.broadcast(written.changes)

        def failed(error: BaseException) -> None:
            self.busy = False
            self.submit_button.setEnabled(True)
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            surveys.submit_self_check,
            self.ctx.clinic,
            actor,
            answers=answers,
            note=self.note.toPlainText(),
            on_success=done,
            on_error=failed,
            owner=self,
        )


class MissingPanel(QWidget):
    """Who worked and did not submit, per day (QUALITY_REPORTS)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("selfcheck-missing")
        self.shown: list[surveys.MissingSelfCheck] = []
        self.loads = 0
        col = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.first_edit = QDateEdit(self)
        self.first_edit.setObjectName("missing-first-day")
        self.last_edit = QDateEdit(self)
        self.last_edit.setObjectName("missing-last-day")
        today = ctx.clock().astimezone(ctx.clinic.timezone()).date()
        for edit, day in ((self.first_edit, today - timedelta(days=6)), (self.last_edit, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.dateChanged.connect(lambda _d: self.reload())
        bar.addWidget(self.first_edit)
        bar.addWidget(QLabel("–", self))
        bar.addWidget(self.last_edit)
        bar.addStretch(1)
        col.addLayout(bar)
        self.message = MessageLabel(self)
        col.addWidget(self.message)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("missing-table")
        col.addWidget(self.table, 1)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        col.addWidget(self.hint)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    def retranslate(self) -> None:
        self.table.set_headers([self.tr("Day"), self.tr("Staff"), self.tr("Role")])
        self.hint.setText(
            self.tr(
                "Doctors count on the days they are rostered, everyone else on the days the "
                "clinic is open. Today is listed from tomorrow: the check is done at the day's end."
            )
        )
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.QUALITY) or changes.touches(Topic.ROSTERS):
            self.reload()

    def days(self) -> tuple[date, date]:
        a, b = self.first_edit.date(), self.last_edit.date()
        return date(a.year(), a.month(), a.day()), date(b.year(), b.month(), b.day())

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        first, last = self.days()

        def show(rows: list[surveys.MissingSelfCheck]) -> None:
            self.loads += 1
            self.shown = rows
            self.message.clear()
            self._show()

        def failed(error: BaseException) -> None:
            self.loads += 1
            self.shown = []
            self._show()
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            surveys.missing_self_checks,
            self.ctx.clinic,
            actor,
            first,
            last,
            on_success=show,
            on_error=failed,
            owner=self,
        )

    def _show(self) -> None:
        self.table.set_rows(
            [
                (m.staff_id, [m.day.isoformat(), m.staff_name, role_label(m.role)])
                for m in self.shown
            ]
        )
        if not self.shown and not self.message.is_error:
            self.message.show_info(self.tr("Everyone who worked submitted their self-check."))


class ChecklistEditor(QWidget):
    """Each role's checklist (SETTINGS_EDIT): add, remove, reorder, save."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("selfcheck-editor")
        self.lists: dict[str, tuple[str, ...]] = {}
        self.loads = 0
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        self.role_label = QLabel(self)
        self.role = QComboBox(self)
        self.role.setObjectName("checklist-role")
        for role in Role:
            self.role.addItem("", role.value)
        top.addWidget(self.role_label)
        top.addWidget(self.role)
        top.addStretch(1)
        col.addLayout(top)
        body = QGridLayout()
        self.items = QListWidget(self)
        self.items.setObjectName("checklist-items")
        body.addWidget(self.items, 0, 0, 5, 1)
        self.add_button = QPushButton(self)
        self.remove_button = QPushButton(self)
        self.up_button = QPushButton(self)
        self.down_button = QPushButton(self)
        for index, (button, name) in enumerate(
            (
                (self.add_button, "checklist-add"),
                (self.remove_button, "checklist-remove"),
                (self.up_button, "checklist-up"),
                (self.down_button, "checklist-down"),
            )
        ):
            button.setObjectName(name)
            body.addWidget(button, index, 1)
        col.addLayout(body, 1)
        self.message = MessageLabel(self)
        col.addWidget(self.message)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("checklist-save")
        save_row.addWidget(self.save_button)
        col.addLayout(save_row)
        self.add_button.clicked.connect(self.add_item)
        self.remove_button.clicked.connect(self.remove_item)
        self.up_button.clicked.connect(lambda: self.move_row(-1))
        self.down_button.clicked.connect(lambda: self.move_row(1))
        self.save_button.clicked.connect(self.save)
        self.role.currentIndexChanged.connect(lambda _i: self._show())
        self.retranslate()
        self.reload()

    def retranslate(self) -> None:
        self.role_label.setText(self.tr("Role"))
        for i in range(self.role.count()):
            self.role.setItemText(i, role_label(str(self.role.itemData(i))))
        self.add_button.setText(self.tr("Add"))
        self.remove_button.setText(self.tr("Remove"))
        self.up_button.setText(self.tr("Up"))
        self.down_button.setText(self.tr("Down"))
        self.save_button.setText(self.tr("Save the checklist"))
        self.items.setToolTip(self.tr("Double-click an item to change its words"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return

        def show(lists: dict[str, tuple[str, ...]]) -> None:
            self.loads += 1
            self.lists = dict(lists)
            self._show()

        self.ctx.runner.start(
            surveys.self_check_lists,
            self.ctx.clinic,
            actor,
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def role_code(self) -> str:
        return str(self.role.currentData())

    def _show(self) -> None:
        self.items.clear()
        for text in self.lists.get(self.role_code(), ()):
            self._append(item_text(text)).setData(Qt.ItemDataRole.UserRole, text)
        self.message.clear()

    def _append(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text, self.items)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        return item

    def texts(self) -> list[str]:
        """The items to save; one left as shown keeps its source words (still translated)."""
        out = []
        for i in range(self.items.count()):
            item = self.items.item(i)
            source = item.data(Qt.ItemDataRole.UserRole)
            text = item.text().strip()
            out.append(source if isinstance(source, str) and text == item_text(source) else text)
        return out

    def add_item(self) -> None:
        if self.items.count() >= MAX_ITEMS:
            self.message.show_error(
                self.tr("A checklist has at most {n} items.").format(n=MAX_ITEMS)
            )
            return
        item = self._append(self.tr("New item"))
        self.items.setCurrentItem(item)
        self.items.editItem(item)

    def remove_item(self) -> None:
        row = self.items.currentRow()
        if row >= 0:
            self.items.takeItem(row)

    def move_row(self, step: int) -> None:
        row = self.items.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.items.count():
            return
        item = self.items.takeItem(row)
        self.items.insertItem(target, item)
        self.items.setCurrentRow(target)

    def save(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        role, items = self.role_code(), self.texts()
        self.save_button.setEnabled(False)

        def done(written: Written[object]) -> None:
            self.save_button.setEnabled(True)
            self.lists[role] = tuple(items)
            self.message.show_ok(self.tr("Saved. The new list applies from now on."))
            self.ctx.broadcast(written.changes)

        def failed(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.message.show_error(full_error_text(error))

        self.ctx.runner.start(
            surveys.save_self_check_list,
            self.ctx.clinic,
            actor,
            role,
            items,
            on_success=done,
            on_error=failed,
            owner=self,
        )
