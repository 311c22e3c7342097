"""Interval arithmetic for rosters and free slots (spec A3, A6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_desk.core.rules import slots

minute = st.integers(min_value=0, max_value=1440)
span = st.tuples(minute, minute)
spans = st.lists(span, max_size=8)


def test_subtract_examples() -> None:
    """A3: a day 08:00-12:00 and 13:00-17:00 with a 10:00-10:30 booking."""
    day = [(480, 720), (780, 1020)]
    assert slots.subtract(day, [(600, 630)]) == [(480, 600), (630, 720), (780, 1020)]
    assert slots.subtract(day, [(700, 800)]) == [(480, 700), (800, 1020)]
    assert slots.subtract(day, [(0, 1440)]) == []
    assert slots.subtract(day, []) == day
    assert slots.subtract([], [(0, 10)]) == []
    # Half-open: touching is not overlapping.
    assert slots.subtract([(480, 720)], [(720, 780)]) == [(480, 720)]


def test_normalize_merges_and_drops_empty() -> None:
    assert slots.normalize([(600, 660), (480, 600), (700, 690), (650, 700)]) == [(480, 700)]
    assert slots.union([(0, 10)], [(20, 30)], [(10, 20)]) == [(0, 30)]
    assert slots.intersect([(0, 100)], [(50, 150), (10, 20)]) == [(10, 20), (50, 100)]
    assert slots.covers([(0, 60), (60, 120)], (30, 90))
    assert not slots.covers([(0, 60)], (30, 90))
    assert not slots.covers([(0, 60)], (30, 30))
    assert slots.overlaps((0, 10), (9, 20)) and not slots.overlaps((0, 10), (10, 20))
    assert slots.total_minutes([(0, 30), (15, 45)]) == 45


def test_free_slots_on_the_grid() -> None:
    """A6: remaining free slots; starts align to the slot grid from midnight."""
    work = [(480, 720)]
    busy = [(490, 520)]  # 08:10-08:40 (a moved booking off the grid)
    free = slots.free_slots(work, busy, slot_minutes=15, length_minutes=15)
    assert free[:3] == [525, 540, 555]
    assert slots.free_slots(work, [], slot_minutes=15, length_minutes=240) == [480]
    assert slots.free_slots(work, [], slot_minutes=15, length_minutes=241) == []
    assert slots.free_slots(work, [], slot_minutes=15, length_minutes=30, not_before=700) == []
    assert slots.free_slots(work, [], slot_minutes=15, length_minutes=15, not_before=701) == [705]
    assert slots.free_slots(work, [], slot_minutes=15, length_minutes=15, limit=2) == [480, 495]
    assert slots.first_fit(work, busy, slot_minutes=15, length_minutes=30) == 525
    assert slots.first_fit(work, [(480, 720)], slot_minutes=15, length_minutes=15) is None


def test_bad_lengths_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="slot_minutes"):
        slots.free_slots([(0, 60)], [], slot_minutes=0, length_minutes=15)
    with pytest.raises(ValueError, match="length_minutes"):
        slots.free_slots([(0, 60)], [], slot_minutes=15, length_minutes=0)
    assert slots.free_slots([(0, 60)], [], slot_minutes=15, length_minutes=15, limit=0) == []


def test_free_slots_with_instants() -> None:
    """Datetimes: seconds in a busy span never yield an overlapping slot."""
    zone = ZoneInfo("Asia/Shanghai")
    day = date(2026, 11, 23)
    work = slots.spans_to_utc(day, [(480, 600)], zone)
    assert work == [
        (datetime(2026, 11, 23, 0, 0, tzinfo=UTC), datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    ]
    busy = [(work[0][0], work[0][0] + timedelta(minutes=15, seconds=1))]
    origin = slots.local_to_utc(day, 0, zone)
    free = slots.free_slots(work, busy, slot_minutes=15, length_minutes=15, origin=origin)
    assert free[0] == work[0][0] + timedelta(minutes=30)
    assert all(not slots.overlaps((s, s + timedelta(minutes=15)), busy[0]) for s in free)
    first = slots.first_fit(
        work, [], slot_minutes=15, length_minutes=15, not_before=work[0][0] + timedelta(minutes=1)
    )
    assert first == work[0][0] + timedelta(minutes=15)


def test_local_time_across_daylight_saving() -> None:
    """Issue 5 bad input: clinics outside China see DST changes (Sydney, spring forward)."""
    zone = ZoneInfo("Australia/Sydney")
    change = date(2026, 10, 4)  # 02:00 -> 03:00
    start, end = slots.day_bounds_utc(change, zone)
    assert end - start == timedelta(hours=23)
    autumn = date(2026, 4, 5)  # 03:00 -> 02:00
    start, end = slots.day_bounds_utc(autumn, zone)
    assert end - start == timedelta(hours=25)
    # The skipped hour gives no working time; the rest of the day is intact.
    spans = slots.spans_to_utc(change, [(120, 180), (480, 720)], zone)
    assert [(e - s) for s, e in spans] == [timedelta(hours=4)]
    assert slots.utc_to_local(spans[0][0], zone) == (change, 480)
    assert slots.local_to_utc(change, 1440, zone) == slots.local_to_utc(date(2026, 10, 5), 0, zone)
    with pytest.raises(ValueError, match="minute"):
        slots.local_to_utc(change, 1441, zone)
    with pytest.raises(ValueError, match="time zone"):
        slots.utc_to_local(datetime(2026, 1, 1), zone)


@settings(max_examples=200, deadline=None)
@given(spans, spans)
def test_subtract_properties(free: list[tuple[int, int]], busy: list[tuple[int, int]]) -> None:
    result = slots.subtract(free, busy)
    assert result == slots.normalize(result)
    for piece in result:
        assert slots.covers(free, piece)
        assert not any(slots.overlaps(piece, b) for b in busy)
    # Nothing free was lost: result plus the busy parts inside free give back free.
    assert slots.union(result, slots.intersect(free, busy)) == slots.normalize(free)


@settings(max_examples=200, deadline=None)
@given(
    spans,
    spans,
    st.sampled_from([5, 10, 15, 20, 30, 60]),
    st.integers(min_value=1, max_value=240),
    st.one_of(st.none(), minute),
)
def test_free_slots_properties(
    work: list[tuple[int, int]],
    busy: list[tuple[int, int]],
    slot: int,
    length: int,
    not_before: int | None,
) -> None:
    """A3, A6: free slots never overlap busy time, stay inside working time, sit on the grid."""
    found = slots.free_slots(
        work, busy, slot_minutes=slot, length_minutes=length, not_before=not_before
    )
    assert found == sorted(set(found))
    for start in found:
        piece = (start, start + length)
        assert start % slot == 0
        assert slots.covers(work, piece)
        assert not any(slots.overlaps(piece, b) for b in busy)
        assert not_before is None or start >= not_before
    first = slots.first_fit(
        work, busy, slot_minutes=slot, length_minutes=length, not_before=not_before
    )
    assert first == (found[0] if found else None)


@settings(max_examples=100, deadline=None)
@given(spans, spans, st.sampled_from(["Asia/Shanghai", "Asia/Kolkata", "America/New_York"]))
def test_free_slots_agree_between_minutes_and_instants(
    work: list[tuple[int, int]], busy: list[tuple[int, int]], zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    day = date(2026, 11, 23)
    as_minutes = slots.free_slots(work, busy, slot_minutes=15, length_minutes=30)
    as_instants = slots.free_slots(
        slots.spans_to_utc(day, work, zone),
        slots.spans_to_utc(day, busy, zone),
        slot_minutes=15,
        length_minutes=30,
        origin=slots.local_to_utc(day, 0, zone),
    )
    assert [slots.local_to_utc(day, m, zone) for m in as_minutes] == as_instants
