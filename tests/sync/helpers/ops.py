"""Many outbox operations quickly, through the real capture step (tests and bench only).

A service call is one transaction and one operation, and costs tens of
milliseconds (its commit waits for the disk). The fault tests and the bench need
hundreds or thousands of operations; ``make_ops`` makes each one as a commit
would (a changed patient field noted by the triggers, then ``capture`` turning
it into one outbox operation with its own clock), many per SQLite transaction.
The payloads are real ones, so the receiver applies them like any other.

Imported by the child process too, so it needs nothing from pytest.
"""

from __future__ import annotations

from typing import Any

FIELDS = ("desk_notes", "occupation", "address")


def patient_ids(clinic: Any) -> list[str]:
    return [r[0] for r in clinic.store.read_rows("SELECT id FROM patient ORDER BY id")]


def make_ops(
    clinic: Any, count: int, *, tag: str, column: str = "desk_notes", size: int = 0
) -> int:
    """``count`` operations, each changing ``column`` of one patient; returns the last seq."""
    if column not in FIELDS:
        raise ValueError(column)
    ids = patient_ids(clinic)
    filler = "填" * (size // 3)  # about ``size`` bytes of UTF-8 per operation
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        for i in range(count):
            conn.exec_driver_sql(
                f'UPDATE patient SET "{column}" = ? WHERE id = ?',
                (f"{tag} {i} {filler}", ids[i % len(ids)]),
            )
            clinic.store.sync_capture(conn)  # what every commit does: one operation
        last = conn.exec_driver_sql("SELECT max(seq) FROM sync_outbox").scalar()
        uow.commit()
    return int(last or 0)
