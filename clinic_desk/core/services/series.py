"""Recurring appointments (spec A6; issue 5): create, extend, change and cancel a series.

A series is its rule (``AppointmentSeries``) plus ordinary appointment rows,
one per occurrence, each with ``series_id`` and ``series_day`` (the day the
rule gave it, kept when the occurrence is moved). Each occurrence is the
same local clock time on its own day, converted to UTC per day, so a 09:00
series stays 09:00 across a daylight-saving change.

Everything of one request is checked and written in ONE write transaction:
a conflicting occurrence (doctor, room or device taken, the booking cutoff,
or an unconfirmed "outside working hours" / "patient already booked") makes
the whole request fail with ``SeriesConflict``, which lists the dates; the
desk may pass them as ``skip_days`` or confirm. Nothing is half-written.
Days the clinic is closed (public holidays by the clinic's calendar, its own
closures) are skipped or booked flagged (``on_holiday``) per the series'
``holiday_policy``.

An open-ended series is written up to ``appointments.series_horizon_days``
ahead; ``extend_open_series`` (daily task) writes further occurrences as
time passes, skipping days that conflict (it cannot ask anybody) and days
that already have a row of the series (so it is idempotent, and a cancelled
or moved occurrence is never brought back).

Changes: "one" moves or cancels that occurrence through the booking service;
"following" ends the series the day before and starts a new one from that
day; "all" rewrites the future occurrences of the same series. Past
occurrences are never touched - a series never "disappears". Future
occurrences that a change replaces are withdrawn (tombstoned: they never
happened, so they do not count as cancellations in the statistics); an
occurrence moved on its own ("detached": another day, time, length or
doctor than the series) is left as it is. Every change is audited.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import ClinicError, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import recurrence, slots
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, Role, allowed
from clinic_desk.core.services import appointments, rosters
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.store.models import (
    Appointment,
    AppointmentResource,
    AppointmentSeries,
    AppointmentType,
    Resource,
    Staff,
)

POLICIES = ("skip", "flag")
SCOPES = ("one", "following", "all")
HELD = ("booked", "confirmed")
# Conflict reasons; the last two can be confirmed instead of skipped.
DOCTOR_BUSY = "doctor_busy"
RESOURCE_BUSY = "resource_busy"
CUTOFF = "after_cutoff"
PAST = "past"
OUTSIDE_HOURS = appointments.OUTSIDE_HOURS
PATIENT_BUSY = appointments.PATIENT_BUSY
CONFIRMABLE = frozenset({OUTSIDE_HOURS, PATIENT_BUSY})
FAR_FUTURE = date(9000, 1, 1)
MAX_SKIP_DAYS = 1000


class SeriesConflict(ClinicError):
    """Some occurrences cannot be booked; ``conflicts`` maps each date to why."""

    template = QT_TRANSLATE_NOOP(
        "Errors",
        "The series cannot be booked on {dates}. Nothing was saved. Skip these dates, "
        "choose another time or doctor, or confirm where that is allowed.",
    )

    def __init__(self, conflicts: dict[date, str]) -> None:
        self.conflicts = dict(sorted(conflicts.items()))
        shown = [d.isoformat() for d in self.conflicts][:20]
        more = len(self.conflicts) - len(shown)
        text = ", ".join(shown) + (f" (+{more})" if more > 0 else "")
        super().__init__(dates=text)

    @property
    def confirmable(self) -> bool:
        """True when confirming (``confirm=``) would be enough, no date need be skipped."""
        return all(reason in CONFIRMABLE for reason in self.conflicts.values())


@dataclass(frozen=True)
class SeriesView:
    id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    type_id: uuid.UUID | None
    frequency: str
    interval: int
    weekdays: frozenset[int]
    first_day: date
    until: date | None
    count: int | None
    start_minute: int
    minutes: int
    holiday_policy: str
    generated_until: date | None
    ended: bool
    # What this request wrote, skipped for a closed day, and flagged.
    appointment_ids: tuple[uuid.UUID, ...] = ()
    skipped_days: tuple[date, ...] = ()
    flagged_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class _Pattern:
    """What every occurrence shares."""

    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    type_id: uuid.UUID | None
    resource_ids: tuple[uuid.UUID, ...]
    start_minute: int
    minutes: int
    channel: str
    purpose: str
    holiday_policy: str


# -- input -----------------------------------------------------------------------------------------


def _text(value: object, label: str, limit: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be text."), label=label
        )
    text = unicodedata.normalize("NFC", value)
    text = "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n")
    text = text.strip()
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


def _clock(start_minute: object, minutes: object) -> tuple[int, int]:
    if isinstance(start_minute, bool) or not isinstance(start_minute, int):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The start time should be minutes after midnight.")
        )
    if not 0 <= start_minute < 24 * 60:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The start time should be between 00:00 and 23:59.")
        )
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The length should be a whole number of minutes.")
        )
    if not appointments.MIN_MINUTES <= minutes <= appointments.MAX_MINUTES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Each appointment should last between {low} and {high} minutes."
            ),
            low=appointments.MIN_MINUTES,
            high=appointments.MAX_MINUTES,
        )
    if start_minute + minutes > 24 * 60:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Each appointment would run past midnight. End it by 24:00, or start earlier.",
            )
        )
    return start_minute, minutes


def _day(value: object, label: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be a calendar date."), label=label
        )
    return value


def _confirm(values: Iterable[str]) -> frozenset[str]:
    given = frozenset(values)
    if not given <= CONFIRMABLE:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "A series can only confirm 'outside working hours' and 'patient already "
                "booked'; skip the other dates instead.",
            )
        )
    return given


def _confirm_move(values: Iterable[str]) -> frozenset[str]:
    given = frozenset(values)
    allowed = appointments.CONFIRM_REASONS - {appointments.AFTER_CUTOFF}
    if not given <= allowed:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Moving after the booking cutoff needs the director; move this appointment "
                "from the calendar as the director, with a reason.",
            )
        )
    return given


def _skip(values: Iterable[date]) -> frozenset[date]:
    days = frozenset(_day(v, "day to skip") for v in values)
    if len(days) > MAX_SKIP_DAYS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Too many days to skip: at most {n}."), n=MAX_SKIP_DAYS
        )
    return days


def _limit(clinic: Clinic) -> int:
    return int(clinic.setting("appointments.max_series_occurrences"))


def _horizon(clinic: Clinic) -> date:
    return clinic.today() + timedelta(days=int(clinic.setting("appointments.series_horizon_days")))


# -- checks inside the write transaction ----------------------------------------------------------


def _doctor(session: Session, doctor_id: uuid.UUID) -> Staff:
    row = session.get(Staff, doctor_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "doctor"))
    if row.disabled_at is not None or row.role not in (Role.DOCTOR, Role.HEALTH_MANAGER):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "{name} cannot take appointments. Choose another doctor."),
            name=row.display_name,
        )
    return row


def _resources(
    session: Session, type_id: uuid.UUID | None, wanted: Sequence[uuid.UUID]
) -> tuple[uuid.UUID, ...]:
    needed: list[uuid.UUID] = []
    if type_id is not None:
        kind = session.get(AppointmentType, type_id)
        if kind is None or kind.deleted_at is not None or not kind.active:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "That appointment type is no longer offered. Choose another type."
                )
            )
        needed += rosters.parse_resource_ids(kind.resource_ids)
    for rid in wanted:
        if not isinstance(rid, uuid.UUID):
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "A room or device in the list is not valid.")
            )
        if rid not in needed:
            needed.append(rid)
    if len(needed) > appointments.MAX_RESOURCES:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "An appointment can hold at most {n} rooms and devices."),
            n=appointments.MAX_RESOURCES,
        )
    for rid in needed:
        res = session.get(Resource, rid)
        if res is None or res.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "room or device"))
        if not res.active:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "{name} is out of use. Choose another room or device."),
                name=res.name,
            )
    return tuple(needed)


def _busy(
    session: Session, where: Sequence[Any], lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    rows = session.execute(
        select(Appointment.starts_at, Appointment.ends_at).where(
            *where,
            Appointment.starts_at >= lo - timedelta(minutes=appointments.MAX_MINUTES),
            Appointment.starts_at < hi,
            Appointment.status.in_(appointments.ACTIVE_STATUSES),
            Appointment.deleted_at.is_(None),
        )
    ).all()
    return [(r[0], r[1]) for r in rows]


def _overlaps(spans: Sequence[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(s < end and e > start for s, e in spans)


@dataclass(frozen=True)
class _Plan:
    book: list[tuple[date, datetime, datetime, bool]]  # day, start, end, on_holiday
    skipped: list[date]
    conflicts: dict[date, str]


def _plan(
    clinic: Clinic,
    actor: Actor,
    session: Session,
    pattern: _Pattern,
    days: Sequence[date],
    *,
    confirm: frozenset[str],
) -> _Plan:
    """Which days to book, skip (closed) or refuse, from one query per kind of busy."""
    if not days:
        return _Plan([], [], {})
    zone = clinic.timezone()
    first, last = days[0], days[-1]
    lo, _ = slots.day_bounds_utc(first, zone)
    _, hi = slots.day_bounds_utc(last, zone)
    doctor_busy = _busy(session, [Appointment.doctor_id == pattern.doctor_id], lo, hi)
    patient_busy = _busy(session, [Appointment.patient_id == pattern.patient_id], lo, hi)
    resource_busy: list[tuple[datetime, datetime]] = []
    if pattern.resource_ids:
        resource_busy = [
            (r[0], r[1])
            for r in session.execute(
                select(AppointmentResource.starts_at, AppointmentResource.ends_at).where(
                    AppointmentResource.resource_id.in_(list(pattern.resource_ids)),
                    AppointmentResource.starts_at
                    >= lo - timedelta(minutes=appointments.MAX_MINUTES),
                    AppointmentResource.starts_at < hi,
                    AppointmentResource.active.is_(True),
                )
            )
        ]
    closed: dict[date, bool] = {}
    spans: dict[tuple[uuid.UUID, date], list[tuple[int, int]]] = {}
    chunk = first
    while chunk <= last:
        # The roster service reads at most a few years at a time.
        chunk_end = min(last, chunk + timedelta(days=rosters.MAX_RANGE_DAYS - 1))
        for info in rosters.calendar_days_in(session, clinic, chunk, chunk_end):
            closed[info.day] = info.closed
        spans.update(rosters.working_spans_range_in(session, [pattern.doctor_id], chunk, chunk_end))
        chunk = chunk_end + timedelta(days=1)
    now = clinic.now()
    local_now = now.astimezone(zone)
    cutoff = settings_catalog.parse_time(str(clinic.setting("appointments.booking_cutoff")))
    may_override = actor.is_system or allowed(actor.role, Action.BOOKING_OVERRIDE)
    result = _Plan([], [], {})
    end_minute = pattern.start_minute + pattern.minutes
    for day in days:
        on_holiday = closed.get(day, False)
        if on_holiday and pattern.holiday_policy == "skip":
            result.skipped.append(day)
            continue
        start = slots.local_to_utc(day, pattern.start_minute, zone)
        end = slots.local_to_utc(day, end_minute, zone)
        reason = ""
        if start < now:
            reason = PAST
        elif not may_override and (
            day == local_now.date()
            or (day == local_now.date() + timedelta(days=1) and local_now.time() >= cutoff)
        ):
            reason = CUTOFF
        elif _overlaps(resource_busy, start, end):
            reason = RESOURCE_BUSY
        elif _overlaps(doctor_busy, start, end):
            reason = DOCTOR_BUSY
        elif OUTSIDE_HOURS not in confirm and not slots.covers(
            spans.get((pattern.doctor_id, day), []), (pattern.start_minute, end_minute)
        ):
            reason = OUTSIDE_HOURS
        elif PATIENT_BUSY not in confirm and _overlaps(patient_busy, start, end):
            reason = PATIENT_BUSY
        if reason:
            result.conflicts[day] = reason
        else:
            result.book.append((day, start, end, on_holiday))
    return result


def _write(
    clinic: Clinic,
    actor: Actor,
    session: Session,
    series: AppointmentSeries,
    pattern: _Pattern,
    plan: _Plan,
) -> list[uuid.UUID]:
    now = clinic.now()
    ids: list[uuid.UUID] = []
    for day, start, end, on_holiday in plan.book:
        row = Appointment(
            patient_id=pattern.patient_id,
            doctor_id=pattern.doctor_id,
            type_id=pattern.type_id,
            starts_at=start,
            ends_at=end,
            status="booked",
            channel=pattern.channel,
            purpose=pattern.purpose,
            series_id=series.id,
            series_day=day,
            on_holiday=on_holiday,
            identity_checked_at=now,
            identity_checked_by=actor.staff_id,
            booked_by=actor.staff_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
        for rid in pattern.resource_ids:
            session.add(
                AppointmentResource(
                    appointment_id=row.id, resource_id=rid, starts_at=start, ends_at=end
                )
            )
    session.flush()
    return ids


def _rule_of(series: AppointmentSeries) -> recurrence.Rule:
    return recurrence.Rule(
        frequency=series.frequency,
        interval=series.interval,
        weekdays=recurrence.parse_weekdays(series.weekdays),
        first_day=series.first_day,
        until=series.until,
        count=series.count,
    )


def _view(
    series: AppointmentSeries,
    ids: Sequence[uuid.UUID] = (),
    plan: _Plan | None = None,
) -> SeriesView:
    return SeriesView(
        id=series.id,
        patient_id=series.patient_id,
        doctor_id=series.doctor_id,
        type_id=series.type_id,
        frequency=series.frequency,
        interval=series.interval,
        weekdays=recurrence.parse_weekdays(series.weekdays),
        first_day=series.first_day,
        until=series.until,
        count=series.count,
        start_minute=series.start_minute,
        minutes=series.minutes,
        holiday_policy=series.holiday_policy,
        generated_until=series.generated_until,
        ended=series.ended_at is not None,
        appointment_ids=tuple(ids),
        skipped_days=tuple(plan.skipped) if plan else (),
        flagged_days=tuple(d for d, _, _, h in plan.book if h) if plan else (),
    )


def _days_for(
    clinic: Clinic, rule: recurrence.Rule, *, after: date | None = None
) -> tuple[list[date], date]:
    """The rule's days to write now and how far the series is then written."""
    horizon = _horizon(clinic) if rule.open_ended else (rule.until or FAR_FUTURE)
    days = recurrence.occurrences(rule, horizon=horizon, limit=_limit(clinic), after=after)
    written_to = horizon if rule.open_ended else (days[-1] if days else rule.first_day)
    return days, written_to


def _changes(*ids: uuid.UUID) -> Changes:
    return Changes(frozenset({Topic.APPOINTMENTS}), frozenset(ids))


def _audit(
    clinic: Clinic,
    uow: Any,
    actor: Actor,
    action: str,
    series: AppointmentSeries,
    detail: dict[str, Any],
    reason: str = "",
) -> None:
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=action,
            object_type="appointment_series",
            object_id=series.id.hex,
            patient_id=series.patient_id,
            reason=reason,
            detail=json.dumps(detail, default=str),
        ),
    )


# -- creating ------------------------------------------------------------------------------------


def create_series(
    clinic: Clinic,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    doctor_id: uuid.UUID,
    first_day: date,
    start_minute: int,
    minutes: int,
    frequency: str,
    channel: str,
    identity_checked: bool,
    interval: int = 1,
    weekdays: Iterable[int] = (),
    until: date | None = None,
    count: int | None = None,
    type_id: uuid.UUID | None = None,
    resource_ids: Sequence[uuid.UUID] = (),
    purpose: str = "",
    holiday_policy: str = "skip",
    confirm: Iterable[str] = frozenset(),
    skip_days: Iterable[date] = (),
) -> Written[SeriesView]:
    """Book a recurring appointment: every occurrence or none (``SeriesConflict``)."""
    clinic.require(actor, Action.APPOINTMENT_MANAGE, patient_id=patient_id)
    appointments._require_identity(identity_checked)
    if channel not in appointments.CHANNELS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Choose how the booking came in: phone, online, on site, referral or "
                "free-clinic event.",
            )
        )
    if holiday_policy not in POLICIES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Choose whether closed days are skipped or booked and flagged."
            )
        )
    start_minute, minutes = _clock(start_minute, minutes)
    first = _day(first_day, "first day")
    if until is not None:
        _day(until, "last day")
    if first < clinic.today():
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The first day ({day}) has passed. Start the series today or later."
            ),
            day=first.isoformat(),
        )
    try:
        week_set = frozenset(weekdays)
    except TypeError:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "A weekday should be 0 (Monday) to 6 (Sunday). Choose the days again."
            )
        ) from None
    rule = recurrence.Rule(
        frequency=frequency,
        interval=interval,
        weekdays=week_set,
        first_day=first,
        until=until,
        count=count,
    )
    days, written_to = _days_for(clinic, rule)
    skip = _skip(skip_days)
    confirmed = _confirm(confirm)
    pattern = _Pattern(
        patient_id=patient_id,
        doctor_id=doctor_id,
        type_id=type_id,
        resource_ids=(),
        start_minute=start_minute,
        minutes=minutes,
        channel=channel,
        purpose=_text(purpose, "purpose", appointments.MAX_PURPOSE),
        holiday_policy=holiday_policy,
    )
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        appointments._patient(s, patient_id)
        _doctor(s, doctor_id)
        pattern = replace(pattern, resource_ids=_resources(s, type_id, resource_ids))
        # H2: a member's home visits are booked one by one, each counted on its own.
        appointments.refuse_benefit_series_in(s, patient_id, type_id, first)
        wanted = [d for d in days if d not in skip]
        plan = _plan(clinic, actor, s, pattern, wanted, confirm=confirmed)
        if plan.conflicts:
            raise SeriesConflict(plan.conflicts)
        if not plan.book:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This series has no day left to book (all skipped or closed). Choose "
                    "other days.",
                )
            )
        now = clinic.now()
        series = AppointmentSeries(
            patient_id=patient_id,
            doctor_id=doctor_id,
            type_id=type_id,
            frequency=rule.frequency,
            interval=rule.interval,
            weekdays=recurrence.weekdays_text(rule.weekdays),
            first_day=first,
            until=until,
            count=count,
            start_minute=start_minute,
            minutes=minutes,
            holiday_policy=holiday_policy,
            generated_until=written_to,
            created_at=now,
            updated_at=now,
        )
        s.add(series)
        s.flush()
        ids = _write(clinic, actor, s, series, pattern, plan)
        _audit(
            clinic,
            uow,
            actor,
            "series.create",
            series,
            {
                "doctor_id": doctor_id.hex,
                "rule": f"{rule.frequency}/{rule.interval}/{series.weekdays}",
                "first_day": first,
                "until": until,
                "count": count,
                "booked": len(ids),
                "skipped_closed": [d.isoformat() for d in plan.skipped],
                "skipped_asked": sorted(d.isoformat() for d in skip if d in days),
                "flagged": [d.isoformat() for d, _, _, h in plan.book if h],
                "confirmed": sorted(confirmed),
            },
        )
        view = _view(series, ids, plan)
        uow.commit()
    return Written(view, _changes(view.id, patient_id, doctor_id, *ids))


def extend_open_series(clinic: Clinic, actor: Actor) -> int:
    """Write the occurrences of open-ended series that came within the horizon.

    Idempotent: a day that already has a row of the series (booked, moved or
    cancelled) is never written again. Conflicting days are skipped and named
    in the audit row. Returns how many appointments were written.
    """
    if not actor.is_system:
        clinic.require(actor, Action.APPOINTMENT_MANAGE)
    horizon = _horizon(clinic)
    system = Actor.system("series")
    total = 0
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        due = (
            s.execute(
                select(AppointmentSeries).where(
                    AppointmentSeries.deleted_at.is_(None),
                    AppointmentSeries.ended_at.is_(None),
                    AppointmentSeries.until.is_(None),
                    AppointmentSeries.count.is_(None),
                    AppointmentSeries.generated_until < horizon,
                )
            )
            .scalars()
            .all()
        )
        for series in due:
            after = series.generated_until
            rule = _rule_of(series)
            days = recurrence.occurrences(rule, horizon=horizon, limit=_limit(clinic), after=after)
            have = {
                r[0]
                for r in s.execute(
                    select(Appointment.series_day).where(
                        Appointment.series_id == series.id,
                        Appointment.series_day > (after or series.first_day),
                        Appointment.deleted_at.is_(None),
                    )
                )
            }
            days = [d for d in days if d not in have and d >= clinic.today()]
            template = s.execute(
                select(Appointment)
                .where(Appointment.series_id == series.id)
                .order_by(Appointment.series_day.desc())
                .limit(1)
            ).scalar_one_or_none()
            held = (
                [
                    r[0]
                    for r in s.execute(
                        select(AppointmentResource.resource_id).where(
                            AppointmentResource.appointment_id == template.id
                        )
                    )
                ]
                if template is not None
                else []
            )
            pattern = _Pattern(
                patient_id=series.patient_id,
                doctor_id=series.doctor_id,
                type_id=series.type_id,
                resource_ids=tuple(held),
                start_minute=series.start_minute,
                minutes=series.minutes,
                channel=template.channel if template else "phone",
                purpose=template.purpose if template else "",
                holiday_policy=series.holiday_policy,
            )
            # Nobody is there to confirm: days off the roster or with the patient
            # already booked are skipped (and named in the audit row).
            plan = _plan(clinic, system, s, pattern, days, confirm=frozenset())
            ids = _write(clinic, actor, s, series, pattern, plan)
            series.generated_until = horizon
            series.updated_at = clinic.now()
            total += len(ids)
            if ids or plan.conflicts:
                _audit(
                    clinic,
                    uow,
                    actor,
                    "series.extend",
                    series,
                    {
                        "booked": len(ids),
                        "up_to": horizon,
                        "conflicts": {d.isoformat(): r for d, r in plan.conflicts.items()},
                    },
                )
        uow.commit()
    return total


# -- changing and cancelling ---------------------------------------------------------------


def _occurrence(
    session: Session, appointment_id: uuid.UUID
) -> tuple[Appointment, AppointmentSeries]:
    row = session.get(Appointment, appointment_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment"))
    if row.series_id is None or row.series_day is None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This appointment is not part of a series. Change it on its own.",
            )
        )
    series = session.get(AppointmentSeries, row.series_id)
    if series is None or series.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment series"))
    return row, series


def _scope(scope: object) -> str:
    if scope not in SCOPES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Choose what to change: this appointment, this and the following ones, or all.",
            )
        )
    return str(scope)


def _attached(clinic: Clinic, row: Appointment, series: AppointmentSeries) -> bool:
    """Still as the series made it (not moved on its own to another time or doctor)."""
    local = row.starts_at.astimezone(clinic.timezone())
    minute = local.hour * 60 + local.minute
    length = int((row.ends_at - row.starts_at).total_seconds() // 60)
    return (
        local.date() == row.series_day
        and minute == series.start_minute
        and length == series.minutes
        and row.doctor_id == series.doctor_id
    )


def _future_rows(
    clinic: Clinic, session: Session, series: AppointmentSeries, from_day: date
) -> list[Appointment]:
    now = clinic.now()
    rows = (
        session.execute(
            select(Appointment).where(
                Appointment.series_id == series.id,
                Appointment.series_day >= from_day,
                Appointment.starts_at > now,
                Appointment.status.in_(HELD),
                Appointment.deleted_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    return list(rows)


def _withdraw(clinic: Clinic, session: Session, rows: Sequence[Appointment]) -> None:
    now = clinic.now()
    for row in rows:
        row.deleted_at = now
        row.updated_at = now
    if rows:
        session.execute(
            update(AppointmentResource)
            .where(AppointmentResource.appointment_id.in_([r.id for r in rows]))
            .values(active=False)
        )
    session.flush()


def change_series(
    clinic: Clinic,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    scope: str,
    identity_checked: bool,
    starts_at_minute: int | None = None,
    minutes: int | None = None,
    doctor_id: uuid.UUID | None = None,
    weekdays: Iterable[int] | None = None,
    confirm: Iterable[str] = frozenset(),
    skip_days: Iterable[date] = (),
) -> Written[SeriesView]:
    """Change one occurrence, this and the following ones, or all future ones.

    "one" goes through the booking service's ``move`` (same day, its checks);
    the others re-plan the occurrences from that day (or from today for "all")
    with the same checks as ``create_series``, in one transaction.
    """
    clinic.require(actor, Action.APPOINTMENT_MANAGE)
    the_scope = _scope(scope)
    appointments._require_identity(identity_checked)
    # One occurrence is an ordinary move, with everything a move may confirm (a past
    # time, a closed day); re-planning many dates confirms only what CONFIRMABLE says.
    confirmed = _confirm_move(confirm) if the_scope == "one" else _confirm(confirm)
    skip = _skip(skip_days)
    with clinic.store.unit_of_work(write=False) as uow:
        row, series = _occurrence(uow.session, appointment_id)
        day, series_id = row.series_day, series.id
        old_start, old_minutes = series.start_minute, series.minutes
        patient_id = row.patient_id
    assert day is not None
    new_start, new_minutes = _clock(
        old_start if starts_at_minute is None else starts_at_minute,
        old_minutes if minutes is None else minutes,
    )
    if the_scope == "one":
        if weekdays is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Weekdays belong to the whole series. Change this and the following "
                    "appointments, or all, to change them.",
                )
            )
        zone = clinic.timezone()
        with clinic.store.unit_of_work(write=False) as uow:
            current = uow.session.get(Appointment, appointment_id)
            assert current is not None
            on_day = current.starts_at.astimezone(zone).date()
            if starts_at_minute is None:
                local = current.starts_at.astimezone(zone)
                new_start = local.hour * 60 + local.minute
            if minutes is None:
                new_minutes = int((current.ends_at - current.starts_at).total_seconds() // 60)
        new_start, new_minutes = _clock(new_start, new_minutes)
        appointments.move(
            clinic,
            actor,
            appointment_id,
            starts_at=slots.local_to_utc(on_day, new_start, zone),
            minutes=new_minutes,
            doctor_id=doctor_id,
            identity_checked=True,
            confirm=confirmed,
        )
        with clinic.store.unit_of_work(write=True) as uow:
            series_row = uow.session.get(AppointmentSeries, series_id)
            assert series_row is not None
            _audit(
                clinic,
                uow,
                actor,
                "series.change",
                series_row,
                {"scope": "one", "appointment_id": appointment_id.hex, "day": day},
            )
            view = _view(series_row, [appointment_id])
            uow.commit()
        return Written(view, _changes(series_id, appointment_id, patient_id))
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row, series = _occurrence(s, appointment_id)
        from_day = day if the_scope == "following" else max(clinic.today(), series.first_day)
        new_doctor = doctor_id or series.doctor_id
        _doctor(s, new_doctor)
        appointments._patient(s, series.patient_id)
        old_rule = _rule_of(series)
        new_weekdays = old_rule.weekdays if weekdays is None else frozenset(weekdays)
        # A skipped date keeps the appointment it has: skipping means "leave that one
        # as it is", never "drop it" (the patient still expects to come).
        replaced = [
            r
            for r in _future_rows(clinic, s, series, from_day)
            if _attached(clinic, r, series) and r.series_day not in skip
        ]
        kept_days = {
            r[0]
            for r in s.execute(
                select(Appointment.series_day).where(
                    Appointment.series_id == series.id,
                    Appointment.series_day >= from_day,
                    Appointment.deleted_at.is_(None),
                )
            )
        } - {r.series_day for r in replaced}
        template = replaced[0] if replaced else row
        held = tuple(
            r[0]
            for r in s.execute(
                select(AppointmentResource.resource_id).where(
                    AppointmentResource.appointment_id == template.id
                )
            )
        )
        _withdraw(clinic, s, replaced)
        now = clinic.now()
        if the_scope == "following":
            earlier_count = s.execute(
                select(Appointment.id).where(
                    Appointment.series_id == series.id, Appointment.series_day < from_day
                )
            ).all()
            new_rule = recurrence.Rule(
                frequency=old_rule.frequency,
                interval=old_rule.interval,
                weekdays=new_weekdays if old_rule.frequency == "weekly" else frozenset(),
                first_day=from_day,
                until=old_rule.until,
                count=(
                    max(old_rule.count - len(earlier_count), 1)
                    if old_rule.count is not None
                    else None
                ),
            )
            target = AppointmentSeries(
                patient_id=series.patient_id,
                doctor_id=new_doctor,
                type_id=series.type_id,
                frequency=new_rule.frequency,
                interval=new_rule.interval,
                weekdays=recurrence.weekdays_text(new_rule.weekdays),
                first_day=from_day,
                until=new_rule.until,
                count=new_rule.count,
                start_minute=new_start,
                minutes=new_minutes,
                holiday_policy=series.holiday_policy,
                created_at=now,
                updated_at=now,
            )
            s.add(target)
            s.flush()
            # The old series ends the day before; its past stays as it was.
            series.until = from_day - timedelta(days=1)
            series.count = None
            series.generated_until = series.until
            series.updated_at = now
            if series.until < series.first_day:
                series.ended_at = now
            kept_days = set()  # rows of the old series do not block the new one
        else:
            target = series
            target.doctor_id = new_doctor
            target.start_minute, target.minutes = new_start, new_minutes
            target.weekdays = recurrence.weekdays_text(
                new_weekdays if old_rule.frequency == "weekly" else frozenset()
            )
            target.updated_at = now
            new_rule = _rule_of(target)
        days, written_to = _days_for(clinic, new_rule, after=from_day - timedelta(days=1))
        days = [d for d in days if d not in skip and d not in kept_days]
        pattern = _Pattern(
            patient_id=series.patient_id,
            doctor_id=new_doctor,
            type_id=series.type_id,
            resource_ids=held,
            start_minute=new_start,
            minutes=new_minutes,
            channel=template.channel,
            purpose=template.purpose,
            holiday_policy=series.holiday_policy,
        )
        plan = _plan(clinic, actor, s, pattern, days, confirm=confirmed)
        if plan.conflicts:
            raise SeriesConflict(plan.conflicts)
        target.generated_until = written_to
        ids = _write(clinic, actor, s, target, pattern, plan)
        _audit(
            clinic,
            uow,
            actor,
            "series.change",
            series,
            {
                "scope": the_scope,
                "from_day": from_day,
                "new_series_id": target.id.hex if target is not series else None,
                "withdrawn": [r.id.hex for r in replaced],
                "booked": len(ids),
                "start_minute": new_start,
                "minutes": new_minutes,
                "doctor_id": new_doctor.hex,
                "weekdays": target.weekdays,
            },
        )
        view = _view(target, ids, plan)
        uow.commit()
    return Written(view, _changes(series_id, view.id, patient_id, *ids, *(r.id for r in replaced)))


def cancel_series(
    clinic: Clinic, actor: Actor, appointment_id: uuid.UUID, *, scope: str, reason: str
) -> Written[SeriesView]:
    """Cancel one occurrence, this and the following ones, or every future one.

    Past occurrences stay. Cancelled rows keep their series day, so the series
    never writes them again; late cancellations are marked as for one booking.
    """
    clinic.require(actor, Action.APPOINTMENT_MANAGE)
    the_scope = _scope(scope)
    why = _text(reason, "reason for cancelling", appointments.MAX_REASON, required=True)
    with clinic.store.unit_of_work(write=False) as uow:
        _occurrence(uow.session, appointment_id)  # refuse before anything changes
    if the_scope == "one":
        appointments.cancel(clinic, actor, appointment_id, reason=why)
        with clinic.store.unit_of_work(write=True) as uow:
            _, series = _occurrence(uow.session, appointment_id)
            _audit(
                clinic,
                uow,
                actor,
                "series.cancel",
                series,
                {"scope": "one", "appointment_id": appointment_id.hex},
                why,
            )
            view = _view(series, [appointment_id])
            uow.commit()
        return Written(view, _changes(view.id, appointment_id, view.patient_id))
    late_hours = int(clinic.setting("appointments.late_cancel_hours"))
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row, series = _occurrence(s, appointment_id)
        assert row.series_day is not None
        now = clinic.now()
        from_day = row.series_day if the_scope == "following" else series.first_day
        rows = _future_rows(clinic, s, series, from_day)
        for r in rows:
            r.status, r.cancelled_at, r.cancelled_by = "cancelled", now, actor.staff_id
            r.cancel_reason = why
            r.late_cancel = r.starts_at - now < timedelta(hours=late_hours)
            r.updated_at = now
        if rows:
            s.execute(
                update(AppointmentResource)
                .where(AppointmentResource.appointment_id.in_([r.id for r in rows]))
                .values(active=False)
            )
        if the_scope == "following" and row.series_day > series.first_day:
            series.until = row.series_day - timedelta(days=1)
            series.count = None
            series.generated_until = series.until
        else:
            series.ended_at = now
        series.updated_at = now
        _audit(
            clinic,
            uow,
            actor,
            "series.cancel",
            series,
            {"scope": the_scope, "from_day": from_day, "cancelled": [r.id.hex for r in rows]},
            why,
        )
        view = _view(series, [r.id for r in rows])
        uow.commit()
    return Written(view, _changes(view.id, view.patient_id, *(r.id for r in rows)))


def get_series(clinic: Clinic, actor: Actor, series_id: uuid.UUID) -> SeriesView:
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    with clinic.store.unit_of_work(write=False) as uow:
        series = uow.session.get(AppointmentSeries, series_id)
        if series is None or series.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment series"))
        ids = [
            r[0]
            for r in uow.session.execute(
                select(Appointment.id)
                .where(Appointment.series_id == series_id, Appointment.deleted_at.is_(None))
                .order_by(Appointment.starts_at)
            )
        ]
        return _view(series, ids)
