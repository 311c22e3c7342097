"""Follow-up speed (issue 9's figure): today's call worklist on the 5-year dataset.

    .venv/bin/python bench/bench_followups.py [--dir DIR] [--patients 60000] [--seed 1]
                                              [--repeats 20] [--warmup 2] [--json PATH]
                                              [--profile]

DIR is a clinic built by ``bench/gen_dataset.py --dir DIR`` (its ``follow-ups`` step
writes about 270,000 follow-up tasks with their calls, about 300 of them open and
overdue, and the reminder outbox); it is COPIED to a temporary folder first, because
``prepare_worklist`` writes the day's confirmation calls and reminders into it. Without
DIR a clinic is built in the temporary folder.

The clinic opens with its clock at the dataset's "now" (``gen_dataset.now_utc``: 10:00
on ``gen_dataset.TODAY``). ``followups.prepare_worklist`` runs once for TODAY (timed
alone: the day's first run, which writes), then, over repeated runs after warm-ups:

* ``followups.worklist(day=TODAY, who="all")`` as the director: the whole clinic's list;
* ``who="mine"`` as a customer-service person (their pool: messages, sampled calls,
  confirmation calls) and as a doctor (their own patients' calls);
* ``prepare_worklist`` again: the idempotent run each workstation makes when the list
  opens, which finds everything made already;
* ``followups.followup_rates`` for the month before TODAY, per department.

Each has its floor: the very SELECTs the service sent (captured from the engine on one
run) replayed on a bare SQLCipher connection to the same file with the same key
(``raw_connect``, the store's pragmas), rows fetched and nothing else. Prints median
and p95 milliseconds and the ratio to the floor; ``--json`` writes them to PATH.
Target: the worklist under 200 ms (p95), for each of the three lists. ``--profile``
shows where the time goes in each timed operation.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import gen_dataset  # bench/ is on sys.path when this runs as a script
from sqlalchemy import event

from clinic_desk.core.services import demo, followups, staff
from clinic_desk.core.services.base import Clinic
from clinic_desk.core.services.clinic import open_clinic
from clinic_desk.core.services.demo_dataset import build_dataset
from clinic_desk.core.services.demo_dataset import report as dataset_report
from clinic_desk.core.store.engine import DB_FILENAME, raw_connect

TARGET_WORKLIST_MS = 200.0
CUSTOMER_SERVICE_LOGIN = "guo.jia"
DOCTOR_LOGIN = "zhang.wei"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def copy_clinic(source: Path, target: Path) -> None:
    """The dataset's files (database, WAL, key), so the original stays as it is."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)


class Capture:
    """The SELECTs one service call sends, to replay them as its floor."""

    def __init__(self, clinic: Clinic) -> None:
        self.engine = clinic.store.engine
        self.statements: list[tuple[str, Any]] = []

    def _seen(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))

    def of(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._seen)
        try:
            fn()
        finally:
            event.remove(self.engine, "before_cursor_execute", self._seen)
        return self.statements


def replay(raw: Any, statements: list[tuple[str, Any]]) -> int:
    """Run ``statements`` on the bare connection, fetching every row; rows fetched."""
    rows = 0
    raw.execute("BEGIN")  # one read transaction, as the unit of work has
    try:
        for sql, params in statements:
            rows += len(raw.execute(sql, params).fetchall())
    finally:
        raw.execute("COMMIT")
    return rows


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
    parser.add_argument("--dir", help="a clinic built by bench/gen_dataset.py --dir (copied)")
    parser.add_argument("--patients", type=int, default=60_000, help="when building one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each figure")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs before")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--profile", action="store_true", help="show where the time goes")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="clinicdesk-bench-followups-"))
    try:
        data_dir = work / "clinic"
        if args.dir:
            source = Path(args.dir)
            if not (source / DB_FILENAME).exists():
                print(f"{source} holds no clinic; build one with gen_dataset.py.", file=sys.stderr)
                return 2
            started = time.perf_counter()
            copy_clinic(source, data_dir)
            print(f"copied {source} in {time.perf_counter() - started:.1f} s", flush=True)
        else:
            # The one generator, as bench/gen_dataset.py and `clinic-desk demo-data` run it.
            built = build_dataset(data_dir, seed=args.seed, patients=args.patients)
            print("\n".join(dataset_report(built)), flush=True)
        clinic = open_clinic(data_dir, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
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
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not report:
        return 2
    if args.json:
        Path(args.json).write_text(
            json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return 0 if all(r.get("ok", True) for r in report["figures"].values()) else 1


def measure(clinic: Clinic, raw: Any, args: Any) -> dict[str, Any]:
    today = gen_dataset.TODAY
    director = staff.sign_in(clinic, demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD)
    service = staff.sign_in(clinic, CUSTOMER_SERVICE_LOGIN, demo.DEMO_PASSWORD)
    doctor = staff.sign_in(clinic, DOCTOR_LOGIN, demo.DEMO_PASSWORD)
    tasks = raw.execute("SELECT count(*) FROM followup_task").fetchone()[0]
    if not tasks:
        print(
            "The clinic has no follow-up tasks: build it with a gen_dataset.py that has the "
            "follow-ups step.",
            file=sys.stderr,
        )
        return {}
    # The day's first preparation: it writes the confirmation calls, no-show callbacks
    # and the week-before reminders; timed once (it is not repeated in a day).
    started = time.perf_counter()
    prepared = followups.prepare_worklist(clinic, director, today).value
    first_prepare_ms = (time.perf_counter() - started) * 1000
    month_last = today.replace(day=1) - timedelta(days=1)
    month_first = month_last.replace(day=1)

    figures_fn: dict[str, Callable[[], Any]] = {
        "worklist, all (director)": lambda: followups.worklist(clinic, director, today, who="all"),
        "worklist, mine (customer service)": lambda: followups.worklist(
            clinic, service, today, who="mine"
        ),
        "worklist, mine (doctor)": lambda: followups.worklist(clinic, doctor, today, who="mine"),
        "prepare_worklist, again": lambda: followups.prepare_worklist(clinic, director, today),
        "followup_rates, a month": lambda: followups.followup_rates(
            clinic, director, month_first, month_last
        ),
    }
    # The first list of the day, right after the preparation: nothing of it cached yet
    # (names and honorifics), most pages read and decrypted already by the preparation.
    started = time.perf_counter()
    first = figures_fn["worklist, all (director)"]()
    first_ms = (time.perf_counter() - started) * 1000
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
        if name.startswith("worklist"):
            r["items"] = len(shown[name].items)
            r["overdue"] = shown[name].overdue
            r["target_ms"] = TARGET_WORKLIST_MS
            r["ok"] = r["p95_ms"] < TARGET_WORKLIST_MS
        figures[name] = r

    counts = dict(
        raw.execute(
            "SELECT status, count(*) FROM followup_task GROUP BY status ORDER BY status"
        ).fetchall()
    )
    calls = raw.execute("SELECT count(*) FROM followup_call").fetchone()[0]
    messages = raw.execute("SELECT count(*) FROM outbox_message").fetchone()[0]
    states = ", ".join(f"{n:,} {s}" for s, n in counts.items())
    print(
        f"\nfollow-ups on {today}: {tasks:,} tasks ({states}), "
        f"{calls:,} calls, {messages:,} outbox messages; the day's first prepare_worklist "
        f"made {prepared:,} rows in {first_prepare_ms:.0f} ms; "
        f"{args.repeats} runs after {args.warmup} warm-up"
    )
    header = (
        f"{'figure':36} {'rows':>5} {'median':>7} {'p95':>7} {'floor med':>9} {'floor p95':>9} "
        f"{'ratio':>6} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, r in figures.items():
        verdict = ""
        if "target_ms" in r:
            verdict = f" {r['target_ms']:5.0f}  {'PASS' if r['ok'] else 'MISS'}"
        items = f"{r['items']:5}" if "items" in r else f"{'':5}"
        print(
            f"{name:36} {items} {r['median_ms']:7.2f} {r['p95_ms']:7.2f} "
            f"{r['floor_median_ms']:9.2f} {r['floor_p95_ms']:9.2f} {r['ratio']:6.1f}{verdict}"
        )
    print(
        f"(ms, warm caches; PASS/MISS on p95; rows = tasks listed; floor = the service's "
        f"SELECTs on a bare SQLCipher connection; the first worklist, all, after the day's "
        f"preparation: {first_ms:.1f} ms, {len(first.items)} tasks)"
    )
    if args.profile:
        for name, prof in timer.profiles.items():
            if name.startswith("floor"):
                continue
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
            print(f"\n== profile: {name} ==\n{out.getvalue()}")
    return {
        "seed": args.seed,
        "today": today,
        "now": clinic.now().isoformat(),
        "tasks": tasks,
        "task_states": counts,
        "calls": calls,
        "messages": messages,
        "first_prepare": {"rows": prepared, "ms": first_prepare_ms},
        "first_worklist_all_ms": first_ms,
        "month": [month_first, month_last],
        "repeats": args.repeats,
        "warmup": args.warmup,
        "target_ms": TARGET_WORKLIST_MS,
        "figures": figures,
    }


if __name__ == "__main__":
    sys.exit(main())
