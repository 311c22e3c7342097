"""Complaint deadlines (spec F4): clock hours, and days that skip public holidays (节假日顺延).

Groundwork for issue 10; the 2026 National Day holiday in the CN calendar is
2026-10-01 .. 2026-10-07 (checked against the calendar itself below).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import deadlines, holidays
from clinic_desk.core.settings_catalog import default_values

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_the_national_day_holiday_is_what_these_tests_assume() -> None:
    week = [date(2026, 10, 1) + timedelta(days=i) for i in range(7)]
    assert all(holidays.day_info(d, "CN").is_holiday for d in week)
    assert not holidays.day_info(date(2026, 9, 30), "CN").is_holiday
    assert not holidays.day_info(date(2026, 10, 8), "CN").is_holiday


def test_received_on_the_eve_of_the_7_day_holiday_day_deadlines_land_after_it() -> None:
    eve = local(2026, 9, 30, 17, 0)
    found = {
        d.step: d.due.astimezone(SHANGHAI)
        for d in deadlines.complaint_deadlines(eve, default_values(), zone=SHANGHAI, calendar="CN")
    }
    # Hours run on the clock: someone is on duty over the holiday.
    assert found["accept"] == local(2026, 9, 30, 18, 0)
    assert found["contact"] == local(2026, 9, 30, 19, 0)
    assert found["solution"] == local(2026, 10, 2, 17, 0)
    # Days skip Oct 1-7: 1 day is the end of Oct 8; 7 days the end of Oct 14.
    assert found["simple_answer"] == local(2026, 10, 9, 0, 0)
    assert found["close"] == local(2026, 10, 15, 0, 0)
    assert found["rectify"] == local(2026, 10, 23, 0, 0)
    assert found["complex_answer"] == local(2026, 10, 28, 0, 0)


def test_without_skipping_days_are_calendar_days() -> None:
    eve = local(2026, 9, 30, 17, 0)
    limits = {**default_values(), "complaints.skip_holidays": False}
    close = next(
        d
        for d in deadlines.complaint_deadlines(eve, limits, zone=SHANGHAI, calendar="CN")
        if d.step == "close"
    )
    assert close.due == local(2026, 10, 8, 0, 0).astimezone(UTC)


def test_weekends_count_and_a_clinic_closure_does_not() -> None:
    friday = local(2026, 11, 20, 10, 0)
    assert deadlines.due_after_days(friday, 1, zone=SHANGHAI, calendar="CN") == local(
        2026, 11, 22, 0, 0
    )  # Saturday counts
    closed = {date(2026, 11, 21)}
    assert deadlines.due_after_days(
        friday, 1, zone=SHANGHAI, calendar="CN", closed=closed
    ) == local(2026, 11, 23, 0, 0)


def test_the_day_of_receipt_is_the_clinics_local_day() -> None:
    # 23:30 in Shanghai is 15:30 UTC the same date; 00:30 is the previous UTC date.
    late = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 23:30 local, Monday
    early = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 00:30 local, Tuesday
    one_day = {"zone": SHANGHAI, "calendar": "CN"}
    assert deadlines.due_after_days(late, 1, **one_day) == local(2026, 11, 25, 0, 0)
    assert deadlines.due_after_days(early, 1, **one_day) == local(2026, 11, 26, 0, 0)
    assert deadlines.due_after_days(late, 0, **one_day) == local(2026, 11, 24, 0, 0)


def test_a_day_limit_across_a_clock_change_ends_at_local_midnight() -> None:
    london = ZoneInfo("Europe/London")  # clocks go back on 2026-10-25
    received = datetime(2026, 10, 24, 9, 0, tzinfo=london)
    due = deadlines.due_after_days(received, 2, zone=london, calendar="none")
    assert due.astimezone(london) == datetime(2026, 10, 27, 0, 0, tzinfo=london)
    # An hour limit is real time: 24 hours over the change is 08:00 local.
    assert deadlines.due_after_hours(received, 24).astimezone(london).hour == 8


def test_bad_inputs_get_a_sentence() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        deadlines.due_after_hours(datetime(2026, 1, 1, 9, 0), 1)
    with pytest.raises(ValidationError, match="negative"):
        deadlines.due_after_days(local(2026, 1, 1, 9), -1, zone=SHANGHAI, calendar="CN")
    always_closed = {date(2026, 1, 1) + timedelta(days=i) for i in range(1200)}
    with pytest.raises(ValidationError, match="closed on every day"):
        deadlines.due_after_days(
            local(2026, 1, 1, 9), 1, zone=SHANGHAI, calendar="CN", closed=always_closed
        )


def test_next_deadline_is_the_earliest_open_step() -> None:
    found = deadlines.complaint_deadlines(
        local(2026, 9, 30, 17, 0), default_values(), zone=SHANGHAI, calendar="CN"
    )
    first = deadlines.next_deadline(found, done=set())
    assert first is not None and first.step == "accept"
    after = deadlines.next_deadline(found, done={"accept", "contact"})
    assert after is not None and after.step == "solution"
    assert after.left(local(2026, 10, 2, 18, 0)) == -timedelta(hours=1)  # an hour overdue
    assert deadlines.next_deadline(found, done={s for s, _k, _d in deadlines.STEPS}) is None


@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=0, max_value=40),
)
@settings(max_examples=150, deadline=None)
def test_skipping_only_ever_moves_a_deadline_later_by_the_days_skipped(
    start: datetime, days: int
) -> None:
    plain = deadlines.due_after_days(start, days, zone=SHANGHAI, calendar="none")
    skipped = deadlines.due_after_days(start, days, zone=SHANGHAI, calendar="CN")
    assert skipped >= plain
    # Between receipt and the due day, exactly `days` days counted.
    first = start.astimezone(SHANGHAI).date() + timedelta(days=1)
    last = skipped.astimezone(SHANGHAI).date() - timedelta(days=1)
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert sum(1 for d in span if not holidays.day_info(d, "CN").is_holiday) == days
    assert days == 0 or not holidays.day_info(last, "CN").is_holiday  # never due on a holiday
