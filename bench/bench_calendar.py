"""Calendar speed (issue 5's figures): a week of 8 doctors, and the next free slot.

    .venv/bin/python bench/bench_calendar.py [--dir DIR] [--patients 60000] [--seed 1]
                                             [--repeats 30] [--warmup 3] [--json PATH]
                                             [--profile]

DIR is a clinic built by ``bench/gen_dataset.py --dir DIR`` (its steps include the
rosters and about 300,000 appointments); without it one is built in a temporary
folder first. The clinic opens with its clock fixed at the dataset's "now"
(``gen_dataset.now_utc``: 10:00 on ``gen_dataset.TODAY``), signed in as the
director, and times, over repeated runs:

* week load: ``appointments.calendar_rows`` (what the calendar page loads: the rows
  the grid draws) for the week containing TODAY and the 8 doctors, plus
  ``rosters.working_spans_range`` for them over its 7 days; and, for comparison,
  ``appointments.appointments_between``, the same appointments as full views;
* draw: an offscreen ``AppointmentGrid`` of 56 columns (8 doctors x 7 days, one
  screen: the issue's "a week of 8 doctors, about 2,000 appointments" drawn at
  once), ``set_data`` then ``grab()`` at 1600x1000, with the bundled CJK font
  registered as the app does; and, for comparison, the same
  week as the app shows it today: 7 day views of 8 columns, each ``load_view``
  plus ``set_data`` and ``grab()``, one after another;
* ``appointments.next_free_slot`` for each doctor, 15 and 60 minutes, from now;
* ``appointments.remaining_free_count`` for the 8 doctors, today and tomorrow.

Each is shown with its bare-SQLite floor: the same SELECT run by the ``sqlite3``
module on an unencrypted copy (``sqlcipher_export``, in a temporary folder removed
at the end) -- for the week load ``calendar_rows``'s statement (and, beside it,
the full view query of ``appointments_between``), for the next free slot the
queries loading the doctor's appointment times for the window searched.
Prints median and p95 milliseconds and the ratio to the floor; ``--json`` writes
them to PATH. Targets: week load + draw under 100 ms, next free slot under
20 ms (p95). ``--profile`` shows where the time goes in each timed operation.

It only reads the appointments, but opening the clinic and signing in write their
audit rows ("clinic.unlock", "signin") to DIR's database, as the app does.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gen_dataset  # bench/ is on sys.path when this runs as a script
from PySide6.QtWidgets import QApplication

from clinic_desk.core import heap
from clinic_desk.core.rules import slots
from clinic_desk.core.security.permissions import Role
from clinic_desk.core.services import appointments, demo, rosters, staff
from clinic_desk.core.services.base import Actor, Clinic
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.services.demo_dataset import build_dataset
from clinic_desk.core.services.demo_dataset import report as dataset_report
from clinic_desk.core.store.engine import DB_FILENAME, raw_connect
from clinic_desk.ui.calendar.grid import AppointmentGrid, Column
from clinic_desk.ui.calendar.page import load_view
from clinic_desk.ui.fonts import register_fonts

TARGET_WEEK_MS = 100.0
TARGET_NEXT_FREE_MS = 20.0
WIDTH, HEIGHT = 1600, 1000

# The service's own statement pieces, so the floor runs exactly its SELECT.
_VIEW_SQL = appointments._VIEW_SQL
_CALENDAR_SQL = appointments._CALENDAR_SQL
_db_time = appointments._db_time
_MAX = timedelta(minutes=appointments.MAX_MINUTES)
_ACTIVE = sorted(appointments.ACTIVE_STATUSES)
_HIDDEN = sorted(appointments.INACTIVE_STATUSES)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def export_plain(clinic: Clinic, target: Path) -> None:
    """An unencrypted copy of the whole database, for the floor."""
    conn = raw_connect(clinic.store.db_path, clinic.store.data_key)
    try:
        conn.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
        conn.execute("SELECT sqlcipher_export('plaintext')")
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()


# -- the floors: the services' SELECTs on the plaintext copy -----------------------------


def _week_where(ids: list[str]) -> str:
    return (
        " AND a.starts_at >= ? AND a.starts_at < ? AND a.ends_at > ?"
        + f" AND a.doctor_id IN ({marks(len(ids))})"
        + f" AND a.status NOT IN ({marks(len(_HIDDEN))})"
    )


def week_floor(plain: sqlite3.Connection, ids: list[str], start: datetime, end: datetime):
    """``appointments_between``'s one statement (view columns, patient and staff names)."""
    sql = _VIEW_SQL + _week_where(ids) + " ORDER BY a.starts_at"
    params = [_db_time(start - _MAX), _db_time(end), _db_time(start), *ids, *_HIDDEN]
    return plain.execute(sql, params).fetchall()


def calendar_floor(plain: sqlite3.Connection, ids: list[str], start: datetime, end: datetime):
    """``calendar_rows``'s one statement (the grid's columns, patient names, type)."""
    sql = _CALENDAR_SQL + _week_where(ids) + " ORDER BY a.doctor_id, a.starts_at"
    params = [_db_time(start - _MAX), _db_time(end), _db_time(start), *ids, *_HIDDEN]
    return plain.execute(sql, params).fetchall()


def busy_floor(plain: sqlite3.Connection, doctor: str, lo: datetime, hi: datetime):
    """``_busy_by_day``'s statement: a doctor's appointment times in [lo, hi)."""
    sql = (
        "SELECT starts_at, ends_at FROM appointment WHERE doctor_id = ? AND starts_at >= ? "
        "AND starts_at < ? AND ends_at > ? AND deleted_at IS NULL AND id != ? "
        f"AND status IN ({marks(len(_ACTIVE))})"
    )
    params = [doctor, _db_time(lo - _MAX), _db_time(hi), _db_time(lo), "", *_ACTIVE]
    return plain.execute(sql, params).fetchall()


def free_count_floor(plain: sqlite3.Connection, ids: list[str], lo: datetime, hi: datetime):
    """``_free_by_day``'s statement: the doctors' appointment times that day."""
    sql = (
        f"SELECT doctor_id, starts_at, ends_at FROM appointment WHERE doctor_id IN "
        f"({marks(len(ids))}) AND starts_at >= ? AND starts_at < ? AND ends_at > ? "
        f"AND status IN ({marks(len(_ACTIVE))}) AND deleted_at IS NULL"
    )
    params = [*ids, _db_time(lo - _MAX), _db_time(hi), _db_time(lo), *_ACTIVE]
    return plain.execute(sql, params).fetchall()


def search_windows(clinic: Clinic, found: datetime | None) -> list[tuple[datetime, datetime]]:
    """The UTC windows ``_search_free`` loaded to find ``found`` (``search_chunks``)."""
    zone = clinic.timezone()
    first = clinic.now().astimezone(zone).date()
    last = first + timedelta(days=appointments.NEXT_FREE_DAYS)
    found_day = found.astimezone(zone).date() if found is not None else last
    windows = []
    for lo, hi in appointments.search_chunks(first, last):
        windows.append((slots.day_bounds_utc(lo, zone)[0], slots.day_bounds_utc(hi, zone)[1]))
        if found_day <= hi:
            break
    return windows


# -- timing ----------------------------------------------------------------------------------


class Timer:
    """Samples per figure, and with ``--profile`` one profiler per figure."""

    def __init__(self, profile: bool) -> None:
        self.samples: dict[str, list[float]] = {}
        self.profiles: dict[str, cProfile.Profile] = {}
        self.profile = profile

    def run(self, name: str, fn: Callable[[], Any], *, record: bool = True) -> Any:
        prof = self.profiles.setdefault(name, cProfile.Profile()) if self.profile else None
        if prof is not None and record:
            prof.enable()
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        if prof is not None and record:
            prof.disable()
        if record:
            self.samples.setdefault(name, []).append(elapsed)
        return result

    def add(self, name: str, seconds: float) -> None:
        self.samples.setdefault(name, []).append(seconds)

    def stats(self, name: str) -> dict[str, float]:
        s = self.samples.get(name, [])
        if not s:
            return {}
        return {
            "runs": len(s),
            "median_ms": statistics.median(s) * 1000,
            "p95_ms": pct(s, 0.95) * 1000,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="a clinic built by bench/gen_dataset.py --dir")
    parser.add_argument("--patients", type=int, default=60_000, help="when building one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each figure")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([sys.argv[0]])
    register_fonts(app)  # as the app does: the names and headers are drawn in Chinese
    work = Path(tempfile.mkdtemp(prefix="clinicdesk-bench-calendar-"))
    try:
        data_dir = Path(args.dir) if args.dir else work / "clinic"
        if not (data_dir / DB_FILENAME).exists():
            if args.dir:
                print(
                    f"{data_dir} holds no clinic; build one with gen_dataset.py.", file=sys.stderr
                )
                return 2
            # The one generator, as bench/gen_dataset.py and `clinic-desk demo-data` run it.
            built = build_dataset(data_dir, seed=args.seed, patients=args.patients)
            print("\n".join(dataset_report(built)), flush=True)
        clinic = open_clinic(data_dir, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
        try:
            now = gen_dataset.now_utc(clinic)
            clinic.clock = lambda: now  # the dataset's "now", in its busy week
            actor = staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
            started = time.perf_counter()
            plain_path = work / "plain.db"
            export_plain(clinic, plain_path)
            print(f"plaintext copy for the floor: {time.perf_counter() - started:.1f} s")
            plain = sqlite3.connect(plain_path)
            try:
                report = measure(app, clinic, actor, plain, args)
            finally:
                plain.close()
        finally:
            clinic.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return 0 if all(r.get("ok", True) for r in report["figures"].values()) else 1


def measure(
    app: QApplication, clinic: Clinic, actor: Actor, plain: sqlite3.Connection, args: Any
) -> dict[str, Any]:
    zone = clinic.timezone()
    slot = int(clinic.setting("appointments.slot_minutes"))
    doctors = [
        d
        for d in rosters.list_doctors(clinic, actor, bookable_only=True)
        if d.role == Role.DOCTOR.value
    ]
    ids = [d.id for d in doctors]
    hexes = [d.hex for d in ids]
    first, last = gen_dataset.week_of(gen_dataset.TODAY)
    days = [first + timedelta(days=i) for i in range(7)]
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    timer = Timer(args.profile)
    grid = AppointmentGrid()
    grid.resize(WIDTH, HEIGHT)
    heap.settle_after_start()  # as the app does once its window is up

    def week_load() -> tuple[list[Any], list[Column]]:
        rows = appointments.calendar_rows(clinic, actor, start, end, doctor_ids=ids)
        spans = rosters.working_spans_range(clinic, ids, first, last)
        columns = [
            Column(d.id, day, f"{d.display_name} {day:%m/%d}", "", False, tuple(spans[d.id, day]))
            for day in days
            for d in doctors
        ]
        return rows, columns

    def draw(rows: list[Any], columns: list[Column]) -> None:
        grid.set_data(columns, rows, zone=zone, slot_minutes=slot)
        grid.grab()

    def day_views() -> int:
        shown = 0
        for day in days:
            data = load_view(clinic, actor, "day", day, None)
            draw(data.appointments, data.columns)
            shown += len(data.appointments)
        return shown

    # First (cold) run: pages read from disk and decrypted, the first paint.
    t0 = time.perf_counter()
    rows, columns = week_load()
    t1 = time.perf_counter()
    draw(rows, columns)
    cold = {"load_ms": (t1 - t0) * 1000, "draw_ms": (time.perf_counter() - t1) * 1000}
    shown_day_views = day_views()

    next_found: dict[int, list[datetime | None]] = {15: [], 60: []}
    for run in range(args.warmup + args.repeats):
        record = run >= args.warmup
        t0 = time.perf_counter()
        rows, columns = timer.run("week load", week_load, record=record)
        t1 = time.perf_counter()
        timer.run("draw 56 columns", lambda r=rows, c=columns: draw(r, c), record=record)
        if record:
            timer.add("week load + draw", time.perf_counter() - t0)
        timer.run(
            "  calendar_rows",
            lambda: appointments.calendar_rows(clinic, actor, start, end, doctor_ids=ids),
            record=record,
        )
        timer.run(
            "  appointments_between",
            lambda: appointments.appointments_between(clinic, actor, start, end, doctor_ids=ids),
            record=record,
        )
        timer.run(
            "  working_spans_range",
            lambda: rosters.working_spans_range(clinic, ids, first, last),
            record=record,
        )
        timer.run("7 day views (load_view + draw)", day_views, record=record)
        timer.run("floor: week view SELECT", lambda: week_floor(plain, hexes, start, end),
                  record=record)  # fmt: skip
        timer.run("floor: calendar SELECT", lambda: calendar_floor(plain, hexes, start, end),
                  record=record)  # fmt: skip
        for minutes in (15, 60):
            for doctor, doctor_hex in zip(ids, hexes, strict=True):
                found = timer.run(
                    f"next free slot {minutes} min",
                    lambda d=doctor, m=minutes: appointments.next_free_slot(
                        clinic, actor, d, minutes=m
                    ),
                    record=record,
                )
                if record and run == args.warmup:
                    next_found[minutes].append(found)
                windows = search_windows(clinic, found)
                t = time.perf_counter()
                for lo, hi in windows:
                    busy_floor(plain, doctor_hex, lo, hi)
                if record:
                    timer.add(f"floor: next free {minutes}", time.perf_counter() - t)
        for label, day in (
            ("today", gen_dataset.TODAY),
            ("tomorrow", gen_dataset.TODAY + timedelta(days=1)),
        ):
            timer.run(
                f"free count, {label}",
                lambda d=day: appointments.remaining_free_count(clinic, actor, d, ids),
                record=record,
            )
            lo, hi = slots.day_bounds_utc(day, zone)
            timer.run(
                f"floor: free count {label}",
                lambda lo=lo, hi=hi: free_count_floor(plain, hexes, lo, hi),
                record=record,
            )
        app.processEvents()

    floor_of = {
        "week load": "floor: calendar SELECT",
        "  calendar_rows": "floor: calendar SELECT",
        "  appointments_between": "floor: week view SELECT",
        "week load + draw": "floor: calendar SELECT",
        "next free slot 15 min": "floor: next free 15",
        "next free slot 60 min": "floor: next free 60",
        "free count, today": "floor: free count today",
        "free count, tomorrow": "floor: free count tomorrow",
    }
    targets = {
        "week load + draw": TARGET_WEEK_MS,
        "next free slot 15 min": TARGET_NEXT_FREE_MS,
        "next free slot 60 min": TARGET_NEXT_FREE_MS,
    }
    figures: dict[str, dict[str, Any]] = {}
    for name in (
        "week load",
        "  calendar_rows",
        "  appointments_between",
        "  working_spans_range",
        "draw 56 columns",
        "week load + draw",
        "7 day views (load_view + draw)",
        "next free slot 15 min",
        "next free slot 60 min",
        "free count, today",
        "free count, tomorrow",
    ):
        r = timer.stats(name)
        floor = timer.stats(floor_of[name]) if name in floor_of else {}
        if floor:
            r["floor_median_ms"] = floor["median_ms"]
            r["floor_p95_ms"] = floor["p95_ms"]
            r["ratio"] = r["median_ms"] / floor["median_ms"]
        if name in targets:
            r["target_ms"] = targets[name]
            r["ok"] = r["p95_ms"] < targets[name]
        figures[name.strip()] = r

    def ahead(found: list[datetime | None]) -> str:
        hours = [(f - clinic.now()).total_seconds() / 3600 for f in found if f is not None]
        return f"median {statistics.median(hours):.1f} h ahead" if hours else "none found"

    print(
        f"\ncalendar, {len(rows):,} appointments shown in the week {first} to {last} "
        f"for {len(ids)} doctors ({shown_day_views:,} in the 7 day views, which show every "
        f"bookable doctor); now = {clinic.now().astimezone(zone):%Y-%m-%d %H:%M} local; "
        f"{args.repeats} runs after {args.warmup} warm-up"
    )
    header = (
        f"{'figure':32} {'median':>7} {'p95':>7} {'floor med':>9} {'floor p95':>9} "
        f"{'ratio':>6} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, r in figures.items():
        indent = (
            "  " if name in ("calendar_rows", "appointments_between", "working_spans_range") else ""
        )
        floor_text = (
            f"{r['floor_median_ms']:9.2f} {r['floor_p95_ms']:9.2f} {r['ratio']:6.1f}"
            if "floor_median_ms" in r
            else f"{'':9} {'':9} {'':6}"
        )
        verdict = ""
        if "target_ms" in r:
            verdict = f" {r['target_ms']:5.0f}  {'PASS' if r['ok'] else 'MISS'}"
        print(f"{indent + name:32} {r['median_ms']:7.2f} {r['p95_ms']:7.2f} {floor_text}{verdict}")
    print(
        f"(ms, warm caches; PASS/MISS on p95; draw = set_data + grab() of a {WIDTH}x{HEIGHT} "
        f"offscreen grid; first cold run: load {cold['load_ms']:.1f} ms, draw "
        f"{cold['draw_ms']:.1f} ms)"
    )
    print(f"next free slot found: 15 min {ahead(next_found[15])}, 60 min {ahead(next_found[60])}")
    if args.profile:
        for name, prof in timer.profiles.items():
            if name.startswith("floor"):
                continue
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
            print(f"\n== profile: {name.strip()} ==\n{out.getvalue()}")
    return {
        "seed": args.seed,
        "today": gen_dataset.TODAY,
        "now": clinic.now().isoformat(),
        "week": [first, last],
        "doctors": len(ids),
        "rows_week": len(rows),
        "rows_day_views": shown_day_views,
        "repeats": args.repeats,
        "size": [WIDTH, HEIGHT],
        "cold": cold,
        "next_free_found": {
            str(m): [f.isoformat() if f else None for f in found] for m, found in next_found.items()
        },
        "targets": {"week_load_draw_ms": TARGET_WEEK_MS, "next_free_slot_ms": TARGET_NEXT_FREE_MS},
        "figures": figures,
    }


if __name__ == "__main__":
    sys.exit(main())
