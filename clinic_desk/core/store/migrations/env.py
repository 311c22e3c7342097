"""Alembic environment: always run on a connection handed in by ``migrate.py``."""

from __future__ import annotations

from alembic import context

from clinic_desk.core.store import models  # noqa: F401  (registers the tables)
from clinic_desk.core.store.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through clinic_desk.core.store.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
