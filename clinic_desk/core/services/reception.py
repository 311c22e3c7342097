"""Reception: check-in, the waiting room and the doctor's queue (spec B1-B8, C4).

The moment the patient walks in until the doctor has seen them. A checked-in
booking or a walk-in becomes a ``queue_entry`` of the clinic's local day with a
queue number (1, 2, 3 ... per day); every status change of it writes one
``queue_event`` with its time and staff member. Waiting time, consultation time
and check-in delay are derived from ``arrived_at`` and the events, never stored
twice.

Rules worth stating:

* One check-in is one write transaction: the appointment becomes ``arrived``
  by the appointment module's own rules (``appointments.change_status_in``),
  the entry gets the next number of the day, its events and audit rows are
  written (and the vital signs, when given to ``check_in``), and all of it
  commits together or not at all.
* Queue numbers and "call next" are decided under SQLite's write lock (BEGIN
  IMMEDIATE): two desks never hand out the same number, and a doctor signed in
  at two workstations who calls next twice gets two different patients. The
  unique (day, queue_no) index is the last guard.
* An entry belongs to its day. When the clock passes midnight with people
  still waiting, they stay on their day's board and ``day_end(day=...)`` lists
  them; the new day's board starts empty.
* ``start_consultation`` does not create the visit: the doctor's screen opens
  the patient file (with today's vital signs), the visit is written there by
  ``clinical.record_visit``, and ``finish_consultation(visit_id=...)`` links it.
  An empty visit would be a clinical record nobody wrote (STYLE 6: append-only).
* The waiting-room screen shows queue numbers and masked forms of address
  (张**女士), or the plain form (张女士) when the clinic chose so, never full
  names or diagnoses (C4).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import ClinicError, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.rules import honorifics, slots
from clinic_desk.core.rules import vitals as vital_rules
from clinic_desk.core.rules.search_keys import romanize
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, allowed
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services import clinical, membership, patients, rosters
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import SPECIAL_NEEDS, display_name
from clinic_desk.core.store.base import new_id
from clinic_desk.core.store.models import (
    Appointment,
    DoctorProfile,
    Patient,
    QueueEntry,
    QueueEvent,
    Staff,
    Visit,
    VitalSigns,
    WaitAlert,
)
from clinic_desk.core.store.store import UnitOfWork

CONTEXT = "Reception"

# -- code tables ----------------------------------------------------------------------------------

WAITING = "waiting"
CALLED = "called"
IN_CONSULTATION = "in_consultation"
SENT_BACK = "sent_back"
DONE = "done"
LEFT = "left"

QUEUE_STATUSES: dict[str, str] = {
    WAITING: QT_TRANSLATE_NOOP("Reception", "Waiting"),
    CALLED: QT_TRANSLATE_NOOP("Reception", "Called"),
    IN_CONSULTATION: QT_TRANSLATE_NOOP("Reception", "In consultation"),
    SENT_BACK: QT_TRANSLATE_NOOP("Reception", "Back at the desk"),
    DONE: QT_TRANSLATE_NOOP("Reception", "Done"),
    LEFT: QT_TRANSLATE_NOOP("Reception", "Left"),
}
# Still in the building and not finished: day_end lists these.
OPEN_STATUSES = frozenset({WAITING, CALLED, IN_CONSULTATION, SENT_BACK})
# Waiting for the doctor: the waiting time runs and may alert (B4).
WAITING_STATUSES = frozenset({WAITING, CALLED})

WAIT_ACTIONS: dict[str, str] = {
    "explained": QT_TRANSLATE_NOOP("Reception", "Explained the reason for the wait"),
    "drink": QT_TRANSLATE_NOOP("Reception", "Offered a drink"),
    "priority_exam": QT_TRANSLATE_NOOP("Reception", "Offered priority for an examination"),
    "other": QT_TRANSLATE_NOOP("Reception", "Other"),
}

BACK_REASONS: dict[str, str] = {
    "payment": QT_TRANSLATE_NOOP("Reception", "Payment"),
    "examination": QT_TRANSLATE_NOOP("Reception", "Examination or test"),
    "prescription": QT_TRANSLATE_NOOP("Reception", "Collect medicine"),
    "other": QT_TRANSLATE_NOOP("Reception", "Other"),
}

# Triage categories (B7), chosen at the desk from what the patient says.
COMPLAINTS: dict[str, str] = {
    "fever": QT_TRANSLATE_NOOP("Reception", "Fever"),
    "cough": QT_TRANSLATE_NOOP("Reception", "Cough or cold"),
    "stomach": QT_TRANSLATE_NOOP("Reception", "Stomach or bowel"),
    "skin": QT_TRANSLATE_NOOP("Reception", "Skin"),
    "child": QT_TRANSLATE_NOOP("Reception", "Child illness"),
    "chronic": QT_TRANSLATE_NOOP("Reception", "Chronic disease follow-up"),
    "checkup": QT_TRANSLATE_NOOP("Reception", "Check-up"),
    "injury": QT_TRANSLATE_NOOP("Reception", "Injury"),
    "women": QT_TRANSLATE_NOOP("Reception", "Women's health"),
    "other": QT_TRANSLATE_NOOP("Reception", "Other"),
}

# Specialty keywords per category, matched (case-insensitively, inside the text)
# against DoctorProfile.specialties, e.g. "全科；高血压、糖尿病随访".
COMPLAINT_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "fever": ("全科", "内科", "发热", "general", "internal", "family"),
    "cough": ("呼吸", "耳鼻喉", "全科", "内科", "respiratory", "ent", "general", "internal"),
    "stomach": ("消化", "胃肠", "内科", "全科", "gastro", "digestive", "internal", "general"),
    "skin": ("皮肤", "dermatolog", "skin"),
    "child": ("儿科", "儿童", "儿保", "paediatric", "pediatric", "child"),
    "chronic": (
        "慢病",
        "慢性",
        "高血压",
        "糖尿病",
        "内科",
        "全科",
        "chronic",
        "diabetes",
        "hypertension",
        "internal",
        "general",
    ),
    "checkup": ("体检", "健康管理", "保健", "全科", "check-up", "checkup", "health", "general"),
    "injury": ("外科", "骨科", "创伤", "康复", "surgery", "surgical", "orthop", "trauma"),
    "women": ("妇科", "妇产", "产科", "孕", "gynaecolog", "gynecolog", "obstetric", "women"),
    "other": ("全科", "general"),
}

# Badges on the board and in the doctor's queue (B6): the patient's own special
# needs, plus child / elderly from the age and the clinic's honorific settings.
NEED_BADGES: dict[str, str] = dict(SPECIAL_NEEDS)

# Queue event kinds; every status change writes one.
EVENT_KINDS = (
    "checked_in",
    "called",
    "recalled",
    "started",
    "finished",
    "sent_back",
    "returned",
    "green",
    "reassigned",
    "left",
    "safety_confirmed",
    "vitals",
)

GREEN_PRIORITY = 100
OTHER_DAY = "other_day"  # the confirmation check_in asks for a booking of another day
CONFIRM_REASONS = frozenset({OTHER_DAY})
CALLED_SHOWN = 3  # numbers the waiting-room screen shows as called

# Patient-facing sentences (B1), chosen by the language of the output, like the
# forms of address they contain (rules/honorifics.py): not UI strings.
GREETINGS: dict[str, str] = {
    "zh_CN": "{address}，您预约的{time}就诊已准备好",
    "zh_TW": "{address}，您預約的{time}就診已準備好",
    "en": "{address}, your {time} appointment is ready.",
}
WALK_IN_GREETINGS: dict[str, str] = {
    "zh_CN": "{address}，请稍候，我们马上为您安排",
    "zh_TW": "{address}，請稍候，我們馬上為您安排",
    "en": "{address}, please take a seat; we will be with you shortly.",
}

# Input limits (column widths), not clinic rules.
MAX_REASON = 500
MAX_NOTE = 500
MAX_DEPARTMENT = 50
MAX_ARRIVAL_HOURS = 12  # an arrival time typed in is at most this long ago

_SPECIALTY_SPLIT = re.compile(r"[；;，,、/|\n]+")


# -- errors ---------------------------------------------------------------------------------------


class AlreadyCheckedIn(ClinicError):
    """The booking (or the walk-in patient) is already in today's queue."""

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This patient is already checked in, with queue number {queue_no}. Find number "
        "{queue_no} on the board instead of checking in again.",
    )

    def __init__(self, queue_no: int, entry_id: uuid.UUID | None = None) -> None:
        self.queue_no = queue_no
        self.entry_id = entry_id
        super().__init__(queue_no=queue_no)


class QueueEmpty(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Nobody is waiting for this doctor right now. Patients appear in the queue as soon "
        "as the desk checks them in.",
    )


_STATE_MESSAGES: dict[str, str] = {
    WAITING: QT_TRANSLATE_NOOP(
        "Errors", "Number {number} is still waiting, so this step is not possible yet."
    ),
    CALLED: QT_TRANSLATE_NOOP(
        "Errors",
        "Number {number} has been called but the consultation has not started. Start it "
        "first, or call the number again.",
    ),
    IN_CONSULTATION: QT_TRANSLATE_NOOP(
        "Errors",
        "Number {number} is already in consultation. Refresh the queue to see where they are.",
    ),
    SENT_BACK: QT_TRANSLATE_NOOP(
        "Errors",
        "Number {number} was sent back to the desk. Put them back in the queue first.",
    ),
    DONE: QT_TRANSLATE_NOOP(
        "Errors",
        "Number {number} has already finished. If they need to see a doctor again, check "
        "them in again as a walk-in.",
    ),
    LEFT: QT_TRANSLATE_NOOP(
        "Errors",
        "Number {number} was marked as gone. If they came back, put them back in the queue first.",
    ),
}


class QueueStateError(ClinicError):
    """A step that is not possible from the entry's current status."""

    def __init__(self, queue_no: int, status: str) -> None:
        self.queue_no = queue_no
        self.status = status
        super().__init__(_STATE_MESSAGES.get(status, _STATE_MESSAGES[DONE]), number=queue_no)


class CheckInNeedsConfirmation(ap.NeedsConfirmation):
    """``appointments.NeedsConfirmation`` for check-in's own reason (``other_day``).

    The booking dialog's class orders its reasons by a fixed list of booking
    reasons; this one keeps the reasons in the order they were found.
    """

    def sentences(self, translate: Translate = english) -> dict[str, str]:
        return {
            key: translate("Errors", template).format(**params)
            for key, (template, params) in self.items.items()
        }


# -- what callers get ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    kind: str  # "expected" (booked today, not arrived) or "queued"
    entry_id: uuid.UUID | None  # None for expected
    appointment_id: uuid.UUID | None
    patient_id: uuid.UUID
    patient_name: str  # display_name (staff screen)
    address: str  # honorific form, e.g. 张女士 (C4)
    record_no: str
    doctor_id: uuid.UUID | None
    doctor_name: str
    department: str
    queue_no: int | None
    # expected: the appointment status (booked, confirmed, arrived on the calendar,
    # no_show, ...); queued: a QUEUE_STATUSES key
    status: str
    booked_for: datetime | None  # the appointment's start
    arrived_at: datetime | None
    checked_in_at: datetime | None
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    wait_minutes: int | None  # now (or the end of the wait) minus check-in, for queued rows
    alert: bool  # waiting and wait_minutes >= reception.wait_alert_minutes, not yet handled
    alert_handled: bool  # an alert for this entry was handled (wait_alert row)
    green: bool  # green channel (B8)
    green_reason: str
    needs: tuple[str, ...]  # NEED_BADGES codes
    walk_in: bool
    late_check_in: bool  # checked in more than reception.response_minutes after arrival (B1)
    complaint: str = ""  # triage category of a walk-in (COMPLAINTS key)
    check_in_delay_minutes: int | None = None  # check-in minus arrival (B1)
    consultation_minutes: int | None = None  # finish (or now) minus start
    back_reason: str = ""  # BACK_REASONS key, when sent back
    visit_id: uuid.UUID | None = None
    day: date | None = None  # the local day of the board the row belongs to
    # The live membership's badge (H2): tier name and colour; active or suspended only.
    member: membership.Badge | None = None


@dataclass(frozen=True)
class DoctorCount:
    doctor_id: uuid.UUID
    doctor_name: str
    expected: int
    waiting: int
    in_consultation: int
    done: int


@dataclass(frozen=True)
class Board:
    day: date
    made_at: datetime
    # Sorted by attention: alerts, green channel, waiting (longest first), called,
    # in consultation, sent back, expected (by booked time; overdue first), done,
    # left, no-show.
    rows: tuple[BoardRow, ...]
    counts: tuple[DoctorCount, ...]  # every doctor of the day, whatever the filter
    alerts: int  # rows with alert now
    wait_alert_minutes: int


@dataclass(frozen=True)
class CheckInView:
    """What the check-in panel shows before and after (B1-B3)."""

    appointment_id: uuid.UUID | None
    patient_id: uuid.UUID
    patient_name: str
    address: str
    greeting: str  # 「张女士，您预约的10:30就诊已准备好」 in the requested language
    booked_for: datetime | None
    doctor_id: uuid.UUID | None
    doctor_name: str
    allergies: tuple[str, ...]  # active allergies as short lines (substance: reaction)
    medications: tuple[str, ...]  # current medication lines
    needs: tuple[str, ...]
    identity_on_file: bool  # the patient has an ID document recorded
    # False when the role may not read allergies and medication (a receptionist):
    # the two lists are then empty because they were not read, not because there are none.
    safety_visible: bool = True
    entry_id: uuid.UUID | None = None  # already in today's queue: that entry
    queue_no: int | None = None
    other_day: bool = False  # the booking is not for today (check_in will ask)
    record_no: str = ""
    member: membership.Badge | None = None  # the live membership's badge (H2)


@dataclass(frozen=True)
class QueueEntryView:
    entry_id: uuid.UUID
    queue_no: int
    patient_id: uuid.UUID
    status: str
    doctor_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    visit_id: uuid.UUID | None
    day: date | None = None
    priority: int = 0
    department: str = ""
    vitals_id: uuid.UUID | None = None  # the vital signs recorded with the check-in


@dataclass(frozen=True)
class DisplayState:
    """The waiting-room screen: never full names or diagnoses."""

    # (queue_no, masked address, room/doctor label), newest first, at most 3
    called: tuple[tuple[int, str, str], ...]
    waiting: tuple[tuple[int, str], ...]  # (queue_no, masked address) in queue order


@dataclass(frozen=True)
class TriageSuggestion:
    doctor_id: uuid.UUID
    doctor_name: str
    department: str  # the matched specialty text
    waiting: int  # people waiting for this doctor now
    free_now: bool  # rostered now and not in consultation
    score: int


@dataclass(frozen=True)
class DayEnd:
    still_waiting: tuple[BoardRow, ...]
    in_consultation: tuple[BoardRow, ...]
    no_shows_marked: int


@dataclass(frozen=True)
class WaitAlertSummary:
    """B4 for the quality dashboard: long waits and what the desk did about them."""

    first_day: date
    last_day: date
    checked_in: int  # entries with a check-in in the range
    long_waits: int  # of them, waited at least reception.wait_alert_minutes
    handled: int  # entries with a recorded handling
    actions: dict[str, int]  # WAIT_ACTIONS code -> times recorded
    wait_alert_minutes: int


# -- small helpers ---------------------------------------------------------------------------------


def _require_any(clinic: Clinic, actor: Actor, *actions: Action) -> None:
    """Allowed with any of ``actions``; refused (and audited) as the first one."""
    if actor.is_system or any(allowed(actor.role, a) for a in actions):
        return
    clinic.require(actor, actions[0])


def _language(clinic: Clinic, language: str | None) -> honorifics.Language:
    chosen = language if language is not None else str(clinic.setting("clinic.language"))
    for each in honorifics.LANGUAGES:
        if each == chosen:
            return each
    return "zh_CN"


def _changes(*ids: uuid.UUID | None, appointments: bool = False) -> Changes:
    topics = {Topic.RECEPTION, Topic.APPOINTMENTS} if appointments else {Topic.RECEPTION}
    return Changes(frozenset(topics), frozenset(i for i in ids if i is not None))


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def _code(value: object, table: dict[str, str], message: str, *, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else value
    if text == "" and not required:
        return ""
    if not isinstance(text, str) or text not in table:
        raise ValidationError(message)
    return text


def _complaint(value: object, *, required: bool) -> str:
    return _code(
        value,
        COMPLAINTS,
        QT_TRANSLATE_NOOP("Errors", "Choose what the patient comes for from the list."),
        required=required,
    )


def _require_identity(identity_checked: object) -> None:
    if identity_checked is not True:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Check-in is real-name: look at the patient's identity document (or ask for "
                'name and ID number), then tick "Identity checked".',
            )
        )


def _arrival(clinic: Clinic, value: object) -> datetime:
    """The arrival time typed at the desk: not in the future, not over 12 hours ago."""
    now = clinic.now()
    if value is None:
        return now
    moment = ap._utc(value, "arrival time")
    if moment > now:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The arrival time {when} is in the future. Type when the patient came in, or "
                "leave it empty for now.",
            ),
            when=clinic.local_text(moment),
        )
    if now - moment > timedelta(hours=MAX_ARRIVAL_HOURS):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The arrival time {when} is more than {hours} hours ago. Check the date and "
                "the time of day.",
            ),
            when=clinic.local_text(moment),
            hours=MAX_ARRIVAL_HOURS,
        )
    return moment


def _confirm_set(confirm: Iterable[str]) -> frozenset[str]:
    if isinstance(confirm, str):
        confirm = (confirm,)
    values = frozenset(confirm)
    unknown = values - CONFIRM_REASONS
    if unknown:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Unknown confirmation: {what}."),
            what=", ".join(sorted(str(u)[:30] for u in unknown)),
        )
    return values


def _specialties(text: str) -> list[str]:
    return [p.strip() for p in _SPECIALTY_SPLIT.split(text or "") if p.strip()]


def _department_of(session: Session, doctor_id: uuid.UUID | None) -> str:
    """A doctor's department for the board: the first of their specialties."""
    if doctor_id is None:
        return ""
    text = session.execute(
        select(DoctorProfile.specialties).where(
            DoctorProfile.staff_id == doctor_id, DoctorProfile.deleted_at.is_(None)
        )
    ).scalar()
    parts = _specialties(text or "")
    return parts[0][:MAX_DEPARTMENT] if parts else ""


def _doctor(session: Session, doctor_id: uuid.UUID) -> Staff:
    """A doctor who may see patients today (a doctor or health manager, not disabled)."""
    doctor = session.get(Staff, doctor_id)
    if doctor is None or doctor.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "doctor"))
    if doctor.disabled_at is not None or doctor.role not in rosters.BOOKABLE_ROLES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{name} does not see patients here (account disabled or not a doctor). Choose "
                "another doctor.",
            ),
            name=doctor.display_name,
        )
    return doctor


def _entry(session: Session, entry_id: uuid.UUID) -> QueueEntry:
    row = session.get(QueueEntry, entry_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "queue entry"))
    return row


def _view(row: QueueEntry) -> QueueEntryView:
    return QueueEntryView(
        entry_id=row.id,
        queue_no=row.queue_no,
        patient_id=row.patient_id,
        status=row.status,
        doctor_id=row.doctor_id,
        appointment_id=row.appointment_id,
        visit_id=row.visit_id,
        day=row.day,
        priority=row.priority,
        department=row.department,
    )


def _event(
    uow: UnitOfWork,
    actor: Actor,
    entry: QueueEntry,
    kind: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    uow.session.add(
        QueueEvent(
            entry_id=entry.id,
            at=now,
            staff_id=actor.staff_id,
            kind=kind,
            detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
            created_at=now,
            updated_at=now,
        )
    )


def _audit_event(
    action: str,
    entry: QueueEntry | QueueEntryView,
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> audit.AuditEvent:
    entry_id = entry.id if isinstance(entry, QueueEntry) else entry.entry_id
    return audit.AuditEvent(
        action=action,
        object_type="queue_entry",
        object_id=entry_id.hex,
        patient_id=entry.patient_id,
        reason=reason,
        detail=json.dumps({"queue_no": entry.queue_no, **(detail or {})}, sort_keys=True),
    )


def _audit(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    entry: QueueEntry,
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    clinic.audit(uow, actor, _audit_event(action, entry, reason=reason, detail=detail))


def _next_number(session: Session, day: date) -> int:
    # Inside the write transaction (BEGIN IMMEDIATE): nobody else can take it meanwhile.
    current = session.execute(
        select(func.max(QueueEntry.queue_no)).where(QueueEntry.day == day)
    ).scalar()
    return int(current or 0) + 1


def _open_entry_today(session: Session, patient_id: uuid.UUID, day: date) -> QueueEntry | None:
    return session.execute(
        select(QueueEntry)
        .where(
            QueueEntry.patient_id == patient_id,
            QueueEntry.day == day,
            QueueEntry.status.in_(sorted(OPEN_STATUSES)),
            QueueEntry.deleted_at.is_(None),
        )
        .order_by(QueueEntry.queue_no)
        .limit(1)
    ).scalar()


def _insert_new(
    uow: UnitOfWork,
    actor: Actor,
    *,
    day: date,
    now: datetime,
    patient_id: uuid.UUID,
    appointment_id: uuid.UUID | None,
    doctor_id: uuid.UUID | None,
    department: str,
    complaint: str,
    arrived_at: datetime,
    events: Sequence[tuple[str, dict[str, Any]]],
    queue_no: int | None = None,
) -> QueueEntryView:
    """A new waiting entry with the day's next number, and its first events.

    Two plain INSERTs rather than the ORM's unit of work: a check-in is timed
    (issue 6: under 20 ms with the vital signs), and the ORM's flush of three new
    objects cost more than the statements. The write lock and the caller's checks
    keep one check-in per booking here; two made on offline desks meet through
    sync and are listed for the desk (``sync.needs_attention``).
    """
    session = uow.session
    session.flush()  # what the session holds first (the booking's new status)
    number = queue_no if queue_no is not None else _next_number(session, day)
    entry_id = new_id()
    conn = session.connection()
    conn.execute(
        insert(QueueEntry),
        [
            {
                "id": entry_id,
                "day": day,
                "patient_id": patient_id,
                "appointment_id": appointment_id,
                "doctor_id": doctor_id,
                "department": department,
                "complaint": complaint,
                "queue_no": number,
                "status": WAITING,
                "priority": 0,
                "green_reason": "",
                "arrived_at": arrived_at,
                "visit_id": None,
                "visit_category": "",
                "back_reason": "",
                "created_at": now,
                "updated_at": now,
                "deleted_at": None,
            }
        ],
    )
    conn.execute(
        insert(QueueEvent),
        [
            {
                "id": new_id(),
                "entry_id": entry_id,
                "at": now,
                "staff_id": actor.staff_id,
                "kind": kind,
                "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False),
                "created_at": now,
                "updated_at": now,
                "deleted_at": None,
            }
            for kind, detail in events
        ],
    )
    return QueueEntryView(
        entry_id=entry_id,
        queue_no=number,
        patient_id=patient_id,
        status=WAITING,
        doctor_id=doctor_id,
        appointment_id=appointment_id,
        visit_id=None,
        day=day,
        priority=0,
        department=department,
    )


# -- forms of address on the waiting-room screen --------------------------------------------------

# The endings of the Chinese forms of address (rules/honorifics.py), longest first.
_ZH_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            "先生/女士",
            "先生",
            "女士",
            "大爷",
            "大妈",
            "爷爷",
            "奶奶",
            "伯伯",
            "婆婆",
            "爺爺",
            "小朋友",
            *(form for pair in honorifics.TITLE_FORMS.values() for form in pair),
        },
        key=len,
        reverse=True,
    )
)
_EN_PREFIXES = ("Mr/Ms", "Prof.", "Officer", "Mr", "Ms", "Dr")
_EN_ALONE = frozenset(
    {"Sir", "Madam", "Sir/Madam", "Patient", "Doctor", "Professor", "Officer", "您", "患者"}
)


def masked_address(address: str, family_name: str) -> str:
    """A form of address with the person hidden, for the waiting-room screen.

    张女士 -> 张**女士, 王大爷 -> 王**大爷, 小明小朋友 (family 张) -> 张**小朋友,
    李老师 -> 李**老师, "Ms Zhang" -> "Ms Z.", "Dr Li" -> "Dr L.". Only the family
    name (or its initial) and the ending are kept, so a given name never shows,
    even in the forms for children that use it.
    """
    text = " ".join(unicodedata.normalize("NFKC", address or "").split())
    family = " ".join(unicodedata.normalize("NFKC", family_name or "").split())
    if not text:
        return "**"
    if text in _EN_ALONE or text in _ZH_SUFFIXES:
        return text  # no name in it at all: 先生, "Sir"
    for prefix in _EN_PREFIXES:
        if text.startswith(prefix + " "):
            rest = text[len(prefix) + 1 :].strip()
            return f"{prefix} {rest[:1].upper()}." if rest else prefix
    if text.isascii():
        # An English form without a title: a child's given name ("Xiaoming").
        initial = (romanize(family, surname=True) or family)[:1].upper() if family else ""
        return f"{initial}." if initial else "**"
    suffix = next((s for s in _ZH_SUFFIXES if text.endswith(s)), "")
    if family:
        shown = family
    else:
        # Only the form is known: keep its first character (the usual surname).
        shown = text[: len(text) - len(suffix)][:1]
    return f"{shown}**{suffix}"


# -- reading the day ------------------------------------------------------------------------------

_PATIENT_COLUMNS = (
    "p.family_name, p.given_name, p.sex, p.birth_date, p.occupation, p.title, "
    "p.honorific_override, p.special_needs, p.record_no"
)

_EXPECTED_SQL = f"""
SELECT a.id, a.patient_id, a.doctor_id, s.display_name, a.starts_at, a.status, a.arrived_at,
       (SELECT d.specialties FROM doctor_profile d
         WHERE d.staff_id = a.doctor_id AND d.deleted_at IS NULL),
       {_PATIENT_COLUMNS}
FROM appointment a
JOIN patient p ON p.id = a.patient_id
JOIN staff s ON s.id = a.doctor_id
WHERE a.starts_at >= ? AND a.starts_at < ? AND a.deleted_at IS NULL AND a.status != 'cancelled'
  AND NOT EXISTS (SELECT 1 FROM queue_entry q WHERE q.appointment_id = a.id)
ORDER BY a.starts_at
"""

_QUEUED_SQL = f"""
SELECT q.id, q.patient_id, q.appointment_id, q.doctor_id, s.display_name, q.department,
       q.complaint, q.queue_no, q.status, q.priority, q.green_reason, q.arrived_at,
       q.visit_id, q.back_reason, a.starts_at,
       EXISTS (SELECT 1 FROM wait_alert w WHERE w.entry_id = q.id AND w.deleted_at IS NULL),
       {_PATIENT_COLUMNS}
FROM queue_entry q
JOIN patient p ON p.id = q.patient_id
LEFT JOIN staff s ON s.id = q.doctor_id
LEFT JOIN appointment a ON a.id = q.appointment_id
WHERE q.day = ? AND q.deleted_at IS NULL
"""

_EVENTS_SQL = """
SELECT e.entry_id, e.kind, min(e.at), max(e.at)
FROM queue_entry q
JOIN queue_event e ON e.entry_id = q.id
WHERE q.day = ? AND q.deleted_at IS NULL AND e.deleted_at IS NULL
GROUP BY e.entry_id, e.kind
"""


@dataclass(frozen=True)
class _Person:
    family: str
    given: str
    sex: str
    birth: date | None
    occupation: str
    title: str
    preferred: str
    special_needs: str
    record_no: str


# The board is refreshed on every change at the desk: the same ids and forms of address
# come back each time. Parsing and building them again was half its time.
_UUIDS: dict[str, uuid.UUID] = {}
_UUID_CACHE = 50_000


@functools.lru_cache(maxsize=4096)
def _address(
    family: str,
    given: str,
    sex: str,
    birth: date | None,
    occupation: str,
    title: str,
    preferred: str,
    today: date,
    language: honorifics.Language,
    style: honorifics.Style,
) -> str:
    """``patients.address_patient`` from the columns (the same rule, C4), remembered."""
    person = honorifics.Person(
        family_name=family,
        given_name=given,
        sex="F" if sex == "F" else "M" if sex == "M" else "U",
        birth_date=birth,
        occupation=occupation,
        title=title,
        preferred=preferred,
    )
    return honorifics.address(person, today=today, language=language, style=style)


_BOARD_DEFAULTS = {f.name: f.default for f in fields(BoardRow) if f.default is not MISSING}
_BOARD_FIELDS = frozenset(f.name for f in fields(BoardRow))


def _board_row(**values: Any) -> BoardRow:
    """A BoardRow without the frozen dataclass's __init__, which sets each of its 30-odd
    fields through object.__setattr__: that was most of a 200-row board's conversion.
    The result is the same, still frozen, object (as appointments._Rows.view does)."""
    assert values.keys() <= _BOARD_FIELDS
    row = _new_object(BoardRow)
    row.__dict__.update(_BOARD_DEFAULTS)
    row.__dict__.update(values)
    return row


_new_object = object.__new__


@dataclass(frozen=True)
class _DayData:
    rows: list[BoardRow]
    family: dict[uuid.UUID, str]  # patient -> family name (for the masked display)


class _Reader:
    """Turns the day's raw rows into board rows (one pass, ids parsed once)."""

    def __init__(self, clinic: Clinic, day: date, now: datetime, language: str | None) -> None:
        self.day = day
        self.now = now
        self.today = clinic.today()
        self.language = _language(clinic, language)
        self.style = patients.honorific_style(clinic)
        self.alert_after = int(clinic.setting("reception.wait_alert_minutes"))
        self.response = timedelta(minutes=int(clinic.setting("reception.response_minutes")))
        self.badges: Mapping[uuid.UUID, membership.Badge] = {}

    @staticmethod
    def uid(value: Any) -> uuid.UUID:
        text = value.hex() if isinstance(value, bytes) else str(value)
        found = _UUIDS.get(text)
        if found is None:
            if len(_UUIDS) > _UUID_CACHE:
                _UUIDS.clear()
            found = _UUIDS[text] = uuid.UUID(text)
        return found

    def opt(self, value: Any) -> uuid.UUID | None:
        return None if value is None else self.uid(value)

    @staticmethod
    def person(values: Sequence[Any]) -> _Person:
        birth = values[3]
        if isinstance(birth, str):
            birth = date.fromisoformat(birth)
        return _Person(
            values[0] or "",
            values[1] or "",
            values[2] or "U",
            birth,
            values[4] or "",
            values[5] or "",
            values[6] or "",
            values[7] or "",
            values[8] or "",
        )

    def address(self, p: _Person) -> str:
        return _address(
            p.family,
            p.given,
            p.sex,
            p.birth,
            p.occupation,
            p.title,
            p.preferred,
            self.today,
            self.language,
            self.style,
        )

    def needs(self, p: _Person) -> tuple[str, ...]:
        # As patients.PatientDetails.needs: declared needs plus child/elderly by age.
        needs = [c for c in p.special_needs.split(",") if c]
        if p.birth is not None:
            age = honorifics.age_in_years(p.birth, self.today)
            if age < self.style.child_age and "child" not in needs:
                needs.append("child")
            if age >= self.style.elderly_age and "elderly" not in needs:
                needs.append("elderly")
        return tuple(needs)

    def expected(self, r: Sequence[Any]) -> BoardRow:
        p = self.person(r[8:17])
        parts = _specialties(r[7] or "")
        patient_id = self.uid(r[1])
        return _board_row(
            kind="expected",
            entry_id=None,
            appointment_id=self.uid(r[0]),
            patient_id=patient_id,
            patient_name=display_name(p.family, p.given),
            address=self.address(p),
            record_no=p.record_no,
            doctor_id=self.uid(r[2]),
            doctor_name=r[3] or "",
            department=parts[0][:MAX_DEPARTMENT] if parts else "",
            queue_no=None,
            status=r[5],
            booked_for=ap._from_db(r[4]),
            arrived_at=ap._from_db_or_none(r[6]),
            checked_in_at=None,
            called_at=None,
            started_at=None,
            finished_at=None,
            wait_minutes=None,
            alert=False,
            alert_handled=False,
            green=False,
            green_reason="",
            needs=self.needs(p),
            walk_in=False,
            late_check_in=False,
            day=self.day,
            member=self.badges.get(patient_id),
        )

    def queued(self, r: Sequence[Any], events: dict[str, tuple[Any, Any]]) -> BoardRow:
        p = self.person(r[16:25])
        status = r[8]
        arrived = ap._from_db(r[11])

        # The stored times compare as text (fixed-width UTC); only the ones used are parsed.
        def first(*kinds: str) -> datetime | None:
            found = [events[k][0] for k in kinds if k in events]
            return ap._from_db(min(found)) if found else None

        def last(*kinds: str) -> datetime | None:
            found = [events[k][1] for k in kinds if k in events]
            return ap._from_db(max(found)) if found else None

        checked_in = first("checked_in")
        called = last("called", "recalled")
        started = first("started")
        finished = last("finished")
        wait: int | None = None
        if checked_in is not None:
            if status in WAITING_STATUSES:
                # A patient back from an examination waits again from their return.
                since = checked_in
                returned, started_last = last("returned"), last("started")
                if returned is not None and (started_last is None or returned > started_last):
                    since = max(since, returned)
                wait = _minutes(self.now - since)
            else:
                end = first("started", "sent_back", "left", "finished")
                wait = _minutes(end - checked_in) if end is not None else None
        handled = bool(r[15])
        alert = (
            status in WAITING_STATUSES
            and wait is not None
            and wait >= self.alert_after
            and not handled
        )
        consultation: int | None = None
        if started is not None:
            consultation = _minutes((finished or self.now) - started)
        patient_id = self.uid(r[1])
        return _board_row(
            kind="queued",
            entry_id=self.uid(r[0]),
            appointment_id=self.opt(r[2]),
            patient_id=patient_id,
            patient_name=display_name(p.family, p.given),
            address=self.address(p),
            record_no=p.record_no,
            doctor_id=self.opt(r[3]),
            doctor_name=r[4] or "",
            department=r[5] or "",
            queue_no=int(r[7]),
            status=status,
            booked_for=ap._from_db_or_none(r[14]),
            arrived_at=arrived,
            checked_in_at=checked_in,
            called_at=called,
            started_at=started,
            finished_at=finished,
            wait_minutes=wait,
            alert=alert,
            alert_handled=handled,
            green=int(r[9] or 0) >= GREEN_PRIORITY,
            green_reason=r[10] or "",
            needs=self.needs(p),
            walk_in=r[2] is None,
            late_check_in=checked_in is not None and checked_in - arrived > self.response,
            complaint=r[6] or "",
            check_in_delay_minutes=_minutes(checked_in - arrived) if checked_in else None,
            consultation_minutes=consultation,
            back_reason=r[13] or "",
            visit_id=self.opt(r[12]),
            day=self.day,
            member=self.badges.get(patient_id),
        )


def _read_day(
    clinic: Clinic,
    session: Session,
    day: date,
    now: datetime,
    language: str | None,
    *,
    badges: bool = False,
    badge_language: str | None = None,
) -> _DayData:
    """The day's rows; with ``badges`` each row carries its patient's membership badge
    (H2), read for all of them in one query, the tier named in ``badge_language``
    (default: the language of the forms of address)."""
    reader = _Reader(clinic, day, now, language)
    lo, hi = slots.day_bounds_utc(day, clinic.timezone())
    conn = session.connection()
    day_text = day.isoformat()
    expected = conn.exec_driver_sql(_EXPECTED_SQL, (ap._db_time(lo), ap._db_time(hi))).all()
    queued = conn.exec_driver_sql(_QUEUED_SQL, (day_text,)).all()
    if badges and (expected or queued):
        ids = {reader.uid(r[1]) for r in expected}
        ids.update(reader.uid(r[1]) for r in queued)
        reader.badges = membership.badges_in(
            session, ids, day, _language(clinic, badge_language or language)
        )
    # Keyed by the id as stored: the entry rows carry the same text.
    events: dict[Any, dict[str, tuple[Any, Any]]] = {}
    for entry_id, kind, lo_at, hi_at in conn.exec_driver_sql(_EVENTS_SQL, (day_text,)).all():
        events.setdefault(entry_id, {})[kind] = (lo_at, hi_at)
    rows = [reader.expected(r) for r in expected]
    family: dict[uuid.UUID, str] = {}
    for r in queued:
        row = reader.queued(r, events.get(r[0], {}))
        rows.append(row)
        family[row.patient_id] = r[16] or ""
    return _DayData(rows, family)


_FAR = datetime.max.replace(tzinfo=UTC)


def _group(row: BoardRow) -> int:
    """The row's place in the attention order of the board."""
    if row.alert:
        return 0
    if row.kind == "queued":
        if row.green and row.status in WAITING_STATUSES:
            return 1
        return {
            WAITING: 2,
            CALLED: 3,
            IN_CONSULTATION: 4,
            SENT_BACK: 5,
            DONE: 7,
            LEFT: 8,
        }.get(row.status, 8)
    return {
        ap.NO_SHOW: 9,
        ap.DONE: 7,
        ap.IN_CONSULTATION: 4,
    }.get(row.status, 6)


def _sort_key(row: BoardRow) -> tuple[Any, ...]:
    group = _group(row)
    if group in (0, 1, 2):
        within: tuple[Any, ...] = (-(row.wait_minutes or 0), row.queue_no or 0)
    elif group == 3:
        within = (row.called_at or _FAR, row.queue_no or 0)
    elif group == 4:
        within = (row.started_at or _FAR, row.queue_no or 0)
    elif group in (6, 9):
        within = (row.booked_for or _FAR, 0)
    else:
        within = (row.queue_no or 0, row.booked_for or _FAR)
    return (group, *within, row.patient_id)


def _counts(rows: Sequence[BoardRow]) -> tuple[DoctorCount, ...]:
    found: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        if row.doctor_id is None:
            continue
        item = found.setdefault(row.doctor_id, [row.doctor_name, 0, 0, 0, 0])
        if row.kind == "expected":
            if row.status in (ap.BOOKED, ap.CONFIRMED, ap.ARRIVED):
                item[1] += 1
            elif row.status == ap.IN_CONSULTATION:
                item[3] += 1
            elif row.status == ap.DONE:
                item[4] += 1
        elif row.status in WAITING_STATUSES:
            item[2] += 1
        elif row.status == IN_CONSULTATION:
            item[3] += 1
        elif row.status == DONE:
            item[4] += 1
    return tuple(
        DoctorCount(doc, name, expected, waiting, in_consultation, done)
        for doc, (name, expected, waiting, in_consultation, done) in sorted(
            found.items(), key=lambda kv: (kv[1][0], str(kv[0]))
        )
    )


def _board(
    clinic: Clinic,
    day: date,
    doctor_id: uuid.UUID | None,
    language: str | None,
    *,
    badges: bool = False,
    badge_language: str | None = None,
) -> Board:
    now = clinic.now()
    with clinic.store.unit_of_work(write=False) as uow:
        data = _read_day(
            clinic,
            uow.session,
            day,
            now,
            language,
            badges=badges,
            badge_language=badge_language,
        )
    rows = data.rows
    counts = _counts(rows)
    if doctor_id is not None:
        rows = [r for r in rows if r.doctor_id == doctor_id]
    rows.sort(key=_sort_key)
    return Board(
        day=day,
        made_at=now,
        rows=tuple(rows),
        counts=counts,
        alerts=sum(1 for r in rows if r.alert),
        wait_alert_minutes=int(clinic.setting("reception.wait_alert_minutes")),
    )


def _day_of(clinic: Clinic, day: object) -> date:
    if day is None:
        return clinic.today()
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose a day on the calendar."))
    return day


# -- the desk's board -----------------------------------------------------------------------------


def today_board(
    clinic: Clinic,
    actor: Actor,
    *,
    day: date | None = None,
    doctor_id: uuid.UUID | None = None,
    language: str | None = None,
    badge_language: str | None = None,
) -> Board:
    """The desk's board (B1, B4, B6, B8): expected, waiting, with the doctor, done.

    ``doctor_id`` filters the rows; ``counts`` always has every doctor of the
    day. ``language`` chooses the forms of address (default: the clinic's);
    ``badge_language`` the language of the membership badges' tier names (H2; the
    screen's language, default ``language``).
    """
    _require_any(clinic, actor, Action.CHECKIN, Action.QUEUE_MANAGE)
    return _board(
        clinic,
        _day_of(clinic, day),
        doctor_id,
        language,
        badges=True,
        badge_language=badge_language,
    )


# -- check-in (B1-B3) -----------------------------------------------------------------------------


def _todays_booking(
    session: Session, clinic: Clinic, patient_id: uuid.UUID, day: date
) -> Appointment | None:
    """The patient's first booking of the day that is not in the queue yet."""
    lo, hi = slots.day_bounds_utc(day, clinic.timezone())
    return session.execute(
        select(Appointment)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.starts_at >= lo,
            Appointment.starts_at < hi,
            Appointment.status.in_((ap.BOOKED, ap.CONFIRMED, ap.ARRIVED)),
            Appointment.deleted_at.is_(None),
            ~select(QueueEntry.id).where(QueueEntry.appointment_id == Appointment.id).exists(),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    ).scalar()


def _safety_lines(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID
) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """Allergies and medication as short lines, when the role may read them (audited)."""
    if not (actor.is_system or allowed(actor.role, Action.SAFETY_READ)):
        return (), (), False
    safety = clinical.read_safety(clinic, actor, patient_id)
    allergies = tuple(
        f"{a.substance}: {a.reaction}" if a.reaction else a.substance for a in safety.allergies
    )
    medications = tuple(
        " ".join(part for part in (m.drug, m.dose, m.frequency) if part) for m in safety.medications
    )
    return allergies, medications, True


def check_in_view(
    clinic: Clinic,
    actor: Actor,
    appointment_id: uuid.UUID | None = None,
    *,
    patient_id: uuid.UUID | None = None,
    language: str = "zh_CN",
    badge_language: str | None = None,
) -> CheckInView:
    """What the check-in panel shows: greeting (B1), identity, allergies, medication (B2),
    the membership badge (H2; tier named in ``badge_language``, default ``language``).

    Given only the patient, their first booking of today that is not checked in
    yet is used; without one the panel is a walk-in's. Allergies and medication
    are read (and that read audited) only for roles that may read them.
    """
    _require_any(clinic, actor, Action.CHECKIN)
    if (appointment_id is None) == (patient_id is None):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Choose the appointment or the patient to check in, one of the two."
            )
        )
    lang = _language(clinic, language)
    zone = clinic.timezone()
    today = clinic.today()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        booking: Appointment | None
        if appointment_id is not None:
            booking = ap._load(session, appointment_id)
            pid = booking.patient_id
        else:
            assert patient_id is not None
            pid = patient_id
            booking = _todays_booking(session, clinic, pid, today)
        patient = session.get(Patient, pid)
        if patient is None or patient.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
        details = patients._details(clinic, patient)
        address = patients.address_patient(clinic, details, lang)
        entry: QueueEntry | None = None
        if booking is not None:
            entry = session.execute(
                select(QueueEntry).where(QueueEntry.appointment_id == booking.id)
            ).scalar()
        if entry is None:
            entry = _open_entry_today(session, pid, today)
        doctor_name = ""
        if booking is not None:
            doctor = session.get(Staff, booking.doctor_id)
            doctor_name = doctor.display_name if doctor is not None else ""
            greeting = GREETINGS[lang].format(
                address=address, time=ap._local_text(booking.starts_at, zone, time_only=True)
            )
        else:
            greeting = WALK_IN_GREETINGS[lang].format(address=address)
        member = membership.badges_in(
            session, (pid,), today, _language(clinic, badge_language or lang)
        ).get(pid)
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="patient.view",
                object_type="patient",
                object_id=pid.hex,
                patient_id=pid,
                detail=json.dumps({"via": "check_in"}),
            ),
        )
        uow.commit()
    allergies, medications, visible = _safety_lines(clinic, actor, pid)
    return CheckInView(
        appointment_id=booking.id if booking is not None else None,
        patient_id=pid,
        patient_name=details.full_name,
        address=address,
        greeting=greeting,
        booked_for=booking.starts_at if booking is not None else None,
        doctor_id=booking.doctor_id if booking is not None else None,
        doctor_name=doctor_name,
        allergies=allergies,
        medications=medications,
        needs=details.needs,
        identity_on_file=bool(details.data.id_number),
        safety_visible=visible,
        entry_id=entry.id if entry is not None else None,
        queue_no=entry.queue_no if entry is not None else None,
        other_day=booking is not None and booking.starts_at.astimezone(zone).date() != today,
        record_no=details.record_no,
        member=member,
    )


def check_in(
    clinic: Clinic,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    identity_checked: bool,
    arrived_at: datetime | None = None,
    safety_confirmed: bool = False,
    confirm: Iterable[str] = (),
    vitals: Mapping[str, int | float | None] | None = None,
    vitals_confirmed: Iterable[str] = (),
) -> Written[QueueEntryView]:
    """Check a booked patient in (B1-B3): arrived, queued with the next number.

    One transaction: the appointment becomes ``arrived`` (the appointment
    module's rules; a booking already marked arrived on the calendar is queued
    as it is), the entry gets today's next number, the ``checked_in`` event (and
    ``safety_confirmed`` when the allergies and medication were confirmed) and
    the audit rows. ``arrived_at`` is when the patient came in, if they waited
    at the counter (B1 measures the delay). A booking of another day asks
    (``NeedsConfirmation`` with ``other_day``); the entry is then for today.

    ``vitals`` (B3, optional): the measurements taken at the desk, by
    ``clinical.record_vitals``' names and rules, recorded in the same
    transaction (``vitals.record`` permission; ``UnusualVitals`` for readings
    not in ``vitals_confirmed``, before anything is written). Without them the
    check-in does not wait for the vital signs: ``record_check_in_vitals``
    adds them later.
    """
    _require_any(clinic, actor, Action.CHECKIN)
    _require_identity(identity_checked)
    confirmed = _confirm_set(confirm)
    arrival = _arrival(clinic, arrived_at)
    measured: dict[str, Any] | None = None
    if vitals is not None:
        clinic.require(actor, Action.VITALS_RECORD)
        unknown = sorted(set(vitals) - set(vital_rules.FIELDS))
        if unknown:  # a programming error, not the user's
            raise TypeError(f"check_in: unknown vital signs {unknown}")
        measured = clinical._vitals_columns(
            {name: vitals.get(name) for name in vital_rules.FIELDS}, frozenset(vitals_confirmed)
        )
    zone = clinic.timezone()
    now = clinic.now()
    today = now.astimezone(zone).date()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        booking = ap._load(session, appointment_id)
        # One statement for what else the check needs: the checked-in entry if any,
        # the patient's state, the doctor's department and the day's last number.
        found = (
            session.connection()
            .exec_driver_sql(
                _CHECK_IN_SQL,
                (
                    booking.id.hex,
                    booking.id.hex,
                    booking.doctor_id.hex,
                    today.isoformat(),
                    booking.patient_id.hex,
                ),
            )
            .first()
        )
        if found is not None and found[2] is not None:
            raise AlreadyCheckedIn(int(found[3]), uuid.UUID(hex=str(found[2])))
        _check_booking_status(booking.status)
        if found is None or found[0] is not None or found[1] is not None:
            ap._patient(session, booking.patient_id)  # raises what is wrong with the record
        booked_day = booking.starts_at.astimezone(zone).date()
        if booked_day != today and OTHER_DAY not in confirmed:
            raise CheckInNeedsConfirmation(
                {
                    OTHER_DAY: (
                        QT_TRANSLATE_NOOP(
                            "Errors",
                            "This appointment is for {day} at {time}, not today. Check the "
                            "patient in for today anyway?",
                        ),
                        {
                            "day": booked_day.isoformat(),
                            "time": ap._local_text(booking.starts_at, zone, time_only=True),
                        },
                    )
                }
            )
        audits: list[audit.AuditEvent] = []
        if booking.status == ap.ARRIVED:
            # Marked arrived on the calendar already: queue it from that arrival.
            if arrived_at is None and booking.arrived_at is not None:
                arrival = booking.arrived_at
        else:
            ap.change_status_in(
                clinic,
                uow,
                actor,
                booking.id,
                ap.ARRIVED,
                action="appointment.arrive",
                stamp="arrived_at",
                at=arrival,
                audit_into=audits,
            )
        parts = _specialties(found[4] or "") if found is not None else []
        delay = _minutes(now - arrival)
        other_day = booked_day != today
        first_events: list[tuple[str, dict[str, Any]]] = [
            (
                "checked_in",
                {"arrived_at": ap._iso(arrival), "delay_minutes": delay, "other_day": other_day},
            )
        ]
        if safety_confirmed:
            first_events.append(("safety_confirmed", {}))
        vitals_id = new_id() if measured is not None else None
        if vitals_id is not None:
            first_events.append(("vitals", {"vitals_id": vitals_id.hex}))
        view = _insert_new(
            uow,
            actor,
            day=today,
            now=now,
            patient_id=booking.patient_id,
            appointment_id=booking.id,
            doctor_id=booking.doctor_id,
            department=parts[0][:MAX_DEPARTMENT] if parts else "",
            complaint="",
            arrived_at=arrival,
            events=first_events,
            queue_no=int(found[5] or 0) + 1 if found is not None else None,
        )
        if measured is not None and vitals_id is not None:
            # As clinical.record_vitals writes them: the row and its audit row.
            session.connection().execute(
                insert(VitalSigns),
                [
                    {
                        "id": vitals_id,
                        "patient_id": booking.patient_id,
                        "visit_id": None,
                        "taken_at": now,
                        "recorded_by": actor.staff_id,
                        "corrects_id": None,
                        "correction_reason": "",
                        "created_at": now,
                        "updated_at": now,
                        "deleted_at": None,
                        **measured,
                    }
                ],
            )
            audits.append(
                audit.AuditEvent(
                    action="clinical.vitals_record",
                    object_type="vital_signs",
                    object_id=vitals_id.hex,
                    patient_id=booking.patient_id,
                )
            )
            view = replace(view, vitals_id=vitals_id)
        audits.append(
            _audit_event(
                "reception.check_in",
                view,
                detail={
                    "appointment_id": booking.id.hex,
                    "delay_minutes": delay,
                    "other_day": other_day,
                    "safety_confirmed": bool(safety_confirmed),
                },
            )
        )
        clinic.audit_many(uow, actor, audits)
        uow.commit()
    changes = _changes(
        view.entry_id, booking.id, view.patient_id, view.doctor_id, appointments=True
    )
    if view.vitals_id is not None:
        changes = changes | Changes(frozenset({Topic.CLINICAL}), frozenset({view.patient_id}))
    return Written(view, changes)


_CHECK_IN_SQL = """
SELECT p.deleted_at, p.merged_into,
       (SELECT q.id FROM queue_entry q WHERE q.appointment_id = ? AND q.deleted_at IS NULL),
       (SELECT q.queue_no FROM queue_entry q WHERE q.appointment_id = ? AND q.deleted_at IS NULL),
       (SELECT d.specialties FROM doctor_profile d
         WHERE d.staff_id = ? AND d.deleted_at IS NULL),
       (SELECT max(q.queue_no) FROM queue_entry q WHERE q.day = ?)
FROM patient p WHERE p.id = ?
"""


def _check_booking_status(status: str) -> None:
    if status == ap.CANCELLED:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This appointment was cancelled. Book a new one, or check the patient in as a "
                "walk-in.",
            )
        )
    if status == ap.NO_SHOW:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This appointment was marked as a no-show. Check the patient in as a walk-in, "
                "or book a new appointment.",
            )
        )
    if status in (ap.IN_CONSULTATION, ap.DONE):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This appointment is already {status} on the calendar. If the patient needs "
                "to see a doctor again, check them in as a walk-in.",
            ),
            status=status.replace("_", " "),
        )


def walk_in(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    doctor_id: uuid.UUID | None,
    department: str = "",
    complaint: str = "",
    identity_checked: bool,
    arrived_at: datetime | None = None,
) -> Written[QueueEntryView]:
    """Queue a patient without a booking (B5), for a doctor or for whoever is free.

    ``complaint`` is the triage category (COMPLAINTS, B7); ``department``
    defaults to the doctor's first specialty. A patient already in today's
    queue (not finished) raises ``AlreadyCheckedIn``.
    """
    _require_any(clinic, actor, Action.CHECKIN)
    _require_identity(identity_checked)
    code = _complaint(complaint, required=False)
    dept = ap._text(department, "department", MAX_DEPARTMENT)
    arrival = _arrival(clinic, arrived_at)
    now = clinic.now()
    today = now.astimezone(clinic.timezone()).date()
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        ap._patient(session, patient_id)
        if doctor_id is not None:
            _doctor(session, doctor_id)
        open_entry = _open_entry_today(session, patient_id, today)
        if open_entry is not None:
            raise AlreadyCheckedIn(open_entry.queue_no, open_entry.id)
        delay = _minutes(now - arrival)
        view = _insert_new(
            uow,
            actor,
            day=today,
            now=now,
            patient_id=patient_id,
            appointment_id=None,
            doctor_id=doctor_id,
            department=dept or _department_of(session, doctor_id),
            complaint=code,
            arrived_at=arrival,
            events=[
                (
                    "checked_in",
                    {"arrived_at": ap._iso(arrival), "delay_minutes": delay, "walk_in": True},
                )
            ],
        )
        clinic.audit(
            uow,
            actor,
            _audit_event(
                "reception.walk_in",
                view,
                detail={
                    "doctor_id": doctor_id.hex if doctor_id else None,
                    "complaint": code,
                    "delay_minutes": delay,
                },
            ),
        )
        uow.commit()
    return Written(view, _changes(view.entry_id, patient_id, doctor_id))


def record_check_in_vitals(
    clinic: Clinic,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    confirmed: frozenset[str] = frozenset(),
    **values: Any,
) -> Written[clinical.VitalsView]:
    """B3: ``clinical.record_vitals`` for a queued patient, noted on the entry.

    The measurements are checked, written and audited by the clinical service
    (``UnusualVitals`` and ``ValidationError`` come from there and write
    nothing); the entry then gets a ``vitals`` event naming them. The check-in
    itself never depends on the vital signs.
    """
    _require_any(clinic, actor, Action.VITALS_RECORD)
    with clinic.store.unit_of_work(write=False) as uow:
        patient_id = _entry(uow.session, entry_id).patient_id
    written = clinical.record_vitals(clinic, actor, patient_id, confirmed=confirmed, **values)
    with clinic.store.unit_of_work(write=True) as uow:
        entry = _entry(uow.session, entry_id)
        _event(uow, actor, entry, "vitals", clinic.now(), {"vitals_id": written.value.id.hex})
        uow.commit()
    return Written(written.value, written.changes | _changes(entry_id))


# -- triage (B7) ----------------------------------------------------------------------------------


def suggest_triage(clinic: Clinic, actor: Actor, complaint: str) -> list[TriageSuggestion]:
    """Doctors for a walk-in, best first (B7): matching specialty, free now, short queue.

    Score: 100 for a specialty matching the complaint, 30 when rostered now and
    not in consultation (15 when rostered now but busy, 5 when working later
    today), minus 10 per patient waiting for them.
    """
    _require_any(clinic, actor, Action.CHECKIN)
    code = _complaint(complaint, required=True)
    keywords = [k.casefold() for k in COMPLAINT_SPECIALTIES[code]]
    now = clinic.now()
    local = now.astimezone(clinic.timezone())
    today, minute = local.date(), local.hour * 60 + local.minute
    with clinic.store.unit_of_work(write=False) as uow:
        session = uow.session
        doctors = session.execute(
            select(Staff.id, Staff.display_name, DoctorProfile.specialties, DoctorProfile.bookable)
            .outerjoin(
                DoctorProfile,
                (DoctorProfile.staff_id == Staff.id) & DoctorProfile.deleted_at.is_(None),
            )
            .where(
                Staff.deleted_at.is_(None),
                Staff.disabled_at.is_(None),
                Staff.role.in_([r.value for r in rosters.BOOKABLE_ROLES]),
            )
        ).all()
        doctors = [d for d in doctors if d[3] is None or d[3]]
        ids = [d[0] for d in doctors]
        spans = rosters.working_spans_range_in(session, ids, today, today)
        load: dict[tuple[uuid.UUID, str], int] = {
            (doc, status): int(n)
            for doc, status, n in session.execute(
                select(QueueEntry.doctor_id, QueueEntry.status, func.count())
                .where(
                    QueueEntry.day == today,
                    QueueEntry.doctor_id.in_(ids),
                    QueueEntry.status.in_((WAITING, CALLED, IN_CONSULTATION)),
                    QueueEntry.deleted_at.is_(None),
                )
                .group_by(QueueEntry.doctor_id, QueueEntry.status)
            ).all()
            if doc is not None
        }
    found: list[TriageSuggestion] = []
    for doc, name, specialties, _bookable in doctors:
        parts = _specialties(specialties or "")
        matched = next((p for p in parts if any(k in p.casefold() for k in keywords)), None)
        today_spans = spans.get((doc, today), [])
        rostered_now = any(s <= minute < e for s, e in today_spans)
        busy = load.get((doc, IN_CONSULTATION), 0) > 0
        waiting = load.get((doc, WAITING), 0) + load.get((doc, CALLED), 0)
        free_now = rostered_now and not busy
        score = 100 if matched else 0
        if free_now:
            score += 30
        elif rostered_now:
            score += 15
        elif any(s > minute for s, _ in today_spans):
            score += 5
        score -= 10 * waiting
        found.append(
            TriageSuggestion(
                doctor_id=doc,
                doctor_name=name,
                department=(matched or (parts[0] if parts else ""))[:MAX_DEPARTMENT],
                waiting=waiting,
                free_now=free_now,
                score=score,
            )
        )
    found.sort(key=lambda s: (-s.score, s.waiting, s.doctor_name, str(s.doctor_id)))
    return found


# -- changes of a queue entry ---------------------------------------------------------------------


# A step's own changes to the entry (inside the transaction); True when it changed the
# booking's status too. The dict is the event's and audit row's detail, to add to; the
# list collects audit rows to write before the step's own (the booking's status change).
_Apply = Callable[[UnitOfWork, QueueEntry, datetime, dict[str, Any], list[audit.AuditEvent]], bool]


def _change(
    clinic: Clinic,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    allowed_from: frozenset[str],
    new_status: str | None,
    kind: str,
    action: str,
    detail: dict[str, Any] | None = None,
    reason: str = "",
    apply: _Apply | None = None,
) -> Written[QueueEntryView]:
    """One step of an entry: check its status, change it, event, audit, commit."""
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        entry = _entry(uow.session, entry_id)
        if entry.status not in allowed_from:
            raise QueueStateError(entry.queue_no, entry.status)
        old = entry.status
        extra = dict(detail or {})
        audits: list[audit.AuditEvent] = []
        touched_appointment = False
        if apply is not None:
            touched_appointment = apply(uow, entry, now, extra, audits)
        if new_status is not None:
            entry.status = new_status
        entry.updated_at = now
        _event(uow, actor, entry, kind, now, extra)
        audits.append(
            _audit_event(
                action, entry, reason=reason, detail={"from": old, "to": entry.status, **extra}
            )
        )
        clinic.audit_many(uow, actor, audits)
        view = _view(entry)
        uow.commit()
    return Written(
        view,
        _changes(
            view.entry_id,
            view.patient_id,
            view.doctor_id,
            view.appointment_id if touched_appointment else None,
            appointments=touched_appointment,
        ),
    )


def set_green_channel(
    clinic: Clinic, actor: Actor, entry_id: uuid.UUID, *, reason: str
) -> Written[QueueEntryView]:
    """B8: an emergency goes first in the doctor's queue, with a reason, audited."""
    _require_any(clinic, actor, Action.CHECKIN, Action.QUEUE_MANAGE)
    why = ap._text(reason, "reason for the green channel", MAX_REASON, required=True)

    def apply(
        uow: UnitOfWork,
        entry: QueueEntry,
        now: datetime,
        extra: dict[str, Any],
        audits: list[audit.AuditEvent],
    ) -> bool:
        entry.priority = GREEN_PRIORITY
        entry.green_reason = why
        return False

    return _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({WAITING, CALLED, SENT_BACK}),
        new_status=None,
        kind="green",
        action="reception.green_channel",
        detail={"reason": why},
        reason=why,
        apply=apply,
    )


def record_wait_alert(
    clinic: Clinic,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    actions: Iterable[str],
    note: str = "",
) -> Written[QueueEntryView]:
    """B4: what the desk did about a long wait (explained, a drink, priority ...)."""
    _require_any(clinic, actor, Action.CHECKIN)
    if isinstance(actions, str):
        actions = (actions,)
    codes = [a.strip() if isinstance(a, str) else a for a in actions]
    if not codes:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Tick what was done for the waiting patient (at least one)."
            )
        )
    if any(not isinstance(c, str) or c not in WAIT_ACTIONS for c in codes):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose what was done from the list."))
    chosen = [c for c in WAIT_ACTIONS if c in codes]  # the table's order, no repeats
    text = ap._text(note, "note", MAX_NOTE)
    if "other" in chosen and not text:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", 'Say in the note what "Other" was.'))
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        entry = _entry(uow.session, entry_id)
        uow.session.add(
            WaitAlert(
                entry_id=entry.id,
                handled_at=now,
                handled_by=actor.staff_id,
                actions=",".join(chosen),
                note=text,
                created_at=now,
                updated_at=now,
            )
        )
        _audit(
            clinic,
            uow,
            actor,
            "reception.wait_alert",
            entry,
            detail={"actions": chosen, "status": entry.status},
        )
        view = _view(entry)
        uow.commit()
    return Written(view, _changes(view.entry_id, view.patient_id, view.doctor_id))


def reassign(
    clinic: Clinic,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    doctor_id: uuid.UUID | None,
    department: str | None = None,
) -> Written[QueueEntryView]:
    """Send a waiting patient to another doctor (or to whoever is free: ``None``).

    The booking, if any, keeps its doctor: it records what was booked.
    """
    _require_any(clinic, actor, Action.CHECKIN, Action.QUEUE_MANAGE)
    dept = None if department is None else ap._text(department, "department", MAX_DEPARTMENT)

    def apply(
        uow: UnitOfWork,
        entry: QueueEntry,
        now: datetime,
        extra: dict[str, Any],
        audits: list[audit.AuditEvent],
    ) -> bool:
        if doctor_id is not None:
            _doctor(uow.session, doctor_id)
        extra["from_doctor"] = entry.doctor_id.hex if entry.doctor_id else None
        extra["to_doctor"] = doctor_id.hex if doctor_id else None
        entry.doctor_id = doctor_id
        entry.department = dept if dept is not None else _department_of(uow.session, doctor_id)
        return False

    return _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({WAITING, CALLED, SENT_BACK}),
        new_status=None,
        kind="reassigned",
        action="reception.reassign",
        apply=apply,
    )


# -- the doctor's room ----------------------------------------------------------------------------


def _own_doctor(actor: Actor, doctor_id: uuid.UUID | None) -> uuid.UUID:
    chosen = doctor_id if doctor_id is not None else actor.staff_id
    if chosen is None:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the doctor whose queue this is."))
    return chosen


def _queue_key(row: BoardRow) -> tuple[int, int]:
    return (0 if row.green else 1, row.queue_no or 0)


def doctor_queue(
    clinic: Clinic,
    actor: Actor,
    doctor_id: uuid.UUID | None = None,
    *,
    language: str | None = None,
    badge_language: str | None = None,
) -> tuple[BoardRow, ...]:
    """Today's queue of a doctor (default: the actor's own): waiting, called, in
    consultation and sent back, the green channel first, then by number.

    Walk-ins not assigned to anyone are in every doctor's queue (``call_next``
    may give them to whoever calls first). Each row carries the patient's membership
    badge (H2), its tier named in ``badge_language`` (default ``language``).
    """
    _require_any(clinic, actor, Action.QUEUE_MANAGE)
    doctor = _own_doctor(actor, doctor_id)
    now = clinic.now()
    today = now.astimezone(clinic.timezone()).date()
    with clinic.store.unit_of_work(write=False) as uow:
        data = _read_day(
            clinic, uow.session, today, now, language, badges=True, badge_language=badge_language
        )
    rows = [
        r
        for r in data.rows
        if r.kind == "queued"
        and r.status in OPEN_STATUSES
        and (r.doctor_id == doctor or r.doctor_id is None)
    ]
    rows.sort(key=_queue_key)
    return tuple(rows)


def call_next(
    clinic: Clinic, actor: Actor, doctor_id: uuid.UUID | None = None
) -> Written[QueueEntryView]:
    """Call the next patient: the green channel first, then the lowest number waiting
    for this doctor or for nobody in particular. Picking and marking are one write
    transaction, so two workstations of one doctor never call the same patient.
    """
    _require_any(clinic, actor, Action.QUEUE_MANAGE)
    doctor = _own_doctor(actor, doctor_id)
    now = clinic.now()
    today = now.astimezone(clinic.timezone()).date()
    with clinic.store.unit_of_work(write=True) as uow:
        entry = uow.session.execute(
            select(QueueEntry)
            .where(
                QueueEntry.day == today,
                QueueEntry.status == WAITING,
                (QueueEntry.doctor_id == doctor) | QueueEntry.doctor_id.is_(None),
                QueueEntry.deleted_at.is_(None),
            )
            .order_by(QueueEntry.priority.desc(), QueueEntry.queue_no)
            .limit(1)
        ).scalar()
        if entry is None:
            raise QueueEmpty()
        assigned = entry.doctor_id is None
        entry.doctor_id = doctor
        if assigned and not entry.department:
            entry.department = _department_of(uow.session, doctor)
        entry.status = CALLED
        entry.updated_at = now
        detail = {"doctor_id": doctor.hex, "assigned": assigned}
        _event(uow, actor, entry, "called", now, detail)
        _audit(clinic, uow, actor, "reception.call", entry, detail={"from": WAITING, **detail})
        view = _view(entry)
        uow.commit()
    return Written(view, _changes(view.entry_id, view.patient_id, doctor))


def recall(clinic: Clinic, actor: Actor, entry_id: uuid.UUID) -> Written[QueueEntryView]:
    """Call the same number again (the patient did not come in)."""
    _require_any(clinic, actor, Action.QUEUE_MANAGE)
    return _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({CALLED}),
        new_status=CALLED,
        kind="recalled",
        action="reception.recall",
    )


def start_consultation(
    clinic: Clinic, actor: Actor, entry_id: uuid.UUID
) -> Written[QueueEntryView]:
    """The patient is with the doctor; the booking becomes ``in_consultation``.

    No visit is created here (``visit_id`` stays None): the doctor's screen
    opens the patient file with today's vital signs, the visit is written
    there, and ``finish_consultation(visit_id=...)`` links it. A patient back
    from an examination is started again without touching the booking.
    """
    _require_any(clinic, actor, Action.QUEUE_MANAGE)

    def apply(
        uow: UnitOfWork,
        entry: QueueEntry,
        now: datetime,
        extra: dict[str, Any],
        audits: list[audit.AuditEvent],
    ) -> bool:
        if entry.doctor_id is None and actor.staff_id is not None:
            entry.doctor_id = actor.staff_id
        extra["doctor_id"] = entry.doctor_id.hex if entry.doctor_id else None
        if entry.appointment_id is None:
            return False
        booking = ap._load(uow.session, entry.appointment_id)
        if booking.status == ap.IN_CONSULTATION:
            return False
        ap.change_status_in(
            clinic,
            uow,
            actor,
            booking.id,
            ap.IN_CONSULTATION,
            action="appointment.start",
            stamp="started_at",
            at=now,
            audit_into=audits,
        )
        return True

    return _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({WAITING, CALLED}),
        new_status=IN_CONSULTATION,
        kind="started",
        action="reception.start",
        apply=apply,
    )


def finish_consultation(
    clinic: Clinic,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    visit_category: str = "",
    visit_id: uuid.UUID | None = None,
) -> Written[QueueEntryView]:
    """Done; the booking becomes ``done``. ``visit_category`` (clinical.VISIT_CATEGORIES)
    feeds the follow-up plans; ``visit_id`` links the visit written in the patient file."""
    _require_any(clinic, actor, Action.QUEUE_MANAGE)
    category = _code(
        visit_category,
        clinical.VISIT_CATEGORY_LABELS,
        QT_TRANSLATE_NOOP("Errors", "Choose the kind of visit from the list."),
        required=False,
    )

    def apply(
        uow: UnitOfWork,
        entry: QueueEntry,
        now: datetime,
        extra: dict[str, Any],
        audits: list[audit.AuditEvent],
    ) -> bool:
        if visit_id is not None:
            visit = uow.session.get(Visit, visit_id)
            if visit is None or visit.deleted_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "visit"))
            if visit.patient_id != entry.patient_id:
                raise ValidationError(clinical.WRONG_PATIENT_VISIT)
            entry.visit_id = visit_id
            extra["visit_id"] = visit_id.hex
        if category:
            entry.visit_category = category
            extra["visit_category"] = category
        if entry.visit_category:
            # The follow-up plan starts with the finish (E1), in this transaction.
            from clinic_desk.core.services import followups  # it reads the queue here

            followups.queue_finished_in(clinic, uow, actor, entry, now, audits)
        if entry.appointment_id is None:
            return False
        booking = ap._load(uow.session, entry.appointment_id)
        if booking.status != ap.IN_CONSULTATION:
            return False  # undone on the calendar meanwhile: the queue still finishes
        ap.change_status_in(
            clinic,
            uow,
            actor,
            booking.id,
            ap.DONE,
            action="appointment.done",
            stamp="finished_at",
            at=now,
            audit_into=audits,
        )
        return True

    written = _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({IN_CONSULTATION, SENT_BACK}),
        new_status=DONE,
        kind="finished",
        action="reception.finish",
        apply=apply,
    )
    # The plan's calls are new rows on the worklist: its screens redraw.
    return Written(written.value, written.changes | Changes(frozenset({Topic.FOLLOWUPS})))


def send_back(
    clinic: Clinic, actor: Actor, entry_id: uuid.UUID, *, reason: str, note: str = ""
) -> Written[QueueEntryView]:
    """Send the patient back to the desk (payment, an examination, medicine).

    The booking stays ``in_consultation``: the patient may come back
    (``return_to_queue``), or the doctor finishes the entry meanwhile.
    """
    _require_any(clinic, actor, Action.QUEUE_MANAGE)
    code = _code(
        reason,
        BACK_REASONS,
        QT_TRANSLATE_NOOP("Errors", "Choose why the patient goes back to the desk."),
        required=True,
    )
    text = ap._text(note, "note", MAX_NOTE)

    def apply(
        uow: UnitOfWork,
        entry: QueueEntry,
        now: datetime,
        extra: dict[str, Any],
        audits: list[audit.AuditEvent],
    ) -> bool:
        entry.back_reason = code
        return False

    return _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({CALLED, IN_CONSULTATION}),
        new_status=SENT_BACK,
        kind="sent_back",
        action="reception.send_back",
        detail={"reason": code, "note": text},
        apply=apply,
    )


def return_to_queue(clinic: Clinic, actor: Actor, entry_id: uuid.UUID) -> Written[QueueEntryView]:
    """Back from the desk (or back after leaving): waiting again, with the same number."""
    _require_any(clinic, actor, Action.CHECKIN, Action.QUEUE_MANAGE)

    def apply(
        uow: UnitOfWork,
        entry: QueueEntry,
        now: datetime,
        extra: dict[str, Any],
        audits: list[audit.AuditEvent],
    ) -> bool:
        extra["back_reason"] = entry.back_reason
        entry.back_reason = ""
        return False

    return _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({SENT_BACK, LEFT}),
        new_status=WAITING,
        kind="returned",
        action="reception.return",
        apply=apply,
    )


def mark_left(
    clinic: Clinic, actor: Actor, entry_id: uuid.UUID, *, note: str = ""
) -> Written[QueueEntryView]:
    """The patient left without being seen (or did not come back from the desk).

    The booking keeps its status (``arrived``: the patient did come)."""
    _require_any(clinic, actor, Action.CHECKIN)
    text = ap._text(note, "note", MAX_NOTE)
    return _change(
        clinic,
        actor,
        entry_id,
        allowed_from=frozenset({WAITING, CALLED, SENT_BACK}),
        new_status=LEFT,
        kind="left",
        action="reception.left",
        detail={"note": text},
    )


# -- the waiting-room screen ----------------------------------------------------------------------


def display_state(clinic: Clinic, actor: Actor, *, language: str | None = None) -> DisplayState:
    """Queue numbers, the numbers called last and masked names (setting
    ``reception.display_names``: "masked" 张**女士, "honorific" 张女士), never full
    names or diagnoses (C4)."""
    _require_any(clinic, actor, Action.CHECKIN, Action.QUEUE_MANAGE)
    now = clinic.now()
    today = now.astimezone(clinic.timezone()).date()
    masked = str(clinic.setting("reception.display_names")) != "honorific"
    with clinic.store.unit_of_work(write=False) as uow:
        data = _read_day(clinic, uow.session, today, now, language)

    def shown(row: BoardRow) -> str:
        if not masked:
            return row.address
        return masked_address(row.address, data.family.get(row.patient_id, ""))

    queued = [r for r in data.rows if r.kind == "queued"]
    called = sorted(
        (r for r in queued if r.status in (CALLED, IN_CONSULTATION) and r.called_at is not None),
        key=lambda r: (r.called_at or _FAR, r.queue_no or 0),
        reverse=True,
    )[:CALLED_SHOWN]
    waiting = sorted((r for r in queued if r.status == WAITING), key=_queue_key)
    return DisplayState(
        called=tuple((r.queue_no or 0, shown(r), r.doctor_name) for r in called),
        waiting=tuple((r.queue_no or 0, shown(r)) for r in waiting),
    )


# -- the day's end --------------------------------------------------------------------------------


def day_end(clinic: Clinic, actor: Actor, *, day: date | None = None) -> DayEnd:
    """Who is still waiting or in consultation on ``day`` (default today), after
    marking the no-shows (``appointments.mark_no_shows``, A9)."""
    _require_any(clinic, actor, Action.CHECKIN)
    the_day = _day_of(clinic, day)
    marked = ap.mark_no_shows(clinic, actor)
    board = _board(clinic, the_day, None, None)
    queued = [r for r in board.rows if r.kind == "queued"]
    still = tuple(
        sorted(
            (r for r in queued if r.status in (WAITING, CALLED, SENT_BACK)),
            key=lambda r: r.queue_no or 0,
        )
    )
    consulting = tuple(
        sorted((r for r in queued if r.status == IN_CONSULTATION), key=lambda r: r.queue_no or 0)
    )
    clinic.audit_now(
        actor,
        audit.AuditEvent(
            action="reception.day_end",
            object_type="queue_day",
            object_id=the_day.isoformat(),
            detail=json.dumps(
                {
                    "still_waiting": len(still),
                    "in_consultation": len(consulting),
                    "no_shows_marked": marked,
                }
            ),
        ),
    )
    return DayEnd(still_waiting=still, in_consultation=consulting, no_shows_marked=marked)


# -- quality (B4) ---------------------------------------------------------------------------------


def wait_alert_summary(
    clinic: Clinic, actor: Actor, first_day: date, last_day: date
) -> WaitAlertSummary:
    """Long waits in a range of days and what was done about them (quality dashboard).

    A long wait is derived like the board's alert: from the check-in to the
    first of start, sent back, left or finished (or now), at least the current
    ``reception.wait_alert_minutes``.
    """
    clinic.require(actor, Action.QUALITY_REPORTS)
    first, last = _day_of(clinic, first_day), _day_of(clinic, last_day)
    if last < first:
        first, last = last, first
    threshold = int(clinic.setting("reception.wait_alert_minutes"))
    now = clinic.now()
    with clinic.store.unit_of_work(write=False) as uow:
        conn = uow.session.connection()
        params = (first.isoformat(), last.isoformat())
        spans = conn.exec_driver_sql(
            "SELECT q.id, "
            "min(CASE WHEN e.kind = 'checked_in' THEN e.at END), "
            "min(CASE WHEN e.kind IN ('started', 'sent_back', 'left', 'finished') "
            "THEN e.at END) "
            "FROM queue_entry q JOIN queue_event e ON e.entry_id = q.id "
            "WHERE q.day >= ? AND q.day <= ? AND q.deleted_at IS NULL "
            "AND e.deleted_at IS NULL GROUP BY q.id",
            params,
        ).all()
        handled_rows = conn.exec_driver_sql(
            "SELECT w.entry_id, w.actions FROM wait_alert w JOIN queue_entry q "
            "ON q.id = w.entry_id WHERE q.day >= ? AND q.day <= ? AND w.deleted_at IS NULL",
            params,
        ).all()
    checked_in = long_waits = 0
    for _entry_id, start, end in spans:
        if start is None:
            continue
        checked_in += 1
        until = ap._from_db(end) if end is not None else now
        if _minutes(until - ap._from_db(start)) >= threshold:
            long_waits += 1
    actions = dict.fromkeys(WAIT_ACTIONS, 0)
    for _entry_id, codes in handled_rows:
        for code in (codes or "").split(","):
            if code in actions:
                actions[code] += 1
    return WaitAlertSummary(
        first_day=first,
        last_day=last,
        checked_in=checked_in,
        long_waits=long_waits,
        handled=len({str(r[0]) for r in handled_rows}),
        actions=actions,
        wait_alert_minutes=threshold,
    )
