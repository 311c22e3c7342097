"""Follow-ups (spec E1-E6, A5, G1): plans, the day's call worklist, calls, spot checks,
forwarded suggestions and follow-up rates.

* A finished visit starts its category's plan (E1): ``plan_for_visit_in`` runs inside
  the visit's or the queue's own transaction. Task ids are derived from what they come
  from (``uuid5``), so finishing twice, correcting a visit, or two workstations doing
  it offline make the same rows. A re-categorised visit closes its open tasks of the
  old category (``recategorised``); done ones stay, as history.
* Due dates on a closed day (public holiday, clinic closure) move per
  ``followup.closed_day_rule``; editing a plan never moves open tasks.
* ``prepare_worklist`` derives the day's confirmation calls, no-show callbacks and
  week-before reminder messages (A5); ``worklist`` is one indexed query.
* A call (E4, E5, G1) records the outcome; no answer schedules a retry, and after
  ``followup.max_attempts`` the task is closed as unreachable. A suggestion can be
  forwarded to a department (抄告) and a complaint opened, in the same transaction.
* Supervisors spot-check calls (抽查, E6), never their own.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, aliased

from clinic_desk.core.errors import DateOutOfRange, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.outbox import templates as message_templates
from clinic_desk.core.rules import honorifics, slots
from clinic_desk.core.rules.phones import format_phone
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, Role, allowed
from clinic_desk.core.services import appointments as ap
from clinic_desk.core.services import (
    clinical,
    complaints,
    membership,
    outbox,
    patients,
    reception,
    rosters,
    staff,
)
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.clinical import InvalidEntry
from clinic_desk.core.services.registry_rules import display_name
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE, new_id
from clinic_desk.core.store.models import (
    Appointment,
    Complaint,
    DoctorProfile,
    FollowupCall,
    FollowupForward,
    FollowupPlan,
    FollowupTask,
    Medication,
    Patient,
    QueueEntry,
    Staff,
    Visit,
)
from clinic_desk.core.store.store import UnitOfWork

# -- code tables --------------------------------------------------------------------------------

CHANNELS = ("phone", "message", "wechat", "email", "letter", "home_visit")
CHANNEL_LABELS: dict[str, str] = {
    "phone": QT_TRANSLATE_NOOP("Followup", "Phone call"),
    "message": QT_TRANSLATE_NOOP("Followup", "Text message"),
    "wechat": QT_TRANSLATE_NOOP("Followup", "WeChat"),
    "email": QT_TRANSLATE_NOOP("Followup", "E-mail"),
    "letter": QT_TRANSLATE_NOOP("Followup", "Letter"),
    "home_visit": QT_TRANSLATE_NOOP("Followup", "Home visit"),
}
# Reaching the person (an opt-out of calls ends these); the rest are messages.
CALL_CHANNELS = frozenset({"phone", "home_visit"})
MESSAGE_CHANNELS = frozenset(CHANNELS) - CALL_CHANNELS

CALLERS = ("doctor", "nurse", "customer_service", "health_manager")
CALLER_LABELS: dict[str, str] = {
    "doctor": QT_TRANSLATE_NOOP("Followup", "Attending doctor"),
    "nurse": QT_TRANSLATE_NOOP("Followup", "Nurse"),
    "customer_service": QT_TRANSLATE_NOOP("Followup", "Customer service"),
    "health_manager": QT_TRANSLATE_NOOP("Followup", "Health manager"),
}
# Whose pool a caller role is (E3).
ROLE_CALLER: dict[Role, str] = {
    Role.DOCTOR: "doctor",
    Role.TRIAGE_NURSE: "nurse",
    Role.CUSTOMER_SERVICE: "customer_service",
    Role.HEALTH_MANAGER: "health_manager",
}

KINDS = ("plan", "confirm", "no_show", "manual", "survey", "renewal", "health_plan")
KIND_LABELS: dict[str, str] = {
    "plan": QT_TRANSLATE_NOOP("Followup", "Follow-up after a visit"),
    "confirm": QT_TRANSLATE_NOOP("Followup", "Confirm tomorrow's appointment"),
    "no_show": QT_TRANSLATE_NOOP("Followup", "Missed appointment"),
    "manual": QT_TRANSLATE_NOOP("Followup", "Added by hand"),
    # The weekly satisfaction sample (G1), drawn by ``surveys.draw_week``.
    "survey": QT_TRANSLATE_NOOP("Followup", "Satisfaction survey"),
    # Membership (issue 11, H1-H2), derived by ``membership``: the call before a
    # membership ends, and the annual health plan's check-ins.
    "renewal": QT_TRANSLATE_NOOP("Followup", "Membership renewal"),
    "health_plan": QT_TRANSLATE_NOOP("Followup", "Annual health plan check-in"),
}
STATUSES = ("open", "done", "closed")

OUTCOMES = ("reached", "no_answer", "wrong_number", "refused")
OUTCOME_LABELS: dict[str, str] = {
    "reached": QT_TRANSLATE_NOOP("Followup", "Reached"),
    "no_answer": QT_TRANSLATE_NOOP("Followup", "No answer"),
    "wrong_number": QT_TRANSLATE_NOOP("Followup", "Wrong number"),
    "refused": QT_TRANSLATE_NOOP("Followup", "Refused to talk"),
}
# Nobody was reached: such a call has no answers.
_NOT_REACHED = frozenset({"no_answer", "wrong_number"})

CLOSE_REASONS = (
    "deceased",
    "opted_out",
    "recategorised",
    "cancelled",
    "appointment_changed",
    "unreachable",
    "no_contact",
    "merged",
    "renewed",
)
CLOSE_REASON_LABELS: dict[str, str] = {
    "deceased": QT_TRANSLATE_NOOP("FollowupClose", "The patient died"),
    "opted_out": QT_TRANSLATE_NOOP("FollowupClose", "The patient asked not to be contacted"),
    "recategorised": QT_TRANSLATE_NOOP("FollowupClose", "The visit's category was changed"),
    "cancelled": QT_TRANSLATE_NOOP("FollowupClose", "No longer needed"),
    "appointment_changed": QT_TRANSLATE_NOOP(
        "FollowupClose", "The appointment was cancelled, moved or confirmed"
    ),
    "unreachable": QT_TRANSLATE_NOOP("FollowupClose", "Not reached after several tries"),
    "no_contact": QT_TRANSLATE_NOOP("FollowupClose", "No working contact (wrong number)"),
    "merged": QT_TRANSLATE_NOOP("FollowupClose", "Duplicate of another task"),
    "renewed": QT_TRANSLATE_NOOP("FollowupClose", "The membership was renewed"),
}
# Closed for these, a task was never owed: the rates leave it out (E6).
NOT_OWED = ("deceased", "opted_out", "recategorised", "renewed")

WHO = ("mine", "my_role", "all")

SATISFACTION_QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "overall",
        QT_TRANSLATE_NOOP("Satisfaction", "Overall, how satisfied are you with your visit?"),
    ),
    (
        "doctor",
        QT_TRANSLATE_NOOP("Satisfaction", "How satisfied are you with the doctor's explanation?"),
    ),
    (
        "staff",
        QT_TRANSLATE_NOOP("Satisfaction", "How satisfied are you with the staff's attitude?"),
    ),
    (
        "waiting",
        QT_TRANSLATE_NOOP("Satisfaction", "How satisfied are you with the waiting time?"),
    ),
    (
        "environment",
        QT_TRANSLATE_NOOP("Satisfaction", "How satisfied are you with the clinic's environment?"),
    ),
)
SATISFACTION_KEYS = tuple(key for key, _text in SATISFACTION_QUESTIONS)
RECOVERY = ("recovered", "improving", "unchanged", "worse")
RECOVERY_LABELS: dict[str, str] = {
    "recovered": QT_TRANSLATE_NOOP("Followup", "Recovered"),
    "improving": QT_TRANSLATE_NOOP("Followup", "Improving"),
    "unchanged": QT_TRANSLATE_NOOP("Followup", "Unchanged"),
    "worse": QT_TRANSLATE_NOOP("Followup", "Worse"),
}
ADHERENCE = ("as_prescribed", "sometimes_missed", "stopped", "no_medication")
ADHERENCE_LABELS: dict[str, str] = {
    "as_prescribed": QT_TRANSLATE_NOOP("Followup", "Takes it as prescribed"),
    "sometimes_missed": QT_TRANSLATE_NOOP("Followup", "Sometimes misses a dose"),
    "stopped": QT_TRANSLATE_NOOP("Followup", "Stopped taking it"),
    "no_medication": QT_TRANSLATE_NOOP("Followup", "No medication"),
}
PREVIOUS_LEVELS = ("yes", "no")
RATINGS = ("good", "acceptable", "poor")
RATING_LABELS: dict[str, str] = {
    "good": QT_TRANSLATE_NOOP("Followup", "Good"),
    "acceptable": QT_TRANSLATE_NOOP("Followup", "Acceptable"),
    "poor": QT_TRANSLATE_NOOP("Followup", "Poor"),
}
FORWARD_STATUSES = ("open", "answered")

MAX_TEXT = 4000
MAX_TITLE = 200
MAX_NOTE = 500
MAX_DEPARTMENT = 50
MAX_DAYS = 365
MAX_STEPS = 12
MAX_LEVEL = 3
# How far a due date may move past closed days before it is left where it was.
_MAX_SHIFT_DAYS = 60
_SUMMARY_PART = 200


# -- plans (E1) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanStep:
    after_days: int  # 0 = the day the visit finished
    within_days: int  # window length; due_by = due_from + within_days (then closed-day rule)
    channel: str
    caller: str
    level: int = 0  # 1-3 for the chronic discharge plan, else 0
    checks_previous: bool = False


@dataclass(frozen=True)
class PlanView:
    id: uuid.UUID
    category: str
    steps: tuple[PlanStep, ...]
    active: bool
    sampled_percent: int | None  # "other": followup.random_sample_percent; else None
    is_default: bool  # equal to the shipped default


def _phone_steps(caller: str, *windows: tuple[int, int]) -> tuple[PlanStep, ...]:
    return tuple(PlanStep(after, within, "phone", caller) for after, within in windows)


# The seeds' defaults (E1); the clinic edits them in the plans tab.
DEFAULT_PLANS: dict[str, tuple[PlanStep, ...]] = {
    "cold": (PlanStep(0, 1, "message", "customer_service"),),
    "physical_exam": (PlanStep(0, 1, "message", "customer_service"),),
    "physical_exam_positive": _phone_steps("health_manager", (7, 2), (30, 5)),
    "chronic": _phone_steps("doctor", (3, 4)),
    "chronic_discharge": (
        PlanStep(0, 0, "phone", "nurse", level=1),
        PlanStep(0, 14, "phone", "doctor", level=2),
        PlanStep(0, 30, "phone", "customer_service", level=3, checks_previous=True),
    ),
    "post_operative": _phone_steps("doctor", (3, 4)),
    "family_planning": _phone_steps("doctor", (7, 2)),
    "inpatient_surgery": _phone_steps("doctor", (1, 1), (7, 2), (30, 5), (90, 7)),
    "outpatient_surgery": _phone_steps("doctor", (1, 1), (7, 2), (14, 2), (21, 2), (28, 2)),
    "other_treatment": _phone_steps("doctor", (1, 1), (7, 2)),
    "other": _phone_steps("customer_service", (1, 30)),
}
# "Everyone else": a random sample (followup.random_sample_percent), not everybody.
SAMPLED_CATEGORIES = frozenset({"other"})


def plan_id(category: str) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, "followup_plan:" + category)


def task_id_for(source_id: uuid.UUID, category: str, step_no: int) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"followup:{source_id}:{category}:{step_no}")


def is_sampled(source_id: uuid.UUID, percent: int) -> bool:
    """Whether a visit of a sampled category is in the sample: the same answer on every
    workstation, and about ``percent`` in a hundred visits."""
    draw = int(uuid.uuid5(SYNCED_ROW_NAMESPACE, f"sample:{source_id}").hex[:8], 16) % 100
    return draw < percent


def _steps_json(steps: Sequence[PlanStep]) -> str:
    return json.dumps(
        [
            {
                "after_days": s.after_days,
                "within_days": s.within_days,
                "channel": s.channel,
                "caller": s.caller,
                "level": s.level,
                "checks_previous": s.checks_previous,
            }
            for s in steps
        ],
        sort_keys=True,
    )


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_steps(steps: Sequence[PlanStep]) -> tuple[PlanStep, ...]:
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The plan's steps should be a list of steps.")
        )
    if not steps:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "A plan needs at least one step. Add a step, or switch the plan off instead.",
            )
        )
    if len(steps) > MAX_STEPS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A plan has at most {n} steps. Remove some steps."),
            n=MAX_STEPS,
        )
    for n, step in enumerate(steps, start=1):
        if not isinstance(step, PlanStep):
            raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Step {n} is not a plan step."), n=n)
        if not _whole(step.after_days, 0, MAX_DAYS) or not _whole(step.within_days, 0, MAX_DAYS):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Step {n}: the days after the visit and the days allowed should each be "
                    "a whole number from 0 to {top}.",
                ),
                n=n,
                top=MAX_DAYS,
            )
        if step.channel not in CHANNELS:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "Step {n}: choose how the patient is contacted."),
                n=n,
            )
        if step.caller not in CALLERS:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "Step {n}: choose who makes the contact."), n=n
            )
        if not _whole(step.level, 0, MAX_LEVEL) or not isinstance(step.checks_previous, bool):
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "Step {n}: the level should be a whole number from 0 to {top}."
                ),
                n=n,
                top=MAX_LEVEL,
            )
    return tuple(steps)


def _parse_steps(text: str) -> tuple[PlanStep, ...] | None:
    """Stored steps, or None when the row cannot be read (the default plan is used)."""
    try:
        raw = json.loads(text or "[]")
        steps = tuple(
            PlanStep(
                after_days=item["after_days"],
                within_days=item["within_days"],
                channel=item["channel"],
                caller=item["caller"],
                level=item.get("level", 0),
                checks_previous=item.get("checks_previous", False),
            )
            for item in raw
        )
        return _check_steps(steps)
    except (ValueError, TypeError, KeyError, AttributeError, ValidationError):
        return None


def _plan_of(session: Session, category: str) -> tuple[tuple[PlanStep, ...], bool]:
    """The plan's steps and whether it is on: the clinic's row, or the shipped default."""
    row = session.get(FollowupPlan, plan_id(category))
    default = DEFAULT_PLANS.get(category, ())
    if row is None or row.deleted_at is not None:
        return default, True
    return _parse_steps(row.steps) or default, bool(row.active)


def _plan_view(
    clinic: Clinic, category: str, steps: tuple[PlanStep, ...], active: bool
) -> PlanView:
    sampled = (
        int(clinic.setting("followup.random_sample_percent"))
        if category in SAMPLED_CATEGORIES
        else None
    )
    return PlanView(
        id=plan_id(category),
        category=category,
        steps=steps,
        active=active,
        sampled_percent=sampled,
        is_default=active and steps == DEFAULT_PLANS.get(category, ()),
    )


def _category(value: str) -> str:
    if value not in clinical.VISIT_CATEGORIES:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose the kind of visit from the list.")
        )
    return value


def list_plans(clinic: Clinic, actor: Actor) -> list[PlanView]:
    """Every visit category's plan, in the categories' order."""
    if actor.is_system or not allowed(actor.role, Action.FOLLOWUP_WORK):
        clinic.require(actor, Action.SETTINGS_READ)
    with clinic.store.unit_of_work(write=False) as uow:
        return [
            _plan_view(clinic, category, *_plan_of(uow.session, category))
            for category in clinical.VISIT_CATEGORIES
        ]


def _store_plan(
    clinic: Clinic,
    actor: Actor,
    category: str,
    steps: tuple[PlanStep, ...],
    active: bool,
    action: str,
) -> Written[PlanView]:
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        row = uow.session.get(FollowupPlan, plan_id(category))
        if row is None:
            row = FollowupPlan(id=plan_id(category), category=category, created_at=now)
            uow.session.add(row)
        row.steps = _steps_json(steps)
        row.active = active
        row.deleted_at = None
        row.updated_at = now
        row.updated_by = actor.staff_id
        uow.session.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action=action,
                object_type="followup_plan",
                object_id=row.id.hex,
                detail=json.dumps(
                    {"category": category, "active": active, "steps": json.loads(row.steps)},
                    sort_keys=True,
                ),
            ),
        )
        uow.commit()
    view = _plan_view(clinic, category, steps, active)
    return Written(
        view, Changes(frozenset({Topic.FOLLOWUPS, Topic.SETTINGS}), frozenset({view.id}))
    )


def save_plan(
    clinic: Clinic,
    actor: Actor,
    category: str,
    steps: Sequence[PlanStep],
    *,
    active: bool = True,
) -> Written[PlanView]:
    """Change a category's plan. Tasks already made keep their dates."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    the_category = _category(category)
    checked = _check_steps(steps)
    if not isinstance(active, bool):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Say whether the plan is in use."))
    return _store_plan(clinic, actor, the_category, checked, active, "followup.plan_save")


def reset_plan(clinic: Clinic, actor: Actor, category: str) -> Written[PlanView]:
    """Back to the shipped default (and in use)."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    the_category = _category(category)
    return _store_plan(
        clinic, actor, the_category, DEFAULT_PLANS[the_category], True, "followup.plan_reset"
    )


# -- views --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str  # display name
    honorific: str  # how to address them (C4)
    phone: str  # formatted for display, "" if none
    kind: str
    title: str  # a manual task's purpose, or ""
    plan_category: str
    level: int
    channel: str
    caller_role: str
    assignee_id: uuid.UUID | None
    assignee_name: str
    doctor_id: uuid.UUID | None
    doctor_name: str
    department: str
    due_from: date
    due_by: date
    overdue_days: int  # > 0 when clinic.today() > due_by and still open
    status: str  # open | done | closed
    close_reason: str
    attempts: int
    next_try_at: datetime | None
    last_outcome: str
    appointment_at: datetime | None  # confirm / no_show tasks: the booking's start
    source_id: uuid.UUID | None


@dataclass(frozen=True)
class Worklist:
    day: date
    items: tuple[TaskView, ...]  # overdue first (most overdue first), then due_by, then name
    counts: dict[str, int]  # per kind, of the items shown
    overdue: int


@dataclass(frozen=True)
class CallView:
    id: uuid.UUID
    task_id: uuid.UUID | None
    patient_id: uuid.UUID
    patient_name: str
    caller_id: uuid.UUID | None
    caller_name: str
    called_at: datetime
    channel: str
    department: str
    outcome: str
    recovery: str
    adherence: str
    satisfaction: dict[str, int]
    open_answer: str
    suggestions: str
    notes: str
    previous_levels: str
    check_at: datetime | None
    check_by_name: str
    check_rating: str  # "" | good | acceptable | poor
    check_note: str
    forward_ids: tuple[uuid.UUID, ...]
    complaint_id: uuid.UUID | None


@dataclass(frozen=True)
class CallScript:
    """What the caller sees before dialling."""

    task: TaskView
    # plan:<category> | confirm | no_show | manual | survey | renewal | health_plan; a
    # renewal's or health plan's task title names the membership, tier and end date.
    script_key: str
    honorific: str
    age: int | None
    channels: tuple[tuple[str, str], ...]  # (channel, value) in the patient's order
    address: str
    record_no: str
    clinical_summary: str | None  # None when the actor may not read the record
    appointment_at: datetime | None
    previous_calls: tuple[CallView, ...]
    previous_levels: tuple[TaskView, ...]  # level 3: the same visit's level 1-2 tasks
    opted_out: bool
    deceased: bool


@dataclass(frozen=True)
class CallEntry:
    """What the caller typed."""

    outcome: str
    channel: str = "phone"
    recovery: str = ""
    adherence: str = ""
    satisfaction: Mapping[str, int] = field(default_factory=dict)  # 1-5 per question key
    open_answer: str = ""
    suggestions: str = ""
    notes: str = ""
    previous_levels: str = ""  # level-3 tasks: "yes" | "no" (required there when reached)
    forward_to: str = ""  # a department: forward the suggestions (抄告)
    complaint: str = ""  # a complaint heard: opens one (text)
    confirm_appointment: bool = False  # confirm tasks: mark the booking confirmed
    # Survey tasks (G1): the questionnaire's answers, a 1-5 score or words per item key.
    survey_answers: Mapping[str, int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallResult:
    call: CallView
    task: TaskView | None  # after: done, open with next_try_at, or closed (None: no task)
    forward_id: uuid.UUID | None
    complaint_id: uuid.UUID | None


@dataclass(frozen=True)
class ForwardView:
    id: uuid.UUID
    call_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    department: str
    text: str
    status: str
    response: str
    forwarded_at: datetime
    forwarded_by_name: str
    answered_at: datetime | None
    answered_by_name: str


@dataclass(frozen=True)
class RateRow:
    key: str  # department name or the doctor's staff id hex; "" = none recorded
    label: str  # department, or the doctor's display name
    due: int  # plan tasks due in the period and owed (not closed as never owed)
    done: int
    on_time: int  # of the done, done on or before due_by (local date)
    rate: float | None  # done/due, None when due == 0
    on_time_rate: float | None  # on_time/done, None when done == 0


# -- small helpers --------------------------------------------------------------------------


def _local_day(clinic: Clinic, moment: datetime) -> date:
    return moment.astimezone(clinic.timezone()).date()


def _day_start(clinic: Clinic, day: date) -> datetime:
    """The UTC moment the clinic's local ``day`` begins (DateOutOfRange for year 1 / 9999)."""
    return slots.local_to_utc(day, 0, clinic.timezone())


def _a_day(value: object, label: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {label} should be a calendar date."), label=label
        )
    return DateOutOfRange.check(value)


def _text(value: object, field_name: str, *, limit: int, multiline: bool = True) -> str:
    return clinical.clean_text(value, field_name, limit=limit, multiline=multiline)


def _live_patient(session: Session, patient_id: uuid.UUID) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "patient"))
    return patient


def _assignable(session: Session, staff_id: uuid.UUID | None) -> None:
    if staff_id is None:
        return
    person = session.get(Staff, staff_id)
    if person is None or person.deleted_at is not None or person.disabled_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "staff member"))
    if not allowed(person.role, Action.FOLLOWUP_WORK):
        raise InvalidEntry(
            "assignee_id",
            QT_TRANSLATE_NOOP(
                "Errors",
                "{name}'s role does not make follow-up calls. Choose someone else, or leave "
                "the task to the pool.",
            ),
            name=person.display_name,
        )


def _may_not_contact(patient: Patient, channel: str) -> str:
    """Why ``patient`` may not get a task on ``channel`` ("" when they may)."""
    if patient.deceased_on is not None:
        return "deceased"
    if channel in CALL_CHANNELS and patient.opt_out_calls:
        return "opted_out"
    if channel in MESSAGE_CHANNELS and patient.opt_out_messages:
        return "opted_out"
    return ""


def _task_changes(*ids: uuid.UUID | None, appointments: bool = False) -> Changes:
    topics = {Topic.FOLLOWUPS, Topic.APPOINTMENTS} if appointments else {Topic.FOLLOWUPS}
    return Changes(frozenset(topics), frozenset(i for i in ids if i is not None))


# -- reading tasks ------------------------------------------------------------------------------

_Assignee = aliased(Staff)
_Doctor = aliased(Staff)
_Booking = aliased(Appointment)

# One row per task with everything a view shows: no query per row (the worklist's speed).
_TASK_COLUMNS = (
    FollowupTask.id,
    FollowupTask.patient_id,
    FollowupTask.kind,
    FollowupTask.title,
    FollowupTask.plan_category,
    FollowupTask.level,
    FollowupTask.channel,
    FollowupTask.caller_role,
    FollowupTask.assignee_id,
    FollowupTask.doctor_id,
    FollowupTask.department,
    FollowupTask.due_from,
    FollowupTask.due_by,
    FollowupTask.status,
    FollowupTask.close_reason,
    FollowupTask.attempts,
    FollowupTask.next_try_at,
    FollowupTask.last_outcome,
    FollowupTask.source_id,
    Patient.family_name,
    Patient.given_name,
    Patient.sex,
    Patient.birth_date,
    Patient.occupation,
    Patient.title.label("patient_title"),
    Patient.honorific_override,
    Patient.phone,
    _Assignee.display_name.label("assignee_name"),
    _Doctor.display_name.label("doctor_name"),
    _Booking.starts_at,
)


def _task_query() -> Any:
    return (
        select(*_TASK_COLUMNS)
        .join(Patient, Patient.id == FollowupTask.patient_id)
        .outerjoin(_Assignee, _Assignee.id == FollowupTask.assignee_id)
        .outerjoin(_Doctor, _Doctor.id == FollowupTask.doctor_id)
        .outerjoin(
            _Booking,
            and_(
                _Booking.id == FollowupTask.source_id,
                FollowupTask.kind.in_(("confirm", "no_show")),
            ),
        )
        .where(FollowupTask.deleted_at.is_(None))
    )


@functools.lru_cache(maxsize=65_536)
def _shown_phone(e164: str, region: str) -> str:
    # Formatting is most of a long list's time (~0.3 ms a number); the list is drawn
    # again after every change, with the same numbers.
    return format_phone(e164, region=region)


class _Views:
    """Builds TaskViews from ``_task_query`` rows, with what every row shares worked out once."""

    def __init__(self, clinic: Clinic) -> None:
        self.today = clinic.today()
        self.style = patients.honorific_style(clinic)
        self.language = reception._language(clinic, None)
        self.region = str(clinic.setting("clinic.phone_region"))

    def phone(self, e164: str) -> str:
        return _shown_phone(e164, self.region) if e164 else ""

    def task(self, r: Any) -> TaskView:
        (
            task_id, patient_id, kind, title, category, level, channel, caller, assignee_id,
            doctor_id, department, due_from, due_by, status, close_reason, attempts,
            next_try_at, last_outcome, source_id, family, given, sex, birth, occupation,
            patient_title, preferred, phone, assignee_name, doctor_name, starts_at,
        ) = r  # fmt: skip
        late = (self.today - due_by).days if status == "open" else 0
        return TaskView(
            id=task_id,
            patient_id=patient_id,
            patient_name=display_name(family, given),
            honorific=reception._address(
                family,
                given,
                sex,
                birth,
                occupation,
                patient_title,
                preferred,
                self.today,
                self.language,
                self.style,
            ),
            phone=self.phone(phone),
            kind=kind,
            title=title,
            plan_category=category,
            level=level,
            channel=channel,
            caller_role=caller,
            assignee_id=assignee_id,
            assignee_name=assignee_name or "",
            doctor_id=doctor_id,
            doctor_name=doctor_name or "",
            department=department,
            due_from=due_from,
            due_by=due_by,
            overdue_days=max(0, late),
            status=status,
            close_reason=close_reason,
            attempts=attempts,
            next_try_at=next_try_at,
            last_outcome=last_outcome,
            appointment_at=starts_at,
            source_id=source_id,
        )


def _task_view(clinic: Clinic, session: Session, task_id: uuid.UUID) -> TaskView:
    row = session.execute(_task_query().where(FollowupTask.id == task_id)).one_or_none()
    if row is None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "follow-up task"))
    return _Views(clinic).task(row)


def _live_task(session: Session, task_id: uuid.UUID) -> FollowupTask:
    row = session.get(FollowupTask, task_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "follow-up task"))
    return row


def _open_task(session: Session, task_id: uuid.UUID) -> FollowupTask:
    row = _live_task(session, task_id)
    if row.status != "open":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "This follow-up is already {status}, so it cannot be changed. Refresh the list.",
            ),
            status=row.status,
        )
    return row


def task(clinic: Clinic, actor: Actor, task_id: uuid.UUID) -> TaskView:
    clinic.require(actor, Action.FOLLOWUP_WORK)
    with clinic.store.unit_of_work(write=False) as uow:
        return _task_view(clinic, uow.session, task_id)


def patient_tasks(clinic: Clinic, actor: Actor, patient_id: uuid.UUID) -> list[TaskView]:
    """All of a patient's follow-ups, open, done and closed, newest first."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            _task_query()
            .where(FollowupTask.patient_id == patient_id)
            .order_by(FollowupTask.due_from.desc(), FollowupTask.created_at.desc())
        ).all()
        views = _Views(clinic)
        return [views.task(r) for r in rows]


def worklist(
    clinic: Clinic,
    actor: Actor,
    day: date | None = None,
    *,
    who: str = "mine",
    kinds: Sequence[str] = (),
    include_waiting_retry: bool = True,
) -> Worklist:
    """The day's calls and messages (E3): open tasks due from ``day`` or before.

    ``who``: "mine" (assigned to the actor, or their role's unassigned pool; a doctor's
    own patients only), "my_role" (the role's whole pool), "all" (supervisors). A task
    waiting for a retry shows once its time has come; with ``include_waiting_retry``
    (the default) retries later the same day show too, marked by ``next_try_at``.
    """
    clinic.require(actor, Action.FOLLOWUP_WORK)
    the_day = clinic.today() if day is None else _a_day(day, "day")
    if who not in WHO:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose whose follow-ups to show: mine, my role's, or all.")
        )
    if who == "all":
        clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    wanted = tuple(kinds)
    if any(k not in KINDS for k in wanted):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the kinds of follow-up to show."))
    end_of_day = _day_start(clinic, the_day + timedelta(days=1))
    cutoff = end_of_day if include_waiting_retry else min(clinic.now(), end_of_day)
    stmt = _task_query().where(
        FollowupTask.status == "open",
        FollowupTask.due_from <= the_day,
        or_(FollowupTask.next_try_at.is_(None), FollowupTask.next_try_at <= cutoff),
    )
    if wanted:
        stmt = stmt.where(FollowupTask.kind.in_(wanted))
    if who != "all":
        caller = "" if actor.is_system else ROLE_CALLER.get(Role(actor.role), "")
        mine = FollowupTask.assignee_id == actor.staff_id
        if who == "my_role" and caller:
            stmt = stmt.where(or_(mine, FollowupTask.caller_role == caller))
        elif caller and caller != "doctor":
            # A doctor's follow-ups are their own patients', assigned by name (E3).
            pool = and_(FollowupTask.assignee_id.is_(None), FollowupTask.caller_role == caller)
            stmt = stmt.where(or_(mine, pool))
        else:
            stmt = stmt.where(mine)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(stmt).all()
    views = _Views(clinic)
    items = sorted(
        (views.task(r) for r in rows), key=lambda t: (t.due_by, t.patient_name, t.id.hex)
    )
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    overdue = sum(1 for t in items if t.due_by < the_day)
    return Worklist(the_day, tuple(items), counts, overdue)


# -- making tasks from a finished visit (E1) ----------------------------------------------------


def _closed_days(clinic: Clinic, uow: UnitOfWork, first: date, last: date) -> frozenset[date]:
    return frozenset(d.day for d in rosters.calendar_days_in(uow, clinic, first, last) if d.closed)


def _move(day: date, closed: frozenset[date], rule: str, floor: date) -> date:
    """``day``, or the next ("later") or previous ("earlier") open day when it is closed.

    Never before ``floor`` (the visit's day): a follow-up cannot fall before the visit.
    """
    if rule not in ("later", "earlier") or day not in closed:
        return day
    step = timedelta(days=1 if rule == "later" else -1)
    probe = day
    for _ in range(_MAX_SHIFT_DAYS):
        probe += step
        if probe < floor:
            return day
        if probe not in closed:
            return probe
    return day


def _reopen(task: FollowupTask, now: datetime) -> None:
    task.status = "open"
    task.close_reason = ""
    task.close_note = ""
    task.updated_at = now


def plan_for_visit_in(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    source_id: uuid.UUID,
    category: str,
    finished_at: datetime,
    doctor_id: uuid.UUID | None,
    department: str,
    audits: list[audit.AuditEvent] | None = None,
) -> list[uuid.UUID]:
    """Make the plan's tasks for a finished visit, inside the caller's transaction.

    Idempotent: each task's id comes from (source, category, step). Open tasks of
    the same source with another category are closed as ``recategorised``; done ones
    stay. Going back to a category reopens its tasks closed that way (same dates).
    Returns the ids of the tasks made or reopened. The caller checked the permission
    and commits; audit events go to ``audits`` when given (the caller writes them).
    """
    if category not in clinical.VISIT_CATEGORIES:
        return []
    session = uow.session
    now = clinic.now()
    events: list[audit.AuditEvent] = []
    stale = list(
        session.execute(
            select(FollowupTask).where(
                FollowupTask.source_id == source_id,
                FollowupTask.kind == "plan",
                FollowupTask.plan_category != category,
                FollowupTask.status == "open",
                FollowupTask.deleted_at.is_(None),
            )
        ).scalars()
    )
    for old in stale:
        old.status = "closed"
        old.close_reason = "recategorised"
        old.close_note = category
        old.updated_at = now
    if stale:
        events.append(
            audit.AuditEvent(
                action="followup.recategorise",
                object_type="followup_task",
                object_id=source_id.hex,
                patient_id=patient_id,
                detail=json.dumps(
                    {"category": category, "closed": sorted(t.id.hex for t in stale)}
                ),
            )
        )
    patient = session.get(Patient, patient_id)
    steps, active = _plan_of(session, category)
    percent = int(clinic.setting("followup.random_sample_percent"))
    made: list[uuid.UUID] = []
    # Deleted rows too: a derived id is never inserted twice.
    earlier = list(
        session.execute(
            select(FollowupTask).where(
                FollowupTask.source_id == source_id,
                FollowupTask.kind == "plan",
                FollowupTask.plan_category == category,
            )
        ).scalars()
    )
    if earlier:
        # This category's plan was made for the visit before: it stays as it was made
        # (dates and steps, even if the plan changed since); going back to the category
        # after a re-categorisation reopens its tasks.
        for old in earlier:
            if (
                old.deleted_at is None
                and old.status == "closed"
                and old.close_reason == "recategorised"
                and patient is not None
                and not _may_not_contact(patient, old.channel)
            ):
                _reopen(old, now)
                made.append(old.id)
    elif (
        patient is not None
        and patient.deleted_at is None
        and active
        and (category not in SAMPLED_CATEGORIES or is_sampled(source_id, percent))
    ):
        finished_day = _local_day(clinic, finished_at)
        rule = str(clinic.setting("followup.closed_day_rule"))
        reach = max(s.after_days + s.within_days for s in steps)
        closed = (
            _closed_days(
                clinic, uow, finished_day, finished_day + timedelta(days=reach + _MAX_SHIFT_DAYS)
            )
            if rule != "keep"
            else frozenset()
        )
        for step_no, step in enumerate(steps):
            if _may_not_contact(patient, step.channel):
                continue
            due_from = _move(
                finished_day + timedelta(days=step.after_days), closed, rule, finished_day
            )
            due_by = _move(
                finished_day + timedelta(days=step.after_days + step.within_days),
                closed,
                rule,
                finished_day,
            )
            row = FollowupTask(
                id=task_id_for(source_id, category, step_no),
                patient_id=patient_id,
                kind="plan",
                source_id=source_id,
                plan_category=category,
                step_no=step_no,
                level=step.level,
                channel=step.channel,
                caller_role=step.caller,
                assignee_id=doctor_id if step.caller == "doctor" else None,
                doctor_id=doctor_id,
                department=department[:MAX_DEPARTMENT],
                checks_previous=step.checks_previous,
                due_from=due_from,
                due_by=max(due_by, due_from),
                status="open",
                created_by=actor.staff_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            made.append(row.id)
    if made:
        events.append(
            audit.AuditEvent(
                action="followup.plan",
                object_type="followup_task",
                object_id=source_id.hex,
                patient_id=patient_id,
                detail=json.dumps({"category": category, "tasks": [t.hex for t in made]}),
            )
        )
    if audits is not None:
        audits.extend(events)
    elif events:
        session.flush()
        clinic.audit_many(uow, actor, events)
    return made


def _has_plan(session: Session, source_id: uuid.UUID) -> bool:
    return (
        session.execute(
            select(FollowupTask.id)
            .where(FollowupTask.source_id == source_id, FollowupTask.kind == "plan")
            .limit(1)
        ).first()
        is not None
    )


def _chain(session: Session, visit: Visit) -> list[uuid.UUID]:
    """The visit's id and those of the versions it corrects, back to the first."""
    ids = [visit.id]
    step = visit.corrects_id
    while step is not None and step not in ids:
        ids.append(step)
        older = session.get(Visit, step)
        step = older.corrects_id if older is not None else None
    return ids


def visit_finished_in(clinic: Clinic, uow: UnitOfWork, actor: Actor, visit: Visit) -> Changes:
    """``clinical.record_visit`` / ``correct_visit``: a finished visit starts its plan.

    The source is the first version of the visit; but when the doctor finished the
    queue entry with a category before writing the visit, that entry's plan is this
    visit's plan (same patient, same day), so it is not made twice.
    """
    if visit.finished_at is None:
        return Changes()
    session = uow.session
    chain = _chain(session, visit)
    source = chain[-1]
    department = ""
    if not _has_plan(session, source):
        day = _local_day(clinic, visit.finished_at)
        entries = session.execute(
            select(QueueEntry.id, QueueEntry.department)
            .where(
                QueueEntry.patient_id == visit.patient_id,
                QueueEntry.status == reception.DONE,
                QueueEntry.visit_category != "",
                QueueEntry.deleted_at.is_(None),
                or_(
                    QueueEntry.visit_id.in_(chain),
                    and_(QueueEntry.visit_id.is_(None), QueueEntry.day == day),
                ),
            )
            .order_by(QueueEntry.queue_no)
        ).all()
        for entry_id, entry_department in entries:
            if _has_plan(session, entry_id):
                source, department = entry_id, entry_department
                break
    made = plan_for_visit_in(
        clinic,
        uow,
        actor,
        patient_id=visit.patient_id,
        source_id=source,
        category=visit.category,
        finished_at=visit.finished_at,
        doctor_id=visit.doctor_id,
        department=department or reception._department_of(session, visit.doctor_id),
    )
    return _task_changes(*made, visit.patient_id)


def queue_finished_in(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    entry: QueueEntry,
    at: datetime,
    audits: list[audit.AuditEvent],
) -> list[uuid.UUID]:
    """``reception.finish_consultation``: an entry finished with a visit category starts
    the plan. The source is the linked visit's first version; without a link, a visit
    of that patient finished the same day that already has its plan, else the entry."""
    category = entry.visit_category
    if not category:
        return []
    session = uow.session
    source: uuid.UUID = entry.id
    finished_at = at
    visit = session.get(Visit, entry.visit_id) if entry.visit_id is not None else None
    if visit is not None:
        source = _chain(session, visit)[-1]
        finished_at = visit.finished_at or at
    else:
        day_visits = session.execute(
            select(Visit)
            .where(
                Visit.patient_id == entry.patient_id,
                Visit.deleted_at.is_(None),
                Visit.finished_at >= _day_start(clinic, entry.day),
                Visit.finished_at < _day_start(clinic, entry.day + timedelta(days=1)),
            )
            .order_by(Visit.finished_at)
        ).scalars()
        for each in day_visits:
            root = _chain(session, each)[-1]
            if _has_plan(session, root):
                source = root
                break
    return plan_for_visit_in(
        clinic,
        uow,
        actor,
        patient_id=entry.patient_id,
        source_id=source,
        category=category,
        finished_at=finished_at,
        doctor_id=entry.doctor_id,
        department=entry.department or reception._department_of(session, entry.doctor_id),
        audits=audits,
    )


def close_for_patient_in(
    clinic: Clinic,
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    *,
    reason: str,
    channels: Iterable[str] = (),
    note: str = "",
) -> list[uuid.UUID]:
    """Close the patient's open tasks (on ``channels``, or all) with ``reason``, inside the
    caller's transaction (a death, an opt-out). Returns the ids closed."""
    if reason not in CLOSE_REASONS:
        raise ValueError(f"unknown close reason {reason!r}")
    stmt = select(FollowupTask.id).where(
        FollowupTask.patient_id == patient_id,
        FollowupTask.status == "open",
        FollowupTask.deleted_at.is_(None),
    )
    wanted = tuple(channels)
    if wanted:
        stmt = stmt.where(FollowupTask.channel.in_(wanted))
    ids = list(uow.session.execute(stmt).scalars())
    if ids:
        uow.session.execute(
            update(FollowupTask)
            .where(FollowupTask.id.in_(ids))
            .values(
                status="closed",
                close_reason=reason,
                close_note=note[:MAX_NOTE],
                updated_at=clinic.now(),
            )
            .execution_options(synchronize_session="fetch")
        )
        from clinic_desk.core.services import surveys  # it builds on this module

        surveys.samples_follow_tasks_in(clinic, uow, ids)
    return ids


# -- tasks by hand --------------------------------------------------------------------------


def _audit_task(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    row: FollowupTask,
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action=action,
            object_type="followup_task",
            object_id=row.id.hex,
            patient_id=row.patient_id,
            reason=reason,
            detail=json.dumps(detail, sort_keys=True, ensure_ascii=False) if detail else "",
        ),
    )


def add_task(
    clinic: Clinic,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    title: str,
    due_from: date,
    due_by: date | None = None,
    channel: str = "phone",
    caller_role: str = "customer_service",
    assignee_id: uuid.UUID | None = None,
) -> Written[TaskView]:
    """A follow-up someone adds by hand (a promised call back, a result to pass on)."""
    clinic.require(actor, Action.FOLLOWUP_WORK, patient_id=patient_id)
    purpose = _text(title, "title", limit=MAX_TITLE, multiline=False)
    if not purpose:
        raise InvalidEntry(
            "title",
            QT_TRANSLATE_NOOP(
                "Errors", "Say what the follow-up is for (for example: pass on the test result)."
            ),
        )
    start = _a_day(due_from, "first day")
    end = start if due_by is None else _a_day(due_by, "last day")
    if end < start:
        raise InvalidEntry(
            "due_by",
            QT_TRANSLATE_NOOP(
                "Errors", "The last day ({last}) is before the first day ({first}). Swap them."
            ),
            first=start.isoformat(),
            last=end.isoformat(),
        )
    today = clinic.today()
    if end < today or (start - today).days > MAX_DAYS or (end - start).days > MAX_DAYS:
        raise InvalidEntry(
            "due_from",
            QT_TRANSLATE_NOOP(
                "Errors",
                "Choose days from today to at most {n} days ahead, for a window of at most "
                "{n} days.",
            ),
            n=MAX_DAYS,
        )
    if channel not in CHANNELS:
        raise InvalidEntry(
            "channel", QT_TRANSLATE_NOOP("Errors", "Choose how the patient is contacted.")
        )
    if caller_role not in CALLERS:
        raise InvalidEntry(
            "caller_role", QT_TRANSLATE_NOOP("Errors", "Choose who makes the contact.")
        )
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        patient = _live_patient(s, patient_id)
        if patient.merged_into is not None:
            raise ValidationError(clinical.MERGED)
        why_not = _may_not_contact(patient, channel)
        if why_not == "deceased":
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "This patient is recorded as deceased, so no follow-up is added."
                )
            )
        if why_not:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "This patient asked not to be contacted this way. Choose another way, or "
                    "change the patient's contact choices first.",
                )
            )
        _assignable(s, assignee_id)
        row = FollowupTask(
            id=new_id(),
            patient_id=patient_id,
            kind="manual",
            title=purpose,
            channel=channel,
            caller_role=caller_role,
            assignee_id=assignee_id,
            due_from=start,
            due_by=end,
            status="open",
            created_by=actor.staff_id,
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        s.flush()
        _audit_task(
            clinic,
            uow,
            actor,
            "followup.task_add",
            row,
            detail={"due_from": start.isoformat(), "due_by": end.isoformat(), "channel": channel},
        )
        view = _task_view(clinic, s, row.id)
        uow.commit()
    return Written(view, _task_changes(view.id, patient_id))


def reassign_task(
    clinic: Clinic, actor: Actor, task_id: uuid.UUID, assignee_id: uuid.UUID | None
) -> Written[TaskView]:
    """Give an open task to someone (or back to the role's pool with None)."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = _open_task(s, task_id)
        _assignable(s, assignee_id)
        before = row.assignee_id
        row.assignee_id = assignee_id
        row.updated_at = clinic.now()
        _audit_task(
            clinic,
            uow,
            actor,
            "followup.task_reassign",
            row,
            detail={
                "from": before.hex if before else None,
                "to": assignee_id.hex if assignee_id else None,
            },
        )
        view = _task_view(clinic, s, row.id)
        uow.commit()
    return Written(view, _task_changes(view.id, view.patient_id))


def close_task(
    clinic: Clinic, actor: Actor, task_id: uuid.UUID, *, reason: str, note: str = ""
) -> Written[TaskView]:
    """Close an open task without a call, with the reason (kept, never deleted)."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    if reason not in CLOSE_REASONS:
        raise InvalidEntry(
            "reason", QT_TRANSLATE_NOOP("Errors", "Choose why the follow-up is closed.")
        )
    text = _text(note, "note", limit=MAX_NOTE)
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = _open_task(s, task_id)
        row.status = "closed"
        row.close_reason = reason
        row.close_note = text
        row.updated_at = clinic.now()
        if row.kind == "survey":
            from clinic_desk.core.services import surveys  # it builds on this module

            s.flush()
            surveys.samples_follow_tasks_in(clinic, uow, [row.id])
        _audit_task(
            clinic, uow, actor, "followup.task_close", row, reason=text, detail={"why": reason}
        )
        view = _task_view(clinic, s, row.id)
        uow.commit()
    return Written(view, _task_changes(view.id, view.patient_id))


# -- the day's preparation (E3, A5) ---------------------------------------------------------------


def prepare_worklist(clinic: Clinic, actor: Actor, day: date | None = None) -> Written[int]:
    """Derive the day's work (E3, A5); idempotent, so every workstation may ask.

    * a confirmation call for each booking ``appointments.reminder_call_days`` ahead
      still only booked (reopened when a moved booking comes due again);
    * a callback for each no-show of the last ``followup.no_show_callback_days`` days;
    * the week-before reminder message of each booking
      ``appointments.reminder_message_days`` ahead (through the outbox);
    * open confirmation calls whose booking was cancelled, moved or confirmed close;
    * membership renewal calls and messages (``membership.renewal_work_in``, H2).

    Returns how many tasks and messages it added.
    """
    clinic.require(actor, Action.FOLLOWUP_WORK)
    the_day = clinic.today() if day is None else _a_day(day, "day")
    s_ = clinic.settings()
    call_days = int(s_["appointments.reminder_call_days"])
    message_days = int(s_["appointments.reminder_message_days"])
    no_show_days = int(s_["followup.no_show_callback_days"])
    language = str(s_["clinic.language"])
    now = clinic.now()
    made: list[uuid.UUID] = []
    closed: list[uuid.UUID] = []
    queued: list[uuid.UUID] = []
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        # Confirmation calls that are no longer needed.
        for task_row, status, starts_at, gone in s.execute(
            select(FollowupTask, Appointment.status, Appointment.starts_at, Appointment.deleted_at)
            .outerjoin(Appointment, Appointment.id == FollowupTask.source_id)
            .where(
                FollowupTask.status == "open",
                FollowupTask.kind == "confirm",
                FollowupTask.deleted_at.is_(None),
            )
        ).all():
            moved = starts_at is None or _local_day(
                clinic, starts_at
            ) != task_row.due_from + timedelta(days=call_days)
            if gone is not None or status != ap.BOOKED or moved:
                task_row.status = "closed"
                task_row.close_reason = "appointment_changed"
                task_row.close_note = status or ""
                task_row.updated_at = now
                closed.append(task_row.id)
        # Tomorrow's bookings: the day-before call (A5).
        target = the_day + timedelta(days=call_days)
        bookings = s.execute(
            select(
                Appointment.id,
                Appointment.patient_id,
                Appointment.doctor_id,
                DoctorProfile.specialties,
                Patient.deceased_on,
                Patient.opt_out_calls,
            )
            .join(Patient, Patient.id == Appointment.patient_id)
            .outerjoin(
                DoctorProfile,
                and_(
                    DoctorProfile.staff_id == Appointment.doctor_id,
                    DoctorProfile.deleted_at.is_(None),
                ),
            )
            .where(
                Appointment.starts_at >= _day_start(clinic, target),
                Appointment.starts_at < _day_start(clinic, target + timedelta(days=1)),
                Appointment.status == ap.BOOKED,
                Appointment.deleted_at.is_(None),
                Patient.deleted_at.is_(None),
            )
        ).all()
        made += _derive(
            s,
            actor,
            "confirm",
            [(b[0], b[1], b[2], b[3]) for b in bookings if b[4] is None and not b[5]],
            the_day,
            now,
        )
        # No-show callbacks (A9).
        if no_show_days > 0:
            missed = s.execute(
                select(
                    Appointment.id,
                    Appointment.patient_id,
                    Appointment.doctor_id,
                    DoctorProfile.specialties,
                )
                .join(Patient, Patient.id == Appointment.patient_id)
                .outerjoin(
                    DoctorProfile,
                    and_(
                        DoctorProfile.staff_id == Appointment.doctor_id,
                        DoctorProfile.deleted_at.is_(None),
                    ),
                )
                .where(
                    Appointment.starts_at
                    >= _day_start(clinic, the_day - timedelta(days=no_show_days)),
                    Appointment.starts_at < _day_start(clinic, the_day + timedelta(days=1)),
                    Appointment.status == ap.NO_SHOW,
                    Appointment.deleted_at.is_(None),
                    Patient.deleted_at.is_(None),
                    Patient.deceased_on.is_(None),
                    Patient.opt_out_calls.is_(False),
                )
            ).all()
            made += _derive(s, actor, "no_show", [tuple(m) for m in missed], the_day, now)
        # The week-before message (A5).
        ahead = the_day + timedelta(days=message_days)
        soon = s.execute(
            select(
                Appointment.id, Appointment.patient_id, Appointment.starts_at, Staff.display_name
            )
            .join(Staff, Staff.id == Appointment.doctor_id)
            .where(
                Appointment.starts_at >= _day_start(clinic, ahead),
                Appointment.starts_at < _day_start(clinic, ahead + timedelta(days=1)),
                Appointment.status.in_((ap.BOOKED, ap.CONFIRMED)),
                Appointment.deleted_at.is_(None),
            )
        ).all()
        zone = clinic.timezone()
        results = outbox.queue_many_in(
            clinic,
            uow,
            purpose="reminder",
            template_code="reminder_week",
            requests=[
                outbox.QueueRequest(
                    patient_id=patient_id,
                    message_id=uuid.uuid5(SYNCED_ROW_NAMESPACE, f"reminder:{appointment_id}"),
                    values=message_templates.appointment_values(
                        starts_at, zone, language, doctor=doctor
                    ),
                    source_id=appointment_id,
                )
                for appointment_id, patient_id, starts_at, doctor in soon
            ],
            not_before=now,
            created_by=actor.staff_id,
        )
        queued += [r for r in results if isinstance(r, uuid.UUID)]
        # Membership renewal reminders (issue 11, H2): a call and a message.
        renewal_tasks, renewal_messages = membership.renewal_work_in(clinic, uow, actor, the_day)
        made += renewal_tasks
        queued += renewal_messages
        # ``s.dirty``: renewal calls closed because the membership was renewed elsewhere.
        if made or closed or queued or s.dirty:
            clinic.audit(
                uow,
                actor,
                audit.AuditEvent(
                    action="followup.prepare",
                    object_type="day",
                    object_id=the_day.isoformat(),
                    detail=json.dumps(
                        {"tasks": len(made), "closed": len(closed), "messages": len(queued)}
                    ),
                ),
            )
            uow.commit()
    changes = _task_changes(*made, *closed)
    if queued:
        changes = changes | Changes(frozenset({Topic.OUTBOX}), frozenset(queued))
    if renewal_tasks or renewal_messages:
        changes = changes | Changes(frozenset({Topic.MEMBERSHIP, Topic.FOLLOWUPS}))
    return Written(len(made) + len(queued), changes)


def _derive(
    session: Session,
    actor: Actor,
    kind: str,
    bookings: Sequence[tuple[Any, ...]],
    day: date,
    now: datetime,
) -> list[uuid.UUID]:
    """Confirmation or no-show tasks for ``bookings`` (id, patient, doctor, specialties):
    one per booking ever, its id derived from the booking's."""
    ids = {b[0]: uuid.uuid5(SYNCED_ROW_NAMESPACE, f"{kind}:{b[0]}") for b in bookings}
    # Only what decides (every later run finds them all): whole rows for the few reopened.
    existing = {
        task_id: status == "closed" and reason == "appointment_changed"
        for task_id, status, reason in session.execute(
            select(FollowupTask.id, FollowupTask.status, FollowupTask.close_reason).where(
                FollowupTask.id.in_(list(ids.values()))
            )
        )
    }
    made: list[uuid.UUID] = []
    for appointment_id, patient_id, doctor_id, specialties in bookings:
        task_id = ids[appointment_id]
        if task_id in existing:
            # A booking moved back onto the list: its call is due again, on the new day.
            old = session.get(FollowupTask, task_id) if existing[task_id] else None
            if old is not None:
                _reopen(old, now)
                old.due_from = old.due_by = day
                made.append(old.id)
            continue
        parts = reception._specialties(specialties or "")
        session.add(
            FollowupTask(
                id=task_id,
                patient_id=patient_id,
                kind=kind,
                source_id=appointment_id,
                channel="phone",
                caller_role="customer_service",
                doctor_id=doctor_id,
                department=parts[0][:MAX_DEPARTMENT] if parts else "",
                due_from=day,
                due_by=day,
                status="open",
                created_by=actor.staff_id,
                created_at=now,
                updated_at=now,
            )
        )
        made.append(task_id)
    return made


# -- the call (E4, E5, G1) ----------------------------------------------------------------------


def _satisfaction(value: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise InvalidEntry(
            "satisfaction",
            QT_TRANSLATE_NOOP("Errors", "The satisfaction answers should be scores per question."),
        )
    answers: dict[str, int] = {}
    for key, score in value.items():
        if key not in SATISFACTION_KEYS:
            raise InvalidEntry(
                "satisfaction",
                QT_TRANSLATE_NOOP(
                    "Errors", "There is no satisfaction question “{key}”. Use the questions given."
                ),
                key=str(key)[:40],
            )
        if not _whole(score, 1, 5):
            raise InvalidEntry(
                "satisfaction",
                QT_TRANSLATE_NOOP(
                    "Errors", "Each satisfaction answer is a score from 1 (poor) to 5 (very good)."
                ),
            )
        answers[key] = score
    return answers


@dataclass(frozen=True)
class _Entry:
    """A checked ``CallEntry``."""

    outcome: str
    channel: str
    recovery: str
    adherence: str
    satisfaction: dict[str, int]
    open_answer: str
    suggestions: str
    notes: str
    previous_levels: str
    forward_to: str
    complaint: str
    confirm_appointment: bool
    survey_answers: dict[str, int | str]


def _check_entry(entry: CallEntry) -> _Entry:
    if not isinstance(entry, CallEntry):
        raise TypeError("log_call takes a CallEntry")
    if entry.outcome not in OUTCOMES:
        raise InvalidEntry(
            "outcome",
            QT_TRANSLATE_NOOP(
                "Errors", "Choose how the call went: reached, no answer, wrong number or refused."
            ),
        )
    if entry.channel not in CHANNELS:
        raise InvalidEntry(
            "channel", QT_TRANSLATE_NOOP("Errors", "Choose how the patient was contacted.")
        )
    if entry.recovery not in ("", *RECOVERY):
        raise InvalidEntry(
            "recovery", QT_TRANSLATE_NOOP("Errors", "Choose how the patient is recovering.")
        )
    if entry.adherence not in ("", *ADHERENCE):
        raise InvalidEntry(
            "adherence",
            QT_TRANSLATE_NOOP("Errors", "Choose how the patient takes the medication."),
        )
    if entry.previous_levels not in ("", *PREVIOUS_LEVELS):
        raise InvalidEntry(
            "previous_levels",
            QT_TRANSLATE_NOOP(
                "Errors", "Say whether the nurse's and the doctor's follow-ups took place."
            ),
        )
    if not isinstance(entry.confirm_appointment, bool):
        raise InvalidEntry(
            "confirm_appointment",
            QT_TRANSLATE_NOOP("Errors", "Say whether the patient confirmed the appointment."),
        )
    if not isinstance(entry.survey_answers, Mapping):
        raise InvalidEntry(
            "survey",
            QT_TRANSLATE_NOOP("Errors", "The survey answers should be given per question."),
        )
    checked = _Entry(
        outcome=entry.outcome,
        channel=entry.channel,
        recovery=entry.recovery,
        adherence=entry.adherence,
        satisfaction=_satisfaction(entry.satisfaction),
        open_answer=_text(entry.open_answer, "open_answer", limit=MAX_TEXT),
        suggestions=_text(entry.suggestions, "suggestions", limit=MAX_TEXT),
        notes=_text(entry.notes, "notes", limit=MAX_TEXT),
        previous_levels=entry.previous_levels,
        forward_to=_text(entry.forward_to, "forward_to", limit=MAX_DEPARTMENT, multiline=False),
        complaint=_text(entry.complaint, "complaint", limit=MAX_TEXT),
        confirm_appointment=entry.confirm_appointment,
        survey_answers=dict(entry.survey_answers),
    )
    heard = (
        checked.recovery,
        checked.adherence,
        checked.satisfaction,
        checked.open_answer,
        checked.suggestions,
        checked.previous_levels,
        checked.forward_to,
        checked.complaint,
        checked.confirm_appointment,
        checked.survey_answers,
    )
    if checked.outcome in _NOT_REACHED and any(heard):
        raise InvalidEntry(
            "outcome",
            QT_TRANSLATE_NOOP(
                "Errors",
                "Nobody was reached, so the call has no answers. Choose “reached”, or clear "
                "the answers and keep only the notes.",
            ),
        )
    if checked.forward_to and not checked.suggestions:
        raise InvalidEntry(
            "suggestions",
            QT_TRANSLATE_NOOP(
                "Errors", "Write the suggestion to forward to {department}, or do not forward."
            ),
            department=checked.forward_to,
        )
    return checked


def _call_views(session: Session, stmt: Any) -> list[CallView]:
    """CallViews for the calls ``stmt`` (``_call_query``) selects, with three more queries
    in all (checkers, forwards, complaints), never one per call."""
    rows = session.execute(stmt).all()
    if not rows:
        return []
    ids = [r[0].id for r in rows]
    checkers = staff.display_names(session, (r[0].check_by for r in rows))
    forwards: dict[uuid.UUID, list[uuid.UUID]] = {}
    for forward_id, call_id in session.execute(
        select(FollowupForward.id, FollowupForward.call_id)
        .where(FollowupForward.call_id.in_(ids), FollowupForward.deleted_at.is_(None))
        .order_by(FollowupForward.created_at, FollowupForward.id)
    ).all():
        forwards.setdefault(call_id, []).append(forward_id)
    complaints: dict[uuid.UUID | None, uuid.UUID] = {
        call_id: complaint_id
        for call_id, complaint_id in session.execute(
            select(Complaint.source_call_id, Complaint.id).where(
                Complaint.source_call_id.in_(ids), Complaint.deleted_at.is_(None)
            )
        ).all()
    }
    return [
        CallView(
            id=c.id,
            task_id=c.task_id,
            patient_id=c.patient_id,
            patient_name=display_name(family, given),
            caller_id=c.caller_id,
            caller_name=caller or "",
            called_at=c.called_at,
            channel=c.channel,
            department=c.department,
            outcome=c.outcome,
            recovery=c.recovery,
            adherence=c.adherence,
            satisfaction=_stored_satisfaction(c.satisfaction),
            open_answer=c.open_answer,
            suggestions=c.suggestions,
            notes=c.notes,
            previous_levels=c.previous_levels,
            check_at=c.check_at,
            check_by_name=checkers.get(c.check_by, "") if c.check_by else "",
            check_rating=c.check_rating,
            check_note=c.check_note,
            forward_ids=tuple(forwards.get(c.id, ())),
            complaint_id=complaints.get(c.id),
        )
        for c, family, given, caller in rows
    ]


def _stored_satisfaction(text: str) -> dict[str, int]:
    try:
        raw = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if k in SATISFACTION_KEYS and _whole(v, 1, 5)}


_Caller = aliased(Staff)


def _call_query() -> Any:
    return (
        select(FollowupCall, Patient.family_name, Patient.given_name, _Caller.display_name)
        .join(Patient, Patient.id == FollowupCall.patient_id)
        .outerjoin(_Caller, _Caller.id == FollowupCall.caller_id)
        .where(FollowupCall.deleted_at.is_(None))
    )


def _one_call(session: Session, call_id: uuid.UUID) -> CallView:
    views = _call_views(session, _call_query().where(FollowupCall.id == call_id))
    if not views:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "follow-up call"))
    return views[0]


def _record_call(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    patient: Patient,
    row: FollowupTask | None,
    entry: _Entry,
) -> tuple[FollowupCall, uuid.UUID | None, uuid.UUID | None, bool]:
    """Write the call and what it leads to; returns (call, forward, complaint, confirmed)."""
    s = uow.session
    now = clinic.now()
    events: list[audit.AuditEvent] = []
    call = FollowupCall(
        id=new_id(),
        task_id=row.id if row is not None else None,
        patient_id=patient.id,
        caller_id=actor.staff_id,
        called_at=now,
        channel=entry.channel,
        department=row.department if row is not None else "",
        outcome=entry.outcome,
        recovery=entry.recovery,
        adherence=entry.adherence,
        satisfaction=json.dumps(entry.satisfaction, sort_keys=True),
        scored_answers=len(entry.satisfaction),
        satisfied_answers=sum(1 for score in entry.satisfaction.values() if score >= 4),
        open_answer=entry.open_answer,
        suggestions=entry.suggestions,
        notes=entry.notes,
        previous_levels=entry.previous_levels,
        created_at=now,
        updated_at=now,
    )
    s.add(call)
    s.flush()
    detail: dict[str, Any] = {"outcome": entry.outcome, "channel": entry.channel}
    confirmed = False
    if entry.survey_answers and (row is None or row.kind != "survey"):
        raise InvalidEntry(
            "survey",
            QT_TRANSLATE_NOOP(
                "Errors", "Survey answers are recorded on a satisfaction survey call only."
            ),
        )
    if row is not None:
        row.attempts += 1
        row.last_outcome = entry.outcome
        row.updated_at = now
        detail["task"] = row.id.hex
        if entry.outcome in ("reached", "refused"):
            row.status = "done"
            row.done_at = now
            row.done_by = actor.staff_id
            row.next_try_at = None
        elif entry.outcome == "wrong_number":
            row.status = "closed"
            row.close_reason = "no_contact"
            row.next_try_at = None
            events.append(
                audit.AuditEvent(
                    action="followup.wrong_number",
                    object_type="patient",
                    object_id=patient.id.hex,
                    patient_id=patient.id,
                    detail=json.dumps({"call": call.id.hex, "channel": entry.channel}),
                )
            )
        elif row.attempts >= int(clinic.setting("followup.max_attempts")):
            row.status = "closed"
            row.close_reason = "unreachable"
            row.next_try_at = None
        else:
            row.next_try_at = now + timedelta(hours=int(clinic.setting("followup.retry_hours")))
        detail["task_status"] = row.status
        if row.kind == "survey":
            _survey_call_in(clinic, uow, actor, row, entry, call.id)
        if entry.confirm_appointment and row.source_id is not None:
            ap.change_status_in(
                clinic,
                uow,
                actor,
                row.source_id,
                ap.CONFIRMED,
                action="appointment.confirm",
                stamp="confirmed_at",
                audit_into=events,
            )
            confirmed = True
    events.insert(
        0,
        audit.AuditEvent(
            action="followup.call",
            object_type="followup_call",
            object_id=call.id.hex,
            patient_id=patient.id,
            detail=json.dumps(detail, sort_keys=True),
        ),
    )
    forward_id: uuid.UUID | None = None
    if entry.forward_to:
        forward = FollowupForward(
            id=new_id(),
            call_id=call.id,
            patient_id=patient.id,
            department=entry.forward_to,
            text=entry.suggestions,
            status="open",
            forwarded_by=actor.staff_id,
            created_at=now,
            updated_at=now,
        )
        s.add(forward)
        forward_id = forward.id
        events.append(
            audit.AuditEvent(
                action="followup.forward",
                object_type="followup_forward",
                object_id=forward.id.hex,
                patient_id=patient.id,
                detail=json.dumps({"department": entry.forward_to}, ensure_ascii=False),
            )
        )
    complaint_id: uuid.UUID | None = None
    if entry.complaint:
        complaint = Complaint(
            id=new_id(),
            patient_id=patient.id,
            complainant=display_name(patient.family_name, patient.given_name)[:100],
            contact=patient.phone,
            address=patient.address,
            channel="followup_call",
            content=entry.complaint,
            department=row.department if row is not None else "",
            owner_id=actor.staff_id,  # first-contact responsibility (F3)
            received_at=now,
            status="open",
            source_call_id=call.id,
            created_at=now,
            updated_at=now,
        )
        s.add(complaint)
        complaints.received_in(uow, complaint)
        complaint_id = complaint.id
        events.append(
            audit.AuditEvent(
                action="followup.complaint",
                object_type="complaint",
                object_id=complaint.id.hex,
                patient_id=patient.id,
                detail=json.dumps({"call": call.id.hex}),
            )
        )
    s.flush()
    clinic.audit_many(uow, actor, events)
    return call, forward_id, complaint_id, confirmed


def _survey_call_in(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    row: FollowupTask,
    entry: _Entry,
    call_id: uuid.UUID,
) -> None:
    """A survey call (G1): reached → the answers (at least one); refused → the sample is
    declined; closed unreachable → the sample is unreachable."""
    # Imported here: surveys builds on this module (its questions, tasks and texts).
    from clinic_desk.core.services import surveys

    if entry.outcome == "reached":
        surveys.record_response_in(clinic, uow, actor, row, entry.survey_answers, call_id)
    elif entry.survey_answers:
        raise InvalidEntry(
            "survey",
            QT_TRANSLATE_NOOP(
                "Errors",
                "The patient refused the survey, so the call has no answers. Choose "
                "“reached”, or clear the answers.",
            ),
        )
    surveys.samples_follow_tasks_in(clinic, uow, [row.id])


def log_call(
    clinic: Clinic, actor: Actor, task_id: uuid.UUID, entry: CallEntry
) -> Written[CallResult]:
    """Record a call for a task and move the task on (E5): reached or refused → done;
    no answer → a retry after ``followup.retry_hours``, closed as unreachable after
    ``followup.max_attempts``; wrong number → closed (no contact). All in one transaction
    with the forward (抄告), the complaint and the booking's confirmation."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    checked = _check_entry(entry)
    if checked.confirm_appointment:
        clinic.require(actor, Action.APPOINTMENT_MANAGE)
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = _open_task(s, task_id)
        if checked.confirm_appointment and (row.kind != "confirm" or checked.outcome != "reached"):
            raise InvalidEntry(
                "confirm_appointment",
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Only a confirmation call that reached the patient can confirm the "
                    "appointment.",
                ),
            )
        if row.checks_previous and checked.outcome == "reached" and not checked.previous_levels:
            raise InvalidEntry(
                "previous_levels",
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Ask whether the nurse and the doctor followed up, and record the answer.",
                ),
            )
        patient = _live_patient(s, row.patient_id)
        call, forward_id, complaint_id, confirmed = _record_call(
            clinic, uow, actor, patient, row, checked
        )
        result = CallResult(
            call=_one_call(s, call.id),
            task=_task_view(clinic, s, row.id),
            forward_id=forward_id,
            complaint_id=complaint_id,
        )
        uow.commit()
    changes = _task_changes(
        row.id,
        call.id,
        patient.id,
        forward_id,
        complaint_id,
        row.source_id if confirmed or row.kind == "survey" else None,
        appointments=confirmed,
    )
    if row.kind == "survey":  # the sample's status and the survey results changed
        changes = changes | Changes(frozenset({Topic.QUALITY}))
    return Written(result, changes)


def log_call_without_task(
    clinic: Clinic, actor: Actor, patient_id: uuid.UUID, entry: CallEntry
) -> Written[CallResult]:
    """An unplanned call (the patient rang, or a call nobody listed)."""
    clinic.require(actor, Action.FOLLOWUP_WORK, patient_id=patient_id)
    checked = _check_entry(entry)
    if checked.confirm_appointment:
        raise InvalidEntry(
            "confirm_appointment",
            QT_TRANSLATE_NOOP(
                "Errors",
                "Only a confirmation call that reached the patient can confirm the appointment.",
            ),
        )
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        patient = _live_patient(s, patient_id)
        call, forward_id, complaint_id, _confirmed = _record_call(
            clinic, uow, actor, patient, None, checked
        )
        result = CallResult(
            call=_one_call(s, call.id), task=None, forward_id=forward_id, complaint_id=complaint_id
        )
        uow.commit()
    return Written(result, _task_changes(call.id, patient_id, forward_id, complaint_id))


def patient_calls(clinic: Clinic, actor: Actor, patient_id: uuid.UUID) -> list[CallView]:
    """The patient's calls, newest first."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    with clinic.store.unit_of_work(write=False) as uow:
        return _call_views(
            uow.session,
            _call_query()
            .where(FollowupCall.patient_id == patient_id)
            .order_by(FollowupCall.called_at.desc(), FollowupCall.id.desc()),
        )


def calls_between(
    clinic: Clinic,
    actor: Actor,
    first: date,
    last: date,
    *,
    caller_id: uuid.UUID | None = None,
    unchecked_only: bool = False,
) -> list[CallView]:
    """Calls made on the clinic's local days ``first`` to ``last``, for spot checks (E6)."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    start, end = _period(first, last)
    stmt = _call_query().where(
        FollowupCall.called_at >= _day_start(clinic, start),
        FollowupCall.called_at < _day_start(clinic, end + timedelta(days=1)),
    )
    if caller_id is not None:
        stmt = stmt.where(FollowupCall.caller_id == caller_id)
    if unchecked_only:
        stmt = stmt.where(FollowupCall.check_at.is_(None))
    with clinic.store.unit_of_work(write=False) as uow:
        return _call_views(uow.session, stmt.order_by(FollowupCall.called_at, FollowupCall.id))


def _period(first: date, last: date) -> tuple[date, date]:
    start = _a_day(first, "first day")
    end = _a_day(last, "last day")
    if end < start:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The last day ({last}) is before the first day ({first}). Swap them."
            ),
            first=start.isoformat(),
            last=end.isoformat(),
        )
    if (end - start).days > rosters.MAX_RANGE_DAYS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "That date range is too long: choose at most {n} days at a time."
            ),
            n=rosters.MAX_RANGE_DAYS,
        )
    return start, end


def spot_check(
    clinic: Clinic, actor: Actor, call_id: uuid.UUID, *, rating: str, note: str = ""
) -> Written[CallView]:
    """A supervisor's check of a call (抽查, E4, E6): date, checker, evaluation."""
    clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    if rating not in RATINGS:
        raise InvalidEntry(
            "rating",
            QT_TRANSLATE_NOOP("Errors", "Choose how the call was: good, acceptable or poor."),
        )
    text = _text(note, "note", limit=MAX_NOTE)
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        call = s.get(FollowupCall, call_id)
        if call is None or call.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "follow-up call"))
        if actor.staff_id is not None and call.caller_id == actor.staff_id:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "You made this call, so you cannot check it yourself. Ask another "
                    "supervisor to check it.",
                )
            )
        now = clinic.now()
        call.check_at = now
        call.check_by = actor.staff_id
        call.check_rating = rating
        call.check_note = text
        call.updated_at = now
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="followup.spot_check",
                object_type="followup_call",
                object_id=call.id.hex,
                patient_id=call.patient_id,
                detail=json.dumps({"rating": rating}),
            ),
        )
        view = _one_call(s, call.id)
        uow.commit()
    return Written(view, _task_changes(view.id, view.patient_id))


# -- the call script ------------------------------------------------------------------------


def _channels(clinic: Clinic, patient: Patient) -> tuple[tuple[str, str], ...]:
    """(channel, value) the patient can be reached on, their preferred ones first."""
    region = str(clinic.setting("clinic.phone_region"))
    values = {
        "phone": format_phone(patient.phone, region=region) if patient.phone else "",
        "phone2": format_phone(patient.phone2, region=region) if patient.phone2 else "",
        "wechat": patient.wechat,
        "qq": patient.qq,
        "email": patient.email,
    }
    # The registry's preference codes, as the channels they mean here.
    means = {
        "mobile": ("phone", "phone2"),
        "sms": ("phone", "phone2"),
        "wechat": ("wechat",),
        "qq": ("qq",),
        "email": ("email",),
    }
    order: list[str] = []
    for code in (patient.contact_channels or "").split(","):
        for channel in means.get(code.strip(), ()):
            if channel not in order:
                order.append(channel)
    order += [c for c in values if c not in order]
    return tuple((c, values[c]) for c in order if values[c])


def _clinical_summary(clinic: Clinic, session: Session, patient_id: uuid.UUID) -> str:
    """The last visit's date, diagnosis and plan, and the current medication, short."""
    visits = list(
        session.execute(
            select(Visit)
            .where(Visit.patient_id == patient_id, Visit.deleted_at.is_(None))
            .order_by(Visit.visit_at.desc(), Visit.created_at.desc())
        ).scalars()
    )
    replaced = {v.corrects_id for v in visits if v.corrects_id is not None}
    last = next((v for v in visits if v.id not in replaced), None)
    lines: list[str] = []
    if last is not None:
        head = _local_day(clinic, last.visit_at).isoformat()
        diagnosis = " ".join(last.diagnosis.split())[:_SUMMARY_PART]
        lines.append(f"{head} · {diagnosis}" if diagnosis else head)
        plan = " ".join(last.plan.split())[:_SUMMARY_PART]
        if plan:
            lines.append(plan)
    drugs = session.execute(
        select(Medication.drug, Medication.dose, Medication.frequency)
        .where(
            Medication.patient_id == patient_id,
            Medication.deleted_at.is_(None),
            Medication.ended_at.is_(None),
        )
        .order_by(Medication.created_at)
    ).all()
    if drugs:
        lines.append("; ".join(" ".join(x for x in d if x) for d in drugs)[:_SUMMARY_PART])
    return "\n".join(lines)


def call_script(clinic: Clinic, actor: Actor, task_id: uuid.UUID) -> CallScript:
    """What the caller needs before dialling (audited: it opens the patient's contacts,
    and the record's summary for those who may read it)."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    clinical_reader = actor.is_system or allowed(actor.role, Action.CLINICAL_READ)
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = _live_task(s, task_id)
        patient = _live_patient(s, row.patient_id)
        views = _Views(clinic)
        the_task = views.task(s.execute(_task_query().where(FollowupTask.id == row.id)).one())
        levels: tuple[TaskView, ...] = ()
        related = [row.id]
        if row.checks_previous and row.source_id is not None:
            levels = tuple(
                views.task(r)
                for r in s.execute(
                    _task_query()
                    .where(
                        FollowupTask.source_id == row.source_id,
                        FollowupTask.plan_category == row.plan_category,
                        FollowupTask.level.in_((1, 2)),
                    )
                    .order_by(FollowupTask.level)
                ).all()
            )
            related += [t.id for t in levels]
        calls = _call_views(
            s,
            _call_query()
            .where(FollowupCall.task_id.in_(related))
            .order_by(FollowupCall.called_at, FollowupCall.id),
        )
        summary = _clinical_summary(clinic, s, patient.id) if clinical_reader else None
        script = CallScript(
            task=the_task,
            script_key=f"plan:{row.plan_category}" if row.kind == "plan" else row.kind,
            honorific=the_task.honorific,
            age=(
                honorifics.age_in_years(patient.birth_date, clinic.today())
                if patient.birth_date is not None
                else None
            ),
            channels=_channels(clinic, patient),
            address=patient.address,
            record_no=patient.record_no,
            clinical_summary=summary,
            appointment_at=the_task.appointment_at,
            previous_calls=tuple(calls),
            previous_levels=levels,
            opted_out=bool(patient.opt_out_calls),
            deceased=patient.deceased_on is not None,
        )
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="followup.call_open",
                object_type="followup_task",
                object_id=row.id.hex,
                patient_id=patient.id,
                detail=json.dumps({"clinical_summary": summary is not None}),
            ),
        )
        uow.commit()
    return script


# -- forwarded suggestions (抄告, E5) --------------------------------------------------------------

_Forwarder = aliased(Staff)
_Answerer = aliased(Staff)


def _forward_query() -> Any:
    return (
        select(
            FollowupForward,
            Patient.family_name,
            Patient.given_name,
            _Forwarder.display_name,
            _Answerer.display_name,
        )
        .join(Patient, Patient.id == FollowupForward.patient_id)
        .outerjoin(_Forwarder, _Forwarder.id == FollowupForward.forwarded_by)
        .outerjoin(_Answerer, _Answerer.id == FollowupForward.answered_by)
        .where(FollowupForward.deleted_at.is_(None))
    )


def _forward_view(r: Any) -> ForwardView:
    f, family, given, by, answered_by = r
    return ForwardView(
        id=f.id,
        call_id=f.call_id,
        patient_id=f.patient_id,
        patient_name=display_name(family, given),
        department=f.department,
        text=f.text,
        status=f.status,
        response=f.response,
        forwarded_at=f.created_at,
        forwarded_by_name=by or "",
        answered_at=f.answered_at,
        answered_by_name=answered_by or "",
    )


def list_forwards(clinic: Clinic, actor: Actor, *, status: str = "open") -> list[ForwardView]:
    """Forwarded suggestions, oldest first; ``status`` "open", "answered" or "" (all)."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    if status not in ("", *FORWARD_STATUSES):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose which forwarded suggestions to show.")
        )
    stmt = _forward_query()
    if status:
        stmt = stmt.where(FollowupForward.status == status)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            stmt.order_by(FollowupForward.created_at, FollowupForward.id)
        ).all()
        return [_forward_view(r) for r in rows]


def answer_forward(
    clinic: Clinic, actor: Actor, forward_id: uuid.UUID, *, response: str
) -> Written[ForwardView]:
    """The department's answer to a forwarded suggestion; the item is then answered."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    text = _text(response, "response", limit=MAX_TEXT)
    if not text:
        raise InvalidEntry(
            "response",
            QT_TRANSLATE_NOOP("Errors", "Write the department's answer to the suggestion."),
        )
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row = s.get(FollowupForward, forward_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "forwarded suggestion"))
        if row.status != "open":
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors", "This suggestion has been answered already. Refresh the list."
                )
            )
        now = clinic.now()
        row.status = "answered"
        row.response = text
        row.answered_by = actor.staff_id
        row.answered_at = now
        row.updated_at = now
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="followup.forward_answer",
                object_type="followup_forward",
                object_id=row.id.hex,
                patient_id=row.patient_id,
            ),
        )
        s.flush()
        view = _forward_view(s.execute(_forward_query().where(FollowupForward.id == row.id)).one())
        uow.commit()
    return Written(view, _task_changes(view.id, view.patient_id))


# -- rates (E6) ---------------------------------------------------------------------------------

RATE_BY = ("department", "doctor")


def followup_rates(
    clinic: Clinic, actor: Actor, first: date, last: date, *, by: str = "department"
) -> list[RateRow]:
    """Follow-up rate and on-time rate of plan tasks due ``first`` to ``last``, per
    department or doctor (E6). Tasks closed because the patient died or opted out, or
    because the visit was re-categorised, were never owed and are left out."""
    if actor.is_system or not allowed(actor.role, Action.QUALITY_REPORTS):
        clinic.require(actor, Action.FOLLOWUP_SUPERVISE)
    start, end = _period(first, last)
    if by not in RATE_BY:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Choose whether to count per department or per doctor.")
        )
    key_column = FollowupTask.department if by == "department" else FollowupTask.doctor_id
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(
                key_column, FollowupTask.status, FollowupTask.due_by, FollowupTask.done_at
            ).where(
                FollowupTask.kind == "plan",
                FollowupTask.deleted_at.is_(None),
                FollowupTask.due_by >= start,
                FollowupTask.due_by <= end,
                or_(
                    FollowupTask.status != "closed",
                    FollowupTask.close_reason.not_in(NOT_OWED),
                ),
            )
        ).all()
        names = (
            staff.display_names(s, (r[0] for r in rows if isinstance(r[0], uuid.UUID)))
            if by == "doctor"
            else {}
        )
    zone = clinic.timezone()
    tally: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for key, status, due_by, done_at in rows:
        if isinstance(key, uuid.UUID):
            text = key.hex
            labels[text] = names.get(key, "")
        else:
            text = str(key or "")
            labels[text] = text
        counts = tally.setdefault(text, [0, 0, 0])
        counts[0] += 1
        if status == "done":
            counts[1] += 1
            if done_at is not None and done_at.astimezone(zone).date() <= due_by:
                counts[2] += 1
    return [
        RateRow(
            key=key,
            label=labels[key],
            due=due,
            done=done,
            on_time=on_time,
            rate=done / due if due else None,
            on_time_rate=on_time / done if done else None,
        )
        for key, (due, done, on_time) in sorted(
            tally.items(), key=lambda kv: (labels[kv[0]], kv[0])
        )
    ]
