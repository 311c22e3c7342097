"""A doctor's absence or substitution (停诊/换人, spec A7), end to end.

``record_absence`` writes the roster exception ("absent", or "substitute"
when another doctor takes the patients) and, in the same transaction, one
contact row per affected appointment. It must be known by
``appointments.absence_notice_cutoff`` the day before; entered later it is
still recorded and its list still produced, flagged ``late``.

``absence_worklist`` is the desk's calling list: each affected patient with
the alternatives to offer, computed when the list is opened (free time
changes while the desk calls): the substitute at the same time if free, the
same doctor's next free times after the absence, and another doctor free at
the same time.

``resolve_contact`` records how the call went. "moved" moves the appointment
through the booking service (same checks, identity checked again, A2);
"cancelled" cancels it. The waitlist candidates for a freed slot come back
so the desk can offer it (A6) - only when that slot is still worked, i.e.
with the substitute: an absent doctor's own slot is no use to anybody.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_desk.core import settings_catalog
from clinic_desk.core.errors import NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import slots
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services import appointments, membership, rosters, waitlist
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.store.models import (
    AbsenceContact,
    Appointment,
    RosterException,
    Staff,
)

MAX_REASON = 500
MAX_NOTE = 500
AFFECTED_STATUSES = ("booked", "confirmed")
CONTACT_STATUSES = ("to_contact", "contacted", "moved", "cancelled", "unreachable", "kept")
# Once the appointment was moved or cancelled, the contact is closed.
FINAL_STATUSES = ("moved", "cancelled")
SAME_DOCTOR_OFFERS = 3


@dataclass(frozen=True)
class AbsenceView:
    exception_id: uuid.UUID
    doctor_id: uuid.UUID
    day: date
    kind: str  # "absent" or "substitute"
    start_minute: int | None  # None: the whole day
    end_minute: int | None
    substitute_id: uuid.UUID | None
    reason: str
    late: bool
    affected: int  # appointments to contact


@dataclass(frozen=True)
class Alternative:
    kind: str  # "substitute", "same_doctor", "other_doctor"
    doctor_id: uuid.UUID
    doctor_name: str
    starts_at: datetime  # UTC
    minutes: int


@dataclass(frozen=True)
class AffectedView:
    contact_id: uuid.UUID
    appointment: appointments.AppointmentView
    patient_name: str
    patient_phone: str
    status: str
    note: str
    handled_at: datetime | None
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class ContactResult:
    contact_id: uuid.UUID
    status: str
    appointment: appointments.AppointmentView
    # Who could take the freed slot (empty when nothing usable was freed).
    candidates: tuple[waitlist.WaitlistView, ...]


# -- input --------------------------------------------------------------------------------------


def _text(value: object, label: str, limit: int, *, required: bool) -> str:
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


def _span(start_minute: object, end_minute: object) -> tuple[int, int] | None:
    if start_minute is None and end_minute is None:
        return None
    if start_minute is None or end_minute is None:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Give both the start and the end time, or neither for the whole day."
            )
        )
    for value in (start_minute, end_minute):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24 * 60:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "A time of day should be between 00:00 and 24:00 (0 to 1440 minutes).",
                )
            )
    assert isinstance(start_minute, int) and isinstance(end_minute, int)
    if end_minute <= start_minute:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The absence ends before or when it starts. Give an end after the start, or "
                "neither for the whole day.",
            )
        )
    return start_minute, end_minute


def _notice_deadline(clinic: Clinic, day: date) -> datetime:
    at = settings_catalog.parse_time(str(clinic.setting("appointments.absence_notice_cutoff")))
    return datetime.combine(day - timedelta(days=1), at, clinic.timezone()).astimezone(UTC)


def _staff_row(session: Session, staff_id: uuid.UUID) -> Staff:
    row = session.get(Staff, staff_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "doctor"))
    return row


# -- recording -----------------------------------------------------------------------------------


def record_absence(
    clinic: Clinic,
    actor: Actor,
    doctor_id: uuid.UUID,
    day: date,
    *,
    start_minute: int | None = None,
    end_minute: int | None = None,
    substitute_id: uuid.UUID | None = None,
    reason: str,
) -> Written[AbsenceView]:
    """A7: the doctor is away (the whole day or a span); lists every affected patient."""
    clinic.require(actor, Action.ABSENCE_RECORD, object_type="staff", object_id=doctor_id.hex)
    if str(actor.role) == Role.DOCTOR and actor.staff_id != doctor_id:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "A doctor records their own absence. Ask the desk or the director to record "
                "a colleague's.",
            )
        )
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be a calendar date."), label="day"
        )
    span = _span(start_minute, end_minute)
    why = _text(reason, "reason", MAX_REASON, required=True)
    if day < clinic.today():
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "{day} has already passed. An absence is recorded for today or a later day.",
            ),
            day=day.isoformat(),
        )
    if substitute_id is not None and substitute_id == doctor_id:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "A doctor cannot stand in for themselves. Choose another one."
            )
        )
    now = clinic.now()
    late = now >= _notice_deadline(clinic, day)
    zone = clinic.timezone()
    lo, hi = (
        (slots.local_to_utc(day, span[0], zone), slots.local_to_utc(day, span[1], zone))
        if span
        else slots.day_bounds_utc(day, zone)
    )
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        doctor = _staff_row(s, doctor_id)
        if substitute_id is not None:
            sub = _staff_row(s, substitute_id)
            if sub.disabled_at is not None or sub.role not in (
                Role.DOCTOR.value,
                Role.HEALTH_MANAGER.value,
            ):
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "{name} cannot take appointments, so cannot stand in. Choose another "
                        "doctor.",
                    ),
                    name=sub.display_name,
                )
        twin = s.execute(
            select(RosterException.id).where(
                RosterException.staff_id == doctor_id,
                RosterException.day == day,
                RosterException.kind.in_(("absent", "substitute")),
                RosterException.deleted_at.is_(None),
            )
        ).first()
        if twin is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "An absence of {name} on {day} is already recorded. Open its list of "
                    "patients instead of recording it again.",
                ),
                name=doctor.display_name,
                day=day.isoformat(),
            )
        exception = RosterException(
            staff_id=doctor_id,
            day=day,
            kind="substitute" if substitute_id else "absent",
            start_minute=span[0] if span else None,
            end_minute=span[1] if span else None,
            substitute_id=substitute_id,
            reason=why,
            entered_by=actor.staff_id,
            late=late,
            created_at=now,
            updated_at=now,
        )
        s.add(exception)
        s.flush()
        affected = s.execute(
            select(Appointment.id, Appointment.patient_id)
            .where(
                Appointment.doctor_id == doctor_id,
                Appointment.starts_at >= lo - timedelta(minutes=appointments.MAX_MINUTES),
                Appointment.starts_at < hi,
                Appointment.ends_at > lo,
                Appointment.status.in_(AFFECTED_STATUSES),
                Appointment.deleted_at.is_(None),
            )
            .order_by(Appointment.starts_at)
        ).all()
        for appointment_id, _ in affected:
            s.add(
                AbsenceContact(
                    exception_id=exception.id,
                    appointment_id=appointment_id,
                    status="to_contact",
                    created_at=now,
                    updated_at=now,
                )
            )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="absence.record",
                object_type="roster_exception",
                object_id=exception.id.hex,
                reason=why,
                detail=json.dumps(
                    {
                        "doctor_id": doctor_id.hex,
                        "day": day.isoformat(),
                        "kind": exception.kind,
                        "span": list(span) if span else None,
                        "substitute_id": substitute_id.hex if substitute_id else None,
                        "late": late,
                        "affected": len(affected),
                    }
                ),
            ),
        )
        uow.commit()
        view = AbsenceView(
            exception_id=exception.id,
            doctor_id=doctor_id,
            day=day,
            kind=exception.kind,
            start_minute=exception.start_minute,
            end_minute=exception.end_minute,
            substitute_id=substitute_id,
            reason=why,
            late=late,
            affected=len(affected),
        )
    ids = {exception.id, doctor_id, *(a for a, _ in affected), *(p for _, p in affected)}
    if substitute_id is not None:
        ids.add(substitute_id)
    return Written(view, Changes(frozenset({Topic.ROSTERS, Topic.APPOINTMENTS}), frozenset(ids)))


# -- the worklist --------------------------------------------------------------------------------


def _exception(session: Session, exception_id: uuid.UUID) -> RosterException:
    row = session.get(RosterException, exception_id)
    if row is None or row.deleted_at is not None or row.kind not in ("absent", "substitute"):
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "absence"))
    return row


class _FreeTime:
    """Free-time look-ups shared by every patient of one worklist (they ask the same).

    A10: the slots held for members are offered only to members with priority booking,
    so the answers are kept per (doctor, length, whether the patient may take held
    slots); each look-up names a patient of that kind."""

    def __init__(self, clinic: Clinic, actor: Actor, day: date) -> None:
        self.clinic, self.actor, self.day = clinic, actor, day
        self._day_slots: dict[tuple[uuid.UUID, int, bool], frozenset[datetime]] = {}
        self._later: dict[tuple[uuid.UUID, int, bool], list[datetime]] = {}
        self._priority: dict[uuid.UUID, bool] = {}

    def takes_held(self, patient_id: uuid.UUID) -> bool:
        if patient_id not in self._priority:
            with self.clinic.store.unit_of_work(write=False) as uow:
                self._priority[patient_id] = membership.has_priority_in(
                    uow.session, patient_id, self.clinic.today()
                )
        return self._priority[patient_id]

    def free_at(
        self, doctor_id: uuid.UUID, starts_at: datetime, minutes: int, patient_id: uuid.UUID
    ) -> bool:
        key = (doctor_id, minutes, self.takes_held(patient_id))
        if key not in self._day_slots:
            self._day_slots[key] = frozenset(
                appointments.free_slots_for_day(
                    self.clinic,
                    self.actor,
                    doctor_id,
                    self.day,
                    minutes=minutes,
                    patient_id=patient_id,
                )
            )
        return starts_at in self._day_slots[key]

    def next_free(
        self, doctor_id: uuid.UUID, minutes: int, after: datetime, patient_id: uuid.UUID
    ) -> list[datetime]:
        key = (doctor_id, minutes, self.takes_held(patient_id))
        if key not in self._later:
            found: list[datetime] = []
            cursor = after
            while len(found) < SAME_DOCTOR_OFFERS:
                nxt = appointments.next_free_slot(
                    self.clinic,
                    self.actor,
                    doctor_id,
                    minutes=minutes,
                    after=cursor,
                    patient_id=patient_id,
                )
                if nxt is None:
                    break
                found.append(nxt)
                cursor = nxt + timedelta(minutes=minutes)
            self._later[key] = found
        return self._later[key]


def absence_worklist(clinic: Clinic, actor: Actor, exception_id: uuid.UUID) -> list[AffectedView]:
    """A7: each affected patient, their contact status and the alternatives to offer."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    zone = clinic.timezone()
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        exception = _exception(s, exception_id)
        contacts = [
            (c.id, c.appointment_id, c.status, c.note, c.handled_at)
            for c in s.execute(
                select(AbsenceContact)
                .where(
                    AbsenceContact.exception_id == exception_id,
                    AbsenceContact.deleted_at.is_(None),
                )
                .order_by(AbsenceContact.created_at, AbsenceContact.id)
            ).scalars()
        ]
        day, doctor_id, substitute_id = exception.day, exception.staff_id, exception.substitute_id
    doctors = rosters.list_doctors(clinic, actor, bookable_only=True)
    names = {d.id: d.display_name for d in doctors}
    free = _FreeTime(clinic, actor, day)
    after_absence = slots.day_bounds_utc(day, zone)[1]
    result: list[AffectedView] = []
    for contact_id, appointment_id, status, note, handled_at in contacts:
        appt = appointments.get_appointment(clinic, actor, appointment_id)
        options: list[Alternative] = []
        if status not in FINAL_STATUSES and appt.status in AFFECTED_STATUSES:
            minutes = appt.minutes
            patient_id = appt.patient_id
            if substitute_id is not None and free.free_at(
                substitute_id, appt.starts_at, minutes, patient_id
            ):
                options.append(
                    Alternative(
                        "substitute",
                        substitute_id,
                        names.get(substitute_id, ""),
                        appt.starts_at,
                        minutes,
                    )
                )
            for start in free.next_free(doctor_id, minutes, after_absence, patient_id):
                options.append(
                    Alternative("same_doctor", doctor_id, appt.doctor_name, start, minutes)
                )
            for other in doctors:
                if other.id in (doctor_id, substitute_id):
                    continue
                if free.free_at(other.id, appt.starts_at, minutes, patient_id):
                    options.append(
                        Alternative(
                            "other_doctor", other.id, other.display_name, appt.starts_at, minutes
                        )
                    )
        result.append(
            AffectedView(
                contact_id=contact_id,
                appointment=appt,
                patient_name=appt.patient_name,
                patient_phone=appt.patient_phone,
                status=status,
                note=note,
                handled_at=handled_at,
                alternatives=tuple(options),
            )
        )
    return result


# -- resolving a contact ------------------------------------------------------------------------


def _offered_json(options: Iterable[Alternative]) -> str:
    return json.dumps(
        [
            {
                "kind": o.kind,
                "doctor_id": o.doctor_id.hex,
                "starts_at": o.starts_at.astimezone(UTC).isoformat(),
                "minutes": o.minutes,
            }
            for o in options
        ]
    )


def resolve_contact(
    clinic: Clinic,
    actor: Actor,
    contact_id: uuid.UUID,
    *,
    status: str,
    new_starts_at: datetime | None = None,
    new_doctor_id: uuid.UUID | None = None,
    note: str = "",
    identity_checked: bool = False,
    confirm: Iterable[str] = frozenset(),
    override_reason: str = "",
    offered: Iterable[Alternative] = (),
) -> Written[ContactResult]:
    """A7: how contacting the patient went; "moved" and "cancelled" change the appointment.

    "moved" needs ``new_starts_at`` and/or ``new_doctor_id`` (the substitute at the
    same time) and ``identity_checked`` (A2); the booking service's checks apply
    (SlotTaken, NeedsConfirmation pass through and nothing is recorded).
    """
    clinic.require(actor, Action.APPOINTMENT_MANAGE)
    if status not in CONTACT_STATUSES or status == "to_contact":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Choose how the call went: contacted, moved, cancelled, unreachable or kept.",
            )
        )
    text = _text(note, "note", MAX_NOTE, required=False)
    with clinic.store.unit_of_work(write=False) as uow:
        contact = uow.session.get(AbsenceContact, contact_id)
        if contact is None or contact.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient to contact"))
        exception = _exception(uow.session, contact.exception_id)
        current = contact.status
        appointment_id = contact.appointment_id
        substitute_id, kind = exception.substitute_id, exception.kind
    if current in FINAL_STATUSES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This patient's appointment was already {status}. Change it on the calendar "
                "if needed.",
            ),
            status=current,
        )
    before = appointments.get_appointment(clinic, actor, appointment_id)
    freed: tuple[uuid.UUID, datetime, int] | None = None
    if status == "moved":
        if new_starts_at is None and new_doctor_id is None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Give the new time or the new doctor the patient agreed to, then save.",
                )
            )
        after = appointments.move(
            clinic,
            actor,
            appointment_id,
            starts_at=new_starts_at or before.starts_at,
            doctor_id=new_doctor_id,
            identity_checked=identity_checked,
            confirm=confirm,
            override_reason=override_reason,
        ).value
        if kind == "substitute" and substitute_id is not None and new_doctor_id != substitute_id:
            freed = (substitute_id, before.starts_at, before.minutes)
    elif status == "cancelled":
        after = appointments.cancel(
            clinic, actor, appointment_id, reason=text or "doctor absent / 医生停诊"
        ).value
        if kind == "substitute" and substitute_id is not None:
            freed = (substitute_id, before.starts_at, before.minutes)
    else:
        after = before
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(AbsenceContact, contact_id)
        assert row is not None
        row.status = status
        row.note = text
        row.handled_by = actor.staff_id
        row.handled_at = now
        row.updated_at = now
        offered_list = list(offered)
        if offered_list:
            row.offered = _offered_json(offered_list)
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="absence.contact",
                object_type="absence_contact",
                object_id=contact_id.hex,
                patient_id=before.patient_id,
                detail=json.dumps({"from": current, "to": status, "appointment": before.id.hex}),
            ),
        )
        uow.commit()
    candidates: tuple[waitlist.WaitlistView, ...] = ()
    if freed is not None and freed[1] > now:
        candidates = tuple(
            waitlist.candidates_for_slot(
                clinic, actor, doctor_id=freed[0], starts_at=freed[1], minutes=freed[2]
            )
        )
    ids = frozenset({contact_id, before.id, before.patient_id, before.doctor_id, after.doctor_id})
    return Written(
        ContactResult(contact_id, status, after, candidates),
        Changes(frozenset({Topic.APPOINTMENTS}), ids),
    )
