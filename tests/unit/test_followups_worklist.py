"""The day's worklist (issue 9, spec E3, A5): what ``prepare_worklist`` derives, who sees
what, overdue first, retries, and one query however long the list."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, clinical, followups, patients
from clinic_desk.core.services.base import Topic
from clinic_desk.core.services.settings import update_settings
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE
from clinic_desk.core.store.models import Appointment, AuditEntry, FollowupTask, OutboxMessage
from tests.conftest import ClinicFixture
from tests.unit.test_followups_plans import _actor, _doctor, _patient

DAY = date(2026, 11, 23)  # the fake clock's Monday, 10:00 in Shanghai


def _at(day: date, hour: int) -> datetime:
    """``hour`` o'clock in Shanghai (UTC+8) on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def _booking(
    cf: ClinicFixture,
    patient_id: uuid.UUID,
    doctor_id: uuid.UUID | None,
    starts_at: datetime,
    status: str = "booked",
) -> uuid.UUID:
    # A plain row: the booking rules are the booking service's tests' business.
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = Appointment(
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=15),
            status=status,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.commit()
        return row.id


def _move(cf: ClinicFixture, appointment_id: uuid.UUID, starts_at: datetime) -> None:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(Appointment, appointment_id)
        assert row is not None
        row.starts_at, row.ends_at = starts_at, starts_at + timedelta(minutes=15)
        uow.commit()


def _derived(kind: str, appointment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"{kind}:{appointment_id}")


def _audited(cf: ClinicFixture, action: str) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return len(
            uow.session.execute(select(AuditEntry.seq).where(AuditEntry.action == action)).all()
        )


def _row(cf: ClinicFixture, task_id: uuid.UUID) -> tuple[str, str, date, date]:
    """(status, close reason, due from, due by) of a task as stored."""
    with cf.clinic.store.unit_of_work(write=False) as uow:
        row = uow.session.get(FollowupTask, task_id)
        assert row is not None
        return row.status, row.close_reason, row.due_from, row.due_by


def test_prepare_makes_tomorrows_confirmation_calls_once(cf: ClinicFixture) -> None:
    """A5: the day-before call for bookings still only booked; idempotent."""
    doctor = _doctor(cf)
    service = _actor(cf, Role.CUSTOMER_SERVICE, "service1")
    assert doctor.staff_id is not None
    p = [_patient(cf, n, f"1380000000{i}") for i, n in enumerate("一二三四五六")]
    tomorrow = DAY + timedelta(days=1)
    booked = _booking(cf, p[0], doctor.staff_id, _at(tomorrow, 9))
    _booking(cf, p[1], doctor.staff_id, _at(tomorrow, 10), "confirmed")
    _booking(cf, p[2], doctor.staff_id, _at(tomorrow, 11), "cancelled")
    _booking(cf, p[3], doctor.staff_id, _at(tomorrow + timedelta(days=1), 9))
    # Local days, not UTC ones: 00:30 the day after is not tomorrow, 23:30 is.
    _booking(cf, p[4], doctor.staff_id, _at(tomorrow, 23) + timedelta(hours=1, minutes=30))
    late_night = _booking(cf, p[5], doctor.staff_id, _at(tomorrow, 23) + timedelta(minutes=30))
    written = followups.prepare_worklist(cf.clinic, service)
    assert written.value == 2 and written.changes.touches(Topic.FOLLOWUPS)
    items = followups.worklist(cf.clinic, service).items
    assert {t.id for t in items} == {_derived("confirm", booked), _derived("confirm", late_night)}
    first = next(t for t in items if t.source_id == booked)
    assert (first.kind, first.due_from, first.due_by, first.caller_role, first.assignee_id) == (
        "confirm",
        DAY,
        DAY,
        "customer_service",
        None,
    )
    assert first.appointment_at == _at(tomorrow, 9) and first.department == "全科"
    assert first.doctor_name == "李医生" and first.patient_name == "张一"
    # Again (another workstation, the midnight timer): nothing new.
    again = followups.prepare_worklist(cf.clinic, service)
    assert again.value == 0 and not again.changes.ids
    assert len(followups.worklist(cf.clinic, service).items) == 2
    assert _audited(cf, "followup.prepare") == 1


def test_prepare_closes_calls_of_cancelled_moved_or_confirmed_bookings(cf: ClinicFixture) -> None:
    doctor = _doctor(cf)
    assert doctor.staff_id is not None
    p = [_patient(cf, n, f"1380000000{i}") for i, n in enumerate("一二三")]
    tomorrow = DAY + timedelta(days=1)
    cancelled = _booking(cf, p[0], doctor.staff_id, _at(tomorrow, 9))
    confirmed = _booking(cf, p[1], doctor.staff_id, _at(tomorrow, 10))
    moved = _booking(cf, p[2], doctor.staff_id, _at(tomorrow, 11))
    assert followups.prepare_worklist(cf.clinic, cf.director).value == 3
    appointments.cancel(cf.clinic, cf.director, cancelled, reason="病好了")
    appointments.confirm_appointment(cf.clinic, cf.director, confirmed)
    _move(cf, moved, _at(tomorrow + timedelta(days=2), 11))
    written = followups.prepare_worklist(cf.clinic, cf.director)
    assert written.value == 0 and len(written.changes.ids) == 3
    for appointment_id in (cancelled, confirmed, moved):
        assert _row(cf, _derived("confirm", appointment_id))[:2] == (
            "closed",
            "appointment_changed",
        )
    assert followups.worklist(cf.clinic, cf.director, who="all").items == ()
    # The moved booking comes due again two days later: its call reopens for that day.
    cf.clock.advance(days=2)
    assert followups.prepare_worklist(cf.clinic, cf.director).value == 1
    assert _row(cf, _derived("confirm", moved)) == (
        "open",
        "",
        DAY + timedelta(days=2),
        DAY + timedelta(days=2),
    )


def test_prepare_makes_no_show_callbacks_of_the_last_days(cf: ClinicFixture) -> None:
    doctor = _doctor(cf)
    assert doctor.staff_id is not None
    p = [_patient(cf, n, f"1380000000{i}") for i, n in enumerate("一二三四")]
    missed = [
        _booking(cf, p[i], doctor.staff_id, _at(DAY - timedelta(days=i), 8), "no_show")
        for i in range(4)
    ]
    patients.set_contact_opt_out(cf.clinic, cf.director, p[1], calls=True, messages=False)
    assert followups.prepare_worklist(cf.clinic, cf.director).value == 2
    kinds = {
        (t.source_id, t.kind) for t in followups.worklist(cf.clinic, cf.director, who="all").items
    }
    # Today's and the day before yesterday's; yesterday's patient opted out of calls;
    # three days ago is past followup.no_show_callback_days (2).
    assert kinds == {(missed[0], "no_show"), (missed[2], "no_show")}
    assert _row(cf, _derived("no_show", missed[0]))[3] == DAY
    update_settings(cf.clinic, cf.director, {"followup.no_show_callback_days": 0})
    cf.clock.advance(days=1)
    assert followups.prepare_worklist(cf.clinic, cf.director).value == 0


def test_prepare_queues_the_week_before_reminder_once(cf: ClinicFixture) -> None:
    """A5: the message one week before goes to the outbox with its derived id."""
    doctor = _doctor(cf)
    assert doctor.staff_id is not None
    patient = _patient(cf)
    week = _booking(cf, patient, doctor.staff_id, _at(DAY + timedelta(days=7), 9))
    # The reminder gives the clinic's phone: none set, nothing queued (and nothing lost).
    assert followups.prepare_worklist(cf.clinic, cf.director).value == 0
    update_settings(cf.clinic, cf.director, {"clinic.phone": "010-65001234"})
    written = followups.prepare_worklist(cf.clinic, cf.director)
    assert written.value == 1 and written.changes.touches(Topic.OUTBOX)
    with cf.clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.source_id,
                OutboxMessage.purpose,
                OutboxMessage.state,
                OutboxMessage.body,
            )
        ).all()
    assert [tuple(m[:4]) for m in rows] == [
        (_derived("reminder", week), week, "reminder", "queued")
    ]
    assert "张" in rows[0][4] and "010-65001234" in rows[0][4]
    assert followups.prepare_worklist(cf.clinic, cf.director).value == 0


def _plan_tasks(cf: ClinicFixture) -> dict[str, Any]:
    """Doctors li and wang each with a chronic patient (their own calls), a cold patient
    (customer service's pool), a positive check-up (the health managers' pool), and a
    task added for one customer service person by name."""
    li = _doctor(cf, "dr.li")
    wang = _doctor(cf, "dr.wang")
    service1 = _actor(cf, Role.CUSTOMER_SERVICE, "service1")
    service2 = _actor(cf, Role.CUSTOMER_SERVICE, "service2")
    manager = _actor(cf, Role.HEALTH_MANAGER, "manager1")
    ids = {}
    for name, doctor, category in (
        ("li_chronic", li, "chronic"),
        ("wang_chronic", wang, "chronic"),
        ("cold", li, "cold"),
        ("exam", li, "physical_exam_positive"),
    ):
        patient = _patient(cf, name, f"139{len(ids):08d}")
        clinical.record_visit(cf.clinic, doctor, patient, category=category, plan="复查")
        ids[name] = patient
    manual = followups.add_task(
        cf.clinic,
        service1,
        ids["cold"],
        title="告知化验结果",
        due_from=DAY,
        caller_role="customer_service",
        assignee_id=service2.staff_id,
    ).value
    return {
        "li": li,
        "wang": wang,
        "service1": service1,
        "service2": service2,
        "manager": manager,
        "patients": ids,
        "manual": manual,
    }


def _names(items: tuple[followups.TaskView, ...]) -> list[tuple[str, str]]:
    return [(t.patient_name, t.kind) for t in items]


def test_who_sees_what(cf: ClinicFixture) -> None:
    """E3: mine = assigned to me or my role's pool (a doctor: their own patients only);
    my_role = the role's whole pool; all = supervisors only."""
    w = _plan_tasks(cf)
    day = DAY + timedelta(days=10)  # every first call is due by then
    cf.clock.advance(days=10)
    li_mine = followups.worklist(cf.clinic, w["li"], who="mine")
    assert _names(li_mine.items) == [("张li_chronic", "plan")]
    li_role = followups.worklist(cf.clinic, w["li"], who="my_role")
    assert sorted(_names(li_role.items)) == [("张li_chronic", "plan"), ("张wang_chronic", "plan")]
    with pytest.raises(PermissionDenied):
        followups.worklist(cf.clinic, w["li"], who="all")
    one = followups.worklist(cf.clinic, w["service1"])
    assert _names(one.items) == [("张cold", "plan")]
    two = followups.worklist(cf.clinic, w["service2"])
    assert sorted(_names(two.items)) == [("张cold", "manual"), ("张cold", "plan")]
    assert _names(followups.worklist(cf.clinic, w["service1"], who="my_role").items) == _names(
        two.items
    )
    manager = followups.worklist(cf.clinic, w["manager"])
    assert _names(manager.items) == [("张exam", "plan")]
    everything = followups.worklist(cf.clinic, w["manager"], who="all", day=day)
    assert len(everything.items) == 5
    assert everything.counts == {"plan": 4, "manual": 1}
    only_manual = followups.worklist(cf.clinic, cf.director, who="all", kinds=("manual",))
    assert [t.id for t in only_manual.items] == [w["manual"].id]
    # A pharmacist does not work the list at all.
    pharmacist = _actor(cf, Role.PHARMACIST, "pharm1")
    with pytest.raises(PermissionDenied):
        followups.worklist(cf.clinic, pharmacist)


def test_overdue_first_most_overdue_first(cf: ClinicFixture) -> None:
    w = _plan_tasks(cf)
    cf.clock.advance(days=20)
    today = DAY + timedelta(days=20)
    listed = followups.worklist(cf.clinic, cf.director, who="all")
    dues = [t.due_by for t in listed.items]
    assert dues == sorted(dues)
    # cold (due by day 1), manual (day 0), chronic x2 (day 7), the exam's first call (day 9).
    assert [t.overdue_days for t in listed.items] == [20, 19, 13, 13, 11]
    assert listed.overdue == 5 and listed.day == today
    # The two chronic calls due the same day come by name.
    assert [t.patient_name for t in listed.items[2:4]] == ["张li_chronic", "张wang_chronic"]
    assert w["manual"].id == listed.items[0].id
    # Before they are due, nothing shows; a look at a day ahead shows what will be due.
    cf.clock.now = _at(DAY, 10)
    assert [t.kind for t in followups.worklist(cf.clinic, cf.director, who="all").items] == [
        "manual",
        "plan",
    ]
    ahead = followups.worklist(cf.clinic, cf.director, DAY + timedelta(days=3), who="all")
    assert len(ahead.items) == 4 and ahead.overdue == 2


def test_a_retry_hides_the_task_until_its_time(cf: ClinicFixture) -> None:
    """E5: no answer → tried again after followup.retry_hours (4); a retry falling on the
    next day leaves today's list."""
    w = _plan_tasks(cf)
    service = w["service1"]
    (task,) = followups.worklist(cf.clinic, service).items
    followups.log_call(cf.clinic, service, task.id, followups.CallEntry(outcome="no_answer"))
    waiting = followups.worklist(cf.clinic, service).items
    assert [t.next_try_at for t in waiting] == [_at(DAY, 14)]
    assert followups.worklist(cf.clinic, service, include_waiting_retry=False).items == ()
    cf.clock.advance(hours=4)
    assert len(followups.worklist(cf.clinic, service, include_waiting_retry=False).items) == 1
    update_settings(cf.clinic, cf.director, {"followup.retry_hours": 12})
    followups.log_call(cf.clinic, service, task.id, followups.CallEntry(outcome="no_answer"))
    assert followups.worklist(cf.clinic, service).items == ()  # tomorrow 02:00
    cf.clock.advance(hours=12)
    (again,) = followups.worklist(cf.clinic, service).items
    assert again.attempts == 2 and again.last_outcome == "no_answer"


def test_worklist_refuses_bad_arguments(cf: ClinicFixture) -> None:
    for kwargs in ({"who": "everyone"}, {"kinds": ("horoscope",)}, {"who": ""}):
        with pytest.raises(ValidationError):
            followups.worklist(cf.clinic, cf.director, **kwargs)
    with pytest.raises(ValidationError):
        followups.worklist(cf.clinic, cf.director, datetime(2026, 11, 23, tzinfo=UTC))
    with pytest.raises(ValidationError):
        followups.prepare_worklist(cf.clinic, cf.director, "2026-11-23")  # type: ignore[arg-type]


@contextmanager
def _statements(cf: ClinicFixture) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = cf.clinic.store.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_worklist_is_one_query_however_long(cf: ClinicFixture) -> None:
    """The bench target (< 200 ms on ~100k tasks) needs one indexed query, not one per row."""
    doctor = _doctor(cf)
    first = _patient(cf, "一", "13800000001")
    clinical.record_visit(cf.clinic, doctor, first, category="cold", plan="多喝水")
    with _statements(cf) as few:
        short = followups.worklist(cf.clinic, cf.director, who="all")
    for n in range(30):
        patient = _patient(cf, f"病人{n}", f"1370000{n:04d}")
        clinical.record_visit(cf.clinic, doctor, patient, category="cold", plan="多喝水")
    with _statements(cf) as many:
        long = followups.worklist(cf.clinic, cf.director, who="all")
    assert len(short.items) == 1 and len(long.items) == 31
    selects = [s for s in many if s.lstrip().upper().startswith("SELECT")]
    assert len(many) == len(few) and len(selects) == 1
    assert "followup_task" in selects[0] and "JOIN patient" in selects[0]


def test_tasks_by_hand_added_reassigned_and_closed(cf: ClinicFixture) -> None:
    """E3: a task added by hand, given to someone, closed with a reason; bad input refused."""
    service = _actor(cf, Role.CUSTOMER_SERVICE, "service1")
    other = _actor(cf, Role.CUSTOMER_SERVICE, "service2")
    pharmacist = _actor(cf, Role.PHARMACIST, "pharm1")
    patient = _patient(cf)
    for kwargs in (
        {"title": ""},
        {"title": "  \n "},
        {"title": "回" * 201},
        {"title": "ring\x07"},
        {"due_from": DAY - timedelta(days=2), "due_by": DAY - timedelta(days=1)},
        {"due_by": DAY - timedelta(days=1)},
        {"due_from": DAY + timedelta(days=366)},
        {"due_from": datetime(2026, 11, 23, tzinfo=UTC)},
        {"channel": "pigeon"},
        {"caller_role": "janitor"},
    ):
        typed: dict[str, Any] = {"title": "告知化验结果", "due_from": DAY, **kwargs}
        with pytest.raises(ValidationError):
            followups.add_task(cf.clinic, service, patient, **typed)
    with pytest.raises(ValidationError):  # a pharmacist does not make follow-up calls
        followups.add_task(
            cf.clinic, service, patient, title="x", due_from=DAY, assignee_id=pharmacist.staff_id
        )
    with pytest.raises(PermissionDenied):
        followups.add_task(cf.clinic, pharmacist, patient, title="x", due_from=DAY)
    added = followups.add_task(
        cf.clinic, service, patient, title="告知化验结果 🧪", due_from=DAY, channel="wechat"
    )
    view = added.value
    assert added.changes.touches(Topic.FOLLOWUPS)
    assert (view.kind, view.title, view.due_from, view.due_by, view.assignee_id) == (
        "manual",
        "告知化验结果 🧪",
        DAY,
        DAY,
        None,
    )
    given = followups.reassign_task(cf.clinic, service, view.id, other.staff_id).value
    assert (given.assignee_id, given.assignee_name) == (other.staff_id, "service2")
    assert followups.worklist(cf.clinic, service).items == ()
    back = followups.reassign_task(cf.clinic, service, view.id, None).value
    assert back.assignee_id is None and len(followups.worklist(cf.clinic, service).items) == 1
    with pytest.raises(ValidationError):
        followups.close_task(cf.clinic, service, view.id, reason="bored")
    closed = followups.close_task(
        cf.clinic, service, view.id, reason="cancelled", note="家属已转告"
    ).value
    assert (closed.status, closed.close_reason) == ("closed", "cancelled")
    assert followups.task(cf.clinic, service, view.id) == closed
    assert followups.patient_tasks(cf.clinic, service, patient) == [closed]
    with pytest.raises(ValidationError):
        followups.close_task(cf.clinic, service, view.id, reason="cancelled")
    with pytest.raises(ValidationError):
        followups.reassign_task(cf.clinic, service, view.id, other.staff_id)
    assert _audited(cf, "followup.task_add") == 1
    assert _audited(cf, "followup.task_reassign") == 2
    assert _audited(cf, "followup.task_close") == 1
