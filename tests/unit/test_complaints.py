"""Complaints end to end (issue 10, spec F1-F6, C6, G5): intake and ownership, every step
of the loop, deadlines across CN holidays and time zones (through the service), closing
and reopening, escalation, confidentiality, the suggestion box, training cases, root
causes, bad input and the list's speed. A real encrypted clinic from the fixtures."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic_desk.core.errors import ClinicError, NotFound, PermissionDenied, ValidationError
from clinic_desk.core.rules import holidays
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import complaints, followups, patients, rosters, staff
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.clinical import InvalidEntry
from clinic_desk.core.services.complaints import ComplaintInput
from clinic_desk.core.services.followups import CallEntry
from clinic_desk.core.services.settings import update_settings
from clinic_desk.core.store.base import new_id
from clinic_desk.core.store.models import AuditEntry, Complaint, ComplaintEvent
from tests.conftest import ClinicFixture
from tests.unit.test_followups_plans import _actor

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


@pytest.fixture
def w(cf: ClinicFixture) -> dict[str, Any]:
    patient = patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="王",
        given_name="秀英",
        sex="F",
        birth_date=date(1980, 1, 1),
        phone="13812345678",
        id_kind="resident_id",
        id_number="110105198001010024",
    ).value.id
    return {
        "cf": cf,
        "desk": _actor(cf, Role.RECEPTIONIST, "desk1", "前台小张"),
        "desk2": _actor(cf, Role.RECEPTIONIST, "desk2", "前台小李"),
        "service": _actor(cf, Role.CUSTOMER_SERVICE, "service1", "客服小林"),
        "pharmacist": _actor(cf, Role.PHARMACIST, "pharm1", "药师老陈"),
        "doctor": _actor(cf, Role.DOCTOR, "dr.li", "李医生"),
        "patient": patient,
    }


def _record(cf: ClinicFixture, actor: Actor, **fields: Any) -> complaints.ComplaintView:
    data: dict[str, Any] = {
        "channel": "in_person",
        "content": "挂号处排队太久，工作人员态度冷淡。",
        "complainant": "王秀英",
        "contact": "138 1234 5678",
        "department": "挂号处",
    }
    data.update(fields)
    return complaints.record_complaint(cf.clinic, actor, ComplaintInput(**data)).value


def _audited(cf: ClinicFixture, action: str, outcome: str = "ok") -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(
            uow.session.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == action, AuditEntry.outcome == outcome)
            ).scalar_one()
        )


def _count(cf: ClinicFixture) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(uow.session.execute(select(func.count()).select_from(Complaint)).scalar_one())


def _due(view: complaints.ComplaintView) -> dict[str, datetime]:
    return {d.step: d.due_at.astimezone(SHANGHAI) for d in view.deadlines}


# -- the whole loop ------------------------------------------------------------------------------


def test_a_complaint_goes_through_every_step_of_the_loop(w: dict[str, Any]) -> None:
    cf, desk, service, doctor = w["cf"], w["desk"], w["service"], w["doctor"]
    received = _record(cf, desk, patient_id=w["patient"])
    assert received.owner_id == desk.staff_id and received.owner_name == "前台小张"
    assert received.recorded_by_name == "前台小张"
    assert (received.number, received.stage, received.status) == (
        "TS-2026-0001",
        "received",
        "open",
    )
    assert received.patient_name == "王秀英" and not received.confidential
    assert [d.step for d in received.deadlines] == [
        "accept",
        "contact",
        "simple_answer",
        "solution",
        "close",
        "rectify",
    ]
    assert received.next_deadline is not None and received.next_deadline.step == "accept"
    assert received.next_deadline.left_minutes == 60
    cid = received.id

    cf.clock.advance(minutes=20)
    written = complaints.accept(cf.clinic, desk, cid)
    assert written.changes.touches(Topic.COMPLAINTS) and cid in written.changes.ids
    assert written.value.stage == "accepted" and written.value.accepted_at == cf.clock.now
    accept = next(d for d in written.value.deadlines if d.step == "accept")
    assert (accept.overdue, accept.left_minutes) == (False, None)
    assert written.value.next_deadline is not None
    assert written.value.next_deadline.step == "contact"

    cf.clock.advance(minutes=30)
    view = complaints.record_contact(cf.clinic, desk, cid, note="电话联系，已致歉").value
    assert view.stage == "contacted"
    view = complaints.record_answer(cf.clinic, desk, cid, response="已调整挂号流程").value
    assert view.stage == "answered" and view.response == "已调整挂号流程"
    view = complaints.record_solution(cf.clinic, desk, cid, solution="增开一个窗口").value
    assert view.response == "已调整挂号流程\n\n增开一个窗口" and view.solution_at is not None

    due = cf.clinic.today() + timedelta(days=10)
    view = complaints.set_rectification(
        cf.clinic, service, cid, action="高峰期增开窗口", owner_id=doctor.staff_id, due=due
    ).value
    assert (view.stage, view.rectify_owner_name, view.rectify_due) == ("rectifying", "李医生", due)
    # The rectification's owner may record it done, and sees what to change, not who complained.
    as_doctor = complaints.complaint(cf.clinic, doctor, cid)
    assert as_doctor.confidential and as_doctor.rectification == "高峰期增开窗口"
    assert as_doctor.content == "" and as_doctor.complainant == ""
    view = complaints.record_rectified(cf.clinic, doctor, cid, note="已增开3号窗口").value
    assert view.rectified_at is not None

    cf.clock.advance(hours=1)
    view = complaints.record_reply(
        cf.clinic, desk, cid, channel="phone", text="已电话告知整改结果，患者表示满意"
    ).value
    assert (view.stage, view.reply_channel, view.reply_at) == ("replied", "phone", cf.clock.now)
    case = complaints.add_training_case(
        cf.clinic,
        desk,
        cid,
        title="挂号高峰期排队",
        summary="一位患者在高峰期排队过久并投诉服务态度。",
        lessons="高峰期提前增开窗口，主动解释等候时间。",
    ).value
    assert case.department == "挂号处" and case.created_by_name == "前台小张"
    closed = complaints.close(cf.clinic, desk, cid, note="患者满意").value
    assert (closed.status, closed.stage, closed.closed_by_name) == ("closed", "closed", "前台小张")
    assert closed.case_id == case.id and not closed.may_edit
    assert closed.next_deadline is None and not closed.overdue
    assert all(d.done_at is not None and not d.overdue for d in closed.deadlines)
    assert [e.kind for e in closed.events] == [
        "received",
        "accepted",
        "contacted",
        "answered",
        "solution",
        "rectification_set",
        "rectified",
        "replied",
        "case_added",
        "closed",
    ]
    assert closed.events[-1].by_name == "前台小张" and closed.events[-1].note == "患者满意"
    for action in (
        "complaint.record",
        "complaint.accept",
        "complaint.contact",
        "complaint.answer",
        "complaint.solution",
        "complaint.rectify_set",
        "complaint.rectified",
        "complaint.reply",
        "complaint.case",
        "complaint.close",
    ):
        assert _audited(cf, action) == 1, action
    assert [c.title for c in complaints.training_cases(cf.clinic, w["pharmacist"])] == [
        "挂号高峰期排队"
    ]


def test_a_contact_made_before_accepting_accepts_it(w: dict[str, Any]) -> None:
    cf, desk = w["cf"], w["desk"]
    cid = _record(cf, desk).id
    view = complaints.record_contact(cf.clinic, desk, cid, note="当面沟通").value
    assert view.accepted_at == view.contacted_at == cf.clock.now
    with pytest.raises(ValidationError, match="accepted already"):
        complaints.accept(cf.clinic, desk, cid)
    with pytest.raises(InvalidEntry) as empty:
        complaints.record_contact(cf.clinic, desk, cid, note="   ")
    assert empty.value.field == "note"


# -- deadlines through the service (F4), across CN holidays ---------------------------------------


def test_the_holiday_data_is_what_the_deadline_table_assumes() -> None:
    national = [date(2026, 10, 1) + timedelta(days=i) for i in range(7)]
    assert all(holidays.day_info(d, "CN").is_holiday for d in national)
    assert not holidays.day_info(date(2026, 9, 30), "CN").is_holiday
    assert not holidays.day_info(date(2026, 10, 8), "CN").is_holiday
    spring = [date(2027, 2, 5) + timedelta(days=i) for i in range(6)]
    assert all(holidays.day_info(d, "CN").is_holiday for d in spring)
    assert not holidays.day_info(date(2027, 2, 4), "CN").is_holiday
    assert not holidays.day_info(date(2027, 2, 11), "CN").is_holiday
    # Nothing else off between them and the longest deadline (20 days on).
    later = [date(2027, 2, 11) + timedelta(days=i) for i in range(30)]
    assert not any(holidays.day_info(d, "CN").is_holiday for d in later)
    assert date(2026, 11, 20).weekday() == 4  # a Friday
    assert not any(
        holidays.day_info(date(2026, 11, 20) + timedelta(days=i), "CN").is_holiday
        for i in range(40)
    )


DEADLINE_TABLE = [
    pytest.param(
        local(2026, 9, 30, 16, 0),
        "simple",
        {
            "accept": local(2026, 9, 30, 17, 0),
            "contact": local(2026, 9, 30, 18, 0),
            "solution": local(2026, 10, 2, 16, 0),  # clock hours run through the holiday
            "simple_answer": local(2026, 10, 9),  # Oct 1-7 skipped: end of Oct 8
            "close": local(2026, 10, 15),  # end of Oct 14
            "rectify": local(2026, 10, 23),
        },
        id="eve-of-national-day",
    ),
    pytest.param(
        local(2026, 9, 30, 16, 0),
        "complex",
        {"complex_answer": local(2026, 10, 28), "close": local(2026, 10, 15)},
        id="eve-of-national-day-complex",
    ),
    pytest.param(
        local(2026, 11, 20, 10, 0),
        "simple",
        {
            "simple_answer": local(2026, 11, 22),  # the weekend counts (a clinic works it)
            "close": local(2026, 11, 28),
            "rectify": local(2026, 12, 6),
        },
        id="a-friday",
    ),
    pytest.param(
        local(2027, 2, 4, 15, 0),
        "simple",
        {
            "solution": local(2027, 2, 6, 15, 0),
            "simple_answer": local(2027, 2, 12),  # Feb 5-10 skipped: end of Feb 11
            "close": local(2027, 2, 18),
            "rectify": local(2027, 2, 26),
        },
        id="day-before-spring-festival-2027",
    ),
    pytest.param(
        local(2027, 2, 4, 15, 0),
        "complex",
        {"complex_answer": local(2027, 3, 3)},
        id="day-before-spring-festival-2027-complex",
    ),
]


@pytest.mark.parametrize(("received", "complexity", "expected"), DEADLINE_TABLE)
def test_deadlines_across_cn_holidays(
    w: dict[str, Any], received: datetime, complexity: str, expected: dict[str, datetime]
) -> None:
    cf = w["cf"]
    cf.clock.now = received.astimezone(UTC) + timedelta(minutes=10)
    view = _record(cf, w["service"], received_at=received, complexity=complexity)
    due = _due(view)
    for step, when in expected.items():
        assert due[step] == when, step
    other = "complex_answer" if complexity == "simple" else "simple_answer"
    assert other not in due
    # The same, for a complaint not yet saved (the UI's rectification default).
    preview = complaints.complaint_deadlines_for(cf.clinic, received, complexity)
    assert {d.step: d.due_at for d in preview} == {d.step: d.due_at for d in view.deadlines}


def test_a_clinic_closure_and_the_settings_move_day_deadlines(w: dict[str, Any]) -> None:
    cf = w["cf"]
    friday = local(2026, 11, 20, 10, 0)
    cid = _record(cf, w["service"], received_at=friday).id
    rosters.add_closure(cf.clinic, cf.director, date(2026, 11, 21), "装修")
    due = _due(complaints.complaint(cf.clinic, w["service"], cid))
    assert due["simple_answer"] == local(2026, 11, 23)  # Saturday closed: Sunday counts
    assert due["close"] == local(2026, 11, 29)
    update_settings(
        cf.clinic,
        cf.director,
        {"complaints.close_days": 3, "complaints.accept_within_hours": 2},
    )
    cf.clinic.forget_settings()
    due = _due(complaints.complaint(cf.clinic, w["service"], cid))
    assert due["close"] == local(2026, 11, 25) and due["accept"] == local(2026, 11, 20, 12, 0)
    update_settings(cf.clinic, cf.director, {"complaints.skip_holidays": False})
    cf.clinic.forget_settings()
    assert _due(complaints.complaint(cf.clinic, w["service"], cid))["close"] == local(2026, 11, 24)


def test_a_complaint_at_2330_local_counts_the_local_day(w: dict[str, Any]) -> None:
    cf = w["cf"]
    late = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai, Monday
    cf.clock.now = late + timedelta(minutes=5)
    view = _record(cf, w["service"], received_at=late)
    assert view.received_at == late
    assert _due(view)["simple_answer"] == local(2026, 11, 25)  # end of Tuesday, local
    cf.clock.now = late + timedelta(hours=1, minutes=5)  # 00:35 Tuesday local
    tuesday = _record(cf, w["service"], received_at=late + timedelta(hours=1))
    assert _due(tuesday)["simple_answer"] == local(2026, 11, 26)
    assert (
        complaints.list_complaints(cf.clinic, w["service"], first=date(2026, 11, 24))[0].id
        == tuesday.id
    )


def test_a_clinic_in_another_time_zone_counts_its_own_days(w: dict[str, Any]) -> None:
    cf = w["cf"]
    york = ZoneInfo("America/New_York")
    update_settings(cf.clinic, cf.director, {"clinic.timezone": "America/New_York"})
    cf.clinic.forget_settings()
    received = local(2026, 11, 20, 23, 30, zone=york)  # Friday night in New York
    cf.clock.now = received.astimezone(UTC) + timedelta(minutes=1)
    view = _record(cf, w["service"], received_at=received)
    due = {d.step: d.due_at for d in view.deadlines}
    assert due["simple_answer"] == local(2026, 11, 22, zone=york)  # end of Saturday, there
    assert due["accept"] == local(2026, 11, 21, 0, 30, zone=york)
    assert due["close"] == local(2026, 11, 28, zone=york)


def test_overdue_steps_turn_the_complaint_red_and_lead_the_list(w: dict[str, Any]) -> None:
    cf, desk, service = w["cf"], w["desk"], w["service"]
    older = _record(cf, desk, complainant="甲").id
    cf.clock.advance(minutes=30)
    newer = _record(cf, desk, complainant="乙").id
    done = _record(cf, service, complainant="丙", channel="phone").id
    complaints.record_reply(cf.clinic, service, done, channel="phone", text="已答复")
    complaints.close(cf.clinic, service, done)
    cf.clock.advance(minutes=45)  # older: 75 min, accept overdue; newer: 45 min
    listed = complaints.list_complaints(cf.clinic, service, status="all")
    assert [c.id for c in listed] == [older, newer, done]
    assert [c.overdue for c in listed] == [True, False, False]
    assert listed[0].next_deadline is not None and listed[0].next_deadline.left_minutes == -15
    assert listed[0].next_deadline.overdue
    assert complaints.overdue_count(cf.clinic, desk, mine=True) == 1
    assert complaints.overdue_count(cf.clinic, service, mine=True) == 0
    assert complaints.overdue_count(cf.clinic, service, mine=False) == 1
    assert [c.id for c in complaints.list_complaints(cf.clinic, service, overdue_only=True)] == [
        older
    ]
    # Accepted late: done, but marked late on its step; no longer red.
    view = complaints.accept(cf.clinic, desk, older).value
    step = next(d for d in view.deadlines if d.step == "accept")
    assert step.overdue and step.done_at is not None and not view.overdue
    assert [c.id for c in complaints.list_complaints(cf.clinic, service, status="closed")] == [done]


def test_the_number_counts_within_the_clinics_local_year(w: dict[str, Any]) -> None:
    cf = w["cf"]
    cf.clock.now = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    last_of_2026 = _record(cf, w["service"], received_at=local(2026, 12, 31, 23, 30))
    first_of_2027 = _record(cf, w["service"], received_at=local(2027, 1, 1, 0, 30))
    # Received earlier, entered later: the number follows the order of receipt.
    earlier = _record(cf, w["service"], received_at=local(2026, 12, 30, 9, 0))
    numbers = {
        c.id: c.number for c in complaints.list_complaints(cf.clinic, w["service"], status="all")
    }
    assert numbers[earlier.id] == "TS-2026-0001"
    assert numbers[last_of_2026.id] == "TS-2026-0002"
    assert numbers[first_of_2027.id] == "TS-2027-0001"
    assert complaints.complaint(cf.clinic, w["service"], last_of_2026.id).number == "TS-2026-0002"


# -- closing and reopening (F6) ------------------------------------------------------------------


def test_closing_needs_a_reply_and_a_finished_rectification(w: dict[str, Any]) -> None:
    cf, desk = w["cf"], w["desk"]
    cid = _record(cf, desk).id
    with pytest.raises(ValidationError, match="has not had a reply"):
        complaints.close(cf.clinic, desk, cid, note="已处理")
    complaints.set_rectification(
        cf.clinic, desk, cid, action="培训", owner_id=desk.staff_id, due=cf.clinic.today()
    )
    complaints.record_reply(cf.clinic, desk, cid, channel="wechat", text="已微信回复")
    with pytest.raises(ValidationError, match="rectification is not done"):
        complaints.close(cf.clinic, desk, cid)
    with pytest.raises(InvalidEntry) as past:
        complaints.set_rectification(
            cf.clinic,
            desk,
            cid,
            action="培训",
            owner_id=desk.staff_id,
            due=cf.clinic.today() - timedelta(days=1),
        )
    assert past.value.field == "due"
    complaints.record_rectified(cf.clinic, desk, cid, note="已培训")
    assert complaints.close(cf.clinic, desk, cid).value.status == "closed"
    assert _audited(cf, "complaint.close") == 1


def test_a_reply_time_cannot_be_before_receipt_or_naive(w: dict[str, Any]) -> None:
    cf, desk = w["cf"], w["desk"]
    cid = _record(cf, desk).id
    with pytest.raises(InvalidEntry) as early:
        complaints.record_reply(
            cf.clinic,
            desk,
            cid,
            channel="letter",
            text="回信",
            replied_at=cf.clock.now - timedelta(days=1),
        )
    assert early.value.field == "replied_at"
    with pytest.raises(InvalidEntry, match="time zone"):
        complaints.record_reply(
            cf.clinic, desk, cid, channel="letter", text="回信", replied_at=datetime(2026, 11, 23)
        )
    with pytest.raises(InvalidEntry) as channel:
        complaints.record_reply(cf.clinic, desk, cid, channel="pigeon", text="回信")
    assert channel.value.field == "channel"


def test_a_closed_complaint_is_reopened_with_a_reason_before_any_change(
    w: dict[str, Any],
) -> None:
    cf, service = w["cf"], w["service"]
    cid = _record(cf, service).id
    complaints.record_reply(cf.clinic, service, cid, channel="phone", text="已答复")
    complaints.close(cf.clinic, service, cid)
    edits = [
        lambda: complaints.accept(cf.clinic, service, cid),
        lambda: complaints.record_answer(cf.clinic, service, cid, response="补充"),
        lambda: complaints.record_reply(cf.clinic, service, cid, channel="phone", text="再答复"),
        lambda: complaints.set_details(cf.clinic, service, cid, severity="serious"),
        lambda: complaints.hand_over(
            cf.clinic, service, cid, to_staff_id=w["desk"].staff_id, reason="转交"
        ),
        lambda: complaints.close(cf.clinic, service, cid),
    ]
    for edit in edits:
        with pytest.raises(ValidationError) as refused:
            edit()
        assert refused.value.message() == (
            "This complaint is closed. Reopen it (with a reason) to change it."
        )
    with pytest.raises(InvalidEntry) as no_reason:
        complaints.reopen(cf.clinic, service, cid, reason=" ")
    assert no_reason.value.field == "reason"
    view = complaints.reopen(cf.clinic, service, cid, reason="患者再次来电不满").value
    assert (view.status, view.reopened, view.closed_at, view.stage) == ("open", 1, None, "replied")
    assert view.events[-1].kind == "reopened" and view.events[-1].note == "患者再次来电不满"
    with pytest.raises(ValidationError, match="open already"):
        complaints.reopen(cf.clinic, service, cid, reason="再开")
    view = complaints.record_answer(cf.clinic, service, cid, response="再次致歉并退费").value
    assert view.response == "再次致歉并退费"
    assert _audited(cf, "complaint.reopen") == 1
    # A note is not a change to a step: allowed on a closed complaint.
    complaints.close(cf.clinic, service, cid)
    assert complaints.add_note(cf.clinic, service, cid, note="归档").value.events[-1].kind == "note"


# -- escalation (F5) -----------------------------------------------------------------------------


def test_a_serious_complaint_is_escalated_to_the_director(w: dict[str, Any]) -> None:
    cf, desk, service = w["cf"], w["desk"], w["service"]
    serious = _record(cf, desk, severity="serious")
    assert serious.escalated and serious.escalated_at == cf.clock.now
    assert [e.kind for e in serious.events] == ["received", "escalated"]
    normal = _record(cf, desk)
    assert not normal.escalated
    assert [c.id for c in complaints.escalations_to_see(cf.clinic, cf.director)] == [serious.id]
    assert complaints.escalations_to_see(cf.clinic, service) == []
    assert _audited(cf, "complaint.escalate") == 1
    with pytest.raises(PermissionDenied):
        complaints.mark_escalation_seen(cf.clinic, service, serious.id)
    assert _audited(cf, "complaint.handle", "denied") == 1
    complaints.mark_escalation_seen(cf.clinic, cf.director, serious.id)
    assert complaints.escalations_to_see(cf.clinic, cf.director) == []
    assert _audited(cf, "complaint.escalation_seen") == 1
    view = complaints.complaint(cf.clinic, cf.director, serious.id)
    assert view.escalation_seen_at == cf.clock.now and view.events[-1].kind == "escalation_seen"
    with pytest.raises(ValidationError, match="not escalated"):
        complaints.mark_escalation_seen(cf.clinic, cf.director, normal.id)
    # Raised to serious later: escalated then, once.
    raised = complaints.set_details(cf.clinic, service, normal.id, severity="serious").value
    assert raised.escalated and raised.severity == "serious"
    assert [c.id for c in complaints.escalations_to_see(cf.clinic, cf.director)] == [normal.id]
    assert _audited(cf, "complaint.escalate") == 2


# -- confidentiality (C6) and permissions --------------------------------------------------------


def test_details_go_only_to_the_owner_customer_service_and_the_director(
    w: dict[str, Any],
) -> None:
    cf, desk, desk2, service = w["cf"], w["desk"], w["desk2"], w["service"]
    cid = _record(cf, desk, patient_id=w["patient"]).id
    hidden = complaints.complaint(cf.clinic, desk2, cid)
    assert hidden.confidential and not hidden.may_edit
    assert (hidden.complainant, hidden.gist, hidden.content, hidden.contact) == ("", "", "", "")
    assert hidden.patient_id is None and hidden.patient_name == ""
    assert all(e.note == "" for e in hidden.events)
    assert hidden.number == "TS-2026-0001" and hidden.department == "挂号处"
    (listed,) = complaints.list_complaints(cf.clinic, desk2)
    assert listed.confidential and listed.complainant == "" and listed.gist == ""
    assert complaints.list_complaints(cf.clinic, desk2, search="态度") == []
    for reader in (desk, service, cf.director):
        view = complaints.complaint(cf.clinic, reader, cid)
        assert not view.confidential and view.complainant == "王秀英", reader.login
        assert view.contact == "138 1234 5678" and view.gist.startswith("挂号处排队")
        assert [c.id for c in complaints.list_complaints(cf.clinic, reader, search="态度")] == [cid]
    assert _audited(cf, "complaint.read") == 3  # reading details is audited; withheld is not
    with pytest.raises(PermissionDenied):
        complaints.accept(cf.clinic, desk2, cid)
    assert _audited(cf, "complaint.handle", "denied") == 1
    assert complaints.accept(cf.clinic, service, cid).value.accepted_at is not None


def test_a_pharmacist_may_record_but_not_read_or_work_others(w: dict[str, Any]) -> None:
    cf, pharmacist = w["cf"], w["pharmacist"]
    own = _record(cf, pharmacist, content="取药窗口等候太久")
    assert not own.confidential and own.owner_id == pharmacist.staff_id
    others = _record(cf, w["desk"]).id
    view = complaints.complaint(cf.clinic, pharmacist, others)
    assert view.confidential and view.content == ""
    with pytest.raises(PermissionDenied):
        complaints.record_contact(cf.clinic, pharmacist, others, note="试图处理")
    with pytest.raises(PermissionDenied):
        complaints.add_training_case(
            cf.clinic, pharmacist, others, title="t", summary="s", lessons="l"
        )
    mine = complaints.list_complaints(cf.clinic, pharmacist, mine=True)
    assert [c.id for c in mine] == [own.id]


def test_a_hand_over_moves_ownership_and_records_from_and_to(w: dict[str, Any]) -> None:
    cf, desk, desk2, service = w["cf"], w["desk"], w["desk2"], w["service"]
    cid = _record(cf, desk).id
    # The desk may pass it to anyone working here, customer service first of all (F3).
    names = [name for _id, name in complaints.colleagues(cf.clinic, desk)]
    assert {"客服小林", "前台小李", "药师老陈", "李医生"} <= set(names)
    with pytest.raises(InvalidEntry, match="owns this complaint already"):
        complaints.hand_over(cf.clinic, desk, cid, to_staff_id=desk.staff_id, reason="x")
    with pytest.raises(InvalidEntry) as empty:
        complaints.hand_over(cf.clinic, desk, cid, to_staff_id=service.staff_id, reason="")
    assert empty.value.field == "reason"
    handed = complaints.hand_over(
        cf.clinic, desk, cid, to_staff_id=service.staff_id, reason="需要客服跟进"
    ).value
    assert handed.owner_id == service.staff_id and handed.owner_name == "客服小林"
    assert handed.confidential  # the former owner's own view of the result
    moved = complaints.complaint(cf.clinic, service, cid).events[-1]
    assert moved.kind == "handed_over" and moved.note == "需要客服跟进"
    assert moved.detail["from"] == desk.staff_id.hex and moved.detail["to"] == service.staff_id.hex
    assert (moved.detail["from_name"], moved.detail["to_name"]) == ("前台小张", "客服小林")
    assert _audited(cf, "complaint.hand_over") == 1
    # The former owner no longer reads the details nor works it.
    assert complaints.complaint(cf.clinic, desk, cid).confidential
    with pytest.raises(PermissionDenied):
        complaints.hand_over(cf.clinic, desk, cid, to_staff_id=desk.staff_id, reason="拿回")
    staff.update_staff(cf.clinic, cf.director, desk2.staff_id, disabled=True)
    with pytest.raises(InvalidEntry, match="disabled"):
        complaints.hand_over(cf.clinic, service, cid, to_staff_id=desk2.staff_id, reason="转交")
    # Hand-over details (who from, who to) show even where the content is withheld.
    hidden = complaints.complaint(cf.clinic, w["pharmacist"], cid).events[-1]
    assert hidden.note == "" and hidden.detail["to_name"] == "客服小林"


# -- the suggestion box (F1) ---------------------------------------------------------------------


def test_a_box_opening_is_saved_as_one_batch_skipping_blank_notes(w: dict[str, Any]) -> None:
    cf, desk = w["cf"], w["desk"]
    opened = cf.clinic.today()
    notes = [
        ComplaintInput(channel="suggestion_box", content="候诊区太冷"),
        ComplaintInput(channel="in_person", content=""),  # blank slip
        ComplaintInput(
            channel="website", content="厕所不干净😡", complainant="李先生", contact="13700002222"
        ),
        ComplaintInput(
            channel="suggestion_box",
            content="上周三医生迟到",
            received_at=local(2026, 11, 18, 9, 0),
        ),
    ]
    written = complaints.record_suggestion_box(cf.clinic, desk, opened, notes)
    views = written.value
    assert len(views) == 3 and written.changes.touches(Topic.COMPLAINTS)
    assert {v.channel for v in views} == {"suggestion_box"}
    assert all(v.box_opened_on == opened and v.owner_id == desk.staff_id for v in views)
    assert views[0].received_at == local(2026, 11, 23, 0, 0)  # the start of the opening day
    assert views[1].content == "厕所不干净😡" and views[1].complainant == "李先生"
    assert views[2].received_at == local(2026, 11, 18, 9, 0)
    assert _audited(cf, "complaint.record") == 3
    # Nobody to contact for an unsigned note: no contact deadline, on the list or in it.
    assert "contact" not in {d.step for d in views[0].deadlines}
    assert "contact" in {d.step for d in views[1].deadlines}
    complaints.accept(cf.clinic, desk, views[0].id)
    listed = {c.id: c for c in complaints.list_complaints(cf.clinic, desk)}
    assert listed[views[0].id].next_deadline.step != "contact"  # type: ignore[union-attr]
    # An anonymous note with no contact closes with a note instead of a reply.
    with pytest.raises(InvalidEntry) as no_note:
        complaints.close(cf.clinic, desk, views[0].id)
    assert no_note.value.field == "note"
    assert complaints.close(cf.clinic, desk, views[0].id, note="已调高空调温度").value.closed_at
    # With a contact, a reply is owed as for any complaint.
    with pytest.raises(ValidationError, match="has not had a reply"):
        complaints.close(cf.clinic, desk, views[1].id, note="已清洁")


def test_a_bad_note_refuses_the_whole_batch_and_is_named(w: dict[str, Any]) -> None:
    cf, desk = w["cf"], w["desk"]
    notes = [
        ComplaintInput(channel="suggestion_box", content="一"),
        ComplaintInput(channel="suggestion_box", content=""),
        ComplaintInput(channel="suggestion_box", content="坏\x07字符"),
    ]
    with pytest.raises(complaints.NoteError) as bad:
        complaints.record_suggestion_box(cf.clinic, desk, cf.clinic.today(), notes)
    assert bad.value.message().startswith("Note 3: This text contains invisible control")
    assert bad.value.field == "content" and bad.value.note == 3
    too_old = ComplaintInput(
        channel="suggestion_box", content="旧", received_at=cf.clock.now - timedelta(days=400)
    )
    with pytest.raises(complaints.NoteError, match="Note 2: "):
        complaints.record_suggestion_box(cf.clinic, desk, cf.clinic.today(), [notes[0], too_old])
    assert _count(cf) == 0
    with pytest.raises(InvalidEntry) as future:
        complaints.record_suggestion_box(
            cf.clinic, desk, cf.clinic.today() + timedelta(days=1), notes[:1]
        )
    assert future.value.field == "opened_on"
    with pytest.raises(InvalidEntry, match="at most 200"):
        complaints.record_suggestion_box(cf.clinic, desk, cf.clinic.today(), notes[:1] * 201)
    with pytest.raises(InvalidEntry, match="Every note is blank"):
        complaints.record_suggestion_box(cf.clinic, desk, cf.clinic.today(), [notes[1]])
    assert _count(cf) == 0


# -- training cases (F6) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "what"),
    [
        ("summary", "王秀英在挂号处等候过久。", "names the patient"),
        ("lessons", "秀英女士的投诉说明……", "names the patient"),
        ("summary", "可回电 138-1234-5678 了解详情", "phone number"),
        ("summary", "另一位患者 13900001111 也反映", "phone number"),
        ("lessons", "身份证 110105198001010024", "ID number"),
        ("title", "患者110105198001010024", "ID number"),
    ],
)
def test_a_training_case_refuses_what_identifies_people(
    w: dict[str, Any], field: str, text: str, what: str
) -> None:
    cf, desk = w["cf"], w["desk"]
    cid = _record(cf, desk, patient_id=w["patient"]).id
    entry = {"title": "排队", "summary": "一位患者等候过久。", "lessons": "提前分流。"}
    entry[field] = text
    with pytest.raises(InvalidEntry, match=what) as refused:
        complaints.add_training_case(cf.clinic, desk, cid, **entry)
    assert refused.value.field == field
    assert "cases are anonymised" in refused.value.message()
    assert complaints.training_cases(cf.clinic, desk) == []


def test_one_training_case_per_complaint(w: dict[str, Any]) -> None:
    cf, desk = w["cf"], w["desk"]
    cid = _record(cf, desk).id
    complaints.add_training_case(cf.clinic, desk, cid, title="案例", summary="概要", lessons="教训")
    with pytest.raises(ValidationError, match="already"):
        complaints.add_training_case(cf.clinic, desk, cid, title="又一", summary="s", lessons="l")


# -- root causes (G5) ----------------------------------------------------------------------------


def test_a_root_cause_analysis_is_due_in_24_hours_and_finishes_complete(
    w: dict[str, Any],
) -> None:
    cf, desk, service = w["cf"], w["desk"], w["service"]
    cid = _record(cf, desk).id
    found = cf.clock.now - timedelta(hours=2)
    started = complaints.start_root_cause(
        cf.clinic, desk, problem="挂号排队过久", complaint_id=cid, found_at=found
    ).value
    assert started.due_at == found + timedelta(hours=24) and started.status == "open"
    assert started.complaint_number == "TS-2026-0001" and started.owner_name == "前台小张"
    assert complaints.complaint(cf.clinic, desk, cid).root_causes == (started.id,)
    with pytest.raises(InvalidEntry, match="at least one why"):
        complaints.save_root_cause(
            cf.clinic, desk, started.id, whys=[], root_cause="", actions="", done=True
        )
    with pytest.raises(InvalidEntry, match="at most 5"):
        complaints.save_root_cause(
            cf.clinic, desk, started.id, whys=["1"] * 6, root_cause="", actions=""
        )
    with pytest.raises(InvalidEntry, match="in the middle"):
        complaints.save_root_cause(
            cf.clinic, desk, started.id, whys=["一", "", "三"], root_cause="", actions=""
        )
    draft = complaints.save_root_cause(
        cf.clinic, desk, started.id, whys=["窗口少", "排班不合理", ""], root_cause="", actions=""
    ).value
    assert draft.whys == ("窗口少", "排班不合理") and draft.status == "open"
    with pytest.raises(PermissionDenied):
        complaints.save_root_cause(
            cf.clinic, w["desk2"], started.id, whys=["x"], root_cause="y", actions="z"
        )
    cf.clock.advance(hours=23)  # 25 h after it was found
    assert [r.overdue for r in complaints.root_causes(cf.clinic, w["pharmacist"])] == [True]
    done = complaints.save_root_cause(
        cf.clinic,
        service,
        started.id,
        whys=["窗口少", "排班不合理"],
        root_cause="高峰期排班没有按挂号量安排",
        actions="按预约量排班",
        done=True,
    ).value
    assert done.status == "done" and done.done_at == cf.clock.now and done.overdue
    assert complaints.root_causes(cf.clinic, desk) == []
    assert [r.id for r in complaints.root_causes(cf.clinic, desk, status="done")] == [done.id]
    assert _audited(cf, "root_cause.start") == 1 and _audited(cf, "root_cause.done") == 1


def test_the_root_cause_limit_is_a_setting(w: dict[str, Any]) -> None:
    cf = w["cf"]
    update_settings(cf.clinic, cf.director, {"quality.root_cause_within_hours": 48})
    cf.clinic.forget_settings()
    view = complaints.start_root_cause(cf.clinic, w["doctor"], problem="处方错误一次").value
    assert view.due_at == cf.clock.now + timedelta(hours=48) and view.complaint_id is None
    with pytest.raises(NotFound):
        complaints.start_root_cause(cf.clinic, w["doctor"], problem="p", complaint_id=uuid.uuid4())
    with pytest.raises(InvalidEntry) as empty:
        complaints.start_root_cause(cf.clinic, w["doctor"], problem="  ")
    assert empty.value.field == "problem"


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "   \n "}, "content"),
        ({"content": "长" * 4001}, "content"),
        ({"content": "bad\x00text"}, "content"),
        ({"complainant": "张\x1b[31m三"}, "complainant"),
        ({"complainant": ""}, "complainant"),
        ({"complainant": "名" * 101}, "complainant"),
        ({"contact": "1" * 201}, "contact"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"severity": "catastrophic"}, "severity"),
        ({"complexity": "hard"}, "complexity"),
        ({"received_at": datetime(2026, 11, 23, 9, 0)}, "received_at"),
        ({"received_at": datetime(2026, 11, 24, 2, 0, tzinfo=UTC)}, "received_at"),
        ({"received_at": datetime(2025, 11, 1, 2, 0, tzinfo=UTC)}, "received_at"),
    ],
)
def test_bad_input_is_refused_and_names_the_field(
    w: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    cf = w["cf"]
    with pytest.raises(InvalidEntry) as bad:
        _record(cf, w["desk"], **fields)
    assert bad.value.field == field
    assert bad.value.message().endswith(".")
    assert _count(cf) == 0


def test_cjk_emoji_and_the_longest_text_are_accepted(w: dict[str, Any]) -> None:
    cf = w["cf"]
    content = ("医生态度很好😊但是等了很久⏰。\n第二行\t缩进" * 200)[:4000]
    view = _record(cf, w["desk"], content=content, complainant="Ōno 大野 🌸")
    assert view.content == content and view.complainant == "Ōno 大野 🌸"
    assert view.gist == content[:60]


def test_unknown_patient_or_staff_is_refused(w: dict[str, Any]) -> None:
    cf = w["cf"]
    with pytest.raises(NotFound):
        _record(cf, w["desk"], patient_id=uuid.uuid4())
    with pytest.raises(InvalidEntry) as staff_bad:
        _record(cf, w["desk"], staff_concerned_id=uuid.uuid4())
    assert staff_bad.value.field == "staff_concerned_id"
    with pytest.raises(NotFound):
        complaints.complaint(cf.clinic, w["desk"], uuid.uuid4())
    assert _count(cf) == 0


def test_the_system_actor_cannot_own_a_complaint(w: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="signed-in staff member"):
        _record(w["cf"], Actor.system())


# -- the follow-up call hook ---------------------------------------------------------------------


def test_a_complaint_heard_on_a_call_has_its_received_event(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    result = followups.log_call_without_task(
        cf.clinic, service, w["patient"], CallEntry(outcome="reached", complaint="药太贵")
    ).value
    assert result.complaint_id is not None
    view = complaints.complaint(cf.clinic, service, result.complaint_id)
    assert (view.channel, view.owner_id, view.severity) == (
        "followup_call",
        service.staff_id,
        "normal",
    )
    assert [e.kind for e in view.events] == ["received"] and not view.escalated
    assert view.recorded_by_name == "客服小林"


# -- many ----------------------------------------------------------------------------------------
# (Its speed is bench/bench_quality.py's: speed is measured there, not in timed tests.)


def test_listing_2000_complaints_orders_overdue_first(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    now = cf.clock.now
    with cf.clinic.store.unit_of_work(write=True) as uow:
        for i in range(2000):
            received = now - timedelta(hours=3 * i)
            # A third still open (each with its deadlines to work out): far more than a
            # clinic keeps open, over 250 days of receipt.
            closed = i % 3 != 0
            uow.session.add(
                Complaint(
                    id=new_id(),
                    complainant=f"患者{i}",
                    channel="phone",
                    content=f"第{i}条投诉：等候时间太长",
                    department="内科",
                    owner_id=service.staff_id,
                    received_at=received,
                    status="closed" if closed else "open",
                    accepted_at=received + timedelta(minutes=30),
                    closed_at=received + timedelta(days=2) if closed else None,
                    reply_at=received + timedelta(days=2) if closed else None,
                    created_at=now,
                    updated_at=now,
                )
            )
        uow.commit()
    listed = complaints.list_complaints(cf.clinic, service, status="all")
    assert len(listed) == 2000 and listed[0].overdue
    assert listed[-1].status == "closed"
    opened = [c for c in listed if c.status == "open"]
    assert len(opened) == 667 and all(c.next_deadline is not None for c in opened)
    # Closed ones newest first after every open one.
    closed = [c.received_at for c in listed if c.status == "closed"]
    assert closed == sorted(closed, reverse=True)


def test_errors_are_clinic_errors_with_a_full_stop(w: dict[str, Any]) -> None:
    cf = w["cf"]
    cid = _record(cf, w["desk"]).id
    with pytest.raises(ClinicError) as error:
        complaints.close(cf.clinic, w["desk"], cid)
    assert error.value.message().endswith(".")
    with cf.clinic.store.unit_of_work(write=False) as uow:
        kinds = uow.session.execute(
            select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == cid)
        ).scalars()
        assert list(kinds) == ["received"]
