"""The ASAP list (waitlist): patients who want an earlier slot (issue 5; spec A6, A10).

When a slot frees up (a cancellation, a doctor's absence) the desk asks
``candidates_for_slot`` who could take it: the doctor matches (or the
patient takes any doctor), the day is within the patient's window, and a
patient who already holds an appointment only if the freed slot is earlier.
Higher ``priority`` first (members book with priority, A10: a member with
priority booking is put on the list with at least ``MEMBER_PRIORITY``), then
whoever has waited longest. Entries move waiting → offered → booked, or are removed
with a reason; every change is audited.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from clinic_desk.core.errors import DateOutOfRange, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import membership
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.models import (
    Appointment,
    AppointmentType,
    Patient,
    Staff,
    WaitlistEntry,
)

MAX_PREFERRED = 200
MAX_NOTES = 500
MAX_REASON = 500
MAX_PRIORITY = 100
# A10: the priority a member with priority booking gets at least (higher first).
MEMBER_PRIORITY = 50
OPEN_STATUSES = ("waiting", "offered")
# An appointment in these states is still held; "earlier than it" applies.
HELD_STATUSES = ("booked", "confirmed")


@dataclass(frozen=True)
class WaitlistView:
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    patient_phone: str
    doctor_id: uuid.UUID | None
    type_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    # When the appointment they hold now starts (None: they hold none).
    appointment_starts_at: datetime | None
    earliest: date | None
    latest: date | None
    preferred: str
    notes: str
    priority: int
    status: str
    created_at: datetime
    resolved_at: datetime | None
    # A10: the patient is a member with priority booking today (shown as "member").
    member: bool = False


# -- input ------------------------------------------------------------------------------


def _text(value: str, label: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be text."), label=label
        )
    text = unicodedata.normalize("NFC", value)
    text = "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n")
    text = text.strip()
    if len(text) > limit:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} is too long: use at most {n} characters."),
            label=label,
            n=limit,
        )
    return text


def _priority(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRIORITY:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The priority should be a whole number from 0 to {top} (higher first)."
            ),
            top=MAX_PRIORITY,
        )
    return value


def _window(clinic: Clinic, earliest: date | None, latest: date | None) -> None:
    for value in (earliest, latest):
        if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "The earliest and latest days should be dates.")
            )
    if earliest is not None and latest is not None and latest < earliest:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The latest day ({latest}) is before the earliest day ({earliest}). "
                "Swap them or choose again.",
            ),
            latest=latest.isoformat(),
            earliest=earliest.isoformat(),
        )
    if latest is not None and latest < clinic.today():
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The latest day ({latest}) has already passed. Choose a day from today on.",
            ),
            latest=latest.isoformat(),
        )


# -- reading ----------------------------------------------------------------------------

_Held = aliased(Appointment)


def _query() -> Any:
    return (
        select(WaitlistEntry, Patient, _Held.starts_at, _Held.status)
        .join(Patient, Patient.id == WaitlistEntry.patient_id)
        .outerjoin(_Held, _Held.id == WaitlistEntry.appointment_id)
        .where(WaitlistEntry.deleted_at.is_(None))
    )


def _view(
    entry: WaitlistEntry, patient: Patient, held_at: datetime | None, member: bool = False
) -> WaitlistView:
    return WaitlistView(
        id=entry.id,
        patient_id=entry.patient_id,
        patient_name=display_name(patient.family_name, patient.given_name),
        patient_phone=patient.phone,
        doctor_id=entry.doctor_id,
        type_id=entry.type_id,
        appointment_id=entry.appointment_id,
        appointment_starts_at=held_at,
        earliest=entry.earliest,
        latest=entry.latest,
        preferred=entry.preferred,
        notes=entry.notes,
        priority=entry.priority,
        status=entry.status,
        created_at=entry.created_at,
        resolved_at=entry.resolved_at,
        member=member,
    )


def _views(clinic: Clinic, session: Session, rows: Sequence[Any]) -> list[WaitlistView]:
    """Views of the rows, each marked when a member with priority: one query."""
    badges = membership.badges_in(session, {r[0].patient_id for r in rows}, clinic.today())
    return [
        _view(r[0], r[1], r[2], (b := badges.get(r[0].patient_id)) is not None and b.priority)
        for r in rows
    ]


def _ranked(stmt: Any) -> Any:
    # Members and other priority patients first (A10), then the longest wait.
    return stmt.order_by(WaitlistEntry.priority.desc(), WaitlistEntry.created_at, WaitlistEntry.id)


def _one(clinic: Clinic, session: Session, entry_id: uuid.UUID) -> WaitlistView:
    row = session.execute(_query().where(WaitlistEntry.id == entry_id)).one_or_none()
    if row is None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "waitlist entry"))
    return _views(clinic, session, [row])[0]


def list_waitlist(
    clinic: Clinic, actor: Actor, *, doctor_id: uuid.UUID | None = None
) -> list[WaitlistView]:
    """Open entries (waiting or offered), best first; with a doctor, those for
    that doctor and those who take any doctor."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    stmt = _query().where(WaitlistEntry.status.in_(OPEN_STATUSES))
    if doctor_id is not None:
        stmt = stmt.where(
            or_(WaitlistEntry.doctor_id.is_(None), WaitlistEntry.doctor_id == doctor_id)
        )
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(_ranked(stmt)).all()
        return _views(clinic, uow.session, rows)


def candidates_for_slot(
    clinic: Clinic, actor: Actor, *, doctor_id: uuid.UUID, starts_at: datetime, minutes: int
) -> list[WaitlistView]:
    """Who could take a freed slot of ``doctor_id`` at ``starts_at`` (A6, A10), best first."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The slot's start time needs a time zone.")
        )
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes < 24 * 60:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The slot's length should be between 1 minute and 24 hours."
            )
        )
    DateOutOfRange.check(starts_at.date())
    day = starts_at.astimezone(clinic.timezone()).date()
    ends_at = starts_at + timedelta(minutes=minutes)
    longest = (
        select(AppointmentType.default_minutes)
        .where(AppointmentType.id == WaitlistEntry.type_id)
        .scalar_subquery()
    )
    # The patient already booked at an overlapping time cannot take it.
    busy = (
        select(Appointment.id)
        .where(
            Appointment.patient_id == WaitlistEntry.patient_id,
            Appointment.deleted_at.is_(None),
            Appointment.status.in_(HELD_STATUSES),
            Appointment.starts_at < ends_at,
            Appointment.ends_at > starts_at,
        )
        .exists()
    )
    stmt = _query().where(
        WaitlistEntry.status.in_(OPEN_STATUSES),
        or_(WaitlistEntry.doctor_id.is_(None), WaitlistEntry.doctor_id == doctor_id),
        or_(WaitlistEntry.earliest.is_(None), WaitlistEntry.earliest <= day),
        or_(WaitlistEntry.latest.is_(None), WaitlistEntry.latest >= day),
        or_(WaitlistEntry.type_id.is_(None), longest <= minutes),
        or_(
            WaitlistEntry.appointment_id.is_(None),
            _Held.status.not_in(HELD_STATUSES),
            and_(_Held.status.in_(HELD_STATUSES), _Held.starts_at > starts_at),
        ),
        ~busy,
        Patient.deleted_at.is_(None),
    )
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(_ranked(stmt)).all()
        return _views(clinic, uow.session, rows)


# -- writing ----------------------------------------------------------------------------


def _changes(entry: WaitlistEntry) -> Changes:
    return Changes(frozenset({Topic.APPOINTMENTS}), frozenset({entry.id, entry.patient_id}))


def add_to_waitlist(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    doctor_id: uuid.UUID | None = None,
    type_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    earliest: date | None = None,
    latest: date | None = None,
    preferred: str = "",
    notes: str = "",
    priority: int = 0,
) -> Written[WaitlistView]:
    """Put a patient on the ASAP list (optionally for a doctor, a type, a window).

    A member with priority booking (A10) gets at least ``MEMBER_PRIORITY``, so they
    are offered freed slots first; a higher priority given is kept.
    """
    clinic.require(actor, Action.APPOINTMENT_MANAGE, patient_id=patient_id)
    preferred = _text(preferred, "preferred time", MAX_PREFERRED)
    notes = _text(notes, "notes", MAX_NOTES)
    priority = _priority(priority)
    _window(clinic, earliest, latest)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        patient = s.get(Patient, patient_id)
        if patient is None or patient.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
        if patient.merged_into is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This record was merged into another one. Use the record it was merged into.",
                )
            )
        if doctor_id is not None:
            doctor = s.get(Staff, doctor_id)
            if doctor is None or doctor.deleted_at is not None or doctor.disabled_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "doctor"))
        if type_id is not None:
            kind = s.get(AppointmentType, type_id)
            if kind is None or kind.deleted_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment type"))
        if appointment_id is not None:
            held = s.get(Appointment, appointment_id)
            if held is None or held.deleted_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment"))
            if held.patient_id != patient_id:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "That appointment belongs to another patient. Choose this patient's "
                        "own appointment, or none.",
                    )
                )
            if held.status not in HELD_STATUSES:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "That appointment is no longer booked, so there is nothing to move "
                        "earlier. Add the patient without it.",
                    )
                )
        twin = s.execute(
            select(WaitlistEntry.id).where(
                WaitlistEntry.patient_id == patient_id,
                WaitlistEntry.deleted_at.is_(None),
                WaitlistEntry.status.in_(OPEN_STATUSES),
                WaitlistEntry.doctor_id.is_(None)
                if doctor_id is None
                else WaitlistEntry.doctor_id == doctor_id,
            )
        ).first()
        if twin is not None:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This patient is already on the list for this doctor. Change that entry "
                    "instead of adding another.",
                )
            )
        member = membership.has_priority_in(s, patient_id, clinic.today())
        if member and priority < MEMBER_PRIORITY:
            priority = MEMBER_PRIORITY
        entry = WaitlistEntry(
            patient_id=patient_id,
            doctor_id=doctor_id,
            type_id=type_id,
            appointment_id=appointment_id,
            earliest=earliest,
            latest=latest,
            preferred=preferred,
            notes=notes,
            priority=priority,
            status="waiting",
            created_at=now,
            updated_at=now,
        )
        s.add(entry)
        s.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="waitlist.add",
                object_type="waitlist_entry",
                object_id=entry.id.hex,
                patient_id=patient_id,
                detail=f"member priority={priority}" if member else "",
            ),
        )
        uow.commit()
        view = _one(clinic, s, entry.id)
    return Written(view, _changes(entry))


def _set_status(
    clinic: Clinic,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    status: str,
    allowed_from: tuple[str, ...],
    action: str,
    reason: str = "",
    appointment_id: uuid.UUID | None = None,
) -> Written[WaitlistView]:
    clinic.require(actor, Action.APPOINTMENT_MANAGE)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        entry = s.get(WaitlistEntry, entry_id)
        if entry is None or entry.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "waitlist entry"))
        if entry.status not in allowed_from:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This waitlist entry is already {status}, so it cannot be changed that "
                    "way. Refresh the list.",
                ),
                status=entry.status,
            )
        if appointment_id is not None:
            booked = s.get(Appointment, appointment_id)
            if booked is None or booked.deleted_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "appointment"))
            if booked.patient_id != entry.patient_id:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "That appointment belongs to another patient. Choose the new "
                        "appointment of this patient.",
                    )
                )
        entry.status = status
        entry.updated_at = now
        if status in ("booked", "removed"):
            entry.resolved_at = now
        if reason:
            entry.notes = (entry.notes + " | " + reason).strip(" |")[:MAX_NOTES]
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action=action,
                object_type="waitlist_entry",
                object_id=entry.id.hex,
                patient_id=entry.patient_id,
                reason=reason,
                detail=f"appointment={appointment_id.hex}" if appointment_id else "",
            ),
        )
        uow.commit()
        view = _one(clinic, s, entry.id)
    return Written(view, _changes(entry))


def offer(
    clinic: Clinic, actor: Actor, entry_id: uuid.UUID, *, note: str = ""
) -> Written[WaitlistView]:
    """The desk offered the patient a freed slot (they may still decline: stays open)."""
    return _set_status(
        clinic,
        actor,
        entry_id,
        status="offered",
        allowed_from=("waiting", "offered"),
        action="waitlist.offer",
        reason=_text(note, "note", MAX_REASON),
    )


def mark_booked(
    clinic: Clinic,
    actor: Actor,
    entry_id: uuid.UUID,
    *,
    appointment_id: uuid.UUID | None = None,
) -> Written[WaitlistView]:
    """The patient took a slot: the entry is closed (and names the new appointment)."""
    return _set_status(
        clinic,
        actor,
        entry_id,
        status="booked",
        allowed_from=OPEN_STATUSES,
        action="waitlist.booked",
        appointment_id=appointment_id,
    )


def decline(clinic: Clinic, actor: Actor, entry_id: uuid.UUID) -> Written[WaitlistView]:
    """The patient said no to the offered slot and keeps waiting."""
    return _set_status(
        clinic,
        actor,
        entry_id,
        status="waiting",
        allowed_from=("offered",),
        action="waitlist.decline",
    )


def remove_from_waitlist(
    clinic: Clinic, actor: Actor, entry_id: uuid.UUID, *, reason: str
) -> Written[WaitlistView]:
    """Take the patient off the list (no longer needed, unreachable...), with a reason."""
    text = _text(reason, "reason", MAX_REASON)
    if not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Say why the patient is taken off the list (for example: not needed)."
            )
        )
    return _set_status(
        clinic,
        actor,
        entry_id,
        status="removed",
        allowed_from=OPEN_STATUSES,
        action="waitlist.remove",
        reason=text,
    )
