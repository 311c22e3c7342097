"""Covering indexes for the quality dashboard's year of figures (issue 12): the no-show
and revisit counts, the follow-up rate and the calls' satisfaction read an index alone
instead of a table row each (the monthly report's 12-month trend went over 2 s on the
5-year dataset). Each replaces the index whose columns it begins with.

Revision ID: 0010_dashboard_indexes
Revises: 0009_membership
Create Date: 2026-11-30 10:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0010_dashboard_indexes"
down_revision = "0009_membership"
branch_labels = None
depends_on = None

# (table, old index, its columns, new index, its columns)
_COVER = [
    (
        "appointment",
        "ix_appointment_starts_at",
        ["starts_at"],
        "ix_appointment_starts_at_cover",
        ["starts_at", "status", "deleted_at", "doctor_id", "patient_id"],
    ),
    (
        "appointment",
        "ix_appointment_patient_id_starts_at",
        ["patient_id", "starts_at"],
        "ix_appointment_patient_id_starts_at_cover",
        ["patient_id", "starts_at", "doctor_id", "deleted_at", "created_at"],
    ),
    (
        "followup_task",
        "ix_followup_task_due_by",
        ["due_by"],
        "ix_followup_task_due_by_cover",
        ["due_by", "kind", "status", "close_reason", "deleted_at", "doctor_id"],
    ),
    (
        "followup_call",
        "ix_followup_call_called_at",
        ["called_at"],
        "ix_followup_call_called_at_cover",
        ["called_at", "deleted_at", "scored_answers", "satisfied_answers", "task_id"],
    ),
]


def upgrade() -> None:
    for table, old, _old_cols, new, new_cols in _COVER:
        op.create_index(new, table, new_cols, unique=False)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, old, old_cols, new, _new_cols in _COVER:
        op.create_index(old, table, old_cols, unique=False)
        op.drop_index(new, table_name=table)
