"""Recurrence rules for appointment series (spec A6; issue 5, recurring appointments)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules.recurrence import (
    Rule,
    occurrences,
    parse_weekdays,
    weekdays_text,
)

HORIZON = date(2027, 12, 31)


def test_every_eight_weeks_on_two_weekdays() -> None:
    """A6: "every 8 weeks" works, on Tuesday and Friday, counted from the first week."""
    rule = Rule(
        frequency="weekly", interval=8, weekdays=frozenset({1, 4}), first_day=date(2026, 11, 25)
    )
    days = occurrences(rule, horizon=date(2027, 6, 1), limit=200)
    # The first week's Tuesday (24th) is before the first day, so it is left out.
    assert days == [
        date(2026, 11, 27),
        date(2027, 1, 19),
        date(2027, 1, 22),
        date(2027, 3, 16),
        date(2027, 3, 19),
        date(2027, 5, 11),
        date(2027, 5, 14),
    ]


def test_weekly_without_weekdays_uses_the_first_days_weekday() -> None:
    """A6: an empty weekday set means the first day's weekday."""
    rule = Rule(frequency="weekly", first_day=date(2026, 11, 23), count=3)
    assert occurrences(rule, horizon=HORIZON, limit=200) == [
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]


def test_monthly_on_the_31st_skips_short_months() -> None:
    """A6: monthly on the 31st skips April, June ... and February, never drifts."""
    rule = Rule(frequency="monthly", first_day=date(2026, 1, 31), until=date(2026, 12, 31))
    days = occurrences(rule, horizon=HORIZON, limit=200)
    assert [d.month for d in days] == [1, 3, 5, 7, 8, 10, 12]
    assert all(d.day == 31 for d in days)


def test_monthly_on_29_february_only_in_leap_years() -> None:
    """A6: a yearly-like monthly rule (every 12 months) on 29 February."""
    rule = Rule(frequency="monthly", interval=12, first_day=date(2024, 2, 29))
    days = occurrences(rule, horizon=date(2033, 1, 1), limit=200)
    assert days == [date(2024, 2, 29), date(2028, 2, 29), date(2032, 2, 29)]


def test_daily_every_three_days_until_a_date() -> None:
    """A6: every N days, ending on the until date inclusive."""
    rule = Rule(
        frequency="daily", interval=3, first_day=date(2026, 11, 23), until=date(2026, 12, 5)
    )
    assert occurrences(rule, horizon=HORIZON, limit=200) == [
        date(2026, 11, 23),
        date(2026, 11, 26),
        date(2026, 11, 29),
        date(2026, 12, 2),
        date(2026, 12, 5),
    ]


def test_count_and_until_both_apply() -> None:
    """A6: whichever of count and until comes first ends the series."""
    rule = Rule(frequency="daily", first_day=date(2026, 11, 23), until=date(2026, 11, 25), count=9)
    assert len(occurrences(rule, horizon=HORIZON, limit=200)) == 3
    rule = Rule(frequency="daily", first_day=date(2026, 11, 23), until=date(2026, 12, 25), count=2)
    assert len(occurrences(rule, horizon=HORIZON, limit=200)) == 2


def test_open_ended_runs_to_the_horizon_and_is_capped_by_the_limit() -> None:
    """A6: no end → up to the horizon; the clinic's limit caps it (extended later)."""
    rule = Rule(frequency="weekly", first_day=date(2026, 11, 23))
    days = occurrences(rule, horizon=date(2027, 5, 22), limit=200)
    assert days[-1] <= date(2027, 5, 22) and len(days) == 26
    daily = Rule(frequency="daily", first_day=date(2026, 11, 23))
    assert len(occurrences(daily, horizon=date(2029, 1, 1), limit=50)) == 50


def test_after_leaves_out_earlier_days_but_count_still_counts_them() -> None:
    """A6: extending a series writes only the new days."""
    rule = Rule(frequency="daily", first_day=date(2026, 11, 23), count=5)
    assert occurrences(rule, horizon=HORIZON, limit=200, after=date(2026, 11, 25)) == [
        date(2026, 11, 26),
        date(2026, 11, 27),
    ]


def test_weekday_text_round_trip() -> None:
    assert weekdays_text(frozenset({4, 0, 2})) == "0,2,4"
    assert parse_weekdays("0,2,4") == frozenset({0, 2, 4})
    assert parse_weekdays("") == frozenset()


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (Rule(frequency="daily", interval=0, first_day=date(2026, 1, 1)), "interval"),
        (Rule(frequency="weekly", interval=-2, first_day=date(2026, 1, 1)), "interval"),
        (Rule(frequency="daily", interval=10**6, first_day=date(2026, 1, 1)), "interval"),
        (Rule(frequency="yearly", first_day=date(2026, 1, 1)), "daily, weekly or monthly"),
        (Rule(frequency="'; DROP TABLE appointment;--", first_day=date(2026, 1, 1)), "daily"),
        (Rule(frequency="每周", first_day=date(2026, 1, 1)), "daily, weekly or monthly"),
        (
            Rule(frequency="daily", first_day=date(2026, 1, 10), until=date(2026, 1, 9)),
            "before its first day",
        ),
        (
            Rule(frequency="weekly", weekdays=frozenset({7}), first_day=date(2026, 1, 1)),
            "0 (Monday) to 6",
        ),
        (
            Rule(frequency="weekly", weekdays=frozenset({-1}), first_day=date(2026, 1, 1)),
            "0 (Monday) to 6",
        ),
        (
            Rule(frequency="daily", weekdays=frozenset({1}), first_day=date(2026, 1, 1)),
            "only be chosen for a weekly",
        ),
        (Rule(frequency="daily", first_day=date(2026, 1, 1), count=0), "at least 1"),
        (Rule(frequency="daily", first_day=date(2026, 1, 1), count=10**9), "at most 200"),
        (Rule(frequency="daily", first_day=date(2026, 1, 1), count=201), "at most 200"),
    ],
)
def test_bad_rules_are_refused_with_a_sentence(rule: Rule, words: str) -> None:
    """A6, bad input: interval 0, until before first day, weekdays out of range, huge count."""
    with pytest.raises(ValidationError) as info:
        occurrences(rule, horizon=HORIZON, limit=200)
    assert words in info.value.message()
    assert info.value.message().endswith(".")


def test_until_with_too_many_occurrences_is_refused() -> None:
    """A6: a daily series for three years cannot be written in one go; the sentence says why."""
    rule = Rule(frequency="daily", first_day=date(2026, 1, 1), until=date(2028, 12, 31))
    with pytest.raises(ValidationError, match="earlier end date"):
        occurrences(rule, horizon=date(2029, 1, 1), limit=200)


def test_near_the_end_of_the_calendar_does_not_crash() -> None:
    """Bad input: a first day in year 9999 ends quietly instead of overflowing."""
    rule = Rule(frequency="daily", interval=365, first_day=date(9999, 6, 1))
    assert occurrences(rule, horizon=date.max, limit=200) == [date(9999, 6, 1)]
    monthly = Rule(frequency="monthly", interval=60, first_day=date(9999, 6, 1))
    assert occurrences(monthly, horizon=date.max, limit=200) == [date(9999, 6, 1)]


_FIRST = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def _rules(draw: st.DrawFn) -> Rule:
    frequency = draw(st.sampled_from(["daily", "weekly", "monthly"]))
    top = {"daily": 30, "weekly": 10, "monthly": 6}[frequency]
    first = draw(_FIRST)
    weekdays: frozenset[int] = frozenset()
    if frequency == "weekly":
        weekdays = draw(st.frozensets(st.integers(0, 6), max_size=7))
    until = draw(st.none() | st.dates(min_value=first, max_value=first + timedelta(days=800)))
    count = draw(st.none() | st.integers(1, 200))
    return Rule(
        frequency=frequency,
        interval=draw(st.integers(1, top)),
        weekdays=weekdays,
        first_day=first,
        until=until,
        count=count,
    )


@settings(max_examples=300, deadline=None)
@given(rule=_rules(), horizon_days=st.integers(0, 900))
def test_occurrence_properties(rule: Rule, horizon_days: int) -> None:
    """A6: sorted, unique, within first day/until/horizon, on the weekdays, evenly spaced."""
    horizon = rule.first_day + timedelta(days=horizon_days)
    try:
        days = occurrences(rule, horizon=horizon, limit=200)
    except ValidationError as error:
        # Only a dated series with more than the limit is refused.
        assert rule.until is not None and "earlier end date" in error.message()
        return
    assert days == sorted(set(days))
    assert len(days) <= 200
    if rule.count is not None:
        assert len(days) <= rule.count
    for day in days:
        assert rule.first_day <= day <= horizon
        if rule.until is not None:
            assert day <= rule.until
    if rule.frequency == "daily":
        assert all((b - a).days == rule.interval for a, b in itertools.pairwise(days))
        if days:
            assert days[0] == rule.first_day
    elif rule.frequency == "weekly":
        allowed = rule.weekdays or frozenset({rule.first_day.weekday()})
        assert {d.weekday() for d in days} <= allowed
        monday = rule.first_day - timedelta(days=rule.first_day.weekday())
        assert all(((d - monday).days // 7) % rule.interval == 0 for d in days)
    else:
        assert all(d.day == rule.first_day.day for d in days)
        months = [
            (d.year * 12 + d.month) - (rule.first_day.year * 12 + rule.first_day.month)
            for d in days
        ]
        assert all(m % rule.interval == 0 for m in months)
