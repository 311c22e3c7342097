"""The day's call list (spec E3, A5): every call and message due, one list.

``WorklistPanel`` asks ``followups.prepare_worklist`` to derive the day's
confirmation calls, week-before messages and no-show callbacks (idempotent,
so every workstation may ask), then shows ``followups.worklist`` for the
chosen day, filtered by who should call and by kind; overdue items first, in
red. Enter or a double-click opens the call; a task can be added by hand,
given to someone else or closed with a reason.

The core's code tables (kinds, channels, callers, outcomes, close reasons)
are put into words here, for the call dialog and the supervisor's tabs too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action, Role, allowed
from clinic_desk.core.services import clinical, followups, patient_search, rosters, staff
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients.common import (
    ReadOnlyTable,
    combo_index,
    full_error_text,
    local,
    tr_code,
)
from clinic_desk.ui.reception.common import PatientSearch, hit_line
from clinic_desk.ui.settings.common import HINT_COLOR, MessageLabel, hint_label

GREY = HINT_COLOR
RETRY_CHECK_MS = 60_000  # the clock is looked at each minute: midnight, retries coming due


# -- the words for the core's codes ----------------------------------------------------------


def code_label(table: dict[str, str], code: str, context: str = "Followup") -> str:
    """A core code's words (marked QT_TRANSLATE_NOOP there), or the code if unknown."""
    text = table.get(code)
    return tr_code(context, text) if text else code


def kind_label(kind: str) -> str:
    return code_label(followups.KIND_LABELS, kind)


def channel_label(channel: str) -> str:
    return code_label(followups.CHANNEL_LABELS, channel)


def caller_label(role: str) -> str:
    return code_label(followups.CALLER_LABELS, role)


def outcome_label(outcome: str) -> str:
    return code_label(followups.OUTCOME_LABELS, outcome)


def close_reason_label(reason: str) -> str:
    return code_label(followups.CLOSE_REASON_LABELS, reason, "FollowupClose")


def status_label(status: str) -> str:
    return {
        "open": QCoreApplication.translate("Followups", "Open"),
        "done": QCoreApplication.translate("Followups", "Done"),
        "closed": QCoreApplication.translate("Followups", "Closed"),
    }.get(status, status)


def category_label(category: str) -> str:
    label = clinical.VISIT_CATEGORY_LABELS.get(category)
    return tr_code("VisitCategory", label) if label else category


def patient_text(task: followups.TaskView) -> str:
    """The name, and how to address them when that differs (张三（张先生）)."""
    if task.honorific and task.honorific != task.patient_name:
        return f"{task.patient_name}（{task.honorific}）"
    return task.patient_name


def what_text(ctx: AppContext, task: followups.TaskView) -> str:
    """What the call is about: the plan and level, the appointment, or the purpose typed."""
    if task.kind == "confirm":
        return QCoreApplication.translate("Followups", "Confirm the appointment at {time}").format(
            time=local(ctx, task.appointment_at)
        )
    if task.kind == "no_show":
        return QCoreApplication.translate("Followups", "Missed the appointment at {time}").format(
            time=local(ctx, task.appointment_at)
        )
    if task.kind == "manual":
        return task.title or kind_label(task.kind)
    text = category_label(task.plan_category) if task.plan_category else kind_label(task.kind)
    if task.level:
        text = QCoreApplication.translate("Followups", "{plan}, level {level}").format(
            plan=text, level=task.level
        )
    if task.title:
        text = f"{text}: {task.title}"
    return text


def overdue_on(task: followups.TaskView, day: date) -> int:
    """Days past the window on the day shown (the service counts from today)."""
    return max(0, (day - task.due_by).days) if task.status == "open" else 0


def due_text(task: followups.TaskView, day: date) -> str:
    late = overdue_on(task, day)
    if late:
        return QCoreApplication.translate("Followups", "%n day(s) overdue", "", late)
    if task.due_by <= day:
        return QCoreApplication.translate("Followups", "Today")
    return QCoreApplication.translate("Followups", "By {day}").format(day=task.due_by.isoformat())


def caller_text(task: followups.TaskView) -> str:
    if task.assignee_name:
        return task.assignee_name
    return QCoreApplication.translate("Followups", "{role} (anyone)").format(
        role=caller_label(task.caller_role)
    )


def attempts_text(ctx: AppContext, task: followups.TaskView) -> str:
    if not task.attempts:
        return ""
    text = f"{task.attempts} · {outcome_label(task.last_outcome)}"
    if task.next_try_at is not None and task.status == "open":
        text += " · " + QCoreApplication.translate("Followups", "try again after {time}").format(
            time=local(ctx, task.next_try_at)
        )
    return text


# -- worker side -----------------------------------------------------------------------------


def load_worklist(
    clinic: Clinic,
    actor: Actor,
    day: date,
    *,
    who: str,
    prepare: bool,
    waiting: bool,
) -> tuple[Changes | None, followups.Worklist]:
    """Derive the day's calls if asked (idempotent), then read the list."""
    changes = None
    if prepare:
        written = followups.prepare_worklist(clinic, actor, day)
        if written.value:
            changes = written.changes
    return changes, followups.worklist(clinic, actor, day, who=who, include_waiting_retry=waiting)


def assignable_staff(clinic: Clinic, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """Whom a task can be given to: oneself, the doctors and health managers, and for
    the director everyone active (the staff list is theirs to read)."""
    people: dict[uuid.UUID, str] = {}
    if actor.staff_id is not None:
        people[actor.staff_id] = actor.display_name
    if actor.is_system or allowed(actor.role, Action.APPOINTMENT_VIEW):
        for d in rosters.list_doctors(clinic, actor):
            if d.active:
                people.setdefault(d.id, d.display_name)
    if actor.is_system or allowed(actor.role, Action.STAFF_MANAGE):
        for s in staff.list_staff(clinic, actor):
            if not s.disabled:
                people.setdefault(s.id, s.display_name)
    return sorted(people.items(), key=lambda p: p[1])


# -- the table -------------------------------------------------------------------------------


class TaskTable(ReadOnlyTable):
    """The list; Enter on a row opens the call (like the reception board)."""

    sig_enter = Signal()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.sig_enter.emit()
            event.accept()
            return
        super().keyPressEvent(event)


WHO_MINE, WHO_ROLE, WHO_ALL = "mine", "my_role", "all"
COL_WHAT = 3


class WorklistPanel(QWidget):
    """Feature Follow-ups, tab "Today's calls"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("followup-worklist")
        self.data: followups.Worklist | None = None
        self.shown: list[followups.TaskView] = []
        self.loads = 0  # answers drawn so far (tests wait on it)
        self._ticket = 0
        self._prepared: set[date] = set()
        self._today = ctx.clinic.today()
        self.call_dialog: QDialog | None = None
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.day_label = QLabel(self)
        self.day_edit = QDateEdit(self)
        self.day_edit.setObjectName("worklist-day")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd ddd")
        self.day_edit.setDate(_qdate(self._today))
        self.day_label.setBuddy(self.day_edit)
        self.day_edit.dateChanged.connect(lambda _d: self.reload())
        self.today_button = QPushButton(self)
        self.today_button.setObjectName("worklist-today")
        self.today_button.clicked.connect(self.go_today)
        self.who_label = QLabel(self)
        self.who = QComboBox(self)
        self.who.setObjectName("worklist-who")
        self.who_label.setBuddy(self.who)
        self.kind_label = QLabel(self)
        self.kind = QComboBox(self)
        self.kind.setObjectName("worklist-kind")
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind_label.setBuddy(self.kind)
        self.waiting = QCheckBox(self)
        self.waiting.setObjectName("worklist-waiting")
        self.waiting.toggled.connect(lambda _on: self.reload())
        for w in (self.day_label, self.day_edit, self.today_button, self.who_label, self.who):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.kind_label)
        bar.addWidget(self.kind)
        bar.addWidget(self.waiting)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.counts = QLabel(self)
        self.counts.setObjectName("worklist-counts")
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)

        self.table = TaskTable(self)
        self.table.setObjectName("worklist-table")
        self.table.sig_enter.connect(self.open_call)
        self.table.doubleClicked.connect(lambda _i: self.open_call())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.call_button = QPushButton(self)
        self.call_button.setObjectName("worklist-call")
        self.call_button.clicked.connect(self.open_call)
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("worklist-add")
        self.add_button.clicked.connect(self.add_task)
        self.reassign_button = QPushButton(self)
        self.reassign_button.setObjectName("worklist-reassign")
        self.reassign_button.clicked.connect(self.reassign)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("worklist-close")
        self.close_button.clicked.connect(self.close_task)
        for b in (self.call_button, self.add_button, self.reassign_button, self.close_button):
            actions.addWidget(b)
        actions.addStretch(1)
        layout.addLayout(actions)

        # The director calls no one, so their list is everyone's; the rest start with theirs.
        self.who.blockSignals(True)
        for code in (WHO_MINE, WHO_ROLE, WHO_ALL):
            if code != WHO_ALL or ctx.may(Action.FOLLOWUP_SUPERVISE):
                self.who.addItem("", code)
        if ctx.actor is not None and str(ctx.actor.role) == "director":
            self.who.setCurrentIndex(combo_index(self.who, WHO_ALL))
        self.who.blockSignals(False)
        self.who.currentIndexChanged.connect(lambda _i: self.reload())
        self.kind.addItem("", "")
        for code in followups.KINDS:
            self.kind.addItem("", code)
        self.kind.currentIndexChanged.connect(lambda _i: self._fill())

        self.timer = QTimer(self)
        self.timer.setInterval(RETRY_CHECK_MS)
        self.timer.timeout.connect(self._tick)
        for keys, slot in (("Ctrl+T", self.go_today), ("Ctrl+N", self.add_task)):
            shortcut = QShortcut(QKeySequence(keys), self)
            # Only here: the Messages tab beside it has shortcuts of its own.
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self._selection_changed()

    # -- text ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.day_label.setText(self.tr("&Day"))
        self.today_button.setText(self.tr("Today"))
        self.today_button.setToolTip(self.tr("Back to today's list (Ctrl+T)"))
        self.who_label.setText(self.tr("&Calls for"))
        names = {
            WHO_MINE: self.tr("Mine"),
            WHO_ROLE: self.tr("My role"),
            WHO_ALL: self.tr("Everyone"),
        }
        for i in range(self.who.count()):
            self.who.setItemText(i, names[self.who.itemData(i)])
        self.kind_label.setText(self.tr("&Kind"))
        self.waiting.setText(self.tr("Also calls to try again later"))
        self.waiting.setToolTip(
            self.tr("Show the calls that were not answered and wait for their next try")
        )
        self.call_button.setText(self.tr("Call…"))
        self.call_button.setToolTip(self.tr("Open the call for the selected patient (Enter)"))
        self.add_button.setText(self.tr("Add a follow-up…"))
        self.add_button.setToolTip(self.tr("A call or message for a patient, by hand (Ctrl+N)"))
        self.reassign_button.setText(self.tr("Reassign…"))
        self.close_button.setText(self.tr("Close…"))
        self.close_button.setToolTip(self.tr("End the task without a call, with the reason"))
        self.table.set_headers(
            [
                self.tr("Due"),
                self.tr("Patient"),
                self.tr("Phone"),
                self.tr("What"),
                self.tr("Channel"),
                self.tr("Caller"),
                self.tr("Attempts"),
            ]
        )
        # After the columns exist: "What" takes the spare width.
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_WHAT, QHeaderView.ResizeMode.Stretch)
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- loading ---------------------------------------------------------------------------

    def day(self) -> date:
        return _pydate(self.day_edit.date())

    def go_today(self) -> None:
        self._today = self.ctx.clinic.today()
        if self.day() == self._today:
            self.reload()
        else:
            self.day_edit.setDate(_qdate(self._today))  # reloads

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.timer.isActive():
            self.timer.start()
        if self.data is None:
            self.reload()
        else:
            self._tick()  # back from another screen: the day or the retries may have moved

    def hideEvent(self, event: Any) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def _tick(self) -> None:
        """Each minute: past midnight the list moves to the new day; retries come due."""
        today = self.ctx.clinic.today()
        if today != self._today:
            was_today = self.day() == self._today
            self._today = today
            if was_today:
                self.day_edit.setDate(_qdate(today))
                return
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.FOLLOWUP_WORK):
            return
        day = self.day()
        # The day's derived calls are prepared once per day shown, never for past days.
        prepare = day >= self.ctx.clinic.today() and day not in self._prepared
        self._ticket += 1
        ticket = self._ticket

        def show(answer: tuple[Changes | None, followups.Worklist]) -> None:
            if prepare:
                self._prepared.add(day)
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(answer[1])
            if answer[0] is not None:
                self.ctx.broadcast(answer[0])

        self.ctx.runner.start(
            load_worklist,
            self.ctx.clinic,
            actor,
            day,
            who=self.who.currentData() or WHO_MINE,
            prepare=prepare,
            waiting=self.waiting.isChecked(),
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(full_error_text(error))

    def _show(self, data: followups.Worklist) -> None:
        self.data = data
        self.loads += 1
        if self.message.is_error:
            self.message.clear()
        self._fill()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.FOLLOWUPS) or (
            changes.touches(Topic.PATIENTS) and self.data is not None
        ):
            self.reload()

    # -- drawing ---------------------------------------------------------------------------

    def _fill(self) -> None:
        data = self.data
        items = list(data.items) if data is not None else []
        # The kind filter is applied here so the counts beside each kind stay whole.
        counts: dict[str, int] = {}
        for t in items:
            counts[t.kind] = counts.get(t.kind, 0) + 1
        for i in range(self.kind.count()):
            code = self.kind.itemData(i)
            if not code:
                self.kind.setItemText(i, self.tr("All kinds ({n})").format(n=len(items)))
            else:
                self.kind.setItemText(i, f"{kind_label(code)} ({counts.get(code, 0)})")
        wanted = self.kind.currentData()
        shown = [t for t in items if not wanted or t.kind == wanted]
        self.shown = shown
        day = self.day()
        now = self.ctx.clock()
        rows = [
            (
                t.id,
                [
                    due_text(t, day),
                    patient_text(t),
                    t.phone,
                    what_text(self.ctx, t),
                    channel_label(t.channel),
                    caller_text(t),
                    attempts_text(self.ctx, t),
                ],
            )
            for t in shown
        ]
        selected = self.table.current_id()
        self.table.set_rows(rows, red=[i for i, t in enumerate(shown) if overdue_on(t, day)])
        waiting_rows = [
            i for i, t in enumerate(shown) if t.next_try_at is not None and t.next_try_at > now
        ]
        for r in waiting_rows:  # not to be called yet: greyed
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setForeground(Qt.GlobalColor.gray)
        for r, t in enumerate(shown):
            if t.id == selected:
                self.table.selectRow(r)
        if self.table.currentRow() < 0 and shown:
            self.table.selectRow(0)
        if data is None:
            self.counts.setText(self.tr("Loading…"))
        elif not items:
            self.counts.setText(self.tr("Nothing to call on {day}.").format(day=day.isoformat()))
        else:
            text = self.tr("%n call(s) or message(s) on {day}", "", len(items)).format(
                day=day.isoformat()
            )
            if data.overdue:
                text += " · " + self.tr("%n overdue", "", data.overdue)
            if len(shown) != len(items):
                text += " · " + self.tr("{n} shown").format(n=len(shown))
            self.counts.setText(text)
        self._selection_changed()

    def selected(self) -> followups.TaskView | None:
        chosen = self.table.current_id()
        return next((t for t in self.shown if t.id == chosen), None)

    def _selection_changed(self) -> None:
        task = self.selected()
        for b in (self.call_button, self.reassign_button, self.close_button):
            b.setEnabled(task is not None)

    # -- actions ---------------------------------------------------------------------------

    def open_call(self) -> QDialog | None:
        task = self.selected()
        if task is None:
            return None
        from clinic_desk.ui.followups.call_dialog import CallDialog

        dialog = CallDialog(self.ctx, task.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.call_dialog = dialog
        dialog.open()
        return dialog

    def add_task(self) -> AddFollowupDialog:
        dialog = AddFollowupDialog(self.ctx, self, day=self.day())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def reassign(self) -> ReassignDialog | None:
        task = self.selected()
        if task is None:
            return None
        dialog = ReassignDialog(self.ctx, task, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def close_task(self) -> CloseTaskDialog | None:
        task = self.selected()
        if task is None:
            return None
        dialog = CloseTaskDialog(self.ctx, task, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


# -- small dialogs ---------------------------------------------------------------------------


class TaskDialog(QDialog):
    """A form saved by one service call off the GUI thread; the error stays in the dialog."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False
        self.written: Written[Any] | None = None
        self.layout_ = QVBoxLayout(self)
        self.intro = hint_label(self)
        self.intro.setWordWrap(True)
        self.layout_.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout_.addLayout(self.form)
        self.message = MessageLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)

    def save(self) -> None:
        raise NotImplementedError

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> None:
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
            **kwargs,
            on_success=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, written: Written[Any]) -> None:
        self.busy = False
        self.written = written
        self.ctx.broadcast(written.changes)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.message.show_error(full_error_text(error))

    def reject(self) -> None:
        if not self.busy:
            super().reject()


class AddFollowupDialog(TaskDialog):
    """A follow-up by hand: the patient, what for, when, how and who calls."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        day: date | None = None,
        patient_id: uuid.UUID | None = None,
        patient_name: str = "",
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("followup-add-dialog")
        self.setMinimumWidth(560)
        self.patient_id = patient_id
        start = day or ctx.clinic.today()
        self.search = PatientSearch(ctx, self, rows=4)
        self.search.sig_activated.connect(self._patient_chosen)
        self.patient_label = QLabel(patient_name, self)
        self.patient_label.setObjectName("followup-patient")
        box = QVBoxLayout()
        if patient_id is None:
            box.addWidget(self.search)
        else:
            self.search.hide()
        box.addWidget(self.patient_label)
        self.patient_row = QLabel(self)
        self.form.addRow(self.patient_row, box)
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("followup-title")
        self.title_edit.setMaxLength(followups.MAX_TITLE)
        self.title_row = QLabel(self)
        self.form.addRow(self.title_row, self.title_edit)
        days = QHBoxLayout()
        self.due_from = QDateEdit(_qdate(start), self)
        self.due_from.setObjectName("followup-due-from")
        self.due_from.setCalendarPopup(True)
        self.due_from.setDisplayFormat("yyyy-MM-dd")
        self.due_by = QDateEdit(_qdate(start + timedelta(days=2)), self)
        self.due_by.setObjectName("followup-due-by")
        self.due_by.setCalendarPopup(True)
        self.due_by.setDisplayFormat("yyyy-MM-dd")
        self.until = QLabel(self)
        self.due_from.dateChanged.connect(self._first_day_moved)
        days.addWidget(self.due_from)
        days.addWidget(self.until)
        days.addWidget(self.due_by)
        days.addStretch(1)
        self.days_row = QLabel(self)
        self.form.addRow(self.days_row, days)
        self.channel = QComboBox(self)
        self.channel.setObjectName("followup-channel")
        for code in followups.CHANNELS:
            self.channel.addItem(channel_label(code), code)
        self.channel_row = QLabel(self)
        self.form.addRow(self.channel_row, self.channel)
        self.caller = QComboBox(self)
        self.caller.setObjectName("followup-caller")
        for code in followups.CALLERS:
            self.caller.addItem(caller_label(code), code)
        # By default the adder's own role calls; customer service for everyone else (E3).
        role = ctx.actor.role if ctx.actor is not None else ""
        mine = followups.ROLE_CALLER.get(Role(role), "") if role in set(Role) else ""
        self.caller.setCurrentIndex(max(0, combo_index(self.caller, mine or "customer_service")))
        self.caller_row = QLabel(self)
        self.form.addRow(self.caller_row, self.caller)
        self.mine = QCheckBox(self)
        self.mine.setObjectName("followup-mine")
        self.form.addRow("", self.mine)
        self.finish_layout()
        self.retranslate()
        if patient_id is None:
            self.search.line.setFocus()
        else:
            self.title_edit.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Add a follow-up"))
        self.intro.setText(
            self.tr(
                "A call or message that no plan made: it appears on the list of whoever should "
                "make it from the first day."
            )
        )
        self.search.line.setPlaceholderText(self.tr("Find the patient: name, phone digits…"))
        self.patient_row.setText(self.tr("Patient"))
        self.title_row.setText(self.tr("What for"))
        self.title_edit.setPlaceholderText(self.tr("e.g. ask about the new blood pressure tablets"))
        self.days_row.setText(self.tr("Call between"))
        self.until.setText(self.tr("and"))
        self.channel_row.setText(self.tr("How"))
        self.caller_row.setText(self.tr("Who calls"))
        self.mine.setText(self.tr("I will make this call myself"))

    def _first_day_moved(self, first: QDate) -> None:
        if self.due_by.date() < first:
            self.due_by.setDate(first)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the search picks the patient; it must not also press Save.
        search = (self.search.line, self.search.results)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() in search:
            event.accept()
            return
        super().keyPressEvent(event)

    def _patient_chosen(self, hit: patient_search.PatientHit) -> None:
        self.patient_id = hit.id
        self.patient_label.setText(hit_line(hit))
        self.message.clear()
        # After this key press has finished travelling (see keyPressEvent).
        QTimer.singleShot(0, self.title_edit.setFocus)

    def save(self) -> None:
        if self.patient_id is None:
            self.message.show_error(self.tr("Choose the patient first: search and pick one."))
            self.search.line.setFocus()
            return
        actor = self.ctx.actor
        mine = self.mine.isChecked() and actor is not None and actor.staff_id is not None
        self.run(
            followups.add_task,
            self.patient_id,
            title=self.title_edit.text(),
            due_from=_pydate(self.due_from.date()),
            due_by=_pydate(self.due_by.date()),
            channel=self.channel.currentData(),
            caller_role=self.caller.currentData(),
            assignee_id=actor.staff_id if mine and actor is not None else None,
        )


class ReassignDialog(TaskDialog):
    """Give the task to one person, or back to the whole role's pool."""

    def __init__(self, ctx: AppContext, task: followups.TaskView, parent: QWidget) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("followup-reassign-dialog")
        self.setMinimumWidth(460)
        self.task = task
        self.person = QComboBox(self)
        self.person.setObjectName("followup-assignee")
        self.person.addItem("", None)
        self.person_row = QLabel(self)
        self.form.addRow(self.person_row, self.person)
        self.finish_layout()
        self.retranslate()
        actor = ctx.actor
        if actor is not None:
            ctx.runner.start(
                assignable_staff,
                ctx.clinic,
                actor,
                on_success=self._people,
                on_error=self._failed,
                owner=self,
            )

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Reassign the call"))
        self.intro.setText(f"{patient_text(self.task)}: {what_text(self.ctx, self.task)}")
        self.person_row.setText(self.tr("Who calls"))
        self.person.setItemText(
            0,
            self.tr("No one in particular: anyone in {role}").format(
                role=caller_label(self.task.caller_role)
            ),
        )

    def _people(self, people: Sequence[tuple[uuid.UUID, str]]) -> None:
        for staff_id, name in people:
            self.person.addItem(name, staff_id)
        self.person.setCurrentIndex(max(0, combo_index(self.person, self.task.assignee_id)))

    def save(self) -> None:
        self.run(followups.reassign_task, self.task.id, self.person.currentData())


# Closing by hand: a death or an opt-out is recorded in the patient file instead (it
# closes every task and cancels the messages); these are the reasons a caller gives.
MANUAL_CLOSE_REASONS = ("cancelled", "unreachable", "no_contact", "merged")


class CloseTaskDialog(TaskDialog):
    """End a task without a call, with the reason (kept with the task)."""

    def __init__(self, ctx: AppContext, task: followups.TaskView, parent: QWidget) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("followup-close-dialog")
        self.setMinimumWidth(480)
        self.task = task
        self.reason = QComboBox(self)
        self.reason.setObjectName("followup-close-reason")
        for code in MANUAL_CLOSE_REASONS:
            if code in followups.CLOSE_REASONS:
                self.reason.addItem(close_reason_label(code), code)
        self.reason_row = QLabel(self)
        self.form.addRow(self.reason_row, self.reason)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("followup-close-note")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(70)
        self.note_row = QLabel(self)
        self.form.addRow(self.note_row, self.note)
        self.finish_layout()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Close the task"))
        self.intro.setText(
            self.tr(
                "{patient}: {what}. The task leaves the list; it stays in the patient's "
                "history with the reason. If the patient died or wants no more calls, record "
                "that in the patient file instead: it ends all their calls and messages."
            ).format(patient=patient_text(self.task), what=what_text(self.ctx, self.task))
        )
        self.reason_row.setText(self.tr("Why"))
        self.note_row.setText(self.tr("Note"))

    def save(self) -> None:
        self.run(
            followups.close_task,
            self.task.id,
            reason=self.reason.currentData(),
            note=self.note.toPlainText(),
        )
