"""Code tables for prescription lines: how often, when and how a drug is taken (spec D1, D2).

Stored values are the codes; the labels are English source strings marked for
translation under the "Prescription" context, so the screen and the printed
medication card show them in the user's language. ``dose_times`` gives the
times of day a frequency and timing put a dose at, for the medication
reminder card (spec D2).
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_desk.core.i18n import QT_TRANSLATE_NOOP

CONTEXT = "Prescription"

# The card's columns, in the order of the day.
TIMES_OF_DAY = ("morning", "noon", "evening", "bedtime")
TIME_LABELS: dict[str, str] = {
    "morning": QT_TRANSLATE_NOOP("Prescription", "Morning"),
    "noon": QT_TRANSLATE_NOOP("Prescription", "Noon"),
    "evening": QT_TRANSLATE_NOOP("Prescription", "Evening"),
    "bedtime": QT_TRANSLATE_NOOP("Prescription", "Bedtime"),
}


@dataclass(frozen=True)
class Frequency:
    code: str
    label: str
    # The card's times of day for a dose; empty when doses are not on a daily schedule.
    times: tuple[str, ...]
    doses_per_day: int | None
    interval_hours: int | None = None


FREQUENCIES: dict[str, Frequency] = {
    f.code: f
    for f in (
        Frequency("qd", QT_TRANSLATE_NOOP("Prescription", "once a day"), ("morning",), 1),
        Frequency(
            "bid", QT_TRANSLATE_NOOP("Prescription", "twice a day"), ("morning", "evening"), 2
        ),
        Frequency(
            "tid",
            QT_TRANSLATE_NOOP("Prescription", "three times a day"),
            ("morning", "noon", "evening"),
            3,
        ),
        Frequency(
            "qid",
            QT_TRANSLATE_NOOP("Prescription", "four times a day"),
            ("morning", "noon", "evening", "bedtime"),
            4,
        ),
        Frequency("qn", QT_TRANSLATE_NOOP("Prescription", "every night"), ("bedtime",), 1),
        # Interval doses go to the nearest columns of a waking day (7, 15, 23 o'clock);
        # the card also prints the interval itself.
        Frequency(
            "q8h",
            QT_TRANSLATE_NOOP("Prescription", "every 8 hours"),
            ("morning", "noon", "bedtime"),
            3,
            8,
        ),
        Frequency(
            "q12h",
            QT_TRANSLATE_NOOP("Prescription", "every 12 hours"),
            ("morning", "evening"),
            2,
            12,
        ),
        Frequency("prn", QT_TRANSLATE_NOOP("Prescription", "when needed"), (), None),
        Frequency("once", QT_TRANSLATE_NOOP("Prescription", "once only"), (), None),
        Frequency("weekly", QT_TRANSLATE_NOOP("Prescription", "once a week"), ("morning",), None),
    )
}

TIMINGS: dict[str, str] = {
    "before_meal": QT_TRANSLATE_NOOP("Prescription", "before meals"),
    "after_meal": QT_TRANSLATE_NOOP("Prescription", "after meals"),
    "with_meal": QT_TRANSLATE_NOOP("Prescription", "with meals"),
    "empty_stomach": QT_TRANSLATE_NOOP("Prescription", "on an empty stomach"),
    "bedtime": QT_TRANSLATE_NOOP("Prescription", "at bedtime"),
    "any": QT_TRANSLATE_NOOP("Prescription", "at any time"),
}

ROUTES: dict[str, str] = {
    "oral": QT_TRANSLATE_NOOP("Prescription", "by mouth"),
    "topical": QT_TRANSLATE_NOOP("Prescription", "on the skin"),
    "inhaled": QT_TRANSLATE_NOOP("Prescription", "inhaled"),
    "sublingual": QT_TRANSLATE_NOOP("Prescription", "under the tongue"),
    "injection_im": QT_TRANSLATE_NOOP("Prescription", "injection into a muscle"),
    "injection_iv": QT_TRANSLATE_NOOP("Prescription", "injection into a vein"),
    "injection_sc": QT_TRANSLATE_NOOP("Prescription", "injection under the skin"),
    "eye": QT_TRANSLATE_NOOP("Prescription", "in the eye"),
    "ear": QT_TRANSLATE_NOOP("Prescription", "in the ear"),
    "nasal": QT_TRANSLATE_NOOP("Prescription", "in the nose"),
    "rectal": QT_TRANSLATE_NOOP("Prescription", "rectal"),
}


def dose_times(frequency: str, timing: str = "") -> tuple[str, ...]:
    """The times of day (``TIMES_OF_DAY`` codes, in order) a dose is due.

    "At bedtime" moves the day's last dose to bedtime (qd at bedtime is one
    bedtime dose; bid at bedtime is morning and bedtime). "When needed" and
    "once only" have no fixed time and give ``()``. Unknown codes raise
    ``KeyError``: a card must not silently print a wrong schedule.
    """
    times = FREQUENCIES[frequency].times
    if timing and timing not in TIMINGS:
        raise KeyError(timing)
    if timing == "bedtime" and times and "bedtime" not in times:
        times = (*times[:-1], "bedtime")
    return tuple(t for t in TIMES_OF_DAY if t in times)
