"""One sync round (clock check, push, pull and apply) and the state it keeps.

This workstation's sync state lives in ``meta`` inside the encrypted database:
the hub URL, its device id (the node of its clocks) and token, the clinic's
sync key, and the cursor (the last hub sequence applied). Pushing reads the
outbox and deletes what the hub acknowledged; pulling applies a batch and
advances the cursor in one transaction. A crash anywhere leaves either the
old state or the new one; repeating a push or a pull is harmless.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.services.base import Clinic
from clinic_desk.core.store import migrate
from clinic_desk.core.store.base import Base
from clinic_desk.core.store.models import Patient
from clinic_desk.core.sync import codec, tables
from clinic_desk.core.sync.capture import META_HLC, META_NODE, load_hlc
from clinic_desk.core.sync.envelope import EnvelopeRefused, Sealer
from clinic_desk.core.sync.hlc import HybridClock, Stamp
from clinic_desk.core.sync.hub import Credentials, HubClient
from clinic_desk.core.sync.merge import (
    CONFLICT_TABLE,
    Applied,
    DriverConnection,
    OperationNotApplicable,
    RowCache,
    apply_operation,
    newer,
    operation_keys,
)

log = logging.getLogger(__name__)

META_URL = "sync.url"
META_CLINIC = "sync.clinic"
META_TOKEN = "sync.token"
META_KEY = "sync.key"
META_NAME = "sync.name"
META_CURSOR = "sync.cursor"
META_LAST_OK = "sync.last_ok"
PUSH_BATCH = 1000
PULL_BATCH = 1000
WINDOW_CHANGES = 5000  # rows changed per window of a pulled batch (memory, not speed)
SNAPSHOT_ROWS = 400  # rows per snapshot operation


def schema_version() -> int:
    """This program's schema, as a number (the migration head's prefix: 0006 -> 6)."""
    return int(migrate.HEAD_REVISION.split("_", 1)[0])  # no Alembic import (issue 12)


class ClockSkew(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This computer's clock is {minutes} minutes off the hub's (more than the {limit} "
        "allowed), so sync is paused: changes dated wrongly would overwrite newer ones. "
        "Set the computer's date and time (or turn on automatic time) and sync again.",
    )


class UpdateNeeded(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Another workstation runs a newer ClinicDesk and sent changes this version cannot "
        "read. Sync stopped before them; update ClinicDesk on this computer.",
    )


class SyncDamaged(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "A change from workstation {device} cannot be used ({detail}). Sync stopped "
        "before it so nothing is applied out of order; tell whoever looks after ClinicDesk.",
    )


class SyncNotEnabled(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "This workstation does not sync: it works on its own. The director can set up "
        "sync in Settings → Sync.",
    )


@dataclass(frozen=True)
class SyncState:
    url: str
    creds: Credentials
    sync_key: bytes
    name: str
    cursor: int

    @property
    def device_id(self) -> str:
        return self.creds.device_id


def load_state(clinic: Clinic) -> SyncState | None:
    with clinic.store.unit_of_work(write=False) as uow:
        node = uow.meta(META_NODE)
        if node is None:
            return None
        return SyncState(
            url=uow.meta(META_URL) or "",
            creds=Credentials(
                uow.meta(META_CLINIC) or "", node, bytes.fromhex(uow.meta(META_TOKEN) or "")
            ),
            sync_key=bytes.fromhex(uow.meta(META_KEY) or ""),
            name=uow.meta(META_NAME) or "",
            cursor=int(uow.meta(META_CURSOR) or 0),
        )


def new_device() -> tuple[str, bytes]:
    """A device id (the node in every clock this workstation hands out) and its hub token."""
    return secrets.token_hex(8), secrets.token_bytes(32)


def write_state(uow: Any, state: SyncState) -> None:
    uow.set_meta(META_URL, state.url)
    uow.set_meta(META_CLINIC, state.creds.clinic_id)
    uow.set_meta(META_TOKEN, state.creds.token.hex())
    uow.set_meta(META_KEY, state.sync_key.hex())
    uow.set_meta(META_NAME, state.name)
    uow.set_meta(META_CURSOR, str(state.cursor))
    uow.set_meta(META_NODE, state.creds.device_id)


def synced_table_order(specs: dict[str, tables.TableSpec]) -> list[str]:
    """Synced tables, parents before children (so a snapshot applies in order)."""
    ordered = [t.name for t in Base.metadata.sorted_tables if t.name in specs]
    return ordered + sorted(set(specs) - set(ordered))


def _genesis_changes(conn: Any, spec: tables.TableSpec, keys: list[Any]) -> list[dict[str, Any]]:
    """Whole rows (by first key) as changes with zero clocks: any real change wins over them."""
    cols = ", ".join(f'"{c}"' for c in spec.columns)
    rows = conn.exec_driver_sql(
        f'SELECT {cols} FROM "{spec.name}" WHERE "{spec.keys[0]}" IN '
        f"({', '.join('?' for _ in keys)})",
        tuple(keys),
    ).all()
    return [row_change(spec, row) for row in rows]


def row_change(
    spec: tables.TableSpec, row: Any, clocks: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A whole row as a change carrying its own clocks (none: zero, any real change wins)."""
    values = dict(zip(spec.columns, row, strict=True))
    k1 = values[spec.keys[0]]
    k2 = values[spec.keys[1]] if len(spec.keys) > 1 else ""
    change: dict[str, Any] = {
        "t": spec.name,
        "k": [codec.encode_value(k1), codec.encode_value(k2)],
        "f": {c: codec.encode_value(v) for c, v in values.items()},
        "c": clocks or {},
    }
    if clocks and clocks.get("b"):
        change["b"] = clocks["b"]
    return change


def write_snapshot(
    conn: Any,
    specs: dict[str, tables.TableSpec],
    hlc: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Every existing row as outbox operations with zero clocks (any later change wins).

    Used when the first workstation enables sync: the clinic's data so far is
    the starting point the others pull. ``progress(done_rows, total_rows)`` is
    called after each operation written (it may raise to stop; the caller's
    transaction then rolls back).
    """
    order = synced_table_order(specs)
    total = 0
    if progress is not None:  # counted first so the person sees how far along it is
        for table in order:
            total += int(conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar())
        progress(0, total)
    ops = done = 0
    for table in order:
        spec = specs[table]
        cols = ", ".join(f'"{c}"' for c in spec.columns)
        cursor = conn.exec_driver_sql(f'SELECT {cols} FROM "{table}" ORDER BY rowid')
        while True:
            rows = cursor.fetchmany(SNAPSHOT_ROWS)
            if not rows:
                break
            changes = [row_change(spec, row) for row in rows]
            conn.exec_driver_sql(
                "INSERT INTO sync_outbox (op_id, hlc, payload) VALUES (?, ?, ?)",
                (secrets.token_hex(16), hlc, codec.pack({"changes": changes})),
            )
            ops += 1
            done += len(rows)
            if progress is not None:
                progress(min(done, total), total)
    return ops


# -- status -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundResult:
    pushed: int = 0
    pulled: int = 0  # operations from other workstations applied
    conflicts: int = 0
    tables: frozenset[str] = frozenset()
    patient_rows: int = 0
    patient_ids: frozenset[uuid.UUID] = frozenset()  # patients whose record changed


class _Stopped(Exception):
    def __init__(self, error: ClinicError, cursor: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.cursor = cursor


@dataclass
class _Batch:
    applied: Applied = field(default_factory=Applied)
    pulled: int = 0


def pending_count(clinic: Clinic) -> int:
    rows = clinic.store.read_rows("SELECT count(*) FROM sync_outbox")
    return int(rows[0][0])


# -- the round --------------------------------------------------------------------------------


class SyncEngine:
    """Sync rounds for one open clinic. Not thread-safe: one round at a time."""

    def __init__(
        self, clinic: Clinic, *, hub: HubClient | None = None, state: SyncState | None = None
    ) -> None:
        loaded = state or load_state(clinic)
        if loaded is None:
            raise SyncNotEnabled()
        self.clinic = clinic
        self.state = loaded
        self.hub = hub or HubClient(loaded.url)
        self._specs: dict[str, tables.TableSpec] | None = None
        self.schema = schema_version()
        # Hooks for tests: simulate a crash between two steps; see which operations
        # were applied (committed), to prove none is applied twice.
        self.fault: Callable[[str], None] = lambda step: None
        self.on_applied: Callable[[list[str]], None] = lambda op_ids: None
        self.wins: Callable[[Stamp, Stamp], bool] = newer  # the merge rule
        # Keep the patient search index current batch by batch; off when the caller
        # rebuilds it whole afterwards (a new workstation's first pull).
        self.reindex = True
        self._uncommitted: list[str] = []

    def close(self) -> None:
        self.hub.close()

    def specs(self, conn: Any) -> dict[str, tables.TableSpec]:
        if self._specs is None:
            self._specs = tables.read_specs(conn)
        return self._specs

    def check_clock(self) -> None:
        hub_now = self.hub.time()
        limit = int(self.clinic.setting("sync.max_clock_skew_minutes"))
        off = abs((self.clinic.now() - hub_now).total_seconds()) / 60
        if off > limit:
            raise ClockSkew(minutes=round(off), limit=limit)

    def run_round(self) -> RoundResult:
        self.check_clock()
        pushed = self.push()
        result = self.pull()
        self._mark_ok()
        return RoundResult(
            pushed=pushed,
            pulled=result.pulled,
            conflicts=result.applied.conflicts,
            tables=frozenset(result.applied.tables),
            patient_rows=sum(1 for t, _ in result.applied.rows if t == "patient"),
            patient_ids=frozenset(uuid.UUID(hex=p) for p in result.applied.patients),
        )

    def _mark_ok(self) -> None:
        with self.clinic.store.unit_of_work(write=True) as uow:
            uow.set_meta(META_LAST_OK, self.clinic.now().isoformat())
            uow.commit()

    # -- push ---------------------------------------------------------------------------------

    def push(self) -> int:
        total = 0
        while True:
            rows = self.clinic.store.read_rows(
                "SELECT seq, op_id, hlc, payload FROM sync_outbox ORDER BY seq LIMIT ?",
                (PUSH_BATCH,),
            )
            if not rows:
                return total
            sealer = Sealer(self.state.sync_key)
            envelopes = [
                sealer.seal(
                    clinic_id=self.state.creds.clinic_id,
                    op_id=op_id,
                    device_id=self.state.device_id,
                    device_seq=int(seq),
                    hlc=int(hlc),
                    schema=self.schema,
                    payload=bytes(payload),
                )
                for seq, op_id, hlc, payload in rows
            ]
            acks = self.hub.push(self.state.creds, self.schema, envelopes)
            self.fault("pushed")  # the hub has them; our acknowledgement may be lost here
            done = [e.device_seq for e in envelopes if e.op_id in acks]
            with self.clinic.store.unit_of_work(write=True) as uow:
                conn = uow.session.connection()
                conn.exec_driver_sql(
                    f"DELETE FROM sync_outbox WHERE seq IN ({', '.join('?' for _ in done)})",
                    tuple(done),
                )
                uow.commit()
            total += len(done)
            if len(done) < len(envelopes):
                return total

    # -- pull ---------------------------------------------------------------------------------

    def pull(
        self, *, one_transaction: bool = False, progress: Callable[[int], None] | None = None
    ) -> _Batch:
        """Apply everything the hub has after our cursor.

        Normally each batch commits with its cursor. ``one_transaction`` (a new
        workstation's first pull into its staging copy) applies the whole log in
        one transaction, so references between rows are checked once, at the end.
        ``progress(pulled_so_far)`` is called after each batch; if it raises, the
        batch in hand rolls back (all of them, with ``one_transaction``).
        """
        total = _Batch()
        cursor = self.state.cursor
        self._uncommitted = []  # what a rolled-back batch applied does not count
        if one_transaction:
            with self.clinic.store.unit_of_work(write=True) as uow:
                self._defer_references(uow)
                more = True
                while more:
                    try:
                        more, cursor = self._pull_batch(uow, total, cursor)
                    except _Stopped as stopped:
                        raise stopped.error from None  # all or nothing: rolled back
                    if progress is not None:
                        progress(total.pulled)
                uow.commit()
            self._advance(cursor)
            return total
        while True:
            self._uncommitted = []
            with self.clinic.store.unit_of_work(write=True) as uow:
                self._defer_references(uow)
                try:
                    more, cursor = self._pull_batch(uow, total, cursor)
                except _Stopped as stopped:
                    uow.commit()  # keep what came before the stop
                    self._advance(stopped.cursor)
                    raise stopped.error from None
                if progress is not None:
                    progress(total.pulled)
                uow.commit()
            self._advance(cursor)
            if not more:
                return total

    def _advance(self, cursor: int) -> None:
        # Only once the batch and its cursor are committed.
        self.on_applied(self._uncommitted)
        self._uncommitted = []
        self.state = SyncState(
            self.state.url, self.state.creds, self.state.sync_key, self.state.name, cursor
        )

    @staticmethod
    def _defer_references(uow: Any) -> None:
        # One operation's rows arrive in any order; references are checked at commit.
        uow.session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")

    def _pull_batch(self, uow: Any, total: _Batch, cursor: int) -> tuple[bool, int]:
        """Apply one batch after ``cursor`` in ``uow``: (there may be more, new cursor).

        On an operation that cannot be applied it raises ``_Stopped`` carrying
        the cursor just before it; the caller commits what came before, so a
        stop never throws away good work.
        """
        batch = self.hub.pull(self.state.creds, cursor, PULL_BATCH)
        if not batch:
            return False, cursor
        conn = uow.session.connection()
        specs = self.specs(conn)
        raw = DriverConnection(conn)
        clock = HybridClock(load_hlc(conn))
        peers = {
            r[0]: int(r[1])
            for r in conn.exec_driver_sql("SELECT device_id, last_seq FROM sync_peer")
        }
        sealer = Sealer(self.state.sync_key)
        now = self.clinic.now()
        applied = Applied()
        seen: dict[str, tuple[int, int]] = {}  # device -> (its last sequence, server sequence)
        latest = 0  # the highest clock applied
        stop: ClinicError | None = None
        start = 0
        while start < len(batch) and stop is None:
            # A window of operations holding about WINDOW_CHANGES rows (a snapshot's
            # operation holds hundreds): opened, its rows read in a few queries, applied,
            # written; so memory stays bounded whatever the batch holds.
            end, opened, wanted = self._open_window(batch, start, peers, sealer)
            rows = RowCache(raw, specs)
            rows.prefetch(wanted)
            for server_seq, env in batch[start:end]:
                stop = self._refusal(env, peers)
                if stop is not None:
                    break
                if self.already_applied(env, peers):
                    cursor = server_seq  # our own (applied when made), or seen already
                    continue
                try:
                    payload = opened.pop(server_seq, None)
                    if payload is None:
                        payload = codec.unpack(sealer.open(env))
                    latest = max(latest, env.hlc)
                    apply_operation(
                        raw,
                        specs,
                        payload,
                        Stamp(env.hlc, env.device_id),
                        now,
                        applied,
                        self.wins,
                        rows,
                    )
                except EnvelopeRefused as error:
                    stop = SyncDamaged(device=env.device_id, detail=str(error))
                    break
                except OperationNotApplicable as error:
                    stop = (
                        UpdateNeeded()
                        if "unknown" in str(error)
                        else SyncDamaged(device=env.device_id, detail=str(error))
                    )
                    break
                peers[env.device_id] = env.device_seq
                seen[env.device_id] = (env.device_seq, server_seq)
                cursor = server_seq
                total.pulled += 1
                self._uncommitted.append(env.op_id)
            rows.flush()  # before the next window, or anything below, reads the tables
            start = end
        if latest:  # past every clock applied (what observing each in turn comes to)
            clock.observe(latest, self.clinic.store.wall_ms())
        if seen:
            raw.executemany(
                "INSERT INTO sync_peer (device_id, last_seq, last_server_seq) VALUES (?, ?, ?) "
                "ON CONFLICT (device_id) DO UPDATE SET last_seq = excluded.last_seq, "
                "last_server_seq = excluded.last_server_seq",
                [(device, seq, at) for device, (seq, at) in seen.items()],
            )
        # The applied rows are other workstations' changes, not ours to send again;
        # the conflicts we noticed are, so every copy ends with the same list.
        self._send_new_conflicts(conn, specs, clock)
        conn.exec_driver_sql("DELETE FROM sync_dirty")
        if self.reindex:
            self._reindex(uow.session, applied)
        conn.exec_driver_sql(
            "INSERT INTO meta (key, value) VALUES (?, ?), (?, ?) ON CONFLICT (key) "
            "DO UPDATE SET value = excluded.value",
            (META_CURSOR, str(cursor), META_HLC, str(clock.last)),
        )
        self.fault("applied")  # applied, not committed: a crash here loses the batch, no more
        total.applied.tables |= applied.tables
        total.applied.rows |= applied.rows
        total.applied.patients |= applied.patients
        total.applied.conflicts += applied.conflicts
        if stop is not None:
            raise _Stopped(stop, cursor)
        return len(batch) == PULL_BATCH, cursor

    def _open_window(
        self, batch: list[tuple[int, Any]], start: int, peers: dict[str, int], sealer: Sealer
    ) -> tuple[int, dict[int, Any], dict[str, set[tuple[Any, Any]]]]:
        """Open operations from ``start`` until about WINDOW_CHANGES rows are named:
        (where the window ends, the payloads by server sequence, the rows they name).

        One that fails to open is left out; applying opens it again in order, to stop there.
        """
        opened: dict[int, Any] = {}
        wanted: dict[str, set[tuple[Any, Any]]] = {}
        end, changes = start, 0
        while end < len(batch) and (end == start or changes < WINDOW_CHANGES):
            server_seq, env = batch[end]
            end += 1
            if env.schema > self.schema or self.already_applied(env, peers):
                continue
            try:
                opened[server_seq] = codec.unpack(sealer.open(env))
            except Exception:  # reported at its turn, in order
                continue
            changes += len(opened[server_seq].get("changes", ()))
            operation_keys(opened[server_seq], wanted)
        return end, opened, wanted

    def _send_new_conflicts(
        self, conn: Any, specs: dict[str, tables.TableSpec], clock: HybridClock
    ) -> None:
        """Conflicts noticed while applying go out with zero clocks, as a snapshot row.

        Another copy may notice the same conflict (same id, same content) and
        someone may settle it there before this copy's row arrives: a zero clock
        lets that settlement win over every copy's "noticed it" row.
        """
        keys = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT k1 FROM sync_dirty WHERE tbl = ? AND col = ?",
                (CONFLICT_TABLE, tables.ALL_FIELDS),
            )
        ]
        spec = specs.get(CONFLICT_TABLE)
        if not keys or spec is None:
            return
        changes = []
        for start in range(0, len(keys), SNAPSHOT_ROWS):
            chunk = keys[start : start + SNAPSHOT_ROWS]
            changes.extend(_genesis_changes(conn, spec, chunk))
        conn.exec_driver_sql(
            f"DELETE FROM sync_row WHERE tbl = ? AND k1 IN ({', '.join('?' for _ in keys)})",
            (CONFLICT_TABLE, *keys),
        )
        conn.exec_driver_sql(
            "INSERT INTO sync_outbox (op_id, hlc, payload) VALUES (?, ?, ?)",
            (
                secrets.token_hex(16),
                clock.tick(self.clinic.store.wall_ms()),
                codec.pack({"changes": changes}),
            ),
        )

    def already_applied(self, env: Any, peers: dict[str, int]) -> bool:
        """Our own operation, or one whose device sequence we applied before."""
        return bool(
            env.device_id == self.state.device_id or env.device_seq <= peers.get(env.device_id, 0)
        )

    def _refusal(self, env: Any, peers: dict[str, int]) -> ClinicError | None:
        if env.schema > self.schema:
            return UpdateNeeded()
        if env.device_id == self.state.device_id:
            return None
        last = peers.get(env.device_id, 0)
        if env.device_seq > last + 1:
            return SyncDamaged(
                device=env.device_id,
                detail=f"its change {env.device_seq} came after {last}: some are missing",
            )
        return None

    @staticmethod
    def _reindex(session: Any, applied: Applied) -> None:
        """Derived data: the search index of patients whose rows changed."""
        from clinic_desk.core.services import patient_search

        ids = [uuid.UUID(hex=k) for t, k in applied.rows if t == "patient"]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            patients = session.execute(select(Patient).where(Patient.id.in_(chunk))).scalars()
            patient_search.reindex_patients(session, list(patients))
        session.flush()


def wait_until(deadline_s: float, predicate: Callable[[], bool], step_s: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds or the time is up (tests and the CLI)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step_s)
    return predicate()


def last_ok(clinic: Clinic) -> datetime | None:
    value = clinic.store.meta_value(META_LAST_OK)
    return datetime.fromisoformat(value) if value else None
