"""Recurring appointments: the days a rule produces (spec A6, issue 5).

Pure date arithmetic, no store and no clock. Three frequencies:

- ``daily``: every ``interval`` days from ``first_day``;
- ``weekly``: every ``interval`` weeks on the chosen ``weekdays`` (0 = Monday;
  none chosen means the weekday of ``first_day``). Weeks are counted from the
  Monday of ``first_day``'s week, so "every 8 weeks on Tuesday and Friday"
  keeps its rhythm;
- ``monthly``: every ``interval`` months on ``first_day``'s day of the month.
  A month without that day (the 31st in April, the 30th in February) is
  skipped, not moved to the month's last day, so the rhythm never drifts.

``until`` and ``count`` are both optional and both apply (whichever comes
first); with neither the rule is open-ended and runs to the caller's
``horizon``. ``limit`` is the clinic's most occurrences in one series.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

Frequency = Literal["daily", "weekly", "monthly"]
FREQUENCIES: tuple[str, ...] = ("daily", "weekly", "monthly")
# Beyond these the "series" is a single booking a long way off; say so instead.
MAX_INTERVAL = {"daily": 365, "weekly": 104, "monthly": 60}


@dataclass(frozen=True, kw_only=True)
class Rule:
    frequency: str
    first_day: date
    interval: int = 1
    weekdays: frozenset[int] = field(default_factory=frozenset)
    until: date | None = None
    count: int | None = None

    @property
    def open_ended(self) -> bool:
        return self.until is None and self.count is None

    def effective_weekdays(self) -> frozenset[int]:
        if self.frequency != "weekly":
            return frozenset()
        return self.weekdays or frozenset({self.first_day.weekday()})


def weekdays_text(weekdays: frozenset[int]) -> str:
    """The stored form ("0,2,4") of a weekday set."""
    return ",".join(str(d) for d in sorted(weekdays))


def parse_weekdays(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part.strip())


def check(rule: Rule, *, limit: int) -> Rule:
    """Refuse a rule that cannot be meant, with a sentence saying how to fix it."""
    if rule.frequency not in FREQUENCIES:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "Choose how often the appointment repeats: daily, weekly or monthly."
            )
        )
    if isinstance(rule.interval, bool) or not isinstance(rule.interval, int):
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The repeat interval should be a whole number.")
        )
    top = MAX_INTERVAL[rule.frequency]
    if not 1 <= rule.interval <= top:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The repeat interval should be between 1 and {top} ({frequency}); "
                "{interval} is not possible.",
            ),
            top=top,
            frequency=rule.frequency,
            interval=rule.interval,
        )
    if rule.weekdays and rule.frequency != "weekly":
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "Weekdays can only be chosen for a weekly repeat. Clear them, or choose weekly.",
            )
        )
    for day in rule.weekdays:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "A weekday should be 0 (Monday) to 6 (Sunday). Choose the days again.",
                )
            )
    if rule.until is not None and rule.until < rule.first_day:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The series ends ({until}) before its first day ({first}). "
                "Choose an end date on or after the first day.",
            ),
            until=rule.until.isoformat(),
            first=rule.first_day.isoformat(),
        )
    if rule.count is not None:
        if isinstance(rule.count, bool) or not isinstance(rule.count, int) or rule.count < 1:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The number of appointments should be at least 1, or leave it empty "
                    "for a series without a fixed number.",
                )
            )
        if rule.count > limit:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "A series can have at most {limit} appointments; {count} were asked for. "
                    "Choose fewer, or an end date.",
                ),
                limit=limit,
                count=rule.count,
            )
    return rule


def _months_later(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _candidates(rule: Rule) -> Iterator[date]:
    """Every day the rule produces, in order, without an end (the caller stops)."""
    first = rule.first_day
    if rule.frequency == "daily":
        step = timedelta(days=rule.interval)
        day = first
        while True:
            yield day
            day += step
    elif rule.frequency == "weekly":
        weekdays = sorted(rule.effective_weekdays())
        monday = first - timedelta(days=first.weekday())
        step = timedelta(weeks=rule.interval)
        while True:
            for wd in weekdays:
                day = monday + timedelta(days=wd)
                if day >= first:
                    yield day
            monday += step
    else:
        n = 0
        while True:
            year, month = _months_later(first, n * rule.interval)
            if year > 9999:
                return
            if first.day <= calendar.monthrange(year, month)[1]:
                yield date(year, month, first.day)
            n += 1


def occurrences(rule: Rule, *, horizon: date, limit: int, after: date | None = None) -> list[date]:
    """The rule's days up to ``horizon`` (and ``until``), sorted and unique.

    ``count`` counts from the first day; ``after`` leaves out the days on or
    before it (used to extend an open-ended series) while still counting them.
    A rule with an end date that would produce more than ``limit`` days is
    refused; an open-ended one is cut at ``limit`` days (it is extended later).
    """
    check(rule, limit=limit)
    end = horizon if rule.until is None else min(horizon, rule.until)
    produced = 0
    days: list[date] = []
    try:
        for day in _candidates(rule):
            if day > end:
                break
            produced += 1
            if after is None or day > after:
                days.append(day)
                if len(days) > limit:
                    break
            if rule.count is not None and produced >= rule.count:
                break
    except OverflowError:
        pass  # past year 9999: nothing more to produce
    if len(days) > limit:
        if rule.until is not None and rule.until <= horizon:
            raise ValidationError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "Up to {until} this series would have more than {limit} appointments. "
                    "Choose an earlier end date or a longer interval.",
                ),
                until=rule.until.isoformat(),
                limit=limit,
            )
        days = days[:limit]
    return days
