"""Reading the audit log: the report by time, staff and patient, and the chain check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from clinic_desk.core.errors import DateOutOfRange
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.store.models import AuditEntry

MAX_ROWS = 10_000


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    staff_login: str
    role: str
    workstation: str
    action: str
    object_type: str
    object_id: str
    patient_id: uuid.UUID | None
    outcome: str
    break_glass: bool
    reason: str
    detail: str


def audit_report(
    clinic: Clinic,
    actor: Actor,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    staff_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    break_glass_only: bool = False,
    limit: int = 1000,
) -> list[AuditRow]:
    """Rows newest first; looking at the log is itself logged."""
    clinic.require(actor, Action.AUDIT_READ)
    try:  # year 1 or 9999 in a far time zone has no UTC instant to compare with
        since, until = (t if not (t and t.tzinfo) else t.astimezone(UTC) for t in (since, until))
    except OverflowError:
        raise DateOutOfRange() from None
    top = max(1, min(int(limit), MAX_ROWS))  # SQLite reads a negative LIMIT as "all"
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(top)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    if staff_id is not None:
        stmt = stmt.where(AuditEntry.staff_id == staff_id)
    if patient_id is not None:
        stmt = stmt.where(AuditEntry.patient_id == patient_id)
    if break_glass_only:
        stmt = stmt.where(AuditEntry.break_glass.is_(True))
    with clinic.store.unit_of_work(write=False) as uow:
        rows = [
            AuditRow(
                e.seq, e.at, e.staff_login, e.role, e.workstation, e.action, e.object_type,
                e.object_id, e.patient_id, e.outcome, e.break_glass, e.reason, e.detail,
            )
            for e in uow.session.execute(stmt).scalars()
        ]
    clinic.audit_now(
        actor,
        audit.AuditEvent(
            action="audit.read",
            patient_id=patient_id,
            detail=f"{len(rows)} rows",
        ),
    )
    return rows


def verify_audit(clinic: Clinic) -> audit.AuditVerification:
    with clinic.store.connection() as conn:
        result = audit.verify(conn, clinic.store.audit_key)
        conn.rollback()
    return result
