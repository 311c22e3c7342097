"""Sync between workstations (issue 7): change capture, outbox, clocks, conflicts.

The two unique indexes of ``queue_entry`` become plain ones: two desks working
offline can hand out one queue number twice or check one booking in twice, and
sync must carry both rows so the desk can see and settle them.

Revision ID: 0006_sync
Revises: 0005_reception
Create Date: 2026-11-29 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import BLOB

from clinic_desk.core.store.base import UTCDateTime

revision = "0006_sync"
down_revision = "0005_reception"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_dirty",
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("k1", BLOB(), nullable=False),
        sa.Column("k2", BLOB(), nullable=False),
        sa.Column("col", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "k1", "k2", "col", name=op.f("pk_sync_dirty")),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.String(length=32), nullable=False),
        sa.Column("hlc", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sa.UniqueConstraint("op_id", name=op.f("uq_sync_outbox_op_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sync_row",
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("k1", BLOB(), nullable=False),
        sa.Column("k2", BLOB(), nullable=False),
        sa.Column("clocks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "k1", "k2", name=op.f("pk_sync_row")),
    )
    op.create_table(
        "sync_peer",
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_server_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_sync_peer")),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tbl", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=80), nullable=False),
        sa.Column("col", sa.String(length=64), nullable=False),
        sa.Column("loser_value", sa.Text(), nullable=False),
        sa.Column("winner_value", sa.Text(), nullable=False),
        sa.Column("loser_hlc", sa.Integer(), nullable=False),
        sa.Column("loser_node", sa.String(length=32), nullable=False),
        sa.Column("winner_hlc", sa.Integer(), nullable=False),
        sa.Column("winner_node", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index("ix_sync_conflict_status_tbl", ["status", "tbl"], unique=False)
    # Dropping and creating indexes needs no table rebuild.
    op.drop_index("uq_queue_entry_day_queue_no", table_name="queue_entry")
    op.drop_index("uq_queue_entry_appointment_id", table_name="queue_entry")
    op.create_index("ix_queue_entry_day_queue_no", "queue_entry", ["day", "queue_no"])
    op.create_index("ix_queue_entry_appointment_id", "queue_entry", ["appointment_id"])


def downgrade() -> None:
    op.drop_index("ix_queue_entry_appointment_id", table_name="queue_entry")
    op.drop_index("ix_queue_entry_day_queue_no", table_name="queue_entry")
    op.create_index(
        "uq_queue_entry_appointment_id", "queue_entry", ["appointment_id"], unique=True
    )
    op.create_index("uq_queue_entry_day_queue_no", "queue_entry", ["day", "queue_no"], unique=True)
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_conflict_status_tbl")
    for table in ("sync_conflict", "sync_peer", "sync_row", "sync_outbox", "sync_dirty"):
        op.drop_table(table)
