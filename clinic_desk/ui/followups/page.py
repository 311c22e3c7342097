"""Feature "Follow-ups" (Ctrl+4; spec E1-E7, A5, G1).

One page, tabs by role: the day's calls for everyone who works the list; the
outbox ("Messages"); and for supervisors the spot checks, the follow-up
rates and the health-reminder campaigns. The forwarded suggestions (抄告) are
shown to callers too, read-only, so whoever forwarded one sees it answered.
The page is built per sign-in (the shell makes fresh pages), so the tabs are
chosen once, from the signed-in role.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QDialog, QPushButton, QTabWidget, QVBoxLayout, QWidget

from clinic_desk.core.security.permissions import Action
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.followups.supervise import ForwardsPanel, RatesPanel, SpotChecksPanel
from clinic_desk.ui.followups.worklist import WorklistPanel

log = logging.getLogger(__name__)


def _optional(module: str, name: str) -> Any:
    """A class from a part of the page that may not be installed in this build."""
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        log.warning("follow-ups: %s.%s is not available", module, name)
        return None


class FollowupsPage(QWidget):
    """The worklist first; the other tabs as the role allows."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("followups-page")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("followups-tabs")
        layout.addWidget(self.tabs)
        supervise = ctx.may(Action.FOLLOWUP_SUPERVISE)
        self.worklist = WorklistPanel(ctx, self.tabs)
        self.tabs.addTab(self.worklist, "")
        self.outbox: QWidget | None = None
        outbox_panel = _optional("clinic_desk.ui.followups.outbox", "OutboxPanel")
        if outbox_panel is not None and ctx.may(Action.FOLLOWUP_WORK):
            self.outbox = outbox_panel(ctx, self.tabs)
            self.tabs.addTab(self.outbox, "")
        self.spot_checks: SpotChecksPanel | None = None
        self.rates: RatesPanel | None = None
        if supervise:
            self.spot_checks = SpotChecksPanel(ctx, self.tabs)
            self.tabs.addTab(self.spot_checks, "")
        if supervise or ctx.may(Action.QUALITY_REPORTS):
            self.rates = RatesPanel(ctx, self.tabs)
            self.tabs.addTab(self.rates, "")
        self.forwards = ForwardsPanel(ctx, self.tabs)
        self.tabs.addTab(self.forwards, "")
        self.campaign_class = (
            _optional("clinic_desk.ui.followups.campaigns", "CampaignDialog") if supervise else None
        )
        self.campaign_button: QPushButton | None = None
        if self.campaign_class is not None:
            self.campaign_button = QPushButton(self.tabs)
            self.campaign_button.setObjectName("followups-campaigns")
            self.campaign_button.clicked.connect(self.open_campaigns)
            self.tabs.setCornerWidget(self.campaign_button, Qt.Corner.TopRightCorner)
        self.retranslate()

    def retranslate(self) -> None:
        titles: list[tuple[QWidget | None, str]] = [
            (self.worklist, self.tr("Today's calls")),
            (self.outbox, self.tr("Messages")),
            (self.spot_checks, self.tr("Spot checks")),
            (self.rates, self.tr("Follow-up rates")),
            (self.forwards, self.tr("Forwarded suggestions")),
        ]
        for widget, title in titles:
            if widget is not None:
                self.tabs.setTabText(self.tabs.indexOf(widget), title)
        if self.campaign_button is not None:
            self.campaign_button.setText(self.tr("Health reminders…"))
            self.campaign_button.setToolTip(
                self.tr("Seasonal advice or condition tips to a group of patients, by message")
            )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def open_campaigns(self) -> QDialog | None:
        if self.campaign_class is None:
            return None
        dialog: QDialog = self.campaign_class(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
