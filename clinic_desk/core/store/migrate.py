"""Bringing a clinic's database to the schema this version expects (Alembic)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text

from clinic_desk.core.errors import SchemaTooNew, StoreCorrupt
from clinic_desk.core.sync import tables as sync_tables

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The newest migration's revision id. Each program start compares the database's
# with it and, when they are equal, neither imports Alembic nor reads the scripts
# (seconds on a slow computer, issue 12); a unit test checks it against the scripts.
HEAD_REVISION = "0010_dashboard_indexes"


def alembic_config(connection: Connection | None = None) -> Config:
    # Alembic is imported only when a migration may run (see HEAD_REVISION).
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision as the migration scripts say (HEAD_REVISION is checked with it)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def is_current(conn: Connection) -> bool:
    """Whether the database is at HEAD_REVISION, read without Alembic."""
    has_table = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not has_table:
        return False
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    return [r[0] for r in rows] == [HEAD_REVISION]


def upgrade(engine: Engine, target: str = "head") -> bool:
    """Upgrade under the write lock, so two programs opening at once migrate once.

    True when the schema changed. A copy that syncs gets its change-capture
    triggers rebuilt for the new schema in the same transaction.
    """
    with engine.connect() as probe:
        up_to_date = is_current(probe)
        probe.rollback()
    if up_to_date and target == "head":
        return False  # the usual start: no Alembic, no scripts read
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as probe:
        current = current_revision(probe)
        probe.rollback()
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise SchemaTooNew()
    if current == script.get_current_head() and target == "head":
        return False
    with engine.connect() as conn:
        # Batch mode rebuilds tables; foreign keys must be off (outside any
        # transaction) while it does, and are checked by hand afterwards.
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")  # on the driver: SQLAlchemy would BEGIN first
        try:
            writer = conn.execution_options(clinic_write=True)
            with writer.begin():
                command.upgrade(alembic_config(writer), target)
                broken = writer.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreCorrupt(detail=f"{len(broken)} broken references after upgrade")
                _rebuild_sync_triggers(writer)
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
    return True


def _rebuild_sync_triggers(conn: Connection) -> None:
    # Batch mode rebuilt some tables without their triggers, and new columns
    # need capturing: recreate them all. What the migration itself changed is
    # the same on every workstation that runs it, so it is not sent.
    tables = {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    if "sync_dirty" not in tables:
        return
    enabled = conn.exec_driver_sql(
        "SELECT 1 FROM meta WHERE key = ?", (sync_tables.META_ENABLED,)
    ).fetchone()
    if enabled:
        sync_tables.install_triggers(conn)
    conn.exec_driver_sql("DELETE FROM sync_dirty")


def table_names(conn: Connection) -> list[str]:
    rows = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    )
    return sorted(r[0] for r in rows)
