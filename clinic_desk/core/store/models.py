"""The tables. Typed ``Mapped[...]`` columns, SQLAlchemy 2 style.

Every clinic table has a UUIDv7 key and ``deleted_at`` tombstone (see
``base.py``). The exceptions are local bookkeeping: ``meta`` (one workstation's
own state), ``signin_attempt`` and ``audit_log`` (an append-only, hash-chained
journal whose order is its integer sequence).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

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
    """The patient's identity. Issue 4 grows this into the full registry (spec C1)."""

    __tablename__ = "patient"
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(8), default="U")
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    phone: Mapped[str] = mapped_column(String(32), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)


class ClinicalNote(IdMixin, TimestampMixin, Base):
    """An appended clinical note (spec C2); never edited in place."""

    __tablename__ = "clinical_note"
    patient_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("patient.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text)
