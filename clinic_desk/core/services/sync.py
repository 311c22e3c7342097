"""Sync between workstations (issue 7): enrolling, pairing, removing, status,
merge conflicts and the desk's "needs attention" list.

The rounds themselves (push, pull, apply) are ``core/sync/engine.py``; this
module is what people do about sync, each step permission-checked and audited.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from clinic_desk.core.errors import ClinicError, DateOutOfRange, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services import staff as staff_service
from clinic_desk.core.services.base import (
    Actor,
    Changes,
    Clinic,
    Clock,
    Topic,
    Written,
    system_clock,
)
from clinic_desk.core.services.clinic import (
    META_CLINIC_ID,
    META_CREATED_AT,
    SetupResult,
    check_passphrase,
    create_clinic_files,
)
from clinic_desk.core.services.patient_search import rebuild_search_index, reindex_patient
from clinic_desk.core.services.rosters import DEFAULT_TYPES_META
from clinic_desk.core.store.base import stored_utc
from clinic_desk.core.store.models import Patient
from clinic_desk.core.sync import codec, engine, hub, pairing, snapshot, tables
from clinic_desk.core.sync.capture import load_hlc
from clinic_desk.core.sync.envelope import new_sync_key
from clinic_desk.core.sync.hlc import HybridClock
from clinic_desk.core.tasks import TaskState

MAX_NAME = 60


class AlreadySyncing(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors", "This workstation already syncs through {hub}. Nothing was changed."
    )


class NotTheDirector(ClinicError):
    template = QT_TRANSLATE_NOOP(
        "Errors",
        "Joining needs the clinic director's sign-in: {login} is not a director of this "
        "clinic, or the password is wrong. Nothing was set up on this computer.",
    )


def _check_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                'Give this workstation a name people recognise, such as "Front desk" or '
                '"Dr Wang\'s room".',
            )
        )
    if len(text) > MAX_NAME:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The name is too long: use at most {n} characters."),
            n=MAX_NAME,
        )
    return text


# -- status -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncInfo:
    enabled: bool
    hub: str = ""  # without the password
    device_id: str = ""
    name: str = ""
    pending: int = 0  # changes made here, not yet on the hub
    cursor: int = 0
    last_ok: datetime | None = None


def sync_info(clinic: Clinic) -> SyncInfo:
    """Where this workstation's sync stands (for the status line; nothing secret)."""
    state = engine.load_state(clinic)
    if state is None:
        return SyncInfo(enabled=False)
    return SyncInfo(
        enabled=True,
        hub=hub.redacted(state.url),
        device_id=state.device_id,
        name=state.name,
        pending=engine.pending_count(clinic),
        cursor=state.cursor,
        last_ok=engine.last_ok(clinic),
    )


# -- the first workstation --------------------------------------------------------------------


def enable_sync(
    clinic: Clinic, actor: Actor, *, hub_url: str, name: str, state: TaskState | None = None
) -> Written[SyncInfo]:
    """Make this clinic's copy the first workstation on a hub.

    The hub learns the clinic and this device first; then, in one local
    transaction, the change-capture triggers, the sync state and a snapshot of
    everything so far (sent at the next round) are written. Progress steps:
    "hub", "snapshot", "done". A cancel rolls the local transaction back, so
    nothing is written here; the hub lets the clinic be created again until
    its first push, so enabling can simply be retried.
    """
    task = state or TaskState()
    clinic.require(actor, Action.SYNC_MANAGE)
    label = _check_name(name)
    hub.checked_url(hub_url)
    current = engine.load_state(clinic)
    if current is not None:
        raise AlreadySyncing(hub=hub.redacted(current.url))
    device_id, token = engine.new_device()
    creds = hub.Credentials(clinic.clinic_id, device_id, token)
    task.progress(0.0, "hub")
    client = hub.HubClient(hub_url)
    try:
        client.create_clinic(creds, label)
    finally:
        client.close()
    sync_state = engine.SyncState(hub_url, creds, new_sync_key(), label, 0)
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        specs = tables.install_triggers(conn)
        engine.write_state(uow, sync_state)
        clock = HybridClock(load_hlc(conn))

        def snapshot_progress(done: int, total: int) -> None:
            # Raises Cancelled inside the transaction: it rolls back whole.
            task.progress(0.02 + 0.96 * (done / total if total else 1.0), "snapshot")

        ops = engine.write_snapshot(
            conn, specs, clock.tick(clinic.store.wall_ms()), snapshot_progress
        )
        conn.exec_driver_sql(
            "INSERT INTO meta (key, value) VALUES ('sync.hlc', ?) ON CONFLICT (key) DO UPDATE "
            "SET value = excluded.value",
            (str(clock.last),),
        )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="sync.enable",
                object_type="workstation",
                object_id=device_id,
                detail=json.dumps(
                    {"hub": hub.redacted(hub_url), "name": label, "snapshot_ops": ops},
                    ensure_ascii=False,
                ),
            ),
        )
        task.check()  # the last moment a cancel undoes everything
        uow.commit()
    clinic.store.forget_sync_state()
    task.progress(1.0, "done", check=False)
    return Written(sync_info(clinic), Changes(frozenset({Topic.SYNC})))


# -- pairing and joining ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    code: str  # shown once, on this screen only
    qr_text: str  # the code and the hub address, for the new workstation's camera or paste
    device_id: str
    name: str
    expires_at: datetime


def create_pairing(clinic: Clinic, actor: Actor, *, name: str) -> Pairing:
    """Register a new workstation on the hub and leave its sealed invitation there."""
    clinic.require(actor, Action.SYNC_MANAGE)
    label = _check_name(name)
    state = engine.load_state(clinic)
    if state is None:
        raise engine.SyncNotEnabled()
    device_id, token = engine.new_device()
    code = pairing.new_code()
    code_id, blob = pairing.seal_invitation(
        code,
        pairing.Invitation(state.creds.clinic_id, device_id, token, state.sync_key, label),
    )
    minutes = int(clinic.setting("sync.pairing_minutes"))
    client = hub.HubClient(state.url)
    try:
        client.register_device(state.creds, device_id, token, label)
        client.pairing_put(state.creds, code_id, blob, minutes)
    finally:
        client.close()
    clinic.audit_now(
        actor,
        audit.AuditEvent(
            action="sync.pairing",
            object_type="workstation",
            object_id=device_id,
            detail=json.dumps({"name": label, "minutes": minutes}, ensure_ascii=False),
        ),
    )
    qr = pairing.QR_PREFIX + json.dumps({"hub": state.url, "code": code}, separators=(",", ":"))
    return Pairing(code, qr, device_id, label, clinic.now() + timedelta(minutes=minutes))


def parse_pairing_text(text: str) -> tuple[str | None, str]:
    """(hub URL or None, code) from a scanned or pasted QR text, or a typed code."""
    raw = (text or "").strip()
    if raw.startswith(pairing.QR_PREFIX):
        try:
            doc = json.loads(raw[len(pairing.QR_PREFIX) :])
            return str(doc["hub"]), str(doc["code"])
        except (ValueError, KeyError, TypeError):
            raise pairing.PairingCodeTypo() from None
    return None, raw


def join_clinic(
    data_dir: Path,
    *,
    hub_url: str,
    code: str,
    passphrase: str,
    passphrase_confirmation: str | None = None,
    director_login: str,
    director_password: str,
    kdf: KdfParams | None = None,
    use_keyring: bool = True,
    workstation: str | None = None,
    clock: Clock = system_clock,
    state: TaskState | None = None,
) -> SetupResult:
    """Set this computer up as another workstation of a clinic that syncs.

    Everything happens in a staging folder: the invitation is taken from the
    hub, the clinic's data pulled, and the director's sign-in checked against
    the pulled staff list; only then is the new copy moved into ``data_dir``.
    Progress steps: "invitation", "snapshot", "pull", "index", "director",
    "done". A cancel (before "done") discards the staging folder, so nothing
    is set up here; the pairing code has been used, though: joining again
    needs a new one.
    """
    task = state or TaskState()
    parsed_url, typed = parse_pairing_text(code)
    url = parsed_url or hub_url
    pairing.parse_code(typed)  # a typo is reported before anything else happens
    hub.checked_url(url)
    check_passphrase(passphrase, passphrase_confirmation, avoid=(director_login,))
    client = hub.HubClient(url)

    def fill(clinic: Clinic, local_id: str) -> None:
        task.progress(0.0, "invitation")
        code_id, _ = pairing.parse_code(typed)
        taken = client.pairing_take(code_id)
        if taken is None:
            raise pairing.PairingCodeUnknown()
        invitation = pairing.open_invitation(typed, taken[1])
        state = engine.SyncState(
            url,
            hub.Credentials(invitation.clinic_id, invitation.device_id, invitation.token),
            invitation.sync_key,
            invitation.name,
            0,
        )
        with clinic.store.unit_of_work(write=True) as uow:
            uow.set_meta(META_CLINIC_ID, local_id)
            uow.set_meta(META_CREATED_AT, clinic.now().isoformat())
            # The clinic's appointment types arrive with its data.
            uow.set_meta(DEFAULT_TYPES_META, clinic.now().isoformat())
            # No change-capture triggers yet: nothing pulled below is this copy's to
            # send, and noting each of the clinic's rows cost as much as storing it.
            engine.write_state(uow, state)
            uow.commit()
        clinic.store.forget_sync_state()
        sync = engine.SyncEngine(clinic, hub=client, state=state)
        sync.reindex = False  # the whole index is built once, after the pull
        sync.check_clock()
        # Start from the latest snapshot when there is one (the log before it may be gone).
        latest = client.snapshot_latest(state.creds)
        if latest is not None:
            task.progress(0.03, "snapshot")
            with clinic.store.unit_of_work(write=True) as uow:
                conn = uow.session.connection()
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
                snapshot.load_snapshot(sync, conn, latest, clinic.now())
                uow.commit()
            sync.state = dataclasses.replace(sync.state, cursor=latest.upto_seq)
        # Every operation pushed has a hub sequence: their sum less where we start
        # is about what is left to pull (what this device skips makes it an upper bound).
        expected = sum(d.last_seq for d in client.devices(state.creds)) - sync.state.cursor

        def pulled(count: int) -> None:
            share = min(1.0, count / expected) if expected > 0 else 1.0
            task.progress(0.1 + 0.8 * share, "pull")

        pulled(0)
        sync.pull(one_transaction=True, progress=pulled)
        with clinic.store.unit_of_work(write=True) as uow:
            tables.install_triggers(uow.session.connection())  # from now on, changes are noted
            uow.commit()
        task.progress(0.9, "index")
        rebuild_search_index(clinic)
        task.progress(0.95, "director")
        try:
            actor = staff_service.sign_in(clinic, director_login, director_password)
        except ClinicError:
            raise NotTheDirector(login=director_login) from None
        if actor.role != Role.DIRECTOR:
            raise NotTheDirector(login=director_login)
        clinic.audit_now(
            actor,
            audit.AuditEvent(
                action="sync.join",
                object_type="workstation",
                object_id=state.device_id,
                detail=json.dumps(
                    {"hub": hub.redacted(url), "name": state.name, "cursor": sync.state.cursor},
                    ensure_ascii=False,
                ),
            ),
        )

    try:
        result = create_clinic_files(
            data_dir,
            passphrase=passphrase,
            kdf=kdf,
            use_keyring=use_keyring,
            workstation=workstation,
            clock=clock,
            fill=fill,
        )
    finally:
        client.close()
    task.progress(1.0, "done", check=False)
    return result


# -- workstations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkstationView:
    device_id: str
    name: str
    enrolled_at: datetime
    removed_at: datetime | None
    last_seen_at: datetime | None
    pushed: int  # its last sequence number on the hub
    this_one: bool


def list_workstations(clinic: Clinic, actor: Actor) -> list[WorkstationView]:
    clinic.require(actor, Action.SYNC_MANAGE)
    state = engine.load_state(clinic)
    if state is None:
        raise engine.SyncNotEnabled()
    client = hub.HubClient(state.url)
    try:
        devices = client.devices(state.creds)
    finally:
        client.close()
    return [
        WorkstationView(
            d.device_id,
            d.name,
            d.enrolled_at,
            d.revoked_at,
            d.seen_at,
            d.last_seq,
            d.device_id == state.device_id,
        )
        for d in devices
    ]


def remove_workstation(clinic: Clinic, actor: Actor, device_id: str) -> Written[None]:
    """Revoke a workstation: the hub refuses its pushes from now on."""
    clinic.require(actor, Action.SYNC_MANAGE)
    state = engine.load_state(clinic)
    if state is None:
        raise engine.SyncNotEnabled()
    if device_id == state.device_id:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This is the workstation you are using. Remove it from another enrolled "
                "workstation.",
            )
        )
    client = hub.HubClient(state.url)
    try:
        client.revoke_device(state.creds, device_id)
    finally:
        client.close()
    clinic.audit_now(
        actor,
        audit.AuditEvent(action="sync.remove", object_type="workstation", object_id=device_id),
    )
    return Written(None, Changes(frozenset({Topic.SYNC})))


# -- the hub's log --------------------------------------------------------------------------


def compact_hub(clinic: Clinic, actor: Actor) -> snapshot.SnapshotResult:
    """Upload a snapshot of this copy; the hub then drops the log every active
    workstation has applied (workstations unseen for ``sync.inactive_after_days``
    do not hold it back, and resync in full when they return)."""
    clinic.require(actor, Action.SYNC_MANAGE)
    eng = engine.SyncEngine(clinic)
    try:
        eng.check_clock()
        result = snapshot.make_snapshot(
            eng, inactive_days=int(clinic.setting("sync.inactive_after_days"))
        )
    finally:
        eng.close()
    clinic.audit_now(
        actor,
        audit.AuditEvent(
            action="sync.compact",
            object_type="snapshot",
            object_id=result.snapshot_id,
            detail=json.dumps(
                {"upto": result.upto, "rows": result.rows, "horizon": result.horizon}
            ),
        ),
    )
    return result


def full_resync(clinic: Clinic, actor: Actor) -> Written[int]:
    """Replace this copy with the hub's (after the hub said this one was away too long).

    Needs the director, because it takes a new workstation identity; what was
    made here and not yet sent is sent first.
    """
    clinic.require(actor, Action.SYNC_MANAGE)
    eng = engine.SyncEngine(clinic)
    try:
        eng.check_clock()
        rows = snapshot.full_resync(eng)
    finally:
        eng.close()
    clinic.audit_now(
        actor,
        audit.AuditEvent(action="sync.full_resync", detail=json.dumps({"rows": rows})),
    )
    clinic.forget_settings()
    return Written(rows, Changes(frozenset(Topic)))


# -- merge conflicts --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictView:
    id: uuid.UUID
    kind: str  # field | duplicate
    table: str
    row_key: str
    field: str
    kept_value: Any  # the value that won and is in the record now
    lost_value: Any
    lost_at: datetime
    kept_at: datetime
    lost_by: str  # the workstation's device id
    kept_by: str
    status: str  # open | kept | restored


def _value(text: str) -> Any:
    decoded = codec.decode_value(json.loads(text))
    return decoded.hex() if isinstance(decoded, bytes) else decoded


def _moment(hlc: int) -> datetime:
    return datetime.fromtimestamp((hlc >> 16) / 1000, UTC)


def list_conflicts(
    clinic: Clinic, actor: Actor, *, include_settled: bool = False
) -> list[ConflictView]:
    clinic.require(actor, Action.SYNC_MANAGE)
    where = "" if include_settled else "WHERE status = 'open'"
    rows = clinic.store.read_rows(
        "SELECT id, kind, tbl, row_key, col, winner_value, loser_value, loser_hlc, winner_hlc, "
        "loser_node, winner_node, status FROM sync_conflict "
        f"{where} ORDER BY winner_hlc DESC, id LIMIT 1000"
    )
    return [
        ConflictView(
            uuid.UUID(hex=r[0]),
            r[1],
            r[2],
            r[3],
            r[4],
            _value(r[5]),
            _value(r[6]),
            _moment(int(r[7])),
            _moment(int(r[8])),
            r[9],
            r[10],
            r[11],
        )
        for r in rows
    ]


def settle_conflict(
    clinic: Clinic, actor: Actor, conflict_id: uuid.UUID, *, restore: bool
) -> Written[None]:
    """Keep the winner (close the item) or write the lost value back (an ordinary change)."""
    clinic.require(actor, Action.SYNC_MANAGE)
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        row = conn.exec_driver_sql(
            "SELECT kind, tbl, row_key, col, loser_value, status FROM sync_conflict WHERE id = ?",
            (conflict_id.hex,),
        ).fetchone()
        if row is None or row[5] != "open":
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "This conflict was already settled, here or at another workstation."
                )
            )
        kind, table, key, col, loser, _ = row
        specs = tables.read_specs(conn)
        spec = specs.get(table)
        if restore:
            if kind != "field" or spec is None or col not in spec.fields:
                raise ValidationError(
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "This value cannot be written back here; change the record itself.",
                    )
                )
            parts = key.split("|")
            where = " AND ".join(f'"{k}" = ?' for k in spec.keys)
            conn.exec_driver_sql(
                f'UPDATE "{table}" SET "{col}" = ? WHERE {where}',
                (codec.decode_value(json.loads(loser)), *parts[: len(spec.keys)]),
            )
            if table == "patient":  # its search keys are derived from the row
                uow.session.expire_all()
                patient = uow.session.get(Patient, uuid.UUID(hex=parts[0]))
                if patient is not None:
                    reindex_patient(uow.session, patient)
        now = clinic.now()
        conn.exec_driver_sql(
            "UPDATE sync_conflict SET status = ?, resolved_by = ?, resolved_at = ?, "
            "updated_at = ? WHERE id = ?",
            (
                "restored" if restore else "kept",
                actor.staff_id.hex if actor.staff_id else None,
                stored_utc(now),
                stored_utc(now),
                conflict_id.hex,
            ),
        )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="sync.conflict_restore" if restore else "sync.conflict_keep",
                object_type=table,
                object_id=key,
                detail=json.dumps({"field": col}),
            ),
        )
        uow.commit()
    return Written(None, Changes(frozenset({Topic.SYNC, _topic_of(table)})))


def _topic_of(table: str) -> Topic:
    if table.startswith(("appointment", "waitlist", "absence")):
        return Topic.APPOINTMENTS
    if table.startswith(("queue", "wait_alert")):
        return Topic.RECEPTION
    if table in ("staff",):
        return Topic.STAFF
    if table in ("setting",):
        return Topic.SETTINGS
    if table.startswith(("roster", "resource", "doctor_profile", "clinic_closure")):
        return Topic.ROSTERS
    if table == "patient":
        return Topic.PATIENTS
    return Topic.CLINICAL


# -- what needs a person's attention after sync ------------------------------------------------


@dataclass(frozen=True)
class Attention:
    """A clash only sync can produce (two desks offline), for the desk to settle."""

    # double_booking, resource_double_booking, double_checkin, queue_number, record_no
    kind: str
    day: date | None
    ids: tuple[uuid.UUID, ...]  # the rows involved (appointments, queue entries, patients)
    detail: dict[str, Any]


def needs_attention(clinic: Clinic, actor: Actor, *, since: date | None = None) -> list[Attention]:
    """The same deterministic queries on every workstation, so every desk sees the same list."""
    clinic.require(actor, Action.APPOINTMENT_VIEW)
    first = DateOutOfRange.check(since or clinic.today() - timedelta(days=1))
    zone = clinic.timezone()
    start = datetime.combine(first, datetime.min.time(), zone)
    lo = stored_utc(start)
    items: list[Attention] = []
    for a, b, doctor, starts in clinic.store.read_rows(
        "SELECT a.id, b.id, a.doctor_id, a.starts_at FROM appointment a JOIN appointment b "
        "ON b.doctor_id = a.doctor_id AND b.id > a.id AND b.starts_at < a.ends_at "
        "AND a.starts_at < b.ends_at "
        "WHERE a.starts_at >= ? AND a.deleted_at IS NULL AND b.deleted_at IS NULL "
        "AND a.add_on = 0 AND b.add_on = 0 "
        "AND a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show') "
        "ORDER BY a.starts_at, a.id, b.id",
        (lo,),
    ):
        items.append(
            Attention(
                "double_booking",
                _local_day(starts, zone),
                (uuid.UUID(hex=a), uuid.UUID(hex=b)),
                {"doctor_id": doctor},
            )
        )
    for a, b, resource, starts in clinic.store.read_rows(
        "SELECT a.appointment_id, b.appointment_id, a.resource_id, a.starts_at "
        "FROM appointment_resource a JOIN appointment_resource b "
        "ON b.resource_id = a.resource_id AND b.appointment_id > a.appointment_id "
        "AND b.starts_at < a.ends_at AND a.starts_at < b.ends_at "
        "WHERE a.starts_at >= ? AND a.active = 1 AND b.active = 1 "
        "ORDER BY a.starts_at, a.appointment_id, b.appointment_id",
        (lo,),
    ):
        items.append(
            Attention(
                "resource_double_booking",
                _local_day(starts, zone),
                (uuid.UUID(hex=a), uuid.UUID(hex=b)),
                {"resource_id": resource},
            )
        )
    day_text = first.isoformat()
    for a, b, day, same_booking in clinic.store.read_rows(
        # Settled once one of the two is marked "left" (same booking) or either is
        # finished or left (same patient, two entries).
        "SELECT a.id, b.id, a.day, a.appointment_id IS NOT NULL "
        "AND a.appointment_id = b.appointment_id FROM queue_entry a JOIN queue_entry b "
        "ON b.id > a.id AND b.day = a.day AND ((b.appointment_id = a.appointment_id "
        "AND a.status <> 'left' AND b.status <> 'left') "
        "OR (b.patient_id = a.patient_id AND a.status NOT IN ('done', 'left') "
        "AND b.status NOT IN ('done', 'left'))) "
        "WHERE a.day >= ? AND a.deleted_at IS NULL AND b.deleted_at IS NULL "
        "ORDER BY a.day, a.id, b.id",
        (day_text,),
    ):
        items.append(
            Attention(
                "double_checkin",
                date.fromisoformat(day),
                (uuid.UUID(hex=a), uuid.UUID(hex=b)),
                {"same_booking": bool(same_booking)},
            )
        )
    for a, b, day, number in clinic.store.read_rows(
        # A number matters while both patients wait for it to be called.
        "SELECT a.id, b.id, a.day, a.queue_no FROM queue_entry a JOIN queue_entry b "
        "ON b.day = a.day AND b.queue_no = a.queue_no AND b.id > a.id "
        "AND a.status NOT IN ('done', 'left') AND b.status NOT IN ('done', 'left') "
        "WHERE a.day >= ? AND a.deleted_at IS NULL AND b.deleted_at IS NULL "
        "ORDER BY a.day, a.queue_no, a.id, b.id",
        (day_text,),
    ):
        items.append(
            Attention(
                "queue_number",
                date.fromisoformat(day),
                (uuid.UUID(hex=a), uuid.UUID(hex=b)),
                {"queue_no": int(number)},
            )
        )
    for a, b, record in clinic.store.read_rows(
        "SELECT a.id, b.id, a.record_no FROM patient a JOIN patient b "
        "ON b.record_no = a.record_no AND b.id > a.id "
        "WHERE a.record_no <> '' AND a.deleted_at IS NULL AND b.deleted_at IS NULL "
        "AND a.merged_into IS NULL AND b.merged_into IS NULL ORDER BY a.record_no, a.id, b.id"
    ):
        items.append(
            Attention(
                "record_no", None, (uuid.UUID(hex=a), uuid.UUID(hex=b)), {"record_no": record}
            )
        )
    return items


def _local_day(stored: str, zone: Any) -> date:
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def new_sync_name() -> str:
    """A default name for a workstation until someone types a better one."""
    return f"Workstation {secrets.token_hex(2).upper()}"
