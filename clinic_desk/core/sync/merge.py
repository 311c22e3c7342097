"""Applying another workstation's operation: last writer wins per field, by (hlc, node).

For each field the incoming clock is compared with the local one; the higher
wins, equal means it was applied already (so applying twice changes nothing).
A value that loses to a change made without seeing it (the writer's base clock
is older than the value it replaces) is kept in ``sync_conflict`` for a person
to review: two receptionists changing one phone number offline both matter.

Two rows claiming one unique name (a staff login made on two offline desks)
are settled the same way on every workstation: the later claim gets the
suffix ``~`` and the end of its id, and the pair is listed as a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from clinic_desk.core.store.base import stored_utc
from clinic_desk.core.sync import codec
from clinic_desk.core.sync.capture import (
    field_base,
    field_clock,
    key_params,
    key_where,
    load_clocks,
    save_clocks,
    set_field_clock,
)
from clinic_desk.core.sync.hlc import ZERO, Stamp, wall_ms
from clinic_desk.core.sync.tables import ALL_FIELDS, TableSpec

CONFLICT_TABLE = "sync_conflict"
# Bookkeeping every write touches: merged like any field, never worth a person's review.
QUIET_FIELDS = frozenset({"created_at", "updated_at"})
# Every workstation names a conflict the same way, so its row merges, not doubles.
CONFLICT_NAMESPACE = uuid.UUID("6f1d1c5e-3c39-4c43-9a57-2f2b7f0c4c11")


class OperationNotApplicable(Exception):
    """An operation this copy cannot apply (newer schema, missing row): stop before it."""


@dataclass
class Applied:
    """What applying changed, for redrawing screens and rebuilding derived data."""

    tables: set[str] = field(default_factory=set)
    rows: set[tuple[str, Any]] = field(default_factory=set)  # (table, first key)
    patients: set[str] = field(default_factory=set)  # ids of patients whose record changed
    conflicts: int = 0


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_key_text(k1: Any, k2: Any) -> str:
    parts = [k1 if isinstance(k1, str) else codec.dumps(codec.encode_value(k1))]
    if k2 not in ("", None):
        parts.append(k2 if isinstance(k2, str) else codec.dumps(codec.encode_value(k2)))
    return "|".join(parts)


def conflict_id(kind: str, table: str, key: str, col: str, loser: Stamp, winner: Stamp) -> str:
    # Both clocks: two copies may see one lost value beaten by different later
    # writes (each a true account); each pair is one row, the same everywhere.
    name = f"{kind}|{table}|{key}|{col}|{loser.hlc}|{loser.node}|{winner.hlc}|{winner.node}"
    return uuid.uuid5(CONFLICT_NAMESPACE, name).hex


def record_conflict(
    conn: Any,
    *,
    kind: str,
    table: str,
    key: str,
    col: str,
    loser_value: Any,
    winner_value: Any,
    loser: Stamp,
    winner: Stamp,
    now: datetime,
) -> None:
    # Dated by the winning change, not by when this copy noticed: every copy that
    # notices writes the very same row.
    del now
    stamp = stored_utc(datetime.fromtimestamp(wall_ms(max(loser, winner).hlc) / 1000, UTC))
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO sync_conflict (id, kind, tbl, row_key, col, loser_value, "
        "winner_value, loser_hlc, loser_node, winner_hlc, winner_node, status, resolved_by, "
        "resolved_at, created_at, updated_at, deleted_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, NULL, ?, ?, NULL)",
        (
            conflict_id(kind, table, key, col, loser, winner),
            kind,
            table,
            key,
            col,
            codec.dumps(codec.encode_value(loser_value)),
            codec.dumps(codec.encode_value(winner_value)),
            loser.hlc,
            loser.node,
            winner.hlc,
            winner.node,
            stamp,
            stamp,
        ),
    )


def renamed(value: str, k1: Any) -> str:
    tail = (k1 if isinstance(k1, str) else str(k1))[-6:]
    return f"{value}~{tail}"


def newer(theirs: Stamp, ours: Stamp) -> bool:
    """The merge rule: the higher (hlc, node) wins."""
    return theirs > ours


def apply_operation(
    conn: Any,
    specs: Mapping[str, TableSpec],
    payload: Mapping[str, Any],
    op_stamp: Stamp,
    now: datetime,
    applied: Applied,
    wins: Callable[[Stamp, Stamp], bool] = newer,
) -> None:
    """Apply every change of one operation (inside the caller's transaction).

    ``wins`` is the merge rule; only the property tests pass another (a planted bug).
    """
    for change in payload.get("changes", ()):
        _apply_change(conn, specs, change, op_stamp, now, applied, wins)


def _apply_change(
    conn: Any,
    specs: Mapping[str, TableSpec],
    change: Mapping[str, Any],
    op_stamp: Stamp,
    now: datetime,
    applied: Applied,
    wins: Callable[[Stamp, Stamp], bool],
) -> None:
    table = change["t"]
    spec = specs.get(table)
    if spec is None:
        raise OperationNotApplicable(f"unknown table {table!r}")
    k1 = codec.decode_value(change["k"][0])
    k2 = codec.decode_value(change["k"][1])
    incoming = {f: codec.decode_value(v) for f, v in change["f"].items()}
    unknown = set(incoming) - set(spec.columns)
    if unknown:
        raise OperationNotApplicable(f"unknown columns {sorted(unknown)} in {table!r}")
    bases = {f: Stamp.decode(v) for f, v in change.get("b", {}).items()}
    # A snapshot carries each field's own clock; a plain change dates all by the op.
    given: Mapping[str, Any] | None = change.get("c")

    local_cols = list(spec.columns)
    current = conn.exec_driver_sql(
        f"SELECT {', '.join(_q(c) for c in local_cols)} FROM {_q(table)} WHERE {key_where(spec)}",
        key_params(spec, k1, k2),
    ).fetchone()
    local = dict(zip(local_cols, current, strict=True)) if current is not None else None
    clocks = load_clocks(conn, table, k1, k2) if local is not None else {}
    key_text = row_key_text(k1, k2)
    # Conflict rows are the same everywhere by construction; a clash between two
    # copies of one is not itself a conflict.
    watch = table != CONFLICT_TABLE

    winners: dict[str, Any] = {}
    new_clocks: dict[str, tuple[Stamp, Stamp]] = {}
    for col, value in incoming.items():
        theirs = field_clock(given, col) if given is not None else op_stamp
        base = bases.get(col, ZERO)
        if local is None:
            winners[col] = value
            new_clocks[col] = (theirs, base)
            continue
        ours = field_clock(clocks, col)
        if theirs != ours and wins(theirs, ours):
            if watch and base < ours and local[col] != value and col not in QUIET_FIELDS:
                # Written without seeing our value: ours loses, and is kept.
                record_conflict(
                    conn,
                    kind="field",
                    table=table,
                    key=key_text,
                    col=col,
                    loser_value=local[col],
                    winner_value=value,
                    loser=ours,
                    winner=theirs,
                    now=now,
                )
                applied.conflicts += 1
            winners[col] = value
            new_clocks[col] = (theirs, base)
        elif theirs < ours:
            if (
                watch
                and field_base(clocks, col) < theirs
                and local[col] != value
                and col not in QUIET_FIELDS
            ):
                # Our value was written without seeing theirs: theirs loses, and is kept.
                record_conflict(
                    conn,
                    kind="field",
                    table=table,
                    key=key_text,
                    col=col,
                    loser_value=value,
                    winner_value=local[col],
                    loser=theirs,
                    winner=ours,
                    now=now,
                )
                applied.conflicts += 1
        # equal: this very change was applied before

    if not winners:
        return
    _settle_unique(conn, spec, k1, k2, winners, new_clocks, key_text, now, applied)
    if local is None:
        missing = [c for c in spec.columns if c not in winners]
        if any(c in spec.keys for c in missing):
            raise OperationNotApplicable(f"a change to a {table!r} row this copy does not have")
        cols = list(winners)
        try:
            conn.exec_driver_sql(
                f"INSERT INTO {_q(table)} ({', '.join(_q(c) for c in cols)}) "
                f"VALUES ({', '.join('?' for _ in cols)})",
                tuple(winners[c] for c in cols),
            )
        except Exception as error:  # a NOT NULL column missing: the row's start never came
            if "NOT NULL" in str(error):
                raise OperationNotApplicable(
                    f"a change to a {table!r} row this copy does not have"
                ) from error
            raise
        if given is None and set(cols) >= set(spec.columns):
            row_clocks: dict[str, Any] = {ALL_FIELDS: op_stamp.encode()}
        else:
            row_clocks = {}
            for col, (stamp, base) in new_clocks.items():
                if stamp != ZERO:
                    set_field_clock(row_clocks, col, stamp, base)
    else:
        cols = [c for c in winners if c not in spec.keys]
        if cols:
            conn.exec_driver_sql(
                f"UPDATE {_q(table)} SET {', '.join(f'{_q(c)} = ?' for c in cols)} "
                f"WHERE {key_where(spec)}",
                (*(winners[c] for c in cols), *key_params(spec, k1, k2)),
            )
        row_clocks = clocks
        for col, (stamp, base) in new_clocks.items():
            set_field_clock(row_clocks, col, stamp, base)
    if row_clocks:
        save_clocks(conn, table, k1, k2, row_clocks)
    applied.tables.add(table)
    applied.rows.add((table, k1))
    # Whose record this touched, so an open patient file redraws (its own rows or a child's).
    owner = k1 if table == "patient" else winners.get("patient_id", (local or {}).get("patient_id"))
    if isinstance(owner, str):
        applied.patients.add(owner)


def _settle_unique(
    conn: Any,
    spec: TableSpec,
    k1: Any,
    k2: Any,
    winners: dict[str, Any],
    new_clocks: Mapping[str, tuple[Stamp, Stamp]],
    key_text: str,
    now: datetime,
    applied: Applied,
) -> None:
    """Two rows claiming one unique name: the later claim is renamed, the same everywhere."""
    for col in spec.unique_text:
        value = winners.get(col)
        if not isinstance(value, str):
            continue
        other = conn.exec_driver_sql(
            f"SELECT {', '.join(_q(k) for k in spec.keys)} FROM {_q(spec.name)} "
            f"WHERE {_q(col)} = ? AND NOT ({key_where(spec)})",
            (value, *key_params(spec, k1, k2)),
        ).fetchone()
        if other is None:
            continue
        o1 = other[0]
        o2 = other[1] if len(spec.keys) > 1 else ""
        ours = field_clock(load_clocks(conn, spec.name, o1, o2), col)
        theirs = new_clocks[col][0]
        other_text = row_key_text(o1, o2)
        if (theirs, key_text) > (ours, other_text):
            winners[col] = renamed(value, k1)
            loser, winner, loser_key = theirs, ours, key_text
        else:
            conn.exec_driver_sql(
                f"UPDATE {_q(spec.name)} SET {_q(col)} = ? WHERE {key_where(spec)}",
                (renamed(value, o1), *key_params(spec, o1, o2)),
            )
            loser, winner, loser_key = ours, theirs, other_text
        record_conflict(
            conn,
            kind="duplicate",
            table=spec.name,
            key=loser_key,
            col=col,
            loser_value=value,
            winner_value=value,
            loser=loser,
            winner=winner,
            now=now,
        )
        applied.conflicts += 1
