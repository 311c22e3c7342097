"""Complaint deadlines (spec F4): hours on the clock, days that skip public holidays.

The seeds give each step of a complaint a time limit: accepted within 1 hour, first
contact within 2 hours, a solution within 48 hours (clock time: someone is on duty),
and a simple answer within 1 day, closure within a week, rectification within 15 days,
a complex dispute answered within 20 days. Limits in days are "节假日顺延": a public
holiday or a day the clinic is closed does not count, so a complaint received on the
eve of the 7-day National Day holiday is not due in the middle of it.

A day limit of N ends at the end of the N-th counted day after the day of receipt, in
the clinic's time zone; the result is the instant that day ends (the next local
midnight), in UTC. Everything here is pure: the holiday data come from
``rules.holidays``, the limits from the caller (settings).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.rules import holidays

# Each step, the setting that holds its limit, and whether the limit is in days.
STEPS: tuple[tuple[str, str, bool], ...] = (
    ("accept", "complaints.accept_within_hours", False),
    ("contact", "complaints.contact_within_hours", False),
    ("simple_answer", "complaints.simple_answer_days", True),
    ("solution", "complaints.solution_within_hours", False),
    ("close", "complaints.close_days", True),
    ("rectify", "complaints.rectify_days", True),
    ("complex_answer", "complaints.complex_answer_days", True),
)
STEP_LABELS: dict[str, str] = {
    "accept": QT_TRANSLATE_NOOP("ComplaintStep", "Accept"),
    "contact": QT_TRANSLATE_NOOP("ComplaintStep", "Contact the complainant"),
    "simple_answer": QT_TRANSLATE_NOOP("ComplaintStep", "Answer (simple issue)"),
    "solution": QT_TRANSLATE_NOOP("ComplaintStep", "Propose a solution"),
    "close": QT_TRANSLATE_NOOP("ComplaintStep", "Close"),
    "rectify": QT_TRANSLATE_NOOP("ComplaintStep", "Rectify"),
    "complex_answer": QT_TRANSLATE_NOOP("ComplaintStep", "Answer (complex dispute)"),
}
# Far enough for the longest limit (180 days) over the longest run of closed days.
_MAX_SCAN_DAYS = 3 * 366


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # A naive time could be local or UTC; guessing would shift every deadline.
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A deadline needs a time with its time zone.")
        )
    return moment


def due_after_hours(received: datetime, hours: int) -> datetime:
    """``hours`` of clock time after receipt (holidays included: someone is on duty)."""
    if hours < 0:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "A time limit cannot be negative."))
    # In UTC: adding to a local time adds wall-clock hours, wrong across a clock change.
    return _aware(received).astimezone(UTC) + timedelta(hours=hours)


def counted(day: date, calendar: str, closed: Collection[date], skip_holidays: bool) -> bool:
    """Whether ``day`` counts towards a limit in days."""
    if not skip_holidays:
        return True
    return day not in closed and not holidays.day_info(day, calendar).is_holiday


def due_after_days(
    received: datetime,
    days: int,
    *,
    zone: ZoneInfo,
    calendar: str,
    closed: Collection[date] = (),
    skip_holidays: bool = True,
) -> datetime:
    """The end of the ``days``-th counted day after the local day of receipt (UTC);
    0 days: the end of the day of receipt.

    A counted day is any day when ``skip_holidays`` is off; otherwise one that is not
    a public holiday of ``calendar`` and not in ``closed`` (the clinic's closures).
    Weekends count: a private clinic works them, and the seeds name holidays only.
    """
    if days < 0:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "A time limit cannot be negative."))
    day = _aware(received).astimezone(zone).date()
    left = days
    for _ in range(_MAX_SCAN_DAYS):
        if left == 0:
            break
        day += timedelta(days=1)
        if counted(day, calendar, closed, skip_holidays):
            left -= 1
    else:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "No deadline can be found: the clinic is closed on every day for years "
                "ahead. Check the clinic's closures.",
            )
        )
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return end.astimezone(UTC)


@dataclass(frozen=True)
class Deadline:
    step: str  # a key of STEP_LABELS
    due: datetime  # UTC

    def left(self, now: datetime) -> timedelta:
        """Time left (negative: overdue by that much)."""
        return self.due - _aware(now)


def complaint_deadlines(
    received: datetime,
    limits: Mapping[str, object],
    *,
    zone: ZoneInfo,
    calendar: str,
    closed: Collection[date] = (),
) -> tuple[Deadline, ...]:
    """Every step's deadline for a complaint received at ``received``, in step order.

    ``limits`` is the clinic's settings (``clinic.settings()``): the step limits and
    ``complaints.skip_holidays``.
    """
    skip = bool(limits["complaints.skip_holidays"])
    out: list[Deadline] = []
    for step, key, in_days in STEPS:
        amount = int(str(limits[key]))
        if in_days:
            due = due_after_days(
                received, amount, zone=zone, calendar=calendar, closed=closed, skip_holidays=skip
            )
        else:
            due = due_after_hours(received, amount)
        out.append(Deadline(step, due))
    return tuple(out)


def next_deadline(deadlines: Collection[Deadline], done: Collection[str]) -> Deadline | None:
    """The earliest deadline of a step not yet done, overdue or not."""
    open_ = [d for d in deadlines if d.step not in done]
    return min(open_, key=lambda d: d.due) if open_ else None
