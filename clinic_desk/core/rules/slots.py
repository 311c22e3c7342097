"""Interval arithmetic for rosters and the appointment book (spec A3, A6).

Pure functions. A span is a half-open interval ``(start, end)``: it contains
``start`` and stops just before ``end``, so 08:00-12:00 and 12:00-13:00 touch
without overlapping. Points are either local minutes after midnight (``int``,
as rosters store them) or aware ``datetime`` instants (as appointments store
them); one call uses one kind. Empty or reversed spans are ignored.

Free slots start on a grid: every ``slot_minutes`` from ``origin`` (midnight
for minutes; for instants, the caller passes the local midnight of the day, or
the first span's own midnight is used).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar, overload

from clinic_desk.core.errors import DateOutOfRange

P = TypeVar("P", int, datetime)

MINUTES_PER_DAY = 24 * 60
_MINUTE = timedelta(minutes=1)


def normalize(spans: Iterable[tuple[P, P]]) -> list[tuple[P, P]]:
    """Sorted, merged (touching spans joined), empty spans dropped."""
    ordered = sorted((s, e) for s, e in spans if s < e)
    merged: list[tuple[P, P]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def union(*groups: Iterable[tuple[P, P]]) -> list[tuple[P, P]]:
    return normalize(span for group in groups for span in group)


def subtract(spans: Iterable[tuple[P, P]], busy: Iterable[tuple[P, P]]) -> list[tuple[P, P]]:
    """The parts of ``spans`` not covered by any ``busy`` span, normalized."""
    free = normalize(spans)
    taken = normalize(busy)
    result: list[tuple[P, P]] = []
    j = 0
    for start, end in free:
        cursor = start
        # Busy spans ending before this span cannot touch it or any later one.
        while j < len(taken) and taken[j][1] <= cursor:
            j += 1
        k = j
        while k < len(taken) and taken[k][0] < end:
            b_start, b_end = taken[k]
            if b_start > cursor:
                result.append((cursor, b_start))
            if b_end > cursor:
                cursor = b_end
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(a: Iterable[tuple[P, P]], b: Iterable[tuple[P, P]]) -> list[tuple[P, P]]:
    """Where both ``a`` and ``b`` cover, normalized."""
    left, right = normalize(a), normalize(b)
    result: list[tuple[P, P]] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def overlaps(a: tuple[P, P], b: tuple[P, P]) -> bool:
    """True when two non-empty half-open spans share at least one moment."""
    return a[0] < a[1] and b[0] < b[1] and a[0] < b[1] and b[0] < a[1]


def covers(spans: Iterable[tuple[P, P]], span: tuple[P, P]) -> bool:
    """True when ``span`` lies wholly inside the union of ``spans``."""
    if not span[0] < span[1]:
        return False
    return not subtract([span], spans)


def total_minutes(spans: Iterable[tuple[int, int]]) -> int:
    return sum(end - start for start, end in normalize(spans))


# -- free slots ------------------------------------------------------------------


def _check_lengths(slot_minutes: int, length_minutes: int) -> None:
    if slot_minutes <= 0:
        raise ValueError(f"slot_minutes must be positive, not {slot_minutes}")
    if length_minutes <= 0:
        raise ValueError(f"length_minutes must be positive, not {length_minutes}")


def _free_starts(
    free: Sequence[tuple[int, int]], slot: int, length: int, not_before: int | None, limit: int
) -> list[int]:
    """Grid points (multiples of ``slot``) where ``length`` fits in a free span."""
    starts: list[int] = []
    for start, end in free:
        if not_before is not None and start < not_before:
            start = not_before
        first = -(-start // slot) * slot  # the first grid point at or after start
        point = first
        while point + length <= end:
            starts.append(point)
            if len(starts) >= limit:
                return starts
            point += slot
    return starts


def _origin(spans: Sequence[tuple[datetime, datetime]], origin: datetime | None) -> datetime:
    if origin is not None:
        return origin
    first = min(s for s, e in spans if s < e)
    return first.replace(hour=0, minute=0, second=0, microsecond=0)


def _to_minutes(
    spans: Iterable[tuple[datetime, datetime]], origin: datetime, *, inner: bool
) -> list[tuple[int, int]]:
    """Instants as whole minutes after ``origin``; ``inner`` rounds a span inwards
    (free time), otherwise outwards (busy time), so seconds never make an overlap."""
    result: list[tuple[int, int]] = []
    for start, end in spans:
        a = (start - origin) / _MINUTE
        b = (end - origin) / _MINUTE
        result.append((math.ceil(a), math.floor(b)) if inner else (math.floor(a), math.ceil(b)))
    return result


@overload
def free_slots(
    spans: Iterable[tuple[int, int]],
    busy: Iterable[tuple[int, int]],
    *,
    slot_minutes: int,
    length_minutes: int,
    not_before: int | None = None,
    origin: None = None,
    limit: int | None = None,
) -> list[int]: ...


@overload
def free_slots(
    spans: Iterable[tuple[datetime, datetime]],
    busy: Iterable[tuple[datetime, datetime]],
    *,
    slot_minutes: int,
    length_minutes: int,
    not_before: datetime | None = None,
    origin: datetime | None = None,
    limit: int | None = None,
) -> list[datetime]: ...


def free_slots(
    spans: Iterable[tuple[Any, Any]],
    busy: Iterable[tuple[Any, Any]],
    *,
    slot_minutes: int,
    length_minutes: int,
    not_before: Any = None,
    origin: datetime | None = None,
    limit: int | None = None,
) -> list[int] | list[datetime]:
    """Start points on the slot grid where ``length_minutes`` fits inside ``spans``
    without touching ``busy``, in order, none before ``not_before``, at most ``limit``."""
    _check_lengths(slot_minutes, length_minutes)
    cap = limit if limit is not None else math.inf
    if cap <= 0:
        return []
    span_list = [(s, e) for s, e in spans if s < e]
    if not span_list:
        return []
    busy_list = list(busy)
    most = int(min(cap, 10**9))
    if isinstance(span_list[0][0], datetime):
        zero = _origin(span_list, origin)
        free = subtract(
            _to_minutes(span_list, zero, inner=True), _to_minutes(busy_list, zero, inner=False)
        )
        floor = None if not_before is None else math.ceil((not_before - zero) / _MINUTE)
        starts = _free_starts(free, slot_minutes, length_minutes, floor, most)
        return [zero + timedelta(minutes=m) for m in starts]
    return _free_starts(
        subtract(span_list, busy_list), slot_minutes, length_minutes, not_before, most
    )


@overload
def first_fit(
    spans: Iterable[tuple[int, int]],
    busy: Iterable[tuple[int, int]],
    *,
    slot_minutes: int,
    length_minutes: int,
    not_before: int | None = None,
    origin: None = None,
) -> int | None: ...


@overload
def first_fit(
    spans: Iterable[tuple[datetime, datetime]],
    busy: Iterable[tuple[datetime, datetime]],
    *,
    slot_minutes: int,
    length_minutes: int,
    not_before: datetime | None = None,
    origin: datetime | None = None,
) -> datetime | None: ...


def first_fit(
    spans: Iterable[tuple[Any, Any]],
    busy: Iterable[tuple[Any, Any]],
    *,
    slot_minutes: int,
    length_minutes: int,
    not_before: Any = None,
    origin: datetime | None = None,
) -> int | datetime | None:
    """The first start ``free_slots`` would give, or None when nothing fits."""
    found: list[Any] = free_slots(
        spans,
        busy,
        slot_minutes=slot_minutes,
        length_minutes=length_minutes,
        not_before=not_before,
        origin=origin,
        limit=1,
    )
    return found[0] if found else None


# -- local clock times and instants -------------------------------------------------


def local_to_utc(day: date, minute: int, zone: tzinfo) -> datetime:
    """The UTC instant of local ``minute`` after midnight on ``day`` (1440 = next midnight).

    A clock time skipped by a daylight-saving change (02:30 on the spring-forward
    night) is read with the offset before the change, as a wall clock would be;
    a repeated one (the autumn night) is its first occurrence.
    """
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ValueError(f"minute must be within 0..1440, not {minute}")
    days, rest = divmod(minute, MINUTES_PER_DAY)
    try:
        local = datetime.combine(day + timedelta(days=days), time(rest // 60, rest % 60), zone)
        return local.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 typed into a date field
        raise DateOutOfRange() from None


def utc_to_local(moment: datetime, zone: tzinfo) -> tuple[date, int]:
    """The local date and minute after midnight of an aware instant (seconds dropped)."""
    if moment.tzinfo is None:
        raise ValueError("an instant must carry its time zone")
    local = moment.astimezone(zone)
    return local.date(), local.hour * 60 + local.minute


def spans_to_utc(
    day: date, spans: Iterable[tuple[int, int]], zone: tzinfo
) -> list[tuple[datetime, datetime]]:
    """Local-minute spans of ``day`` as UTC instants (empty after a DST gap are dropped)."""
    result = [(local_to_utc(day, s, zone), local_to_utc(day, e, zone)) for s, e in spans]
    return [(s, e) for s, e in result if s < e]


def day_bounds_utc(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC span of one local day (23 or 25 hours on a DST change)."""
    return local_to_utc(day, 0, zone), local_to_utc(day, MINUTES_PER_DAY, zone)


# -- held slots (A10) ---------------------------------------------------------------


def held_slots(
    spans: Iterable[tuple[int, int]], *, slot_minutes: int, count: int
) -> list[tuple[int, int]]:
    """The first ``count`` slots (local minutes) of a working day, held for members
    with priority booking (A10): grid points where a whole slot fits in the day's
    working ``spans``, whatever is booked there."""
    _check_lengths(slot_minutes, slot_minutes)
    if count <= 0:
        return []
    starts = _free_starts(normalize(spans), slot_minutes, slot_minutes, None, count)
    return [(s, s + slot_minutes) for s in starts]
