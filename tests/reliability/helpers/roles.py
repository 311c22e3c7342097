"""Looking inside a clinic around one service call: row counts and the audit rows it added.

Used by the role matrix (issue 12): a refused call must add exactly one audit row
and change nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from clinic_desk.core.services.base import Clinic
from clinic_desk.core.store.models import AuditEntry

AUDIT_TABLE = AuditEntry.__tablename__


@dataclass(frozen=True)
class Snapshot:
    """Every table's row count, and the newest audit sequence number."""

    counts: dict[str, int]
    audit_seq: int


def snapshot(clinic: Clinic) -> Snapshot:
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        tables = [
            name
            for (name,) in s.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            )
        ]
        # Table names come from sqlite_master itself, not from input.
        counts = {
            t: int(s.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in tables
        }
        seq = s.execute(select(func.coalesce(func.max(AuditEntry.seq), 0))).scalar_one()
    return Snapshot(counts, int(seq))


def audit_since(clinic: Clinic, seq: int) -> list[AuditEntry]:
    """The audit rows written after ``seq``, oldest first (detached plain objects)."""
    with clinic.store.unit_of_work(write=False) as uow:
        rows = list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)
            ).scalars()
        )
        uow.session.expunge_all()
    return rows


def changed_tables(before: Snapshot, after: Snapshot) -> dict[str, tuple[int, int]]:
    """Tables whose row count differs, as (before, after)."""
    names = set(before.counts) | set(after.counts)
    return {
        t: (before.counts.get(t, -1), after.counts.get(t, -1))
        for t in sorted(names)
        if before.counts.get(t) != after.counts.get(t)
    }
