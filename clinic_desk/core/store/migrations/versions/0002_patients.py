"""Patients and appended clinical notes (the start of spec C1-C3).

Revision ID: 0002_patients
Revises: 0001_foundation
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinic_desk.core.store.base import UTCDateTime

revision = "0002_patients"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "patient",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_name", sa.String(100), nullable=False),
        sa.Column("given_name", sa.String(100), nullable=False),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient")),
    )
    op.create_table(
        "clinical_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_clinical_note_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff.id"], name=op.f("fk_clinical_note_author_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinical_note")),
    )
    op.create_index(
        op.f("ix_clinical_note_patient_id"), "clinical_note", ["patient_id"], unique=False
    )
    # Staff get a contact phone for the desk (issue 3's staff screen shows it).
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("phone", sa.String(32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("phone")
    op.drop_index(op.f("ix_clinical_note_patient_id"), table_name="clinical_note")
    op.drop_table("clinical_note")
    op.drop_table("patient")
