"""More on C6 and audited refusals: root-cause analyses of complaints are confidential as
the complaints are, and a refusal met inside a booking's transaction is audited like
every other (spec C6 "Complaint details are confidential (保密原则)", G5 root causes,
H2 home visits against the allowance, I1 roles, C3 attributable). Real encrypted
clinics from the fixtures.

Root causes (G5), as decided from C6 and the complaint-handling rules (seed 004: 投诉
接待工作人员必须坚持保密工作原则): everyone may list the analyses and start one (the
quality page shows them to all staff), but an analysis of a complaint may quote it, so
its texts (problem, whys, root cause, actions) go only to whoever reads that complaint's
details (customer service, the director, the complaint's owner: ``complaint()``'s rule)
and to the analysis's owner, who works on it. Others get the row with the texts withheld
and ``confidential`` set, as a redacted complaint; a problem found without a complaint is
for everyone. Listing writes no audit row, as the complaint list.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from typing import Any

import pytest

from clinic_desk.core.errors import PermissionDenied
from clinic_desk.core.security.audit import AuditEvent
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, complaints, membership, patients, rosters
from clinic_desk.core.services.base import Actor
from tests.conftest import ClinicFixture
from tests.reliability.helpers.roles import AUDIT_TABLE, audit_since, changed_tables, snapshot
from tests.unit.test_complaints import _record
from tests.unit.test_followups_plans import _actor
from tests.unit.test_membership_calendar import at, weekdays_from

# What the complaint and its analysis say: none of it may reach someone who may not read it.
SECRETS = ("王秀英", "挂号处排队太久", "13812345678", "窗口人员私自离岗", "张师傅", "调整午间排班")


@pytest.fixture
def people(cf: ClinicFixture) -> dict[str, Actor]:
    return {
        "desk": _actor(cf, Role.RECEPTIONIST, "desk1", "前台小张"),
        "desk2": _actor(cf, Role.RECEPTIONIST, "desk2", "前台小李"),
        "service": _actor(cf, Role.CUSTOMER_SERVICE, "service1", "客服小林"),
        "nurse": _actor(cf, Role.TRIAGE_NURSE, "nurse1", "护士小吴"),
        "doctor": _actor(cf, Role.DOCTOR, "dr.li", "李医生"),
        "director": cf.director,
    }


def _shown(cf: ClinicFixture, reader: Actor) -> dict[uuid.UUID, complaints.RootCauseView]:
    return {v.id: v for v in complaints.root_causes(cf.clinic, reader, status="all")}


def test_root_causes_of_a_complaint_are_withheld_from_who_may_not_read_it(
    cf: ClinicFixture, people: dict[str, Actor]
) -> None:
    """C6/G5 per role: the analyses of a complaint show their texts to customer service,
    the director, the complaint's owner and the analysis's owner; every other role gets
    the row (number, department, owner, due, status) with the texts withheld. A problem
    found without a complaint is shown to all. Listing writes nothing."""
    desk = people["desk"]
    cid = _record(cf, desk, contact="138 1234 5678").id
    number = complaints.complaint(cf.clinic, cf.director, cid).number
    quoted = complaints.start_root_cause(
        cf.clinic, cf.director, problem="王秀英投诉挂号处排队太久", complaint_id=cid,
        department="挂号处",
    ).value.id
    complaints.save_root_cause(
        cf.clinic, cf.director, quoted, whys=["窗口人员私自离岗"], root_cause="张师傅未交接",
        actions="调整午间排班",
    )
    doctors = complaints.start_root_cause(
        cf.clinic, cf.director, problem="王秀英说医生态度差", complaint_id=cid,
        owner_id=people["doctor"].staff_id,
    ).value.id
    general = complaints.start_root_cause(
        cf.clinic, people["nurse"], problem="候诊区空调故障", department="候诊区"
    ).value.id
    full = _shown(cf, cf.director)
    assert {v.id for v in full.values() if not v.confidential} == {quoted, doctors, general}
    # Who reads what: every role of the clinic, and the owners by the row.
    expected = {
        "director": {quoted, doctors, general},
        "service": {quoted, doctors, general},
        "desk": {quoted, doctors, general},  # owns the complaint (F3)
        "doctor": {doctors, general},  # owns that analysis, not the complaint
        "desk2": {general},
        "nurse": {general},
    }
    before = snapshot(cf.clinic)
    for who, readable in expected.items():
        seen = _shown(cf, people[who])
        assert set(seen) == {quoted, doctors, general}, who  # the list itself is for all
        assert {i for i, v in seen.items() if not v.confidential} == readable, who
        for i, view in seen.items():
            if i in readable:
                assert view == full[i], who
                continue
            # Withheld as a redacted complaint: what the list of complaints shows stays.
            said = repr(dataclasses.asdict(view))
            assert [s for s in SECRETS if s in said] == [], who
            assert (view.problem, view.whys, view.root_cause, view.actions) == ("", (), "", "")
            assert view == dataclasses.replace(
                full[i], problem="", whys=(), root_cause="", actions="", confidential=True
            )
            assert view.complaint_number == number
    assert changed_tables(before, snapshot(cf.clinic)) == {}
    # The right to read moves with the complaint (F3): handed over, the desk loses it.
    service = people["service"].staff_id
    assert service is not None
    complaints.hand_over(cf.clinic, desk, cid, to_staff_id=service, reason="转客服处理")
    assert {i for i, v in _shown(cf, desk).items() if not v.confidential} == {general}


# -- a refusal inside a booking's transaction (H2, I1) -----------------------------------


def _home_visits_used_up(cf: ClinicFixture) -> dict[str, Any]:
    """A doctor rostered Mon-Fri, a home-visit type, a member with the advanced tier's
    four home visits of the year booked (by the director)."""
    d = cf.director
    doctor = _actor(cf, Role.DOCTOR, "dr.home", "上门医生")
    assert doctor.staff_id is not None
    rosters.set_weekly_roster(
        cf.clinic, d, doctor.staff_id,
        [rosters.RosterBlock(day, 8 * 60, 17 * 60 + 30) for day in range(5)],
    )
    visit = rosters.add_appointment_type(
        cf.clinic, d, name="上门出诊", default_minutes=60, benefit_key="home_visits"
    ).value.id
    member = patients.register_patient(
        cf.clinic, d, family_name="赵", given_name="六", phone="13600004444"
    ).value.id
    tier = next(t for t in membership.list_tiers(cf.clinic, d) if t.code == "advanced")
    card = membership.enrol(
        cf.clinic, d, membership.EnrolInput(tier_id=tier.id, payer_id=member,
                                            starts_on=cf.clinic.today())
    ).value.id
    days = weekdays_from(date(2026, 12, 1), 5)
    for day in days[:4]:
        _book(cf, d, doctor.staff_id, member, visit, at(day, 14))
    return {"doctor": doctor.staff_id, "member": member, "visit": visit, "card": card,
            "next": at(days[4], 14)}


def _book(
    cf: ClinicFixture, actor: Actor, doctor: uuid.UUID, member: uuid.UUID, visit: uuid.UUID,
    start: datetime, **kw: Any,
) -> appointments.AppointmentView:
    return appointments.book(
        cf.clinic, actor, patient_id=member, doctor_id=doctor, starts_at=start, type_id=visit,
        channel="phone", identity_checked=True, **kw,
    ).value


def test_a_booking_past_the_allowance_refused_is_audited_once(
    cf: ClinicFixture, people: dict[str, Actor]
) -> None:
    """H2/I1: a receptionist who gives a reason to book a home visit past the member's
    allowance is refused (only the director may) with the same sentence as before, and
    the refusal, met inside the booking's transaction, is written as exactly one
    "membership.override" denial row naming her and the membership; nothing else is
    written (no booking, no use). The director's booking with the reason then passes."""
    setup = _home_visits_used_up(cf)
    before = snapshot(cf.clinic)
    with pytest.raises(PermissionDenied) as refused:
        _book(cf, people["desk"], setup["doctor"], setup["member"], setup["visit"],
              setup["next"], benefit_override_reason="术后需要上门换药")
    expected = PermissionDenied(role="receptionist", action="membership.override")
    assert (str(refused.value), refused.value.message()) == (str(expected), expected.message())
    rows = audit_since(cf.clinic, before.audit_seq)
    assert [
        (r.action, r.outcome, r.staff_login, r.role, r.object_type, r.object_id) for r in rows
    ] == [
        ("membership.override", "denied", "desk1", "receptionist", "membership",
         setup["card"].hex)
    ]
    assert not rows[0].break_glass
    assert changed_tables(before, snapshot(cf.clinic)) == {
        AUDIT_TABLE: (before.counts[AUDIT_TABLE], before.counts[AUDIT_TABLE] + 1)
    }
    booked = _book(cf, cf.director, setup["doctor"], setup["member"], setup["visit"],
                   setup["next"], benefit_override_reason="术后需要上门换药")
    assert booked.starts_at == setup["next"]
    denied = [r for r in audit_since(cf.clinic, before.audit_seq) if r.outcome == "denied"]
    assert len(denied) == 1  # the allowed booking added no refusal


def test_a_refusal_in_the_callers_transaction_survives_its_rollback(
    cf: ClinicFixture, people: dict[str, Actor]
) -> None:
    """I1/C3: ``record_use_in`` refuses a role that may neither manage memberships nor
    book (a doctor) inside the caller's open write transaction. The caller's own writes
    are rolled back; the one "membership.manage" denial row is not (written once the
    caller's transaction ended, through ``Clinic.require``)."""
    setup = _home_visits_used_up(cf)
    before = snapshot(cf.clinic)
    with pytest.raises(PermissionDenied) as refused:  # the caller's block, as a booking
        with cf.clinic.store.unit_of_work(write=True) as uow:
            cf.clinic.audit(uow, cf.director, AuditEvent(action="caller.write"))
            membership.record_use_in(
                cf.clinic, uow, people["doctor"], membership_id=setup["card"],
                patient_id=setup["member"], benefit_key="home_visits",
                day=date(2026, 12, 8),
            )
    expected = PermissionDenied(role="doctor", action="membership.manage")
    assert refused.value.message() == expected.message()
    rows = audit_since(cf.clinic, before.audit_seq)
    assert [(r.action, r.outcome, r.staff_login, r.object_id) for r in rows] == [
        ("membership.manage", "denied", "dr.li", setup["card"].hex)
    ]
    assert changed_tables(before, snapshot(cf.clinic)) == {
        AUDIT_TABLE: (before.counts[AUDIT_TABLE], before.counts[AUDIT_TABLE] + 1)
    }
