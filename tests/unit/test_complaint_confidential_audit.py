"""Reading complaint details is attributable, refusals go through the common helpers
(spec C6 "Complaint details are confidential (保密原则)", C3 "every read ... attributable",
A5 the booking cutoff, I1 roles). A real encrypted clinic from the fixtures.

C6 as implemented: whoever may read a complaint's details (its owner, customer service,
the director) gets them, and each opening of one complaint writes one "complaint.read"
row (who, which complaint, its patient). Lists and the director's notice show only
summaries and write nothing, as patient search does. A redacted opening (someone else's
complaint) shows only what the list shows and writes nothing either: a part withheld is
neither a read nor a refusal (as check-in's allergies for a receptionist). A refused
step writes the one usual denial row and returns nothing.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clinic_desk.core.errors import PermissionDenied
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, audit_log, complaints, patients
from clinic_desk.core.services import base as base_service
from clinic_desk.core.store.models import AuditEntry
from tests.conftest import ClinicFixture
from tests.reliability.helpers.roles import AUDIT_TABLE, audit_since, changed_tables, snapshot
from tests.unit.test_complaints import _record
from tests.unit.test_followups_plans import _actor

SERVICES = Path(base_service.__file__).resolve().parent
# What the complaint below says and who made it: none of it may reach a redacted reader.
SECRETS = ("挂号处排队太久", "王秀英", "138 1234 5678", "13812345678", "朝阳区幸福路")


@pytest.fixture
def people(cf: ClinicFixture) -> dict[str, Any]:
    patient = patients.register_patient(
        cf.clinic, cf.director, family_name="王", given_name="秀英", sex="F",
        phone="13812345678",
    ).value.id
    return {
        "desk": _actor(cf, Role.RECEPTIONIST, "desk1", "前台小张"),
        "desk2": _actor(cf, Role.RECEPTIONIST, "desk2", "前台小李"),
        "service": _actor(cf, Role.CUSTOMER_SERVICE, "service1", "客服小林"),
        "patient": patient,
    }


def _new_rows(cf: ClinicFixture, seq: int) -> list[AuditEntry]:
    return audit_since(cf.clinic, seq)


def _head(cf: ClinicFixture) -> int:
    return snapshot(cf.clinic).audit_seq


def _reads(rows: list[AuditEntry]) -> list[tuple[str, str, str, str]]:
    return [
        (r.staff_login, r.object_type, r.object_id, r.outcome)
        for r in rows
        if r.action == "complaint.read"
    ]


def test_each_opening_of_a_complaint_writes_one_read_row_and_lists_write_none(
    cf: ClinicFixture, people: dict[str, Any]
) -> None:
    """C6/C3: opening a complaint's details writes one "complaint.read" row naming the
    reader, the complaint and its patient; the list, a search, the overdue badge and the
    director's escalation notice show summaries only and write no row at all."""
    desk, service = people["desk"], people["service"]
    first = _record(cf, desk, patient_id=people["patient"], severity="serious").id
    second = _record(cf, desk, content="药房取药等了一个小时").id
    seq = _head(cf)
    for reader in (desk, service, cf.director):
        listed = complaints.list_complaints(cf.clinic, reader, status="all")
        assert {c.id for c in listed} == {first, second}
        assert not any(c.confidential for c in listed)  # they see the gists, unaudited
        complaints.list_complaints(cf.clinic, reader, search="排队")
        complaints.overdue_count(cf.clinic, reader, mine=False)
    assert [c.id for c in complaints.escalations_to_see(cf.clinic, cf.director)] == [first]
    assert _new_rows(cf, seq) == []

    view = complaints.complaint(cf.clinic, service, first)
    assert view.content.startswith("挂号处排队太久") and view.contact == "138 1234 5678"
    rows = _new_rows(cf, seq)
    assert len(rows) == 1
    (row,) = rows
    assert (row.action, row.outcome, row.staff_id, row.staff_login, row.role) == (
        "complaint.read", "ok", service.staff_id, "service1", "customer_service"
    )
    assert (row.object_type, row.object_id, row.patient_id) == (
        "complaint", first.hex, people["patient"]
    )
    # One row per opening: again, and another complaint, and another reader.
    complaints.complaint(cf.clinic, service, first)
    complaints.complaint(cf.clinic, cf.director, second)
    complaints.complaint(cf.clinic, desk, second)  # the owner
    assert _reads(_new_rows(cf, seq)) == [
        ("service1", "complaint", first.hex, "ok"),
        ("service1", "complaint", first.hex, "ok"),
        ("wang.li", "complaint", second.hex, "ok"),
        ("desk1", "complaint", second.hex, "ok"),
    ]
    # The audit report (the director's reading of the log) shows the read by the patient.
    report = audit_log.audit_report(cf.clinic, cf.director, patient_id=people["patient"])
    by_patient = [(r.staff_login, r.object_id) for r in report if r.action == "complaint.read"]
    assert by_patient == [("service1", first.hex)] * 2


def test_a_redacted_opening_writes_no_row_and_carries_nothing_confidential(
    cf: ClinicFixture, people: dict[str, Any]
) -> None:
    """C6: a colleague who does not own the complaint sees that it exists (number,
    department, stage) and none of its details; nothing was read, nothing refused, so
    no audit row (as the role matrix's "withheld" rule and check-in's allergies)."""
    cid = _record(
        cf, people["desk"], patient_id=people["patient"], address="朝阳区幸福路1号"
    ).id
    complaints.record_contact(cf.clinic, people["desk"], cid, note="已电话联系王秀英本人")
    before = snapshot(cf.clinic)
    hidden = complaints.complaint(cf.clinic, people["desk2"], cid)
    assert hidden.confidential and hidden.number == "TS-2026-0001"
    assert hidden.department == "挂号处" and [e.kind for e in hidden.events][-1] == "contacted"
    shown = repr(dataclasses.asdict(hidden))
    assert [s for s in SECRETS if s in shown] == []
    assert hidden.patient_id is None
    assert changed_tables(before, snapshot(cf.clinic)) == {}


def test_a_refused_step_writes_one_denial_row_and_returns_nothing(
    cf: ClinicFixture, people: dict[str, Any]
) -> None:
    """C6/I1: a colleague may not work someone else's complaint: the step is refused
    with the usual PermissionDenied, one "complaint.handle" denial row names them and
    the complaint, no read is recorded and the error carries none of the details."""
    cid = _record(cf, people["desk"], patient_id=people["patient"]).id
    before = snapshot(cf.clinic)
    with pytest.raises(PermissionDenied) as refused:
        complaints.record_contact(cf.clinic, people["desk2"], cid, note="试图处理")
    said = str(refused.value) + refused.value.message()
    assert [s for s in SECRETS if s in said] == []
    rows = _new_rows(cf, before.audit_seq)
    assert [(r.action, r.outcome, r.staff_login, r.object_type, r.object_id) for r in rows] == [
        ("complaint.handle", "denied", "desk2", "complaint", cid.hex)
    ]
    assert set(changed_tables(before, snapshot(cf.clinic))) == {AUDIT_TABLE}


def test_a_root_cause_save_refused_through_the_common_denial(
    cf: ClinicFixture, people: dict[str, Any]
) -> None:
    """I1/G5 (C6 loop): a 5-Why analysis is saved by its owner, customer service or the
    director; anyone else is refused with exactly one denial row for the analysis, the
    same PermissionDenied sentence as every other refusal, and nothing saved."""
    cid = _record(cf, people["desk"]).id
    cause = complaints.start_root_cause(
        cf.clinic, cf.director, problem="排队时间长", complaint_id=cid
    ).value.id
    before = snapshot(cf.clinic)
    with pytest.raises(PermissionDenied) as refused:
        complaints.save_root_cause(
            cf.clinic, people["desk2"], cause, whys=["人手不足"], root_cause="排班", actions="加人"
        )
    expected = PermissionDenied(role="receptionist", action="complaint.handle")
    assert refused.value.message() == expected.message()
    rows = _new_rows(cf, before.audit_seq)
    assert [(r.action, r.outcome, r.staff_login, r.object_type, r.object_id) for r in rows] == [
        ("complaint.handle", "denied", "desk2", "root_cause", cause.hex)
    ]
    assert set(changed_tables(before, snapshot(cf.clinic))) == {AUDIT_TABLE}
    saved = complaints.save_root_cause(
        cf.clinic, people["service"], cause, whys=["人手不足"], root_cause="排班", actions="加人"
    ).value
    assert saved.root_cause == "排班"


def test_a_booking_past_the_cutoff_is_refused_through_require(
    cf: ClinicFixture, people: dict[str, Any]
) -> None:
    """A5/I1: a receptionist booking today (past the cutoff) gets the cutoff sentence and
    exactly one "booking.override" denial row, which keeps the day it was for."""
    today = cf.clinic.today()
    start = datetime.combine(today, datetime.min.time(), cf.clinic.timezone()) + timedelta(
        hours=17
    )
    # The cutoff is judged before the doctor is looked up: any staff id will do.
    doctor = cf.director.staff_id
    assert doctor is not None
    before = snapshot(cf.clinic)
    with pytest.raises(appointments.CutoffPassed, match="Only the director"):
        appointments.book(
            cf.clinic, people["desk"], patient_id=people["patient"],
            doctor_id=doctor, starts_at=start, minutes=15, channel="phone",
            identity_checked=True, confirm={"after_cutoff"}, override_reason="老病人复查",
        )
    rows = _new_rows(cf, before.audit_seq)
    assert [(r.action, r.outcome, r.staff_login, r.object_type) for r in rows] == [
        ("booking.override", "denied", "desk1", "appointment")
    ]
    assert json.loads(rows[0].detail) == {"day": today.isoformat()}
    assert set(changed_tables(before, snapshot(cf.clinic))) == {AUDIT_TABLE}


def _denial_writers() -> set[str]:
    """Service functions that build a denied audit event themselves."""
    found: set[str] = set()
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Module functions and class methods (``Clinic.require``); nested ones are inside.
        tops = [
            f
            for node in tree.body
            for f in (node.body if isinstance(node, ast.ClassDef) else [node])
            if isinstance(f, ast.FunctionDef)
        ]
        for top in tops:
            for n in ast.walk(top):
                if isinstance(n, ast.keyword) and n.arg == "outcome" and (
                    isinstance(n.value, ast.Constant) and n.value.value == "denied"
                ):
                    found.add(f"{path.stem}.{top.name}")
    return found


def test_denial_rows_are_written_only_by_the_common_helpers() -> None:
    """I1/C6: a refusal is audited by ``Clinic.require`` (by role) or, for refusals by
    the row (the complaint's owner may, F3), by ``complaints._deny``; no service writes
    its own denial row, so every refusal is one row of the same shape."""
    assert _denial_writers() == {"base.require", "complaints._deny"}

