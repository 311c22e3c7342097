"""A follow-up call end to end (issue 9, spec E4-E6, G1, A5): outcomes and retries, the
answers and their checks, forwards (抄告), complaints, the confirmation of a booking,
spot checks, who sees the clinical summary, deaths and opt-outs, the rates, and the
follow-up form printed from a call."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.printing.forms import followup_form_pdf
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import (
    appointments,
    clinical,
    followups,
    patients,
    printouts,
)
from clinic_desk.core.services.base import Topic
from clinic_desk.core.services.clinical import InvalidEntry
from clinic_desk.core.services.followups import CallEntry
from clinic_desk.core.services.settings import update_settings
from clinic_desk.core.store.models import (
    Appointment,
    AuditEntry,
    Complaint,
    FollowupTask,
    OutboxMessage,
)
from tests.conftest import ClinicFixture
from tests.unit.test_followups_plans import _actor, _doctor
from tests.unit.test_followups_worklist import DAY, _at, _booking
from tests.unit.test_printouts import squeeze, text_of


@pytest.fixture
def w(cf: ClinicFixture) -> dict[str, Any]:
    """A doctor, two customer service people, a health manager (a supervisor), and a
    patient who prefers WeChat, then a mobile call."""
    doctor = _doctor(cf)
    patient = patients.register_patient(
        cf.clinic,
        cf.director,
        family_name="王",
        given_name="秀英",
        sex="F",
        birth_date=date(1950, 3, 3),
        phone="13812345678",
        phone2="13900001111",
        wechat="wang_xiuying",
        email="wxy@example.com",
        address="北京市朝阳区建国路88号",
        contact_channels=("wechat", "mobile"),
    ).value.id
    return {
        "cf": cf,
        "doctor": doctor,
        "service": _actor(cf, Role.CUSTOMER_SERVICE, "service1", "客服小林"),
        "service2": _actor(cf, Role.CUSTOMER_SERVICE, "service2", "客服小周"),
        "manager": _actor(cf, Role.HEALTH_MANAGER, "manager1", "健康管理师老陈"),
        "patient": patient,
    }


def _manual(w: dict[str, Any], title: str = "回访") -> uuid.UUID:
    cf = w["cf"]
    return followups.add_task(
        cf.clinic, w["service"], w["patient"], title=title, due_from=DAY
    ).value.id


def _task_row(cf: ClinicFixture, task_id: uuid.UUID) -> dict[str, Any]:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(FollowupTask, task_id)
        assert row is not None
        return {c: getattr(row, c) for c in ("status", "close_reason", "attempts", "done_by")}


def _actions(cf: ClinicFixture, action: str) -> list[str]:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return list(
            uow.session.execute(
                select(AuditEntry.detail).where(AuditEntry.action == action)
            ).scalars()
        )


def test_every_outcome_moves_the_task_on(w: dict[str, Any]) -> None:
    """E5: reached or refused → done; no answer → retry; wrong number → closed."""
    cf, service = w["cf"], w["service"]
    reached, refused, wrong, silent = (_manual(w, t) for t in ("一", "二", "三", "四"))
    result = followups.log_call(
        cf.clinic,
        service,
        reached,
        CallEntry(outcome="reached", recovery="improving", adherence="as_prescribed"),
    )
    assert result.changes.touches(Topic.FOLLOWUPS) and w["patient"] in result.changes.ids
    call, task = result.value.call, result.value.task
    assert task is not None and (task.status, task.attempts, task.last_outcome) == (
        "done",
        1,
        "reached",
    )
    assert (call.caller_name, call.outcome, call.recovery, call.patient_name) == (
        "客服小林",
        "reached",
        "improving",
        "王秀英",
    )
    assert _task_row(cf, reached)["done_by"] == service.staff_id
    followups.log_call(cf.clinic, service, refused, CallEntry(outcome="refused", notes="不想聊"))
    assert _task_row(cf, refused)["status"] == "done"
    followups.log_call(cf.clinic, service, wrong, CallEntry(outcome="wrong_number"))
    assert (_task_row(cf, wrong)["status"], _task_row(cf, wrong)["close_reason"]) == (
        "closed",
        "no_contact",
    )
    assert len(_actions(cf, "followup.wrong_number")) == 1
    after = followups.log_call(cf.clinic, service, silent, CallEntry(outcome="no_answer")).value
    assert after.task is not None and after.task.status == "open"
    assert after.task.next_try_at == cf.clock.now + timedelta(hours=4)
    calls = followups.patient_calls(cf.clinic, service, w["patient"])
    assert len(calls) == 4 and len(_actions(cf, "followup.call")) == 4
    for bad in ("answered", "", "REACHED"):
        with pytest.raises(InvalidEntry):
            followups.log_call(cf.clinic, service, silent, CallEntry(outcome=bad))
    with pytest.raises(ValidationError):  # done already
        followups.log_call(cf.clinic, service, reached, CallEntry(outcome="reached"))
    with pytest.raises(InvalidEntry):
        followups.log_call(cf.clinic, service, silent, CallEntry(outcome="reached", channel="fax"))


def test_no_answer_max_attempts_times_closes_it_unreachable(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    update_settings(cf.clinic, cf.director, {"followup.max_attempts": 3})
    task = _manual(w)
    for _try in range(3):
        followups.log_call(cf.clinic, service, task, CallEntry(outcome="no_answer"))
        cf.clock.advance(hours=4)
    assert _task_row(cf, task) == {
        "status": "closed",
        "close_reason": "unreachable",
        "attempts": 3,
        "done_by": None,
    }
    with pytest.raises(ValidationError):
        followups.log_call(cf.clinic, service, task, CallEntry(outcome="no_answer"))


def test_satisfaction_answers_are_checked(w: dict[str, Any]) -> None:
    """G1: 1-5 per known question; nothing else."""
    cf, service = w["cf"], w["service"]
    task = _manual(w)
    for answers in (
        {"overall": 0},
        {"overall": 6},
        {"overall": True},
        {"overall": "5"},
        {"overall": 4.5},
        {"parking": 5},
        ["overall", 5],
    ):
        with pytest.raises(InvalidEntry) as caught:
            followups.log_call(
                cf.clinic,
                service,
                task,
                CallEntry(outcome="reached", satisfaction=answers),  # type: ignore[arg-type]
            )
        assert caught.value.field == "satisfaction"
    assert _task_row(cf, task)["attempts"] == 0  # nothing half-written
    scores = {"overall": 5, "doctor": 4, "staff": 1, "waiting": 3, "environment": 2}
    call = followups.log_call(
        cf.clinic, service, task, CallEntry(outcome="reached", satisfaction=scores)
    ).value.call
    assert call.satisfaction == scores
    assert [k for k, _q in followups.SATISFACTION_QUESTIONS] == list(scores)


def test_call_texts_take_any_script_and_refuse_junk(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    words = "恢复得不错，谢谢医生 👍🏻\n下周复查"
    full = "好" * 4000
    task = _manual(w)
    call = followups.log_call(
        cf.clinic,
        service,
        task,
        CallEntry(outcome="reached", open_answer=words, suggestions=full, notes=""),
    ).value.call
    assert (call.open_answer, call.suggestions, call.notes) == (words, full, "")
    # Decomposed input is stored composed (NFC), as everywhere else.
    other = _manual(w)
    call = followups.log_call(
        cf.clinic, service, other, CallEntry(outcome="reached", notes="Cafe\u0301  ")
    ).value.call
    assert call.notes == "Café"
    for field_name, value in (
        ("notes", "好" * 4001),
        ("suggestions", "x" * 4001),
        ("open_answer", "bell\x07"),
        ("notes", "nul\x00byte"),
        ("complaint", "\x1b[31mred"),
        ("forward_to", "药" * 51),
    ):
        task = _manual(w)
        typed: dict[str, Any] = {"suggestions": "建议", field_name: value}
        entry = CallEntry(outcome="reached", **typed)
        with pytest.raises(InvalidEntry) as caught:
            followups.log_call(cf.clinic, service, task, entry)
        assert caught.value.field == field_name
    # Nobody reached: no answers can have been heard.
    task = _manual(w)
    for entry in (
        CallEntry(outcome="no_answer", recovery="worse"),
        CallEntry(outcome="wrong_number", satisfaction={"overall": 3}),
        CallEntry(outcome="no_answer", complaint="态度差"),
    ):
        with pytest.raises(InvalidEntry):
            followups.log_call(cf.clinic, service, task, entry)
    followups.log_call(cf.clinic, service, task, CallEntry(outcome="no_answer", notes="关机"))


def test_a_suggestion_forwarded_is_tracked_until_answered(w: dict[str, Any]) -> None:
    """E5 抄告: the suggestion goes to the department and stays open until it answers."""
    cf, service, doctor = w["cf"], w["service"], w["doctor"]
    task = _manual(w)
    with pytest.raises(InvalidEntry):  # nothing to forward
        followups.log_call(
            cf.clinic, service, task, CallEntry(outcome="reached", forward_to="药房")
        )
    result = followups.log_call(
        cf.clinic,
        service,
        task,
        CallEntry(outcome="reached", suggestions="取药窗口排队太久", forward_to="药房"),
    ).value
    assert result.forward_id is not None and result.call.forward_ids == (result.forward_id,)
    (item,) = followups.list_forwards(cf.clinic, doctor)
    assert (item.id, item.department, item.text, item.status, item.forwarded_by_name) == (
        result.forward_id,
        "药房",
        "取药窗口排队太久",
        "open",
        "客服小林",
    )
    with pytest.raises(InvalidEntry):
        followups.answer_forward(cf.clinic, doctor, item.id, response="  ")
    answered = followups.answer_forward(cf.clinic, doctor, item.id, response="已增加一个窗口").value
    assert (answered.status, answered.response, answered.answered_by_name) == (
        "answered",
        "已增加一个窗口",
        "李医生",
    )
    assert followups.list_forwards(cf.clinic, doctor) == []
    assert [f.id for f in followups.list_forwards(cf.clinic, doctor, status="answered")] == [
        item.id
    ]
    assert len(followups.list_forwards(cf.clinic, doctor, status="")) == 1
    with pytest.raises(ValidationError):
        followups.answer_forward(cf.clinic, doctor, item.id, response="再答一次")
    with pytest.raises(ValidationError):
        followups.list_forwards(cf.clinic, doctor, status="closed")


def test_a_complaint_heard_opens_one_owned_by_the_caller(w: dict[str, Any]) -> None:
    """F1, F3: channel followup_call, the caller owns it (首接负责制)."""
    cf, service = w["cf"], w["service"]
    task = _manual(w)
    result = followups.log_call(
        cf.clinic, service, task, CallEntry(outcome="reached", complaint="挂号处态度冷淡")
    ).value
    assert result.complaint_id is not None and result.call.complaint_id == result.complaint_id
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(Complaint, result.complaint_id)
        assert row is not None
        got = (row.channel, row.owner_id, row.content, row.status, row.source_call_id)
        assert row.received_at == cf.clock.now and row.patient_id == w["patient"]
    assert got == ("followup_call", service.staff_id, "挂号处态度冷淡", "open", result.call.id)
    assert len(_actions(cf, "followup.complaint")) == 1


def test_level_three_asks_whether_levels_one_and_two_happened(w: dict[str, Any]) -> None:
    """E1: customer service's level-3 call also checks the nurse's and the doctor's."""
    cf, service, doctor = w["cf"], w["service"], w["doctor"]
    clinical.record_visit(
        cf.clinic, doctor, w["patient"], category="chronic_discharge", plan="出院带药"
    )
    tasks = {t.level: t for t in followups.patient_tasks(cf.clinic, service, w["patient"])}
    followups.log_call(cf.clinic, doctor, tasks[2].id, CallEntry(outcome="no_answer"))
    script = followups.call_script(cf.clinic, service, tasks[3].id)
    assert [t.level for t in script.previous_levels] == [1, 2]
    assert [c.outcome for c in script.previous_calls] == ["no_answer"]
    assert script.script_key == "plan:chronic_discharge"
    for answer in ("", "maybe"):
        with pytest.raises(InvalidEntry) as caught:
            followups.log_call(
                cf.clinic,
                service,
                tasks[3].id,
                CallEntry(outcome="reached", previous_levels=answer),
            )
        assert caught.value.field == "previous_levels"
    call = followups.log_call(
        cf.clinic, service, tasks[3].id, CallEntry(outcome="reached", previous_levels="no")
    ).value.call
    assert call.previous_levels == "no"


def test_a_confirmation_call_confirms_the_booking(w: dict[str, Any]) -> None:
    """A5: the day-before call; "confirmed" on the call confirms the booking too."""
    cf, service, doctor = w["cf"], w["service"], w["doctor"]
    booking = _booking(cf, w["patient"], doctor.staff_id, _at(DAY + timedelta(days=1), 9))
    followups.prepare_worklist(cf.clinic, service)
    (task,) = followups.worklist(cf.clinic, service).items
    script = followups.call_script(cf.clinic, service, task.id)
    assert script.script_key == "confirm" and script.appointment_at == _at(
        DAY + timedelta(days=1), 9
    )
    with pytest.raises(PermissionDenied):  # doctors do not manage bookings
        followups.log_call(
            cf.clinic, doctor, task.id, CallEntry(outcome="reached", confirm_appointment=True)
        )
    with pytest.raises(InvalidEntry):
        followups.log_call(
            cf.clinic, service, _manual(w), CallEntry(outcome="reached", confirm_appointment=True)
        )
    written = followups.log_call(
        cf.clinic, service, task.id, CallEntry(outcome="reached", confirm_appointment=True)
    )
    assert written.changes.touches(Topic.APPOINTMENTS) and booking in written.changes.ids
    view = appointments.get_appointment(cf.clinic, service, booking)
    assert view.status == "confirmed"
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(Appointment, booking)
        assert row is not None and row.confirmed_at == cf.clock.now
    assert written.value.task is not None and written.value.task.status == "done"


def test_spot_checks_by_a_supervisor_never_of_their_own_calls(w: dict[str, Any]) -> None:
    """E4, E6 抽查: date, checker, evaluation."""
    cf, service, manager = w["cf"], w["service"], w["manager"]
    call = followups.log_call(cf.clinic, service, _manual(w), CallEntry(outcome="reached")).value
    own = followups.log_call_without_task(
        cf.clinic, manager, w["patient"], CallEntry(outcome="reached", notes="随访")
    ).value
    assert own.task is None and own.call.task_id is None
    with pytest.raises(PermissionDenied):
        followups.spot_check(cf.clinic, service, call.call.id, rating="good")
    with pytest.raises(ValidationError) as caught:
        followups.spot_check(cf.clinic, manager, own.call.id, rating="good")
    assert "yourself" in caught.value.message()
    with pytest.raises(InvalidEntry):
        followups.spot_check(cf.clinic, manager, call.call.id, rating="excellent")
    cf.clock.advance(days=1)
    checked = followups.spot_check(
        cf.clinic, manager, call.call.id, rating="good", note="语气亲切，记录完整"
    ).value
    assert (checked.check_rating, checked.check_note, checked.check_by_name) == (
        "good",
        "语气亲切，记录完整",
        "健康管理师老陈",
    )
    assert checked.check_at == cf.clock.now
    listed = followups.calls_between(cf.clinic, manager, DAY, DAY + timedelta(days=1))
    assert {c.id for c in listed} == {call.call.id, own.call.id}
    unchecked = followups.calls_between(
        cf.clinic, manager, DAY, DAY, unchecked_only=True, caller_id=manager.staff_id
    )
    assert [c.id for c in unchecked] == [own.call.id]
    assert (
        followups.calls_between(
            cf.clinic, manager, DAY - timedelta(days=3), DAY - timedelta(days=1)
        )
        == []
    )
    with pytest.raises(ValidationError):
        followups.calls_between(cf.clinic, manager, DAY, DAY - timedelta(days=1))


def test_the_clinical_summary_is_for_those_who_may_read_the_record(w: dict[str, Any]) -> None:
    """C3: customer service sees no clinical summary on the call screen; a doctor does."""
    cf, service, doctor = w["cf"], w["service"], w["doctor"]
    clinical.add_medication(cf.clinic, doctor, w["patient"], drug="二甲双胍片", dose="0.5g")
    clinical.record_visit(
        cf.clinic, doctor, w["patient"], category="chronic", diagnosis="2型糖尿病", plan="控制饮食"
    )
    (task,) = followups.patient_tasks(cf.clinic, doctor, w["patient"])
    for_service = followups.call_script(cf.clinic, service, task.id)
    assert for_service.clinical_summary is None
    for_doctor = followups.call_script(cf.clinic, doctor, task.id)
    summary = for_doctor.clinical_summary or ""
    assert "2026-11-23" in summary and "2型糖尿病" in summary and "控制饮食" in summary
    assert "二甲双胍片" in summary
    assert (for_doctor.honorific, for_doctor.age, for_doctor.address) == (
        "王大妈",
        76,
        "北京市朝阳区建国路88号",
    )
    # WeChat first, then the mobile's two numbers, then the rest.
    assert for_doctor.channels == (
        ("wechat", "wang_xiuying"),
        ("phone", "138 1234 5678"),
        ("phone2", "139 0000 1111"),
        ("email", "wxy@example.com"),
    )
    assert not for_doctor.opted_out and not for_doctor.deceased
    opened = _actions(cf, "followup.call_open")
    assert opened == ['{"clinical_summary": false}', '{"clinical_summary": true}']


def test_a_death_closes_everything_and_stops_new_tasks(w: dict[str, Any]) -> None:
    cf, doctor = w["cf"], w["doctor"]
    update_settings(cf.clinic, cf.director, {"clinic.phone": "010-65001234"})
    clinical.record_visit(
        cf.clinic, doctor, w["patient"], category="inpatient_surgery", plan="复查"
    )
    _booking(cf, w["patient"], doctor.staff_id, _at(DAY + timedelta(days=7), 9))
    assert followups.prepare_worklist(cf.clinic, cf.director).value == 1  # the reminder
    with pytest.raises(ValidationError):
        patients.record_death(cf.clinic, cf.director, w["patient"], on=DAY + timedelta(days=1))
    with pytest.raises(ValidationError):
        patients.record_death(cf.clinic, cf.director, w["patient"], on=date(1949, 1, 1))
    with pytest.raises(PermissionDenied):
        patients.record_death(cf.clinic, w["manager"], w["patient"], on=DAY)
    written = patients.record_death(cf.clinic, cf.director, w["patient"], on=DAY, note="家属告知")
    assert written.value.deceased_on == DAY and written.changes.touches(Topic.FOLLOWUPS)
    tasks = followups.patient_tasks(cf.clinic, doctor, w["patient"])
    assert len(tasks) == 4 and {(t.status, t.close_reason) for t in tasks} == {
        ("closed", "deceased")
    }
    with cf.clinic.store.unit_of_work(write=False) as uow:
        states = list(uow.session.execute(select(OutboxMessage.state)).scalars())
    assert states == ["cancelled"]
    clinical.record_visit(cf.clinic, doctor, w["patient"], category="cold", plan="x")
    assert len(followups.patient_tasks(cf.clinic, doctor, w["patient"])) == 4
    with pytest.raises(ValidationError):
        followups.add_task(cf.clinic, w["service"], w["patient"], title="回访", due_from=DAY)
    assert patients.get_patient(cf.clinic, cf.director, w["patient"]).deceased_on == DAY


def test_opting_out_closes_that_kind_of_contact_only(w: dict[str, Any]) -> None:
    cf, doctor = w["cf"], w["doctor"]
    clinical.record_visit(cf.clinic, doctor, w["patient"], category="chronic", plan="复查")
    clinical.record_visit(cf.clinic, doctor, w["patient"], category="cold", plan="多喝水")
    out = patients.set_contact_opt_out(
        cf.clinic, cf.director, w["patient"], calls=True, messages=False
    )
    assert out.value.opt_out_calls and not out.value.opt_out_messages
    states = {
        (t.channel, t.status, t.close_reason)
        for t in followups.patient_tasks(cf.clinic, doctor, w["patient"])
    }
    assert states == {("phone", "closed", "opted_out"), ("message", "open", "")}
    # New visits: no call any more, messages still.
    clinical.record_visit(cf.clinic, doctor, w["patient"], category="chronic", plan="复查")
    clinical.record_visit(cf.clinic, doctor, w["patient"], category="physical_exam", plan="体检")
    opened = [
        t for t in followups.patient_tasks(cf.clinic, doctor, w["patient"]) if t.status == "open"
    ]
    assert sorted(t.plan_category for t in opened) == ["cold", "physical_exam"]
    with pytest.raises(ValidationError):
        followups.add_task(cf.clinic, w["service"], w["patient"], title="回访", due_from=DAY)
    patients.set_contact_opt_out(cf.clinic, cf.director, w["patient"], calls=True, messages=True)
    assert [
        t for t in followups.patient_tasks(cf.clinic, doctor, w["patient"]) if t.status == "open"
    ] == []
    with pytest.raises(ValidationError):
        patients.set_contact_opt_out(
            cf.clinic, cf.director, w["patient"], calls="yes", messages=False
        )  # type: ignore[arg-type]
    # Back in: nothing reopens, new ones come again.
    patients.set_contact_opt_out(cf.clinic, cf.director, w["patient"], calls=False, messages=False)
    followups.add_task(cf.clinic, w["service"], w["patient"], title="回访", due_from=DAY)


def _plan_row(
    patient_id: uuid.UUID,
    department: str,
    doctor_id: uuid.UUID | None,
    due_by: date,
    status: str = "open",
    *,
    done_at: datetime | None = None,
    close_reason: str = "",
    kind: str = "plan",
) -> FollowupTask:
    return FollowupTask(
        patient_id=patient_id,
        kind=kind,
        plan_category="chronic",
        channel="phone",
        caller_role="doctor",
        doctor_id=doctor_id,
        department=department,
        due_from=due_by - timedelta(days=2),
        due_by=due_by,
        status=status,
        done_at=done_at,
        close_reason=close_reason,
    )


def test_rates_per_department_and_doctor_agree_with_a_direct_count(w: dict[str, Any]) -> None:
    """E6: follow-up rate and on-time rate, counted here by hand and in SQL."""
    cf, patient = w["cf"], w["patient"]
    li = w["doctor"].staff_id
    wang = _doctor(cf, "dr.wang", name="王医生").staff_id
    nov = date(2026, 11, 10)
    # Done on time the evening of the last day (local), late the next morning.
    evening = datetime(2026, 11, 10, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    morning = datetime(2026, 11, 10, 16, 30, tzinfo=UTC)  # 00:30 on the 11th
    rows = [
        _plan_row(patient, "内科", li, nov, "done", done_at=evening),
        _plan_row(patient, "内科", li, nov, "done", done_at=morning),
        _plan_row(patient, "内科", li, nov),
        _plan_row(patient, "内科", wang, nov, "closed", close_reason="unreachable"),
        _plan_row(patient, "内科", wang, nov, "closed", close_reason="deceased"),
        _plan_row(patient, "外科", wang, nov, "closed", close_reason="recategorised"),
        _plan_row(patient, "外科", wang, nov, "closed", close_reason="opted_out"),
        _plan_row(patient, "外科", wang, nov, "done", done_at=evening - timedelta(days=3)),
        _plan_row(patient, "", None, nov, "done", done_at=evening),
        # Not counted: another kind, outside the period, deleted.
        _plan_row(patient, "内科", li, nov, "done", done_at=evening, kind="confirm"),
        _plan_row(patient, "内科", li, date(2026, 12, 1)),
        _plan_row(patient, "内科", li, date(2026, 10, 31)),
    ]
    rows[-1].deleted_at = evening
    with cf.clinic.store.unit_of_work(write=True) as uow:
        uow.session.add_all(rows)
        uow.commit()
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    by_department = followups.followup_rates(cf.clinic, w["manager"], first, last)
    assert [(r.key, r.label, r.due, r.done, r.on_time) for r in by_department] == [
        ("", "", 1, 1, 1),
        ("内科", "内科", 4, 2, 1),
        ("外科", "外科", 1, 1, 1),
    ]
    inner = by_department[1]
    assert (inner.rate, inner.on_time_rate) == (0.5, 0.5)
    by_doctor = {
        r.key: r for r in followups.followup_rates(cf.clinic, cf.director, first, last, by="doctor")
    }
    assert {k: (r.label, r.due, r.done, r.on_time) for k, r in by_doctor.items()} == {
        "": ("", 1, 1, 1),
        li.hex: ("李医生", 3, 2, 1),  # type: ignore[union-attr]
        wang.hex: ("王医生", 2, 1, 1),  # type: ignore[union-attr]
    }
    # The same figures straight from SQL (done_at is UTC; Shanghai is UTC+8 all year).
    sql = text(
        "SELECT department, COUNT(*), SUM(status = 'done'), "
        "SUM(status = 'done' AND date(done_at, '+8 hours') <= due_by) "
        "FROM followup_task WHERE kind = 'plan' AND deleted_at IS NULL "
        "AND due_by BETWEEN :first AND :last "
        "AND NOT (status = 'closed' "
        "AND close_reason IN ('deceased', 'opted_out', 'recategorised')) "
        "GROUP BY department ORDER BY department"
    )
    with cf.clinic.store.unit_of_work(write=False) as uow:
        direct = uow.session.execute(
            sql, {"first": first.isoformat(), "last": last.isoformat()}
        ).all()
    assert [tuple(r) for r in direct] == [(r.key, r.due, r.done, r.on_time) for r in by_department]
    assert (
        followups.followup_rates(cf.clinic, cf.director, date(2027, 1, 1), date(2027, 1, 31)) == []
    )
    # Customer service assesses the follow-up rate (seed 004: 随访率的考核), a doctor does not.
    assert followups.followup_rates(cf.clinic, w["service"], first, last) == by_department
    with pytest.raises(PermissionDenied):
        followups.followup_rates(cf.clinic, w["doctor"], first, last)
    with pytest.raises(ValidationError):
        followups.followup_rates(cf.clinic, cf.director, first, last, by="nurse")
    with pytest.raises(ValidationError):
        followups.followup_rates(cf.clinic, cf.director, last, first)


def test_the_followup_form_printed_from_a_call(w: dict[str, Any]) -> None:
    """E4: the caller, the date, the answers and the supervisor's check on the form."""
    cf, service, manager = w["cf"], w["service"], w["manager"]
    call = followups.log_call(
        cf.clinic,
        service,
        _manual(w),
        CallEntry(
            outcome="reached",
            recovery="recovered",
            adherence="sometimes_missed",
            satisfaction={"overall": 5, "waiting": 2},
            suggestions="希望延长周末门诊时间",
        ),
    ).value.call
    followups.spot_check(cf.clinic, manager, call.id, rating="acceptable", note="未问用药剂量")
    # Printed by the director, the form still names the one who called.
    form = printouts.followup_form(cf.clinic, cf.director, call_id=call.id)
    assert (form.caller, form.call_date, form.checker, form.check_date) == (
        "客服小林",
        "2026-11-23",
        "健康管理师老陈",
        "2026-11-23",
    )
    assert form.evaluation == "Acceptable 未问用药剂量"
    assert "Satisfaction (1-5): overall 5, waiting 2" in form.notes
    pdf = followup_form_pdf(form)
    text_ = squeeze(text_of(pdf))
    for word in ("客服小林", "健康管理师老陈", "未问用药剂量", "希望延长周末门诊时间", "Recovered"):
        assert word in text_, word
    other = patients.register_patient(
        cf.clinic, cf.director, family_name="李", given_name="四", phone="13700000000"
    ).value.id
    with pytest.raises(ValidationError):
        printouts.followup_form(cf.clinic, cf.director, other, call_id=call.id)
    pharmacist = _actor(cf, Role.PHARMACIST, "pharm1")
    with pytest.raises(PermissionDenied):
        printouts.followup_form(cf.clinic, pharmacist, call_id=call.id)
