"""Snapshots: trimming the hub's log, starting a new workstation from a copy, full resync.

A snapshot is one workstation's whole copy as it stood at hub sequence
``upto``: every synced row with its per-field clocks, plus how far each
workstation's operations were applied (so the log after ``upto`` continues
without a false gap). It is sealed in chunks with the sync key, like any
operation. Once complete, the hub drops the log below every active
workstation's cursor. A workstation that comes back from beyond that horizon
resyncs in full, after asking: it sends what it still holds, takes a new
device id, replaces its copy with the snapshot, and pulls the rest.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clinic_desk.core.errors import ClinicError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.sync import codec, tables
from clinic_desk.core.sync.capture import META_NODE
from clinic_desk.core.sync.engine import (
    META_CURSOR,
    META_TOKEN,
    SNAPSHOT_ROWS,
    SyncDamaged,
    SyncEngine,
    SyncState,
    new_device,
    row_change,
    synced_table_order,
)
from clinic_desk.core.sync.envelope import key_id
from clinic_desk.core.sync.hlc import ZERO
from clinic_desk.core.sync.hub import Credentials, SnapshotInfo
from clinic_desk.core.sync.merge import Applied, DriverConnection, apply_operation


class SnapshotNotNow(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Changes made here are still being sent, so a snapshot now would miss them. "
        "Try again in a minute.",
    )


@dataclass(frozen=True)
class SnapshotResult:
    snapshot_id: str
    upto: int
    chunks: int
    rows: int
    horizon: int  # the first hub sequence still kept


def _aad(clinic_id: str, snapshot_id: str, upto: int, chunk: int, kid: str) -> bytes:
    return f"cdsnap1|{clinic_id}|{snapshot_id}|{upto}|{chunk}|{kid}".encode("ascii")


def make_snapshot(eng: SyncEngine, *, inactive_days: int) -> SnapshotResult:
    """Upload this copy as a snapshot and let the hub trim its log."""
    eng.push()
    eng.pull()
    state = eng.state
    snapshot_id = secrets.token_hex(8)
    kid = key_id(state.sync_key)
    aead = AESGCM(state.sync_key)
    chunks = 0
    rows = 0

    def put(payload: dict[str, Any], upto: int) -> None:
        nonlocal chunks
        nonce = secrets.token_bytes(12)
        sealed = aead.encrypt(
            nonce,
            codec.pack(payload),
            _aad(state.creds.clinic_id, snapshot_id, upto, chunks, kid),
        )
        eng.hub.snapshot_chunk_put(state.creds, snapshot_id, upto, chunks, kid, nonce, sealed)
        chunks += 1

    # One read transaction: the copy, its cursor and its peers as of one moment.
    with eng.clinic.store.unit_of_work(write=False) as uow:
        conn = uow.session.connection()
        if conn.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar():
            raise SnapshotNotNow()
        upto = int(
            conn.exec_driver_sql("SELECT value FROM meta WHERE key = ?", (META_CURSOR,)).scalar()
            or 0
        )
        peers = {
            r[0]: int(r[1])
            for r in conn.exec_driver_sql("SELECT device_id, last_seq FROM sync_peer")
        }
        own = conn.exec_driver_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = 'sync_outbox'"
        ).scalar()
        peers[state.device_id] = int(own or 0)
        put({"peers": peers}, upto)
        specs = tables.read_specs(conn)
        for table in synced_table_order(specs):
            spec = specs[table]
            cols = ", ".join(f't."{c}"' for c in spec.columns)
            k2 = f't."{spec.keys[1]}"' if len(spec.keys) > 1 else "''"
            cursor = conn.exec_driver_sql(
                f'SELECT {cols}, r.clocks FROM "{table}" t LEFT JOIN sync_row r '
                f'ON r.tbl = ? AND r.k1 = t."{spec.keys[0]}" AND r.k2 = {k2} '
                "ORDER BY t.rowid",
                (table,),
            )
            while True:
                batch = cursor.fetchmany(SNAPSHOT_ROWS)
                if not batch:
                    break
                put(
                    {
                        "changes": [
                            row_change(spec, row[:-1], json.loads(row[-1]) if row[-1] else None)
                            for row in batch
                        ]
                    },
                    upto,
                )
                rows += len(batch)
    horizon = eng.hub.snapshot_finish(state.creds, snapshot_id, chunks, inactive_days)
    return SnapshotResult(snapshot_id, upto, chunks, rows, horizon)


def load_snapshot(eng: SyncEngine, conn: Any, info: SnapshotInfo, now: Any) -> Applied:
    """Apply a snapshot into ``conn``'s transaction (an empty copy); sets cursor and peers."""
    state = eng.state
    aead = AESGCM(state.sync_key)
    specs = eng.specs(conn)
    raw = DriverConnection(conn)
    applied = Applied()
    for chunk in range(info.chunks):
        kid, nonce, sealed = eng.hub.snapshot_chunk(state.creds, info.snapshot_id, chunk)
        if kid != key_id(state.sync_key):
            raise SyncDamaged(device="hub", detail="a snapshot sealed with another sync key")
        try:
            payload = codec.unpack(
                aead.decrypt(
                    nonce,
                    sealed,
                    _aad(state.creds.clinic_id, info.snapshot_id, info.upto_seq, chunk, kid),
                )
            )
        except InvalidTag as error:
            raise SyncDamaged(device="hub", detail="a snapshot altered on the way") from error
        if "peers" in payload:
            for device, last in payload["peers"].items():
                conn.exec_driver_sql(
                    "INSERT INTO sync_peer (device_id, last_seq, last_server_seq) "
                    "VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                    "last_seq = excluded.last_seq, last_server_seq = excluded.last_server_seq",
                    (device, int(last), info.upto_seq),
                )
            continue
        apply_operation(raw, specs, payload, ZERO, now, applied)
    conn.exec_driver_sql("DELETE FROM sync_dirty")
    conn.exec_driver_sql(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
        "DO UPDATE SET value = excluded.value",
        (META_CURSOR, str(info.upto_seq)),
    )
    return applied


def full_resync(eng: SyncEngine) -> int:
    """Replace this copy with the hub's snapshot and the log after it; returns rows loaded.

    What was made here and not yet sent goes first (it must reach the hub, or
    it would be lost). The copy then takes a new device id, so the hub's
    operations from its old id, including those after the snapshot, are
    applied like any other workstation's.
    """
    eng.push()
    if eng.clinic.store.read_rows("SELECT count(*) FROM sync_outbox")[0][0]:
        raise SnapshotNotNow()  # not everything made here reached the hub
    info = eng.hub.snapshot_latest(eng.state.creds)
    if info is None:
        raise SyncDamaged(device="hub", detail="the hub has no snapshot to resync from")
    old = eng.state
    device_id, token = new_device()
    eng.hub.register_device(old.creds, device_id, token, old.name)
    new_state = SyncState(
        old.url,
        Credentials(old.creds.clinic_id, device_id, token),
        old.sync_key,
        old.name,
        info.upto_seq,
    )
    eng.state = new_state
    with eng.clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        specs = eng.specs(conn)
        conn.exec_driver_sql("DELETE FROM patient_search_key")
        for table in reversed(synced_table_order(specs)):
            conn.exec_driver_sql(f'DELETE FROM "{table}"')
        for table in ("sync_row", "sync_peer", "sync_dirty"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        # The new device id numbers its operations from 1 (the hub checks for gaps).
        conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'sync_outbox'")
        applied = load_snapshot(eng, conn, info, eng.clinic.now())
        for key, value in ((META_NODE, device_id), (META_TOKEN, token.hex())):
            conn.exec_driver_sql("UPDATE meta SET value = ? WHERE key = ?", (value, key))
        uow.commit()
    eng.clinic.store.forget_sync_state()
    eng.hub.revoke_device(new_state.creds, old.device_id)
    eng.pull()
    from clinic_desk.core.services.patient_search import rebuild_search_index

    rebuild_search_index(eng.clinic)
    return len(applied.rows)
