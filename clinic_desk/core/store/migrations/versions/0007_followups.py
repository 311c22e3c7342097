"""Follow-up plans, the call worklist and the reminder outbox (issue 9, spec E1-E7, A5).

Also the patient's date of death and opt-outs, and the complaint table as received
from a follow-up call (issue 10 builds the rest of the complaint loop on it).

Revision ID: 0007_followups
Revises: 0006_sync
Create Date: 2026-11-29 22:48:45.694582
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinic_desk.core.store.base import UTCDateTime

revision = "0007_followups"
down_revision = "0006_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "followup_plan",
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_plan")),
    )
    with op.batch_alter_table("followup_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_plan_category"), ["category"], unique=False)

    op.create_table(
        "message_template",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template")),
    )
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_template_code"), ["code"], unique=False)

    op.create_table(
        "complaint",
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("complainant", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("staff_concerned", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source_call_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["staff.id"], name=op.f("fk_complaint_owner_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_complaint_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_status_received_at", ["status", "received_at"], unique=False
        )

    op.create_table(
        "followup_task",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("plan_category", sa.String(length=32), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("caller_role", sa.String(length=24), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("doctor_id", sa.Uuid(), nullable=True),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("checks_previous", sa.Boolean(), nullable=False),
        sa.Column("due_from", sa.Date(), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("close_reason", sa.String(length=32), nullable=False),
        sa.Column("close_note", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", UTCDateTime(), nullable=True),
        sa.Column("last_outcome", sa.String(length=16), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_followup_task_assignee_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["staff.id"], name=op.f("fk_followup_task_doctor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_followup_task_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_task")),
    )
    with op.batch_alter_table("followup_task", schema=None) as batch_op:
        batch_op.create_index("ix_followup_task_due_by", ["due_by"], unique=False)
        batch_op.create_index("ix_followup_task_patient_id", ["patient_id"], unique=False)
        batch_op.create_index("ix_followup_task_source_id", ["source_id"], unique=False)
        batch_op.create_index(
            "ix_followup_task_status_due_from", ["status", "due_from"], unique=False
        )

    op.create_table(
        "outbox_message",
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("template_code", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("next_try_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("batch", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_outbox_message_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_patient_id", ["patient_id"], unique=False)
        batch_op.create_index("ix_outbox_message_source_id", ["source_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_message_state_not_before", ["state", "not_before"], unique=False
        )

    op.create_table(
        "followup_call",
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("caller_id", sa.Uuid(), nullable=True),
        sa.Column("called_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("recovery", sa.String(length=16), nullable=False),
        sa.Column("adherence", sa.String(length=16), nullable=False),
        sa.Column("satisfaction", sa.Text(), nullable=False),
        sa.Column("open_answer", sa.Text(), nullable=False),
        sa.Column("suggestions", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("previous_levels", sa.String(length=8), nullable=False),
        sa.Column("check_at", UTCDateTime(), nullable=True),
        sa.Column("check_by", sa.Uuid(), nullable=True),
        sa.Column("check_rating", sa.String(length=12), nullable=False),
        sa.Column("check_note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caller_id"], ["staff.id"], name=op.f("fk_followup_call_caller_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_followup_call_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["followup_task.id"], name=op.f("fk_followup_call_task_id_followup_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_call")),
    )
    with op.batch_alter_table("followup_call", schema=None) as batch_op:
        batch_op.create_index("ix_followup_call_called_at", ["called_at"], unique=False)
        batch_op.create_index(
            "ix_followup_call_patient_id_called_at", ["patient_id", "called_at"], unique=False
        )
        batch_op.create_index("ix_followup_call_task_id", ["task_id"], unique=False)

    op.create_table(
        "followup_forward",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("forwarded_by", sa.Uuid(), nullable=True),
        sa.Column("answered_by", sa.Uuid(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["followup_call.id"],
            name=op.f("fk_followup_forward_call_id_followup_call"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_followup_forward_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_forward")),
    )
    with op.batch_alter_table("followup_forward", schema=None) as batch_op:
        batch_op.create_index("ix_followup_forward_status", ["status"], unique=False)

    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deceased_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("opt_out_calls", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("opt_out_messages", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("opt_out_messages")
        batch_op.drop_column("opt_out_calls")
        batch_op.drop_column("deceased_on")

    with op.batch_alter_table("followup_forward", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_forward_status")

    op.drop_table("followup_forward")
    with op.batch_alter_table("followup_call", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_call_task_id")
        batch_op.drop_index("ix_followup_call_patient_id_called_at")
        batch_op.drop_index("ix_followup_call_called_at")

    op.drop_table("followup_call")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_state_not_before")
        batch_op.drop_index("ix_outbox_message_source_id")
        batch_op.drop_index("ix_outbox_message_patient_id")

    op.drop_table("outbox_message")
    with op.batch_alter_table("followup_task", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_task_status_due_from")
        batch_op.drop_index("ix_followup_task_source_id")
        batch_op.drop_index("ix_followup_task_patient_id")
        batch_op.drop_index("ix_followup_task_due_by")

    op.drop_table("followup_task")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_status_received_at")

    op.drop_table("complaint")
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_template_code"))

    op.drop_table("message_template")
    with op.batch_alter_table("followup_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_plan_category"))

    op.drop_table("followup_plan")
    op.drop_table("campaign")
