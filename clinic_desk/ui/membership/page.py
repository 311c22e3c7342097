"""Feature "Membership" (Ctrl+6; spec H1-H3, A10).

Members for everyone who manages memberships (MEMBERSHIP_MANAGE: the desk,
health managers, customer service, the director); Tiers for the director
(MEMBERSHIP_TIERS); Reports for all of them, the overdrafts after a sync for
the director only. The page is built per sign-in, so the tabs are chosen once.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from clinic_desk.core.security.permissions import Action
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.membership.members import MembersPanel
from clinic_desk.ui.membership.reports import ReportsPanel
from clinic_desk.ui.membership.tiers import TiersPanel


class MembershipPage(QWidget):
    """Members first; tiers for the director; reports."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("membership-page")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("membership-tabs")
        layout.addWidget(self.tabs)
        self.panels: dict[str, QWidget] = {}
        self.members: MembersPanel | None = None
        self.tiers: TiersPanel | None = None
        self.reports: ReportsPanel | None = None
        if ctx.may(Action.MEMBERSHIP_MANAGE):
            self.members = MembersPanel(ctx, self.tabs)
            self._add("members", self.members)
        if ctx.may(Action.MEMBERSHIP_TIERS):
            self.tiers = TiersPanel(ctx, self.tabs)
            self._add("tiers", self.tiers)
        if ctx.may(Action.MEMBERSHIP_MANAGE):
            self.reports = ReportsPanel(ctx, self.tabs)
            self._add("reports", self.reports)
        self.retranslate()

    def _add(self, key: str, panel: QWidget) -> None:
        self.panels[key] = panel
        self.tabs.addTab(panel, "")

    def retranslate(self) -> None:
        titles = {
            "members": self.tr("Members"),
            "tiers": self.tr("Tiers"),
            "reports": self.tr("Reports"),
        }
        for key, panel in self.panels.items():
            self.tabs.setTabText(self.tabs.indexOf(panel), titles[key])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def open_target(self, kind: str, target_id: uuid.UUID) -> None:
        """Another page asks for a membership ("open", its id), e.g. the patient file."""
        if kind == "open" and self.members is not None:
            self.show_tab("members")
            self.members.show_membership(target_id)

    def show_tab(self, key: str) -> QWidget | None:
        panel = self.panels.get(key)
        if panel is not None:
            self.tabs.setCurrentWidget(panel)
        return panel
