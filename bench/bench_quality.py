"""Quality speed (issue 10's figures): a month's dashboard and the monthly PDF report on
the 5-year dataset.

    .venv/bin/python bench/bench_quality.py --dir DIR [--repeats 20] [--warmup 2]
                                            [--history-days 400] [--json PATH] [--profile]

DIR is a clinic built by ``bench/gen_dataset.py --dir DIR`` with its ``quality`` step
(complaints, survey answers, self-checks, root causes over 5 years; a dataset built
before the step gets it with ``gen_dataset.py --dir DIR --only quality``). The dataset
has no queue history, so the waits would be empty: when DIR holds fewer than 1,000
queue entries the bench first writes ``--history-days`` of past queues into it
(``bench_reception.write_history``: each attended appointment's entry and four
events); DIR should be a copy kept for benches.

The clock is the dataset's "now" (``gen_dataset.now_utc``). Over repeated runs after
warm-ups, for the month before TODAY:

* ``quality.dashboard(months=0)`` as the director: the month's figures and its weekly
  trend (what the dashboard tab shows first), for the whole clinic and for one doctor;
* ``quality.monthly_trend``: the 12 months the tab draws next, in the background;
* ``quality.report("month")``: the monthly analysis PDF with its 11 charts;
* ``complaints.list_complaints(status="all")`` as customer service (every complaint,
  each open one's next deadline).

Each has its floor: the very SELECTs the service sent (captured from the engine on one
run) replayed on a bare SQLCipher connection to the same file, rows fetched and nothing
else. Prints median and p95 milliseconds and the ratio to the floor; ``--json`` writes
them to PATH. Targets: the dashboard under 300 ms, the PDF under 2 s, the complaint
list under 100 ms (p95). With ``--json`` the PDF also has a second floor: a bare
reportlab document of its text on pages of the same size (``bench_printing.bare_pdf``).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import bench_printing  # bench/ is on sys.path when this runs as a script
import bench_reception
import gen_dataset
from bench_followups import Capture, Timer, replay

from clinic_desk.core.services import complaints, demo, quality, staff
from clinic_desk.core.services.base import Clinic
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.store.engine import DB_FILENAME, raw_connect

TARGETS_MS: dict[str, float | None] = {
    "dashboard, a month (clinic)": 300.0,
    "dashboard, a month (one doctor)": 300.0,
    # The dashboard screen asks for the year's months after showing the tiles and the
    # weeks (quality.monthly_trend, in the background): measured, no target of its own.
    "12-month trend (clinic)": None,
    "monthly PDF report": 2000.0,
    "complaint list (all, customer service)": 100.0,
}
DOCTOR_LOGIN = "zhang.wei"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="a clinic built by bench/gen_dataset.py")
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each figure")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs before")
    parser.add_argument("--history-days", type=int, default=400, help="queue history to write")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    args = parser.parse_args()
    folder = Path(args.dir)
    if not (folder / DB_FILENAME).exists():
        print(f"{folder} holds no clinic; build one with gen_dataset.py.", file=sys.stderr)
        return 2
    clinic = open_clinic(folder, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    try:
        now = gen_dataset.now_utc(clinic)
        clinic.clock = lambda: now  # the dataset's "now"
        raw = raw_connect(clinic.store.db_path, clinic.store.data_key)
        try:
            report = measure(clinic, raw, args)
        finally:
            raw.close()
    finally:
        clinic.close()
    if not report:
        return 2
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return 0 if all(r["ok"] for r in report["figures"].values()) else 1


def measure(clinic: Clinic, raw: Any, args: Any) -> dict[str, Any]:
    received = raw.execute("SELECT count(*) FROM complaint").fetchone()[0]
    if not received:
        print(
            "The clinic has no complaints: run gen_dataset.py --dir DIR --only quality first.",
            file=sys.stderr,
        )
        return {}
    # A handful of entries (another bench's day) is not a history.
    if raw.execute("SELECT count(*) FROM queue_entry").fetchone()[0] < 1000:
        started = time.perf_counter()
        entries = bench_reception.write_history(clinic, args.history_days, 1)
        print(f"wrote {entries:,} past queue entries in {time.perf_counter() - started:.1f} s")
    director = staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
    doctor = staff.sign_in(clinic, DOCTOR_LOGIN, demo.DEMO_PASSWORD)
    today = gen_dataset.TODAY
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    assert doctor.staff_id is not None
    doctor_id = doctor.staff_id
    service = next(
        (
            staff.sign_in(clinic, login, demo.DEMO_PASSWORD)
            for (login,) in raw.execute(
                "SELECT login FROM staff WHERE role = 'customer_service' AND deleted_at IS NULL "
                "ORDER BY login LIMIT 1"
            )
        ),
        director,
    )
    figures_fn: dict[str, Callable[[], Any]] = {
        # What the dashboard tab shows first: the month's tiles and its weeks.
        "dashboard, a month (clinic)": lambda: quality.dashboard(
            clinic, director, first, last, months=0
        ),
        "dashboard, a month (one doctor)": lambda: quality.dashboard(
            clinic, director, first, last, doctor_id=doctor_id, months=0
        ),
        "12-month trend (clinic)": lambda: quality.monthly_trend(clinic, director, last),
        "monthly PDF report": lambda: quality.report(
            clinic, director, "month", first, language="zh_CN"
        ),
        "complaint list (all, customer service)": lambda: complaints.list_complaints(
            clinic, service, status="all"
        ),
    }
    capture = Capture(clinic)
    floors = {name: capture.of(fn) for name, fn in figures_fn.items()}
    timer = Timer(args.profile)
    shown: dict[str, Any] = {}
    for run in range(args.warmup + args.repeats):
        record = run >= args.warmup
        for name, fn in figures_fn.items():
            shown[name] = timer.run(name, fn, record=record)
            timer.run(f"floor: {name}", functools.partial(replay, raw, floors[name]), record=record)

    figures: dict[str, dict[str, Any]] = {}
    for name in figures_fn:
        r: dict[str, Any] = timer.stats(name)
        floor = timer.stats(f"floor: {name}")
        r["floor_median_ms"] = floor["median_ms"]
        r["floor_p95_ms"] = floor["p95_ms"]
        r["ratio"] = r["median_ms"] / floor["median_ms"]
        r["statements"] = len(floors[name])
        target = TARGETS_MS[name]
        r["target_ms"] = target
        r["ok"] = target is None or r["p95_ms"] < target
        figures[name] = r
    # The PDF's own floor (in --json only): the same text on the same pages by a bare
    # reportlab document, no charts (bench_printing.bare_pdf).
    pages = bench_printing.pdf_pages(shown["monthly PDF report"])
    for run in range(args.warmup + args.repeats):
        timer.run(
            "floor: bare PDF", lambda: bench_printing.bare_pdf(pages), record=run >= args.warmup
        )
    bare = timer.stats("floor: bare PDF")
    figures["monthly PDF report"] |= {
        "pdf_floor_median_ms": bare["median_ms"],
        "pdf_floor_p95_ms": bare["p95_ms"],
        "pdf_floor_pages": len(pages),
        "pdf_floor_lines": sum(len(lines) for _, _, lines in pages),
    }
    board = shown["dashboard, a month (clinic)"]
    counts = {
        table: raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in (
            "complaint", "survey_answer", "followup_call", "self_check", "root_cause",
            "appointment", "queue_entry", "prescription", "followup_task",
        )
    }  # fmt: skip
    print(
        f"\nquality on {today}, month {first} to {last}: "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        + f"; {args.repeats} runs after {args.warmup} warm-up"
    )
    print(
        "figures of the month: "
        + ", ".join(
            f"{m.key} {m.value:.1f}" if m.value is not None else f"{m.key} -" for m in board.metrics
        )
    )
    header = (
        f"{'figure':34} {'median':>8} {'p95':>8} {'floor med':>9} {'floor p95':>9} "
        f"{'ratio':>6} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, r in figures.items():
        print(
            f"{name:34} {r['median_ms']:8.1f} {r['p95_ms']:8.1f} {r['floor_median_ms']:9.1f} "
            f"{r['floor_p95_ms']:9.1f} {r['ratio']:6.1f} "
            + (
                f"{r['target_ms']:6.0f}  {'PASS' if r['ok'] else 'MISS'}"
                if r["target_ms"] is not None
                else f"{'-':>6}"
            )
        )
    print(
        f"(ms, warm caches; PASS/MISS on p95; floor = the service's SELECTs on a bare "
        f"SQLCipher connection; the PDF is {len(shown['monthly PDF report']):,} bytes)"
    )
    if args.profile:
        for name, prof in timer.profiles.items():
            if name.startswith("floor"):
                continue
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
            print(f"\n== profile: {name} ==\n{out.getvalue()}")
    return {
        "today": today,
        "now": clinic.now().isoformat(),
        "month": [first, last],
        "rows": counts,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "figures": figures,
    }


if __name__ == "__main__":
    sys.exit(main())
