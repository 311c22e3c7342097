"""Satisfaction surveys (spec G1) and the daily self-check (G4).

* Questionnaires: 1-5 items and open questions, editable. Answers are stored per item
  key, so a reworded question keeps its earlier answers; a key that has answers may
  not change kind (a score and a text do not add up).
* The weekly sample: ``quality.weekly_survey_percent`` of the week's patients, at
  least one, drawn in an order derived from the week and the patient (``uuid5``), so
  two workstations draw the same patients and the same row ids; drawing again keeps
  what was drawn. Call mode puts a "survey" task on the follow-up worklist (E3); the
  call records the answers through ``record_response_in`` (called by
  ``followups._record_call``). Form mode prints forms carrying the sample's short
  reference code, typed back in with the answers.
* The daily self-check: each role's checklist (editable, a setting-like list), one
  entry per person and day, and who worked and did not fill it in.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from clinic_desk.core.errors import NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.printing.survey_form import (
    SurveyFormData,
    SurveyFormItem,
    form_words,
    survey_form_document,
)
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services import followups, patients, reception, rosters, staff
from clinic_desk.core.services.base import Actor, Changes, Clinic, Topic, Written
from clinic_desk.core.services.clinical import InvalidEntry
from clinic_desk.core.services.followups import _a_day, _period, _text
from clinic_desk.core.store.base import SYNCED_ROW_NAMESPACE, new_id
from clinic_desk.core.store.models import (
    FollowupTask,
    Patient,
    Questionnaire,
    QueueEntry,
    SelfCheck,
    SelfCheckList,
    Staff,
    SurveyAnswer,
    SurveyResponse,
    SurveySample,
    Visit,
)
from clinic_desk.core.store.store import UnitOfWork

# -- code tables --------------------------------------------------------------------------------

ITEM_KINDS = ("scale", "open")
ITEM_KIND_LABELS: dict[str, str] = {
    "scale": QT_TRANSLATE_NOOP("Survey", "Score from 1 to 5"),
    "open": QT_TRANSLATE_NOOP("Survey", "Open question"),
}
PURPOSES = ("weekly", "outpatient", "inpatient")
PURPOSE_LABELS: dict[str, str] = {
    "weekly": QT_TRANSLATE_NOOP("Survey", "Weekly sample"),
    "outpatient": QT_TRANSLATE_NOOP("Survey", "Semi-annual outpatient survey"),
    "inpatient": QT_TRANSLATE_NOOP("Survey", "Semi-annual inpatient survey"),
}
MODES = ("call", "form")
MODE_LABELS: dict[str, str] = {
    "call": QT_TRANSLATE_NOOP("Survey", "Call the patient"),
    "form": QT_TRANSLATE_NOOP("Survey", "Printed form"),
}
SAMPLE_STATUSES = ("drawn", "answered", "declined", "unreachable")
SAMPLE_STATUS_LABELS: dict[str, str] = {
    "drawn": QT_TRANSLATE_NOOP("Survey", "Drawn"),
    "answered": QT_TRANSLATE_NOOP("Survey", "Answered"),
    "declined": QT_TRANSLATE_NOOP("Survey", "Declined"),
    "unreachable": QT_TRANSLATE_NOOP("Survey", "Not reached"),
}
VIAS = ("call", "form")
RESULT_BY = ("question", "doctor", "department")

# Input limits (column widths and sane sizes), not clinic rules.
MAX_ITEMS = 30
MAX_NAME = 100
MAX_ITEM_TEXT = 200
MAX_TEXT = 4000
MAX_DEPARTMENT = 50
MAX_SELF_CHECK_ITEMS = 20
MAX_SELF_CHECK_ITEM = 200
MAX_SELF_CHECK_NOTE = 500
# How far back a week may be drawn, or a returned form dated.
MAX_DAYS_BACK = 366
SCORE_MIN, SCORE_MAX = 1, 5
SATISFIED = 4  # a score of 4 or 5 counts as satisfied (G2)

_KEY = re.compile(r"[a-z0-9_]{1,32}")
_CODE = re.compile(r"[0-9a-f]{8}")

SURVEY_TASK_TITLE = QT_TRANSLATE_NOOP("Survey", "Satisfaction survey")
SURVEY_DUE_DAYS = 7

# -- questionnaires -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionItem:
    key: str  # [a-z0-9_]{1,32}, stable across rewording
    kind: str  # scale | open
    text: str


@dataclass(frozen=True)
class QuestionnaireView:
    id: uuid.UUID
    name: str
    purpose: str
    items: tuple[QuestionItem, ...]
    active: bool
    answered: int  # responses recorded with it


DEFAULT_QUESTIONNAIRE_ID = uuid.uuid5(SYNCED_ROW_NAMESPACE, "questionnaire:weekly-default")
IMPROVE_TEXT = QT_TRANSLATE_NOOP("Satisfaction", "What could we do better?")
# The seeds' weekly questionnaire: the five questions a follow-up call already asks
# (same keys, so the two sources of scores read alike) and one open question. The
# texts are the source strings of context "Satisfaction": the UI translates them.
DEFAULT_QUESTIONNAIRE = QuestionnaireView(
    id=DEFAULT_QUESTIONNAIRE_ID,
    name=QT_TRANSLATE_NOOP("Survey", "Weekly satisfaction survey"),
    purpose="weekly",
    items=(
        *(QuestionItem(key, "scale", text) for key, text in followups.SATISFACTION_QUESTIONS),
        QuestionItem("improve", "open", IMPROVE_TEXT),
    ),
    active=True,
    answered=0,
)


def _items_json(items: Sequence[QuestionItem]) -> str:
    return json.dumps(
        [{"key": i.key, "kind": i.kind, "text": i.text} for i in items], ensure_ascii=False
    )


def _parse_items(text: str) -> tuple[QuestionItem, ...]:
    """Stored items; a malformed entry (a hand-edited or half-synced row) is left out."""
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return ()
    if not isinstance(raw, list):
        return ()
    out: list[QuestionItem] = []
    for each in raw:
        if not isinstance(each, dict):
            continue
        key, kind, words = each.get("key"), each.get("kind"), each.get("text")
        if isinstance(key, str) and kind in ITEM_KINDS and isinstance(words, str):
            out.append(QuestionItem(key, str(kind), words))
    return tuple(out)


def _view(row: Questionnaire, answered: int) -> QuestionnaireView:
    return QuestionnaireView(
        id=row.id,
        name=row.name,
        purpose=row.purpose,
        items=_parse_items(row.items),
        active=row.active,
        answered=answered,
    )


def _answered(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    wanted = list(ids)
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(SurveyResponse.questionnaire_id, func.count())
            .where(SurveyResponse.questionnaire_id.in_(wanted), SurveyResponse.deleted_at.is_(None))
            .group_by(SurveyResponse.questionnaire_id)
        ).all()
    )


def _default_row_in(clinic: Clinic, session: Session) -> Questionnaire:
    """The default questionnaire's row, written on first use (its id is derived, so two
    workstations writing it offline write the same row)."""
    row = session.get(Questionnaire, DEFAULT_QUESTIONNAIRE_ID)
    if row is None:
        now = clinic.now()
        d = DEFAULT_QUESTIONNAIRE
        row = Questionnaire(
            id=d.id,
            name=d.name,
            purpose=d.purpose,
            items=_items_json(d.items),
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def _live_questionnaire(clinic: Clinic, session: Session, qid: uuid.UUID) -> Questionnaire:
    if qid == DEFAULT_QUESTIONNAIRE_ID:
        return _default_row_in(clinic, session)
    row = session.get(Questionnaire, qid)
    if row is None or row.deleted_at is not None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "questionnaire"))
    return row


def _weekly_questionnaire_in(clinic: Clinic, session: Session) -> Questionnaire:
    """The questionnaire a new weekly sample is asked: the most recently edited active
    weekly one, else the default."""
    row = session.execute(
        select(Questionnaire)
        .where(
            Questionnaire.deleted_at.is_(None),
            Questionnaire.active.is_(True),
            Questionnaire.purpose == "weekly",
        )
        .order_by(Questionnaire.updated_at.desc(), Questionnaire.id)
        .limit(1)
    ).scalar()
    return row if row is not None else _default_row_in(clinic, session)


def _require_any(clinic: Clinic, actor: Actor, *actions: Action) -> None:
    reception._require_any(clinic, actor, *actions)


def questionnaires(clinic: Clinic, actor: Actor) -> list[QuestionnaireView]:
    """Every questionnaire, active first, then by name; the default one is listed (as
    it will be written) even before anyone has used it."""
    _require_any(clinic, actor, Action.FOLLOWUP_WORK, Action.QUALITY_REPORTS)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        rows = list(
            s.execute(select(Questionnaire).where(Questionnaire.deleted_at.is_(None))).scalars()
        )
        counts = _answered(s, (r.id for r in rows))
        views = [_view(r, counts.get(r.id, 0)) for r in rows]
    if not any(v.id == DEFAULT_QUESTIONNAIRE_ID for v in views):
        views.append(DEFAULT_QUESTIONNAIRE)
    return sorted(views, key=lambda v: (not v.active, v.name, v.id.hex))


def questionnaire(clinic: Clinic, actor: Actor, questionnaire_id: uuid.UUID) -> QuestionnaireView:
    _require_any(clinic, actor, Action.FOLLOWUP_WORK, Action.QUALITY_REPORTS)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        row = s.get(Questionnaire, questionnaire_id)
        if row is None or row.deleted_at is not None:
            if questionnaire_id == DEFAULT_QUESTIONNAIRE_ID:
                return DEFAULT_QUESTIONNAIRE
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "questionnaire"))
        return _view(row, _answered(s, [row.id]).get(row.id, 0))


def _check_items(items: Sequence[QuestionItem]) -> tuple[QuestionItem, ...]:
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise InvalidEntry("items", QT_TRANSLATE_NOOP("Errors", "Give the questions as a list."))
    if not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidEntry(
            "items",
            QT_TRANSLATE_NOOP(
                "Errors",
                "A questionnaire has 1 to {most} questions; this one has {n}. Add or remove "
                "questions.",
            ),
            most=MAX_ITEMS,
            n=len(items),
        )
    seen: set[str] = set()
    out: list[QuestionItem] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, QuestionItem):
            raise TypeError("save_questionnaire takes QuestionItem values")
        if not isinstance(item.key, str) or not _KEY.fullmatch(item.key):
            raise InvalidEntry(
                "items",
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Question {n}: its key should be 1 to 32 small letters a-z, digits or "
                    "underscores (for example: waiting_time).",
                ),
                n=number,
            )
        if item.key in seen:
            raise InvalidEntry(
                "items",
                QT_TRANSLATE_NOOP(
                    "Errors", "Question {n}: the key “{key}” is used twice. Give each its own."
                ),
                n=number,
                key=item.key,
            )
        seen.add(item.key)
        if item.kind not in ITEM_KINDS:
            raise InvalidEntry(
                "items",
                QT_TRANSLATE_NOOP(
                    "Errors", "Question {n}: choose a score from 1 to 5 or an open question."
                ),
                n=number,
            )
        words = _text(item.text, "items", limit=MAX_ITEM_TEXT, multiline=False)
        if not words:
            raise InvalidEntry(
                "items",
                QT_TRANSLATE_NOOP("Errors", "Question {n} has no text. Write the question."),
                n=number,
            )
        out.append(QuestionItem(item.key, item.kind, words))
    if not any(i.kind == "scale" for i in out):
        raise InvalidEntry(
            "items",
            QT_TRANSLATE_NOOP(
                "Errors",
                "A questionnaire needs at least one question scored from 1 to 5: the "
                "satisfaction rate is counted from those.",
            ),
        )
    return tuple(out)


def _answered_kinds(session: Session, qid: uuid.UUID) -> dict[str, str]:
    """Each answered item key of a questionnaire and the kind its answers have."""
    rows = session.execute(
        select(SurveyAnswer.item_key, func.count(SurveyAnswer.score))
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyResponse.questionnaire_id == qid,
            SurveyResponse.deleted_at.is_(None),
            SurveyAnswer.deleted_at.is_(None),
        )
        .group_by(SurveyAnswer.item_key)
    ).all()
    return {key: "scale" if scored else "open" for key, scored in rows}


def save_questionnaire(
    clinic: Clinic,
    actor: Actor,
    questionnaire_id: uuid.UUID | None,
    *,
    name: str,
    purpose: str,
    items: Sequence[QuestionItem],
    active: bool = True,
) -> Written[QuestionnaireView]:
    """Create (``questionnaire_id`` None) or change a questionnaire."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    title = _text(name, "name", limit=MAX_NAME, multiline=False)
    if not title:
        raise InvalidEntry("name", QT_TRANSLATE_NOOP("Errors", "Give the questionnaire a name."))
    if purpose not in PURPOSES:
        raise InvalidEntry(
            "purpose", QT_TRANSLATE_NOOP("Errors", "Choose what the questionnaire is for.")
        )
    if not isinstance(active, bool):
        raise InvalidEntry(
            "active", QT_TRANSLATE_NOOP("Errors", "Say whether the questionnaire is in use.")
        )
    checked = _check_items(items)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        if questionnaire_id is None:
            row = Questionnaire(id=new_id(), created_at=now)
            s.add(row)
            action = "survey.questionnaire_add"
        else:
            row = _live_questionnaire(clinic, s, questionnaire_id)
            action = "survey.questionnaire_edit"
            answered = _answered_kinds(s, row.id)
            for item in checked:
                had = answered.get(item.key)
                if had is not None and had != item.kind:
                    raise InvalidEntry(
                        "items",
                        QT_TRANSLATE_NOOP(
                            "Errors",
                            "The question “{key}” already has answers, so it cannot change "
                            "between a score and an open question. Add a new question "
                            "with its own key instead.",
                        ),
                        key=item.key,
                    )
        row.name = title
        row.purpose = purpose
        row.items = _items_json(checked)
        row.active = active
        row.updated_by = actor.staff_id
        row.updated_at = now
        s.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action=action,
                object_type="questionnaire",
                object_id=row.id.hex,
                detail=json.dumps(
                    {"items": len(checked), "purpose": purpose, "active": active},
                    sort_keys=True,
                ),
            ),
        )
        view = _view(row, _answered(s, [row.id]).get(row.id, 0))
        uow.commit()
    return Written(view, Changes(frozenset({Topic.QUALITY}), frozenset({view.id})))


# -- the weekly sample ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleView:
    id: uuid.UUID
    code: str  # the short reference code printed on the form ("3F2A-9C1B")
    week_start: date
    patient_id: uuid.UUID
    patient_name: str  # how the caller addresses the patient (C4)
    doctor_id: uuid.UUID | None
    doctor_name: str
    department: str
    visit_day: date | None
    mode: str  # call | form
    status: str  # drawn | answered | declined | unreachable
    task_id: uuid.UUID | None
    questionnaire_id: uuid.UUID | None


@dataclass(frozen=True)
class WeekDraw:
    week_start: date
    patients_seen: int
    drawn: tuple[SampleView, ...]  # by visit day, then name
    percent: int


def sample_id_for(week_start: date, patient_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"survey_sample:{week_start.isoformat()}:{patient_id}")


def survey_task_id(sample_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"followup:survey:{sample_id}")


def _draw_order(week_start: date, patient_id: uuid.UUID) -> str:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"survey:{week_start.isoformat()}:{patient_id}").hex


def sample_code(sample_id: uuid.UUID) -> str:
    """The form's reference code: the first 8 hex digits of the sample's id."""
    head = sample_id.hex[:8].upper()
    return f"{head[:4]}-{head[4:]}"


def _monday(value: object) -> date:
    day = _a_day(value, "week")
    if day.weekday() != 0:
        raise InvalidEntry(
            "week_start",
            QT_TRANSLATE_NOOP("Errors", "A survey week starts on a Monday; {day} is not one."),
            day=day.isoformat(),
        )
    return day


@dataclass(frozen=True)
class _Seen:
    moment: datetime
    doctor_id: uuid.UUID | None
    department: str
    day: date


def _seen_in_week(clinic: Clinic, session: Session, week_start: date) -> dict[uuid.UUID, _Seen]:
    """The week's patients (a queue entry done, or a finished visit that no correction
    replaced), each with the last doctor and department that saw them."""
    last_day = week_start + timedelta(days=6)
    start = followups._day_start(clinic, week_start)
    end = followups._day_start(clinic, last_day + timedelta(days=1))
    live_patient = (Patient.deleted_at.is_(None), Patient.merged_into.is_(None))
    departments: dict[uuid.UUID | None, str] = {}

    def department_of(doctor_id: uuid.UUID | None) -> str:
        if doctor_id not in departments:
            departments[doctor_id] = reception._department_of(session, doctor_id)
        return departments[doctor_id]

    seen: dict[uuid.UUID, _Seen] = {}

    def note(patient_id: uuid.UUID, candidate: _Seen) -> None:
        before = seen.get(patient_id)
        if before is None or candidate.moment > before.moment:
            seen[patient_id] = candidate

    for patient_id, day, doctor_id, department, arrived_at in session.execute(
        select(
            QueueEntry.patient_id,
            QueueEntry.day,
            QueueEntry.doctor_id,
            QueueEntry.department,
            QueueEntry.arrived_at,
        )
        .join(Patient, Patient.id == QueueEntry.patient_id)
        .where(
            QueueEntry.status == reception.DONE,
            QueueEntry.day >= week_start,
            QueueEntry.day <= last_day,
            QueueEntry.deleted_at.is_(None),
            *live_patient,
        )
    ).all():
        note(
            patient_id,
            _Seen(arrived_at, doctor_id, department or department_of(doctor_id), day),
        )
    corrected = select(Visit.corrects_id).where(
        Visit.corrects_id.is_not(None), Visit.deleted_at.is_(None)
    )
    for patient_id, doctor_id, visit_at in session.execute(
        select(Visit.patient_id, Visit.doctor_id, Visit.visit_at)
        .join(Patient, Patient.id == Visit.patient_id)
        .where(
            Visit.finished_at.is_not(None),
            Visit.visit_at >= start,
            Visit.visit_at < end,
            Visit.deleted_at.is_(None),
            Visit.id.not_in(corrected),
            *live_patient,
        )
    ).all():
        note(
            patient_id,
            _Seen(
                visit_at,
                doctor_id,
                department_of(doctor_id),
                followups._local_day(clinic, visit_at),
            ),
        )
    return seen


def _sample_views(
    clinic: Clinic, session: Session, rows: Sequence[SurveySample]
) -> list[SampleView]:
    if not rows:
        return []
    people = {
        p.id: p
        for p in session.execute(
            select(Patient).where(Patient.id.in_({r.patient_id for r in rows}))
        ).scalars()
    }
    doctors = staff.display_names(session, (r.doctor_id for r in rows))
    today = clinic.today()
    language = reception._language(clinic, None)
    style = patients.honorific_style(clinic)
    views: list[SampleView] = []
    for r in rows:
        p = people.get(r.patient_id)
        name = (
            reception._address(
                p.family_name,
                p.given_name,
                p.sex,
                p.birth_date,
                p.occupation,
                p.title,
                p.honorific_override,
                today,
                language,
                style,
            )
            if p is not None
            else ""
        )
        views.append(
            SampleView(
                id=r.id,
                code=sample_code(r.id),
                week_start=r.week_start,
                patient_id=r.patient_id,
                patient_name=name,
                doctor_id=r.doctor_id,
                doctor_name=doctors.get(r.doctor_id, "") if r.doctor_id else "",
                department=r.department,
                visit_day=r.visit_day,
                mode=r.mode,
                status=r.status,
                task_id=r.task_id,
                questionnaire_id=r.questionnaire_id,
            )
        )
    return sorted(views, key=lambda v: (v.visit_day or date.min, v.patient_name, v.id.hex))


def _week_rows(session: Session, week_start: date) -> list[SurveySample]:
    return list(
        session.execute(
            select(SurveySample).where(
                SurveySample.week_start == week_start, SurveySample.deleted_at.is_(None)
            )
        ).scalars()
    )


def _percent(clinic: Clinic) -> int:
    return max(1, min(100, int(clinic.setting("quality.weekly_survey_percent"))))


def draw_week(
    clinic: Clinic, actor: Actor, week_start: date, *, mode: str | None = None
) -> Written[WeekDraw]:
    """Draw the week's sample (G1); drawing again keeps what was drawn and only tops it
    up to the number due (more patients seen since, a higher percentage).

    Patients who died are never drawn; for calls, neither are those who asked not to be
    called. Call mode: a "survey" follow-up task per patient, for customer service, due
    within ``SURVEY_DUE_DAYS`` from today.
    """
    _require_any(clinic, actor, Action.QUALITY_REPORTS, Action.FOLLOWUP_SUPERVISE)
    week = _monday(week_start)
    today = clinic.today()
    if week > today:
        raise InvalidEntry(
            "week_start",
            QT_TRANSLATE_NOOP(
                "Errors",
                "The week of {day} has not started yet. Draw this week's sample or an "
                "earlier week's.",
            ),
            day=week.isoformat(),
        )
    if (today - week).days > MAX_DAYS_BACK:
        raise InvalidEntry(
            "week_start",
            QT_TRANSLATE_NOOP(
                "Errors",
                "The week of {day} is more than a year ago: its patients are not asked any "
                "more. Choose a recent week.",
            ),
            day=week.isoformat(),
        )
    chosen = str(clinic.setting("quality.survey_mode")) if mode is None else mode
    if chosen not in MODES:
        raise InvalidEntry(
            "mode",
            QT_TRANSLATE_NOOP("Errors", "Choose how the sample is asked: by call or by form."),
        )
    percent = _percent(clinic)
    now = clinic.now()
    made: list[uuid.UUID] = []
    tasks: list[uuid.UUID] = []
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        seen = _seen_in_week(clinic, s, week)
        due = max(1, math.ceil(len(seen) * percent / 100)) if seen else 0
        existing = _week_rows(s, week)
        have = {r.patient_id for r in existing}
        wanted = due - len(existing)
        if wanted > 0:
            people = {
                p.id: p
                for p in s.execute(select(Patient).where(Patient.id.in_(list(seen)))).scalars()
            }
            order = sorted(seen, key=lambda pid: _draw_order(week, pid))
            form = _weekly_questionnaire_in(clinic, s)
            for patient_id in order:
                if wanted <= 0:
                    break
                p = people.get(patient_id)
                if patient_id in have or p is None or p.deceased_on is not None:
                    continue
                if chosen == "call" and p.opt_out_calls:
                    continue
                visit = seen[patient_id]
                sample_id = sample_id_for(week, patient_id)
                if s.get(SurveySample, sample_id) is not None:
                    continue  # drawn before and removed by hand: not drawn again
                task_id: uuid.UUID | None = None
                if chosen == "call":
                    task_id = survey_task_id(sample_id)
                    if s.get(FollowupTask, task_id) is None:
                        s.add(
                            FollowupTask(
                                id=task_id,
                                patient_id=patient_id,
                                kind="survey",
                                source_id=sample_id,
                                channel="phone",
                                caller_role="customer_service",
                                doctor_id=visit.doctor_id,
                                department=visit.department[:MAX_DEPARTMENT],
                                title=SURVEY_TASK_TITLE,
                                due_from=today,
                                due_by=today + timedelta(days=SURVEY_DUE_DAYS),
                                status="open",
                                created_by=actor.staff_id,
                                created_at=now,
                                updated_at=now,
                            )
                        )
                        tasks.append(task_id)
                s.add(
                    SurveySample(
                        id=sample_id,
                        week_start=week,
                        patient_id=patient_id,
                        questionnaire_id=form.id,
                        doctor_id=visit.doctor_id,
                        department=visit.department[:MAX_DEPARTMENT],
                        visit_day=visit.day,
                        mode=chosen,
                        task_id=task_id,
                        status="drawn",
                        created_at=now,
                        updated_at=now,
                    )
                )
                made.append(sample_id)
                wanted -= 1
            s.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="survey.draw",
                object_type="survey_week",
                object_id=week.isoformat(),
                detail=json.dumps(
                    {
                        "seen": len(seen),
                        "due": due,
                        "drawn": len(made),
                        "mode": chosen,
                        "percent": percent,
                    },
                    sort_keys=True,
                ),
            ),
        )
        result = WeekDraw(
            week, len(seen), tuple(_sample_views(clinic, s, _week_rows(s, week))), percent
        )
        uow.commit()
    topics = {Topic.QUALITY, Topic.FOLLOWUPS} if tasks else {Topic.QUALITY}
    return Written(result, Changes(frozenset(topics), frozenset([*made, *tasks])))


def week_samples(clinic: Clinic, actor: Actor, week_start: date) -> WeekDraw:
    """The week's sample as drawn so far (empty before the draw), and how many were seen."""
    _require_any(clinic, actor, Action.QUALITY_REPORTS, Action.FOLLOWUP_SUPERVISE)
    week = _monday(week_start)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        seen = _seen_in_week(clinic, s, week)
        rows = _week_rows(s, week)
        return WeekDraw(week, len(seen), tuple(_sample_views(clinic, s, rows)), _percent(clinic))


def find_sample(clinic: Clinic, actor: Actor, code: str) -> SampleView:
    """The sample whose reference code (printed at the foot of its form) is ``code``."""
    _require_any(clinic, actor, Action.FOLLOWUP_WORK, Action.QUALITY_REPORTS)
    if not isinstance(code, str):
        raise InvalidEntry("code", QT_TRANSLATE_NOOP("Errors", "This should be text."))
    wanted = re.sub(r"[\s\-‐-―－]", "", code).lower()
    if not _CODE.fullmatch(wanted):
        raise InvalidEntry(
            "code",
            QT_TRANSLATE_NOOP(
                "Errors",
                "A reference code is 8 letters and digits, as printed at the foot of the form "
                "(for example 3F2A-9C1B). Check it and type it again.",
            ),
        )
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        ids = [
            r[0]
            for r in s.connection().exec_driver_sql(
                "SELECT id FROM survey_sample WHERE deleted_at IS NULL AND id LIKE ?",
                (wanted + "%",),
            )
        ]
        if len(ids) != 1:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "survey sample with that code"))
        row = s.get(SurveySample, uuid.UUID(str(ids[0])))
        if row is None:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "survey sample with that code"))
        return _sample_views(clinic, s, [row])[0]


def samples_follow_tasks_in(clinic: Clinic, uow: UnitOfWork, task_ids: Iterable[uuid.UUID]) -> None:
    """Inside the caller's transaction: a drawn sample whose survey call was refused is
    "declined"; one whose task was closed without reaching the patient "unreachable"
    (asked not to be called: "declined")."""
    ids = list(task_ids)
    if not ids:
        return
    s = uow.session
    for task_id, status, reason, outcome in s.execute(
        select(
            FollowupTask.id, FollowupTask.status, FollowupTask.close_reason,
            FollowupTask.last_outcome,
        ).where(FollowupTask.id.in_(ids), FollowupTask.kind == "survey")
    ).all():  # fmt: skip
        if status == "done" and outcome == "refused":
            after = "declined"
        elif status == "closed" and reason == "opted_out":
            after = "declined"
        elif status == "closed" and reason in ("unreachable", "no_contact", "deceased"):
            after = "unreachable"
        else:
            continue
        s.execute(
            update(SurveySample)
            .where(
                SurveySample.task_id == task_id,
                SurveySample.status == "drawn",
                SurveySample.deleted_at.is_(None),
            )
            .values(status=after, updated_at=clinic.now())
            .execution_options(synchronize_session="fetch")
        )


# -- responses ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerInput:
    key: str
    score: int | None = None  # scale items: 1-5
    text: str = ""  # open items


@dataclass(frozen=True)
class ResponseView:
    id: uuid.UUID
    questionnaire_id: uuid.UUID
    sample_id: uuid.UUID | None
    patient_id: uuid.UUID | None
    doctor_id: uuid.UUID | None
    department: str
    via: str
    answered_on: date
    answers: tuple[AnswerInput, ...]  # in the questionnaire's order


def _check_answers(
    items: Sequence[QuestionItem], answers: Sequence[AnswerInput], field_name: str
) -> list[AnswerInput]:
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise InvalidEntry(field_name, QT_TRANSLATE_NOOP("Errors", "Give the answers as a list."))
    kinds = {i.key: i.kind for i in items}
    given: dict[str, AnswerInput] = {}
    for answer in answers:
        if not isinstance(answer, AnswerInput):
            raise TypeError("survey answers are AnswerInput values")
        key = answer.key
        if key not in kinds:
            raise InvalidEntry(
                field_name,
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "There is no question “{key}” in this questionnaire. Use the questions given.",
                ),
                key=str(key)[:40],
            )
        if key in given:
            raise InvalidEntry(
                field_name,
                QT_TRANSLATE_NOOP(
                    "Errors", "The question “{key}” is answered twice. Keep one answer."
                ),
                key=key,
            )
        if kinds[key] == "scale":
            score = answer.score
            if score is not None and (
                isinstance(score, bool)
                or not isinstance(score, int)
                or not SCORE_MIN <= score <= SCORE_MAX
            ):
                raise InvalidEntry(
                    field_name,
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "The question “{key}” is answered with a score from 1 (very "
                        "dissatisfied) to 5 (very satisfied).",
                    ),
                    key=key,
                )
            if answer.text:
                raise InvalidEntry(
                    field_name,
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "The question “{key}” takes a score from 1 to 5, not text. Write "
                        "remarks in an open question.",
                    ),
                    key=key,
                )
            given[key] = AnswerInput(key, score, "")
        else:
            if answer.score is not None:
                raise InvalidEntry(
                    field_name,
                    QT_TRANSLATE_NOOP(
                        "Errors", "The question “{key}” is answered in words, not with a score."
                    ),
                    key=key,
                )
            given[key] = AnswerInput(key, None, _text(answer.text, field_name, limit=MAX_TEXT))
    order = [i.key for i in items]
    kept = [given[k] for k in order if k in given and (given[k].score is not None or given[k].text)]
    if not kept:
        raise InvalidEntry(
            field_name,
            QT_TRANSLATE_NOOP(
                "Errors", "No question is answered. Record at least one answer, or leave it."
            ),
        )
    return kept


def _already_answered(session: Session, sample_id: uuid.UUID, field_name: str) -> None:
    day = session.execute(
        select(SurveyResponse.answered_on)
        .where(SurveyResponse.sample_id == sample_id, SurveyResponse.deleted_at.is_(None))
        .order_by(SurveyResponse.answered_on)
        .limit(1)
    ).scalar()
    if day is not None:
        raise InvalidEntry(
            field_name,
            QT_TRANSLATE_NOOP(
                "Errors",
                "This patient's survey was already answered on {day}. Each drawn patient "
                "answers once.",
            ),
            day=day.isoformat(),
        )


def _write_response(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    *,
    form: Questionnaire,
    answers: Sequence[AnswerInput],
    via: str,
    sample: SurveySample | None,
    patient_id: uuid.UUID | None,
    doctor_id: uuid.UUID | None,
    department: str,
    answered_on: date,
    call_id: uuid.UUID | None = None,
) -> ResponseView:
    s = uow.session
    now = clinic.now()
    response = SurveyResponse(
        id=new_id(),
        sample_id=sample.id if sample is not None else None,
        questionnaire_id=form.id,
        patient_id=patient_id,
        doctor_id=doctor_id,
        department=department,
        via=via,
        answered_on=answered_on,
        recorded_by=actor.staff_id,
        created_at=now,
        updated_at=now,
    )
    s.add(response)
    s.flush()
    for answer in answers:
        s.add(
            SurveyAnswer(
                id=new_id(),
                response_id=response.id,
                item_key=answer.key,
                score=answer.score,
                text=answer.text,
                created_at=now,
                updated_at=now,
            )
        )
    if sample is not None:
        sample.status = "answered"
        sample.updated_at = now
    s.flush()
    detail: dict[str, Any] = {
        "via": via,
        "answers": len(answers),
        "questionnaire": form.id.hex,
    }
    if sample is not None:
        detail["sample"] = sample.id.hex
    if call_id is not None:
        detail["call"] = call_id.hex
    clinic.audit(
        uow,
        actor,
        audit.AuditEvent(
            action="survey.response",
            object_type="survey_response",
            object_id=response.id.hex,
            patient_id=patient_id,
            detail=json.dumps(detail, sort_keys=True),
        ),
    )
    return ResponseView(
        id=response.id,
        questionnaire_id=form.id,
        sample_id=response.sample_id,
        patient_id=patient_id,
        doctor_id=doctor_id,
        department=department,
        via=via,
        answered_on=answered_on,
        answers=tuple(answers),
    )


def record_response(
    clinic: Clinic,
    actor: Actor,
    *,
    questionnaire_id: uuid.UUID,
    answers: Sequence[AnswerInput],
    via: str = "form",
    sample_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    doctor_id: uuid.UUID | None = None,
    department: str = "",
    answered_on: date | None = None,
) -> Written[ResponseView]:
    """A filled questionnaire typed in (a returned form), or a call's answers recorded
    apart from the call. With ``sample_id`` the patient, doctor and department come
    from the sample (unless given) and the sample becomes "answered"."""
    _require_any(clinic, actor, Action.FOLLOWUP_WORK, Action.QUALITY_REPORTS)
    if via not in VIAS:
        raise InvalidEntry(
            "via", QT_TRANSLATE_NOOP("Errors", "Say whether the answers came by call or form.")
        )
    today = clinic.today()
    day = today if answered_on is None else _a_day(answered_on, "answer date")
    if day > today or (today - day).days > MAX_DAYS_BACK:
        raise InvalidEntry(
            "answered_on",
            QT_TRANSLATE_NOOP(
                "Errors",
                "The answer date {day} should be today or within the last year, not in the future.",
            ),
            day=day.isoformat(),
        )
    where = _text(department, "department", limit=MAX_DEPARTMENT, multiline=False)
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        sample: SurveySample | None = None
        if sample_id is not None:
            sample = s.get(SurveySample, sample_id)
            if sample is None or sample.deleted_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "survey sample"))
            _already_answered(s, sample.id, "sample_id")
            if sample.questionnaire_id is not None and sample.questionnaire_id != questionnaire_id:
                raise InvalidEntry(
                    "questionnaire_id",
                    QT_TRANSLATE_NOOP(
                        "Errors",
                        "This patient was drawn for another questionnaire. Enter the answers "
                        "on the form printed for them.",
                    ),
                )
            patient_id = patient_id or sample.patient_id
            doctor_id = doctor_id or sample.doctor_id
            where = where or sample.department
        if patient_id is not None:
            followups._live_patient(s, patient_id)
        if doctor_id is not None:
            doctor = s.get(Staff, doctor_id)
            if doctor is None or doctor.deleted_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "doctor"))
        form = _live_questionnaire(clinic, s, questionnaire_id)
        kept = _check_answers(_parse_items(form.items), answers, "answers")
        view = _write_response(
            clinic,
            uow,
            actor,
            form=form,
            answers=kept,
            via=via,
            sample=sample,
            patient_id=patient_id,
            doctor_id=doctor_id,
            department=where,
            answered_on=day,
        )
        uow.commit()
    ids = {view.id, *(i for i in (sample_id, patient_id) if i is not None)}
    return Written(view, Changes(frozenset({Topic.QUALITY}), frozenset(ids)))


def _mapped_answers(answers: Mapping[str, int | str]) -> list[AnswerInput]:
    if not isinstance(answers, Mapping):
        raise InvalidEntry(
            "survey",
            QT_TRANSLATE_NOOP("Errors", "The survey answers should be given per question."),
        )
    out: list[AnswerInput] = []
    for key, value in answers.items():
        if isinstance(value, int) and not isinstance(value, bool):
            out.append(AnswerInput(str(key), value, ""))
        elif isinstance(value, str):
            out.append(AnswerInput(str(key), None, value))
        else:
            raise InvalidEntry(
                "survey",
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The question “{key}” is answered with a score from 1 to 5 or with words.",
                ),
                key=str(key)[:40],
            )
    return out


def record_response_in(
    clinic: Clinic,
    uow: UnitOfWork,
    actor: Actor,
    task_row: FollowupTask,
    answers: Mapping[str, int | str],
    call_id: uuid.UUID,
) -> uuid.UUID | None:
    """A survey call that reached the patient: its answers, inside the call's
    transaction (``followups._record_call``). Returns the response id (None when the
    task is not a survey). Errors name the field "survey"."""
    if task_row.kind != "survey":
        return None
    s = uow.session
    sample = s.get(SurveySample, task_row.source_id) if task_row.source_id else None
    if sample is None or sample.deleted_at is not None:
        raise InvalidEntry(
            "survey",
            QT_TRANSLATE_NOOP(
                "Errors",
                "This survey call's patient is no longer in the week's sample. Close the "
                "task as no longer needed.",
            ),
        )
    _already_answered(s, sample.id, "survey")
    form = (
        _live_questionnaire(clinic, s, sample.questionnaire_id)
        if sample.questionnaire_id is not None
        else _weekly_questionnaire_in(clinic, s)
    )
    kept = _check_answers(_parse_items(form.items), _mapped_answers(answers), "survey")
    view = _write_response(
        clinic,
        uow,
        actor,
        form=form,
        answers=kept,
        via="call",
        sample=sample,
        patient_id=sample.patient_id,
        doctor_id=sample.doctor_id,
        department=sample.department,
        answered_on=clinic.today(),
        call_id=call_id,
    )
    return view.id


def survey_questions_for_task(
    clinic: Clinic, actor: Actor, task_id: uuid.UUID
) -> QuestionnaireView | None:
    """The questionnaire a survey call asks (None when the task is not a survey)."""
    clinic.require(actor, Action.FOLLOWUP_WORK)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        row = followups._live_task(s, task_id)
        if row.kind != "survey":
            return None
        sample = s.get(SurveySample, row.source_id) if row.source_id else None
        qid = sample.questionnaire_id if sample is not None else None
        if qid is None:
            found = s.execute(
                select(Questionnaire.id)
                .where(
                    Questionnaire.deleted_at.is_(None),
                    Questionnaire.active.is_(True),
                    Questionnaire.purpose == "weekly",
                )
                .order_by(Questionnaire.updated_at.desc(), Questionnaire.id)
                .limit(1)
            ).scalar()
            qid = found if found is not None else DEFAULT_QUESTIONNAIRE_ID
        form = s.get(Questionnaire, qid)
        if form is None:
            return DEFAULT_QUESTIONNAIRE
        return _view(form, _answered(s, [form.id]).get(form.id, 0))


# -- the printed form ----------------------------------------------------------------------------

# The default questionnaire printed for patients in their language (its stored words
# are the English source strings the interface translates).
_DEFAULT_PRINTED: dict[str, dict[str, str]] = {
    "zh_CN": {
        "Weekly satisfaction survey": "患者满意度调查",
        "Overall, how satisfied are you with your visit?": "您对本次就诊的总体满意度如何？",
        "How satisfied are you with the doctor's explanation?": "您对医生的解释说明满意吗？",
        "How satisfied are you with the staff's attitude?": "您对工作人员的服务态度满意吗？",
        "How satisfied are you with the waiting time?": "您对候诊时间满意吗？",
        "How satisfied are you with the clinic's environment?": "您对诊所的就诊环境满意吗？",
        "What could we do better?": "您认为我们还有哪些地方可以改进？",
    },
    "zh_TW": {
        "Weekly satisfaction survey": "患者滿意度調查",
        "Overall, how satisfied are you with your visit?": "您對本次就診的總體滿意度如何？",
        "How satisfied are you with the doctor's explanation?": "您對醫生的解釋說明滿意嗎？",
        "How satisfied are you with the staff's attitude?": "您對工作人員的服務態度滿意嗎？",
        "How satisfied are you with the waiting time?": "您對候診時間滿意嗎？",
        "How satisfied are you with the clinic's environment?": "您對診所的就診環境滿意嗎？",
        "What could we do better?": "您認為我們還有哪些地方可以改進？",
    },
}


def survey_form(
    clinic: Clinic,
    actor: Actor,
    questionnaire_id: uuid.UUID,
    *,
    language: str = "zh_CN",
    sample_id: uuid.UUID | None = None,
) -> SurveyFormData:
    """What the printed questionnaire shows: no patient's name (the form is anonymous),
    only the sample's reference code when printed for a drawn patient. The default
    questionnaire's questions are printed in ``language``; a clinic's own questions as
    they were written."""
    _require_any(clinic, actor, Action.QUALITY_REPORTS, Action.FOLLOWUP_WORK)
    printed = _DEFAULT_PRINTED.get(language, {})
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        row = s.get(Questionnaire, questionnaire_id)
        if row is not None and row.deleted_at is None:
            name, items = row.name, _parse_items(row.items)
        elif questionnaire_id == DEFAULT_QUESTIONNAIRE_ID:
            name, items = DEFAULT_QUESTIONNAIRE.name, DEFAULT_QUESTIONNAIRE.items
        else:
            raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "questionnaire"))
        code = ""
        if sample_id is not None:
            sample = s.get(SurveySample, sample_id)
            if sample is None or sample.deleted_at is not None:
                raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "survey sample"))
            code = sample_code(sample.id)
    return SurveyFormData(
        clinic_name=str(clinic.setting("clinic.name")),
        title=printed.get(name, name),
        items=tuple(SurveyFormItem(i.kind, printed.get(i.text, i.text)) for i in items),
        code=code,
    )


def survey_form_pdf(
    clinic: Clinic,
    actor: Actor,
    questionnaire_id: uuid.UUID,
    *,
    language: str = "zh_CN",
    sample_id: uuid.UUID | None = None,
    page: str = "A4",
) -> bytes:
    """The printed questionnaire (A4 or A5) in ``language`` (zh_CN, zh_TW, en)."""
    data = survey_form(clinic, actor, questionnaire_id, language=language, sample_id=sample_id)
    margin = float(clinic.setting("printing.extra_margin_mm"))
    return survey_form_document(data, words=form_words(language), page=page, extra_margin_mm=margin)


# -- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    key: str  # item key, doctor's staff id hex, or department ("" = none recorded)
    label: str  # question text (source of the default's), doctor's name, department
    responses: int  # responses with at least one score in the row
    answers: int  # scores
    mean: float | None  # None when no score
    satisfied: int  # scores of 4 or 5
    satisfied_rate: float | None  # satisfied / answers, None when no score


def _period_of(first: date, last: date) -> tuple[date, date]:
    start, end = _period(first, last)
    if (end - start).days >= MAX_DAYS_BACK:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "That date range is too long: choose at most {n} days at a time."
            ),
            n=MAX_DAYS_BACK,
        )
    return start, end


def _labels(session: Session, qid: uuid.UUID | None) -> tuple[dict[str, str], list[str]]:
    """Question texts by key and the keys' order: the chosen questionnaire's, else every
    questionnaire's (the default's wording first, then newest edits)."""
    stmt = select(Questionnaire).where(Questionnaire.deleted_at.is_(None))
    if qid is not None:
        stmt = stmt.where(Questionnaire.id == qid)
    rows = sorted(
        session.execute(stmt).scalars(),
        key=lambda r: (r.id != DEFAULT_QUESTIONNAIRE_ID, -r.updated_at.timestamp()),
    )
    item_lists = [_parse_items(r.items) for r in rows]
    if qid is None or qid == DEFAULT_QUESTIONNAIRE_ID:
        item_lists.insert(0, DEFAULT_QUESTIONNAIRE.items)
    texts: dict[str, str] = {}
    order: list[str] = []
    for items in item_lists:
        for item in items:
            if item.key not in texts:
                texts[item.key] = item.text
                order.append(item.key)
    return texts, order


def survey_results(
    clinic: Clinic,
    actor: Actor,
    first: date,
    last: date,
    *,
    by: str = "question",
    questionnaire_id: uuid.UUID | None = None,
) -> list[ResultRow]:
    """Scores of the responses answered in [first, last], by question, doctor or
    department: how many, the mean, and the share satisfied (4 or 5)."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    start, end = _period_of(first, last)
    if by not in RESULT_BY:
        raise InvalidEntry(
            "by", QT_TRANSLATE_NOOP("Errors", "Show the results by question, doctor or department.")
        )
    group: Any = {
        "question": SurveyAnswer.item_key,
        "doctor": SurveyResponse.doctor_id,
        "department": SurveyResponse.department,
    }[by]
    stmt = (
        select(
            group,
            func.count(func.distinct(SurveyResponse.id)),
            func.count(SurveyAnswer.score),
            func.avg(SurveyAnswer.score),
            func.sum(case((SurveyAnswer.score >= SATISFIED, 1), else_=0)),
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(
            SurveyResponse.answered_on >= start,
            SurveyResponse.answered_on <= end,
            SurveyResponse.deleted_at.is_(None),
            SurveyAnswer.deleted_at.is_(None),
            SurveyAnswer.score.is_not(None),
        )
        .group_by(group)
    )
    if questionnaire_id is not None:
        stmt = stmt.where(SurveyResponse.questionnaire_id == questionnaire_id)
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        rows = s.execute(stmt).all()
        if by == "question":
            texts, order = _labels(s, questionnaire_id)
        elif by == "doctor":
            names = staff.display_names(s, (r[0] for r in rows))
    out: list[ResultRow] = []
    for key, responses, answers, mean, satisfied in rows:
        if by == "question":
            shown_key, label = str(key), texts.get(str(key), str(key))
        elif by == "doctor":
            shown_key = key.hex if key is not None else ""
            label = names.get(key, "") if key is not None else ""
        else:
            shown_key = label = str(key or "")
        out.append(
            ResultRow(
                key=shown_key,
                label=label,
                responses=int(responses),
                answers=int(answers),
                mean=float(mean) if answers else None,
                satisfied=int(satisfied or 0),
                satisfied_rate=(int(satisfied or 0) / int(answers)) if answers else None,
            )
        )
    if by == "question":
        rank = {k: i for i, k in enumerate(order)}
        out.sort(key=lambda r: (rank.get(r.key, len(rank)), r.key))
    else:
        out.sort(key=lambda r: (r.key == "", r.label, r.key))
    return out


def open_answers(
    clinic: Clinic, actor: Actor, first: date, last: date
) -> list[tuple[date, str, str]]:
    """The written answers of the period: (day, department, text), oldest first."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    start, end = _period_of(first, last)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(SurveyResponse.answered_on, SurveyResponse.department, SurveyAnswer.text)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(
                SurveyResponse.answered_on >= start,
                SurveyResponse.answered_on <= end,
                SurveyResponse.deleted_at.is_(None),
                SurveyAnswer.deleted_at.is_(None),
                SurveyAnswer.text != "",
            )
            .order_by(SurveyResponse.answered_on, SurveyAnswer.created_at, SurveyAnswer.id)
        ).all()
    return [(day, department, text) for day, department, text in rows]


# -- the daily self-check (G4) --------------------------------------------------------------------

DEFAULT_SELF_CHECKS: dict[str, tuple[str, ...]] = {
    Role.RECEPTIONIST.value: (
        QT_TRANSLATE_NOOP("SelfCheck", "Every patient's details complete (no missing phone / ID)"),
        QT_TRANSLATE_NOOP("SelfCheck", "Tomorrow's bookings confirmed"),
        QT_TRANSLATE_NOOP("SelfCheck", "No-shows of the day marked and called back"),
        QT_TRANSLATE_NOOP("SelfCheck", "Waiting patients kept informed; long waits handled"),
        QT_TRANSLATE_NOOP("SelfCheck", "Front desk and waiting area tidy"),
    ),
    Role.TRIAGE_NURSE.value: (
        QT_TRANSLATE_NOOP("SelfCheck", "Vital signs recorded for every patient triaged"),
        QT_TRANSLATE_NOOP("SelfCheck", "Allergies and current medication confirmed at check-in"),
        QT_TRANSLATE_NOOP("SelfCheck", "Same-day follow-up calls made"),
        QT_TRANSLATE_NOOP("SelfCheck", "Equipment cleaned and supplies restocked"),
    ),
    Role.DOCTOR.value: (
        QT_TRANSLATE_NOOP("SelfCheck", "Today's records complete and signed"),
        QT_TRANSLATE_NOOP("SelfCheck", "Follow-up plans set for today's patients"),
        QT_TRANSLATE_NOOP("SelfCheck", "Prescriptions checked and explained to patients"),
        QT_TRANSLATE_NOOP("SelfCheck", "Referrals and test results passed on"),
    ),
    Role.PHARMACIST.value: (
        QT_TRANSLATE_NOOP("SelfCheck", "Every prescription checked before dispensing"),
        QT_TRANSLATE_NOOP("SelfCheck", "Medication cards and guidance given"),
        QT_TRANSLATE_NOOP("SelfCheck", "Stock and expiry dates checked"),
    ),
    Role.HEALTH_MANAGER.value: (
        QT_TRANSLATE_NOOP("SelfCheck", "Today's follow-up calls made or rescheduled"),
        QT_TRANSLATE_NOOP("SelfCheck", "Health records of today's members updated"),
        QT_TRANSLATE_NOOP("SelfCheck", "Calls spot-checked"),
    ),
    Role.CUSTOMER_SERVICE.value: (
        QT_TRANSLATE_NOOP("SelfCheck", "Today's follow-up and survey calls made"),
        QT_TRANSLATE_NOOP("SelfCheck", "Complaints of the day accepted and contacted on time"),
        QT_TRANSLATE_NOOP("SelfCheck", "Suggestions forwarded to the departments"),
        QT_TRANSLATE_NOOP("SelfCheck", "Complaint deadlines due tomorrow checked"),
    ),
    Role.DIRECTOR.value: (
        QT_TRANSLATE_NOOP("SelfCheck", "Escalated complaints seen and answered"),
        QT_TRANSLATE_NOOP("SelfCheck", "Quality dashboard reviewed"),
        QT_TRANSLATE_NOOP("SelfCheck", "Staff self-checks of the day reviewed"),
    ),
}
ROLES = tuple(r.value for r in Role)


def self_check_list_id(role: str) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"self_check_list:{role}")


def self_check_id(staff_id: uuid.UUID, day: date) -> uuid.UUID:
    return uuid.uuid5(SYNCED_ROW_NAMESPACE, f"self_check:{staff_id}:{day.isoformat()}")


def _stored_list(text: str) -> tuple[str, ...] | None:
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(i, str) for i in raw):
        return None
    return tuple(raw)


def _lists(session: Session) -> dict[str, tuple[str, ...]]:
    lists = dict(DEFAULT_SELF_CHECKS)
    for row in session.execute(
        select(SelfCheckList).where(SelfCheckList.deleted_at.is_(None))
    ).scalars():
        items = _stored_list(row.items)
        if row.role in lists and items is not None:
            lists[row.role] = items
    return lists


def self_check_lists(clinic: Clinic, actor: Actor) -> dict[str, tuple[str, ...]]:
    """Each role's checklist (the clinic's own, else the default)."""
    clinic.require(actor, Action.SELF_CHECK)
    with clinic.store.unit_of_work(write=False) as uow:
        return _lists(uow.session)


def save_self_check_list(
    clinic: Clinic, actor: Actor, role: str, items: Sequence[str]
) -> Written[tuple[str, ...]]:
    """Replace a role's checklist (1 to 20 items, each one line)."""
    clinic.require(actor, Action.SETTINGS_EDIT)
    if role not in ROLES:
        raise InvalidEntry("role", QT_TRANSLATE_NOOP("Errors", "Choose the role of the checklist."))
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise InvalidEntry("items", QT_TRANSLATE_NOOP("Errors", "Give the items as a list."))
    cleaned: list[str] = []
    for number, item in enumerate(items, start=1):
        words = _text(item, "items", limit=MAX_SELF_CHECK_ITEM, multiline=False)
        if not words:
            continue
        if words in cleaned:
            raise InvalidEntry(
                "items",
                QT_TRANSLATE_NOOP("Errors", "Item {n} repeats an earlier one. Remove it."),
                n=number,
            )
        cleaned.append(words)
    if not 1 <= len(cleaned) <= MAX_SELF_CHECK_ITEMS:
        raise InvalidEntry(
            "items",
            QT_TRANSLATE_NOOP("Errors", "A checklist has 1 to {most} items; this one has {n}."),
            most=MAX_SELF_CHECK_ITEMS,
            n=len(cleaned),
        )
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        row_id = self_check_list_id(role)
        row = s.get(SelfCheckList, row_id)
        if row is None:
            row = SelfCheckList(id=row_id, role=role, created_at=now)
            s.add(row)
        row.items = json.dumps(cleaned, ensure_ascii=False)
        row.updated_by = actor.staff_id
        row.updated_at = now
        row.deleted_at = None
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="self_check.list_save",
                object_type="self_check_list",
                object_id=row_id.hex,
                detail=json.dumps({"role": role, "items": len(cleaned)}),
            ),
        )
        uow.commit()
    return Written(tuple(cleaned), Changes(frozenset({Topic.QUALITY}), frozenset({row_id})))


@dataclass(frozen=True)
class SelfCheckView:
    id: uuid.UUID
    staff_id: uuid.UUID
    staff_name: str
    role: str
    day: date
    answers: tuple[tuple[str, bool, str], ...]  # (item, done, what was missed)
    note: str
    completed_at: datetime


def _stored_answers(text: str) -> tuple[tuple[str, bool, str], ...]:
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return ()
    if not isinstance(raw, list):
        return ()
    return tuple(
        (str(a.get("item", "")), bool(a.get("ok")), str(a.get("note", "")))
        for a in raw
        if isinstance(a, dict)
    )


def _check_view(row: SelfCheck, name: str) -> SelfCheckView:
    return SelfCheckView(
        id=row.id,
        staff_id=row.staff_id,
        staff_name=name,
        role=row.role,
        day=row.day,
        answers=_stored_answers(row.answers),
        note=row.note,
        completed_at=row.completed_at,
    )


def _staff_actor(actor: Actor) -> uuid.UUID:
    if actor.staff_id is None:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Sign in as a staff member to fill in a self-check.")
        )
    return actor.staff_id


def my_self_check(
    clinic: Clinic, actor: Actor, day: date | None = None
) -> tuple[tuple[str, ...], SelfCheckView | None]:
    """The actor's checklist and their entry of ``day`` (today), if they made one."""
    clinic.require(actor, Action.SELF_CHECK)
    staff_id = _staff_actor(actor)
    the_day = clinic.today() if day is None else _a_day(day, "day")
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        items = _lists(s).get(str(actor.role), ())
        row = s.get(SelfCheck, self_check_id(staff_id, the_day))
        entry = _check_view(row, actor.display_name) if row and row.deleted_at is None else None
        return items, entry


def submit_self_check(
    clinic: Clinic,
    actor: Actor,
    *,
    answers: Sequence[tuple[str, bool, str]],
    note: str = "",
    day: date | None = None,
) -> Written[SelfCheckView]:
    """The actor's self-check of today (or yesterday, after a late shift); submitting
    again the same day replaces it. Every item of the role's list is answered; one not
    done says what was missed."""
    clinic.require(actor, Action.SELF_CHECK)
    staff_id = _staff_actor(actor)
    today = clinic.today()
    the_day = today if day is None else _a_day(day, "day")
    if not today - timedelta(days=1) <= the_day <= today:
        raise InvalidEntry(
            "day",
            QT_TRANSLATE_NOOP(
                "Errors",
                "A self-check is filled in for today, or for yesterday after a late shift; "
                "not for {day}.",
            ),
            day=the_day.isoformat(),
        )
    if isinstance(answers, (str, bytes)) or not isinstance(answers, Sequence):
        raise InvalidEntry("answers", QT_TRANSLATE_NOOP("Errors", "Give the answers as a list."))
    remark = _text(note, "note", limit=MAX_TEXT)
    now = clinic.now()
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        role = str(actor.role)
        items = _lists(s).get(role, ())
        checked: list[dict[str, Any]] = []
        for number, answer in enumerate(answers, start=1):
            if not isinstance(answer, tuple) or len(answer) != 3:
                raise TypeError("self-check answers are (item, done, note) tuples")
            item, done, missed = answer
            if not isinstance(done, bool):
                raise InvalidEntry(
                    "answers",
                    QT_TRANSLATE_NOOP("Errors", "Tick item {n}, or leave it unticked."),
                    n=number,
                )
            why = _text(missed, "answers", limit=MAX_SELF_CHECK_NOTE)
            if not done and not why:
                raise InvalidEntry(
                    "answers",
                    QT_TRANSLATE_NOOP("Errors", "Say what was missed in item {n}."),
                    n=number,
                )
            checked.append({"item": item, "ok": done, "note": why})
        if [a["item"] for a in checked] != list(items):
            raise InvalidEntry(
                "answers",
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The checklist was changed while you filled it in. Open it again and "
                    "answer every item.",
                ),
            )
        row_id = self_check_id(staff_id, the_day)
        row = s.get(SelfCheck, row_id)
        if row is None:
            row = SelfCheck(id=row_id, staff_id=staff_id, day=the_day, created_at=now)
            s.add(row)
            action = "self_check.submit"
        else:
            action = "self_check.update"
        row.role = role
        row.answers = json.dumps(checked, ensure_ascii=False)
        row.note = remark
        row.completed_at = now
        row.updated_at = now
        row.deleted_at = None
        s.flush()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action=action,
                object_type="self_check",
                object_id=row_id.hex,
                detail=json.dumps(
                    {"day": the_day.isoformat(), "missed": sum(not a["ok"] for a in checked)}
                ),
            ),
        )
        view = _check_view(row, actor.display_name)
        uow.commit()
    return Written(view, Changes(frozenset({Topic.QUALITY}), frozenset({row_id})))


@dataclass(frozen=True)
class MissingSelfCheck:
    staff_id: uuid.UUID
    staff_name: str
    role: str
    day: date


def missing_self_checks(
    clinic: Clinic, actor: Actor, first: date, last: date
) -> list[MissingSelfCheck]:
    """Who worked and filled in no self-check, per day of [first, last] up to yesterday
    (today's is filled in at the day's end, so nobody is missing it yet).

    Worked: a doctor on a day their roster (rules, exceptions, absences, substitutions)
    gives them hours; everyone else on every day the clinic is open. Nobody works on a
    public holiday or a clinic closure. Staff disabled now, or whose account did not
    exist yet that day, are not listed.
    """
    clinic.require(actor, Action.QUALITY_REPORTS)
    start, end = _period_of(first, last)
    end = min(end, clinic.today() - timedelta(days=1))
    if end < start:
        return []
    zone = clinic.timezone()
    with clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        # Plain rows: read after the unit of work ends, when ORM objects are expired.
        people = s.execute(
            select(Staff.id, Staff.display_name, Staff.role, Staff.created_at).where(
                Staff.deleted_at.is_(None), Staff.disabled_at.is_(None)
            )
        ).all()
        closed = followups._closed_days(clinic, uow, start, end)
        doctors = [p.id for p in people if p.role == Role.DOCTOR.value]
        spans = rosters.working_spans_range_in(s, doctors, start, end)
        done = set(
            s.execute(
                select(SelfCheck.staff_id, SelfCheck.day).where(
                    SelfCheck.day >= start, SelfCheck.day <= end, SelfCheck.deleted_at.is_(None)
                )
            ).all()
        )
    out: list[MissingSelfCheck] = []
    day = start
    while day <= end:
        if day not in closed:
            for person in people:
                if person.created_at.astimezone(zone).date() > day:
                    continue
                if person.role == Role.DOCTOR.value and not spans.get((person.id, day)):
                    continue
                if (person.id, day) not in done:
                    out.append(MissingSelfCheck(person.id, person.display_name, person.role, day))
        day += timedelta(days=1)
    return sorted(out, key=lambda m: (m.day, m.role, m.staff_name, m.staff_id.hex))


def self_checks(clinic: Clinic, actor: Actor, first: date, last: date) -> list[SelfCheckView]:
    """The self-checks of [first, last], by day then name."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    start, end = _period_of(first, last)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(SelfCheck, Staff.display_name)
            .join(Staff, Staff.id == SelfCheck.staff_id)
            .where(SelfCheck.day >= start, SelfCheck.day <= end, SelfCheck.deleted_at.is_(None))
        ).all()
        views = [_check_view(row, name) for row, name in rows]  # before the rows expire
    return sorted(views, key=lambda v: (v.day, v.staff_name, v.staff_id.hex))
