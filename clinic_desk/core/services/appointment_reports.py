"""Tomorrow's list for the triage nurse (A8) and appointment statistics (A9).

``next_day_list`` is plain data for the screen and the printout: every active
appointment of a local day, per doctor, in time order. It needs
``APPOINTMENT_VIEW`` (the desk, the triage nurse, doctors).

The statistics are management figures per doctor, so they need
``QUALITY_REPORTS`` (the director). They are SQL aggregates: the database
counts, Python only folds the few grouped rows (per UTC hour for the
per-day figures, so a local day is right in any time zone, DST included).

Definitions (A9):
- bookings: appointments starting in the period (cancelled ones included;
  an appointment rebooked as a new row counts once, as the new row);
- arrivals: the patient came (arrived, in consultation, done);
- no-shows: marked no-show; late cancellations: cancelled within
  ``appointments.late_cancel_hours`` of the start;
- the arrival and no-show rates are over the bookings not cancelled (what
  was due), None when nothing was due;
- revisit booking rate: of a doctor's done appointments, the share followed
  by another booking of the same patient with the same doctor, made within
  30 days of the visit (before or after it, e.g. at the desk on the way out).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import DateOutOfRange, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import honorifics
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import patients as patient_service
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.models import (
    Appointment,
    AppointmentType,
    Patient,
    RosterException,
    Staff,
    Visit,
)

ATTENDED = ("arrived", "in_consultation", "done")
PENDING = ("booked", "confirmed")
LISTED_STATUSES = ("booked", "confirmed", "arrived", "in_consultation", "done")
GROUPINGS = ("day", "doctor", "channel", "type")
REVISIT_DAYS = 30
MAX_RANGE_DAYS = 3660  # ten years; longer ranges are a typing mistake


@dataclass(frozen=True)
class DayListRow:
    appointment_id: uuid.UUID
    starts_at: datetime  # UTC
    ends_at: datetime
    local_time: str  # "09:30", the clinic's wall clock
    patient_id: uuid.UUID
    patient_name: str
    address: str  # how to address the patient (spec C4)
    phone: str
    record_no: str
    type_name: str
    purpose: str
    status: str
    channel: str
    first_visit: bool
    special_needs: tuple[str, ...]  # declared, plus child/elderly from the age
    add_on: bool
    on_holiday: bool
    notes: str


@dataclass(frozen=True)
class DoctorDayList:
    doctor_id: uuid.UUID
    doctor_name: str
    # "absent" or "substitute" when the doctor is away that day (A7), else "".
    absence: str
    substitute_id: uuid.UUID | None
    rows: tuple[DayListRow, ...]


@dataclass(frozen=True)
class DayList:
    day: date
    ready_at: datetime  # UTC: the day before at appointments.next_day_list_time (A8)
    ready: bool  # the clinic's clock has reached ready_at
    made_at: datetime
    doctors: tuple[DoctorDayList, ...]

    @property
    def total(self) -> int:
        return sum(len(d.rows) for d in self.doctors)

    @property
    def add_ons(self) -> int:
        return sum(1 for d in self.doctors for r in d.rows if r.add_on)


@dataclass(frozen=True)
class StatRow:
    key: str  # ISO day, doctor id hex, channel code, or type id hex ("" = no type)
    bookings: int
    arrivals: int
    arrival_rate: float | None
    no_shows: int
    no_show_rate: float | None
    late_cancellations: int
    add_ons: int
    cancellations: int = 0
    label: str = ""  # the doctor's or type's name
    # Booked or confirmed, neither arrived nor marked no-show yet: still to come (or
    # within the no-show grace period). The rates leave them out until they settle.
    pending: int = 0


@dataclass(frozen=True)
class RevisitRate:
    visits_done: int
    rebooked: int
    rate: float | None


@dataclass(frozen=True)
class MonthlySummary:
    year: int
    month: int
    first_day: date
    last_day: date
    total: StatRow
    by_day: tuple[StatRow, ...]
    by_doctor: tuple[StatRow, ...]
    by_channel: tuple[StatRow, ...]
    by_type: tuple[StatRow, ...]
    revisit: dict[uuid.UUID, RevisitRate]


# -- helpers ------------------------------------------------------------------------------------


def _local_midnight_utc(clinic: Clinic, day: date) -> datetime:
    return datetime.combine(day, time(), clinic.timezone()).astimezone(UTC)


def _check_day(value: object, label: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be a date."), label=label
        )
    return value


def _range(clinic: Clinic, first_day: object, last_day: object) -> tuple[datetime, datetime]:
    first = _check_day(first_day, "first day")
    last = _check_day(last_day, "last day")
    if last < first:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The last day ({last}) is before the first day ({first}). Choose the period again.",
            ),
            last=last.isoformat(),
            first=first.isoformat(),
        )
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose a period of at most {n} days for the statistics."),
            n=MAX_RANGE_DAYS,
        )
    try:
        end = _local_midnight_utc(clinic, last + timedelta(days=1))
    except OverflowError:
        end = datetime.max.replace(tzinfo=UTC)
    try:
        return _local_midnight_utc(clinic, first), end
    except OverflowError:
        raise DateOutOfRange() from None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- A8: the next day's list -------------------------------------------------------------------


def _ready_at(clinic: Clinic, day: date) -> datetime:
    at = settings_catalog.parse_time(str(clinic.setting("appointments.next_day_list_time")))
    return datetime.combine(day - timedelta(days=1), at, clinic.timezone()).astimezone(UTC)


def next_day_list(
    clinic: Clinic, actor: Actor, day: date | None = None, *, language: str = "zh_CN"
) -> DayList:
    """A8: the day's appointments per doctor for the triage nurse (default: tomorrow).

    Making the list is audited once (it holds names and phones and is printed).
    """
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    zone = clinic.timezone()
    now = clinic.now()
    if day is None:
        day = now.astimezone(zone).date() + timedelta(days=1)
    day = _check_day(day, "day")
    lo, hi = _range(clinic, day, day)
    earlier = aliased(Appointment)
    came_before = (
        select(earlier.id)
        .where(
            earlier.patient_id == Appointment.patient_id,
            earlier.starts_at < Appointment.starts_at,
            or_(earlier.status.in_(ATTENDED), earlier.arrived_at.is_not(None)),
            earlier.status != "cancelled",
            earlier.deleted_at.is_(None),
        )
        .exists()
    )
    visited = (
        select(Visit.id)
        .where(
            Visit.patient_id == Appointment.patient_id,
            Visit.visit_at < Appointment.starts_at,
            Visit.deleted_at.is_(None),
        )
        .exists()
    )
    stmt = (
        select(
            Appointment,
            Patient,
            Staff.display_name,
            AppointmentType.name,
            or_(came_before, visited),
        )
        .join(Patient, Patient.id == Appointment.patient_id)
        .join(Staff, Staff.id == Appointment.doctor_id)
        .outerjoin(AppointmentType, AppointmentType.id == Appointment.type_id)
        .where(
            Appointment.starts_at >= lo,
            Appointment.starts_at < hi,
            Appointment.status.in_(LISTED_STATUSES),
            Appointment.deleted_at.is_(None),
        )
        .order_by(Staff.display_name, Staff.id, Appointment.starts_at, Appointment.id)
    )
    style = patient_service.honorific_style(clinic)
    lang = language if language in honorifics.LANGUAGES else "zh_CN"
    today = now.astimezone(zone).date()
    groups: dict[uuid.UUID, tuple[str, list[DayListRow]]] = {}
    with clinic.store.unit_of_work(write=True) as uow:
        rows = uow.session.execute(stmt).all()
        away = uow.session.execute(
            select(RosterException.staff_id, RosterException.kind, RosterException.substitute_id)
            .where(
                RosterException.day == day,
                RosterException.kind.in_(("absent", "substitute")),
                RosterException.deleted_at.is_(None),
            )
            .order_by(RosterException.created_at)
        ).all()
        for appt, patient, doctor_name, type_name, returning in rows:
            groups.setdefault(appt.doctor_id, (doctor_name, []))[1].append(
                _list_row(appt, patient, type_name, bool(returning), style, lang, today, zone)
            )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="appointment.day_list",
                object_type="day",
                object_id=day.isoformat(),
                detail=json.dumps({"appointments": len(rows)}),
            ),
        )
        uow.commit()
    absence = {a[0]: (a[1], a[2]) for a in away}
    doctors = tuple(
        DoctorDayList(
            doctor_id=doctor_id,
            doctor_name=name,
            absence=absence.get(doctor_id, ("", None))[0],
            substitute_id=absence.get(doctor_id, ("", None))[1],
            rows=tuple(items),
        )
        for doctor_id, (name, items) in groups.items()
    )
    ready_at = _ready_at(clinic, day)
    return DayList(day, ready_at, now >= ready_at, now, doctors)


def _list_row(
    appt: Appointment,
    patient: Patient,
    type_name: str | None,
    returning: bool,
    style: honorifics.Style,
    language: Any,
    today: date,
    zone: Any,
) -> DayListRow:
    needs = [n for n in (patient.special_needs or "").split(",") if n]
    if patient.birth_date is not None:
        age = honorifics.age_in_years(patient.birth_date, today)
        if age < style.child_age and "child" not in needs:
            needs.append("child")
        if age >= style.elderly_age and "elderly" not in needs:
            needs.append("elderly")
    person = honorifics.Person(
        family_name=patient.family_name,
        given_name=patient.given_name,
        sex=patient.sex if patient.sex in ("F", "M") else "U",  # type: ignore[arg-type]
        birth_date=patient.birth_date,
        occupation=patient.occupation,
        title=patient.title,
        preferred=patient.honorific_override,
    )
    return DayListRow(
        appointment_id=appt.id,
        starts_at=appt.starts_at,
        ends_at=appt.ends_at,
        local_time=appt.starts_at.astimezone(zone).strftime("%H:%M"),
        patient_id=patient.id,
        patient_name=display_name(patient.family_name, patient.given_name),
        address=honorifics.address(person, today=today, language=language, style=style),
        phone=patient.phone,
        record_no=patient.record_no,
        type_name=type_name or "",
        purpose=appt.purpose,
        status=appt.status,
        channel=appt.channel,
        first_visit=not returning,
        special_needs=tuple(needs),
        add_on=appt.add_on,
        on_holiday=appt.on_holiday,
        notes=appt.notes,
    )


# -- A9: statistics ----------------------------------------------------------------------


def _measures() -> list[Any]:
    cancelled = Appointment.status == "cancelled"
    return [
        func.count(Appointment.id),
        func.sum(case((Appointment.status.in_(ATTENDED), 1), else_=0)),
        func.sum(case((Appointment.status == "no_show", 1), else_=0)),
        func.sum(case((and_(cancelled, Appointment.late_cancel.is_(True)), 1), else_=0)),
        func.sum(case((Appointment.add_on.is_(True), 1), else_=0)),
        func.sum(case((cancelled, 1), else_=0)),
        func.sum(case((Appointment.status.in_(PENDING), 1), else_=0)),
    ]


def _in_range(lo: datetime, hi: datetime) -> list[Any]:
    replaced = select(Appointment.moved_from_id).where(Appointment.moved_from_id.is_not(None))
    return [
        Appointment.starts_at >= lo,
        Appointment.starts_at < hi,
        Appointment.deleted_at.is_(None),
        Appointment.id.not_in(replaced),
    ]


def _row(key: str, label: str, counts: Sequence[Any]) -> StatRow:
    bookings, arrivals, no_shows, late, add_ons, cancelled, pending = (int(c or 0) for c in counts)
    # A rate is over the appointments whose outcome is known: a booking for next
    # week is neither an arrival nor a no-show yet (A9).
    settled = arrivals + no_shows
    return StatRow(
        key=key,
        bookings=bookings,
        arrivals=arrivals,
        arrival_rate=_rate(arrivals, settled),
        no_shows=no_shows,
        no_show_rate=_rate(no_shows, settled),
        late_cancellations=late,
        add_ons=add_ons,
        cancellations=cancelled,
        label=label,
        pending=pending,
    )


def _stats(clinic: Clinic, lo: datetime, hi: datetime, by: str) -> list[StatRow]:
    where = _in_range(lo, hi)
    measures = _measures()
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        if by == "doctor":
            rows = s.execute(
                select(Appointment.doctor_id, Staff.display_name, *measures)
                .join(Staff, Staff.id == Appointment.doctor_id)
                .where(*where)
                .group_by(Appointment.doctor_id, Staff.display_name)
                .order_by(Staff.display_name)
            ).all()
            return [_row(r[0].hex, r[1], r[2:]) for r in rows]
        if by == "channel":
            rows = s.execute(
                select(Appointment.channel, *measures)
                .where(*where)
                .group_by(Appointment.channel)
                .order_by(Appointment.channel)
            ).all()
            return [_row(r[0], r[0], r[1:]) for r in rows]
        if by == "type":
            rows = s.execute(
                select(Appointment.type_id, AppointmentType.name, *measures)
                .outerjoin(AppointmentType, AppointmentType.id == Appointment.type_id)
                .where(*where)
                .group_by(Appointment.type_id, AppointmentType.name)
                .order_by(AppointmentType.name)
            ).all()
            return [_row(r[0].hex if r[0] else "", r[1] or "", r[2:]) for r in rows]
        # Per local day: the database groups by UTC hour (shifted by the zone's
        # sub-hour offset, e.g. +5:30), Python adds the hours into local days.
        zone = clinic.timezone()
        offset = lo.astimezone(zone).utcoffset() or timedelta()
        shift = int(offset.total_seconds() // 60) % 60
        hour = func.strftime("%Y-%m-%d %H", Appointment.starts_at, f"+{shift} minutes")
        rows = s.execute(select(hour, *measures).where(*where).group_by(hour)).all()
    days: dict[date, list[int]] = {}
    for r in rows:
        start = datetime.strptime(r[0], "%Y-%m-%d %H").replace(tzinfo=UTC)
        local = (start - timedelta(minutes=shift)).astimezone(zone).date()
        sums = days.setdefault(local, [0] * 7)
        for i, value in enumerate(r[1:]):
            sums[i] += int(value or 0)
    return [_row(d.isoformat(), d.isoformat(), days[d]) for d in sorted(days)]


def statistics(
    clinic: Clinic, actor: Actor, first_day: date, last_day: date, *, by: str = "day"
) -> list[StatRow]:
    """A9: bookings, arrivals, no-shows, late cancellations, add-ons per day, doctor,
    channel or appointment type, for the local days ``first_day``..``last_day``."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    if by not in GROUPINGS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Group the statistics by day, doctor, channel or appointment type."
            )
        )
    lo, hi = _range(clinic, first_day, last_day)
    return _stats(clinic, lo, hi, by)


def _revisit(clinic: Clinic, lo: datetime, hi: datetime) -> dict[uuid.UUID, RevisitRate]:
    later = aliased(Appointment)
    window = timedelta(days=REVISIT_DAYS)
    # SQLite stores naive UTC text; compare with the same shape of text.
    rebooked = (
        select(later.id)
        .where(
            later.patient_id == Appointment.patient_id,
            later.doctor_id == Appointment.doctor_id,
            later.starts_at > Appointment.starts_at,
            later.deleted_at.is_(None),
            func.julianday(later.created_at) - func.julianday(Appointment.starts_at) <= window.days,
            func.julianday(Appointment.starts_at) - func.julianday(later.created_at) <= window.days,
        )
        .exists()
    )
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(
                Appointment.doctor_id,
                func.count(Appointment.id),
                func.sum(cast(rebooked, Integer)),
            )
            .where(
                Appointment.starts_at >= lo,
                Appointment.starts_at < hi,
                Appointment.status == "done",
                Appointment.deleted_at.is_(None),
            )
            .group_by(Appointment.doctor_id)
        ).all()
    return {
        r[0]: RevisitRate(int(r[1]), int(r[2] or 0), _rate(int(r[2] or 0), int(r[1]))) for r in rows
    }


def revisit_booking_rate(
    clinic: Clinic, actor: Actor, first_day: date, last_day: date
) -> dict[uuid.UUID, tuple[int, int, float | None]]:
    """A9: per doctor (visits done, followed by a booking within 30 days, the share)."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    lo, hi = _range(clinic, first_day, last_day)
    return {k: (v.visits_done, v.rebooked, v.rate) for k, v in _revisit(clinic, lo, hi).items()}


def monthly_summary(clinic: Clinic, actor: Actor, year: int, month: int) -> MonthlySummary:
    """A9: the month's totals, per day, doctor, channel and type, and revisit rates."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    for value in (year, month):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "Choose the month as a year and a month number.")
            )
    if not (2000 <= year <= 2200 and 1 <= month <= 12):
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "There is no month {month} of {year} to summarise. Choose a month between "
                "1 and 12 of a year from 2000.",
            ),
            month=month,
            year=year,
        )
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lo, hi = _range(clinic, first, last)
    by_day = _stats(clinic, lo, hi, "day")
    sums = [0] * 7
    for row in by_day:
        for i, value in enumerate(
            (
                row.bookings,
                row.arrivals,
                row.no_shows,
                row.late_cancellations,
                row.add_ons,
                row.cancellations,
                row.pending,
            )
        ):
            sums[i] += value
    return MonthlySummary(
        year=year,
        month=month,
        first_day=first,
        last_day=last,
        total=_row(f"{year:04d}-{month:02d}", "", sums),
        by_day=tuple(by_day),
        by_doctor=tuple(_stats(clinic, lo, hi, "doctor")),
        by_channel=tuple(_stats(clinic, lo, hi, "channel")),
        by_type=tuple(_stats(clinic, lo, hi, "type")),
        revisit=_revisit(clinic, lo, hi),
    )
