"""Complaints (spec F1-F6, C6) and root-cause analyses (G5).

* Intake (F1): in person, phone, letter, website, a follow-up call, and the weekly
  suggestion-box opening as one all-or-nothing batch. Whoever receives a complaint owns
  it (首接负责制, F3) until it is closed or handed over; hand-overs are events.
* Deadlines (F4) come from ``rules.deadlines``: hours on the clock, days skipping public
  holidays and the clinic's closures (节假日顺延). Each step's deadline runs from
  ``received_at``; a step is done when its column is set. Nothing about deadlines is
  stored: a changed setting changes every open complaint's deadlines at once.
* Serious complaints are escalated to the director at once (F5), audited.
* The loop (F6): response -> rectification -> reply -> training case -> closed; closing
  needs a reply (or, for an anonymous note, a note) and a finished rectification;
  a closed complaint changes only after a reopening with a reason.
* Confidentiality (C6): everyone may see that a complaint exists; its details go only to
  customer service, the director and the owner, and reading them is audited.
* The human number "TS-2026-0042" is derived when read (order of receipt in the clinic's
  local year), never stored, so two workstations cannot hand out the same one.
"""

from __future__ import annotations

import functools
import json
import math
import re
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import (
    ClinicError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.rules import deadlines, slots
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, Role, allowed
from clinic_desk.core.services import clinical, rosters, staff
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.clinical import InvalidEntry
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.base import from_stored, new_id, stored_utc
from clinic_desk.core.store.models import (
    ClinicClosure,
    Complaint,
    ComplaintEvent,
    Patient,
    RootCause,
    Staff,
    TrainingCase,
)
from clinic_desk.core.store.store import UnitOfWork

# -- code tables --------------------------------------------------------------------------------

CHANNELS = ("in_person", "phone", "letter", "website", "suggestion_box", "followup_call")
CHANNEL_LABELS: dict[str, str] = {
    "in_person": QT_TRANSLATE_NOOP("Complaint", "In person"),
    "phone": QT_TRANSLATE_NOOP("Complaint", "Phone"),
    "letter": QT_TRANSLATE_NOOP("Complaint", "Letter"),
    "website": QT_TRANSLATE_NOOP("Complaint", "Website"),
    "suggestion_box": QT_TRANSLATE_NOOP("Complaint", "Suggestion box"),
    "followup_call": QT_TRANSLATE_NOOP("Complaint", "Follow-up call"),
}
SEVERITIES = ("normal", "serious")
SEVERITY_LABELS: dict[str, str] = {
    "normal": QT_TRANSLATE_NOOP("Complaint", "Normal"),
    "serious": QT_TRANSLATE_NOOP("Complaint", "Serious"),
}
COMPLEXITIES = ("simple", "complex")
COMPLEXITY_LABELS: dict[str, str] = {
    "simple": QT_TRANSLATE_NOOP("Complaint", "Simple issue"),
    "complex": QT_TRANSLATE_NOOP("Complaint", "Complex dispute"),
}
REPLY_CHANNELS = ("phone", "in_person", "letter", "sms", "wechat", "email")
REPLY_CHANNEL_LABELS: dict[str, str] = {
    "phone": QT_TRANSLATE_NOOP("Complaint", "Phone"),
    "in_person": QT_TRANSLATE_NOOP("Complaint", "In person"),
    "letter": QT_TRANSLATE_NOOP("Complaint", "Letter"),
    "sms": QT_TRANSLATE_NOOP("Complaint", "Text message"),
    "wechat": QT_TRANSLATE_NOOP("Complaint", "WeChat"),
    "email": QT_TRANSLATE_NOOP("Complaint", "E-mail"),
}
EVENT_KINDS = (
    "received",
    "accepted",
    "contacted",
    "answered",
    "solution",
    "handed_over",
    "escalated",
    "escalation_seen",
    "rectification_set",
    "rectified",
    "replied",
    "case_added",
    "closed",
    "reopened",
    "note",
)
EVENT_LABELS: dict[str, str] = {
    "received": QT_TRANSLATE_NOOP("ComplaintEvent", "Received"),
    "accepted": QT_TRANSLATE_NOOP("ComplaintEvent", "Accepted"),
    "contacted": QT_TRANSLATE_NOOP("ComplaintEvent", "Complainant contacted"),
    "answered": QT_TRANSLATE_NOOP("ComplaintEvent", "Answered"),
    "solution": QT_TRANSLATE_NOOP("ComplaintEvent", "Solution proposed"),
    "handed_over": QT_TRANSLATE_NOOP("ComplaintEvent", "Handed over"),
    "escalated": QT_TRANSLATE_NOOP("ComplaintEvent", "Escalated to the director"),
    "escalation_seen": QT_TRANSLATE_NOOP("ComplaintEvent", "Seen by the director"),
    "rectification_set": QT_TRANSLATE_NOOP("ComplaintEvent", "Rectification set"),
    "rectified": QT_TRANSLATE_NOOP("ComplaintEvent", "Rectification done"),
    "replied": QT_TRANSLATE_NOOP("ComplaintEvent", "Reply to the complainant"),
    "case_added": QT_TRANSLATE_NOOP("ComplaintEvent", "Training case made"),
    "closed": QT_TRANSLATE_NOOP("ComplaintEvent", "Closed"),
    "reopened": QT_TRANSLATE_NOOP("ComplaintEvent", "Reopened"),
    "note": QT_TRANSLATE_NOOP("ComplaintEvent", "Note"),
}
STAGES = ("received", "accepted", "contacted", "answered", "rectifying", "replied", "closed")
STAGE_LABELS: dict[str, str] = {
    "received": QT_TRANSLATE_NOOP("ComplaintStage", "Received"),
    "accepted": QT_TRANSLATE_NOOP("ComplaintStage", "Accepted"),
    "contacted": QT_TRANSLATE_NOOP("ComplaintStage", "Contacted"),
    "answered": QT_TRANSLATE_NOOP("ComplaintStage", "Answered"),
    "rectifying": QT_TRANSLATE_NOOP("ComplaintStage", "Rectifying"),
    "replied": QT_TRANSLATE_NOOP("ComplaintStage", "Replied"),
    "closed": QT_TRANSLATE_NOOP("ComplaintStage", "Closed"),
}
LIST_STATUSES = ("open", "closed", "all")
ROOT_CAUSE_STATUSES = ("open", "done", "all")

# Which column says a deadline step is done.
STEP_DONE: dict[str, str] = {
    "accept": "accepted_at",
    "contact": "contacted_at",
    "simple_answer": "answered_at",
    "complex_answer": "answered_at",
    "solution": "solution_at",
    "rectify": "rectified_at",
    "close": "closed_at",
}
_ANSWER_STEP = {"simple": "simple_answer", "complex": "complex_answer"}

MAX_SHORT = 200
MAX_LONG = 4000
MAX_COMPLAINANT = 100
MAX_DEPARTMENT = 50
MAX_ADDRESS = 500
MAX_BOX_NOTES = 200
MAX_WHYS = 5
GIST_CHARS = 60
# A letter opened today may have arrived last year, but not earlier.
OLDEST_RECEIPT = timedelta(days=366)
# Another workstation's clock may run a little ahead.
FUTURE_SLACK = timedelta(minutes=5)

# -- messages -----------------------------------------------------------------------------------

CLOSED_REFUSED = QT_TRANSLATE_NOOP(
    "Errors", "This complaint is closed. Reopen it (with a reason) to change it."
)
EMPTY = QT_TRANSLATE_NOOP("Errors", "This cannot be empty. Type it in, then try again.")
NOT_STAFF = QT_TRANSLATE_NOOP(
    "Errors", "Only a signed-in staff member can do this. Sign in with your own account."
)
_CASE_NAME = QT_TRANSLATE_NOOP(
    "Errors",
    "The case still names the patient or the complainant. Remove names, phone numbers and "
    "ID numbers: cases are anonymised.",
)
_CASE_PHONE = QT_TRANSLATE_NOOP(
    "Errors",
    "The case still holds a phone number. Remove names, phone numbers and ID numbers: cases "
    "are anonymised.",
)
_CASE_ID = QT_TRANSLATE_NOOP(
    "Errors",
    "The case still holds an ID number or a record number. Remove names, phone numbers and "
    "ID numbers: cases are anonymised.",
)

# -- views --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintInput:
    channel: str
    content: str  # required, <= 4000
    complainant: str = ""  # may be empty only for suggestion_box (anonymous notes)
    contact: str = ""  # phone / e-mail / WeChat as given
    address: str = ""
    patient_id: uuid.UUID | None = None
    department: str = ""
    staff_concerned: str = ""  # words as given
    staff_concerned_id: uuid.UUID | None = None
    severity: str = "normal"
    complexity: str = "simple"
    # Default now; may be earlier (a letter opened today), never in the future or more
    # than 366 days back; must carry its time zone.
    received_at: datetime | None = None

    def blank(self) -> bool:
        """A suggestion-box slip with nothing written on it."""
        texts = (
            self.content,
            self.complainant,
            self.contact,
            self.address,
            self.department,
            self.staff_concerned,
        )
        return (
            all(not (t or "").strip() for t in texts)
            and self.patient_id is None
            and self.staff_concerned_id is None
        )


@dataclass(frozen=True)
class DeadlineView:
    step: str
    label: str  # STEP_LABELS source text (context "ComplaintStep")
    due_at: datetime  # UTC
    done_at: datetime | None
    overdue: bool  # not done and past due, or done after due
    left_minutes: int | None  # None when done; negative when overdue


@dataclass(frozen=True)
class ComplaintSummary:
    id: uuid.UUID
    number: str
    received_at: datetime
    channel: str
    severity: str
    complexity: str
    status: str  # open | closed
    stage: str
    owner_id: uuid.UUID | None
    owner_name: str
    department: str
    confidential: bool  # True when the details are withheld (C6)
    complainant: str
    gist: str
    next_deadline: DeadlineView | None
    overdue: bool  # an open complaint with a step not done past its deadline
    escalated: bool


@dataclass(frozen=True)
class EventView:
    id: uuid.UUID
    kind: str
    at: datetime
    by_name: str
    note: str
    detail: dict[str, str]


@dataclass(frozen=True)
class ComplaintView:
    id: uuid.UUID
    number: str
    received_at: datetime
    channel: str
    severity: str
    complexity: str
    status: str
    stage: str
    owner_id: uuid.UUID | None
    owner_name: str
    department: str
    confidential: bool
    complainant: str
    gist: str
    next_deadline: DeadlineView | None
    overdue: bool
    escalated: bool
    contact: str
    address: str
    patient_id: uuid.UUID | None
    patient_name: str
    content: str
    staff_concerned: str
    staff_concerned_id: uuid.UUID | None
    staff_concerned_name: str
    recorded_by_name: str
    box_opened_on: date | None
    accepted_at: datetime | None
    contacted_at: datetime | None
    answered_at: datetime | None
    solution_at: datetime | None
    response: str
    rectification: str
    rectify_owner_id: uuid.UUID | None
    rectify_owner_name: str
    rectify_due: date | None
    rectified_at: datetime | None
    rectify_note: str
    reply_at: datetime | None
    reply_channel: str
    reply_text: str
    closed_at: datetime | None
    closed_by_name: str
    reopened: int
    escalated_at: datetime | None
    escalation_seen_at: datetime | None
    deadlines: tuple[DeadlineView, ...]
    events: tuple[EventView, ...]
    case_id: uuid.UUID | None
    root_causes: tuple[uuid.UUID, ...]
    may_edit: bool


@dataclass(frozen=True)
class TrainingCaseView:
    id: uuid.UUID
    complaint_id: uuid.UUID | None
    title: str
    department: str
    summary: str
    lessons: str
    created_at: datetime
    created_by_name: str


@dataclass(frozen=True)
class RootCauseView:
    id: uuid.UUID
    complaint_id: uuid.UUID | None
    complaint_number: str
    problem: str
    department: str
    whys: tuple[str, ...]
    root_cause: str
    actions: str
    owner_id: uuid.UUID | None
    owner_name: str
    found_at: datetime
    due_at: datetime
    done_at: datetime | None
    status: str  # open | done
    overdue: bool  # open past due, or done after due
    # C6: an analysis of a complaint the reader may not read: its texts are withheld.
    confidential: bool = False


class NoteError(InvalidEntry):
    """A suggestion-box note refused: names the note (1-based) and what is wrong with it."""

    template = QT_TRANSLATE_NOOP("Errors", "Note {note}: {problem}")

    def __init__(self, note: int, inner: ClinicError) -> None:
        super().__init__(
            getattr(inner, "field", "notes"),
            self.template,
            note=note,
            problem=inner.message(),
        )
        self.note = note
        self.inner = inner

    def message(self, translate: Translate = english) -> str:
        # Both halves translated: the frame and the note's own message.
        return translate("Errors", self.template).format(
            note=self.note, problem=self.inner.message(translate)
        )


# -- small helpers ------------------------------------------------------------------------------


def _text(
    value: object, field_name: str, *, limit: int, multiline: bool = True, required: bool = False
) -> str:
    text = clinical.clean_text(value, field_name, limit=limit, multiline=multiline)
    if required and not text:
        raise InvalidEntry(field_name, EMPTY)
    return text


def _short(
    value: object, field_name: str, limit: int = MAX_SHORT, *, required: bool = False
) -> str:
    return _text(value, field_name, limit=limit, multiline=False, required=required)


def _long(value: object, field_name: str, *, required: bool = False) -> str:
    return _text(value, field_name, limit=MAX_LONG, required=required)


def _choice(value: object, field_name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidEntry(
            field_name,
            QT_TRANSLATE_NOOP(
                "Errors", "“{value}” is not one of the choices. Choose one of: {choices}."
            ),
            value=str(value)[:40],
            choices=", ".join(choices),
        )
    return value


def _moment(clinic: Clinic, value: object, field_name: str, *, not_before: datetime) -> datetime:
    """An aware instant, not in the future and not before ``not_before`` (UTC)."""
    if not isinstance(value, datetime):
        raise InvalidEntry(
            field_name, QT_TRANSLATE_NOOP("Errors", "This should be a date and a time.")
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEntry(
            field_name,
            QT_TRANSLATE_NOOP(
                "Errors",
                "The time has no time zone, so it could be read two ways. Give the time with "
                "its time zone.",
            ),
        )
    moment = value.astimezone(UTC)
    if moment > clinic.now() + FUTURE_SLACK:
        raise InvalidEntry(field_name, clinical.FUTURE, when=clinic.local_text(moment))
    if moment < not_before:
        raise InvalidEntry(
            field_name,
            QT_TRANSLATE_NOOP(
                "Errors",
                "The time {when} is too far back (before {limit}). Check the date, then try again.",
            ),
            when=clinic.local_text(moment),
            limit=clinic.local_text(not_before),
        )
    return moment


def _a_day(value: object, field_name: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidEntry(
            field_name, QT_TRANSLATE_NOOP("Errors", "This should be a calendar date.")
        )
    return value


def _day_start(zone: ZoneInfo, day: date) -> datetime:
    return slots.local_to_utc(day, 0, zone)  # DateOutOfRange for year 1 / 9999


def _closures(session: Session) -> frozenset[date]:
    return frozenset(
        session.execute(select(ClinicClosure.day).where(ClinicClosure.deleted_at.is_(None)))
        .scalars()
        .all()
    )


def _active_staff(session: Session, staff_id: object, field_name: str) -> Staff:
    if not isinstance(staff_id, uuid.UUID):
        raise InvalidEntry(field_name, QT_TRANSLATE_NOOP("Errors", "Choose a staff member."))
    person = session.get(Staff, staff_id)
    if person is None or person.deleted_at is not None or person.disabled_at is not None:
        raise InvalidEntry(
            field_name,
            QT_TRANSLATE_NOOP(
                "Errors",
                "That staff member does not exist or their account is disabled. Choose "
                "someone who works here now.",
            ),
        )
    return person


def _known_staff(session: Session, staff_id: uuid.UUID | None, field_name: str) -> None:
    if staff_id is None:
        return
    person = session.get(Staff, staff_id)
    if person is None or person.deleted_at is not None:
        raise InvalidEntry(
            field_name,
            QT_TRANSLATE_NOOP(
                "Errors", "That staff member is not on the staff list. Choose another."
            ),
        )


def _live_patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


def _live(session: Session, complaint_id: uuid.UUID) -> Complaint:
    row = session.get(Complaint, complaint_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "complaint"))
    return row


def _reads_all(actor: Actor) -> bool:
    """C6: customer service and the director read every complaint's details."""
    return actor.is_system or allowed(actor.role, Action.COMPLAINT_READ_CONFIDENTIAL)


def may_read_details(
    actor: Actor, owner_id: uuid.UUID | None, reads_all: bool | None = None
) -> bool:
    """C6: customer service, the director, the owner."""
    if reads_all is None:
        reads_all = _reads_all(actor)
    return reads_all or (actor.staff_id is not None and owner_id == actor.staff_id)


def _may_work(actor: Actor, row: Complaint) -> bool:
    """The owner (F3) or whoever handles complaints for the clinic."""
    return (
        actor.is_system
        or allowed(actor.role, Action.COMPLAINT_HANDLE)
        or (actor.staff_id is not None and row.owner_id == actor.staff_id)
    )


def _may_rectify(actor: Actor, row: Complaint) -> bool:
    return _may_work(actor, row) or (
        actor.staff_id is not None and row.rectify_owner_id == actor.staff_id
    )


def _is_director(actor: Actor) -> bool:
    return actor.role == Role.DIRECTOR


def _deny(
    clinic: Clinic,
    actor: Actor,
    action: Action,
    object_id: uuid.UUID,
    object_type: str = "complaint",
) -> PermissionDenied:
    """Audit a refusal (in its own transaction) and return the error to raise.

    For refusals by the row (the owner may, F3), which ``Clinic.require`` cannot judge
    by the role alone."""
    clinic.audit_now(
        actor,
        audit.AuditEvent(
            action=str(action),
            outcome="denied",
            object_type=object_type,
            object_id=object_id.hex,
        ),
    )
    return PermissionDenied(role=str(actor.role), action=str(action))


def _changes(row: Complaint) -> Changes:
    ids = {row.id} | ({row.patient_id} if row.patient_id is not None else set())
    return Changes(frozenset({Topic.COMPLAINTS, Topic.QUALITY}), frozenset(ids))


def _event(
    session: Session,
    row: Complaint,
    kind: str,
    at: datetime,
    by: uuid.UUID | None,
    note: str = "",
    detail: dict[str, str] | None = None,
) -> None:
    session.add(
        ComplaintEvent(
            id=new_id(),
            complaint_id=row.id,
            kind=kind,
            at=at,
            by_id=by,
            note=note,
            detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
            created_at=at,
            updated_at=at,
        )
    )


def _audit(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    row: Complaint,
    detail: dict[str, str] | None = None,
    *,
    reason: str = "",
) -> None:
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=action,
            object_type="complaint",
            object_id=row.id.hex,
            patient_id=row.patient_id,
            reason=reason,
            detail=json.dumps(detail, sort_keys=True, ensure_ascii=False) if detail else "",
        ),
    )


def _escalate(clinic: Clinic, uow: UnitOfWork, actor: Actor, row: Complaint, now: datetime) -> None:
    """F5: a serious complaint goes to the director at once."""
    if row.escalated_at is not None:
        return
    row.escalated_at = now
    _event(uow.session, row, "escalated", now, actor.staff_id)
    _audit(clinic, uow, actor, "complaint.escalate", row, {"severity": row.severity})


# -- deadlines ----------------------------------------------------------------------------------


_STEP_LIMIT = {step: (key, in_days) for step, key, in_days in deadlines.STEPS}


@functools.lru_cache(maxsize=16384)
def _due_after_days(
    local_day: date,
    days: int,
    zone: ZoneInfo,
    calendar: str,
    closed: frozenset[date],
    skip: bool,
) -> datetime:
    """``deadlines.due_after_days``, which depends only on the local day of receipt:
    complaints received the same day share it, and the list asks again on every refresh.
    The closures are part of the key, so a new closure is never answered from the cache."""
    noon = datetime.combine(local_day, time(12), tzinfo=zone)
    return deadlines.due_after_days(
        noon, days, zone=zone, calendar=calendar, closed=closed, skip_holidays=skip
    )


_DONE_COLUMNS = (
    "accepted_at",
    "contacted_at",
    "answered_at",
    "solution_at",
    "rectified_at",
    "reply_at",
    "closed_at",
)


def _anonymous(channel: str, contact: str, address: str) -> bool:
    """An unsigned suggestion-box note: nobody to contact or reply to (F1)."""
    return channel == "suggestion_box" and not contact.strip() and not address.strip()


@dataclass(frozen=True, slots=True)
class _Brief:
    """What a list row needs of a complaint: from an entity or from plain SQL."""

    id: uuid.UUID
    received_at: datetime
    channel: str
    severity: str
    complexity: str
    status: str
    owner_id: uuid.UUID | None
    department: str
    complainant: str
    content: str
    contact: str
    staff_concerned: str
    escalated: bool
    rectifying: bool  # a rectification is set
    done: frozenset[str]  # which of _DONE_COLUMNS are set


def _brief(row: Complaint) -> _Brief:
    return _Brief(
        id=row.id,
        received_at=row.received_at,
        channel=row.channel,
        severity=row.severity,
        complexity=row.complexity,
        status=row.status,
        owner_id=row.owner_id,
        department=row.department,
        complainant=row.complainant,
        content=row.content,
        contact=row.contact,
        staff_concerned=row.staff_concerned,
        escalated=row.escalated_at is not None,
        rectifying=bool(row.rectification),
        done=frozenset(c for c in _DONE_COLUMNS if getattr(row, c) is not None),
    )


class DeadlineClock:
    """Deadlines for many complaints with the settings, calendar and closures read once.

    Day limits depend only on the local day of receipt, so they are computed once per day.
    """

    def __init__(self, clinic: Clinic, session: Session) -> None:
        values = clinic.settings()
        self.limits = {key: int(str(values[key])) for _, key, _ in deadlines.STEPS}
        self.skip = bool(values["complaints.skip_holidays"])
        self.zone = clinic.timezone()
        self.calendar = rosters.holiday_calendar(clinic)
        self.closed = _closures(session)
        self.now = clinic.now()
        self._open_steps = {c: self.steps(c, rectify=True) for c in COMPLEXITIES}

    def due(self, received: datetime, step: str, day: date | None = None) -> datetime:
        """``day``: the local day of receipt, when the caller has it already."""
        key, in_days = _STEP_LIMIT[step]
        amount = self.limits[key]
        if not in_days:
            return deadlines.due_after_hours(received, amount)
        local_day = day or received.astimezone(self.zone).date()
        return _due_after_days(local_day, amount, self.zone, self.calendar, self.closed, self.skip)

    def view(self, step: str, due: datetime, done: datetime | None) -> DeadlineView:
        if done is not None:
            return DeadlineView(step, deadlines.STEP_LABELS[step], due, done, done > due, None)
        left = math.floor((due - self.now).total_seconds() / 60)
        return DeadlineView(step, deadlines.STEP_LABELS[step], due, None, due < self.now, left)

    def steps(self, complexity: str, *, rectify: bool) -> tuple[str, ...]:
        answer = _ANSWER_STEP.get(complexity, "simple_answer")
        return tuple(
            step
            for step, _, _ in deadlines.STEPS
            if not (step in _ANSWER_STEP.values() and step != answer)
            and (step != "rectify" or rectify)
        )

    def of(self, row: Complaint) -> tuple[DeadlineView, ...]:
        # Rectification matters once one is set, or while the complaint is open.
        rectify = bool(row.rectification) or row.status == "open"
        unreachable = _anonymous(row.channel, row.contact, row.address)
        return tuple(
            self.view(step, self.due(row.received_at, step), getattr(row, STEP_DONE[step]))
            for step in self.steps(row.complexity, rectify=rectify)
            if not (unreachable and step == "contact")
        )

    def pending(self, brief: _Brief) -> tuple[DeadlineView | None, bool]:
        """An open complaint's next deadline and whether a step not done is past due;
        only the steps not done are computed (the list's hot path)."""
        if brief.status != "open":
            return None, False
        day = brief.received_at.astimezone(self.zone).date()
        best: tuple[datetime, str] | None = None
        unreachable = _anonymous(brief.channel, brief.contact, "")
        for step in self._open_steps[brief.complexity]:
            if STEP_DONE[step] in brief.done or (unreachable and step == "contact"):
                continue
            due = self.due(brief.received_at, step, day)
            if best is None or due < best[0]:
                best = (due, step)
        if best is None:
            return None, False
        return self.view(best[1], best[0], None), best[0] < self.now


def complaint_deadlines_for(
    clinic: Clinic, received_at: datetime, complexity: str
) -> tuple[DeadlineView, ...]:
    """Every step's deadline for a complaint received at ``received_at`` (none done yet),
    e.g. the rectification's default due day in the UI."""
    _choice(complexity, "complexity", COMPLEXITIES)
    if received_at.tzinfo is None:
        raise InvalidEntry(
            "received_at",
            QT_TRANSLATE_NOOP(
                "Errors",
                "The time has no time zone, so it could be read two ways. Give the time with "
                "its time zone.",
            ),
        )
    with clinic.store.unit_of_work(write=False) as uow:
        clock = DeadlineClock(clinic, uow.session)
    return tuple(
        clock.view(step, clock.due(received_at, step), None)
        for step in clock.steps(complexity, rectify=True)
    )


# -- numbers ------------------------------------------------------------------------------------


def complaint_numbers(
    clinic: Clinic, session: Session, only: Collection[uuid.UUID] | None = None
) -> dict[str, str]:
    """Complaint id (hex) -> "TS-<year>-<nnnn>": the count of complaints in the clinic's
    local year of receipt, by ``received_at`` (ties by id), from one windowed query.
    Plain SQL: the list numbers every complaint, and typed columns cost more than it."""
    conn = session.connection()
    low, high = conn.exec_driver_sql(
        "SELECT min(received_at), max(received_at) FROM complaint WHERE deleted_at IS NULL"
    ).one()
    if low is None:
        return {}
    zone = clinic.timezone()
    first_year = from_stored(low).astimezone(zone).year
    last_year = from_stored(high).astimezone(zone).year
    # Local year boundaries as UTC instants: right across a clock change.
    params: list[object] = []
    whens = ""
    for year in range(first_year, last_year):
        whens += " WHEN received_at < ? THEN ?"
        params += [stored_utc(_day_start(zone, date(year + 1, 1, 1))), year]
    params.append(last_year)
    year_of = f"CASE{whens} ELSE ? END" if whens else "?"
    sql = (
        "SELECT id, yr, ROW_NUMBER() OVER (PARTITION BY yr ORDER BY received_at, id) "
        f"FROM (SELECT id, received_at, {year_of} AS yr FROM complaint "
        "WHERE deleted_at IS NULL)"
    )
    if only is not None:
        wanted = [i.hex for i in only]
        if not wanted:
            return {}
        sql = f"SELECT * FROM ({sql}) WHERE id IN ({', '.join('?' * len(wanted))})"
        params += wanted
    ranked = conn.exec_driver_sql(sql, tuple(params)).all()
    return {cid: f"TS-{year}-{n:04d}" for cid, year, n in ranked}


# -- building views -----------------------------------------------------------------------------


def _stage(brief: _Brief) -> str:
    if brief.status == "closed":
        return "closed"
    if "reply_at" in brief.done:
        return "replied"
    if brief.rectifying:
        return "rectifying"
    if "answered_at" in brief.done or "solution_at" in brief.done:
        return "answered"
    if "contacted_at" in brief.done:
        return "contacted"
    if "accepted_at" in brief.done:
        return "accepted"
    return "received"


def _summary(
    brief: _Brief,
    actor: Actor,
    number: str,
    names: dict[uuid.UUID, str],
    clock: DeadlineClock,
    reads_all: bool | None = None,
) -> ComplaintSummary:
    shown = may_read_details(actor, brief.owner_id, reads_all)
    next_deadline, overdue = clock.pending(brief)
    return ComplaintSummary(
        id=brief.id,
        number=number,
        received_at=brief.received_at,
        channel=brief.channel,
        severity=brief.severity,
        complexity=brief.complexity,
        status=brief.status,
        stage=_stage(brief),
        owner_id=brief.owner_id,
        owner_name=names.get(brief.owner_id, "") if brief.owner_id else "",
        department=brief.department,
        confidential=not shown,
        complainant=brief.complainant if shown else "",
        gist=brief.content[:GIST_CHARS] if shown else "",
        next_deadline=next_deadline,
        overdue=overdue,
        escalated=brief.escalated,
    )


def _detail(text: str) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _view(clinic: Clinic, session: Session, actor: Actor, row: Complaint) -> ComplaintView:
    session.flush()
    clock = DeadlineClock(clinic, session)
    views = clock.of(row)
    number = complaint_numbers(clinic, session, [row.id]).get(row.id.hex, "")
    events = (
        session.execute(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == row.id, ComplaintEvent.deleted_at.is_(None))
            .order_by(ComplaintEvent.at, ComplaintEvent.created_at, ComplaintEvent.id)
        )
        .scalars()
        .all()
    )
    names = staff.display_names(
        session,
        [
            row.owner_id,
            row.recorded_by,
            row.staff_concerned_id,
            row.rectify_owner_id,
            row.closed_by,
            *(e.by_id for e in events),
        ],
    )
    summary = _summary(_brief(row), actor, number, names, clock)
    shown = not summary.confidential
    rectifier = actor.staff_id is not None and row.rectify_owner_id == actor.staff_id

    def name(staff_id: uuid.UUID | None) -> str:
        return names.get(staff_id, "") if staff_id is not None else ""

    patient_name = ""
    if shown and row.patient_id is not None:
        patient = session.get(Patient, row.patient_id)
        if patient is not None:
            patient_name = display_name(patient.family_name, patient.given_name)
    case_id = session.execute(
        select(TrainingCase.id).where(
            TrainingCase.complaint_id == row.id, TrainingCase.deleted_at.is_(None)
        )
    ).scalar()
    causes = tuple(
        session.execute(
            select(RootCause.id)
            .where(RootCause.complaint_id == row.id, RootCause.deleted_at.is_(None))
            .order_by(RootCause.found_at)
        ).scalars()
    )
    return ComplaintView(
        **{f: getattr(summary, f) for f in ComplaintSummary.__dataclass_fields__},
        contact=row.contact if shown else "",
        address=row.address if shown else "",
        patient_id=row.patient_id if shown else None,
        patient_name=patient_name,
        content=row.content if shown else "",
        staff_concerned=row.staff_concerned if shown else "",
        staff_concerned_id=row.staff_concerned_id if shown else None,
        staff_concerned_name=name(row.staff_concerned_id) if shown else "",
        recorded_by_name=name(row.recorded_by),
        box_opened_on=row.box_opened_on,
        accepted_at=row.accepted_at,
        contacted_at=row.contacted_at,
        answered_at=row.answered_at,
        solution_at=row.solution_at,
        response=row.response if shown else "",
        # The rectification's owner needs to know what to change, not the complaint.
        rectification=row.rectification if shown or rectifier else "",
        rectify_owner_id=row.rectify_owner_id,
        rectify_owner_name=name(row.rectify_owner_id),
        rectify_due=row.rectify_due,
        rectified_at=row.rectified_at,
        rectify_note=row.rectify_note if shown or rectifier else "",
        reply_at=row.reply_at,
        reply_channel=row.reply_channel,
        reply_text=row.reply_text if shown else "",
        closed_at=row.closed_at,
        closed_by_name=name(row.closed_by),
        reopened=row.reopened,
        escalated_at=row.escalated_at,
        escalation_seen_at=row.escalation_seen_at,
        deadlines=views,
        events=tuple(
            EventView(
                id=e.id,
                kind=e.kind,
                at=e.at,
                by_name=name(e.by_id),
                note=e.note if shown else "",
                detail=_detail(e.detail) if shown or e.kind == "handed_over" else {},
            )
            for e in events
        ),
        case_id=case_id,
        root_causes=causes,
        may_edit=row.status == "open" and _may_work(actor, row),
    )


# -- intake (F1-F3, F5) -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clean:
    channel: str
    content: str
    complainant: str
    contact: str
    address: str
    patient_id: uuid.UUID | None
    department: str
    staff_concerned: str
    staff_concerned_id: uuid.UUID | None
    severity: str
    complexity: str
    received_at: datetime | None


def _clean(clinic: Clinic, data: ComplaintInput) -> _Clean:
    if not isinstance(data, ComplaintInput):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "This is not a complaint entry."))
    channel = _choice(data.channel, "channel", CHANNELS)
    complainant = _short(data.complainant, "complainant", MAX_COMPLAINANT)
    if not complainant and channel != "suggestion_box":
        raise InvalidEntry(
            "complainant",
            QT_TRANSLATE_NOOP(
                "Errors",
                "Who is complaining? Type the complainant's name (only suggestion-box notes "
                "may be anonymous).",
            ),
        )
    received = None
    if data.received_at is not None:
        received = _moment(
            clinic, data.received_at, "received_at", not_before=clinic.now() - OLDEST_RECEIPT
        )
    return _Clean(
        channel=channel,
        content=_long(data.content, "content", required=True),
        complainant=complainant,
        contact=_short(data.contact, "contact"),
        address=_short(data.address, "address", MAX_ADDRESS),
        patient_id=data.patient_id,
        department=_short(data.department, "department", MAX_DEPARTMENT),
        staff_concerned=_short(data.staff_concerned, "staff_concerned"),
        staff_concerned_id=data.staff_concerned_id,
        severity=_choice(data.severity, "severity", SEVERITIES),
        complexity=_choice(data.complexity, "complexity", COMPLEXITIES),
        received_at=received,
    )


def received_in(uow: UnitOfWork, complaint: Complaint) -> None:
    """The "received" event of a complaint written in the caller's transaction (a
    follow-up call opens one: ``followups._record_call``). The receiver owns it (F3)."""
    if complaint.recorded_by is None:
        complaint.recorded_by = complaint.owner_id
    _event(uow.session, complaint, "received", complaint.received_at, complaint.owner_id)


def _insert(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    data: _Clean,
    now: datetime,
    *,
    received: datetime,
    box_opened_on: date | None = None,
) -> Complaint:
    s = uow.session
    if data.patient_id is not None:
        _live_patient(s, data.patient_id)
    _known_staff(s, data.staff_concerned_id, "staff_concerned_id")
    row = Complaint(
        id=new_id(),
        patient_id=data.patient_id,
        complainant=data.complainant,
        contact=data.contact,
        address=data.address,
        channel=data.channel,
        content=data.content,
        department=data.department,
        staff_concerned=data.staff_concerned,
        staff_concerned_id=data.staff_concerned_id,
        severity=data.severity,
        complexity=data.complexity,
        owner_id=actor.staff_id,  # first-contact responsibility (F3)
        recorded_by=actor.staff_id,
        received_at=received,
        box_opened_on=box_opened_on,
        status="open",
        created_at=now,
        updated_at=now,
    )
    s.add(row)
    received_in(uow, row)
    _audit(
        clinic,
        uow,
        actor,
        "complaint.record",
        row,
        {"channel": row.channel, "severity": row.severity, "complexity": row.complexity},
    )
    if row.severity == "serious":
        _escalate(clinic, uow, actor, row, now)
    return row


def _need_staff(actor: Actor) -> None:
    # A complaint needs an owner (F3): the command line's system actor cannot be one.
    if actor.staff_id is None:
        raise ValidationError(NOT_STAFF)


def record_complaint(clinic: Clinic, actor: Actor, data: ComplaintInput) -> Written[ComplaintView]:
    """Record a complaint as received; the actor owns it (F3). Serious ones are escalated."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    _need_staff(actor)
    clean = _clean(clinic, data)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        row = _insert(clinic, uow, actor, clean, now, received=clean.received_at or now)
        view = _view(clinic, uow.session, actor, row)
        uow.commit()
    return Written(view, _changes(row))


def record_suggestion_box(
    clinic: Clinic, actor: Actor, opened_on: date, notes: Sequence[ComplaintInput]
) -> Written[list[ComplaintView]]:
    """The weekly box opening (F1): every note in one transaction, all or nothing.

    Blank notes are skipped; a bad one refuses the whole batch, naming the note (1-based).
    """
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    _need_staff(actor)
    opened_on = _a_day(opened_on, "opened_on")
    if opened_on > clinic.today():
        raise InvalidEntry("opened_on", clinical.FUTURE_DATE, when=opened_on.isoformat())
    if opened_on < clinic.today() - OLDEST_RECEIPT:
        raise InvalidEntry(
            "opened_on",
            QT_TRANSLATE_NOOP(
                "Errors", "The box was opened too long ago ({when}). Check the date."
            ),
            when=opened_on.isoformat(),
        )
    if len(notes) > MAX_BOX_NOTES:
        raise InvalidEntry(
            "notes",
            QT_TRANSLATE_NOOP(
                "Errors",
                "There are {count} notes; enter at most {n} at a time. Split the batch.",
            ),
            count=len(notes),
            n=MAX_BOX_NOTES,
        )
    start = max(_day_start(clinic.timezone(), opened_on), clinic.now() - OLDEST_RECEIPT)
    cleaned: list[_Clean] = []
    for n, note in enumerate(notes, start=1):
        if isinstance(note, ComplaintInput) and note.blank():
            continue
        try:
            if not isinstance(note, ComplaintInput):
                raise ValidationError(QT_TRANSLATE_NOOP("Errors", "This is not a complaint entry."))
            cleaned.append(_clean(clinic, replace(note, channel="suggestion_box")))
        except ClinicError as error:
            raise NoteError(n, error) from error
    if not cleaned:
        raise InvalidEntry(
            "notes",
            QT_TRANSLATE_NOOP("Errors", "Every note is blank. Type what the notes say, then save."),
        )
    now = clinic.now()
    rows: list[Complaint] = []
    with clinic.store.unit_of_work(write=True) as uow:
        position = [n for n, note in enumerate(notes, start=1) if not note.blank()]
        for n, clean in zip(position, cleaned, strict=True):
            try:
                rows.append(
                    _insert(
                        clinic,
                        uow,
                        actor,
                        clean,
                        now,
                        received=clean.received_at or start,
                        box_opened_on=opened_on,
                    )
                )
            except ClinicError as error:
                raise NoteError(n, error) from error
        views = [_view(clinic, uow.session, actor, row) for row in rows]
        uow.commit()
    changes = Changes(frozenset({Topic.COMPLAINTS, Topic.QUALITY}))
    for row in rows:
        changes = changes | _changes(row)
    return Written(views, changes)


# -- reading ------------------------------------------------------------------------------------


# Plain SQL for the list: typed columns (UUID, dates) cost more than the whole budget
# for 2,000 complaints; only ``received_at`` is parsed, the rest only tested for NULL.
_LIST_SQL = (
    "SELECT id, received_at, channel, severity, complexity, status, owner_id, department, "
    "complainant, {texts}, escalated_at IS NOT NULL, rectification != '', "
    + ", ".join(f"{c} IS NOT NULL" for c in _DONE_COLUMNS)
    + " FROM complaint WHERE deleted_at IS NULL"
)
# Without a search, only the gist of the content is read.
_LIST_TEXTS = f"substr(content, 1, {GIST_CHARS}), '', ''"
_SEARCH_TEXTS = "content, contact, staff_concerned"


def _brief_of(raw: Sequence[Any], owners: dict[str, uuid.UUID]) -> _Brief:
    """One row of ``_LIST_SQL``; ``owners`` keeps one UUID per owner (few, repeated)."""
    flags = raw[14:]
    owner = raw[6]
    if owner and owner not in owners:
        owners[owner] = uuid.UUID(hex=owner)
    return _Brief(
        id=uuid.UUID(hex=raw[0]),
        received_at=from_stored(raw[1]),
        channel=raw[2],
        severity=raw[3],
        complexity=raw[4],
        status=raw[5],
        owner_id=owners[owner] if owner else None,
        department=raw[7],
        complainant=raw[8],
        content=raw[9],
        contact=raw[10],
        staff_concerned=raw[11],
        escalated=bool(raw[12]),
        rectifying=bool(raw[13]),
        done=frozenset(c for c, on in zip(_DONE_COLUMNS, flags, strict=True) if on),
    )


def list_complaints(
    clinic: Clinic,
    actor: Actor,
    *,
    status: str = "open",
    mine: bool = False,
    overdue_only: bool = False,
    first: date | None = None,
    last: date | None = None,
    search: str = "",
) -> list[ComplaintSummary]:
    """Complaints for the list: open overdue first, then by next deadline, then closed
    ones newest first. Everyone sees that they exist; details only where C6 allows."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    _choice(status, "status", LIST_STATUSES)
    needle = _short(search, "search").casefold()
    zone = clinic.timezone()
    sql = _LIST_SQL.format(texts=_SEARCH_TEXTS if needle else _LIST_TEXTS)
    params: list[object] = []
    if status != "all":
        sql += " AND status = ?"
        params.append(status)
    if mine:
        sql += " AND owner_id = ?"
        params.append(actor.staff_id.hex if actor.staff_id else "")
    if first is not None:
        sql += " AND received_at >= ?"
        params.append(stored_utc(_day_start(zone, _a_day(first, "first"))))
    if last is not None:
        sql += " AND received_at < ?"
        params.append(stored_utc(_day_start(zone, _a_day(last, "last") + timedelta(days=1))))
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        owners: dict[str, uuid.UUID] = {}
        rows = s.connection().exec_driver_sql(sql, tuple(params)).all()
        briefs = [_brief_of(r, owners) for r in rows]
        clock = DeadlineClock(clinic, s)
        numbers = complaint_numbers(clinic, s)
        names = staff.display_names(s, (b.owner_id for b in briefs))
    reads_all = _reads_all(actor)
    out: list[ComplaintSummary] = []
    for brief in briefs:
        summary = _summary(brief, actor, numbers.get(brief.id.hex, ""), names, clock, reads_all)
        if overdue_only and not summary.overdue:
            continue
        if needle and not _matches(brief, summary, needle):
            continue
        out.append(summary)
    far = datetime.max.replace(tzinfo=UTC).timestamp()

    def order(c: ComplaintSummary) -> tuple[int, float]:
        if c.status == "open":
            due = c.next_deadline.due_at.timestamp() if c.next_deadline else far
            return (0 if c.overdue else 1, due)
        return (2, -c.received_at.timestamp())

    out.sort(key=order)
    return out


def _matches(brief: _Brief, summary: ComplaintSummary, needle: str) -> bool:
    words = [summary.number, brief.department, summary.owner_name]
    if not summary.confidential:
        words += [brief.complainant, brief.content, brief.contact, brief.staff_concerned]
    return any(needle in w.casefold() for w in words if w)


def complaint(clinic: Clinic, actor: Actor, complaint_id: uuid.UUID) -> ComplaintView:
    """One complaint, everything; the details are withheld unless C6 allows them, and
    reading them is audited ("complaint.read")."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    with clinic.store.unit_of_work(write=True) as uow:
        row = _live(uow.session, complaint_id)
        view = _view(clinic, uow.session, actor, row)
        if not view.confidential:
            _audit(clinic, uow, actor, "complaint.read", row)
            uow.commit()
    return view


# -- the steps (F6) -----------------------------------------------------------------------------

_Apply = Callable[[UnitOfWork, Complaint, datetime], dict[str, str]]


def _step(
    clinic: Clinic,
    actor: Actor,
    complaint_id: uuid.UUID,
    action: str,
    apply: _Apply,
    *,
    may: Callable[[Actor, Complaint], bool] = _may_work,
    when_closed: bool = False,
) -> Written[ComplaintView]:
    """Load, check who may, refuse a closed complaint, apply, audit, view: one transaction."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    now = clinic.now()
    denied = False
    with clinic.store.unit_of_work(write=True) as uow:
        row = _live(uow.session, complaint_id)
        if not may(actor, row):
            denied = True
        else:
            if row.status == "closed" and not when_closed:
                raise ValidationError(CLOSED_REFUSED)
            detail = apply(uow, row, now)
            row.updated_at = now
            _audit(clinic, uow, actor, action, row, detail)
            view = _view(clinic, uow.session, actor, row)
            uow.commit()
    if denied:
        raise _deny(clinic, actor, Action.COMPLAINT_HANDLE, complaint_id)
    return Written(view, _changes(row))


def _ensure_accepted(uow: UnitOfWork, row: Complaint, actor: Actor, now: datetime) -> None:
    # Working on a complaint accepts it: a contact made means it was taken on.
    if row.accepted_at is None:
        row.accepted_at = now
        _event(uow.session, row, "accepted", now, actor.staff_id)


def accept(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, note: str = ""
) -> Written[ComplaintView]:
    """The complaint is taken on (F4: within an hour)."""
    text = _long(note, "note")

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        if row.accepted_at is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "This complaint was accepted already. Nothing changed.")
            )
        row.accepted_at = now
        _event(uow.session, row, "accepted", now, actor.staff_id, text)
        return {}

    return _step(clinic, actor, complaint_id, "complaint.accept", apply)


def record_contact(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, note: str
) -> Written[ComplaintView]:
    """The first contact with the complainant (F4: within two hours); what was said."""
    text = _long(note, "note", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        _ensure_accepted(uow, row, actor, now)
        first = row.contacted_at is None
        if first:
            row.contacted_at = now
        _event(uow.session, row, "contacted", now, actor.staff_id, text)
        return {"first": str(first).lower()}

    return _step(clinic, actor, complaint_id, "complaint.contact", apply)


def record_answer(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, response: str
) -> Written[ComplaintView]:
    """The answer to the complaint (F4: simple in a day, complex within 20 days)."""
    text = _long(response, "response", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        _ensure_accepted(uow, row, actor, now)
        row.answered_at = row.answered_at or now
        row.response = text
        _event(uow.session, row, "answered", now, actor.staff_id, text)
        return {}

    return _step(clinic, actor, complaint_id, "complaint.answer", apply)


def record_solution(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, solution: str
) -> Written[ComplaintView]:
    """The solution proposed (F4: within 48 hours); added to the response."""
    text = _long(solution, "solution", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        combined = f"{row.response}\n\n{text}" if row.response else text
        if len(combined) > MAX_LONG:
            raise InvalidEntry("solution", clinical.TOO_LONG, n=MAX_LONG - len(row.response) - 2)
        _ensure_accepted(uow, row, actor, now)
        row.solution_at = row.solution_at or now
        row.response = combined
        _event(uow.session, row, "solution", now, actor.staff_id, text)
        return {}

    return _step(clinic, actor, complaint_id, "complaint.solution", apply)


def set_rectification(
    clinic: Clinic,
    actor: Actor,
    complaint_id: uuid.UUID,
    *,
    action: str,
    owner_id: uuid.UUID,
    due: date,
) -> Written[ComplaintView]:
    """What is to change, who sees to it and by when (F6). Setting it again replaces it
    (and an earlier "done" with it)."""
    text = _long(action, "action", required=True)
    due = _a_day(due, "due")
    if due < clinic.today():
        raise InvalidEntry(
            "due",
            QT_TRANSLATE_NOOP(
                "Errors", "The due day {when} has passed. Choose today or a later day."
            ),
            when=due.isoformat(),
        )

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        person = _active_staff(uow.session, owner_id, "owner_id")
        _ensure_accepted(uow, row, actor, now)
        row.rectification = text
        row.rectify_owner_id = person.id
        row.rectify_due = due
        row.rectified_at = None
        row.rectify_note = ""
        detail = {"owner": person.id.hex, "due": due.isoformat()}
        _event(uow.session, row, "rectification_set", now, actor.staff_id, text, detail)
        return detail

    return _step(clinic, actor, complaint_id, "complaint.rectify_set", apply)


def record_rectified(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, note: str
) -> Written[ComplaintView]:
    """The rectification is done (by its owner, the complaint's owner or customer service)."""
    text = _long(note, "note", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        if not row.rectification:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "No rectification was set for this complaint. Set one first."
                )
            )
        row.rectified_at = now
        row.rectify_note = text
        _event(uow.session, row, "rectified", now, actor.staff_id, text)
        late = (
            row.rectify_due is not None
            and now.astimezone(clinic.timezone()).date() > row.rectify_due
        )
        return {"late": str(late).lower()}

    return _step(clinic, actor, complaint_id, "complaint.rectified", apply, may=_may_rectify)


def record_reply(
    clinic: Clinic,
    actor: Actor,
    complaint_id: uuid.UUID,
    *,
    channel: str,
    text: str,
    replied_at: datetime | None = None,
) -> Written[ComplaintView]:
    """The reply to the complainant: when, how and what was said (F6)."""
    how = _choice(channel, "channel", REPLY_CHANNELS)
    words = _long(text, "text", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        at = now
        if replied_at is not None:
            at = _moment(clinic, replied_at, "replied_at", not_before=row.received_at)
        _ensure_accepted(uow, row, actor, now)
        row.reply_at = at
        row.reply_channel = how
        row.reply_text = words
        _event(uow.session, row, "replied", at, actor.staff_id, words, {"channel": how})
        return {"channel": how}

    return _step(clinic, actor, complaint_id, "complaint.reply", apply)


def hand_over(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, to_staff_id: uuid.UUID, reason: str
) -> Written[ComplaintView]:
    """Another staff member owns the complaint from now on (F3); from/to recorded."""
    why = _long(reason, "reason", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        person = _active_staff(uow.session, to_staff_id, "to_staff_id")
        if person.id == row.owner_id:
            raise InvalidEntry(
                "to_staff_id",
                QT_TRANSLATE_NOOP(
                    "Errors", "{name} owns this complaint already. Choose someone else."
                ),
                name=person.display_name,
            )
        detail = {"from": row.owner_id.hex if row.owner_id else "", "to": person.id.hex}
        names = staff.display_names(uow.session, [row.owner_id, person.id])
        shown = {
            **detail,
            "from_name": names.get(row.owner_id, "") if row.owner_id else "",
            "to_name": person.display_name,
        }
        row.owner_id = person.id
        _event(uow.session, row, "handed_over", now, actor.staff_id, why, shown)
        return detail

    return _step(clinic, actor, complaint_id, "complaint.hand_over", apply)


def set_details(
    clinic: Clinic,
    actor: Actor,
    complaint_id: uuid.UUID,
    *,
    severity: str | None = None,
    complexity: str | None = None,
    department: str | None = None,
    staff_concerned: str | None = None,
    staff_concerned_id: uuid.UUID | None = None,
) -> Written[ComplaintView]:
    """Correct how the complaint is classed; raising it to serious escalates it (F5).
    ``None`` leaves a field as it is."""
    new_severity = _choice(severity, "severity", SEVERITIES) if severity is not None else None
    new_complexity = (
        _choice(complexity, "complexity", COMPLEXITIES) if complexity is not None else None
    )
    new_department = (
        _short(department, "department", MAX_DEPARTMENT) if department is not None else None
    )
    new_staff = _short(staff_concerned, "staff_concerned") if staff_concerned is not None else None

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        changed: dict[str, str] = {}
        if new_severity is not None and new_severity != row.severity:
            changed["severity"] = f"{row.severity}->{new_severity}"
            row.severity = new_severity
        if new_complexity is not None and new_complexity != row.complexity:
            changed["complexity"] = f"{row.complexity}->{new_complexity}"
            row.complexity = new_complexity
        if new_department is not None and new_department != row.department:
            changed["department"] = new_department
            row.department = new_department
        if new_staff is not None and new_staff != row.staff_concerned:
            changed["staff_concerned"] = new_staff
            row.staff_concerned = new_staff
        if staff_concerned_id is not None and staff_concerned_id != row.staff_concerned_id:
            _known_staff(uow.session, staff_concerned_id, "staff_concerned_id")
            changed["staff_concerned_id"] = staff_concerned_id.hex
            row.staff_concerned_id = staff_concerned_id
        if not changed:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "Nothing was changed. Change a field, then save.")
            )
        _event(uow.session, row, "note", now, actor.staff_id, "", changed)
        if row.severity == "serious":
            _escalate(clinic, uow, actor, row, now)
        return changed

    return _step(clinic, actor, complaint_id, "complaint.details", apply)


def close(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, note: str = ""
) -> Written[ComplaintView]:
    """Close the complaint (F6). Refused without a reply to the complainant (an anonymous
    box note with no contact closes with a note instead), or with a rectification set and
    not done."""
    text = _long(note, "note")

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        if row.reply_at is None:
            anonymous = _anonymous(row.channel, row.contact, row.address)
            if not anonymous:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "The complainant has not had a reply yet. Record the reply (when and "
                        "how), then close the complaint.",
                    )
                )
            if not text:
                raise InvalidEntry(
                    "note",
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "This anonymous note cannot be replied to. Write a closing note saying "
                        "what was done, then close it.",
                    ),
                )
        if row.rectification and row.rectified_at is None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The rectification is not done yet. Record it as done, then close the "
                    "complaint.",
                )
            )
        _ensure_accepted(uow, row, actor, now)
        row.status = "closed"
        row.closed_at = now
        row.closed_by = actor.staff_id
        _event(uow.session, row, "closed", now, actor.staff_id, text)
        return {}

    return _step(clinic, actor, complaint_id, "complaint.close", apply)


def reopen(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, reason: str
) -> Written[ComplaintView]:
    """Open a closed complaint again; the reason is required and kept."""
    why = _long(reason, "reason", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        if row.status != "closed":
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "This complaint is open already. Nothing changed.")
            )
        closed_at = row.closed_at
        row.status = "open"
        row.closed_at = None
        row.closed_by = None
        row.reopened += 1
        detail = {"closed_at": closed_at.isoformat() if closed_at else ""}
        _event(uow.session, row, "reopened", now, actor.staff_id, why, detail)
        return detail

    return _step(clinic, actor, complaint_id, "complaint.reopen", apply, when_closed=True)


def add_note(
    clinic: Clinic, actor: Actor, complaint_id: uuid.UUID, *, note: str
) -> Written[ComplaintView]:
    """A note in the history; allowed on a closed complaint too (it changes no step)."""
    text = _long(note, "note", required=True)

    def apply(uow: UnitOfWork, row: Complaint, now: datetime) -> dict[str, str]:
        _event(uow.session, row, "note", now, actor.staff_id, text)
        return {}

    return _step(clinic, actor, complaint_id, "complaint.note", apply, when_closed=True)


# -- escalations (F5) ---------------------------------------------------------------------------


def colleagues(clinic: Clinic, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """Everyone who works here now, by name: whom a complaint may be about or handed
    to. A receptionist who receives a complaint must be able to pass it to customer
    service (F3), so this is not limited to the doctors as the follow-up pickers are."""
    clinic.require(actor, Action.COMPLAINT_RECORD)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(Staff.id, Staff.display_name)
            .where(Staff.deleted_at.is_(None), Staff.disabled_at.is_(None))
            .order_by(Staff.display_name)
        ).all()
    return [(r[0], str(r[1])) for r in rows]


def escalations_to_see(clinic: Clinic, actor: Actor) -> list[ComplaintSummary]:
    """Serious complaints escalated and not yet seen by a director (the director's
    sign-in notice); everyone else gets an empty list."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    if not _is_director(actor):
        return []
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        rows = (
            s.execute(
                select(Complaint)
                .where(
                    Complaint.deleted_at.is_(None),
                    Complaint.escalated_at.is_not(None),
                    Complaint.escalation_seen_at.is_(None),
                )
                .order_by(Complaint.escalated_at)
            )
            .scalars()
            .all()
        )
        clock = DeadlineClock(clinic, s)
        numbers = complaint_numbers(clinic, s, [r.id for r in rows]) if rows else {}
        names = staff.display_names(s, (r.owner_id for r in rows))
        return [_summary(_brief(r), actor, numbers.get(r.id.hex, ""), names, clock) for r in rows]


def mark_escalation_seen(clinic: Clinic, actor: Actor, complaint_id: uuid.UUID) -> Written[None]:
    """The director has seen an escalated complaint; event and audit."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    if not _is_director(actor):
        raise _deny(clinic, actor, Action.COMPLAINT_HANDLE, complaint_id)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        row = _live(uow.session, complaint_id)
        if row.escalated_at is None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "This complaint was not escalated. There is nothing to mark as seen."
                )
            )
        if row.escalation_seen_at is None:
            row.escalation_seen_at = now
            row.escalation_seen_by = actor.staff_id
            row.updated_at = now
            _event(uow.session, row, "escalation_seen", now, actor.staff_id)
            _audit(clinic, uow, actor, "complaint.escalation_seen", row)
            uow.commit()
        changes = _changes(row)  # while the row is bound: seen twice commits nothing
    return Written(None, changes)


def overdue_count(clinic: Clinic, actor: Actor, *, mine: bool) -> int:
    """Open complaints with a step past its deadline (the shell's badge)."""
    return len(list_complaints(clinic, actor, status="open", mine=mine, overdue_only=True))


# -- training cases (F6) ------------------------------------------------------------------------

_PHONE_GAPS = re.compile(r"(?<=\d)[\s\-.()]+(?=\d)")
_CN_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_CN_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_DIGIT_RUN = re.compile(r"\d{7,}")


def _national(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def _identifying(texts: Sequence[str], row: Complaint, patient: Patient | None) -> str:
    """Which identifier a training case still holds: "" | "name" | "phone" | "id"."""
    joined = "\n".join(texts)
    folded = joined.casefold()
    names = {row.complainant}
    phones = set(_DIGIT_RUN.findall(_PHONE_GAPS.sub("", row.contact)))
    ids: set[str] = set()
    if patient is not None:
        names |= {display_name(patient.family_name, patient.given_name), patient.given_name}
        names.add(f"{patient.family_name}{patient.given_name}")
        phones |= {_national(p) for p in (patient.phone, patient.phone2, patient.emergency_phone)}
        ids |= {patient.id_number, patient.record_no}
    if any(len(n.strip()) >= 2 and n.strip().casefold() in folded for n in names):
        return "name"
    squeezed = _PHONE_GAPS.sub("", joined)
    if any(len(p) >= 7 and p in squeezed for p in phones) or _CN_MOBILE.search(squeezed):
        return "phone"
    if any(len(i) >= 3 and i.casefold() in squeezed.casefold() for i in ids) or _CN_ID.search(
        squeezed
    ):
        return "id"
    return ""


def _case_view(row: TrainingCase, names: dict[uuid.UUID, str]) -> TrainingCaseView:
    return TrainingCaseView(
        id=row.id,
        complaint_id=row.complaint_id,
        title=row.title,
        department=row.department,
        summary=row.summary,
        lessons=row.lessons,
        created_at=row.created_at,
        created_by_name=names.get(row.created_by, "") if row.created_by else "",
    )


def add_training_case(
    clinic: Clinic,
    actor: Actor,
    complaint_id: uuid.UUID,
    *,
    title: str,
    summary: str,
    lessons: str,
    department: str = "",
) -> Written[TrainingCaseView]:
    """A lesson for the training library made from the complaint (F6); anonymised: a
    name, phone number, ID or record number of the people involved is refused."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="complaint")
    fields = {
        "title": _short(title, "title", required=True),
        "summary": _long(summary, "summary", required=True),
        "lessons": _long(lessons, "lessons", required=True),
    }
    dept = _short(department, "department", MAX_DEPARTMENT)
    now = clinic.now()
    denied = False
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = _live(s, complaint_id)
        if not _may_work(actor, row):
            denied = True
        else:
            patient = s.get(Patient, row.patient_id) if row.patient_id else None
            for name, value in fields.items():
                found = _identifying([value], row, patient)
                if found:
                    template = {"name": _CASE_NAME, "phone": _CASE_PHONE}.get(found, _CASE_ID)
                    raise InvalidEntry(name, template)
            twin = s.execute(
                select(TrainingCase.id).where(
                    TrainingCase.complaint_id == row.id, TrainingCase.deleted_at.is_(None)
                )
            ).first()
            if twin is not None:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "A training case was made from this complaint already. Open it in the "
                        "training library instead.",
                    )
                )
            case_row = TrainingCase(
                id=new_id(),
                complaint_id=row.id,
                title=fields["title"],
                department=dept or row.department,
                summary=fields["summary"],
                lessons=fields["lessons"],
                created_by=actor.staff_id,
                created_at=now,
                updated_at=now,
            )
            s.add(case_row)
            row.updated_at = now
            _event(s, row, "case_added", now, actor.staff_id, "", {"case": case_row.id.hex})
            _audit(clinic, uow, actor, "complaint.case", row, {"case": case_row.id.hex})
            view = _case_view(case_row, staff.display_names(s, [actor.staff_id]))
            uow.commit()
    if denied:
        raise _deny(clinic, actor, Action.COMPLAINT_HANDLE, complaint_id)
    return Written(view, _changes(row))


def training_cases(clinic: Clinic, actor: Actor) -> list[TrainingCaseView]:
    """The training library, newest first: every staff member learns from it."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="training_case")
    with clinic.store.unit_of_work(write=False) as uow:
        rows = (
            uow.session.execute(
                select(TrainingCase)
                .where(TrainingCase.deleted_at.is_(None))
                .order_by(TrainingCase.created_at.desc())
            )
            .scalars()
            .all()
        )
        names = staff.display_names(uow.session, (r.created_by for r in rows))
        return [_case_view(r, names) for r in rows]


# -- root causes (G5) ---------------------------------------------------------------------------


def _cause_view(
    row: RootCause, number: str, names: dict[uuid.UUID, str], now: datetime
) -> RootCauseView:
    try:
        whys = tuple(str(w) for w in json.loads(row.whys or "[]"))
    except ValueError:
        whys = ()
    late = row.done_at > row.due_at if row.done_at is not None else row.due_at < now
    return RootCauseView(
        id=row.id,
        complaint_id=row.complaint_id,
        complaint_number=number,
        problem=row.problem,
        department=row.department,
        whys=whys,
        root_cause=row.root_cause,
        actions=row.actions,
        owner_id=row.owner_id,
        owner_name=names.get(row.owner_id, "") if row.owner_id else "",
        found_at=row.found_at,
        due_at=row.due_at,
        done_at=row.done_at,
        status=row.status,
        overdue=late,
    )


def _one_cause(clinic: Clinic, session: Session, row: RootCause) -> RootCauseView:
    session.flush()
    numbers = (
        complaint_numbers(clinic, session, [row.complaint_id])
        if row.complaint_id is not None
        else {}
    )
    number = numbers.get(row.complaint_id.hex, "") if row.complaint_id is not None else ""
    return _cause_view(row, number, staff.display_names(session, [row.owner_id]), clinic.now())


def _cause_changes(row: RootCause) -> Changes:
    ids = {row.id} | ({row.complaint_id} if row.complaint_id is not None else set())
    return Changes(frozenset({Topic.QUALITY, Topic.COMPLAINTS}), frozenset(ids))


def _audit_cause(
    clinic: Clinic, uow: UnitOfWork, actor: Actor, action: str, row: RootCause
) -> None:
    detail = {"status": row.status}
    if row.complaint_id is not None:
        detail["complaint"] = row.complaint_id.hex
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=action,
            object_type="root_cause",
            object_id=row.id.hex,
            detail=json.dumps(detail, sort_keys=True),
        ),
    )


def start_root_cause(
    clinic: Clinic,
    actor: Actor,
    *,
    problem: str,
    complaint_id: uuid.UUID | None = None,
    department: str = "",
    found_at: datetime | None = None,
    owner_id: uuid.UUID | None = None,
) -> Written[RootCauseView]:
    """Start a 5-Why analysis of a problem (or a complaint), due
    ``quality.root_cause_within_hours`` after the problem was found (G5)."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="root_cause")
    what = _long(problem, "problem", required=True)
    dept = _short(department, "department", MAX_DEPARTMENT)
    now = clinic.now()
    found = now
    if found_at is not None:
        found = _moment(clinic, found_at, "found_at", not_before=now - OLDEST_RECEIPT)
    hours = int(clinic.setting("quality.root_cause_within_hours"))
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        if complaint_id is not None:
            _live(s, complaint_id)
        owner = actor.staff_id
        if owner_id is not None:
            owner = _active_staff(s, owner_id, "owner_id").id
        row = RootCause(
            id=new_id(),
            complaint_id=complaint_id,
            problem=what,
            department=dept,
            whys="[]",
            owner_id=owner,
            found_at=found,
            due_at=deadlines.due_after_hours(found, hours),
            status="open",
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        _audit_cause(clinic, uow, actor, "root_cause.start", row)
        view = _one_cause(clinic, s, row)
        uow.commit()
    return Written(view, _cause_changes(row))


def save_root_cause(
    clinic: Clinic,
    actor: Actor,
    root_cause_id: uuid.UUID,
    *,
    whys: Sequence[str],
    root_cause: str,
    actions: str,
    done: bool = False,
) -> Written[RootCauseView]:
    """Save the analysis: up to five whys, the root cause, the actions; ``done`` needs all
    three. Its owner, customer service or the director may save it."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="root_cause")
    if isinstance(whys, str) or len(whys) > MAX_WHYS:
        raise InvalidEntry(
            "whys",
            QT_TRANSLATE_NOOP("Errors", "Give at most {n} whys, one per line."),
            n=MAX_WHYS,
        )
    answers = [_long(w, f"whys.{i}") for i, w in enumerate(whys, start=1)]
    while answers and not answers[-1]:
        answers.pop()
    if any(not a for a in answers):
        raise InvalidEntry(
            "whys",
            QT_TRANSLATE_NOOP("Errors", "A why in the middle is empty. Fill it in or remove it."),
        )
    cause = _long(root_cause, "root_cause")
    steps = _long(actions, "actions")
    if done and not (answers and cause and steps):
        raise InvalidEntry(
            "root_cause",
            QT_TRANSLATE_NOOP(
                "Errors",
                "To finish the analysis, give at least one why, the root cause and the actions.",
            ),
        )
    now = clinic.now()
    denied = False
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = s.get(RootCause, root_cause_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "root-cause analysis"))
        if not (
            actor.is_system
            or allowed(actor.role, Action.COMPLAINT_HANDLE)
            or (actor.staff_id is not None and row.owner_id == actor.staff_id)
        ):
            denied = True
        else:
            row.whys = json.dumps(answers, ensure_ascii=False)
            row.root_cause = cause
            row.actions = steps
            finishing = done and row.status != "done"
            if done:
                row.status = "done"
                row.done_at = row.done_at or now
            else:
                row.status = "open"
                row.done_at = None
            row.updated_at = now
            _audit_cause(
                clinic, uow, actor, "root_cause.done" if finishing else "root_cause.save", row
            )
            view = _one_cause(clinic, s, row)
            uow.commit()
    if denied:
        raise _deny(clinic, actor, Action.COMPLAINT_HANDLE, root_cause_id, "root_cause")
    return Written(view, _cause_changes(row))


def _may_read_cause(
    actor: Actor, row: RootCause, owners: dict[uuid.UUID, uuid.UUID | None], reads_all: bool
) -> bool:
    """C6 for an analysis: one of a complaint may quote it, so its texts go to whoever
    reads that complaint's details (as ``complaint()``) and to the analysis's owner, who
    works on it (as the rectification's owner). A problem found without a complaint is
    written in general terms for everyone (G5)."""
    if row.complaint_id is None:
        return True
    if actor.staff_id is not None and row.owner_id == actor.staff_id:
        return True
    return may_read_details(actor, owners.get(row.complaint_id), reads_all)


def root_causes(clinic: Clinic, actor: Actor, *, status: str = "open") -> list[RootCauseView]:
    """Root-cause analyses, soonest due first (open ones) or newest first (done).
    Everyone sees the list; an analysis of a complaint they may not read comes with its
    texts withheld (``confidential``), as that complaint does (C6)."""
    clinic.require(actor, Action.COMPLAINT_RECORD, object_type="root_cause")
    _choice(status, "status", ROOT_CAUSE_STATUSES)
    stmt = select(RootCause).where(RootCause.deleted_at.is_(None))
    if status != "all":
        stmt = stmt.where(RootCause.status == status)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        rows = s.execute(stmt).scalars().all()
        linked = [r.complaint_id for r in rows if r.complaint_id is not None]
        numbers = complaint_numbers(clinic, s, linked) if linked else {}
        names = staff.display_names(s, (r.owner_id for r in rows))
        owners: dict[uuid.UUID, uuid.UUID | None] = {}
        if linked:
            found = s.execute(
                select(Complaint.id, Complaint.owner_id).where(Complaint.id.in_(linked))
            )
            owners = {cid: owner for cid, owner in found}
        reads_all = _reads_all(actor)
        now = clinic.now()
        views = []
        for r in rows:
            view = _cause_view(
                r, numbers.get(r.complaint_id.hex, "") if r.complaint_id else "", names, now
            )
            if not _may_read_cause(actor, r, owners, reads_all):
                view = replace(
                    view, problem="", whys=(), root_cause="", actions="", confidential=True
                )
            views.append(view)
    views.sort(
        key=lambda v: (
            v.status != "open",
            v.due_at.timestamp() if v.status == "open" else -v.found_at.timestamp(),
        )
    )
    return views
