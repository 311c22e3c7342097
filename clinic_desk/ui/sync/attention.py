"""The desk's "needs attention" list: clashes only sync can make (issue 7).

Two desks that could not reach the hub may both book 10:30 with Dr Wang, both
give out queue number 12, or both check in the same patient. The core lists
them (``needs_attention``, the same on every workstation), and the director also
sees membership allowances used past their quota at two desks (``membership.overdrafts``,
issue 11); this module says each in a sentence, with a button that opens the place to
settle it (the calendar on that day, the board, the patients with that record number,
the membership) or, where no page can, what to do. Settling is an ordinary change,
which syncs like any other.

``AttentionBanner`` sits on the reception board and is visible only while the
list is not empty; it opens ``AttentionPanel``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import appointments, membership, reception, rosters
from clinic_desk.core.services import sync as sync_service
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic
from clinic_desk.ui.context import AppContext
from clinic_desk.ui.errors import error_text

BANNER_BG = "#fff3cd"
BANNER_FG = "#5c4400"
BANNER_BORDER = "#e0b000"
HINT_COLOR = "#616161"
TOPICS = (Topic.APPOINTMENTS, Topic.RECEPTION, Topic.PATIENTS, Topic.SYNC, Topic.MEMBERSHIP)
BOOKINGS = frozenset({"double_booking", "resource_double_booking"})
QUEUE = frozenset({"double_checkin", "queue_number"})
OVERDRAFT = "membership_overdraft"


@dataclass(frozen=True)
class AttentionFacts:
    """One item of the list, with the names and times its sentence needs."""

    kind: str
    day: date | None
    ids: tuple[uuid.UUID, ...]
    who: str = ""  # the doctor, the room or device, or the patient
    starts_at: datetime | None = None
    queue_no: int | None = None
    record_no: str = ""
    doctor_id: uuid.UUID | None = None
    same_booking: bool = False
    # A membership overdraft: the benefit, its use against its quota, the period's end.
    benefit_key: str = ""
    benefit_label: str = ""
    used: int = 0
    quota: int = 0
    last: date | None = None


@dataclass(frozen=True)
class AttentionList:
    today: date
    items: tuple[AttentionFacts, ...]


def _may(actor: Actor, *actions: Action) -> bool:
    return actor.is_system or any(allowed(actor.role, a) for a in actions)


def load_attention(clinic: Clinic, actor: Actor) -> AttentionList:
    """On the worker thread: the list with names (a standalone workstation has none)."""
    today = clinic.today()
    if not sync_service.sync_info(clinic).enabled:
        return AttentionList(today, ())
    found = sync_service.needs_attention(clinic, actor)
    boards: dict[date, dict[uuid.UUID, reception.BoardRow]] = {}
    resources: dict[uuid.UUID, str] | None = None
    out: list[AttentionFacts] = []
    for item in found:
        if item.kind in BOOKINGS:
            view = None
            try:
                view = appointments.get_appointment(clinic, actor, item.ids[0])
            except ClinicError:
                pass  # cancelled meanwhile: the next load drops the item
            who = view.doctor_name if view is not None else ""
            if item.kind == "resource_double_booking":
                if resources is None:
                    resources = {
                        r.id: r.name
                        for r in rosters.list_resources(clinic, actor, include_inactive=True)
                    }
                resource = str(item.detail.get("resource_id") or "")
                try:
                    who = resources.get(uuid.UUID(hex=resource), "")
                except ValueError:
                    who = ""
            out.append(
                AttentionFacts(
                    item.kind,
                    item.day,
                    item.ids,
                    who=who,
                    starts_at=view.starts_at if view is not None else None,
                    doctor_id=view.doctor_id if view is not None else None,
                )
            )
        elif item.kind in QUEUE:
            rows: dict[uuid.UUID, reception.BoardRow] = {}
            if item.day is not None and _may(actor, Action.CHECKIN, Action.QUEUE_MANAGE):
                if item.day not in boards:
                    board = reception.today_board(clinic, actor, day=item.day)
                    boards[item.day] = {r.entry_id: r for r in board.rows if r.entry_id}
                rows = boards[item.day]
            row = rows.get(item.ids[0]) or rows.get(item.ids[-1])
            number = item.detail.get("queue_no")
            out.append(
                AttentionFacts(
                    item.kind,
                    item.day,
                    item.ids,
                    who=row.patient_name if row is not None else "",
                    queue_no=int(number) if number is not None else None,
                    same_booking=bool(item.detail.get("same_booking")),
                )
            )
        else:
            out.append(
                AttentionFacts(
                    item.kind,
                    item.day,
                    item.ids,
                    record_no=str(item.detail.get("record_no") or ""),
                )
            )
    if _may(actor, Action.MEMBERSHIP_OVERRIDE):
        out.extend(
            AttentionFacts(
                OVERDRAFT,
                o.first,
                (o.membership_id,),
                who=o.payer_name,
                record_no=o.card_no,
                benefit_key=o.benefit_key,
                benefit_label=o.label,
                used=o.used,
                quota=o.quota,
                last=o.last,
            )
            for o in membership.overdrafts(clinic, actor)
        )
    return AttentionList(today, tuple(out))


class AttentionTexts(QObject):
    """The items' sentences, hints and buttons (one translation context for them all)."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def _date(self, day: date | None, today: date) -> str:
        if day is None or day == today:
            return self.tr("today")
        if (today - day).days == 1:
            return self.tr("yesterday")
        if (day - today).days == 1:
            return self.tr("tomorrow")
        return self.tr("on {month}/{day}").format(month=day.month, day=day.day)

    def _time(self, moment: datetime | None) -> str:
        if moment is None:
            return "?"
        return moment.astimezone(self.ctx.clinic.timezone()).strftime("%H:%M")

    def sentence(self, item: AttentionFacts, today: date) -> str:
        when = self._date(item.day, today)
        if item.kind == "double_booking":
            return self.tr(
                "{doctor} has two bookings at {time} {date} (made at two desks while offline)"
            ).format(
                doctor=item.who or self.tr("A doctor"), time=self._time(item.starts_at), date=when
            )
        if item.kind == "resource_double_booking":
            return self.tr(
                "{resource} is booked twice at {time} {date} (made at two desks while offline)"
            ).format(
                resource=item.who or self.tr("A room or device"),
                time=self._time(item.starts_at),
                date=when,
            )
        if item.kind == "double_checkin":
            who = item.who or self.tr("A patient")
            if item.same_booking:
                return self.tr("{patient} was checked in twice {date} for one booking").format(
                    patient=who, date=when
                )
            return self.tr("{patient} was checked in twice {date}").format(patient=who, date=when)
        if item.kind == "queue_number":
            return self.tr("Queue number {no} was given twice {date}").format(
                no=item.queue_no if item.queue_no is not None else "?", date=when
            )
        if item.kind == "record_no":
            return self.tr("Record number {no} is on two patients").format(no=item.record_no)
        if item.kind == OVERDRAFT:
            known = membership.BENEFITS.get(item.benefit_key)
            label = QCoreApplication.translate("Membership", known) if known else item.benefit_label
            return self.tr(
                "{benefit} of {payer}'s membership (card {card}) used {used} times of {quota} "
                "from {first} to {last} (recorded at two desks while offline)"
            ).format(
                benefit=label,
                payer=item.who or "?",
                card=item.record_no,
                used=item.used,
                quota=item.quota,
                first=item.day.isoformat() if item.day else "?",
                last=item.last.isoformat() if item.last else "?",
            )
        return self.tr("Two workstations made changes that clash ({kind})").format(kind=item.kind)

    def hint(self, item: AttentionFacts, today: date) -> str:
        past = item.day is not None and item.day < today
        if item.kind in BOOKINGS:
            return self.tr(
                "Call the patients if needed, then cancel or move one of the two bookings on "
                "the calendar."
            )
        if item.kind == "double_checkin":
            if past:
                return self.tr("That day is over; nothing to do unless the records are wrong.")
            return self.tr(
                "Keep one of the two places in the queue: select the other on the board and "
                "choose “Left without being seen”."
            )
        if item.kind == "queue_number":
            if past:
                return self.tr("That day is over; nothing to do.")
            return self.tr(
                "Both patients hold the same number: when it is called, call them by name too."
            )
        if item.kind == "record_no":
            return self.tr(
                "If both files are the same person, merge them in Patients; otherwise tell "
                "whoever looks after ClinicDesk, who will give one file a new number."
            )
        if item.kind == OVERDRAFT:
            return self.tr(
                "Both uses are kept. Settle the extra one with the member (charge it, or "
                "agree it), then press Seen under Membership → Reports → Allowances overdrawn."
            )
        return self.tr("Tell whoever looks after ClinicDesk.")

    def action(self, item: AttentionFacts, today: date) -> tuple[str, str, object] | None:
        """(button text, page key, what to show there), or None when no page can."""
        if item.kind in BOOKINGS and item.day is not None and self.ctx.may(Action.APPOINTMENT_VIEW):
            return self.tr("Open the calendar"), "calendar", (item.day, item.doctor_id)
        if item.kind in QUEUE and item.day == today and self.ctx.may(Action.CHECKIN):
            return self.tr("Show on the board"), "reception", item.ids
        if item.kind == "record_no" and item.record_no and self.ctx.may(Action.PATIENT_SEARCH):
            return self.tr("Show the two patients"), "patients", item.record_no
        if item.kind == OVERDRAFT and self.ctx.may(Action.MEMBERSHIP_MANAGE):
            return self.tr("Open the membership"), "membership", ("open", item.ids[0])
        return None


class AttentionPanel(QDialog):
    """The list, each item a sentence, what to do, and a button to the place to do it."""

    #: open ``target`` on the page ``key`` ("calendar", "reception", "patients")
    sig_open = Signal(str, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("attentionPanel")
        self.data: AttentionList | None = None
        self.texts = AttentionTexts(ctx, self)
        self.rows: list[tuple[QLabel, QLabel, QPushButton | None]] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget(self.scroll_area)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.setSpacing(10)
        self.scroll_area.setWidget(self.body)
        layout.addWidget(self.scroll_area, 1)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumSize(640, 360)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Needs attention"))
        self.intro.setText(
            self.tr(
                "Two workstations that could not reach each other made changes that clash. "
                "Settle each one as usual; the change reaches every workstation and the item "
                "leaves this list."
            )
        )
        self.empty.setText(self.tr("Nothing needs attention now."))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_items(self, data: AttentionList) -> None:
        self.data = data
        self._fill()

    def sentences(self) -> list[str]:
        return [sentence.text() for sentence, _hint, _button in self.rows]

    def _fill(self) -> None:
        while self.body_layout.count():
            child = self.body_layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = []
        data = self.data
        items = data.items if data is not None else ()
        self.empty.setVisible(data is not None and not items)
        if data is None:
            return
        for item in items:
            self.body_layout.addWidget(self._row(item, data.today))
        self.body_layout.addStretch(1)

    def _row(self, item: AttentionFacts, today: date) -> QWidget:
        frame = QFrame(self.body)
        frame.setObjectName("attentionItem")
        frame.setStyleSheet(
            f"QFrame#attentionItem {{ border: 1px solid {BANNER_BORDER}; border-radius: 4px; "
            f"background: {BANNER_BG}; }}"
        )
        row = QHBoxLayout(frame)
        row.setContentsMargins(10, 8, 10, 8)
        column = QVBoxLayout()
        sentence = QLabel(self.texts.sentence(item, today), frame)
        sentence.setWordWrap(True)
        sentence.setObjectName("attentionSentence")
        font = QFont(sentence.font())
        font.setBold(True)
        sentence.setFont(font)
        sentence.setStyleSheet(f"color: {BANNER_FG}; background: transparent; border: none;")
        hint = QLabel(self.texts.hint(item, today), frame)
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {HINT_COLOR}; background: transparent; border: none;")
        column.addWidget(sentence)
        column.addWidget(hint)
        row.addLayout(column, 1)
        button: QPushButton | None = None
        action = self.texts.action(item, today)
        if action is not None:
            text, key, target = action
            button = QPushButton(text, frame)
            button.setObjectName(f"open_{key}")
            button.clicked.connect(lambda _=False, k=key, t=target: self._open(k, t))
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.rows.append((sentence, hint, button))
        return frame

    def _open(self, key: str, target: object) -> None:
        self.sig_open.emit(key, target)
        if key != "reception":
            self.hide()  # the page it opened is behind this window


class AttentionBanner(QWidget):
    """ "2 items need attention" on the board, only while there are any; opens the panel."""

    #: open ``target`` on the page ``key`` (see ``AttentionPanel.sig_open``)
    sig_open = Signal(str, object)
    #: a new list arrived (``AttentionList``)
    sig_items = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("attentionBanner")
        self.data: AttentionList | None = None
        self.panel: AttentionPanel | None = None
        self.loads = 0  # answers received (tests wait on it)
        self._ticket = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(self)
        self.button.setObjectName("attentionButton")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setStyleSheet(
            f"QPushButton#attentionButton {{ background: {BANNER_BG}; color: {BANNER_FG}; "
            f"border: 1px solid {BANNER_BORDER}; border-radius: 4px; padding: 6px 12px; "
            f"text-align: left; font-weight: bold; }}"
        )
        self.button.clicked.connect(self.open_panel)
        layout.addWidget(self.button, 1)
        self.hide()
        ctx.sig_changes.connect(self._on_changes)
        ctx.sig_actor_changed.connect(self._actor_changed)
        self.retranslate()
        self.reload()

    @property
    def count(self) -> int:
        return len(self.data.items) if self.data is not None else 0

    def retranslate(self) -> None:
        self.button.setText(self.tr("⚠ %n items need attention — show them", "", self.count))
        self.button.setToolTip(
            self.tr(
                "Clashes from two workstations that worked while they could not reach "
                "each other. Click to see what to do."
            )
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.may(Action.APPOINTMENT_VIEW):
            return
        self._ticket += 1
        ticket = self._ticket

        def show(data: AttentionList) -> None:
            if ticket == self._ticket:
                self._show(data)

        self.ctx.runner.start(
            load_attention,
            self.ctx.clinic,
            actor,
            on_success=show,
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.button.setToolTip(error_text(error))

    def _show(self, data: AttentionList) -> None:
        self.data = data
        self.loads += 1
        self.retranslate()
        self.setVisible(bool(data.items))
        self.sig_items.emit(data)

    def _on_changes(self, changes: Changes) -> None:
        if any(changes.touches(topic) for topic in TOPICS):
            self.reload()

    def _actor_changed(self, _actor: object) -> None:
        self.data = None
        self.hide()
        if self.panel is not None:
            self.panel.hide()
        self.reload()

    def open_panel(self) -> AttentionPanel:
        if self.panel is None:
            self.panel = AttentionPanel(self.ctx, self)
            self.panel.sig_open.connect(self.sig_open)
            self.sig_items.connect(self.panel.set_items)
        if self.data is not None:
            self.panel.set_items(self.data)
        self.panel.resize(max(self.panel.width(), 720), max(self.panel.height(), 420))
        self.panel.show()
        self.panel.raise_()
        return self.panel
