"""Rosters, resources, appointment types, closures and the appointment book (issue 5).

Revision ID: 0004_appointments
Revises: 0003_records
Create Date: 2026-11-29 14:38:09.231953
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinic_desk.core.store.base import UTCDateTime

revision = "0004_appointments"
down_revision = "0003_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_type",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("default_minutes", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=9), nullable=False),
        sa.Column("resource_ids", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_type")),
    )
    op.create_table(
        "clinic_closure",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_closure")),
    )
    with op.batch_alter_table("clinic_closure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clinic_closure_day"), ["day"], unique=False)

    op.create_table(
        "resource",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource")),
    )
    op.create_table(
        "appointment_series",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), nullable=False),
        sa.Column("type_id", sa.Uuid(), nullable=True),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("holiday_policy", sa.String(length=8), nullable=False),
        sa.Column("generated_until", sa.Date(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["staff.id"], name=op.f("fk_appointment_series_doctor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_appointment_series_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["appointment_type.id"],
            name=op.f("fk_appointment_series_type_id_appointment_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_series")),
    )
    with op.batch_alter_table("appointment_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_series_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "doctor_profile",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("specialties", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("color", sa.String(length=9), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_doctor_profile_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doctor_profile")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_doctor_profile_staff_id")),
    )
    op.create_table(
        "roster_exception",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=True),
        sa.Column("end_minute", sa.Integer(), nullable=True),
        sa.Column("substitute_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_roster_exception_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"], ["staff.id"], name=op.f("fk_roster_exception_substitute_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_exception")),
    )
    with op.batch_alter_table("roster_exception", schema=None) as batch_op:
        batch_op.create_index("ix_roster_exception_staff_id_day", ["staff_id", "day"], unique=False)

    op.create_table(
        "roster_rule",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_roster_rule_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_rule")),
    )
    with op.batch_alter_table("roster_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_rule_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "appointment",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), nullable=False),
        sa.Column("type_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("add_on", sa.Boolean(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=True),
        sa.Column("series_day", sa.Date(), nullable=True),
        sa.Column("on_holiday", sa.Boolean(), nullable=False),
        sa.Column("identity_checked_at", UTCDateTime(), nullable=True),
        sa.Column("identity_checked_by", sa.Uuid(), nullable=True),
        sa.Column("booked_by", sa.Uuid(), nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("arrived_at", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=False),
        sa.Column("late_cancel", sa.Boolean(), nullable=False),
        sa.Column("no_show_at", UTCDateTime(), nullable=True),
        sa.Column("moved_from_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["staff.id"], name=op.f("fk_appointment_doctor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["moved_from_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_moved_from_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_appointment_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["appointment_series.id"],
            name=op.f("fk_appointment_series_id_appointment_series"),
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["appointment_type.id"],
            name=op.f("fk_appointment_type_id_appointment_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appointment_doctor_id_starts_at", ["doctor_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            "ix_appointment_patient_id_starts_at", ["patient_id", "starts_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appointment_series_id"), ["series_id"], unique=False)
        batch_op.create_index("ix_appointment_starts_at", ["starts_at"], unique=False)

    op.create_table(
        "absence_contact",
        sa.Column("exception_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("offered", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("handled_by", sa.Uuid(), nullable=True),
        sa.Column("handled_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_absence_contact_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["roster_exception.id"],
            name=op.f("fk_absence_contact_exception_id_roster_exception"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence_contact")),
    )
    with op.batch_alter_table("absence_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_absence_contact_exception_id"), ["exception_id"], unique=False
        )

    op.create_table(
        "appointment_resource",
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_resource_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name=op.f("fk_appointment_resource_resource_id_resource"),
        ),
        sa.PrimaryKeyConstraint(
            "appointment_id", "resource_id", name=op.f("pk_appointment_resource")
        ),
    )
    with op.batch_alter_table("appointment_resource", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appointment_resource_resource_id_starts_at",
            ["resource_id", "starts_at"],
            unique=False,
        )

    op.create_table(
        "waitlist_entry",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("doctor_id", sa.Uuid(), nullable=True),
        sa.Column("type_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("earliest", sa.Date(), nullable=True),
        sa.Column("latest", sa.Date(), nullable=True),
        sa.Column("preferred", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_waitlist_entry_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["staff.id"], name=op.f("fk_waitlist_entry_doctor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_waitlist_entry_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["appointment_type.id"],
            name=op.f("fk_waitlist_entry_type_id_appointment_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entry")),
    )
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waitlist_entry_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_patient_id"))

    op.drop_table("waitlist_entry")
    with op.batch_alter_table("appointment_resource", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_resource_resource_id_starts_at")

    op.drop_table("appointment_resource")
    with op.batch_alter_table("absence_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absence_contact_exception_id"))

    op.drop_table("absence_contact")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_starts_at")
        batch_op.drop_index(batch_op.f("ix_appointment_series_id"))
        batch_op.drop_index("ix_appointment_patient_id_starts_at")
        batch_op.drop_index("ix_appointment_doctor_id_starts_at")

    op.drop_table("appointment")
    with op.batch_alter_table("roster_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_rule_staff_id"))

    op.drop_table("roster_rule")
    with op.batch_alter_table("roster_exception", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_exception_staff_id_day")

    op.drop_table("roster_exception")
    op.drop_table("doctor_profile")
    with op.batch_alter_table("appointment_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_series_patient_id"))

    op.drop_table("appointment_series")
    op.drop_table("resource")
    with op.batch_alter_table("clinic_closure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clinic_closure_day"))

    op.drop_table("clinic_closure")
    op.drop_table("appointment_type")
