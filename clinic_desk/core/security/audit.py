"""The hash-chained audit log.

Each row carries ``HMAC-SHA256(audit_key, previous_mac || row)``; the audit key
is derived from the data key, so someone with only SQL access can change a
row but cannot make its seal match. Deleting or reordering rows breaks the
chain at that point. The newest (sequence, mac) is also sealed in ``meta`` so
that cutting rows off the end shows too.

Limit: someone who copied an older sealed head can roll the log back to that
older state together with its head; the nightly backups are the cross-check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.orm import Session

from clinic_desk.core.store.base import new_id
from clinic_desk.core.store.models import AuditEntry, Meta

GENESIS_MAC = bytes(32)
HEAD_KEY = "audit.head"
BREAKS_KEY = "audit.breaks"

# The fields the MAC covers, in a fixed order; adding one needs a new chain version.
MAC_FIELDS = (
    "seq",
    "id",
    "at",
    "staff_id",
    "staff_login",
    "role",
    "workstation",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "outcome",
    "break_glass",
    "reason",
    "detail",
)


def _norm(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def row_mac(audit_key: bytes, prev_mac: bytes, fields: dict[str, Any]) -> bytes:
    body = json.dumps([_norm(fields[name]) for name in MAC_FIELDS], ensure_ascii=False)
    return hmac.new(audit_key, prev_mac + body.encode("utf-8"), hashlib.sha256).digest()


def head_seal(audit_key: bytes, seq: int, mac: bytes) -> str:
    seal = hmac.new(audit_key, b"head|%d|" % seq + mac, hashlib.sha256).hexdigest()
    return f"{seq}:{mac.hex()}:{seal}"


@dataclass(frozen=True)
class AuditEvent:
    """What happened, as a service reports it."""

    action: str
    outcome: str = "ok"
    object_type: str = ""
    object_id: str = ""
    patient_id: uuid.UUID | None = None
    break_glass: bool = False
    reason: str = ""
    detail: str = ""


def append(
    session: Session,
    audit_key: bytes,
    event: AuditEvent,
    *,
    at: datetime,
    staff_id: uuid.UUID | None,
    staff_login: str,
    role: str,
    workstation: str,
) -> None:
    """Add one sealed row. Must run inside a write (BEGIN IMMEDIATE) transaction."""
    append_many(
        session,
        audit_key,
        [event],
        at=at,
        staff_id=staff_id,
        staff_login=staff_login,
        role=role,
        workstation=workstation,
    )


def append_many(
    session: Session,
    audit_key: bytes,
    events: Sequence[AuditEvent],
    *,
    at: datetime,
    staff_id: uuid.UUID | None,
    staff_login: str,
    role: str,
    workstation: str,
) -> None:
    """Add sealed rows for ``events`` in order, chained in memory, in one statement.

    The import writes thousands of rows per transaction; one SELECT for the
    chain's end and one executemany keep that to a few milliseconds per
    hundred rows. Must run inside a write (BEGIN IMMEDIATE) transaction.
    """
    if not events:
        return
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.mac).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    first_seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_MAC)
    head = session.get(Meta, HEAD_KEY)
    expected = head_seal(audit_key, first_seq - 1, prev) if last else None
    if last and (head is None or head.value != expected):
        # The end of the log no longer matches its seal: rows were cut off (or the
        # seal edited). Keep that finding before re-sealing, so it is never erased.
        breaks = session.get(Meta, BREAKS_KEY)
        found = json.loads(breaks.value) if breaks is not None else []
        found.append({"before_seq": first_seq, "old_head": head.value if head else ""})
        if breaks is None:
            session.add(Meta(key=BREAKS_KEY, value=json.dumps(found)))
        else:
            breaks.value = json.dumps(found)
    rows: list[dict[str, Any]] = []
    seq = first_seq - 1
    when = at.astimezone(UTC)
    for event in events:
        seq += 1
        # Microsecond precision is what the column stores; seal exactly what is kept.
        fields: dict[str, Any] = {
            "seq": seq,
            "id": new_id(),
            "at": when,
            "staff_id": staff_id,
            "staff_login": staff_login,
            "role": role,
            "workstation": workstation,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "patient_id": event.patient_id,
            "outcome": event.outcome,
            "break_glass": event.break_glass,
            "reason": event.reason,
            "detail": event.detail,
        }
        prev = row_mac(audit_key, prev, fields)
        rows.append({**fields, "mac": prev})
    session.execute(insert(AuditEntry), rows)
    sealed = head_seal(audit_key, seq, prev)
    if head is None:
        session.add(Meta(key=HEAD_KEY, value=sealed))
    else:
        head.value = sealed


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    kind: str  # "edited", "missing", "truncated", "head"
    message: str


@dataclass(frozen=True)
class AuditVerification:
    rows_checked: int
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


_SELECT_ROWS = text(
    "SELECT seq, id, at, staff_id, staff_login, role, workstation, action, object_type, "
    "object_id, patient_id, outcome, break_glass, reason, detail, mac FROM audit_log ORDER BY seq"
)


def verify(conn: Connection, audit_key: bytes, *, max_problems: int = 50) -> AuditVerification:
    """Walk the whole chain; report each place it breaks (first ``max_problems``)."""
    problems: list[AuditProblem] = []
    prev_mac = GENESIS_MAC
    expected_seq = 1
    count = 0
    last_seq = 0
    last_mac = GENESIS_MAC
    for row in conn.execute(_SELECT_ROWS):
        count += 1
        seq = int(row.seq)
        if seq != expected_seq:
            problems.append(
                AuditProblem(
                    expected_seq,
                    "missing",
                    f"audit rows {expected_seq}..{seq - 1} are missing (deleted)"
                    if seq > expected_seq + 1
                    else f"audit row {expected_seq} is missing (deleted)",
                )
            )
        fields = {
            "seq": seq,
            "id": uuid.UUID(hex=row.id) if isinstance(row.id, str) else row.id,
            "at": _parse_at(row.at),
            "staff_id": uuid.UUID(hex=row.staff_id) if row.staff_id else None,
            "staff_login": row.staff_login,
            "role": row.role,
            "workstation": row.workstation,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "patient_id": uuid.UUID(hex=row.patient_id) if row.patient_id else None,
            "outcome": row.outcome,
            "break_glass": bool(row.break_glass),
            "reason": row.reason,
            "detail": row.detail,
        }
        mac = bytes(row.mac)
        if not hmac.compare_digest(row_mac(audit_key, prev_mac, fields), mac):
            # Rows that still match their own seal after a gap were only shifted,
            # so report the break once, where it is.
            if seq == expected_seq:
                problems.append(
                    AuditProblem(
                        seq, "edited", f"audit row {seq} was changed, or moved out of order"
                    )
                )
        prev_mac = mac
        expected_seq = seq + 1
        last_seq, last_mac = seq, mac
        if len(problems) >= max_problems:
            break
    breaks = conn.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": BREAKS_KEY}).scalar()
    for found in json.loads(breaks) if breaks else []:
        old_seq = _head_seq(str(found.get("old_head", "")))
        start = int(found.get("before_seq", 0))
        if old_seq is not None and old_seq >= start:
            message = f"audit rows {start}..{old_seq} were cut off the end (seen at row {start})"
        else:
            message = f"the audit log's end seal did not match when row {start} was written"
        problems.append(AuditProblem(start, "truncated", message))
    head = conn.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": HEAD_KEY}).scalar()
    if len(problems) < max_problems:
        if head is None:
            if count:
                problems.append(
                    AuditProblem(last_seq, "head", "the audit log's end seal is missing")
                )
        elif head != head_seal(audit_key, last_seq, last_mac):
            head_seq = _head_seq(head)
            if head_seq is not None and head_seq > last_seq:
                problems.append(
                    AuditProblem(
                        last_seq + 1,
                        "truncated",
                        f"audit rows {last_seq + 1}..{head_seq} were cut off the end",
                    )
                )
            else:
                problems.append(
                    AuditProblem(last_seq, "head", "the audit log's end seal does not match")
                )
    return AuditVerification(count, tuple(problems))


def _head_seq(head: str) -> int | None:
    try:
        return int(head.split(":", 1)[0])
    except ValueError:
        return None


def _parse_at(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
