"""The ASAP list (waitlist) on screen (issue 5; spec A6, A10).

``WaitlistPanel`` lists who wants an earlier time (filter by doctor), adds a
patient and takes one off with a reason. When a slot frees up the calendar
(or the absence worklist) asks ``show_candidates_for``: the waitlist service
says who could take it, best first, and each row has "Offer"; an offered
patient is then booked through the usual booking dialog, or declines and
keeps waiting.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import appointments, patient_search, rosters, waitlist
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.services.waitlist import WaitlistView
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.patients import common as patients_common
from clinic_desk.ui.patients.common import (
    ReadOnlyTable,
    combo_index,
    full_error_text,
    local,
    phone_text,
)
from clinic_desk.ui.settings.common import MessageLabel, hint_label, title_label

MAX_PREFERRED = waitlist.MAX_PREFERRED
MAX_NOTES = waitlist.MAX_NOTES


def _short_day(day: date) -> str:
    return day.isoformat()


def _doctor_names(clinic: Clinic, actor: Actor) -> dict[uuid.UUID, str]:
    return {d.id: d.display_name for d in rosters.list_doctors(clinic, actor)}


def _load_list(
    clinic: Clinic, actor: Actor, doctor_id: uuid.UUID | None
) -> tuple[list[Any], list[WaitlistView]]:
    """The doctors (for the filter and the names) and the open entries (worker thread)."""
    doctors = rosters.list_doctors(clinic, actor)
    return doctors, waitlist.list_waitlist(clinic, actor, doctor_id=doctor_id)


def _load_candidates(
    clinic: Clinic, actor: Actor, doctor_id: uuid.UUID, starts_at: datetime, minutes: int
) -> tuple[str, list[WaitlistView]]:
    name = _doctor_names(clinic, actor).get(doctor_id, "")
    rows = waitlist.candidates_for_slot(
        clinic, actor, doctor_id=doctor_id, starts_at=starts_at, minutes=minutes
    )
    return name, rows


# -- who could take a freed slot ------------------------------------------------------------



def priority_text(entry: WaitlistView) -> str:
    """The priority cell: the number, and "member" for a member with priority (A10)."""
    if getattr(entry, "member", False):
        member = QCoreApplication.translate("WaitlistPanel", "member")
        return f"{entry.priority} · {member}"
    return str(entry.priority)

class CandidatesBox(QWidget):
    """Who could take one freed slot, best first; "Offer", then "Book…" or "Declined"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("waitlist-candidates")
        self.slot: tuple[uuid.UUID, str, datetime, int] | None = None
        self.entries: list[WaitlistView] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("candidates-title")
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.hide_button = QPushButton(self)
        self.hide_button.setObjectName("candidates-hide")
        self.hide_button.clicked.connect(self.hide)
        top.addWidget(self.title, 1)
        top.addWidget(self.hide_button)
        layout.addLayout(top)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("candidates-table")
        self.table.setMinimumHeight(110)
        layout.addWidget(self.table)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.set_headers(
            [
                self.tr("Patient"),
                self.tr("Phone"),
                self.tr("Wants"),
                self.tr("Priority"),
                self.tr("Waiting since"),
                self.tr("Status"),
                "",
            ]
        )
        self.hide_button.setText(self.tr("Hide"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def slot_text(self) -> str:
        if self.slot is None:
            return ""
        _doctor_id, name, starts_at, minutes = self.slot
        return self.tr("{time} with {doctor} ({minutes} min)").format(
            time=local(self.ctx, starts_at), doctor=name, minutes=minutes
        )

    def show_candidates(
        self,
        doctor_id: uuid.UUID,
        doctor_name: str,
        starts_at: datetime,
        minutes: int,
        entries: list[WaitlistView],
    ) -> None:
        self.slot = (doctor_id, doctor_name, starts_at, minutes)
        self.entries = list(entries)
        self.message.clear()
        self._fill()
        self.show()

    def _status_text(self, status: str) -> str:
        return {
            "waiting": self.tr("Waiting"),
            "offered": self.tr("Offered"),
            "booked": self.tr("Booked"),
            "removed": self.tr("Removed"),
        }.get(status, status)

    def _fill(self) -> None:
        if self.slot is None:
            self.title.clear()
            self.table.set_rows([])
            return
        if self.entries:
            self.title.setText(
                self.tr("Freed: {slot}. Who on the waitlist could take it:").format(
                    slot=self.slot_text()
                )
            )
        else:
            self.title.setText(
                self.tr("Freed: {slot}. Nobody on the waitlist can take it.").format(
                    slot=self.slot_text()
                )
            )
        rows = [
            (
                e.id,
                [
                    e.patient_name,
                    phone_text(self.ctx, e.patient_phone),
                    e.preferred or e.notes,
                    priority_text(e),
                    local(self.ctx, e.created_at),
                    self._status_text(e.status),
                    "",
                ],
            )
            for e in self.entries
        ]
        self.table.set_rows(rows)
        if not self.ctx.may(Action.APPOINTMENT_MANAGE):
            return
        for r, entry in enumerate(self.entries):
            actions = self._actions(entry)
            self.table.setCellWidget(r, 6, actions)
            # Rows are sized for their text; make room for the buttons.
            self.table.setRowHeight(r, max(self.table.rowHeight(r), actions.sizeHint().height()))

    def _actions(self, entry: WaitlistView) -> QWidget:
        box = QWidget(self.table)
        row = QHBoxLayout(box)
        row.setContentsMargins(2, 0, 2, 0)
        if entry.status == "waiting":
            offer = QPushButton(self.tr("Offer"), box)
            offer.setObjectName("offer")
            offer.setToolTip(self.tr("You offered the slot to this patient (by phone or message)"))
            offer.clicked.connect(lambda _c=False, i=entry.id: self.offer(i))
            row.addWidget(offer)
        elif entry.status == "offered":
            book = QPushButton(self.tr("Book…"), box)
            book.setObjectName("book-offered")
            book.clicked.connect(lambda _c=False, e=entry: self.book(e))
            declined = QPushButton(self.tr("Declined"), box)
            declined.setObjectName("declined")
            declined.setToolTip(self.tr("The patient said no; they keep waiting"))
            declined.clicked.connect(lambda _c=False, i=entry.id: self.decline(i))
            row.addWidget(book)
            row.addWidget(declined)
        row.addStretch(1)
        return box

    # -- actions ---------------------------------------------------------------------------

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            **kwargs,
            on_success=self._updated,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _updated(self, written: Written[WaitlistView]) -> None:
        new = written.value
        self.entries = [new if e.id == new.id else e for e in self.entries]
        self.ctx.broadcast(written.changes)
        self._fill()

    def offer(self, entry_id: uuid.UUID) -> None:
        # The note records which slot was offered, for whoever calls back.
        self._run(
            waitlist.offer, entry_id, note=self.tr("offered {slot}").format(slot=self.slot_text())
        )

    def decline(self, entry_id: uuid.UUID) -> None:
        self._run(waitlist.decline, entry_id)

    def book(self, entry: WaitlistView) -> None:
        """The patient accepted: book through the usual dialog, then close the entry."""
        actor = self.ctx.actor
        if self.slot is None or actor is None:
            return

        def loaded(doctors: list[Any]) -> None:
            self._open_booking(entry, doctors)

        self.ctx.runner.start(
            rosters.list_doctors,
            self.ctx.clinic,
            actor,
            bookable_only=True,
            on_success=loaded,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _open_booking(self, entry: WaitlistView, doctors: list[Any]) -> None:
        from clinic_desk.ui.calendar.booking import BookingDialog

        if self.slot is None:
            return
        doctor_id, _name, starts_at, minutes = self.slot
        dialog = BookingDialog(
            self.ctx,
            self,
            doctor_id=doctor_id,
            starts_at=starts_at,
            doctors=doctors,
            patient_id=entry.patient_id,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.minutes.setValue(minutes)
        dialog.accepted.connect(lambda i=entry.id: self._run(waitlist.mark_booked, i))
        dialog.open()


# -- adding a patient -----------------------------------------------------------------------


class WaitlistAddDialog(QDialog):
    """Put a patient on the ASAP list: which doctor (or any), which days, what times suit."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        doctors: list[Any] | None = None,
        doctor_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("waitlist-add-dialog")
        self.setMinimumWidth(600)
        self.patient_id: uuid.UUID | None = None
        self.busy = False
        self.written: Written[WaitlistView] | None = None
        layout = QVBoxLayout(self)
        self.intro = hint_label(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(form)

        self.patient_edit = QLineEdit(self)
        self.patient_edit.setObjectName("patient-query")
        self.patient_edit.setMaxLength(100)
        self.patient_list = QListWidget(self)
        self.patient_list.setObjectName("patient-results")
        self.patient_list.setMaximumHeight(90)
        self.patient_list.itemClicked.connect(self._patient_chosen)
        self.patient_list.itemActivated.connect(self._patient_chosen)
        self.patient_label = QLabel(self)
        self.patient_label.setObjectName("patient-chosen")
        box = QVBoxLayout()
        box.addWidget(self.patient_edit)
        box.addWidget(self.patient_list)
        box.addWidget(self.patient_label)
        self.patient_row = QLabel(self)
        form.addRow(self.patient_row, box)

        self.holds = QComboBox(self)
        self.holds.setObjectName("holds")
        self.holds_row = QLabel(self)
        form.addRow(self.holds_row, self.holds)

        self.doctor = QComboBox(self)
        self.doctor.setObjectName("doctor")
        self.doctor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.doctor_row = QLabel(self)
        form.addRow(self.doctor_row, self.doctor)

        days = QHBoxLayout()
        today = ctx.clock().astimezone(ctx.clinic.timezone()).date()
        self.use_earliest = QCheckBox(self)
        self.use_earliest.setObjectName("use-earliest")
        self.earliest = self._date_edit("earliest", today)
        self.use_latest = QCheckBox(self)
        self.use_latest.setObjectName("use-latest")
        self.latest = self._date_edit("latest", today + timedelta(days=14))
        for w in (self.use_earliest, self.earliest, self.use_latest, self.latest):
            days.addWidget(w)
        days.addStretch(1)
        self.use_earliest.toggled.connect(self.earliest.setEnabled)
        self.use_latest.toggled.connect(self.latest.setEnabled)
        self.days_row = QLabel(self)
        form.addRow(self.days_row, days)

        self.preferred = QLineEdit(self)
        self.preferred.setObjectName("preferred")
        self.preferred.setMaxLength(MAX_PREFERRED)
        self.preferred_row = QLabel(self)
        form.addRow(self.preferred_row, self.preferred)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(60)
        self.notes_row = QLabel(self)
        form.addRow(self.notes_row, self.notes)
        priority = QHBoxLayout()
        self.priority = QSpinBox(self)
        self.priority.setObjectName("priority")
        self.priority.setRange(0, waitlist.MAX_PRIORITY)
        self.priority_hint = hint_label(self)
        priority.addWidget(self.priority)
        priority.addWidget(self.priority_hint, 1)
        self.priority_row = QLabel(self)
        form.addRow(self.priority_row, priority)

        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._search)
        self.patient_edit.textEdited.connect(lambda _t: self._debounce.start())
        self._wanted_doctor = doctor_id
        self.retranslate()
        if doctors is not None:
            self._show_doctors(doctors)
        elif ctx.actor is not None:
            ctx.runner.start(
                rosters.list_doctors,
                ctx.clinic,
                ctx.actor,
                bookable_only=True,
                on_success=self._show_doctors,
                owner=self,
            )

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate(day.year, day.month, day.day))
        edit.setEnabled(False)
        return edit

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Add to the waitlist"))
        self.intro.setText(
            self.tr(
                "The patient wants an earlier time. When a slot frees up (a cancellation, a "
                "doctor's absence) they are offered it, priority first, then who waited longest."
            )
        )
        self.patient_row.setText(self.tr("Patient"))
        self.patient_edit.setPlaceholderText(
            self.tr("Name, pinyin initials, phone digits or record number")
        )
        self.holds_row.setText(self.tr("Move earlier"))
        if self.holds.count():
            self.holds.setItemText(0, self.tr("(no appointment: any free time)"))
        self.doctor_row.setText(self.tr("Doctor"))
        if self.doctor.count():
            self.doctor.setItemText(0, self.tr("Any doctor"))
        self.days_row.setText(self.tr("Days"))
        self.use_earliest.setText(self.tr("From"))
        self.use_latest.setText(self.tr("Until"))
        self.preferred_row.setText(self.tr("Preferred times"))
        self.preferred.setPlaceholderText(self.tr("e.g. mornings, or after 15:00 on weekdays"))
        self.notes_row.setText(self.tr("Notes"))
        self.priority_row.setText(self.tr("Priority"))
        self.priority_hint.setText(
            self.tr(
                "Higher is offered first. Members with priority booking get at least {n} "
                "(A10)."
            ).format(n=waitlist.MEMBER_PRIORITY)
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_doctors(self, doctors: list[Any]) -> None:
        self.doctor.clear()
        self.doctor.addItem(self.tr("Any doctor"), None)
        for d in doctors:
            if d.active and d.bookable:
                self.doctor.addItem(d.display_name, d.id)
        if self._wanted_doctor is not None:
            self.doctor.setCurrentIndex(max(0, combo_index(self.doctor, self._wanted_doctor)))

    # -- patient ---------------------------------------------------------------------------

    def _search(self) -> None:
        actor = self.ctx.actor
        query = self.patient_edit.text()
        if actor is None or not query.strip():
            self.patient_list.clear()
            return
        self.ctx.runner.start(
            patient_search.search_patients,
            self.ctx.clinic,
            actor,
            query,
            limit=10,
            on_success=self._show_patients,
            owner=self,
        )

    def _show_patients(self, hits: list[patient_search.PatientHit]) -> None:
        self.patient_list.clear()
        for h in hits:
            born = h.birth_date.isoformat() if h.birth_date else ""
            name = display_name(h.family_name, h.given_name)
            item = QListWidgetItem(f"{h.record_no}  {name}  {born}")
            item.setData(Qt.ItemDataRole.UserRole, h.id)
            self.patient_list.addItem(item)
        if hits:
            self.patient_list.setCurrentRow(0)

    def _patient_chosen(self, item: QListWidgetItem) -> None:
        self.patient_id = item.data(Qt.ItemDataRole.UserRole)
        self.patient_label.setText(item.text())
        self.message.clear()
        self.holds.clear()
        self.holds.addItem(self.tr("(no appointment: any free time)"), None)
        actor = self.ctx.actor
        if actor is not None and self.patient_id is not None:
            # Their upcoming bookings: the desk may want one of them moved earlier.
            self.ctx.runner.start(
                appointments.patient_appointments,
                self.ctx.clinic,
                actor,
                self.patient_id,
                on_success=self._show_holds,
                owner=self,
            )

    def _show_holds(self, views: list[appointments.AppointmentView]) -> None:
        now = self.ctx.clock()
        for v in sorted(views, key=lambda v: v.starts_at):
            if v.status in waitlist.HELD_STATUSES and v.starts_at > now:
                self.holds.addItem(f"{local(self.ctx, v.starts_at)}  {v.doctor_name}", v.id)

    # -- saving ----------------------------------------------------------------------------

    @staticmethod
    def _day(edit: QDateEdit) -> date:
        d = edit.date()
        return date(d.year(), d.month(), d.day())

    def save(self) -> None:
        actor = self.ctx.actor
        if actor is None or self.busy:
            return
        if self.patient_id is None:
            self.message.show_error(self.tr("Choose the patient first: search and pick one."))
            self.patient_edit.setFocus()
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self.ctx.runner.start(
            waitlist.add_to_waitlist,
            self.ctx.clinic,
            actor,
            self.patient_id,
            doctor_id=self.doctor.currentData(),
            appointment_id=self.holds.currentData(),
            earliest=self._day(self.earliest) if self.use_earliest.isChecked() else None,
            latest=self._day(self.latest) if self.use_latest.isChecked() else None,
            preferred=self.preferred.text(),
            notes=self.notes.toPlainText(),
            priority=self.priority.value(),
            on_success=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, written: Written[WaitlistView]) -> None:
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


# -- the panel ------------------------------------------------------------------------------


class WaitlistPanel(QWidget):
    """The open waitlist, best first, with add/remove and the candidates for a freed slot."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("waitlist-panel")
        self.doctors: list[Any] = []
        self.entries: list[WaitlistView] = []
        self._ticket = 0
        self.loaded = False
        layout = QVBoxLayout(self)
        self.title = title_label(self)
        layout.addWidget(self.title)
        self.hint = hint_label(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.denied = MessageLabel(self)
        self.denied.setObjectName("waitlist-denied")
        layout.addWidget(self.denied)
        bar = QHBoxLayout()
        self.filter_label = QLabel(self)
        self.filter = QComboBox(self)
        self.filter.setObjectName("waitlist-doctor")
        self.filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("waitlist-add")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("waitlist-remove")
        self.remove_button.clicked.connect(self.remove)
        self.declined_button = QPushButton(self)
        self.declined_button.setObjectName("waitlist-declined")
        self.declined_button.clicked.connect(self.declined)
        bar.addWidget(self.filter_label)
        bar.addWidget(self.filter)
        bar.addStretch(1)
        for b in (self.add_button, self.declined_button, self.remove_button):
            bar.addWidget(b)
        layout.addLayout(bar)
        self.table = ReadOnlyTable(self)
        self.table.setObjectName("waitlist-table")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 2)
        self.message = MessageLabel(self)
        layout.addWidget(self.message)
        self.candidates = CandidatesBox(ctx, self)
        self.candidates.hide()
        layout.addWidget(self.candidates, 1)
        ctx.sig_changes.connect(self._on_changes)
        ctx.sig_actor_changed.connect(self._actor_changed)  # bound: ends with the panel
        self.retranslate()
        self.reload()

    # -- text ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Waitlist (ASAP list)"))
        self.hint.setText(
            self.tr(
                "Patients who want an earlier time. When a slot frees up, offer it to the first "
                "who fits: priority patients (members) first, then who waited longest."
            )
        )
        self.filter_label.setText(self.tr("Doctor"))
        if self.filter.count():
            self.filter.setItemText(0, self.tr("All doctors"))
        self.add_button.setText(self.tr("Add patient…"))
        self.remove_button.setText(self.tr("Remove…"))
        self.declined_button.setText(self.tr("Patient declined"))
        self.declined_button.setToolTip(
            self.tr("The patient said no to the slot offered; they keep waiting")
        )
        self.table.set_headers(
            [
                self.tr("Patient"),
                self.tr("Phone"),
                self.tr("Doctor"),
                self.tr("Days"),
                self.tr("Preferred times"),
                self.tr("Priority"),
                self.tr("Status"),
                self.tr("Holds"),
                self.tr("Waiting since"),
                self.tr("Notes"),
            ]
        )
        self._apply_role()
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _apply_role(self) -> None:
        may_view = self.ctx.may(Action.APPOINTMENT_VIEW)
        may_manage = self.ctx.may(Action.APPOINTMENT_MANAGE)
        shown: tuple[QWidget, ...] = (self.hint, self.filter_label, self.filter, self.table)
        for w in shown:
            w.setVisible(may_view)
        for b in (self.add_button, self.remove_button, self.declined_button):
            b.setVisible(may_manage)
        if may_view:
            self.denied.clear()
            self.denied.hide()
        else:
            self.candidates.hide()
            self.denied.show()
            self.denied.show_info(
                self.tr("Your role does not include appointments, so the waitlist is not shown.")
            )
        self._selection_changed()

    def _actor_changed(self, _actor: object = None) -> None:
        self._apply_role()
        self.reload()

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.APPOINTMENT_VIEW):
            self.entries = []
            self._fill()
            return
        self._ticket += 1
        ticket = self._ticket

        def show(answer: tuple[list[Any], list[WaitlistView]]) -> None:
            if ticket == self._ticket:  # a newer request supersedes this one
                self._show(*answer)

        self.ctx.runner.start(
            _load_list,
            self.ctx.clinic,
            actor,
            self.filter.currentData(),
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def _show(self, doctors: list[Any], entries: list[WaitlistView]) -> None:
        self.doctors = doctors
        chosen = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem(self.tr("All doctors"), None)
        for d in doctors:
            if d.active:
                self.filter.addItem(d.display_name, d.id)
        self.filter.setCurrentIndex(max(0, combo_index(self.filter, chosen)))
        self.filter.blockSignals(False)
        self.entries = entries
        self.loaded = True
        self._fill()

    def _status_text(self, status: str) -> str:
        return {
            "waiting": self.tr("Waiting"),
            "offered": self.tr("Offered"),
            "booked": self.tr("Booked"),
            "removed": self.tr("Removed"),
        }.get(status, status)

    def _days_text(self, e: WaitlistView) -> str:
        if e.earliest and e.latest:
            return f"{_short_day(e.earliest)} – {_short_day(e.latest)}"
        if e.earliest:
            return self.tr("from {day}").format(day=_short_day(e.earliest))
        if e.latest:
            return self.tr("until {day}").format(day=_short_day(e.latest))
        return self.tr("any day")

    def _fill(self) -> None:
        names = {d.id: d.display_name for d in self.doctors}
        rows = [
            (
                e.id,
                [
                    e.patient_name,
                    phone_text(self.ctx, e.patient_phone),
                    names.get(e.doctor_id, "") if e.doctor_id else self.tr("Any doctor"),
                    self._days_text(e),
                    e.preferred,
                    priority_text(e),
                    self._status_text(e.status),
                    local(self.ctx, e.appointment_starts_at),
                    local(self.ctx, e.created_at),
                    e.notes,
                ],
            )
            for e in self.entries
        ]
        selected = self.table.current_id()
        self.table.set_rows(rows)
        for r, (row_id, _cells) in enumerate(rows):
            if row_id == selected:
                self.table.selectRow(r)
        if self.loaded and not rows and self.ctx.may(Action.APPOINTMENT_VIEW):
            self.message.show_info(self.tr("Nobody is waiting for an earlier time."))
        elif not self.message.is_error:
            self.message.clear()
        self._selection_changed()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.APPOINTMENTS):
            self.reload()

    def _selected(self) -> WaitlistView | None:
        chosen = self.table.current_id()
        return next((e for e in self.entries if e.id == chosen), None)

    def _selection_changed(self) -> None:
        entry = self._selected()
        self.remove_button.setEnabled(entry is not None)
        self.declined_button.setEnabled(entry is not None and entry.status == "offered")

    # -- actions ---------------------------------------------------------------------------

    def add(self) -> WaitlistAddDialog | None:
        if not self.ctx.may(Action.APPOINTMENT_MANAGE):
            return None
        dialog = WaitlistAddDialog(
            self.ctx, self, doctors=self.doctors or None, doctor_id=self.filter.currentData()
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.message.clear()

        def done(written: Written[WaitlistView]) -> None:
            self.ctx.broadcast(written.changes)

        self.ctx.runner.start(
            fn,
            self.ctx.clinic,
            actor,
            *args,
            **kwargs,
            on_success=done,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )

    def remove(self) -> None:
        entry = self._selected()
        if entry is None or not self.ctx.may(Action.APPOINTMENT_MANAGE):
            return
        # Through the module so a test can answer the question.
        reason = patients_common.ask_reason(
            self,
            self.tr("Take off the waitlist"),
            self.tr("Why is {patient} taken off the list? (e.g. not needed any more)").format(
                patient=entry.patient_name
            ),
        )
        if reason is None:
            return
        self._run(waitlist.remove_from_waitlist, entry.id, reason=reason)

    def declined(self) -> None:
        entry = self._selected()
        if entry is not None and entry.status == "offered":
            self._run(waitlist.decline, entry.id)

    def show_candidates_for(self, doctor_id: uuid.UUID, starts_at: datetime, minutes: int) -> None:
        """A slot freed up (a cancellation, a move): list who could take it, with "Offer"."""
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.APPOINTMENT_VIEW):
            return

        def show(answer: tuple[str, list[WaitlistView]]) -> None:
            name, rows = answer
            self.candidates.show_candidates(doctor_id, name, starts_at, minutes, rows)

        self.ctx.runner.start(
            _load_candidates,
            self.ctx.clinic,
            actor,
            doctor_id,
            starts_at,
            minutes,
            on_success=show,
            on_error=lambda e: self.message.show_error(full_error_text(e)),
            owner=self,
        )
