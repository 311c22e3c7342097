"""Complaints, surveys, self-checks and root causes (issue 10, spec F1-F7, G1-G5, C6).

The complaint table of 0007 gains the steps of the loop; the rest is new.

Revision ID: 0008_quality
Revises: 0007_followups
Create Date: 2026-11-30 01:52:10.694043
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinic_desk.core.store.base import UTCDateTime

revision = "0008_quality"
down_revision = "0007_followups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questionnaire",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire")),
    )
    op.create_table(
        "root_cause",
        sa.Column("complaint_id", sa.Uuid(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("whys", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_root_cause")),
    )
    with op.batch_alter_table("root_cause", schema=None) as batch_op:
        batch_op.create_index("ix_root_cause_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "self_check_list",
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_check_list")),
    )
    op.create_table(
        "training_case",
        sa.Column("complaint_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_case")),
    )
    op.create_table(
        "self_check",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_self_check_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_check")),
    )
    with op.batch_alter_table("self_check", schema=None) as batch_op:
        batch_op.create_index("ix_self_check_day", ["day"], unique=False)

    op.create_table(
        "survey_response",
        sa.Column("sample_id", sa.Uuid(), nullable=True),
        sa.Column("questionnaire_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("doctor_id", sa.Uuid(), nullable=True),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_survey_response_questionnaire_id_questionnaire"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index("ix_survey_response_answered_on", ["answered_on"], unique=False)

    op.create_table(
        "survey_sample",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("questionnaire_id", sa.Uuid(), nullable=True),
        sa.Column("doctor_id", sa.Uuid(), nullable=True),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("visit_day", sa.Date(), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_survey_sample_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_sample")),
    )
    with op.batch_alter_table("survey_sample", schema=None) as batch_op:
        batch_op.create_index("ix_survey_sample_week_start", ["week_start"], unique=False)

    op.create_table(
        "complaint_event",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaint_event_complaint_id_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_event")),
    )
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_event_complaint_id_at", ["complaint_id", "at"], unique=False
        )

    op.create_table(
        "survey_answer",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("item_key", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_response.id"],
            name=op.f("fk_survey_answer_response_id_survey_response"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
    )
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answer_response_id", ["response_id"], unique=False)

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("complexity", sa.String(length=8), server_default="simple", nullable=False)
        )
        batch_op.add_column(sa.Column("staff_concerned_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("box_opened_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("accepted_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("contacted_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("solution_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("response", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("rectification", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("rectify_owner_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("rectify_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rectified_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("rectify_note", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("reply_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("reply_channel", sa.String(length=16), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("reply_text", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("closed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalation_seen_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalation_seen_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("reopened", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_complaint_owner_id_status", ["owner_id", "status"], unique=False)
        batch_op.create_index("ix_complaint_received_at", ["received_at"], unique=False)

    with op.batch_alter_table("followup_call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scored_answers", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("satisfied_answers", sa.Integer(), server_default="0", nullable=False)
        )
    # Count the scores of the calls made before this version (1-5 whole numbers only).
    keys = ("overall", "doctor", "staff", "waiting", "environment")
    valid = [
        f"(json_type(satisfaction, '$.{k}') = 'integer' "
        f"AND json_extract(satisfaction, '$.{k}') BETWEEN 1 AND 5)"
        for k in keys
    ]
    good = [
        f"({v} AND json_extract(satisfaction, '$.{k}') >= 4)"
        for v, k in zip(valid, keys, strict=True)
    ]
    op.execute(
        f"UPDATE followup_call SET scored_answers = {' + '.join(valid)}, "
        f"satisfied_answers = {' + '.join(good)} "
        "WHERE satisfaction != '{}' AND json_valid(satisfaction)"
    )


def downgrade() -> None:
    with op.batch_alter_table("followup_call", schema=None) as batch_op:
        batch_op.drop_column("satisfied_answers")
        batch_op.drop_column("scored_answers")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_received_at")
        batch_op.drop_index("ix_complaint_owner_id_status")
        batch_op.drop_column("reopened")
        batch_op.drop_column("escalation_seen_by")
        batch_op.drop_column("escalation_seen_at")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("reply_text")
        batch_op.drop_column("reply_channel")
        batch_op.drop_column("reply_at")
        batch_op.drop_column("rectify_note")
        batch_op.drop_column("rectified_at")
        batch_op.drop_column("rectify_due")
        batch_op.drop_column("rectify_owner_id")
        batch_op.drop_column("rectification")
        batch_op.drop_column("response")
        batch_op.drop_column("solution_at")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("contacted_at")
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("box_opened_on")
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("staff_concerned_id")
        batch_op.drop_column("complexity")

    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answer_response_id")

    op.drop_table("survey_answer")
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_event_complaint_id_at")

    op.drop_table("complaint_event")
    with op.batch_alter_table("survey_sample", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_sample_week_start")

    op.drop_table("survey_sample")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_response_answered_on")

    op.drop_table("survey_response")
    with op.batch_alter_table("self_check", schema=None) as batch_op:
        batch_op.drop_index("ix_self_check_day")

    op.drop_table("self_check")
    op.drop_table("training_case")
    op.drop_table("self_check_list")
    with op.batch_alter_table("root_cause", schema=None) as batch_op:
        batch_op.drop_index("ix_root_cause_status_due_at")

    op.drop_table("root_cause")
    op.drop_table("questionnaire")
