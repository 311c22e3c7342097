"""Reception check-in, the waiting room and the doctor's queue (issue 6).

Revision ID: 0005_reception
Revises: 0004_appointments
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinic_desk.core.store.base import UTCDateTime

revision = "0005_reception"
down_revision = "0004_appointments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_entry",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("doctor_id", sa.Uuid(), nullable=True),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("complaint", sa.String(length=32), nullable=False),
        sa.Column("queue_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("green_reason", sa.String(length=500), nullable=False),
        sa.Column("arrived_at", UTCDateTime(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("visit_category", sa.String(length=32), nullable=False),
        sa.Column("back_reason", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_queue_entry_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["staff.id"], name=op.f("fk_queue_entry_doctor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_queue_entry_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_queue_entry_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_entry")),
    )
    with op.batch_alter_table("queue_entry", schema=None) as batch_op:
        batch_op.create_index("ix_queue_entry_day_doctor_id", ["day", "doctor_id"], unique=False)
        batch_op.create_index("ix_queue_entry_patient_id_day", ["patient_id", "day"], unique=False)
        batch_op.create_index("uq_queue_entry_appointment_id", ["appointment_id"], unique=True)
        batch_op.create_index("uq_queue_entry_day_queue_no", ["day", "queue_no"], unique=True)

    op.create_table(
        "queue_event",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["queue_entry.id"], name=op.f("fk_queue_event_entry_id_queue_entry")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_queue_event_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_event")),
    )
    with op.batch_alter_table("queue_event", schema=None) as batch_op:
        batch_op.create_index("ix_queue_event_entry_id_at", ["entry_id", "at"], unique=False)

    op.create_table(
        "wait_alert",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=False),
        sa.Column("handled_by", sa.Uuid(), nullable=True),
        sa.Column("actions", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["queue_entry.id"], name=op.f("fk_wait_alert_entry_id_queue_entry")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"], ["staff.id"], name=op.f("fk_wait_alert_handled_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wait_alert")),
    )
    with op.batch_alter_table("wait_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wait_alert_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wait_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wait_alert_entry_id"))

    op.drop_table("wait_alert")
    with op.batch_alter_table("queue_event", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_event_entry_id_at")

    op.drop_table("queue_event")
    with op.batch_alter_table("queue_entry", schema=None) as batch_op:
        batch_op.drop_index("uq_queue_entry_day_queue_no")
        batch_op.drop_index("uq_queue_entry_appointment_id")
        batch_op.drop_index("ix_queue_entry_patient_id_day")
        batch_op.drop_index("ix_queue_entry_day_doctor_id")

    op.drop_table("queue_entry")
