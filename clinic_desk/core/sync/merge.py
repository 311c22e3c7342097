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

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import exc

from clinic_desk.core.store.base import stored_utc
from clinic_desk.core.sync import codec
from clinic_desk.core.sync.capture import (
    SAVE_CLOCKS,
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


def _insert_sql(table: str, cols: Sequence[str]) -> str:
    return (
        f"INSERT INTO {_q(table)} ({', '.join(_q(c) for c in cols)}) "
        f"VALUES ({', '.join('?' for _ in cols)})"
    )


def _decoded(value: Any) -> Any:
    # Most values are text or numbers, stored as they are: skip the call (10,000s a batch).
    cls = value.__class__
    return value if cls is str or cls is int else codec.decode_value(value)


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


class DriverConnection:
    """The SQLite connection under a SQLAlchemy one, for the statements applying repeats.

    SQLAlchemy's per-statement work (result metadata, events) cost more than
    SQLite's own for these small statements. Same connection, same transaction;
    errors come back wrapped as SQLAlchemy's would, so callers see no difference.
    """

    def __init__(self, conn: Any) -> None:
        self._dbapi = conn.connection.dbapi_connection

    def exec_driver_sql(self, statement: str, params: Any = ()) -> Any:
        try:
            return self._dbapi.execute(statement, params)
        except sqlcipher.Error as error:
            raise _wrapped(statement, params, error) from error

    def executemany(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        try:
            self._dbapi.executemany(statement, rows)
        except sqlcipher.Error as error:
            raise _wrapped(statement, rows, error) from error


def _wrapped(statement: str, params: Any, error: Exception) -> Exception:
    wrapped: Exception = exc.DBAPIError.instance(
        statement, params, error, sqlcipher.Error, hide_parameters=True
    )
    return wrapped


class RowCache:
    """The rows one batch of operations touches, and their clocks, read once.

    Applying 500 operations one statement at a time cost five SQLite round
    trips each (row, clocks, update, clocks, peer; bench/bench_sync.py). Here the
    rows of a batch are read in a few ``IN`` queries (``prefetch``), and changes
    to rows that exist are kept and written once per row at ``flush`` (the end
    of the batch, inside its transaction, so nobody sees the difference). New
    rows, and rows of tables with a unique index besides the key (where the
    order of writes could matter), are written at once, as before.
    """

    def __init__(self, conn: Any, specs: Mapping[str, TableSpec]) -> None:
        self.conn = conn
        self.specs = specs
        self._rows: dict[tuple[str, Any, Any], _Row] = {}
        self._absent: set[tuple[str, Any, Any]] = set()

    def prefetch(self, wanted: Mapping[str, set[tuple[Any, Any]]]) -> None:
        """Read the rows (and clocks) named in ``wanted`` (table -> {(k1, k2)}) in bulk."""
        for table, keys in wanted.items():
            spec = self.specs.get(table)
            if spec is None:
                continue
            todo = [k for k in keys if (table, *k) not in self._rows]
            cols = ", ".join(_q(c) for c in spec.columns)
            k2_at = spec.columns.index(spec.keys[1]) if len(spec.keys) > 1 else None
            k1_at = spec.columns.index(spec.keys[0])
            for start in range(0, len(todo), PREFETCH_ROWS):
                chunk = todo[start : start + PREFETCH_ROWS]
                firsts = list({k1 for k1, _ in chunk})
                marks = ", ".join("?" for _ in firsts)
                found: dict[tuple[Any, Any], Any] = {}
                for row in self.conn.exec_driver_sql(
                    f"SELECT {cols} FROM {_q(table)} WHERE {_q(spec.keys[0])} IN ({marks})",
                    tuple(firsts),
                ).fetchall():
                    found[(row[k1_at], "" if k2_at is None else row[k2_at])] = row
                clocks: dict[tuple[Any, Any], str] = {
                    (r[0], r[1]): r[2]
                    for r in self.conn.exec_driver_sql(
                        f"SELECT k1, k2, clocks FROM sync_row WHERE tbl = ? AND k1 IN ({marks})",
                        (table, *firsts),
                    ).fetchall()
                }
                # A first key no row came back for is absent (a new row: most of a
                # snapshot), unless a row matched a key only after a type conversion.
                returned = {r[k1_at] for r in found.values()}
                exact = returned <= set(firsts)
                for k1, k2 in chunk:
                    row = found.get((k1, k2))
                    if row is None:
                        if exact and k1 not in returned:
                            self._absent.add((table, k1, k2))
                        continue  # else absent, or stored as another type: read one by one
                    text = clocks.get((k1, k2))
                    self._rows[(table, k1, k2)] = _Row(
                        dict(zip(spec.columns, row, strict=True)),
                        json.loads(text) if text else {},
                    )

    def get(self, spec: TableSpec, k1: Any, k2: Any) -> _Row | None:
        key = (spec.name, k1, k2)
        row = self._rows.get(key)
        if row is not None or key in self._absent:
            return row
        current = self.conn.exec_driver_sql(
            f"SELECT {', '.join(_q(c) for c in spec.columns)} FROM {_q(spec.name)} "
            f"WHERE {key_where(spec)}",
            key_params(spec, k1, k2),
        ).fetchone()
        if current is None:
            self._absent.add(key)
            return None
        row = _Row(
            dict(zip(spec.columns, current, strict=True)), load_clocks(self.conn, *key)
        )
        self._rows[key] = row
        return row

    def inserted(self, table: str, k1: Any, k2: Any) -> None:
        """A row was inserted behind the cache's back: read it again when asked."""
        self._absent.discard((table, k1, k2))

    def forget_absent(self, table: str) -> None:
        self._absent = {k for k in self._absent if k[0] != table}

    def changed_elsewhere(self, table: str, k1: Any, k2: Any) -> None:
        """A row was written directly (a unique name settled): drop what we hold of it."""
        row = self._rows.pop((table, k1, k2), None)
        if row is not None and (row.new or row.pending or row.clocks_dirty):
            self._write(self.specs[table], (table, k1, k2), row)

    def update(
        self, spec: TableSpec, k1: Any, k2: Any, row: _Row, values: Mapping[str, Any]
    ) -> None:
        row.values.update(values)
        row.pending.update(c for c in values if c not in spec.keys)
        row.clocks_dirty = True
        if spec.has_unique:
            self._write(spec, (spec.name, k1, k2), row)

    def insert_later(
        self, spec: TableSpec, k1: Any, k2: Any, values: dict[str, Any], clocks: dict[str, Any]
    ) -> None:
        """A whole new row, inserted at ``flush`` with the others of its table in one
        ``executemany`` (a new workstation's first pull inserts the clinic's every row)."""
        key = (spec.name, k1, k2)
        self._absent.discard(key)
        self._rows[key] = _Row(dict(values), clocks, clocks_dirty=bool(clocks), new=True)

    def flush(self) -> None:
        """Write every kept change: new rows in one INSERT per table and column list,
        one UPDATE per changed row, the clocks in one statement."""
        inserts: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
        clocks: list[tuple[str, Any, Any, str]] = []
        for key, row in self._rows.items():
            if row.new:
                cols = tuple(row.values)
                inserts.setdefault((key[0], cols), []).append(tuple(row.values.values()))
                row.new = False
                row.pending.clear()
            elif row.pending:
                self._write(self.specs[key[0]], key, row, clocks=False)
            if row.clocks_dirty:
                if row.clocks:
                    clocks.append((*key, codec.dumps(row.clocks)))
                row.clocks_dirty = False
        for (table, cols), values in inserts.items():
            self.conn.executemany(_insert_sql(table, cols), values)
        if clocks:
            self.conn.executemany(SAVE_CLOCKS, clocks)

    def _write(
        self, spec: TableSpec, key: tuple[str, Any, Any], row: _Row, *, clocks: bool = True
    ) -> None:
        _, k1, k2 = key
        if row.new:  # written directly after all (a unique name settled): insert it now
            self.conn.exec_driver_sql(
                _insert_sql(spec.name, list(row.values)), tuple(row.values.values())
            )
            row.new = False
            row.pending.clear()
        if row.pending:
            cols = [c for c in spec.columns if c in row.pending]
            self.conn.exec_driver_sql(
                f"UPDATE {_q(spec.name)} SET {', '.join(f'{_q(c)} = ?' for c in cols)} "
                f"WHERE {key_where(spec)}",
                (*(row.values[c] for c in cols), *key_params(spec, k1, k2)),
            )
            row.pending.clear()
        if clocks and row.clocks_dirty:
            if row.clocks:
                save_clocks(self.conn, spec.name, k1, k2, row.clocks)
            row.clocks_dirty = False


@dataclass
class _Row:
    values: dict[str, Any]
    clocks: dict[str, Any]
    pending: set[str] = field(default_factory=set)  # columns changed since read or flush
    clocks_dirty: bool = False
    new: bool = False  # not in the table yet: inserted at flush


PREFETCH_ROWS = 400  # keys per IN list (SQLite allows 32,766 parameters)


def operation_keys(
    payload: Mapping[str, Any], into: dict[str, set[tuple[Any, Any]]]
) -> None:
    """Note the rows ``payload`` changes (for ``RowCache.prefetch``); bad ones are skipped."""
    for change in payload.get("changes", ()):
        try:
            into.setdefault(change["t"], set()).add(
                (codec.decode_value(change["k"][0]), codec.decode_value(change["k"][1]))
            )
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # applying it will say what is wrong


def apply_operation(
    conn: Any,
    specs: Mapping[str, TableSpec],
    payload: Mapping[str, Any],
    op_stamp: Stamp,
    now: datetime,
    applied: Applied,
    wins: Callable[[Stamp, Stamp], bool] = newer,
    cache: RowCache | None = None,
) -> None:
    """Apply every change of one operation (inside the caller's transaction).

    ``wins`` is the merge rule; only the property tests pass another (a planted bug).
    With a ``cache`` (a batch's), writes may wait for ``cache.flush()``.
    """
    own = cache is None
    if own and not isinstance(conn, DriverConnection):
        conn = DriverConnection(conn)  # a SQLAlchemy connection: its driver's, same transaction
    rows = RowCache(conn, specs) if cache is None else cache
    for change in payload.get("changes", ()):
        _apply_change(conn, specs, change, op_stamp, now, applied, wins, rows)
    if own:
        rows.flush()


def _apply_change(
    conn: Any,
    specs: Mapping[str, TableSpec],
    change: Mapping[str, Any],
    op_stamp: Stamp,
    now: datetime,
    applied: Applied,
    wins: Callable[[Stamp, Stamp], bool],
    cache: RowCache,
) -> None:
    table = change["t"]
    spec = specs.get(table)
    if spec is None:
        raise OperationNotApplicable(f"unknown table {table!r}")
    k1 = _decoded(change["k"][0])
    k2 = _decoded(change["k"][1])
    incoming = {f: _decoded(v) for f, v in change["f"].items()}
    if not spec.column_set.issuperset(incoming):
        unknown = set(incoming) - spec.column_set
        raise OperationNotApplicable(f"unknown columns {sorted(unknown)} in {table!r}")
    bases = {f: Stamp.decode(v) for f, v in change.get("b", {}).items()}
    # A snapshot carries each field's own clock; a plain change dates all by the op.
    given: Mapping[str, Any] | None = change.get("c")

    cached = cache.get(spec, k1, k2)
    local = cached.values if cached is not None else None
    clocks = cached.clocks if cached is not None else {}
    # Conflict rows are the same everywhere by construction; a clash between two
    # copies of one is not itself a conflict.
    watch = table != CONFLICT_TABLE
    noted = applied.conflicts

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
                    key=row_key_text(k1, k2),
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
                    key=row_key_text(k1, k2),
                    col=col,
                    loser_value=value,
                    winner_value=local[col],
                    loser=theirs,
                    winner=ours,
                    now=now,
                )
                applied.conflicts += 1
        # equal: this very change was applied before
    if applied.conflicts != noted:
        cache.forget_absent(CONFLICT_TABLE)  # conflict rows were inserted directly

    if not winners:
        return
    if spec.unique_text:
        _settle_unique(conn, spec, k1, k2, winners, new_clocks, now, applied, cache)
    if local is None:
        missing = [c for c in spec.columns if c not in winners]
        if any(c in spec.keys for c in missing):
            raise OperationNotApplicable(f"a change to a {table!r} row this copy does not have")
        cols = list(winners)
        complete = len(cols) == len(spec.columns)  # every column (they are all known)
        if given is None and complete:
            row_clocks: dict[str, Any] = {ALL_FIELDS: op_stamp.encode()}
        else:
            row_clocks = {}
            for col, (stamp, base) in new_clocks.items():
                if stamp != ZERO:
                    set_field_clock(row_clocks, col, stamp, base)
        if complete and not spec.has_unique:
            # Written with the batch's other new rows; until then the cache holds it.
            cache.insert_later(spec, k1, k2, winners, row_clocks)
        else:
            try:
                conn.exec_driver_sql(_insert_sql(table, cols), tuple(winners[c] for c in cols))
            except Exception as error:  # a NOT NULL column missing: its start never came
                if "NOT NULL" in str(error):
                    raise OperationNotApplicable(
                        f"a change to a {table!r} row this copy does not have"
                    ) from error
                raise
            cache.inserted(table, k1, k2)  # defaults may have filled the rest: read if needed
            if row_clocks:
                save_clocks(conn, table, k1, k2, row_clocks)
    else:
        assert cached is not None
        for col, (stamp, base) in new_clocks.items():
            set_field_clock(clocks, col, stamp, base)
        cache.update(spec, k1, k2, cached, winners)
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
    now: datetime,
    applied: Applied,
    cache: RowCache,
) -> None:
    """Two rows claiming one unique name: the later claim is renamed, the same everywhere.

    A table with a unique name has ``has_unique``: the cache writes its rows at
    once, so what is read here is current.
    """
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
        cache.changed_elsewhere(spec.name, o1, o2)  # it may be renamed below
        ours = field_clock(load_clocks(conn, spec.name, o1, o2), col)
        theirs = new_clocks[col][0]
        other_text = row_key_text(o1, o2)
        key_text = row_key_text(k1, k2)
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
