"""Membership periods, quotas and pro-rata changes (spec H1-H2), as pure rules.

A membership runs in periods from its start day (its anchor): a year, or N months. A
period of months keeps to the anchor's day of the month, clamped to the month's last
day (a membership begun on 31 January renews on 28 or 29 February, then on 31 March,
not on the 28th for ever after). Each period ends the day before the next begins.

A benefit with a quota (e.g. four home visits a year) is counted per quota period from
the same anchor. Uses are ledger rows, never a synced counter: two desks offline can
each record a use, and after sync the period may hold more uses than its quota; that
overdraft is reported, never hidden or refused after the fact (issue 11).

Money is in whole cents (分), so a refund never gains or loses a fraction.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from clinic_desk.core.errors import ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

UNITS = ("month", "year")
# How a change of tier mid-period is priced (a clinic setting in issue 11):
# none — the new tier starts a new full period, nothing is credited;
# daily — the unused days of the old tier are credited, the new tier charged for the
# days left of the period; monthly — the same, in whole months begun.
PRORATA_RULES = ("none", "daily", "monthly")


@dataclass(frozen=True)
class Period:
    """Every ``count`` months, or ``count`` years."""

    unit: str
    count: int = 1

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "A period is counted in months or years.")
            )
        if (
            isinstance(self.count, bool)
            or not isinstance(self.count, int)
            or not (1 <= self.count <= 120)
        ):
            raise ValidationError(
                QT_TRANSLATE_NOOP("Errors", "A period is 1 to 120 months or years long.")
            )

    @property
    def months(self) -> int:
        return self.count * (12 if self.unit == "year" else 1)


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, the day clamped to the month's last day."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor.day, last))


def period_start(anchor: date, period: Period, n: int) -> date:
    """The first day of the ``n``-th period (0: the one that starts on ``anchor``).
    Always counted from the anchor, so clamping in a short month does not drift."""
    return add_months(anchor, n * period.months)


def period_of(anchor: date, period: Period, day: date) -> tuple[int, date, date]:
    """(n, first day, last day) of the period holding ``day``; ``day`` on or after
    ``anchor``."""
    if day < anchor:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "That day ({day}) is before the membership began ({start})."
            ),
            day=day.isoformat(),
            start=anchor.isoformat(),
        )
    months = (day.year - anchor.year) * 12 + day.month - anchor.month
    n = max(0, months // period.months)
    # The estimate may be one too far (the anchor's day not reached yet this month).
    while period_start(anchor, period, n) > day:
        n -= 1
    while period_start(anchor, period, n + 1) <= day:
        n += 1
    return n, period_start(anchor, period, n), period_start(anchor, period, n + 1) - timedelta(1)


def end_after(anchor: date, period: Period, periods: int = 1) -> date:
    """The last day of a membership of ``periods`` periods begun on ``anchor``."""
    if periods < 1:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "A membership lasts at least one period.")
        )
    return period_start(anchor, period, periods) - timedelta(days=1)


@dataclass(frozen=True)
class Use:
    """One ledger row: ``count`` uses of a benefit on ``day`` (negative: a use undone)."""

    day: date
    count: int = 1


@dataclass(frozen=True)
class QuotaState:
    first: date
    last: date
    quota: int
    used: int

    @property
    def left(self) -> int:
        """May be negative: an overdraft from two desks offline."""
        return self.quota - self.used

    @property
    def overdrawn(self) -> bool:
        return self.used > self.quota


def _check_quota(quota: int) -> None:
    if isinstance(quota, bool) or not isinstance(quota, int) or quota < 0:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "A quota is a whole number, 0 or more."))


def quota_state(
    anchor: date, period: Period, quota: int, uses: Iterable[Use], day: date
) -> QuotaState:
    """The quota period holding ``day`` and the uses recorded in it."""
    _check_quota(quota)
    _n, first, last = period_of(anchor, period, day)
    used = sum(u.count for u in uses if first <= u.day <= last)
    return QuotaState(first, last, quota, used)


def overdrafts(anchor: date, period: Period, quota: int, uses: Iterable[Use]) -> list[QuotaState]:
    """Every quota period whose uses exceed the quota, oldest first (for the director
    after sync). Uses before the anchor belong to no period and are left out."""
    _check_quota(quota)
    by_period: dict[int, int] = {}
    for use in uses:
        if use.day < anchor:
            continue
        n, _first, _last = period_of(anchor, period, use.day)
        by_period[n] = by_period.get(n, 0) + use.count
    out = []
    for n in sorted(by_period):
        if by_period[n] > quota:
            first = period_start(anchor, period, n)
            last = period_start(anchor, period, n + 1) - timedelta(days=1)
            out.append(QuotaState(first, last, quota, by_period[n]))
    return out


@dataclass(frozen=True)
class Change:
    """A change of tier on ``day``: what is credited and charged, in cents, and when the
    new tier's period starts and ends."""

    credit: int
    charge: int
    starts: date
    ends: date

    @property
    def due(self) -> int:
        """What the member pays (negative: what the clinic refunds)."""
        return self.charge - self.credit


def _check_price(cents: int) -> None:
    if isinstance(cents, bool) or not isinstance(cents, int) or cents < 0:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "A price is an amount of 0 or more."))


def _months_begun(first: date, day: date) -> int:
    """Whole months from ``first`` up to ``day``, counting a month begun as used."""
    months = (day.year - first.year) * 12 + day.month - first.month
    if add_months(first, months) <= day:
        months += 1
    return max(0, months)


def change_tier(
    *,
    old_price: int,
    new_price: int,
    period: Period,
    start: date,
    end: date,
    day: date,
    rule: str,
) -> Change:
    """Price a change from a tier bought for ``start``..``end`` at ``old_price`` to one
    at ``new_price`` (per ``period``) on ``day``, under ``rule`` (PRORATA_RULES)."""
    _check_price(old_price)
    _check_price(new_price)
    if rule not in PRORATA_RULES:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "Choose how a change of tier is priced."))
    if not start <= day <= end:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The membership runs from {start} to {end}; a change on {day} is outside "
                "it. Renew it instead.",
            ),
            start=start.isoformat(),
            end=end.isoformat(),
            day=day.isoformat(),
        )
    if rule == "none":
        return Change(0, new_price, day, end_after(day, period))
    if rule == "daily":
        total = (end - start).days + 1
        left = (end - day).days + 1  # the day of the change is the new tier's
    else:
        # A month begun is the old tier's; the new one is charged from the next.
        total = max(1, _months_begun(start, end))
        left = total - min(total, _months_begun(start, day))
    # Both to the nearest cent by the same rule, so changing and changing back on the
    # same day costs nothing.
    return Change(_share(old_price, left, total), _share(new_price, left, total), day, end)


def _share(price: int, part: int, whole: int) -> int:
    """``price * part / whole`` to the nearest cent (halves up)."""
    return (price * part * 2 + whole) // (whole * 2)


def renewal_due(end: date, today: date, days_before: int) -> bool:
    """Whether a membership ending on ``end`` is due a renewal reminder ``today``
    (from ``days_before`` days before its end until it ends)."""
    if days_before < 0:
        raise ValidationError(QT_TRANSLATE_NOOP("Errors", "A time limit cannot be negative."))
    return end - timedelta(days=days_before) <= today <= end
