"""Public holidays and adjusted working days (spec A3), per the clinic's calendar.

Pure functions, no database. ``day_info(day, calendar)`` says whether a date is
an ordinary workday, a weekend, a public holiday, or an adjusted working day
(调休: a Saturday or Sunday that is a working day in mainland China, or 補班
in Taiwan).

- "CN": ``chinesecalendar`` (the State Council's announced holidays, with the
  Chinese names), for the years it covers. Later years are announced each
  November; until the package is updated, ``holidays`` supplies its projection
  of the statutory days and ``DayInfo.source`` says so ("holidays").
- "HK", "TW": the ``holidays`` package, with names in English and Chinese.
- "none": only Saturdays and Sundays are marked.

Each (calendar, year) is computed once and cached.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

CALENDARS = ("CN", "HK", "TW", "none")

SOURCE_CHINESE_CALENDAR = "chinesecalendar"
SOURCE_HOLIDAYS = "holidays"
SOURCE_WEEKENDS = "weekends"

# The Chinese name a calendar's own ``holidays`` translation uses.
_ZH_LANGUAGE = {"CN": "zh_CN", "HK": "zh_HK", "TW": "zh_TW"}
# holidays' data for years before 2000 or far ahead are guesses no clinic needs.
_FIRST_YEAR = 1990
_LAST_YEAR = 2100


class DayKind(StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"  # 调休 / 補班: a weekend day worked


@dataclass(frozen=True)
class DayInfo:
    day: date
    kind: DayKind
    name: str = ""  # English name of the holiday (or of the one a 调休 day belongs to)
    name_zh: str = ""  # Chinese name where the source has one
    source: str = SOURCE_WEEKENDS  # which data said so; "holidays" for CN means a projection

    @property
    def is_holiday(self) -> bool:
        return self.kind is DayKind.HOLIDAY

    @property
    def is_working_day(self) -> bool:
        return self.kind in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)


@dataclass(frozen=True)
class _Year:
    source: str
    special: dict[date, tuple[DayKind, str, str]]


def check_calendar(calendar: str) -> str:
    if calendar not in CALENDARS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "There is no holiday calendar called {calendar}. Choose CN (mainland China), "
                "HK (Hong Kong), TW (Taiwan) or none.",
            ),
            calendar=str(calendar)[:20],
        )
    return calendar


def _plain(day: date, source: str) -> DayInfo:
    kind = DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY
    return DayInfo(day, kind, source=source)


def day_info(day: date, calendar: str) -> DayInfo:
    """What kind of day ``day`` is in ``calendar`` ("CN", "HK", "TW" or "none")."""
    check_calendar(calendar)
    if calendar == "none" or not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        return _plain(day, SOURCE_WEEKENDS)
    year = _year(calendar, day.year)
    special = year.special.get(day)
    if special is None:
        return _plain(day, year.source)
    kind, name, name_zh = special
    return DayInfo(day, kind, name, name_zh, year.source)


def days_info(first_day: date, last_day: date, calendar: str) -> list[DayInfo]:
    """``day_info`` for every date from ``first_day`` to ``last_day`` inclusive."""
    count = (last_day - first_day).days + 1
    return [day_info(first_day + timedelta(days=i), calendar) for i in range(max(count, 0))]


def holidays_in(first_day: date, last_day: date, calendar: str) -> list[DayInfo]:
    """The public holidays between two dates inclusive (weekends left out)."""
    return [d for d in days_info(first_day, last_day, calendar) if d.is_holiday]


@functools.lru_cache(maxsize=256)
def _year(calendar: str, year: int) -> _Year:
    if calendar == "CN":
        try:
            return _china_year(year)
        except NotImplementedError:
            pass  # not announced yet (or too old): fall back to holidays' projection
    return _holidays_year(calendar, year)


def _china_year(year: int) -> _Year:
    # Both calendars are imported at first use: the sign-in window needs neither
    # (issue 12, start-up time).
    import chinese_calendar

    names_zh = {h.value: h.chinese for h in chinese_calendar.Holiday}
    special: dict[date, tuple[DayKind, str, str]] = {}
    day = date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)  # raises for unknown years
        if name:
            english = str(name)
            zh = names_zh.get(english, "")
            if on_holiday:
                special[day] = (DayKind.HOLIDAY, english, zh)
            elif day.weekday() >= 5:
                special[day] = (DayKind.ADJUSTED_WORKDAY, english, zh)
        day += timedelta(days=1)
    return _Year(SOURCE_CHINESE_CALENDAR, special)


def _holidays_year(calendar: str, year: int) -> _Year:
    import holidays as holidays_lib  # at first use, as in _china_year

    english = holidays_lib.country_holidays(calendar, years=year, language="en_US")
    chinese = holidays_lib.country_holidays(calendar, years=year, language=_ZH_LANGUAGE[calendar])
    special: dict[date, tuple[DayKind, str, str]] = {}
    for day, name in english.items():
        special[day] = (DayKind.HOLIDAY, str(name), str(chinese.get(day, "")))
    # Weekend days declared working days (CN 调休, TW 補班); the set spans years.
    for day in getattr(english, "weekend_workdays", ()):
        if day.year == year and day not in special and day.weekday() >= 5:
            special[day] = (DayKind.ADJUSTED_WORKDAY, "", "")
    return _Year(SOURCE_HOLIDAYS, special)
