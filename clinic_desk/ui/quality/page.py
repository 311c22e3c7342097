"""Feature "Complaints & quality" (Ctrl+5; spec F1-F7, G1-G5, C6).

One page, tabs by role: complaints (everyone may receive one and then owns it),
root causes and the training library for all staff; the surveys for those who
work or run them; the daily self-check for everyone; the dashboard and the
reports for customer service and the director. The page is built per sign-in
(the shell makes fresh pages), so the tabs are chosen once, from the signed-in
role. A part of the page not installed in this build is left out, not faked.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from clinic_desk.core.security.permissions import Action
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.quality.complaints import ComplaintsPanel
from clinic_desk.ui.quality.root_causes import RootCausesPanel
from clinic_desk.ui.quality.training import TrainingPanel

log = logging.getLogger(__name__)


def _optional(module: str, name: str) -> Any:
    """A class from a part of the page that may not be installed in this build."""
    try:
        return getattr(importlib.import_module(f"clinic_desk.ui.quality.{module}"), name)
    except ImportError:
        log.warning("quality: %s.%s is not available", module, name)
        return None


# The other panels: (key, module, class, the actions any one of which shows the tab).
OPTIONAL_TABS: tuple[tuple[str, str, str, tuple[Action, ...]], ...] = (
    (
        "surveys",
        "surveys",
        "SurveysPanel",
        (Action.QUALITY_REPORTS, Action.FOLLOWUP_SUPERVISE, Action.FOLLOWUP_WORK),
    ),
    ("selfcheck", "selfcheck", "SelfCheckPanel", (Action.SELF_CHECK,)),
    ("dashboard", "dashboard", "DashboardPanel", (Action.QUALITY_REPORTS,)),
    ("reports", "reports", "ReportsPanel", (Action.QUALITY_REPORTS,)),
)


class QualityPage(QWidget):
    """Complaints first; the other tabs as the role allows."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("quality-page")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("quality-tabs")
        layout.addWidget(self.tabs)
        self.panels: dict[str, QWidget] = {}
        if ctx.may(Action.COMPLAINT_RECORD):
            self.complaints: ComplaintsPanel | None = ComplaintsPanel(ctx, self.tabs)
            self._add("complaints", self.complaints)
            self._add("root_causes", RootCausesPanel(ctx, self.tabs))
            self._add("training", TrainingPanel(ctx, self.tabs))
        else:
            self.complaints = None
        for key, module, name, actions in OPTIONAL_TABS:
            if not any(ctx.may(a) for a in actions):
                continue
            panel = _optional(module, name)
            if panel is not None:
                self._add(key, panel(ctx, self.tabs))
        self.retranslate()

    def _add(self, key: str, panel: QWidget) -> None:
        self.panels[key] = panel
        self.tabs.addTab(panel, "")

    def retranslate(self) -> None:
        titles = {
            "complaints": self.tr("Complaints"),
            "root_causes": self.tr("Root causes"),
            "training": self.tr("Training cases"),
            "surveys": self.tr("Surveys"),
            "selfcheck": self.tr("Self-check"),
            "dashboard": self.tr("Dashboard"),
            "reports": self.tr("Reports"),
        }
        for key, panel in self.panels.items():
            self.tabs.setTabText(self.tabs.indexOf(panel), titles[key])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_tab(self, key: str) -> QWidget | None:
        """Bring one tab to the front (the dashboard's counters jump to theirs)."""
        panel = self.panels.get(key)
        if panel is not None:
            self.tabs.setCurrentWidget(panel)
        return panel
