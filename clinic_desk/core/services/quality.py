"""The quality dashboard (G2, G3), its printed reports (F7) and the CSV export.

Every figure is a ratio of two counts over the rows of a period, with the same
definitions as the screens that own the rows (``appointment_reports`` for no-shows
and revisits, ``reception.wait_alert_summary`` for waits, ``followups.followup_rates``
for follow-ups), computed here with grouped SQL: one query per metric over the whole
span the dashboard shows (the period, its ISO weeks, the 12 months ending with it),
grouped per local day (per UTC hour for moments, folded into local days in Python,
so a day is right in any time zone), then added up per period, week and month.
The period's figure and its trend points are therefore sums of the same day rows
and always agree.

Definitions (G2):
- satisfaction: 1-5 answers of surveys answered in the period and scores heard on
  follow-up calls in it (survey calls count once, as their survey answers):
  answers of 4 or 5 / all answers;
- complaint closure: complaints received in the period, closed / received; on time:
  of those closed, closed by their "close" deadline (F4, holidays skipped);
- no-show: appointments starting in the period, no-show / (attended + no-show);
- waits: queue entries of the period's days, from the first check-in to the first of
  start, sent back, left or finished (entries never ended are left out), whole
  minutes; the 90th percentile by nearest rank; alerts: waits of at least
  ``reception.wait_alert_minutes``;
- follow-up: plan tasks due in the period and owed, done / due;
- revisit: done appointments followed by a booking with the same doctor made within
  30 days; booking: queue entries checked in, with an appointment / all;
- prescription corrections: prescriptions issued, cancelled / issued.
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from clinic_desk.core.errors import DateOutOfRange, NotFound, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP, Translate, english
from clinic_desk.core.printing import quality_report as doc
from clinic_desk.core.security import audit
from clinic_desk.core.security.permissions import Action
from clinic_desk.core.services import complaints, followups, surveys
from clinic_desk.core.services.appointment_reports import ATTENDED, REVISIT_DAYS
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.store.base import from_stored, stored_utc
from clinic_desk.core.store.models import Staff

METRICS: tuple[str, ...] = (
    "satisfaction",
    "complaint_closure",
    "complaint_on_time",
    "no_show",
    "wait_average",
    "wait_p90",
    "wait_alerts",
    "followup",
    "revisit",
    "booking",
    "prescription_corrections",
)
METRIC_LABELS: dict[str, str] = {
    "satisfaction": QT_TRANSLATE_NOOP("Metric", "Satisfaction"),
    "complaint_closure": QT_TRANSLATE_NOOP("Metric", "Complaints closed"),
    "complaint_on_time": QT_TRANSLATE_NOOP("Metric", "Complaints closed on time"),
    "no_show": QT_TRANSLATE_NOOP("Metric", "No-show rate"),
    "wait_average": QT_TRANSLATE_NOOP("Metric", "Average wait"),
    "wait_p90": QT_TRANSLATE_NOOP("Metric", "Wait, 90th percentile"),
    "wait_alerts": QT_TRANSLATE_NOOP("Metric", "Long waits"),
    "followup": QT_TRANSLATE_NOOP("Metric", "Follow-up rate"),
    "revisit": QT_TRANSLATE_NOOP("Metric", "Revisit booking rate"),
    "booking": QT_TRANSLATE_NOOP("Metric", "Booked visits"),
    "prescription_corrections": QT_TRANSLATE_NOOP("Metric", "Prescription corrections"),
}
UNITS: dict[str, str] = {
    key: "minutes"
    if key in ("wait_average", "wait_p90")
    else "count"
    if key == "wait_alerts"
    else "percent"
    for key in METRICS
}
# The setting holding each target, and whether a higher value is better.
_TARGETS: dict[str, tuple[str | None, bool]] = {
    "satisfaction": ("quality.satisfaction_target_percent", True),
    "complaint_closure": ("quality.complaint_closure_target_percent", True),
    "complaint_on_time": ("quality.complaint_on_time_target_percent", True),
    "no_show": ("quality.no_show_max_percent", False),
    "wait_average": ("quality.wait_average_max_minutes", False),
    "wait_p90": ("quality.wait_p90_max_minutes", False),
    "wait_alerts": (None, False),
    "followup": ("quality.followup_target_percent", True),
    "revisit": ("quality.revisit_target_percent", True),
    "booking": ("quality.booking_target_percent", True),
    "prescription_corrections": ("quality.prescription_correction_max_percent", False),
}
MAX_PERIOD_DAYS = 366
TREND_MONTHS = 12
_ENDED = ("started", "sent_back", "left", "finished")
_NOT_ENDED = -1  # a wait bucket for entries checked in and never started nor ended


@dataclass(frozen=True)
class Metric:
    key: str
    value: float | None  # None: no data in the period (never 0/0)
    # What the value is made of. Percent: part / whole. wait_average: minutes summed /
    # waits. wait_p90: the 90th-percentile minutes / waits. wait_alerts: long / waits.
    numerator: int
    denominator: int
    target: float | None
    higher_is_better: bool
    met: bool | None  # None when value or target is None
    unit: str


@dataclass(frozen=True)
class Point:
    label: str  # "2026-W47" or "2026-11"
    start: date
    end: date
    value: float | None
    n: int  # the denominator


@dataclass(frozen=True)
class Dashboard:
    first: date
    last: date
    doctor_id: uuid.UUID | None
    doctor_name: str
    metrics: tuple[Metric, ...]  # in METRICS order
    weekly: dict[str, tuple[Point, ...]]  # ISO weeks overlapping the period
    monthly: dict[str, tuple[Point, ...]]  # the 12 months ending with ``last``'s month
    open_complaints: int
    overdue_complaints: int
    escalations_unseen: int
    missing_self_checks: int
    empty: bool  # nothing at all in the period

    def metric(self, key: str) -> Metric:
        return self.metrics[METRICS.index(key)]


# -- periods ------------------------------------------------------------------------------------


def _a_day(value: object, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The {what} should be a date. Choose it on the calendar."),
            what=what,
        )
    return value


def _period(first: object, last: object) -> tuple[date, date]:
    start, end = _a_day(first, "first day"), _a_day(last, "last day")
    if end < start:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The last day ({last}) is before the first day ({first}). Swap them."
            ),
            first=start.isoformat(),
            last=end.isoformat(),
        )
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The period is {n} days long. Choose at most {max} days (a year); "
                "the yearly report compares longer spans.",
            ),
            n=(end - start).days + 1,
            max=MAX_PERIOD_DAYS,
        )
    return start, end


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    try:
        return date(index // 12, index % 12 + 1, 1)
    except ValueError:  # before year 1 or after 9999
        raise DateOutOfRange() from None


def _month_end(day: date) -> date:
    return _month_start(day, -1) - timedelta(days=1)


def _weeks(first: date, last: date) -> list[tuple[str, date, date]]:
    out = []
    monday = _monday(first)
    while monday <= last:
        year, week, _ = monday.isocalendar()
        out.append((f"{year}-W{week:02d}", monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return out


def _months(last: date, count: int = TREND_MONTHS) -> list[tuple[str, date, date]]:
    out = []
    for back in range(count - 1, -1, -1):
        start = _month_start(last, back)
        out.append((f"{start.year}-{start.month:02d}", start, _month_end(start)))
    return out


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


# -- the day rows -------------------------------------------------------------------------------

# Per metric family, per local day: [numerator, denominator] (additive metrics).
_Days = dict[date, list[int]]


class _Span:
    """The local days ``first``..``last`` and how moments fall into them."""

    def __init__(self, clinic: Clinic, first: date, last: date, doctor: uuid.UUID | None) -> None:
        self.clinic = clinic
        self.zone = clinic.timezone()
        self.first = first
        self.last = last
        self.doctor = doctor
        self.lo = _midnight(first, self.zone)
        self.hi = _midnight(last + timedelta(days=1), self.zone)
        # Local days start on a UTC hour shifted by the zone's odd minutes (+5:30):
        # group by that shifted hour, then each hour belongs to one local day.
        offset = self.lo.astimezone(self.zone).utcoffset() or timedelta()
        self.shift = int(offset.total_seconds() // 60) % 60
        # A zone whose offset is the same all through the span (China, Hong Kong, Taiwan)
        # groups straight into local days: a third of the rows' work of grouping by hour.
        self.fixed = self._fixed_offset()

    def _fixed_offset(self) -> int | None:
        probes = [self.lo, self.hi]
        month = _month_start(self.first)
        while month <= self.last:
            probes.append(_midnight(month, self.zone))
            month = _month_start(month, -1)
        offsets = {p.astimezone(self.zone).utcoffset() for p in probes}
        if len(offsets) != 1:
            return None
        only = offsets.pop() or timedelta()
        return int(only.total_seconds() // 60)

    def hour(self, column: str) -> str:
        if self.fixed is not None:
            return f"date({column}, '{self.fixed:+d} minutes')"
        return f"strftime('%Y-%m-%d %H', {column}, '+{self.shift} minutes')"

    def day_of_hour(self, text: str) -> date:
        if self.fixed is not None:
            return date.fromisoformat(text)
        start = datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC)
        return (start - timedelta(minutes=self.shift)).astimezone(self.zone).date()

    def moments(self) -> tuple[str, str]:
        return stored_utc(self.lo), stored_utc(self.hi)

    def dates(self) -> tuple[str, str]:
        return self.first.isoformat(), self.last.isoformat()

    def doctor_clause(self, column: str) -> tuple[str, tuple[str, ...]]:
        if self.doctor is None:
            return "", ()
        return f" AND {column} = ?", (self.doctor.hex,)


def _add(days: _Days, day: date, part: int, whole: int) -> None:
    sums = days.setdefault(day, [0, 0])
    sums[0] += part
    sums[1] += whole


def _hourly(span: _Span, conn: Connection, sql: str, params: tuple[Any, ...]) -> _Days:
    """Rows (hour, part, whole) into local days."""
    days: _Days = {}
    for hour, part, whole in conn.exec_driver_sql(sql, params):
        _add(days, span.day_of_hour(hour), int(part or 0), int(whole or 0))
    return days


def _satisfaction(span: _Span, conn: Connection) -> _Days:
    where, extra = span.doctor_clause("r.doctor_id")
    days: _Days = {}
    for day, part, whole in conn.exec_driver_sql(
        "SELECT r.answered_on, sum(a.score >= 4), count(*) FROM survey_answer a "
        "JOIN survey_response r ON r.id = a.response_id "
        "WHERE r.answered_on >= ? AND r.answered_on <= ? AND r.deleted_at IS NULL "
        "AND a.deleted_at IS NULL AND a.score BETWEEN 1 AND 5" + where + " GROUP BY r.answered_on",
        (*span.dates(), *extra),
    ):
        _add(days, date.fromisoformat(day), int(part or 0), int(whole))
    # The five questions of a follow-up call, counted when the call was written.
    where, extra = span.doctor_clause("t.doctor_id")
    join = " JOIN followup_task t ON t.id = c.task_id" if span.doctor is not None else ""
    calls = _hourly(
        span,
        conn,
        f"SELECT {span.hour('c.called_at')}, sum(c.satisfied_answers), sum(c.scored_answers) "
        f"FROM followup_call c{join} WHERE c.called_at >= ? AND c.called_at < ? "
        "AND c.deleted_at IS NULL AND c.scored_answers > 0"
        # A survey call's answers are its survey response's: counted once, above.
        " AND (c.task_id IS NULL OR c.task_id NOT IN "
        "(SELECT task_id FROM survey_sample WHERE task_id IS NOT NULL))"
        + where
        + f" GROUP BY {span.hour('c.called_at')}",
        (*span.moments(), *extra),
    )
    for day, (part, whole) in calls.items():
        _add(days, day, part, whole)
    return days


def _complaints(span: _Span, session: Session) -> tuple[_Days, _Days]:
    """(closed / received, on time / closed) per local day of receipt; the "close"
    deadline as the complaint screens compute it (F4, holidays and closures skipped)."""
    conn = session.connection()
    where, extra = span.doctor_clause("staff_concerned_id")
    rows = conn.exec_driver_sql(
        "SELECT received_at, status, closed_at FROM complaint WHERE received_at >= ? "
        "AND received_at < ? AND deleted_at IS NULL" + where,
        (*span.moments(), *extra),
    ).all()
    clock = complaints.DeadlineClock(span.clinic, session) if rows else None
    closed: _Days = {}
    on_time: _Days = {}
    for received_text, status, closed_text in rows:
        received = from_stored(received_text)
        day = received.astimezone(span.zone).date()
        done = status == "closed" and closed_text is not None
        _add(closed, day, int(done), 1)
        if done and clock is not None:
            due = clock.due(received, "close")
            _add(on_time, day, int(from_stored(closed_text) <= due), 1)
    return closed, on_time


def _no_show(span: _Span, conn: Connection) -> _Days:
    # Moved-from rows are cancelled, so counting only settled outcomes (attended or
    # no-show) already leaves them out, as appointment_reports does.
    where, extra = span.doctor_clause("doctor_id")
    settled = ", ".join(f"'{s}'" for s in (*ATTENDED, "no_show"))
    return _hourly(
        span,
        conn,
        f"SELECT {span.hour('starts_at')}, sum(status = 'no_show'), count(*) FROM appointment "
        f"WHERE starts_at >= ? AND starts_at < ? AND deleted_at IS NULL AND status IN ({settled})"
        + where
        + f" GROUP BY {span.hour('starts_at')}",
        (*span.moments(), *extra),
    )


def _revisit(span: _Span, conn: Connection) -> _Days:
    where, extra = span.doctor_clause("a.doctor_id")
    return _hourly(
        span,
        conn,
        f"SELECT {span.hour('a.starts_at')}, sum(EXISTS (SELECT 1 FROM appointment l "
        "WHERE l.patient_id = a.patient_id AND l.doctor_id = a.doctor_id "
        "AND l.starts_at > a.starts_at AND l.deleted_at IS NULL "
        "AND julianday(l.created_at) - julianday(a.starts_at) <= ? "
        "AND julianday(a.starts_at) - julianday(l.created_at) <= ?)), count(*) "
        "FROM appointment a WHERE a.starts_at >= ? AND a.starts_at < ? AND a.status = 'done' "
        "AND a.deleted_at IS NULL" + where + f" GROUP BY {span.hour('a.starts_at')}",
        (REVISIT_DAYS, REVISIT_DAYS, *span.moments(), *extra),
    )


def _followup(span: _Span, conn: Connection) -> _Days:
    where, extra = span.doctor_clause("doctor_id")
    owed = ", ".join(f"'{r}'" for r in followups.NOT_OWED)
    days: _Days = {}
    for day, part, whole in conn.exec_driver_sql(
        "SELECT due_by, sum(status = 'done'), count(*) FROM followup_task WHERE kind = 'plan' "
        "AND deleted_at IS NULL AND due_by >= ? AND due_by <= ? "
        f"AND (status != 'closed' OR close_reason NOT IN ({owed}))" + where + " GROUP BY due_by",
        (*span.dates(), *extra),
    ):
        _add(days, date.fromisoformat(day), int(part or 0), int(whole))
    return days


def _prescriptions(span: _Span, conn: Connection) -> _Days:
    where, extra = span.doctor_clause("prescriber_id")
    return _hourly(
        span,
        conn,
        f"SELECT {span.hour('issued_at')}, sum(cancelled_at IS NOT NULL), count(*) "
        "FROM prescription WHERE issued_at >= ? AND issued_at < ? AND deleted_at IS NULL"
        + where
        + f" GROUP BY {span.hour('issued_at')}",
        (*span.moments(), *extra),
    )


def _queue(span: _Span, conn: Connection) -> tuple[dict[date, Counter[int]], _Days]:
    """Per day: how many waits of each whole minute, and (booked, checked in)."""
    where, extra = span.doctor_clause("q.doctor_id")
    ended = ", ".join(f"'{k}'" for k in _ENDED)
    waits: dict[date, Counter[int]] = {}
    booking: _Days = {}
    for day, minutes, count, booked in conn.exec_driver_sql(
        "SELECT day, CASE WHEN f IS NULL THEN ? ELSE "
        "max(0, CAST(round((julianday(f) - julianday(s)) * 86400) AS INTEGER) / 60) END AS m, "
        "count(*), sum(booked) FROM (SELECT q.day AS day, q.appointment_id IS NOT NULL AS booked, "
        # Looked up per entry through (entry_id, at): a join grouped by entry made SQLite
        # scan every event of every year (350 ms for a month on the 5-year dataset).
        "(SELECT min(e.at) FROM queue_event e WHERE e.entry_id = q.id "
        "AND e.kind = 'checked_in' AND e.deleted_at IS NULL) AS s, "
        "(SELECT min(e.at) FROM queue_event e WHERE e.entry_id = q.id "
        f"AND e.kind IN ({ended}) AND e.deleted_at IS NULL) AS f "
        "FROM queue_entry q WHERE q.day >= ? AND q.day <= ? AND q.deleted_at IS NULL"
        + where
        + ") WHERE s IS NOT NULL GROUP BY day, m",
        (_NOT_ENDED, *span.dates(), *extra),
    ):
        local = date.fromisoformat(day)
        _add(booking, local, int(booked or 0), int(count))
        if minutes != _NOT_ENDED:
            waits.setdefault(local, Counter())[int(minutes)] += int(count)
    return waits, booking


@dataclass
class _Rows:
    """Every metric's day rows over a span."""

    additive: dict[str, _Days]
    waits: dict[date, Counter[int]]
    threshold: int


# Spans longer than this read the queue's waits on a second connection, in parallel
# with the other figures: a year of check-in events is most of a 12-month trend's time
# (SQLCipher decrypts outside the GIL, so the two reads share the machine's cores).
_PARALLEL_DAYS = 62


def _queue_apart(span: _Span) -> tuple[dict[date, Counter[int]], _Days]:
    with span.clinic.store.unit_of_work(write=False) as uow:
        return _queue(span, uow.session.connection())


def _collect(span: _Span, session: Session, threshold: int) -> _Rows:
    conn = session.connection()
    if (span.last - span.first).days < _PARALLEL_DAYS:
        waits, booking = _queue(span, conn)
        closed, on_time = _complaints(span, session)
        others = _others(span, conn)
    else:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="quality") as pool:
            queued = pool.submit(_queue_apart, span)
            closed, on_time = _complaints(span, session)
            others = _others(span, conn)
            waits, booking = queued.result()
    return _Rows(
        additive={
            **others,
            "complaint_closure": closed,
            "complaint_on_time": on_time,
            "booking": booking,
        },
        waits=waits,
        threshold=threshold,
    )


def _others(span: _Span, conn: Connection) -> dict[str, _Days]:
    return {
        "satisfaction": _satisfaction(span, conn),
        "no_show": _no_show(span, conn),
        "followup": _followup(span, conn),
        "revisit": _revisit(span, conn),
        "prescription_corrections": _prescriptions(span, conn),
    }


def _p90(hist: Counter[int], n: int) -> int:
    """Nearest rank: the smallest wait with at least 90% of the waits at or below it."""
    rank = math.ceil(0.9 * n)
    seen = 0
    for minutes in sorted(hist):
        seen += hist[minutes]
        if seen >= rank:
            return minutes
    return 0


def _figure(rows: _Rows, key: str, first: date, last: date) -> tuple[float | None, int, int]:
    """(value, numerator, denominator) of ``key`` over the days ``first``..``last``."""
    if key in rows.additive:
        part = whole = 0
        for day, (p, w) in rows.additive[key].items():
            if first <= day <= last:
                part += p
                whole += w
        return (100.0 * part / whole if whole else None), part, whole
    hist: Counter[int] = Counter()
    for day, counts in rows.waits.items():
        if first <= day <= last:
            hist.update(counts)
    n = sum(hist.values())
    if not n:
        return None, 0, 0
    if key == "wait_average":
        total = sum(m * c for m, c in hist.items())
        return total / n, total, n
    if key == "wait_p90":
        p90 = _p90(hist, n)
        return float(p90), p90, n
    long = sum(c for m, c in hist.items() if m >= rows.threshold)
    return float(long), long, n


def _met(value: float | None, target: float | None, higher: bool) -> bool | None:
    if value is None or target is None:
        return None
    # A rate of exactly the target (19/20 = 95%) meets it despite float rounding.
    return value >= target - 1e-9 if higher else value <= target + 1e-9


def _metric(rows: _Rows, key: str, first: date, last: date, settings: Mapping[str, Any]) -> Metric:
    value, part, whole = _figure(rows, key, first, last)
    setting, higher = _TARGETS[key]
    target = float(settings[setting]) if setting is not None else None
    return Metric(key, value, part, whole, target, higher, _met(value, target, higher), UNITS[key])


def _points(rows: _Rows, buckets: Sequence[tuple[str, date, date]]) -> dict[str, tuple[Point, ...]]:
    out: dict[str, tuple[Point, ...]] = {}
    for key in METRICS:
        points = []
        for label, start, end in buckets:
            value, _part, whole = _figure(rows, key, start, end)
            points.append(Point(label, start, end, value, whole))
        out[key] = tuple(points)
    return out


def _unseen_escalations(conn: Connection) -> int:
    return int(
        conn.exec_driver_sql(
            "SELECT count(*) FROM complaint WHERE escalated_at IS NOT NULL "
            "AND escalation_seen_at IS NULL AND deleted_at IS NULL"
        ).scalar_one()
    )


# -- the dashboard -------------------------------------------------------------------------------


def _doctor_name(clinic: Clinic, doctor_id: uuid.UUID | None) -> str:
    if doctor_id is None:
        return ""
    if not isinstance(doctor_id, uuid.UUID):
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose the doctor from the list."))
    with clinic.store.unit_of_work(write=False) as uow:
        name = uow.session.execute(select(Staff.display_name).where(Staff.id == doctor_id)).scalar()
    if name is None:
        raise NotFound(what=QT_TRANSLATE_NOOP("Errors", "doctor"))
    return str(name)


def _span_for(first: date, last: date, trends: bool, months: int) -> tuple[date, date]:
    if not trends:
        return first, last
    lo, hi = _monday(first), _monday(last) + timedelta(days=6)
    if months:
        lo, hi = min(lo, _month_start(last, months - 1)), max(hi, _month_end(last))
    return lo, hi


def _check_months(months: object) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 36:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "Show a trend of 1 to 36 months, or none.")
        )
    return months


def dashboard(
    clinic: Clinic,
    actor: Actor,
    first: date,
    last: date,
    *,
    doctor_id: uuid.UUID | None = None,
    trends: bool = True,
    months: int = TREND_MONTHS,
) -> Dashboard:
    """G2, G3: every metric of the period against its target, with its weekly trend and
    the ``months`` ending with the period's last month (``trends``), for the whole
    clinic or one doctor. The screen asks with ``months=0`` first (the tiles and the
    weeks show at once) and then for ``monthly_trend``: a year of waits and revisits
    is most of the work."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    first, last = _period(first, last)
    months = _check_months(months)
    doctor_name = _doctor_name(clinic, doctor_id)
    settings = clinic.settings()
    lo, hi = _span_for(first, last, trends, months)
    span = _Span(clinic, lo, hi, doctor_id)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = _collect(span, uow.session, int(settings["reception.wait_alert_minutes"]))
        conn = uow.session.connection()
        open_count = int(
            conn.exec_driver_sql(
                "SELECT count(*) FROM complaint WHERE status = 'open' AND deleted_at IS NULL"
            ).scalar_one()
        )
        unseen = _unseen_escalations(conn)
    # The complaint screens' own counts, so the dashboard and the worklists agree.
    overdue = complaints.overdue_count(clinic, actor, mine=False)
    missing = surveys.missing_self_checks(clinic, actor, first, last)
    metrics = tuple(_metric(rows, key, first, last, settings) for key in METRICS)
    return Dashboard(
        first=first,
        last=last,
        doctor_id=doctor_id,
        doctor_name=doctor_name,
        metrics=metrics,
        weekly=_points(rows, _weeks(first, last)) if trends else {},
        monthly=_points(rows, _months(last, months)) if trends and months else {},
        open_complaints=open_count,
        overdue_complaints=overdue,
        escalations_unseen=unseen,
        missing_self_checks=len(missing),
        empty=all(m.denominator == 0 for m in metrics),
    )


def monthly_trend(
    clinic: Clinic,
    actor: Actor,
    last: date,
    *,
    doctor_id: uuid.UUID | None = None,
    months: int = TREND_MONTHS,
) -> dict[str, tuple[Point, ...]]:
    """Every metric per month for the ``months`` ending with ``last``'s month: the same
    points as ``dashboard(...).monthly``."""
    clinic.require(actor, Action.QUALITY_REPORTS)
    last = _a_day(last, "last day")
    months = _check_months(months) or TREND_MONTHS
    _doctor_name(clinic, doctor_id)
    settings = clinic.settings()
    span = _Span(clinic, _month_start(last, months - 1), _month_end(last), doctor_id)
    with clinic.store.unit_of_work(write=False) as uow:
        rows = _collect(span, uow.session, int(settings["reception.wait_alert_minutes"]))
    return _points(rows, _months(last, months))


# -- the reports (F7, G3) ------------------------------------------------------------------------

PERIODS = ("week", "month", "quarter", "year")
PERIOD_LABELS: dict[str, str] = {
    "week": QT_TRANSLATE_NOOP("QualityReport", "Weekly complaint feedback"),
    "month": QT_TRANSLATE_NOOP("QualityReport", "Monthly quality analysis"),
    "quarter": QT_TRANSLATE_NOOP("QualityReport", "Quarterly quality summary"),
    "year": QT_TRANSLATE_NOOP("QualityReport", "Yearly quality summary"),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GIST = 60


def report_period(period: str, day: date) -> tuple[date, date]:
    """The week (Monday to Sunday), month, quarter or year containing ``day``."""
    day = _a_day(day, "day")
    if period == "week":
        return _monday(day), _monday(day) + timedelta(days=6)
    if period == "month":
        return _month_start(day), _month_end(day)
    if period == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return start, _month_end(_month_start(start, -2))
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValidationError(
        QT_TRANSLATE_NOOP("Errors", "Choose a week, a month, a quarter or a year for the report.")
    )


class _Words:
    """The report's fixed words in the reader's language."""

    def __init__(self, translate: Translate, language: str) -> None:
        self.translate = translate
        self.chinese = language.startswith("zh")

    def __call__(self, text: str) -> str:
        return self.translate("QualityReport", text)

    def metric(self, key: str) -> str:
        return self.translate("Metric", METRIC_LABELS[key])

    def channel(self, code: str) -> str:
        label = complaints.CHANNEL_LABELS.get(code)
        return self.translate("Complaint", label) if label else code

    def value(self, metric: Metric | Point, unit: str) -> str:
        if metric.value is None:
            return "–"
        if unit == "percent":
            return f"{metric.value:.1f}%"
        if unit == "minutes":
            return self.number(metric.value, QT_TRANSLATE_NOOP("QualityReport", "{n} min"))
        return f"{metric.value:.0f}"

    def number(self, value: float, template: str) -> str:
        return doc_fill(self(template), n=f"{value:.1f}".removesuffix(".0"))

    def target(self, metric: Metric) -> str:
        if metric.target is None:
            return "–"
        shown = f"{metric.target:g}" + ("%" if metric.unit == "percent" else "")
        if metric.unit == "minutes":
            shown = self.number(metric.target, QT_TRANSLATE_NOOP("QualityReport", "{n} min"))
        sign = "≥" if metric.higher_is_better else "≤"
        return f"{sign} {shown}"

    def month(self, start: date) -> str:
        if self.chinese:
            return f"{start.year % 100:02d}年{start.month}月"
        return f"{_MONTHS_EN[start.month - 1]} {start.year % 100:02d}"


def doc_fill(template: str, **values: object) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return template


def _metrics_table(board: Dashboard, w: _Words) -> doc.Table:
    rows = []
    marked = set()
    for index, m in enumerate(board.metrics):
        result = (
            "–"
            if m.met is None
            else w(QT_TRANSLATE_NOOP("QualityReport", "Met"))
            if m.met
            else w(QT_TRANSLATE_NOOP("QualityReport", "Not met"))
        )
        if m.met is False:
            marked.add(index)
        rows.append((w.metric(m.key), w.value(m, m.unit), w.target(m), result, str(m.denominator)))
    return doc.Table(
        heading=w(QT_TRANSLATE_NOOP("QualityReport", "Figures against their targets")),
        columns=(
            w(QT_TRANSLATE_NOOP("QualityReport", "Metric")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Value")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Target")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Result")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Counted")),
        ),
        widths=(3.2, 1.3, 1.3, 1.2, 1.0),
        rows=tuple(rows),
        marked=frozenset(marked),
    )


def _charts(board: Dashboard, w: _Words) -> doc.Charts:
    charts = []
    for m in board.metrics:
        points = board.monthly[m.key]
        target_text = ""
        if m.target is not None:
            target_text = doc_fill(
                w(QT_TRANSLATE_NOOP("QualityReport", "Target {value}")),
                value=w.target(m).split(" ", 1)[1],
            )
        charts.append(
            doc.Chart(
                title=w.metric(m.key),
                labels=tuple(w.month(p.start) for p in points),
                values=tuple(p.value for p in points),
                target=m.target,
                target_label=target_text,
                higher_is_better=m.higher_is_better,
                value_format="%.0f" if m.unit != "minutes" else "%.1f",
                percent=m.unit == "percent",
            )
        )
    return doc.Charts(
        heading=w(QT_TRANSLATE_NOOP("QualityReport", "Trend over 12 months")),
        charts=tuple(charts),
        no_data=w(QT_TRANSLATE_NOOP("QualityReport", "No data")),
    )


def _cases_table(
    cases: Sequence[complaints.ComplaintSummary], w: _Words, zone: ZoneInfo
) -> doc.Table:
    """The period's complaints; the gist only where C6 lets the reader see it."""
    rows = []
    marked = set()
    for index, case in enumerate(cases):
        gist = (
            w(QT_TRANSLATE_NOOP("QualityReport", "(confidential)"))
            if case.confidential
            else case.gist
        )
        status = (
            w(QT_TRANSLATE_NOOP("QualityReport", "Closed"))
            if case.status == "closed"
            else w(QT_TRANSLATE_NOOP("QualityReport", "Open, overdue"))
            if case.overdue
            else w(QT_TRANSLATE_NOOP("QualityReport", "Open"))
        )
        if case.overdue:
            marked.add(index)
        if case.severity == "serious":
            status += " · " + w(QT_TRANSLATE_NOOP("QualityReport", "serious"))
        rows.append(
            (
                case.number,
                case.received_at.astimezone(zone).strftime("%Y-%m-%d"),
                w.channel(case.channel),
                case.department,
                status,
                gist,
            )
        )
    return doc.Table(
        heading=w(QT_TRANSLATE_NOOP("QualityReport", "Complaint cases")),
        columns=(
            w(QT_TRANSLATE_NOOP("QualityReport", "No.")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Received")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Channel")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Department")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Status")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Gist")),
        ),
        widths=(1.5, 1.3, 1.3, 1.2, 1.5, 3.8),
        rows=tuple(rows),
        empty=w(QT_TRANSLATE_NOOP("QualityReport", "No complaints were received.")),
        marked=frozenset(marked),
    )


def _forwards(span: _Span, conn: Connection, w: _Words) -> doc.Notes:
    rows = conn.exec_driver_sql(
        "SELECT department, text, status FROM followup_forward WHERE created_at >= ? "
        "AND created_at < ? AND deleted_at IS NULL ORDER BY created_at, id",
        span.moments(),
    ).all()
    answered = w(QT_TRANSLATE_NOOP("QualityReport", "answered"))
    waiting = w(QT_TRANSLATE_NOOP("QualityReport", "awaiting an answer"))
    return doc.Notes(
        heading=w(QT_TRANSLATE_NOOP("QualityReport", "Suggestions forwarded to departments")),
        lines=tuple(
            f"{dept}: {text} ({answered if status == 'answered' else waiting})"
            for dept, text, status in rows
        ),
        empty=w(QT_TRANSLATE_NOOP("QualityReport", "No suggestions were forwarded.")),
    )


def _root_causes(span: _Span, conn: Connection, w: _Words) -> doc.Table:
    rows = conn.exec_driver_sql(
        "SELECT found_at, department, problem, root_cause, actions, status, due_at, done_at "
        "FROM root_cause WHERE found_at >= ? AND found_at < ? AND deleted_at IS NULL "
        "ORDER BY found_at, id",
        span.moments(),
    ).all()
    now = span.clinic.now()
    out = []
    marked = set()
    for index, (found, dept, problem, cause, actions, status, due, done) in enumerate(rows):
        late = (from_stored(done) if done else now) > from_stored(due)
        if late:
            marked.add(index)
        state = (
            w(QT_TRANSLATE_NOOP("QualityReport", "Done"))
            if status == "done"
            else w(QT_TRANSLATE_NOOP("QualityReport", "Open"))
        )
        if late:
            state += " · " + w(QT_TRANSLATE_NOOP("QualityReport", "late"))
        out.append(
            (
                from_stored(found).astimezone(span.zone).strftime("%Y-%m-%d"),
                dept or "",
                problem,
                cause,
                actions,
                state,
            )
        )
    return doc.Table(
        heading=w(QT_TRANSLATE_NOOP("QualityReport", "Root-cause analyses (5 Whys)")),
        columns=(
            w(QT_TRANSLATE_NOOP("QualityReport", "Found")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Department")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Problem")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Root cause")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Actions")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Status")),
        ),
        widths=(1.3, 1.2, 2.4, 2.4, 2.4, 1.2),
        rows=tuple(out),
        empty=w(QT_TRANSLATE_NOOP("QualityReport", "No root-cause analysis in this period.")),
        marked=frozenset(marked),
    )


def _self_check_notes(missing: Sequence[surveys.MissingSelfCheck], w: _Words) -> doc.Notes:
    per_staff = Counter(m.staff_name for m in missing)
    template = w(QT_TRANSLATE_NOOP("QualityReport", "{name}: {n} days missing"))
    return doc.Notes(
        heading=w(QT_TRANSLATE_NOOP("QualityReport", "Daily self-checks missing")),
        lines=tuple(
            doc_fill(template, name=name, n=n)
            for name, n in sorted(per_staff.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        empty=w(QT_TRANSLATE_NOOP("QualityReport", "Every self-check was done.")),
    )


def _per_month_table(board: Dashboard, first: date, last: date, w: _Words) -> doc.Table:
    months = [p for p in board.monthly["satisfaction"] if first <= p.start <= last]
    index = {p.start: i for i, p in enumerate(board.monthly["satisfaction"])}
    rows = []
    for m in board.metrics:
        points = board.monthly[m.key]
        rows.append(
            (
                w.metric(m.key),
                *(w.value(points[index[p.start]], m.unit) for p in months),
                w.value(m, m.unit),
                w.target(m),
            )
        )
    return doc.Table(
        heading=w(QT_TRANSLATE_NOOP("QualityReport", "Figures per month")),
        columns=(
            w(QT_TRANSLATE_NOOP("QualityReport", "Metric")),
            *(w.month(p.start) for p in months),
            w(QT_TRANSLATE_NOOP("QualityReport", "Period")),
            w(QT_TRANSLATE_NOOP("QualityReport", "Target")),
        ),
        widths=(2.6, *(1.0 for _ in months), 1.1, 1.1),
        rows=tuple(rows),
        marked=frozenset(i for i, m in enumerate(board.metrics) if m.met is False),
    )


def report(
    clinic: Clinic,
    actor: Actor,
    period: str,
    day: date,
    *,
    language: str = "en",
    translate: Translate = english,
) -> bytes:
    """F7, G3: the PDF of the week, month, quarter or year containing ``day``.

    ``translate`` gives the words in the reader's language (the UI passes its
    translator for ``language``; ``language`` picks how months are written).
    """
    clinic.require(actor, Action.QUALITY_REPORTS)
    if period not in PERIODS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Choose a week, a month, a quarter or a year for the report."
            )
        )
    first, last = report_period(period, day)
    w = _Words(translate, language)
    board = dashboard(clinic, actor, first, last, trends=period != "week")
    zone = clinic.timezone()
    span = _Span(clinic, first, last, None)
    cases = sorted(
        complaints.list_complaints(clinic, actor, status="all", first=first, last=last),
        key=lambda c: (c.received_at, c.number),
    )
    missing = surveys.missing_self_checks(clinic, actor, first, last) if period == "month" else []
    sections: list[doc.Section] = []
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        closed_in = conn.exec_driver_sql(
            "SELECT count(*) FROM complaint WHERE closed_at >= ? AND closed_at < ? "
            "AND status = 'closed' AND deleted_at IS NULL",
            span.moments(),
        ).scalar_one()
        figures = doc.Figures(
            heading=w(QT_TRANSLATE_NOOP("QualityReport", "Complaints")),
            rows=(
                (w(QT_TRANSLATE_NOOP("QualityReport", "Received")), str(len(cases))),
                (
                    w(QT_TRANSLATE_NOOP("QualityReport", "Closed in the period")),
                    str(closed_in),
                ),
                (
                    w(QT_TRANSLATE_NOOP("QualityReport", "Received and still open")),
                    str(sum(c.status != "closed" for c in cases)),
                ),
                (
                    w(QT_TRANSLATE_NOOP("QualityReport", "Open and overdue")),
                    str(sum(c.overdue for c in cases)),
                ),
                (
                    w(QT_TRANSLATE_NOOP("QualityReport", "Open now (all periods)")),
                    str(board.open_complaints),
                ),
                (
                    w(QT_TRANSLATE_NOOP("QualityReport", "Serious, not yet seen by the director")),
                    str(board.escalations_unseen),
                ),
            ),
        )
        satisfaction = board.metric("satisfaction")
        if period == "week":
            sections += [
                figures,
                doc.Figures(
                    heading=w(QT_TRANSLATE_NOOP("QualityReport", "Satisfaction this week")),
                    rows=(
                        (
                            w.metric("satisfaction"),
                            w.value(satisfaction, satisfaction.unit),
                        ),
                        (
                            w(QT_TRANSLATE_NOOP("QualityReport", "Answers counted")),
                            str(satisfaction.denominator),
                        ),
                        (w(QT_TRANSLATE_NOOP("QualityReport", "Target")), w.target(satisfaction)),
                    ),
                ),
                _cases_table(cases, w, zone),
                _forwards(span, conn, w),
            ]
        elif period == "month":
            sections += [
                _metrics_table(board, w),
                figures,
                _charts(board, w),
                _cases_table(cases, w, zone),
                _forwards(span, conn, w),
                _root_causes(span, conn, w),
                _self_check_notes(missing, w),
            ]
        else:
            sections += [
                _metrics_table(board, w),
                _per_month_table(board, first, last, w),
                figures,
                _charts(board, w),
                _root_causes(span, conn, w),
            ]
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="quality.report",
                object_type="quality_report",
                object_id=f"{period}:{first.isoformat()}",
                detail=json.dumps(
                    {"period": period, "first": first.isoformat(), "last": last.isoformat()}
                ),
            ),
        )
        uow.commit()
    title = w(PERIOD_LABELS[period])
    made = doc_fill(
        w(QT_TRANSLATE_NOOP("QualityReport", "Made {time} by {name}")),
        time=clinic.local_text(clinic.now()),
        name=actor.display_name,
    )
    return doc.quality_report_pdf(
        doc.QualityReport(
            clinic_name=str(clinic.setting("clinic.name")),
            title=title,
            period=f"{first.isoformat()} – {last.isoformat()}",
            made=made,
            sections=tuple(sections),
            footer=w(
                QT_TRANSLATE_NOOP(
                    "QualityReport",
                    "Internal quality document: complaint details are confidential.",
                )
            ),
            page=w(QT_TRANSLATE_NOOP("QualityReport", "Page {n} / {total}")),
        )
    )


# -- CSV export (F7) ------------------------------------------------------------------------------

CSV_TABLES = (
    "complaints",
    "survey_answers",
    "followup_calls",
    "self_checks",
    "root_causes",
    "metrics",
)
# Withheld (left empty) for whoever may not read complaint details (C6).
_CONFIDENTIAL = frozenset(
    {"complainant", "contact", "address", "content", "response", "rectification", "reply_text"}
)
_COMPLAINT_COLUMNS = (
    "number", "received_at", "channel", "severity", "complexity", "status", "department",
    "staff_concerned", "owner", "complainant", "contact", "address", "content", "response",
    "rectification", "rectified_at", "reply_at", "reply_channel", "reply_text", "closed_at",
    "close_due", "closed_on_time", "escalated_at", "reopened",
)  # fmt: skip


def _local(moment: str | None, zone: ZoneInfo) -> str:
    return "" if moment is None else from_stored(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _staff_names(conn: Connection) -> dict[str, str]:
    return {str(i): str(n) for i, n in conn.exec_driver_sql("SELECT id, display_name FROM staff")}


def _csv_complaints(span: _Span, session: Session, actor: Actor) -> list[list[str]]:
    conn = session.connection()
    names = _staff_names(conn)
    rows = conn.exec_driver_sql(
        "SELECT id, received_at, channel, severity, complexity, status, department, "
        "staff_concerned, owner_id, complainant, contact, address, content, response, "
        "rectification, rectified_at, reply_at, reply_channel, reply_text, closed_at, "
        "escalated_at, reopened FROM complaint WHERE received_at >= ? AND received_at < ? "
        "AND deleted_at IS NULL ORDER BY received_at, id",
        span.moments(),
    ).all()
    zone = span.zone
    numbers = complaints.complaint_numbers(span.clinic, session, [uuid.UUID(r[0]) for r in rows])
    clock = complaints.DeadlineClock(span.clinic, session)
    out = []
    for r in rows:
        m = r._mapping
        received = from_stored(m["received_at"])
        due = clock.due(received, "close")
        closed = m["closed_at"] if m["status"] == "closed" else None
        values: dict[str, str] = {
            "number": numbers.get(str(m["id"]), ""),
            "received_at": _local(m["received_at"], zone),
            "channel": m["channel"],
            "severity": m["severity"],
            "complexity": m["complexity"],
            "status": m["status"],
            "department": m["department"] or "",
            "staff_concerned": m["staff_concerned"] or "",
            "owner": names.get(str(m["owner_id"]), "") if m["owner_id"] else "",
            "complainant": m["complainant"] or "",
            "contact": m["contact"] or "",
            "address": m["address"] or "",
            "content": m["content"] or "",
            "response": m["response"] or "",
            "rectification": m["rectification"] or "",
            "rectified_at": _local(m["rectified_at"], zone),
            "reply_at": _local(m["reply_at"], zone),
            "reply_channel": m["reply_channel"] or "",
            "reply_text": m["reply_text"] or "",
            "closed_at": _local(closed, zone),
            "close_due": due.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "closed_on_time": ""
            if closed is None
            else ("yes" if from_stored(closed) <= due else "no"),
            "escalated_at": _local(m["escalated_at"], zone),
            "reopened": str(m["reopened"] or 0),
        }
        owner = uuid.UUID(m["owner_id"]) if m["owner_id"] else None
        if not complaints.may_read_details(actor, owner):
            values.update(dict.fromkeys(_CONFIDENTIAL, ""))
        out.append([values[c] for c in _COMPLAINT_COLUMNS])
    return [list(_COMPLAINT_COLUMNS), *out]


def _csv_survey_answers(span: _Span, conn: Connection) -> list[list[str]]:
    names = _staff_names(conn)
    header = [
        "answered_on",
        "questionnaire",
        "via",
        "department",
        "doctor",
        "item",
        "score",
        "text",
    ]
    rows = conn.exec_driver_sql(
        "SELECT r.answered_on, q.name, r.via, r.department, r.doctor_id, a.item_key, a.score, "
        "a.text FROM survey_answer a JOIN survey_response r ON r.id = a.response_id "
        "LEFT JOIN questionnaire q ON q.id = r.questionnaire_id WHERE r.answered_on >= ? "
        "AND r.answered_on <= ? AND r.deleted_at IS NULL AND a.deleted_at IS NULL "
        "ORDER BY r.answered_on, r.id, a.item_key",
        span.dates(),
    ).all()
    return [
        header,
        *(
            [
                day, name or "", via, dept or "", names.get(str(doc_id), "") if doc_id else "",
                key, "" if score is None else str(score), text or "",
            ]
            for day, name, via, dept, doc_id, key, score, text in rows
        ),
    ]  # fmt: skip


def _csv_followup_calls(span: _Span, conn: Connection) -> list[list[str]]:
    names = _staff_names(conn)
    keys = followups.SATISFACTION_KEYS
    header = [
        "called_at", "kind", "department", "doctor", "caller", "channel", "outcome",
        "recovery", "adherence", *(f"satisfaction_{k}" for k in keys), "open_answer",
        "suggestions",
    ]  # fmt: skip
    rows = conn.exec_driver_sql(
        "SELECT c.called_at, t.kind, c.department, t.doctor_id, c.caller_id, c.channel, "
        "c.outcome, c.recovery, c.adherence, c.satisfaction, c.open_answer, c.suggestions "
        "FROM followup_call c LEFT JOIN followup_task t ON t.id = c.task_id "
        "WHERE c.called_at >= ? AND c.called_at < ? AND c.deleted_at IS NULL "
        "ORDER BY c.called_at, c.id",
        span.moments(),
    ).all()
    out = [header]
    for at, kind, dept, doctor, caller, channel, outcome, rec, adh, sat, answer, sugg in rows:
        try:
            scores = json.loads(sat or "{}")
        except ValueError:
            scores = {}
        if not isinstance(scores, dict):
            scores = {}
        out.append(
            [
                _local(at, span.zone), kind or "", dept or "",
                names.get(str(doctor), "") if doctor else "",
                names.get(str(caller), "") if caller else "", channel, outcome, rec or "",
                adh or "", *(str(scores.get(k, "")) for k in keys), answer or "", sugg or "",
            ]
        )  # fmt: skip
    return out


def _csv_self_checks(span: _Span, conn: Connection) -> list[list[str]]:
    names = _staff_names(conn)
    header = ["day", "staff", "role", "items", "ticked", "missed", "note", "completed_at"]
    out = [header]
    for day, sid, role, answers, note, completed in conn.exec_driver_sql(
        "SELECT day, staff_id, role, answers, note, completed_at FROM self_check "
        "WHERE day >= ? AND day <= ? AND deleted_at IS NULL ORDER BY day, staff_id",
        span.dates(),
    ):
        try:
            items = json.loads(answers or "[]")
        except ValueError:
            items = []
        items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        missed = "; ".join(
            f"{i.get('item', '')}: {i.get('note', '')}".strip(": ")
            for i in items
            if not i.get("ok")
        )
        out.append(
            [
                day, names.get(str(sid), ""), role, str(len(items)),
                str(sum(bool(i.get("ok")) for i in items)), missed, note or "",
                _local(completed, span.zone),
            ]
        )  # fmt: skip
    return out


def _csv_root_causes(span: _Span, session: Session) -> list[list[str]]:
    conn = session.connection()
    names = _staff_names(conn)
    header = [
        "found_at", "due_at", "done_at", "status", "department", "problem", "why_1", "why_2",
        "why_3", "why_4", "why_5", "root_cause", "actions", "owner", "complaint",
    ]  # fmt: skip
    rows = conn.exec_driver_sql(
        "SELECT found_at, due_at, done_at, status, department, problem, whys, root_cause, "
        "actions, owner_id, complaint_id FROM root_cause WHERE found_at >= ? AND found_at < ? "
        "AND deleted_at IS NULL ORDER BY found_at, id",
        span.moments(),
    ).all()
    linked = [uuid.UUID(r[10]) for r in rows if r[10]]
    numbers = complaints.complaint_numbers(span.clinic, session, linked) if linked else {}
    out = [header]
    for found, due, done, status, dept, problem, whys, cause, actions, owner, cid in rows:
        try:
            why_list = json.loads(whys or "[]")
        except ValueError:
            why_list = []
        why_list = [str(x) for x in why_list][:5] if isinstance(why_list, list) else []
        why_list += [""] * (5 - len(why_list))
        out.append(
            [
                _local(found, span.zone), _local(due, span.zone), _local(done, span.zone),
                status, dept or "", problem, *why_list, cause or "", actions or "",
                names.get(str(owner), "") if owner else "",
                numbers.get(str(cid), "") if cid else "",
            ]
        )  # fmt: skip
    return out


def _csv_metrics(board: Dashboard) -> list[list[str]]:
    header = [
        "metric", "label", "unit", "value", "numerator", "denominator", "target",
        "higher_is_better", "met",
    ]  # fmt: skip
    return [
        header,
        *(
            [
                m.key, METRIC_LABELS[m.key], m.unit,
                "" if m.value is None else f"{m.value:.4f}", str(m.numerator),
                str(m.denominator), "" if m.target is None else f"{m.target:g}",
                "yes" if m.higher_is_better else "no",
                "" if m.met is None else ("yes" if m.met else "no"),
            ]
            for m in board.metrics
        ),
    ]  # fmt: skip


def export_csv(clinic: Clinic, actor: Actor, table: str, first: date, last: date) -> str:
    """F7: one table's rows of the period as CSV text (UTF-8, a header row, no BOM).

    Complaint details are left empty for whoever may not read them (C6); survey
    answers and calls carry no patient identifiers.
    """
    clinic.require(actor, Action.QUALITY_REPORTS)
    if table not in CSV_TABLES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "There is no table called {table} to export. Choose complaints, survey "
                "answers, follow-up calls, self-checks, root causes or metrics.",
            ),
            table=str(table)[:40],
        )
    first, last = _period(first, last)
    span = _Span(clinic, first, last, None)
    board = dashboard(clinic, actor, first, last, trends=False) if table == "metrics" else None
    with clinic.store.unit_of_work(write=True) as uow:
        conn = uow.session.connection()
        producers: dict[str, Callable[[], list[list[str]]]] = {
            "complaints": lambda: _csv_complaints(span, uow.session, actor),
            "survey_answers": lambda: _csv_survey_answers(span, conn),
            "followup_calls": lambda: _csv_followup_calls(span, conn),
            "self_checks": lambda: _csv_self_checks(span, conn),
            "root_causes": lambda: _csv_root_causes(span, uow.session),
        }
        rows = _csv_metrics(board) if board is not None else producers[table]()
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="quality.export",
                object_type="quality_csv",
                object_id=table,
                detail=json.dumps(
                    {"first": first.isoformat(), "last": last.isoformat(), "rows": len(rows) - 1}
                ),
            ),
        )
        uow.commit()
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()
