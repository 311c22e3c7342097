"""Time from process start to the sign-in window (issue 3's closing figure; issue 12's
cold start), beside a bare PySide6 window's.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_startup.py DATA_DIR
    .venv/bin/python bench/bench_startup.py --dir DATA_DIR [--runs 10] [--json PATH]

The first form (the old one) starts the program in this process and prints the
milliseconds from this script's first line to the sign-in window shown. It needs
CLINIC_DESK_PASSPHRASE (or a keyring entry) for the clinic in DATA_DIR.

The second form measures a cold start as a separate process, ``--runs`` times: each
run starts a new Python process (``bench_startup.py DATA_DIR --report``: ``run_app``
as ``clinic-desk run`` calls it, language zh_CN) and times from just before the
process is spawned to the sign-in window shown (the first event-loop turn after
``show()``), interpreter start-up and imports included. The floor, run alternately
with it, is a process that imports PySide6, opens a bare ``QWidget`` and reports
when it is shown (``--bare``). The operating system's file cache is warm after the
first run (nothing is dropped), so "cold" means a new process, not a cold disk.
Qt runs offscreen unless QT_QPA_PLATFORM is set; CLINIC_DESK_PASSPHRASE defaults to
the demo clinic's. Each child also reports its resident memory (VmRSS) at that
moment. Prints median and p95 milliseconds and the ratio to the floor; ``--json``
writes them to PATH. No target is named for this figure in the issues.

The program writes its unlock audit row and log file into DATA_DIR, as when it is
used; the daily backup (due 3 s after start) is switched off in the child, so a
slow start never copies the clinic into DATA_DIR/backups.
"""

from __future__ import annotations

import time

START = time.perf_counter()  # before the imports: they are part of the start-up

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
MARK = "BENCH-CHILD "  # a child's one result line: MARK + JSON
DEMO_PASSPHRASE = "demo clinic passphrase 2026"  # services.demo.DEMO_PASSPHRASE, not imported
# here: importing the services would load SQLAlchemy into the parent for nothing


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def proc_status() -> dict[str, int]:
    """VmRSS and VmHWM of this process in KiB (Linux /proc)."""
    out: dict[str, int] = {}
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key.lower() + "_kib"] = int(value.split()[0])
    return out


def report_child(**extra: Any) -> None:
    """The child's result line, read by ``spawn``."""
    payload = {"shown_wall": time.time(), "in_process_ms": (time.perf_counter() - START) * 1000}
    print(MARK + json.dumps(payload | proc_status() | extra), flush=True)


def disable_daily_backup() -> None:
    """The program starts the daily backup 3 s after start; a bench child must not copy
    the clinic (1.3 GB for the 5-year dataset) into the data folder while measured."""
    from clinic_desk.core.services import maintenance

    maintenance.run_daily_backup_if_due = lambda *args, **kwargs: None


def child_app(data_dir: Path, report: bool) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from clinic_desk.ui.app import run_app

    if report:
        disable_daily_backup()

    def shown(window: object) -> None:
        def done() -> None:
            print(f"launch to sign-in window: {(time.perf_counter() - START) * 1000:.0f} ms")
            if report:
                report_child()
            QApplication.quit()

        QTimer.singleShot(0, done)

    return run_app(data_dir, language="zh_CN", after_show=shown)


def child_bare(settle_s: float) -> int:
    """The floor: a bare PySide6 window, reported when shown (and ``settle_s`` later)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv)
    window = QWidget()
    window.resize(1280, 800)
    window.show()

    def done() -> None:
        shown = {"shown_wall": time.time(), "in_process_ms": (time.perf_counter() - START) * 1000}

        def settled() -> None:
            report_child(**{"shown_" + k: v for k, v in shown.items()})
            app.quit()

        QTimer.singleShot(round(settle_s * 1000), settled)

    QTimer.singleShot(0, done)
    return app.exec()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("CLINIC_DESK_PASSPHRASE", DEMO_PASSPHRASE)
    # An installed program has its modules' bytecode cached; without it each start
    # compiles the sources again (seconds), which is not what a clinic sees.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def spawn(argv: list[str], timeout: float = 300.0) -> dict[str, Any]:
    """Run a child (``argv`` after the interpreter), return its result line plus
    ``spawn_ms``: its shown time minus the moment just before it was spawned."""
    started = time.time()
    done = subprocess.run(
        [sys.executable, *argv],
        env=child_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}\n"
            f"{done.stderr[-4000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    shown = result.get("shown_shown_wall", result["shown_wall"])
    result["spawn_ms"] = (shown - started) * 1000
    return result


def stats(samples: list[float]) -> dict[str, float]:
    return {
        "runs": len(samples),
        "median": statistics.median(samples),
        "p95": pct(samples, 0.95),
        "min": min(samples),
        "max": max(samples),
    }


def measure(data_dir: Path, runs: int) -> dict[str, Any]:
    app_runs: list[dict[str, Any]] = []
    bare_runs: list[dict[str, Any]] = []
    for run in range(runs):
        # Alternate, so a busy spell on the machine falls on both.
        app_runs.append(spawn([str(SCRIPT), str(data_dir), "--report"]))
        bare_runs.append(spawn([str(SCRIPT), "--bare"]))
        print(
            f"  run {run + 1}: sign-in window {app_runs[-1]['spawn_ms']:.0f} ms, "
            f"bare window {bare_runs[-1]['spawn_ms']:.0f} ms",
            flush=True,
        )
    app = stats([r["spawn_ms"] for r in app_runs])
    bare = stats([r["spawn_ms"] for r in bare_runs])
    figure = {
        "runs": app["runs"],
        "median_ms": app["median"],
        "p95_ms": app["p95"],
        "floor_median_ms": bare["median"],
        "floor_p95_ms": bare["p95"],
        "ratio": app["median"] / bare["median"],
        "in_process_median_ms": statistics.median(r["in_process_ms"] for r in app_runs),
        "rss_at_sign_in_median_mib": statistics.median(r["vmrss_kib"] for r in app_runs) / 1024,
        "floor_rss_median_mib": statistics.median(r["vmrss_kib"] for r in bare_runs) / 1024,
    }
    return {
        "dir": str(data_dir),
        "runs": runs,
        "platform": child_env()["QT_QPA_PLATFORM"],
        "figures": {"cold start to the sign-in window": figure},
        "samples": {
            "app_ms": [r["spawn_ms"] for r in app_runs],
            "bare_ms": [r["spawn_ms"] for r in bare_runs],
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", help="start the program here, in this process")
    parser.add_argument("--report", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help="the floor: a bare PySide6 window")
    parser.add_argument("--settle", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help="measure cold starts of the clinic here, as processes")
    parser.add_argument("--runs", type=int, default=10, help="processes of each kind")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    if args.bare:
        return child_bare(args.settle)
    if args.data_dir:
        return child_app(Path(args.data_dir), args.report)
    if not args.dir:
        parser.error("give DATA_DIR (one start in this process) or --dir DATA_DIR")
    report = measure(Path(args.dir), args.runs)
    r = report["figures"]["cold start to the sign-in window"]
    print(
        f"\ncold start to the sign-in window ({args.runs} processes, {report['platform']}): "
        f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms; bare PySide6 window "
        f"median {r['floor_median_ms']:.0f} ms, p95 {r['floor_p95_ms']:.0f} ms; ratio "
        f"{r['ratio']:.1f}x (medians); resident memory at the sign-in window "
        f"{r['rss_at_sign_in_median_mib']:.0f} MiB (bare window "
        f"{r['floor_rss_median_mib']:.0f} MiB)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
