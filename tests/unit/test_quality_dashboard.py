"""The quality dashboard (G2, G3): every metric against a hand-written SQL query over the
same rows, the doctor filter, the trends against the period's figure, targets met or
not, an empty period, refusals.

Complaints and survey answers go through their services (the clock moved to each
moment); the bulk of appointments, queue entries, prescriptions and follow-up tasks
and calls is inserted as rows, as the benches do."""

from __future__ import annotations

import json
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clinic_desk.core.errors import NotFound, PermissionDenied, ValidationError
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import complaints, quality, settings, staff, surveys
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.store.models import (
    Appointment,
    FollowupCall,
    FollowupTask,
    Patient,
    Prescription,
    QueueEntry,
    QueueEvent,
    SurveySample,
)
from tests.conftest import ClinicFixture

SH = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
PASSWORD = "doctor-pass-1x"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SH).astimezone(UTC)


def db(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@dataclass
class Filled:
    clinic: Clinic
    director: Actor
    doctors: list[uuid.UUID]
    service: Actor


def _person(cf: ClinicFixture, login: str, name: str, role: Role) -> Actor:
    staff.add_staff(
        cf.clinic, cf.director, login=login, display_name=name, role=role, password=PASSWORD
    )
    return staff.sign_in(cf.clinic, login, PASSWORD)


def _complaint(
    cf: ClinicFixture,
    actor: Actor,
    received: datetime,
    *,
    close_after: timedelta | None,
    concerned: uuid.UUID | None,
    text: str,
) -> uuid.UUID:
    cf.clock.now = received
    view = complaints.record_complaint(
        cf.clinic,
        actor,
        complaints.ComplaintInput(
            channel="phone",
            content=text,
            complainant="李先生",
            contact="13800138000",
            department="内科",
            staff_concerned_id=concerned,
        ),
    ).value
    if close_after is not None:
        complaints.accept(cf.clinic, actor, view.id)
        cf.clock.now = received + close_after
        complaints.record_reply(cf.clinic, actor, view.id, channel="phone", text="已回复 😊")
        complaints.close(cf.clinic, actor, view.id)
    return view.id


def _fill(cf: ClinicFixture) -> Filled:
    rng = random.Random(7)
    clinic = cf.clinic
    d1 = _person(cf, "li.doc", "李医生", Role.DOCTOR)
    d2 = _person(cf, "zhou.doc", "周医生", Role.DOCTOR)
    service = _person(cf, "guo.cs", "郭客服", Role.CUSTOMER_SERVICE)
    doctors = [d1.staff_id, d2.staff_id]
    assert all(doctors)
    doctor_ids = [d for d in doctors if d is not None]
    patients = [Patient(family_name="张", given_name=f"病人{i}") for i in range(40)]
    span_days = [date(2026, 8, 20) + timedelta(days=i) for i in range(95)]  # Aug 20 - Nov 22
    with clinic.store.unit_of_work(write=True) as uow:
        s = uow.session
        s.add_all(patients)
        s.flush()
        for i in range(700):
            day = rng.choice(span_days)
            start = at(day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
            patient = rng.choice(patients)
            doctor = rng.choice(doctor_ids)
            status = rng.choice(("done", "done", "done", "no_show", "cancelled", "arrived"))
            appt = Appointment(
                patient_id=patient.id,
                doctor_id=doctor,
                starts_at=start,
                ends_at=start + timedelta(minutes=15),
                status=status,
                created_at=start - timedelta(days=rng.randint(0, 40)),
            )
            s.add(appt)
            if status in ("done", "arrived") and i % 2 == 0:
                s.flush()
                entry = QueueEntry(
                    day=day,
                    patient_id=patient.id,
                    appointment_id=appt.id if i % 6 else None,
                    doctor_id=doctor,
                    queue_no=i,
                    status="done",
                    arrived_at=start - timedelta(minutes=10),
                )
                s.add(entry)
                s.flush()
                checked = start - timedelta(minutes=5)
                events = [("checked_in", checked), ("called", checked + timedelta(minutes=1))]
                if i % 10:  # some never started nor ended: left out of the waits
                    events.append(
                        (
                            rng.choice(("started", "left", "sent_back")),
                            checked + timedelta(minutes=rng.randint(0, 70), seconds=30),
                        )
                    )
                for kind, moment in events:
                    s.add(QueueEvent(entry_id=entry.id, at=moment, kind=kind))
            if i % 3 == 0:
                s.add(
                    Prescription(
                        patient_id=patient.id,
                        prescriber_id=doctor,
                        issued_at=start + timedelta(minutes=10),
                        cancelled_at=start + timedelta(hours=1) if i % 21 == 0 else None,
                    )
                )
        for i in range(300):
            due_by = rng.choice(span_days)
            status = rng.choice(("done", "done", "done", "open", "closed"))
            task = FollowupTask(
                patient_id=rng.choice(patients).id,
                kind="plan" if i % 7 else "confirm",
                doctor_id=rng.choice(doctor_ids),
                due_from=due_by - timedelta(days=3),
                due_by=due_by,
                status=status,
                close_reason=rng.choice(("deceased", "unreachable")) if status == "closed" else "",
                done_at=at(due_by, 11) if status == "done" else None,
            )
            s.add(task)
            s.flush()
            if i % 2 == 0:
                scores = {k: rng.randint(1, 5) for k in ("overall", "doctor", "waiting")}
                s.add(
                    FollowupCall(
                        task_id=task.id,
                        patient_id=task.patient_id,
                        called_at=at(due_by, 15),
                        outcome="reached",
                        satisfaction=json.dumps(scores) if i % 20 else "not json",
                        # What log_call counts when it writes a call (the JSON stays the
                        # record the reference query below reads).
                        scored_answers=len(scores) if i % 20 else 0,
                        satisfied_answers=sum(v >= 4 for v in scores.values()) if i % 20 else 0,
                    )
                )
        # A survey call: its answers count as the survey response's, never twice.
        survey_task = FollowupTask(
            patient_id=patients[0].id,
            kind="survey",
            doctor_id=doctor_ids[0],
            due_from=date(2026, 10, 9),
            due_by=date(2026, 10, 12),
            status="done",
        )
        s.add(survey_task)
        s.flush()
        s.add(
            SurveySample(
                week_start=date(2026, 10, 5),
                patient_id=patients[0].id,
                task_id=survey_task.id,
                status="answered",
            )
        )
        s.add(
            FollowupCall(
                task_id=survey_task.id,
                patient_id=patients[0].id,
                called_at=at(date(2026, 10, 10), 9),
                outcome="reached",
                satisfaction=json.dumps({"overall": 1, "doctor": 1}),
                scored_answers=2,
            )
        )
        uow.commit()
    # Complaints through the service: closed in time, closed late, left open.
    for n in range(14):
        received = at(date(2026, 9, 3) + timedelta(days=n * 5), 10 + n % 6)
        late = n % 4 == 0
        _complaint(
            cf,
            service,
            received,
            close_after=None if n % 5 == 0 else timedelta(days=12 if late else 2),
            concerned=doctor_ids[n % 2],
            text=f"候诊时间太长 第{n}次",
        )
    # Survey answers through the service, on days of September to November.
    for n in range(30):
        cf.clock.now = at(date(2026, 11, 22), 12)
        surveys.record_response(
            clinic,
            cf.director,
            questionnaire_id=surveys.DEFAULT_QUESTIONNAIRE_ID,
            answers=[
                surveys.AnswerInput("overall", score=1 + n % 5),
                surveys.AnswerInput("waiting", score=5 - n % 3),
                surveys.AnswerInput("improve", text="多开窗口"),
            ],
            doctor_id=doctor_ids[n % 2],
            answered_on=date(2026, 9, 1) + timedelta(days=n * 2 + n % 3),
        )
    cf.clock.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    return Filled(clinic, cf.director, doctor_ids, service)


@pytest.fixture
def filled(cf: ClinicFixture) -> Filled:
    return _fill(cf)


# -- hand-written SQL ----------------------------------------------------------------------------


def _sql(clinic: Clinic, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    with clinic.store.unit_of_work(write=False) as uow:
        return list(uow.session.connection().exec_driver_sql(sql, params).all())


def _bounds(first: date, last: date) -> tuple[str, str]:
    return db(at(first, 0)), db(at(last + timedelta(days=1), 0))


def _doc(column: str, doctor: uuid.UUID | None) -> tuple[str, tuple[str, ...]]:
    return ("", ()) if doctor is None else (f" AND {column} = ?", (doctor.hex,))


def expected(
    clinic: Clinic, first: date, last: date, doctor: uuid.UUID | None = None
) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of each metric straight from the tables."""
    lo, hi = _bounds(first, last)
    days = (first.isoformat(), last.isoformat())
    out: dict[str, tuple[int, int]] = {}

    w, p = _doc("r.doctor_id", doctor)
    survey = _sql(
        clinic,
        "SELECT a.score FROM survey_answer a, survey_response r WHERE a.response_id = r.id "
        "AND r.answered_on BETWEEN ? AND ? AND a.score IS NOT NULL" + w,
        (*days, *p),
    )
    scores = [s for (s,) in survey]
    w, p = _doc("t.doctor_id", doctor)
    for (text,) in _sql(
        clinic,
        "SELECT c.satisfaction FROM followup_call c LEFT JOIN followup_task t ON t.id = c.task_id "
        "WHERE c.called_at >= ? AND c.called_at < ? AND coalesce(t.kind, '') != 'survey'" + w,
        (lo, hi, *p),
    ):
        try:
            scores += [v for v in json.loads(text).values() if isinstance(v, int)]
        except ValueError:
            pass
    out["satisfaction"] = (sum(s >= 4 for s in scores), len(scores))

    w, p = _doc("staff_concerned_id", doctor)
    rows = _sql(
        clinic,
        "SELECT id, received_at, status, closed_at FROM complaint WHERE received_at >= ? "
        "AND received_at < ?" + w,
        (lo, hi, *p),
    )
    closed = [r for r in rows if r[2] == "closed"]
    on_time = 0
    for r in closed:
        received = datetime.fromisoformat(r[1]).replace(tzinfo=UTC)
        due = next(
            d.due_at
            for d in complaints.complaint_deadlines_for(clinic, received, "simple")
            if d.step == "close"
        )
        on_time += datetime.fromisoformat(r[3]).replace(tzinfo=UTC) <= due
    out["complaint_closure"] = (len(closed), len(rows))
    out["complaint_on_time"] = (on_time, len(closed))

    w, p = _doc("doctor_id", doctor)
    ((ns, settled),) = _sql(
        clinic,
        "SELECT coalesce(sum(status = 'no_show'), 0), "
        "coalesce(sum(status IN ('arrived', 'in_consultation', 'done', 'no_show')), 0) "
        "FROM appointment WHERE starts_at >= ? AND starts_at < ? AND deleted_at IS NULL "
        "AND id NOT IN (SELECT moved_from_id FROM appointment WHERE moved_from_id IS NOT NULL)" + w,
        (lo, hi, *p),
    )
    out["no_show"] = (ns, settled)

    w, p = _doc("a.doctor_id", doctor)
    ((done, rebooked),) = _sql(
        clinic,
        "SELECT count(*), coalesce(sum((SELECT count(*) FROM appointment l "
        "WHERE l.patient_id = a.patient_id AND l.doctor_id = a.doctor_id "
        "AND l.starts_at > a.starts_at AND abs(julianday(l.created_at) - "
        "julianday(a.starts_at)) <= 30) > 0), 0) FROM appointment a "
        "WHERE a.status = 'done' AND a.starts_at >= ? AND a.starts_at < ?" + w,
        (lo, hi, *p),
    )
    out["revisit"] = (rebooked, done)

    w, p = _doc("doctor_id", doctor)
    ((fd, fdue),) = _sql(
        clinic,
        "SELECT coalesce(sum(status = 'done'), 0), count(*) FROM followup_task "
        "WHERE kind = 'plan' AND due_by BETWEEN ? AND ? "
        "AND NOT (status = 'closed' AND close_reason IN ('deceased', 'opted_out', "
        "'recategorised'))" + w,
        (*days, *p),
    )
    out["followup"] = (fd, fdue)

    w, p = _doc("prescriber_id", doctor)
    ((cancelled, issued),) = _sql(
        clinic,
        "SELECT coalesce(sum(cancelled_at IS NOT NULL), 0), count(*) FROM prescription "
        "WHERE issued_at >= ? AND issued_at < ?" + w,
        (lo, hi, *p),
    )
    out["prescription_corrections"] = (cancelled, issued)

    # Waits in Python from the raw events, per entry.
    w, p = _doc("q.doctor_id", doctor)
    events = _sql(
        clinic,
        "SELECT q.id, q.appointment_id, e.kind, e.at FROM queue_entry q, queue_event e "
        "WHERE e.entry_id = q.id AND q.day BETWEEN ? AND ?" + w,
        (*days, *p),
    )
    entries: dict[str, dict[str, Any]] = {}
    for qid, appt, kind, moment in events:
        e = entries.setdefault(qid, {"appt": appt, "in": None, "end": None})
        t = datetime.fromisoformat(moment)
        if kind == "checked_in" and (e["in"] is None or t < e["in"]):
            e["in"] = t
        if kind in ("started", "sent_back", "left", "finished") and (
            e["end"] is None or t < e["end"]
        ):
            e["end"] = t
    checked = [e for e in entries.values() if e["in"] is not None]
    out["booking"] = (sum(e["appt"] is not None for e in checked), len(checked))
    waits = sorted(
        max(0, int((e["end"] - e["in"]).total_seconds() // 60))
        for e in checked
        if e["end"] is not None
    )
    threshold = int(clinic.setting("reception.wait_alert_minutes"))
    p90 = waits[math.ceil(0.9 * len(waits)) - 1] if waits else 0
    out["wait_average"] = (sum(waits), len(waits))
    out["wait_p90"] = (p90, len(waits))
    out["wait_alerts"] = (sum(x >= threshold for x in waits), len(waits))
    return out


def _assert_agrees(board: quality.Dashboard, want: dict[str, tuple[int, int]]) -> None:
    for m in board.metrics:
        assert (m.numerator, m.denominator) == want[m.key], m.key
        part, whole = want[m.key]
        if whole == 0:
            assert m.value is None and m.met is None
        elif m.unit == "percent":
            assert m.value == pytest.approx(100 * part / whole)
        elif m.key == "wait_average":
            assert m.value == pytest.approx(part / whole)
        else:
            assert m.value == part


# -- tests ---------------------------------------------------------------------------------------


def test_every_metric_agrees_with_sql(filled: Filled) -> None:
    board = quality.dashboard(filled.clinic, filled.director, FIRST, LAST)
    want = expected(filled.clinic, FIRST, LAST)
    assert all(whole > 0 for _part, whole in want.values()), want  # the data reach every metric
    _assert_agrees(board, want)
    assert [m.key for m in board.metrics] == list(quality.METRICS)
    assert not board.empty
    # Survey answers, follow-up calls (one malformed, one survey call left out) both count.
    assert board.metric("satisfaction").denominator > 30


def test_doctor_filter_agrees_with_sql(filled: Filled) -> None:
    for doctor in filled.doctors:
        board = quality.dashboard(filled.clinic, filled.director, FIRST, LAST, doctor_id=doctor)
        assert board.doctor_name in ("李医生", "周医生")
        _assert_agrees(board, expected(filled.clinic, FIRST, LAST, doctor))
    whole = quality.dashboard(filled.clinic, filled.director, FIRST, LAST)
    parts = [
        quality.dashboard(filled.clinic, filled.director, FIRST, LAST, doctor_id=d)
        for d in filled.doctors
    ]
    for key in ("no_show", "prescription_corrections", "revisit", "complaint_closure"):
        assert sum(p.metric(key).denominator for p in parts) == whole.metric(key).denominator


def test_trend_points_agree_with_the_period(filled: Filled) -> None:
    board = quality.dashboard(filled.clinic, filled.director, FIRST, LAST)
    for key in quality.METRICS:
        months = board.monthly[key]
        assert len(months) == 12
        assert months[-1].label == "2026-10" and months[0].label == "2025-11"
        october = months[-1]
        assert (october.value, october.n) == (
            board.metric(key).value,
            board.metric(key).denominator,
        )
        weeks = board.weekly[key]
        assert weeks[0].start == date(2026, 9, 28) and weeks[-1].end == date(2026, 11, 1)
        assert [w.label for w in weeks][:2] == ["2026-W40", "2026-W41"]
    # Each week's point is the dashboard of that week; additive ones sum to the weeks' span.
    for point in board.weekly["no_show"]:
        week = quality.dashboard(
            filled.clinic, filled.director, point.start, point.end, trends=False
        )
        assert (point.value, point.n) == (
            week.metric("no_show").value,
            week.metric("no_show").denominator,
        )
        assert week.weekly == {} and week.monthly == {}
    span = expected(filled.clinic, date(2026, 9, 28), date(2026, 11, 1))
    for key in ("satisfaction", "no_show", "followup", "booking", "prescription_corrections"):
        assert sum(p.n for p in board.weekly[key]) == span[key][1], key
    for point in board.weekly["wait_p90"]:
        want = expected(filled.clinic, point.start, point.end)["wait_p90"]
        assert (point.value if point.n else 0, point.n) == (
            float(want[0]) if want[1] else 0,
            want[1],
        )
    # The months before the data have no value, never 0/0.
    assert board.monthly["no_show"][0].value is None and board.monthly["no_show"][0].n == 0
    # The screen's two steps: the period with its weeks at once, the year's months after.
    quick = quality.dashboard(filled.clinic, filled.director, FIRST, LAST, months=0)
    assert quick.monthly == {} and quick.weekly == board.weekly
    assert quick.metrics == board.metrics
    assert quality.monthly_trend(filled.clinic, filled.director, LAST) == board.monthly
    three = quality.monthly_trend(filled.clinic, filled.director, LAST, months=3)
    assert three["satisfaction"] == board.monthly["satisfaction"][-3:]
    for bad in (-1, 37, True, "12"):
        with pytest.raises(ValidationError):
            quality.dashboard(filled.clinic, filled.director, FIRST, LAST, months=bad)  # type: ignore[arg-type]


def test_targets_and_met_for_both_directions(filled: Filled) -> None:
    board = quality.dashboard(filled.clinic, filled.director, FIRST, LAST)
    no_show = board.metric("no_show")
    assert not no_show.higher_is_better and no_show.target == 10.0
    assert no_show.met is (no_show.value is not None and no_show.value <= 10.0)
    sat = board.metric("satisfaction")
    assert sat.higher_is_better and sat.target == 95.0
    assert sat.met is (sat.value is not None and sat.value >= 95.0)
    alerts = board.metric("wait_alerts")
    assert alerts.target is None and alerts.met is None and alerts.unit == "count"
    assert board.metric("wait_p90").unit == "minutes"
    # Moving the targets across the value flips "met" the right way for each direction.
    assert no_show.value is not None
    for limit, met in ((math.ceil(no_show.value), True), (math.floor(no_show.value), False)):
        settings.update_settings(
            filled.clinic,
            filled.director,
            {"quality.no_show_max_percent": limit, "quality.satisfaction_target_percent": limit},
        )
        filled.clinic.forget_settings()
        again = quality.dashboard(filled.clinic, filled.director, FIRST, LAST, trends=False)
        assert again.metric("no_show").met is met
        assert again.metric("no_show").target == limit
        assert again.metric("satisfaction").met is (sat.value is not None and sat.value >= limit)
    # A rate of exactly the target meets it, whatever the float rounding (29/100 in floats).
    assert quality._met(100 * 0.29, 29, True) is True
    assert quality._met(100 * 19 / 20, 95, False) is True


def test_empty_period_says_so(filled: Filled) -> None:
    board = quality.dashboard(filled.clinic, filled.director, date(2025, 1, 1), date(2025, 1, 31))
    assert board.empty
    assert all(m.value is None and m.met is None and m.denominator == 0 for m in board.metrics)
    assert all(p.value is None for pts in board.weekly.values() for p in pts)
    # The open complaints are today's, whatever the period.
    assert board.open_complaints == 3


def test_complaint_counts_now(filled: Filled) -> None:
    board = quality.dashboard(filled.clinic, filled.director, FIRST, LAST)
    assert board.open_complaints == len(
        complaints.list_complaints(filled.clinic, filled.director, status="open")
    )
    assert board.overdue_complaints == complaints.overdue_count(
        filled.clinic, filled.director, mine=False
    )
    assert board.overdue_complaints == 3  # open for weeks: every step is past due
    assert board.escalations_unseen == 0
    assert board.missing_self_checks >= 0


def test_bad_periods_and_refusals(cf: ClinicFixture) -> None:
    clinic, director = cf.clinic, cf.director
    with pytest.raises(ValidationError, match="at most 366 days"):
        quality.dashboard(clinic, director, date(2025, 1, 1), date(2026, 1, 2))
    year = quality.dashboard(clinic, director, date(2024, 1, 1), date(2024, 12, 31))  # 366 days
    assert year.empty
    with pytest.raises(ValidationError, match="before the first day"):
        quality.dashboard(clinic, director, LAST, FIRST)
    with pytest.raises(ValidationError, match="should be a date"):
        quality.dashboard(clinic, director, "2026-10-01", LAST)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="should be a date"):
        quality.dashboard(clinic, director, datetime(2026, 10, 1, tzinfo=UTC), LAST)
    with pytest.raises(NotFound):
        quality.dashboard(clinic, director, FIRST, LAST, doctor_id=uuid.uuid4())
    with pytest.raises(ValidationError):
        quality.dashboard(clinic, director, FIRST, LAST, doctor_id="张医生")  # type: ignore[arg-type]
    staff.add_staff(
        clinic, director, login="desk", display_name="前台 🌸", role=Role.RECEPTIONIST,
        password=PASSWORD,
    )  # fmt: skip
    desk = staff.sign_in(clinic, "desk", PASSWORD)
    with pytest.raises(PermissionDenied):
        quality.dashboard(clinic, desk, FIRST, LAST)
    with pytest.raises(PermissionDenied):
        quality.export_csv(clinic, desk, "metrics", FIRST, LAST)
    with pytest.raises(PermissionDenied):
        quality.report(clinic, desk, "month", FIRST)
    # Customer service reads quality reports (issue 10).
    _person(cf, "cs", "客服", Role.CUSTOMER_SERVICE)
    cs = staff.sign_in(clinic, "cs", PASSWORD)
    assert quality.dashboard(clinic, cs, FIRST, LAST, trends=False).empty


def test_local_days_in_a_half_hour_zone(cf: ClinicFixture) -> None:
    """Kolkata is UTC+5:30: a prescription at 00:10 local (18:40 UTC the day before)
    counts on its local day, not the UTC one."""
    settings.update_settings(cf.clinic, cf.director, {"clinic.timezone": "Asia/Kolkata"})
    zone = ZoneInfo("Asia/Kolkata")
    doctor = _person(cf, "doc", "医生", Role.DOCTOR)
    with cf.clinic.store.unit_of_work(write=True) as uow:
        patient = Patient(family_name="王", given_name="五")
        uow.session.add(patient)
        uow.session.flush()
        for moment in (
            datetime(2026, 10, 1, 0, 10, tzinfo=zone),
            datetime(2026, 10, 31, 23, 50, tzinfo=zone),
            datetime(2026, 9, 30, 23, 50, tzinfo=zone),
            datetime(2026, 11, 1, 0, 10, tzinfo=zone),
        ):
            uow.session.add(
                Prescription(patient_id=patient.id, prescriber_id=doctor.staff_id, issued_at=moment)
            )
        uow.commit()
    board = quality.dashboard(cf.clinic, cf.director, FIRST, LAST)
    assert board.metric("prescription_corrections").denominator == 2
    months = {p.label: p.n for p in board.monthly["prescription_corrections"]}
    assert months["2026-09"] == 1 and months["2026-10"] == 2
