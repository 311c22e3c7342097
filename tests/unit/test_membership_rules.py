"""Membership periods, quotas across period boundaries and pro-rata changes (spec H1-H2,
issue 11's groundwork): pure rules, no clinic needed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import membership as m

YEAR = m.Period("year")
MONTH = m.Period("month")
QUARTER = m.Period("month", 3)


@pytest.mark.parametrize(
    ("anchor", "period", "n", "expected"),
    [
        (date(2026, 1, 31), MONTH, 1, date(2026, 2, 28)),  # clamped in a short month
        (date(2026, 1, 31), MONTH, 2, date(2026, 3, 31)),  # and back: no drift to the 28th
        (date(2027, 12, 31), MONTH, 2, date(2028, 2, 29)),  # a leap February
        (date(2028, 2, 29), YEAR, 1, date(2029, 2, 28)),
        (date(2028, 2, 29), YEAR, 4, date(2032, 2, 29)),
        (date(2026, 11, 30), QUARTER, 1, date(2027, 2, 28)),
        (date(2026, 11, 30), QUARTER, 2, date(2027, 5, 30)),
    ],
)
def test_periods_keep_to_the_anchor_day(
    anchor: date, period: m.Period, n: int, expected: date
) -> None:
    assert m.period_start(anchor, period, n) == expected


def test_a_membership_ends_the_day_before_the_next_period() -> None:
    assert m.end_after(date(2026, 3, 15), YEAR) == date(2027, 3, 14)
    assert m.end_after(date(2026, 1, 31), MONTH, 1) == date(2026, 2, 27)
    assert m.end_after(date(2026, 1, 31), MONTH, 2) == date(2026, 3, 30)
    with pytest.raises(ValidationError):
        m.end_after(date(2026, 1, 1), YEAR, 0)


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 3, 15), date(2026, 3, 15), date(2027, 3, 14)),  # the first day
        (date(2027, 3, 14), date(2026, 3, 15), date(2027, 3, 14)),  # the last day of year 1
        (date(2027, 3, 15), date(2027, 3, 15), date(2028, 3, 14)),  # the boundary
        (date(2030, 1, 1), date(2029, 3, 15), date(2030, 3, 14)),
    ],
)
def test_the_period_holding_a_day(day: date, first: date, last: date) -> None:
    _n, got_first, got_last = m.period_of(date(2026, 3, 15), YEAR, day)
    assert (got_first, got_last) == (first, last)


def test_quota_per_period_across_the_boundary() -> None:
    # Advanced tier: four home visits a membership year from 15 March.
    anchor = date(2026, 3, 15)
    uses = [
        m.Use(date(2026, 4, 1)),
        m.Use(date(2026, 9, 9)),
        m.Use(date(2027, 1, 20)),
        m.Use(date(2027, 3, 14)),  # the last day of year 1
        m.Use(date(2027, 3, 15)),  # the first of year 2
    ]
    year1 = m.quota_state(anchor, YEAR, 4, uses, date(2027, 3, 14))
    assert (year1.first, year1.last, year1.used, year1.left) == (
        date(2026, 3, 15),
        date(2027, 3, 14),
        4,
        0,
    )
    year2 = m.quota_state(anchor, YEAR, 4, uses, date(2027, 3, 15))
    assert (year2.first, year2.used, year2.left, year2.overdrawn) == (
        date(2027, 3, 15),
        1,
        3,
        False,
    )
    # A use undone (a cancelled home visit) gives the allowance back.
    undone = [*uses, m.Use(date(2027, 3, 20), -1)]
    assert m.quota_state(anchor, YEAR, 4, undone, date(2027, 3, 20)).left == 4


def test_two_desks_offline_overdraw_and_the_director_is_told() -> None:
    anchor = date(2026, 1, 31)
    # Monthly allowance of 2; two desks each book the last one of February offline.
    uses = [
        m.Use(date(2026, 2, 1)),
        m.Use(date(2026, 2, 20)),  # desk A
        m.Use(date(2026, 2, 27)),  # desk B, same period (it ends on 27 February)
        m.Use(date(2026, 2, 28)),  # the next period already
    ]
    state = m.quota_state(anchor, MONTH, 2, uses, date(2026, 2, 27))
    assert (state.first, state.last, state.used, state.left) == (
        date(2026, 1, 31),
        date(2026, 2, 27),
        3,
        -1,
    )
    assert state.overdrawn
    over = m.overdrafts(anchor, MONTH, 2, uses)
    assert [(o.first, o.last, o.used) for o in over] == [(date(2026, 1, 31), date(2026, 2, 27), 3)]
    assert m.overdrafts(anchor, MONTH, 3, uses) == []


@given(
    anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    months=st.sampled_from([1, 2, 3, 6, 12, 24]),
    offset=st.integers(min_value=0, max_value=4000),
)
def test_periods_tile_the_calendar(anchor: date, months: int, offset: int) -> None:
    """Every day after the anchor is in exactly one period, and periods are contiguous."""
    period = m.Period("month", months)
    day = anchor + timedelta(days=offset)
    n, first, last = m.period_of(anchor, period, day)
    assert first <= day <= last
    assert first == m.period_start(anchor, period, n)
    assert last + timedelta(days=1) == m.period_start(anchor, period, n + 1)
    if n:
        assert m.period_start(anchor, period, n - 1) < first


@given(
    uses=st.lists(
        st.tuples(st.integers(min_value=0, max_value=1500), st.integers(min_value=1, max_value=3)),
        max_size=40,
    ),
    quota=st.integers(min_value=0, max_value=10),
)
def test_overdrafts_agree_with_the_state_of_each_period(
    uses: list[tuple[int, int]], quota: int
) -> None:
    anchor = date(2026, 2, 28)
    rows = [m.Use(anchor + timedelta(days=d), c) for d, c in uses]
    flagged = {o.first for o in m.overdrafts(anchor, QUARTER, quota, rows)}
    for use in rows:
        state = m.quota_state(anchor, QUARTER, quota, rows, use.day)
        assert state.overdrawn == (state.first in flagged)
    assert sum(u.count for u in rows) == sum(
        m.quota_state(anchor, QUARTER, quota, rows, first).used
        for first in {m.period_of(anchor, QUARTER, u.day)[1] for u in rows}
    )


def test_changing_tier_under_each_rule() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    # Basic 1,200.00 a year to advanced 3,650.00, on 2 July (183 of 365 days left).
    daily = m.change_tier(
        old_price=120000, new_price=365000, period=YEAR, start=start, end=end,
        day=date(2026, 7, 2), rule="daily",
    )  # fmt: skip
    assert (daily.credit, daily.charge, daily.starts, daily.ends) == (
        60164,
        183000,
        date(2026, 7, 2),
        end,
    )
    assert daily.due == 183000 - 60164
    monthly = m.change_tier(
        old_price=120000, new_price=360000, period=YEAR, start=start, end=end,
        day=date(2026, 7, 2), rule="monthly",
    )  # fmt: skip
    # January to July begun (July is the old tier's): five whole months left of twelve.
    assert (monthly.credit, monthly.charge) == (50000, 150000)
    none = m.change_tier(
        old_price=120000, new_price=360000, period=YEAR, start=start, end=end,
        day=date(2026, 7, 2), rule="none",
    )  # fmt: skip
    assert (none.credit, none.charge, none.starts, none.ends) == (
        0,
        360000,
        date(2026, 7, 2),
        date(2027, 7, 1),
    )
    # A downgrade refunds: the member pays less than nothing.
    down = m.change_tier(
        old_price=360000, new_price=120000, period=YEAR, start=start, end=end,
        day=date(2026, 7, 2), rule="daily",
    )  # fmt: skip
    assert down.due < 0


@given(
    old=st.integers(min_value=0, max_value=10_000_000),
    new=st.integers(min_value=0, max_value=10_000_000),
    offset=st.integers(min_value=0, max_value=364),
    rule=st.sampled_from(["daily", "monthly"]),
)
def test_changing_and_changing_back_costs_nothing(
    old: int, new: int, offset: int, rule: str
) -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    day = start + timedelta(days=offset)
    there = m.change_tier(
        old_price=old, new_price=new, period=YEAR, start=start, end=end, day=day, rule=rule
    )
    back = m.change_tier(
        old_price=new, new_price=old, period=YEAR, start=start, end=end, day=day, rule=rule
    )
    assert there.due + back.due == 0
    assert 0 <= there.credit <= old and 0 <= there.charge <= new


@pytest.mark.parametrize(
    "bad",
    [
        {"old_price": -1},
        {"new_price": -100},
        {"old_price": True},
        {"rule": "weekly"},
        {"day": date(2027, 1, 1)},  # after the end: renew instead
        {"day": date(2025, 12, 31)},
    ],
)
def test_bad_changes_are_refused(bad: dict[str, object]) -> None:
    args: dict[str, object] = {
        "old_price": 100,
        "new_price": 200,
        "period": YEAR,
        "start": date(2026, 1, 1),
        "end": date(2026, 12, 31),
        "day": date(2026, 6, 1),
        "rule": "daily",
    }
    args.update(bad)
    with pytest.raises(ValidationError) as error:
        m.change_tier(**args)  # type: ignore[arg-type]
    assert error.value.message().endswith(".")


def test_bad_periods_quotas_and_days_are_refused() -> None:
    for unit, count in (("week", 1), ("month", 0), ("year", 121), ("month", True)):
        with pytest.raises(ValidationError):
            m.Period(unit, count)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        m.quota_state(date(2026, 1, 1), YEAR, -1, [], date(2026, 1, 2))
    with pytest.raises(ValidationError, match="before the membership began"):
        m.period_of(date(2026, 1, 1), YEAR, date(2025, 12, 31))


def test_renewal_reminders_from_n_days_before_the_end() -> None:
    end = date(2026, 12, 31)
    assert not m.renewal_due(end, date(2026, 11, 30), 30)
    assert m.renewal_due(end, date(2026, 12, 1), 30)
    assert m.renewal_due(end, end, 30)
    assert not m.renewal_due(end, date(2027, 1, 1), 30)  # lapsed: renewal, not a reminder
    with pytest.raises(ValidationError):
        m.renewal_due(end, end, -1)
