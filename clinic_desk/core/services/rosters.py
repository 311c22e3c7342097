"""The calendar's foundations: doctors, rosters, rooms and devices, appointment types,
public holidays and clinic closures (spec A2, A3, I2).

Rosters are weekly blocks of local clock time (minutes after midnight, "08:30"
= 510) with breaks, plus dated exceptions: a day off or extra hours entered
here, an absence or substitution (spec A7) entered by the absence service.
``working_spans`` joins them into the time a doctor can be booked on a date.
Public holidays and the clinic's own closures do not remove working time:
``day_info`` says a day is closed and booking asks for confirmation.

The director manages all of this (``ROSTER_MANAGE``); everyone who sees the
calendar may read it (``APPOINTMENT_VIEW``). Names and descriptions are the
clinic's own words, never patient data.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import holidays, slots
from clinic_desk.core.rules.holidays import DayKind
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import ROLE_LABELS, Action, Role
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE
from clinic_desk.core.store.models import (
    AppointmentResource,
    AppointmentType,
    ClinicClosure,
    DoctorProfile,
    Resource,
    RosterException,
    RosterRule,
    Staff,
)
from clinic_desk.core.store.store import UnitOfWork

Span = tuple[int, int]

# Only these roles have rosters and take appointments (spec I2).
BOOKABLE_ROLES = frozenset({Role.DOCTOR, Role.HEALTH_MANAGER})
BLOCK_KINDS = ("work", "break")
# Exceptions entered here; "absent" and "substitute" belong to the absence service (A7).
EXCEPTION_KINDS = ("off", "extra")
ABSENCE_KINDS = ("absent", "substitute")
RESOURCE_KINDS = ("room", "device")

MINUTES_PER_DAY = slots.MINUTES_PER_DAY
MAX_NAME = 100
MAX_SPECIALTIES = 300
MAX_DESCRIPTION = 2000
MAX_RESOURCE_DESCRIPTION = 500
MAX_EXCEPTION_REASON = 500
MAX_CLOSURE_REASON = 200
MAX_BLOCKS = 100
MAX_TYPE_RESOURCES = 20
MIN_TYPE_MINUTES = 5
MAX_TYPE_MINUTES = 8 * 60
# A calendar never asks for more than a few years at once; this bounds a bad request.
MAX_RANGE_DAYS = 3 * 366

DEFAULT_TYPES_META = "appointments.default_types"
# Spec A2's purposes; stored in English, translated by the UI in this context.
DEFAULT_TYPES: tuple[tuple[str, int], ...] = (
    (QT_TRANSLATE_NOOP("AppointmentType", "General consult"), 15),
    (QT_TRANSLATE_NOOP("AppointmentType", "Specialist consult"), 20),
    (QT_TRANSLATE_NOOP("AppointmentType", "Physical exam"), 30),
    (QT_TRANSLATE_NOOP("AppointmentType", "Follow-up visit"), 10),
)

WEEKDAY_NAMES = (
    QT_TRANSLATE_NOOP("Weekdays", "Monday"),
    QT_TRANSLATE_NOOP("Weekdays", "Tuesday"),
    QT_TRANSLATE_NOOP("Weekdays", "Wednesday"),
    QT_TRANSLATE_NOOP("Weekdays", "Thursday"),
    QT_TRANSLATE_NOOP("Weekdays", "Friday"),
    QT_TRANSLATE_NOOP("Weekdays", "Saturday"),
    QT_TRANSLATE_NOOP("Weekdays", "Sunday"),
)

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")


# -- values returned ------------------------------------------------------------------


@dataclass(frozen=True)
class DoctorView:
    """A doctor or health manager as the desk sees them (spec I2)."""

    id: uuid.UUID
    display_name: str
    role: str
    specialties: str
    description: str
    color: str
    bookable: bool
    active: bool  # the staff account is not disabled
    has_profile: bool


@dataclass(frozen=True)
class RosterBlock:
    """One weekly block: working hours or a break, in local minutes after midnight."""

    weekday: int  # 0 = Monday
    start_minute: int
    end_minute: int
    kind: str = "work"


@dataclass(frozen=True)
class WeeklyRoster:
    staff_id: uuid.UUID
    blocks: tuple[RosterBlock, ...]
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class RosterExceptionView:
    id: uuid.UUID
    staff_id: uuid.UUID
    day: date
    kind: str
    start_minute: int | None  # None with end_minute None: the whole day
    end_minute: int | None
    reason: str
    substitute_id: uuid.UUID | None
    entered_by: uuid.UUID | None
    late: bool


@dataclass(frozen=True)
class ResourceView:
    id: uuid.UUID
    kind: str
    name: str
    description: str
    active: bool


@dataclass(frozen=True)
class AppointmentTypeView:
    id: uuid.UUID
    name: str  # English for the built-in ones; the UI translates in "AppointmentType"
    default_minutes: int
    color: str
    resource_ids: tuple[uuid.UUID, ...]  # active resources only
    active: bool
    # A membership benefit a booking of this type counts against (issue 11, H2:
    # "home_visits"), or "" for none.
    benefit_key: str = ""


@dataclass(frozen=True)
class ClosureView:
    id: uuid.UUID
    day: date
    reason: str


@dataclass(frozen=True)
class CalendarDay:
    """What the calendar shows over a date, and whether booking must ask first."""

    day: date
    kind: DayKind
    holiday_name: str
    holiday_name_zh: str
    closed: bool  # a public holiday or a clinic closure
    closure_reason: str
    source: str  # where the holiday data came from (holidays.SOURCE_*)


# -- clock times ------------------------------------------------------------------------


def parse_clock(text: str) -> int:
    """ "08:30" -> 510; "24:00" -> 1440 (the end of the day). Full-width digits are fine."""
    value = unicodedata.normalize("NFKC", str(text)).strip()
    match = _CLOCK.match(value)
    hours = int(match.group(1)) if match else -1
    minutes = int(match.group(2)) if match else -1
    if not match or minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{text} is not a time of day. Type hours and minutes from 00:00 to 24:00, "
                "such as 08:30.",
            ),
            text=value[:20],
        )
    return hours * 60 + minutes


def format_clock(minute: int) -> str:
    """510 -> "08:30"; 1440 -> "24:00"."""
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ValueError(f"minute must be within 0..1440, not {minute}")
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _span_text(start: int, end: int) -> str:
    def one(m: int) -> str:
        return format_clock(m) if 0 <= m <= MINUTES_PER_DAY else str(m)

    return f"{one(start)}-{one(end)}"


# -- input checks -------------------------------------------------------------------------


def _clean(value: object, label: str, limit: int, *, required: bool, multi_line: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be text."), label=label
        )
    text = unicodedata.normalize("NFC", value)
    # Control characters never reach the store (a NUL reads back as a damaged page).
    if multi_line:
        text = "".join(c for c in text if c >= " " or c in "\t\n").strip()
    else:
        text = "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n")
        text = " ".join(text.split())
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


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _color(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be text."), label="colour"
        )
    text = value.strip()
    if text and not _COLOR.match(text):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{color} is not a colour code. Use # and six hexadecimal digits, such as "
                "#3A7BD5, or leave it empty.",
            ),
            color=text[:20],
        )
    return text.upper()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _day(value: object, label: str = "date") -> date:
    # A datetime is a date too, but a roster day has no time of day.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be a calendar date."), label=label
        )
    return value


def _range(first_day: date, last_day: date) -> int:
    _day(first_day, "first day")
    _day(last_day, "last day")
    if last_day < first_day:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The last day ({last}) is before the first day ({first}). Swap them.",
            ),
            first=first_day.isoformat(),
            last=last_day.isoformat(),
        )
    days = (last_day - first_day).days + 1
    if days > MAX_RANGE_DAYS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "That date range is too long: choose at most {n} days at a time."
            ),
            n=MAX_RANGE_DAYS,
        )
    return days


def _minutes_span(start: object, end: object, where: str) -> Span:
    if not _is_int(start) or not _is_int(end):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "{where}: give the start and end as times of day, such as 08:30."
            ),
            where=where,
        )
    assert isinstance(start, int) and isinstance(end, int)
    if not (0 <= start <= MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{where}: {span} is outside the day. Times run from 00:00 to 24:00.",
            ),
            where=where,
            span=_span_text(start, end),
        )
    if end <= start:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{where}: {span} ends before it starts or has no length. Make the end later "
                "than the start; hours past midnight belong to the next day.",
            ),
            where=where,
            span=_span_text(start, end),
        )
    return start, end


def _check_blocks(blocks: Sequence[RosterBlock]) -> tuple[RosterBlock, ...]:
    if isinstance(blocks, (str, bytes)) or not isinstance(blocks, Sequence):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The roster should be a list of working hours and breaks.")
        )
    if len(blocks) > MAX_BLOCKS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "A weekly roster has at most {n} blocks; join some of them."
            ),
            n=MAX_BLOCKS,
        )
    for block in blocks:
        if not isinstance(block, RosterBlock):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The roster should be a list of working hours and breaks."
                )
            )
        if not _is_int(block.weekday) or not 0 <= block.weekday <= 6:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "There is no weekday {weekday}: use 0 for Monday up to 6 for Sunday.",
                ),
                weekday=str(block.weekday)[:20],
            )
        if block.kind not in BLOCK_KINDS:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "A roster block is working hours or a break, not {kind}."
                ),
                kind=str(block.kind)[:20],
            )
        _minutes_span(block.start_minute, block.end_minute, WEEKDAY_NAMES[block.weekday])
    unique = set(blocks)  # the same block twice is harmless, not an overlap
    for weekday in range(7):
        work = sorted(
            (b.start_minute, b.end_minute)
            for b in unique
            if b.weekday == weekday and b.kind == "work"
        )
        for (s1, e1), (s2, e2) in itertools.pairwise(work):
            if s2 < e1:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "On {weekday}, the working hours {first} and {second} overlap. Join "
                        "them into one block or change one of them.",
                    ),
                    weekday=WEEKDAY_NAMES[weekday],
                    first=_span_text(s1, e1),
                    second=_span_text(s2, e2),
                )
        for b in unique:
            if b.weekday == weekday and b.kind == "break":
                if not slots.covers(work, (b.start_minute, b.end_minute)):
                    raise ValidationError(
                        QT_TRANSLATE_NOOP(
                            "Errors",
                            "On {weekday}, the break {span} is not inside the working hours. "
                            "A break must fall within working hours; add the hours first.",
                        ),
                        weekday=WEEKDAY_NAMES[weekday],
                        span=_span_text(b.start_minute, b.end_minute),
                    )
    return tuple(sorted(unique, key=lambda b: (b.weekday, b.start_minute, b.kind)))


# -- loading ------------------------------------------------------------------------------


def _session(uow_or_session: UnitOfWork | Session) -> Session:
    return uow_or_session.session if isinstance(uow_or_session, UnitOfWork) else uow_or_session


def _staff(session: Session, staff_id: uuid.UUID) -> Staff:
    row = session.get(Staff, staff_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "staff account"))
    return row


def _bookable_staff(session: Session, staff_id: uuid.UUID) -> Staff:
    row = _staff(session, staff_id)
    if row.role not in BOOKABLE_ROLES:
        try:
            role = ROLE_LABELS[Role(row.role)]
        except ValueError:
            role = row.role
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{name} is a {role}. Only doctors and health managers have rosters and take "
                "appointments; change the role on the staff page first.",
            ),
            name=row.display_name,
            role=role,
        )
    return row


def _changes(*ids: uuid.UUID) -> Changes:
    return Changes(frozenset({Topic.ROSTERS}), frozenset(ids))


def _audit(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: uuid.UUID,
    detail: Mapping[str, object],
) -> None:
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=action,
            object_type=object_type,
            object_id=object_id.hex,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        ),
    )


# -- doctor profiles (spec I2) -------------------------------------------------------------


def _doctor_view(staff: Staff, profile: DoctorProfile | None) -> DoctorView:
    live = profile if profile is not None and profile.deleted_at is None else None
    return DoctorView(
        id=staff.id,
        display_name=staff.display_name,
        role=staff.role,
        specialties=live.specialties if live else "",
        description=live.description if live else "",
        color=live.color if live else "",
        bookable=live.bookable if live else True,
        active=staff.disabled_at is None,
        has_profile=live is not None,
    )


def set_doctor_profile(
    clinic: Clinic,
    actor: Actor,
    staff_id: uuid.UUID,
    *,
    specialties: str,
    description: str,
    color: str = "",
    bookable: bool = True,
) -> Written[DoctorView]:
    """Specialties, the description the desk reads to callers, the calendar colour."""
    clinic.require(actor, Action.ROSTER_MANAGE, object_type="staff", object_id=staff_id.hex)
    specialties_text = _clean(
        specialties, "specialties", MAX_SPECIALTIES, required=False, multi_line=False
    )
    description_text = _clean(
        description, "description", MAX_DESCRIPTION, required=False, multi_line=True
    )
    color_text = _color(color)
    with clinic.store.unit_of_work(write=True) as uow:
        staff = _bookable_staff(uow.session, staff_id)
        profile = uow.session.execute(
            select(DoctorProfile).where(DoctorProfile.staff_id == staff_id)
        ).scalar_one_or_none()
        if profile is None:
            # One id per doctor on every workstation (see settings.setting_row_id).
            profile = DoctorProfile(
                id=uuid.uuid5(SYNCED_ROW_NAMESPACE, f"doctor_profile|{staff_id.hex}"),
                staff_id=staff_id,
            )
            uow.session.add(profile)
            before: dict[str, object] = {}
        else:
            before = {
                "specialties": profile.specialties,
                "description": profile.description,
                "color": profile.color,
                "bookable": profile.bookable,
            }
        profile.deleted_at = None  # the row is unique per staff member: revive a tombstone
        profile.specialties = specialties_text
        profile.description = description_text
        profile.color = color_text
        profile.bookable = bool(bookable)
        uow.session.flush()
        after = {
            "specialties": specialties_text,
            "description": description_text,
            "color": color_text,
            "bookable": bool(bookable),
        }
        changed = sorted(k for k in after if before.get(k) != after[k])
        _audit(clinic, uow, actor, "doctor_profile.set", "staff", staff_id, {"changed": changed})
        view = _doctor_view(staff, profile)
        uow.commit()
    return Written(view, _changes(staff_id))


def list_doctors(clinic: Clinic, actor: Actor, *, bookable_only: bool = False) -> list[DoctorView]:
    """Every doctor and health manager, with or without a profile, by name.

    ``bookable_only`` leaves out disabled accounts and profiles marked not bookable
    (the calendar's columns)."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(Staff, DoctorProfile)
            .outerjoin(DoctorProfile, DoctorProfile.staff_id == Staff.id)
            .where(Staff.deleted_at.is_(None), Staff.role.in_([r.value for r in BOOKABLE_ROLES]))
            .order_by(Staff.display_name, Staff.id)
        ).all()
        views = [_doctor_view(s, p) for s, p in rows]
    if bookable_only:
        views = [v for v in views if v.active and v.bookable]
    return views


# -- weekly rosters (spec A3) ------------------------------------------------------------------


def _block(rule: RosterRule) -> RosterBlock:
    return RosterBlock(rule.weekday, rule.start_minute, rule.end_minute, rule.kind)


def set_weekly_roster(
    clinic: Clinic,
    actor: Actor,
    staff_id: uuid.UUID,
    blocks: Sequence[RosterBlock],
    *,
    valid_from: date | None = None,
) -> Written[WeeklyRoster]:
    """Replace a doctor's weekly roster, from ``valid_from`` on (None: always).

    The previous rules are kept as history: they end the day before ``valid_from``,
    and rules that would only have started on or after it are tombstoned.
    """
    clinic.require(actor, Action.ROSTER_MANAGE, object_type="staff", object_id=staff_id.hex)
    checked = _check_blocks(blocks)
    if valid_from is not None:
        _day(valid_from, "first day of the new roster")
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        _bookable_staff(uow.session, staff_id)
        old = uow.session.execute(
            select(RosterRule).where(
                RosterRule.staff_id == staff_id, RosterRule.deleted_at.is_(None)
            )
        ).scalars()
        replaced = 0
        for rule in old:
            if valid_from is None or (
                rule.valid_from is not None and rule.valid_from >= valid_from
            ):
                rule.deleted_at = now
                replaced += 1
            elif rule.valid_until is None or rule.valid_until >= valid_from:
                rule.valid_until = valid_from - timedelta(days=1)
                replaced += 1
        for b in checked:
            uow.session.add(
                RosterRule(
                    staff_id=staff_id,
                    weekday=b.weekday,
                    start_minute=b.start_minute,
                    end_minute=b.end_minute,
                    kind=b.kind,
                    valid_from=valid_from,
                )
            )
        uow.session.flush()
        _audit(
            clinic,
            uow,
            actor,
            "roster.set",
            "staff",
            staff_id,
            {
                "valid_from": valid_from.isoformat() if valid_from else None,
                "replaced": replaced,
                "blocks": [
                    [b.weekday, format_clock(b.start_minute), format_clock(b.end_minute), b.kind]
                    for b in checked
                ],
            },
        )
        uow.commit()
    return Written(WeeklyRoster(staff_id, checked, valid_from), _changes(staff_id))


def get_weekly_roster(
    clinic: Clinic, actor: Actor, staff_id: uuid.UUID, *, on: date | None = None
) -> WeeklyRoster:
    """The weekly roster in force on ``on`` (default: today in the clinic)."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    day = _day(on) if on is not None else clinic.today()
    with clinic.store.unit_of_work(write=False) as uow:
        _staff(uow.session, staff_id)
        rules = [
            (_block(r), r.valid_from, r.valid_until)
            for r in uow.session.execute(
                select(RosterRule).where(
                    RosterRule.staff_id == staff_id, RosterRule.deleted_at.is_(None)
                )
            ).scalars()
            if _rule_valid(r.valid_from, r.valid_until, day)
        ]
    blocks = tuple(sorted((b for b, _, _ in rules), key=lambda b: (b.weekday, b.start_minute)))
    valid_from = max((f for _, f, _ in rules if f), default=None)
    valid_until = min((u for _, _, u in rules if u), default=None)
    return WeeklyRoster(staff_id, blocks, valid_from, valid_until)


def _rule_valid(valid_from: date | None, valid_until: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)


# -- roster exceptions ------------------------------------------------------------------------


def _exception_view(row: RosterException) -> RosterExceptionView:
    return RosterExceptionView(
        id=row.id,
        staff_id=row.staff_id,
        day=row.day,
        kind=row.kind,
        start_minute=row.start_minute,
        end_minute=row.end_minute,
        reason=row.reason,
        substitute_id=row.substitute_id,
        entered_by=row.entered_by,
        late=row.late,
    )


def add_roster_exception(
    clinic: Clinic,
    actor: Actor,
    staff_id: uuid.UUID,
    day: date,
    *,
    kind: str,
    start_minute: int | None = None,
    end_minute: int | None = None,
    reason: str = "",
    substitute_id: uuid.UUID | None = None,
) -> Written[RosterExceptionView]:
    """A day off ("off", the whole day or a span) or extra hours ("extra", a span)."""
    clinic.require(actor, Action.ROSTER_MANAGE, object_type="staff", object_id=staff_id.hex)
    _day(day)
    if kind in ABSENCE_KINDS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Record an absence or a substitution on the absence screen: it also lists the "
                "patients to contact.",
            )
        )
    if kind not in EXCEPTION_KINDS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A roster change is a day off or extra hours, not {kind}."),
            kind=str(kind)[:20],
        )
    if (start_minute is None) != (end_minute is None):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Give both the start and the end time, or neither for the whole day."
            )
        )
    span: Span | None = None
    if start_minute is not None:
        span = _minutes_span(start_minute, end_minute, day.isoformat())
    elif kind == "extra":
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Give the start and end time of the extra hours.")
        )
    reason_text = _clean(reason, "reason", MAX_EXCEPTION_REASON, required=False, multi_line=False)
    with clinic.store.unit_of_work(write=True) as uow:
        _bookable_staff(uow.session, staff_id)
        if substitute_id is not None:
            if substitute_id == staff_id:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors", "A doctor cannot stand in for themselves. Choose another one."
                    )
                )
            _bookable_staff(uow.session, substitute_id)
        row = RosterException(
            staff_id=staff_id,
            day=day,
            kind=kind,
            start_minute=span[0] if span else None,
            end_minute=span[1] if span else None,
            reason=reason_text,
            substitute_id=substitute_id,
            entered_by=actor.staff_id,
        )
        uow.session.add(row)
        uow.session.flush()
        _audit(
            clinic,
            uow,
            actor,
            "roster.exception_add",
            "roster_exception",
            row.id,
            {
                "staff_id": staff_id.hex,
                "day": day.isoformat(),
                "kind": kind,
                "span": _span_text(*span) if span else "all day",
                "substitute_id": substitute_id.hex if substitute_id else None,
            },
        )
        view = _exception_view(row)
        uow.commit()
    return Written(view, _changes(staff_id, view.id))


def remove_roster_exception(
    clinic: Clinic, actor: Actor, exception_id: uuid.UUID
) -> Written[RosterExceptionView]:
    """Undo a day off or extra hours (the row is tombstoned, not erased)."""
    clinic.require(
        actor, Action.ROSTER_MANAGE, object_type="roster_exception", object_id=exception_id.hex
    )
    with clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(RosterException, exception_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "roster change"))
        if row.kind in ABSENCE_KINDS:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This absence was recorded on the absence screen; cancel it there so the "
                    "patients' contact list stays right.",
                )
            )
        row.deleted_at = clinic.now()
        _audit(
            clinic,
            uow,
            actor,
            "roster.exception_remove",
            "roster_exception",
            row.id,
            {"staff_id": row.staff_id.hex, "day": row.day.isoformat(), "kind": row.kind},
        )
        view = _exception_view(row)
        uow.commit()
    return Written(view, _changes(view.staff_id, view.id))


def list_roster_exceptions(
    clinic: Clinic,
    actor: Actor,
    first_day: date,
    last_day: date,
    *,
    staff_id: uuid.UUID | None = None,
) -> list[RosterExceptionView]:
    """Days off, extra hours, absences and substitutions in a date range, by day."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    _range(first_day, last_day)
    stmt = select(RosterException).where(
        RosterException.deleted_at.is_(None),
        RosterException.day >= first_day,
        RosterException.day <= last_day,
    )
    if staff_id is not None:
        stmt = stmt.where(RosterException.staff_id == staff_id)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            stmt.order_by(RosterException.day, RosterException.start_minute)
        ).scalars()
        return [_exception_view(r) for r in rows]


# -- working time ---------------------------------------------------------------------------


def working_spans(clinic: Clinic, doctor_id: uuid.UUID, day: date) -> list[Span]:
    """The local-minute spans ``doctor_id`` works on ``day``: the weekly hours minus
    breaks, plus extra hours, minus days off and absences. Holidays and closures are
    not subtracted (``day_info`` reports them). A disabled account has none."""
    return working_spans_range(clinic, [doctor_id], day, day)[(doctor_id, day)]


def working_spans_in(
    uow_or_session: UnitOfWork | Session, clinic: Clinic, doctor_id: uuid.UUID, day: date
) -> list[Span]:
    """``working_spans`` inside the caller's transaction (the booking service's write)."""
    del clinic  # the same signature as its twin; rosters need no setting today
    return _spans_range(_session(uow_or_session), [doctor_id], day, day)[(doctor_id, day)]


def working_spans_range(
    clinic: Clinic, doctor_ids: Iterable[uuid.UUID], first_day: date, last_day: date
) -> dict[tuple[uuid.UUID, date], list[Span]]:
    """``working_spans`` for every doctor and date of a range, from three queries."""
    with clinic.store.unit_of_work(write=False) as uow:
        return _spans_range(uow.session, doctor_ids, first_day, last_day)


def working_spans_range_in(
    uow_or_session: UnitOfWork | Session,
    doctor_ids: Iterable[uuid.UUID],
    first_day: date,
    last_day: date,
) -> dict[tuple[uuid.UUID, date], list[Span]]:
    return _spans_range(_session(uow_or_session), doctor_ids, first_day, last_day)


class _ExceptionRow(NamedTuple):
    staff_id: uuid.UUID
    day: date
    kind: str
    start_minute: int | None
    end_minute: int | None
    substitute_id: uuid.UUID | None


class _RuleRow(NamedTuple):
    staff_id: uuid.UUID
    weekday: int
    kind: str
    start_minute: int
    end_minute: int
    valid_from: date | None
    valid_until: date | None


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _spans_range(
    session: Session, doctor_ids: Iterable[uuid.UUID], first_day: date, last_day: date
) -> dict[tuple[uuid.UUID, date], list[Span]]:
    ids = list(dict.fromkeys(doctor_ids))
    days = [first_day + timedelta(days=i) for i in range(_range(first_day, last_day))]
    result: dict[tuple[uuid.UUID, date], list[Span]] = {(d, day): [] for d in ids for day in days}
    if not ids:
        return result
    # Plain SQL on the session's connection, rows as small tuples: the free-slot
    # search asks this on every keystroke of the booking dialog, and building the
    # three SQLAlchemy statements cost more than running them (bench_calendar.py).
    conn = session.connection()
    hexes = [d.hex for d in ids]
    active = {
        uuid.UUID(r[0])
        for r in conn.exec_driver_sql(
            f"SELECT id FROM staff WHERE id IN ({_marks(hexes)}) "
            "AND deleted_at IS NULL AND disabled_at IS NULL",
            tuple(hexes),
        )
    }
    if not active:
        return result
    active_hex = [d.hex for d in active]
    exceptions = [
        _ExceptionRow(
            uuid.UUID(r[0]),
            date.fromisoformat(r[1]),
            r[2],
            r[3],
            r[4],
            uuid.UUID(r[5]) if r[5] else None,
        )
        for r in conn.exec_driver_sql(
            "SELECT staff_id, day, kind, start_minute, end_minute, substitute_id "
            "FROM roster_exception WHERE deleted_at IS NULL AND day >= ? AND day <= ? "
            f"AND (staff_id IN ({_marks(active_hex)}) OR (kind = 'substitute' "
            f"AND substitute_id IN ({_marks(active_hex)})))",
            (first_day.isoformat(), last_day.isoformat(), *active_hex, *active_hex),
        )
    ]
    # A substitute takes over the absent doctor's hours, so those rules are needed too.
    involved = [d.hex for d in active | {e.staff_id for e in exceptions}]
    rules: dict[tuple[uuid.UUID, int], list[_RuleRow]] = defaultdict(list)
    for r in conn.exec_driver_sql(
        "SELECT staff_id, weekday, kind, start_minute, end_minute, valid_from, valid_until "
        f"FROM roster_rule WHERE staff_id IN ({_marks(involved)}) AND deleted_at IS NULL "
        "AND (valid_from IS NULL OR valid_from <= ?) AND (valid_until IS NULL OR valid_until >= ?)",
        (*involved, last_day.isoformat(), first_day.isoformat()),
    ):
        rule = _RuleRow(
            uuid.UUID(r[0]),
            r[1],
            r[2],
            r[3],
            r[4],
            date.fromisoformat(r[5]) if r[5] else None,
            date.fromisoformat(r[6]) if r[6] else None,
        )
        rules[(rule.staff_id, rule.weekday)].append(rule)

    def weekly(staff_id: uuid.UUID, day: date) -> list[Span]:
        work: list[Span] = []
        breaks: list[Span] = []
        for rule in rules.get((staff_id, day.weekday()), ()):
            if _rule_valid(rule.valid_from, rule.valid_until, day):
                span = (rule.start_minute, rule.end_minute)
                (breaks if rule.kind == "break" else work).append(span)
        return slots.subtract(work, breaks)

    by_day: dict[tuple[uuid.UUID, date], list[_ExceptionRow]] = defaultdict(list)
    covering: dict[tuple[uuid.UUID, date], list[_ExceptionRow]] = defaultdict(list)
    for e in exceptions:
        by_day[(e.staff_id, e.day)].append(e)
        if e.kind == "substitute" and e.substitute_id is not None:
            covering[(e.substitute_id, e.day)].append(e)

    def span_of(e: _ExceptionRow) -> Span:
        if e.start_minute is None or e.end_minute is None:
            return (0, MINUTES_PER_DAY)
        return (e.start_minute, e.end_minute)

    for doctor in ids:
        if doctor not in active:
            continue
        for day in days:
            spans = weekly(doctor, day)
            own = by_day.get((doctor, day), ())
            extra = [span_of(e) for e in own if e.kind == "extra"]
            taken_over: list[Span] = []
            for e in covering.get((doctor, day), ()):
                whole = e.start_minute is None or e.end_minute is None
                taken_over += weekly(e.staff_id, day) if whole else [span_of(e)]
            away = [span_of(e) for e in own if e.kind in ("off", *ABSENCE_KINDS)]
            result[(doctor, day)] = slots.subtract(slots.union(spans, extra, taken_over), away)
    return result


# -- holidays and closures ---------------------------------------------------------------------


def holiday_calendar(clinic: Clinic) -> str:
    """The public-holiday calendar the clinic chose (none if unknown)."""
    value = str(clinic.setting("appointments.holiday_calendar"))
    return value if value in holidays.CALENDARS else "none"


def _calendar_day(info: holidays.DayInfo, closure: ClinicClosure | None) -> CalendarDay:
    return CalendarDay(
        day=info.day,
        kind=info.kind,
        holiday_name=info.name if info.is_holiday else "",
        holiday_name_zh=info.name_zh if info.is_holiday else "",
        closed=info.is_holiday or closure is not None,
        closure_reason=closure.reason if closure is not None else "",
        source=info.source,
    )


def day_info(clinic: Clinic, day: date) -> CalendarDay:
    """Holiday, weekend or workday per the clinic's holiday calendar, and whether the
    clinic is closed (a public holiday or its own closure): booking asks first."""
    return calendar_days(clinic, day, day)[0]


def calendar_days(clinic: Clinic, first_day: date, last_day: date) -> list[CalendarDay]:
    """``day_info`` for each date of a range, with one query for the closures."""
    _range(first_day, last_day)
    with clinic.store.unit_of_work(write=False) as uow:
        return calendar_days_in(uow, clinic, first_day, last_day)


def calendar_days_in(
    uow_or_session: UnitOfWork | Session, clinic: Clinic, first_day: date, last_day: date
) -> list[CalendarDay]:
    _range(first_day, last_day)
    closures: dict[date, ClinicClosure] = {}
    for row in (
        _session(uow_or_session)
        .execute(
            select(ClinicClosure)
            .where(
                ClinicClosure.deleted_at.is_(None),
                ClinicClosure.day >= first_day,
                ClinicClosure.day <= last_day,
            )
            .order_by(ClinicClosure.created_at)
        )
        .scalars()
    ):
        closures.setdefault(row.day, row)
    calendar = holiday_calendar(clinic)
    return [
        _calendar_day(info, closures.get(info.day))
        for info in holidays.days_info(first_day, last_day, calendar)
    ]


def _closure_view(row: ClinicClosure) -> ClosureView:
    return ClosureView(row.id, row.day, row.reason)


def add_closure(clinic: Clinic, actor: Actor, day: date, reason: str) -> Written[ClosureView]:
    """A day the clinic is closed beyond public holidays (training, renovation ...)."""
    clinic.require(actor, Action.ROSTER_MANAGE, object_type="clinic_closure")
    _day(day)
    reason_text = _clean(reason, "reason", MAX_CLOSURE_REASON, required=True, multi_line=False)
    with clinic.store.unit_of_work(write=True) as uow:
        existing = uow.session.execute(
            select(ClinicClosure.id).where(
                ClinicClosure.day == day, ClinicClosure.deleted_at.is_(None)
            )
        ).first()
        if existing is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The clinic is already marked closed on {day}. Change or remove that "
                    "closure instead.",
                ),
                day=day.isoformat(),
            )
        row = ClinicClosure(day=day, reason=reason_text)
        uow.session.add(row)
        uow.session.flush()
        _audit(
            clinic,
            uow,
            actor,
            "closure.add",
            "clinic_closure",
            row.id,
            {"day": day.isoformat(), "reason": reason_text},
        )
        view = _closure_view(row)
        uow.commit()
    return Written(view, _changes(view.id))


def remove_closure(clinic: Clinic, actor: Actor, closure_id: uuid.UUID) -> Written[ClosureView]:
    clinic.require(
        actor, Action.ROSTER_MANAGE, object_type="clinic_closure", object_id=closure_id.hex
    )
    with clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(ClinicClosure, closure_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "closure"))
        row.deleted_at = clinic.now()
        _audit(
            clinic,
            uow,
            actor,
            "closure.remove",
            "clinic_closure",
            row.id,
            {"day": row.day.isoformat()},
        )
        view = _closure_view(row)
        uow.commit()
    return Written(view, _changes(view.id))


def list_closures(
    clinic: Clinic, actor: Actor, first_day: date, last_day: date
) -> list[ClosureView]:
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    _range(first_day, last_day)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(ClinicClosure)
            .where(
                ClinicClosure.deleted_at.is_(None),
                ClinicClosure.day >= first_day,
                ClinicClosure.day <= last_day,
            )
            .order_by(ClinicClosure.day)
        ).scalars()
        return [_closure_view(r) for r in rows]


# -- rooms and devices (spec A3) ------------------------------------------------------------------


def _resource_view(row: Resource) -> ResourceView:
    return ResourceView(row.id, row.kind, row.name, row.description, row.active)


def _resource_kind(kind: object) -> str:
    if kind not in RESOURCE_KINDS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A resource is a room or a device, not {kind}."),
            kind=str(kind)[:20],
        )
    assert isinstance(kind, str)
    return kind


def _check_resource_name_free(
    session: Session, name: str, *, except_id: uuid.UUID | None = None
) -> None:
    key = _name_key(name)
    for row_id, other in session.execute(
        select(Resource.id, Resource.name).where(
            Resource.deleted_at.is_(None), Resource.active.is_(True)
        )
    ):
        if row_id != except_id and _name_key(other) == key:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "There is already a room or device called {name}. Choose another name.",
                ),
                name=name,
            )


def _resource(session: Session, resource_id: uuid.UUID) -> Resource:
    row = session.get(Resource, resource_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "room or device"))
    return row


def add_resource(
    clinic: Clinic, actor: Actor, *, kind: str, name: str, description: str = ""
) -> Written[ResourceView]:
    """A bookable room or device (an ultrasound room, the ECG machine)."""
    clinic.require(actor, Action.ROSTER_MANAGE, object_type="resource")
    kind_text = _resource_kind(kind)
    name_text = _clean(name, "name", MAX_NAME, required=True, multi_line=False)
    description_text = _clean(
        description, "description", MAX_RESOURCE_DESCRIPTION, required=False, multi_line=False
    )
    with clinic.store.unit_of_work(write=True) as uow:
        _check_resource_name_free(uow.session, name_text)
        row = Resource(kind=kind_text, name=name_text, description=description_text, active=True)
        uow.session.add(row)
        uow.session.flush()
        _audit(
            clinic,
            uow,
            actor,
            "resource.add",
            "resource",
            row.id,
            {"kind": kind_text, "name": name_text},
        )
        view = _resource_view(row)
        uow.commit()
    return Written(view, _changes(view.id))


def update_resource(
    clinic: Clinic,
    actor: Actor,
    resource_id: uuid.UUID,
    *,
    kind: str | None = None,
    name: str | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Written[ResourceView]:
    """Rename, re-describe, reactivate (``active=True``) or take off the calendar
    (``active=False``, as ``deactivate_resource``) a room or device."""
    clinic.require(actor, Action.ROSTER_MANAGE, object_type="resource", object_id=resource_id.hex)
    with clinic.store.unit_of_work(write=True) as uow:
        row = _resource(uow.session, resource_id)
        before = _resource_view(row)
        if kind is not None:
            row.kind = _resource_kind(kind)
        if name is not None:
            row.name = _clean(name, "name", MAX_NAME, required=True, multi_line=False)
        if description is not None:
            row.description = _clean(
                description,
                "description",
                MAX_RESOURCE_DESCRIPTION,
                required=False,
                multi_line=False,
            )
        if active is False and row.active:
            _deactivate(uow.session, row, clinic.now())
        elif active:
            row.active = True
        if row.active and (name is not None or active):
            _check_resource_name_free(uow.session, row.name, except_id=row.id)
        after = _resource_view(row)
        diff = {
            k: [getattr(before, k), getattr(after, k)]
            for k in ("kind", "name", "description", "active")
            if getattr(before, k) != getattr(after, k)
        }
        if diff:
            action = (
                "resource.deactivate"
                if diff.keys() == {"active"} and not row.active
                else "resource.update"
            )
            _audit(clinic, uow, actor, action, "resource", row.id, diff)
        uow.commit()
    return Written(after, _changes(after.id) if diff else Changes())


def _deactivate(session: Session, row: Resource, now: datetime) -> None:
    upcoming = len(
        session.execute(
            select(AppointmentResource.appointment_id).where(
                AppointmentResource.resource_id == row.id,
                AppointmentResource.active.is_(True),
                AppointmentResource.ends_at > now,
            )
        ).all()
    )
    if upcoming:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{count} upcoming appointments still need {name}. Move them to another "
                "room or device first, then take it off the calendar.",
            ),
            count=upcoming,
            name=row.name,
        )
    row.active = False


def deactivate_resource(
    clinic: Clinic, actor: Actor, resource_id: uuid.UUID
) -> Written[ResourceView]:
    """Take a room or device off the calendar; refused while upcoming bookings need it.

    Appointment types that need it stop listing it (their views show active ones)."""
    return update_resource(clinic, actor, resource_id, active=False)


def list_resources(
    clinic: Clinic, actor: Actor, *, kind: str | None = None, include_inactive: bool = False
) -> list[ResourceView]:
    """Rooms and devices by kind and name."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    stmt = select(Resource).where(Resource.deleted_at.is_(None))
    if kind is not None:
        stmt = stmt.where(Resource.kind == _resource_kind(kind))
    if not include_inactive:
        stmt = stmt.where(Resource.active.is_(True))
    with clinic.store.unit_of_work(write=False) as uow:
        views = [_resource_view(r) for r in uow.session.execute(stmt).scalars()]
    return sorted(views, key=lambda r: (r.kind != "room", _name_key(r.name), r.id))


# -- appointment types (spec A2) -------------------------------------------------------------------


def _ids_text(ids: Sequence[uuid.UUID]) -> str:
    return ",".join(i.hex for i in ids)


def parse_resource_ids(text: str) -> tuple[uuid.UUID, ...]:
    """The ids in ``AppointmentType.resource_ids`` (comma-separated); bad parts skipped."""
    result: list[uuid.UUID] = []
    for part in (text or "").split(","):
        try:
            result.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return tuple(result)


def _type_view(row: AppointmentType, active_resources: set[uuid.UUID]) -> AppointmentTypeView:
    return AppointmentTypeView(
        id=row.id,
        name=row.name,
        default_minutes=row.default_minutes,
        color=row.color,
        resource_ids=tuple(
            i for i in parse_resource_ids(row.resource_ids) if i in active_resources
        ),
        active=row.active,
        benefit_key=row.benefit_key or "",
    )


def _active_resource_ids(session: Session) -> set[uuid.UUID]:
    return set(
        session.execute(
            select(Resource.id).where(Resource.deleted_at.is_(None), Resource.active.is_(True))
        ).scalars()
    )


def _type_minutes(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_TYPE_MINUTES <= value <= MAX_TYPE_MINUTES
    ):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The usual length must be a whole number of minutes from {low} to {high}; "
                "{value} is not.",
            ),
            low=MIN_TYPE_MINUTES,
            high=MAX_TYPE_MINUTES,
            value=str(value)[:20],
        )
    return value


# Membership benefits an appointment type may count against (H2): the quota benefits
# a booking uses up. Labels are the membership service's (``membership.BENEFITS``).
BOOKING_BENEFITS = ("home_visits",)


def _benefit_key(value: object) -> str:
    if value == "" or value is None:
        return ""
    if not isinstance(value, str) or value not in BOOKING_BENEFITS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{value} is not a membership benefit a booking can count against. Choose "
                "one from the list, or none.",
            ),
            value=str(value)[:40],
        )
    return value


def _type_resources(session: Session, resource_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    if isinstance(resource_ids, (str, bytes)):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose the rooms and devices from the list.")
        )
    ids = list(dict.fromkeys(resource_ids))
    if len(ids) > MAX_TYPE_RESOURCES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "An appointment type can need at most {n} rooms and devices."
            ),
            n=MAX_TYPE_RESOURCES,
        )
    active = _active_resource_ids(session)
    if any(not isinstance(i, uuid.UUID) or i not in active for i in ids):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "One of the chosen rooms or devices no longer exists or is off the calendar. "
                "Choose them again.",
            )
        )
    return ids


def _check_type_name_free(
    session: Session, name: str, *, except_id: uuid.UUID | None = None
) -> None:
    key = _name_key(name)
    for row_id, other in session.execute(
        select(AppointmentType.id, AppointmentType.name).where(
            AppointmentType.deleted_at.is_(None), AppointmentType.active.is_(True)
        )
    ):
        if row_id != except_id and _name_key(other) == key:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "There is already an appointment type called {name}. Choose another name.",
                ),
                name=name,
            )


def _appointment_type(session: Session, type_id: uuid.UUID) -> AppointmentType:
    row = session.get(AppointmentType, type_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment type"))
    return row


def add_appointment_type(
    clinic: Clinic,
    actor: Actor,
    *,
    name: str,
    default_minutes: int,
    color: str = "",
    resource_ids: Iterable[uuid.UUID] = (),
    benefit_key: str = "",
) -> Written[AppointmentTypeView]:
    """A purpose of visit with its usual length and the rooms and devices it needs;
    ``benefit_key`` names the membership allowance its bookings use (H2), or ""."""
    clinic.require(actor, Action.ROSTER_MANAGE, object_type="appointment_type")
    name_text = _clean(name, "name", MAX_NAME, required=True, multi_line=False)
    minutes = _type_minutes(default_minutes)
    color_text = _color(color)
    benefit = _benefit_key(benefit_key)
    with clinic.store.unit_of_work(write=True) as uow:
        ids = _type_resources(uow.session, resource_ids)
        _check_type_name_free(uow.session, name_text)
        row = AppointmentType(
            name=name_text,
            default_minutes=minutes,
            color=color_text,
            resource_ids=_ids_text(ids),
            active=True,
            benefit_key=benefit,
        )
        uow.session.add(row)
        uow.session.flush()
        detail: dict[str, object] = {
            "name": name_text,
            "minutes": minutes,
            "resources": [i.hex for i in ids],
        }
        if benefit:
            detail["benefit_key"] = benefit
        _audit(clinic, uow, actor, "appointment_type.add", "appointment_type", row.id, detail)
        view = _type_view(row, set(ids))
        uow.commit()
    return Written(view, _changes(view.id))


def update_appointment_type(
    clinic: Clinic,
    actor: Actor,
    type_id: uuid.UUID,
    *,
    name: str | None = None,
    default_minutes: int | None = None,
    color: str | None = None,
    resource_ids: Iterable[uuid.UUID] | None = None,
    active: bool | None = None,
    benefit_key: str | None = None,
) -> Written[AppointmentTypeView]:
    """Change a type; existing bookings keep their own length and resources (and the
    benefit uses already counted stay counted: a new ``benefit_key`` applies to
    bookings made from now on)."""
    clinic.require(
        actor, Action.ROSTER_MANAGE, object_type="appointment_type", object_id=type_id.hex
    )
    with clinic.store.unit_of_work(write=True) as uow:
        row = _appointment_type(uow.session, type_id)
        before = {
            "name": row.name,
            "minutes": row.default_minutes,
            "color": row.color,
            "resources": row.resource_ids,
            "active": row.active,
            "benefit_key": row.benefit_key or "",
        }
        if name is not None:
            row.name = _clean(name, "name", MAX_NAME, required=True, multi_line=False)
        if default_minutes is not None:
            row.default_minutes = _type_minutes(default_minutes)
        if color is not None:
            row.color = _color(color)
        if resource_ids is not None:
            row.resource_ids = _ids_text(_type_resources(uow.session, resource_ids))
        if active is not None:
            row.active = bool(active)
        if benefit_key is not None:
            row.benefit_key = _benefit_key(benefit_key)
        if row.active and (name is not None or active):
            _check_type_name_free(uow.session, row.name, except_id=row.id)
        after = {
            "name": row.name,
            "minutes": row.default_minutes,
            "color": row.color,
            "resources": row.resource_ids,
            "active": row.active,
            "benefit_key": row.benefit_key or "",
        }
        diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if diff:
            action = (
                "appointment_type.deactivate"
                if diff.keys() == {"active"} and not row.active
                else "appointment_type.update"
            )
            _audit(clinic, uow, actor, action, "appointment_type", row.id, diff)
        view = _type_view(row, _active_resource_ids(uow.session))
        uow.commit()
    return Written(view, _changes(view.id) if diff else Changes())


def deactivate_appointment_type(
    clinic: Clinic, actor: Actor, type_id: uuid.UUID
) -> Written[AppointmentTypeView]:
    """No longer offered for new bookings; past bookings keep it."""
    return update_appointment_type(clinic, actor, type_id, active=False)


def list_appointment_types(
    clinic: Clinic, actor: Actor, *, include_inactive: bool = False
) -> list[AppointmentTypeView]:
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    stmt = select(AppointmentType).where(AppointmentType.deleted_at.is_(None))
    if not include_inactive:
        stmt = stmt.where(AppointmentType.active.is_(True))
    with clinic.store.unit_of_work(write=False) as uow:
        rows = list(uow.session.execute(stmt.order_by(AppointmentType.created_at)).scalars())
        active = _active_resource_ids(uow.session)
        return [_type_view(r, active) for r in rows]


def ensure_default_types(clinic: Clinic) -> Written[list[AppointmentTypeView]]:
    """Create spec A2's purposes once (general consult 15 min, specialist 20, physical
    exam 30, follow-up 10). Later runs change nothing, even after the director renamed
    or removed them; a name already in use is not added twice."""
    actor = Actor.system("setup")
    with clinic.store.unit_of_work(write=True) as uow:
        if uow.meta(DEFAULT_TYPES_META):
            return Written([], Changes())
        taken = {
            _name_key(n)
            for n in uow.session.execute(
                select(AppointmentType.name).where(AppointmentType.deleted_at.is_(None))
            ).scalars()
        }
        rows = [
            AppointmentType(name=name, default_minutes=minutes, color="", resource_ids="")
            for name, minutes in DEFAULT_TYPES
            if _name_key(name) not in taken
        ]
        uow.session.add_all(rows)
        uow.session.flush()
        clinic.audit_many(
            uow,
            actor,
            [
                audit.AuditEvent(
                    action="appointment_type.add",
                    object_type="appointment_type",
                    object_id=r.id.hex,
                    detail=json.dumps({"name": r.name, "minutes": r.default_minutes}),
                )
                for r in rows
            ],
        )
        uow.set_meta(DEFAULT_TYPES_META, clinic.now().isoformat())
        views = [_type_view(r, set()) for r in rows]
        uow.commit()
    return Written(views, _changes(*(v.id for v in views)))
