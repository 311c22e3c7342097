"""Membership tiers, memberships, payments, the benefit-use ledger, care teams (issue 11,
spec H1-H3, A10); appointment types learn which benefit they use.

Revision ID: 0009_membership
Revises: 0008_quality
Create Date: 2026-11-30 05:33:24.987186
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinic_desk.core.store.base import UTCDateTime

revision = "0009_membership"
down_revision = "0008_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_tier",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh_cn", sa.String(length=100), nullable=False),
        sa.Column("name_zh_tw", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("period_unit", sa.String(length=8), nullable=False),
        sa.Column("period_count", sa.Integer(), nullable=False),
        sa.Column("max_members", sa.Integer(), nullable=False),
        sa.Column("benefits", sa.Text(), nullable=False),
        sa.Column("color", sa.String(length=9), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_tier")),
    )
    with op.batch_alter_table("member_tier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_tier_code"), ["code"], unique=False)

    op.create_table(
        "membership",
        sa.Column("tier_id", sa.Uuid(), nullable=False),
        sa.Column("payer_id", sa.Uuid(), nullable=False),
        sa.Column("card_no", sa.String(length=24), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("anchor_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("suspended_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["patient.id"], name=op.f("fk_membership_payer_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"], ["member_tier.id"], name=op.f("fk_membership_tier_id_member_tier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_card_no"), ["card_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_ends_on"), ["ends_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_tier_id"), ["tier_id"], unique=False)

    op.create_table(
        "benefit_use",
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("benefit_key", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_benefit_use_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_benefit_use_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_use")),
    )
    with op.batch_alter_table("benefit_use", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_benefit_use_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(
            "ix_benefit_use_membership_id_benefit_key_day",
            ["membership_id", "benefit_key", "day"],
            unique=False,
        )

    op.create_table(
        "care_team_member",
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_care_team_member_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_care_team_member_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_team_member")),
    )
    with op.batch_alter_table("care_team_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_team_member_membership_id"), ["membership_id"], unique=False
        )

    op.create_table(
        "membership_event",
        sa.Column("membership_id", sa.Uuid(), nullable=False),
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
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_membership_event_membership_id_membership"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_event")),
    )
    with op.batch_alter_table("membership_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_membership_event_membership_id_at", ["membership_id", "at"], unique=False
        )

    op.create_table(
        "membership_member",
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_membership_member_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_membership_member_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_member")),
    )
    with op.batch_alter_table("membership_member", schema=None) as batch_op:
        batch_op.create_index("ix_membership_member_membership_id", ["membership_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_membership_member_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "membership_payment",
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("receipt_no", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_membership_payment_membership_id_membership"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_payment")),
    )
    with op.batch_alter_table("membership_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_payment_membership_id"), ["membership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_membership_payment_paid_on"), ["paid_on"], unique=False
        )

    with op.batch_alter_table("appointment_type", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("benefit_key", sa.String(length=40), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_type", schema=None) as batch_op:
        batch_op.drop_column("benefit_key")

    with op.batch_alter_table("membership_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_payment_paid_on"))
        batch_op.drop_index(batch_op.f("ix_membership_payment_membership_id"))

    op.drop_table("membership_payment")
    with op.batch_alter_table("membership_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_member_patient_id"))
        batch_op.drop_index("ix_membership_member_membership_id")

    op.drop_table("membership_member")
    with op.batch_alter_table("membership_event", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_event_membership_id_at")

    op.drop_table("membership_event")
    with op.batch_alter_table("care_team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_team_member_membership_id"))

    op.drop_table("care_team_member")
    with op.batch_alter_table("benefit_use", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_use_membership_id_benefit_key_day")
        batch_op.drop_index(batch_op.f("ix_benefit_use_appointment_id"))

    op.drop_table("benefit_use")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_tier_id"))
        batch_op.drop_index(batch_op.f("ix_membership_payer_id"))
        batch_op.drop_index(batch_op.f("ix_membership_ends_on"))
        batch_op.drop_index(batch_op.f("ix_membership_card_no"))

    op.drop_table("membership")
    with op.batch_alter_table("member_tier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_tier_code"))

    op.drop_table("member_tier")
