"""The tables. Typed ``Mapped[...]`` columns, SQLAlchemy 2 style.

Every clinic table has a UUIDv7 key and ``deleted_at`` tombstone (see
``base.py``). The exceptions are local bookkeeping: ``meta`` (one workstation's
own state), ``signin_attempt`` and ``audit_log`` (an append-only, hash-chained
journal whose order is its integer sequence).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import BLOB

from clinic_desk.core.store.base import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow


class Meta(Base):
    """Key/value state of this workstation's copy (clinic id, audit chain head...)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Setting(IdMixin, TimestampMixin, Base):
    """A clinic setting; the catalog in ``core/settings_catalog.py`` gives defaults."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), unique=True)
    value_json: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class Staff(IdMixin, TimestampMixin, Base):
    __tablename__ = "staff"
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Failed sign-ins before this moment no longer count (a director's unlock).
    lockout_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SigninAttempt(Base):
    """Every sign-in try, kept so lockout survives a restart of the program."""

    __tablename__ = "signin_attempt"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("staff.id"), default=None, index=True
    )
    login_tried: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)
    workstation: Mapped[str] = mapped_column(String(100))


class AuditEntry(Base):
    """One append-only audit row; ``mac`` chains it to the row before."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    staff_login: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    workstation: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    patient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    outcome: Mapped[str] = mapped_column(String(16))
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_staff_id_at", "staff_id", "at"),
        Index("ix_audit_log_patient_id_at", "patient_id", "at"),
    )


class Patient(IdMixin, TimestampMixin, Base):
    """The patient's registry entry (spec C1). Phones are stored as E.164."""

    __tablename__ = "patient"
    record_no: Mapped[str] = mapped_column(String(20), default="", index=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(8), default="U")
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    phone: Mapped[str] = mapped_column(String(32), default="")
    phone2: Mapped[str] = mapped_column(String(32), default="")
    id_kind: Mapped[str] = mapped_column(String(24), default="")
    id_number: Mapped[str] = mapped_column(String(40), default="", index=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    occupation: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    wechat: Mapped[str] = mapped_column(String(100), default="")
    qq: Mapped[str] = mapped_column(String(20), default="")
    # Comma-separated codes, in the patient's order of preference.
    contact_channels: Mapped[str] = mapped_column(String(200), default="")
    source_channel: Mapped[str] = mapped_column(String(32), default="")
    special_needs: Mapped[str] = mapped_column(String(200), default="")
    emergency_name: Mapped[str] = mapped_column(String(100), default="")
    emergency_relation: Mapped[str] = mapped_column(String(50), default="")
    emergency_phone: Mapped[str] = mapped_column(String(32), default="")
    desk_notes: Mapped[str] = mapped_column(Text, default="")
    # The form of address the patient asked for (spec C4), overriding the rule.
    honorific_override: Mapped[str] = mapped_column(String(50), default="")
    # Follow-up and messages (issue 9, E1-E7): the date of death ends every call and
    # message; the opt-outs end calls or messages (tasks closed with the reason).
    deceased_on: Mapped[date | None] = mapped_column(Date, default=None)
    opt_out_calls: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_messages: Mapped[bool] = mapped_column(Boolean, default=False)
    # A merged-away duplicate points at the record that absorbed it.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("patient.id"), default=None
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class ClinicalNote(IdMixin, TimestampMixin, Base):
    """An appended clinical note (spec C2); never edited in place."""

    __tablename__ = "clinical_note"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("clinical_note.id"), default=None
    )


# -- Issue 4: the registry and the clinical record (spec C1-C5, D1) ----------
#
# Clinical rows are append-only: a correction is a new row whose
# ``corrects_id`` names the row it replaces, and both are kept (spec C3).
# List items that stop being true (an allergy entered in error, a medicine
# stopped, a condition resolved) are ended with who, when and why, not erased.


class PatientSearchKey(Base):
    """Local, derived search index (never synced; rebuilt from ``patient`` rows).

    Each key is matched by prefix, so a phone's suffixes make "any 4+ digits"
    a prefix lookup on one index instead of a scan (issue 4, search).
    """

    __tablename__ = "patient_search_key"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("patient.id"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)


class Allergy(IdMixin, TimestampMixin, Base):
    __tablename__ = "allergy"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    substance: Mapped[str] = mapped_column(String(200))
    reaction: Mapped[str] = mapped_column(String(500), default="")
    severity: Mapped[str] = mapped_column(String(16), default="unknown")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    end_reason: Mapped[str] = mapped_column(String(500), default="")


class Medication(IdMixin, TimestampMixin, Base):
    """Current medication (what the patient takes, prescribed here or not)."""

    __tablename__ = "medication"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    drug: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(100), default="")
    frequency: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(16), default="patient")
    since: Mapped[date | None] = mapped_column(Date, default=None)
    prescription_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    end_reason: Mapped[str] = mapped_column(String(500), default="")


class Condition(IdMixin, TimestampMixin, Base):
    """A chronic condition (慢性病)."""

    __tablename__ = "condition"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    icd10: Mapped[str] = mapped_column(String(10), default="")
    since: Mapped[date | None] = mapped_column(Date, default=None)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    end_reason: Mapped[str] = mapped_column(String(500), default="")


class Visit(IdMixin, TimestampMixin, Base):
    """One consultation. Append-only: a correction is a new row with ``corrects_id``."""

    __tablename__ = "visit"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"))
    visit_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Used by follow-up plans (issue 9): cold, physical_exam, chronic, ...
    category: Mapped[str] = mapped_column(String(32), default="other")
    chief_complaint: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    diagnosis: Mapped[str] = mapped_column(Text, default="")
    icd10: Mapped[str] = mapped_column(String(10), default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("visit.id"), default=None
    )
    correction_reason: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        Index("ix_visit_patient_id_visit_at", "patient_id", "visit_at"),
        Index("ix_visit_doctor_id_visit_at", "doctor_id", "visit_at"),
    )


class VitalSigns(IdMixin, TimestampMixin, Base):
    """One set of measurements; any field may be missing."""

    __tablename__ = "vital_signs"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("visit.id"), default=None)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    systolic: Mapped[int | None] = mapped_column(Integer, default=None)
    diastolic: Mapped[int | None] = mapped_column(Integer, default=None)
    pulse: Mapped[int | None] = mapped_column(Integer, default=None)
    temperature_c: Mapped[float | None] = mapped_column(Float, default=None)
    weight_kg: Mapped[float | None] = mapped_column(Float, default=None)
    height_cm: Mapped[float | None] = mapped_column(Float, default=None)
    spo2: Mapped[int | None] = mapped_column(Integer, default=None)
    respiration: Mapped[int | None] = mapped_column(Integer, default=None)
    glucose_mmol: Mapped[float | None] = mapped_column(Float, default=None)
    # The values the staff member confirmed although they were outside the usual range.
    confirmed_unusual: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("vital_signs.id"), default=None
    )
    correction_reason: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (Index("ix_vital_signs_patient_id_taken_at", "patient_id", "taken_at"),)


class Attachment(IdMixin, TimestampMixin, Base):
    """An examination report, image or scanned letter, kept inside the encrypted file."""

    __tablename__ = "attachment"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("visit.id"), default=None)
    kind: Mapped[str] = mapped_column(String(32), default="report")
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    added_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class Assessment(IdMixin, TimestampMixin, Base):
    """A health assessment (健康评估); append-only like visits."""

    __tablename__ = "assessment"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64), default="general")
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text)
    risk_level: Mapped[str] = mapped_column(String(16), default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("assessment.id"), default=None
    )
    correction_reason: Mapped[str] = mapped_column(String(500), default="")


class Prescription(IdMixin, TimestampMixin, Base):
    __tablename__ = "prescription"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("visit.id"), default=None)
    prescriber_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The warnings shown when it was written, and why the doctor went ahead.
    warnings_json: Mapped[str] = mapped_column(Text, default="[]")
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")


class PrescriptionItem(IdMixin, TimestampMixin, Base):
    __tablename__ = "prescription_item"
    prescription_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("prescription.id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    drug: Mapped[str] = mapped_column(String(200))
    strength: Mapped[str] = mapped_column(String(50), default="")
    dose: Mapped[str] = mapped_column(String(50), default="")
    route: Mapped[str] = mapped_column(String(32), default="oral")
    frequency: Mapped[str] = mapped_column(String(32), default="")
    timing: Mapped[str] = mapped_column(String(32), default="")
    duration_days: Mapped[int | None] = mapped_column(Integer, default=None)
    quantity: Mapped[str] = mapped_column(String(50), default="")
    cautions: Mapped[str] = mapped_column(Text, default="")


class PharmacyGuidance(IdMixin, TimestampMixin, Base):
    """What the pharmacist told the patient about a prescription (spec D1)."""

    __tablename__ = "pharmacy_guidance"
    prescription_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("prescription.id"), index=True
    )
    pharmacist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    guidance: Mapped[str] = mapped_column(Text)


class Referral(IdMixin, TimestampMixin, Base):
    """Outgoing (to a hospital) or incoming (from a partner clinic) referral (spec C5)."""

    __tablename__ = "referral"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "out" or "in"
    partner: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100), default="")
    urgency: Mapped[str] = mapped_column(String(16), default="routine")
    reason: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    attachment_ids: Mapped[str] = mapped_column(Text, default="[]")
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    handled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class ContactLog(IdMixin, TimestampMixin, Base):
    """A contact with the patient outside a visit (call, SMS, letter...)."""

    __tablename__ = "contact_log"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8), default="out")
    summary: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)

    __table_args__ = (Index("ix_contact_log_patient_id_at", "patient_id", "at"),)


# -- Issue 5: rosters, resources, the appointment book (spec A1-A10, I2) -----------
#
# Clock times in rosters are the clinic's local wall-clock times ("08:00" as
# minutes after midnight) on local dates; appointment instants are UTC. The
# clinic's time zone (a setting) joins the two.


class DoctorProfile(IdMixin, TimestampMixin, Base):
    """What the desk tells callers about a doctor (spec I2), and the calendar colour."""

    __tablename__ = "doctor_profile"
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"), unique=True)
    specialties: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(9), default="")
    # Bookable on the calendar (a doctor who left keeps the profile for history).
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)


class RosterRule(IdMixin, TimestampMixin, Base):
    """A weekly block of a doctor's time: working hours or a break (spec A3)."""

    __tablename__ = "roster_rule"
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)  # local minutes after midnight
    end_minute: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default="work")  # "work" or "break"
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_until: Mapped[date | None] = mapped_column(Date, default=None)


class RosterException(IdMixin, TimestampMixin, Base):
    """A date that differs from the weekly roster: day off, extra hours, absence (A7)."""

    __tablename__ = "roster_exception"
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    # "off" (whole day or a span), "extra" (working hours added), "absent" (unplanned
    # absence, A7), "substitute" (another doctor takes the patients).
    kind: Mapped[str] = mapped_column(String(12))
    start_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    end_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    substitute_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("staff.id"), default=None
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    entered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # Entered after the cutoff (A7: known by 16:00 the day before).
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_roster_exception_staff_id_day", "staff_id", "day"),)


class Resource(IdMixin, TimestampMixin, Base):
    """A room or a device that appointments can need (spec A3)."""

    __tablename__ = "resource"
    kind: Mapped[str] = mapped_column(String(8))  # "room" or "device"
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AppointmentType(IdMixin, TimestampMixin, Base):
    """General consult, specialist, physical exam, follow-up visit ... (spec A2)."""

    __tablename__ = "appointment_type"
    name: Mapped[str] = mapped_column(String(100))
    default_minutes: Mapped[int] = mapped_column(Integer, default=15)
    color: Mapped[str] = mapped_column(String(9), default="")
    # Comma-separated resource ids this type needs (a room, an ECG machine ...).
    resource_ids: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A membership benefit a booking of this type uses (issue 11: "home_visits"), or "".
    benefit_key: Mapped[str] = mapped_column(String(40), default="", server_default="")


class ClinicClosure(IdMixin, TimestampMixin, Base):
    """A day the clinic itself is closed, beyond public holidays."""

    __tablename__ = "clinic_closure"
    day: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class AppointmentSeries(IdMixin, TimestampMixin, Base):
    """A recurring booking: its rule; the occurrences are ordinary appointment rows."""

    __tablename__ = "appointment_series"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    doctor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"))
    type_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointment_type.id"), default=None
    )
    frequency: Mapped[str] = mapped_column(String(8))  # "daily", "weekly", "monthly"
    interval: Mapped[int] = mapped_column(Integer, default=1)
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "0,2,4" for weekly
    first_day: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, default=None)
    count: Mapped[int | None] = mapped_column(Integer, default=None)
    start_minute: Mapped[int] = mapped_column(Integer)  # local clock time of each
    minutes: Mapped[int] = mapped_column(Integer)
    holiday_policy: Mapped[str] = mapped_column(String(8), default="skip")  # or "flag"
    # Open-ended series are written out up to this day and extended as time passes.
    generated_until: Mapped[date | None] = mapped_column(Date, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Appointment(IdMixin, TimestampMixin, Base):
    __tablename__ = "appointment"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    doctor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"))
    type_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointment_type.id"), default=None
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # booked, confirmed, arrived, in_consultation, done, no_show, cancelled
    status: Mapped[str] = mapped_column(String(16), default="booked")
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    purpose: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    add_on: Mapped[bool] = mapped_column(Boolean, default=False)  # 临时加号 (A6)
    series_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointment_series.id"), default=None, index=True
    )
    # The occurrence's original day in its series (stays when one is moved).
    series_day: Mapped[date | None] = mapped_column(Date, default=None)
    on_holiday: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    identity_checked_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    booked_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # Why a rule was overridden (after the cutoff, outside hours, closed day ...).
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    late_cancel: Mapped[bool] = mapped_column(Boolean, default=False)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Rescheduled from this appointment (the old row is cancelled, both kept).
    moved_from_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointment.id"), default=None
    )

    __table_args__ = (
        Index("ix_appointment_doctor_id_starts_at", "doctor_id", "starts_at"),
        # Covering (issue 12): the revisit count looks up each patient's later
        # appointments with this doctor, created within the window, from the index alone.
        Index(
            "ix_appointment_patient_id_starts_at_cover",
            "patient_id", "starts_at", "doctor_id", "deleted_at", "created_at",
        ),
        # Covering (issue 12): the dashboard's no-show and revisit counts over a year read
        # the index alone instead of a table row per appointment.
        Index(
            "ix_appointment_starts_at_cover",
            "starts_at", "status", "deleted_at", "doctor_id", "patient_id",
        ),
    )


class AppointmentResource(Base):
    """A resource an appointment holds, with its times copied for the conflict check."""

    __tablename__ = "appointment_resource"
    appointment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("appointment.id"), primary_key=True
    )
    resource_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("resource.id"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false once cancelled

    __table_args__ = (
        Index("ix_appointment_resource_resource_id_starts_at", "resource_id", "starts_at"),
    )


class WaitlistEntry(IdMixin, TimestampMixin, Base):
    """A patient who wants an earlier slot (ASAP list), offered when one frees up."""

    __tablename__ = "waitlist_entry"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    type_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointment_type.id"), default=None
    )
    # The appointment they hold now and want earlier (None: no booking yet).
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointment.id"), default=None
    )
    earliest: Mapped[date | None] = mapped_column(Date, default=None)
    latest: Mapped[date | None] = mapped_column(Date, default=None)
    preferred: Mapped[str] = mapped_column(String(200), default="")  # "mornings" ...
    priority: Mapped[int] = mapped_column(Integer, default=0)  # members first (A10)
    notes: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default="waiting")  # offered, booked, removed
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AbsenceContact(IdMixin, TimestampMixin, Base):
    """One affected patient of a doctor's absence, and how contacting them went (A7)."""

    __tablename__ = "absence_contact"
    exception_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("roster_exception.id"), index=True
    )
    appointment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("appointment.id"))
    # to_contact, contacted, moved, cancelled, unreachable, kept (with the substitute)
    status: Mapped[str] = mapped_column(String(12), default="to_contact")
    offered: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the alternatives offered
    note: Mapped[str] = mapped_column(String(500), default="")
    handled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


# -- reception and the queue (issue 6, spec B1-B8) ------------------------------------------------
# Waiting time, consultation time and check-in delay are derived from ``arrived_at``
# and the events; no duration is stored twice.


class QueueEntry(IdMixin, TimestampMixin, Base):
    """One patient in one local day's queue: a checked-in booking or a walk-in."""

    __tablename__ = "queue_entry"
    day: Mapped[date] = mapped_column(Date)  # the clinic's local date
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    # NULL: a walk-in (B5).
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("appointment.id"), default=None
    )
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    department: Mapped[str] = mapped_column(String(50), default="")
    complaint: Mapped[str] = mapped_column(String(32), default="")  # triage category (B7)
    queue_no: Mapped[int] = mapped_column(Integer)
    # waiting, called, in_consultation, sent_back, done, left
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    priority: Mapped[int] = mapped_column(Integer, default=0)  # green channel (B8): 100
    green_reason: Mapped[str] = mapped_column(String(500), default="")
    # When the patient came in; may be before the check-in (B1 measures the gap).
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("visit.id"), default=None)
    visit_category: Mapped[str] = mapped_column(String(32), default="")
    back_reason: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_queue_entry_day_doctor_id", "day", "doctor_id"),
        # Not unique (since 0006): two desks working offline can hand out the same
        # number or check in one booking twice; sync must carry both rows and the
        # desk's "needs attention" list shows them (issue 7). On one workstation the
        # write lock and the service's own checks keep numbers and check-ins single.
        Index("ix_queue_entry_day_queue_no", "day", "queue_no"),
        Index("ix_queue_entry_appointment_id", "appointment_id"),
        Index("ix_queue_entry_patient_id_day", "patient_id", "day"),
    )


class QueueEvent(IdMixin, TimestampMixin, Base):
    """Every status change of a queue entry, with its time and staff member."""

    __tablename__ = "queue_event"
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("queue_entry.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    # checked_in, called, recalled, started, finished, sent_back, returned, green,
    # reassigned, left, safety_confirmed, vitals
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON

    __table_args__ = (Index("ix_queue_event_entry_id_at", "entry_id", "at"),)


class WaitAlert(IdMixin, TimestampMixin, Base):
    """What the desk did about a long wait (B4): counted for the quality dashboard."""

    __tablename__ = "wait_alert"
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("queue_entry.id"), index=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    actions: Mapped[str] = mapped_column(String(200), default="")  # comma codes (WAIT_ACTIONS)
    note: Mapped[str] = mapped_column(String(500), default="")


# -- follow-up plans, the call worklist and the reminder outbox (issue 9, spec E1-E7, A5, G1) ---
# Rows a workstation derives from shared data (plan tasks, confirmation calls, reminder
# messages, the shipped plans) get ids derived from what they come from, so two
# workstations deriving the same thing offline write the same row and sync merges them.


class FollowupPlan(IdMixin, TimestampMixin, Base):
    """The follow-up plan for one visit category (spec E1), editable by the clinic.

    ``steps`` is JSON: a list of {"after_days", "within_days", "channel", "caller",
    "level", "checks_previous"}; see ``core.services.followups``.
    """

    __tablename__ = "followup_plan"
    category: Mapped[str] = mapped_column(String(32), index=True)
    steps: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class FollowupTask(IdMixin, TimestampMixin, Base):
    """One call or message someone should make, with its due window (spec E1, E3, A5).

    ``kind``: plan (from a finished visit), confirm (the day-before call, A5),
    no_show (a callback), manual, and later renewal, complaint, survey. ``source_id``
    is what it came from: the visit (the first version of it), the queue entry, the
    appointment. Closed tasks keep why (``close_reason``); nothing is deleted.
    """

    __tablename__ = "followup_task"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    plan_category: Mapped[str] = mapped_column(String(32), default="")
    step_no: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer, default=0)  # chronic discharge 1-3 (E1)
    # phone | message | wechat | email | letter | home_visit (E2)
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    # Who should call (E3): doctor (the attending one) | nurse | customer_service | health_manager
    caller_role: Mapped[str] = mapped_column(String(24), default="customer_service")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("staff.id"), default=None
    )
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    department: Mapped[str] = mapped_column(String(50), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    # Level 3 of the chronic discharge plan also checks that levels 1-2 happened (E1).
    checks_previous: Mapped[bool] = mapped_column(Boolean, default=False)
    due_from: Mapped[date] = mapped_column(Date)
    due_by: Mapped[date] = mapped_column(Date)
    # open | done | closed
    status: Mapped[str] = mapped_column(String(12), default="open")
    close_reason: Mapped[str] = mapped_column(String(32), default="")
    close_note: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_outcome: Mapped[str] = mapped_column(String(16), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    done_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)

    __table_args__ = (
        Index("ix_followup_task_status_due_from", "status", "due_from"),
        Index("ix_followup_task_patient_id", "patient_id"),
        Index("ix_followup_task_source_id", "source_id"),
        # Covering (issue 12): the dashboard's follow-up rate over a year.
        Index(
            "ix_followup_task_due_by_cover",
            "due_by", "kind", "status", "close_reason", "deleted_at", "doctor_id",
        ),
    )


class FollowupCall(IdMixin, TimestampMixin, Base):
    """One attempt to reach a patient and what was heard (spec E4, E5, G1), with the
    supervisor's spot check (抽查, E6)."""

    __tablename__ = "followup_call"
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("followup_task.id"), default=None
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    caller_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    department: Mapped[str] = mapped_column(String(50), default="")
    # reached | no_answer | wrong_number | refused
    outcome: Mapped[str] = mapped_column(String(16))
    recovery: Mapped[str] = mapped_column(String(16), default="")
    adherence: Mapped[str] = mapped_column(String(16), default="")
    satisfaction: Mapped[str] = mapped_column(Text, default="{}")  # JSON {question: 1-5}
    # The scores above counted when the call is written (issue 10): the dashboard sums
    # them over a year of calls instead of parsing every call's JSON.
    scored_answers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    satisfied_answers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    open_answer: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Level 3 of a chronic discharge plan: did levels 1-2 happen? "" | yes | no
    previous_levels: Mapped[str] = mapped_column(String(8), default="")
    check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    check_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    check_rating: Mapped[str] = mapped_column(String(12), default="")
    check_note: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        # Covering (issue 12): the dashboard's satisfaction from a year of calls.
        Index(
            "ix_followup_call_called_at_cover",
            "called_at", "deleted_at", "scored_answers", "satisfied_answers", "task_id",
        ),
        Index("ix_followup_call_patient_id_called_at", "patient_id", "called_at"),
        Index("ix_followup_call_task_id", "task_id"),
    )


class FollowupForward(IdMixin, TimestampMixin, Base):
    """A suggestion heard on a call and forwarded to a department (抄告, E5), tracked
    until the department answers."""

    __tablename__ = "followup_forward"
    call_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("followup_call.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    department: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | answered
    response: Mapped[str] = mapped_column(Text, default="")
    forwarded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    answered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (Index("ix_followup_forward_status", "status"),)


class Complaint(IdMixin, TimestampMixin, Base):
    """A complaint as received (spec F1-F3). Issue 9 opens them from follow-up calls;
    issue 10 builds the rest of the loop (deadlines, response, closure) on this table."""

    __tablename__ = "complaint"
    patient_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("patient.id"), default=None
    )
    complainant: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    # in_person | phone | letter | website | suggestion_box | followup_call (F1)
    channel: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(50), default="")
    staff_concerned: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(12), default="normal")  # normal | serious
    # First-contact responsibility (首接负责制, F3): the receiver owns it.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # open | closed (the steps below say how far an open one has come)
    status: Mapped[str] = mapped_column(String(12), default="open")
    source_call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # Issue 10: the rest of the loop (F1-F6, C6).
    # simple | complex: which answer deadline applies (F4).
    complexity: Mapped[str] = mapped_column(String(8), default="simple", server_default="simple")
    # The staff member the complaint is about, when it is one person (the dashboard's
    # doctor filter); ``staff_concerned`` keeps the words as given.
    staff_concerned_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # The suggestion-box opening a note came from (F1: opened weekly), else NULL.
    box_opened_on: Mapped[date | None] = mapped_column(Date, default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    solution_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    response: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Rectification (F6): what is to change, who sees to it, by when, when done.
    rectification: Mapped[str] = mapped_column(Text, default="", server_default="")
    rectify_owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    rectify_due: Mapped[date | None] = mapped_column(Date, default=None)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    rectify_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The reply to the complainant: when, how (phone, letter, ...), what was said.
    reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reply_channel: Mapped[str] = mapped_column(String(16), default="", server_default="")
    reply_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # Serious events (F5): escalated to the director at once; seen when they sign in.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    escalation_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    escalation_seen_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_complaint_status_received_at", "status", "received_at"),
        Index("ix_complaint_received_at", "received_at"),
        Index("ix_complaint_owner_id_status", "owner_id", "status"),
    )


class ComplaintEvent(IdMixin, TimestampMixin, Base):
    """One step in a complaint's history (F3, F6): received, accepted, contacted,
    answered, solution, handed_over, escalated, rectification_set, rectified, replied,
    case_added, closed, reopened, note. Nothing is rewritten; the history is the record."""

    __tablename__ = "complaint_event"
    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaint.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON (hand-over: from, to)

    __table_args__ = (Index("ix_complaint_event_complaint_id_at", "complaint_id", "at"),)


class TrainingCase(IdMixin, TimestampMixin, Base):
    """A complaint turned into a lesson for the training library (F6): anonymised,
    no patient identifiers (checked when saved)."""

    __tablename__ = "training_case"
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(50), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class RootCause(IdMixin, TimestampMixin, Base):
    """A 5-Why analysis (G5) of a complaint or a problem found, due within
    ``quality.root_cause_within_hours`` of when the problem was found."""

    __tablename__ = "root_cause"
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    problem: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(50), default="")
    whys: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of up to five answers
    root_cause: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | done

    __table_args__ = (Index("ix_root_cause_status_due_at", "status", "due_at"),)


class Questionnaire(IdMixin, TimestampMixin, Base):
    """A satisfaction questionnaire (G1): 1-5 items and open questions, editable.

    ``items`` is JSON: [{"key": str, "kind": "scale" | "open", "text": str}]. Keys stay
    when the wording changes, so answers from before an edit still count.
    """

    __tablename__ = "questionnaire"
    name: Mapped[str] = mapped_column(String(100))
    # weekly (the 10% sample) | outpatient | inpatient (the semi-annual surveys)
    purpose: Mapped[str] = mapped_column(String(12), default="weekly")
    items: Mapped[str] = mapped_column(Text, default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class SurveySample(IdMixin, TimestampMixin, Base):
    """One patient drawn for a week's survey (G1). The id is derived from the week and
    the patient, so two workstations drawing the same week write the same rows."""

    __tablename__ = "survey_sample"
    week_start: Mapped[date] = mapped_column(Date)  # the Monday
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    questionnaire_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    department: Mapped[str] = mapped_column(String(50), default="")
    visit_day: Mapped[date | None] = mapped_column(Date, default=None)
    mode: Mapped[str] = mapped_column(String(8), default="call")  # call | form
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # drawn | answered | declined | unreachable
    status: Mapped[str] = mapped_column(String(12), default="drawn")

    __table_args__ = (Index("ix_survey_sample_week_start", "week_start"),)


class SurveyResponse(IdMixin, TimestampMixin, Base):
    """A filled questionnaire (G1): from a survey call or a printed form typed in."""

    __tablename__ = "survey_response"
    sample_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("questionnaire.id"))
    patient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    doctor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    department: Mapped[str] = mapped_column(String(50), default="")
    via: Mapped[str] = mapped_column(String(8), default="call")  # call | form
    answered_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)

    __table_args__ = (Index("ix_survey_response_answered_on", "answered_on"),)


class SurveyAnswer(IdMixin, TimestampMixin, Base):
    """One answer of a response: a 1-5 score or an open text (one row each, so the
    dashboard's figures are a plain count over this table)."""

    __tablename__ = "survey_answer"
    response_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("survey_response.id"))
    item_key: Mapped[str] = mapped_column(String(32))
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_survey_answer_response_id", "response_id"),)


class SelfCheckList(IdMixin, TimestampMixin, Base):
    """A role's daily self-check list (G4, 当日服务自查表); the id is derived from the role."""

    __tablename__ = "self_check_list"
    role: Mapped[str] = mapped_column(String(24))
    items: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class SelfCheck(IdMixin, TimestampMixin, Base):
    """One staff member's self-check of one day (G4); the id is derived from both."""

    __tablename__ = "self_check"
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(24))
    # JSON [{"item": str, "ok": bool, "note": str}]
    answers: Mapped[str] = mapped_column(Text, default="[]")
    note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_self_check_day", "day"),)


class MessageTemplate(IdMixin, TimestampMixin, Base):
    """The words of one kind of message (spec A5, E1, E7), editable by the clinic.

    Placeholders only for what may be said: {honorific}, {clinic}, {clinic_phone},
    {date}, {time}, {doctor}; never a diagnosis or a drug (checked when rendered).
    """

    __tablename__ = "message_template"
    code: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class OutboxMessage(IdMixin, TimestampMixin, Base):
    """One message to one patient and what became of it (spec A5, E7).

    ``state``: queued (waiting, possibly after a temporary failure, with ``last_error``
    and ``next_try_at``), sending (handed to the gateway; if the program stops here it
    is not sent again by itself: someone looks), sent, exported (in an SMS/WeChat batch
    file), failed (for good, with the reason), cancelled (opt-out, death, withdrawn).
    """

    __tablename__ = "outbox_message"
    patient_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("patient.id"), default=None
    )
    channel: Mapped[str] = mapped_column(String(12))  # sms | email | wechat
    address: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(24), default="")
    template_code: Mapped[str] = mapped_column(String(32), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    gateway: Mapped[str] = mapped_column(String(32), default="")
    batch: Mapped[str] = mapped_column(String(40), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)

    __table_args__ = (
        Index("ix_outbox_message_state_not_before", "state", "not_before"),
        Index("ix_outbox_message_patient_id", "patient_id"),
        Index("ix_outbox_message_source_id", "source_id"),
    )


class Campaign(IdMixin, TimestampMixin, Base):
    """A personal health reminder sent to a chosen group (spec E7) through the outbox."""

    __tablename__ = "campaign"
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text, default="{}")  # JSON: who was chosen
    queued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[str] = mapped_column(Text, default="{}")  # JSON {reason: count}
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


# -- membership (issue 11, spec H1-H3, A10) -------------------------------------------------
# Facts only: payments as paid, benefit uses as ledger rows (+1, or -1 for a use undone).
# Nothing is a synced counter, so two desks offline each keep the use they recorded.


class MemberTier(IdMixin, TimestampMixin, Base):
    """A membership tier (H1), editable by the director; retired, never deleted, once used.

    ``benefits`` is JSON: a list of {"key", "kind": "flag"|"quota", "quota", "unit",
    "count", "label"}; a quota is counted per its own period (``unit`` month|year,
    ``count``) from the membership's anchor day. Known keys drive behaviour
    (priority_booking, home_visits, annual_plan, care_team ...); others are words.
    """

    __tablename__ = "member_tier"
    code: Mapped[str] = mapped_column(String(32), index=True)
    name_zh_cn: Mapped[str] = mapped_column(String(100))
    name_zh_tw: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    period_unit: Mapped[str] = mapped_column(String(8), default="year")  # month | year
    period_count: Mapped[int] = mapped_column(Integer, default=1)
    # How many people one membership of this tier covers (1: single; more: family).
    max_members: Mapped[int] = mapped_column(Integer, default=1)
    benefits: Mapped[str] = mapped_column(Text, default="[]")
    color: Mapped[str] = mapped_column(String(9), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class Membership(IdMixin, TimestampMixin, Base):
    """One membership (H2): a tier bought by a payer for one or several people.

    ``status`` is what staff did (active, suspended, cancelled); "expired" is read from
    ``ends_on`` and today's date, so no desk has to run a job for it. ``anchor_on`` is
    the day quota periods count from (the start, or the day a new tier began).
    """

    __tablename__ = "membership"
    tier_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("member_tier.id"), index=True)
    payer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(24), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    anchor_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")
    suspended_on: Mapped[date | None] = mapped_column(Date, default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class MembershipMember(IdMixin, TimestampMixin, Base):
    """A person a membership covers: the payer and, for a family, the others."""

    __tablename__ = "membership_member"
    membership_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("membership.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16), default="self")  # self, spouse, child ...
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, default=None)

    __table_args__ = (Index("ix_membership_member_membership_id", "membership_id"),)


class MembershipEvent(IdMixin, TimestampMixin, Base):
    """One step in a membership's history: enrol, renew, upgrade, downgrade, suspend,
    resume, cancel, member_added, member_removed, card_reissued, care_team, note."""

    __tablename__ = "membership_event"
    membership_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("membership.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON (old/new tier, prices)

    __table_args__ = (Index("ix_membership_event_membership_id_at", "membership_id", "at"),)


class MembershipPayment(IdMixin, TimestampMixin, Base):
    """A payment (or refund) as it happened: amount, day, method, receipt number."""

    __tablename__ = "membership_payment"
    membership_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("membership.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8), default="payment")  # payment | refund
    amount_cents: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    method: Mapped[str] = mapped_column(String(16))  # cash, card, wechat, alipay, transfer, other
    receipt_no: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class BenefitUse(IdMixin, TimestampMixin, Base):
    """One use of a quota benefit (a home visit), or -1 when a use is undone (the visit
    cancelled). The quota left is always summed from these rows."""

    __tablename__ = "benefit_use"
    membership_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("membership.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"))
    benefit_key: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=1)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None, index=True)
    # Why the director allowed a use past the allowance (audited).
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    # When the director saw an overdraft this row is part of (after sync).
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        Index(
            "ix_benefit_use_membership_id_benefit_key_day", "membership_id", "benefit_key", "day"
        ),
    )


class CareTeamMember(IdMixin, TimestampMixin, Base):
    """The premium tier's named care team (H1 私人健康管家): doctor, nutritionist, trainer."""

    __tablename__ = "care_team_member"
    membership_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("membership.id"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))  # doctor | nutritionist | trainer | other
    staff_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"), default=None)
    # A trainer or nutritionist may work outside the clinic and have no account.
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")


# -- sync (issue 7) -------------------------------------------------------------------------
# Local bookkeeping except ``sync_conflict``, which syncs like any clinic table so
# every workstation ends with the same list of values that lost a merge.


class SyncDirty(Base):
    """Fields changed in the open transaction, noted by triggers; emptied at commit."""

    __tablename__ = "sync_dirty"
    tbl: Mapped[str] = mapped_column(String(64), primary_key=True)
    # BLOB affinity converts nothing: a row's key is kept exactly as its table stores it.
    k1: Mapped[Any] = mapped_column(BLOB, primary_key=True)
    k2: Mapped[Any] = mapped_column(BLOB, primary_key=True)
    col: Mapped[str] = mapped_column(String(64), primary_key=True)


class SyncOutbox(Base):
    """Operations made here and not yet acknowledged by the hub; ``seq`` is the device sequence."""

    __tablename__ = "sync_outbox"
    # AUTOINCREMENT: a sequence number is never reused, even after acknowledged rows go.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(32), unique=True)
    hlc: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # zlib(JSON), sealed only when pushed


class SyncRow(Base):
    """Per-field clocks of one row (JSON), for rows changed since sync began."""

    __tablename__ = "sync_row"
    tbl: Mapped[str] = mapped_column(String(64), primary_key=True)
    k1: Mapped[Any] = mapped_column(BLOB, primary_key=True)
    k2: Mapped[Any] = mapped_column(BLOB, primary_key=True)
    clocks: Mapped[str] = mapped_column(Text)


class SyncPeer(Base):
    """The last device sequence applied from each other workstation (gap detection)."""

    __tablename__ = "sync_peer"
    device_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_server_seq: Mapped[int] = mapped_column(Integer)


class SyncConflict(IdMixin, TimestampMixin, Base):
    """A value that lost a merge (two workstations changed one field without seeing
    each other's change), kept so a person can look and restore it. The id is
    derived from what lost, so every workstation that notices it writes the same row."""

    __tablename__ = "sync_conflict"
    kind: Mapped[str] = mapped_column(String(16))  # field | duplicate
    tbl: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(80))
    col: Mapped[str] = mapped_column(String(64))
    loser_value: Mapped[str] = mapped_column(Text)  # JSON of the stored value
    winner_value: Mapped[str] = mapped_column(Text)
    loser_hlc: Mapped[int] = mapped_column(Integer)
    loser_node: Mapped[str] = mapped_column(String(32))
    winner_hlc: Mapped[int] = mapped_column(Integer)
    winner_node: Mapped[str] = mapped_column(String(32))
    # open | kept (the winner stays) | restored (the loser was written back)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (Index("ix_sync_conflict_status_tbl", "status", "tbl"),)
