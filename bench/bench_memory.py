"""Resident memory with the 5-year clinic open (issue 12), beside a bare PySide6 window's.

    .venv/bin/python bench/bench_memory.py --dir DIR [--runs 3] [--settle 5] [--json PATH]

DIR is a clinic built by ``bench/gen_dataset.py --dir DIR``. Each run starts a new
process that runs the program as ``clinic-desk run`` does (``run_app``, language
zh_CN, offscreen unless QT_QPA_PLATFORM is set) with its clock at the dataset's "now"
(``gen_dataset.now_utc``), and signs the director in through the window's own
sign-in path (``run_app(auto_sign_in=...)``, as ``clinic-desk demo`` does):
the main window opens on the director's first page, the desk's board of that day.
``--settle`` seconds after the window is shown (the board loaded in the background)
the child reads VmRSS and VmHWM (peak) from /proc/self/status: "desk board open".
Then it opens every page of the director's once, in the navigation's order,
``--settle`` seconds each, and reads them again: "every page opened once".

The floor is a process that opens a bare PySide6 ``QWidget`` (``bench_startup.py
--bare``) and reads the same lines ``--settle`` seconds after it is shown. Prints
the median and largest (p95 of a few runs) MiB and the ratio to the floor, and
SQLite's own heap in the child (``sqlite3_memory_used``: mostly the page caches,
which tracemalloc cannot see);
``--json`` writes them to PATH. No target is named for this figure in the issues.

The program writes its unlock and sign-in audit rows and its log into DIR, as when it
is used; the daily backup is switched off in the child (``bench_startup``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import bench_startup  # bench/ is on sys.path when this runs as a script

PHASES = ("desk board open", "every page opened once")


def sqlite_heap_kib() -> int | None:
    """SQLite's own heap in this process (``sqlite3_memory_used``), in KiB: almost all
    of it is the connections' page caches, which tracemalloc does not see. None if the
    SQLCipher module's library does not export it."""
    import ctypes

    import sqlcipher3

    try:
        lib = ctypes.CDLL(str(next(Path(sqlcipher3.__file__).parent.glob("_sqlite3*.so"))))
        used = lib.sqlite3_memory_used
    except (OSError, StopIteration, AttributeError):
        return None
    used.restype = ctypes.c_int64
    return int(used()) // 1024


def clinic_now(data_dir: Path) -> str:
    """The dataset's "now", read once here so the child opens the clinic only once."""
    import gen_dataset

    from clinic_desk.core.services import demo
    from clinic_desk.core.services.clinic import open_clinic

    clinic = open_clinic(data_dir, passphrase=demo.DEMO_PASSPHRASE, use_keyring=False)
    try:
        return gen_dataset.now_utc(clinic).isoformat()
    finally:
        clinic.close()


def child(data_dir: Path, now_iso: str, settle_s: float) -> int:
    """The program with the director signed in; one result line with both readings."""
    from datetime import datetime

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clinic_desk.core.services import demo
    from clinic_desk.ui.app import run_app

    bench_startup.disable_daily_backup()
    now = datetime.fromisoformat(now_iso)
    settle_ms = round(settle_s * 1000)
    readings: dict[str, Any] = {}

    def shown(window: Any) -> None:
        keys = list(window.pages)

        def read(phase: str) -> None:
            readings[phase] = bench_startup.proc_status() | {"sqlite_heap_kib": sqlite_heap_kib()}

        def next_page(i: int) -> None:
            if i < len(keys):
                window.show_feature(keys[i])
                QTimer.singleShot(settle_ms, lambda: next_page(i + 1))
                return
            read(PHASES[1])
            bench_startup.report_child(readings=readings, pages=keys)
            QApplication.quit()

        def board() -> None:
            read(PHASES[0])
            next_page(1)  # page 0, the desk's board, is open already

        QTimer.singleShot(settle_ms, board)

    return run_app(
        data_dir,
        language="zh_CN",
        clock=lambda: now,
        auto_sign_in=(demo.DEMO_DIRECTOR_LOGIN, demo.DEMO_PASSWORD),
        after_show=shown,
    )


def measure(data_dir: Path, runs: int, settle_s: float) -> dict[str, Any]:
    now_iso = clinic_now(data_dir)
    script = str(Path(__file__).resolve())
    app_runs: list[dict[str, Any]] = []
    bare_runs: list[dict[str, Any]] = []
    for run in range(runs):
        app_runs.append(
            bench_startup.spawn(
                [script, "--child", str(data_dir), "--now", now_iso, "--settle", str(settle_s)]
            )
        )
        bare_runs.append(
            bench_startup.spawn([str(bench_startup.SCRIPT), "--bare", "--settle", str(settle_s)])
        )
        desk = app_runs[-1]["readings"][PHASES[0]]
        print(
            f"  run {run + 1}: desk board open {desk['vmrss_kib'] / 1024:.0f} MiB, bare window "
            f"{bare_runs[-1]['vmrss_kib'] / 1024:.0f} MiB",
            flush=True,
        )
    bare_rss = [r["vmrss_kib"] / 1024 for r in bare_runs]
    bare_hwm = [r["vmhwm_kib"] / 1024 for r in bare_runs]
    figures: dict[str, dict[str, Any]] = {}
    for phase in PHASES:
        rss = [r["readings"][phase]["vmrss_kib"] / 1024 for r in app_runs]
        hwm = [r["readings"][phase]["vmhwm_kib"] / 1024 for r in app_runs]
        figures[phase] = {
            "runs": len(rss),
            "median_mib": statistics.median(rss),
            "p95_mib": bench_startup.pct(rss, 0.95),
            "peak_median_mib": statistics.median(hwm),
            "floor_median_mib": statistics.median(bare_rss),
            "floor_p95_mib": bench_startup.pct(bare_rss, 0.95),
            "floor_peak_median_mib": statistics.median(bare_hwm),
            "ratio": statistics.median(rss) / statistics.median(bare_rss),
            "sqlite_heap_median_mib": statistics.median(
                (r["readings"][phase].get("sqlite_heap_kib") or 0) / 1024 for r in app_runs
            ),
        }
    return {
        "dir": str(data_dir),
        "now": now_iso,
        "runs": runs,
        "settle_s": settle_s,
        "pages": app_runs[0]["pages"] if app_runs else [],
        "figures": figures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="a clinic built by bench/gen_dataset.py --dir")
    parser.add_argument("--runs", type=int, default=3, help="processes of each kind")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before reading")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(Path(args.child), args.now, args.settle)
    if not args.dir:
        parser.error("--dir is needed")
    report = measure(Path(args.dir), args.runs, args.settle)
    print(f"\nresident memory, {args.runs} processes, {args.settle:g} s to settle (MiB)")
    print(
        f"{'phase':26} {'median':>7} {'max':>7} {'peak':>7} {'floor':>7} {'ratio':>6} {'sqlite':>7}"
    )
    for phase, r in report["figures"].items():
        print(
            f"{phase:26} {r['median_mib']:7.0f} {r['p95_mib']:7.0f} {r['peak_median_mib']:7.0f} "
            f"{r['floor_median_mib']:7.0f} {r['ratio']:6.1f} {r['sqlite_heap_median_mib']:7.0f}"
        )
    print(
        "(VmRSS from /proc/self/status; peak = VmHWM; floor = a bare PySide6 window; "
        "sqlite = SQLite's heap, mostly page cache)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
