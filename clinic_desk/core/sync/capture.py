"""Turning the fields the triggers noted into one outbox operation, before commit.

Runs inside the writing transaction (``UnitOfWork.commit``), so the domain
change, its per-field clocks and its outbox entry commit together or not at
all: a change is never lost and never sent twice.

An operation is one transaction's changes::

    {"changes": [{"t": table, "k": [key...], "f": {field: value},
                  "b": {field: [hlc, node]}}]}

``b`` holds, per field, the clock of the value this workstation overwrote
(absent for a new row): the receiver compares it with its own clock to tell a
concurrent edit (a conflict to keep) from one made after seeing its value.
The operation's own clock (``hlc`` and the device as node) dates every field.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from clinic_desk.core.sync import codec
from clinic_desk.core.sync.hlc import ZERO, HybridClock, Stamp
from clinic_desk.core.sync.tables import ALL_FIELDS, META_ENABLED, TableSpec

META_NODE = META_ENABLED
META_HLC = "sync.hlc"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- per-row clocks ------------------------------------------------------------------------------
# Stored as JSON: {"*": stamp} for the whole row, "c": {field: stamp} for fields
# written since, "b": {field: stamp} the base each of those fields was written over.


def load_clocks(conn: Any, table: str, k1: Any, k2: Any) -> dict[str, Any]:
    row = conn.exec_driver_sql(
        "SELECT clocks FROM sync_row WHERE tbl = ? AND k1 = ? AND k2 = ?", (table, k1, k2)
    ).fetchone()
    return json.loads(row[0]) if row else {}


SAVE_CLOCKS = (
    "INSERT INTO sync_row (tbl, k1, k2, clocks) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (tbl, k1, k2) DO UPDATE SET clocks = excluded.clocks"
)


def save_clocks(conn: Any, table: str, k1: Any, k2: Any, clocks: Mapping[str, Any]) -> None:
    conn.exec_driver_sql(SAVE_CLOCKS, (table, k1, k2, codec.dumps(clocks)))


def field_clock(clocks: Mapping[str, Any], field: str) -> Stamp:
    per_field = clocks.get("c", {})
    if field in per_field:
        return Stamp.decode(per_field[field])
    if ALL_FIELDS in clocks:
        return Stamp.decode(clocks[ALL_FIELDS])
    return ZERO  # unchanged since sync began: before every change


def field_base(clocks: Mapping[str, Any], field: str) -> Stamp:
    base = clocks.get("b", {})
    return Stamp.decode(base[field]) if field in base else ZERO


def set_field_clock(clocks: dict[str, Any], field: str, stamp: Stamp, base: Stamp) -> None:
    clocks.setdefault("c", {})[field] = stamp.encode()
    if base == ZERO:
        clocks.setdefault("b", {}).pop(field, None)
    else:
        clocks.setdefault("b", {})[field] = base.encode()


def key_where(spec: TableSpec) -> str:
    return " AND ".join(f"{_q(k)} = ?" for k in spec.keys)


def key_params(spec: TableSpec, k1: Any, k2: Any) -> tuple[Any, ...]:
    return (k1,) if len(spec.keys) == 1 else (k1, k2)


# -- the capture step ----------------------------------------------------------------------------


def capture(
    conn: Any, specs: Mapping[str, TableSpec], node: str, clock: HybridClock, now_ms: int
) -> str | None:
    """Move ``sync_dirty`` into one outbox operation; returns its op id (None: nothing changed)."""
    noted = conn.exec_driver_sql("SELECT tbl, k1, k2, col FROM sync_dirty ORDER BY rowid").all()
    if not noted:
        return None
    rows: dict[tuple[str, Any, Any], list[str]] = {}
    for table, k1, k2, col in noted:
        rows.setdefault((table, k1, k2), []).append(col)
    hlc = clock.tick(now_ms)
    stamp = Stamp(hlc, node)
    changes: list[dict[str, Any]] = []
    for (table, k1, k2), cols in rows.items():
        spec = specs.get(table)
        if spec is None:
            continue  # a table dropped by a migration in this very transaction
        new_row = ALL_FIELDS in cols
        fields = list(spec.columns) if new_row else [c for c in spec.columns if c in cols]
        values = conn.exec_driver_sql(
            f"SELECT {', '.join(_q(f) for f in fields)} FROM {_q(table)} WHERE {key_where(spec)}",
            key_params(spec, k1, k2),
        ).fetchone()
        if values is None:
            continue  # inserted and removed again within the transaction
        change: dict[str, Any] = {
            "t": table,
            "k": [codec.encode_value(k1), codec.encode_value(k2)],
            "f": {f: codec.encode_value(v) for f, v in zip(fields, values, strict=True)},
        }
        if not new_row:
            clocks = load_clocks(conn, table, k1, k2)
            bases: dict[str, Any] = {}
            for f in fields:
                base = field_clock(clocks, f)
                if base != ZERO:
                    bases[f] = base.encode()
                set_field_clock(clocks, f, stamp, base)
            if bases:
                change["b"] = bases
            save_clocks(conn, table, k1, k2, clocks)
        changes.append(change)
    # Every new row's clock is the same {"*": stamp}: one statement for all of them
    # (a check-in makes three or four rows; this is on its timed path).
    conn.exec_driver_sql(
        "INSERT INTO sync_row (tbl, k1, k2, clocks) SELECT tbl, k1, k2, ? FROM sync_dirty "
        "WHERE col = ? ON CONFLICT (tbl, k1, k2) DO UPDATE SET clocks = excluded.clocks",
        (codec.dumps({ALL_FIELDS: stamp.encode()}), ALL_FIELDS),
    )
    conn.exec_driver_sql("DELETE FROM sync_dirty")
    _save_hlc(conn, clock.last)
    if not changes:
        return None
    op_id = uuid.uuid4().hex
    conn.exec_driver_sql(
        "INSERT INTO sync_outbox (op_id, hlc, payload) VALUES (?, ?, ?)",
        (op_id, hlc, codec.pack({"changes": changes})),
    )
    return op_id


def _save_hlc(conn: Any, value: int) -> None:
    conn.exec_driver_sql(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (META_HLC, str(value)),
    )


def load_hlc(conn: Any) -> int:
    row = conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (META_HLC,)).fetchone()
    return int(row[0]) if row else 0
