"""Settings → Follow-up plans (spec E1; issue 9): which calls or messages follow a
finished visit of each category, how many days after it, and who makes them.

Everyone who works the follow-up list (or reads the settings) sees the plans;
only ``Action.FOLLOWUP_SUPERVISE`` gets the editors and the buttons. A changed
plan applies to visits finished from then on: follow-ups already on the list
keep their dates (the service never moves them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import clinical, followups
from clinic_desk.core.services import settings as settings_service
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.followups import PlanStep, PlanView
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text
from clinic_desk.ui.patients.common import combo_index, tr_code
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label

COL_AFTER, COL_WITHIN, COL_CHANNEL, COL_CALLER, COL_LEVEL, COL_CHECKS = range(6)
SAMPLE_KEY = "followup.random_sample_percent"


def category_label(category: str) -> str:
    return tr_code("VisitCategory", clinical.VISIT_CATEGORY_LABELS.get(category, category))


def channel_label(channel: str) -> str:
    return tr_code("Followup", followups.CHANNEL_LABELS.get(channel, channel))


def caller_label(caller: str) -> str:
    return tr_code("Followup", followups.CALLER_LABELS.get(caller, caller))


@dataclass(frozen=True)
class PlansData:
    plans: list[PlanView]
    sample_percent: int


def load_plans(clinic: Clinic, actor: Actor) -> PlansData:
    """On the worker thread: every category's plan and the sampling percentage."""
    plans = followups.list_plans(clinic, actor)
    return PlansData(plans, int(clinic.setting(SAMPLE_KEY)))


def save_plan_and_sample(
    clinic: Clinic,
    actor: Actor,
    category: str,
    steps: Sequence[PlanStep],
    *,
    active: bool,
    sample_percent: int | None,
) -> tuple[Written[PlanView], Changes]:
    """The plan, then (for "other", when changed) the sampling percentage (a setting)."""
    written = followups.save_plan(clinic, actor, category, steps, active=active)
    changes = written.changes
    if sample_percent is not None:
        changes = changes | settings_service.update_settings(
            clinic, actor, {SAMPLE_KEY: sample_percent}
        )
    return written, changes


class StepEditor:
    """The editors of one step, one per column of the table."""

    def __init__(self, tab: FollowupPlansTab, step: PlanStep) -> None:
        parent = tab.table
        self.after = QSpinBox(parent)
        self.after.setRange(0, followups.MAX_DAYS)
        self.after.setValue(step.after_days)
        self.within = QSpinBox(parent)
        self.within.setRange(0, followups.MAX_DAYS)
        self.within.setValue(step.within_days)
        self.channel = QComboBox(parent)
        for code in followups.CHANNELS:
            self.channel.addItem(channel_label(code), code)
        self.channel.setCurrentIndex(max(0, combo_index(self.channel, step.channel)))
        self.caller = QComboBox(parent)
        for code in followups.CALLERS:
            self.caller.addItem(caller_label(code), code)
        self.caller.setCurrentIndex(max(0, combo_index(self.caller, step.caller)))
        self.level = QSpinBox(parent)
        self.level.setRange(0, followups.MAX_LEVEL)
        self.level.setValue(step.level)
        self.checks = QCheckBox(parent)
        self.checks.setChecked(step.checks_previous)
        self.retranslate()
        for spin in (self.after, self.within, self.level):
            spin.valueChanged.connect(tab.mark_changed)
        for combo in (self.channel, self.caller):
            combo.currentIndexChanged.connect(tab.mark_changed)
        self.checks.toggled.connect(tab.mark_changed)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.after, self.within, self.channel, self.caller, self.level, self.checks)

    def retranslate(self) -> None:
        self.level.setSpecialValueText(QCoreApplication.translate("FollowupPlansTab", "—"))
        self.checks.setText(QCoreApplication.translate("FollowupPlansTab", "checks"))
        self.checks.setToolTip(
            QCoreApplication.translate(
                "FollowupPlansTab",
                "This call also asks whether the earlier levels' calls happened.",
            )
        )
        for i in range(self.channel.count()):
            self.channel.setItemText(i, channel_label(str(self.channel.itemData(i))))
        for i in range(self.caller.count()):
            self.caller.setItemText(i, caller_label(str(self.caller.itemData(i))))

    def step(self) -> PlanStep:
        return PlanStep(
            after_days=self.after.value(),
            within_days=self.within.value(),
            channel=str(self.channel.currentData()),
            caller=str(self.caller.currentData()),
            level=self.level.value(),
            checks_previous=self.checks.isChecked(),
        )


class FollowupPlansTab(QWidget):
    """The categories on the left; the chosen one's steps on the right."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("followupPlansTab")
        self.plans: dict[str, PlanView] = {}
        self.sample_percent = 0
        self.category = ""
        self.editors: list[StepEditor] = []
        self.changed = False
        self.busy = False
        self.loads = 0  # answers drawn (tests wait on them)
        self._filling = False
        layout = QHBoxLayout(self)
        self.categories = QListWidget(self)
        self.categories.setObjectName("planCategories")
        self.categories.setMaximumWidth(260)
        self.categories.currentRowChanged.connect(self._category_chosen)
        layout.addWidget(self.categories)

        right = QVBoxLayout()
        layout.addLayout(right, 1)
        self.title = title_label(self)
        self.title.setObjectName("planTitle")
        right.addWidget(self.title)
        self.state = hint_label(self)
        self.state.setObjectName("planState")
        right.addWidget(self.state)
        self.active = QCheckBox(self)
        self.active.setObjectName("planActive")
        self.active.toggled.connect(self.mark_changed)
        right.addWidget(self.active)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("planSteps")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        right.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addStep")
        self.add_button.clicked.connect(self.add_step)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("removeStep")
        self.remove_button.clicked.connect(self.remove_step)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        right.addLayout(row)

        self.sample_box = QWidget(self)
        sample = QHBoxLayout(self.sample_box)
        sample.setContentsMargins(0, 0, 0, 0)
        self.sample_label = QLabel(self.sample_box)
        self.sample_spin = QSpinBox(self.sample_box)
        self.sample_spin.setObjectName("samplePercent")
        self.sample_spin.setRange(0, 100)
        self.sample_spin.setSuffix(" %")
        self.sample_spin.valueChanged.connect(self.mark_changed)
        self.sample_hint = hint_label(self.sample_box)
        self.sample_hint.setWordWrap(True)
        sample.addWidget(self.sample_label)
        sample.addWidget(self.sample_spin)
        sample.addWidget(self.sample_hint, 1)
        right.addWidget(self.sample_box)

        self.explain = QLabel(self)
        self.explain.setObjectName("planExplain")
        self.explain.setWordWrap(True)
        font = QFont(self.explain.font())
        font.setItalic(True)
        self.explain.setFont(font)
        right.addWidget(self.explain)
        self.readonly_note = hint_label(self)
        self.readonly_note.setWordWrap(True)
        right.addWidget(self.readonly_note)
        self.message = MessageLabel(self)
        self.message.setObjectName("planMessage")
        right.addWidget(self.message)
        buttons = QHBoxLayout()
        self.restore_button = QPushButton(self)
        self.restore_button.setObjectName("restorePlan")
        self.restore_button.clicked.connect(self.restore_default)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("savePlan")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right.addLayout(buttons)

        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()
        self.reload()

    # -- text -----------------------------------------------------------------------------

    @property
    def may_edit(self) -> bool:
        return self.ctx.may(Action.FOLLOWUP_SUPERVISE)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("After (days)"),
                self.tr("Within (days)"),
                self.tr("How"),
                self.tr("Who calls"),
                self.tr("Level"),
                self.tr("Earlier levels"),
            ]
        )
        tips = {
            COL_AFTER: self.tr(
                "Days after the visit finished when the call is due (0: the same day)."
            ),
            COL_WITHIN: self.tr(
                "How many days the caller has from then; a closed day moves the deadline."
            ),
            COL_LEVEL: self.tr("Levels 1-3 of the chronic discharge plan; “—” for other plans."),
        }
        for column, tip in tips.items():
            item = self.table.horizontalHeaderItem(column)
            if item is not None:
                item.setToolTip(tip)
        self.active.setText(self.tr("Make follow-ups for this kind of visit"))
        self.add_button.setText(self.tr("Add a step"))
        self.remove_button.setText(self.tr("Remove the step"))
        self.sample_label.setText(self.tr("Random sample each month"))
        self.explain.setText(
            self.tr(
                "A changed plan applies to visits finished from now on. Follow-ups already "
                "on the list keep their dates."
            )
        )
        self.readonly_note.setText(
            self.tr("Only a supervisor (the director or a health manager) can change the plans.")
        )
        self.restore_button.setText(self.tr("Restore the default…"))
        self.save_button.setText(self.tr("Save"))
        for editor in self.editors:
            editor.retranslate()
        for i in range(self.categories.count()):
            entry = self.categories.item(i)
            entry.setText(self._category_text(str(entry.data(Qt.ItemDataRole.UserRole))))
        self._show_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _category_text(self, category: str) -> str:
        plan = self.plans.get(category)
        label = category_label(category)
        if plan is not None and not plan.is_default:
            return self.tr("{category} (changed)").format(category=label)
        return label

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            load_plans,
            self.ctx.clinic,
            actor,
            on_success=self._loaded,
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, data: PlansData) -> None:
        self.plans = {p.category: p for p in data.plans}
        self.sample_percent = data.sample_percent
        self.loads += 1
        order = [c for c in clinical.VISIT_CATEGORIES if c in self.plans]
        order += [c for c in self.plans if c not in order]
        wanted = self.category or (order[0] if order else "")
        self.categories.blockSignals(True)
        self.categories.clear()
        for category in order:
            item = QListWidgetItem(self._category_text(category))
            item.setData(Qt.ItemDataRole.UserRole, category)
            self.categories.addItem(item)
        self.categories.setCurrentRow(order.index(wanted) if wanted in order else 0)
        self.categories.blockSignals(False)
        self.show_plan(wanted)

    def _failed(self, error: BaseException) -> None:
        self.message.show_error(error_text(error))

    def _on_changes(self, changes: Changes) -> None:
        # Another screen (or workstation) changed a plan: redraw unless edits are pending.
        if (changes.touches(Topic.FOLLOWUPS) or changes.touches(Topic.SETTINGS)) and not (
            self.changed or self.busy
        ):
            self.reload()

    # -- showing one plan -----------------------------------------------------------------

    def show_plan(self, category: str) -> None:
        plan = self.plans.get(category)
        self.category = category
        self._filling = True
        try:
            self.title.setText(category_label(category))
            self.table.setRowCount(0)
            self.editors = []
            for step in plan.steps if plan is not None else ():
                self._append(step)
            self.active.setChecked(plan.active if plan is not None else True)
            self.sample_box.setVisible(plan is not None and plan.sampled_percent is not None)
            self.sample_spin.setValue(self.sample_percent)
        finally:
            self._filling = False
        self.changed = False
        self._show_state()

    def _append(self, step: PlanStep) -> None:
        editor = StepEditor(self, step)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, widget in enumerate(editor.widgets()):
            self.table.setCellWidget(row, column, widget)
        self.editors.append(editor)

    def _category_chosen(self, row: int) -> None:
        item = self.categories.item(row)
        if item is None:
            return
        category = str(item.data(Qt.ItemDataRole.UserRole))
        if category == self.category:
            return
        if self.changed and not self.confirm_discard():
            self.categories.blockSignals(True)
            self.categories.setCurrentRow(self._row_of(self.category))
            self.categories.blockSignals(False)
            return
        self.message.clear()
        self.show_plan(category)

    def _row_of(self, category: str) -> int:
        for i in range(self.categories.count()):
            if self.categories.item(i).data(Qt.ItemDataRole.UserRole) == category:
                return i
        return -1

    def confirm_discard(self) -> bool:
        """Leave a plan with unsaved changes? (tests replace this)"""
        answer = QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            self.tr("The changes to the plan for “{category}” are not saved. Discard them?").format(
                category=category_label(self.category)
            ),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def mark_changed(self, *_: Any) -> None:
        if self._filling:
            return
        self.changed = True
        self.message.clear()
        self._show_state()

    def _show_state(self) -> None:
        plan = self.plans.get(self.category)
        may_edit = self.may_edit
        if plan is None:
            self.state.clear()
        elif self.changed:
            self.state.setText(self.tr("Changed here, not saved yet."))
        elif plan.is_default:
            self.state.setText(self.tr("The shipped default plan."))
        else:
            self.state.setText(self.tr("Changed by the clinic."))
        if plan is not None and plan.sampled_percent is not None:
            self.sample_hint.setText(
                self.tr(
                    "Visits of this kind get a call only if drawn in the sample: this share "
                    "of them, chosen at random."
                )
            )
        for editor in self.editors:
            for widget in editor.widgets():
                widget.setEnabled(may_edit and not self.busy)
        self.active.setEnabled(may_edit and not self.busy)
        self.sample_spin.setEnabled(
            may_edit and self.ctx.may(Action.SETTINGS_EDIT) and not self.busy
        )
        for widget in (self.add_button, self.remove_button, self.restore_button, self.save_button):
            widget.setVisible(may_edit)
        self.readonly_note.setVisible(not may_edit)
        self._update_buttons()

    def _update_buttons(self) -> None:
        plan = self.plans.get(self.category)
        idle = plan is not None and not self.busy
        self.add_button.setEnabled(idle and len(self.editors) < followups.MAX_STEPS)
        self.remove_button.setEnabled(idle and self.table.currentRow() >= 0)
        self.save_button.setEnabled(idle and self.changed)
        self.restore_button.setEnabled(
            idle and (self.changed or (plan is not None and not plan.is_default))
        )

    # -- editing --------------------------------------------------------------------------

    def add_step(self) -> None:
        if not self.may_edit or len(self.editors) >= followups.MAX_STEPS:
            return
        # A new step starts where the last one ended, with the same channel and caller.
        last = self.editors[-1].step() if self.editors else None
        step = (
            PlanStep(
                after_days=min(followups.MAX_DAYS, last.after_days + max(last.within_days, 1)),
                within_days=last.within_days,
                channel=last.channel,
                caller=last.caller,
                level=last.level,
            )
            if last is not None
            else PlanStep(after_days=1, within_days=1, channel="phone", caller="doctor")
        )
        self._append(step)
        self.table.selectRow(self.table.rowCount() - 1)
        self.mark_changed()

    def remove_step(self) -> None:
        row = self.table.currentRow()
        if not self.may_edit or not 0 <= row < len(self.editors):
            return
        self.table.removeRow(row)
        del self.editors[row]
        self.mark_changed()

    def steps(self) -> list[PlanStep]:
        return [editor.step() for editor in self.editors]

    # -- saving ---------------------------------------------------------------------------

    def _busy(self, busy: bool) -> None:
        self.busy = busy
        self._show_state()

    def save(self) -> None:
        actor = self.ctx.actor
        plan = self.plans.get(self.category)
        if actor is None or plan is None or self.busy or not self.may_edit:
            return
        sample: int | None = None
        if plan.sampled_percent is not None and self.sample_spin.value() != self.sample_percent:
            sample = self.sample_spin.value()
        self._busy(True)
        self.ctx.runner.start(
            save_plan_and_sample,
            self.ctx.clinic,
            actor,
            self.category,
            self.steps(),
            active=self.active.isChecked(),
            sample_percent=sample,
            on_success=self._saved,
            on_error=self._save_failed,
            owner=self,
        )

    def _saved(self, result: tuple[Written[PlanView], Changes]) -> None:
        written, changes = result
        self._store(written.value)
        self.message.show_ok(
            self.tr(
                "Saved. Visits finished from now on follow this plan; follow-ups already on "
                "the list keep their dates."
            )
        )
        self.ctx.broadcast(changes)

    def _store(self, plan: PlanView) -> None:
        self.busy = False
        self.plans[plan.category] = plan
        if plan.sampled_percent is not None:
            self.sample_percent = plan.sampled_percent
        row = self._row_of(plan.category)
        if row >= 0:
            self.categories.item(row).setText(self._category_text(plan.category))
        if plan.category == self.category:
            self.show_plan(plan.category)

    def _save_failed(self, error: BaseException) -> None:
        self._busy(False)
        self.message.show_error(error_text(error))

    def confirm_restore(self) -> bool:
        """Put the shipped plan back? (tests replace this)"""
        answer = QMessageBox.question(
            self,
            self.tr("Restore the default plan"),
            self.tr(
                "Replace the plan for “{category}” with the one ClinicDesk ships? Follow-ups "
                "already on the list keep their dates."
            ).format(category=category_label(self.category)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def restore_default(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy or not self.may_edit or self.category not in self.plans:
            return
        if not self.confirm_restore():
            return
        self._busy(True)
        self.ctx.runner.start(
            followups.reset_plan,
            self.ctx.clinic,
            actor,
            self.category,
            on_success=self._restored,
            on_error=self._save_failed,
            owner=self,
        )

    def _restored(self, written: Written[PlanView]) -> None:
        self._store(written.value)
        self.message.show_ok(self.tr("The default plan is back."))
        self.ctx.broadcast(written.changes)
