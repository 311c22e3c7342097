"""Public holidays and adjusted working days per calendar (spec A3; issue 5 holidays)."""

from __future__ import annotations

from datetime import date

import pytest

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.rules import holidays
from clinic_desk.core.rules.holidays import DayKind, day_info, days_info, holidays_in


@pytest.mark.parametrize(
    ("day", "calendar", "kind", "name", "name_zh"),
    [
        # Mainland China (chinesecalendar, the State Council's 2026 notice).
        (date(2026, 10, 1), "CN", DayKind.HOLIDAY, "National Day", "国庆节"),
        (date(2026, 2, 17), "CN", DayKind.HOLIDAY, "Spring Festival", "春节"),
        (date(2026, 2, 21), "CN", DayKind.HOLIDAY, "Spring Festival", "春节"),  # a Saturday off
        (date(2026, 2, 14), "CN", DayKind.ADJUSTED_WORKDAY, "Spring Festival", "春节"),  # 调休
        (date(2026, 9, 20), "CN", DayKind.ADJUSTED_WORKDAY, "National Day", "国庆节"),  # Sunday
        (date(2026, 11, 23), "CN", DayKind.WORKDAY, "", ""),  # a normal Monday
        (date(2026, 11, 28), "CN", DayKind.WEEKEND, "", ""),
        # Hong Kong and Taiwan (holidays).
        (date(2026, 12, 25), "HK", DayKind.HOLIDAY, "Christmas Day", "聖誕節"),
        (date(2026, 10, 18), "HK", DayKind.HOLIDAY, "Double Ninth Festival", "重陽節"),
        (date(2026, 2, 28), "TW", DayKind.HOLIDAY, "Peace Memorial Day", "和平紀念日"),
        (date(2026, 11, 23), "HK", DayKind.WORKDAY, "", ""),
        (date(2026, 11, 23), "TW", DayKind.WORKDAY, "", ""),
        # "none": only weekends.
        (date(2026, 10, 1), "none", DayKind.WORKDAY, "", ""),
        (date(2026, 10, 3), "none", DayKind.WEEKEND, "", ""),
    ],
)
def test_known_days(day: date, calendar: str, kind: DayKind, name: str, name_zh: str) -> None:
    """A3: the calendar marks public holidays and 调休 days of the chosen region."""
    info = day_info(day, calendar)
    assert info.day == day
    assert info.kind is kind
    assert info.name == name
    assert info.name_zh == name_zh


def test_china_uses_chinesecalendar_for_known_years() -> None:
    assert day_info(date(2026, 5, 1), "CN").source == holidays.SOURCE_CHINESE_CALENDAR


def test_china_falls_back_to_holidays_for_a_year_not_announced() -> None:
    """A3: a year chinesecalendar does not know yet still has its statutory days, and
    says where they came from (a projection until the State Council announces)."""
    info = day_info(date(2030, 10, 1), "CN")
    assert info.kind is DayKind.HOLIDAY
    assert info.name == "National Day"
    assert info.source == holidays.SOURCE_HOLIDAYS
    assert info.name_zh  # holidays' Chinese translation
    assert day_info(date(2030, 10, 8), "CN").kind is DayKind.WORKDAY


def test_taiwan_make_up_workday_from_holidays() -> None:
    """補班: a Saturday worked in Taiwan is an adjusted working day."""
    info = day_info(date(2014, 12, 27), "TW")
    assert info.kind is DayKind.ADJUSTED_WORKDAY
    assert info.is_working_day


def test_unknown_calendar_is_refused_with_a_sentence() -> None:
    for bad in ("cn", "US", "", "'; DROP TABLE staff; --", "中国"):
        with pytest.raises(ValidationError, match="Choose CN"):
            day_info(date(2026, 1, 1), bad)


def test_far_years_are_plain_weekends() -> None:
    assert day_info(date(1, 1, 1), "CN").source == holidays.SOURCE_WEEKENDS
    assert day_info(date(9999, 12, 31), "HK").kind is DayKind.WORKDAY  # a Friday


def test_ranges_and_caching() -> None:
    days = days_info(date(2026, 9, 28), date(2026, 10, 11), "CN")
    assert len(days) == 14
    assert [d.day.isoformat() for d in days if d.kind is DayKind.ADJUSTED_WORKDAY] == ["2026-10-10"]
    assert [d.day.day for d in holidays_in(date(2026, 10, 1), date(2026, 10, 31), "CN")] == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]
    assert days_info(date(2026, 1, 2), date(2026, 1, 1), "CN") == []
    before = holidays._year.cache_info().hits
    day_info(date(2026, 10, 2), "CN")
    assert holidays._year.cache_info().hits > before


def test_every_day_of_a_year_is_classified_consistently() -> None:
    for calendar in holidays.CALENDARS:
        for info in days_info(date(2026, 1, 1), date(2026, 12, 31), calendar):
            if info.kind is DayKind.ADJUSTED_WORKDAY:
                assert info.day.weekday() >= 5
            if info.kind is DayKind.WORKDAY:
                assert info.day.weekday() < 5
            if info.kind is DayKind.HOLIDAY:
                assert info.name
