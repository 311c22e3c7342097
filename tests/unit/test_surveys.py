"""Satisfaction surveys (issue 10, spec G1): the weekly sample (a week of three patients,
10% of a hundred, deterministic across workstations, drawn again without change), survey
calls on the follow-up worklist and their answers, returned forms typed in, the
results against a direct SQL count, the questionnaire's edit rules and the printed form."""

from __future__ import annotations

import io
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import followups, surveys
from clinic_desk.core.services.base import Topic
from clinic_desk.core.services.clinical import InvalidEntry
from clinic_desk.core.services.followups import CallEntry
from clinic_desk.core.services.settings import update_settings
from clinic_desk.core.services.surveys import AnswerInput, QuestionItem
from clinic_desk.core.store.models import (
    FollowupCall,
    FollowupTask,
    Patient,
    QueueEntry,
    SurveyAnswer,
    SurveyResponse,
    SurveySample,
    Visit,
)
from tests.conftest import ClinicFixture, FakeClock, make_clinic
from tests.unit.test_followups_plans import _actor, _doctor

WEEK = date(2026, 11, 16)  # the Monday before the fake clock's Monday (2026-11-23)
SHOTS = Path("/tmp/s10/shots")


def _at(day: date, hour: int) -> datetime:
    """``hour`` o'clock in Shanghai on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def _patients(
    cf: ClinicFixture, n: int, *, ids: list[uuid.UUID] | None = None, **extra: Any
) -> list[uuid.UUID]:
    """``n`` patients as plain rows (the registry's rules are its own tests' business)."""
    made = ids if ids is not None else [uuid.uuid4() for _ in range(n)]
    with cf.clinic.store.unit_of_work(write=True) as uow:
        for i, pid in enumerate(made):
            uow.session.add(
                Patient(id=pid, family_name="张", given_name=f"患者{i}", phone="+8613800000000",
                        **extra)
            )  # fmt: skip
        uow.commit()
    return made


def _seen(
    cf: ClinicFixture,
    patient_ids: list[uuid.UUID],
    day: date = WEEK,
    *,
    doctor_id: uuid.UUID | None = None,
    department: str = "全科",
    status: str = "done",
    hour: int = 9,
) -> None:
    with cf.clinic.store.unit_of_work(write=True) as uow:
        for i, pid in enumerate(patient_ids):
            uow.session.add(
                QueueEntry(
                    day=day,
                    patient_id=pid,
                    doctor_id=doctor_id,
                    department=department,
                    queue_no=i + 1,
                    status=status,
                    arrived_at=_at(day, hour),
                )
            )
        uow.commit()


@pytest.fixture
def w(cf: ClinicFixture) -> dict[str, Any]:
    return {
        "cf": cf,
        "doctor": _doctor(cf),
        "service": _actor(cf, Role.CUSTOMER_SERVICE, "service1", "客服小林"),
        "desk": _actor(cf, Role.RECEPTIONIST, "desk1", "前台小王"),
    }


def _status(cf: ClinicFixture) -> dict[uuid.UUID, str]:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return dict(uow.session.execute(select(SurveySample.id, SurveySample.status)).all())


def _count(cf: ClinicFixture, model: type) -> int:
    with cf.clinic.store.unit_of_work(write=False) as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar() or 0)


# -- the weekly draw -----------------------------------------------------------------------------


def test_a_week_of_three_patients_draws_one_onto_the_call_worklist(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    people = _patients(cf, 3)
    _seen(cf, people, WEEK + timedelta(days=2), doctor_id=w["doctor"].staff_id)
    _seen(cf, _patients(cf, 1), WEEK, status="left")  # left before being seen: not counted
    result = surveys.draw_week(cf.clinic, cf.director, WEEK, mode="call")
    draw = result.value
    assert (draw.patients_seen, draw.percent, len(draw.drawn)) == (3, 10, 1)
    sample = draw.drawn[0]
    assert sample.patient_id in people and sample.status == "drawn" and sample.mode == "call"
    assert (sample.doctor_name, sample.department, sample.visit_day) == (
        "李医生",
        "全科",
        WEEK + timedelta(days=2),
    )
    assert sample.patient_name  # the honorific the caller uses
    assert sample.task_id == surveys.survey_task_id(sample.id)
    assert result.changes.touches(Topic.QUALITY) and result.changes.touches(Topic.FOLLOWUPS)
    # The task is customer service's, on the E3 worklist, due within a week of today.
    items = followups.worklist(cf.clinic, service).items
    assert [(t.id, t.kind, t.title, t.caller_role) for t in items] == [
        (sample.task_id, "survey", "Satisfaction survey", "customer_service")
    ]
    assert items[0].due_from == cf.clinic.today() and items[0].due_by == cf.clinic.today() + (
        timedelta(days=7)
    )
    assert followups.worklist(cf.clinic, service, kinds=("survey",)).items == items
    script = followups.call_script(cf.clinic, service, sample.task_id)
    assert script.script_key == "survey"
    asked = surveys.survey_questions_for_task(cf.clinic, service, sample.task_id)
    assert asked is not None and asked.id == surveys.DEFAULT_QUESTIONNAIRE_ID
    assert [i.key for i in asked.items] == [*followups.SATISFACTION_KEYS, "improve"]
    # week_samples reads the same.
    again = surveys.week_samples(cf.clinic, service, WEEK)
    assert again.drawn == draw.drawn and again.patients_seen == 3


def test_ten_percent_of_a_hundred_deterministic_and_idempotent(
    w: dict[str, Any], tmp_path: Path
) -> None:
    cf = w["cf"]
    ids = [uuid.UUID(int=i * 7919 + 1) for i in range(100)]
    _patients(cf, 100, ids=ids)
    _seen(cf, ids[:60], WEEK)
    _seen(cf, ids[60:], WEEK + timedelta(days=4))
    first = surveys.draw_week(cf.clinic, cf.director, WEEK, mode="form").value
    assert (first.patients_seen, len(first.drawn)) == (100, 10)
    assert all(s.task_id is None and s.mode == "form" for s in first.drawn)
    assert _count(cf, FollowupTask) == 0  # forms: nothing to call
    # Drawing again changes nothing.
    second = surveys.draw_week(cf.clinic, cf.director, WEEK, mode="form")
    assert second.value.drawn == first.drawn and second.changes.ids == frozenset()
    assert len(_status(cf)) == 10
    # Another workstation's copy with the same rows draws the same patients, same ids.
    other = make_clinic(tmp_path / "other", FakeClock(cf.clock.now), name="仁和诊所")
    try:
        _patients(other, 100, ids=ids)
        _seen(other, ids[:60], WEEK)
        _seen(other, ids[60:], WEEK + timedelta(days=4))
        theirs = surveys.draw_week(other.clinic, other.director, WEEK, mode="form").value
        assert sorted(s.id for s in theirs.drawn) == sorted(s.id for s in first.drawn)
        assert {s.patient_id for s in theirs.drawn} == {s.patient_id for s in first.drawn}
    finally:
        other.clinic.close()
    # A higher percentage tops the sample up; what was drawn stays.
    update_settings(cf.clinic, cf.director, {"quality.weekly_survey_percent": 25})
    cf.clinic.forget_settings()
    topped = surveys.draw_week(cf.clinic, cf.director, WEEK, mode="form").value
    assert len(topped.drawn) == 25 and {s.id for s in first.drawn} <= {s.id for s in topped.drawn}


def test_the_draw_skips_the_deceased_and_for_calls_those_who_opted_out(
    w: dict[str, Any],
) -> None:
    cf = w["cf"]
    update_settings(cf.clinic, cf.director, {"quality.weekly_survey_percent": 100})
    cf.clinic.forget_settings()
    well = _patients(cf, 1)
    gone = _patients(cf, 1, deceased_on=date(2026, 11, 20))
    quiet = _patients(cf, 1, opt_out_calls=True)
    _seen(cf, well + gone + quiet, WEEK)
    called = surveys.draw_week(cf.clinic, cf.director, WEEK, mode="call").value
    assert [s.patient_id for s in called.drawn] == well
    week2 = WEEK - timedelta(days=7)
    _seen(cf, well + gone + quiet, week2)
    handed = surveys.draw_week(cf.clinic, cf.director, week2, mode="form").value
    assert sorted(s.patient_id for s in handed.drawn) == sorted(well + quiet)


def test_a_visit_counts_once_with_the_last_doctor(w: dict[str, Any]) -> None:
    cf = w["cf"]
    update_settings(cf.clinic, cf.director, {"quality.weekly_survey_percent": 100})
    cf.clinic.forget_settings()
    other = _doctor(cf, "dr.zhao", "儿科", name="赵医生")
    [pid] = _patients(cf, 1)
    [unfinished] = _patients(cf, 1)
    _seen(cf, [pid], WEEK, doctor_id=w["doctor"].staff_id, department="全科")
    with cf.clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        first = Visit(
            patient_id=pid,
            doctor_id=other.staff_id,
            visit_at=_at(WEEK + timedelta(days=3), 15),
            finished_at=_at(WEEK + timedelta(days=3), 16),
        )
        s.add(first)
        s.flush()
        # A correction replaces the first version: still one patient.
        s.add(
            Visit(
                patient_id=pid,
                doctor_id=other.staff_id,
                visit_at=first.visit_at,
                finished_at=first.finished_at,
                corrects_id=first.id,
            )
        )
        s.add(Visit(patient_id=unfinished, doctor_id=other.staff_id, visit_at=first.visit_at))
        uow.commit()
    draw = surveys.draw_week(cf.clinic, cf.director, WEEK, mode="form").value
    assert draw.patients_seen == 1
    [sample] = draw.drawn
    assert (sample.doctor_name, sample.department, sample.visit_day) == (
        "赵医生",
        "儿科",
        WEEK + timedelta(days=3),
    )


def test_draw_week_bad_input(w: dict[str, Any]) -> None:
    cf = w["cf"]
    with pytest.raises(InvalidEntry, match="Monday"):
        surveys.draw_week(cf.clinic, cf.director, WEEK + timedelta(days=1))
    with pytest.raises(InvalidEntry, match="not started"):
        surveys.draw_week(cf.clinic, cf.director, WEEK + timedelta(days=14))
    with pytest.raises(InvalidEntry, match="more than a year"):
        surveys.draw_week(cf.clinic, cf.director, WEEK - timedelta(days=7 * 60))
    with pytest.raises(InvalidEntry, match="by call or by form"):
        surveys.draw_week(cf.clinic, cf.director, WEEK, mode="sms")
    with pytest.raises(ValidationError, match="calendar date"):
        surveys.draw_week(cf.clinic, cf.director, "2026-11-16")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        surveys.draw_week(cf.clinic, w["desk"], WEEK)
    # An empty week draws nobody, and says so.
    empty = surveys.draw_week(cf.clinic, cf.director, WEEK).value
    assert (empty.patients_seen, empty.drawn) == (0, ())
    # The current week may be drawn (patients seen so far).
    assert surveys.draw_week(cf.clinic, cf.director, WEEK + timedelta(days=7)).value.drawn == ()


# -- survey calls -------------------------------------------------------------------------------


def _drawn_call(w: dict[str, Any], n: int = 1) -> list[surveys.SampleView]:
    cf = w["cf"]
    update_settings(cf.clinic, cf.director, {"quality.weekly_survey_percent": 100})
    cf.clinic.forget_settings()
    _seen(cf, _patients(cf, n), WEEK, doctor_id=w["doctor"].staff_id)
    return list(surveys.draw_week(cf.clinic, cf.director, WEEK, mode="call").value.drawn)


def test_a_survey_call_records_the_answers(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    [sample] = _drawn_call(w)
    assert sample.task_id is not None
    # Reached but nothing asked: refused, nothing written.
    with pytest.raises(InvalidEntry, match="at least one answer") as err:
        followups.log_call(cf.clinic, service, sample.task_id, CallEntry(outcome="reached"))
    assert err.value.field == "survey"
    for bad, words in (
        ({"overall": 6}, "from 1"),
        ({"overall": True}, "score from 1 to 5 or with words"),
        ({"parking": 5}, "no question"),
        ({"improve": 3}, "in words"),
        ({"overall": "很好"}, "not text"),
    ):
        with pytest.raises(InvalidEntry, match=words) as err:
            followups.log_call(
                cf.clinic,
                service,
                sample.task_id,
                CallEntry(outcome="reached", survey_answers=bad),  # type: ignore[arg-type]
            )
        assert err.value.field == "survey"
    with pytest.raises(InvalidEntry, match="Nobody was reached"):
        followups.log_call(
            cf.clinic,
            service,
            sample.task_id,
            CallEntry(outcome="no_answer", survey_answers={"overall": 5}),
        )
    assert _count(cf, FollowupCall) == 0 and _count(cf, SurveyResponse) == 0
    answers = {"overall": 5, "doctor": 4, "waiting": 2, "improve": "候诊时间太长了 😅"}
    written = followups.log_call(
        cf.clinic, service, sample.task_id, CallEntry(outcome="reached", survey_answers=answers)
    )
    assert written.changes.touches(Topic.QUALITY) and sample.id in written.changes.ids
    result = written.value
    assert result.task is not None and result.task.status == "done"
    with cf.clinic.store.unit_of_work(write=False) as uow:
        s = uow.session
        response = s.execute(select(SurveyResponse)).scalar_one()
        assert (response.sample_id, response.via, response.patient_id) == (
            sample.id,
            "call",
            sample.patient_id,
        )
        assert (response.doctor_id, response.department, response.answered_on) == (
            w["doctor"].staff_id,
            "全科",
            cf.clinic.today(),
        )
        rows = s.execute(
            select(SurveyAnswer.item_key, SurveyAnswer.score, SurveyAnswer.text).where(
                SurveyAnswer.response_id == response.id
            )
        ).all()
        assert sorted(rows) == sorted(
            [("overall", 5, ""), ("doctor", 4, ""), ("waiting", 2, ""),
             ("improve", None, "候诊时间太长了 😅")]
        )  # fmt: skip
        assert s.get(SurveySample, sample.id).status == "answered"  # type: ignore[union-attr]
    # The same sample answered again (a form typed in later) is refused with the date.
    with pytest.raises(InvalidEntry, match=f"already answered on {cf.clinic.today()}"):
        surveys.record_response(
            cf.clinic,
            service,
            questionnaire_id=surveys.DEFAULT_QUESTIONNAIRE_ID,
            answers=[AnswerInput("overall", 5)],
            sample_id=sample.id,
        )


def test_survey_answers_belong_on_a_survey_call_only(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    [pid] = _patients(cf, 1)
    task = followups.add_task(
        cf.clinic, service, pid, title="回电", due_from=cf.clinic.today()
    ).value
    with pytest.raises(InvalidEntry, match="survey call only"):
        followups.log_call(
            cf.clinic,
            service,
            task.id,
            CallEntry(outcome="reached", survey_answers={"overall": 5}),
        )
    with pytest.raises(InvalidEntry, match="survey call only"):
        followups.log_call_without_task(
            cf.clinic, service, pid, CallEntry(outcome="reached", survey_answers={"overall": 5})
        )
    assert surveys.survey_questions_for_task(cf.clinic, service, task.id) is None


def test_refused_declines_and_unreachable_samples(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    refuses, silent, wrong, opted = _drawn_call(w, 4)
    with pytest.raises(InvalidEntry, match="refused the survey"):
        followups.log_call(
            cf.clinic,
            service,
            refuses.task_id,  # type: ignore[arg-type]
            CallEntry(outcome="refused", survey_answers={"overall": 1}),
        )
    followups.log_call(cf.clinic, service, refuses.task_id, CallEntry(outcome="refused"))  # type: ignore[arg-type]
    for _ in range(3):  # followup.max_attempts
        followups.log_call(cf.clinic, service, silent.task_id, CallEntry(outcome="no_answer"))  # type: ignore[arg-type]
    followups.log_call(cf.clinic, service, wrong.task_id, CallEntry(outcome="wrong_number"))  # type: ignore[arg-type]
    followups.close_task(cf.clinic, service, opted.task_id, reason="opted_out")  # type: ignore[arg-type]
    status = _status(cf)
    assert [status[x.id] for x in (refuses, silent, wrong, opted)] == [
        "declined",
        "unreachable",
        "unreachable",
        "declined",
    ]


# -- returned forms -----------------------------------------------------------------------------


def test_a_returned_form_is_typed_in_by_its_code(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    update_settings(cf.clinic, cf.director, {"quality.weekly_survey_percent": 100})
    cf.clinic.forget_settings()
    _seen(cf, _patients(cf, 2), WEEK, doctor_id=w["doctor"].staff_id)
    first, second = surveys.draw_week(cf.clinic, cf.director, WEEK, mode="form").value.drawn
    code = first.code
    assert len(code) == 9 and code[4] == "-"
    for typed in (code, code.lower(), code.replace("-", ""), f" {code[:4]}－{code[5:]} "):
        assert surveys.find_sample(cf.clinic, service, typed).id == first.id
    for bad in ("", "12345", "ZZZZ-ZZZZ", "3F2A-9C1B-00"):
        with pytest.raises(InvalidEntry, match="8 letters and digits"):
            surveys.find_sample(cf.clinic, service, bad)
    with pytest.raises(NotFound):
        surveys.find_sample(cf.clinic, service, "0000-0000" if code != "0000-0000" else "1111-1111")
    with pytest.raises(PermissionDenied):
        surveys.find_sample(cf.clinic, w["desk"], code)
    qid = surveys.DEFAULT_QUESTIONNAIRE_ID
    yesterday = cf.clinic.today() - timedelta(days=1)
    result = surveys.record_response(
        cf.clinic,
        service,
        questionnaire_id=qid,
        answers=[
            AnswerInput("overall", 4),
            AnswerInput("staff", None),  # left blank on paper: not an answer
            AnswerInput("improve", text="停车位太少🚗，希望增加。"),
        ],
        sample_id=first.id,
        answered_on=yesterday,
    )
    view = result.value
    assert (view.via, view.answered_on, view.patient_id, view.doctor_id, view.department) == (
        "form",
        yesterday,
        first.patient_id,
        w["doctor"].staff_id,
        "全科",
    )
    assert [a.key for a in view.answers] == ["overall", "improve"]
    assert result.changes.touches(Topic.QUALITY)
    assert _status(cf)[first.id] == "answered"
    # An anonymous form (no sample): no patient.
    anon = surveys.record_response(
        cf.clinic, service, questionnaire_id=qid, answers=[AnswerInput("environment", 5)]
    ).value
    assert anon.patient_id is None and anon.sample_id is None
    bad_inputs: list[tuple[dict[str, Any], str]] = [
        ({"answers": []}, "at least one answer"),
        ({"answers": [AnswerInput("overall", None)]}, "at least one answer"),
        ({"answers": [AnswerInput("overall", 0)]}, "from 1"),
        ({"answers": [AnswerInput("overall", 3), AnswerInput("overall", 4)]}, "twice"),
        ({"answers": [AnswerInput("improve", text="x" * 4001)]}, "at most 4000"),
        ({"answers": [AnswerInput("improve", text="bad\x00text")]}, "control characters"),
        ({"answers": [AnswerInput("overall", 3)], "via": "fax"}, "by call or form"),
        ({"answers": [AnswerInput("overall", 3)], "answered_on": date(2027, 1, 1)},
         "not in the future"),
    ]  # fmt: skip
    for kwargs, words in bad_inputs:
        args: dict[str, Any] = {"questionnaire_id": qid, **kwargs}
        with pytest.raises(ValidationError, match=words):
            surveys.record_response(cf.clinic, service, **args)
    for missing in ({"sample_id": uuid.uuid4()}, {"questionnaire_id": uuid.uuid4()}):
        kw: dict[str, Any] = {
            "questionnaire_id": qid,
            "answers": [AnswerInput("overall", 3)],
            **missing,
        }
        with pytest.raises(NotFound):
            surveys.record_response(cf.clinic, service, **kw)
    with pytest.raises(PermissionDenied):
        surveys.record_response(
            cf.clinic, w["desk"], questionnaire_id=qid, answers=[AnswerInput("overall", 3)]
        )
    assert _status(cf)[second.id] == "drawn"
    assert _count(cf, SurveyResponse) == 2


# -- results ------------------------------------------------------------------------------------


def test_results_agree_with_a_direct_sql_count(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    other = _doctor(cf, "dr.zhao", "儿科", name="赵医生")
    qid = surveys.DEFAULT_QUESTIONNAIRE_ID
    today = cf.clinic.today()
    scores = [
        (w["doctor"].staff_id, "全科", {"overall": 5, "doctor": 4, "waiting": 2}, 1),
        (w["doctor"].staff_id, "全科", {"overall": 3, "doctor": 5}, 2),
        (other.staff_id, "儿科", {"overall": 4, "waiting": 1, "environment": 5}, 3),
        (other.staff_id, "儿科", {"overall": 1}, 40),  # outside the period
        (None, "", {"overall": 5, "staff": 4}, 5),
    ]
    for doctor_id, department, given, days_ago in scores:
        surveys.record_response(
            cf.clinic,
            service,
            questionnaire_id=qid,
            answers=[AnswerInput(k, v) for k, v in given.items()]
            + [AnswerInput("improve", text=f"意见{days_ago}")],
            doctor_id=doctor_id,
            department=department,
            answered_on=today - timedelta(days=days_ago),
        )
    first, last = today - timedelta(days=30), today
    sql = {
        "question": "a.item_key",
        "doctor": "coalesce(r.doctor_id, '')",
        "department": "r.department",
    }
    with cf.clinic.store.unit_of_work(write=False) as uow:
        direct = {
            by: {
                str(k): (n_resp, n, round(mean, 6), sat)
                for k, n_resp, n, mean, sat in uow.session.execute(
                    text(
                        f"SELECT {col}, count(DISTINCT r.id), count(a.score), avg(a.score), "
                        "sum(a.score >= 4) FROM survey_answer a JOIN survey_response r "
                        "ON r.id = a.response_id WHERE a.score IS NOT NULL "
                        "AND r.answered_on BETWEEN :f AND :l GROUP BY 1"
                    ),
                    {"f": first.isoformat(), "l": last.isoformat()},
                ).all()
            }
            for by, col in sql.items()
        }
    for by in surveys.RESULT_BY:
        rows = surveys.survey_results(cf.clinic, service, first, last, by=by)
        mine = {r.key: (r.responses, r.answers, round(r.mean or 0, 6), r.satisfied) for r in rows}
        assert mine == direct[by], by
        for r in rows:
            assert r.satisfied_rate == pytest.approx(r.satisfied / r.answers)
    by_question = surveys.survey_results(cf.clinic, service, first, last)
    assert [r.key for r in by_question] == ["overall", "doctor", "staff", "waiting", "environment"]
    assert by_question[0].label == followups.SATISFACTION_QUESTIONS[0][1]
    assert (by_question[0].answers, by_question[0].satisfied) == (4, 3)
    by_doctor = surveys.survey_results(cf.clinic, service, first, last, by="doctor")
    assert [r.label for r in by_doctor] == ["李医生", "赵医生", ""]
    filtered = surveys.survey_results(cf.clinic, service, first, last, questionnaire_id=qid)
    assert filtered == by_question
    assert (
        surveys.survey_results(cf.clinic, service, first, last, questionnaire_id=uuid.uuid4()) == []
    )
    notes = surveys.open_answers(cf.clinic, service, first, last)
    assert [t for _d, _dep, t in notes] == ["意见5", "意见3", "意见2", "意见1"]
    # A period with no data: empty, no division by zero.
    empty = today - timedelta(days=300)
    assert surveys.survey_results(cf.clinic, service, empty, empty) == []
    assert surveys.open_answers(cf.clinic, service, empty, empty) == []
    with pytest.raises(InvalidEntry, match="by question, doctor or department"):
        surveys.survey_results(cf.clinic, service, first, last, by="nurse")
    with pytest.raises(ValidationError, match="Swap them"):
        surveys.survey_results(cf.clinic, service, last, first)
    with pytest.raises(ValidationError, match="too long"):
        surveys.survey_results(cf.clinic, service, today - timedelta(days=400), today)
    with pytest.raises(PermissionDenied):
        surveys.survey_results(cf.clinic, w["desk"], first, last)
    with pytest.raises(PermissionDenied):
        surveys.open_answers(cf.clinic, w["doctor"], first, last)


# -- questionnaires -----------------------------------------------------------------------------


def test_questionnaire_edit_rules(w: dict[str, Any]) -> None:
    cf, service = w["cf"], w["service"]
    listed = surveys.questionnaires(cf.clinic, service)
    assert listed == [surveys.DEFAULT_QUESTIONNAIRE]  # listed before it is written
    items = [
        QuestionItem("overall", "scale", "您对本次就诊满意吗？😊"),
        QuestionItem("nurse_care", "scale", "護士的照顧"),
        QuestionItem("wish", "open", "您还有什么建议？"),
    ]
    made = surveys.save_questionnaire(
        cf.clinic, service, None, name="门诊满意度调查 2026", purpose="outpatient", items=items
    ).value
    assert (made.name, made.purpose, made.items, made.answered) == (
        "门诊满意度调查 2026",
        "outpatient",
        tuple(items),
        0,
    )
    bad: list[tuple[list[QuestionItem], str]] = [
        ([], "1 to 30 questions"),
        ([QuestionItem(f"q{i}", "scale", f"问题{i}") for i in range(31)], "1 to 30 questions"),
        ([QuestionItem("wish", "open", "建议？")], "at least one question scored"),
        ([QuestionItem("a", "scale", "一"), QuestionItem("a", "scale", "二")], "used twice"),
        ([QuestionItem("Bad-Key", "scale", "一")], "small letters"),
        ([QuestionItem("", "scale", "一")], "small letters"),
        ([QuestionItem("k" * 33, "scale", "一")], "small letters"),
        ([QuestionItem("a", "stars", "一")], "score from 1 to 5 or an open"),
        ([QuestionItem("a", "scale", "   ")], "no text"),
        ([QuestionItem("a", "scale", "长" * 201)], "at most 200"),
    ]
    for wrong, words in bad:
        with pytest.raises(InvalidEntry, match=words):
            surveys.save_questionnaire(
                cf.clinic, service, made.id, name="x", purpose="weekly", items=wrong
            )
    with pytest.raises(InvalidEntry, match="name"):
        surveys.save_questionnaire(
            cf.clinic, service, None, name=" ", purpose="weekly", items=items
        )
    with pytest.raises(InvalidEntry, match="what the questionnaire is for"):
        surveys.save_questionnaire(cf.clinic, service, None, name="x", purpose="daily", items=items)
    with pytest.raises(PermissionDenied):
        surveys.save_questionnaire(
            cf.clinic, w["desk"], None, name="x", purpose="weekly", items=items
        )
    with pytest.raises(NotFound):
        surveys.save_questionnaire(
            cf.clinic, service, uuid.uuid4(), name="x", purpose="weekly", items=items
        )  # fmt: skip
    # Once answered, a key keeps its kind; its wording may change.
    surveys.record_response(
        cf.clinic,
        service,
        questionnaire_id=made.id,
        answers=[AnswerInput("overall", 5), AnswerInput("wish", text="无")],
    )
    for key, kind in (("overall", "open"), ("wish", "scale")):
        changed = [QuestionItem(i.key, kind if i.key == key else i.kind, i.text) for i in items]
        if not any(i.kind == "scale" for i in changed):
            changed.append(QuestionItem("extra", "scale", "补充"))
        with pytest.raises(InvalidEntry, match=f"“{key}” already has answers"):
            surveys.save_questionnaire(
                cf.clinic, service, made.id, name="x", purpose="outpatient", items=changed
            )
    reworded = [QuestionItem("overall", "scale", "总体满意度"), *items[1:]]
    edited = surveys.save_questionnaire(
        cf.clinic, service, made.id, name="门诊", purpose="outpatient", items=reworded, active=False
    ).value
    assert (edited.items[0].text, edited.active, edited.answered) == ("总体满意度", False, 1)
    # The default is written on first save, with its derived id.
    default = surveys.save_questionnaire(
        cf.clinic,
        service,
        surveys.DEFAULT_QUESTIONNAIRE_ID,
        name="每周满意度调查",
        purpose="weekly",
        items=surveys.DEFAULT_QUESTIONNAIRE.items,
    ).value
    assert default.id == surveys.DEFAULT_QUESTIONNAIRE_ID
    names = [q.name for q in surveys.questionnaires(cf.clinic, service)]
    assert names == ["每周满意度调查", "门诊"]  # active first


# -- the printed form ---------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_the_printed_form_reads_back_and_renders(w: dict[str, Any]) -> None:
    cf = w["cf"]
    [sample] = _drawn_call(w)
    qid = surveys.DEFAULT_QUESTIONNAIRE_ID
    zh = surveys.survey_form_pdf(cf.clinic, cf.director, qid, language="zh_CN", sample_id=sample.id)
    body = _pdf_text(zh)
    for words in (
        "仁和诊所",
        "患者满意度调查",
        "您对本次就诊的总体满意度如何？",
        "非常满意",
        "您认为我们还有哪些地方可以改进？",
        "匿名",
        sample.code,
    ):
        assert "".join(words.split()) in body, words  # fmt: skip
    assert sample.patient_name not in body and "张" not in body  # anonymous
    en = surveys.survey_form_pdf(cf.clinic, cf.director, qid, language="en")
    en_text = _pdf_text(en)
    assert "Overall,howsatisfiedareyouwithyourvisit?" in en_text
    assert "1=verydissatisfied" in en_text and "Ref." not in en_text  # no sample: no code
    tw = _pdf_text(surveys.survey_form_pdf(cf.clinic, cf.director, qid, language="zh_TW"))
    assert "患者滿意度調查" in tw
    # A clinic's own questionnaire prints as written, on A5 too.
    own = surveys.save_questionnaire(
        cf.clinic,
        cf.director,
        None,
        name="住院患者满意度",
        purpose="inpatient",
        items=[QuestionItem(f"q{i}", "scale", f"第{i}个问题：" + "护理服务" * 8) for i in range(12)]
        + [QuestionItem("wish", "open", "您的建议 ✍️")],
    ).value
    a5 = surveys.survey_form_pdf(cf.clinic, cf.director, own.id, language="zh_CN", page="A5")
    assert len(PdfReader(io.BytesIO(a5)).pages) >= 2 and "第11个问题" in _pdf_text(a5)
    with pytest.raises(NotFound):
        surveys.survey_form_pdf(cf.clinic, cf.director, uuid.uuid4(), language="zh_CN")
    with pytest.raises(PermissionDenied):
        surveys.survey_form_pdf(cf.clinic, w["desk"], qid, language="zh_CN")
    # pdftotext reads the Chinese too, and pdftoppm renders it for a look.
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, data in (
        ("survey_form_zh_A4", zh),
        ("survey_form_en_A4", en),
        ("survey_form_A5", a5),
    ):
        pdf = SHOTS / f"{name}.pdf"
        pdf.write_bytes(data)
        out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        assert out.returncode == 0
        if name.startswith("survey_form_zh"):
            assert "患者满意度调查" in out.stdout
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(SHOTS / name)],
            check=True,
        )
        assert any(SHOTS.glob(f"{name}*.png"))
