"""The appointment book (spec A1-A6, A9's no-show mark, A5's booking cutoff).

Every booking and move runs its checks and its write in ONE write transaction
(SQLite's BEGIN IMMEDIATE), so two desks on this machine cannot both take the
same slot: the doctor, a room or a device is never double-booked from here.
Rule numbers (cutoff, slot length, grace minutes ...) are clinic settings.

Instants are aware UTC datetimes; rosters are local minutes after midnight on
local dates, joined by the clinic's time zone (a setting), so a 09:00 booking
stays 09:00 on the wall clock across a daylight-saving change.

Membership (issue 11): a type with a ``benefit_key`` (home visits, H2) uses one of
a member's allowance in the booking's transaction (``membership.record_use_in``);
a cancellation gives it back, a no-show keeps it, a move keeps its one use (re-
counted only when it lands in another allowance period). The first slots of each
rostered day are held for members with priority booking until some days before
(A10, ``reserved_rule``): anyone else is asked to confirm (``MEMBER_SLOT``), and
free-slot offers for a non-member leave them out.
"""

from __future__ import annotations

import gc
import json
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import CONTEXT as ERRORS
from clinic_desk.core.errors import (
    ClinicError,
    DateOutOfRange,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.rules import slots
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import membership, rosters
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.base import from_stored, stored_utc
from clinic_desk.core.store.models import (
    Appointment,
    AppointmentResource,
    AppointmentType,
    DoctorProfile,
    Patient,
    QueueEntry,
    Resource,
    Staff,
    Visit,
)
from clinic_desk.core.store.store import UnitOfWork

CONTEXT = "Appointment"

# -- code tables ------------------------------------------------------------------

CHANNELS: dict[str, str] = {
    "phone": QT_TRANSLATE_NOOP("Appointment", "Phone"),
    "online": QT_TRANSLATE_NOOP("Appointment", "Online (WeChat / website)"),
    "on_site": QT_TRANSLATE_NOOP("Appointment", "On site"),
    "referral": QT_TRANSLATE_NOOP("Appointment", "Referral by a partner doctor"),
    "free_clinic": QT_TRANSLATE_NOOP("Appointment", "Free-clinic event"),
}

BOOKED = "booked"
CONFIRMED = "confirmed"
ARRIVED = "arrived"
IN_CONSULTATION = "in_consultation"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"

STATUSES: dict[str, str] = {
    BOOKED: QT_TRANSLATE_NOOP("Appointment", "Booked"),
    CONFIRMED: QT_TRANSLATE_NOOP("Appointment", "Confirmed"),
    ARRIVED: QT_TRANSLATE_NOOP("Appointment", "Arrived"),
    IN_CONSULTATION: QT_TRANSLATE_NOOP("Appointment", "In consultation"),
    DONE: QT_TRANSLATE_NOOP("Appointment", "Done"),
    NO_SHOW: QT_TRANSLATE_NOOP("Appointment", "No-show"),
    CANCELLED: QT_TRANSLATE_NOOP("Appointment", "Cancelled"),
}

# Allowed status changes. arrived -> booked is the same-day mistake correction
# (undo_arrival); booked -> arrived because many patients never confirm.
TRANSITIONS: dict[str, frozenset[str]] = {
    BOOKED: frozenset({CONFIRMED, ARRIVED, CANCELLED, NO_SHOW}),
    CONFIRMED: frozenset({ARRIVED, CANCELLED, NO_SHOW}),
    ARRIVED: frozenset({IN_CONSULTATION, BOOKED, CONFIRMED}),
    IN_CONSULTATION: frozenset({DONE}),
    DONE: frozenset(),
    NO_SHOW: frozenset(),
    CANCELLED: frozenset(),
}

# Statuses that hold their slot (and their rooms and devices).
ACTIVE_STATUSES = frozenset({BOOKED, CONFIRMED, ARRIVED, IN_CONSULTATION, DONE})
INACTIVE_STATUSES = frozenset({CANCELLED, NO_SHOW})
# Statuses showing the patient came (history for suggestions, first visit).
ATTENDED_STATUSES = frozenset({ARRIVED, IN_CONSULTATION, DONE})

# Confirmation reasons a booking may need (NeedsConfirmation.reasons).
PAST = "past"
OUTSIDE_HOURS = "outside_hours"
CLOSED_DAY = "closed_day"
PATIENT_BUSY = "patient_busy"
AFTER_CUTOFF = "after_cutoff"
# A10: a slot held for members with priority booking, asked of anyone else.
MEMBER_SLOT = "member_slot"
CONFIRM_REASONS = frozenset(
    {PAST, OUTSIDE_HOURS, CLOSED_DAY, PATIENT_BUSY, AFTER_CUTOFF, MEMBER_SLOT}
)

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
PARTS_OF_DAY: dict[str, tuple[int, int]] = {
    MORNING: (0, 12 * 60),
    AFTERNOON: (12 * 60, 18 * 60),
    EVENING: (18 * 60, 24 * 60),
}

# Input limits (not clinic rules): an appointment is 5 minutes to 12 hours.
MIN_MINUTES = 5
MAX_MINUTES = 12 * 60
MAX_PURPOSE = 200
MAX_NOTES = 5000
MAX_REASON = 500
MAX_RESOURCES = 20
NEXT_FREE_OFFERED = 3
NEXT_FREE_DAYS = 60
_FIRST_SEARCH_DAYS = 7
_DAY_MINUTES = 24 * 60


# -- errors that carry data for the dialog -------------------------------------------


class SlotTaken(ClinicError):
    """The doctor, a room or a device already holds an overlapping appointment."""

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "{holder} is already booked from {start} to {end}. Choose another time; the next "
        "free times are: {free}.",
    )

    def __init__(
        self,
        *,
        holder_kind: str,
        holder_id: uuid.UUID,
        holder_name: str,
        holder_appointment_id: uuid.UUID,
        holder_starts_at: datetime,
        holder_ends_at: datetime,
        next_free: list[datetime],
        zone: ZoneInfo,
    ) -> None:
        self.holder_kind = holder_kind  # "doctor", "room" or "device"
        self.holder_id = holder_id
        self.holder_name = holder_name
        self.holder_appointment_id = holder_appointment_id
        self.holder_starts_at = holder_starts_at
        self.holder_ends_at = holder_ends_at
        self.next_free = next_free
        template = None
        if not next_free:
            template = QT_TRANSLATE_NOOP(
                "Errors",
                "{holder} is already booked from {start} to {end}, and no free time of this "
                "length was found in the next {days} days. Try another doctor or a shorter "
                "appointment.",
            )
        super().__init__(
            template,
            holder=holder_name,
            start=_local_text(holder_starts_at, zone),
            end=_local_text(holder_ends_at, zone, time_only=True),
            free=", ".join(_local_text(t, zone) for t in next_free),
            days=NEXT_FREE_DAYS,
        )


class NeedsConfirmation(ClinicError):
    """The booking is possible but the desk must confirm each reason first."""

    template = QT_TRANSLATE_NOOP("Errors", "Please confirm before saving: {details}")

    def __init__(self, items: Mapping[str, tuple[str, dict[str, Any]]]) -> None:
        self.reasons = frozenset(items)
        self.items = dict(items)
        super().__init__(details=" ".join(self.sentences().values()))

    def sentences(self, translate: Translate = english) -> dict[str, str]:
        """One sentence per reason, in a fixed order, in the caller's language."""
        order = [PAST, AFTER_CUTOFF, CLOSED_DAY, OUTSIDE_HOURS, MEMBER_SLOT, PATIENT_BUSY]

        def rank(key: str) -> tuple[int, str]:
            # Reasons of other services (e.g. reception's "other_day") come after ours.
            return (order.index(key) if key in order else len(order), key)

        return {
            key: translate(ERRORS, self.items[key][0]).format(**self.items[key][1])
            for key in sorted(self.items, key=rank)
        }

    def message(self, translate: Translate = english) -> str:
        details = " ".join(self.sentences(translate).values())
        return translate(ERRORS, self.template).format(details=details)


class CutoffPassed(ClinicError):
    """A5: bookings for that day are closed and this person may not override it."""

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Bookings for {day} closed at {cutoff} the day before. Only the director can book "
        "it now (with a reason); ask them, or choose a later day.",
    )


class FirstVisitInfoMissing(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The first-visit information (location, parking, what to bring) has not been written "
        "yet. Ask the director to fill it in under Settings, Clinic.",
    )


# -- what callers get -----------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentView:
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    patient_phone: str
    doctor_id: uuid.UUID
    doctor_name: str
    type_id: uuid.UUID | None
    type_name: str
    starts_at: datetime  # UTC, aware
    ends_at: datetime
    status: str
    channel: str
    purpose: str
    notes: str
    add_on: bool
    series_id: uuid.UUID | None
    on_holiday: bool
    identity_checked: bool
    override_reason: str
    late_cancel: bool
    moved_from_id: uuid.UUID | None
    resource_ids: tuple[uuid.UUID, ...]
    confirmed_at: datetime | None = None
    arrived_at: datetime | None = None
    type_color: str = ""  # the calendar marks each block with its type's colour

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class CalendarRow(NamedTuple):
    """One appointment as the calendar grid shows it (``calendar_rows``).

    Only what a block paints: a week of 8 doctors is ~2,000 of these, and building
    the full ``AppointmentView`` (25 fields, four ids parsed) took longer than the
    query itself (bench/bench_calendar.py). Ids stay the stored hex text until asked
    for (``id``, ``patient_id``, ``series_id``); ``get_appointment(row.id)`` gives the
    full view when a block is opened. Field names match ``AppointmentView``'s.
    """

    key: str  # the appointment's id as stored (32 hex digits)
    doctor_id: uuid.UUID
    patient_key: str
    patient_name: str
    starts_at: datetime  # UTC, aware
    ends_at: datetime
    status: str
    type_name: str
    type_color: str
    purpose: str
    add_on: bool
    series_key: str | None
    on_holiday: bool

    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(self.key)

    @property
    def patient_id(self) -> uuid.UUID:
        return uuid.UUID(self.patient_key)

    @property
    def series_id(self) -> uuid.UUID | None:
        return None if self.series_key is None else uuid.UUID(self.series_key)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class BookingRequest:
    """The booking dialog's fields; ``book_request`` books it."""

    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    starts_at: datetime
    channel: str
    identity_checked: bool
    minutes: int | None = None
    type_id: uuid.UUID | None = None
    resource_ids: tuple[uuid.UUID, ...] = ()
    purpose: str = ""
    notes: str = ""
    add_on: bool = False
    confirm: frozenset[str] = frozenset()
    override_reason: str = ""
    # H2: the director's reason for a home visit past the membership's allowance.
    benefit_override_reason: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A4: a returning patient's usual doctor and time of day, and slots to offer."""

    usual_doctor_id: uuid.UUID | None
    usual_part_of_day: str | None  # "morning", "afternoon", "evening"
    slots: list[tuple[uuid.UUID, datetime]]


# -- small helpers ---------------------------------------------------------------------


def _local_text(moment: datetime, zone: ZoneInfo, *, time_only: bool = False) -> str:
    return moment.astimezone(zone).strftime("%H:%M" if time_only else "%Y-%m-%d %H:%M")


def _clean(value: str, *, multi_line: bool) -> str:
    # Control characters never reach the store (a NUL reads back as a damaged page).
    text = unicodedata.normalize("NFC", value)
    if multi_line:
        return "".join(c for c in text if c >= " " or c in "\t\n").strip()
    return "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n").strip()


def _text(
    value: object, label: str, limit: int, *, required: bool = False, multi_line: bool = False
) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be text."), label=label
        )
    text = _clean(value, multi_line=multi_line)
    if required and not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} is empty. Please fill it in."), label=label
        )
    if len(text) > limit:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} is too long: use at most {n} characters."),
            label=label,
            n=limit,
        )
    return text


def _utc(moment: object, label: str) -> datetime:
    if not isinstance(moment, datetime):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} is not a date and time. Pick it again."),
            label=label,
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The {label} has no time zone, so it could mean two different times. Pick it "
                "again on the calendar.",
            ),
            label=label,
        )
    # The calendar works in whole minutes.
    try:
        utc = moment.astimezone(UTC).replace(second=0, microsecond=0)
    except OverflowError:
        raise DateOutOfRange() from None
    DateOutOfRange.check(utc.date())  # room for the day and length arithmetic around it
    return utc


def _length(minutes: object) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The length should be a whole number of minutes.")
        )
    if minutes <= 0:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The appointment ends before or when it starts ({minutes} minutes). Give an "
                "end after the start, at least {low} minutes later.",
            ),
            minutes=minutes,
            low=MIN_MINUTES,
        )
    if minutes < MIN_MINUTES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "An appointment of {minutes} minutes is too short: use at least {low}."
            ),
            minutes=minutes,
            low=MIN_MINUTES,
        )
    if minutes > MAX_MINUTES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "An appointment of {minutes} minutes is too long: use at most {high} minutes "
                "(12 hours). Book several appointments for longer treatments.",
            ),
            minutes=minutes,
            high=MAX_MINUTES,
        )
    return minutes


def _channel(value: object) -> str:
    if value not in CHANNELS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Choose how the booking came in: phone, online, on site, referral or "
                "free-clinic event.",
            )
        )
    return str(value)


def _confirm_set(confirm: Iterable[str]) -> frozenset[str]:
    values = frozenset(confirm)
    unknown = values - CONFIRM_REASONS
    if unknown:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Unknown confirmation: {what}."),
            what=", ".join(sorted(str(u)[:30] for u in unknown)),
        )
    return values


def _resource_list(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    result: list[uuid.UUID] = []
    for rid in ids:
        if not isinstance(rid, uuid.UUID):
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "A room or device in the list is not valid.")
            )
        if rid not in result:
            result.append(rid)
    if len(result) > MAX_RESOURCES:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "An appointment can hold at most {n} rooms and devices."),
            n=MAX_RESOURCES,
        )
    return result


def _minute_of(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """A moment as local minutes after midnight of ``day``, clipped to the day."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return _DAY_MINUTES
    return local.hour * 60 + local.minute


def _cutoff(clinic: Clinic) -> time:
    return settings_catalog.parse_time(str(clinic.setting("appointments.booking_cutoff")))


# -- held slots for members (A10) and membership benefits (H2) ----------------------------

Span = tuple[int, int]
HeldSlots = dict[tuple[uuid.UUID, date], list[Span]]

def reserved_rule(clinic: Clinic) -> tuple[int, int]:
    """A10's settings: slots held per doctor and day, and how many days before the day
    they open to everyone."""
    return (
        int(clinic.setting("membership.reserved_slots_per_day")),
        int(clinic.setting("membership.reserved_release_days")),
    )


def held_opens_on(clinic: Clinic, day: date) -> date:
    """The day a held slot of ``day`` opens to everyone."""
    return day - timedelta(days=reserved_rule(clinic)[1])


def _held(
    clinic: Clinic,
    spans: Mapping[tuple[uuid.UUID, date], Sequence[Span]],
    today: date,
    members: bool,
) -> HeldSlots:
    """The held slots of each (doctor, day): the first N slots of the rostered day,
    until R days before it (``reserved_rule``). Rosters only, no bookings read."""
    count, release = reserved_rule(clinic)
    result: HeldSlots = {}
    if count <= 0 or not members:
        return result
    slot = int(clinic.setting("appointments.slot_minutes"))
    for key, day_spans in spans.items():
        if key[1] - timedelta(days=release) <= today or not day_spans:
            continue  # released: open to everyone
        held = slots.held_slots(day_spans, slot_minutes=slot, count=count)
        if held:
            result[key] = held
    return result


def held_slots_in(
    clinic: Clinic, session: Session, spans: Mapping[tuple[uuid.UUID, date], Sequence[Span]]
) -> HeldSlots:
    """``held_slots_from`` inside a caller's session."""
    today = clinic.today()
    return _held(clinic, spans, today, membership.priority_members_in(session, today))


def held_slots_from(
    clinic: Clinic, spans: Mapping[tuple[uuid.UUID, date], Sequence[Span]]
) -> HeldSlots:
    """The held slots (A10) for working spans the caller already read
    (``rosters.working_spans_range``): the calendar computes them once per draw."""
    count, _release = reserved_rule(clinic)
    if count <= 0 or not spans:
        return {}
    today = clinic.today()
    rows = clinic.store.read_rows(membership.PRIORITY_MEMBERS_SQL, membership.day_params(today))
    return _held(clinic, spans, today, bool(rows))


def _takes_held(session: Session, patient_id: uuid.UUID | None, today: date) -> bool:
    """Whether held slots are offered to this patient (A10): members with priority."""
    return patient_id is not None and membership.has_priority_in(session, patient_id, today)


def benefit_type_in(session: Session, type_id: uuid.UUID | None) -> str:
    """The membership benefit a type's bookings count against, or ""."""
    if type_id is None:
        return ""
    row = session.get(AppointmentType, type_id)
    return (row.benefit_key or "") if row is not None else ""


def refuse_benefit_series_in(
    session: Session, patient_id: uuid.UUID, type_id: uuid.UUID | None, day: date
) -> None:
    """H2: a series is not booked against a membership allowance. Each home visit is
    booked (and counted, and given back) on its own; a non-member's series is fine."""
    key = benefit_type_in(session, type_id)
    if not key or membership.allowance_in(session, patient_id, key, day) is None:
        return
    raise ValidationError(
        QT_TRANSLATE_NOOP(
            "Errors",
            "This patient is a member and this purpose counts against the membership's "
            "{benefit} allowance, which is counted one visit at a time. Book each visit on "
            "its own (without Repeat), so each one is counted.",
        ),
        benefit=membership.BENEFITS.get(key, key),
    )


def _count_benefit(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    *,
    appointment_id: uuid.UUID,
    patient_id: uuid.UUID,
    benefit_key: str,
    day: date,
    reason: str,
) -> bool:
    """H2: a booking of a benefit type uses one of a member's allowance, in the
    booking's transaction (``membership.QuotaExhausted`` past it, unless the director
    gives a reason). False when the patient has no such membership on ``day``."""
    found = membership.allowance_in(uow.session, patient_id, benefit_key, day)
    if found is None:
        return False
    after = membership.record_use_in(
        clinic,
        uow,
        actor,
        membership_id=found[0],
        patient_id=patient_id,
        benefit_key=benefit_key,
        day=day,
        appointment_id=appointment_id,
        note="appointment",
        override_reason=reason or None,
    )
    if after.used > after.quota:
        # Booked past the allowance by the director's word: the booking's own audit row.
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="appointment.benefit_override",
                object_type="appointment",
                object_id=appointment_id.hex,
                patient_id=patient_id,
                reason=reason,
                detail=json.dumps(
                    {
                        "benefit": benefit_key,
                        "membership_id": found[0].hex,
                        "used": after.used,
                        "quota": after.quota,
                        "first": after.first.isoformat(),
                        "last": after.last.isoformat(),
                    }
                ),
            ),
        )
    return True


# -- spans (the roster) and free time ---------------------------------------------------


# -- reading views -------------------------------------------------------------------------


# One hand-written statement for every list of appointments: the week view loads
# about 2,000 rows, and SQLAlchemy's per-column result processing cost more than
# the query itself (measured: 88 ms against 25 ms for 1,500 rows).
_VIEW_SQL = """
SELECT a.id, a.patient_id, p.family_name, p.given_name, p.phone, a.doctor_id,
       s.display_name, a.type_id, t.name, a.starts_at, a.ends_at, a.status, a.channel,
       a.purpose, a.notes, a.add_on, a.series_id, a.on_holiday,
       a.identity_checked_at IS NOT NULL, a.override_reason, a.late_cancel, a.moved_from_id,
       (SELECT group_concat(r.resource_id) FROM appointment_resource r
         WHERE r.appointment_id = a.id),
       a.confirmed_at, a.arrived_at, t.color
FROM appointment a
JOIN patient p ON p.id = a.patient_id
JOIN staff s ON s.id = a.doctor_id
LEFT JOIN appointment_type t ON t.id = a.type_id
WHERE a.deleted_at IS NULL
"""

# The grid's statement: CalendarRow's columns only. No resources subquery, no notes,
# and no staff join (the grid's columns name the doctor; the foreign key keeps every
# doctor_id a staff row, so the join never dropped a row): 25 ms against 37 ms for
# the week of 8 doctors (bench/bench_calendar.py).
_CALENDAR_SQL = """
SELECT a.id, a.doctor_id, a.patient_id, p.family_name, p.given_name, a.starts_at,
       a.ends_at, a.status, t.name, t.color, a.purpose, a.add_on, a.series_id, a.on_holiday
FROM appointment a
JOIN patient p ON p.id = a.patient_id
LEFT JOIN appointment_type t ON t.id = a.type_id
WHERE a.deleted_at IS NULL
"""


_db_time = stored_utc  # the text a UTCDateTime column holds


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class _Rows:
    """Turns raw rows into views, parsing each repeated id only once."""

    def __init__(self) -> None:
        self._ids: dict[str, uuid.UUID] = {}

    def uid(self, value: str | bytes) -> uuid.UUID:
        text = value.hex() if isinstance(value, bytes) else str(value)
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = uuid.UUID(text)
        return found

    def opt(self, value: str | bytes | None) -> uuid.UUID | None:
        return None if value is None else self.uid(value)

    def ids(self, text: str | None) -> tuple[uuid.UUID, ...]:
        result: list[uuid.UUID] = []
        for part in (text or "").split(","):
            if part.strip():
                try:
                    result.append(self.uid(part.strip()))
                except ValueError:
                    continue  # a damaged entry is left out, not fatal
        return tuple(result)

    def view(self, row: Sequence[Any]) -> AppointmentView:
        uid, opt = self.uid, self.opt
        values = (
            uuid.UUID(str(row[0])),
            uid(row[1]),
            display_name(row[2], row[3]),
            row[4],
            uid(row[5]),
            row[6],
            opt(row[7]),
            row[8] or "",
            _from_db(row[9]),
            _from_db(row[10]),
            row[11],
            row[12],
            row[13],
            row[14],
            bool(row[15]),
            opt(row[16]),
            bool(row[17]),
            bool(row[18]),
            row[19],
            bool(row[20]),
            opt(row[21]),
            self.ids(row[22]),
            None if row[23] is None else _from_db(row[23]),
            None if row[24] is None else _from_db(row[24]),
            row[25] or "",
        )
        # A frozen dataclass's __init__ sets each of the 25 fields through
        # object.__setattr__, a third of the time a week view takes to build;
        # filling the instance dict directly makes the same, still frozen, object.
        view = _new_object(AppointmentView)
        view.__dict__.update(zip(_VIEW_FIELDS, values, strict=True))
        return view


_new_object = object.__new__
_VIEW_FIELDS = tuple(f.name for f in fields(AppointmentView))


_from_db = from_stored  # the name the reception and calendar code use


def _from_db_or_none(value: str | datetime | None) -> datetime | None:
    return None if value is None else _from_db(value)


def _views_in(session: Session, where: str, params: Sequence[object]) -> list[AppointmentView]:
    session.flush()
    rows = session.connection().exec_driver_sql(_VIEW_SQL + where, tuple(params)).all()
    return _convert(rows)


def _view_of(session: Session, appointment_id: uuid.UUID) -> AppointmentView:
    found = _views_in(session, " AND a.id = ?", [appointment_id.hex])
    if not found:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment"))
    return found[0]


def _views(clinic: Clinic, where: str, params: Sequence[object]) -> list[AppointmentView]:
    # A single SELECT on a pooled connection, without a Session (see Store.read_rows).
    rows = clinic.store.read_rows(_VIEW_SQL + where, tuple(params))
    return _convert(rows)


def _convert(rows: Sequence[Sequence[Any]]) -> list[AppointmentView]:
    convert = _Rows()
    # A week is ~2,000 new objects, none in a reference cycle; left on, the cycle
    # collector runs a few times meanwhile and walks the whole heap (Qt, SQLAlchemy),
    # which took as long as the conversion itself (bench/bench_calendar.py).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [convert.view(r) for r in rows]
    finally:
        if was_enabled:
            gc.enable()


def _between(
    start_utc: datetime,
    end_utc: datetime,
    doctor_ids: Sequence[uuid.UUID] | None,
    include_cancelled: bool,
) -> tuple[str, list[object]] | None:
    """The WHERE part for appointments overlapping [start, end), or None when none can."""
    start, end = _utc(start_utc, "start"), _utc(end_utc, "end")
    if end <= start:
        return None
    # No appointment is longer than MAX_MINUTES, so this lower bound keeps the
    # (doctor_id, starts_at) / (starts_at) index range small.
    where = " AND a.starts_at >= ? AND a.starts_at < ? AND a.ends_at > ?"
    params: list[object] = [
        _db_time(start - timedelta(minutes=MAX_MINUTES)),
        _db_time(end),
        _db_time(start),
    ]
    if doctor_ids is not None:
        wanted = [d.hex for d in doctor_ids]
        if not wanted:
            return None
        where += f" AND a.doctor_id IN ({_marks(wanted)})"
        params += wanted
    if not include_cancelled:
        hidden = sorted(INACTIVE_STATUSES)
        where += f" AND a.status NOT IN ({_marks(hidden)})"
        params += hidden
    return where, params


def appointments_between(
    clinic: Clinic,
    actor: Actor,
    start_utc: datetime,
    end_utc: datetime,
    *,
    doctor_ids: Sequence[uuid.UUID] | None = None,
    include_cancelled: bool = False,
) -> list[AppointmentView]:
    """Appointments overlapping [start, end), ordered by start: the full views.

    The calendar grid loads ``calendar_rows`` instead (the fields it draws).
    """
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    found = _between(start_utc, end_utc, doctor_ids, include_cancelled)
    if found is None:
        return []
    where, params = found
    # Index order; ties between doctors need no order of their own (columns split them).
    return _views(clinic, where + " ORDER BY a.starts_at", params)


def calendar_rows(
    clinic: Clinic,
    actor: Actor,
    start_utc: datetime,
    end_utc: datetime,
    *,
    doctor_ids: Sequence[uuid.UUID] | None = None,
    include_cancelled: bool = False,
) -> list[CalendarRow]:
    """The same appointments as ``appointments_between``, as the grid draws them.

    Ordered by doctor, then start: the (doctor_id, starts_at) index's own order, so
    SQLite sorts nothing; the grid places each row by its doctor's column.
    Read afresh on every call (no cache): another desk's booking shows on the next load.
    """
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    found = _between(start_utc, end_utc, doctor_ids, include_cancelled)
    if found is None:
        return []
    where, params = found
    sql = _CALENDAR_SQL + where + " ORDER BY a.doctor_id, a.starts_at"
    # The fetched rows and the CalendarRows are new tuples, none in a cycle: the cycle
    # collector is held meanwhile, as in _convert (left on, it made two passes a call).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _calendar_convert(clinic.store.read_rows(sql, tuple(params)))
    finally:
        if was_enabled:
            gc.enable()


def _calendar_convert(rows: Sequence[Sequence[Any]]) -> list[CalendarRow]:
    doctors: dict[str, uuid.UUID] = {}  # a week shows a handful of doctors, parsed once
    result: list[CalendarRow] = []
    add = result.append
    for (
        key,
        doctor,
        patient,
        family,
        given,
        starts,
        ends,
        status,
        type_name,
        type_color,
        purpose,
        add_on,
        series,
        on_holiday,
    ) in rows:
        doctor_id = doctors.get(doctor)
        if doctor_id is None:
            doctor_id = doctors[doctor] = uuid.UUID(doctor)
        add(
            CalendarRow(
                key,
                doctor_id,
                patient,
                display_name(family, given),
                _from_db(starts),
                _from_db(ends),
                status,
                type_name or "",
                type_color or "",
                purpose,
                bool(add_on),
                series,
                bool(on_holiday),
            )
        )
    return result


def get_appointment(clinic: Clinic, actor: Actor, appointment_id: uuid.UUID) -> AppointmentView:
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    found = _views(clinic, " AND a.id = ?", [appointment_id.hex])
    if not found:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment"))
    return found[0]


def patient_appointments(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID
) -> list[AppointmentView]:
    """All of a patient's appointments, newest first, cancelled ones included."""
    clinic.require(actor, Action.APPOINTMENT_VIEW, patient_id=patient_id)
    return _views(clinic, " AND a.patient_id = ? ORDER BY a.starts_at DESC", [patient_id.hex])


# -- loading for checks ----------------------------------------------------------------------


def _load(session: Session, appointment_id: uuid.UUID) -> Appointment:
    row = session.get(Appointment, appointment_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment"))
    return row


def _patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    if patient.merged_into is not None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This patient record was merged into another one. Search for the patient "
                "again and book on the record that remains.",
            )
        )
    return patient


def _bookable_doctor(session: Session, doctor_id: uuid.UUID) -> Staff:
    doctor = session.get(Staff, doctor_id)
    if doctor is None or doctor.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "doctor"))
    if doctor.disabled_at is not None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{name}'s account is disabled, so no new appointments can be made with them. "
                "Choose another doctor; their existing appointments stay in the calendar.",
            ),
            name=doctor.display_name,
        )
    profile = session.execute(
        select(DoctorProfile.bookable).where(
            DoctorProfile.staff_id == doctor_id, DoctorProfile.deleted_at.is_(None)
        )
    ).first()
    in_role = doctor.role in rosters.BOOKABLE_ROLES
    bookable = in_role and (profile is None or bool(profile[0]))
    if not bookable:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{name} is not open for booking. Choose another doctor, or ask the director to "
                "make {name} bookable in the roster.",
            ),
            name=doctor.display_name,
        )
    return doctor


def _type(session: Session, type_id: uuid.UUID | None) -> AppointmentType | None:
    if type_id is None:
        return None
    row = session.get(AppointmentType, type_id)
    if row is None or row.deleted_at is not None or not row.active:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "That appointment type is no longer offered. Choose another type.",
            )
        )
    return row


def _resources(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Resource]:
    if not ids:
        return {}
    rows = (
        session.execute(
            select(Resource).where(Resource.id.in_(list(ids)), Resource.deleted_at.is_(None))
        )
        .scalars()
        .all()
    )
    found = {r.id: r for r in rows}
    for rid in ids:
        res = found.get(rid)
        if res is None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "room or device"))
        if not res.active:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "{name} is out of use. Choose another room or device."),
                name=res.name,
            )
    return found


def _doctor_busy(
    session: Session,
    doctor_id: uuid.UUID,
    start: datetime,
    end: datetime,
    exclude: uuid.UUID | None,
) -> list[tuple[uuid.UUID, datetime, datetime]]:
    stmt = select(Appointment.id, Appointment.starts_at, Appointment.ends_at).where(
        Appointment.doctor_id == doctor_id,
        Appointment.starts_at >= start - timedelta(minutes=MAX_MINUTES),
        Appointment.starts_at < end,
        Appointment.ends_at > start,
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.deleted_at.is_(None),
    )
    if exclude is not None:
        stmt = stmt.where(Appointment.id != exclude)
    return [(r[0], r[1], r[2]) for r in session.execute(stmt.order_by(Appointment.starts_at))]


def _resource_busy(
    session: Session,
    resource_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    exclude: uuid.UUID | None,
) -> list[tuple[uuid.UUID, uuid.UUID, datetime, datetime]]:
    if not resource_ids:
        return []
    stmt = select(
        AppointmentResource.resource_id,
        AppointmentResource.appointment_id,
        AppointmentResource.starts_at,
        AppointmentResource.ends_at,
    ).where(
        AppointmentResource.resource_id.in_(list(resource_ids)),
        AppointmentResource.starts_at >= start - timedelta(minutes=MAX_MINUTES),
        AppointmentResource.starts_at < end,
        AppointmentResource.ends_at > start,
        AppointmentResource.active.is_(True),
    )
    if exclude is not None:
        stmt = stmt.where(AppointmentResource.appointment_id != exclude)
    rows = session.execute(stmt.order_by(AppointmentResource.starts_at)).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _busy_by_day(
    session: Session,
    doctor_id: uuid.UUID | None,
    resource_ids: Sequence[uuid.UUID],
    lo: datetime,
    hi: datetime,
    exclude: uuid.UUID | None,
    zone: ZoneInfo,
) -> dict[date, list[tuple[int, int]]]:
    """Busy local minutes per local day for a doctor and/or resources in [lo, hi).

    Plain SQL with only the two times: the free-slot search runs on every
    keystroke of the booking dialog and must stay well under 20 ms.
    """
    params: list[object] = [_db_time(lo - timedelta(minutes=MAX_MINUTES)), _db_time(hi)]
    params.append(_db_time(lo))
    parts: list[str] = []
    skip = exclude.hex if exclude is not None else ""
    if doctor_id is not None:
        active = sorted(ACTIVE_STATUSES)
        parts.append(
            "SELECT starts_at, ends_at FROM appointment WHERE doctor_id = ? AND starts_at >= ? "
            "AND starts_at < ? AND ends_at > ? AND deleted_at IS NULL AND id != ? "
            f"AND status IN ({_marks(active)})"
        )
        all_params: list[object] = [doctor_id.hex, *params, skip, *active]
    else:
        all_params = []
    if resource_ids:
        parts.append(
            "SELECT starts_at, ends_at FROM appointment_resource WHERE "
            f"resource_id IN ({_marks(resource_ids)}) AND starts_at >= ? AND starts_at < ? "
            "AND ends_at > ? AND active = 1 AND appointment_id != ?"
        )
        all_params += [r.hex for r in resource_ids] + [*params, skip]
    result: dict[date, list[tuple[int, int]]] = {}
    if not parts:
        return result
    one_day = timedelta(days=1)
    for s_text, e_text in session.connection().exec_driver_sql(
        " UNION ALL ".join(parts), tuple(all_params)
    ):
        start, end = _from_db(s_text).astimezone(zone), _from_db(e_text).astimezone(zone)
        last = end.date()
        end_minute = end.hour * 60 + end.minute + (1 if end.second or end.microsecond else 0)
        day = start.date()
        while day <= last:
            a = start.hour * 60 + start.minute if day == start.date() else 0
            b = end_minute if day == last else _DAY_MINUTES
            if b > a:
                result.setdefault(day, []).append((a, b))
            day += one_day
    return result


def search_chunks(first_day: date, last_day: date) -> list[tuple[date, date]]:
    """The windows the free-slot search loads one after another: a week, then two,
    four... Most searches end in the first; a long slot in a full book is usually a
    couple of weeks out, and loading all 60 days for it cost more than the search."""
    chunks: list[tuple[date, date]] = []
    start, days = first_day, _FIRST_SEARCH_DAYS
    while start <= last_day:
        end = min(start + timedelta(days=days - 1), last_day)
        chunks.append((start, end))
        start, days = end + timedelta(days=1), days * 2
    return chunks


def _search_free(
    clinic: Clinic,
    session: Session,
    doctor_id: uuid.UUID,
    *,
    minutes: int,
    after: datetime,
    resource_ids: Sequence[uuid.UUID] = (),
    days_ahead: int = NEXT_FREE_DAYS,
    limit: int = 1,
    exclude: uuid.UUID | None = None,
    part_of_day: str | None = None,
    check_doctor: bool = True,
    patient_id: uuid.UUID | None = None,
) -> list[datetime]:
    """The first ``limit`` free starts from ``after``, in working time.

    Loads the window in growing chunks (``search_chunks``); never the whole table.
    With a ``patient_id`` who is not a member with priority booking, slots held for
    members (A10) are not offered; without a patient every free slot is.
    """
    zone = clinic.timezone()
    today = clinic.today()
    hide_held = (
        patient_id is not None
        and reserved_rule(clinic)[0] > 0
        and membership.priority_members_in(session, today)
        and not _takes_held(session, patient_id, today)
    )
    slot = int(clinic.setting("appointments.slot_minutes"))
    after = max(after, clinic.now())
    local_after = after.astimezone(zone)
    first_day = local_after.date()
    last_day = first_day + timedelta(days=max(days_ahead, 0))
    after_minute = local_after.hour * 60 + local_after.minute
    if local_after.second or local_after.microsecond:
        after_minute += 1
    window = PARTS_OF_DAY[part_of_day] if part_of_day else (0, _DAY_MINUTES)
    found: list[datetime] = []
    for chunk_start, chunk_end in search_chunks(first_day, last_day):
        if len(found) >= limit:
            break
        spans_by_day = rosters.working_spans_range_in(session, [doctor_id], chunk_start, chunk_end)
        busy = _busy_by_day(
            session,
            doctor_id if check_doctor else None,
            resource_ids,
            slots.day_bounds_utc(chunk_start, zone)[0],
            slots.day_bounds_utc(chunk_end, zone)[1],
            exclude,
            zone,
        )
        held = _held(clinic, spans_by_day, today, True) if hide_held else {}
        day = chunk_start
        while day <= chunk_end and len(found) < limit:
            spans = slots.intersect(spans_by_day.get((doctor_id, day), []), [window])
            if spans:
                starts = slots.free_slots(
                    spans,
                    busy.get(day, []) + held.get((doctor_id, day), []),
                    slot_minutes=slot,
                    length_minutes=minutes,
                    not_before=after_minute if day == first_day else None,
                    limit=limit - len(found),
                )
                found += [slots.local_to_utc(day, m, zone) for m in starts]
            day += timedelta(days=1)
    return [moment for moment in found if moment >= after][:limit]


# -- the checks shared by book and move ---------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    start: datetime
    end: datetime
    day: date
    minutes: int


def _slot(clinic: Clinic, starts_at: datetime, minutes: int) -> _Slot:
    zone = clinic.timezone()
    end = starts_at + timedelta(minutes=minutes)
    local_start, local_end = starts_at.astimezone(zone), end.astimezone(zone)
    day = local_start.date()
    ends_at_midnight = local_end.date() == day + timedelta(days=1) and local_end.time() == time()
    if local_end.date() != day and not ends_at_midnight:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The appointment from {start} to {end} runs past midnight. End it by 24:00, "
                "or book a second appointment for the next day.",
            ),
            start=_local_text(starts_at, zone),
            end=_local_text(end, zone),
        )
    return _Slot(starts_at, end, day, minutes)


def _cutoff_applies(clinic: Clinic, day: date) -> bool:
    """A5: today's and (after the cutoff) tomorrow's bookings are closed."""
    zone = clinic.timezone()
    local_now = clinic.now().astimezone(zone)
    today = local_now.date()
    if day == today:
        return True
    return day == today + timedelta(days=1) and local_now.time() >= _cutoff(clinic)


def _pre_checks(
    clinic: Clinic,
    actor: Actor,
    slot: _Slot,
    *,
    cutoff_relevant: bool,
    confirm: frozenset[str],
    override_reason: str,
    object_id: str,
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Confirmations that need no database: past, after the cutoff, closed day.

    A person who may not override the cutoff is refused here, outside the write
    transaction, so the denial can be audited on its own.
    """
    zone = clinic.timezone()
    items: dict[str, tuple[str, dict[str, Any]]] = {}
    if slot.start < clinic.now():
        items[PAST] = (
            QT_TRANSLATE_NOOP(
                "Errors", "{start} is in the past. Book it anyway only to record a visit."
            ),
            {"start": _local_text(slot.start, zone)},
        )
    if cutoff_relevant and _cutoff_applies(clinic, slot.day):
        cutoff = str(clinic.setting("appointments.booking_cutoff"))
        try:
            clinic.require(
                actor,
                Action.BOOKING_OVERRIDE,
                object_type="appointment",
                object_id=object_id,
                detail=json.dumps({"day": slot.day.isoformat()}),
            )
        except PermissionDenied:
            # The one denial row is written; the desk is told who can book instead.
            raise CutoffPassed(day=slot.day.isoformat(), cutoff=cutoff) from None
        items[AFTER_CUTOFF] = (
            QT_TRANSLATE_NOOP(
                "Errors",
                "Bookings for {day} closed at {cutoff} the day before. As director you may book "
                "anyway: give a reason, it is recorded.",
            ),
            {"day": slot.day.isoformat(), "cutoff": cutoff},
        )
        if AFTER_CUTOFF in confirm and not override_reason:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Give a reason for booking after the cutoff; it is kept in the audit log.",
                )
            )
    info = rosters.day_info(clinic, slot.day)
    if info.closed:
        items[CLOSED_DAY] = (
            QT_TRANSLATE_NOOP(
                "Errors", "The clinic is closed on {day} ({why}). Book on that day anyway?"
            ),
            {
                "day": slot.day.isoformat(),
                "why": info.closure_reason or info.holiday_name_zh or info.holiday_name,
            },
        )
    return items


def _check_in_session(
    clinic: Clinic,
    session: Session,
    *,
    slot: _Slot,
    doctor: Staff,
    patient_id: uuid.UUID,
    resources: Mapping[uuid.UUID, Resource],
    add_on: bool,
    exclude: uuid.UUID | None,
    items: dict[str, tuple[str, dict[str, Any]]],
    confirm: frozenset[str],
    old_place: tuple[uuid.UUID, date, int, int] | None = None,
) -> None:
    """Conflicts (SlotTaken), then every confirmation together (NeedsConfirmation).

    ``old_place`` (doctor, day, first and last minute) is where a moved appointment
    was: held slots (A10) it already covered there are not asked about again.
    """
    zone = clinic.timezone()
    resource_ids = list(resources)

    def offer() -> list[datetime]:
        return _search_free(
            clinic,
            session,
            doctor.id,
            minutes=slot.minutes,
            after=slot.start,
            resource_ids=resource_ids,
            limit=NEXT_FREE_OFFERED,
            exclude=exclude,
            check_doctor=not add_on,
            patient_id=patient_id,
        )

    for rid, holder_id, h_start, h_end in _resource_busy(
        session, resource_ids, slot.start, slot.end, exclude
    ):
        res = resources[rid]
        raise SlotTaken(
            holder_kind=res.kind if res.kind in ("room", "device") else "device",
            holder_id=rid,
            holder_name=res.name,
            holder_appointment_id=holder_id,
            holder_starts_at=h_start,
            holder_ends_at=h_end,
            next_free=offer(),
            zone=zone,
        )
    if not add_on:
        for holder_id, h_start, h_end in _doctor_busy(
            session, doctor.id, slot.start, slot.end, exclude
        ):
            raise SlotTaken(
                holder_kind="doctor",
                holder_id=doctor.id,
                holder_name=doctor.display_name,
                holder_appointment_id=holder_id,
                holder_starts_at=h_start,
                holder_ends_at=h_end,
                next_free=offer(),
                zone=zone,
            )
    day_spans = rosters.working_spans_range_in(session, [doctor.id], slot.day, slot.day)
    spans = day_spans.get((doctor.id, slot.day), [])
    first = _minute_of(slot.start, slot.day, zone)
    last = _minute_of(slot.end, slot.day, zone)
    _check_held(clinic, session, slot, doctor, patient_id, day_spans, items, old_place)
    if not slots.covers(spans, (first, last)):
        hours = ", ".join(
            f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in spans
        )
        items[OUTSIDE_HOURS] = (
            QT_TRANSLATE_NOOP(
                "Errors",
                "{start} to {end} is outside {name}'s working hours that day ({hours}). Book "
                "anyway?",
            ),
            {
                "start": _local_text(slot.start, zone),
                "end": _local_text(slot.end, zone, time_only=True),
                "name": doctor.display_name,
                "hours": hours or "-",
            },
        )
    other = session.execute(
        select(Appointment.starts_at, Appointment.ends_at, Staff.display_name)
        .join(Staff, Staff.id == Appointment.doctor_id)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.starts_at >= slot.start - timedelta(minutes=MAX_MINUTES),
            Appointment.starts_at < slot.end,
            Appointment.ends_at > slot.start,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.deleted_at.is_(None),
            *([Appointment.id != exclude] if exclude is not None else []),
        )
        .limit(1)
    ).first()
    if other is not None:
        items[PATIENT_BUSY] = (
            QT_TRANSLATE_NOOP(
                "Errors",
                "This patient already has an appointment from {start} to {end} with {doctor}. "
                "Book both anyway?",
            ),
            {
                "start": _local_text(other[0], zone),
                "end": _local_text(other[1], zone, time_only=True),
                "doctor": other[2],
            },
        )
    missing = {k: v for k, v in items.items() if k not in confirm}
    if missing:
        raise NeedsConfirmation(missing)


def _check_held(
    clinic: Clinic,
    session: Session,
    slot: _Slot,
    doctor: Staff,
    patient_id: uuid.UUID,
    day_spans: Mapping[tuple[uuid.UUID, date], Sequence[Span]],
    items: dict[str, tuple[str, dict[str, Any]]],
    old_place: tuple[uuid.UUID, date, int, int] | None,
) -> None:
    """A10: a slot held for members asks before anyone else takes it."""
    if reserved_rule(clinic)[0] <= 0:
        return
    zone = clinic.timezone()
    span = (_minute_of(slot.start, slot.day, zone), _minute_of(slot.end, slot.day, zone))
    held = held_slots_in(clinic, session, day_spans).get((doctor.id, slot.day), [])
    taken = [h for h in held if slots.overlaps(h, span)]
    if old_place is not None and old_place[:2] == (doctor.id, slot.day):
        taken = [h for h in taken if not slots.overlaps(h, old_place[2:])]
    if not taken or _takes_held(session, patient_id, clinic.today()):
        return
    first = taken[0][0]
    items[MEMBER_SLOT] = (
        QT_TRANSLATE_NOOP(
            "Errors",
            "{start} is held for members with priority booking until {opens}; from that "
            "day it is open to everyone. This patient is not such a member: book the held "
            "time anyway?",
        ),
        {
            "start": _local_text(slots.local_to_utc(slot.day, first, zone), zone),
            "opens": held_opens_on(clinic, slot.day).isoformat(),
        },
    )


def _require_identity(identity_checked: object) -> None:
    if identity_checked is not True:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Bookings are real-name: check the patient's identity document (or confirm "
                'name and ID number on the phone), then tick "Identity checked".',
            )
        )


def _changes(*ids: uuid.UUID) -> Changes:
    return Changes(frozenset({Topic.APPOINTMENTS}), frozenset(ids))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


# -- booking ---------------------------------------------------------------------------------------


def book(
    clinic: Clinic,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    doctor_id: uuid.UUID,
    starts_at: datetime,
    channel: str,
    identity_checked: bool,
    minutes: int | None = None,
    ends_at: datetime | None = None,
    type_id: uuid.UUID | None = None,
    resource_ids: Sequence[uuid.UUID] = (),
    purpose: str = "",
    notes: str = "",
    add_on: bool = False,
    confirm: Iterable[str] = frozenset(),
    override_reason: str = "",
    benefit_override_reason: str = "",
) -> Written[AppointmentView]:
    """Book one appointment (A1-A6); raises SlotTaken or NeedsConfirmation when it must.

    ``ends_at`` may be given instead of ``minutes`` (a drag on the calendar).
    ``add_on`` (临时加号) books over the doctor's own bookings, flagged; rooms and
    devices still cannot be double-booked. A type with a membership benefit (H2, home
    visits) uses one of a member's allowance in the same transaction; past it
    ``membership.QuotaExhausted`` is raised and nothing is written, unless the director
    gives ``benefit_override_reason``. A non-member books as usual, nothing counted.
    """
    clinic.require(actor, Action.APPOINTMENT_MANAGE, patient_id=patient_id)
    start = _utc(starts_at, "start time")
    the_channel = _channel(channel)
    _require_identity(identity_checked)
    the_purpose = _text(purpose, "purpose", MAX_PURPOSE)
    the_notes = _text(notes, "notes", MAX_NOTES, multi_line=True)
    reason = _text(override_reason, "reason", MAX_REASON)
    benefit_reason = _text(benefit_override_reason, "reason", MAX_REASON)
    confirmed = _confirm_set(confirm)
    wanted = _resource_list(resource_ids)
    if ends_at is not None:
        length = _length(int((_utc(ends_at, "end time") - start).total_seconds() // 60))
    elif minutes is not None:
        length = _length(minutes)
    else:
        length = 0  # the type's default, read below
    # The type's default length is needed before the pre-checks (for the end time).
    with clinic.store.unit_of_work(write=False) as uow:
        the_type = _type(uow.session, type_id)
        if length == 0:
            length = _length(
                the_type.default_minutes
                if the_type is not None
                else int(clinic.setting("appointments.slot_minutes"))
            )
    slot = _slot(clinic, start, length)
    items = _pre_checks(
        clinic,
        actor,
        slot,
        cutoff_relevant=True,
        confirm=confirmed,
        override_reason=reason,
        object_id="",
    )
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        _patient(session, patient_id)
        doctor = _bookable_doctor(session, doctor_id)
        the_type = _type(session, type_id)
        needed = list(rosters.parse_resource_ids(the_type.resource_ids if the_type else ""))
        needed += [r for r in wanted if r not in needed]
        resources = _resources(session, needed)
        _check_in_session(
            clinic,
            session,
            slot=slot,
            doctor=doctor,
            patient_id=patient_id,
            resources=resources,
            add_on=bool(add_on),
            exclude=None,
            items=items,
            confirm=confirmed,
        )
        now = clinic.now()
        overridden = sorted(items)
        row = Appointment(
            patient_id=patient_id,
            doctor_id=doctor.id,
            type_id=the_type.id if the_type else None,
            starts_at=slot.start,
            ends_at=slot.end,
            status=BOOKED,
            channel=the_channel,
            purpose=the_purpose,
            notes=the_notes,
            add_on=bool(add_on),
            on_holiday=CLOSED_DAY in items,
            identity_checked_at=now,
            identity_checked_by=actor.staff_id,
            booked_by=actor.staff_id,
            override_reason=reason if overridden else "",
            # The clinic's clock, not the wall clock: the revisit rate (A9) compares
            # when a booking was made with when the visit was.
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        for rid in resources:
            session.add(
                AppointmentResource(
                    appointment_id=row.id,
                    resource_id=rid,
                    starts_at=slot.start,
                    ends_at=slot.end,
                    active=True,
                )
            )
        detail = {
            "doctor_id": doctor.id.hex,
            "starts_at": _iso(slot.start),
            "ends_at": _iso(slot.end),
            "channel": the_channel,
            "add_on": bool(add_on),
            "confirmed": overridden,
            "resource_ids": [r.hex for r in resources],
        }
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="appointment.book",
                object_type="appointment",
                object_id=row.id.hex,
                patient_id=patient_id,
                reason=row.override_reason,
                detail=json.dumps(detail),
            ),
        )
        if AFTER_CUTOFF in items:
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="appointment.cutoff_override",
                    object_type="appointment",
                    object_id=row.id.hex,
                    patient_id=patient_id,
                    reason=reason,
                    detail=json.dumps({"day": slot.day.isoformat()}),
                ),
            )
        counted = False
        if the_type is not None and the_type.benefit_key:
            counted = _count_benefit(
                clinic,
                uow,
                actor,
                appointment_id=row.id,
                patient_id=patient_id,
                benefit_key=the_type.benefit_key,
                day=slot.day,
                reason=benefit_reason,
            )
        view = _view_of(session, row.id)
        uow.commit()
    changes = _changes(view.id, patient_id, doctor.id)
    if counted:
        changes = changes | Changes(frozenset({Topic.MEMBERSHIP}), frozenset({patient_id}))
    return Written(view, changes)


def book_request(clinic: Clinic, actor: Actor, request: BookingRequest) -> Written[AppointmentView]:
    """``book`` with the dialog's fields in one value."""
    return book(
        clinic,
        actor,
        patient_id=request.patient_id,
        doctor_id=request.doctor_id,
        starts_at=request.starts_at,
        channel=request.channel,
        identity_checked=request.identity_checked,
        minutes=request.minutes,
        type_id=request.type_id,
        resource_ids=request.resource_ids,
        purpose=request.purpose,
        notes=request.notes,
        add_on=request.add_on,
        confirm=request.confirm,
        override_reason=request.override_reason,
        benefit_override_reason=request.benefit_override_reason,
    )


def move(
    clinic: Clinic,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    starts_at: datetime,
    identity_checked: bool,
    minutes: int | None = None,
    ends_at: datetime | None = None,
    doctor_id: uuid.UUID | None = None,
    add_on: bool | None = None,
    confirm: Iterable[str] = frozenset(),
    override_reason: str = "",
    benefit_override_reason: str = "",
) -> Written[AppointmentView]:
    """Move or resize in place (the id stays, so the calendar's selection survives).

    The same checks as booking, the appointment itself left out of the
    conflicts; identity is checked again (A2: real-name when changing). The
    cutoff (A5) applies only when the appointment moves to another day.
    A counted home visit (H2) keeps its one use while it stays in the same
    allowance period; moved into another period (or another membership), the use
    is given back and counted again there (``QuotaExhausted`` if that period is
    full, unless the director gives ``benefit_override_reason``).
    """
    clinic.require(actor, Action.APPOINTMENT_MANAGE)
    start = _utc(starts_at, "start time")
    _require_identity(identity_checked)
    reason = _text(override_reason, "reason", MAX_REASON)
    benefit_reason = _text(benefit_override_reason, "reason", MAX_REASON)
    confirmed = _confirm_set(confirm)
    with clinic.store.unit_of_work(write=False) as uow:
        current = _load(uow.session, appointment_id)
        old_start, old_end, old_doctor = current.starts_at, current.ends_at, current.doctor_id
        old_status, patient_id = current.status, current.patient_id
        keep_add_on = current.add_on
    if old_status not in (BOOKED, CONFIRMED):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This appointment is {status} and can no longer be moved. Book a new one instead.",
            ),
            status=old_status,
        )
    if ends_at is not None:
        length = _length(int((_utc(ends_at, "end time") - start).total_seconds() // 60))
    elif minutes is not None:
        length = _length(minutes)
    else:
        length = int((old_end - old_start).total_seconds() // 60)
    slot = _slot(clinic, start, length)
    zone = clinic.timezone()
    new_day = slot.day != old_start.astimezone(zone).date()
    items = _pre_checks(
        clinic,
        actor,
        slot,
        cutoff_relevant=new_day,
        confirm=confirmed,
        override_reason=reason,
        object_id=appointment_id.hex,
    )
    the_add_on = keep_add_on if add_on is None else bool(add_on)
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        row = _load(session, appointment_id)
        if (row.starts_at, row.ends_at, row.doctor_id, row.status) != (
            old_start,
            old_end,
            old_doctor,
            old_status,
        ):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Someone changed this appointment a moment ago. Look at it again, then "
                    "move it.",
                )
            )
        _patient(session, row.patient_id)
        doctor = _bookable_doctor(session, doctor_id or row.doctor_id)
        held = [
            r[0]
            for r in session.execute(
                select(AppointmentResource.resource_id).where(
                    AppointmentResource.appointment_id == row.id
                )
            )
        ]
        resources = _resources(session, held)
        _check_in_session(
            clinic,
            session,
            slot=slot,
            doctor=doctor,
            patient_id=row.patient_id,
            resources=resources,
            add_on=the_add_on,
            exclude=row.id,
            items=items,
            confirm=confirmed,
            old_place=(
                old_doctor,
                old_start.astimezone(zone).date(),
                _minute_of(old_start, old_start.astimezone(zone).date(), zone),
                _minute_of(old_end, old_start.astimezone(zone).date(), zone),
            ),
        )
        recounted = _recount_benefit(
            clinic,
            uow,
            actor,
            row,
            old_day=old_start.astimezone(zone).date(),
            new_day=slot.day,
            reason=benefit_reason,
        )
        now = clinic.now()
        if slot.start != old_start or doctor.id != old_doctor:
            # A confirmation was for the old time or doctor (A5): ask again.
            row.status, row.confirmed_at = BOOKED, None
        row.starts_at, row.ends_at, row.doctor_id = slot.start, slot.end, doctor.id
        row.add_on = the_add_on
        row.on_holiday = CLOSED_DAY in items
        row.identity_checked_at, row.identity_checked_by = now, actor.staff_id
        if items:
            row.override_reason = reason
        session.execute(
            update(AppointmentResource)
            .where(AppointmentResource.appointment_id == row.id)
            .values(starts_at=slot.start, ends_at=slot.end)
        )
        detail = {
            "old": {
                "doctor_id": old_doctor.hex,
                "starts_at": _iso(old_start),
                "ends_at": _iso(old_end),
            },
            "new": {
                "doctor_id": doctor.id.hex,
                "starts_at": _iso(slot.start),
                "ends_at": _iso(slot.end),
            },
            "confirmed": sorted(items),
        }
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="appointment.move",
                object_type="appointment",
                object_id=row.id.hex,
                patient_id=patient_id,
                reason=reason if items else "",
                detail=json.dumps(detail),
            ),
        )
        if AFTER_CUTOFF in items:
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="appointment.cutoff_override",
                    object_type="appointment",
                    object_id=row.id.hex,
                    patient_id=patient_id,
                    reason=reason,
                    detail=json.dumps({"day": slot.day.isoformat()}),
                ),
            )
        view = _view_of(session, row.id)
        uow.commit()
    changes = _changes(view.id, patient_id, old_doctor, doctor.id)
    if recounted:
        changes = changes | Changes(frozenset({Topic.MEMBERSHIP}), frozenset({patient_id}))
    return Written(view, changes)


def _recount_benefit(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    row: Appointment,
    *,
    old_day: date,
    new_day: date,
    reason: str,
) -> bool:
    """A moved home visit (H2): one use, in the period of the day it now falls on.

    Never two uses for one visit: the old use is given back before the new one is
    counted, in the move's transaction. A booking that was not counted (no
    membership when booked) is not counted by moving it either.
    """
    key = benefit_type_in(uow.session, row.type_id)
    if not key or old_day == new_day:
        return False
    before = membership.allowance_in(uow.session, row.patient_id, key, old_day)
    after = membership.allowance_in(uow.session, row.patient_id, key, new_day)
    if (
        before is not None
        and after is not None
        and before[0] == after[0]
        and before[1].first == after[1].first
    ):
        return False  # the same allowance period: the use stays as it is
    had = membership.undo_for_appointment_in(
        clinic, uow, actor, row.id, f"moved to {new_day.isoformat()}"
    )
    if had and after is not None:
        _count_benefit(
            clinic,
            uow,
            actor,
            appointment_id=row.id,
            patient_id=row.patient_id,
            benefit_key=key,
            day=new_day,
            reason=reason,
        )
    return had


def cancel(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID, *, reason: str
) -> Written[AppointmentView]:
    """Cancel; late when within ``appointments.late_cancel_hours`` of the start (A9)."""
    clinic.require(actor, Action.APPOINTMENT_MANAGE)
    why = _text(reason, "reason for cancelling", MAX_REASON, required=True)
    late_hours = int(clinic.setting("appointments.late_cancel_hours"))
    with clinic.store.unit_of_work(write=True) as uow:
        row = _load(uow.session, appointment_id)
        _check_transition(row.status, CANCELLED)
        now = clinic.now()
        row.status, row.cancelled_at, row.cancelled_by = CANCELLED, now, actor.staff_id
        row.cancel_reason = why
        row.late_cancel = row.starts_at - now < timedelta(hours=late_hours)
        _free_resources(uow.session, row.id)
        # H2: a cancelled home visit gives its use of the allowance back (a no-show
        # keeps it: the visit was held for the patient).
        returned = membership.undo_for_appointment_in(
            clinic, uow, actor, row.id, f"appointment cancelled: {why}"[:MAX_REASON]
        )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="appointment.cancel",
                object_type="appointment",
                object_id=row.id.hex,
                patient_id=row.patient_id,
                reason=why,
                detail=json.dumps({"late": row.late_cancel, "starts_at": _iso(row.starts_at)}),
            ),
        )
        view = _view_of(uow.session, row.id)
        uow.commit()
    changes = _changes(view.id, view.patient_id, view.doctor_id)
    if returned:
        changes = changes | Changes(frozenset({Topic.MEMBERSHIP}), frozenset({view.patient_id}))
    return Written(view, changes)


def _free_resources(session: Session, appointment_id: uuid.UUID) -> None:
    session.execute(
        update(AppointmentResource)
        .where(AppointmentResource.appointment_id == appointment_id)
        .values(active=False)
    )


# -- the status machine ---------------------------------------------------------------------------


def _check_transition(current: str, new: str) -> None:
    if new not in TRANSITIONS.get(current, frozenset()):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "An appointment that is {current} cannot become {new}. Refresh the calendar "
                "and check its status.",
            ),
            current=current,
            new=new,
        )


def change_status_in(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    appointment_id: uuid.UUID,
    new: str,
    *,
    action: str,
    stamp: str | None,
    reason: str = "",
    same_day_only: bool = False,
    at: datetime | None = None,
    audit_into: list[audit.AuditEvent] | None = None,
) -> Appointment:
    """One status change by the rules of the status machine, audited, inside the
    caller's write transaction (the reception service checks in with it: the
    status, the queue entry and their audit rows commit together).

    ``at`` is the moment stamped into ``stamp`` (default now): the arrival time
    the desk entered for a patient who waited at the counter. ``audit_into``
    collects the audit event instead of writing it, for a caller that writes
    all of its transaction's rows at once (``Clinic.audit_many``). The caller
    has checked the permission and commits.
    """
    row = _load(uow.session, appointment_id)
    if new in (BOOKED, CONFIRMED) and row.status == ARRIVED:
        new = CONFIRMED if row.confirmed_at is not None else BOOKED
    _check_transition(row.status, new)
    now = clinic.now()
    if same_day_only:
        zone = clinic.timezone()
        when = row.arrived_at or now
        if when.astimezone(zone).date() != now.astimezone(zone).date():
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "An arrival can only be undone on the same day. Ask the director to "
                    "correct older records.",
                )
            )
        row.arrived_at = None
    old = row.status
    row.status = new
    if stamp is not None:
        setattr(row, stamp, now if at is None else at)
    event = audit.AuditEvent(
        action=action,
        object_type="appointment",
        object_id=row.id.hex,
        patient_id=row.patient_id,
        reason=reason,
        detail=json.dumps({"from": old, "to": new}),
    )
    if audit_into is not None:
        audit_into.append(event)
    else:
        clinic.audit(uow, actor, event)
    return row


def _set_status(
    clinic: Clinic,
    actor: Actor,
    appointment_id: uuid.UUID,
    new: str,
    *,
    action: str,
    stamp: str | None,
    reason: str = "",
    same_day_only: bool = False,
) -> Written[AppointmentView]:
    with clinic.store.unit_of_work(write=True) as uow:
        row = change_status_in(
            clinic,
            uow,
            actor,
            appointment_id,
            new,
            action=action,
            stamp=stamp,
            reason=reason,
            same_day_only=same_day_only,
        )
        view = _view_of(uow.session, row.id)
        uow.commit()
    return Written(view, _changes(view.id, view.patient_id, view.doctor_id))


def confirm_appointment(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID
) -> Written[AppointmentView]:
    """The patient confirmed (A5 double confirmation by message or call)."""
    clinic.require(actor, Action.APPOINTMENT_MANAGE)
    return _set_status(
        clinic, actor, appointment_id, CONFIRMED, action="appointment.confirm", stamp="confirmed_at"
    )


def mark_arrived(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID
) -> Written[AppointmentView]:
    clinic.require(actor, Action.CHECKIN)
    return _set_status(
        clinic, actor, appointment_id, ARRIVED, action="appointment.arrive", stamp="arrived_at"
    )


def mark_started(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID
) -> Written[AppointmentView]:
    clinic.require(actor, Action.QUEUE_MANAGE)
    return _set_status(
        clinic,
        actor,
        appointment_id,
        IN_CONSULTATION,
        action="appointment.start",
        stamp="started_at",
    )


def mark_done(clinic: Clinic, actor: Actor, appointment_id: uuid.UUID) -> Written[AppointmentView]:
    clinic.require(actor, Action.QUEUE_MANAGE)
    return _set_status(
        clinic, actor, appointment_id, DONE, action="appointment.done", stamp="finished_at"
    )


def undo_arrival(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID, *, reason: str = ""
) -> Written[AppointmentView]:
    """A mistaken check-in, corrected the same day; back to booked (or confirmed)."""
    clinic.require(actor, Action.CHECKIN)
    why = _text(reason, "reason", MAX_REASON)
    with clinic.store.unit_of_work(write=True) as uow:
        # A patient in today's queue (issue 6) would be left waiting behind a booking
        # that says they never came: the desk takes them out of the queue first.
        queued = uow.session.execute(
            select(QueueEntry.queue_no).where(
                QueueEntry.appointment_id == appointment_id,
                QueueEntry.deleted_at.is_(None),
                QueueEntry.status.in_(("waiting", "called", "in_consultation", "sent_back")),
            )
        ).scalar()
        if queued is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This patient is number {number} in today's queue. At Reception, mark "
                    "them as left without being seen first, then undo the arrival.",
                ),
                number=queued,
            )
        row = change_status_in(
            clinic,
            uow,
            actor,
            appointment_id,
            BOOKED,
            action="appointment.undo_arrival",
            stamp=None,
            reason=why,
            same_day_only=True,
        )
        view = _view_of(uow.session, row.id)
        uow.commit()
    return Written(view, _changes(view.id, view.patient_id, view.doctor_id))


def mark_no_shows(clinic: Clinic, actor: Actor) -> int:
    """A9: booked or confirmed, never arrived, grace minutes past the start -> no-show.

    Idempotent; one audit row with the count when anything changed.
    """
    if not actor.is_system:
        clinic.require(actor, Action.APPOINTMENT_MANAGE)
    grace = int(clinic.setting("appointments.no_show_grace_minutes"))
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        ids = [
            r[0]
            for r in uow.session.execute(
                select(Appointment.id).where(
                    Appointment.status.in_((BOOKED, CONFIRMED)),
                    Appointment.arrived_at.is_(None),
                    Appointment.starts_at < now - timedelta(minutes=grace),
                    Appointment.deleted_at.is_(None),
                )
            )
        ]
        if not ids:
            return 0
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            uow.session.execute(
                update(Appointment)
                .where(Appointment.id.in_(part))
                .values(status=NO_SHOW, no_show_at=now)
            )
            uow.session.execute(
                update(AppointmentResource)
                .where(AppointmentResource.appointment_id.in_(part))
                .values(active=False)
            )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="appointment.no_show_auto",
                object_type="appointment",
                detail=json.dumps({"count": len(ids), "grace_minutes": grace}),
            ),
        )
        uow.commit()
    return len(ids)


# -- free time (A6) -------------------------------------------------------------------------------


def free_slots_for_day(
    clinic: Clinic,
    actor: Actor,
    doctor_id: uuid.UUID,
    day: date,
    *,
    minutes: int,
    patient_id: uuid.UUID | None = None,
) -> list[datetime]:
    """Free starts (UTC) for an appointment of ``minutes`` that day, from now on.

    For a ``patient_id`` who is not a member with priority booking, the slots held
    for members (A10) are left out.
    """
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    length = _length(minutes)
    result = _free_by_day(clinic, [doctor_id], day, length, patient_id=patient_id)
    return result[doctor_id][0]


def remaining_free_count(
    clinic: Clinic, actor: Actor, day: date, doctor_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """A6: how many calendar slots each doctor still has free that day (held ones too)."""
    return {d: n for d, (n, _held) in free_counts(clinic, actor, day, doctor_ids).items()}


def free_counts(
    clinic: Clinic, actor: Actor, day: date, doctor_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """A6 and A10: per doctor, the free calendar slots that day and how many of them
    are held for members (so "12 free, 2 for members": 10 open to everyone)."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    slot = int(clinic.setting("appointments.slot_minutes"))
    found = _free_by_day(clinic, list(doctor_ids), day, slot)
    return {d: (len(free), held) for d, (free, held) in found.items()}


def _free_by_day(
    clinic: Clinic,
    doctor_ids: list[uuid.UUID],
    day: date,
    length: int,
    *,
    patient_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, tuple[list[datetime], int]]:
    """Free starts per doctor, and how many of them lie in held slots (A10); for a
    ``patient_id`` who may not take held slots, those are left out (count 0)."""
    zone = clinic.timezone()
    slot = int(clinic.setting("appointments.slot_minutes"))
    now = clinic.now()
    lo, hi = slots.day_bounds_utc(day, zone)
    result: dict[uuid.UUID, tuple[list[datetime], int]] = {d: ([], 0) for d in doctor_ids}
    if not doctor_ids or hi <= now:
        return result
    with clinic.store.unit_of_work(write=False) as uow:
        spans = rosters.working_spans_range_in(uow.session, doctor_ids, day, day)
        held = held_slots_in(clinic, uow.session, spans) if reserved_rule(clinic)[0] else {}
        hide_held = bool(held) and not _takes_held(uow.session, patient_id, clinic.today())
        if patient_id is None:
            hide_held = False  # no patient: every free slot, the held ones counted apart
        rows = uow.session.execute(
            select(Appointment.doctor_id, Appointment.starts_at, Appointment.ends_at).where(
                Appointment.doctor_id.in_(doctor_ids),
                Appointment.starts_at >= lo - timedelta(minutes=MAX_MINUTES),
                Appointment.starts_at < hi,
                Appointment.ends_at > lo,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.deleted_at.is_(None),
            )
        ).all()
    busy: dict[uuid.UUID, list[tuple[int, int]]] = {}
    for doc, s, e in rows:
        busy.setdefault(doc, []).append((_minute_of(s, day, zone), _minute_of(e, day, zone)))
    not_before = None
    if now > lo:
        local_now = now.astimezone(zone)
        not_before = local_now.hour * 60 + local_now.minute + (1 if local_now.second else 0)
    for doc in doctor_ids:
        held_here = held.get((doc, day), [])
        starts = slots.free_slots(
            spans.get((doc, day), []),
            busy.get(doc, []) + (held_here if hide_held else []),
            slot_minutes=slot,
            length_minutes=length,
            not_before=not_before,
        )
        in_held = sum(
            1 for m in starts if any(slots.overlaps(h, (m, m + length)) for h in held_here)
        )
        result[doc] = ([slots.local_to_utc(day, m, zone) for m in starts], in_held)
    return result


def next_free_slot(
    clinic: Clinic,
    actor: Actor,
    doctor_id: uuid.UUID,
    *,
    minutes: int,
    after: datetime | None = None,
    resource_ids: Sequence[uuid.UUID] = (),
    days_ahead: int = NEXT_FREE_DAYS,
    patient_id: uuid.UUID | None = None,
) -> datetime | None:
    """The first free start for this doctor (and rooms/devices) from ``after`` or now;
    for a ``patient_id`` who is not a member with priority, none held for members."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    length = _length(minutes)
    start = clinic.now() if after is None else _utc(after, "search start")
    wanted = _resource_list(resource_ids)
    with clinic.store.unit_of_work(write=False) as uow:
        found = _search_free(
            clinic,
            uow.session,
            doctor_id,
            minutes=length,
            after=start,
            resource_ids=wanted,
            days_ahead=min(max(days_ahead, 0), 366),
            patient_id=patient_id,
        )
    return found[0] if found else None


# -- returning and first-visit patients (A4) ------------------------------------------------------


def _part_of_day(minute: int) -> str:
    for name, (lo, hi) in PARTS_OF_DAY.items():
        if lo <= minute < hi:
            return name
    return EVENING


def suggest_slots(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, *, minutes: int, limit: int = 5
) -> Suggestion:
    """Slots with the patient's usual doctor at their usual time of day (A4)."""
    clinic.require(actor, Action.APPOINTMENT_VIEW, patient_id=patient_id)
    length = _length(minutes)
    limit = max(1, min(int(limit), 50))
    zone = clinic.timezone()
    now = clinic.now()
    with clinic.store.unit_of_work(write=False) as uow:
        history: list[tuple[uuid.UUID, datetime]] = [
            (r[0], r[1])
            for r in uow.session.execute(
                select(Appointment.doctor_id, Appointment.starts_at)
                .where(
                    Appointment.patient_id == patient_id,
                    Appointment.starts_at < now,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.deleted_at.is_(None),
                )
                .order_by(Appointment.starts_at.desc())
                .limit(50)
            )
        ]
        if not history:
            history = [
                (r[0], r[1])
                for r in uow.session.execute(
                    select(Visit.doctor_id, Visit.visit_at)
                    .where(
                        Visit.patient_id == patient_id,
                        Visit.doctor_id.is_not(None),
                        Visit.deleted_at.is_(None),
                    )
                    .order_by(Visit.visit_at.desc())
                    .limit(50)
                )
                if r[0] is not None
            ]
        if not history:
            return Suggestion(None, None, [])
        doctors = Counter(d for d, _ in history)
        top = max(doctors.values())
        # Ties go to the doctor seen most recently (history is newest first).
        usual_doctor = next(d for d, _ in history if doctors[d] == top)
        parts = Counter(
            _part_of_day(_minute_of(t, t.astimezone(zone).date(), zone)) for _, t in history
        )
        top_part = max(parts.values())
        usual_part = next(
            _part_of_day(_minute_of(t, t.astimezone(zone).date(), zone))
            for _, t in history
            if parts[_part_of_day(_minute_of(t, t.astimezone(zone).date(), zone))] == top_part
        )
        try:
            _bookable_doctor(uow.session, usual_doctor)
        except ClinicError:
            return Suggestion(usual_doctor, usual_part, [])
        starts = _search_free(
            clinic,
            uow.session,
            usual_doctor,
            minutes=length,
            after=now,
            limit=limit,
            part_of_day=usual_part,
            patient_id=patient_id,
        )
    return Suggestion(usual_doctor, usual_part, [(usual_doctor, s) for s in starts])


def is_first_visit(clinic: Clinic, actor: Actor, patient_id: uuid.UUID) -> bool:
    """True when the patient never came: no attended appointment and no visit."""
    clinic.require(actor, Action.APPOINTMENT_VIEW, patient_id=patient_id)
    with clinic.store.unit_of_work(write=False) as uow:
        came = uow.session.execute(
            select(Appointment.id)
            .where(
                Appointment.patient_id == patient_id,
                or_(
                    Appointment.status.in_(ATTENDED_STATUSES),
                    and_(Appointment.arrived_at.is_not(None), Appointment.status != CANCELLED),
                ),
                Appointment.deleted_at.is_(None),
            )
            .limit(1)
        ).first()
        if came is not None:
            return False
        visit = uow.session.execute(
            select(Visit.id)
            .where(Visit.patient_id == patient_id, Visit.deleted_at.is_(None))
            .limit(1)
        ).first()
    return visit is None


def first_visit_info(clinic: Clinic) -> str:
    """The text for a first visit (location, parking, what to bring), ready to send."""
    text = str(clinic.setting("clinic.first_visit_info") or "").strip()
    if not text:
        raise FirstVisitInfoMissing()
    return text
