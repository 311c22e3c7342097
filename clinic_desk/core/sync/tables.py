"""Which tables sync, how their rows are named, and the triggers that note changes.

Read from the live database (``PRAGMA table_info``), not from the models, so
the triggers always match the schema the migrations actually built. Every
table syncs except this workstation's own bookkeeping (``LOCAL_TABLES``).

The triggers write one row per changed field into ``sync_dirty`` (``'*'`` for
a new row) in the same transaction as the change, whatever wrote it: the ORM,
a bulk ``insert()``/``update()`` or plain SQL. ``capture`` turns them into an
outbox operation before the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

LOCAL_TABLES = frozenset(
    {
        "meta",  # this copy's own state (clinic id, audit head, sync cursor...)
        "signin_attempt",  # lockout is per workstation
        "audit_log",  # each workstation's own hash chain (its key never leaves it)
        "patient_search_key",  # derived from patient rows, rebuilt on apply
        "alembic_version",
        "sync_dirty",
        "sync_outbox",
        "sync_row",
        "sync_peer",
    }
)
ALL_FIELDS = "*"
META_ENABLED = "sync.node"  # present once this copy syncs (its device id)
TRIGGER_PREFIX = "sync_"


@dataclass(frozen=True)
class TableSpec:
    name: str
    keys: tuple[str, ...]  # primary key columns, in order (one or two)
    columns: tuple[str, ...]  # every column, keys included, in table order
    unique_text: tuple[str, ...]  # single-column unique text columns (login, setting key)
    # Any unique index besides the key: applying writes such a table's rows at once,
    # in order, since coalescing them could collide midway (merge.RowCache).
    has_unique: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.keys)

    @cached_property
    def column_set(self) -> frozenset[str]:
        """The columns as a set (checked for every change applied)."""
        return frozenset(self.columns)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_specs(conn: Any) -> dict[str, TableSpec]:
    """The synced tables of the database behind ``conn`` (a DB-API or SQLAlchemy connection)."""
    run = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    names = [
        r[0]
        for r in run(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()
    ]
    specs: dict[str, TableSpec] = {}
    for name in names:
        if name in LOCAL_TABLES:
            continue
        info = run(f"PRAGMA table_info({_quote(name)})").fetchall()
        columns = tuple(r[1] for r in info)
        keyed = sorted((r[5], r[1]) for r in info if r[5])
        keys = tuple(c for _, c in keyed)
        if not keys or len(keys) > 2:
            continue  # nothing we could name a row by; no such table today
        types = {r[1]: (r[2] or "").upper() for r in info}
        unique_text: list[str] = []
        has_unique = False
        for idx in run(f"PRAGMA index_list({_quote(name)})").fetchall():
            if not idx[2]:  # not unique
                continue
            has_unique = has_unique or idx[3] != "pk"
            cols = [r[2] for r in run(f"PRAGMA index_info({_quote(idx[1])})").fetchall()]
            # A name people type (a login, a setting's key), never a reference.
            if (
                len(cols) == 1
                and cols[0] not in keys
                and not cols[0].endswith("_id")
                and ("CHAR" in types[cols[0]] or "TEXT" in types[cols[0]])
            ):
                unique_text.append(cols[0])
        specs[name] = TableSpec(name, keys, columns, tuple(unique_text), has_unique)
    return specs


def _key_values(spec: TableSpec, prefix: str) -> str:
    second = f"{prefix}.{_quote(spec.keys[1])}" if len(spec.keys) > 1 else "''"
    return f"{prefix}.{_quote(spec.keys[0])}, {second}"


def trigger_sql(spec: TableSpec) -> list[str]:
    """CREATE TRIGGER statements noting inserts and changed fields of ``spec``'s table."""
    table = _quote(spec.name)
    lit = spec.name.replace("'", "''")
    insert = (
        f"CREATE TRIGGER {_quote(TRIGGER_PREFIX + 'ins_' + spec.name)} AFTER INSERT ON {table} "
        f"BEGIN INSERT OR IGNORE INTO sync_dirty (tbl, k1, k2, col) "
        f"VALUES ('{lit}', {_key_values(spec, 'NEW')}, '{ALL_FIELDS}'); END"
    )
    parts = [
        f"INSERT OR IGNORE INTO sync_dirty (tbl, k1, k2, col) SELECT '{lit}', "
        f"{_key_values(spec, 'NEW')}, '{c.replace(chr(39), chr(39) * 2)}' "
        f"WHERE OLD.{_quote(c)} IS NOT NEW.{_quote(c)};"
        for c in spec.fields
    ]
    update = (
        f"CREATE TRIGGER {_quote(TRIGGER_PREFIX + 'upd_' + spec.name)} AFTER UPDATE ON {table} "
        f"BEGIN {' '.join(parts)} END"
    )
    return [insert, update]


def drop_triggers(conn: Any) -> None:
    run = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    rows = run(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
        "(name LIKE 'sync\\_ins\\_%' ESCAPE '\\' OR name LIKE 'sync\\_upd\\_%' ESCAPE '\\')"
    ).fetchall()
    for (name,) in rows:
        run(f"DROP TRIGGER IF EXISTS {_quote(name)}")


def install_triggers(conn: Any) -> dict[str, TableSpec]:
    """(Re)create the triggers for every synced table; run after enabling and after migrating."""
    run = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    drop_triggers(conn)
    specs = read_specs(conn)
    for spec in specs.values():
        for statement in trigger_sql(spec):
            run(statement)
    return specs
