"""The features of the main window, in menu order (STYLE 10: UI by feature)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QWidget

from clinic_desk.core.security.permissions import Action
from clinic_desk.ui.context import AppContext


@dataclass(frozen=True)
class Feature:
    key: str
    title: str  # source text in context "Features"
    action: Action  # what the role must be allowed to see the feature at all
    factory: Callable[[AppContext], QWidget]
    shortcut: str

    def label(self) -> str:
        return QCoreApplication.translate("Features", self.title)


def _patients(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.patients.page import PatientsPage

    return PatientsPage(ctx)


def _reception(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.reception.board import ReceptionPage

    return ReceptionPage(ctx)


def _calendar(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.calendar.page import CalendarPage

    return CalendarPage(ctx)


def _settings(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.settings.page import SettingsPage

    return SettingsPage(ctx)


def _followups(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.followups.page import FollowupsPage

    return FollowupsPage(ctx)


def _quality(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.quality.page import QualityPage

    return QualityPage(ctx)


def _membership(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.membership.page import MembershipPage

    return MembershipPage(ctx)


def _queue(ctx: AppContext) -> QWidget:
    from clinic_desk.ui.reception.queue import DoctorQueuePage

    return DoctorQueuePage(ctx)


FEATURES: tuple[Feature, ...] = (
    Feature("reception", QT_TRANSLATE_NOOP("Features", "Reception"), Action.CHECKIN,
            _reception, "Ctrl+1"),
    Feature("calendar", QT_TRANSLATE_NOOP("Features", "Calendar"), Action.APPOINTMENT_VIEW,
            _calendar, "Ctrl+2"),
    Feature("patients", QT_TRANSLATE_NOOP("Features", "Patients"), Action.PATIENT_SEARCH,
            _patients, "Ctrl+3"),
    Feature("followups", QT_TRANSLATE_NOOP("Features", "Follow-ups"), Action.FOLLOWUP_WORK,
            _followups, "Ctrl+4"),
    Feature("quality", QT_TRANSLATE_NOOP("Features", "Complaints & quality"),
            Action.COMPLAINT_RECORD, _quality, "Ctrl+5"),
    Feature("membership", QT_TRANSLATE_NOOP("Features", "Membership"), Action.MEMBERSHIP_MANAGE,
            _membership, "Ctrl+6"),
    Feature("settings", QT_TRANSLATE_NOOP("Features", "Settings"), Action.SETTINGS_READ,
            _settings, "Ctrl+7"),
    Feature("queue", QT_TRANSLATE_NOOP("Features", "My queue"), Action.QUEUE_MANAGE,
            _queue, "Ctrl+8"),
)
