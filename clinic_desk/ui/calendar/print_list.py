"""Printing the next day's list for the triage nurse (spec A8) and a doctor's day sheet.

The list is read and the PDF is built on the worker thread (a full day can be
hundreds of rows); only the print preview runs on the GUI thread. The fixed
words are translated here, on the GUI thread, and handed to the Qt-free core
as ``DayListLabels``. ``PrintDayListButton`` is the calendar's print button.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, tzinfo
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QMenu, QMessageBox, QToolButton, QWidget

from clinic_desk.core.printing.day_list import (
    DayListLabels,
    doctor_day_sheet_pdf,
    next_day_list_pdf,
)
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import rosters
from clinic_desk.core.services.appointment_reports import DayList, next_day_list
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.i18n import ui_language
from clinic_desk.ui.operations.runner import Operation
from clinic_desk.ui.patients.common import full_error_text, tr_code
from clinic_desk.ui.printing import preview

CONTEXT = "DayListPrint"


def day_list_labels() -> DayListLabels:
    """Every fixed word of the printout in the interface language (call on the GUI thread)."""
    locale = QLocale()
    return DayListLabels(
        title=QCoreApplication.translate("DayListPrint", "Next day's appointments: {day}"),
        title_any_day=QCoreApplication.translate("DayListPrint", "Appointments: {day}"),
        sheet_title=QCoreApplication.translate("DayListPrint", "Day sheet for {doctor}: {day}"),
        day_format=QCoreApplication.translate(
            "DayListPrint", "{weekday} {year}-{month:02d}-{day:02d}"
        ),
        # Qt already knows the weekday names in every language (1 = Monday).
        weekdays=tuple(locale.dayName(d, QLocale.FormatType.LongFormat) for d in range(1, 8)),
        printed=QCoreApplication.translate("DayListPrint", "Printed {time}"),
        total=QCoreApplication.translate("DayListPrint", "Appointments: {n}"),
        add_ons=QCoreApplication.translate("DayListPrint", "Add-ons: {n}"),
        not_final=QCoreApplication.translate(
            "DayListPrint",
            "Printed before {time}: appointments booked after this are not on the list.",
        ),
        page=QCoreApplication.translate("DayListPrint", "Page {n} / {total}"),
        continued=QCoreApplication.translate("DayListPrint", "{name} (continued)"),
        continued_row=QCoreApplication.translate("DayListPrint", "(continued)"),
        no_appointments=QCoreApplication.translate("DayListPrint", "No appointments."),
        absent=QCoreApplication.translate(
            "DayListPrint",
            "Away this day: move these appointments or ask a colleague to see them.",
        ),
        substitute=QCoreApplication.translate(
            "DayListPrint", "Away this day: {name} sees these patients."
        ),
        substitute_unnamed=QCoreApplication.translate(
            "DayListPrint", "Away this day: a substitute doctor sees these patients."
        ),
        col_time=QCoreApplication.translate("DayListPrint", "Time"),
        col_patient=QCoreApplication.translate("DayListPrint", "Patient"),
        col_record=QCoreApplication.translate("DayListPrint", "Record no."),
        col_phone=QCoreApplication.translate("DayListPrint", "Phone"),
        col_type=QCoreApplication.translate("DayListPrint", "Type / purpose"),
        col_flags=QCoreApplication.translate("DayListPrint", "Flags"),
        col_notes=QCoreApplication.translate("DayListPrint", "Notes"),
        col_write=QCoreApplication.translate("DayListPrint", "Doctor's notes"),
        sheet_notes=QCoreApplication.translate("DayListPrint", "Notes"),
        first_visit=QCoreApplication.translate("DayListPrint", "First visit"),
        add_on=QCoreApplication.translate("DayListPrint", "Add-on"),
        holiday=QCoreApplication.translate("DayListPrint", "Holiday"),
        elderly=QCoreApplication.translate("DayListPrint", "Elderly"),
        child=QCoreApplication.translate("DayListPrint", "Child"),
        disabled=QCoreApplication.translate("DayListPrint", "Disabled"),
        accompanied=QCoreApplication.translate("DayListPrint", "Accompanied"),
    )


# -- worker side (no widgets) ------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    labels: DayListLabels
    clinic_name: str
    zone: tzinfo
    phone_region: str
    names: dict[uuid.UUID, str]


def _print_options(
    clinic: Clinic, actor: Actor, day_list: DayList, labels: DayListLabels, *, all_staff: bool
) -> _Options:
    # Built-in appointment types are stored in English and translated for display;
    # QCoreApplication.translate is thread-safe.
    types = {r.type_name for d in day_list.doctors for r in d.rows if r.type_name}
    labels = replace(labels, type_names={t: tr_code("AppointmentType", t) for t in types})
    names: dict[uuid.UUID, str] = {}
    if all_staff or any(d.substitute_id for d in day_list.doctors):
        # A substitute (or a doctor with an empty day) is not in the list itself.
        names = {v.id: v.display_name for v in rosters.list_doctors(clinic, actor)}
    return _Options(
        labels=labels,
        clinic_name=str(clinic.setting("clinic.name")),
        zone=clinic.timezone(),
        phone_region=str(clinic.setting("clinic.phone_region") or "CN"),
        names=names,
    )


def build_next_day_list_pdf(
    clinic: Clinic,
    actor: Actor,
    labels: DayListLabels,
    *,
    day: date | None = None,
    language: str = "zh_CN",
) -> bytes:
    """The list (default: tomorrow) as PDF bytes; runs on the worker thread."""
    day_list = next_day_list(clinic, actor, day, language=language)
    o = _print_options(clinic, actor, day_list, labels, all_staff=False)
    return next_day_list_pdf(
        day_list,
        clinic_name=o.clinic_name,
        labels=o.labels,
        timezone=o.zone,
        phone_region=o.phone_region,
        staff_names=o.names,
    )


def build_doctor_day_sheet_pdf(
    clinic: Clinic,
    actor: Actor,
    labels: DayListLabels,
    *,
    day: date,
    doctor_id: uuid.UUID,
    language: str = "zh_CN",
) -> bytes:
    """One doctor's day sheet as PDF bytes; runs on the worker thread."""
    day_list = next_day_list(clinic, actor, day, language=language)
    o = _print_options(clinic, actor, day_list, labels, all_staff=True)
    return doctor_day_sheet_pdf(
        day_list,
        doctor_id,
        clinic_name=o.clinic_name,
        labels=o.labels,
        timezone=o.zone,
        phone_region=o.phone_region,
        doctor_name=o.names.get(doctor_id, ""),
        staff_names=o.names,
    )


# -- GUI side ------------------------------------------------------------------------------


def _start(
    ctx: AppContext,
    parent: QWidget,
    fn: Callable[..., bytes],
    title: str,
    **kwargs: Any,
) -> Operation | None:
    actor = ctx.actor
    if actor is None:
        return None

    def show(data: bytes) -> None:
        preview.preview_and_print_pdf(parent, data, title=title)

    def fail(error: BaseException) -> None:
        QMessageBox.warning(parent, title, full_error_text(error))

    return ctx.runner.start(
        fn,
        ctx.clinic,
        actor,
        day_list_labels(),
        language=ui_language(),
        on_success=show,
        on_error=fail,
        owner=parent,
        **kwargs,
    )


def print_next_day_list(
    ctx: AppContext, parent: QWidget, day: date | None = None
) -> Operation | None:
    """A8: preview and print the day's list (default: tomorrow) for the triage nurse."""
    title = QCoreApplication.translate("DayListPrint", "Next day's appointment list")
    return _start(ctx, parent, build_next_day_list_pdf, title, day=day)


def print_doctor_day_sheet(
    ctx: AppContext, parent: QWidget, day: date, doctor_id: uuid.UUID
) -> Operation | None:
    """Preview and print one doctor's day sheet."""
    title = QCoreApplication.translate("DayListPrint", "Doctor's day sheet")
    return _start(ctx, parent, build_doctor_day_sheet_pdf, title, day=day, doctor_id=doctor_id)


class PrintDayListButton(QToolButton):
    """The calendar's print button: tomorrow's list, or the shown doctor's day sheet.

    ``current_day`` and ``current_doctor`` read what the calendar shows when the
    menu is used (None: tomorrow / no doctor chosen).
    """

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        current_day: Callable[[], date | None] = lambda: None,
        current_doctor: Callable[[], uuid.UUID | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current_day = current_day
        self.current_doctor = current_doctor
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.list_action = menu.addAction("")
        self.list_action.triggered.connect(self.print_list)
        self.day_list_action = menu.addAction("")
        self.day_list_action.triggered.connect(self.print_shown_day)
        self.sheet_action = menu.addAction("")
        self.sheet_action.triggered.connect(self.print_sheet)
        menu.aboutToShow.connect(self._update_actions)
        self.setMenu(menu)
        # Bound slots, so the connections end with the button (a page closed on lock).
        ctx.sig_actor_changed.connect(self._actor_changed)
        ctx.sig_language_changed.connect(self._language_changed)
        self.retranslate()
        self._update_visible()

    def _actor_changed(self, _actor: object) -> None:
        self._update_visible()

    def _language_changed(self, _language: str) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(QCoreApplication.translate("DayListPrint", "Print list"))
        self.setToolTip(
            QCoreApplication.translate(
                "DayListPrint", "Print the appointment list for the triage nurse or a doctor"
            )
        )
        self.list_action.setText(
            QCoreApplication.translate("DayListPrint", "Next day's list for the triage nurse")
        )
        self.day_list_action.setText(
            QCoreApplication.translate("DayListPrint", "Appointment list for the day shown")
        )
        self.sheet_action.setText(
            QCoreApplication.translate("DayListPrint", "Day sheet for the doctor shown")
        )

    def _update_visible(self) -> None:
        self.setVisible(self.ctx.may(Action.APPOINTMENT_VIEW))

    def _update_actions(self) -> None:
        self.day_list_action.setEnabled(self.current_day() is not None)
        self.sheet_action.setEnabled(self.current_doctor() is not None)

    def print_list(self) -> None:
        print_next_day_list(self.ctx, self)

    def print_shown_day(self) -> None:
        print_next_day_list(self.ctx, self, self.current_day())

    def print_sheet(self) -> None:
        doctor = self.current_doctor()
        if doctor is not None:
            day = self.current_day() or _tomorrow(self.ctx)
            print_doctor_day_sheet(self.ctx, self, day, doctor)


def _tomorrow(ctx: AppContext) -> date:
    return date.fromordinal(ctx.clock().astimezone(ctx.clinic.timezone()).date().toordinal() + 1)
