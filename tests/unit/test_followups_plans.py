"""Follow-up plans (issue 9, spec E1, E3): a finished visit of each category makes the
right tasks, on the right days, for the right callers; closed days, plan edits,
re-categorised visits, corrections and the queue's finish never make duplicates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from clinic_desk.core.errors import PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import (
    clinical,
    followups,
    patients,
    reception,
    rosters,
    staff,
)
from clinic_desk.core.services.base import Actor, Topic
from clinic_desk.core.services.followups import PlanStep
from clinic_desk.core.services.settings import update_settings
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE
from clinic_desk.core.store.models import FollowupTask
from tests.conftest import ClinicFixture

# The fake clock: Monday 2026-11-23, 10:00 in Shanghai. No closed day in the next 100.
DAY = date(2026, 11, 23)


def _actor(cf: ClinicFixture, role: Role, login: str, name: str | None = None) -> Actor:
    staff.add_staff(
        cf.clinic,
        cf.director,
        login=login,
        display_name=name or login,
        role=role,
        password="some-pass-123",
    )
    return staff.sign_in(cf.clinic, login, "some-pass-123")


def _doctor(
    cf: ClinicFixture,
    login: str = "dr.li",
    specialties: str = "全科；高血压随访",
    *,
    name: str = "李医生",
) -> Actor:
    doctor = _actor(cf, Role.DOCTOR, login, name)
    assert doctor.staff_id is not None
    blocks = [rosters.RosterBlock(wd, 8 * 60, 17 * 60) for wd in range(7)]
    rosters.set_weekly_roster(cf.clinic, cf.director, doctor.staff_id, blocks)
    rosters.set_doctor_profile(
        cf.clinic, cf.director, doctor.staff_id, specialties=specialties, description=""
    )
    return doctor


def _patient(cf: ClinicFixture, given: str = "三", phone: str = "13812345678") -> uuid.UUID:
    return patients.register_patient(
        cf.clinic, cf.director, family_name="张", given_name=given, phone=phone
    ).value.id


def _tasks(cf: ClinicFixture, patient_id: uuid.UUID) -> list[followups.TaskView]:
    views = followups.patient_tasks(cf.clinic, cf.director, patient_id)
    return sorted(views, key=lambda t: (t.due_from, t.level, t.due_by))


def _visit(cf: ClinicFixture, doctor: Actor, patient_id: uuid.UUID, category: str) -> uuid.UUID:
    return clinical.record_visit(
        cf.clinic,
        doctor,
        patient_id,
        category=category,
        diagnosis="诊断",
        doctor_id=doctor.staff_id,
    ).value.id


def _count(cf: ClinicFixture) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(uow.session.execute(select(func.count()).select_from(FollowupTask)).scalar())


# (category, [(from day, by day, caller, channel, level, checks previous)]) — the seeds'
# defaults (E1) written out by hand, days after the visit's day.
D, N, CS, HM = "doctor", "nurse", "customer_service", "health_manager"
PLANS = [
    ("cold", [(0, 1, CS, "message", 0, False)]),
    ("physical_exam", [(0, 1, CS, "message", 0, False)]),
    ("physical_exam_positive", [(7, 9, HM, "phone", 0, False), (30, 35, HM, "phone", 0, False)]),
    ("chronic", [(3, 7, D, "phone", 0, False)]),
    ("post_operative", [(3, 7, D, "phone", 0, False)]),
    ("family_planning", [(7, 9, D, "phone", 0, False)]),
    (
        "inpatient_surgery",
        [(1, 2, D, "phone", 0, False), (7, 9, D, "phone", 0, False),
         (30, 35, D, "phone", 0, False), (90, 97, D, "phone", 0, False)],
    ),
    ("other_treatment", [(1, 2, D, "phone", 0, False), (7, 9, D, "phone", 0, False)]),
    (
        "outpatient_surgery",
        [(1, 2, D, "phone", 0, False), (7, 9, D, "phone", 0, False),
         (14, 16, D, "phone", 0, False), (21, 23, D, "phone", 0, False),
         (28, 30, D, "phone", 0, False)],
    ),
    ("other", [(1, 31, CS, "phone", 0, False)]),
    (
        "chronic_discharge",
        [(0, 0, N, "phone", 1, False), (0, 14, D, "phone", 2, False),
         (0, 30, CS, "phone", 3, True)],
    ),
]  # fmt: skip


def test_the_table_covers_every_category() -> None:
    assert sorted(c for c, _steps in PLANS) == sorted(clinical.VISIT_CATEGORIES)
    assert sorted(followups.DEFAULT_PLANS) == sorted(clinical.VISIT_CATEGORIES)


@pytest.mark.parametrize(("category", "expected"), PLANS, ids=[c for c, _s in PLANS])
def test_finishing_a_visit_makes_its_plan(
    cf: ClinicFixture, category: str, expected: list[tuple[int, int, str, str, int, bool]]
) -> None:
    """E1, E3: each category's tasks, days, channels and callers; the attending doctor
    is named for the doctor's calls, the rest go to the role's pool."""
    # "Everyone else" is a sample; all of it here, the sampling has its own test.
    update_settings(cf.clinic, cf.director, {"followup.random_sample_percent": 100})
    doctor = _doctor(cf)
    patient = _patient(cf)
    written = clinical.record_visit(
        cf.clinic, doctor, patient, category=category, diagnosis="诊断", doctor_id=doctor.staff_id
    )
    assert written.changes.touches(Topic.FOLLOWUPS) and written.changes.touches(Topic.CLINICAL)
    tasks = _tasks(cf, patient)
    got = [
        (
            (t.due_from - DAY).days,
            (t.due_by - DAY).days,
            t.caller_role,
            t.channel,
            t.level,
        )
        for t in tasks
    ]
    assert got == [e[:5] for e in expected]
    for t in tasks:
        assert (t.kind, t.plan_category, t.status, t.source_id) == (
            "plan",
            category,
            "open",
            written.value.id,
        )
        assert t.doctor_id == doctor.staff_id and t.doctor_name == "李医生"
        assert t.department == "全科"  # the doctor's first specialty
        assert t.assignee_id == (doctor.staff_id if t.caller_role == "doctor" else None)
        assert (t.patient_name, t.honorific, t.phone) == ("张三", "张先生/女士", "138 1234 5678")
    with cf.clinic.store.unit_of_work(write=False) as uow:
        checks = [
            uow.session.get(FollowupTask, t.id).checks_previous  # type: ignore[union-attr]
            for t in tasks
        ]
    assert checks == [e[5] for e in expected]


def test_an_unfinished_visit_makes_no_tasks_until_it_is_finished(cf: ClinicFixture) -> None:
    doctor = _doctor(cf)
    patient = _patient(cf)
    draft = clinical.record_visit(
        cf.clinic, doctor, patient, category="chronic", plan="复查", finished=False
    )
    assert _tasks(cf, patient) == [] and not draft.changes.touches(Topic.FOLLOWUPS)
    cf.clock.advance(days=1)
    clinical.correct_visit(cf.clinic, doctor, draft.value.id, reason="看完了", finished=True)
    (task,) = _tasks(cf, patient)
    # Counted from the day it was finished, under the first version's id.
    assert (task.due_from, task.due_by) == (date(2026, 11, 27), date(2026, 12, 1))
    assert task.id == followups.task_id_for(draft.value.id, "chronic", 0)


def test_other_is_a_deterministic_sample_near_the_percent(cf: ClinicFixture) -> None:
    """E1 'everyone else: random monthly sampling': about followup.random_sample_percent
    of the visits, and the same ones on every workstation (derived from the visit)."""
    patient = _patient(cf)
    sources = [uuid.uuid5(uuid.NAMESPACE_URL, f"visit-{n}") for n in range(400)]
    finished = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def run() -> set[uuid.UUID]:
        picked: set[uuid.UUID] = set()
        with cf.clinic.store.unit_of_work(write=True) as uow:
            for source in sources:
                made = followups.plan_for_visit_in(
                    cf.clinic,
                    uow,
                    cf.director,
                    patient_id=patient,
                    source_id=source,
                    category="other",
                    finished_at=finished,
                    doctor_id=None,
                    department="",
                )
                if made:
                    picked.add(source)
            uow.commit()
        return picked

    picked = run()
    # The rule, worked out here from the visit's id alone.
    expected = {
        s
        for s in sources
        if int(uuid.uuid5(SYNCED_ROW_NAMESPACE, f"sample:{s}").hex[:8], 16) % 100 < 10
    }
    assert picked == expected
    assert 20 <= len(picked) <= 60  # 10 % of 400 is 40; a fair sample is near it
    assert run() == set()  # a second pass adds nothing
    assert _count(cf) == len(picked)
    update_settings(cf.clinic, cf.director, {"followup.random_sample_percent": 0})
    assert not any(followups.is_sampled(s, 0) for s in sources)
    assert all(followups.is_sampled(s, 100) for s in sources)


@pytest.mark.parametrize(
    ("rule", "cold", "chronic"),
    [
        # cold: message day 0-1; chronic: call day 3-7 — from Wednesday 30 September 2026,
        # the eve of National Day (1-7 October closed, the 8th a workday).
        ("later", (date(2026, 9, 30), date(2026, 10, 8)), (date(2026, 10, 8), date(2026, 10, 8))),
        (
            "earlier",
            (date(2026, 9, 30), date(2026, 9, 30)),
            (date(2026, 9, 30), date(2026, 9, 30)),
        ),
        ("keep", (date(2026, 9, 30), date(2026, 10, 1)), (date(2026, 10, 3), date(2026, 10, 7))),
    ],
)
def test_due_dates_on_a_holiday_move_per_the_setting(
    cf: ClinicFixture, rule: str, cold: tuple[date, date], chronic: tuple[date, date]
) -> None:
    """E1: deadlines on a closed day (the CN calendar's National Day) move later, earlier
    or stay, per followup.closed_day_rule."""
    cf.clock.now = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    update_settings(
        cf.clinic,
        cf.director,
        {"appointments.holiday_calendar": "CN", "followup.closed_day_rule": rule},
    )
    doctor = _doctor(cf)
    first, second = _patient(cf, "一", "13800000001"), _patient(cf, "二", "13800000002")
    _visit(cf, doctor, first, "cold")
    _visit(cf, doctor, second, "chronic")
    (cold_task,) = _tasks(cf, first)
    (chronic_task,) = _tasks(cf, second)
    assert (cold_task.due_from, cold_task.due_by) == cold
    assert (chronic_task.due_from, chronic_task.due_by) == chronic


def test_a_clinic_closure_moves_too_and_never_before_the_visit(cf: ClinicFixture) -> None:
    cf.clock.now = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    rosters.add_closure(cf.clinic, cf.director, date(2026, 10, 8), "装修")
    doctor = _doctor(cf)
    patient = _patient(cf)
    _visit(cf, doctor, patient, "chronic")
    (task,) = _tasks(cf, patient)
    assert (task.due_from, task.due_by) == (date(2026, 10, 9), date(2026, 10, 9))
    # A discharge seen on a holiday: the nurse's same-day call cannot move before the
    # visit, so it stays on that day even with "earlier".
    update_settings(cf.clinic, cf.director, {"followup.closed_day_rule": "earlier"})
    cf.clock.now = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
    other = _patient(cf, "四", "13800000004")
    _visit(cf, doctor, other, "chronic_discharge")
    nurse, doctor_call, service = _tasks(cf, other)
    assert (nurse.level, nurse.due_from, nurse.due_by) == (1, date(2026, 10, 2), date(2026, 10, 2))
    assert (doctor_call.due_from, doctor_call.due_by) == (date(2026, 10, 2), date(2026, 10, 16))
    assert service.due_by == date(2026, 11, 1)


def test_a_plan_edited_while_tasks_are_open_keeps_their_dates(cf: ClinicFixture) -> None:
    """Bad input from the issue: editing a plan never moves the tasks already made."""
    doctor = _doctor(cf)
    first = _patient(cf, "一", "13800000001")
    visit = _visit(cf, doctor, first, "chronic")
    (before,) = _tasks(cf, first)
    saved = followups.save_plan(
        cf.clinic,
        cf.director,
        "chronic",
        [PlanStep(1, 1, "phone", "health_manager"), PlanStep(14, 2, "message", "customer_service")],
    )
    assert not saved.value.is_default and saved.changes.touches(Topic.FOLLOWUPS)
    assert _tasks(cf, first) == [before]
    # A correction of that visit (same category) keeps the task as it was, no duplicate.
    clinical.correct_visit(cf.clinic, doctor, visit, reason="补充诊断", diagnosis="高血压")
    assert _tasks(cf, first) == [before]
    second = _patient(cf, "二", "13800000002")
    _visit(cf, doctor, second, "chronic")
    got = [(t.due_from, t.due_by, t.caller_role, t.channel) for t in _tasks(cf, second)]
    assert got == [
        (date(2026, 11, 24), date(2026, 11, 25), "health_manager", "phone"),
        (date(2026, 12, 7), date(2026, 12, 9), "customer_service", "message"),
    ]
    listed = {p.category: p for p in followups.list_plans(cf.clinic, doctor)}
    assert not listed["chronic"].is_default and listed["cold"].is_default
    assert listed["other"].sampled_percent == 10 and listed["cold"].sampled_percent is None
    reset = followups.reset_plan(cf.clinic, cf.director, "chronic").value
    assert reset.is_default and reset.steps == followups.DEFAULT_PLANS["chronic"]
    # Switched off: no tasks at all.
    followups.save_plan(
        cf.clinic, cf.director, "cold", followups.DEFAULT_PLANS["cold"], active=False
    )
    third = _patient(cf, "三", "13800000003")
    _visit(cf, doctor, third, "cold")
    assert _tasks(cf, third) == []


def test_saving_a_plan_checks_every_step_and_the_role(cf: ClinicFixture) -> None:
    ok = PlanStep(1, 1, "phone", "doctor")
    bad: list[object] = [
        [],
        [ok] * 13,
        [PlanStep(366, 1, "phone", "doctor")],
        [PlanStep(1, -1, "phone", "doctor")],
        [PlanStep(True, 1, "phone", "doctor")],  # type: ignore[arg-type]
        [PlanStep(1, 1, "pigeon", "doctor")],
        [PlanStep(1, 1, "phone", "janitor")],
        [PlanStep(1, 1, "phone", "doctor", level=4)],
        "1,1,phone,doctor",
    ]
    for steps in bad:
        with pytest.raises(ValidationError):
            followups.save_plan(cf.clinic, cf.director, "chronic", steps)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        followups.save_plan(cf.clinic, cf.director, "感冒", [ok])
    service = _actor(cf, Role.CUSTOMER_SERVICE, "service1")
    with pytest.raises(PermissionDenied):
        followups.save_plan(cf.clinic, service, "chronic", [ok])
    with pytest.raises(PermissionDenied):
        followups.reset_plan(cf.clinic, service, "chronic")
    # Twelve steps of a year each are fine.
    followups.save_plan(
        cf.clinic, cf.director, "chronic", [PlanStep(365, 365, "letter", "nurse")] * 12
    )
    assert len(followups.list_plans(cf.clinic, service)[3].steps) == 12


def test_a_recategorised_visit_closes_the_old_open_tasks_and_keeps_done_ones(
    cf: ClinicFixture,
) -> None:
    """Bad input from the issue: tasks adjusted, history kept."""
    doctor = _doctor(cf)
    patient = _patient(cf)
    visit = _visit(cf, doctor, patient, "inpatient_surgery")
    first = _tasks(cf, patient)[0]
    followups.log_call(cf.clinic, doctor, first.id, followups.CallEntry(outcome="reached"))
    latest = clinical.correct_visit(
        cf.clinic, doctor, visit, reason="分类错了", category="cold"
    ).value.id
    tasks = _tasks(cf, patient)
    assert len(tasks) == 5
    by_category = {(t.plan_category, t.status, t.close_reason) for t in tasks}
    assert by_category == {
        ("inpatient_surgery", "done", ""),
        ("inpatient_surgery", "closed", "recategorised"),
        ("cold", "open", ""),
    }
    assert sum(t.close_reason == "recategorised" for t in tasks) == 3
    # Back to the first category: its closed tasks reopen with their dates, cold closes.
    clinical.correct_visit(
        cf.clinic, doctor, latest, reason="还是住院手术", category="inpatient_surgery"
    )
    tasks = _tasks(cf, patient)
    assert len(tasks) == 5 and _count(cf) == 5
    states = sorted((t.plan_category, t.status, (t.due_from - DAY).days) for t in tasks)
    assert states == [
        ("cold", "closed", 0),
        ("inpatient_surgery", "done", 1),
        ("inpatient_surgery", "open", 7),
        ("inpatient_surgery", "open", 30),
        ("inpatient_surgery", "open", 90),
    ]


def _queue_to_consultation(cf: ClinicFixture, doctor: Actor, patient: uuid.UUID) -> uuid.UUID:
    entry = reception.walk_in(
        cf.clinic, cf.director, patient, doctor_id=doctor.staff_id, identity_checked=True
    ).value.entry_id
    reception.call_next(cf.clinic, doctor)
    reception.start_consultation(cf.clinic, doctor, entry)
    return entry


def test_finishing_from_the_queue_then_writing_the_visit_makes_no_duplicates(
    cf: ClinicFixture,
) -> None:
    doctor = _doctor(cf, specialties="内科；慢病随访")
    patient = _patient(cf)
    entry = _queue_to_consultation(cf, doctor, patient)
    reception.finish_consultation(cf.clinic, doctor, entry, visit_category="chronic")
    (task,) = _tasks(cf, patient)
    assert task.source_id == entry and task.department == "内科"
    assert task.assignee_id == doctor.staff_id
    # The doctor writes the visit in the file afterwards, same category: same plan.
    visit = _visit(cf, doctor, patient, "chronic")
    assert _tasks(cf, patient) == [task]
    # A correction to another category re-plans that same encounter.
    clinical.correct_visit(cf.clinic, doctor, visit, reason="出院", category="chronic_discharge")
    tasks = _tasks(cf, patient)
    assert {t.source_id for t in tasks} == {entry}
    assert sorted((t.plan_category, t.status) for t in tasks) == [
        ("chronic", "closed"),
        ("chronic_discharge", "open"),
        ("chronic_discharge", "open"),
        ("chronic_discharge", "open"),
    ]


def test_writing_the_visit_then_finishing_from_the_queue_makes_no_duplicates(
    cf: ClinicFixture,
) -> None:
    doctor = _doctor(cf)
    one, two = _patient(cf, "一", "13800000001"), _patient(cf, "二", "13800000002")
    # Linked: the queue names the visit, whose plan it already is.
    entry = _queue_to_consultation(cf, doctor, one)
    visit = _visit(cf, doctor, one, "outpatient_surgery")
    before = _tasks(cf, one)
    reception.finish_consultation(
        cf.clinic, doctor, entry, visit_category="outpatient_surgery", visit_id=visit
    )
    assert _tasks(cf, one) == before and len(before) == 5
    # Not linked: the same patient's visit finished that day is found.
    entry = _queue_to_consultation(cf, doctor, two)
    _visit(cf, doctor, two, "cold")
    before = _tasks(cf, two)
    reception.finish_consultation(cf.clinic, doctor, entry, visit_category="cold")
    assert _tasks(cf, two) == before and len(before) == 1
    assert _count(cf) == 6


def test_finishing_from_the_queue_without_a_category_makes_nothing(cf: ClinicFixture) -> None:
    doctor = _doctor(cf)
    patient = _patient(cf)
    entry = _queue_to_consultation(cf, doctor, patient)
    reception.finish_consultation(cf.clinic, doctor, entry)
    assert _tasks(cf, patient) == []
