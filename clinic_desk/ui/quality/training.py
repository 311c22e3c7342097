"""The training library (spec F6): anonymised cases made from complaints, for all staff.

The list on the left, the case to read on the right. Cases are written without
names when they are added (the service refuses one that still names the patient
or the complainant), so every role may read them.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from clinic_desk.core.services import complaints
from clinic_desk.core.services.base import Changes, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.worklist import TaskTable
from clinic_desk.ui.patients.common import full_error_text, local
from clinic_desk.ui.settings.common import MessageLabel


class TrainingPanel(QWidget):
    """Feature "Complaints & quality", tab "Training cases"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("training-panel")
        self.items: list[complaints.TrainingCaseView] = []
        self.loaded = False
        self.loads = 0
        layout = QVBoxLayout(self)
        self.counts = QLabel(self)
        layout.addWidget(self.counts)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = TaskTable(split)
        self.table.setObjectName("training-table")
        self.table.itemSelectionChanged.connect(self._show_case)
        self.reader = QTextBrowser(split)
        self.reader.setObjectName("training-reader")
        split.addWidget(self.table)
        split.addWidget(self.reader)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        ctx.sig_changes.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.set_headers([self.tr("Title"), self.tr("Department"), self.tr("Added")])
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            complaints.training_cases,
            self.ctx.clinic,
            actor,
            on_success=self._loaded,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _loaded(self, items: list[complaints.TrainingCaseView]) -> None:
        self.items = list(items)
        self.loaded = True
        self.loads += 1
        self.message.clear()
        self._fill()

    def _on_changes(self, changes: Changes) -> None:
        if self.loaded and changes.touches(Topic.COMPLAINTS):
            self.reload()

    def _fill(self) -> None:
        self.table.set_rows(
            [
                (c.id, [c.title, c.department, local(self.ctx, c.created_at)[:10]])
                for c in self.items
            ]
        )
        if not self.loaded:
            self.counts.setText(self.tr("Loading…"))
        elif not self.items:
            self.counts.setText(
                self.tr(
                    "No cases yet. A complaint's owner adds one from the complaint, once it "
                    "has been answered."
                )
            )
        else:
            self.counts.setText(self.tr("%n case(s)", "", len(self.items)))
        if self.items and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self._show_case()

    def _show_case(self) -> None:
        chosen = self.table.current_id()
        case = next((c for c in self.items if c.id == chosen), None)
        if case is None:
            self.reader.clear()
            return

        def para(text: str) -> str:
            return html.escape(text).replace("\n", "<br>")

        added = self.tr("Added {day} by {name}").format(
            day=local(self.ctx, case.created_at)[:10], name=case.created_by_name
        )
        parts = [
            f"<h2>{html.escape(case.title)}</h2>",
            f'<p style="color:#757575">{html.escape(case.department)} · {html.escape(added)}</p>',
            f"<h3>{html.escape(self.tr('What happened'))}</h3><p>{para(case.summary)}</p>",
            f"<h3>{html.escape(self.tr('Lessons'))}</h3><p>{para(case.lessons)}</p>",
        ]
        self.reader.setHtml("".join(parts))
