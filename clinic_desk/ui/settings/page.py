"""Settings: the clinic's settings, its staff and (director only) keys, backups and sync."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from clinic_desk.core.security.permissions import Action
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.settings.clinic_form import ClinicSettingsTab
from clinic_desk.ui.settings.followup_plans_tab import FollowupPlansTab
from clinic_desk.ui.settings.rosters_tab import RostersTab
from clinic_desk.ui.settings.security_tab import SecurityTab
from clinic_desk.ui.settings.staff_tab import StaffTab
from clinic_desk.ui.settings.sync_tab import SyncTab
from clinic_desk.ui.settings.templates_tab import MessageTemplatesTab


class SettingsPage(QWidget):
    """Tabs by what the role may do; the services check the permissions regardless."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        layout.addWidget(self.tabs)
        self.clinic_tab = ClinicSettingsTab(ctx, self)
        self.tabs.addTab(self.clinic_tab, "")
        self.staff_tab: StaffTab | None = None
        if ctx.may(Action.STAFF_MANAGE):
            self.staff_tab = StaffTab(ctx, self)
            self.tabs.addTab(self.staff_tab, "")
        # Everyone who sees the calendar may read it; only ROSTER_MANAGE gets the edit controls.
        self.rosters_tab: RostersTab | None = None
        if ctx.may(Action.APPOINTMENT_VIEW):
            self.rosters_tab = RostersTab(ctx, self)
            self.tabs.addTab(self.rosters_tab, "")
        # Follow-up plans and message wording (issue 9): read by whoever works follow-ups
        # or reads settings; the tabs give the edit controls to FOLLOWUP_SUPERVISE only.
        readers = ctx.may(Action.FOLLOWUP_WORK) or ctx.may(Action.SETTINGS_READ)
        self.plans_tab: FollowupPlansTab | None = None
        self.templates_tab: MessageTemplatesTab | None = None
        if readers:
            self.plans_tab = FollowupPlansTab(ctx, self)
            self.tabs.addTab(self.plans_tab, "")
            self.templates_tab = MessageTemplatesTab(ctx, self)
            self.tabs.addTab(self.templates_tab, "")
        self.security_tab: SecurityTab | None = None
        if ctx.may(Action.KEYS_MANAGE) or ctx.may(Action.BACKUP_RUN):
            self.security_tab = SecurityTab(ctx, self)
            self.tabs.addTab(self.security_tab, "")
        self.sync_tab: SyncTab | None = None
        if ctx.may(Action.SYNC_MANAGE):
            self.sync_tab = SyncTab(ctx, self)
            self.tabs.addTab(self.sync_tab, "")
        self.retranslate()

    def retranslate(self) -> None:
        self.tabs.setTabText(self.tabs.indexOf(self.clinic_tab), self.tr("Clinic settings"))
        if self.staff_tab is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.staff_tab), self.tr("Staff"))
        if self.rosters_tab is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.rosters_tab), self.tr("Rosters"))
        if self.plans_tab is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.plans_tab), self.tr("Follow-up plans"))
        if self.templates_tab is not None:
            self.tabs.setTabText(
                self.tabs.indexOf(self.templates_tab), self.tr("Message templates")
            )
        if self.security_tab is not None:
            self.tabs.setTabText(
                self.tabs.indexOf(self.security_tab), self.tr("Security and backup")
            )
        if self.sync_tab is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.sync_tab), self.tr("Sync"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
